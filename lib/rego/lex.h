/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Rego lexer: turns a whole source text into an array of tokens (with
 * line:col, "newline before" and "blank before" flags, decoded string
 * contents) and a list of comments.  Rego v1 keywords, OPA's token set,
 * template strings ($"...{expr}..." and $`...{expr}...`) split into parts
 * around their embedded expressions.  Private to lib/rego.
 */
#ifndef WRIT_LIB_REGO_LEX_H
#define WRIT_LIB_REGO_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ/base.h"

enum rego_tok {
	REGO_TK_EOF = 0,
	REGO_TK_IDENT,
	REGO_TK_NUMBER,
	REGO_TK_STRING,    /* "..." or `...` (raw flag) */
	REGO_TK_TMPL,      /* $"text{ or $"text" : first part of a template */
	REGO_TK_TMPL_CONT, /* }text{ or }text" : following part */
	/* Keywords (keep in order with kw_names in lex.c). */
	REGO_TK_AS,
	REGO_TK_CONTAINS,
	REGO_TK_DEFAULT,
	REGO_TK_ELSE,
	REGO_TK_EVERY,
	REGO_TK_FALSE,
	REGO_TK_IF,
	REGO_TK_IMPORT,
	REGO_TK_IN,
	REGO_TK_NOT,
	REGO_TK_NULL,
	REGO_TK_PACKAGE,
	REGO_TK_SOME,
	REGO_TK_TRUE,
	REGO_TK_WITH,
	/* Operators and punctuation. */
	REGO_TK_ASSIGN, /* := */
	REGO_TK_UNIFY,  /* = */
	REGO_TK_EQUAL,  /* == */
	REGO_TK_NEQ,    /* != */
	REGO_TK_LT,
	REGO_TK_LTE,
	REGO_TK_GT,
	REGO_TK_GTE,
	REGO_TK_ADD,
	REGO_TK_SUB,
	REGO_TK_MUL,
	REGO_TK_QUO,
	REGO_TK_REM,
	REGO_TK_AND,
	REGO_TK_OR,
	REGO_TK_COMMA,
	REGO_TK_SEMI,
	REGO_TK_COLON,
	REGO_TK_DOT,
	REGO_TK_LBRACK,
	REGO_TK_RBRACK,
	REGO_TK_LBRACE,
	REGO_TK_RBRACE,
	REGO_TK_LPAREN,
	REGO_TK_RPAREN,
	REGO_TK_MAX
};

#define REGO_TK_IS_KEYWORD(t) ((t) >= REGO_TK_AS && (t) <= REGO_TK_WITH)

/* A token.  text/len is the raw source text; s/slen the decoded string. */
struct rego_token {
	enum rego_tok type;
	bool nl_before; /* a newline separates it from the previous token */
	bool ws_before; /* any blank or comment separates it from the previous token */
	bool raw;       /* STRING written `...`, TMPL written $`...` */
	bool more;      /* TMPL/TMPL_CONT part ends at '{' (an expression follows) */
	uint32_t line, col;
	uint32_t end_line; /* line of the token's last byte (raw strings span lines) */
	const char *text;
	size_t len;
	const char *s; /* STRING, TMPL*: decoded contents (arena, NUL-terminated) */
	size_t slen;
};

/* A comment: text after the '#', without a trailing CR. */
struct rego_comment {
	uint32_t line, col;
	bool own_line; /* nothing but blanks before it on its line */
	const char *text;
	size_t len;
};

/*
 * A diagnostic: OPA error code ("rego_parse_error"), message and position.
 * Fixed size so that it can be filled after an allocation failure.
 */
struct rego_diag {
	const char *code;
	char msg[200];
	uint32_t line, col;
};

/* The output of rego_lex: tokens (ending with EOF) and comments. */
struct rego_lexed {
	struct rego_token *toks; /* writ_malloc'd; rego_lexed_free */
	size_t ntoks;
	struct rego_comment *comments; /* writ_malloc'd */
	size_t ncomments;
};

/*
 * Tokenise src[len] (borrowed; it must outlive the tokens, whose text points
 * into it).  Decoded strings are allocated from a (borrowed).  At most
 * max_tokens tokens and max_depth nested template strings.  On error *d says
 * what and where: WRIT_EPARSE (bad input), WRIT_ELIMIT, WRIT_ENOMEM.  out is
 * written only on success and is freed with rego_lexed_free.  Thread safe.
 */
WRIT_MUST_CHECK writ_rc rego_lex(struct writ_arena *a, const char *src, size_t len,
    size_t max_tokens, struct rego_lexed *out, struct rego_diag *d);

/* Free what rego_lex allocated; accepts a zeroed struct. */
void rego_lexed_free(struct rego_lexed *l);

/* True if s[len] is a Rego v1 keyword. */
bool rego_is_keyword(const char *s, size_t len);

/* OPA's spelling of a token type in messages ("ident", ":=", "if"). */
const char *rego_tok_name(enum rego_tok t);

/*
 * Decode the JSON-style escapes of a quoted string body (without quotes),
 * and "\{" when tmpl.  Lone surrogates become U+FFFD as in OPA.  Returns
 * false on a malformed escape.  The result is allocated from a (NULL on
 * ENOMEM with *nomem set).
 */
bool rego_unescape(struct writ_arena *a, const char *s, size_t len, bool tmpl, const char **out,
    size_t *outlen, bool *nomem);

#endif /* WRIT_LIB_REGO_LEX_H */
