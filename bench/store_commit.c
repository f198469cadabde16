/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Group-commit throughput of the store, without HTTP: NTHREADS threads each
 * loop over one KV-write-shaped transaction (begin, read one key, put two
 * keys of about 300 bytes, commit) followed by writ_store_sync, for a fixed
 * time.  Prints durable transactions per second, log fsyncs per second,
 * transactions per fsync, the worst write latency and the checkpoints run.
 *
 * Usage: bench_store_commit [dir [seconds [threads [readers]]]]  (defaults: /tmp, 5, 32, 0).
 * With readers > 0, that many more threads loop on writ_store_get and the
 * read rate and read latency are reported too.
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

#define MAX_THREADS 256
#define KEYS_PER_THREAD 64
#define VALUE_LEN 300

struct worker {
	struct writ_store *s;
	int id;
	uint64_t ops;
	uint64_t max_us;
	writ_rc rc;
};

static atomic_bool stop;

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
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
	rc = writ_store_sync(w->s, seq, &err);
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
		uint64_t t0 = now_us(), d;

		if ((w->rc = one_write(w, i, val)) != WRIT_OK)
			break;
		d = now_us() - t0;
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
		uint64_t t0 = now_us(), d;
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
		d = now_us() - t0;
		if (d > w->max_us)
			w->max_us = d;
		w->ops++;
	}
	return NULL;
}

static int
arg_int(int argc, char **argv, int i, int def, int lo, int hi)
{
	char *end;
	long v;

	if (argc <= i)
		return def;
	v = strtol(argv[i], &end, 10);
	if (*end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "bad argument %s\n", argv[i]);
		exit(2);
	}
	return (int)v;
}

int
main(int argc, char **argv)
{
	static struct worker w[2 * MAX_THREADS];
	static pthread_t th[2 * MAX_THREADS];
	unsigned char shares[WRIT_SHARE_LEN];
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	int secs = arg_int(argc, argv, 2, 5, 1, 3600);
	int nthreads = arg_int(argc, argv, 3, 32, 1, MAX_THREADS);
	int nreaders = arg_int(argc, argv, 4, 0, 0, MAX_THREADS);
	struct writ_store_stats st0, st1;
	struct writ_store *s = NULL;
	struct writ_err err;
	char path[1024];
	uint64_t t0, t1, ops = 0, rops = 0, maxw = 0, maxr = 0, nsync;
	bool unsealed = false;
	double el;
	int i, rc = 0;

	snprintf(path, sizeof(path), "%s/bench-store-commit-%d.db", dir, (int)getpid());
	if (writ_store_open_sqlite(path, &s, &err) != WRIT_OK ||
	    writ_store_init(s, 1, 1, shares, &err) != WRIT_OK ||
	    writ_store_unseal(s, shares, WRIT_SHARE_LEN, &unsealed, &err) != WRIT_OK) {
		fprintf(stderr, "store: %s\n", err.msg);
		return 1;
	}
	writ_store_stats(s, &st0);
	t0 = now_us();
	for (i = 0; i < nthreads + nreaders; i++) {
		w[i] = (struct worker){.s = s, .id = i};
		if (pthread_create(&th[i], NULL, i < nthreads ? writer_main : reader_main, &w[i]))
			return 1;
	}
	sleep((unsigned)secs);
	atomic_store(&stop, true);
	for (i = 0; i < nthreads + nreaders; i++) {
		pthread_join(th[i], NULL);
		if (w[i].rc != WRIT_OK) {
			fprintf(stderr, "thread %d: error %d\n", i, (int)w[i].rc);
			rc = 1;
		}
		if (i < nthreads) {
			ops += w[i].ops;
			maxw = w[i].max_us > maxw ? w[i].max_us : maxw;
		} else {
			rops += w[i].ops;
			maxr = w[i].max_us > maxr ? w[i].max_us : maxr;
		}
	}
	t1 = now_us();
	writ_store_stats(s, &st1);
	el = (double)(t1 - t0) / 1e6;
	nsync = st1.fsyncs - st0.fsyncs;
	printf("threads %d, %.1f s: %.0f durable writes/s, %.0f fsyncs/s, %.1f writes per fsync, "
	       "max write latency %.1f ms, %llu checkpoints\n",
	    nthreads, el, (double)ops / el, (double)nsync / el,
	    nsync > 0 ? (double)(st1.txns - st0.txns) / (double)nsync : 0.0, (double)maxw / 1000.0,
	    (unsigned long long)(st1.ckpts - st0.ckpts));
	if (nreaders > 0)
		printf("readers %d: %.0f reads/s, max read latency %.1f ms\n", nreaders,
		    (double)rops / el, (double)maxr / 1000.0);
	writ_store_close(s);
	unlink(path);
	{
		char p2[1100];

		snprintf(p2, sizeof(p2), "%s-wal", path);
		unlink(p2);
		snprintf(p2, sizeof(p2), "%s-shm", path);
		unlink(p2);
	}
	return rc;
}
