/* SPDX-License-Identifier: Apache-2.0 */
/*
 * String builtins with Go's semantics (indexes and lengths in runes, invalid
 * UTF-8 read as U+FFFD): concat, contains, startswith, endswith, format_int,
 * indexof, indexof_n, lower, upper, replace, strings.replace_n, split,
 * substring, the trim family, strings.any_prefix_match and _suffix_match,
 * strings.count, strings.reverse, and internal.template_string, which the
 * compiler lowers string interpolation ($"...{x}...") to.
 */
#include <string.h>

#include "rego/builtins/core_int.h"
#include "rego/builtins/families_core.h"

/* A string operand or the type error. */
#define STR_ARG(c, pos, v)                                                                         \
	do {                                                                                       \
		if ((v)->type != REGO_STRING)                                                      \
			return rego_berr_operand((c), (pos), "string", (v));                       \
	} while (0)

static const char *
find(const char *s, size_t n, const char *sub, size_t k)
{
	size_t i;

	if (k == 0)
		return s;
	for (i = 0; k <= n && i <= n - k; i++)
		if (s[i] == sub[0] && memcmp(s + i, sub, k) == 0)
			return s + i;
	return NULL;
}

/* Strings of a collection operand (array or set), with OPA's element error. */
static enum rego_bres
strings_of(struct rego_bctx *c, unsigned pos, const struct rego_val *v)
{
	size_t i;

	if (v->type != REGO_ARRAY && v->type != REGO_SET)
		return rego_berr_operand(c, pos, "one of {set, array}", v);
	for (i = 0; i < v->len; i++)
		if (v->u.elems[i]->type != REGO_STRING)
			return core_type_err(c,
			    "operand %u must be %s of strings but got %s containing %s", pos,
			    rego_type_name(v), rego_type_name(v), rego_type_name(v->u.elems[i]));
	return REGO_B_OK;
}

static enum rego_bres
bi_concat(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *sep = args[0], *coll = args[1];
	struct writ_buf b;
	enum rego_bres r;
	writ_rc rc = WRIT_OK;
	size_t i;

	STR_ARG(c, 1, sep);
	if ((r = strings_of(c, 2, coll)) != REGO_B_OK)
		return r;
	core_buf_init(&b);
	for (i = 0; i < coll->len && rc == WRIT_OK; i++) {
		if (i > 0)
			rc = writ_buf_append(&b, sep->u.s, sep->len);
		if (rc == WRIT_OK)
			rc = writ_buf_append(&b, coll->u.elems[i]->u.s, coll->u.elems[i]->len);
	}
	if (rc != WRIT_OK) {
		writ_buf_free(&b);
		return core_buf_err(c, rc);
	}
	return core_buf_str(c, &b, out);
}

static enum rego_bres
two_strings(struct rego_bctx *c, const struct rego_val *const *args)
{
	STR_ARG(c, 1, args[0]);
	STR_ARG(c, 2, args[1]);
	return REGO_B_OK;
}

static enum rego_bres
bi_contains(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	enum rego_bres r = two_strings(c, args);

	if (r == REGO_B_OK)
		*out = rego_bool(find(args[0]->u.s, args[0]->len, args[1]->u.s, args[1]->len) != NULL);
	return r;
}

static enum rego_bres
bi_startswith(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	enum rego_bres r = two_strings(c, args);

	if (r == REGO_B_OK)
		*out = rego_bool(args[1]->len <= args[0]->len &&
		    memcmp(args[0]->u.s, args[1]->u.s, args[1]->len) == 0);
	return r;
}

static enum rego_bres
bi_endswith(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	enum rego_bres r = two_strings(c, args);

	if (r == REGO_B_OK)
		*out = rego_bool(args[1]->len <= args[0]->len &&
		    memcmp(args[0]->u.s + args[0]->len - args[1]->len, args[1]->u.s, args[1]->len) ==
			0);
	return r;
}

static enum rego_bres
bi_format_int(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	static const char digits[] = "0123456789abcdef";
	const struct rego_val *t;
	struct writ_err err;
	char tmp[72], *p = tmp + sizeof(tmp);
	int64_t base, i;
	uint64_t u;
	writ_rc rc;

	if (args[0]->type != REGO_NUMBER)
		return rego_berr_operand(c, 1, "number", args[0]);
	if (args[1]->type != REGO_NUMBER)
		return rego_berr_operand(c, 2, "number", args[1]);
	if (!rego_num_i64(args[1], &base) || (base != 2 && base != 8 && base != 10 && base != 16))
		return core_type_err(c, "operand 2 must be one of {2, 8, 10, 16}");
	/* Truncate towards zero as big.Float.Int does. */
	rc = rego_num_unary(c->arena,
	    args[0]->u.num.text != NULL && args[0]->u.num.text[0] == '-' ? REGO_NUM_CEIL
									 : REGO_NUM_FLOOR,
	    args[0], &t, &err);
	if (rc != WRIT_OK)
		return core_fail(c, rc, &err);
	if (!rego_num_i64(t, &i)) {
		struct writ_buf b;

		if (base != 10)
			return rego_berr(c, "integer beyond 64 bits in base %d", (int)base);
		core_buf_init(&b);
		if ((rc = rego_num_append(&b, t)) != WRIT_OK) {
			writ_buf_free(&b);
			return core_buf_err(c, rc);
		}
		return core_buf_str(c, &b, out);
	}
	u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
	do {
		*--p = digits[u % (uint64_t)base];
		u /= (uint64_t)base;
	} while (u > 0);
	if (i < 0)
		*--p = '-';
	return core_str(c, p, (size_t)(tmp + sizeof(tmp) - p), out);
}

/* Rune index of byte offset off in s. */
static size_t
rune_index(const char *s, size_t off)
{
	return core_utf8_count(s, off);
}

static enum rego_bres
bi_indexof(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const char *at;
	enum rego_bres r = two_strings(c, args);

	if (r != REGO_B_OK)
		return r;
	at = find(args[0]->u.s, args[0]->len, args[1]->u.s, args[1]->len);
	return core_int(c, at == NULL ? -1 : (int64_t)rune_index(args[0]->u.s, (size_t)(at - args[0]->u.s)), out);
}

static enum rego_bres
bi_indexof_n(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0], *sub = args[1];
	struct rego_builder b;
	struct writ_err err;
	enum rego_bres r = two_strings(c, args);
	size_t off = 0, runes = 0;

	if (r != REGO_B_OK)
		return r;
	rego_builder_init(&b, c->arena, REGO_ARRAY);
	while (off <= s->len) {
		const char *at = find(s->u.s + off, s->len - off, sub->u.s, sub->len);
		const struct rego_val *v;
		uint32_t rune;

		if (at == NULL)
			break;
		runes += rune_index(s->u.s + off, (size_t)(at - s->u.s) - off);
		off = (size_t)(at - s->u.s);
		if ((r = core_int(c, (int64_t)runes, &v)) != REGO_B_OK ||
		    (r = core_check(c, rego_builder_push(&b, v, &err), &err)) != REGO_B_OK)
			return r;
		if (off == s->len)
			break;
		off += core_utf8_decode(s->u.s + off, s->len - off, &rune);
		runes++;
	}
	return core_finish(c, &b, out);
}

static enum rego_bres
map_case(struct rego_bctx *c, const struct rego_val *s, bool up, const struct rego_val **out)
{
	struct writ_buf b;
	size_t i = 0;
	uint32_t r;
	writ_rc rc = WRIT_OK;

	STR_ARG(c, 1, s);
	core_buf_init(&b);
	while (i < s->len && rc == WRIT_OK) {
		i += core_utf8_decode(s->u.s + i, s->len - i, &r);
		rc = core_utf8_append(&b, up ? core_rune_upper(r) : core_rune_lower(r));
	}
	if (rc != WRIT_OK) {
		writ_buf_free(&b);
		return core_buf_err(c, rc);
	}
	return core_buf_str(c, &b, out);
}

static enum rego_bres
bi_lower(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return map_case(c, args[0], false, out);
}

static enum rego_bres
bi_upper(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return map_case(c, args[0], true, out);
}

/* Go's strings.Replace(s, old, new, -1). */
static writ_rc
replace_all(struct writ_buf *b, const struct rego_val *s, const struct rego_val *old,
    const struct rego_val *new)
{
	size_t off = 0, w;
	uint32_t r;
	writ_rc rc = WRIT_OK;

	if (old->len == 0) {
		/* new before every rune and at the end. */
		while (rc == WRIT_OK && off < s->len) {
			w = core_utf8_decode(s->u.s + off, s->len - off, &r);
			rc = writ_buf_append(b, new->u.s, new->len);
			if (rc == WRIT_OK)
				rc = writ_buf_append(b, s->u.s + off, w);
			off += w;
		}
		return rc == WRIT_OK ? writ_buf_append(b, new->u.s, new->len) : rc;
	}
	while (rc == WRIT_OK) {
		const char *at = find(s->u.s + off, s->len - off, old->u.s, old->len);

		if (at == NULL)
			return writ_buf_append(b, s->u.s + off, s->len - off);
		rc = writ_buf_append(b, s->u.s + off, (size_t)(at - s->u.s) - off);
		if (rc == WRIT_OK)
			rc = writ_buf_append(b, new->u.s, new->len);
		off = (size_t)(at - s->u.s) + old->len;
	}
	return rc;
}

static enum rego_bres
bi_replace(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct writ_buf b;
	writ_rc rc;

	STR_ARG(c, 1, args[0]);
	STR_ARG(c, 2, args[1]);
	STR_ARG(c, 3, args[2]);
	core_buf_init(&b);
	if ((rc = replace_all(&b, args[0], args[1], args[2])) != WRIT_OK) {
		writ_buf_free(&b);
		return core_buf_err(c, rc);
	}
	return core_buf_str(c, &b, out);
}

/*
 * strings.replace_n as Go's strings.NewReplacer over the pattern object's
 * entries in key order: at each position the first pattern that matches is
 * replaced, and scanning continues after it.
 */
static enum rego_bres
bi_replace_n(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *pat = args[0], *s = args[1];
	struct writ_buf b;
	size_t i, off = 0;
	writ_rc rc = WRIT_OK;

	if (pat->type != REGO_OBJECT)
		return rego_berr_operand(c, 1, "object", pat);
	for (i = 0; i < pat->len; i++) {
		if (pat->u.kvs[i].key->type != REGO_STRING)
			return core_type_err(c, "operand 1 non-string key found in pattern object");
		if (pat->u.kvs[i].val->type != REGO_STRING)
			return core_type_err(c, "operand 1 non-string value found in pattern object");
	}
	STR_ARG(c, 2, s);
	core_buf_init(&b);
	while (off <= s->len && rc == WRIT_OK) {
		for (i = 0; i < pat->len; i++) {
			const struct rego_val *k = pat->u.kvs[i].key;

			if (k->len <= s->len - off && memcmp(s->u.s + off, k->u.s, k->len) == 0)
				break;
		}
		if (i < pat->len) {
			const struct rego_val *k = pat->u.kvs[i].key, *v = pat->u.kvs[i].val;

			rc = writ_buf_append(&b, v->u.s, v->len);
			if (k->len > 0) {
				off += k->len;
				continue;
			}
		}
		if (off == s->len)
			break;
		if (rc == WRIT_OK)
			rc = writ_buf_append(&b, s->u.s + off, 1);
		off++;
	}
	if (rc != WRIT_OK) {
		writ_buf_free(&b);
		return core_buf_err(c, rc);
	}
	return core_buf_str(c, &b, out);
}

static enum rego_bres
bi_split(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0], *sep = args[1], *v;
	struct rego_builder b;
	struct writ_err err;
	enum rego_bres r = two_strings(c, args);
	size_t off = 0, n = 0;

	if (r != REGO_B_OK)
		return r;
	rego_builder_init(&b, c->arena, REGO_ARRAY);
	for (;;) {
		const char *at;
		size_t end;
		uint32_t rune;

		if (sep->len == 0) {
			/* Go splits into runes; "" gives no elements. */
			if (off == s->len)
				break;
			end = off + core_utf8_decode(s->u.s + off, s->len - off, &rune);
		} else {
			at = find(s->u.s + off, s->len - off, sep->u.s, sep->len);
			end = at == NULL ? s->len : (size_t)(at - s->u.s);
		}
		if (++n > CORE_MAX_ELEMS)
			return rego_berr(c, "result would exceed %zu elements", CORE_MAX_ELEMS);
		if ((r = core_str(c, s->u.s + off, end - off, &v)) != REGO_B_OK ||
		    (r = core_check(c, rego_builder_push(&b, v, &err), &err)) != REGO_B_OK)
			return r;
		if (sep->len == 0) {
			off = end;
			continue;
		}
		if (end == s->len)
			break;
		off = end + sep->len;
	}
	return core_finish(c, &b, out);
}

/* Byte offset of rune index k in s (s->len if beyond). */
static size_t
rune_offset(const char *s, size_t len, uint64_t k)
{
	size_t off = 0;
	uint32_t r;

	while (k > 0 && off < len) {
		off += core_utf8_decode(s + off, len - off, &r);
		k--;
	}
	return off;
}

static enum rego_bres
bi_substring(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0];
	int64_t start, len;
	size_t from, to;
	enum rego_bres r;

	STR_ARG(c, 1, s);
	if ((r = core_arg_int(c, 2, args[1], &start)) != REGO_B_OK ||
	    (r = core_arg_int(c, 3, args[2], &len)) != REGO_B_OK)
		return r;
	if (start < 0)
		return rego_berr(c, "negative offset");
	from = rune_offset(s->u.s, s->len, (uint64_t)start);
	to = len < 0 ? s->len : from + rune_offset(s->u.s + from, s->len - from, (uint64_t)len);
	return core_str(c, s->u.s + from, to - from, out);
}

/* Is rune r in the cutset? */
static bool
in_cutset(const struct rego_val *set, uint32_t r)
{
	size_t i = 0;
	uint32_t x;

	while (i < set->len) {
		i += core_utf8_decode(set->u.s + i, set->len - i, &x);
		if (x == r)
			return true;
	}
	return false;
}

static bool
is_space(uint32_t r)
{
	return r == ' ' || (r >= 0x09 && r <= 0x0d) || r == 0x85 || r == 0xa0 || r == 0x1680 ||
	    (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f ||
	    r == 0x205f || r == 0x3000;
}

/* Length of the last rune ending at s[n]. */
static size_t
last_rune(const char *s, size_t n, uint32_t *r)
{
	size_t k, start = n > 4 ? n - 4 : 0;

	for (k = start; k < n; k++)
		if (core_utf8_decode(s + k, n - k, r) == n - k)
			return n - k;
	*r = 0xfffd;
	return 1;
}

/* Trim runes in the cutset (or spaces when set is NULL) from the left and/or right. */
static enum rego_bres
trim(struct rego_bctx *c, const struct rego_val *s, const struct rego_val *set, bool left,
    bool right, const struct rego_val **out)
{
	size_t from = 0, to = s->len, w;
	uint32_t r;

	while (left && from < to) {
		w = core_utf8_decode(s->u.s + from, to - from, &r);
		if (set != NULL ? !in_cutset(set, r) : !is_space(r))
			break;
		from += w;
	}
	while (right && to > from) {
		w = last_rune(s->u.s + from, to - from, &r);
		if (set != NULL ? !in_cutset(set, r) : !is_space(r))
			break;
		to -= w;
	}
	return core_str(c, s->u.s + from, to - from, out);
}

static enum rego_bres
bi_trim(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	enum rego_bres r = two_strings(c, args);

	return r != REGO_B_OK ? r : trim(c, args[0], args[1], true, true, out);
}

static enum rego_bres
bi_trim_left(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	enum rego_bres r = two_strings(c, args);

	return r != REGO_B_OK ? r : trim(c, args[0], args[1], true, false, out);
}

static enum rego_bres
bi_trim_right(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	enum rego_bres r = two_strings(c, args);

	return r != REGO_B_OK ? r : trim(c, args[0], args[1], false, true, out);
}

static enum rego_bres
bi_trim_space(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	STR_ARG(c, 1, args[0]);
	return trim(c, args[0], NULL, true, true, out);
}

static enum rego_bres
bi_trim_prefix(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0], *p = args[1];
	enum rego_bres r = two_strings(c, args);

	if (r != REGO_B_OK)
		return r;
	if (p->len <= s->len && memcmp(s->u.s, p->u.s, p->len) == 0)
		return core_str(c, s->u.s + p->len, s->len - p->len, out);
	*out = s;
	return REGO_B_OK;
}

static enum rego_bres
bi_trim_suffix(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0], *p = args[1];
	enum rego_bres r = two_strings(c, args);

	if (r != REGO_B_OK)
		return r;
	if (p->len <= s->len && memcmp(s->u.s + s->len - p->len, p->u.s, p->len) == 0)
		return core_str(c, s->u.s, s->len - p->len, out);
	*out = s;
	return REGO_B_OK;
}

/* A string, or a set or array of strings, for any_prefix_match and _suffix_match. */
static enum rego_bres
match_arg(struct rego_bctx *c, unsigned pos, const struct rego_val *v,
    const struct rego_val *const **el, size_t *n)
{
	size_t i;

	if (v->type == REGO_STRING) {
		*el = NULL; /* the caller uses the operand itself */
		*n = 1;
		return REGO_B_OK;
	}
	if (v->type != REGO_ARRAY && v->type != REGO_SET)
		return rego_berr_operand(c, pos, "one of {string, set, array}", v);
	for (i = 0; i < v->len; i++)
		if (v->u.elems[i]->type != REGO_STRING)
			return core_type_err(c,
			    "operand %u must be %s of strings but got %s containing %s", pos,
			    rego_type_name(v), rego_type_name(v), rego_type_name(v->u.elems[i]));
	*el = v->u.elems;
	*n = v->len;
	return REGO_B_OK;
}

static enum rego_bres
any_match(struct rego_bctx *c, const struct rego_val *const *args, bool suffix,
    const struct rego_val **out)
{
	const struct rego_val *const *xs, *const *ps;
	const struct rego_val *a0 = args[0], *a1 = args[1];
	size_t nx, np, i, j;
	enum rego_bres r;

	if ((r = match_arg(c, 1, a0, &xs, &nx)) != REGO_B_OK)
		return r;
	if (a0->type == REGO_STRING)
		xs = &args[0];
	if ((r = match_arg(c, 2, a1, &ps, &np)) != REGO_B_OK)
		return r;
	if (a1->type == REGO_STRING)
		ps = &args[1];
	for (i = 0; i < nx; i++)
		for (j = 0; j < np; j++) {
			const struct rego_val *x = xs[i], *p = ps[j];

			if (p->len <= x->len &&
			    memcmp(x->u.s + (suffix ? x->len - p->len : 0), p->u.s, p->len) == 0) {
				*out = rego_bool(true);
				return REGO_B_OK;
			}
		}
	*out = rego_bool(false);
	return REGO_B_OK;
}

static enum rego_bres
bi_any_prefix_match(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return any_match(c, args, false, out);
}

static enum rego_bres
bi_any_suffix_match(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return any_match(c, args, true, out);
}

static enum rego_bres
bi_strings_count(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0], *sub = args[1];
	enum rego_bres r = two_strings(c, args);
	size_t off = 0, n = 0;

	if (r != REGO_B_OK)
		return r;
	if (sub->len == 0)
		return core_int(c, (int64_t)core_utf8_count(s->u.s, s->len) + 1, out);
	for (;;) {
		const char *at = find(s->u.s + off, s->len - off, sub->u.s, sub->len);

		if (at == NULL)
			break;
		n++;
		off = (size_t)(at - s->u.s) + sub->len;
	}
	return core_int(c, (int64_t)n, out);
}

static enum rego_bres
bi_strings_reverse(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0];
	struct writ_buf b;
	size_t end = s->len, w;
	uint32_t r;
	writ_rc rc = WRIT_OK;

	STR_ARG(c, 1, s);
	core_buf_init(&b);
	/* Rune by rune from the end; invalid bytes become U+FFFD as Go's []rune does. */
	while (end > 0 && rc == WRIT_OK) {
		w = last_rune(s->u.s, end, &r);
		rc = core_utf8_append(&b, r);
		end -= w;
	}
	if (rc != WRIT_OK) {
		writ_buf_free(&b);
		return core_buf_err(c, rc);
	}
	return core_buf_str(c, &b, out);
}

/*
 * internal.template_string(parts): each part is a string, or a set holding
 * the values of one interpolated expression: none prints <undefined>, one
 * prints as itself (strings bare, anything else in Rego syntax), more is an
 * error.
 */
static enum rego_bres
bi_template_string(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *a = args[0];
	struct writ_buf b;
	struct writ_err err;
	writ_rc rc = WRIT_OK;
	size_t i;

	if (a->type != REGO_ARRAY)
		return rego_berr_operand(c, 1, "array", a);
	core_buf_init(&b);
	for (i = 0; i < a->len && rc == WRIT_OK; i++) {
		const struct rego_val *p = a->u.elems[i];

		if (p->type == REGO_SET && p->len > 1) {
			writ_buf_free(&b);
			return rego_berr(c, "template-strings must not produce multiple outputs");
		}
		if (p->type == REGO_SET && p->len == 0) {
			rc = writ_buf_appends(&b, "<undefined>");
			continue;
		}
		if (p->type == REGO_SET)
			p = p->u.elems[0];
		if (p->type == REGO_STRING)
			rc = writ_buf_append(&b, p->u.s, p->len);
		else
			rc = rego_print(&b, p, &err);
	}
	if (rc != WRIT_OK) {
		writ_buf_free(&b);
		return core_buf_err(c, rc);
	}
	return core_buf_str(c, &b, out);
}

static const struct rego_builtin builtins[] = {
	{"concat", 2, bi_concat, 0},
	{"contains", 2, bi_contains, 0},
	{"endswith", 2, bi_endswith, 0},
	{"format_int", 2, bi_format_int, 0},
	{"indexof", 2, bi_indexof, 0},
	{"indexof_n", 2, bi_indexof_n, 0},
	{"internal.template_string", 1, bi_template_string, 0},
	{"lower", 1, bi_lower, 0},
	{"replace", 3, bi_replace, 0},
	{"split", 2, bi_split, 0},
	{"startswith", 2, bi_startswith, 0},
	{"strings.any_prefix_match", 2, bi_any_prefix_match, 0},
	{"strings.any_suffix_match", 2, bi_any_suffix_match, 0},
	{"strings.count", 2, bi_strings_count, 0},
	{"strings.replace_n", 2, bi_replace_n, 0},
	{"strings.reverse", 1, bi_strings_reverse, 0},
	{"substring", 3, bi_substring, 0},
	{"trim", 2, bi_trim, 0},
	{"trim_left", 2, bi_trim_left, 0},
	{"trim_prefix", 2, bi_trim_prefix, 0},
	{"trim_right", 2, bi_trim_right, 0},
	{"trim_space", 1, bi_trim_space, 0},
	{"trim_suffix", 2, bi_trim_suffix, 0},
	{"upper", 1, bi_upper, 0},
};

const struct rego_builtin_family rego_family_strings = {"strings", builtins,
    WRIT_ARRAY_LEN(builtins)};
