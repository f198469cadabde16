/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private helpers shared by lib/crypto files: SHA-256 and AES-256-GCM fetched
 * once from the provider, and a per-thread scratch digest context, so that hot
 * paths (audit chain hashes, HMACs of audit values, token hashes) do not pay
 * OpenSSL 3's per-call algorithm fetch and context allocation.
 */
#ifndef WRIT_LIB_CRYPTO_CRYPTO_INT_H
#define WRIT_LIB_CRYPTO_CRYPTO_INT_H

#include <openssl/evp.h>

/* SHA-256, fetched once; never NULL after the first successful call (NULL on failure). */
const EVP_MD *crypto_sha256_md(void);
/* AES-256-GCM, fetched once (NULL on failure). */
const EVP_CIPHER *crypto_aes256gcm(void);
/* This thread's scratch digest context (freed at thread exit), or NULL. */
EVP_MD_CTX *crypto_scratch_ctx(void);

#endif /* WRIT_LIB_CRYPTO_CRYPTO_INT_H */
