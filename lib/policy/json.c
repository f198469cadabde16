/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON as text.  The decision path never builds a document: it checks a
 * request body once, finds the "input" member's span and hands that text to
 * the Rego engine, then finds the value in the engine's result text and
 * copies it into the response.  The same scanner lets data.c edit the API's
 * data document in place, so numbers and strings keep the exact text they
 * were written with (jansson would round 0.1 and refuse big integers).
 *
 * pol_json_check validates RFC 8259 syntax (UTF-8 text) with a depth limit; everything
 * else here assumes text it has validated.
 */
#include <string.h>

#include "writ/base.h"

#include "policy/policy_int.h"

static writ_rc skip_value(const char *s, size_t len, size_t *i, unsigned depth);

size_t
pol_json_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* A string literal at s[*i] == '"': control characters, escapes and UTF-8 checked. */
static writ_rc
skip_string(const char *s, size_t len, size_t *i)
{
	size_t p = *i + 1, k;

	while (p < len) {
		unsigned char c = (unsigned char)s[p];

		if (c == '"') {
			*i = p + 1;
			return WRIT_OK;
		}
		if (c < 0x20)
			return WRIT_EPARSE;
		if (c >= 0x80) {
			if ((k = writ_utf8_len((const unsigned char *)s + p, len - p)) == 0)
				return WRIT_EPARSE;
			p += k;
			continue;
		}
		if (c != '\\') {
			p++;
			continue;
		}
		if (++p >= len)
			return WRIT_EPARSE;
		if (s[p] == 'u') {
			for (k = 1; k <= 4; k++)
				if (p + k >= len || writ_hex_digit((unsigned char)s[p + k]) < 0)
					return WRIT_EPARSE;
			p += 5;
		} else if (strchr("\"\\/bfnrt", s[p]) != NULL && s[p] != '\0') {
			p++;
		} else {
			return WRIT_EPARSE;
		}
	}
	return WRIT_EPARSE;
}

static size_t
digits(const char *s, size_t len, size_t p)
{
	while (p < len && s[p] >= '0' && s[p] <= '9')
		p++;
	return p;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static writ_rc
skip_number(const char *s, size_t len, size_t *i)
{
	size_t p = *i, q;

	if (p < len && s[p] == '-')
		p++;
	if (p < len && s[p] == '0')
		p++;
	else if (p < len && s[p] >= '1' && s[p] <= '9')
		p = digits(s, len, p);
	else
		return WRIT_EPARSE;
	if (p < len && s[p] == '.') {
		q = digits(s, len, p + 1);
		if (q == p + 1)
			return WRIT_EPARSE;
		p = q;
	}
	if (p < len && (s[p] == 'e' || s[p] == 'E')) {
		p++;
		if (p < len && (s[p] == '+' || s[p] == '-'))
			p++;
		q = digits(s, len, p);
		if (q == p)
			return WRIT_EPARSE;
		p = q;
	}
	*i = p;
	return WRIT_OK;
}

static writ_rc
skip_word(const char *s, size_t len, size_t *i, const char *w)
{
	size_t n = strlen(w);

	if (len - *i < n || memcmp(s + *i, w, n) != 0)
		return WRIT_EPARSE;
	*i += n;
	return WRIT_OK;
}

/* The members or elements of the container opened at s[*i]. */
static writ_rc
skip_container(const char *s, size_t len, size_t *i, unsigned depth)
{
	char close = s[*i] == '{' ? '}' : ']';
	size_t p = pol_json_ws(s, len, *i + 1);
	writ_rc rc;

	if (depth >= POL_JSON_MAX_DEPTH)
		return WRIT_ELIMIT;
	if (p < len && s[p] == close) {
		*i = p + 1;
		return WRIT_OK;
	}
	for (;;) {
		if (close == '}') {
			if (p >= len || s[p] != '"' || (rc = skip_string(s, len, &p)) != WRIT_OK)
				return WRIT_EPARSE;
			p = pol_json_ws(s, len, p);
			if (p >= len || s[p] != ':')
				return WRIT_EPARSE;
			p++;
		}
		if ((rc = skip_value(s, len, &p, depth + 1)) != WRIT_OK)
			return rc;
		p = pol_json_ws(s, len, p);
		if (p < len && s[p] == close) {
			*i = p + 1;
			return WRIT_OK;
		}
		if (p >= len || s[p] != ',')
			return WRIT_EPARSE;
		p = pol_json_ws(s, len, p + 1);
	}
}

/* Skip the whitespace and then the value at s[*i]. */
static writ_rc
skip_value(const char *s, size_t len, size_t *i, unsigned depth)
{
	*i = pol_json_ws(s, len, *i);
	if (*i >= len)
		return WRIT_EPARSE;
	switch (s[*i]) {
	case '{':
	case '[':
		return skip_container(s, len, i, depth);
	case '"':
		return skip_string(s, len, i);
	case 't':
		return skip_word(s, len, i, "true");
	case 'f':
		return skip_word(s, len, i, "false");
	case 'n':
		return skip_word(s, len, i, "null");
	default:
		return skip_number(s, len, i);
	}
}

writ_rc
pol_json_check(const char *s, size_t len, struct pol_span *value)
{
	size_t i = 0, start;
	writ_rc rc;

	start = pol_json_ws(s, len, 0);
	i = start;
	if ((rc = skip_value(s, len, &i, 0)) != WRIT_OK)
		return rc;
	if (pol_json_ws(s, len, i) != len)
		return WRIT_EPARSE;
	if (value != NULL) {
		value->off = start;
		value->len = i - start;
	}
	return WRIT_OK;
}

size_t
pol_json_end(const char *s, size_t len, size_t i)
{
	writ_rc rc = skip_value(s, len, &i, 0);

	(void)WRIT_ALWAYS(rc == WRIT_OK);
	return i;
}

/* ---------------------------------------------------------------------------
 * Iterating over checked text.
 */

void
pol_json_it_init(struct pol_json_it *it, const char *s, size_t len, size_t open)
{
	it->s = s;
	it->len = len;
	it->pos = open + 1;
	it->first = true;
}

/*
 * The next member of an object (key and value) or element of an array (key
 * left zero) opened at the position given to pol_json_it_init.
 */
bool
pol_json_it_next(struct pol_json_it *it, struct pol_span *key, struct pol_span *val)
{
	const char *s = it->s;
	size_t p = pol_json_ws(s, it->len, it->pos);

	if (p >= it->len || s[p] == '}' || s[p] == ']')
		return false;
	if (!it->first)
		p = pol_json_ws(s, it->len, p + 1); /* the comma */
	it->first = false;
	if (key != NULL)
		memset(key, 0, sizeof(*key));
	if (s[p] == '"' && key != NULL) {
		size_t e = pol_json_end(s, it->len, p);
		size_t colon = pol_json_ws(s, it->len, e);

		if (colon < it->len && s[colon] == ':') {
			key->off = p;
			key->len = e - p;
			p = pol_json_ws(s, it->len, colon + 1);
		}
	}
	val->off = p;
	it->pos = pol_json_end(s, it->len, p);
	val->len = it->pos - p;
	return true;
}

/* Whether the string literal key equals name[namelen] once unescaped. */
bool
pol_json_key_eq(const char *s, struct pol_span key, const char *name, size_t namelen)
{
	struct writ_buf b;
	bool eq;

	if (key.len < 2)
		return false;
	if (memchr(s + key.off, '\\', key.len) == NULL)
		return key.len - 2 == namelen && memcmp(s + key.off + 1, name, namelen) == 0;
	writ_buf_init(&b, 0);
	eq = pol_json_unquote(s, key, &b) == WRIT_OK && b.len == namelen &&
	    memcmp(b.ptr, name, namelen) == 0;
	writ_buf_free(&b);
	return eq;
}

/* The value of member name in the object at s[obj] (the last one if repeated). */
bool
pol_json_member(
    const char *s, size_t len, size_t obj, const char *name, size_t namelen, struct pol_span *val)
{
	struct pol_json_it it;
	struct pol_span k, v;
	bool found = false;

	if (obj >= len || s[obj] != '{')
		return false;
	pol_json_it_init(&it, s, len, obj);
	while (pol_json_it_next(&it, &k, &v)) {
		if (pol_json_key_eq(s, k, name, namelen)) {
			*val = v;
			found = true;
		}
	}
	return found;
}

static writ_rc
put_utf8(struct writ_buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return writ_buf_append(b, u, n);
}

static uint32_t
hex4(const char *p)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v = v << 4 | (uint32_t)writ_hex_digit((unsigned char)p[i]);
	return v;
}

/* An escape after the backslash at s[*p]: appended to b, *p moved past it. */
static writ_rc
unescape(const char *s, size_t end, size_t *p, struct writ_buf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *f = strchr(from, s[*p + 1]);
	uint32_t cp, lo;

	if (s[*p + 1] != 'u') {
		*p += 2;
		return writ_buf_append(b, &to[f - from], 1);
	}
	cp = hex4(s + *p + 2);
	*p += 6;
	if (cp >= 0xd800 && cp < 0xdc00 && *p + 6 <= end && s[*p] == '\\' && s[*p + 1] == 'u' &&
	    (lo = hex4(s + *p + 2)) >= 0xdc00 && lo < 0xe000) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		*p += 6;
	} else if (cp >= 0xd800 && cp < 0xe000) {
		cp = 0xfffd;
	}
	return put_utf8(b, cp);
}

/* Append the unescaped contents of the checked string literal str to b. */
writ_rc
pol_json_unquote(const char *s, struct pol_span str, struct writ_buf *b)
{
	size_t p = str.off + 1, end = str.off + str.len - 1, run;
	writ_rc rc = WRIT_OK;

	if (str.len < 2 || s[str.off] != '"')
		return WRIT_EINVAL;
	while (p < end && rc == WRIT_OK) {
		run = p;
		while (run < end && s[run] != '\\')
			run++;
		if (run > p && (rc = writ_buf_append(b, s + p, run - p)) != WRIT_OK)
			break;
		p = run;
		if (p < end)
			rc = unescape(s, end, &p, b);
	}
	if (rc == WRIT_OK && b->ptr == NULL)
		rc = writ_buf_append(b, "", 0);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Indenting, as Go's json.MarshalIndent(v, "", "  ") writes (OPA's ?pretty).
 */

static writ_rc
newline(struct writ_buf *b, unsigned depth)
{
	writ_rc rc = writ_buf_append(b, "\n", 1);
	unsigned i;

	for (i = 0; i < depth && rc == WRIT_OK; i++)
		rc = writ_buf_append(b, "  ", 2);
	return rc;
}

writ_rc
pol_json_indent(const char *s, size_t len, struct writ_buf *b)
{
	size_t i = 0, e;
	unsigned depth = 0;
	writ_rc rc = WRIT_OK;

	while (i < len && rc == WRIT_OK) {
		char c = s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
		} else if (c == '"') {
			e = pol_json_end(s, len, i);
			rc = writ_buf_append(b, s + i, e - i);
			i = e;
		} else if (c == '{' || c == '[') {
			e = pol_json_ws(s, len, i + 1);
			if (e < len && (s[e] == '}' || s[e] == ']')) {
				rc = writ_buf_append(b, c == '{' ? "{}" : "[]", 2);
				i = e + 1;
				continue;
			}
			if ((rc = writ_buf_append(b, &c, 1)) == WRIT_OK)
				rc = newline(b, ++depth);
			i++;
		} else if (c == '}' || c == ']') {
			if ((rc = newline(b, depth > 0 ? --depth : 0)) == WRIT_OK)
				rc = writ_buf_append(b, &c, 1);
			i++;
		} else if (c == ',') {
			if ((rc = writ_buf_append(b, ",", 1)) == WRIT_OK)
				rc = newline(b, depth);
			i++;
		} else if (c == ':') {
			rc = writ_buf_append(b, ": ", 2);
			i++;
		} else {
			rc = writ_buf_append(b, &c, 1);
			i++;
		}
	}
	return rc;
}
