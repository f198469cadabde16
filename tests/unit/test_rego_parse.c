/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the Rego lexer, parser and formatter (lib/rego/lex.c,
 * parse.c, parse_mod.c, fmt.c, check.c): tokens, every construct against its
 * debug tree, error positions and messages, limits, allocation failures,
 * and the OPA v1 conformance suite (every module, query and input_term must
 * parse; every module must format to text that parses to the same tree and
 * formats to itself).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "writ/base.h"

#include "rego/ast.h"
#include "rego/lex.h"

#ifndef WRIT_CONFORMANCE_DIR
#define WRIT_CONFORMANCE_DIR "/work/shared/conformance/opa"
#endif

/* ---------------------------------------------------------------------------
 * Helpers.
 */

enum show {
	SHOW_TREE,     /* module, debug tree */
	SHOW_TREE_LOC, /* module, debug tree with locations */
	SHOW_FMT,      /* module, formatted */
	SHOW_QUERY,    /* query, debug tree */
};

/*
 * Parse src as a module (or as a query for SHOW_QUERY) and return what
 * "how" asks for in a static buffer, or "line:col: msg" on a parse error.
 */
static const char *
show(const char *src, enum show how)
{
	static char out[16384];
	struct writ_arena *a = writ_arena_new(0, 0);
	struct rego_module *m;
	struct rego_body *q;
	struct rego_diag d;
	struct writ_buf b;
	writ_rc rc;

	assert_non_null(a);
	writ_buf_init(&b, 0);
	if (how == SHOW_QUERY)
		rc = rego_parse_query(a, "q", src, strlen(src), NULL, &q, &d, NULL);
	else
		rc = rego_parse_module(a, "t.rego", src, strlen(src), NULL, &m, &d, NULL);
	if (rc != WRIT_OK) {
		snprintf(out, sizeof(out), "%u:%u: %s", d.line, d.col, d.msg);
	} else {
		if (how == SHOW_FMT)
			rc = rego_fmt_module(m, &b);
		else if (how == SHOW_QUERY)
			rc = rego_ast_print_body(q, false, &b);
		else
			rc = rego_ast_print_module(m, how == SHOW_TREE_LOC, &b);
		snprintf(out, sizeof(out), "%s", rc == WRIT_OK ? b.ptr : "print failed");
	}
	writ_buf_free(&b);
	writ_arena_free(a);
	return out;
}

#define MOD "package t\n"

/* rego_check_fn collecting "line:col: code: msg" lines into a buffer. */
static void
check_collect(const struct rego_diag *d, void *arg)
{
	assert_int_equal(
	    writ_buf_appendf(arg, "%u:%u: %s: %s\n", d->line, d->col, d->code, d->msg), WRIT_OK);
}

/* ---------------------------------------------------------------------------
 * Lexer.
 */

/* Lex src; a compact description "type@line:col" of each token, or the error. */
static const char *
tokens_of(const char *src)
{
	static char out[4096];
	struct writ_arena *a = writ_arena_new(0, 0);
	struct rego_lexed l;
	struct rego_diag d;
	size_t i, n = 0;

	assert_non_null(a);
	if (rego_lex(a, src, strlen(src), 1000, &l, &d) != WRIT_OK) {
		snprintf(out, sizeof(out), "%u:%u: %s", d.line, d.col, d.msg);
		writ_arena_free(a);
		return out;
	}
	out[0] = '\0';
	for (i = 0; i < l.ntoks && n < sizeof(out) - 64; i++) {
		const struct rego_token *t = &l.toks[i];

		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s%s@%u:%u", i > 0 ? " " : "",
		    t->nl_before ? "\\n" : "", rego_tok_name(t->type), t->line, t->col);
		if (t->s != NULL)
			n += (size_t)snprintf(
			    out + n, sizeof(out) - n, "=%s%s", t->s, t->more ? "{" : "");
	}
	rego_lexed_free(&l);
	writ_arena_free(a);
	return out;
}

static void
test_tokens(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"", "eof@1:1"},
	    {"package a.b", "package@1:1 ident@1:9 .@1:10 ident@1:11 eof@1:12"},
	    {"x := 1\ny = 2.5e-3",
	        "ident@1:1 :=@1:3 number@1:6 \\nident@2:1 =@2:3 number@2:5 "
	        "eof@2:11"},
	    {"== != < <= > >= + - * / % & | , ; : . [ ] { } ( )",
	        "==@1:1 !=@1:4 <@1:7 <=@1:9 >@1:12 >=@1:14 +@1:17 -@1:19 *@1:21 /@1:23 %@1:25 "
	        "&@1:27 |@1:29 ,@1:31 ;@1:33 :@1:35 .@1:37 [@1:39 ]@1:41 {@1:43 }@1:45 (@1:47 "
	        ")@1:49 eof@1:50"},
	    {"as contains default else every false if import in not null package some true with",
	        "as@1:1 contains@1:4 default@1:13 else@1:21 every@1:26 false@1:32 if@1:38 "
	        "import@1:41 in@1:48 not@1:51 null@1:55 package@1:60 some@1:68 true@1:73 "
	        "with@1:78 eof@1:82"},
	    {"\"a\\n\\\"\\u00e9\\ud83d\\ude00\"",
	        "string@1:1=a\n\"\xc3\xa9\xf0\x9f\x98\x80 eof@1:26"},
	    {"\"\\ud800x\"", "string@1:1=\xef\xbf\xbdx eof@1:10"},
	    {"`raw\\n\nline` x", "string@1:1=raw\\n\nline ident@2:7 eof@2:8"},
	    {"# c1\nx # c2\n", "\\nident@2:1 \\neof@3:1"},
	    {"\"\xc3\xa9\" x", "string@1:1=\xc3\xa9 ident@1:5 eof@1:6"},
	    {"$\"a{x}b\"", "template-string@1:1=a{ ident@1:5 template-string@1:6=b eof@1:9"},
	    {"$\"{ {\"k\": 1}[\"k\"] }\\{\"",
	        "template-string@1:1={ {@1:5 string@1:6=k :@1:9 "
	        "number@1:11 }@1:12 [@1:13 string@1:14=k ]@1:17 "
	        "template-string@1:19={ eof@1:23"},
	    {"$`a\n{x}\\{`", "template-string@1:1=a\n{ ident@2:2 template-string@2:3={ eof@2:7"},
	    {"$\"{$\"{1}\"}\"",
	        "template-string@1:1={ template-string@1:4={ number@1:7 "
	        "template-string@1:8= template-string@1:10= eof@1:12"},
	    {"\xef\xbb\xbfx", "ident@1:1 eof@1:2"},
	    {"a\tb", "ident@1:1 ident@1:3 eof@1:4"},
	    {"0 10 1.5 1e9 1E+9",
	        "number@1:1 number@1:3 number@1:6 number@1:10 number@1:14 "
	        "eof@1:18"},
	};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		const char *got = tokens_of(cases[i].in);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("lex %s:\n got  %s\n want %s", cases[i].in, got, cases[i].want);
	}
}

static void
test_lex_nul(void **state)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct rego_lexed l;
	struct rego_diag d;

	assert_int_equal(rego_lex(a, "x\n\xc3\xa9 \0", 6, 100, &l, &d), WRIT_EPARSE);
	assert_string_equal(d.msg, "illegal null character");
	assert_int_equal(d.line, 2);
	assert_int_equal(d.col, 3);
	writ_arena_free(a);
}

static void
test_lex_errors(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"x := \"abc", "1:6: non-terminated string"},
	    {"x := \"a\nb\"", "1:6: non-terminated string"},
	    {"\"\\q\"", "1:1: illegal escape sequence"},
	    {"\"\\u12\"", "1:1: illegal escape sequence"},
	    {"`abc", "1:1: non-terminated string"},
	    {"a\n  \xff", "2:3: illegal utf-8 character"},
	    {"a \xc0\x80", "1:3: illegal utf-8 character"},
	    {"a \xed\xa0\x80", "1:3: illegal utf-8 character"},
	    {"x\n\xc3\xa9", "2:1: illegal token"},
	    {"a \xef\xbb\xbf", "1:3: illegal byte-order mark"},
	    {"!x", "1:1: illegal ! character"},
	    {"$x", "1:1: illegal $ character"},
	    {"x @", "1:3: illegal token"},
	    {"1.", "1:1: expected fraction"},
	    {"1e", "1:1: expected exponent"},
	    {"12ab", "1:1: illegal number format"},
	    {"$\"a{x", "1:1: non-terminated string"},
	    {"$\"a{x}b", "1:6: non-terminated string"},
	    {"$\"\\q\"", "1:1: illegal escape sequence"},
	};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		const char *got = tokens_of(cases[i].in);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("lex %s:\n got  %s\n want %s", cases[i].in, got, cases[i].want);
	}
}

/* ---------------------------------------------------------------------------
 * Constructs.
 */

static void
test_rules(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {MOD, "(module (package (ref data \"t\")))\n"},
	    {MOD "p := 1", "(rule (ref p) (value 1))"},
	    {MOD "p = \"a\"", "(rule (ref p) (value \"a\"))"},
	    {MOD "default p := false", "(default-rule (ref p) (value false))"},
	    {MOD "default f(_, x) := [1]", "(default-rule (ref f) (args _ x) (value (array 1)))"},
	    {MOD "p if true", "(rule (ref p) (body (expr true)))"},
	    {MOD "p if { true }", "(rule (ref p) (body (expr true)))"},
	    {MOD "p if {\n\tx\n\ty\n}", "(rule (ref p) (body (expr x) (expr y)))"},
	    {MOD "p if { {1} }", "(rule (ref p) (body (expr (set 1))))"},
	    {MOD "p if {1: 2}", "(rule (ref p) (body (expr (object (1 2)))))"},
	    {MOD "p contains x if x := 1",
	        "(rule (ref p) (contains x) (body (call (call (ref assign) x 1))))"},
	    {MOD "p contains 1", "(rule (ref p) (contains 1))"},
	    {MOD "a.b[c] contains d if true",
	        "(rule (ref a \"b\" c) (contains d) (body (expr true)))"},
	    {MOD "p[x] := y if true", "(rule (ref p x) (value y) (body (expr true)))"},
	    {MOD "p[x] if true", "(rule (ref p x) (body (expr true)))"},
	    {MOD "a.b.c := 1", "(rule (ref a \"b\" \"c\") (value 1))"},
	    {MOD "a[\"b\"].c if true", "(rule (ref a \"b\" \"c\") (body (expr true)))"},
	    {MOD "f(x) := x + 1", "(rule (ref f) (args x) (value (call (ref plus) x 1)))"},
	    {MOD "f(x, [y]) := y if x",
	        "(rule (ref f) (args x (array y)) (value y) (body (expr x)))"},
	    {MOD "a.b.f(x) if x", "(rule (ref a \"b\" \"f\") (args x) (body (expr x)))"},
	    {MOD "f() := 1", "(rule (ref f) (args) (value 1))"},
	    {MOD "p := 1 if false else := 2 if true else := 3",
	        "(rule (ref p) (value 1) (body (expr false)) (else (rule (ref p) (value 2) (body "
	        "(expr true)) (else (rule (ref p) (value 3))))))"},
	    {MOD "p := 1 if {\n\tfalse\n}\n\nelse := 2",
	        "(rule (ref p) (value 1) (body (expr false)) (else (rule (ref p) (value 2))))"},
	    {MOD "f(x) := 1 if x else if y",
	        "(rule (ref f) (args x) (value 1) (body (expr x)) (else (rule (ref f) (args x) "
	        "(body (expr y)))))"},
	    {MOD "p if { a } { b }",
	        "(rule (ref p) (body (expr a)))\n (rule (ref p) (body (expr b)))"},
	    {MOD "import data.a\nimport input.b as c\nimport rego.v1\nimport future.keywords\n"
	         "import future.keywords.in",
	        "(import (ref data \"a\"))\n (import (ref future \"keywords\"))\n (import (ref "
	        "future \"keywords\" \"in\"))\n (import (ref input \"b\") as c)\n (import (ref rego "
	        "\"v1\")))"},
	    {"package a.b[\"c.d\"].e", "(module (package (ref data \"a\" \"b\" \"c.d\" \"e\")))\n"},
	    {"package if.else", "(module (package (ref data \"if\" \"else\")))\n"},
	    {MOD "true.foo := 1\nfoo.true := 2\nin.x contains 1\nif.y if true",
	        "(rule (ref true \"foo\") (value 1))\n (rule (ref foo \"true\") (value 2))\n (rule "
	        "(ref in \"x\") (contains 1))\n (rule (ref if \"y\") (body (expr true)))"},
	    {MOD "p := 1; q := 2", "(rule (ref p) (value 1))\n (rule (ref q) (value 2))"},
	};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		const char *got = show(cases[i].in, SHOW_TREE), *body = strstr(got, "\n ");

		if (strncmp(cases[i].want, "(module", 7) == 0)
			body = got;
		else if (body != NULL)
			body += 2;
		if (body == NULL || strncmp(body, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("parse %s:\n got  %s\n want %s", cases[i].in, got, cases[i].want);
	}
}

static void
test_terms_exprs(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"x", "(body (expr x))"},
	    {"input", "(body (expr (ref input)))"},
	    {"data.a[\"b\"][x][0].c", "(body (expr (ref data \"a\" \"b\" x 0 \"c\")))"},
	    {"null; true; false", "(body (expr null) (expr true) (expr false))"},
	    {"-1; 1.5e3; .5; -.5; 0.1; 0e1",
	        "(body (expr -1) (expr 1.5e3) (expr .5) (expr -.5) "
	        "(expr 0.1) (expr 0e1))"},
	    {"\"s\\t\"; `r\\t`", "(body (expr \"s\\t\") (expr \"r\\\\t\"))"},
	    {"[]; [1]; [1, 2,]; [, 1]",
	        "(body (expr (array)) (expr (array 1)) (expr (array 1 2)) "
	        "(expr (array 1)))"},
	    {"{}; {1}; {1, 2}; set()",
	        "(body (expr (object)) (expr (set 1)) (expr (set 1 2)) "
	        "(expr (set)))"},
	    {"{\"a\": 1, x: [2],}", "(body (expr (object (\"a\" 1) (x (array 2)))))"},
	    {"[x | x := 1]; {x | x := 1}; {k: v | k := 1; v := 2}",
	        "(body (expr (arraycompr x (body (call (call (ref assign) x 1))))) (expr (setcompr x "
	        "(body (call (call (ref assign) x 1))))) (expr (objectcompr k v (body (call (call "
	        "(ref assign) k 1)) (call (call (ref assign) v 2))))))"},
	    {"{a | b}", "(body (expr (setcompr a (body (expr b)))))"},
	    {"{(a | b)}", "(body (expr (set (call (ref or) a b))))"},
	    {"{a + 1: b | c}",
	        "(body (expr (objectcompr (call (ref plus) a 1) b (body (expr c)))))"},
	    {"[1 + 2, a[0]]", "(body (expr (array (call (ref plus) 1 2) (ref a 0))))"},
	    {"x [0]", "1:3: unexpected [ token: expected \\n or ; or eof"},
	    {"f(x)", "(body (call (call (ref f) x)))"},
	    {"a.b.f(x, y).c[0]", "(body (expr (ref (call (ref a \"b\" \"f\") x y) \"c\" 0)))"},
	    {"f()", "(body (call (call (ref f))))"},
	    {"x := 1 + 2 * 3",
	        "(body (call (call (ref assign) x (call (ref plus) 1 (call (ref mul) "
	        "2 3)))))"},
	    {"x = (1 + 2) * 3",
	        "(body (call (call (ref eq) x (call (ref mul) (call (ref plus) 1 2) "
	        "3))))"},
	    {"a - b - c", "(body (call (call (ref minus) (call (ref minus) a b) c)))"},
	    {"a == b != c", "(body (call (call (ref neq) (call (ref equal) a b) c)))"},
	    {"a | b & c", "(body (call (call (ref or) a (call (ref and) b c))))"},
	    {"a < b; a <= b; a > b; a >= b; a / b; a % b",
	        "(body (call (call (ref lt) a b)) (call (call (ref lte) a b)) (call (call (ref gt) a "
	        "b)) (call (call (ref gte) a b)) (call (call (ref div) a b)) (call (call (ref rem) a "
	        "b)))"},
	    {"x in xs", "(body (call (call (ref internal \"member_2\") x xs)))"},
	    {"k, v in xs", "(body (call (call (ref internal \"member_3\") k v xs)))"},
	    {"x in xs in ys",
	        "(body (call (call (ref internal \"member_2\") (call (ref internal "
	        "\"member_2\") x xs) ys)))"},
	    {"x == 1 in xs",
	        "(body (call (call (ref internal \"member_2\") (call (ref equal) x 1) "
	        "xs)))"},
	    {"not x", "(body (expr not x))"},
	    {"not f(x) with input as 1 with data.a as {\"b\": 2}",
	        "(body (call not (call (ref f) x) (with (ref input) 1) (with (ref data \"a\") "
	        "(object (\"b\" 2)))))"},
	    {"some x", "(body (some x))"},
	    {"some x, y", "(body (some x y))"},
	    {"some x in xs", "(body (some-in (call (ref internal \"member_2\") x xs)))"},
	    {"some k, v in xs", "(body (some-in (call (ref internal \"member_3\") k v xs)))"},
	    {"some x in xs with input as 1",
	        "(body (some-in (call (ref internal \"member_2\") x "
	        "xs) (with (ref input) 1)))"},
	    {"every x in xs { x > 0 }",
	        "(body (every - x xs (body (call (call (ref gt) x "
	        "0)))))"},
	    {"every k, v in {\"a\": 1} {\n\tk\n\tv\n}",
	        "(body (every k v (object (\"a\" 1)) (body (expr k) (expr v))))"},
	    {"$\"a{x}b{1 + 2}\"",
	        "(body (expr (template (expr \"a\") (expr x) (expr \"b\") (call "
	        "(call (ref plus) 1 2)))))"},
	    {"$`{[1][0]}`", "(body (expr (template (expr (ref (array 1) 0)))))"},
	    {"x\ny; z", "(body (expr x) (expr y) (expr z))"},
	    {"contains(x, \"a\")", "(body (call (call (ref contains) x \"a\")))"},
	    {"_ = x[_]", "(body (call (call (ref eq) _ (ref x _))))"},
	};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		const char *got = show(cases[i].in, SHOW_QUERY);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("query %s:\n got  %s\n want %s", cases[i].in, got, cases[i].want);
	}
}

static void
test_term(void **state)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct rego_term *t;
	struct rego_diag d;
	struct writ_buf b;
	const char *in = "{\"a\": [1, {2}], \"b\": set()}";

	writ_buf_init(&b, 0);
	assert_int_equal(rego_parse_term(a, "t", in, strlen(in), NULL, &t, &d, NULL), WRIT_OK);
	assert_int_equal(rego_ast_print_term(t, false, &b), WRIT_OK);
	assert_string_equal(b.ptr, "(object (\"a\" (array 1 (set 2))) (\"b\" (set)))");
	writ_buf_reset(&b);
	assert_int_equal(rego_fmt_term(t, &b), WRIT_OK);
	assert_string_equal(b.ptr, "{\"a\": [1, {2}], \"b\": set()}");
	assert_int_equal(rego_parse_term(a, "t", "1 2", 3, NULL, &t, &d, NULL), WRIT_EPARSE);
	assert_string_equal(d.msg, "unexpected number token: expected end of term");
	writ_buf_free(&b);
	writ_arena_free(a);
}

static void
test_locations(void **state)
{
	const char *got = show(MOD "\np if {\n\tx := [1,\n\t  y]\n}", SHOW_TREE_LOC);

	if (strstr(got,
	        "(rule@3:1 @3:1:(ref @3:1:p) (body@4:2 (call@4:2 @4:2:(call @4:4:(ref "
	        "@4:4:assign) @4:2:x @4:7:(array @4:8:1 @5:4:y)))))") == NULL)
		fail_msg("locations: %s", got);
}

static void
test_metadata(void **state)
{
	const char *got = show("# METADATA\n# title: pkg\npackage t\n\n# METADATA\n# title: "
	                       "rule p\n# description: >\n#  multi\np := 1\n\n# METADATA\n\n"
	                       "q := 2\n# not metadata\nr := 3",
	    SHOW_TREE);

	if (strstr(got,
	        "(rule (ref p) (value 1) (metadata \"title: rule p\\ndescription: >\\n "
	        "multi\\n\"))") == NULL ||
	    strstr(got, "(rule (ref q) (value 2) (metadata \"\"))") == NULL ||
	    strstr(got, "(rule (ref r) (value 3))") == NULL)
		fail_msg("metadata: %s", got);
	/* Not blocks: after code on a line, inside a rule.  Indented lines continue one. */
	got = show(MOD "p := 1 # METADATA\n# title: x\nq if {\n# METADATA\n# title: y\n\tx\n}\n"
	               "  # METADATA\n  # title: z\nr := 3",
	    SHOW_TREE);
	if (strstr(got, "(rule (ref q) (body (expr x)))") == NULL ||
	    strstr(got, "(rule (ref r) (value 3) (metadata \"title: z\\n\"))") == NULL)
		fail_msg("metadata: %s", got);
}

/* ---------------------------------------------------------------------------
 * Errors.
 */

static void
test_errors(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"", "1:1: package expected"},
	    {"p := 1", "1:1: package expected"},
	    {"package", "1:8: unexpected eof token"},
	    {"package 1", "1:9: unexpected number token"},
	    {"package a[x]", "1:11: unexpected var token: expecting string"},
	    {MOD "p {\n\ttrue\n}", "2:1: `if` keyword is required before rule body"},
	    {MOD "f(x) {\n\ttrue\n}", "2:1: `if` keyword is required before function body"},
	    {MOD "p[x] {\n\tx = 1\n}", "2:1: `if` keyword is required before rule body"},
	    {MOD "p[x]", "2:1: `contains` keyword is required for partial set rules"},
	    {MOD "p", "2:1: var cannot be used for rule name"},
	    {MOD "a.b", "2:1: `contains` keyword is required for partial set rules"},
	    {MOD "a.b.c", "2:1: rule must have value assignment and/or body declaration"},
	    {MOD "a.b[x]", "2:1: rule must have value assignment and/or body declaration"},
	    {MOD "p if {\n\tx := [1, 2\n\ty := 3\n}",
	        "4:2: unexpected ident token: expected \",\" "
	        "or \"]\""},
	    {MOD "p := [x | ]", "2:11: found empty body"},
	    {MOD "p if every x in xs {}", "2:21: found empty body"},
	    {MOD "p if { x y }", "2:10: unexpected ident token: expected \\n or ; or }"},
	    {MOD "p if", "2:5: unexpected eof token"},
	    {MOD "p := ", "2:6: unexpected eof token"},
	    {MOD "default p", "2:1: illegal default rule (must have a value)"},
	    {MOD "default p := x", "2:1: illegal default rule (value cannot contain var)"},
	    {MOD "default p := [input.x]", "2:1: illegal default rule (value cannot contain ref)"},
	    {MOD "default p := count([])", "2:1: illegal default rule (value cannot contain call)"},
	    {MOD "default f(1) := 1",
	        "2:1: illegal default rule (arguments cannot contain number)"},
	    {MOD "default f(x, x) := 1",
	        "2:1: illegal default rule (arguments cannot be repeated x)"},
	    {MOD "p contains x := 1", "2:14: unexpected := token"},
	    {MOD "f(x) contains 1",
	        "2:6: unexpected contains keyword: the contains keyword can "
	        "only be used with multi-value rule definitions"},
	    {MOD "p[x] := 1 if x else := 2",
	        "2:16: else keyword cannot be used on rules with "
	        "variables in head"},
	    {MOD "p contains 1 if true else := 2",
	        "2:22: else keyword cannot be used on "
	        "multi-value rules"},
	    {MOD "p := 1 if x else 2",
	        "2:18: unexpected number token: expected else value term "
	        "or rule body"},
	    {MOD "p if not some x", "2:10: unexpected some keyword: illegal negation of 'some'"},
	    {MOD "p if some x == y",
	        "2:17: unexpected eof token: expected `x in xs` or `x, y in "
	        "xs` expression"},
	    {MOD "p if some 1", "2:11: unexpected number token: expected var"},
	    {MOD "p if every x { true }",
	        "2:14: unexpected { token: expected `x[, y] in xs { ... "
	        "}` expression"},
	    {MOD "p if every 1 in xs { true }",
	        "2:20: unexpected { token: expected value to be a "
	        "variable"},
	    {MOD "p if every x in xs", "2:19: unexpected eof token: missing body"},
	    {MOD "p if x with 1 as 2", "2:13: unexpected number token: expected ident"},
	    {MOD "p if x with input 2", "2:19: unexpected number token: expected as keyword"},
	    {MOD "p if (1 + 2", "2:12: non-terminated expression"},
	    {MOD "p if x.", "2:8: unexpected eof token: expected ident"},
	    {MOD "p if x. y", "2:9: unexpected ident token: expected ident"},
	    {MOD "p if x[1", "2:9: unexpected eof token: expected ]"},
	    {MOD "p if \"a\".b", "2:6: illegal ref (head cannot be string)"},
	    {MOD "p if 01", "2:6: unexpected number token: expected number without leading zero"},
	    {MOD "p if 1e99999", "2:6: number too big"},
	    {MOD "p if - x", "2:8: unexpected ident token: expected number"},
	    {MOD "p if {1: 2, 3}", "2:8: unexpected : token: expected \\n or ; or }"},
	    {MOD "p := {1: 2, 3}", "2:10: unexpected number token: non-terminated object"},
	    {MOD "p := {1, 2: 3}", "2:11: unexpected : token: expected \",\" or \"}\""},
	    {MOD "p if $\"{x := 1}\"",
	        "2:9: unexpected assignment (':=') in template-string "
	        "expression"},
	    {MOD "p if $\"{x = 1}\"",
	        "2:9: unexpected unification ('=') in template-string "
	        "expression"},
	    {MOD "p if $\"{not x}\"",
	        "2:9: unexpected negation ('not') in template-string "
	        "expression"},
	    {MOD "p if $\"{some x}\"", "2:9: unexpected 'some' in template-string expression"},
	    {MOD "p if $\"{x y}\"", "2:11: expected } to end template string expression"},
	    {MOD "import foo.bar",
	        "2:8: unexpected import path, must begin with one of: {data, "
	        "future, input, rego}, got: foo"},
	    {MOD "import data.foo.if",
	        "2:17: unexpected import path, must not end with a "
	        "keyword, got: if"},
	    {MOD "import rego.v2", "2:8: invalid import `rego.v2`, must be `rego.v1`"},
	    {MOD "import future.foo", "2:8: invalid import, must be `future.keywords`"},
	    {MOD "import future.keywords.foo",
	        "2:8: unexpected keyword, must be one of [contains "
	        "every if in]"},
	    {MOD "import future.keywords as k", "2:8: `future` imports cannot be aliased"},
	    {MOD "import data.x as 1", "2:18: unexpected number token: expected var"},
	    {MOD "import data[x]", "2:13: unexpected var token: expecting string"},
	    {MOD "package u", "2:1: unexpected package keyword"},
	    {MOD "p := 1 else := 2", "2:8: unexpected else keyword"},
	    {MOD "p := 1 }", "2:8: unexpected } token"},
	};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		const char *got = show(cases[i].in, SHOW_TREE);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("parse %s:\n got  %s\n want %s", cases[i].in, got, cases[i].want);
	}
}

static void
test_error_render(void **state)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	const char *src = "package t\n\np if {\n\tx := \xc3\xa9 + [1\n}\n";
	struct rego_module *m;
	struct rego_diag d;
	struct writ_err err;
	struct writ_buf b;

	writ_buf_init(&b, 0);
	assert_int_equal(
	    rego_parse_module(a, "f.rego", src, strlen(src), NULL, &m, &d, &err), WRIT_EPARSE);
	assert_string_equal(err.msg, "f.rego:4:7: rego_parse_error: illegal token");
	assert_int_equal(rego_diag_render(&d, "f.rego", src, strlen(src), &b), WRIT_OK);
	assert_string_equal(b.ptr,
	    "f.rego:4:7: rego_parse_error: illegal token\n"
	    "\t\tx := \xc3\xa9 + [1\n"
	    "\t\t     ^\n");
	writ_buf_free(&b);
	writ_arena_free(a);
}

static void
test_check(void **state)
{
	static const char src[] = MOD "import data.a\nimport data.b as a\nimport rego.v1\n"
	                              "default p := 1\ndefault p := 2\n";
	struct writ_arena *a = writ_arena_new(0, 0);
	struct rego_module *m;
	struct writ_buf b;
	size_t n;

	writ_buf_init(&b, 0);
	assert_int_equal(
	    rego_parse_module(a, "c.rego", src, strlen(src), NULL, &m, NULL, NULL), WRIT_OK);
	n = rego_check_module(m, check_collect, &b);
	assert_int_equal(n, 2);
	assert_string_equal(b.ptr,
	    "3:1: rego_compile_error: import must not shadow import a\n"
	    "6:1: rego_type_error: multiple default rules p found\n");
	writ_buf_free(&b);
	writ_arena_free(a);
}

/* ---------------------------------------------------------------------------
 * Formatting.
 */

static void
test_fmt(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"package   t\np=1", "package t\n\np := 1\n"},
	    {"package a.b[\"c-d\"]", "package a.b[\"c-d\"]\n"},
	    {MOD "import data.b\nimport data.a\n\nimport rego.v1 # x\np := 1",
	        "package t\n\nimport data.a\nimport data.b\n\nimport rego.v1 # x\n\np := 1\n"},
	    {MOD "p if { x }\nq if {\n  x\n  y\n}", "package t\n\np if x\n\nq if {\n\tx\n\ty\n}\n"},
	    {MOD "p := 1\nq := 2\n\nr := 3\ndefault s := 1\nt := 1",
	        "package t\n\np := 1\nq := 2\n\nr := 3\n\ndefault s := 1\n\nt := 1\n"},
	    {MOD "p if { { 1 } }", "package t\n\np if {\n\t{1}\n}\n"},
	    {MOD "p contains x if { some x in [1,2] }",
	        "package t\n\np contains x if some x in [1, 2]\n"},
	    {MOD "p[\"a\"] := 1\nq.r[\"s\"] := 1", "package t\n\np.a := 1\nq.r.s := 1\n"},
	    {MOD "p[\"a\"] := 1", "package t\n\np[\"a\"] := 1\n"},
	    {MOD "f(x,y) = z if { z := x+y*2 }", "package t\n\nf(x, y) := z if z := x + (y * 2)\n"},
	    {MOD "p := ((1 + 2)) * 3", "package t\n\np := (1 + 2) * 3\n"},
	    {MOD "p := [ {1 | 2}, (3 | 4), [x|x:=1] ]",
	        "package t\n\np := [{1 | 2}, (3 | 4), [x | x := 1]]\n"},
	    {MOD "p := 1 if { false } else := 2 if { true } else := 3",
	        "package t\n\np := 1 if {\n\tfalse\n} else := 2 if {\n\ttrue\n} else := 3\n"},
	    {MOD "p if {\n\tx # a\n\n\n\t# b\n\ty\n\t# c\n}\n# end\n",
	        "package t\n\np if {\n\tx # a\n\n\t# b\n\ty\n\t# c\n}\n\n# end\n"},
	    {MOD "x := [\n1, 2,\n  3]", "package t\n\nx := [\n\t1, 2,\n\t3,\n]\n"},
	    {MOD "x := {\"a\": 1,\n\"b\": [2]}",
	        "package t\n\nx := {\n\t\"a\": 1,\n\t\"b\": [2],\n}\n"},
	    {MOD "p if every x in xs {\n\tx\n}", "package t\n\np if every x in xs {\n\tx\n}\n"},
	    {MOD "p if { every x in xs { x } }", "package t\n\np if every x in xs { x }\n"},
	    {MOD "p := [x |\n\tx := 1\n\ty := 2]",
	        "package t\n\np := [x |\n\tx := 1\n\ty := 2\n]\n"},
	    {MOD "p if { x with input as 1\n with data.y as 2 }",
	        "package t\n\np if x with input as 1\n\twith data.y as 2\n"},
	    {MOD "p if {\n\tx with input as 1\n with data.y as 2 }",
	        "package t\n\np if {\n\tx with input as 1\n\t\twith data.y as 2\n}\n"},
	    {MOD "p := $\"a\\{b{x}\\\"c\"", "package t\n\np := $\"a\\{b{x}\\\"c\"\n"},
	    {MOD "p := $`a\\{\n{x}`", "package t\n\np := $`a\\{\n{x}`\n"},
	    {MOD "p := `raw\\n` if \"\\u00e9\"", "package t\n\np := `raw\\n` if \"\\u00e9\"\n"},
	    {MOD "p := set()", "package t\n\np := set()\n"},
	    {MOD "p := x if { some x, y; x = y }",
	        "package t\n\np := x if {\n\tsome x, y\n\tx = y\n}\n"},
	    {MOD "p.not := 1\np[\"not\"] := 2", "package t\n\np[\"not\"] := 1\np[\"not\"] := 2\n"},
	    {MOD "p.q.not := 1\np.q[\"not\"] := 2",
	        "package t\n\np.q.not := 1\np.q[\"not\"] := 2\n"},
	    {MOD "import future.keywords.in", "package t\n\nimport future.keywords.in\n"},
	    {MOD "p := 1 if true\n\nelse := 2",
	        "package t\n\np := 1 if {\n\ttrue\n}\n\nelse := 2\n"},
	    {MOD "p if { not x; -1 < 2 }", "package t\n\np if {\n\tnot x\n\t(-1) < 2\n}\n"},
	    {MOD "p if { -1 < 2; x }", "package t\n\np if {\n\t-1 < 2\n\tx\n}\n"},
	    {MOD "f(x) if { x in {1} }", "package t\n\nf(x) if x in {1}\n"},
	    {MOD "p if {\n\tsome # c\n\t# d\n\tx,\n\ty\n}",
	        "package t\n\np if {\n\tsome x, y # c # d\n}\n"},
	    {MOD "p if { a } { b | c }", "package t\n\np if a\n\np if b | c\n"},
	    {MOD "p if { a } {\n\tb | c\n}", "package t\n\np if a\n\np if {\n\t(b | c)\n}\n"},
	};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		const char *got = show(cases[i].in, SHOW_FMT);

		if (strcmp(got, cases[i].want) != 0)
			fail_msg("fmt %s:\n got  %s\n want %s", cases[i].in, got, cases[i].want);
		/* Formatting is idempotent. */
		if (strcmp(show(cases[i].want, SHOW_FMT), cases[i].want) != 0)
			fail_msg("fmt not idempotent on %s", cases[i].want);
	}
}

/* ---------------------------------------------------------------------------
 * Limits and allocation failures.
 */

static void
test_limits(void **state)
{
	struct rego_limits lim = {.max_source = 64, .max_tokens = 10, .max_depth = 20};
	struct writ_arena *a = writ_arena_new(0, 0);
	struct rego_module *m;
	struct rego_diag d;
	struct writ_err err;
	struct writ_buf b;
	size_t i;

	writ_buf_init(&b, 0);
	/* Source size. */
	for (i = 0; i < 70; i++)
		assert_int_equal(writ_buf_append(&b, " ", 1), WRIT_OK);
	assert_int_equal(rego_parse_module(a, "l", b.ptr, b.len, &lim, &m, &d, &err), WRIT_ELIMIT);
	assert_string_equal(d.msg, "source too large (70 bytes, limit 64)");
	/* Tokens. */
	lim.max_source = 0;
	assert_int_equal(rego_parse_module(
	                     a, "l", MOD "p := [1, 2, 3, 4]", strlen(MOD) + 17, &lim, &m, &d, &err),
	    WRIT_ELIMIT);
	assert_string_equal(d.msg, "too many tokens (limit 10)");
	/* Depth: arrays, sets, parentheses, comprehensions, every and else chains. */
	lim.max_tokens = 0;
	writ_buf_reset(&b);
	assert_int_equal(writ_buf_appends(&b, MOD "p := "), WRIT_OK);
	for (i = 0; i < 100000; i++)
		assert_int_equal(writ_buf_appends(&b,
		                     i % 3 == 0       ? "["
		                         : i % 3 == 1 ? "{"
		                                      : "("),
		    WRIT_OK);
	assert_int_equal(rego_parse_module(a, "l", b.ptr, b.len, NULL, &m, &d, &err), WRIT_ELIMIT);
	assert_string_equal(d.msg, "max parsing recursion depth exceeded (limit 200)");
	assert_int_equal(d.line, 2);
	writ_buf_reset(&b);
	assert_int_equal(writ_buf_appends(&b, MOD "p := 1 if false"), WRIT_OK);
	for (i = 0; i < 50000; i++)
		assert_int_equal(writ_buf_appends(&b, " else := 1 if false"), WRIT_OK);
	assert_int_equal(rego_parse_module(a, "l", b.ptr, b.len, NULL, &m, &d, &err), WRIT_ELIMIT);
	/* Within the limits: depth 20 allows a few levels. */
	assert_int_equal(
	    rego_parse_module(a, "l", MOD "p := [[[1]]]", strlen(MOD) + 12, &lim, &m, &d, &err),
	    WRIT_OK);
	/* A large but flat module parses (and in reasonable time). */
	writ_buf_reset(&b);
	assert_int_equal(writ_buf_appends(&b, MOD), WRIT_OK);
	for (i = 0; i < 20000; i++)
		assert_int_equal(
		    writ_buf_appendf(&b, "p%zu := [%zu, \"x\"] if input.a[%zu]\n", i, i, i),
		    WRIT_OK);
	assert_int_equal(rego_parse_module(a, "l", b.ptr, b.len, NULL, &m, &d, &err), WRIT_OK);
	assert_int_equal(m->rules.n, 20000);
	writ_buf_free(&b);
	writ_arena_free(a);
}

/* A module with every construct, for the allocation-failure tests. */
static const char every_construct[] =
    "# METADATA\n# title: t\npackage a.b[\"c\"]\n\nimport data.x as y\nimport rego.v1\n\n"
    "default allow := false\n\n"
    "allow if {\n\tinput.user == \"alice\" # c\n\tsome x in [1, 2]\n\tsome k, v in {\"a\": 1}\n"
    "\tevery e in {1} { e > 0 }\n\tnot deny with input as {\"z\": [1]}\n"
    "\tx := {y | y := [1, 2][_]}\n\tz := $\"hi {input.user} {1 + 2}\"\n\tw := $`r{x}`\n"
    "\to := {k: v | k := 1; v := `raw`}\n\tcount(set()) == 0\n\ta.b.c(1, 2.5e3)\n}\n\n"
    "f(x) := y if y := x * 2 + 1 - (3 % 1)\n\np[x] := 1 if x := \"a\"\n\n"
    "q contains x if {\n\tsome x\n\tx = -1\n}\n\n"
    "r := 1 if false\nelse := 2 if {\n\ttrue\n} else := 3\n";

static void
test_enomem(void **state)
{
	struct rego_module *m;
	struct rego_diag d;
	struct writ_err err;
	struct writ_buf out;
	bool fired;
	long n;
	writ_rc rc;

	for (n = 1;; n++) {
		struct writ_arena *a = writ_arena_new(0, 0);

		assert_non_null(a);
		writ_buf_init(&out, 0);
		writ_fault_set(n);
		rc = rego_parse_module(
		    a, "f", every_construct, strlen(every_construct), NULL, &m, &d, &err);
		if (rc == WRIT_OK)
			rc = rego_fmt_module(m, &out);
		fired = writ_fault_fired();
		writ_fault_set(0);
		writ_buf_free(&out);
		writ_arena_free(a);
		if (!fired) {
			assert_int_equal(rc, WRIT_OK);
			break;
		}
		if (rc != WRIT_ENOMEM)
			fail_msg("fault %ld: rc %d (%s)", n, rc, d.msg);
	}
	assert_true(n > 10);
}

static void
test_arena_cap(void **state)
{
	size_t cap;
	writ_rc rc = WRIT_ENOMEM;

	for (cap = 256; rc != WRIT_OK; cap += 512) {
		struct writ_arena *a = writ_arena_new(cap, 0);
		struct rego_module *m;
		struct rego_diag d;

		assert_non_null(a);
		rc = rego_parse_module(
		    a, "f", every_construct, strlen(every_construct), NULL, &m, &d, NULL);
		if (rc != WRIT_OK && rc != WRIT_ENOMEM)
			fail_msg("cap %zu: rc %d (%s)", cap, rc, d.msg);
		if (rc == WRIT_ENOMEM)
			assert_string_equal(d.msg, "out of memory");
		writ_arena_free(a);
	}
}

/* ---------------------------------------------------------------------------
 * The OPA conformance suite.
 */

struct conf_stats {
	size_t ncases, nok, nmodules, nqueries, nterms, nfmt_ok;
};

/* Parse one module; on success also check fmt round trip.  False on failure. */
static bool
conf_module(const char *note, const char *src, size_t len, struct conf_stats *st)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct rego_module *m, *m2, *m3;
	struct writ_buf t1, t2, f1, f2;
	struct writ_err err;
	bool ok = false;

	writ_buf_init(&t1, 0);
	writ_buf_init(&t2, 0);
	writ_buf_init(&f1, 0);
	writ_buf_init(&f2, 0);
	st->nmodules++;
	if (rego_parse_module(a, note, src, len, NULL, &m, NULL, &err) != WRIT_OK) {
		print_message("PARSE %s\n  %s\n", note, err.msg);
		goto out;
	}
	ok = true;
	if (rego_fmt_module(m, &f1) != WRIT_OK ||
	    rego_parse_module(a, note, f1.ptr, f1.len, NULL, &m2, NULL, &err) != WRIT_OK) {
		print_message("FMT-REPARSE %s\n  %s\n%s\n", note, err.msg, f1.ptr);
		goto out;
	}
	if (rego_ast_print_module(m, false, &t1) != WRIT_OK ||
	    rego_ast_print_module(m2, false, &t2) != WRIT_OK || strcmp(t1.ptr, t2.ptr) != 0) {
		print_message("FMT-AST %s\n%s\n%s\n%s\n", note, t1.ptr, t2.ptr, f1.ptr);
		goto out;
	}
	if (rego_fmt_module(m2, &f2) != WRIT_OK || strcmp(f1.ptr, f2.ptr) != 0 ||
	    rego_parse_module(a, note, f2.ptr, f2.len, NULL, &m3, NULL, &err) != WRIT_OK) {
		print_message("FMT-IDEMPOTENT %s\n%s\n---\n%s\n", note, f1.ptr, f2.ptr);
		goto out;
	}
	st->nfmt_ok++;
out:
	writ_buf_free(&t1);
	writ_buf_free(&t2);
	writ_buf_free(&f1);
	writ_buf_free(&f2);
	writ_arena_free(a);
	return ok;
}

/* Parse a query or a term; false on failure. */
static bool
conf_query(const char *note, const char *src, bool term)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_err err;
	struct rego_body *q;
	struct rego_term *t;
	writ_rc rc;

	rc = term ? rego_parse_term(a, note, src, strlen(src), NULL, &t, NULL, &err)
	          : rego_parse_query(a, note, src, strlen(src), NULL, &q, NULL, &err);
	if (rc != WRIT_OK)
		print_message("%s %s\n  %s\n  %s\n", term ? "TERM" : "QUERY", note, err.msg, src);
	writ_arena_free(a);
	return rc == WRIT_OK;
}

static bool
conf_case(json_t *c, struct conf_stats *st)
{
	const char *note = json_string_value(json_object_get(c, "note"));
	json_t *mods = json_object_get(c, "modules"), *v;
	bool ok = true;
	size_t i;

	json_array_foreach(mods, i, v)
	{
		if (!conf_module(note, json_string_value(v), json_string_length(v), st))
			ok = false;
	}
	if ((v = json_object_get(c, "query")) != NULL && json_is_string(v)) {
		st->nqueries++;
		ok = conf_query(note, json_string_value(v), false) && ok;
	}
	if ((v = json_object_get(c, "input_term")) != NULL && json_is_string(v)) {
		st->nterms++;
		ok = conf_query(note, json_string_value(v), true) && ok;
	}
	return ok;
}

static void
test_conformance(void **state)
{
	const char *dir = getenv("WRIT_CONFORMANCE_DIR");
	struct conf_stats st = {0};
	char path[512], *line = NULL;
	size_t cap = 0;
	json_t *c;
	FILE *f;

	snprintf(path, sizeof(path), "%s/v1-cases.jsonl", dir != NULL ? dir : WRIT_CONFORMANCE_DIR);
	if ((f = fopen(path, "r")) == NULL) {
		print_message("skipped: no %s\n", path);
		skip();
	}
	while (getline(&line, &cap, f) > 0) {
		if ((c = json_loads(line, JSON_DECODE_INT_AS_REAL, NULL)) == NULL)
			continue;
		st.ncases++;
		if (conf_case(c, &st))
			st.nok++;
		json_decref(c);
	}
	free(line);
	fclose(f);
	print_message("conformance: %zu/%zu cases parse (%zu modules, %zu queries, %zu "
	              "input terms); fmt round trip ok for %zu/%zu modules\n",
	    st.nok, st.ncases, st.nmodules, st.nqueries, st.nterms, st.nfmt_ok, st.nmodules);
	assert_int_equal(st.nok, st.ncases);
	assert_int_equal(st.nfmt_ok, st.nmodules);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tokens),
	    cmocka_unit_test(test_lex_errors),
	    cmocka_unit_test(test_lex_nul),
	    cmocka_unit_test(test_rules),
	    cmocka_unit_test(test_terms_exprs),
	    cmocka_unit_test(test_term),
	    cmocka_unit_test(test_locations),
	    cmocka_unit_test(test_metadata),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_error_render),
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_fmt),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_enomem),
	    cmocka_unit_test(test_arena_cap),
	    cmocka_unit_test(test_conformance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
