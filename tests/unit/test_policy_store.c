/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/policy's store and OPA's REST API, driven through writ_policy_serve:
 * decisions, the policy and data APIs with OPA's status codes and error
 * shapes, bundle directories (manifest roots, reload, a failed reload
 * keeping the old bundle), persistence in writ's store, decisions racing
 * reloads on several threads, and allocation failures.
 */
#include <sys/stat.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "writ/base.h"
#include "writ/policy.h"
#include "writ/store.h"

#include "support/fixture.h"

static const char *const rbac =
    "package authz\n\nimport rego.v1\n\ndefault allow := false\n\n"
    "allow if data.users[input.user].admin\n\nallow if input.user == \"alice\"\n";

/* ---------------------------------------------------------------------------
 * Helpers.
 */

struct reply {
	int status;
	char *body;   /* "" when none */
	json_t *json; /* NULL when the body is not JSON */
};

static void
reply_free(struct reply *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

/* Serve "METHOD /path?query" with body (may be NULL). */
static struct reply
call(struct writ_policy_store *ps, const char *method, const char *target, const char *body)
{
	struct writ_policy_in in = {0};
	struct writ_policy_out out;
	struct reply r = {0};
	char path[1024], *q;

	snprintf(path, sizeof(path), "%s", target);
	if ((q = strchr(path, '?')) != NULL)
		*q++ = '\0';
	in.method = method;
	in.path = path;
	in.query = q;
	in.body = body;
	in.bodylen = body != NULL ? strlen(body) : 0;
	writ_policy_serve(ps, &in, &out);
	r.status = out.status;
	r.body = strdup(out.body.ptr != NULL ? out.body.ptr : "");
	r.json = json_loads(r.body, JSON_DECODE_ANY, NULL);
	writ_buf_free(&out.body);
	return r;
}

static void
expect(struct writ_policy_store *ps, const char *method, const char *target, const char *body,
    int status, const char *code)
{
	struct reply r = call(ps, method, target, body);

	if (r.status != status)
		fail_msg("%s %s: status %d, want %d: %s", method, target, r.status, status, r.body);
	if (code != NULL) {
		const char *got = json_string_value(json_object_get(r.json, "code"));

		if (got == NULL || strcmp(got, code) != 0)
			fail_msg("%s %s: code %s, want %s: %s", method, target,
			    got ? got : "(none)", code, r.body);
	}
	reply_free(&r);
}

/* The "result" of a decision as compact JSON ("" when absent). */
static char *
result(struct writ_policy_store *ps, const char *target, const char *body)
{
	struct reply r = call(ps, body != NULL ? "POST" : "GET", target, body);
	json_t *v;
	char *s;

	if (r.status != 200)
		fail_msg("%s: status %d: %s", target, r.status, r.body);
	assert_non_null(json_string_value(json_object_get(r.json, "decision_id")));
	v = json_object_get(r.json, "result");
	s = v != NULL ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : strdup("");
	reply_free(&r);
	return s;
}

static void
expect_result(struct writ_policy_store *ps, const char *target, const char *body, const char *want)
{
	char *got = result(ps, target, body);

	if (strcmp(got, want) != 0)
		fail_msg("%s %s: result %s, want %s", target, body ? body : "", got, want);
	free(got);
}

static void
write_file(const char *dir, const char *rel, const char *text)
{
	char path[1024], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		(void)mkdir(path, 0700);
		*slash = '/';
	}
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static void
rm_tree(const char *dir)
{
	struct dirent *e;
	struct stat st;
	char path[1024];
	DIR *d = opendir(dir);

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(path);
		else
			unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

static void
make_dir(char *out, size_t len)
{
	const char *base = getenv("WRIT_TEST_TMP");

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	(void)mkdir(base, 0700);
	snprintf(out, len, "%s/policy_XXXXXX", base);
	assert_non_null(mkdtemp(out));
}

static struct writ_policy_store *
open_ps(const char *dir, struct writ_store *st)
{
	struct writ_policy_opts o = {.bundle_dir = dir, .store = st};
	struct writ_policy_store *ps = NULL;
	struct writ_err err = {0};

	if (writ_policy_store_new(&o, &ps, &err) != WRIT_OK)
		fail_msg("writ_policy_store_new: %s", err.msg);
	return ps;
}

/* ---------------------------------------------------------------------------
 * The REST API without a bundle.
 */

static void
test_decisions(void **state)
{
	struct writ_policy_store *ps = open_ps(NULL, NULL);
	struct reply r;

	(void)state;
	expect(ps, "GET", "/health", NULL, 200, NULL);
	expect_result(ps, "/v1/data/authz/allow", "{\"input\":{}}", "");
	expect(ps, "PUT", "/v1/policies/authz", rbac, 200, NULL);
	expect_result(ps, "/v1/data/authz/allow", "{\"input\":{\"user\":\"alice\"}}", "true");
	expect_result(ps, "/v1/data/authz/allow", "{\"input\":{\"user\":\"bob\"}}", "false");
	expect_result(ps, "/v1/data/authz/allow", NULL, "false");
	expect_result(ps, "/v1/data/authz", "{\"input\":{\"user\":\"alice\"}}", "{\"allow\":true}");

	r = call(ps, "POST", "/v1/data/authz/allow", "");
	assert_int_equal(r.status, 200);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(r.json, "warning"), "code")),
	    "api_usage_warning");
	reply_free(&r);
	r = call(ps, "POST", "/v1/data/authz/allow?pretty&metrics&provenance",
	    "{\"input\":{\"user\":\"alice\"}}");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "\n  \"result\": true"));
	assert_non_null(
	    json_object_get(json_object_get(r.json, "metrics"), "timer_rego_query_eval_ns"));
	assert_non_null(json_object_get(json_object_get(r.json, "provenance"), "version"));
	assert_null(json_object_get(r.json, "warning"));
	reply_free(&r);

	/* The default decision: POST / with the bare input. */
	r = call(ps, "POST", "/", "{\"user\":\"alice\"}");
	assert_int_equal(r.status, 404);
	assert_string_equal(
	    json_string_value(json_object_get(r.json, "code")), "undefined_document");
	assert_string_equal(json_string_value(json_object_get(r.json, "message")),
	    "document missing or undefined: data.system.main");
	reply_free(&r);
	expect(ps, "PUT", "/v1/policies/main",
	    "package system\nmain := {\"allowed\": data.authz.allow}\n", 200, NULL);
	r = call(ps, "POST", "/", "{\"user\":\"alice\"}");
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"allowed\":true}");
	reply_free(&r);
	writ_policy_store_free(ps);
}

/* writ_policy_may_define: false only when nothing on the path could define it. */
static bool
may_define(struct writ_policy_store *ps, const char *path)
{
	struct writ_policy_snapshot *snap = writ_policy_acquire(ps);
	bool may = writ_policy_may_define(snap, path);

	writ_policy_release(snap);
	return may;
}

static void
test_may_define(void **state)
{
	struct writ_policy_store *ps = open_ps(NULL, NULL);

	(void)state;
	expect(ps, "PUT", "/v1/policies/authz", rbac, 200, NULL);
	expect(ps, "PUT", "/v1/data/roles", "{\"admin\": [\"x\"], \"list\": [1]}", 204, NULL);
	assert_false(may_define(ps, "system/log/mask"));
	assert_false(may_define(ps, "authz/deny"));
	assert_false(may_define(ps, "roles/user"));
	assert_true(may_define(ps, "authz/allow"));
	assert_true(may_define(ps, "authz"));
	assert_true(may_define(ps, "authz/allow/deeper")); /* a rule on the way */
	assert_true(may_define(ps, "roles/admin"));
	assert_true(may_define(ps, "roles/list/0"));
	assert_true(may_define(ps, ""));
	assert_true(may_define(ps, "system%2Flog"));
	expect(ps, "PUT", "/v1/policies/mask",
	    "package system.log\nmask contains \"/input/password\"\n", 200, NULL);
	assert_true(may_define(ps, "system/log/mask"));
	assert_true(may_define(ps, "system/log"));
	writ_policy_store_free(ps);
}

static void
test_errors(void **state)
{
	struct writ_policy_store *ps = open_ps(NULL, NULL);
	struct reply r;
	json_t *e;

	(void)state;
	expect(ps, "POST", "/v1/data/x", "{\"input\":", 400, "invalid_parameter");
	expect(ps, "POST", "/v1/data/x", "[1]", 400, "invalid_parameter");
	expect(ps, "GET", "/v1/nothing", NULL, 404, "resource_not_found");
	expect(ps, "POST", "/v1/policies", NULL, 405, NULL);
	expect(ps, "POST", "/v1/policies/x", "package x", 405, NULL);
	expect(ps, "HEAD", "/v1/data/x", NULL, 405, NULL);
	expect(ps, "GET", "/", NULL, 405, NULL);
	expect(ps, "POST", "/v1/data/a%zz", "{}", 400, "invalid_parameter");
	expect(ps, "PUT", "/v1/policies/empty", "", 400, "invalid_parameter");
	/* Text that is not UTF-8 is refused, not echoed into a reply (fuzz_decision_api). */
	expect(ps, "DELETE", "/v1/policies/authz%CErego", NULL, 400, "invalid_parameter");
	expect(ps, "DELETE", "/v1/policies/authz\xcerego", NULL, 400, "invalid_parameter");
	expect(ps, "POST", "/v1/data/a%ce/b", "{\"input\":1}", 400, "invalid_parameter");
	expect(ps, "PATCH", "/v1/data/roles",
	    "[{\"op\":\"\xb1replace\",\"path\":\"/nobody/x\",\"value\":1}]", 400,
	    "invalid_parameter");
	expect(ps, "POST", "/v1/data/x", "{\"input\":\"\xff\"}", 400, "invalid_parameter");

	/* A module that does not compile: 400 with the compiler's error. */
	r = call(ps, "PUT", "/v1/policies/bad", "package bad\n\nallow if {\n");
	assert_int_equal(r.status, 400);
	assert_string_equal(
	    json_string_value(json_object_get(r.json, "code")), "invalid_parameter");
	assert_string_equal(json_string_value(json_object_get(r.json, "message")),
	    "error(s) occurred while compiling module(s)");
	e = json_array_get(json_object_get(r.json, "errors"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "code")), "rego_parse_error");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(e, "location"), "file")), "bad");
	assert_non_null(strstr(r.body, "\n  \"code\"")); /* errors are always indented */
	reply_free(&r);
	expect(ps, "GET", "/v1/policies/bad", NULL, 404, "resource_not_found");

	/* An evaluation error: 500 with the engine's error. */
	expect(ps, "PUT", "/v1/policies/c",
	    "package c\nimport rego.v1\nx := 1 if input.a\nx := 2 if input.b\n", 200, NULL);
	r = call(ps, "POST", "/v1/data/c/x", "{\"input\":{\"a\":true,\"b\":true}}");
	assert_int_equal(r.status, 500);
	assert_string_equal(json_string_value(json_object_get(r.json, "code")), "internal_error");
	e = json_array_get(json_object_get(r.json, "errors"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "code")), "eval_conflict_error");
	reply_free(&r);

	/* Deleting a module another one needs is refused. */
	expect(ps, "PUT", "/v1/policies/lib", "package lib\nf(x) := x + 1\n", 200, NULL);
	expect(ps, "PUT", "/v1/policies/use", "package use\ny := data.lib.f(1)\n", 200, NULL);
	expect_result(ps, "/v1/data/use/y", NULL, "2");
	expect(ps, "DELETE", "/v1/policies/lib", NULL, 400, "invalid_operation");
	expect(ps, "DELETE", "/v1/policies/use", NULL, 200, NULL);
	expect(ps, "DELETE", "/v1/policies/lib", NULL, 200, NULL);
	expect(ps, "DELETE", "/v1/policies/lib", NULL, 404, "resource_not_found");
	writ_policy_store_free(ps);
}

/* ?explain on the data API: OPA's "explanation" beside the result. */
static const struct {
	const char *target, *body;
	const char *want_op; /* an op the explanation must hold, NULL: none */
	size_t min_events;
	bool has_result;
} explain_cases[] = {
    {"/v1/data/ex/allow?explain=full", "{\"input\":{\"user\":\"alice\"}}", "enter", 3, true},
    {"/v1/data/ex/allow?explain=debug", "{\"input\":{\"user\":\"bob\"}}", "fail", 3, true},
    {"/v1/data/ex/allow?explain=notes", "{\"input\":{\"user\":\"alice\"}}", "note", 1, true},
    {"/v1/data/ex/allow?explain=fails", "{\"input\":{\"user\":\"bob\"}}", "fail", 1, true},
    {"/v1/data/ex/none?explain=full", "{\"input\":{}}", "enter", 1, false},
    {"/v1/data/ex/allow?explain=full", NULL, "enter", 1, true},
};

static void
test_explain(void **state)
{
	struct writ_policy_store *ps = open_ps(NULL, NULL);
	struct reply r;
	json_t *ex, *ev;
	size_t i, k;
	bool seen;

	(void)state;
	expect(ps, "PUT", "/v1/policies/ex",
	    "package ex\nimport rego.v1\ndefault allow := false\n"
	    "allow if {\n\ttrace(\"checking\")\n\tinput.user == \"alice\"\n}\n",
	    200, NULL);
	for (i = 0; i < WRIT_ARRAY_LEN(explain_cases); i++) {
		r = call(ps, explain_cases[i].body != NULL ? "POST" : "GET",
		    explain_cases[i].target, explain_cases[i].body);
		if (r.status != 200)
			fail_msg("%s: status %d: %s", explain_cases[i].target, r.status, r.body);
		assert_int_equal(
		    json_object_get(r.json, "result") != NULL, explain_cases[i].has_result);
		assert_non_null(json_object_get(r.json, "decision_id"));
		ex = json_object_get(r.json, "explanation");
		if (!json_is_array(ex) || json_array_size(ex) < explain_cases[i].min_events)
			fail_msg("%s: explanation: %s", explain_cases[i].target, r.body);
		seen = false;
		json_array_foreach(ex, k, ev)
		{
			const char *op = json_string_value(json_object_get(ev, "op"));

			assert_non_null(op);
			/* Lowercased, as OPA's REST API writes them. */
			assert_true(op[0] >= 'a' && op[0] <= 'z');
			seen |= strcmp(op, explain_cases[i].want_op) == 0;
			if (strstr(explain_cases[i].target, "debug") != NULL &&
			    strcmp(op, "enter") != 0)
				assert_non_null(json_object_get(ev, "locals"));
		}
		if (!seen)
			fail_msg("%s: no %s event: %s", explain_cases[i].target,
			    explain_cases[i].want_op, r.body);
		reply_free(&r);
	}

	/* pretty: the pretty trace's lines, and the reply indented. */
	r = call(ps, "POST", "/v1/data/ex/allow?explain=full&pretty",
	    "{\"input\":{\"user\":\"alice\"}}");
	assert_int_equal(r.status, 200);
	ex = json_object_get(r.json, "explanation");
	assert_true(json_array_size(ex) >= 3);
	assert_non_null(strstr(json_string_value(json_array_get(ex, 0)), "Enter data.ex.allow"));
	assert_non_null(strstr(r.body, "\n  \"result\": true"));
	reply_free(&r);

	/* off, unknown modes and the default decision: no explanation, as in OPA. */
	r = call(ps, "POST", "/v1/data/ex/allow?explain=off", "{\"input\":{}}");
	assert_int_equal(r.status, 200);
	assert_null(json_object_get(r.json, "explanation"));
	reply_free(&r);
	r = call(ps, "POST", "/v1/data/ex/allow?explain=everything", "{\"input\":{}}");
	assert_int_equal(r.status, 200);
	assert_null(json_object_get(r.json, "explanation"));
	reply_free(&r);
	expect(
	    ps, "PUT", "/v1/policies/main", "package system\nmain := data.ex.allow\n", 200, NULL);
	r = call(ps, "POST", "/?explain=full", "{\"user\":\"alice\"}");
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "true");
	reply_free(&r);

	/* An evaluation error is reported as without explain. */
	expect(ps, "PUT", "/v1/policies/c",
	    "package c\nimport rego.v1\nx := 1 if input.a\nx := 2 if input.b\n", 200, NULL);
	expect(ps, "POST", "/v1/data/c/x?explain=full", "{\"input\":{\"a\":true,\"b\":true}}", 500,
	    "internal_error");
	/* Changes ignore it. */
	expect(ps, "PUT", "/v1/data/d?explain=full", "{\"a\":1}", 204, NULL);
	expect_result(ps, "/v1/data/d/a?explain=off", NULL, "1");
	writ_policy_store_free(ps);
}

static void
test_policies_api(void **state)
{
	struct writ_policy_store *ps = open_ps(NULL, NULL);
	struct reply r;
	json_t *list;

	(void)state;
	expect(ps, "PUT", "/v1/policies/b%2Fone", "package b\nv := 1\n", 200, NULL);
	expect(ps, "PUT", "/v1/policies/a", "package a\nv := 2\n", 200, NULL);
	expect(ps, "PUT", "/v1/policies/a", "package a\nv := 2\n", 200, NULL); /* unchanged */
	r = call(ps, "GET", "/v1/policies", NULL);
	assert_int_equal(r.status, 200);
	list = json_object_get(r.json, "result");
	assert_int_equal(json_array_size(list), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")), "a");
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(list, 1), "id")), "b/one");
	reply_free(&r);
	r = call(ps, "GET", "/v1/policies/b%2Fone", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(r.json, "result"), "raw")),
	    "package b\nv := 1\n");
	reply_free(&r);
	r = call(ps, "GET", "/v1/policies/missing", NULL);
	assert_int_equal(r.status, 404);
	assert_string_equal(json_string_value(json_object_get(r.json, "message")),
	    "storage_not_found_error: policy id \"missing\"");
	reply_free(&r);
	r = call(ps, "PUT", "/v1/policies/a?metrics", "package a\nv := 3\n");
	assert_int_equal(r.status, 200);
	assert_non_null(
	    json_object_get(json_object_get(r.json, "metrics"), "timer_server_handler_ns"));
	reply_free(&r);
	expect_result(ps, "/v1/data/a/v", NULL, "3");
	writ_policy_store_free(ps);
}

static void
test_data_api(void **state)
{
	struct writ_policy_store *ps = open_ps(NULL, NULL);
	struct reply r;

	(void)state;
	expect(ps, "PUT", "/v1/policies/authz", rbac, 200, NULL);
	expect(
	    ps, "PUT", "/v1/data/users", "{\"carol\": {\"admin\": true}, \"n\": 0.1}", 204, NULL);
	expect_result(ps, "/v1/data/authz/allow", "{\"input\":{\"user\":\"carol\"}}", "true");
	r = call(ps, "GET", "/v1/data/users/n", NULL);
	assert_non_null(strstr(r.body, "\"result\":0.1,")); /* the number's text, unrounded */
	reply_free(&r);
	expect(ps, "PUT", "/v1/data/x/y/z", "12345678901234567890", 204, NULL);
	r = call(ps, "GET", "/v1/data/x/y", NULL);
	assert_non_null(strstr(r.body, "\"result\":{\"z\":12345678901234567890}"));
	reply_free(&r);

	/* If-None-Match: * leaves an existing document alone. */
	{
		struct writ_policy_in in = {
		    "PUT", "/v1/data/x", NULL, NULL, "*", "1", 1, NULL, NULL, NULL};
		struct writ_policy_out out;

		writ_policy_serve(ps, &in, &out);
		assert_int_equal(out.status, 304);
		writ_buf_free(&out.body);
	}
	expect(ps, "PATCH", "/v1/data/users",
	    "[{\"op\":\"add\",\"path\":\"/dave\",\"value\":{\"admin\":true}},"
	    "{\"op\":\"remove\",\"path\":\"/n\"}]",
	    204, NULL);
	expect_result(ps, "/v1/data/authz/allow", "{\"input\":{\"user\":\"dave\"}}", "true");
	expect_result(ps, "/v1/data/users/n", NULL, "");
	expect(ps, "PATCH", "/v1/data/users", "[{\"op\":\"remove\",\"path\":\"/nobody\"}]", 404,
	    "resource_not_found");
	expect(ps, "PATCH", "/v1/data/users", "[{\"op\":\"copy\",\"path\":\"/x\"}]", 400,
	    "invalid_parameter");
	expect(ps, "PATCH", "/v1/data/users", "nope", 400, "invalid_parameter");
	expect(ps, "PUT", "/v1/data/x/y/z/w", "1", 404, "resource_conflict");
	expect(ps, "PUT", "/v1/data/users", "{", 400, "invalid_parameter");
	expect(ps, "PUT", "/v1/data", "[]", 400, "invalid_parameter");
	expect(ps, "DELETE", "/v1/data/users/dave", NULL, 204, NULL);
	expect_result(ps, "/v1/data/authz/allow", "{\"input\":{\"user\":\"dave\"}}", "false");
	r = call(ps, "DELETE", "/v1/data/users/dave", NULL);
	assert_int_equal(r.status, 404);
	assert_string_equal(json_string_value(json_object_get(r.json, "message")),
	    "storage_not_found_error: /users/dave: document does not exist");
	reply_free(&r);
	/*
	 * Data at or under a rule's path would shadow it: refused both ways, as
	 * OPA refuses it ("conflicting rule for data path ..."); data beside the
	 * rules of a package is fine.
	 */
	expect(ps, "PUT", "/v1/data/authz/allow", "true", 400, "invalid_parameter");
	expect(ps, "PUT", "/v1/data/authz/allow/x", "true", 400, "invalid_parameter");
	expect(ps, "PATCH", "/v1/data", "[{\"op\":\"add\",\"path\":\"/authz\",\"value\":1}]", 400,
	    "invalid_parameter");
	expect_result(ps, "/v1/data/authz/allow", "{\"input\":{\"user\":\"bob\"}}", "false");
	expect(ps, "PUT", "/v1/data/authz/roles", "{\"admin\": [\"bob\"]}", 204, NULL);
	expect_result(ps, "/v1/data/authz/roles/admin/0", "{}", "\"bob\"");
	expect_result(ps, "/v1/data/authz/allow", "{\"input\":{\"user\":\"bob\"}}", "false");
	expect(ps, "PUT", "/v1/policies/u", "package users\ncarol := 1\n", 400, "invalid_parameter");
	expect(ps, "PUT", "/v1/policies/u", "package users\np := 1\n", 200, NULL);
	writ_policy_store_free(ps);
}

/* ---------------------------------------------------------------------------
 * Bundles.
 */

static const char *const bundle_policy = "package authz\nimport rego.v1\ndefault allow := false\n"
                                         "allow if input.role in data.authz.roles\n";

static void
test_bundle(void **state)
{
	struct writ_policy_store *ps;
	struct writ_err err = {0};
	struct reply r;
	char dir[512], file[600];
	bool reloaded;

	(void)state;
	make_dir(dir, sizeof(dir));
	write_file(dir, ".manifest", "{\"revision\": \"r1\", \"roots\": [\"authz\"]}");
	write_file(dir, "authz/policy.rego", bundle_policy);
	write_file(dir, "authz/data.json", "{\"roles\": [\"admin\"]}");
	write_file(dir, "README.md", "not part of the bundle");
	ps = open_ps(dir, NULL);
	expect_result(ps, "/v1/data/authz/allow", "{\"input\":{\"role\":\"admin\"}}", "true");
	r = call(ps, "GET", "/v1/data/authz/allow?provenance", NULL);
	assert_non_null(strstr(r.body, "{\"revision\":\"r1\"}"));
	reply_free(&r);
	r = call(ps, "GET", "/v1/policies/authz%2Fpolicy.rego", NULL);
	assert_int_equal(r.status, 200);
	reply_free(&r);

	/* The roots belong to the bundle; the rest of data is the API's. */
	expect(ps, "PUT", "/v1/data/authz/roles", "[]", 400, "invalid_parameter");
	expect(ps, "PUT", "/v1/data", "{}", 400, "invalid_parameter");
	expect(
	    ps, "PUT", "/v1/policies/x", "package authz.more\np := 1\n", 400, "invalid_parameter");
	expect(ps, "PUT", "/v1/policies/authz%2Fpolicy.rego", "package other\n", 400,
	    "invalid_parameter");
	expect(ps, "DELETE", "/v1/policies/authz%2Fpolicy.rego", NULL, 400, "invalid_parameter");
	expect(ps, "PUT", "/v1/data/other", "{\"k\": 1}", 204, NULL);
	expect(ps, "PUT", "/v1/policies/other", "package other2\np := data.other.k\n", 200, NULL);

	/* Unchanged: nothing happens. */
	assert_int_equal(writ_policy_store_poll(ps, &reloaded, &err), WRIT_OK);
	assert_false(reloaded);
	/* A new revision. */
	write_file(dir, ".manifest", "{\"revision\": \"r2\", \"roots\": [\"authz\"]}");
	write_file(dir, "authz/data.json", "{\"roles\": [\"operator\"]}");
	assert_int_equal(writ_policy_store_poll(ps, &reloaded, &err), WRIT_OK);
	assert_true(reloaded);
	expect_result(ps, "/v1/data/authz/allow", "{\"input\":{\"role\":\"admin\"}}", "false");
	expect_result(ps, "/v1/data/authz/allow", "{\"input\":{\"role\":\"operator\"}}", "true");
	expect_result(ps, "/v1/data/other2/p", NULL, "1");
	/* A broken one: reported once, the old bundle stays. */
	write_file(dir, "authz/policy.rego", "package authz\nallow if {\n");
	assert_int_not_equal(writ_policy_store_poll(ps, &reloaded, &err), WRIT_OK);
	assert_false(reloaded);
	assert_non_null(strstr(err.msg, "policy.rego"));
	assert_int_equal(writ_policy_store_poll(ps, &reloaded, &err), WRIT_OK);
	expect_result(ps, "/v1/data/authz/allow", "{\"input\":{\"role\":\"operator\"}}", "true");
	/* Outside the roots. */
	write_file(dir, "authz/policy.rego", bundle_policy);
	write_file(dir, "elsewhere/x.rego", "package elsewhere\n");
	assert_int_equal(writ_policy_store_poll(ps, &reloaded, &err), WRIT_EINVAL);
	assert_non_null(strstr(err.msg, "do not permit"));
	snprintf(file, sizeof(file), "%s/elsewhere/x.rego", dir);
	assert_int_equal(remove(file), 0);
	assert_int_equal(writ_policy_store_poll(ps, &reloaded, &err), WRIT_OK);
	assert_true(reloaded);
	writ_policy_store_free(ps);
	rm_tree(dir);
}

static void
test_bundle_layouts(void **state)
{
	struct writ_policy_opts o = {0};
	struct writ_policy_store *ps = NULL;
	struct writ_err err = {0};
	char dir[512], file[600];

	(void)state;
	make_dir(dir, sizeof(dir));
	/* No manifest: YAML data at its directory's path; the bundle owns all of data. */
	write_file(dir, "a/b/data.yaml", "k: [1, 2]\n");
	write_file(dir, "data.json", "{\"top\": true}");
	write_file(dir, "p.rego", "package p\nimport rego.v1\nn := count(data.a.b.k)\n");
	ps = open_ps(dir, NULL);
	expect_result(ps, "/v1/data/p/n", NULL, "2");
	expect_result(ps, "/v1/data/top", NULL, "true");
	expect(ps, "PUT", "/v1/data/anything", "1", 400, "invalid_parameter");
	writ_policy_store_free(ps);
	/* Conflicting data files. */
	write_file(dir, "a/data.json", "{\"b\": 1}");
	o.bundle_dir = dir;
	assert_int_not_equal(writ_policy_store_new(&o, &ps, &err), WRIT_OK);
	/* A file is not a bundle directory (no tarballs yet); a missing directory fails. */
	snprintf(file, sizeof(file), "%s/data.json", dir);
	o.bundle_dir = file;
	assert_int_equal(writ_policy_store_new(&o, &ps, &err), WRIT_EIO);
	assert_non_null(strstr(err.msg, "tarballs"));
	snprintf(file, sizeof(file), "%s/nope", dir);
	assert_int_equal(writ_policy_store_new(&o, &ps, &err), WRIT_EIO);
	rm_tree(dir);
}

/* ---------------------------------------------------------------------------
 * Persistence.
 */

static void
test_persist(void **state)
{
	struct writ_policy_store *ps;
	struct writ_store *st;
	struct writ_err err = {0};
	char path[512];

	(void)state;
	st = fx_store_open("policy", path, sizeof(path));
	ps = open_ps(NULL, st);
	expect(ps, "PUT", "/v1/policies/authz", rbac, 200, NULL);
	expect(ps, "PUT", "/v1/data/users", "{\"carol\": {\"admin\": true}}", 204, NULL);
	expect(ps, "PUT", "/v1/policies/gone", "package gone\n", 200, NULL);
	expect(ps, "DELETE", "/v1/policies/gone", NULL, 200, NULL);
	writ_policy_store_free(ps);

	ps = open_ps(NULL, st);
	expect_result(ps, "/v1/data/authz/allow", "{\"input\":{\"user\":\"carol\"}}", "true");
	expect(ps, "GET", "/v1/policies/gone", NULL, 404, "resource_not_found");
	writ_policy_store_free(ps);

	/* Sealed before anything was loaded: no decisions on a partial store. */
	writ_store_seal(st);
	ps = open_ps(NULL, st);
	expect(ps, "GET", "/health", NULL, 500, NULL);
	expect(ps, "POST", "/v1/data/authz/allow", "{}", 503, "internal_error");
	expect(ps, "PUT", "/v1/policies/x", "package x\n", 503, "internal_error");
	writ_policy_store_free(ps);
	fx_store_close(st, path);

	/* An uninitialised store: decisions work, changes cannot be kept. */
	{
		char p2[600];

		snprintf(p2, sizeof(p2), "%s.new", path);
		assert_int_equal(writ_store_open_sqlite(p2, &st, &err), WRIT_OK);
		ps = open_ps(NULL, st);
		expect(ps, "GET", "/health", NULL, 200, NULL);
		expect_result(ps, "/v1/data/x", "{}", "");
		expect(ps, "PUT", "/v1/policies/x", "package x\n", 503, "internal_error");
		writ_policy_store_free(ps);
		fx_store_close(st, p2);
	}
}

/* ---------------------------------------------------------------------------
 * Decisions racing reloads.
 */

struct racer {
	struct writ_policy_store *ps;
	int bad;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	struct writ_policy_in in = {0};
	struct writ_policy_out out;
	const char *body = "{\"input\":{\"role\":\"admin\"}}";
	int i;

	in.method = "POST";
	in.path = "/v1/data/authz/allow";
	in.body = body;
	in.bodylen = strlen(body);
	for (i = 0; i < 3000; i++) {
		writ_policy_serve(r->ps, &in, &out);
		if (out.status != 200 || out.body.ptr == NULL ||
		    (strstr(out.body.ptr, "\"result\":true") == NULL &&
		        strstr(out.body.ptr, "\"result\":false") == NULL))
			r->bad++;
		writ_buf_free(&out.body);
	}
	return NULL;
}

static void
test_race(void **state)
{
	struct racer r[3];
	pthread_t t[3];
	struct writ_policy_store *ps;
	struct writ_err err = {0};
	char dir[512], rev[64];
	bool reloaded;
	int i, n = 0;

	(void)state;
	make_dir(dir, sizeof(dir));
	write_file(dir, ".manifest", "{\"revision\": \"0\", \"roots\": [\"authz\"]}");
	write_file(dir, "authz/policy.rego", bundle_policy);
	write_file(dir, "authz/data.json", "{\"roles\": [\"admin\"]}");
	ps = open_ps(dir, NULL);
	for (i = 0; i < 3; i++) {
		r[i] = (struct racer){ps, 0};
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	}
	for (i = 1; i <= 30; i++) {
		snprintf(rev, sizeof(rev), "{\"revision\": \"%d\", \"roots\": [\"authz\"]}", i);
		write_file(dir, ".manifest", rev);
		write_file(
		    dir, "authz/data.json", i % 2 ? "{\"roles\": []}" : "{\"roles\": [\"admin\"]}");
		if (writ_policy_store_poll(ps, &reloaded, &err) == WRIT_OK && reloaded)
			n++;
		expect(ps, "PUT", "/v1/policies/p", i % 2 ? "package p\nv := 1\n" : "package p\n",
		    200, NULL);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(r[i].bad, 0);
	}
	assert_true(n >= 25);
	writ_policy_store_free(ps);
	rm_tree(dir);
}

/* ---------------------------------------------------------------------------
 * Allocation failures.
 */

static void
test_faults(void **state)
{
	struct writ_policy_opts o = {0};
	struct writ_policy_store *ps;
	struct writ_err err = {0};
	struct writ_policy_in in = {0};
	struct writ_policy_out out;
	const char *body = "{\"input\":{\"user\":\"alice\"}}";
	char dir[512];
	bool fired;
	long n;
	int st1, st2;

	(void)state;
	make_dir(dir, sizeof(dir));
	write_file(dir, ".manifest", "{\"roots\": [\"b\"]}");
	write_file(dir, "b/p.rego", "package b\nv := 1\n");
	o.bundle_dir = dir;
	for (n = 1; n < 20000; n++) {
		ps = NULL;
		st1 = st2 = 0;
		writ_fault_set(n);
		if (writ_policy_store_new(&o, &ps, &err) == WRIT_OK) {
			in = (struct writ_policy_in){"PUT", "/v1/policies/authz", NULL, NULL, NULL,
			    rbac, strlen(rbac), NULL, NULL, NULL};
			writ_policy_serve(ps, &in, &out);
			st1 = out.status;
			writ_buf_free(&out.body);
			in = (struct writ_policy_in){"POST", "/v1/data/authz/allow", NULL, NULL,
			    NULL, body, strlen(body), NULL, NULL, NULL};
			writ_policy_serve(ps, &in, &out);
			st2 = out.status;
			writ_buf_free(&out.body);
		}
		fired = writ_fault_fired();
		writ_fault_set(0);
		writ_policy_store_free(ps);
		if (!fired) {
			assert_int_equal(st1, 200);
			assert_int_equal(st2, 200);
			break;
		}
		assert_true(st1 == 0 || st1 == 200 || st1 >= 400);
	}
	assert_true(n < 20000);
	rm_tree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decisions),
	    cmocka_unit_test(test_may_define),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_explain),
	    cmocka_unit_test(test_policies_api),
	    cmocka_unit_test(test_data_api),
	    cmocka_unit_test(test_bundle),
	    cmocka_unit_test(test_bundle_layouts),
	    cmocka_unit_test(test_persist),
	    cmocka_unit_test(test_race),
	    cmocka_unit_test(test_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
