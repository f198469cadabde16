/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys for the io.jwt.* builtins: PEM blocks found the way Go's pem.Decode
 * finds them, X.509 certificates and SubjectPublicKeyInfo through OpenSSL,
 * and JSON Web Keys (RFC 7517: a key or a {"keys": [...]} set) of types
 * RSA, EC (P-256/384/521), OKP (Ed25519) and oct, built into EVP_PKEYs with
 * OSSL_PARAM_BLD.  Private components and oct secrets are wiped from the
 * arena as soon as OpenSSL holds them.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "writ/crypto.h"

#include "jwt_int.h"

/* ---------------------------------------------------------------------------
 * PEM.
 */

static const char *
find(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (memcmp(s + i, needle, n) == 0)
			return s + i;
	return NULL;
}

bool
ext_pem_next(struct writ_arena *a, const char *s, size_t len, struct ext_pem *out)
{
	const char *begin, *type, *te, *body, *end, *p;
	size_t tlen, blen, i, o = 0, bad;
	char *clean;

	if ((begin = find(s, len, "-----BEGIN ")) == NULL)
		return false;
	type = begin + 11;
	if ((te = find(type, len - (size_t)(type - s), "-----")) == NULL)
		return false;
	tlen = (size_t)(te - type);
	body = te + 5;
	if (memchr(type, '\n', tlen) != NULL)
		return false;
	for (p = body; p < s + len && (*p == ' ' || *p == '\t' || *p == '\r'); p++)
		;
	if (p < s + len && *p == '\n')
		p++;
	body = p;
	if ((end = find(body, len - (size_t)(body - s), "-----END ")) == NULL)
		return false;
	p = end + 9;
	if ((size_t)(s + len - p) < tlen + 5 || memcmp(p, type, tlen) != 0 ||
	    memcmp(p + tlen, "-----", 5) != 0)
		return false;
	p += tlen + 5;
	while (p < s + len && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	if (p < s + len && *p == '\n')
		p++;
	blen = (size_t)(end - body);
	if ((clean = writ_arena_alloc(a, blen + 1)) == NULL ||
	    (out->der = writ_arena_alloc(a, 3 * (blen / 4) + 4)) == NULL)
		return false;
	for (i = 0; i < blen; i++)
		if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n')
			clean[o++] = body[i];
	if (memchr(clean, ':', o) != NULL ||
	    !ext_b64_decode(clean, o, false, true, out->der, &out->derlen, &bad))
		return false;
	out->type = type;
	out->typelen = tlen;
	out->rest = p;
	out->restlen = (size_t)(s + len - p);
	return true;
}

/* ---------------------------------------------------------------------------
 * JWK.
 */

static bool
b64url_field(struct writ_arena *a, const struct rego_val *k, const char *name, unsigned char **out,
    size_t *outlen)
{
	const struct rego_val *v = rego_object_get_str(k, name, strlen(name));
	char msg[64];
	size_t len;

	if (v == NULL || v->type != REGO_STRING || v->len == 0)
		return false;
	len = v->len;
	while (len > 0 && v->u.s[len - 1] == '=')
		len--;
	return ext_b64url_decode_opa(a, v->u.s, len, out, outlen, msg, sizeof(msg));
}

static BIGNUM *
bn_field(struct writ_arena *a, const struct rego_val *k, const char *name, bool secret)
{
	unsigned char *p;
	size_t len;
	BIGNUM *bn;

	if (!b64url_field(a, k, name, &p, &len) || len > 2048)
		return NULL;
	bn = secret ? BN_secure_new() : BN_new();
	if (bn != NULL && BN_bin2bn(p, (int)len, bn) == NULL) {
		BN_clear_free(bn);
		bn = NULL;
	}
	if (secret)
		writ_memzero(p, len);
	return bn;
}

static EVP_PKEY *
pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld, bool priv)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY *pk = NULL;

	if (ctx == NULL || params == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static EVP_PKEY *
rsa_key(struct writ_arena *a, const struct rego_val *k, bool priv)
{
	static const char *const pn[] = {"d", "p", "q", "dp", "dq", "qi"};
	static const char *const on[] = {OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
	    OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
	    OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
	BIGNUM *n = bn_field(a, k, "n", false), *e = bn_field(a, k, "e", false), *ps[6] = {0};
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *pk = NULL;
	size_t i, np = 0;
	bool ok = n != NULL && e != NULL && bld != NULL;

	ok = ok && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1;
	for (i = 0; ok && priv && i < 6; i++) {
		if ((ps[i] = bn_field(a, k, pn[i], true)) == NULL)
			break;
		ok = OSSL_PARAM_BLD_push_BN(bld, on[i], ps[i]) == 1;
		np++;
	}
	if (ok && (!priv || np == 6 || np == 1))
		pk = pkey_fromdata("RSA", bld, priv);
	for (i = 0; i < 6; i++)
		BN_clear_free(ps[i]);
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_BLD_free(bld);
	return pk;
}

static EVP_PKEY *
ec_key(struct writ_arena *a, const struct rego_val *k, bool priv)
{
	const struct rego_val *crv = rego_object_get_str(k, "crv", 3);
	const char *group = NULL;
	unsigned char *x, *y, pt[1 + 2 * 66];
	size_t xl, yl, sz = 0;
	OSSL_PARAM_BLD *bld;
	BIGNUM *d = NULL;
	EVP_PKEY *pk = NULL;

	if (crv == NULL || crv->type != REGO_STRING)
		return NULL;
	if (crv->len == 5 && memcmp(crv->u.s, "P-256", 5) == 0)
		group = "prime256v1", sz = 32;
	else if (crv->len == 5 && memcmp(crv->u.s, "P-384", 5) == 0)
		group = "secp384r1", sz = 48;
	else if (crv->len == 5 && memcmp(crv->u.s, "P-521", 5) == 0)
		group = "secp521r1", sz = 66;
	if (group == NULL || !b64url_field(a, k, "x", &x, &xl) ||
	    !b64url_field(a, k, "y", &y, &yl) || xl != sz || yl != sz)
		return NULL;
	pt[0] = 4;
	memcpy(pt + 1, x, sz);
	memcpy(pt + 1 + sz, y, sz);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return NULL;
	if (priv && (d = bn_field(a, k, "d", true)) == NULL)
		goto out;
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, 1 + 2 * sz) == 1 &&
	    (d == NULL || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) == 1))
		pk = pkey_fromdata("EC", bld, priv);
out:
	BN_clear_free(d);
	OSSL_PARAM_BLD_free(bld);
	return pk;
}

static EVP_PKEY *
okp_key(struct writ_arena *a, const struct rego_val *k, bool priv)
{
	const struct rego_val *crv = rego_object_get_str(k, "crv", 3);
	unsigned char *x, *d;
	size_t xl, dl;
	EVP_PKEY *pk;

	if (crv == NULL || crv->type != REGO_STRING || crv->len != 7 ||
	    memcmp(crv->u.s, "Ed25519", 7) != 0)
		return NULL;
	if (priv) {
		if (!b64url_field(a, k, "d", &d, &dl) || dl != 32)
			return NULL;
		pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, d, dl);
		writ_memzero(d, dl);
		return pk;
	}
	if (!b64url_field(a, k, "x", &x, &xl) || xl != 32)
		return NULL;
	return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, xl);
}

static void
str_field(const struct rego_val *k, const char *name, char *out, size_t outlen, bool *has)
{
	const struct rego_val *v = rego_object_get_str(k, name, strlen(name));

	out[0] = '\0';
	if (has != NULL)
		*has = false;
	if (v == NULL || v->type != REGO_STRING || v->len >= outlen)
		return;
	memcpy(out, v->u.s, v->len);
	out[v->len] = '\0';
	if (has != NULL)
		*has = true;
}

/* One JWK object into key; false when malformed or unsupported. */
static bool
jwk_one(struct writ_arena *a, const struct rego_val *k, bool priv, struct ext_key *key)
{
	const struct rego_val *kty = rego_object_get_str(k, "kty", 3);

	memset(key, 0, sizeof(*key));
	if (k->type != REGO_OBJECT || kty == NULL || kty->type != REGO_STRING)
		return false;
	str_field(k, "alg", key->alg, sizeof(key->alg), NULL);
	str_field(k, "kid", key->kid, sizeof(key->kid), &key->has_kid);
	if (kty->len == 3 && memcmp(kty->u.s, "RSA", 3) == 0)
		key->pkey = rsa_key(a, k, priv);
	else if (kty->len == 2 && memcmp(kty->u.s, "EC", 2) == 0)
		key->pkey = ec_key(a, k, priv);
	else if (kty->len == 3 && memcmp(kty->u.s, "OKP", 3) == 0)
		key->pkey = okp_key(a, k, priv);
	else if (kty->len == 3 && memcmp(kty->u.s, "oct", 3) == 0)
		return b64url_field(a, k, "k", &key->secret, &key->secretlen);
	return key->pkey != NULL;
}

bool
ext_jwk_parse(struct writ_arena *a, const char *s, size_t len, bool priv, struct ext_keys *out)
{
	const struct rego_json_limits lim = {.max_bytes = EXT_JWT_MAX_KEY, .max_depth = 16};
	const struct rego_val *v, *set;
	struct writ_err e;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	if (rego_json_parse(a, s, len, &lim, &v, &e) != WRIT_OK || v->type != REGO_OBJECT)
		return false;
	set = rego_object_get_str(v, "keys", 4);
	if (set != NULL && set->type != REGO_ARRAY)
		return false;
	n = set != NULL ? set->len : 1;
	if (n > EXT_JWT_MAX_KEYS || (out->v = writ_arena_calloc(a, n + 1, sizeof(*out->v))) == NULL)
		return false;
	for (i = 0; i < n; i++) {
		if (!jwk_one(a, set != NULL ? set->u.elems[i] : v, priv, &out->v[out->n])) {
			ext_keys_free(out);
			return false;
		}
		out->n++;
	}
	return true;
}

void
ext_keys_free(struct ext_keys *k)
{
	size_t i;

	for (i = 0; k->v != NULL && i < k->n; i++) {
		EVP_PKEY_free(k->v[i].pkey);
		if (k->v[i].secret != NULL)
			writ_memzero(k->v[i].secret, k->v[i].secretlen);
	}
	k->n = 0;
}

/* ---------------------------------------------------------------------------
 * Verification keys from a certificate, a public key or a JWK (set).
 */

enum rego_bres
ext_keys_from_cert_or_jwk(struct rego_bctx *c, const char *s, size_t len, struct ext_keys *out)
{
	struct ext_pem pem;
	const unsigned char *p;
	EVP_PKEY *pk = NULL;

	memset(out, 0, sizeof(*out));
	if (len > EXT_JWT_MAX_KEY)
		return rego_berr(c, "key longer than %u bytes", EXT_JWT_MAX_KEY);
	if (ext_pem_next(c->arena, s, len, &pem)) {
		if (pem.restlen > 0)
			return rego_berr(c, "extra data after a PEM certificate block");
		p = pem.der;
		if (pem.typelen == 11 && memcmp(pem.type, "CERTIFICATE", 11) == 0) {
			X509 *x = d2i_X509(NULL, &p, (long)pem.derlen);

			if (x == NULL || (pk = X509_get_pubkey(x)) == NULL) {
				X509_free(x);
				return rego_berr(c,
				    "failed to parse a PEM certificate: x509: malformed certificate");
			}
			X509_free(x);
		} else if (pem.typelen == 10 && memcmp(pem.type, "PUBLIC KEY", 10) == 0) {
			if ((pk = d2i_PUBKEY(NULL, &p, (long)pem.derlen)) == NULL)
				return rego_berr(c, "failed to parse a PEM public key");
		} else {
			return rego_berr(c, "failed to extract a Key from the PEM certificate");
		}
		if ((out->v = writ_arena_calloc(c->arena, 1, sizeof(*out->v))) == NULL) {
			EVP_PKEY_free(pk);
			return ext_oom(c);
		}
		out->v[0].pkey = pk;
		out->n = 1;
		return REGO_B_OK;
	}
	if (!ext_jwk_parse(c->arena, s, len, false, out))
		return rego_berr(c, "failed to parse a JWK key (set)");
	return REGO_B_OK;
}
