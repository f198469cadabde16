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
 * Line layouts (the log writes the first three itself, byte for byte so):
 *   line 1   {"seq":1,"prev":"000...0","type":"header","time":"<RFC 3339>",
 *             "version":1,"pubkey":"<base64 Ed25519 public key>",
 *             "hmac_key_id":"<first 16 hex of SHA-256(hmac key)>"}
 *   checkpoint  {"seq":N,"prev":"<hex>","type":"checkpoint","time":"<RFC 3339>",
 *             "sig":"<base64 signature>"}
 *   recovery {"seq":N,"prev":"<hex>","type":"recovered","time":"...","dropped_bytes":B}
 *   entry    {"seq":N,"prev":"<hex>",<the caller's members>}
 * The checkpoint signature covers "writ-audit-checkpoint-v1\n" || decimal seq
 * || "\n" || prev hex || "\n" || time.  Time is signed too, so that every byte
 * of a checkpoint line is authenticated: the last line of a closed log is a
 * checkpoint, and nothing after it would otherwise vouch for its time.  The
 * signature must be in canonical base64, so one signature has one text.
 * Readers take "seq" and "prev" from the front of the line; callers must not
 * use those member names, nor start an entry with a "type" of "header",
 * "checkpoint" or "recovered" (writ_audit_append refuses the latter).
 *
 * One file has one key pair: writ_audit_open refuses (WRIT_ECONFLICT) a file
 * whose header names another signing key or HMAC key, and leaves it as it is;
 * the server then starts a new file.  verify takes the public key as an
 * argument and also checks that the header names it.
 *
 * Values that are secret are never written in clear: callers replace them by
 * writ_audit_hmac ("hmac-sha256:<hex>") under the log's HMAC key.
 *
 * Thread safety: writ_audit_* may be called from any thread; entries are
 * ordered by a mutex.  Appends are single write(2) calls; writ_audit_sync
 * makes entries durable with one fdatasync shared by every waiter.  Only
 * writ_audit_close must not run concurrently with other calls on the log.
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
	const char *path;                /* file to append to (created 0600) */
	const unsigned char *hmac_key;   /* WRIT_AUDIT_HMAC_KEY_LEN bytes, copied */
	const struct writ_key *sign_key; /* Ed25519 private key, borrowed for the log's life */
	unsigned checkpoint_every;       /* entries between checkpoints; 0 = 1000 */
};

/*
 * Open a file log (opts borrowed; sign_key must outlive the log).  A new or
 * empty file gets a header line.  An existing file is continued: its last
 * complete line gives seq and prev (only the ends of the file are read); a
 * torn final line (no newline, e.g. after a crash) is truncated away and a
 * "recovered" entry records how many bytes were dropped.  The file is locked
 * (flock) for the log's life.
 * Returns WRIT_OK and *out; WRIT_EINVAL (missing option, not a regular file),
 * WRIT_EIO (open, read, write or sync failed), WRIT_EPARSE (the file is not an
 * audit log; left untouched), WRIT_ECONFLICT (locked by another log, or started
 * with another signing or HMAC key; left untouched), WRIT_ENOMEM.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_audit_open(
    const struct writ_audit_opts *opts, struct writ_audit **out, struct writ_err *err);
/*
 * Write a final checkpoint (unless the last line is one), sync and close;
 * accepts NULL.  Failures are logged.  No other call may be in progress.
 */
WRIT_API void writ_audit_close(struct writ_audit *a);

/*
 * Append one entry.  json is a JSON object text ("{...}", no newline) of len
 * bytes, borrowed; the log inserts "seq" and "prev" ("{}" gives an entry with
 * only those).  *seq (may be NULL) gets the entry's sequence number for
 * writ_audit_sync.  WRIT_EINVAL: not "{...}", contains a newline or NUL, or a
 * reserved "type"; WRIT_ETOOBIG: the line would exceed WRIT_AUDIT_LINE_MAX.
 * Any write failure (I/O error, full disk) returns WRIT_EIO and leaves the
 * file as it was (a partly written line is cut back with ftruncate): fail
 * closed is the caller's job (refuse the request).  If the cut itself fails,
 * or an fdatasync failed, the log is disabled and every later call returns
 * WRIT_EIO; the caller reopens it (which recovers the torn tail).
 * A checkpoint that falls due but fails is logged and retried on the next
 * append; the entry itself was written.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_audit_append(
    struct writ_audit *a, const char *json, size_t len, uint64_t *seq, struct writ_err *err);
/*
 * Block until entry seq is on disk (group commit: one fdatasync serves every
 * waiter, and appends continue meanwhile).  WRIT_EINVAL if seq was never
 * written; WRIT_EIO if fdatasync failed (the log is then disabled).
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_audit_sync(
    struct writ_audit *a, uint64_t seq, struct writ_err *err);
/* Append a signed checkpoint now.  WRIT_EIO, WRIT_ECRYPTO (signing failed). */
WRIT_API WRIT_MUST_CHECK writ_rc writ_audit_checkpoint(struct writ_audit *a, struct writ_err *err);

/*
 * "hmac-sha256:<hex>" of value under key, into out (WRIT_AUDIT_HMAC_STR_LEN).
 * CT: time depends only on lengths.
 */
WRIT_API void writ_audit_hmac_str(const unsigned char key[WRIT_AUDIT_HMAC_KEY_LEN],
    const void *value, size_t len, char out[WRIT_AUDIT_HMAC_STR_LEN]);
/* Same, under this log's key. */
WRIT_API void writ_audit_hmac(
    const struct writ_audit *a, const void *value, size_t len, char out[WRIT_AUDIT_HMAC_STR_LEN]);

/* ---------------------------------------------------------------------------
 * Verification.
 */
struct writ_audit_report {
	uint64_t lines;         /* lines read (a torn last line counts) */
	uint64_t checkpoints;   /* valid signed checkpoints */
	uint64_t unsigned_tail; /* lines after the last valid checkpoint */
	uint64_t bad_line;      /* 1-based line number of the first problem, 0 if none */
	char problem[256];      /* "line N: what is wrong"; if bad_line is 0, "" or a tail note */
};

/*
 * Verify a whole file against the audit public key (32 raw Ed25519 bytes).
 * The file is streamed (1 MiB reads); ordinary lines are not parsed as JSON.
 * WRIT_OK if the chain is unbroken, line 1 is a header naming pubkey, every
 * checkpoint signature is valid and the file ends with a newline.  Lines after
 * the last checkpoint are not an error, but unsigned_tail counts them and
 * problem says so: they could have been cut or rewritten without trace.
 * WRIT_ECRYPTO with report->bad_line and report->problem otherwise (the walk
 * stops at the first problem); WRIT_EIO if the file cannot be read;
 * WRIT_EINVAL if pubkey is not a valid key; WRIT_ENOMEM.  Thread safe.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_audit_verify_file(const char *path,
    const unsigned char pubkey[WRIT_ED25519_PUB], struct writ_audit_report *report,
    struct writ_err *err);
/* Same over a buffer (used by the fuzz target); buf may hold any bytes. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_audit_verify_buf(const char *buf, size_t len,
    const unsigned char pubkey[WRIT_ED25519_PUB], struct writ_audit_report *report);

/* ---------------------------------------------------------------------------
 * Finding entries (`writ audit query`).
 */

/* What an entry must match; NULL, empty or negative fields match anything. */
struct writ_audit_filter {
	const char *const *types; /* "request", "response", "decision", "checkpoint", ... */
	size_t ntypes;
	const char *path;       /* request or decision path; "PREFIX*" matches a prefix */
	const char *identity;   /* a string anywhere in "auth" or "caller", the accessor's or
				   token's HMAC, or the remote address */
	const char *request_id; /* request.id or decision.decision_id */
	int outcome;            /* 1 allowed, 0 denied, -1 any */
	int64_t since_ns; /* entries at or after, ns since the epoch (writ_audit_time_bound) */
	int64_t until_ns; /* entries before */
};

/*
 * Does the audit line (one JSON object, len bytes) match f?  A line that is
 * not a JSON object matches nothing.  A decision is allowed or denied by its
 * "decision"."allowed"; an API response is denied when its error is a
 * permission refusal, else allowed.
 */
WRIT_API bool writ_audit_filter_match(const struct writ_audit_filter *f, const char *line, size_t len);

/*
 * A time bound in nanoseconds since the epoch: RFC 3339
 * ("2026-11-23T14:30:00Z", with fraction or offset), a date ("2026-11-23",
 * midnight UTC), or a duration before now (now in seconds since the epoch:
 * "24h" is now - 86400).  WRIT_EINVAL when s is none of these, or before 1970.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_audit_time_bound(const char *s, int64_t now, int64_t *out_ns);

#endif /* WRIT_AUDIT_H */
