/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Random bytes and constant-time comparison, both thin wrappers over OpenSSL:
 * RAND_bytes (the default DRBG, seeded from the operating system) and
 * CRYPTO_memcmp.  RAND_bytes takes an int, so long requests are drawn in
 * chunks.
 */
#include <limits.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "writ/crypto.h"

#define RAND_CHUNK ((size_t)1 << 20)

writ_rc
writ_random(void *out, size_t len)
{
	unsigned char *p = out;
	writ_rc rc = WRIT_OK;

	if (len > 0 && !WRIT_ALWAYS(out != NULL))
		return WRIT_EINVAL;
	while (len > 0) {
		size_t n = len < RAND_CHUNK ? len : RAND_CHUNK;

		if (RAND_bytes(p, (int)n) != 1) {
			rc = WRIT_ECRYPTO;
			goto out;
		}
		p += n;
		len -= n;
	}
out:
	if (rc != WRIT_OK)
		writ_log(WRIT_LOG_ERROR, "crypto: RAND_bytes failed");
	return rc;
}

bool
writ_ct_eq(const void *a, const void *b, size_t len)
{
	if (len == 0)
		return true;
	return CRYPTO_memcmp(a, b, len) == 0;
}
