/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Audit log benchmark: writes N entries of about 500 bytes with the real
 * writer (checkpoint every 1000, as the server does), then times
 * writ_audit_verify_file over the result (best of three runs, file in the page
 * cache, so this measures verification, not the disk) and prints lines/s.
 * The target is 200,000 lines/s.  Built and run by bench/audit_verify.sh.
 *
 *   audit_verify [lines [path]]     defaults: 1000000, $TMPDIR/writ-bench-audit.log
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "writ/audit.h"

#define TARGET_LINES_PER_SEC 200000.0
#define LINE_TARGET          500

/* One realistic response entry of about LINE_TARGET bytes once seq and prev are added. */
static int
entry(char *buf, size_t len, const unsigned char *hk, uint64_t i)
{
	char tok[WRIT_AUDIT_HMAC_STR_LEN], val[WRIT_AUDIT_HMAC_STR_LEN], num[32];
	int n;

	snprintf(num, sizeof(num), "%" PRIu64, i);
	writ_audit_hmac_str(hk, num, strlen(num), tok);
	writ_audit_hmac_str(hk, tok, 20, val);
	n = snprintf(buf, len,
	    "{\"type\":\"response\",\"time\":\"2026-11-23T14:30:00.123456789Z\","
	    "\"auth\":{\"accessor\":\"%s\",\"policies\":[\"app\"],"
	    "\"spiffe_id\":\"spiffe://example.org/ns/prod/sa/agent-%" PRIu64 "\"},"
	    "\"request\":{\"id\":\"req-%016" PRIx64 "\",\"op\":\"read\","
	    "\"path\":\"kv/data/team-%" PRIu64 "/db-password\"},"
	    "\"response\":{\"status\":200,\"data\":{\"password\":\"%s\"}}}",
	    tok, i % 97, i * 2654435761u, i % 13, val);
	return n;
}

static int
generate(const char *path, uint64_t nlines, const struct writ_key *key)
{
	unsigned char hk[WRIT_AUDIT_HMAC_KEY_LEN];
	struct writ_audit_opts o = {path, hk, key, 1000};
	struct writ_audit *a = NULL;
	struct writ_err err = {0};
	char buf[1024];
	double t0;
	uint64_t i;
	int n;

	memset(hk, 0x5a, sizeof(hk));
	unlink(path);
	t0 = ((double)writ_time_mono_ns() / 1e9);
	if (writ_audit_open(&o, &a, &err) != WRIT_OK)
		goto fail;
	for (i = 0; i < nlines; i++) {
		n = entry(buf, sizeof(buf), hk, i);
		if (writ_audit_append(a, buf, (size_t)n, NULL, &err) != WRIT_OK)
			goto fail;
	}
	writ_audit_close(a);
	printf("audit append: %" PRIu64
	       " entries in %.2f s (%.0f entries/s with entry building, no fsync)\n",
	    nlines, ((double)writ_time_mono_ns() / 1e9) - t0, (double)nlines / (((double)writ_time_mono_ns() / 1e9) - t0));
	return 0;
fail:
	fprintf(stderr, "audit_verify: %s\n", err.msg);
	writ_audit_close(a);
	return -1;
}

static int
verify(const char *path, const unsigned char pub[WRIT_ED25519_PUB], double *best,
    struct writ_audit_report *r)
{
	struct writ_err err = {0};
	double t;
	int run;

	*best = 1e9;
	for (run = 0; run < 3; run++) {
		t = ((double)writ_time_mono_ns() / 1e9);
		if (writ_audit_verify_file(path, pub, r, &err) != WRIT_OK) {
			fprintf(stderr, "audit_verify: verify failed: %s\n", err.msg);
			return -1;
		}
		t = ((double)writ_time_mono_ns() / 1e9) - t;
		if (t < *best)
			*best = t;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char defpath[512];
	const char *path, *tmp = getenv("TMPDIR");
	unsigned char seed[32], pub[WRIT_ED25519_PUB];
	struct writ_audit_report r;
	struct writ_key *key = NULL;
	uint64_t nlines = 1000000;
	double best, bytes;
	int rc = 1;

	if (argc > 1 && writ_parse_u64(argv[1], strlen(argv[1]), &nlines) != WRIT_OK)
		return 2;
	snprintf(defpath, sizeof(defpath), "%s/writ-bench-audit.log", tmp ? tmp : "/tmp");
	path = argc > 2 ? argv[2] : defpath;
	memset(seed, 7, sizeof(seed));
	if (writ_key_ed25519_from_seed(seed, &key) != WRIT_OK ||
	    writ_key_public_raw(key, pub) != WRIT_OK)
		goto out;
	if (generate(path, nlines, key) != 0 || verify(path, pub, &best, &r) != 0)
		goto out;
	bytes = 0;
	{
		FILE *f = fopen(path, "rb");

		if (f != NULL && fseek(f, 0, SEEK_END) == 0)
			bytes = (double)ftell(f);
		if (f != NULL)
			fclose(f);
	}
	printf("audit verify: %" PRIu64 " lines (%" PRIu64 " checkpoints), %.0f bytes/line avg, "
	       "%.3f s: %.0f lines/s, %.0f MB/s (target %.0f lines/s: %s)\n",
	    r.lines, r.checkpoints, bytes / (double)r.lines, best, (double)r.lines / best,
	    bytes / best / 1e6, TARGET_LINES_PER_SEC,
	    (double)r.lines / best >= TARGET_LINES_PER_SEC ? "met" : "NOT met");
	rc = 0;
out:
	writ_key_free(key);
	unlink(path);
	return rc;
}
