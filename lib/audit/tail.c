/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reopening an existing log.  Only the ends of the file are read: the header
 * (first line) to check that the file belongs to this key pair, and the last
 * complete line, found by reading backwards from the end, to continue seq and
 * prev.  Bytes after the last newline are a write torn by a crash: they are
 * cut away and a "recovered" entry records how many there were, so the cut is
 * itself part of the signed history.
 *
 * A file started under another signing or HMAC key is refused with
 * WRIT_ECONFLICT and left untouched: one file has one key pair, and the
 * server rotates to a new file when keys change.
 */
#include <sys/types.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "writ/audit.h"
#include "audit_int.h"

static const char *last_nl(const char *buf, size_t len);
static writ_rc read_at(int fd, off_t off, void *buf, size_t len, struct writ_err *err);
static writ_rc find_nl_back(int fd, off_t end, off_t limit, off_t *pos, struct writ_err *err);
static writ_rc load_last(struct writ_audit *a, off_t start, off_t nl, struct writ_err *err);
static writ_rc check_header(struct writ_audit *a, off_t nl, struct writ_err *err);
static writ_rc check_torn_head(struct writ_audit *a, off_t size, struct writ_err *err);
static writ_rc recover(struct writ_audit *a, off_t cut, off_t size, struct writ_err *err);

#define CHUNK    (16u << 10)
#define HEAD_MAX 1024u

/* memrchr is a GNU extension; this is the portable spelling. */
static const char *
last_nl(const char *buf, size_t len)
{
	while (len > 0) {
		if (buf[--len] == '\n')
			return buf + len;
	}
	return NULL;
}

/* Read exactly len bytes at off. */
static writ_rc
read_at(int fd, off_t off, void *buf, size_t len, struct writ_err *err)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = pread(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return WRIT_ERR(err, WRIT_EIO, "audit: cannot read the log: %m");
		if (n == 0)
			return WRIT_ERR(err, WRIT_EIO, "audit: the log shrank while being read");
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return WRIT_OK;
}

/* Last '\n' in [end - limit, end), clamped at 0; *pos = -1 if there is none. */
static writ_rc
find_nl_back(int fd, off_t end, off_t limit, off_t *pos, struct writ_err *err)
{
	char buf[CHUNK];
	off_t lo = end > limit ? end - limit : 0;
	const char *q;
	size_t n;
	writ_rc rc;

	while (end > lo) {
		n = end - lo > (off_t)CHUNK ? CHUNK : (size_t)(end - lo);
		rc = read_at(fd, end - (off_t)n, buf, n, err);
		if (rc != WRIT_OK)
			return rc;
		q = last_nl(buf, n);
		if (q != NULL) {
			*pos = end - (off_t)n + (q - buf);
			return WRIT_OK;
		}
		end -= (off_t)n;
	}
	*pos = -1;
	return WRIT_OK;
}

/* Take seq, prev and the checkpoint flag from the line [start, nl). */
static writ_rc
load_last(struct writ_audit *a, off_t start, off_t nl, struct writ_err *err)
{
	size_t len = (size_t)(nl - start);
	struct audit_prefix pf;
	char *line = NULL;
	writ_rc rc;

	if (len > WRIT_AUDIT_LINE_MAX)
		return WRIT_ERR(err, WRIT_EPARSE, "audit: last line is too long for an audit log");
	line = writ_malloc(len);
	if (line == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "audit: out of memory");
	rc = read_at(a->fd, start, line, len, err);
	if (rc != WRIT_OK)
		goto out;
	if (!audit_parse_prefix(line, len, &pf) || (start == 0) != (pf.seq == 1)) {
		rc = WRIT_ERR(err, WRIT_EPARSE, "audit: last line is not an audit entry");
		goto out;
	}
	a->seq = pf.seq;
	a->last_is_ckpt = audit_rest_is_ckpt(pf.rest, pf.restlen);
	writ_sha256(line, len, a->prev);
	a->size = nl + 1;
	a->kicked = a->size;
out:
	writ_free(line);
	return rc;
}

/* The first line must be a header for this log's keys. */
static writ_rc
check_header(struct writ_audit *a, off_t nl, struct writ_err *err)
{
	char buf[HEAD_MAX], id[AUDIT_KEY_ID_LEN + 1];
	size_t n = nl + 1 < (off_t)HEAD_MAX ? (size_t)(nl + 1) : HEAD_MAX;
	struct audit_prefix pf;
	struct audit_header h;
	const char *end;
	writ_rc rc;

	rc = read_at(a->fd, 0, buf, n, err);
	if (rc != WRIT_OK)
		return rc;
	end = memchr(buf, '\n', n);
	if (end == NULL || !audit_parse_prefix(buf, (size_t)(end - buf), &pf) || pf.seq != 1 ||
	    !audit_parse_header(pf.rest, pf.restlen, &h))
		return WRIT_ERR(err, WRIT_EPARSE, "audit: the file is not an audit log");
	if (memcmp(h.pub, a->pub, sizeof(h.pub)) != 0)
		return WRIT_ERR(err, WRIT_ECONFLICT,
		    "audit: the log was started with another signing key; rotate the file");
	audit_key_id(a->hmac_key, id);
	if (memcmp(h.key_id, id, AUDIT_KEY_ID_LEN) != 0)
		return WRIT_ERR(err, WRIT_ECONFLICT,
		    "audit: the log was started with another HMAC key; rotate the file");
	return WRIT_OK;
}

/* A file with no complete line may only hold the start of a header. */
static writ_rc
check_torn_head(struct writ_audit *a, off_t size, struct writ_err *err)
{
	static const char start[] = "{\"seq\":1,";
	char buf[sizeof(start) - 1];
	size_t n = size < (off_t)sizeof(buf) ? (size_t)size : sizeof(buf);
	writ_rc rc;

	if (size > (off_t)WRIT_AUDIT_LINE_MAX)
		return WRIT_ERR(err, WRIT_EPARSE, "audit: the file is not an audit log");
	rc = read_at(a->fd, 0, buf, n, err);
	if (rc != WRIT_OK)
		return rc;
	if (memcmp(buf, start, n) != 0)
		return WRIT_ERR(err, WRIT_EPARSE, "audit: the file is not an audit log");
	return WRIT_OK;
}

/* Cut the torn bytes [cut, size) and record the cut in the log. */
static writ_rc
recover(struct writ_audit *a, off_t cut, off_t size, struct writ_err *err)
{
	char tm[AUDIT_TIME_MAX], body[128];
	int64_t sec;
	long nsec;
	int n;
	writ_rc rc;

	if (ftruncate(a->fd, cut) != 0)
		return WRIT_ERR(err, WRIT_EIO, "audit: cannot cut the torn last line: %m");
	a->size = cut;
	a->kicked = cut;
	if (cut == 0) {
		rc = audit_write_header(a, err);
		if (rc != WRIT_OK)
			return rc;
	}
	writ_time_now_ns(&sec, &nsec);
	writ_time_rfc3339(tm, sizeof(tm), sec, nsec);
	n = snprintf(body, sizeof(body),
	    "{\"type\":\"recovered\",\"time\":\"%s\",\"dropped_bytes\":%jd}", tm,
	    (intmax_t)(size - cut));
	if (WRIT_NEVER(n < 0 || (size_t)n >= sizeof(body)))
		return WRIT_ERR(err, WRIT_EINTERNAL, "audit: recovery entry too long");
	rc = audit_emit_locked(a, body, (size_t)n, err);
	if (rc != WRIT_OK)
		return rc;
	writ_log(
	    WRIT_LOG_WARN, "audit: dropped %jd bytes of a torn last line", (intmax_t)(size - cut));
	return WRIT_OK;
}

writ_rc
audit_resume(struct writ_audit *a, off_t size, struct writ_err *err)
{
	off_t nl, start;
	writ_rc rc;

	/* The newline ending the last complete line; anything after it is torn. */
	rc = find_nl_back(a->fd, size, (off_t)WRIT_AUDIT_LINE_MAX + 1, &nl, err);
	if (rc != WRIT_OK)
		return rc;
	if (nl < 0) {
		rc = check_torn_head(a, size, err);
		return rc != WRIT_OK ? rc : recover(a, 0, size, err);
	}
	rc = find_nl_back(a->fd, nl, (off_t)WRIT_AUDIT_LINE_MAX + 1, &start, err);
	if (rc != WRIT_OK)
		return rc;
	rc = load_last(a, start + 1, nl, err);
	if (rc == WRIT_OK)
		rc = check_header(a, nl, err);
	if (rc == WRIT_OK && nl + 1 < size)
		rc = recover(a, nl + 1, size, err);
	return rc;
}
