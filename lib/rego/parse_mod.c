/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The module level of the Rego parser (see parse.c for the terms): package,
 * imports with OPA's checks of future.keywords and rego.v1, rules with their
 * v1 syntax (`if`, `contains`, else chains, default rules and OPA's checks of
 * them), METADATA comment blocks attached to the rule or package below
 * them, and the entry points that copy the source into the arena, lex it and
 * report the first error as file:line:col.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"

#include "rego/ast.h"
#include "rego/lex.h"
#include "rego/parse_int.h"

static struct rego_rule *parse_else(struct parser *p, const struct rego_rule *head);

/* ---------------------------------------------------------------------------
 * Rules.
 */

/* True if no operand of the ref (after its head) holds a var. */
static bool
ref_ground(const struct rego_term *ref)
{
	size_t i;

	for (i = 1; i < ref->items.n; i++) {
		enum rego_term_kind k = ref->items.v[i]->kind;

		if (k == REGO_T_VAR || k == REGO_T_REF || k == REGO_T_CALL)
			return false;
	}
	return true;
}

/* The head ref: `p`, `a.b[c]`, `f(x)`, `a.f(x)`. */
static bool
parse_head_ref(struct parser *p, struct rego_rule *r)
{
	struct rego_term *x, *ref;
	size_t cap = 0;

	if ((x = rego_p_text_term(p, REGO_T_VAR, cur(p)->text, cur(p)->len, loc_of(p, cur(p)))) ==
	    NULL)
		return false;
	next(p);
	if (continues_ref(p)) {
		if ((x = rego_p_ref(p, x)) == NULL)
			return false;
	}
	if (x->kind == REGO_T_CALL) {
		r->is_func = true;
		r->args.v = x->items.v + 1;
		r->args.n = x->items.n - 1;
		x = x->items.v[0];
	}
	if (x->kind == REGO_T_VAR) {
		if ((ref = rego_p_zalloc(p, sizeof(*ref))) == NULL || !PUSH(p, ref->items, &cap, x))
			return false;
		ref->kind = REGO_T_REF;
		ref->loc = x->loc;
		x = ref;
	}
	if (x->kind != REGO_T_REF || x->items.v[0]->kind != REGO_T_VAR)
		return rego_p_perr_at(
		           p, WRIT_EPARSE, r->loc.line, r->loc.col, "rule head ref invalid"),
		       false;
	r->ref = x;
	return true;
}

/* `contains key`, `= value` or `:= value` after the head ref. */
static bool
parse_head_value(struct parser *p, struct rego_rule *r)
{
	if (tok(p) == REGO_TK_CONTAINS) {
		if (r->is_func)
			return rego_p_illegal(p,
			           "the contains keyword can only be used with multi-value "
			           "rule definitions"),
			       false;
		next(p);
		r->contains = true;
		if ((r->key = rego_p_term_infix(p, true)) == NULL)
			return false;
		return true;
	}
	if (tok(p) != REGO_TK_ASSIGN && tok(p) != REGO_TK_UNIFY)
		return true;
	r->assign = tok(p) == REGO_TK_ASSIGN ? REGO_HEAD_ASSIGN : REGO_HEAD_UNIFY;
	next(p);
	if ((r->value = rego_p_term_infix(p, true)) == NULL)
		return false;
	return true;
}

/* A var, ref or call anywhere in t outside comprehensions: its kind name. */
static const char *
default_bad(const struct rego_term *t)
{
	const char *bad;
	size_t i;

	switch (t->kind) {
	case REGO_T_VAR:
	case REGO_T_REF:
	case REGO_T_CALL:
		return rego_p_kind_name(t->kind);
	case REGO_T_TEMPLATE:
		return "call";
	case REGO_T_ARRAY_COMPR:
	case REGO_T_SET_COMPR:
	case REGO_T_OBJECT_COMPR:
		return NULL;
	default:
		break;
	}
	for (i = 0; i < t->keys.n; i++)
		if ((bad = default_bad(t->keys.v[i])) != NULL)
			return bad;
	for (i = 0; i < t->items.n; i++)
		if ((bad = default_bad(t->items.v[i])) != NULL)
			return bad;
	return NULL;
}

/* OPA's checks of `default` rules. */
static bool
check_default(struct parser *p, const struct rego_rule *r)
{
	const char *bad;
	size_t i, j;

	if (r->value == NULL)
		return rego_p_perr_at(p, WRIT_EPARSE, r->loc.line, r->loc.col,
		           "illegal default rule (must have a value)"),
		       false;
	if ((bad = default_bad(r->value)) != NULL)
		return rego_p_perr_at(p, WRIT_EPARSE, r->loc.line, r->loc.col,
		           "illegal default rule (value cannot contain %s)", bad),
		       false;
	for (i = 0; i < r->args.n; i++) {
		const struct rego_term *a = r->args.v[i];

		if (a->kind != REGO_T_VAR)
			return rego_p_perr_at(p, WRIT_EPARSE, r->loc.line, r->loc.col,
			           "illegal default rule (arguments cannot contain %s)",
			           rego_p_kind_name(a->kind)),
			       false;
		for (j = 0; j < i; j++)
			if (!(a->flags & REGO_TF_WILDCARD) &&
			    strcmp(a->text, r->args.v[j]->text) == 0)
				return rego_p_perr_at(p, WRIT_EPARSE, r->loc.line, r->loc.col,
				           "illegal default rule (arguments cannot be repeated %s)",
				           a->text),
				       false;
	}
	return true;
}

/* A body after `if`: one literal, or { literals } (a set literal is not a body). */
static bool
parse_if_body(struct parser *p, struct rego_rule *r)
{
	struct rego_expr *e;
	struct mark m;
	size_t cap = 0;

	r->has_if = true;
	next(p);
	m = save(p);
	e = rego_p_literal(p);
	if (e != NULL &&
	    !(e->kind == REGO_E_TERM && !e->negated && e->with.n == 0 &&
	        e->term->kind == REGO_T_SET)) {
		if ((r->body = rego_p_zalloc(p, sizeof(*r->body))) == NULL)
			return false;
		r->body->loc = e->loc;
		return PUSH(p, r->body->exprs, &cap, e);
	}
	if (p->toks[m.pos].type != REGO_TK_LBRACE || !rego_p_restore(p, m))
		return false;
	r->braces = true;
	next(p);
	if ((r->body = rego_p_body(p, REGO_TK_RBRACE)) == NULL)
		return false;
	next(p);
	return true;
}

/* The body part of a rule after its head; false on error. */
static bool
parse_rule_body(struct parser *p, struct rego_rule *r)
{
	r->head_end_line = p->toks[p->pos - 1].end_line;
	if (tok(p) == REGO_TK_IF && !rego_p_keyword_ref_head(p))
		return parse_if_body(p, r);
	if (tok(p) == REGO_TK_LBRACE)
		return rego_p_perr_at(p, WRIT_EPARSE, r->loc.line, r->loc.col,
		           "`if` keyword is required before %s body",
		           r->is_func ? "function" : "rule"),
		       false;
	if (r->contains || r->value != NULL)
		return true;
	if (r->ref->items.n == 1 || r->is_func)
		return rego_p_perr_at(p, WRIT_EPARSE, r->loc.line, r->loc.col,
		           "%s cannot be used for rule name", r->is_func ? "call" : "var"),
		       false;
	/*
	 * A bare ref: OPA reads `a.b` as the partial set rule `a contains "b"`
	 * and `a.b.c` as a rule with a generated value and body, then refuses both.
	 */
	return rego_p_perr_at(p, WRIT_EPARSE, r->loc.line, r->loc.col, "%s",
	           r->ref->items.n == 2
	               ? "`contains` keyword is required for partial set rules"
	               : "rule must have value assignment and/or body declaration"),
	       false;
}

/* A copy of r's head for an else branch or a further body. */
static struct rego_rule *
copy_head(struct parser *p, const struct rego_rule *r)
{
	struct rego_rule *c = rego_p_zalloc(p, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->loc = loc_of(p, cur(p));
	c->is_func = r->is_func;
	c->ref = r->ref;
	c->args = r->args;
	return c;
}

/* `else [= value] [if] body`; the current token is `else`. */
static struct rego_rule *
parse_else(struct parser *p, const struct rego_rule *head)
{
	struct rego_rule *r;
	bool ok = false;

	if (!rego_p_enter(p))
		return NULL;
	if ((r = copy_head(p, head)) == NULL)
		goto out;
	r->else_newline = cur(p)->nl_before;
	next(p);
	if (tok(p) == REGO_TK_ASSIGN || tok(p) == REGO_TK_UNIFY) {
		r->assign = tok(p) == REGO_TK_ASSIGN ? REGO_HEAD_ASSIGN : REGO_HEAD_UNIFY;
		next(p);
		if ((r->value = rego_p_term_infix(p, true)) == NULL)
			goto out;
	} else if (tok(p) != REGO_TK_IF && tok(p) != REGO_TK_LBRACE) {
		rego_p_illegal(p, "expected else value term or rule body");
		goto out;
	}
	if (tok(p) == REGO_TK_LBRACE) {
		rego_p_perr_at(p, WRIT_EPARSE, r->loc.line, r->loc.col,
		    "`if` keyword is required before rule body");
		goto out;
	}
	r->head_end_line = p->toks[p->pos - 1].end_line;
	if (tok(p) == REGO_TK_IF && !parse_if_body(p, r))
		goto out;
	r->end_line = p->toks[p->pos - 1].end_line;
	if (tok(p) == REGO_TK_ELSE && (r->els = parse_else(p, head)) == NULL)
		goto out;
	ok = true;
out:
	rego_p_leave(p);
	return ok ? r : NULL;
}

/* else chain and further `{ body }` blocks after a rule; appended to rules. */
static bool
parse_rule_tail(struct parser *p, struct rego_rule *r, struct rego_module *m, size_t *cap)
{
	struct rego_rule *c;

	if (tok(p) == REGO_TK_ELSE && !rego_p_keyword_ref_head(p)) {
		if (r->body == NULL)
			return rego_p_illegal(p, NULL), false;
		if (r->ref->items.n > 1 && !ref_ground(r->ref))
			return perr(p,
			           "else keyword cannot be used on rules with variables in head"),
			       false;
		if (r->contains)
			return perr(p, "else keyword cannot be used on multi-value rules"), false;
		if ((r->els = parse_else(p, r)) == NULL)
			return false;
	}
	r->end_line = p->toks[p->pos - 1].end_line;
	if (!PUSH(p, m->rules, cap, r))
		return false;
	while (tok(p) == REGO_TK_LBRACE && r->body != NULL) {
		if (r->els != NULL)
			return perr(p, "expected else keyword"), false;
		if ((c = copy_head(p, r)) == NULL)
			return false;
		*c = *r;
		c->loc = loc_of(p, cur(p));
		c->metadata = NULL;
		next(p);
		if ((c->body = rego_p_body(p, REGO_TK_RBRACE)) == NULL)
			return false;
		next(p);
		c->end_line = p->toks[p->pos - 1].end_line;
		if (!PUSH(p, m->rules, cap, c))
			return false;
	}
	return true;
}

/* One rule (with its else chain) appended to m. */
static bool
parse_rule(struct parser *p, struct rego_module *m, size_t *cap)
{
	struct rego_rule *r = rego_p_zalloc(p, sizeof(*r));

	if (r == NULL)
		return false;
	r->loc = loc_of(p, cur(p));
	if (tok(p) == REGO_TK_DEFAULT && !rego_p_keyword_ref_head(p)) {
		r->is_default = true;
		next(p);
	}
	if (tok(p) != REGO_TK_IDENT && !rego_p_keyword_ref_head(p))
		return rego_p_illegal(p, NULL), false;
	if (!parse_head_ref(p, r) || !parse_head_value(p, r))
		return false;
	if (r->is_default) {
		if (!check_default(p, r))
			return false;
		r->end_line = p->toks[p->pos - 1].end_line;
		return PUSH(p, m->rules, cap, r);
	}
	if (!parse_rule_body(p, r))
		return false;
	return parse_rule_tail(p, r, m, cap);
}

/* ---------------------------------------------------------------------------
 * Package and imports.
 */

/* `package a.b["c"]` into m->package (data.a.b.c). */
static bool
parse_package(struct parser *p, struct rego_module *m)
{
	struct rego_term *t, *ref, *data;
	size_t i, cap = 0;

	if (tok(p) != REGO_TK_PACKAGE)
		return perr(p, "package expected"), false;
	m->loc = loc_of(p, cur(p));
	next(p);
	if (tok(p) != REGO_TK_IDENT && !REGO_TK_IS_KEYWORD(tok(p)))
		return rego_p_illegal(p, NULL), false;
	if (REGO_TK_IS_KEYWORD(tok(p)) && !rego_p_keyword_ref_head(p))
		return rego_p_illegal(p, NULL), false;
	if ((t = rego_p_term(p)) == NULL)
		return false;
	if ((ref = rego_p_zalloc(p, sizeof(*ref))) == NULL)
		return false;
	ref->kind = REGO_T_REF;
	ref->loc = t->loc;
	if ((data = rego_p_text_term(p, REGO_T_VAR, "data", 4, t->loc)) == NULL ||
	    !PUSH(p, ref->items, &cap, data))
		return false;
	if (t->kind == REGO_T_VAR)
		return (t = rego_p_text_term(p, REGO_T_STRING, t->text, t->len, t->loc)) != NULL &&
		    PUSH(p, ref->items, &cap, t) && (m->package = ref) != NULL;
	if (t->kind != REGO_T_REF)
		return rego_p_perr_at(p, WRIT_EPARSE, t->loc.line, t->loc.col,
		           "unexpected %s token", rego_p_kind_name(t->kind)),
		       false;
	for (i = 0; i < t->items.n; i++) {
		struct rego_term *x = t->items.v[i];

		if (i == 0 && x->kind != REGO_T_VAR)
			return rego_p_perr_at(p, WRIT_EPARSE, x->loc.line, x->loc.col,
			           "unexpected %s token: expecting var", rego_p_kind_name(x->kind)),
			       false;
		if (i > 0 && x->kind != REGO_T_STRING)
			return rego_p_perr_at(p, WRIT_EPARSE, x->loc.line, x->loc.col,
			           "unexpected %s token: expecting string",
			           rego_p_kind_name(x->kind)),
			       false;
		if (i == 0 &&
		    (x = rego_p_text_term(p, REGO_T_STRING, x->text, x->len, x->loc)) == NULL)
			return false;
		if (!PUSH(p, ref->items, &cap, x))
			return false;
	}
	m->package = ref;
	return true;
}

/* OPA's checks of `future.keywords...` and `rego.v1` imports. */
static bool
check_special_import(struct parser *p, const struct rego_import *im, int textlen, const char *text)
{
	const struct rego_term *path = im->path;
	const char *root = path->items.v[0]->text;
	struct rego_loc l = path->loc;
	static const char *const kws[] = {"contains", "every", "if", "in"};
	size_t i;

	if (strcmp(root, "rego") == 0) {
		if (path->items.n != 2 || !rego_p_is_text(path->items.v[1], REGO_T_STRING, "v1"))
			return rego_p_perr_at(p, WRIT_EPARSE, l.line, l.col,
			           "invalid import `%.*s`, must be `rego.v1`", textlen, text),
			       false;
		return true;
	}
	if (path->items.n == 1 || !rego_p_is_text(path->items.v[1], REGO_T_STRING, "keywords"))
		return rego_p_perr_at(p, WRIT_EPARSE, l.line, l.col,
		           "invalid import, must be `future.keywords`"),
		       false;
	if (im->alias != NULL)
		return rego_p_perr_at(
		           p, WRIT_EPARSE, l.line, l.col, "`future` imports cannot be aliased"),
		       false;
	if (path->items.n == 2)
		return true;
	for (i = 0; path->items.n == 3 && i < WRIT_ARRAY_LEN(kws); i++)
		if (rego_p_is_text(path->items.v[2], REGO_T_STRING, kws[i]))
			return true;
	return rego_p_perr_at(p, WRIT_EPARSE, l.line, l.col,
	           "unexpected keyword, must be one of [contains every if in]"),
	       false;
}

/* Checks of an import's path, alias and last segment. */
static bool
check_import(struct parser *p, const struct rego_import *im, size_t start)
{
	const struct rego_term *path = im->path, *last = path->items.v[path->items.n - 1];
	const char *root = path->items.v[0]->text;
	int n = rego_p_span_len(p, start);
	size_t i;

	for (i = 1; i < path->items.n; i++)
		if (path->items.v[i]->kind != REGO_T_STRING)
			return rego_p_perr_at(p, WRIT_EPARSE, path->items.v[i]->loc.line,
			           path->items.v[i]->loc.col,
			           "unexpected %s token: expecting string",
			           rego_p_kind_name(path->items.v[i]->kind)),
			       false;
	if (strcmp(root, "future") == 0 || strcmp(root, "rego") == 0)
		return check_special_import(p, im, n, p->toks[start].text);
	if (strcmp(root, "data") != 0 && strcmp(root, "input") != 0)
		return rego_p_perr_at(p, WRIT_EPARSE, path->loc.line, path->loc.col,
		           "unexpected import path, must begin with one of: {data, future, input, "
		           "rego}, got: %s",
		           root),
		       false;
	if (im->alias == NULL && rego_is_keyword(last->text, last->len))
		return rego_p_perr_at(p, WRIT_EPARSE, last->loc.line, last->loc.col,
		           "unexpected import path, must not end with a keyword, got: %s",
		           last->text),
		       false;
	return true;
}

/* `import path [as alias]` appended to m; the current token is `import`. */
static bool
parse_import(struct parser *p, struct rego_module *m, size_t *cap)
{
	struct rego_import *im = rego_p_zalloc(p, sizeof(*im));
	struct rego_term *t, *ref;
	size_t start, rcap = 0;

	if (im == NULL)
		return false;
	im->loc = loc_of(p, cur(p));
	next(p);
	start = p->pos;
	if (tok(p) != REGO_TK_IDENT && !rego_p_keyword_ref_head(p))
		return rego_p_illegal(p, NULL), false;
	if ((t = rego_p_term(p)) == NULL)
		return false;
	if (t->kind == REGO_T_VAR) {
		if ((ref = rego_p_zalloc(p, sizeof(*ref))) == NULL ||
		    !PUSH(p, ref->items, &rcap, t))
			return false;
		ref->kind = REGO_T_REF;
		ref->loc = t->loc;
		t = ref;
	}
	if (t->kind != REGO_T_REF || t->items.v[0]->kind != REGO_T_VAR)
		return perr(p, "expected path"), false;
	im->path = t;
	if (tok(p) == REGO_TK_AS) {
		next(p);
		if (tok(p) != REGO_TK_IDENT)
			return rego_p_illegal(p, "expected var"), false;
		if ((im->alias = writ_arena_strndup(p->a, cur(p)->text, cur(p)->len)) == NULL)
			return rego_p_nomem(p), false;
		next(p);
	}
	if (!check_import(p, im, start))
		return false;
	return PUSH(p, m->imports, cap, im);
}

/* ---------------------------------------------------------------------------
 * METADATA blocks.
 */

static bool
is_metadata_start(const struct rego_comment *c)
{
	size_t i = 0;

	while (i < c->len && (c->text[i] == ' ' || c->text[i] == '\t'))
		i++;
	return c->len - i >= 8 && memcmp(c->text + i, "METADATA", 8) == 0;
}

/* Attach the block to the first rule (or the package) that starts after line. */
static void
metadata_attach(
    struct rego_module *m, const char *yaml, size_t len, uint32_t line, struct rego_loc loc)
{
	size_t i;

	if (m->loc.line > line && m->metadata == NULL) {
		m->metadata = yaml;
		m->metadatalen = len;
		return;
	}
	for (i = 0; i < m->rules.n; i++) {
		struct rego_rule *r = m->rules.v[i];

		if (r->loc.line > line) {
			if (r->metadata == NULL) {
				r->metadata = yaml;
				r->metadatalen = len;
				r->metadata_loc = loc;
			}
			return;
		}
	}
}

/* True if line lies within a rule (from its head to its last token). */
static bool
inside_rule(const struct rego_module *m, size_t *ri, uint32_t line)
{
	while (*ri < m->rules.n && m->rules.v[*ri]->end_line < line)
		(*ri)++;
	return *ri < m->rules.n && m->rules.v[*ri]->loc.line <= line;
}

/* Append a block line: the comment text less one leading blank and trailing blanks. */
static writ_rc
metadata_line(struct writ_buf *b, const struct rego_comment *x)
{
	size_t skip = x->len > 0 && x->text[0] == ' ', len = x->len;
	writ_rc rc;

	while (len > skip && strchr(" \t\r\v\f", x->text[len - 1]) != NULL)
		len--;
	if ((rc = writ_buf_append(b, x->text + skip, len - skip)) != WRIT_OK)
		return rc;
	return writ_buf_append(b, "\n", 1);
}

/*
 * Collect `# METADATA` blocks: a comment alone on its line, between
 * statements, whose text starts with METADATA, and the comments alone on
 * the lines that follow (its YAML).  OPA asks for column 1 on the following
 * lines; writ accepts any indentation there, and takes no block from inside
 * a rule or after code on a line, because formatting moves comments between
 * those places and must not change what a block holds.
 */
static bool
parse_metadata(struct parser *p, struct rego_module *m)
{
	struct writ_buf b;
	size_t i, j, ri = 0, n = m->comments.n;
	const char *yaml;

	for (i = 0; i < n; i = j) {
		const struct rego_comment *first = m->comments.v[i];

		j = i + 1;
		if (!first->own_line || !is_metadata_start(first) ||
		    inside_rule(m, &ri, first->line))
			continue;
		writ_buf_init(&b, 0);
		for (; j < n && m->comments.v[j]->line == m->comments.v[j - 1]->line + 1 &&
		     m->comments.v[j]->own_line;
		     j++) {
			if (metadata_line(&b, m->comments.v[j]) != WRIT_OK)
				goto nomem;
		}
		yaml = writ_arena_strndup(p->a, b.ptr != NULL ? b.ptr : "", b.len);
		if (yaml == NULL)
			goto nomem;
		metadata_attach(m, yaml, b.len, m->comments.v[j - 1]->line,
		    (struct rego_loc){p->file, first->line, first->col});
		writ_buf_free(&b);
	}
	return true;
nomem:
	writ_buf_free(&b);
	rego_p_nomem(p);
	return false;
}

/* ---------------------------------------------------------------------------
 * Entry points.
 */

/* Copy the comments of l into m (arena). */
static bool
keep_comments(struct parser *p, struct rego_module *m, const struct rego_lexed *l)
{
	struct rego_comment *c;
	size_t i;

	if (l->ncomments == 0)
		return true;
	if ((m->comments.v = writ_arena_calloc(p->a, l->ncomments, sizeof(*m->comments.v))) ==
	        NULL ||
	    (c = writ_arena_calloc(p->a, l->ncomments, sizeof(*c))) == NULL)
		return rego_p_nomem(p), false;
	for (i = 0; i < l->ncomments; i++) {
		c[i] = l->comments[i];
		m->comments.v[i] = &c[i];
	}
	m->comments.n = l->ncomments;
	return true;
}

static writ_rc
module_body(struct parser *p, struct rego_module *m)
{
	size_t icap = 0, rcap = 0;

	if (!parse_package(p, m))
		return p->rc;
	while (tok(p) != REGO_TK_EOF) {
		if (tok(p) == REGO_TK_SEMI) {
			next(p);
		} else if (tok(p) == REGO_TK_IMPORT && !rego_p_keyword_ref_head(p)) {
			if (!parse_import(p, m, &icap))
				return p->rc;
		} else if (tok(p) == REGO_TK_PACKAGE && !rego_p_keyword_ref_head(p)) {
			rego_p_illegal(p, NULL);
			return p->rc;
		} else if (!parse_rule(p, m, &rcap)) {
			return p->rc;
		}
	}
	return WRIT_OK;
}

enum what {
	WHAT_MODULE,
	WHAT_QUERY,
	WHAT_TERM
};

/* Parse the whole input as `what`; *out gets the node. */
static writ_rc
parse_what(struct parser *p, enum what what, const struct rego_lexed *l, void **out)
{
	struct rego_module *m;
	struct rego_term *t;

	if (what == WHAT_QUERY) {
		*out = rego_p_query(p, REGO_TK_EOF);
		return p->rc;
	}
	if (what == WHAT_TERM) {
		if ((t = rego_p_term_infix(p, false)) != NULL && tok(p) != REGO_TK_EOF)
			rego_p_illegal(p, "expected end of term");
		*out = t;
		return p->rc;
	}
	if ((m = rego_p_zalloc(p, sizeof(*m))) == NULL)
		return p->rc;
	m->file = p->file;
	if (module_body(p, m) != WRIT_OK || !keep_comments(p, m, l) || !parse_metadata(p, m))
		return p->rc;
	*out = m;
	return WRIT_OK;
}

static writ_rc
parse_source(struct writ_arena *a, const char *file, const char *src, size_t len,
    const struct rego_limits *lim, enum what what, void **out, struct rego_diag *d,
    struct writ_err *err)
{
	struct rego_diag dummy;
	struct parser p = {0};
	struct rego_lexed l = {0};
	size_t maxsrc = lim != NULL && lim->max_source != 0 ? lim->max_source : DEF_MAX_SOURCE;
	void *node = NULL;
	char *copy;

	p.d = d != NULL ? d : &dummy;
	memset(p.d, 0, sizeof(*p.d));
	p.d->code = "rego_parse_error";
	p.d->line = p.d->col = 1;
	p.a = a;
	p.maxdepth = lim != NULL && lim->max_depth != 0 ? lim->max_depth : DEF_MAX_DEPTH;
	if (len > maxsrc) {
		snprintf(p.d->msg, sizeof(p.d->msg), "source too large (%zu bytes, limit %zu)", len,
		    maxsrc);
		p.rc = WRIT_ELIMIT;
		goto out;
	}
	if ((p.file = writ_arena_strdup(a, file != NULL ? file : "")) == NULL ||
	    (copy = writ_arena_strndup(a, src != NULL ? src : "", len)) == NULL) {
		snprintf(p.d->msg, sizeof(p.d->msg), "out of memory");
		p.rc = WRIT_ENOMEM;
		goto out;
	}
	p.src = copy;
	p.srclen = len;
	p.rc = rego_lex(a, copy, len,
	    lim != NULL && lim->max_tokens != 0 ? lim->max_tokens : DEF_MAX_TOKENS, &l, p.d);
	if (p.rc != WRIT_OK)
		goto out;
	p.toks = l.toks;
	p.ntoks = l.ntoks;
	p.rc = parse_what(&p, what, &l, &node);
out:
	rego_lexed_free(&l);
	if (p.rc != WRIT_OK)
		return WRIT_ERR(err, p.rc, "%s:%u:%u: %s: %s", file != NULL ? file : "", p.d->line,
		    p.d->col, p.d->code, p.d->msg);
	*out = node;
	return WRIT_OK;
}

writ_rc
rego_parse_module(struct writ_arena *a, const char *file, const char *src, size_t len,
    const struct rego_limits *lim, struct rego_module **out, struct rego_diag *d,
    struct writ_err *err)
{
	void *node;
	writ_rc rc = parse_source(a, file, src, len, lim, WHAT_MODULE, &node, d, err);

	if (rc == WRIT_OK)
		*out = node;
	return rc;
}

writ_rc
rego_parse_query(struct writ_arena *a, const char *file, const char *src, size_t len,
    const struct rego_limits *lim, struct rego_body **out, struct rego_diag *d,
    struct writ_err *err)
{
	void *node;
	writ_rc rc = parse_source(a, file, src, len, lim, WHAT_QUERY, &node, d, err);

	if (rc == WRIT_OK)
		*out = node;
	return rc;
}

writ_rc
rego_parse_term(struct writ_arena *a, const char *file, const char *src, size_t len,
    const struct rego_limits *lim, struct rego_term **out, struct rego_diag *d,
    struct writ_err *err)
{
	void *node;
	writ_rc rc = parse_source(a, file, src, len, lim, WHAT_TERM, &node, d, err);

	if (rc == WRIT_OK)
		*out = node;
	return rc;
}
