/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Rego compiler: parses every module in a scratch arena, runs the
 * module checks, keeps a compact copy of it in the bundle's arena
 * (compile_copy.c), parses the base document and merges every rule into the
 * rule tree under data by the ground prefix of its package and head
 * reference (data.a.b.p for `package a.b` and `p[x] := y`), then checks
 * what the evaluator relies on (function arity, calls of unknown functions,
 * recursion between rules), and indexes the rules of each node (index.c).
 * The result is immutable and may be shared.
 */
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "writ/rego.h"

#include "rego/ast.h"
#include "rego/eval.h"
#include "rego/value.h"

struct cc {
	struct writ_rego_bundle *b;
	struct writ_rego_error *err;
	writ_rc rc;
};

static void set_err(struct writ_rego_error *err, const char *code, const char *file,
    const struct rego_loc *loc, const char *fmt, ...) WRIT_PRINTF(5, 6);
static writ_rc cc_nomem(struct cc *c);
static struct rego_node *node_new(
    struct cc *c, struct rego_node *parent, const char *s, size_t len);
static struct rego_node *node_get(
    struct cc *c, struct rego_node *parent, const char *s, size_t len);
static bool push_ptr(struct writ_arena *a, void ***v, size_t *n, size_t *cap, void *x);
static writ_rc add_rule(struct cc *c, struct rego_cmod *cm, const struct rego_rule *r);
static writ_rc add_module(struct cc *c, struct rego_cmod *cm);
static void finish_tree(struct rego_node *n, size_t *id);
static int kid_cmp(const void *x, const void *y);
static writ_rc parse_modules(struct cc *c, const struct writ_rego_compile_opts *o);
static writ_rc parse_data(struct cc *c, const struct writ_rego_compile_opts *o);
static writ_rc check_tree(struct cc *c, const struct rego_node *n);

static void
set_err(struct writ_rego_error *err, const char *code, const char *file, const struct rego_loc *loc,
    const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	memset(err, 0, sizeof(*err));
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	if (loc != NULL && loc->file != NULL)
		file = loc->file;
	if (file != NULL)
		snprintf(err->file, sizeof(err->file), "%s", file);
	if (loc != NULL) {
		err->row = (int)loc->line;
		err->col = (int)loc->col;
	}
}

static writ_rc
cc_nomem(struct cc *c)
{
	set_err(c->err, "rego_compile_error", NULL, NULL, "out of memory");
	return c->rc = WRIT_ENOMEM;
}

static bool
push_ptr(struct writ_arena *a, void ***v, size_t *n, size_t *cap, void *x)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		void **nv = writ_arena_calloc(a, ncap, sizeof(*nv));

		if (nv == NULL)
			return false;
		if (*n > 0)
			memcpy(nv, *v, *n * sizeof(*nv));
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = x;
	return true;
}

static struct rego_node *
node_new(struct cc *c, struct rego_node *parent, const char *s, size_t len)
{
	struct rego_node *n = writ_arena_calloc(c->b->arena, 1, sizeof(*n));
	struct writ_err we = {0};

	if (n == NULL || (n->name = writ_arena_strndup(c->b->arena, s, len)) == NULL)
		return NULL;
	n->namelen = len;
	n->parent = parent;
	if (rego_string_borrow(c->b->arena, n->name, len, &n->key, &we) != WRIT_OK)
		return NULL;
	return n;
}

static struct rego_node *
node_get(struct cc *c, struct rego_node *parent, const char *s, size_t len)
{
	struct rego_node *n;
	size_t i;

	for (i = 0; i < parent->nkids; i++) {
		n = parent->kids[i];
		if (n->namelen == len && memcmp(n->name, s, len) == 0)
			return n;
	}
	if ((n = node_new(c, parent, s, len)) == NULL)
		return NULL;
	if (!push_ptr(c->b->arena, (void ***)&parent->kids, &parent->nkids, &parent->capkids, n))
		return NULL;
	return n;
}

struct rego_node *
rego_node_child(const struct rego_node *n, const char *s, size_t len)
{
	size_t lo = 0, hi = n->nkids;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct rego_node *k = n->kids[mid];
		size_t m = k->namelen < len ? k->namelen : len;
		int d = memcmp(k->name, s, m);

		if (d == 0)
			d = k->namelen < len ? -1 : k->namelen > len ? 1 : 0;
		if (d == 0)
			return n->kids[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Add rule r of module cm to the tree. */
static writ_rc
add_rule(struct cc *c, struct rego_cmod *cm, const struct rego_rule *r)
{
	struct rego_crule *cr = writ_arena_calloc(c->b->arena, 1, sizeof(*cr));
	const struct rego_term *ref = r->ref;
	struct rego_node *n = cm->pkg;
	size_t i = 1;

	if (cr == NULL)
		return cc_nomem(c);
	if (ref->kind == REGO_T_VAR) {
		if ((n = node_get(c, n, ref->text, strlen(ref->text))) == NULL)
			return cc_nomem(c);
		i = ref->items.n;
	} else {
		const struct rego_term *h = ref->items.v[0];

		if ((n = node_get(c, n, h->text, strlen(h->text))) == NULL)
			return cc_nomem(c);
		for (; i < ref->items.n && ref->items.v[i]->kind == REGO_T_STRING; i++) {
			const struct rego_term *s = ref->items.v[i];

			if ((n = node_get(c, n, s->text, s->len)) == NULL)
				return cc_nomem(c);
		}
	}
	cr->r = r;
	cr->mod = cm;
	if (ref->kind == REGO_T_REF && i < ref->items.n) {
		cr->dyn = ref->items.v + i;
		cr->ndyn = ref->items.n - i;
	}
	if (r->is_func)
		cr->kind = REGO_R_FUNC;
	else if (cr->ndyn > 0)
		cr->kind = REGO_R_OBJECT;
	else if (r->contains)
		cr->kind = REGO_R_SET;
	else
		cr->kind = REGO_R_COMPLETE;
	if (r->is_func) {
		if (n->nrules > 0 && n->arity != r->args.n) {
			set_err(c->err, "rego_type_error", NULL, &r->loc,
			    "function %s has arity %zu, but the definition has %zu arguments",
			    n->name, n->arity, r->args.n);
			return c->rc = WRIT_EINVAL;
		}
		n->is_func = true;
		n->arity = r->args.n;
	}
	if (r->is_default) {
		n->deflt = cr;
		return WRIT_OK;
	}
	if (!push_ptr(c->b->arena, (void ***)&n->rules, &n->nrules, &n->caprules, cr))
		return cc_nomem(c);
	return WRIT_OK;
}

static writ_rc
add_module(struct cc *c, struct rego_cmod *cm)
{
	const struct rego_term *pkg = cm->m->package;
	struct rego_node *n = c->b->root;
	size_t i;
	writ_rc rc;

	for (i = 1; i < pkg->items.n; i++) {
		const struct rego_term *s = pkg->items.v[i];

		if ((n = node_get(c, n, s->text, s->len)) == NULL)
			return cc_nomem(c);
	}
	cm->pkg = n;
	n->is_pkg = true;
	for (i = 0; i < cm->m->rules.n; i++)
		if ((rc = add_rule(c, cm, cm->m->rules.v[i])) != WRIT_OK)
			return rc;
	return WRIT_OK;
}

static int
kid_cmp(const void *x, const void *y)
{
	const struct rego_node *a = *(const struct rego_node *const *)x;
	const struct rego_node *b = *(const struct rego_node *const *)y;
	size_t m = a->namelen < b->namelen ? a->namelen : b->namelen;
	int d = memcmp(a->name, b->name, m);

	if (d != 0)
		return d;
	return a->namelen < b->namelen ? -1 : a->namelen > b->namelen ? 1 : 0;
}

static void
finish_tree(struct rego_node *n, size_t *id)
{
	size_t i;

	n->id = (*id)++;
	if (n->nkids > 1)
		qsort(n->kids, n->nkids, sizeof(*n->kids), kid_cmp);
	n->has_rules = n->nrules > 0 || n->deflt != NULL || n->is_pkg;
	for (i = 0; i < n->nrules; i++)
		n->maxdyn = n->rules[i]->ndyn > n->maxdyn ? n->rules[i]->ndyn : n->maxdyn;
	for (i = 0; i < n->nkids; i++) {
		finish_tree(n->kids[i], id);
		n->has_rules = n->has_rules || n->kids[i]->has_rules;
	}
}

static void
diag_err(struct writ_rego_error *err, const struct rego_diag *d, const char *file)
{
	struct rego_loc loc = {.file = file, .line = d->line, .col = d->col};

	set_err(err, d->code != NULL ? d->code : "rego_parse_error", file, &loc, "%s", d->msg);
}

struct check_arg {
	struct writ_rego_error *err;
	const char *file;
	bool seen;
};

static void
check_cb(const struct rego_diag *d, void *arg)
{
	struct check_arg *ca = arg;

	if (!ca->seen)
		diag_err(ca->err, d, ca->file);
	ca->seen = true;
}

static writ_rc
parse_modules(struct cc *c, const struct writ_rego_compile_opts *o)
{
	struct writ_rego_bundle *b = c->b;
	size_t i;

	if (o->nmodules > 0 &&
	    (b->mods = writ_arena_calloc(b->arena, o->nmodules, sizeof(*b->mods))) == NULL)
		return cc_nomem(c);
	for (i = 0; i < o->nmodules; i++) {
		const struct writ_rego_source *s = &o->modules[i];
		const char *name = s->name != NULL ? s->name : "policy.rego";
		struct rego_module *m = NULL;
		struct rego_diag d = {0};
		struct check_arg ca = {c->err, name, false};
		struct writ_arena *tmp = writ_arena_new(0, 0);
		writ_rc rc;

		if (tmp == NULL)
			return cc_nomem(c);
		rc = rego_parse_module(tmp, name, s->text, s->len, NULL, &m, &d, NULL);
		if (rc != WRIT_OK) {
			diag_err(c->err, &d, name);
			writ_arena_free(tmp);
			return c->rc = rc;
		}
		if (rego_check_module(m, check_cb, &ca) > 0) {
			writ_arena_free(tmp);
			return c->rc = WRIT_EINVAL;
		}
		rc = rego_module_compact(b->arena, m, &b->mods[i].m);
		writ_arena_free(tmp);
		if (rc != WRIT_OK)
			return cc_nomem(c);
		b->nmods = i + 1;
	}
	return WRIT_OK;
}

static writ_rc
parse_data(struct cc *c, const struct writ_rego_compile_opts *o)
{
	struct writ_err we = {0};
	writ_rc rc;

	c->b->data = &rego_empty_object_val;
	if (o->data_json == NULL || o->data_len == 0)
		return WRIT_OK;
	rc = rego_json_parse(c->b->arena, o->data_json, o->data_len, NULL, &c->b->data, &we);
	if (rc != WRIT_OK) {
		set_err(c->err, "rego_compile_error", "data.json", NULL, "data: %s", we.msg);
		return c->rc = rc;
	}
	if (c->b->data->type != REGO_OBJECT) {
		set_err(c->err, "rego_compile_error", "data.json", NULL,
		    "data: the base document must be an object");
		return c->rc = WRIT_EINVAL;
	}
	if ((rc = rego_object_index(c->b->arena, c->b->data, &we)) != WRIT_OK) {
		set_err(c->err, "rego_compile_error", "data.json", NULL, "data: %s", we.msg);
		return c->rc = rc;
	}
	return WRIT_OK;
}

/* Checks on the finished tree: complete and partial rules mixed on one node. */
static writ_rc
check_tree(struct cc *c, const struct rego_node *n)
{
	size_t i;
	writ_rc rc;

	for (i = 1; i < n->nrules; i++) {
		const struct rego_crule *a = n->rules[0], *r = n->rules[i];

		if ((a->kind == REGO_R_FUNC) != (r->kind == REGO_R_FUNC) ||
		    ((a->kind == REGO_R_SET) != (r->kind == REGO_R_SET) && a->ndyn == 0 &&
		        r->ndyn == 0)) {
			set_err(c->err, "rego_type_error", NULL, &r->r->loc,
			    "conflicting rules data.%s found", n->name);
			return c->rc = WRIT_EINVAL;
		}
	}
	if (n->nrules > 0 && n->rules[0]->kind != REGO_R_OBJECT) {
		for (i = 0; i < n->nkids; i++) {
			if (!n->kids[i]->has_rules ||
			    (n->kids[i]->is_pkg && n->kids[i]->nkids == 0 &&
			        n->kids[i]->nrules == 0))
				continue;
			set_err(c->err, "rego_type_error", NULL, &n->rules[0]->r->loc,
			    "rule %s conflicts with rules below it (%s.%s)", n->name, n->name,
			    n->kids[i]->name);
			return c->rc = WRIT_EINVAL;
		}
	}
	for (i = 0; i < n->nkids; i++)
		if ((rc = check_tree(c, n->kids[i])) != WRIT_OK)
			return rc;
	return WRIT_OK;
}

writ_rc
rego_compile_bundle(const struct writ_rego_compile_opts *o, struct writ_rego_bundle **out,
    struct writ_rego_error *err)
{
	struct cc c = {.err = err};
	size_t i, id = 0;
	writ_rc rc;

	*out = NULL;
	if ((c.b = writ_calloc(1, sizeof(*c.b))) == NULL ||
	    (c.b->arena = writ_arena_new(0, 0)) == NULL) {
		writ_free(c.b);
		set_err(err, "rego_compile_error", NULL, NULL, "out of memory");
		return WRIT_ENOMEM;
	}
	if ((rc = parse_modules(&c, o)) != WRIT_OK || (rc = parse_data(&c, o)) != WRIT_OK)
		goto fail;
	if ((c.b->root = node_new(&c, NULL, "", 0)) == NULL) {
		rc = cc_nomem(&c);
		goto fail;
	}
	for (i = 0; i < c.b->nmods; i++)
		if ((rc = add_module(&c, &c.b->mods[i])) != WRIT_OK)
			goto fail;
	finish_tree(c.b->root, &id);
	c.b->nnodes = id;
	if ((rc = check_tree(&c, c.b->root)) != WRIT_OK)
		goto fail;
	if ((rc = rego_compile_consts(c.b)) != WRIT_OK) {
		rc = cc_nomem(&c);
		goto fail;
	}
	if ((rc = rego_check_bundle(c.b, o->data_conflicts, err)) != WRIT_OK)
		goto fail;
	if ((rc = rego_index_build(c.b)) != WRIT_OK) {
		rc = cc_nomem(&c);
		goto fail;
	}
#ifdef __GLIBC__
	malloc_trim(0); /* give back the parse's scratch memory */
#endif
	*out = c.b;
	return WRIT_OK;
fail:
	writ_arena_free(c.b->arena);
	writ_free(c.b);
	return rc;
}
