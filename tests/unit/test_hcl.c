/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the HCL subset parser (lib/base/hcl.c): table-driven good
 * documents compared against their canonical JSON, bad documents with their
 * exact "line N: message", the limits, JSON input, block normalisation and
 * allocation-failure injection (jansson is pointed at writ_malloc).
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
#include "writ/hcl.h"

/* Canonical compact JSON with sorted keys, to compare with expected text. */
static char *
canon(json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static void
expect_doc(const char *in, size_t len, const char *want)
{
	struct writ_err err = {0};
	json_t *doc = NULL;
	writ_rc rc = writ_hcl_parse(in, len, &doc, &err);
	char *got;

	if (rc != WRIT_OK)
		fail_msg("input %s: rc %d: %s", in, rc, err.msg);
	got = canon(doc);
	if (strcmp(got, want) != 0)
		fail_msg("input %s:\n got  %s\n want %s", in, got, want);
	free(got);
	json_decref(doc);
}

static void
test_good(void **state)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{"", "{}"},
		{"  # only a comment\n", "{}"},
		{"a = 1", "{\"__line_a\":1,\"a\":1}"},
		{"# c\n// d\n/* e\n f */ a = true", "{\"__line_a\":4,\"a\":true}"},
		{"a = false\nb = \"x\"", "{\"__line_a\":1,\"__line_b\":2,\"a\":false,\"b\":\"x\"}"},
		{"s = \"q\\\"b\\\\n\\n\\t\\/\"", "{\"__line_s\":1,\"s\":\"q\\\"b\\\\n\\n\\t/\"}"},
		{"s = \"\\u00e9\\U0001F600\\ud83d\\ude00\"",
		    "{\"__line_s\":1,\"s\":\"\xc3\xa9\xf0\x9f\x98\x80\xf0\x9f\x98\x80\"}"},
		{"s = \"caf\xc3\xa9\"", "{\"__line_s\":1,\"s\":\"caf\xc3\xa9\"}"},
		{"s = \"\"", "{\"__line_s\":1,\"s\":\"\"}"},
		{"h = <<EOF\nline1\n  line2\nEOF\n", "{\"__line_h\":1,\"h\":\"line1\\n  line2\\n\"}"},
		{"h = <<EOF\nEOF", "{\"__line_h\":1,\"h\":\"\"}"},
		{"h = <<-EOT\n    a\n\n      b\n    EOT\nx = 1",
		    "{\"__line_h\":1,\"__line_x\":6,\"h\":\"a\\n\\n  b\\n\",\"x\":1}"},
		{"h = <<EOF\r\nwin\r\nEOF\r\n", "{\"__line_h\":1,\"h\":\"win\\r\\n\"}"},
		{"i = -42\nf = 1.5\ne = 2e3\n",
		    "{\"__line_e\":3,\"__line_f\":2,\"__line_i\":1,\"e\":2000.0,\"f\":1.5,\"i\":-42}"},
		{"big = 9223372036854775807\nneg = -9223372036854775808",
		    "{\"__line_big\":1,\"__line_neg\":2,\"big\":9223372036854775807,"
		    "\"neg\":-9223372036854775808}"},
		{"l = [1, \"two\", [3], {x = 1},]",
		    "{\"__line_l\":1,\"l\":[1,\"two\",[3],{\"__line_x\":1,\"x\":1}]}"},
		{"l = [\n  \"a\", # c\n  \"b\"\n]\nm = []", "{\"__line_l\":1,\"__line_m\":5,\"l\":[\"a\","
		    "\"b\"],\"m\":[]}"},
		{"o = { a = 1, b = { c = \"d\" } }",
		    "{\"__line_o\":1,\"o\":{\"__line_a\":1,\"__line_b\":1,\"a\":1,"
		    "\"b\":{\"__line_c\":1,\"c\":\"d\"}}}"},
		{"p = {\n  \"*\" = []\n}", "{\"__line_p\":1,\"p\":{\"*\":[],\"__line_*\":2}}"},
		{"path \"secret/*\" {\n  capabilities = [\"read\"]\n}",
		    "{\"path\":[{\"__labels\":[\"secret/*\"],\"__line\":1,"
		    "\"__line_capabilities\":2,\"capabilities\":[\"read\"]}]}"},
		{"b \"x\" {}\nb \"y\" {}\n", "{\"b\":[{\"__labels\":[\"x\"],\"__line\":1},"
		    "{\"__labels\":[\"y\"],\"__line\":2}]}"},
		{"limits {\n x = 1 }", "{\"limits\":[{\"__labels\":[],\"__line\":1,"
		    "\"__line_x\":2,\"x\":1}]}"},
		{"a \"b\" \"c\" { d \"e\" { } }", "{\"a\":[{\"__labels\":[\"b\",\"c\"],\"__line\":1,"
		    "\"d\":[{\"__labels\":[\"e\"],\"__line\":1}]}]}"},
		{"listener tcp { }", "{\"listener\":[{\"__labels\":[\"tcp\"],\"__line\":1}]}"},
		{"\"quoted key\" = 1", "{\"__line_quoted key\":1,\"quoted key\":1}"},
		{"a = 1 b = 2", "{\"__line_a\":1,\"__line_b\":1,\"a\":1,\"b\":2}"},
		{"a.b-c_d = 1", "{\"__line_a.b-c_d\":1,\"a.b-c_d\":1}"},
		{"  {\"path\": {\"x\": {\"capabilities\": [\"read\"]}}}",
		    "{\"path\":{\"x\":{\"capabilities\":[\"read\"]}}}"},
		{"{}", "{}"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++)
		expect_doc(cases[i].in, strlen(cases[i].in), cases[i].want);
}

static void
expect_err(const char *in, size_t len, writ_rc want_rc, const char *want, bool prefix)
{
	struct writ_err err = {0};
	json_t *doc = (json_t *)0x1;
	writ_rc rc = writ_hcl_parse(in, len, &doc, &err);

	if (rc != want_rc)
		fail_msg("input %.60s: rc %d want %d (%s)", in, rc, want_rc, err.msg);
	if (prefix ? strncmp(err.msg, want, strlen(want)) != 0 : strcmp(err.msg, want) != 0)
		fail_msg("input %.60s:\n got  %s\n want %s", in, err.msg, want);
	assert_ptr_equal(doc, (json_t *)0x1);
}

static void
test_bad(void **state)
{
	static const struct {
		const char *in;
		writ_rc rc;
		const char *msg;
	} cases[] = {
		{"a = ", WRIT_EPARSE, "line 1: expected a value, found end of input"},
		{"a = \"x", WRIT_EPARSE, "line 1: unterminated string"},
		{"a = \"x\ny\"", WRIT_EPARSE, "line 1: unterminated string"},
		{"\na = \"x\\q\"", WRIT_EPARSE, "line 2: invalid escape \\q"},
		{"a = \"\\ud800\"", WRIT_EPARSE, "line 1: unpaired surrogate in \\u escape"},
		{"a = \"\\udc00\"", WRIT_EPARSE, "line 1: invalid code point U+DC00"},
		{"a = \"\\u0000\"", WRIT_EPARSE, "line 1: invalid code point U+0000"},
		{"a = \"\\U00110000\"", WRIT_EPARSE, "line 1: invalid code point U+110000"},
		{"a = \"\\u12\"", WRIT_EPARSE, "line 1: invalid \\u escape"},
		{"a = \"\xff\"", WRIT_EPARSE, "line 1: string is not valid UTF-8"},
		{"a = \"\xc0\xaf\"", WRIT_EPARSE, "line 1: string is not valid UTF-8"},
		{"a = 1 /* x", WRIT_EPARSE, "line 1: unterminated comment"},
		{"a = 1\na = 2", WRIT_EPARSE, "line 2: duplicate key \"a\""},
		{"a = 1\na {}", WRIT_EPARSE, "line 2: duplicate key \"a\""},
		{"a {}\na = 1", WRIT_EPARSE, "line 2: duplicate key \"a\""},
		{"x = [1 2]", WRIT_EPARSE, "line 1: expected ',' or ']', found number"},
		{"x = [1,,2]", WRIT_EPARSE, "line 1: expected a value, found ','"},
		{"x = 1x", WRIT_EPARSE, "line 1: invalid number"},
		{"x = 1.2.3", WRIT_EPARSE, "line 1: invalid number"},
		{"x = 1e", WRIT_EPARSE, "line 1: invalid number"},
		{"x = -", WRIT_EPARSE, "line 1: unexpected character '-'"},
		{"x = 99999999999999999999", WRIT_EPARSE, "line 1: integer out of range"},
		{"x = 9223372036854775808", WRIT_EPARSE, "line 1: integer out of range"},
		{"x = -9223372036854775809", WRIT_EPARSE, "line 1: integer out of range"},
		{"x = 1e999", WRIT_EPARSE, "line 1: number out of range"},
		{"x = foo", WRIT_EPARSE, "line 1: unexpected identifier \"foo\""},
		{"b {\n x = 1\n", WRIT_EPARSE, "line 3: missing '}'"},
		{"b }", WRIT_EPARSE, "line 1: expected '=' or '{' after \"b\", found '}'"},
		{"b \"l\" = 1", WRIT_EPARSE, "line 1: expected '=' or '{' after \"b\", found '='"},
		{"__labels = 1", WRIT_EPARSE, "line 1: reserved key \"__labels\""},
		{"o = { \"__line\" = 1 }", WRIT_EPARSE, "line 1: reserved key \"__line\""},
		{"h = <<EOF\nabc\n", WRIT_EPARSE, "line 1: unterminated heredoc (missing EOF)"},
		{"h = <<EOF x\nEOF\n", WRIT_EPARSE, "line 1: heredoc marker must end the line"},
		{"h = << EOF\nEOF\n", WRIT_EPARSE, "line 1: heredoc needs a marker after <<"},
		{"a = @", WRIT_EPARSE, "line 1: unexpected character '@'"},
		{"a = 1\n\x01", WRIT_EPARSE, "line 2: unexpected byte 0x01"},
		{"\n\n}", WRIT_EPARSE, "line 3: expected a key, found '}'"},
		{"[1]", WRIT_EPARSE, "line 1: expected a key, found '['"},
		{"= 1", WRIT_EPARSE, "line 1: expected a key, found '='"},
		{"{\"__line\": 1}", WRIT_EPARSE, "line 1: reserved key \"__line\""},
		{"{\"a\": [1]", WRIT_EPARSE, "line 1: "},
		{"{\"a\": 1, \"a\": 2}", WRIT_EPARSE, "line 1: duplicate object key"},
		{"{\n\"a\":\n}", WRIT_EPARSE, "line 3: "},
		{"{} x", WRIT_EPARSE, "line 1: end of file expected"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		bool prefix = strncmp(cases[i].in, "{", 1) == 0 && strstr(cases[i].msg, "reserved") == NULL;

		expect_err(cases[i].in, strlen(cases[i].in), cases[i].rc, cases[i].msg, prefix);
	}
	/* A NUL byte in the input is not a character of the language. */
	expect_err("a = \"x\0y\"", 9, WRIT_EPARSE, "line 1: string is not valid UTF-8", false);
	expect_err("a = 1\0", 6, WRIT_EPARSE, "line 1: unexpected byte 0x00", false);
}

/* Text of n nested lists: a = [[[...]]]. */
static char *
nested(int n, char open, char close)
{
	char *s = malloc((size_t)n * 2 + 8);
	int i, k = 0;

	assert_non_null(s);
	if (open == '[') {
		memcpy(s, "a = ", 4);
		k = 4;
	}
	for (i = 0; i < n; i++)
		s[k++] = open;
	for (i = 0; i < n; i++)
		s[k++] = close;
	s[k] = '\0';
	return s;
}

/* Text of "a = " and a quoted string of n bytes. */
static char *
long_string(size_t n, bool heredoc)
{
	char *s = malloc(n + 32);
	size_t k = 0;

	assert_non_null(s);
	memcpy(s, heredoc ? "a = <<E\n" : "a = \"", heredoc ? 8 : 5);
	k = heredoc ? 8 : 5;
	memset(s + k, 'x', n);
	k += n;
	memcpy(s + k, heredoc ? "\nE\n" : "\"", heredoc ? 4 : 2);
	return s;
}

static void
test_limits(void **state)
{
	struct writ_err err = {0};
	json_t *doc = NULL;
	char *s;

	(void)state;
	/* Depth: 32 nested containers pass, 33 do not (HCL lists, blocks, JSON). */
	s = nested(WRIT_HCL_MAX_DEPTH, '[', ']');
	assert_int_equal(writ_hcl_parse(s, strlen(s), &doc, &err), WRIT_OK);
	json_decref(doc);
	free(s);
	s = nested(WRIT_HCL_MAX_DEPTH + 1, '[', ']');
	expect_err(s, strlen(s), WRIT_ELIMIT, "line 1: nesting deeper than 32", false);
	free(s);
	{
		char js[200];
		int i, k = 0;

		k += snprintf(js + k, sizeof(js) - (size_t)k, "{\"a\":");
		for (i = 0; i < WRIT_HCL_MAX_DEPTH + 1; i++)
			js[k++] = '[';
		for (i = 0; i < WRIT_HCL_MAX_DEPTH + 1; i++)
			js[k++] = ']';
		js[k++] = '}';
		js[k] = '\0';
		expect_err(js, strlen(js), WRIT_ELIMIT, "line 1: nesting deeper than 32", false);
		js[5 + WRIT_HCL_MAX_DEPTH] = ' ';
		js[5 + WRIT_HCL_MAX_DEPTH + 1] = ' ';
		assert_int_equal(writ_hcl_parse(js, strlen(js), &doc, &err), WRIT_OK);
		json_decref(doc);
	}
	{
		char blk[400];
		int i, k = 0;

		for (i = 0; i < WRIT_HCL_MAX_DEPTH + 1; i++)
			k += snprintf(blk + k, sizeof(blk) - (size_t)k, "b{");
		for (i = 0; i < WRIT_HCL_MAX_DEPTH + 1; i++)
			blk[k++] = '}';
		blk[k] = '\0';
		expect_err(blk, strlen(blk), WRIT_ELIMIT, "line 1: nesting deeper than 32", false);
	}
	/* Strings: 64 KiB pass, one more byte does not, quoted or heredoc. */
	s = long_string(WRIT_HCL_MAX_STR, false);
	assert_int_equal(writ_hcl_parse(s, strlen(s), &doc, &err), WRIT_OK);
	assert_int_equal(json_string_length(json_object_get(doc, "a")), WRIT_HCL_MAX_STR);
	json_decref(doc);
	free(s);
	s = long_string(WRIT_HCL_MAX_STR + 1, false);
	expect_err(s, strlen(s), WRIT_ELIMIT, "line 1: string longer than 65536 bytes", false);
	free(s);
	s = long_string(WRIT_HCL_MAX_STR, true); /* plus its final newline */
	expect_err(s, strlen(s), WRIT_ELIMIT, "line 1: string longer than 65536 bytes", false);
	free(s);
	/* Input size. */
	s = calloc(1, WRIT_HCL_MAX_INPUT + 1);
	assert_non_null(s);
	memset(s, ' ', WRIT_HCL_MAX_INPUT + 1);
	expect_err(s, WRIT_HCL_MAX_INPUT + 1, WRIT_ELIMIT, "line 1: input larger than 1048576 bytes",
	    false);
	assert_int_equal(writ_hcl_parse(s, WRIT_HCL_MAX_INPUT, &doc, &err), WRIT_OK);
	json_decref(doc);
	free(s);
	/* Labels. */
	expect_err("b a a a a a a a a a a a a a a a a a {}", 37, WRIT_ELIMIT,
	    "line 1: more than 16 block labels", false);
	/* Numbers. */
	expect_err("a = 00000000000000000000000000000000000000000000000000000000000000001", 69,
	    WRIT_ELIMIT, "line 1: number longer than 64 characters", false);
}

static void
expect_blocks(const char *in, const char *name, size_t nlabels, const char *want)
{
	struct writ_err err = {0};
	json_t *doc = NULL, *arr = NULL;
	writ_rc rc;
	char *got;

	assert_int_equal(writ_hcl_parse(in, strlen(in), &doc, &err), WRIT_OK);
	rc = writ_hcl_blocks(doc, name, nlabels, &arr, &err);
	if (want[0] != '[') {
		if (rc == WRIT_OK || strcmp(err.msg, want) != 0)
			fail_msg("%s: rc %d msg %s want %s", in, rc, err.msg, want);
		json_decref(doc);
		return;
	}
	if (rc != WRIT_OK)
		fail_msg("%s: %s", in, err.msg);
	got = canon(arr);
	if (strcmp(got, want) != 0)
		fail_msg("input %s:\n got  %s\n want %s", in, got, want);
	free(got);
	json_decref(arr);
	json_decref(doc);
}

static void
test_blocks(void **state)
{
	static const struct {
		const char *in, *name;
		size_t nlabels;
		const char *want;
	} cases[] = {
		{"l \"tcp\" { a = 1 }\nl \"tcp\" { a = 2 }", "l", 1,
		    "[{\"__labels\":[\"tcp\"],\"__line\":1,\"__line_a\":1,\"a\":1},"
		    "{\"__labels\":[\"tcp\"],\"__line\":2,\"__line_a\":2,\"a\":2}]"},
		{"{\"l\": {\"tcp\": {\"a\": 1}}}", "l", 1,
		    "[{\"__labels\":[\"tcp\"],\"__line\":0,\"a\":1}]"},
		{"{\"l\": [{\"tcp\": {\"a\": 1}}, {\"unix\": [{\"a\": 2}, {\"a\": 3}]}]}", "l", 1,
		    "[{\"__labels\":[\"tcp\"],\"__line\":0,\"a\":1},"
		    "{\"__labels\":[\"unix\"],\"__line\":0,\"a\":2},"
		    "{\"__labels\":[\"unix\"],\"__line\":0,\"a\":3}]"},
		{"{\"limits\": {\"a\": 1}}", "limits", 0,
		    "[{\"__labels\":[],\"__line\":0,\"a\":1}]"},
		{"\nlimits = { a = 1 }", "limits", 0,
		    "[{\"__labels\":[],\"__line\":2,\"__line_a\":2,\"a\":1}]"},
		{"path = {\n \"x\" = { c = 1 } }", "path", 1,
		    "[{\"__labels\":[\"x\"],\"__line\":1,\"__line_c\":2,\"c\":1}]"},
		{"a \"x\" \"y\" {}", "a", 2, "[{\"__labels\":[\"x\",\"y\"],\"__line\":1}]"},
		{"{\"a\": {\"x\": {\"y\": {}}}}", "a", 2, "[{\"__labels\":[\"x\",\"y\"],\"__line\":0}]"},
		{"x = 1", "absent", 1, "[]"},
		{"\nl {}", "l", 1, "line 2: l block needs 1 label"},
		{"l \"a\" \"b\" {}", "l", 0, "line 1: l block needs 0 labels"},
		{"l = 5", "l", 1, "line 1: l must be a block"},
		{"l = [5]", "l", 1, "line 1: l must be a block"},
		{"{\"l\": {\"tcp\": 5}}", "l", 1, "line 1: l must be a block"},
		{"{\"l\": {\"tcp\": [5]}}", "l", 1, "line 1: l must be a block"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++)
		expect_blocks(cases[i].in, cases[i].name, cases[i].nlabels, cases[i].want);
}

static void
test_lines(void **state)
{
	static const char text[] = "{\n  \"path\": {\n    \"secret/*\": {}\n  }\n}";
	struct writ_err err = {0};
	json_t *doc = NULL, *blk;

	(void)state;
	assert_int_equal(writ_hcl_parse("\n\nb {\n\n x = 1 }", 15, &doc, &err), WRIT_OK);
	blk = json_array_get(json_object_get(doc, "b"), 0);
	assert_int_equal(writ_hcl_line(blk, "x"), 5);
	assert_int_equal(writ_hcl_line(blk, "y"), 3);
	assert_int_equal(writ_hcl_line(blk, NULL), 3);
	assert_int_equal(writ_hcl_line(doc, "b"), 3); /* a block name: its first block */
	assert_int_equal(writ_hcl_line(doc, "c"), 0);
	json_decref(doc);
	assert_int_equal(writ_hcl_text_line(text, strlen(text), "secret/*"), 3);
	assert_int_equal(writ_hcl_text_line(text, strlen(text), "path"), 2);
	assert_int_equal(writ_hcl_text_line(text, strlen(text), "secret"), 1);
	assert_int_equal(writ_hcl_text_line(text, strlen(text), "absent"), 1);
}

/* Every allocation failure gives WRIT_ENOMEM, never a crash or a leak. */
static void
test_enomem(void **state)
{
	static const char *const inputs[] = {
		"path \"secret/*\" {\n  capabilities = [\"read\", \"list\"]\n"
		"  allowed_parameters = { \"*\" = [] }\n  x = 1.5\n  h = <<-E\n  t\n  E\n}\n",
		"{\"path\": {\"a\": {\"capabilities\": [\"read\"]}}, \"x\": [1, 2.5, \"s\"]}",
	};
	struct writ_err err = {0};
	json_t *doc, *arr;
	size_t i;
	long n;
	writ_rc rc;

	(void)state;
	json_set_alloc_funcs(writ_malloc, writ_free);
	for (i = 0; i < WRIT_ARRAY_LEN(inputs); i++) {
		for (n = 1;; n++) {
			doc = NULL;
			writ_fault_set(n);
			rc = writ_hcl_parse(inputs[i], strlen(inputs[i]), &doc, &err);
			if (rc == WRIT_OK)
				rc = writ_hcl_blocks(doc, "path", 1, &arr, &err);
			if (rc == WRIT_OK)
				json_decref(arr);
			json_decref(doc);
			if (!writ_fault_fired()) {
				assert_int_equal(rc, WRIT_OK);
				break;
			}
			/* jansson reports some failed allocations as syntax errors. */
			if (rc != WRIT_ENOMEM && !(i == 1 && rc == WRIT_EPARSE))
				fail_msg("input %zu, fault %ld: rc %d (%s)", i, n, rc, err.msg);
		}
		writ_fault_set(0);
		assert_true(n > 5);
	}
	json_set_alloc_funcs(malloc, free);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_blocks),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
