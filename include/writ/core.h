/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core: what every handler can reach through req->core.  It owns the store,
 * the audit devices, the mount table and the policy cache, and runs the request
 * pipeline (authenticate, authorise, audit, dispatch) for the server.
 *
 * Storage namespaces (each module owns its own; nothing reaches into another's):
 *   core/...                 seal configuration, keyring, mount table, audit keys
 *   sys/policy/<name>        ACL policies
 *   auth/token/...           token store (lib/auth/token.c)
 *   auth/<mount uuid>/...    auth method mounts (approle)
 *   logical/<mount uuid>/... secrets engine mounts (kv)
 */
#ifndef WRIT_CORE_H
#define WRIT_CORE_H

#include <jansson.h>

#include "writ/base.h"
#include "writ/req.h"

struct writ_store;
struct writ_audit;
struct writ_acl;

/* A mounted backend. */
struct writ_mount {
	char path[256];        /* "secret/", "auth/approle/" (with trailing '/') */
	char type[32];         /* "kv", "approle", "token", "system" */
	char uuid[40];         /* storage prefix owner */
	char accessor[48];     /* "kv_1a2b3c4d" */
	char description[256];
	json_t *options;       /* {"version": "2"} etc. (owned) */
	int64_t default_lease_ttl; /* 0 = system */
	int64_t max_lease_ttl;
	bool local;
	writ_handler_fn handle;
	char storage_prefix[64]; /* "logical/<uuid>/" or "auth/<uuid>/" */
};

struct writ_core_limits {
	size_t max_request_bytes;   /* HTTP body; default 32 MiB like Vault */
	size_t max_header_bytes;    /* all headers; default 64 KiB */
	size_t max_json_depth;      /* default 64 */
	size_t max_string_bytes;    /* any single JSON string; default 16 MiB */
	size_t arena_cap;           /* per-request arena; default 64 MiB */
};

struct writ_core {
	struct writ_store *store;
	struct writ_core_limits limits;
	int64_t default_lease_ttl;  /* seconds; default 768h like Vault */
	int64_t max_lease_ttl;      /* seconds; default 768h */
	bool dev;
	struct writ_core_priv *priv;
};

/* An audit device given in the server configuration. */
struct writ_core_audit_conf {
	char name[64];
	char path[1024];
	unsigned checkpoint_every;
};

struct writ_core_opts {
	struct writ_core_limits limits;  /* zero fields take defaults */
	int64_t default_lease_ttl;       /* 0 = 768h */
	int64_t max_lease_ttl;           /* 0 = 768h */
	bool dev;                        /* mount secret/ as KV v2 on first unseal */
	struct writ_core_audit_conf audit[4];
	size_t naudit;
};

/* Create the core over an open store (borrowed; must outlive the core). */
WRIT_API WRIT_MUST_CHECK writ_rc writ_core_new(const struct writ_core_opts *opts,
    struct writ_store *store, struct writ_core **out, struct writ_err *err);
/* Close audit devices (final checkpoints) and free; accepts NULL. */
WRIT_API void writ_core_free(struct writ_core *core);

/*
 * Initialise a new store through the core: shares and root token are
 * returned (arena strings: shares as hex and base64).  The store stays sealed
 * afterwards unless unseal is true (dev mode), in which case it is unsealed
 * and post-unseal setup has run.
 */
struct writ_core_init_result {
	char **keys_hex;
	char **keys_b64;
	size_t nkeys;
	char *root_token;
};
WRIT_API WRIT_MUST_CHECK writ_rc writ_core_init(struct writ_core *core, struct writ_arena *a,
    unsigned shares, unsigned threshold, bool unseal, struct writ_core_init_result *out,
    struct writ_err *err);

/* Run setup that needs the unsealed store (mount table, audit devices). */
WRIT_API WRIT_MUST_CHECK writ_rc writ_core_post_unseal(struct writ_core *core,
    struct writ_err *err);

/* The HTTP-independent request entry point used by the server. */
struct writ_core_in {
	const char *method;        /* "GET", "LIST", ... */
	const char *path;          /* URL path, must start with "/v1/" (percent-decoded) */
	const char *query;         /* raw query string without '?', or NULL */
	const char *token;         /* X-Vault-Token or Bearer value, or NULL */
	const char *content_type;
	const char *body;
	size_t bodylen;
	const char *remote_addr;
	const char *peer_spiffe_id; /* from a verified client certificate, or NULL */
};
struct writ_core_out {
	int status;
	struct writ_buf body;      /* JSON, empty for 204; caller frees */
};
/* Serve one request; never fails (errors become error responses). */
WRIT_API void writ_core_serve(struct writ_core *core, const struct writ_core_in *in,
    struct writ_core_out *out);

/*
 * What a served request still has to make durable before its response may be
 * sent: the store batch and the audit entries it wrote.  All zero = nothing.
 */
#define WRIT_CORE_MAX_AUDIT 8
struct writ_core_ticket {
	uint64_t store_seq;
	uint64_t audit_seq[WRIT_CORE_MAX_AUDIT];
};

/*
 * Serve one request but leave durability to the caller: *ticket says what to
 * sync.  The server queues tickets to one committer that syncs many requests
 * with one fsync each for the store and the audit log (group commit), and
 * only then sends their responses.
 */
WRIT_API void writ_core_serve_nosync(struct writ_core *core, const struct writ_core_in *in,
    struct writ_core_out *out, struct writ_core_ticket *ticket);
/* True if the ticket needs a sync. */
WRIT_API bool writ_core_ticket_pending(const struct writ_core_ticket *t);
/* Merge src into dst (the later sequence numbers win). */
WRIT_API void writ_core_ticket_merge(struct writ_core_ticket *dst,
    const struct writ_core_ticket *src);
/* Make everything the ticket names durable: one store sync, one sync per audit device. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_core_sync(struct writ_core *core,
    const struct writ_core_ticket *t, struct writ_err *err);
/* The two halves of writ_core_sync, so a committer can run them in parallel. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_core_sync_store(struct writ_core *core,
    const struct writ_core_ticket *t, struct writ_err *err);
WRIT_API WRIT_MUST_CHECK writ_rc writ_core_sync_audit(struct writ_core *core,
    const struct writ_core_ticket *t, struct writ_err *err);

/* ---------------------------------------------------------------------------
 * Policy decisions in the audit log (lib/core/audit_decision.c).
 */

/* How a decision's input is logged. */
enum writ_decision_input {
	WRIT_DECISION_INPUT_FULL, /* as it is (after masking) */
	WRIT_DECISION_INPUT_HMAC, /* "input_hmac": its HMAC under the device's key */
	WRIT_DECISION_INPUT_NONE, /* left out */
};

/*
 * Apply the value of a mask policy (OPA's data.system.log.mask: an array
 * of JSON pointers to erase, or of {"op": "remove"|"upsert", "path",
 * "value"} objects) to a decision event.  Pointers start with /input or
 * /result and name object keys (~1 is "/", ~0 is "~"); an upsert creates
 * missing objects on its way.  A pointer to nothing is skipped; an invalid
 * entry (another prefix, a bad op, an upsert without value, a mask that is
 * not an array) is skipped and counted in *ignored.  Erased pointers are
 * listed in the event's "erased", upserted ones in "masked", as OPA does.
 * WRIT_OK, or WRIT_ENOMEM (the event may then be partly masked).
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_decision_mask(json_t *event, const json_t *mask, size_t *ignored);

/*
 * Append a decision to every audit device.  event (borrowed) is a JSON
 * object built by the decision service, already masked: "decision_id",
 * "path", "input", "result" (absent when undefined), "revision",
 * "allowed" (a boolean when the decision allows or denies), "latency_ns",
 * "error" ({"code","message"}) and "caller" (who asked: "spiffe_id",
 * "sub", "iss", "remote_address", ...).  Each device gets the line
 * {"time", "type":"decision", "caller":{...}, "decision":{the rest}}, with
 * the input as mode says; an input too large for an audit line is
 * replaced by its HMAC and "input_truncated": true.  Fail closed as for API
 * requests: WRIT_EIO when no device recorded it (the caller must deny).
 * seqs gets each device's entry for writ_core_sync_audit (all zero when no
 * device is enabled).  WRIT_EINVAL when event is not an object.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_core_audit_decision(struct writ_core *core, json_t *event,
    enum writ_decision_input mode, uint64_t seqs[WRIT_CORE_MAX_AUDIT], struct writ_err *err);

/*
 * A decision as the decision service has it, for the text path below: no
 * JSON tree is built, the input and the result go into the line as text.
 */
struct writ_decision_entry {
	const char *decision_id;
	const char *path;
	const char *input; /* JSON text the policy engine accepted, or NULL */
	size_t input_len;
	const char *result; /* JSON text, or NULL: undefined */
	size_t result_len;
	int allowed;                /* 1, 0, or -1: the result does not say */
	const char *error_code;     /* or NULL */
	const char *error_message;
	const char *revision;
	uint64_t latency_ns;
	const char *remote_addr; /* or NULL */
	const char *spiffe_id;   /* or NULL */
};

/*
 * writ_core_audit_decision without a JSON tree, for a decision no mask
 * policy touches (the usual case): the same line, with the input's blanks
 * left out.  WRIT_EUNSUPPORTED, with nothing written, when the general
 * path must take it: mode is WRIT_DECISION_INPUT_HMAC, the input or the
 * result holds what readers of the log could not take back as JSON (a
 * \u0000 or surrogate escape, a number of more than 15 characters), or
 * the line is too large.  Otherwise as writ_core_audit_decision.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_core_audit_decision_text(struct writ_core *core,
    const struct writ_decision_entry *e, enum writ_decision_input mode,
    uint64_t seqs[WRIT_CORE_MAX_AUDIT], struct writ_err *err);

/* ---------------------------------------------------------------------------
 * Governing policies (lib/core/govern.c).
 */

/*
 * The governing policy: asked after the ACL allowed an authenticated request,
 * with input (JSON text, len bytes: {"request", "token", "identity"}, docs/API.md
 * "Governing policies").  Returns WRIT_OK and appends to reasons a JSON array
 * of strings: empty (or nothing appended) allows, non-empty denies with those
 * reasons.  Any other return denies too (fail closed).  Called on any thread.
 */
typedef writ_rc (*writ_core_govern_fn)(
    void *arg, const char *input, size_t len, struct writ_buf *reasons, struct writ_err *err);
/* Install the governing policy (fn NULL: none) before the core serves requests. */
WRIT_API void writ_core_set_governor(struct writ_core *core, writ_core_govern_fn fn, void *arg);

/* Find the mount owning a logical path (longest prefix), or NULL. */
WRIT_API const struct writ_mount *writ_core_mount_for(struct writ_core *core, const char *path);

/*
 * Capabilities (enum writ_cap bits, acl.h) that a token with these policies
 * holds on path.  ACLs are built once per policy set and cached until a policy
 * changes.  "root" among the policies grants everything.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_core_capabilities(struct writ_core *core,
    char *const *policies, size_t npolicies, const char *path, unsigned *caps,
    struct writ_err *err);

/* Clamp a requested TTL to the mount's and the system's maximum. */
WRIT_API int64_t writ_core_ttl(const struct writ_core *core, const struct writ_mount *m,
    int64_t requested);

/* A new random UUID (RFC 4122 v4) text into out[37]. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_uuid(char out[37]);

#endif /* WRIT_CORE_H */
