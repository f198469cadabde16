/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation wrappers with a fault-injection hook (SQLite faultsim, curl
 * torture): writ_fault_set(n) makes the nth following allocation fail, so a
 * test can rerun an operation with n = 1, 2, ... and check that every failure
 * path returns WRIT_ENOMEM cleanly.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"

static atomic_long fault_countdown;
static atomic_bool fault_fired;
/* Allocations made by this thread (benchmarks report them per operation). */
static _Thread_local uint64_t nallocs;

uint64_t
writ_alloc_count(void)
{
	return nallocs;
}

static bool
fault_now(void)
{
	long v = atomic_load_explicit(&fault_countdown, memory_order_relaxed);

	if (v <= 0)
		return false;
	if (atomic_fetch_sub(&fault_countdown, 1) == 1) {
		atomic_store(&fault_fired, true);
		return true;
	}
	return false;
}

void
writ_fault_set(long nth)
{
	atomic_store(&fault_fired, false);
	atomic_store(&fault_countdown, nth < 0 ? 0 : nth);
}

bool
writ_fault_fired(void)
{
	return atomic_load(&fault_fired);
}

void *
writ_malloc(size_t len)
{
	if (fault_now())
		return NULL;
	nallocs++;
	return malloc(len ? len : 1);
}

void *
writ_calloc(size_t n, size_t len)
{
	if (fault_now())
		return NULL;
	nallocs++;
	return calloc(n ? n : 1, len ? len : 1);
}

void *
writ_realloc(void *p, size_t len)
{
	if (fault_now())
		return NULL;
	nallocs++;
	return realloc(p, len ? len : 1);
}

void
writ_free(void *p)
{
	free(p);
}

char *
writ_strdup(const char *s)
{
	size_t len = strlen(s);
	char *p = writ_malloc(len + 1);

	if (p != NULL)
		memcpy(p, s, len + 1);
	return p;
}

void
writ_memzero(void *p, size_t len)
{
	if (p != NULL && len > 0)
		explicit_bzero(p, len);
}
