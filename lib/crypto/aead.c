/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AES-256-GCM with a random 96-bit nonce, laid out as
 * nonce(12) || ciphertext || tag(16).  Random nonces are safe for the volume
 * one key sees here (the barrier rotates terms long before 2^32 messages).
 * OpenSSL's EVP interface takes int lengths, so data and associated data are
 * fed in chunks; the only length limit is that of size_t arithmetic.
 */
#include <limits.h>
#include <string.h>

#include <openssl/evp.h>

#include "writ/crypto.h"

#include "crypto_int.h"

#define CHUNK ((size_t)1 << 30)

static const EVP_CIPHER *gcm_cipher(void);
static writ_rc feed_aad(EVP_CIPHER_CTX *ctx, const unsigned char *aad, size_t len);
static writ_rc crypt_data(
    EVP_CIPHER_CTX *ctx, const unsigned char *in, size_t len, unsigned char *out);

/* The fetched cipher: an implicit fetch per call costs more than the encryption of a record. */
static const EVP_CIPHER *
gcm_cipher(void)
{
	const EVP_CIPHER *c = crypto_aes256gcm();

	return c != NULL ? c : EVP_aes_256_gcm();
}

static writ_rc
feed_aad(EVP_CIPHER_CTX *ctx, const unsigned char *aad, size_t len)
{
	int n;

	while (len > 0) {
		size_t c = len < CHUNK ? len : CHUNK;

		if (EVP_CipherUpdate(ctx, NULL, &n, aad, (int)c) != 1)
			return WRIT_ECRYPTO;
		aad += c;
		len -= c;
	}
	return WRIT_OK;
}

static writ_rc
crypt_data(EVP_CIPHER_CTX *ctx, const unsigned char *in, size_t len, unsigned char *out)
{
	int n;

	while (len > 0) {
		size_t c = len < CHUNK ? len : CHUNK;

		if (EVP_CipherUpdate(ctx, out, &n, in, (int)c) != 1 || (size_t)n != c)
			return WRIT_ECRYPTO;
		in += c;
		out += c;
		len -= c;
	}
	return WRIT_OK;
}

writ_rc
writ_aead_seal(const unsigned char key[WRIT_AEAD_KEY_LEN], const void *aad, size_t aadlen,
    const void *in, size_t len, unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char *nonce = out, *ct = out + WRIT_AEAD_NONCE;
	size_t total;
	int n;
	writ_rc rc;

	if (__builtin_add_overflow(len, WRIT_AEAD_NONCE + WRIT_AEAD_TAG, &total))
		return WRIT_ETOOBIG;
	if ((len > 0 && in == NULL) || (aadlen > 0 && aad == NULL) || out == NULL)
		return WRIT_EINVAL;
	rc = writ_random(nonce, WRIT_AEAD_NONCE);
	if (rc != WRIT_OK)
		goto out;
	rc = WRIT_ECRYPTO;
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex2(ctx, gcm_cipher(), key, nonce, NULL) != 1)
		goto out;
	if ((rc = feed_aad(ctx, aad, aadlen)) != WRIT_OK ||
	    (rc = crypt_data(ctx, in, len, ct)) != WRIT_OK)
		goto out;
	rc = WRIT_ECRYPTO;
	if (EVP_EncryptFinal_ex(ctx, ct + len, &n) != 1 || n != 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, WRIT_AEAD_TAG, ct + len) != 1)
		goto out;
	rc = WRIT_OK;
out:
	if (rc != WRIT_OK) {
		writ_log(WRIT_LOG_ERROR, "crypto: aead seal failed");
		writ_memzero(out, total);
	}
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

writ_rc
writ_aead_open(const unsigned char key[WRIT_AEAD_KEY_LEN], const void *aad, size_t aadlen,
    const unsigned char *in, size_t len, unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char tag[WRIT_AEAD_TAG];
	size_t ptlen = 0;
	int n;
	writ_rc rc = WRIT_ECRYPTO;

	if (len < WRIT_AEAD_NONCE + WRIT_AEAD_TAG || in == NULL)
		return WRIT_ECRYPTO;
	if ((aadlen > 0 && aad == NULL) || out == NULL)
		return WRIT_EINVAL;
	ptlen = len - WRIT_AEAD_NONCE - WRIT_AEAD_TAG;
	memcpy(tag, in + WRIT_AEAD_NONCE + ptlen, WRIT_AEAD_TAG);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex2(ctx, gcm_cipher(), key, in, NULL) != 1)
		goto out;
	if (feed_aad(ctx, aad, aadlen) != WRIT_OK ||
	    crypt_data(ctx, in + WRIT_AEAD_NONCE, ptlen, out) != WRIT_OK)
		goto out;
	if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, WRIT_AEAD_TAG, tag) != 1 ||
	    EVP_DecryptFinal_ex(ctx, out + ptlen, &n) != 1)
		goto out;
	rc = WRIT_OK;
out:
	if (rc != WRIT_OK)
		writ_memzero(out, ptlen); /* unauthenticated plaintext never escapes */
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}
