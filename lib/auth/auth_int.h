/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private declarations shared by the files of lib/auth: the clock (with a
 * test hook), CIDR matching, policy-list and JSON helpers (auth_util.c), and
 * the token store's record layer (token_store.c) that the HTTP handlers
 * (token_api.c) and AppRole (approle.c) build on.
 */
#ifndef WRIT_LIB_AUTH_AUTH_INT_H
#define WRIT_LIB_AUTH_AUTH_INT_H

#include <jansson.h>

#include "writ/base.h"
#include "writ/crypto.h"
#include "writ/core.h"
#include "writ/req.h"
#include "writ/store.h"
#include "writ/token.h"

#define TOK_PREFIX        "auth/token/"
#define TOK_ID_PREFIX     "auth/token/id/"
#define TOK_ACC_PREFIX    "auth/token/accessor/"
#define TOK_PARENT_PREFIX "auth/token/parent/"
#define TOK_ROLE_PREFIX   "auth/token/role/"

#define AUTH_TXN_BATCH  64     /* keys touched per transaction in tree walks */
#define AUTH_STACK_MAX  200000 /* bound on the revocation stack (cycles in a corrupt store) */
#define AUTH_NAME_MAX   128    /* role names */
#define AUTH_TOKEN_MAX  512    /* longest token text accepted */
#define AUTH_SECRET_MAX 4096   /* longest secret_id accepted (Vault's HMAC input cap) */
#define AUTH_CIDR_MAX   64     /* CIDR blocks in one list */
#define AUTH_HASH_HEX   65     /* 64 hex digits and NUL */

/* ---------------------------------------------------------------------------
 * auth_util.c
 */

/* Wall-clock seconds, or the test clock when one is set. */
int64_t auth_now(void);
/* Test hook: replace the clock (NULL restores writ_time_now).  Not thread safe. */
void auth_clock_set(int64_t (*fn)(void));

/* Hex SHA-256 of s into out[65].  CT: time depends only on the length of s. */
void auth_sha256_hex(const char *s, size_t len, char out[AUTH_HASH_HEX]);
/* len random bytes as base64url text (no padding) into the arena; NULL on failure. */
char *auth_random_b64url(struct writ_arena *a, size_t len);

/* True if s is a valid role name: [A-Za-z0-9_.-], 1..AUTH_NAME_MAX bytes. */
bool auth_name_valid(const char *s);

/*
 * Sanitise a policy list as Vault does: trim, lower-case, drop empties, sort,
 * remove duplicates, add "default" when add_default, and reduce to ["root"]
 * when "root" is present.  *out is an arena vector.
 */
writ_rc auth_policies_sanitize(
    struct writ_arena *a, char *const *in, size_t n, bool add_default, char ***out, size_t *nout);
/* Remove name from a sorted vector in place. */
void auth_strv_remove(char **v, size_t *n, const char *name);
bool auth_strv_contains(char *const *v, size_t n, const char *s);
/* True if every element of sub is in super. */
bool auth_strv_subset(char *const *super, size_t nsuper, char *const *sub, size_t nsub);
/* A new JSON array of the strings (NULL on ENOMEM). */
json_t *auth_strv_json(char *const *v, size_t n);
/* JSON array of strings -> arena vector (non-strings are EINVAL). */
writ_rc auth_json_strv(struct writ_arena *a, const json_t *arr, char ***out, size_t *n);

/*
 * Read a list field (array or "a,b" string) of the body into a new JSON array
 * of trimmed, non-empty strings.  Absent: WRIT_ENOTFOUND.
 */
writ_rc auth_body_list(const struct writ_req *req, const char *name, json_t **out);
/* The first present of two body fields (a name and its legacy alias). */
const char *auth_body_pick(const struct writ_req *req, const char *name, const char *alias);

/* CIDR blocks: validate a JSON array of "addr" or "addr/len" strings. */
writ_rc auth_cidrs_validate(const json_t *cidrs);
/* True if cidrs is NULL or empty, or addr lies in one of them. */
bool auth_cidrs_allow(const json_t *cidrs, const char *addr);
/* True if every block of inner lies inside some block of outer (outer empty: true). */
bool auth_cidrs_subset(const json_t *outer, const json_t *inner);

/* RFC 3339 text of a unix time into the arena ("" for 0 when zero_empty). */
char *auth_rfc3339(struct writ_arena *a, int64_t t);

/* Map a store error onto resp (500, generic text) and log the detail. */
writ_rc auth_store_fail(
    struct writ_resp *resp, writ_rc rc, const struct writ_err *err, const char *what);
/* 400 with a message. */
writ_rc auth_bad(struct writ_resp *resp, const char *msg);
/* 403 "permission denied". */
writ_rc auth_denied(struct writ_resp *resp);
/* 404 for an unknown path, 405 for a known path and wrong operation. */
writ_rc auth_no_path(struct writ_resp *resp);
writ_rc auth_no_op(struct writ_resp *resp);
/* Parse a JSON value stored in the store (NULL on bad JSON or ENOMEM). */
json_t *auth_json_load(const unsigned char *val, size_t len);
/* Serialise and put a JSON object at key inside t. */
writ_rc auth_txn_put_json(
    struct writ_txn *t, const char *key, const json_t *v, struct writ_err *err);
/* Remember the highest store sequence of a run of commits. */
void auth_seq_max(uint64_t *acc, uint64_t seq);

/* ---------------------------------------------------------------------------
 * token_store.c: records, creation, lookup, revocation, tidy.
 */

/* A token record as stored, with the public view in t. */
struct tok_rec {
	struct writ_token t;
	bool revoked; /* revocation in progress: refused everywhere */
};

/* What a new token gets; every value already validated and computed. */
struct tok_spec {
	char **policies; /* sanitised */
	size_t npolicies;
	json_t *meta; /* borrowed, may be NULL */
	const char *display_name;
	const char *path;
	const char *role;        /* NULL = none */
	const char *custom_id;   /* NULL = random (sudo callers may choose) */
	const char *parent_hash; /* NULL or "" = orphan */
	int64_t ttl;             /* final TTL, 0 = never expires */
	int64_t max_ttl;
	int64_t explicit_max_ttl;
	int64_t period;
	int64_t num_uses;
	bool renewable;
	bool batch;
	json_t *bound_cidrs; /* borrowed, may be NULL */
};

/* Drop the JSON references of a record; accepts NULL. */
void tok_rec_clear(struct tok_rec *r);
/*
 * Read the record of a hash: through t when t != NULL (sees committed
 * writes), else from durable data.  WRIT_ENOTFOUND when absent.
 */
writ_rc tok_rec_get(struct writ_store *s, struct writ_txn *t, struct writ_arena *a,
    const char *hash, struct tok_rec *out, struct writ_err *err);
/*
 * token_rec.c: the stored binary form of a record.  encode appends to b;
 * decode fills out (strings in a, JSON fields as new references) and returns
 * WRIT_EPARSE for anything truncated or malformed.  is_binary tells the
 * format from the JSON records written before it.
 */
writ_rc tok_rec_encode(const struct tok_rec *r, struct writ_buf *b);
writ_rc tok_rec_decode_binary(struct writ_arena *a, const char *hash, const unsigned char *val,
    size_t len, struct tok_rec *out);
bool tok_rec_is_binary(const unsigned char *val, size_t len);
/*
 * Ids and new identifiers (token_rec.c): the record id of a token's text,
 * a new token text ("hvs."/"hvb." with a time-ordered locator) and a new
 * accessor, both in a.  NULL on failure.
 */
void tok_id_of(const char *token, size_t len, char out[AUTH_HASH_HEX]);
char *tok_new_text(struct writ_arena *a, bool batch);
char *tok_new_accessor(struct writ_arena *a);
/* Write the record of r->t.id_hash inside t. */
writ_rc tok_rec_put(struct writ_txn *t, const struct tok_rec *r, struct writ_err *err);
/* True if the record is expired at now. */
bool tok_rec_expired(const struct tok_rec *r, int64_t now);

/*
 * Create a token in one transaction (record, accessor index, parent index).
 * The parent, when given, is re-read inside the transaction and must still
 * be live.  *token gets the secret text (arena), *out the record, *seq the
 * batch.  WRIT_ECONFLICT for a duplicate custom id, WRIT_EDENIED when the
 * parent is gone.
 */
writ_rc tok_create(struct writ_core *core, struct writ_arena *a, const struct tok_spec *spec,
    char **token, struct tok_rec *out, uint64_t *seq, struct writ_err *err);

/*
 * Find a live token by its text or accessor (durable data).  Expired or
 * used-up records are revoked on the way (seq gets that batch) and reported as
 * WRIT_ENOTFOUND, like absent ones.
 */
writ_rc tok_find_token(struct writ_core *core, struct writ_arena *a, const char *token,
    struct tok_rec *out, uint64_t *seq, struct writ_err *err);
writ_rc tok_find_accessor(struct writ_core *core, struct writ_arena *a, const char *accessor,
    struct tok_rec *out, uint64_t *seq, struct writ_err *err);

/* Revoke hash and its descendants (explicit stack, bounded transactions). */
writ_rc tok_revoke_tree(
    struct writ_core *core, const char *hash, uint64_t *seq, struct writ_err *err);
/* Revoke hash only; its children become orphans. */
writ_rc tok_revoke_orphan(
    struct writ_core *core, const char *hash, uint64_t *seq, struct writ_err *err);

/*
 * Renew a token: new TTL from increment (0 = the creation TTL), the period
 * for periodic tokens, capped by explicit_max_ttl, max_ttl / the mount's
 * maximum from creation, and the parent's expiry.  On a rule failure msg
 * gets the client text and WRIT_EINVAL is returned.
 */
writ_rc tok_renew(struct writ_core *core, const struct writ_mount *m, struct writ_arena *a,
    const char *hash, int64_t increment, struct tok_rec *out, uint64_t *seq, char *msg,
    size_t msglen, struct writ_err *err);

/* Remove dangling index keys and finish interrupted or due revocations. */
writ_rc tok_tidy(struct writ_core *core, uint64_t *seq, struct writ_err *err);

/*
 * The Vault "auth" object of a token (new reference).  client_token may be
 * NULL (renew by accessor: "").  ttl is the lease duration to report.
 */
json_t *tok_auth_json(const struct tok_rec *r, const char *client_token, int64_t ttl);
/* The Vault lookup "data" object; id is the token text or "" (accessor lookups). */
json_t *tok_lookup_json(struct writ_arena *a, const struct tok_rec *r, const char *id, int64_t now);

/*
 * token_cache.c: decoded records of unlimited-use, live tokens, valid while
 * the store's commit generation is unchanged (see the file's comment).
 * get copies the record into the arena (true on a hit); put caches r under
 * the generation read before r was loaded; flush drops a store's entries
 * (NULL: all).
 */
bool tok_cache_get(const struct writ_store *store, uint64_t gen, const char *hash,
    struct writ_arena *a, struct tok_rec *out);
void tok_cache_put(const struct writ_store *store, uint64_t gen, const struct tok_rec *r);
void tok_cache_flush(const struct writ_store *store);

#endif /* WRIT_LIB_AUTH_AUTH_INT_H */
