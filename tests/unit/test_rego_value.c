/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the Rego value model (lib/rego/value.c, number.c, json.c):
 * OPA's order across all types, number semantics and printing, hash and
 * equality consistency, builders with duplicates, JSON errors and limits,
 * OPA's JSON output conventions, the Rego printer, allocation failures, and a
 * round trip of every want_result, data and input of OPA's conformance cases.
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
#include "rego/value.h"

static struct writ_arena *A;

static int
setup(void **state)
{
	(void)state;
	A = writ_arena_new(0, 0);
	return A == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	writ_arena_free(A);
	A = NULL;
	return 0;
}

/* Parse JSON that must be valid. */
static const struct rego_val *
J(const char *s)
{
	const struct rego_val *v = NULL;
	struct writ_err err = {0};
	writ_rc rc = rego_json_parse(A, s, strlen(s), NULL, &v, &err);

	if (rc != WRIT_OK)
		fail_msg("parse %s: %s", s, err.msg);
	return v;
}

static const struct rego_val *
N(const char *s)
{
	const struct rego_val *v = NULL;
	struct writ_err err = {0};

	if (rego_number_parse(A, s, strlen(s), &v, &err) != WRIT_OK)
		fail_msg("number %s: %s", s, err.msg);
	return v;
}

/* JSON text of v in a static buffer (valid until the next call). */
static const char *
JS(const struct rego_val *v)
{
	static char out[8192];
	struct writ_buf b;
	struct writ_err err = {0};

	writ_buf_init(&b, 0);
	assert_int_equal(rego_json_write(&b, v, NULL, &err), WRIT_OK);
	snprintf(out, sizeof(out), "%s", b.ptr);
	writ_buf_free(&b);
	return out;
}

static const char *
RS(const struct rego_val *v)
{
	static char out[8192];
	struct writ_buf b;
	struct writ_err err = {0};

	writ_buf_init(&b, 0);
	assert_int_equal(rego_print(&b, v, &err), WRIT_OK);
	snprintf(out, sizeof(out), "%s", b.ptr);
	writ_buf_free(&b);
	return out;
}

static int
sign(int c)
{
	return c < 0 ? -1 : c > 0;
}

/* ---------------------------------------------------------------------------
 * Order, equality, hash.
 */

static void
test_order_all_types(void **state)
{
	/* Ascending in OPA's order; entries on one line with '=' are equal. */
	static const char *const vals[] = {
	    "null",
	    "false",
	    "true",
	    "-1e400",
	    "-9223372036854775809",
	    "-2",
	    "-1.5",
	    "-0",
	    "=0",
	    "=0.0",
	    "=0e10",
	    "1e-400",
	    "0.5",
	    "1",
	    "=1.0",
	    "=1e0",
	    "=10e-1",
	    "1.5",
	    "2",
	    "9223372036854775807",
	    "9223372036854775808",
	    "28857836529306024611912",
	    "28857836529306024611913",
	    "1e400",
	    "\"\"",
	    "\"A\"",
	    "\"a\"",
	    "\"a\\u0000\"",
	    "\"ab\"",
	    "\"b\"",
	    "\"\\u00e9\"",
	    "[]",
	    "[null]",
	    "[1]",
	    "=[1.0]",
	    "[1,2]",
	    "[2]",
	    "[\"a\"]",
	    "[[]]",
	    "{}",
	    "{\"a\":1}",
	    "{\"a\":1,\"b\":0}",
	    "{\"a\":2}",
	    "{\"b\":0}",
	};
	const struct rego_val *v[WRIT_ARRAY_LEN(vals)];
	int rank[WRIT_ARRAY_LEN(vals)], r = 0;
	size_t i, j;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(vals); i++) {
		bool eq = vals[i][0] == '=';

		v[i] = J(vals[i] + eq);
		rank[i] = eq ? r : ++r;
	}
	for (i = 0; i < WRIT_ARRAY_LEN(vals); i++)
		for (j = 0; j < WRIT_ARRAY_LEN(vals); j++) {
			int want = sign(rank[i] - rank[j]);

			if (sign(rego_compare(v[i], v[j])) != want)
				fail_msg("compare(%s, %s) = %d, want %d", vals[i], vals[j],
				    rego_compare(v[i], v[j]), want);
			assert_int_equal(rego_equal(v[i], v[j]), want == 0);
			if (want == 0)
				assert_true(rego_hash(v[i]) == rego_hash(v[j]));
		}
}

static void
test_order_sets_objects(void **state)
{
	struct rego_builder b;
	const struct rego_val *s1, *s2, *s3, *e, *o1, *o2;
	struct writ_err err;

	(void)state;
	/* Sets after objects; sets compare by sorted elements, then length. */
	rego_builder_init(&b, A, REGO_SET);
	assert_int_equal(rego_builder_push(&b, N("2"), &err), WRIT_OK);
	assert_int_equal(rego_builder_push(&b, N("1"), &err), WRIT_OK);
	assert_int_equal(rego_builder_finish(&b, &s1, &err), WRIT_OK);
	rego_builder_init(&b, A, REGO_SET);
	assert_int_equal(rego_builder_push(&b, N("1.0"), &err), WRIT_OK);
	assert_int_equal(rego_builder_push(&b, N("2e0"), &err), WRIT_OK);
	assert_int_equal(rego_builder_push(&b, N("1"), &err), WRIT_OK);
	assert_int_equal(rego_builder_finish(&b, &s2, &err), WRIT_OK);
	rego_builder_init(&b, A, REGO_SET);
	assert_int_equal(rego_builder_push(&b, N("1"), &err), WRIT_OK);
	assert_int_equal(rego_builder_push(&b, N("3"), &err), WRIT_OK);
	assert_int_equal(rego_builder_finish(&b, &s3, &err), WRIT_OK);
	rego_builder_init(&b, A, REGO_SET);
	assert_int_equal(rego_builder_finish(&b, &e, &err), WRIT_OK);
	assert_true(rego_equal(s1, s2));
	assert_true(rego_hash(s1) == rego_hash(s2));
	assert_int_equal(s2->len, 2);
	assert_true(rego_compare(s1, s3) < 0);
	assert_true(rego_compare(e, s1) < 0);
	assert_true(rego_compare(J("{\"z\":[1]}"), e) < 0);
	assert_string_equal(RS(e), "set()");
	assert_string_equal(JS(s1), "[1,2]");
	/* Objects: key, value, key, value ... then length. */
	o1 = J("{\"b\":1,\"a\":2}");
	o2 = J("{\"a\":2,\"b\":1}");
	assert_true(rego_equal(o1, o2));
	assert_true(rego_compare(J("{\"a\":1,\"c\":0}"), J("{\"a\":1,\"b\":9}")) > 0);
	assert_true(rego_compare(J("{\"a\":1}"), J("{\"a\":1,\"b\":0}")) < 0);
	assert_true(rego_compare(J("{\"a\":0,\"z\":0}"), J("{\"a\":1}")) < 0);
	assert_true(rego_set_contains(s1, N("1e0")));
	assert_false(rego_set_contains(s1, N("1.5")));
}

/* ---------------------------------------------------------------------------
 * Numbers.
 */

static void
test_number_parse(void **state)
{
	static const struct {
		const char *in;
		writ_rc rc;
		bool i64;
		int64_t i;
	} cases[] = {
	    {"0", WRIT_OK, true, 0},
	    {"-0", WRIT_OK, true, 0},
	    {"1.0", WRIT_OK, true, 1},
	    {"1e2", WRIT_OK, true, 100},
	    {"12.5e1", WRIT_OK, true, 125},
	    {"1.5", WRIT_OK, false, 0},
	    {"9223372036854775807", WRIT_OK, true, INT64_MAX},
	    {"-9223372036854775808", WRIT_OK, true, INT64_MIN},
	    {"9223372036854775808", WRIT_OK, false, 0},
	    {"0e999999999999999999", WRIT_OK, true, 0},
	    {"1e30000", WRIT_OK, false, 0},
	    {"1e30001", WRIT_ELIMIT, false, 0},
	    {"1e-30000", WRIT_OK, false, 0},
	    {"01", WRIT_EPARSE, false, 0},
	    {"1.", WRIT_EPARSE, false, 0},
	    {".5", WRIT_EPARSE, false, 0},
	    {"-", WRIT_EPARSE, false, 0},
	    {"+1", WRIT_EPARSE, false, 0},
	    {"1e", WRIT_EPARSE, false, 0},
	    {"1e+", WRIT_EPARSE, false, 0},
	    {"0x10", WRIT_EPARSE, false, 0},
	    {"", WRIT_EPARSE, false, 0},
	};
	char big[REGO_NUM_MAX_LEN + 2];
	const struct rego_val *v;
	struct writ_err err;
	int64_t i;
	size_t k;

	(void)state;
	for (k = 0; k < WRIT_ARRAY_LEN(cases); k++) {
		writ_rc rc = rego_number_parse(A, cases[k].in, strlen(cases[k].in), &v, &err);

		if (rc != cases[k].rc)
			fail_msg("%s: rc %d want %d", cases[k].in, rc, cases[k].rc);
		if (rc != WRIT_OK)
			continue;
		assert_int_equal(rego_num_i64(v, &i), cases[k].i64);
		if (cases[k].i64)
			assert_true(i == cases[k].i);
		/* Printed as given. */
		assert_string_equal(JS(v), cases[k].in);
	}
	memset(big, '7', sizeof(big));
	assert_int_equal(rego_number_parse(A, big, REGO_NUM_MAX_LEN, &v, &err), WRIT_OK);
	assert_int_equal(rego_number_parse(A, big, REGO_NUM_MAX_LEN + 1, &v, &err), WRIT_ELIMIT);
	assert_non_null(strstr(err.msg, "longer than"));
}

static const struct rego_val *
arith(char op, const char *a, const char *b, writ_rc *rc, struct writ_err *err)
{
	const struct rego_val *x = N(a), *y = N(b), *r = NULL;

	switch (op) {
	case '+':
		*rc = rego_num_add(A, x, y, &r, err);
		break;
	case '-':
		*rc = rego_num_sub(A, x, y, &r, err);
		break;
	case '*':
		*rc = rego_num_mul(A, x, y, &r, err);
		break;
	case '/':
		*rc = rego_num_div(A, x, y, &r, err);
		break;
	default:
		*rc = rego_num_rem(A, x, y, &r, err);
		break;
	}
	return r;
}

static void
test_number_arith(void **state)
{
	static const struct {
		const char *a;
		char op;
		const char *b, *want; /* want: result text, or the error message */
	} cases[] = {
	    {"1", '+', "2", "3"},
	    {"49649733057", '+', "1", "49649733058"},
	    {"9223372036854775807", '+', "1", "9223372036854775808"},
	    {"-9223372036854775808", '-', "1", "-9223372036854775809"},
	    {"18446744073709551616", '*', "18446744073709551616",
	        "340282366920938463463374607431768211456"},
	    {"4294967296", '*', "4294967296", "18446744073709551616"},
	    {"1e6", '*', "2", "2000000"},
	    {"1234500000", '+', "67890", "1234567890"},
	    {"1e109", '/', "1e100", "1000000000"},
	    {"1", '/', "3", "0.33333333333333333334"},
	    {"2", '/', "3", "0.6666666666666666667"},
	    {"10e19", '/', "3", "33333333333333333334"},
	    {"1", '/', "100000", "1e-05"},
	    {"1234567", '/', "10", "123456.7"},
	    {"12345678", '/', "10", "1.2345678e+06"},
	    {"0.1", '+', "0.2", "0.3"},
	    {"1.5", '*', "2", "3"},
	    {"3.0", '-', "1", "2"},
	    {"0", '/', "-5", "-0"},
	    {"6", '/', "3", "2"},
	    {"7", '/', "2", "3.5"},
	    {"-9223372036854775808", '/', "-1", "9223372036854775808"},
	    {"1e-400", '*', "1", "1e-400"},
	    {"7", '%', "4", "3"},
	    {"-7", '%', "4", "-3"},
	    {"7.0", '%', "4", "3"},
	    {"10", '%', "18446744073709551616", "10"},
	    {"-9223372036854775808", '%', "-1", "0"},
	    /* Integers are read at 64-bit precision first, as OPA does. */
	    {"18446744073709551617", '+', "0", "18446744073709551616"},
	    {"1", '/', "0", "divide by zero"},
	    {"1", '/', "0.0", "divide by zero"},
	    {"7", '%', "0", "modulo by zero"},
	    {"1.1", '%', "1", "modulo on floating-point number"},
	    {"1e30000", '*', "1e30000", "number result longer than 1000 digits"},
	    {"1.5e-30000", '*', "1.5e-30000", "number result out of range"},
	};
	struct writ_err err;
	const struct rego_val *r;
	writ_rc rc;
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		r = arith(cases[i].op, cases[i].a, cases[i].b, &rc, &err);
		if (rc != WRIT_OK) {
			if (strcmp(err.msg, cases[i].want) != 0)
				fail_msg("%s %c %s: error %s", cases[i].a, cases[i].op, cases[i].b,
				    err.msg);
			continue;
		}
		if (strcmp(JS(r), cases[i].want) != 0)
			fail_msg("%s %c %s = %s, want %s", cases[i].a, cases[i].op, cases[i].b,
			    JS(r), cases[i].want);
		/* The result's flags and hash agree with its text read afresh. */
		assert_true(rego_equal(r, N(JS(r))));
		assert_true(rego_hash(r) == rego_hash(N(JS(r))));
	}
}

static void
test_number_unary(void **state)
{
	static const struct {
		enum rego_num_unop op;
		const char *a, *want;
	} cases[] = {
	    {REGO_NUM_ABS, "-10", "10"},
	    {REGO_NUM_ABS, "-1.5", "1.5"},
	    {REGO_NUM_ABS, "-9223372036854775808", "9223372036854775808"},
	    {REGO_NUM_ABS, "-1e400", "1" /* then 400 zeros, checked below */},
	    {REGO_NUM_ROUND, "2.5", "3"},
	    {REGO_NUM_ROUND, "-2.5", "-3"},
	    {REGO_NUM_ROUND, "-0.4", "0"},
	    {REGO_NUM_ROUND, "1.0", "1"},
	    {REGO_NUM_CEIL, "1.01", "2"},
	    {REGO_NUM_CEIL, "2222.2222222222", "2223"},
	    {REGO_NUM_CEIL, "-1.99999", "-1"},
	    {REGO_NUM_CEIL, "-0.5", "0"},
	    {REGO_NUM_FLOOR, "99.99999", "99"},
	    {REGO_NUM_FLOOR, "-1.001", "-2"},
	    {REGO_NUM_FLOOR, "-0.5", "-1"},
	    {REGO_NUM_FLOOR, "1", "1"},
	    {REGO_NUM_NEG, "1.0", "-1.0"},
	    {REGO_NUM_NEG, "-0", "0"},
	    {REGO_NUM_NEG, "5", "-5"},
	    {REGO_NUM_NEG, "-9223372036854775808", "9223372036854775808"},
	};
	const struct rego_val *r;
	struct writ_err err;
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		assert_int_equal(rego_num_unary(A, cases[i].op, N(cases[i].a), &r, &err), WRIT_OK);
		if (strncmp(JS(r), cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("op %d (%s) = %s, want %s", cases[i].op, cases[i].a, JS(r),
			    cases[i].want);
	}
	assert_int_equal(rego_num_unary(A, REGO_NUM_ABS, N("-1e400"), &r, &err), WRIT_OK);
	assert_int_equal(strlen(JS(r)), 401);
	assert_int_equal(strspn(JS(r) + 1, "0"), 400);
}

static void
test_number_conversions(void **state)
{
	static const struct {
		double d;
		const char *want;
	} dcases[] = {
	    {0.1, "0.1"},
	    {1e21, "1e+21"},
	    {1e-7, "1e-07"},
	    {123456.7, "123456.7"},
	    {1234567.0, "1.234567e+06"},
	    {3.0, "3"},
	    {-2.5e-5, "-2.5e-05"},
	    {0.0, "0"},
	};
	const struct rego_val *v;
	struct writ_err err;
	double d;
	int64_t i;
	size_t k;

	(void)state;
	for (k = 0; k < WRIT_ARRAY_LEN(dcases); k++) {
		assert_int_equal(rego_num_from_double(A, dcases[k].d, &v, &err), WRIT_OK);
		assert_string_equal(JS(v), dcases[k].want);
	}
	assert_true(rego_num_double(N("1.5e3"), &d));
	assert_true(d == 1500.0);
	assert_false(rego_num_double(N("1e400"), &d));
	assert_false(rego_num_i64(N("1.5"), &i));
	assert_true(rego_num_is_int(N("1e30")));
	assert_false(rego_num_is_int(N("1.5")));
	assert_false(rego_num_i64(J("\"1\""), &i));
	assert_true(rego_num_i64(N("-3"), &i));
	assert_true(i == -3);
}

/* ---------------------------------------------------------------------------
 * Builders.
 */

static void
test_builder_duplicates(void **state)
{
	struct rego_builder b;
	const struct rego_val *v, *k[3];
	struct writ_err err;
	size_t i;
	int64_t x;

	(void)state;
	/* A set fed 20000 elements with many duplicates stays small and sorted. */
	rego_builder_init(&b, A, REGO_SET);
	for (i = 0; i < 20000; i++) {
		assert_int_equal(rego_int(A, (int64_t)((i * 7919) % 1000), &v, &err), WRIT_OK);
		assert_int_equal(rego_builder_push(&b, v, &err), WRIT_OK);
	}
	assert_true(b.cap <= 4096);
	assert_int_equal(rego_builder_finish(&b, &v, &err), WRIT_OK);
	assert_int_equal(v->len, 1000);
	for (i = 0; i < 1000; i++) {
		assert_true(rego_num_i64(v->u.elems[i], &x));
		assert_true(x == (int64_t)i);
	}
	/* Objects: first key, last value; strict mode reports the conflict. */
	k[0] = N("1");
	k[1] = N("1.0");
	k[2] = J("\"a\"");
	rego_builder_init(&b, A, REGO_OBJECT);
	assert_int_equal(rego_builder_put(&b, k[0], J("\"x\""), &err), WRIT_OK);
	assert_int_equal(rego_builder_put(&b, k[2], J("1"), &err), WRIT_OK);
	assert_int_equal(rego_builder_put(&b, k[1], J("\"y\""), &err), WRIT_OK);
	assert_int_equal(rego_builder_finish(&b, &v, &err), WRIT_OK);
	assert_int_equal(v->len, 2);
	assert_ptr_equal(v->u.kvs[0].key, k[0]);
	assert_string_equal(JS(v), "{\"1\":\"y\",\"a\":1}");
	assert_string_equal(RS(v), "{1: \"y\", \"a\": 1}");
	rego_builder_init(&b, A, REGO_OBJECT);
	b.strict = true;
	assert_int_equal(rego_builder_put(&b, k[0], J("\"x\""), &err), WRIT_OK);
	assert_int_equal(rego_builder_put(&b, k[1], J("\"x\""), &err), WRIT_OK);
	assert_int_equal(rego_builder_finish(&b, &v, &err), WRIT_OK);
	rego_builder_init(&b, A, REGO_OBJECT);
	b.strict = true;
	assert_int_equal(rego_builder_put(&b, k[0], J("\"x\""), &err), WRIT_OK);
	assert_int_equal(rego_builder_put(&b, k[1], J("\"y\""), &err), WRIT_OK);
	assert_int_equal(rego_builder_finish(&b, &v, &err), WRIT_ECONFLICT);
	/* Arrays keep order and duplicates. */
	rego_builder_init(&b, A, REGO_ARRAY);
	for (i = 0; i < 3; i++)
		assert_int_equal(rego_builder_push(&b, k[0], &err), WRIT_OK);
	assert_int_equal(rego_builder_finish(&b, &v, &err), WRIT_OK);
	assert_string_equal(JS(v), "[1,1,1]");
	assert_non_null(rego_array_get(v, 2));
	assert_null(rego_array_get(v, 3));
}

static void
test_object_lookup(void **state)
{
	struct rego_builder b;
	const struct rego_val *o, *k, *v;
	struct writ_err err;
	char key[32];
	int64_t x;
	int i, n;

	(void)state;
	rego_builder_init(&b, A, REGO_OBJECT);
	for (i = 999; i >= 0; i--) {
		n = snprintf(key, sizeof(key), "key%d", i);
		assert_int_equal(rego_string(A, key, (size_t)n, &k, &err), WRIT_OK);
		assert_int_equal(rego_int(A, i, &v, &err), WRIT_OK);
		assert_int_equal(rego_builder_put(&b, k, v, &err), WRIT_OK);
	}
	assert_int_equal(rego_builder_put(&b, N("5"), J("true"), &err), WRIT_OK);
	assert_int_equal(rego_builder_finish(&b, &o, &err), WRIT_OK);
	assert_int_equal(o->len, 1001);
	for (i = 0; i < 1000; i++) {
		n = snprintf(key, sizeof(key), "key%d", i);
		v = rego_object_get_str(o, key, (size_t)n);
		assert_non_null(v);
		assert_true(rego_num_i64(v, &x) && x == i);
		assert_int_equal(rego_string(A, key, (size_t)n, &k, &err), WRIT_OK);
		assert_ptr_equal(rego_object_get(o, k), v);
	}
	assert_null(rego_object_get_str(o, "key1000", 7));
	assert_ptr_equal(rego_object_get(o, N("5.0")), &rego_true_val);
	assert_null(rego_object_get(o, J("\"5\"")));
}

/* ---------------------------------------------------------------------------
 * JSON.
 */

static void
test_json_errors(void **state)
{
	static const struct {
		const char *in;
		size_t len; /* 0: strlen */
		writ_rc rc;
		const char *msg;
	} cases[] = {
	    {"", 0, WRIT_EPARSE, "unexpected end of input at offset 0"},
	    {"[1,2] x", 0, WRIT_EPARSE, "trailing data after JSON value at offset 6"},
	    {"{}{}", 0, WRIT_EPARSE, "trailing data"},
	    {"\"\xc0\x80\"", 0, WRIT_EPARSE, "invalid UTF-8 in string at offset 1"},
	    {"\"\xed\xa0\x80\"", 0, WRIT_EPARSE, "invalid UTF-8"},
	    {"\"\xf5\x80\x80\x80\"", 0, WRIT_EPARSE, "invalid UTF-8"},
	    {"\"\xe2\x82\"", 0, WRIT_EPARSE, "invalid UTF-8"},
	    {"\"\\ud800\"", 0, WRIT_EPARSE, "lone high surrogate"},
	    {"\"\\ud800\\u0041\"", 0, WRIT_EPARSE, "lone high surrogate"},
	    {"\"\\udc00\"", 0, WRIT_EPARSE, "lone low surrogate"},
	    {"\"\\x\"", 0, WRIT_EPARSE, "invalid escape"},
	    {"\"\\u00g0\"", 0, WRIT_EPARSE, "invalid \\u escape"},
	    {"\"\\u-12a\"", 0, WRIT_EPARSE, "invalid \\u escape"},
	    {"\"\\u00\"", 0, WRIT_EPARSE, "invalid \\u escape"},
	    {"\"\\u00E9\\uD83D\\uDE00\"", 0, WRIT_OK, NULL},
	    {"\"a\nb\"", 0, WRIT_EPARSE, "control character"},
	    {"\"abc", 0, WRIT_EPARSE, "unterminated string"},
	    {"\xef\xbb\xbf{}", 0, WRIT_EPARSE, "unexpected character at offset 0"},
	    {"[01]", 0, WRIT_EPARSE, "invalid number at offset 1"},
	    {"[1.]", 0, WRIT_EPARSE, "invalid number"},
	    {"[-]", 0, WRIT_EPARSE, "invalid number"},
	    {"{\"a\" 1}", 0, WRIT_EPARSE, "expected ':'"},
	    {"{1:2}", 0, WRIT_EPARSE, "expected string key"},
	    {"[1 2]", 0, WRIT_EPARSE, "expected ',' or ']'"},
	    {"[1,]", 0, WRIT_EPARSE, "unexpected character"},
	    {"tru", 0, WRIT_EPARSE, "invalid literal"},
	    {"[\"a\\u0000b\"]", 0, WRIT_OK, NULL},
	    {"\"\\ud83d\\ude00\"", 0, WRIT_OK, NULL},
	    {"[1e30001]", 0, WRIT_ELIMIT, "exponent out of range"},
	};
	const struct rego_val *v;
	struct writ_err err;
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		writ_rc rc = rego_json_parse(A, cases[i].in, len, NULL, &v, &err);

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d want %d (%s)", i, rc, cases[i].rc, err.msg);
		if (cases[i].msg != NULL && strstr(err.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err.msg, cases[i].msg);
	}
	assert_int_equal(rego_json_parse(A, "\"\\ud83d\\ude00\"", 14, NULL, &v, &err), WRIT_OK);
	assert_int_equal(v->len, 4);
	assert_memory_equal(v->u.s, "\xf0\x9f\x98\x80", 4);
}

static void
test_json_limits(void **state)
{
	struct rego_json_limits lim = {.max_depth = 4, .max_bytes = 100};
	char deep[4096];
	const struct rego_val *v;
	struct writ_err err;
	size_t i;

	(void)state;
	assert_int_equal(rego_json_parse(A, "[[[[1]]]]", 9, &lim, &v, &err), WRIT_OK);
	assert_int_equal(rego_json_parse(A, "[[[[[1]]]]]", 11, &lim, &v, &err), WRIT_ELIMIT);
	assert_non_null(strstr(err.msg, "nesting deeper than 4"));
	assert_int_equal(rego_json_parse(A, "[{\"a\":[{}]}]", 12, &lim, &v, &err), WRIT_OK);
	assert_int_equal(rego_json_parse(A, "[{\"a\":[{\"b\":1}]}]", 17, &lim, &v, &err), WRIT_OK);
	assert_int_equal(
	    rego_json_parse(A, "[{\"a\":[{\"b\":[]}]}]", 18, &lim, &v, &err), WRIT_ELIMIT);
	memset(deep, ' ', 101);
	assert_int_equal(rego_json_parse(A, deep, 101, &lim, &v, &err), WRIT_ELIMIT);
	/* The default depth limit stops a deep document without exhausting the stack. */
	for (i = 0; i < sizeof(deep); i++)
		deep[i] = '[';
	assert_int_equal(rego_json_parse(A, deep, sizeof(deep), NULL, &v, &err), WRIT_ELIMIT);
}

static void
test_json_duplicates_and_output(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}"},
	    {"{\"b\":[1,2.50,1e2],\"a\":null}", "{\"a\":null,\"b\":[1,2.50,1e2]}"},
	    {"\"<a href=\\\"x\\\">&amp;</a>\"",
	        "\"\\u003ca href=\\\"x\\\"\\u003e\\u0026amp;\\u003c/a\\u003e\""},
	    {"\"\\b\\f\\n\\r\\t\\u0001\\u001f\\u007f/\"", "\"\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/\""},
	    {"\"\\u2028\\u2029\\u00e9\"", "\"\\u2028\\u2029\xc3\xa9\""},
	    {"\"\\u0000\"", "\"\\u0000\""},
	    {"  [ true , false , null ]  ", "[true,false,null]"},
	    {"{\"\xc3\xa9\":1,\"z\":2,\"Z\":3}", "{\"Z\":3,\"z\":2,\"\xc3\xa9\":1}"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++)
		assert_string_equal(JS(J(cases[i].in)), cases[i].out);
}

static void
test_json_special_output(void **state)
{
	struct rego_builder b, s;
	const struct rego_val *v, *set, *bad;
	struct rego_json_fmt fmt = {.prefix = "", .indent = "\t"};
	struct writ_buf buf;
	struct writ_err err;

	(void)state;
	/* Invalid UTF-8 in a string value (builtins may make one) prints as U+FFFD. */
	assert_int_equal(rego_string(A,
	                     "a\xff"
	                     "b\xed\xa0\x80",
	                     6, &bad, &err),
	    WRIT_OK);
	assert_string_equal(JS(bad), "\"a\\ufffdb\\ufffd\\ufffd\\ufffd\"");
	/* Non-string keys print as their JSON text; the later of a clash wins. */
	rego_builder_init(&s, A, REGO_SET);
	assert_int_equal(rego_builder_push(&s, N("2"), &err), WRIT_OK);
	assert_int_equal(rego_builder_push(&s, J("\"<\""), &err), WRIT_OK);
	assert_int_equal(rego_builder_finish(&s, &set, &err), WRIT_OK);
	rego_builder_init(&b, A, REGO_OBJECT);
	assert_int_equal(rego_builder_put(&b, N("1"), J("\"num\""), &err), WRIT_OK);
	assert_int_equal(rego_builder_put(&b, J("\"1\""), J("\"str\""), &err), WRIT_OK);
	assert_int_equal(rego_builder_put(&b, J("[1,{\"b\":2}]"), J("0"), &err), WRIT_OK);
	assert_int_equal(rego_builder_put(&b, set, J("null"), &err), WRIT_OK);
	assert_int_equal(rego_builder_put(&b, J("true"), J("false"), &err), WRIT_OK);
	assert_int_equal(rego_builder_finish(&b, &v, &err), WRIT_OK);
	assert_string_equal(JS(v),
	    "{\"1\":\"str\",\"[1,{\\\"b\\\":2}]\":0,"
	    "\"[2,\\\"\\\\u003c\\\"]\":null,\"true\":false}");
	assert_string_equal(RS(v),
	    "{true: false, 1: \"num\", \"1\": \"str\", "
	    "[1, {\"b\": 2}]: 0, {2, \"<\"}: null}");
	/* Indented like Go's json.MarshalIndent. */
	writ_buf_init(&buf, 0);
	assert_int_equal(rego_json_write(&buf, J("{\"a\":[1,{}],\"b\":[]}"), &fmt, &err), WRIT_OK);
	assert_string_equal(buf.ptr, "{\n\t\"a\": [\n\t\t1,\n\t\t{}\n\t],\n\t\"b\": []\n}");
	writ_buf_free(&buf);
}

static void
test_rego_print(void **state)
{
	struct rego_builder b;
	const struct rego_val *e, *s, *q;
	struct writ_err err;

	(void)state;
	rego_builder_init(&b, A, REGO_SET);
	assert_int_equal(rego_builder_finish(&b, &e, &err), WRIT_OK);
	rego_builder_init(&b, A, REGO_SET);
	assert_int_equal(rego_builder_push(&b, N("42"), &err), WRIT_OK);
	assert_int_equal(rego_builder_finish(&b, &s, &err), WRIT_OK);
	assert_string_equal(RS(J("[]")), "[]");
	assert_string_equal(
	    RS(J("[42, 13.37, true, \"foo\", null]")), "[42, 13.37, true, \"foo\", null]");
	assert_string_equal(RS(e), "set()");
	assert_string_equal(RS(s), "{42}");
	assert_string_equal(RS(J("{}")), "{}");
	assert_string_equal(RS(J("{\"a\": \"b\"}")), "{\"a\": \"b\"}");
	/* strconv.Quote escapes. */
	assert_int_equal(
	    rego_string(A, "\"\\\n\x01\x7f\xc2\xa0\xc3\xa9\xff\xf0\x9f\x98\x80", 14, &q, &err),
	    WRIT_OK);
	assert_string_equal(RS(q), "\"\\\"\\\\\\n\\x01\\x7f\\u00a0\xc3\xa9\\xff\xf0\x9f\x98\x80\"");
	assert_string_equal(rego_type_name(e), "set");
	assert_string_equal(rego_type_name(J("1")), "number");
	assert_string_equal(rego_type_name(J("null")), "null");
	assert_string_equal(rego_type_name(J("false")), "boolean");
}

/* ---------------------------------------------------------------------------
 * Allocation failures and the arena cap.
 */

static writ_rc
alloc_workload(struct writ_arena *a, struct writ_err *err)
{
	static const char doc[] = "{\"a\":[1,2.5,\"x\\u00e9\",{\"b\":null}],\"c\":\"\\n\","
	                          "\"d\":[[],{},1e400],\"e\":\"plain\"}";
	const struct rego_val *v, *r;
	struct rego_builder b;
	struct writ_buf buf;
	writ_rc rc;
	int i;

	if ((rc = rego_json_parse(a, doc, sizeof(doc) - 1, NULL, &v, err)) != WRIT_OK)
		return rc;
	rego_builder_init(&b, a, REGO_SET);
	for (i = 0; i < 40 && rc == WRIT_OK; i++)
		if ((rc = rego_int(a, i % 13, &r, err)) == WRIT_OK)
			rc = rego_builder_push(&b, r, err);
	if (rc == WRIT_OK)
		rc = rego_builder_finish(&b, &r, err);
	if (rc == WRIT_OK)
		rc = rego_num_div(a, rego_array_get(rego_object_get_str(v, "a", 1), 1),
		    rego_array_get(rego_object_get_str(v, "a", 1), 0), &r, err);
	if (rc != WRIT_OK)
		return rc;
	writ_buf_init(&buf, 0);
	rc = rego_json_write(&buf, v, NULL, err);
	writ_buf_free(&buf);
	return rc;
}

static void
test_alloc_failures(void **state)
{
	struct writ_arena *a;
	struct writ_err err;
	writ_rc rc;
	long n;
	size_t cap;

	(void)state;
	for (n = 1;; n++) {
		a = writ_arena_new(0, 0);
		assert_non_null(a);
		writ_fault_set(n);
		rc = alloc_workload(a, &err);
		writ_arena_free(a);
		if (!writ_fault_fired()) {
			assert_int_equal(rc, WRIT_OK);
			break;
		}
		if (rc != WRIT_ENOMEM)
			fail_msg("fault %ld: rc %d (%s)", n, rc, err.msg);
	}
	writ_fault_set(0);
	assert_true(n > 3);
	/* Every cap too small for the workload gives WRIT_ELIMIT, never a crash. */
	for (cap = 16; cap < 8192; cap += 48) {
		a = writ_arena_new(cap, 0);
		assert_non_null(a);
		rc = alloc_workload(a, &err);
		writ_arena_free(a);
		if (rc != WRIT_OK && rc != WRIT_ELIMIT)
			fail_msg("cap %zu: rc %d (%s)", cap, rc, err.msg);
	}
}

/* ---------------------------------------------------------------------------
 * Round trip of OPA's conformance data.
 */

/* Serialise, parse again, compare, and check that printing is a fixpoint. */
static void
round_trip(const struct rego_val *v, const char *note)
{
	struct writ_buf b1, b2;
	const struct rego_val *w;
	struct writ_err err;

	writ_buf_init(&b1, 0);
	writ_buf_init(&b2, 0);
	assert_int_equal(rego_json_write(&b1, v, NULL, &err), WRIT_OK);
	if (rego_json_parse(A, b1.ptr, b1.len, NULL, &w, &err) != WRIT_OK)
		fail_msg("%s: reparse: %s", note, err.msg);
	if (!rego_equal(v, w) || rego_hash(v) != rego_hash(w))
		fail_msg("%s: round trip differs: %s", note, b1.ptr);
	assert_int_equal(rego_json_write(&b2, w, NULL, &err), WRIT_OK);
	assert_string_equal(b1.ptr, b2.ptr);
	writ_buf_free(&b1);
	writ_buf_free(&b2);
}

static void
test_conformance_round_trip(void **state)
{
	static const char *const fields[] = {"want_result", "data", "input"};
	char path[4096], *line = NULL;
	const char *src = __FILE__, *slash;
	const struct rego_val *c, *f;
	struct writ_err err;
	size_t cap = 0, i, ncases = 0, nvals = 0;
	ssize_t len;
	FILE *fp;

	(void)state;
	/* <repo>/tests/unit/this.c -> <repo>/../shared/conformance/opa. */
	if (getenv("WRIT_REGO_CONFORMANCE") != NULL) {
		snprintf(path, sizeof(path), "%s/v1-cases.jsonl", getenv("WRIT_REGO_CONFORMANCE"));
	} else {
		slash = strstr(src, "/tests/unit/");
		snprintf(path, sizeof(path), "%.*s/../shared/conformance/opa/v1-cases.jsonl",
		    slash != NULL ? (int)(slash - src) : 1, slash != NULL ? src : ".");
	}
	if ((fp = fopen(path, "r")) == NULL) {
		print_message("skipped: %s not found\n", path);
		skip();
	}
	while ((len = getline(&line, &cap, fp)) > 0) {
		writ_arena_reset(A);
		if (rego_json_parse(A, line, (size_t)len, NULL, &c, &err) != WRIT_OK)
			fail_msg("case %zu: %s", ncases + 1, err.msg);
		round_trip(c, "case");
		for (i = 0; i < WRIT_ARRAY_LEN(fields); i++) {
			if ((f = rego_object_get_str(c, fields[i], strlen(fields[i]))) == NULL)
				continue;
			round_trip(f, fields[i]);
			nvals++;
		}
		ncases++;
	}
	free(line);
	fclose(fp);
	print_message("%zu cases, %zu values round-tripped\n", ncases, nvals);
	assert_int_equal(ncases, 2067);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_order_all_types, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_order_sets_objects, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_number_parse, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_number_arith, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_number_unary, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_number_conversions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_builder_duplicates, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_object_lookup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_duplicates_and_output, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_json_special_output, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rego_print, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conformance_round_trip, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
