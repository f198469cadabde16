/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The crypto.x509.* builtins through OpenSSL 3: certificates (PEM, base64
 * of PEM, or base64 DER, possibly several concatenated), chain
 * verification, certificate requests and RSA private keys.
 *
 * OPA answers Go's x509.Certificate marshalled to JSON.  This file builds the
 * subset of those members that policies use: Version, SerialNumber, Subject
 * and Issuer (pkix.Name: CommonName, Country, Organization,
 * OrganizationalUnit, Locality, Province, StreetAddress, PostalCode,
 * SerialNumber, Names), NotBefore, NotAfter, IsCA, BasicConstraintsValid,
 * MaxPathLen, KeyUsage, ExtKeyUsage, DNSNames, EmailAddresses, IPAddresses,
 * URIStrings, SubjectKeyId and AuthorityKeyId (base64), Raw (base64 DER),
 * SignatureAlgorithm and PublicKeyAlgorithm (Go's enum numbers).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "writ/crypto.h"

#include "jwt_int.h"

#define X509_MAX_INPUT (4u << 20)
#define X509_MAX_CERTS 64u

static const struct rego_val *
mkstr(struct rego_bctx *c, const char *s, size_t len)
{
	const struct rego_val *v;
	struct writ_err e;

	return rego_string(c->arena, s, len, &v, &e) == WRIT_OK ? v : NULL;
}

static const struct rego_val *
mkint(struct rego_bctx *c, int64_t i)
{
	const struct rego_val *v;
	struct writ_err e;

	return rego_int(c->arena, i, &v, &e) == WRIT_OK ? v : NULL;
}

static const struct rego_val *
mkb64(struct rego_bctx *c, const unsigned char *p, size_t len)
{
	char *s;

	if (len > SIZE_MAX / 2 || (s = writ_arena_alloc(c->arena, 4 * (len / 3 + 1) + 1)) == NULL)
		return NULL;
	return mkstr(c, s, writ_b64_encode(p, len, s));
}

/* ---------------------------------------------------------------------------
 * Names (pkix.Name).
 */

static const struct rego_val *
name_json(struct rego_bctx *c, const X509_NAME *n)
{
	static const struct {
		int nid;
		const char *key;
		bool list;
	} fields[] = {
	    {NID_countryName, "Country", true},
	    {NID_organizationName, "Organization", true},
	    {NID_organizationalUnitName, "OrganizationalUnit", true},
	    {NID_localityName, "Locality", true},
	    {NID_stateOrProvinceName, "Province", true},
	    {NID_streetAddress, "StreetAddress", true},
	    {NID_postalCode, "PostalCode", true},
	    {NID_serialNumber, "SerialNumber", false},
	    {NID_commonName, "CommonName", false},
	};
	struct ext_obj o;
	size_t f;

	ext_obj_init(&o, c);
	for (f = 0; f < WRIT_ARRAY_LEN(fields); f++) {
		struct rego_builder arr;
		const struct rego_val *last = NULL, *v;
		struct writ_err e;
		int i = -1;

		rego_builder_init(&arr, c->arena, REGO_ARRAY);
		while ((i = X509_NAME_get_index_by_NID(n, fields[f].nid, i)) >= 0) {
			ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
			unsigned char *u = NULL;
			int len = ASN1_STRING_to_UTF8(&u, s);

			if (len < 0)
				continue;
			last = mkstr(c, (const char *)u, (size_t)len);
			OPENSSL_free(u);
			if (last == NULL || rego_builder_push(&arr, last, &e) != WRIT_OK)
				o.ok = false;
		}
		if (fields[f].list) {
			if (arr.n == 0)
				ext_obj_put(&o, fields[f].key, &rego_null_val);
			else if (rego_builder_finish(&arr, &v, &e) == WRIT_OK)
				ext_obj_put(&o, fields[f].key, v);
			else
				o.ok = false;
		} else {
			ext_obj_put(
			    &o, fields[f].key, last != NULL ? last : &rego_empty_string_val);
		}
	}
	return ext_obj_finish(&o);
}

/* ---------------------------------------------------------------------------
 * Certificates.
 */

static const struct rego_val *
time_json(struct rego_bctx *c, const ASN1_TIME *t)
{
	struct tm tm;
	char buf[40];

	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return NULL;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return mkstr(c, buf, strlen(buf));
}

/* SANs of one type into a string array (NULL when there are none). */
static const struct rego_val *
san_json(struct rego_bctx *c, const GENERAL_NAMES *gens, int type)
{
	struct rego_builder b;
	const struct rego_val *v;
	struct writ_err e;
	int i;

	rego_builder_init(&b, c->arena, REGO_ARRAY);
	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;
		char ip[64];

		if (g->type != type)
			continue;
		if (type == GEN_IPADD) {
			const unsigned char *p;

			s = g->d.iPAddress;
			p = ASN1_STRING_get0_data(s);
			if (ASN1_STRING_length(s) == 4) {
				snprintf(ip, sizeof(ip), "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
			} else if (ASN1_STRING_length(s) == 16) {
				int k;
				size_t o = 0;

				for (k = 0; k < 16; k += 2)
					o += (size_t)snprintf(ip + o, sizeof(ip) - o, "%s%x",
					    k ? ":" : "", p[k] << 8 | p[k + 1]);
			} else {
				continue;
			}
			v = mkstr(c, ip, strlen(ip));
		} else {
			s = g->d.ia5;
			v = mkstr(c, (const char *)ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s));
		}
		if (v == NULL || rego_builder_push(&b, v, &e) != WRIT_OK)
			return NULL;
	}
	if (b.n == 0)
		return &rego_null_val; /* Go marshals a nil slice as null */
	if (rego_builder_finish(&b, &v, &e) != WRIT_OK)
		return NULL;
	return v;
}

/* Go's x509.SignatureAlgorithm and PublicKeyAlgorithm numbers. */
static int64_t
go_sig_alg(int nid)
{
	switch (nid) {
	case NID_md5WithRSAEncryption:
		return 2;
	case NID_sha1WithRSAEncryption:
		return 3;
	case NID_sha256WithRSAEncryption:
		return 4;
	case NID_sha384WithRSAEncryption:
		return 5;
	case NID_sha512WithRSAEncryption:
		return 6;
	case NID_ecdsa_with_SHA1:
		return 9;
	case NID_ecdsa_with_SHA256:
		return 10;
	case NID_ecdsa_with_SHA384:
		return 11;
	case NID_ecdsa_with_SHA512:
		return 12;
	case NID_rsassaPss:
		return 13;
	case NID_ED25519:
		return 16;
	default:
		return 0;
	}
}

static int64_t
go_pk_alg(const EVP_PKEY *pk)
{
	if (pk == NULL)
		return 0;
	if (EVP_PKEY_is_a(pk, "RSA"))
		return 1;
	if (EVP_PKEY_is_a(pk, "DSA"))
		return 2;
	if (EVP_PKEY_is_a(pk, "EC"))
		return 3;
	return EVP_PKEY_is_a(pk, "ED25519") ? 4 : 0;
}

static void
put_ext_fields(struct ext_obj *o, X509 *x)
{
	struct rego_bctx *c = o->c;
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(x);
	const ASN1_OCTET_STRING *akid = X509_get0_authority_key_id(x);
	uint32_t ku = X509_get_key_usage(x), xku = X509_get_extended_key_usage(x);
	struct rego_builder eku;
	const struct rego_val *v;
	struct writ_err e;
	int64_t goku = 0;
	int bit;

	ext_obj_put(o, "DNSNames", san_json(c, gens, GEN_DNS));
	ext_obj_put(o, "EmailAddresses", san_json(c, gens, GEN_EMAIL));
	ext_obj_put(o, "IPAddresses", san_json(c, gens, GEN_IPADD));
	ext_obj_put(o, "URIStrings", san_json(c, gens, GEN_URI));
	GENERAL_NAMES_free(gens);
	ext_obj_put(o, "SubjectKeyId",
	    skid == NULL ? &rego_null_val
	                 : mkb64(c, ASN1_STRING_get0_data(skid), (size_t)ASN1_STRING_length(skid)));
	ext_obj_put(o, "AuthorityKeyId",
	    akid == NULL ? &rego_null_val
	                 : mkb64(c, ASN1_STRING_get0_data(akid), (size_t)ASN1_STRING_length(akid)));
	/* OpenSSL's KU bits are the DER bit order; Go numbers digitalSignature as 1<<0. */
	if (ku != UINT32_MAX)
		for (bit = 0; bit < 9; bit++)
			if (ku & (bit < 8 ? 0x80u >> bit : 0x8000u))
				goku |= (int64_t)1 << bit;
	ext_obj_put(o, "KeyUsage", mkint(c, goku));
	rego_builder_init(&eku, c->arena, REGO_ARRAY);
	if (xku != UINT32_MAX) {
		static const struct {
			uint32_t flag;
			int go;
		} map[] = {{XKU_SSL_SERVER, 1}, {XKU_SSL_CLIENT, 2}, {XKU_CODE_SIGN, 3},
		    {XKU_SMIME, 4}, {XKU_TIMESTAMP, 8}, {XKU_OCSP_SIGN, 9}};
		size_t i;

		for (i = 0; i < WRIT_ARRAY_LEN(map); i++)
			if ((xku & map[i].flag) && (v = mkint(c, map[i].go)) != NULL &&
			    rego_builder_push(&eku, v, &e) != WRIT_OK)
				o->ok = false;
	}
	if (eku.n == 0)
		ext_obj_put(o, "ExtKeyUsage", &rego_null_val);
	else if (rego_builder_finish(&eku, &v, &e) == WRIT_OK)
		ext_obj_put(o, "ExtKeyUsage", v);
	else
		o->ok = false;
}

static const struct rego_val *
cert_json(struct rego_bctx *c, X509 *x, const unsigned char *der, size_t derlen)
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	char *dec = bn != NULL ? BN_bn2dec(bn) : NULL;
	const struct rego_val *sn = NULL;
	struct writ_err e;
	struct ext_obj o;
	long pathlen;
	bool ca = X509_check_ca(x) != 0 && (X509_get_extension_flags(x) & EXFLAG_BCONS);

	if (dec != NULL && rego_number_parse(c->arena, dec, strlen(dec), &sn, &e) != WRIT_OK)
		sn = NULL;
	OPENSSL_free(dec);
	BN_free(bn);
	ext_obj_init(&o, c);
	ext_obj_put(&o, "Raw", mkb64(c, der, derlen));
	ext_obj_put(&o, "Version", mkint(c, X509_get_version(x) + 1));
	ext_obj_put(&o, "SerialNumber", sn);
	ext_obj_put(&o, "Subject", name_json(c, X509_get_subject_name(x)));
	ext_obj_put(&o, "Issuer", name_json(c, X509_get_issuer_name(x)));
	ext_obj_put(&o, "NotBefore", time_json(c, X509_get0_notBefore(x)));
	ext_obj_put(&o, "NotAfter", time_json(c, X509_get0_notAfter(x)));
	ext_obj_put(&o, "SignatureAlgorithm", mkint(c, go_sig_alg(X509_get_signature_nid(x))));
	ext_obj_put(&o, "PublicKeyAlgorithm", mkint(c, go_pk_alg(X509_get0_pubkey(x))));
	ext_obj_put(&o, "BasicConstraintsValid",
	    rego_bool((X509_get_extension_flags(x) & EXFLAG_BCONS) != 0));
	ext_obj_put(&o, "IsCA", rego_bool(ca));
	pathlen = X509_get_pathlen(x);
	ext_obj_put(&o, "MaxPathLen", mkint(c, pathlen >= 0 ? pathlen : (ca ? -1 : 0)));
	put_ext_fields(&o, x);
	return ext_obj_finish(&o);
}

/* The DER of all certificates in the input, in order. */
static enum rego_bres
input_der(struct rego_bctx *c, const struct rego_val *v, unsigned char **der, size_t *derlen)
{
	const char *s = v->u.s;
	size_t len = v->len, bad;
	unsigned char *buf;
	struct writ_buf all;
	struct ext_pem pem;
	enum rego_bres r = REGO_B_OK;

	if (len > X509_MAX_INPUT)
		return rego_berr(c, "input longer than %u bytes", X509_MAX_INPUT);
	if (len < 10 || memcmp(s, "-----BEGIN", 10) != 0) {
		if ((buf = writ_arena_alloc(c->arena, 3 * (len / 4) + 4)) == NULL)
			return ext_oom(c);
		if (!ext_b64_decode(s, len, false, true, buf, derlen, &bad))
			return rego_berr(c, "illegal base64 data at input byte %zu", bad);
		if (*derlen < 10 || memcmp(buf, "-----BEGIN", 10) != 0) {
			*der = buf;
			return REGO_B_OK;
		}
		s = (const char *)buf;
		len = *derlen;
	}
	writ_buf_init(&all, X509_MAX_INPUT);
	while (ext_pem_next(c->arena, s, len, &pem)) {
		if (pem.typelen == 11 && memcmp(pem.type, "CERTIFICATE", 11) == 0 &&
		    writ_buf_append(&all, pem.der, pem.derlen) != WRIT_OK) {
			r = ext_oom(c);
			break;
		}
		s = pem.rest;
		len = pem.restlen;
	}
	if (r == REGO_B_OK) {
		if ((*der = writ_arena_alloc(c->arena, all.len + 1)) == NULL) {
			r = ext_oom(c);
		} else {
			memcpy(*der, all.ptr != NULL ? all.ptr : "", all.len);
			*derlen = all.len;
		}
	}
	writ_buf_free(&all);
	return r;
}

/* Parse concatenated DER certificates; xs gets up to X509_MAX_CERTS (freed by the caller). */
static enum rego_bres
parse_certs(struct rego_bctx *c, const unsigned char *der, size_t len, X509 **xs, size_t *n,
    const struct rego_val **out)
{
	struct rego_builder b;
	struct writ_err e;
	const unsigned char *p = der;

	*n = 0;
	rego_builder_init(&b, c->arena, REGO_ARRAY);
	while ((size_t)(p - der) < len) {
		const unsigned char *start = p;
		const struct rego_val *v;
		X509 *x;

		if (*n == X509_MAX_CERTS)
			return rego_berr(c, "more than %u certificates", X509_MAX_CERTS);
		if ((x = d2i_X509(NULL, &p, (long)(len - (size_t)(p - der)))) == NULL)
			return rego_berr(c, "x509: malformed certificate");
		xs[(*n)++] = x;
		if ((v = cert_json(c, x, start, (size_t)(p - start))) == NULL)
			return ext_oom(c);
		EXT_TRY(c, rego_builder_push(&b, v, &e));
	}
	EXT_TRY(c, rego_builder_finish(&b, out, &e));
	return REGO_B_OK;
}

static void
free_certs(X509 **xs, size_t n)
{
	while (n > 0)
		X509_free(xs[--n]);
}

static enum rego_bres
bi_parse_certificates(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	X509 *xs[X509_MAX_CERTS];
	unsigned char *der;
	size_t derlen = 0, n = 0;
	enum rego_bres r;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if ((r = input_der(c, args[0], &der, &derlen)) != REGO_B_OK)
		return r;
	r = parse_certs(c, der, derlen, xs, &n, out);
	free_certs(xs, n);
	return r;
}

/* OPA: certs[0] is the root, the last is the leaf, the rest intermediates. */
static bool
verify_chain(X509 **xs, size_t n)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *inter = sk_X509_new_null();
	bool ok = false;
	size_t i;

	if (store == NULL || ctx == NULL || inter == NULL || n < 2 ||
	    X509_STORE_add_cert(store, xs[0]) != 1)
		goto out;
	for (i = 1; i + 1 < n; i++)
		if (sk_X509_push(inter, xs[i]) <= 0)
			goto out;
	if (X509_STORE_CTX_init(ctx, store, xs[n - 1], inter) != 1)
		goto out;
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
	ok = X509_verify_cert(ctx) == 1;
out:
	sk_X509_free(inter);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

static enum rego_bres
bi_parse_and_verify(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *certs, *pair[2];
	X509 *xs[X509_MAX_CERTS];
	unsigned char *der;
	size_t derlen = 0, n = 0;
	struct writ_err e;
	bool ok;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (input_der(c, args[0], &der, &derlen) != REGO_B_OK ||
	    parse_certs(c, der, derlen, xs, &n, &certs) != REGO_B_OK) {
		free_certs(xs, n);
		pair[0] = rego_bool(false);
		pair[1] = &rego_empty_array_val;
		EXT_TRY(c, rego_array(c->arena, pair, 2, out, &e));
		return REGO_B_OK;
	}
	ok = verify_chain(xs, n);
	free_certs(xs, n);
	/* OPA returns the verified chain, leaf first: the input (root first) reversed. */
	if (ok && certs->len > 1) {
		const struct rego_val **rev = writ_arena_calloc(c->arena, certs->len, sizeof(*rev));
		size_t i;

		if (rev == NULL)
			return rego_berr(c, "out of memory");
		for (i = 0; i < certs->len; i++)
			rev[i] = certs->u.elems[certs->len - 1 - i];
		EXT_TRY(c, rego_array(c->arena, rev, certs->len, &certs, &e));
	}
	pair[0] = rego_bool(ok);
	pair[1] = ok ? certs : &rego_empty_array_val;
	EXT_TRY(c, rego_array(c->arena, pair, 2, out, &e));
	return REGO_B_OK;
}

static enum rego_bres
bi_parse_certificate_request(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *v = args[0];
	unsigned char *der;
	const unsigned char *p;
	size_t derlen = 0, bad;
	struct ext_pem pem;
	X509_REQ *req;
	struct ext_obj o;

	if (v->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", v);
	if (v->len > X509_MAX_INPUT)
		return rego_berr(c, "input longer than %u bytes", X509_MAX_INPUT);
	if (v->len >= 10 && memcmp(v->u.s, "-----BEGIN", 10) == 0) {
		der = (unsigned char *)(uintptr_t)v->u.s;
		derlen = v->len;
	} else {
		if ((der = writ_arena_alloc(c->arena, 3 * (v->len / 4) + 4)) == NULL)
			return ext_oom(c);
		if (!ext_b64_decode(v->u.s, v->len, false, true, der, &derlen, &bad))
			return rego_berr(c, "illegal base64 data at input byte %zu", bad);
	}
	if (derlen >= 10 && memcmp(der, "-----BEGIN", 10) == 0) {
		if (!ext_pem_next(c->arena, (const char *)der, derlen, &pem))
			return rego_berr(c, "invalid PEM-encoded certificate signing request");
		der = pem.der;
		derlen = pem.derlen;
	}
	p = der;
	if ((req = d2i_X509_REQ(NULL, &p, (long)derlen)) == NULL)
		return rego_berr(c, "asn1: structure error: malformed certificate request");
	ext_obj_init(&o, c);
	ext_obj_put(&o, "Raw", mkb64(c, der, derlen));
	ext_obj_put(&o, "Version", mkint(c, X509_REQ_get_version(req)));
	ext_obj_put(&o, "Subject", name_json(c, X509_REQ_get_subject_name(req)));
	ext_obj_put(
	    &o, "SignatureAlgorithm", mkint(c, go_sig_alg(X509_REQ_get_signature_nid(req))));
	ext_obj_put(&o, "PublicKeyAlgorithm", mkint(c, go_pk_alg(X509_REQ_get0_pubkey(req))));
	X509_REQ_free(req);
	if ((*out = ext_obj_finish(&o)) == NULL)
		return ext_oom(c);
	return REGO_B_OK;
}

static const struct rego_builtin x509_builtins[] = {
    {"crypto.x509.parse_and_verify_certificates", 1, bi_parse_and_verify, 0},
    {"crypto.x509.parse_certificate_request", 1, bi_parse_certificate_request, 0},
    {"crypto.x509.parse_certificates", 1, bi_parse_certificates, 0},
};

const struct rego_builtin_family rego_family_x509 = {
    "x509", x509_builtins, WRIT_ARRAY_LEN(x509_builtins)};
