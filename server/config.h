/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The configuration file of `writ server -config FILE`: the HCL subset (or
 * JSON) that Vault's server configuration uses, with writ's additions:
 *
 *   storage "sqlite" { path = "/var/lib/writ/writ.db" }
 *   listener "tcp" {
 *     address = "127.0.0.1:8200"
 *     tls_cert_file = "/etc/writ/tls.crt"
 *     tls_key_file = "/etc/writ/tls.key"
 *     tls_client_ca_file = "/etc/writ/ca.crt"
 *     tls_require_and_verify_client_cert = true
 *     tls_min_version = "tls13"
 *     max_request_size = 33554432
 *     max_request_duration = "90s"
 *   }
 *   decision_listener "tcp" {               (OPA's REST API; same keys as listener)
 *     address = "127.0.0.1:8181"
 *     tls_disable = true
 *   }
 *   policy {
 *     bundle_dir = "/etc/writ/policy"       (OPA bundle layout; none by default)
 *     default_decision = "/system/main"     (the data path POST / answers)
 *     reload_interval = "5s"                (bundle_dir polling; "0" = never)
 *     authz_decision = "envoy/authz/allow"  (nginx auth_request, Envoy HTTP authz)
 *   }
 *   audit "file" { path = "/var/log/writ/audit.log", checkpoint_every = 1000 }
 *   ext_authz "grpc" {                        (Envoy ext_authz v3 Check, gRPC)
 *     address = "127.0.0.1:9191"
 *     path = "envoy/authz/allow"              (the decision: data.envoy.authz.allow)
 *     tls_disable = true                      (or the tls_* keys of a listener)
 *     dry_run = false, skip_request_body_parse = false
 *     max_recv_msg_size = 4194304
 *   }
 *   limits { max_request_bytes = 33554432, http_threads = 2 }
 *   log_level = "info"
 *   default_lease_ttl = "768h"
 *   max_lease_ttl = "768h"
 *   api_addr = "https://writ.example:8200"
 *   cluster_name = "writ", pid_file = "/run/writ.pid"
 *   ui = false, disable_mlock = true          (accepted; ui is ignored)
 *
 * Exactly one storage block and at least one listener are required; listener
 * and decision_listener blocks together are at most WRIT_CONFIG_MAX_LISTENERS.  Every error reads "FILE:LINE: message", as `writ server -config
 * FILE -n` prints it (OpenBSD's parse.y habit), e.g.
 *   writ.hcl:7: unknown key "adress" in listener
 * Keywords are looked up in sorted tables with bsearch.
 */
#ifndef WRIT_SERVER_CONFIG_H
#define WRIT_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ/base.h"

#define WRIT_CONFIG_MAX_FILE      (1u << 20) /* bytes of a configuration file */
#define WRIT_CONFIG_MAX_LISTENERS 8          /* as WRIT_HTTP_MAX_LISTENERS */
#define WRIT_CONFIG_MAX_AUDITS    16

enum writ_config_storage {
	WRIT_CONFIG_STORAGE_NONE = 0,
	WRIT_CONFIG_STORAGE_SQLITE,
};

/*
 * One `listener "tcp" { ... }` block, or a `decision_listener "tcp" { ... }`
 * block (decision true); strings are owned, NULL when unset.
 */
struct writ_config_listener {
	bool decision;                 /* serves OPA's REST API instead of Vault's */
	char *address;                 /* "host:port", default "127.0.0.1:8200" (8181 for decisions) */
	bool tls_disable;              /* default false: TLS on */
	char *tls_cert_file;
	char *tls_key_file;
	char *tls_client_ca_file;
	bool tls_require_and_verify_client_cert;
	int tls_min_version;           /* 12 or 13, default 12 */
	uint64_t max_request_size;     /* bytes, default limits.max_request_bytes */
	int64_t max_request_duration;  /* seconds, default 90 */
	int line;                      /* where the block starts */
};

/* One `audit "file" { ... }` block (a writ addition). */
struct writ_config_audit {
	char *path;                    /* required, owned */
	uint64_t checkpoint_every;     /* entries between signed checkpoints, default 1000 */
	int line;
};

/*
 * The `ext_authz "grpc" { ... }` block (a writ addition): Envoy's external
 * authorization v3 over gRPC.  Strings are owned, NULL when unset.
 */
struct writ_config_ext_authz {
	bool enabled;                  /* the block is present */
	struct writ_config_listener l; /* address (default "127.0.0.1:9191") and tls_* */
	char *path;                    /* the decision, default "envoy/authz/allow" */
	bool dry_run;                  /* deny decisions are reported but let through */
	bool skip_request_body_parse;  /* no parsed_body / truncated_body in the input */
	uint64_t max_recv_msg_size;    /* bytes of a CheckRequest, default 4 MiB */
};

/* The `limits { ... }` block (a writ addition); defaults match the HTTP layer's. */
struct writ_config_limits {
	uint64_t max_request_bytes;    /* default 32 MiB */
	uint64_t max_header_bytes;     /* default 64 KiB */
	uint64_t max_json_depth;       /* default 64 */
	uint64_t max_string_bytes;     /* default 1 MiB */
	uint64_t arena_cap;            /* per-request arena, default 64 MiB */
	uint64_t http_threads;         /* 0 (default) = one per online CPU, at least 2 */
};

/* The `policy { ... }` block (a writ addition): the decision listener's policy store. */
struct writ_config_policy {
	char *bundle_dir;              /* owned, NULL when unset */
	char *default_decision;        /* owned, NULL = "/system/main" */
	int64_t reload_interval;       /* seconds between bundle_dir checks, default 5; 0 = never */
	char *decision_log_input;      /* owned: "full" (NULL), "hmac" or "none" */
	char *mask_decision;           /* owned, NULL = "/system/log/mask" */
	char *authz_decision;          /* owned, NULL = "envoy/authz/allow" (nginx, Envoy HTTP) */
	int line;                      /* where the block starts, 0 when absent */
};

/*
 * The `governing { ... }` block (issue 4): a Rego policy over writ's own API,
 * asked after the ACL.  Strings are owned, NULL when unset.
 */
struct writ_config_governing {
	char *bundle_dir;         /* OPA bundle directory of the policy (required) */
	char *decision;           /* data path of the reasons to deny, "/writ/governing/deny" */
	int64_t reload_interval;  /* seconds between checks of bundle_dir, default 5; 0 = never */
	int line;                 /* where the block starts, 0 when absent */
};

struct writ_config {
	enum writ_config_storage storage;
	char *storage_path;            /* owned */
	struct writ_config_listener *listeners; /* owned array */
	size_t nlisteners;
	struct writ_config_audit *audits;       /* owned array */
	size_t naudits;
	enum writ_log_level log_level; /* default WRIT_LOG_INFO */
	int64_t default_lease_ttl;     /* seconds, default 768h */
	int64_t max_lease_ttl;         /* seconds, default 768h */
	bool ui;                       /* accepted and ignored */
	bool disable_mlock;            /* accepted; writ locks only its secret heap */
	char *api_addr;                /* owned, NULL when unset */
	char *cluster_name;
	char *pid_file;
	struct writ_config_limits limits;
	struct writ_config_policy policy;
	struct writ_config_governing governing;
	struct writ_config_ext_authz ext_authz;
};

/*
 * Set cfg to the defaults (no storage, no listeners, nothing allocated).
 * Thread safe.
 */
void writ_config_init(struct writ_config *cfg);

/*
 * Parse text[len] (borrowed) as the configuration file fname (borrowed, used
 * only in messages).  On success *cfg (out) holds the parsed configuration
 * with defaults filled in; free it with writ_config_free.  On failure cfg is
 * left untouched.
 * Errors, with "fname:LINE: message" in err->msg: WRIT_EPARSE (syntax),
 * WRIT_ELIMIT (a limit of the HCL parser), WRIT_EINVAL (unknown key, wrong
 * type, bad value, missing or inconsistent setting), WRIT_EUNSUPPORTED
 * (storage "postgresql": "storage type not supported yet"), WRIT_ENOMEM.
 * Thread safe.
 */
WRIT_MUST_CHECK writ_rc writ_config_parse(const char *text, size_t len, const char *fname,
    struct writ_config *cfg, struct writ_err *err);

/*
 * Read the regular file at path (at most WRIT_CONFIG_MAX_FILE bytes) and parse
 * it as writ_config_parse does, with path as the name in messages.
 * Errors: those of writ_config_parse; WRIT_EIO "path: cannot open: ..." or
 * "path: not a regular file"; WRIT_ELIMIT "path: larger than 1048576 bytes".
 * Thread safe.
 */
WRIT_MUST_CHECK writ_rc writ_config_load(const char *path, struct writ_config *cfg,
    struct writ_err *err);

/* Free what cfg owns and reset it to the defaults; accepts NULL. */
void writ_config_free(struct writ_config *cfg);

#endif /* WRIT_SERVER_CONFIG_H */
