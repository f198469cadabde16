/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rule indexing, after OPA's (v1/ast/index.go) in behaviour: the rules of
 * one node of the rule tree are indexed by the equality expressions of their
 * bodies that compare a ground reference to a scalar (`input.method ==
 * "GET"`, `"GET" = input.method`, `data.cfg.mode == 1`).  The compiler
 * builds a decision tree per node: each level tests one reference, with the
 * rules keyed by the value they require (sorted, binary searched) and the
 * rules that do not test it in a subtree of their own; a level tests the
 * reference that most of its rules test.  A lookup evaluates the references with the
 * current input and data and returns the candidates in definition order;
 * every other rule has a body that cannot succeed.  Rules with an else
 * chain, with no indexable expression, or that may rebind input or data are
 * always candidates; functions and default rules are not indexed.
 */
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"

#include "rego/eval.h"

/* Deepest decision tree (references tested on one path). */
#define IX_MAX_DEPTH 8

/* A level of the decision tree; a leaf when ref is NULL. */
struct rego_ixnode {
	const struct rego_term *ref; /* the reference tested */
	struct rego_ixent *ents;     /* by value, sorted with rego_compare */
	size_t nents;
	struct rego_ixnode *rest; /* the rules that do not test ref, or NULL */
	uint32_t *rules;          /* a leaf's rules */
	size_t nrules;
};

struct rego_ixent {
	const struct rego_val *val;
	struct rego_ixnode *kid;
};

/* Build state: constraints (reference id, value) per rule. */
struct ixc {
	uint32_t ref;
	const struct rego_val *val;
};

struct ixrule {
	struct ixc *c;
	size_t nc;
};

struct ixref {
	const struct rego_term *t;
	size_t count; /* scratch: rules of the current set that test it */
};

struct ixb {
	const struct writ_rego_bundle *b;
	struct writ_arena *a;   /* the bundle's arena: the result */
	struct writ_arena *tmp; /* scratch */
	struct ixrule *rules;
	struct ixref *refs;
	size_t nrefs, caprefs;
	uint32_t *rh; /* hash index of refs: id + 1 in caprefs * 2 slots */
	uint32_t used[IX_MAX_DEPTH];
	size_t nused;
};

/* Candidates collected by a lookup. */
struct cand {
	uint32_t *v;
	size_t n, cap;
};

/* A pair sorted while splitting. */
struct ixpair {
	const struct rego_val *val;
	uint32_t rule;
};

static const struct rego_val *scalar_val(
    const struct writ_rego_bundle *b, const struct rego_term *t);
static bool ref_ok(const struct writ_rego_bundle *b, const struct rego_term *t);
static bool ref_same(const struct rego_term *x, const struct rego_term *y);
static uint64_t ref_hash(const struct rego_term *t);
static bool binds_root(const struct rego_term *t);
static bool rule_may_shadow(const struct rego_rule *r);
static writ_rc add_constraint(
    struct ixb *x, struct ixrule *ir, const struct rego_term *ref, const struct rego_val *val);
static writ_rc rule_constraints(struct ixb *x, const struct rego_rule *r, struct ixrule *ir);
static const struct rego_val *rule_value(const struct ixrule *ir, uint32_t ref);
static int pair_cmp(const void *p, const void *q);
static long pick_ref(struct ixb *x, const uint32_t *set, size_t n);
static struct rego_ixnode *build(struct ixb *x, uint32_t *set, size_t n);
static writ_rc index_node(const struct writ_rego_bundle *b, struct rego_node *n);
static int u32_cmp(const void *p, const void *q);
static bool grow_refs(struct ixb *x);
static bool ref_used(const struct ixb *x, uint32_t ref);
static struct rego_ixnode *split(
    struct ixb *x, struct rego_ixnode *node, uint32_t ref, uint32_t *set, size_t n);
static writ_rc index_tree(const struct writ_rego_bundle *b, struct rego_node *n);
static void drop_tree(struct rego_node *n);
static int cand_add(struct rego_ev *e, struct cand *c, const uint32_t *rules, size_t n);
static const struct rego_ixent *find_ent(const struct rego_ixnode *node, const struct rego_val *v);
static int walk(struct rego_ev *e, const struct rego_ixnode *node, struct cand *c);
static bool eq_replaced(const struct rego_ev *e);

/* ---------------------------------------------------------------------------
 * Indexable expressions.
 */

static const struct rego_val *
scalar_val(const struct writ_rego_bundle *b, const struct rego_term *t)
{
	switch (t->kind) {
	case REGO_T_NULL:
		return &rego_null_val;
	case REGO_T_BOOL:
		return t->b ? &rego_true_val : &rego_false_val;
	case REGO_T_NUMBER:
	case REGO_T_STRING:
		return rego_bundle_const(b, t);
	default:
		return NULL;
	}
}

/*
 * A ground reference whose value does not depend on rules: input.a["b"][0],
 * or data.x.y where the path leaves the rule tree before it ends and passes
 * no node that holds rules (a base document).
 */
static bool
ref_ok(const struct writ_rego_bundle *b, const struct rego_term *t)
{
	const struct rego_term *h;
	const struct rego_node *n;
	size_t i;

	if (t->kind != REGO_T_REF || t->items.n < 2 || (h = t->items.v[0])->kind != REGO_T_VAR)
		return false;
	if (strcmp(h->text, "input") == 0) {
		for (i = 1; i < t->items.n; i++)
			if (t->items.v[i]->kind != REGO_T_STRING &&
			    t->items.v[i]->kind != REGO_T_NUMBER)
				return false;
		return true;
	}
	if (strcmp(h->text, "data") != 0)
		return false;
	for (i = 1, n = b->root; i < t->items.n; i++) {
		const struct rego_term *s = t->items.v[i];

		if (s->kind != REGO_T_STRING)
			return false;
		if (n == NULL)
			continue;
		if (n->nrules > 0 || n->deflt != NULL || n->is_func)
			return false;
		n = rego_node_child(n, s->text, s->len);
	}
	return n == NULL;
}

static bool
ref_same(const struct rego_term *x, const struct rego_term *y)
{
	size_t i;

	if (x->items.n != y->items.n || strcmp(x->items.v[0]->text, y->items.v[0]->text) != 0)
		return false;
	for (i = 1; i < x->items.n; i++) {
		const struct rego_term *p = x->items.v[i], *q = y->items.v[i];

		if (p->kind != q->kind || p->len != q->len || memcmp(p->text, q->text, p->len) != 0)
			return false;
	}
	return true;
}

/* True if t names the var input or data anywhere (a declaration would shadow it). */
static bool
binds_root(const struct rego_term *t)
{
	size_t i;

	if (t == NULL)
		return false;
	if (t->kind == REGO_T_VAR)
		return strcmp(t->text, "input") == 0 || strcmp(t->text, "data") == 0;
	if (t->kind != REGO_T_ARRAY && t->kind != REGO_T_OBJECT && t->kind != REGO_T_SET)
		return false;
	for (i = 0; i < t->items.n; i++)
		if (binds_root(t->items.v[i]))
			return true;
	for (i = 0; i < t->keys.n; i++)
		if (binds_root(t->keys.v[i]))
			return true;
	return false;
}

/* True if a literal of r's body may declare a local named input or data. */
static bool
rule_may_shadow(const struct rego_rule *r)
{
	size_t i, j;

	for (i = 0; r->body != NULL && i < r->body->exprs.n; i++) {
		const struct rego_expr *x = r->body->exprs.v[i];
		const struct rego_term *t = x->term;

		for (j = 0; x->kind == REGO_E_SOME && j < x->vars.n; j++)
			if (binds_root(x->vars.v[j]))
				return true;
		if ((x->kind == REGO_E_SOME_IN || x->kind == REGO_E_CALL) && t != NULL &&
		    t->kind == REGO_T_CALL)
			for (j = 1; j < t->items.n; j++)
				if (binds_root(t->items.v[j]))
					return true;
	}
	return false;
}

static uint64_t
ref_hash(const struct rego_term *t)
{
	uint64_t h = 14695981039346656037ull;
	size_t i, j;

	for (i = 0; i < t->items.n; i++) {
		const struct rego_term *x = t->items.v[i];
		size_t len = i == 0 ? strlen(x->text) : x->len;

		for (j = 0; j < len; j++)
			h = (h ^ (unsigned char)x->text[j]) * 1099511628211ull;
		h = (h ^ (0x100u + (unsigned)x->kind)) * 1099511628211ull;
	}
	return h;
}

/* Grow the refs and their hash index. */
static bool
grow_refs(struct ixb *x)
{
	size_t ncap = x->caprefs ? x->caprefs * 2 : 8, i, j;
	struct ixref *nv = writ_arena_calloc(x->tmp, ncap, sizeof(*nv));
	uint32_t *rh = writ_arena_calloc(x->tmp, ncap * 2, sizeof(*rh));

	if (nv == NULL || rh == NULL)
		return false;
	if (x->nrefs > 0)
		memcpy(nv, x->refs, x->nrefs * sizeof(*nv));
	for (i = 0; i < x->nrefs; i++) {
		for (j = ref_hash(nv[i].t) & (ncap * 2 - 1); rh[j] != 0;
		     j = (j + 1) & (ncap * 2 - 1))
			;
		rh[j] = (uint32_t)i + 1;
	}
	x->refs = nv;
	x->rh = rh;
	x->caprefs = ncap;
	return true;
}

static writ_rc
add_constraint(
    struct ixb *x, struct ixrule *ir, const struct rego_term *ref, const struct rego_val *val)
{
	size_t j;
	uint32_t id;

	if (x->nrefs == x->caprefs && !grow_refs(x))
		return WRIT_ENOMEM;
	for (j = ref_hash(ref) & (x->caprefs * 2 - 1); x->rh[j] != 0;
	     j = (j + 1) & (x->caprefs * 2 - 1))
		if (ref_same(x->refs[x->rh[j] - 1].t, ref))
			break;
	if (x->rh[j] == 0) {
		x->refs[x->nrefs++].t = ref;
		x->rh[j] = (uint32_t)x->nrefs;
	}
	id = x->rh[j] - 1;
	if (rule_value(ir, id) != NULL)
		return WRIT_OK; /* the first test of a reference is enough */
	ir->c[ir->nc].ref = id;
	ir->c[ir->nc++].val = val;
	return WRIT_OK;
}

/* The indexable expressions of rule r into ir (none if r must always run). */
static writ_rc
rule_constraints(struct ixb *x, const struct rego_rule *r, struct ixrule *ir)
{
	size_t i;
	writ_rc rc;

	if (r->els != NULL || r->body == NULL || rule_may_shadow(r))
		return WRIT_OK;
	if ((ir->c = writ_arena_calloc(x->tmp, r->body->exprs.n, sizeof(*ir->c))) == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < r->body->exprs.n; i++) {
		const struct rego_expr *e = r->body->exprs.v[i];
		const struct rego_term *t = e->term, *ref, *s;
		const struct rego_val *val;

		if (e->kind != REGO_E_CALL || e->negated || e->with.n > 0 ||
		    !(t->flags & REGO_TF_INFIX) || t->items.n != 3 ||
		    (t->op != REGO_TK_EQUAL && t->op != REGO_TK_UNIFY))
			continue;
		ref = t->items.v[1];
		s = t->items.v[2];
		if (ref->kind != REGO_T_REF) {
			ref = t->items.v[2];
			s = t->items.v[1];
		}
		if (!ref_ok(x->b, ref) || (val = scalar_val(x->b, s)) == NULL)
			continue;
		if ((rc = add_constraint(x, ir, ref, val)) != WRIT_OK)
			return rc;
	}
	return WRIT_OK;
}

static const struct rego_val *
rule_value(const struct ixrule *ir, uint32_t ref)
{
	size_t i;

	for (i = 0; i < ir->nc; i++)
		if (ir->c[i].ref == ref)
			return ir->c[i].val;
	return NULL;
}

/* ---------------------------------------------------------------------------
 * The decision tree.
 */

static int
pair_cmp(const void *p, const void *q)
{
	const struct ixpair *a = p, *b = q;
	int d = rego_compare(a->val, b->val);

	if (d != 0)
		return d;
	return a->rule < b->rule ? -1 : a->rule > b->rule;
}

static int
u32_cmp(const void *p, const void *q)
{
	uint32_t a = *(const uint32_t *)p, b = *(const uint32_t *)q;

	return a < b ? -1 : a > b;
}

static bool
ref_used(const struct ixb *x, uint32_t ref)
{
	size_t i;

	for (i = 0; i < x->nused; i++)
		if (x->used[i] == ref)
			return true;
	return false;
}

/* The reference that most rules of set test (ties: the earliest), or -1. */
static long
pick_ref(struct ixb *x, const uint32_t *set, size_t n)
{
	size_t i, j, best = 0;
	long pick = -1;

	for (i = 0; i < x->nrefs; i++)
		x->refs[i].count = 0;
	for (i = 0; i < n; i++) {
		const struct ixrule *ir = &x->rules[set[i]];

		for (j = 0; j < ir->nc; j++)
			if (!ref_used(x, ir->c[j].ref))
				x->refs[ir->c[j].ref].count++;
	}
	for (i = 0; i < x->nrefs; i++) {
		if (x->refs[i].count > best) {
			best = x->refs[i].count;
			pick = (long)i;
		}
	}
	return pick;
}

/* Split set on ref: the rules by the value they require, the rest apart. */
static struct rego_ixnode *
split(struct ixb *x, struct rego_ixnode *node, uint32_t ref, uint32_t *set, size_t n)
{
	struct ixpair *p = writ_arena_calloc(x->tmp, n, sizeof(*p));
	size_t i, j, np = 0, nrest = 0, nents = 0;

	if (p == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		const struct rego_val *v = rule_value(&x->rules[set[i]], ref);

		if (v != NULL)
			p[np++] = (struct ixpair){v, set[i]};
		else
			set[nrest++] = set[i];
	}
	qsort(p, np, sizeof(*p), pair_cmp);
	for (i = 0; i < np; i++)
		nents += i == 0 || rego_compare(p[i - 1].val, p[i].val) != 0;
	node->ref = x->refs[ref].t;
	if ((node->ents = writ_arena_calloc(x->a, nents, sizeof(*node->ents))) == NULL)
		return NULL;
	x->used[x->nused++] = ref;
	for (i = 0; i < np; i = j) {
		uint32_t *kid = set + nrest; /* set[nrest..] is free: reuse it */

		for (j = i; j < np && rego_compare(p[i].val, p[j].val) == 0; j++)
			kid[j - i] = p[j].rule;
		node->ents[node->nents].val = p[i].val;
		if ((node->ents[node->nents++].kid = build(x, kid, j - i)) == NULL)
			return NULL;
	}
	if (nrest > 0 && (node->rest = build(x, set, nrest)) == NULL)
		return NULL;
	x->nused--;
	return node;
}

/* The decision tree over the rules set[0..n) (set is scratch). */
static struct rego_ixnode *
build(struct ixb *x, uint32_t *set, size_t n)
{
	struct rego_ixnode *node = writ_arena_calloc(x->a, 1, sizeof(*node));
	long ref = -1;

	if (node == NULL)
		return NULL;
	if (n > 1 && x->nused < IX_MAX_DEPTH)
		ref = pick_ref(x, set, n);
	if (ref >= 0)
		return split(x, node, (uint32_t)ref, set, n);
	node->nrules = n;
	if (n > 0 && (node->rules = writ_arena_calloc(x->a, n, sizeof(*node->rules))) == NULL)
		return NULL;
	if (n > 0)
		memcpy(node->rules, set, n * sizeof(*set));
	return node;
}

static writ_rc
index_node(const struct writ_rego_bundle *b, struct rego_node *n)
{
	struct ixb x = {.b = b, .a = b->arena};
	uint32_t *set = NULL;
	size_t i;
	writ_rc rc = WRIT_ENOMEM;

	if ((x.tmp = writ_arena_new(0, 0)) == NULL)
		return WRIT_ENOMEM;
	if ((x.rules = writ_arena_calloc(x.tmp, n->nrules, sizeof(*x.rules))) == NULL ||
	    (set = writ_arena_calloc(x.tmp, n->nrules, sizeof(*set))) == NULL)
		goto out;
	for (i = 0; i < n->nrules; i++) {
		if ((rc = rule_constraints(&x, n->rules[i]->r, &x.rules[i])) != WRIT_OK)
			goto out;
		set[i] = (uint32_t)i;
	}
	rc = WRIT_OK;
	if (x.nrefs == 0)
		goto out; /* nothing to index on */
	if ((n->index = build(&x, set, n->nrules)) == NULL)
		rc = WRIT_ENOMEM;
out:
	writ_arena_free(x.tmp);
	return rc;
}

static writ_rc
index_tree(const struct writ_rego_bundle *b, struct rego_node *n)
{
	size_t i;
	writ_rc rc;

	if (n->nrules > 1 && !n->is_func && (rc = index_node(b, n)) != WRIT_OK)
		return rc;
	for (i = 0; i < n->nkids; i++)
		if ((rc = index_tree(b, n->kids[i])) != WRIT_OK)
			return rc;
	return WRIT_OK;
}

writ_rc
rego_index_build(struct writ_rego_bundle *b)
{
	return index_tree(b, b->root);
}

static void
drop_tree(struct rego_node *n)
{
	size_t i;

	n->index = NULL;
	for (i = 0; i < n->nkids; i++)
		drop_tree(n->kids[i]);
}

void
rego_index_drop(struct writ_rego_bundle *b)
{
	drop_tree(b->root);
}

/* ---------------------------------------------------------------------------
 * Lookup.
 */

static int
cand_add(struct rego_ev *e, struct cand *c, const uint32_t *rules, size_t n)
{
	if (n == 0)
		return EV_OK;
	if (c->n + n > c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 16;
		uint32_t *nv;

		while (ncap < c->n + n)
			ncap *= 2;
		if ((nv = writ_arena_calloc(e->a, ncap, sizeof(*nv))) == NULL)
			return rego_ev_oom(e, WRIT_ELIMIT, NULL);
		if (c->n > 0)
			memcpy(nv, c->v, c->n * sizeof(*nv));
		c->v = nv;
		c->cap = ncap;
	}
	memcpy(c->v + c->n, rules, n * sizeof(*rules));
	c->n += n;
	return EV_OK;
}

static const struct rego_ixent *
find_ent(const struct rego_ixnode *node, const struct rego_val *v)
{
	size_t lo = 0, hi = node->nents;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int d = rego_compare(node->ents[mid].val, v);

		if (d == 0)
			return rego_equal(node->ents[mid].val, v) ? &node->ents[mid] : NULL;
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
walk(struct rego_ev *e, const struct rego_ixnode *node, struct cand *c)
{
	const struct rego_ixent *ent;
	const struct rego_val *v = NULL;
	int rc;

	while (node != NULL) {
		if (node->ref == NULL)
			return cand_add(e, c, node->rules, node->nrules);
		if (node->rest != NULL && (rc = walk(e, node->rest, c)) != EV_OK)
			return rc;
		if ((rc = rego_ev_ground_ref(e, node->ref, &v)) != EV_OK)
			return rc;
		if (v == NULL || (ent = find_ent(node, v)) == NULL)
			return EV_OK;
		node = ent->kid;
	}
	return EV_OK;
}

/* True if a `with` in effect replaces the equality operators. */
static bool
eq_replaced(const struct rego_ev *e)
{
	size_t i;

	for (i = 0; i < e->nwith; i++) {
		const char *f = e->with[i].fname;

		if (f != NULL && (strcmp(f, "equal") == 0 || strcmp(f, "eq") == 0))
			return true;
	}
	return false;
}

int
rego_index_lookup(struct rego_ev *e, const struct rego_node *n, const uint32_t **out, size_t *nout)
{
	struct cand c = {0};
	int rc;

	*out = NULL;
	*nout = 0;
	if (n->index == NULL || eq_replaced(e))
		return EV_OK;
	if ((rc = walk(e, n->index, &c)) != EV_OK)
		return rc;
	if (c.n > 1)
		qsort(c.v, c.n, sizeof(*c.v), u32_cmp);
	if (c.n == 0) {
		static const uint32_t none;

		*out = &none;
		return EV_OK;
	}
	*out = c.v;
	*nout = c.n;
	return EV_OK;
}
