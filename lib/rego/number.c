/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rego numbers with OPA's semantics.  OPA keeps a number as its JSON text and
 * computes with Go's math/big: integers exactly (big.Int) and everything else
 * as big.Float with a 64-bit mantissa, rounding to nearest even, printed in
 * the shortest form that reads back to the same 64-bit value ('f' for
 * integral results, 'g' otherwise).  This file does the same:
 *
 *  - a number is its text plus, when the exact value is an integer within
 *    int64, that integer (REGO_NUM_I64), which is the fast path of every
 *    operation;
 *  - order, equality and hash use the exact decimal value of the text, so
 *    1, 1.0 and 1e0 are equal;
 *  - + - * on integers are exact (OpenSSL BIGNUM past int64); as in OPA, an
 *    operand is first read at 64-bit precision, so integers wider than 64
 *    significant bits are rounded before they are combined;
 *  - otherwise a small software float (64-bit mantissa, 64-bit exponent)
 *    reproduces big.Float's rounding, and Go's shortest-digit algorithm and
 *    'g'/'f' layout print the result (1/3 = 0.3333333333333333333,
 *    10e19/3 = 3.333333333333333333e+19).
 *
 * Deviations from OPA, on purpose: comparisons are exact (OPA treats two
 * non-integers as equal when their float64 values are, and its string trim
 * makes 10.0 compare equal to 1); ceil and floor are exact in (-1, 0) (OPA's
 * give ceil(-0.5) = 1 and floor(-0.5) = 0); numbers are bounded
 * (REGO_NUM_MAX_LEN characters, decimal exponent within REGO_NUM_MAX_EXP10).
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>

#include "writ/base.h"
#include "rego/value.h"

#define SEED_NUM 0x2545f4914f6cdd1dull
/* Largest binary exponent a computed result may have (about 10^33000). */
#define SF_MAX_EXP2 110000

/* Normalised decimal: value = (neg ? -1 : 1) * 0.d[0]d[1]..d[nd-1] * 10^dp. */
struct dnorm {
	bool neg;
	size_t nd; /* 0: the value is zero */
	int64_t dp;
	char d[REGO_NUM_MAX_LEN + 24];
};

/* Software float: value = (neg ? -1 : 1) * m * 2^e, m in [2^63, 2^64) unless zero. */
struct sf {
	bool neg;
	bool zero;
	uint64_t m;
	int64_t e;
};

typedef unsigned __int128 u128;

enum binop {
	OP_ADD,
	OP_SUB,
	OP_MUL
};

static void dnorm_text(const char *s, size_t len, struct dnorm *d);
static void dnorm_i64(int64_t i, struct dnorm *d);
static int dnorm_cmp(const struct dnorm *a, const struct dnorm *b);
static bool dnorm_to_i64(const struct dnorm *d, int64_t *out);
static writ_rc make_number(struct writ_arena *ar, const char *s, size_t len,
    const struct rego_val **out, struct writ_err *err);

/* ---------------------------------------------------------------------------
 * Decimal text.
 */

/* Syntax check: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool
number_syntax(const char *s, size_t len)
{
	size_t i = 0, n;

	if (i < len && s[i] == '-')
		i++;
	if (i >= len || s[i] < '0' || s[i] > '9')
		return false;
	if (s[i] == '0')
		i++;
	else
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	if (i < len && s[i] == '.') {
		for (n = ++i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == n)
			return false;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (n = i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == n)
			return false;
	}
	return i == len;
}

/* Normalise syntactically valid number text (see number_syntax). */
static void
dnorm_text(const char *s, size_t len, struct dnorm *d)
{
	size_t i = 0;
	int64_t intlen = 0, k = 0, first = -1, exp = 0;
	bool eneg = false;

	d->neg = len > 0 && s[0] == '-';
	d->nd = 0;
	i = d->neg;
	for (; i < len && s[i] != 'e' && s[i] != 'E'; i++) {
		if (s[i] == '.') {
			intlen = k;
			continue;
		}
		if (first < 0 && s[i] == '0') {
			k++;
			continue;
		}
		if (first < 0)
			first = k;
		d->d[d->nd++] = s[i];
		k++;
	}
	if (memchr(s, '.', i) == NULL)
		intlen = k;
	if (i < len) {
		i++;
		if (s[i] == '+' || s[i] == '-')
			eneg = s[i++] == '-';
		for (; i < len; i++)
			if (exp < (int64_t)1 << 40)
				exp = exp * 10 + (s[i] - '0');
	}
	while (d->nd > 0 && d->d[d->nd - 1] == '0')
		d->nd--;
	d->dp = d->nd == 0 ? 0 : intlen - first + (eneg ? -exp : exp);
}

static void
dnorm_i64(int64_t i, struct dnorm *d)
{
	uint64_t u = i < 0 ? -(uint64_t)i : (uint64_t)i;
	char tmp[24];
	size_t n = 0;

	d->neg = i < 0;
	while (u > 0) {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	}
	d->dp = (int64_t)n;
	for (d->nd = 0; d->nd < n; d->nd++)
		d->d[d->nd] = tmp[n - 1 - d->nd];
	while (d->nd > 0 && d->d[d->nd - 1] == '0')
		d->nd--;
}

static void
dnorm_val(const struct rego_val *v, struct dnorm *d)
{
	if (v->u.num.text != NULL)
		dnorm_text(v->u.num.text, v->len, d);
	else
		dnorm_i64(v->u.num.i, d);
}

static int
dnorm_cmp(const struct dnorm *a, const struct dnorm *b)
{
	int sa = a->nd == 0 ? 0 : a->neg ? -1 : 1;
	int sb = b->nd == 0 ? 0 : b->neg ? -1 : 1;
	size_t n = a->nd < b->nd ? a->nd : b->nd;
	int c;

	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (sa == 0)
		return 0;
	if (a->dp != b->dp)
		c = a->dp < b->dp ? -1 : 1;
	else if ((c = memcmp(a->d, b->d, n)) != 0)
		c = c < 0 ? -1 : 1;
	else
		c = a->nd < b->nd ? -1 : a->nd > b->nd;
	return sa * c;
}

static bool
dnorm_to_i64(const struct dnorm *d, int64_t *out)
{
	uint64_t u = 0, lim = d->neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
	int64_t k;

	if (d->nd == 0) {
		*out = 0;
		return true;
	}
	if (d->dp < (int64_t)d->nd || d->dp > 19)
		return false;
	for (k = 0; k < d->dp; k++) {
		unsigned dig = k < (int64_t)d->nd ? (unsigned)(d->d[k] - '0') : 0;

		if (__builtin_mul_overflow(u, 10, &u) || __builtin_add_overflow(u, dig, &u))
			return false;
	}
	if (u > lim)
		return false;
	*out = d->neg ? (int64_t)(0 - u) : (int64_t)u;
	return true;
}

uint64_t
rego_num_hash(int64_t i, bool is_i64, const char *text, size_t len)
{
	struct dnorm d;

	if (is_i64)
		return rego_hash_mix((uint64_t)i ^ SEED_NUM);
	dnorm_text(text, len, &d);
	return rego_hash_bytes(
	    d.d, d.nd, SEED_NUM ^ ((uint64_t)d.dp * 0x9e3779b97f4a7c15ull) ^ d.neg);
}

int
rego_num_compare(const struct rego_val *a, const struct rego_val *b)
{
	struct dnorm x, y;

	if ((a->flags & b->flags & REGO_NUM_I64) != 0)
		return a->u.num.i < b->u.num.i ? -1 : a->u.num.i > b->u.num.i;
	dnorm_val(a, &x);
	dnorm_val(b, &y);
	return dnorm_cmp(&x, &y);
}

bool
rego_num_i64(const struct rego_val *v, int64_t *out)
{
	if (v->type != REGO_NUMBER || !(v->flags & REGO_NUM_I64))
		return false;
	*out = v->u.num.i;
	return true;
}

bool
rego_num_is_int(const struct rego_val *v)
{
	struct dnorm d;

	if (v->type != REGO_NUMBER)
		return false;
	if (v->flags & REGO_NUM_I64)
		return true;
	dnorm_text(v->u.num.text, v->len, &d);
	return d.dp >= (int64_t)d.nd;
}

bool
rego_num_double(const struct rego_val *v, double *out)
{
	char buf[REGO_NUM_MAX_LEN + 1];
	double d;

	if (v->type != REGO_NUMBER)
		return false;
	if (v->u.num.text == NULL) {
		*out = (double)v->u.num.i;
		return true;
	}
	if (v->len >= sizeof(buf))
		return false;
	memcpy(buf, v->u.num.text, v->len);
	buf[v->len] = '\0';
	d = strtod(buf, NULL);
	if (!isfinite(d))
		return false;
	*out = d;
	return true;
}

writ_rc
rego_num_append(struct writ_buf *buf, const struct rego_val *v)
{
	if (v->u.num.text != NULL)
		return writ_buf_append(buf, v->u.num.text, v->len);
	return writ_buf_appendf(buf, "%lld", (long long)v->u.num.i);
}

/* Make a number value from valid text; the text is kept unless it is i's canonical form. */
static writ_rc
make_number(struct writ_arena *ar, const char *s, size_t len, const struct rego_val **out,
    struct writ_err *err)
{
	struct rego_val *v;
	struct dnorm d;
	int64_t i = 0;
	bool is_i64, canon;
	char tmp[24];
	int n;

	dnorm_text(s, len, &d);
	if (d.nd > 0 && (d.dp - 1 > REGO_NUM_MAX_EXP10 || d.dp - 1 < -REGO_NUM_MAX_EXP10))
		return WRIT_ERR(err, WRIT_ELIMIT, "number exponent out of range (limit 1e%d)",
		    REGO_NUM_MAX_EXP10);
	is_i64 = dnorm_to_i64(&d, &i);
	canon = false;
	if (is_i64) {
		n = snprintf(tmp, sizeof(tmp), "%lld", (long long)i);
		canon = (size_t)n == len && memcmp(tmp, s, len) == 0;
	}
	if ((v = writ_arena_alloc(ar, sizeof(*v) + (canon ? 0 : len + 1))) == NULL)
		return rego_oom(ar, err);
	memset(v, 0, sizeof(*v));
	v->type = REGO_NUMBER;
	v->flags = is_i64 ? REGO_NUM_I64 : 0;
	v->u.num.i = i;
	if (!canon) {
		char *p = (char *)(v + 1);

		memcpy(p, s, len);
		p[len] = '\0';
		v->u.num.text = p;
		v->len = len;
	}
	v->hash = rego_num_hash(i, is_i64, s, len);
	*out = v;
	return WRIT_OK;
}

writ_rc
rego_number_parse(struct writ_arena *a, const char *s, size_t len, const struct rego_val **out,
    struct writ_err *err)
{
	if (len > REGO_NUM_MAX_LEN)
		return WRIT_ERR(
		    err, WRIT_ELIMIT, "number longer than %d characters", REGO_NUM_MAX_LEN);
	if (!number_syntax(s, len))
		return WRIT_ERR(err, WRIT_EPARSE, "invalid number");
	return make_number(a, s, len, out, err);
}

/* ---------------------------------------------------------------------------
 * Software float with a 64-bit mantissa (big.Float at precision 64).
 */

static int
clz128(u128 x)
{
	uint64_t hi = (uint64_t)(x >> 64);

	if (hi != 0)
		return __builtin_clzll(hi);
	return 64 + __builtin_clzll((uint64_t)x);
}

/* r = round-to-nearest-even of (x + sticky * epsilon) * 2^e, x > 0. */
static void
sf_round128(struct sf *r, bool neg, u128 x, int64_t e, bool sticky)
{
	const uint64_t half = (uint64_t)1 << 63;
	uint64_t m, rest;
	int lz = clz128(x);

	x <<= lz;
	e -= lz;
	m = (uint64_t)(x >> 64);
	rest = (uint64_t)x;
	if (rest > half || (rest == half && (sticky || (m & 1)))) {
		if (++m == 0) {
			m = half;
			e++;
		}
	}
	r->neg = neg;
	r->zero = false;
	r->m = m;
	r->e = e + 64;
}

static void
sf_from_i64(struct sf *r, int64_t i)
{
	uint64_t u = i < 0 ? -(uint64_t)i : (uint64_t)i;

	if (u == 0) {
		memset(r, 0, sizeof(*r));
		r->zero = true;
		return;
	}
	sf_round128(r, i < 0, u, 0, false);
}

static bool
sf_is_int(const struct sf *x)
{
	if (x->zero || x->e >= 0)
		return true;
	if (x->e <= -64)
		return false;
	return (x->m & (((uint64_t)1 << -x->e) - 1)) == 0;
}

static void
sf_mul(struct sf *r, const struct sf *a, const struct sf *b)
{
	if (a->zero || b->zero) {
		memset(r, 0, sizeof(*r));
		r->zero = true;
		r->neg = a->neg != b->neg;
		return;
	}
	sf_round128(r, a->neg != b->neg, (u128)a->m * b->m, a->e + b->e, false);
}

/* r = a / b; b is not zero. */
static void
sf_quo(struct sf *r, const struct sf *a, const struct sf *b)
{
	u128 n, q;
	uint64_t rem, q2;

	if (a->zero) {
		memset(r, 0, sizeof(*r));
		r->zero = true;
		r->neg = a->neg != b->neg;
		return;
	}
	/* 64 or 65 quotient bits, then 64 more from the remainder for rounding. */
	n = (u128)a->m << 64;
	q = n / b->m;
	rem = (uint64_t)(n % b->m);
	n = (u128)rem << 64;
	q2 = (uint64_t)(n / b->m);
	rem = (uint64_t)(n % b->m);
	sf_round128(r, a->neg != b->neg, (q << 62) | (q2 >> 2), a->e - b->e - 64 - 62,
	    (q2 & 3) != 0 || rem != 0);
}

/* r = a + (negb ? -b : b). */
static void
sf_add(struct sf *r, const struct sf *a, const struct sf *b, bool negb)
{
	struct sf y = *b;
	const struct sf *hi, *lo;
	u128 x, s;
	int64_t d;
	bool sticky = false;

	y.neg = y.neg != negb;
	if (a->zero || y.zero) {
		if (a->zero && y.zero) {
			*r = *a;
			r->neg = a->neg && y.neg;
		} else {
			*r = a->zero ? y : *a;
		}
		return;
	}
	hi = a;
	lo = &y;
	if (y.e > a->e || (y.e == a->e && y.m > a->m)) {
		hi = &y;
		lo = a;
	}
	d = hi->e - lo->e;
	x = (u128)hi->m << 63;
	if (d >= 127) {
		s = 0;
		sticky = true;
	} else {
		s = ((u128)lo->m << 63) >> d;
		sticky = d > 63 && (((u128)lo->m << 63) & ((((u128)1) << d) - 1)) != 0;
	}
	if (hi->neg == lo->neg) {
		s = x + s;
	} else {
		s = x - s - (sticky ? 1 : 0);
		if (s == 0 && !sticky) {
			memset(r, 0, sizeof(*r));
			r->zero = true;
			return;
		}
	}
	sf_round128(r, hi->neg, s | (sticky ? 1 : 0), hi->e - 63, false);
}

/* ---------------------------------------------------------------------------
 * Conversions between BIGNUM, sf and values.
 */

/* Round N * 2^e (+ sticky epsilon) to an sf; N > 0. */
static writ_rc
sf_from_bn(struct sf *r, bool neg, const BIGNUM *n, int64_t e, bool sticky)
{
	unsigned char b[16];
	BIGNUM *t = NULL;
	int nb = BN_num_bits(n), shift = nb > 128 ? nb - 128 : 0;
	u128 x = 0;
	int i;

	if (shift > 0) {
		if ((t = BN_new()) == NULL || !BN_rshift(t, n, shift) || !BN_lshift(t, t, shift)) {
			BN_free(t);
			return WRIT_ENOMEM;
		}
		sticky |= BN_cmp(t, n) != 0;
		if (!BN_rshift(t, n, shift)) {
			BN_free(t);
			return WRIT_ENOMEM;
		}
		n = t;
	}
	if (BN_bn2binpad(n, b, sizeof(b)) < 0) {
		BN_free(t);
		return WRIT_EINTERNAL;
	}
	BN_free(t);
	for (i = 0; i < 16; i++)
		x = (x << 8) | b[i];
	sf_round128(r, neg, x, e + shift, sticky);
	return WRIT_OK;
}

/* 10^k into r. */
static bool
bn_pow10(BIGNUM *r, int64_t k, BN_CTX *ctx)
{
	BIGNUM *ten = BN_new(), *ek = BN_new();
	bool ok = ten != NULL && ek != NULL && BN_set_word(ten, 10) &&
	    BN_set_word(ek, (BN_ULONG)k) && BN_exp(r, ten, ek, ctx);

	BN_free(ten);
	BN_free(ek);
	return ok;
}

/* Read a normalised decimal at 64-bit precision, correctly rounded. */
static writ_rc
sf_from_dnorm(struct sf *r, const struct dnorm *d)
{
	BN_CTX *ctx = NULL;
	BIGNUM *n = NULL, *p = NULL, *q = NULL, *rem = NULL;
	int64_t e10 = d->dp - (int64_t)d->nd, k;
	char buf[sizeof(d->d) + 1];
	writ_rc rc = WRIT_ENOMEM;

	memset(r, 0, sizeof(*r));
	if (d->nd == 0) {
		r->zero = true;
		r->neg = d->neg;
		return WRIT_OK;
	}
	memcpy(buf, d->d, d->nd);
	buf[d->nd] = '\0';
	if ((ctx = BN_CTX_new()) == NULL || (p = BN_new()) == NULL || (q = BN_new()) == NULL ||
	    (rem = BN_new()) == NULL || !BN_dec2bn(&n, buf))
		goto out;
	if (e10 >= 0) {
		if (!bn_pow10(p, e10, ctx) || !BN_mul(n, n, p, ctx))
			goto out;
		rc = sf_from_bn(r, d->neg, n, 0, false);
		goto out;
	}
	if (!bn_pow10(p, -e10, ctx))
		goto out;
	k = BN_num_bits(p) - BN_num_bits(n) + 66;
	if (k < 0)
		k = 0;
	if (!BN_lshift(n, n, (int)k) || !BN_div(q, rem, n, p, ctx))
		goto out;
	rc = sf_from_bn(r, d->neg, q, -k, !BN_is_zero(rem));
out:
	BN_free(n);
	BN_free(p);
	BN_free(q);
	BN_free(rem);
	BN_CTX_free(ctx);
	return rc;
}

static writ_rc
sf_from_val(struct sf *r, const struct rego_val *v)
{
	struct dnorm d;

	if (v->flags & REGO_NUM_I64) {
		sf_from_i64(r, v->u.num.i);
		return WRIT_OK;
	}
	dnorm_text(v->u.num.text, v->len, &d);
	return sf_from_dnorm(r, &d);
}

/* |x| truncated to an integer, with x's sign, into r. */
static bool
sf_trunc_bn(BIGNUM *r, const struct sf *x)
{
	if (x->zero || x->e <= -64) {
		BN_zero(r);
		return true;
	}
	if (x->e < 0) {
		if (!BN_set_word(r, (BN_ULONG)(x->m >> -x->e)))
			return false;
	} else if (!BN_set_word(r, (BN_ULONG)x->m) || !BN_lshift(r, r, (int)x->e)) {
		return false;
	}
	BN_set_negative(r, x->neg);
	return true;
}

static writ_rc
num_from_bn(
    struct writ_arena *ar, const BIGNUM *n, const struct rego_val **out, struct writ_err *err)
{
	char *s;
	writ_rc rc;

	if (BN_num_bits(n) > 4 * REGO_NUM_MAX_LEN)
		return WRIT_ERR(
		    err, WRIT_ELIMIT, "number result longer than %d digits", REGO_NUM_MAX_LEN);
	if ((s = BN_bn2dec(n)) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "rego: out of memory");
	if (strlen(s) > REGO_NUM_MAX_LEN)
		rc = WRIT_ERR(
		    err, WRIT_ELIMIT, "number result longer than %d digits", REGO_NUM_MAX_LEN);
	else
		rc = make_number(ar, s, strlen(s), out, err);
	OPENSSL_free(s);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Printing an sf the way big.Float.Text does with precision -1.
 */

/* Exact decimal digits: value = 0.d[0..nd) * 10^dp; d is OPENSSL_malloc'd. */
struct fdec {
	char *buf;
	char *d;
	size_t nd;
	int64_t dp;
};

static void
fdec_trim(struct fdec *f)
{
	while (f->nd > 0 && f->d[f->nd - 1] == '0')
		f->nd--;
	if (f->nd == 0)
		f->dp = 0;
}

/* f = the exact decimal of mant * 2^e (mant >= 0). */
static bool
fdec_init(struct fdec *f, const BIGNUM *mant, int64_t e, BN_CTX *ctx)
{
	BIGNUM *n = BN_dup(mant), *p = NULL;
	bool ok = false;

	memset(f, 0, sizeof(*f));
	if (n == NULL)
		return false;
	if (e >= 0) {
		if (!BN_lshift(n, n, (int)e))
			goto out;
	} else {
		BIGNUM *five = BN_new(), *k = BN_new();

		ok = (p = BN_new()) != NULL && five != NULL && k != NULL && BN_set_word(five, 5) &&
		    BN_set_word(k, (BN_ULONG)-e) && BN_exp(p, five, k, ctx) && BN_mul(n, n, p, ctx);
		BN_free(five);
		BN_free(k);
		if (!ok)
			goto out;
		ok = false;
	}
	if ((f->buf = BN_bn2dec(n)) == NULL)
		goto out;
	f->d = f->buf;
	f->nd = strlen(f->d);
	f->dp = (int64_t)f->nd + (e < 0 ? e : 0);
	if (f->nd == 1 && f->d[0] == '0')
		f->nd = 0;
	fdec_trim(f);
	ok = true;
out:
	BN_free(n);
	BN_free(p);
	return ok;
}

static char
fdec_at(const struct fdec *f, int64_t i)
{
	return i >= 0 && i < (int64_t)f->nd ? f->d[i] : '0';
}

static void
fdec_round_up(struct fdec *f, size_t n)
{
	if (n >= f->nd)
		return;
	while (n > 0 && f->d[n - 1] >= '9')
		n--;
	if (n == 0) {
		f->d[0] = '1';
		f->nd = 1;
		f->dp++;
		return;
	}
	f->d[n - 1]++;
	f->nd = n;
}

static void
fdec_round_down(struct fdec *f, size_t n)
{
	if (n >= f->nd)
		return;
	f->nd = n;
	fdec_trim(f);
}

static void
fdec_round(struct fdec *f, size_t n)
{
	bool up;

	if (n >= f->nd)
		return;
	if (f->d[n] == '5' && n + 1 == f->nd)
		up = n > 0 && ((f->d[n - 1] - '0') & 1) != 0;
	else
		up = f->d[n] >= '5';
	if (up)
		fdec_round_up(f, n);
	else
		fdec_round_down(f, n);
}

/* Go's roundShortest: the fewest digits that read back to x at 64 bits. */
static void
fdec_shortest(struct fdec *f, const struct fdec *lower, const struct fdec *upper, bool inclusive)
{
	size_t i;

	for (i = 0; i < f->nd; i++) {
		char m = f->d[i], l = fdec_at(lower, (int64_t)i), u = fdec_at(upper, (int64_t)i);
		bool okdown = l != m || (inclusive && i + 1 == lower->nd);
		bool okup = m != u && (inclusive || m + 1 < u || i + 1 < upper->nd);

		if (okdown && okup) {
			fdec_round(f, i + 1);
			return;
		}
		if (okdown) {
			fdec_round_down(f, i + 1);
			return;
		}
		if (okup) {
			fdec_round_up(f, i + 1);
			return;
		}
	}
}

/* %e layout of Go: d.ddde±XX with at least two exponent digits. */
static writ_rc
fmt_e(struct writ_buf *b, const struct fdec *f, size_t prec)
{
	int64_t exp = f->nd > 0 ? f->dp - 1 : 0;
	size_t i;
	writ_rc rc;

	if ((rc = writ_buf_append(b, f->nd > 0 ? f->d : "0", 1)) != WRIT_OK)
		return rc;
	if (prec > 0) {
		if ((rc = writ_buf_append(b, ".", 1)) != WRIT_OK)
			return rc;
		for (i = 1; i <= prec; i++)
			if ((rc = writ_buf_append(b, i < f->nd ? &f->d[i] : "0", 1)) != WRIT_OK)
				return rc;
	}
	return writ_buf_appendf(b, "e%c%s%lld", exp < 0 ? '-' : '+',
	    (exp < 0 ? -exp : exp) < 10 ? "0" : "", (long long)(exp < 0 ? -exp : exp));
}

/* %f layout of Go with prec fraction digits. */
static writ_rc
fmt_f(struct writ_buf *b, const struct fdec *f, int64_t prec)
{
	int64_t i;
	char c;
	writ_rc rc = WRIT_OK;

	if (f->dp > 0) {
		for (i = 0; i < f->dp && rc == WRIT_OK; i++) {
			c = fdec_at(f, i);
			rc = writ_buf_append(b, &c, 1);
		}
	} else {
		rc = writ_buf_append(b, "0", 1);
	}
	if (rc == WRIT_OK && prec > 0)
		rc = writ_buf_append(b, ".", 1);
	for (i = 0; i < prec && rc == WRIT_OK; i++) {
		c = fdec_at(f, f->dp + i);
		rc = writ_buf_append(b, &c, 1);
	}
	return rc;
}

/* Go's 'g' (integral == false) or 'f' (integral) with shortest digits. */
static writ_rc
fmt_shortest(struct writ_buf *b, bool neg, const struct fdec *f, bool integral)
{
	int64_t exp = f->dp - 1, nd = (int64_t)f->nd;
	writ_rc rc = WRIT_OK;

	if (neg)
		rc = writ_buf_append(b, "-", 1);
	if (rc != WRIT_OK)
		return rc;
	if (integral)
		return fmt_f(b, f, nd - f->dp > 0 ? nd - f->dp : 0);
	if (exp < -4 || exp >= 6)
		return fmt_e(b, f, f->nd > 0 ? f->nd - 1 : 0);
	return fmt_f(b, f, nd - f->dp > 0 ? nd - f->dp : 0);
}

/* Append x in Go's shortest form: 'f' when integral, 'g' otherwise. */
static writ_rc
sf_format(struct writ_buf *b, const struct sf *x)
{
	struct fdec f = {0}, lo = {0}, hi = {0};
	BN_CTX *ctx = NULL;
	BIGNUM *m = NULL, *m2 = NULL;
	writ_rc rc = WRIT_ENOMEM;

	if (x->zero)
		return writ_buf_appends(b, x->neg ? "-0" : "0");
	if ((ctx = BN_CTX_new()) == NULL || (m = BN_new()) == NULL || (m2 = BN_new()) == NULL ||
	    !BN_set_word(m, (BN_ULONG)x->m) || !fdec_init(&f, m, x->e, ctx))
		goto out;
	/* Bounds x -/+ half an ulp: (2m -/+ 1) * 2^(e-1). */
	if (!BN_lshift1(m2, m) || !BN_sub_word(m2, 1) || !fdec_init(&lo, m2, x->e - 1, ctx) ||
	    !BN_add_word(m2, 2) || !fdec_init(&hi, m2, x->e - 1, ctx))
		goto out;
	fdec_shortest(&f, &lo, &hi, (x->m & 1) == 0);
	rc = fmt_shortest(b, x->neg, &f, sf_is_int(x));
out:
	OPENSSL_free(f.buf);
	OPENSSL_free(lo.buf);
	OPENSSL_free(hi.buf);
	BN_free(m);
	BN_free(m2);
	BN_CTX_free(ctx);
	return rc;
}

static writ_rc
num_from_sf(
    struct writ_arena *ar, const struct sf *x, const struct rego_val **out, struct writ_err *err)
{
	struct writ_buf b;
	writ_rc rc;

	if (!x->zero && (x->e > SF_MAX_EXP2 || x->e < -SF_MAX_EXP2))
		return WRIT_ERR(err, WRIT_ELIMIT, "number result out of range");
	writ_buf_init(&b, REGO_NUM_MAX_LEN + 1);
	rc = sf_format(&b, x);
	if (rc == WRIT_ETOOBIG)
		rc = WRIT_ERR(
		    err, WRIT_ELIMIT, "number result longer than %d characters", REGO_NUM_MAX_LEN);
	else if (rc != WRIT_OK)
		rc = WRIT_ERR(err, rc, "rego: out of memory");
	else
		rc = make_number(ar, b.ptr, b.len, out, err);
	writ_buf_free(&b);
	return rc;
}

writ_rc
rego_num_from_double(
    struct writ_arena *ar, double d, const struct rego_val **out, struct writ_err *err)
{
	char digits[40], text[48];
	struct fdec f = {0};
	struct writ_buf b;
	int prec, n, x;
	writ_rc rc;
	const char *e, *p;

	if (!isfinite(d))
		return WRIT_ERR(err, WRIT_EINVAL, "number is not finite");
	if (d == 0)
		return make_number(ar, signbit(d) ? "-0" : "0", signbit(d) ? 2 : 1, out, err);
	/* Shortest %e precision that reads back to d, as strconv does. */
	for (prec = 0; prec < 17; prec++) {
		snprintf(text, sizeof(text), "%.*e", prec, d);
		if (strtod(text, NULL) == d)
			break;
	}
	/* text is [-]d[.ddd]e±XX: collect the digits and the exponent. */
	for (n = 0, e = text + (d < 0); *e != 'e'; e++)
		if (*e != '.')
			digits[n++] = *e;
	f.d = digits;
	f.nd = (size_t)n;
	for (x = 0, p = e + 2; *p != '\0'; p++)
		x = x * 10 + (*p - '0');
	f.dp = 1 + (e[1] == '-' ? -x : x);
	fdec_trim(&f);
	writ_buf_init(&b, 0);
	rc = fmt_shortest(&b, d < 0, &f, false);
	if (rc == WRIT_OK)
		rc = make_number(ar, b.ptr, b.len, out, err);
	else
		rc = WRIT_ERR(err, rc, "rego: out of memory");
	writ_buf_free(&b);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Arithmetic.
 */

/* Exact integer operation on BIGNUMs; r may alias neither a nor b. */
static writ_rc
bn_binop(struct writ_arena *ar, enum binop op, const BIGNUM *x, const BIGNUM *y,
    const struct rego_val **out, struct writ_err *err)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *r = BN_new();
	bool ok = ctx != NULL && r != NULL;
	writ_rc rc;

	if (ok && op == OP_ADD)
		ok = BN_add(r, x, y);
	else if (ok && op == OP_SUB)
		ok = BN_sub(r, x, y);
	else if (ok)
		ok = BN_mul(r, x, y, ctx);
	rc = ok ? num_from_bn(ar, r, out, err) : WRIT_ERR(err, WRIT_ENOMEM, "rego: out of memory");
	BN_free(r);
	BN_CTX_free(ctx);
	return rc;
}

/* Operands as sfs, and as BIGNUMs when both are integral. */
static writ_rc
operands(const struct rego_val *a, const struct rego_val *b, struct sf *x, struct sf *y, BIGNUM *bx,
    BIGNUM *by, bool *ints, struct writ_err *err)
{
	writ_rc rc;

	if ((rc = sf_from_val(x, a)) != WRIT_OK || (rc = sf_from_val(y, b)) != WRIT_OK)
		return WRIT_ERR(err, rc, "rego: out of memory");
	*ints = sf_is_int(x) && sf_is_int(y);
	if (*ints && (!sf_trunc_bn(bx, x) || !sf_trunc_bn(by, y)))
		return WRIT_ERR(err, WRIT_ENOMEM, "rego: out of memory");
	return WRIT_OK;
}

static writ_rc
num_binop(struct writ_arena *ar, enum binop op, const struct rego_val *a, const struct rego_val *b,
    const struct rego_val **out, struct writ_err *err)
{
	BIGNUM *bx = NULL, *by = NULL;
	struct sf x, y, r;
	int64_t i = 0;
	bool ok = false, ints;
	writ_rc rc;

	assert(a->type == REGO_NUMBER && b->type == REGO_NUMBER);
	if ((a->flags & b->flags & REGO_NUM_I64) != 0) {
		if (op == OP_ADD)
			ok = !__builtin_add_overflow(a->u.num.i, b->u.num.i, &i);
		else if (op == OP_SUB)
			ok = !__builtin_sub_overflow(a->u.num.i, b->u.num.i, &i);
		else
			ok = !__builtin_mul_overflow(a->u.num.i, b->u.num.i, &i);
		if (ok)
			return rego_int(ar, i, out, err);
	}
	if ((bx = BN_new()) == NULL || (by = BN_new()) == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "rego: out of memory");
		goto out;
	}
	if ((rc = operands(a, b, &x, &y, bx, by, &ints, err)) != WRIT_OK)
		goto out;
	if (ints) {
		rc = bn_binop(ar, op, bx, by, out, err);
		goto out;
	}
	if (op == OP_MUL)
		sf_mul(&r, &x, &y);
	else
		sf_add(&r, &x, &y, op == OP_SUB);
	rc = num_from_sf(ar, &r, out, err);
out:
	BN_free(bx);
	BN_free(by);
	return rc;
}

writ_rc
rego_num_add(struct writ_arena *ar, const struct rego_val *a, const struct rego_val *b,
    const struct rego_val **out, struct writ_err *err)
{
	return num_binop(ar, OP_ADD, a, b, out, err);
}

writ_rc
rego_num_sub(struct writ_arena *ar, const struct rego_val *a, const struct rego_val *b,
    const struct rego_val **out, struct writ_err *err)
{
	return num_binop(ar, OP_SUB, a, b, out, err);
}

writ_rc
rego_num_mul(struct writ_arena *ar, const struct rego_val *a, const struct rego_val *b,
    const struct rego_val **out, struct writ_err *err)
{
	return num_binop(ar, OP_MUL, a, b, out, err);
}

writ_rc
rego_num_div(struct writ_arena *ar, const struct rego_val *a, const struct rego_val *b,
    const struct rego_val **out, struct writ_err *err)
{
	struct sf x, y, r;
	int64_t i, j;
	writ_rc rc;

	assert(a->type == REGO_NUMBER && b->type == REGO_NUMBER);
	if ((a->flags & b->flags & REGO_NUM_I64) != 0) {
		i = a->u.num.i;
		j = b->u.num.i;
		if (j == 0)
			return WRIT_ERR(err, WRIT_EINVAL, "divide by zero");
		if (i != 0 && !(i == INT64_MIN && j == -1) && i % j == 0)
			return rego_int(ar, i / j, out, err);
	}
	if ((rc = sf_from_val(&x, a)) != WRIT_OK || (rc = sf_from_val(&y, b)) != WRIT_OK)
		return WRIT_ERR(err, rc, "rego: out of memory");
	if (y.zero)
		return WRIT_ERR(err, WRIT_EINVAL, "divide by zero");
	sf_quo(&r, &x, &y);
	return num_from_sf(ar, &r, out, err);
}

writ_rc
rego_num_rem(struct writ_arena *ar, const struct rego_val *a, const struct rego_val *b,
    const struct rego_val **out, struct writ_err *err)
{
	BN_CTX *ctx = NULL;
	BIGNUM *bx = NULL, *by = NULL, *r = NULL;
	struct sf x, y;
	bool ints;
	writ_rc rc;

	assert(a->type == REGO_NUMBER && b->type == REGO_NUMBER);
	if ((a->flags & b->flags & REGO_NUM_I64) != 0) {
		if (b->u.num.i == 0)
			return WRIT_ERR(err, WRIT_EINVAL, "modulo by zero");
		if (b->u.num.i == -1)
			return rego_int(ar, 0, out, err);
		return rego_int(ar, a->u.num.i % b->u.num.i, out, err);
	}
	if ((bx = BN_new()) == NULL || (by = BN_new()) == NULL || (r = BN_new()) == NULL ||
	    (ctx = BN_CTX_new()) == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "rego: out of memory");
		goto out;
	}
	if ((rc = operands(a, b, &x, &y, bx, by, &ints, err)) != WRIT_OK)
		goto out;
	if (!ints)
		rc = WRIT_ERR(err, WRIT_EINVAL, "modulo on floating-point number");
	else if (BN_is_zero(by))
		rc = WRIT_ERR(err, WRIT_EINVAL, "modulo by zero");
	else if (!BN_div(NULL, r, bx, by, ctx))
		rc = WRIT_ERR(err, WRIT_ENOMEM, "rego: out of memory");
	else
		rc = num_from_bn(ar, r, out, err);
out:
	BN_free(bx);
	BN_free(by);
	BN_free(r);
	BN_CTX_free(ctx);
	return rc;
}

/* -a exactly, by flipping the sign of the text. */
static writ_rc
num_neg(struct writ_arena *ar, const struct rego_val *a, const struct rego_val **out,
    struct writ_err *err)
{
	char buf[REGO_NUM_MAX_LEN + 2];

	if ((a->flags & REGO_NUM_I64) && a->u.num.i != INT64_MIN && a->u.num.text == NULL)
		return rego_int(ar, -a->u.num.i, out, err);
	if (a->u.num.text == NULL)
		return make_number(ar, "9223372036854775808", 19, out, err);
	if (a->u.num.text[0] == '-')
		return make_number(ar, a->u.num.text + 1, a->len - 1, out, err);
	if (a->len + 1 > REGO_NUM_MAX_LEN)
		return WRIT_ERR(
		    err, WRIT_ELIMIT, "number longer than %d characters", REGO_NUM_MAX_LEN);
	buf[0] = '-';
	memcpy(buf + 1, a->u.num.text, a->len);
	return make_number(ar, buf, a->len + 1, out, err);
}

/* round, ceil or floor of a non-int64 number; the result is an exact integer. */
static writ_rc
num_to_int(struct writ_arena *ar, enum rego_num_unop op, const struct sf *x,
    const struct rego_val **out, struct writ_err *err)
{
	static const struct sf half = {.m = (uint64_t)1 << 63, .e = -64};
	BIGNUM *t = BN_new();
	struct sf r = *x;
	bool ok = t != NULL;
	writ_rc rc;

	if (op == REGO_NUM_ROUND)
		sf_add(&r, x, &half, x->neg);
	ok = ok && sf_trunc_bn(t, &r);
	if (ok && !sf_is_int(x) && op == REGO_NUM_FLOOR && x->neg)
		ok = BN_sub_word(t, 1);
	if (ok && !sf_is_int(x) && op == REGO_NUM_CEIL && !x->neg)
		ok = BN_add_word(t, 1);
	rc = ok ? num_from_bn(ar, t, out, err) : WRIT_ERR(err, WRIT_ENOMEM, "rego: out of memory");
	BN_free(t);
	return rc;
}

writ_rc
rego_num_unary(struct writ_arena *ar, enum rego_num_unop op, const struct rego_val *a,
    const struct rego_val **out, struct writ_err *err)
{
	struct sf x;
	int64_t i = a->u.num.i;
	writ_rc rc;

	assert(a->type == REGO_NUMBER);
	if (op == REGO_NUM_NEG)
		return num_neg(ar, a, out, err);
	if ((a->flags & REGO_NUM_I64) && i != INT64_MIN) {
		if (op == REGO_NUM_ABS && i < 0)
			return rego_int(ar, -i, out, err);
		if (a->u.num.text == NULL) {
			*out = a;
			return WRIT_OK;
		}
		return rego_int(ar, op == REGO_NUM_ABS && i < 0 ? -i : i, out, err);
	}
	if ((rc = sf_from_val(&x, a)) != WRIT_OK)
		return WRIT_ERR(err, rc, "rego: out of memory");
	if (op == REGO_NUM_ABS) {
		x.neg = false;
		return num_from_sf(ar, &x, out, err);
	}
	return num_to_int(ar, op, &x, out, err);
}
