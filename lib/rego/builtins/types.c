/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Types and casts: is_number ... is_null, type_name, to_number, and the
 * quantity parsers units.parse (SI and binary SI, m for milli) and
 * units.parse_bytes (case-insensitive, truncated to an integer), computed
 * exactly in decimal as OPA does with big.Rat.
 */
#include <stdio.h>
#include <string.h>

#include "rego/builtins/core_int.h"
#include "rego/builtins/families_core.h"

#define MAX_EXP_DIGITS 6 /* OPA's maxExponentDigits */

static enum rego_bres
is_type(const struct rego_val *v, enum rego_type t, const struct rego_val **out)
{
	*out = rego_bool(v->type == t);
	return REGO_B_OK;
}

#define IS_FN(name, t)                                                                             \
	static enum rego_bres name(                                                                \
	    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)  \
	{                                                                                          \
		return is_type(args[0], t, out);                                                   \
	}

IS_FN(bi_is_number, REGO_NUMBER)
IS_FN(bi_is_string, REGO_STRING)
IS_FN(bi_is_boolean, REGO_BOOL)
IS_FN(bi_is_array, REGO_ARRAY)
IS_FN(bi_is_set, REGO_SET)
IS_FN(bi_is_object, REGO_OBJECT)
IS_FN(bi_is_null, REGO_NULL)

static enum rego_bres
bi_type_name(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const char *n = rego_type_name(args[0]);

	return core_str(c, n, strlen(n), out);
}

/* Go's ParseFloat forms JSON lacks ("+1", ".5", "5.") rewritten as JSON numbers. */
static enum rego_bres
parse_number(struct rego_bctx *c, const char *s, size_t len, const struct rego_val **out)
{
	struct writ_err err;
	char *t;
	size_t k = 0, i = 0;

	if ((t = writ_arena_alloc(c->arena, len + 3)) == NULL)
		return rego_berr(c, "out of memory");
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		if (s[i] == '-')
			t[k++] = '-';
		i++;
	}
	if (i < len && s[i] == '.')
		t[k++] = '0';
	for (; i < len; i++) {
		t[k++] = s[i];
		if (s[i] == '.' && (i + 1 == len || s[i + 1] < '0' || s[i + 1] > '9'))
			t[k++] = '0';
	}
	if (rego_number_parse(c->arena, t, k, out, &err) == WRIT_OK)
		return REGO_B_OK;
	return REGO_B_UNDEF;
}

/*
 * Go's ParseFloat accepts "inf", "infinity" and "nan" in any case with an
 * optional sign; OPA refuses them as a type error, since Rego has no such
 * numbers.
 */
static bool
is_inf_or_nan(const char *s, size_t len)
{
	static const char *const words[] = {"inf", "infinity", "nan"};
	size_t i, j;

	if (len > 0 && (s[0] == '+' || s[0] == '-')) {
		s++;
		len--;
	}
	for (i = 0; i < WRIT_ARRAY_LEN(words); i++) {
		if (strlen(words[i]) != len)
			continue;
		for (j = 0; j < len && (s[j] | 0x20) == words[i][j]; j++)
			;
		if (j == len)
			return true;
	}
	return false;
}

static enum rego_bres
bi_to_number(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *v = args[0];
	enum rego_bres r;

	switch (v->type) {
	case REGO_NULL:
		return core_int(c, 0, out);
	case REGO_BOOL:
		return core_int(c, v->u.b ? 1 : 0, out);
	case REGO_NUMBER:
		*out = v;
		return REGO_B_OK;
	case REGO_STRING:
		if (is_inf_or_nan(v->u.s, v->len))
			return rego_berr_operand(c, 1, "valid number string", v);
		if (v->len > REGO_NUM_MAX_LEN)
			return rego_berr(c, "strconv.ParseFloat: parsing %.40s...: value out of range",
			    v->u.s);
		r = parse_number(c, v->u.s, v->len, out);
		if (r == REGO_B_UNDEF)
			return rego_berr(c, "strconv.ParseFloat: parsing \"%.*s\": invalid syntax",
			    (int)v->len, v->u.s);
		return r;
	default:
		return rego_berr_operand(c, 1, "one of {null, boolean, number, string}", v);
	}
}

/* ---------------------------------------------------------------------------
 * Units.
 */

/* OPA's extractNumAndUnit: number text, then the unit; -1 if the exponent is too long. */
static int
split_amount(const char *s, size_t len, size_t *numlen)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == 'e' || ch == 'E' || ch == '+' ||
			ch == '-'))
			break;
		if (ch == 'e' || ch == 'E') {
			size_t e;

			if (i + 1 == len || !((s[i + 1] >= '0' && s[i + 1] <= '9') || s[i + 1] == '+' ||
						s[i + 1] == '-'))
				break;
			if (s[i + 1] == '+' || s[i + 1] == '-')
				i++;
			for (e = i + 1; e < len && s[e] >= '0' && s[e] <= '9'; e++)
				;
			if (e - (i + 1) > MAX_EXP_DIGITS)
				return -1;
		}
	}
	*numlen = i;
	return 0;
}

/*
 * amount (decimal text) * factor * 10^scale exactly, as a number; truncated to
 * an integer when trunc.  UNDEF when the amount is no number.
 */
static enum rego_bres
scale_amount(struct rego_bctx *c, const char *s, size_t len, uint64_t factor, int scale,
    bool trunc, const struct rego_val **out)
{
	struct writ_buf digits, t;
	struct writ_err err;
	const struct rego_val *n, *f;
	char fbuf[24];
	size_t i = 0, k;
	long exp10 = scale, e = 0;
	bool neg = false, any = false, dot = false, esign = false;
	enum rego_bres r;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	writ_buf_init(&digits, 4096);
	for (; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if ((digits.len > 0 || s[i] != '0') && writ_buf_append(&digits, s + i, 1) != WRIT_OK)
				goto bad;
			exp10 -= dot;
			any = true;
		} else if (s[i] == '.' && !dot) {
			dot = true;
		} else {
			break;
		}
	}
	if (!any)
		goto bad;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			esign = s[i++] == '-';
		if (i == len)
			goto bad;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			e = e * 10 + (s[i] - '0');
		exp10 += esign ? -e : e;
	}
	if (i != len)
		goto bad;
	if (digits.len == 0 && writ_buf_append(&digits, "0", 1) != WRIT_OK)
		goto bad;
	snprintf(fbuf, sizeof(fbuf), "%llu", (unsigned long long)factor);
	if (rego_number_parse(c->arena, digits.ptr, digits.len, &n, &err) != WRIT_OK ||
	    rego_number_parse(c->arena, fbuf, strlen(fbuf), &f, &err) != WRIT_OK ||
	    rego_num_mul(c->arena, n, f, &n, &err) != WRIT_OK) {
		writ_buf_free(&digits);
		return rego_berr(c, "amount out of range");
	}
	writ_buf_free(&digits);
	/* n * 10^exp10, written out as decimal text. */
	core_buf_init(&t);
	if (neg && writ_buf_append(&t, "-", 1) != WRIT_OK)
		goto oom;
	if (rego_num_append(&t, n) != WRIT_OK)
		goto oom;
	k = t.len - neg; /* digits of n */
	if (exp10 > REGO_NUM_MAX_EXP10 || exp10 < -(long)REGO_NUM_MAX_EXP10) {
		writ_buf_free(&t);
		return rego_berr(c, "amount out of range");
	}
	if (exp10 >= 0) {
		for (; exp10 > 0; exp10--)
			if (writ_buf_append(&t, "0", 1) != WRIT_OK)
				goto oom;
	} else {
		size_t frac = (size_t)-exp10;
		struct writ_buf u;

		/* Drop trailing zeros of the fraction; truncate when asked. */
		while (frac > 0 && t.len > (size_t)neg + 1 && t.ptr[t.len - 1] == '0') {
			t.ptr[--t.len] = '\0';
			frac--;
			k--;
		}
		if (frac > 0) {
			core_buf_init(&u);
			if (neg && writ_buf_append(&u, "-", 1) != WRIT_OK)
				goto oom2;
			if (k <= frac) {
				if (writ_buf_append(&u, "0", 1) != WRIT_OK)
					goto oom2;
				if (!trunc && writ_buf_append(&u, ".", 1) != WRIT_OK)
					goto oom2;
				for (i = k; !trunc && i < frac; i++)
					if (writ_buf_append(&u, "0", 1) != WRIT_OK)
						goto oom2;
				if (!trunc && writ_buf_append(&u, t.ptr + neg, k) != WRIT_OK)
					goto oom2;
			} else {
				if (writ_buf_append(&u, t.ptr + neg, k - frac) != WRIT_OK)
					goto oom2;
				if (!trunc && (writ_buf_append(&u, ".", 1) != WRIT_OK ||
						  writ_buf_append(&u, t.ptr + neg + k - frac, frac) != WRIT_OK))
					goto oom2;
			}
			writ_buf_free(&t);
			t = u;
			goto done;
oom2:
			writ_buf_free(&u);
			goto oom;
		}
	}
done:
	if (t.len == 2 && t.ptr[0] == '-' && t.ptr[1] == '0') {
		t.ptr[0] = '0';
		t.len = 1;
	}
	r = core_check(c, rego_number_parse(c->arena, t.ptr, t.len, out, &err), &err);
	writ_buf_free(&t);
	return r;
bad:
	writ_buf_free(&digits);
	return REGO_B_UNDEF;
oom:
	writ_buf_free(&t);
	return rego_berr(c, "out of memory");
}

/* The string without '"' characters, lower-cased entirely (bytes) or after the first. */
static enum rego_bres
clean(struct rego_bctx *c, const struct rego_val *v, bool lower_all, char **out, size_t *len)
{
	size_t i, k = 0;
	char *t;

	if (v->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", v);
	if ((t = writ_arena_alloc(c->arena, v->len + 1)) == NULL)
		return rego_berr(c, "out of memory");
	for (i = 0; i < v->len; i++) {
		char ch = v->u.s[i];

		if (ch == '"')
			continue;
		if (lower_all && ch >= 'A' && ch <= 'Z')
			ch = (char)(ch + 32);
		t[k++] = ch;
	}
	t[k] = '\0';
	*out = t;
	*len = k;
	return REGO_B_OK;
}

struct unit {
	const char *name;
	uint64_t factor;
	int scale;
};

static const struct unit si_units[] = {
	{"", 1, 0}, {"m", 1, -3}, {"k", 1000, 0}, {"K", 1000, 0}, {"ki", 1024, 0},
	{"Ki", 1024, 0}, {"M", 1000000, 0}, {"mi", 1u << 20, 0}, {"Mi", 1u << 20, 0},
	{"g", 1000000000, 0}, {"G", 1000000000, 0}, {"gi", 1u << 30, 0}, {"Gi", 1u << 30, 0},
	{"t", 1000000000000ull, 0}, {"T", 1000000000000ull, 0}, {"ti", 1ull << 40, 0},
	{"Ti", 1ull << 40, 0}, {"p", 1000000000000000ull, 0}, {"P", 1000000000000000ull, 0},
	{"pi", 1ull << 50, 0}, {"Pi", 1ull << 50, 0}, {"e", 1000000000000000000ull, 0},
	{"E", 1000000000000000000ull, 0}, {"ei", 1ull << 60, 0}, {"Ei", 1ull << 60, 0},
};

static const struct unit byte_units[] = {
	{"", 1, 0}, {"kb", 1000, 0}, {"k", 1000, 0}, {"kib", 1024, 0}, {"ki", 1024, 0},
	{"mb", 1000000, 0}, {"m", 1000000, 0}, {"mib", 1u << 20, 0}, {"mi", 1u << 20, 0},
	{"gb", 1000000000, 0}, {"g", 1000000000, 0}, {"gib", 1u << 30, 0}, {"gi", 1u << 30, 0},
	{"tb", 1000000000000ull, 0}, {"t", 1000000000000ull, 0}, {"tib", 1ull << 40, 0},
	{"ti", 1ull << 40, 0}, {"pb", 1000000000000000ull, 0}, {"p", 1000000000000000ull, 0},
	{"pib", 1ull << 50, 0}, {"pi", 1ull << 50, 0}, {"eb", 1000000000000000000ull, 0},
	{"e", 1000000000000000000ull, 0}, {"eib", 1ull << 60, 0}, {"ei", 1ull << 60, 0},
};

static enum rego_bres
parse_units(struct rego_bctx *c, const struct rego_val *arg, bool bytes,
    const struct rego_val **out)
{
	const struct unit *units = bytes ? byte_units : si_units, *u = NULL;
	size_t nunits = bytes ? WRIT_ARRAY_LEN(byte_units) : WRIT_ARRAY_LEN(si_units);
	char *s = NULL, *unit;
	size_t len = 0, numlen, ulen, i;
	enum rego_bres r;

	if ((r = clean(c, arg, bytes, &s, &len)) != REGO_B_OK)
		return r;
	if (memchr(s, ' ', len) != NULL)
		return rego_berr(c, "spaces not allowed in resource strings");
	if (split_amount(s, len, &numlen) < 0)
		return rego_berr(c, "exponent too large");
	if (numlen == 0)
		return rego_berr(c, bytes ? "no byte amount provided" : "no amount provided");
	unit = s + numlen;
	ulen = len - numlen;
	for (i = 1; !bytes && i < ulen; i++)
		if (unit[i] >= 'A' && unit[i] <= 'Z')
			unit[i] = (char)(unit[i] + 32);
	for (i = 0; i < nunits && u == NULL; i++)
		if (strlen(units[i].name) == ulen && memcmp(units[i].name, unit, ulen) == 0)
			u = &units[i];
	if (u == NULL)
		return rego_berr(c, "%sunit %.*s not recognized", bytes ? "byte " : "", (int)ulen,
		    unit);
	r = scale_amount(c, s, numlen, u->factor, u->scale, bytes, out);
	if (r == REGO_B_UNDEF)
		return rego_berr(c, bytes ? "could not parse byte amount to a number"
					  : "could not parse amount to a number");
	return r;
}

static enum rego_bres
bi_units_parse(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return parse_units(c, args[0], false, out);
}

static enum rego_bres
bi_units_parse_bytes(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return parse_units(c, args[0], true, out);
}

static const struct rego_builtin builtins[] = {
	{"is_array", 1, bi_is_array, 0},
	{"is_boolean", 1, bi_is_boolean, 0},
	{"is_null", 1, bi_is_null, 0},
	{"is_number", 1, bi_is_number, 0},
	{"is_object", 1, bi_is_object, 0},
	{"is_set", 1, bi_is_set, 0},
	{"is_string", 1, bi_is_string, 0},
	{"to_number", 1, bi_to_number, 0},
	{"type_name", 1, bi_type_name, 0},
	{"units.parse", 1, bi_units_parse, 0},
	{"units.parse_bytes", 1, bi_units_parse_bytes, 0},
};

const struct rego_builtin_family rego_family_types = {"types", builtins, WRIT_ARRAY_LEN(builtins)};
