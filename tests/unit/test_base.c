/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/base: arenas (cap, reset, fault injection), buffers,
 * integer and duration parsing, the error-code table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "writ/base.h"

static void
test_parse_u64(void **state)
{
	static const struct {
		const char *in;
		writ_rc rc;
		uint64_t v;
	} cases[] = {
		{"0", WRIT_OK, 0},
		{"18446744073709551615", WRIT_OK, UINT64_MAX},
		{"18446744073709551616", WRIT_EINVAL, 0},
		{"", WRIT_EINVAL, 0},
		{"-1", WRIT_EINVAL, 0},
		{" 1", WRIT_EINVAL, 0},
		{"12a", WRIT_EINVAL, 0},
		{"+5", WRIT_EINVAL, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		uint64_t v = 12345;
		writ_rc rc = writ_parse_u64(cases[i].in, strlen(cases[i].in), &v);

		assert_int_equal(rc, cases[i].rc);
		assert_int_equal(v, cases[i].rc == WRIT_OK ? cases[i].v : 12345);
	}
}

static void
test_parse_duration(void **state)
{
	static const struct {
		const char *in;
		writ_rc rc;
		int64_t v;
	} cases[] = {
		{"0", WRIT_OK, 0},
		{"3600", WRIT_OK, 3600},
		{"1h", WRIT_OK, 3600},
		{"1h30m", WRIT_OK, 5400},
		{"90s", WRIT_OK, 90},
		{"2d", WRIT_OK, 172800},
		{"1500ms", WRIT_OK, 1},
		{"768h", WRIT_OK, 2764800},
		{"h", WRIT_EINVAL, 0},
		{"1x", WRIT_EINVAL, 0},
		{"1h30", WRIT_EINVAL, 0},
		{"", WRIT_EINVAL, 0},
		{"-1s", WRIT_EINVAL, 0},
		{"99999999999999999999h", WRIT_EINVAL, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		int64_t v = -7;
		writ_rc rc = writ_parse_duration(cases[i].in, strlen(cases[i].in), &v);

		assert_int_equal(rc, cases[i].rc);
		if (rc == WRIT_OK)
			assert_int_equal(v, cases[i].v);
		else
			assert_int_equal(v, -7);
	}
}

static void
test_arena_cap(void **state)
{
	struct writ_arena *a = writ_arena_new(1000, 0);
	void *p;

	(void)state;
	assert_non_null(a);
	assert_non_null(writ_arena_alloc(a, 500));
	assert_null(writ_arena_alloc(a, 600));
	assert_true(writ_arena_over_cap(a));
	writ_arena_reset(a);
	assert_false(writ_arena_over_cap(a));
	p = writ_arena_alloc(a, 900);
	assert_non_null(p);
	memset(p, 1, 900);
	assert_null(writ_arena_alloc(a, SIZE_MAX));
	writ_arena_free(a);
}

static void
test_arena_many(void **state)
{
	struct writ_arena *a = writ_arena_new(0, WRIT_ARENA_SECRET);
	char *s;
	int i;

	(void)state;
	for (i = 0; i < 10000; i++) {
		s = writ_arena_printf(a, "item-%d", i);
		assert_non_null(s);
		assert_string_equal(s, writ_arena_printf(a, "item-%d", i));
	}
	writ_arena_free(a);
}

static void
test_buf_and_faults(void **state)
{
	long n;

	(void)state;
	for (n = 1;; n++) {
		struct writ_buf b;
		writ_rc rc = WRIT_OK;
		int i;

		writ_buf_init(&b, 0);
		writ_fault_set(n);
		for (i = 0; i < 200 && rc == WRIT_OK; i++)
			rc = writ_buf_appendf(&b, "%d,", i);
		if (rc == WRIT_OK)
			rc = writ_buf_append_json_str(&b, "a\"b\n\x01", 5);
		writ_fault_set(0);
		if (rc == WRIT_OK) {
			assert_non_null(strstr(b.ptr, "\"a\\\"b\\n\\u0001\""));
			writ_buf_free(&b);
			break;
		}
		assert_int_equal(rc, WRIT_ENOMEM);
		writ_buf_free(&b);
	}
	assert_true(n > 1);
}

static void
test_buf_max(void **state)
{
	struct writ_buf b;

	(void)state;
	writ_buf_init(&b, 16);
	assert_int_equal(writ_buf_append(&b, "0123456789", 10), WRIT_OK);
	assert_int_equal(writ_buf_append(&b, "0123456789", 10), WRIT_ETOOBIG);
	assert_int_equal(b.len, 10);
	writ_buf_free(&b);
}

/* appendf formats in place when it fits and never passes the maximum. */
static void
test_buf_appendf_edges(void **state)
{
	struct writ_buf b;
	int i;

	(void)state;
	writ_buf_init(&b, 16);
	assert_int_equal(writ_buf_appendf(&b, "%s", "0123456789"), WRIT_OK);
	assert_int_equal(writ_buf_appendf(&b, "%s", "abcdefghij"), WRIT_ETOOBIG);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.ptr, "0123456789");
	assert_int_equal(writ_buf_appendf(&b, "%d", 12345), WRIT_OK);
	assert_string_equal(b.ptr, "012345678912345");
	assert_int_equal(writ_buf_appendf(&b, "%s", "x"), WRIT_ETOOBIG);
	writ_buf_free(&b);
	writ_buf_init(&b, 0);
	for (i = 0; i < 1000; i++)
		assert_int_equal(writ_buf_appendf(&b, "%03d,", i % 1000), WRIT_OK);
	assert_int_equal(b.len, 4000);
	assert_memory_equal(b.ptr + 3996, "999,", 4);
	writ_buf_free(&b);
}

static void
test_rc_table(void **state)
{
	(void)state;
	assert_string_equal(writ_rc_name(WRIT_ENOTFOUND), "not_found");
	assert_int_equal(writ_rc_http_status(WRIT_EDENIED), 403);
	assert_int_equal(writ_rc_http_status(WRIT_ESEALED), 503);
	assert_int_equal(writ_rc_http_status((writ_rc)999), 500);
	assert_string_equal(writ_rc_name((writ_rc)999), "internal_error");
}

/* RFC 3339 times as audit entries carry them: nine fraction digits, or none. */
static void
test_time_rfc3339(void **state)
{
	char b[48];

	(void)state;
	writ_time_rfc3339(b, sizeof(b), 0, 0);
	assert_string_equal(b, "1970-01-01T00:00:00Z");
	writ_time_rfc3339(b, sizeof(b), 1763900000, 123456789);
	assert_string_equal(b, "2025-11-23T12:13:20.123456789Z");
	writ_time_rfc3339(b, sizeof(b), 951782400, 5);
	assert_string_equal(b, "2000-02-29T00:00:00.000000005Z");
	writ_time_rfc3339(b, sizeof(b), 253402300799, 999999999);
	assert_string_equal(b, "9999-12-31T23:59:59.999999999Z");
	writ_time_rfc3339(b, 11, 1763900000, 1);
	assert_string_equal(b, "2025-11-23");
	writ_time_rfc3339(b, sizeof(b), 253402300800, 0); /* year 10000: the slow path */
	assert_true(strncmp(b, "10000-01-01T00:00:00", 20) == 0);
}

static void
test_hex_digit(void **state)
{
	static const char digits[] = "0123456789abcdefABCDEF";
	static const int want[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 10, 11, 12,
	    13, 14, 15};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(writ_hex_digit(digits[i]), want[i]);
	assert_int_equal(writ_hex_digit('g'), -1);
	assert_int_equal(writ_hex_digit('/'), -1);
	assert_int_equal(writ_hex_digit(-61), -1); /* a high byte as a signed char */
	assert_int_equal(writ_hex_digit(0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_time_rfc3339),
		cmocka_unit_test(test_hex_digit),
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_arena_cap),
		cmocka_unit_test(test_arena_many),
		cmocka_unit_test(test_buf_and_faults),
		cmocka_unit_test(test_buf_max),
		cmocka_unit_test(test_buf_appendf_edges),
		cmocka_unit_test(test_rc_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
