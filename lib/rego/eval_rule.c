/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rules and functions: the value of a node of the rule tree from every
 * solution of every rule defined there (complete rules and their conflicts,
 * partial sets, objects built from ref heads `a.b[x].c := y` and
 * `a[x] contains y`, else chains, default rules), memoised per query, and
 * calls of user functions with their conflicts and defaults.
 */
#include <string.h>

#include "writ/base.h"

#include "rego/eval.h"

/* Most nested rule and function evaluations (a guard for the C stack). */
#define MAX_DEPTH 400

/* An object under construction from ref-head rules. */
struct otree {
	const struct rego_val *key;
	const struct rego_val *leaf;
	struct rego_builder *set;
	struct otree *kids, *next;
};

struct acc {
	const struct rego_node *node;
	const struct rego_crule *cr;
	const struct rego_rule *r;
	const struct rego_val *val; /* complete rules and functions */
	struct rego_builder set;    /* partial sets */
	struct otree root;          /* objects */
	const struct rego_val **keys;
	const struct rego_val *const *args; /* functions: the argument values */
	bool found;
};

static int
conflict(struct rego_ev *e, const struct acc *ac)
{
	if (ac->cr->kind == REGO_R_FUNC)
		return rego_ev_fail(e, "eval_conflict_error", &ac->r->loc,
		    "functions must not produce multiple outputs for same inputs");
	return rego_ev_fail(e, "eval_conflict_error", &ac->r->loc,
	    "complete rules must not produce multiple outputs");
}

/* ---------------------------------------------------------------------------
 * Objects from ref heads.
 */

static struct otree *
otree_kid(struct rego_ev *e, struct otree *t, const struct rego_val *key)
{
	struct otree *k;

	for (k = t->kids; k != NULL; k = k->next)
		if (rego_equal(k->key, key))
			return k;
	if ((k = writ_arena_calloc(e->a, 1, sizeof(*k))) == NULL)
		return NULL;
	k->key = key;
	k->next = t->kids;
	t->kids = k;
	return k;
}

static int
otree_put(struct rego_ev *e, struct acc *ac, const struct rego_val *leaf)
{
	struct otree *t = &ac->root;
	struct writ_err we = {0};
	size_t i;

	for (i = 0; i < ac->cr->ndyn; i++) {
		if (t->leaf != NULL || t->set != NULL)
			goto conflict;
		if ((t = otree_kid(e, t, ac->keys[i])) == NULL)
			return rego_ev_oom(e, WRIT_ELIMIT, NULL);
	}
	if (t->kids != NULL)
		goto conflict;
	if (ac->r->contains) {
		if (t->leaf != NULL)
			goto conflict;
		if (t->set == NULL) {
			if ((t->set = writ_arena_calloc(e->a, 1, sizeof(*t->set))) == NULL)
				return rego_ev_oom(e, WRIT_ELIMIT, NULL);
			rego_builder_init(t->set, e->a, REGO_SET);
		}
		if (rego_builder_push(t->set, leaf, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
		return EV_OK;
	}
	if (t->set != NULL || (t->leaf != NULL && !rego_equal(t->leaf, leaf)))
		goto conflict;
	t->leaf = leaf;
	return EV_OK;
conflict:
	return rego_ev_fail(e, "eval_conflict_error", &ac->r->loc, "object keys must be unique");
}

static int
otree_finish(struct rego_ev *e, const struct otree *t, const struct rego_val **out)
{
	struct writ_err we = {0};
	struct rego_builder b;
	const struct otree *k;
	int rc;

	if (t->leaf != NULL) {
		*out = t->leaf;
		return EV_OK;
	}
	if (t->set != NULL)
		return rego_builder_finish(t->set, out, &we) == WRIT_OK
		    ? EV_OK
		    : rego_ev_oom(e, WRIT_ELIMIT, &we);
	rego_builder_init(&b, e->a, REGO_OBJECT);
	for (k = t->kids; k != NULL; k = k->next) {
		const struct rego_val *v = NULL;

		if ((rc = otree_finish(e, k, &v)) != EV_OK)
			return rc;
		if (rego_builder_put(&b, k->key, v, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	}
	return rego_builder_finish(&b, out, &we) == WRIT_OK ? EV_OK
	                                                    : rego_ev_oom(e, WRIT_ELIMIT, &we);
}

/* ---------------------------------------------------------------------------
 * One rule's solutions.
 */

static int
leaf_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct acc *ac = arg;
	struct writ_err we = {0};

	switch (ac->cr->kind) {
	case REGO_R_COMPLETE:
	case REGO_R_FUNC:
		if (ac->val != NULL && !rego_equal(ac->val, v))
			return conflict(e, ac);
		ac->val = v;
		return EV_OK;
	case REGO_R_SET:
		if (rego_builder_push(&ac->set, v, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
		return EV_OK;
	case REGO_R_OBJECT:
		return otree_put(e, ac, v);
	}
	return EV_OK;
}

static int
leaf(struct rego_ev *e, struct acc *ac)
{
	const struct rego_rule *r = ac->r;
	const struct rego_term *t = ac->r->contains ? r->key : r->value;

	if (t == NULL)
		return leaf_k(e, ac, &rego_true_val);
	return rego_ev_term(e, t, (struct rego_k){leaf_k, ac});
}

struct dyn_arg {
	struct acc *ac;
	size_t i;
};

static int dyn_next(struct rego_ev *e, struct dyn_arg *da);

static int
dyn_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct dyn_arg *da = arg, next = *da;

	da->ac->keys[da->i] = v;
	next.i = da->i + 1;
	return dyn_next(e, &next);
}

static int
dyn_next(struct rego_ev *e, struct dyn_arg *da)
{
	if (da->i == da->ac->cr->ndyn)
		return leaf(e, da->ac);
	return rego_ev_term(e, da->ac->cr->dyn[da->i], (struct rego_k){dyn_k, da});
}

static int
solution(struct rego_ev *e, struct acc *ac)
{
	struct dyn_arg da = {ac, 0};

	ac->found = true;
	if (ac->cr->kind == REGO_R_OBJECT)
		return dyn_next(e, &da);
	return leaf(e, ac);
}

/*
 * Arguments that are template strings depend on the body's bindings
 * (f($"{x}") := 1 if x := "a"): they are matched once the body has run.
 */
struct late_arg {
	struct acc *ac;
	size_t i;
};

static int late_next(struct rego_ev *e, struct late_arg *la);

static int
late_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct late_arg *la = arg, next = *la;

	(void)v;
	next.i = la->i + 1;
	return late_next(e, &next);
}

static int
late_next(struct rego_ev *e, struct late_arg *la)
{
	const struct rego_rule *def = la->ac->cr->r;

	while (la->ac->args != NULL && la->i < def->args.n &&
	    def->args.v[la->i]->kind != REGO_T_TEMPLATE)
		la->i++;
	if (la->ac->args == NULL || la->i >= def->args.n)
		return solution(e, la->ac);
	return rego_ev_unify_tv(
	    e, def->args.v[la->i], la->ac->args[la->i], false, (struct rego_k){late_k, la});
}

static int
body_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct late_arg la = {arg, 0};

	(void)v;
	return late_next(e, &la);
}

/* Function arguments: unify each with its value, then run the body. */
struct args_arg {
	struct acc *ac;
	const struct rego_rule *def;
	const struct rego_val *const *vals;
	size_t i;
};

static int args_next(struct rego_ev *e, struct args_arg *aa);

static int
args_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct args_arg *aa = arg, next = *aa;

	(void)v;
	next.i = aa->i + 1;
	return args_next(e, &next);
}

static int
args_next(struct rego_ev *e, struct args_arg *aa)
{
	while (aa->vals != NULL && aa->i < aa->def->args.n &&
	    aa->def->args.v[aa->i]->kind == REGO_T_TEMPLATE)
		aa->i++; /* matched after the body */
	if (aa->vals == NULL || aa->i == aa->def->args.n)
		return rego_ev_query(e, aa->ac->r->body, (struct rego_k){body_k, aa->ac});
	return rego_ev_unify_tv(
	    e, aa->def->args.v[aa->i], aa->vals[aa->i], true, (struct rego_k){args_k, aa});
}

/* Run rule cr (and its else chain until one has a solution). */
static int
run_rule(struct rego_ev *e, struct acc *ac, const struct rego_crule *cr,
    const struct rego_val *const *args)
{
	const struct rego_cmod *save_mod = e->mod;
	const struct rego_rule *save_rule = e->cur_rule;
	const struct rego_node *save_node = e->cur_node, *save_pkg = e->cur_mod_pkg;
	size_t save_scope = e->scope, mark = e->ntrail;
	const struct rego_rule *r;
	int rc = EV_OK;

	if (++e->depth > MAX_DEPTH) {
		e->depth--;
		return rego_ev_fail(e, "eval_cancel_error", &cr->r->loc,
		    "evaluation exceeded its nesting limit (%d rules deep)", MAX_DEPTH);
	}
	ac->cr = cr;
	ac->args = args;
	e->mod = cr->mod;
	for (r = cr->r; r != NULL && rc == EV_OK; r = r->els) {
		struct args_arg aa = {ac, cr->r, args, 0};

		ac->r = r;
		ac->found = false;
		e->cur_rule = r;
		e->cur_node = ac->node;
		e->cur_mod_pkg = cr->mod->pkg;
		e->scope = e->ntrail;
		rc = args_next(e, &aa);
		e->ntrail = mark;
		if (ac->found)
			break;
	}
	e->mod = save_mod;
	e->scope = save_scope;
	e->cur_rule = save_rule;
	e->cur_node = save_node;
	e->cur_mod_pkg = save_pkg;
	e->depth--;
	return rc;
}

/* ---------------------------------------------------------------------------
 * Nodes and functions.
 */

static int
node_value(struct rego_ev *e, const struct rego_node *n, const struct rego_val **out)
{
	struct acc ac = {.node = n};
	struct writ_err we = {0};
	enum rego_rkind kind = n->nrules > 0 ? n->rules[0]->kind : REGO_R_COMPLETE;
	const uint32_t *cand = NULL;
	size_t i, ndyn, ncand = 0, nrun;
	int rc;

	ndyn = n->maxdyn;
	if (ndyn > 0 && (ac.keys = writ_arena_calloc(e->a, ndyn, sizeof(*ac.keys))) == NULL)
		return rego_ev_oom(e, WRIT_ELIMIT, NULL);
	rego_builder_init(&ac.set, e->a, REGO_SET);
	if ((rc = rego_index_lookup(e, n, &cand, &ncand)) != EV_OK)
		return rc;
	nrun = cand != NULL ? ncand : n->nrules;
	for (i = 0; i < nrun; i++)
		if ((rc = run_rule(e, &ac, n->rules[cand != NULL ? cand[i] : i], NULL)) != EV_OK)
			return rc;
	*out = NULL;
	if (kind == REGO_R_SET) {
		if (rego_builder_finish(&ac.set, out, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	} else if (kind == REGO_R_OBJECT) {
		if ((rc = otree_finish(e, &ac.root, out)) != EV_OK)
			return rc;
	} else {
		*out = ac.val;
	}
	if (*out == NULL && n->deflt != NULL) {
		ac.val = NULL;
		if ((rc = run_rule(e, &ac, n->deflt, NULL)) != EV_OK)
			return rc;
		*out = ac.val;
	}
	if (kind == REGO_R_OBJECT && n->nkids > 0 && *out != NULL)
		return rego_ev_merge_kids(e, n, out);
	return EV_OK;
}

/* Merge two values of one path: objects key by key, sets as a union; else they must agree. */
static int
merge_vals(struct rego_ev *e, const struct rego_loc *loc, const struct rego_val *a,
    const struct rego_val *b, size_t depth, const struct rego_val **out)
{
	struct rego_builder bd;
	struct writ_err we = {0};
	size_t i;
	int rc;

	if (rego_equal(a, b)) {
		*out = a;
		return EV_OK;
	}
	if (a->type != b->type || (a->type != REGO_OBJECT && a->type != REGO_SET) ||
	    (a->type == REGO_OBJECT && depth == 0))
		return rego_ev_fail(e, "eval_conflict_error", loc, "object keys must be unique");
	rego_builder_init(&bd, e->a, a->type);
	for (i = 0; i < a->len; i++) {
		const struct rego_val *k = a->type == REGO_SET ? a->u.elems[i] : a->u.kvs[i].key;
		const struct rego_val *v = a->type == REGO_SET ? NULL : a->u.kvs[i].val;
		const struct rego_val *w = v != NULL ? rego_object_get(b, k) : NULL;

		if (w != NULL && (rc = merge_vals(e, loc, v, w, depth - 1, &v)) != EV_OK)
			return rc;
		if ((v == NULL ? rego_builder_push(&bd, k, &we)
		               : rego_builder_put(&bd, k, v, &we)) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	}
	for (i = 0; i < b->len; i++) {
		const struct rego_val *k = b->type == REGO_SET ? b->u.elems[i] : b->u.kvs[i].key;
		writ_rc wrc;

		if (b->type == REGO_SET)
			wrc = rego_builder_push(&bd, k, &we);
		else if (rego_object_get(a, k) == NULL)
			wrc = rego_builder_put(&bd, k, b->u.kvs[i].val, &we);
		else
			continue;
		if (wrc != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	}
	return rego_builder_finish(&bd, out, &we) == WRIT_OK ? EV_OK
	                                                     : rego_ev_oom(e, WRIT_ELIMIT, &we);
}

int
rego_ev_merge_kids(struct rego_ev *e, const struct rego_node *n, const struct rego_val **out)
{
	const struct rego_val *kids = NULL;
	struct rego_builder b;
	struct writ_err we = {0};
	size_t ndyn;
	int rc;

	ndyn = n->maxdyn;
	rego_builder_init(&b, e->a, REGO_OBJECT);
	if ((rc = rego_ev_node_full(e, n, NULL, &b)) != EV_OK)
		return rc;
	if (rego_builder_finish(&b, &kids, &we) != WRIT_OK)
		return rego_ev_oom(e, WRIT_ELIMIT, &we);
	if (kids->len == 0)
		return EV_OK;
	return merge_vals(e, &n->rules[0]->r->loc, *out, kids, ndyn, out);
}

int
rego_ev_node(struct rego_ev *e, const struct rego_node *n, const struct rego_val **out)
{
	struct rego_memo *m = e->memo != NULL ? &e->memo[n->id] : NULL;
	int rc;

	*out = NULL;
	if (m != NULL && m->gen == e->gen && m->state >= 2) {
		*out = m->val;
		return EV_OK;
	}
	if (m != NULL && m->gen == e->gen && m->state == 1)
		return rego_ev_fail(
		    e, "rego_recursion_error", NULL, "rule data.%s is recursive", n->name);
	if (m != NULL) {
		m->gen = e->gen;
		m->state = 1;
	}
	rc = node_value(e, n, out);
	if (m != NULL && m->gen == e->gen) {
		m->val = *out;
		m->state = rc != EV_OK ? 0 : *out != NULL ? 2 : 3;
	}
	return rc;
}

int
rego_ev_func(struct rego_ev *e, const struct rego_node *n, const struct rego_val *const *args,
    size_t nargs, const struct rego_loc *loc, const struct rego_val **out)
{
	struct acc ac = {.node = n};
	size_t i;
	int rc;

	(void)nargs;
	(void)loc;
	for (i = 0; i < n->nrules; i++)
		if ((rc = run_rule(e, &ac, n->rules[i], args)) != EV_OK)
			return rc;
	if (ac.val == NULL && n->deflt != NULL) {
		if ((rc = run_rule(e, &ac, n->deflt, args)) != EV_OK)
			return rc;
	}
	*out = ac.val;
	return EV_OK;
}
