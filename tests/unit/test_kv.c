/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the KV v2 engine (lib/secrets/kv*.c) against a real store on
 * a temporary file: check-and-set, versioned reads, merge patch, soft delete,
 * undelete, destroy, metadata and custom_metadata limits, max_versions
 * pruning, metadata delete, LIST with folders and paging, subkeys, path
 * validation, engine config, and allocation-failure injection over every
 * mutation proving that a failed write leaves the old version intact.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "writ/base.h"
#include "writ/core.h"
#include "writ/kv.h"
#include "writ/req.h"
#include "writ/store.h"

#include "support/fixture.h"

#define PREFIX "logical/test/"

struct fx {
	struct writ_store *s;
	struct writ_core core;
	struct writ_mount m;
	char file[512];
};

/* ---------------------------------------------------------------------------
 * Fixture and request helpers.
 */

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->s = fx_store_open("test_kv", f->file, sizeof(f->file));
	f->core.store = f->s;
	snprintf(f->m.path, sizeof(f->m.path), "secret/");
	snprintf(f->m.type, sizeof(f->m.type), "kv");
	snprintf(f->m.storage_prefix, sizeof(f->m.storage_prefix), PREFIX);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	fx_store_close(f->s, f->file);
	free(f);
	return 0;
}

static void
resp_clear(struct writ_resp *resp)
{
	json_decref(resp->data);
	json_decref(resp->raw);
	json_decref(resp->warnings);
	memset(resp, 0, sizeof(*resp));
}

/* A request being prepared: built before fault injection is armed. */
struct call {
	struct writ_req req;
	struct writ_resp resp;
};

static void
call_prepare(struct fx *f, struct call *cl, enum writ_op op, const char *rel, const char *body,
    const char *query)
{
	json_error_t jerr;

	memset(cl, 0, sizeof(*cl));
	cl->req.arena = writ_arena_new(0, 0);
	assert_non_null(cl->req.arena);
	cl->req.core = &f->core;
	cl->req.op = op;
	cl->req.rel = rel;
	cl->req.path = rel;
	cl->req.mount = &f->m;
	cl->req.body = json_loads(body != NULL ? body : "{}", 0, &jerr);
	cl->req.query = json_loads(query != NULL ? query : "{}", 0, &jerr);
	assert_non_null(cl->req.body);
	assert_non_null(cl->req.query);
}

/* Run a prepared call and make its writes durable as the pipeline would. */
static writ_rc
call_run(struct fx *f, struct call *cl)
{
	struct writ_err err = {0};
	writ_rc rc = writ_kv_handle(&cl->req, &cl->resp);

	assert_int_equal(rc, cl->resp.rc);
	if (cl->resp.store_seq != 0)
		assert_int_equal(writ_store_sync(f->s, cl->resp.store_seq, &err), WRIT_OK);
	return rc;
}

static void
call_done(struct call *cl)
{
	json_decref(cl->req.body);
	json_decref(cl->req.query);
	writ_arena_free(cl->req.arena);
	cl->req.arena = NULL;
}

/* One request; the response is left in *resp (clear it with resp_clear). */
static writ_rc
kv(struct fx *f, enum writ_op op, const char *rel, const char *body, const char *query,
    struct writ_resp *resp)
{
	struct call cl;
	writ_rc rc;

	call_prepare(f, &cl, op, rel, body, query);
	rc = call_run(f, &cl);
	*resp = cl.resp;
	call_done(&cl);
	return rc;
}

/* One request whose response is not needed beyond rc and status. */
static writ_rc
kv_rc(struct fx *f, enum writ_op op, const char *rel, const char *body, int *status)
{
	struct writ_resp resp;
	writ_rc rc = kv(f, op, rel, body, NULL, &resp);

	if (status != NULL)
		*status = resp.status;
	resp_clear(&resp);
	return rc;
}

/* Member at a dotted path ("data.metadata.version"), borrowed. */
static json_t *
jget(json_t *root, const char *path)
{
	char buf[256], *p = buf, *dot;

	snprintf(buf, sizeof(buf), "%s", path);
	while (root != NULL && p != NULL) {
		dot = strchr(p, '.');
		if (dot != NULL)
			*dot = '\0';
		root = json_object_get(root, p);
		p = dot != NULL ? dot + 1 : NULL;
	}
	return root;
}

static void
assert_json_eq(json_t *got, const char *want)
{
	json_error_t jerr;
	json_t *w = json_loads(want, JSON_DECODE_ANY, &jerr);

	assert_non_null(w);
	if (!json_equal(got, w)) {
		char *s = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);

		print_error("got %s, want %s\n", s != NULL ? s : "(null)", want);
		free(s);
		json_decref(w);
		fail();
	}
	json_decref(w);
}

static void
assert_empty_errors(const struct writ_resp *resp)
{
	assert_int_equal(resp->rc, WRIT_ENOTFOUND);
	assert_int_equal(resp->status, 404);
	assert_string_equal(resp->msg, "");
	assert_null(resp->data);
	assert_json_eq(resp->raw, "{\"errors\":[]}");
}

static void
write_ok(struct fx *f, const char *path, const char *body, uint64_t version)
{
	char rel[700];
	struct writ_resp resp;

	snprintf(rel, sizeof(rel), "data/%s", path);
	assert_int_equal(kv(f, WRIT_OP_UPDATE, rel, body, NULL, &resp), WRIT_OK);
	assert_int_equal((uint64_t)json_integer_value(jget(resp.data, "version")), version);
	resp_clear(&resp);
}

/* Read data (latest or version) into a new reference, NULL on any error. */
static json_t *
read_data(struct fx *f, const char *path, const char *query, struct writ_resp *resp)
{
	char rel[700];

	snprintf(rel, sizeof(rel), "data/%s", path);
	if (kv(f, WRIT_OP_READ, rel, NULL, query, resp) != WRIT_OK)
		return NULL;
	return resp->data;
}

static bool
key_exists(struct fx *f, const char *key)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_err err = {0};
	unsigned char *val = NULL;
	size_t len = 0;
	writ_rc rc;

	assert_non_null(a);
	rc = writ_store_get(f->s, a, key, &val, &len, &err);
	writ_arena_free(a);
	assert_true(rc == WRIT_OK || rc == WRIT_ENOTFOUND);
	return rc == WRIT_OK;
}

static size_t
count_keys(struct fx *f, const char *prefix)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_err err = {0};
	char **keys = NULL;
	size_t n = 0;

	assert_non_null(a);
	assert_int_equal(writ_store_list(f->s, a, prefix, NULL, 0, &keys, &n, &err), WRIT_OK);
	writ_arena_free(a);
	return n;
}

static void
nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

static bool
is_rfc3339(const char *s)
{
	size_t len = strlen(s);

	return len == 30 && s[4] == '-' && s[10] == 'T' && s[19] == '.' && s[len - 1] == 'Z';
}

/* ---------------------------------------------------------------------------
 * Check-and-set.
 */

static void
test_cas(void **state)
{
	static const struct {
		enum writ_op op;
		const char *rel;
		const char *body;
		writ_rc rc;
		int status;
		const char *msg;
		int64_t version;
	} steps[] = {
	    {WRIT_OP_CREATE, "data/app", "{\"options\":{\"cas\":0},\"data\":{\"k\":1}}", WRIT_OK, 0,
	        "", 1},
	    {WRIT_OP_UPDATE, "data/app", "{\"options\":{\"cas\":0},\"data\":{\"k\":2}}",
	        WRIT_ECONFLICT, 400, "check-and-set parameter did not match the current version",
	        0},
	    {WRIT_OP_UPDATE, "data/app", "{\"options\":{\"cas\":1},\"data\":{\"k\":2}}", WRIT_OK, 0,
	        "", 2},
	    {WRIT_OP_UPDATE, "data/app", "{\"options\":{\"cas\":1},\"data\":{\"k\":3}}",
	        WRIT_ECONFLICT, 400, "check-and-set parameter did not match the current version",
	        0},
	    {WRIT_OP_UPDATE, "data/app", "{\"options\":{\"cas\":7},\"data\":{\"k\":3}}",
	        WRIT_ECONFLICT, 400, "check-and-set parameter did not match the current version",
	        0},
	    {WRIT_OP_UPDATE, "data/app", "{\"data\":{\"k\":3}}", WRIT_OK, 0, "", 3},
	    {WRIT_OP_UPDATE, "config", "{\"cas_required\":true}", WRIT_OK, 204, "", -1},
	    {WRIT_OP_UPDATE, "data/app", "{\"data\":{\"k\":4}}", WRIT_EINVAL, 400,
	        "check-and-set parameter required for this call", 0},
	    {WRIT_OP_UPDATE, "data/app", "{\"options\":{},\"data\":{\"k\":4}}", WRIT_EINVAL, 400,
	        "check-and-set parameter required for this call", 0},
	    {WRIT_OP_UPDATE, "data/app", "{\"options\":{\"cas\":3},\"data\":{\"k\":4}}", WRIT_OK, 0,
	        "", 4},
	    {WRIT_OP_UPDATE, "config", "{\"cas_required\":false}", WRIT_OK, 204, "", -1},
	    {WRIT_OP_UPDATE, "metadata/app", "{\"cas_required\":true}", WRIT_OK, 204, "", -1},
	    {WRIT_OP_UPDATE, "data/app", "{\"data\":{\"k\":5}}", WRIT_EINVAL, 400,
	        "check-and-set parameter required for this call", 0},
	    {WRIT_OP_UPDATE, "data/other", "{\"data\":{\"k\":5}}", WRIT_OK, 0, "", 1},
	    {WRIT_OP_UPDATE, "data/app", "{\"options\":{\"cas\":\"4\"},\"data\":{\"k\":5}}",
	        WRIT_OK, 0, "", 5},
	    {WRIT_OP_UPDATE, "data/app", "{\"options\":{\"cas\":\"x\"},\"data\":{\"k\":6}}",
	        WRIT_EINVAL, 400, "error parsing check-and-set parameter", 0},
	    {WRIT_OP_UPDATE, "data/app", "{\"options\":{\"cas\":-1},\"data\":{\"k\":6}}",
	        WRIT_ECONFLICT, 400, "check-and-set parameter did not match the current version",
	        0},
	    {WRIT_OP_UPDATE, "data/app", "{\"options\":5,\"data\":{\"k\":6}}", WRIT_EINVAL, 400,
	        "options must be a JSON object", 0},
	    {WRIT_OP_UPDATE, "data/app", "{\"options\":{\"cas\":5}}", WRIT_EINVAL, 400,
	        "no data provided", 0},
	    {WRIT_OP_UPDATE, "data/app", "{\"options\":{\"cas\":5},\"data\":[1]}", WRIT_EINVAL, 400,
	        "data must be a JSON object", 0},
	    {WRIT_OP_UPDATE, "data/new", "{\"options\":{\"cas\":null},\"data\":{}}", WRIT_OK, 0, "",
	        1},
	};
	struct fx *f = *state;
	struct writ_resp resp;
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(steps); i++) {
		writ_rc rc = kv(f, steps[i].op, steps[i].rel, steps[i].body, NULL, &resp);

		if (rc != steps[i].rc)
			print_error("step %zu: rc %d msg %s\n", i, rc, resp.msg);
		assert_int_equal(rc, steps[i].rc);
		assert_int_equal(resp.status, steps[i].status);
		assert_string_equal(resp.msg, steps[i].msg);
		if (steps[i].version > 0) {
			assert_int_equal(
			    json_integer_value(jget(resp.data, "version")), steps[i].version);
			assert_true(json_is_null(jget(resp.data, "custom_metadata")) ||
			    json_is_object(jget(resp.data, "custom_metadata")));
			assert_string_equal(
			    json_string_value(jget(resp.data, "deletion_time")), "");
			assert_true(json_is_false(jget(resp.data, "destroyed")));
			assert_true(is_rfc3339(json_string_value(jget(resp.data, "created_time"))));
		} else {
			assert_null(resp.data);
		}
		if (rc != WRIT_OK)
			assert_int_equal(resp.store_seq, 0);
		resp_clear(&resp);
	}
}

/* ---------------------------------------------------------------------------
 * Reads.
 */

static void
test_read_versions(void **state)
{
	static const struct {
		const char *query;
		writ_rc rc;
		int status;
		int64_t k;
	} cases[] = {
	    {NULL, WRIT_OK, 0, 3},
	    {"{\"version\":\"0\"}", WRIT_OK, 0, 3},
	    {"{\"version\":\"1\"}", WRIT_OK, 0, 1},
	    {"{\"version\":\"2\"}", WRIT_OK, 0, 2},
	    {"{\"version\":\"-1\"}", WRIT_OK, 0, 3},
	    {"{\"version\":\"4\"}", WRIT_ENOTFOUND, 404, 0},
	    {"{\"version\":\"abc\"}", WRIT_EINVAL, 400, 0},
	};
	struct fx *f = *state;
	struct writ_resp resp;
	json_t *d;
	size_t i;

	write_ok(f, "r/x", "{\"data\":{\"k\":1}}", 1);
	write_ok(f, "r/x", "{\"data\":{\"k\":2}}", 2);
	write_ok(f, "r/x", "{\"data\":{\"k\":3,\"s\":\"v\"}}", 3);
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		d = read_data(f, "r/x", cases[i].query, &resp);
		assert_int_equal(resp.rc, cases[i].rc);
		assert_int_equal(resp.status, cases[i].status);
		if (cases[i].rc == WRIT_OK) {
			assert_int_equal(json_integer_value(jget(d, "data.k")), cases[i].k);
			assert_int_equal(
			    json_integer_value(jget(d, "metadata.version")), cases[i].k);
			assert_true(json_is_null(jget(d, "metadata.custom_metadata")));
			assert_string_equal(
			    json_string_value(jget(d, "metadata.deletion_time")), "");
			assert_true(json_is_false(jget(d, "metadata.destroyed")));
			assert_true(
			    is_rfc3339(json_string_value(jget(d, "metadata.created_time"))));
		} else if (cases[i].rc == WRIT_ENOTFOUND) {
			assert_empty_errors(&resp);
		}
		resp_clear(&resp);
	}
	d = read_data(f, "r/x", NULL, &resp);
	assert_json_eq(jget(d, "data"), "{\"k\":3,\"s\":\"v\"}");
	resp_clear(&resp);
	/* Never written, and a folder that only holds secrets below it. */
	assert_null(read_data(f, "nope", NULL, &resp));
	assert_empty_errors(&resp);
	resp_clear(&resp);
	assert_null(read_data(f, "r", NULL, &resp));
	assert_empty_errors(&resp);
	resp_clear(&resp);
}

/* ---------------------------------------------------------------------------
 * Patch.
 */

static void
test_patch(void **state)
{
	struct fx *f = *state;
	struct writ_resp resp;
	json_t *d;
	int status;

	assert_int_equal(
	    kv(f, WRIT_OP_PATCH, "data/p", "{\"data\":{\"a\":1}}", NULL, &resp), WRIT_ENOTFOUND);
	assert_empty_errors(&resp);
	resp_clear(&resp);
	write_ok(f, "p", "{\"data\":{\"a\":1,\"n\":{\"x\":1,\"y\":2},\"drop\":\"z\",\"s\":5}}", 1);
	assert_int_equal(
	    kv(f, WRIT_OP_PATCH, "data/p",
	        "{\"options\":{\"cas\":1},\"data\":{\"n\":{\"y\":null,\"z\":{\"q\":null,\"r\":3}},"
	        "\"drop\":null,\"b\":[1,null],\"s\":{\"t\":null,\"u\":1},\"nothing\":null}}",
	        NULL, &resp),
	    WRIT_OK);
	assert_int_equal(json_integer_value(jget(resp.data, "version")), 2);
	resp_clear(&resp);
	d = read_data(f, "p", NULL, &resp);
	assert_json_eq(jget(d, "data"),
	    "{\"a\":1,\"n\":{\"x\":1,\"z\":{\"r\":3}},\"b\":[1,null],\"s\":{\"u\":1}}");
	resp_clear(&resp);
	/* Version 1 is untouched. */
	d = read_data(f, "p", "{\"version\":\"1\"}", &resp);
	assert_json_eq(jget(d, "data"), "{\"a\":1,\"n\":{\"x\":1,\"y\":2},\"drop\":\"z\",\"s\":5}");
	resp_clear(&resp);
	/* Wrong cas, missing data. */
	assert_int_equal(kv_rc(f, WRIT_OP_PATCH, "data/p",
	                     "{\"options\":{\"cas\":1},\"data\":{\"a\":2}}", &status),
	    WRIT_ECONFLICT);
	assert_int_equal(status, 400);
	assert_int_equal(kv_rc(f, WRIT_OP_PATCH, "data/p", "{}", &status), WRIT_EINVAL);
	/* Patch of a soft-deleted latest version: 404 with its metadata. */
	assert_int_equal(kv_rc(f, WRIT_OP_DELETE, "data/p", NULL, &status), WRIT_OK);
	assert_int_equal(
	    kv(f, WRIT_OP_PATCH, "data/p", "{\"data\":{\"a\":2}}", NULL, &resp), WRIT_ENOTFOUND);
	assert_int_equal(resp.status, 404);
	assert_int_equal(json_integer_value(jget(resp.data, "version")), 2);
	assert_true(is_rfc3339(json_string_value(jget(resp.data, "deletion_time"))));
	resp_clear(&resp);
	/* Patch of a secret with metadata only. */
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "metadata/m", "{\"max_versions\":3}", NULL), WRIT_OK);
	assert_int_equal(
	    kv(f, WRIT_OP_PATCH, "data/m", "{\"data\":{\"a\":2}}", NULL, &resp), WRIT_ENOTFOUND);
	assert_empty_errors(&resp);
	resp_clear(&resp);
}

/* ---------------------------------------------------------------------------
 * Delete, undelete, destroy.
 */

static void
assert_gone(struct fx *f, const char *path, const char *query, int64_t version, bool destroyed)
{
	struct writ_resp resp;

	assert_null(read_data(f, path, query, &resp));
	assert_int_equal(resp.rc, WRIT_ENOTFOUND);
	assert_int_equal(resp.status, 404);
	assert_string_equal(resp.msg, "");
	assert_null(resp.raw);
	assert_true(json_is_null(jget(resp.data, "data")));
	assert_non_null(json_object_get(resp.data, "data"));
	assert_int_equal(json_integer_value(jget(resp.data, "metadata.version")), version);
	assert_true(json_is_boolean(jget(resp.data, "metadata.destroyed")));
	assert_int_equal(json_is_true(jget(resp.data, "metadata.destroyed")), destroyed);
	if (!destroyed)
		assert_true(
		    is_rfc3339(json_string_value(jget(resp.data, "metadata.deletion_time"))));
	assert_true(is_rfc3339(json_string_value(jget(resp.data, "metadata.created_time"))));
	assert_true(json_is_null(jget(resp.data, "metadata.custom_metadata")));
	resp_clear(&resp);
}

static void
assert_readable(struct fx *f, const char *path, const char *query, int64_t k)
{
	struct writ_resp resp;
	json_t *d = read_data(f, path, query, &resp);

	assert_non_null(d);
	assert_int_equal(json_integer_value(jget(d, "data.k")), k);
	assert_string_equal(json_string_value(jget(d, "metadata.deletion_time")), "");
	resp_clear(&resp);
}

static void
test_delete_undelete_destroy(void **state)
{
	struct fx *f = *state;
	struct writ_resp resp;
	int status = 0;

	write_ok(f, "d", "{\"data\":{\"k\":1}}", 1);
	write_ok(f, "d", "{\"data\":{\"k\":2}}", 2);
	assert_int_equal(kv_rc(f, WRIT_OP_DELETE, "data/d", NULL, &status), WRIT_OK);
	assert_int_equal(status, 204);
	assert_gone(f, "d", NULL, 2, false);
	assert_readable(f, "d", "{\"version\":\"1\"}", 1);
	/* Deleting again and deleting what never existed are no-ops. */
	assert_int_equal(kv_rc(f, WRIT_OP_DELETE, "data/d", NULL, &status), WRIT_OK);
	assert_int_equal(kv_rc(f, WRIT_OP_DELETE, "data/none", NULL, &status), WRIT_OK);
	assert_int_equal(status, 204);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "undelete/d", "{\"versions\":[2]}", &status), WRIT_OK);
	assert_int_equal(status, 204);
	assert_readable(f, "d", NULL, 2);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "delete/d", "{\"versions\":\"1,2\"}", &status), WRIT_OK);
	assert_gone(f, "d", "{\"version\":\"1\"}", 1, false);
	assert_gone(f, "d", NULL, 2, false);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_CREATE, "undelete/d", "{\"versions\":[\"1\",9]}", &status), WRIT_OK);
	assert_readable(f, "d", "{\"version\":\"1\"}", 1);
	assert_gone(f, "d", NULL, 2, false);
	/* Destroy removes the data for good; undelete cannot bring it back. */
	assert_true(key_exists(f, PREFIX "ver/d/0000000000000002"));
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "destroy/d", "{\"versions\":[2]}", &status), WRIT_OK);
	assert_int_equal(status, 204);
	assert_false(key_exists(f, PREFIX "ver/d/0000000000000002"));
	assert_gone(f, "d", NULL, 2, true);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "undelete/d", "{\"versions\":2}", &status), WRIT_OK);
	assert_gone(f, "d", NULL, 2, true);
	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/d", NULL, NULL, &resp), WRIT_OK);
	assert_true(json_is_true(jget(resp.data, "versions.2.destroyed")));
	assert_true(json_is_false(jget(resp.data, "versions.1.destroyed")));
	resp_clear(&resp);
	/* Parameter errors, in Vault's words. */
	assert_int_equal(kv(f, WRIT_OP_UPDATE, "delete/d", "{}", NULL, &resp), WRIT_EINVAL);
	assert_string_equal(resp.msg, "No version number provided");
	resp_clear(&resp);
	assert_int_equal(
	    kv(f, WRIT_OP_UPDATE, "undelete/d", "{\"versions\":[]}", NULL, &resp), WRIT_EINVAL);
	assert_string_equal(resp.msg, "No version number provided");
	resp_clear(&resp);
	assert_int_equal(kv(f, WRIT_OP_UPDATE, "destroy/d", "{}", NULL, &resp), WRIT_EINVAL);
	assert_string_equal(resp.msg, "no version number provided");
	resp_clear(&resp);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "destroy/d", "{\"versions\":[\"x\"]}", NULL), WRIT_EINVAL);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "destroy/d", "{\"versions\":{}}", NULL), WRIT_EINVAL);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "destroy/none", "{\"versions\":[1]}", &status), WRIT_OK);
	assert_int_equal(status, 204);
	/* A new write after a destroyed latest version works with the right cas. */
	write_ok(f, "d", "{\"options\":{\"cas\":2},\"data\":{\"k\":3}}", 3);
	assert_readable(f, "d", NULL, 3);
}

/* ---------------------------------------------------------------------------
 * Metadata.
 */

static void
test_metadata(void **state)
{
	struct fx *f = *state;
	struct writ_resp resp;
	json_t *d;
	int status;

	write_ok(f, "m/s", "{\"data\":{\"k\":1}}", 1);
	write_ok(f, "m/s", "{\"data\":{\"k\":2}}", 2);
	write_ok(f, "m/s", "{\"data\":{\"k\":3}}", 3);
	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/m/s", NULL, NULL, &resp), WRIT_OK);
	d = resp.data;
	assert_int_equal(json_integer_value(jget(d, "current_version")), 3);
	assert_int_equal(json_integer_value(jget(d, "oldest_version")), 0);
	assert_int_equal(json_integer_value(jget(d, "max_versions")), 0);
	assert_true(json_is_false(jget(d, "cas_required")));
	assert_string_equal(json_string_value(jget(d, "delete_version_after")), "0s");
	assert_true(json_is_null(jget(d, "custom_metadata")));
	assert_int_equal(json_object_size(jget(d, "versions")), 3);
	assert_true(is_rfc3339(json_string_value(jget(d, "versions.1.created_time"))));
	assert_string_equal(json_string_value(jget(d, "versions.3.deletion_time")), "");
	assert_true(json_is_false(jget(d, "versions.3.destroyed")));
	assert_string_equal(json_string_value(jget(d, "created_time")),
	    json_string_value(jget(d, "versions.1.created_time")));
	assert_string_equal(json_string_value(jget(d, "updated_time")),
	    json_string_value(jget(d, "versions.3.created_time")));
	resp_clear(&resp);

	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "metadata/m/s",
	        "{\"custom_metadata\":{\"owner\":\"a\",\"n\":5,\"t\":true},\"max_versions\":5,"
	        "\"delete_version_after\":\"1h30m\"}",
	        &status),
	    WRIT_OK);
	assert_int_equal(status, 204);
	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/m/s", NULL, NULL, &resp), WRIT_OK);
	assert_json_eq(
	    jget(resp.data, "custom_metadata"), "{\"owner\":\"a\",\"n\":\"5\",\"t\":\"1\"}");
	assert_int_equal(json_integer_value(jget(resp.data, "max_versions")), 5);
	assert_string_equal(json_string_value(jget(resp.data, "delete_version_after")), "1h30m0s");
	resp_clear(&resp);
	d = read_data(f, "m/s", NULL, &resp);
	assert_json_eq(
	    jget(d, "metadata.custom_metadata"), "{\"owner\":\"a\",\"n\":\"5\",\"t\":\"1\"}");
	resp_clear(&resp);

	/* Patch merges custom_metadata and keeps what it does not name. */
	assert_int_equal(
	    kv_rc(f, WRIT_OP_PATCH, "metadata/m/s",
	        "{\"custom_metadata\":{\"owner\":null,\"team\":\"x\"},\"cas_required\":true}",
	        &status),
	    WRIT_OK);
	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/m/s", NULL, NULL, &resp), WRIT_OK);
	assert_json_eq(
	    jget(resp.data, "custom_metadata"), "{\"n\":\"5\",\"t\":\"1\",\"team\":\"x\"}");
	assert_true(json_is_true(jget(resp.data, "cas_required")));
	assert_int_equal(json_integer_value(jget(resp.data, "max_versions")), 5);
	resp_clear(&resp);
	/* Write replaces custom_metadata; fields not given are kept. */
	assert_int_equal(kv_rc(f, WRIT_OP_UPDATE, "metadata/m/s",
	                     "{\"custom_metadata\":{\"only\":\"one\"}}", &status),
	    WRIT_OK);
	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/m/s", NULL, NULL, &resp), WRIT_OK);
	assert_json_eq(jget(resp.data, "custom_metadata"), "{\"only\":\"one\"}");
	assert_true(json_is_true(jget(resp.data, "cas_required")));
	resp_clear(&resp);
	/* A null custom_metadata in a patch clears it; null max_versions resets. */
	assert_int_equal(kv_rc(f, WRIT_OP_PATCH, "metadata/m/s",
	                     "{\"custom_metadata\":null,\"max_versions\":null}", &status),
	    WRIT_OK);
	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/m/s", NULL, NULL, &resp), WRIT_OK);
	assert_true(json_is_null(jget(resp.data, "custom_metadata")));
	assert_int_equal(json_integer_value(jget(resp.data, "max_versions")), 0);
	resp_clear(&resp);
}

/* Metadata of secrets that do not exist, or exist only as metadata. */
static void
test_metadata_missing(void **state)
{
	struct fx *f = *state;
	struct writ_resp resp;
	int status;

	write_ok(f, "m/s", "{\"data\":{\"k\":1}}", 1);
	/* Read and patch 404; an empty write creates nothing. */
	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/m/none", NULL, NULL, &resp), WRIT_ENOTFOUND);
	assert_empty_errors(&resp);
	resp_clear(&resp);
	assert_int_equal(
	    kv(f, WRIT_OP_PATCH, "metadata/m/none", "{\"max_versions\":1}", NULL, &resp),
	    WRIT_ENOTFOUND);
	assert_empty_errors(&resp);
	resp_clear(&resp);
	assert_int_equal(kv_rc(f, WRIT_OP_UPDATE, "metadata/m/none", "{}", &status), WRIT_OK);
	assert_int_equal(status, 204);
	assert_false(key_exists(f, PREFIX "meta/m/none"));
	/* A metadata-only secret: metadata readable, data 404. */
	assert_int_equal(kv_rc(f, WRIT_OP_UPDATE, "metadata/m/only",
	                     "{\"custom_metadata\":{\"a\":\"b\"}}", NULL),
	    WRIT_OK);
	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/m/only", NULL, NULL, &resp), WRIT_OK);
	assert_int_equal(json_integer_value(jget(resp.data, "current_version")), 0);
	assert_int_equal(json_object_size(jget(resp.data, "versions")), 0);
	resp_clear(&resp);
	assert_null(read_data(f, "m/only", NULL, &resp));
	assert_empty_errors(&resp);
	resp_clear(&resp);
	/* Its custom_metadata shows in the first write's reply. */
	assert_int_equal(
	    kv(f, WRIT_OP_UPDATE, "data/m/only", "{\"data\":{}}", NULL, &resp), WRIT_OK);
	assert_json_eq(jget(resp.data, "custom_metadata"), "{\"a\":\"b\"}");
	resp_clear(&resp);
	/* Bad settings. */
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "metadata/m/s", "{\"max_versions\":-1}", NULL), WRIT_EINVAL);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "metadata/m/s", "{\"delete_version_after\":\"-1h\"}", NULL),
	    WRIT_EINVAL);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "metadata/m/s", "{\"delete_version_after\":\"soon\"}", NULL),
	    WRIT_EINVAL);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "metadata/m/s", "{\"cas_required\":\"maybe\"}", NULL),
	    WRIT_EINVAL);
}

static void
test_custom_metadata_limits(void **state)
{
	struct {
		char *body;
		writ_rc rc;
	} cases[12];
	struct fx *f = *state;
	struct writ_buf b;
	size_t i, n = 0;
	char k128[129], k129[130], v512[513], v513[514];

	memset(k128, 'k', 128);
	k128[128] = '\0';
	memset(k129, 'k', 129);
	k129[129] = '\0';
	memset(v512, 'v', 512);
	v512[512] = '\0';
	memset(v513, 'v', 513);
	v513[513] = '\0';
	for (i = 64; i <= 65; i++) {
		size_t j;

		writ_buf_init(&b, 0);
		assert_int_equal(writ_buf_appends(&b, "{\"custom_metadata\":{"), WRIT_OK);
		for (j = 0; j < i; j++)
			assert_int_equal(
			    writ_buf_appendf(&b, "%s\"k%zu\":\"v\"", j ? "," : "", j), WRIT_OK);
		assert_int_equal(writ_buf_appends(&b, "}}"), WRIT_OK);
		cases[n].body = writ_buf_steal(&b, NULL);
		cases[n++].rc = i == 64 ? WRIT_OK : WRIT_EINVAL;
	}
#define CM_CASE(rcv, ...)                                                     \
	do {                                                                  \
		writ_buf_init(&b, 0);                                         \
		assert_int_equal(writ_buf_appendf(&b, __VA_ARGS__), WRIT_OK); \
		cases[n].body = writ_buf_steal(&b, NULL);                     \
		cases[n++].rc = (rcv);                                        \
	} while (0)
	CM_CASE(WRIT_OK, "{\"custom_metadata\":{\"%s\":\"v\"}}", k128);
	CM_CASE(WRIT_EINVAL, "{\"custom_metadata\":{\"%s\":\"v\"}}", k129);
	CM_CASE(WRIT_OK, "{\"custom_metadata\":{\"k\":\"%s\"}}", v512);
	CM_CASE(WRIT_EINVAL, "{\"custom_metadata\":{\"k\":\"%s\"}}", v513);
	CM_CASE(WRIT_EINVAL, "{\"custom_metadata\":{\"k\":\"\"}}");
	CM_CASE(WRIT_EINVAL, "{\"custom_metadata\":{\"\":\"v\"}}");
	CM_CASE(WRIT_EINVAL, "{\"custom_metadata\":{\"k\":\"a\\nb\"}}");
	CM_CASE(WRIT_EINVAL, "{\"custom_metadata\":{\"k\\u0001\":\"v\"}}");
	CM_CASE(WRIT_EINVAL, "{\"custom_metadata\":{\"k\":{\"x\":\"y\"}}}");
	CM_CASE(WRIT_EINVAL, "{\"custom_metadata\":[\"x\"]}");
#undef CM_CASE
	for (i = 0; i < n; i++) {
		struct writ_resp resp;
		writ_rc rc = kv(f, WRIT_OP_UPDATE, "metadata/cm", cases[i].body, NULL, &resp);

		if (rc != cases[i].rc)
			print_error("case %zu: rc %d msg %s\n", i, rc, resp.msg);
		assert_int_equal(rc, cases[i].rc);
		if (rc != WRIT_OK)
			assert_non_null(strstr(resp.msg, "custom_metadata"));
		resp_clear(&resp);
		writ_free(cases[i].body);
	}
	/* A patch that would push the total past 64 keys is refused too. */
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "metadata/cm2", "{\"custom_metadata\":{\"a\":\"1\"}}", NULL),
	    WRIT_OK);
	writ_buf_init(&b, 0);
	assert_int_equal(writ_buf_appends(&b, "{\"custom_metadata\":{"), WRIT_OK);
	for (i = 0; i < 64; i++)
		assert_int_equal(
		    writ_buf_appendf(&b, "%s\"p%zu\":\"v\"", i ? "," : "", i), WRIT_OK);
	assert_int_equal(writ_buf_appends(&b, "}}"), WRIT_OK);
	assert_int_equal(kv_rc(f, WRIT_OP_PATCH, "metadata/cm2", b.ptr, NULL), WRIT_EINVAL);
	writ_buf_free(&b);
}

/* ---------------------------------------------------------------------------
 * max_versions pruning.
 */

static void
test_max_versions(void **state)
{
	struct fx *f = *state;
	struct writ_resp resp;
	char key[128];
	int i;

	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "metadata/mv", "{\"max_versions\":10}", NULL), WRIT_OK);
	for (i = 1; i <= 15; i++)
		write_ok(f, "mv", "{\"data\":{\"k\":1}}", (uint64_t)i);
	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/mv", NULL, NULL, &resp), WRIT_OK);
	assert_int_equal(json_integer_value(jget(resp.data, "oldest_version")), 6);
	assert_int_equal(json_integer_value(jget(resp.data, "current_version")), 15);
	assert_int_equal(json_object_size(jget(resp.data, "versions")), 10);
	assert_null(jget(resp.data, "versions.5"));
	assert_non_null(jget(resp.data, "versions.6"));
	resp_clear(&resp);
	assert_int_equal(count_keys(f, PREFIX "ver/mv/"), 10);
	for (i = 1; i <= 15; i++) {
		snprintf(key, sizeof(key), PREFIX "ver/mv/%016d", i);
		assert_int_equal(key_exists(f, key), i >= 6);
	}
	assert_null(read_data(f, "mv", "{\"version\":\"5\"}", &resp));
	assert_empty_errors(&resp);
	resp_clear(&resp);
	/* Lowering the limit prunes on the next write, several at once. */
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "metadata/mv", "{\"max_versions\":3}", NULL), WRIT_OK);
	assert_int_equal(count_keys(f, PREFIX "ver/mv/"), 10);
	write_ok(f, "mv", "{\"data\":{\"k\":1}}", 16);
	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/mv", NULL, NULL, &resp), WRIT_OK);
	assert_int_equal(json_integer_value(jget(resp.data, "oldest_version")), 14);
	assert_int_equal(json_object_size(jget(resp.data, "versions")), 3);
	resp_clear(&resp);
	assert_int_equal(count_keys(f, PREFIX "ver/mv/"), 3);
	/* Default of 10 when neither mount nor secret sets it; mount config applies. */
	for (i = 1; i <= 12; i++)
		write_ok(f, "dflt", "{\"data\":{}}", (uint64_t)i);
	assert_int_equal(count_keys(f, PREFIX "ver/dflt/"), 10);
	assert_int_equal(kv_rc(f, WRIT_OP_UPDATE, "config", "{\"max_versions\":2}", NULL), WRIT_OK);
	write_ok(f, "dflt", "{\"data\":{}}", 13);
	assert_int_equal(count_keys(f, PREFIX "ver/dflt/"), 2);
	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/dflt", NULL, NULL, &resp), WRIT_OK);
	assert_int_equal(json_integer_value(jget(resp.data, "oldest_version")), 12);
	resp_clear(&resp);
	assert_int_equal(kv_rc(f, WRIT_OP_UPDATE, "metadata/mv", "{\"max_versions\":100001}", NULL),
	    WRIT_EINVAL);
}

/* ---------------------------------------------------------------------------
 * Metadata delete.
 */

static void
test_metadata_delete(void **state)
{
	struct fx *f = *state;
	struct writ_resp resp;
	struct writ_arena *a;
	struct writ_err err = {0};
	char **keys = NULL;
	size_t n = 0, i;
	int status;

	write_ok(f, "app/db", "{\"data\":{\"k\":1}}", 1);
	write_ok(f, "app/db", "{\"data\":{\"k\":2}}", 2);
	write_ok(f, "app/db", "{\"data\":{\"k\":3}}", 3);
	write_ok(f, "app/db/child", "{\"data\":{\"k\":1}}", 1);
	write_ok(f, "app/dbx", "{\"data\":{\"k\":1}}", 1);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "destroy/app/db", "{\"versions\":[1]}", NULL), WRIT_OK);
	assert_int_equal(kv_rc(f, WRIT_OP_DELETE, "data/app/db", NULL, NULL), WRIT_OK);
	assert_int_equal(kv_rc(f, WRIT_OP_DELETE, "metadata/app/db", NULL, &status), WRIT_OK);
	assert_int_equal(status, 204);
	a = writ_arena_new(0, 0);
	assert_non_null(a);
	assert_int_equal(writ_store_list(f->s, a, PREFIX, NULL, 0, &keys, &n, &err), WRIT_OK);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++) {
		assert_true(
		    strstr(keys[i], "app/db/child") != NULL || strstr(keys[i], "app/dbx") != NULL);
	}
	writ_arena_free(a);
	assert_null(read_data(f, "app/db", NULL, &resp));
	assert_empty_errors(&resp);
	resp_clear(&resp);
	assert_readable(f, "app/db/child", NULL, 1);
	/* Deleting what does not exist is a 204 too; a fresh start gets version 1. */
	assert_int_equal(kv_rc(f, WRIT_OP_DELETE, "metadata/app/db", NULL, &status), WRIT_OK);
	assert_int_equal(status, 204);
	write_ok(f, "app/db", "{\"options\":{\"cas\":0},\"data\":{\"k\":9}}", 1);
}

/* ---------------------------------------------------------------------------
 * LIST.
 */

static void
list_expect(struct fx *f, const char *rel, const char *query, const char *want)
{
	struct writ_resp resp;
	writ_rc rc = kv(f, WRIT_OP_LIST, rel, NULL, query, &resp);

	if (want == NULL) {
		assert_int_equal(rc, WRIT_ENOTFOUND);
		assert_empty_errors(&resp);
	} else {
		assert_int_equal(rc, WRIT_OK);
		assert_json_eq(jget(resp.data, "keys"), want);
	}
	resp_clear(&resp);
}

static void
test_list(void **state)
{
	static const struct {
		const char *rel;
		const char *query;
		const char *want;
	} cases[] = {
	    {"metadata", NULL, "[\"a\",\"b\",\"b-x\",\"b/\",\"c/\"]"},
	    {"metadata/", NULL, "[\"a\",\"b\",\"b-x\",\"b/\",\"c/\"]"},
	    {"metadata/b/", NULL, "[\"c\",\"d/\"]"},
	    {"metadata/b", NULL, "[\"c\",\"d/\"]"},
	    {"metadata/b/d/", NULL, "[\"e\"]"},
	    {"metadata/c/", NULL, "[\"only-meta\"]"},
	    {"metadata/", "{\"limit\":\"2\"}", "[\"a\",\"b\"]"},
	    {"metadata/", "{\"after\":\"b\"}", "[\"b-x\",\"b/\",\"c/\"]"},
	    {"metadata/", "{\"after\":\"b/\"}", "[\"c/\"]"},
	    {"metadata/", "{\"after\":\"b/\",\"limit\":\"1\"}", "[\"c/\"]"},
	    {"metadata/", "{\"after\":\"c/\"}", NULL},
	    {"metadata/nope/", NULL, NULL},
	    {"metadata/a/", NULL, NULL},
	};
	struct fx *f = *state;
	size_t i;

	list_expect(f, "metadata/", NULL, NULL);
	write_ok(f, "a", "{\"data\":{}}", 1);
	write_ok(f, "b", "{\"data\":{}}", 1);
	write_ok(f, "b/c", "{\"data\":{}}", 1);
	write_ok(f, "b/d/e", "{\"data\":{}}", 1);
	write_ok(f, "b-x", "{\"data\":{}}", 1);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "metadata/c/only-meta", "{\"max_versions\":1}", NULL),
	    WRIT_OK);
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++)
		list_expect(f, cases[i].rel, cases[i].query, cases[i].want);
	/* Soft-deleted and destroyed secrets are still listed, as in Vault. */
	assert_int_equal(kv_rc(f, WRIT_OP_DELETE, "data/a", NULL, NULL), WRIT_OK);
	list_expect(f, "metadata", "{\"limit\":\"1\"}", "[\"a\"]");
	assert_int_equal(kv_rc(f, WRIT_OP_LIST, "data/", NULL, NULL), WRIT_EUNSUPPORTED);
}

/* Many keys and folders: several store pages, folders skipped in one step. */
static void
test_list_paging(void **state)
{
	struct fx *f = *state;
	struct writ_resp resp;
	struct writ_txn *txn = NULL;
	struct writ_err err = {0};
	uint64_t seq = 0;
	char key[128];
	size_t i, nkeys = 2500, nfolders = 30;
	json_t *keys;

	assert_int_equal(writ_txn_begin(f->s, &txn, &err), WRIT_OK);
	for (i = 0; i < nkeys; i++) {
		snprintf(key, sizeof(key), PREFIX "meta/many/k%05zu", i);
		assert_int_equal(writ_txn_put(txn, key, "{}", 2, &err), WRIT_OK);
	}
	for (i = 0; i < nfolders * 50; i++) {
		snprintf(key, sizeof(key), PREFIX "meta/many/f%02zu/x%03zu", i / 50, i % 50);
		assert_int_equal(writ_txn_put(txn, key, "{}", 2, &err), WRIT_OK);
	}
	assert_int_equal(writ_txn_commit(txn, &seq, &err), WRIT_OK);
	assert_int_equal(writ_store_sync(f->s, seq, &err), WRIT_OK);
	assert_int_equal(kv(f, WRIT_OP_LIST, "metadata/many/", NULL, NULL, &resp), WRIT_OK);
	keys = jget(resp.data, "keys");
	assert_int_equal(json_array_size(keys), nkeys + nfolders);
	assert_string_equal(json_string_value(json_array_get(keys, 0)), "f00/");
	assert_string_equal(json_string_value(json_array_get(keys, nfolders)), "k00000");
	assert_string_equal(
	    json_string_value(json_array_get(keys, nfolders + nkeys - 1)), "k02499");
	resp_clear(&resp);
	assert_int_equal(
	    kv(f, WRIT_OP_LIST, "metadata/many", NULL, "{\"after\":\"k01999\"}", &resp), WRIT_OK);
	assert_int_equal(json_array_size(jget(resp.data, "keys")), 500);
	resp_clear(&resp);
}

/* ---------------------------------------------------------------------------
 * Subkeys.
 */

static void
test_subkeys(void **state)
{
	static const struct {
		const char *query;
		const char *want;
	} cases[] = {
	    {NULL, "{\"a\":null,\"b\":{\"c\":{\"d\":null},\"e\":null},\"f\":null,\"g\":null}"},
	    {"{\"depth\":\"0\"}",
	        "{\"a\":null,\"b\":{\"c\":{\"d\":null},\"e\":null},\"f\":null,\"g\":null}"},
	    {"{\"depth\":\"1\"}", "{\"a\":null,\"b\":null,\"f\":null,\"g\":null}"},
	    {"{\"depth\":\"2\"}",
	        "{\"a\":null,\"b\":{\"c\":null,\"e\":null},\"f\":null,"
	        "\"g\":null}"},
	    {"{\"version\":\"1\"}", "{\"old\":null}"},
	};
	struct fx *f = *state;
	struct writ_resp resp;
	size_t i;

	write_ok(f, "sk", "{\"data\":{\"old\":\"x\"}}", 1);
	write_ok(f, "sk",
	    "{\"data\":{\"a\":1,\"b\":{\"c\":{\"d\":\"s\"},\"e\":[1]},\"f\":{},"
	    "\"g\":null}}",
	    2);
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		assert_int_equal(
		    kv(f, WRIT_OP_READ, "subkeys/sk", NULL, cases[i].query, &resp), WRIT_OK);
		assert_json_eq(jget(resp.data, "subkeys"), cases[i].want);
		assert_non_null(jget(resp.data, "metadata.version"));
		resp_clear(&resp);
	}
	assert_int_equal(
	    kv(f, WRIT_OP_READ, "subkeys/sk", NULL, "{\"depth\":\"x\"}", &resp), WRIT_EINVAL);
	resp_clear(&resp);
	assert_int_equal(kv(f, WRIT_OP_READ, "subkeys/none", NULL, NULL, &resp), WRIT_ENOTFOUND);
	assert_empty_errors(&resp);
	resp_clear(&resp);
	assert_int_equal(kv_rc(f, WRIT_OP_DELETE, "data/sk", NULL, NULL), WRIT_OK);
	assert_int_equal(kv(f, WRIT_OP_READ, "subkeys/sk", NULL, NULL, &resp), WRIT_ENOTFOUND);
	assert_int_equal(resp.status, 404);
	assert_true(json_is_null(jget(resp.data, "subkeys")));
	assert_int_equal(json_integer_value(jget(resp.data, "metadata.version")), 2);
	resp_clear(&resp);
}

/* ---------------------------------------------------------------------------
 * Paths and routes.
 */

static void
test_paths(void **state)
{
	static char long_ok[600], long_bad[600];
	static const struct {
		enum writ_op op;
		const char *rel;
		writ_rc rc;
		int status;
	} cases[] = {
	    {WRIT_OP_UPDATE, "data/", WRIT_EINVAL, 400},
	    {WRIT_OP_UPDATE, "data", WRIT_EINVAL, 400},
	    {WRIT_OP_UPDATE, "data//x", WRIT_EINVAL, 400},
	    {WRIT_OP_UPDATE, "data/x/", WRIT_EINVAL, 400},
	    {WRIT_OP_UPDATE, "data/a/../b", WRIT_EINVAL, 400},
	    {WRIT_OP_UPDATE, "data/..", WRIT_EINVAL, 400},
	    {WRIT_OP_UPDATE, "data/./a", WRIT_EINVAL, 400},
	    {WRIT_OP_UPDATE, "data/a\x01", WRIT_EINVAL, 400},
	    {WRIT_OP_UPDATE, "data/a\xff", WRIT_EINVAL, 400},
	    {WRIT_OP_UPDATE, "data/a\xc3", WRIT_EINVAL, 400},
	    {WRIT_OP_UPDATE, "data/\xed\xa0\x80", WRIT_EINVAL, 400},
	    {WRIT_OP_UPDATE, "data/caf\xc3\xa9/..a/a..", WRIT_OK, 0},
	    {WRIT_OP_UPDATE, long_ok, WRIT_OK, 0},
	    {WRIT_OP_UPDATE, long_bad, WRIT_EINVAL, 400},
	    {WRIT_OP_READ, "bogus/x", WRIT_ENOTFOUND, 404},
	    {WRIT_OP_READ, "", WRIT_ENOTFOUND, 404},
	    {WRIT_OP_READ, "config/x", WRIT_ENOTFOUND, 404},
	    {WRIT_OP_READ, "averyveryverylongendpoint/x", WRIT_ENOTFOUND, 404},
	    {WRIT_OP_LIST, "data/x", WRIT_EUNSUPPORTED, 405},
	    {WRIT_OP_PATCH, "config", WRIT_EUNSUPPORTED, 405},
	    {WRIT_OP_DELETE, "subkeys/x", WRIT_EUNSUPPORTED, 405},
	    {WRIT_OP_READ, "destroy/x", WRIT_EUNSUPPORTED, 405},
	    {WRIT_OP_LIST, "metadata//", WRIT_EINVAL, 400},
	    {WRIT_OP_LIST, "metadata/../", WRIT_EINVAL, 400},
	};
	struct fx *f = *state;
	size_t i;

	memcpy(long_ok, "data/", 5);
	memset(long_ok + 5, 'a', WRIT_KV_PATH_MAX);
	long_ok[5 + WRIT_KV_PATH_MAX] = '\0';
	memcpy(long_bad, long_ok, sizeof(long_bad));
	long_bad[5 + WRIT_KV_PATH_MAX] = 'a';
	long_bad[6 + WRIT_KV_PATH_MAX] = '\0';
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		int status = -1;
		writ_rc rc = kv_rc(f, cases[i].op, cases[i].rel, "{\"data\":{}}", &status);

		if (rc != cases[i].rc)
			print_error("case %zu: rc %d\n", i, rc);
		assert_int_equal(rc, cases[i].rc);
		assert_int_equal(status, cases[i].status);
	}
}

/* ---------------------------------------------------------------------------
 * Engine config and delete_version_after.
 */

static void
test_config(void **state)
{
	struct fx *f = *state;
	struct writ_resp resp;
	json_t *d;
	int status;

	assert_int_equal(kv(f, WRIT_OP_READ, "config", NULL, NULL, &resp), WRIT_OK);
	assert_json_eq(resp.data,
	    "{\"cas_required\":false,\"delete_version_after\":\"0s\",\"max_versions\":0}");
	resp_clear(&resp);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "config",
	        "{\"max_versions\":\"4\",\"cas_required\":\"true\",\"delete_version_after\":\"-5s\"}",
	        &status),
	    WRIT_OK);
	assert_int_equal(status, 204);
	assert_int_equal(kv(f, WRIT_OP_READ, "config", NULL, NULL, &resp), WRIT_OK);
	assert_json_eq(resp.data,
	    "{\"cas_required\":true,\"delete_version_after\":\"-1s\",\"max_versions\":4}");
	resp_clear(&resp);
	assert_int_equal(kv_rc(f, WRIT_OP_UPDATE, "config",
	                     "{\"cas_required\":false,\"delete_version_after\":3725}", NULL),
	    WRIT_OK);
	assert_int_equal(kv(f, WRIT_OP_READ, "config", NULL, NULL, &resp), WRIT_OK);
	assert_json_eq(resp.data,
	    "{\"cas_required\":false,\"delete_version_after\":\"1h2m5s\",\"max_versions\":4}");
	resp_clear(&resp);
	/* A scheduled deletion shows in the reply while the data stays readable. */
	assert_int_equal(
	    kv(f, WRIT_OP_UPDATE, "data/t", "{\"data\":{\"k\":1}}", NULL, &resp), WRIT_OK);
	assert_true(is_rfc3339(json_string_value(jget(resp.data, "deletion_time"))));
	resp_clear(&resp);
	d = read_data(f, "t", NULL, &resp);
	assert_non_null(d);
	assert_true(is_rfc3339(json_string_value(jget(d, "metadata.deletion_time"))));
	resp_clear(&resp);
	/* The smaller of mount and secret applies; once reached the version is gone. */
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "metadata/t", "{\"delete_version_after\":\"1s\"}", NULL),
	    WRIT_OK);
	write_ok(f, "t", "{\"data\":{\"k\":2}}", 2);
	d = read_data(f, "t", NULL, &resp);
	assert_int_equal(json_integer_value(jget(d, "data.k")), 2);
	resp_clear(&resp);
	nap_ms(1200);
	assert_gone(f, "t", NULL, 2, false);
	/* Undelete schedules the deletion again from now. */
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "undelete/t", "{\"versions\":[2]}", NULL), WRIT_OK);
	d = read_data(f, "t", NULL, &resp);
	assert_int_equal(json_integer_value(jget(d, "data.k")), 2);
	assert_true(is_rfc3339(json_string_value(jget(d, "metadata.deletion_time"))));
	resp_clear(&resp);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "config", "{\"delete_version_after\":\"x\"}", NULL),
	    WRIT_EINVAL);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "config", "{\"max_versions\":-2}", NULL), WRIT_EINVAL);
	assert_int_equal(kv_rc(f, WRIT_OP_UPDATE, "config", "{}", &status), WRIT_OK);
	assert_int_equal(status, 204);
}

/* ---------------------------------------------------------------------------
 * Sealed store.
 */

static void
test_sealed(void **state)
{
	struct fx *f = *state;
	struct writ_resp resp;

	write_ok(f, "s", "{\"data\":{\"k\":1}}", 1);
	writ_store_seal(f->s);
	assert_int_equal(kv(f, WRIT_OP_READ, "data/s", NULL, NULL, &resp), WRIT_ESEALED);
	assert_int_equal(resp.status, 503);
	resp_clear(&resp);
	assert_int_equal(
	    kv(f, WRIT_OP_UPDATE, "data/s", "{\"data\":{}}", NULL, &resp), WRIT_ESEALED);
	assert_int_equal(resp.status, 503);
	assert_int_equal(resp.store_seq, 0);
	resp_clear(&resp);
	assert_int_equal(kv(f, WRIT_OP_LIST, "metadata/", NULL, NULL, &resp), WRIT_ESEALED);
	resp_clear(&resp);
}

/* ---------------------------------------------------------------------------
 * Allocation-failure injection: fail the 1st, 2nd, ... allocation of one
 * mutation.  Every failure must be reported, and the secret must then be
 * exactly as before; the first run without a failure must apply it.
 */

typedef void (*check_fn)(struct fx *f, bool applied);

static const char *
op_name(enum writ_op op)
{
	static const char *const names[] = {"READ", "CREATE", "UPDATE", "PATCH", "DELETE", "LIST"};

	return (size_t)op < WRIT_ARRAY_LEN(names) ? names[op] : "?";
}

static void
fault_loop(struct fx *f, enum writ_op op, const char *rel, const char *body, check_fn check)
{
	struct writ_err err = {0};
	long n;

	for (n = 1; n < 1000000; n++) {
		struct call cl;
		writ_rc rc;
		bool fired;

		call_prepare(f, &cl, op, rel, body, NULL);
		writ_fault_set(n);
		rc = writ_kv_handle(&cl.req, &cl.resp);
		fired = writ_fault_fired();
		writ_fault_set(0);
		assert_int_equal(rc, cl.resp.rc);
		if (rc == WRIT_OK && cl.resp.store_seq != 0)
			assert_int_equal(writ_store_sync(f->s, cl.resp.store_seq, &err), WRIT_OK);
		if (rc != WRIT_OK) {
			if (rc != WRIT_ENOMEM)
				print_error("n=%ld: rc %s\n", n, writ_rc_name(rc));
			assert_true(fired);
			assert_int_equal(rc, WRIT_ENOMEM);
			assert_int_equal(cl.resp.status, 500);
			assert_int_equal(cl.resp.store_seq, 0);
			assert_null(cl.resp.data);
		}
		check(f, rc == WRIT_OK);
		resp_clear(&cl.resp);
		call_done(&cl);
		if (rc == WRIT_OK)
			break;
	}
	assert_true(n > 1);
	print_message("%s %s: %ld allocation points\n", op_name(op), rel, n - 1);
}

static void
check_write(struct fx *f, bool applied)
{
	struct writ_resp resp;
	json_t *d = read_data(f, "fi", NULL, &resp);

	assert_non_null(d);
	assert_int_equal(json_integer_value(jget(d, "metadata.version")), applied ? 2 : 1);
	assert_json_eq(jget(d, "data"),
	    applied ? "{\"k\":\"new\",\"n\":{\"x\":[1,2]}}" : "{\"k\":\"old\",\"z\":1}");
	resp_clear(&resp);
	assert_int_equal(key_exists(f, PREFIX "ver/fi/0000000000000002"), applied);
	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/fi", NULL, NULL, &resp), WRIT_OK);
	assert_int_equal(json_integer_value(jget(resp.data, "current_version")), applied ? 2 : 1);
	assert_int_equal(json_object_size(jget(resp.data, "versions")), applied ? 2 : 1);
	resp_clear(&resp);
}

static void
check_patch(struct fx *f, bool applied)
{
	struct writ_resp resp;
	json_t *d = read_data(f, "fi", NULL, &resp);

	assert_non_null(d);
	assert_int_equal(json_integer_value(jget(d, "metadata.version")), applied ? 2 : 1);
	assert_json_eq(
	    jget(d, "data"), applied ? "{\"z\":1,\"add\":{\"a\":1}}" : "{\"k\":\"old\",\"z\":1}");
	resp_clear(&resp);
}

static void
check_destroy(struct fx *f, bool applied)
{
	struct writ_resp resp;

	assert_int_equal(key_exists(f, PREFIX "ver/fi/0000000000000001"), !applied);
	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/fi", NULL, NULL, &resp), WRIT_OK);
	assert_int_equal(json_is_true(jget(resp.data, "versions.1.destroyed")), applied);
	resp_clear(&resp);
}

static void
check_meta_delete(struct fx *f, bool applied)
{
	assert_int_equal(count_keys(f, PREFIX), applied ? 0 : 2);
	if (!applied)
		check_write(f, false);
}

static void
check_meta_patch(struct fx *f, bool applied)
{
	struct writ_resp resp;

	assert_int_equal(kv(f, WRIT_OP_READ, "metadata/fi", NULL, NULL, &resp), WRIT_OK);
	if (applied)
		assert_json_eq(jget(resp.data, "custom_metadata"), "{\"a\":\"1\",\"b\":\"2\"}");
	else
		assert_true(json_is_null(jget(resp.data, "custom_metadata")));
	assert_int_equal(json_integer_value(jget(resp.data, "max_versions")), applied ? 4 : 0);
	resp_clear(&resp);
}

static void
check_soft_delete(struct fx *f, bool applied)
{
	struct writ_resp resp;

	if (applied) {
		assert_gone(f, "fi", NULL, 1, false);
		return;
	}
	assert_non_null(read_data(f, "fi", NULL, &resp));
	resp_clear(&resp);
}

static void
test_fault_injection(void **state)
{
	static const struct {
		enum writ_op op;
		const char *rel;
		const char *body;
		check_fn check;
	} cases[] = {
	    {WRIT_OP_UPDATE, "data/fi",
	        "{\"options\":{\"cas\":1},\"data\":{\"k\":\"new\",\"n\":{\"x\":[1,2]}}}",
	        check_write},
	    {WRIT_OP_PATCH, "data/fi",
	        "{\"options\":{\"cas\":1},\"data\":{\"k\":null,\"add\":{\"a\":1}}}", check_patch},
	    {WRIT_OP_UPDATE, "destroy/fi", "{\"versions\":[1]}", check_destroy},
	    {WRIT_OP_DELETE, "metadata/fi", NULL, check_meta_delete},
	    {WRIT_OP_PATCH, "metadata/fi",
	        "{\"max_versions\":4,\"custom_metadata\":{\"a\":1,\"b\":\"2\"}}", check_meta_patch},
	    {WRIT_OP_DELETE, "data/fi", NULL, check_soft_delete},
	};
	struct fx *f = *state;
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		/* Fresh secret at version 1 for each case. */
		assert_int_equal(kv_rc(f, WRIT_OP_DELETE, "metadata/fi", NULL, NULL), WRIT_OK);
		write_ok(f, "fi", "{\"data\":{\"k\":\"old\",\"z\":1}}", 1);
		fault_loop(f, cases[i].op, cases[i].rel, cases[i].body, cases[i].check);
	}
}

/* Reads under allocation failure: an error or the right answer, never a crash. */
static void
test_fault_reads(void **state)
{
	static const struct {
		enum writ_op op;
		const char *rel;
	} cases[] = {
	    {WRIT_OP_READ, "data/fr"},
	    {WRIT_OP_READ, "metadata/fr"},
	    {WRIT_OP_READ, "subkeys/fr"},
	    {WRIT_OP_READ, "config"},
	    {WRIT_OP_LIST, "metadata/"},
	    {WRIT_OP_READ, "data/none"},
	};
	struct fx *f = *state;
	size_t i;
	long n;

	write_ok(f, "fr", "{\"data\":{\"k\":{\"deep\":1}}}", 1);
	assert_int_equal(
	    kv_rc(f, WRIT_OP_UPDATE, "metadata/fr", "{\"custom_metadata\":{\"a\":\"b\"}}", NULL),
	    WRIT_OK);
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		for (n = 1; n < 100000; n++) {
			struct call cl;
			writ_rc rc;
			bool fired;

			call_prepare(f, &cl, cases[i].op, cases[i].rel, NULL, NULL);
			writ_fault_set(n);
			rc = writ_kv_handle(&cl.req, &cl.resp);
			fired = writ_fault_fired();
			writ_fault_set(0);
			if (fired && rc != WRIT_OK && rc != WRIT_ENOTFOUND)
				assert_int_equal(rc, WRIT_ENOMEM);
			if (!fired)
				assert_true(rc == WRIT_OK || rc == WRIT_ENOTFOUND);
			resp_clear(&cl.resp);
			call_done(&cl);
			if (!fired)
				break;
		}
	}
}

/* A cached read never survives a write or a delete. */
static void
test_read_cache(void **state)
{
	struct fx *f = *state;
	struct writ_resp r;
	int i, status = 0;

	assert_int_equal(kv_rc(f, WRIT_OP_UPDATE, "data/cached", "{\"data\":{\"v\":\"one\"}}",
	    NULL), WRIT_OK);
	for (i = 0; i < 3; i++) { /* the second and third come from the cache */
		assert_int_equal(kv(f, WRIT_OP_READ, "data/cached", NULL, NULL, &r), WRIT_OK);
		assert_string_equal(json_string_value(jget(r.data, "data.v")), "one");
		resp_clear(&r);
	}
	assert_int_equal(kv_rc(f, WRIT_OP_UPDATE, "data/cached", "{\"data\":{\"v\":\"two\"}}",
	    NULL), WRIT_OK);
	assert_int_equal(kv(f, WRIT_OP_READ, "data/cached", NULL, NULL, &r), WRIT_OK);
	assert_string_equal(json_string_value(jget(r.data, "data.v")), "two");
	resp_clear(&r);
	assert_int_equal(kv(f, WRIT_OP_READ, "data/cached", NULL, "{\"version\":\"1\"}", &r),
	    WRIT_OK);
	assert_string_equal(json_string_value(jget(r.data, "data.v")), "one");
	resp_clear(&r);
	assert_int_equal(kv_rc(f, WRIT_OP_DELETE, "data/cached", NULL, NULL), WRIT_OK);
	assert_int_equal(kv_rc(f, WRIT_OP_READ, "data/cached", NULL, &status), WRIT_ENOTFOUND);
	assert_int_equal(status, 404);
}

/* Request ids are RFC 4122 version 4 UUIDs in lower-case hex. */
static void
test_uuid(void **state)
{
	char u[37], v[37];
	size_t i;

	(void)state;
	assert_int_equal(writ_uuid(u), WRIT_OK);
	assert_int_equal(writ_uuid(v), WRIT_OK);
	assert_int_equal(strlen(u), 36);
	assert_string_not_equal(u, v);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(u[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", u[i]));
	}
	assert_int_equal(u[14], '4');
	assert_non_null(strchr("89ab", u[19]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uuid),
	    cmocka_unit_test_setup_teardown(test_cas, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_versions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_patch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_undelete_destroy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_metadata, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_metadata_missing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_custom_metadata_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_max_versions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_metadata_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_paging, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_subkeys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sealed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fault_injection, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fault_reads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_read_cache, setup, teardown),
	};

	/*
	 * jansson keeps its own malloc here, outside the fault hook: its lexer
	 * ignores buffer-growth failures (lex_save), so a parse under injected
	 * failures can silently truncate strings instead of failing.
	 */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
