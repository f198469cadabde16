/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core of the top-down evaluator: errors and limits, the binding
 * trail, bodies and expressions (terms, calls, unification `=` and `:=`,
 * `some`, `some ... in`, `not`, `every`) and the `with` modifier.
 *
 * Everything that produces solutions takes a continuation and calls it
 * once per solution; bindings made for a solution are pushed on the trail
 * before the call and dropped after it, which is how backtracking works.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "writ/base.h"

#include "rego/eval.h"
#include "rego/trace.h"

static int expr_pos(struct rego_ev *e, const struct rego_expr *x, struct rego_k k);
static int ev_expr(struct rego_ev *e, const struct rego_expr *x, struct rego_k k);

/* ---------------------------------------------------------------------------
 * Errors, limits, bindings.
 */

int
rego_ev_fail(struct rego_ev *e, const char *code, const struct rego_loc *loc, const char *fmt, ...)
{
	struct writ_rego_error *err = e->err;
	va_list ap;

	memset(err, 0, sizeof(*err));
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	if (loc != NULL && loc->file != NULL) {
		snprintf(err->file, sizeof(err->file), "%s", loc->file);
		err->row = (int)loc->line;
		err->col = (int)loc->col;
	}
	return EV_HALT;
}

int
rego_ev_oom(struct rego_ev *e, writ_rc rc, const struct writ_err *werr)
{
	if (rc == WRIT_ELIMIT && writ_arena_over_cap(e->a))
		return rego_ev_fail(
		    e, "eval_cancel_error", NULL, "evaluation exceeded its memory limit");
	if (rc == WRIT_ENOMEM || werr == NULL || werr->msg[0] == '\0')
		return rego_ev_fail(e, "eval_internal_error", NULL, "out of memory");
	return rego_ev_fail(e, "eval_builtin_error", NULL, "%s",
	    werr != NULL && werr->msg[0] != '\0' ? werr->msg : writ_rc_name(rc));
}

int
rego_ev_step(struct rego_ev *e)
{
	char probe;

	if (e->stack_budget != 0 && e->stack_base - (uintptr_t)&probe > e->stack_budget)
		return rego_ev_fail(e, "eval_cancel_error", NULL,
		    "evaluation exceeded its stack limit (nested too deeply)");
	e->steps++;
	if (e->max_steps != 0 && e->steps > e->max_steps)
		return rego_ev_fail(e, "eval_cancel_error", NULL,
		    "evaluation exceeded its step limit (%llu steps)",
		    (unsigned long long)e->max_steps);
	if ((e->steps & 1023) == 0 && e->deadline_ms != 0 && writ_time_mono_ms() > e->deadline_ms)
		return rego_ev_fail(
		    e, "eval_cancel_error", NULL, "evaluation exceeded its time limit");
	if (writ_arena_over_cap(e->a))
		return rego_ev_fail(
		    e, "eval_cancel_error", NULL, "evaluation exceeded its memory limit");
	return EV_OK;
}

int
rego_ev_bind(struct rego_ev *e, const char *name, const struct rego_val *v)
{
	if (e->ntrail == e->captrail) {
		size_t ncap = e->captrail ? e->captrail * 2 : 64;
		struct rego_binding *nt = writ_arena_calloc(e->a, ncap, sizeof(*nt));

		if (nt == NULL)
			return rego_ev_oom(e, WRIT_ELIMIT, NULL);
		if (e->ntrail > 0)
			memcpy(nt, e->trail, e->ntrail * sizeof(*nt));
		e->trail = nt;
		e->captrail = ncap;
	}
	e->trail[e->ntrail].name = name;
	e->trail[e->ntrail].val = v;
	e->ntrail++;
	return EV_OK;
}

const struct rego_binding *
rego_ev_lookup(const struct rego_ev *e, const char *name)
{
	size_t i;

	/* Names are not interned: the first byte settles most mismatches without a call. */
	for (i = e->ntrail; i > e->scope; i--) {
		const char *n = e->trail[i - 1].name;

		if (n == name || (n[0] == name[0] && strcmp(n, name) == 0))
			return &e->trail[i - 1];
	}
	return NULL;
}

/* ---------------------------------------------------------------------------
 * Bodies.
 */

struct body_arg {
	const struct rego_body *b;
	size_t i;
	struct rego_k k;
};

static int
body_next(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct body_arg *ba = arg;

	if (ba->b == e->query && e->qvals != NULL)
		e->qvals[ba->i - 1] = v;
	return rego_ev_body(e, ba->b, ba->i, ba->k);
}

int
rego_ev_body(struct rego_ev *e, const struct rego_body *b, size_t i, struct rego_k k)
{
	struct body_arg ba = {b, i + 1, k};
	int rc;

	if (b == NULL || i == b->exprs.n)
		return k.fn(e, k.arg, NULL);
	if ((rc = rego_ev_step(e)) != EV_OK)
		return rc;
	return ev_expr(e, b->exprs.v[i], (struct rego_k){body_next, &ba});
}

/* ---------------------------------------------------------------------------
 * Expressions.
 */

static int
stop_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	(void)e;
	(void)arg;
	(void)v;
	return EV_STOP;
}

int
rego_ev_first_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	(void)e;
	*(const struct rego_val **)arg = v;
	return EV_STOP;
}

/* True if a body/expression has a solution (bindings dropped). */
static int
has_solution(struct rego_ev *e, const struct rego_expr *x, bool *found)
{
	size_t mark = e->ntrail;
	int rc = expr_pos(e, x, (struct rego_k){stop_k, NULL});

	e->ntrail = mark;
	*found = rc == EV_STOP;
	return rc == EV_STOP ? EV_OK : rc;
}

struct truthy_arg {
	struct rego_k k;
};

static int
truthy_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct truthy_arg *ta = arg;

	if (v != NULL && v->type == REGO_BOOL && !v->u.b)
		return EV_OK;
	return ta->k.fn(e, ta->k.arg, v);
}

/*
 * The dotted name of a call's operator ("count", "io.jwt.decode"), or NULL.
 * Not inlined: its buffer must not sit in the frames of recursive callers.
 */
__attribute__((noinline)) const char *
rego_ev_op_name(struct rego_ev *e, const struct rego_term *op)
{
	char buf[4096]; /* the longest name the writ_buf this replaced allowed */
	size_t i, len;

	if (op->kind == REGO_T_VAR)
		return op->text;
	if (op->kind != REGO_T_REF || op->items.v[0]->kind != REGO_T_VAR)
		return NULL;
	if (op->items.n == 1)
		return op->items.v[0]->text;
	/* Built on the C stack, not in a writ_buf: no malloc per call. */
	len = strlen(op->items.v[0]->text);
	if (len >= sizeof(buf))
		return NULL;
	memcpy(buf, op->items.v[0]->text, len);
	for (i = 1; i < op->items.n; i++) {
		const struct rego_term *t = op->items.v[i];
		size_t n;

		if (t->kind != REGO_T_STRING)
			return NULL;
		n = strlen(t->text);
		if (n + 1 >= sizeof(buf) - len)
			return NULL;
		buf[len++] = '.';
		memcpy(buf + len, t->text, n);
		len += n;
	}
	return writ_arena_strndup(e->a, buf, len);
}

struct member_arg {
	const struct rego_term *kt, *vt;
	struct rego_k k;
};

static int
member_unify_v(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct member_arg *ma = arg;

	(void)v;
	return ma->k.fn(e, ma->k.arg, &rego_true_val);
}

struct member_pair {
	struct member_arg *ma;
	const struct rego_val *val;
};

static int
member_key_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct member_pair *mp = arg;

	(void)v;
	return rego_ev_unify_tv(
	    e, mp->ma->vt, mp->val, true, (struct rego_k){member_unify_v, mp->ma});
}

/* `some k, v in xs` once xs is known: iterate and unify. */
static int
member_dom_k(struct rego_ev *e, void *arg, const struct rego_val *dom)
{
	struct member_arg *ma = arg;
	size_t i;
	int rc = EV_OK;

	if (dom->type != REGO_ARRAY && dom->type != REGO_SET && dom->type != REGO_OBJECT)
		return EV_OK;
	for (i = 0; i < dom->len && rc == EV_OK; i++) {
		const struct rego_val *key = NULL, *val = NULL;
		struct writ_err we;
		size_t mark = e->ntrail;

		rego_we_init(&we);
		switch (dom->type) {
		case REGO_ARRAY:
			val = dom->u.elems[i];
			if (ma->kt != NULL && rego_int(e->a, (int64_t)i, &key, &we) != WRIT_OK)
				return rego_ev_oom(e, WRIT_ELIMIT, &we);
			break;
		case REGO_SET:
			key = val = dom->u.elems[i];
			break;
		case REGO_OBJECT:
			key = dom->u.kvs[i].key;
			val = dom->u.kvs[i].val;
			break;
		default:
			return EV_OK;
		}
		if (ma->kt != NULL) {
			struct member_pair mp = {ma, val};

			rc = rego_ev_unify_tv(
			    e, ma->kt, key, true, (struct rego_k){member_key_k, &mp});
		} else {
			rc = rego_ev_unify_tv(
			    e, ma->vt, val, true, (struct rego_k){member_unify_v, ma});
		}
		e->ntrail = mark;
	}
	return rc;
}

static int
some_in(struct rego_ev *e, const struct rego_expr *x, struct rego_k k)
{
	const struct rego_term *t = x->term;
	struct member_arg ma = {NULL, NULL, k};
	const struct rego_term *dom;

	if (t->kind != REGO_T_CALL || t->items.n < 3)
		return rego_ev_fail(e, "rego_compile_error", &x->loc, "malformed some ... in");
	if (t->items.n == 4) {
		ma.kt = t->items.v[1];
		ma.vt = t->items.v[2];
		dom = t->items.v[3];
	} else {
		ma.vt = t->items.v[1];
		dom = t->items.v[2];
	}
	return rego_ev_term(e, dom, (struct rego_k){member_dom_k, &ma});
}

static int
some_decl(struct rego_ev *e, const struct rego_expr *x, struct rego_k k)
{
	size_t i, mark = e->ntrail;
	int rc;

	for (i = 0; i < x->vars.n; i++) {
		const struct rego_term *v = x->vars.v[i];

		if (v->kind == REGO_T_VAR && (rc = rego_ev_bind(e, v->text, NULL)) != EV_OK)
			return rc;
	}
	rc = k.fn(e, k.arg, &rego_true_val);
	e->ntrail = mark;
	return rc;
}

/* every k, v in dom { body } */
struct every_arg {
	const struct rego_expr *x;
	bool ok;
};

static int
every_one(
    struct rego_ev *e, struct every_arg *ea, const struct rego_val *key, const struct rego_val *val)
{
	const struct rego_expr *x = ea->x;
	size_t mark = e->ntrail;
	int rc = EV_OK;

	if (x->key != NULL && x->key->kind == REGO_T_VAR && !(x->key->flags & REGO_TF_WILDCARD))
		rc = rego_ev_bind(e, x->key->text, key);
	if (rc == EV_OK && x->value != NULL && x->value->kind == REGO_T_VAR &&
	    !(x->value->flags & REGO_TF_WILDCARD))
		rc = rego_ev_bind(e, x->value->text, val);
	if (rc == EV_OK)
		rc = rego_ev_query(e, x->body, (struct rego_k){stop_k, NULL});
	e->ntrail = mark;
	if (rc == EV_STOP)
		return EV_OK;
	if (rc == EV_OK)
		ea->ok = false;
	return rc;
}

static int
every_dom_k(struct rego_ev *e, void *arg, const struct rego_val *dom)
{
	struct every_arg *ea = arg;
	size_t i;
	int rc = EV_OK;

	if (dom->type != REGO_ARRAY && dom->type != REGO_SET && dom->type != REGO_OBJECT)
		return EV_OK;
	for (i = 0; i < dom->len && rc == EV_OK && ea->ok; i++) {
		const struct rego_val *key = NULL, *val = NULL;
		struct writ_err we;

		rego_we_init(&we);
		switch (dom->type) {
		case REGO_ARRAY:
			val = dom->u.elems[i];
			if (rego_int(e->a, (int64_t)i, &key, &we) != WRIT_OK)
				return rego_ev_oom(e, WRIT_ELIMIT, &we);
			break;
		case REGO_SET:
			key = val = dom->u.elems[i];
			break;
		case REGO_OBJECT:
			key = dom->u.kvs[i].key;
			val = dom->u.kvs[i].val;
			break;
		default:
			return EV_OK;
		}
		rc = every_one(e, ea, key, val);
	}
	return rc != EV_OK ? rc : ea->ok ? EV_STOP : EV_OK;
}

static int
every(struct rego_ev *e, const struct rego_expr *x, struct rego_k k)
{
	struct every_arg ea = {x, true};
	size_t mark = e->ntrail;
	int rc;

	rc = rego_ev_term(e, x->domain, (struct rego_k){every_dom_k, &ea});
	e->ntrail = mark;
	if (rc == EV_STOP)
		return k.fn(e, k.arg, &rego_true_val);
	return rc;
}

/* A unification succeeded: the expression's value is true. */
static int
true_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct truthy_arg *ta = arg;

	(void)v;
	return ta->k.fn(e, ta->k.arg, &rego_true_val);
}

/* The name of an operator that is one variable ("eq", "count"), or NULL: no allocation. */
static const char *
op_simple_name(const struct rego_term *op)
{
	if (op->kind == REGO_T_VAR)
		return op->text;
	if (op->kind == REGO_T_REF && op->items.n == 1 && op->items.v[0]->kind == REGO_T_VAR)
		return op->items.v[0]->text;
	return NULL;
}

/* A call expression: `=`, `:=`, or a function whose value must not be false. */
static int
call_expr(struct rego_ev *e, const struct rego_expr *x, struct rego_k k)
{
	const struct rego_term *t = x->term;
	const char *name = op_simple_name(t->items.v[0]);
	struct truthy_arg ta = {k};

	if (name != NULL && t->items.n == 3 && (name[0] == 'e' || name[0] == 'a')) {
		if (name[0] == 'e' && name[1] == 'q' && name[2] == '\0')
			return rego_ev_unify_tt(
			    e, t->items.v[1], t->items.v[2], false, (struct rego_k){true_k, &ta});
		if (strcmp(name, "assign") == 0)
			return rego_ev_unify_tt(
			    e, t->items.v[1], t->items.v[2], true, (struct rego_k){true_k, &ta});
	}
	return rego_ev_call(e, t, (struct rego_k){truthy_k, &ta});
}

static int
expr_pos(struct rego_ev *e, const struct rego_expr *x, struct rego_k k)
{
	struct truthy_arg ta = {k};

	switch (x->kind) {
	case REGO_E_TERM:
		if (x->term->kind == REGO_T_CALL)
			return call_expr(e, x, k);
		return rego_ev_term(e, x->term, (struct rego_k){truthy_k, &ta});
	case REGO_E_CALL:
		return call_expr(e, x, k);
	case REGO_E_SOME:
		return some_decl(e, x, k);
	case REGO_E_SOME_IN:
		return some_in(e, x, k);
	case REGO_E_EVERY:
		return every(e, x, k);
	}
	return rego_ev_fail(e, "eval_internal_error", &x->loc, "unknown expression");
}

static int
expr_plain(struct rego_ev *e, const struct rego_expr *x, struct rego_k k)
{
	bool found;
	int rc;

	if (!x->negated)
		return expr_pos(e, x, k);
	if ((rc = has_solution(e, x, &found)) != EV_OK)
		return rc;
	return found ? EV_OK : k.fn(e, k.arg, &rego_true_val);
}

/* ev_expr untraced: what the trace hook runs. */
static int
expr_with(struct rego_ev *e, const struct rego_expr *x, struct rego_k k)
{
	if (x->with.n > 0)
		return rego_ev_with(e, x, expr_plain, k);
	return expr_plain(e, x, k);
}

static int
ev_expr(struct rego_ev *e, const struct rego_expr *x, struct rego_k k)
{
	if (REGO_TRACED(e))
		return rego_trace_expr(e, x, expr_with, k);
	if (x->with.n > 0)
		return rego_ev_with(e, x, expr_plain, k);
	return expr_plain(e, x, k);
}

/* Collect the values of an expression (a template part) into a set builder. */
struct collect_arg {
	struct rego_builder *b;
};

static int
collect_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct collect_arg *ca = arg;
	struct writ_err we;
	writ_rc rc;

	rego_we_init(&we);
	rc = rego_builder_push(ca->b, v != NULL ? v : &rego_true_val, &we);
	return rc == WRIT_OK ? EV_OK : rego_ev_oom(e, rc, &we);
}

int
rego_ev_collect_expr(struct rego_ev *e, const struct rego_expr *x, struct rego_builder *b)
{
	struct collect_arg ca = {b};
	struct rego_k k = {collect_k, &ca};
	size_t mark = e->ntrail;
	int rc;

	if (x->kind == REGO_E_TERM && x->with.n == 0 && !x->negated)
		rc = rego_ev_term(e, x->term, k);
	else
		rc = ev_expr(e, x, k);
	e->ntrail = mark;
	return rc;
}
