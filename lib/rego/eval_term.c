/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Terms: scalars, variables, collections, comprehensions, template strings,
 * and unification of a term with a value or with another term.
 */
#include <string.h>

#include "writ/base.h"

#include "rego/eval.h"

/* ---------------------------------------------------------------------------
 * Scalars and variables.
 */

/* A scalar the bundle has no precomputed value for (query terms): converted here. */
static int
scalar_convert(struct rego_ev *e, const struct rego_term *t, const struct rego_val **out)
{
	struct writ_err we = {0};
	writ_rc rc;

	if (t->kind == REGO_T_NUMBER)
		rc = rego_number_parse(e->a, t->text, strlen(t->text), out, &we);
	else
		rc = rego_string_borrow(e->a, t->text, t->len, out, &we);
	return rc == WRIT_OK ? EV_OK : rego_ev_oom(e, rc, &we);
}

int
rego_ev_scalar(struct rego_ev *e, const struct rego_term *t, const struct rego_val **out)
{
	switch (t->kind) {
	case REGO_T_NULL:
		*out = &rego_null_val;
		return EV_OK;
	case REGO_T_BOOL:
		*out = rego_bool(t->b);
		return EV_OK;
	case REGO_T_NUMBER:
	case REGO_T_STRING:
		if ((*out = rego_bundle_const(e->b, t)) != NULL ||
		    (*out = rego_const_find(e->qconsts, e->nqconsts, t)) != NULL)
			return EV_OK;
		return scalar_convert(e, t, out);
	default:
		return rego_ev_fail(e, "eval_internal_error", &t->loc, "not a scalar");
	}
}

static bool
is_wild(const struct rego_term *t)
{
	return t->kind == REGO_T_VAR &&
	    ((t->flags & REGO_TF_WILDCARD) || (t->text[0] == '_' && t->text[1] == '\0'));
}

bool
rego_ev_can_eval(const struct rego_ev *e, const struct rego_term *t)
{
	const struct rego_binding *b;
	struct rego_res r;
	size_t i;

	switch (t->kind) {
	case REGO_T_VAR:
		if (is_wild(t))
			return false;
		if ((b = rego_ev_lookup(e, t->text)) != NULL)
			return b->val != NULL;
		return rego_is_input(t->text) || rego_is_data(t->text) ||
		    rego_ev_resolve(e, t->text, &r);
	case REGO_T_REF:
		return rego_ev_can_eval(e, t->items.v[0]);
	case REGO_T_ARRAY:
	case REGO_T_SET:
	case REGO_T_CALL:
		for (i = t->kind == REGO_T_CALL ? 1 : 0; i < t->items.n; i++)
			if (!rego_ev_can_eval(e, t->items.v[i]))
				return false;
		return true;
	case REGO_T_OBJECT:
		for (i = 0; i < t->items.n; i++)
			if (!rego_ev_can_eval(e, t->keys.v[i]) ||
			    !rego_ev_can_eval(e, t->items.v[i]))
				return false;
		return true;
	default:
		return true;
	}
}

static int
var_term(struct rego_ev *e, const struct rego_term *t, struct rego_k k)
{
	const struct rego_binding *b = NULL;
	struct rego_res r;

	if (!is_wild(t) && (b = rego_ev_lookup(e, t->text)) != NULL && b->val != NULL)
		return k.fn(e, k.arg, b->val);
	if (b == NULL && !is_wild(t) &&
	    (rego_is_input(t->text) || rego_is_data(t->text) ||
	        rego_ev_resolve(e, t->text, &r)))
		return rego_ev_ref(e, t, k);
	return rego_ev_fail(
	    e, "rego_unsafe_var_error", &t->loc, "var %s is unsafe", is_wild(t) ? "_" : t->text);
}

/* ---------------------------------------------------------------------------
 * Collections.
 */

struct coll_arg {
	const struct rego_term *t;
	size_t i, n;
	const struct rego_val **vals;
	struct rego_k k;
};

static int coll_next(struct rego_ev *e, struct coll_arg *ca);

static int
coll_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct coll_arg *ca = arg;
	struct coll_arg next = *ca;

	ca->vals[ca->i] = v;
	next.i = ca->i + 1;
	return coll_next(e, &next);
}

static int
coll_build(struct rego_ev *e, struct coll_arg *ca)
{
	const struct rego_term *t = ca->t;
	const struct rego_val *out = NULL;
	struct rego_builder b;
	struct writ_err we;
	writ_rc rc = WRIT_OK;
	size_t i;

	rego_we_init(&we);
	if (t->kind == REGO_T_ARRAY) {
		rc = rego_array(e->a, ca->vals, ca->n, &out, &we);
	} else if (t->kind == REGO_T_SET) {
		rego_builder_init(&b, e->a, REGO_SET);
		for (i = 0; i < ca->n && rc == WRIT_OK; i++)
			rc = rego_builder_push(&b, ca->vals[i], &we);
		if (rc == WRIT_OK)
			rc = rego_builder_finish(&b, &out, &we);
	} else {
		rego_builder_init(&b, e->a, REGO_OBJECT);
		for (i = 0; i + 1 < ca->n && rc == WRIT_OK; i += 2)
			rc = rego_builder_put(&b, ca->vals[i], ca->vals[i + 1], &we);
		if (rc == WRIT_OK)
			rc = rego_builder_finish(&b, &out, &we);
	}
	if (rc != WRIT_OK)
		return rego_ev_oom(e, rc, &we);
	return ca->k.fn(e, ca->k.arg, out);
}

static int
coll_next(struct rego_ev *e, struct coll_arg *ca)
{
	const struct rego_term *t = ca->t, *it;

	if (ca->i == ca->n)
		return coll_build(e, ca);
	if (t->kind == REGO_T_OBJECT)
		it = ca->i % 2 == 0 ? t->keys.v[ca->i / 2] : t->items.v[ca->i / 2];
	else
		it = t->items.v[ca->i];
	return rego_ev_term(e, it, (struct rego_k){coll_k, ca});
}

static int
coll_term(struct rego_ev *e, const struct rego_term *t, struct rego_k k)
{
	struct coll_arg ca = {t, 0, t->items.n, NULL, k};

	if (t->items.n == 0) {
		if (t->kind == REGO_T_ARRAY)
			return k.fn(e, k.arg, &rego_empty_array_val);
		return k.fn(
		    e, k.arg, t->kind == REGO_T_SET ? &rego_empty_set_val : &rego_empty_object_val);
	}
	if (t->kind == REGO_T_OBJECT)
		ca.n = 2 * t->items.n;
	if ((ca.vals = writ_arena_calloc(e->a, ca.n, sizeof(*ca.vals))) == NULL)
		return rego_ev_oom(e, WRIT_ELIMIT, NULL);
	return coll_next(e, &ca);
}

/* ---------------------------------------------------------------------------
 * Comprehensions.
 */

struct compr_arg {
	const struct rego_term *t;
	struct rego_builder b;
	const struct rego_val *key;
};

static int
compr_val_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct compr_arg *ca = arg;
	struct writ_err we;
	writ_rc rc;

	rego_we_init(&we);
	if (ca->t->kind == REGO_T_OBJECT_COMPR) {
		rc = rego_builder_put(&ca->b, ca->key, v, &we);
	} else {
		rc = rego_builder_push(&ca->b, v, &we);
	}
	return rc == WRIT_OK ? EV_OK : rego_ev_oom(e, rc, &we);
}

static int
compr_key_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct compr_arg *ca = arg;

	ca->key = v;
	return rego_ev_term(e, ca->t->head, (struct rego_k){compr_val_k, ca});
}

static int
compr_body_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct compr_arg *ca = arg;

	(void)v;
	if (ca->t->kind == REGO_T_OBJECT_COMPR)
		return rego_ev_term(e, ca->t->key, (struct rego_k){compr_key_k, ca});
	return rego_ev_term(e, ca->t->head, (struct rego_k){compr_val_k, ca});
}

static int
compr_term(struct rego_ev *e, const struct rego_term *t, struct rego_k k)
{
	struct compr_arg ca = {.t = t};
	const struct rego_val *out = NULL;
	struct writ_err we = {0};
	size_t mark = e->ntrail;
	writ_rc wrc;
	int rc;

	rego_builder_init(&ca.b, e->a,
	    t->kind == REGO_T_ARRAY_COMPR     ? REGO_ARRAY
	        : t->kind == REGO_T_SET_COMPR ? REGO_SET
	                                      : REGO_OBJECT);
	ca.b.strict = true;
	rc = rego_ev_query(e, t->body, (struct rego_k){compr_body_k, &ca});
	e->ntrail = mark;
	if (rc != EV_OK)
		return rc;
	if ((wrc = rego_builder_finish(&ca.b, &out, &we)) == WRIT_ECONFLICT)
		return rego_ev_fail(
		    e, "eval_conflict_error", &t->loc, "object keys must be unique");
	if (wrc != WRIT_OK)
		return rego_ev_oom(e, wrc, &we);
	return k.fn(e, k.arg, out);
}

/* ---------------------------------------------------------------------------
 * Template strings: $"a {x} b".
 */

struct tmpl_arg {
	const struct rego_term *t;
	size_t i;
	struct writ_buf *buf;
	struct rego_k k;
};

static int tmpl_next(struct rego_ev *e, struct tmpl_arg *ta);

static int
tmpl_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct tmpl_arg *ta = arg, next = *ta;
	size_t len = ta->buf->len;
	struct writ_err we = {0};
	writ_rc rc;
	int r;

	if (v->type == REGO_STRING)
		rc = writ_buf_append(ta->buf, v->u.s, v->len);
	else
		rc = rego_print(ta->buf, v, &we);
	if (rc != WRIT_OK)
		return rego_ev_oom(e, rc, &we);
	next.i = ta->i + 1;
	r = tmpl_next(e, &next);
	ta->buf->len = len;
	if (ta->buf->ptr != NULL)
		ta->buf->ptr[len] = '\0';
	return r;
}

/* One part: the set of its values (an undefined part prints <undefined>). */
static int
tmpl_part(struct rego_ev *e, struct tmpl_arg *ta, const struct rego_expr *x)
{
	const struct rego_val *s = NULL;
	struct writ_err we = {0};
	struct rego_builder b;
	const struct rego_val *set = NULL;
	int rc;

	if (x->kind == REGO_E_TERM && x->term->kind == REGO_T_STRING)
		return rego_ev_term(e, x->term, (struct rego_k){tmpl_k, ta});
	rego_builder_init(&b, e->a, REGO_SET);
	rc = rego_ev_collect_expr(e, x, &b);
	if (rc != EV_OK)
		return rc;
	if (rego_builder_finish(&b, &set, &we) != WRIT_OK)
		return rego_ev_oom(e, WRIT_ELIMIT, &we);
	if (set->len == 0) {
		if (rego_string(e->a, "<undefined>", 11, &s, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
		return tmpl_k(e, ta, s);
	}
	if (set->len > 1)
		return rego_ev_fail(e, "eval_conflict_error", &x->loc,
		    "template-strings must not produce multiple outputs");
	return tmpl_k(e, ta, set->u.elems[0]);
}

static int
tmpl_next(struct rego_ev *e, struct tmpl_arg *ta)
{
	const struct rego_val *s = NULL;
	struct writ_err we = {0};

	if (ta->i == ta->t->parts.n) {
		if (rego_string(e->a, ta->buf->ptr ? ta->buf->ptr : "", ta->buf->len, &s, &we) !=
		    WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
		return ta->k.fn(e, ta->k.arg, s);
	}
	return tmpl_part(e, ta, ta->t->parts.v[ta->i]);
}

static int
tmpl_term(struct rego_ev *e, const struct rego_term *t, struct rego_k k)
{
	struct writ_buf buf;
	struct tmpl_arg ta = {t, 0, &buf, k};
	int rc;

	writ_buf_init(&buf, 0);
	rc = tmpl_next(e, &ta);
	writ_buf_free(&buf);
	return rc;
}

int
rego_ev_term(struct rego_ev *e, const struct rego_term *t, struct rego_k k)
{
	const struct rego_val *v = NULL;
	int rc;

	switch (t->kind) {
	case REGO_T_NULL:
	case REGO_T_BOOL:
	case REGO_T_NUMBER:
	case REGO_T_STRING:
		if ((rc = rego_ev_scalar(e, t, &v)) != EV_OK)
			return rc;
		return k.fn(e, k.arg, v);
	case REGO_T_VAR:
		return var_term(e, t, k);
	case REGO_T_REF:
		return rego_ev_ref(e, t, k);
	case REGO_T_ARRAY:
	case REGO_T_SET:
	case REGO_T_OBJECT:
		return coll_term(e, t, k);
	case REGO_T_ARRAY_COMPR:
	case REGO_T_SET_COMPR:
	case REGO_T_OBJECT_COMPR:
		return compr_term(e, t, k);
	case REGO_T_CALL:
		return rego_ev_call(e, t, k);
	case REGO_T_TEMPLATE:
		return tmpl_term(e, t, k);
	}
	return rego_ev_fail(e, "eval_internal_error", &t->loc, "unknown term");
}

/* ---------------------------------------------------------------------------
 * Unification.
 */

struct eq_arg {
	const struct rego_val *v;
	struct rego_k k;
};

static int
eq_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct eq_arg *ea = arg;

	if (!rego_equal(v, ea->v))
		return EV_OK;
	return ea->k.fn(e, ea->k.arg, v);
}

static int
unify_var(struct rego_ev *e, const struct rego_term *t, const struct rego_val *v, bool declare,
    struct rego_k k)
{
	const struct rego_binding *b;
	struct eq_arg ea = {v, k};
	size_t mark;
	int rc;

	if (is_wild(t))
		return k.fn(e, k.arg, v);
	if (!declare) {
		struct rego_res r;

		if ((b = rego_ev_lookup(e, t->text)) != NULL && b->val != NULL)
			return rego_equal(b->val, v) ? k.fn(e, k.arg, v) : EV_OK;
		if (b == NULL &&
		    (rego_is_input(t->text) || rego_is_data(t->text) ||
		        rego_ev_resolve(e, t->text, &r)))
			return rego_ev_ref(e, t, (struct rego_k){eq_k, &ea});
	}
	mark = e->ntrail;
	if ((rc = rego_ev_bind(e, t->text, v)) != EV_OK)
		return rc;
	rc = k.fn(e, k.arg, v);
	e->ntrail = mark;
	return rc;
}

struct uarr_arg {
	const struct rego_term *t;
	const struct rego_val *v;
	size_t i;
	bool declare;
	struct rego_k k;
};

static int uarr_next(struct rego_ev *e, struct uarr_arg *ua);

static int
uarr_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct uarr_arg *ua = arg, next = *ua;

	(void)v;
	next.i = ua->i + 1;
	return uarr_next(e, &next);
}

static int
uarr_next(struct rego_ev *e, struct uarr_arg *ua)
{
	if (ua->i == ua->t->items.n)
		return ua->k.fn(e, ua->k.arg, ua->v);
	return rego_ev_unify_tv(e, ua->t->items.v[ua->i], ua->v->u.elems[ua->i], ua->declare,
	    (struct rego_k){uarr_k, ua});
}

/* Objects: each key of the pattern must be evaluable. */
struct uobj_arg {
	const struct rego_term *t;
	const struct rego_val *v;
	size_t i;
	bool declare;
	struct rego_k k;
};

static int uobj_next(struct rego_ev *e, struct uobj_arg *ua);

static int
uobj_val_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct uobj_arg *ua = arg, next = *ua;

	(void)v;
	next.i = ua->i + 1;
	return uobj_next(e, &next);
}

static int
uobj_key_k(struct rego_ev *e, void *arg, const struct rego_val *key)
{
	struct uobj_arg *ua = arg;
	const struct rego_val *val = rego_object_get(ua->v, key);

	if (val == NULL)
		return EV_OK;
	return rego_ev_unify_tv(
	    e, ua->t->items.v[ua->i], val, ua->declare, (struct rego_k){uobj_val_k, ua});
}

static int
uobj_next(struct rego_ev *e, struct uobj_arg *ua)
{
	if (ua->i == ua->t->items.n)
		return ua->k.fn(e, ua->k.arg, ua->v);
	return rego_ev_term(e, ua->t->keys.v[ua->i], (struct rego_k){uobj_key_k, ua});
}

int
rego_ev_unify_tv(struct rego_ev *e, const struct rego_term *t, const struct rego_val *v,
    bool declare, struct rego_k k)
{
	struct eq_arg ea = {v, k};
	int rc;

	if ((rc = rego_ev_step(e)) != EV_OK)
		return rc;
	switch (t->kind) {
	case REGO_T_VAR:
		return unify_var(e, t, v, declare, k);
	case REGO_T_ARRAY: {
		struct uarr_arg ua = {t, v, 0, declare, k};

		if (v->type != REGO_ARRAY || v->len != t->items.n)
			return EV_OK;
		return uarr_next(e, &ua);
	}
	case REGO_T_OBJECT: {
		struct uobj_arg ua = {t, v, 0, declare, k};

		if (v->type != REGO_OBJECT || v->len != t->items.n)
			return EV_OK;
		return uobj_next(e, &ua);
	}
	default:
		return rego_ev_term(e, t, (struct rego_k){eq_k, &ea});
	}
}

struct utt_arg {
	const struct rego_term *other;
	bool declare;
	struct rego_k k;
};

static int
utt_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct utt_arg *ua = arg;

	return rego_ev_unify_tv(e, ua->other, v, ua->declare, ua->k);
}

/* Arrays of unknowns on both sides: unify pairwise, each pair once one side can be evaluated. */
struct upair_arg {
	const struct rego_term *a, *b;
	struct rego_term *const *l, *const *r;
	size_t n;
	uint64_t done;
	bool declare;
	struct rego_k k;
};

static int upair_next(struct rego_ev *e, struct upair_arg *pa);

static int
upair_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	(void)v;
	return upair_next(e, arg);
}

static int
upair_next(struct rego_ev *e, struct upair_arg *pa)
{
	size_t i, n = pa->n;
	struct upair_arg next = *pa;

	for (i = 0; i < n; i++) {
		const struct rego_term *x = pa->l[i], *y = pa->r[i];

		if (pa->done & ((uint64_t)1 << i))
			continue;
		if (rego_ev_can_eval(e, x) || rego_ev_can_eval(e, y) ||
		    (x->kind == REGO_T_ARRAY && y->kind == REGO_T_ARRAY) ||
		    (x->kind == REGO_T_OBJECT && y->kind == REGO_T_OBJECT) ||
		    (is_wild(x) || is_wild(y))) {
			next.done |= (uint64_t)1 << i;
			return rego_ev_unify_tt(
			    e, x, y, pa->declare, (struct rego_k){upair_k, &next});
		}
	}
	if (next.done != (n == 64 ? UINT64_MAX : (((uint64_t)1 << n) - 1)))
		return rego_ev_fail(
		    e, "rego_unsafe_var_error", &pa->a->loc, "var %s is unsafe", "in unification");
	return pa->k.fn(e, pa->k.arg, &rego_true_val);
}

/* Two object patterns with constant keys: pair their values by key. */
static int
unify_objects(struct rego_ev *e, const struct rego_term *a, const struct rego_term *b, bool declare,
    struct rego_k k)
{
	struct upair_arg pa = {a, b, NULL, NULL, a->items.n, 0, declare, k};
	struct rego_term **l, **r;
	size_t i, j;
	int rc;

	if (a->items.n != b->items.n)
		return EV_OK;
	if (a->items.n > 64)
		return rego_ev_fail(e, "rego_unsafe_var_error", &a->loc,
		    "unification of objects larger than 64 entries");
	l = writ_arena_calloc(e->a, a->items.n + 1, sizeof(*l));
	r = writ_arena_calloc(e->a, a->items.n + 1, sizeof(*r));
	if (l == NULL || r == NULL)
		return rego_ev_oom(e, WRIT_ELIMIT, NULL);
	for (i = 0; i < a->items.n; i++) {
		const struct rego_val *ka = NULL, *kb = NULL;

		if (!rego_ev_can_eval(e, a->keys.v[i]) || a->keys.v[i]->kind > REGO_T_STRING)
			return rego_ev_fail(e, "rego_unsafe_var_error", &a->loc, "var %s is unsafe",
			    "in object key");
		if ((rc = rego_ev_scalar(e, a->keys.v[i], &ka)) != EV_OK)
			return rc;
		for (j = 0; j < b->items.n; j++) {
			if (b->keys.v[j]->kind > REGO_T_STRING)
				continue;
			if ((rc = rego_ev_scalar(e, b->keys.v[j], &kb)) != EV_OK)
				return rc;
			if (rego_equal(ka, kb))
				break;
		}
		if (j == b->items.n)
			return EV_OK;
		l[i] = a->items.v[i];
		r[i] = b->items.v[j];
	}
	pa.l = l;
	pa.r = r;
	return upair_next(e, &pa);
}

int
rego_ev_unify_tt(struct rego_ev *e, const struct rego_term *a, const struct rego_term *b,
    bool declare, struct rego_k k)
{
	struct utt_arg ua = {a, declare, k};

	if (declare || rego_ev_can_eval(e, b))
		return rego_ev_term(e, b, (struct rego_k){utt_k, &ua});
	if (rego_ev_can_eval(e, a)) {
		ua.other = b;
		return rego_ev_term(e, a, (struct rego_k){utt_k, &ua});
	}
	if (a->kind == REGO_T_ARRAY && b->kind == REGO_T_ARRAY) {
		struct upair_arg pa = {a, b, a->items.v, b->items.v, a->items.n, 0, declare, k};

		if (a->items.n != b->items.n)
			return EV_OK;
		if (a->items.n > 64)
			return rego_ev_fail(e, "rego_unsafe_var_error", &a->loc,
			    "unification of arrays longer than 64 elements");
		return upair_next(e, &pa);
	}
	if (a->kind == REGO_T_OBJECT && b->kind == REGO_T_OBJECT)
		return unify_objects(e, a, b, declare, k);
	if (is_wild(a) || is_wild(b))
		return k.fn(e, k.arg, &rego_true_val);
	return rego_ev_fail(e, "rego_unsafe_var_error", &a->loc, "var %s is unsafe",
	    a->kind == REGO_T_VAR       ? a->text
	        : b->kind == REGO_T_VAR ? b->text
	                                : "in unification");
}
