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

/* Calls with at most this many arguments may take the direct path (call_start). */
#define CALL_DIRECT_MAX 4

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
	if (rego_is_data(head->text)) {
		n = e->b->root;
	} else if (rego_ev_resolve(e, head->text, &r)) {
		if (r.node != NULL)
			n = r.node;
		else if (rego_is_data(r.ref->items.v[0]->text))
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
	struct writ_rego_error berr; /* not zeroed whole: 800 bytes per call (rego_we_init) */
	struct rego_bctx c = {
	    .arena = e->a,
	    .name = ca->tg.bi->name,
	    .now_ns = e->now_ns,
	    .deadline_ms = e->deadline_ms,
	    .strict = e->strict,
	    .err = &berr,
	    .eval = e,
	};
	enum rego_bres r;

	berr.code[0] = berr.message[0] = berr.file[0] = '\0';
	berr.row = berr.col = 0;
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

/* The call with every argument in ca->vals; then the output argument and the continuation. */
static int
call_finish(struct rego_ev *e, struct call_arg *ca)
{
	const struct rego_val *res = NULL;
	int rc;

	if ((rc = invoke(e, ca, &res)) != EV_OK || res == NULL)
		return rc;
	if (ca->out != NULL)
		return rego_ev_unify_tv(e, ca->out, res, false, (struct rego_k){out_k, ca});
	return ca->k.fn(e, ca->k.arg, res);
}

static int
call_next(struct rego_ev *e, struct call_arg *ca)
{
	if ((ca->i = next_arg(e, ca)) < ca->tg.arity)
		return rego_ev_term(e, ca->t->items.v[ca->i + 1], (struct rego_k){arg_k, ca});
	return call_finish(e, ca);
}

/* ---------------------------------------------------------------------------
 * What each call site of the bundle's rules resolved to.  Without `with` in
 * effect a call term of a rule always names the same thing (its module is
 * fixed), so the name and target are looked up once, not per call.  The
 * cache is the thread's (evpool.c keeps it between evaluations and clears
 * it once any bundle has been freed, as a freed bundle's addresses may come
 * back as another's terms).  Query terms (no module) are not cached: they
 * live in prepared queries, whose addresses may come back the same way.
 */

enum {
	CS_CALL,
	CS_WALK,
	CS_PRINT
};

struct callsite {
	const struct rego_term *t; /* NULL: empty slot */
	const struct rego_cmod *mod;
	const struct writ_rego_bundle *b;
	const char *name; /* the term's text, or a copy in names */
	struct target tg;
	int kind;
};

struct rego_callcache {
	struct callsite *v; /* writ_calloc'd */
	size_t cap, n;      /* cap: a power of two */
	struct writ_arena *names;
};

#define CALLCACHE_MIN 64
#define CALLCACHE_MAX ((size_t)1 << 14)

void
rego_callcache_clear(struct rego_callcache *c)
{
	if (c == NULL)
		return;
	if (c->v != NULL)
		memset(c->v, 0, c->cap * sizeof(*c->v));
	c->n = 0;
	writ_arena_reset(c->names);
}

void
rego_callcache_free(struct rego_callcache *c)
{
	if (c == NULL)
		return;
	writ_free(c->v);
	writ_arena_free(c->names);
	writ_free(c);
}

static size_t
cs_slot(
    const struct callsite *v, size_t cap, const struct rego_term *t, const struct rego_cmod *mod)
{
	uintptr_t h = ((uintptr_t)t >> 4) ^ ((uintptr_t)mod >> 6);
	size_t i = (size_t)(h * 0x9e3779b97f4a7c15u) & (cap - 1);

	while (v[i].t != NULL && (v[i].t != t || v[i].mod != mod))
		i = (i + 1) & (cap - 1);
	return i;
}

static const struct callsite *
cs_find(const struct rego_ev *e, const struct rego_term *t)
{
	const struct rego_callcache *c = e->calls;
	size_t i;

	if (c == NULL || c->n == 0 || e->nwith > 0 || e->mod == NULL)
		return NULL;
	i = cs_slot(c->v, c->cap, t, e->mod);
	return c->v[i].t != NULL && c->v[i].b == e->b ? &c->v[i] : NULL;
}

/* Room for one more entry: grown, or cleared when at its largest; false when out of memory. */
static bool
cs_room(struct rego_callcache *c)
{
	struct callsite *v;
	size_t i, ncap;

	if ((c->n + 1) * 2 <= c->cap)
		return true;
	if (c->cap >= CALLCACHE_MAX) {
		rego_callcache_clear(c);
		return true;
	}
	ncap = c->cap ? c->cap * 2 : CALLCACHE_MIN;
	if ((v = writ_calloc(ncap, sizeof(*v))) == NULL)
		return false;
	for (i = 0; i < c->cap; i++)
		if (c->v[i].t != NULL)
			v[cs_slot(v, ncap, c->v[i].t, c->v[i].mod)] = c->v[i];
	writ_free(c->v);
	c->v = v;
	c->cap = ncap;
	return true;
}

/* Remember what t resolved to; nothing when out of memory (it is only a cache). */
static void
cs_add(struct rego_ev *e, const struct rego_term *t, const char *name, const struct target *tg,
    int kind)
{
	struct rego_callcache *c = e->calls;
	const struct rego_term *op = t->items.v[0];
	size_t i;

	if (e->nwith > 0 || e->mod == NULL)
		return;
	if (c == NULL) {
		if ((c = writ_calloc(1, sizeof(*c))) == NULL)
			return;
		if ((c->names = writ_arena_new(0, 0)) == NULL) {
			writ_free(c);
			return;
		}
		e->calls = c;
	}
	if (!cs_room(c))
		return;
	/* A dotted name was built in the evaluation's arena: keep a copy. */
	if (name != NULL && !(op->kind == REGO_T_VAR && name == op->text) &&
	    (name = writ_arena_strdup(c->names, name)) == NULL)
		return;
	i = cs_slot(c->v, c->cap, t, e->mod);
	if (c->v[i].t == NULL)
		c->n++;
	c->v[i] =
	    (struct callsite){t, e->mod, e->b, name, tg != NULL ? *tg : (struct target){0}, kind};
	if (c->v[i].tg.native != NULL) /* the name it dispatches on */
		c->v[i].tg.native = name;
}

/* The arguments and the call, once the target is known. */
static int
call_start(struct rego_ev *e, struct call_arg *ca)
{
	const struct rego_term *t = ca->t;
	size_t nargs = t->items.n - 1;

	if (nargs == ca->tg.arity + 1)
		ca->out = t->items.v[nargs];
	else if (nargs != ca->tg.arity)
		return rego_ev_fail(e, "rego_type_error", &t->loc,
		    "%s: arity mismatch: %zu arguments given, %zu expected",
		    ca->name != NULL ? ca->name : "function", nargs, ca->tg.arity);
	if (ca->tg.arity > 64)
		return rego_ev_fail(e, "rego_type_error", &t->loc, "too many arguments");
	if (ca->tg.arity <= CALL_DIRECT_MAX) {
		/*
		 * Arguments that need no search (literals, bound locals, paths
		 * from them: `grant.action == input.action`) are looked up in
		 * order here, without a continuation per argument.  Nothing has
		 * happened when one is not of that shape.
		 */
		const struct rego_val *vals[CALL_DIRECT_MAX + 1];
		size_t i;

		for (i = 0; i < ca->tg.arity; i++)
			if (!rego_ev_direct(e, t->items.v[i + 1], &vals[i]))
				break;
		if (i == ca->tg.arity) {
			for (i = 0; i < ca->tg.arity; i++)
				if (vals[i] == NULL)
					return EV_OK; /* an undefined argument: no call */
			vals[i] = NULL;
			ca->vals = vals;
			return call_finish(e, ca);
		}
	}
	if ((ca->vals = writ_arena_calloc(e->a, ca->tg.arity + 1, sizeof(*ca->vals))) == NULL)
		return rego_ev_oom(e, WRIT_ELIMIT, NULL);
	return call_next(e, ca);
}

/* The values of one print operand, collected into a set. */
static int
print_collect_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct writ_err we;
	writ_rc rc;

	rego_we_init(&we);
	rc = rego_builder_push(arg, v, &we);
	return rc == WRIT_OK ? EV_OK : rego_ev_oom(e, rc, &we);
}

/*
 * print(a, b, ...): each operand's values (all of them, as OPA collects
 * them), one line to the caller's sink; print itself is always true.
 */
static int
do_print(struct rego_ev *e, const struct rego_term *t, struct rego_k k)
{
	struct writ_buf msg;
	struct writ_err we;
	size_t i, mark = e->ntrail;
	writ_rc wrc = WRIT_OK;
	int rc = EV_OK;

	if (e->print == NULL)
		return k.fn(e, k.arg, &rego_true_val);
	rego_we_init(&we);
	writ_buf_init(&msg, (size_t)1 << 20);
	for (i = 1; i < t->items.n && rc == EV_OK && wrc == WRIT_OK; i++) {
		struct rego_builder b;
		const struct rego_val *set = NULL;

		rego_builder_init(&b, e->a, REGO_SET);
		rc = rego_ev_term(e, t->items.v[i], (struct rego_k){print_collect_k, &b});
		e->ntrail = mark;
		if (rc != EV_OK || (wrc = rego_builder_finish(&b, &set, &we)) != WRIT_OK)
			break;
		if (i > 1)
			wrc = writ_buf_append(&msg, " ", 1);
		if (wrc != WRIT_OK)
			break;
		if (set->len == 0)
			wrc = writ_buf_appends(&msg, "<undefined>");
		else if (set->len == 1 && set->u.elems[0]->type == REGO_STRING)
			wrc = writ_buf_append(&msg, set->u.elems[0]->u.s, set->u.elems[0]->len);
		else
			wrc = rego_print(&msg, set->len == 1 ? set->u.elems[0] : set, &we);
	}
	if (rc == EV_OK && wrc == WRIT_OK)
		e->print(e->print_arg, t->loc.file, (int)t->loc.line, msg.ptr ? msg.ptr : "");
	writ_buf_free(&msg);
	if (rc != EV_OK)
		return rc;
	return k.fn(e, k.arg, &rego_true_val);
}

int
rego_ev_call(struct rego_ev *e, const struct rego_term *t, struct rego_k k)
{
	struct call_arg ca = {.t = t, .k = k};
	const struct callsite *cs = cs_find(e, t);
	size_t nargs = t->items.n - 1;
	int rc;

	if (cs != NULL) {
		if (cs->kind == CS_WALK)
			return rego_ev_walk(e, t, k);
		if (cs->kind == CS_PRINT)
			return do_print(e, t, k);
		ca.name = cs->name;
		ca.tg = cs->tg;
		return call_start(e, &ca);
	}
	ca.name = rego_ev_op_name(e, t->items.v[0]);
	if (ca.name != NULL && rego_ev_with_fn(e, NULL, ca.name) == NULL) {
		if (strcmp(ca.name, "walk") == 0 && (nargs == 1 || nargs == 2)) {
			cs_add(e, t, ca.name, NULL, CS_WALK);
			return rego_ev_walk(e, t, k);
		}
		if (strcmp(ca.name, "print") == 0 || strcmp(ca.name, "internal.print") == 0) {
			cs_add(e, t, ca.name, NULL, CS_PRINT);
			return do_print(e, t, k);
		}
	}
	if ((rc = resolve(e, t->items.v[0], ca.name, &ca.tg, 0)) != EV_OK)
		return rc;
	cs_add(e, t, ca.name, &ca.tg, CS_CALL);
	return call_start(e, &ca);
}
