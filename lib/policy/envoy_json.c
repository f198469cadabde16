/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON side of the Envoy input document: an emitter with a sticky error
 * (envoy_int.h), string escaping with the UTF-8 rules of protobuf (a string
 * field must be UTF-8) and of Go's encoding/json (other bytes become U+FFFD),
 * and a checker that copies a request's JSON body into the document.
 *
 * The body is not parsed into values: it is checked against RFC 8259 with a
 * depth bound and copied nearly verbatim, so numbers keep their text (OPA
 * decodes bodies with json.Number) and the Rego engine parses the document
 * once.  Only strings are rewritten where Go's decoder would change them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/crypto.h"

#include "envoy_int.h"

#define B64_CHUNK 3072 /* input bytes per base64 step (a multiple of 3) */

struct jp {
	const unsigned char *s;
	size_t len, pos;
	unsigned depth;
};

static void jp_value(struct jw *w, struct jp *p);

/* ---------------------------------------------------------------------------
 * The emitter.
 */

writ_rc
jw_fail(struct jw *w, writ_rc rc, const char *fmt, ...)
{
	va_list ap;

	if (w->rc != WRIT_OK)
		return w->rc;
	w->rc = rc;
	if (w->err != NULL) {
		va_start(ap, fmt);
		vsnprintf(w->err->msg, sizeof(w->err->msg), fmt, ap);
		va_end(ap);
		w->err->code = rc;
		w->err->file = __FILE__;
		w->err->line = __LINE__;
	}
	return rc;
}

void
jw_raw(struct jw *w, const char *s, size_t len)
{
	writ_rc rc;

	if (w->rc != WRIT_OK || len == 0)
		return;
	if (w->b->len + len > w->max) {
		jw_fail(w, WRIT_ELIMIT, "input document larger than %zu bytes", w->max);
		return;
	}
	if ((rc = writ_buf_append(w->b, s, len)) != WRIT_OK)
		jw_fail(w, rc == WRIT_ETOOBIG ? WRIT_ELIMIT : rc, "input document: %s",
		    rc == WRIT_ENOMEM ? "out of memory" : "too large");
}

void
jw_lit(struct jw *w, const char *s)
{
	jw_raw(w, s, strlen(s));
}

bool
envoy_utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = writ_utf8_len(u + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

/* A quoted string; invalid UTF-8 fails (strict) or becomes U+FFFD. */
static void
put_str(struct jw *w, const char *s, size_t len, bool strict)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0, n;
	char esc[6] = {'\\', 'u', '0', '0', 0, 0};

	jw_raw(w, "\"", 1);
	while (i < len && w->rc == WRIT_OK) {
		unsigned char c = u[i];

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0x80 && (n = writ_utf8_len(u + i, len - i)) > 0) {
			i += n;
			continue;
		}
		jw_raw(w, s + start, i - start);
		if (c >= 0x80) {
			if (strict) {
				jw_fail(w, WRIT_EPARSE, "string field contains invalid UTF-8");
				return;
			}
			jw_raw(w, "\\ufffd", 6);
		} else if (c == '"' || c == '\\') {
			jw_raw(w, c == '"' ? "\\\"" : "\\\\", 2);
		} else if (c == '\n' || c == '\r' || c == '\t') {
			jw_raw(w, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t", 2);
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			jw_raw(w, esc, 6);
		}
		start = ++i;
	}
	jw_raw(w, s + start, len - start);
	jw_raw(w, "\"", 1);
}

void
jw_str(struct jw *w, const char *s, size_t len)
{
	put_str(w, s, len, true);
}

void
jw_str_lossy(struct jw *w, const char *s, size_t len)
{
	put_str(w, s, len, false);
}

void
jw_key(struct jw *w, bool *first, const char *key)
{
	if (!*first)
		jw_raw(w, ",", 1);
	*first = false;
	jw_raw(w, "\"", 1);
	jw_lit(w, key);
	jw_raw(w, "\":", 2);
}

void
jw_i64(struct jw *w, int64_t v)
{
	char t[24];

	jw_raw(w, t, (size_t)snprintf(t, sizeof(t), "%lld", (long long)v));
}

void
jw_u64(struct jw *w, uint64_t v)
{
	char t[24];

	jw_raw(w, t, (size_t)snprintf(t, sizeof(t), "%llu", (unsigned long long)v));
}

void
jw_double(struct jw *w, double v)
{
	char t[40];
	int prec, n = 0;

	if (!isfinite(v)) {
		jw_lit(w, "null");
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		n = snprintf(t, sizeof(t), "%.*g", prec, v);
		if (strtod(t, NULL) == v)
			break;
	}
	jw_raw(w, t, (size_t)n);
}

void
jw_b64(struct jw *w, const void *p, size_t len)
{
	const unsigned char *u = p;
	char out[B64_CHUNK / 3 * 4 + 1];
	size_t off, n;

	jw_raw(w, "\"", 1);
	for (off = 0; off < len && w->rc == WRIT_OK; off += n) {
		n = len - off < B64_CHUNK ? len - off : B64_CHUNK;
		jw_raw(w, out, writ_b64_encode(u + off, n, out));
	}
	jw_raw(w, "\"", 1);
}

/* ---------------------------------------------------------------------------
 * JSON bodies: checked and copied.
 */

/* Go's quoting of the offending character in a syntax error. */
static void
jp_error(struct jw *w, const struct jp *p, const char *context)
{
	unsigned char c;

	if (p->pos >= p->len) {
		jw_fail(w, WRIT_EINVAL, "unexpected end of JSON input");
		return;
	}
	c = p->s[p->pos];
	if (c >= 0x20 && c < 0x7f && c != '\'')
		jw_fail(w, WRIT_EINVAL, "invalid character '%c' %s", c, context);
	else
		jw_fail(w, WRIT_EINVAL, "invalid character '\\x%02x' %s", c, context);
}

static void
jp_ws(struct jp *p)
{
	while (p->pos < p->len &&
	    (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
	        p->s[p->pos] == '\r'))
		p->pos++;
}

static int
hex4(const unsigned char *s)
{
	int i, v = 0, d;

	for (i = 0; i < 4; i++) {
		if ((d = writ_hex_digit(s[i])) < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* A \u escape at p->pos (the backslash); copies it, or U+FFFD for a lone surrogate. */
static void
jp_unicode(struct jw *w, struct jp *p)
{
	const unsigned char *s = p->s + p->pos;
	size_t left = p->len - p->pos;
	int hi, lo = -1;

	if (left < 6 || (hi = hex4(s + 2)) < 0) {
		p->pos += 2;
		while (p->pos < p->len && writ_hex_digit(p->s[p->pos]) >= 0)
			p->pos++;
		jp_error(w, p, "in \\u hexadecimal character escape");
		return;
	}
	if (hi >= 0xd800 && hi <= 0xdbff && left >= 12 && s[6] == '\\' && s[7] == 'u')
		lo = hex4(s + 8);
	if (hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) {
		jw_raw(w, (const char *)s, 12);
		p->pos += 12;
	} else if (hi >= 0xd800 && hi <= 0xdfff) {
		jw_raw(w, "\\ufffd", 6);
		p->pos += 6;
	} else {
		jw_raw(w, (const char *)s, 6);
		p->pos += 6;
	}
}

/* A string at p->pos (the opening quote). */
static void
jp_string(struct jw *w, struct jp *p)
{
	size_t start, n;

	jw_raw(w, "\"", 1);
	start = ++p->pos;
	while (w->rc == WRIT_OK) {
		unsigned char c;

		if (p->pos >= p->len) {
			jp_error(w, p, "");
			return;
		}
		c = p->s[p->pos];
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			p->pos++;
			continue;
		}
		if (c >= 0x80 && (n = writ_utf8_len(p->s + p->pos, p->len - p->pos)) > 0) {
			p->pos += n;
			continue;
		}
		jw_raw(w, (const char *)p->s + start, p->pos - start);
		if (c == '"') {
			p->pos++;
			jw_raw(w, "\"", 1);
			return;
		}
		if (c < 0x20) {
			jp_error(w, p, "in string literal");
			return;
		}
		if (c >= 0x80) {
			jw_raw(w, "\\ufffd", 6);
			p->pos++;
		} else if (p->pos + 1 < p->len && p->s[p->pos + 1] == 'u') {
			jp_unicode(w, p);
		} else if (p->pos + 1 < p->len && strchr("\"\\/bfnrt", p->s[p->pos + 1]) != NULL &&
		    p->s[p->pos + 1] != '\0') {
			jw_raw(w, (const char *)p->s + p->pos, 2);
			p->pos += 2;
		} else {
			p->pos++;
			jp_error(w, p, "in string escape code");
			return;
		}
		start = p->pos;
	}
}

static bool
jp_digit(const struct jp *p)
{
	return p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

/*
 * Whether the Rego engine can hold the number s[0..len): at most
 * ENVOY_NUM_MAX_LEN characters and a decimal exponent, once normalised to
 * d.ddd, within ENVOY_NUM_MAX_EXP10 (lib/rego/number.c).  OPA keeps any
 * number as text; a body with one beyond these is refused with a reason.
 */
static bool
number_fits(const unsigned char *s, size_t len)
{
	size_t i = 0, ndigits = 0, first = SIZE_MAX, point = SIZE_MAX;
	int64_t exp = 0, dp;
	bool neg = false;

	if (len > ENVOY_NUM_MAX_LEN)
		return false;
	for (; i < len && s[i] != 'e' && s[i] != 'E'; i++) {
		if (s[i] == '.') {
			point = ndigits;
			continue;
		}
		if (s[i] == '-')
			continue;
		if (s[i] != '0' && first == SIZE_MAX)
			first = ndigits;
		ndigits++;
	}
	if (first == SIZE_MAX)
		return true; /* zero */
	if (i < len) {
		i++;
		neg = s[i] == '-';
		if (s[i] == '-' || s[i] == '+')
			i++;
		for (; i < len; i++)
			if ((exp = exp * 10 + (s[i] - '0')) > 1000000)
				return false;
	}
	dp = (int64_t)(point == SIZE_MAX ? ndigits : point) - (int64_t)first - 1 +
	    (neg ? -exp : exp);
	return dp >= -ENVOY_NUM_MAX_EXP10 && dp <= ENVOY_NUM_MAX_EXP10;
}

/* A number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, copied as it is. */
static void
jp_number(struct jw *w, struct jp *p)
{
	size_t start = p->pos;

	if (p->s[p->pos] == '-')
		p->pos++;
	if (!jp_digit(p)) {
		jp_error(w, p, "in numeric literal");
		return;
	}
	if (p->s[p->pos++] != '0')
		while (jp_digit(p))
			p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (!jp_digit(p)) {
			jp_error(w, p, "after decimal point in numeric literal");
			return;
		}
		while (jp_digit(p))
			p->pos++;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (!jp_digit(p)) {
			jp_error(w, p, "in exponent of numeric literal");
			return;
		}
		while (jp_digit(p))
			p->pos++;
	}
	if (!number_fits(p->s + start, p->pos - start)) {
		jw_fail(w, WRIT_ELIMIT, "JSON body has a number beyond 1e%d or %d characters",
		    ENVOY_NUM_MAX_EXP10, ENVOY_NUM_MAX_LEN);
		return;
	}
	jw_raw(w, (const char *)p->s + start, p->pos - start);
}

static void
jp_literal(struct jw *w, struct jp *p, const char *lit)
{
	size_t i, n = strlen(lit);

	for (i = 0; i < n; i++, p->pos++) {
		if (p->pos >= p->len || p->s[p->pos] != (unsigned char)lit[i]) {
			jp_error(w, p, "in literal");
			return;
		}
	}
	jw_raw(w, lit, n);
}

/* An object or array at p->pos; close is '}' or ']'. */
static void
jp_composite(struct jw *w, struct jp *p, bool object)
{
	bool first = true;

	if (++p->depth > w->max_depth) {
		jw_fail(w, WRIT_ELIMIT, "JSON body nested deeper than %u levels", w->max_depth);
		return;
	}
	jw_raw(w, object ? "{" : "[", 1);
	p->pos++;
	jp_ws(p);
	if (p->pos < p->len && p->s[p->pos] == (object ? '}' : ']')) {
		p->pos++;
		jw_raw(w, object ? "}" : "]", 1);
		p->depth--;
		return;
	}
	while (w->rc == WRIT_OK) {
		if (!first)
			jw_raw(w, ",", 1);
		first = false;
		jp_ws(p);
		if (object) {
			if (p->pos >= p->len || p->s[p->pos] != '"') {
				jp_error(w, p, "looking for beginning of object key string");
				return;
			}
			jp_string(w, p);
			jp_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':') {
				jp_error(w, p, "after object key");
				return;
			}
			p->pos++;
			jw_raw(w, ":", 1);
		}
		jp_value(w, p);
		if (w->rc != WRIT_OK)
			return;
		jp_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == (object ? '}' : ']')) {
			p->pos++;
			jw_raw(w, object ? "}" : "]", 1);
			p->depth--;
			return;
		}
		jp_error(w, p, object ? "after object key:value pair" : "after array element");
	}
}

static void
jp_value(struct jw *w, struct jp *p)
{
	jp_ws(p);
	if (p->pos >= p->len) {
		jp_error(w, p, "");
		return;
	}
	switch (p->s[p->pos]) {
	case '{':
		jp_composite(w, p, true);
		break;
	case '[':
		jp_composite(w, p, false);
		break;
	case '"':
		jp_string(w, p);
		break;
	case 't':
		jp_literal(w, p, "true");
		break;
	case 'f':
		jp_literal(w, p, "false");
		break;
	case 'n':
		jp_literal(w, p, "null");
		break;
	default:
		if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9'))
			jp_number(w, p);
		else
			jp_error(w, p, "looking for beginning of value");
	}
}

void
jw_json(struct jw *w, const char *s, size_t len)
{
	struct jp p = {(const unsigned char *)s, len, 0, 0};

	jp_value(w, &p);
	jp_ws(&p);
	if (w->rc == WRIT_OK && p.pos < p.len)
		jp_error(w, &p, "after top-level value");
}
