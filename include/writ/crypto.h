/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cryptographic primitives of libwrit, all on OpenSSL 3: random bytes, hashes,
 * HMAC, HKDF, AES-256-GCM, Shamir secret sharing over GF(256), Ed25519 keys,
 * hex and base64 codecs, constant-time comparison and secure memory.
 *
 * Every use of a private key goes through struct writ_key so the key holder
 * can later move into a separate process without touching callers.
 */
#ifndef WRIT_CRYPTO_H
#define WRIT_CRYPTO_H

#include "writ/base.h"

#define WRIT_SHA256_LEN   32
#define WRIT_AEAD_KEY_LEN 32
#define WRIT_AEAD_NONCE   12
#define WRIT_AEAD_TAG     16
#define WRIT_ED25519_PUB  32
#define WRIT_ED25519_SIG  64

/* Fill out with len cryptographically random bytes.  Thread safe. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_random(void *out, size_t len);

/* Constant-time equality of two equal-length byte strings.
 * CT: time depends only on len. */
WRIT_API bool writ_ct_eq(const void *a, const void *b, size_t len);

/* SHA-256 of one buffer; out must hold 32 bytes. */
WRIT_API void writ_sha256(const void *p, size_t len, unsigned char out[WRIT_SHA256_LEN]);

/* HMAC-SHA256; out must hold 32 bytes.
 * CT: time depends only on keylen and len, not on their contents. */
WRIT_API void writ_hmac_sha256(const void *key, size_t keylen, const void *p, size_t len,
    unsigned char out[WRIT_SHA256_LEN]);

/*
 * A prepared HMAC-SHA256 key for hashing many values under one key (audit
 * logs): the inner and outer pad blocks are absorbed once, so each MAC costs
 * two context copies and the compressions its data needs.  Equal in output to
 * writ_hmac_sha256.  Thread safe: computations use per-thread scratch state.
 * CT: time depends only on len.
 */
struct writ_hmac_key;
WRIT_API WRIT_MUST_CHECK writ_rc writ_hmac_key_new(const void *key, size_t keylen,
    struct writ_hmac_key **out);
WRIT_API void writ_hmac_key_compute(const struct writ_hmac_key *k, const void *p, size_t len,
    unsigned char out[WRIT_SHA256_LEN]);
/* Free and wipe; accepts NULL. */
WRIT_API void writ_hmac_key_free(struct writ_hmac_key *k);

/* HKDF-SHA256 (RFC 5869) extract-and-expand into out[outlen]. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_hkdf_sha256(const void *ikm, size_t ikmlen,
    const void *salt, size_t saltlen, const void *info, size_t infolen, void *out,
    size_t outlen);

/*
 * AES-256-GCM.  writ_aead_seal writes nonce(12) || ciphertext || tag(16) into
 * out, which must hold len + WRIT_AEAD_NONCE + WRIT_AEAD_TAG bytes; the nonce
 * is random.  writ_aead_open takes that layout and writes len - 28 bytes of
 * plaintext to out; any change of key, nonce, ciphertext, tag or aad gives
 * WRIT_ECRYPTO and writes nothing usable.
 * CT: OpenSSL's GCM is constant time in the key and data.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_aead_seal(const unsigned char key[WRIT_AEAD_KEY_LEN],
    const void *aad, size_t aadlen, const void *in, size_t len, unsigned char *out);
WRIT_API WRIT_MUST_CHECK writ_rc writ_aead_open(const unsigned char key[WRIT_AEAD_KEY_LEN],
    const void *aad, size_t aadlen, const unsigned char *in, size_t len, unsigned char *out);

/*
 * Shamir secret sharing over GF(256) (the AES field, polynomial 0x11b).
 * writ_shamir_split: secret[len] into n shares of len + 1 bytes each (the last
 * byte is the share's x coordinate, 1..255, distinct), threshold t, 1 <= t <= n
 * <= 255 (with t == 1 every share is the secret plus its x).  shares
 * must hold n * (len + 1) bytes, laid out one after another.
 * writ_shamir_combine: k shares of sharelen bytes each (laid out one after
 * another) rebuild the sharelen - 1 byte secret into out.  Duplicate x gives
 * WRIT_EINVAL.  Fewer than t shares give a wrong secret (that is the scheme);
 * the caller detects it by authenticating the result.
 * CT: table-free arithmetic, no branches on secret data.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_shamir_split(const unsigned char *secret, size_t len,
    unsigned n, unsigned t, unsigned char *shares);
WRIT_API WRIT_MUST_CHECK writ_rc writ_shamir_combine(const unsigned char *shares, unsigned k,
    size_t sharelen, unsigned char *out);

/* ---------------------------------------------------------------------------
 * Codecs.  Output is NUL-terminated where it is text.
 */
/* Lower-case hex of len bytes into out (2 * len + 1 bytes). */
WRIT_API void writ_hex_encode(const void *in, size_t len, char *out);
/* Hex (either case) into out (len / 2 bytes); odd length or a non-hex digit is EINVAL.
 * CT: no table lookups indexed by secret data. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_hex_decode(const char *in, size_t len, unsigned char *out);
/* Standard base64 with padding; out must hold 4 * ceil(len / 3) + 1 bytes. */
WRIT_API size_t writ_b64_encode(const void *in, size_t len, char *out);
/* base64url without padding; out must hold 4 * ceil(len / 3) + 1 bytes. */
WRIT_API size_t writ_b64url_encode(const void *in, size_t len, char *out);
/* Decode standard or url alphabet, padding optional, no whitespace; out must hold
 * 3 * (len / 4) + 3 bytes.  *outlen gets the decoded length. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_b64_decode(const char *in, size_t len, unsigned char *out,
    size_t *outlen);

/* ---------------------------------------------------------------------------
 * Secure memory: locked, wiped on free, guard against core dumps where the
 * platform allows.  writ_secmem_free accepts NULL.
 */
WRIT_API void *writ_secmem_alloc(size_t len);
WRIT_API void writ_secmem_free(void *p, size_t len);

/* ---------------------------------------------------------------------------
 * Keys.  Only Ed25519 for now (audit checkpoints); the same interface will
 * carry EC P-256 for SVIDs and JWTs.  Private key bytes never leave the key
 * object except through writ_key_export_private, used only to store the key
 * through the barrier.
 */
struct writ_key;

/* Generate a new Ed25519 key. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_key_ed25519_generate(struct writ_key **out);
/* Load an Ed25519 private key from its 32-byte seed. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_key_ed25519_from_seed(const unsigned char seed[32],
    struct writ_key **out);
/* Load a public-only Ed25519 key from 32 raw bytes. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_key_ed25519_from_public(const unsigned char pub[32],
    struct writ_key **out);
/* Export the 32-byte seed of a private key (for storage through the barrier). */
WRIT_API WRIT_MUST_CHECK writ_rc writ_key_export_private(const struct writ_key *k,
    unsigned char seed[32]);
/* The 32 raw public key bytes. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_key_public_raw(const struct writ_key *k,
    unsigned char pub[32]);
/* Sign msg; sig must hold 64 bytes. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_key_sign(const struct writ_key *k, const void *msg,
    size_t len, unsigned char sig[WRIT_ED25519_SIG]);
/* WRIT_OK if sig is valid for msg under k, WRIT_ECRYPTO if not. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_key_verify(const struct writ_key *k, const void *msg,
    size_t len, const unsigned char sig[WRIT_ED25519_SIG]);
/* Free a key (wipes private material); accepts NULL. */
WRIT_API void writ_key_free(struct writ_key *k);

#endif /* WRIT_CRYPTO_H */
