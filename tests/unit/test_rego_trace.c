/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of evaluation traces (writ_rego_eval_opts.explain, trace.c):
 * each explain mode on small policies, as OPA's `opa eval --explain` and
 * lineage filters shape them (notes with trace(msg) and the queries leading
 * to each, fails, full with Enter/Eval/Exit/Redo in evaluation order, debug
 * with the bound variables), the pretty lines, trace() itself (a Note only
 * when traced, its operand checked), the bounds on events and bytes with
 * their truncation marker, the explanation of a failed query, the mode
 * names, results unchanged by tracing, and allocation failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "writ/base.h"
#include "writ/rego.h"

#include "support/rego_fx.h"

static const char *const mod = "package t\n"
                               "\n"
                               "import rego.v1\n"
                               "\n"
                               "p if {\n"
                               "\tsome x in [1, 2]\n"
                               "\tx > 1\n"
                               "}\n"
                               "\n"
                               "q contains y if {\n"
                               "\tsome y in [1, 2, 3]\n"
                               "\ty != 2\n"
                               "\ttrace(sprintf(\"y=%d\", [y]))\n"
                               "}\n"
                               "\n"
                               "f(a) := a + 1 if trace(\"in f\")\n"
                               "\n"
                               "n if not p\n"
                               "\n"
                               "m if trace(input.n)\n"
                               "\n"
                               "c := 1 if true\n"
                               "\n"
                               "c := 2 if true\n"
                               "\n"
                               "many contains i if {\n"
                               "\tsome i in numbers.range(1, 5000)\n"
                               "\ti > 0\n"
                               "}\n";

/* Evaluate query with explain mode (and o's bounds, if given) into out and expl. */
static writ_rc
explain(const struct writ_rego_bundle *b, const char *query, const char *input,
    enum writ_rego_explain mode, const struct writ_rego_eval_opts *bounds, struct writ_buf *out,
    struct writ_buf *expl, struct writ_rego_error *err)
{
	struct writ_rego_eval_opts o = {0};

	if (bounds != NULL)
		o = *bounds;
	o.query = query;
	o.input_json = input;
	o.input_len = input != NULL ? strlen(input) : 0;
	o.explain = mode;
	o.explanation = expl;
	writ_buf_reset(out);
	writ_buf_reset(expl);
	return writ_rego_eval(b, &o, out, err);
}

/* The explanation as an array, or the test fails. */
static json_t *
events_of(const struct writ_buf *expl)
{
	json_t *a = json_loadb(expl->ptr, expl->len, 0, NULL);

	if (!json_is_array(a))
		fail_msg("not a JSON array: %s", expl->ptr != NULL ? expl->ptr : "(empty)");
	return a;
}

/* One event as a line: "Op type node qid/parent" ("Note message qid/parent"). */
static void
event_line(json_t *ev, char *buf, size_t len)
{
	const char *op = json_string_value(json_object_get(ev, "op"));
	json_t *node = json_object_get(ev, "node");

	if (strcmp(op, "Note") == 0 || strcmp(op, "Truncated") == 0)
		snprintf(
		    buf, len, "%s \"%s\"", op, json_string_value(json_object_get(ev, "message")));
	else
		snprintf(buf, len, "%s %s %s", op, json_string_value(json_object_get(ev, "type")),
		    json_string_value(node));
	if (json_object_get(ev, "query_id") != NULL)
		snprintf(buf + strlen(buf), len - strlen(buf), " %lld/%lld",
		    json_integer_value(json_object_get(ev, "query_id")),
		    json_integer_value(json_object_get(ev, "parent_id")));
}

/* The events of expl, one line each. */
static void
event_lines(const struct writ_buf *expl, char *buf, size_t len)
{
	json_t *a = events_of(expl), *ev;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach(a, i, ev)
	{
		event_line(ev, buf + n, len - n);
		n += strlen(buf + n);
		snprintf(buf + n, len - n, "\n");
		n += strlen(buf + n);
	}
	json_decref(a);
}

struct mode_case {
	const char *name;
	enum writ_rego_explain mode;
	const char *query;
	const char *want; /* event_lines */
};

static const struct mode_case mode_cases[] = {
    {"full: Enter, Eval, Fail, Redo, Exit in evaluation order", WRIT_REGO_EXPLAIN_FULL, "data.t.p",
        "Enter body data.t.p 0/0\n"
        "Eval expr data.t.p 0/0\n"
        "Enter rule data.t.p 1/0\n"
        "Eval expr some x in [1, 2] 1/0\n"
        "Eval expr x > 1 1/0\n"
        "Fail expr x > 1 1/0\n"
        "Redo expr some x in [1, 2] 1/0\n"
        "Eval expr x > 1 1/0\n"
        "Exit rule data.t.p 1/0\n"
        "Redo rule data.t.p 1/0\n"
        "Redo expr x > 1 1/0\n"
        "Redo expr some x in [1, 2] 1/0\n"
        "Exit body data.t.p 0/0\n"
        "Redo body data.t.p 0/0\n"
        "Redo expr data.t.p 0/0\n"},
    {"full: a negation that fails", WRIT_REGO_EXPLAIN_FULL, "data.t.n",
        "Enter body data.t.n 0/0\n"
        "Eval expr data.t.n 0/0\n"
        "Enter rule data.t.n 1/0\n"
        "Eval expr not p 1/0\n"
        "Enter rule data.t.p 2/1\n"
        "Eval expr some x in [1, 2] 2/1\n"
        "Eval expr x > 1 2/1\n"
        "Fail expr x > 1 2/1\n"
        "Redo expr some x in [1, 2] 2/1\n"
        "Eval expr x > 1 2/1\n"
        "Exit rule data.t.p 2/1\n"
        "Redo rule data.t.p 2/1\n"
        "Redo expr x > 1 2/1\n"
        "Redo expr some x in [1, 2] 2/1\n"
        "Fail expr not p 1/0\n"
        "Fail expr data.t.n 0/0\n"},
    {"notes: each Note after the queries leading to it, once", WRIT_REGO_EXPLAIN_NOTES, "data.t.q",
        "Enter body data.t.q 0/0\n"
        "Enter rule data.t.q 1/0\n"
        "Note \"y=1\" 1/0\n"
        "Redo rule data.t.q 1/0\n"
        "Note \"y=3\" 1/0\n"},
    {"notes: in a function, with a query of two expressions", WRIT_REGO_EXPLAIN_NOTES,
        "x := 1; y := data.t.f(x)",
        "Enter body x := 1; y := data.t.f(x) 0/0\n"
        "Enter rule data.t.f 1/0\n"
        "Note \"in f\" 1/0\n"},
    {"fails: each Fail after the latest Enter or Redo leading to it", WRIT_REGO_EXPLAIN_FAILS,
        "data.t.q",
        "Enter body data.t.q 0/0\n"
        "Redo rule data.t.q 1/0\n"
        "Fail expr y != 2 1/0\n"},
    {"notes: none without trace()", WRIT_REGO_EXPLAIN_NOTES, "data.t.p", ""},
};

static void
test_modes(void **state)
{
	struct writ_rego_bundle *b = fx_rego_compile(mod, NULL);
	struct writ_rego_error err;
	struct writ_buf out, expl;
	char got[8192];
	size_t i;

	(void)state;
	writ_buf_init(&out, 0);
	writ_buf_init(&expl, 0);
	for (i = 0; i < WRIT_ARRAY_LEN(mode_cases); i++) {
		const struct mode_case *c = &mode_cases[i];

		assert_int_equal(
		    explain(b, c->query, NULL, c->mode, NULL, &out, &expl, &err), WRIT_OK);
		event_lines(&expl, got, sizeof(got));
		if (strcmp(got, c->want) != 0)
			fail_msg("%s\n--- want\n%s--- got\n%s", c->name, c->want, got);
	}
	writ_buf_free(&out);
	writ_buf_free(&expl);
	writ_rego_bundle_free(b);
}

/* The JSON shape of each event: members, locations; debug adds the locals. */
static void
test_json_shape(void **state)
{
	struct writ_rego_bundle *b = fx_rego_compile(mod, NULL);
	struct writ_rego_error err;
	struct writ_buf out, expl;
	json_t *a, *ev, *loc;
	size_t i;

	(void)state;
	writ_buf_init(&out, 0);
	writ_buf_init(&expl, 0);
	assert_int_equal(
	    explain(b, "data.t.q", NULL, WRIT_REGO_EXPLAIN_NOTES, NULL, &out, &expl, &err),
	    WRIT_OK);
	a = events_of(&expl);
	ev = json_array_get(a, 2); /* the first Note */
	assert_string_equal(json_string_value(json_object_get(ev, "op")), "Note");
	assert_string_equal(json_string_value(json_object_get(ev, "type")), "");
	assert_true(json_is_null(json_object_get(ev, "node")));
	assert_null(json_object_get(ev, "locals"));
	loc = json_object_get(ev, "location");
	assert_string_equal(json_string_value(json_object_get(loc, "file")), "t.rego");
	assert_int_equal(json_integer_value(json_object_get(loc, "row")), 13);
	assert_int_equal(json_integer_value(json_object_get(loc, "col")), 2);
	loc = json_object_get(json_array_get(a, 0), "location");
	assert_string_equal(json_string_value(json_object_get(loc, "file")), "query");
	assert_null(json_object_get(json_array_get(a, 0), "message"));
	json_decref(a);

	assert_int_equal(
	    explain(b, "data.t.q", NULL, WRIT_REGO_EXPLAIN_DEBUG, NULL, &out, &expl, &err),
	    WRIT_OK);
	a = events_of(&expl);
	json_array_foreach(a, i, ev)
	{
		json_t *locals = json_object_get(ev, "locals");

		assert_true(json_is_object(locals));
		if (strcmp(json_string_value(json_object_get(ev, "op")), "Note") == 0) {
			assert_int_equal(json_object_size(locals), 1);
			assert_true(json_is_integer(json_object_get(locals, "y")));
		}
	}
	json_decref(a);
	writ_buf_free(&out);
	writ_buf_free(&expl);
	writ_rego_bundle_free(b);
}

/* The pretty lines: locations padded as opa pads them, "| " per level, Notes quoted. */
static void
test_pretty(void **state)
{
	static const char want[] = "query:1       Enter data.t.q\n"
	                           "t.rego:10     | Enter data.t.q\n"
	                           "t.rego:13     | | Note \"y=1\"\n"
	                           "t.rego:10     | Redo data.t.q\n"
	                           "t.rego:13     | | Note \"y=3\"\n";
	struct writ_rego_bundle *b = fx_rego_compile(mod, NULL);
	struct writ_rego_eval_opts o = {.explain_pretty = true};
	struct writ_rego_error err;
	struct writ_buf out, expl;

	(void)state;
	writ_buf_init(&out, 0);
	writ_buf_init(&expl, 0);
	assert_int_equal(
	    explain(b, "data.t.q", NULL, WRIT_REGO_EXPLAIN_NOTES, &o, &out, &expl, &err), WRIT_OK);
	assert_string_equal(expl.ptr, want);
	assert_int_equal(
	    explain(b, "data.t.q", NULL, WRIT_REGO_EXPLAIN_DEBUG, &o, &out, &expl, &err), WRIT_OK);
	/* The event column: its widest cell (the Eval of trace(...), 34 bytes) and 5 spaces. */
	assert_non_null(strstr(
	    expl.ptr, "\nt.rego:13     | | Note \"y=3\"                           {y: 3}\n"));
	writ_buf_free(&out);
	writ_buf_free(&expl);
	writ_rego_bundle_free(b);
}

/* trace(): true and silent untraced; a string operand or an error (strict) or undefined. */
static void
test_trace_builtin(void **state)
{
	struct writ_rego_bundle *b = fx_rego_compile(mod, NULL);
	struct writ_rego_eval_opts o = {0};
	struct writ_rego_error err;
	struct writ_buf out, expl;
	char got[1024];

	(void)state;
	writ_buf_init(&out, 0);
	writ_buf_init(&expl, 0);
	assert_int_equal(explain(b, "data.t.m", "{\"n\":\"hi\"}", WRIT_REGO_EXPLAIN_OFF, NULL, &out,
	                     &expl, &err),
	    WRIT_OK);
	assert_non_null(strstr(out.ptr, "\"value\":true"));
	assert_int_equal(expl.len, 0);
	assert_int_equal(
	    explain(b, "data.t.m", "{\"n\":1}", WRIT_REGO_EXPLAIN_NOTES, NULL, &out, &expl, &err),
	    WRIT_OK);
	assert_string_equal(out.ptr, "[]");
	event_lines(&expl, got, sizeof(got));
	assert_string_equal(got, "");
	o.strict_builtin_errors = true;
	assert_int_equal(
	    explain(b, "data.t.m", "{\"n\":1}", WRIT_REGO_EXPLAIN_OFF, &o, &out, &expl, &err),
	    WRIT_EINVAL);
	assert_string_equal(err.code, "eval_type_error");
	assert_string_equal(err.message, "trace: operand 1 must be string but got number");
	writ_buf_free(&out);
	writ_buf_free(&expl);
	writ_rego_bundle_free(b);
}

/* The bounds: at most so many events, so many bytes, then the marker. */
static void
test_bounds(void **state)
{
	struct writ_rego_bundle *b = fx_rego_compile(mod, NULL);
	struct writ_rego_eval_opts o = {.explain_max_events = 5};
	struct writ_rego_error err;
	struct writ_buf out, expl;
	char got[8192];
	json_t *a;

	(void)state;
	writ_buf_init(&out, 0);
	writ_buf_init(&expl, 0);
	assert_int_equal(
	    explain(b, "data.t.p", NULL, WRIT_REGO_EXPLAIN_FULL, &o, &out, &expl, &err), WRIT_OK);
	assert_non_null(strstr(out.ptr, "\"value\":true"));
	event_lines(&expl, got, sizeof(got));
	assert_string_equal(got,
	    "Enter body data.t.p 0/0\n"
	    "Eval expr data.t.p 0/0\n"
	    "Enter rule data.t.p 1/0\n"
	    "Eval expr some x in [1, 2] 1/0\n"
	    "Eval expr x > 1 1/0\n"
	    "Truncated \"explanation truncated: 10 more events "
	    "(limit: 5 events)\"\n");

	/* A runaway policy: the default bound holds, and the query still answers. */
	o.explain_max_events = 1000;
	assert_int_equal(
	    explain(b, "count(data.t.many)", NULL, WRIT_REGO_EXPLAIN_DEBUG, &o, &out, &expl, &err),
	    WRIT_OK);
	assert_non_null(strstr(out.ptr, "\"value\":5000"));
	a = events_of(&expl);
	assert_int_equal(json_array_size(a), 1001);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(a, 1000), "op")), "Truncated");
	json_decref(a);

	o.explain_max_events = 0;
	o.explain_max_bytes = 2000;
	o.explain_pretty = true;
	assert_int_equal(
	    explain(b, "data.t.many", NULL, WRIT_REGO_EXPLAIN_FULL, &o, &out, &expl, &err),
	    WRIT_OK);
	assert_true(expl.len > 1500 && expl.len < 2200);
	assert_non_null(strstr(expl.ptr, "Truncated \"explanation truncated: "));
	assert_non_null(strstr(expl.ptr, "(limit: 2000 bytes)\"\n"));
	writ_buf_free(&out);
	writ_buf_free(&expl);
	writ_rego_bundle_free(b);
}

/* A failed query still explains itself; a mode without a buffer is refused. */
static void
test_errors(void **state)
{
	struct writ_rego_bundle *b = fx_rego_compile(mod, NULL);
	struct writ_rego_eval_opts o = {.query = "data.t.p", .explain = WRIT_REGO_EXPLAIN_FULL};
	struct writ_rego_error err;
	struct writ_buf out, expl;
	char got[8192];

	(void)state;
	writ_buf_init(&out, 0);
	writ_buf_init(&expl, 0);
	assert_int_equal(
	    explain(b, "data.t.c", NULL, WRIT_REGO_EXPLAIN_FULL, NULL, &out, &expl, &err),
	    WRIT_EINVAL);
	assert_string_equal(err.code, "eval_conflict_error");
	assert_int_equal(out.len, 0);
	event_lines(&expl, got, sizeof(got));
	assert_non_null(strstr(got, "Enter body data.t.c 0/0\nEval expr data.t.c 0/0\n"));
	assert_non_null(strstr(got, "Exit rule data.t.c 2/0\n"));
	assert_int_equal(writ_rego_eval(b, &o, &out, &err), WRIT_EINVAL);
	assert_string_equal(err.code, "invalid_argument");
	o.explain = (enum writ_rego_explain)99;
	o.explanation = &expl;
	assert_int_equal(writ_rego_eval(b, &o, &out, &err), WRIT_EINVAL);
	writ_buf_free(&out);
	writ_buf_free(&expl);
	writ_rego_bundle_free(b);
}

static void
test_parse(void **state)
{
	static const struct {
		const char *s;
		writ_rc rc;
		enum writ_rego_explain mode;
	} cases[] = {
	    {"off", WRIT_OK, WRIT_REGO_EXPLAIN_OFF},
	    {"notes", WRIT_OK, WRIT_REGO_EXPLAIN_NOTES},
	    {"fails", WRIT_OK, WRIT_REGO_EXPLAIN_FAILS},
	    {"full", WRIT_OK, WRIT_REGO_EXPLAIN_FULL},
	    {"debug", WRIT_OK, WRIT_REGO_EXPLAIN_DEBUG},
	    {"Full", WRIT_EINVAL, WRIT_REGO_EXPLAIN_FAILS},
	    {"", WRIT_EINVAL, WRIT_REGO_EXPLAIN_FAILS},
	    {NULL, WRIT_EINVAL, WRIT_REGO_EXPLAIN_FAILS},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		enum writ_rego_explain m = WRIT_REGO_EXPLAIN_FAILS;

		assert_int_equal(writ_rego_explain_parse(cases[i].s, &m), cases[i].rc);
		assert_int_equal(m, cases[i].mode);
	}
}

/* Tracing changes no result. */
static void
test_same_results(void **state)
{
	static const char *const queries[] = {"data.t.p", "data.t.q", "data.t.n",
	    "x := data.t.f(2)", "y := data.t.q[_]; y > 1", "data.t", "count(data.t.many)"};
	static const enum writ_rego_explain modes[] = {WRIT_REGO_EXPLAIN_OFF,
	    WRIT_REGO_EXPLAIN_NOTES, WRIT_REGO_EXPLAIN_FAILS, WRIT_REGO_EXPLAIN_FULL,
	    WRIT_REGO_EXPLAIN_DEBUG};
	struct writ_rego_bundle *b = fx_rego_compile(mod, NULL);
	struct writ_rego_error err;
	struct writ_buf out, want, expl;
	size_t i, j;

	(void)state;
	writ_buf_init(&out, 0);
	writ_buf_init(&want, 0);
	writ_buf_init(&expl, 0);
	for (i = 0; i < WRIT_ARRAY_LEN(queries); i++) {
		writ_rc rc =
		    explain(b, queries[i], NULL, WRIT_REGO_EXPLAIN_OFF, NULL, &want, &expl, &err);

		for (j = 0; j < WRIT_ARRAY_LEN(modes); j++) {
			assert_int_equal(
			    explain(b, queries[i], NULL, modes[j], NULL, &out, &expl, &err), rc);
			assert_string_equal(
			    out.ptr != NULL ? out.ptr : "", want.ptr != NULL ? want.ptr : "");
		}
	}
	writ_buf_free(&out);
	writ_buf_free(&want);
	writ_buf_free(&expl);
	writ_rego_bundle_free(b);
}

/* Allocation failures: a clean WRIT_ENOMEM (or a shortened trace), nothing leaked. */
static void
test_faults(void **state)
{
	static const enum writ_rego_explain modes[] = {
	    WRIT_REGO_EXPLAIN_NOTES, WRIT_REGO_EXPLAIN_FULL, WRIT_REGO_EXPLAIN_DEBUG};
	struct writ_rego_bundle *b = fx_rego_compile(mod, NULL);
	size_t i;
	long n;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(modes) * 2; i++) {
		struct writ_rego_eval_opts o = {.explain_pretty = i % 2 == 1};

		for (n = 1; n < 5000; n++) {
			struct writ_rego_error err;
			struct writ_buf out, expl;
			bool fired;
			writ_rc rc;

			writ_buf_init(&out, 0);
			writ_buf_init(&expl, 0);
			writ_fault_set(n);
			rc = explain(b, "x := data.t.q", NULL, modes[i / 2], &o, &out, &expl, &err);
			fired = writ_fault_fired();
			writ_fault_set(0);
			if (rc != WRIT_OK)
				assert_true(rc == WRIT_ENOMEM || rc == WRIT_ELIMIT);
			writ_buf_free(&out);
			writ_buf_free(&expl);
			if (!fired) {
				assert_int_equal(rc, WRIT_OK);
				break;
			}
		}
		assert_true(n < 5000);
	}
	writ_rego_bundle_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_modes),
	    cmocka_unit_test(test_json_shape),
	    cmocka_unit_test(test_pretty),
	    cmocka_unit_test(test_trace_builtin),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_same_results),
	    cmocka_unit_test(test_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
