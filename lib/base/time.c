/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Clock helpers: wall-clock seconds for TTLs and RFC 3339 stamps, monotonic
 * milliseconds for timers and measurements.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "writ/base.h"

int64_t
writ_time_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

void
writ_time_now_ns(int64_t *sec, long *nsec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = (int64_t)ts.tv_sec;
	*nsec = ts.tv_nsec;
}

uint64_t
writ_time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t
writ_time_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
writ_time_mono_us(void)
{
	return writ_time_mono_ns() / 1000u;
}

void
writ_time_rfc3339(char *buf, size_t len, int64_t sec, long nsec)
{
	struct tm tm;
	time_t t = (time_t)sec;
	char out[40], *p = out;
	size_t n;
	int v[6], i;

	gmtime_r(&t, &tm);
	v[0] = tm.tm_year + 1900;
	v[1] = tm.tm_mon + 1;
	v[2] = tm.tm_mday;
	v[3] = tm.tm_hour;
	v[4] = tm.tm_min;
	v[5] = tm.tm_sec;
	if (v[0] < 0 || v[0] > 9999 || nsec < 0 || nsec > 999999999L) {
		/* Outside what the fixed layout holds: the slow path says what it is. */
		snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", v[0], v[1], v[2], v[3],
		    v[4], v[5], nsec);
		return;
	}
	/* Every request's audit entries carry a time: digits by hand, no printf. */
	*p++ = (char)('0' + v[0] / 1000);
	*p++ = (char)('0' + v[0] / 100 % 10);
	*p++ = (char)('0' + v[0] / 10 % 10);
	*p++ = (char)('0' + v[0] % 10);
	for (i = 1; i < 6; i++) {
		*p++ = i == 3 ? 'T' : i < 3 ? '-' : ':';
		*p++ = (char)('0' + v[i] / 10);
		*p++ = (char)('0' + v[i] % 10);
	}
	if (nsec > 0) {
		*p++ = '.';
		for (i = 8; i >= 0; i--, nsec /= 10)
			p[i] = (char)('0' + nsec % 10);
		p += 9;
	}
	*p++ = 'Z';
	n = (size_t)(p - out);
	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, out, n);
	buf[n] = '\0';
}
