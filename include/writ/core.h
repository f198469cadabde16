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

/* Find the mount owning a logical path (longest prefix), or NULL. */
WRIT_API const struct writ_mount *writ_core_mount_for(struct writ_core *core, const char *path);

/* Build (or fetch from the cache) the ACL for a set of policy names.  The ACL
 * is reference counted; release with writ_core_acl_put. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_core_acl_get(struct writ_core *core, char **policies,
    size_t npolicies, struct writ_acl **out, struct writ_err *err);
WRIT_API void writ_core_acl_put(struct writ_core *core, struct writ_acl *acl);

/* Clamp a requested TTL to the mount's and the system's maximum. */
WRIT_API int64_t writ_core_ttl(const struct writ_core *core, const struct writ_mount *m,
    int64_t requested);

/* A new random UUID (RFC 4122 v4) text into out[37]. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_uuid(char out[37]);

#endif /* WRIT_CORE_H */
