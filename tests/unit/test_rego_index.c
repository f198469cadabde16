/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of rule indexing (lib/rego/index.c) and of the compacted
 * bundle AST (lib/rego/compile_copy.c): which rules a lookup selects for an
 * input and data (equality on input and data refs in both operand orders,
 * `=` and `==`, rules without indexable expressions, else chains, refs to
 * rules, non-scalar and missing values, numbers of different spellings),
 * and that every query answers the same with the indexes as without them
 * (defaults, functions, `with input as`, generated policies: a
 * differential test after WireGuard's horrible_allowedips).
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
#include "writ/rego.h"

#include "rego/eval.h"
#include "rego/value.h"

#include "support/rego_fx.h"

/* The node at dotted path (below data), or fail. */
static const struct rego_node *
node_at(const struct writ_rego_bundle *b, const char *path)
{
	const struct rego_node *n = b->root;
	const char *s = path;

	while (*s != '\0') {
		size_t len = strcspn(s, ".");

		n = rego_node_child(n, s, len);
		if (n == NULL)
			fail_msg("no node %s", path);
		s += len + (s[len] == '.');
	}
	return n;
}

/*
 * The rules of the node at path that a lookup selects, as "0,2,5", "all"
 * (not indexed) or "none".
 */
static void
expect_cands(
    const char *mod, const char *data, const char *input, const char *path, const char *want)
{
	struct writ_rego_bundle *b = fx_rego_compile(mod, data);
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_rego_error err = {0};
	struct writ_err we = {0};
	struct rego_ev e = {0};
	const uint32_t *c = NULL;
	size_t i, nc = 0, len = 0;
	char got[256] = "";

	assert_non_null(a);
	e.b = b;
	e.a = a;
	e.err = &err;
	e.data = b->data;
	if (input != NULL)
		assert_int_equal(
		    rego_json_parse(a, input, strlen(input), NULL, &e.input, &we), WRIT_OK);
	assert_int_equal(rego_index_lookup(&e, node_at(b, path), &c, &nc), EV_OK);
	if (c == NULL)
		snprintf(got, sizeof(got), "all");
	else if (nc == 0)
		snprintf(got, sizeof(got), "none");
	for (i = 0; c != NULL && i < nc; i++)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%u", i ? "," : "", c[i]);
	if (strcmp(got, want) != 0)
		fail_msg(
		    "%s with input %s: got %s, want %s", path, input ? input : "(none)", got, want);
	writ_arena_free(a);
	writ_rego_bundle_free(b);
}

/* Evaluate query into out (JSON or "error: ..."). */
static void
eval_str(const struct writ_rego_bundle *b, const char *query, const char *input, char *out,
    size_t outlen)
{
	struct writ_rego_eval_opts o = {0};
	struct writ_rego_error err;
	struct writ_buf buf;

	o.query = query;
	o.input_json = input;
	o.input_len = input != NULL ? strlen(input) : 0;
	writ_buf_init(&buf, 0);
	if (writ_rego_eval(b, &o, &buf, &err) != WRIT_OK)
		snprintf(out, outlen, "error: %s: %s", err.code, err.message);
	else
		snprintf(out, outlen, "%s", buf.ptr != NULL ? buf.ptr : "");
	writ_buf_free(&buf);
}

/*
 * Evaluate query with the indexes and without them: the answers must agree,
 * and contain want when it is not NULL.
 */
static void
expect_same(
    const char *mod, const char *data, const char *input, const char *query, const char *want)
{
	struct writ_rego_bundle *b = fx_rego_compile(mod, data);
	char with[4096], without[4096];

	eval_str(b, query, input, with, sizeof(with));
	rego_index_drop(b);
	eval_str(b, query, input, without, sizeof(without));
	if (strcmp(with, without) != 0)
		fail_msg("%s on %s: indexed %s, unindexed %s", query, input ? input : "-", with,
		    without);
	if (want != NULL && strstr(with, want) == NULL)
		fail_msg("%s on %s: got %s, want %s", query, input ? input : "-", with, want);
	writ_rego_bundle_free(b);
}

/* ---------------------------------------------------------------------------
 * Which rules a lookup selects.
 */

static const char routes[] = "package p\n"
                             "allow if { input.method == \"GET\"; input.path == \"/a\" }\n"
                             "allow if { \"POST\" == input.method }\n"
                             "allow if { input.method = \"PUT\" }\n"
                             "allow if { \"DELETE\" = input.method; input.path = \"/d\" }\n"
                             "allow if { input.user == \"admin\" }\n"
                             "allow if { count(input) > 100 }\n"
                             "allow if { input.method == \"GET\"; input.path == \"/b\" }\n";

static void
test_select_input(void **state)
{
	(void)state;
	expect_cands(routes, NULL, "{\"method\":\"GET\",\"path\":\"/a\"}", "p.allow", "0,5");
	expect_cands(routes, NULL, "{\"method\":\"GET\",\"path\":\"/b\"}", "p.allow", "5,6");
	expect_cands(routes, NULL, "{\"method\":\"GET\",\"path\":\"/c\"}", "p.allow", "5");
	expect_cands(routes, NULL, "{\"method\":\"POST\"}", "p.allow", "1,5");
	expect_cands(routes, NULL, "{\"method\":\"PUT\",\"user\":\"admin\"}", "p.allow", "2,4,5");
	expect_cands(routes, NULL, "{\"method\":\"DELETE\",\"path\":\"/d\"}", "p.allow", "3,5");
	expect_cands(routes, NULL, "{\"method\":\"DELETE\",\"path\":\"/a\"}", "p.allow", "3,5");
	/* Missing and non-scalar values match nothing. */
	expect_cands(routes, NULL, "{}", "p.allow", "5");
	expect_cands(routes, NULL, NULL, "p.allow", "5");
	expect_cands(routes, NULL, "{\"method\":[\"GET\"],\"path\":\"/a\"}", "p.allow", "5");
	expect_cands(routes, NULL, "{\"method\":{\"GET\":1}}", "p.allow", "5");
	expect_cands(routes, NULL, "[1,2]", "p.allow", "5");
}

static void
test_select_scalars(void **state)
{
	static const char mod[] = "package p\n"
	                          "r if input.n == 1\n"
	                          "r if input.n == 2.5\n"
	                          "r if input.b == true\n"
	                          "r if null == input.z\n"
	                          "r if input.a[0] == \"x\"\n"
	                          "r if input[\"k\"] == \"y\"\n";

	(void)state;
	expect_cands(mod, NULL, "{\"n\":1.0}", "p.r", "0,5");
	expect_cands(mod, NULL, "{\"n\":1e0}", "p.r", "0,5");
	expect_cands(mod, NULL, "{\"n\":\"1\"}", "p.r", "5");
	expect_cands(mod, NULL, "{\"n\":2.50}", "p.r", "1,5");
	expect_cands(mod, NULL, "{\"b\":true,\"z\":null}", "p.r", "2,3,5");
	expect_cands(mod, NULL, "{\"b\":1,\"z\":false}", "p.r", "5");
	expect_cands(mod, NULL, "{\"a\":[\"x\"],\"k\":\"y\"}", "p.r", "4,5");
	expect_cands(mod, NULL, "{\"a\":{\"0\":\"x\"}}", "p.r", "5");
}

static void
test_select_data(void **state)
{
	static const char mod[] = "package p\n"
	                          "r if data.cfg.mode == \"strict\"\n"
	                          "r if \"open\" = data.cfg.mode\n"
	                          "r if data.p.flag == true\n" /* a rule: not indexed */
	                          "r if data.q == 1\n"         /* a package: not indexed */
	                          "flag := true\n";
	static const char q[] = "package q\nx := 1\n";
	struct writ_rego_source src[2] = {
	    {"a.rego", mod, sizeof(mod) - 1}, {"b.rego", q, sizeof(q) - 1}};
	const char *data = "{\"cfg\":{\"mode\":\"strict\"}}";
	struct writ_rego_compile_opts o = {src, 2, data, strlen(data), false};
	struct writ_rego_bundle *b = NULL;
	struct writ_rego_error err;
	struct writ_arena *a = writ_arena_new(0, 0);
	struct rego_ev e = {0};
	const uint32_t *c = NULL;
	size_t nc = 0;

	(void)state;
	assert_int_equal(writ_rego_compile(&o, &b, &err), WRIT_OK);
	e.b = b;
	e.a = a;
	e.err = &err;
	e.data = b->data;
	assert_int_equal(rego_index_lookup(&e, node_at(b, "p.r"), &c, &nc), EV_OK);
	assert_non_null(c);
	assert_int_equal(nc, 3);
	assert_int_equal(c[0], 0);
	assert_int_equal(c[1], 2);
	assert_int_equal(c[2], 3);
	writ_arena_free(a);
	writ_rego_bundle_free(b);
	/* Alone, data.q is a base document: indexed, and undefined here. */
	expect_cands(mod, "{\"cfg\":{\"mode\":\"open\"}}", NULL, "p.r", "1,2");
	expect_cands(mod, "{}", NULL, "p.r", "2");
	expect_cands(mod, "{\"q\":1}", NULL, "p.r", "2,3");
}

static void
test_select_always(void **state)
{
	static const char mod[] = "package p\n"
	                          "r if { input.x == 1 } else := 2 if { input.x == 2 }\n"
	                          "r if { not input.x == 3 }\n"
	                          "r if { input.x != 4 }\n"
	                          "r if { input.x == 5 with input as {\"x\": 5} }\n"
	                          "r if { input.x == input.y }\n"
	                          "r if { x := 6; input.x == x }\n"
	                          "r if { input.x == 7 }\n";

	(void)state;
	expect_cands(mod, NULL, "{\"x\":1}", "p.r", "0,1,2,3,4,5");
	expect_cands(mod, NULL, "{\"x\":7}", "p.r", "0,1,2,3,4,5,6");
	/* One indexable rule of one: nothing to gain, but nodes of one rule are not indexed. */
	expect_cands("package p\nr if input.x == 1\n", NULL, "{\"x\":2}", "p.r", "all");
	/* No indexable expression anywhere. */
	expect_cands("package p\nr if input.x > 1\nr if input.y\n", NULL, "{}", "p.r", "all");
}

/* ---------------------------------------------------------------------------
 * Answers with and without the indexes.
 */

static void
test_same_answers(void **state)
{
	static const char mod[] = "package p\n"
	                          "default allow := false\n"
	                          "allow if { input.method == \"GET\"; input.path == \"/a\" }\n"
	                          "allow if { \"POST\" = input.method; input.user == \"root\" }\n"
	                          "allow if { input.method == \"PUT\" } else := \"maybe\" if { "
	                          "input.method == \"PATCH\" }\n"
	                          "level := 1 if input.user == \"a\"\n"
	                          "level := 2 if input.user == \"b\"\n"
	                          "level := 3 if input.user == \"a\"\n"
	                          "roles contains \"r1\" if input.user == \"a\"\n"
	                          "roles contains \"r2\" if input.user == \"b\"\n"
	                          "roles contains \"r3\" if input.group == \"g\"\n"
	                          "obj[input.user] := 1 if input.method == \"GET\"\n"
	                          "obj[\"k\"] := 2 if input.method == \"POST\"\n"
	                          "f(x) := 1 if { x == 1; input.method == \"GET\" }\n"
	                          "f(x) := 2 if { x == 2 }\n"
	                          "g := f(1)\n"
	                          "h := f(2)\n";
	static const char *inputs[] = {
	    "{\"method\":\"GET\",\"path\":\"/a\",\"user\":\"a\"}",
	    "{\"method\":\"POST\",\"user\":\"root\"}",
	    "{\"method\":\"PATCH\",\"user\":\"b\",\"group\":\"g\"}",
	    "{\"method\":\"PUT\"}",
	    "{\"method\":[1],\"user\":{}}",
	    "{}",
	    NULL,
	};
	static const char *queries[] = {"data.p.allow", "data.p.level", "data.p.roles",
	    "data.p.obj", "data.p.g", "data.p.h", "data.p"};
	size_t i, j;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(inputs); i++)
		for (j = 0; j < WRIT_ARRAY_LEN(queries); j++)
			expect_same(mod, NULL, inputs[i], queries[j], NULL);
	expect_same(mod, NULL, inputs[0], "data.p.allow", "true");
	expect_same(mod, NULL, inputs[3], "data.p.allow", "true");
	expect_same(mod, NULL, inputs[2], "data.p.allow", "maybe");
	expect_same(mod, NULL, inputs[5], "data.p.allow", "false");
	expect_same(mod, NULL, inputs[0], "data.p.level", "eval_conflict_error");
	expect_same(mod, NULL, inputs[2], "data.p.roles", "[\"r2\",\"r3\"]");
	expect_same(mod, NULL, inputs[0], "data.p.g", "1");
	expect_same(mod, NULL, inputs[1], "data.p.g", "[]");
}

static void
test_same_with(void **state)
{
	static const char mod[] = "package p\n"
	                          "default allow := false\n"
	                          "allow if input.method == \"GET\"\n"
	                          "allow if input.method == \"HEAD\"\n"
	                          "allow if data.cfg.open == true\n"
	                          "q1 := x if x := allow with input as {\"method\": \"HEAD\"}\n"
	                          "q2 := x if x := allow with input.method as \"POST\"\n"
	                          "q3 := x if x := allow with data.cfg.open as true\n"
	                          "q4 := [allow, q1, q2, q3]\n"
	                          "mock(a, b) := true\n"
	                          "m if input.method == \"GET\"\n"
	                          "m if input.method == \"HEAD\"\n"
	                          "q5 := x if x := m with equal as mock\n";
	const char *data = "{\"cfg\":{\"open\":false}}";

	(void)state;
	expect_same(mod, data, "{\"method\":\"POST\"}", "data.p.q4", "[false,true,false,true]");
	expect_same(mod, data, "{\"method\":\"GET\"}", "data.p.q4", "[true,true,false,true]");
	/* A replaced == must see every rule (the index would apply the real one). */
	expect_same(mod, data, "{\"method\":\"POST\"}", "data.p.q5", "true");
	expect_same(mod, data, "{\"method\":\"GET\"}",
	    "x := data.p.allow with input as {\"method\": \"PUT\"}", "false");
	expect_same(mod, data, "{\"method\":\"PUT\"}",
	    "x := data.p.allow with input as {\"method\": \"HEAD\"}", "true");
	expect_same(mod, data, "{\"method\":\"PUT\"}",
	    "x := data.p.allow with data.cfg as {\"open\": true}", "true");
}

/* A deterministic generator (xorshift64*). */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static const char *const gen_refs[] = {
    "input.a", "input.b", "input[\"c\"]", "data.d.e", "input.a.x"};
static const char *const gen_vals[] = {"1", "2", "1.0", "\"1\"", "\"x\"", "true", "null"};

/* One generated rule body literal. */
static size_t
gen_lit(uint64_t *s, char *out, size_t len)
{
	const char *r = gen_refs[rnd(s) % WRIT_ARRAY_LEN(gen_refs)];
	const char *v = gen_vals[rnd(s) % WRIT_ARRAY_LEN(gen_vals)];
	const char *op = rnd(s) % 2 ? "==" : "=";

	switch (rnd(s) % 6) {
	case 0:
		return (size_t)snprintf(out, len, "%s %s %s", v, op, r);
	case 1:
		return (size_t)snprintf(out, len, "%s != %s", r, v);
	case 2:
		return (size_t)snprintf(out, len, "not %s %s %s", r, op, v);
	default:
		return (size_t)snprintf(out, len, "%s %s %s", r, op, v);
	}
}

static void
gen_policy(uint64_t *s, char *out, size_t len)
{
	size_t n = 2 + rnd(s) % 30, i, j, k, w;

	w = (size_t)snprintf(out, len, "package g\ndefault p := 0\n");
	for (i = 0; i < n && w < len - 512; i++) {
		size_t nlit = 1 + rnd(s) % 3;

		w += (size_t)snprintf(out + w, len - w, "p := %zu if {", i % 3 + 1);
		for (j = 0; j < nlit; j++) {
			w += (size_t)snprintf(out + w, len - w, "%s", j ? "; " : " ");
			k = gen_lit(s, out + w, len - w);
			w += k;
		}
		w += (size_t)snprintf(out + w, len - w, " }");
		if (rnd(s) % 8 == 0)
			w += (size_t)snprintf(out + w, len - w, " else := 9 if { input.a == 2 }");
		w += (size_t)snprintf(out + w, len - w, "\ns contains %zu if { ", i);
		k = gen_lit(s, out + w, len - w);
		w += k;
		w += (size_t)snprintf(out + w, len - w, " }\n");
	}
}

static void
gen_value(uint64_t *s, char *out, size_t len)
{
	static const char *const v[] = {
	    "1", "2", "1.0", "\"1\"", "\"x\"", "true", "null", "[1]", "{\"x\":1}", "{\"x\":\"x\"}"};

	snprintf(out, len, "%s", v[rnd(s) % WRIT_ARRAY_LEN(v)]);
}

static void
test_generated(void **state)
{
	static char mod[16384];
	uint64_t s = 0x9e3779b97f4a7c15ull;
	size_t round, i;

	(void)state;
	for (round = 0; round < 60; round++) {
		struct writ_rego_bundle *b, *nb;
		char data[128], dv[32];

		gen_policy(&s, mod, sizeof(mod));
		gen_value(&s, dv, sizeof(dv));
		snprintf(data, sizeof(data), "{\"d\":{\"e\":%s}}", dv);
		b = fx_rego_compile(mod, data);
		nb = fx_rego_compile(mod, data);
		rego_index_drop(nb);
		for (i = 0; i < 12; i++) {
			char input[256], a[32], bv[32], c[32], r1[4096], r2[4096];

			gen_value(&s, a, sizeof(a));
			gen_value(&s, bv, sizeof(bv));
			gen_value(&s, c, sizeof(c));
			snprintf(input, sizeof(input), "{\"a\":%s,\"b\":%s,\"c\":%s}", a, bv, c);
			eval_str(b, "x := data.g", input, r1, sizeof(r1));
			eval_str(nb, "x := data.g", input, r2, sizeof(r2));
			if (strcmp(r1, r2) != 0)
				fail_msg("policy\n%s\ninput %s: indexed %s, unindexed %s", mod,
				    input, r1, r2);
		}
		writ_rego_bundle_free(b);
		writ_rego_bundle_free(nb);
	}
}

/* The compacted AST keeps what evaluation needs (metadata, imports, locations in errors). */
static void
test_compact(void **state)
{
	static const char mod[] = "package p\n"
	                          "import input.user as u\n"
	                          "# METADATA\n"
	                          "# title: T\n"
	                          "r := rego.metadata.rule().title if u == \"a\"\n"
	                          "c := 1 if input.x == 1\n"
	                          "c := 2 if input.x == 1\n";

	(void)state;
	expect_same(mod, NULL, "{\"user\":\"a\"}", "data.p.r", "\"T\"");
	expect_same(mod, NULL, "{\"x\":1}", "data.p.c", "eval_conflict_error");
	expect_same("package p\nr := x if { x := \"a\\u0000b\"; input.s == \"a\\u0000b\" }\n", NULL,
	    "{\"s\":\"a\\u0000b\"}", "data.p.r", "a\\u0000b");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_select_input),
	    cmocka_unit_test(test_select_scalars),
	    cmocka_unit_test(test_select_data),
	    cmocka_unit_test(test_select_always),
	    cmocka_unit_test(test_same_answers),
	    cmocka_unit_test(test_same_with),
	    cmocka_unit_test(test_generated),
	    cmocka_unit_test(test_compact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
