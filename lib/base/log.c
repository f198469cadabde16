/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The logging hook.  lib/ formats a message and hands it to whatever the
 * program installed; with no hook installed nothing is printed.
 */
#include <stdio.h>

#include "writ/base.h"

static writ_log_fn log_fn;
static void *log_arg;
static enum writ_log_level log_max = WRIT_LOG_INFO;

void
writ_log_set(writ_log_fn fn, void *arg, enum writ_log_level max)
{
	log_fn = fn;
	log_arg = arg;
	log_max = max;
}

bool
writ_log_enabled(enum writ_log_level lvl)
{
	return log_fn != NULL && lvl <= log_max;
}

void
writ_log(enum writ_log_level lvl, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!writ_log_enabled(lvl))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fn(lvl, msg, log_arg);
}
