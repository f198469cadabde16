/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the time.* builtins (lib/rego/builtins/time.c, tz.c).  The
 * input is "layout\nvalue[\nzone]": the value is parsed with the layout, as
 * a duration and as RFC 3339; whatever parses is formatted back with the
 * layout, and formatting then parsing again must give the same instant
 * for the layouts that keep every field.  The zone name goes through the
 * TZif reader (names are checked before any file is opened).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "rego/builtin.h"
#include "rego/builtins/ext_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct rego_val *
call(struct writ_arena *a, const char *name, const struct rego_val *const *args)
{
	const struct rego_builtin *b = rego_builtin_lookup(name, strlen(name));
	struct writ_rego_error err;
	struct rego_bctx c = {.arena = a, .name = name, .err = &err};
	const struct rego_val *out = NULL;

	if (b == NULL)
		abort();
	return b->fn(&c, args, &out) == REGO_B_OK ? out : NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct writ_arena *a = writ_arena_new(64u << 20, 0);
	const char *in = (const char *)data, *nl = memchr(data, '\n', size), *nl2;
	const struct rego_val *l, *v, *z, *args[2], *ns, *arr[3], *fa, *f;
	size_t llen = nl != NULL ? (size_t)(nl - in) : size, vlen, zlen = 0;
	struct writ_buf b;
	struct writ_err e;

	if (a == NULL)
		abort();
	vlen = nl != NULL ? size - llen - 1 : 0;
	nl2 = nl != NULL ? memchr(nl + 1, '\n', vlen) : NULL;
	if (nl2 != NULL) {
		zlen = vlen - (size_t)(nl2 - nl);
		vlen = (size_t)(nl2 - nl - 1);
	}
	if (rego_string(a, in, llen, &l, &e) != WRIT_OK ||
	    rego_string(a, nl != NULL ? nl + 1 : "", vlen, &v, &e) != WRIT_OK ||
	    rego_string(a, nl2 != NULL ? nl2 + 1 : "", zlen, &z, &e) != WRIT_OK)
		abort();
	writ_buf_init(&b, 0);
	(void)ext_time_parse_format(l->u.s, l->len, v->u.s, v->len, &b);
	writ_buf_free(&b);
	args[0] = v;
	(void)call(a, "time.parse_duration_ns", args);
	(void)call(a, "time.parse_rfc3339_ns", args);
	args[0] = l;
	args[1] = v;
	if ((ns = call(a, "time.parse_ns", args)) != NULL) {
		arr[0] = ns;
		arr[1] = z;
		arr[2] = l;
		if (rego_array(a, arr, 3, &fa, &e) != WRIT_OK)
			abort();
		args[0] = fa;
		(void)call(a, "time.date", args);
		(void)call(a, "time.clock", args);
		(void)call(a, "time.weekday", args);
		if ((f = call(a, "time.format", args)) != NULL &&
		    (l->len == 25 && memcmp(l->u.s, "2006-01-02T15:04:05Z07:00", 25) == 0)) {
			const struct rego_val *back;

			args[0] = l;
			args[1] = f;
			if ((back = call(a, "time.parse_ns", args)) != NULL &&
			    rego_compare(back, ns) != 0 && z->len == 0)
				abort();
		}
	}
	writ_arena_free(a);
	return 0;
}
