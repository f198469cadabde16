/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secure memory for keys and unseal shares.  When the program initialised
 * OpenSSL's secure heap (CRYPTO_secure_malloc_init), allocations come from
 * it: locked, guarded and wiped by OpenSSL.  Otherwise each allocation gets
 * its own whole pages inside a writ_malloc block (so fault injection still
 * reaches it), locked with mlock and excluded from core dumps with
 * MADV_DONTDUMP.  Owning whole pages matters: mlock does not nest, so two
 * secrets sharing a page would be unlocked when the first is freed.  The
 * pointer to the underlying block and the locked length are kept just below
 * the returned pages, so a wrong len passed to writ_secmem_free cannot unlock
 * or wipe the wrong range.
 * Locking is best effort (RLIMIT_MEMLOCK may be small); a failure is logged
 * once at debug level and the memory is still wiped on free.
 */
#include <sys/mman.h>
#include <assert.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "writ/crypto.h"

static size_t page_size(void);
static size_t pages_len(size_t len, size_t ps);

struct sec_hdr {
	void *raw;
	size_t rlen;
};

static atomic_bool lock_warned;

static size_t
page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (size_t)ps : 4096;
}

/* len rounded up to whole pages (at least one), 0 on overflow. */
static size_t
pages_len(size_t len, size_t ps)
{
	size_t r;

	if (len == 0)
		len = 1;
	if (__builtin_add_overflow(len, ps - 1, &r))
		return 0;
	return r - r % ps;
}

void *
writ_secmem_alloc(size_t len)
{
	size_t ps = page_size(), rlen = pages_len(len, ps), total;
	struct sec_hdr h;
	uintptr_t base;

	if (CRYPTO_secure_malloc_initialized())
		return OPENSSL_secure_zalloc(len ? len : 1);
	if (rlen == 0 || __builtin_add_overflow(rlen, 2 * ps, &total))
		return NULL;
	if ((h.raw = writ_malloc(total)) == NULL)
		return NULL;
	h.rlen = rlen;
	base = ((uintptr_t)h.raw + sizeof(h) + ps - 1) & ~(uintptr_t)(ps - 1);
	memcpy((void *)(base - sizeof(h)), &h, sizeof(h));
	memset((void *)base, 0, rlen);
	if (mlock((void *)base, rlen) != 0 && !atomic_exchange(&lock_warned, true))
		writ_log(WRIT_LOG_DEBUG, "secmem: mlock failed, secrets may be swapped");
#ifdef MADV_DONTDUMP
	(void)madvise((void *)base, rlen, MADV_DONTDUMP);
#endif
	return (void *)base;
}

void
writ_secmem_free(void *p, size_t len)
{
	struct sec_hdr h;

	if (p == NULL)
		return;
	if (CRYPTO_secure_allocated(p)) {
		OPENSSL_secure_clear_free(p, len ? len : 1);
		return;
	}
	memcpy(&h, (unsigned char *)p - sizeof(h), sizeof(h));
	assert(len <= h.rlen);
	writ_memzero(p, h.rlen);
#ifdef MADV_DODUMP
	(void)madvise(p, h.rlen, MADV_DODUMP);
#endif
	(void)munlock(p, h.rlen);
	writ_free(h.raw);
}
