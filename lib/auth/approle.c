/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AppRole auth method, with Vault's paths and shapes: roles (CRUD and
 * list), role-id, secret-id (generated or custom, list, lookup and destroy by
 * value or accessor), tidy/secret-id, and login.
 *
 * A role is a JSON object at <prefix>role/<name> holding its settings, its
 * role_id and a random HMAC key.  role_id is indexed by its SHA-256 so the
 * index key reveals nothing; a secret_id is stored only as HMAC-SHA256 under
 * the role's key, at <prefix>secret_id/<name>/<hmac>, with an accessor index
 * <prefix>accessor/<accessor>.  Login consumes a use (or deletes the last
 * one) in the same transaction that validated the secret_id, and only then
 * issues the token, so a crash can lose a use but never grant an extra one.
 * A wrong role_id and a wrong secret_id give the same answer.
 */
#include <string.h>

#include "writ/approle.h"
#include "writ/crypto.h"

#include "auth_int.h"

#define MSGLEN       256
#define META_MAX     64 /* metadata keys on a secret_id */
#define INVALID_CRED "invalid role or secret ID"

enum field_kind {
	F_BOOL,
	F_INT,
	F_DUR,
	F_LIST,
	F_POLICIES,
	F_TYPE,
};

/* Role fields as Vault names them, with their legacy aliases. */
static const struct role_field {
	const char *name;
	const char *alias;
	enum field_kind kind;
} role_fields[] = {
    {"bind_secret_id", NULL, F_BOOL},
    {"secret_id_bound_cidrs", "bound_cidr_list", F_LIST},
    {"secret_id_num_uses", NULL, F_INT},
    {"secret_id_ttl", NULL, F_DUR},
    {"token_policies", "policies", F_POLICIES},
    {"token_ttl", NULL, F_DUR},
    {"token_max_ttl", NULL, F_DUR},
    {"token_explicit_max_ttl", NULL, F_DUR},
    {"token_num_uses", NULL, F_INT},
    {"token_period", "period", F_DUR},
    {"token_bound_cidrs", NULL, F_LIST},
    {"token_no_default_policy", NULL, F_BOOL},
    {"token_type", NULL, F_TYPE},
};

/* A parsed request path: role/<name>/<sub>. */
struct ar_path {
	const char *name; /* lower-cased, arena */
	const char *sub;  /* "", "role-id", "secret-id", "secret-id/lookup", ... */
};

static writ_rc role_get(
    struct writ_req *req, struct writ_txn *t, const char *name, json_t **out, struct writ_err *err);
static writ_rc secret_delete(struct writ_req *req, struct writ_txn *t, const char *name,
    const json_t *entry, struct writ_err *err);

/* ---------------------------------------------------------------------------
 * Keys, JSON and small helpers.
 */

static const char *
prefix(const struct writ_req *req)
{
	return req->mount != NULL ? req->mount->storage_prefix : "auth/approle/";
}

static char *
key_of(struct writ_req *req, const char *kind, const char *a, const char *b)
{
	if (b != NULL)
		return writ_arena_printf(req->arena, "%s%s/%s/%s", prefix(req), kind, a, b);
	return writ_arena_printf(req->arena, "%s%s/%s", prefix(req), kind, a);
}

static int64_t
oint(const json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static const char *
ostr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static writ_rc
get_json(
    struct writ_req *req, struct writ_txn *t, const char *key, json_t **out, struct writ_err *err)
{
	unsigned char *val;
	size_t len;
	json_t *o;
	writ_rc rc;

	*out = NULL;
	if (key == NULL)
		return WRIT_ENOMEM;
	rc = t != NULL ? writ_txn_get(t, req->arena, key, &val, &len, err)
	               : writ_store_get(req->core->store, req->arena, key, &val, &len, err);
	if (rc != WRIT_OK)
		return rc;
	/* json_is_object() is a macro that evaluates its argument twice. */
	o = auth_json_load(val, len);
	if (!json_is_object(o)) {
		json_decref(o);
		return WRIT_ERR(err, WRIT_EINTERNAL, "approle record is corrupt");
	}
	*out = o;
	return WRIT_OK;
}

static writ_rc
del_key(struct writ_txn *t, const char *key, struct writ_err *err)
{
	writ_rc rc;

	if (key == NULL)
		return WRIT_ENOMEM;
	rc = writ_txn_delete(t, key, err);
	return rc == WRIT_ENOTFOUND ? WRIT_OK : rc;
}

static writ_rc
put_key(struct writ_txn *t, const char *key, const json_t *v, struct writ_err *err)
{
	if (key == NULL || v == NULL)
		return WRIT_ENOMEM;
	return auth_txn_put_json(t, key, v, err);
}

/* Commit t (NULL-safe on error paths) and record the batch on resp. */
static writ_rc
commit(struct writ_txn **t, struct writ_resp *resp, struct writ_err *err)
{
	uint64_t seq = 0;
	writ_rc rc = writ_txn_commit(*t, &seq, err);

	*t = NULL;
	auth_seq_max(&resp->store_seq, seq);
	return rc;
}

static writ_rc
done_204(struct writ_resp *resp)
{
	resp->status = 204;
	resp->rc = WRIT_OK;
	return WRIT_OK;
}

static char *
lower_name(struct writ_arena *a, const char *s, size_t len)
{
	char *p = writ_arena_strndup(a, s, len);
	size_t i;

	for (i = 0; p != NULL && p[i] != '\0'; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] - 'A' + 'a');
	return p;
}

/* HMAC-SHA256 of s under the role's key, as hex.  CT: constant in s's content. */
static writ_rc
secret_hmac(const json_t *role, const char *s, char out[AUTH_HASH_HEX])
{
	unsigned char key[WRIT_SHA256_LEN], mac[WRIT_SHA256_LEN];
	const char *hex = ostr(role, "hmac_key");
	writ_rc rc;

	if (strlen(hex) != 2 * sizeof(key) ||
	    (rc = writ_hex_decode(hex, strlen(hex), key)) != WRIT_OK) {
		rc = WRIT_EINTERNAL;
		goto out;
	}
	writ_hmac_sha256(key, sizeof(key), s, strlen(s), mac);
	writ_hex_encode(mac, sizeof(mac), out);
out:
	writ_memzero(key, sizeof(key));
	writ_memzero(mac, sizeof(mac));
	return rc;
}

static writ_rc
role_get(
    struct writ_req *req, struct writ_txn *t, const char *name, json_t **out, struct writ_err *err)
{
	return get_json(req, t, key_of(req, "role", name, NULL), out, err);
}

static writ_rc
not_found_role(struct writ_resp *resp, const char *name)
{
	return writ_resp_err(resp, WRIT_EINVAL, 400, "role \"%s\" does not exist", name);
}

/* ---------------------------------------------------------------------------
 * Roles.
 */

static writ_rc
field_value(struct writ_req *req, const struct role_field *f, const char *name, json_t **v)
{
	int64_t i;
	bool b;
	char **pv;
	size_t n;
	const char *s;
	writ_rc rc;

	switch (f->kind) {
	case F_BOOL:
		rc = writ_req_bool(req, name, &b);
		*v = rc == WRIT_OK ? json_boolean(b) : NULL;
		return rc;
	case F_INT:
		rc = writ_req_int(req, name, &i);
		if (rc == WRIT_OK && i < 0)
			rc = WRIT_EINVAL;
		*v = rc == WRIT_OK ? json_integer(i) : NULL;
		return rc;
	case F_DUR:
		rc = writ_req_duration(req, name, &i);
		*v = rc == WRIT_OK ? json_integer(i) : NULL;
		return rc;
	case F_LIST:
		return auth_body_list(req, name, v);
	case F_POLICIES:
		if ((rc = writ_req_strlist(req, name, &pv, &n)) == WRIT_OK &&
		    (rc = auth_policies_sanitize(req->arena, pv, n, false, &pv, &n)) == WRIT_OK)
			*v = auth_strv_json(pv, n);
		return rc;
	case F_TYPE:
		if ((rc = writ_req_str(req, name, &s)) != WRIT_OK)
			return rc;
		if (strcmp(s, "default-service") == 0 || strcmp(s, "service") == 0)
			s = "service";
		else if (strcmp(s, "default-batch") == 0 || strcmp(s, "batch") == 0)
			s = "batch";
		else if (s[0] == '\0' || strcmp(s, "default") == 0)
			s = "default";
		else
			return WRIT_EINVAL;
		*v = json_string(s);
		return WRIT_OK;
	}
	return WRIT_EINVAL;
}

static writ_rc
role_apply(struct writ_req *req, json_t *role, char *msg, size_t msglen)
{
	size_t i;
	json_t *v;
	writ_rc rc;

	for (i = 0; i < WRIT_ARRAY_LEN(role_fields); i++) {
		const struct role_field *f = &role_fields[i];
		const char *name = auth_body_pick(req, f->name, f->alias);

		v = NULL;
		rc = field_value(req, f, name, &v);
		if (rc == WRIT_ENOTFOUND)
			continue;
		if (rc == WRIT_OK && v == NULL)
			rc = WRIT_ENOMEM;
		if (rc == WRIT_OK && json_object_set_new(role, f->name, v) != 0)
			rc = WRIT_ENOMEM;
		if (rc != WRIT_OK) {
			snprintf(msg, msglen, "invalid value for \"%s\"", name);
			return rc;
		}
	}
	return WRIT_OK;
}

static writ_rc
role_validate(struct writ_req *req, const json_t *role, char *msg, size_t msglen)
{
	int64_t sysmax = writ_core_ttl(req->core, req->mount, INT64_MAX);
	int64_t ttl = oint(role, "token_ttl"), max = oint(role, "token_max_ttl");
	bool batch = strcmp(ostr(role, "token_type"), "batch") == 0;

	if (auth_cidrs_validate(json_object_get(role, "secret_id_bound_cidrs")) != WRIT_OK ||
	    auth_cidrs_validate(json_object_get(role, "token_bound_cidrs")) != WRIT_OK)
		snprintf(msg, msglen, "invalid CIDR blocks");
	else if (ttl < 0 || max < 0 || oint(role, "secret_id_ttl") < 0)
		snprintf(msg, msglen, "TTLs cannot be negative");
	else if (max > 0 && ttl > max)
		snprintf(msg, msglen, "'token_ttl' cannot be greater than 'token_max_ttl'");
	else if (oint(role, "token_period") > sysmax)
		snprintf(msg, msglen, "period is greater than the backend's maximum lease TTL");
	else if (batch &&
	    (oint(role, "token_period") > 0 || oint(role, "token_num_uses") > 0 ||
	        oint(role, "token_explicit_max_ttl") > 0))
		snprintf(msg, msglen,
		    "batch tokens cannot have a period, num_uses or "
		    "explicit_max_ttl");
	else if (!json_is_true(json_object_get(role, "bind_secret_id")) &&
	    json_array_size(json_object_get(role, "secret_id_bound_cidrs")) == 0 &&
	    json_array_size(json_object_get(role, "token_bound_cidrs")) == 0)
		snprintf(msg, msglen, "at least one constraint should be enabled on the role");
	else
		return WRIT_OK;
	return WRIT_EINVAL;
}

/* A new role: Vault's defaults, a random role_id and HMAC key. */
static json_t *
role_new(const char *name)
{
	unsigned char key[WRIT_SHA256_LEN];
	char hex[2 * WRIT_SHA256_LEN + 1], uuid[37];
	json_t *o = NULL;

	if (writ_random(key, sizeof(key)) != WRIT_OK || writ_uuid(uuid) != WRIT_OK)
		goto out;
	writ_hex_encode(key, sizeof(key), hex);
	o = json_pack("{s:s, s:s, s:s, s:b, s:[], s:I, s:I, s:[], s:I, s:I, s:I, s:I, s:I, s:[], "
	              "s:b, s:s}",
	    "name", name, "role_id", uuid, "hmac_key", hex, "bind_secret_id", 1,
	    "secret_id_bound_cidrs", "secret_id_num_uses", (json_int_t)0, "secret_id_ttl",
	    (json_int_t)0, "token_policies", "token_ttl", (json_int_t)0, "token_max_ttl",
	    (json_int_t)0, "token_explicit_max_ttl", (json_int_t)0, "token_num_uses", (json_int_t)0,
	    "token_period", (json_int_t)0, "token_bound_cidrs", "token_no_default_policy", 0,
	    "token_type", "default");
out:
	writ_memzero(key, sizeof(key));
	writ_memzero(hex, sizeof(hex));
	return o;
}

/* Point role_id at name inside t, dropping old_id's index; ECONFLICT if taken. */
static writ_rc
role_id_index(struct writ_req *req, struct writ_txn *t, const char *name, const char *old_id,
    const char *new_id, struct writ_err *err)
{
	char oh[AUTH_HASH_HEX], nh[AUTH_HASH_HEX];
	json_t *idx = NULL;
	writ_rc rc;

	auth_sha256_hex(new_id, strlen(new_id), nh);
	rc = get_json(req, t, key_of(req, "role_id", nh, NULL), &idx, err);
	if (rc == WRIT_OK && strcmp(ostr(idx, "name"), name) != 0)
		rc = WRIT_ECONFLICT;
	json_decref(idx);
	if (rc != WRIT_OK && rc != WRIT_ENOTFOUND)
		return rc;
	if (old_id != NULL && strcmp(old_id, new_id) != 0) {
		auth_sha256_hex(old_id, strlen(old_id), oh);
		if ((rc = del_key(t, key_of(req, "role_id", oh, NULL), err)) != WRIT_OK)
			return rc;
	}
	idx = json_pack("{s:s}", "name", name);
	rc = put_key(t, key_of(req, "role_id", nh, NULL), idx, err);
	json_decref(idx);
	return rc;
}

/* Store role (and its role_id index) in one transaction. */
static writ_rc
role_store(struct writ_req *req, struct writ_resp *resp, const char *name, json_t *role,
    const char *old_id)
{
	struct writ_err err = {0};
	struct writ_txn *t = NULL;
	writ_rc rc;

	if ((rc = writ_txn_begin(req->core->store, &t, &err)) != WRIT_OK)
		goto out;
	rc = role_id_index(req, t, name, old_id, ostr(role, "role_id"), &err);
	if (rc == WRIT_OK)
		rc = put_key(t, key_of(req, "role", name, NULL), role, &err);
	if (rc == WRIT_OK)
		rc = commit(&t, resp, &err);
out:
	writ_txn_abort(t);
	if (rc == WRIT_ECONFLICT)
		return auth_bad(resp, "role_id already in use");
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "approle role");
	return done_204(resp);
}

static writ_rc
role_write(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	struct writ_err err = {0};
	char msg[MSGLEN] = "", *old_id = NULL;
	const char *rid;
	json_t *role = NULL;
	writ_rc rc = role_get(req, NULL, name, &role, &err);

	if (rc == WRIT_ENOTFOUND && (role = role_new(name)) == NULL)
		rc = WRIT_ENOMEM;
	else if (rc == WRIT_OK &&
	    (old_id = writ_arena_strdup(req->arena, ostr(role, "role_id"))) == NULL)
		rc = WRIT_ENOMEM;
	else if (rc == WRIT_ENOTFOUND)
		rc = WRIT_OK;
	if (rc != WRIT_OK) {
		json_decref(role);
		return auth_store_fail(resp, rc, &err, "approle role");
	}
	if (writ_req_str(req, "role_id", &rid) == WRIT_OK && rid[0] != '\0' &&
	    strlen(rid) <= AUTH_SECRET_MAX)
		json_object_set_new(role, "role_id", json_string(rid));
	if ((rc = role_apply(req, role, msg, sizeof(msg))) == WRIT_OK)
		rc = role_validate(req, role, msg, sizeof(msg));
	if (rc == WRIT_OK)
		rc = role_store(req, resp, name, role, old_id);
	else
		rc = rc == WRIT_ENOMEM ? auth_store_fail(resp, rc, NULL, "approle role")
		                       : auth_bad(resp, msg);
	json_decref(role);
	return rc;
}

static writ_rc
role_read(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	struct writ_err err = {0};
	json_t *role = NULL, *d;
	writ_rc rc = role_get(req, NULL, name, &role, &err);

	if (rc == WRIT_ENOTFOUND)
		return writ_resp_err(resp, rc, 404, "%s", "");
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "approle role");
	d = json_deep_copy(role);
	json_decref(role);
	if (d == NULL)
		return auth_store_fail(resp, WRIT_ENOMEM, NULL, "approle role");
	json_object_del(d, "hmac_key");
	json_object_del(d, "role_id");
	json_object_del(d, "name");
	/* Legacy names still read by older clients, and Vault's fixed field. */
	if (json_object_set(d, "policies", json_object_get(d, "token_policies")) != 0 ||
	    json_object_set(d, "period", json_object_get(d, "token_period")) != 0 ||
	    json_object_set_new(d, "local_secret_ids", json_false()) != 0) {
		json_decref(d);
		return auth_store_fail(resp, WRIT_ENOMEM, NULL, "approle role");
	}
	resp->data = d;
	return WRIT_OK;
}

/* Delete up to one batch of the role's secret_ids; *done when none were left. */
static writ_rc
purge_batch(struct writ_req *req, struct writ_resp *resp, const char *name, bool *done,
    struct writ_err *err)
{
	struct writ_txn *t = NULL;
	char *pfx = writ_arena_printf(req->arena, "%ssecret_id/%s/", prefix(req), name);
	char **keys;
	size_t n, i;
	json_t *e;
	writ_rc rc = pfx == NULL ? WRIT_ENOMEM : writ_txn_begin(req->core->store, &t, err);

	if (rc == WRIT_OK)
		rc = writ_txn_list(t, req->arena, pfx, NULL, AUTH_TXN_BATCH, &keys, &n, err);
	*done = rc == WRIT_OK && n == 0;
	for (i = 0; rc == WRIT_OK && !*done && i < n; i++) {
		if ((rc = get_json(req, t, keys[i], &e, err)) == WRIT_OK) {
			rc = secret_delete(req, t, name, e, err);
			json_decref(e);
		} else if (rc == WRIT_EINTERNAL) {
			rc = del_key(t, keys[i], err);
		}
	}
	if (rc == WRIT_OK)
		rc = commit(&t, resp, err);
	writ_txn_abort(t);
	return rc;
}

static writ_rc
role_delete(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	struct writ_err err = {0};
	struct writ_txn *t = NULL;
	char h[AUTH_HASH_HEX];
	json_t *role = NULL;
	bool done = false;
	writ_rc rc = role_get(req, NULL, name, &role, &err);

	if (rc == WRIT_ENOTFOUND)
		return done_204(resp);
	/* Vault's order: the secret_ids go first, then the role_id index and the role. */
	while (rc == WRIT_OK && !done)
		rc = purge_batch(req, resp, name, &done, &err);
	if (rc == WRIT_OK)
		rc = writ_txn_begin(req->core->store, &t, &err);
	if (rc == WRIT_OK) {
		auth_sha256_hex(ostr(role, "role_id"), strlen(ostr(role, "role_id")), h);
		if ((rc = del_key(t, key_of(req, "role_id", h, NULL), &err)) == WRIT_OK &&
		    (rc = del_key(t, key_of(req, "role", name, NULL), &err)) == WRIT_OK)
			rc = commit(&t, resp, &err);
	}
	writ_txn_abort(t);
	json_decref(role);
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "approle role delete");
	return done_204(resp);
}

static writ_rc
list_keys(struct writ_req *req, struct writ_resp *resp, const char *pfx)
{
	struct writ_err err = {0};
	size_t n, i, plen;
	char **keys;
	json_t *arr;
	writ_rc rc;

	if (pfx == NULL)
		return auth_store_fail(resp, WRIT_ENOMEM, NULL, "approle list");
	plen = strlen(pfx);
	rc = writ_store_list(req->core->store, req->arena, pfx, NULL, 0, &keys, &n, &err);
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "approle list");
	if (n == 0)
		return writ_resp_err(resp, WRIT_ENOTFOUND, 404, "%s", "");
	if ((arr = json_array()) == NULL)
		return auth_store_fail(resp, WRIT_ENOMEM, NULL, "approle list");
	for (i = 0; i < n; i++) {
		if (json_array_append_new(arr, json_string(keys[i] + plen)) != 0) {
			json_decref(arr);
			return auth_store_fail(resp, WRIT_ENOMEM, NULL, "approle list");
		}
	}
	resp->data = json_pack("{s:o}", "keys", arr);
	return resp->data ? WRIT_OK : auth_store_fail(resp, WRIT_ENOMEM, NULL, "approle list");
}

static writ_rc
role_id_op(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	struct writ_err err = {0};
	char *old_id;
	const char *rid;
	json_t *role = NULL;
	writ_rc rc = role_get(req, NULL, name, &role, &err);

	if (rc == WRIT_ENOTFOUND)
		return req->op == WRIT_OP_READ ? writ_resp_err(resp, rc, 404, "%s", "")
		                               : not_found_role(resp, name);
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "approle role-id");
	if (req->op == WRIT_OP_READ) {
		resp->data = json_pack("{s:s}", "role_id", ostr(role, "role_id"));
		json_decref(role);
		return resp->data ? WRIT_OK : auth_store_fail(resp, WRIT_ENOMEM, NULL, "role-id");
	}
	if (writ_req_str(req, "role_id", &rid) != WRIT_OK || rid[0] == '\0' ||
	    strlen(rid) > AUTH_SECRET_MAX) {
		json_decref(role);
		return auth_bad(resp, "missing role_id");
	}
	old_id = writ_arena_strdup(req->arena, ostr(role, "role_id"));
	json_object_set_new(role, "role_id", json_string(rid));
	rc = old_id != NULL ? role_store(req, resp, name, role, old_id)
	                    : auth_store_fail(resp, WRIT_ENOMEM, NULL, "role-id");
	json_decref(role);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Secret IDs.
 */

/* "metadata": a JSON object, a JSON object in a string, or "k=v,k2=v2". */
static writ_rc
meta_parse(struct writ_req *req, json_t **out)
{
	json_t *v = json_object_get(req->body, "metadata"), *m = NULL, *e;
	const char *s, *k;
	char **kv;
	size_t n, i;

	if (v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
		m = json_object();
	else if (json_is_object(v))
		m = json_deep_copy(v);
	else if (json_is_string(v) && (s = json_string_value(v))[0] == '{')
		m = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	else if (json_is_string(v) && writ_json_as_strlist(req->arena, v, &kv, &n) == WRIT_OK &&
	    (m = json_object()) != NULL) {
		for (i = 0; i < n; i++) {
			char *eq = strchr(kv[i], '=');

			if (eq == NULL || eq == kv[i]) {
				json_decref(m);
				return WRIT_EINVAL;
			}
			*eq = '\0';
			json_object_set_new(m, kv[i], json_string(eq + 1));
		}
	}
	if (!json_is_object(m) || json_object_size(m) > META_MAX) {
		json_decref(m);
		return WRIT_EINVAL;
	}
	json_object_foreach(m, k, e)
	{
		if (!json_is_string(e)) {
			json_decref(m);
			return WRIT_EINVAL;
		}
	}
	*out = m;
	return WRIT_OK;
}

/* num_uses and ttl of a new secret_id, bounded by the role's. */
static writ_rc
secret_limits(
    struct writ_req *req, const json_t *role, int64_t *uses, int64_t *ttl, char *msg, size_t msglen)
{
	int64_t ruses = oint(role, "secret_id_num_uses"), rttl = oint(role, "secret_id_ttl");
	int64_t sysmax = writ_core_ttl(req->core, req->mount, INT64_MAX);
	writ_rc rc;

	*uses = ruses;
	*ttl = rttl;
	if ((rc = writ_req_int(req, "num_uses", uses)) == WRIT_OK) {
		if (*uses < 0)
			snprintf(msg, msglen, "num_uses cannot be negative");
		else if ((*uses == 0 && ruses > 0) || (ruses > 0 && *uses > ruses))
			snprintf(msg, msglen,
			    "num_uses cannot be higher than the role's "
			    "secret_id_num_uses");
	} else if (rc != WRIT_ENOTFOUND) {
		snprintf(msg, msglen, "invalid num_uses");
	}
	if (msg[0] == '\0' && (rc = writ_req_duration(req, "ttl", ttl)) == WRIT_OK) {
		if ((*ttl == 0 && rttl > 0) || (rttl > 0 && *ttl > rttl))
			snprintf(msg, msglen, "ttl cannot be longer than the role's secret_id_ttl");
	} else if (msg[0] == '\0' && rc != WRIT_ENOTFOUND) {
		snprintf(msg, msglen, "invalid ttl");
	}
	if (*ttl > sysmax)
		*ttl = sysmax;
	return msg[0] != '\0' ? WRIT_EINVAL : WRIT_OK;
}

/* CIDR lists of a new secret_id, each a subset of the role's. */
static writ_rc
secret_cidrs(struct writ_req *req, const json_t *role, json_t **cidrs, json_t **tcidrs, char *msg,
    size_t msglen)
{
	writ_rc rc;

	if ((rc = auth_body_list(req, "cidr_list", cidrs)) == WRIT_ENOTFOUND)
		*cidrs = json_array();
	if (rc == WRIT_OK || rc == WRIT_ENOTFOUND)
		rc = auth_body_list(req, "token_bound_cidrs", tcidrs);
	if (rc == WRIT_ENOTFOUND)
		*tcidrs = json_array();
	if (*cidrs == NULL || *tcidrs == NULL || (rc != WRIT_OK && rc != WRIT_ENOTFOUND))
		snprintf(msg, msglen, "invalid CIDR list");
	else if (auth_cidrs_validate(*cidrs) != WRIT_OK || auth_cidrs_validate(*tcidrs) != WRIT_OK)
		snprintf(msg, msglen, "failed to validate CIDR blocks");
	else if (!auth_cidrs_subset(json_object_get(role, "secret_id_bound_cidrs"), *cidrs) ||
	    !auth_cidrs_subset(json_object_get(role, "token_bound_cidrs"), *tcidrs))
		snprintf(msg, msglen,
		    "failed to verify subset relationship between CIDR blocks "
		    "on the role and CIDR blocks on the secret ID");
	else
		return WRIT_OK;
	return WRIT_EINVAL;
}

/* The stored entry of a new secret_id (everything but the secret itself). */
static writ_rc
secret_entry(struct writ_req *req, const json_t *role, const char *hmac, json_t **out, char *msg,
    size_t msglen)
{
	json_t *meta = NULL, *cidrs = NULL, *tcidrs = NULL;
	int64_t uses, ttl, now = auth_now();
	char acc[37];
	writ_rc rc;

	if ((rc = secret_limits(req, role, &uses, &ttl, msg, msglen)) != WRIT_OK)
		return rc;
	if ((rc = meta_parse(req, &meta)) != WRIT_OK) {
		snprintf(msg, msglen, "failed to parse metadata");
		return rc;
	}
	if ((rc = secret_cidrs(req, role, &cidrs, &tcidrs, msg, msglen)) == WRIT_OK &&
	    (rc = writ_uuid(acc)) == WRIT_OK) {
		*out = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:O, s:O, s:O}", "hmac", hmac,
		    "accessor", acc, "num_uses", (json_int_t)uses, "ttl", (json_int_t)ttl,
		    "creation_time", (json_int_t)now, "expiration_time",
		    (json_int_t)(ttl > 0 ? now + ttl : 0), "last_updated_time", (json_int_t)now,
		    "metadata", meta, "cidr_list", cidrs, "token_bound_cidrs", tcidrs);
		rc = *out != NULL ? WRIT_OK : WRIT_ENOMEM;
	}
	json_decref(meta);
	json_decref(cidrs);
	json_decref(tcidrs);
	return rc;
}

static writ_rc
secret_register(struct writ_req *req, struct writ_resp *resp, const char *name, const json_t *entry,
    struct writ_err *err)
{
	struct writ_txn *t = NULL;
	const char *hmac = ostr(entry, "hmac");
	char *skey = key_of(req, "secret_id", name, hmac);
	json_t *acc = json_pack("{s:s, s:s}", "role", name, "hmac", hmac), *old = NULL;
	writ_rc rc = writ_txn_begin(req->core->store, &t, err);

	if (rc == WRIT_OK && (rc = get_json(req, t, skey, &old, err)) == WRIT_OK) {
		json_decref(old);
		rc = WRIT_ECONFLICT;
	} else if (rc == WRIT_ENOTFOUND) {
		rc = put_key(t, key_of(req, "accessor", ostr(entry, "accessor"), NULL), acc, err);
		if (rc == WRIT_OK)
			rc = put_key(t, skey, entry, err);
		if (rc == WRIT_OK)
			rc = commit(&t, resp, err);
	}
	writ_txn_abort(t);
	json_decref(acc);
	return rc;
}

static writ_rc
secret_create(struct writ_req *req, struct writ_resp *resp, const char *name, bool custom)
{
	struct writ_err err = {0};
	char msg[MSGLEN] = "", hmac[AUTH_HASH_HEX], gen[37];
	const char *secret = gen;
	json_t *role = NULL, *entry = NULL;
	writ_rc rc;

	if (custom &&
	    (writ_req_str(req, "secret_id", &secret) != WRIT_OK || secret[0] == '\0' ||
	        strlen(secret) > AUTH_SECRET_MAX))
		return auth_bad(resp, "missing secret_id");
	if ((rc = role_get(req, NULL, name, &role, &err)) == WRIT_ENOTFOUND)
		return not_found_role(resp, name);
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "approle secret-id");
	if (!json_is_true(json_object_get(role, "bind_secret_id"))) {
		rc = auth_bad(resp, "bind_secret_id is not set on the role");
		goto out;
	}
	if (!custom && (rc = writ_uuid(gen)) != WRIT_OK) {
		rc = auth_store_fail(resp, rc, NULL, "approle secret-id");
		goto out;
	}
	if ((rc = secret_hmac(role, secret, hmac)) == WRIT_OK &&
	    (rc = secret_entry(req, role, hmac, &entry, msg, sizeof(msg))) == WRIT_OK)
		rc = secret_register(req, resp, name, entry, &err);
	if (rc == WRIT_EINVAL && msg[0] != '\0')
		rc = auth_bad(resp, msg);
	else if (rc == WRIT_ECONFLICT)
		rc = auth_bad(resp, "SecretID is already registered");
	else if (rc != WRIT_OK)
		rc = auth_store_fail(resp, rc, &err, "approle secret-id");
	else if ((resp->data = json_pack("{s:s, s:s, s:I, s:I}", "secret_id", secret,
	              "secret_id_accessor", ostr(entry, "accessor"), "secret_id_ttl",
	              (json_int_t)oint(entry, "ttl"), "secret_id_num_uses",
	              (json_int_t)oint(entry, "num_uses"))) == NULL)
		rc = auth_store_fail(resp, WRIT_ENOMEM, NULL, "approle secret-id");
out:
	writ_memzero(gen, sizeof(gen));
	writ_memzero(hmac, sizeof(hmac));
	json_decref(role);
	json_decref(entry);
	return rc;
}

static writ_rc
secret_delete(struct writ_req *req, struct writ_txn *t, const char *name, const json_t *entry,
    struct writ_err *err)
{
	writ_rc rc = del_key(t, key_of(req, "accessor", ostr(entry, "accessor"), NULL), err);

	if (rc == WRIT_OK)
		rc = del_key(t, key_of(req, "secret_id", name, ostr(entry, "hmac")), err);
	return rc;
}

static char *
go_time(struct writ_arena *a, int64_t t)
{
	return t != 0 ? auth_rfc3339(a, t) : writ_arena_strdup(a, "0001-01-01T00:00:00Z");
}

static json_t *
secret_view(struct writ_req *req, const json_t *e)
{
	char *ct = go_time(req->arena, oint(e, "creation_time"));
	char *et = go_time(req->arena, oint(e, "expiration_time"));
	char *ut = go_time(req->arena, oint(e, "last_updated_time"));

	if (ct == NULL || et == NULL || ut == NULL)
		return NULL;
	return json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:O, s:O, s:O}", "secret_id_accessor",
	    ostr(e, "accessor"), "secret_id_num_uses", (json_int_t)oint(e, "num_uses"),
	    "secret_id_ttl", (json_int_t)oint(e, "ttl"), "creation_time", ct, "expiration_time", et,
	    "last_updated_time", ut, "metadata", json_object_get(e, "metadata"), "cidr_list",
	    json_object_get(e, "cidr_list"), "token_bound_cidrs",
	    json_object_get(e, "token_bound_cidrs"));
}

/* Find a secret_id entry by value (secret != NULL) or accessor. */
static writ_rc
secret_find(struct writ_req *req, const json_t *role, const char *name, const char *secret,
    const char *accessor, json_t **out, struct writ_err *err)
{
	char hmac[AUTH_HASH_HEX];
	json_t *idx = NULL;
	writ_rc rc;

	if (secret != NULL) {
		if ((rc = secret_hmac(role, secret, hmac)) != WRIT_OK)
			return rc;
	} else {
		if (strchr(accessor, '/') != NULL || strlen(accessor) > 64)
			return WRIT_ENOTFOUND;
		rc = get_json(req, NULL, key_of(req, "accessor", accessor, NULL), &idx, err);
		if (rc == WRIT_OK &&
		    (strcmp(ostr(idx, "role"), name) != 0 ||
		        strlen(ostr(idx, "hmac")) != AUTH_HASH_HEX - 1))
			rc = WRIT_ENOTFOUND;
		if (rc == WRIT_OK)
			memcpy(hmac, ostr(idx, "hmac"), AUTH_HASH_HEX);
		json_decref(idx);
		if (rc != WRIT_OK)
			return rc;
	}
	rc = get_json(req, NULL, key_of(req, "secret_id", name, hmac), out, err);
	writ_memzero(hmac, sizeof(hmac));
	return rc;
}

static writ_rc
secret_lookup_destroy(
    struct writ_req *req, struct writ_resp *resp, const char *name, bool by_accessor, bool destroy)
{
	struct writ_err err = {0};
	const char *field = by_accessor ? "secret_id_accessor" : "secret_id", *v = NULL;
	struct writ_txn *t = NULL;
	json_t *role = NULL, *e = NULL;
	writ_rc rc;

	if (writ_req_str(req, field, &v) != WRIT_OK || v[0] == '\0' || strlen(v) > AUTH_SECRET_MAX)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "missing %s", field);
	if ((rc = role_get(req, NULL, name, &role, &err)) == WRIT_ENOTFOUND)
		return not_found_role(resp, name);
	if (rc == WRIT_OK)
		rc = secret_find(
		    req, role, name, by_accessor ? NULL : v, by_accessor ? v : NULL, &e, &err);
	json_decref(role);
	if (rc == WRIT_ENOTFOUND && by_accessor)
		return writ_resp_err(resp, rc, 404,
		    "failed to find accessor entry for "
		    "secret_id_accessor: \"%s\"",
		    v);
	if (rc == WRIT_ENOTFOUND)
		return done_204(resp);
	if (rc == WRIT_OK && !destroy) {
		resp->data = secret_view(req, e);
		rc = resp->data != NULL ? WRIT_OK : WRIT_ENOMEM;
	} else if (rc == WRIT_OK && (rc = writ_txn_begin(req->core->store, &t, &err)) == WRIT_OK &&
	    (rc = secret_delete(req, t, name, e, &err)) == WRIT_OK) {
		rc = commit(&t, resp, &err);
		resp->status = rc == WRIT_OK ? 204 : 0;
	}
	writ_txn_abort(t);
	json_decref(e);
	return rc != WRIT_OK ? auth_store_fail(resp, rc, &err, "approle secret-id") : WRIT_OK;
}

static writ_rc
secret_list(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	struct writ_err err = {0};
	char *pfx = writ_arena_printf(req->arena, "%ssecret_id/%s/", prefix(req), name);
	char **keys;
	size_t n, i;
	json_t *role = NULL, *arr = json_array(), *e;
	writ_rc rc =
	    pfx == NULL || arr == NULL ? WRIT_ENOMEM : role_get(req, NULL, name, &role, &err);

	json_decref(role);
	if (rc == WRIT_ENOTFOUND) {
		json_decref(arr);
		return not_found_role(resp, name);
	}
	if (rc == WRIT_OK)
		rc = writ_store_list(req->core->store, req->arena, pfx, NULL, 0, &keys, &n, &err);
	for (i = 0; rc == WRIT_OK && i < n; i++) {
		if ((rc = get_json(req, NULL, keys[i], &e, &err)) == WRIT_OK) {
			if (json_array_append_new(arr, json_string(ostr(e, "accessor"))) != 0)
				rc = WRIT_ENOMEM;
			json_decref(e);
		}
	}
	if (rc == WRIT_OK && json_array_size(arr) == 0)
		rc = writ_resp_err(resp, WRIT_ENOTFOUND, 404, "%s", "");
	else if (rc == WRIT_OK && (resp->data = json_pack("{s:O}", "keys", arr)) == NULL)
		rc = WRIT_ENOMEM;
	json_decref(arr);
	if (rc != WRIT_OK && rc != WRIT_ENOTFOUND)
		return auth_store_fail(resp, rc, &err, "approle secret-id list");
	return rc;
}

/* ---------------------------------------------------------------------------
 * Login.
 */

/*
 * Validate and consume the secret_id in one transaction.  EDENIED means
 * "invalid role or secret ID"; EINVAL with msg a CIDR refusal.
 */
static writ_rc
login_secret(struct writ_req *req, struct writ_resp *resp, const json_t *role, const char *name,
    const char *secret, json_t **entry, char *msg, size_t msglen, struct writ_err *err)
{
	char hmac[AUTH_HASH_HEX];
	struct writ_txn *t = NULL;
	json_t *e = NULL;
	int64_t uses;
	writ_rc rc;

	if ((rc = secret_hmac(role, secret, hmac)) != WRIT_OK ||
	    (rc = writ_txn_begin(req->core->store, &t, err)) != WRIT_OK)
		goto out;
	rc = get_json(req, t, key_of(req, "secret_id", name, hmac), &e, err);
	if (rc == WRIT_ENOTFOUND ||
	    (rc == WRIT_OK &&
	        (strlen(ostr(e, "hmac")) != AUTH_HASH_HEX - 1 ||
	            !writ_ct_eq(ostr(e, "hmac"), hmac, AUTH_HASH_HEX - 1))))
		rc = WRIT_EDENIED;
	if (rc != WRIT_OK)
		goto out;
	if (oint(e, "expiration_time") != 0 && auth_now() >= oint(e, "expiration_time")) {
		if ((rc = secret_delete(req, t, name, e, err)) == WRIT_OK &&
		    (rc = commit(&t, resp, err)) == WRIT_OK)
			rc = WRIT_EDENIED;
		goto out;
	}
	if (!auth_cidrs_allow(json_object_get(e, "cidr_list"), req->remote_addr)) {
		snprintf(msg, msglen,
		    "source address unauthorized by CIDR restrictions on the "
		    "secret ID");
		rc = WRIT_EINVAL;
		goto out;
	}
	if (!auth_cidrs_allow(json_object_get(role, "secret_id_bound_cidrs"), req->remote_addr)) {
		snprintf(
		    msg, msglen, "source address unauthorized by CIDR restrictions on the role");
		rc = WRIT_EINVAL;
		goto out;
	}
	if ((uses = oint(e, "num_uses")) == 1) {
		rc = secret_delete(req, t, name, e, err);
	} else if (uses > 1) {
		json_object_set_new(e, "num_uses", json_integer(uses - 1));
		json_object_set_new(e, "last_updated_time", json_integer(auth_now()));
		rc = put_key(t, key_of(req, "secret_id", name, hmac), e, err);
	}
	if (rc == WRIT_OK && (rc = commit(&t, resp, err)) == WRIT_OK) {
		*entry = e;
		e = NULL;
	}
out:
	writ_txn_abort(t);
	json_decref(e);
	writ_memzero(hmac, sizeof(hmac));
	return rc;
}

static writ_rc
login_issue(struct writ_req *req, struct writ_resp *resp, const json_t *role, const char *name,
    const json_t *entry)
{
	struct writ_token_template tpl = {0};
	struct writ_err err = {0};
	uint64_t seq = 0;
	json_t *meta = entry != NULL ? json_deep_copy(json_object_get(entry, "metadata")) : NULL;
	json_t *tc = entry != NULL ? json_object_get(entry, "token_bound_cidrs") : NULL;
	writ_rc rc;

	if (!json_is_object(meta)) {
		json_decref(meta);
		meta = json_object();
	}
	if (meta == NULL || json_object_set_new(meta, "role_name", json_string(name)) != 0 ||
	    (rc = auth_json_strv(req->arena, json_object_get(role, "token_policies"), &tpl.policies,
	         &tpl.npolicies)) != WRIT_OK) {
		json_decref(meta);
		return auth_store_fail(resp, WRIT_ENOMEM, NULL, "approle login");
	}
	tpl.meta = meta;
	tpl.display_name = "approle";
	tpl.path = writ_arena_printf(
	    req->arena, "%slogin", req->mount != NULL ? req->mount->path : "auth/approle/");
	tpl.ttl = oint(role, "token_ttl");
	tpl.max_ttl = oint(role, "token_max_ttl");
	tpl.explicit_max_ttl = oint(role, "token_explicit_max_ttl");
	tpl.period = oint(role, "token_period");
	tpl.num_uses = oint(role, "token_num_uses");
	tpl.renewable = true;
	tpl.no_default_policy = json_is_true(json_object_get(role, "token_no_default_policy"));
	tpl.bound_cidrs = json_array_size(tc) > 0 ? tc : json_object_get(role, "token_bound_cidrs");
	tpl.batch = strcmp(ostr(role, "token_type"), "batch") == 0;
	tpl.mount = req->mount;
	rc = tpl.path != NULL
	    ? writ_token_issue(req->core, req->arena, &tpl, &resp->auth, &seq, &err)
	    : WRIT_ENOMEM;
	auth_seq_max(&resp->store_seq, seq);
	json_decref(meta);
	if (rc == WRIT_EINVAL)
		return auth_bad(resp, err.msg);
	return rc != WRIT_OK ? auth_store_fail(resp, rc, &err, "approle login") : WRIT_OK;
}

static writ_rc
login(struct writ_req *req, struct writ_resp *resp)
{
	struct writ_err err = {0};
	const char *role_id = NULL, *secret = NULL, *name;
	char h[AUTH_HASH_HEX], msg[MSGLEN] = "";
	json_t *idx = NULL, *role = NULL, *entry = NULL;
	writ_rc rc;

	if (writ_req_str(req, "role_id", &role_id) != WRIT_OK || role_id[0] == '\0')
		return auth_bad(resp, "missing role_id");
	if (strlen(role_id) > AUTH_SECRET_MAX)
		return auth_bad(resp, INVALID_CRED);
	auth_sha256_hex(role_id, strlen(role_id), h);
	rc = get_json(req, NULL, key_of(req, "role_id", h, NULL), &idx, &err);
	name = rc == WRIT_OK ? ostr(idx, "name") : "";
	if (rc == WRIT_OK)
		rc = role_get(req, NULL, name, &role, &err);
	/* The index could be stale: the role must still own this role_id. */
	if (rc == WRIT_OK && strcmp(ostr(role, "role_id"), role_id) != 0)
		rc = WRIT_ENOTFOUND;
	if (rc == WRIT_OK && json_is_true(json_object_get(role, "bind_secret_id"))) {
		if (writ_req_str(req, "secret_id", &secret) != WRIT_OK || secret[0] == '\0')
			rc = WRIT_EINVAL;
		else if (strlen(secret) > AUTH_SECRET_MAX)
			rc = WRIT_EDENIED;
		else
			rc = login_secret(
			    req, resp, role, name, secret, &entry, msg, sizeof(msg), &err);
		if (rc == WRIT_EINVAL && msg[0] == '\0')
			snprintf(msg, sizeof(msg), "missing secret_id");
	} else if (rc == WRIT_OK &&
	    !auth_cidrs_allow(json_object_get(role, "secret_id_bound_cidrs"), req->remote_addr)) {
		snprintf(msg, sizeof(msg),
		    "source address unauthorized by CIDR restrictions on "
		    "the role");
		rc = WRIT_EINVAL;
	}
	if (rc == WRIT_OK)
		rc = login_issue(req, resp, role, name, entry);
	else if (rc == WRIT_ENOTFOUND || rc == WRIT_EDENIED)
		rc = auth_bad(resp, INVALID_CRED);
	else if (rc == WRIT_EINVAL)
		rc = auth_bad(resp, msg);
	else
		rc = auth_store_fail(resp, rc, &err, "approle login");
	json_decref(idx);
	json_decref(role);
	json_decref(entry);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Tidy.
 */

static writ_rc
tidy_one(struct writ_req *req, struct writ_resp *resp, const char *key, bool secret_key,
    struct writ_err *err)
{
	struct writ_txn *t = NULL;
	const char *rest = key + strlen(prefix(req)) + (secret_key ? 10 : 9);
	const char *slash = strchr(rest, '/');
	json_t *e = NULL, *other = NULL;
	char *name = NULL;
	bool drop = false;
	writ_rc rc = writ_txn_begin(req->core->store, &t, err);

	if (rc == WRIT_OK && (rc = get_json(req, t, key, &e, err)) == WRIT_EINTERNAL)
		rc = del_key(t, key, err);
	if (rc == WRIT_OK && e != NULL && secret_key && slash != NULL) {
		name = writ_arena_strndup(req->arena, rest, (size_t)(slash - rest));
		drop = oint(e, "expiration_time") != 0 && auth_now() >= oint(e, "expiration_time");
		if (!drop && (rc = role_get(req, t, name, &other, err)) == WRIT_ENOTFOUND) {
			drop = true;
			rc = WRIT_OK;
		}
		if (drop && rc == WRIT_OK)
			rc = secret_delete(req, t, name, e, err);
	} else if (rc == WRIT_OK && e != NULL && !secret_key) {
		rc = get_json(req, t, key_of(req, "secret_id", ostr(e, "role"), ostr(e, "hmac")),
		    &other, err);
		if (rc == WRIT_ENOTFOUND)
			rc = del_key(t, key, err);
	}
	if (rc == WRIT_OK || rc == WRIT_ENOTFOUND)
		rc = commit(&t, resp, err);
	writ_txn_abort(t);
	json_decref(e);
	json_decref(other);
	return rc;
}

static writ_rc
tidy(struct writ_req *req, struct writ_resp *resp)
{
	static const char *kinds[] = {"secret_id/", "accessor/"};
	struct writ_err err = {0};
	char after[WRIT_STORE_KEY_MAX + 1], *pfx;
	char **keys;
	size_t k, n, i;
	writ_rc rc = WRIT_OK;

	for (k = 0; rc == WRIT_OK && k < WRIT_ARRAY_LEN(kinds); k++) {
		after[0] = '\0';
		if ((pfx = writ_arena_printf(req->arena, "%s%s", prefix(req), kinds[k])) == NULL)
			rc = WRIT_ENOMEM;
		while (rc == WRIT_OK) {
			rc = writ_store_list(req->core->store, req->arena, pfx,
			    after[0] ? after : NULL, 128, &keys, &n, &err);
			if (rc != WRIT_OK || n == 0)
				break;
			for (i = 0; rc == WRIT_OK && i < n; i++)
				rc = tidy_one(req, resp, keys[i], k == 0, &err);
			snprintf(after, sizeof(after), "%s", keys[n - 1]);
		}
	}
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "approle tidy");
	return done_204(resp);
}

/* ---------------------------------------------------------------------------
 * Dispatch.
 */

static bool
is_write(enum writ_op op)
{
	return op == WRIT_OP_CREATE || op == WRIT_OP_UPDATE;
}

static writ_rc
role_sub(struct writ_req *req, struct writ_resp *resp, const struct ar_path *p)
{
	enum writ_op op = req->op;
	const char *s = p->sub;

	if (s[0] == '\0')
		return op == WRIT_OP_READ  ? role_read(req, resp, p->name)
		    : op == WRIT_OP_DELETE ? role_delete(req, resp, p->name)
		    : is_write(op)         ? role_write(req, resp, p->name)
		                           : auth_no_op(resp);
	if (strcmp(s, "role-id") == 0)
		return op == WRIT_OP_READ || is_write(op) ? role_id_op(req, resp, p->name)
		                                          : auth_no_op(resp);
	if (strcmp(s, "secret-id") == 0)
		return is_write(op)      ? secret_create(req, resp, p->name, false)
		    : op == WRIT_OP_LIST ? secret_list(req, resp, p->name)
		                         : auth_no_op(resp);
	if (strcmp(s, "custom-secret-id") == 0)
		return is_write(op) ? secret_create(req, resp, p->name, true) : auth_no_op(resp);
	if (strcmp(s, "secret-id/lookup") == 0 || strcmp(s, "secret-id-accessor/lookup") == 0)
		return is_write(op) ? secret_lookup_destroy(req, resp, p->name, s[9] == '-', false)
		                    : auth_no_op(resp);
	if (strcmp(s, "secret-id/destroy") == 0 || strcmp(s, "secret-id-accessor/destroy") == 0)
		return is_write(op) || op == WRIT_OP_DELETE
		    ? secret_lookup_destroy(req, resp, p->name, s[9] == '-', true)
		    : auth_no_op(resp);
	return auth_no_path(resp);
}

writ_rc
writ_approle_handle(struct writ_req *req, struct writ_resp *resp)
{
	const char *rel = req->rel != NULL ? req->rel : "", *slash;
	struct ar_path p;

	if (strcmp(rel, "login") == 0)
		return is_write(req->op) ? login(req, resp) : auth_no_op(resp);
	if (req->token == NULL)
		return auth_denied(resp);
	if (strcmp(rel, "tidy/secret-id") == 0)
		return is_write(req->op) ? tidy(req, resp) : auth_no_op(resp);
	if (strcmp(rel, "role") == 0 || strcmp(rel, "role/") == 0)
		return req->op == WRIT_OP_LIST
		    ? list_keys(req, resp, writ_arena_printf(req->arena, "%srole/", prefix(req)))
		    : auth_no_op(resp);
	if (strncmp(rel, "role/", 5) != 0)
		return auth_no_path(resp);
	rel += 5;
	slash = strchr(rel, '/');
	p.name = lower_name(req->arena, rel, slash ? (size_t)(slash - rel) : strlen(rel));
	p.sub = slash ? slash + 1 : "";
	if (p.name == NULL)
		return auth_store_fail(resp, WRIT_ENOMEM, NULL, "approle");
	if (!auth_name_valid(p.name))
		return auth_bad(resp, "invalid role name");
	return role_sub(req, resp, &p);
}
