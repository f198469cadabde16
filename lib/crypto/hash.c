/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256, HMAC-SHA256 and HKDF-SHA256 (RFC 5869) on OpenSSL 3's EVP
 * interfaces.  The hash and MAC functions return void because callers use
 * them as infallible building blocks; OpenSSL can only fail here on its own
 * allocation failure, and then the output is filled with fresh random bytes
 * (never zeros or a stale value) so that it cannot match anything an attacker
 * could predict, and the failure is logged.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "writ/crypto.h"

#include "crypto_int.h"

static void poison(unsigned char out[WRIT_SHA256_LEN], const char *what);

/* An empty input still needs a valid pointer for OpenSSL. */
static const unsigned char empty[1];

static void
poison(unsigned char out[WRIT_SHA256_LEN], const char *what)
{
	writ_log(WRIT_LOG_ERROR, "crypto: %s failed", what);
	if (RAND_bytes(out, WRIT_SHA256_LEN) != 1)
		memset(out, 0xa5, WRIT_SHA256_LEN); /* last resort, still logged */
}

void
writ_sha256(const void *p, size_t len, unsigned char out[WRIT_SHA256_LEN])
{
	const EVP_MD *md = crypto_sha256_md();
	EVP_MD_CTX *c = crypto_scratch_ctx();
	unsigned int outlen = 0;

	if (p == NULL)
		p = empty;
	if (md == NULL || c == NULL || EVP_DigestInit_ex(c, md, NULL) != 1 ||
	    EVP_DigestUpdate(c, p, len) != 1 || EVP_DigestFinal_ex(c, out, &outlen) != 1 ||
	    outlen != WRIT_SHA256_LEN)
		poison(out, "sha256");
}

void
writ_hmac_sha256(
    const void *key, size_t keylen, const void *p, size_t len, unsigned char out[WRIT_SHA256_LEN])
{
	size_t outlen = 0;

	if (key == NULL)
		key = empty;
	if (p == NULL)
		p = empty;
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen, p, len, out, WRIT_SHA256_LEN,
	        &outlen) == NULL ||
	    outlen != WRIT_SHA256_LEN)
		poison(out, "hmac-sha256");
}

writ_rc
writ_hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt, size_t saltlen, const void *info,
    size_t infolen, void *out, size_t outlen)
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM params[5], *pp = params;
	writ_rc rc = WRIT_ECRYPTO;

	if (outlen == 0 || outlen > 255 * WRIT_SHA256_LEN || out == NULL)
		return WRIT_EINVAL;
	if (ikm == NULL)
		ikm = empty;
	*pp++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*pp++ =
	    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)ikm, ikmlen);
	/* OpenSSL treats an absent salt as HashLen zero bytes, as RFC 5869 says. */
	if (salt != NULL && saltlen > 0)
		*pp++ = OSSL_PARAM_construct_octet_string(
		    OSSL_KDF_PARAM_SALT, (void *)(uintptr_t)salt, saltlen);
	if (info != NULL && infolen > 0)
		*pp++ = OSSL_PARAM_construct_octet_string(
		    OSSL_KDF_PARAM_INFO, (void *)(uintptr_t)info, infolen);
	*pp = OSSL_PARAM_construct_end();
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	if (kdf == NULL || (ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	if (EVP_KDF_derive(ctx, out, outlen, params) != 1)
		goto out;
	rc = WRIT_OK;
out:
	if (rc != WRIT_OK) {
		writ_log(WRIT_LOG_ERROR, "crypto: hkdf failed");
		writ_memzero(out, outlen);
	}
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}
