/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A compact JSON writer for jansson values into a writ_buf.  jansson's own
 * json_dumps goes through a callback per token and printf for numbers; the
 * response path writes every reply, so it gets this direct one.  Output is
 * byte-compatible with json_dumps(JSON_COMPACT) for the values writ produces
 * (insertion order, no spaces), except that reals use %.17g.
 */
#include <stdio.h>
#include <string.h>

#include "writ/req.h"

#define MAX_DEPTH 512

static writ_rc
put_int(struct writ_buf *b, json_int_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	return writ_buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

static writ_rc
put_value(struct writ_buf *b, const json_t *v, unsigned depth)
{
	const char *k;
	json_t *x;
	size_t i;
	writ_rc rc = WRIT_OK;
	bool first = true;

	if (depth > MAX_DEPTH)
		return WRIT_ELIMIT;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		rc = writ_buf_append(b, "{", 1);
		json_object_foreach((json_t *)(uintptr_t)v, k, x) {
			if (rc == WRIT_OK && !first)
				rc = writ_buf_append(b, ",", 1);
			if (rc == WRIT_OK)
				rc = writ_buf_append_json_str(b, k, strlen(k));
			if (rc == WRIT_OK)
				rc = writ_buf_append(b, ":", 1);
			if (rc == WRIT_OK)
				rc = put_value(b, x, depth + 1);
			first = false;
		}
		return rc == WRIT_OK ? writ_buf_append(b, "}", 1) : rc;
	case JSON_ARRAY:
		rc = writ_buf_append(b, "[", 1);
		for (i = 0; rc == WRIT_OK && i < json_array_size(v); i++) {
			if (i > 0)
				rc = writ_buf_append(b, ",", 1);
			if (rc == WRIT_OK)
				rc = put_value(b, json_array_get(v, i), depth + 1);
		}
		return rc == WRIT_OK ? writ_buf_append(b, "]", 1) : rc;
	case JSON_STRING:
		return writ_buf_append_json_str(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return put_int(b, json_integer_value(v));
	case JSON_REAL:
		return writ_buf_appendf(b, "%.17g", json_real_value(v));
	case JSON_TRUE:
		return writ_buf_append(b, "true", 4);
	case JSON_FALSE:
		return writ_buf_append(b, "false", 5);
	default:
		return writ_buf_append(b, "null", 4);
	}
}

writ_rc
writ_json_append(struct writ_buf *b, const json_t *v)
{
	if (v == NULL)
		return writ_buf_append(b, "null", 4);
	return put_value(b, v, 0);
}
