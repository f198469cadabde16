/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the graphql.* builtins (lib/rego/builtins/graphql*.c).
 * The input is "query\0schema" (without a NUL byte, the whole input is both).
 * Every builtin runs on the strings; then the round trips through OPA's AST
 * objects must hold: a schema parsed to an object and given back as that
 * object is valid exactly when the text is, and graphql.parse hands the
 * object back unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "rego/builtin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum rego_bres
call(struct writ_arena *a, const char *name, const struct rego_val *const *args,
    const struct rego_val **out)
{
	const struct rego_builtin *b = rego_builtin_lookup(name, strlen(name));
	struct writ_rego_error err;
	struct rego_bctx c = {.arena = a, .name = name, .err = &err};

	if (b == NULL)
		abort();
	*out = NULL;
	return b->fn(&c, args, out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct writ_arena *a = writ_arena_new(256u << 20, 0);
	const char *in = (const char *)data, *nul = memchr(data, '\0', size);
	const struct rego_val *q, *s, *args[2], *out, *sobj, *v1, *v2;
	struct writ_err e;

	if (a == NULL)
		abort();
	if (rego_string(a, in, nul != NULL ? (size_t)(nul - in) : size, &q, &e) != WRIT_OK ||
	    rego_string(a, nul != NULL ? nul + 1 : in,
	        nul != NULL ? size - (size_t)(nul - in) - 1 : size, &s, &e) != WRIT_OK)
		abort();
	args[0] = q;
	(void)call(a, "graphql.parse_query", args, &out);
	args[0] = s;
	if (call(a, "graphql.parse_schema", args, &sobj) != REGO_B_OK)
		sobj = NULL;
	if (call(a, "graphql.schema_is_valid", args, &v1) != REGO_B_OK)
		abort();
	if (sobj != NULL) {
		args[0] = sobj;
		if (call(a, "graphql.schema_is_valid", args, &v2) != REGO_B_OK ||
		    !rego_equal(v1, v2))
			abort();
	}
	args[0] = q;
	args[1] = s;
	(void)call(a, "graphql.parse", args, &out);
	if (call(a, "graphql.parse_and_verify", args, &out) != REGO_B_OK ||
	    call(a, "graphql.is_valid", args, &v1) != REGO_B_OK)
		abort();
	if (sobj != NULL) {
		args[1] = sobj;
		if (call(a, "graphql.parse", args, &out) == REGO_B_OK &&
		    !rego_equal(rego_array_get(out, 1), sobj))
			abort();
	}
	writ_arena_free(a);
	return 0;
}
