/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the Rego compiler and evaluator through the public API
 * (include/writ/rego.h): results and bindings as `opa eval` prints them,
 * the core language (rules, functions, else, default, with, every, some,
 * comprehensions, templates, base and virtual documents), compile errors
 * (parse, unsafe variables, recursion, unknown functions), evaluation errors
 * (conflicts), the limits (steps, memory, time, nesting) that must end a
 * runaway query cleanly, a bundle shared by threads, and allocation
 * failures.  Only builtins the evaluator implements itself are relied on,
 * except where a test says it skips without the builtin.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "writ/rego.h"
#include "rego/builtin.h"

#include "support/rego_fx.h"

/* Evaluate; returns the rc, the result in out (caller frees) and the error. */
static writ_rc
eval_q(const struct writ_rego_bundle *b, const char *query, const char *input,
    const struct writ_rego_limits *lim, struct writ_buf *out, struct writ_rego_error *err)
{
	struct writ_rego_eval_opts o = {0};

	o.query = query;
	o.input_json = input;
	o.input_len = input != NULL ? strlen(input) : 0;
	if (lim != NULL)
		o.limits = *lim;
	writ_buf_init(out, 0);
	return writ_rego_eval(b, &o, out, err);
}

/* The value of x in the only solution, as compact JSON, or "undefined". */
static void
expect_x(const char *mod, const char *data, const char *input, const char *query, const char *want)
{
	struct writ_rego_bundle *b = fx_rego_compile(mod, data);
	struct writ_rego_error err;
	struct writ_buf out;
	char msg[1024], got[4096];
	const char *p;

	if (eval_q(b, query, input, NULL, &out, &err) != WRIT_OK) {
		writ_rego_error_format(&err, msg, sizeof(msg));
		fail_msg("eval %s: %s", query, msg);
	}
	if (strcmp(out.ptr, "[]") == 0) {
		snprintf(got, sizeof(got), "undefined");
	} else if ((p = strstr(out.ptr, "\"bindings\":{\"x\":")) != NULL) {
		size_t len = strlen(p + 16);

		snprintf(got, sizeof(got), "%.*s", (int)(len >= 2 ? len - 3 : 0), p + 16);
	} else {
		snprintf(got, sizeof(got), "%s", out.ptr);
	}
	if (strcmp(got, want) != 0)
		fail_msg("%s: got %s, want %s (result %s)", query, got, want, out.ptr);
	writ_buf_free(&out);
	writ_rego_bundle_free(b);
}

/* Evaluation must fail with code (and message containing text, if given). */
static void
expect_eval_err(const char *mod, const char *query, const struct writ_rego_limits *lim,
    const char *code, const char *text)
{
	struct writ_rego_bundle *b = fx_rego_compile(mod, NULL);
	struct writ_rego_error err;
	struct writ_buf out;
	writ_rc rc = eval_q(b, query, NULL, lim, &out, &err);

	if (rc == WRIT_OK)
		fail_msg("%s: no error, result %s", query, out.ptr);
	assert_string_equal(err.code, code);
	if (text != NULL && strstr(err.message, text) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", query, err.message, text);
	writ_buf_free(&out);
	writ_rego_bundle_free(b);
}

static void
expect_compile_err(const char *mod, const char *code, int row)
{
	struct writ_rego_source src = {"t.rego", mod, strlen(mod)};
	struct writ_rego_compile_opts o = {&src, 1, NULL, 0, false};
	struct writ_rego_bundle *b = NULL;
	struct writ_rego_error err;

	if (writ_rego_compile(&o, &b, &err) == WRIT_OK)
		fail_msg("compiled: %s", mod);
	assert_null(b);
	assert_string_equal(err.code, code);
	assert_string_equal(err.file, "t.rego");
	if (row > 0)
		assert_int_equal(err.row, row);
}

/* ---------------------------------------------------------------------------
 * Results.
 */

static void
test_result_shape(void **state)
{
	struct writ_rego_bundle *b = fx_rego_compile("package a\np := 1\n", NULL);
	struct writ_rego_error err;
	struct writ_buf out;

	(void)state;
	assert_int_equal(eval_q(b, "data.a.p = x", NULL, NULL, &out, &err), WRIT_OK);
	assert_string_equal(out.ptr,
	    "[{\"expressions\":[{\"value\":true,\"text\":\"data.a.p = x\","
	    "\"location\":{\"row\":1,\"col\":1}}],\"bindings\":{\"x\":1}}]");
	writ_buf_free(&out);
	assert_int_equal(eval_q(b, "data.a.p", NULL, NULL, &out, &err), WRIT_OK);
	assert_string_equal(out.ptr,
	    "[{\"expressions\":[{\"value\":1,\"text\":\"data.a.p\","
	    "\"location\":{\"row\":1,\"col\":1}}]}]");
	writ_buf_free(&out);
	assert_int_equal(eval_q(b, "data.a.q", NULL, NULL, &out, &err), WRIT_OK);
	assert_string_equal(out.ptr, "[]");
	writ_buf_free(&out);
	writ_rego_bundle_free(b);
}

/* A table of one-module cases: the value of x. */
struct xcase {
	const char *mod, *data, *input, *query, *want;
};

static const struct xcase xcases[] = {
    /* Refs and call arguments that need no search (rego_ev_direct). */
    {"package a\np if { s := {\"a\", \"b\"}; s[\"a\"] }\n", NULL, NULL, "x = data.a.p", "true"},
    {"package a\np if { s := {\"a\", \"b\"}; s[\"c\"] }\n", NULL, NULL, "x = data.a.p",
        "undefined"},
    {"package a\np := x if { a := [10, 20]; x := a[1] }\n", NULL, NULL, "x = data.a.p", "20"},
    {"package a\np := x if { a := [10, 20]; x := a[5] }\n", NULL, NULL, "x = data.a.p",
        "undefined"},
    {"package a\np := x if { a := [10, 20]; x := a.k }\n", NULL, NULL, "x = data.a.p", "undefined"},
    {"package a\np := input.n.m\n", NULL, "{\"n\":1}", "x = data.a.p", "undefined"},
    {"package a\np := x if { o := {\"k\": [1, 2]}; i := \"k\"; x := o[i][0] }\n", NULL, NULL,
        "x = data.a.p", "1"},
    {"package a\np := x if { o := {1: \"one\"}; k := 1; x := o[k] }\n", NULL, NULL, "x = data.a.p",
        "\"one\""},
    {"package a\np := count(input)\n", NULL, "{\"a\":1,\"b\":2}", "x = data.a.p", "2"},
    {"package a\np := count(input.missing)\n", NULL, "{}", "x = data.a.p", "undefined"},
    {"package a\np := x if { o := {\"k\": 1}; x := object.get(o, \"k\", 0) + o.k }\n", NULL,
        NULL, "x = data.a.p", "2"},
    {"package a\np := [v | v := input.xs[_].v]\n", NULL, "{\"xs\":[{\"v\":1},{\"v\":2}]}",
        "x = data.a.p", "[1,2]"},
    {"package a\np := x if x := input.s[\"b\"]\n", NULL, "{\"s\":{\"b\":true}}", "x = data.a.p",
        "true"},
    {"package a\nallow if input.user == \"alice\"\n", NULL, "{\"user\":\"alice\"}",
        "x = data.a.allow", "true"},
    {"package a\nallow if input.user == \"alice\"\n", NULL, "{\"user\":\"bob\"}",
        "x = data.a.allow", "undefined"},
    {"package a\ndefault allow := false\nallow if input.ok\n", NULL, "{}", "x = data.a.allow",
        "false"},
    {"package a\ns contains v if some v in [3, 1, 2]\n", NULL, NULL, "x = data.a.s", "[1,2,3]"},
    {"package a\no[k] := v if some k, v in {\"b\": 2, \"a\": 1}\n", NULL, NULL, "x = data.a.o",
        "{\"a\":1,\"b\":2}"},
    {"package a\nf(x) := y if y := [x, x]\n", NULL, NULL, "x = data.a.f(1)", "[1,1]"},
    {"package a\nf(1) := \"one\"\nf(x) := \"other\" if x != 1\n", NULL, NULL, "x = data.a.f(1)",
        "\"one\""},
    {"package a\np := 1 if false\nelse := 2 if true\n", NULL, NULL, "x = data.a.p", "2"},
    {"package a\np if every v in [1, 2] { v != 3 }\n", NULL, NULL, "x = data.a.p", "true"},
    {"package a\np if every v in [1, 3] { v != 3 }\n", NULL, NULL, "x = data.a.p", "undefined"},
    {"package a\np := [v | some v in input.xs; v != 2]\n", NULL, "{\"xs\":[1,2,3]}", "x = data.a.p",
        "[1,3]"},
    {"package a\np := {k: 1 | some k in [\"x\", \"y\"]}\n", NULL, NULL, "x = data.a.p",
        "{\"x\":1,\"y\":1}"},
    {"package a\np := x if x := input.v with input.v as 7\n", NULL, NULL, "x = data.a.p", "7"},
    {"package a\nq := input.v\np if q == 8 with input.v as 8\n", NULL, NULL, "x = data.a.p",
        "true"},
    {"package a\np := $\"n={input.n} s={input.s}\"\n", NULL, "{\"n\":[1],\"s\":\"x\"}",
        "x = data.a.p", "\"n=[1] s=x\""},
    {"package a.b\nr := 1\n", "{\"a\":{\"c\":2}}", NULL, "x = data.a", "{\"b\":{\"r\":1},\"c\":2}"},
    {"package a\nr := 1\n", "{\"a\":{\"c\":2}}", NULL, "x = [k | data.a[k]]", "[\"c\",\"r\"]"},
    {"package a\np.q[r] := 1 if some r in [\"s\"]\n", NULL, NULL, "x = data.a.p",
        "{\"q\":{\"s\":1}}"},
    {"package a\np contains x if { some x in [1]; not x == 2 }\n", NULL, NULL, "x = data.a.p",
        "[1]"},
    {"package a\np := [w | walk([1], w)]\n", NULL, NULL, "x = data.a.p", "[[[],[1]],[[0],1]]"},
    {"package a\np := x if { [x, 2] = [1, y]; y == 2 }\n", NULL, NULL, "x = data.a.p", "1"},
    {"package a\np if { x > 1; x = 5 }\n", NULL, NULL, "x = data.a.p", "true"},
    {"package a\nq := data.b.c\np := x if x := q with data.b.c as 3\n", "{\"b\":{\"c\":1}}", NULL,
        "x = data.a.p", "3"},
    {"package a\nf(x) := 1\ng(x) := 2\np := x if x := f(0) with f as g\n", NULL, NULL,
        "x = data.a.p", "2"},
    {"package a\nq := v if v := input.m\np := x if x := q with input.m as \"m\"\n", NULL, NULL,
        "x = data.a.p", "\"m\""},
    {"package a\nimport data.b.c as d\np := d\n", "{\"b\":{\"c\":[1]}}", NULL, "x = data.a.p",
        "[1]"},
    {"package a\np.q.r contains 1\np.q.s := 2\n", NULL, NULL, "x = data.a.p",
        "{\"q\":{\"r\":[1],\"s\":2}}"},
    {"package a\np := data.b[2]\n", "{\"b\":{\"2\":\"two\"}}", NULL, "x = data.a.p", "\"two\""},
};

static void
test_language(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(xcases); i++) {
		const struct xcase *c = &xcases[i];

		expect_x(c->mod, c->data, c->input, c->query, c->want);
	}
}

/* ---------------------------------------------------------------------------
 * Errors.
 */

/*
 * Base data at or under a rule's path: refused with data_conflicts (as opa
 * eval and OPA's server refuse it), at the rule defined first; otherwise the
 * base document wins, as in OPA's topdown tests.
 */
static void
test_data_conflicts(void **state)
{
	static const char mod[] = "package authz\n\ndefault allow := false\n\nallow if input.ok\n";
	static const struct {
		const char *data;
		const char *msg; /* NULL: compiles */
	} cases[] = {
	    {"{\"authz\":{\"allow\":\"fromdata\"}}", "conflicting rule for data path authz/allow found"},
	    {"{\"authz\":{\"allow\":{\"a\":1}}}", "conflicting rule for data path authz/allow found"},
	    {"{\"authz\":{\"roles\":{\"a\":1}}}", NULL},
	    {"{\"authz\":{}}", NULL},
	    {"{\"other\":{\"allow\":1}}", NULL},
	};
	struct writ_rego_source src = {"t.rego", mod, sizeof(mod) - 1};
	struct writ_rego_compile_opts o = {&src, 1, NULL, 0, true};
	struct writ_rego_bundle *b = NULL;
	struct writ_rego_error err;
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		o.data_json = cases[i].data;
		o.data_len = strlen(cases[i].data);
		o.data_conflicts = true;
		if (cases[i].msg == NULL) {
			assert_int_equal(writ_rego_compile(&o, &b, &err), WRIT_OK);
			writ_rego_bundle_free(b);
			continue;
		}
		assert_int_not_equal(writ_rego_compile(&o, &b, &err), WRIT_OK);
		assert_string_equal(err.code, "rego_compile_error");
		assert_string_equal(err.message, cases[i].msg);
		assert_string_equal(err.file, "t.rego");
		assert_int_equal(err.row, 3); /* the default rule comes first */
		o.data_conflicts = false;
		assert_int_equal(writ_rego_compile(&o, &b, &err), WRIT_OK);
		writ_rego_bundle_free(b);
	}
	expect_x(mod, "{\"authz\":{\"allow\":\"fromdata\"}}", "{}", "x = data.authz.allow",
	    "\"fromdata\"");
}

static void
test_compile_errors(void **state)
{
	(void)state;
	expect_compile_err("package a\np := \n", "rego_parse_error", 0);
	expect_compile_err("package a\np if { x > 1 }\n", "rego_unsafe_var_error", 2);
	expect_compile_err("package a\np if { not x = 1 }\n", "rego_unsafe_var_error", 2);
	expect_compile_err("package a\np.q := 1\np.q.r := 2\n", "rego_type_error", 2);
	expect_compile_err("package a\np if { true with nosuch as 1 }\n", "rego_compile_error", 2);
	expect_compile_err("package a\np if q\nq if p\n", "rego_recursion_error", 0);
	expect_compile_err("package a\np := nosuchfn(1)\n", "rego_type_error", 2);
	expect_compile_err("package a\nf(x) := x\np := f(1, 2, 3)\n", "rego_type_error", 3);
	expect_compile_err("package a\np if {\n\tx := 1\n\tx := 2\n}\n", "rego_compile_error", 4);
	expect_compile_err("package a\np if {\n\tx == 1\n\tx := 2\n}\n", "rego_compile_error", 4);
	expect_compile_err("package a\nf(x) := 1 if x := 2\n", "rego_compile_error", 2);
}

static void
test_eval_errors(void **state)
{
	struct writ_rego_bundle *b = fx_rego_compile("package a\np := 1\n", NULL);
	struct writ_rego_error err;
	struct writ_buf out;
	char text[1024];

	(void)state;
	expect_eval_err("package a\np := x if some x in [1, 2]\n", "data.a.p", NULL,
	    "eval_conflict_error", "complete rules must not produce multiple outputs");
	expect_eval_err("package a\nf(_) := x if some x in [1, 2]\n", "data.a.f(0)", NULL,
	    "eval_conflict_error", "functions must not produce multiple outputs");
	expect_eval_err("package a\np[k] := v if { some v in [1, 2]; k := \"a\" }\n", "data.a.p",
	    NULL, "eval_conflict_error", "object keys must be unique");
	expect_eval_err("package a\np := http.send({\"method\": \"get\", \"url\": \"http://x\"})\n",
	    "data.a.p", NULL, "eval_builtin_error", "http.send");
	/* Query errors. */
	assert_int_not_equal(eval_q(b, "data.a.p = ", NULL, NULL, &out, &err), WRIT_OK);
	assert_string_equal(err.code, "rego_parse_error");
	writ_buf_free(&out);
	assert_int_not_equal(eval_q(b, "x > 1", NULL, NULL, &out, &err), WRIT_OK);
	assert_string_equal(err.code, "rego_unsafe_var_error");
	writ_rego_error_format(&err, text, sizeof(text));
	assert_non_null(strstr(text, "var x is unsafe"));
	writ_buf_free(&out);
	assert_int_not_equal(eval_q(b, "x = 1", "{bad", NULL, &out, &err), WRIT_OK);
	writ_buf_free(&out);
	writ_rego_bundle_free(b);
}

/* ---------------------------------------------------------------------------
 * Limits.
 */

static void
test_limit_steps(void **state)
{
	const char *mod =
	    "package a\nxs := numbers\nnumbers := [i | some i in [0,1,2,3,4,5,6,7,8,9]]\n"
	    "p := [[a, b, c, d] | some a in xs; some b in xs; some c in xs; some d in "
	    "xs]\n";
	struct writ_rego_limits lim = {.max_steps = 5000};

	(void)state;
	expect_eval_err(mod, "data.a.p", &lim, "eval_cancel_error", "step limit");
}

static void
test_limit_memory(void **state)
{
	const char *mod = "package a\nxs := [i | some i in [0,1,2,3,4,5,6,7,8,9]]\n"
	                  "p := [[a, b, c, d, e] | some a in xs; some b in xs; some c in xs; "
	                  "some d in xs; some e in xs]\n";
	struct writ_rego_limits lim = {.max_bytes = 256 << 10, .max_steps = 100000000};

	(void)state;
	expect_eval_err(mod, "data.a.p", &lim, "eval_cancel_error", "memory limit");
}

static void
test_limit_time(void **state)
{
	const char *mod =
	    "package a\nxs := [i | some i in [0,1,2,3,4,5,6,7,8,9]]\n"
	    "p if { some a in xs; some b in xs; some c in xs; some d in xs; some e in xs; "
	    "some f in xs; some g in xs; false }\n";
	struct writ_rego_limits lim = {.timeout_ms = 20, .max_steps = UINT64_MAX / 2};

	(void)state;
	expect_eval_err(mod, "data.a.p", &lim, "eval_cancel_error", "time limit");
}

/* A chain of rules deeper than the evaluator nests: a clean error, not a crash. */
static void
test_limit_nesting(void **state)
{
	struct writ_buf src;
	int i;

	(void)state;
	writ_buf_init(&src, 0);
	assert_int_equal(writ_buf_appends(&src, "package a\np0 := 1\n"), WRIT_OK);
	for (i = 1; i < 2000; i++)
		assert_int_equal(writ_buf_appendf(&src, "p%d := p%d\n", i, i - 1), WRIT_OK);
	expect_eval_err(src.ptr, "data.a.p1999", NULL, "eval_cancel_error", "nesting");
	writ_buf_free(&src);
}

/*
 * A query of 50,000 expressions nests the evaluator's frames deeply: in a
 * thread with a 512 KiB stack it must end with eval_cancel_error (or
 * succeed), never overflow the stack.
 */
struct deep {
	const struct writ_rego_bundle *b;
	const char *query;
	writ_rc rc;
	struct writ_rego_error err;
};

static void *
deep_main(void *arg)
{
	struct deep *d = arg;
	struct writ_buf out;

	d->rc = eval_q(d->b, d->query, NULL, NULL, &out, &d->err);
	writ_buf_free(&out);
	return NULL;
}

static void
test_limit_stack(void **state)
{
	struct writ_rego_bundle *b = fx_rego_compile("package a\np := 1\n", NULL);
	struct deep d = {.b = b};
	struct writ_buf q;
	pthread_attr_t attr;
	pthread_t th;
	int i;

	(void)state;
	writ_buf_init(&q, 0);
	for (i = 0; i < 50000; i++)
		assert_int_equal(writ_buf_appendf(&q, "%sx%d := %d", i ? "; " : "", i, i), WRIT_OK);
	d.query = q.ptr;
	assert_int_equal(pthread_attr_init(&attr), 0);
	assert_int_equal(pthread_attr_setstacksize(&attr, 512 << 10), 0);
	assert_int_equal(pthread_create(&th, &attr, deep_main, &d), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	pthread_attr_destroy(&attr);
	if (d.rc != WRIT_OK) {
		assert_string_equal(d.err.code, "eval_cancel_error");
		assert_non_null(strstr(d.err.message, "stack"));
	}
	writ_buf_free(&q);
	writ_rego_bundle_free(b);
}

/*
 * numbers.range with a huge bound must stop within the memory limit (if the
 * builtin exists): an error, or undefined when the builtin refuses the size.
 */
static void
test_limit_range(void **state)
{
	struct writ_rego_limits lim = {.max_bytes = 1 << 20};
	struct writ_rego_bundle *b;
	struct writ_rego_error err;
	struct writ_buf out;

	(void)state;
	if (rego_builtin_lookup("numbers.range", 13) == NULL)
		skip();
	b = fx_rego_compile("package a\np := count(numbers.range(1, 1000000000))\n", NULL);
	if (eval_q(b, "data.a.p", NULL, &lim, &out, &err) == WRIT_OK)
		assert_string_equal(out.ptr, "[]");
	writ_buf_free(&out);
	writ_rego_bundle_free(b);
}

/* ---------------------------------------------------------------------------
 * Sharing and allocation failures.
 */

struct thr {
	const struct writ_rego_bundle *b;
	int ok;
};

static void *
thr_main(void *arg)
{
	struct thr *t = arg;
	struct writ_rego_error err;
	struct writ_buf out;
	int i;

	for (i = 0; i < 200; i++) {
		if (eval_q(t->b, "x = data.a.s", NULL, NULL, &out, &err) == WRIT_OK &&
		    strstr(out.ptr, "\"x\":[1,2,3]") != NULL)
			t->ok++;
		writ_buf_free(&out);
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct writ_rego_bundle *b =
	    fx_rego_compile("package a\ns contains v if some v in [3, 2, 1]\n", NULL);
	pthread_t th[4];
	struct thr t[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		t[i].b = b;
		t[i].ok = 0;
		assert_int_equal(pthread_create(&th[i], NULL, thr_main, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].ok, 200);
	}
	writ_rego_bundle_free(b);
}

static void
test_faults(void **state)
{
	const char *mod = "package a\no[k] := v if some k, v in {\"b\": [2], \"a\": {1}}\n";
	struct writ_rego_source src = {"t.rego", mod, strlen(mod)};
	struct writ_rego_compile_opts co = {&src, 1, NULL, 0, false};
	long n;

	(void)state;
	for (n = 1; n < 5000; n++) {
		struct writ_rego_bundle *b = NULL;
		struct writ_rego_error err;
		struct writ_buf out;
		bool fired;
		writ_rc rc;

		writ_fault_set(n);
		rc = writ_rego_compile(&co, &b, &err);
		if (rc == WRIT_OK) {
			rc = eval_q(b, "x = data.a.o", NULL, NULL, &out, &err);
			writ_buf_free(&out);
			writ_rego_bundle_free(b);
		}
		fired = writ_fault_fired();
		writ_fault_set(0);
		if (!fired) {
			assert_int_equal(rc, WRIT_OK);
			break;
		}
	}
	assert_true(n < 5000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_result_shape),
	    cmocka_unit_test(test_language),
	    cmocka_unit_test(test_compile_errors),
	    cmocka_unit_test(test_data_conflicts),
	    cmocka_unit_test(test_eval_errors),
	    cmocka_unit_test(test_limit_steps),
	    cmocka_unit_test(test_limit_memory),
	    cmocka_unit_test(test_limit_time),
	    cmocka_unit_test(test_limit_nesting),
	    cmocka_unit_test(test_limit_stack),
	    cmocka_unit_test(test_limit_range),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
