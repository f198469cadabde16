/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The constants of a bundle: every number and string term of every module
 * converted once into a value in the bundle's arena, found again by the
 * term's address (an open-addressing table), so that evaluations do not
 * convert literals on each use.
 */
#include <string.h>

#include "writ/base.h"

#include "rego/eval.h"

struct cst {
	struct writ_arena *arena;   /* where the values go */
	struct rego_const *tab; /* the table being built (malloc) */
	size_t n, cap;
	writ_rc rc;
};

static void walk_body(struct cst *c, const struct rego_body *b);

static uint64_t
ptr_hash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

/* Double the table (malloc'd while building). */
static bool
grow(struct cst *c)
{
	size_t cap = c->cap ? c->cap * 2 : 64, i, j;
	struct rego_const *t = writ_calloc(cap, sizeof(*t));

	if (t == NULL)
		return false;
	for (i = 0; i < c->cap; i++) {
		if (c->tab[i].term == NULL)
			continue;
		for (j = ptr_hash(c->tab[i].term) & (cap - 1); t[j].term != NULL;
		     j = (j + 1) & (cap - 1))
			;
		t[j] = c->tab[i];
	}
	writ_free(c->tab);
	c->tab = t;
	c->cap = cap;
	return true;
}

/* Convert and insert a scalar term (once: terms may be shared). */
static void
add_const(struct cst *c, const struct rego_term *t)
{
	const struct rego_val *v = NULL;
	struct writ_err we = {0};
	size_t j;
	writ_rc rc;

	if (t->kind != REGO_T_NUMBER && t->kind != REGO_T_STRING)
		return;
	if (2 * (c->n + 1) > c->cap && !grow(c)) {
		c->rc = WRIT_ENOMEM;
		return;
	}
	for (j = ptr_hash(t) & (c->cap - 1); c->tab[j].term != NULL; j = (j + 1) & (c->cap - 1))
		if (c->tab[j].term == t)
			return;
	if (t->kind == REGO_T_NUMBER)
		rc = rego_number_parse(c->arena, t->text, strlen(t->text), &v, &we);
	else
		rc = rego_string_borrow(c->arena, t->text, t->len, &v, &we);
	if (rc != WRIT_OK) {
		if (rc == WRIT_ENOMEM)
			c->rc = rc;
		return; /* left to the evaluator, which reports it */
	}
	c->tab[j].term = t;
	c->tab[j].val = v;
	c->n++;
}

static void
walk_term(struct cst *c, const struct rego_term *t)
{
	size_t i;

	if (t == NULL || c->rc != WRIT_OK)
		return;
	add_const(c, t);
	for (i = 0; i < t->items.n; i++)
		walk_term(c, t->items.v[i]);
	for (i = 0; i < t->keys.n; i++)
		walk_term(c, t->keys.v[i]);
	for (i = 0; i < t->parts.n; i++)
		walk_term(c, t->parts.v[i]->term);
	walk_term(c, t->key);
	walk_term(c, t->head);
	walk_body(c, t->body);
}

static void
walk_body(struct cst *c, const struct rego_body *b)
{
	size_t i, j;

	for (i = 0; b != NULL && i < b->exprs.n; i++) {
		const struct rego_expr *x = b->exprs.v[i];

		walk_term(c, x->term);
		walk_term(c, x->key);
		walk_term(c, x->value);
		walk_term(c, x->domain);
		walk_body(c, x->body);
		for (j = 0; j < x->with.n; j++)
			walk_term(c, x->with.v[j]->value);
	}
}

static void
walk_all(struct cst *c, const struct writ_rego_bundle *b)
{
	size_t i, j, k;

	for (i = 0; i < b->nmods; i++) {
		const struct rego_module *m = b->mods[i].m;

		for (j = 0; j < m->rules.n; j++) {
			const struct rego_rule *r;

			for (r = m->rules.v[j]; r != NULL; r = r->els) {
				walk_term(c, r->ref);
				for (k = 0; k < r->args.n; k++)
					walk_term(c, r->args.v[k]);
				walk_term(c, r->key);
				walk_term(c, r->value);
				walk_body(c, r->body);
			}
		}
	}
}

/* Move the finished table of c into its arena as *out (n slots). */
static writ_rc
finish(struct cst *c, struct rego_const **out, size_t *n)
{
	if (c->rc == WRIT_OK && c->cap > 0) {
		if ((*out = writ_arena_calloc(c->arena, c->cap, sizeof(**out))) == NULL)
			c->rc = WRIT_ENOMEM;
		else
			memcpy(*out, c->tab, c->cap * sizeof(**out));
		*n = c->cap;
	}
	writ_free(c->tab);
	return c->rc;
}

writ_rc
rego_compile_consts(struct writ_rego_bundle *b)
{
	struct cst c = {.arena = b->arena};

	walk_all(&c, b);
	return finish(&c, &b->consts, &b->nconsts);
}

writ_rc
rego_body_consts(
    struct writ_arena *a, const struct rego_body *body, struct rego_const **out, size_t *n)
{
	struct cst c = {.arena = a};

	walk_body(&c, body);
	return finish(&c, out, n);
}

const struct rego_val *
rego_const_find(const struct rego_const *tab, size_t n, const struct rego_term *t)
{
	size_t j;

	if (tab == NULL)
		return NULL;
	for (j = ptr_hash(t) & (n - 1); tab[j].term != NULL; j = (j + 1) & (n - 1))
		if (tab[j].term == t)
			return tab[j].val;
	return NULL;
}

const struct rego_val *
rego_bundle_const(const struct writ_rego_bundle *b, const struct rego_term *t)
{
	return rego_const_find(b->consts, b->nconsts, t);
}
