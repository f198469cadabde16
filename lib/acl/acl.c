/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACL of a token: its policies' path rules merged per pattern and indexed
 * for the lookup every request makes.
 *
 * Vault's decision for a request path P: an exact rule for P wins outright;
 * otherwise, of the glob rules that match P, the one with the highest priority
 * decides, where priority compares (1) the position of the first wildcard,
 * later wins; (2) no trailing '*' beats a trailing '*'; (3) fewer '+'
 * segments win; (4) longer (without the '*') wins; (5) the lexicographically
 * larger wins.  All five keys are properties of the pattern alone, so the
 * order is fixed when the ACL is built.
 *
 * The index:
 *  - exact rules: an array sorted by pattern, searched with bsearch:
 *    O(log E * L) for E exact rules and a path of L bytes.
 *  - glob rules are grouped by their literal key, the text before the first
 *    wildcard.  A rule can only match P if its key is a prefix of P, and a
 *    longer key means a later first wildcard, hence a higher priority than any
 *    rule with a shorter key.  Groups are sorted by key and each records its
 *    parent, the longest other key that is a prefix of it.  The lookup binary
 *    searches the greatest key <= P, climbs parents while the key is longer
 *    than its common prefix with P, and then visits the groups whose key is a
 *    prefix of P, longest first; inside a group the rules are in priority
 *    order, so the first one that matches is the answer.  Cost:
 *    O(log G * L + D + M * L) where G is the number of groups, D the number of
 *    nested keys on the way (at most L) and M the rules tried in the visited
 *    groups; rules under keys that are not prefixes of P are never looked at.
 *    A pure prefix glob (a trailing '*', no '+') matches as soon as its group
 *    is reached.
 * Building is O(R log R * L) for R rules.  The ACL is immutable afterwards.
 */
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "writ/acl.h"

#include "acl_int.h"

#define ALL_CAPS                                                                           \
	(WRIT_CAP_CREATE | WRIT_CAP_READ | WRIT_CAP_UPDATE | WRIT_CAP_PATCH | WRIT_CAP_DELETE | \
	    WRIT_CAP_LIST | WRIT_CAP_SUDO)

/* Byte-wise order; a proper prefix sorts first (Go's string order). */
static int
bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* ---------------------------------------------------------------------------
 * Pattern classification and matching.
 */

/* Vault treats a pattern as having '+' segments if it is "+", has "/+" or starts "+/". */
static bool
has_segment_wildcard(const char *p, size_t len)
{
	if (len == 1 && p[0] == '+')
		return true;
	if (len >= 2 && p[0] == '+' && p[1] == '/')
		return true;
	for (size_t i = 1; i < len; i++) {
		if (p[i] == '+' && p[i - 1] == '/')
			return true;
	}
	return false;
}

/* Fill the priority keys of e from its pattern. */
static void
classify(struct acl_entry *e)
{
	const char *p = e->pattern, *s, *plus;
	size_t len = e->len, i, start;

	e->is_prefix = len > 0 && p[len - 1] == '*';
	e->wclen = e->is_prefix ? len - 1 : len;
	e->nplus = 0;
	if (has_segment_wildcard(p, len)) {
		e->kind = ACL_SEGMENT;
		plus = memchr(p, '+', len);
		e->keylen = (size_t)(plus - p);
		for (i = 0, start = 0; i <= e->wclen; i++) {
			if (i == e->wclen || p[i] == '/') {
				s = p + start;
				if (i - start == 1 && s[0] == '+')
					e->nplus++;
				start = i + 1;
			}
		}
	} else if (e->is_prefix) {
		e->kind = ACL_PREFIX;
		e->keylen = e->wclen;
	} else {
		e->kind = ACL_EXACT;
		e->keylen = len;
	}
}

int
acl_entry_prio_cmp(const struct acl_entry *a, const struct acl_entry *b)
{
	if (a->keylen != b->keylen)
		return a->keylen > b->keylen ? 1 : -1;
	if (a->is_prefix != b->is_prefix)
		return a->is_prefix ? -1 : 1;
	if (a->nplus != b->nplus)
		return a->nplus < b->nplus ? 1 : -1;
	if (a->wclen != b->wclen)
		return a->wclen > b->wclen ? 1 : -1;
	return bytes_cmp(a->pattern, a->wclen, b->pattern, b->wclen);
}

static const char *
seg_end(const char *p, const char *end)
{
	const char *q = memchr(p, '/', (size_t)(end - p));

	return q != NULL ? q : end;
}

/*
 * Segment match as Vault does it: pattern and path split on '/'; "+" takes
 * any one segment; with a trailing '*' the last pattern segment is a prefix
 * of its path segment and more path segments may follow.
 */
static bool
segment_match(const struct acl_entry *e, const char *path, size_t len)
{
	const char *pp = e->pattern, *pe = e->pattern + e->wclen;
	const char *sp = path, *se = path + len;

	for (;;) {
		const char *pn = seg_end(pp, pe), *sn = seg_end(sp, se);
		size_t pl = (size_t)(pn - pp), sl = (size_t)(sn - sp);
		bool last = pn == pe;

		if (!(pl == 1 && pp[0] == '+') && !(pl == sl && memcmp(pp, sp, pl) == 0) &&
		    !(e->is_prefix && last && sl >= pl && memcmp(pp, sp, pl) == 0))
			return false;
		if (last)
			return sn == se || e->is_prefix;
		if (sn == se)
			return false;
		pp = pn + 1;
		sp = sn + 1;
	}
}

bool
acl_entry_match(const struct acl_entry *e, const char *path, size_t len)
{
	switch (e->kind) {
	case ACL_EXACT:
		return e->len == len && memcmp(e->pattern, path, len) == 0;
	case ACL_PREFIX:
		return len >= e->wclen && memcmp(e->pattern, path, e->wclen) == 0;
	case ACL_SEGMENT:
		return segment_match(e, path, len);
	}
	return false;
}

/* ---------------------------------------------------------------------------
 * Building.
 */

/* A rule borrowed from a policy while merging. */
struct src_rule {
	const char *pattern;
	size_t len;
	unsigned caps;
};

static int
src_cmp(const void *a, const void *b)
{
	const struct src_rule *x = a, *y = b;

	return bytes_cmp(x->pattern, x->len, y->pattern, y->len);
}

/* Globs by group key ascending, then best first. */
static int
glob_cmp(const void *a, const void *b)
{
	const struct acl_entry *x = a, *y = b;
	int c = bytes_cmp(x->pattern, x->keylen, y->pattern, y->keylen);

	return c != 0 ? c : -acl_entry_prio_cmp(x, y);
}

void
writ_acl_free(struct writ_acl *acl)
{
	if (acl == NULL)
		return;
	writ_free(acl->pool);
	writ_free(acl->exact);
	writ_free(acl->globs);
	writ_free(acl->groups);
	writ_free(acl);
}

writ_rc
writ_acl_new_root(struct writ_acl **out)
{
	struct writ_acl *acl = writ_calloc(1, sizeof(*acl));

	if (acl == NULL)
		return WRIT_ENOMEM;
	acl->root = true;
	*out = acl;
	return WRIT_OK;
}

/* Every rule of every policy, sorted by pattern and merged per pattern. */
static writ_rc
collect(const struct writ_acl_policy *const *pols, size_t npols, struct src_rule **out,
    size_t *nout, struct writ_err *err)
{
	struct src_rule *v;
	size_t total = 0, i, j, n = 0;

	for (i = 0; i < npols; i++) {
		if (__builtin_add_overflow(total, pols[i]->nrules, &total))
			return WRIT_ERR(err, WRIT_ELIMIT, "too many rules");
	}
	if ((v = writ_calloc(total ? total : 1, sizeof(*v))) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	for (i = 0; i < npols; i++) {
		for (j = 0; j < pols[i]->nrules; j++) {
			const struct acl_rule *r = &pols[i]->rules[j];

			v[n++] = (struct src_rule){r->pattern, r->len, r->caps};
		}
	}
	qsort(v, n, sizeof(*v), src_cmp);
	for (i = 0, j = 0; i < n; i++) {
		if (j > 0 && src_cmp(&v[j - 1], &v[i]) == 0)
			v[j - 1].caps = acl_caps_merge(v[j - 1].caps, v[i].caps);
		else
			v[j++] = v[i];
	}
	*out = v;
	*nout = j;
	return WRIT_OK;
}

/* Copy the merged patterns into one pool and sort them into exact and globs. */
static writ_rc
fill_entries(struct writ_acl *acl, const struct src_rule *v, size_t n)
{
	size_t pool = 0, i, off = 0;
	struct acl_entry e;

	for (i = 0; i < n; i++) {
		if (__builtin_add_overflow(pool, v[i].len + 1, &pool))
			return WRIT_ELIMIT;
	}
	acl->pool = writ_malloc(pool ? pool : 1);
	acl->exact = writ_calloc(n ? n : 1, sizeof(*acl->exact));
	acl->globs = writ_calloc(n ? n : 1, sizeof(*acl->globs));
	if (acl->pool == NULL || acl->exact == NULL || acl->globs == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < n; i++) {
		memcpy(acl->pool + off, v[i].pattern, v[i].len + 1);
		e = (struct acl_entry){.pattern = acl->pool + off, .len = v[i].len, .caps = v[i].caps};
		off += v[i].len + 1;
		classify(&e);
		if (e.kind == ACL_EXACT)
			acl->exact[acl->nexact++] = e;
		else
			acl->globs[acl->nglobs++] = e;
	}
	qsort(acl->globs, acl->nglobs, sizeof(*acl->globs), glob_cmp);
	return WRIT_OK;
}

static bool
is_prefix_of(const struct acl_group *a, const struct acl_group *b)
{
	return a->keylen <= b->keylen && memcmp(a->key, b->key, a->keylen) == 0;
}

/* One group per distinct key, each with its parent (see the file comment). */
static writ_rc
build_groups(struct writ_acl *acl)
{
	struct acl_group *g;
	size_t i, p;

	if ((acl->groups = writ_calloc(acl->nglobs ? acl->nglobs : 1, sizeof(*g))) == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < acl->nglobs; i++) {
		const struct acl_entry *e = &acl->globs[i];

		g = acl->ngroups > 0 ? &acl->groups[acl->ngroups - 1] : NULL;
		if (g != NULL && g->keylen == e->keylen && memcmp(g->key, e->pattern, e->keylen) == 0) {
			g->n++;
			continue;
		}
		g = &acl->groups[acl->ngroups];
		*g = (struct acl_group){e->pattern, e->keylen, i, 1, ACL_NONE};
		/* The parent is on the prefix chain of the previous key (sorted order). */
		p = acl->ngroups > 0 ? acl->ngroups - 1 : ACL_NONE;
		while (p != ACL_NONE && !is_prefix_of(&acl->groups[p], g))
			p = acl->groups[p].parent;
		g->parent = p;
		acl->ngroups++;
	}
	return WRIT_OK;
}

/* Vault: the "root" policy makes a root ACL and may not be combined. */
static writ_rc
check_root(const struct writ_acl_policy *const *pols, size_t npols, bool *root,
    struct writ_err *err)
{
	size_t i;

	*root = false;
	for (i = 0; i < npols; i++) {
		if (pols[i] == NULL)
			return WRIT_ERR(err, WRIT_EINVAL, "missing policy");
		if (strcmp(pols[i]->name, "root") == 0) {
			if (npols != 1)
				return WRIT_ERR(err, WRIT_EINVAL,
				    "other policies present along with root");
			*root = true;
		}
	}
	return WRIT_OK;
}

writ_rc
writ_acl_new(const struct writ_acl_policy *const *pols, size_t npols, struct writ_acl **out,
    struct writ_err *err)
{
	struct src_rule *v = NULL;
	struct writ_acl *acl = NULL;
	size_t n = 0;
	bool root;
	writ_rc rc;

	if (npols > 0 && pols == NULL)
		return WRIT_ERR(err, WRIT_EINVAL, "missing policy");
	if ((rc = check_root(pols, npols, &root, err)) != WRIT_OK)
		return rc;
	if (root) {
		if ((rc = writ_acl_new_root(out)) != WRIT_OK)
			WRIT_ERR(err, rc, "out of memory");
		return rc;
	}
	if ((rc = collect(pols, npols, &v, &n, err)) != WRIT_OK)
		goto out;
	if ((acl = writ_calloc(1, sizeof(*acl))) == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = fill_entries(acl, v, n)) != WRIT_OK || (rc = build_groups(acl)) != WRIT_OK) {
		WRIT_ERR(err, rc, rc == WRIT_ENOMEM ? "out of memory" : "policies too large");
		goto out;
	}
	*out = acl;
	acl = NULL;
out:
	writ_free(v);
	writ_acl_free(acl);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Lookup.
 */

static int
exact_cmp(const void *key, const void *elem)
{
	const char *path = key;
	const struct acl_entry *e = elem;

	return bytes_cmp(path, strlen(path), e->pattern, e->len);
}

/* Index of the last group whose key is <= path, or ACL_NONE. */
static size_t
group_floor(const struct writ_acl *acl, const char *path, size_t len)
{
	size_t lo = 0, hi = acl->ngroups, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (bytes_cmp(acl->groups[mid].key, acl->groups[mid].keylen, path, len) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? lo - 1 : ACL_NONE;
}

static const struct acl_entry *
glob_lookup(const struct writ_acl *acl, const char *path, size_t len)
{
	size_t g = group_floor(acl, path, len), lcp = 0, i;
	const struct acl_group *gr;

	if (g == ACL_NONE)
		return NULL;
	gr = &acl->groups[g];
	while (lcp < gr->keylen && lcp < len && gr->key[lcp] == path[lcp])
		lcp++;
	/* The keys on g's parent chain are its prefixes; those of length <= lcp prefix path. */
	while (g != ACL_NONE && acl->groups[g].keylen > lcp)
		g = acl->groups[g].parent;
	for (; g != ACL_NONE; g = acl->groups[g].parent) {
		gr = &acl->groups[g];
		for (i = gr->first; i < gr->first + gr->n; i++) {
			if (acl->globs[i].kind == ACL_PREFIX ||
			    segment_match(&acl->globs[i], path, len))
				return &acl->globs[i];
		}
	}
	return NULL;
}

unsigned
writ_acl_capabilities(const struct writ_acl *acl, const char *path)
{
	const struct acl_entry *e;

	if (acl == NULL || path == NULL)
		return 0;
	if (acl->root)
		return ALL_CAPS | WRIT_CAP_ROOT;
	e = bsearch(path, acl->exact, acl->nexact, sizeof(*acl->exact), exact_cmp);
	if (e == NULL)
		e = glob_lookup(acl, path, strlen(path));
	return e != NULL ? e->caps : 0;
}

unsigned
acl_capabilities_naive(const struct writ_acl *acl, const char *path)
{
	const struct acl_entry *best = NULL;
	size_t len, i;

	if (acl == NULL || path == NULL)
		return 0;
	if (acl->root)
		return ALL_CAPS | WRIT_CAP_ROOT;
	len = strlen(path);
	for (i = 0; i < acl->nexact; i++) {
		if (acl_entry_match(&acl->exact[i], path, len))
			return acl->exact[i].caps;
	}
	for (i = 0; i < acl->nglobs; i++) {
		const struct acl_entry *e = &acl->globs[i];

		if (acl_entry_match(e, path, len) && (best == NULL || acl_entry_prio_cmp(e, best) > 0))
			best = e;
	}
	return best != NULL ? best->caps : 0;
}
