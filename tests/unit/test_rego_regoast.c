/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of rego.parse_module (lib/rego/builtins/regoast.c): every kind
 * of node writ's parser makes, against the JSON OPA's ast.ParseModule and
 * encoding/json give for it (heads as OPA's parser fills them in, generated
 * bodies, wildcard numbering, sets and objects in ast.Compare order,
 * comments), parse errors in OPA's ast.Errors wording, operand checks and
 * allocation failures.
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

#define A rfx_arena

/* Pieces of OPA's JSON encoding, to keep the expectations readable. */
#define T(type, value) "{\"type\":\"" type "\",\"value\":" value "}"
#define VAR(n)         T("var", "\"" n "\"")
#define STR(s)         T("string", "\"" s "\"")
#define NUM(n)         T("number", n)
#define TRUE_T         T("boolean", "true")
#define REF(items)     T("ref", "[" items "]")
#define OP(n)          REF(VAR(n))
#define TRUE_BODY      "[{\"index\":0,\"terms\":" TRUE_T "}]"
#define EXPR(i, terms) "{\"index\":" #i ",\"terms\":" terms "}"
#define CALL(...)      "[" __VA_ARGS__ "]"

static const struct rego_val *
J(const char *s)
{
	return rfx_json(s, strlen(s));
}

static const char *
JS(const struct rego_val *v)
{
	struct writ_buf b;
	struct writ_err err = {0};
	const char *s;

	writ_buf_init(&b, 0);
	if (rego_json_write(&b, v, NULL, &err) != WRIT_OK)
		s = "<unprintable>";
	else
		s = writ_arena_strndup(A, b.ptr, b.len);
	writ_buf_free(&b);
	return s;
}

static enum rego_bres
parse_in(struct writ_arena *a, const struct rego_val *file, const struct rego_val *src,
    const struct rego_val **out, struct writ_rego_error *e)
{
	const struct rego_builtin *b = rego_builtin_lookup("rego.parse_module", 17);
	const struct rego_val *args[2] = {file, src};
	struct rego_bctx c = {.arena = a, .name = "rego.parse_module", .err = e};

	assert_non_null(b);
	assert_int_equal(b->nargs, 2);
	memset(e, 0, sizeof(*e));
	*out = NULL;
	return b->fn(&c, args, out);
}

static enum rego_bres
parse(const struct rego_val *file, const struct rego_val *src, const struct rego_val **out,
    struct writ_rego_error *e)
{
	return parse_in(A, file, src, out, e);
}

static const struct rego_val *
S(const char *s)
{
	const struct rego_val *v;
	struct writ_err err;

	assert_int_equal(rego_string(A, s, strlen(s), &v, &err), WRIT_OK);
	return v;
}

/* Parse src as "x.rego"; member of the result (NULL: all) must equal want. */
static void
check(const char *src, const char *member, const char *want)
{
	const struct rego_val *out, *got;
	struct writ_rego_error e;

	if (parse(S("x.rego"), S(src), &out, &e) != REGO_B_OK)
		fail_msg("%s: %s", src, e.message);
	got = member != NULL ? rego_object_get_str(out, member, strlen(member)) : out;
	if (got == NULL || !rego_equal(got, J(want)))
		fail_msg("%s\ngot  %s\nwant %s", src, got != NULL ? JS(got) : "(none)", want);
}

/* The rules of "package t\n" + src. */
static void
check_rules(const char *src, const char *want)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "package t\n%s", src);
	check(buf, "rules", want);
}

/* ---------------------------------------------------------------------------
 * Heads: what OPA's parser fills in for each way of writing a rule.
 */

static void
test_heads(void **state)
{
	static const struct {
		const char *src, *want;
	} cases[] = {
	    {"p if { true }",
	        "[{\"body\":" TRUE_BODY
	        ",\"head\":{\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" TRUE_T "}}]"},
	    /* No body: OPA reads an expression and makes it a rule. */
	    {"p := 1",
	        "[{\"body\":" TRUE_BODY ",\"head\":{\"assign\":true,\"name\":\"p\",\"ref\":[" VAR(
	            "p") "],\"value\":" NUM("1") "}}]"},
	    {"p = 1",
	        "[{\"body\":" TRUE_BODY
	        ",\"head\":{\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" NUM("1") "}}]"},
	    {"a.b := 1",
	        "[{\"body\":" TRUE_BODY
	        ",\"head\":{\"assign\":true,\"key\":" STR("b") ",\"name\":\"a\",\"ref\":[" VAR(
	            "a") "," STR("b") "],\"value\":" NUM("1") "}}]"},
	    {"a.b := 1 if true",
	        "[{\"body\":" TRUE_BODY ",\"head\":{\"assign\":true,\"name\":\"a\",\"ref\":[" VAR(
	            "a") "," STR("b") "],\"value\":" NUM("1") "}}]"},
	    {"a.b.c = 1",
	        "[{\"body\":" TRUE_BODY ",\"head\":{\"ref\":[" VAR("a") "," STR("b") "," STR(
	            "c") "],\"value\":" NUM("1") "}}]"},
	    {"p[x] if { x := 1 }",
	        "[{\"body\":[" EXPR(0, CALL(OP("assign") "," VAR("x") "," NUM("1"))) "],\"head\":{\"key\":" VAR(
	            "x") ",\"ref\":[" VAR("p") "," VAR("x") "],\"value\":" TRUE_T "}}]"},
	    {"p[x] := 2 if x := 1",
	        "[{\"body\":[" EXPR(0, CALL(OP("assign") "," VAR("x") "," NUM("1"))) "],\"head\":{\"assign\":true,\"key\":" VAR(
	            "x") ",\"name\":\"p\",\"ref\":[" VAR("p") "," VAR("x") "],\"value\":" NUM("2") "}}]"},
	    {"p[\"k\"] if true",
	        "[{\"body\":" TRUE_BODY
	        ",\"head\":{\"ref\":[" VAR("p") "," STR("k") "],\"value\":" TRUE_T "}}]"},
	    {"p[input.x] if true",
	        "[{\"body\":" TRUE_BODY
	        ",\"head\":{\"key\":" REF(VAR("input") "," STR("x")) ",\"ref\":[" VAR("p") "," REF(
	            VAR("input") "," STR("x")) "],\"value\":" TRUE_T "}}]"},
	    {"s.t[u] if u := 1",
	        "[{\"body\":[" EXPR(0,
	            CALL(OP("assign") "," VAR("u") "," NUM(
	                "1"))) "],\"head\":{\"ref\":[" VAR("s") "," STR("t") "," VAR("u") "],\"value\":" TRUE_T
	                                                                                  "}}]"},
	    {"r contains 1",
	        "[{\"body\":" TRUE_BODY
	        ",\"head\":{\"key\":" NUM("1") ",\"name\":\"r\",\"ref\":[" VAR("r") "]}}]"},
	    {"a.b contains 1",
	        "[{\"body\":" TRUE_BODY
	        ",\"head\":{\"key\":" NUM("1") ",\"ref\":[" VAR("a") "," STR("b") "]}}]"},
	    {"f(x) := x",
	        "[{\"body\":" TRUE_BODY
	        ",\"head\":{\"args\":[" VAR("x") "],\"assign\":true,\"name\":\"f\",\"ref\":[" VAR(
	            "f") "],\"value\":" VAR("x") "}}]"},
	    {"f(x) if x",
	        "[{\"body\":[" EXPR(0, VAR("x")) "],\"head\":{\"args\":[" VAR(
	            "x") "],\"name\":\"f\",\"ref\":[" VAR("f") "],\"value\":" TRUE_T "}}]"},
	    {"a.f(x) := 1 if true",
	        "[{\"body\":" TRUE_BODY
	        ",\"head\":{\"args\":[" VAR("x") "],\"assign\":true,\"name\":\"a\",\"ref\":[" VAR(
	            "a") "," STR("f") "],\"value\":" NUM("1") "}}]"},
	    {"f() := 1",
	        "[{\"body\":" TRUE_BODY ",\"head\":{\"assign\":true,\"name\":\"f\",\"ref\":[" VAR(
	            "f") "],\"value\":" NUM("1") "}}]"},
	    {"default p := 1",
	        "[{\"body\":" TRUE_BODY
	        ",\"default\":true,\"head\":{\"assign\":true,\"name\":\"p\","
	        "\"ref\":[" VAR("p") "],\"value\":" NUM("1") "}}]"},
	    {"default a.b := 1",
	        "[{\"body\":" TRUE_BODY ",\"default\":true,\"head\":{\"assign\":true,"
	        "\"ref\":[" VAR("a") "," STR("b") "],\"value\":" NUM("1") "}}]"},
	    {"default f(_) := 1",
	        "[{\"body\":" TRUE_BODY ",\"default\":true,\"head\":{\"args\":[" VAR(
	            "$0") "],\"assign\":true,\"name\":\"f\",\"ref\":[" VAR("f") "],\"value\":" NUM("1") "}}]"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++)
		check_rules(cases[i].src, cases[i].want);
}

/* Else branches copy the first head; wildcard arguments are numbered anew for each. */
static void
test_else_and_bodies(void **state)
{
	(void)state;
	check_rules("f(_, x) := 1 if { x[_] } else := 2 if { true } else = 3",
	    "[{\"body\":[" EXPR(0,
	        REF(VAR("x") "," VAR(
	            "$1"))) "],"
	                    "\"else\":{\"body\":" TRUE_BODY ","
	                    "\"else\":{\"body\":" TRUE_BODY
	                    ",\"head\":{\"args\":[" VAR("$3") "," VAR("x") "],\"name\":\"f\",\"ref\":[" VAR("f") "],\"value\":" NUM(
	                        "3") "}},"
	                             "\"head\":{\"args\":[" VAR("$2") "," VAR(
	                                 "x") "],\"assign\":true,\"name\":\"f\","
	                                      "\"ref\":[" VAR("f") "],\"value\":" NUM(
	                                          "2") "}},"
	                                               "\"head\":{\"args\":[" VAR("$0") "," VAR(
	                                                   "x") "],\"assign\":true,\"name\":\"f\","
	                                                        "\"ref\":[" VAR("f") "],\"value\":" NUM(
	                                                            "1") "}}]");
	/* An else without a value is a generated true that keeps the head's :=. */
	check_rules("g := 1 if false else if true",
	    "[{\"body\":[" EXPR(0,
	        T("boolean",
	            "false")) "],"
	                      "\"else\":{\"body\":" TRUE_BODY
	                      ",\"head\":{\"assign\":true,\"name\":\"g\",\"ref\":[" VAR(
	                          "g") "],\"value\":" TRUE_T "}},"
	                               "\"head\":{\"assign\":true,\"name\":\"g\",\"ref\":[" VAR(
	                                   "g") "],\"value\":" NUM("1") "}}]");
	/* Each else copies the first head: `:=` comes from it, not from the else before. */
	check_rules("p := 1 if false else = 2 if false else if true",
	    "[{\"body\":[" EXPR(0,
	        T("boolean",
	            "false")) "],"
	                      "\"else\":{\"body\":[" EXPR(0,
	                          T("boolean",
	                              "false")) "],"
	                                        "\"else\":{\"body\":" TRUE_BODY
	                                        ",\"head\":{\"assign\":true,\"name\":\"p\","
	                                        "\"ref\":[" VAR(
	                                            "p") "],\"value\":" TRUE_T "}},"
	                                                 "\"head\":{\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" NUM(
	                                                     "2") "}},"
	                                                          "\"head\":{\"assign\":true,\"name\":\"p\",\"ref\":[" VAR(
	                                                              "p") "],\"value\":" NUM("1") "}}]");
	/* A further body repeats the head; its wildcard arguments come after the body's. */
	check_rules("f(_) if { input[_] } { true }",
	    "[{\"body\":[" EXPR(0, REF(VAR("input") "," VAR("$1"))) "],\"head\":{\"args\":[" VAR(
	        "$0") "],\"name\":\"f\",\"ref\":[" VAR("f") "],\"value\":" TRUE_T "}},"
	                                                    "{\"body\":" TRUE_BODY
	                                                    ",\"head\":{\"args\":[" VAR("$2") "],\"name\":\"f\",\"ref\":[" VAR(
	                                                        "f") "],\"value\":" TRUE_T "}}]");
}

/* ---------------------------------------------------------------------------
 * Expressions and terms.
 */

static void
test_exprs(void **state)
{
	(void)state;
	check_rules("p if { not input.x with input as {\"x\": false} with data.y as 1 }",
	    "[{\"body\":[{\"index\":0,\"negated\":true,\"terms\":" REF(VAR("input") "," STR(
	        "x")) ",\"with\":[{\"target\":" REF(VAR("input")) ",\"value\":" T("object",
	        "[[" STR("x") "," T("boolean",
	            "false") "]]") "},{\"target\":" REF(VAR("data") "," STR("y")) ",\"value\":" NUM("1") "}]}],\"head\":{\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" TRUE_T
	                                                                                                                                                    "}}]");
	check_rules("p if { some a, b; a = 1; count([b]) > 0 }",
	    "[{\"body\":[" EXPR(0, "{\"symbols\":[" VAR("a") "," VAR("b") "]}") "," EXPR(
	        1, CALL(OP("eq") "," VAR("a") "," NUM("1"))) "," EXPR(2,
	        CALL(
	            OP("gt") "," T("call", CALL(OP("count") "," T("array", "[" VAR("b") "]"))) "," NUM(
	                "0"))) "],\"head\":{\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" TRUE_T
	                                                                       "}}]");
	check_rules("p if { some x in [1]; some k, v in {}; x in [2] }",
	    "[{\"body\":[" EXPR(0,
	        "{\"symbols\":[" T("call",
	            CALL(REF(VAR("internal") "," STR("member_2")) "," VAR("x") "," T(
	                "array", "[" NUM("1") "]"))) "]}") "," EXPR(1,
	        "{\"symbols\":[" T("call",
	            CALL(REF(VAR("internal") "," STR("member_3")) "," VAR("k") "," VAR("v") "," T(
	                "object", "[]"))) "]}") "," EXPR(2,
	        CALL(REF(VAR("internal") "," STR("member_2")) "," VAR("x") "," T("array",
	            "[" NUM(
	                "2") "]"))) "],\"head\":{\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" TRUE_T
	                                                                            "}}]");
	check_rules("p if { every x in [] { x } }",
	    "[{\"body\":[" EXPR(0,
	        "{\"body\":[" EXPR(0, VAR("x")) "],\"domain\":" T("array", "[]") ",\"key\":null,\"value\":" VAR(
	            "x") "}") "],\"head\":{\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" TRUE_T
	                                                                      "}}]");
}

static void
test_terms(void **state)
{
	(void)state;
	/* null is Go's encoding of ast.Null{}; a set is sorted and 1.0 equals 1. */
	check_rules("p := {null, 1.0, \"a\", 1, -0.5, 1e1, x, _, [0], {\"k\": 1}, f(1)}",
	    "[{\"body\":" TRUE_BODY
	    ",\"head\":{\"assign\":true,\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" T("set",
	        "[" T("null", "{}") "," NUM("-0.5") "," NUM("1.0") "," NUM("1e1") "," STR(
	            "a") "," VAR("$0") "," VAR("x") "," T("array", "[" NUM("0") "]") "," T("object",
	            "[[" STR("k") "," NUM("1") "]]") "," T("call",
	            CALL(OP("f") "," NUM("1"))) "]") "}}]");
	/* Objects are [key, value] pairs in key order; a repeated key keeps its last value. */
	check_rules("p := {\"b\": 1, [2]: 2, \"a\": 3, \"b\": 4, false: 5}",
	    "[{\"body\":" TRUE_BODY ",\"head\":{\"assign\":true,\"name\":\"p\",\"ref\":[" VAR(
	        "p") "],\"value\":" T("object",
	        "[[" T("boolean", "false") "," NUM("5") "],[" STR("a") "," NUM("3") "],[" STR(
	            "b") "," NUM("4") "],[" T("array", "[" NUM("2") "]") "," NUM("2") "]]") "}}]");
	check_rules("p := [[x | x := 1], {y | y := 2}, {k: v | k := 1; v := 2}, set()]",
	    "[{\"body\":" TRUE_BODY
	    ",\"head\":{\"assign\":true,\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" T("array",
	        "[" T("arraycomprehension",
	            "{\"body\":[" EXPR(0,
	                CALL(OP("assign") "," VAR("x") "," NUM(
	                    "1"))) "],\"term\":" VAR("x") "}") "," T("setcomprehension",
	            "{\"body\":[" EXPR(0,
	                CALL(OP("assign") "," VAR("y") "," NUM(
	                    "2"))) "],\"term\":" VAR("y") "}") "," T("objectcomprehension",
	            "{\"body\":[" EXPR(0, CALL(OP("assign") "," VAR("k") "," NUM("1"))) "," EXPR(1,
	                CALL(OP("assign") "," VAR("v") "," NUM(
	                    "2"))) "],\"key\":" VAR("k") ",\"value\":" VAR("v") "}") "," T("set",
	            "[]") "]") "}}]");
	/* Template strings: text and scalars as terms, other expressions as exprs. */
	check_rules("p := $\"a{input.x}{1}b\"",
	    "[{\"body\":" TRUE_BODY ",\"head\":{\"assign\":true,\"name\":\"p\",\"ref\":[" VAR(
	        "p") "],\"value\":" T("templatestring",
	        "{\"multi_line\":false,\"parts\":[" STR("a") "," EXPR(
	            0, REF(VAR("input") "," STR("x"))) "," NUM("1") "," STR("b") "]}") "}}]");
	check_rules("p := $``",
	    "[{\"body\":" TRUE_BODY
	    ",\"head\":{\"assign\":true,\"name\":\"p\",\"ref\":[" VAR("p") "],\"value\":" T(
	        "templatestring", "{\"multi_line\":true,\"parts\":null}") "}}]");
}

/* Package, imports, comments (Go's field names, base64 text, locations always). */
static void
test_module(void **state)
{
	(void)state;
	check("# c1\npackage a.b[\"c\"]\nimport data.x as y\nimport rego.v1 #\n", NULL,
	    "{\"package\":{\"path\":[" VAR("data") "," STR("a") "," STR("b") "," STR(
	        "c") "]},"
	             "\"imports\":[{\"alias\":\"y\",\"path\":" REF(VAR("data") "," STR("x")) "},{\"path\":" REF(
	                 VAR("rego") "," STR(
	                     "v1")) "}],"
	                            "\"comments\":[{\"Location\":{\"col\":1,\"file\":\"x.rego\",\"row\":1},"
	                            "\"Text\":\"IGMx\"},{\"Location\":{\"col\":16,\"file\":\"x.rego\",\"row\":4},"
	                            "\"Text\":null}]}");
	check("package p", NULL, "{\"package\":{\"path\":[" VAR("data") "," STR("p") "]}}");
}

/* ---------------------------------------------------------------------------
 * Errors.
 */

static void
test_errors(void **state)
{
	static const struct {
		const char *src, *want;
	} cases[] = {
	    {"package foo.",
	        "rego.parse_module: 1 error occurred: x.rego:1: rego_parse_error: "
	        "unexpected eof token: expected ident\n\tpackage foo.\n\t           ^"},
	    {"package p\np if {\n\t\tx := \n}",
	        "x.rego:4: rego_parse_error: unexpected } "
	        "token\n\t}\n\t^"},
	    {"package p\n\tq := [1, 2 3]",
	        "unexpected number token: expected \",\" or \"]\"\n\t"
	        "q := [1, 2 3]\n\t           ^"},
	    {"", "1 error occurred: x.rego:0: rego_parse_error: empty module"},
	    {" # nothing\n", "1 error occurred: x.rego:0: rego_parse_error: empty module"},
	    /* Found after parsing in OPA: no source line. */
	    {"p := 1", "1 error occurred: x.rego:1: rego_parse_error: package expected"},
	    {"package p\np { true }",
	        "x.rego:2: rego_parse_error: `if` keyword is required "
	        "before rule body"},
	    {"package p\na.b.c",
	        "x.rego:2: rego_parse_error: rule must have value assignment "
	        "and/or body declaration"},
	    /* Go's encoding/json has no ".5". */
	    {"package p\nx := .5", "rego.parse_module: json: invalid number literal \".5\""},
	};
	const struct rego_val *out;
	struct writ_rego_error e;
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		if (parse(S("x.rego"), S(cases[i].src), &out, &e) != REGO_B_ERR)
			fail_msg("%s: no error", cases[i].src);
		assert_string_equal(e.code, "eval_builtin_error");
		if (strstr(e.message, cases[i].want) == NULL)
			fail_msg("%s\ngot  %s\nwant %s", cases[i].src, e.message, cases[i].want);
		if (strstr(cases[i].want, "\n\t") == NULL && strstr(e.message, "\n\t") != NULL)
			fail_msg("%s: a source line in %s", cases[i].src, e.message);
	}
	/* No file name: row and column. */
	assert_int_equal(parse(S(""), S("package"), &out, &e), REGO_B_ERR);
	assert_non_null(strstr(e.message, "1 error occurred: 1:8: rego_parse_error"));
	/* OPA names both operands "operand 1". */
	assert_int_equal(parse(J("1"), S("package p"), &out, &e), REGO_B_ERR);
	assert_string_equal(e.code, "eval_type_error");
	assert_non_null(strstr(e.message, "operand 1 must be string but got number"));
	assert_int_equal(parse(S("x"), J("[]"), &out, &e), REGO_B_ERR);
	assert_non_null(strstr(e.message, "operand 1 must be string but got array"));
}

/* Every allocation failure is an error, never a crash or a wrong result. */
static void
test_faults(void **state)
{
	static const char src[] =
	    "package t\n# c\nimport data.x as y\n"
	    "f(_, x) := 1 if { x[_]; not x with input as {1, [2]} } else := 2\n"
	    "p contains $\"{x}\" if { some k, v in {\"b\": {y | y := 1}}; every z in [] { z } }\n";
	const struct rego_val *out, *file, *text;
	struct writ_rego_error e;
	struct writ_arena *small;
	enum rego_bres r;
	size_t cap;
	long nth;
	bool fired;

	(void)state;
	/* The evaluation's memory cap: eval_cancel_error until the cap is enough. */
	file = S("x.rego");
	text = S(src);
	for (cap = 256;; cap += 256) {
		assert_non_null(small = writ_arena_new(cap, 0));
		r = parse_in(small, file, text, &out, &e);
		writ_arena_free(small);
		if (r == REGO_B_OK)
			break;
		assert_int_equal(r, REGO_B_ERR);
		assert_string_equal(e.code, "eval_cancel_error");
	}
	for (nth = 1; nth < 100000; nth++) {
		writ_arena_reset(A);
		file = S("x.rego");
		text = S(src);
		writ_fault_set(nth);
		r = parse(file, text, &out, &e);
		fired = writ_fault_fired();
		writ_fault_set(0);
		assert_true(r == REGO_B_OK || r == REGO_B_ERR);
		if (!fired) {
			assert_int_equal(r, REGO_B_OK);
			break;
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_heads, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_else_and_bodies, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_exprs, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_terms, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_module, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_errors, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_faults, rfx_setup, rfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
