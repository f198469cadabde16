/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The io.jwt.* builtins as OPA's topdown/tokens.go has them: decoding of
 * compact JWS tokens (nested "cty": "JWT" tokens included), signature
 * verification with RS/PS/ES/HS 256/384/512 and EdDSA against PEM
 * certificates, PEM public keys, JWKs and JWK sets (jwk.c), full
 * verification with constraints (io.jwt.decode_verify), and signing
 * (io.jwt.encode_sign, io.jwt.encode_sign_raw) with a JWK private key.
 *
 * All cryptography is OpenSSL 3.  Tokens and keys are bounded in size
 * (jwt_int.h); base64url is strict (OPA's padding rules, no other bytes);
 * HMACs are compared in constant time; keys are freed and secrets wiped
 * before each builtin returns.
 */
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "writ/crypto.h"

#include "jwt_int.h"

enum alg_kind {
	K_HS,
	K_RS,
	K_PS,
	K_ES,
	K_ED
};

struct alginfo {
	const char *name;
	enum alg_kind kind;
	const char *md; /* NULL for EdDSA */
	size_t es_size; /* ES: bytes of r and of s */
};

static const struct alginfo algs[] = {
    {"ES256", K_ES, "SHA256", 32},
    {"ES384", K_ES, "SHA384", 48},
    {"ES512", K_ES, "SHA512", 66},
    {"EdDSA", K_ED, NULL, 0},
    {"HS256", K_HS, "SHA256", 0},
    {"HS384", K_HS, "SHA384", 0},
    {"HS512", K_HS, "SHA512", 0},
    {"PS256", K_PS, "SHA256", 0},
    {"PS384", K_PS, "SHA384", 0},
    {"PS512", K_PS, "SHA512", 0},
    {"RS256", K_RS, "SHA256", 0},
    {"RS384", K_RS, "SHA384", 0},
    {"RS512", K_RS, "SHA512", 0},
};

static const struct alginfo *
alg_find(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(algs); i++)
		if (strlen(algs[i].name) == len && memcmp(algs[i].name, s, len) == 0)
			return &algs[i];
	return NULL;
}

struct jwt {
	const char *part[3];
	size_t len[3];
};

/* ---------------------------------------------------------------------------
 * Decoding.
 */

static enum rego_bres
jwt_split(struct rego_bctx *c, const struct rego_val *v, struct jwt *t)
{
	const char *s, *d1, *d2;
	size_t len, n = 1, i;

	if (v->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", v);
	s = v->u.s;
	len = v->len;
	if (len > EXT_JWT_MAX_TOKEN)
		return rego_berr(c, "JWT longer than %u bytes", EXT_JWT_MAX_TOKEN);
	if (memchr(s, '.', len) == NULL)
		return rego_berr(c, "encoded JWT had no period separators");
	for (i = 0; i < len; i++)
		n += s[i] == '.';
	if (n != 3)
		return rego_berr(c, "encoded JWT must have 3 sections, found %zu", n);
	d1 = memchr(s, '.', len);
	d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - s));
	t->part[0] = s;
	t->len[0] = (size_t)(d1 - s);
	t->part[1] = d1 + 1;
	t->len[1] = (size_t)(d2 - d1 - 1);
	t->part[2] = d2 + 1;
	t->len[2] = len - (size_t)(d2 + 1 - s);
	return REGO_B_OK;
}

static enum rego_bres
jwt_part(struct rego_bctx *c, const struct jwt *t, int i, const char *what, unsigned char **out,
    size_t *outlen)
{
	char msg[300];

	if (!ext_b64url_decode_opa(
	        c->arena, t->part[i], t->len[i], out, outlen, msg, sizeof(msg))) {
		if (what == NULL)
			return rego_berr(c, "%s", msg);
		return rego_berr(c, "JWT %s had invalid encoding: %s", what, msg);
	}
	return REGO_B_OK;
}

/* JSON text that must be an object (OPA's extractJSONObject). */
static enum rego_bres
json_object(struct rego_bctx *c, const unsigned char *s, size_t len, const char *prefix,
    const struct rego_val **out)
{
	const struct rego_json_limits lim = {.max_bytes = EXT_JWT_MAX_TOKEN, .max_depth = 64};
	struct writ_err e;

	if (rego_json_parse(c->arena, (const char *)s, len, &lim, out, &e) != WRIT_OK)
		return rego_berr(c, "%sinvalid JSON: %s", prefix, e.msg);
	if ((*out)->type != REGO_OBJECT)
		return rego_berr(c, "%sdecoded JSON type was not an Object", prefix);
	return REGO_B_OK;
}

static enum rego_bres
jwt_header(struct rego_bctx *c, const struct jwt *t, const struct rego_val **hdr)
{
	unsigned char *h;
	size_t hl;
	enum rego_bres r;

	if ((r = jwt_part(c, t, 0, "header", &h, &hl)) != REGO_B_OK ||
	    (r = json_object(c, h, hl, "bad JWT header: ", hdr)) != REGO_B_OK)
		return r;
	if (rego_object_get_str(*hdr, "enc", 3) != NULL)
		return rego_berr(c, "JWT is a JWE object, which is not supported");
	return REGO_B_OK;
}

static const struct rego_val *
get(const struct rego_val *o, const char *k)
{
	return rego_object_get_str(o, k, strlen(k));
}

static bool
str_is(const struct rego_val *v, const char *s)
{
	return v != NULL && v->type == REGO_STRING && v->len == strlen(s) &&
	    memcmp(v->u.s, s, v->len) == 0;
}

static enum rego_bres
decode(struct rego_bctx *c, const struct rego_val *tok, unsigned depth, const struct rego_val **out)
{
	const struct rego_val *hdr, *payload, *elems[3];
	unsigned char *p, *sig;
	size_t pl, sl;
	struct jwt t = {0};
	struct writ_err e;
	enum rego_bres r;

	if (depth > EXT_JWT_MAX_NEST)
		return rego_berr(c, "JWT nested more than %u deep", EXT_JWT_MAX_NEST);
	if ((r = jwt_split(c, tok, &t)) != REGO_B_OK ||
	    (r = jwt_header(c, &t, &hdr)) != REGO_B_OK ||
	    (r = jwt_part(c, &t, 1, "payload", &p, &pl)) != REGO_B_OK)
		return r;
	if (str_is(get(hdr, "cty"), "JWT")) {
		const struct rego_val *inner;

		while (pl > 0 && (p[0] == '"' || p[0] == '\''))
			p++, pl--;
		while (pl > 0 && (p[pl - 1] == '"' || p[pl - 1] == '\''))
			pl--;
		EXT_TRY(c, rego_string(c->arena, (const char *)p, pl, &inner, &e));
		return decode(c, inner, depth + 1, out);
	}
	if ((r = json_object(c, p, pl, "", &payload)) != REGO_B_OK ||
	    (r = jwt_part(c, &t, 2, "signature", &sig, &sl)) != REGO_B_OK)
		return r;
	elems[0] = hdr;
	elems[1] = payload;
	if ((r = ext_hex(c, sig, sl, &elems[2])) != REGO_B_OK)
		return r;
	EXT_TRY(c, rego_array(c->arena, elems, 3, out, &e));
	return REGO_B_OK;
}

static enum rego_bres
bi_decode(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return decode(c, args[0], 0, out);
}

/* ---------------------------------------------------------------------------
 * Signatures.
 */

static bool
hmac_eq(const unsigned char *key, size_t keylen, const struct alginfo *a, const char *in,
    size_t inlen, const unsigned char *sig, size_t siglen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t maclen = 0;
	bool ok;

	if (EVP_Q_mac(NULL, "HMAC", NULL, a->md, NULL, key, keylen, (const unsigned char *)in,
	        inlen, mac, sizeof(mac), &maclen) == NULL)
		return false;
	/* CT: time depends on the lengths only. */
	ok = maclen == siglen && CRYPTO_memcmp(mac, sig, maclen) == 0;
	writ_memzero(mac, sizeof(mac));
	return ok;
}

/* r || s into a DER ECDSA-Sig-Value (Go's verifyES splits the signature in half). */
static unsigned char *
es_to_der(const unsigned char *sig, size_t siglen, int *derlen)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r, *s;
	unsigned char *der = NULL;
	size_t n = siglen / 2;

	*derlen = 0;
	if (es == NULL)
		return NULL;
	r = BN_bin2bn(sig, (int)n, NULL);
	s = BN_bin2bn(sig + n, (int)(siglen - n), NULL);
	if (r == NULL || s == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return NULL;
	}
	*derlen = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	return *derlen > 0 ? der : NULL;
}

static bool
pkey_matches(const EVP_PKEY *pk, enum alg_kind kind)
{
	if (pk == NULL)
		return false;
	if (kind == K_RS || kind == K_PS)
		return EVP_PKEY_is_a(pk, "RSA");
	if (kind == K_ES)
		return EVP_PKEY_is_a(pk, "EC");
	return kind == K_ED && EVP_PKEY_is_a(pk, "ED25519");
}

static bool
verify_sig(const struct ext_key *k, const struct alginfo *a, const char *in, size_t inlen,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *md = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char *der = NULL;
	int derlen = 0;
	bool ok = false;

	if (a->kind == K_HS)
		return k->secret != NULL &&
		    hmac_eq(k->secret, k->secretlen, a, in, inlen, sig, siglen);
	if (!pkey_matches(k->pkey, a->kind) || siglen > 4096 || (md = EVP_MD_CTX_new()) == NULL)
		return false;
	if (EVP_DigestVerifyInit_ex(md, &pctx, a->md, NULL, NULL, k->pkey, NULL) != 1)
		goto out;
	if (a->kind == K_PS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1))
		goto out;
	if (a->kind == K_ES) {
		if (siglen == 0 || (der = es_to_der(sig, siglen, &derlen)) == NULL)
			goto out;
		sig = der;
		siglen = (size_t)derlen;
	}
	ok = EVP_DigestVerify(md, sig, siglen, (const unsigned char *)in, inlen) == 1;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	return ok;
}

/* Does any key (the kid's first, else any whose alg fits) verify the token? */
static bool
keys_verify(const struct ext_keys *ks, const char *kid, size_t kidlen, const char *halg,
    size_t halglen, const struct alginfo *a, const char *in, size_t inlen, const unsigned char *sig,
    size_t siglen)
{
	size_t i;

	if (kidlen > 0) {
		for (i = 0; i < ks->n; i++)
			if (ks->v[i].has_kid && strlen(ks->v[i].kid) == kidlen &&
			    memcmp(ks->v[i].kid, kid, kidlen) == 0)
				return verify_sig(&ks->v[i], a, in, inlen, sig, siglen);
	}
	for (i = 0; i < ks->n; i++) {
		const struct ext_key *k = &ks->v[i];

		if (k->alg[0] != '\0') {
			if (alg_find(k->alg, strlen(k->alg)) == NULL)
				continue; /* unknown algorithm: skipped as OPA does */
			if (strlen(k->alg) != halglen || memcmp(k->alg, halg, halglen) != 0)
				continue;
		}
		if (verify_sig(k, a, in, inlen, sig, siglen))
			return true;
	}
	return false;
}

/* OPA's builtinJWTVerify for a fixed algorithm. */
static enum rego_bres
verify_with(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out,
    const char *algname)
{
	const struct alginfo *a = alg_find(algname, strlen(algname));
	const struct rego_val *hdr, *kid, *halg;
	struct ext_keys ks = {0};
	unsigned char *sig;
	size_t sl;
	struct jwt t = {0};
	enum rego_bres r;
	bool ok;

	if ((r = jwt_split(c, args[0], &t)) != REGO_B_OK)
		return r;
	if (args[1]->type != REGO_STRING)
		return rego_berr_operand(c, 2, "string", args[1]);
	if ((r = ext_keys_from_cert_or_jwk(c, args[1]->u.s, args[1]->len, &ks)) != REGO_B_OK)
		return r;
	if ((r = jwt_part(c, &t, 2, NULL, &sig, &sl)) != REGO_B_OK ||
	    (r = jwt_header(c, &t, &hdr)) != REGO_B_OK) {
		ext_keys_free(&ks);
		return r;
	}
	kid = get(hdr, "kid");
	halg = get(hdr, "alg");
	if ((kid != NULL && kid->type != REGO_STRING) ||
	    (halg != NULL && halg->type != REGO_STRING)) {
		ext_keys_free(&ks);
		return rego_berr(c, "%s: must be a string",
		    kid != NULL && kid->type != REGO_STRING ? "kid" : "alg");
	}
	ok = keys_verify(&ks, kid ? kid->u.s : "", kid ? kid->len : 0, halg ? halg->u.s : "",
	    halg ? halg->len : 0, a, t.part[0], t.len[0] + 1 + t.len[1], sig, sl);
	ext_keys_free(&ks);
	*out = rego_bool(ok);
	return REGO_B_OK;
}

#define VERIFY_FN(fn, name)                                                                       \
	static enum rego_bres fn(                                                                 \
	    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out) \
	{                                                                                         \
		return verify_with(c, args, out, name);                                           \
	}
VERIFY_FN(bi_verify_rs256, "RS256")
VERIFY_FN(bi_verify_rs384, "RS384")
VERIFY_FN(bi_verify_rs512, "RS512")
VERIFY_FN(bi_verify_ps256, "PS256")
VERIFY_FN(bi_verify_ps384, "PS384")
VERIFY_FN(bi_verify_ps512, "PS512")
VERIFY_FN(bi_verify_es256, "ES256")
VERIFY_FN(bi_verify_es384, "ES384")
VERIFY_FN(bi_verify_es512, "ES512")
VERIFY_FN(bi_verify_eddsa, "EdDSA")

static enum rego_bres
verify_hs(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out,
    const char *algname)
{
	const struct alginfo *a = alg_find(algname, strlen(algname));
	unsigned char *sig;
	size_t sl;
	struct jwt t = {0};
	enum rego_bres r;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[1]->type != REGO_STRING)
		return rego_berr_operand(c, 2, "string", args[1]);
	if ((r = jwt_split(c, args[0], &t)) != REGO_B_OK ||
	    (r = jwt_part(c, &t, 2, NULL, &sig, &sl)) != REGO_B_OK)
		return r;
	*out = rego_bool(hmac_eq((const unsigned char *)args[1]->u.s, args[1]->len, a, t.part[0],
	    t.len[0] + 1 + t.len[1], sig, sl));
	return REGO_B_OK;
}

static enum rego_bres
bi_verify_hs256(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return verify_hs(c, args, out, "HS256");
}

static enum rego_bres
bi_verify_hs384(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return verify_hs(c, args, out, "HS384");
}

static enum rego_bres
bi_verify_hs512(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return verify_hs(c, args, out, "HS512");
}

/* ---------------------------------------------------------------------------
 * io.jwt.decode_verify.
 */

struct constraints {
	struct ext_keys keys;
	bool have_keys;
	const struct rego_val *secret, *alg, *iss, *aud;
	double time; /* ns */
};

static enum rego_bres
constraint_str(
    struct rego_bctx *c, const char *name, const struct rego_val *v, const struct rego_val **where)
{
	if (v->type != REGO_STRING)
		return rego_berr(c, "%s constraint: must be a string", name);
	*where = v;
	return REGO_B_OK;
}

static enum rego_bres
parse_constraints(struct rego_bctx *c, const struct rego_val *o, struct constraints *k)
{
	static const char *const names[] = {"secret", "alg", "iss", "aud"};
	const struct rego_val **slots[] = {&k->secret, &k->alg, &k->iss, &k->aud};
	bool have_time = false;
	enum rego_bres r;
	size_t i, j;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < o->len; i++) {
		const struct rego_val *key = o->u.kvs[i].key, *v = o->u.kvs[i].val;

		for (j = 0; j < WRIT_ARRAY_LEN(names); j++)
			if (str_is(key, names[j]))
				break;
		if (j < WRIT_ARRAY_LEN(names)) {
			if ((r = constraint_str(c, names[j], v, slots[j])) != REGO_B_OK)
				return r;
		} else if (str_is(key, "cert")) {
			if (v->type != REGO_STRING)
				return rego_berr(c, "cert constraint: must be a string");
			ext_keys_free(&k->keys);
			if ((r = ext_keys_from_cert_or_jwk(c, v->u.s, v->len, &k->keys)) !=
			    REGO_B_OK)
				return r;
			k->have_keys = true;
		} else if (str_is(key, "time")) {
			if (v->type != REGO_NUMBER)
				return rego_berr(c, "token time constraint: must be a number");
			if (!rego_num_double(v, &k->time))
				return rego_berr(c, "token time constraint: unvalid float64");
			if (k->time < 0)
				return rego_berr(c, "token time constraint: must not be negative");
			have_time = true;
		} else {
			char name[64];

			if (key->type == REGO_STRING)
				snprintf(name, sizeof(name), "%.*s",
				    key->len > 60 ? 60 : (int)key->len, key->u.s);
			else
				snprintf(name, sizeof(name), "(%s)", rego_type_name(key));
			return rego_berr(c, "unknown token validation constraint: %s", name);
		}
	}
	if (!have_time)
		k->time = (double)c->now_ns;
	if (k->have_keys && k->secret != NULL && k->secret->len > 0)
		return rego_berr(c, "duplicate key constraints");
	if (!k->have_keys && (k->secret == NULL || k->secret->len == 0))
		return rego_berr(c, "no key constraint");
	return REGO_B_OK;
}

/* The header's JOSE parameters: false (with r set) on malformed ones. */
static enum rego_bres
header_check(struct rego_bctx *c, const struct rego_val *hdr, bool *valid)
{
	static const char *const strs[] = {"alg", "kid", "typ", "cty"};
	const struct rego_val *crit = get(hdr, "crit"), *alg = get(hdr, "alg");
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(strs); i++) {
		const struct rego_val *v = get(hdr, strs[i]);

		if (v != NULL && v->type != REGO_STRING)
			return rego_berr(c, "%s: must be a string", strs[i]);
	}
	if (crit != NULL && (crit->type != REGO_ARRAY || crit->len == 0))
		return rego_berr(c,
		    crit->type != REGO_ARRAY ? "crit: must be a list"
		                             : "crit: must be a nonempty list");
	*valid = alg != NULL && alg->len > 0;
	/* A critical parameter this implementation does not know makes the JWS invalid. */
	for (i = 0; crit != NULL && i < crit->len; i++) {
		const struct rego_val *n = crit->u.elems[i];
		size_t j;
		bool known = false;

		for (j = 0; j < WRIT_ARRAY_LEN(strs); j++)
			known = known || str_is(n, strs[j]);
		known = known || str_is(n, "crit");
		if (!known && n->type == REGO_STRING && rego_object_get(hdr, n) != NULL)
			*valid = false;
	}
	return REGO_B_OK;
}

static bool
aud_ok(const struct constraints *k, const struct rego_val *aud)
{
	const struct rego_val *want = k->aud;
	size_t i;

	if (aud->type == REGO_STRING)
		return want != NULL ? rego_equal(aud, want) : aud->len == 0;
	if (aud->type != REGO_ARRAY)
		return false;
	for (i = 0; i < aud->len; i++) {
		const struct rego_val *e = aud->u.elems[i];

		if (e->type == REGO_STRING && (want != NULL ? rego_equal(e, want) : e->len == 0))
			return true;
	}
	return false;
}

/* Registered claims against the constraints: REGO_B_OK with *ok. */
static enum rego_bres
claims_check(struct rego_bctx *c, const struct constraints *k, const struct rego_val *p, bool *ok)
{
	const struct rego_val *iss = get(p, "iss"), *aud = get(p, "aud");
	const struct rego_val *exp = get(p, "exp"), *nbf = get(p, "nbf");
	double now = k->time / 1e9, v;

	*ok = false;
	if (k->iss != NULL && k->iss->len > 0 && (iss == NULL || !rego_equal(iss, k->iss)))
		return REGO_B_OK;
	if (aud != NULL ? !aud_ok(k, aud) : (k->aud != NULL && k->aud->len > 0))
		return REGO_B_OK;
	if (exp != NULL) {
		if (exp->type != REGO_NUMBER)
			return rego_berr(c, "exp value must be a number");
		if (!rego_num_double(exp, &v) || now >= v)
			return REGO_B_OK;
	}
	if (nbf != NULL) {
		if (nbf->type != REGO_NUMBER)
			return rego_berr(c, "nbf value must be a number");
		if (!rego_num_double(nbf, &v) || now < v)
			return REGO_B_OK;
	}
	*ok = true;
	return REGO_B_OK;
}

/* One round of decode_verify; *next is the nested token or NULL. */
static enum rego_bres
dv_round(struct rego_bctx *c, struct constraints *k, const struct rego_val *tok,
    const struct rego_val **hdr, unsigned char **p, size_t *pl, bool *verified)
{
	const struct rego_val *alg, *kid;
	const struct alginfo *a;
	unsigned char *sig;
	size_t sl;
	struct jwt t = {0};
	enum rego_bres r;
	bool valid = false;

	*verified = false;
	if ((r = jwt_split(c, tok, &t)) != REGO_B_OK || (r = jwt_header(c, &t, hdr)) != REGO_B_OK ||
	    (r = header_check(c, *hdr, &valid)) != REGO_B_OK || !valid)
		return r;
	alg = get(*hdr, "alg");
	kid = get(*hdr, "kid");
	if (k->alg != NULL && k->alg->len > 0 && !rego_equal(k->alg, alg))
		return REGO_B_OK;
	if ((r = jwt_part(c, &t, 2, NULL, &sig, &sl)) != REGO_B_OK)
		return r;
	if ((a = alg_find(alg->u.s, alg->len)) == NULL)
		return REGO_B_OK;
	if (k->have_keys) {
		if (!keys_verify(&k->keys, kid ? kid->u.s : "", kid ? kid->len : 0, alg->u.s,
		        alg->len, a, t.part[0], t.len[0] + 1 + t.len[1], sig, sl))
			return REGO_B_OK;
	} else if (a->kind != K_HS ||
	    !hmac_eq((const unsigned char *)k->secret->u.s, k->secret->len, a, t.part[0],
	        t.len[0] + 1 + t.len[1], sig, sl)) {
		return REGO_B_OK;
	}
	if ((r = jwt_part(c, &t, 1, "payload", p, pl)) != REGO_B_OK)
		return r;
	*verified = true;
	return REGO_B_OK;
}

static enum rego_bres
decode_verify(struct rego_bctx *c, struct constraints *k, const struct rego_val *tok,
    const struct rego_val **out)
{
	const struct rego_val *hdr = NULL, *payload, *elems[3];
	struct writ_err e;
	unsigned char *p = NULL;
	size_t pl = 0;
	unsigned depth;
	enum rego_bres r;
	bool ok;

	for (depth = 0;; depth++) {
		const struct rego_val *cty;

		if (depth > EXT_JWT_MAX_NEST)
			return rego_berr(c, "JWT nested more than %u deep", EXT_JWT_MAX_NEST);
		if ((r = dv_round(c, k, tok, &hdr, &p, &pl, &ok)) != REGO_B_OK)
			return r;
		if (!ok)
			goto unverified;
		cty = get(hdr, "cty");
		if (cty == NULL || cty->len != 3 || strncasecmp(cty->u.s, "JWT", 3) != 0)
			break;
		EXT_TRY(c, rego_string(c->arena, (const char *)p, pl, &tok, &e));
	}
	if ((r = json_object(c, p, pl, "", &payload)) != REGO_B_OK ||
	    (r = claims_check(c, k, payload, &ok)) != REGO_B_OK)
		return r;
	if (!ok)
		goto unverified;
	elems[0] = rego_bool(true);
	elems[1] = hdr;
	elems[2] = payload;
	EXT_TRY(c, rego_array(c->arena, elems, 3, out, &e));
	return REGO_B_OK;
unverified:
	elems[0] = rego_bool(false);
	elems[1] = elems[2] = &rego_empty_object_val;
	EXT_TRY(c, rego_array(c->arena, elems, 3, out, &e));
	return REGO_B_OK;
}

static enum rego_bres
bi_decode_verify(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct constraints k;
	enum rego_bres r;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[1]->type != REGO_OBJECT)
		return rego_berr_operand(c, 2, "object", args[1]);
	r = parse_constraints(c, args[1], &k);
	if (r == REGO_B_OK)
		r = decode_verify(c, &k, args[0], out);
	ext_keys_free(&k.keys);
	return r;
}

/* ---------------------------------------------------------------------------
 * Signing.
 */

/* The DER ECDSA signature as r || s of size bytes each. */
static bool
es_from_der(const unsigned char *der, size_t derlen, size_t size, unsigned char *out)
{
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &der, (long)derlen);
	const BIGNUM *r, *s;
	bool ok;

	if (es == NULL)
		return false;
	ECDSA_SIG_get0(es, &r, &s);
	ok = BN_bn2binpad(r, out, (int)size) == (int)size &&
	    BN_bn2binpad(s, out + size, (int)size) == (int)size;
	ECDSA_SIG_free(es);
	return ok;
}

static bool
sign_pkey(EVP_PKEY *pk, const struct alginfo *a, const char *in, size_t inlen, unsigned char *sig,
    size_t *siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	unsigned char der[512];
	size_t dl = sizeof(der);
	bool ok = false;

	if (md == NULL || !pkey_matches(pk, a->kind) ||
	    EVP_DigestSignInit_ex(md, &pctx, a->md, NULL, NULL, pk, NULL) != 1)
		goto out;
	if (a->kind == K_PS &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1))
		goto out;
	if (a->kind == K_ES) {
		ok = EVP_DigestSign(md, der, &dl, (const unsigned char *)in, inlen) == 1 &&
		    es_from_der(der, dl, a->es_size, sig);
		*siglen = 2 * a->es_size;
	} else {
		ok = EVP_DigestSign(md, sig, siglen, (const unsigned char *)in, inlen) == 1;
	}
out:
	EVP_MD_CTX_free(md);
	return ok;
}

/* The "alg" and "typ" of a raw header, with the messages OPA's jwsbb gives. */
static enum rego_bres
header_alg(struct rego_bctx *c, const char *h, size_t hl, const struct alginfo **a, bool *jwt_typ)
{
	const struct rego_val *hv, *alg, *typ;
	struct writ_err e;
	size_t i = 0;

	while (i < hl && (h[i] == ' ' || h[i] == '\t' || h[i] == '\r' || h[i] == '\n'))
		i++;
	if (i == hl)
		return rego_berr(c,
		    "missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string");
	if (h[i] != '{')
		return rego_berr(
		    c, "missing or invalid 'alg' header: jwsbb: header \"alg\" not found");
	if (rego_json_parse(c->arena, h, hl, NULL, &hv, &e) != WRIT_OK || hv->type != REGO_OBJECT)
		return rego_berr(c, "missing or invalid 'alg' header: cannot parse JSON");
	alg = get(hv, "alg");
	if (alg == NULL)
		return rego_berr(
		    c, "missing or invalid 'alg' header: jwsbb: header \"alg\" not found");
	if (alg->type != REGO_STRING)
		return rego_berr(
		    c, "missing or invalid 'alg' header: jwsbb: header \"alg\" is not a string");
	if ((*a = alg_find(alg->u.s, alg->len)) == NULL)
		return rego_berr(
		    c, "unknown JWS algorithm: %.*s", alg->len > 64 ? 64 : (int)alg->len, alg->u.s);
	typ = get(hv, "typ");
	*jwt_typ = typ == NULL || typ->type != REGO_STRING || str_is(typ, "JWT");
	return REGO_B_OK;
}

static enum rego_bres
encode_sign(struct rego_bctx *c, const char *h, size_t hl, const char *p, size_t pl,
    const char *jwk, size_t jl, const struct rego_val **out)
{
	const struct alginfo *a = NULL;
	struct ext_keys ks = {0};
	unsigned char sig[1024];
	size_t siglen = sizeof(sig), n;
	const struct rego_val *pv;
	struct writ_err e;
	struct writ_buf b;
	enum rego_bres r;
	char *enc;
	bool jwt_typ = true, ok;

	if (hl > EXT_JWT_MAX_TOKEN || pl > EXT_JWT_MAX_TOKEN)
		return rego_berr(c, "header or payload longer than %u bytes", EXT_JWT_MAX_TOKEN);
	if (jl > EXT_JWT_MAX_KEY || !ext_jwk_parse(c->arena, jwk, jl, true, &ks) || ks.n == 0) {
		ext_keys_free(&ks);
		return rego_berr(c, "failed to parse a JWK private key");
	}
	if ((r = header_alg(c, h, hl, &a, &jwt_typ)) != REGO_B_OK)
		goto done;
	if (jwt_typ && rego_json_parse(c->arena, p, pl, NULL, &pv, &e) != WRIT_OK) {
		r = rego_berr(c, "type is JWT but payload is not JSON");
		goto done;
	}
	writ_buf_init(&b, 4 * EXT_JWT_MAX_TOKEN);
	n = 4 * (hl / 3 + pl / 3 + 2) + 4;
	if ((enc = writ_arena_alloc(c->arena, n)) == NULL) {
		r = ext_oom(c);
		goto done;
	}
	ok = writ_buf_append(&b, enc, writ_b64url_encode(h, hl, enc)) == WRIT_OK &&
	    writ_buf_append(&b, ".", 1) == WRIT_OK &&
	    writ_buf_append(&b, enc, writ_b64url_encode(p, pl, enc)) == WRIT_OK;
	if (ok && a->kind == K_HS) {
		ok = ks.v[0].secret != NULL &&
		    EVP_Q_mac(NULL, "HMAC", NULL, a->md, NULL, ks.v[0].secret, ks.v[0].secretlen,
		        (const unsigned char *)b.ptr, b.len, sig, sizeof(sig), &siglen) != NULL;
	} else if (ok) {
		ok = sign_pkey(ks.v[0].pkey, a, b.ptr, b.len, sig, &siglen);
	}
	if (!ok) {
		r = rego_berr(c, "failed to sign the token with the key");
	} else if ((enc = writ_arena_alloc(c->arena, 4 * (siglen / 3 + 1) + 1)) == NULL ||
	    writ_buf_append(&b, ".", 1) != WRIT_OK ||
	    writ_buf_append(&b, enc, writ_b64url_encode(sig, siglen, enc)) != WRIT_OK) {
		r = ext_oom(c);
	} else {
		r = ext_str(c, b.ptr, b.len, out);
	}
	writ_buf_free(&b);
	writ_memzero(sig, sizeof(sig));
done:
	ext_keys_free(&ks);
	return r;
}

static enum rego_bres
bi_encode_sign_raw(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	unsigned i;

	for (i = 0; i < 3; i++)
		if (args[i]->type != REGO_STRING)
			return rego_berr_operand(c, i + 1, "string", args[i]);
	return encode_sign(c, args[0]->u.s, args[0]->len, args[1]->u.s, args[1]->len, args[2]->u.s,
	    args[2]->len, out);
}

static enum rego_bres
bi_encode_sign(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct writ_buf b[3];
	struct writ_err e;
	enum rego_bres r = REGO_B_OK;
	unsigned i;

	for (i = 0; i < 3; i++) {
		if (args[i]->type != REGO_OBJECT)
			return rego_berr_operand(c, i + 1, "object", args[i]);
		writ_buf_init(&b[i], EXT_JWT_MAX_TOKEN);
	}
	for (i = 0; i < 3 && r == REGO_B_OK; i++)
		if (rego_json_write(&b[i], args[i], NULL, &e) != WRIT_OK || b[i].ptr == NULL)
			r = rego_berr(c, "failed to marshal JWT %s",
			    i == 0       ? "headers"
			        : i == 1 ? "payload"
			                 : "signature");
	if (r == REGO_B_OK)
		r = encode_sign(c, b[0].ptr, b[0].len, b[1].ptr, b[1].len, b[2].ptr, b[2].len, out);
	for (i = 0; i < 3; i++) {
		if (b[i].ptr != NULL)
			writ_memzero(b[i].ptr, b[i].len);
		writ_buf_free(&b[i]);
	}
	return r;
}

static const struct rego_builtin jwt_builtins[] = {
    {"io.jwt.decode", 1, bi_decode, 0},
    {"io.jwt.decode_verify", 2, bi_decode_verify, REGO_BI_NONDET},
    {"io.jwt.encode_sign", 3, bi_encode_sign, REGO_BI_NONDET},
    {"io.jwt.encode_sign_raw", 3, bi_encode_sign_raw, REGO_BI_NONDET},
    {"io.jwt.verify_eddsa", 2, bi_verify_eddsa, 0},
    {"io.jwt.verify_es256", 2, bi_verify_es256, 0},
    {"io.jwt.verify_es384", 2, bi_verify_es384, 0},
    {"io.jwt.verify_es512", 2, bi_verify_es512, 0},
    {"io.jwt.verify_hs256", 2, bi_verify_hs256, 0},
    {"io.jwt.verify_hs384", 2, bi_verify_hs384, 0},
    {"io.jwt.verify_hs512", 2, bi_verify_hs512, 0},
    {"io.jwt.verify_ps256", 2, bi_verify_ps256, 0},
    {"io.jwt.verify_ps384", 2, bi_verify_ps384, 0},
    {"io.jwt.verify_ps512", 2, bi_verify_ps512, 0},
    {"io.jwt.verify_rs256", 2, bi_verify_rs256, 0},
    {"io.jwt.verify_rs384", 2, bi_verify_rs384, 0},
    {"io.jwt.verify_rs512", 2, bi_verify_rs512, 0},
};

const struct rego_builtin_family rego_family_jwt = {
    "jwt", jwt_builtins, WRIT_ARRAY_LEN(jwt_builtins)};
