/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sprintf(format, values) as OPA calls Go's fmt.Sprintf: integral numbers
 * within int64 are Go ints, larger integers *big.Int, other numbers float64
 * (or their text when beyond float64), strings Go strings, and every other
 * value the string of its Rego syntax (so %v of a set prints {1, 2}).  Verbs
 * a type does not support print Go's "%!d(string=hi)" forms; missing and
 * extra operands "%!d(MISSING)" and "%!(EXTRA ...)".  Widths and precisions
 * beyond Go's 1e6 print "%!(BADWIDTH)" / "%!(BADPREC)".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/builtins/core_int.h"
#include "rego/builtins/families_core.h"

#define MAX_WIDTH 1000000 /* Go's fmt limit */

enum akind { A_INT, A_BIG, A_FLOAT, A_STR };

/* One operand converted as OPA converts it for Go. */
struct arg {
	enum akind kind;
	int64_t i;
	double f;
	const char *s; /* A_STR bytes, A_BIG decimal digits with optional '-' */
	size_t len;
};

/* The parsed directive. */
struct spec {
	bool minus, plus, space, zero, sharp;
	long width, prec; /* -1: absent */
	char verb;
};

static const char *const kind_name[] = {"int", "*big.Int", "float64", "string"};

/* ---------------------------------------------------------------------------
 * Padding and numbers.
 */

static writ_rc
pad(struct writ_buf *b, const struct spec *sp, const char *s, size_t len, size_t runes)
{
	writ_rc rc = WRIT_OK;
	size_t fill = sp->width > 0 && (size_t)sp->width > runes ? (size_t)sp->width - runes : 0;
	char ch = sp->zero && !sp->minus ? '0' : ' ';
	size_t i, signlen = 0;

	if (ch == '0' && len > 0 && strchr("+- ", s[0]) != NULL && sp->verb != 's' &&
	    sp->verb != 'q' && sp->verb != 'v')
		signlen = 1;
	else if (ch == '0' && len > 0 && strchr("+- ", s[0]) != NULL && sp->verb == 'v')
		signlen = 1;
	if (!sp->minus && (rc = writ_buf_append(b, s, signlen)) != WRIT_OK)
		return rc;
	for (i = 0; !sp->minus && i < fill && rc == WRIT_OK; i++)
		rc = writ_buf_append(b, &ch, 1);
	if (rc == WRIT_OK)
		rc = sp->minus ? writ_buf_append(b, s, len)
			       : writ_buf_append(b, s + signlen, len - signlen);
	for (i = 0; sp->minus && i < fill && rc == WRIT_OK; i++)
		rc = writ_buf_append(b, " ", 1);
	return rc;
}

/* Digits of the magnitude (decimal text dec) in base 2, 8 or 16 into out (reversed order fixed). */
static writ_rc
big_base(const char *dec, size_t len, unsigned base, bool upper, struct writ_buf *out)
{
	unsigned char *d = writ_malloc(len ? len : 1);
	char *tmp;
	size_t n = len, i, k = 0, cap = len * 4 + 2;
	writ_rc rc = WRIT_OK;

	tmp = writ_malloc(cap);
	if (d == NULL || tmp == NULL) {
		writ_free(d);
		writ_free(tmp);
		return WRIT_ENOMEM;
	}
	for (i = 0; i < len; i++)
		d[i] = (unsigned char)(dec[i] - '0');
	while (n > 0 && k < cap) {
		unsigned rem = 0;
		size_t j, m = 0;

		for (j = 0; j < n; j++) {
			unsigned cur = rem * 10 + d[j];

			d[j] = (unsigned char)(cur / base);
			rem = cur % base;
		}
		tmp[k++] = (upper ? "0123456789ABCDEF" : "0123456789abcdef")[rem];
		while (m < n && d[m] == 0)
			m++;
		memmove(d, d + m, n - m);
		n -= m;
	}
	while (k > 0 && rc == WRIT_OK)
		rc = writ_buf_append(out, &tmp[--k], 1);
	writ_free(d);
	writ_free(tmp);
	return rc;
}

/* An integer (int64 or big) with verb d, b, o, O, x, X, v, s (big only for s). */
static writ_rc
fmt_integer(struct writ_buf *b, const struct spec *sp, const struct arg *a)
{
	struct writ_buf t;
	char num[80];
	const char *mag;
	size_t maglen, i;
	bool neg;
	unsigned base = 10;
	writ_rc rc = WRIT_OK;

	if (a->kind == A_INT) {
		uint64_t u = a->i < 0 ? (uint64_t)0 - (uint64_t)a->i : (uint64_t)a->i;

		snprintf(num, sizeof(num), "%llu", (unsigned long long)u);
		mag = num;
		neg = a->i < 0;
	} else {
		neg = a->s[0] == '-';
		mag = a->s + neg;
	}
	maglen = strlen(mag);
	switch (sp->verb) {
	case 'b':
		base = 2;
		break;
	case 'o':
	case 'O':
		base = 8;
		break;
	case 'x':
	case 'X':
		base = 16;
		break;
	default:
		break;
	}
	writ_buf_init(&t, CORE_MAX_STR);
	if (neg)
		rc = writ_buf_append(&t, "-", 1);
	else if (sp->plus)
		rc = writ_buf_append(&t, "+", 1);
	else if (sp->space)
		rc = writ_buf_append(&t, " ", 1);
	if (rc == WRIT_OK && sp->verb == 'O')
		rc = writ_buf_append(&t, "0o", 2);
	else if (rc == WRIT_OK && sp->sharp && base != 10)
		rc = writ_buf_appends(&t, base == 2 ? "0b" : base == 8 ? "0" : sp->verb == 'X' ? "0X" : "0x");
	if (rc == WRIT_OK) {
		struct writ_buf digits;

		writ_buf_init(&digits, CORE_MAX_STR);
		rc = base == 10 ? writ_buf_append(&digits, mag, maglen)
				: big_base(mag, maglen, base, sp->verb == 'X', &digits);
		if (rc == WRIT_OK && digits.len == 0)
			rc = writ_buf_append(&digits, "0", 1);
		/* Precision: at least that many digits; zero with precision 0 prints nothing. */
		for (i = digits.len; rc == WRIT_OK && sp->prec >= 0 && i < (size_t)sp->prec; i++)
			rc = writ_buf_append(&t, "0", 1);
		if (rc == WRIT_OK && !(sp->prec == 0 && digits.len == 1 && digits.ptr[0] == '0'))
			rc = writ_buf_append(&t, digits.ptr, digits.len);
		writ_buf_free(&digits);
	}
	if (rc == WRIT_OK) {
		struct spec s2 = *sp;

		if (sp->prec >= 0)
			s2.zero = false;
		rc = pad(b, &s2, t.ptr, t.len, t.len);
	}
	writ_buf_free(&t);
	return rc;
}

/* Go's strconv.FormatFloat(f, 'g', -1, 64) and 'e' with shortest digits. */
static void
shortest(double f, char *out, size_t len, char verb)
{
	char tmp[64], digits[32];
	int p, exp, nd = 0, i;
	const char *q;
	bool neg = f < 0;

	for (p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	/* tmp = [-]d.ddde[+-]xx */
	for (q = tmp + neg; *q != 'e'; q++)
		if (*q != '.')
			digits[nd++] = *q;
	digits[nd] = '\0';
	exp = (int)strtod(q + 1, NULL);
	while (nd > 1 && digits[nd - 1] == '0')
		digits[--nd] = '\0';
	if (verb == 'e' || verb == 'E' || exp < -4 || exp >= 6) {
		char *o = out;
		size_t room = len;
		int w = snprintf(o, room, "%s%c", neg ? "-" : "", digits[0]);

		if (nd > 1)
			w += snprintf(o + w, room - (size_t)w, ".%s", digits + 1);
		snprintf(o + w, room - (size_t)w, "%c%c%02d", verb == 'E' || verb == 'G' ? 'E' : 'e',
		    exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
		return;
	}
	if (exp < 0) {
		int w = snprintf(out, len, "%s0.", neg ? "-" : "");

		for (i = 0; i < -exp - 1; i++)
			w += snprintf(out + w, len - (size_t)w, "0");
		snprintf(out + w, len - (size_t)w, "%s", digits);
		return;
	}
	{
		int w = snprintf(out, len, "%s", neg ? "-" : "");

		for (i = 0; i <= exp || i < nd; i++) {
			if (i == exp + 1)
				w += snprintf(out + w, len - (size_t)w, ".");
			w += snprintf(out + w, len - (size_t)w, "%c", i < nd ? digits[i] : '0');
		}
	}
}

/* C's %e, %f and %g with a precision match Go's for finite doubles. */
static void
c_float(char *out, size_t len, char verb, bool sharp, int prec, double f)
{
	switch (verb) {
	case 'e':
		snprintf(out, len, sharp ? "%#.*e" : "%.*e", prec, f);
		break;
	case 'E':
		snprintf(out, len, sharp ? "%#.*E" : "%.*E", prec, f);
		break;
	case 'g':
		snprintf(out, len, sharp ? "%#.*g" : "%.*g", prec, f);
		break;
	case 'G':
		snprintf(out, len, sharp ? "%#.*G" : "%.*G", prec, f);
		break;
	default:
		snprintf(out, len, sharp ? "%#.*f" : "%.*f", prec, f);
		break;
	}
}

static writ_rc
fmt_float(struct writ_buf *b, const struct spec *sp, double f)
{
	char num[400], *s = num + 1;
	char verb = sp->verb == 'v' ? 'g' : sp->verb;

	/* Rego numbers are finite: no NaN or Inf reaches here. */
	if ((verb == 'g' || verb == 'G') && sp->prec < 0)
		shortest(f, s, sizeof(num) - 1, verb);
	else
		c_float(s, sizeof(num) - 1, verb, sp->sharp, sp->prec < 0 ? 6 : (int)sp->prec, f);
	if (s[0] != '-' && (sp->plus || sp->space)) {
		num[0] = sp->plus ? '+' : ' ';
		s = num;
	}
	return pad(b, sp, s, strlen(s), strlen(s));
}

static writ_rc
fmt_string(struct writ_buf *b, const struct spec *sp, const char *s, size_t len)
{
	struct writ_buf t;
	size_t i, n = len;
	uint32_t r;
	writ_rc rc = WRIT_OK;

	if (sp->prec >= 0) {
		/* Precision truncates to that many runes. */
		long k = sp->prec;

		for (n = 0; n < len && k > 0; k--)
			n += core_utf8_decode(s + n, len - n, &r);
	}
	writ_buf_init(&t, CORE_MAX_STR);
	if (sp->verb == 'q') {
		rc = rego_quote(&t, s, n);
	} else if (sp->verb == 'x' || sp->verb == 'X') {
		for (i = 0; i < n && rc == WRIT_OK; i++) {
			char hx[4];

			if (sp->space && i > 0)
				rc = writ_buf_append(&t, " ", 1);
			snprintf(hx, sizeof(hx), sp->verb == 'x' ? "%02x" : "%02X", (unsigned char)s[i]);
			if (rc == WRIT_OK)
				rc = writ_buf_append(&t, hx, 2);
		}
	} else {
		rc = writ_buf_append(&t, s, n);
	}
	if (rc == WRIT_OK)
		rc = pad(b, sp, t.ptr != NULL ? t.ptr : "", t.len,
		    t.ptr != NULL ? core_utf8_count(t.ptr, t.len) : 0);
	writ_buf_free(&t);
	return rc;
}

/* %!v(type=value) for a verb the operand's type does not take. */
static writ_rc
bad_verb(struct writ_buf *b, char verb, const struct arg *a)
{
	struct spec v = {.width = -1, .prec = -1, .verb = 'v'};
	writ_rc rc = writ_buf_appendf(b, "%%!%c(%s=", verb, kind_name[a->kind]);

	if (rc == WRIT_OK)
		rc = a->kind == A_FLOAT ? fmt_float(b, &v, a->f)
		    : a->kind == A_STR  ? writ_buf_append(b, a->s, a->len)
					: fmt_integer(b, &v, a);
	return rc == WRIT_OK ? writ_buf_append(b, ")", 1) : rc;
}

static writ_rc
fmt_arg(struct writ_buf *b, const struct spec *sp, const struct arg *a)
{
	char v = sp->verb;

	switch (a->kind) {
	case A_INT:
		if (v == 'c' || v == 'U' || (v == 'q' && a->i >= 0)) {
			struct writ_buf t;
			writ_rc rc;

			writ_buf_init(&t, 64);
			if (v == 'U')
				rc = writ_buf_appendf(&t, "U+%04llX", (unsigned long long)a->i);
			else if (v == 'c')
				rc = core_utf8_append(&t, a->i > 0x10ffff ? 0xfffd : (uint32_t)a->i);
			else
				rc = writ_buf_appendf(&t, "'%c'", (char)a->i);
			if (rc == WRIT_OK)
				rc = pad(b, sp, t.ptr, t.len, core_utf8_count(t.ptr, t.len));
			writ_buf_free(&t);
			return rc;
		}
		/* fallthrough */
	case A_BIG:
		if (strchr("dboOxXv", v) != NULL || (a->kind == A_BIG && v == 's'))
			return fmt_integer(b, sp, a);
		return bad_verb(b, v, a);
	case A_FLOAT:
		if (strchr("eEfFgGv", v) != NULL)
			return fmt_float(b, sp, a->f);
		return bad_verb(b, v, a);
	default:
		if (strchr("sqvxX", v) != NULL)
			return fmt_string(b, sp, a->s, a->len);
		return bad_verb(b, v, a);
	}
}

/* ---------------------------------------------------------------------------
 * Operands and the format loop.
 */

static enum rego_bres
convert(struct rego_bctx *c, const struct rego_val *v, struct arg *a)
{
	struct writ_buf t;
	struct writ_err err;
	writ_rc rc;

	memset(a, 0, sizeof(*a));
	if (v->type == REGO_NUMBER && rego_num_i64(v, &a->i)) {
		a->kind = A_INT;
		return REGO_B_OK;
	}
	if (v->type == REGO_STRING) {
		a->kind = A_STR;
		a->s = v->u.s;
		a->len = v->len;
		return REGO_B_OK;
	}
	writ_buf_init(&t, CORE_MAX_STR);
	if (v->type == REGO_NUMBER && rego_num_is_int(v)) {
		a->kind = A_BIG;
		rc = rego_num_append(&t, v);
	} else if (v->type == REGO_NUMBER && rego_num_double(v, &a->f)) {
		a->kind = A_FLOAT;
		writ_buf_free(&t);
		return REGO_B_OK;
	} else if (v->type == REGO_NUMBER) {
		a->kind = A_STR;
		rc = rego_num_append(&t, v);
	} else {
		a->kind = A_STR;
		rc = rego_print(&t, v, &err);
	}
	if (rc == WRIT_OK && a->kind == A_BIG && (memchr(t.ptr, '.', t.len) != NULL ||
						     memchr(t.ptr, 'e', t.len) != NULL ||
						     memchr(t.ptr, 'E', t.len) != NULL)) {
		/* An integral number written with a fraction or exponent: as float if it fits. */
		if (rego_num_double(v, &a->f)) {
			a->kind = A_FLOAT;
			writ_buf_free(&t);
			return REGO_B_OK;
		}
		a->kind = A_STR;
	}
	if (rc != WRIT_OK) {
		writ_buf_free(&t);
		return core_buf_err(c, rc);
	}
	a->s = writ_arena_strndup(c->arena, t.ptr != NULL ? t.ptr : "", t.len);
	a->len = t.len;
	writ_buf_free(&t);
	return a->s != NULL ? REGO_B_OK : rego_berr(c, "out of memory");
}

/* A decimal number at *p (at most 7 digits kept; more means too large). */
static long
parse_num(const char *f, size_t len, size_t *i)
{
	long n = 0;

	while (*i < len && f[*i] >= '0' && f[*i] <= '9') {
		if (n <= MAX_WIDTH)
			n = n * 10 + (f[*i] - '0');
		(*i)++;
	}
	return n;
}

/* Parse flags, width and precision after '%'; '*' takes operands. */
static void
parse_spec(const char *f, size_t len, size_t *i, struct spec *sp, const struct arg *args,
    size_t nargs, size_t *argi, bool *badw, bool *badp)
{
	memset(sp, 0, sizeof(*sp));
	sp->width = sp->prec = -1;
	for (; *i < len; (*i)++) {
		char ch = f[*i];

		if (ch == '-')
			sp->minus = true;
		else if (ch == '+')
			sp->plus = true;
		else if (ch == ' ')
			sp->space = true;
		else if (ch == '0')
			sp->zero = true;
		else if (ch == '#')
			sp->sharp = true;
		else
			break;
	}
	if (*i < len && f[*i] == '*') {
		(*i)++;
		if (*argi < nargs && args[*argi].kind == A_INT) {
			sp->width = (long)args[(*argi)++].i;
			if (sp->width < 0) {
				sp->minus = true;
				sp->width = -sp->width;
			}
		} else {
			*badw = true;
			(*argi)++;
		}
	} else if (*i < len && f[*i] >= '0' && f[*i] <= '9') {
		sp->width = parse_num(f, len, i);
	}
	if (*i < len && f[*i] == '.') {
		(*i)++;
		if (*i < len && f[*i] == '*') {
			(*i)++;
			if (*argi < nargs && args[*argi].kind == A_INT && args[*argi].i >= 0)
				sp->prec = (long)args[(*argi)++].i;
			else {
				*badp = true;
				(*argi)++;
			}
		} else {
			sp->prec = parse_num(f, len, i);
		}
	}
	if (sp->width > MAX_WIDTH)
		*badw = true;
	if (sp->prec > MAX_WIDTH)
		*badp = true;
	if (sp->minus)
		sp->zero = false;
}

static writ_rc
format(const char *f, size_t len, const struct arg *args, size_t nargs, struct writ_buf *b)
{
	size_t i = 0, argi = 0, start;
	writ_rc rc = WRIT_OK;
	uint32_t r;

	while (i < len && rc == WRIT_OK) {
		struct spec sp;
		bool badw = false, badp = false;

		start = i;
		while (i < len && f[i] != '%')
			i++;
		if ((rc = writ_buf_append(b, f + start, i - start)) != WRIT_OK || i >= len)
			break;
		i++;
		parse_spec(f, len, &i, &sp, args, nargs, &argi, &badw, &badp);
		if (i >= len) {
			rc = writ_buf_appends(b, "%!(NOVERB)");
			break;
		}
		i += core_utf8_decode(f + i, len - i, &r);
		sp.verb = r < 0x80 ? (char)r : '?';
		if (r == '%') {
			rc = writ_buf_append(b, "%", 1);
			continue;
		}
		if (badw || badp) {
			rc = writ_buf_appends(b, badw ? "%!(BADWIDTH)" : "%!(BADPREC)");
			continue;
		}
		if (argi >= nargs) {
			rc = writ_buf_appendf(b, "%%!%c(MISSING)", sp.verb);
			continue;
		}
		rc = fmt_arg(b, &sp, &args[argi++]);
	}
	if (rc == WRIT_OK && argi < nargs) {
		rc = writ_buf_appends(b, "%!(EXTRA ");
		for (; argi < nargs && rc == WRIT_OK; argi++) {
			struct spec v = {.width = -1, .prec = -1, .verb = 'v'};

			rc = writ_buf_appendf(b, "%s=", kind_name[args[argi].kind]);
			if (rc == WRIT_OK)
				rc = fmt_arg(b, &v, &args[argi]);
			if (rc == WRIT_OK && argi + 1 < nargs)
				rc = writ_buf_appends(b, ", ");
		}
		if (rc == WRIT_OK)
			rc = writ_buf_append(b, ")", 1);
	}
	return rc;
}

static enum rego_bres
bi_sprintf(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *f = args[0], *a = args[1];
	struct writ_buf b;
	struct arg *conv;
	enum rego_bres r;
	size_t i;
	writ_rc rc;

	if (f->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", f);
	if (a->type != REGO_ARRAY)
		return rego_berr_operand(c, 2, "array", a);
	if ((conv = writ_arena_calloc(c->arena, a->len + 1, sizeof(*conv))) == NULL)
		return rego_berr(c, "out of memory");
	for (i = 0; i < a->len; i++)
		if ((r = convert(c, a->u.elems[i], &conv[i])) != REGO_B_OK)
			return r;
	core_buf_init(&b);
	if ((rc = format(f->u.s, f->len, conv, a->len, &b)) != WRIT_OK) {
		writ_buf_free(&b);
		return core_buf_err(c, rc);
	}
	return core_buf_str(c, &b, out);
}

static const struct rego_builtin builtins[] = {
	{"sprintf", 2, bi_sprintf, 0},
};

const struct rego_builtin_family rego_family_sprintf = {"sprintf", builtins,
    WRIT_ARRAY_LEN(builtins)};
