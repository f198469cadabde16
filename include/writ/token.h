/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tokens: the token store (auth/token/) and the record every authenticated
 * request carries.
 *
 * A service token is "hvs." followed by 43 base64url characters of 256 random
 * bits ("hvb." for batch tokens).  Only SHA-256(token) is stored
 * ("auth/token/id/<hex>"); the accessor is a second random name for the same
 * token ("auth/token/accessor/<acc>"), and the parent/child tree is kept as
 * index keys ("auth/token/parent/<parent hash>/<child hash>") written in the
 * same transaction, so revoking a parent walks its descendants without loading
 * every token.  Token roles live at "auth/token/role/<name>".
 *
 * Thread safety: every function may be called from any thread; the store's
 * transactions serialise writers.
 */
#ifndef WRIT_TOKEN_H
#define WRIT_TOKEN_H

#include "writ/base.h"
#include "writ/req.h"

struct writ_store;

struct writ_token {
	char id_hash[65]; /* hex SHA-256 of the token */
	char accessor[32];
	char parent_hash[65]; /* "" for orphans */
	char **policies;      /* sorted, unique, arena */
	size_t npolicies;
	json_t *meta; /* object of strings or NULL (a reference: writ_token_release) */
	const char *display_name;
	const char *path;      /* creation path, e.g. "auth/token/create" */
	int64_t creation_time; /* unix seconds */
	int64_t creation_ttl;  /* seconds, 0 = no expiry (root) */
	int64_t expire_time;   /* unix seconds, 0 = never */
	int64_t explicit_max_ttl;
	int64_t period;
	int64_t issue_time;
	int64_t num_uses; /* 0 = unlimited; remaining uses; -1: this request used the last */
	bool renewable;
	bool orphan;
	bool root; /* has the root policy */
	const char *entity_id;
	json_t *bound_cidrs; /* array of CIDR strings or NULL (a reference) */
	/* Added by lib/auth (the fields above are unchanged). */
	bool batch;                /* batch token ("hvb."): never renewable, cannot make children */
	const char *role;          /* token role it was created through, "" when none */
	int64_t max_ttl;           /* cap on renewals counted from creation, 0 = system max */
	int64_t last_renewal_time; /* unix seconds, 0 = never renewed */
};

/*
 * Drop the JSON references a struct writ_token holds (meta, bound_cidrs) and
 * set them to NULL.  Call once when done with a token returned by
 * writ_token_authenticate (the arena does not own JSON values).  Accepts NULL.
 */
WRIT_API void writ_token_release(struct writ_token *t);

/*
 * Look up a presented token (borrowed, never logged).  Checks expiry (expired
 * tokens are revoked lazily and reported as WRIT_EDENIED "permission
 * denied"), bound CIDRs against remote_addr (may be NULL: then a token with
 * bound CIDRs is refused), and consumes one use when num_uses > 0 in a store
 * transaction that is made durable before returning (the last use sets
 * *last_use: the caller revokes the token with writ_token_revoke_hash after
 * the request; until then the record is marked used up and refused).
 * *out is arena-allocated; release it with writ_token_release.
 * Errors: WRIT_EDENIED (unknown, expired, revoked, CIDR), WRIT_ENOMEM,
 * store errors (WRIT_EDB, WRIT_ESEALED, ...).
 * CT: the token is hashed before lookup, so timing does not depend on it.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_token_authenticate(struct writ_core *core,
    struct writ_arena *a, const char *token, const char *remote_addr, struct writ_token **out,
    bool *last_use, struct writ_err *err);

/*
 * Look up a token (borrowed, never logged) without using it: no use is
 * consumed and no CIDR binding is checked.  For endpoints that inspect
 * another token (sys/capabilities with a token, audit).  Expired tokens are
 * revoked lazily.  *out is arena-allocated; release it with
 * writ_token_release.  Errors: WRIT_EDENIED for unknown, expired, used-up or
 * revoked tokens, WRIT_ENOMEM, store errors.
 * CT: the token is hashed before lookup.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_token_lookup(struct writ_core *core, struct writ_arena *a,
    const char *token, struct writ_token **out, struct writ_err *err);

/*
 * Revoke a token (by its hash) and all its descendants, depth first with an
 * explicit stack and bounded transactions, then make it durable.  A token
 * that does not exist is not an error (revocation is idempotent).
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_token_revoke_hash(
    struct writ_core *core, const char *id_hash, struct writ_err *err);

/*
 * Create a root token (no parent, no expiry, policy "root"), durable on
 * return.  Used by init and dev mode.  *token gets the secret token text
 * (arena; the caller wipes it when done).
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_token_create_root(
    struct writ_core *core, struct writ_arena *a, char **token, struct writ_err *err);

/*
 * Issue a token for a login (approle and later methods).  The caller fills
 * the template fields: policies, meta, display_name, path, ttl fields,
 * num_uses, period, bound_cidrs, renewable.  No parent (logins make
 * orphan-like tokens rooted at the auth method, as Vault does).  The TTL is
 * computed as Vault's framework.CalculateTTL does against the mount's (or
 * the system's) default and maximum.  The token is durable on return.  Fills
 * the Vault "auth" object into *auth (new reference; it holds the secret
 * client_token).
 * Errors: WRIT_EINVAL (bad template: negative values, batch with period or
 * num_uses, "root" policy), WRIT_ENOMEM, store errors.
 */
struct writ_token_template {
	char **policies;
	size_t npolicies;
	json_t *meta; /* borrowed */
	const char *display_name;
	const char *path;
	int64_t ttl;     /* 0 = system default */
	int64_t max_ttl; /* 0 = system max */
	int64_t explicit_max_ttl;
	int64_t period;
	int64_t num_uses;
	bool renewable;
	bool no_default_policy;
	json_t *bound_cidrs; /* borrowed, may be NULL */
	/* Added by lib/auth. */
	bool batch;                     /* issue a batch token */
	const struct writ_mount *mount; /* the auth mount (TTL limits); NULL = system */
};
/*
 * seq: NULL to make the token durable before returning; otherwise *seq gets
 * the batch to sync (a handler puts it in resp->store_seq, so the worker does
 * not wait for the disk and the response is sent once the batch is durable).
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_token_issue(struct writ_core *core, struct writ_arena *a,
    const struct writ_token_template *tpl, json_t **auth, uint64_t *seq,
    struct writ_err *err);

/*
 * Drop the cached token records of core's store (on seal and shutdown; every
 * commit already invalidates them).
 */
WRIT_API void writ_token_cache_flush(struct writ_core *core);

/*
 * How many ancestors t has in the token tree (0 for a root or orphan token,
 * 1 for a child of one, ...): the length of the delegation chain that led
 * to it, at most 64.  A parent that is gone ends the chain.  Parents come
 * from the token cache when they are there.  WRIT_OK, or a store error.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_token_depth(struct writ_core *core, struct writ_arena *a,
    const struct writ_token *t, unsigned *depth, struct writ_err *err);

/*
 * The token store backend's handler (mounted at auth/token/; req->rel is the
 * path below it).  Needs req->token for everything (the pipeline
 * authenticates every auth/token/ request) and reads req->caps for the sudo
 * checks.  Durable writes leave their batch in resp->store_seq.
 */
WRIT_API writ_rc writ_token_handle(struct writ_req *req, struct writ_resp *resp);

#endif /* WRIT_TOKEN_H */
