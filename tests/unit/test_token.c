/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the token store (lib/auth/token_*.c) over a real SQLite store
 * in a temporary file: create and lookup shapes, the child-policy subset
 * rule, tree revocation (3 levels, 50 children), revoke-orphan, num_uses
 * exhaustion, TTL expiry with an injected clock, periodic renewal, the
 * explicit max cap, accessors, batch tokens, token roles, CIDR binding, tidy
 * and fault injection on creation.  Handlers are called the way the pipeline
 * calls them: authenticate, set caps, handle, sync resp->store_seq, revoke
 * after a last use.
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
#include <time.h>
#include <unistd.h>

#include "writ/acl.h"
#include "writ/core.h"
#include "writ/crypto.h"
#include "writ/store.h"
#include "writ/token.h"

#include "auth/auth_int.h"
#include "support/fixture.h"

struct env {
	char path[512];
	struct writ_store *store;
	struct writ_core core;
	char *root;         /* root token (malloc) */
	const char *remote; /* remote address of the next calls */
	unsigned caps;      /* caps given to non-root callers */
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
	e->store = fx_store_open("test_token", e->path, sizeof(e->path));
	e->remote = "127.0.0.1";
	fake_now = writ_time_now();
	auth_clock_set(test_clock);
	e->root = fx_core_root(&e->core, e->store);
	assert_true(strncmp(e->root, "hvs.", 4) == 0);
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
	const struct fx_target t = {&e->core, NULL, writ_token_handle, e->remote, e->caps};

	return fx_serve(&t, token, op, rel, body, resp);
}

/* Create a token as `parent`, expect 200, return the client token (malloc). */
static char *
mk(struct env *e, const char *parent, const char *rel, const char *body, json_t **auth_out)
{
	struct writ_resp r;
	char *tok;

	assert_int_equal(call(e, parent, WRIT_OP_UPDATE, rel, body, &r), WRIT_OK);
	assert_non_null(r.auth);
	tok = strdup(fx_jstr(r.auth, "client_token"));
	if (auth_out != NULL)
		*auth_out = json_incref(r.auth);
	fx_resp_free(&r);
	return tok;
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

static bool
token_works(struct env *e, const char *tok)
{
	struct writ_resp r;
	bool ok = call(e, tok, WRIT_OP_READ, "lookup-self", NULL, &r) == WRIT_OK;

	fx_resp_free(&r);
	return ok;
}

static void
policies_are(json_t *arr, const char *const *want, size_t n)
{
	size_t i;

	assert_int_equal(json_array_size(arr), n);
	for (i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(arr, i)), want[i]);
}

/* ---------------------------------------------------------------------------
 * Tests.
 */

static void
test_create_lookup(void **state)
{
	struct env *e = *state;
	static const char *const want[] = {"a", "b", "default"};
	struct writ_resp r;
	json_t *auth;
	char *tok, body[256];

	tok = mk(e, e->root, "create",
	    "{\"policies\":[\"b\",\"A\",\" a\"],\"ttl\":\"1h\",\"meta\":{\"x\":\"y\"},"
	    "\"display_name\":\"my app\"}",
	    &auth);
	/* "hvs." + 16 hex of time-ordered locator + 43 base64url of 32 random bytes. */
	assert_int_equal(strlen(tok), 63);
	assert_true(strncmp(tok, "hvs.", 4) == 0);
	assert_true(strspn(tok + 4, "0123456789abcdef") >= 16);
	policies_are(json_object_get(auth, "policies"), want, 3);
	policies_are(json_object_get(auth, "token_policies"), want, 3);
	assert_string_equal(fx_jstr(auth, "token_type"), "service");
	assert_true(json_is_false(json_object_get(auth, "orphan")));
	assert_true(json_is_true(json_object_get(auth, "renewable")));
	assert_int_equal(fx_jint(auth, "lease_duration"), 3600);
	assert_string_equal(fx_jstr(auth, "entity_id"), "");
	assert_true(strlen(fx_jstr(auth, "accessor")) > 0);
	json_decref(auth);

	assert_int_equal(call(e, tok, WRIT_OP_READ, "lookup-self", NULL, &r), WRIT_OK);
	assert_string_equal(fx_jstr(r.data, "id"), tok);
	assert_int_equal(fx_jint(r.data, "ttl"), 3600);
	assert_int_equal(fx_jint(r.data, "creation_ttl"), 3600);
	assert_string_equal(fx_jstr(r.data, "display_name"), "token-my-app");
	assert_string_equal(fx_jstr(r.data, "path"), "auth/token/create");
	assert_string_equal(fx_jstr(json_object_get(r.data, "meta"), "x"), "y");
	assert_true(json_is_string(json_object_get(r.data, "expire_time")));
	assert_true(json_is_string(json_object_get(r.data, "issue_time")));
	assert_string_equal(fx_jstr(r.data, "type"), "service");
	fx_resp_free(&r);

	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", tok);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "lookup", body, &r), WRIT_OK);
	assert_string_equal(fx_jstr(r.data, "id"), tok);
	fx_resp_free(&r);

	/* The root token itself: no expiry, not renewable. */
	assert_int_equal(call(e, e->root, WRIT_OP_READ, "lookup-self", NULL, &r), WRIT_OK);
	assert_true(json_is_null(json_object_get(r.data, "expire_time")));
	assert_int_equal(fx_jint(r.data, "ttl"), 0);
	assert_true(json_is_true(json_object_get(r.data, "orphan")));
	fx_resp_free(&r);

	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "lookup", "{\"token\":\"hvs.nope\"}", &r),
	    WRIT_EDENIED);
	assert_int_equal(r.status, 403);
	assert_string_equal(r.msg, "bad token");
	fx_resp_free(&r);
	free(tok);
}

static void
test_child_subset(void **state)
{
	static const struct {
		const char *body;
		unsigned caps;
		writ_rc rc;
		const char *policies; /* comma-joined expectation, or the error text */
	} cases[] = {
	    {"{\"policies\":[\"a\"]}", 0, WRIT_OK, "a,default"},
	    {"{}", 0, WRIT_OK, "a,b,default"},
	    {"{\"policies\":[\"a\",\"c\"]}", 0, WRIT_EINVAL,
	        "child policies must be subset of parent"},
	    {"{\"policies\":[\"root\"]}", 0, WRIT_EINVAL,
	        "child policies must be subset of parent"},
	    {"{\"policies\":[\"root\"]}", WRIT_CAP_SUDO, WRIT_EINVAL,
	        "root tokens may not be created without parent token being root"},
	    {"{\"policies\":[\"c\"]}", WRIT_CAP_SUDO, WRIT_OK, "c,default"},
	    {"{\"policies\":[\"a\"],\"no_default_policy\":true}", 0, WRIT_OK, "a"},
	    {"{\"no_parent\":true}", 0, WRIT_EINVAL,
	        "root or sudo privileges required to create orphan token"},
	    {"{\"period\":\"1h\"}", 0, WRIT_EINVAL,
	        "root or sudo privileges required to create periodic token"},
	    {"{\"id\":\"custom\"}", 0, WRIT_EINVAL,
	        "root or sudo privileges required to specify token id"},
	    {"{\"num_uses\":-1}", 0, WRIT_EINVAL, "number of uses cannot be negative"},
	    {"{\"type\":\"weird\"}", 0, WRIT_EINVAL, "invalid 'token_type' value"},
	    {"{\"policies\":[\"response-wrapping\"]}", WRIT_CAP_SUDO, WRIT_EINVAL,
	        "cannot assign policy \"response-wrapping\""},
	};
	struct env *e = *state;
	struct writ_resp r;
	char *parent, joined[256];
	size_t i, j, len;

	parent = mk(e, e->root, "create", "{\"policies\":[\"a\",\"b\"]}", NULL);
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		e->caps = cases[i].caps;
		assert_int_equal(
		    call(e, parent, WRIT_OP_UPDATE, "create", cases[i].body, &r), cases[i].rc);
		if (cases[i].rc != WRIT_OK) {
			assert_int_equal(r.status, 400);
			assert_string_equal(r.msg, cases[i].policies);
		} else {
			json_t *p = json_object_get(r.auth, "policies");

			joined[0] = '\0';
			for (j = 0, len = 0; j < json_array_size(p); j++)
				len += (size_t)snprintf(joined + len, sizeof(joined) - len, "%s%s",
				    j ? "," : "", json_string_value(json_array_get(p, j)));
			assert_string_equal(joined, cases[i].policies);
		}
		fx_resp_free(&r);
	}
	e->caps = 0;
	free(parent);
}

static void
test_revoke_tree(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *top, *mid[50], *leaf[50], body[256];
	size_t base = count_keys(e, TOK_PREFIX), i;

	top = mk(e, e->root, "create", "{\"policies\":[\"a\"]}", NULL);
	for (i = 0; i < 50; i++) {
		mid[i] = mk(e, top, "create", "{}", NULL);
		leaf[i] = mk(e, mid[i], "create", "{}", NULL);
	}
	assert_int_equal(count_keys(e, TOK_PARENT_PREFIX), 101);
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", top);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "revoke", body, &r), WRIT_OK);
	assert_int_equal(r.status, 204);
	fx_resp_free(&r);
	assert_false(token_works(e, top));
	for (i = 0; i < 50; i++) {
		assert_false(token_works(e, mid[i]));
		assert_false(token_works(e, leaf[i]));
		free(mid[i]);
		free(leaf[i]);
	}
	assert_int_equal(count_keys(e, TOK_PREFIX), base);
	assert_int_equal(count_keys(e, TOK_PARENT_PREFIX), 0);
	assert_true(token_works(e, e->root));
	/* Revoking what is gone is not an error (Vault answers 204). */
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "revoke", body, &r), WRIT_OK);
	assert_int_equal(r.status, 204);
	fx_resp_free(&r);
	free(top);
}

static void
test_revoke_self_and_orphan(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *a, *b, *c, body[256];

	a = mk(e, e->root, "create", "{\"policies\":[\"p\"]}", NULL);
	b = mk(e, a, "create", "{}", NULL);
	c = mk(e, b, "create", "{}", NULL);
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", a);
	/* Without sudo: refused. */
	assert_int_equal(call(e, b, WRIT_OP_UPDATE, "revoke-orphan", body, &r), WRIT_EDENIED);
	fx_resp_free(&r);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "revoke-orphan", body, &r), WRIT_OK);
	assert_int_equal(r.status, 204);
	fx_resp_free(&r);
	assert_false(token_works(e, a));
	assert_true(token_works(e, c));
	assert_int_equal(call(e, b, WRIT_OP_READ, "lookup-self", NULL, &r), WRIT_OK);
	assert_true(json_is_true(json_object_get(r.data, "orphan")));
	fx_resp_free(&r);
	/* b keeps its own child: revoke-self takes c with it. */
	assert_int_equal(call(e, b, WRIT_OP_UPDATE, "revoke-self", NULL, &r), WRIT_OK);
	fx_resp_free(&r);
	assert_false(token_works(e, b));
	assert_false(token_works(e, c));
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "revoke-orphan", body, &r), WRIT_EINVAL);
	assert_string_equal(r.msg, "token to revoke not found");
	fx_resp_free(&r);
	free(a);
	free(b);
	free(c);
}

static void
test_num_uses(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *tok;
	size_t before;

	tok = mk(e, e->root, "create", "{\"num_uses\":3}", NULL);
	assert_int_equal(call(e, tok, WRIT_OP_READ, "lookup-self", NULL, &r), WRIT_OK);
	assert_int_equal(fx_jint(r.data, "num_uses"), 2);
	fx_resp_free(&r);
	/* A restricted-use token cannot make children (and that was a use). */
	assert_int_equal(call(e, tok, WRIT_OP_UPDATE, "create", "{}", &r), WRIT_EINVAL);
	assert_string_equal(r.msg, "restricted use token cannot generate child tokens");
	fx_resp_free(&r);
	before = count_keys(e, TOK_ID_PREFIX);
	assert_true(token_works(e, tok)); /* the last use */
	assert_int_equal(count_keys(e, TOK_ID_PREFIX), before - 1);
	assert_false(token_works(e, tok));
	free(tok);
}

static void
test_ttl_expiry(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	json_t *auth;
	char *parent, *child, body[256];
	size_t before;

	parent = mk(e, e->root, "create", "{\"ttl\":\"100s\"}", NULL);
	/* A child never outlives its parent. */
	child = mk(e, parent, "create", "{\"ttl\":\"1000s\"}", &auth);
	assert_int_equal(fx_jint(auth, "lease_duration"), 100);
	json_decref(auth);
	before = count_keys(e, TOK_ID_PREFIX);
	fake_now += 99;
	assert_true(token_works(e, child));
	fake_now += 2;
	assert_false(token_works(e, parent));
	/* The lazy revocation took the subtree with it. */
	assert_int_equal(count_keys(e, TOK_ID_PREFIX), before - 2);
	assert_false(token_works(e, child));
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", parent);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "lookup", body, &r), WRIT_EDENIED);
	fx_resp_free(&r);
	free(parent);
	free(child);
}

static void
test_periodic_and_explicit_max(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	json_t *auth;
	char *per, *cap, *cap2;

	per = mk(e, e->root, "create", "{\"period\":\"1h\",\"ttl\":\"5m\"}", &auth);
	assert_int_equal(fx_jint(auth, "lease_duration"), 3600);
	json_decref(auth);
	fake_now += 1800;
	assert_int_equal(
	    call(e, per, WRIT_OP_UPDATE, "renew-self", "{\"increment\":\"99h\"}", &r), WRIT_OK);
	assert_int_equal(fx_jint(r.auth, "lease_duration"), 3600);
	assert_true(json_is_true(json_object_get(r.auth, "renewable")));
	fx_resp_free(&r);
	fake_now += 3000;
	assert_true(token_works(e, per)); /* 4800 s after creation, renewed at 1800 */

	cap = mk(e, e->root, "create", "{\"ttl\":\"1h\",\"explicit_max_ttl\":\"2h\"}", NULL);
	fake_now += 3000;
	assert_int_equal(
	    call(e, cap, WRIT_OP_UPDATE, "renew-self", "{\"increment\":\"1h\"}", &r), WRIT_OK);
	assert_int_equal(fx_jint(r.auth, "lease_duration"), 3600);
	fx_resp_free(&r);
	fake_now += 3000;
	assert_int_equal(
	    call(e, cap, WRIT_OP_UPDATE, "renew-self", "{\"increment\":\"1h\"}", &r), WRIT_OK);
	assert_int_equal(fx_jint(r.auth, "lease_duration"), 1200);
	fx_resp_free(&r);
	fake_now += 1201;
	assert_false(token_works(e, cap));

	/* Periodic with an explicit max: the period is cut at the cap. */
	cap2 = mk(e, e->root, "create", "{\"period\":\"1h\",\"explicit_max_ttl\":\"90m\"}", NULL);
	fake_now += 3000;
	assert_int_equal(call(e, cap2, WRIT_OP_UPDATE, "renew-self", NULL, &r), WRIT_OK);
	assert_int_equal(fx_jint(r.auth, "lease_duration"), 2400);
	fx_resp_free(&r);
	/* Root tokens without expiry cannot be renewed. */
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "renew-self", NULL, &r), WRIT_EINVAL);
	assert_string_equal(r.msg, "lease is not renewable");
	fx_resp_free(&r);
	free(per);
	free(cap);
	free(cap2);
}

static void
test_renew_rules(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *tok, *nr, body[256];

	tok = mk(e, e->root, "create", "{\"ttl\":\"10m\"}", NULL);
	fake_now += 60;
	snprintf(body, sizeof(body), "{\"token\":\"%s\",\"increment\":3600}", tok);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "renew", body, &r), WRIT_OK);
	assert_int_equal(fx_jint(r.auth, "lease_duration"), 3600);
	assert_string_equal(fx_jstr(r.auth, "client_token"), tok);
	fx_resp_free(&r);
	/* No increment: back to the creation TTL. */
	assert_int_equal(call(e, tok, WRIT_OP_UPDATE, "renew-self", NULL, &r), WRIT_OK);
	assert_int_equal(fx_jint(r.auth, "lease_duration"), 600);
	fx_resp_free(&r);
	nr = mk(e, e->root, "create", "{\"renewable\":false}", NULL);
	assert_int_equal(call(e, nr, WRIT_OP_UPDATE, "renew-self", NULL, &r), WRIT_EINVAL);
	assert_string_equal(r.msg, "lease is not renewable");
	fx_resp_free(&r);
	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "renew", "{\"token\":\"hvs.x\"}", &r), WRIT_EINVAL);
	assert_string_equal(r.msg, "token not found");
	fx_resp_free(&r);
	free(tok);
	free(nr);
}

static void
test_accessor(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	json_t *auth;
	char *tok, acc[64], body[256];

	/* Not a root child: without policies it would inherit "root". */
	tok = mk(e, e->root, "create", "{\"ttl\":\"1h\",\"policies\":[\"a\"]}", &auth);
	snprintf(acc, sizeof(acc), "%s", fx_jstr(auth, "accessor"));
	json_decref(auth);
	snprintf(body, sizeof(body), "{\"accessor\":\"%s\"}", acc);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "lookup-accessor", body, &r), WRIT_OK);
	assert_string_equal(fx_jstr(r.data, "id"), "");
	assert_string_equal(fx_jstr(r.data, "accessor"), acc);
	fx_resp_free(&r);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "renew-accessor", body, &r), WRIT_OK);
	assert_string_equal(fx_jstr(r.auth, "client_token"), "");
	fx_resp_free(&r);
	/* LIST accessors needs sudo. */
	assert_int_equal(call(e, tok, WRIT_OP_LIST, "accessors", NULL, &r), WRIT_EDENIED);
	fx_resp_free(&r);
	assert_int_equal(call(e, e->root, WRIT_OP_LIST, "accessors", NULL, &r), WRIT_OK);
	assert_int_equal(json_array_size(json_object_get(r.data, "keys")), 2);
	fx_resp_free(&r);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "revoke-accessor", body, &r), WRIT_OK);
	assert_int_equal(r.status, 204);
	fx_resp_free(&r);
	assert_false(token_works(e, tok));
	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "lookup-accessor", body, &r), WRIT_EINVAL);
	assert_string_equal(r.msg, "invalid accessor");
	fx_resp_free(&r);
	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "lookup-accessor", "{\"accessor\":\"../id/x\"}", &r),
	    WRIT_EINVAL);
	fx_resp_free(&r);
	free(tok);
}

static void
test_batch(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	json_t *auth;
	char *tok;

	tok = mk(e, e->root, "create-orphan", "{\"type\":\"batch\",\"policies\":[\"x\"]}", &auth);
	assert_true(strncmp(tok, "hvb.", 4) == 0);
	assert_string_equal(fx_jstr(auth, "token_type"), "batch");
	assert_true(json_is_true(json_object_get(auth, "orphan")));
	assert_true(json_is_false(json_object_get(auth, "renewable")));
	json_decref(auth);
	assert_int_equal(call(e, tok, WRIT_OP_READ, "lookup-self", NULL, &r), WRIT_OK);
	assert_string_equal(fx_jstr(r.data, "type"), "batch");
	fx_resp_free(&r);
	assert_int_equal(call(e, tok, WRIT_OP_UPDATE, "renew-self", NULL, &r), WRIT_EINVAL);
	assert_string_equal(r.msg, "batch tokens cannot be renewed");
	fx_resp_free(&r);
	assert_int_equal(call(e, tok, WRIT_OP_UPDATE, "create", "{}", &r), WRIT_EINVAL);
	assert_string_equal(r.msg, "batch tokens cannot create more tokens");
	fx_resp_free(&r);
	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "create", "{\"type\":\"batch\",\"num_uses\":2}", &r),
	    WRIT_EINVAL);
	assert_string_equal(r.msg, "batch tokens cannot have \"num_uses\" set");
	fx_resp_free(&r);
	free(tok);
}

static void
test_roles(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	json_t *auth;
	char *tok, body[256];

	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "roles/r1",
	        "{\"allowed_policies\":\"a, B\",\"orphan\":true,\"path_suffix\":\"v1\","
	        "\"token_period\":\"2h\",\"token_bound_cidrs\":[\"10.0.0.0/8\"]}",
	        &r),
	    WRIT_OK);
	assert_int_equal(r.status, 204);
	fx_resp_free(&r);
	assert_int_equal(call(e, e->root, WRIT_OP_READ, "roles/r1", NULL, &r), WRIT_OK);
	assert_int_equal(fx_jint(r.data, "period"), 7200);
	assert_int_equal(fx_jint(r.data, "token_period"), 7200);
	assert_true(json_is_true(json_object_get(r.data, "orphan")));
	assert_string_equal(fx_jstr(r.data, "path_suffix"), "v1");
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(r.data, "allowed_policies"), 1)), "b");
	fx_resp_free(&r);
	assert_int_equal(call(e, e->root, WRIT_OP_LIST, "roles", NULL, &r), WRIT_OK);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(r.data, "keys"), 0)), "r1");
	fx_resp_free(&r);

	tok = mk(e, e->root, "create/r1", "{\"policies\":[\"a\"]}", &auth);
	assert_true(json_is_true(json_object_get(auth, "orphan")));
	assert_int_equal(fx_jint(auth, "lease_duration"), 7200);
	json_decref(auth);
	/* Bound to 10/8: unusable from elsewhere. */
	assert_false(token_works(e, tok));
	e->remote = "10.1.2.3";
	assert_int_equal(call(e, tok, WRIT_OP_READ, "lookup-self", NULL, &r), WRIT_OK);
	assert_string_equal(fx_jstr(r.data, "path"), "auth/token/create/r1/v1");
	assert_string_equal(fx_jstr(r.data, "role"), "r1");
	fx_resp_free(&r);
	e->remote = "127.0.0.1";

	assert_int_equal(
	    call(e, e->root, WRIT_OP_UPDATE, "create/r1", "{\"policies\":[\"c\"]}", &r),
	    WRIT_EINVAL);
	assert_string_equal(r.msg, "token policies must be subset of the role's allowed policies");
	fx_resp_free(&r);
	assert_int_equal(call(e, e->root, WRIT_OP_DELETE, "roles/r1", NULL, &r), WRIT_OK);
	fx_resp_free(&r);
	assert_int_equal(call(e, e->root, WRIT_OP_READ, "roles/r1", NULL, &r), WRIT_ENOTFOUND);
	assert_int_equal(r.status, 404);
	fx_resp_free(&r);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "create/r1", "{}", &r), WRIT_EINVAL);
	assert_string_equal(r.msg, "unknown role r1");
	fx_resp_free(&r);
	snprintf(body, sizeof(body), "{\"token_type\":\"bogus\"}");
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "roles/r2", body, &r), WRIT_EINVAL);
	fx_resp_free(&r);
	free(tok);
}

static void
test_cidr_table(void **state)
{
	static const struct {
		const char *cidr;
		const char *addr;
		bool allow;
	} cases[] = {
	    {"10.0.0.0/8", "10.1.2.3", true},
	    {"10.0.0.0/8", "11.0.0.1", false},
	    {"10.0.0.1", "10.0.0.1", true},
	    {"10.0.0.1/32", "10.0.0.2", false},
	    {"192.168.1.0/25", "192.168.1.127", true},
	    {"192.168.1.0/25", "192.168.1.128", false},
	    {"0.0.0.0/0", "8.8.8.8", true},
	    {"::1/128", "::1", true},
	    {"2001:db8::/32", "2001:db8:1::1", true},
	    {"2001:db8::/32", "2001:db9::1", false},
	    {"10.0.0.0/8", "::ffff:10.9.9.9", true},
	    {"10.0.0.0/8", "2001:db8::1", false},
	    {"10.0.0.0/8", "not-an-ip", false},
	    {"10.0.0.0/8", NULL, false},
	};
	static const char *bad[] = {"10.0.0.0/33", "1.2.3", "::1/129", "10.0.0.0/", "x/8", ""};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		json_t *l = json_pack("[s]", cases[i].cidr);

		assert_int_equal(auth_cidrs_validate(l), WRIT_OK);
		assert_int_equal(auth_cidrs_allow(l, cases[i].addr), cases[i].allow);
		json_decref(l);
	}
	for (i = 0; i < WRIT_ARRAY_LEN(bad); i++) {
		json_t *l = json_pack("[s]", bad[i]);

		assert_int_equal(auth_cidrs_validate(l), WRIT_EINVAL);
		json_decref(l);
	}
	assert_true(auth_cidrs_allow(NULL, NULL));
}

static void
test_authenticate_edges(void **state)
{
	struct env *e = *state;
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_err err = {0};
	struct writ_token *t = NULL;
	char longtok[AUTH_TOKEN_MAX + 2];
	bool last;

	memset(longtok, 'a', sizeof(longtok) - 1);
	longtok[sizeof(longtok) - 1] = '\0';
	assert_int_equal(
	    writ_token_authenticate(&e->core, a, NULL, NULL, &t, &last, &err), WRIT_EDENIED);
	assert_int_equal(
	    writ_token_authenticate(&e->core, a, "", NULL, &t, &last, &err), WRIT_EDENIED);
	assert_int_equal(
	    writ_token_authenticate(&e->core, a, longtok, NULL, &t, &last, &err), WRIT_EDENIED);
	assert_string_equal(err.msg, "permission denied");
	assert_int_equal(
	    writ_token_authenticate(&e->core, a, e->root, NULL, &t, &last, &err), WRIT_OK);
	assert_true(t->root);
	assert_false(last);
	writ_token_release(t);
	writ_arena_free(a);
}

/* writ_token_lookup inspects a token without spending a use or checking CIDRs. */
static void
test_lookup_no_use(void **state)
{
	struct env *e = *state;
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_err err = {0};
	struct writ_token *t = NULL;
	char *tok = mk(e, e->root, "create",
	    "{\"num_uses\":1,\"policies\":[\"a\"],\"meta\":{\"k\":\"v\"}}", NULL);
	int i;

	for (i = 0; i < 3; i++) {
		assert_int_equal(writ_token_lookup(&e->core, a, tok, &t, &err), WRIT_OK);
		assert_int_equal(t->num_uses, 1);
		assert_string_equal(json_string_value(json_object_get(t->meta, "k")), "v");
		writ_token_release(t);
	}
	assert_int_equal(writ_token_lookup(&e->core, a, "hvs.none", &t, &err), WRIT_EDENIED);
	assert_true(token_works(e, tok)); /* the one use */
	assert_int_equal(writ_token_lookup(&e->core, a, tok, &t, &err), WRIT_EDENIED);
	writ_arena_free(a);
	free(tok);
}

static void
test_tidy(void **state)
{
	struct env *e = *state;
	struct writ_err err = {0};
	struct writ_resp r;
	char key[256], hash[AUTH_HASH_HEX];
	size_t base = count_keys(e, TOK_PREFIX);

	auth_sha256_hex("gone", 4, hash);
	/* Dangling accessors on both sides of the root's (random) one. */
	snprintf(key, sizeof(key), "%s0dangling", TOK_ACC_PREFIX);
	assert_int_equal(writ_store_put(e->store, key, hash, strlen(hash), &err), WRIT_OK);
	snprintf(key, sizeof(key), "%szzdangling", TOK_ACC_PREFIX);
	assert_int_equal(writ_store_put(e->store, key, hash, strlen(hash), &err), WRIT_OK);
	snprintf(key, sizeof(key), "%s%s/%s", TOK_PARENT_PREFIX, hash, hash);
	assert_int_equal(writ_store_put(e->store, key, "1", 1, &err), WRIT_OK);
	assert_int_equal(count_keys(e, TOK_PREFIX), base + 3);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "tidy", NULL, &r), WRIT_OK);
	assert_int_equal(r.status, 204);
	fx_resp_free(&r);
	assert_int_equal(count_keys(e, TOK_PREFIX), base);
	assert_true(token_works(e, e->root));
}

static void
test_unknown_paths(void **state)
{
	struct env *e = *state;
	struct writ_resp r;

	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "nope", NULL, &r), WRIT_ENOTFOUND);
	assert_int_equal(r.status, 404);
	fx_resp_free(&r);
	assert_int_equal(call(e, e->root, WRIT_OP_DELETE, "create", NULL, &r), WRIT_EUNSUPPORTED);
	assert_int_equal(r.status, 405);
	fx_resp_free(&r);
	assert_int_equal(call(e, "hvs.bogus", WRIT_OP_READ, "lookup-self", NULL, &r), WRIT_EDENIED);
	fx_resp_free(&r);
}

/*
 * Fail the Nth allocation during a token creation for N = 1, 2, ...: every
 * failure is an error and leaves either nothing or the complete record set
 * (record, accessor, parent index), never a part of it.
 */
static void
test_fault_injection(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *parent = mk(e, e->root, "create", "{\"policies\":[\"a\"]}", NULL);
	size_t base = count_keys(e, TOK_PREFIX), now;
	long n;
	writ_rc rc;

	for (n = 1; n < 5000; n++) {
		writ_fault_set(n);
		rc = call(e, parent, WRIT_OP_UPDATE, "create", "{\"policies\":[\"a\"]}", &r);
		writ_fault_set(0);
		fx_resp_free(&r);
		now = count_keys(e, TOK_PREFIX);
		assert_true(now == base || now == base + 3);
		if (rc == WRIT_OK) {
			assert_int_equal(now, base + 3);
			if (!writ_fault_fired())
				break;
		} else {
			assert_true(r.status == 0 || r.status >= 400);
		}
		base = now;
	}
	assert_true(n < 5000);
	free(parent);
}

/* The decoded-token cache never outlives a revocation or a use limit. */
static void
test_cache_revocation(void **state)
{
	struct env *e = *state;
	struct writ_resp r;
	char *tok = mk(e, e->root, "create", "{\"policies\":[\"a\"]}", NULL), body[160];
	int i;

	for (i = 0; i < 3; i++) { /* the second and third hit the cache */
		assert_int_equal(call(e, tok, WRIT_OP_READ, "lookup-self", NULL, &r), WRIT_OK);
		fx_resp_free(&r);
	}
	/* Commits that change no token record (a new token) keep the cache... */
	free(mk(e, e->root, "create", "{\"policies\":[\"b\"]}", NULL));
	assert_int_equal(call(e, tok, WRIT_OP_READ, "lookup-self", NULL, &r), WRIT_OK);
	fx_resp_free(&r);
	/* ...a revocation does not. */
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", tok);
	assert_int_equal(call(e, e->root, WRIT_OP_UPDATE, "revoke", body, &r), WRIT_OK);
	if (r.store_seq != 0)
		assert_int_equal(writ_store_sync(e->store, r.store_seq, NULL), WRIT_OK);
	fx_resp_free(&r);
	assert_int_equal(call(e, tok, WRIT_OP_READ, "lookup-self", NULL, &r), WRIT_EDENIED);
	fx_resp_free(&r);
	free(tok);
	/* A limited-use token is never served from the cache. */
	tok = mk(e, e->root, "create", "{\"policies\":[\"a\"],\"num_uses\":2}", NULL);
	assert_int_equal(call(e, tok, WRIT_OP_READ, "lookup-self", NULL, &r), WRIT_OK);
	fx_resp_free(&r);
	assert_int_equal(call(e, tok, WRIT_OP_READ, "lookup-self", NULL, &r), WRIT_OK);
	fx_resp_free(&r);
	assert_int_equal(call(e, tok, WRIT_OP_READ, "lookup-self", NULL, &r), WRIT_EDENIED);
	fx_resp_free(&r);
	free(tok);
}

/* The binary record: a full round trip, every truncation and trailing byte refused. */
static void
test_record_codec(void **state)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	char *pols[] = {"default", "ops"};
	struct tok_rec r = {0}, d;
	struct writ_buf b;
	size_t cut;

	(void)state;
	assert_non_null(a);
	snprintf(r.t.accessor, sizeof(r.t.accessor), "acc123");
	snprintf(r.t.parent_hash, sizeof(r.t.parent_hash), "%064d", 7);
	r.t.policies = pols;
	r.t.npolicies = 2;
	r.t.display_name = "token-ci";
	r.t.path = "auth/token/create";
	r.t.role = "ci";
	r.t.entity_id = "";
	r.t.creation_time = 1700000000;
	r.t.expire_time = -5; /* any int64 survives */
	r.t.num_uses = 3;
	r.t.last_renewal_time = INT64_MAX;
	r.t.renewable = true;
	r.revoked = true;
	r.t.meta = json_pack("{s:s}", "team", "ml");
	r.t.bound_cidrs = json_pack("[s]", "10.0.0.0/8");
	writ_buf_init(&b, 0);
	assert_int_equal(tok_rec_encode(&r, &b), WRIT_OK);
	assert_true(tok_rec_is_binary((unsigned char *)b.ptr, b.len));
	assert_int_equal(tok_rec_decode_binary(a, "ab12", (unsigned char *)b.ptr, b.len, &d), WRIT_OK);
	assert_string_equal(d.t.id_hash, "ab12");
	assert_string_equal(d.t.accessor, "acc123");
	assert_string_equal(d.t.parent_hash, r.t.parent_hash);
	assert_int_equal(d.t.npolicies, 2);
	assert_string_equal(d.t.policies[1], "ops");
	assert_string_equal(d.t.role, "ci");
	assert_int_equal(d.t.expire_time, -5);
	assert_int_equal(d.t.last_renewal_time, INT64_MAX);
	assert_int_equal(d.t.num_uses, 3);
	assert_true(d.t.renewable && d.revoked && !d.t.batch && !d.t.orphan && !d.t.root);
	assert_true(json_equal(d.t.meta, r.t.meta) && json_equal(d.t.bound_cidrs, r.t.bound_cidrs));
	tok_rec_clear(&d);
	for (cut = 0; cut < b.len; cut++)
		assert_int_equal(tok_rec_decode_binary(a, "ab12", (unsigned char *)b.ptr, cut, &d),
		    WRIT_EPARSE);
	assert_int_equal(writ_buf_append(&b, "x", 1), WRIT_OK);
	assert_int_equal(tok_rec_decode_binary(a, "ab12", (unsigned char *)b.ptr, b.len, &d),
	    WRIT_EPARSE);
	writ_buf_free(&b);
	tok_rec_clear(&r);
	writ_arena_free(a);
}

/* Records written as JSON before the binary format are still read. */
static void
test_record_legacy_json(void **state)
{
	struct env *e = *state;
	struct writ_arena *a = writ_arena_new(0, 0);
	const char *hash = "1111111111111111111111111111111111111111111111111111111111111111";
	const char *json = "{\"v\":1,\"type\":\"service\",\"policies\":[\"default\"],"
	                   "\"display_name\":\"old\",\"path\":\"auth/token/create\",\"role\":\"\","
	                   "\"entity_id\":\"\",\"parent\":\"\",\"accessor\":\"oldacc\","
	                   "\"renewable\":true,\"revoked\":false,\"creation_time\":5,\"num_uses\":2}";
	struct writ_err err = {0};
	struct writ_txn *t = NULL;
	struct tok_rec r;
	uint64_t seq;
	char key[128];

	snprintf(key, sizeof(key), "auth/token/id/%s", hash);
	assert_int_equal(writ_txn_begin(e->store, &t, &err), WRIT_OK);
	assert_int_equal(writ_txn_put(t, key, json, strlen(json), &err), WRIT_OK);
	assert_int_equal(writ_txn_commit(t, &seq, &err), WRIT_OK);
	assert_int_equal(writ_txn_begin(e->store, &t, &err), WRIT_OK);
	assert_int_equal(tok_rec_get(NULL, t, a, hash, &r, &err), WRIT_OK);
	writ_txn_abort(t);
	assert_string_equal(r.t.accessor, "oldacc");
	assert_string_equal(r.t.display_name, "old");
	assert_int_equal(r.t.num_uses, 2);
	assert_true(r.t.renewable && r.t.orphan);
	tok_rec_clear(&r);
	writ_arena_free(a);
}

/*
 * Token ids: a new token's id starts with its locator, so ids (and
 * accessors) made later sort after ones made earlier; the rest of the id is
 * the token's digest.  Text without a locator keeps the whole SHA-256.
 */
static void
test_token_ids(void **state)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	char *t1, *t2, *a1, *a2, id1[AUTH_HASH_HEX], id2[AUTH_HASH_HEX], full[AUTH_HASH_HEX];
	struct timespec ms = {0, 2000000};

	(void)state;
	assert_non_null(a);
	t1 = tok_new_text(a, false);
	a1 = tok_new_accessor(a);
	nanosleep(&ms, NULL);
	t2 = tok_new_text(a, true);
	a2 = tok_new_accessor(a);
	assert_non_null(t1);
	assert_non_null(t2);
	assert_non_null(a1);
	assert_non_null(a2);
	assert_true(strncmp(t2, "hvb.", 4) == 0);
	assert_int_equal(strlen(a1), 28);
	assert_true(strcmp(a1, a2) < 0);
	tok_id_of(t1, strlen(t1), id1);
	tok_id_of(t2, strlen(t2), id2);
	assert_int_equal(strlen(id1), 64);
	assert_memory_equal(id1, t1 + 4, 16);
	assert_true(strcmp(id1, id2) < 0);
	auth_sha256_hex(t1, strlen(t1), full);
	assert_memory_equal(id1 + 16, full, 48);
	/* One character off the format: the whole digest. */
	t1[strlen(t1) - 1] = '=';
	tok_id_of(t1, strlen(t1), id1);
	auth_sha256_hex(t1, strlen(t1), full);
	assert_string_equal(id1, full);
	tok_id_of("custom-token", 12, id1);
	auth_sha256_hex("custom-token", 12, full);
	assert_string_equal(id1, full);
	writ_arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cidr_table),
	    cmocka_unit_test(test_record_codec),
	    cmocka_unit_test(test_token_ids),
	    cmocka_unit_test_setup_teardown(test_record_legacy_json, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_create_lookup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_child_subset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_revoke_tree, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_revoke_self_and_orphan, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_num_uses, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ttl_expiry, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_periodic_and_explicit_max, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_renew_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_accessor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_authenticate_edges, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lookup_no_use, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tidy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fault_injection, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache_revocation, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
