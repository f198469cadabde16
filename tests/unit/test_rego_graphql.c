/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the graphql builtin family (lib/rego/builtins/graphql*.c):
 * hand-written checks of limits and of behaviour the conformance cases do
 * not reach, and a replay of every case in OPA's "graphql" conformance
 * folder.
 *
 * There is no evaluator yet, and test_rego_builtins.c's extractor leaves out
 * the cases that unify an array pattern with a call ("[valid, ast, _] =
 * graphql.parse_and_verify(q, s)"), so this file reads the cases itself
 * (../shared/conformance/opa/v1-cases.jsonl beside the repository, or
 * $WRIT_REGO_OPA_CASES) and interprets the small part of Rego those modules
 * use: constants (strings, raw strings, composites, calls), and a rule "p if
 * { ... }" or "p := x if { ... }" whose body holds calls, comparisons,
 * negations and unifications of patterns with calls.  The outcome is
 * compared exactly with want_result, or with want_error_code and want_error.
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

#define J rfx_json

static const char *
JS(const struct rego_val *v)
{
	static char out[2][65536];
	static int k;
	struct writ_buf b;
	struct writ_err err = {0};

	k = (k + 1) % 2;
	writ_buf_init(&b, 0);
	if (v == NULL || rego_json_write(&b, v, NULL, &err) != WRIT_OK)
		snprintf(out[k], sizeof(out[k]), "<none>");
	else
		snprintf(out[k], sizeof(out[k]), "%s", b.ptr);
	writ_buf_free(&b);
	return out[k];
}

static const struct rego_val *
STR(const char *s)
{
	const struct rego_val *v;
	struct writ_err err;

	assert_int_equal(rego_string(A, s, strlen(s), &v, &err), WRIT_OK);
	return v;
}

static enum rego_bres
call(const char *name, const struct rego_val *const *args, const struct rego_val **out,
    struct writ_rego_error *e)
{
	const struct rego_builtin *b = rego_builtin_lookup(name, strlen(name));
	struct rego_bctx c = {.arena = A, .name = name, .strict = true, .err = e};

	memset(e, 0, sizeof(*e));
	if (b == NULL)
		fail_msg("no builtin %s", name);
	*out = NULL;
	return b->fn(&c, args, out);
}

/* ---------------------------------------------------------------------------
 * Hand-written checks.
 */

static void
expect_err1(const char *name, const struct rego_val *arg, const char *code, const char *msg)
{
	const struct rego_val *args[1] = {arg}, *out;
	struct writ_rego_error e;

	if (call(name, args, &out, &e) != REGO_B_ERR)
		fail_msg("%s: no error (%s)", name, JS(out));
	if (strcmp(e.code, code) != 0 || strstr(e.message, msg) == NULL)
		fail_msg("%s: %s: %s; want %s: %s", name, e.code, e.message, code, msg);
}

static void
test_limits(void **state)
{
	struct writ_buf b;
	size_t i;

	(void)state;
	writ_buf_init(&b, 0);
	for (i = 0; i < 300; i++)
		assert_int_equal(writ_buf_appends(&b, "{a"), WRIT_OK);
	expect_err1("graphql.parse_query", STR(b.ptr), "eval_builtin_error", "nesting deeper than");
	writ_buf_reset(&b);
	for (i = 0; i < 300; i++)
		assert_int_equal(writ_buf_appends(&b, "["), WRIT_OK);
	expect_err1("graphql.parse_query", STR(b.ptr), "eval_builtin_error", "");
	writ_buf_reset(&b);
	assert_int_equal(writ_buf_appends(&b, "type Q { a: "), WRIT_OK);
	for (i = 0; i < 300; i++)
		assert_int_equal(writ_buf_appends(&b, "["), WRIT_OK);
	expect_err1(
	    "graphql.parse_schema", STR(b.ptr), "eval_builtin_error", "nesting deeper than");
	writ_buf_reset(&b);
	assert_int_equal(writ_buf_appends(&b, "type Q { "), WRIT_OK);
	for (i = 0; i < 100000; i++)
		assert_int_equal(writ_buf_appends(&b, "a: Int "), WRIT_OK);
	expect_err1("graphql.parse_schema", STR(b.ptr), "eval_builtin_error", "tokens");
	writ_buf_free(&b);
	expect_err1("graphql.parse_query", &rego_null_val, "eval_type_error",
	    "operand 1 must be string but got null");
}

static void
test_lexer_errors(void **state)
{
	(void)state;
	expect_err1("graphql.parse_query", STR("{ f(a: \"x) }"), "eval_builtin_error",
	    "Unexpected <Invalid> in GraphQL string at location 1:13");
	expect_err1("graphql.parse_schema", STR("schema { \"x }"), "eval_builtin_error",
	    "Unterminated string. in GraphQL string at location 1:14");
	expect_err1("graphql.parse_query", STR("{ f(a: 01) }"), "eval_builtin_error",
	    "Unexpected <Invalid> in GraphQL string at location 1:9");
	expect_err1("graphql.parse_query", STR("{ f(a: 'x') }"), "eval_builtin_error",
	    "Unexpected <Invalid>");
}

static void
test_schema_and_objects(void **state)
{
	const struct rego_val *args[2], *out, *s, *q;
	struct writ_rego_error e;

	(void)state;
	args[0] = STR("type Query { a(x: Int!): Int b: B } type B { c: String }");
	assert_int_equal(call("graphql.parse_schema", args, &s, &e), REGO_B_OK);
	args[0] = STR("query Q($v: Int!) { a(x: $v) b { c } }");
	assert_int_equal(call("graphql.parse_query", args, &q, &e), REGO_B_OK);
	args[0] = q;
	args[1] = s;
	assert_int_equal(call("graphql.is_valid", args, &out, &e), REGO_B_OK);
	assert_true(out->u.b);
	assert_int_equal(call("graphql.parse", args, &out, &e), REGO_B_OK);
	assert_true(rego_equal(rego_array_get(out, 0), q));
	assert_true(rego_equal(rego_array_get(out, 1), s));
	args[0] = STR("{ a }");
	assert_int_equal(call("graphql.parse", args, &out, &e), REGO_B_ERR);
	assert_string_equal(e.message,
	    "graphql.parse: Field \"a\" argument \"x\" of type \"Int!\" is required, but it was "
	    "not provided in GraphQL string at location 1:3");
	args[0] = STR("{ b }");
	assert_int_equal(call("graphql.parse", args, &out, &e), REGO_B_ERR);
	assert_string_equal(e.message,
	    "graphql.parse: Field \"b\" of type \"B\" must have a selection of subfields. Did "
	    "you mean \"b { ... }\"?\n in GraphQL string at location 1:3");
	args[0] = &rego_true_val;
	assert_int_equal(call("graphql.parse", args, &out, &e), REGO_B_ERR);
	assert_string_equal(e.code, "eval_type_error");
	assert_int_equal(call("graphql.parse_and_verify", args, &out, &e), REGO_B_OK);
	assert_string_equal(JS(out), "[false,{},{}]");
	args[0] = STR("{ b { c } }");
	args[1] = STR("type Query { b: B } type B { c: String } type B { d: Int }");
	assert_int_equal(call("graphql.parse", args, &out, &e), REGO_B_ERR);
	assert_string_equal(e.message,
	    "graphql.parse: Error in gqlparser SchemaDocument to Schema "
	    "conversion: input:1:47: Cannot redeclare type B.");
}

/* Every allocation failure (arena cap or malloc) is an error, never a crash or a wrong answer. */
static void
test_out_of_memory(void **state)
{
	static const char *const names[] = {"graphql.parse", "graphql.is_valid",
	    "graphql.parse_and_verify", "graphql.schema_is_valid", "graphql.parse_query"};
	const char *q = "query Q($v: Int = 1) { a(x: $v) ...F b { ... on B { c } } } "
	                "fragment F on Query { b { c } }";
	const char *sdl = "\"d\" type Query { a(x: Int!): Int b: B } type B { c: String } "
	                  "extend type B { d: [Int!] } directive @k(r: String = \"x\") on FIELD";
	size_t cap, n, i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(names); i++) {
		const struct rego_val *args0[2], *ref;
		struct writ_rego_error e0;
		char want[65536];

		args0[0] = STR(i == 3 ? sdl : q);
		args0[1] = STR(sdl);
		assert_int_equal(call(names[i], args0, &ref, &e0), REGO_B_OK);
		snprintf(want, sizeof(want), "%s", JS(ref));
		for (cap = 1024; cap < (1u << 20); cap += cap / 8) {
			struct writ_arena *a = writ_arena_new(cap, 0);
			const struct rego_val *args[2], *out = NULL;
			struct writ_rego_error e;
			struct rego_bctx c = {
			    .arena = a, .name = names[i], .strict = true, .err = &e};
			const struct rego_builtin *b =
			    rego_builtin_lookup(names[i], strlen(names[i]));
			struct writ_err err;
			enum rego_bres r;

			memset(&e, 0, sizeof(e));
			assert_non_null(a);
			if (rego_string(a, i == 3 ? sdl : q, strlen(i == 3 ? sdl : q), &args[0],
			        &err) != WRIT_OK ||
			    rego_string(a, sdl, strlen(sdl), &args[1], &err) != WRIT_OK) {
				writ_arena_free(a);
				continue;
			}
			r = b->fn(&c, args, &out);
			if (r != REGO_B_OK &&
			    (r != REGO_B_ERR || strcmp(e.code, "eval_cancel_error") != 0))
				fail_msg("%s, cap %zu: %s: %s", names[i], cap, e.code, e.message);
			if (r == REGO_B_OK && strcmp(JS(out), want) != 0)
				fail_msg("%s, cap %zu: %s", names[i], cap, JS(out));
			writ_arena_free(a);
			if (r == REGO_B_OK)
				break;
		}
		for (n = 1; n < 10000; n++) {
			const struct rego_val *args[2], *out = NULL;
			struct writ_rego_error e;
			struct rego_bctx c = {
			    .arena = A, .name = names[i], .strict = true, .err = &e};
			const struct rego_builtin *b =
			    rego_builtin_lookup(names[i], strlen(names[i]));
			enum rego_bres r;

			memset(&e, 0, sizeof(e));
			writ_arena_reset(A);
			args[0] = STR(i == 3 ? sdl : q);
			args[1] = STR(sdl);
			writ_fault_set((long)n);
			r = b->fn(&c, args, &out);
			writ_fault_set(0);
			if (r == REGO_B_OK && strcmp(JS(out), want) != 0)
				fail_msg("%s, fault %zu: %s", names[i], n, JS(out));
			if (r != REGO_B_OK &&
			    (r != REGO_B_ERR ||
			        (strcmp(e.code, "eval_internal_error") != 0 &&
			            strcmp(e.code, "eval_cancel_error") != 0)))
				fail_msg("%s, fault %zu: %s: %s", names[i], n, e.code, e.message);
			if (r == REGO_B_OK && !writ_fault_fired())
				break;
		}
	}
}

/* ---------------------------------------------------------------------------
 * A small interpreter for the conformance modules.
 */

enum tk {
	T_EOF,
	T_NL,
	T_ID,
	T_STR,
	T_RAW,
	T_NUM,
	T_PUNCT
};

struct tok {
	enum tk k;
	const char *s;
	size_t len;
};

struct mod {
	struct tok t[8192];
	size_t n, i;
	/* constants: name -> term start index */
	const char *cname[64];
	size_t clen[64], cstart[64];
	const struct rego_val *cval[64];
	size_t nconst;
	/* variables bound in the body */
	const char *vname[32];
	size_t vlen[32];
	const struct rego_val *vval[32];
	size_t nvars;
	struct writ_rego_error err;
	bool failed; /* a builtin error */
	bool unsupported;
};

static void
lex(struct mod *m, const char *s)
{
	size_t n = 0;

	while (*s != '\0' && n + 1 < WRIT_ARRAY_LEN(m->t)) {
		const char *st = s;

		if (*s == ' ' || *s == '\t' || *s == '\r') {
			s++;
			continue;
		}
		if (*s == '#') {
			while (*s != '\0' && *s != '\n')
				s++;
			continue;
		}
		if (*s == '\n') {
			m->t[n++] = (struct tok){T_NL, s++, 1};
		} else if (*s == '"') {
			for (s++; *s != '\0' && *s != '"'; s++)
				if (*s == '\\' && s[1] != '\0')
					s++;
			s += *s != '\0';
			m->t[n++] = (struct tok){T_STR, st, (size_t)(s - st)};
		} else if (*s == '`') {
			for (s++; *s != '\0' && *s != '`'; s++)
				;
			m->t[n++] = (struct tok){T_RAW, st + 1, (size_t)(s - st - 1)};
			s += *s != '\0';
		} else if ((*s >= '0' && *s <= '9') || (*s == '-' && s[1] >= '0' && s[1] <= '9')) {
			for (s++; (*s >= '0' && *s <= '9') || *s == '.' || *s == 'e' || *s == 'E';
			     s++)
				;
			m->t[n++] = (struct tok){T_NUM, st, (size_t)(s - st)};
		} else if (*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) {
			while (*s == '_' || *s == '.' || (*s >= 'a' && *s <= 'z') ||
			    (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))
				s++;
			m->t[n++] = (struct tok){T_ID, st, (size_t)(s - st)};
		} else if ((s[0] == ':' || s[0] == '=') && s[1] == '=') {
			m->t[n++] = (struct tok){T_PUNCT, st, 2};
			s += 2;
		} else {
			m->t[n++] = (struct tok){T_PUNCT, s++, 1};
		}
	}
	m->t[n] = (struct tok){T_EOF, s, 0};
	m->n = n;
}

/* Is t the keyword or punctuation s (never a string's contents)? */
static bool
is(const struct tok *t, const char *s)
{
	return t->k != T_STR && t->k != T_RAW && t->len == strlen(s) &&
	    memcmp(t->s, s, t->len) == 0;
}

static const struct tok *
cur(struct mod *m, bool skipnl)
{
	while (skipnl && m->t[m->i].k == T_NL)
		m->i++;
	return &m->t[m->i];
}

static const struct tok *
take(struct mod *m, bool skipnl)
{
	const struct tok *t = cur(m, skipnl);

	if (t->k != T_EOF)
		m->i++;
	return t;
}

static const struct rego_val *term(struct mod *m);

static const struct rego_val *
lookup(struct mod *m, const struct tok *t)
{
	size_t i, save;

	for (i = 0; i < m->nvars; i++)
		if (m->vlen[i] == t->len && memcmp(m->vname[i], t->s, t->len) == 0)
			return m->vval[i];
	for (i = 0; i < m->nconst; i++)
		if (m->clen[i] == t->len && memcmp(m->cname[i], t->s, t->len) == 0) {
			if (m->cval[i] == NULL) {
				save = m->i;
				m->i = m->cstart[i];
				m->cval[i] = term(m);
				m->i = save;
			}
			return m->cval[i];
		}
	return NULL;
}

static const struct rego_val *
composite(struct mod *m, bool array)
{
	struct rego_builder b;
	const struct rego_val *v, *k;
	struct writ_err err;

	rego_builder_init(&b, A, array ? REGO_ARRAY : REGO_OBJECT);
	for (;;) {
		if (is(cur(m, true), array ? "]" : "}")) {
			take(m, true);
			break;
		}
		if ((k = term(m)) == NULL)
			return NULL;
		if (array) {
			assert_int_equal(rego_builder_push(&b, k, &err), WRIT_OK);
		} else {
			if (!is(take(m, true), ":")) {
				m->unsupported = true;
				return NULL;
			}
			if ((v = term(m)) == NULL)
				return NULL;
			assert_int_equal(rego_builder_put(&b, k, v, &err), WRIT_OK);
		}
		if (is(cur(m, true), ","))
			take(m, true);
	}
	assert_int_equal(rego_builder_finish(&b, &v, &err), WRIT_OK);
	return v;
}

/* A call name( args ): the builtin's result, or NULL when undefined or failed. */
static const struct rego_val *
call_term(struct mod *m, const struct tok *name)
{
	const struct rego_val *args[4], *out;
	char fn[64];
	unsigned n = 0;
	enum rego_bres r;

	while (!is(cur(m, true), ")")) {
		if (n == 4 || (args[n++] = term(m)) == NULL)
			return NULL;
		if (is(cur(m, true), ","))
			take(m, true);
	}
	take(m, true);
	snprintf(fn, sizeof(fn), "%.*s", (int)name->len, name->s);
	if (rego_builtin_lookup(fn, strlen(fn)) == NULL) {
		m->unsupported = true;
		return NULL;
	}
	r = call(fn, args, &out, &m->err);
	if (r == REGO_B_ERR)
		m->failed = true;
	return r == REGO_B_OK ? out : NULL;
}

static const struct rego_val *
term(struct mod *m)
{
	const struct tok *t = take(m, true);
	const struct rego_val *v;
	struct writ_err err;

	if (m->failed || m->unsupported)
		return NULL;
	switch (t->k) {
	case T_STR:
		return J(t->s, t->len);
	case T_RAW:
		assert_int_equal(rego_string(A, t->s, t->len, &v, &err), WRIT_OK);
		return v;
	case T_NUM:
		assert_int_equal(rego_number_parse(A, t->s, t->len, &v, &err), WRIT_OK);
		return v;
	case T_ID:
		if (is(t, "true") || is(t, "false"))
			return rego_bool(is(t, "true"));
		if (is(t, "null"))
			return &rego_null_val;
		if (is(cur(m, false), "(")) {
			take(m, false);
			return call_term(m, t);
		}
		if ((v = lookup(m, t)) == NULL)
			m->unsupported = true;
		return v;
	case T_PUNCT:
		if (is(t, "[") || is(t, "{"))
			return composite(m, is(t, "["));
		break;
	default:
		break;
	}
	m->unsupported = true;
	return NULL;
}

static void
bind(struct mod *m, const struct tok *t, const struct rego_val *v)
{
	assert_true(m->nvars < WRIT_ARRAY_LEN(m->vname));
	m->vname[m->nvars] = t->s;
	m->vlen[m->nvars] = t->len;
	m->vval[m->nvars++] = v;
}

/* Unify the pattern at the cursor with v: unbound names bind, "_" matches anything. */
static bool
unify(struct mod *m, const struct rego_val *v)
{
	const struct tok *t = cur(m, true);
	const struct rego_val *have;
	size_t i;

	if (t->k == T_ID && !is(t, "true") && !is(t, "false") && !is(t, "null") &&
	    !is(&m->t[m->i + 1], "(")) {
		take(m, true);
		if (is(t, "_"))
			return true;
		if ((have = lookup(m, t)) == NULL) {
			m->unsupported = false;
			bind(m, t, v);
			return true;
		}
		return rego_equal(have, v);
	}
	if (is(t, "[")) {
		bool ok = v->type == REGO_ARRAY;

		take(m, true);
		for (i = 0; !is(cur(m, true), "]"); i++) {
			const struct rego_val *e = rego_array_get(v, i);

			ok = unify(m, e != NULL ? e : &rego_null_val) && ok && e != NULL;
			if (is(cur(m, true), ","))
				take(m, true);
		}
		take(m, true);
		return ok && i == v->len;
	}
	have = term(m);
	return have != NULL && rego_equal(have, v);
}

/* The end of the expression at the cursor (a newline outside brackets, or "}"). */
static size_t
stmt_end(struct mod *m)
{
	size_t i = m->i;
	int depth = 0;

	for (;; i++) {
		const struct tok *t = &m->t[i];

		if (t->k == T_EOF || (depth == 0 && (t->k == T_NL || is(t, ";") || is(t, "}"))))
			return i;
		if (is(t, "[") || is(t, "{") || is(t, "("))
			depth++;
		if (is(t, "]") || is(t, "}") || is(t, ")"))
			depth--;
	}
}

/* One body statement; false when it makes the rule undefined. */
static bool
statement(struct mod *m)
{
	size_t end = stmt_end(m), i, op = 0;
	const struct rego_val *l, *r;
	bool neg = false;

	if (is(cur(m, true), "not")) {
		take(m, true);
		neg = true;
	}
	for (i = m->i; i < end; i++)
		if (op == 0 && (is(&m->t[i], "=") || is(&m->t[i], ":=") || is(&m->t[i], "==")))
			op = i;
	if (op != 0 && !is(&m->t[op], "==")) {
		size_t lhs = m->i;

		m->i = op + 1;
		r = term(m);
		m->i = lhs;
		if (r == NULL)
			return false;
		if (!unify(m, r))
			return false;
		m->i = end;
		return true;
	}
	l = term(m);
	if (op != 0) {
		take(m, true);
		r = term(m);
		if (l == NULL || r == NULL)
			return neg;
		return rego_equal(l, r) != neg;
	}
	if (m->failed || m->unsupported)
		return false;
	return (l != NULL && !(l->type == REGO_BOOL && !l->u.b)) != neg;
}

enum outcome {
	O_VALUE,
	O_UNDEF,
	O_ERROR,
	O_UNSUPPORTED
};

static enum outcome
run_module(struct mod *m, const char *src, const struct rego_val **result)
{
	const struct tok *head = NULL, *t;
	size_t body = 0;
	int depth;

	lex(m, src);
	if (!is(take(m, true), "package"))
		return O_UNSUPPORTED;
	take(m, false);
	while ((t = take(m, true))->k != T_EOF) {
		if (t->k != T_ID)
			return O_UNSUPPORTED;
		if (is(t, "p")) {
			if (is(cur(m, false), ":=")) {
				take(m, false);
				head = take(m, false);
			}
			if (!is(take(m, false), "if") || !is(take(m, false), "{"))
				return O_UNSUPPORTED;
			body = m->i;
			for (depth = 1; depth > 0; m->i++) {
				if (m->t[m->i].k == T_EOF)
					return O_UNSUPPORTED;
				if (is(&m->t[m->i], "[") || is(&m->t[m->i], "{") ||
				    is(&m->t[m->i], "("))
					depth++;
				if (is(&m->t[m->i], "]") || is(&m->t[m->i], "}") ||
				    is(&m->t[m->i], ")"))
					depth--;
			}
			continue;
		}
		if (!is(take(m, false), ":=") || m->nconst == WRIT_ARRAY_LEN(m->cname))
			return O_UNSUPPORTED;
		m->cname[m->nconst] = t->s;
		m->clen[m->nconst] = t->len;
		m->cstart[m->nconst++] = m->i;
		m->i = stmt_end(m);
	}
	if (body == 0)
		return O_UNSUPPORTED;
	for (m->i = body; !is(cur(m, true), "}");) {
		bool ok = statement(m);

		if (m->failed)
			return O_ERROR;
		if (m->unsupported)
			return O_UNSUPPORTED;
		if (!ok)
			return O_UNDEF;
		if (is(cur(m, false), ";"))
			take(m, false);
	}
	*result = head != NULL ? lookup(m, head) : &rego_true_val;
	return *result != NULL ? O_VALUE : O_UNDEF;
}

/* The conformance cases: $WRIT_REGO_OPA_CASES, or ../shared beside the repository. */
static FILE *
open_cases(char *path, size_t len)
{
	const char *env = getenv("WRIT_REGO_OPA_CASES"), *f = __FILE__, *p;

	if (env != NULL && env[0] != '\0') {
		snprintf(path, len, "%s", env);
	} else if ((p = strstr(f, "/tests/unit/")) != NULL) {
		snprintf(
		    path, len, "%.*s/../shared/conformance/opa/v1-cases.jsonl", (int)(p - f), f);
	} else {
		snprintf(path, len, "../shared/conformance/opa/v1-cases.jsonl");
	}
	return fopen(path, "r");
}

/* Compare one case's outcome with its expectation; why gets the difference. */
static bool
check(const struct rego_val *cs, enum outcome o, const struct rego_val *res, const struct mod *m,
    char *why, size_t whylen)
{
	const struct rego_val *want = rego_object_get_str(cs, "want_result", 11);
	const struct rego_val *wcode = rego_object_get_str(cs, "want_error_code", 15);
	const struct rego_val *werr = rego_object_get_str(cs, "want_error", 10);
	const struct rego_val *x;

	if (wcode != NULL || werr != NULL) {
		if (o == O_ERROR && (wcode == NULL || strcmp(m->err.code, wcode->u.s) == 0) &&
		    (werr == NULL || strcmp(m->err.message, werr->u.s) == 0))
			return true;
		snprintf(why, whylen, "want error %s \"%s\"; got %s",
		    wcode != NULL ? wcode->u.s : "", werr != NULL ? werr->u.s : "",
		    o == O_ERROR       ? m->err.message
		        : o == O_VALUE ? JS(res)
		                       : "undefined");
		return false;
	}
	if (want == NULL || want->type != REGO_ARRAY)
		return false;
	if (want->len == 0) {
		if (o == O_UNDEF)
			return true;
		snprintf(
		    why, whylen, "want undefined; got %s", o == O_ERROR ? m->err.message : JS(res));
		return false;
	}
	x = rego_object_get_str(want->u.elems[0], "x", 1);
	if (o == O_VALUE && x != NULL && rego_equal(x, res))
		return true;
	snprintf(why, whylen, "want %s; got %s", JS(x),
	    o == O_ERROR       ? m->err.message
	        : o == O_VALUE ? JS(res)
	                       : "undefined");
	return false;
}

/* Cases expected to fail, by note (none so far). */
static const char *const known_failures[] = {NULL};

static bool
known(const char *note)
{
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(known_failures); i++)
		if (known_failures[i] != NULL && strcmp(known_failures[i], note) == 0)
			return true;
	return false;
}

static void
test_conformance(void **state)
{
	char path[4096], *line = NULL, why[4096];
	size_t cap = 0, total = 0, covered = 0, passed = 0, nfail = 0;
	ssize_t len;
	FILE *fp;

	(void)state;
	if ((fp = open_cases(path, sizeof(path))) == NULL) {
		print_message("skipped: %s not found\n", path);
		skip();
	}
	while ((len = getline(&line, &cap, fp)) > 0) {
		static struct mod m;
		const struct rego_val *cs, *mods, *note, *res = NULL;
		enum outcome o;

		if (strstr(line, "\"file\": \"v1/graphql/") == NULL)
			continue;
		writ_arena_reset(A);
		cs = J(line, (size_t)len);
		mods = rego_object_get_str(cs, "modules", 7);
		note = rego_object_get_str(cs, "note", 4);
		total++;
		memset(&m, 0, sizeof(m));
		if (mods == NULL || mods->len != 1 ||
		    (o = run_module(&m, mods->u.elems[0]->u.s, &res)) == O_UNSUPPORTED) {
			print_message("NOT COVERED %s\n", note->u.s);
			continue;
		}
		covered++;
		why[0] = '\0';
		if (check(cs, o, res, &m, why, sizeof(why))) {
			passed++;
		} else if (!known(note->u.s)) {
			print_message("FAIL %s: %s\n", note->u.s, why);
			nfail++;
		}
	}
	free(line);
	fclose(fp);
	print_message("graphql: %zu cases, %zu covered, %zu passed, %zu unexpected failures\n",
	    total, covered, passed, nfail);
	assert_int_equal(covered, total);
	assert_int_equal(nfail, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_limits, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_lexer_errors, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_schema_and_objects, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_out_of_memory, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_conformance, rfx_setup, rfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
