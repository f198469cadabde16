/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/policy's JSON text handling: the syntax check, lookups, indenting,
 * data paths, the data document's edits (PUT, DELETE, JSON patch), bundle
 * roots and package clauses.  Table-driven; the edits keep every number
 * and string exactly as written.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "writ/base.h"

#include "policy/policy_int.h"

static struct pol_path
path(struct writ_arena *a, const char *s)
{
	struct pol_path p;

	assert_int_equal(pol_path_parse(a, s, strlen(s), true, &p), WRIT_OK);
	return p;
}

static void
test_check(void **state)
{
	static const struct {
		const char *text;
		writ_rc rc;
	} cases[] = {
	    {"{}", WRIT_OK},
	    {" {\"a\": [1, -2.5e+3, true, false, null, \"x\\u00e9\\n\"]} ", WRIT_OK},
	    {"12345678901234567890123", WRIT_OK}, {"0.1", WRIT_OK}, {"", WRIT_EPARSE},
	    {"{", WRIT_EPARSE}, {"{\"a\" 1}", WRIT_EPARSE}, {"{\"a\":1,}", WRIT_EPARSE},
	    {"[1,]", WRIT_EPARSE}, {"01", WRIT_EPARSE}, {"1.", WRIT_EPARSE}, {"-", WRIT_EPARSE},
	    {"\"\\x\"", WRIT_EPARSE}, {"\"\\u12g4\"", WRIT_EPARSE}, {"\"a\nb\"", WRIT_EPARSE},
	    {"tru", WRIT_EPARSE}, {"{} {}", WRIT_EPARSE}, {"{'a':1}", WRIT_EPARSE},
	    {"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", WRIT_OK},
	    {"\"\xb1replace\"", WRIT_EPARSE}, /* not UTF-8: found by fuzz_decision_api */
	    {"\"a\xce\"", WRIT_EPARSE}, {"\"\xed\xa0\x80\"", WRIT_EPARSE}, /* a surrogate */
	    {"{\"\xc0\xaf\":1}", WRIT_EPARSE},                             /* overlong */
	};
	char deep[2 * POL_JSON_MAX_DEPTH + 8];
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++)
		assert_int_equal(
		    pol_json_check(cases[i].text, strlen(cases[i].text), NULL), cases[i].rc);
	memset(deep, '[', POL_JSON_MAX_DEPTH + 1);
	memset(deep + POL_JSON_MAX_DEPTH + 1, ']', POL_JSON_MAX_DEPTH + 1);
	assert_int_equal(pol_json_check(deep, 2 * POL_JSON_MAX_DEPTH + 2, NULL), WRIT_ELIMIT);
	assert_int_equal(pol_json_check(deep + 1, 2 * POL_JSON_MAX_DEPTH, NULL), WRIT_OK);
}

static void
test_member(void **state)
{
	const char *doc = "{\"input\": {\"a\": 1}, \"x\\u0079\": [1, 2], \"input\": 7}";
	const char *lit = "\"a\\\"b\\ud83d\\ude00\"";
	struct pol_span v, k;
	struct writ_buf b;

	(void)state;
	assert_int_equal(pol_json_check(doc, strlen(doc), NULL), WRIT_OK);
	assert_true(pol_json_member(doc, strlen(doc), 0, "input", 5, &v));
	assert_int_equal(v.len, 1); /* the last one wins */
	assert_memory_equal(doc + v.off, "7", 1);
	assert_true(pol_json_member(doc, strlen(doc), 0, "xy", 2, &v));
	assert_memory_equal(doc + v.off, "[1, 2]", 6);
	assert_false(pol_json_member(doc, strlen(doc), 0, "nope", 4, &v));
	writ_buf_init(&b, 0);
	k = (struct pol_span){0, strlen(lit)};
	assert_int_equal(pol_json_unquote(lit, k, &b), WRIT_OK);
	assert_string_equal(b.ptr, "a\"b\xf0\x9f\x98\x80");
	writ_buf_free(&b);
}

static void
test_indent(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"{}", "{}"},
	    {"[ ]", "[]"},
	    {"{\"a\":1,\"b\":[1,2],\"c\":{}}",
	        "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2\n  ],\n  \"c\": {}\n}"},
	    {"\"a, {b}: [c]\"", "\"a, {b}: [c]\""},
	    {"true", "true"},
	};
	struct writ_buf b;
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		writ_buf_init(&b, 0);
		assert_int_equal(pol_json_indent(cases[i].in, strlen(cases[i].in), &b), WRIT_OK);
		assert_string_equal(b.ptr, cases[i].out);
		writ_buf_free(&b);
	}
}

static void
test_paths(void **state)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct pol_path p, roots[2];

	(void)state;
	p = path(a, "//a/b%2Fc//d/");
	assert_int_equal(p.n, 3);
	assert_string_equal(p.seg[1], "b/c");
	assert_int_not_equal(pol_path_parse(a, "a%00", 4, true, &p), WRIT_OK);
	assert_int_not_equal(pol_path_parse(a, "a%2", 3, true, &p), WRIT_OK);
	assert_int_not_equal(pol_path_parse(a, "a%zz", 4, true, &p), WRIT_OK);
	roots[0] = path(a, "x/y");
	roots[1] = path(a, "z");
	p = path(a, "x");
	assert_true(pol_path_owned(roots, 2, &p)); /* a parent of a root */
	assert_false(pol_path_within(roots, 2, &p));
	p = path(a, "x/y/q");
	assert_true(pol_path_owned(roots, 2, &p));
	assert_true(pol_path_within(roots, 2, &p));
	p = path(a, "x/w");
	assert_false(pol_path_owned(roots, 2, &p));
	p = path(a, "zz");
	assert_false(pol_path_owned(roots, 2, &p));
	roots[0] = path(a, "");
	assert_true(pol_path_owned(roots, 1, &p));
	assert_true(pol_path_within(roots, 1, &p));
	writ_arena_free(a);
}

/* Run one edit on doc and compare the result (or the return code). */
static void
edit_case(
    const char *doc, char op, const char *where, const char *val, const char *want, writ_rc want_rc)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_err err = {0};
	struct writ_buf b;
	struct pol_path p = path(a, where);
	writ_rc rc;

	writ_buf_init(&b, 0);
	assert_int_equal(writ_buf_appends(&b, doc), WRIT_OK);
	if (op == 'p')
		rc = pol_data_put(&b, &p, val, strlen(val), &err);
	else if (op == 'd')
		rc = pol_data_remove(&b, &p, &err);
	else
		rc = pol_data_patch(a, &b, &p, val, strlen(val), NULL, 0, &err);
	if (rc != want_rc)
		fail_msg("%c %s on %s: rc %d (%s), want %d", op, where, doc, rc, err.msg, want_rc);
	if (rc == WRIT_OK) {
		if (strcmp(b.ptr, want) != 0)
			fail_msg("%c %s on %s: got %s, want %s", op, where, doc, b.ptr, want);
		assert_int_equal(pol_json_check(b.ptr, b.len, NULL), WRIT_OK);
	}
	writ_buf_free(&b);
	writ_arena_free(a);
}

static void
test_edits(void **state)
{
	static const struct {
		const char *doc;
		char op; /* p: put, d: delete, j: JSON patch */
		const char *path, *val, *want;
		writ_rc rc;
	} cases[] = {
	    {"{}", 'p', "a", "0.1", "{\"a\":0.1}", WRIT_OK},
	    {"{}", 'p', "a/b/c", "12345678901234567890",
	        "{\"a\":{\"b\":{\"c\":12345678901234567890}}}", WRIT_OK},
	    {"{\"a\": {\"x\": 1}}", 'p', "a/y", "[1]", "{\"a\": {\"x\": 1,\"y\":[1]}}", WRIT_OK},
	    {"{\"a\": {\"x\": 1}}", 'p', "a/x", "\"s\"", "{\"a\": {\"x\": \"s\"}}", WRIT_OK},
	    {"{\"a\": {\"x\": 1}}", 'p', "a", "2", "{\"a\": 2}", WRIT_OK},
	    {"{\"a\": [1, 2]}", 'p', "a/1", "9", "{\"a\": [1, 9]}", WRIT_OK},
	    {"{\"a\": 1}", 'p', "a/b", "2", NULL, WRIT_ECONFLICT},
	    {"{\"a\": 1}", 'p', "", "{\"b\":2}", "{\"b\":2}", WRIT_OK},
	    {"{\"a\": 1}", 'p', "", "[1]", NULL, WRIT_EINVAL},
	    {"{\"a\": 1, \"b\": 2, \"c\": 3}", 'd', "b", NULL, "{\"a\": 1, \"c\": 3}", WRIT_OK},
	    {"{\"a\": 1, \"b\": 2, \"c\": 3}", 'd', "a", NULL, "{\"b\": 2, \"c\": 3}", WRIT_OK},
	    {"{\"a\": 1, \"b\": 2, \"c\": 3}", 'd', "c", NULL, "{\"a\": 1, \"b\": 2}", WRIT_OK},
	    {"{\"a\": {\"only\": 1}}", 'd', "a/only", NULL, "{\"a\": {}}", WRIT_OK},
	    {"{\"a\": [1, 2, 3]}", 'd', "a/1", NULL, "{\"a\": [1, 3]}", WRIT_OK},
	    {"{\"a\": 1}", 'd', "b", NULL, NULL, WRIT_ENOTFOUND},
	    {"{\"a\": 1}", 'd', "a/b/c", NULL, NULL, WRIT_ENOTFOUND},
	    {"{\"a\": 1}", 'd', "", NULL, "{}", WRIT_OK},
	    {"{\"a\": [1]}", 'j', "a",
	        "[{\"op\":\"add\",\"path\":\"/-\",\"value\":2},"
	        "{\"op\":\"add\",\"path\":\"/0\",\"value\":0}]",
	        "{\"a\": [0,1,2]}", WRIT_OK},
	    {"{\"a\": {\"b\": 1}}", 'j', "",
	        "[{\"op\":\"replace\",\"path\":\"/a/b\",\"value\":{\"c\":true}},"
	        "{\"op\":\"add\",\"path\":\"a/d~1e\",\"value\":\"x\"},"
	        "{\"op\":\"remove\",\"path\":\"/a/b\"}]",
	        "{\"a\": {\"d/e\":\"x\"}}", WRIT_OK},
	    {"{\"a\": 1}", 'j', "", "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":1}]", NULL,
	        WRIT_ENOTFOUND},
	    {"{\"a\": 1}", 'j', "", "[{\"op\":\"add\",\"path\":\"/x/y\",\"value\":1}]", NULL,
	        WRIT_ENOTFOUND},
	    {"{\"a\": [1]}", 'j', "", "[{\"op\":\"add\",\"path\":\"/a/5\",\"value\":1}]", NULL,
	        WRIT_EINVAL},
	    {"{\"a\": 1}", 'j', "", "[{\"op\":\"move\",\"path\":\"/a\"}]", NULL, WRIT_EINVAL},
	    {"{\"a\": 1}", 'j', "", "{\"op\":\"add\"}", NULL, WRIT_EINVAL},
	    {"{\"a\": 1}", 'j', "", "[{\"op\":\"add\",\"path\":\"/b\"}]", "{\"a\": 1,\"b\":null}",
	        WRIT_OK},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++)
		edit_case(cases[i].doc, cases[i].op, cases[i].path,
		    cases[i].val ? cases[i].val : "", cases[i].want, cases[i].rc);
}

static void
test_patch_roots(void **state)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_err err = {0};
	struct pol_path roots[1], base;
	struct writ_buf b;
	const char *ops = "[{\"op\":\"add\",\"path\":\"/owned/x\",\"value\":1}]";

	(void)state;
	roots[0] = path(a, "owned");
	base = path(a, "");
	writ_buf_init(&b, 0);
	assert_int_equal(writ_buf_appends(&b, "{\"owned\":{}}"), WRIT_OK);
	assert_int_equal(
	    pol_data_patch(a, &b, &base, ops, strlen(ops), roots, 1, &err), WRIT_EDENIED);
	assert_non_null(strstr(err.msg, "owned by bundle"));
	assert_string_equal(b.ptr, "{\"owned\":{}}");
	writ_buf_free(&b);
	writ_arena_free(a);
}

static void
test_package(void **state)
{
	static const struct {
		const char *text, *want; /* segments joined by '/', NULL: not found */
	} cases[] = {
	    {"package a.b.c\n", "/a/b/c"},
	    {"# comment\n\n  package   envoy.authz\nallow := true", "/envoy/authz"},
	    {"package a[\"b-c\"].d", "/a/b-c/d"},
	    {"package x", "/x"},
	    {"packagex", NULL},
	    {"import rego.v1\npackage a", NULL},
	    {"package [\"a\"]", NULL},
	};
	struct writ_arena *a = writ_arena_new(0, 0);
	struct pol_path p;
	struct writ_buf b;
	size_t i;
	writ_rc rc;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		rc = pol_package_path(a, cases[i].text, strlen(cases[i].text), &p);
		if (cases[i].want == NULL) {
			assert_int_not_equal(rc, WRIT_OK);
			continue;
		}
		assert_int_equal(rc, WRIT_OK);
		writ_buf_init(&b, 0);
		assert_int_equal(pol_path_text(&p, p.n, &b), WRIT_OK);
		assert_string_equal(b.ptr, cases[i].want);
		writ_buf_free(&b);
	}
	writ_arena_free(a);
}

static void
test_roots_check(void **state)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_err err = {0};
	struct pol_path roots[2];
	const char *ok = "{\"x\": {\"y\": {\"k\": 1}}, \"z\": 2}";
	const char *bad = "{\"x\": {\"y\": 1, \"w\": 2}}";

	(void)state;
	roots[0] = path(a, "x/y");
	roots[1] = path(a, "z");
	assert_int_equal(pol_data_roots_check(ok, strlen(ok), roots, 2, a, &err), WRIT_OK);
	assert_int_equal(pol_data_roots_check(bad, strlen(bad), roots, 2, a, &err), WRIT_EINVAL);
	assert_non_null(strstr(err.msg, "/x/w"));
	assert_int_equal(pol_data_roots_check(bad, strlen(bad), roots, 0, a, &err), WRIT_OK);
	writ_arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_check),
	    cmocka_unit_test(test_member),
	    cmocka_unit_test(test_indent),
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_edits),
	    cmocka_unit_test(test_patch_roots),
	    cmocka_unit_test(test_package),
	    cmocka_unit_test(test_roots_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
