/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Encodings: base64 (standard, strict padding as Go's StdEncoding),
 * base64url (padded, unpadded; decoding takes either), hex, URL query
 * escaping (Go's url.QueryEscape and url.Values), and JSON: json.marshal,
 * json.marshal_with_options, json.unmarshal, json.is_valid.
 */
#include <stdio.h>
#include <string.h>

#include "rego/builtins/core_int.h"
#include "rego/builtins/families_core.h"

static const char b64std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

#define STR_ARG(c, pos, v)                                                                         \
	do {                                                                                       \
		if ((v)->type != REGO_STRING)                                                      \
			return rego_berr_operand((c), (pos), "string", (v));                       \
	} while (0)

static enum rego_bres
b64_encode(struct rego_bctx *c, const struct rego_val *s, const char *alpha, bool padded,
    const struct rego_val **out)
{
	const unsigned char *p = (const unsigned char *)s->u.s;
	size_t n = s->len, i, k = 0, olen;
	char *o;

	if (n > CORE_MAX_STR / 4 * 3)
		return rego_berr(c, "result exceeds %zu bytes", CORE_MAX_STR);
	olen = (n + 2) / 3 * 4;
	if ((o = writ_arena_alloc(c->arena, olen + 1)) == NULL)
		return rego_berr(c, "out of memory");
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		o[k++] = alpha[v >> 18];
		o[k++] = alpha[(v >> 12) & 63];
		o[k++] = alpha[(v >> 6) & 63];
		o[k++] = alpha[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);

		o[k++] = alpha[v >> 18];
		o[k++] = alpha[(v >> 12) & 63];
		if (i + 1 < n)
			o[k++] = alpha[(v >> 6) & 63];
		else if (padded)
			o[k++] = '=';
		if (padded)
			o[k++] = '=';
	}
	return core_str(c, o, k, out);
}

/*
 * Decode; padded requires '=' padding to a multiple of 4 (Go's strict
 * decoder), otherwise none is allowed.  Returns the offset of the first bad
 * byte, or SIZE_MAX on success with *out, *olen set.
 */
static size_t
b64_decode(const char *s, size_t n, const char *alpha, bool padded, unsigned char *o,
    size_t *olen)
{
	size_t i, k = 0, q = 0, pad = 0;
	uint32_t acc = 0;

	for (i = 0; i < n; i++) {
		const char *at;

		if (s[i] == '\r' || s[i] == '\n')
			continue;
		if (s[i] == '=' && padded) {
			if (q < 2)
				return i;
			pad++;
			if (q + pad > 4)
				return i;
			continue;
		}
		if (pad > 0 || s[i] == '\0' || (at = strchr(alpha, s[i])) == NULL)
			return i;
		acc = acc << 6 | (uint32_t)(at - alpha);
		if (++q == 4) {
			o[k++] = (unsigned char)(acc >> 16);
			o[k++] = (unsigned char)(acc >> 8);
			o[k++] = (unsigned char)acc;
			q = 0;
			acc = 0;
		}
	}
	if (padded && q > 0 && q + pad != 4)
		return n;
	if (q == 1)
		return n - 1;
	if (q == 2)
		o[k++] = (unsigned char)(acc >> 4);
	else if (q == 3) {
		o[k++] = (unsigned char)(acc >> 10);
		o[k++] = (unsigned char)(acc >> 2);
	}
	*olen = k;
	return SIZE_MAX;
}

static enum rego_bres
decode(struct rego_bctx *c, const struct rego_val *s, const char *alpha, bool padded,
    const struct rego_val **out, bool *valid)
{
	unsigned char *o;
	size_t olen = 0, bad;

	if ((o = writ_arena_alloc(c->arena, s->len / 4 * 3 + 3)) == NULL)
		return rego_berr(c, "out of memory");
	bad = b64_decode(s->u.s, s->len, alpha, padded, o, &olen);
	if (valid != NULL) {
		*valid = bad == SIZE_MAX;
		return REGO_B_OK;
	}
	if (bad != SIZE_MAX)
		return rego_berr(c, "illegal base64 data at input byte %zu", bad);
	return core_str(c, (const char *)o, olen, out);
}

static enum rego_bres
bi_base64_encode(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	STR_ARG(c, 1, args[0]);
	return b64_encode(c, args[0], b64std, true, out);
}

static enum rego_bres
bi_base64_decode(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	STR_ARG(c, 1, args[0]);
	return decode(c, args[0], b64std, true, out, NULL);
}

static enum rego_bres
bi_base64_is_valid(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	bool ok;
	enum rego_bres r;

	STR_ARG(c, 1, args[0]);
	if ((r = decode(c, args[0], b64std, true, out, &ok)) == REGO_B_OK)
		*out = rego_bool(ok);
	return r;
}

static enum rego_bres
bi_base64url_encode(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	STR_ARG(c, 1, args[0]);
	return b64_encode(c, args[0], b64url, true, out);
}

static enum rego_bres
bi_base64url_encode_no_pad(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	STR_ARG(c, 1, args[0]);
	return b64_encode(c, args[0], b64url, false, out);
}

static enum rego_bres
bi_base64url_decode(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	STR_ARG(c, 1, args[0]);
	return decode(c, args[0], b64url, args[0]->len % 4 == 0, out, NULL);
}

static enum rego_bres
bi_hex_encode(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0];
	char *o;
	size_t i;

	STR_ARG(c, 1, s);
	if (s->len > CORE_MAX_STR / 2)
		return rego_berr(c, "result exceeds %zu bytes", CORE_MAX_STR);
	if ((o = writ_arena_alloc(c->arena, s->len * 2 + 1)) == NULL)
		return rego_berr(c, "out of memory");
	for (i = 0; i < s->len; i++) {
		o[2 * i] = "0123456789abcdef"[(unsigned char)s->u.s[i] >> 4];
		o[2 * i + 1] = "0123456789abcdef"[(unsigned char)s->u.s[i] & 15];
	}
	return core_str(c, o, s->len * 2, out);
}

static enum rego_bres
bad_hex_byte(struct rego_bctx *c, const char *s, size_t n)
{
	uint32_t r;

	core_utf8_decode(s, n, &r);
	if (r >= 0x20 && r < 0x7f)
		return rego_berr(c, "encoding/hex: invalid byte: U+%04X '%c'", r, (char)r);
	return rego_berr(c, "encoding/hex: invalid byte: U+%04X", r);
}

static enum rego_bres
bi_hex_decode(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0];
	char *o;
	size_t i;

	STR_ARG(c, 1, s);
	if ((o = writ_arena_alloc(c->arena, s->len / 2 + 1)) == NULL)
		return rego_berr(c, "out of memory");
	for (i = 0; i + 1 < s->len; i += 2) {
		int hi = writ_hex_digit(s->u.s[i]), lo = writ_hex_digit(s->u.s[i + 1]);

		if (hi < 0)
			return bad_hex_byte(c, s->u.s + i, s->len - i);
		if (lo < 0)
			return bad_hex_byte(c, s->u.s + i + 1, s->len - i - 1);
		o[i / 2] = (char)(hi << 4 | lo);
	}
	if (s->len % 2 != 0) {
		if (writ_hex_digit(s->u.s[s->len - 1]) < 0)
			return bad_hex_byte(c, s->u.s + s->len - 1, 1);
		return rego_berr(c, "encoding/hex: odd length hex string");
	}
	return core_str(c, o, s->len / 2, out);
}

/* ---------------------------------------------------------------------------
 * URL query escaping.
 */

static writ_rc
query_escape(struct writ_buf *b, const char *s, size_t len)
{
	writ_rc rc = WRIT_OK;
	size_t i;

	for (i = 0; i < len && rc == WRIT_OK; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '_' || ch == '.' || ch == '~')
			rc = writ_buf_append(b, s + i, 1);
		else if (ch == ' ')
			rc = writ_buf_append(b, "+", 1);
		else
			rc = writ_buf_appendf(b, "%%%02X", ch);
	}
	return rc;
}

/* Go's url.QueryUnescape; an error message or NULL. */
static const char *
query_unescape(struct writ_buf *b, const char *s, size_t len, char *msg, size_t msglen)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '%') {
			if (i + 2 >= len + 0 || writ_hex_digit(s[i + 1]) < 0 ||
			    writ_hex_digit(s[i + 2]) < 0) {
				size_t k = len - i < 3 ? len - i : 3;

				snprintf(msg, msglen, "invalid URL escape \"%.*s\"", (int)k, s + i);
				return msg;
			}
			ch = (char)(writ_hex_digit(s[i + 1]) << 4 | writ_hex_digit(s[i + 2]));
			i += 2;
		} else if (ch == '+') {
			ch = ' ';
		}
		if (writ_buf_append(b, &ch, 1) != WRIT_OK)
			return "out of memory";
	}
	return NULL;
}

static enum rego_bres
bi_urlquery_encode(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct writ_buf b;
	writ_rc rc;

	STR_ARG(c, 1, args[0]);
	core_buf_init(&b);
	if ((rc = query_escape(&b, args[0]->u.s, args[0]->len)) != WRIT_OK) {
		writ_buf_free(&b);
		return core_buf_err(c, rc);
	}
	return core_buf_str(c, &b, out);
}

static enum rego_bres
bi_urlquery_decode(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct writ_buf b;
	char msg[64];
	const char *e;

	STR_ARG(c, 1, args[0]);
	core_buf_init(&b);
	if ((e = query_unescape(&b, args[0]->u.s, args[0]->len, msg, sizeof(msg))) != NULL) {
		writ_buf_free(&b);
		return rego_berr(c, "%s", e);
	}
	return core_buf_str(c, &b, out);
}

static writ_rc
query_pair(struct writ_buf *b, const struct rego_val *k, const struct rego_val *v)
{
	writ_rc rc = WRIT_OK;

	if (b->len > 0)
		rc = writ_buf_append(b, "&", 1);
	if (rc == WRIT_OK)
		rc = query_escape(b, k->u.s, k->len);
	if (rc == WRIT_OK)
		rc = writ_buf_append(b, "=", 1);
	return rc == WRIT_OK ? query_escape(b, v->u.s, v->len) : rc;
}

static enum rego_bres
bi_urlquery_encode_object(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *o = args[0];
	struct writ_buf b;
	writ_rc rc = WRIT_OK;
	size_t i, j;

	if (o->type != REGO_OBJECT)
		return rego_berr_operand(c, 1, "object", o);
	for (i = 0; i < o->len; i++) {
		const struct rego_val *v = o->u.kvs[i].val;

		if (o->u.kvs[i].key->type != REGO_STRING)
			return rego_berr_operand(c, 1, "object[string, any]", o);
		if (v->type == REGO_STRING)
			continue;
		if (v->type != REGO_ARRAY && v->type != REGO_SET)
			return rego_berr(c, "operand 1 must be object[string, string|array[string]|set[string]]");
		for (j = 0; j < v->len; j++)
			if (v->u.elems[j]->type != REGO_STRING)
				return rego_berr(c, "operand 1 must be object[string, string|array[string]|set[string]]");
	}
	core_buf_init(&b);
	for (i = 0; i < o->len && rc == WRIT_OK; i++) {
		const struct rego_val *k = o->u.kvs[i].key, *v = o->u.kvs[i].val;

		if (v->type == REGO_STRING)
			rc = query_pair(&b, k, v);
		for (j = 0; v->type != REGO_STRING && j < v->len && rc == WRIT_OK; j++)
			rc = query_pair(&b, k, v->u.elems[j]);
	}
	if (rc != WRIT_OK) {
		writ_buf_free(&b);
		return core_buf_err(c, rc);
	}
	return core_buf_str(c, &b, out);
}

/* Go's url.ParseQuery into an object of arrays. */
static enum rego_bres
bi_urlquery_decode_object(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0], *keys[4096];
	const struct rego_val *vals[4096];
	struct rego_builder ob;
	struct writ_err err;
	size_t off = 0, n = 0, i, j;
	char msg[64];
	enum rego_bres r;

	STR_ARG(c, 1, s);
	while (off < s->len) {
		const char *amp = memchr(s->u.s + off, '&', s->len - off);
		size_t end = amp != NULL ? (size_t)(amp - s->u.s) : s->len;
		const char *eq = memchr(s->u.s + off, '=', end - off);
		size_t kend = eq != NULL ? (size_t)(eq - s->u.s) : end;
		struct writ_buf kb, vb;
		const char *e;

		if (end > off) {
			if (n >= WRIT_ARRAY_LEN(keys))
				return rego_berr(c, "too many query parameters");
			core_buf_init(&kb);
			core_buf_init(&vb);
			e = query_unescape(&kb, s->u.s + off, kend - off, msg, sizeof(msg));
			if (e == NULL && eq != NULL)
				e = query_unescape(&vb, eq + 1, end - kend - 1, msg, sizeof(msg));
			if (e != NULL) {
				writ_buf_free(&kb);
				writ_buf_free(&vb);
				return rego_berr(c, "%s", e);
			}
			if ((r = core_buf_str(c, &kb, &keys[n])) != REGO_B_OK ||
			    (r = core_buf_str(c, &vb, &vals[n])) != REGO_B_OK) {
				writ_buf_free(&vb);
				return r;
			}
			n++;
		}
		off = end + 1;
	}
	rego_builder_init(&ob, c->arena, REGO_OBJECT);
	for (i = 0; i < n; i++) {
		struct rego_builder ab;
		const struct rego_val *arr;

		for (j = 0; j < i && !rego_equal(keys[j], keys[i]); j++)
			;
		if (j < i)
			continue;
		rego_builder_init(&ab, c->arena, REGO_ARRAY);
		for (j = i; j < n; j++)
			if (rego_equal(keys[j], keys[i]) &&
			    (r = core_check(c, rego_builder_push(&ab, vals[j], &err), &err)) != REGO_B_OK)
				return r;
		if ((r = core_finish(c, &ab, &arr)) != REGO_B_OK ||
		    (r = core_check(c, rego_builder_put(&ob, keys[i], arr, &err), &err)) != REGO_B_OK)
			return r;
	}
	return core_finish(c, &ob, out);
}

/* ---------------------------------------------------------------------------
 * JSON.
 */

static enum rego_bres
marshal(struct rego_bctx *c, const struct rego_val *v, const struct rego_json_fmt *fmt,
    const struct rego_val **out)
{
	struct writ_buf b;
	struct writ_err err;
	writ_rc rc;

	core_buf_init(&b);
	/* OPA puts the prefix before the first line too. */
	rc = fmt != NULL ? writ_buf_appends(&b, fmt->prefix) : WRIT_OK;
	if (rc == WRIT_OK)
		rc = rego_json_write(&b, v, fmt, &err);
	if (rc != WRIT_OK) {
		writ_buf_free(&b);
		return rc == WRIT_ETOOBIG ? core_buf_err(c, rc) : core_fail(c, rc, &err);
	}
	return core_buf_str(c, &b, out);
}

static enum rego_bres
bi_json_marshal(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return marshal(c, args[0], NULL, out);
}

static enum rego_bres
bi_json_marshal_with_options(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *o = args[1];
	struct rego_json_fmt fmt = {.prefix = "", .indent = "\t"};
	bool pretty = false, set = false;
	size_t i;

	if (o->type != REGO_OBJECT)
		return rego_berr_operand(c, 2, "object", o);
	for (i = 0; i < o->len; i++) {
		const struct rego_val *k = o->u.kvs[i].key, *v = o->u.kvs[i].val;
		const char *ks = k->type == REGO_STRING ? k->u.s : "";

		if (k->type != REGO_STRING)
			return core_type_err(c, "object contained non-string key");
		if (strcmp(ks, "pretty") == 0) {
			if (v->type != REGO_BOOL)
				return core_type_err(c, "key \"pretty\" must be boolean");
			pretty = v->u.b;
			set = true;
		} else if (strcmp(ks, "indent") == 0 || strcmp(ks, "prefix") == 0) {
			if (v->type != REGO_STRING)
				return core_type_err(c, "key \"%s\" must be string", ks);
			if (ks[0] == 'i')
				fmt.indent = v->u.s;
			else
				fmt.prefix = v->u.s;
			if (!set)
				pretty = true;
		} else {
			return core_type_err(c, "object contained unknown key \"%s\"", ks);
		}
	}
	return marshal(c, args[0], pretty ? &fmt : NULL, out);
}

static enum rego_bres
bi_json_unmarshal(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct writ_err err;
	writ_rc rc;

	STR_ARG(c, 1, args[0]);
	rc = rego_json_parse(c->arena, args[0]->u.s, args[0]->len, NULL, out, &err);
	if (rc == WRIT_EPARSE || rc == WRIT_ELIMIT)
		return rego_berr(c, "%s", err.msg);
	return core_check(c, rc, &err);
}

static enum rego_bres
bi_json_is_valid(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *v;
	struct writ_err err;
	writ_rc rc;

	if (args[0]->type != REGO_STRING) {
		*out = rego_bool(false);
		return REGO_B_OK;
	}
	rc = rego_json_parse(c->arena, args[0]->u.s, args[0]->len, NULL, &v, &err);
	if (rc == WRIT_ENOMEM)
		return core_fail(c, rc, &err);
	*out = rego_bool(rc == WRIT_OK);
	return REGO_B_OK;
}

static const struct rego_builtin builtins[] = {
	{"base64.decode", 1, bi_base64_decode, 0},
	{"base64.encode", 1, bi_base64_encode, 0},
	{"base64.is_valid", 1, bi_base64_is_valid, 0},
	{"base64url.decode", 1, bi_base64url_decode, 0},
	{"base64url.encode", 1, bi_base64url_encode, 0},
	{"base64url.encode_no_pad", 1, bi_base64url_encode_no_pad, 0},
	{"hex.decode", 1, bi_hex_decode, 0},
	{"hex.encode", 1, bi_hex_encode, 0},
	{"json.is_valid", 1, bi_json_is_valid, 0},
	{"json.marshal", 1, bi_json_marshal, 0},
	{"json.marshal_with_options", 2, bi_json_marshal_with_options, 0},
	{"json.unmarshal", 1, bi_json_unmarshal, 0},
	{"urlquery.decode", 1, bi_urlquery_decode, 0},
	{"urlquery.decode_object", 1, bi_urlquery_decode_object, 0},
	{"urlquery.encode", 1, bi_urlquery_encode, 0},
	{"urlquery.encode_object", 1, bi_urlquery_encode_object, 0},
};

const struct rego_builtin_family rego_family_encoding = {"encoding", builtins,
    WRIT_ARRAY_LEN(builtins)};
