/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-thread evaluation state kept between decisions.  Creating an arena
 * per decision costs a malloc of its header and first chunk, and chunks
 * freed at the end go back to malloc, which may hand the pages back to the
 * kernel; touching fresh pages again is what dominated a small decision.
 * So each thread keeps one arena, reset after every decision, whose first
 * chunk grows (up to POOL_KEEP) to what the thread's decisions need, and
 * the memo and `with data` tables indexed by rule tree node:
 *
 *   - the memo is valid only for entries whose generation is the
 *     evaluation's, and a thread's generations only grow, so it is never
 *     cleared;
 *   - the `with data` table is restored entry by entry by every `with`
 *     (eval_with.c), so it is all unset again when an evaluation ends;
 *   - the cache of resolved call sites (eval_call.c) holds addresses of
 *     bundles' terms, so it is cleared once any bundle has been freed
 *     (rego_evpool_forget), before the addresses can come back.
 *
 * The arena's byte cap is fixed at creation: a decision asking for another
 * cap than the thread's arena has gets a new arena.  A reset makes the cap
 * apply to each decision afresh.  Nothing here holds secrets, so nothing is
 * wiped.  A thread's pool is freed when the thread exits (a pthread key's
 * destructor); the main thread's stays reachable until the process ends.
 */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "writ/base.h"

#include "rego/eval.h"
#include "rego/evpool.h"

/* The largest first chunk a thread keeps between decisions. */
#define POOL_KEEP ((size_t)1 << 20)
/* The first chunk of a thread's first arena. */
#define POOL_FIRST ((size_t)16 << 10)

struct rego_evpool {
	struct writ_arena *a;
	size_t cap;   /* a's byte cap */
	size_t chunk; /* the size of a's first chunk, which resets keep */
	struct rego_memo *memo;
	const struct rego_val **ovr;
	size_t nslots; /* of memo and ovr */
	uint64_t gen;  /* the next evaluation's first generation */
	struct rego_callcache *calls;
	uint64_t epoch; /* of calls */
	bool busy;
};

static void pool_free(void *arg);
static void key_init(void);

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t key;
static bool key_ok;
static _Thread_local struct rego_evpool *tl_pool;
/* Bumped whenever a bundle is freed: the call-site caches hold its addresses. */
static _Atomic uint64_t epoch;

void
rego_evpool_forget(void)
{
	atomic_fetch_add(&epoch, 1);
}

static void
pool_free(void *arg)
{
	struct rego_evpool *p = arg;

	if (p == NULL)
		return;
	if (tl_pool == p) /* run in the exiting thread: a later evaluation makes a new pool */
		tl_pool = NULL;
	writ_arena_free(p->a);
	writ_free(p->memo);
	writ_free(p->ovr);
	rego_callcache_free(p->calls);
	writ_free(p);
}

static void
key_init(void)
{
	key_ok = pthread_key_create(&key, pool_free) == 0;
}

/* This thread's pool if it is free, marked busy; NULL if busy or not to be had. */
static struct rego_evpool *
pool_take(void)
{
	struct rego_evpool *p = tl_pool;

	if (p == NULL) {
		if (pthread_once(&key_once, key_init) != 0 || !key_ok)
			return NULL;
		if ((p = writ_calloc(1, sizeof(*p))) == NULL)
			return NULL;
		if (pthread_setspecific(key, p) != 0) {
			writ_free(p);
			return NULL;
		}
		p->gen = 1;
		p->chunk = POOL_FIRST;
		tl_pool = p;
	}
	if (p->busy)
		return NULL;
	p->busy = true;
	return p;
}

/* An arena with cap whose first chunk (kept by resets) has room for first bytes. */
static struct writ_arena *
arena_sized(size_t cap, size_t first)
{
	struct writ_arena *a = writ_arena_new(cap, 0);

	if (a == NULL)
		return NULL;
	if (cap != 0 && first > cap)
		first = cap;
	/* On failure the arena starts with no chunk, as a fresh one does. */
	(void)writ_arena_alloc(a, first);
	writ_arena_reset(a);
	return a;
}

/* Fresh state for an evaluation nested in another on this thread. */
static writ_rc
get_fresh(struct rego_ev *e, size_t cap, size_t nnodes)
{
	if ((e->a = writ_arena_new(cap, 0)) == NULL)
		return WRIT_ENOMEM;
	e->memo = writ_arena_calloc(e->a, nnodes + 1, sizeof(*e->memo));
	e->ovr = writ_arena_calloc(e->a, nnodes + 1, sizeof(*e->ovr));
	e->gen = 1;
	if (e->memo == NULL || e->ovr == NULL) {
		writ_arena_free(e->a);
		e->a = NULL;
		return WRIT_ENOMEM;
	}
	return WRIT_OK;
}

writ_rc
rego_evpool_get(struct rego_ev *e, size_t cap, size_t nnodes, struct rego_evpool **out)
{
	struct rego_evpool *p = pool_take();
	uint64_t now;

	*out = NULL;
	if (p == NULL)
		return get_fresh(e, cap, nnodes);
	if (p->a == NULL || p->cap != cap) {
		writ_arena_free(p->a);
		p->cap = cap;
		p->a = arena_sized(cap, p->chunk);
	}
	if (p->a != NULL && p->nslots < nnodes + 1) {
		writ_free(p->memo);
		writ_free(p->ovr);
		p->memo = writ_calloc(nnodes + 1, sizeof(*p->memo));
		p->ovr = writ_calloc(nnodes + 1, sizeof(*p->ovr));
		p->nslots = p->memo != NULL && p->ovr != NULL ? nnodes + 1 : 0;
	}
	if (p->a == NULL || p->nslots == 0) {
		p->busy = false;
		return WRIT_ENOMEM;
	}
	/* One load: a bump between a compare and a second load would be lost. */
	now = atomic_load(&epoch);
	if (p->calls != NULL && p->epoch != now)
		rego_callcache_clear(p->calls);
	p->epoch = now;
	e->a = p->a;
	e->memo = p->memo;
	e->ovr = p->ovr;
	e->gen = p->gen;
	e->calls = p->calls;
	*out = p;
	return WRIT_OK;
}

void
rego_evpool_put(struct rego_evpool *p, struct rego_ev *e)
{
	size_t used, want;

	if (p == NULL) {
		rego_callcache_free(e->calls);
		writ_arena_free(e->a);
		e->calls = NULL;
		e->a = NULL;
		return;
	}
	assert(p->busy && e->a == p->a);
	p->gen = e->gen + 1;
	p->calls = e->calls; /* made by the evaluation's first call, if it was NULL */
	e->calls = NULL;
	used = writ_arena_used(p->a);
	if (used > p->chunk / 4 * 3 && p->chunk < POOL_KEEP) {
		/* The decision spilled (or nearly) out of the first chunk: keep a bigger one. */
		for (want = p->chunk * 2; want < used + used / 2 && want < POOL_KEEP; want *= 2)
			;
		writ_arena_free(p->a);
		p->chunk = want < POOL_KEEP ? want : POOL_KEEP;
		p->a = arena_sized(p->cap, p->chunk); /* NULL: made again next time */
	} else {
		writ_arena_reset(p->a);
	}
	e->a = NULL;
	p->busy = false;
}
