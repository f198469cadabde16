/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Group-commit throughput of the store, without HTTP.  Writer threads loop
 * over one KV-write-shaped transaction (begin, read one key, put two keys of
 * about 300 bytes, commit) and wait until it is durable, for a fixed time.
 * Prints durable transactions per second, log fsyncs per second,
 * transactions per fsync, the worst write latency and the checkpoints run.
 *
 * Usage: bench_store_commit [-c] [-d dir] [-r readers] [-s sleep_us] [-t seconds]
 *                           [-w writers]
 *   -c  writers do not call writ_store_sync themselves but hand their
 *       sequence number to one committer thread, as the server does
 *       (server/commit.c), and wait for it;
 *   -d  directory for the database (default /tmp);
 *   -r  reader threads looping on writ_store_get (default 0): read rate and
 *       worst read latency are reported too;
 *   -s  each log sync also sleeps this long (through the store's test hook):
 *       with -d on a tmpfs this is a disk of fixed latency, to compare
 *       group-commit policies on a machine whose disk is noisy;
 *   -t  seconds (default 5);  -w  writer threads (default 32).
 *
 * It builds against older versions of lib/store too (without -s and the
 * fsync and checkpoint counters), to measure before and after a change.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "writ/store.h"
#include "store/store_int.h"

#define MAX_THREADS     256
#define KEYS_PER_THREAD 64
#define VALUE_LEN       300

struct worker {
	struct writ_store *s;
	int id;
	uint64_t ops;
	uint64_t max_us;
	writ_rc rc;
};

/* The committer of -c: writers post their sequence numbers, it syncs the
 * highest and releases every writer it covers. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	uint64_t pending; /* highest seq posted, 0: none */
	uint64_t durable; /* highest seq synced */
	bool stop, failed;
} cm = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0,
    false, false};

static atomic_bool stop;
static bool use_committer;
static long sleep_us;

#ifdef STORE_CKPT_LIMIT
static void
slow_sync(struct writ_store *s)
{
	struct timespec ts = {0, sleep_us * 1000};

	(void)s;
	nanosleep(&ts, NULL);
}
#endif

static void *
committer_main(void *p)
{
	struct writ_store *s = p;
	struct writ_err err;
	uint64_t seq;
	writ_rc rc;

	pthread_mutex_lock(&cm.mu);
	for (;;) {
		while (cm.pending == 0 && !cm.stop)
			pthread_cond_wait(&cm.work, &cm.mu);
		if (cm.pending == 0)
			break;
		seq = cm.pending;
		cm.pending = 0;
		pthread_mutex_unlock(&cm.mu);
		rc = writ_store_sync(s, seq, &err);
		pthread_mutex_lock(&cm.mu);
		if (rc != WRIT_OK)
			cm.failed = true;
		else if (seq > cm.durable)
			cm.durable = seq;
		pthread_cond_broadcast(&cm.done);
	}
	pthread_mutex_unlock(&cm.mu);
	return NULL;
}

static writ_rc
wait_durable(struct writ_store *s, uint64_t seq)
{
	struct writ_err err;
	writ_rc rc = WRIT_OK;

	if (!use_committer)
		return writ_store_sync(s, seq, &err);
	pthread_mutex_lock(&cm.mu);
	if (seq > cm.pending)
		cm.pending = seq;
	pthread_cond_signal(&cm.work);
	while (cm.durable < seq && !cm.failed)
		pthread_cond_wait(&cm.done, &cm.mu);
	if (cm.durable < seq)
		rc = WRIT_EDB;
	pthread_mutex_unlock(&cm.mu);
	return rc;
}

static writ_rc
one_write(struct worker *w, uint64_t i, const char *val)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_txn *t = NULL;
	struct writ_err err;
	unsigned char *v = NULL;
	char k1[64], k2[64];
	uint64_t seq = 0;
	size_t len = 0;
	writ_rc rc;

	if (a == NULL)
		return WRIT_ENOMEM;
	snprintf(k1, sizeof(k1), "kv/bench/%d/meta/%llu", w->id,
	    (unsigned long long)(i % KEYS_PER_THREAD));
	snprintf(k2, sizeof(k2), "kv/bench/%d/data/%llu", w->id,
	    (unsigned long long)(i % KEYS_PER_THREAD));
	if ((rc = writ_txn_begin(w->s, &t, &err)) != WRIT_OK)
		goto out;
	rc = writ_txn_get(t, a, k1, &v, &len, &err);
	if (rc == WRIT_ENOTFOUND)
		rc = WRIT_OK;
	if (rc == WRIT_OK)
		rc = writ_txn_put(t, k1, val, VALUE_LEN, &err);
	if (rc == WRIT_OK)
		rc = writ_txn_put(t, k2, val, VALUE_LEN, &err);
	if (rc != WRIT_OK) {
		writ_txn_abort(t);
		goto out;
	}
	if ((rc = writ_txn_commit(t, &seq, &err)) != WRIT_OK)
		goto out;
	rc = wait_durable(w->s, seq);
out:
	writ_arena_free(a);
	return rc;
}

static void *
writer_main(void *p)
{
	struct worker *w = p;
	char val[VALUE_LEN];
	uint64_t i;

	memset(val, 'v', sizeof(val));
	for (i = 0; !atomic_load(&stop); i++) {
		uint64_t t0 = writ_time_mono_us(), d;

		if ((w->rc = one_write(w, i, val)) != WRIT_OK)
			break;
		d = writ_time_mono_us() - t0;
		if (d > w->max_us)
			w->max_us = d;
		w->ops++;
	}
	return NULL;
}

static void *
reader_main(void *p)
{
	struct worker *w = p;
	struct writ_err err;
	char key[64];
	uint64_t i;

	for (i = 0; !atomic_load(&stop); i++) {
		struct writ_arena *a = writ_arena_new(0, 0);
		unsigned char *v = NULL;
		uint64_t t0 = writ_time_mono_us(), d;
		size_t len = 0;

		if (a == NULL) {
			w->rc = WRIT_ENOMEM;
			break;
		}
		snprintf(key, sizeof(key), "kv/bench/%d/data/%llu", (int)(i % 32),
		    (unsigned long long)(i % KEYS_PER_THREAD));
		w->rc = writ_store_get(w->s, a, key, &v, &len, &err);
		writ_arena_free(a);
		if (w->rc == WRIT_ENOTFOUND)
			w->rc = WRIT_OK;
		if (w->rc != WRIT_OK)
			break;
		d = writ_time_mono_us() - t0;
		if (d > w->max_us)
			w->max_us = d;
		w->ops++;
	}
	return NULL;
}

static long
num(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "bad number %s\n", s);
		exit(2);
	}
	return v;
}

static void
remove_db(const char *path)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char p[1100];
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
}

int
main(int argc, char **argv)
{
	static struct worker w[2 * MAX_THREADS];
	static pthread_t th[2 * MAX_THREADS];
	unsigned char shares[WRIT_SHARE_LEN];
	const char *dir = "/tmp";
	long secs = 5, nwriters = 32, nreaders = 0;
	struct writ_store_stats st0, st1;
	struct writ_store *s = NULL;
	struct writ_err err;
	pthread_t cth;
	char path[1024];
	uint64_t t0, t1, ops = 0, rops = 0, maxw = 0, maxr = 0, nsync, ckpts = 0;
	bool unsealed = false;
	double el;
	int i, c, rc = 0;

	while ((c = getopt(argc, argv, "cd:r:s:t:w:")) != -1) {
		switch (c) {
		case 'c': use_committer = true; break;
		case 'd': dir = optarg; break;
		case 'r': nreaders = num(optarg, 0, MAX_THREADS); break;
		case 's': sleep_us = num(optarg, 0, 999999); break;
		case 't': secs = num(optarg, 1, 3600); break;
		case 'w': nwriters = num(optarg, 1, MAX_THREADS); break;
		default:
			fprintf(stderr, "usage: %s [-c] [-d dir] [-r readers] [-s sleep_us] "
					"[-t seconds] [-w writers]\n", argv[0]);
			return 2;
		}
	}
	snprintf(path, sizeof(path), "%s/bench-store-commit-%d.db", dir, (int)getpid());
	if (writ_store_open_sqlite(path, &s, &err) != WRIT_OK ||
	    writ_store_init(s, 1, 1, shares, &err) != WRIT_OK ||
	    writ_store_unseal(s, shares, WRIT_SHARE_LEN, &unsealed, &err) != WRIT_OK) {
		fprintf(stderr, "store: %s\n", err.msg);
		return 1;
	}
#ifdef STORE_CKPT_LIMIT
	if (sleep_us > 0)
		s->sync_hook = slow_sync;
#else
	if (sleep_us > 0) {
		fprintf(stderr, "-s needs a store with a sync hook\n");
		return 2;
	}
#endif
	if (use_committer && pthread_create(&cth, NULL, committer_main, s) != 0)
		return 1;
	writ_store_stats(s, &st0);
	t0 = writ_time_mono_us();
	for (i = 0; i < nwriters + nreaders; i++) {
		w[i] = (struct worker){.s = s, .id = i};
		if (pthread_create(&th[i], NULL, i < nwriters ? writer_main : reader_main, &w[i]))
			return 1;
	}
	sleep((unsigned)secs);
	atomic_store(&stop, true);
	for (i = 0; i < nwriters + nreaders; i++) {
		pthread_join(th[i], NULL);
		if (w[i].rc != WRIT_OK) {
			fprintf(stderr, "thread %d: error %d\n", i, (int)w[i].rc);
			rc = 1;
		}
		if (i < nwriters) {
			ops += w[i].ops;
			maxw = w[i].max_us > maxw ? w[i].max_us : maxw;
		} else {
			rops += w[i].ops;
			maxr = w[i].max_us > maxr ? w[i].max_us : maxr;
		}
	}
	t1 = writ_time_mono_us();
	writ_store_stats(s, &st1);
	if (use_committer) {
		pthread_mutex_lock(&cm.mu);
		cm.stop = true;
		pthread_cond_signal(&cm.work);
		pthread_mutex_unlock(&cm.mu);
		pthread_join(cth, NULL);
	}
#ifdef STORE_CKPT_LIMIT
	nsync = st1.fsyncs - st0.fsyncs;
	ckpts = st1.ckpts - st0.ckpts;
#else
	nsync = st1.batches - st0.batches; /* one fsync per batch */
#endif
	el = (double)(t1 - t0) / 1e6;
	printf("%s%ld writers, %.1f s: %.0f durable writes/s, %.0f fsyncs/s, "
	       "%.1f writes per fsync, max write latency %.1f ms, %llu checkpoints\n",
	    use_committer ? "committer, " : "", nwriters, el, (double)ops / el,
	    (double)nsync / el,
	    nsync > 0 ? (double)(st1.txns - st0.txns) / (double)nsync : 0.0,
	    (double)maxw / 1000.0, (unsigned long long)ckpts);
	if (nreaders > 0)
		printf("%ld readers: %.0f reads/s, max read latency %.1f ms\n", nreaders,
		    (double)rops / el, (double)maxr / 1000.0);
	writ_store_close(s);
	remove_db(path);
	return rc;
}
