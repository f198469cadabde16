/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Collections: array.concat, array.slice, array.reverse, array.flatten;
 * intersection and union of a set of sets; object.get (with path arrays),
 * object.keys, object.union, object.union_n, object.remove, object.filter,
 * object.subset; json.filter and json.remove over paths given as
 * "a/b/0" strings or arrays of segments.
 */
#include <stdio.h>
#include <string.h>

#include "rego/builtins/core_int.h"
#include "rego/builtins/families_core.h"

/* Deepest recursion through nested values (object.union, object.subset, json.*). */
#define MAX_DEPTH 512

/* ---------------------------------------------------------------------------
 * Arrays.
 */

static enum rego_bres
bi_array_concat(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val **el;
	size_t n;
	enum rego_bres r;

	if (args[0]->type != REGO_ARRAY)
		return rego_berr_operand(c, 1, "array", args[0]);
	if (args[1]->type != REGO_ARRAY)
		return rego_berr_operand(c, 2, "array", args[1]);
	if (__builtin_add_overflow(args[0]->len, args[1]->len, &n))
		return rego_berr(c, "result too large");
	if ((r = core_elems(c, n, &el)) != REGO_B_OK)
		return r;
	if (args[0]->len > 0)
		memcpy(el, args[0]->u.elems, args[0]->len * sizeof(*el));
	if (args[1]->len > 0)
		memcpy(el + args[0]->len, args[1]->u.elems, args[1]->len * sizeof(*el));
	return core_array(c, el, n, out);
}

static enum rego_bres
bi_array_slice(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *a = args[0];
	int64_t start, stop;
	enum rego_bres r;

	if (a->type != REGO_ARRAY)
		return rego_berr_operand(c, 1, "array", a);
	if ((r = core_arg_int(c, 2, args[1], &start)) != REGO_B_OK ||
	    (r = core_arg_int(c, 3, args[2], &stop)) != REGO_B_OK)
		return r;
	if (start < 0)
		start = 0;
	if (stop > (int64_t)a->len)
		stop = (int64_t)a->len;
	if (start >= stop)
		return core_array(c, NULL, 0, out);
	return core_array(c, a->u.elems + start, (size_t)(stop - start), out);
}

static enum rego_bres
bi_array_reverse(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *a = args[0], **el;
	enum rego_bres r;
	size_t i;

	if (a->type != REGO_ARRAY)
		return rego_berr_operand(c, 1, "array", a);
	if ((r = core_elems(c, a->len, &el)) != REGO_B_OK)
		return r;
	for (i = 0; i < a->len; i++)
		el[i] = a->u.elems[a->len - 1 - i];
	return core_array(c, el, a->len, out);
}

/* One level: elements that are arrays are spliced in. */
static enum rego_bres
bi_array_flatten(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *a = args[0], **el;
	size_t i, j, n = 0;
	enum rego_bres r;

	if (a->type != REGO_ARRAY)
		return rego_berr_operand(c, 1, "array", a);
	for (i = 0; i < a->len; i++) {
		size_t k = a->u.elems[i]->type == REGO_ARRAY ? a->u.elems[i]->len : 1;

		if (__builtin_add_overflow(n, k, &n))
			return rego_berr(c, "result too large");
	}
	if ((r = core_elems(c, n, &el)) != REGO_B_OK)
		return r;
	for (i = 0, n = 0; i < a->len; i++) {
		if (a->u.elems[i]->type != REGO_ARRAY) {
			el[n++] = a->u.elems[i];
			continue;
		}
		for (j = 0; j < a->u.elems[i]->len; j++)
			el[n++] = a->u.elems[i]->u.elems[j];
	}
	return core_array(c, el, n, out);
}

/* ---------------------------------------------------------------------------
 * Sets of sets.
 */

static enum rego_bres
sets_arg(struct rego_bctx *c, const struct rego_val *v)
{
	size_t i;

	if (v->type != REGO_SET)
		return rego_berr_operand(c, 1, "set", v);
	for (i = 0; i < v->len; i++)
		if (v->u.elems[i]->type != REGO_SET)
			return core_type_err(c, "operand 1 must be set of sets but got set containing %s",
			    rego_type_name(v->u.elems[i]));
	return REGO_B_OK;
}

static enum rego_bres
bi_intersection(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0], *first;
	struct rego_builder b;
	struct writ_err err;
	enum rego_bres r;
	size_t i, j;

	if ((r = sets_arg(c, s)) != REGO_B_OK)
		return r;
	if (s->len == 0) {
		*out = &rego_empty_set_val;
		return REGO_B_OK;
	}
	first = s->u.elems[0];
	rego_builder_init(&b, c->arena, REGO_SET);
	for (i = 0; i < first->len; i++) {
		for (j = 1; j < s->len; j++)
			if (!rego_set_contains(s->u.elems[j], first->u.elems[i]))
				break;
		if (j == s->len && (r = core_check(c, rego_builder_push(&b, first->u.elems[i], &err),
					&err)) != REGO_B_OK)
			return r;
	}
	return core_finish(c, &b, out);
}

static enum rego_bres
bi_union(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0];
	struct rego_builder b;
	struct writ_err err;
	enum rego_bres r;
	size_t i, j;

	if ((r = sets_arg(c, s)) != REGO_B_OK)
		return r;
	rego_builder_init(&b, c->arena, REGO_SET);
	for (i = 0; i < s->len; i++)
		for (j = 0; j < s->u.elems[i]->len; j++)
			if ((r = core_check(c, rego_builder_push(&b, s->u.elems[i]->u.elems[j], &err),
				 &err)) != REGO_B_OK)
				return r;
	return core_finish(c, &b, out);
}

/* ---------------------------------------------------------------------------
 * Objects.
 */

/* Child of v under key k: object member, array index, or set member. */
static const struct rego_val *
child(const struct rego_val *v, const struct rego_val *k)
{
	int64_t i;

	switch (v->type) {
	case REGO_OBJECT:
		return rego_object_get(v, k);
	case REGO_ARRAY:
		if (rego_num_i64(k, &i) && i >= 0)
			return rego_array_get(v, (size_t)i);
		return NULL;
	case REGO_SET:
		return rego_set_contains(v, k) ? k : NULL;
	default:
		return NULL;
	}
}

static enum rego_bres
bi_object_get(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *v = args[0], *key = args[1];
	size_t i;

	if (v->type != REGO_OBJECT)
		return rego_berr_operand(c, 1, "object", v);
	if (key->type != REGO_ARRAY) {
		v = rego_object_get(v, key);
		*out = v != NULL ? v : args[2];
		return REGO_B_OK;
	}
	for (i = 0; i < key->len && v != NULL; i++)
		v = child(v, key->u.elems[i]);
	*out = v != NULL ? v : args[2];
	return REGO_B_OK;
}

static enum rego_bres
bi_object_keys(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *o = args[0];
	struct rego_builder b;
	struct writ_err err;
	enum rego_bres r;
	size_t i;

	if (o->type != REGO_OBJECT)
		return rego_berr_operand(c, 1, "object", o);
	rego_builder_init(&b, c->arena, REGO_SET);
	for (i = 0; i < o->len; i++)
		if ((r = core_check(c, rego_builder_push(&b, o->u.kvs[i].key, &err), &err)) !=
		    REGO_B_OK)
			return r;
	return core_finish(c, &b, out);
}

/* Recursive merge: b's entries win, objects under the same key merge. */
static enum rego_bres
merge(struct rego_bctx *c, const struct rego_val *a, const struct rego_val *b, unsigned depth,
    const struct rego_val **out)
{
	struct rego_builder bl;
	struct writ_err err;
	enum rego_bres r;
	size_t i;

	if (depth > MAX_DEPTH)
		return rego_berr(c, "nesting exceeds %d levels", MAX_DEPTH);
	rego_builder_init(&bl, c->arena, REGO_OBJECT);
	for (i = 0; i < a->len; i++) {
		const struct rego_val *k = a->u.kvs[i].key, *v = a->u.kvs[i].val;
		const struct rego_val *w = rego_object_get(b, k);

		if (w != NULL && w->type == REGO_OBJECT && v->type == REGO_OBJECT) {
			if ((r = merge(c, v, w, depth + 1, &v)) != REGO_B_OK)
				return r;
		} else if (w != NULL) {
			v = w;
		}
		if ((r = core_check(c, rego_builder_put(&bl, k, v, &err), &err)) != REGO_B_OK)
			return r;
	}
	for (i = 0; i < b->len; i++) {
		if (rego_object_get(a, b->u.kvs[i].key) != NULL)
			continue;
		if ((r = core_check(c, rego_builder_put(&bl, b->u.kvs[i].key, b->u.kvs[i].val, &err),
			 &err)) != REGO_B_OK)
			return r;
	}
	return core_finish(c, &bl, out);
}

static enum rego_bres
bi_object_union(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	if (args[0]->type != REGO_OBJECT)
		return rego_berr_operand(c, 1, "object", args[0]);
	if (args[1]->type != REGO_OBJECT)
		return rego_berr_operand(c, 2, "object", args[1]);
	return merge(c, args[0], args[1], 0, out);
}

static enum rego_bres
bi_object_union_n(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *a = args[0], *acc = &rego_empty_object_val;
	enum rego_bres r;
	size_t i;

	if (a->type != REGO_ARRAY)
		return rego_berr_operand(c, 1, "array", a);
	for (i = 0; i < a->len; i++)
		if (a->u.elems[i]->type != REGO_OBJECT)
			return core_type_err(c,
			    "operand 1 must be array of objects but got array containing %s",
			    rego_type_name(a->u.elems[i]));
	for (i = 0; i < a->len; i++)
		if ((r = merge(c, acc, a->u.elems[i], 0, &acc)) != REGO_B_OK)
			return r;
	*out = acc;
	return REGO_B_OK;
}

/* Is k among keys (an object's keys, a set, or an array)? */
static bool
key_listed(const struct rego_val *keys, const struct rego_val *k)
{
	size_t i;

	if (keys->type == REGO_OBJECT)
		return rego_object_get(keys, k) != NULL;
	if (keys->type == REGO_SET)
		return rego_set_contains(keys, k);
	for (i = 0; i < keys->len; i++)
		if (rego_equal(keys->u.elems[i], k))
			return true;
	return false;
}

static enum rego_bres
select_keys(struct rego_bctx *c, const struct rego_val *const *args, bool keep,
    const struct rego_val **out)
{
	const struct rego_val *o = args[0], *keys = args[1];
	struct rego_builder b;
	struct writ_err err;
	enum rego_bres r;
	size_t i;

	if (o->type != REGO_OBJECT)
		return rego_berr_operand(c, 1, "object", o);
	if (keys->type != REGO_OBJECT && keys->type != REGO_SET && keys->type != REGO_ARRAY)
		return rego_berr_operand(c, 2, "one of {object, set, array}", keys);
	rego_builder_init(&b, c->arena, REGO_OBJECT);
	for (i = 0; i < o->len; i++) {
		if (key_listed(keys, o->u.kvs[i].key) != keep)
			continue;
		if ((r = core_check(c, rego_builder_put(&b, o->u.kvs[i].key, o->u.kvs[i].val, &err),
			 &err)) != REGO_B_OK)
			return r;
	}
	return core_finish(c, &b, out);
}

static enum rego_bres
bi_object_remove(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return select_keys(c, args, false, out);
}

static enum rego_bres
bi_object_filter(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return select_keys(c, args, true, out);
}

/* Does sub appear contiguously in super? */
static bool
array_infix(const struct rego_val *super, const struct rego_val *sub)
{
	size_t i, j;

	if (sub->len == 0)
		return true;
	for (i = 0; i + sub->len <= super->len; i++) {
		for (j = 0; j < sub->len; j++)
			if (!rego_equal(super->u.elems[i + j], sub->u.elems[j]))
				break;
		if (j == sub->len)
			return true;
	}
	return false;
}

static bool
subset(const struct rego_val *super, const struct rego_val *sub, unsigned depth)
{
	size_t i;

	if (depth > MAX_DEPTH)
		return false;
	if (super->type == REGO_OBJECT && sub->type == REGO_OBJECT) {
		for (i = 0; i < sub->len; i++) {
			const struct rego_val *v = rego_object_get(super, sub->u.kvs[i].key);

			if (v == NULL || !subset(v, sub->u.kvs[i].val, depth + 1))
				return false;
		}
		return true;
	}
	if (super->type == REGO_SET && sub->type == REGO_SET) {
		for (i = 0; i < sub->len; i++)
			if (!rego_set_contains(super, sub->u.elems[i]))
				return false;
		return true;
	}
	if (super->type == REGO_ARRAY && sub->type == REGO_ARRAY)
		return array_infix(super, sub);
	if (super->type == REGO_ARRAY && sub->type == REGO_SET) {
		for (i = 0; i < sub->len; i++)
			if (!key_listed(super, sub->u.elems[i]))
				return false;
		return true;
	}
	return rego_equal(super, sub);
}

static enum rego_bres
bi_object_subset(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *super = args[0], *sub = args[1];

	if (super->type != REGO_OBJECT && super->type != REGO_SET && super->type != REGO_ARRAY)
		return rego_berr_operand(c, 1, "one of {object, set, array}", super);
	if (sub->type != REGO_OBJECT && sub->type != REGO_SET && sub->type != REGO_ARRAY)
		return rego_berr_operand(c, 2, "one of {object, set, array}", sub);
	if (super->type == REGO_OBJECT && sub->type != REGO_OBJECT)
		return rego_berr_operand(c, 2, "object", sub);
	if (super->type == REGO_SET && sub->type != REGO_SET)
		return rego_berr_operand(c, 2, "set", sub);
	if (super->type != REGO_ARRAY && sub->type == REGO_ARRAY)
		return rego_berr_operand(c, 1, "array", super);
	if (sub->type == REGO_OBJECT && super->type != REGO_OBJECT)
		return rego_berr_operand(c, 1, "object", super);
	*out = rego_bool(subset(super, sub, 0));
	return REGO_B_OK;
}

/* ---------------------------------------------------------------------------
 * json.filter and json.remove.  Paths become arrays of segments; a segment
 * matches an object key equal to it, or an array index equal to it as a
 * number or as decimal text.
 */

/* Split "a/b/c" (a leading "/" ignored) into an array of strings. */
static enum rego_bres
split_path(struct rego_bctx *c, const struct rego_val *s, const struct rego_val **out)
{
	const struct rego_val **el;
	const char *p = s->u.s, *end = s->u.s + s->len, *q;
	size_t n = 1, i;
	enum rego_bres r;

	if (p < end && *p == '/')
		p++;
	for (q = p; q < end; q++)
		n += *q == '/';
	if ((r = core_elems(c, n, &el)) != REGO_B_OK)
		return r;
	for (i = 0; i < n; i++) {
		q = memchr(p, '/', (size_t)(end - p));
		if (q == NULL)
			q = end;
		if ((r = core_str(c, p, (size_t)(q - p), &el[i])) != REGO_B_OK)
			return r;
		p = q + 1;
	}
	return core_array(c, el, n, out);
}

static enum rego_bres
paths_arg(struct rego_bctx *c, const struct rego_val *ps, const struct rego_val ***out,
    size_t *n)
{
	enum rego_bres r;
	size_t i;

	if (ps->type != REGO_SET && ps->type != REGO_ARRAY)
		return rego_berr_operand(c, 2, "one of {set, array}", ps);
	if ((r = core_elems(c, ps->len, out)) != REGO_B_OK)
		return r;
	for (i = 0; i < ps->len; i++) {
		const struct rego_val *p = ps->u.elems[i];

		if (p->type == REGO_STRING)
			r = split_path(c, p, &(*out)[i]);
		else if (p->type == REGO_ARRAY)
			(*out)[i] = p;
		else
			return core_type_err(c,
			    "operand 2 must be one of {set, array} containing string paths or array "
			    "of path segments but got %s",
			    rego_type_name(p));
		if (r != REGO_B_OK)
			return r;
	}
	*n = ps->len;
	return REGO_B_OK;
}

static bool
seg_match(const struct rego_val *seg, const struct rego_val *key, bool index, size_t i)
{
	char dec[24];
	int64_t k;

	if (!index)
		return rego_equal(seg, key);
	if (rego_num_i64(seg, &k))
		return k >= 0 && (uint64_t)k == i;
	if (seg->type != REGO_STRING)
		return false;
	snprintf(dec, sizeof(dec), "%zu", i);
	return seg->len == strlen(dec) && memcmp(seg->u.s, dec, seg->len) == 0;
}

struct pathset {
	const struct rego_val **p;
	size_t n;
};

/* The paths continuing below key (or index i) at depth, into sub; *whole if one ends there. */
static enum rego_bres
below(struct rego_bctx *c, const struct pathset *ps, size_t depth, const struct rego_val *key,
    bool index, size_t i, struct pathset *sub, bool *whole)
{
	enum rego_bres r;
	size_t j;

	*whole = false;
	sub->n = 0;
	if ((r = core_elems(c, ps->n, &sub->p)) != REGO_B_OK)
		return r;
	for (j = 0; j < ps->n; j++) {
		const struct rego_val *p = ps->p[j];

		if (p->len <= depth || !seg_match(p->u.elems[depth], key, index, i))
			continue;
		if (p->len == depth + 1)
			*whole = true;
		else
			sub->p[sub->n++] = p;
	}
	return REGO_B_OK;
}

/* Filter (keep) or remove (!keep) the paths of ps below v at depth. */
static enum rego_bres
jpaths(struct rego_bctx *c, const struct rego_val *v, const struct pathset *ps, size_t depth,
    bool keep, const struct rego_val **out)
{
	struct rego_builder b;
	struct pathset sub;
	struct writ_err err;
	enum rego_bres r;
	bool whole, arr = v->type == REGO_ARRAY;
	size_t i;

	if (depth > MAX_DEPTH)
		return rego_berr(c, "path deeper than %d", MAX_DEPTH);
	if (v->type != REGO_OBJECT && !arr) {
		*out = keep ? NULL : v;
		return REGO_B_OK;
	}
	rego_builder_init(&b, c->arena, arr ? REGO_ARRAY : REGO_OBJECT);
	for (i = 0; i < v->len; i++) {
		const struct rego_val *k = arr ? NULL : v->u.kvs[i].key;
		const struct rego_val *x = arr ? v->u.elems[i] : v->u.kvs[i].val;

		if ((r = below(c, ps, depth, k, arr, i, &sub, &whole)) != REGO_B_OK)
			return r;
		if (whole) {
			if (!keep)
				continue;
		} else if (sub.n > 0) {
			if ((r = jpaths(c, x, &sub, depth + 1, keep, &x)) != REGO_B_OK)
				return r;
			if (x == NULL)
				continue;
		} else if (keep) {
			continue;
		}
		r = core_check(c, arr ? rego_builder_push(&b, x, &err) : rego_builder_put(&b, k, x, &err),
		    &err);
		if (r != REGO_B_OK)
			return r;
	}
	return core_finish(c, &b, out);
}

static enum rego_bres
json_paths(struct rego_bctx *c, const struct rego_val *const *args, bool keep,
    const struct rego_val **out)
{
	struct pathset ps;
	enum rego_bres r;

	if (args[0]->type != REGO_OBJECT)
		return rego_berr_operand(c, 1, "object", args[0]);
	if ((r = paths_arg(c, args[1], &ps.p, &ps.n)) != REGO_B_OK)
		return r;
	if ((r = jpaths(c, args[0], &ps, 0, keep, out)) != REGO_B_OK)
		return r;
	if (*out == NULL)
		*out = &rego_empty_object_val;
	return REGO_B_OK;
}

static enum rego_bres
bi_json_filter(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return json_paths(c, args, true, out);
}

static enum rego_bres
bi_json_remove(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return json_paths(c, args, false, out);
}

static const struct rego_builtin builtins[] = {
	{"array.concat", 2, bi_array_concat, 0},
	{"array.flatten", 1, bi_array_flatten, 0},
	{"array.reverse", 1, bi_array_reverse, 0},
	{"array.slice", 3, bi_array_slice, 0},
	{"intersection", 1, bi_intersection, 0},
	{"json.filter", 2, bi_json_filter, 0},
	{"json.remove", 2, bi_json_remove, 0},
	{"object.filter", 2, bi_object_filter, 0},
	{"object.get", 3, bi_object_get, 0},
	{"object.keys", 1, bi_object_keys, 0},
	{"object.remove", 2, bi_object_remove, 0},
	{"object.subset", 2, bi_object_subset, 0},
	{"object.union", 2, bi_object_union, 0},
	{"object.union_n", 1, bi_object_union_n, 0},
	{"union", 1, bi_union, 0},
};

const struct rego_builtin_family rego_family_collections = {"collections", builtins,
    WRIT_ARRAY_LEN(builtins)};
