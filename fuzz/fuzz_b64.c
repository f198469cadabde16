/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the base64 and hex decoders.  Besides not crashing, it
 * checks the strictness invariant: whatever the decoder accepts is the one
 * canonical encoding of its output, so re-encoding the output (in the
 * alphabet the input used, padding stripped on both sides) gives the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writ/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_b64(const char *in, size_t len);
static void check_hex(const char *in, size_t len);

static void
check_b64(const char *in, size_t len)
{
	unsigned char *dec = malloc(3 * (len / 4) + 3);
	char *enc = NULL;
	size_t dlen = 0, elen, ilen = len;
	bool url = memchr(in, '-', len) != NULL || memchr(in, '_', len) != NULL;

	if (dec == NULL)
		abort();
	if (writ_b64_decode(in, len, dec, &dlen) != WRIT_OK)
		goto out;
	if (dlen > 3 * (len / 4) + 3 || (enc = malloc(4 * ((dlen + 2) / 3) + 1)) == NULL)
		abort();
	elen = url ? writ_b64url_encode(dec, dlen, enc) : writ_b64_encode(dec, dlen, enc);
	while (elen > 0 && enc[elen - 1] == '=')
		elen--;
	while (ilen > 0 && in[ilen - 1] == '=')
		ilen--;
	if (elen != ilen || memcmp(enc, in, elen) != 0)
		abort();
out:
	free(enc);
	free(dec);
}

static void
check_hex(const char *in, size_t len)
{
	unsigned char *dec = malloc(len / 2 + 1);
	char *enc = malloc(len + 1);
	size_t i;

	if (dec == NULL || enc == NULL)
		abort();
	if (writ_hex_decode(in, len, dec) == WRIT_OK) {
		writ_hex_encode(dec, len / 2, enc);
		for (i = 0; i < len; i++)
			if ((in[i] | 0x20) != enc[i])
				abort();
	}
	free(enc);
	free(dec);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes so that any over-read is caught by ASan. */
	char *in = malloc(size ? size : 1);

	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	check_b64(in, size);
	check_hex(in, size);
	free(in);
	return 0;
}
