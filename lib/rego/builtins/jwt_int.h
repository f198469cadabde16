/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys shared by jwt.c and jwk.c (and the PEM finder x509.c may use):
 * EVP_PKEYs or HMAC secrets with the JWK's alg and kid.
 */
#ifndef WRIT_LIB_REGO_BUILTINS_JWT_INT_H
#define WRIT_LIB_REGO_BUILTINS_JWT_INT_H

#include <openssl/evp.h>

#include "ext_int.h"

/* Limits on attacker-controlled input. */
#define EXT_JWT_MAX_TOKEN (1u << 20) /* bytes of one compact JWT */
#define EXT_JWT_MAX_KEY   (1u << 20) /* bytes of a PEM or JWK (set) */
#define EXT_JWT_MAX_KEYS  64u        /* keys in a JWK set */
#define EXT_JWT_MAX_NEST  8u         /* nested (cty: JWT) tokens */

struct ext_key {
	EVP_PKEY *pkey;        /* or NULL for an oct key */
	unsigned char *secret; /* oct: arena bytes, wiped by ext_keys_free */
	size_t secretlen;
	char alg[16];
	char kid[256];
	bool has_kid;
};

struct ext_keys {
	struct ext_key *v; /* arena */
	size_t n;
};

/* A PEM block as Go's pem.Decode finds it; der is in the arena. */
struct ext_pem {
	const char *type;
	size_t typelen;
	unsigned char *der;
	size_t derlen;
	const char *rest;
	size_t restlen;
};

/* The first PEM block in (s, len); false when there is none or it is malformed. */
bool ext_pem_next(struct writ_arena *a, const char *s, size_t len, struct ext_pem *out);
/* A JWK or JWK set; priv loads private keys (for signing). */
bool ext_jwk_parse(
    struct writ_arena *a, const char *s, size_t len, bool priv, struct ext_keys *out);
/* OPA's getKeysFromCertOrJWK, with its error messages. */
enum rego_bres ext_keys_from_cert_or_jwk(
    struct rego_bctx *c, const char *s, size_t len, struct ext_keys *out);
/* Free the EVP_PKEYs and wipe the secrets; the array stays in the arena. */
void ext_keys_free(struct ext_keys *k);

#endif /* WRIT_LIB_REGO_BUILTINS_JWT_INT_H */
