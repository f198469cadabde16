/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared state and helpers of the Rego parser, split over parse.c (terms,
 * expressions, bodies) and parse_mod.c (rules, imports, package, METADATA,
 * entry points).  Private to those two files.
 */
#ifndef WRIT_LIB_REGO_PARSE_INT_H
#define WRIT_LIB_REGO_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "writ/base.h"

#include "rego/ast.h"
#include "rego/lex.h"

/* Default limits (struct rego_limits fields left 0). */
#define DEF_MAX_SOURCE (4u << 20)
#define DEF_MAX_TOKENS 1000000u
#define DEF_MAX_DEPTH  200u

/* The state of one parse over the token array of rego_lex. */
struct parser {
	struct writ_arena *a;
	const char *file;
	const char *src;
	size_t srclen;
	struct rego_token *toks;
	size_t ntoks, pos;
	uint32_t depth, maxdepth;
	writ_rc rc; /* first error, WRIT_OK while none */
	struct rego_diag *d;
};

/* A saved position, to back up after a failed reading. */
struct mark {
	size_t pos;
};

/* The current token. */
static inline const struct rego_token *
cur(const struct parser *p)
{
	return &p->toks[p->pos];
}

/* The type of the current token. */
static inline enum rego_tok
tok(const struct parser *p)
{
	return p->toks[p->pos].type;
}

/* The token after the current one, or the EOF token. */
static inline const struct rego_token *
peek(const struct parser *p)
{
	return &p->toks[p->pos + 1 < p->ntoks ? p->pos + 1 : p->pos];
}

/* Move to the next token (never past EOF). */
static inline void
next(struct parser *p)
{
	if (p->pos + 1 < p->ntoks)
		p->pos++;
}

/* True if the current token continues a term as a ref or call (no blank). */
static inline bool
continues_ref(const struct parser *p)
{
	enum rego_tok t = tok(p);

	return !cur(p)->ws_before &&
	    (t == REGO_TK_DOT || t == REGO_TK_LBRACK || t == REGO_TK_LPAREN);
}

/* The current position, for rego_p_restore. */
static inline struct mark
save(const struct parser *p)
{
	return (struct mark){p->pos};
}

/* The location of token t. */
static inline struct rego_loc
loc_of(const struct parser *p, const struct rego_token *t)
{
	return (struct rego_loc){p->file, t->line, t->col};
}

/*
 * Conventions: a parse function starts on the current token and returns with
 * the current token just after what it read (primaries in parse.c stop on
 * their last token).  It returns NULL/false after recording the first error
 * in p->rc and *p->d; later errors are dropped.  Everything is allocated
 * from p->a.  Nothing here is thread-shared.
 */

/* Back up to m and forget a parse error (not ENOMEM or a limit); false if not. */
bool rego_p_restore(struct parser *p, struct mark m);
/* Record the first error: rc, OPA code rego_parse_error, position, message. */
void rego_p_perr_at(struct parser *p, writ_rc rc, uint32_t line, uint32_t col, const char *fmt, ...)
    WRIT_PRINTF(5, 6);
/* "unexpected <token> token[: note]" at the current token, as OPA words it. */
void rego_p_illegal(struct parser *p, const char *note);
/* Record WRIT_ENOMEM ("out of memory") at the current token. */
void rego_p_nomem(struct parser *p);
/* Enter one level of nesting; false (WRIT_ELIMIT recorded) past max_depth. */
bool rego_p_enter(struct parser *p);
void rego_p_leave(struct parser *p);
/* Zeroed arena memory, or NULL with ENOMEM recorded. */
void *rego_p_zalloc(struct parser *p, size_t len);
/* Append x to the vector (*v, *n) of capacity *cap, growing it in the arena. */
bool rego_p_push(struct parser *p, void ***v, size_t *n, size_t *cap, void *x);
/* A VAR or STRING term with a copy of s[len]; "_" vars get REGO_TF_WILDCARD. */
struct rego_term *rego_p_text_term(
    struct parser *p, enum rego_term_kind kind, const char *s, size_t len, struct rego_loc loc);
/* Length (at most 80) of the source from token `from` to the previous token. */
int rego_p_span_len(const struct parser *p, size_t from);
/* True if t is of kind with text s. */
bool rego_p_is_text(const struct rego_term *t, enum rego_term_kind kind, const char *s);
/* A term with infix operators; keyval also reads `k, v in xs`. */
struct rego_term *rego_p_term_infix(struct parser *p, bool keyval);
/* OPA's name of a term kind in messages ("var", "string", ...). */
const char *rego_p_kind_name(enum rego_term_kind k);
/* The ref (or call) continuing head; the current token is '.', '[' or '('. */
struct rego_term *rego_p_ref(struct parser *p, struct rego_term *head);
/* The current keyword heads a ref (`if.x`, `in[0]`) and is to be read as a var. */
bool rego_p_keyword_ref_head(const struct parser *p);
/* One term and its ref continuation, no infix operators. */
struct rego_term *rego_p_term(struct parser *p);
/* One body literal: [not] expr [with ...], some ..., every ... */
struct rego_expr *rego_p_literal(struct parser *p);
/* Literals separated by ';' or newlines up to (not past) end. */
struct rego_body *rego_p_query(struct parser *p, enum rego_tok end);
/* rego_p_query one nesting level deeper. */
struct rego_body *rego_p_body(struct parser *p, enum rego_tok end);

/* A parse error at the current token. */
#define perr(p, ...) rego_p_perr_at((p), WRIT_EPARSE, cur(p)->line, cur(p)->col, __VA_ARGS__)

/* Append x to a REGO_VEC. */
#define PUSH(p, vec, cap, x) rego_p_push((p), (void ***)&(vec).v, &(vec).n, (cap), (x))

#endif /* WRIT_LIB_REGO_PARSE_INT_H */
