/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The X.509 key builtins through OpenSSL 3:
 *   crypto.x509.parse_rsa_private_key(pem): the RSA key as a JWK
 *     {kty, n, e, d, p, q, dp, dq, qi} (base64url, as OPA's jwk package);
 *   crypto.parse_private_keys(pem): every private key in the PEM as Go's
 *     json.Marshal prints crypto.PrivateKey (RSA: N, E, D, Primes,
 *     Precomputed; EC: Curve, X, Y, D; Ed25519: base64), [] when there is
 *     none and null for "";
 *   crypto.x509.parse_keypair(cert, key): Go's tls.Certificate
 *     {Certificate: [base64 DER...], PrivateKey, Leaf (the first certificate
 *     as crypto.x509.parse_certificates prints it), ...} after checking that
 *     the key matches the certificate;
 *   crypto.x509.parse_and_verify_certificates_with_options(certs, opts):
 *     like parse_and_verify_certificates (root first, leaf last) with Go's
 *     x509.VerifyOptions DNSName, CurrentTime (ns), KeyUsages and
 *     MaxConstraintComparisons; the verified chain (leaf to root) is printed
 *     by the crypto.x509.parse_certificates builtin.
 *
 * Inputs are PEM, or base64 of PEM (or of DER for certificates).  Big
 * integers print as JSON numbers up to REGO_NUM_MAX_LEN digits and as
 * decimal strings beyond (Go prints them as numbers of any size).
 *
 * Secrets: decoded key bytes are wiped as soon as OpenSSL holds the key
 * (OPENSSL_clear_free for PEM bodies, writ_memzero for base64 output and
 * the BIGNUM bytes); the EVP_PKEYs are freed before return.  The results
 * themselves contain the private key, which is what these builtins are for.
 * CT: none of this is constant time; the keys come from the policy.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "writ/crypto.h"

#include "core_int.h"
#include "ext_int.h"

#define KEYS_MAX_INPUT (1u << 20)
#define KEYS_MAX_KEYS  64u
#define KEYS_MAX_CERTS 64u

/* ---------------------------------------------------------------------------
 * Inputs.
 */

/*
 * OPA's getRequestBytes: PEM text as is, anything else base64 (StdEncoding).
 * *buf is an arena copy the caller wipes when *wipe.
 */
static enum rego_bres
request_bytes(
    struct rego_bctx *c, const struct rego_val *v, const char **out, size_t *outlen, bool *wipe)
{
	unsigned char *buf;
	size_t bad;

	*wipe = false;
	if (v->len > KEYS_MAX_INPUT)
		return rego_berr(c, "input longer than %u bytes", KEYS_MAX_INPUT);
	if (v->len >= 10 && memcmp(v->u.s, "-----BEGIN", 10) == 0) {
		*out = v->u.s;
		*outlen = v->len;
		return REGO_B_OK;
	}
	if ((buf = writ_arena_alloc(c->arena, 3 * (v->len / 4) + 4)) == NULL)
		return ext_oom(c);
	if (!ext_b64_decode(v->u.s, v->len, false, true, buf, outlen, &bad))
		return rego_berr(c, "illegal base64 data at input byte %zu", bad);
	*out = (const char *)buf;
	*wipe = true;
	return REGO_B_OK;
}

/*
 * The next PEM block's type and DER, decoded in OpenSSL's secure heap (when
 * it is set up) and released with pem_free; false at the end.
 */
static bool
next_pem(BIO *bio, char **name, unsigned char **der, long *derlen)
{
	char *header = NULL;

	*name = NULL;
	*der = NULL;
	if (PEM_read_bio_ex(
	        bio, name, &header, der, derlen, PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE) != 1)
		return false;
	OPENSSL_secure_free(header);
	return true;
}

/* Wipe and free what next_pem returned. */
static void
pem_free(char *name, unsigned char *der, long derlen)
{
	OPENSSL_secure_free(name);
	if (der != NULL)
		OPENSSL_secure_clear_free(der, (size_t)derlen);
}

/* A private key from one PEM block, as Go's parsers take them; NULL if the type is no key. */
static EVP_PKEY *
key_from_block(const char *name, const unsigned char *der, long derlen, bool *bad)
{
	const unsigned char *p = der;
	EVP_PKEY *k = NULL;

	*bad = false;
	if (strcmp(name, "RSA PRIVATE KEY") == 0)
		k = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, derlen);
	else if (strcmp(name, "EC PRIVATE KEY") == 0)
		k = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, derlen);
	else if (strcmp(name, "PRIVATE KEY") == 0)
		k = d2i_AutoPrivateKey(NULL, &p, derlen);
	else
		return NULL;
	*bad = k == NULL;
	return k;
}

/* ---------------------------------------------------------------------------
 * Output helpers.
 */

/* A BIGNUM parameter of k as base64url of its big-endian bytes (JWK). */
static const struct rego_val *
bn_b64url(struct rego_bctx *c, const EVP_PKEY *k, const char *param)
{
	const struct rego_val *v = NULL;
	struct writ_err e;
	BIGNUM *bn = NULL;
	unsigned char *bin = NULL;
	char *s;
	int n;

	if (EVP_PKEY_get_bn_param(k, param, &bn) != 1)
		return NULL;
	n = BN_num_bytes(bn);
	if ((bin = writ_malloc((size_t)n + 1)) != NULL && BN_bn2bin(bn, bin) == n &&
	    (s = writ_arena_alloc(c->arena, 4 * ((size_t)n / 3 + 1) + 1)) != NULL) {
		size_t len = writ_b64url_encode(bin, (size_t)n, s);

		while (len > 0 && s[len - 1] == '=')
			len--;
		if (rego_string(c->arena, s, len, &v, &e) != WRIT_OK)
			v = NULL;
	}
	if (bin != NULL) {
		writ_memzero(bin, (size_t)n + 1);
		writ_free(bin);
	}
	BN_clear_free(bn);
	return v;
}

/* A BIGNUM parameter as a JSON number (a decimal string beyond the number limit). */
static const struct rego_val *
bn_num(struct rego_bctx *c, const EVP_PKEY *k, const char *param)
{
	const struct rego_val *v = NULL;
	struct writ_err e;
	BIGNUM *bn = NULL;
	char *dec;

	if (EVP_PKEY_get_bn_param(k, param, &bn) != 1)
		return NULL;
	if ((dec = BN_bn2dec(bn)) != NULL) {
		size_t len = strlen(dec);

		if (len > REGO_NUM_MAX_LEN ||
		    rego_number_parse(c->arena, dec, len, &v, &e) != WRIT_OK)
			v = rego_string(c->arena, dec, len, &v, &e) == WRIT_OK ? v : NULL;
		OPENSSL_clear_free(dec, len);
	}
	BN_clear_free(bn);
	return v;
}

static const struct rego_val *
arr2(struct rego_bctx *c, const struct rego_val *a, const struct rego_val *b)
{
	const struct rego_val *el[2] = {a, b}, *v;
	struct writ_err e;

	if (a == NULL || b == NULL || rego_array(c->arena, el, 2, &v, &e) != WRIT_OK)
		return NULL;
	return v;
}

/* Go's json.Marshal of the crypto.PrivateKey k. */
static const struct rego_val *
key_go_json(struct rego_bctx *c, const EVP_PKEY *k)
{
	struct ext_obj o, pre;

	ext_obj_init(&o, c);
	if (EVP_PKEY_is_a(k, "RSA")) {
		ext_obj_init(&pre, c);
		ext_obj_put(&pre, "Dp", bn_num(c, k, OSSL_PKEY_PARAM_RSA_EXPONENT1));
		ext_obj_put(&pre, "Dq", bn_num(c, k, OSSL_PKEY_PARAM_RSA_EXPONENT2));
		ext_obj_put(&pre, "Qinv", bn_num(c, k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
		ext_obj_put(&pre, "CRTValues", &rego_empty_array_val);
		ext_obj_put(&o, "N", bn_num(c, k, OSSL_PKEY_PARAM_RSA_N));
		ext_obj_put(&o, "E", bn_num(c, k, OSSL_PKEY_PARAM_RSA_E));
		ext_obj_put(&o, "D", bn_num(c, k, OSSL_PKEY_PARAM_RSA_D));
		ext_obj_put(&o, "Primes",
		    arr2(c, bn_num(c, k, OSSL_PKEY_PARAM_RSA_FACTOR1),
		        bn_num(c, k, OSSL_PKEY_PARAM_RSA_FACTOR2)));
		ext_obj_put(&o, "Precomputed", ext_obj_finish(&pre));
		return ext_obj_finish(&o);
	}
	if (EVP_PKEY_is_a(k, "EC")) {
		ext_obj_put(&o, "Curve", &rego_empty_object_val);
		ext_obj_put(&o, "X", bn_num(c, k, OSSL_PKEY_PARAM_EC_PUB_X));
		ext_obj_put(&o, "Y", bn_num(c, k, OSSL_PKEY_PARAM_EC_PUB_Y));
		ext_obj_put(&o, "D", bn_num(c, k, OSSL_PKEY_PARAM_PRIV_KEY));
		return ext_obj_finish(&o);
	}
	if (EVP_PKEY_is_a(k, "ED25519")) {
		unsigned char raw[64];
		size_t n = 32, m = 32;
		char s[90];
		const struct rego_val *v = NULL;
		struct writ_err e;

		if (EVP_PKEY_get_raw_private_key(k, raw, &n) == 1 &&
		    EVP_PKEY_get_raw_public_key(k, raw + 32, &m) == 1 && n == 32 && m == 32 &&
		    rego_string(c->arena, s, writ_b64_encode(raw, 64, s), &v, &e) != WRIT_OK)
			v = NULL;
		writ_memzero(raw, sizeof(raw));
		writ_memzero(s, sizeof(s));
		return v;
	}
	return &rego_empty_object_val;
}

/* ---------------------------------------------------------------------------
 * Keys.
 */

/*
 * Every private key in (s, len) into ks (up to KEYS_MAX_KEYS); *n keys.
 * On a malformed key block, an error in OPA's words.
 */
static enum rego_bres
read_keys(struct rego_bctx *c, const char *s, size_t len, EVP_PKEY **ks, size_t *n)
{
	BIO *bio = BIO_new_mem_buf(s, (int)len);
	enum rego_bres r = REGO_B_OK;
	unsigned char *der;
	char *name;
	long derlen;

	*n = 0;
	if (bio == NULL)
		return ext_oom(c);
	while (r == REGO_B_OK && next_pem(bio, &name, &der, &derlen)) {
		bool bad;
		EVP_PKEY *k = key_from_block(name, der, derlen, &bad);

		if (bad)
			r = rego_berr(c, "x509: failed to parse private key");
		else if (k != NULL && *n == KEYS_MAX_KEYS)
			r = rego_berr(c, "more than %u keys", KEYS_MAX_KEYS);
		if (k != NULL && r == REGO_B_OK)
			ks[(*n)++] = k;
		else
			EVP_PKEY_free(k);
		pem_free(name, der, derlen);
	}
	ERR_clear_error();
	BIO_free(bio);
	return r;
}

static void
free_keys(EVP_PKEY **ks, size_t n)
{
	while (n > 0)
		EVP_PKEY_free(ks[--n]);
}

static enum rego_bres
bi_parse_private_keys(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	EVP_PKEY *ks[KEYS_MAX_KEYS];
	const struct rego_val **el;
	const char *s;
	size_t len = 0, n = 0, i;
	bool wipe;
	enum rego_bres r;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[0]->len == 0) {
		*out = &rego_null_val;
		return REGO_B_OK;
	}
	if ((r = request_bytes(c, args[0], &s, &len, &wipe)) != REGO_B_OK)
		return r;
	r = read_keys(c, s, len, ks, &n);
	if (wipe)
		writ_memzero((void *)(uintptr_t)s, len);
	if (r == REGO_B_OK && (r = core_elems(c, n, &el)) == REGO_B_OK) {
		for (i = 0; i < n && r == REGO_B_OK; i++)
			if ((el[i] = key_go_json(c, ks[i])) == NULL)
				r = ext_oom(c);
		if (r == REGO_B_OK)
			r = core_array(c, el, n, out);
	}
	free_keys(ks, n);
	return r;
}

/* The RSA key as OPA's jwk package marshals it. */
static const struct rego_val *
rsa_jwk(struct rego_bctx *c, const EVP_PKEY *k)
{
	static const struct {
		const char *jwk, *param;
	} f[] = {{"d", OSSL_PKEY_PARAM_RSA_D}, {"dp", OSSL_PKEY_PARAM_RSA_EXPONENT1},
	    {"dq", OSSL_PKEY_PARAM_RSA_EXPONENT2}, {"e", OSSL_PKEY_PARAM_RSA_E},
	    {"n", OSSL_PKEY_PARAM_RSA_N}, {"p", OSSL_PKEY_PARAM_RSA_FACTOR1},
	    {"q", OSSL_PKEY_PARAM_RSA_FACTOR2}, {"qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1}};
	const struct rego_val *kty;
	struct writ_err e;
	struct ext_obj o;
	size_t i;

	ext_obj_init(&o, c);
	for (i = 0; i < WRIT_ARRAY_LEN(f); i++)
		ext_obj_put(&o, f[i].jwk, bn_b64url(c, k, f[i].param));
	if (rego_string(c->arena, "RSA", 3, &kty, &e) != WRIT_OK)
		return NULL;
	ext_obj_put(&o, "kty", kty);
	return ext_obj_finish(&o);
}

static enum rego_bres
bi_parse_rsa_private_key(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	BIO *bio;
	const char *s;
	size_t len = 0;
	bool wipe, bad = false;
	char *name = NULL;
	unsigned char *der = NULL;
	long derlen = 0;
	EVP_PKEY *k = NULL;
	enum rego_bres r;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if ((r = request_bytes(c, args[0], &s, &len, &wipe)) != REGO_B_OK)
		return r;
	if ((bio = BIO_new_mem_buf(s, (int)len)) == NULL) {
		r = ext_oom(c);
		goto out;
	}
	if (!next_pem(bio, &name, &der, &derlen)) {
		r = rego_berr(c, "failed to parse PEM block containing the key");
		goto out;
	}
	k = key_from_block(name, der, derlen, &bad);
	if (k == NULL || !EVP_PKEY_is_a(k, "RSA")) {
		r = rego_berr(c,
		    bad ? "x509: failed to parse private key"
		        : "failed to parse PEM block containing the key");
		goto out;
	}
	if ((*out = rsa_jwk(c, k)) == NULL)
		r = ext_oom(c);
out:
	ERR_clear_error();
	EVP_PKEY_free(k);
	pem_free(name, der, derlen);
	BIO_free(bio);
	if (wipe)
		writ_memzero((void *)(uintptr_t)s, len);
	return r;
}

/* ---------------------------------------------------------------------------
 * Certificates.
 */

static enum rego_bres chain_json(
    struct rego_bctx *c, STACK_OF(X509) * chain, const struct rego_val **out);

/* Certificates from PEM, base64 PEM or base64 DER into xs; *n of them. */
static enum rego_bres
read_certs(struct rego_bctx *c, const struct rego_val *v, X509 **xs, size_t *n)
{
	const char *s;
	size_t len = 0;
	bool wipe;
	enum rego_bres r;
	const unsigned char *p, *end;

	*n = 0;
	if ((r = request_bytes(c, v, &s, &len, &wipe)) != REGO_B_OK)
		return r;
	if (len >= 10 && memcmp(s, "-----BEGIN", 10) == 0) {
		BIO *bio = BIO_new_mem_buf(s, (int)len);
		unsigned char *der;
		char *name;
		long derlen;

		if (bio == NULL)
			return ext_oom(c);
		while (r == REGO_B_OK && next_pem(bio, &name, &der, &derlen)) {
			if (strcmp(name, "CERTIFICATE") == 0) {
				p = der;
				if (*n == KEYS_MAX_CERTS)
					r = rego_berr(
					    c, "more than %u certificates", KEYS_MAX_CERTS);
				else if ((xs[*n] = d2i_X509(NULL, &p, derlen)) == NULL)
					r = rego_berr(c, "x509: malformed certificate");
				else
					(*n)++;
			}
			pem_free(name, der, derlen);
		}
		ERR_clear_error();
		BIO_free(bio);
		return r == REGO_B_OK && *n == 0 ? rego_berr(c, "x509: no certificates found") : r;
	}
	p = (const unsigned char *)s;
	end = p + len;
	while (p < end) {
		if (*n == KEYS_MAX_CERTS)
			return rego_berr(c, "more than %u certificates", KEYS_MAX_CERTS);
		if ((xs[*n] = d2i_X509(NULL, &p, (long)(end - p))) == NULL)
			return rego_berr(c, "x509: malformed certificate");
		(*n)++;
	}
	return *n == 0 ? rego_berr(c, "x509: no certificates found") : REGO_B_OK;
}

static void
free_certs(X509 **xs, size_t n)
{
	while (n > 0)
		X509_free(xs[--n]);
}

/* base64 of a certificate's DER. */
static const struct rego_val *
cert_b64(struct rego_bctx *c, X509 *x)
{
	unsigned char *der = NULL;
	const struct rego_val *v = NULL;
	struct writ_err e;
	int n = i2d_X509(x, &der);
	char *s;

	if (n > 0 && (s = writ_arena_alloc(c->arena, 4 * ((size_t)n / 3 + 1) + 1)) != NULL &&
	    rego_string(c->arena, s, writ_b64_encode(der, (size_t)n, s), &v, &e) != WRIT_OK)
		v = NULL;
	OPENSSL_free(der);
	return v;
}

static enum rego_bres
keypair_value(
    struct rego_bctx *c, X509 **xs, size_t n, const EVP_PKEY *k, const struct rego_val **out)
{
	const struct rego_val **el;
	struct ext_obj o;
	enum rego_bres r;
	size_t i;
	const struct rego_val *leaf = NULL, *leafs = NULL;
	STACK_OF(X509) *one = sk_X509_new_null();

	/* Go 1.23's X509KeyPair fills Leaf with the first certificate. */
	if (one == NULL || sk_X509_push(one, xs[0]) <= 0) {
		sk_X509_free(one);
		return ext_oom(c);
	}
	r = chain_json(c, one, &leafs);
	sk_X509_free(one);
	if (r != REGO_B_OK)
		return r;
	leaf = leafs->type == REGO_ARRAY && leafs->len == 1 ? leafs->u.elems[0] : &rego_null_val;
	if ((r = core_elems(c, n, &el)) != REGO_B_OK)
		return r;
	for (i = 0; i < n; i++)
		if ((el[i] = cert_b64(c, xs[i])) == NULL)
			return ext_oom(c);
	ext_obj_init(&o, c);
	{
		const struct rego_val *arr;

		if ((r = core_array(c, el, n, &arr)) != REGO_B_OK)
			return r;
		ext_obj_put(&o, "Certificate", arr);
	}
	ext_obj_put(&o, "PrivateKey", key_go_json(c, k));
	ext_obj_put(&o, "Leaf", leaf);
	ext_obj_put(&o, "OCSPStaple", &rego_null_val);
	ext_obj_put(&o, "SignedCertificateTimestamps", &rego_null_val);
	ext_obj_put(&o, "SupportedSignatureAlgorithms", &rego_null_val);
	if ((*out = ext_obj_finish(&o)) == NULL)
		return ext_oom(c);
	return REGO_B_OK;
}

static enum rego_bres
bi_parse_keypair(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	X509 *xs[KEYS_MAX_CERTS];
	EVP_PKEY *ks[KEYS_MAX_KEYS];
	size_t nx = 0, nk = 0;
	const char *s;
	size_t len = 0;
	bool wipe;
	enum rego_bres r;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[1]->type != REGO_STRING)
		return rego_berr_operand(c, 2, "string", args[1]);
	if ((r = read_certs(c, args[0], xs, &nx)) != REGO_B_OK)
		goto out;
	if ((r = request_bytes(c, args[1], &s, &len, &wipe)) != REGO_B_OK)
		goto out;
	r = read_keys(c, s, len, ks, &nk);
	if (wipe)
		writ_memzero((void *)(uintptr_t)s, len);
	if (r != REGO_B_OK)
		goto out;
	if (nk == 0) {
		r = rego_berr(c, "tls: failed to find any PEM data in key input");
		goto out;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(xs[0]), ks[0]) != 1) {
		r = rego_berr(c, "tls: private key does not match public key");
		goto out;
	}
	r = keypair_value(c, xs, nx, ks[0], out);
out:
	free_keys(ks, nk);
	free_certs(xs, nx);
	return r;
}

/* ---------------------------------------------------------------------------
 * Verification with options.
 */

struct vopts {
	const struct rego_val *dns;
	bool has_time;
	int64_t time_ns;
	bool any_usage;
	uint32_t xku; /* OpenSSL XKU_* flags of the requested usages */
	bool has_usages;
};

static const struct {
	const char *name;
	uint32_t xku; /* 0: no OpenSSL flag (matches only a leaf without EKU) */
} key_usages[] = {
    {"KeyUsageAny", UINT32_MAX},
    {"KeyUsageServerAuth", XKU_SSL_SERVER},
    {"KeyUsageClientAuth", XKU_SSL_CLIENT},
    {"KeyUsageCodeSigning", XKU_CODE_SIGN},
    {"KeyUsageEmailProtection", XKU_SMIME},
    {"KeyUsageIPSECEndSystem", 0},
    {"KeyUsageIPSECTunnel", 0},
    {"KeyUsageIPSECUser", 0},
    {"KeyUsageTimeStamping", XKU_TIMESTAMP},
    {"KeyUsageOCSPSigning", XKU_OCSP_SIGN},
    {"KeyUsageMicrosoftServerGatedCrypto", XKU_SGC},
    {"KeyUsageNetscapeServerGatedCrypto", XKU_SGC},
    {"KeyUsageMicrosoftCommercialCodeSigning", 0},
    {"KeyUsageMicrosoftKernelCodeSigning", 0},
};

static enum rego_bres
opt_usages(struct rego_bctx *c, const struct rego_val *v, struct vopts *o)
{
	struct writ_buf bad;
	bool ok = true;
	size_t i, k;

	if (v->type != REGO_ARRAY && v->type != REGO_SET)
		return rego_berr(c, "'KeyUsages' should be an Array or Set");
	writ_buf_init(&bad, 4096);
	o->has_usages = true;
	for (i = 0; i < v->len; i++) {
		const struct rego_val *u = v->u.elems[i];

		if (u->type != REGO_STRING)
			continue;
		for (k = 0; k < WRIT_ARRAY_LEN(key_usages); k++)
			if (strlen(key_usages[k].name) == u->len &&
			    memcmp(key_usages[k].name, u->u.s, u->len) == 0)
				break;
		if (k == WRIT_ARRAY_LEN(key_usages)) {
			ext_bputs(&bad, &ok, bad.len > 0 ? ", " : "");
			ext_bput(&bad, &ok, u->u.s, u->len);
		} else if (key_usages[k].xku == UINT32_MAX) {
			o->any_usage = true;
		} else {
			o->xku |= key_usages[k].xku;
		}
	}
	if (bad.len > 0) {
		enum rego_bres r =
		    rego_berr(c, "invalid entries for 'KeyUsages' found: %s", ok ? bad.ptr : "");

		writ_buf_free(&bad);
		return r;
	}
	writ_buf_free(&bad);
	return REGO_B_OK;
}

/* OPA's extractVerifyOpts. */
static enum rego_bres
verify_opts(struct rego_bctx *c, const struct rego_val *obj, struct vopts *o)
{
	size_t i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < obj->len; i++) {
		const struct rego_val *k = obj->u.kvs[i].key, *v = obj->u.kvs[i].val;
		enum rego_bres r;

		if (k->type != REGO_STRING)
			continue;
		if (k->len == 7 && memcmp(k->u.s, "DNSName", 7) == 0) {
			if (v->type != REGO_STRING)
				return rego_berr(c, "'DNSName' should be a string");
			o->dns = v;
		} else if (k->len == 11 && memcmp(k->u.s, "CurrentTime", 11) == 0) {
			if (v->type != REGO_NUMBER)
				return rego_berr(c, "'CurrentTime' should be a number");
			if (!rego_num_i64(v, &o->time_ns))
				return rego_berr(c, "'CurrentTime' should be a valid int64 number");
			o->has_time = true;
		} else if (k->len == 24 && memcmp(k->u.s, "MaxConstraintComparisons", 24) == 0) {
			int64_t n;

			if (v->type != REGO_NUMBER)
				return rego_berr(
				    c, "'MaxConstraintComparisons' should be a number");
			if (!rego_num_i64(v, &n))
				return rego_berr(
				    c, "'MaxConstraintComparisons' should be a valid number");
		} else if (k->len == 9 && memcmp(k->u.s, "KeyUsages", 9) == 0) {
			if ((r = opt_usages(c, v, o)) != REGO_B_OK)
				return r;
		} else {
			return rego_berr(c, "invalid key option");
		}
	}
	if (!o->has_usages)
		o->xku = XKU_SSL_SERVER; /* Go's default: ExtKeyUsageServerAuth */
	return REGO_B_OK;
}

/* Does the leaf's extended key usage allow one of the requested usages? */
static bool
usage_ok(X509 *leaf, const struct vopts *o)
{
	uint32_t have = X509_get_extended_key_usage(leaf);

	if (o->any_usage || have == UINT32_MAX)
		return true;
	if (X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) {
		ASN1_OBJECT *any = OBJ_nid2obj(NID_anyExtendedKeyUsage);
		EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(leaf, NID_ext_key_usage, NULL, NULL);
		bool found = false;
		int i;

		for (i = 0; eku != NULL && i < sk_ASN1_OBJECT_num(eku); i++)
			if (OBJ_cmp(sk_ASN1_OBJECT_value(eku, i), any) == 0)
				found = true;
		EXTENDED_KEY_USAGE_free(eku);
		if (found)
			return true;
	}
	return (have & o->xku) != 0;
}

/* Verify root xs[0] .. leaf xs[n-1]; the chain (leaf first) is pushed to chain. */
static bool
verify_with(X509 **xs, size_t n, const struct vopts *o, STACK_OF(X509) * *chain)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *inter = sk_X509_new_null();
	X509_VERIFY_PARAM *param;
	bool ok = false;
	size_t i;

	*chain = NULL;
	if (store == NULL || ctx == NULL || inter == NULL || X509_STORE_add_cert(store, xs[0]) != 1)
		goto out;
	for (i = 1; i + 1 < n; i++)
		if (sk_X509_push(inter, xs[i]) <= 0)
			goto out;
	if (X509_STORE_CTX_init(ctx, store, xs[n - 1], inter) != 1)
		goto out;
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
	param = X509_STORE_CTX_get0_param(ctx);
	if (o->dns != NULL && o->dns->len > 0 &&
	    X509_VERIFY_PARAM_set1_host(param, o->dns->u.s, o->dns->len) != 1)
		goto out;
	if (o->has_time) {
		int64_t sec = o->time_ns / 1000000000LL - (o->time_ns % 1000000000LL < 0);

		X509_VERIFY_PARAM_set_time(param, (time_t)sec);
	}
	if (X509_verify_cert(ctx) != 1 || !usage_ok(xs[n - 1], o))
		goto out;
	*chain = X509_STORE_CTX_get1_chain(ctx);
	ok = *chain != NULL;
out:
	ERR_clear_error();
	sk_X509_free(inter);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

/* The chain as crypto.x509.parse_certificates prints it. */
static enum rego_bres
chain_json(struct rego_bctx *c, STACK_OF(X509) * chain, const struct rego_val **out)
{
	const struct rego_builtin *pc = rego_builtin_lookup("crypto.x509.parse_certificates", 30);
	struct writ_buf der;
	const struct rego_val *arg;
	struct rego_bctx sub = *c;
	char *b64;
	bool ok = true;
	int i;

	if (pc == NULL)
		return rego_berr(c, "crypto.x509.parse_certificates is not available");
	writ_buf_init(&der, KEYS_MAX_INPUT);
	for (i = 0; ok && i < sk_X509_num(chain); i++) {
		unsigned char *d = NULL;
		int n = i2d_X509(sk_X509_value(chain, i), &d);

		if (n <= 0)
			ok = false;
		else
			ext_bput(&der, &ok, d, (size_t)n);
		OPENSSL_free(d);
	}
	if (!ok || (b64 = writ_arena_alloc(c->arena, 4 * (der.len / 3 + 1) + 1)) == NULL) {
		writ_buf_free(&der);
		return ext_oom(c);
	}
	ok = ext_str(c, b64, writ_b64_encode(der.ptr, der.len, b64), &arg) == REGO_B_OK;
	writ_buf_free(&der);
	if (!ok)
		return REGO_B_ERR;
	sub.name = pc->name;
	return pc->fn(&sub, &arg, out);
}

static enum rego_bres
bi_parse_and_verify_with_options(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	X509 *xs[KEYS_MAX_CERTS];
	STACK_OF(X509) *chain = NULL;
	const struct rego_val *pair[2] = {rego_bool(false), &rego_empty_array_val};
	struct writ_rego_error saved = *c->err;
	struct vopts o;
	size_t n = 0;
	enum rego_bres r;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[1]->type != REGO_OBJECT)
		return rego_berr_operand(c, 2, "object", args[1]);
	if (read_certs(c, args[0], xs, &n) != REGO_B_OK) {
		free_certs(xs, n);
		*c->err = saved;
		return core_array(c, pair, 2, out);
	}
	if ((r = verify_opts(c, args[1], &o)) != REGO_B_OK) {
		free_certs(xs, n);
		return r;
	}
	if (n >= 2 && verify_with(xs, n, &o, &chain)) {
		r = chain_json(c, chain, &pair[1]);
		pair[0] = rego_bool(true);
	}
	sk_X509_pop_free(chain, X509_free);
	free_certs(xs, n);
	if (r != REGO_B_OK)
		return r;
	return core_array(c, pair, 2, out);
}

static const struct rego_builtin x509_keys_builtins[] = {
    {"crypto.parse_private_keys", 1, bi_parse_private_keys, 0},
    {"crypto.x509.parse_and_verify_certificates_with_options", 2, bi_parse_and_verify_with_options,
        0},
    {"crypto.x509.parse_keypair", 2, bi_parse_keypair, 0},
    {"crypto.x509.parse_rsa_private_key", 1, bi_parse_rsa_private_key, 0},
};

const struct rego_builtin_family rego_family_x509_keys = {
    "x509_keys", x509_keys_builtins, WRIT_ARRAY_LEN(x509_keys_builtins)};
