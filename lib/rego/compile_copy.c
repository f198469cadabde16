/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Compacting a parsed module into the bundle's arena.  The parser works in
 * a scratch arena (the source copy, decoded token strings, vectors that grew
 * by doubling and nodes of abandoned parse attempts stay there); the
 * compiler keeps only this copy: vectors of exact length, strings interned,
 * and the terms whose location no error can report shared between rules:
 * scalars (by kind, flags and text), the operator refs of infix calls (by
 * operator), the `input` and `data` heads of refs and the names in rule
 * heads.  Comments and the source spelling of strings, which only the
 * formatter reads, are not kept.  The copy is as immutable as the original.
 */
#include <string.h>

#include "writ/base.h"

#include "rego/ast.h"
#include "rego/eval.h"

/* An open-addressing table: keys are pointers (klen 0) or byte strings. */
struct hent {
	uint64_t h;
	const void *k;
	size_t klen;
	void *v;
};

struct htab {
	struct hent *e;
	size_t n, cap; /* cap a power of two */
};

/* The key of a shared scalar term. */
struct skey {
	const char *text; /* interned */
	size_t len;
	unsigned kind, flags;
	bool b;
};

struct cp {
	struct writ_arena *a;         /* the bundle's arena */
	struct writ_arena *tmp;       /* keys of the tables */
	const char *file;             /* the module's file name, in a */
	struct htab strs;             /* interned strings */
	struct htab scalars;          /* struct skey -> shared term */
	struct htab ops;              /* operator names and var names -> shared term */
	const struct rego_term *head; /* the head ref of the rule being copied */
	bool nomem;
};

static uint64_t hash_bytes(const void *p, size_t len);
static struct hent *ht_find(struct htab *t, uint64_t h, const void *k, size_t klen);
static bool ht_put(struct htab *t, uint64_t h, const void *k, size_t klen, void *v);
static struct rego_term *copy_term(struct cp *c, const struct rego_term *t);
static struct rego_term *new_term(struct cp *c, const struct rego_term *t);
static struct rego_body *copy_body(struct cp *c, const struct rego_body *b);
static struct rego_expr *copy_expr(struct cp *c, const struct rego_expr *x);
static struct rego_term *copy_item(struct cp *c, const struct rego_term *t, size_t i);
static uint64_t ptr_hash(const void *p);
static const char *intern(struct cp *c, const char *s, size_t len);
static void *dup_mem(struct cp *c, const void *p, size_t len);
static struct rego_loc loc(const struct cp *c, struct rego_loc l);
static struct rego_term **copy_terms(struct cp *c, struct rego_term *const *v, size_t n);
static bool is_scalar(const struct rego_term *t);
static struct rego_term *shared_scalar(struct cp *c, const struct rego_term *t);
static void copy_kids(struct cp *c, const struct rego_term *t, struct rego_term *d);
static struct rego_term *shared_op(struct cp *c, const struct rego_term *o);
static struct rego_term *shared_var(struct cp *c, const struct rego_term *v);
static struct rego_rule *copy_rule(struct cp *c, const struct rego_rule *r);
static struct rego_module *copy_module(struct cp *c, const struct rego_module *m);

/* ---------------------------------------------------------------------------
 * Tables.
 */

static uint64_t
hash_bytes(const void *p, size_t len)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

static struct hent *
ht_find(struct htab *t, uint64_t h, const void *k, size_t klen)
{
	size_t j;

	if (t->cap == 0)
		return NULL;
	for (j = h & (t->cap - 1); t->e[j].k != NULL; j = (j + 1) & (t->cap - 1)) {
		const struct hent *x = &t->e[j];

		if (x->h == h && x->klen == klen &&
		    (klen == 0 ? x->k == k : memcmp(x->k, k, klen) == 0))
			return &t->e[j];
	}
	return NULL;
}

static bool
ht_put(struct htab *t, uint64_t h, const void *k, size_t klen, void *v)
{
	size_t j, i;

	if (2 * (t->n + 1) > t->cap) {
		struct htab nt = {.cap = t->cap ? t->cap * 2 : 64};

		if ((nt.e = writ_calloc(nt.cap, sizeof(*nt.e))) == NULL)
			return false;
		for (i = 0; i < t->cap; i++) {
			if (t->e[i].k == NULL)
				continue;
			for (j = t->e[i].h & (nt.cap - 1); nt.e[j].k != NULL;
			     j = (j + 1) & (nt.cap - 1))
				;
			nt.e[j] = t->e[i];
		}
		nt.n = t->n;
		writ_free(t->e);
		*t = nt;
	}
	for (j = h & (t->cap - 1); t->e[j].k != NULL; j = (j + 1) & (t->cap - 1))
		;
	t->e[j] = (struct hent){h, k, klen, v};
	t->n++;
	return true;
}

static uint64_t
ptr_hash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	return x ^ (x >> 33);
}

/* s[len] interned in the bundle's arena (NUL-terminated), or NULL. */
static const char *
intern(struct cp *c, const char *s, size_t len)
{
	uint64_t h = hash_bytes(s, len);
	struct hent *x = ht_find(&c->strs, h, s, len + 1);
	char *d;

	if (x != NULL)
		return x->v;
	if ((d = writ_arena_alloc(c->a, len + 1)) == NULL) {
		c->nomem = true;
		return NULL;
	}
	memcpy(d, s, len);
	d[len] = '\0';
	if (!ht_put(&c->strs, h, d, len + 1, d))
		c->nomem = true;
	return d;
}

/* ---------------------------------------------------------------------------
 * Nodes.
 */

static void *
dup_mem(struct cp *c, const void *p, size_t len)
{
	void *d;

	if (len == 0)
		return NULL;
	if ((d = writ_arena_alloc(c->a, len)) == NULL) {
		c->nomem = true;
		return NULL;
	}
	memcpy(d, p, len);
	return d;
}

static struct rego_loc
loc(const struct cp *c, struct rego_loc l)
{
	if (l.file != NULL)
		l.file = c->file;
	return l;
}

/* Copy a vector of n terms; v == NULL with n > 0 is out of memory. */
static struct rego_term **
copy_terms(struct cp *c, struct rego_term *const *v, size_t n)
{
	struct rego_term **d;
	size_t i;

	if (n == 0)
		return NULL;
	if ((d = writ_arena_calloc(c->a, n, sizeof(*d))) == NULL) {
		c->nomem = true;
		return NULL;
	}
	for (i = 0; i < n; i++)
		d[i] = copy_term(c, v[i]);
	return d;
}

static bool
is_scalar(const struct rego_term *t)
{
	return t->kind == REGO_T_NULL || t->kind == REGO_T_BOOL || t->kind == REGO_T_NUMBER ||
	    t->kind == REGO_T_STRING;
}

/* The shared copy of scalar t (its location is never reported). */
static struct rego_term *
shared_scalar(struct cp *c, const struct rego_term *t)
{
	struct skey k, *kp;
	struct rego_term *d;
	struct hent *x;
	uint64_t h;

	memset(&k, 0, sizeof(k));
	if (t->text != NULL) {
		k.len = t->kind == REGO_T_STRING ? t->len : strlen(t->text);
		if ((k.text = intern(c, t->text, k.len)) == NULL)
			return NULL;
	}
	k.kind = (unsigned)t->kind;
	k.flags = t->flags;
	k.b = t->b;
	h = hash_bytes(&k, sizeof(k));
	if ((x = ht_find(&c->scalars, h, &k, sizeof(k))) != NULL)
		return x->v;
	if ((d = new_term(c, t)) == NULL)
		return NULL;
	if ((kp = writ_arena_alloc(c->tmp, sizeof(*kp))) == NULL) {
		c->nomem = true;
		return d;
	}
	*kp = k;
	if (!ht_put(&c->scalars, h, kp, sizeof(*kp), d))
		c->nomem = true;
	return d;
}

static struct rego_term *
new_term(struct cp *c, const struct rego_term *t)
{
	struct rego_term *d = writ_arena_alloc(c->a, sizeof(*d));

	if (d == NULL) {
		c->nomem = true;
		return NULL;
	}
	*d = *t;
	d->loc = loc(c, t->loc);
	d->src = NULL;
	d->srclen = 0;
	d->text = NULL;
	if (t->text != NULL &&
	    (d->text = intern(c, t->text, t->kind == REGO_T_STRING ? t->len : strlen(t->text))) ==
	        NULL)
		return NULL;
	return d;
}

static void
copy_kids(struct cp *c, const struct rego_term *t, struct rego_term *d)
{
	size_t i;

	d->items.v = NULL;
	if (t->items.n > 0 &&
	    (d->items.v = writ_arena_calloc(c->a, t->items.n, sizeof(*d->items.v))) == NULL) {
		c->nomem = true;
		return;
	}
	for (i = 0; i < t->items.n; i++)
		d->items.v[i] = copy_item(c, t, i);
	d->keys.v = copy_terms(c, t->keys.v, t->keys.n);
	d->key = t->key != NULL ? copy_term(c, t->key) : NULL;
	d->head = t->head != NULL ? copy_term(c, t->head) : NULL;
	d->body = t->body != NULL ? copy_body(c, t->body) : NULL;
	d->parts.v = NULL;
	if (t->parts.n > 0 &&
	    (d->parts.v = writ_arena_calloc(c->a, t->parts.n, sizeof(*d->parts.v))) == NULL) {
		c->nomem = true;
		return;
	}
	for (i = 0; i < t->parts.n; i++)
		d->parts.v[i] = copy_expr(c, t->parts.v[i]);
}

static struct rego_term *
copy_term(struct cp *c, const struct rego_term *t)
{
	struct rego_term *d;

	if (is_scalar(t))
		return shared_scalar(c, t);
	if ((d = new_term(c, t)) == NULL)
		return NULL;
	copy_kids(c, t, d);
	return d;
}

/* The operator ref o of an infix call, shared by every call of that name. */
static struct rego_term *
shared_op(struct cp *c, const struct rego_term *o)
{
	const char *k[2] = {NULL, NULL}, **kp;
	struct rego_term *d;
	struct hent *x;
	uint64_t h;
	size_t i;

	if (o->kind != REGO_T_REF || o->items.n == 0 || o->items.n > 2)
		return copy_term(c, o);
	for (i = 0; i < o->items.n; i++) /* interned: equal names, equal pointers */
		if ((k[i] = intern(c, o->items.v[i]->text, strlen(o->items.v[i]->text))) == NULL)
			return NULL;
	h = hash_bytes(k, sizeof(k));
	if ((x = ht_find(&c->ops, h, k, sizeof(k))) != NULL)
		return x->v;
	if ((d = copy_term(c, o)) == NULL)
		return NULL;
	if ((kp = writ_arena_alloc(c->tmp, sizeof(k))) == NULL) {
		c->nomem = true;
		return d;
	}
	memcpy(kp, k, sizeof(k));
	if (!ht_put(&c->ops, h, kp, sizeof(k), d))
		c->nomem = true;
	return d;
}

/* Var v, shared by every var of its name (refs to input and data, rule names). */
static struct rego_term *
shared_var(struct cp *c, const struct rego_term *v)
{
	const char *name = intern(c, v->text, strlen(v->text));
	struct rego_term *d;
	struct hent *x;
	uint64_t h;

	if (name == NULL)
		return NULL;
	h = ptr_hash(name);
	if ((x = ht_find(&c->ops, h, name, 0)) != NULL)
		return x->v;
	if ((d = copy_term(c, v)) != NULL && !ht_put(&c->ops, h, name, 0, d))
		c->nomem = true;
	return d;
}

/* Item i of term t. */
static struct rego_term *
copy_item(struct cp *c, const struct rego_term *t, size_t i)
{
	const struct rego_term *x = t->items.v[i];

	if (i == 0 && t->kind == REGO_T_CALL && (t->flags & REGO_TF_INFIX))
		return shared_op(c, x);
	if (i == 0 && t->kind == REGO_T_REF && x->kind == REGO_T_VAR &&
	    (t == c->head || strcmp(x->text, "input") == 0 || strcmp(x->text, "data") == 0))
		return shared_var(c, x);
	return copy_term(c, x);
}

static struct rego_expr *
copy_expr(struct cp *c, const struct rego_expr *x)
{
	struct rego_expr *d = writ_arena_alloc(c->a, sizeof(*d));
	size_t i;

	if (d == NULL) {
		c->nomem = true;
		return NULL;
	}
	*d = *x;
	d->loc = loc(c, x->loc);
	d->term = x->term != NULL ? copy_term(c, x->term) : NULL;
	d->vars.v = copy_terms(c, x->vars.v, x->vars.n);
	d->key = x->key != NULL ? copy_term(c, x->key) : NULL;
	d->value = x->value != NULL ? copy_term(c, x->value) : NULL;
	d->domain = x->domain != NULL ? copy_term(c, x->domain) : NULL;
	d->body = x->body != NULL ? copy_body(c, x->body) : NULL;
	d->with.v = NULL;
	if (x->with.n > 0 &&
	    (d->with.v = writ_arena_calloc(c->a, x->with.n, sizeof(*d->with.v))) == NULL) {
		c->nomem = true;
		return d;
	}
	for (i = 0; i < x->with.n; i++) {
		struct rego_with *w = writ_arena_alloc(c->a, sizeof(*w));

		if ((d->with.v[i] = w) == NULL) {
			c->nomem = true;
			return d;
		}
		w->loc = loc(c, x->with.v[i]->loc);
		w->target = copy_term(c, x->with.v[i]->target);
		w->value = copy_term(c, x->with.v[i]->value);
	}
	return d;
}

static struct rego_body *
copy_body(struct cp *c, const struct rego_body *b)
{
	struct rego_body *d = writ_arena_alloc(c->a, sizeof(*d));
	size_t i;

	if (d == NULL) {
		c->nomem = true;
		return NULL;
	}
	*d = *b;
	d->loc = loc(c, b->loc);
	d->exprs.v = NULL;
	if (b->exprs.n > 0 &&
	    (d->exprs.v = writ_arena_calloc(c->a, b->exprs.n, sizeof(*d->exprs.v))) == NULL) {
		c->nomem = true;
		return d;
	}
	for (i = 0; i < b->exprs.n; i++)
		d->exprs.v[i] = copy_expr(c, b->exprs.v[i]);
	return d;
}

static struct rego_rule *
copy_rule(struct cp *c, const struct rego_rule *r)
{
	struct rego_rule *d = writ_arena_alloc(c->a, sizeof(*d));

	if (d == NULL) {
		c->nomem = true;
		return NULL;
	}
	*d = *r;
	d->loc = loc(c, r->loc);
	d->metadata_loc = loc(c, r->metadata_loc);
	c->head = r->ref;
	d->ref = copy_term(c, r->ref);
	c->head = NULL;
	d->args.v = copy_terms(c, r->args.v, r->args.n);
	d->key = r->key != NULL ? copy_term(c, r->key) : NULL;
	d->value = r->value != NULL ? copy_term(c, r->value) : NULL;
	d->body = r->body != NULL ? copy_body(c, r->body) : NULL;
	d->els = r->els != NULL ? copy_rule(c, r->els) : NULL;
	d->metadata = r->metadata != NULL ? dup_mem(c, r->metadata, r->metadatalen + 1) : NULL;
	return d;
}

static struct rego_module *
copy_module(struct cp *c, const struct rego_module *m)
{
	struct rego_module *d = writ_arena_alloc(c->a, sizeof(*d));
	size_t i;

	if (d == NULL ||
	    (c->file = writ_arena_strdup(c->a, m->file != NULL ? m->file : "")) == NULL)
		return NULL;
	*d = *m;
	d->file = m->file != NULL ? c->file : NULL;
	d->loc = loc(c, m->loc);
	d->package = copy_term(c, m->package);
	d->metadata = m->metadata != NULL ? dup_mem(c, m->metadata, m->metadatalen + 1) : NULL;
	d->comments.v = NULL;
	d->comments.n = 0;
	d->imports.v = NULL;
	d->rules.v = NULL;
	if ((m->imports.n > 0 &&
	        (d->imports.v = writ_arena_calloc(c->a, m->imports.n, sizeof(*d->imports.v))) ==
	            NULL) ||
	    (m->rules.n > 0 &&
	        (d->rules.v = writ_arena_calloc(c->a, m->rules.n, sizeof(*d->rules.v))) == NULL))
		return NULL;
	for (i = 0; i < m->imports.n; i++) {
		struct rego_import *im = dup_mem(c, m->imports.v[i], sizeof(*im));

		if ((d->imports.v[i] = im) == NULL)
			return NULL;
		im->loc = loc(c, im->loc);
		im->path = copy_term(c, m->imports.v[i]->path);
		if (im->alias != NULL)
			im->alias = intern(c, im->alias, strlen(im->alias));
	}
	for (i = 0; i < m->rules.n; i++)
		d->rules.v[i] = copy_rule(c, m->rules.v[i]);
	return c->nomem ? NULL : d;
}

writ_rc
rego_module_compact(
    struct writ_arena *a, const struct rego_module *m, const struct rego_module **out)
{
	struct cp c = {.a = a};
	struct rego_module *d;
	writ_rc rc = WRIT_ENOMEM;

	if ((c.tmp = writ_arena_new(0, 0)) == NULL)
		return WRIT_ENOMEM;
	if ((d = copy_module(&c, m)) != NULL) {
		*out = d;
		rc = WRIT_OK;
	}
	writ_free(c.strs.e);
	writ_free(c.scalars.e);
	writ_free(c.ops.e);
	writ_arena_free(c.tmp);
	return rc;
}
