/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Comparison and arithmetic as builtins (equal, lt, plus, ... as the
 * compiler rewrites operators to them), rounding, numbers.range and
 * numbers.range_step, rand.intn, the bits.* family on integers, and the set
 * operators: minus as set difference, and/or as intersection and union.
 */
#include <string.h>

#include "writ/crypto.h"
#include "rego/builtins/core_int.h"
#include "rego/builtins/families_core.h"

/* Bits operations shift by at most this (the result must stay printable). */
#define MAX_SHIFT 3000

typedef writ_rc (*binop_fn)(struct writ_arena *, const struct rego_val *, const struct rego_val *,
    const struct rego_val **, struct writ_err *);

enum setop { SET_AND, SET_OR, SET_MINUS };

static enum rego_bres
cmp_result(const struct rego_val *const *args, const struct rego_val **out, int want)
{
	int c;

	if (want <= 1) { /* equality alone: rego_equal agrees with rego_compare == 0 */
		*out = rego_bool(rego_equal(args[0], args[1]) == (want == 0));
		return REGO_B_OK;
	}
	c = rego_compare(args[0], args[1]);
	switch (want) {
	case 0:
		*out = rego_bool(c == 0);
		break;
	case 1:
		*out = rego_bool(c != 0);
		break;
	case 2:
		*out = rego_bool(c < 0);
		break;
	case 3:
		*out = rego_bool(c <= 0);
		break;
	case 4:
		*out = rego_bool(c > 0);
		break;
	default:
		*out = rego_bool(c >= 0);
		break;
	}
	return REGO_B_OK;
}

static enum rego_bres
bi_equal(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return cmp_result(args, out, 0);
}

static enum rego_bres
bi_neq(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return cmp_result(args, out, 1);
}

static enum rego_bres
bi_lt(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return cmp_result(args, out, 2);
}

static enum rego_bres
bi_lte(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return cmp_result(args, out, 3);
}

static enum rego_bres
bi_gt(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return cmp_result(args, out, 4);
}

static enum rego_bres
bi_gte(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return cmp_result(args, out, 5);
}

static enum rego_bres
arith(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out,
    binop_fn fn)
{
	struct writ_err err;
	writ_rc rc;

	if (args[0]->type != REGO_NUMBER)
		return rego_berr_operand(c, 1, "number", args[0]);
	if (args[1]->type != REGO_NUMBER)
		return rego_berr_operand(c, 2, "number", args[1]);
	rc = fn(c->arena, args[0], args[1], out, &err);
	if (rc == WRIT_EINVAL)
		return rego_berr(c, "%s", err.msg);
	return core_check(c, rc, &err);
}

/* Intersection, union or difference of two sets, merging their sorted elements. */
static enum rego_bres
set_op(struct rego_bctx *c, const struct rego_val *x, const struct rego_val *y,
    enum setop op, const struct rego_val **out)
{
	struct rego_builder b;
	struct writ_err err;
	size_t i = 0, j = 0;
	writ_rc rc = WRIT_OK;

	rego_builder_init(&b, c->arena, REGO_SET);
	while (rc == WRIT_OK && (i < x->len || j < y->len)) {
		int d = i == x->len ? 1 : j == y->len ? -1 : rego_compare(x->u.elems[i], y->u.elems[j]);

		if (d == 0) {
			if (op != SET_MINUS)
				rc = rego_builder_push(&b, x->u.elems[i], &err);
			i++;
			j++;
		} else if (d < 0) {
			if (op != SET_AND)
				rc = rego_builder_push(&b, x->u.elems[i], &err);
			i++;
		} else {
			if (op == SET_OR)
				rc = rego_builder_push(&b, y->u.elems[j], &err);
			j++;
		}
	}
	if (rc != WRIT_OK)
		return core_fail(c, rc, &err);
	return core_finish(c, &b, out);
}

static enum rego_bres
bi_plus(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return arith(c, args, out, rego_num_add);
}

static enum rego_bres
bi_minus(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	if (args[0]->type == REGO_SET) {
		if (args[1]->type != REGO_SET)
			return rego_berr_operand(c, 2, "set", args[1]);
		return set_op(c, args[0], args[1], SET_MINUS, out);
	}
	if (args[0]->type != REGO_NUMBER)
		return rego_berr_operand(c, 1, "one of {number, set}", args[0]);
	return arith(c, args, out, rego_num_sub);
}

static enum rego_bres
bi_mul(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return arith(c, args, out, rego_num_mul);
}

static enum rego_bres
bi_div(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return arith(c, args, out, rego_num_div);
}

static enum rego_bres
bi_rem(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return arith(c, args, out, rego_num_rem);
}

static enum rego_bres
set_args(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out,
    enum setop op)
{
	if (args[0]->type != REGO_SET)
		return rego_berr_operand(c, 1, "set", args[0]);
	if (args[1]->type != REGO_SET)
		return rego_berr_operand(c, 2, "set", args[1]);
	return set_op(c, args[0], args[1], op, out);
}

static enum rego_bres
bi_and(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return set_args(c, args, out, SET_AND);
}

static enum rego_bres
bi_or(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return set_args(c, args, out, SET_OR);
}

static enum rego_bres
unary(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out,
    enum rego_num_unop op)
{
	struct writ_err err;
	writ_rc rc;

	if (args[0]->type != REGO_NUMBER)
		return rego_berr_operand(c, 1, "number", args[0]);
	rc = rego_num_unary(c->arena, op, args[0], out, &err);
	return core_check(c, rc, &err);
}

static enum rego_bres
bi_abs(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return unary(c, args, out, REGO_NUM_ABS);
}

static enum rego_bres
bi_round(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return unary(c, args, out, REGO_NUM_ROUND);
}

static enum rego_bres
bi_ceil(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return unary(c, args, out, REGO_NUM_CEIL);
}

static enum rego_bres
bi_floor(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return unary(c, args, out, REGO_NUM_FLOOR);
}

/* The integers from a to b (either direction) every step. */
static enum rego_bres
range(struct rego_bctx *c, int64_t a, int64_t b, uint64_t step, const struct rego_val **out)
{
	const struct rego_val **elems;
	uint64_t span = a <= b ? (uint64_t)b - (uint64_t)a : (uint64_t)a - (uint64_t)b;
	uint64_t n = span / step + 1, i;
	enum rego_bres r;

	if (n > CORE_MAX_ELEMS)
		return rego_berr(c, "result would exceed %zu elements", CORE_MAX_ELEMS);
	if ((r = core_elems(c, (size_t)n, &elems)) != REGO_B_OK)
		return r;
	for (i = 0; i < n; i++) {
		uint64_t off = i * step;
		int64_t v = (int64_t)(a <= b ? (uint64_t)a + off : (uint64_t)a - off);

		if ((r = core_int(c, v, &elems[i])) != REGO_B_OK)
			return r;
	}
	return core_array(c, elems, (size_t)n, out);
}

static enum rego_bres
bi_numbers_range(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	int64_t a, b;
	enum rego_bres r;

	if ((r = core_arg_int(c, 1, args[0], &a)) != REGO_B_OK ||
	    (r = core_arg_int(c, 2, args[1], &b)) != REGO_B_OK)
		return r;
	return range(c, a, b, 1, out);
}

static enum rego_bres
bi_numbers_range_step(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	int64_t a, b, step;
	enum rego_bres r;

	if ((r = core_arg_int(c, 1, args[0], &a)) != REGO_B_OK ||
	    (r = core_arg_int(c, 2, args[1], &b)) != REGO_B_OK)
		return r;
	if (args[2]->type != REGO_NUMBER)
		return rego_berr_operand(c, 3, "number", args[2]);
	if (!rego_num_is_int(args[2]))
		return rego_berr(c, "step must be a positive integer");
	if (!rego_num_i64(args[2], &step)) /* beyond int64: one element, if positive */
		step = args[2]->u.num.text != NULL && args[2]->u.num.text[0] == '-' ? 0 : INT64_MAX;
	if (step <= 0)
		return rego_berr(c, "step must be a positive integer");
	return range(c, a, b, step == INT64_MAX ? UINT64_MAX : (uint64_t)step, out);
}

static enum rego_bres
bi_rand_intn(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	uint64_t x;
	int64_t n;
	enum rego_bres r;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if ((r = core_arg_int(c, 2, args[1], &n)) != REGO_B_OK)
		return r;
	if (n == 0)
		return core_int(c, 0, out);
	if (n == INT64_MIN)
		return rego_berr(c, "operand 2 out of range");
	if (n < 0)
		n = -n;
	if (writ_random(&x, sizeof(x)) != WRIT_OK)
		return rego_berr(c, "no random source");
	return core_int(c, (int64_t)(x % (uint64_t)n), out);
}

/* ---------------------------------------------------------------------------
 * bits.*: integers as two's complement of unbounded width (Go's big.Int),
 * computed here in int64 with a big result only for left shifts.
 */

static enum rego_bres
bits_arg(struct rego_bctx *c, unsigned pos, const struct rego_val *v, int64_t *out)
{
	if (v->type != REGO_NUMBER)
		return rego_berr_operand(c, pos, "number", v);
	if (!rego_num_is_int(v))
		return core_type_err(c,
		    "operand %u must be integer number but got floating-point number", pos);
	if (!rego_num_i64(v, out))
		return rego_berr(c, "operand %u: integers beyond 64 bits are not supported", pos);
	return REGO_B_OK;
}

static enum rego_bres
bits2(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out,
    int op)
{
	int64_t a, b;
	enum rego_bres r;

	if ((r = bits_arg(c, 1, args[0], &a)) != REGO_B_OK ||
	    (r = bits_arg(c, 2, args[1], &b)) != REGO_B_OK)
		return r;
	return core_int(c, op == 0 ? (a & b) : op == 1 ? (a | b) : (a ^ b), out);
}

static enum rego_bres
bi_bits_and(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return bits2(c, args, out, 0);
}

static enum rego_bres
bi_bits_or(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return bits2(c, args, out, 1);
}

static enum rego_bres
bi_bits_xor(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return bits2(c, args, out, 2);
}

static enum rego_bres
bi_bits_negate(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	int64_t a;
	enum rego_bres r;

	if ((r = bits_arg(c, 1, args[0], &a)) != REGO_B_OK)
		return r;
	return core_int(c, ~a, out);
}

static enum rego_bres
shift_args(struct rego_bctx *c, const struct rego_val *const *args, int64_t *a, int64_t *n)
{
	enum rego_bres r;

	if ((r = bits_arg(c, 1, args[0], a)) != REGO_B_OK)
		return r;
	if (args[1]->type != REGO_NUMBER)
		return rego_berr_operand(c, 2, "number", args[1]);
	if (!rego_num_is_int(args[1]))
		return core_type_err(c,
		    "operand 2 must be integer number but got floating-point number");
	if (!rego_num_i64(args[1], n)) {
		if (args[1]->u.num.text == NULL || args[1]->u.num.text[0] != '-')
			return rego_berr(c, "shift count too large");
		*n = -1;
	}
	if (*n < 0)
		return core_type_err(c,
		    "operand 2 must be an unsigned integer number but got a negative integer");
	return REGO_B_OK;
}

static enum rego_bres
bi_bits_lsh(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *v, *two;
	struct writ_err err;
	int64_t a, n;
	enum rego_bres r;
	writ_rc rc = WRIT_OK;

	if ((r = shift_args(c, args, &a, &n)) != REGO_B_OK)
		return r;
	if (n < 63 && a >= -(INT64_C(1) << (62 - n)) && a < (INT64_C(1) << (62 - n)))
		return core_int(c, (int64_t)((uint64_t)a << n), out);
	if (n > MAX_SHIFT)
		return rego_berr(c, "shift count exceeds %d", MAX_SHIFT);
	/* a * 2^n with exact big integers. */
	if ((r = core_int(c, a, &v)) != REGO_B_OK || (r = core_int(c, 2, &two)) != REGO_B_OK)
		return r;
	while (rc == WRIT_OK && n-- > 0)
		rc = rego_num_mul(c->arena, v, two, &v, &err);
	if (rc != WRIT_OK)
		return core_fail(c, rc, &err);
	*out = v;
	return REGO_B_OK;
}

static enum rego_bres
bi_bits_rsh(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	int64_t a, n;
	enum rego_bres r;

	if ((r = shift_args(c, args, &a, &n)) != REGO_B_OK)
		return r;
	if (n > 63)
		return core_int(c, a < 0 ? -1 : 0, out);
	/* Arithmetic shift: rounds towards minus infinity like big.Int.Rsh. */
	return core_int(c, a >= 0 ? a >> n : ~(~a >> n), out);
}

static const struct rego_builtin builtins[] = {
	{"abs", 1, bi_abs, 0},
	{"and", 2, bi_and, 0},
	{"bits.and", 2, bi_bits_and, 0},
	{"bits.lsh", 2, bi_bits_lsh, 0},
	{"bits.negate", 1, bi_bits_negate, 0},
	{"bits.or", 2, bi_bits_or, 0},
	{"bits.rsh", 2, bi_bits_rsh, 0},
	{"bits.xor", 2, bi_bits_xor, 0},
	{"ceil", 1, bi_ceil, 0},
	{"div", 2, bi_div, 0},
	{"equal", 2, bi_equal, 0},
	{"floor", 1, bi_floor, 0},
	{"gt", 2, bi_gt, 0},
	{"gte", 2, bi_gte, 0},
	{"lt", 2, bi_lt, 0},
	{"lte", 2, bi_lte, 0},
	{"minus", 2, bi_minus, 0},
	{"mul", 2, bi_mul, 0},
	{"neq", 2, bi_neq, 0},
	{"numbers.range", 2, bi_numbers_range, 0},
	{"numbers.range_step", 3, bi_numbers_range_step, 0},
	{"or", 2, bi_or, 0},
	{"plus", 2, bi_plus, 0},
	{"rand.intn", 2, bi_rand_intn, REGO_BI_NONDET},
	{"rem", 2, bi_rem, 0},
	{"round", 1, bi_round, 0},
};

const struct rego_builtin_family rego_family_arith = {"arith", builtins, WRIT_ARRAY_LEN(builtins)};
