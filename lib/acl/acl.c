/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ACL of a token: Vault's matching of request paths against the merged
 * path rules of its policies, through an index built once per ACL (build.c)
 * and searched on every request.
 *
 * Vault's decision for a request path P: an exact rule for P wins outright;
 * otherwise, of the glob rules that match P, the one with the highest priority
 * decides, where priority compares (1) the position of the first wildcard,
 * later wins; (2) no trailing '*' beats a trailing '*'; (3) fewer '+'
 * segments win; (4) longer (without the '*') wins; (5) the lexicographically
 * larger wins.  All five keys are properties of the pattern alone.  Of the
 * pure prefix globs (a trailing '*' and no '+' segment) only the longest one
 * that prefixes P can win, as in Vault's radix-tree LongestPrefix.
 *
 * The index, for a path of L bytes and k segments:
 *  - exact rules: sorted array, binary search: O(log E * L).
 *  - pure prefix globs: a sorted set whose members link to their longest
 *    proper prefix in the set; the greatest member <= P, then up the links
 *    while longer than its common prefix with P, gives the longest prefix:
 *    O(log P * L + nesting).
 *  - '+' globs: a trie of their segments, a literal child per distinct
 *    segment (sorted, bsearch) and one child for "+".  The lookup follows the
 *    literal child and the "+" child of each node reached, so it visits only
 *    nodes whose segments match P; at each it considers the glob ending there
 *    (when P has no more segments) and, for globs with a trailing '*', the
 *    longest of their partial last segments that prefixes P's next segment
 *    (the same longest-prefix set, per node).  O(V * (log C + log Q) * L) for
 *    V nodes visited (at most one per trie node, in practice about k), C
 *    children and Q partials per node.  No rule is examined unless all its
 *    segments before the last match P.
 *  The candidates (at most one per visited node, plus the prefix glob) are
 *  compared with the priority order.  Lookups allocate nothing: the walk
 *  keeps its pending "+" branches in a fixed stack of ACL_MAX_DEPTH frames,
 *  and an ACL with a deeper trie (a '+' glob of more than 64 segments) is
 *  answered by the linear scan instead, which gives the same result.
 * The ACL is immutable once built and may be shared between threads.
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
int
acl_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
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
void
acl_entry_classify(struct acl_entry *e)
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
	return acl_bytes_cmp(a->pattern, a->wclen, b->pattern, b->wclen);
}

const char *
acl_seg_end(const char *p, const char *end)
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
		const char *pn = acl_seg_end(pp, pe), *sn = acl_seg_end(sp, se);
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
 * Lookup.
 */

const struct acl_lp *
acl_lp_longest(const struct acl_lp *v, size_t n, const char *q, size_t qlen)
{
	size_t lo = 0, hi = n, mid, i, lcp = 0;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (acl_bytes_cmp(v[mid].s, v[mid].len, q, qlen) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	i = lo - 1;
	while (lcp < v[i].len && lcp < qlen && v[i].s[lcp] == q[lcp])
		lcp++;
	/* The links of v[i] are its prefixes; those of length <= lcp prefix q. */
	while (i != ACL_NONE && v[i].len > lcp)
		i = v[i].parent;
	return i != ACL_NONE ? &v[i] : NULL;
}

/* The exact rule for path[len], or NULL. */
static const struct acl_entry *
exact_find(const struct writ_acl *acl, const char *path, size_t len)
{
	size_t lo = 0, hi = acl->nexact, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = acl_bytes_cmp(acl->exact[mid].pattern, acl->exact[mid].len, path, len);
		if (c == 0)
			return &acl->exact[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void
consider(const struct acl_entry **best, const struct acl_entry *e)
{
	if (e != NULL && (*best == NULL || acl_entry_prio_cmp(e, *best) > 0))
		*best = e;
}

/* Literal child of n spelled seg[len], or ACL_NONE. */
static size_t
literal_child(const struct writ_acl *acl, const struct acl_node *n, const char *seg,
    size_t len)
{
	size_t lo = 0, hi = n->nkids, mid;
	int c;

	while (lo < hi) {
		const struct acl_node *k;

		mid = lo + (hi - lo) / 2;
		k = &acl->nodes[acl->kids[n->kids + mid]];
		if ((c = acl_bytes_cmp(k->seg, k->seglen, seg, len)) == 0)
			return acl->kids[n->kids + mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ACL_NONE;
}

struct frame {
	size_t node, d, off; /* node reached after d segments; next segment at path + off */
};

/* The best '+' glob matching path[len] of nsegs segments (see the file comment). */
static const struct acl_entry *
trie_lookup(const struct writ_acl *acl, const char *path, size_t len, size_t nsegs)
{
	struct frame st[ACL_MAX_DEPTH + 1], f = {0, 0, 0};
	const struct acl_entry *best = NULL;
	const struct acl_lp *lp;
	size_t sp = 0, lit, e;

	for (;;) {
		const struct acl_node *n = &acl->nodes[f.node];

		if (f.d == nsegs) {
			consider(&best, n->end);
		} else {
			e = (size_t)(acl_seg_end(path + f.off, path + len) - path);
			lp = acl_lp_longest(acl->partials + n->partials, n->npartials, path + f.off,
			    e - f.off);
			consider(&best, lp != NULL ? lp->e : NULL);
			lit = literal_child(acl, n, path + f.off, e - f.off);
			e = e < len ? e + 1 : len;
			/* At most one pending frame per level, and depth <= ACL_MAX_DEPTH. */
			if (lit != ACL_NONE && n->plus != ACL_NONE && WRIT_ALWAYS(sp < WRIT_ARRAY_LEN(st)))
				st[sp++] = (struct frame){n->plus, f.d + 1, e};
			if (lit != ACL_NONE || n->plus != ACL_NONE) {
				f = (struct frame){lit != ACL_NONE ? lit : n->plus, f.d + 1, e};
				continue;
			}
		}
		if (sp == 0)
			return best;
		f = st[--sp];
	}
}

unsigned
writ_acl_capabilities(const struct writ_acl *acl, const char *path)
{
	const struct acl_entry *e;
	const struct acl_lp *lp;
	size_t len, nsegs = 1, i;

	if (acl == NULL || path == NULL)
		return 0;
	if (acl->root)
		return ALL_CAPS | WRIT_CAP_ROOT;
	len = strlen(path);
	if ((e = exact_find(acl, path, len)) != NULL)
		return e->caps;
	if (acl->depth > ACL_MAX_DEPTH)
		return acl_capabilities_naive(acl, path);
	lp = acl_lp_longest(acl->prefixes, acl->nprefixes, path, len);
	e = lp != NULL ? lp->e : NULL;
	if (acl->nnodes > 1) {
		for (i = 0; i < len; i++)
			nsegs += path[i] == '/';
		consider(&e, trie_lookup(acl, path, len, nsegs));
	}
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
