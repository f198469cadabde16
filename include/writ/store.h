/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The logical key/value store and its barrier.
 *
 * Keys are '/'-separated UTF-8 paths without a leading slash ("kv/<mount>/...",
 * "auth/token/id/<hash>", ...), ordered bytewise.  Every value passes the
 * barrier: AES-256-GCM under the active keyring term with the key as
 * associated data, so a value copied to another key fails to decrypt.  The
 * keyring is encrypted by the root key; the root key exists only in memory
 * while unsealed and is split into Shamir shares by writ_store_init.
 *
 * Writes go through transactions.  One transaction at a time holds the write
 * lock; committed transactions are applied to an open batch and made durable
 * together (group commit): writ_txn_commit returns a sequence number and
 * writ_store_sync(seq) blocks until that batch is on disk.  A write must not
 * be acknowledged before writ_store_sync returns for it.
 *
 * Readers outside a transaction see every batch that has been handed to the
 * backend, which for about the length of one log sync (milliseconds) includes
 * a batch not yet durable: a crash in that window loses data a reader may
 * already have seen, though never a write that was acknowledged.  A caller
 * that must not answer with such data waits for writ_store_visible_seq (see
 * there).  docs/STORAGE.md has the durability argument.
 *
 * Thread safety: all functions may be called from any thread; a struct
 * writ_txn belongs to the thread that began it.
 */
#ifndef WRIT_STORE_H
#define WRIT_STORE_H

#include "writ/base.h"

#define WRIT_STORE_KEY_MAX   1024        /* bytes in a key */
#define WRIT_STORE_VALUE_MAX (16u << 20) /* bytes in a value, before the barrier */
#define WRIT_ROOT_KEY_LEN    32
#define WRIT_SHARE_LEN       (WRIT_ROOT_KEY_LEN + 1)

struct writ_store;
struct writ_txn;

/*
 * Open (creating if needed) an SQLite store at path in WAL mode; the store
 * syncs the log itself (docs/STORAGE.md).  The store starts sealed.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_store_open_sqlite(const char *path,
    struct writ_store **out, struct writ_err *err);
/* Make every pending batch durable, wipe the keyring and close; accepts NULL. */
WRIT_API void writ_store_close(struct writ_store *s);
/* Backend name ("sqlite"). */
WRIT_API const char *writ_store_backend(const struct writ_store *s);

/* ---------------------------------------------------------------------------
 * Seal state.
 */
struct writ_seal_status {
	bool initialized;
	bool sealed;
	unsigned threshold; /* t */
	unsigned shares;    /* n */
	unsigned progress;  /* shares received so far */
	uint32_t term;      /* active keyring term, 0 while sealed */
};

/*
 * Initialise: make a root key and keyring term 1, store the keyring encrypted
 * by the root key and the seal configuration (n, t), and write n shares of
 * WRIT_SHARE_LEN bytes each into shares_out (n * WRIT_SHARE_LEN bytes,
 * wiped by the caller).  The store stays sealed.  WRIT_ECONFLICT if already
 * initialised.  1 <= t <= n <= 255 (with t == 1 every share alone rebuilds
 * the root key).
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_store_init(struct writ_store *s, unsigned shares,
    unsigned threshold, unsigned char *shares_out, struct writ_err *err);
WRIT_API void writ_store_seal_status(struct writ_store *s, struct writ_seal_status *out);
/*
 * Add one unseal share.  When the threshold is reached the root key is rebuilt
 * and checked by decrypting the keyring: on success the store is unsealed
 * (*unsealed = true); on failure progress resets and WRIT_EDENIED is returned.
 * A share whose x coordinate was already given is WRIT_EINVAL (progress kept).
 * A share of the wrong length is WRIT_EINVAL.  Already unsealed: WRIT_OK.
 * CT: only the public x coordinates of shares are compared; shares and the
 * rebuilt root key stay in secure memory and are wiped once the threshold is
 * reached, whatever the outcome.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_store_unseal(struct writ_store *s,
    const unsigned char *share, size_t len, bool *unsealed, struct writ_err *err);
/* Forget the shares given so far. */
WRIT_API void writ_store_unseal_reset(struct writ_store *s);
/* Unseal with the root key itself (used by dev mode right after init). */
WRIT_API WRIT_MUST_CHECK writ_rc writ_store_unseal_root(struct writ_store *s,
    const unsigned char root[WRIT_ROOT_KEY_LEN], struct writ_err *err);
/* Seal: wipe the keyring from memory.  Durable state is untouched. */
WRIT_API void writ_store_seal(struct writ_store *s);
/*
 * Add a keyring term and make it the active one; existing values keep their
 * term and stay readable.  *term gets the new term.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_store_rotate(struct writ_store *s, uint32_t *term,
    struct writ_err *err);

/* ---------------------------------------------------------------------------
 * Reads.  Values are decrypted into the arena.  WRIT_ESEALED while sealed,
 * WRIT_ENOTFOUND when absent, WRIT_ECRYPTO when a value fails to authenticate
 * (tampered or moved).
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_store_get(struct writ_store *s, struct writ_arena *a,
    const char *key, unsigned char **val, size_t *len, struct writ_err *err);

/*
 * List keys that start with prefix, in order, strictly after `after` (NULL =
 * from the start), at most limit (0 = no limit).  *keys is an arena array of
 * arena strings holding the full keys, followed by a NULL.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_store_list(struct writ_store *s, struct writ_arena *a,
    const char *prefix, const char *after, size_t limit, char ***keys, size_t *nkeys,
    struct writ_err *err);

/* ---------------------------------------------------------------------------
 * Transactions.
 */
/* Begin a write transaction (takes the store's write lock). */
WRIT_API WRIT_MUST_CHECK writ_rc writ_txn_begin(struct writ_store *s, struct writ_txn **out,
    struct writ_err *err);
/* Read through the transaction: sees its own writes and every committed
 * transaction, durable or not. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_txn_get(struct writ_txn *t, struct writ_arena *a,
    const char *key, unsigned char **val, size_t *len, struct writ_err *err);
WRIT_API WRIT_MUST_CHECK writ_rc writ_txn_list(struct writ_txn *t, struct writ_arena *a,
    const char *prefix, const char *after, size_t limit, char ***keys, size_t *nkeys,
    struct writ_err *err);
/* Put (encrypts now) or delete one key.  Nothing is visible until commit. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_txn_put(struct writ_txn *t, const char *key,
    const void *val, size_t len, struct writ_err *err);
WRIT_API WRIT_MUST_CHECK writ_rc writ_txn_delete(struct writ_txn *t, const char *key,
    struct writ_err *err);
/*
 * Commit: all of the transaction's writes join the open batch atomically, the
 * write lock is released and *seq (may be NULL) gets the sequence number to
 * pass to writ_store_sync.  On error nothing of the transaction is applied.
 * The transaction is freed in both cases.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_txn_commit(struct writ_txn *t, uint64_t *seq,
    struct writ_err *err);
/* Drop the transaction and release the lock; accepts NULL. */
WRIT_API void writ_txn_abort(struct writ_txn *t);
/* Block until the batch holding seq is durable (group commit).  Must not be
 * called by a thread that holds an open transaction (it needs the write lock
 * briefly; the fsync itself runs without it, so other threads keep
 * committing meanwhile).  WRIT_EDB if the batch failed to commit or sync
 * (the store then refuses further writes); WRIT_EINVAL for a seq never
 * handed out. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_store_sync(struct writ_store *s, uint64_t seq,
    struct writ_err *err);
/*
 * The sequence number to pass to writ_store_sync so that everything a read
 * that has already returned may have seen is durable; 0 when it all is
 * already (nothing to wait for).  Call it after the reads.  Lock-free.
 */
WRIT_API uint64_t writ_store_visible_seq(struct writ_store *s);

/* Convenience: one put or delete in its own transaction, made durable. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_store_put(struct writ_store *s, const char *key,
    const void *val, size_t len, struct writ_err *err);
WRIT_API WRIT_MUST_CHECK writ_rc writ_store_delete(struct writ_store *s, const char *key,
    struct writ_err *err);

/*
 * The commit generation: a number that changes every time a batch commit
 * becomes visible to readers (and on seal and unseal).  Caches of decoded
 * records read it before loading a record and treat the record as valid only
 * while it is unchanged.  Thread safe, lock free.
 */
WRIT_API uint64_t writ_store_commit_gen(const struct writ_store *s);

/*
 * Watched generations: like the commit generation, but moved only by the
 * commits of batches that changed records of one class, so that a cache of
 * such records survives the commits of everything else (a token cache under
 * a stream of KV writes and token creations).  A transaction that changes
 * or deletes an existing record of the class calls writ_txn_touch before it
 * commits; adding a new record needs no touch, as no cache can hold it.
 * The generation moves just before and just after the batch's COMMIT, and on
 * seal and unseal, with commit_gen's guarantees.  Only this process's
 * commits are seen: a store shared by several servers needs more (issue 8).
 */
enum writ_store_watch {
	WRIT_WATCH_TOKENS, /* auth/token/id/ records (lib/auth/token_cache.c) */
	WRIT_WATCH_COUNT,
};
/* Mark t's batch as changing records of class w. */
WRIT_API void writ_txn_touch(struct writ_txn *t, enum writ_store_watch w);
/* The generation of class w.  Thread safe, lock free. */
WRIT_API uint64_t writ_store_watch_gen(const struct writ_store *s, enum writ_store_watch w);

#endif /* WRIT_STORE_H */
