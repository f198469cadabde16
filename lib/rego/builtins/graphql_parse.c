/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recursive-descent parser of GraphQL executable documents (queries) and
 * SDL schema documents, following the grammar and the error behaviour of
 * the Go library OPA uses (gqlparser), so that the first error has the same
 * message and position: "Expected Name, found <EOF>", "Unexpected Name
 * \"x\"", "expected at least one definition, found }".  Parsing stops at the
 * first error.  Nesting depth and token count are bounded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rego/value.h"

#include "graphql_int.h"

struct parser {
	struct writ_arena *a;
	struct gql_lexer lex;
	struct gql_token peektok, prev;
	bool peeked;
	bool failed;
	unsigned depth;
	struct gql_errs *e;
};

/* ---------------------------------------------------------------------------
 * Helpers shared by the family.
 */

bool
gql_list_push(struct writ_arena *a, struct gql_list *l, void *p)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap != 0 ? l->cap * 2 : 4;
		void **nv = writ_arena_alloc(a, ncap * sizeof(*nv));

		if (nv == NULL)
			return false;
		if (l->n > 0)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = p;
	return true;
}

bool
gql_str_eq(struct gql_str a, const char *s)
{
	size_t n = strlen(s);

	return a.len == n && memcmp(a.s, s, n) == 0;
}

bool
gql_str_same(struct gql_str a, struct gql_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
}

void
gql_err_add(struct gql_errs *e, const struct gql_pos *pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (e->n >= GQL_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pos != NULL && pos->line != 0)
		n = snprintf(e->text + e->len, sizeof(e->text) - e->len, "%s:%d:%d: %s\n",
		    pos->prelude ? "prelude.graphql" : "input", pos->line, pos->col, msg);
	else
		n = snprintf(e->text + e->len, sizeof(e->text) - e->len, "input:-1:-1: %s\n", msg);
	if (n > 0)
		e->len +=
		    (size_t)n < sizeof(e->text) - e->len ? (size_t)n : sizeof(e->text) - e->len - 1;
	e->n++;
}

/* ---------------------------------------------------------------------------
 * Token handling (gqlparser's peek, next, expect, skip, some, many).
 */

static void fail_at(struct parser *p, const struct gql_token *t, const char *fmt, ...)
    WRIT_PRINTF(3, 4);

static void
fail_at(struct parser *p, const struct gql_token *t, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (p->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->failed = true;
	gql_err_add(p->e, &t->pos, "%s", msg);
}

static void
oom(struct parser *p)
{
	if (!p->failed) {
		p->failed = true;
		p->e->oom = true;
	}
}

static const struct gql_token *
peek(struct parser *p)
{
	if (p->failed)
		return &p->prev;
	if (!p->peeked) {
		gql_lex_next(&p->lex, &p->peektok);
		p->peeked = true;
		if (p->lex.oom) {
			oom(p);
		} else if (p->lex.limited) {
			p->failed = true;
			p->e->limit = true;
			gql_err_add(p->e, &p->peektok.pos, "%s", p->peektok.err);
		}
	}
	return &p->peektok;
}

static const struct gql_token *
next(struct parser *p)
{
	if (p->failed)
		return &p->prev;
	if (p->peeked) {
		p->peeked = false;
		p->prev = p->peektok;
	} else {
		gql_lex_next(&p->lex, &p->prev);
	}
	if (p->lex.oom) {
		oom(p);
	} else if (p->prev.kind == GT_INVALID) {
		p->failed = true;
		gql_err_add(p->e, &p->prev.pos, "%s", p->prev.err);
	}
	return &p->prev;
}

/* gqlparser's Token.String(): the kind, and the value quoted when there is one. */
static void
tok_str(const struct gql_token *t, char *buf, size_t len)
{
	struct writ_buf b;

	if (t->val.len == 0) {
		snprintf(buf, len, "%s", gql_tok_name(t->kind));
		return;
	}
	writ_buf_init(&b, 0);
	if (writ_buf_appendf(&b, "%s ", gql_tok_name(t->kind)) != WRIT_OK ||
	    rego_quote(&b, t->val.s, t->val.len) != WRIT_OK)
		snprintf(buf, len, "%s", gql_tok_name(t->kind));
	else
		snprintf(buf, len, "%s", b.ptr);
	writ_buf_free(&b);
}

static void
unexpected_tok(struct parser *p, const struct gql_token *t)
{
	char s[300];

	tok_str(t, s, sizeof(s));
	fail_at(p, t, "Unexpected %s", s);
}

static void
unexpected(struct parser *p)
{
	unexpected_tok(p, peek(p));
}

static struct gql_token
expect(struct parser *p, enum gql_tok k)
{
	const struct gql_token *t = peek(p);

	if (t->kind == k)
		return *next(p);
	fail_at(p, t, "Expected %s, found %s", gql_tok_name(k), gql_tok_name(t->kind));
	return *t;
}

static void
expect_kw(struct parser *p, const char *kw)
{
	const struct gql_token *t = peek(p);
	char s[300];

	if (t->kind == GT_NAME && gql_str_eq(t->val, kw)) {
		next(p);
		return;
	}
	tok_str(t, s, sizeof(s));
	fail_at(p, t, "Expected \"%s\", found %s", kw, s);
}

static bool
skip(struct parser *p, enum gql_tok k)
{
	if (p->failed || peek(p)->kind != k)
		return false;
	next(p);
	return true;
}

typedef void (*item_fn)(struct parser *p, void *ctx);

/* many/some: start item* end; some requires at least one item.  False if start is absent. */
static bool
delimited(
    struct parser *p, enum gql_tok start, enum gql_tok end, bool atleast1, item_fn fn, void *ctx)
{
	bool called = false;

	if (!skip(p, start))
		return false;
	while (!p->failed && peek(p)->kind != end) {
		called = true;
		fn(p, ctx);
	}
	if (atleast1 && !called && !p->failed) {
		fail_at(p, peek(p), "expected at least one definition, found %s",
		    gql_tok_name(peek(p)->kind));
		return true;
	}
	next(p);
	return true;
}

static bool
enter(struct parser *p)
{
	if (++p->depth > GQL_MAX_DEPTH) {
		if (!p->failed) {
			p->failed = true;
			p->e->limit = true;
			gql_err_add(
			    p->e, &peek(p)->pos, "nesting deeper than %d levels", GQL_MAX_DEPTH);
		}
		p->depth--;
		return false;
	}
	return true;
}

static void
leave(struct parser *p)
{
	p->depth--;
}

static void *
node(struct parser *p, size_t len)
{
	void *n = writ_arena_calloc(p->a, 1, len);

	if (n == NULL)
		oom(p);
	return n;
}

static void
push(struct parser *p, struct gql_list *l, void *item)
{
	if (item != NULL && !p->failed && !gql_list_push(p->a, l, item))
		oom(p);
}

static struct gql_pos
peek_pos(struct parser *p)
{
	return peek(p)->pos;
}

static struct gql_str
parse_name(struct parser *p)
{
	struct gql_token t = expect(p, GT_NAME);

	return t.kind == GT_NAME ? t.val : (struct gql_str){"", 0};
}

/* ---------------------------------------------------------------------------
 * Values, types, directives, arguments.
 */

static struct gql_value *parse_value(struct parser *p, bool isconst);

struct listctx {
	bool isconst;
	struct gql_list *l;
};

static void
list_item(struct parser *p, void *ctx)
{
	struct listctx *lc = ctx;
	struct gql_child *c = node(p, sizeof(*c));

	if (c == NULL)
		return;
	c->name.s = "";
	c->value = parse_value(p, lc->isconst);
	push(p, lc->l, c);
}

static void
object_item(struct parser *p, void *ctx)
{
	struct listctx *lc = ctx;
	struct gql_child *c = node(p, sizeof(*c));

	if (c == NULL)
		return;
	c->pos = peek_pos(p);
	c->name = parse_name(p);
	expect(p, GT_COLON);
	c->value = parse_value(p, lc->isconst);
	push(p, lc->l, c);
}

static struct gql_value *
parse_value(struct parser *p, bool isconst)
{
	const struct gql_token *t = peek(p);
	struct gql_value *v;
	struct listctx lc;

	if (p->failed || !enter(p))
		return NULL;
	if ((v = node(p, sizeof(*v))) == NULL)
		goto out;
	v->pos = t->pos;
	v->raw.s = "";
	switch (t->kind) {
	case GT_BRACKETL:
	case GT_BRACEL:
		v->kind = t->kind == GT_BRACKETL ? GQL_V_LIST : GQL_V_OBJECT;
		lc.isconst = isconst;
		lc.l = &v->children;
		if (t->kind == GT_BRACKETL)
			delimited(p, GT_BRACKETL, GT_BRACKETR, false, list_item, &lc);
		else
			delimited(p, GT_BRACEL, GT_BRACER, false, object_item, &lc);
		goto out;
	case GT_DOLLAR:
		if (isconst) {
			unexpected(p);
			v = NULL;
			goto out;
		}
		expect(p, GT_DOLLAR);
		v->kind = GQL_V_VARIABLE;
		v->raw = parse_name(p);
		goto out;
	case GT_INT:
		v->kind = GQL_V_INT;
		break;
	case GT_FLOAT:
		v->kind = GQL_V_FLOAT;
		break;
	case GT_STRING:
		v->kind = GQL_V_STRING;
		break;
	case GT_BLOCK:
		v->kind = GQL_V_BLOCK;
		break;
	case GT_NAME:
		if (gql_str_eq(t->val, "true") || gql_str_eq(t->val, "false"))
			v->kind = GQL_V_BOOLEAN;
		else if (gql_str_eq(t->val, "null"))
			v->kind = GQL_V_NULL;
		else
			v->kind = GQL_V_ENUM;
		break;
	default:
		unexpected(p);
		v = NULL;
		goto out;
	}
	v->raw = t->val;
	next(p);
out:
	leave(p);
	return p->failed ? NULL : v;
}

static struct gql_type *
parse_type(struct parser *p)
{
	struct gql_type *t;

	if (p->failed || !enter(p))
		return NULL;
	if ((t = node(p, sizeof(*t))) == NULL)
		goto out;
	t->named.s = "";
	if (skip(p, GT_BRACKETL)) {
		t->pos = peek_pos(p);
		t->elem = parse_type(p);
		expect(p, GT_BRACKETR);
	} else {
		t->pos = peek_pos(p);
		t->named = parse_name(p);
	}
	if (skip(p, GT_BANG)) {
		t->pos = peek_pos(p);
		t->nonnull = true;
	}
out:
	leave(p);
	return p->failed ? NULL : t;
}

static void
arg_item(struct parser *p, void *ctx)
{
	struct listctx *lc = ctx;
	struct gql_arg *a = node(p, sizeof(*a));

	if (a == NULL)
		return;
	a->pos = peek_pos(p);
	a->name = parse_name(p);
	expect(p, GT_COLON);
	a->value = parse_value(p, lc->isconst);
	push(p, lc->l, a);
}

static void
parse_args(struct parser *p, bool isconst, struct gql_list *out)
{
	struct listctx lc = {isconst, out};

	delimited(p, GT_PARENL, GT_PARENR, false, arg_item, &lc);
}

static void
parse_dirs(struct parser *p, bool isconst, struct gql_list *out)
{
	while (!p->failed && peek(p)->kind == GT_AT) {
		struct gql_dir *d = node(p, sizeof(*d));

		if (d == NULL)
			return;
		expect(p, GT_AT);
		d->pos = peek_pos(p);
		d->name = parse_name(p);
		parse_args(p, isconst, &d->args);
		d->location = "";
		push(p, out, d);
	}
}

/* ---------------------------------------------------------------------------
 * Executable documents.
 */

static void parse_sels(struct parser *p, struct gql_list *out, bool required);

static void
vardef_item(struct parser *p, void *ctx)
{
	struct gql_list *l = ctx;
	struct gql_vardef *v = node(p, sizeof(*v));

	if (v == NULL)
		return;
	v->pos = peek_pos(p);
	expect(p, GT_DOLLAR);
	v->var = parse_name(p);
	expect(p, GT_COLON);
	v->type = parse_type(p);
	if (skip(p, GT_EQUALS))
		v->defval = parse_value(p, true);
	parse_dirs(p, false, &v->dirs);
	push(p, l, v);
}

static struct gql_sel *
parse_field(struct parser *p)
{
	struct gql_sel *s = node(p, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->kind = GQL_SEL_FIELD;
	s->pos = peek_pos(p);
	s->alias = parse_name(p);
	s->name = skip(p, GT_COLON) ? parse_name(p) : s->alias;
	s->typecond.s = "";
	parse_args(p, false, &s->args);
	parse_dirs(p, false, &s->dirs);
	if (!p->failed && peek(p)->kind == GT_BRACEL)
		parse_sels(p, &s->sels, false);
	return s;
}

static struct gql_str
frag_name(struct parser *p)
{
	if (gql_str_eq(peek(p)->val, "on")) {
		unexpected(p);
		return (struct gql_str){"", 0};
	}
	return parse_name(p);
}

static struct gql_sel *
parse_fragment(struct parser *p)
{
	const struct gql_token *t;
	struct gql_sel *s = node(p, sizeof(*s));

	if (s == NULL)
		return NULL;
	expect(p, GT_SPREAD);
	t = peek(p);
	s->alias.s = s->name.s = s->typecond.s = "";
	if (t->kind == GT_NAME && !gql_str_eq(t->val, "on")) {
		s->kind = GQL_SEL_SPREAD;
		s->pos = peek_pos(p);
		s->name = frag_name(p);
		parse_dirs(p, false, &s->dirs);
		return s;
	}
	s->kind = GQL_SEL_INLINE;
	s->pos = peek_pos(p);
	if (gql_str_eq(peek(p)->val, "on")) {
		next(p);
		s->typecond = parse_name(p);
	}
	parse_dirs(p, false, &s->dirs);
	parse_sels(p, &s->sels, true);
	return s;
}

static void
sel_item(struct parser *p, void *ctx)
{
	struct gql_sel *s;

	if (peek(p)->kind == GT_SPREAD)
		s = parse_fragment(p);
	else
		s = parse_field(p);
	push(p, ctx, s);
}

static void
parse_sels(struct parser *p, struct gql_list *out, bool required)
{
	if (p->failed)
		return;
	if (required && peek(p)->kind != GT_BRACEL) {
		fail_at(p, peek(p), "Expected {, found %s", gql_tok_name(peek(p)->kind));
		return;
	}
	if (!enter(p))
		return;
	delimited(p, GT_BRACEL, GT_BRACER, true, sel_item, out);
	leave(p);
}

static const char *const op_names[] = {"query", "mutation", "subscription"};

/* parseOperationType: the next token must name an operation. */
static struct gql_str
parse_op_type(struct parser *p)
{
	struct gql_token t = *next(p);
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(op_names); i++)
		if (t.kind != GT_INVALID && gql_str_eq(t.val, op_names[i]))
			return (struct gql_str){op_names[i], strlen(op_names[i])};
	unexpected_tok(p, &t);
	return (struct gql_str){"", 0};
}

static struct gql_opdef *
parse_op(struct parser *p)
{
	struct gql_opdef *o = node(p, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->pos = peek_pos(p);
	o->name.s = "";
	if (peek(p)->kind == GT_BRACEL) {
		o->op = (struct gql_str){"query", 5};
		parse_sels(p, &o->sels, true);
		return o;
	}
	o->op = parse_op_type(p);
	if (!p->failed && peek(p)->kind == GT_NAME)
		o->name = next(p)->val;
	delimited(p, GT_PARENL, GT_PARENR, false, vardef_item, &o->vars);
	parse_dirs(p, false, &o->dirs);
	parse_sels(p, &o->sels, true);
	return o;
}

static struct gql_frag *
parse_frag_def(struct parser *p)
{
	struct gql_frag *f = node(p, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->pos = peek_pos(p);
	expect_kw(p, "fragment");
	f->name = frag_name(p);
	delimited(p, GT_PARENL, GT_PARENR, false, vardef_item, &f->vars);
	expect_kw(p, "on");
	f->typecond = parse_name(p);
	parse_dirs(p, false, &f->dirs);
	parse_sels(p, &f->sels, true);
	return f;
}

bool
gql_parse_query(
    struct writ_arena *a, const char *in, size_t len, struct gql_qdoc **out, struct gql_errs *e)
{
	struct parser p = {.a = a, .e = e};
	struct gql_qdoc *d;

	gql_lex_init(&p.lex, a, in, len);
	if ((d = node(&p, sizeof(*d))) == NULL)
		return false;
	while (!p.failed && peek(&p)->kind != GT_EOF) {
		const struct gql_token *t = peek(&p);

		if (t->kind == GT_BRACEL) {
			push(&p, &d->ops, parse_op(&p));
		} else if (t->kind == GT_NAME &&
		    (gql_str_eq(t->val, "query") || gql_str_eq(t->val, "mutation") ||
		        gql_str_eq(t->val, "subscription"))) {
			push(&p, &d->ops, parse_op(&p));
		} else if (t->kind == GT_NAME && gql_str_eq(t->val, "fragment")) {
			push(&p, &d->frags, parse_frag_def(&p));
		} else {
			unexpected(&p);
		}
	}
	if (p.failed)
		return false;
	*out = d;
	return true;
}

/* ---------------------------------------------------------------------------
 * Schema documents.
 */

static struct gql_str
parse_desc(struct parser *p)
{
	enum gql_tok k = peek(p)->kind;

	if (k != GT_BLOCK && k != GT_STRING)
		return (struct gql_str){"", 0};
	return next(p)->val;
}

static void
argdef_item(struct parser *p, void *ctx)
{
	struct gql_fielddef *f = node(p, sizeof(*f));

	if (f == NULL)
		return;
	f->pos = peek_pos(p);
	f->desc = parse_desc(p);
	f->name = parse_name(p);
	expect(p, GT_COLON);
	f->type = parse_type(p);
	if (skip(p, GT_EQUALS))
		f->defval = parse_value(p, true);
	parse_dirs(p, true, &f->dirs);
	push(p, ctx, f);
}

static void
fielddef_item(struct parser *p, void *ctx)
{
	struct gql_fielddef *f = node(p, sizeof(*f));

	if (f == NULL)
		return;
	f->pos = peek_pos(p);
	f->desc = parse_desc(p);
	f->name = parse_name(p);
	delimited(p, GT_PARENL, GT_PARENR, true, argdef_item, &f->args);
	expect(p, GT_COLON);
	f->type = parse_type(p);
	parse_dirs(p, true, &f->dirs);
	push(p, ctx, f);
}

static void
enumval_item(struct parser *p, void *ctx)
{
	struct gql_enumval *v = node(p, sizeof(*v));

	if (v == NULL)
		return;
	v->pos = peek_pos(p);
	v->desc = parse_desc(p);
	v->name = parse_name(p);
	parse_dirs(p, true, &v->dirs);
	push(p, ctx, v);
}

static void
optype_item(struct parser *p, void *ctx)
{
	struct gql_optype *o = node(p, sizeof(*o));

	if (o == NULL)
		return;
	o->pos = peek_pos(p);
	o->op = parse_op_type(p);
	expect(p, GT_COLON);
	o->type = parse_name(p);
	push(p, ctx, o);
}

static void
push_str(struct parser *p, struct gql_list *l, struct gql_str s)
{
	struct gql_str *n;

	if (p->failed || (n = node(p, sizeof(*n))) == NULL)
		return;
	*n = s;
	push(p, l, n);
}

/* "implements" & A & B, or "=" | A | B. */
static void
name_seq(struct parser *p, enum gql_tok sep, struct gql_list *out)
{
	skip(p, sep);
	push_str(p, out, parse_name(p));
	while (skip(p, sep) && !p->failed)
		push_str(p, out, parse_name(p));
}

static const char *const kinds[][2] = {
    {"scalar", "SCALAR"},
    {"type", "OBJECT"},
    {"interface", "INTERFACE"},
    {"union", "UNION"},
    {"enum", "ENUM"},
    {"input", "INPUT_OBJECT"},
};

/* A type definition or extension starting at keyword kinds[k][0]. */
static struct gql_def *
parse_typedef(struct parser *p, size_t k, struct gql_str desc, bool ext)
{
	struct gql_def *d = node(p, sizeof(*d));

	if (d == NULL)
		return NULL;
	expect_kw(p, kinds[k][0]);
	d->pos = peek_pos(p);
	d->kind = (struct gql_str){kinds[k][1], strlen(kinds[k][1])};
	d->desc = desc;
	d->name = parse_name(p);
	if ((k == 1 || (k == 2 && !ext)) && gql_str_eq(peek(p)->val, "implements")) {
		next(p);
		name_seq(p, GT_AMP, &d->ifaces);
	}
	/* gqlparser parses input object extensions' directives as non-constant. */
	parse_dirs(p, !(ext && k == 5), &d->dirs);
	if (k == 1 || k == 2)
		delimited(p, GT_BRACEL, GT_BRACER, true, fielddef_item, &d->fields);
	else if (k == 5)
		delimited(p, GT_BRACEL, GT_BRACER, true, argdef_item, &d->fields);
	else if (k == 4)
		delimited(p, GT_BRACEL, GT_BRACER, true, enumval_item, &d->enumvals);
	else if (k == 3 && skip(p, GT_EQUALS))
		name_seq(p, GT_PIPE, &d->types);
	if (ext && !p->failed && d->dirs.n == 0 && d->ifaces.n == 0 && d->fields.n == 0 &&
	    d->types.n == 0 && d->enumvals.n == 0)
		unexpected(p);
	return d;
}

static struct gql_schemadef *
parse_schemadef(struct parser *p, struct gql_str desc, bool ext)
{
	struct gql_schemadef *s = node(p, sizeof(*s));

	if (s == NULL)
		return NULL;
	expect_kw(p, "schema");
	s->pos = peek_pos(p);
	s->desc = desc;
	parse_dirs(p, true, &s->dirs);
	delimited(p, GT_BRACEL, GT_BRACER, true, optype_item, &s->optypes);
	if (ext && !p->failed && s->dirs.n == 0 && s->optypes.n == 0)
		unexpected(p);
	return s;
}

static const char *const locations[] = {"QUERY", "MUTATION", "SUBSCRIPTION", "FIELD",
    "FRAGMENT_DEFINITION", "FRAGMENT_SPREAD", "INLINE_FRAGMENT", "VARIABLE_DEFINITION", "SCHEMA",
    "SCALAR", "OBJECT", "FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INTERFACE", "UNION", "ENUM",
    "ENUM_VALUE", "INPUT_OBJECT", "INPUT_FIELD_DEFINITION"};

static void
dir_location(struct parser *p, struct gql_list *out)
{
	struct gql_token t = expect(p, GT_NAME);
	size_t i;

	if (p->failed)
		return;
	for (i = 0; i < WRIT_ARRAY_LEN(locations); i++)
		if (gql_str_eq(t.val, locations[i])) {
			push_str(p, out, (struct gql_str){locations[i], strlen(locations[i])});
			return;
		}
	unexpected_tok(p, &t);
}

static struct gql_dirdef *
parse_dirdef(struct parser *p, struct gql_str desc)
{
	struct gql_dirdef *d = node(p, sizeof(*d));
	const struct gql_token *t;

	if (d == NULL)
		return NULL;
	expect_kw(p, "directive");
	expect(p, GT_AT);
	d->pos = peek_pos(p);
	d->desc = desc;
	d->name = parse_name(p);
	delimited(p, GT_PARENL, GT_PARENR, true, argdef_item, &d->args);
	t = peek(p);
	if (t->kind == GT_NAME && gql_str_eq(t->val, "repeatable")) {
		d->repeatable = true;
		skip(p, GT_NAME);
	}
	expect_kw(p, "on");
	skip(p, GT_PIPE);
	dir_location(p, &d->locs);
	while (skip(p, GT_PIPE) && !p->failed)
		dir_location(p, &d->locs);
	return d;
}

static size_t
kind_index(struct gql_str v)
{
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(kinds); i++)
		if (gql_str_eq(v, kinds[i][0]))
			return i;
	return SIZE_MAX;
}

static void
parse_extension(struct parser *p, struct gql_sdoc *d)
{
	const struct gql_token *t;
	size_t k;

	expect_kw(p, "extend");
	t = peek(p);
	if (p->failed)
		return;
	if (gql_str_eq(t->val, "schema")) {
		push(p, &d->schemaext, parse_schemadef(p, (struct gql_str){"", 0}, true));
		return;
	}
	if ((k = kind_index(t->val)) == SIZE_MAX) {
		unexpected(p);
		return;
	}
	push(p, &d->exts, parse_typedef(p, k, (struct gql_str){"", 0}, true));
}

static void
schema_item(struct parser *p, struct gql_sdoc *d)
{
	struct gql_str desc = {"", 0};
	const struct gql_token *t;
	size_t k;

	t = peek(p);
	if (t->kind == GT_BLOCK || t->kind == GT_STRING)
		desc = parse_desc(p);
	t = peek(p);
	if (p->failed)
		return;
	if (t->kind != GT_NAME) {
		unexpected(p);
		return;
	}
	if ((k = kind_index(t->val)) != SIZE_MAX)
		push(p, &d->defs, parse_typedef(p, k, desc, false));
	else if (gql_str_eq(t->val, "schema"))
		push(p, &d->schema, parse_schemadef(p, desc, false));
	else if (gql_str_eq(t->val, "directive"))
		push(p, &d->dirs, parse_dirdef(p, desc));
	else if (gql_str_eq(t->val, "extend")) {
		if (desc.len > 0)
			unexpected_tok(p, &p->prev);
		parse_extension(p, d);
	} else
		unexpected(p);
}

bool
gql_parse_schema(struct writ_arena *a, const char *in, size_t len, bool prelude,
    struct gql_sdoc **out, struct gql_errs *e)
{
	struct parser p = {.a = a, .e = e};
	struct gql_sdoc *d;
	size_t i;

	gql_lex_init(&p.lex, a, in, len);
	p.lex.prelude = prelude;
	if ((d = node(&p, sizeof(*d))) == NULL)
		return false;
	while (!p.failed && peek(&p)->kind != GT_EOF)
		schema_item(&p, d);
	if (p.failed)
		return false;
	for (i = 0; i < d->defs.n; i++)
		((struct gql_def *)d->defs.v[i])->builtin = prelude;
	for (i = 0; i < d->exts.n; i++)
		((struct gql_def *)d->exts.v[i])->builtin = prelude;
	*out = d;
	return true;
}
