/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "writ/acl.h"
#include "writ/crypto.h"
#include "writ/token.h"

#include "fixture.h"

static void
unlink_all(const char *path)
{
	char p[600];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

struct writ_store *
fx_store_open(const char *name, char *path, size_t pathlen)
{
	static unsigned counter;
	const char *dir = getenv("WRIT_TEST_TMP");
	unsigned char share[WRIT_SHARE_LEN];
	struct writ_err err = {0};
	struct writ_store *s = NULL;
	bool unsealed = false;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	(void)mkdir(dir, 0700);
	snprintf(path, pathlen, "%s/%s_%d_%u.db", dir, name, (int)getpid(), counter++);
	unlink_all(path);
	assert_int_equal(writ_store_open_sqlite(path, &s, &err), WRIT_OK);
	assert_int_equal(writ_store_init(s, 1, 1, share, &err), WRIT_OK);
	assert_int_equal(writ_store_unseal(s, share, sizeof(share), &unsealed, &err), WRIT_OK);
	assert_true(unsealed);
	writ_memzero(share, sizeof(share));
	return s;
}

void
fx_store_close(struct writ_store *s, const char *path)
{
	writ_store_close(s);
	unlink_all(path);
}

void
fx_resp_free(struct writ_resp *r)
{
	json_decref(r->data);
	json_decref(r->auth);
	json_decref(r->raw);
	json_decref(r->warnings);
	memset(r, 0, sizeof(*r));
}

const char *
fx_jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	assert_non_null(s);
	return s;
}

json_int_t
fx_jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

writ_rc
fx_serve(const struct fx_target *t, const char *token, enum writ_op op, const char *rel,
    const char *body, struct writ_resp *resp)
{
	struct writ_req req = {0};
	struct writ_err err = {0};
	struct writ_arena *a = writ_arena_new(0, 0);
	bool last = false;
	writ_rc rc;

	memset(resp, 0, sizeof(*resp));
	if (a == NULL)
		return WRIT_ENOMEM;
	req.arena = a;
	req.core = t->core;
	req.op = op;
	req.rel = rel;
	req.path = rel;
	req.mount = t->mount;
	req.body = body != NULL ? json_loads(body, 0, NULL) : json_object();
	assert_non_null(req.body);
	req.client_token = token;
	req.remote_addr = t->remote;
	if (token != NULL) {
		rc = writ_token_authenticate(t->core, a, token, t->remote, &req.token, &last, &err);
		if (rc != WRIT_OK) {
			writ_resp_err(
			    resp, rc, 0, "%s", rc == WRIT_EDENIED ? "permission denied" : err.msg);
			goto out;
		}
		req.caps = req.token->root ? WRIT_CAP_ROOT | WRIT_CAP_SUDO : t->caps;
	}
	rc = t->handle(&req, resp);
	if (resp->store_seq != 0 &&
	    writ_store_sync(t->core->store, resp->store_seq, &err) != WRIT_OK && rc == WRIT_OK)
		rc = writ_resp_err(resp, err.code, 500, "internal error");
	if (last && writ_token_revoke_hash(t->core, req.token->id_hash, &err) != WRIT_OK &&
	    rc == WRIT_OK)
		rc = writ_resp_err(resp, err.code, 500, "internal error");
	writ_token_release(req.token);
out:
	json_decref(req.body);
	writ_arena_free(a);
	return rc;
}

char *
fx_core_root(struct writ_core *core, struct writ_store *s)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_err err = {0};
	char *root = NULL, *copy;

	assert_non_null(a);
	core->store = s;
	core->default_lease_ttl = 2764800;
	core->max_lease_ttl = 2764800;
	assert_int_equal(writ_token_create_root(core, a, &root, &err), WRIT_OK);
	copy = strdup(root);
	assert_non_null(copy);
	writ_arena_free(a);
	return copy;
}
