/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private declarations shared by the files of lib/core: the core's mutable
 * state (mount table, audit devices, ACL cache) and the functions one file of
 * the core calls in another.
 */
#ifndef WRIT_LIB_CORE_CORE_INT_H
#define WRIT_LIB_CORE_CORE_INT_H

#include <pthread.h>

#include "writ/acl.h"
#include "writ/audit.h"
#include "writ/core.h"

#define CORE_MAX_MOUNTS  256
#define CORE_MAX_DEVICES WRIT_CORE_MAX_AUDIT
#define CORE_ACL_CACHE   64
#define CORE_MAX_RETIRED 1024

struct audit_device {
	char name[64];           /* "file" -> path "sys/audit/file" */
	char path[1024];         /* log file */
	char pubkey_b64[48];
	unsigned checkpoint_every;
	struct writ_audit *log;  /* open while unsealed */
	struct writ_key *sign_key;
	unsigned char hmac_key[WRIT_AUDIT_HMAC_KEY_LEN];
	bool from_config;
};

struct acl_cache_entry {
	char *names;             /* policy names joined by '\n', sorted (NULL = empty slot) */
	struct writ_acl *acl;
	uint64_t last_used;
};

struct writ_core_priv {
	pthread_rwlock_t lock;   /* mounts, devices */
	struct writ_mount *mounts[CORE_MAX_MOUNTS];
	size_t nmounts;
	/* Unmounted, kept until the core is freed (handlers may hold them). */
	struct writ_mount *retired[CORE_MAX_RETIRED];
	size_t nretired;
	struct audit_device devices[CORE_MAX_DEVICES];
	size_t ndevices;
	struct writ_core_opts opts;
	writ_core_govern_fn govern; /* the governing policy, or NULL (set before serving) */
	void *govern_arg;

	pthread_mutex_t acl_lock;
	struct acl_cache_entry acl_cache[CORE_ACL_CACHE];
	uint64_t policy_generation;
	uint64_t acl_clock;
	struct writ_acl *root_acl;

	pthread_mutex_t unseal_lock; /* serialises unseal, seal, init, post-unseal */
	bool ready;              /* post-unseal setup done */
};

/* core.c */
writ_rc core_post_unseal(struct writ_core *core, struct writ_err *err);
void core_pre_seal(struct writ_core *core);
writ_rc core_mount_add(struct writ_core *core, const char *path, const char *type,
    const char *description, json_t *options, struct writ_err *err);
writ_rc core_mount_remove(struct writ_core *core, const char *path, struct writ_err *err);
json_t *core_mounts_json(struct writ_core *core, bool auth);
writ_handler_fn core_handler_for_type(const char *type);

/* policy.c */
writ_rc core_policy_handle(struct writ_req *req, struct writ_resp *resp, const char *name,
    bool acl_api);
writ_rc core_policy_ensure_default(struct writ_core *core, struct writ_err *err);
void core_acl_cache_clear(struct writ_core *core);

/* audit_fmt.c */
/* The shared part of a request's two entries for one device (see entry_format). */
struct core_audit_frag {
	const struct writ_audit *log; /* the device it was made for */
	char *p;                      /* in the request arena */
	size_t len;
};
/*
 * Append the request (response false) or response entry of req to every
 * device; seqs[i] gets device i's sequence number.  frags (may be NULL) is
 * an array of CORE_MAX_DEVICES, zeroed before the request entry.
 */
writ_rc core_audit_request(struct writ_core *core, struct writ_req *req, bool response,
    const struct writ_resp *resp, uint64_t *seqs, struct core_audit_frag *frags,
    struct writ_err *err);
writ_rc core_audit_sync(struct writ_core *core, const uint64_t *seqs, struct writ_err *err);
bool core_audit_enabled(struct writ_core *core);
/* "read", "update", ... as the audit log names operations. */
const char *core_op_name(enum writ_op op);
/* govern.c: the governing policy's verdict on an authorised request (resp set when denied). */
writ_rc core_govern(struct writ_core *core, struct writ_req *req, const char *spiffe_id,
    struct writ_resp *resp);
writ_rc core_audit_open_devices(struct writ_core *core, struct writ_err *err);
void core_audit_close_devices(struct writ_core *core);
writ_rc core_audit_handle(struct writ_req *req, struct writ_resp *resp, const char *sub);

/* sys.c */
writ_rc core_sys_handle(struct writ_req *req, struct writ_resp *resp);
bool core_path_unauthenticated(const char *path);
bool core_path_sudo(const char *path);
bool core_path_allowed_sealed(const char *path);
bool core_path_unaudited(const char *path);

#endif /* WRIT_LIB_CORE_CORE_INT_H */
