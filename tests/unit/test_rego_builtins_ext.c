/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the builtin families in lib/rego/builtins/families_ext.h
 * (time, net, uuid, semver, crypto, x509, jwt, graphql, yaml,
 * providers.aws), run against OPA's conformance cases before there is an
 * evaluator.
 *
 * A deliberately small interpreter reads each case's module: constants
 * (`x := term`), complete rules (`p := t if { ... }`, `p if { ... }`),
 * multi-value rules (`p contains t if { ... }`) and defaults, with bodies
 * made of assignments, unifications with array patterns, comparisons,
 * `not`, and calls whose last argument may be an output.  Terms are
 * literals (strings, raw strings, numbers, arrays, objects, sets),
 * variables, references into input, data and other rules, arithmetic and
 * calls to registered builtins (plus count and is_string, which belong to
 * another family).  A case using anything else (comprehensions,
 * iteration, functions) is counted as not covered.  Each covered case
 * must give exactly want_result, or an error with want_error_code and a
 * message containing want_error.  A per-folder table is printed; failures
 * are listed with WRIT_TEST_VERBOSE=1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "rego/builtin.h"
#include "rego/value.h"
#include "support/rego_fx.h"

/* Each test's arena, made and freed by rfx_setup and rfx_teardown. */
#define A rfx_arena

/* ---------------------------------------------------------------------------
 * Lexer.
 */
enum tk {
	T_EOF,
	T_NL,
	T_IDENT,
	T_STR,
	T_RAW,
	T_NUM,
	T_OP
};

struct tok {
	enum tk t;
	const char *s;
	size_t len;
};

struct lex {
	const char *s;
	size_t len, pos;
	struct tok cur;
	int depth; /* inside (), [] or a term's {}: newlines are blanks */
	bool bad;
};

static bool
is_ident(char ch, bool first)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
	    (!first && ch >= '0' && ch <= '9');
}

static void
lex_next(struct lex *l)
{
	const char *s = l->s;
	size_t p;

again:
	while (l->pos < l->len &&
	    (s[l->pos] == ' ' || s[l->pos] == '\t' || s[l->pos] == '\r' ||
	        (l->depth > 0 && s[l->pos] == '\n')))
		l->pos++;
	if (l->pos < l->len && s[l->pos] == '#') {
		while (l->pos < l->len && s[l->pos] != '\n')
			l->pos++;
		goto again;
	}
	p = l->pos;
	l->cur.s = s + p;
	l->cur.len = 1;
	if (p >= l->len) {
		l->cur.t = T_EOF;
		l->cur.len = 0;
		return;
	}
	if (s[p] == '\n') {
		l->cur.t = T_NL;
		l->pos++;
		return;
	}
	if (is_ident(s[p], true)) {
		while (p < l->len && is_ident(s[p], false))
			p++;
		l->cur.t = T_IDENT;
	} else if (s[p] == '"') {
		for (p++; p < l->len && s[p] != '"'; p++)
			if (s[p] == '\\')
				p++;
		p++;
		l->cur.t = T_STR;
	} else if (s[p] == '`') {
		for (p++; p < l->len && s[p] != '`'; p++)
			;
		p++;
		l->cur.t = T_RAW;
	} else if (s[p] >= '0' && s[p] <= '9') {
		while (p < l->len &&
		    ((s[p] >= '0' && s[p] <= '9') || s[p] == '.' || s[p] == 'e' || s[p] == 'E' ||
		        ((s[p] == '+' || s[p] == '-') && (s[p - 1] == 'e' || s[p - 1] == 'E'))))
			p++;
		l->cur.t = T_NUM;
	} else {
		static const char *const two[] = {":=", "==", "!=", "<=", ">="};
		size_t i;

		l->cur.t = T_OP;
		p++;
		for (i = 0; i < WRIT_ARRAY_LEN(two); i++)
			if (p < l->len && s[p - 1] == two[i][0] && s[p] == two[i][1])
				p++;
	}
	if (p > l->len) {
		l->bad = true;
		p = l->len;
	}
	l->cur.len = p - l->pos;
	l->pos = p;
}

static bool
tok_is(const struct lex *l, const char *s)
{
	return (l->cur.t == T_OP || l->cur.t == T_IDENT) && l->cur.len == strlen(s) &&
	    memcmp(l->cur.s, s, l->cur.len) == 0;
}

static bool
accept(struct lex *l, const char *s)
{
	if (!tok_is(l, s))
		return false;
	lex_next(l);
	return true;
}

/* ---------------------------------------------------------------------------
 * Terms and statements.
 */
enum nk {
	N_CONST,
	N_VAR,
	N_REF,
	N_CALL,
	N_ARRAY,
	N_OBJECT,
	N_SET,
	N_BIN
};

struct node {
	enum nk k;
	const struct rego_val *v; /* N_CONST */
	char name[96];            /* N_VAR, N_CALL; N_BIN: the operator */
	struct node *kids[64];    /* N_REF: base then keys; N_OBJECT: key, value pairs */
	size_t nkids;
};

enum sk {
	S_EXPR,
	S_ASSIGN,
	S_UNIFY,
	S_EQ,
	S_NE,
	S_NOT
};

struct stmt {
	enum sk k;
	struct node *a, *b;
};

#define MAX_STMTS 32

struct rule {
	char name[64];
	enum {
		R_CONST,
		R_COMPLETE,
		R_CONTAINS,
		R_DEFAULT
	} kind;
	struct node *head; /* value (NULL: true) */
	struct stmt body[MAX_STMTS];
	size_t nbody;
};

struct module {
	char pkg[64];
	struct rule rules[32];
	size_t nrules;
};

static struct node *parse_expr(struct lex *l);

static struct node *
new_node(enum nk k)
{
	struct node *n = writ_arena_calloc(A, 1, sizeof(*n));

	assert_non_null(n);
	n->k = k;
	return n;
}

static struct node *
add_kid(struct lex *l, struct node *n, struct node *kid)
{
	if (kid == NULL || n->nkids >= WRIT_ARRAY_LEN(n->kids)) {
		l->bad = true;
		return n;
	}
	n->kids[n->nkids++] = kid;
	return n;
}

static struct node *
const_node(struct lex *l)
{
	struct node *n = new_node(N_CONST);
	struct writ_err e;
	writ_rc rc = WRIT_OK;

	if (l->cur.t == T_STR)
		rc = rego_json_parse(A, l->cur.s, l->cur.len, NULL, &n->v, &e);
	else if (l->cur.t == T_RAW)
		rc = rego_string(A, l->cur.s + 1, l->cur.len - 2, &n->v, &e);
	else
		rc = rego_number_parse(A, l->cur.s, l->cur.len, &n->v, &e);
	if (rc != WRIT_OK)
		l->bad = true;
	lex_next(l);
	return n;
}

/* [a, b], {k: v}, {a, b}; comprehensions are not supported. */
static struct node *
parse_collection(struct lex *l, const char *close, enum nk k)
{
	struct node *n = new_node(k);

	l->depth++;
	lex_next(l);
	while (!l->bad && !tok_is(l, close) && l->cur.t != T_EOF) {
		add_kid(l, n, parse_expr(l));
		if (k == N_SET && n->nkids == 1 && tok_is(l, ":"))
			n->k = N_OBJECT;
		if (n->k == N_OBJECT) {
			if (!accept(l, ":"))
				l->bad = true;
			add_kid(l, n, parse_expr(l));
		}
		if (tok_is(l, "|"))
			l->bad = true;
		if (!accept(l, ","))
			break;
	}
	l->depth--;
	if (!tok_is(l, close))
		l->bad = true;
	lex_next(l);
	if (n->k == N_SET && n->nkids == 0)
		n->k = N_OBJECT;
	return n;
}

static struct node *
parse_call_args(struct lex *l, struct node *n)
{
	l->depth++;
	lex_next(l);
	while (!l->bad && !tok_is(l, ")") && l->cur.t != T_EOF) {
		add_kid(l, n, parse_expr(l));
		if (!accept(l, ","))
			break;
	}
	l->depth--;
	if (!tok_is(l, ")"))
		l->bad = true;
	lex_next(l);
	return n;
}

static struct node *
parse_primary(struct lex *l)
{
	struct node *n, *r;
	char name[96];
	size_t len;

	if (l->cur.t == T_STR || l->cur.t == T_RAW || l->cur.t == T_NUM)
		return const_node(l);
	if (tok_is(l, "["))
		return parse_collection(l, "]", N_ARRAY);
	if (tok_is(l, "{"))
		return parse_collection(l, "}", N_SET);
	if (tok_is(l, "(")) {
		l->depth++;
		lex_next(l);
		n = parse_expr(l);
		l->depth--;
		if (!accept(l, ")"))
			l->bad = true;
		return n;
	}
	if (tok_is(l, "-")) {
		lex_next(l);
		if (l->cur.t != T_NUM) {
			l->bad = true;
			return new_node(N_CONST);
		}
		l->cur.s--;
		l->cur.len++;
		return const_node(l);
	}
	if (l->cur.t != T_IDENT) {
		l->bad = true;
		lex_next(l);
		return new_node(N_CONST);
	}
	/* Dotted name: a call when "(" follows, else a reference. */
	len = 0;
	for (;;) {
		if (len + l->cur.len + 2 >= sizeof(name)) {
			l->bad = true;
			return new_node(N_CONST);
		}
		memcpy(name + len, l->cur.s, l->cur.len);
		len += l->cur.len;
		name[len] = '\0';
		lex_next(l);
		if (!tok_is(l, ".") || l->s[l->pos] == ' ')
			break;
		lex_next(l);
		if (l->cur.t != T_IDENT) {
			l->bad = true;
			break;
		}
		name[len++] = '.';
	}
	if (strcmp(name, "true") == 0 || strcmp(name, "false") == 0 || strcmp(name, "null") == 0) {
		n = new_node(N_CONST);
		n->v = name[0] == 't' ? rego_bool(true)
		    : name[0] == 'f'  ? rego_bool(false)
		                      : &rego_null_val;
		return n;
	}
	if (strcmp(name, "set") == 0 && tok_is(l, "(")) {
		lex_next(l);
		if (!accept(l, ")"))
			l->bad = true;
		return new_node(N_SET);
	}
	if (tok_is(l, "(")) {
		n = new_node(N_CALL);
		snprintf(n->name, sizeof(n->name), "%s", name);
		n = parse_call_args(l, n);
	} else {
		/* a.b.c: base var a, keys "b", "c". */
		char *dot = strchr(name, '.');

		n = new_node(N_VAR);
		if (dot != NULL)
			*dot = '\0';
		snprintf(n->name, sizeof(n->name), "%s", name);
		if (dot != NULL) {
			char *p = dot + 1;

			r = new_node(N_REF);
			add_kid(l, r, n);
			n = r;
			while (p != NULL) {
				char *q = strchr(p, '.');
				struct node *k = new_node(N_CONST);
				struct writ_err e;

				if (rego_string(A, p, q ? (size_t)(q - p) : strlen(p), &k->v, &e) !=
				    WRIT_OK)
					l->bad = true;
				add_kid(l, n, k);
				p = q ? q + 1 : NULL;
			}
		}
	}
	/* Postfix: .field and [index]. */
	for (;;) {
		if (tok_is(l, "[") && l->cur.s > l->s && l->cur.s[-1] != ' ') {
			if (n->k != N_REF) {
				r = new_node(N_REF);
				add_kid(l, r, n);
				n = r;
			}
			l->depth++;
			lex_next(l);
			add_kid(l, n, parse_expr(l));
			l->depth--;
			if (!accept(l, "]"))
				l->bad = true;
		} else if (tok_is(l, ".")) {
			struct node *k = new_node(N_CONST);
			struct writ_err e;

			lex_next(l);
			if (l->cur.t != T_IDENT ||
			    rego_string(A, l->cur.s, l->cur.len, &k->v, &e) != WRIT_OK)
				l->bad = true;
			lex_next(l);
			if (n->k != N_REF) {
				r = new_node(N_REF);
				add_kid(l, r, n);
				n = r;
			}
			add_kid(l, n, k);
		} else {
			return n;
		}
	}
}

static struct node *
parse_mul(struct lex *l)
{
	struct node *n = parse_primary(l);

	while (!l->bad && (tok_is(l, "*") || tok_is(l, "/") || tok_is(l, "%"))) {
		struct node *b = new_node(N_BIN);

		snprintf(b->name, sizeof(b->name), "%.*s", (int)l->cur.len, l->cur.s);
		lex_next(l);
		add_kid(l, b, n);
		add_kid(l, b, parse_primary(l));
		n = b;
	}
	return n;
}

static struct node *
parse_expr(struct lex *l)
{
	struct node *n = parse_mul(l);

	while (!l->bad && (tok_is(l, "+") || tok_is(l, "-"))) {
		struct node *b = new_node(N_BIN);

		snprintf(b->name, sizeof(b->name), "%.*s", (int)l->cur.len, l->cur.s);
		lex_next(l);
		add_kid(l, b, n);
		add_kid(l, b, parse_mul(l));
		n = b;
	}
	return n;
}

static void
parse_stmt(struct lex *l, struct stmt *s)
{
	s->k = S_EXPR;
	s->b = NULL;
	if (accept(l, "not")) {
		s->k = S_NOT;
		s->a = parse_expr(l);
		return;
	}
	s->a = parse_expr(l);
	if (accept(l, ":="))
		s->k = S_ASSIGN;
	else if (accept(l, "="))
		s->k = S_UNIFY;
	else if (accept(l, "=="))
		s->k = S_EQ;
	else if (accept(l, "!="))
		s->k = S_NE;
	else
		return;
	s->b = parse_expr(l);
}

static void
parse_body(struct lex *l, struct rule *r)
{
	int saved = l->depth;

	if (!accept(l, "{")) {
		l->bad = true;
		return;
	}
	l->depth = 0;
	for (;;) {
		while (l->cur.t == T_NL || tok_is(l, ";"))
			lex_next(l);
		if (tok_is(l, "}") || l->cur.t == T_EOF || l->bad)
			break;
		if (r->nbody == MAX_STMTS) {
			l->bad = true;
			break;
		}
		parse_stmt(l, &r->body[r->nbody++]);
		if (l->cur.t != T_NL && !tok_is(l, ";") && !tok_is(l, "}"))
			l->bad = true;
	}
	l->depth = saved;
	if (!accept(l, "}"))
		l->bad = true;
}

static void
skip_line(struct lex *l)
{
	while (l->cur.t != T_NL && l->cur.t != T_EOF)
		lex_next(l);
}

/* Parse a module; false when it uses something the interpreter lacks. */
static bool
parse_module(const char *src, size_t len, struct module *m)
{
	struct lex l = {.s = src, .len = len};

	memset(m, 0, sizeof(*m));
	lex_next(&l);
	while (!l.bad && l.cur.t != T_EOF) {
		struct rule *r;

		if (l.cur.t == T_NL) {
			lex_next(&l);
			continue;
		}
		if (tok_is(&l, "package")) {
			lex_next(&l);
			snprintf(m->pkg, sizeof(m->pkg), "%.*s", (int)l.cur.len, l.cur.s);
			skip_line(&l);
			continue;
		}
		if (tok_is(&l, "import")) {
			skip_line(&l);
			continue;
		}
		if (m->nrules == WRIT_ARRAY_LEN(m->rules) || l.cur.t != T_IDENT)
			return false;
		r = &m->rules[m->nrules++];
		if (accept(&l, "default"))
			r->kind = R_DEFAULT;
		snprintf(r->name, sizeof(r->name), "%.*s", (int)l.cur.len, l.cur.s);
		lex_next(&l);
		if (accept(&l, ":=") || accept(&l, "=")) {
			r->head = parse_expr(&l);
			if (r->kind != R_DEFAULT)
				r->kind = R_CONST;
			if (accept(&l, "if")) {
				r->kind = R_COMPLETE;
				parse_body(&l, r);
			}
		} else if (accept(&l, "if")) {
			r->kind = R_COMPLETE;
			parse_body(&l, r);
		} else if (accept(&l, "contains")) {
			r->kind = R_CONTAINS;
			r->head = parse_expr(&l);
			if (accept(&l, "if"))
				parse_body(&l, r);
		} else {
			return false;
		}
		if (l.cur.t != T_NL && l.cur.t != T_EOF)
			return false;
	}
	return !l.bad;
}

/* ---------------------------------------------------------------------------
 * Evaluation.
 */
enum ev {
	EV_OK,
	EV_UNDEF,
	EV_ERR,
	EV_UNSUP
};

struct env {
	char names[64][64];
	const struct rego_val *vals[64];
	size_t n;
};

struct ectx {
	const struct module *m;
	const struct rego_val *input, *data;
	bool strict;
	struct writ_rego_error err;
	int depth;
};

static enum ev eval_node(
    struct ectx *x, struct env *env, const struct node *n, const struct rego_val **out);
static enum ev eval_rule(struct ectx *x, const char *name, const struct rego_val **out);

static const struct rego_val *
env_get(const struct env *env, const char *name)
{
	size_t i;

	for (i = 0; i < env->n; i++)
		if (strcmp(env->names[i], name) == 0)
			return env->vals[i];
	return NULL;
}

static bool
env_put(struct env *env, const char *name, const struct rego_val *v)
{
	if (env->n == WRIT_ARRAY_LEN(env->vals))
		return false;
	snprintf(env->names[env->n], sizeof(env->names[0]), "%.63s", name);
	env->vals[env->n++] = v;
	return true;
}

static bool
has_rule(const struct module *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nrules; i++)
		if (strcmp(m->rules[i].name, name) == 0)
			return true;
	return false;
}

/* Builtins of other families that the cases lean on. */
static enum ev
local_builtin(
    const char *name, const struct rego_val *const *args, size_t nargs, const struct rego_val **out)
{
	struct writ_err e;

	if (strcmp(name, "count") == 0 && nargs == 1) {
		if (args[0]->type < REGO_STRING)
			return EV_UNSUP;
		return rego_int(A, (int64_t)args[0]->len, out, &e) == WRIT_OK ? EV_OK : EV_UNSUP;
	}
	if (strcmp(name, "is_string") == 0 && nargs == 1) {
		*out = rego_bool(args[0]->type == REGO_STRING);
		return EV_OK;
	}
	return EV_UNSUP;
}

static bool unbound_in(const struct env *env, const struct ectx *x, const struct node *n);

static enum ev unify(
    struct ectx *x, struct env *env, const struct node *pat, const struct rego_val *v);

static enum ev
eval_call(struct ectx *x, struct env *env, const struct node *n, const struct rego_val **out)
{
	const struct rego_builtin *b = rego_builtin_lookup(n->name, strlen(n->name));
	const struct rego_val *args[64];
	struct rego_bctx c = {0};
	enum rego_bres r;
	enum ev ev;
	size_t i, nin = n->nkids;

	if (b != NULL && n->nkids == b->nargs + 1)
		nin = b->nargs;
	for (i = 0; i < nin; i++)
		if ((ev = eval_node(x, env, n->kids[i], &args[i])) != EV_OK)
			return ev;
	if (b == NULL) {
		if ((ev = local_builtin(n->name, args, nin, out)) != EV_OK)
			return ev;
	} else {
		if (nin != b->nargs)
			return EV_UNSUP;
		c.arena = A;
		c.name = b->name;
		c.now_ns = 1700000000123456789LL;
		c.strict = x->strict;
		c.err = &x->err;
		r = b->fn(&c, args, out);
		if (r == REGO_B_ERR)
			return EV_ERR;
		if (r == REGO_B_UNDEF)
			return EV_UNDEF;
	}
	if (nin < n->nkids) {
		if ((ev = unify(x, env, n->kids[nin], *out)) != EV_OK)
			return ev;
		*out = rego_bool(true);
	}
	return EV_OK;
}

static enum ev
eval_ref(struct ectx *x, struct env *env, const struct node *n, const struct rego_val **out)
{
	const struct node *base = n->kids[0];
	const struct rego_val *v;
	size_t i = 1;
	enum ev ev;

	if (base->k == N_VAR && strcmp(base->name, "data") == 0) {
		const struct rego_val *k0 = n->nkids > 1 ? n->kids[1]->v : NULL;

		v = x->data;
		/* data.<pkg>.<rule> */
		if (k0 != NULL && n->nkids > 2 && k0->len == strlen(x->m->pkg) &&
		    memcmp(k0->u.s, x->m->pkg, k0->len) == 0 && n->kids[2]->k == N_CONST &&
		    n->kids[2]->v->type == REGO_STRING && has_rule(x->m, n->kids[2]->v->u.s)) {
			if ((ev = eval_rule(x, n->kids[2]->v->u.s, &v)) != EV_OK)
				return ev;
			i = 3;
		}
	} else if ((ev = eval_node(x, env, base, &v)) != EV_OK) {
		return ev;
	}
	for (; i < n->nkids; i++) {
		const struct rego_val *k;

		if (v == NULL)
			return EV_UNDEF;
		if (n->kids[i]->k == N_VAR &&
		    (strcmp(n->kids[i]->name, "_") == 0 || env_get(env, n->kids[i]->name) == NULL))
			return EV_UNSUP; /* iteration */
		if ((ev = eval_node(x, env, n->kids[i], &k)) != EV_OK)
			return ev;
		if (v->type == REGO_OBJECT) {
			v = rego_object_get(v, k);
		} else if (v->type == REGO_ARRAY) {
			int64_t idx;

			v = rego_num_i64(k, &idx) && idx >= 0 ? rego_array_get(v, (size_t)idx)
			                                      : NULL;
		} else if (v->type == REGO_SET) {
			v = rego_set_contains(v, k) ? k : NULL;
		} else {
			v = NULL;
		}
	}
	if (v == NULL)
		return EV_UNDEF;
	*out = v;
	return EV_OK;
}

static enum ev
eval_collection(struct ectx *x, struct env *env, const struct node *n, const struct rego_val **out)
{
	struct rego_builder b;
	struct writ_err e;
	size_t i;
	enum ev ev;

	rego_builder_init(&b, A,
	    n->k == N_ARRAY     ? REGO_ARRAY
	        : n->k == N_SET ? REGO_SET
	                        : REGO_OBJECT);
	for (i = 0; i < n->nkids; i++) {
		const struct rego_val *k, *v;

		if ((ev = eval_node(x, env, n->kids[i], &k)) != EV_OK)
			return ev;
		if (n->k == N_OBJECT) {
			if ((ev = eval_node(x, env, n->kids[++i], &v)) != EV_OK)
				return ev;
			if (rego_builder_put(&b, k, v, &e) != WRIT_OK)
				return EV_UNSUP;
		} else if (rego_builder_push(&b, k, &e) != WRIT_OK) {
			return EV_UNSUP;
		}
	}
	return rego_builder_finish(&b, out, &e) == WRIT_OK ? EV_OK : EV_UNSUP;
}

static enum ev
eval_node(struct ectx *x, struct env *env, const struct node *n, const struct rego_val **out)
{
	const struct rego_val *a, *b;
	struct writ_err e;
	enum ev ev;
	writ_rc rc;

	switch (n->k) {
	case N_CONST:
		*out = n->v;
		return EV_OK;
	case N_VAR:
		if (strcmp(n->name, "input") == 0) {
			if (x->input == NULL)
				return EV_UNDEF;
			*out = x->input;
			return EV_OK;
		}
		if ((*out = env_get(env, n->name)) != NULL)
			return EV_OK;
		if (has_rule(x->m, n->name))
			return eval_rule(x, n->name, out);
		return EV_UNSUP;
	case N_REF:
		return eval_ref(x, env, n, out);
	case N_CALL:
		return eval_call(x, env, n, out);
	case N_ARRAY:
	case N_OBJECT:
	case N_SET:
		return eval_collection(x, env, n, out);
	case N_BIN:
		if ((ev = eval_node(x, env, n->kids[0], &a)) != EV_OK ||
		    (ev = eval_node(x, env, n->kids[1], &b)) != EV_OK)
			return ev;
		if (a->type != REGO_NUMBER || b->type != REGO_NUMBER)
			return EV_UNSUP;
		if (n->name[0] == '*')
			rc = rego_num_mul(A, a, b, out, &e);
		else if (n->name[0] == '+')
			rc = rego_num_add(A, a, b, out, &e);
		else if (n->name[0] == '-')
			rc = rego_num_sub(A, a, b, out, &e);
		else if (n->name[0] == '/')
			rc = rego_num_div(A, a, b, out, &e);
		else
			rc = rego_num_rem(A, a, b, out, &e);
		return rc == WRIT_OK ? EV_OK : EV_UNSUP;
	}
	return EV_UNSUP;
}

static bool
unbound_in(const struct env *env, const struct ectx *x, const struct node *n)
{
	size_t i;

	if (n->k == N_VAR)
		return strcmp(n->name, "_") == 0 ||
		    (strcmp(n->name, "input") != 0 && env_get(env, n->name) == NULL &&
		        !has_rule(x->m, n->name));
	if (n->k == N_ARRAY)
		for (i = 0; i < n->nkids; i++)
			if (unbound_in(env, x, n->kids[i]))
				return true;
	return false;
}

/* Unify pattern pat with value v, binding pat's unbound variables. */
static enum ev
unify(struct ectx *x, struct env *env, const struct node *pat, const struct rego_val *v)
{
	const struct rego_val *w;
	enum ev ev;
	size_t i;

	if (pat->k == N_VAR && unbound_in(env, x, pat)) {
		if (strcmp(pat->name, "_") != 0 && !env_put(env, pat->name, v))
			return EV_UNSUP;
		return EV_OK;
	}
	if (pat->k == N_ARRAY && unbound_in(env, x, pat)) {
		if (v->type != REGO_ARRAY || v->len != pat->nkids)
			return EV_UNDEF;
		for (i = 0; i < pat->nkids; i++)
			if ((ev = unify(x, env, pat->kids[i], v->u.elems[i])) != EV_OK)
				return ev;
		return EV_OK;
	}
	if ((ev = eval_node(x, env, pat, &w)) != EV_OK)
		return ev;
	return rego_equal(w, v) ? EV_OK : EV_UNDEF;
}

static enum ev
eval_stmt(struct ectx *x, struct env *env, const struct stmt *s)
{
	const struct rego_val *a, *b;
	enum ev ev;

	switch (s->k) {
	case S_EXPR:
		if ((ev = eval_node(x, env, s->a, &a)) != EV_OK)
			return ev;
		return a->type == REGO_BOOL && !a->u.b ? EV_UNDEF : EV_OK;
	case S_NOT:
		ev = eval_node(x, env, s->a, &a);
		if (ev == EV_ERR && !x->strict)
			ev = EV_UNDEF;
		if (ev == EV_UNDEF)
			return EV_OK;
		if (ev != EV_OK)
			return ev;
		return a->type == REGO_BOOL && !a->u.b ? EV_OK : EV_UNDEF;
	case S_ASSIGN:
	case S_UNIFY:
		if (unbound_in(env, x, s->a) || s->k == S_ASSIGN) {
			if ((ev = eval_node(x, env, s->b, &b)) != EV_OK)
				return ev;
			return unify(x, env, s->a, b);
		}
		if ((ev = eval_node(x, env, s->a, &a)) != EV_OK)
			return ev;
		return unify(x, env, s->b, a);
	case S_EQ:
	case S_NE:
		if ((ev = eval_node(x, env, s->a, &a)) != EV_OK ||
		    (ev = eval_node(x, env, s->b, &b)) != EV_OK)
			return ev;
		return rego_equal(a, b) == (s->k == S_EQ) ? EV_OK : EV_UNDEF;
	}
	return EV_UNSUP;
}

static enum ev
eval_body(struct ectx *x, const struct rule *r, const struct rego_val **out)
{
	struct env *env = writ_arena_calloc(A, 1, sizeof(*env));
	size_t i;
	enum ev ev;

	assert_non_null(env);
	for (i = 0; i < r->nbody; i++) {
		ev = eval_stmt(x, env, &r->body[i]);
		if (ev == EV_ERR && !x->strict)
			ev = EV_UNDEF;
		if (ev != EV_OK)
			return ev;
	}
	if (r->head == NULL) {
		*out = rego_bool(true);
		return EV_OK;
	}
	ev = eval_node(x, env, r->head, out);
	return ev == EV_ERR && !x->strict ? EV_UNDEF : ev;
}

static enum ev
eval_rule(struct ectx *x, const char *name, const struct rego_val **out)
{
	const struct rego_val *v = NULL, *dflt = NULL, *one;
	struct rego_builder set;
	struct writ_err e;
	bool contains = false;
	size_t i;
	enum ev ev;

	if (++x->depth > 16)
		return EV_UNSUP;
	rego_builder_init(&set, A, REGO_SET);
	for (i = 0; i < x->m->nrules; i++) {
		const struct rule *r = &x->m->rules[i];

		if (strcmp(r->name, name) != 0)
			continue;
		if (r->kind == R_DEFAULT) {
			struct env env = {0};

			if ((ev = eval_node(x, &env, r->head, &dflt)) != EV_OK)
				return ev;
			continue;
		}
		ev = eval_body(x, r, &one);
		if (ev == EV_UNDEF)
			continue;
		if (ev != EV_OK)
			return ev;
		if (r->kind == R_CONTAINS) {
			contains = true;
			if (rego_builder_push(&set, one, &e) != WRIT_OK)
				return EV_UNSUP;
		} else {
			v = one;
		}
	}
	x->depth--;
	if (contains)
		return rego_builder_finish(&set, out, &e) == WRIT_OK ? EV_OK : EV_UNSUP;
	if (v == NULL) {
		for (i = 0; i < x->m->nrules; i++)
			if (strcmp(x->m->rules[i].name, name) == 0 &&
			    x->m->rules[i].kind == R_CONTAINS) {
				*out = &rego_empty_set_val;
				return EV_OK;
			}
	}
	if (v == NULL)
		v = dflt;
	if (v == NULL)
		return EV_UNDEF;
	*out = v;
	return EV_OK;
}

/* ---------------------------------------------------------------------------
 * The conformance cases.
 */
static const char *const folders[] = {
    "cryptohmacequal",
    "cryptohmacmd5",
    "cryptohmacsha1",
    "cryptohmacsha256",
    "cryptohmacsha512",
    "cryptomd5",
    "cryptoparsersaprivatekeys",
    "cryptosha1",
    "cryptosha256",
    "cryptox509parseandverifycertificates",
    "cryptox509parsecertificaterequest",
    "cryptox509parsecertificates",
    "cryptox509parsekeypair",
    "cryptox509parsersaprivatekey",
    "graphql",
    "jwtbuiltins",
    "jwtdecodeverify",
    "jwtencodesign",
    "jwtencodesignheadererrors",
    "jwtencodesignpayloaderrors",
    "jwtencodesignraw",
    "jwtverifyeddsa",
    "jwtverifyhs256",
    "jwtverifyhs384",
    "jwtverifyhs512",
    "jwtverifyrsa",
    "netcidrcontains",
    "netcidrcontainsmatches",
    "netcidrexpand",
    "netcidrintersects",
    "netcidrisvalid",
    "netcidrmerge",
    "netlookupipaddr",
    "providers-aws",
    "semvercompare",
    "semverisvalid",
    "time",
    "uuid",
};

struct stats {
	size_t total, covered, pass;
};

/* Value as OPA prints it in results (sets as arrays), parsed back. */
static const struct rego_val *
as_json(const struct rego_val *v)
{
	struct writ_buf b;
	struct writ_err e;
	const struct rego_val *w = NULL;

	writ_buf_init(&b, 0);
	if (rego_json_write(&b, v, NULL, &e) != WRIT_OK ||
	    rego_json_parse(A, b.ptr, b.len, NULL, &w, &e) != WRIT_OK)
		w = NULL;
	writ_buf_free(&b);
	return w;
}

static const struct rego_val *
field(const struct rego_val *c, const char *name)
{
	return rego_object_get_str(c, name, strlen(name));
}

/* Run one case: 1 pass, 0 fail, -1 not covered.  why gets a reason on failure. */
static int
run_case(const struct rego_val *c, char *why, size_t whylen)
{
	const struct rego_val *mods = field(c, "modules"), *q = field(c, "query");
	const struct rego_val *want = field(c, "want_result"), *wcode = field(c, "want_error_code");
	const struct rego_val *werr = field(c, "want_error"), *strict = field(c, "strict_error");
	struct ectx x = {0};
	struct module *m = writ_arena_calloc(A, 1, sizeof(*m));
	struct rego_builder bind;
	struct writ_err e;
	const struct rego_val *got, *want0;
	char qbuf[512], *save = NULL, *part;
	enum ev ev = EV_OK;

	assert_non_null(m);
	if (mods == NULL || mods->len != 1 || q == NULL || q->len >= sizeof(qbuf) ||
	    !parse_module(mods->u.elems[0]->u.s, mods->u.elems[0]->len, m))
		return -1;
	x.m = m;
	x.input = field(c, "input");
	x.data = field(c, "data") ? field(c, "data") : &rego_empty_object_val;
	x.strict = strict != NULL && strict->type == REGO_BOOL && strict->u.b;
	if (field(c, "input_term") != NULL)
		return -1;
	memcpy(qbuf, q->u.s, q->len);
	qbuf[q->len] = '\0';
	rego_builder_init(&bind, A, REGO_OBJECT);
	/* "data.pkg.rule = var; ..." */
	for (part = strtok_r(qbuf, ";", &save); part != NULL; part = strtok_r(NULL, ";", &save)) {
		char path[128], var[64], rule[160];
		const struct rego_val *k, *v;

		if (sscanf(part, " %127s = %63s", path, var) != 2)
			return -1;
		snprintf(rule, sizeof(rule), "data.%s.", m->pkg);
		if (strncmp(path, rule, strlen(rule)) != 0 || strchr(path + strlen(rule), '.'))
			return -1;
		snprintf(rule, sizeof(rule), "%s", path + strlen("data.") + strlen(m->pkg) + 1);
		ev = eval_rule(&x, rule, &v);
		if (ev != EV_OK)
			break;
		if (rego_string(A, var, strlen(var), &k, &e) != WRIT_OK ||
		    rego_builder_put(&bind, k, v, &e) != WRIT_OK)
			return -1;
	}
	if (ev == EV_UNSUP)
		return -1;
	if (ev == EV_ERR) {
		char full[700];

		snprintf(full, sizeof(full), "%s: %s", x.err.code, x.err.message);
		if (wcode == NULL && werr == NULL) {
			snprintf(why, whylen, "unexpected error %s", full);
			return 0;
		}
		if (wcode != NULL && strcmp(wcode->u.s, x.err.code) != 0) {
			snprintf(why, whylen, "code: got %s", full);
			return 0;
		}
		if (werr != NULL && strstr(full, werr->u.s) == NULL) {
			snprintf(why, whylen, "message: got %s", full);
			return 0;
		}
		return 1;
	}
	if (want == NULL) {
		snprintf(why, whylen, "no error (%s)", ev == EV_UNDEF ? "undefined" : "defined");
		return 0;
	}
	if (ev == EV_UNDEF) {
		if (want->len == 0)
			return 1;
		snprintf(why, whylen, "undefined (last error: %s: %s)", x.err.code, x.err.message);
		return 0;
	}
	if (rego_builder_finish(&bind, &got, &e) != WRIT_OK || (got = as_json(got)) == NULL)
		return -1;
	want0 = want->len == 1 ? want->u.elems[0] : NULL;
	if (want0 != NULL && rego_equal(got, want0))
		return 1;
	{
		struct writ_buf b;

		writ_buf_init(&b, 0);
		if (rego_json_write(&b, got, NULL, &e) == WRIT_OK)
			snprintf(why, whylen, "got %.600s", b.ptr);
		writ_buf_free(&b);
	}
	return 0;
}

static FILE *
open_cases(void)
{
	char path[4096];
	const char *src = __FILE__, *slash;

	if (getenv("WRIT_REGO_CONFORMANCE") != NULL) {
		snprintf(path, sizeof(path), "%s/v1-cases.jsonl", getenv("WRIT_REGO_CONFORMANCE"));
	} else {
		slash = strstr(src, "/tests/unit/");
		snprintf(path, sizeof(path), "%.*s/../shared/conformance/opa/v1-cases.jsonl",
		    slash != NULL ? (int)(slash - src) : 1, slash != NULL ? src : ".");
	}
	return fopen(path, "r");
}

static int
folder_index(const struct rego_val *file)
{
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(folders); i++) {
		size_t n = strlen(folders[i]);

		if (file->len > 3 + n && memcmp(file->u.s, "v1/", 3) == 0 &&
		    memcmp(file->u.s + 3, folders[i], n) == 0 && file->u.s[3 + n] == '/')
			return (int)i;
	}
	return -1;
}

static void
test_conformance(void **state)
{
	struct stats st[WRIT_ARRAY_LEN(folders)] = {{0}}, all = {0};
	const bool verbose = getenv("WRIT_TEST_VERBOSE") != NULL;
	char *line = NULL, why[1024];
	size_t cap = 0, i, nfail = 0;
	ssize_t len;
	FILE *fp;

	(void)state;
	if ((fp = open_cases()) == NULL) {
		print_message("skipped: conformance cases not found\n");
		skip();
	}
	while ((len = getline(&line, &cap, fp)) > 0) {
		const struct rego_val *c, *file, *note;
		struct writ_err err;
		int fi, res;

		writ_arena_reset(A);
		assert_int_equal(rego_json_parse(A, line, (size_t)len, NULL, &c, &err), WRIT_OK);
		file = field(c, "file");
		note = field(c, "note");
		if ((fi = folder_index(file)) < 0)
			continue;
		st[fi].total++;
		why[0] = '\0';
		res = run_case(c, why, sizeof(why));
		if (res >= 0)
			st[fi].covered++;
		if (res == 1)
			st[fi].pass++;
		/* Known and intended: names are never resolved (no network from policies). */
		if (res == 0 && strcmp(note->u.s, "net.lookup_ip_addr/localhost") != 0)
			nfail++;
		if (verbose && res == 0)
			print_message("FAIL %s: %s\n", note->u.s, why);
		if (verbose && res < 0 && getenv("WRIT_TEST_VERBOSE")[0] == '2')
			print_message("SKIP %s\n", note->u.s);
	}
	free(line);
	fclose(fp);
	print_message("%-40s %6s %8s %6s\n", "folder", "cases", "covered", "pass");
	for (i = 0; i < WRIT_ARRAY_LEN(folders); i++) {
		print_message(
		    "%-40s %6zu %8zu %6zu\n", folders[i], st[i].total, st[i].covered, st[i].pass);
		all.total += st[i].total;
		all.covered += st[i].covered;
		all.pass += st[i].pass;
	}
	print_message("%-40s %6zu %8zu %6zu\n", "all", all.total, all.covered, all.pass);
	if (nfail > 0)
		fail_msg("%zu covered cases failed (WRIT_TEST_VERBOSE=1 lists them)", nfail);
}

/* ---------------------------------------------------------------------------
 * Hand-written cases: what the conformance cases reach only through
 * iteration, and the limits and families they do not cover.
 */

/* Call name with JSON arguments; want is JSON, or "!substring" for an error. */
static void
check(const char *name, const char *const *jargs, size_t n, const char *want)
{
	const struct rego_builtin *b = rego_builtin_lookup(name, strlen(name));
	const struct rego_val *args[8], *out = NULL, *w;

	struct writ_rego_error err;
	struct rego_bctx c = {
	    .arena = A, .name = name, .now_ns = 1700000000000000000LL, .err = &err};
	struct writ_err e;
	enum rego_bres r;
	size_t i;

	memset(&err, 0, sizeof(err));
	if (b == NULL || b->nargs != n)
		fail_msg("%s: not registered with %zu operands", name, n);
	for (i = 0; i < n; i++)
		if (rego_json_parse(A, jargs[i], strlen(jargs[i]), NULL, &args[i], &e) != WRIT_OK)
			fail_msg("%s: bad argument %s", name, jargs[i]);
	r = b->fn(&c, args, &out);
	if (want[0] == '!') {
		if (r != REGO_B_ERR || strstr(err.message, want + 1) == NULL)
			fail_msg("%s: want error %s, got %d %s", name, want + 1, r, err.message);
		return;
	}
	if (r != REGO_B_OK)
		fail_msg("%s: %s", name, err.message);
	if (rego_json_parse(A, want, strlen(want), NULL, &w, &e) != WRIT_OK)
		fail_msg("bad want %s", want);
	if (!rego_equal(as_json(out), w)) {
		struct writ_buf bb;

		writ_buf_init(&bb, 0);
		assert_int_equal(rego_json_write(&bb, out, NULL, &e), WRIT_OK);
		fail_msg("%s: got %s want %s", name, bb.ptr, want);
	}
}

#define CHECK(name, want, ...)                             \
	do {                                               \
		const char *const a_[] = {__VA_ARGS__};    \
		check(name, a_, WRIT_ARRAY_LEN(a_), want); \
	} while (0)

static void
test_time_extra(void **state)
{
	(void)state;
	/* time/parse_nanos, which iterates over its cases. */
	CHECK("time.parse_ns", "1496455200000000000", "\"2006-01-02T15:04:05Z07:00\"",
	    "\"2017-06-02T19:00:00-07:00\"");
	CHECK("time.parse_ns", "-9223372036854775808", "\"2006-01-02T15:04:05Z07:00\"",
	    "\"1677-09-21T00:12:43.145224192-00:00\"");
	CHECK("time.parse_ns", "9223372036854775807", "\"2006-01-02T15:04:05Z07:00\"",
	    "\"2262-04-11T23:47:16.854775807-00:00\"");
	CHECK("time.parse_ns", "1496455200000000000", "\"01/02 03:04:05PM '06 -0700\"",
	    "\"06/02 07:00:00PM '17 -0700\"");
	CHECK("time.parse_ns", "1496455200000000000", "\"02 Jan 06 15:04 -0700\"",
	    "\"02 Jun 17 19:00 -0700\"");
	CHECK("time.parse_ns", "1496455200000000000", "\"RFC822Z\"", "\"02 Jun 17 19:00 -0700\"");
	CHECK("time.parse_ns", "!day out of range", "\"2006-01-02\"", "\"2021-02-29\"");
	CHECK("time.parse_ns", "!cannot parse", "\"2006-01-02\"", "\"2021/02/28\"");
	CHECK("time.parse_rfc3339_ns", "0", "\"1970-01-01T00:00:00-00:00\"");
	CHECK("time.parse_rfc3339_ns", "1500000000", "\"1970-01-01T00:00:01.5Z\"");
	CHECK("time.parse_duration_ns", "5415500000000", "\"1h30m15.5s\"");
	CHECK("time.parse_duration_ns", "-1500", "\"-1.5us\"");
	CHECK("time.parse_duration_ns", "!invalid duration", "\"1d\"");
	CHECK("time.parse_duration_ns", "!invalid duration", "\"9999999999h\"");
	CHECK("time.format", "\"Sat Dec  3 00:10:53 IST 2022\"",
	    "[1670006453141828752, \"Asia/Kolkata\", \"UnixDate\"]");
	CHECK("time.format", "\"2022-12-02T13:40:53.141828752-05:00\"",
	    "[1670006453141828752, \"America/New_York\"]");
	/* After the last transition in the file: the POSIX rule (EDT in July 2100). */
	CHECK("time.clock", "[8, 0, 0]", "[4118558400000000000, \"America/New_York\"]");
	CHECK("time.date", "!unknown time zone", "[0, \"../../etc/passwd\"]");
	CHECK("time.date", "!unknown time zone", "[0, \"No/Such_Zone\"]");
	CHECK("time.weekday", "\"Thursday\"", "0");
	CHECK("time.add_date", "86400000000000", "0", "0", "0", "1");
	CHECK("time.diff", "[0, 0, 0, 0, 1, 1]", "61000000000", "0");
	CHECK("test.sleep", "null", "\"1ms\"");
	CHECK("test.sleep", "null", "\"-1h\"");
	CHECK("test.sleep", "!time: invalid duration \"1d\"", "\"1d\"");
	CHECK("test.sleep", "!operand 1 must be string but got number", "1");
}

/* test.sleep stops at the evaluation's deadline instead of outlasting it. */
static void
test_sleep_deadline(void **state)
{
	const struct rego_builtin *b = rego_builtin_lookup("test.sleep", 10);
	const struct rego_val *arg[1], *out = NULL;
	struct writ_rego_error err;
	struct rego_bctx c = {.arena = A, .name = "test.sleep", .err = &err};
	uint64_t t0;

	(void)state;
	assert_non_null(b);
	memset(&err, 0, sizeof(err));
	arg[0] = rfx_json("\"1h\"", 4);
	c.deadline_ms = writ_time_mono_ms() + 1000;
	t0 = writ_time_mono_ms();
	assert_int_equal(b->fn(&c, arg, &out), REGO_B_ERR);
	assert_string_equal(err.code, "eval_cancel_error");
	assert_true(writ_time_mono_ms() - t0 < 500);
	/* A sleep that ends before the deadline sleeps. */
	arg[0] = rfx_json("\"20ms\"", 6);
	t0 = writ_time_mono_ms();
	assert_int_equal(b->fn(&c, arg, &out), REGO_B_OK);
	assert_true(writ_time_mono_ms() - t0 >= 19);
	assert_int_equal(out->type, REGO_NULL);
}

static void
test_net_uuid_extra(void **state)
{
	const struct rego_builtin *b = rego_builtin_lookup("uuid.rfc4122", 12);
	struct writ_rego_error err;
	struct rego_bctx c = {.arena = A, .name = "uuid.rfc4122", .err = &err};
	const struct rego_val *k = &rego_empty_string_val, *out;

	(void)state;
	CHECK("net.cidr_expand", "!more than", "\"10.0.0.0/8\"");
	CHECK("net.cidr_expand", "[\"::\", \"::1\"]", "\"::/127\"");
	CHECK("net.cidr_merge", "[\"192.0.2.112/24\"]", "[\"192.0.2.112\"]");
	CHECK("net.cidr_contains", "true", "\"10.0.0.0/8\"", "\"::ffff:10.1.2.3\"");
	CHECK("net.cidr_is_valid", "false", "\"010.0.0.0/8\"");
	CHECK("net.lookup_ip_addr", "!DNS lookups are disabled", "\"example.com\"");
	CHECK("uuid.parse", "{\"variant\": \"RFC4122\", \"version\": 4}",
	    "\"URN:UUID:00000000-0000-4000-8000-000000000000\"");
	assert_non_null(b);
	assert_int_equal(b->fn(&c, &k, &out), REGO_B_OK);
	assert_int_equal(out->len, 36);
	assert_true(out->u.s[14] == '4' && strchr("89ab", out->u.s[19]) != NULL);
	CHECK("semver.compare", "-1", "\"1.0.0-alpha.1\"", "\"1.0.0-alpha.beta\"");
	CHECK("semver.compare", "1", "\"1.0.0\"", "\"1.0.0-rc.1\"");
	CHECK("semver.compare", "0", "\"v1.2.3+build\"", "\"1.2.3\"");
}

static void
test_yaml(void **state)
{
	(void)state;
	CHECK("yaml.unmarshal", "{\"a\": [1, 2.5, true, null, \"x\"], \"b\": {\"c\": \"yes\"}}",
	    "\"a: [1, 2.5, yes, ~, x]\\nb:\\n  c: 'yes'\\n\"");
	CHECK("yaml.unmarshal", "{\"base\": {\"k\": 1}, \"copy\": {\"k\": 1}}",
	    "\"base: &b {k: 1}\\ncopy: *b\\n\"");
	CHECK("yaml.unmarshal", "!unsupported value", "\"a: .inf\"");
	CHECK("yaml.unmarshal", "!yaml", "\"a: [1, 2\"");
	CHECK("yaml.is_valid", "false", "\"{\"");
	CHECK("yaml.is_valid", "true", "\"- a\\n- b\\n\"");
	CHECK("yaml.marshal", "\"a:\\n- 1\\n- \\\"true\\\"\\nb: {}\\n\"",
	    "{\"a\": [1, \"true\"], \"b\": {}}");
}

static void
test_crypto_extra(void **state)
{
	(void)state;
	CHECK("crypto.sha256",
	    "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"", "\"\"");
	CHECK("crypto.hmac.equal", "false", "\"abc\"", "\"abd\"");
	CHECK("io.jwt.decode", "!no period separators", "\"abc\"");
	CHECK("io.jwt.decode_verify", "!no key constraint", "\"a.b.c\"", "{}");
	CHECK("io.jwt.decode_verify", "!unknown token validation constraint: foo", "\"a.b.c\"",
	    "{\"foo\": 1}");
	CHECK("crypto.x509.parse_certificates", "!illegal base64", "\"!!\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_conformance, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_time_extra, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_sleep_deadline, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_net_uuid_extra, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_yaml, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_crypto_extra, rfx_setup, rfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
