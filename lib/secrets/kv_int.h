/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private declarations shared by the files of the KV v2 engine: the request
 * context, the engine configuration and per-secret metadata records as they
 * are held in memory, the storage helpers of kv.c and the endpoint handlers
 * of kv_data.c and kv_meta.c.
 *
 * Convention: every function here that returns an error other than the ones
 * documented as "resp untouched" has already filled c->resp (status, rc and
 * client message), so callers only `goto out`.
 */
#ifndef WRIT_SECRETS_KV_INT_H
#define WRIT_SECRETS_KV_INT_H

#include <jansson.h>

#include "writ/base.h"
#include "writ/core.h"
#include "writ/kv.h"
#include "writ/req.h"
#include "writ/store.h"

#define KV_DVA_DISABLED (-1)         /* mount delete_version_after: disabled */
#define KV_DVA_MAX      4611686018LL /* seconds; keeps ns arithmetic in int64 */
#define KV_LIST_PAGE    1000         /* keys fetched per store list call */
#define KV_JSON_DEPTH   128          /* nesting handled by merge patch and subkeys */
#define KV_TIME_LEN     48           /* RFC 3339 text with nanoseconds */
#define KV_DUR_LEN      48           /* Go duration text ("3h25m19s") */
#define KV_NS           1000000000LL

/* One request being served. */
struct kv_ctx {
	struct writ_req *req;
	struct writ_resp *resp;
	struct writ_store *store;
	const char *path;    /* secret path below the endpoint; "" only for LIST of the root */
	struct writ_err err; /* detail of the last store failure: logged, never sent */
};

/* Engine configuration ("config" key).  Absent = all zero. */
struct kv_config {
	uint32_t max_versions; /* 0 = default (10) */
	bool cas_required;
	int64_t dva; /* delete_version_after seconds; 0 unset, KV_DVA_DISABLED */
};

/* One version's record inside the metadata. Times in ns since the epoch. */
struct kv_version {
	uint64_t num;
	int64_t ctime;
	int64_t dtime; /* 0 = not deleted / not scheduled */
	bool destroyed;
};

/* The metadata record of one secret ("meta/<path>"). */
struct kv_meta {
	bool exists;
	uint64_t current;
	uint64_t oldest;
	uint32_t max_versions;
	bool cas_required;
	int64_t dva;             /* seconds, >= 0 */
	int64_t ctime, utime;    /* ns */
	json_t *custom;          /* object of strings, or NULL when empty (owned) */
	struct kv_version *vers; /* ascending by num, in the request arena */
	size_t nvers;
};

/* ---------------------------------------------------------------------------
 * kv.c: responses.
 */
/* 400 with a client message; returns WRIT_EINVAL. */
writ_rc kv_bad(struct kv_ctx *c, const char *fmt, ...) WRIT_PRINTF(2, 3);
/* 404 with Vault's empty error list ({"errors": []}); returns WRIT_ENOTFOUND. */
writ_rc kv_not_found(struct kv_ctx *c);
/* Log what failed (with c->err) and answer generically; returns rc. */
writ_rc kv_fail(struct kv_ctx *c, writ_rc rc, const char *what);
/* 404 carrying body as resp->data (stolen); returns WRIT_ENOTFOUND. */
writ_rc kv_gone(struct kv_ctx *c, json_t *body);

/* ---------------------------------------------------------------------------
 * kv.c: storage.  txn may be NULL: then reads see durable data.
 */
/* Full store key "<prefix><kind><path>" in the arena (NULL on ENOMEM). */
char *kv_key(struct kv_ctx *c, const char *kind, const char *path);
/* Store key of one version ("<prefix>ver/<path>/<%016 num>"). */
char *kv_ver_key(struct kv_ctx *c, const char *path, uint64_t num);
/* Read and parse a JSON object; WRIT_ENOTFOUND when absent (resp untouched). */
WRIT_MUST_CHECK writ_rc kv_get(
    struct kv_ctx *c, struct writ_txn *txn, const char *key, json_t **out);
/* Serialise v (borrowed) into a wiping buffer and put it under key. */
WRIT_MUST_CHECK writ_rc kv_put(struct kv_ctx *c, struct writ_txn *txn, const char *key, json_t *v);
/* Delete key (absent is not an error). */
WRIT_MUST_CHECK writ_rc kv_del(struct kv_ctx *c, struct writ_txn *txn, const char *key);
WRIT_MUST_CHECK writ_rc kv_begin(struct kv_ctx *c, struct writ_txn **out);
/* Commit *txn (always consumed) and record the sequence in resp->store_seq. */
WRIT_MUST_CHECK writ_rc kv_commit(struct kv_ctx *c, struct writ_txn **txn);

WRIT_MUST_CHECK writ_rc kv_config_load(
    struct kv_ctx *c, struct writ_txn *txn, struct kv_config *out);
WRIT_MUST_CHECK writ_rc kv_config_save(
    struct kv_ctx *c, struct writ_txn *txn, const struct kv_config *cfg);
/* Load the metadata of c->path; absent gives meta->exists = false and WRIT_OK. */
WRIT_MUST_CHECK writ_rc kv_meta_load(struct kv_ctx *c, struct writ_txn *txn, struct kv_meta *meta);
WRIT_MUST_CHECK writ_rc kv_meta_save(
    struct kv_ctx *c, struct writ_txn *txn, const struct kv_meta *meta);
/* Release what meta owns; accepts a zeroed meta. */
void kv_meta_clear(struct kv_meta *meta);
struct kv_version *kv_meta_find(const struct kv_meta *meta, uint64_t num);

/* ---------------------------------------------------------------------------
 * kv.c: values and formats.
 */
int64_t kv_now(void);
/* True if the version is soft-deleted (deletion time reached) or destroyed. */
bool kv_version_gone(const struct kv_version *v, int64_t now);
/* Deletion time of a version created (or undeleted) at `from`, or 0. */
int64_t kv_deletion_time(const struct kv_config *cfg, const struct kv_meta *meta, int64_t from);
/* RFC 3339 with nanoseconds, "" for 0. */
void kv_time_str(int64_t ns, char buf[KV_TIME_LEN]);
/* Go's time.Duration.String() of whole seconds ("0s", "1h0m0s", "-1s"). */
void kv_duration_str(int64_t secs, char buf[KV_DUR_LEN]);
/* {created_time, custom_metadata, deletion_time, destroyed, version}; NULL on ENOMEM. */
json_t *kv_version_json(const struct kv_meta *meta, const struct kv_version *v);
/* custom_metadata as sent to clients: a new reference, JSON null when empty. */
json_t *kv_custom_json(const struct kv_meta *meta);
/* Query parameter as an unsigned number; absent, "" or negative give 0. */
WRIT_MUST_CHECK writ_rc kv_query_u64(struct kv_ctx *c, const char *name, uint64_t *out);
/* Validate a secret path (non-empty segments, no . or .., UTF-8, length). */
WRIT_MUST_CHECK writ_rc kv_path_check(struct kv_ctx *c, const char *path);
bool kv_utf8_ok(const char *s, size_t len);

/* ---------------------------------------------------------------------------
 * Handlers (return resp->rc).
 */
writ_rc kv_data_read(struct kv_ctx *c);
writ_rc kv_data_write(struct kv_ctx *c);
writ_rc kv_data_patch(struct kv_ctx *c);
writ_rc kv_data_delete(struct kv_ctx *c);
writ_rc kv_delete_versions(struct kv_ctx *c);
writ_rc kv_undelete_versions(struct kv_ctx *c);
writ_rc kv_destroy_versions(struct kv_ctx *c);
writ_rc kv_subkeys_read(struct kv_ctx *c);
writ_rc kv_config_read(struct kv_ctx *c);
writ_rc kv_config_write(struct kv_ctx *c);
writ_rc kv_meta_read(struct kv_ctx *c);
writ_rc kv_meta_write(struct kv_ctx *c);
writ_rc kv_meta_patch(struct kv_ctx *c);
writ_rc kv_meta_delete(struct kv_ctx *c);
writ_rc kv_list(struct kv_ctx *c);

/*
 * kv_cache.c: read responses of a secret version (0 = latest) under the
 * store commit generation read before loading them.  get returns a new
 * reference or NULL; put keeps its own reference to data.
 */
json_t *kv_cache_get(const struct kv_ctx *c, uint64_t gen, uint64_t version);
void kv_cache_put(const struct kv_ctx *c, uint64_t gen, uint64_t version, json_t *data);

#endif /* WRIT_SECRETS_KV_INT_H */
