/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Audit log verification.  The file is streamed in large reads and each line
 * is checked as it goes by: seq is one more than the line before, prev is the
 * SHA-256 of the line before, line 1 is a header for the given public key, and
 * every checkpoint carries a valid signature over its seq, prev and time.
 * Ordinary entries are never parsed as JSON: seq and prev sit at fixed places
 * right after '{', so the cost per line is one SHA-256 and a few compares.
 * The first problem stops the walk and is reported with its 1-based line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "writ/audit.h"
#include "audit_int.h"

/* Walk state. */
struct vctx {
	struct writ_key *key;     /* the public key, as a key object */
	const unsigned char *pub; /* its raw bytes */
	struct writ_audit_report *rep;
	uint64_t lineno;                 /* lines seen so far */
	uint64_t last_ckpt;              /* line of the last valid checkpoint */
	char prevhex[AUDIT_HEX_LEN + 1]; /* hex SHA-256 of the previous line */
};

static bool problem(struct vctx *v, const char *fmt, ...) WRIT_PRINTF(2, 3);
static bool check_header(struct vctx *v, const struct audit_prefix *pf);
static bool check_ckpt(struct vctx *v, const struct audit_prefix *pf);
static bool check_line(struct vctx *v, const char *line, size_t len);
static bool check_lines(struct vctx *v, const char *p, size_t len, size_t *used);
static writ_rc vctx_init(struct vctx *v, const unsigned char *pub, struct writ_audit_report *rep);
static writ_rc vctx_finish(struct vctx *v, bool ok, size_t tail);
static writ_rc verify_fd(struct vctx *v, int fd, struct writ_err *err);

/* Read size, and the largest buffer a line needs (its bytes plus one read). */
#define READ_CHUNK (1u << 20)
#define BUF_MAX    ((size_t)WRIT_AUDIT_LINE_MAX + 1 + READ_CHUNK)

/* Record the problem at the current line; always false, for `return problem(...)`. */
static bool
problem(struct vctx *v, const char *fmt, ...)
{
	struct writ_audit_report *r = v->rep;
	int n;
	va_list ap;

	r->bad_line = v->lineno;
	n = snprintf(r->problem, sizeof(r->problem), "line %" PRIu64 ": ", v->lineno);
	if (n < 0 || (size_t)n >= sizeof(r->problem))
		return false;
	va_start(ap, fmt);
	vsnprintf(r->problem + n, sizeof(r->problem) - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

static bool
check_header(struct vctx *v, const struct audit_prefix *pf)
{
	struct audit_header h;

	if (!audit_parse_header(pf->rest, pf->restlen, &h))
		return problem(v, "not a valid audit log header");
	if (memcmp(h.pub, v->pub, WRIT_ED25519_PUB) != 0)
		return problem(v,
		    "header public key is not the verification key "
		    "(log written under another key)");
	return true;
}

static bool
check_ckpt(struct vctx *v, const struct audit_prefix *pf)
{
	unsigned char sig[WRIT_ED25519_SIG];
	char msg[AUDIT_CKPT_MSG_MAX];
	const char *tm;
	size_t tmlen, msglen;

	if (!audit_parse_ckpt(pf->rest, pf->restlen, &tm, &tmlen, sig))
		return problem(v, "malformed checkpoint");
	msglen = audit_ckpt_msg(msg, pf->seq, pf->prev, tm, tmlen);
	if (msglen == 0 || writ_key_verify(v->key, msg, msglen, sig) != WRIT_OK)
		return problem(v, "checkpoint signature invalid");
	v->rep->checkpoints++;
	v->last_ckpt = v->lineno;
	return true;
}

static bool
check_line(struct vctx *v, const char *line, size_t len)
{
	struct audit_prefix pf;
	unsigned char h[WRIT_SHA256_LEN];

	v->lineno++;
	if (len > WRIT_AUDIT_LINE_MAX)
		return problem(v, "longer than %u bytes", WRIT_AUDIT_LINE_MAX);
	if (!audit_parse_prefix(line, len, &pf))
		return problem(v, "not a valid audit entry");
	if (pf.seq != v->lineno)
		return problem(v,
		    "seq %" PRIu64 " expected %" PRIu64 " (line removed or reordered)", pf.seq,
		    v->lineno);
	if (memcmp(pf.prev, v->prevhex, AUDIT_HEX_LEN) != 0) {
		if (v->lineno == 1)
			return problem(v, "prev is not zero (not the start of a log)");
		return problem(v,
		    "prev hash does not match line %" PRIu64 " (line %" PRIu64
		    " altered, or a line removed or reordered)",
		    v->lineno - 1, v->lineno - 1);
	}
	if (v->lineno == 1 && !check_header(v, &pf))
		return false;
	if (v->lineno > 1 && audit_rest_is_ckpt(pf.rest, pf.restlen) && !check_ckpt(v, &pf))
		return false;
	writ_sha256(line, len, h);
	writ_hex_encode(h, sizeof(h), v->prevhex);
	return true;
}

/* Check every complete line in p[len]; *used gets the bytes consumed. */
static bool
check_lines(struct vctx *v, const char *p, size_t len, size_t *used)
{
	const char *start = p, *end = p + len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (!check_line(v, p, (size_t)(nl - p))) {
			*used = (size_t)(nl + 1 - start);
			return false;
		}
		p = nl + 1;
	}
	*used = (size_t)(p - start);
	return true;
}

static writ_rc
vctx_init(struct vctx *v, const unsigned char *pub, struct writ_audit_report *rep)
{
	writ_rc rc;

	memset(rep, 0, sizeof(*rep));
	memset(v, 0, sizeof(*v));
	v->pub = pub;
	v->rep = rep;
	memset(v->prevhex, '0', AUDIT_HEX_LEN);
	rc = writ_key_ed25519_from_public(pub, &v->key);
	if (rc == WRIT_ENOMEM)
		return rc;
	if (rc != WRIT_OK) {
		snprintf(rep->problem, sizeof(rep->problem), "invalid public key");
		return WRIT_EINVAL;
	}
	return WRIT_OK;
}

/* Close the walk: tail is the count of bytes after the last newline. */
static writ_rc
vctx_finish(struct vctx *v, bool ok, size_t tail)
{
	struct writ_audit_report *r = v->rep;

	if (ok && tail > WRIT_AUDIT_LINE_MAX) {
		v->lineno++;
		ok = problem(v, "longer than %u bytes", WRIT_AUDIT_LINE_MAX);
	} else if (ok && tail > 0) {
		v->lineno++;
		ok = problem(v, "incomplete last line (no newline: file truncated or write torn)");
	} else if (ok && v->lineno == 0) {
		v->lineno = 1;
		ok = problem(v, "missing header (empty file)");
	}
	r->lines = v->lineno;
	r->unsigned_tail = v->lineno - v->last_ckpt;
	if (ok && r->unsigned_tail > 0)
		snprintf(r->problem, sizeof(r->problem),
		    "chain intact, but the last %" PRIu64 " lines follow the last checkpoint "
		    "and are not signed",
		    r->unsigned_tail);
	writ_key_free(v->key);
	v->key = NULL;
	return ok ? WRIT_OK : WRIT_ECRYPTO;
}

writ_rc
writ_audit_verify_buf(const char *buf, size_t len, const unsigned char pubkey[WRIT_ED25519_PUB],
    struct writ_audit_report *report)
{
	struct vctx v;
	size_t used = 0;
	bool ok;
	writ_rc rc;

	rc = vctx_init(&v, pubkey, report);
	if (rc != WRIT_OK)
		return rc;
	ok = buf == NULL || check_lines(&v, buf, len, &used);
	return vctx_finish(&v, ok, buf == NULL ? 0 : len - used);
}

/* Stream fd through a buffer that holds at least one whole line. */
static writ_rc
verify_fd(struct vctx *v, int fd, struct writ_err *err)
{
	size_t cap = READ_CHUNK * 2, have = 0, used;
	char *buf = writ_malloc(cap), *nbuf;
	bool ok = true;
	ssize_t n;
	writ_rc rc = WRIT_OK;

	if (buf == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "audit: out of memory");
		goto out;
	}
	for (;;) {
		if (cap - have < READ_CHUNK) {
			if (have > WRIT_AUDIT_LINE_MAX) {
				v->lineno++;
				ok = problem(v, "longer than %u bytes", WRIT_AUDIT_LINE_MAX);
				break;
			}
			nbuf = writ_realloc(buf, cap * 2 < BUF_MAX ? cap * 2 : BUF_MAX);
			if (nbuf == NULL) {
				rc = WRIT_ERR(err, WRIT_ENOMEM, "audit: out of memory");
				goto out;
			}
			buf = nbuf;
			cap = cap * 2 < BUF_MAX ? cap * 2 : BUF_MAX;
		}
		n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = WRIT_ERR(err, WRIT_EIO, "audit: cannot read the log: %m");
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		ok = check_lines(v, buf, have, &used);
		if (!ok)
			break;
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	rc = vctx_finish(v, ok, ok ? have : 0);
out:
	writ_key_free(v->key);
	v->key = NULL;
	writ_free(buf);
	return rc;
}

writ_rc
writ_audit_verify_file(const char *path, const unsigned char pubkey[WRIT_ED25519_PUB],
    struct writ_audit_report *report, struct writ_err *err)
{
	struct vctx v;
	int fd;
	writ_rc rc;

	rc = vctx_init(&v, pubkey, report);
	if (rc != WRIT_OK)
		return WRIT_ERR(err, rc, "audit: %s",
		    rc == WRIT_ENOMEM ? "out of memory" : "invalid public key");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		writ_key_free(v.key);
		return WRIT_ERR(err, WRIT_EIO, "audit: cannot open %s: %m", path);
	}
	rc = verify_fd(&v, fd, err);
	close(fd);
	if (rc == WRIT_ECRYPTO)
		WRIT_ERR(err, rc, "audit: %s: %s", path, report->problem);
	return rc;
}
