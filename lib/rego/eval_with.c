/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `with` modifier: for the one expression it qualifies, replace part of
 * input, part of data (base or virtual), a user function or a builtin.
 * The replacement is undone while the rest of the body runs (the
 * continuation) and put back when it returns; memoised rule values are
 * dropped on every change.
 */
#include <string.h>

#include "writ/base.h"

#include "rego/eval.h"

/* Everything a `with` changes, so it can be put back. */
struct wstate {
	const struct rego_val *input, *data;
	size_t nwith;
	size_t novr;
	size_t *ovr_id;
	const struct rego_val **ovr_val;
};

struct with_arg {
	struct wstate outer, inner;
	struct rego_k k;
};

static void
wstate_save(struct rego_ev *e, struct wstate *s)
{
	size_t i;

	s->input = e->input;
	s->data = e->data;
	s->nwith = e->nwith;
	for (i = 0; i < s->novr; i++)
		s->ovr_val[i] = e->ovr[s->ovr_id[i]];
}

static void
wstate_load(struct rego_ev *e, const struct wstate *s)
{
	size_t i;

	e->input = s->input;
	e->data = s->data;
	e->nwith = s->nwith;
	for (i = s->novr; i > 0; i--)
		e->ovr[s->ovr_id[i - 1]] = s->ovr_val[i - 1];
	e->gen++;
}

/* v with the value at path (string keys) replaced by val. */
static int
set_path(struct rego_ev *e, const struct rego_val *v, struct rego_term *const *path, size_t n,
    const struct rego_val *val, const struct rego_val **out)
{
	struct rego_builder b;
	struct writ_err we = {0};
	const struct rego_val *key = NULL, *child = NULL, *nc = NULL;
	size_t i;
	int rc;

	if (n == 0) {
		*out = val;
		return EV_OK;
	}
	if ((rc = rego_ev_scalar(e, path[0], &key)) != EV_OK)
		return rc;
	if (v != NULL && v->type == REGO_OBJECT)
		child = rego_object_get(v, key);
	if ((rc = set_path(e, child, path + 1, n - 1, val, &nc)) != EV_OK)
		return rc;
	rego_builder_init(&b, e->a, REGO_OBJECT);
	for (i = 0; v != NULL && v->type == REGO_OBJECT && i < v->len; i++)
		if (rego_builder_put(&b, v->u.kvs[i].key, v->u.kvs[i].val, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	if (rego_builder_put(&b, key, nc, &we) != WRIT_OK ||
	    rego_builder_finish(&b, out, &we) != WRIT_OK)
		return rego_ev_oom(e, WRIT_ELIMIT, &we);
	return EV_OK;
}

/* The first value of t, or NULL. */
static int
first_value(struct rego_ev *e, const struct rego_term *t, const struct rego_val **out)
{
	size_t mark = e->ntrail;
	int rc;

	*out = NULL;
	rc = rego_ev_term(e, t, (struct rego_k){rego_ev_first_k, out});
	e->ntrail = mark;
	return rc == EV_STOP ? EV_OK : rc;
}

/* True if t names a function: a user function, an evaluator builtin or a registry one. */
static bool
names_function(
    struct rego_ev *e, const struct rego_term *t, const struct rego_node **node, const char **name)
{
	*name = NULL;
	if (t->kind != REGO_T_VAR && t->kind != REGO_T_REF)
		return false;
	if ((*node = rego_ev_func_node(e, t)) != NULL)
		return true;
	if (t->kind == REGO_T_VAR && rego_ev_lookup(e, t->text) != NULL)
		return false;
	if ((*name = rego_ev_op_name(e, t)) == NULL)
		return false;
	return rego_ev_native_arity(*name) >= 0 ||
	    rego_builtin_lookup(*name, strlen(*name)) != NULL;
}

static int
push_fn(
    struct rego_ev *e, const struct rego_node *node, const char *name, const struct rego_term *vt)
{
	struct rego_with_ent *w;
	const struct rego_node *vn;
	const char *vname;
	int rc;

	if (e->nwith == e->capwith) {
		size_t ncap = e->capwith ? e->capwith * 2 : 8;
		struct rego_with_ent *nw = writ_arena_calloc(e->a, ncap, sizeof(*nw));

		if (nw == NULL)
			return rego_ev_oom(e, WRIT_ELIMIT, NULL);
		if (e->nwith > 0)
			memcpy(nw, e->with, e->nwith * sizeof(*nw));
		e->with = nw;
		e->capwith = ncap;
	}
	w = &e->with[e->nwith];
	memset(w, 0, sizeof(*w));
	w->node = node;
	w->fname = node == NULL ? name : NULL;
	w->mod = e->mod;
	if (names_function(e, vt, &vn, &vname)) {
		w->fn = vt;
	} else {
		if ((rc = first_value(e, vt, &w->val)) != EV_OK)
			return rc;
		if (w->val == NULL)
			return EV_OK; /* an undefined replacement: nothing to replace */
	}
	e->nwith++;
	return EV_OK;
}

static int
with_data(struct rego_ev *e, struct wstate *st, const struct rego_term *t, const struct rego_val *v)
{
	const struct rego_node *n = e->b->root;
	struct rego_term *const *path = t->items.v + 1;
	size_t i, np = t->items.n - 1;
	int rc;

	for (i = 0; i < np; i++)
		if (path[i]->kind != REGO_T_STRING)
			return rego_ev_fail(e, "rego_type_error", &t->loc,
			    "with target must be a ground reference");
	if ((rc = set_path(e, e->data, path, np, v, &e->data)) != EV_OK)
		return rc;
	for (i = 0; n != NULL && i < np; i++)
		n = rego_node_child(n, path[i]->text, path[i]->len);
	if (n != NULL && e->ovr != NULL) {
		st->ovr_val[st->novr] = e->ovr[n->id];
		st->ovr_id[st->novr++] = n->id;
		e->ovr[n->id] = v;
	}
	return EV_OK;
}

/* Apply one `with target as value`. */
static int
with_one(struct rego_ev *e, struct wstate *st, const struct rego_with *w)
{
	const struct rego_term *t = w->target;
	const struct rego_term *head = t->kind == REGO_T_REF ? t->items.v[0] : t;
	const struct rego_node *node;
	const struct rego_val *v = NULL;
	const char *name;
	int rc;

	if (names_function(e, t, &node, &name))
		return push_fn(e, node, name, w->value);
	if ((rc = first_value(e, w->value, &v)) != EV_OK)
		return rc;
	if (v == NULL)
		return EV_STOP; /* an undefined replacement makes the expression undefined */
	if (head->kind == REGO_T_VAR && rego_is_input(head->text)) {
		if (t->kind == REGO_T_VAR) {
			e->input = v;
			return EV_OK;
		}
		return set_path(e, e->input, t->items.v + 1, t->items.n - 1, v, &e->input);
	}
	if (head->kind == REGO_T_VAR && rego_is_data(head->text) && t->kind == REGO_T_REF)
		return with_data(e, st, t, v);
	return rego_ev_fail(e, "rego_compile_error", &w->loc,
	    "with keyword target must reference existing input, data, or a function");
}

static int
with_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct with_arg *wa = arg;
	int rc;

	wstate_save(e, &wa->inner);
	wstate_load(e, &wa->outer);
	rc = wa->k.fn(e, wa->k.arg, v);
	wstate_load(e, &wa->inner);
	return rc;
}

int
rego_ev_with(struct rego_ev *e, const struct rego_expr *x, rego_ev_expr_fn plain, struct rego_k k)
{
	struct with_arg wa = {.k = k};
	size_t i, n = x->with.n;
	int rc = EV_OK;

	wa.outer.ovr_id = writ_arena_calloc(e->a, n, sizeof(size_t));
	wa.outer.ovr_val = writ_arena_calloc(e->a, n, sizeof(*wa.outer.ovr_val));
	wa.inner.ovr_val = writ_arena_calloc(e->a, n, sizeof(*wa.inner.ovr_val));
	if (wa.outer.ovr_id == NULL || wa.outer.ovr_val == NULL || wa.inner.ovr_val == NULL)
		return rego_ev_oom(e, WRIT_ELIMIT, NULL);
	wa.inner.ovr_id = wa.outer.ovr_id;
	wstate_save(e, &wa.outer);
	for (i = 0; i < n && rc == EV_OK; i++)
		rc = with_one(e, &wa.outer, x->with.v[i]);
	wa.inner.novr = wa.outer.novr;
	e->gen++;
	if (rc == EV_OK)
		rc = plain(e, x, (struct rego_k){with_k, &wa});
	else if (rc == EV_STOP)
		rc = EV_OK; /* an undefined replacement value: the expression is undefined */
	wstate_load(e, &wa.outer);
	return rc;
}

const struct rego_with_ent *
rego_ev_with_fn(const struct rego_ev *e, const struct rego_node *n, const char *name)
{
	size_t i;

	for (i = e->nwith; i > 0; i--) {
		const struct rego_with_ent *w = &e->with[i - 1];

		if (n != NULL && w->node == n)
			return w;
		if (n == NULL && name != NULL && w->fname != NULL && strcmp(w->fname, name) == 0)
			return w;
	}
	return NULL;
}
