/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the AppRole auth method (lib/auth/approle.c) over a real
 * SQLite store: the full flow (role, role-id, secret-id, login, lookup,
 * list, destroy), use exhaustion, secret_id TTL expiry with an injected
 * clock, CIDR bindings, custom secret_ids, role_id changes and conflicts,
 * role deletion, tidy, batch tokens, validation, and fault injection on
 * login (no token and no partial records on failure).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "writ/acl.h"
#include "writ/approle.h"
#include "writ/core.h"
#include "writ/crypto.h"
#include "writ/store.h"
#include "writ/token.h"

#include "auth/auth_int.h"
#include "support/fixture.h"

#define PREFIX "auth/0b7d7e3c-8a41-4c8e-9d0a-approle0001/"

struct env {
	char path[512];
	struct writ_store *store;
	struct writ_core core;
	struct writ_mount mount;
	char *root;
	const char *remote;
};

static int64_t fake_now;

static int64_t
test_clock(void)
{
	return fake_now;
}

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	e->store = fx_store_open("test_approle", e->path, sizeof(e->path));
	snprintf(e->mount.path, sizeof(e->mount.path), "auth/approle/");
	snprintf(e->mount.type, sizeof(e->mount.type), "approle");
	snprintf(e->mount.storage_prefix, sizeof(e->mount.storage_prefix), "%s", PREFIX);
	e->mount.handle = writ_approle_handle;
	e->remote = "127.0.0.1";
	fake_now = writ_time_now();
	auth_clock_set(test_clock);
	e->root = fx_core_root(&e->core, e->store);
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	auth_clock_set(NULL);
	fx_store_close(e->store, e->path);
	free(e->root);
	free(e);
	return 0;
}

/* Serve one request the way the pipeline does (support/fixture.c). */
static writ_rc
call(struct env *e, const char *token, enum writ_op op, const char *rel, const char *body,
    struct writ_resp *resp)
{
	const struct fx_target t = {&e->core, &e->mount, writ_approle_handle, e->remote, 0};

	return fx_serve(&t, token, op, rel, body, resp);
}

static size_t
count_keys(struct env *e, const char *prefix)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_err err = {0};
	char **keys;
	size_t n = 0;

	assert_int_equal(writ_store_list(e->store, a, prefix, NULL, 0, &keys, &n, &err), WRIT_OK);
	writ_arena_free(a);
	return n;
}

static void
role_write(struct env *e, const char *name, const char *body)
{
	struct writ_resp r;
	char rel[128];

	snprintf(rel, sizeof(rel), "role/%s", name);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, rel, body, &r), WRIT_OK);
	assert_int_equal(r.status, 204);
	fx_resp_free(&r);
}

static char *
role_id(struct env *e, const char *name)
{
	struct writ_resp r;
	char rel[128], *id;

	snprintf(rel, sizeof(rel), "role/%s/role-id", name);
	assert_int_equal(call(e, e->root, WRIT_OP_READ, rel, NULL, &r), WRIT_OK);
	id = strdup(fx_jstr(r.data, "role_id"));
	fx_resp_free(&r);
	return id;
}

/* New secret_id for a role; *acc (may be NULL) gets its accessor (malloc). */
static char *
secret_id(struct env *e, const char *name, const char *body, char **acc)
{
	struct writ_resp r;
	char rel[128], *s;

	snprintf(rel, sizeof(rel), "role/%s/secret-id", name);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, rel, body, &r), WRIT_OK);
	s = strdup(fx_jstr(r.data, "secret_id"));
	if (acc != NULL)
		*acc = strdup(fx_jstr(r.data, "secret_id_accessor"));
	fx_resp_free(&r);
	return s;
}

static writ_rc
login(struct env *e, const char *rid, const char *sid, struct writ_resp *r)
{
	char body[8192];

	if (sid != NULL)
		snprintf(body, sizeof(body), "{\"role_id\":\"%s\",\"secret_id\":\"%s\"}", rid, sid);
	else
		snprintf(body, sizeof(body), "{\"role_id\":\"%s\"}", rid);
	return call(e, NULL, WRIT_OP_UPDATE, "login", body, r);
}

static bool
token_works(struct env *e, const char *tok)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_err err = {0};
	struct writ_token *t = NULL;
	bool last, ok;

	ok = writ_token_authenticate(&e->core, a, tok, e->remote, &t, &last, &err) == WRIT_OK;
	if (ok)
		writ_token_release(t);
	writ_arena_free(a);
	return ok;
}

static void
expect_invalid(struct env *e, const char *rid, const char *sid)
{
	struct writ_resp r;

	assert_int_equal(login(e, rid, sid, &r), WRIT_EINVAL);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.msg, "invalid role or secret ID");
	assert_null(r.auth);
	fx_resp_free(&r);
}

/* ---------------------------------------------------------------------------
 * Tests.
 */

static void
test_full_flow(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *rid, *sid, *acc;
	json_t *meta, *pols;

	role_write(e, "Web",
	    "{\"token_policies\":\"b,a\",\"token_ttl\":\"1h\","
	    "\"token_max_ttl\":\"2h\"}");
	assert_int_equal(call(e, e->root, WRIT_OP_READ, "role/web", NULL, &r), WRIT_OK);
	assert_true(json_is_true(json_object_get(r.data, "bind_secret_id")));
	assert_int_equal(fx_jint(r.data, "token_ttl"), 3600);
	assert_int_equal(fx_jint(r.data, "token_max_ttl"), 7200);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(r.data, "token_policies"), 0)), "a");
	assert_null(json_object_get(r.data, "hmac_key"));
	assert_null(json_object_get(r.data, "role_id"));
	fx_resp_free(&r);
	assert_int_equal(call(e, e->root, WRIT_OP_LIST, "role", NULL, &r), WRIT_OK);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(r.data, "keys"), 0)), "web");
	fx_resp_free(&r);

	rid = role_id(e, "web");
	sid = secret_id(e, "web", "{\"metadata\":\"{\\\"team\\\":\\\"ml\\\"}\"}", &acc);
	assert_int_equal(strlen(sid), 36);
	assert_int_equal(login(e, rid, sid, &r), WRIT_OK);
	assert_non_null(r.auth);
	pols = json_object_get(r.auth, "policies");
	assert_int_equal(json_array_size(pols), 3);
	assert_string_equal(json_string_value(json_array_get(pols, 2)), "default");
	meta = json_object_get(r.auth, "metadata");
	assert_string_equal(fx_jstr(meta, "role_name"), "web");
	assert_string_equal(fx_jstr(meta, "team"), "ml");
	assert_int_equal(fx_jint(r.auth, "lease_duration"), 3600);
	assert_true(json_is_true(json_object_get(r.auth, "renewable")));
	assert_true(json_is_true(json_object_get(r.auth, "orphan")));
	assert_string_equal(fx_jstr(r.auth, "token_type"), "service");
	assert_string_equal(fx_jstr(r.auth, "entity_id"), "");
	assert_true(token_works(e, fx_jstr(r.auth, "client_token")));
	fx_resp_free(&r);

	/* Wrong secret, wrong role_id: the same answer. */
	expect_invalid(e, rid, "00000000-0000-0000-0000-000000000000");
	expect_invalid(e, "no-such-role-id", sid);
	free(rid);
	free(sid);
	free(acc);
}

static void
test_secret_lookup_destroy(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *rid, *sid, *acc, body[256];

	role_write(e, "web", "{}");
	rid = role_id(e, "web");
	sid = secret_id(e, "web", NULL, &acc);

	snprintf(body, sizeof(body), "{\"secret_id\":\"%s\"}", sid);
	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "role/web/secret-id/lookup", body, &r), WRIT_OK);
	assert_string_equal(fx_jstr(r.data, "secret_id_accessor"), acc);
	assert_string_equal(fx_jstr(r.data, "expiration_time"), "0001-01-01T00:00:00Z");
	fx_resp_free(&r);
	snprintf(body, sizeof(body), "{\"secret_id_accessor\":\"%s\"}", acc);
	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "role/web/secret-id-accessor/lookup", body, &r),
	    WRIT_OK);
	assert_int_equal(fx_jint(r.data, "secret_id_num_uses"), 0);
	fx_resp_free(&r);
	assert_int_equal(call(e, e->root, WRIT_OP_LIST, "role/web/secret-id", NULL, &r), WRIT_OK);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(r.data, "keys"), 0)), acc);
	fx_resp_free(&r);

	snprintf(body, sizeof(body), "{\"secret_id\":\"%s\"}", sid);
	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "role/web/secret-id/destroy", body, &r), WRIT_OK);
	assert_int_equal(r.status, 204);
	fx_resp_free(&r);
	expect_invalid(e, rid, sid);
	assert_int_equal(count_keys(e, PREFIX "secret_id/"), 0);
	assert_int_equal(count_keys(e, PREFIX "accessor/"), 0);
	snprintf(body, sizeof(body), "{\"secret_id_accessor\":\"%s\"}", acc);
	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "role/web/secret-id-accessor/lookup", body, &r),
	    WRIT_ENOTFOUND);
	assert_int_equal(r.status, 404);
	fx_resp_free(&r);
	free(rid);
	free(sid);
	free(acc);
}

static void
test_uses_exhausted(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *rid, *sid;

	role_write(e, "r", "{\"secret_id_num_uses\":2,\"token_policies\":[\"p\"]}");
	rid = role_id(e, "r");
	sid = secret_id(e, "r", NULL, NULL);
	assert_int_equal(login(e, rid, sid, &r), WRIT_OK);
	fx_resp_free(&r);
	assert_int_equal(count_keys(e, PREFIX "secret_id/"), 1);
	assert_int_equal(login(e, rid, sid, &r), WRIT_OK);
	fx_resp_free(&r);
	/* The last use deleted the secret_id and its accessor in the same commit. */
	assert_int_equal(count_keys(e, PREFIX "secret_id/"), 0);
	assert_int_equal(count_keys(e, PREFIX "accessor/"), 0);
	expect_invalid(e, rid, sid);
	/* A request may not ask for more uses than the role allows. */
	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "role/r/secret-id", "{\"num_uses\":3}", &r),
	    WRIT_EINVAL);
	fx_resp_free(&r);
	free(rid);
	free(sid);
}

static void
test_ttl_expired(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *rid, *sid, *sid2;

	role_write(e, "r", "{\"secret_id_ttl\":\"60s\"}");
	rid = role_id(e, "r");
	sid = secret_id(e, "r", NULL, NULL);
	sid2 = secret_id(e, "r", "{\"ttl\":30}", NULL);
	fake_now += 31;
	expect_invalid(e, rid, sid2);
	assert_int_equal(login(e, rid, sid, &r), WRIT_OK);
	fx_resp_free(&r);
	fake_now += 30;
	expect_invalid(e, rid, sid);
	/* Expired entries are deleted when met. */
	assert_int_equal(count_keys(e, PREFIX "secret_id/"), 0);
	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "role/r/secret-id", "{\"ttl\":\"2m\"}", &r),
	    WRIT_EINVAL);
	assert_string_equal(r.msg, "ttl cannot be longer than the role's secret_id_ttl");
	fx_resp_free(&r);
	free(rid);
	free(sid);
	free(sid2);
}

static void
test_cidr(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *rid, *sid, *tok;

	role_write(e, "r",
	    "{\"secret_id_bound_cidrs\":[\"10.0.0.0/8\"],"
	    "\"token_bound_cidrs\":\"10.1.0.0/16\",\"secret_id_num_uses\":1}");
	rid = role_id(e, "r");
	/* A secret_id's CIDRs must lie inside the role's. */
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "role/r/secret-id",
	                     "{\"cidr_list\":\"192.168.0.0/16\"}", &r),
	    WRIT_EINVAL);
	fx_resp_free(&r);
	sid = secret_id(e, "r", "{\"cidr_list\":\"10.2.0.0/16\"}", NULL);
	e->remote = "10.3.0.1";
	assert_int_equal(login(e, rid, sid, &r), WRIT_EINVAL);
	assert_string_equal(
	    r.msg, "source address unauthorized by CIDR restrictions on the secret ID");
	fx_resp_free(&r);
	/* The refused attempt did not consume the only use. */
	e->remote = "10.2.3.4";
	assert_int_equal(login(e, rid, sid, &r), WRIT_OK);
	tok = strdup(fx_jstr(r.auth, "client_token"));
	fx_resp_free(&r);
	/* The token is bound to the role's token CIDRs. */
	assert_false(token_works(e, tok));
	e->remote = "10.1.9.9";
	assert_true(token_works(e, tok));
	e->remote = "127.0.0.1";
	free(rid);
	free(sid);
	free(tok);
}

static void
test_no_secret_binding(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *rid;

	/* bind_secret_id off needs another constraint. */
	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "role/r", "{\"bind_secret_id\":false}", &r),
	    WRIT_EINVAL);
	assert_string_equal(r.msg, "at least one constraint should be enabled on the role");
	fx_resp_free(&r);
	role_write(e, "r", "{\"bind_secret_id\":false,\"bound_cidr_list\":\"192.0.2.0/24\"}");
	rid = role_id(e, "r");
	assert_int_equal(login(e, rid, NULL, &r), WRIT_EINVAL);
	fx_resp_free(&r);
	e->remote = "192.0.2.7";
	assert_int_equal(login(e, rid, NULL, &r), WRIT_OK);
	fx_resp_free(&r);
	e->remote = "127.0.0.1";
	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "role/r/secret-id", NULL, &r), WRIT_EINVAL);
	assert_string_equal(r.msg, "bind_secret_id is not set on the role");
	fx_resp_free(&r);
	free(rid);
}

static void
test_custom_and_role_id(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *rid;

	role_write(e, "one", "{}");
	role_write(e, "two", "{}");
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "role/one/custom-secret-id",
	                     "{\"secret_id\":\"my-secret\"}", &r),
	    WRIT_OK);
	assert_string_equal(fx_jstr(r.data, "secret_id"), "my-secret");
	fx_resp_free(&r);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "role/one/custom-secret-id",
	                     "{\"secret_id\":\"my-secret\"}", &r),
	    WRIT_EINVAL);
	assert_string_equal(r.msg, "SecretID is already registered");
	fx_resp_free(&r);
	rid = role_id(e, "one");
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "role/one/role-id",
	                     "{\"role_id\":\"custom-rid\"}", &r),
	    WRIT_OK);
	fx_resp_free(&r);
	expect_invalid(e, rid, "my-secret");
	assert_int_equal(login(e, "custom-rid", "my-secret", &r), WRIT_OK);
	fx_resp_free(&r);
	/* Another role cannot take that role_id. */
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "role/two/role-id",
	                     "{\"role_id\":\"custom-rid\"}", &r),
	    WRIT_EINVAL);
	assert_string_equal(r.msg, "role_id already in use");
	fx_resp_free(&r);
	/* A secret_id of one role does not open another. */
	free(rid);
	rid = role_id(e, "two");
	expect_invalid(e, rid, "my-secret");
	free(rid);
}

static void
test_delete_role(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *rid, *sid[5];
	size_t i;

	role_write(e, "r", "{}");
	rid = role_id(e, "r");
	for (i = 0; i < 5; i++)
		sid[i] = secret_id(e, "r", NULL, NULL);
	assert_int_equal(count_keys(e, PREFIX), 1 + 1 + 5 + 5);
	assert_int_equal(call(e, e->root, WRIT_OP_DELETE, "role/r", NULL, &r), WRIT_OK);
	assert_int_equal(r.status, 204);
	fx_resp_free(&r);
	assert_int_equal(count_keys(e, PREFIX), 0);
	expect_invalid(e, rid, sid[0]);
	assert_int_equal(call(e, e->root, WRIT_OP_READ, "role/r", NULL, &r), WRIT_ENOTFOUND);
	assert_int_equal(r.status, 404);
	fx_resp_free(&r);
	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "role/r/secret-id", NULL, &r), WRIT_EINVAL);
	assert_string_equal(r.msg, "role \"r\" does not exist");
	fx_resp_free(&r);
	for (i = 0; i < 5; i++)
		free(sid[i]);
	free(rid);
}

static void
test_tidy(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	struct writ_err err = {0};
	const char *orphan = "{\"role\":\"r\",\"hmac\":\"00\"}";
	char *keep, *gone;

	role_write(e, "r", "{\"secret_id_ttl\":\"1h\"}");
	keep = secret_id(e, "r", NULL, NULL);
	gone = secret_id(e, "r", "{\"ttl\":\"10s\"}", NULL);
	assert_int_equal(writ_store_put(e->store, PREFIX "accessor/orphan-accessor", orphan,
	                     strlen(orphan), &err),
	    WRIT_OK);
	fake_now += 11;
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "tidy/secret-id", NULL, &r), WRIT_OK);
	assert_int_equal(r.status, 204);
	fx_resp_free(&r);
	assert_int_equal(count_keys(e, PREFIX "secret_id/"), 1);
	assert_int_equal(count_keys(e, PREFIX "accessor/"), 1);
	free(keep);
	free(gone);
}

static void
test_batch_and_validation(void **state)
{
	static const struct {
		const char *body;
		const char *msg;
	} bad[] = {
	    {"{\"token_ttl\":\"2h\",\"token_max_ttl\":\"1h\"}",
	        "'token_ttl' cannot be greater than 'token_max_ttl'"},
	    {"{\"token_type\":\"weird\"}", "invalid value for \"token_type\""},
	    {"{\"secret_id_num_uses\":-1}", "invalid value for \"secret_id_num_uses\""},
	    {"{\"token_bound_cidrs\":\"10.0.0.0/99\"}", "invalid CIDR blocks"},
	    {"{\"token_type\":\"batch\",\"token_period\":\"1h\"}",
	        "batch tokens cannot have a period, num_uses or explicit_max_ttl"},
	};
	struct env *e = *state;
	struct writ_resp r;
	char *rid, *sid;
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(bad); i++) {
		assert_int_equal(
		    call(e, e->root, WRIT_OP_UPDATE, "role/v", bad[i].body, &r), WRIT_EINVAL);
		assert_string_equal(r.msg, bad[i].msg);
		fx_resp_free(&r);
	}
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "role/bad name", "{}", &r), WRIT_EINVAL);
	fx_resp_free(&r);
	role_write(e, "b",
	    "{\"token_type\":\"batch\",\"token_no_default_policy\":true,"
	    "\"policies\":[\"x\"]}");
	rid = role_id(e, "b");
	sid = secret_id(e, "b", NULL, NULL);
	assert_int_equal(login(e, rid, sid, &r), WRIT_OK);
	assert_string_equal(fx_jstr(r.auth, "token_type"), "batch");
	assert_true(strncmp(fx_jstr(r.auth, "client_token"), "hvb.", 4) == 0);
	assert_int_equal(json_array_size(json_object_get(r.auth, "policies")), 1);
	fx_resp_free(&r);
	/* Unauthenticated callers reach only login. */
	assert_int_equal(call(e, NULL, WRIT_OP_READ, "role/b", NULL, &r), WRIT_EDENIED);
	fx_resp_free(&r);
	assert_int_equal(login(e, "", NULL, &r), WRIT_EINVAL);
	assert_string_equal(r.msg, "missing role_id");
	fx_resp_free(&r);
	free(rid);
	free(sid);
}

/*
 * Fail the Nth allocation during a login for N = 1, 2, ...: a failed login
 * hands out no token and leaves no token record behind.
 */
static void
test_fault_injection(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *rid, *sid;
	size_t base;
	long n;
	writ_rc rc;

	role_write(e, "r", "{\"token_policies\":\"p\"}");
	rid = role_id(e, "r");
	sid = secret_id(e, "r", NULL, NULL);
	base = count_keys(e, TOK_ID_PREFIX);
	for (n = 1; n < 5000; n++) {
		writ_fault_set(n);
		rc = login(e, rid, sid, &r);
		writ_fault_set(0);
		if (rc != WRIT_OK) {
			assert_null(r.auth);
			assert_int_equal(count_keys(e, TOK_ID_PREFIX), base);
		} else {
			assert_non_null(r.auth);
			assert_int_equal(count_keys(e, TOK_ID_PREFIX), base + 1);
			base++;
		}
		fx_resp_free(&r);
		if (rc == WRIT_OK && !writ_fault_fired())
			break;
	}
	assert_true(n < 5000);
	free(rid);
	free(sid);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_full_flow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_secret_lookup_destroy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uses_exhausted, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ttl_expired, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cidr, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_secret_binding, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_custom_and_role_id, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delete_role, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tidy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch_and_validation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fault_injection, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
