/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the builtin families of families_ext.h: results that map
 * allocation failures to builtin errors, Go-compatible base64 decoding (the
 * error offsets OPA's messages quote), hex output and integer operands.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "writ/crypto.h"

#include "ext_int.h"

enum rego_bres
ext_oom(struct rego_bctx *c)
{
	if (writ_arena_over_cap(c->arena))
		return ext_err_code(c, "eval_cancel_error", "memory limit reached");
	return ext_err_code(c, "eval_internal_error", "out of memory");
}

enum rego_bres
ext_err_code(struct rego_bctx *c, const char *code, const char *fmt, ...)
{
	char msg[sizeof(c->err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err->code, sizeof(c->err->code), "%s", code);
	snprintf(c->err->message, sizeof(c->err->message), "%.64s: %.440s", c->name, msg);
	return REGO_B_ERR;
}

enum rego_bres
ext_str(struct rego_bctx *c, const char *s, size_t len, const struct rego_val **out)
{
	struct writ_err e;

	if (rego_string(c->arena, s, len, out, &e) != WRIT_OK)
		return ext_oom(c);
	return REGO_B_OK;
}

enum rego_bres
ext_int(struct rego_bctx *c, int64_t i, const struct rego_val **out)
{
	struct writ_err e;

	if (rego_int(c->arena, i, out, &e) != WRIT_OK)
		return ext_oom(c);
	return REGO_B_OK;
}

enum rego_bres
ext_hex(struct rego_bctx *c, const void *p, size_t len, const struct rego_val **out)
{
	struct writ_err e;
	char *s;

	if (len > (SIZE_MAX - 1) / 2 || (s = writ_arena_alloc(c->arena, 2 * len + 1)) == NULL)
		return ext_oom(c);
	writ_hex_encode(p, len, s);
	if (rego_string_borrow(c->arena, s, 2 * len, out, &e) != WRIT_OK)
		return ext_oom(c);
	return REGO_B_OK;
}

bool
ext_num_i64(const struct rego_val *v, int64_t *out)
{
	return v->type == REGO_NUMBER && rego_num_i64(v, out);
}

void
ext_bput(struct writ_buf *b, bool *ok, const void *p, size_t len)
{
	if (*ok && writ_buf_append(b, p, len) != WRIT_OK)
		*ok = false;
}

void
ext_bputs(struct writ_buf *b, bool *ok, const char *s)
{
	ext_bput(b, ok, s, strlen(s));
}

/* ---------------------------------------------------------------------------
 * Base64 as Go's encoding/base64 decodes it (non-strict).
 */

static int
b64val(unsigned char ch, bool url)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == (url ? '-' : '+'))
		return 62;
	if (ch == (url ? '_' : '/'))
		return 63;
	return -1;
}

static size_t
skip_nl(const char *in, size_t len, size_t si)
{
	while (si < len && (in[si] == '\n' || in[si] == '\r'))
		si++;
	return si;
}

/* One quantum of up to four characters; returns false with *bad set on error. */
static bool
quantum(const char *in, size_t len, size_t *sip, bool url, bool pad, unsigned char *dst, size_t *n,
    size_t *bad)
{
	unsigned dbuf[4] = {0, 0, 0, 0};
	size_t si = *sip, dlen = 4, j;
	unsigned val;

	for (j = 0; j < 4; j++) {
		int d;
		unsigned char ch;

		if (si == len) {
			if (j == 0) {
				*n = 0;
				*sip = si;
				return true;
			}
			if (j == 1 || pad) {
				*bad = si - j;
				return false;
			}
			dlen = j;
			break;
		}
		ch = (unsigned char)in[si++];
		if ((d = b64val(ch, url)) >= 0) {
			dbuf[j] = (unsigned)d;
			continue;
		}
		if (ch == '\n' || ch == '\r') {
			j--;
			continue;
		}
		if (!pad || ch != '=' || j < 2) {
			*bad = si - 1;
			return false;
		}
		if (j == 2) {
			si = skip_nl(in, len, si);
			if (si == len) {
				*bad = len;
				return false;
			}
			if (in[si] != '=') {
				*bad = si - 1;
				return false;
			}
			si++;
		}
		si = skip_nl(in, len, si);
		if (si < len) {
			*bad = si;
			return false;
		}
		dlen = j;
		break;
	}
	val = dbuf[0] << 18 | dbuf[1] << 12 | dbuf[2] << 6 | dbuf[3];
	dst[0] = (unsigned char)(val >> 16);
	dst[1] = (unsigned char)(val >> 8);
	dst[2] = (unsigned char)val;
	*n = dlen - 1;
	*sip = si;
	return true;
}

bool
ext_b64_decode(
    const char *in, size_t len, bool url, bool pad, unsigned char *out, size_t *outlen, size_t *bad)
{
	size_t si = 0, o = 0, n;
	unsigned char q[3];

	while (si < len) {
		if (!quantum(in, len, &si, url, pad, q, &n, bad))
			return false;
		memcpy(out + o, q, n);
		o += n;
		if (n < 3)
			break;
	}
	*outlen = o;
	return true;
}

bool
ext_b64url_decode_opa(struct writ_arena *a, const char *in, size_t len, unsigned char **out,
    size_t *outlen, char *msg, size_t msglen)
{
	char *s;
	size_t slen = len, bad, cap;
	unsigned char *o;

	if (len > SIZE_MAX / 2 || (s = writ_arena_alloc(a, len + 3)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return false;
	}
	memcpy(s, in, len);
	if (len == 0 || in[len - 1] != '=') {
		if (len % 4 == 2) {
			s[slen++] = '=';
			s[slen++] = '=';
		} else if (len % 4 == 3) {
			s[slen++] = '=';
		} else if (len % 4 == 1) {
			snprintf(msg, msglen, "illegal base64url string: %.*s",
			    len > 200 ? 200 : (int)len, in);
			return false;
		}
	}
	cap = 3 * (slen / 4) + 4;
	if ((o = writ_arena_alloc(a, cap)) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return false;
	}
	if (!ext_b64_decode(s, slen, true, true, o, outlen, &bad)) {
		snprintf(msg, msglen, "illegal base64 data at input byte %zu", bad);
		return false;
	}
	o[*outlen] = '\0';
	*out = o;
	return true;
}

void
ext_obj_init(struct ext_obj *o, struct rego_bctx *c)
{
	o->c = c;
	o->ok = true;
	rego_builder_init(&o->b, c->arena, REGO_OBJECT);
}

void
ext_obj_put(struct ext_obj *o, const char *k, const struct rego_val *v)
{
	const struct rego_val *kv;
	struct writ_err e;

	if (!o->ok || v == NULL || rego_string(o->c->arena, k, strlen(k), &kv, &e) != WRIT_OK ||
	    rego_builder_put(&o->b, kv, v, &e) != WRIT_OK)
		o->ok = false;
}

const struct rego_val *
ext_obj_finish(struct ext_obj *o)
{
	const struct rego_val *v;
	struct writ_err e;

	if (!o->ok || rego_builder_finish(&o->b, &v, &e) != WRIT_OK)
		return NULL;
	return v;
}
