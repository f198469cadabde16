/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request field helpers with Vault's loose typing (numbers as strings, bools
 * as "true", durations as "1h" or seconds, lists as arrays or "a,b"), the
 * response error setter and UUIDs.
 */
#include <stdio.h>
#include <string.h>

#include "writ/core.h"
#include "writ/crypto.h"
#include "writ/req.h"

writ_rc
writ_resp_err(struct writ_resp *resp, writ_rc rc, int status, const char *fmt, ...)
{
	va_list ap;

	resp->rc = rc;
	resp->status = status ? status : writ_rc_http_status(rc);
	va_start(ap, fmt);
	vsnprintf(resp->msg, sizeof(resp->msg), fmt, ap);
	va_end(ap);
	return rc;
}

const char *
writ_req_query(const struct writ_req *req, const char *name)
{
	json_t *v;

	if (req->query == NULL)
		return NULL;
	v = json_object_get(req->query, name);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

writ_rc
writ_json_as_int(const json_t *v, int64_t *out)
{
	uint64_t u;
	const char *s;
	bool neg;

	if (json_is_integer(v)) {
		*out = (int64_t)json_integer_value(v);
		return WRIT_OK;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);

		if (d != (double)(int64_t)d)
			return WRIT_EINVAL;
		*out = (int64_t)d;
		return WRIT_OK;
	}
	if (!json_is_string(v))
		return WRIT_EINVAL;
	s = json_string_value(v);
	neg = s[0] == '-';
	if (writ_parse_u64(s + neg, strlen(s + neg), &u) != WRIT_OK || u > INT64_MAX)
		return WRIT_EINVAL;
	*out = neg ? -(int64_t)u : (int64_t)u;
	return WRIT_OK;
}

writ_rc
writ_json_as_bool(const json_t *v, bool *out)
{
	const char *s;

	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return WRIT_OK;
	}
	if (json_is_integer(v)) {
		*out = json_integer_value(v) != 0;
		return WRIT_OK;
	}
	if (!json_is_string(v))
		return WRIT_EINVAL;
	s = json_string_value(v);
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0 || strcmp(s, "t") == 0) {
		*out = true;
		return WRIT_OK;
	}
	if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0 || strcmp(s, "f") == 0 ||
	    s[0] == '\0') {
		*out = false;
		return WRIT_OK;
	}
	return WRIT_EINVAL;
}

writ_rc
writ_json_as_duration(const json_t *v, int64_t *out)
{
	const char *s;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return WRIT_EINVAL;
		*out = (int64_t)json_integer_value(v);
		return WRIT_OK;
	}
	if (!json_is_string(v))
		return WRIT_EINVAL;
	s = json_string_value(v);
	if (s[0] == '\0') {
		*out = 0;
		return WRIT_OK;
	}
	return writ_parse_duration(s, strlen(s), out);
}

static writ_rc
split_csv(struct writ_arena *a, const char *s, char ***out, size_t *n)
{
	size_t count = 1, i = 0;
	const char *p;
	char **vec;

	for (p = s; *p; p++)
		count += *p == ',';
	vec = writ_arena_calloc(a, count + 1, sizeof(*vec));
	if (vec == NULL)
		return WRIT_ENOMEM;
	while (*s) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		const char *b = s, *e = s + len;

		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > b && (vec[i] = writ_arena_strndup(a, b, (size_t)(e - b))) == NULL)
			return WRIT_ENOMEM;
		if (e > b)
			i++;
		s = end ? end + 1 : s + len;
	}
	*out = vec;
	*n = i;
	return WRIT_OK;
}

writ_rc
writ_json_as_strlist(struct writ_arena *a, const json_t *v, char ***out, size_t *n)
{
	size_t i, count;
	char **vec;

	if (json_is_string(v))
		return split_csv(a, json_string_value(v), out, n);
	if (json_is_null(v)) {
		count = 0;
	} else if (!json_is_array(v)) {
		return WRIT_EINVAL;
	} else {
		count = json_array_size(v);
	}
	vec = writ_arena_calloc(a, count + 1, sizeof(*vec));
	if (vec == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < count; i++) {
		json_t *e = json_array_get(v, i);

		if (!json_is_string(e))
			return WRIT_EINVAL;
		if ((vec[i] = writ_arena_strdup(a, json_string_value(e))) == NULL)
			return WRIT_ENOMEM;
	}
	*out = vec;
	*n = count;
	return WRIT_OK;
}

writ_rc
writ_req_str(const struct writ_req *req, const char *name, const char **out)
{
	json_t *v = json_object_get(req->body, name);

	if (v == NULL || json_is_null(v))
		return WRIT_ENOTFOUND;
	if (!json_is_string(v))
		return WRIT_EINVAL;
	*out = json_string_value(v);
	return WRIT_OK;
}

writ_rc
writ_req_int(const struct writ_req *req, const char *name, int64_t *out)
{
	json_t *v = json_object_get(req->body, name);

	if (v == NULL || json_is_null(v))
		return WRIT_ENOTFOUND;
	return writ_json_as_int(v, out);
}

writ_rc
writ_req_bool(const struct writ_req *req, const char *name, bool *out)
{
	json_t *v = json_object_get(req->body, name);

	if (v == NULL || json_is_null(v))
		return WRIT_ENOTFOUND;
	return writ_json_as_bool(v, out);
}

writ_rc
writ_req_duration(const struct writ_req *req, const char *name, int64_t *out)
{
	json_t *v = json_object_get(req->body, name);

	if (v == NULL || json_is_null(v))
		return WRIT_ENOTFOUND;
	return writ_json_as_duration(v, out);
}

writ_rc
writ_req_strlist(const struct writ_req *req, const char *name, char ***out, size_t *n)
{
	json_t *v = json_object_get(req->body, name);

	if (v == NULL)
		return WRIT_ENOTFOUND;
	return writ_json_as_strlist(req->arena, v, out, n);
}

writ_rc
writ_uuid(char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	size_t i, o;
	writ_rc rc;

	if ((rc = writ_random(b, sizeof(b))) != WRIT_OK)
		return rc;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (i = 0, o = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0x0f];
	}
	out[o] = '\0';
	return WRIT_OK;
}
