/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Clock helpers: wall-clock seconds for TTLs and RFC 3339 stamps, monotonic
 * milliseconds for timers and measurements.
 */
#include <stdio.h>
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

void
writ_time_rfc3339(char *buf, size_t len, int64_t sec, long nsec)
{
	struct tm tm;
	time_t t = (time_t)sec;
	char base[32];

	gmtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (nsec > 0)
		snprintf(buf, len, "%s.%09ldZ", base, nsec);
	else
		snprintf(buf, len, "%sZ", base);
}
