/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private declarations of lib/audit, shared by the writer (log.c), the reopen
 * and recovery code (tail.c), the line format helpers (format.c) and the
 * verifier (verify.c).  The unit tests include this header to reach the test
 * counters; nothing else may.
 */
#ifndef WRIT_AUDIT_AUDIT_INT_H
#define WRIT_AUDIT_AUDIT_INT_H

#include <sys/types.h>
#include <pthread.h>
#include <stdatomic.h>

#include "writ/audit.h"

#define AUDIT_HEX_LEN      (2 * WRIT_SHA256_LEN) /* 64 */
#define AUDIT_SIG_B64_LEN  88                    /* base64 of 64 bytes, padded */
#define AUDIT_PUB_B64_LEN  44                    /* base64 of 32 bytes, padded */
#define AUDIT_KEY_ID_LEN   16                    /* hex chars of SHA-256(hmac key) */
#define AUDIT_TIME_MAX     40                    /* RFC 3339 text, with NUL */
#define AUDIT_CKPT_CONTEXT "writ-audit-checkpoint-v1\n"
#define AUDIT_CKPT_MSG_MAX \
	(sizeof(AUDIT_CKPT_CONTEXT) + 20 + 1 + AUDIT_HEX_LEN + 1 + AUDIT_TIME_MAX)
/* Longest `{"seq":N,"prev":"<64 hex>",` the log puts in front of an entry. */
#define AUDIT_PREFIX_MAX    (7 + 20 + 9 + AUDIT_HEX_LEN + 2)
#define AUDIT_DEFAULT_EVERY 1000u

/*
 * An open log.  mu orders entries and guards everything above sync_mu;
 * sync_mu guards the group-commit fields.  written_seq and broken are atomics
 * because both sides read them.
 */
struct writ_audit {
	pthread_mutex_t mu;
	int fd;
	off_t size;                          /* file length after the last complete line */
	off_t kicked;                        /* writeback started up to here */
	uint64_t seq;                        /* seq of the last line written */
	unsigned char prev[WRIT_SHA256_LEN]; /* SHA-256 of the last line written */
	unsigned since_ckpt;                 /* caller entries since the last checkpoint */
	unsigned checkpoint_every;
	bool last_is_ckpt;                   /* the last line is a checkpoint */
	struct writ_buf line;                /* the line being built (under mu) */
	const struct writ_key *sign_key;     /* borrowed */
	unsigned char pub[WRIT_ED25519_PUB]; /* sign_key's public half */
	unsigned char *hmac_key;             /* secure memory, WRIT_AUDIT_HMAC_KEY_LEN */
	struct writ_hmac_key *hmac;          /* hmac_key prepared for many values */

	pthread_mutex_t sync_mu;
	pthread_cond_t sync_cv;
	uint64_t synced_seq; /* every line up to here is on disk */
	bool syncing;        /* a leader is in fdatasync */
	uint64_t nsyncs;     /* fdatasync calls made (tests) */

	_Atomic uint64_t written_seq; /* last seq fully handed to write(2) */
	atomic_bool broken;           /* file state unknown: refuse everything */
};

/* The members every line starts with. */
struct audit_prefix {
	uint64_t seq;
	const char *prev; /* AUDIT_HEX_LEN lower-case hex digits */
	const char *rest; /* what follows `"prev":"<hex>"`: `,...}` or `}` */
	size_t restlen;
};

/* The members of a header line after its prefix. */
struct audit_header {
	unsigned char pub[WRIT_ED25519_PUB];
	char key_id[AUDIT_KEY_ID_LEN + 1];
};

/*
 * Parse `{"seq":N,"prev":"<64 hex>"` at the start of line[len] and check that
 * the line ends with '}'.  False if the line does not have that shape.
 */
bool audit_parse_prefix(const char *line, size_t len, struct audit_prefix *out);
/* True if the rest of a line (after the prefix) starts a checkpoint. */
bool audit_rest_is_ckpt(const char *rest, size_t restlen);
/*
 * Parse the rest of a checkpoint line: `,"type":"checkpoint","time":"T",
 * "sig":"S"}` exactly.  *time and *sig point into rest; sig is decoded.
 */
bool audit_parse_ckpt(const char *rest, size_t restlen, const char **time, size_t *timelen,
    unsigned char sig[WRIT_ED25519_SIG]);
/* Parse the rest of a header line (exact layout, version 1). */
bool audit_parse_header(const char *rest, size_t restlen, struct audit_header *out);
/* The bytes a checkpoint signature covers; returns their length. */
size_t audit_ckpt_msg(char out[AUDIT_CKPT_MSG_MAX], uint64_t seq, const char *prevhex,
    const char *time, size_t timelen);
/* First AUDIT_KEY_ID_LEN hex chars of SHA-256(hmac key), NUL-terminated. */
void audit_key_id(const unsigned char key[WRIT_AUDIT_HMAC_KEY_LEN], char out[AUDIT_KEY_ID_LEN + 1]);

/* log.c: build, write and chain one line; mu held.  json is an object text. */
writ_rc audit_emit_locked(struct writ_audit *a, const char *json, size_t len, struct writ_err *err);
/* log.c: write the header line of a new (or emptied) file. */
writ_rc audit_write_header(struct writ_audit *a, struct writ_err *err);
/* tail.c: continue an existing non-empty file of size bytes (a->fd open). */
writ_rc audit_resume(struct writ_audit *a, off_t size, struct writ_err *err);

#endif /* WRIT_AUDIT_AUDIT_INT_H */
