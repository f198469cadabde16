/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Rego lexer, after OPA's scanner (v1/ast/internal/scanner): one pass
 * over the whole source that yields every token with its line and column
 * (columns count characters, not bytes, from 1) and whether a newline or
 * other blank came before it, which is how the parser tells statement
 * separators and "a[x]" from "a [x]".  Strings are decoded here, so that
 * the parser and the evaluator see the bytes the policy means.  Template
 * strings are cut at their '{' and '}' into TMPL and TMPL_CONT parts, the
 * expression tokens in between being ordinary tokens; a small stack follows
 * the braces of nested objects and templates.  The source must be valid
 * UTF-8 without NUL bytes; a byte-order mark is allowed only at the start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"

#include "rego/lex.h"

#define TMPL_MAX_NEST 64

/* A template string whose embedded expression is being lexed. */
struct tmpl_frame {
	bool raw;
	uint32_t line, col; /* where the template string starts */
	uint32_t depth;     /* '{' opened inside the expression and not yet closed */
};

struct lexer {
	struct writ_arena *a;
	const char *p, *end;
	uint32_t line, col;
	bool nl, ws;       /* seen since the last token */
	uint32_t tok_line; /* line where the last token ended (0: none yet) */
	struct rego_token *toks;
	size_t ntoks, captoks, maxtoks;
	struct rego_comment *comments;
	size_t ncomments, capcomments;
	struct tmpl_frame stack[TMPL_MAX_NEST];
	size_t nstack;
	struct rego_diag *d;
};

static writ_rc lerr(struct lexer *l, uint32_t line, uint32_t col, writ_rc rc, const char *fmt, ...)
    WRIT_PRINTF(5, 6);
static writ_rc check_source(struct lexer *l);
static void advance(struct lexer *l, size_t n);
static writ_rc skip_blank(struct lexer *l);
static writ_rc lex_token(struct lexer *l, struct rego_token *t);
static writ_rc lex_ident(struct lexer *l, struct rego_token *t);
static writ_rc lex_number(struct lexer *l, struct rego_token *t);
static writ_rc lex_string(struct lexer *l, struct rego_token *t);
static writ_rc lex_raw(struct lexer *l, struct rego_token *t);
static writ_rc lex_tmpl_part(struct lexer *l, struct rego_token *t, bool raw);
static writ_rc lex_punct(struct lexer *l, struct rego_token *t);
static writ_rc push_token(struct lexer *l, const struct rego_token *t);

/* Keywords, sorted for bsearch, in the order of their REGO_TK_ values. */
static const char *const kw_names[] = {"as", "contains", "default", "else", "every", "false", "if",
    "import", "in", "not", "null", "package", "some", "true", "with"};

static const char *const tok_names[REGO_TK_MAX] = {
    [REGO_TK_EOF] = "eof",
    [REGO_TK_IDENT] = "ident",
    [REGO_TK_NUMBER] = "number",
    [REGO_TK_STRING] = "string",
    [REGO_TK_TMPL] = "template-string",
    [REGO_TK_TMPL_CONT] = "template-string",
    [REGO_TK_AS] = "as",
    [REGO_TK_CONTAINS] = "contains",
    [REGO_TK_DEFAULT] = "default",
    [REGO_TK_ELSE] = "else",
    [REGO_TK_EVERY] = "every",
    [REGO_TK_FALSE] = "false",
    [REGO_TK_IF] = "if",
    [REGO_TK_IMPORT] = "import",
    [REGO_TK_IN] = "in",
    [REGO_TK_NOT] = "not",
    [REGO_TK_NULL] = "null",
    [REGO_TK_PACKAGE] = "package",
    [REGO_TK_SOME] = "some",
    [REGO_TK_TRUE] = "true",
    [REGO_TK_WITH] = "with",
    [REGO_TK_ASSIGN] = ":=",
    [REGO_TK_UNIFY] = "=",
    [REGO_TK_EQUAL] = "==",
    [REGO_TK_NEQ] = "!=",
    [REGO_TK_LT] = "<",
    [REGO_TK_LTE] = "<=",
    [REGO_TK_GT] = ">",
    [REGO_TK_GTE] = ">=",
    [REGO_TK_ADD] = "+",
    [REGO_TK_SUB] = "-",
    [REGO_TK_MUL] = "*",
    [REGO_TK_QUO] = "/",
    [REGO_TK_REM] = "%",
    [REGO_TK_AND] = "&",
    [REGO_TK_OR] = "|",
    [REGO_TK_COMMA] = ",",
    [REGO_TK_SEMI] = ";",
    [REGO_TK_COLON] = ":",
    [REGO_TK_DOT] = ".",
    [REGO_TK_LBRACK] = "[",
    [REGO_TK_RBRACK] = "]",
    [REGO_TK_LBRACE] = "{",
    [REGO_TK_RBRACE] = "}",
    [REGO_TK_LPAREN] = "(",
    [REGO_TK_RPAREN] = ")",
};

const char *
rego_tok_name(enum rego_tok t)
{
	if (t >= REGO_TK_MAX || tok_names[t] == NULL)
		return "illegal";
	return tok_names[t];
}

static writ_rc
lerr(struct lexer *l, uint32_t line, uint32_t col, writ_rc rc, const char *fmt, ...)
{
	va_list ap;

	l->d->code = "rego_parse_error";
	l->d->line = line;
	l->d->col = col;
	va_start(ap, fmt);
	vsnprintf(l->d->msg, sizeof(l->d->msg), fmt, ap);
	va_end(ap);
	return rc;
}

static bool
is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Grow *v (elements of size) to hold at least n + 1 elements. */
static writ_rc
grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap, bytes;
	void *p;

	if (n < *cap)
		return WRIT_OK;
	ncap = *cap < 64 ? 64 : *cap;
	if (__builtin_mul_overflow(ncap, 2, &ncap) || __builtin_mul_overflow(ncap, size, &bytes))
		return WRIT_ENOMEM;
	if ((p = writ_realloc(*v, bytes)) == NULL)
		return WRIT_ENOMEM;
	*v = p;
	*cap = ncap;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Source checks and positions.
 */

/* Reject NUL bytes, malformed UTF-8 and a byte-order mark after the start. */
static writ_rc
check_source(struct lexer *l)
{
	const unsigned char *s = (const unsigned char *)l->p;
	size_t n = (size_t)(l->end - l->p), i = 0, k;
	uint32_t line = 1, col = 1;

	while (i < n) {
		if (s[i] == 0)
			return lerr(l, line, col, WRIT_EPARSE, "illegal null character");
		if ((k = writ_utf8_len(s + i, n - i)) == 0)
			return lerr(l, line, col, WRIT_EPARSE, "illegal utf-8 character");
		if (k == 3 && s[i] == 0xef && s[i + 1] == 0xbb && s[i + 2] == 0xbf)
			return lerr(l, line, col, WRIT_EPARSE, "illegal byte-order mark");
		if (s[i] == '\n')
			line++, col = 1;
		else
			col++;
		i += k;
	}
	return WRIT_OK;
}

/* Move n bytes forward, counting lines and characters. */
static void
advance(struct lexer *l, size_t n)
{
	while (n-- > 0 && l->p < l->end) {
		unsigned char c = (unsigned char)*l->p++;

		if (c == '\n') {
			l->line++;
			l->col = 1;
		} else if ((c & 0xc0) != 0x80) {
			l->col++;
		}
	}
}

/* ---------------------------------------------------------------------------
 * Blanks and comments.
 */

static writ_rc
add_comment(struct lexer *l, const char *text, size_t len, uint32_t line, uint32_t col)
{
	struct rego_comment *c;

	if (grow((void **)&l->comments, &l->capcomments, l->ncomments, sizeof(*c)) != WRIT_OK)
		return lerr(l, line, col, WRIT_ENOMEM, "out of memory");
	c = &l->comments[l->ncomments++];
	c->line = line;
	c->col = col;
	c->own_line = line > l->tok_line;
	c->text = text;
	c->len = len;
	return WRIT_OK;
}

/* Skip blanks and comments, recording the comments and the flags. */
static writ_rc
skip_blank(struct lexer *l)
{
	writ_rc rc;

	while (l->p < l->end) {
		char c = *l->p;

		if (c == '\n') {
			l->nl = l->ws = true;
			advance(l, 1);
		} else if (c == ' ' || c == '\t' || c == '\r') {
			l->ws = true;
			advance(l, 1);
		} else if (c == '#') {
			const char *s = l->p + 1, *e = s;
			uint32_t line = l->line, col = l->col;

			while (e < l->end && *e != '\n')
				e++;
			advance(l, (size_t)(e - l->p));
			if (e > s && e[-1] == '\r')
				e--;
			if ((rc = add_comment(l, s, (size_t)(e - s), line, col)) != WRIT_OK)
				return rc;
			l->ws = true;
		} else {
			break;
		}
	}
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Tokens.
 */

static int
kw_cmp(const void *key, const void *elem)
{
	const struct rego_token *t = key;
	const char *kw = *(const char *const *)elem;
	size_t n = strlen(kw);
	int c = strncmp(t->text, kw, t->len < n ? t->len : n);

	if (c != 0)
		return c;
	return t->len < n ? -1 : t->len > n ? 1 : 0;
}

bool
rego_is_keyword(const char *s, size_t len)
{
	struct rego_token t = {.text = s, .len = len};

	return bsearch(&t, kw_names, WRIT_ARRAY_LEN(kw_names), sizeof(kw_names[0]), kw_cmp) != NULL;
}

static writ_rc
lex_ident(struct lexer *l, struct rego_token *t)
{
	const char *e = l->p;
	const char *const *kw;

	while (e < l->end && (is_letter(*e) || is_digit(*e)))
		e++;
	t->type = REGO_TK_IDENT;
	t->len = (size_t)(e - l->p);
	kw = bsearch(t, kw_names, WRIT_ARRAY_LEN(kw_names), sizeof(kw_names[0]), kw_cmp);
	if (kw != NULL)
		t->type = (enum rego_tok)(REGO_TK_AS + (kw - kw_names));
	advance(l, t->len);
	return WRIT_OK;
}

/* Digits, an optional fraction and exponent, as OPA's scanner reads them. */
static writ_rc
lex_number(struct lexer *l, struct rego_token *t)
{
	const char *e = l->p;
	bool found;

	while (e < l->end && is_digit(*e))
		e++;
	if (e < l->end && *e == '.') {
		for (e++, found = false; e < l->end && is_digit(*e); e++)
			found = true;
		if (!found)
			return lerr(l, t->line, t->col, WRIT_EPARSE, "expected fraction");
	}
	if (e < l->end && (*e == 'e' || *e == 'E')) {
		e++;
		if (e < l->end && (*e == '+' || *e == '-'))
			e++;
		for (found = false; e < l->end && is_digit(*e); e++)
			found = true;
		if (!found)
			return lerr(l, t->line, t->col, WRIT_EPARSE, "expected exponent");
	}
	if (e < l->end && is_letter(*e))
		return lerr(l, t->line, t->col, WRIT_EPARSE, "illegal number format");
	t->type = REGO_TK_NUMBER;
	t->len = (size_t)(e - l->p);
	advance(l, t->len);
	return WRIT_OK;
}

/* Check the escape at s (just after the backslash); bytes it spans, or 0. */
static size_t
escape_len(const char *s, const char *end, bool tmpl)
{
	if (s >= end)
		return 0;
	switch (*s) {
	case '\\':
	case '"':
	case '/':
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't':
		return 1;
	case '{':
		return tmpl ? 1 : 0;
	case 'u':
		if (end - s < 5 || !is_hex(s[1]) || !is_hex(s[2]) || !is_hex(s[3]) || !is_hex(s[4]))
			return 0;
		return 5;
	default:
		return 0;
	}
}

static writ_rc
lex_string(struct lexer *l, struct rego_token *t)
{
	const char *s = l->p + 1, *e = s;
	size_t k;
	bool nomem;

	for (;;) {
		if (e >= l->end || *e == '\n')
			return lerr(l, t->line, t->col, WRIT_EPARSE, "non-terminated string");
		if (*e == '"')
			break;
		if (*e == '\\') {
			if ((k = escape_len(e + 1, l->end, false)) == 0)
				return lerr(
				    l, t->line, t->col, WRIT_EPARSE, "illegal escape sequence");
			e += k;
		}
		e++;
	}
	t->type = REGO_TK_STRING;
	t->len = (size_t)(e + 1 - l->p);
	if (!rego_unescape(l->a, s, (size_t)(e - s), false, &t->s, &t->slen, &nomem)) {
		if (nomem)
			return lerr(l, t->line, t->col, WRIT_ENOMEM, "out of memory");
		return lerr(l, t->line, t->col, WRIT_EPARSE, "illegal string literal: %.*s",
		    (int)(t->len > 120 ? 120 : t->len), l->p);
	}
	advance(l, t->len);
	return WRIT_OK;
}

static writ_rc
lex_raw(struct lexer *l, struct rego_token *t)
{
	const char *s = l->p + 1, *e = memchr(s, '`', (size_t)(l->end - s));

	if (e == NULL)
		return lerr(l, t->line, t->col, WRIT_EPARSE, "non-terminated string");
	t->type = REGO_TK_STRING;
	t->raw = true;
	t->len = (size_t)(e + 1 - l->p);
	if ((t->s = writ_arena_strndup(l->a, s, (size_t)(e - s))) == NULL)
		return lerr(l, t->line, t->col, WRIT_ENOMEM, "out of memory");
	t->slen = (size_t)(e - s);
	advance(l, t->len);
	return WRIT_OK;
}

/* A raw template part s[len] with "\{" turned into "{". */
static writ_rc
raw_tmpl_text(struct lexer *l, struct rego_token *t, const char *s, size_t len)
{
	char *o;
	size_t i, n = 0;

	if ((o = writ_arena_alloc(l->a, len + 1)) == NULL)
		return lerr(l, t->line, t->col, WRIT_ENOMEM, "out of memory");
	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 1 < len && s[i + 1] == '{')
			i++;
		o[n++] = s[i];
	}
	o[n] = '\0';
	t->s = o;
	t->slen = n;
	return WRIT_OK;
}

/*
 * A template part: l->p is on the opening delimiter ('$"', '$`' or the '}'
 * that closes an expression).  It ends at an unescaped '{' (more follows)
 * or at the closing quote.
 */
static writ_rc
lex_tmpl_part(struct lexer *l, struct rego_token *t, bool raw)
{
	const char *s = l->p + (t->type == REGO_TK_TMPL ? 2 : 1), *e = s;
	char close = raw ? '`' : '"';
	size_t k;
	bool nomem;

	for (;;) {
		if (e >= l->end || (!raw && *e == '\n'))
			return lerr(l, t->line, t->col, WRIT_EPARSE, "non-terminated string");
		if (*e == close || *e == '{')
			break;
		if (*e == '\\' && raw && e + 1 < l->end && e[1] == '{') {
			e++;
		} else if (*e == '\\' && !raw) {
			if ((k = escape_len(e + 1, l->end, true)) == 0)
				return lerr(
				    l, t->line, t->col, WRIT_EPARSE, "illegal escape sequence");
			e += k;
		}
		e++;
	}
	t->raw = raw;
	t->more = *e == '{';
	t->len = (size_t)(e + 1 - l->p);
	if (raw) {
		if (raw_tmpl_text(l, t, s, (size_t)(e - s)) != WRIT_OK)
			return WRIT_ENOMEM;
	} else if (!rego_unescape(l->a, s, (size_t)(e - s), true, &t->s, &t->slen, &nomem)) {
		if (nomem)
			return lerr(l, t->line, t->col, WRIT_ENOMEM, "out of memory");
		return lerr(l, t->line, t->col, WRIT_EPARSE, "illegal template-string part: %.*s",
		    (int)(t->len > 120 ? 120 : t->len), l->p);
	}
	if (t->more) {
		if (t->type == REGO_TK_TMPL) {
			if (l->nstack == TMPL_MAX_NEST)
				return lerr(l, t->line, t->col, WRIT_ELIMIT,
				    "template strings nested too deep");
			l->stack[l->nstack].raw = raw;
			l->stack[l->nstack].line = t->line;
			l->stack[l->nstack].col = t->col;
			l->stack[l->nstack++].depth = 0;
		}
	} else if (t->type == REGO_TK_TMPL_CONT) {
		l->nstack--;
	}
	advance(l, t->len);
	return WRIT_OK;
}

/* Operators and punctuation, and the braces that delimit template parts. */
static writ_rc
lex_punct(struct lexer *l, struct rego_token *t)
{
	static const char single[] = "+-*/%&|,;.[]{}()";
	static const enum rego_tok single_tok[] = {REGO_TK_ADD, REGO_TK_SUB, REGO_TK_MUL,
	    REGO_TK_QUO, REGO_TK_REM, REGO_TK_AND, REGO_TK_OR, REGO_TK_COMMA, REGO_TK_SEMI,
	    REGO_TK_DOT, REGO_TK_LBRACK, REGO_TK_RBRACK, REGO_TK_LBRACE, REGO_TK_RBRACE,
	    REGO_TK_LPAREN, REGO_TK_RPAREN};
	char c = *l->p, n = l->end - l->p > 1 ? l->p[1] : '\0';
	const char *hit;

	t->len = 1;
	if (c == '{' && l->nstack > 0)
		l->stack[l->nstack - 1].depth++;
	if (c == '}' && l->nstack > 0) {
		if (l->stack[l->nstack - 1].depth == 0) {
			t->type = REGO_TK_TMPL_CONT;
			return lex_tmpl_part(l, t, l->stack[l->nstack - 1].raw);
		}
		l->stack[l->nstack - 1].depth--;
	}
	if ((hit = strchr(single, c)) != NULL && c != '\0') {
		t->type = single_tok[hit - single];
	} else if (c == ':') {
		t->type = n == '=' ? REGO_TK_ASSIGN : REGO_TK_COLON;
	} else if (c == '=') {
		t->type = n == '=' ? REGO_TK_EQUAL : REGO_TK_UNIFY;
	} else if (c == '<') {
		t->type = n == '=' ? REGO_TK_LTE : REGO_TK_LT;
	} else if (c == '>') {
		t->type = n == '=' ? REGO_TK_GTE : REGO_TK_GT;
	} else if (c == '!') {
		if (n != '=')
			return lerr(l, t->line, t->col, WRIT_EPARSE, "illegal ! character");
		t->type = REGO_TK_NEQ;
	} else {
		return lerr(l, t->line, t->col, WRIT_EPARSE, "illegal token");
	}
	if (t->type == REGO_TK_ASSIGN || t->type == REGO_TK_EQUAL || t->type == REGO_TK_LTE ||
	    t->type == REGO_TK_GTE || t->type == REGO_TK_NEQ)
		t->len = 2;
	advance(l, t->len);
	return WRIT_OK;
}

/* The next token into t (EOF at the end). */
static writ_rc
lex_token(struct lexer *l, struct rego_token *t)
{
	writ_rc rc;
	char c;

	if ((rc = skip_blank(l)) != WRIT_OK)
		return rc;
	memset(t, 0, sizeof(*t));
	t->nl_before = l->nl;
	t->ws_before = l->ws;
	t->line = l->line;
	t->col = l->col;
	t->text = l->p;
	l->nl = l->ws = false;
	if (l->p >= l->end) {
		t->type = REGO_TK_EOF;
		rc = WRIT_OK;
		if (l->nstack > 0)
			return lerr(l, l->stack[l->nstack - 1].line, l->stack[l->nstack - 1].col,
			    WRIT_EPARSE, "non-terminated string");
	} else if (is_letter((c = *l->p))) {
		rc = lex_ident(l, t);
	} else if (is_digit(c)) {
		rc = lex_number(l, t);
	} else if (c == '"') {
		rc = lex_string(l, t);
	} else if (c == '`') {
		rc = lex_raw(l, t);
	} else if (c == '$') {
		if (l->end - l->p < 2 || (l->p[1] != '"' && l->p[1] != '`'))
			return lerr(l, t->line, t->col, WRIT_EPARSE, "illegal $ character");
		t->type = REGO_TK_TMPL;
		rc = lex_tmpl_part(l, t, l->p[1] == '`');
	} else {
		rc = lex_punct(l, t);
	}
	t->end_line = l->line;
	return rc;
}

static writ_rc
push_token(struct lexer *l, const struct rego_token *t)
{
	if (l->ntoks >= l->maxtoks)
		return lerr(
		    l, t->line, t->col, WRIT_ELIMIT, "too many tokens (limit %zu)", l->maxtoks);
	if (grow((void **)&l->toks, &l->captoks, l->ntoks, sizeof(*t)) != WRIT_OK)
		return lerr(l, t->line, t->col, WRIT_ENOMEM, "out of memory");
	l->toks[l->ntoks++] = *t;
	l->tok_line = t->end_line;
	return WRIT_OK;
}

writ_rc
rego_lex(struct writ_arena *a, const char *src, size_t len, size_t max_tokens,
    struct rego_lexed *out, struct rego_diag *d)
{
	struct lexer l = {0};
	struct rego_token t;
	writ_rc rc;

	l.a = a;
	l.p = src;
	l.end = src + len;
	l.line = l.col = 1;
	l.maxtoks = max_tokens;
	l.d = d;
	if (len >= 3 && memcmp(src, "\xef\xbb\xbf", 3) == 0)
		l.p += 3;
	if ((rc = check_source(&l)) != WRIT_OK)
		return rc;
	do {
		if ((rc = lex_token(&l, &t)) != WRIT_OK || (rc = push_token(&l, &t)) != WRIT_OK)
			goto out;
	} while (t.type != REGO_TK_EOF);
	out->toks = l.toks;
	out->ntoks = l.ntoks;
	out->comments = l.comments;
	out->ncomments = l.ncomments;
	return WRIT_OK;
out:
	writ_free(l.toks);
	writ_free(l.comments);
	return rc;
}

void
rego_lexed_free(struct rego_lexed *l)
{
	writ_free(l->toks);
	writ_free(l->comments);
	memset(l, 0, sizeof(*l));
}

/* ---------------------------------------------------------------------------
 * String escapes.
 */

static uint32_t
hex4(const char *s)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = s[i];

		v = v * 16 + (uint32_t)(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

static size_t
utf8_put(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode "\uXXXX" (and a following low surrogate) at s[i]; *i moves past it. */
static uint32_t
decode_u(const char *s, size_t len, size_t *i)
{
	uint32_t cp = hex4(s + *i + 2), lo;

	*i += 6;
	if (cp >= 0xd800 && cp <= 0xdbff && len - *i >= 6 && s[*i] == '\\' && s[*i + 1] == 'u' &&
	    is_hex(s[*i + 2]) && is_hex(s[*i + 3]) && is_hex(s[*i + 4]) && is_hex(s[*i + 5])) {
		lo = hex4(s + *i + 2);
		if (lo >= 0xdc00 && lo <= 0xdfff) {
			*i += 6;
			return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0xfffd;
	return cp;
}

bool
rego_unescape(struct writ_arena *a, const char *s, size_t len, bool tmpl, const char **out,
    size_t *outlen, bool *nomem)
{
	static const char from[] = "\\\"/bfnrt{", to[] = "\\\"/\b\f\n\r\t{";
	const char *hit;
	size_t i = 0, n = 0;
	char *o;

	*nomem = false;
	if ((o = writ_arena_alloc(a, len + 1)) == NULL) {
		*nomem = true;
		return false;
	}
	while (i < len) {
		if (s[i] != '\\') {
			o[n++] = s[i++];
			continue;
		}
		if (i + 1 >= len)
			return false;
		if (s[i + 1] == 'u') {
			if (len - i < 6 || escape_len(s + i + 1, s + len, false) != 5)
				return false;
			n += utf8_put(o + n, decode_u(s, len, &i));
			continue;
		}
		if ((hit = strchr(from, s[i + 1])) == NULL || s[i + 1] == '\0' ||
		    (*hit == '{' && !tmpl))
			return false;
		o[n++] = to[hit - from];
		i += 2;
	}
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return true;
}
