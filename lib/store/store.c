/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The logical store: key checks, reads through a pool of read-only
 * connections, write transactions on the single writer connection, and
 * group commit.
 *
 * Writes.  writ_txn_begin takes the write mutex (wmu) and holds it until
 * commit or abort.  The first write of a transaction opens a batch on the
 * writer connection if none is open (BEGIN IMMEDIATE) and a SAVEPOINT for the
 * transaction; each put is encrypted by the barrier and applied at once
 * inside that savepoint.  Commit RELEASEs the savepoint (the writes join the
 * batch) and hands out a sequence number; abort or a failed commit rolls back
 * to the savepoint, leaving the batch as it was.
 *   This differs from the first design, which buffered writes in the
 * transaction and applied them at commit: applying them inside a savepoint
 * gives writ_txn_get and writ_txn_list read-your-writes from SQLite itself
 * (no merge of a write buffer with an ordered scan), holds the write lock for
 * the same time, and keeps a failing transaction out of the batch just the
 * same.
 *
 * Durability (docs/STORAGE.md has the whole argument).  writ_store_sync(seq)
 * returns at once if seq is durable; otherwise one caller at a time becomes
 * the leader: under wmu it COMMITs the open batch, which writes the batch's
 * frames to the log without an fsync, and notes the last sequence number
 * handed out; then, holding no lock, it fdatasyncs the log, sets durable_seq
 * to that number and wakes the waiters.  Writers go on filling the next
 * batch during the fdatasync, so each fsync carries every transaction that
 * arrived during the previous one.  If a COMMIT or the fdatasync fails the
 * store stops accepting writes (fail-stop, as PostgreSQL does after a failed
 * fsync): the page cache can no longer be trusted to match the disk, and the
 * transactions in flight get an error from writ_store_sync.
 *
 * Checkpoints are ours too: when a leader finds the log past ckpt_limit it
 * wakes the store's checkpointer thread, which has the backend copy most of
 * the log into the database beside the writers, then takes wmu for the
 * rest, which lets the log restart (SQLite syncs the log, then the database,
 * before the log is reused).  Readers in the log make it stop short; it is
 * retried later.
 *
 * Reads outside transactions use read-only connections, so they see every
 * COMMITted batch: for the length of one fdatasync that includes a batch not
 * yet durable.  writ_store_visible_seq tells a caller what to wait for if it
 * must not answer with such data.
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np */
#include <sched.h>
#include <string.h>
#include <time.h>

#include "store/store_int.h"

#define POOL_MAX_IDLE 64
#define GATHER_MAX_US 2000 /* longest wait for writers to join a batch */

struct writ_txn {
	struct writ_store *s;
	bool in_sp;        /* savepoint open */
	bool opened_batch; /* the batch was begun by this transaction */
	bool wrote;
};

struct get_ctx {
	const struct keyring *kr;
	const char *key;
	struct writ_arena *a;
	unsigned char *val;
	size_t len;
	struct writ_err *err;
};

struct list_ctx {
	struct writ_arena *a;
	char **keys;
	size_t n, cap, limit;
	struct writ_err *err;
};

struct raw_ctx {
	unsigned char *val;
	size_t len;
};

static bool is_raw_key(const char *key);
static writ_rc check_key(const char *key, struct writ_err *err);
static writ_rc check_sealed_locked(struct writ_store *s, struct writ_err *err);
static void store_fail(struct writ_store *s, const char *what);
static bool store_failed(struct writ_store *s);
static writ_rc pool_take(struct writ_store *s, struct pool_conn **out, struct writ_err *err);
static void pool_give(struct writ_store *s, struct pool_conn *pc);
static writ_rc get_cb(void *arg, const unsigned char *rec, size_t len);
static writ_rc list_cb(void *arg, const char *key, size_t keylen);
static writ_rc raw_cb(void *arg, const unsigned char *val, size_t len);
static writ_rc do_get(struct writ_store *s, struct pb_conn *c, struct writ_arena *a,
    const char *key, unsigned char **val, size_t *len, struct writ_err *err);
static writ_rc do_list(struct writ_store *s, struct pb_conn *c, struct writ_arena *a,
    const char *prefix, const char *after, size_t limit, char ***keys, size_t *nkeys,
    struct writ_err *err);
static writ_rc txn_scope(struct writ_txn *t, struct writ_err *err);
static void batch_abandon(struct writ_store *s, const char *what);
static void txn_undo(struct writ_txn *t);
static writ_rc klock_init(struct writ_store *s);
static writ_rc gather_cv_init(struct writ_store *s);
static void wake_all_locked(struct writ_store *s);
static writ_rc batch_commit_locked(struct writ_store *s, struct writ_err *err);
static void gather_locked(struct writ_store *s);
static writ_rc lead_locked(struct writ_store *s, uint64_t *target, struct writ_err *err);
static bool ckpt_due_locked(struct writ_store *s);
static writ_rc checkpoint_locked(struct writ_store *s, bool truncate, struct writ_err *err);
static void *ckpt_main(void *arg);
static writ_rc ckpt_start(struct writ_store *s);
static void ckpt_stop(struct writ_store *s);

/* ---------------------------------------------------------------------------
 * Helpers.
 */
static bool
is_raw_key(const char *key)
{
	return strcmp(key, STORE_KEY_SEAL_CONFIG) == 0 || strcmp(key, STORE_KEY_KEYRING) == 0;
}

static writ_rc
check_key(const char *key, struct writ_err *err)
{
	size_t len;

	if (key == NULL)
		return WRIT_ERR(err, WRIT_EINVAL, "missing key");
	len = strnlen(key, WRIT_STORE_KEY_MAX + 1);
	if (len == 0)
		return WRIT_ERR(err, WRIT_EINVAL, "empty key");
	if (len > WRIT_STORE_KEY_MAX)
		return WRIT_ERR(err, WRIT_ETOOBIG, "key too long");
	if (is_raw_key(key))
		return WRIT_ERR(err, WRIT_EINVAL, "reserved key");
	return WRIT_OK;
}

/* Caller holds klock. */
static writ_rc
check_sealed_locked(struct writ_store *s, struct writ_err *err)
{
	if (s->kr == NULL)
		return WRIT_ERR(err, WRIT_ESEALED, "store is sealed");
	return WRIT_OK;
}

static void
store_fail(struct writ_store *s, const char *what)
{
	writ_log(WRIT_LOG_ERROR, "store: %s failed; store stops accepting writes", what);
	pthread_mutex_lock(&s->smu);
	s->failed = true;
	wake_all_locked(s);
	pthread_mutex_unlock(&s->smu);
}

static bool
store_failed(struct writ_store *s)
{
	bool f;

	pthread_mutex_lock(&s->smu);
	f = s->failed;
	pthread_mutex_unlock(&s->smu);
	return f;
}

void
writ_store_stats(struct writ_store *s, struct writ_store_stats *out)
{
	out->txns = atomic_load(&s->st_txns);
	out->batches = atomic_load(&s->st_batches);
	out->syncs = atomic_load(&s->st_syncs);
	out->fsyncs = atomic_load(&s->st_fsyncs);
	out->ckpts = atomic_load(&s->st_ckpts);
	out->ckpt_busy = atomic_load(&s->st_ckpt_busy);
}

/* ---------------------------------------------------------------------------
 * Read connection pool: a mutex-protected free list.
 */
static writ_rc
pool_take(struct writ_store *s, struct pool_conn **out, struct writ_err *err)
{
	struct pool_conn *pc;
	writ_rc rc;

	pthread_mutex_lock(&s->pmu);
	if ((pc = s->pool) != NULL)
		s->pool = pc->next;
	pthread_mutex_unlock(&s->pmu);
	if (pc != NULL) {
		*out = pc;
		return WRIT_OK;
	}
	if ((pc = writ_calloc(1, sizeof(*pc))) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	if ((rc = s->ops->open(s->dsn, false, &pc->c, err)) != WRIT_OK) {
		writ_free(pc);
		return rc;
	}
	*out = pc;
	return WRIT_OK;
}

static void
pool_give(struct writ_store *s, struct pool_conn *pc)
{
	struct pool_conn *p;
	size_t n = 0;

	pthread_mutex_lock(&s->pmu);
	for (p = s->pool; p != NULL && n < POOL_MAX_IDLE; p = p->next)
		n++;
	if (n < POOL_MAX_IDLE) {
		pc->next = s->pool;
		s->pool = pc;
		pc = NULL;
	}
	pthread_mutex_unlock(&s->pmu);
	if (pc != NULL) {
		s->ops->close(pc->c);
		writ_free(pc);
	}
}

/* ---------------------------------------------------------------------------
 * Reads.
 */
static writ_rc
get_cb(void *arg, const unsigned char *rec, size_t len)
{
	struct get_ctx *g = arg;
	unsigned char *out;
	size_t n;
	writ_rc rc;

	if (len < BARRIER_OVERHEAD || len - BARRIER_OVERHEAD > WRIT_STORE_VALUE_MAX)
		goto bad;
	if ((out = writ_arena_alloc(g->a, len - BARRIER_OVERHEAD + 1)) == NULL) {
		if (writ_arena_over_cap(g->a))
			return WRIT_ERR(
			    g->err, WRIT_ELIMIT, "value exceeds the request memory limit");
		return WRIT_ERR(g->err, WRIT_ENOMEM, "out of memory");
	}
	rc = barrier_open(g->kr, g->key, rec, len, out, &n);
	if (rc != WRIT_OK)
		goto bad;
	out[n] = '\0';
	g->val = out;
	g->len = n;
	return WRIT_OK;
bad:
	writ_log(WRIT_LOG_ERROR, "store: value at %s failed to authenticate", g->key);
	return WRIT_ERR(g->err, WRIT_ECRYPTO, "stored value failed to authenticate");
}

/* Caller holds klock (read) and has checked the store is unsealed. */
static writ_rc
do_get(struct writ_store *s, struct pb_conn *c, struct writ_arena *a, const char *key,
    unsigned char **val, size_t *len, struct writ_err *err)
{
	struct get_ctx g = {.kr = s->kr, .key = key, .a = a, .err = err};
	writ_rc rc;

	rc = s->ops->get(c, key, get_cb, &g, err);
	if (rc == WRIT_ENOTFOUND)
		return WRIT_ERR(err, rc, "not found");
	if (rc != WRIT_OK)
		return rc;
	*val = g.val;
	*len = g.len;
	return WRIT_OK;
}

static writ_rc
list_cb(void *arg, const char *key, size_t keylen)
{
	struct list_ctx *l = arg;
	char *k;

	if (is_raw_key(key) || (l->limit != 0 && l->n == l->limit))
		return WRIT_OK;
	if (l->n + 1 >= l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		char **nk = writ_arena_calloc(l->a, cap, sizeof(*nk));

		if (nk == NULL)
			goto nomem;
		if (l->n > 0)
			memcpy(nk, l->keys, l->n * sizeof(*nk));
		l->keys = nk;
		l->cap = cap;
	}
	if ((k = writ_arena_strndup(l->a, key, keylen)) == NULL)
		goto nomem;
	l->keys[l->n++] = k;
	return WRIT_OK;
nomem:
	if (writ_arena_over_cap(l->a))
		return WRIT_ERR(l->err, WRIT_ELIMIT, "list exceeds the request memory limit");
	return WRIT_ERR(l->err, WRIT_ENOMEM, "out of memory");
}

/*
 * The two raw keys are skipped by list_cb; asking the backend for two more
 * than limit keeps the result full when they fall inside the range.  The
 * array is NULL-terminated for convenience.
 */
static writ_rc
do_list(struct writ_store *s, struct pb_conn *c, struct writ_arena *a, const char *prefix,
    const char *after, size_t limit, char ***keys, size_t *nkeys, struct writ_err *err)
{
	struct list_ctx l = {.a = a, .limit = limit, .err = err};
	size_t qlimit = limit == 0 || limit > SIZE_MAX - 2 ? 0 : limit + 2;
	writ_rc rc;

	if (prefix == NULL)
		prefix = "";
	if (strnlen(prefix, WRIT_STORE_KEY_MAX + 1) > WRIT_STORE_KEY_MAX ||
	    (after != NULL && strnlen(after, WRIT_STORE_KEY_MAX + 1) > WRIT_STORE_KEY_MAX))
		return WRIT_ERR(err, WRIT_ETOOBIG, "key too long");
	rc = s->ops->list(c, prefix, after, qlimit, list_cb, &l, err);
	if (rc != WRIT_OK)
		return rc;
	if (l.keys == NULL && (l.keys = writ_arena_calloc(a, 1, sizeof(char *))) == NULL)
		return WRIT_ERR(
		    err, writ_arena_over_cap(a) ? WRIT_ELIMIT : WRIT_ENOMEM, "out of memory");
	*keys = l.keys;
	*nkeys = l.n;
	return WRIT_OK;
}

writ_rc
writ_store_get(struct writ_store *s, struct writ_arena *a, const char *key, unsigned char **val,
    size_t *len, struct writ_err *err)
{
	struct pool_conn *pc = NULL;
	writ_rc rc;

	if ((rc = check_key(key, err)) != WRIT_OK)
		return rc;
	pthread_rwlock_rdlock(&s->klock);
	if ((rc = check_sealed_locked(s, err)) != WRIT_OK)
		goto out;
	if ((rc = pool_take(s, &pc, err)) != WRIT_OK)
		goto out;
	rc = do_get(s, pc->c, a, key, val, len, err);
	pool_give(s, pc);
out:
	pthread_rwlock_unlock(&s->klock);
	return rc;
}

writ_rc
writ_store_list(struct writ_store *s, struct writ_arena *a, const char *prefix, const char *after,
    size_t limit, char ***keys, size_t *nkeys, struct writ_err *err)
{
	struct pool_conn *pc = NULL;
	writ_rc rc;

	pthread_rwlock_rdlock(&s->klock);
	if ((rc = check_sealed_locked(s, err)) != WRIT_OK)
		goto out;
	if ((rc = pool_take(s, &pc, err)) != WRIT_OK)
		goto out;
	rc = do_list(s, pc->c, a, prefix, after, limit, keys, nkeys, err);
	pool_give(s, pc);
out:
	pthread_rwlock_unlock(&s->klock);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Transactions.
 */
writ_rc
writ_txn_begin(struct writ_store *s, struct writ_txn **out, struct writ_err *err)
{
	struct writ_txn *t;
	writ_rc rc = WRIT_OK;

	if ((t = writ_calloc(1, sizeof(*t))) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	t->s = s;
	atomic_fetch_add(&s->wqueue, 1);
	pthread_mutex_lock(&s->wmu);
	atomic_fetch_sub(&s->wqueue, 1);
	pthread_rwlock_rdlock(&s->klock);
	rc = check_sealed_locked(s, err);
	pthread_rwlock_unlock(&s->klock);
	if (rc == WRIT_OK && store_failed(s))
		rc = WRIT_ERR(err, WRIT_EDB, "storage error");
	if (rc != WRIT_OK) {
		pthread_mutex_unlock(&s->wmu);
		writ_free(t);
		return rc;
	}
	*out = t;
	return WRIT_OK;
}

/*
 * Roll back the whole open batch after a savepoint could not be undone.
 * Transactions already in it are lost, so the store fails (their sync
 * reports it).  Caller holds wmu.
 */
static void
batch_abandon(struct writ_store *s, const char *what)
{
	(void)s->ops->rollback(s->writer);
	s->batch_open = false;
	store_fail(s, what);
}

/* Open the batch if needed and the transaction's savepoint.  Holds wmu. */
static writ_rc
txn_scope(struct writ_txn *t, struct writ_err *err)
{
	struct writ_store *s = t->s;
	writ_rc rc;

	if (t->in_sp)
		return WRIT_OK;
	if (store_failed(s))
		return WRIT_ERR(err, WRIT_EDB, "storage error");
	if (!s->batch_open) {
		if ((rc = s->ops->begin(s->writer, err)) != WRIT_OK)
			return rc;
		s->batch_open = true;
		t->opened_batch = true;
	}
	if ((rc = s->ops->savepoint(s->writer, err)) != WRIT_OK) {
		if (t->opened_batch) {
			(void)s->ops->rollback(s->writer);
			s->batch_open = false;
			t->opened_batch = false;
		}
		return rc;
	}
	t->in_sp = true;
	return WRIT_OK;
}

writ_rc
writ_txn_get(struct writ_txn *t, struct writ_arena *a, const char *key, unsigned char **val,
    size_t *len, struct writ_err *err)
{
	writ_rc rc;

	if ((rc = check_key(key, err)) != WRIT_OK)
		return rc;
	pthread_rwlock_rdlock(&t->s->klock);
	if ((rc = check_sealed_locked(t->s, err)) == WRIT_OK)
		rc = do_get(t->s, t->s->writer, a, key, val, len, err);
	pthread_rwlock_unlock(&t->s->klock);
	return rc;
}

writ_rc
writ_txn_list(struct writ_txn *t, struct writ_arena *a, const char *prefix, const char *after,
    size_t limit, char ***keys, size_t *nkeys, struct writ_err *err)
{
	writ_rc rc;

	pthread_rwlock_rdlock(&t->s->klock);
	if ((rc = check_sealed_locked(t->s, err)) == WRIT_OK)
		rc = do_list(t->s, t->s->writer, a, prefix, after, limit, keys, nkeys, err);
	pthread_rwlock_unlock(&t->s->klock);
	return rc;
}

writ_rc
writ_txn_put(struct writ_txn *t, const char *key, const void *val, size_t len, struct writ_err *err)
{
	unsigned char *rec = NULL;
	size_t rlen = 0;
	writ_rc rc;

	if ((rc = check_key(key, err)) != WRIT_OK)
		return rc;
	if (len > WRIT_STORE_VALUE_MAX)
		return WRIT_ERR(err, WRIT_ETOOBIG, "value too large");
	if (val == NULL && len > 0)
		return WRIT_ERR(err, WRIT_EINVAL, "missing value");
	pthread_rwlock_rdlock(&t->s->klock);
	if ((rc = check_sealed_locked(t->s, err)) == WRIT_OK) {
		rc = barrier_seal(t->s->kr, key, val, len, &rec, &rlen);
		if (rc != WRIT_OK)
			rc = WRIT_ERR(err, rc, "cannot encrypt value");
	}
	pthread_rwlock_unlock(&t->s->klock);
	if (rc != WRIT_OK)
		goto out;
	if ((rc = txn_scope(t, err)) != WRIT_OK)
		goto out;
	if ((rc = t->s->ops->put(t->s->writer, key, rec, rlen, err)) != WRIT_OK)
		goto out;
	t->wrote = true;
out:
	writ_free(rec);
	return rc;
}

void
writ_txn_touch(struct writ_txn *t, enum writ_store_watch w)
{
	if (t != NULL && (unsigned)w < WRIT_WATCH_COUNT)
		t->s->batch_touched |= 1u << w; /* t holds wmu */
}

writ_rc
writ_txn_delete(struct writ_txn *t, const char *key, struct writ_err *err)
{
	writ_rc rc;

	if ((rc = check_key(key, err)) != WRIT_OK)
		return rc;
	pthread_rwlock_rdlock(&t->s->klock);
	rc = check_sealed_locked(t->s, err);
	pthread_rwlock_unlock(&t->s->klock);
	if (rc != WRIT_OK)
		return rc;
	if ((rc = txn_scope(t, err)) != WRIT_OK)
		return rc;
	if ((rc = t->s->ops->del(t->s->writer, key, err)) != WRIT_OK)
		return rc;
	t->wrote = true;
	return WRIT_OK;
}

/* Undo the transaction's writes; the batch is left as before it.  Holds wmu. */
static void
txn_undo(struct writ_txn *t)
{
	struct writ_store *s = t->s;

	if (t->in_sp && s->ops->rollback_to(s->writer) != WRIT_OK) {
		batch_abandon(s, "rollback to savepoint");
		return;
	}
	t->in_sp = false;
	if (t->opened_batch && s->batch_open) {
		/* Nothing else joined a batch this transaction began. */
		(void)s->ops->rollback(s->writer);
		s->batch_open = false;
	}
}

writ_rc
writ_txn_commit(struct writ_txn *t, uint64_t *seq, struct writ_err *err)
{
	struct writ_store *s = t->s;
	writ_rc rc = WRIT_OK;

	if (t->in_sp) {
		pthread_rwlock_rdlock(&s->klock);
		rc = check_sealed_locked(s, err);
		pthread_rwlock_unlock(&s->klock);
		if (rc == WRIT_OK)
			rc = s->ops->release(s->writer, err);
		if (rc != WRIT_OK)
			txn_undo(t);
	}
	if (rc == WRIT_OK && t->wrote) {
		s->last_seq++;
		atomic_fetch_add(&s->st_txns, 1);
	}
	if (rc == WRIT_OK && seq != NULL)
		*seq = s->last_seq;
	pthread_mutex_unlock(&s->wmu);
	writ_free(t);
	return rc;
}

void
writ_txn_abort(struct writ_txn *t)
{
	struct writ_store *s;

	if (t == NULL)
		return;
	s = t->s;
	txn_undo(t);
	pthread_mutex_unlock(&s->wmu);
	writ_free(t);
}

/* ---------------------------------------------------------------------------
 * Group commit.
 */

/* Wake every thread in writ_store_sync (the store failed).  Holds smu. */
static void
wake_all_locked(struct writ_store *s)
{
	pthread_cond_broadcast(&s->gen_cv[0]);
	pthread_cond_broadcast(&s->gen_cv[1]);
	pthread_cond_broadcast(&s->gather_cv);
}

/*
 * COMMIT the open batch, if any.  visible_seq is raised first, so that a
 * reader that sees the batch also sees a visible_seq that covers it; the
 * commit generation moves on both sides of the COMMIT.  Holds wmu.
 */
static writ_rc
batch_commit_locked(struct writ_store *s, struct writ_err *err)
{
	writ_rc rc;

	if (!s->batch_open)
		return WRIT_OK;
	atomic_store(&s->visible_seq, s->last_seq);
	atomic_fetch_add(&s->commit_gen, 1);
	store_watch_bump(s, s->batch_touched);
	rc = s->ops->commit(s->writer, err);
	atomic_fetch_add(&s->commit_gen, 1);
	store_watch_bump(s, s->batch_touched);
	s->batch_touched = 0;
	s->batch_open = false;
	if (rc == WRIT_OK)
		atomic_fetch_add(&s->st_batches, 1);
	return rc;
}

/*
 * Before committing, wait a little for writers to join the batch: while
 * threads queue for wmu (they are about to commit), and until as many
 * threads wait for durability as did at once during the previous sync.
 * Without it, the writers a sync releases come back with new transactions
 * just after the next leader has committed, and they split into two halves
 * that take turns, each sync carrying one half.  The wait ends as soon as
 * they are all there and after half a sync at most, so it cannot cost more
 * than it saves.  bench/store_commit, 32 writers: 24-31 transactions per
 * fsync instead of 16-17, 10-30% more of them per second, syncing either
 * from each writer or from one committer thread as the server does.  Holds
 * smu, which it drops while waiting.
 */
static void
gather_locked(struct writ_store *s)
{
	unsigned want = s->nwaiting_peak;
	uint64_t cap = s->sync_us / 2, ns, deadline;
	struct timespec ts;

	s->nwaiting_peak = s->nwaiting;
	if ((s->nwaiting >= want && atomic_load(&s->wqueue) == 0) || cap == 0)
		return;
	if (cap > GATHER_MAX_US)
		cap = GATHER_MAX_US;
	deadline = writ_time_mono_us() + cap;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = (uint64_t)ts.tv_nsec + cap * 1000u;
	ts.tv_sec += (time_t)(ns / 1000000000u);
	ts.tv_nsec = (long)(ns % 1000000000u);
	s->gathering = true;
	s->gather_for = want;
	while (!s->failed && writ_time_mono_us() < deadline) {
		if (atomic_load(&s->wqueue) > 0) {
			/* Writers queue for wmu: let them apply first. */
			pthread_mutex_unlock(&s->smu);
			sched_yield();
			pthread_mutex_lock(&s->smu);
		} else if (s->nwaiting >= want ||
		    pthread_cond_timedwait(&s->gather_cv, &s->smu, &ts) != 0) {
			break;
		}
	}
	s->gathering = false;
}

/*
 * Lead one sync: gather, COMMIT the open batch under wmu (no fsync: quick),
 * publish what it covers, fdatasync the log holding no lock while writers
 * fill the next batch, then advance durable_seq and wake the threads the
 * sync covers and one to lead the next.  *target gets the last sequence
 * number covered.  A log grown past the limit is left to the checkpointer
 * thread, so that checkpoints never delay a sync.  Called and returns with
 * smu held.
 */
static writ_rc
lead_locked(struct writ_store *s, uint64_t *target, struct writ_err *err)
{
	uint64_t t0, t1;
	writ_rc rc;

	s->syncing = true;
	t0 = writ_time_mono_us();
	gather_locked(s);
	pthread_mutex_unlock(&s->smu);
	t1 = writ_time_mono_us();
	atomic_fetch_add(&s->st_gather_us, t1 - t0);
	pthread_mutex_lock(&s->wmu);
	rc = batch_commit_locked(s, err);
	atomic_fetch_add(&s->st_commit_us, writ_time_mono_us() - t1);
	*target = s->last_seq;
	if (rc == WRIT_OK && !s->ckpt_wanted && ckpt_due_locked(s)) {
		s->ckpt_wanted = true;
		pthread_cond_signal(&s->ckpt_cv);
	}
	pthread_mutex_unlock(&s->wmu);
	if (rc == WRIT_OK) {
		pthread_mutex_lock(&s->smu);
		s->sync_target = *target;
		s->committed = true;
		pthread_mutex_unlock(&s->smu);
		t0 = writ_time_mono_us();
		if (s->sync_hook != NULL)
			s->sync_hook(s);
		rc = s->ops->sync(s->writer, err);
		t1 = writ_time_mono_us() - t0;
		s->sync_us = (s->sync_us * 7 + t1) / 8;
		atomic_fetch_add(&s->st_fsync_us, t1);
	}
	pthread_mutex_lock(&s->smu);
	s->syncing = false;
	s->committed = false;
	if (rc != WRIT_OK) {
		s->failed = true;
		writ_log(WRIT_LOG_ERROR,
		    "store: batch commit or log sync failed; store stops accepting writes");
		wake_all_locked(s);
		return rc;
	}
	atomic_fetch_add(&s->st_fsyncs, 1);
	if (*target > s->durable_seq)
		s->durable_seq = *target;
	pthread_cond_broadcast(&s->gen_cv[s->gen & 1]);
	s->gen++;
	pthread_cond_signal(&s->gen_cv[s->gen & 1]);
	return WRIT_OK;
}

/* Wait for seq to be durable, leading a sync when nobody else is. */
writ_rc
writ_store_sync(struct writ_store *s, uint64_t seq, struct writ_err *err)
{
	uint64_t target = 0;
	bool counted = false;
	writ_rc rc = WRIT_OK;

	pthread_mutex_lock(&s->smu);
	if (seq > s->durable_seq) {
		atomic_fetch_add(&s->st_syncs, 1);
		counted = true;
		if (++s->nwaiting > s->nwaiting_peak)
			s->nwaiting_peak = s->nwaiting;
		if (s->gathering && s->nwaiting >= s->gather_for)
			pthread_cond_signal(&s->gather_cv);
	}
	while (seq > s->durable_seq) {
		if (s->failed) {
			rc = WRIT_ERR(err, WRIT_EDB, "storage error");
			break;
		}
		if (s->syncing) {
			/* Not covered by the sync in flight: wait for the next. */
			uint64_t g = s->gen + (s->committed && seq > s->sync_target);

			pthread_cond_wait(&s->gen_cv[g & 1], &s->smu);
			continue;
		}
		rc = lead_locked(s, &target, err);
		if (rc == WRIT_OK && seq > target)
			rc = WRIT_ERR(err, WRIT_EINVAL, "unknown sequence number");
		if (rc != WRIT_OK)
			break;
	}
	if (counted)
		s->nwaiting--;
	pthread_mutex_unlock(&s->smu);
	return rc;
}

uint64_t
writ_store_visible_seq(struct writ_store *s)
{
	uint64_t v = atomic_load(&s->visible_seq);

	return v > atomic_load(&s->durable_seq) ? v : 0;
}

/* The log is over the limit (and past the retry point after a busy try). */
static bool
ckpt_due_locked(struct writ_store *s)
{
	uint64_t logsz = s->ops->log_size(s->writer);

	return logsz > s->ckpt_limit && logsz > s->ckpt_retry;
}

/*
 * Fold the log into the database.  A batch still open is COMMITted first
 * (SQLite cannot checkpoint inside a transaction); it is then in the log but
 * not yet durable, which the next leader's fdatasync (or this checkpoint's
 * own sync of the log) takes care of.  Holds wmu.
 */
static writ_rc
checkpoint_locked(struct writ_store *s, bool truncate, struct writ_err *err)
{
	bool busy = false;
	writ_rc rc;

	if ((rc = batch_commit_locked(s, err)) != WRIT_OK)
		return rc;
	if ((rc = s->ops->checkpoint(s->writer, truncate, &busy, err)) != WRIT_OK)
		return rc;
	/* Cut short by readers: try again once the log has grown by another
	 * quarter of the limit, so that retries cost little. */
	if (busy) {
		atomic_fetch_add(&s->st_ckpt_busy, 1);
		s->ckpt_retry = s->ops->log_size(s->writer) + s->ckpt_limit / 4;
	} else {
		atomic_fetch_add(&s->st_ckpts, 1);
		s->ckpt_retry = 0;
	}
	return WRIT_OK;
}

/*
 * The checkpointer thread: woken by a leader that found the log past the
 * limit, it has the backend copy the bulk of the log beside the writers
 * (ckpt_prepare, no lock), then finishes under wmu.  Failures stop the
 * store.  It sleeps on ckpt_cv with wmu, which guards its flags.
 */
static void *
ckpt_main(void *arg)
{
	struct writ_store *s = arg;
	struct writ_err err;
	writ_rc rc;

	pthread_mutex_lock(&s->wmu);
	for (;;) {
		while (!s->ckpt_wanted && !s->ckpt_stop)
			pthread_cond_wait(&s->ckpt_cv, &s->wmu);
		if (s->ckpt_stop)
			break;
		s->ckpt_wanted = false;
		if (store_failed(s) || !ckpt_due_locked(s))
			continue;
		pthread_mutex_unlock(&s->wmu);
		rc = s->ops->ckpt_prepare(s->writer, &err);
		pthread_mutex_lock(&s->wmu);
		if (rc == WRIT_OK)
			rc = checkpoint_locked(s, false, &err);
		if (rc != WRIT_OK) {
			pthread_mutex_unlock(&s->wmu);
			store_fail(s, "checkpoint");
			pthread_mutex_lock(&s->wmu);
		}
	}
	pthread_mutex_unlock(&s->wmu);
	return NULL;
}

static writ_rc
ckpt_start(struct writ_store *s)
{
	if (pthread_create(&s->ckpt_thread, NULL, ckpt_main, s) != 0)
		return WRIT_ENOMEM;
	s->ckpt_started = true;
	return WRIT_OK;
}

/* Stop the checkpointer, waiting for a checkpoint under way. */
static void
ckpt_stop(struct writ_store *s)
{
	if (!s->ckpt_started)
		return;
	pthread_mutex_lock(&s->wmu);
	s->ckpt_stop = true;
	pthread_cond_signal(&s->ckpt_cv);
	pthread_mutex_unlock(&s->wmu);
	pthread_join(s->ckpt_thread, NULL);
	s->ckpt_started = false;
}

writ_rc
writ_store_put(
    struct writ_store *s, const char *key, const void *val, size_t len, struct writ_err *err)
{
	struct writ_txn *t = NULL;
	uint64_t seq = 0;
	writ_rc rc;

	if ((rc = writ_txn_begin(s, &t, err)) != WRIT_OK)
		return rc;
	if ((rc = writ_txn_put(t, key, val, len, err)) != WRIT_OK) {
		writ_txn_abort(t);
		return rc;
	}
	if ((rc = writ_txn_commit(t, &seq, err)) != WRIT_OK)
		return rc;
	return writ_store_sync(s, seq, err);
}

writ_rc
writ_store_delete(struct writ_store *s, const char *key, struct writ_err *err)
{
	struct writ_txn *t = NULL;
	uint64_t seq = 0;
	writ_rc rc;

	if ((rc = writ_txn_begin(s, &t, err)) != WRIT_OK)
		return rc;
	if ((rc = writ_txn_delete(t, key, err)) != WRIT_OK) {
		writ_txn_abort(t);
		return rc;
	}
	if ((rc = writ_txn_commit(t, &seq, err)) != WRIT_OK)
		return rc;
	return writ_store_sync(s, seq, err);
}

/* ---------------------------------------------------------------------------
 * Raw keys, for seal.c.  The caller holds wmu.
 */
writ_rc
store_raw_put_locked(struct writ_store *s, const char *const *keys,
    const unsigned char *const *vals, const size_t *lens, size_t n, uint64_t *seq,
    struct writ_err *err)
{
	struct writ_txn t = {.s = s};
	writ_rc rc;
	size_t i;

	if ((rc = txn_scope(&t, err)) != WRIT_OK)
		return rc;
	for (i = 0; i < n && rc == WRIT_OK; i++)
		rc = s->ops->put(s->writer, keys[i], vals[i], lens[i], err);
	if (rc == WRIT_OK)
		rc = s->ops->release(s->writer, err);
	if (rc != WRIT_OK) {
		txn_undo(&t);
		return rc;
	}
	*seq = ++s->last_seq;
	return WRIT_OK;
}

static writ_rc
raw_cb(void *arg, const unsigned char *val, size_t len)
{
	struct raw_ctx *r = arg;

	if ((r->val = writ_malloc(len)) == NULL)
		return WRIT_ENOMEM;
	memcpy(r->val, val, len);
	r->len = len;
	return WRIT_OK;
}

writ_rc
store_raw_get_locked(
    struct writ_store *s, const char *key, unsigned char **val, size_t *len, struct writ_err *err)
{
	struct raw_ctx r = {0};
	writ_rc rc;

	rc = s->ops->get(s->writer, key, raw_cb, &r, err);
	if (rc == WRIT_ENOMEM)
		return WRIT_ERR(err, rc, "out of memory");
	if (rc != WRIT_OK)
		return rc;
	*val = r.val;
	*len = r.len;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Open and close.
 */

/*
 * klock prefers writers: glibc's default lets a steady flow of readers
 * starve writ_store_seal, which must work under load.  No path takes klock
 * for reading twice in one thread, so writer preference cannot deadlock.
 */
static writ_rc
klock_init(struct writ_store *s)
{
	pthread_rwlockattr_t attr;
	int e;

	if (pthread_rwlockattr_init(&attr) != 0)
		return WRIT_ENOMEM;
#ifdef __GLIBC__
	(void)pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
	e = pthread_rwlock_init(&s->klock, &attr);
	pthread_rwlockattr_destroy(&attr);
	return e == 0 ? WRIT_OK : WRIT_ENOMEM;
}

/* The gathering leader waits with a timeout on the monotonic clock. */
static writ_rc
gather_cv_init(struct writ_store *s)
{
	pthread_condattr_t attr;
	int e;

	if (pthread_condattr_init(&attr) != 0)
		return WRIT_ENOMEM;
	e = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (e == 0)
		e = pthread_cond_init(&s->gather_cv, &attr);
	pthread_condattr_destroy(&attr);
	return e == 0 ? WRIT_OK : WRIT_ENOMEM;
}

writ_rc
writ_store_open_sqlite(const char *path, struct writ_store **out, struct writ_err *err)
{
	struct writ_store *s;
	size_t i;
	writ_rc rc;

	if (path == NULL || *path == '\0')
		return WRIT_ERR(err, WRIT_EINVAL, "missing storage path");
	if ((s = writ_calloc(1, sizeof(*s))) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	s->ops = &store_sqlite_ops;
	s->ckpt_limit = STORE_CKPT_LIMIT;
	atomic_init(&s->commit_gen, store_gen_base());
	for (i = 0; i < WRIT_WATCH_COUNT; i++)
		atomic_init(&s->watch_gen[i], atomic_load(&s->commit_gen));
	s->wmu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	s->smu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	s->pmu = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	s->gen_cv[0] = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	s->gen_cv[1] = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	s->ckpt_cv = (pthread_cond_t)PTHREAD_COND_INITIALIZER;
	if ((rc = gather_cv_init(s)) != WRIT_OK) {
		writ_free(s);
		return WRIT_ERR(err, rc, "cannot create a lock");
	}
	if ((rc = klock_init(s)) != WRIT_OK) {
		pthread_cond_destroy(&s->gather_cv);
		writ_free(s);
		return WRIT_ERR(err, rc, "cannot create a lock");
	}
	rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	if ((s->dsn = writ_strdup(path)) == NULL)
		goto out;
	if ((rc = s->ops->open(s->dsn, true, &s->writer, err)) != WRIT_OK)
		goto out;
	pthread_mutex_lock(&s->wmu);
	rc = store_seal_load(s, err);
	pthread_mutex_unlock(&s->wmu);
	if (rc == WRIT_OK && (rc = ckpt_start(s)) != WRIT_OK)
		rc = WRIT_ERR(err, rc, "cannot start the checkpointer thread");
out:
	if (rc != WRIT_OK) {
		writ_store_close(s);
		return rc;
	}
	*out = s;
	return WRIT_OK;
}

/* What the store did, for the log at close (info). */
static void
log_stats(struct writ_store *s)
{
	uint64_t f = atomic_load(&s->st_fsyncs);

	if (f == 0)
		return;
	writ_log(WRIT_LOG_INFO,
	    "store: %llu transactions, %llu batches, %llu log syncs; a sync: %.0f us gathering, "
	    "%.0f us committing, %.0f us in fdatasync; %llu checkpoints",
	    (unsigned long long)atomic_load(&s->st_txns), (unsigned long long)atomic_load(&s->st_batches),
	    (unsigned long long)f, (double)atomic_load(&s->st_gather_us) / (double)f,
	    (double)atomic_load(&s->st_commit_us) / (double)f,
	    (double)atomic_load(&s->st_fsync_us) / (double)f,
	    (unsigned long long)atomic_load(&s->st_ckpts));
}

void
writ_store_close(struct writ_store *s)
{
	struct pool_conn *pc;
	struct writ_err err;
	uint64_t last;

	if (s == NULL)
		return;
	ckpt_stop(s);
	log_stats(s);
	while ((pc = s->pool) != NULL) {
		s->pool = pc->next;
		s->ops->close(pc->c);
		writ_free(pc);
	}
	if (s->writer != NULL) {
		pthread_mutex_lock(&s->wmu);
		last = s->last_seq;
		pthread_mutex_unlock(&s->wmu);
		if (writ_store_sync(s, last, &err) != WRIT_OK)
			writ_log(WRIT_LOG_ERROR, "store: pending writes lost at close");
		/* Leave an empty log behind; no need if the store failed. */
		pthread_mutex_lock(&s->wmu);
		if (!store_failed(s) && checkpoint_locked(s, true, &err) != WRIT_OK)
			writ_log(WRIT_LOG_ERROR, "store: checkpoint at close failed");
		pthread_mutex_unlock(&s->wmu);
		s->ops->close(s->writer);
	}
	store_seal_free(s);
	pthread_mutex_destroy(&s->wmu);
	pthread_mutex_destroy(&s->smu);
	pthread_mutex_destroy(&s->pmu);
	pthread_cond_destroy(&s->gen_cv[0]);
	pthread_cond_destroy(&s->gen_cv[1]);
	pthread_cond_destroy(&s->gather_cv);
	pthread_cond_destroy(&s->ckpt_cv);
	pthread_rwlock_destroy(&s->klock);
	writ_free(s->dsn);
	writ_free(s);
}

const char *
writ_store_backend(const struct writ_store *s)
{
	return s->ops->name;
}
