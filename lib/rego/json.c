/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON straight into Rego values and back, with OPA's conventions, and the
 * Rego-syntax printer.
 *
 * The parser is a recursive descent bounded by a depth limit.  Elements of
 * the arrays and objects being parsed sit on one scratch stack, so each
 * composite costs one arena allocation of its exact size.  Strings must be
 * valid UTF-8 (no overlongs, no surrogates) and \u escapes must pair
 * surrogates; duplicate object keys keep the last value, as Go's
 * encoding/json does.
 *
 * The writer prints what OPA's server and json.marshal print (Go's
 * encoding/json): object keys sorted bytewise, sets as sorted arrays, a
 * non-string key replaced by its compact JSON text (when two keys print the
 * same, the later in OPA's order wins), numbers as their text, and strings
 * with Go's escapes: \" \\ \b \f \n \r \t, other controls and <, >, & as
 * \u00XX, U+2028 and U+2029 escaped, invalid UTF-8 as \ufffd.
 */
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "writ/crypto.h"
#include "rego/value.h"

#define KEY_CACHE 64
/* Scratch entries on the C stack before the first writ_malloc (most inputs need no more). */
#define STACK_SMALL 32

struct jparse {
	struct writ_arena *a;
	const char *s;
	size_t len, pos;
	unsigned depth, max_depth;
	struct rego_kv *stack; /* scratch: small, or writ_malloc'd once that is full */
	size_t n, cap;
	struct writ_buf sbuf; /* unescaped string being built */
	struct writ_err *err;
	/* Recent object keys, so that repeated keys share one value. */
	const struct rego_val *keys[KEY_CACHE];
	struct rego_kv small[STACK_SMALL];
};

static writ_rc parse_value(struct jparse *p, const struct rego_val **out);
static writ_rc write_value(
    struct writ_buf *b, const struct rego_val *v, const struct rego_json_fmt *fmt, unsigned depth);

/* ---------------------------------------------------------------------------
 * UTF-8.
 */

/* Decode the valid sequence of length n at s. */
static uint32_t
utf8_decode(const unsigned char *s, size_t n)
{
	if (n == 1)
		return s[0];
	if (n == 2)
		return ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
	if (n == 3)
		return ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) |
		    (s[2] & 0x3f);
	return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
	    ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
}

static writ_rc
utf8_append(struct writ_buf *b, uint32_t r)
{
	unsigned char u[4];
	size_t n;

	if (r < 0x80) {
		u[0] = (unsigned char)r;
		n = 1;
	} else if (r < 0x800) {
		u[0] = (unsigned char)(0xc0 | (r >> 6));
		u[1] = (unsigned char)(0x80 | (r & 0x3f));
		n = 2;
	} else if (r < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (r >> 12));
		u[1] = (unsigned char)(0x80 | ((r >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (r & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | (r >> 18));
		u[1] = (unsigned char)(0x80 | ((r >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((r >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (r & 0x3f));
		n = 4;
	}
	return writ_buf_append(b, u, n);
}

/* ---------------------------------------------------------------------------
 * Parser.
 */

static writ_rc
perr(struct jparse *p, const char *what)
{
	return WRIT_ERR(p->err, WRIT_EPARSE, "JSON: %s at offset %zu", what, p->pos);
}

static writ_rc
pmem(struct jparse *p, writ_rc rc)
{
	if (rc == WRIT_ENOMEM || rc == WRIT_ETOOBIG)
		return WRIT_ERR(p->err, WRIT_ENOMEM, "JSON: out of memory");
	return rc;
}

static void
skip_ws(struct jparse *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

/* Make room for k more entries on the scratch stack. */
static writ_rc
stack_reserve(struct jparse *p, size_t k)
{
	size_t need, ncap, size;
	struct rego_kv *s;

	if (__builtin_add_overflow(p->n, k, &need))
		return pmem(p, WRIT_ENOMEM);
	if (need <= p->cap)
		return WRIT_OK;
	ncap = p->cap ? p->cap : 64;
	while (ncap < need)
		if (__builtin_mul_overflow(ncap, 2, &ncap))
			return pmem(p, WRIT_ENOMEM);
	if (__builtin_mul_overflow(ncap, sizeof(*s), &size))
		return pmem(p, WRIT_ENOMEM);
	if (p->stack == p->small) {
		if ((s = writ_malloc(size)) == NULL)
			return pmem(p, WRIT_ENOMEM);
		memcpy(s, p->small, p->n * sizeof(*s));
	} else if ((s = writ_realloc(p->stack, size)) == NULL) {
		return pmem(p, WRIT_ENOMEM);
	}
	p->stack = s;
	p->cap = ncap;
	return WRIT_OK;
}

/* Four hex digits at p->pos (after "\u"); advances. */
static bool
hex4(struct jparse *p, uint32_t *out)
{
	unsigned char b[2];

	if (p->len - p->pos < 4 || writ_hex_decode(p->s + p->pos, 4, b) != WRIT_OK)
		return false;
	p->pos += 4;
	*out = (uint32_t)b[0] << 8 | b[1];
	return true;
}

/* A \u escape (p->pos after the 'u'), pairing surrogates. */
static writ_rc
parse_uescape(struct jparse *p)
{
	uint32_t r, lo;

	if (!hex4(p, &r))
		return perr(p, "invalid \\u escape");
	if (r >= 0xdc00 && r <= 0xdfff)
		return perr(p, "lone low surrogate in \\u escape");
	if (r >= 0xd800 && r <= 0xdbff) {
		if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
			return perr(p, "lone high surrogate in \\u escape");
		p->pos += 2;
		if (!hex4(p, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return perr(p, "lone high surrogate in \\u escape");
		r = 0x10000 + ((r - 0xd800) << 10) + (lo - 0xdc00);
	}
	return pmem(p, utf8_append(&p->sbuf, r));
}

static writ_rc
parse_escape(struct jparse *p)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	char c;

	if (p->pos >= p->len)
		return perr(p, "unterminated string");
	c = p->s[p->pos++];
	if (c == 'u')
		return parse_uescape(p);
	if (c == '\0' || (e = strchr(from, c)) == NULL) {
		p->pos--;
		return perr(p, "invalid escape in string");
	}
	return pmem(p, writ_buf_append(&p->sbuf, &to[e - from], 1));
}

/*
 * The string body from p->pos (after the quote) to the closing quote into
 * (*s, *len): borrowed from the input when there is no escape, else p->sbuf.
 */
static writ_rc
scan_string(struct jparse *p, const char **s, size_t *len)
{
	const unsigned char *u = (const unsigned char *)p->s;
	size_t start = p->pos, n;
	bool esc = false;
	writ_rc rc;

	writ_buf_reset(&p->sbuf);
	for (;;) {
		if (p->pos >= p->len)
			return perr(p, "unterminated string");
		if (u[p->pos] == '"')
			break;
		if (u[p->pos] < 0x20)
			return perr(p, "control character in string");
		if (u[p->pos] == '\\') {
			if (!esc &&
			    (rc = pmem(
			         p, writ_buf_append(&p->sbuf, p->s + start, p->pos - start))) !=
			        WRIT_OK)
				return rc;
			esc = true;
			p->pos++;
			if ((rc = parse_escape(p)) != WRIT_OK)
				return rc;
			continue;
		}
		if ((n = writ_utf8_len(u + p->pos, p->len - p->pos)) == 0)
			return perr(p, "invalid UTF-8 in string");
		if (esc && (rc = pmem(p, writ_buf_append(&p->sbuf, p->s + p->pos, n))) != WRIT_OK)
			return rc;
		p->pos += n;
	}
	*s = esc ? p->sbuf.ptr : p->s + start;
	*len = esc ? p->sbuf.len : p->pos - start;
	if (*s == NULL)
		*s = "";
	p->pos++;
	return WRIT_OK;
}

static writ_rc
parse_string(struct jparse *p, const struct rego_val **out)
{
	const char *s;
	size_t len;
	writ_rc rc;

	p->pos++;
	if ((rc = scan_string(p, &s, &len)) != WRIT_OK)
		return rc;
	return rego_string(p->a, s, len, out, p->err);
}

/* An object key, shared with an equal recent key when there is one. */
static writ_rc
parse_key(struct jparse *p, const struct rego_val **out)
{
	const struct rego_val *k;
	const char *s;
	size_t len, slot;
	writ_rc rc;

	p->pos++;
	if ((rc = scan_string(p, &s, &len)) != WRIT_OK)
		return rc;
	slot = (len * 31 + (len > 0 ? (unsigned char)s[0] * 7 + (unsigned char)s[len - 1] : 0)) %
	    KEY_CACHE;
	k = p->keys[slot];
	if (k != NULL && k->len == len && memcmp(k->u.s, s, len) == 0) {
		*out = k;
		return WRIT_OK;
	}
	if ((rc = rego_string(p->a, s, len, out, p->err)) == WRIT_OK)
		p->keys[slot] = *out;
	return rc;
}

static writ_rc
parse_number(struct jparse *p, const struct rego_val **out)
{
	size_t start = p->pos;
	writ_rc rc;

	while (p->pos < p->len && strchr("0123456789+-.eE", p->s[p->pos]) != NULL &&
	    p->s[p->pos] != '\0')
		p->pos++;
	rc = rego_number_parse(p->a, p->s + start, p->pos - start, out, p->err);
	if (rc == WRIT_EPARSE) {
		p->pos = start;
		return perr(p, "invalid number");
	}
	return rc;
}

static writ_rc
parse_literal(
    struct jparse *p, const char *word, const struct rego_val *v, const struct rego_val **out)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
		return perr(p, "invalid literal");
	p->pos += n;
	*out = v;
	return WRIT_OK;
}

static writ_rc
enter(struct jparse *p)
{
	if (++p->depth > p->max_depth)
		return WRIT_ERR(p->err, WRIT_ELIMIT, "JSON: nesting deeper than %u at offset %zu",
		    p->max_depth, p->pos);
	p->pos++;
	skip_ws(p);
	return WRIT_OK;
}

/* After an element: ',' continues (true), the closer ends (false). */
static writ_rc
next_elem(struct jparse *p, char closer, bool *more)
{
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == ',') {
		p->pos++;
		*more = true;
		return WRIT_OK;
	}
	if (p->pos < p->len && p->s[p->pos] == closer) {
		p->pos++;
		*more = false;
		return WRIT_OK;
	}
	return perr(p, closer == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
}

static writ_rc
parse_array(struct jparse *p, const struct rego_val **out)
{
	size_t base = p->n;
	const struct rego_val *v;
	bool more = true;
	writ_rc rc;

	if ((rc = enter(p)) != WRIT_OK)
		return rc;
	if (p->pos < p->len && p->s[p->pos] == ']') {
		p->pos++;
		more = false;
	}
	while (more) {
		if ((rc = parse_value(p, &v)) != WRIT_OK)
			return rc;
		if ((rc = stack_reserve(p, 1)) != WRIT_OK)
			return rc;
		p->stack[p->n].key = v;
		p->stack[p->n++].val = NULL;
		if ((rc = next_elem(p, ']', &more)) != WRIT_OK)
			return rc;
	}
	if (p->n == base) {
		*out = &rego_empty_array_val;
		rc = WRIT_OK;
	} else {
		rc = rego_kvs_array(p->a, p->stack + base, p->n - base, out, p->err);
	}
	p->n = base;
	p->depth--;
	return rc;
}

/* One "key": value member onto the stack. */
static writ_rc
parse_member(struct jparse *p)
{
	const struct rego_val *k, *v;
	writ_rc rc;

	skip_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return perr(p, "expected string key");
	if ((rc = parse_key(p, &k)) != WRIT_OK)
		return rc;
	skip_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != ':')
		return perr(p, "expected ':'");
	p->pos++;
	if ((rc = parse_value(p, &v)) != WRIT_OK)
		return rc;
	if ((rc = stack_reserve(p, 1)) != WRIT_OK)
		return rc;
	p->stack[p->n].key = k;
	p->stack[p->n++].val = v;
	return WRIT_OK;
}

static writ_rc
parse_object(struct jparse *p, const struct rego_val **out)
{
	size_t base = p->n, n;
	bool more = true;
	writ_rc rc;

	if ((rc = enter(p)) != WRIT_OK)
		return rc;
	if (p->pos < p->len && p->s[p->pos] == '}') {
		p->pos++;
		more = false;
	}
	while (more) {
		if ((rc = parse_member(p)) != WRIT_OK)
			return rc;
		if ((rc = next_elem(p, '}', &more)) != WRIT_OK)
			return rc;
	}
	n = p->n - base;
	p->depth--;
	if (n == 0) {
		*out = &rego_empty_object_val;
		return WRIT_OK;
	}
	/* Merge room for the sort, above the entries. */
	if ((rc = stack_reserve(p, n)) != WRIT_OK)
		return rc;
	rc = rego_kvs_finish(
	    p->a, REGO_OBJECT, p->stack + base, n, p->stack + base + n, false, out, p->err);
	p->n = base;
	return rc;
}

static writ_rc
parse_value(struct jparse *p, const struct rego_val **out)
{
	skip_ws(p);
	if (p->pos >= p->len)
		return perr(p, "unexpected end of input");
	switch (p->s[p->pos]) {
	case '{':
		return parse_object(p, out);
	case '[':
		return parse_array(p, out);
	case '"':
		return parse_string(p, out);
	case 't':
		return parse_literal(p, "true", &rego_true_val, out);
	case 'f':
		return parse_literal(p, "false", &rego_false_val, out);
	case 'n':
		return parse_literal(p, "null", &rego_null_val, out);
	default:
		if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9'))
			return parse_number(p, out);
		return perr(p, "unexpected character");
	}
}

writ_rc
rego_json_parse(struct writ_arena *a, const char *s, size_t len, const struct rego_json_limits *lim,
    const struct rego_val **out, struct writ_err *err)
{
	struct jparse p = {.a = a, .s = s, .len = len, .err = err};
	size_t max_bytes = lim != NULL && lim->max_bytes ? lim->max_bytes : REGO_JSON_MAX_BYTES;
	const struct rego_val *v;
	writ_rc rc;

	p.max_depth = lim != NULL && lim->max_depth ? lim->max_depth : REGO_JSON_MAX_DEPTH;
	if (len > max_bytes)
		return WRIT_ERR(
		    err, WRIT_ELIMIT, "JSON: document larger than %zu bytes", max_bytes);
	writ_buf_init(&p.sbuf, 0);
	p.stack = p.small;
	p.cap = STACK_SMALL;
	rc = parse_value(&p, &v);
	if (rc == WRIT_OK) {
		skip_ws(&p);
		if (p.pos != p.len)
			rc = perr(&p, "trailing data after JSON value");
	}
	writ_buf_free(&p.sbuf);
	if (p.stack != p.small)
		writ_free(p.stack);
	if (rc == WRIT_OK)
		*out = v;
	return rc;
}

/* ---------------------------------------------------------------------------
 * JSON writer.
 */

/* Bytes Go's encoder (with HTML escaping) writes as is. */
static bool
json_safe(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

static writ_rc
write_escape(struct writ_buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};

	switch (c) {
	case '"':
		return writ_buf_append(b, "\\\"", 2);
	case '\\':
		return writ_buf_append(b, "\\\\", 2);
	case '\b':
		return writ_buf_append(b, "\\b", 2);
	case '\f':
		return writ_buf_append(b, "\\f", 2);
	case '\n':
		return writ_buf_append(b, "\\n", 2);
	case '\r':
		return writ_buf_append(b, "\\r", 2);
	case '\t':
		return writ_buf_append(b, "\\t", 2);
	default:
		return writ_buf_append(b, u, sizeof(u));
	}
}

static writ_rc
write_string(struct writ_buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0, n;
	const char *rep;
	writ_rc rc = writ_buf_append(b, "\"", 1);

	while (rc == WRIT_OK && i < len) {
		if (u[i] < 0x80 && json_safe(u[i])) {
			i++;
			continue;
		}
		n = u[i] < 0x80 ? 1 : writ_utf8_len(u + i, len - i);
		rep = NULL;
		if (n == 0)
			rep = "\\ufffd";
		else if (n == 3 && u[i] == 0xe2 && u[i + 1] == 0x80 && (u[i + 2] & 0xfe) == 0xa8)
			rep = u[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
		else if (n > 1) {
			i += n;
			continue;
		}
		if ((rc = writ_buf_append(b, s + start, i - start)) != WRIT_OK)
			break;
		rc = rep != NULL ? writ_buf_appends(b, rep) : write_escape(b, u[i]);
		i += n == 0 ? 1 : n;
		start = i;
	}
	if (rc == WRIT_OK)
		rc = writ_buf_append(b, s + start, len - start);
	return rc == WRIT_OK ? writ_buf_append(b, "\"", 1) : rc;
}

/* Newline, prefix and depth indents, when indenting. */
static writ_rc
write_newline(struct writ_buf *b, const struct rego_json_fmt *fmt, unsigned depth)
{
	writ_rc rc;
	unsigned i;

	if (fmt == NULL)
		return WRIT_OK;
	if ((rc = writ_buf_append(b, "\n", 1)) != WRIT_OK)
		return rc;
	if (fmt->prefix != NULL && (rc = writ_buf_appends(b, fmt->prefix)) != WRIT_OK)
		return rc;
	for (i = 0; i < depth && fmt->indent != NULL; i++)
		if ((rc = writ_buf_appends(b, fmt->indent)) != WRIT_OK)
			return rc;
	return WRIT_OK;
}

static writ_rc
write_elems(
    struct writ_buf *b, const struct rego_val *v, const struct rego_json_fmt *fmt, unsigned depth)
{
	size_t i;
	writ_rc rc;

	if (v->len == 0)
		return writ_buf_append(b, "[]", 2);
	if ((rc = writ_buf_append(b, "[", 1)) != WRIT_OK)
		return rc;
	for (i = 0; i < v->len; i++) {
		if (i > 0 && (rc = writ_buf_append(b, ",", 1)) != WRIT_OK)
			return rc;
		if ((rc = write_newline(b, fmt, depth + 1)) != WRIT_OK ||
		    (rc = write_value(b, v->u.elems[i], fmt, depth + 1)) != WRIT_OK)
			return rc;
	}
	if ((rc = write_newline(b, fmt, depth)) != WRIT_OK)
		return rc;
	return writ_buf_append(b, "]", 1);
}

/* An object member with the key already as raw bytes. */
static writ_rc
write_member(struct writ_buf *b, const char *k, size_t klen, const struct rego_val *v,
    const struct rego_json_fmt *fmt, unsigned depth, bool first)
{
	writ_rc rc;

	if (!first && (rc = writ_buf_append(b, ",", 1)) != WRIT_OK)
		return rc;
	if ((rc = write_newline(b, fmt, depth + 1)) != WRIT_OK ||
	    (rc = write_string(b, k, klen)) != WRIT_OK ||
	    (rc = writ_buf_append(b, fmt != NULL ? ": " : ":", fmt != NULL ? 2 : 1)) != WRIT_OK)
		return rc;
	return write_value(b, v, fmt, depth + 1);
}

/* A key rendered as text for JSON output. */
struct skey {
	char *k;
	size_t klen;
	size_t idx;
	const struct rego_val *val;
};

static int
skey_cmp(const void *pa, const void *pb)
{
	const struct skey *a = pa, *b = pb;
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->k, b->k, n);

	if (c != 0)
		return c;
	if (a->klen != b->klen)
		return a->klen < b->klen ? -1 : 1;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Objects with a non-string key: stringify, sort bytewise, last wins. */
static writ_rc
write_object_mixed(
    struct writ_buf *b, const struct rego_val *v, const struct rego_json_fmt *fmt, unsigned depth)
{
	struct skey *ks = writ_calloc(v->len, sizeof(*ks));
	struct writ_buf kb;
	size_t i, nout = 0;
	writ_rc rc = ks == NULL ? WRIT_ENOMEM : WRIT_OK;

	for (i = 0; i < v->len && rc == WRIT_OK; i++) {
		const struct rego_val *k = v->u.kvs[i].key;

		ks[i].idx = i;
		ks[i].val = v->u.kvs[i].val;
		if (k->type == REGO_STRING) {
			ks[i].k = writ_malloc(k->len + 1);
			if (ks[i].k == NULL) {
				rc = WRIT_ENOMEM;
				break;
			}
			memcpy(ks[i].k, k->u.s, k->len);
			ks[i].klen = k->len;
			continue;
		}
		writ_buf_init(&kb, 0);
		if ((rc = write_value(&kb, k, NULL, 0)) == WRIT_OK)
			ks[i].k = writ_buf_steal(&kb, &ks[i].klen);
		writ_buf_free(&kb);
	}
	if (rc == WRIT_OK) {
		qsort(ks, v->len, sizeof(*ks), skey_cmp);
		rc = writ_buf_append(b, "{", 1);
	}
	for (i = 0; i < v->len && rc == WRIT_OK; i++) {
		if (i + 1 < v->len && ks[i].klen == ks[i + 1].klen &&
		    memcmp(ks[i].k, ks[i + 1].k, ks[i].klen) == 0)
			continue;
		rc = write_member(b, ks[i].k, ks[i].klen, ks[i].val, fmt, depth, nout++ == 0);
	}
	if (rc == WRIT_OK && (rc = write_newline(b, fmt, depth)) == WRIT_OK)
		rc = writ_buf_append(b, "}", 1);
	for (i = 0; ks != NULL && i < v->len; i++)
		writ_free(ks[i].k);
	writ_free(ks);
	return rc;
}

static writ_rc
write_object(
    struct writ_buf *b, const struct rego_val *v, const struct rego_json_fmt *fmt, unsigned depth)
{
	const struct rego_kv *kv = v->u.kvs;
	size_t i;
	writ_rc rc;

	if (v->len == 0)
		return writ_buf_append(b, "{}", 2);
	/* Keys sort by type first: all are strings if the first one is. */
	if (kv[0].key->type != REGO_STRING)
		return write_object_mixed(b, v, fmt, depth);
	for (i = 0; i < v->len; i++)
		if (kv[i].key->type != REGO_STRING)
			return write_object_mixed(b, v, fmt, depth);
	if ((rc = writ_buf_append(b, "{", 1)) != WRIT_OK)
		return rc;
	for (i = 0; i < v->len; i++)
		if ((rc = write_member(b, kv[i].key->u.s, kv[i].key->len, kv[i].val, fmt, depth,
		         i == 0)) != WRIT_OK)
			return rc;
	if ((rc = write_newline(b, fmt, depth)) != WRIT_OK)
		return rc;
	return writ_buf_append(b, "}", 1);
}

static writ_rc
write_value(
    struct writ_buf *b, const struct rego_val *v, const struct rego_json_fmt *fmt, unsigned depth)
{
	switch (v->type) {
	case REGO_NULL:
		return writ_buf_append(b, "null", 4);
	case REGO_BOOL:
		return v->u.b ? writ_buf_append(b, "true", 4) : writ_buf_append(b, "false", 5);
	case REGO_NUMBER:
		return rego_num_append(b, v);
	case REGO_STRING:
		return write_string(b, v->u.s, v->len);
	case REGO_ARRAY:
	case REGO_SET:
		return write_elems(b, v, fmt, depth);
	case REGO_OBJECT:
		return write_object(b, v, fmt, depth);
	}
	return WRIT_EINTERNAL;
}

writ_rc
rego_json_write(struct writ_buf *buf, const struct rego_val *v, const struct rego_json_fmt *fmt,
    struct writ_err *err)
{
	writ_rc rc = write_value(buf, v, fmt, 0);

	if (rc == WRIT_ETOOBIG)
		return WRIT_ERR(err, WRIT_ELIMIT, "JSON: output too large");
	if (rc != WRIT_OK)
		return WRIT_ERR(err, rc, "JSON: out of memory");
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Rego syntax (OPA's String()), strings quoted like Go's strconv.Quote.
 */

/*
 * Go's unicode.IsPrint for runes >= 0x80, approximated: the controls, format
 * characters, separators, private use and the common non-characters are not
 * printable; unassigned code points are taken as printable.
 */
static bool
rune_printable(uint32_t r)
{
	static const uint32_t np[][2] = {
	    {0x80, 0xa0},
	    {0xad, 0xad},
	    {0x600, 0x605},
	    {0x61c, 0x61c},
	    {0x6dd, 0x6dd},
	    {0x70f, 0x70f},
	    {0x1680, 0x1680},
	    {0x180e, 0x180e},
	    {0x2000, 0x200f},
	    {0x2028, 0x202f},
	    {0x205f, 0x2064},
	    {0x2066, 0x206f},
	    {0x3000, 0x3000},
	    {0xe000, 0xf8ff},
	    {0xfeff, 0xfeff},
	    {0xfff9, 0xfffb},
	    {0xfffe, 0xffff},
	    {0x110bd, 0x110bd},
	    {0x1bca0, 0x1bca3},
	    {0x1d173, 0x1d17a},
	    {0xe0001, 0xe0001},
	    {0xe0020, 0xe007f},
	    {0xf0000, 0x10ffff},
	};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(np); i++)
		if (r >= np[i][0] && r <= np[i][1])
			return false;
	return true;
}

static writ_rc
quote_rune(struct writ_buf *b, const unsigned char *u, size_t n)
{
	static const char esc[] = "\a\b\f\n\r\t\v", letter[] = "abfnrtv";
	uint32_t r;
	const char *e;

	if (n == 0)
		return writ_buf_appendf(b, "\\x%02x", u[0]);
	r = utf8_decode(u, n);
	if (r == '"' || r == '\\')
		return writ_buf_appendf(b, "\\%c", (char)r);
	if (r >= 0x20 && r < 0x7f)
		return writ_buf_append(b, u, 1);
	if (r != 0 && r < 0x20 && (e = strchr(esc, (int)r)) != NULL)
		return writ_buf_appendf(b, "\\%c", letter[e - esc]);
	if (r < 0x20 || r == 0x7f)
		return writ_buf_appendf(b, "\\x%02x", (unsigned)r);
	if (rune_printable(r))
		return writ_buf_append(b, u, n);
	if (r < 0x10000)
		return writ_buf_appendf(b, "\\u%04x", (unsigned)r);
	return writ_buf_appendf(b, "\\U%08x", (unsigned)r);
}

writ_rc
rego_quote(struct writ_buf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;
	writ_rc rc = writ_buf_append(b, "\"", 1);

	while (rc == WRIT_OK && i < len) {
		n = writ_utf8_len(u + i, len - i);
		rc = quote_rune(b, u + i, n);
		i += n == 0 ? 1 : n;
	}
	return rc == WRIT_OK ? writ_buf_append(b, "\"", 1) : rc;
}

static writ_rc print_value(struct writ_buf *b, const struct rego_val *v);

static writ_rc
print_composite(struct writ_buf *b, const struct rego_val *v)
{
	size_t i;
	writ_rc rc;

	if (v->type == REGO_SET && v->len == 0)
		return writ_buf_append(b, "set()", 5);
	rc = writ_buf_append(b, v->type == REGO_ARRAY ? "[" : "{", 1);
	for (i = 0; i < v->len && rc == WRIT_OK; i++) {
		if (i > 0 && (rc = writ_buf_append(b, ", ", 2)) != WRIT_OK)
			break;
		if (v->type != REGO_OBJECT) {
			rc = print_value(b, v->u.elems[i]);
			continue;
		}
		if ((rc = print_value(b, v->u.kvs[i].key)) == WRIT_OK &&
		    (rc = writ_buf_append(b, ": ", 2)) == WRIT_OK)
			rc = print_value(b, v->u.kvs[i].val);
	}
	if (rc != WRIT_OK)
		return rc;
	return writ_buf_append(b, v->type == REGO_ARRAY ? "]" : "}", 1);
}

static writ_rc
print_value(struct writ_buf *b, const struct rego_val *v)
{
	switch (v->type) {
	case REGO_STRING:
		return rego_quote(b, v->u.s, v->len);
	case REGO_ARRAY:
	case REGO_OBJECT:
	case REGO_SET:
		return print_composite(b, v);
	default:
		return write_value(b, v, NULL, 0);
	}
}

writ_rc
rego_print(struct writ_buf *buf, const struct rego_val *v, struct writ_err *err)
{
	writ_rc rc = print_value(buf, v);

	if (rc == WRIT_ETOOBIG)
		return WRIT_ERR(err, WRIT_ELIMIT, "rego: printed value too large");
	if (rc != WRIT_OK)
		return WRIT_ERR(err, rc, "rego: out of memory");
	return WRIT_OK;
}
