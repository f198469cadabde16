/* SPDX-License-Identifier: Apache-2.0 */
/*
 * References: resolving a ref's head (a local, input, data, a rule or an
 * import of the current module), applying its operands to a value (indexing
 * for ground operands, iteration for unbound ones), and walking the rule
 * tree under data, where base and virtual documents meet.
 */
#include <string.h>

#include "writ/base.h"

#include "rego/eval.h"

struct apply_arg {
	const struct rego_val *v;
	struct rego_term *const *ops;
	size_t i, n;
	struct rego_k k;
};

static int data_walk(struct rego_ev *e, const struct rego_node *node, const struct rego_val *base,
    struct rego_term *const *ops, size_t i, size_t n, struct rego_k k);

/* The element of v at key, or NULL. */
static const struct rego_val *
index_val(const struct rego_val *v, const struct rego_val *key)
{
	int64_t i;

	switch (v->type) {
	case REGO_ARRAY:
		if (key->type != REGO_NUMBER || !rego_num_i64(key, &i) || i < 0 ||
		    (uint64_t)i >= v->len)
			return NULL;
		return v->u.elems[i];
	case REGO_OBJECT:
		return rego_object_get(v, key);
	case REGO_SET:
		return rego_set_contains(v, key) ? key : NULL;
	default:
		return NULL;
	}
}

static int
apply_key_k(struct rego_ev *e, void *arg, const struct rego_val *key)
{
	struct apply_arg *aa = arg;
	const struct rego_val *x = index_val(aa->v, key);

	if (x == NULL)
		return EV_OK;
	return rego_ev_apply(e, x, aa->ops, aa->i + 1, aa->n, aa->k);
}

struct iter_arg {
	struct apply_arg *aa;
	const struct rego_val *val;
};

static int
iter_k(struct rego_ev *e, void *arg, const struct rego_val *key)
{
	struct iter_arg *ia = arg;

	(void)key;
	return rego_ev_apply(e, ia->val, ia->aa->ops, ia->aa->i + 1, ia->aa->n, ia->aa->k);
}

/* Iterate over v's elements, unifying the operand with each key. */
static int
apply_iter(struct rego_ev *e, struct apply_arg *aa, const struct rego_term *op)
{
	const struct rego_val *v = aa->v;
	struct writ_err we = {0};
	size_t j;
	int rc = EV_OK;

	for (j = 0; j < v->len && rc == EV_OK; j++) {
		const struct rego_val *key;
		struct iter_arg ia = {aa, NULL};

		if (v->type == REGO_ARRAY) {
			if (rego_int(e->a, (int64_t)j, &key, &we) != WRIT_OK)
				return rego_ev_oom(e, WRIT_ELIMIT, &we);
			ia.val = v->u.elems[j];
		} else if (v->type == REGO_SET) {
			key = ia.val = v->u.elems[j];
		} else {
			key = v->u.kvs[j].key;
			ia.val = v->u.kvs[j].val;
		}
		rc = rego_ev_unify_tv(e, op, key, false, (struct rego_k){iter_k, &ia});
	}
	return rc;
}

int
rego_ev_apply(struct rego_ev *e, const struct rego_val *v, struct rego_term *const *ops, size_t i,
    size_t n, struct rego_k k)
{
	struct apply_arg aa = {v, ops, i, n, k};
	const struct rego_term *op;
	const struct rego_val *key = NULL;
	int rc;

	if (i == n)
		return k.fn(e, k.arg, v);
	op = ops[i];
	if (v->type != REGO_ARRAY && v->type != REGO_OBJECT && v->type != REGO_SET)
		return EV_OK;
	if (op->kind == REGO_T_STRING || op->kind == REGO_T_NUMBER) {
		if ((rc = rego_ev_scalar(e, op, &key)) != EV_OK)
			return rc;
		return apply_key_k(e, &aa, key);
	}
	if (rego_ev_can_eval(e, op))
		return rego_ev_term(e, op, (struct rego_k){apply_key_k, &aa});
	return apply_iter(e, &aa, op);
}

/*
 * Operands ops[0..n) applied to v without a search, when each is a string or
 * number literal or a bound local: such a path names at most one value, found
 * by indexing alone (input.user, grant.action, x[i]).  True with *out that
 * value (NULL: undefined); false, having done nothing, when an operand needs
 * rego_ev_apply (a pattern to unify, a call, a rule's name).
 */
static bool
apply_direct(const struct rego_ev *e, const struct rego_val *v, struct rego_term *const *ops,
    size_t n, const struct rego_val **out)
{
	size_t i;

	for (i = 0; i < n && v != NULL; i++) {
		const struct rego_term *op = ops[i];
		const struct rego_binding *b;
		const struct rego_val *key;

		if (v->type != REGO_ARRAY && v->type != REGO_OBJECT && v->type != REGO_SET) {
			v = NULL;
			break;
		}
		switch (op->kind) {
		case REGO_T_STRING:
			if (v->type != REGO_SET) { /* an array has no string keys */
				v = rego_object_get_str(v, op->text, op->len);
				continue;
			}
			/* fallthrough */
		case REGO_T_NUMBER:
			if ((key = rego_bundle_const(e->b, op)) == NULL &&
			    (key = rego_const_find(e->qconsts, e->nqconsts, op)) == NULL)
				return false;
			break;
		case REGO_T_VAR:
			if ((op->flags & REGO_TF_WILDCARD) || (op->text[0] == '_' && op->text[1] == '\0') ||
			    (b = rego_ev_lookup(e, op->text)) == NULL || b->val == NULL)
				return false;
			key = b->val;
			break;
		default:
			return false;
		}
		v = index_val(v, key);
	}
	*out = v;
	return true;
}

bool
rego_ev_direct(const struct rego_ev *e, const struct rego_term *t, const struct rego_val **out)
{
	const struct rego_term *head = t->kind == REGO_T_REF ? t->items.v[0] : t;
	const struct rego_binding *b;
	const struct rego_val *v;

	switch (t->kind) {
	case REGO_T_NULL:
		*out = &rego_null_val;
		return true;
	case REGO_T_BOOL:
		*out = rego_bool(t->b);
		return true;
	case REGO_T_NUMBER:
	case REGO_T_STRING:
		return (*out = rego_bundle_const(e->b, t)) != NULL ||
		    (*out = rego_const_find(e->qconsts, e->nqconsts, t)) != NULL;
	case REGO_T_VAR:
	case REGO_T_REF:
		break;
	default:
		return false;
	}
	if (head->kind != REGO_T_VAR || (head->flags & REGO_TF_WILDCARD))
		return false;
	if ((b = rego_ev_lookup(e, head->text)) != NULL) {
		if ((v = b->val) == NULL)
			return false; /* unsafe: the general path reports it */
	} else if (rego_is_input(head->text)) {
		v = e->input;
	} else {
		return false;
	}
	if (t->kind == REGO_T_VAR || v == NULL) {
		*out = v;
		return true;
	}
	return apply_direct(e, v, t->items.v + 1, t->items.n - 1, out);
}

/* ---------------------------------------------------------------------------
 * The rule tree.
 */

const struct rego_val *
rego_ev_base(const struct rego_ev *e, const struct rego_node *n)
{
	const struct rego_val *p;

	if (n->parent == NULL)
		return e->data;
	p = rego_ev_base(e, n->parent);
	if (p == NULL || p->type != REGO_OBJECT)
		return NULL;
	return rego_object_get_str(p, n->name, n->namelen);
}

/* The value of a node without rules of its own: base merged with its children. */
int
rego_ev_node_full(struct rego_ev *e, const struct rego_node *node, const struct rego_val *base,
    struct rego_builder *b)
{
	struct writ_err we = {0};
	size_t i;
	int rc;

	for (i = 0; base != NULL && base->type == REGO_OBJECT && i < base->len; i++)
		if (rego_builder_put(b, base->u.kvs[i].key, base->u.kvs[i].val, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	for (i = 0; i < node->nkids; i++) {
		const struct rego_node *kid = node->kids[i];
		const struct rego_val *kb = NULL, *v = NULL;

		if (kid->is_func)
			continue;
		if (base != NULL && base->type == REGO_OBJECT &&
		    (kid->nrules > 0 || kid->deflt != NULL) &&
		    rego_object_get(base, kid->key) != NULL &&
		    (e->ovr == NULL || e->ovr[kid->id] == NULL))
			continue;
		if (e->ovr != NULL && e->ovr[kid->id] != NULL) {
			v = e->ovr[kid->id];
		} else if (kid->nrules > 0 || kid->deflt != NULL) {
			if ((rc = rego_ev_node(e, kid, &v)) != EV_OK)
				return rc;
		} else if (kid->has_rules) {
			struct rego_builder kb2;

			if (base != NULL && base->type == REGO_OBJECT)
				kb = rego_object_get(base, kid->key);
			rego_builder_init(&kb2, e->a, REGO_OBJECT);
			if ((rc = rego_ev_node_full(e, kid, kb, &kb2)) != EV_OK)
				return rc;
			if (rego_builder_finish(&kb2, &v, &we) != WRIT_OK)
				return rego_ev_oom(e, WRIT_ELIMIT, &we);
		}
		if (v != NULL && rego_builder_put(b, kid->key, v, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	}
	return EV_OK;
}

struct walk_arg {
	const struct rego_node *node;
	const struct rego_val *base;
	struct rego_term *const *ops;
	size_t i, n;
	struct rego_k k;
};

/* data's keys are strings: data[2] means data["2"]. */
static int
data_key(struct rego_ev *e, const struct rego_val **key)
{
	struct writ_buf b;
	struct writ_err we;
	writ_rc rc;

	if ((*key)->type != REGO_NUMBER)
		return EV_OK;
	rego_we_init(&we);
	writ_buf_init(&b, 4096);
	rc = rego_num_append(&b, *key);
	if (rc == WRIT_OK)
		rc = rego_string(e->a, b.ptr, b.len, key, &we);
	writ_buf_free(&b);
	return rc == WRIT_OK ? EV_OK : rego_ev_oom(e, rc, &we);
}

static int
walk_key_k(struct rego_ev *e, void *arg, const struct rego_val *key)
{
	struct walk_arg *wa = arg;
	const struct rego_node *kid = NULL;
	const struct rego_val *sub = NULL;
	int rc;

	if ((rc = data_key(e, &key)) != EV_OK)
		return rc;
	if (wa->base != NULL)
		sub = index_val(wa->base, key);
	if (key->type == REGO_STRING && wa->node != NULL)
		kid = rego_node_child(wa->node, key->u.s, key->len);
	return data_walk(e, kid, sub, wa->ops, wa->i + 1, wa->n, wa->k);
}

/* Iterate over a node's children and its base document's keys, in key order. */
static int
walk_iter(struct rego_ev *e, struct walk_arg *wa, const struct rego_term *op)
{
	const struct rego_node *node = wa->node;
	const struct rego_val *base = wa->base, *keys = NULL;
	struct writ_err we = {0};
	struct rego_builder b;
	size_t j;
	int rc = EV_OK;

	rego_builder_init(&b, e->a, REGO_SET);
	for (j = 0; node != NULL && j < node->nkids; j++)
		if (!node->kids[j]->is_func && node->kids[j]->has_rules &&
		    rego_builder_push(&b, node->kids[j]->key, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	for (j = 0; base != NULL && base->type == REGO_OBJECT && j < base->len; j++)
		if (rego_builder_push(&b, base->u.kvs[j].key, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	if (rego_builder_finish(&b, &keys, &we) != WRIT_OK)
		return rego_ev_oom(e, WRIT_ELIMIT, &we);
	for (j = 0; j < keys->len && rc == EV_OK; j++)
		rc = rego_ev_unify_tv(
		    e, op, keys->u.elems[j], false, (struct rego_k){walk_key_k, wa});
	return rc;
}

static int
data_walk(struct rego_ev *e, const struct rego_node *node, const struct rego_val *base,
    struct rego_term *const *ops, size_t i, size_t n, struct rego_k k)
{
	struct walk_arg wa = {node, base, ops, i, n, k};
	const struct rego_val *v = NULL;
	struct writ_err we;
	struct rego_builder b;
	int rc;

	rego_we_init(&we);
	if (node != NULL && e->ovr != NULL && e->ovr[node->id] != NULL)
		return rego_ev_apply(e, e->ovr[node->id], ops, i, n, k);
	if (node != NULL && node->is_func)
		return EV_OK;
	if (node != NULL && (node->nrules > 0 || node->deflt != NULL)) {
		if (base != NULL) /* base documents win over rules of the same path */
			return rego_ev_apply(e, base, ops, i, n, k);
		if ((rc = rego_ev_node(e, node, &v)) != EV_OK || v == NULL)
			return rc;
		return rego_ev_apply(e, v, ops, i, n, k);
	}
	if (node == NULL || !node->has_rules) {
		if (base == NULL)
			return EV_OK;
		if (i == n || base->type != REGO_OBJECT)
			return rego_ev_apply(e, base, ops, i, n, k);
		wa.node = NULL;
	} else if (i == n) {
		rego_builder_init(&b, e->a, REGO_OBJECT);
		if ((rc = rego_ev_node_full(e, node, base, &b)) != EV_OK)
			return rc;
		if (rego_builder_finish(&b, &v, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
		return k.fn(e, k.arg, v);
	}
	if (ops[i]->kind == REGO_T_STRING || rego_ev_can_eval(e, ops[i]))
		return rego_ev_term(e, ops[i], (struct rego_k){walk_key_k, &wa});
	return walk_iter(e, &wa, ops[i]);
}

/* ---------------------------------------------------------------------------
 * Heads.
 */

bool
rego_ev_resolve(const struct rego_ev *e, const char *name, struct rego_res *out)
{
	const struct rego_module *m;
	size_t i;

	if (e->mod == NULL)
		return false;
	m = e->mod->m;
	for (i = 0; i < m->imports.n; i++) {
		const struct rego_import *im = m->imports.v[i];
		const struct rego_term *p = im->path;
		const char *alias = im->alias, *head;

		if (p->kind != REGO_T_REF || p->items.v[0]->kind != REGO_T_VAR)
			continue;
		head = p->items.v[0]->text;
		if (!rego_is_data(head) && !rego_is_input(head))
			continue;
		if (alias == NULL && p->items.n > 1 &&
		    p->items.v[p->items.n - 1]->kind == REGO_T_STRING)
			alias = p->items.v[p->items.n - 1]->text;
		if (alias != NULL && alias[0] == name[0] && strcmp(alias, name) == 0) {
			out->node = NULL;
			out->ref = p;
			return true;
		}
	}
	if ((out->node = rego_node_child(e->mod->pkg, name, strlen(name))) != NULL) {
		out->ref = NULL;
		return true;
	}
	return false;
}

/* Evaluate head (data or input) with the operands of two refs joined. */
static int
joined(struct rego_ev *e, const struct rego_term *imp, struct rego_term *const *ops, size_t n,
    struct rego_k k)
{
	size_t n1 = imp->items.n - 1;
	struct rego_term **all = writ_arena_calloc(e->a, n1 + n + 1, sizeof(*all));

	if (all == NULL)
		return rego_ev_oom(e, WRIT_ELIMIT, NULL);
	if (n1 > 0)
		memcpy(all, imp->items.v + 1, n1 * sizeof(*all));
	if (n > 0)
		memcpy(all + n1, ops, n * sizeof(*all));
	if (rego_is_input(imp->items.v[0]->text))
		return e->input != NULL ? rego_ev_apply(e, e->input, all, 0, n1 + n, k) : EV_OK;
	return data_walk(e, e->b->root, e->data, all, 0, n1 + n, k);
}

struct head_arg {
	struct rego_term *const *ops;
	size_t n;
	struct rego_k k;
};

static int
head_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct head_arg *ha = arg;

	return rego_ev_apply(e, v, ha->ops, 0, ha->n, ha->k);
}

int
rego_ev_ref(struct rego_ev *e, const struct rego_term *t, struct rego_k k)
{
	const struct rego_term *head = t->kind == REGO_T_REF ? t->items.v[0] : t;
	struct head_arg ha = {NULL, 0, k};
	const struct rego_binding *b;
	const struct rego_val *v;
	struct rego_res r;

	if (t->kind == REGO_T_REF) {
		ha.ops = t->items.v + 1;
		ha.n = t->items.n - 1;
	}
	if (head->kind != REGO_T_VAR)
		return rego_ev_term(e, head, (struct rego_k){head_k, &ha});
	if ((b = rego_ev_lookup(e, head->text)) != NULL) {
		if (b->val == NULL)
			return rego_ev_fail(
			    e, "rego_unsafe_var_error", &head->loc, "var %s is unsafe", head->text);
		if (apply_direct(e, b->val, ha.ops, ha.n, &v))
			return v != NULL ? k.fn(e, k.arg, v) : EV_OK;
		return rego_ev_apply(e, b->val, ha.ops, 0, ha.n, k);
	}
	if (rego_is_input(head->text)) {
		if (e->input == NULL)
			return EV_OK;
		if (apply_direct(e, e->input, ha.ops, ha.n, &v))
			return v != NULL ? k.fn(e, k.arg, v) : EV_OK;
		return rego_ev_apply(e, e->input, ha.ops, 0, ha.n, k);
	}
	if (rego_is_data(head->text))
		return data_walk(e, e->b->root, e->data, ha.ops, 0, ha.n, k);
	if (rego_ev_resolve(e, head->text, &r)) {
		if (r.ref != NULL)
			return joined(e, r.ref, ha.ops, ha.n, k);
		return data_walk(e, r.node, rego_ev_base(e, r.node), ha.ops, 0, ha.n, k);
	}
	return rego_ev_fail(e, "rego_unsafe_var_error", &head->loc, "var %s is unsafe", head->text);
}

/* ---------------------------------------------------------------------------
 * Ground refs (rule indexing).
 */

int
rego_ev_ground_ref(struct rego_ev *e, const struct rego_term *t, const struct rego_val **out)
{
	struct rego_k k = {rego_ev_first_k, out};
	int rc;

	*out = NULL;
	if (rego_is_input(t->items.v[0]->text))
		rc = e->input != NULL
		    ? rego_ev_apply(e, e->input, t->items.v + 1, 0, t->items.n - 1, k)
		    : EV_OK;
	else
		rc = data_walk(e, e->b->root, e->data, t->items.v + 1, 0, t->items.n - 1, k);
	return rc == EV_STOP ? EV_OK : rc;
}
