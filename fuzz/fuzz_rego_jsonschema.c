/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the JSON document builtins of families_more.h: the input
 * is "schema\ndocument" (split at the first newline).  Both halves go to
 * json.verify_schema and json.match_schema as JSON text; when both parse,
 * the second is applied to the first with json.patch, the first is rendered
 * as a template with strings.render_template over the second, and the two
 * lines are tried as regex.globs_match patterns.  Besides not crashing,
 * match_schema must answer [valid, errors] with valid exactly when errors
 * is empty, and a schema match_schema accepts must verify.
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
	struct rego_bctx c = {
	    .arena = a, .name = name, .now_ns = 1700000000000000000LL, .err = &err};

	if (b == NULL)
		abort();
	*out = NULL;
	return b->fn(&c, args, out);
}

static const struct rego_val *
str(struct writ_arena *a, const char *s, size_t len)
{
	const struct rego_val *v;
	struct writ_err e;

	if (rego_string(a, s, len, &v, &e) != WRIT_OK)
		abort();
	return v;
}

static void
schema_checks(struct writ_arena *a, const struct rego_val *schema, const struct rego_val *doc)
{
	const struct rego_val *args[2] = {doc, schema}, *out, *v2;

	if (call(a, "json.match_schema", args, &out) == REGO_B_OK) {
		if (out->type != REGO_ARRAY || out->len != 2 ||
		    out->u.elems[0]->type != REGO_BOOL || out->u.elems[1]->type != REGO_ARRAY ||
		    out->u.elems[0]->u.b != (out->u.elems[1]->len == 0))
			abort();
		args[0] = schema;
		if (call(a, "json.verify_schema", args, &v2) != REGO_B_OK || !v2->u.elems[0]->u.b)
			abort();
	}
	args[0] = schema;
	(void)call(a, "json.verify_schema", args, &out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct writ_arena *a = writ_arena_new((size_t)64 << 20, 0);
	const char *s = (const char *)data, *nl;
	const struct rego_val *schema, *doc, *pv, *dv, *args[2], *out;
	struct writ_err e;
	size_t slen;

	if (a == NULL)
		return 0;
	nl = memchr(s, '\n', size);
	slen = nl != NULL ? (size_t)(nl - s) : size;
	schema = str(a, s, slen);
	doc = str(a, nl != NULL ? nl + 1 : "", nl != NULL ? size - slen - 1 : 0);
	schema_checks(a, schema, doc);
	if (rego_json_parse(a, schema->u.s, schema->len, NULL, &pv, &e) == WRIT_OK &&
	    rego_json_parse(a, doc->u.s, doc->len, NULL, &dv, &e) == WRIT_OK) {
		schema_checks(a, pv, dv);
		args[0] = pv;
		args[1] = dv;
		(void)call(a, "json.patch", args, &out);
		args[0] = schema;
		(void)call(a, "strings.render_template", args, &out);
	}
	args[0] = schema;
	args[1] = doc;
	(void)call(a, "regex.globs_match", args, &out);
	writ_arena_free(a);
	return 0;
}
