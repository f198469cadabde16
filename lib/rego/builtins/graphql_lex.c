/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The GraphQL lexer, with the behaviour of the Go library OPA uses
 * (gqlparser): whitespace includes commas and a byte order mark, comments
 * are skipped, positions count runes (line and column 1-based), string
 * values are unescaped and block strings have their common indentation
 * removed.  On a lexical error the token is GT_INVALID and carries the
 * library's message; the position of an invalid token is where the lexer
 * stopped, as in gqlparser.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "graphql_int.h"

static void
mktok(struct gql_lexer *l, struct gql_token *t, enum gql_tok k, const char *v, size_t vlen)
{
	t->kind = k;
	t->val.s = v;
	t->val.len = vlen;
	t->pos.line = l->line;
	/* After a multi-line block string this is relative to the last line, as in gqlparser. */
	t->pos.col = (int)((int64_t)l->startrunes - (int64_t)l->linestart + 1);
	t->pos.prelude = l->prelude;
	t->err = NULL;
}

static void mkerr(struct gql_lexer *l, struct gql_token *t, const char *fmt, ...) WRIT_PRINTF(3, 4);

static void
mkerr(struct gql_lexer *l, struct gql_token *t, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->kind = GT_INVALID;
	t->val.s = "";
	t->val.len = 0;
	t->pos.line = l->line;
	t->pos.col = (int)((int64_t)l->endrunes - (int64_t)l->linestart + 1);
	t->pos.prelude = l->prelude;
	if ((t->err = writ_arena_strdup(l->a, msg)) == NULL) {
		l->oom = true;
		t->err = "out of memory";
	}
}

void
gql_lex_init(struct gql_lexer *l, struct writ_arena *a, const char *in, size_t len)
{
	memset(l, 0, sizeof(*l));
	l->a = a;
	l->in = in;
	l->len = len;
	l->line = 1;
}

const char *
gql_tok_name(enum gql_tok k)
{
	static const char *const names[] = {"<Invalid>", "<EOF>", "!", "$", "&", "(", ")", "...",
	    ":", "=", "@", "[", "]", "{", "}", "|", "Name", "Int", "Float", "String",
	    "BlockString"};

	return (size_t)k < WRIT_ARRAY_LEN(names) ? names[k] : "Unknown";
}

/* Decode one UTF-8 rune as Go does (invalid bytes are one rune of width 1). */
static size_t
rune_width(const char *s, size_t len, uint32_t *r)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i;
	uint32_t v, min;

	if (len == 0) {
		*r = 0xFFFD;
		return 0;
	}
	if (p[0] < 0x80) {
		*r = p[0];
		return 1;
	}
	if ((p[0] & 0xE0) == 0xC0) {
		n = 2, v = p[0] & 0x1F, min = 0x80;
	} else if ((p[0] & 0xF0) == 0xE0) {
		n = 3, v = p[0] & 0x0F, min = 0x800;
	} else if ((p[0] & 0xF8) == 0xF0) {
		n = 4, v = p[0] & 0x07, min = 0x10000;
	} else {
		*r = 0xFFFD;
		return 1;
	}
	if (len < n) {
		*r = 0xFFFD;
		return 1;
	}
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*r = 0xFFFD;
			return 1;
		}
		v = (v << 6) | (p[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
		*r = 0xFFFD;
		return 1;
	}
	*r = v;
	return n;
}

static void
ws(struct gql_lexer *l)
{
	while (l->end < l->len) {
		unsigned char ch = (unsigned char)l->in[l->end];

		if (ch == '\t' || ch == ' ' || ch == ',') {
			l->end++;
			l->endrunes++;
		} else if (ch == '\n' || ch == '\r') {
			l->end++;
			l->endrunes++;
			l->line++;
			l->linestart = l->endrunes;
			if (ch == '\r' && l->end < l->len && l->in[l->end] == '\n') {
				l->end++;
				l->endrunes++;
			}
		} else if (ch == 0xEF && l->end + 2 < l->len &&
		    (unsigned char)l->in[l->end + 1] == 0xBB &&
		    (unsigned char)l->in[l->end + 2] == 0xBF) {
			l->end += 3;
			l->endrunes++;
		} else {
			return;
		}
	}
}

static void
comment(struct gql_lexer *l)
{
	while (l->end < l->len) {
		uint32_t r;
		size_t w = rune_width(l->in + l->end, l->len - l->end, &r);

		if (!(r > 0x1f || r == '\t'))
			break;
		l->end += w;
		l->endrunes++;
	}
}

static size_t
digits(struct gql_lexer *l)
{
	size_t n = 0;

	while (l->end < l->len && l->in[l->end] >= '0' && l->in[l->end] <= '9') {
		l->end++;
		l->endrunes++;
		n++;
	}
	return n;
}

static bool
accept(struct gql_lexer *l, char a, char b)
{
	if (l->end < l->len && (l->in[l->end] == a || l->in[l->end] == b)) {
		l->end++;
		l->endrunes++;
		return true;
	}
	return false;
}

/* gqlparser's describeNext: the next byte quoted, or <EOF>. */
static void
next_desc(struct gql_lexer *l, char *buf, size_t len)
{
	if (l->end < l->len)
		snprintf(buf, len, "\"%c\"", l->in[l->end]);
	else
		snprintf(buf, len, "<EOF>");
}

static void
number(struct gql_lexer *l, struct gql_token *t)
{
	bool isfloat = false;
	char d[16];
	size_t n;

	l->end--;
	l->endrunes--;
	accept(l, '-', '-');
	if (accept(l, '0', '0')) {
		if ((n = digits(l)) != 0) {
			l->end -= n;
			l->endrunes -= n;
			next_desc(l, d, sizeof(d));
			mkerr(l, t, "Invalid number, unexpected digit after 0: %s.", d);
			return;
		}
	} else if (digits(l) == 0) {
		next_desc(l, d, sizeof(d));
		mkerr(l, t, "Invalid number, expected digit but got: %s.", d);
		return;
	}
	if (accept(l, '.', '.')) {
		isfloat = true;
		if (digits(l) == 0) {
			next_desc(l, d, sizeof(d));
			mkerr(l, t, "Invalid number, expected digit but got: %s.", d);
			return;
		}
	}
	if (accept(l, 'e', 'E')) {
		isfloat = true;
		accept(l, '-', '+');
		if (digits(l) == 0) {
			next_desc(l, d, sizeof(d));
			mkerr(l, t, "Invalid number, expected digit but got: %s.", d);
			return;
		}
	}
	mktok(l, t, isfloat ? GT_FLOAT : GT_INT, l->in + l->start, l->end - l->start);
}

static int
unhex4(const char *s)
{
	int v = 0, i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Append rune r as Go's WriteRune does (surrogates become U+FFFD). */
static bool
put_rune(struct writ_buf *b, uint32_t r)
{
	unsigned char u[4];
	size_t n;

	if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
		r = 0xFFFD;
	if (r < 0x80) {
		u[0] = (unsigned char)r;
		n = 1;
	} else if (r < 0x800) {
		u[0] = (unsigned char)(0xC0 | (r >> 6));
		u[1] = (unsigned char)(0x80 | (r & 0x3F));
		n = 2;
	} else if (r < 0x10000) {
		u[0] = (unsigned char)(0xE0 | (r >> 12));
		u[1] = (unsigned char)(0x80 | ((r >> 6) & 0x3F));
		u[2] = (unsigned char)(0x80 | (r & 0x3F));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xF0 | (r >> 18));
		u[1] = (unsigned char)(0x80 | ((r >> 12) & 0x3F));
		u[2] = (unsigned char)(0x80 | ((r >> 6) & 0x3F));
		u[3] = (unsigned char)(0x80 | (r & 0x3F));
		n = 4;
	}
	return writ_buf_append(b, u, n) == WRIT_OK;
}

/* Finish a string token from buffer b (copied into the arena). */
static void
str_done(struct gql_lexer *l, struct gql_token *t, enum gql_tok k, struct writ_buf *b)
{
	char *s = writ_arena_strndup(l->a, b->ptr != NULL ? b->ptr : "", b->len);

	if (s == NULL) {
		l->oom = true;
		mkerr(l, t, "out of memory");
		return;
	}
	mktok(l, t, k, s, b->len);
}

/* One escape sequence at l->end ('\\'); false with t set on error. */
static bool
escape(struct gql_lexer *l, struct gql_token *t, struct writ_buf *b, bool *ok)
{
	char e, esc;
	int v;

	if (l->end + 1 >= l->len) {
		l->end++;
		l->endrunes++;
		mkerr(l, t, "Invalid character escape sequence.");
		return false;
	}
	e = l->in[l->end + 1];
	if (e == 'u') {
		if (l->end + 6 >= l->len) {
			l->end++;
			l->endrunes++;
			mkerr(l, t, "Invalid character escape sequence: \\%.*s.",
			    (int)(l->len - l->end), l->in + l->end);
			return false;
		}
		if ((v = unhex4(l->in + l->end + 2)) < 0) {
			l->end++;
			l->endrunes++;
			mkerr(l, t, "Invalid character escape sequence: \\%.5s.", l->in + l->end);
			return false;
		}
		*ok = *ok && put_rune(b, (uint32_t)v);
		l->end += 6;
		l->endrunes += 6;
		return true;
	}
	switch (e) {
	case '"':
	case '/':
	case '\\':
		esc = e;
		break;
	case 'b':
		esc = '\b';
		break;
	case 'f':
		esc = '\f';
		break;
	case 'n':
		esc = '\n';
		break;
	case 'r':
		esc = '\r';
		break;
	case 't':
		esc = '\t';
		break;
	default:
		l->end++;
		l->endrunes++;
		mkerr(l, t, "Invalid character escape sequence: \\%c.", e);
		return false;
	}
	*ok = *ok && writ_buf_append(b, &esc, 1) == WRIT_OK;
	l->end += 2;
	l->endrunes += 2;
	return true;
}

static void
string_lit(struct gql_lexer *l, struct gql_token *t)
{
	struct writ_buf b;
	bool ok = true;

	writ_buf_init(&b, 0);
	l->start++;
	l->startrunes++;
	while (l->end < l->len) {
		unsigned char r = (unsigned char)l->in[l->end];
		uint32_t ru;
		size_t w;

		if (r == '\n' || r == '\r')
			break;
		if (r < 0x20 && r != '\t') {
			mkerr(l, t, "Invalid character within String: \"\\u%04d\".", r);
			goto out;
		}
		if (r == '"') {
			if (!ok) {
				l->oom = true;
				mkerr(l, t, "out of memory");
				goto out;
			}
			str_done(l, t, GT_STRING, &b);
			l->end++;
			l->endrunes++;
			goto out;
		}
		if (r == '\\') {
			if (!escape(l, t, &b, &ok))
				goto out;
			continue;
		}
		w = r >= 127 ? rune_width(l->in + l->end, l->len - l->end, &ru) : 1;
		if (r >= 127)
			ok = ok && put_rune(&b, ru);
		else
			ok = ok && writ_buf_append(&b, &r, 1) == WRIT_OK;
		l->end += w;
		l->endrunes++;
	}
	mkerr(l, t, "Unterminated string.");
out:
	writ_buf_free(&b);
}

static void
block_lit(struct gql_lexer *l, struct gql_token *t)
{
	struct writ_buf b;
	struct gql_str v;
	bool ok = true;

	writ_buf_init(&b, 0);
	l->start += 3;
	l->startrunes += 3;
	l->end += 2;
	l->endrunes += 2;
	while (l->end < l->len) {
		unsigned char r = (unsigned char)l->in[l->end];
		uint32_t ru;
		size_t w;

		if (r == '"' && l->end + 3 <= l->len && memcmp(l->in + l->end, "\"\"\"", 3) == 0) {
			if (!ok || !gql_block_value(l->a, b.ptr != NULL ? b.ptr : "", b.len, &v)) {
				l->oom = true;
				mkerr(l, t, "out of memory");
			} else {
				mktok(l, t, GT_BLOCK, v.s, v.len);
			}
			l->end += 3;
			l->endrunes += 3;
			goto out;
		}
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') {
			mkerr(l, t, "Invalid character within String: \"\\u%04d\".", r);
			goto out;
		}
		if (r == '\\' && l->end + 4 <= l->len &&
		    memcmp(l->in + l->end, "\\\"\"\"", 4) == 0) {
			ok = ok && writ_buf_append(&b, "\"\"\"", 3) == WRIT_OK;
			l->end += 4;
			l->endrunes += 4;
		} else if (r == '\r') {
			if (l->end + 1 < l->len && l->in[l->end + 1] == '\n') {
				l->end++;
				l->endrunes++;
			}
			ok = ok && writ_buf_append(&b, "\n", 1) == WRIT_OK;
			l->end++;
			l->endrunes++;
			l->line++;
			l->linestart = l->endrunes;
		} else {
			w = r >= 127 ? rune_width(l->in + l->end, l->len - l->end, &ru) : 1;
			if (r >= 127)
				ok = ok && put_rune(&b, ru);
			else
				ok = ok && writ_buf_append(&b, &r, 1) == WRIT_OK;
			l->end += w;
			l->endrunes++;
			if (r == '\n') {
				l->line++;
				l->linestart = l->endrunes;
			}
		}
	}
	mkerr(l, t, "Unterminated string.");
out:
	writ_buf_free(&b);
}

static bool
name_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    c == '_';
}

static enum gql_tok
punct(char c)
{
	switch (c) {
	case '!':
		return GT_BANG;
	case '$':
		return GT_DOLLAR;
	case '&':
		return GT_AMP;
	case '(':
		return GT_PARENL;
	case ')':
		return GT_PARENR;
	case ':':
		return GT_COLON;
	case '=':
		return GT_EQUALS;
	case '@':
		return GT_AT;
	case '[':
		return GT_BRACKETL;
	case ']':
		return GT_BRACKETR;
	case '{':
		return GT_BRACEL;
	case '}':
		return GT_BRACER;
	case '|':
		return GT_PIPE;
	default:
		return GT_INVALID;
	}
}

/* A character no token starts with. */
static void
bad_char(struct gql_lexer *l, struct gql_token *t, unsigned char r)
{
	uint32_t ru = r;

	l->end--;
	l->endrunes--;
	if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') {
		mkerr(l, t, "Cannot contain the invalid character \"\\u%04d\"", r);
		return;
	}
	if (r == '\'') {
		mkerr(l, t,
		    "Unexpected single quote character ('), did you mean to use a double "
		    "quote (\")?");
		return;
	}
	/* Go's string(byte) converts the byte as a rune: bytes >= 0x80 become two-byte UTF-8. */
	if (ru < 0x80)
		mkerr(l, t, "Cannot parse the unexpected character \"%c\".", r);
	else
		mkerr(l, t, "Cannot parse the unexpected character \"%c%c\".",
		    (char)(0xC0 | (ru >> 6)), (char)(0x80 | (ru & 0x3F)));
}

void
gql_lex_next(struct gql_lexer *l, struct gql_token *t)
{
	unsigned char r;
	enum gql_tok k;

	for (;;) {
		ws(l);
		if (l->end >= l->len || l->in[l->end] != '#')
			break;
		l->end++;
		l->endrunes++;
		comment(l);
	}
	l->start = l->end;
	l->startrunes = l->endrunes;
	if (++l->ntokens > GQL_MAX_TOKENS) {
		mkerr(l, t, "more than %u tokens", GQL_MAX_TOKENS);
		l->limited = true;
		return;
	}
	if (l->end >= l->len) {
		mktok(l, t, GT_EOF, "", 0);
		return;
	}
	r = (unsigned char)l->in[l->start];
	l->end++;
	l->endrunes++;
	if ((k = punct((char)r)) != GT_INVALID) {
		mktok(l, t, k, "", 0);
		return;
	}
	if (r == '.' && l->len > l->start + 2 && memcmp(l->in + l->start, "...", 3) == 0) {
		l->end += 2;
		l->endrunes += 2;
		mktok(l, t, GT_SPREAD, "", 0);
		return;
	}
	if (r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')) {
		while (l->end < l->len && name_char((unsigned char)l->in[l->end])) {
			l->end++;
			l->endrunes++;
		}
		mktok(l, t, GT_NAME, l->in + l->start, l->end - l->start);
		return;
	}
	if (r == '-' || (r >= '0' && r <= '9')) {
		number(l, t);
		return;
	}
	if (r == '"') {
		if (l->len > l->start + 2 && memcmp(l->in + l->start, "\"\"\"", 3) == 0)
			block_lit(l, t);
		else
			string_lit(l, t);
		return;
	}
	bad_char(l, t, r);
}

/* ---------------------------------------------------------------------------
 * Block string values.
 */

#define NO_INDENT ((size_t)-1)

static size_t
leading_ws(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return i;
	return NO_INDENT;
}

bool
gql_block_value(struct writ_arena *a, const char *raw, size_t len, struct gql_str *out)
{
	size_t nlines = 1, i, j, common = NO_INDENT, start, end, total = 0;
	const char **ls;
	size_t *ll;
	char *res, *p;

	for (i = 0; i < len; i++)
		nlines += raw[i] == '\n';
	ls = writ_arena_calloc(a, nlines, sizeof(*ls));
	ll = writ_arena_calloc(a, nlines, sizeof(*ll));
	if (ls == NULL || ll == NULL)
		return false;
	for (i = 0, j = 0, start = 0; i <= len; i++) {
		if (i == len || raw[i] == '\n') {
			ls[j] = raw + start;
			ll[j++] = i - start;
			start = i + 1;
		}
	}
	for (i = 0; i < nlines; i++) {
		size_t ind = leading_ws(ls[i], ll[i]);

		if (ind != NO_INDENT && ind < ll[i] && ind < common) {
			common = ind;
			if (common == 0)
				break;
		}
	}
	if (common != NO_INDENT) {
		for (i = 1; i < nlines; i++) {
			if (ll[i] < common) {
				ll[i] = 0;
			} else {
				ls[i] += common;
				ll[i] -= common;
			}
		}
	}
	start = 0;
	end = nlines;
	while (start < end && leading_ws(ls[start], ll[start]) == NO_INDENT)
		start++;
	while (start < end && leading_ws(ls[end - 1], ll[end - 1]) == NO_INDENT)
		end--;
	for (i = start; i < end; i++)
		total += ll[i] + 1;
	if ((res = writ_arena_alloc(a, total + 1)) == NULL)
		return false;
	for (i = start, p = res; i < end; i++) {
		if (i > start)
			*p++ = '\n';
		memcpy(p, ls[i], ll[i]);
		p += ll[i];
	}
	*p = '\0';
	out->s = res;
	out->len = (size_t)(p - res);
	return true;
}
