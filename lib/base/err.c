/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error records and the single table that names each return code and maps it
 * to an HTTP status.  The names are stable API (docs/ERRORS.md).
 */
#include <stdio.h>

#include "writ/base.h"

static const struct {
	const char *name;
	int http;
} rc_table[WRIT_RC_MAX] = {
	[WRIT_OK] = {"ok", 200},
	[WRIT_ENOMEM] = {"out_of_memory", 500},
	[WRIT_EINVAL] = {"invalid_request", 400},
	[WRIT_ETOOBIG] = {"too_large", 413},
	[WRIT_ELIMIT] = {"limit_exceeded", 400},
	[WRIT_ENOTFOUND] = {"not_found", 404},
	[WRIT_EDENIED] = {"permission_denied", 403},
	[WRIT_ECONFLICT] = {"conflict", 400},
	[WRIT_EIO] = {"io_error", 500},
	[WRIT_EDB] = {"storage_error", 500},
	[WRIT_ECRYPTO] = {"crypto_error", 500},
	[WRIT_EPARSE] = {"parse_error", 400},
	[WRIT_EINTERNAL] = {"internal_error", 500},
	[WRIT_ESEALED] = {"sealed", 503},
	[WRIT_EUNSUPPORTED] = {"unsupported_operation", 405},
};

writ_rc
writ_err_set(struct writ_err *err, writ_rc code, const char *file, int line, const char *fmt,
    ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	err->file = file;
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

const char *
writ_rc_name(writ_rc rc)
{
	if ((unsigned)rc >= WRIT_RC_MAX || rc_table[rc].name == NULL)
		return "internal_error";
	return rc_table[rc].name;
}

int
writ_rc_http_status(writ_rc rc)
{
	if ((unsigned)rc >= WRIT_RC_MAX || rc_table[rc].http == 0)
		return 500;
	return rc_table[rc].http;
}
