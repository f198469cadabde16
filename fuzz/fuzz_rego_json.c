/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the Rego JSON parser and writer (lib/rego/json.c).  Besides
 * not crashing, it checks the round trip: whatever parses is written, parsed
 * again and must be an equal value with an equal hash, and writing that
 * value again must give the same bytes.  Both printers must also succeed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "rego/value.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_arith(struct writ_arena *a, const struct rego_val *x, const struct rego_val *y)
{
	const struct rego_val *r, *back;
	struct writ_buf b;
	struct writ_err err;
	writ_rc rc;
	int op;

	for (op = 0; op < 10; op++) {
		if (op == 0)
			rc = rego_num_add(a, x, y, &r, &err);
		else if (op == 1)
			rc = rego_num_sub(a, x, y, &r, &err);
		else if (op == 2)
			rc = rego_num_mul(a, x, y, &r, &err);
		else if (op == 3)
			rc = rego_num_div(a, x, y, &r, &err);
		else if (op == 4)
			rc = rego_num_rem(a, x, y, &r, &err);
		else
			rc = rego_num_unary(a, (enum rego_num_unop)(op - 5), x, &r, &err);
		if (rc != WRIT_OK)
			continue;
		writ_buf_init(&b, 0);
		if (rego_num_append(&b, r) != WRIT_OK ||
		    rego_number_parse(a, b.ptr, b.len, &back, &err) != WRIT_OK ||
		    !rego_equal(r, back) || rego_hash(r) != rego_hash(back))
			abort();
		writ_buf_free(&b);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct writ_arena *a = writ_arena_new(64u << 20, 0);
	struct rego_json_limits lim = {.max_depth = 64};
	const struct rego_val *v, *w;
	struct writ_buf b1, b2, b3;
	struct writ_err err;
	char *in = malloc(size ? size : 1);

	if (a == NULL || in == NULL)
		abort();
	/* A copy of exactly size bytes so that any over-read is caught by ASan. */
	memcpy(in, data, size);
	writ_buf_init(&b1, 0);
	writ_buf_init(&b2, 0);
	writ_buf_init(&b3, 0);
	if (rego_json_parse(a, in, size, &lim, &v, &err) != WRIT_OK)
		goto out;
	if (rego_json_write(&b1, v, NULL, &err) != WRIT_OK)
		abort();
	if (rego_json_parse(a, b1.ptr, b1.len, &lim, &w, &err) != WRIT_OK)
		abort();
	if (!rego_equal(v, w) || rego_compare(v, w) != 0 || rego_hash(v) != rego_hash(w))
		abort();
	if (rego_json_write(&b2, w, NULL, &err) != WRIT_OK || b1.len != b2.len ||
	    memcmp(b1.ptr, b2.ptr, b1.len) != 0)
		abort();
	if (rego_print(&b3, v, &err) != WRIT_OK)
		abort();
	if (v->type == REGO_ARRAY && v->len == 2 && v->u.elems[0]->type == REGO_NUMBER &&
	    v->u.elems[1]->type == REGO_NUMBER)
		check_arith(a, v->u.elems[0], v->u.elems[1]);
out:
	writ_buf_free(&b1);
	writ_buf_free(&b2);
	writ_buf_free(&b3);
	writ_arena_free(a);
	free(in);
	return 0;
}
