/* SPDX-License-Identifier: Apache-2.0 */
/* The Rego unit tests' fixture (rego_fx.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "rego_fx.h"

struct writ_arena *rfx_arena;

int
rfx_setup(void **state)
{
	(void)state;
	rfx_arena = writ_arena_new(0, 0);
	return rfx_arena == NULL;
}

int
rfx_teardown(void **state)
{
	(void)state;
	writ_arena_free(rfx_arena);
	rfx_arena = NULL;
	return 0;
}

const struct rego_val *
rfx_json(const char *s, size_t len)
{
	const struct rego_val *v = NULL;
	struct writ_err err = {0};

	if (rego_json_parse(rfx_arena, s, len, NULL, &v, &err) != WRIT_OK)
		fail_msg("parse %.*s: %s", (int)len, s, err.msg);
	return v;
}


struct writ_rego_bundle *
fx_rego_compile(const char *mod, const char *data)
{
	struct writ_rego_source src = {"t.rego", mod, mod != NULL ? strlen(mod) : 0};
	struct writ_rego_compile_opts o = {
	    &src, mod != NULL ? 1 : 0, data, data != NULL ? strlen(data) : 0, false};
	struct writ_rego_bundle *b = NULL;
	struct writ_rego_error err;
	char msg[1024];

	if (writ_rego_compile(&o, &b, &err) != WRIT_OK) {
		writ_rego_error_format(&err, msg, sizeof(msg));
		fail_msg("compile: %s", msg);
	}
	return b;
}
