/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The token store's API (mounted at auth/token/), with Vault's request and
 * response shapes: create (plain, orphan, through a role), lookup, renew and
 * revoke (by token, self or accessor), revoke-orphan, the accessor list,
 * token roles and tidy.
 *
 * Creation follows Vault's handleCreateCommon: a caller without sudo may only
 * hand its children a subset of its own policies, "root" needs a root
 * parent, periods, orphans through no_parent and custom ids need sudo, and
 * the TTL is the request's (or the mount's default) capped by the maximum
 * and explicit_max_ttl.  writ also caps a child's expiry at its parent's, so
 * no descendant outlives the token it was made from.
 */
#include <string.h>

#include "writ/acl.h"

#include "auth_int.h"

#define OP(x)  (1u << (x))
#define OPS_W  (OP(WRIT_OP_CREATE) | OP(WRIT_OP_UPDATE))
#define MSGLEN 256

typedef writ_rc (*route_fn)(struct writ_req *req, struct writ_resp *resp, const char *arg);

/* A token role ("auth/token/role/<name>"). */
struct tok_role {
	const char *name;
	char **allowed;
	size_t nallowed;
	char **disallowed;
	size_t ndisallowed;
	bool orphan;
	bool renewable;
	bool no_default_policy;
	const char *path_suffix;
	const char *token_type; /* "default-service", "default-batch", "service", "batch" */
	int64_t period;
	int64_t explicit_max_ttl;
	int64_t num_uses;
	json_t *bound_cidrs; /* owned reference or NULL */
};

/* The fields of a create request. */
struct create_in {
	const char *id;
	char **policies;
	size_t npolicies;
	json_t *meta; /* borrowed from the body */
	const char *display_name;
	const char *type;
	int64_t ttl;
	int64_t explicit_max_ttl;
	int64_t period;
	int64_t num_uses;
	bool no_parent;
	bool no_default_policy;
	bool renewable;
};

static bool caller_sudo(const struct writ_req *req);
static writ_rc create_common(
    struct writ_req *req, struct writ_resp *resp, bool orphan, const struct tok_role *role);
static writ_rc role_load(
    struct writ_req *req, const char *name, struct tok_role *out, struct writ_err *err);
static void role_clear(struct tok_role *r);

/* ---------------------------------------------------------------------------
 * Shared pieces.
 */

static bool
caller_sudo(const struct writ_req *req)
{
	return (req->caps & (WRIT_CAP_SUDO | WRIT_CAP_ROOT)) != 0 ||
	    (req->token != NULL && req->token->root);
}

/* Make resp carry a store batch and 204. */
static writ_rc
reply_204(struct writ_resp *resp, uint64_t seq)
{
	auth_seq_max(&resp->store_seq, seq);
	resp->status = 204;
	resp->rc = WRIT_OK;
	return WRIT_OK;
}

static writ_rc
reply_lookup(struct writ_req *req, struct writ_resp *resp, struct tok_rec *r, const char *id)
{
	json_t *d = tok_lookup_json(req->arena, r, id, auth_now());

	tok_rec_clear(r);
	if (d == NULL)
		return auth_store_fail(resp, WRIT_ENOMEM, NULL, "lookup");
	resp->data = d;
	return WRIT_OK;
}

/* Body field "name" as a non-empty string, or NULL. */
static const char *
body_str(const struct writ_req *req, const char *name)
{
	const char *s = NULL;

	if (writ_req_str(req, name, &s) != WRIT_OK || s[0] == '\0')
		return NULL;
	return s;
}

/* ---------------------------------------------------------------------------
 * Lookup.
 */

static writ_rc
find_fail(
    struct writ_resp *resp, writ_rc rc, const struct writ_err *err, const char *msg, int status)
{
	if (rc == WRIT_ENOTFOUND)
		return writ_resp_err(
		    resp, status == 403 ? WRIT_EDENIED : WRIT_EINVAL, status, "%s", msg);
	return auth_store_fail(resp, rc, err, "token lookup");
}

static writ_rc
h_lookup(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	const char *id = body_str(req, "token");
	struct writ_err err = {0};
	struct tok_rec r;
	writ_rc rc;

	(void)arg;
	if (id == NULL)
		id = req->client_token;
	if (id == NULL || id[0] == '\0')
		return auth_bad(resp, "missing token ID");
	rc = tok_find_token(req->core, req->arena, id, &r, &resp->store_seq, &err);
	if (rc != WRIT_OK)
		return find_fail(resp, rc, &err, "bad token", 403);
	return reply_lookup(req, resp, &r, id);
}

static writ_rc
h_lookup_self(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	struct writ_err err = {0};
	struct tok_rec r;
	writ_rc rc;

	(void)arg;
	rc = tok_rec_get(req->core->store, NULL, req->arena, req->token->id_hash, &r, &err);
	if (rc == WRIT_OK && r.revoked) {
		tok_rec_clear(&r);
		rc = WRIT_ENOTFOUND;
	}
	if (rc != WRIT_OK)
		return find_fail(resp, rc, &err, "bad token", 403);
	/* The pipeline consumed a use already; show what the caller saw. */
	r.t.num_uses = req->token->num_uses;
	return reply_lookup(req, resp, &r, req->client_token ? req->client_token : "");
}

static writ_rc
h_lookup_accessor(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	const char *acc = body_str(req, "accessor");
	struct writ_err err = {0};
	struct tok_rec r;
	writ_rc rc;

	(void)arg;
	if (acc == NULL)
		return auth_bad(resp, "missing accessor");
	rc = tok_find_accessor(req->core, req->arena, acc, &r, &resp->store_seq, &err);
	if (rc != WRIT_OK)
		return find_fail(resp, rc, &err, "invalid accessor", 400);
	return reply_lookup(req, resp, &r, "");
}

/* ---------------------------------------------------------------------------
 * Renew.
 */

static writ_rc
renew_common(
    struct writ_req *req, struct writ_resp *resp, const char *hash, const char *client_token)
{
	struct writ_err err = {0};
	struct tok_rec r;
	char msg[MSGLEN] = "";
	int64_t inc = 0;
	writ_rc rc;

	rc = writ_req_duration(req, "increment", &inc);
	if (rc != WRIT_OK && rc != WRIT_ENOTFOUND)
		return auth_bad(resp, "invalid increment");
	rc = tok_renew(req->core, req->mount, req->arena, hash, inc, &r, &resp->store_seq, msg,
	    sizeof(msg), &err);
	if (rc == WRIT_ENOTFOUND)
		return auth_bad(resp, "token not found");
	if (rc == WRIT_EINVAL && msg[0] != '\0')
		return auth_bad(resp, msg);
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "renew");
	resp->auth = tok_auth_json(
	    &r, client_token, r.t.expire_time > auth_now() ? r.t.expire_time - auth_now() : 0);
	tok_rec_clear(&r);
	if (resp->auth == NULL)
		return auth_store_fail(resp, WRIT_ENOMEM, NULL, "renew");
	return WRIT_OK;
}

static writ_rc
h_renew(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	const char *id = body_str(req, "token");
	char hash[AUTH_HASH_HEX];

	(void)arg;
	if (id == NULL)
		return auth_bad(resp, "missing token ID");
	if (strlen(id) > AUTH_TOKEN_MAX)
		return auth_bad(resp, "token not found");
	tok_id_of(id, strlen(id), hash);
	return renew_common(req, resp, hash, id);
}

static writ_rc
h_renew_self(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	(void)arg;
	return renew_common(
	    req, resp, req->token->id_hash, req->client_token ? req->client_token : "");
}

/* The token hash behind the body's "accessor"; on failure resp is filled. */
static writ_rc
accessor_hash(struct writ_req *req, struct writ_resp *resp, char hash[AUTH_HASH_HEX])
{
	const char *acc = body_str(req, "accessor");
	struct writ_err err = {0};
	struct tok_rec r;
	writ_rc rc;

	if (acc == NULL)
		return auth_bad(resp, "missing accessor");
	rc = tok_find_accessor(req->core, req->arena, acc, &r, &resp->store_seq, &err);
	if (rc != WRIT_OK)
		return find_fail(resp, rc, &err, "invalid accessor", 400);
	snprintf(hash, AUTH_HASH_HEX, "%s", r.t.id_hash);
	tok_rec_clear(&r);
	return WRIT_OK;
}

static writ_rc
h_renew_accessor(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	char hash[AUTH_HASH_HEX];
	writ_rc rc;

	(void)arg;
	if ((rc = accessor_hash(req, resp, hash)) != WRIT_OK)
		return rc;
	return renew_common(req, resp, hash, "");
}

/* ---------------------------------------------------------------------------
 * Revoke.
 */

static writ_rc
revoke_hash(struct writ_req *req, struct writ_resp *resp, const char *hash)
{
	struct writ_err err = {0};
	uint64_t seq = 0;
	writ_rc rc = tok_revoke_tree(req->core, hash, &seq, &err);

	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "revoke");
	return reply_204(resp, seq);
}

static writ_rc
h_revoke(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	const char *id = body_str(req, "token");
	char hash[AUTH_HASH_HEX];

	(void)arg;
	if (id == NULL)
		return auth_bad(resp, "missing token ID");
	if (strlen(id) > AUTH_TOKEN_MAX)
		return reply_204(resp, 0);
	tok_id_of(id, strlen(id), hash);
	return revoke_hash(req, resp, hash);
}

static writ_rc
h_revoke_self(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	(void)arg;
	return revoke_hash(req, resp, req->token->id_hash);
}

static writ_rc
h_revoke_accessor(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	char hash[AUTH_HASH_HEX];
	writ_rc rc;

	(void)arg;
	if ((rc = accessor_hash(req, resp, hash)) != WRIT_OK)
		return rc;
	return revoke_hash(req, resp, hash);
}

static writ_rc
h_revoke_orphan(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	const char *id = body_str(req, "token");
	struct writ_err err = {0};
	struct tok_rec r;
	uint64_t seq = 0;
	writ_rc rc;

	(void)arg;
	if (!caller_sudo(req))
		return auth_denied(resp);
	if (id == NULL)
		return auth_bad(resp, "missing token ID");
	rc = tok_find_token(req->core, req->arena, id, &r, &resp->store_seq, &err);
	if (rc != WRIT_OK)
		return find_fail(resp, rc, &err, "token to revoke not found", 400);
	rc = tok_revoke_orphan(req->core, r.t.id_hash, &seq, &err);
	tok_rec_clear(&r);
	if (rc == WRIT_ENOTFOUND)
		return auth_bad(resp, "token to revoke not found");
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "revoke-orphan");
	return reply_204(resp, seq);
}

/* ---------------------------------------------------------------------------
 * Accessors and tidy.
 */

static writ_rc
list_reply(struct writ_req *req, struct writ_resp *resp, const char *prefix)
{
	struct writ_err err = {0};
	size_t n, i, plen = strlen(prefix);
	char **keys;
	json_t *arr;
	writ_rc rc;

	rc = writ_store_list(req->core->store, req->arena, prefix, NULL, 0, &keys, &n, &err);
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "list");
	if (n == 0)
		return writ_resp_err(resp, WRIT_ENOTFOUND, 404, "%s", "");
	if ((arr = json_array()) == NULL)
		return auth_store_fail(resp, WRIT_ENOMEM, NULL, "list");
	for (i = 0; i < n; i++) {
		if (strchr(keys[i] + plen, '/') == NULL &&
		    json_array_append_new(arr, json_string(keys[i] + plen)) != 0) {
			json_decref(arr);
			return auth_store_fail(resp, WRIT_ENOMEM, NULL, "list");
		}
	}
	resp->data = json_pack("{s:o}", "keys", arr);
	return resp->data != NULL ? WRIT_OK : auth_store_fail(resp, WRIT_ENOMEM, NULL, "list");
}

static writ_rc
h_accessors(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	(void)arg;
	if (!caller_sudo(req))
		return auth_denied(resp);
	return list_reply(req, resp, TOK_ACC_PREFIX);
}

static writ_rc
h_tidy(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	struct writ_err err = {0};
	uint64_t seq = 0;
	writ_rc rc;

	(void)arg;
	if ((rc = tok_tidy(req->core, &seq, &err)) != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "tidy");
	return reply_204(resp, seq);
}

/* ---------------------------------------------------------------------------
 * Create.
 */

static writ_rc
parse_dur(const struct writ_req *req, const char *name, const char *alias, int64_t *out)
{
	writ_rc rc = writ_req_duration(req, auth_body_pick(req, name, alias), out);

	return rc == WRIT_ENOTFOUND ? WRIT_OK : rc;
}

static writ_rc
create_parse(const struct writ_req *req, struct create_in *in, char *msg, size_t msglen)
{
	json_t *meta = json_object_get(req->body, "meta"), *v;
	const char *k;
	writ_rc rc;

	memset(in, 0, sizeof(*in));
	in->renewable = true;
	in->id = body_str(req, "id");
	in->display_name = body_str(req, "display_name");
	in->type = body_str(req, "type");
	rc = writ_req_strlist(req, "policies", &in->policies, &in->npolicies);
	if (rc == WRIT_OK && json_is_object(meta)) {
		json_object_foreach(meta, k, v)
		{
			if (!json_is_string(v))
				rc = WRIT_EINVAL;
		}
		in->meta = meta;
	} else if (rc == WRIT_OK && meta != NULL && !json_is_null(meta)) {
		rc = WRIT_EINVAL;
	}
	if (rc == WRIT_ENOTFOUND || rc == WRIT_OK)
		rc = parse_dur(req, "ttl", "lease", &in->ttl);
	if (rc == WRIT_OK)
		rc = parse_dur(req, "explicit_max_ttl", NULL, &in->explicit_max_ttl);
	if (rc == WRIT_OK)
		rc = parse_dur(req, "period", NULL, &in->period);
	if (rc == WRIT_OK && (rc = writ_req_int(req, "num_uses", &in->num_uses)) == WRIT_ENOTFOUND)
		rc = WRIT_OK;
	if (rc == WRIT_OK &&
	    (rc = writ_req_bool(req, "renewable", &in->renewable)) == WRIT_ENOTFOUND)
		rc = WRIT_OK;
	if (rc == WRIT_OK &&
	    (rc = writ_req_bool(req, "no_parent", &in->no_parent)) == WRIT_ENOTFOUND)
		rc = WRIT_OK;
	if (rc == WRIT_OK &&
	    (rc = writ_req_bool(req, "no_default_policy", &in->no_default_policy)) ==
	        WRIT_ENOTFOUND)
		rc = WRIT_OK;
	if (rc != WRIT_OK)
		snprintf(msg, msglen, "Error decoding request: invalid field type");
	return rc;
}

/* Vault's policy rules for a new token; *ok false means msg holds the refusal. */
static writ_rc
create_policies_role(struct writ_req *req, const struct tok_role *role, const struct create_in *in,
    char ***out, size_t *n, char *msg, size_t msglen)
{
	struct writ_arena *a = req->arena;
	bool add = !in->no_default_policy &&
	    !auth_strv_contains(role->disallowed, role->ndisallowed, "default");
	char **allowed, **dis;
	size_t nallowed, ndis, i;
	writ_rc rc;

	*n = 0;
	if (in->npolicies > 0 &&
	    (rc = auth_policies_sanitize(a, in->policies, in->npolicies, add, out, n)) != WRIT_OK)
		return rc;
	if (role->nallowed > 0) {
		rc = auth_policies_sanitize(
		    a, role->allowed, role->nallowed, add, &allowed, &nallowed);
		if (rc != WRIT_OK)
			return rc;
		if (*n == 0) {
			*out = allowed;
			*n = nallowed;
		} else if (!auth_strv_subset(allowed, nallowed, *out, *n)) {
			snprintf(msg, msglen,
			    "token policies must be subset of the role's allowed "
			    "policies");
			return WRIT_EINVAL;
		}
	} else if (*n == 0 &&
	    (rc = auth_policies_sanitize(
	         a, req->token->policies, req->token->npolicies, add, out, n)) != WRIT_OK) {
		return rc;
	}
	if ((rc = auth_policies_sanitize(
	         a, role->disallowed, role->ndisallowed, false, &dis, &ndis)) != WRIT_OK)
		return rc;
	for (i = 0; i < *n; i++) {
		if (auth_strv_contains(dis, ndis, (*out)[i])) {
			snprintf(msg, msglen, "token policy \"%s\" is disallowed by this role",
			    (*out)[i]);
			return WRIT_EINVAL;
		}
	}
	return WRIT_OK;
}

static writ_rc
create_policies(struct writ_req *req, const struct tok_role *role, const struct create_in *in,
    bool sudo, char ***out, size_t *n, char *msg, size_t msglen)
{
	const struct writ_token *parent = req->token;
	char **want = in->policies, **pin, **ppar;
	size_t nwant = in->npolicies, nin, npar, i;
	bool add = false;
	writ_rc rc;

	if (role != NULL && (role->nallowed > 0 || role->ndisallowed > 0)) {
		rc = create_policies_role(req, role, in, &want, &nwant, msg, msglen);
	} else if (in->npolicies == 0) {
		want = parent->policies;
		nwant = parent->npolicies;
		rc = WRIT_OK;
	} else if (!sudo) {
		rc = auth_policies_sanitize(
		    req->arena, in->policies, in->npolicies, false, &pin, &nin);
		if (rc == WRIT_OK)
			rc = auth_policies_sanitize(
			    req->arena, parent->policies, parent->npolicies, false, &ppar, &npar);
		if (rc == WRIT_OK && !auth_strv_subset(ppar, npar, pin, nin)) {
			snprintf(msg, msglen, "child policies must be subset of parent");
			rc = WRIT_EINVAL;
		}
		add = !in->no_default_policy &&
		    auth_strv_contains(parent->policies, parent->npolicies, "default");
	} else {
		add = !in->no_default_policy;
		rc = WRIT_OK;
	}
	if (rc == WRIT_OK)
		rc = auth_policies_sanitize(req->arena, want, nwant, add, out, n);
	if (rc == WRIT_OK && in->no_default_policy)
		auth_strv_remove(*out, n, "default");
	for (i = 0; rc == WRIT_OK && i < *n; i++) {
		if (strcmp((*out)[i], "response-wrapping") == 0 ||
		    strcmp((*out)[i], "control-group") == 0) {
			snprintf(msg, msglen, "cannot assign policy \"%s\"", (*out)[i]);
			rc = WRIT_EINVAL;
		}
	}
	return rc;
}

/* Vault's TTL for a new token, then writ's cap at the parent's expiry. */
static writ_rc
create_ttl(struct writ_req *req, const struct tok_spec *spec, int64_t req_ttl, bool is_root,
    int64_t *out, char *msg, size_t msglen)
{
	const struct writ_token *parent = req->token;
	int64_t max = writ_core_ttl(req->core, req->mount, INT64_MAX), ttl = 0;
	int64_t now = auth_now();

	if (spec->period > 0) {
		ttl = spec->period;
		if (spec->explicit_max_ttl > 0 && ttl > spec->explicit_max_ttl)
			ttl = spec->explicit_max_ttl;
	} else if (req_ttl > 0 || !is_root) {
		ttl = req_ttl > 0 ? req_ttl : writ_core_ttl(req->core, req->mount, 0);
		if (spec->explicit_max_ttl > 0 && spec->explicit_max_ttl < max)
			max = spec->explicit_max_ttl;
		if (ttl > max)
			ttl = max;
	}
	if (ttl == 0 && spec->explicit_max_ttl > 0)
		ttl = spec->explicit_max_ttl;
	if (ttl == 0 && parent->expire_time != 0) {
		snprintf(
		    msg, msglen, "expiring root tokens cannot create non-expiring root tokens");
		return WRIT_EINVAL;
	}
	if (spec->parent_hash != NULL && parent->expire_time != 0) {
		if (parent->expire_time <= now)
			return WRIT_EDENIED;
		if (ttl > parent->expire_time - now)
			ttl = parent->expire_time - now;
	}
	*out = ttl;
	return WRIT_OK;
}

/* Token type, batch restrictions, use counts, display name and path. */
static writ_rc
create_shape(struct writ_req *req, const struct tok_role *role, struct create_in *in,
    struct tok_spec *spec, char *msg, size_t msglen)
{
	const char *type = in->type != NULL ? in->type : "";
	char *dn;
	size_t i;

	if (role != NULL && strcmp(role->token_type, "service") == 0)
		type = "service";
	else if (role != NULL &&
	    (strcmp(role->token_type, "batch") == 0 ||
	        (strcmp(role->token_type, "default-batch") == 0 && !type[0])))
		type = "batch";
	spec->batch = strcmp(type, "batch") == 0;
	if (!spec->batch && type[0] != '\0' && strcmp(type, "service") != 0) {
		snprintf(msg, msglen, "invalid 'token_type' value");
		return WRIT_EINVAL;
	}
	if (spec->batch && (in->explicit_max_ttl > 0 || in->num_uses != 0 || in->period > 0)) {
		snprintf(msg, msglen, "batch tokens cannot have \"%s\" set",
		    in->explicit_max_ttl > 0 ? "explicit_max_ttl"
		        : in->num_uses != 0  ? "num_uses"
		                             : "period");
		return WRIT_EINVAL;
	}
	if (in->num_uses < 0) {
		snprintf(msg, msglen, "number of uses cannot be negative");
		return WRIT_EINVAL;
	}
	if (role != NULL && role->num_uses > 0 && !spec->batch &&
	    (in->num_uses == 0 || role->num_uses < in->num_uses))
		in->num_uses = role->num_uses;
	spec->num_uses = in->num_uses;
	spec->renewable = in->renewable && !spec->batch && (role == NULL || role->renewable);
	spec->display_name = "token";
	if (in->display_name != NULL) {
		if ((dn = writ_arena_printf(req->arena, "token-%s", in->display_name)) == NULL)
			return WRIT_ENOMEM;
		for (i = 0; dn[i] != '\0'; i++)
			if (!((dn[i] >= 'a' && dn[i] <= 'z') || (dn[i] >= 'A' && dn[i] <= 'Z') ||
			        (dn[i] >= '0' && dn[i] <= '9') || dn[i] == '-'))
				dn[i] = '-';
		while (i > 0 && dn[i - 1] == '-')
			dn[--i] = '\0';
		spec->display_name = dn;
	}
	spec->path = role != NULL && role->path_suffix[0] != '\0'
	    ? writ_arena_printf(req->arena, "auth/token/%s/%s", req->rel, role->path_suffix)
	    : writ_arena_printf(req->arena, "auth/token/%s", req->rel);
	return spec->path != NULL ? WRIT_OK : WRIT_ENOMEM;
}

/* Parent, orphan status, bound CIDRs, custom id, period and explicit max. */
static writ_rc
create_lineage(struct writ_req *req, const struct tok_role *role, const struct create_in *in,
    bool orphan, bool sudo, struct tok_spec *spec, char *msg, size_t msglen)
{
	const struct writ_token *parent = req->token;

	spec->parent_hash = parent->id_hash;
	if (role != NULL) {
		if (role->orphan)
			spec->parent_hash = NULL;
		spec->bound_cidrs = role->bound_cidrs;
	} else if (in->no_parent) {
		if (!sudo) {
			snprintf(
			    msg, msglen, "root or sudo privileges required to create orphan token");
			return WRIT_EINVAL;
		}
		spec->parent_hash = NULL;
	} else if (orphan) {
		spec->parent_hash = NULL;
	}
	if (spec->parent_hash != NULL && role == NULL)
		spec->bound_cidrs = parent->bound_cidrs;
	if (in->id != NULL) {
		if (!sudo) {
			snprintf(
			    msg, msglen, "root or sudo privileges required to specify token id");
			return WRIT_EINVAL;
		}
		if (strchr(in->id, '.') != NULL || strlen(in->id) > AUTH_TOKEN_MAX) {
			snprintf(msg, msglen, "custom token ID cannot contain '.' or be this long");
			return WRIT_EINVAL;
		}
		spec->custom_id = in->id;
	}
	if (in->explicit_max_ttl < 0 || in->period < 0 || in->ttl < 0) {
		snprintf(msg, msglen, "ttl, explicit_max_ttl and period must be positive");
		return WRIT_EINVAL;
	}
	if (in->period > 0 && !sudo) {
		snprintf(msg, msglen, "root or sudo privileges required to create periodic token");
		return WRIT_EINVAL;
	}
	spec->explicit_max_ttl = in->explicit_max_ttl;
	spec->period = in->period;
	if (role != NULL && !spec->batch && role->explicit_max_ttl > 0 &&
	    (spec->explicit_max_ttl == 0 || role->explicit_max_ttl < spec->explicit_max_ttl))
		spec->explicit_max_ttl = role->explicit_max_ttl;
	if (role != NULL && !spec->batch && role->period > 0 &&
	    (spec->period == 0 || role->period < spec->period))
		spec->period = role->period;
	return WRIT_OK;
}

static writ_rc
create_issue(struct writ_req *req, struct writ_resp *resp, struct tok_spec *spec)
{
	struct writ_err err = {0};
	struct tok_rec r = {0};
	char *text = NULL;
	writ_rc rc;

	rc = tok_create(req->core, req->arena, spec, &text, &r, &resp->store_seq, &err);
	if (rc == WRIT_ECONFLICT)
		return auth_bad(resp, "cannot create a token with a duplicate ID");
	if (rc == WRIT_EDENIED)
		return auth_denied(resp);
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "create");
	resp->auth = tok_auth_json(&r, text, spec->ttl);
	writ_memzero(text, strlen(text));
	if (resp->auth == NULL) {
		(void)tok_revoke_tree(req->core, r.t.id_hash, &resp->store_seq, NULL);
		tok_rec_clear(&r);
		return auth_store_fail(resp, WRIT_ENOMEM, NULL, "create");
	}
	tok_rec_clear(&r);
	return WRIT_OK;
}

static writ_rc
create_common(
    struct writ_req *req, struct writ_resp *resp, bool orphan, const struct tok_role *role)
{
	const struct writ_token *parent = req->token;
	struct create_in in;
	struct tok_spec spec = {0};
	char msg[MSGLEN] = "";
	bool sudo = caller_sudo(req);
	writ_rc rc;

	if (parent->batch)
		return auth_bad(resp, "batch tokens cannot create more tokens");
	if (parent->num_uses != 0)
		return auth_bad(resp, "restricted use token cannot generate child tokens");
	if ((rc = create_parse(req, &in, msg, sizeof(msg))) != WRIT_OK)
		return auth_bad(resp, msg);
	if (role != NULL) {
		spec.role = role->name;
		in.no_default_policy = in.no_default_policy || role->no_default_policy;
	}
	if ((rc = create_shape(req, role, &in, &spec, msg, sizeof(msg))) == WRIT_OK &&
	    (rc = create_lineage(req, role, &in, orphan, sudo, &spec, msg, sizeof(msg))) == WRIT_OK)
		rc = create_policies(
		    req, role, &in, sudo, &spec.policies, &spec.npolicies, msg, sizeof(msg));
	if (rc == WRIT_OK && auth_strv_contains(spec.policies, spec.npolicies, "root")) {
		if (!parent->root)
			snprintf(msg, sizeof(msg),
			    "root tokens may not be created without parent "
			    "token being root");
		else if (spec.batch)
			snprintf(msg, sizeof(msg), "batch tokens cannot be root tokens");
		rc = msg[0] != '\0' ? WRIT_EINVAL : WRIT_OK;
	}
	if (rc == WRIT_OK)
		rc = create_ttl(req, &spec, in.ttl,
		    auth_strv_contains(spec.policies, spec.npolicies, "root"), &spec.ttl, msg,
		    sizeof(msg));
	if (rc == WRIT_OK && spec.ttl == 0) {
		spec.renewable = false;
		spec.bound_cidrs = NULL;
	}
	spec.meta = in.meta;
	if (rc == WRIT_EDENIED)
		return auth_denied(resp);
	if (rc == WRIT_EINVAL)
		return auth_bad(resp, msg);
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, NULL, "create");
	return create_issue(req, resp, &spec);
}

static writ_rc
h_create(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	(void)arg;
	return create_common(req, resp, false, NULL);
}

static writ_rc
h_create_orphan(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	(void)arg;
	return create_common(req, resp, true, NULL);
}

static writ_rc
h_create_role(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	struct writ_err err = {0};
	struct tok_role role;
	writ_rc rc;

	if (!auth_name_valid(name))
		return auth_bad(resp, "invalid role name");
	rc = role_load(req, name, &role, &err);
	if (rc == WRIT_ENOTFOUND)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "unknown role %s", name);
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "role");
	rc = create_common(req, resp, false, &role);
	role_clear(&role);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Token roles.
 */

static void
role_clear(struct tok_role *r)
{
	json_decref(r->bound_cidrs);
	r->bound_cidrs = NULL;
}

static const char *
ostr(const json_t *o, const char *k, const char *def)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : def;
}

static writ_rc
role_from_json(struct writ_arena *a, const json_t *o, struct tok_role *r)
{
	json_t *c = json_object_get(o, "bound_cidrs");
	writ_rc rc;

	memset(r, 0, sizeof(*r));
	if ((rc = auth_json_strv(a, json_object_get(o, "allowed_policies"), &r->allowed,
	         &r->nallowed)) != WRIT_OK ||
	    (rc = auth_json_strv(a, json_object_get(o, "disallowed_policies"), &r->disallowed,
	         &r->ndisallowed)) != WRIT_OK)
		return rc;
	r->name = writ_arena_strdup(a, ostr(o, "name", ""));
	r->path_suffix = writ_arena_strdup(a, ostr(o, "path_suffix", ""));
	r->token_type = writ_arena_strdup(a, ostr(o, "token_type", "default-service"));
	if (r->name == NULL || r->path_suffix == NULL || r->token_type == NULL)
		return WRIT_ENOMEM;
	r->orphan = json_is_true(json_object_get(o, "orphan"));
	r->renewable = json_is_true(json_object_get(o, "renewable"));
	r->no_default_policy = json_is_true(json_object_get(o, "token_no_default_policy"));
	r->period = (int64_t)json_integer_value(json_object_get(o, "period"));
	r->explicit_max_ttl = (int64_t)json_integer_value(json_object_get(o, "explicit_max_ttl"));
	r->num_uses = (int64_t)json_integer_value(json_object_get(o, "token_num_uses"));
	r->bound_cidrs = json_is_array(c) && json_array_size(c) > 0 ? json_incref(c) : NULL;
	return WRIT_OK;
}

static json_t *
role_to_json(const struct tok_role *r)
{
	json_t *allowed = auth_strv_json(r->allowed, r->nallowed);
	json_t *dis = auth_strv_json(r->disallowed, r->ndisallowed);
	json_t *cidrs = r->bound_cidrs != NULL ? json_incref(r->bound_cidrs) : json_array();

	if (allowed == NULL || dis == NULL || cidrs == NULL) {
		json_decref(allowed);
		json_decref(dis);
		json_decref(cidrs);
		return NULL;
	}
	return json_pack("{s:s, s:o, s:o, s:b, s:b, s:b, s:s, s:s, s:I, s:I, s:I, s:o}", "name",
	    r->name, "allowed_policies", allowed, "disallowed_policies", dis, "orphan", r->orphan,
	    "renewable", r->renewable, "token_no_default_policy", r->no_default_policy,
	    "path_suffix", r->path_suffix, "token_type", r->token_type, "period",
	    (json_int_t)r->period, "explicit_max_ttl", (json_int_t)r->explicit_max_ttl,
	    "token_num_uses", (json_int_t)r->num_uses, "bound_cidrs", cidrs);
}

static writ_rc
role_load(struct writ_req *req, const char *name, struct tok_role *out, struct writ_err *err)
{
	unsigned char *val;
	size_t len;
	json_t *o;
	char *key = writ_arena_printf(req->arena, "%s%s", TOK_ROLE_PREFIX, name);
	writ_rc rc;

	if (key == NULL)
		return WRIT_ENOMEM;
	if ((rc = writ_store_get(req->core->store, req->arena, key, &val, &len, err)) != WRIT_OK)
		return rc;
	if ((o = auth_json_load(val, len)) == NULL)
		return WRIT_ERR(err, WRIT_EINTERNAL, "token role %s is corrupt", name);
	rc = role_from_json(req->arena, o, out);
	json_decref(o);
	if (rc != WRIT_OK)
		role_clear(out);
	return rc;
}

static writ_rc
role_read(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	struct writ_err err = {0};
	struct tok_role r;
	json_t *d;
	writ_rc rc = role_load(req, name, &r, &err);

	if (rc == WRIT_ENOTFOUND)
		return writ_resp_err(resp, rc, 404, "%s", "");
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "role");
	d = role_to_json(&r);
	role_clear(&r);
	if (d == NULL)
		return auth_store_fail(resp, WRIT_ENOMEM, NULL, "role");
	/* Vault's tokenutil names of the same fields, and the unsupported globs. */
	if (json_object_set(d, "token_period", json_object_get(d, "period")) != 0 ||
	    json_object_set(d, "token_explicit_max_ttl", json_object_get(d, "explicit_max_ttl")) !=
	        0 ||
	    json_object_set(d, "token_bound_cidrs", json_object_get(d, "bound_cidrs")) != 0 ||
	    json_object_set_new(d, "allowed_policies_glob", json_array()) != 0 ||
	    json_object_set_new(d, "disallowed_policies_glob", json_array()) != 0 ||
	    json_object_set_new(d, "allowed_entity_aliases", json_array()) != 0) {
		json_decref(d);
		return auth_store_fail(resp, WRIT_ENOMEM, NULL, "role");
	}
	resp->data = d;
	return WRIT_OK;
}

/* Apply the fields present in the body to r (defaults already set). */
static writ_rc
role_apply(struct writ_req *req, struct tok_role *r, char *msg, size_t msglen)
{
	const char *s;
	json_t *cidrs = NULL;
	writ_rc rc = WRIT_OK, frc;

	if ((frc = writ_req_strlist(req, "allowed_policies", &r->allowed, &r->nallowed)) !=
	        WRIT_OK &&
	    frc != WRIT_ENOTFOUND)
		rc = frc;
	if ((frc = writ_req_strlist(req, "disallowed_policies", &r->disallowed, &r->ndisallowed)) !=
	        WRIT_OK &&
	    frc != WRIT_ENOTFOUND)
		rc = frc;
	if ((frc = writ_req_bool(req, "orphan", &r->orphan)) == WRIT_EINVAL ||
	    (frc = writ_req_bool(req, "renewable", &r->renewable)) == WRIT_EINVAL ||
	    (frc = writ_req_bool(req, "token_no_default_policy", &r->no_default_policy)) ==
	        WRIT_EINVAL ||
	    (frc = writ_req_int(req, "token_num_uses", &r->num_uses)) == WRIT_EINVAL ||
	    (frc = writ_req_duration(
	         req, auth_body_pick(req, "token_period", "period"), &r->period)) == WRIT_EINVAL ||
	    (frc = writ_req_duration(req,
	         auth_body_pick(req, "token_explicit_max_ttl", "explicit_max_ttl"),
	         &r->explicit_max_ttl)) == WRIT_EINVAL)
		rc = WRIT_EINVAL;
	if (rc == WRIT_OK && r->nallowed > 0)
		rc = auth_policies_sanitize(
		    req->arena, r->allowed, r->nallowed, false, &r->allowed, &r->nallowed);
	if (rc == WRIT_OK && r->ndisallowed > 0)
		rc = auth_policies_sanitize(req->arena, r->disallowed, r->ndisallowed, false,
		    &r->disallowed, &r->ndisallowed);
	if (writ_req_str(req, "path_suffix", &s) == WRIT_OK)
		r->path_suffix = s;
	if (writ_req_str(req, "token_type", &s) == WRIT_OK)
		r->token_type = s[0] != '\0' && strcmp(s, "default") != 0 ? s : "default-service";
	frc = auth_body_list(req, auth_body_pick(req, "token_bound_cidrs", "bound_cidrs"), &cidrs);
	if (frc == WRIT_OK) {
		json_decref(r->bound_cidrs);
		r->bound_cidrs = json_array_size(cidrs) > 0 ? cidrs : NULL;
		if (r->bound_cidrs == NULL)
			json_decref(cidrs);
	} else if (frc != WRIT_ENOTFOUND) {
		rc = frc;
	}
	if (rc != WRIT_OK)
		snprintf(msg, msglen, "Error decoding request: invalid field type");
	return rc;
}

static writ_rc
role_check(const struct tok_role *r, char *msg, size_t msglen)
{
	static const char *types[] = {"default-service", "default-batch", "service", "batch"};
	size_t i;
	bool type_ok = false;

	for (i = 0; i < WRIT_ARRAY_LEN(types); i++)
		type_ok = type_ok || strcmp(r->token_type, types[i]) == 0;
	if (!type_ok)
		snprintf(msg, msglen, "invalid 'token_type' value");
	else if (strstr(r->path_suffix, "..") != NULL || strlen(r->path_suffix) > AUTH_NAME_MAX)
		snprintf(msg, msglen, "error registering path suffix: invalid suffix");
	else if (r->num_uses < 0 || r->period < 0 || r->explicit_max_ttl < 0)
		snprintf(
		    msg, msglen, "token_num_uses, period and explicit_max_ttl must be positive");
	else if (auth_cidrs_validate(r->bound_cidrs) != WRIT_OK)
		snprintf(msg, msglen, "invalid token_bound_cidrs");
	else if (strcmp(r->token_type, "batch") == 0 &&
	    (r->period > 0 || r->explicit_max_ttl > 0 || r->num_uses > 0))
		snprintf(msg, msglen,
		    "batch tokens cannot have period, explicit_max_ttl or "
		    "token_num_uses set");
	else
		return WRIT_OK;
	return WRIT_EINVAL;
}

static writ_rc
role_write(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	struct writ_err err = {0};
	struct tok_role r;
	char msg[MSGLEN] = "", *key;
	struct writ_txn *t = NULL;
	json_t *o = NULL;
	writ_rc rc = role_load(req, name, &r, &err);

	if (rc == WRIT_ENOTFOUND) {
		memset(&r, 0, sizeof(r));
		r.renewable = true;
		r.path_suffix = "";
		r.token_type = "default-service";
		rc = WRIT_OK;
	}
	r.name = name;
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "role");
	if ((rc = role_apply(req, &r, msg, sizeof(msg))) != WRIT_OK ||
	    (rc = role_check(&r, msg, sizeof(msg))) != WRIT_OK) {
		role_clear(&r);
		return rc == WRIT_ENOMEM ? auth_store_fail(resp, rc, NULL, "role")
		                         : auth_bad(resp, msg);
	}
	o = role_to_json(&r);
	key = writ_arena_printf(req->arena, "%s%s", TOK_ROLE_PREFIX, name);
	rc = o == NULL || key == NULL ? WRIT_ENOMEM : writ_txn_begin(req->core->store, &t, &err);
	if (rc == WRIT_OK && (rc = auth_txn_put_json(t, key, o, &err)) == WRIT_OK) {
		rc = writ_txn_commit(t, &resp->store_seq, &err);
		t = NULL;
	}
	writ_txn_abort(t);
	json_decref(o);
	role_clear(&r);
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "role");
	return reply_204(resp, 0);
}

static writ_rc
role_delete(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	struct writ_err err = {0};
	struct writ_txn *t = NULL;
	char *key = writ_arena_printf(req->arena, "%s%s", TOK_ROLE_PREFIX, name);
	writ_rc rc = key == NULL ? WRIT_ENOMEM : writ_txn_begin(req->core->store, &t, &err);

	if (rc == WRIT_OK &&
	    ((rc = writ_txn_delete(t, key, &err)) == WRIT_OK || rc == WRIT_ENOTFOUND)) {
		rc = writ_txn_commit(t, &resp->store_seq, &err);
		t = NULL;
	}
	writ_txn_abort(t);
	if (rc != WRIT_OK)
		return auth_store_fail(resp, rc, &err, "role");
	return reply_204(resp, 0);
}

static writ_rc
h_role(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	if (!auth_name_valid(name))
		return auth_bad(resp, "invalid role name");
	switch (req->op) {
	case WRIT_OP_READ:
		return role_read(req, resp, name);
	case WRIT_OP_DELETE:
		return role_delete(req, resp, name);
	default:
		return role_write(req, resp, name);
	}
}

static writ_rc
h_roles(struct writ_req *req, struct writ_resp *resp, const char *arg)
{
	(void)arg;
	return list_reply(req, resp, TOK_ROLE_PREFIX);
}

/* ---------------------------------------------------------------------------
 * Dispatch.
 */

static const struct route {
	const char *path; /* exact, or a prefix when it ends in '/' */
	unsigned ops;
	route_fn fn;
} routes[] = {
    {"accessors", OP(WRIT_OP_LIST), h_accessors},
    {"create", OPS_W, h_create},
    {"create-orphan", OPS_W, h_create_orphan},
    {"create/", OPS_W, h_create_role},
    {"lookup", OPS_W, h_lookup},
    {"lookup-accessor", OPS_W, h_lookup_accessor},
    {"lookup-self", OPS_W | OP(WRIT_OP_READ), h_lookup_self},
    {"renew", OPS_W, h_renew},
    {"renew-accessor", OPS_W, h_renew_accessor},
    {"renew-self", OPS_W, h_renew_self},
    {"revoke", OPS_W, h_revoke},
    {"revoke-accessor", OPS_W, h_revoke_accessor},
    {"revoke-orphan", OPS_W, h_revoke_orphan},
    {"revoke-self", OPS_W, h_revoke_self},
    {"roles", OP(WRIT_OP_LIST), h_roles},
    {"roles/", OPS_W | OP(WRIT_OP_READ) | OP(WRIT_OP_DELETE), h_role},
    {"tidy", OPS_W, h_tidy},
};

writ_rc
writ_token_handle(struct writ_req *req, struct writ_resp *resp)
{
	const char *rel = req->rel != NULL ? req->rel : "";
	size_t i, plen;

	for (i = 0; i < WRIT_ARRAY_LEN(routes); i++) {
		const struct route *r = &routes[i];
		const char *arg = "";

		plen = strlen(r->path);
		if (r->path[plen - 1] == '/') {
			if (strncmp(rel, r->path, plen) != 0 || rel[plen] == '\0' ||
			    strchr(rel + plen, '/') != NULL)
				continue;
			arg = rel + plen;
		} else if (strcmp(rel, r->path) != 0) {
			continue;
		}
		if (!(r->ops & OP(req->op)))
			return auth_no_op(resp);
		if (req->token == NULL)
			return auth_denied(resp);
		return r->fn(req, resp, arg);
	}
	return auth_no_path(resp);
}
