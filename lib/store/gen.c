/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The commit generation for caches of decoded records (store.h).
 * batch_commit_locked raises it just before and again just after each batch
 * COMMIT, and seal.c on seal and unseal: a record loaded after reading
 * generation g is current while the generation is still g, and one loaded at
 * any point of a COMMIT carries a generation that is gone once the batch is
 * visible to the read connections.  Each store opened in the process starts
 * at its own base (2^40 apart), so that a store opened where a closed one
 * lived never repeats its generations.
 */
#include <stdatomic.h>

#include "store/store_int.h"

#define GEN_BASE_SHIFT 40

uint64_t
store_gen_base(void)
{
	static _Atomic uint64_t next = 1;

	return atomic_fetch_add(&next, 1) << GEN_BASE_SHIFT;
}

uint64_t
writ_store_commit_gen(const struct writ_store *s)
{
	return atomic_load(&s->commit_gen);
}

void
store_watch_bump(struct writ_store *s, unsigned classes)
{
	unsigned i;

	for (i = 0; i < WRIT_WATCH_COUNT; i++)
		if (classes & (1u << i))
			atomic_fetch_add(&s->watch_gen[i], 1);
}

uint64_t
writ_store_watch_gen(const struct writ_store *s, enum writ_store_watch w)
{
	return (unsigned)w < WRIT_WATCH_COUNT ? atomic_load(&s->watch_gen[w]) : 0;
}
