/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tokens: the token store (auth/token/) and the record every authenticated
 * request carries.
 *
 * A service token is "hvs." followed by 43 base64url characters of 256 random
 * bits.  Only SHA-256(token) is stored ("auth/token/id/<hex>"); the accessor is
 * a second random name for the same token ("auth/token/accessor/<acc>"), and
 * the parent/child tree is kept as index keys ("auth/token/parent/<parent
 * hash>/<child hash>") written in the same transaction, so revoking a parent
 * walks its descendants without loading every token.
 */
#ifndef WRIT_TOKEN_H
#define WRIT_TOKEN_H

#include "writ/base.h"
#include "writ/req.h"

struct writ_store;

struct writ_token {
	char id_hash[65];        /* hex SHA-256 of the token */
	char accessor[32];
	char parent_hash[65];    /* "" for orphans */
	char **policies;         /* sorted, unique, arena */
	size_t npolicies;
	json_t *meta;            /* object of strings (owned by the arena's request: decref) */
	const char *display_name;
	const char *path;        /* creation path, e.g. "auth/token/create" */
	int64_t creation_time;   /* unix seconds */
	int64_t creation_ttl;    /* seconds, 0 = no expiry (root) */
	int64_t expire_time;     /* unix seconds, 0 = never */
	int64_t explicit_max_ttl;
	int64_t period;
	int64_t issue_time;
	int64_t num_uses;        /* 0 = unlimited; remaining uses */
	bool renewable;
	bool orphan;
	bool root;               /* has the root policy */
	const char *entity_id;
	json_t *bound_cidrs;     /* array of CIDR strings or NULL */
};

/*
 * Look up a presented token.  Checks expiry (expired tokens are revoked
 * lazily and reported as WRIT_EDENIED "permission denied"), bound CIDRs
 * against remote_addr (may be NULL), and consumes one use when num_uses > 0
 * (the last use revokes the token after the request: *last_use is set).
 * *out is arena-allocated.
 * CT: the token is hashed before lookup, so timing does not depend on it.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_token_authenticate(struct writ_core *core,
    struct writ_arena *a, const char *token, const char *remote_addr,
    struct writ_token **out, bool *last_use, struct writ_err *err);

/* Revoke a token (by its hash) and all its descendants. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_token_revoke_hash(struct writ_core *core,
    const char *id_hash, struct writ_err *err);

/*
 * Create a root token (no parent, no expiry, policy "root").  Used by init and
 * dev mode.  *token gets the secret token text (arena).
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_token_create_root(struct writ_core *core,
    struct writ_arena *a, char **token, struct writ_err *err);

/*
 * Issue a token for a login (approle and later methods).  The caller fills
 * the template fields: policies, meta, display_name, path, ttl fields,
 * num_uses, period, bound_cidrs, renewable.  No parent (logins make
 * orphan-like tokens rooted at the auth method, as Vault does).  Fills the
 * Vault "auth" object into *auth (new reference).
 */
struct writ_token_template {
	char **policies;
	size_t npolicies;
	json_t *meta;            /* borrowed */
	const char *display_name;
	const char *path;
	int64_t ttl;             /* 0 = system default */
	int64_t max_ttl;         /* 0 = system max */
	int64_t explicit_max_ttl;
	int64_t period;
	int64_t num_uses;
	bool renewable;
	bool no_default_policy;
	json_t *bound_cidrs;     /* borrowed, may be NULL */
};
WRIT_API WRIT_MUST_CHECK writ_rc writ_token_issue(struct writ_core *core, struct writ_arena *a,
    const struct writ_token_template *tpl, json_t **auth, struct writ_err *err);

/* The token store backend's handler (mounted at auth/token/). */
WRIT_API writ_rc writ_token_handle(struct writ_req *req, struct writ_resp *resp);

#endif /* WRIT_TOKEN_H */
