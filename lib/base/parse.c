/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The only integer and duration parsers in libwrit: whole-string, no sign, no
 * whitespace, overflow checked.  Every number that comes from outside goes
 * through writ_parse_u64.
 */
#include <string.h>

#include "writ/base.h"

writ_rc
writ_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20)
		return WRIT_EINVAL;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return WRIT_EINVAL;
		d = (unsigned)(s[i] - '0');
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v))
			return WRIT_EINVAL;
	}
	*out = v;
	return WRIT_OK;
}

static int64_t
unit_seconds(char c)
{
	switch (c) {
	case 's':
		return 1;
	case 'm':
		return 60;
	case 'h':
		return 3600;
	case 'd':
		return 86400;
	default:
		return 0;
	}
}

writ_rc
writ_parse_duration(const char *s, size_t len, int64_t *out)
{
	int64_t total = 0;
	uint64_t v;
	size_t i = 0, start;

	if (len == 0 || len > 64)
		return WRIT_EINVAL;
	if (writ_parse_u64(s, len, &v) == WRIT_OK) {
		if (v > INT64_MAX / 2)
			return WRIT_EINVAL;
		*out = (int64_t)v;
		return WRIT_OK;
	}
	while (i < len) {
		int64_t mult, part;

		start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start || i == len)
			return WRIT_EINVAL;
		if (writ_parse_u64(s + start, i - start, &v) != WRIT_OK || v > INT64_MAX / 2)
			return WRIT_EINVAL;
		/* "ms" is accepted and rounds down to whole seconds. */
		if (s[i] == 'm' && i + 1 < len && s[i + 1] == 's') {
			part = (int64_t)(v / 1000);
			i += 2;
		} else {
			if ((mult = unit_seconds(s[i])) == 0)
				return WRIT_EINVAL;
			if (__builtin_mul_overflow((int64_t)v, mult, &part))
				return WRIT_EINVAL;
			i++;
		}
		if (__builtin_add_overflow(total, part, &total) || total > INT64_MAX / 2)
			return WRIT_EINVAL;
	}
	*out = total;
	return WRIT_OK;
}

int
writ_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
