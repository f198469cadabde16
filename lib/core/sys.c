/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The system backend (sys/): init, seal status, unseal, seal, health, leader,
 * mounts and auth mounts, capabilities, keyring rotation and key status, and
 * the dispatch to policy and audit endpoints.  Also the path classes the
 * pipeline needs: unauthenticated, allowed while sealed, unaudited and
 * root-protected (sudo) paths, as Vault defines them.
 */
#include <stdio.h>
#include <string.h>

#include "writ/crypto.h"
#include "writ/store.h"
#include "writ/token.h"

#include "core_int.h"

static bool
match_any(const char *path, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		size_t len = strlen(list[i]);

		if (list[i][len - 1] == '*') {
			if (strncmp(path, list[i], len - 1) == 0)
				return true;
		} else if (strcmp(path, list[i]) == 0) {
			return true;
		}
	}
	return false;
}

bool
core_path_allowed_sealed(const char *path)
{
	static const char *const l[] = {"sys/init", "sys/seal-status", "sys/unseal",
	    "sys/health", "sys/leader"};

	return match_any(path, l, WRIT_ARRAY_LEN(l));
}

bool
core_path_unaudited(const char *path)
{
	static const char *const l[] = {"sys/init", "sys/seal-status", "sys/seal",
	    "sys/unseal", "sys/health", "sys/leader"};

	return match_any(path, l, WRIT_ARRAY_LEN(l));
}

bool
core_path_unauthenticated(const char *path)
{
	static const char *const l[] = {"sys/init", "sys/seal-status", "sys/unseal",
	    "sys/health", "sys/leader", "sys/wrapping/lookup"};
	const char *slash;

	if (match_any(path, l, WRIT_ARRAY_LEN(l)))
		return true;
	/* auth/<mount>/login for every auth method but the token store. */
	if (strncmp(path, "auth/", 5) != 0 || strncmp(path, "auth/token/", 11) == 0)
		return false;
	slash = strrchr(path, '/');
	return slash != NULL && strcmp(slash, "/login") == 0;
}

bool
core_path_sudo(const char *path)
{
	static const char *const l[] = {"auth/token/accessors", "auth/token/accessors/",
	    "auth/token/revoke-orphan", "sys/audit", "sys/audit/*", "sys/auth/*", "sys/rotate",
	    "sys/seal", "sys/step-down", "sys/raw/*", "sys/remount", "sys/capabilities",
	    "sys/leases/revoke-prefix/*", "sys/leases/revoke-force/*", "sys/revoke-prefix/*",
	    "sys/revoke-force/*", "sys/config/*"};

	return match_any(path, l, WRIT_ARRAY_LEN(l));
}

/* ---------------------------------------------------------------------------
 * Seal, unseal, init, health.
 */

static json_t *
seal_status_json(struct writ_core *core)
{
	struct writ_seal_status st;

	writ_store_seal_status(core->store, &st);
	return json_pack("{s:s, s:b, s:b, s:i, s:i, s:i, s:s, s:s, s:s, s:b, s:b, s:s, s:s}",
	    "type", "shamir", "initialized", st.initialized, "sealed", st.sealed, "t",
	    (int)st.threshold, "n", (int)st.shares, "progress", (int)st.progress, "nonce", "",
	    "version", WRIT_VERSION, "build_date", "", "migration", 0, "recovery_seal", 0,
	    "storage_type", writ_store_backend(core->store), "cluster_name", "writ");
}

static writ_rc
sys_init(struct writ_req *req, struct writ_resp *resp)
{
	struct writ_core_init_result r = {0};
	struct writ_seal_status st;
	struct writ_err err = {0};
	int64_t n = 1, t = 1;
	json_t *hex, *b64;
	size_t i;
	writ_rc rc;

	writ_store_seal_status(req->core->store, &st);
	if (req->op == WRIT_OP_READ) {
		resp->raw = json_pack("{s:b}", "initialized", st.initialized);
		return WRIT_OK;
	}
	if (st.initialized)
		return writ_resp_err(resp, WRIT_ECONFLICT, 400, "%s", "writ is already initialized");
	if (writ_req_int(req, "secret_shares", &n) == WRIT_EINVAL ||
	    writ_req_int(req, "secret_threshold", &t) == WRIT_EINVAL || n < 1 || n > 255 ||
	    t < 1 || t > n)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s",
		    "invalid seal configuration: need 1 <= secret_threshold <= secret_shares <= 255");
	rc = writ_core_init(req->core, req->arena, (unsigned)n, (unsigned)t, false, &r, &err);
	if (rc != WRIT_OK) {
		writ_log(WRIT_LOG_ERROR, "init: %s", err.msg);
		return writ_resp_err(resp, rc, 0, "%s", "initialization failed");
	}
	hex = json_array();
	b64 = json_array();
	for (i = 0; i < r.nkeys; i++) {
		json_array_append_new(hex, json_string(r.keys_hex[i]));
		json_array_append_new(b64, json_string(r.keys_b64[i]));
	}
	resp->raw = json_pack("{s:o, s:o, s:s}", "keys", hex, "keys_base64", b64, "root_token",
	    r.root_token);
	/* jansson holds copies now; the request arena is not a secret arena. */
	for (i = 0; i < r.nkeys; i++) {
		writ_memzero(r.keys_hex[i], strlen(r.keys_hex[i]));
		writ_memzero(r.keys_b64[i], strlen(r.keys_b64[i]));
	}
	if (r.root_token != NULL)
		writ_memzero(r.root_token, strlen(r.root_token));
	return resp->raw != NULL ? WRIT_OK : writ_resp_err(resp, WRIT_ENOMEM, 500, "%s",
	    "internal error");
}

static writ_rc
decode_share(const char *key, unsigned char *out, size_t *outlen)
{
	size_t len = strlen(key);
	unsigned char tmp[WRIT_SHARE_LEN + 8];

	if (len == 2 * WRIT_SHARE_LEN && writ_hex_decode(key, len, out) == WRIT_OK) {
		*outlen = WRIT_SHARE_LEN;
		return WRIT_OK;
	}
	if (len <= 4 * ((WRIT_SHARE_LEN + 2) / 3) &&
	    writ_b64_decode(key, len, tmp, outlen) == WRIT_OK && *outlen == WRIT_SHARE_LEN) {
		memcpy(out, tmp, WRIT_SHARE_LEN);
		writ_memzero(tmp, sizeof(tmp));
		return WRIT_OK;
	}
	writ_memzero(tmp, sizeof(tmp));
	return WRIT_EINVAL;
}

static writ_rc
sys_unseal(struct writ_req *req, struct writ_resp *resp)
{
	struct writ_core *core = req->core;
	unsigned char share[WRIT_SHARE_LEN];
	struct writ_err err = {0};
	const char *key = NULL;
	bool reset = false, done = false;
	size_t len = 0;
	writ_rc rc;

	if (writ_req_bool(req, "reset", &reset) == WRIT_OK && reset) {
		writ_store_unseal_reset(core->store);
		resp->raw = seal_status_json(core);
		return WRIT_OK;
	}
	if (writ_req_str(req, "key", &key) != WRIT_OK)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", "missing required parameter \"key\"");
	if (decode_share(key, share, &len) != WRIT_OK)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s",
		    "'key' must be a valid hex or base64 string");
	pthread_mutex_lock(&core->priv->unseal_lock);
	rc = writ_store_unseal(core->store, share, len, &done, &err);
	if (rc == WRIT_OK && done && (rc = core_post_unseal(core, &err)) != WRIT_OK) {
		writ_log(WRIT_LOG_ERROR, "post-unseal setup failed: %s", err.msg);
		core_pre_seal(core);
		writ_store_seal(core->store);
	}
	pthread_mutex_unlock(&core->priv->unseal_lock);
	writ_memzero(share, sizeof(share));
	if (rc == WRIT_EINVAL)
		return writ_resp_err(resp, rc, 400, "%s", err.msg[0] ? err.msg : "invalid key");
	if (rc == WRIT_EDENIED)
		return writ_resp_err(resp, rc, 400, "%s",
		    "unseal failed: the keys given do not reconstruct the root key; progress was reset");
	if (rc != WRIT_OK)
		return writ_resp_err(resp, rc, 500, "%s", "unseal failed");
	resp->raw = seal_status_json(core);
	return WRIT_OK;
}

static writ_rc
sys_seal(struct writ_req *req, struct writ_resp *resp)
{
	struct writ_core *core = req->core;

	pthread_mutex_lock(&core->priv->unseal_lock);
	core_pre_seal(core);
	writ_store_seal(core->store);
	pthread_mutex_unlock(&core->priv->unseal_lock);
	writ_log(WRIT_LOG_INFO, "sealed by request %s", req->id ? req->id : "");
	resp->status = 204;
	return WRIT_OK;
}

static int
query_code(const struct writ_req *req, const char *name, int def)
{
	const char *v = writ_req_query(req, name);
	uint64_t n;

	if (v == NULL || writ_parse_u64(v, strlen(v), &n) != WRIT_OK || n < 100 || n > 599)
		return def;
	return (int)n;
}

static writ_rc
sys_health(struct writ_req *req, struct writ_resp *resp)
{
	struct writ_seal_status st;

	writ_store_seal_status(req->core->store, &st);
	resp->raw = json_pack("{s:b, s:b, s:b, s:b, s:s, s:s, s:s, s:s, s:I}", "initialized",
	    st.initialized, "sealed", st.sealed, "standby", 0, "performance_standby", 0,
	    "replication_performance_mode", "disabled", "replication_dr_mode", "disabled",
	    "version", WRIT_VERSION, "cluster_name", "writ", "server_time_utc",
	    (json_int_t)writ_time_now());
	if (!st.initialized)
		resp->status = query_code(req, "uninitcode", 501);
	else if (st.sealed)
		resp->status = query_code(req, "sealedcode", 503);
	else
		resp->status = query_code(req, "activecode", 200);
	return WRIT_OK;
}

static writ_rc
sys_leader(struct writ_req *req, struct writ_resp *resp)
{
	(void)req;
	resp->raw = json_pack("{s:b, s:b, s:s, s:s, s:b}", "ha_enabled", 0, "is_self", 1,
	    "leader_address", "", "leader_cluster_address", "", "performance_standby", 0);
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Mounts.
 */

static writ_rc
mount_type_normalise(const char *type, json_t *opts, const char **out)
{
	const char *ver = json_string_value(json_object_get(opts, "version"));
	int64_t iv;

	if (strcmp(type, "kv-v2") == 0) {
		*out = "kv";
		return WRIT_OK;
	}
	if (strcmp(type, "kv") == 0) {
		if (ver == NULL && writ_json_as_int(json_object_get(opts, "version"), &iv) == WRIT_OK)
			ver = iv == 2 ? "2" : "1";
		if (ver != NULL && strcmp(ver, "2") == 0) {
			*out = "kv";
			return WRIT_OK;
		}
		return WRIT_EUNSUPPORTED; /* KV version 1 is not implemented */
	}
	*out = type;
	return core_handler_for_type(type) != NULL ? WRIT_OK : WRIT_EUNSUPPORTED;
}

static writ_rc
sys_mounts(struct writ_req *req, struct writ_resp *resp, const char *rest, bool auth)
{
	struct writ_err err = {0};
	const char *type = NULL, *desc = "", *norm;
	char path[260];
	json_t *opts;
	writ_rc rc;

	if (rest == NULL || rest[0] == '\0') {
		if (req->op != WRIT_OP_READ)
			return writ_resp_err(resp, WRIT_EUNSUPPORTED, 405, "%s", "unsupported operation");
		resp->data = core_mounts_json(req->core, auth);
		resp->data_to_top = true;
		return WRIT_OK;
	}
	snprintf(path, sizeof(path), "%s%s", auth ? "auth/" : "", rest);
	if (req->op == WRIT_OP_DELETE) {
		rc = core_mount_remove(req->core, path, &err);
		if (rc != WRIT_OK)
			return writ_resp_err(resp, rc, 400, "%s", err.msg);
		resp->status = 204;
		return WRIT_OK;
	}
	if (req->op != WRIT_OP_UPDATE && req->op != WRIT_OP_CREATE)
		return writ_resp_err(resp, WRIT_EUNSUPPORTED, 405, "%s", "unsupported operation");
	if (writ_req_str(req, "type", &type) != WRIT_OK)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", "missing required parameter \"type\"");
	if (writ_req_str(req, "description", &desc) == WRIT_EINVAL)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", "\"description\" must be a string");
	opts = json_object_get(req->body, "options");
	if (mount_type_normalise(type, opts, &norm) != WRIT_OK ||
	    (auth != (strcmp(norm, "approle") == 0 || strcmp(norm, "token") == 0)))
		return writ_resp_err(resp, WRIT_EINVAL, 400, "plugin not found in the catalog: %s", type);
	if (strcmp(norm, "token") == 0 || strcmp(norm, "system") == 0)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", "cannot mount this type again");
	rc = core_mount_add(req->core, path, norm, desc, json_is_object(opts) ? opts : NULL, &err);
	if (rc != WRIT_OK)
		return writ_resp_err(resp, rc, 400, "%s", err.msg);
	resp->status = 204;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Capabilities.
 */

static json_t *
caps_json(unsigned caps)
{
	static const unsigned order[] = {WRIT_CAP_CREATE, WRIT_CAP_DELETE, WRIT_CAP_LIST,
	    WRIT_CAP_PATCH, WRIT_CAP_READ, WRIT_CAP_SUDO, WRIT_CAP_UPDATE};
	json_t *a = json_array();
	size_t i;

	if (caps & WRIT_CAP_ROOT) {
		json_array_append_new(a, json_string("root"));
		return a;
	}
	if (caps == 0 || (caps & WRIT_CAP_DENY)) {
		json_array_append_new(a, json_string("deny"));
		return a;
	}
	for (i = 0; i < WRIT_ARRAY_LEN(order); i++) {
		if (caps & order[i])
			json_array_append_new(a, json_string(writ_acl_cap_name(order[i])));
	}
	return a;
}

static writ_rc
sys_capabilities(struct writ_req *req, struct writ_resp *resp, bool self)
{
	struct writ_token *tok = req->token;
	struct writ_err err = {0};
	char **paths = NULL;
	size_t n = 0, i;
	json_t *out;
	writ_rc rc;

	if (writ_req_strlist(req, "paths", &paths, &n) != WRIT_OK &&
	    writ_req_strlist(req, "path", &paths, &n) != WRIT_OK)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", "missing \"paths\"");
	if (n > 256)
		return writ_resp_err(resp, WRIT_ELIMIT, 400, "%s", "too many paths");
	if (!self) {
		const char *t = NULL;

		if (writ_req_str(req, "token", &t) != WRIT_OK)
			return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", "missing \"token\"");
		/* A lookup: asking about a token must not spend one of its uses. */
		rc = writ_token_lookup(req->core, req->arena, t, &tok, &err);
		if (rc != WRIT_OK)
			return writ_resp_err(resp, WRIT_EDENIED, 403, "%s", "permission denied");
	}
	out = json_object();
	for (i = 0; i < n; i++) {
		unsigned caps = 0;

		rc = writ_core_capabilities(req->core, tok->policies, tok->npolicies, paths[i],
		    &caps, &err);
		if (rc != WRIT_OK) {
			json_decref(out);
			if (!self)
				writ_token_release(tok);
			return writ_resp_err(resp, rc, 0, "%s", "internal error");
		}
		json_object_set_new(out, paths[i], caps_json(caps));
		if (n == 1)
			json_object_set_new(out, "capabilities", caps_json(caps));
	}
	if (!self)
		writ_token_release(tok);
	resp->data = out;
	resp->data_to_top = true;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Keyring.
 */

static writ_rc
sys_rotate(struct writ_req *req, struct writ_resp *resp)
{
	struct writ_err err = {0};
	uint32_t term;
	writ_rc rc;

	if (req->op != WRIT_OP_UPDATE && req->op != WRIT_OP_CREATE)
		return writ_resp_err(resp, WRIT_EUNSUPPORTED, 405, "%s", "unsupported operation");
	if ((rc = writ_store_rotate(req->core->store, &term, &err)) != WRIT_OK) {
		writ_log(WRIT_LOG_ERROR, "rotate: %s", err.msg);
		return writ_resp_err(resp, rc, 0, "%s", "keyring rotation failed");
	}
	writ_log(WRIT_LOG_INFO, "keyring rotated to term %u", (unsigned)term);
	resp->status = 204;
	return WRIT_OK;
}

static writ_rc
sys_key_status(struct writ_req *req, struct writ_resp *resp)
{
	struct writ_seal_status st;
	char now[48];

	writ_store_seal_status(req->core->store, &st);
	writ_time_rfc3339(now, sizeof(now), writ_time_now(), 0);
	resp->data = json_pack("{s:i, s:s}", "term", (int)st.term, "install_time", now);
	resp->data_to_top = true;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Dispatch.
 */

writ_rc
core_sys_handle(struct writ_req *req, struct writ_resp *resp)
{
	const char *p = req->rel;

	if (strcmp(p, "init") == 0)
		return sys_init(req, resp);
	if (strcmp(p, "seal-status") == 0)
		return (resp->raw = seal_status_json(req->core)) ? WRIT_OK : WRIT_ENOMEM;
	if (strcmp(p, "unseal") == 0)
		return sys_unseal(req, resp);
	if (strcmp(p, "seal") == 0)
		return sys_seal(req, resp);
	if (strcmp(p, "health") == 0)
		return sys_health(req, resp);
	if (strcmp(p, "leader") == 0)
		return sys_leader(req, resp);
	if (strcmp(p, "mounts") == 0 || strncmp(p, "mounts/", 7) == 0)
		return sys_mounts(req, resp, p[6] ? p + 7 : NULL, false);
	if (strcmp(p, "auth") == 0 || strncmp(p, "auth/", 5) == 0)
		return sys_mounts(req, resp, p[4] ? p + 5 : NULL, true);
	if (strcmp(p, "policy") == 0 || strncmp(p, "policy/", 7) == 0)
		return core_policy_handle(req, resp, p[6] ? p + 7 : NULL, false);
	if (strcmp(p, "policies/acl") == 0 || strncmp(p, "policies/acl/", 13) == 0)
		return core_policy_handle(req, resp, p[12] ? p + 13 : NULL, true);
	if (strcmp(p, "capabilities-self") == 0)
		return sys_capabilities(req, resp, true);
	if (strcmp(p, "capabilities") == 0)
		return sys_capabilities(req, resp, false);
	if (strcmp(p, "audit") == 0 || strncmp(p, "audit/", 6) == 0 ||
	    strncmp(p, "audit-hash/", 11) == 0)
		return core_audit_handle(req, resp, p);
	if (strcmp(p, "rotate") == 0 || strcmp(p, "rotate/keyring") == 0)
		return sys_rotate(req, resp);
	if (strcmp(p, "key-status") == 0)
		return sys_key_status(req, resp);
	return writ_resp_err(resp, WRIT_ENOTFOUND, 404, "%s", "unsupported path");
}
