/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one key interface: struct writ_key wraps an OpenSSL EVP_PKEY, and every
 * signature with a private key passes through writ_key_sign.  Only Ed25519
 * for now.  Seeds handed in are copied by OpenSSL at once (callers wipe
 * theirs); OpenSSL wipes its copy when the EVP_PKEY is freed.
 */
#include <openssl/evp.h>

#include "writ/crypto.h"

struct writ_key {
	EVP_PKEY *pkey;
	bool private;
};

static writ_rc key_wrap(EVP_PKEY *pkey, bool private, struct writ_key **out);

static writ_rc
key_wrap(EVP_PKEY *pkey, bool private, struct writ_key **out)
{
	struct writ_key *k;

	if (pkey == NULL)
		return WRIT_ECRYPTO;
	if ((k = writ_calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(pkey);
		return WRIT_ENOMEM;
	}
	k->pkey = pkey;
	k->private = private;
	*out = k;
	return WRIT_OK;
}

writ_rc
writ_key_ed25519_generate(struct writ_key **out)
{
	return key_wrap(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"), true, out);
}

writ_rc
writ_key_ed25519_from_seed(const unsigned char seed[32], struct writ_key **out)
{
	if (seed == NULL)
		return WRIT_EINVAL;
	return key_wrap(
	    EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, seed, 32), true, out);
}

writ_rc
writ_key_ed25519_from_public(const unsigned char pub[32], struct writ_key **out)
{
	if (pub == NULL)
		return WRIT_EINVAL;
	return key_wrap(EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, pub, 32), false, out);
}

writ_rc
writ_key_export_private(const struct writ_key *k, unsigned char seed[32])
{
	size_t len = 32;

	if (k == NULL || !k->private)
		return WRIT_EINVAL;
	if (EVP_PKEY_get_raw_private_key(k->pkey, seed, &len) != 1 || len != 32) {
		writ_memzero(seed, 32);
		return WRIT_ECRYPTO;
	}
	return WRIT_OK;
}

writ_rc
writ_key_public_raw(const struct writ_key *k, unsigned char pub[32])
{
	size_t len = 32;

	if (k == NULL)
		return WRIT_EINVAL;
	if (EVP_PKEY_get_raw_public_key(k->pkey, pub, &len) != 1 || len != 32)
		return WRIT_ECRYPTO;
	return WRIT_OK;
}

writ_rc
writ_key_sign(
    const struct writ_key *k, const void *msg, size_t len, unsigned char sig[WRIT_ED25519_SIG])
{
	static const unsigned char empty[1];
	EVP_MD_CTX *ctx = NULL;
	size_t siglen = WRIT_ED25519_SIG;
	writ_rc rc = WRIT_ECRYPTO;

	if (k == NULL || !k->private || sig == NULL || (msg == NULL && len > 0))
		return WRIT_EINVAL;
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		rc = WRIT_ENOMEM;
		goto out;
	}
	if (EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, k->pkey, NULL) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, msg != NULL ? msg : empty, len) != 1 ||
	    siglen != WRIT_ED25519_SIG)
		goto out;
	rc = WRIT_OK;
out:
	if (rc != WRIT_OK)
		writ_log(WRIT_LOG_ERROR, "crypto: ed25519 sign failed");
	EVP_MD_CTX_free(ctx);
	return rc;
}

writ_rc
writ_key_verify(const struct writ_key *k, const void *msg, size_t len,
    const unsigned char sig[WRIT_ED25519_SIG])
{
	static const unsigned char empty[1];
	EVP_MD_CTX *ctx = NULL;
	writ_rc rc = WRIT_ECRYPTO;

	if (k == NULL || sig == NULL || (msg == NULL && len > 0))
		return WRIT_EINVAL;
	if ((ctx = EVP_MD_CTX_new()) == NULL) {
		rc = WRIT_ENOMEM;
		goto out;
	}
	if (EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, k->pkey, NULL) != 1)
		goto out;
	if (EVP_DigestVerify(ctx, sig, WRIT_ED25519_SIG, msg != NULL ? msg : empty, len) == 1)
		rc = WRIT_OK;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

void
writ_key_free(struct writ_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	writ_memzero(k, sizeof(*k));
	writ_free(k);
}
