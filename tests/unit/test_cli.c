/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the pure parts of the `writ` CLI client: the flag parser,
 * key=value pairs, version lists, API path building and escaping, value,
 * duration and table formatting, and subcommand dispatch.  The sources are
 * included so that static helpers are reachable and nothing needs libcurl.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../cli/args.c"
#include "../../cli/format.c"

/* Copy of a NULL-terminated argv literal into writable storage. */
struct argv_buf {
	char *v[16];
	char s[16][64];
	int n;
};

static void
argv_make(struct argv_buf *a, const char *const *in)
{
	memset(a, 0, sizeof(*a));
	for (a->n = 0; in[a->n] != NULL; a->n++) {
		snprintf(a->s[a->n], sizeof(a->s[a->n]), "%s", in[a->n]);
		a->v[a->n] = a->s[a->n];
	}
}

/* A temporary file holding text; the path is written to path. */
static void
tmpfile_make(char *path, size_t len, const char *text)
{
	const char *dir = getenv("WRIT_TEST_TMP");
	FILE *f;
	int fd;

	snprintf(path, len, "%s/test_cli.XXXXXX", dir != NULL ? dir : "/tmp");
	if (dir != NULL)
		mkdir(dir, 0700);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* ---------------------------------------------------------------------------
 * Flags.
 */

static void
test_flags(void **state)
{
	static const struct {
		const char *argv[8];
		enum cli_parse_rc rc;
		const char *pos; /* positionals joined by '|' */
		long cas;        /* -1: not set */
		bool orphan;
		const char *ttl;
		size_t npolicy;
	} cases[] = {
	    {{"put", "-cas=0", "secret/x", "a=b"}, CLI_PARSE_OK, "secret/x|a=b", 0, false, NULL, 0},
	    {{"put", "-cas", "5", "secret/x"}, CLI_PARSE_OK, "secret/x", 5, false, NULL, 0},
	    {{"put", "secret/x", "-cas", "3", "a=b"}, CLI_PARSE_OK, "secret/x|a=b", 3, false, NULL,
	        0},
	    {{"put", "--cas=7"}, CLI_PARSE_OK, "", 7, false, NULL, 0},
	    {{"c", "-orphan", "-ttl", "1h30m"}, CLI_PARSE_OK, "", -1, true, "1h30m", 0},
	    {{"c", "-orphan=false"}, CLI_PARSE_OK, "", -1, false, NULL, 0},
	    {{"c", "-orphan=maybe"}, CLI_PARSE_ERR, "", -1, false, NULL, 0},
	    {{"c", "-policy", "a", "-policy=b,c"}, CLI_PARSE_OK, "", -1, false, NULL, 2},
	    {{"c", "-ttl", "1x"}, CLI_PARSE_ERR, "", -1, false, NULL, 0},
	    {{"c", "-cas"}, CLI_PARSE_ERR, "", -1, false, NULL, 0},
	    {{"c", "-cas=-1"}, CLI_PARSE_ERR, "", -1, false, NULL, 0},
	    {{"c", "-cas=9223372036854775808"}, CLI_PARSE_ERR, "", -1, false, NULL, 0},
	    {{"c", "-cas=9223372036854775807"}, CLI_PARSE_OK, "", INT64_MAX, false, NULL, 0},
	    {{"c", "-nope"}, CLI_PARSE_ERR, "", -1, false, NULL, 0},
	    {{"c", "-h"}, CLI_PARSE_HELP, "", -1, false, NULL, 0},
	    {{"c", "x", "--help"}, CLI_PARSE_HELP, "", -1, false, NULL, 0},
	    {{"c", "-help"}, CLI_PARSE_HELP, "", -1, false, NULL, 0},
	    {{"c", "--", "-orphan", "-x"}, CLI_PARSE_OK, "-orphan|-x", -1, false, NULL, 0},
	    {{"c", "-", "a"}, CLI_PARSE_OK, "-|a", -1, false, NULL, 0},
	    {{"c", "-ttl=", "x"}, CLI_PARSE_ERR, "", -1, false, NULL, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		struct argv_buf a;
		struct writ_err err = {0};
		struct cli_list policies = {0};
		const char *ttl = NULL;
		uint64_t cas = 0;
		bool cas_set = false, orphan = false;
		struct cli_flag flags[] = {
		    {"cas", CLI_F_U64, &cas, &cas_set},
		    {"orphan", CLI_F_BOOL, &orphan, NULL},
		    {"ttl", CLI_F_DUR, &ttl, NULL},
		    {"policy", CLI_F_LIST, &policies, NULL},
		};
		struct cli_pos pos = {0};
		struct writ_buf joined;
		enum cli_parse_rc rc;
		int j;

		argv_make(&a, cases[i].argv);
		rc = cli_flags_parse(flags, WRIT_ARRAY_LEN(flags), a.n, a.v, &pos, &err);
		assert_int_equal(rc, cases[i].rc);
		if (rc == CLI_PARSE_ERR)
			assert_true(err.msg[0] != '\0');
		if (rc != CLI_PARSE_OK)
			continue;
		writ_buf_init(&joined, 0);
		assert_int_equal(writ_buf_appends(&joined, ""), WRIT_OK);
		for (j = 0; j < pos.n; j++)
			assert_int_equal(
			    writ_buf_appendf(&joined, "%s%s", j > 0 ? "|" : "", pos.v[j]), WRIT_OK);
		assert_string_equal(joined.ptr, cases[i].pos);
		writ_buf_free(&joined);
		assert_int_equal(cas_set, cases[i].cas >= 0);
		if (cases[i].cas >= 0)
			assert_int_equal(cas, (uint64_t)cases[i].cas);
		assert_int_equal(orphan, cases[i].orphan);
		if (cases[i].ttl != NULL)
			assert_string_equal(ttl, cases[i].ttl);
		else
			assert_null(ttl);
		assert_int_equal(policies.n, cases[i].npolicy);
	}
}

static void
test_flags_list_limit(void **state)
{
	struct cli_list l = {0};
	struct cli_flag flags[] = {{"p", CLI_F_LIST, &l, NULL}};
	char *argv[CLI_LIST_MAX + 3];
	struct writ_err err = {0};
	struct cli_pos pos;
	int i;

	(void)state;
	argv[0] = "c";
	for (i = 1; i < CLI_LIST_MAX + 3; i++)
		argv[i] = "-p=x";
	assert_int_equal(
	    cli_flags_parse(flags, 1, CLI_LIST_MAX + 1, argv, &pos, &err), CLI_PARSE_OK);
	assert_int_equal(l.n, CLI_LIST_MAX);
	l.n = 0;
	assert_int_equal(
	    cli_flags_parse(flags, 1, CLI_LIST_MAX + 2, argv, &pos, &err), CLI_PARSE_ERR);
}

static void
test_parse_bool(void **state)
{
	static const struct {
		const char *in;
		writ_rc rc;
		bool v;
	} cases[] = {
	    {"true", WRIT_OK, true},
	    {"1", WRIT_OK, true},
	    {"T", WRIT_OK, true},
	    {"True", WRIT_OK, true},
	    {"false", WRIT_OK, false},
	    {"0", WRIT_OK, false},
	    {"FALSE", WRIT_OK, false},
	    {"yes", WRIT_EINVAL, false},
	    {"", WRIT_EINVAL, false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		bool v = !cases[i].v;

		assert_int_equal(cli_parse_bool(cases[i].in, &v), cases[i].rc);
		if (cases[i].rc == WRIT_OK)
			assert_int_equal(v, cases[i].v);
	}
}

/* ---------------------------------------------------------------------------
 * key=value pairs, versions.
 */

static void
test_kv_split(void **state)
{
	static const struct {
		const char *in;
		writ_rc rc;
		const char *key, *val;
	} cases[] = {
	    {"a=b", WRIT_OK, "a", "b"},
	    {"a=", WRIT_OK, "a", ""},
	    {"a=b=c", WRIT_OK, "a", "b=c"},
	    {"=b", WRIT_EINVAL, NULL, NULL},
	    {"ab", WRIT_EINVAL, NULL, NULL},
	    {"", WRIT_EINVAL, NULL, NULL},
	};
	size_t i, keylen;
	const char *key, *val;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		assert_int_equal(cli_kv_split(cases[i].in, &key, &keylen, &val), cases[i].rc);
		if (cases[i].rc != WRIT_OK)
			continue;
		assert_int_equal(keylen, strlen(cases[i].key));
		assert_memory_equal(key, cases[i].key, keylen);
		assert_string_equal(val, cases[i].val);
	}
}

/* Run cli_kv_pairs on args and compare the compact JSON result (NULL: expect rc). */
static void
kv_pairs_check(char **args, int n, writ_rc want_rc, const char *want_json)
{
	struct writ_err err = {0};
	json_t *obj = json_object();
	char *s;

	assert_int_equal(cli_kv_pairs(obj, args, n, &err), want_rc);
	if (want_rc == WRIT_OK) {
		s = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
		assert_string_equal(s, want_json);
		free(s);
	} else {
		assert_true(err.msg[0] != '\0');
	}
	json_decref(obj);
}

static void
test_kv_pairs(void **state)
{
	char file[256], jfile[256], arg1[300], arg2[300];
	char *simple[] = {"a=b", "c=d=e"};
	char *repeat[] = {"a=1", "a=2", "a=3"};
	char *literal[] = {"k=\\@x"};
	char *noeq[] = {"a=b", "secretvalue"};
	char *nokey[] = {"=v"};
	char *missing[] = {"k=@/nonexistent/writ-test"};
	char *fromfile[] = {arg1};
	char *merge[] = {arg2, "z=1"};
	char *notobj[] = {arg1 + 2};

	(void)state;
	kv_pairs_check(simple, 2, WRIT_OK, "{\"a\":\"b\",\"c\":\"d=e\"}");
	kv_pairs_check(repeat, 3, WRIT_OK, "{\"a\":[\"1\",\"2\",\"3\"]}");
	kv_pairs_check(literal, 1, WRIT_OK, "{\"k\":\"@x\"}");
	kv_pairs_check(noeq, 2, WRIT_EINVAL, NULL);
	kv_pairs_check(nokey, 1, WRIT_EINVAL, NULL);
	kv_pairs_check(missing, 1, WRIT_EIO, NULL);

	tmpfile_make(file, sizeof(file), "line1\nline2\n");
	snprintf(arg1, sizeof(arg1), "k=@%s", file);
	kv_pairs_check(fromfile, 1, WRIT_OK, "{\"k\":\"line1\\nline2\\n\"}");
	/* "@file" whose text is not a JSON object. */
	kv_pairs_check(notobj, 1, WRIT_EINVAL, NULL);
	unlink(file);

	tmpfile_make(jfile, sizeof(jfile), "{\"x\": \"y\", \"n\": 2}");
	snprintf(arg2, sizeof(arg2), "@%s", jfile);
	kv_pairs_check(merge, 2, WRIT_OK, "{\"n\":2,\"x\":\"y\",\"z\":\"1\"}");
	unlink(jfile);
}

static void
test_kv_pairs_stdin(void **state)
{
	char *args[] = {"a=-", "b=x"};
	char *twice[] = {"a=-", "b=-"};
	int fds[2], saved = dup(STDIN_FILENO);

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "s3cret", 6), 6);
	close(fds[1]);
	dup2(fds[0], STDIN_FILENO);
	close(fds[0]);
	kv_pairs_check(args, 2, WRIT_OK, "{\"a\":\"s3cret\",\"b\":\"x\"}");
	kv_pairs_check(twice, 2, WRIT_EINVAL, NULL);
	dup2(saved, STDIN_FILENO);
	close(saved);
}

static void
test_versions(void **state)
{
	static const struct {
		const char *in;
		const char *json; /* NULL: EINVAL */
	} cases[] = {
	    {"1", "[1]"},
	    {"1,2,3", "[1,2,3]"},
	    {" 1, 2 ", "[1,2]"},
	    {"", NULL},
	    {"1,,2", NULL},
	    {"0", NULL},
	    {"a", NULL},
	    {"1,", NULL},
	    {"-1", NULL},
	    {"99999999999999999999", NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		struct writ_err err = {0};
		json_t *arr = NULL;
		char *s;

		if (cases[i].json == NULL) {
			assert_int_equal(cli_versions_parse(cases[i].in, &arr, &err), WRIT_EINVAL);
			assert_null(arr);
			continue;
		}
		assert_int_equal(cli_versions_parse(cases[i].in, &arr, &err), WRIT_OK);
		s = json_dumps(arr, JSON_COMPACT);
		assert_string_equal(s, cases[i].json);
		free(s);
		json_decref(arr);
	}
}

/* ---------------------------------------------------------------------------
 * Paths.
 */

static void
test_path_append(void **state)
{
	static const struct {
		const char *prefix, *in;
		bool allow_empty;
		const char *out; /* NULL: EINVAL */
	} cases[] = {
	    {"", "a/b", false, "a/b"},
	    {"", "/a//b/", false, "a/b"},
	    {"", "a b", false, "a%20b"},
	    {"", "a?x=1#y", false, "a%3Fx%3D1%23y"},
	    {"", "a%2F", false, "a%252F"},
	    {"", "\xc3\xa4-._~", false, "%C3%A4-._~"},
	    {"", "..", false, NULL},
	    {"", "a/./b", false, NULL},
	    {"", "a/../b", false, NULL},
	    {"", "...", false, "..."},
	    {"", "", false, NULL},
	    {"", "///", false, NULL},
	    {"", "", true, ""},
	    {"sys/policies/acl", "dev", false, "sys/policies/acl/dev"},
	    {"x/", "y", false, "x/y"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		struct writ_buf b;

		writ_buf_init(&b, 0);
		assert_int_equal(writ_buf_appends(&b, cases[i].prefix), WRIT_OK);
		if (cases[i].out == NULL) {
			assert_int_equal(
			    cli_path_append(&b, cases[i].in, cases[i].allow_empty), WRIT_EINVAL);
		} else {
			assert_int_equal(
			    cli_path_append(&b, cases[i].in, cases[i].allow_empty), WRIT_OK);
			assert_string_equal(b.ptr != NULL ? b.ptr : "", cases[i].out);
		}
		writ_buf_free(&b);
	}
}

static void
test_kv_path(void **state)
{
	static const struct {
		const char *mount, *arg, *kind;
		bool list;
		const char *out; /* NULL: EINVAL */
	} cases[] = {
	    {NULL, "secret/foo/bar", "data", false, "secret/data/foo/bar"},
	    {NULL, "/secret/foo", "data", false, "secret/data/foo"},
	    {NULL, "secret/foo", "metadata", false, "secret/metadata/foo"},
	    {NULL, "secret/a b", "destroy", false, "secret/destroy/a%20b"},
	    {"kv", "foo/bar", "data", false, "kv/data/foo/bar"},
	    {"team/kv/", "x", "data", false, "team/kv/data/x"},
	    {NULL, "secret", "metadata", true, "secret/metadata/"},
	    {NULL, "secret/", "metadata", true, "secret/metadata/"},
	    {NULL, "secret/a", "metadata", true, "secret/metadata/a/"},
	    {"secret", "", "metadata", true, "secret/metadata/"},
	    {NULL, "secret", "data", false, NULL},
	    {NULL, "secret/", "data", false, NULL},
	    {NULL, "", "data", false, NULL},
	    {NULL, "secret/../sys/x", "data", false, NULL},
	    {NULL, "../x", "data", false, NULL},
	    {"", "x", "data", false, NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		struct writ_err err = {0};
		struct writ_buf b;
		writ_rc rc;

		writ_buf_init(&b, 0);
		rc = cli_kv_path(&b, cases[i].mount, cases[i].arg, cases[i].kind, cases[i].list,
		    cases[i].list, &err);
		if (cases[i].out == NULL) {
			assert_int_equal(rc, WRIT_EINVAL);
			assert_true(err.msg[0] != '\0');
		} else {
			assert_int_equal(rc, WRIT_OK);
			assert_string_equal(b.ptr, cases[i].out);
		}
		writ_buf_free(&b);
	}
}

/* Every allocation of cli_kv_path fails cleanly in turn. */
static void
test_kv_path_nomem(void **state)
{
	long n;

	(void)state;
	for (n = 1; n < 100; n++) {
		struct writ_err err = {0};
		struct writ_buf b;
		writ_rc rc;

		writ_buf_init(&b, 0);
		writ_fault_set(n);
		rc = cli_kv_path(&b, NULL, "secret/some/longer/path/name/to/grow/the/buffer",
		    "data", true, false, &err);
		writ_fault_set(0);
		writ_buf_free(&b);
		if (rc == WRIT_OK)
			break;
		assert_int_equal(rc, WRIT_ENOMEM);
	}
	assert_true(n < 100);
}

/* ---------------------------------------------------------------------------
 * Formatting.
 */

static void
test_fmt_value(void **state)
{
	static const struct {
		const char *json;
		const char *out;
	} cases[] = {
	    {"\"plain\"", "plain"},
	    {"42", "42"},
	    {"-7", "-7"},
	    {"1.5", "1.5"},
	    {"0.1", "0.1"},
	    {"true", "true"},
	    {"false", "false"},
	    {"null", "<nil>"},
	    {"[]", "[]"},
	    {"[\"default\",\"root\"]", "[default root]"},
	    {"{}", "map[]"},
	    {"{\"b\":1,\"a\":\"x\"}", "map[a:x b:1]"},
	    {"{\"k\":[1,{\"z\":null}]}", "map[k:[1 map[z:<nil>]]]"},
	    {"\"a\\u0000b\"", "a\\x00b"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		json_t *v = json_loads(cases[i].json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		struct writ_buf b;

		assert_non_null(v);
		writ_buf_init(&b, 0);
		assert_int_equal(cli_fmt_value(v, &b), WRIT_OK);
		assert_string_equal(b.ptr, cases[i].out);
		writ_buf_free(&b);
		json_decref(v);
	}
}

static void
test_fmt_duration(void **state)
{
	static const struct {
		int64_t s;
		const char *out;
	} cases[] = {
	    {0, "0s"},
	    {45, "45s"},
	    {60, "1m"},
	    {90, "1m30s"},
	    {3600, "1h"},
	    {5400, "1h30m"},
	    {3605, "1h0m5s"},
	    {2764800, "768h"},
	    {-60, "-1m"},
	    {86399, "23h59m59s"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		char out[32];

		cli_fmt_duration(cases[i].s, out, sizeof(out));
		assert_string_equal(out, cases[i].out);
	}
}

static void
test_format_parse(void **state)
{
	enum cli_format f = CLI_FMT_JSON;

	(void)state;
	assert_int_equal(cli_format_parse(NULL, &f), WRIT_OK);
	assert_int_equal(f, CLI_FMT_TABLE);
	assert_int_equal(cli_format_parse("json", &f), WRIT_OK);
	assert_int_equal(f, CLI_FMT_JSON);
	assert_int_equal(cli_format_parse("table", &f), WRIT_OK);
	assert_int_equal(f, CLI_FMT_TABLE);
	assert_int_equal(cli_format_parse("yaml", &f), WRIT_EINVAL);
}

/* Run fn(f, arg) on a memory stream and compare what it wrote. */
static void
capture_check(void (*fn)(FILE *, void *), void *arg, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	assert_string_equal(out, want);
	free(out);
}

static void
print_table_fn(FILE *f, void *arg)
{
	cli_table_print(f, arg);
}

static void
test_table(void **state)
{
	static const char *const durs[] = {"ttl", NULL};
	struct cli_table t = {0};
	json_t *obj = json_loads("{\"ttl\":5400,\"policies\":[\"default\"],\"a\":\"x\\u001b[2J\","
	                         "\"num\":3,\"meta\":null}",
	    0, NULL);

	(void)state;
	capture_check(print_table_fn, &t, "");
	assert_int_equal(cli_table_add_obj(&t, obj, durs), WRIT_OK);
	capture_check(print_table_fn, &t,
	    "Key         Value\n"
	    "---         -----\n"
	    "a           x\\x1b[2J\n"
	    "meta        <nil>\n"
	    "num         3\n"
	    "policies    [default]\n"
	    "ttl         1h30m\n");
	cli_table_free(&t);
	assert_int_equal(t.nrows, 0);
	assert_int_equal(cli_table_adds(&t, "k", "v"), WRIT_OK);
	capture_check(print_table_fn, &t, "Key    Value\n---    -----\nk      v\n");
	cli_table_free(&t);
	json_decref(obj);
}

static void
test_table_nomem(void **state)
{
	long n;

	(void)state;
	for (n = 1; n < 200; n++) {
		struct cli_table t = {0};
		writ_rc rc = WRIT_OK;
		int i;

		writ_fault_set(n);
		for (i = 0; i < 20 && rc == WRIT_OK; i++)
			rc = cli_table_adds(&t, "key", "value");
		writ_fault_set(0);
		cli_table_free(&t);
		if (rc == WRIT_OK)
			break;
		assert_int_equal(rc, WRIT_ENOMEM);
	}
	assert_true(n < 200);
}

struct field_arg {
	const char *json;
	bool tty;
};

static void
print_field_fn(FILE *f, void *arg)
{
	const struct field_arg *a = arg;
	json_t *v = json_loads(a->json, JSON_DECODE_ANY, NULL);

	cli_print_field(f, v, a->tty);
	json_decref(v);
}

static void
print_keys_fn(FILE *f, void *arg)
{
	json_t *v = json_loads(arg, 0, NULL);

	cli_print_keys(f, v);
	json_decref(v);
}

static void
print_section_fn(FILE *f, void *arg)
{
	cli_print_section(f, "Data", arg != NULL);
}

static void
test_print_misc(void **state)
{
	struct field_arg raw = {"\"s3cret\\n\"", false};
	struct field_arg tty = {"\"a\\u0007b\"", true};
	struct field_arg num = {"{\"a\":1}", false};

	(void)state;
	capture_check(print_field_fn, &raw, "s3cret\n");
	capture_check(print_field_fn, &tty, "a\\x07b\n");
	capture_check(print_field_fn, &num, "{\"a\":1}");
	capture_check(print_keys_fn, "[\"foo\",\"bar/\"]", "Keys\n----\nfoo\nbar/\n");
	capture_check(print_section_fn, "first", "== Data ==\n");
	capture_check(print_section_fn, NULL, "\n== Data ==\n");
}

static void
test_resp_data(void **state)
{
	json_t *a = json_loads("{\"data\":{\"k\":1},\"k\":2}", 0, NULL);
	json_t *b = json_loads("{\"data\":null,\"k\":2}", 0, NULL);

	(void)state;
	assert_int_equal(json_integer_value(json_object_get(cli_resp_data(a), "k")), 1);
	assert_int_equal(json_integer_value(json_object_get(cli_resp_data(b), "k")), 2);
	json_decref(a);
	json_decref(b);
}

/* ---------------------------------------------------------------------------
 * Input and dispatch.
 */

static void
test_read_file(void **state)
{
	struct writ_err err = {0};
	char path[256];
	struct writ_buf b;

	(void)state;
	tmpfile_make(path, sizeof(path), "0123456789  \r\n");
	writ_buf_init(&b, 0);
	assert_int_equal(cli_read_file(path, 0, &b, &err), WRIT_OK);
	assert_int_equal(b.len, 14);
	cli_buf_rtrim(&b);
	assert_string_equal(b.ptr, "0123456789");
	writ_buf_reset(&b);
	assert_int_equal(cli_read_file(path, 13, &b, &err), WRIT_ETOOBIG);
	writ_buf_free(&b);
	unlink(path);
	writ_buf_init(&b, 0);
	assert_int_equal(cli_read_file(path, 0, &b, &err), WRIT_EIO);
	writ_buf_free(&b);
}

static int last_argc;
static const char *last_arg0;

static int
sub_fn(int argc, char **argv)
{
	last_argc = argc;
	last_arg0 = argv[0];
	return 42;
}

static void
test_dispatch(void **state)
{
	static const struct cli_sub subs[] = {{"put", sub_fn, "put it"}, {"get", sub_fn, "get"}};
	char *ok[] = {"kv", "get", "a", "b"};
	char *unknown[] = {"kv", "nope"};
	char *none[] = {"kv"};
	FILE *saved_err = stderr, *saved_out = stdout;
	FILE *null = fopen("/dev/null", "w");

	(void)state;
	assert_int_equal(cli_dispatch("kv", subs, 2, 4, ok), 42);
	assert_int_equal(last_argc, 3);
	assert_string_equal(last_arg0, "get");
	stderr = null;
	stdout = null;
	assert_int_equal(cli_dispatch("kv", subs, 2, 2, unknown), CLI_EXIT_USAGE);
	assert_int_equal(cli_dispatch("kv", subs, 2, 1, none), CLI_EXIT_USAGE);
	stderr = saved_err;
	stdout = saved_out;
	fclose(null);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flags),
	    cmocka_unit_test(test_flags_list_limit),
	    cmocka_unit_test(test_parse_bool),
	    cmocka_unit_test(test_kv_split),
	    cmocka_unit_test(test_kv_pairs),
	    cmocka_unit_test(test_kv_pairs_stdin),
	    cmocka_unit_test(test_versions),
	    cmocka_unit_test(test_path_append),
	    cmocka_unit_test(test_kv_path),
	    cmocka_unit_test(test_kv_path_nomem),
	    cmocka_unit_test(test_fmt_value),
	    cmocka_unit_test(test_fmt_duration),
	    cmocka_unit_test(test_format_parse),
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_table_nomem),
	    cmocka_unit_test(test_print_misc),
	    cmocka_unit_test(test_resp_data),
	    cmocka_unit_test(test_read_file),
	    cmocka_unit_test(test_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
