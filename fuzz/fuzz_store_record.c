/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for what the store reads back from disk: the input is used as
 * a barrier record stored at a fixed key and decrypted with a fixed keyring
 * (terms 1 and 2), and also parsed as a serialised keyring.  Neither may
 * crash, read out of bounds or accept garbage: a record is accepted only if
 * it authenticates (seed inputs made with the same keys do), and then its
 * plaintext length is exactly the record length minus the overhead.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct keyring *fuzz_keyring(void);

/* Term t's key is 32 bytes of value t, so seeds can be made outside. */
static struct keyring *
fuzz_keyring(void)
{
	static struct keyring *kr;

	if (kr != NULL)
		return kr;
	if ((kr = keyring_alloc(2)) == NULL)
		abort();
	kr->nterms = 2;
	kr->active = 2;
	kr->terms[0].term = 1;
	memset(kr->terms[0].key, 1, WRIT_AEAD_KEY_LEN);
	kr->terms[1].term = 2;
	memset(kr->terms[1].key, 2, WRIT_AEAD_KEY_LEN);
	return kr;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyring *kr = fuzz_keyring(), *parsed = NULL;
	unsigned char *rec = malloc(size ? size : 1), *out;
	size_t olen = 0;

	if (rec == NULL)
		abort();
	memcpy(rec, data, size); /* exact size, so ASan sees any over-read */
	out = malloc(size > BARRIER_OVERHEAD ? size - BARRIER_OVERHEAD : 1);
	if (out == NULL)
		abort();
	if (barrier_open(kr, "fuzz/key", rec, size, out, &olen) == WRIT_OK &&
	    olen + BARRIER_OVERHEAD != size)
		abort();
	if (keyring_decode(rec, size, &parsed) == WRIT_OK) {
		if (parsed->nterms == 0 || keyring_key(parsed, parsed->active) == NULL)
			abort();
		keyring_free(parsed);
	}
	free(out);
	free(rec);
	return 0;
}
