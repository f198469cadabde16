/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private declarations shared by the files of lib/policy: the store and its
 * snapshots (store.c), the JSON text scanner and editor that keeps numbers
 * and strings exactly as written (json.c, data.c), bundle directories
 * (bundle.c) and decisions with their prepared-query cache (decide.c).
 */
#ifndef WRIT_LIB_POLICY_POLICY_INT_H
#define WRIT_LIB_POLICY_POLICY_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "writ/base.h"
#include "writ/policy.h"
#include "writ/rego.h"

#define POL_JSON_MAX_DEPTH    512   /* as the Rego engine's JSON reader */
#define POL_PQ_SLOTS          64    /* prepared-query hash chains per snapshot */
#define POL_PQ_MAX            1024  /* prepared queries cached per snapshot */
#define POL_MAX_FILES         10000 /* files in a bundle directory */
#define POL_MAX_FILE_LEN      ((size_t)64 << 20)
#define POL_MAX_MODULES       10000             /* modules pushed through the API */
#define POL_EXPLAIN_MAX_BYTES ((size_t)4 << 20) /* of one decision's ?explain trace */
#define POL_KEY_MODULE        "policy/module/"
#define POL_KEY_DATA          "policy/data"

/* A span of a text: s[off, off + len). */
struct pol_span {
	size_t off;
	size_t len;
};

/* A data path: decoded, NUL-terminated segments (in an arena or owned by the caller). */
struct pol_path {
	char **seg;
	size_t *len;
	size_t n;
};

struct pol_module {
	char *id;   /* owned */
	char *text; /* owned, NUL-terminated */
	size_t len;
};

struct pol_modules {
	struct pol_module *v;
	size_t n, cap;
};

/* A bundle directory as loaded. */
struct pol_bundle {
	struct writ_arena *a; /* roots */
	struct pol_modules mods;
	struct writ_buf data;   /* the merged data document, a JSON object */
	char *revision;         /* the manifest's, "" when none */
	struct pol_path *roots; /* one empty path when the bundle owns all of data */
	size_t nroots;
};

/* One cached prepared query of a snapshot. */
struct pol_pq {
	struct pol_pq *next;
	uint64_t hash;
	char *query;
	struct writ_rego_prepared *p;
};

struct writ_policy_snapshot {
	atomic_uint refs;
	struct writ_rego_bundle *rb;
	char *revision;    /* "" without a bundle or manifest revision */
	char *bundle_name; /* NULL without a bundle */
	struct writ_rego_limits limits;
	pthread_rwlock_t pq_lock;
	struct pol_pq *pq[POL_PQ_SLOTS];
	size_t npq;
};

struct writ_policy_store {
	pthread_mutex_t mu; /* every change, and the sources below */
	char *bundle_dir;
	char *default_decision; /* "system/main": no leading '/' */
	struct writ_store *st;
	struct writ_rego_limits limits;
	writ_policy_log_fn log; /* decision log, or NULL */
	void *log_arg;
	bool has_bundle;
	struct pol_bundle bundle;
	uint64_t bundle_sig;   /* of the loaded directory */
	uint64_t reported_sig; /* of the last directory state whose failure was reported */
	struct pol_modules api;
	struct writ_buf api_data; /* the API's data document, a JSON object */
	atomic_bool loaded;       /* persisted API changes are in memory (or there is no store) */

	pthread_mutex_t cur_mu; /* only around reading and swapping cur */
	struct writ_policy_snapshot *cur;
};

/* json.c: scanning and formatting JSON text.  The text must be validated first
 * (pol_json_check) for the iterators and lookups, which do not check again. */
size_t pol_json_ws(const char *s, size_t len, size_t i);
WRIT_MUST_CHECK writ_rc pol_json_check(const char *s, size_t len, struct pol_span *value);
size_t pol_json_end(const char *s, size_t len, size_t i);
struct pol_json_it {
	const char *s;
	size_t len, pos;
	bool first;
};
void pol_json_it_init(struct pol_json_it *it, const char *s, size_t len, size_t open);
bool pol_json_it_next(struct pol_json_it *it, struct pol_span *key, struct pol_span *val);
bool pol_json_key_eq(const char *s, struct pol_span key, const char *name, size_t namelen);
bool pol_json_member(
    const char *s, size_t len, size_t obj, const char *name, size_t namelen, struct pol_span *val);
WRIT_MUST_CHECK writ_rc pol_json_unquote(const char *s, struct pol_span str, struct writ_buf *b);
WRIT_MUST_CHECK writ_rc pol_json_indent(const char *s, size_t len, struct writ_buf *b);

/* data.c: data paths, edits of a JSON document, bundle roots, package paths. */
WRIT_MUST_CHECK writ_rc pol_pct_decode(
    struct writ_arena *a, const char *s, size_t len, char **out, size_t *outlen);
WRIT_MUST_CHECK writ_rc pol_owned_error(const struct pol_path *p, struct writ_err *err);
bool pol_data_locate(const char *s, size_t len, const struct pol_path *p, struct pol_span *out);
WRIT_MUST_CHECK writ_rc pol_path_parse(
    struct writ_arena *a, const char *raw, size_t len, bool pct, struct pol_path *out);
bool pol_path_owned(const struct pol_path *roots, size_t nroots, const struct pol_path *p);
bool pol_path_within(const struct pol_path *roots, size_t nroots, const struct pol_path *p);
WRIT_MUST_CHECK writ_rc pol_data_put(struct writ_buf *doc, const struct pol_path *p,
    const char *val, size_t vlen, struct writ_err *err);
WRIT_MUST_CHECK writ_rc pol_data_remove(
    struct writ_buf *doc, const struct pol_path *p, struct writ_err *err);
WRIT_MUST_CHECK writ_rc pol_data_patch(struct writ_arena *a, struct writ_buf *doc,
    const struct pol_path *base, const char *ops, size_t opslen, const struct pol_path *roots,
    size_t nroots, struct writ_err *err);
WRIT_MUST_CHECK writ_rc pol_package_path(
    struct writ_arena *a, const char *text, size_t len, struct pol_path *out);
WRIT_MUST_CHECK writ_rc pol_data_roots_check(const char *doc, size_t len,
    const struct pol_path *roots, size_t nroots, struct writ_arena *a, struct writ_err *err);
WRIT_MUST_CHECK writ_rc pol_path_text(const struct pol_path *p, size_t n, struct writ_buf *b);

/* bundle.c */
WRIT_MUST_CHECK writ_rc pol_bundle_load(
    const char *dir, struct pol_bundle *out, uint64_t *sig, struct writ_err *err);
WRIT_MUST_CHECK writ_rc pol_bundle_signature(const char *dir, uint64_t *sig, struct writ_err *err);
void pol_bundle_free(struct pol_bundle *b);
WRIT_MUST_CHECK writ_rc pol_modules_set(
    struct pol_modules *m, const char *id, const char *text, size_t len);
bool pol_modules_remove(struct pol_modules *m, const char *id);
const struct pol_module *pol_modules_find(const struct pol_modules *m, const char *id);
void pol_modules_free(struct pol_modules *m);

/* store.c */
WRIT_MUST_CHECK writ_rc pol_store_ready(struct writ_policy_store *ps, struct writ_err *err);
WRIT_MUST_CHECK writ_rc pol_store_module_put(struct writ_policy_store *ps, const char *id,
    const char *text, size_t len, bool *unchanged, struct writ_rego_error *rerr,
    struct writ_err *err);
WRIT_MUST_CHECK writ_rc pol_store_module_delete(struct writ_policy_store *ps, const char *id,
    struct writ_rego_error *rerr, struct writ_err *err);
/*
 * Apply edit to a copy of the API's data document (roots: the bundle's, for
 * ownership checks), compile, persist and activate it.  The edit fills err
 * when it fails; a compile failure fills rerr and returns its code.
 */
typedef writ_rc (*pol_edit_fn)(struct writ_buf *doc, const struct pol_path *roots, size_t nroots,
    void *arg, struct writ_err *err);
WRIT_MUST_CHECK writ_rc pol_store_data_edit(struct writ_policy_store *ps, pol_edit_fn edit,
    void *arg, struct writ_rego_error *rerr, struct writ_err *err);
bool pol_store_data_exists(struct writ_policy_store *ps, const struct pol_path *p);
/* Copies of every module (bundle's first), for the policy API: free with pol_modules_free. */
WRIT_MUST_CHECK writ_rc pol_store_modules(struct writ_policy_store *ps, struct pol_modules *out);

/* decide.c */
struct pol_decision {
	const char *input; /* JSON text or NULL */
	size_t input_len;
	bool strict; /* strict-builtin-errors */
	/* The trace (explain not OFF): appended to explanation (borrowed) as the engine writes it. */
	enum writ_rego_explain explain;
	bool explain_pretty;
	struct writ_buf *explanation;
	bool defined;   /* out */
	bool cache_hit; /* out: the prepared query came from the cache */
	uint64_t prepare_ns, eval_ns;
};
WRIT_MUST_CHECK writ_rc pol_decide(struct writ_policy_snapshot *s, const struct pol_path *p,
    struct pol_decision *d, struct writ_buf *value, struct writ_rego_error *rerr);
void pol_pq_free(struct writ_policy_snapshot *s);

#endif /* WRIT_LIB_POLICY_POLICY_INT_H */
