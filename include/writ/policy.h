/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy store and OPA's REST API: Rego modules (by id) and a data
 * document, compiled into one immutable Rego bundle that every decision of
 * every thread evaluates.
 *
 * Two sources feed the store.  A bundle directory in OPA's layout (*.rego
 * modules, data.json/data.yaml/data.yml placed at their directory's path, a
 * .manifest with "revision" and "roots") is loaded at start and reloaded when
 * writ_policy_store_poll sees it changed; its roots (all of data when there
 * is no manifest) belong to it.  The REST API (PUT /v1/policies/{id},
 * PUT/PATCH/DELETE /v1/data/{path}) adds modules and data outside those
 * roots; with a store attached they are kept behind the barrier
 * ("policy/module/<id>", "policy/data") and survive a restart.
 *
 * Every change compiles a new bundle from both sources.  A change that does
 * not compile is refused (API) or logged and ignored (bundle reload) and the
 * old bundle stays.  A compiled bundle lives in a snapshot: readers take a
 * reference (writ_policy_acquire), evaluate, and drop it; a change swaps the
 * current snapshot under a short lock, and the old one is freed by whoever
 * drops its last reference, so in-flight decisions finish on the bundle they
 * started with.  Each snapshot caches one prepared query per data path.
 *
 * Storage namespace (owned by this module): policy/module/<id>, policy/data.
 */
#ifndef WRIT_POLICY_H
#define WRIT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ/base.h"
#include "writ/rego.h"

#define WRIT_POLICY_ID_MAX 512 /* bytes in a policy id */

struct writ_store;
struct writ_policy_store;
struct writ_policy_snapshot;

/*
 * One decision of the REST API, as its decision log is told of it.  Every
 * pointer is borrowed for the call.
 */
struct writ_policy_decision {
	const char *decision_id; /* the one the reply carries */
	const char *path;        /* data path without "data" ("envoy/authz/allow") */
	const char *input;       /* JSON text, or NULL: no input */
	size_t input_len;
	const char *result;      /* JSON text, or NULL: undefined (or an error) */
	size_t result_len;
	const struct writ_rego_error *error; /* the evaluation's error, or NULL */
	const char *revision;                /* the bundle's ("" without one) */
	uint64_t latency_ns;
	const char *remote_addr; /* or NULL */
	const char *spiffe_id;   /* the mTLS peer's, or NULL */
	struct writ_policy_snapshot *snap; /* what it was decided on (a mask policy runs there) */
};

/*
 * Record a decision before it is answered.  Anything but WRIT_OK fails the
 * request closed: 500 internal_error "decision log unavailable", no result.
 */
typedef writ_rc (*writ_policy_log_fn)(void *arg, const struct writ_policy_decision *d);

struct writ_policy_opts {
	const char *bundle_dir;         /* OPA bundle directory, or NULL (copied) */
	const char *default_decision;   /* data path of POST /, NULL = "/system/main" (copied) */
	struct writ_store *store;       /* where API changes are kept, or NULL (borrowed) */
	struct writ_rego_limits limits; /* per decision; zero fields take the defaults */
	writ_policy_log_fn log;         /* decision log, or NULL: none */
	void *log_arg;
};

/*
 * Create a store and, with a bundle directory, load and compile it.  *out
 * is set on success.  Returns WRIT_OK; WRIT_EIO (the directory cannot be
 * read, or is a file: bundle tarballs are not supported yet); WRIT_EPARSE
 * or WRIT_EINVAL (the bundle does not compile or breaks its manifest; err
 * says which file and why); WRIT_ENOMEM.  Persisted API changes are loaded
 * later, on the first request after the store is unsealed.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_policy_store_new(
    const struct writ_policy_opts *o, struct writ_policy_store **out, struct writ_err *err);
/* Free the store; no request may be running.  Accepts NULL. */
WRIT_API void writ_policy_store_free(struct writ_policy_store *ps);

/*
 * Reload the bundle directory if any file in it changed (size, time or
 * inode) since the last load.  *reloaded (may be NULL) says whether a new
 * bundle was activated.  A bundle that does not load or compile leaves the
 * old one active and returns the error (WRIT_EPARSE, WRIT_EINVAL, WRIT_EIO),
 * reported once per change of the directory.  Call it from one thread at a
 * time (the server's poller); decisions and API changes may run meanwhile.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_policy_store_poll(
    struct writ_policy_store *ps, bool *reloaded, struct writ_err *err);

/*
 * Make sure the policies and data kept through the API are loaded (they are
 * read on the first call after unseal) before deciding outside
 * writ_policy_serve.  WRIT_OK, WRIT_ESEALED while the store is sealed (deny),
 * or the error of reading them.  Thread safe.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_policy_ready(struct writ_policy_store *ps, struct writ_err *err);

/*
 * Take a reference to the current snapshot (never NULL).  Thread safe,
 * lock held only to bump a counter.  Drop it with writ_policy_release.
 */
WRIT_API struct writ_policy_snapshot *writ_policy_acquire(struct writ_policy_store *ps);
WRIT_API void writ_policy_release(struct writ_policy_snapshot *s);
/* The bundle's manifest revision ("" without one).  Valid while s is held. */
WRIT_API const char *writ_policy_revision(const struct writ_policy_snapshot *s);

/*
 * Evaluate data.<path> on snapshot s: path is '/'-separated and already
 * percent-decoded ("envoy/authz/allow"; "" is all of data; segments of
 * digits index arrays, as in OPA), input is JSON text (NULL: no input).
 * On success *defined says whether the document is defined and, if so, its
 * JSON is appended to value.  On failure rerr has OPA's error (code,
 * message, position).  Returns WRIT_OK; WRIT_EPARSE or WRIT_EINVAL (bad
 * input, or the policy's evaluation error); WRIT_ELIMIT (an evaluation
 * limit); WRIT_ENOMEM.  Thread safe.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_policy_decide(struct writ_policy_snapshot *s,
    const char *path, const char *input, size_t input_len, struct writ_buf *value, bool *defined,
    struct writ_rego_error *rerr);

/*
 * Whether data.<path> (as for writ_policy_decide, without percent-escapes)
 * may be defined on snapshot s whatever the input: false when no rule,
 * package or data lies on the path, so writ_policy_decide would only answer
 * undefined (the decision log skips its mask policy then).  Conservative:
 * true when unsure.  Thread safe.
 */
WRIT_API bool writ_policy_may_define(const struct writ_policy_snapshot *s, const char *path);

/* ---------------------------------------------------------------------------
 * OPA's REST API, independent of HTTP (docs/API.md, "Decision API").
 */
struct writ_policy_in {
	const char *method;        /* "GET", "POST", ... */
	const char *path;          /* raw (percent-encoded) request path */
	const char *query;         /* raw query string without '?', or NULL */
	const char *content_type;  /* or NULL */
	const char *if_none_match; /* or NULL */
	const char *body;          /* or NULL */
	size_t bodylen;
	const char *remote_addr;  /* for logs */
	struct writ_arena *arena; /* per-request arena (borrowed), or NULL */
	const char *spiffe_id;    /* the mTLS peer's SPIFFE ID, or NULL (for the decision log) */
};

struct writ_policy_out {
	int status;
	struct writ_buf body; /* JSON, empty for 204 and 304; the caller frees it */
};

/*
 * Serve one request of the decision listener; never fails (errors become
 * OPA's error responses: {"code": "...", "message": "...", "errors": [...]}).
 * in is borrowed; out is written (status, body).  Thread safe.
 */
WRIT_API void writ_policy_serve(
    struct writ_policy_store *ps, const struct writ_policy_in *in, struct writ_policy_out *out);

/* ---------------------------------------------------------------------------
 * Walking a policy directory (shared with `writ policy`).
 */

/*
 * Called for each file: path is its full path, rel its directory relative
 * to the walk's root ("" at the top), named true when the walk's argument
 * itself was a file.  Return WRIT_OK to go on.
 */
typedef writ_rc (*writ_policy_file_fn)(const char *path, const char *rel, bool named, void *arg);
/* Called for a file or directory the walk cannot read (err->msg names it). */
typedef void (*writ_policy_walk_err_fn)(const struct writ_err *err, void *arg);

/*
 * Call fn for path if it is not a directory, else for every regular file
 * under it in name order, skipping names that start with '.', at most 32
 * directories deep.  With on_error NULL the walk stops at the first error
 * (fn's, or the walk's own, described in err); otherwise it reports each of
 * its own errors to on_error, goes on after any error, and returns the
 * first.  Returns WRIT_OK, fn's code, WRIT_EIO or WRIT_ELIMIT (depth), or
 * WRIT_ENOMEM.  Thread safe.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_policy_walk(const char *path, writ_policy_file_fn fn,
    writ_policy_walk_err_fn on_error, void *arg, struct writ_err *err);

#endif /* WRIT_POLICY_H */
