/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prepared HMAC-SHA256 keys (RFC 2104): H((K ^ opad) || H((K ^ ipad) || m)).
 * The two pad blocks are hashed once into digest contexts; every MAC copies
 * them into thread-local scratch contexts and finishes.  OpenSSL's one-shot
 * EVP_Q_mac fetches the algorithm and builds a context on every call, which
 * costs about five times more for the short values an audit entry holds.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "writ/crypto.h"

#include "crypto_int.h"

#define BLOCK 64u

struct writ_hmac_key {
	EVP_MD_CTX *inner;
	EVP_MD_CTX *outer;
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md;
static EVP_CIPHER *aes256gcm;

static void
scratch_free(void *p)
{
	EVP_MD_CTX_free(p);
}

static void
scratch_init(void)
{
	if (pthread_key_create(&scratch_key, scratch_free) != 0)
		abort();
	/* Kept for the process's life. */
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	aes256gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

const EVP_CIPHER *
crypto_aes256gcm(void)
{
	pthread_once(&scratch_once, scratch_init);
	return aes256gcm;
}

const EVP_MD *
crypto_sha256_md(void)
{
	pthread_once(&scratch_once, scratch_init);
	return sha256_md;
}

EVP_MD_CTX *
crypto_scratch_ctx(void)
{
	EVP_MD_CTX *c;

	pthread_once(&scratch_once, scratch_init);
	if ((c = pthread_getspecific(scratch_key)) == NULL) {
		c = EVP_MD_CTX_new();
		if (c != NULL && pthread_setspecific(scratch_key, c) != 0) {
			EVP_MD_CTX_free(c);
			c = NULL;
		}
	}
	return c;
}

static writ_rc
pad_ctx(const EVP_MD *md, const unsigned char *k, unsigned char pad, EVP_MD_CTX **out)
{
	unsigned char block[BLOCK];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t i;
	writ_rc rc = WRIT_ECRYPTO;

	for (i = 0; i < BLOCK; i++)
		block[i] = (unsigned char)(k[i] ^ pad);
	if (c != NULL && EVP_DigestInit_ex(c, md, NULL) == 1 &&
	    EVP_DigestUpdate(c, block, BLOCK) == 1) {
		*out = c;
		c = NULL;
		rc = WRIT_OK;
	}
	EVP_MD_CTX_free(c);
	writ_memzero(block, sizeof(block));
	return rc;
}

writ_rc
writ_hmac_key_new(const void *key, size_t keylen, struct writ_hmac_key **out)
{
	unsigned char k[BLOCK];
	struct writ_hmac_key *h;
	const EVP_MD *md = crypto_sha256_md();
	writ_rc rc;

	memset(k, 0, sizeof(k));
	if (keylen > BLOCK)
		writ_sha256(key, keylen, k);
	else if (keylen > 0)
		memcpy(k, key, keylen);
	if (md == NULL) {
		rc = WRIT_ECRYPTO;
		goto out;
	}
	if ((h = writ_calloc(1, sizeof(*h))) == NULL) {
		rc = WRIT_ENOMEM;
		goto out;
	}
	if ((rc = pad_ctx(md, k, 0x36, &h->inner)) != WRIT_OK ||
	    (rc = pad_ctx(md, k, 0x5c, &h->outer)) != WRIT_OK) {
		writ_hmac_key_free(h);
		goto out;
	}
	*out = h;
out:
	writ_memzero(k, sizeof(k));
	return rc;
}

void
writ_hmac_key_compute(const struct writ_hmac_key *k, const void *p, size_t len,
    unsigned char out[WRIT_SHA256_LEN])
{
	unsigned char ih[WRIT_SHA256_LEN];
	EVP_MD_CTX *c = crypto_scratch_ctx();
	unsigned int n = 0;

	if (c == NULL || EVP_MD_CTX_copy_ex(c, k->inner) != 1 ||
	    EVP_DigestUpdate(c, len ? p : "", len) != 1 || EVP_DigestFinal_ex(c, ih, &n) != 1 ||
	    EVP_MD_CTX_copy_ex(c, k->outer) != 1 || EVP_DigestUpdate(c, ih, sizeof(ih)) != 1 ||
	    EVP_DigestFinal_ex(c, out, &n) != 1) {
		/* Never a predictable MAC: fail to random bytes, as writ_hmac_sha256 does. */
		if (writ_random(out, WRIT_SHA256_LEN) != WRIT_OK)
			memset(out, 0xa5, WRIT_SHA256_LEN);
		writ_log(WRIT_LOG_ERROR, "crypto: prepared hmac-sha256 failed");
	}
	writ_memzero(ih, sizeof(ih));
}

void
writ_hmac_key_free(struct writ_hmac_key *k)
{
	if (k == NULL)
		return;
	EVP_MD_CTX_free(k->inner); /* frees (and cleanses) the digest state */
	EVP_MD_CTX_free(k->outer);
	writ_free(k);
}
