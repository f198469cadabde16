/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Debug printing of the Rego AST as S-expressions, for tests and for
 * comparing two parses: (rule (ref p) (value 1) (body ...)).  Locations
 * are printed only on request ("@line:col" after a node's name), so that the
 * tree of a module and of its formatted text compare equal.  Spelling-only
 * details (parentheses, braces, raw or quoted strings, infix or call syntax,
 * `=` or `:=` in a head) are left out and imports are printed sorted for the
 * same reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"

#include "rego/ast.h"

struct pr {
	struct writ_buf *out;
	bool locs;
	writ_rc rc;
};

static void pr_term(struct pr *p, const struct rego_term *t);
static void pr_body(struct pr *p, const struct rego_body *b);
static void pr_rule(struct pr *p, const struct rego_rule *r);

static void pr_s(struct pr *p, const char *s);
static void pr_f(struct pr *p, const char *fmt, ...) WRIT_PRINTF(2, 3);

static void
pr_s(struct pr *p, const char *s)
{
	if (p->rc == WRIT_OK)
		p->rc = writ_buf_appends(p->out, s);
}

static void
pr_f(struct pr *p, const char *fmt, ...)
{
	va_list ap;

	if (p->rc != WRIT_OK)
		return;
	va_start(ap, fmt);
	p->rc = writ_buf_vappendf(p->out, fmt, ap);
	va_end(ap);
}

/* "(name" and the location when asked for. */
static void
pr_open(struct pr *p, const char *name, const struct rego_loc *l)
{
	pr_f(p, "(%s", name);
	if (p->locs)
		pr_f(p, "@%u:%u", l->line, l->col);
}

static void
pr_terms(struct pr *p, struct rego_term *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		pr_s(p, " ");
		pr_term(p, v[i]);
	}
}

static void
pr_str(struct pr *p, const char *s, size_t len)
{
	if (p->rc == WRIT_OK)
		p->rc = writ_buf_append_json_str(p->out, s, len);
}

static void
pr_expr(struct pr *p, const struct rego_expr *e)
{
	static const char *const names[] = {"expr", "call", "some", "some-in", "every"};
	size_t i;

	pr_open(p, names[e->kind], &e->loc);
	if (e->negated)
		pr_s(p, " not");
	if (e->term != NULL) {
		pr_s(p, " ");
		pr_term(p, e->term);
	}
	pr_terms(p, e->vars.v, e->vars.n);
	if (e->kind == REGO_E_EVERY) {
		pr_s(p, " ");
		if (e->key != NULL)
			pr_term(p, e->key);
		else
			pr_s(p, "-");
		pr_terms(p, &e->value, 1);
		pr_terms(p, &e->domain, 1);
		pr_s(p, " ");
		pr_body(p, e->body);
	}
	for (i = 0; i < e->with.n; i++) {
		pr_s(p, " ");
		pr_open(p, "with", &e->with.v[i]->loc);
		pr_terms(p, &e->with.v[i]->target, 1);
		pr_terms(p, &e->with.v[i]->value, 1);
		pr_s(p, ")");
	}
	pr_s(p, ")");
}

static void
pr_body(struct pr *p, const struct rego_body *b)
{
	size_t i;

	pr_open(p, "body", &b->loc);
	for (i = 0; i < b->exprs.n; i++) {
		pr_s(p, " ");
		pr_expr(p, b->exprs.v[i]);
	}
	pr_s(p, ")");
}

/* Scalars print bare ("x", 1, "s", true); the rest as (kind ...). */
static void
pr_term(struct pr *p, const struct rego_term *t)
{
	static const char *const names[] = {"null", "bool", "num", "str", "var", "ref", "array",
	    "set", "object", "arraycompr", "setcompr", "objectcompr", "call", "template"};
	size_t i;

	if (p->locs)
		pr_f(p, "@%u:%u:", t->loc.line, t->loc.col);
	switch (t->kind) {
	case REGO_T_NULL:
		pr_s(p, "null");
		return;
	case REGO_T_BOOL:
		pr_s(p, t->b ? "true" : "false");
		return;
	case REGO_T_NUMBER:
	case REGO_T_VAR:
		pr_s(p, t->text);
		return;
	case REGO_T_STRING:
		pr_str(p, t->text, t->len);
		return;
	default:
		break;
	}
	pr_f(p, "(%s", names[t->kind]);
	if (t->key != NULL)
		pr_terms(p, &t->key, 1);
	if (t->head != NULL)
		pr_terms(p, &t->head, 1);
	for (i = 0; i < t->keys.n; i++) {
		pr_s(p, " (");
		pr_term(p, t->keys.v[i]);
		pr_terms(p, &t->items.v[i], 1);
		pr_s(p, ")");
	}
	if (t->keys.n == 0)
		pr_terms(p, t->items.v, t->items.n);
	for (i = 0; i < t->parts.n; i++) {
		pr_s(p, " ");
		pr_expr(p, t->parts.v[i]);
	}
	if (t->body != NULL) {
		pr_s(p, " ");
		pr_body(p, t->body);
	}
	pr_s(p, ")");
}

static void
pr_rule(struct pr *p, const struct rego_rule *r)
{
	pr_open(p, r->is_default ? "default-rule" : "rule", &r->loc);
	pr_terms(p, &r->ref, 1);
	if (r->is_func) {
		pr_s(p, " (args");
		pr_terms(p, r->args.v, r->args.n);
		pr_s(p, ")");
	}
	if (r->contains) {
		pr_s(p, " (contains");
		pr_terms(p, &r->key, 1);
		pr_s(p, ")");
	}
	if (r->value != NULL) {
		pr_s(p, " (value");
		pr_terms(p, &r->value, 1);
		pr_s(p, ")");
	}
	if (r->body != NULL) {
		pr_s(p, " ");
		pr_body(p, r->body);
	}
	if (r->metadata != NULL) {
		pr_s(p, " (metadata ");
		pr_str(p, r->metadata, r->metadatalen);
		pr_s(p, ")");
	}
	if (r->els != NULL) {
		pr_s(p, " (else ");
		pr_rule(p, r->els);
		pr_s(p, ")");
	}
	pr_s(p, ")");
}

/* Imports by path (segment by segment), then alias, then line; allocates nothing. */
int
rego_import_cmp(const void *a, const void *b)
{
	const struct rego_import *x = *(const struct rego_import *const *)a;
	const struct rego_import *y = *(const struct rego_import *const *)b;
	size_t i;
	int c;

	for (i = 0; i < x->path->items.n && i < y->path->items.n; i++) {
		const struct rego_term *s = x->path->items.v[i], *t = y->path->items.v[i];

		if ((c = strcmp(s->text != NULL ? s->text : "", t->text != NULL ? t->text : "")) !=
		    0)
			return c;
	}
	if (x->path->items.n != y->path->items.n)
		return x->path->items.n < y->path->items.n ? -1 : 1;
	if ((c = strcmp(x->alias != NULL ? x->alias : "", y->alias != NULL ? y->alias : "")) != 0)
		return c;
	return x->loc.line < y->loc.line ? -1 : x->loc.line > y->loc.line;
}

writ_rc
rego_ast_print_module(const struct rego_module *m, bool locs, struct writ_buf *out)
{
	struct pr p = {out, locs, WRIT_OK};
	struct rego_import **imps = NULL;
	size_t i;

	if (m->imports.n > 0) {
		if ((imps = writ_calloc(m->imports.n, sizeof(*imps))) == NULL)
			return WRIT_ENOMEM;
		memcpy(imps, m->imports.v, m->imports.n * sizeof(*imps));
		qsort(imps, m->imports.n, sizeof(*imps), rego_import_cmp);
	}
	pr_open(&p, "module", &m->loc);
	pr_s(&p, " (package");
	pr_terms(&p, &m->package, 1);
	if (m->metadata != NULL) {
		pr_s(&p, " (metadata ");
		pr_str(&p, m->metadata, m->metadatalen);
		pr_s(&p, ")");
	}
	pr_s(&p, ")");
	for (i = 0; i < m->imports.n; i++) {
		pr_s(&p, "\n ");
		pr_open(&p, "import", &imps[i]->loc);
		pr_terms(&p, &imps[i]->path, 1);
		if (imps[i]->alias != NULL)
			pr_f(&p, " as %s", imps[i]->alias);
		pr_s(&p, ")");
	}
	writ_free(imps);
	for (i = 0; i < m->rules.n; i++) {
		pr_s(&p, "\n ");
		pr_rule(&p, m->rules.v[i]);
	}
	pr_s(&p, ")\n");
	return p.rc;
}

writ_rc
rego_ast_print_body(const struct rego_body *b, bool locs, struct writ_buf *out)
{
	struct pr p = {out, locs, WRIT_OK};

	pr_body(&p, b);
	return p.rc;
}

writ_rc
rego_ast_print_term(const struct rego_term *t, bool locs, struct writ_buf *out)
{
	struct pr p = {out, locs, WRIT_OK};

	pr_term(&p, t);
	return p.rc;
}
