/* SPDX-License-Identifier: Apache-2.0 */
/*
 * semver.is_valid and semver.compare with the rules of OPA's internal/semver:
 * an optional leading "v", MAJOR.MINOR.PATCH as int64 decimals, then an
 * optional "-prerelease" and "+metadata" of dot-separated [0-9A-Za-z-]
 * identifiers; precedence as SemVer 2.0 item 11 (metadata ignored).
 */
#include <string.h>

#include "ext_int.h"

struct semver {
	int64_t major, minor, patch;
	const char *pre;
	size_t prelen;
};

static bool
idents_ok(const char *s, size_t len)
{
	size_t i, seg = 0;

	if (len == 0)
		return true; /* absent */
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (seg == 0)
				return false;
			seg = 0;
			continue;
		}
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		        (ch >= 'A' && ch <= 'Z') || ch == '-'))
			return false;
		seg++;
	}
	return seg > 0;
}

/* strconv.ParseInt(s, 10, 64) without sign (signs were cut off as pre-release/metadata). */
static bool
parse_i64(const char *s, size_t len, int64_t *out)
{
	uint64_t v;

	if (len > 0 && s[0] == '+') {
		s++;
		len--;
	}
	if (writ_parse_u64(s, len, &v) != WRIT_OK || v > INT64_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

static bool
semver_parse(const char *s, size_t len, struct semver *v)
{
	const char *p, *d1, *d2;
	size_t n;

	if (len > 0 && s[0] == 'v') {
		s++;
		len--;
	}
	if ((p = memchr(s, '+', len)) != NULL) {
		if (!idents_ok(p + 1, len - (size_t)(p - s) - 1))
			return false;
		len = (size_t)(p - s);
	}
	v->pre = NULL;
	v->prelen = 0;
	if ((p = memchr(s, '-', len)) != NULL) {
		v->pre = p + 1;
		v->prelen = len - (size_t)(p - s) - 1;
		if (!idents_ok(v->pre, v->prelen))
			return false;
		len = (size_t)(p - s);
	}
	if ((d1 = memchr(s, '.', len)) == NULL)
		return false;
	n = len - (size_t)(d1 - s) - 1;
	if ((d2 = memchr(d1 + 1, '.', n)) == NULL ||
	    memchr(d2 + 1, '.', len - (size_t)(d2 - s) - 1))
		return false;
	return parse_i64(s, (size_t)(d1 - s), &v->major) &&
	    parse_i64(d1 + 1, (size_t)(d2 - d1 - 1), &v->minor) &&
	    parse_i64(d2 + 1, len - (size_t)(d2 - s) - 1, &v->patch);
}

static bool
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return len > 0;
}

/* Next dot-separated identifier of (*s, *len). */
static void
cut(const char **s, size_t *len, const char **id, size_t *idlen)
{
	const char *dot = *len > 0 ? memchr(*s, '.', *len) : NULL;

	*id = *s;
	if (dot == NULL) {
		*idlen = *len;
		*s += *len;
		*len = 0;
		return;
	}
	*idlen = (size_t)(dot - *s);
	*len -= *idlen + 1;
	*s = dot + 1;
}

static int
cmp_num_ident(const char *a, size_t al, const char *b, size_t bl)
{
	while (al > 1 && *a == '0') {
		a++;
		al--;
	}
	while (bl > 1 && *b == '0') {
		b++;
		bl--;
	}
	if (al != bl)
		return al < bl ? -1 : 1;
	return memcmp(a, b, al) < 0 ? -1 : memcmp(a, b, al) > 0;
}

static int
cmp_pre(const char *a, size_t al, const char *b, size_t bl)
{
	if (al == bl && (al == 0 || memcmp(a, b, al) == 0))
		return 0;
	if (al == 0 || bl == 0)
		return al == 0 ? 1 : -1;
	for (;;) {
		const char *x, *y;
		size_t xl, yl, m;
		bool xi, yi;
		int r;

		cut(&a, &al, &x, &xl);
		cut(&b, &bl, &y, &yl);
		if (xl == 0 || yl == 0) {
			if (xl != yl)
				return xl == 0 ? -1 : 1;
			return 0;
		}
		xi = all_digits(x, xl);
		yi = all_digits(y, yl);
		if (xi != yi)
			return xi ? -1 : 1;
		if (xi) {
			r = cmp_num_ident(x, xl, y, yl);
		} else {
			m = xl < yl ? xl : yl;
			r = memcmp(x, y, m);
			r = r != 0 ? (r < 0 ? -1 : 1) : (xl == yl ? 0 : xl < yl ? -1 : 1);
		}
		if (r != 0)
			return r;
		if ((al == 0) != (bl == 0))
			return al == 0 ? -1 : 1;
		if (al == 0)
			return 0;
	}
}

static int
cmp3(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static enum rego_bres
bi_is_valid(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct semver v;

	*out =
	    rego_bool(args[0]->type == REGO_STRING && semver_parse(args[0]->u.s, args[0]->len, &v));
	return REGO_B_OK;
}

static enum rego_bres
bi_compare(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct semver v[2];
	unsigned i;
	int r;

	for (i = 0; i < 2; i++) {
		if (args[i]->type != REGO_STRING)
			return rego_berr_operand(c, i + 1, "string", args[i]);
		if (!semver_parse(args[i]->u.s, args[i]->len, &v[i]))
			return rego_berr(c, "operand %u: string \"%.*s\" is not a valid SemVer",
			    i + 1, args[i]->len > 200 ? 200 : (int)args[i]->len, args[i]->u.s);
	}
	if ((r = cmp3(v[0].major, v[1].major)) == 0 && (r = cmp3(v[0].minor, v[1].minor)) == 0 &&
	    (r = cmp3(v[0].patch, v[1].patch)) == 0)
		r = cmp_pre(v[0].pre, v[0].prelen, v[1].pre, v[1].prelen);
	return ext_int(c, r, out);
}

static const struct rego_builtin semver_builtins[] = {
    {"semver.compare", 2, bi_compare, 0},
    {"semver.is_valid", 1, bi_is_valid, 0},
};

const struct rego_builtin_family rego_family_semver = {
    "semver", semver_builtins, WRIT_ARRAY_LEN(semver_builtins)};
