/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Calls: resolving the operator (a `with` replacement, a user function in
 * the rule tree, a builtin the evaluator implements itself, or one of the
 * registry's), evaluating the arguments, the optional output argument
 * (`count(x, n)`), and OPA's handling of builtin errors: undefined unless
 * strict builtin errors were asked for, then the query halts.
 */
#include <string.h>

#include "writ/base.h"

#include "rego/eval.h"

/* What a call goes to. */
struct target {
	const struct rego_node *node;  /* user function */
	const struct rego_builtin *bi; /* registry builtin */
	const char *native;            /* evaluator builtin */
	const struct rego_val *mock;   /* `with f as value` */
	size_t arity;
	bool replaced; /* a `with` replacement: evaluated without the replacements */
};

struct call_arg;
static int call_builtin(
    struct rego_ev *e, struct call_arg *ca, const struct rego_val **out, bool cache);

struct call_arg {
	const struct rego_term *t;
	struct target tg;
	const char *name;
	size_t i;
	uint64_t done; /* arguments evaluated so far (in dependency order) */
	const struct rego_val **vals;
	const struct rego_term *out;
	struct rego_k k;
};

static const struct rego_node *
walk_path(const struct rego_node *n, const struct rego_term *ref, size_t from)
{
	size_t i;

	for (i = from; n != NULL && i < ref->items.n; i++) {
		const struct rego_term *s = ref->items.v[i];

		if (s->kind != REGO_T_STRING)
			return NULL;
		n = rego_node_child(n, s->text, s->len);
	}
	return n;
}

const struct rego_node *
rego_ev_func_node(const struct rego_ev *e, const struct rego_term *op)
{
	const struct rego_node *n = NULL;
	const struct rego_term *head = op->kind == REGO_T_REF ? op->items.v[0] : op;
	struct rego_res r;

	if (head->kind != REGO_T_VAR)
		return NULL;
	if (strcmp(head->text, "data") == 0) {
		n = e->b->root;
	} else if (rego_ev_resolve(e, head->text, &r)) {
		if (r.node != NULL)
			n = r.node;
		else if (strcmp(r.ref->items.v[0]->text, "data") == 0)
			n = walk_path(e->b->root, r.ref, 1);
	}
	if (n != NULL && op->kind == REGO_T_REF)
		n = walk_path(n, op, 1);
	return n != NULL && n->is_func ? n : NULL;
}

/* Resolve what name/op calls (mock and replacement first). */
static int
resolve(
    struct rego_ev *e, const struct rego_term *op, const char *name, struct target *tg, int depth)
{
	const struct rego_with_ent *w;
	int na;

	memset(tg, 0, sizeof(*tg));
	tg->node = rego_ev_func_node(e, op);
	if (depth < 8 && (w = rego_ev_with_fn(e, tg->node, name)) != NULL) {
		const struct rego_cmod *save = e->mod;
		size_t arity = 0;
		int rc;

		if (w->val != NULL) {
			if (tg->node != NULL)
				arity = tg->node->arity;
			else if ((na = rego_ev_native_arity(name)) >= 0)
				arity = (size_t)na;
			else if ((tg->bi = rego_builtin_lookup(name, strlen(name))) != NULL)
				arity = tg->bi->nargs;
			memset(tg, 0, sizeof(*tg));
			tg->mock = w->val;
			tg->arity = arity;
			return EV_OK;
		}
		e->mod = w->mod;
		rc = resolve(e, w->fn, rego_ev_op_name(e, w->fn), tg, depth + 1);
		e->mod = save;
		tg->replaced = true;
		return rc;
	}
	if (tg->node != NULL) {
		tg->arity = tg->node->arity;
		return EV_OK;
	}
	if (name != NULL && (na = rego_ev_native_arity(name)) >= 0) {
		tg->native = name;
		tg->arity = (size_t)na;
		return EV_OK;
	}
	if (name != NULL && (tg->bi = rego_builtin_lookup(name, strlen(name))) != NULL) {
		tg->arity = tg->bi->nargs;
		return EV_OK;
	}
	return rego_ev_fail(e, "rego_type_error", &op->loc, "undefined function %s",
	    name != NULL ? name : "(unnamed)");
}

/* Non-deterministic builtins: the cached result for these arguments, or NULL. */
static struct rego_ndcache *
nd_find(struct rego_ev *e, struct call_arg *ca, const struct rego_val *args)
{
	struct rego_ndcache *c;

	for (c = e->ndcache; c != NULL; c = c->next)
		if (strcmp(c->name, ca->tg.bi->name) == 0 && rego_equal(c->args, args))
			return c;
	return NULL;
}

static int
call_nondet(struct rego_ev *e, struct call_arg *ca, const struct rego_val **out)
{
	const struct rego_val *args = NULL;
	struct rego_ndcache *c;
	struct writ_err we = {0};
	int rc;

	if (rego_array(e->a, ca->vals, ca->tg.arity, &args, &we) != WRIT_OK)
		return rego_ev_oom(e, WRIT_ELIMIT, &we);
	if ((c = nd_find(e, ca, args)) != NULL) {
		*out = c->val;
		return EV_OK;
	}
	if ((rc = call_builtin(e, ca, out, false)) != EV_OK || *out == NULL)
		return rc;
	if ((c = writ_arena_calloc(e->a, 1, sizeof(*c))) == NULL)
		return rego_ev_oom(e, WRIT_ELIMIT, NULL);
	c->name = ca->tg.bi->name;
	c->args = args;
	c->val = *out;
	c->next = e->ndcache;
	e->ndcache = c;
	return EV_OK;
}

static int
call_builtin(struct rego_ev *e, struct call_arg *ca, const struct rego_val **out, bool cache)
{
	struct writ_rego_error berr = {0};
	struct rego_bctx c = {
	    .arena = e->a,
	    .name = ca->tg.bi->name,
	    .now_ns = e->now_ns,
	    .strict = e->strict,
	    .err = &berr,
	    .eval = e,
	};
	enum rego_bres r;

	if (cache && (ca->tg.bi->flags & REGO_BI_NONDET))
		return call_nondet(e, ca, out);
	r = ca->tg.bi->fn(&c, ca->vals, out);
	if (r == REGO_B_OK)
		return EV_OK;
	*out = NULL;
	if (r == REGO_B_UNDEF)
		return EV_OK;
	if (!e->strict && strcmp(berr.code, "eval_cancel_error") != 0)
		return EV_OK;
	return rego_ev_fail(
	    e, berr.code[0] ? berr.code : "eval_builtin_error", &ca->t->loc, "%s", berr.message);
}

static int
invoke(struct rego_ev *e, struct call_arg *ca, const struct rego_val **out)
{
	int rc;

	*out = NULL;
	if ((rc = rego_ev_step(e)) != EV_OK)
		return rc;
	if (ca->tg.mock != NULL) {
		*out = ca->tg.mock;
		return EV_OK;
	}
	if (ca->tg.node != NULL && ca->tg.replaced) {
		size_t nwith = e->nwith;

		e->nwith = 0;
		e->gen++;
		rc = rego_ev_func(e, ca->tg.node, ca->vals, ca->tg.arity, &ca->t->loc, out);
		e->nwith = nwith;
		e->gen++;
		return rc;
	}
	if (ca->tg.node != NULL)
		return rego_ev_func(e, ca->tg.node, ca->vals, ca->tg.arity, &ca->t->loc, out);
	if (ca->tg.native != NULL) {
		rc = rego_ev_native(e, ca->tg.native, ca->t, ca->vals, ca->tg.arity, out);
		return rc < 0 ? EV_OK : rc;
	}
	return call_builtin(e, ca, out, true);
}

static int
out_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct call_arg *ca = arg;

	(void)v;
	return ca->k.fn(e, ca->k.arg, &rego_true_val);
}

static int call_next(struct rego_ev *e, struct call_arg *ca);

static int
arg_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct call_arg *ca = arg, next = *ca;

	ca->vals[ca->i] = v;
	next.done |= (uint64_t)1 << ca->i;
	return call_next(e, &next);
}

/* The next argument to evaluate: the first whose variables are bound, else the first left. */
static size_t
next_arg(struct rego_ev *e, const struct call_arg *ca)
{
	size_t i, first = ca->tg.arity;

	for (i = 0; i < ca->tg.arity && i < 64; i++) {
		if (ca->done & ((uint64_t)1 << i))
			continue;
		if (first == ca->tg.arity)
			first = i;
		if (rego_ev_can_eval(e, ca->t->items.v[i + 1]))
			return i;
	}
	return first;
}

static int
call_next(struct rego_ev *e, struct call_arg *ca)
{
	const struct rego_val *res = NULL;
	int rc;

	if ((ca->i = next_arg(e, ca)) < ca->tg.arity)
		return rego_ev_term(e, ca->t->items.v[ca->i + 1], (struct rego_k){arg_k, ca});
	if ((rc = invoke(e, ca, &res)) != EV_OK || res == NULL)
		return rc;
	if (ca->out != NULL)
		return rego_ev_unify_tv(e, ca->out, res, false, (struct rego_k){out_k, ca});
	return ca->k.fn(e, ca->k.arg, res);
}

int
rego_ev_call(struct rego_ev *e, const struct rego_term *t, struct rego_k k)
{
	struct call_arg ca = {.t = t, .k = k};
	size_t nargs = t->items.n - 1;
	int rc;

	ca.name = rego_ev_op_name(e, t->items.v[0]);
	if (ca.name != NULL && rego_ev_with_fn(e, NULL, ca.name) == NULL) {
		if (strcmp(ca.name, "walk") == 0 && (nargs == 1 || nargs == 2))
			return rego_ev_walk(e, t, k);
		if (strcmp(ca.name, "print") == 0 || strcmp(ca.name, "internal.print") == 0)
			return k.fn(e, k.arg, &rego_true_val);
	}
	if ((rc = resolve(e, t->items.v[0], ca.name, &ca.tg, 0)) != EV_OK)
		return rc;
	if (nargs == ca.tg.arity + 1)
		ca.out = t->items.v[nargs];
	else if (nargs != ca.tg.arity)
		return rego_ev_fail(e, "rego_type_error", &t->loc,
		    "%s: arity mismatch: %zu arguments given, %zu expected",
		    ca.name != NULL ? ca.name : "function", nargs, ca.tg.arity);
	if (ca.tg.arity > 64)
		return rego_ev_fail(e, "rego_type_error", &t->loc, "too many arguments");
	if ((ca.vals = writ_arena_calloc(e->a, ca.tg.arity + 1, sizeof(*ca.vals))) == NULL)
		return rego_ev_oom(e, WRIT_ELIMIT, NULL);
	return call_next(e, &ca);
}
