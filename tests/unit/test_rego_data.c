/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of writ_rego_data_merge: documents placed at their paths,
 * objects merged key by key, YAML documents, and the errors (a conflict, a
 * root that is not an object, bad syntax) naming the file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "writ/rego.h"

static char *
merged(const struct writ_rego_doc *d, size_t n, writ_rc want, struct writ_rego_error *err)
{
	struct writ_buf b;

	writ_buf_init(&b, 0);
	assert_int_equal(writ_rego_data_merge(d, n, &b, err), want);
	return b.ptr;
}

#define DOC(name, path, text) {name, path, text, sizeof(text) - 1, false}

static void
test_merge(void **state)
{
	const struct writ_rego_doc d[] = {
	    DOC("data.json", "", "{\"roles\":{\"admin\":[\"alice\"]},\"n\":1}"),
	    DOC("users/data.json", "users", "{\"bob\":{\"team\":\"ml\"}}"),
	    DOC("roles/x/data.json", "roles/x", "[1,2]"),
	    {"flags.yaml", "flags", "enabled: true\nlimit: 3\n", 23, true},
	};
	struct writ_rego_error err;
	char *s;

	(void)state;
	s = merged(d, 4, WRIT_OK, &err);
	assert_string_equal(s, "{\"flags\":{\"enabled\":true,\"limit\":3},\"n\":1,"
	                       "\"roles\":{\"admin\":[\"alice\"],\"x\":[1,2]},"
	                       "\"users\":{\"bob\":{\"team\":\"ml\"}}}");
	writ_free(s);
	s = merged(NULL, 0, WRIT_OK, &err);
	assert_string_equal(s, "{}");
	writ_free(s);
}

static void
test_errors(void **state)
{
	const struct writ_rego_doc conflict[] = {
	    DOC("a.json", "", "{\"x\":{\"y\":1}}"),
	    DOC("b/data.json", "x/y", "2"),
	};
	const struct writ_rego_doc same[] = {
	    DOC("a.json", "", "{\"x\":{\"y\":1}}"),
	    DOC("b/data.json", "x/y", "1"),
	};
	const struct writ_rego_doc root[] = {DOC("r.json", "", "[1]")};
	const struct writ_rego_doc bad[] = {DOC("bad.json", "p", "{\"a\":")};
	struct writ_rego_error err;

	(void)state;
	assert_null(merged(conflict, 2, WRIT_EINVAL, &err));
	assert_string_equal(err.code, "rego_compile_error");
	assert_string_equal(err.file, "b/data.json");
	assert_non_null(strstr(err.message, "merge error"));
	writ_free(merged(same, 2, WRIT_OK, &err)); /* equal values do not conflict */
	assert_null(merged(root, 1, WRIT_EINVAL, &err));
	assert_non_null(strstr(err.message, "must be an object"));
	assert_null(merged(bad, 1, WRIT_EINVAL, &err));
	assert_string_equal(err.file, "bad.json");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
