/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for `writ audit query`'s parsers: the first line of the input
 * is a time bound (writ_audit_time_bound), the rest an audit line matched by
 * writ_audit_filter_match with every criterion set, so the JSON reader, the
 * identity walk and the entry-time parser all see mutated text.  Nothing may
 * crash, leak or read out of bounds; a bound that parses is never negative.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writ/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {"request", "response", "decision"};
	struct writ_audit_filter f = {types, 3, "secret/*", "agent-7", "r-1", 0, 1, 0};
	const uint8_t *nl = memchr(data, '\n', size);
	size_t blen = nl != NULL ? (size_t)(nl - data) : size;
	char bound[128];
	int64_t t;

	if (blen < sizeof(bound)) {
		memcpy(bound, data, blen);
		bound[blen] = '\0';
		if (writ_audit_time_bound(bound, 1795424400, &t) == WRIT_OK) {
			if (t < 0)
				abort();
			f.until_ns = t;
		}
	}
	if (nl != NULL)
		(void)writ_audit_filter_match(&f, (const char *)nl + 1, size - blen - 1);
	f.types = NULL;
	f.ntypes = 0;
	f.path = f.identity = f.request_id = NULL;
	f.outcome = -1;
	(void)writ_audit_filter_match(&f, (const char *)data, size);
	return 0;
}
