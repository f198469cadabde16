/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private declarations of lib/store: the physical backend interface (a small
 * vtable so that a PostgreSQL backend can join the SQLite one), the keyring
 * and barrier record format, the store object shared by store.c, seal.c,
 * barrier.c and sqlite.c, and test hooks (statistics, record decryption for
 * the fuzzer).
 */
#ifndef WRIT_STORE_STORE_INT_H
#define WRIT_STORE_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "writ/base.h"
#include "writ/crypto.h"
#include "writ/store.h"

/* Keys stored raw, outside the barrier; logical keys may not use them. */
#define STORE_KEY_SEAL_CONFIG "core/seal-config"
#define STORE_KEY_KEYRING     "core/keyring"

/* Barrier record: term(4, big-endian) || nonce(12) || ciphertext || tag(16). */
#define BARRIER_TERM_LEN 4
#define BARRIER_OVERHEAD (BARRIER_TERM_LEN + WRIT_AEAD_NONCE + WRIT_AEAD_TAG)

/* Seal configuration record: version, n, t. */
#define SEAL_CONFIG_VERSION 1
#define SEAL_CONFIG_LEN     3

/* Upper bound on keyring terms (one rotation a minute for two years). */
#define KEYRING_MAX_TERMS (1u << 20)

/* ---------------------------------------------------------------------------
 * Physical backend.  A connection is used by one thread at a time.  Keys are
 * NUL-terminated and compared bytewise.  Errors: WRIT_EDB (or WRIT_EIO,
 * WRIT_ENOMEM) with a generic message in err and the detail in the log.
 */
struct pb_conn; /* defined by each backend */

/* Called with each value or key; the pointers are valid only during the call.
 * A return other than WRIT_OK stops the iteration and is passed through. */
typedef writ_rc (*pb_val_fn)(void *arg, const unsigned char *val, size_t len);
typedef writ_rc (*pb_key_fn)(void *arg, const char *key, size_t keylen);

struct pb_ops {
	const char *name;
	/* Open a connection to dsn; the writer creates the schema. */
	writ_rc (*open)(const char *dsn, bool writer, struct pb_conn **out, struct writ_err *err);
	void (*close)(struct pb_conn *c);
	/* WRIT_ENOTFOUND when absent; otherwise fn's result. */
	writ_rc (*get)(
	    struct pb_conn *c, const char *key, pb_val_fn fn, void *arg, struct writ_err *err);
	writ_rc (*put)(struct pb_conn *c, const char *key, const unsigned char *val, size_t len,
	    struct writ_err *err);
	writ_rc (*del)(struct pb_conn *c, const char *key, struct writ_err *err);
	/* Keys starting with prefix, > after (NULL: none), in order, at most
	 * limit (0: all). */
	writ_rc (*list)(struct pb_conn *c, const char *prefix, const char *after, size_t limit,
	    pb_key_fn fn, void *arg, struct writ_err *err);
	/* Batch: begin (taking the database write lock) and commit.  Commit
	 * makes the batch visible to other connections but not durable: that
	 * is sync's job. */
	writ_rc (*begin)(struct pb_conn *c, struct writ_err *err);
	writ_rc (*commit)(struct pb_conn *c, struct writ_err *err);
	writ_rc (*rollback)(struct pb_conn *c);
	/* One nested savepoint inside the batch, for one transaction. */
	writ_rc (*savepoint)(struct pb_conn *c, struct writ_err *err);
	writ_rc (*release)(struct pb_conn *c, struct writ_err *err);
	writ_rc (*rollback_to)(struct pb_conn *c);
	/*
	 * Writer only.  sync makes every batch committed before the call
	 * durable.  It does not touch the connection's database handle, so it
	 * runs without the write mutex while other threads use the connection;
	 * one caller at a time.  log_size is the bytes of committed log not yet
	 * folded into the database (caller holds the write mutex).  A
	 * checkpoint folds them in, in two steps: ckpt_prepare does the bulk of
	 * the copying and syncing without the write mutex, beside the writer
	 * (one caller at a time); checkpoint
	 * finishes the job and lets the log restart (caller holds the write
	 * mutex, no batch open), setting *busy instead of failing when readers
	 * keep it from finishing.  truncate also empties the log file.
	 */
	writ_rc (*sync)(struct pb_conn *c, struct writ_err *err);
	uint64_t (*log_size)(struct pb_conn *c);
	writ_rc (*ckpt_prepare)(struct pb_conn *c, struct writ_err *err);
	writ_rc (*checkpoint)(struct pb_conn *c, bool truncate, bool *busy, struct writ_err *err);
};

extern const struct pb_ops store_sqlite_ops;

/* ---------------------------------------------------------------------------
 * Keyring.  Lives in secure memory (one allocation of keyring_size(n)).
 * terms[] is sorted by term, all terms non-zero and distinct.
 */
struct keyring_term {
	uint32_t term;
	unsigned char key[WRIT_AEAD_KEY_LEN];
};

struct keyring {
	uint32_t active;
	size_t cap; /* terms allocated */
	size_t nterms;
	struct keyring_term terms[];
};

/* Allocate an empty keyring with room for n terms; NULL on ENOMEM. */
struct keyring *keyring_alloc(size_t n);
/* Wipe and free; accepts NULL. */
void keyring_free(struct keyring *kr);
/* Copy of kr with one more term (random key), made active. */
writ_rc keyring_rotate(const struct keyring *kr, struct keyring **out);
/* Key of a term, NULL if unknown. */
const unsigned char *keyring_key(const struct keyring *kr, uint32_t term);
/* Serialise: version(1) || active(4) || count(4) || count * (term(4) || key(32)),
 * into a writ_malloc buffer the caller wipes and frees. */
writ_rc keyring_encode(const struct keyring *kr, unsigned char **out, size_t *len);
/* Parse what keyring_encode wrote; strict (sorted terms, active present). */
writ_rc keyring_decode(const unsigned char *p, size_t len, struct keyring **out);
/* Encrypt the keyring under the root key (aad "core/keyring") and decrypt it. */
writ_rc keyring_seal(const struct keyring *kr, const unsigned char root[WRIT_ROOT_KEY_LEN],
    unsigned char **out, size_t *len);
writ_rc keyring_unseal(const unsigned char *rec, size_t len,
    const unsigned char root[WRIT_ROOT_KEY_LEN], struct keyring **out);

/* ---------------------------------------------------------------------------
 * Barrier records.
 */
/* Encrypt val under the active term with aad = key; *out is writ_malloc'd,
 * *outlen = len + BARRIER_OVERHEAD. */
writ_rc barrier_seal(const struct keyring *kr, const char *key, const void *val, size_t len,
    unsigned char **out, size_t *outlen);
/* Decrypt a record stored at key into out, which must hold len - BARRIER_OVERHEAD
 * bytes (len >= BARRIER_OVERHEAD, else WRIT_ECRYPTO).  Unknown term, wrong key,
 * tampering: WRIT_ECRYPTO. */
writ_rc barrier_open(const struct keyring *kr, const char *key, const unsigned char *rec,
    size_t len, unsigned char *out, size_t *outlen);

/* ---------------------------------------------------------------------------
 * The store object.  Lock order: wmu, then klock, then pmu or smu.
 */
struct pool_conn {
	struct pool_conn *next;
	struct pb_conn *c;
};

struct writ_store_stats {
	uint64_t txns;    /* transactions committed with writes */
	uint64_t batches; /* batches committed */
	uint64_t syncs;   /* writ_store_sync calls that had to wait or lead */
	uint64_t fsyncs;  /* log syncs by sync leaders */
	uint64_t ckpts;   /* checkpoints that reset the log */
	uint64_t ckpt_busy; /* checkpoints cut short by readers */
};

/* Checkpoint when the log holds more than this many bytes. */
#define STORE_CKPT_LIMIT (64u << 20)

struct writ_store {
	const struct pb_ops *ops;
	char *dsn;

	/* Writer: one connection, one open batch, guarded by wmu. */
	pthread_mutex_t wmu;
	struct pb_conn *writer;
	bool batch_open;
	uint64_t last_seq;  /* last sequence number handed out */
	atomic_uint wqueue; /* threads waiting for wmu in writ_txn_begin */
	uint64_t ckpt_retry; /* log size for the next try after a busy checkpoint */
	/* The checkpointer thread; its flags are guarded by wmu. */
	pthread_t ckpt_thread;
	pthread_cond_t ckpt_cv;
	bool ckpt_started, ckpt_wanted, ckpt_stop;
	/* Highest sequence number other connections may see: set before each
	 * COMMIT, read without locks by writ_store_visible_seq. */
	_Atomic uint64_t visible_seq;
	/* writ_store_commit_gen: bumped just before and just after each batch
	 * COMMIT (so a record loaded at any point of it is tagged with a number
	 * that is gone once the commit is visible), and on seal and unseal. */
	_Atomic uint64_t commit_gen;
	/* writ_store_watch_gen: moved like commit_gen, by batches that touched
	 * the class (batch_touched, a bit per class, guarded by wmu). */
	_Atomic uint64_t watch_gen[WRIT_WATCH_COUNT];
	unsigned batch_touched;

	/*
	 * Durability, guarded by smu (durable_seq is also read without it).
	 * Syncs are numbered by gen; a thread waiting for sync g sleeps on
	 * gen_cv[g & 1], so that the end of a sync wakes only the threads it
	 * made durable and one thread to lead the next sync.
	 */
	pthread_mutex_t smu;
	pthread_cond_t gen_cv[2];
	pthread_cond_t gather_cv; /* the leader, while gathering */
	_Atomic uint64_t durable_seq;
	uint64_t gen;           /* number of the sync in flight, or of the next */
	uint64_t sync_target;   /* last seq the sync in flight covers... */
	bool committed;         /* ...valid once its leader has committed */
	bool syncing;           /* a leader is at work */
	bool gathering;         /* the leader waits for writers to join */
	bool failed;            /* a batch failed to commit or sync: fail-stop */
	unsigned nwaiting;      /* threads in writ_store_sync not yet durable */
	unsigned nwaiting_peak; /* most of them at once since the last leader began */
	unsigned gather_for;    /* nwaiting the gathering leader waits for */
	uint64_t sync_us;       /* moving average of a log sync, microseconds
	                         * (written by leaders only) */

	/* Set once after open, before other threads use the store (tests). */
	uint64_t ckpt_limit;                     /* STORE_CKPT_LIMIT */
	void (*sync_hook)(struct writ_store *s); /* runs just before each log sync */

	/* Read-only connections, guarded by pmu. */
	pthread_mutex_t pmu;
	struct pool_conn *pool;

	/* Seal state, guarded by klock. */
	pthread_rwlock_t klock;
	bool initialized;
	unsigned n, t;
	struct keyring *kr;    /* NULL while sealed */
	unsigned char *root;   /* secmem, NULL while sealed */
	unsigned char *shares; /* secmem, 255 * WRIT_SHARE_LEN, unseal progress */
	unsigned nshares;

	_Atomic uint64_t st_txns, st_batches, st_syncs, st_fsyncs, st_ckpts, st_ckpt_busy;
	_Atomic uint64_t st_gather_us, st_commit_us, st_fsync_us; /* time in each part of a sync */
};

/* gen.c: the first commit generation of a newly opened store, unique in the
 * process. */
uint64_t store_gen_base(void);
/* Move the watched generations of the classes in the bit set (gen.c). */
void store_watch_bump(struct writ_store *s, unsigned classes);

/* Counters since open.  Thread safe. */
void writ_store_stats(struct writ_store *s, struct writ_store_stats *out);

/* store.c, for seal.c: one raw put inside a batch, returning the sequence
 * number (caller holds wmu). */
writ_rc store_raw_put_locked(struct writ_store *s, const char *const *keys,
    const unsigned char *const *vals, const size_t *lens, size_t n, uint64_t *seq,
    struct writ_err *err);
/* Read a raw value through the writer connection (caller holds wmu) into a
 * writ_malloc buffer. */
writ_rc store_raw_get_locked(
    struct writ_store *s, const char *key, unsigned char **val, size_t *len, struct writ_err *err);
/* Load the seal configuration at open. */
writ_rc store_seal_load(struct writ_store *s, struct writ_err *err);
/* Free the seal state (keyring, root, progress). */
void store_seal_free(struct writ_store *s);

#endif /* WRIT_STORE_STORE_INT_H */
