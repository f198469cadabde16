/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Aggregates: count, sum, product, max, min, sort, and the membership
 * builtins the compiler rewrites `in` to (internal.member_2 and _3).  The
 * deprecated all/any are not registered: Rego v1 removed them.
 */
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/core_int.h"
#include "rego/builtins/families_core.h"

static enum rego_bres
bi_count(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *v = args[0];

	switch (v->type) {
	case REGO_ARRAY:
	case REGO_OBJECT:
	case REGO_SET:
		return core_int(c, (int64_t)v->len, out);
	case REGO_STRING:
		return core_int(c, (int64_t)core_utf8_count(v->u.s, v->len), out);
	default:
		return rego_berr_operand(c, 1, "one of {array, object, set, string}", v);
	}
}

/* Check a collection of numbers for sum and product. */
static enum rego_bres
numbers_arg(struct rego_bctx *c, const struct rego_val *v)
{
	size_t i;

	if (v->type != REGO_ARRAY && v->type != REGO_SET)
		return rego_berr_operand(c, 1, "one of {set, array}", v);
	for (i = 0; i < v->len; i++)
		if (v->u.elems[i]->type != REGO_NUMBER)
			return core_type_err(c,
			    "operand 1 must be %s of numbers but got %s containing %s",
			    rego_type_name(v), rego_type_name(v), rego_type_name(v->u.elems[i]));
	return REGO_B_OK;
}

static enum rego_bres
fold(struct rego_bctx *c, const struct rego_val *v, int64_t init,
    writ_rc (*fn)(struct writ_arena *, const struct rego_val *, const struct rego_val *,
        const struct rego_val **, struct writ_err *),
    const struct rego_val **out)
{
	const struct rego_val *acc;
	struct writ_err err;
	enum rego_bres r;
	size_t i;

	if ((r = numbers_arg(c, v)) != REGO_B_OK || (r = core_int(c, init, &acc)) != REGO_B_OK)
		return r;
	for (i = 0; i < v->len; i++) {
		writ_rc rc = fn(c->arena, acc, v->u.elems[i], &acc, &err);

		if (rc != WRIT_OK)
			return core_fail(c, rc, &err);
	}
	*out = acc;
	return REGO_B_OK;
}

static enum rego_bres
bi_sum(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return fold(c, args[0], 0, rego_num_add, out);
}

static enum rego_bres
bi_product(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return fold(c, args[0], 1, rego_num_mul, out);
}

static enum rego_bres
extreme(struct rego_bctx *c, const struct rego_val *v, int sign, const struct rego_val **out)
{
	size_t i;

	if (v->type != REGO_ARRAY && v->type != REGO_SET)
		return rego_berr_operand(c, 1, "one of {set, array}", v);
	if (v->len == 0)
		return REGO_B_UNDEF;
	if (v->type == REGO_SET) {
		*out = v->u.elems[sign > 0 ? v->len - 1 : 0];
		return REGO_B_OK;
	}
	*out = v->u.elems[0];
	for (i = 1; i < v->len; i++)
		if (rego_compare(v->u.elems[i], *out) * sign > 0)
			*out = v->u.elems[i];
	return REGO_B_OK;
}

static enum rego_bres
bi_max(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return extreme(c, args[0], 1, out);
}

static enum rego_bres
bi_min(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return extreme(c, args[0], -1, out);
}

static int
by_value(const void *a, const void *b)
{
	return rego_compare(*(const struct rego_val *const *)a, *(const struct rego_val *const *)b);
}

static enum rego_bres
bi_sort(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *v = args[0], **elems;
	enum rego_bres r;

	if (v->type == REGO_SET)
		return core_array(c, v->u.elems, v->len, out);
	if (v->type != REGO_ARRAY)
		return rego_berr_operand(c, 1, "one of {array, set}", v);
	if ((r = core_elems(c, v->len, &elems)) != REGO_B_OK)
		return r;
	if (v->len > 0)
		memcpy(elems, v->u.elems, v->len * sizeof(*elems));
	qsort(elems, v->len, sizeof(*elems), by_value);
	return core_array(c, elems, v->len, out);
}

static enum rego_bres
bi_member_2(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *x = args[0], *coll = args[1];
	size_t i;

	*out = rego_bool(false);
	switch (coll->type) {
	case REGO_SET:
		*out = rego_bool(rego_set_contains(coll, x));
		break;
	case REGO_ARRAY:
		for (i = 0; i < coll->len; i++)
			if (rego_equal(coll->u.elems[i], x))
				*out = rego_bool(true);
		break;
	case REGO_OBJECT:
		for (i = 0; i < coll->len; i++)
			if (rego_equal(coll->u.kvs[i].val, x))
				*out = rego_bool(true);
		break;
	default:
		break;
	}
	return REGO_B_OK;
}

static enum rego_bres
bi_member_3(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *k = args[0], *x = args[1], *coll = args[2], *v = NULL;
	int64_t i;

	if (coll->type == REGO_OBJECT)
		v = rego_object_get(coll, k);
	else if (coll->type == REGO_ARRAY && rego_num_i64(k, &i) && i >= 0)
		v = rego_array_get(coll, (size_t)i);
	*out = rego_bool(v != NULL && rego_equal(v, x));
	return REGO_B_OK;
}

static const struct rego_builtin builtins[] = {
	{"count", 1, bi_count, 0},
	{"internal.member_2", 2, bi_member_2, 0},
	{"internal.member_3", 3, bi_member_3, 0},
	{"max", 1, bi_max, 0},
	{"min", 1, bi_min, 0},
	{"product", 1, bi_product, 0},
	{"sort", 1, bi_sort, 0},
	{"sum", 1, bi_sum, 0},
};

const struct rego_builtin_family rego_family_aggregates = {"aggregates", builtins,
    WRIT_ARRAY_LEN(builtins)};
