/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for sprintf and the regex builtins (lib/rego/builtins/).  The
 * input is a format/pattern, a NUL byte, then a JSON array of operands for
 * sprintf or a subject string for the regex builtins.  Besides not
 * crashing, every call must end in a result or an error with a code, and
 * results must be strings (sprintf) or arrays (find, split).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "rego/builtin.h"
#include "rego/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
run(struct writ_arena *a, const char *name, const struct rego_val *const *args, uint8_t want)
{
	const struct rego_builtin *b = rego_builtin_lookup(name, strlen(name));
	struct writ_rego_error e;
	struct rego_bctx c = {.arena = a, .name = name, .err = &e};
	const struct rego_val *out = NULL;
	enum rego_bres r;

	if (b == NULL)
		abort();
	memset(&e, 0, sizeof(e));
	r = b->fn(&c, args, &out);
	if (r == REGO_B_ERR && e.code[0] == '\0')
		abort();
	if (r == REGO_B_OK && (out == NULL || (want != 0xff && out->type != want)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct writ_arena *a = writ_arena_new(64u << 20, 0);
	const uint8_t *nul = memchr(data, 0, size);
	const struct rego_val *fmt, *rest, *ops, *args[4], *n;
	struct writ_err err;
	size_t flen = nul != NULL ? (size_t)(nul - data) : size;
	size_t rlen = nul != NULL ? size - flen - 1 : 0;
	char *in = malloc(size ? size : 1);

	if (a == NULL || in == NULL)
		abort();
	/* A copy of exactly size bytes so that any over-read is caught by ASan. */
	memcpy(in, data, size);
	if (rego_string(a, in, flen, &fmt, &err) != WRIT_OK ||
	    rego_string(a, in + flen + (nul != NULL), rlen, &rest, &err) != WRIT_OK ||
	    rego_int(a, -1, &n, &err) != WRIT_OK)
		abort();
	if (rego_json_parse(a, rest->u.s, rest->len, NULL, &ops, &err) == WRIT_OK) {
		args[0] = fmt;
		args[1] = ops;
		run(a, "sprintf", args, REGO_STRING);
	}
	args[0] = fmt;
	args[1] = rest;
	run(a, "regex.match", args, REGO_BOOL);
	run(a, "regex.split", args, REGO_ARRAY);
	args[2] = n;
	run(a, "regex.find_n", args, REGO_ARRAY);
	run(a, "regex.find_all_string_submatch_n", args, REGO_ARRAY);
	args[0] = rest;
	args[1] = fmt;
	args[2] = rest;
	run(a, "regex.replace", args, REGO_STRING);
	args[0] = fmt;
	args[1] = &rego_null_val;
	args[2] = rest;
	run(a, "glob.match", args, REGO_BOOL);
	writ_arena_free(a);
	free(in);
	return 0;
}
