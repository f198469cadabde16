/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public entry points of include/writ/rego.h: compile (compile.c does
 * the work), free, prepare a query (parse, check and order it once, and
 * write down what its output needs: each expression's text and location,
 * each variable's JSON key), and evaluate a prepared query: set up the
 * evaluation's arena and memo (the thread's, evpool.c), limits and input,
 * run the query, and print each solution as `opa eval` prints its "result"
 * member straight into the caller's buffer.  writ_rego_eval is prepare,
 * evaluate and free in one call.
 */
#define _GNU_SOURCE /* pthread_getattr_np: the size of the thread's stack */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "writ/rego.h"

#include "rego/ast.h"
#include "rego/eval.h"
#include "rego/evpool.h"
#include "rego/trace.h"
#include "rego/value.h"

/* Defaults for zero limits (docs/CONFIGURATION.md). */
#define DEFAULT_MAX_STEPS  ((uint64_t)10000000)
#define DEFAULT_MAX_BYTES  ((size_t)256 << 20)
#define DEFAULT_TIMEOUT_MS ((uint64_t)5000)

/* C stack kept free below an evaluation's deepest frame (builtins, libc, sanitizers). */
#define STACK_RESERVE ((size_t)256 << 10)

/* A string precomputed by writ_rego_prepare. */
struct pstr {
	const char *s;
	size_t len;
};

/* A query parsed, checked and reordered once, evaluated any number of times. */
struct writ_rego_prepared {
	const struct writ_rego_bundle *b; /* borrowed */
	struct writ_arena *a;             /* everything below */
	const char *src;                  /* the query's text */
	struct rego_body *body;
	bool single;              /* answers its value even when false (single_value) */
	struct rego_nameset vars; /* the query's variables, in order of appearance */
	struct pstr *keys;        /* per variable: its name as a JSON key with the ':' */
	struct pstr *tails;       /* per expression: its "text" and "location" members */
	struct rego_const *consts; /* the body's literals as values (rego_body_consts) */
	size_t nconsts;
	bool oom;
};

/* One run of a prepared query. */
struct qrun {
	const struct writ_rego_prepared *p;
	struct rego_ev *e;
	struct writ_buf *out;
	const struct rego_val **vals; /* per variable: its value in the current solution */
	bool *seen;
	size_t nsols;
};

size_t
writ_rego_error_format(const struct writ_rego_error *e, char *buf, size_t len)
{
	int n;

	if (e->file[0] != '\0' && e->row > 0)
		n = snprintf(buf, len, "%s:%d: %s: %s", e->file, e->row, e->code, e->message);
	else
		n = snprintf(buf, len, "%s: %s", e->code, e->message);
	return n < 0 ? 0 : (size_t)n;
}

writ_rc
writ_rego_compile(const struct writ_rego_compile_opts *o, struct writ_rego_bundle **out,
    struct writ_rego_error *err)
{
	return rego_compile_bundle(o, out, err);
}

void
writ_rego_bundle_free(struct writ_rego_bundle *b)
{
	if (b == NULL)
		return;
	rego_evpool_forget();
	writ_arena_free(b->arena);
	writ_free(b);
}

static void
set_error(struct writ_rego_error *err, const char *code, const char *what, const char *detail)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->code, sizeof(err->code), "%s", code);
	snprintf(err->message, sizeof(err->message), "%s%s", what, detail);
}

/* ---------------------------------------------------------------------------
 * The query's variables.
 */

static void add_term_vars(struct writ_rego_prepared *p, const struct rego_term *t);

static void
add_var(struct writ_rego_prepared *p, const char *name)
{
	if (strcmp(name, "_") == 0 || name[0] == '$' || strcmp(name, "input") == 0 ||
	    strcmp(name, "data") == 0)
		return;
	if (!rego_ns_add(&p->vars, name))
		p->oom = true;
}

static void
add_term_vars(struct writ_rego_prepared *p, const struct rego_term *t)
{
	size_t i;

	if (t == NULL)
		return;
	switch (t->kind) {
	case REGO_T_VAR:
		if (!(t->flags & REGO_TF_WILDCARD))
			add_var(p, t->text);
		break;
	case REGO_T_REF:
	case REGO_T_ARRAY:
	case REGO_T_SET:
	case REGO_T_CALL:
		for (i = t->kind == REGO_T_CALL ? 1 : 0; i < t->items.n; i++)
			add_term_vars(p, t->items.v[i]);
		break;
	case REGO_T_OBJECT:
		for (i = 0; i < t->items.n; i++) {
			add_term_vars(p, t->keys.v[i]);
			add_term_vars(p, t->items.v[i]);
		}
		break;
	default:
		break;
	}
}

static void
collect_vars(struct writ_rego_prepared *p)
{
	const struct rego_body *body = p->body;
	size_t i, j;

	for (i = 0; i < body->exprs.n; i++) {
		const struct rego_expr *x = body->exprs.v[i];

		for (j = 0; j < x->vars.n; j++)
			add_term_vars(p, x->vars.v[j]);
		if (x->kind != REGO_E_EVERY)
			add_term_vars(p, x->term);
	}
}

/* ---------------------------------------------------------------------------
 * Output: what does not depend on the solution is written once, by prepare.
 */

/* The source text of expression i of the query. */
static void
expr_text(const struct writ_rego_prepared *p, size_t i, const char **s, size_t *len)
{
	const struct rego_body *b = p->body;
	const char *c = p->src, *end;
	uint32_t line = 1;

	while (line < b->exprs.v[i]->loc.line && *c != '\0')
		if (*c++ == '\n')
			line++;
	c += b->exprs.v[i]->loc.col > 0 ? b->exprs.v[i]->loc.col - 1 : 0;
	end = c;
	while (*end != '\0' && *end != '\n' && *end != ';')
		end++;
	while (end > c && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*s = c;
	*len = (size_t)(end - c);
}

/* Copy what was written to w into the prepared query's arena. */
static writ_rc
keep_buf(struct writ_rego_prepared *p, struct writ_buf *w, struct pstr *out)
{
	char *s = writ_arena_strndup(p->a, w->ptr != NULL ? w->ptr : "", w->len);

	if (s == NULL)
		return WRIT_ENOMEM;
	out->s = s;
	out->len = w->len;
	writ_buf_reset(w);
	return WRIT_OK;
}

/* Each expression's "text" and "location", each variable's key. */
static writ_rc
prepare_output(struct writ_rego_prepared *p)
{
	const struct rego_body *b = p->body;
	struct writ_buf w;
	size_t i;
	writ_rc rc = WRIT_OK;

	p->tails = writ_arena_calloc(p->a, b->exprs.n + 1, sizeof(*p->tails));
	p->keys = writ_arena_calloc(p->a, p->vars.n + 1, sizeof(*p->keys));
	if (p->tails == NULL || p->keys == NULL)
		return WRIT_ENOMEM;
	writ_buf_init(&w, 0);
	for (i = 0; i < b->exprs.n && rc == WRIT_OK; i++) {
		const char *s;
		size_t len;

		expr_text(p, i, &s, &len);
		rc = writ_buf_appends(&w, ",\"text\":");
		if (rc == WRIT_OK)
			rc = writ_buf_append_json_str(&w, s, len);
		if (rc == WRIT_OK)
			rc = writ_buf_appendf(&w, ",\"location\":{\"row\":%u,\"col\":%u}}",
			    b->exprs.v[i]->loc.line, b->exprs.v[i]->loc.col);
		if (rc == WRIT_OK)
			rc = keep_buf(p, &w, &p->tails[i]);
	}
	for (i = 0; i < p->vars.n && rc == WRIT_OK; i++) {
		rc = writ_buf_append_json_str(&w, p->vars.v[i], strlen(p->vars.v[i]));
		if (rc == WRIT_OK)
			rc = writ_buf_appends(&w, ":");
		if (rc == WRIT_OK)
			rc = keep_buf(p, &w, &p->keys[i]);
	}
	writ_buf_free(&w);
	return rc == WRIT_OK ? WRIT_OK : WRIT_ENOMEM;
}

/* The value of each query variable: the newest binding of its name, in one pass. */
static void
bind_values(struct qrun *q)
{
	const struct rego_ev *e = q->e;
	const struct rego_nameset *vars = &q->p->vars;
	size_t i;

	memset(q->vals, 0, vars->n * sizeof(*q->vals));
	memset(q->seen, 0, vars->n * sizeof(*q->seen));
	for (i = e->ntrail; i > 0; i--) {
		const struct rego_binding *b = &e->trail[i - 1];
		long k = rego_ns_index(vars, b->name);

		if (k >= 0 && !q->seen[k]) {
			q->seen[k] = true;
			q->vals[k] = b->val; /* NULL: declared but unbound */
		}
	}
}

static writ_rc
write_solution(struct qrun *q)
{
	const struct writ_rego_prepared *p = q->p;
	struct writ_buf *o = q->out;
	struct writ_err we = {0};
	size_t i, n = 0;
	writ_rc rc;

	rc = writ_buf_appends(o, q->nsols > 0 ? ",{\"expressions\":[" : "{\"expressions\":[");
	for (i = 0; i < p->body->exprs.n && rc == WRIT_OK; i++) {
		const struct rego_val *v = q->e->qvals[i] != NULL ? q->e->qvals[i] : &rego_true_val;

		rc = writ_buf_appends(o, i > 0 ? ",{\"value\":" : "{\"value\":");
		if (rc == WRIT_OK)
			rc = rego_json_write(o, v, NULL, &we);
		if (rc == WRIT_OK)
			rc = writ_buf_append(o, p->tails[i].s, p->tails[i].len);
	}
	if (rc == WRIT_OK)
		rc = writ_buf_appends(o, "]");
	bind_values(q);
	for (i = 0; i < p->vars.n && rc == WRIT_OK; i++) {
		if (q->vals[i] == NULL)
			continue;
		rc = writ_buf_appends(o, n++ > 0 ? "," : ",\"bindings\":{");
		if (rc == WRIT_OK)
			rc = writ_buf_append(o, p->keys[i].s, p->keys[i].len);
		if (rc == WRIT_OK)
			rc = rego_json_write(o, q->vals[i], NULL, &we);
	}
	if (rc == WRIT_OK && n > 0)
		rc = writ_buf_appends(o, "}");
	if (rc == WRIT_OK)
		rc = writ_buf_appends(o, "}");
	q->nsols++;
	return rc;
}

static int
solution_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct qrun *q = arg;
	writ_rc rc;

	(void)v;
	if ((rc = write_solution(q)) != WRIT_OK)
		return rego_ev_fail(e, "eval_cancel_error", NULL,
		    "the result exceeds its size limit (%s)", writ_rc_name(rc));
	return EV_OK;
}

/* ---------------------------------------------------------------------------
 * Evaluation.
 */

/*
 * A query of one expression that is a value or a call other than `=` and
 * `:=` answers its value even when that is false, as OPA does (`opa eval
 * 'data.authz.allow'` prints false, `1 == 2` prints false, while `1 = 2` and
 * `x == 1; true` are undefined when they fail).
 */
static bool
single_value(struct rego_ev *e, const struct rego_body *body)
{
	const struct rego_expr *x;
	const char *name;

	if (body->exprs.n != 1)
		return false;
	x = body->exprs.v[0];
	if (x->negated || x->with.n > 0 || (x->kind != REGO_E_TERM && x->kind != REGO_E_CALL))
		return false;
	if (x->term->kind != REGO_T_CALL)
		return x->kind == REGO_E_TERM;
	name = rego_ev_op_name(e, x->term->items.v[0]);
	return name == NULL || (strcmp(name, "eq") != 0 && strcmp(name, "assign") != 0);
}

struct single_arg {
	struct rego_k k;
};

static int
single_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct single_arg *sa = arg;

	e->qvals[0] = v;
	return sa->k.fn(e, sa->k.arg, v);
}

static int
single_expr(struct rego_ev *e, const struct rego_expr *x, struct rego_k k)
{
	struct single_arg sa = {k};

	if (x->term->kind == REGO_T_CALL)
		return rego_ev_call(e, x->term, (struct rego_k){single_k, &sa});
	return rego_ev_term(e, x->term, (struct rego_k){single_k, &sa});
}

/* A traced single-value query: its one expression, as a body would run it. */
static int
single_traced(struct rego_ev *e, const struct rego_body *b, size_t i, struct rego_k k)
{
	return rego_trace_expr(e, b->exprs.v[i], single_expr, k);
}

static int
input_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	(void)e;
	*(const struct rego_val **)arg = v;
	return EV_STOP;
}

static writ_rc
load_input(struct rego_ev *e, const struct writ_rego_eval_opts *o)
{
	struct writ_err we = {0};
	struct rego_diag d = {0};
	struct rego_term *t = NULL;
	writ_rc rc;
	int r;

	if (o->input_json != NULL) {
		rc = rego_json_parse(e->a, o->input_json, o->input_len, NULL, &e->input, &we);
		if (rc != WRIT_OK)
			set_error(e->err, "invalid_input", "input: ", we.msg);
		return rc;
	}
	if (o->input_term == NULL)
		return WRIT_OK;
	rc = rego_parse_term(
	    e->a, "input", o->input_term, strlen(o->input_term), NULL, &t, &d, NULL);
	if (rc != WRIT_OK) {
		set_error(e->err, "rego_parse_error", "input: ", d.msg);
		return rc;
	}
	r = rego_ev_term(e, t, (struct rego_k){input_k, &e->input});
	if (r == EV_HALT)
		return WRIT_EINVAL;
	return WRIT_OK;
}

/* The return code of a halted evaluation: limits, memory, or the policy's error. */
static writ_rc
halt_rc(const struct writ_rego_error *err)
{
	if (strcmp(err->code, "eval_cancel_error") == 0)
		return WRIT_ELIMIT;
	if (strcmp(err->code, "eval_internal_error") == 0)
		return WRIT_ENOMEM;
	return WRIT_EINVAL;
}

static writ_rc
run_query(struct rego_ev *e, const struct writ_rego_prepared *p, struct writ_buf *result)
{
	struct qrun q = {.p = p, .e = e, .out = result};
	size_t start = result->len;
	writ_rc rc;
	int r;

	e->query = p->body;
	e->qvals = writ_arena_calloc(e->a, p->body->exprs.n + 1, sizeof(*e->qvals));
	q.vals = writ_arena_calloc(e->a, p->vars.n + 1, sizeof(*q.vals));
	q.seen = writ_arena_calloc(e->a, p->vars.n + 1, sizeof(*q.seen));
	if (e->qvals == NULL || q.vals == NULL || q.seen == NULL) {
		rego_ev_oom(e, WRIT_ELIMIT, NULL);
		return WRIT_ELIMIT;
	}
	/* Written straight into result, which is cut back to what it was on failure. */
	rc = writ_buf_appends(result, "[");
	if (rc == WRIT_OK) {
		struct rego_k k = {solution_k, &q};

		if (!p->single)
			r = rego_ev_query(e, p->body, k);
		else if (REGO_TRACED(e))
			r = rego_trace_body(e, p->body, single_traced, k);
		else
			r = single_expr(e, p->body->exprs.v[0], k);
		if (r == EV_HALT)
			rc = halt_rc(e->err);
	}
	if (rc == WRIT_OK)
		rc = writ_buf_appends(result, "]");
	if (rc != WRIT_OK) {
		if (e->err->code[0] == '\0')
			rego_ev_fail(e, "eval_cancel_error", NULL,
			    "the result exceeds its size limit (%s)", writ_rc_name(rc));
		result->len = start;
		if (result->ptr != NULL)
			result->ptr[start] = '\0';
	}
	return rc;
}

/*
 * How much of this thread's C stack an evaluation may use: what is left
 * below the caller's frame less a reserve for builtins and libc.
 */
static size_t
stack_budget(uintptr_t here)
{
	/*
	 * The thread's stack, looked up once per thread: for the main thread
	 * pthread_getattr_np reads /proc/self/maps, which cost ~35 us, most
	 * of a decision (measured with perf on bench/rego's RBAC scenario).
	 */
	static _Thread_local void *addr;
	static _Thread_local size_t size;
	static _Thread_local bool known;
	pthread_attr_t attr;
	size_t left;

	if (!known) {
		known = true;
		if (pthread_getattr_np(pthread_self(), &attr) == 0) {
			if (pthread_attr_getstack(&attr, &addr, &size) != 0)
				size = 0;
			pthread_attr_destroy(&attr);
		}
	}
	if (size == 0 || here <= (uintptr_t)addr || here - (uintptr_t)addr > size)
		return 256 << 10;
	left = here - (uintptr_t)addr;
	return left > STACK_RESERVE + (64 << 10) ? left - STACK_RESERVE : 64 << 10;
}

/* Run the query traced; the trace goes to o->explanation whatever the outcome. */
static writ_rc
run_explained(struct rego_ev *e, const struct writ_rego_prepared *p,
    const struct writ_rego_eval_opts *o, struct writ_buf *result)
{
	struct rego_trace *t = NULL;
	writ_rc rc, wrc;

	if (rego_trace_new(o, &t) != WRIT_OK) {
		set_error(e->err, "eval_internal_error", "out of memory", "");
		return WRIT_ENOMEM;
	}
	e->trace = t;
	rc = run_query(e, p, result);
	e->trace = NULL;
	wrc = rego_trace_write(t, o->explain_pretty, o->explanation);
	rego_trace_free(t);
	if (rc == WRIT_OK && wrc != WRIT_OK) {
		set_error(e->err, wrc == WRIT_ENOMEM ? "eval_internal_error" : "eval_cancel_error",
		    "the explanation exceeds its size limit: ", writ_rc_name(wrc));
		rc = wrc == WRIT_ENOMEM ? WRIT_ENOMEM : WRIT_ELIMIT;
	}
	return rc;
}

void
writ_rego_prepared_free(struct writ_rego_prepared *p)
{
	if (p == NULL)
		return;
	writ_arena_free(p->a);
	writ_free(p);
}

/* Parse, check and reorder the query; err as rego_ev_fail fills it. */
static writ_rc
prepare_body(struct writ_rego_prepared *p, const char *query, struct writ_rego_error *err)
{
	struct rego_ev e = {.b = p->b, .a = p->a, .err = err};
	struct rego_diag d = {0};
	writ_rc rc;

	rc = rego_parse_query(p->a, "query", query, strlen(query), NULL, &p->body, &d, NULL);
	if (rc != WRIT_OK) {
		struct rego_loc loc = {"query", d.line, d.col};

		rego_ev_fail(&e, d.code != NULL ? d.code : "rego_parse_error", &loc, "%s", d.msg);
		return rc;
	}
	if ((rc = rego_check_query(p->b, p->a, p->body, err)) != WRIT_OK)
		return rc;
	p->single = single_value(&e, p->body);
	return WRIT_OK;
}

writ_rc
writ_rego_prepare(const struct writ_rego_bundle *b, const char *query,
    struct writ_rego_prepared **out, struct writ_rego_error *err)
{
	struct writ_rego_prepared *p;
	writ_rc rc;

	memset(err, 0, sizeof(*err));
	if (b == NULL || query == NULL) {
		set_error(err, "invalid_argument", "no bundle or no query", "");
		return WRIT_EINVAL;
	}
	if ((p = writ_calloc(1, sizeof(*p))) == NULL || (p->a = writ_arena_new(0, 0)) == NULL) {
		writ_free(p);
		set_error(err, "eval_internal_error", "out of memory", "");
		return WRIT_ENOMEM;
	}
	p->b = b;
	rego_ns_init(&p->vars, p->a);
	if ((p->src = writ_arena_strdup(p->a, query)) == NULL) {
		rc = WRIT_ENOMEM;
	} else if ((rc = prepare_body(p, p->src, err)) == WRIT_OK) {
		collect_vars(p);
		rc = p->oom ? WRIT_ENOMEM : prepare_output(p);
		if (rc == WRIT_OK)
			rc = rego_body_consts(p->a, p->body, &p->consts, &p->nconsts);
	}
	if (rc == WRIT_ENOMEM && err->code[0] == '\0')
		set_error(err, "eval_internal_error", "out of memory", "");
	if (rc != WRIT_OK) {
		writ_rego_prepared_free(p);
		return rc;
	}
	*out = p;
	return WRIT_OK;
}

writ_rc
writ_rego_eval_prepared(const struct writ_rego_prepared *p, const struct writ_rego_eval_opts *o,
    struct writ_buf *result, struct writ_rego_error *err)
{
	const struct writ_rego_bundle *b;
	struct rego_evpool *pool;
	struct rego_ev e = {0};
	int64_t sec;
	long nsec;
	writ_rc rc;

	memset(err, 0, sizeof(*err));
	if (p == NULL || o == NULL) {
		set_error(err, "invalid_argument", "no prepared query or no options", "");
		return WRIT_EINVAL;
	}
	if (o->explain > WRIT_REGO_EXPLAIN_DEBUG ||
	    (o->explain != WRIT_REGO_EXPLAIN_OFF && o->explanation == NULL)) {
		set_error(err, "invalid_argument", "an explain mode without a buffer", "");
		return WRIT_EINVAL;
	}
	b = p->b;
	e.b = b;
	e.err = err;
	e.stack_base = (uintptr_t)&e;
	e.stack_budget = stack_budget(e.stack_base);
	e.data = b->data;
	e.qconsts = p->consts;
	e.nqconsts = p->nconsts;
	e.strict = o->strict_builtin_errors;
	e.print = o->print;
	e.print_arg = o->print_arg;
	e.http = o->http;
	e.max_steps = o->limits.max_steps ? o->limits.max_steps : DEFAULT_MAX_STEPS;
	e.deadline_ms = writ_time_mono_ms() +
	    (o->limits.timeout_ms ? o->limits.timeout_ms : DEFAULT_TIMEOUT_MS);
	e.now_ns = o->now_ns;
	if (e.now_ns == 0) {
		writ_time_now_ns(&sec, &nsec);
		e.now_ns = sec * 1000000000 + nsec;
	}
	rc = rego_evpool_get(
	    &e, o->limits.max_bytes ? o->limits.max_bytes : DEFAULT_MAX_BYTES, b->nnodes, &pool);
	if (rc != WRIT_OK) {
		set_error(err, "eval_internal_error", "out of memory", "");
		return WRIT_ENOMEM;
	}
	if ((rc = load_input(&e, o)) == WRIT_OK)
		rc = o->explain != WRIT_REGO_EXPLAIN_OFF ? run_explained(&e, p, o, result)
		                                         : run_query(&e, p, result);
	rego_evpool_put(pool, &e);
	return rc;
}

writ_rc
writ_rego_eval(const struct writ_rego_bundle *b, const struct writ_rego_eval_opts *o,
    struct writ_buf *result, struct writ_rego_error *err)
{
	struct writ_rego_prepared *p = NULL;
	writ_rc rc;

	if (o == NULL) {
		memset(err, 0, sizeof(*err));
		set_error(err, "invalid_argument", "no bundle or no query", "");
		return WRIT_EINVAL;
	}
	if ((rc = writ_rego_prepare(b, o->query, &p, err)) != WRIT_OK)
		return rc;
	rc = writ_rego_eval_prepared(p, o, result, err);
	writ_rego_prepared_free(p);
	return rc;
}

bool
writ_rego_path_may_define(const struct writ_rego_bundle *b, const char *path)
{
	const struct rego_node *n = b->root;
	const struct rego_val *d = b->data;
	const char *s = path, *e;
	size_t len;

	if (strchr(path, '%') != NULL)
		return true; /* not decoded here: assume it may */
	for (;;) {
		if (n != NULL && (n->nrules > 0 || n->deflt != NULL))
			return true; /* a rule on the way may produce the rest */
		if (d != NULL && d->type != REGO_OBJECT)
			return true; /* an array indexed by a segment, or a scalar: let evaluation say */
		if (*s == '\0')
			return n != NULL || d != NULL;
		e = strchr(s, '/');
		len = e != NULL ? (size_t)(e - s) : strlen(s);
		n = n != NULL ? rego_node_child(n, s, len) : NULL;
		d = d != NULL ? rego_object_get_str(d, s, len) : NULL;
		if (n == NULL && d == NULL)
			return false;
		s += len + (e != NULL);
	}
}
