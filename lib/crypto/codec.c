/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hex and base64 codecs.  Keys, tokens and unseal shares pass through them,
 * so encoding and decoding compute each character with masks instead of
 * indexing a table by secret data (after libsodium's codecs.c and
 * wireguard-tools' encoding.c).  Validation is strict: base64 rejects
 * whitespace, misplaced or excess padding, a mix of the standard and url
 * alphabets, and non-zero unused trailing bits, so every byte string has
 * exactly one accepted encoding per alphabet (with or without padding).
 */
#include <string.h>

#include "writ/crypto.h"

static unsigned int eq(unsigned int x, unsigned int y);
static unsigned int gt(unsigned int x, unsigned int y);
static unsigned int ge(unsigned int x, unsigned int y);
static char b64_char(unsigned int v, bool url);
static unsigned int b64_val(
    unsigned int c, unsigned int *bad, unsigned int *std, unsigned int *url);
static size_t b64_encode(const unsigned char *in, size_t len, char *out, bool url);

/* Masks: 0xff when the relation holds, 0 otherwise; x, y in 0..255. */
static unsigned int
eq(unsigned int x, unsigned int y)
{
	return (((0u - (x ^ y)) >> 8) & 0xffu) ^ 0xffu;
}

static unsigned int
gt(unsigned int x, unsigned int y)
{
	return ((y - x) >> 8) & 0xffu;
}

static unsigned int
ge(unsigned int x, unsigned int y)
{
	return gt(y, x) ^ 0xffu;
}

/* ---------------------------------------------------------------------------
 * Hex.
 */
void
writ_hex_encode(const void *in, size_t len, char *out)
{
	const unsigned char *p = in;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned int hi = (unsigned int)p[i] >> 4, lo = p[i] & 0xfu;

		/* 'a' - 10 = 87; digits are '0' + v; the mask adds 39 for v > 9. */
		out[2 * i] = (char)(48u + hi + (39u & gt(hi, 9)));
		out[2 * i + 1] = (char)(48u + lo + (39u & gt(lo, 9)));
	}
	out[2 * len] = '\0';
}

writ_rc
writ_hex_decode(const char *in, size_t len, unsigned char *out)
{
	unsigned int bad = 0;
	size_t i;

	if (len % 2 != 0 || (len > 0 && (in == NULL || out == NULL)))
		return WRIT_EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int c = (unsigned char)in[i];
		unsigned int num = c ^ 48u, num_ok = gt(10, num);
		unsigned int alpha = ((c & ~32u) - 55u) & 0xffu;
		unsigned int alpha_ok = ge(alpha, 10) & gt(16, alpha);
		unsigned int v = (num & num_ok) | (alpha & alpha_ok);

		bad |= (num_ok | alpha_ok) ^ 0xffu;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] = (unsigned char)(out[i / 2] | v);
	}
	if (bad != 0) {
		writ_memzero(out, len / 2);
		return WRIT_EINVAL;
	}
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Base64.
 */

/* One alphabet character for a 6-bit value. CT: arithmetic only. */
static char
b64_char(unsigned int v, bool url)
{
	unsigned int c62 = url ? '-' : '+', c63 = url ? '_' : '/';
	unsigned int r;

	r = ((v + 65u) & gt(26, v)) | ((v + 71u) & ge(v, 26) & gt(52, v)) |
	    ((v - 4u) & ge(v, 52) & gt(62, v)) | (c62 & eq(v, 62)) | (c63 & eq(v, 63));
	return (char)(r & 0xffu);
}

/*
 * Value of one character; *bad collects invalid characters and *std, *url
 * which alphabet-specific characters were seen.  CT: arithmetic only.
 */
static unsigned int
b64_val(unsigned int c, unsigned int *bad, unsigned int *std, unsigned int *url)
{
	unsigned int up = ge(c, 'A') & ge('Z', c), lo = ge(c, 'a') & ge('z', c);
	unsigned int dig = ge(c, '0') & ge('9', c);
	unsigned int s62 = eq(c, '+'), s63 = eq(c, '/'), u62 = eq(c, '-'), u63 = eq(c, '_');
	unsigned int v;

	v = ((c - 65u) & up) | ((c - 71u) & lo) | ((c + 4u) & dig) | (62u & (s62 | u62)) |
	    (63u & (s63 | u63));
	*bad |= (up | lo | dig | s62 | s63 | u62 | u63) ^ 0xffu;
	*std |= s62 | s63;
	*url |= u62 | u63;
	return v & 0x3fu;
}

static size_t
b64_encode(const unsigned char *in, size_t len, char *out, bool url)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		unsigned int w =
		    (unsigned int)in[i] << 16 | (unsigned int)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64_char(w >> 18, url);
		out[o++] = b64_char((w >> 12) & 63u, url);
		out[o++] = b64_char((w >> 6) & 63u, url);
		out[o++] = b64_char(w & 63u, url);
	}
	if (i < len) {
		unsigned int w = (unsigned int)in[i] << 16;

		if (i + 1 < len)
			w |= (unsigned int)in[i + 1] << 8;
		out[o++] = b64_char(w >> 18, url);
		out[o++] = b64_char((w >> 12) & 63u, url);
		if (i + 1 < len)
			out[o++] = b64_char((w >> 6) & 63u, url);
		else if (!url)
			out[o++] = '=';
		if (!url)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

size_t
writ_b64_encode(const void *in, size_t len, char *out)
{
	return b64_encode(in, len, out, false);
}

size_t
writ_b64url_encode(const void *in, size_t len, char *out)
{
	return b64_encode(in, len, out, true);
}

writ_rc
writ_b64_decode(const char *in, size_t len, unsigned char *out, size_t *outlen)
{
	unsigned int bad = 0, std = 0, url = 0, w = 0;
	size_t npad = 0, i, o = 0, rem;

	if (len > 0 && (in == NULL || out == NULL))
		return WRIT_EINVAL;
	/* Padding: only with a whole number of quads, one or two '='. */
	while (npad < 2 && len - npad > 0 && in[len - npad - 1] == '=')
		npad++;
	if (npad > 0 && (len % 4 != 0 || len - npad < 2))
		return WRIT_EINVAL;
	len -= npad;
	rem = len % 4;
	if (rem == 1 || (npad > 0 && rem + npad != 4))
		return WRIT_EINVAL;
	for (i = 0; i < len; i++) {
		w = (w << 6) | b64_val((unsigned char)in[i], &bad, &std, &url);
		if (i % 4 == 3) {
			out[o++] = (unsigned char)(w >> 16);
			out[o++] = (unsigned char)((w >> 8) & 0xffu);
			out[o++] = (unsigned char)(w & 0xffu);
			w = 0;
		}
	}
	if (rem == 2) {
		bad |= w & 0xfu; /* unused low bits must be zero */
		out[o++] = (unsigned char)((w >> 4) & 0xffu);
	} else if (rem == 3) {
		bad |= w & 0x3u;
		out[o++] = (unsigned char)((w >> 10) & 0xffu);
		out[o++] = (unsigned char)((w >> 2) & 0xffu);
	}
	if (bad != 0 || (std != 0 && url != 0)) {
		writ_memzero(out, o);
		return WRIT_EINVAL;
	}
	*outlen = o;
	return WRIT_OK;
}
