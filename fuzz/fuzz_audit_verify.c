/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for writ_audit_verify_buf: any bytes, checked against a fixed
 * Ed25519 public key (the key of the 32-byte seed 0x42...42, which also signed
 * the valid logs in corpus/audit_verify/, so mutations of them reach the
 * checkpoint code).  Verification must never crash, leak or read out of
 * bounds; the only invariant checked is the report's own consistency.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writ/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char pub[WRIT_ED25519_PUB];
static int have_pub;

static int
load_pub(void)
{
	unsigned char seed[32];
	struct writ_key *k = NULL;

	memset(seed, 0x42, sizeof(seed));
	if (writ_key_ed25519_from_seed(seed, &k) != WRIT_OK)
		return 0;
	if (writ_key_public_raw(k, pub) != WRIT_OK) {
		writ_key_free(k);
		return 0;
	}
	writ_key_free(k);
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct writ_audit_report r;
	writ_rc rc;

	if (!have_pub && !(have_pub = load_pub()))
		return 0;
	rc = writ_audit_verify_buf((const char *)data, size, pub, &r);
	/* A report names a bad line exactly when verification failed. */
	if ((rc == WRIT_OK) != (r.bad_line == 0) || r.bad_line > r.lines ||
	    r.unsigned_tail > r.lines || memchr(r.problem, '\0', sizeof(r.problem)) == NULL)
		abort();
	return 0;
}
