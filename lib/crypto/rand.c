/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Random bytes and constant-time comparison, both thin wrappers over OpenSSL:
 * RAND_bytes (the default DRBG, seeded from the operating system) and
 * CRYPTO_memcmp.  RAND_bytes takes an int, so long requests are drawn in
 * chunks.
 *
 * Small requests (nonces, token and accessor bytes, request ids: six a token
 * creation) are served from a per-thread pool refilled POOL_LEN bytes at a
 * time, since each RAND_bytes call costs several thousand instructions of
 * provider plumbing whatever its length.  Bytes leave the pool once and are
 * wiped as they leave; a fork (writ does not fork, but a program linking
 * libwrit might) empties every pool in the child, so parent and child never
 * hand out the same bytes.
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "writ/crypto.h"

#define RAND_CHUNK ((size_t)1 << 20)
#define POOL_LEN   512
#define POOL_TAKE  64 /* larger requests go straight to RAND_bytes */

struct pool {
	unsigned char b[POOL_LEN];
	size_t left;      /* unused bytes, at the end of b */
	unsigned forkgen; /* fork_gen when filled */
};

static _Thread_local struct pool pool;
static atomic_uint fork_gen;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static writ_rc draw(unsigned char *p, size_t len);

static void
on_fork_child(void)
{
	atomic_fetch_add(&fork_gen, 1);
}

static void
fork_hook(void)
{
	(void)pthread_atfork(NULL, NULL, on_fork_child);
}

/* Straight from the DRBG, in chunks RAND_bytes can take. */
static writ_rc
draw(unsigned char *p, size_t len)
{
	while (len > 0) {
		size_t n = len < RAND_CHUNK ? len : RAND_CHUNK;

		if (RAND_bytes(p, (int)n) != 1)
			return WRIT_ECRYPTO;
		p += n;
		len -= n;
	}
	return WRIT_OK;
}

writ_rc
writ_random(void *out, size_t len)
{
	struct pool *pl = &pool;
	unsigned gen;

	if (len > 0 && !WRIT_ALWAYS(out != NULL))
		return WRIT_EINVAL;
	if (len == 0)
		return WRIT_OK;
	if (len > POOL_TAKE) {
		if (draw(out, len) == WRIT_OK)
			return WRIT_OK;
		writ_log(WRIT_LOG_ERROR, "crypto: RAND_bytes failed");
		return WRIT_ECRYPTO;
	}
	pthread_once(&fork_once, fork_hook);
	gen = atomic_load(&fork_gen);
	if (pl->left < len || pl->forkgen != gen) {
		if (draw(pl->b, POOL_LEN) != WRIT_OK) {
			writ_memzero(pl->b, POOL_LEN);
			pl->left = 0;
			writ_log(WRIT_LOG_ERROR, "crypto: RAND_bytes failed");
			return WRIT_ECRYPTO;
		}
		pl->left = POOL_LEN;
		pl->forkgen = gen;
	}
	pl->left -= len;
	memcpy(out, pl->b + pl->left, len);
	writ_memzero(pl->b + pl->left, len);
	return WRIT_OK;
}

bool
writ_ct_eq(const void *a, const void *b, size_t len)
{
	if (len == 0)
		return true;
	return CRYPTO_memcmp(a, b, len) == 0;
}
