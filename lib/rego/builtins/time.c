/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The time.* builtins with Go's semantics, as OPA's topdown/time.go has
 * them: timestamps are int64 nanoseconds since the Unix epoch; layouts are
 * Go reference layouts ("2006-01-02T15:04:05Z07:00") or the names of Go's
 * layout constants (RFC3339, ANSIC, ...); durations use Go's syntax
 * ("1h30m", "100ms"); zones are IANA names read by tz.c.
 *
 * Instants are (seconds, nanoseconds) pairs so that the whole int64
 * nanosecond range and Go's year range fit without overflow; results
 * outside int64 nanoseconds are "time outside of valid range".
 *
 * test.sleep is here too, for the duration parser: it sleeps within the
 * evaluation's time limit (a sleep that would end past the deadline fails at
 * once with eval_cancel_error rather than holding the thread).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ext_int.h"
#include "families_ext.h"

/* Longest layout or value accepted (Go has no limit; these are far above real use). */
#define TIME_MAX_TEXT 4096

static const char *const month_names[] = {"January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December"};
static const char *const day_names[] = {
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

/* Go's named layouts that OPA accepts in place of a layout. */
static const struct {
	const char *name, *layout;
} named_layouts[] = {
    {"ANSIC", "Mon Jan _2 15:04:05 2006"},
    {"DateOnly", "2006-01-02"},
    {"DateTime", "2006-01-02 15:04:05"},
    {"Kitchen", "3:04PM"},
    {"RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"},
    {"RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"},
    {"RFC3339", "2006-01-02T15:04:05Z07:00"},
    {"RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00"},
    {"RFC822", "02 Jan 06 15:04 MST"},
    {"RFC822Z", "02 Jan 06 15:04 -0700"},
    {"RFC850", "Monday, 02-Jan-06 15:04:05 MST"},
    {"RubyDate", "Mon Jan 02 15:04:05 -0700 2006"},
    {"Stamp", "Jan _2 15:04:05"},
    {"StampMicro", "Jan _2 15:04:05.000000"},
    {"StampMilli", "Jan _2 15:04:05.000"},
    {"StampNano", "Jan _2 15:04:05.000000000"},
    {"TimeOnly", "15:04:05"},
    {"UnixDate", "Mon Jan _2 15:04:05 MST 2006"},
};

/* A broken-down time in some zone. */
struct civil {
	int64_t year;
	int month, day, hour, min, sec, wday, yday;
	int32_t nsec, off;
	const char *abbr;
};

/* ---------------------------------------------------------------------------
 * Calendar.
 */

static bool
leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int
days_in(int m, int64_t y)
{
	static const int mlen[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return mlen[m - 1] + (m == 2 && leap(y));
}

static int64_t
floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void
to_civil(int64_t sec, int32_t nsec, const struct ext_tz *z, struct civil *c)
{
	int64_t local, days, rem;

	c->off = ext_tz_offset(z, sec, &c->abbr);
	local = sec + c->off;
	days = floordiv(local, 86400);
	rem = local - days * 86400;
	civil_from_days(days, &c->year, &c->month, &c->day);
	c->hour = (int)(rem / 3600);
	c->min = (int)(rem / 60 % 60);
	c->sec = (int)(rem % 60);
	c->nsec = nsec;
	c->wday = (int)(((days + 4) % 7 + 7) % 7);
	c->yday = (int)(days - ext_days_from_civil(c->year, 1, 1)) + 1;
}

/*
 * Go's time.Date: normalise month, day, hour, minute, second and nanosecond
 * overflow, then find the instant for that wall time in zone z (the offset
 * in force just before, adjusted once, as Go does).  Years are clamped to
 * keep the arithmetic in int64 (far outside int64 nanoseconds anyway).
 */
static void
from_civil(int64_t y, int64_t mon, int64_t d, int64_t h, int64_t mi, int64_t s, int64_t ns,
    const struct ext_tz *z, int64_t *sec, int32_t *nsec)
{
	int64_t m0 = mon - 1, days, unix;
	int32_t off;

	y += floordiv(m0, 12);
	m0 -= floordiv(m0, 12) * 12;
	s += floordiv(ns, 1000000000);
	ns -= floordiv(ns, 1000000000) * 1000000000;
	if (y > 300000000)
		y = 300000000;
	if (y < -300000000)
		y = -300000000;
	days = ext_days_from_civil(y, (int)m0 + 1, 1) + (d - 1);
	unix = days * 86400 + h * 3600 + mi * 60 + s;
	off = ext_tz_offset(z, unix, NULL);
	if (ext_tz_offset(z, unix - off, NULL) == off)
		unix -= off;
	else
		unix -= ext_tz_offset(z, unix - off, NULL);
	*sec = unix;
	*nsec = (int32_t)ns;
}

/* sec/nsec as int64 nanoseconds; false outside the int64 range. */
static bool
to_ns(int64_t sec, int32_t nsec, int64_t *out)
{
	__extension__ __int128 v = (__int128)sec * 1000000000 + nsec;

	if (v > INT64_MAX || v < INT64_MIN)
		return false;
	*out = (int64_t)v;
	return true;
}

static void
from_ns(int64_t ns, int64_t *sec, int32_t *nsec)
{
	int64_t rem = ns % 1000000000;

	*sec = ns / 1000000000;
	if (rem < 0) {
		rem += 1000000000;
		(*sec)--;
	}
	*nsec = (int32_t)rem;
}

/* ---------------------------------------------------------------------------
 * Layouts: Go's nextStdChunk.
 */
enum std {
	STD_NONE = 0,
	STD_LONG_MONTH,
	STD_MONTH,
	STD_NUM_MONTH,
	STD_ZERO_MONTH,
	STD_LONG_WEEKDAY,
	STD_WEEKDAY,
	STD_DAY,
	STD_UNDER_DAY,
	STD_ZERO_DAY,
	STD_UNDER_YEARDAY,
	STD_ZERO_YEARDAY,
	STD_HOUR,
	STD_HOUR12,
	STD_ZERO_HOUR12,
	STD_MINUTE,
	STD_ZERO_MINUTE,
	STD_SECOND,
	STD_ZERO_SECOND,
	STD_LONG_YEAR,
	STD_YEAR,
	STD_PM,
	STD_pm,
	STD_TZ,
	STD_ISO_TZ,        /* Z0700 */
	STD_ISO_SECS_TZ,   /* Z070000 */
	STD_ISO_SHORT_TZ,  /* Z07 */
	STD_ISO_COLON_TZ,  /* Z07:00 */
	STD_ISO_COLSEC_TZ, /* Z07:00:00 */
	STD_NUM_TZ,        /* -0700 */
	STD_NUM_SECS_TZ,   /* -070000 */
	STD_NUM_SHORT_TZ,  /* -07 */
	STD_NUM_COLON_TZ,  /* -07:00 */
	STD_NUM_COLSEC_TZ, /* -07:00:00 */
	STD_FRAC0,         /* .000 */
	STD_FRAC9,         /* .999 */
};

struct chunk {
	size_t prefix; /* literal bytes before the element */
	enum std std;  /* STD_NONE: no element, the rest is literal */
	size_t len;    /* the element's bytes in the layout */
	int ndigits;   /* fractions */
	char sep;      /* fractions: '.' or ',' */
};

static bool
has(const char *l, size_t len, size_t i, const char *s)
{
	size_t n = strlen(s);

	return i + n <= len && memcmp(l + i, s, n) == 0;
}

static bool
lower_at(const char *l, size_t len, size_t i)
{
	return i < len && l[i] >= 'a' && l[i] <= 'z';
}

static bool
digit_at(const char *l, size_t len, size_t i)
{
	return i < len && l[i] >= '0' && l[i] <= '9';
}

/* The std element at i, or STD_NONE; *n gets its length. */
static enum std
std_at(const char *l, size_t len, size_t i, size_t *n, int *nd)
{
	static const struct {
		const char *s;
		enum std std;
	} tzs[] = {
	    {"Z07:00:00", STD_ISO_COLSEC_TZ},
	    {"Z070000", STD_ISO_SECS_TZ},
	    {"Z07:00", STD_ISO_COLON_TZ},
	    {"Z0700", STD_ISO_TZ},
	    {"Z07", STD_ISO_SHORT_TZ},
	    {"-07:00:00", STD_NUM_COLSEC_TZ},
	    {"-070000", STD_NUM_SECS_TZ},
	    {"-07:00", STD_NUM_COLON_TZ},
	    {"-0700", STD_NUM_TZ},
	    {"-07", STD_NUM_SHORT_TZ},
	};
	static const enum std zeros[] = {STD_ZERO_MONTH, STD_ZERO_DAY, STD_ZERO_HOUR12,
	    STD_ZERO_MINUTE, STD_ZERO_SECOND, STD_YEAR};
	size_t k;

	switch (l[i]) {
	case 'J':
		if (has(l, len, i, "January"))
			return *n = 7, STD_LONG_MONTH;
		if (has(l, len, i, "Jan") && !lower_at(l, len, i + 3))
			return *n = 3, STD_MONTH;
		break;
	case 'M':
		if (has(l, len, i, "Monday"))
			return *n = 6, STD_LONG_WEEKDAY;
		if (has(l, len, i, "Mon") && !lower_at(l, len, i + 3))
			return *n = 3, STD_WEEKDAY;
		if (has(l, len, i, "MST"))
			return *n = 3, STD_TZ;
		break;
	case '0':
		if (i + 1 < len && l[i + 1] >= '1' && l[i + 1] <= '6')
			return *n = 2, zeros[l[i + 1] - '1'];
		if (has(l, len, i, "002"))
			return *n = 3, STD_ZERO_YEARDAY;
		break;
	case '1':
		if (has(l, len, i, "15"))
			return *n = 2, STD_HOUR;
		return *n = 1, STD_NUM_MONTH;
	case '2':
		if (has(l, len, i, "2006"))
			return *n = 4, STD_LONG_YEAR;
		return *n = 1, STD_DAY;
	case '_':
		if (has(l, len, i, "_2") && !has(l, len, i, "_2006"))
			return *n = 2, STD_UNDER_DAY;
		if (has(l, len, i, "__2"))
			return *n = 3, STD_UNDER_YEARDAY;
		break;
	case '3':
		return *n = 1, STD_HOUR12;
	case '4':
		return *n = 1, STD_MINUTE;
	case '5':
		return *n = 1, STD_SECOND;
	case 'P':
		if (has(l, len, i, "PM"))
			return *n = 2, STD_PM;
		break;
	case 'p':
		if (has(l, len, i, "pm"))
			return *n = 2, STD_pm;
		break;
	case '-':
	case 'Z':
		for (k = 0; k < WRIT_ARRAY_LEN(tzs); k++)
			if (has(l, len, i, tzs[k].s))
				return *n = strlen(tzs[k].s), tzs[k].std;
		break;
	case '.':
	case ',':
		if (i + 1 < len && (l[i + 1] == '0' || l[i + 1] == '9')) {
			char ch = l[i + 1];
			size_t j = i + 1;

			while (j < len && l[j] == ch)
				j++;
			if (!digit_at(l, len, j)) {
				*nd = (int)(j - i - 1);
				*n = j - i;
				return ch == '0' ? STD_FRAC0 : STD_FRAC9;
			}
		}
		break;
	default:
		break;
	}
	return STD_NONE;
}

static void
next_chunk(const char *l, size_t len, struct chunk *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < len; i++) {
		size_t n = 0;
		int nd = 0;
		enum std s = std_at(l, len, i, &n, &nd);

		if (s != STD_NONE) {
			c->prefix = i;
			c->std = s;
			c->len = n;
			c->ndigits = nd;
			c->sep = l[i];
			return;
		}
	}
	c->prefix = len;
}

/* ---------------------------------------------------------------------------
 * Formatting (Go's Time.AppendFormat).
 */

static void
put_int(struct writ_buf *b, bool *ok, int64_t v, int width)
{
	char tmp[32];

	if (v < 0) {
		ext_bput(b, ok, "-", 1);
		v = -v;
	}
	snprintf(tmp, sizeof(tmp), "%0*lld", width, (long long)v);
	ext_bputs(b, ok, tmp);
}

static void
put_zone(struct writ_buf *b, bool *ok, enum std std, int32_t off)
{
	int32_t zone = off / 60, abs = off;
	bool colon = std == STD_ISO_COLON_TZ || std == STD_NUM_COLON_TZ ||
	    std == STD_ISO_COLSEC_TZ || std == STD_NUM_COLSEC_TZ;

	if (std >= STD_ISO_TZ && std <= STD_ISO_COLSEC_TZ && off == 0) {
		ext_bput(b, ok, "Z", 1);
		return;
	}
	if (zone < 0) {
		ext_bput(b, ok, "-", 1);
		zone = -zone;
		abs = -abs;
	} else {
		ext_bput(b, ok, "+", 1);
	}
	put_int(b, ok, zone / 60, 2);
	if (colon)
		ext_bput(b, ok, ":", 1);
	if (std != STD_NUM_SHORT_TZ && std != STD_ISO_SHORT_TZ)
		put_int(b, ok, zone % 60, 2);
	if (std == STD_ISO_SECS_TZ || std == STD_NUM_SECS_TZ || std == STD_ISO_COLSEC_TZ ||
	    std == STD_NUM_COLSEC_TZ) {
		if (colon)
			ext_bput(b, ok, ":", 1);
		put_int(b, ok, abs % 60, 2);
	}
}

static void
put_frac(struct writ_buf *b, bool *ok, const struct chunk *ch, int32_t nsec)
{
	char digits[10];
	int n = ch->ndigits > 9 ? 9 : ch->ndigits;

	snprintf(digits, sizeof(digits), "%09d", (int)nsec);
	if (ch->std == STD_FRAC9) {
		while (n > 0 && digits[n - 1] == '0')
			n--;
		if (n == 0)
			return;
	}
	ext_bput(b, ok, &ch->sep, 1);
	ext_bput(b, ok, digits, (size_t)n);
}

static void
format_elem(struct writ_buf *b, bool *ok, const struct chunk *ch, const struct civil *t)
{
	int hr12 = t->hour % 12 == 0 ? 12 : t->hour % 12;

	switch (ch->std) {
	case STD_YEAR:
		put_int(b, ok, (t->year % 100 + 100) % 100, 2);
		break;
	case STD_LONG_YEAR:
		put_int(b, ok, t->year, 4);
		break;
	case STD_MONTH:
		ext_bput(b, ok, month_names[t->month - 1], 3);
		break;
	case STD_LONG_MONTH:
		ext_bputs(b, ok, month_names[t->month - 1]);
		break;
	case STD_NUM_MONTH:
		put_int(b, ok, t->month, 0);
		break;
	case STD_ZERO_MONTH:
		put_int(b, ok, t->month, 2);
		break;
	case STD_WEEKDAY:
		ext_bput(b, ok, day_names[t->wday], 3);
		break;
	case STD_LONG_WEEKDAY:
		ext_bputs(b, ok, day_names[t->wday]);
		break;
	case STD_DAY:
		put_int(b, ok, t->day, 0);
		break;
	case STD_UNDER_DAY:
		if (t->day < 10)
			ext_bput(b, ok, " ", 1);
		put_int(b, ok, t->day, 0);
		break;
	case STD_ZERO_DAY:
		put_int(b, ok, t->day, 2);
		break;
	case STD_UNDER_YEARDAY:
		ext_bputs(b, ok, t->yday < 10 ? "  " : t->yday < 100 ? " " : "");
		put_int(b, ok, t->yday, 0);
		break;
	case STD_ZERO_YEARDAY:
		put_int(b, ok, t->yday, 3);
		break;
	case STD_HOUR:
		put_int(b, ok, t->hour, 2);
		break;
	case STD_HOUR12:
		put_int(b, ok, hr12, 0);
		break;
	case STD_ZERO_HOUR12:
		put_int(b, ok, hr12, 2);
		break;
	case STD_MINUTE:
		put_int(b, ok, t->min, 0);
		break;
	case STD_ZERO_MINUTE:
		put_int(b, ok, t->min, 2);
		break;
	case STD_SECOND:
		put_int(b, ok, t->sec, 0);
		break;
	case STD_ZERO_SECOND:
		put_int(b, ok, t->sec, 2);
		break;
	case STD_PM:
		ext_bputs(b, ok, t->hour >= 12 ? "PM" : "AM");
		break;
	case STD_pm:
		ext_bputs(b, ok, t->hour >= 12 ? "pm" : "am");
		break;
	case STD_TZ:
		if (t->abbr != NULL && t->abbr[0] != '\0' && t->abbr[0] != '+' &&
		    t->abbr[0] != '-') {
			ext_bputs(b, ok, t->abbr);
		} else {
			put_zone(b, ok, STD_NUM_TZ, t->off);
		}
		break;
	case STD_FRAC0:
	case STD_FRAC9:
		put_frac(b, ok, ch, t->nsec);
		break;
	case STD_NONE:
		break;
	default:
		put_zone(b, ok, ch->std, t->off);
		break;
	}
}

static bool
format_time(struct writ_buf *b, const char *l, size_t len, const struct civil *t)
{
	bool ok = true;

	while (len > 0 && ok) {
		struct chunk ch;

		next_chunk(l, len, &ch);
		ext_bput(b, &ok, l, ch.prefix);
		if (ch.std == STD_NONE)
			break;
		format_elem(b, &ok, &ch, t);
		l += ch.prefix + ch.len;
		len -= ch.prefix + ch.len;
	}
	return ok;
}

/* ---------------------------------------------------------------------------
 * Parsing (Go's time.Parse with UTC as the default location).
 */

struct pstate {
	const char *v; /* the rest of the value */
	size_t vlen;
	int64_t year;
	int month, day, yday, hour, min, sec;
	int32_t nsec;
	bool pm, am, have_off, utc;
	int32_t off;
	const char *range_err;
};

static void
adv(struct pstate *p, size_t n)
{
	p->v += n;
	p->vlen -= n;
}

/* Go's getnum: one or two digits (two when fixed). */
static bool
getnum(struct pstate *p, bool fixed, int *out)
{
	if (!digit_at(p->v, p->vlen, 0))
		return false;
	if (!digit_at(p->v, p->vlen, 1)) {
		if (fixed)
			return false;
		*out = p->v[0] - '0';
		adv(p, 1);
		return true;
	}
	*out = (p->v[0] - '0') * 10 + (p->v[1] - '0');
	adv(p, 2);
	return true;
}

static bool
getnum3(struct pstate *p, bool fixed, int *out)
{
	int n = 0, i;

	for (i = 0; i < 3 && digit_at(p->v, p->vlen, (size_t)i); i++)
		n = n * 10 + (p->v[i] - '0');
	if (i == 0 || (fixed && i != 3))
		return false;
	*out = n;
	adv(p, (size_t)i);
	return true;
}

static int
lookup_name(struct pstate *p, const char *const *names, size_t n, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		size_t nl = len ? len : strlen(names[i]);

		if (p->vlen >= nl && strncasecmp(p->v, names[i], nl) == 0) {
			adv(p, nl);
			return (int)i;
		}
	}
	return -1;
}

/* Go's parseNanoseconds: value starts with '.' or ',', n bytes including it. */
static bool
parse_nanos(struct pstate *p, size_t n)
{
	int32_t ns = 0;
	size_t i, nd;

	if (p->v[0] != '.' && p->v[0] != ',')
		return false;
	nd = n > 10 ? 10 : n;
	for (i = 1; i < nd; i++) {
		if (!digit_at(p->v, p->vlen, i))
			return false;
		ns = ns * 10 + (p->v[i] - '0');
	}
	for (; i < 10; i++)
		ns *= 10;
	p->nsec = ns;
	adv(p, n);
	return true;
}

static bool
parse_zone_num(struct pstate *p, enum std std)
{
	const char *v = p->v;
	int hr, mm, ss = 0;
	size_t n;
	bool colon = std == STD_ISO_COLON_TZ || std == STD_NUM_COLON_TZ ||
	    std == STD_ISO_COLSEC_TZ || std == STD_NUM_COLSEC_TZ;
	bool secs = std == STD_ISO_SECS_TZ || std == STD_NUM_SECS_TZ || std == STD_ISO_COLSEC_TZ ||
	    std == STD_NUM_COLSEC_TZ;
	bool shrt = std == STD_NUM_SHORT_TZ || std == STD_ISO_SHORT_TZ;

	n = shrt ? 3 : colon ? (secs ? 9 : 6) : (secs ? 7 : 5);
	if (p->vlen < n || (v[0] != '+' && v[0] != '-'))
		return false;
	if (colon && (v[3] != ':' || (secs && v[6] != ':')))
		return false;
	if (!digit_at(v, n, 1) || !digit_at(v, n, 2))
		return false;
	hr = (v[1] - '0') * 10 + (v[2] - '0');
	mm = 0;
	if (!shrt) {
		size_t mi = colon ? 4 : 3;

		if (!digit_at(v, n, mi) || !digit_at(v, n, mi + 1))
			return false;
		mm = (v[mi] - '0') * 10 + (v[mi + 1] - '0');
		if (secs) {
			size_t si = colon ? 7 : 5;

			if (!digit_at(v, n, si) || !digit_at(v, n, si + 1))
				return false;
			ss = (v[si] - '0') * 10 + (v[si + 1] - '0');
		}
	}
	if (hr > 24)
		p->range_err = "time zone offset hour";
	if (mm > 60)
		p->range_err = "time zone offset minute";
	if (ss > 60)
		p->range_err = "time zone offset second";
	p->off = (hr * 60 + mm) * 60 + ss;
	if (v[0] == '-')
		p->off = -p->off;
	p->have_off = true;
	adv(p, n);
	return true;
}

/* Go's parseTimeZone: a zone abbreviation; its offset is unknown (taken as 0). */
static bool
parse_zone_abbr(struct pstate *p)
{
	size_t n = 0;

	if (p->vlen >= 3 && memcmp(p->v, "UTC", 3) == 0) {
		p->utc = true;
		adv(p, 3);
		return true;
	}
	if (p->vlen >= 4 && (memcmp(p->v, "ChST", 4) == 0 || memcmp(p->v, "MeST", 4) == 0)) {
		adv(p, 4);
		return true;
	}
	if (p->vlen >= 3 && memcmp(p->v, "GMT", 3) == 0) {
		adv(p, 3);
		return true;
	}
	while (n < p->vlen && p->v[n] >= 'A' && p->v[n] <= 'Z')
		n++;
	if (n == 3 || (n == 4 && (p->v[3] == 'T' || memcmp(p->v, "WITA", 4) == 0)) ||
	    (n == 5 && p->v[4] == 'T')) {
		adv(p, n);
		return true;
	}
	return false;
}

static bool
parse_elem(struct pstate *p, const struct chunk *ch, const char *rest, size_t restlen)
{
	int n = 0;

	switch (ch->std) {
	case STD_YEAR:
		if (p->vlen < 2 || !getnum(p, true, &n))
			return false;
		p->year = n >= 69 ? 1900 + n : 2000 + n;
		return true;
	case STD_LONG_YEAR:
		if (p->vlen < 4 || !digit_at(p->v, 4, 0) || !digit_at(p->v, 4, 1) ||
		    !digit_at(p->v, 4, 2) || !digit_at(p->v, 4, 3))
			return false;
		p->year = (p->v[0] - '0') * 1000 + (p->v[1] - '0') * 100 + (p->v[2] - '0') * 10 +
		    (p->v[3] - '0');
		adv(p, 4);
		return true;
	case STD_MONTH:
		if ((n = lookup_name(p, month_names, 12, 3)) < 0)
			return false;
		p->month = n + 1;
		return true;
	case STD_LONG_MONTH:
		if ((n = lookup_name(p, month_names, 12, 0)) < 0)
			return false;
		p->month = n + 1;
		return true;
	case STD_NUM_MONTH:
	case STD_ZERO_MONTH:
		if (!getnum(p, ch->std == STD_ZERO_MONTH, &p->month))
			return false;
		if (p->month <= 0 || p->month > 12)
			p->range_err = "month";
		return true;
	case STD_WEEKDAY:
		return lookup_name(p, day_names, 7, 3) >= 0;
	case STD_LONG_WEEKDAY:
		return lookup_name(p, day_names, 7, 0) >= 0;
	case STD_DAY:
	case STD_UNDER_DAY:
	case STD_ZERO_DAY:
		if (ch->std == STD_UNDER_DAY && p->vlen > 0 && p->v[0] == ' ')
			adv(p, 1);
		if (!getnum(p, ch->std == STD_ZERO_DAY, &p->day))
			return false;
		return true;
	case STD_UNDER_YEARDAY:
	case STD_ZERO_YEARDAY:
		while (ch->std == STD_UNDER_YEARDAY && p->vlen > 0 && p->v[0] == ' ')
			adv(p, 1);
		if (!getnum3(p, ch->std == STD_ZERO_YEARDAY, &p->yday))
			return false;
		if (p->yday < 1 || p->yday > 366)
			p->range_err = "day-of-year";
		return true;
	case STD_HOUR:
		if (!getnum(p, false, &p->hour))
			return false;
		if (p->hour < 0 || p->hour >= 24)
			p->range_err = "hour";
		return true;
	case STD_HOUR12:
	case STD_ZERO_HOUR12:
		if (!getnum(p, ch->std == STD_ZERO_HOUR12, &p->hour))
			return false;
		if (p->hour < 0 || p->hour > 12)
			p->range_err = "hour";
		return true;
	case STD_MINUTE:
	case STD_ZERO_MINUTE:
		if (!getnum(p, ch->std == STD_ZERO_MINUTE, &p->min))
			return false;
		if (p->min < 0 || p->min >= 60)
			p->range_err = "minute";
		return true;
	case STD_SECOND:
	case STD_ZERO_SECOND: {
		struct chunk next;
		size_t k = 2;

		if (!getnum(p, ch->std == STD_ZERO_SECOND, &p->sec))
			return false;
		if (p->sec < 0 || p->sec >= 60) {
			p->range_err = "second";
			return true;
		}
		/* A fraction in the value that the layout does not spell out. */
		if (p->vlen >= 2 && (p->v[0] == '.' || p->v[0] == ',') &&
		    digit_at(p->v, p->vlen, 1)) {
			next_chunk(rest, restlen, &next);
			if (next.prefix == 0 && (next.std == STD_FRAC0 || next.std == STD_FRAC9))
				return true;
			while (digit_at(p->v, p->vlen, k))
				k++;
			return parse_nanos(p, k);
		}
		return true;
	}
	case STD_PM:
	case STD_pm:
		if (p->vlen < 2)
			return false;
		if (memcmp(p->v, ch->std == STD_PM ? "PM" : "pm", 2) == 0)
			p->pm = true;
		else if (memcmp(p->v, ch->std == STD_PM ? "AM" : "am", 2) == 0)
			p->am = true;
		else
			return false;
		adv(p, 2);
		return true;
	case STD_TZ:
		return parse_zone_abbr(p);
	case STD_FRAC0:
		if (p->vlen < (size_t)ch->ndigits + 1)
			return false;
		return parse_nanos(p, (size_t)ch->ndigits + 1);
	case STD_FRAC9: {
		size_t k = 0;

		if (p->vlen < 2 || (p->v[0] != '.' && p->v[0] != ',') ||
		    !digit_at(p->v, p->vlen, 1))
			return true;
		while (digit_at(p->v, p->vlen, k + 1))
			k++;
		return parse_nanos(p, k + 1);
	}
	default:
		if (ch->std >= STD_ISO_TZ && ch->std <= STD_ISO_COLSEC_TZ && p->vlen > 0 &&
		    p->v[0] == 'Z') {
			adv(p, 1);
			p->utc = true;
			return true;
		}
		return parse_zone_num(p, ch->std);
	}
}

/* Go's skip: a space in the layout matches one or more spaces in the value. */
static bool
skip_literal(struct pstate *p, const char *l, size_t n)
{
	while (n > 0) {
		if (*l == ' ') {
			if (p->vlen > 0 && p->v[0] != ' ')
				return false;
			while (n > 0 && *l == ' ')
				l++, n--;
			while (p->vlen > 0 && p->v[0] == ' ')
				adv(p, 1);
			continue;
		}
		if (p->vlen == 0 || p->v[0] != *l)
			return false;
		adv(p, 1);
		l++;
		n--;
	}
	return true;
}

/* Parse value with layout; on failure msg gets Go's message. */
static bool
parse_time(const char *l, size_t llen, const char *v, size_t vlen, int64_t *sec, int32_t *nsec,
    char *msg, size_t msglen)
{
	struct pstate p = {.v = v, .vlen = vlen, .month = -1, .day = -1, .yday = -1};
	const char *l0 = l;
	size_t llen0 = llen;

	while (llen > 0) {
		struct chunk ch;
		const char *val = p.v;

		next_chunk(l, llen, &ch);
		if (!skip_literal(&p, l, ch.prefix)) {
			snprintf(msg, msglen,
			    "parsing time \"%.*s\" as \"%.*s\": cannot parse \"%.*s\" as \"%.*s\"",
			    (int)vlen, v, (int)llen0, l0, (int)p.vlen, p.v, (int)ch.prefix, l);
			return false;
		}
		if (ch.std == STD_NONE)
			break;
		val = p.v;
		if (!parse_elem(&p, &ch, l + ch.prefix + ch.len, llen - ch.prefix - ch.len)) {
			snprintf(msg, msglen,
			    "parsing time \"%.*s\" as \"%.*s\": cannot parse \"%.*s\" as \"%.*s\"",
			    (int)vlen, v, (int)llen0, l0, (int)(vlen - (size_t)(val - v)), val,
			    (int)ch.len, l + ch.prefix);
			return false;
		}
		if (p.range_err != NULL) {
			snprintf(msg, msglen, "parsing time \"%.*s\": %s out of range", (int)vlen,
			    v, p.range_err);
			return false;
		}
		l += ch.prefix + ch.len;
		llen -= ch.prefix + ch.len;
	}
	if (p.vlen > 0) {
		snprintf(msg, msglen, "parsing time \"%.*s\": extra text: \"%.*s\"", (int)vlen, v,
		    (int)p.vlen, p.v);
		return false;
	}
	if (p.pm && p.hour < 12)
		p.hour += 12;
	else if (p.am && p.hour == 12)
		p.hour = 0;
	if (p.yday >= 0) {
		int m = 1, d = p.yday;

		if (d > 365 + leap(p.year)) {
			snprintf(msg, msglen, "parsing time \"%.*s\": day-of-year out of range",
			    (int)vlen, v);
			return false;
		}
		while (d > days_in(m, p.year))
			d -= days_in(m++, p.year);
		if ((p.month >= 0 && p.month != m) || (p.day >= 0 && p.day != d)) {
			snprintf(msg, msglen,
			    "parsing time \"%.*s\": day-of-year does not match %s", (int)vlen, v,
			    p.month >= 0 && p.month != m ? "month" : "day");
			return false;
		}
		p.month = m;
		p.day = d;
	} else {
		if (p.month < 0)
			p.month = 1;
		if (p.day < 0)
			p.day = 1;
	}
	if (p.day < 1 || p.day > days_in(p.month, p.year)) {
		snprintf(msg, msglen, "parsing time \"%.*s\": day out of range", (int)vlen, v);
		return false;
	}
	from_civil(p.year, p.month, p.day, p.hour, p.min, p.sec, p.nsec, ext_tz_utc(), sec, nsec);
	if (p.have_off && !p.utc)
		*sec -= p.off;
	return true;
}

/* ---------------------------------------------------------------------------
 * Operands.
 */

static const char *
layout_named(const char *l, size_t *len)
{
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(named_layouts); i++)
		if (strlen(named_layouts[i].name) == *len &&
		    memcmp(named_layouts[i].name, l, *len) == 0) {
			*len = strlen(named_layouts[i].layout);
			return named_layouts[i].layout;
		}
	return l;
}

/* OPA's tzTime: a number of ns, or [ns], [ns, tz] or [ns, tz, layout]. */
static enum rego_bres
tz_time(struct rego_bctx *c, const struct rego_val *a, unsigned pos, int64_t *sec, int32_t *nsec,
    const struct ext_tz **zone, const char **layout, size_t *llen)
{
	static const char want[] = "either number (ns) or [number (ns), string (tz)]";
	const struct rego_val *n = a;
	char msg[200];
	int64_t ns;

	*zone = ext_tz_utc();
	if (layout != NULL) {
		*layout = "2006-01-02T15:04:05.999999999Z07:00";
		*llen = strlen(*layout);
	}
	if (a->type == REGO_ARRAY) {
		if (a->len == 0)
			return rego_berr_operand(c, pos, want, a);
		n = a->u.elems[0];
		if (a->len > 1) {
			const struct rego_val *tz = a->u.elems[1];

			if (tz->type != REGO_STRING)
				return rego_berr_operand(c, pos, "string", tz);
			if ((*zone = ext_tz_load(tz->u.s, tz->len, msg, sizeof(msg))) == NULL)
				return rego_berr(c, "%s", msg);
		}
		if (a->len > 2 && layout != NULL) {
			const struct rego_val *l = a->u.elems[2];

			if (l->type != REGO_STRING)
				return rego_berr_operand(c, pos, "string", l);
			*llen = l->len;
			*layout = layout_named(l->u.s, llen);
		}
	} else if (a->type != REGO_NUMBER) {
		return rego_berr_operand(c, pos, want, a);
	}
	if (n->type != REGO_NUMBER)
		return rego_berr_operand(c, pos, "number", n);
	if (!rego_num_i64(n, &ns))
		return rego_berr(c, "timestamp too big");
	from_ns(ns, sec, nsec);
	return REGO_B_OK;
}

static enum rego_bres
int_array(struct rego_bctx *c, const int64_t *v, size_t n, const struct rego_val **out)
{
	const struct rego_val *elems[6];
	struct writ_err e;
	size_t i;

	for (i = 0; i < n; i++)
		EXT_TRY(c, rego_int(c->arena, v[i], &elems[i], &e));
	EXT_TRY(c, rego_array(c->arena, elems, n, out, &e));
	return REGO_B_OK;
}

static enum rego_bres
ns_result(struct rego_bctx *c, int64_t sec, int32_t nsec, const struct rego_val **out)
{
	int64_t ns;

	if (!to_ns(sec, nsec, &ns))
		return rego_berr(c, "time outside of valid range");
	return ext_int(c, ns, out);
}

/* ---------------------------------------------------------------------------
 * Builtins.
 */

static enum rego_bres
bi_now_ns(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return ext_int(c, c->now_ns, out);
}

static enum rego_bres
bi_parse_ns(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const char *l;
	size_t llen;
	char msg[400];
	int64_t sec;
	int32_t nsec;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[1]->type != REGO_STRING)
		return rego_berr_operand(c, 2, "string", args[1]);
	if (args[0]->len > TIME_MAX_TEXT || args[1]->len > TIME_MAX_TEXT)
		return rego_berr(c, "layout or value longer than %d bytes", TIME_MAX_TEXT);
	llen = args[0]->len;
	l = layout_named(args[0]->u.s, &llen);
	if (!parse_time(l, llen, args[1]->u.s, args[1]->len, &sec, &nsec, msg, sizeof(msg)))
		return rego_berr(c, "%s", msg);
	return ns_result(c, sec, nsec, out);
}

static enum rego_bres
bi_parse_rfc3339_ns(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	static const char l[] = "2006-01-02T15:04:05Z07:00";
	char msg[400];
	int64_t sec;
	int32_t nsec;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[0]->len > TIME_MAX_TEXT)
		return rego_berr(c, "value longer than %d bytes", TIME_MAX_TEXT);
	if (!parse_time(
	        l, sizeof(l) - 1, args[0]->u.s, args[0]->len, &sec, &nsec, msg, sizeof(msg)))
		return rego_berr(c, "%s", msg);
	return ns_result(c, sec, nsec, out);
}

/* Go's time.ParseDuration. */
static bool
parse_duration(const char *s, size_t len, int64_t *out)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {{"ns", 1}, {"us", 1000}, {"\xc2\xb5s", 1000}, {"\xce\xbcs", 1000},
	    {"ms", 1000000}, {"s", 1000000000ull}, {"m", 60000000000ull}, {"h", 3600000000000ull}};
	uint64_t total = 0;
	bool neg = false;
	size_t i = 0;

	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i++;
	}
	if (len - i == 1 && s[i] == '0') {
		*out = 0;
		return true;
	}
	if (i == len)
		return false;
	while (i < len) {
		uint64_t v = 0, f = 0, scale = 1, unit = 0, add;
		size_t start = i, k, ulen = 0;
		bool pre, post = false;

		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (v > (UINT64_MAX - 9) / 10 || v > (1ull << 63) / 10)
				return false;
			v = v * 10 + (uint64_t)(s[i++] - '0');
		}
		pre = i != start;
		if (i < len && s[i] == '.') {
			size_t fs = ++i;

			while (i < len && s[i] >= '0' && s[i] <= '9') {
				if (scale < 1000000000000000000ull) {
					f = f * 10 + (uint64_t)(s[i] - '0');
					scale *= 10;
				}
				i++;
			}
			post = i != fs;
		}
		if (!pre && !post)
			return false;
		for (k = i; k < len && s[k] != '.' && (s[k] < '0' || s[k] > '9'); k++)
			;
		ulen = k - i;
		for (k = 0; k < WRIT_ARRAY_LEN(units); k++)
			if (strlen(units[k].unit) == ulen &&
			    memcmp(units[k].unit, s + i, ulen) == 0)
				unit = units[k].ns;
		if (unit == 0)
			return false;
		i += ulen;
		if (v > (1ull << 63) / unit)
			return false;
		add = v * unit;
		if (f > 0)
			add += (uint64_t)((long double)f * (long double)unit / (long double)scale);
		if (add > (1ull << 63) || total > (1ull << 63) - add)
			return false;
		total += add;
	}
	if (total > (uint64_t)INT64_MAX + (neg ? 1u : 0u))
		return false;
	*out = neg ? (int64_t)(0 - total) : (int64_t)total;
	return true;
}

bool
rego_go_duration(const char *s, size_t len, int64_t *out)
{
	return len <= TIME_MAX_TEXT && parse_duration(s, len, out);
}

static enum rego_bres
bi_parse_duration_ns(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	int64_t ns;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[0]->len > TIME_MAX_TEXT || !parse_duration(args[0]->u.s, args[0]->len, &ns))
		return rego_berr(c, "time: invalid duration \"%.*s\"",
		    args[0]->len > 200 ? 200 : (int)args[0]->len, args[0]->u.s);
	return ext_int(c, ns, out);
}

/* test.sleep(duration): null after the duration; OPA's topdown test.sleep. */
static enum rego_bres
bi_sleep(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct timespec ts;
	uint64_t now;
	int64_t ns;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[0]->len > TIME_MAX_TEXT || !parse_duration(args[0]->u.s, args[0]->len, &ns))
		return rego_berr(c, "time: invalid duration \"%.*s\"",
		    args[0]->len > 200 ? 200 : (int)args[0]->len, args[0]->u.s);
	now = writ_time_mono_ms();
	if (ns > 0 && c->deadline_ms != 0 &&
	    (now >= c->deadline_ms || (uint64_t)ns / 1000000 >= c->deadline_ms - now))
		return ext_err_code(c, "eval_cancel_error", "evaluation exceeded its time limit");
	ts.tv_sec = ns > 0 ? (time_t)(ns / 1000000000) : 0;
	ts.tv_nsec = ns > 0 ? (long)(ns % 1000000000) : 0;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	*out = &rego_null_val;
	return REGO_B_OK;
}

static enum rego_bres
civil_arg(struct rego_bctx *c, const struct rego_val *a, struct civil *t)
{
	const struct ext_tz *z;
	int64_t sec = 0;
	int32_t nsec = 0;
	enum rego_bres r;

	if ((r = tz_time(c, a, 1, &sec, &nsec, &z, NULL, NULL)) != REGO_B_OK)
		return r;
	to_civil(sec, nsec, z, t);
	return REGO_B_OK;
}

static enum rego_bres
bi_date(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct civil t;
	int64_t v[3];
	enum rego_bres r;

	if ((r = civil_arg(c, args[0], &t)) != REGO_B_OK)
		return r;
	v[0] = t.year;
	v[1] = t.month;
	v[2] = t.day;
	return int_array(c, v, 3, out);
}

static enum rego_bres
bi_clock(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct civil t;
	int64_t v[3];
	enum rego_bres r;

	if ((r = civil_arg(c, args[0], &t)) != REGO_B_OK)
		return r;
	v[0] = t.hour;
	v[1] = t.min;
	v[2] = t.sec;
	return int_array(c, v, 3, out);
}

static enum rego_bres
bi_weekday(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct civil t;
	enum rego_bres r;

	if ((r = civil_arg(c, args[0], &t)) != REGO_B_OK)
		return r;
	return ext_str(c, day_names[t.wday], strlen(day_names[t.wday]), out);
}

static enum rego_bres
bi_add_date(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct ext_tz *z;
	struct civil t;
	int64_t sec, d[3];
	int32_t nsec;
	enum rego_bres r;
	unsigned i;

	if ((r = tz_time(c, args[0], 1, &sec, &nsec, &z, NULL, NULL)) != REGO_B_OK)
		return r;
	for (i = 0; i < 3; i++) {
		if (args[i + 1]->type != REGO_NUMBER)
			return rego_berr_operand(c, i + 2, "number", args[i + 1]);
		if (!rego_num_i64(args[i + 1], &d[i]) || d[i] > 100000000 || d[i] < -100000000)
			return rego_berr(c, "operand %u out of range", i + 2);
	}
	to_civil(sec, nsec, z, &t);
	from_civil(t.year + d[0], t.month + d[1], t.day + d[2], t.hour, t.min, t.sec, t.nsec, z,
	    &sec, &nsec);
	return ns_result(c, sec, nsec, out);
}

static enum rego_bres
bi_diff(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct ext_tz *z1, *z2;
	struct civil a, b;
	int64_t s1, s2, v[6];
	int32_t n1, n2;
	enum rego_bres r;

	if ((r = tz_time(c, args[0], 1, &s1, &n1, &z1, NULL, NULL)) != REGO_B_OK ||
	    (r = tz_time(c, args[1], 2, &s2, &n2, &z2, NULL, NULL)) != REGO_B_OK)
		return r;
	if (s1 > s2 || (s1 == s2 && n1 > n2)) {
		int64_t ts = s1;
		int32_t tn = n1;

		s1 = s2, n1 = n2, s2 = ts, n2 = tn;
	}
	/* Both in the first operand's zone. */
	to_civil(s1, n1, z1, &a);
	to_civil(s2, n2, z1, &b);
	v[0] = b.year - a.year;
	v[1] = b.month - a.month;
	v[2] = b.day - a.day;
	v[3] = b.hour - a.hour;
	v[4] = b.min - a.min;
	v[5] = b.sec - a.sec;
	if (v[5] < 0)
		v[5] += 60, v[4]--;
	if (v[4] < 0)
		v[4] += 60, v[3]--;
	if (v[3] < 0)
		v[3] += 24, v[2]--;
	if (v[2] < 0) {
		/* Days in a.month: time.Date(y1, M1, 32) rolls over by 32 - that many. */
		v[2] += days_in(a.month, a.year);
		v[1]--;
	}
	if (v[1] < 0)
		v[1] += 12, v[0]--;
	return int_array(c, v, 6, out);
}

static enum rego_bres
bi_format(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct ext_tz *z;
	const char *l;
	struct civil t;
	struct writ_buf b;
	int64_t sec = 0;
	int32_t nsec = 0;
	size_t llen;
	enum rego_bres r;

	if ((r = tz_time(c, args[0], 1, &sec, &nsec, &z, &l, &llen)) != REGO_B_OK)
		return r;
	if (llen > TIME_MAX_TEXT)
		return rego_berr(c, "layout longer than %d bytes", TIME_MAX_TEXT);
	to_civil(sec, nsec, z, &t);
	writ_buf_init(&b, 64 * (size_t)TIME_MAX_TEXT);
	if (!format_time(&b, l, llen, &t)) {
		writ_buf_free(&b);
		return ext_oom(c);
	}
	r = ext_str(c, b.ptr != NULL ? b.ptr : "", b.len, out);
	writ_buf_free(&b);
	return r;
}

static const struct rego_builtin time_builtins[] = {
    {"test.sleep", 1, bi_sleep, 0},
    {"time.add_date", 4, bi_add_date, 0},
    {"time.clock", 1, bi_clock, 0},
    {"time.date", 1, bi_date, 0},
    {"time.diff", 2, bi_diff, 0},
    {"time.format", 1, bi_format, 0},
    {"time.now_ns", 0, bi_now_ns, REGO_BI_NONDET},
    {"time.parse_duration_ns", 1, bi_parse_duration_ns, 0},
    {"time.parse_ns", 2, bi_parse_ns, 0},
    {"time.parse_rfc3339_ns", 1, bi_parse_rfc3339_ns, 0},
    {"time.weekday", 1, bi_weekday, 0},
};

const struct rego_builtin_family rego_family_time = {
    "time", time_builtins, WRIT_ARRAY_LEN(time_builtins)};

bool
ext_time_parse_format(
    const char *layout, size_t llen, const char *value, size_t vlen, struct writ_buf *out)
{
	struct civil t;
	char msg[400];
	int64_t sec;
	int32_t nsec;

	if (!parse_time(layout, llen, value, vlen, &sec, &nsec, msg, sizeof(msg)))
		return false;
	to_civil(sec, nsec, ext_tz_utc(), &t);
	return format_time(out, layout, llen, &t);
}
