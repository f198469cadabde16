/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Canonical Rego source in the style of `opa fmt` (v1/format/format.go,
 * whose layout rules this follows; no code is shared):
 *  - `package`, a blank line, the imports sorted within each group of
 *    adjacent lines, the rules one blank line apart (one-liners on adjacent
 *    lines stay together), tabs for indentation;
 *  - a rule body that is one literal on the line of the head stays there
 *    (`p if x`), any other body goes in braces, one literal a line; `:=`
 *    for every head value; else branches on the closing brace's line, or
 *    after a blank line when the source put `else` on a line of its own;
 *  - collections, calls and comprehensions stay on one line when they were
 *    written on one line; otherwise each source line of elements becomes a
 *    line, with a trailing comma and the closing bracket on its own line;
 *  - single blank lines between literals and comments are kept; comments
 *    stay before, or at the end of, the line they were on;
 *  - strings keep their source spelling; parentheses are printed where the
 *    source had them or precedence needs them.
 * The output parses back to the same tree, and formatting it again changes
 * nothing (tests/unit/test_rego_parse.c checks both over OPA's suite).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"

#include "rego/ast.h"
#include "rego/lex.h"

struct fmt {
	struct writ_buf *out;
	writ_rc rc;
	const struct rego_module *m; /* NULL: no comments */
	size_t ncomment;             /* comments printed so far */
	int indent;
	uint32_t last;  /* source line of the last thing printed in this block; 0 at its start */
	bool ref_heads; /* some rule needs ref heads: print every head as a ref */
	const struct rego_term *paren; /* a negative number to print in parentheses */
	const struct rego_term *wrap;  /* an expression to print in parentheses */
	bool flat; /* all on one line, whatever the source's lines (rego_fmt_expr) */
};

/* Precedence of list elements: only `|` and `k, v in xs` need parentheses there. */
#define PREC_LIST 8

static void f_term(struct fmt *f, const struct rego_term *t, int prec);
static void f_body(struct fmt *f, const struct rego_body *b, uint32_t close_line);
static void f_expr(struct fmt *f, const struct rego_expr *e);

/* ---------------------------------------------------------------------------
 * Output.
 */

static void
f_n(struct fmt *f, const char *s, size_t len)
{
	if (f->rc == WRIT_OK)
		f->rc = writ_buf_append(f->out, s, len);
}

static void
f_s(struct fmt *f, const char *s)
{
	f_n(f, s, strlen(s));
}

static void
f_indent(struct fmt *f)
{
	int i;

	for (i = 0; i < f->indent; i++)
		f_s(f, "\t");
}

/* Make sure the output ends with an empty line (not at its start). */
static void
f_blank(struct fmt *f)
{
	const struct writ_buf *b = f->out;

	if (b->len == 0 ||
	    (b->len >= 2 && b->ptr[b->len - 1] == '\n' && b->ptr[b->len - 2] == '\n'))
		return;
	f_s(f, b->ptr[b->len - 1] == '\n' ? "\n" : "\n\n");
}

/* A blank line if something of this block came before and line is not next to it. */
static void
f_gap(struct fmt *f, uint32_t line)
{
	if (f->last != 0 && line > f->last + 1)
		f_blank(f);
}

/* ---------------------------------------------------------------------------
 * Comments.
 */

static const struct rego_comment *
f_next_comment(const struct fmt *f)
{
	if (f->m == NULL || f->ncomment >= f->m->comments.n)
		return NULL;
	return f->m->comments.v[f->ncomment];
}

/* The text after '#' without trailing blanks. */
static void
f_comment(struct fmt *f, const struct rego_comment *c)
{
	size_t len = c->len;

	while (len > 0 && strchr(" \t\r\v\f", c->text[len - 1]) != NULL)
		len--;
	f_s(f, "#");
	f_n(f, c->text, len);
}

/* Print, each on its own line, the comments that start before line. */
static void
f_comments_before(struct fmt *f, uint32_t line)
{
	const struct rego_comment *c;

	while ((c = f_next_comment(f)) != NULL && c->line < line) {
		f_gap(f, c->line);
		f_indent(f);
		f_comment(f, c);
		f_s(f, "\n");
		if (c->line > f->last)
			f->last = c->line;
		f->ncomment++;
	}
}

/*
 * End the line, with the comments that start at or before line at its end.
 * There is normally one; comments that sat inside an expression printed on
 * one line are joined to it, so that they stay within their statement (a
 * comment moved between statements could turn into a METADATA block).
 */
static void
f_eol(struct fmt *f, uint32_t line)
{
	const struct rego_comment *c;

	while ((c = f_next_comment(f)) != NULL && c->line <= line) {
		f_s(f, " ");
		f_comment(f, c);
		f->ncomment++;
	}
	f_s(f, "\n");
	if (line > f->last)
		f->last = line;
}

/* True if a pending comment starts on a line in [from, to): inside a construct. */
static bool
f_comments_within(const struct fmt *f, uint32_t from, uint32_t to)
{
	size_t i;

	for (i = f->ncomment; f->m != NULL && i < f->m->comments.n; i++) {
		uint32_t line = f->m->comments.v[i]->line;

		if (line >= to)
			return false;
		if (line >= from)
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------------------
 * Terms.
 */

/* Binding strength of an infix operator (higher binds tighter). */
static int
prec_of(enum rego_tok op)
{
	switch (op) {
	case REGO_TK_ASSIGN:
	case REGO_TK_UNIFY:
		return 0;
	case REGO_TK_IN:
		return 1;
	case REGO_TK_EQUAL:
	case REGO_TK_NEQ:
	case REGO_TK_LT:
	case REGO_TK_LTE:
	case REGO_TK_GT:
	case REGO_TK_GTE:
		return 2;
	case REGO_TK_OR:
		return 3;
	case REGO_TK_AND:
		return 4;
	case REGO_TK_ADD:
	case REGO_TK_SUB:
		return 5;
	default:
		return 6;
	}
}

static bool
is_ident(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		        (i > 0 && c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

static void
f_string(struct fmt *f, const struct rego_term *t)
{
	if (t->src != NULL) {
		f_n(f, t->src, t->srclen);
		return;
	}
	if (f->rc == WRIT_OK)
		f->rc = writ_buf_append_json_str(f->out, t->text, t->len);
}

/*
 * ".name" for a string that is an identifier (a keyword only if the source
 * wrote it after a dot), else "[term]".
 */
static void
f_operand(struct fmt *f, const struct rego_term *x)
{
	if (x->kind == REGO_T_STRING && is_ident(x->text, x->len) &&
	    (x->src == NULL || !rego_is_keyword(x->text, x->len))) {
		f_s(f, ".");
		f_n(f, x->text, x->len);
	} else {
		f_s(f, "[");
		f_term(f, x, 0);
		f_s(f, "]");
	}
}

static void
f_ref(struct fmt *f, const struct rego_term *t)
{
	size_t i;

	f_term(f, t->items.v[0], 7);
	for (i = 1; i < t->items.n; i++)
		f_operand(f, t->items.v[i]);
}

/* An operand of an infix call: nested infix calls get parentheses, as opa fmt prints them. */
static void
f_operand_of(struct fmt *f, const struct rego_term *o, int prec, bool force)
{
	bool infix = o->kind == REGO_T_CALL && (o->flags & REGO_TF_INFIX);

	f_term(f, o, infix && force ? 99 : prec);
}

/*
 * An infix call; parentheses when its operator binds looser than the context.
 * top: the call is a whole expression, whose operands need no parentheses.
 */
static void
f_infix(struct fmt *f, const struct rego_term *t, int prec, bool top)
{
	int mine = prec_of(t->op);
	bool force = !top || t->op == REGO_TK_IN;
	bool paren = (t->flags & REGO_TF_PAREN) ||
	    (prec == PREC_LIST ? t->op == REGO_TK_OR || t->items.n == 4 : mine < prec);

	if (paren)
		f_s(f, "(");
	f_operand_of(f, t->items.v[1], mine, force);
	if (t->items.n == 4) {
		f_s(f, ", ");
		f_operand_of(f, t->items.v[2], mine + 1, force);
	}
	f_s(f, " ");
	f_s(f, rego_tok_name(t->op));
	f_s(f, " ");
	f_operand_of(f, t->items.v[t->items.n - 1], mine + 1, force);
	if (paren)
		f_s(f, ")");
}

/* A template part's text with '{' escaped ('\{'), and for "..." quotes and controls. */
static void
f_tmpl_text(struct fmt *f, const char *s, size_t len, bool raw)
{
	struct writ_buf tmp;
	size_t i;

	if (raw) {
		for (i = 0; i < len; i++)
			f_n(f, s[i] == '{' ? "\\{" : s + i, s[i] == '{' ? 2 : 1);
		return;
	}
	writ_buf_init(&tmp, 0);
	if (writ_buf_append_json_str(&tmp, s, len) != WRIT_OK) {
		f->rc = WRIT_ENOMEM;
	} else {
		for (i = 1; i + 1 < tmp.len; i++)
			f_n(f, tmp.ptr[i] == '{' ? "\\{" : tmp.ptr + i, tmp.ptr[i] == '{' ? 2 : 1);
	}
	writ_buf_free(&tmp);
}

static void
f_template(struct fmt *f, const struct rego_term *t)
{
	bool raw = t->flags & REGO_TF_RAW;
	size_t i;

	f_s(f, raw ? "$`" : "$\"");
	for (i = 0; i < t->parts.n; i++) {
		const struct rego_expr *e = t->parts.v[i];

		if (e->kind == REGO_E_TERM && e->term->kind == REGO_T_STRING &&
		    e->term->src == NULL) {
			f_tmpl_text(f, e->term->text, e->term->len, raw);
			continue;
		}
		f_s(f, "{");
		f_expr(f, e);
		f_s(f, "}");
	}
	f_s(f, raw ? "`" : "\"");
}

/* Start line of an element (a term, or the key of an object pair). */
static uint32_t
elem_line(struct rego_term *const *v, size_t i)
{
	return v[i]->loc.line;
}

/* Last line of element i (its value's, for an object pair). */
static uint32_t
elem_end(struct rego_term *const *v, struct rego_term *const *vals, size_t i)
{
	uint32_t end = vals != NULL ? vals[i]->end_line : v[i]->end_line;

	return end > v[i]->loc.line ? end : v[i]->loc.line;
}

/*
 * Elements v[0..n) (with values vals when an object) between brackets opened
 * on line open: on one line, or one line per source line of elements.
 */
static void
f_elems(struct fmt *f, uint32_t open, struct rego_term *const *v, struct rego_term *const *vals,
    size_t n, uint32_t close)
{
	bool multi = false;
	uint32_t saved = f->last;
	size_t i;

	for (i = 0; i < n; i++)
		multi = multi || elem_line(v, i) > (i == 0 ? open : elem_line(v, i - 1));
	multi = !f->flat && (multi || (n > 0 && f_comments_within(f, open, close)));
	if (multi) {
		f_eol(f, open);
		f->indent++;
		f->last = 0;
	}
	for (i = 0; i < n; i++) {
		if (multi && (i == 0 || elem_line(v, i) > elem_line(v, i - 1))) {
			if (i > 0)
				f_eol(f, elem_end(v, vals, i - 1));
			f_comments_before(f, elem_line(v, i));
			f_indent(f);
		}
		f_term(f, v[i], PREC_LIST);
		if (vals != NULL) {
			f_s(f, ": ");
			f_term(f, vals[i], PREC_LIST);
		}
		f_s(f,
		    multi && i + 1 < n && elem_line(v, i + 1) > elem_line(v, i) ? ","
		        : i + 1 < n                                             ? ", "
		        : multi                                                 ? ","
		                                                                : "");
	}
	if (multi) {
		f_eol(f, n > 0 ? elem_end(v, vals, n - 1) : open);
		f_comments_before(f, close);
		f->indent--;
		f->last = saved;
		f_indent(f);
	}
}

/* A comprehension or every body: inline ("; ") or one literal a line. */
static void
f_compr_body(struct fmt *f, const struct rego_body *b, uint32_t head_line, uint32_t close)
{
	uint32_t saved = f->last;
	bool multi = b->exprs.v[0]->loc.line > head_line;
	size_t i;

	for (i = 1; i < b->exprs.n; i++)
		multi = multi || b->exprs.v[i]->loc.line > b->exprs.v[i - 1]->end_line;
	multi = !f->flat && (multi || f_comments_within(f, head_line, close));
	if (!multi) {
		for (i = 0; i < b->exprs.n; i++) {
			f_s(f, i > 0 ? "; " : " ");
			f_expr(f, b->exprs.v[i]);
		}
		return;
	}
	f_eol(f, head_line);
	f->last = 0;
	f_body(f, b, close);
	f->last = saved;
	f_indent(f);
}

static void
f_collection(struct fmt *f, const struct rego_term *t)
{
	static const char open[] = {[REGO_T_ARRAY] = '[',
	    [REGO_T_SET] = '{',
	    [REGO_T_OBJECT] = '{',
	    [REGO_T_ARRAY_COMPR] = '[',
	    [REGO_T_SET_COMPR] = '{',
	    [REGO_T_OBJECT_COMPR] = '{'};
	char c[2] = {open[t->kind], '\0'};

	if (t->kind == REGO_T_SET && t->items.n == 0) {
		f_s(f, "set()");
		return;
	}
	f_s(f, c);
	if (t->kind == REGO_T_ARRAY || t->kind == REGO_T_SET || t->kind == REGO_T_OBJECT) {
		f_elems(f, t->loc.line, t->kind == REGO_T_OBJECT ? t->keys.v : t->items.v,
		    t->kind == REGO_T_OBJECT ? t->items.v : NULL,
		    t->kind == REGO_T_OBJECT ? t->keys.n : t->items.n, t->end_line);
	} else {
		if (t->key != NULL) {
			f_term(f, t->key, PREC_LIST);
			f_s(f, ": ");
		}
		f_term(f, t->head, 7);
		f_s(f, " |");
		f_compr_body(
		    f, t->body, t->head->end_line ? t->head->end_line : t->loc.line, t->end_line);
	}
	f_s(f, c[0] == '[' ? "]" : "}");
}

/*
 * A term in a context of precedence prec: 0 statement level, 1 operand of
 * `in`, 2 operand of a relation, ..., 7 ref head, PREC_LIST list element.
 */
static void
f_term(struct fmt *f, const struct rego_term *t, int prec)
{
	switch (t->kind) {
	case REGO_T_NULL:
		f_s(f, "null");
		return;
	case REGO_T_BOOL:
		f_s(f, t->b ? "true" : "false");
		return;
	case REGO_T_NUMBER:
		if (t == f->paren) {
			f_s(f, "(");
			f_n(f, t->text, t->len);
			f_s(f, ")");
			return;
		}
		f_n(f, t->text, t->len);
		return;
	case REGO_T_VAR:
		f_n(f, t->text, t->len);
		return;
	case REGO_T_STRING:
		f_string(f, t);
		return;
	case REGO_T_REF:
		f_ref(f, t);
		return;
	case REGO_T_TEMPLATE:
		f_template(f, t);
		return;
	case REGO_T_CALL:
		if (t->flags & REGO_TF_INFIX) {
			f_infix(f, t, prec, false);
			return;
		}
		f_ref(f, t->items.v[0]);
		f_s(f, "(");
		f_elems(f, t->loc.line, t->items.v + 1, NULL, t->items.n - 1, t->end_line);
		f_s(f, ")");
		return;
	default:
		f_collection(f, t);
		return;
	}
}

/* ---------------------------------------------------------------------------
 * Expressions and bodies.
 */

static void
f_every(struct fmt *f, const struct rego_expr *e)
{
	const struct rego_body *b = e->body;

	f_s(f, "every ");
	if (e->key != NULL) {
		f_term(f, e->key, 2);
		f_s(f, ", ");
	}
	f_term(f, e->value, 2);
	f_s(f, " in ");
	f_term(f, e->domain, 2);
	f_s(f, " {");
	f_compr_body(f, b, e->loc.line, e->term_end_line);
	if (f->flat || (b->exprs.n == 1 && b->exprs.v[0]->loc.line == e->loc.line))
		f_s(f, " ");
	f_s(f, "}");
}

/* `with` modifiers: on the line of the term, or indented below as written. */
static void
f_with(struct fmt *f, const struct rego_expr *e)
{
	uint32_t last = e->term_end_line;
	bool indented = false;
	size_t i;

	for (i = 0; i < e->with.n; i++) {
		const struct rego_with *w = e->with.v[i];

		if (!f->flat && w->loc.line > last) {
			if (!indented)
				f->indent++;
			indented = true;
			f_eol(f, last);
			f_indent(f);
		} else {
			f_s(f, " ");
		}
		last = w->loc.line;
		f_s(f, "with ");
		f_term(f, w->target, 7);
		f_s(f, " as ");
		f_term(f, w->value, 1);
	}
	if (indented)
		f->indent--;
}

static void
f_expr(struct fmt *f, const struct rego_expr *e)
{
	size_t i;

	if (e->negated)
		f_s(f, "not ");
	switch (e->kind) {
	case REGO_E_SOME:
		/* On one line: comments inside go to its end (f_eol). */
		f_s(f, "some ");
		for (i = 0; i < e->vars.n; i++) {
			f_s(f, i > 0 ? ", " : "");
			f_term(f, e->vars.v[i], PREC_LIST);
		}
		break;
	case REGO_E_SOME_IN:
		f_s(f, "some ");
		f_term(f, e->term, 1);
		break;
	case REGO_E_EVERY:
		f_every(f, e);
		break;
	default:
		if (e->term == f->wrap)
			f_s(f, "(");
		if (e->term->kind == REGO_T_CALL && (e->term->flags & REGO_TF_INFIX))
			f_infix(f, e->term, 0, true);
		else
			f_term(f, e->term, 0);
		if (e->term == f->wrap)
			f_s(f, ")");
		break;
	}
	f_with(f, e);
}

/*
 * The negative number an expression starts with, if any: after a newline it
 * would be read as `previous - number`, so it is printed in parentheses.
 */
static const struct rego_term *
leading_negative(const struct rego_expr *e)
{
	const struct rego_term *t = e->term;

	if (e->negated || (e->kind != REGO_E_TERM && e->kind != REGO_E_CALL))
		return NULL;
	while (t != NULL &&
	    ((t->kind == REGO_T_CALL && (t->flags & REGO_TF_INFIX)) || t->kind == REGO_T_REF)) {
		if (t->flags & REGO_TF_PAREN)
			return NULL;
		t = t->items.v[t->kind == REGO_T_REF ? 0 : 1];
	}
	return t != NULL && t->kind == REGO_T_NUMBER && t->text[0] == '-' ? t : NULL;
}

/* The literals of b, one a line at indent + 1; then comments before close_line. */
static void
f_body(struct fmt *f, const struct rego_body *b, uint32_t close_line)
{
	size_t i;

	f->indent++;
	for (i = 0; i < b->exprs.n; i++) {
		const struct rego_expr *e = b->exprs.v[i];

		f_comments_before(f, e->loc.line);
		f_gap(f, e->loc.line);
		f_indent(f);
		f->paren = i > 0 ? leading_negative(e) : NULL;
		f_expr(f, e);
		f->paren = NULL;
		f_eol(f, e->end_line);
	}
	if (close_line > 0)
		f_comments_before(f, close_line);
	f->indent--;
}

/* ---------------------------------------------------------------------------
 * Rules and modules.
 */

static void
f_head_value(struct fmt *f, const struct rego_rule *r)
{
	if (r->value == NULL)
		return;
	f_s(f, " := ");
	f_term(f, r->value, 1);
}

static bool
is_set_literal(const struct rego_expr *e)
{
	return e->kind == REGO_E_TERM && !e->negated && e->term->kind == REGO_T_SET;
}

/* A one-literal body written on the line where the head ends stays there. */
static bool
body_inline(const struct rego_rule *r)
{
	const struct rego_expr *e;

	if (r->body == NULL || r->body->exprs.n != 1)
		return false;
	e = r->body->exprs.v[0];
	return e->loc.line == r->head_end_line && !is_set_literal(e);
}

/*
 * The term of e if e, first in a body after `if {`, would be read back as a
 * set comprehension: a term followed by '|' ({a | b} is one).
 */
static const struct rego_term *
needs_wrap(const struct rego_expr *e)
{
	const struct rego_term *t = e->term;

	if (e->negated || (e->kind != REGO_E_TERM && e->kind != REGO_E_CALL))
		return NULL;
	for (; t->kind == REGO_T_CALL && (t->flags & REGO_TF_INFIX) && !(t->flags & REGO_TF_PAREN);
	     t = t->items.v[1])
		if (t->op == REGO_TK_OR)
			return e->term;
	return NULL;
}

/* " if x" or " if {...}"; the line is not ended. */
static void
f_rule_body(struct fmt *f, const struct rego_rule *r, bool allow_inline)
{
	uint32_t saved = f->last;

	if (r->body == NULL)
		return;
	if (allow_inline && body_inline(r)) {
		f_s(f, " if ");
		f_expr(f, r->body->exprs.v[0]);
		return;
	}
	f_s(f, " if {");
	f_eol(f, r->head_end_line);
	f->last = 0;
	f->wrap = needs_wrap(r->body->exprs.v[0]);
	f_body(f, r->body, r->els != NULL ? r->els->loc.line : r->end_line);
	f->wrap = NULL;
	f->last = saved;
	f_indent(f);
	f_s(f, "}");
}

static void
f_else(struct fmt *f, const struct rego_rule *e)
{
	if (e->else_newline) {
		f_s(f, "\n");
		f_blank(f);
		f_comments_before(f, e->loc.line);
		f_s(f, "else");
	} else {
		f_s(f, " else");
	}
	f_head_value(f, e);
	f_rule_body(f, e, e->els == NULL);
}

static void
f_rule(struct fmt *f, const struct rego_rule *r)
{
	const struct rego_rule *e;

	f_comments_before(f, r->loc.line);
	f_gap(f, r->loc.line);
	if (r->is_default)
		f_s(f, "default ");
	if (!f->ref_heads && r->ref->items.n == 2) {
		f_term(f, r->ref->items.v[0], 7);
		f_s(f, "[");
		f_term(f, r->ref->items.v[1], 0);
		f_s(f, "]");
	} else {
		f_ref(f, r->ref);
	}
	if (r->is_func) {
		f_s(f, "(");
		f_elems(f, r->loc.line, r->args.v, NULL, r->args.n, r->loc.line);
		f_s(f, ")");
	}
	if (r->contains) {
		f_s(f, " contains ");
		f_term(f, r->key, 1);
	}
	f_head_value(f, r);
	f_rule_body(f, r, r->els == NULL);
	for (e = r->els; e != NULL; e = e->els)
		f_else(f, e);
	f_eol(f, r->end_line);
}

/* Printed on one line, with nothing that the formatter would break. */
static bool
one_liner(const struct rego_rule *r)
{
	return !r->is_default && r->els == NULL && r->end_line == r->loc.line &&
	    (r->body == NULL || body_inline(r));
}

static void
f_import(struct fmt *f, const struct rego_import *im)
{
	f_s(f, "import ");
	f_ref(f, im->path);
	if (im->alias != NULL) {
		f_s(f, " as ");
		f_s(f, im->alias);
	}
}

/* Imports imps[0..n), which are on adjacent lines, sorted. */
static writ_rc
f_import_group(struct fmt *f, struct rego_import *const *imps, size_t n)
{
	struct rego_import **v;
	size_t i;

	if ((v = writ_calloc(n, sizeof(*v))) == NULL)
		return WRIT_ENOMEM;
	memcpy(v, imps, n * sizeof(*v));
	qsort(v, n, sizeof(*v), rego_import_cmp);
	f_comments_before(f, imps[0]->loc.line);
	f_gap(f, imps[0]->loc.line);
	for (i = 0; i < n; i++) {
		f_import(f, v[i]);
		f_eol(f, v[i]->loc.line);
	}
	f->last = imps[n - 1]->loc.line;
	writ_free(v);
	return WRIT_OK;
}

/* The package line: `package a.b["c-d"]`, and a blank line. */
static void
f_package(struct fmt *f, const struct rego_module *m)
{
	const struct rego_term *p = m->package;
	size_t i;

	f_comments_before(f, m->loc.line);
	f_gap(f, m->loc.line);
	f_s(f, "package ");
	f_n(f, p->items.v[1]->text, p->items.v[1]->len);
	for (i = 2; i < p->items.n; i++)
		f_operand(f, p->items.v[i]);
	f_eol(f, p->end_line > m->loc.line ? p->end_line : m->loc.line);
	f_blank(f);
}

/* The imports that come before line (imports may follow rules), in groups. */
static writ_rc
f_imports_before(struct fmt *f, size_t *next, uint32_t line)
{
	const struct rego_module *m = f->m;
	size_t i = *next, j;
	writ_rc rc;

	while (i < m->imports.n && m->imports.v[i]->loc.line < line) {
		for (j = i + 1; j < m->imports.n && m->imports.v[j]->loc.line < line &&
		     m->imports.v[j]->loc.line <= m->imports.v[j - 1]->loc.line + 1;
		     j++)
			;
		if ((rc = f_import_group(f, m->imports.v + i, j - i)) != WRIT_OK)
			return rc;
		f_blank(f);
		i = j;
	}
	*next = i;
	return WRIT_OK;
}

writ_rc
rego_fmt_module(const struct rego_module *m, struct writ_buf *out)
{
	struct fmt f = {.out = out, .m = m};
	size_t i, nimp = 0;
	writ_rc rc;

	for (i = 0; i < m->rules.n; i++) {
		const struct rego_rule *r = m->rules.v[i];

		f.ref_heads =
		    f.ref_heads || r->ref->items.n > 2 || (r->ref->items.n == 2 && r->contains);
	}
	f_package(&f, m);
	f.last = m->loc.line;
	for (i = 0; i < m->rules.n; i++) {
		const struct rego_rule *r = m->rules.v[i];

		if ((rc = f_imports_before(&f, &nimp, r->loc.line)) != WRIT_OK)
			return rc;
		f_rule(&f, r);
		f.last = r->end_line;
		if (i + 1 < m->rules.n && one_liner(r) && one_liner(m->rules.v[i + 1]) &&
		    m->rules.v[i + 1]->loc.line == r->loc.line + 1)
			continue;
		f_blank(&f);
	}
	if ((rc = f_imports_before(&f, &nimp, UINT32_MAX)) != WRIT_OK)
		return rc;
	f_comments_before(&f, UINT32_MAX);
	while (f.rc == WRIT_OK && out->len >= 2 && out->ptr[out->len - 1] == '\n' &&
	    out->ptr[out->len - 2] == '\n')
		out->ptr[--out->len] = '\0';
	return f.rc;
}

writ_rc
rego_fmt_term(const struct rego_term *t, struct writ_buf *out)
{
	struct fmt f = {.out = out};

	f_term(&f, t, 0);
	return f.rc;
}

writ_rc
rego_fmt_expr(const struct rego_expr *x, struct writ_buf *out)
{
	struct fmt f = {.out = out, .flat = true};

	f_expr(&f, x);
	return f.rc;
}
