/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The builtin registry: every family's table, merged once into one array
 * sorted by name for binary search, and the error helpers builtins share.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/builtin.h"
#include "rego/builtins/families_core.h"
#include "rego/builtins/families_ext.h"
#include "rego/builtins/families_graphql.h"
#include "rego/builtins/families_more.h"

/*
 * The families.  A new family file defines `const struct rego_builtin_family
 * rego_family_<name>` and is added to this list.
 */
static const struct rego_builtin_family *const families[] = {
	&rego_family_aggregates,
	&rego_family_arith,
	&rego_family_collections,
	&rego_family_encoding,
	&rego_family_regex,
	&rego_family_sprintf,
	&rego_family_strings,
	&rego_family_types,
	&rego_family_crypto,
	&rego_family_jwt,
	&rego_family_net,
	&rego_family_semver,
	&rego_family_time,
	&rego_family_uuid,
	&rego_family_x509,
	&rego_family_yaml,
	&rego_family_aws,
	&rego_family_jsonschema,
	&rego_family_template,
	&rego_family_globs,
	&rego_family_jsonpatch,
	&rego_family_x509_keys,
	&rego_family_graphql,
	&rego_family_graph,
	&rego_family_regoast,
};

static const struct rego_builtin **sorted;
static size_t nsorted;
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int
by_name(const void *a, const void *b)
{
	const struct rego_builtin *x = *(const struct rego_builtin *const *)a;
	const struct rego_builtin *y = *(const struct rego_builtin *const *)b;

	return strcmp(x->name, y->name);
}

static void
build(void)
{
	size_t i, j, n = 0;

	for (i = 0; i < WRIT_ARRAY_LEN(families); i++)
		n += families[i] != NULL ? families[i]->n : 0;
	if (n == 0 || (sorted = writ_calloc(n, sizeof(*sorted))) == NULL)
		return; /* lookups find nothing; callers report an unknown function */
	for (i = 0; i < WRIT_ARRAY_LEN(families); i++)
		for (j = 0; families[i] != NULL && j < families[i]->n; j++)
			sorted[nsorted++] = &families[i]->v[j];
	qsort(sorted, nsorted, sizeof(*sorted), by_name);
}

const struct rego_builtin *
rego_builtin_lookup(const char *name, size_t len)
{
	size_t lo = 0, hi;

	pthread_once(&sorted_once, build);
	hi = nsorted;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(sorted[mid]->name, name, len);

		if (c == 0 && sorted[mid]->name[len] != '\0')
			c = 1;
		if (c == 0)
			return sorted[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

enum rego_bres
rego_berr_operand(struct rego_bctx *c, unsigned pos, const char *want, const struct rego_val *got)
{
	snprintf(c->err->code, sizeof(c->err->code), "eval_type_error");
	snprintf(c->err->message, sizeof(c->err->message), "%.64s: operand %u must be %.300s but got %s",
	    c->name, pos, want, rego_type_name(got));
	return REGO_B_ERR;
}

enum rego_bres
rego_berr(struct rego_bctx *c, const char *fmt, ...)
{
	char msg[sizeof(c->err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err->code, sizeof(c->err->code), "eval_builtin_error");
	snprintf(c->err->message, sizeof(c->err->message), "%.64s: %.440s", c->name, msg);
	return REGO_B_ERR;
}
