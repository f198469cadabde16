/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Rego v1 parser: hand-written recursive descent over the token array of
 * lex.c, with precedence climbing for the infix operators, after OPA's
 * v1/ast/parser.go (whose behaviour, messages and error codes it follows;
 * no code is shared).  Precedence, loosest first: `in`, relations (== != <
 * <= > >=), |, &, + -, * / %.  Where Rego is ambiguous ({a | b} is a set
 * comprehension, not a set holding a call of `or`; `p if {x}` is a body,
 * not a set), the parser tries one reading and backs up to the saved token
 * position, as OPA does.  Newlines separate body literals.  A term
 * continues as a reference only when '.', '[' or '(' follows it with no
 * blank in between.  Nesting, tokens and source size are bounded (struct
 * rego_limits); the depth bound also bounds the C stack.  The first error
 * stops the parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"

#include "rego/ast.h"
#include "rego/lex.h"
#include "rego/parse_int.h"

/* ---------------------------------------------------------------------------
 * Tokens, errors, allocation.
 */

/* Back up to m and forget a parse error (not ENOMEM or a limit); false if not. */
bool
rego_p_restore(struct parser *p, struct mark m)
{
	if (p->rc != WRIT_OK && p->rc != WRIT_EPARSE)
		return false;
	p->rc = WRIT_OK;
	p->pos = m.pos;
	return true;
}

/* Record the first error (later ones are consequences). */
void
rego_p_perr_at(struct parser *p, writ_rc rc, uint32_t line, uint32_t col, const char *fmt, ...)
{
	va_list ap;

	if (p->rc != WRIT_OK)
		return;
	p->rc = rc;
	p->d->code = "rego_parse_error";
	p->d->line = line;
	p->d->col = col;
	va_start(ap, fmt);
	vsnprintf(p->d->msg, sizeof(p->d->msg), fmt, ap);
	va_end(ap);
}

/* "unexpected X token[: note]", as OPA's rego_p_illegal(). */
void
rego_p_illegal(struct parser *p, const char *note)
{
	enum rego_tok t = tok(p);
	const char *kind = REGO_TK_IS_KEYWORD(t) ? "keyword" : "token";

	if (note != NULL)
		perr(p, "unexpected %s %s: %s", rego_tok_name(t), kind, note);
	else
		perr(p, "unexpected %s %s", rego_tok_name(t), kind);
}

void
rego_p_nomem(struct parser *p)
{
	rego_p_perr_at(p, WRIT_ENOMEM, cur(p)->line, cur(p)->col, "out of memory");
}

bool
rego_p_enter(struct parser *p)
{
	if (p->depth >= p->maxdepth) {
		rego_p_perr_at(p, WRIT_ELIMIT, cur(p)->line, cur(p)->col,
		    "max parsing recursion depth exceeded (limit %u)", p->maxdepth);
		return false;
	}
	p->depth++;
	return true;
}

void
rego_p_leave(struct parser *p)
{
	p->depth--;
}

void *
rego_p_zalloc(struct parser *p, size_t len)
{
	void *v = writ_arena_calloc(p->a, 1, len);

	if (v == NULL)
		rego_p_nomem(p);
	return v;
}

/* Append x to a vector whose capacity is *cap (arena; doubles). */
bool
rego_p_push(struct parser *p, void ***v, size_t *n, size_t *cap, void *x)
{
	void **nv;
	size_t ncap;

	if (*n == *cap) {
		ncap = *cap < 4 ? 4 : *cap * 2;
		if (ncap > SIZE_MAX / sizeof(void *) ||
		    (nv = writ_arena_alloc(p->a, ncap * sizeof(void *))) == NULL) {
			rego_p_nomem(p);
			return false;
		}
		if (*n > 0)
			memcpy(nv, *v, *n * sizeof(void *));
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = x;
	return true;
}

static struct rego_term *
new_term(struct parser *p, enum rego_term_kind kind, const struct rego_token *t)
{
	struct rego_term *x = rego_p_zalloc(p, sizeof(*x));

	if (x != NULL) {
		x->kind = kind;
		x->loc = loc_of(p, t);
	}
	return x;
}

/* A var or string term holding s[len] (copied). */
struct rego_term *
rego_p_text_term(
    struct parser *p, enum rego_term_kind kind, const char *s, size_t len, struct rego_loc loc)
{
	struct rego_term *x = rego_p_zalloc(p, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->kind = kind;
	x->loc = loc;
	x->len = len;
	if ((x->text = writ_arena_strndup(p->a, s, len)) == NULL) {
		rego_p_nomem(p);
		return NULL;
	}
	if (kind == REGO_T_VAR && len == 1 && s[0] == '_')
		x->flags |= REGO_TF_WILDCARD;
	return x;
}

/* The source text from token `from` up to the end of the previous token. */
int
rego_p_span_len(const struct parser *p, size_t from)
{
	const struct rego_token *a = &p->toks[from],
	                        *b = &p->toks[p->pos > from ? p->pos - 1 : from];
	size_t n = (size_t)(b->text + b->len - a->text);

	return (int)(n > 80 ? 80 : n);
}

bool
rego_p_is_text(const struct rego_term *t, enum rego_term_kind kind, const char *s)
{
	return t != NULL && t->kind == kind && strlen(s) == t->len &&
	    memcmp(t->text, s, t->len) == 0;
}

/* ---------------------------------------------------------------------------
 * Calls of operators.
 */

const char *
rego_op_name(enum rego_tok op)
{
	switch (op) {
	case REGO_TK_ASSIGN:
		return "assign";
	case REGO_TK_UNIFY:
		return "eq";
	case REGO_TK_EQUAL:
		return "equal";
	case REGO_TK_NEQ:
		return "neq";
	case REGO_TK_LT:
		return "lt";
	case REGO_TK_LTE:
		return "lte";
	case REGO_TK_GT:
		return "gt";
	case REGO_TK_GTE:
		return "gte";
	case REGO_TK_ADD:
		return "plus";
	case REGO_TK_SUB:
		return "minus";
	case REGO_TK_MUL:
		return "mul";
	case REGO_TK_QUO:
		return "div";
	case REGO_TK_REM:
		return "rem";
	case REGO_TK_AND:
		return "and";
	case REGO_TK_OR:
		return "or";
	case REGO_TK_IN:
		return "internal.member_2";
	default:
		return NULL;
	}
}

/* The operator ref of name ("plus", "internal.member_3") at loc. */
static struct rego_term *
op_ref(struct parser *p, const char *name, struct rego_loc loc)
{
	struct rego_term *r = rego_p_zalloc(p, sizeof(*r)), *x;
	const char *dot = strchr(name, '.');
	size_t cap = 0;

	if (r == NULL)
		return NULL;
	r->kind = REGO_T_REF;
	r->loc = loc;
	x = rego_p_text_term(
	    p, REGO_T_VAR, name, dot != NULL ? (size_t)(dot - name) : strlen(name), loc);
	if (x == NULL || !PUSH(p, r->items, &cap, x))
		return NULL;
	if (dot != NULL) {
		x = rego_p_text_term(p, REGO_T_STRING, dot + 1, strlen(dot + 1), loc);
		if (x == NULL || !PUSH(p, r->items, &cap, x))
			return NULL;
	}
	return r;
}

/* An infix call op(args...) written at the location of its first operand. */
static struct rego_term *
infix_call(struct parser *p, enum rego_tok op, const char *name, struct rego_loc oploc,
    struct rego_term *a1, struct rego_term *a2, struct rego_term *a3)
{
	struct rego_term *c = rego_p_zalloc(p, sizeof(*c)), *o = op_ref(p, name, oploc);
	size_t cap = 0;

	if (c == NULL || o == NULL)
		return NULL;
	c->kind = REGO_T_CALL;
	c->flags = REGO_TF_INFIX;
	c->op = op;
	c->loc = a1->loc;
	c->end_line = (a3 != NULL ? a3 : a2)->end_line;
	if (!PUSH(p, c->items, &cap, o) || !PUSH(p, c->items, &cap, a1) ||
	    !PUSH(p, c->items, &cap, a2) || (a3 != NULL && !PUSH(p, c->items, &cap, a3)))
		return NULL;
	return c;
}

/* ---------------------------------------------------------------------------
 * Infix operators, loosest first.
 */

typedef struct rego_term *(*operand_fn)(struct parser *p);

/* lhs (op rhs)* for the operators in ops, left associative. */
static struct rego_term *
binary(struct parser *p, operand_fn operand, const enum rego_tok *ops, size_t nops)
{
	struct rego_term *lhs, *rhs;
	struct rego_loc oploc;
	enum rego_tok op;
	size_t i;

	if ((lhs = operand(p)) == NULL)
		return NULL;
	for (;;) {
		op = tok(p);
		for (i = 0; i < nops && ops[i] != op; i++)
			;
		if (i == nops)
			return lhs;
		oploc = loc_of(p, cur(p));
		next(p);
		if ((rhs = operand(p)) == NULL)
			return NULL;
		if ((lhs = infix_call(p, op, rego_op_name(op), oploc, lhs, rhs, NULL)) == NULL)
			return NULL;
	}
}

static struct rego_term *
term_factor(struct parser *p)
{
	static const enum rego_tok ops[] = {REGO_TK_MUL, REGO_TK_QUO, REGO_TK_REM};

	return binary(p, rego_p_term, ops, WRIT_ARRAY_LEN(ops));
}

static struct rego_term *
term_arith(struct parser *p)
{
	static const enum rego_tok ops[] = {REGO_TK_ADD, REGO_TK_SUB};

	return binary(p, term_factor, ops, WRIT_ARRAY_LEN(ops));
}

static struct rego_term *
term_and(struct parser *p)
{
	static const enum rego_tok ops[] = {REGO_TK_AND};

	return binary(p, term_arith, ops, WRIT_ARRAY_LEN(ops));
}

static struct rego_term *
term_or(struct parser *p)
{
	static const enum rego_tok ops[] = {REGO_TK_OR};

	return binary(p, term_and, ops, WRIT_ARRAY_LEN(ops));
}

static struct rego_term *
term_relation(struct parser *p)
{
	static const enum rego_tok ops[] = {
	    REGO_TK_EQUAL, REGO_TK_NEQ, REGO_TK_LT, REGO_TK_LTE, REGO_TK_GT, REGO_TK_GTE};

	return binary(p, term_or, ops, WRIT_ARRAY_LEN(ops));
}

/* `k, v in xs` after lhs: internal.member_3, or NULL (position restored). */
static struct rego_term *
term_keyval(struct parser *p, struct rego_term *lhs)
{
	struct mark m = save(p);
	struct rego_term *mhs, *rhs;
	struct rego_loc oploc;

	next(p);
	if ((mhs = term_relation(p)) != NULL && tok(p) == REGO_TK_IN &&
	    !rego_p_keyword_ref_head(p)) {
		oploc = loc_of(p, cur(p));
		next(p);
		if ((rhs = term_relation(p)) != NULL)
			return infix_call(p, REGO_TK_IN, "internal.member_3", oploc, lhs, mhs, rhs);
	}
	rego_p_restore(p, m);
	return NULL;
}

/* The loosest level: `x in xs` and, when keyval, `k, v in xs`. */
struct rego_term *
rego_p_term_infix(struct parser *p, bool keyval)
{
	struct rego_term *lhs, *rhs, *kv;
	struct rego_loc oploc;

	if (!rego_p_enter(p))
		return NULL;
	lhs = term_relation(p);
	while (lhs != NULL) {
		if (keyval && tok(p) == REGO_TK_COMMA) {
			if ((kv = term_keyval(p, lhs)) != NULL) {
				lhs = kv;
				continue;
			}
			if (p->rc != WRIT_OK)
				lhs = NULL;
			break;
		}
		if (tok(p) != REGO_TK_IN || rego_p_keyword_ref_head(p))
			break;
		oploc = loc_of(p, cur(p));
		next(p);
		rhs = term_relation(p);
		lhs = rhs != NULL
		    ? infix_call(p, REGO_TK_IN, "internal.member_2", oploc, lhs, rhs, NULL)
		    : NULL;
	}
	rego_p_leave(p);
	return lhs;
}

/* ---------------------------------------------------------------------------
 * Scalars.
 */

/* Rough decimal exponent of a number literal, to refuse absurd ones. */
static long
decimal_exponent(const char *s)
{
	long e = 0, digits = 0, x = 0;
	bool neg = false, lead = true;

	for (; *s != '\0' && *s != 'e' && *s != 'E' && *s != '.'; s++) {
		if (*s >= '1' && *s <= '9')
			lead = false;
		if (!lead && *s >= '0' && *s <= '9')
			digits++;
	}
	while (*s != '\0' && *s != 'e' && *s != 'E')
		s++;
	if (*s != '\0') {
		s++;
		if (*s == '-' || *s == '+')
			neg = *s++ == '-';
		for (; *s >= '0' && *s <= '9'; s++)
			if (x < 10000000)
				x = x * 10 + (*s - '0');
		e = neg ? -x : x;
	}
	return e + digits;
}

/* A number, with OPA's optional '-' and '.' prefixes. */
static struct rego_term *
parse_number(struct parser *p)
{
	const struct rego_token *start = cur(p);
	char prefix[3];
	size_t np = 0;
	struct rego_term *x;
	const struct rego_token *t;
	char *s;

	if (tok(p) == REGO_TK_SUB) {
		prefix[np++] = '-';
		next(p);
		if (tok(p) != REGO_TK_NUMBER && tok(p) != REGO_TK_DOT)
			return rego_p_illegal(p, "expected number"), NULL;
	}
	if (tok(p) == REGO_TK_DOT) {
		prefix[np++] = '.';
		next(p);
		if (tok(p) != REGO_TK_NUMBER)
			return rego_p_illegal(p, "expected number"), NULL;
	}
	t = cur(p);
	if ((np == 0 || prefix[np - 1] != '.') && t->len > 1 && t->text[0] == '0' &&
	    t->text[1] != '.' && !(t->len > 2 && (t->text[1] == 'e' || t->text[1] == 'E')))
		return rego_p_illegal(p, "expected number without leading zero"), NULL;
	if ((x = new_term(p, REGO_T_NUMBER, start)) == NULL)
		return NULL;
	if ((s = writ_arena_alloc(p->a, np + t->len + 1)) == NULL)
		return rego_p_nomem(p), NULL;
	memcpy(s, prefix, np);
	memcpy(s + np, t->text, t->len);
	s[np + t->len] = '\0';
	x->text = s;
	x->len = np + t->len;
	if (labs(decimal_exponent(s + (s[0] == '-'))) > 30000)
		return perr(p, "number too big"), NULL;
	return x;
}

static struct rego_term *
parse_string(struct parser *p)
{
	const struct rego_token *t = cur(p);
	struct rego_term *x = new_term(p, REGO_T_STRING, t);

	if (x == NULL)
		return NULL;
	x->text = t->s;
	x->len = t->slen;
	x->src = t->text;
	x->srclen = t->len;
	if (t->raw)
		x->flags |= REGO_TF_RAW;
	return x;
}

/* A string part of a template as an expression. */
static bool
tmpl_text(struct parser *p, struct rego_term *tm, size_t *cap)
{
	const struct rego_token *t = cur(p);
	struct rego_expr *e;
	struct rego_term *s;

	if (t->slen == 0)
		return true;
	if ((s = new_term(p, REGO_T_STRING, t)) == NULL ||
	    (e = rego_p_zalloc(p, sizeof(*e))) == NULL)
		return false;
	s->text = t->s;
	s->len = t->slen;
	e->kind = REGO_E_TERM;
	e->loc = s->loc;
	e->end_line = e->term_end_line = s->end_line = t->line;
	e->term = s;
	return PUSH(p, tm->parts, cap, e);
}

/* What OPA refuses inside a template expression; NULL if fine. */
static const char *
tmpl_forbidden(const struct rego_expr *e)
{
	if (e->negated)
		return "unexpected negation ('not') in template-string expression";
	if (e->kind == REGO_E_EVERY)
		return "unexpected 'every' in template-string expression";
	if (e->kind == REGO_E_SOME || e->kind == REGO_E_SOME_IN)
		return "unexpected 'some' in template-string expression";
	if (e->kind == REGO_E_CALL && (e->term->flags & REGO_TF_INFIX)) {
		if (e->term->op == REGO_TK_UNIFY)
			return "unexpected unification ('=') in template-string expression";
		if (e->term->op == REGO_TK_ASSIGN)
			return "unexpected assignment (':=') in template-string expression";
	}
	return NULL;
}

/* $"text{expr}text" or $`...`: parts alternate strings and expressions. */
static struct rego_term *
parse_template(struct parser *p)
{
	struct rego_term *tm = new_term(p, REGO_T_TEMPLATE, cur(p));
	struct rego_expr *e;
	const char *bad;
	size_t cap = 0;

	if (tm == NULL)
		return NULL;
	if (cur(p)->raw)
		tm->flags |= REGO_TF_RAW;
	for (;;) {
		if (!tmpl_text(p, tm, &cap))
			return NULL;
		if (!cur(p)->more)
			return tm;
		next(p);
		if ((e = rego_p_literal(p)) == NULL)
			return perr(p, "invalid template-string expression"), NULL;
		if ((bad = tmpl_forbidden(e)) != NULL)
			return rego_p_perr_at(p, WRIT_EPARSE, e->loc.line, e->loc.col, "%s", bad),
			       NULL;
		if (!PUSH(p, tm->parts, &cap, e))
			return NULL;
		if (tok(p) != REGO_TK_TMPL_CONT)
			return perr(p, "expected } to end template string expression"), NULL;
	}
}

/* ---------------------------------------------------------------------------
 * Collections and comprehensions.
 */

/* Terms separated by ',' up to end (optional trailing comma), appended to out. */
static bool
term_list(struct parser *p, enum rego_tok end, struct rego_term *out, size_t *cap)
{
	struct rego_term *x;
	char note[40];

	if (tok(p) == end)
		return true;
	for (;;) {
		if ((x = rego_p_term_infix(p, false)) == NULL || !PUSH(p, out->items, cap, x))
			return false;
		if (tok(p) == end)
			return true;
		if (tok(p) != REGO_TK_COMMA) {
			snprintf(
			    note, sizeof(note), "expected \",\" or \"%s\"", rego_tok_name(end));
			return rego_p_illegal(p, note), false;
		}
		next(p);
		if (tok(p) == end)
			return true;
	}
}

/* key: value pairs up to '}', appended to out. */
static bool
pair_list(struct parser *p, struct rego_term *out, size_t *kcap, size_t *vcap)
{
	struct rego_term *k, *v;

	if (tok(p) == REGO_TK_RBRACE)
		return true;
	for (;;) {
		if ((k = rego_p_term_infix(p, false)) == NULL)
			return false;
		if (tok(p) != REGO_TK_COLON)
			return rego_p_illegal(p, "expected \":\""), false;
		next(p);
		if ((v = rego_p_term_infix(p, false)) == NULL || !PUSH(p, out->keys, kcap, k) ||
		    !PUSH(p, out->items, vcap, v))
			return false;
		if (tok(p) == REGO_TK_RBRACE)
			return true;
		if (tok(p) != REGO_TK_COMMA)
			return rego_p_illegal(p, "expected \",\" or \"}\""), false;
		next(p);
		if (tok(p) == REGO_TK_RBRACE)
			return true;
	}
}

/* A comprehension x | body up to end; the current token is '|'. */
static struct rego_term *
comprehension(struct parser *p, struct rego_term *x, enum rego_term_kind kind,
    struct rego_term *key, struct rego_term *head, enum rego_tok end)
{
	next(p);
	if ((x->body = rego_p_body(p, end)) == NULL)
		return NULL;
	x->kind = kind;
	x->key = key;
	x->head = head;
	return x;
}

/* [ ... ]: an array or an array comprehension; ends on ']'. */
static struct rego_term *
parse_array(struct parser *p)
{
	struct rego_term *x = new_term(p, REGO_T_ARRAY, cur(p)), *head;
	bool maybe_compr = true;
	struct mark m;
	size_t cap = 0;

	if (x == NULL)
		return NULL;
	next(p);
	if (tok(p) == REGO_TK_RBRACK)
		return x;
	if (tok(p) == REGO_TK_COMMA) {
		maybe_compr = false;
		next(p);
	}
	m = save(p);
	if ((head = rego_p_term(p)) == NULL)
		return NULL;
	if (tok(p) == REGO_TK_OR && maybe_compr) {
		if (comprehension(p, x, REGO_T_ARRAY_COMPR, NULL, head, REGO_TK_RBRACK) != NULL)
			return x;
		if (tok(p) != REGO_TK_COMMA || !rego_p_restore(p, m))
			return NULL;
		x->kind = REGO_T_ARRAY;
	}
	if (!rego_p_restore(p, m))
		return NULL;
	if (!term_list(p, REGO_TK_RBRACK, x, &cap))
		return NULL;
	return x;
}

/* The rest of a set whose first element is head; ends on '}'. */
static struct rego_term *
parse_set(
    struct parser *p, struct rego_term *x, struct mark m, struct rego_term *head, bool maybe_compr)
{
	size_t cap = 0;

	x->kind = REGO_T_SET;
	switch (tok(p)) {
	case REGO_TK_RBRACE:
		return PUSH(p, x->items, &cap, head) ? x : NULL;
	case REGO_TK_COMMA:
		next(p);
		if (!PUSH(p, x->items, &cap, head) || !term_list(p, REGO_TK_RBRACE, x, &cap))
			return NULL;
		return x;
	default: /* '|' */
		if (maybe_compr) {
			if (comprehension(p, x, REGO_T_SET_COMPR, NULL, head, REGO_TK_RBRACE) !=
			    NULL)
				return x;
			if (tok(p) != REGO_TK_COMMA)
				return NULL;
			x->kind = REGO_T_SET;
		}
		if (!rego_p_restore(p, m) || !term_list(p, REGO_TK_RBRACE, x, &cap))
			return NULL;
		return x;
	}
}

/* After key and value of an object's first pair. */
static struct rego_term *
object_finish(struct parser *p, struct rego_term *x, struct rego_term *k, struct rego_term *v,
    bool maybe_compr)
{
	size_t kcap = 0, vcap = 0;

	x->kind = REGO_T_OBJECT;
	switch (tok(p)) {
	case REGO_TK_RBRACE:
		if (!PUSH(p, x->keys, &kcap, k) || !PUSH(p, x->items, &vcap, v))
			return NULL;
		return x;
	case REGO_TK_OR:
		if (!maybe_compr)
			return rego_p_illegal(p, "non-terminated object"), NULL;
		return comprehension(p, x, REGO_T_OBJECT_COMPR, k, v, REGO_TK_RBRACE);
	case REGO_TK_COMMA:
		next(p);
		if (!PUSH(p, x->keys, &kcap, k) || !PUSH(p, x->items, &vcap, v) ||
		    !pair_list(p, x, &kcap, &vcap))
			return NULL;
		return x;
	default:
		return rego_p_illegal(p, "non-terminated object"), NULL;
	}
}

/* An object or object comprehension; the current token is the ':' after k. */
static struct rego_term *
parse_object(struct parser *p, struct rego_term *x, struct rego_term *k, bool maybe_compr)
{
	struct rego_term *v;
	bool maybe_rel = true;
	struct mark m;

	next(p);
	m = save(p);
	if ((v = rego_p_term(p)) == NULL)
		return NULL;
	if (maybe_compr &&
	    (tok(p) == REGO_TK_RBRACE || tok(p) == REGO_TK_COMMA || tok(p) == REGO_TK_OR)) {
		maybe_rel = tok(p) == REGO_TK_OR;
		if (object_finish(p, x, k, v, true) != NULL)
			return x;
	}
	if (!rego_p_restore(p, m))
		return NULL;
	if (maybe_rel) {
		if ((v = rego_p_term_infix(p, false)) == NULL)
			return NULL;
		if (tok(p) == REGO_TK_RBRACE || tok(p) == REGO_TK_COMMA)
			return object_finish(p, x, k, v, false);
	}
	return rego_p_illegal(p, "non-terminated object"), NULL;
}

/* { ... }: an object, set or one of their comprehensions; ends on '}'. */
static struct rego_term *
parse_braces(struct parser *p)
{
	struct rego_term *x = new_term(p, REGO_T_OBJECT, cur(p)), *head;
	bool maybe_compr = true;
	struct mark m;

	if (x == NULL)
		return NULL;
	next(p);
	if (tok(p) == REGO_TK_RBRACE)
		return x;
	if (tok(p) == REGO_TK_COMMA) {
		maybe_compr = false;
		next(p);
	}
	m = save(p);
	if ((head = rego_p_term(p)) == NULL)
		return NULL;
	if ((tok(p) == REGO_TK_OR && maybe_compr) || tok(p) == REGO_TK_RBRACE ||
	    tok(p) == REGO_TK_COMMA)
		return parse_set(p, x, m, head, maybe_compr);
	if (tok(p) == REGO_TK_COLON)
		return parse_object(p, x, head, maybe_compr);
	if (!rego_p_restore(p, m) || (head = rego_p_term_infix(p, false)) == NULL)
		return NULL;
	if (tok(p) == REGO_TK_RBRACE || tok(p) == REGO_TK_COMMA)
		return parse_set(p, x, m, head, false);
	if (tok(p) == REGO_TK_COLON)
		return parse_object(p, x, head, maybe_compr);
	return rego_p_illegal(p, "non-terminated set"), NULL;
}

/* ---------------------------------------------------------------------------
 * Terms and references.
 */

/* op(args...); the current token is '('; ends on ')'. */
static struct rego_term *
parse_call(struct parser *p, struct rego_term *op)
{
	struct rego_term *c = rego_p_zalloc(p, sizeof(*c));
	size_t cap = 0;

	if (c == NULL)
		return NULL;
	c->kind = REGO_T_CALL;
	c->loc = op->loc;
	next(p);
	if (tok(p) == REGO_TK_RPAREN && op->items.n == 1 &&
	    rego_p_is_text(op->items.v[0], REGO_T_VAR, "set")) {
		c->kind = REGO_T_SET; /* set() is the empty set */
		return c;
	}
	if (!PUSH(p, c->items, &cap, op) || !term_list(p, REGO_TK_RPAREN, c, &cap))
		return NULL;
	return c;
}

static bool
ref_head_ok(const struct rego_term *h)
{
	switch (h->kind) {
	case REGO_T_VAR:
	case REGO_T_ARRAY:
	case REGO_T_OBJECT:
	case REGO_T_SET:
	case REGO_T_ARRAY_COMPR:
	case REGO_T_SET_COMPR:
	case REGO_T_OBJECT_COMPR:
	case REGO_T_CALL:
		return true;
	default:
		return false;
	}
}

const char *
rego_p_kind_name(enum rego_term_kind k)
{
	static const char *const names[] = {"null", "boolean", "number", "string", "var", "ref",
	    "array", "set", "object", "arraycomprehension", "setcomprehension",
	    "objectcomprehension", "call", "templatestring"};

	return names[k];
}

/* One '.name' or '[term]' operand appended to ref; the current token is '.' or '['. */
static bool
ref_operand(struct parser *p, struct rego_term *ref, size_t *cap)
{
	struct rego_term *x;
	const struct rego_token *t;

	if (tok(p) == REGO_TK_DOT) {
		next(p);
		t = cur(p);
		if (t->ws_before || (t->type != REGO_TK_IDENT && !REGO_TK_IS_KEYWORD(t->type)))
			return rego_p_illegal(p, "expected ident"), false;
		x = rego_p_text_term(p, REGO_T_STRING, t->text, t->len, loc_of(p, t));
		if (x == NULL)
			return false;
		x->src = NULL;
		next(p);
		return PUSH(p, ref->items, cap, x);
	}
	next(p);
	if ((x = rego_p_term_infix(p, true)) == NULL)
		return false;
	if (tok(p) != REGO_TK_RBRACK)
		return rego_p_illegal(p, "expected ]"), false;
	next(p);
	return PUSH(p, ref->items, cap, x);
}

/* head followed by .x, [x] or (args); the current token is the first of those. */
struct rego_term *
rego_p_ref(struct parser *p, struct rego_term *head)
{
	struct rego_term *ref, *call;
	size_t cap = 0;

	if (!ref_head_ok(head))
		return rego_p_perr_at(p, WRIT_EPARSE, head->loc.line, head->loc.col,
		           "illegal ref (head cannot be %s)", rego_p_kind_name(head->kind)),
		       NULL;
	if ((ref = rego_p_zalloc(p, sizeof(*ref))) == NULL || !PUSH(p, ref->items, &cap, head))
		return NULL;
	ref->kind = REGO_T_REF;
	ref->loc = head->loc;
	while (continues_ref(p)) {
		if (tok(p) != REGO_TK_LPAREN) {
			if (!ref_operand(p, ref, &cap))
				return NULL;
			continue;
		}
		if ((call = parse_call(p, ref)) == NULL)
			return NULL;
		next(p);
		if (continues_ref(p) && tok(p) != REGO_TK_LPAREN)
			return rego_p_ref(p, call);
		return call;
	}
	return ref;
}

/* After a primary term: a ref continues, or `data`/`input` alone become refs. */
static struct rego_term *
term_finish(struct parser *p, struct rego_term *x)
{
	struct rego_term *ref;
	size_t cap = 0;

	next(p);
	if (continues_ref(p)) {
		if ((ref = rego_p_ref(p, x)) != NULL)
			ref->end_line = p->toks[p->pos - 1].end_line;
		return ref;
	}
	if (rego_p_is_text(x, REGO_T_VAR, "data") || rego_p_is_text(x, REGO_T_VAR, "input")) {
		if ((ref = rego_p_zalloc(p, sizeof(*ref))) == NULL || !PUSH(p, ref->items, &cap, x))
			return NULL;
		ref->kind = REGO_T_REF;
		ref->loc = x->loc;
		ref->end_line = x->end_line;
		return ref;
	}
	return x;
}

/* A keyword used as the head of a ref (`else.x`, `in[0]`), as OPA allows. */
bool
rego_p_keyword_ref_head(const struct parser *p)
{
	const struct rego_token *n = peek(p);

	return REGO_TK_IS_KEYWORD(tok(p)) && !n->ws_before &&
	    (n->type == REGO_TK_DOT || n->type == REGO_TK_LBRACK);
}

/* ( term ); ends on ')'. */
static struct rego_term *
parse_paren(struct parser *p)
{
	struct rego_term *x;

	next(p);
	if ((x = rego_p_term_infix(p, true)) == NULL)
		return NULL;
	if (tok(p) != REGO_TK_RPAREN)
		return perr(p, "non-terminated expression"), NULL;
	x->flags |= REGO_TF_PAREN;
	x->end_line = cur(p)->end_line;
	return x;
}

/* A primary term; leaves the current token on its last token. */
static struct rego_term *
parse_primary(struct parser *p)
{
	const struct rego_token *t = cur(p);
	struct rego_term *x;

	if (rego_p_keyword_ref_head(p))
		return rego_p_text_term(p, REGO_T_VAR, t->text, t->len, loc_of(p, t));
	switch (t->type) {
	case REGO_TK_NULL:
		return new_term(p, REGO_T_NULL, t);
	case REGO_TK_TRUE:
	case REGO_TK_FALSE:
		if ((x = new_term(p, REGO_T_BOOL, t)) != NULL)
			x->b = t->type == REGO_TK_TRUE;
		return x;
	case REGO_TK_SUB:
	case REGO_TK_DOT:
	case REGO_TK_NUMBER:
		return parse_number(p);
	case REGO_TK_STRING:
		return parse_string(p);
	case REGO_TK_TMPL:
		return parse_template(p);
	case REGO_TK_IDENT:
	case REGO_TK_CONTAINS:
		return rego_p_text_term(p, REGO_T_VAR, t->text, t->len, loc_of(p, t));
	case REGO_TK_LBRACK:
		return parse_array(p);
	case REGO_TK_LBRACE:
		return parse_braces(p);
	case REGO_TK_LPAREN:
		return parse_paren(p);
	default:
		return rego_p_illegal(p, NULL), NULL;
	}
}

/* A term with its ref continuation; leaves the current token after it. */
struct rego_term *
rego_p_term(struct parser *p)
{
	struct rego_term *x;

	if (!rego_p_enter(p))
		return NULL;
	x = parse_primary(p);
	if (x != NULL) {
		x->end_line = cur(p)->end_line;
		x = term_finish(p, x);
	}
	rego_p_leave(p);
	return x;
}

/* ---------------------------------------------------------------------------
 * Expressions and bodies.
 */

static struct rego_expr *
new_expr(struct parser *p, enum rego_expr_kind kind, struct rego_loc loc)
{
	struct rego_expr *e = rego_p_zalloc(p, sizeof(*e));

	if (e != NULL) {
		e->kind = kind;
		e->loc = loc;
	}
	return e;
}

/* `with target as value`, repeated. */
static bool
parse_with(struct parser *p, struct rego_expr *e)
{
	struct rego_with *w;
	size_t cap = 0;

	while (tok(p) == REGO_TK_WITH && !rego_p_keyword_ref_head(p)) {
		if ((w = rego_p_zalloc(p, sizeof(*w))) == NULL)
			return false;
		w->loc = loc_of(p, cur(p));
		next(p);
		if (tok(p) != REGO_TK_IDENT && !rego_p_keyword_ref_head(p))
			return rego_p_illegal(p, "expected ident"), false;
		if ((w->target = rego_p_term(p)) == NULL)
			return false;
		if (w->target->kind != REGO_T_REF && w->target->kind != REGO_T_VAR)
			return rego_p_illegal(p, "expected with target path"), false;
		if (tok(p) != REGO_TK_AS)
			return rego_p_illegal(p, "expected as keyword"), false;
		next(p);
		if ((w->value = rego_p_term_infix(p, true)) == NULL || !PUSH(p, e->with, &cap, w))
			return false;
	}
	return true;
}

static bool
is_member_call(const struct rego_term *t)
{
	return t->kind == REGO_T_CALL && (t->flags & REGO_TF_INFIX) && t->op == REGO_TK_IN;
}

/* `some x, y` or `some x in xs` / `some k, v in xs`; the current token is `some`. */
static struct rego_expr *
parse_some(struct parser *p)
{
	struct rego_expr *e = new_expr(p, REGO_E_SOME, loc_of(p, cur(p)));
	struct mark m = save(p);
	struct rego_term *t;
	size_t cap = 0;

	if (e == NULL)
		return NULL;
	next(p);
	if ((t = rego_p_term_infix(p, true)) != NULL && t->kind == REGO_T_CALL) {
		if (!is_member_call(t))
			return rego_p_illegal(p, "expected `x in xs` or `x, y in xs` expression"),
			       NULL;
		e->kind = REGO_E_SOME_IN;
		e->term = t;
		e->term_end_line = p->toks[p->pos - 1].end_line;
		return parse_with(p, e) ? e : NULL;
	}
	if (!rego_p_restore(p, m))
		return NULL;
	do {
		next(p);
		if (tok(p) != REGO_TK_IDENT)
			return rego_p_illegal(p, "expected var"), NULL;
		t = rego_p_text_term(p, REGO_T_VAR, cur(p)->text, cur(p)->len, loc_of(p, cur(p)));
		if (t == NULL || !PUSH(p, e->vars, &cap, t))
			return NULL;
		next(p);
	} while (tok(p) == REGO_TK_COMMA);
	return e;
}

/* `every [k,] v in xs { body }`; the current token is `every`. */
static struct rego_expr *
parse_every(struct parser *p)
{
	struct rego_expr *e = new_expr(p, REGO_E_EVERY, loc_of(p, cur(p)));
	struct rego_term *t;

	if (e == NULL)
		return NULL;
	next(p);
	if ((t = rego_p_term_infix(p, true)) == NULL)
		return NULL;
	if (!is_member_call(t))
		return rego_p_illegal(p, "expected `x[, y] in xs { ... }` expression"), NULL;
	if (t->items.n == 4) {
		e->key = t->items.v[1];
		if (e->key->kind != REGO_T_VAR)
			return rego_p_illegal(p, "expected key to be a variable"), NULL;
	}
	e->value = t->items.v[t->items.n - 2];
	e->domain = t->items.v[t->items.n - 1];
	if (e->value->kind != REGO_T_VAR)
		return rego_p_illegal(p, "expected value to be a variable"), NULL;
	if (tok(p) != REGO_TK_LBRACE)
		return rego_p_illegal(p, "missing body"), NULL;
	next(p);
	if ((e->body = rego_p_body(p, REGO_TK_RBRACE)) == NULL)
		return NULL;
	next(p);
	e->term_end_line = p->toks[p->pos - 1].end_line;
	return parse_with(p, e) ? e : NULL;
}

/* term, or lhs := rhs / lhs = rhs, with its `with` modifiers. */
static struct rego_expr *
parse_expr(struct parser *p, bool negated)
{
	struct rego_expr *e = new_expr(p, REGO_E_TERM, loc_of(p, cur(p)));
	struct rego_term *lhs, *rhs;
	struct rego_loc oploc;
	enum rego_tok op;

	if (e == NULL || (lhs = rego_p_term_infix(p, true)) == NULL)
		return NULL;
	e->negated = negated;
	e->term = lhs;
	if (tok(p) == REGO_TK_ASSIGN || tok(p) == REGO_TK_UNIFY) {
		op = tok(p);
		oploc = loc_of(p, cur(p));
		next(p);
		if ((rhs = rego_p_term_infix(p, true)) == NULL)
			return NULL;
		if ((e->term = infix_call(p, op, rego_op_name(op), oploc, lhs, rhs, NULL)) == NULL)
			return NULL;
	}
	if (e->term->kind == REGO_T_CALL)
		e->kind = REGO_E_CALL;
	e->term_end_line = p->toks[p->pos - 1].end_line;
	return parse_with(p, e) ? e : NULL;
}

/* One literal of a body: [not] expr [with ...], some ..., every ... */
struct rego_expr *
rego_p_literal(struct parser *p)
{
	struct rego_loc start = loc_of(p, cur(p));
	struct rego_expr *e;
	bool negated = false;

	if (tok(p) == REGO_TK_NOT && !rego_p_keyword_ref_head(p)) {
		next(p);
		negated = true;
	}
	if (tok(p) == REGO_TK_SOME && !rego_p_keyword_ref_head(p)) {
		if (negated)
			return rego_p_illegal(p, "illegal negation of 'some'"), NULL;
		e = parse_some(p);
	} else if (tok(p) == REGO_TK_EVERY && !rego_p_keyword_ref_head(p)) {
		if (negated)
			return rego_p_illegal(p, "illegal negation of 'every'"), NULL;
		e = parse_every(p);
	} else {
		e = parse_expr(p, negated);
	}
	if (e != NULL) {
		e->loc = start;
		e->end_line = p->toks[p->pos > 0 ? p->pos - 1 : 0].end_line;
		if (e->term_end_line == 0)
			e->term_end_line = e->end_line;
	}
	return e;
}

/* Literals separated by ';' or newlines, up to (not past) end. */
struct rego_body *
rego_p_query(struct parser *p, enum rego_tok end)
{
	struct rego_body *b = rego_p_zalloc(p, sizeof(*b));
	struct rego_expr *e;
	char note[40];
	size_t cap = 0;

	if (b == NULL)
		return NULL;
	b->loc = loc_of(p, cur(p));
	if (tok(p) == end)
		return perr(p, "found empty body"), NULL;
	for (;;) {
		if ((e = rego_p_literal(p)) == NULL || !PUSH(p, b->exprs, &cap, e))
			return NULL;
		if (tok(p) == REGO_TK_SEMI) {
			next(p);
			continue;
		}
		if (tok(p) == end)
			return b;
		if (!cur(p)->nl_before) {
			snprintf(note, sizeof(note), "expected \\n or ; or %s", rego_tok_name(end));
			return rego_p_illegal(p, note), NULL;
		}
	}
}

struct rego_body *
rego_p_body(struct parser *p, enum rego_tok end)
{
	struct rego_body *b;

	if (!rego_p_enter(p))
		return NULL;
	b = rego_p_query(p, end);
	rego_p_leave(p);
	return b;
}
