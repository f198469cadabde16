/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building a token's ACL from its policies: the rules are merged per pattern
 * (capabilities OR'd, deny absorbing everything), copied into one pool and
 * indexed for the lookup in acl.c: exact patterns sorted for bsearch, pure
 * prefix globs as a longest-prefix set, '+' globs as a trie of their
 * segments with the partial last segments of '*' globs in a longest-prefix
 * set per node.  Cost O(R log R * L) for R rules of L bytes; a handful of
 * allocations, all released on failure.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "writ/acl.h"

#include "acl_int.h"

/* A rule borrowed from a policy while merging. */
struct src_rule {
	const char *pattern;
	size_t len;
	unsigned caps;
};

/* A partial last segment and the trie node it hangs from, while building. */
struct node_partial {
	size_t node;
	struct acl_lp lp;
};

/* Trie under construction: literal children as linked lists, in sorted order. */
struct trie_build {
	struct writ_acl *acl;
	size_t cap;                 /* nodes allocated */
	size_t *first, *last, *next; /* literal child lists, per node */
	struct node_partial *parts;
	size_t nparts;
};

static int
src_cmp(const void *a, const void *b)
{
	const struct src_rule *x = a, *y = b;

	return acl_bytes_cmp(x->pattern, x->len, y->pattern, y->len);
}

static int
lp_cmp(const void *a, const void *b)
{
	const struct acl_lp *x = a, *y = b;

	return acl_bytes_cmp(x->s, x->len, y->s, y->len);
}

static int
partial_cmp(const void *a, const void *b)
{
	const struct node_partial *x = a, *y = b;

	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return lp_cmp(&x->lp, &y->lp);
}

/* Segment by segment, so that globs sharing leading segments are adjacent. */
static int
seg_seq_cmp(const void *a, const void *b)
{
	const struct acl_entry *x = *(const struct acl_entry *const *)a;
	const struct acl_entry *y = *(const struct acl_entry *const *)b;
	const char *p = x->pattern, *pe = p + x->wclen, *q = y->pattern, *qe = q + y->wclen;

	for (;;) {
		const char *pn = acl_seg_end(p, pe), *qn = acl_seg_end(q, qe);
		int c = acl_bytes_cmp(p, (size_t)(pn - p), q, (size_t)(qn - q));

		if (c != 0)
			return c;
		if (pn == pe && qn == qe)
			return (int)x->is_prefix - (int)y->is_prefix;
		if (pn == pe || qn == qe)
			return pn == pe ? -1 : 1;
		p = pn + 1;
		q = qn + 1;
	}
}

void
acl_lp_link(struct acl_lp *v, size_t n)
{
	size_t i, p;

	/* The parent of v[i] is on the prefix chain of v[i - 1] (sorted order). */
	for (i = 0; i < n; i++) {
		p = i > 0 ? i - 1 : ACL_NONE;
		while (p != ACL_NONE &&
		    !(v[p].len <= v[i].len && memcmp(v[p].s, v[i].s, v[p].len) == 0))
			p = v[p].parent;
		v[i].parent = p;
	}
}

/* ---------------------------------------------------------------------------
 * Merging.
 */

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
		acl_entry_classify(&e);
		if (e.kind == ACL_EXACT)
			acl->exact[acl->nexact++] = e;
		else
			acl->globs[acl->nglobs++] = e;
	}
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Index.
 */

/* The pure prefix globs, keyed by their text before '*'. */
static writ_rc
build_prefixes(struct writ_acl *acl)
{
	size_t i;

	if ((acl->prefixes = writ_calloc(acl->nglobs + 1, sizeof(*acl->prefixes))) == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < acl->nglobs; i++) {
		const struct acl_entry *e = &acl->globs[i];

		if (e->kind == ACL_PREFIX)
			acl->prefixes[acl->nprefixes++] =
			    (struct acl_lp){e->pattern, e->wclen, ACL_NONE, e};
	}
	qsort(acl->prefixes, acl->nprefixes, sizeof(*acl->prefixes), lp_cmp);
	acl_lp_link(acl->prefixes, acl->nprefixes);
	return WRIT_OK;
}

static size_t
new_node(struct trie_build *t, const char *seg, size_t len)
{
	size_t i = t->acl->nnodes++;

	assert(i < t->cap);
	t->acl->nodes[i] = (struct acl_node){.seg = seg, .seglen = len, .plus = ACL_NONE};
	t->first[i] = t->last[i] = t->next[i] = ACL_NONE;
	return i;
}

/* The child of node for segment seg[len], created if needed. */
static size_t
child(struct trie_build *t, size_t node, const char *seg, size_t len)
{
	struct acl_node *nodes = t->acl->nodes;
	size_t c;

	if (len == 1 && seg[0] == '+') {
		if (nodes[node].plus == ACL_NONE)
			nodes[node].plus = new_node(t, seg, len);
		return nodes[node].plus;
	}
	/* Globs arrive in segment order: an existing child is the last one made. */
	c = t->last[node];
	if (c != ACL_NONE && acl_bytes_cmp(nodes[c].seg, nodes[c].seglen, seg, len) == 0)
		return c;
	c = new_node(t, seg, len);
	if (t->last[node] == ACL_NONE)
		t->first[node] = c;
	else
		t->next[t->last[node]] = c;
	t->last[node] = c;
	return c;
}

/* Add one '+' glob: its segments as nodes, its end or its partial last segment. */
static void
insert(struct trie_build *t, const struct acl_entry *e)
{
	const char *p = e->pattern, *pe = e->pattern + e->wclen, *pn;
	size_t node = 0, d = 0;

	for (;;) {
		pn = acl_seg_end(p, pe);
		if (pn == pe && e->is_prefix) {
			t->parts[t->nparts++] =
			    (struct node_partial){node, {p, (size_t)(pn - p), ACL_NONE, e}};
			break;
		}
		node = child(t, node, p, (size_t)(pn - p));
		d++;
		if (pn == pe) {
			t->acl->nodes[node].end = e;
			break;
		}
		p = pn + 1;
	}
	if (d > t->acl->depth)
		t->acl->depth = d;
}

/* Literal children into acl->kids; partials into acl->partials, per node. */
static void
flatten(struct trie_build *t)
{
	struct writ_acl *acl = t->acl;
	size_t i, c, k = 0, j;

	for (i = 0; i < acl->nnodes; i++) {
		acl->nodes[i].kids = k;
		for (c = t->first[i]; c != ACL_NONE; c = t->next[c])
			acl->kids[k++] = c;
		acl->nodes[i].nkids = k - acl->nodes[i].kids;
	}
	qsort(t->parts, t->nparts, sizeof(*t->parts), partial_cmp);
	for (i = 0; i < t->nparts; i = j) {
		struct acl_node *n = &acl->nodes[t->parts[i].node];

		n->partials = i;
		for (j = i; j < t->nparts && t->parts[j].node == t->parts[i].node; j++)
			acl->partials[j] = t->parts[j].lp;
		n->npartials = j - i;
		acl_lp_link(acl->partials + i, j - i);
	}
	acl->npartials = t->nparts;
}

/* Nodes needed for the '+' globs: one per segment, plus the root. */
static writ_rc
count_nodes(const struct writ_acl *acl, size_t *out)
{
	size_t n = 1, i, k;

	for (i = 0; i < acl->nglobs; i++) {
		const struct acl_entry *e = &acl->globs[i];

		if (e->kind != ACL_SEGMENT)
			continue;
		for (k = 0; k < e->wclen; k++)
			n += e->pattern[k] == '/';
		if (__builtin_add_overflow(n, 1, &n))
			return WRIT_ELIMIT;
	}
	*out = n;
	return WRIT_OK;
}

static writ_rc
build_trie(struct writ_acl *acl)
{
	struct trie_build t = {.acl = acl};
	const struct acl_entry **order = NULL;
	size_t i, n = 0, lists;
	writ_rc rc;

	if ((rc = count_nodes(acl, &t.cap)) != WRIT_OK)
		return rc;
	if (__builtin_mul_overflow(t.cap, 3, &lists))
		return WRIT_ELIMIT;
	acl->nodes = writ_calloc(t.cap, sizeof(*acl->nodes));
	acl->kids = writ_calloc(t.cap, sizeof(*acl->kids));
	acl->partials = writ_calloc(acl->nglobs + 1, sizeof(*acl->partials));
	t.first = writ_calloc(lists, sizeof(*t.first));
	t.parts = writ_calloc(acl->nglobs + 1, sizeof(*t.parts));
	order = writ_calloc(acl->nglobs + 1, sizeof(*order));
	if (acl->nodes == NULL || acl->kids == NULL || acl->partials == NULL || t.first == NULL ||
	    t.parts == NULL || order == NULL) {
		rc = WRIT_ENOMEM;
		goto out;
	}
	t.last = t.first + t.cap;
	t.next = t.last + t.cap;
	for (i = 0; i < acl->nglobs; i++) {
		if (acl->globs[i].kind == ACL_SEGMENT)
			order[n++] = &acl->globs[i];
	}
	qsort(order, n, sizeof(*order), seg_seq_cmp);
	new_node(&t, "", 0);
	for (i = 0; i < n; i++)
		insert(&t, order[i]);
	flatten(&t);
out:
	writ_free(order);
	writ_free(t.parts);
	writ_free(t.first);
	return rc;
}

writ_rc
acl_index_build(struct writ_acl *acl)
{
	writ_rc rc;

	/* acl->exact is already sorted: fill_entries keeps the merged order. */
	if ((rc = build_prefixes(acl)) != WRIT_OK)
		return rc;
	return build_trie(acl);
}

/* ---------------------------------------------------------------------------
 * Public.
 */

void
writ_acl_free(struct writ_acl *acl)
{
	if (acl == NULL)
		return;
	writ_free(acl->pool);
	writ_free(acl->exact);
	writ_free(acl->globs);
	writ_free(acl->prefixes);
	writ_free(acl->nodes);
	writ_free(acl->kids);
	writ_free(acl->partials);
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
	if ((rc = fill_entries(acl, v, n)) != WRIT_OK || (rc = acl_index_build(acl)) != WRIT_OK) {
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
