/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HCL subset of Vault's server configuration and ACL policies: a
 * hand-written lexer (one token of lookahead) and a recursive-descent parser
 * that builds a jansson object, after OpenBSD's parse.y habit of keeping the
 * grammar small enough to read at once.  JSON documents go to jansson instead
 * and get the same depth, size and reserved-key checks.  Everything attacker
 * supplied is bounded: input size, nesting depth (which also bounds the C
 * stack), string length, number of block labels.  Line numbers are kept in
 * "__line" (blocks) and "__line_<key>" (assignments) so that the modules
 * reading the document can name the line of a semantic error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "writ/base.h"
#include "writ/hcl.h"

#define MAX_LABELS  16
#define MAX_NUMBER  64 /* characters in a number literal */
#define LINE_PREFIX "__line_"

enum tk {
	TK_EOF,
	TK_IDENT,
	TK_STRING,
	TK_HEREDOC,
	TK_NUMBER,
	TK_LBRACE,
	TK_RBRACE,
	TK_LBRACK,
	TK_RBRACK,
	TK_EQUAL,
	TK_COMMA,
};

/* A token: s/len is the raw text (string contents without quotes, heredoc body). */
struct tok {
	enum tk type;
	const char *s;
	size_t len;
	int line;
	bool indent; /* heredoc written <<-MARKER */
};

struct hcl {
	const char *p, *end;
	int line;
	int depth;
	struct tok cur;
	struct writ_buf sb; /* scratch: the last decoded string, NUL-terminated */
	struct writ_err *err;
};

static writ_rc perr(struct hcl *h, int line, writ_rc code, const char *fmt, ...)
    WRIT_PRINTF(4, 5);
static writ_rc skip_space(struct hcl *h);
static writ_rc lex(struct hcl *h);
static writ_rc lex_string(struct hcl *h, struct tok *t);
static writ_rc lex_heredoc(struct hcl *h, struct tok *t);
static writ_rc lex_number(struct hcl *h, struct tok *t);
static writ_rc decode_string(struct hcl *h, const struct tok *t);
static writ_rc decode_escape(struct hcl *h, const char **pp, const char *end, int line);
static writ_rc decode_heredoc(struct hcl *h, const struct tok *t);
static writ_rc parse_body(struct hcl *h, json_t *obj, enum tk endtype);
static writ_rc parse_item(struct hcl *h, json_t *obj);
static writ_rc parse_value(struct hcl *h, json_t **out);
static writ_rc parse_list(struct hcl *h, json_t **out);
static writ_rc parse_number(struct hcl *h, json_t **out);
static writ_rc check_json(json_t *v, int depth, struct writ_err *err);

static bool
is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident_char(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Fill err with "line N: message" and return code. */
static writ_rc
perr(struct hcl *h, int line, writ_rc code, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return WRIT_ERR(h->err, code, "line %d: %s", line, msg);
}

/* Copy len bytes of s into buf as printable text for an error message. */
static const char *
printable(char *buf, size_t buflen, const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 4 < buflen; i++)
		buf[n++] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
	if (i < len && n + 4 < buflen) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/* ---------------------------------------------------------------------------
 * UTF-8.
 */

static size_t
utf8_encode(char out[4], uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* True if s[len] is well-formed UTF-8 without NUL (no overlongs, no surrogates). */
static bool
utf8_valid(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (u[i] == 0 || (n = writ_utf8_len(u + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

/* ---------------------------------------------------------------------------
 * Lexer.
 */

/* Skip blanks, newlines and the three comment forms. */
static writ_rc
skip_space(struct hcl *h)
{
	while (h->p < h->end) {
		char c = *h->p;

		if (c == '\n') {
			h->line++;
			h->p++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			h->p++;
		} else if (c == '#' || (c == '/' && h->end - h->p > 1 && h->p[1] == '/')) {
			while (h->p < h->end && *h->p != '\n')
				h->p++;
		} else if (c == '/' && h->end - h->p > 1 && h->p[1] == '*') {
			int start = h->line;

			h->p += 2;
			while (h->end - h->p > 1 && !(h->p[0] == '*' && h->p[1] == '/')) {
				if (*h->p++ == '\n')
					h->line++;
			}
			if (h->end - h->p < 2)
				return perr(h, start, WRIT_EPARSE, "unterminated comment");
			h->p += 2;
		} else {
			break;
		}
	}
	return WRIT_OK;
}

/* Read the next token into h->cur. */
static writ_rc
lex(struct hcl *h)
{
	struct tok *t = &h->cur;
	static const char single[] = "{}[]=,";
	static const enum tk single_tk[] = {TK_LBRACE, TK_RBRACE, TK_LBRACK, TK_RBRACK, TK_EQUAL,
	    TK_COMMA};
	const char *q;
	writ_rc rc;
	char c;

	if ((rc = skip_space(h)) != WRIT_OK)
		return rc;
	memset(t, 0, sizeof(*t));
	t->line = h->line;
	t->s = h->p;
	if (h->p == h->end) {
		t->type = TK_EOF;
		return WRIT_OK;
	}
	c = *h->p;
	if (c != '\0' && (q = strchr(single, c)) != NULL) {
		t->type = single_tk[q - single];
		t->len = 1;
		h->p++;
		return WRIT_OK;
	}
	if (c == '"')
		return lex_string(h, t);
	if (c == '<' && h->end - h->p > 1 && h->p[1] == '<')
		return lex_heredoc(h, t);
	if (c == '-' || (c >= '0' && c <= '9'))
		return lex_number(h, t);
	if (is_ident_start(c)) {
		while (h->p < h->end && is_ident_char(*h->p))
			h->p++;
		t->type = TK_IDENT;
		t->len = (size_t)(h->p - t->s);
		return WRIT_OK;
	}
	if (c >= 0x21 && c < 0x7f)
		return perr(h, h->line, WRIT_EPARSE, "unexpected character '%c'", c);
	return perr(h, h->line, WRIT_EPARSE, "unexpected byte 0x%02x", (unsigned char)c);
}

/* A quoted string on one line; escapes are decoded later by decode_string. */
static writ_rc
lex_string(struct hcl *h, struct tok *t)
{
	h->p++;
	t->s = h->p;
	for (;;) {
		if (h->p == h->end || *h->p == '\n')
			return perr(h, t->line, WRIT_EPARSE, "unterminated string");
		if (*h->p == '"')
			break;
		if (*h->p == '\\') {
			if (h->end - h->p < 2)
				return perr(h, t->line, WRIT_EPARSE, "unterminated string");
			h->p++;
			if (*h->p == '\n')
				return perr(h, t->line, WRIT_EPARSE, "unterminated string");
		}
		h->p++;
	}
	t->type = TK_STRING;
	t->len = (size_t)(h->p - t->s);
	h->p++;
	return WRIT_OK;
}

/*
 * <<MARKER or <<-MARKER, a newline, the body, and a line holding only the
 * marker (blanks before it allowed).  The body keeps its final newline.
 */
static writ_rc
lex_heredoc(struct hcl *h, struct tok *t)
{
	const char *m, *q;
	size_t mlen;

	h->p += 2;
	t->indent = h->p < h->end && *h->p == '-';
	if (t->indent)
		h->p++;
	m = h->p;
	while (h->p < h->end && is_ident_char(*h->p))
		h->p++;
	mlen = (size_t)(h->p - m);
	if (mlen == 0 || !is_ident_start(*m))
		return perr(h, t->line, WRIT_EPARSE, "heredoc needs a marker after <<");
	if (h->p < h->end && *h->p == '\r')
		h->p++;
	if (h->p == h->end || *h->p != '\n')
		return perr(h, t->line, WRIT_EPARSE, "heredoc marker must end the line");
	h->p++;
	h->line++;
	t->s = h->p;
	while (h->p < h->end) {
		const char *eol = memchr(h->p, '\n', (size_t)(h->end - h->p));
		const char *le = eol != NULL ? eol : h->end;

		q = h->p;
		while (q < le && (*q == ' ' || *q == '\t'))
			q++;
		if (le > q && le[-1] == '\r')
			le--;
		if ((size_t)(le - q) == mlen && memcmp(q, m, mlen) == 0) {
			t->type = TK_HEREDOC;
			t->len = (size_t)(h->p - t->s);
			h->p = eol != NULL ? eol : h->end;
			return WRIT_OK;
		}
		if (eol == NULL)
			break;
		h->p = eol + 1;
		h->line++;
	}
	return perr(h, t->line, WRIT_EPARSE, "unterminated heredoc (missing %.*s)",
	    (int)(mlen > 32 ? 32 : mlen), m);
}

static const char *
skip_digits(const char *p, const char *end)
{
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

/* -?digits(.digits)?([eE][+-]?digits)? not followed by an identifier character. */
static writ_rc
lex_number(struct hcl *h, struct tok *t)
{
	const char *p = h->p, *d;

	if (*p == '-')
		p++;
	d = p;
	p = skip_digits(p, h->end);
	if (p == d)
		return perr(h, t->line, WRIT_EPARSE, "unexpected character '-'");
	if (p < h->end && *p == '.' && h->end - p > 1 && p[1] >= '0' && p[1] <= '9')
		p = skip_digits(p + 1, h->end);
	if (p < h->end && (*p == 'e' || *p == 'E')) {
		const char *e = p + 1;

		if (e < h->end && (*e == '+' || *e == '-'))
			e++;
		d = e;
		e = skip_digits(e, h->end);
		if (e == d)
			return perr(h, t->line, WRIT_EPARSE, "invalid number");
		p = e;
	}
	if (p < h->end && (is_ident_char(*p) || *p == '.'))
		return perr(h, t->line, WRIT_EPARSE, "invalid number");
	t->type = TK_NUMBER;
	t->len = (size_t)(p - h->p);
	h->p = p;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * String decoding into h->sb.
 */

static writ_rc
sb_append(struct hcl *h, const char *s, size_t len, int line)
{
	writ_rc rc = writ_buf_append(&h->sb, s, len);

	if (rc == WRIT_ETOOBIG)
		return perr(h, line, WRIT_ELIMIT, "string longer than %u bytes", WRIT_HCL_MAX_STR);
	if (rc != WRIT_OK)
		return perr(h, line, rc, "out of memory");
	return WRIT_OK;
}

static bool
read_hex(const char *p, const char *end, size_t n, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if ((size_t)(end - p) < n)
		return false;
	for (i = 0; i < n; i++) {
		char c = p[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return false;
		v = (v << 4) | d;
	}
	*out = v;
	return true;
}

/* \uXXXX (with a following \uXXXX for a surrogate pair) or \UXXXXXXXX at *pp. */
static writ_rc
decode_unicode(struct hcl *h, const char **pp, const char *end, int line)
{
	const char *p = *pp;
	uint32_t cp, lo;
	size_t n = p[-1] == 'U' ? 8 : 4;
	char enc[4];

	if (!read_hex(p, end, n, &cp))
		return perr(h, line, WRIT_EPARSE, "invalid \\%c escape", p[-1]);
	p += n;
	if (n == 4 && cp >= 0xd800 && cp <= 0xdbff) {
		if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !read_hex(p + 2, end, 4, &lo) ||
		    lo < 0xdc00 || lo > 0xdfff)
			return perr(h, line, WRIT_EPARSE, "unpaired surrogate in \\u escape");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		p += 6;
	}
	if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return perr(h, line, WRIT_EPARSE, "invalid code point U+%04X", (unsigned)cp);
	*pp = p;
	return sb_append(h, enc, utf8_encode(enc, cp), line);
}

/* One escape sequence; *pp points after the backslash. */
static writ_rc
decode_escape(struct hcl *h, const char **pp, const char *end, int line)
{
	static const char from[] = "\"\\/nrtbf";
	static const char to[] = "\"\\/\n\r\t\b\f";
	const char *q;
	char c = **pp;

	(*pp)++;
	if (c == 'u' || c == 'U')
		return decode_unicode(h, pp, end, line);
	if (c == '\0' || (q = strchr(from, c)) == NULL) {
		if (c >= 0x21 && c < 0x7f)
			return perr(h, line, WRIT_EPARSE, "invalid escape \\%c", c);
		return perr(h, line, WRIT_EPARSE, "invalid escape");
	}
	return sb_append(h, &to[q - from], 1, line);
}

/* Decode a TK_STRING or TK_HEREDOC token into h->sb (valid UTF-8, no NUL). */
static writ_rc
decode_string(struct hcl *h, const struct tok *t)
{
	const char *p = t->s, *end = t->s + t->len, *run;
	writ_rc rc = WRIT_OK;

	writ_buf_reset(&h->sb);
	if (t->type == TK_HEREDOC) {
		rc = decode_heredoc(h, t);
	} else {
		while (p < end && rc == WRIT_OK) {
			run = p;
			while (p < end && *p != '\\')
				p++;
			if (p > run)
				rc = sb_append(h, run, (size_t)(p - run), t->line);
			if (rc == WRIT_OK && p < end) {
				p++;
				rc = decode_escape(h, &p, end, t->line);
			}
		}
	}
	if (rc == WRIT_OK && h->sb.ptr == NULL)
		rc = sb_append(h, "", 0, t->line);
	if (rc == WRIT_OK && !utf8_valid(h->sb.ptr, h->sb.len))
		rc = perr(h, t->line, WRIT_EPARSE, "string is not valid UTF-8");
	return rc;
}

/* Number of leading blanks of a line, or SIZE_MAX for an all-blank line. */
static size_t
line_indent(const char *p, const char *le)
{
	const char *q = p;

	while (q < le && (*q == ' ' || *q == '\t'))
		q++;
	if (q == le || (q + 1 == le && *q == '\r'))
		return SIZE_MAX;
	return (size_t)(q - p);
}

/* The body as is, or for <<- without the indentation common to its lines. */
static writ_rc
decode_heredoc(struct hcl *h, const struct tok *t)
{
	const char *p, *end = t->s + t->len, *eol;
	size_t strip = SIZE_MAX, ind;
	writ_rc rc = WRIT_OK;

	if (!t->indent)
		return sb_append(h, t->s, t->len, t->line);
	for (p = t->s; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol != NULL ? eol : end;
		if ((ind = line_indent(p, eol)) < strip)
			strip = ind;
	}
	for (p = t->s; p < end && rc == WRIT_OK; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol != NULL ? eol : end;
		ind = line_indent(p, eol);
		ind = ind < strip ? ind : strip;
		if (ind == SIZE_MAX || ind > (size_t)(eol - p))
			ind = (size_t)(eol - p);
		rc = sb_append(h, p + ind, (size_t)(eol - p) - ind + (eol < end), t->line);
	}
	return rc;
}

/* ---------------------------------------------------------------------------
 * Parser.
 */

static writ_rc
oom(struct hcl *h, int line)
{
	return perr(h, line, WRIT_ENOMEM, "out of memory");
}

/* Descend one level of { or [; fails past WRIT_HCL_MAX_DEPTH. */
static writ_rc
enter(struct hcl *h)
{
	if (++h->depth > WRIT_HCL_MAX_DEPTH)
		return perr(h, h->cur.line, WRIT_ELIMIT, "nesting deeper than %d",
		    WRIT_HCL_MAX_DEPTH);
	return WRIT_OK;
}

static const char *
tok_name(enum tk type)
{
	static const char *const names[] = {"end of input", "identifier", "string", "heredoc",
	    "number", "'{'", "'}'", "'['", "']'", "'='", "','"};

	return names[type];
}

/* Items up to endtype (TK_EOF or TK_RBRACE, left as the current token). */
static writ_rc
parse_body(struct hcl *h, json_t *obj, enum tk endtype)
{
	writ_rc rc = WRIT_OK;

	while (rc == WRIT_OK && h->cur.type != endtype) {
		if (h->cur.type == TK_COMMA)
			rc = lex(h);
		else if (h->cur.type == TK_EOF)
			rc = perr(h, h->cur.line, WRIT_EPARSE, "missing '}'");
		else
			rc = parse_item(h, obj);
	}
	return rc;
}

/* The key of an item (identifier or string) as a new NUL-terminated copy. */
static writ_rc
parse_key(struct hcl *h, char **out)
{
	char tmp[64];
	writ_rc rc;
	char *key;

	if (h->cur.type == TK_IDENT) {
		writ_buf_reset(&h->sb);
		rc = sb_append(h, h->cur.s, h->cur.len, h->cur.line);
	} else if (h->cur.type == TK_STRING) {
		rc = decode_string(h, &h->cur);
	} else {
		return perr(h, h->cur.line, WRIT_EPARSE, "expected a key, found %s",
		    tok_name(h->cur.type));
	}
	if (rc != WRIT_OK)
		return rc;
	if (h->sb.len >= 2 && h->sb.ptr[0] == '_' && h->sb.ptr[1] == '_')
		return perr(h, h->cur.line, WRIT_EPARSE, "reserved key \"%s\"",
		    printable(tmp, sizeof(tmp), h->sb.ptr, h->sb.len));
	if ((key = writ_malloc(h->sb.len + 1)) == NULL)
		return oom(h, h->cur.line);
	memcpy(key, h->sb.ptr, h->sb.len + 1);
	*out = key;
	return WRIT_OK;
}

/* obj[key] = v (stolen) and obj["__line_<key>"] = line; duplicates are errors. */
static writ_rc
set_attr(struct hcl *h, json_t *obj, const char *key, json_t *v, int line)
{
	char tmp[64];
	struct writ_buf lk;
	writ_rc rc;

	writ_buf_init(&lk, 0);
	if (json_object_get(obj, key) != NULL) {
		json_decref(v);
		rc = perr(h, line, WRIT_EPARSE, "duplicate key \"%s\"",
		    printable(tmp, sizeof(tmp), key, strlen(key)));
		goto out;
	}
	if (json_object_set_new(obj, key, v) != 0) {
		rc = oom(h, line);
		goto out;
	}
	if ((rc = writ_buf_appends(&lk, LINE_PREFIX)) != WRIT_OK ||
	    (rc = writ_buf_appends(&lk, key)) != WRIT_OK ||
	    json_object_set_new(obj, lk.ptr, json_integer(line)) != 0) {
		rc = oom(h, line);
		goto out;
	}
out:
	writ_buf_free(&lk);
	return rc;
}

/* Append blk (stolen) to the array obj[key], creating it. */
static writ_rc
add_block(struct hcl *h, json_t *obj, const char *key, json_t *blk, int line)
{
	char tmp[64];
	json_t *arr = json_object_get(obj, key);

	/* An existing array of blocks has "__labels" in its first element. */
	if (arr != NULL && json_object_get(json_array_get(arr, 0), "__labels") == NULL) {
		json_decref(blk);
		return perr(h, line, WRIT_EPARSE, "duplicate key \"%s\"",
		    printable(tmp, sizeof(tmp), key, strlen(key)));
	}
	if (arr == NULL) {
		if ((arr = json_array()) == NULL || json_object_set_new(obj, key, arr) != 0) {
			json_decref(blk);
			return oom(h, line);
		}
	}
	if (json_array_append_new(arr, blk) != 0)
		return oom(h, line);
	return WRIT_OK;
}

/* Labels (strings or identifiers) of a block, up to its '{'. */
static writ_rc
parse_labels(struct hcl *h, json_t *labels)
{
	writ_rc rc = WRIT_OK;

	while (h->cur.type == TK_STRING || h->cur.type == TK_IDENT) {
		if (json_array_size(labels) >= MAX_LABELS)
			return perr(h, h->cur.line, WRIT_ELIMIT, "more than %d block labels",
			    MAX_LABELS);
		if (h->cur.type == TK_STRING)
			rc = decode_string(h, &h->cur);
		else {
			writ_buf_reset(&h->sb);
			rc = sb_append(h, h->cur.s, h->cur.len, h->cur.line);
		}
		if (rc != WRIT_OK)
			return rc;
		if (json_array_append_new(labels, json_stringn_nocheck(h->sb.ptr, h->sb.len)))
			return oom(h, h->cur.line);
		if ((rc = lex(h)) != WRIT_OK)
			return rc;
	}
	return WRIT_OK;
}

/* key "label"... { body } after the key; the block is appended to obj[key]. */
static writ_rc
parse_block(struct hcl *h, json_t *obj, const char *key, int line)
{
	json_t *blk = json_object(), *labels = json_array();
	writ_rc rc;

	if (blk == NULL || labels == NULL || json_object_set(blk, "__labels", labels) != 0 ||
	    json_object_set_new(blk, "__line", json_integer(line)) != 0) {
		rc = oom(h, line);
		goto out;
	}
	if ((rc = parse_labels(h, labels)) != WRIT_OK)
		goto out;
	if (h->cur.type != TK_LBRACE) {
		rc = perr(h, h->cur.line, WRIT_EPARSE, "expected '=' or '{' after \"%s\", found %s",
		    key, tok_name(h->cur.type));
		goto out;
	}
	if ((rc = enter(h)) != WRIT_OK || (rc = lex(h)) != WRIT_OK ||
	    (rc = parse_body(h, blk, TK_RBRACE)) != WRIT_OK || (rc = lex(h)) != WRIT_OK)
		goto out;
	h->depth--;
	rc = add_block(h, obj, key, blk, line);
	blk = NULL;
out:
	json_decref(labels);
	json_decref(blk);
	return rc;
}

/* key = value | key labels { body } */
static writ_rc
parse_item(struct hcl *h, json_t *obj)
{
	int line = h->cur.line;
	char *key = NULL;
	json_t *v = NULL;
	writ_rc rc;

	if ((rc = parse_key(h, &key)) != WRIT_OK || (rc = lex(h)) != WRIT_OK)
		goto out;
	if (h->cur.type == TK_EQUAL) {
		if ((rc = lex(h)) != WRIT_OK || (rc = parse_value(h, &v)) != WRIT_OK)
			goto out;
		rc = set_attr(h, obj, key, v, line);
	} else {
		rc = parse_block(h, obj, key, line);
	}
out:
	writ_free(key);
	return rc;
}

/* A value; on success the token after it is current. */
static writ_rc
parse_value(struct hcl *h, json_t **out)
{
	struct tok t = h->cur;
	json_t *v = NULL;
	writ_rc rc = WRIT_OK;

	switch (t.type) {
	case TK_STRING:
	case TK_HEREDOC:
		if ((rc = decode_string(h, &t)) == WRIT_OK &&
		    (v = json_stringn_nocheck(h->sb.ptr, h->sb.len)) == NULL)
			rc = oom(h, t.line);
		break;
	case TK_NUMBER:
		rc = parse_number(h, &v);
		break;
	case TK_IDENT:
		if (t.len == 4 && memcmp(t.s, "true", 4) == 0)
			v = json_true();
		else if (t.len == 5 && memcmp(t.s, "false", 5) == 0)
			v = json_false();
		else
			rc = perr(h, t.line, WRIT_EPARSE, "unexpected identifier \"%.*s\"",
			    (int)(t.len > 40 ? 40 : t.len), t.s);
		break;
	case TK_LBRACK:
		return parse_list(h, out);
	case TK_LBRACE:
		if ((v = json_object()) == NULL)
			return oom(h, t.line);
		if ((rc = enter(h)) == WRIT_OK && (rc = lex(h)) == WRIT_OK &&
		    (rc = parse_body(h, v, TK_RBRACE)) == WRIT_OK)
			h->depth--;
		break;
	default:
		rc = perr(h, t.line, WRIT_EPARSE, "expected a value, found %s", tok_name(t.type));
	}
	if (rc == WRIT_OK)
		rc = lex(h);
	if (rc != WRIT_OK) {
		json_decref(v);
		return rc;
	}
	*out = v;
	return WRIT_OK;
}

/* [ value, value, ] */
static writ_rc
parse_list(struct hcl *h, json_t **out)
{
	json_t *arr = json_array(), *v;
	writ_rc rc;

	if (arr == NULL)
		return oom(h, h->cur.line);
	if ((rc = enter(h)) != WRIT_OK || (rc = lex(h)) != WRIT_OK)
		goto out;
	while (h->cur.type != TK_RBRACK) {
		if ((rc = parse_value(h, &v)) != WRIT_OK)
			goto out;
		if (json_array_append_new(arr, v) != 0) {
			rc = oom(h, h->cur.line);
			goto out;
		}
		if (h->cur.type == TK_COMMA) {
			if ((rc = lex(h)) != WRIT_OK)
				goto out;
		} else if (h->cur.type != TK_RBRACK) {
			rc = perr(h, h->cur.line, WRIT_EPARSE, "expected ',' or ']', found %s",
			    tok_name(h->cur.type));
			goto out;
		}
	}
	h->depth--;
	if ((rc = lex(h)) != WRIT_OK)
		goto out;
	*out = arr;
	arr = NULL;
out:
	json_decref(arr);
	return rc;
}

/* An integer (int64 range, through writ_parse_u64) or a finite float. */
static writ_rc
parse_number(struct hcl *h, json_t **out)
{
	const struct tok *t = &h->cur;
	bool neg = t->s[0] == '-';
	char buf[MAX_NUMBER + 1];
	uint64_t u;
	double d;
	json_t *v;

	if (t->len > MAX_NUMBER)
		return perr(h, t->line, WRIT_ELIMIT, "number longer than %d characters",
		    MAX_NUMBER);
	if (memchr(t->s, '.', t->len) == NULL && memchr(t->s, 'e', t->len) == NULL &&
	    memchr(t->s, 'E', t->len) == NULL) {
		if (writ_parse_u64(t->s + neg, t->len - neg, &u) != WRIT_OK ||
		    u > (uint64_t)INT64_MAX + neg)
			return perr(h, t->line, WRIT_EPARSE, "integer out of range");
		v = json_integer(neg && u > 0 ? -(json_int_t)(u - 1) - 1 : (json_int_t)u);
	} else {
		memcpy(buf, t->s, t->len);
		buf[t->len] = '\0';
		d = strtod(buf, NULL);
		if (!isfinite(d))
			return perr(h, t->line, WRIT_EPARSE, "number out of range");
		v = json_real(d);
	}
	if (v == NULL)
		return oom(h, t->line);
	*out = v;
	return WRIT_OK;
}

static writ_rc
parse_hcl(const char *text, size_t len, json_t **out, struct writ_err *err)
{
	struct hcl h = {.p = text, .end = text + len, .line = 1, .err = err};
	json_t *doc = json_object();
	writ_rc rc;

	writ_buf_init(&h.sb, WRIT_HCL_MAX_STR + 1);
	if (doc == NULL) {
		rc = oom(&h, 1);
		goto out;
	}
	if ((rc = lex(&h)) != WRIT_OK || (rc = parse_body(&h, doc, TK_EOF)) != WRIT_OK)
		goto out;
	*out = doc;
	doc = NULL;
out:
	json_decref(doc);
	writ_buf_free(&h.sb);
	return rc;
}

/* ---------------------------------------------------------------------------
 * JSON documents.
 */

/* Depth, string size and reserved-key checks on a jansson tree. */
static writ_rc
check_json(json_t *v, int depth, struct writ_err *err)
{
	const char *key;
	json_t *m;
	size_t i;
	writ_rc rc;

	if ((json_is_object(v) || json_is_array(v)) && depth > WRIT_HCL_MAX_DEPTH)
		return WRIT_ERR(err, WRIT_ELIMIT, "line 1: nesting deeper than %d",
		    WRIT_HCL_MAX_DEPTH);
	if (json_is_string(v) && json_string_length(v) > WRIT_HCL_MAX_STR)
		return WRIT_ERR(err, WRIT_ELIMIT, "line 1: string longer than %u bytes",
		    WRIT_HCL_MAX_STR);
	json_array_foreach (v, i, m) {
		if ((rc = check_json(m, depth + 1, err)) != WRIT_OK)
			return rc;
	}
	json_object_foreach (v, key, m) {
		if (key[0] == '_' && key[1] == '_')
			return WRIT_ERR(err, WRIT_EPARSE, "line 1: reserved key \"%.40s\"", key);
		if (strlen(key) > WRIT_HCL_MAX_STR)
			return WRIT_ERR(err, WRIT_ELIMIT, "line 1: string longer than %u bytes",
			    WRIT_HCL_MAX_STR);
		if ((rc = check_json(m, depth + 1, err)) != WRIT_OK)
			return rc;
	}
	return WRIT_OK;
}

static writ_rc
parse_json(const char *text, size_t len, json_t **out, struct writ_err *err)
{
	json_error_t je;
	json_t *doc;
	writ_rc rc;

	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (doc == NULL) {
		/* jansson leaves the text empty when its first allocation fails. */
		if (json_error_code(&je) == json_error_out_of_memory || je.text[0] == '\0')
			return WRIT_ERR(err, WRIT_ENOMEM, "line %d: out of memory", je.line);
		return WRIT_ERR(err, WRIT_EPARSE, "line %d: %s", je.line > 0 ? je.line : 1,
		    je.text);
	}
	if (!json_is_object(doc)) {
		rc = WRIT_ERR(err, WRIT_EPARSE, "line 1: JSON document must be an object");
		goto out;
	}
	if ((rc = check_json(doc, 0, err)) != WRIT_OK)
		goto out;
	*out = doc;
	doc = NULL;
out:
	json_decref(doc);
	return rc;
}

writ_rc
writ_hcl_parse(const char *text, size_t len, json_t **out, struct writ_err *err)
{
	size_t i = 0;

	if (text == NULL && len > 0)
		return WRIT_ERR(err, WRIT_EINVAL, "line 1: no input");
	if (len > WRIT_HCL_MAX_INPUT)
		return WRIT_ERR(err, WRIT_ELIMIT, "line 1: input larger than %u bytes",
		    WRIT_HCL_MAX_INPUT);
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' ||
	    text[i] == '\n'))
		i++;
	if (i < len && text[i] == '{')
		return parse_json(text, len, out, err);
	return parse_hcl(text, len, out, err);
}

/* ---------------------------------------------------------------------------
 * Reading documents: lines and blocks in either syntax.
 */

int
writ_hcl_line(const json_t *obj, const char *key)
{
	char name[128];
	json_t *v = NULL;
	int n;

	if (key != NULL) {
		n = snprintf(name, sizeof(name), LINE_PREFIX "%s", key);
		if (n > 0 && (size_t)n < sizeof(name))
			v = json_object_get(obj, name);
		/* A block name: the line of its first block. */
		if (v == NULL)
			v = json_object_get(json_array_get(json_object_get(obj, key), 0), "__line");
	}
	if (!json_is_integer(v))
		v = json_object_get(obj, "__line");
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > INT32_MAX)
		return 0;
	return (int)json_integer_value(v);
}

int
writ_hcl_text_line(const char *text, size_t len, const char *needle)
{
	size_t nlen = strlen(needle), i, j;
	int line = 1;

	for (i = 0; i < len; i++) {
		if (text[i] == '\n') {
			line++;
			continue;
		}
		if (text[i] != '"' || len - i < nlen + 2)
			continue;
		for (j = 0; j < nlen && text[i + 1 + j] == needle[j]; j++)
			;
		if (j == nlen && text[i + 1 + nlen] == '"')
			return line;
	}
	return 1;
}

static writ_rc
blk_err(struct writ_err *err, int line, const char *name, const char *what)
{
	return WRIT_ERR(err, WRIT_EPARSE, "line %d: %.60s %s", line > 0 ? line : 1, name, what);
}

/* A JSON-style block: nlabels levels of objects (or arrays of objects) above the body. */
static writ_rc
expand(json_t *obj, size_t rem, json_t *labels, int line, const char *name,
    json_t *arr, struct writ_err *err)
{
	json_t *blk = NULL, *lab = NULL, *v, *e;
	const char *key;
	writ_rc rc = WRIT_OK;
	size_t i;

	if (rem == 0) {
		if ((blk = json_object()) == NULL || json_object_update(blk, obj) != 0 ||
		    json_object_set_new(blk, "__labels", json_copy(labels)) != 0 ||
		    json_object_set_new(blk, "__line", json_integer(line)) != 0 ||
		    json_array_append(arr, blk) != 0)
			rc = WRIT_ERR(err, WRIT_ENOMEM, "line %d: out of memory", line);
		json_decref(blk);
		return rc;
	}
	json_object_foreach (obj, key, v) {
		if (key[0] == '_' && key[1] == '_')
			continue;
		if ((lab = json_copy(labels)) == NULL ||
		    json_array_append_new(lab, json_string_nocheck(key)) != 0) {
			json_decref(lab);
			return WRIT_ERR(err, WRIT_ENOMEM, "line %d: out of memory", line);
		}
		if (json_is_object(v))
			rc = expand(v, rem - 1, lab, line, name, arr, err);
		json_array_foreach (v, i, e) {
			if (rc == WRIT_OK && !json_is_object(e))
				rc = blk_err(err, line, name, "must be a block");
			if (rc == WRIT_OK)
				rc = expand(e, rem - 1, lab, line, name, arr, err);
		}
		if (rc == WRIT_OK && !json_is_object(v) && !json_is_array(v))
			rc = blk_err(err, line, name, "must be a block");
		json_decref(lab);
		if (rc != WRIT_OK)
			return rc;
	}
	return WRIT_OK;
}

/* One element of an array of blocks: an HCL block (checked) or a JSON-style one. */
static writ_rc
add_elem(json_t *e, size_t nlabels, json_t *nolabels, int line, const char *name,
    json_t *arr, struct writ_err *err)
{
	json_t *labels;

	if (!json_is_object(e))
		return blk_err(err, line, name, "must be a block");
	labels = json_object_get(e, "__labels");
	if (labels == NULL)
		return expand(e, nlabels, nolabels, line, name, arr, err);
	line = writ_hcl_line(e, NULL);
	if (json_array_size(labels) != nlabels)
		return WRIT_ERR(err, WRIT_EPARSE, "line %d: %.60s block needs %zu label%s", line,
		    name, nlabels, nlabels == 1 ? "" : "s");
	if (json_array_append(arr, e) != 0)
		return WRIT_ERR(err, WRIT_ENOMEM, "line %d: out of memory", line);
	return WRIT_OK;
}

writ_rc
writ_hcl_blocks(json_t *doc, const char *name, size_t nlabels, json_t **out,
    struct writ_err *err)
{
	json_t *arr = json_array(), *nolabels = json_array(), *v, *e;
	int line = writ_hcl_line(doc, name);
	writ_rc rc = WRIT_OK;
	size_t i;

	if (arr == NULL || nolabels == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "line 1: out of memory");
		goto out;
	}
	v = json_object_get(doc, name);
	if (json_is_object(v))
		rc = expand(v, nlabels, nolabels, line, name, arr, err);
	else if (v != NULL && !json_is_array(v))
		rc = blk_err(err, line, name, "must be a block");
	json_array_foreach (v, i, e) {
		if ((rc = add_elem(e, nlabels, nolabels, line, name, arr, err)) != WRIT_OK)
			goto out;
	}
	if (rc != WRIT_OK)
		goto out;
	*out = arr;
	arr = NULL;
out:
	json_decref(arr);
	json_decref(nolabels);
	return rc;
}
