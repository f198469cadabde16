/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the Rego lexer, parser and formatter.  The input is parsed
 * as a module, a query and a term.  A module that parses must format to text
 * that parses to the same tree (debug print without locations) and formats
 * to itself (abort otherwise); a failed parse must say where (line >= 1) and
 * why.  Limits are kept small so that deep inputs hit them quickly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"

#include "rego/ast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_failure(writ_rc rc, const struct rego_diag *d)
{
	if (rc != WRIT_EPARSE && rc != WRIT_ELIMIT && rc != WRIT_ENOMEM)
		abort();
	if (d->line < 1 || d->col < 1 || d->msg[0] == '\0' || d->code == NULL)
		abort();
}

/* fmt(m) parses to the same tree and formats to itself. */
static void
check_round_trip(struct writ_arena *a, const struct rego_module *m, const struct rego_limits *lim)
{
	struct writ_buf t1, t2, f1, f2;
	struct rego_module *m2;
	struct rego_diag d;

	writ_buf_init(&t1, 0);
	writ_buf_init(&t2, 0);
	writ_buf_init(&f1, 0);
	writ_buf_init(&f2, 0);
	if (rego_fmt_module(m, &f1) != WRIT_OK || rego_ast_print_module(m, false, &t1) != WRIT_OK)
		abort();
	if (rego_parse_module(a, "fmt", f1.ptr, f1.len, lim, &m2, &d, NULL) != WRIT_OK)
		abort();
	if (rego_ast_print_module(m2, false, &t2) != WRIT_OK || strcmp(t1.ptr, t2.ptr) != 0)
		abort();
	if (rego_fmt_module(m2, &f2) != WRIT_OK || strcmp(f1.ptr, f2.ptr) != 0)
		abort();
	writ_buf_free(&t1);
	writ_buf_free(&t2);
	writ_buf_free(&f1);
	writ_buf_free(&f2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct rego_limits lim = {
	    .max_source = 1u << 16, .max_tokens = 20000, .max_depth = 64};
	struct writ_arena *a = writ_arena_new(64u << 20, 0);
	const char *src = (const char *)data;
	struct rego_module *m;
	struct rego_body *q;
	struct rego_term *t;
	struct rego_diag d;
	writ_rc rc;

	if (a == NULL)
		return 0;
	rc = rego_parse_module(a, "fuzz", src, size, &lim, &m, &d, NULL);
	if (rc == WRIT_OK)
		check_round_trip(a, m, &lim);
	else
		check_failure(rc, &d);
	if ((rc = rego_parse_query(a, "fuzz", src, size, &lim, &q, &d, NULL)) != WRIT_OK)
		check_failure(rc, &d);
	if ((rc = rego_parse_term(a, "fuzz", src, size, &lim, &t, &d, NULL)) != WRIT_OK)
		check_failure(rc, &d);
	writ_arena_free(a);
	return 0;
}
