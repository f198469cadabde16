/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the stored token record decoder (lib/auth/token_rec.c).
 * Whatever it accepts must encode back to the same bytes: the format has one
 * encoding per record, so a decoder that accepted anything else would be
 * reading fields it does not check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct writ_arena *a = writ_arena_new(1u << 22, 0);
	struct tok_rec r;
	struct writ_buf b;

	if (a == NULL)
		abort();
	writ_buf_init(&b, 0);
	if (tok_rec_decode_binary(a, "00", data, size, &r) == WRIT_OK) {
		if (tok_rec_encode(&r, &b) != WRIT_OK)
			abort();
		/* JSON fields are re-serialised compactly, so compare only without them. */
		if (r.t.meta == NULL && r.t.bound_cidrs == NULL &&
		    (b.len != size || memcmp(b.ptr, data, size) != 0))
			abort();
		tok_rec_clear(&r);
	}
	writ_buf_free(&b);
	writ_arena_free(a);
	return 0;
}
