/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tamper-evident audit log.
 *
 * Each entry is one JSON line.  The log adds two members at the front of every
 * entry it is given: "seq" (1, 2, ... per file) and "prev" (hex SHA-256 of the
 * previous line's bytes, without its newline; 64 zeros for the first line), so
 * the file is a hash chain.  Every `checkpoint_every` entries, and on close, a
 * checkpoint line is appended whose Ed25519 signature (audit key) covers the
 * checkpoint's seq and the hash of the line before it, and so everything
 * before.  writ_audit_verify_file checks the chain and every signature and
 * names the first line that was altered, removed or reordered.
 *
 * Values that are secret are never written in clear: callers replace them by
 * writ_audit_hmac ("hmac-sha256:<hex>") under the log's HMAC key.
 *
 * Thread safety: writ_audit_* may be called from any thread; entries are
 * ordered by a mutex.  Appends are single write(2) calls; writ_audit_sync
 * makes entries durable with one fdatasync shared by every waiter.
 */
#ifndef WRIT_AUDIT_H
#define WRIT_AUDIT_H

#include "writ/base.h"
#include "writ/crypto.h"

#define WRIT_AUDIT_HMAC_KEY_LEN 32
#define WRIT_AUDIT_HMAC_STR_LEN (12 + 64 + 1) /* "hmac-sha256:" + hex + NUL */
#define WRIT_AUDIT_LINE_MAX     (4u << 20)

struct writ_audit;

struct writ_audit_opts {
	const char *path;             /* file to append to (created 0600) */
	const unsigned char *hmac_key; /* WRIT_AUDIT_HMAC_KEY_LEN bytes, copied */
	const struct writ_key *sign_key; /* Ed25519 private key, borrowed for the log's life */
	unsigned checkpoint_every;    /* entries between checkpoints; 0 = 1000 */
};

/*
 * Open a file log.  An existing file is continued: its last complete line
 * gives seq and prev; a torn final line (no newline, e.g. after a crash) is
 * truncated away and a "recovered" entry records how many bytes were dropped.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_audit_open(const struct writ_audit_opts *opts,
    struct writ_audit **out, struct writ_err *err);
/* Write a final checkpoint, sync and close; accepts NULL. */
WRIT_API void writ_audit_close(struct writ_audit *a);

/*
 * Append one entry.  json is a JSON object text ("{...}", no newline) of len
 * bytes; the log inserts "seq" and "prev".  *seq (may be NULL) gets the entry's
 * sequence number for writ_audit_sync.  Any failure (write error, full disk)
 * returns WRIT_EIO and leaves the file as it was: fail closed is the caller's
 * job (refuse the request).
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_audit_append(struct writ_audit *a, const char *json,
    size_t len, uint64_t *seq, struct writ_err *err);
/* Block until entry seq is on disk. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_audit_sync(struct writ_audit *a, uint64_t seq,
    struct writ_err *err);
/* Append a signed checkpoint now. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_audit_checkpoint(struct writ_audit *a,
    struct writ_err *err);

/*
 * "hmac-sha256:<hex>" of value under key, into out (WRIT_AUDIT_HMAC_STR_LEN).
 * CT: time depends only on lengths.
 */
WRIT_API void writ_audit_hmac_str(const unsigned char key[WRIT_AUDIT_HMAC_KEY_LEN],
    const void *value, size_t len, char out[WRIT_AUDIT_HMAC_STR_LEN]);
/* Same, under this log's key. */
WRIT_API void writ_audit_hmac(const struct writ_audit *a, const void *value, size_t len,
    char out[WRIT_AUDIT_HMAC_STR_LEN]);

/* ---------------------------------------------------------------------------
 * Verification.
 */
struct writ_audit_report {
	uint64_t lines;           /* lines read */
	uint64_t checkpoints;     /* valid signed checkpoints */
	uint64_t unsigned_tail;   /* lines after the last valid checkpoint */
	uint64_t bad_line;        /* 1-based line number of the first problem, 0 if none */
	char problem[256];        /* what is wrong with bad_line */
};

/*
 * Verify a whole file against the audit public key (32 raw Ed25519 bytes).
 * WRIT_OK if the chain is unbroken and every checkpoint signature is valid;
 * WRIT_ECRYPTO with report->bad_line and report->problem otherwise;
 * WRIT_EIO if the file cannot be read.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_audit_verify_file(const char *path,
    const unsigned char pubkey[WRIT_ED25519_PUB], struct writ_audit_report *report,
    struct writ_err *err);
/* Same over a buffer (used by the fuzz target). */
WRIT_API WRIT_MUST_CHECK writ_rc writ_audit_verify_buf(const char *buf, size_t len,
    const unsigned char pubkey[WRIT_ED25519_PUB], struct writ_audit_report *report);

#endif /* WRIT_AUDIT_H */
