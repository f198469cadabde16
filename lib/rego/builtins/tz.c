/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IANA time zones for the time.* builtins, read from the system's TZif files
 * (RFC 8536) under /usr/share/zoneinfo instead of through tzset/localtime_r,
 * which keep one process-wide zone and so cannot serve two zones at once.
 *
 * A zone is loaded once and kept for the life of the process in a small
 * cache guarded by a mutex; loaded zones are immutable, so lookups need no
 * lock.  Names are checked before they touch the file system (no "..", no
 * absolute paths), files are bounded in size and every count in them is
 * checked against the bytes present.  Times after the last transition use
 * the POSIX TZ rule in the file's footer, as Go's time package does.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ext_int.h"

#define TZ_DIR       "/usr/share/zoneinfo/"
#define TZ_MAX_FILE  (256u * 1024u)
#define TZ_MAX_TRANS 20000u
#define TZ_MAX_TYPES 256u
#define TZ_MAX_CHARS 1024u
#define TZ_MAX_NAME  128u

struct tz_type {
	int32_t off;
	bool dst;
	char abbr[16];
};

/* A POSIX TZ rule: "EST5EDT,M3.2.0,M11.1.0". */
struct tz_rule {
	bool valid, has_dst;
	struct tz_type std, dst;
	struct {
		char kind; /* 'J', 'D' (zero-based day), 'M' */
		int m, w, d, n;
		int32_t time;
	} start, end;
};

struct ext_tz {
	char name[TZ_MAX_NAME];
	int64_t *trans; /* timecnt transition times */
	uint8_t *idx;   /* type of each transition */
	size_t ntrans;
	struct tz_type types[TZ_MAX_TYPES];
	size_t ntypes;
	struct tz_rule rule;
	struct ext_tz *next;
};

static const struct ext_tz utc_zone = {.name = "UTC", .ntypes = 1, .types = {{0, false, "UTC"}}};
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ext_tz *cache;
static size_t ncached;

const struct ext_tz *
ext_tz_utc(void)
{
	return &utc_zone;
}

/* ---------------------------------------------------------------------------
 * Calendar arithmetic (proleptic Gregorian, days since 1970-01-01).
 */

int64_t
ext_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool
is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* Seconds from the start of year y (UTC) to the rule's moment in local time. */
static int64_t
rule_time(const struct tz_rule *r, int which, int64_t y)
{
	int kind = which ? r->end.kind : r->start.kind;
	int m = which ? r->end.m : r->start.m, w = which ? r->end.w : r->start.w;
	int d = which ? r->end.d : r->start.d, n = which ? r->end.n : r->start.n;
	int32_t t = which ? r->end.time : r->start.time;
	int64_t day;

	if (kind == 'J') {
		day = n - 1;
		if (is_leap(y) && n >= 60)
			day++;
	} else if (kind == 'D') {
		day = n;
	} else {
		int64_t first = ext_days_from_civil(y, m, 1);
		int wd = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
		int mdays, dd;
		static const int mlen[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

		mdays = mlen[m - 1] + (m == 2 && is_leap(y));
		dd = (d - wd + 7) % 7 + 1 + 7 * (w - 1);
		while (dd > mdays)
			dd -= 7;
		day = first - ext_days_from_civil(y, 1, 1) + dd - 1;
	}
	return day * 86400 + t;
}

static const struct tz_type *
rule_lookup(const struct tz_rule *r, int64_t t)
{
	int64_t days, y, ys, s, e;

	if (!r->has_dst)
		return &r->std;
	days = (t + r->std.off) / 86400 - ((t + r->std.off) % 86400 < 0);
	/* The year of that day. */
	y = 1970 + days / 366;
	while (ext_days_from_civil(y + 1, 1, 1) <= days)
		y++;
	while (ext_days_from_civil(y, 1, 1) > days)
		y--;
	ys = ext_days_from_civil(y, 1, 1) * 86400;
	s = ys + rule_time(r, 0, y) - r->std.off;
	e = ys + rule_time(r, 1, y) - r->dst.off;
	if (s < e)
		return t >= s && t < e ? &r->dst : &r->std;
	return t >= e && t < s ? &r->std : &r->dst;
}

/* ---------------------------------------------------------------------------
 * POSIX TZ strings.
 */

static bool
rule_name(const char **p, const char *end, char *out, size_t outlen)
{
	const char *s = *p;
	size_t n = 0;

	if (s < end && *s == '<') {
		for (s++; s < end && *s != '>'; s++)
			if (n + 1 < outlen)
				out[n++] = *s;
		if (s == end)
			return false;
		s++;
	} else {
		while (s < end && ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))) {
			if (n + 1 < outlen)
				out[n++] = *s;
			s++;
		}
		if (n < 3)
			return false;
	}
	out[n] = '\0';
	*p = s;
	return true;
}

/* [+-]h[h][:mm[:ss]] in seconds. */
static bool
rule_offset(const char **p, const char *end, int32_t *out)
{
	const char *s = *p;
	int sign = 1, part = 0;
	int32_t v[3] = {0, 0, 0};

	if (s < end && (*s == '+' || *s == '-'))
		sign = *s++ == '-' ? -1 : 1;
	for (part = 0; part < 3; part++) {
		int nd = 0;

		while (s < end && *s >= '0' && *s <= '9' && nd < 3) {
			v[part] = v[part] * 10 + (*s++ - '0');
			nd++;
		}
		if (nd == 0)
			return false;
		if (s == end || *s != ':')
			break;
		s++;
	}
	if (v[0] > 167 || v[1] > 59 || v[2] > 59)
		return false;
	*out = sign * (v[0] * 3600 + v[1] * 60 + v[2]);
	*p = s;
	return true;
}

static bool
rule_date(
    const char **p, const char *end, char *kind, int *m, int *w, int *d, int *n, int32_t *time)
{
	const char *s = *p;
	int vals[3] = {0, 0, 0}, i;

	if (s == end || *s++ != ',')
		return false;
	if (s < end && *s == 'M') {
		s++;
		for (i = 0; i < 3; i++) {
			int nd = 0;

			while (s < end && *s >= '0' && *s <= '9' && nd < 3) {
				vals[i] = vals[i] * 10 + (*s++ - '0');
				nd++;
			}
			if (nd == 0 || (i < 2 && (s == end || *s++ != '.')))
				return false;
		}
		if (vals[0] < 1 || vals[0] > 12 || vals[1] < 1 || vals[1] > 5 || vals[2] > 6)
			return false;
		*kind = 'M';
		*m = vals[0];
		*w = vals[1];
		*d = vals[2];
	} else {
		int nd = 0;

		*kind = 'D';
		if (s < end && *s == 'J') {
			*kind = 'J';
			s++;
		}
		*n = 0;
		while (s < end && *s >= '0' && *s <= '9' && nd < 4) {
			*n = *n * 10 + (*s++ - '0');
			nd++;
		}
		if (nd == 0 || *n > 365 || (*kind == 'J' && *n < 1))
			return false;
	}
	*time = 7200;
	if (s < end && *s == '/') {
		s++;
		if (!rule_offset(&s, end, time))
			return false;
	}
	*p = s;
	return true;
}

static void
rule_parse(struct tz_rule *r, const char *s, size_t len)
{
	const char *end = s + len;
	int32_t off;

	memset(r, 0, sizeof(*r));
	if (!rule_name(&s, end, r->std.abbr, sizeof(r->std.abbr)) || !rule_offset(&s, end, &off))
		return;
	r->std.off = -off;
	if (s == end) {
		r->valid = true;
		return;
	}
	if (!rule_name(&s, end, r->dst.abbr, sizeof(r->dst.abbr)))
		return;
	r->dst.dst = true;
	r->dst.off = r->std.off + 3600;
	if (s < end && *s != ',') {
		if (!rule_offset(&s, end, &off))
			return;
		r->dst.off = -off;
	}
	if (s == end) {
		/* No rule: the US rules, as Go assumes. */
		r->start.kind = r->end.kind = 'M';
		r->start.m = 3, r->start.w = 2, r->start.d = 0, r->start.time = 7200;
		r->end.m = 11, r->end.w = 1, r->end.d = 0, r->end.time = 7200;
	} else if (!rule_date(&s, end, &r->start.kind, &r->start.m, &r->start.w, &r->start.d,
	               &r->start.n, &r->start.time) ||
	    !rule_date(
	        &s, end, &r->end.kind, &r->end.m, &r->end.w, &r->end.d, &r->end.n, &r->end.time) ||
	    s != end) {
		return;
	}
	r->has_dst = true;
	r->valid = true;
}

/* ---------------------------------------------------------------------------
 * TZif files.
 */

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct tzhdr {
	uint32_t isut, isstd, leap, time, type, chars;
};

static bool
read_hdr(const unsigned char *p, size_t len, struct tzhdr *h, char *version)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return false;
	*version = (char)p[4];
	h->isut = be32(p + 20);
	h->isstd = be32(p + 24);
	h->leap = be32(p + 28);
	h->time = be32(p + 32);
	h->type = be32(p + 36);
	h->chars = be32(p + 40);
	return h->time <= TZ_MAX_TRANS && h->type >= 1 && h->type <= TZ_MAX_TYPES &&
	    h->chars <= TZ_MAX_CHARS && h->leap <= 10000 && (h->isut == 0 || h->isut == h->type) &&
	    (h->isstd == 0 || h->isstd == h->type);
}

/* Bytes of the data block after a header with time values of tsize bytes. */
static size_t
block_len(const struct tzhdr *h, size_t tsize)
{
	return (size_t)h->time * tsize + h->time + (size_t)h->type * 6 + h->chars +
	    (size_t)h->leap * (tsize + 4) + h->isstd + h->isut;
}

static bool
parse_block(struct ext_tz *z, const unsigned char *p, const struct tzhdr *h, size_t tsize)
{
	const unsigned char *tp = p + (size_t)h->time * tsize, *ty, *chars;
	size_t i;

	z->ntrans = h->time;
	z->trans = writ_calloc(h->time + 1, sizeof(*z->trans));
	z->idx = writ_calloc(h->time + 1, 1);
	if (z->trans == NULL || z->idx == NULL)
		return false;
	for (i = 0; i < h->time; i++) {
		if (tsize == 8)
			z->trans[i] =
			    (int64_t)((uint64_t)be32(p + 8 * i) << 32 | be32(p + 8 * i + 4));
		else
			z->trans[i] = (int32_t)be32(p + 4 * i);
		if ((z->idx[i] = tp[i]) >= h->type)
			return false;
	}
	ty = tp + h->time;
	chars = ty + (size_t)h->type * 6;
	z->ntypes = h->type;
	for (i = 0; i < h->type; i++) {
		size_t ai = ty[6 * i + 5], n = 0;

		z->types[i].off = (int32_t)be32(ty + 6 * i);
		z->types[i].dst = ty[6 * i + 4] != 0;
		if (ai >= h->chars)
			return false;
		while (
		    ai + n < h->chars && chars[ai + n] != '\0' && n + 1 < sizeof(z->types[i].abbr))
			n++;
		memcpy(z->types[i].abbr, chars + ai, n);
		z->types[i].abbr[n] = '\0';
	}
	return true;
}

static bool
parse_tzif(struct ext_tz *z, const unsigned char *p, size_t len)
{
	struct tzhdr h;
	char version;
	size_t off;

	if (!read_hdr(p, len, &h, &version))
		return false;
	off = 44 + block_len(&h, 4);
	if (off > len)
		return false;
	if (version < '2')
		return parse_block(z, p + 44, &h, 4);
	if (!read_hdr(p + off, len - off, &h, &version) || block_len(&h, 8) > len - off - 44)
		return false;
	if (!parse_block(z, p + off + 44, &h, 8))
		return false;
	off += 44 + block_len(&h, 8);
	if (off < len && p[off] == '\n') {
		const unsigned char *nl = memchr(p + off + 1, '\n', len - off - 1);

		if (nl != NULL)
			rule_parse(&z->rule, (const char *)p + off + 1, (size_t)(nl - p - off - 1));
	}
	return true;
}

static bool
name_ok(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len >= TZ_MAX_NAME || name[0] == '/' || name[0] == '.')
		return false;
	for (i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		        (ch >= '0' && ch <= '9') || ch == '/' || ch == '_' || ch == '-' ||
		        ch == '+' || ch == '.'))
			return false;
		if (ch == '.' && i + 1 < len && name[i + 1] == '.')
			return false;
	}
	return true;
}

static unsigned char *
read_file(const char *path, size_t *len)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > TZ_MAX_FILE || (buf = writ_malloc((size_t)st.st_size)) == NULL)
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
fail:
	writ_free(buf);
	close(fd);
	return NULL;
}

static void
zone_free(struct ext_tz *z)
{
	if (z == NULL)
		return;
	writ_free(z->trans);
	writ_free(z->idx);
	writ_free(z);
}

static struct ext_tz *
zone_read(const char *name, size_t len, char *msg, size_t msglen)
{
	char path[sizeof(TZ_DIR) + TZ_MAX_NAME];
	unsigned char *buf;
	struct ext_tz *z;
	size_t flen = 0;

	if (len == 5 && memcmp(name, "Local", 5) == 0)
		snprintf(path, sizeof(path), "/etc/localtime");
	else
		snprintf(path, sizeof(path), "%s%.*s", TZ_DIR, (int)len, name);
	if ((buf = read_file(path, &flen)) == NULL) {
		snprintf(msg, msglen, "unknown time zone %.*s", (int)len, name);
		return NULL;
	}
	if ((z = writ_calloc(1, sizeof(*z))) == NULL || !parse_tzif(z, buf, flen)) {
		snprintf(msg, msglen, "%s time zone %.*s", z == NULL ? "no memory for" : "invalid",
		    (int)len, name);
		zone_free(z);
		writ_free(buf);
		return NULL;
	}
	writ_free(buf);
	snprintf(z->name, sizeof(z->name), "%.*s", (int)len, name);
	return z;
}

const struct ext_tz *
ext_tz_load(const char *name, size_t len, char *msg, size_t msglen)
{
	struct ext_tz *z;

	if (len == 0 || (len == 3 && memcmp(name, "UTC", 3) == 0))
		return &utc_zone;
	if (!name_ok(name, len)) {
		snprintf(msg, msglen, "unknown time zone %.*s", len > 100 ? 100 : (int)len, name);
		return NULL;
	}
	pthread_mutex_lock(&cache_mu);
	for (z = cache; z != NULL; z = z->next)
		if (strlen(z->name) == len && memcmp(z->name, name, len) == 0)
			break;
	if (z == NULL && (z = zone_read(name, len, msg, msglen)) != NULL) {
		/* Kept for the process: at most one entry per zone file that exists. */
		z->next = cache;
		cache = z;
		ncached++;
	}
	pthread_mutex_unlock(&cache_mu);
	return z;
}

int32_t
ext_tz_offset(const struct ext_tz *z, int64_t t, const char **abbr)
{
	const struct tz_type *ty;
	size_t lo = 0, hi = z->ntrans;

	if (z->ntrans == 0 || t < z->trans[0]) {
		size_t i;

		if (z->ntrans == 0 && z->rule.valid) {
			ty = rule_lookup(&z->rule, t);
			goto out;
		}
		/* Before the first transition: the first standard-time type. */
		for (i = 0; i < z->ntypes && z->types[i].dst; i++)
			;
		ty = &z->types[i < z->ntypes ? i : 0];
		goto out;
	}
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	if (lo == z->ntrans - 1 && z->rule.valid)
		ty = rule_lookup(&z->rule, t);
	else
		ty = &z->types[z->idx[lo]];
out:
	if (abbr != NULL)
		*abbr = ty->abbr;
	return ty->off;
}
