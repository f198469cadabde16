/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The crypto.* hash and MAC builtins: crypto.md5, crypto.sha1,
 * crypto.sha256 and crypto.hmac.{md5,sha1,sha256,sha512} answer lower-case
 * hex digests of a string's bytes; crypto.hmac.equal compares two MACs in
 * constant time.  Everything goes through OpenSSL 3.  The certificate and
 * key builtins (crypto.x509.*, crypto.parse_private_keys) are in x509.c.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "ext_int.h"

static enum rego_bres
digest(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out,
    const EVP_MD *md)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (md == NULL || EVP_Digest(args[0]->u.s, args[0]->len, d, &dlen, md, NULL) != 1)
		return rego_berr(c, "digest failed");
	return ext_hex(c, d, dlen, out);
}

static enum rego_bres
bi_md5(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return digest(c, args, out, EVP_md5());
}

static enum rego_bres
bi_sha1(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return digest(c, args, out, EVP_sha1());
}

static enum rego_bres
bi_sha256(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return digest(c, args, out, EVP_sha256());
}

/* HMAC of args[0] under the key args[1]; the key is only borrowed, never copied. */
static enum rego_bres
hmac(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out,
    const EVP_MD *md)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	enum rego_bres r;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[1]->type != REGO_STRING)
		return rego_berr_operand(c, 2, "string", args[1]);
	if (args[1]->len > INT32_MAX)
		return rego_berr(c, "key too long");
	if (HMAC(md, args[1]->u.s, (int)args[1]->len, (const unsigned char *)args[0]->u.s,
	        args[0]->len, d, &dlen) == NULL)
		return rego_berr(c, "HMAC failed");
	r = ext_hex(c, d, dlen, out);
	writ_memzero(d, sizeof(d));
	return r;
}

static enum rego_bres
bi_hmac_md5(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return hmac(c, args, out, EVP_md5());
}

static enum rego_bres
bi_hmac_sha1(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return hmac(c, args, out, EVP_sha1());
}

static enum rego_bres
bi_hmac_sha256(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return hmac(c, args, out, EVP_sha256());
}

static enum rego_bres
bi_hmac_sha512(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return hmac(c, args, out, EVP_sha512());
}

/* CT: time depends on the lengths only (Go's hmac.Equal). */
static enum rego_bres
bi_hmac_equal(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *a = args[0], *b = args[1];

	if (a->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", a);
	if (b->type != REGO_STRING)
		return rego_berr_operand(c, 2, "string", b);
	*out = rego_bool(a->len == b->len && CRYPTO_memcmp(a->u.s, b->u.s, a->len) == 0);
	return REGO_B_OK;
}

static const struct rego_builtin crypto_builtins[] = {
    {"crypto.hmac.equal", 2, bi_hmac_equal, 0},
    {"crypto.hmac.md5", 2, bi_hmac_md5, 0},
    {"crypto.hmac.sha1", 2, bi_hmac_sha1, 0},
    {"crypto.hmac.sha256", 2, bi_hmac_sha256, 0},
    {"crypto.hmac.sha512", 2, bi_hmac_sha512, 0},
    {"crypto.md5", 1, bi_md5, 0},
    {"crypto.sha1", 1, bi_sha1, 0},
    {"crypto.sha256", 1, bi_sha256, 0},
};

const struct rego_builtin_family rego_family_crypto = {
    "crypto", crypto_builtins, WRIT_ARRAY_LEN(crypto_builtins)};
