/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finding entries in an audit log: the filter `writ audit query` applies to
 * each line.  An investigator asks by entry type, API or decision path, the
 * identity that acted (a token's display name, entity or metadata, its
 * accessor's HMAC, a SPIFFE ID or JWT subject of a decision's caller, the
 * remote address), request id, outcome, and time.  Lines are matched as
 * they are; the hash chain is `writ audit verify`'s business.
 *
 * Times are compared as nanoseconds since the epoch: an entry's "time" is
 * parsed like a bound (writ_time_rfc3339 leaves out a zero fraction, so the
 * text alone does not order).
 */
#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "writ/audit.h"
#include "writ/base.h"

/* Identity values are looked for this deep inside "auth" and "caller". */
#define IDENT_DEPTH 6

static bool
str_is(const json_t *v, const char *s)
{
	return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* Does any string inside v (objects and arrays, to a depth) equal s? */
static bool
has_string(json_t *v, const char *s, int depth)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_string(v))
		return strcmp(json_string_value(v), s) == 0;
	if (depth == 0)
		return false;
	if (json_is_object(v)) {
		json_object_foreach(v, k, x)
			if (has_string(x, s, depth - 1))
				return true;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (has_string(x, s, depth - 1))
				return true;
	}
	return false;
}

static const char *
entry_path(const json_t *e)
{
	const json_t *p = json_object_get(json_object_get(e, "request"), "path");

	if (p == NULL)
		p = json_object_get(json_object_get(e, "decision"), "path");
	return json_is_string(p) ? json_string_value(p) : NULL;
}

/* PREFIX* matches by prefix, anything else exactly; a leading "/" is ignored on both. */
static bool
path_match(const char *pat, const char *path)
{
	size_t n;

	if (path == NULL)
		return false;
	pat += *pat == '/';
	path += *path == '/';
	n = strlen(pat);
	if (n > 0 && pat[n - 1] == '*')
		return strncmp(path, pat, n - 1) == 0;
	return strcmp(path, pat) == 0;
}

static bool
identity_match(const json_t *e, const char *id)
{
	const json_t *req = json_object_get(e, "request");

	return has_string(json_object_get(e, "auth"), id, IDENT_DEPTH) ||
	    has_string(json_object_get(e, "caller"), id, IDENT_DEPTH) ||
	    str_is(json_object_get(req, "client_token_accessor"), id) ||
	    str_is(json_object_get(req, "client_token"), id) ||
	    str_is(json_object_get(req, "remote_address"), id);
}

/*
 * The outcome of an entry: 1 allowed, 0 denied, -1 neither (a request entry,
 * a checkpoint).  A decision says it in "allowed"; an API response was
 * denied when its error is the ACL's or a governing policy's refusal.
 */
static int
outcome(const json_t *e)
{
	const json_t *type = json_object_get(e, "type"), *a, *err;

	if (str_is(type, "decision")) {
		a = json_object_get(json_object_get(e, "decision"), "allowed");
		return json_is_boolean(a) ? json_is_true(a) : -1;
	}
	if (!str_is(type, "response"))
		return -1;
	err = json_object_get(e, "error");
	return !(json_is_string(err) && strstr(json_string_value(err), "permission denied") != NULL);
}

/* n digits at s into *out; false unless all are digits. */
static bool
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* RFC 3339 or a date, to nanoseconds since the epoch (1970 to 2262). */
static writ_rc
parse_time(const char *s, int64_t *out)
{
	struct tm tm = {0};
	int y, mo, d, h = 0, mi = 0, sec = 0, oh, om;
	long nsec = 0, scale = 100000000;
	const char *p;
	int64_t t;
	if (strlen(s) < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d))
		return WRIT_EINVAL;
	p = s + 10;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi) || p[6] != ':' ||
		    !digits(p + 7, 2, &sec))
			return WRIT_EINVAL;
		if (h > 23 || mi > 59 || sec > 60)
			return WRIT_EINVAL;
		p += 9;
		if (*p == '.') {
			for (p++; isdigit((unsigned char)*p); p++) {
				nsec += (*p - '0') * scale;
				scale /= 10;
			}
			if (p[-1] == '.')
				return WRIT_EINVAL;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if ((*p == '+' || *p == '-') && digits(p + 1, 2, &oh) && p[3] == ':' &&
		    digits(p + 4, 2, &om) && oh < 24 && om < 60) {
			int sign = *p == '-' ? 1 : -1; /* local = UTC + offset */

			h += sign * oh;
			mi += sign * om;
			p += 6;
		} else {
			return WRIT_EINVAL;
		}
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970 || y > 9999)
		return WRIT_EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = (int64_t)timegm(&tm)) < 0 || t >= INT64_MAX / 1000000000 - 1)
		return WRIT_EINVAL;
	*out = t * 1000000000 + nsec;
	return WRIT_OK;
}

writ_rc
writ_audit_time_bound(const char *s, int64_t now, int64_t *out_ns)
{
	int64_t ago;

	/* A duration: that long before now ("24h", "90m"). */
	if (writ_parse_duration(s, strlen(s), &ago) == WRIT_OK) {
		if (ago < 0 || ago >= now || now >= INT64_MAX / 1000000000)
			return WRIT_EINVAL;
		*out_ns = (now - ago) * 1000000000;
		return WRIT_OK;
	}
	return parse_time(s, out_ns);
}

bool
writ_audit_filter_match(const struct writ_audit_filter *f, const char *line, size_t len)
{
	const json_t *type, *time_v, *rid;
	json_error_t jerr;
	int64_t t;
	json_t *e;
	bool ok = false;
	size_t i;

	if ((e = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return false;
	if (!json_is_object(e))
		goto out;
	type = json_object_get(e, "type");
	if (f->ntypes > 0) {
		for (i = 0; i < f->ntypes; i++)
			if (str_is(type, f->types[i]))
				break;
		if (i == f->ntypes)
			goto out;
	}
	if (f->since_ns != 0 || f->until_ns != 0) {
		time_v = json_object_get(e, "time");
		if (!json_is_string(time_v) || parse_time(json_string_value(time_v), &t) != WRIT_OK ||
		    (f->since_ns != 0 && t < f->since_ns) || (f->until_ns != 0 && t >= f->until_ns))
			goto out;
	}
	if (f->path != NULL && !path_match(f->path, entry_path(e)))
		goto out;
	if (f->identity != NULL && !identity_match(e, f->identity))
		goto out;
	if (f->request_id != NULL) {
		rid = json_object_get(json_object_get(e, "request"), "id");
		if (rid == NULL)
			rid = json_object_get(json_object_get(e, "decision"), "decision_id");
		if (!str_is(rid, f->request_id))
			goto out;
	}
	if (f->outcome >= 0 && outcome(e) != f->outcome)
		goto out;
	ok = true;
out:
	json_decref(e);
	return ok;
}

