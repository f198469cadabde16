/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log writer.  One mutex orders entries: under it an entry gets its
 * seq and the hash of the line before it, becomes one line, and goes to the
 * file in one write(2).  A failed write is cut back with ftruncate so the file
 * never keeps a torn line and the chain state does not move; if even that
 * fails the log refuses everything from then on (fail closed).  Durability is
 * a separate step, writ_audit_sync, where one thread runs fdatasync outside
 * the append mutex for every waiter (group commit, as in databases' WAL).
 *
 * Entries that nobody syncs (those of reads) still reach the disk in the
 * background: every KICK_BYTES the writer starts writeback of what it wrote
 * (sync_file_range, which waits for nothing), so that the fdatasync of the
 * next write does not find a burst of reads' worth of dirty pages (at 30k
 * reads/s, 60 MB/s) and stall every write behind it.
 *
 * Every checkpoint_every caller entries, and at close, a checkpoint line is
 * signed with the log's Ed25519 key; see writ/audit.h for what it covers.
 */
#define _GNU_SOURCE /* sync_file_range */
#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "writ/audit.h"
#include "audit_int.h"

static writ_rc check_entry(const char *json, size_t len, struct writ_err *err);
static bool is_reserved(const char *json, size_t len);
static writ_rc write_line(struct writ_audit *a, struct writ_err *err);
static writ_rc checkpoint_locked(struct writ_audit *a, struct writ_err *err);
static writ_rc open_file(struct writ_audit *a, const char *path, struct writ_err *err);
static writ_rc sync_dir(const char *path, struct writ_err *err);
static struct writ_audit *audit_new(const struct writ_audit_opts *opts);
static void audit_free(struct writ_audit *a);

/* Lines above this size do not keep their buffer between appends. */
#define LINE_KEEP (256u << 10)
/* Start background writeback after this many bytes. */
#define KICK_BYTES ((off_t)1 << 20)

/* ---------------------------------------------------------------------------
 * Building and writing lines.
 */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * The types the log writes itself may not start a caller entry, or the
 * verifier would take a caller's line for a checkpoint.
 */
static bool
is_reserved(const char *json, size_t len)
{
	static const char *const types[] = {"\"header\"", "\"checkpoint\"", "\"recovered\""};
	const char *p = json + 1, *end = json + len;
	size_t i, n;

	while (p < end && is_space(*p))
		p++;
	if ((size_t)(end - p) < 6 || memcmp(p, "\"type\"", 6) != 0)
		return false;
	for (p += 6; p < end && is_space(*p); p++)
		;
	if (p == end || *p++ != ':')
		return false;
	while (p < end && is_space(*p))
		p++;
	for (i = 0; i < WRIT_ARRAY_LEN(types); i++) {
		n = strlen(types[i]);
		if ((size_t)(end - p) >= n && memcmp(p, types[i], n) == 0)
			return true;
	}
	return false;
}

static writ_rc
check_entry(const char *json, size_t len, struct writ_err *err)
{
	if (json == NULL || len < 2 || json[0] != '{' || json[len - 1] != '}')
		return WRIT_ERR(err, WRIT_EINVAL, "audit: entry is not a JSON object text");
	if (len - 1 > WRIT_AUDIT_LINE_MAX - AUDIT_PREFIX_MAX)
		return WRIT_ERR(err, WRIT_ETOOBIG, "audit: entry of %zu bytes is too large", len);
	if (memchr(json, '\n', len) != NULL || memchr(json, '\0', len) != NULL)
		return WRIT_ERR(err, WRIT_EINVAL, "audit: entry contains a newline or NUL");
	if (is_reserved(json, len))
		return WRIT_ERR(err, WRIT_EINVAL, "audit: entry type is reserved for the log");
	return WRIT_OK;
}

/* One write(2) normally; loops only on EINTR and short writes. */
static writ_rc
write_line(struct writ_audit *a, struct writ_err *err)
{
	const char *p = a->line.ptr;
	size_t left = a->line.len;
	ssize_t n;
	int e;

	while (left > 0) {
		n = write(a->fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			goto fail;
		}
		p += n;
		left -= (size_t)n;
	}
	return WRIT_OK;
fail:
	if (ftruncate(a->fd, a->size) != 0) {
		atomic_store(&a->broken, true);
		writ_log(WRIT_LOG_ERROR,
		    "audit: write failed and the torn line could not be "
		    "cut back: log disabled");
		return WRIT_ERR(err, WRIT_EIO, "audit: write failed, log disabled");
	}
	errno = e;
	return WRIT_ERR(err, WRIT_EIO, "audit: write failed: %m");
}

/* Is json `{}` with only blanks inside? */
static bool
is_empty_object(const char *json, size_t len)
{
	size_t i;

	for (i = 1; i + 1 < len; i++) {
		if (!is_space(json[i]))
			return false;
	}
	return true;
}

/* `{"seq":N,"prev":"<hex>"` and a comma if more follows: the start of every line. */
static writ_rc
line_prefix(struct writ_buf *b, uint64_t seq, const char *hex, bool more)
{
	char digits[20], *p = digits + sizeof(digits);
	writ_rc rc;

	do {
		*--p = (char)('0' + seq % 10);
		seq /= 10;
	} while (seq != 0);
	if ((rc = writ_buf_append(b, "{\"seq\":", 7)) != WRIT_OK ||
	    (rc = writ_buf_append(b, p, (size_t)(digits + sizeof(digits) - p))) != WRIT_OK ||
	    (rc = writ_buf_append(b, ",\"prev\":\"", 9)) != WRIT_OK ||
	    (rc = writ_buf_append(b, hex, AUDIT_HEX_LEN)) != WRIT_OK)
		return rc;
	return writ_buf_append(b, more ? "\"," : "\"", more ? 2 : 1);
}

writ_rc
audit_emit_locked(struct writ_audit *a, const char *json, size_t len, struct writ_err *err)
{
	unsigned char h[WRIT_SHA256_LEN];
	char hex[AUDIT_HEX_LEN + 1];
	bool empty = is_empty_object(json, len);
	uint64_t seq = a->seq + 1;
	writ_rc rc;

	if (atomic_load(&a->broken))
		return WRIT_ERR(err, WRIT_EIO, "audit: log disabled after an earlier failure");
	writ_buf_reset(&a->line);
	writ_hex_encode(a->prev, sizeof(a->prev), hex);
	rc = line_prefix(&a->line, seq, hex, !empty);
	if (rc == WRIT_OK)
		rc = writ_buf_append(&a->line, empty ? "}" : json + 1, empty ? 1 : len - 1);
	if (rc != WRIT_OK)
		goto out;
	writ_sha256(a->line.ptr, a->line.len, h);
	rc = writ_buf_append(&a->line, "\n", 1);
	if (rc != WRIT_OK)
		goto out;
	rc = write_line(a, err);
	if (rc != WRIT_OK)
		goto out;
	a->seq = seq;
	memcpy(a->prev, h, sizeof(h));
	a->size += (off_t)a->line.len;
	a->last_is_ckpt = false;
	atomic_store(&a->written_seq, seq);
	if (a->size - a->kicked >= KICK_BYTES) {
		/* Advisory: a failure here changes nothing about durability. */
		(void)sync_file_range(a->fd, a->kicked, a->size - a->kicked, SYNC_FILE_RANGE_WRITE);
		a->kicked = a->size;
	}
out:
	if (rc == WRIT_ENOMEM || rc == WRIT_ETOOBIG)
		WRIT_ERR(err, rc, "audit: cannot build line: %s", writ_rc_name(rc));
	if (a->line.cap > LINE_KEEP)
		writ_buf_free(&a->line);
	return rc;
}

static writ_rc
checkpoint_locked(struct writ_audit *a, struct writ_err *err)
{
	char tm[AUDIT_TIME_MAX], hex[AUDIT_HEX_LEN + 1], msg[AUDIT_CKPT_MSG_MAX];
	char b64[AUDIT_SIG_B64_LEN + 1], body[256];
	unsigned char sig[WRIT_ED25519_SIG];
	size_t msglen;
	int64_t sec;
	long nsec;
	int n;
	writ_rc rc;

	writ_time_now_ns(&sec, &nsec);
	writ_time_rfc3339(tm, sizeof(tm), sec, nsec);
	writ_hex_encode(a->prev, sizeof(a->prev), hex);
	msglen = audit_ckpt_msg(msg, a->seq + 1, hex, tm, strlen(tm));
	if (WRIT_NEVER(msglen == 0))
		return WRIT_ERR(err, WRIT_EINTERNAL, "audit: checkpoint message too long");
	rc = writ_key_sign(a->sign_key, msg, msglen, sig);
	if (rc != WRIT_OK)
		return WRIT_ERR(err, rc, "audit: cannot sign checkpoint");
	if (writ_b64_encode(sig, sizeof(sig), b64) != AUDIT_SIG_B64_LEN)
		return WRIT_ERR(err, WRIT_EINTERNAL, "audit: bad signature encoding");
	n = snprintf(body, sizeof(body), "{\"type\":\"checkpoint\",\"time\":\"%s\",\"sig\":\"%s\"}",
	    tm, b64);
	if (WRIT_NEVER(n < 0 || (size_t)n >= sizeof(body)))
		return WRIT_ERR(err, WRIT_EINTERNAL, "audit: checkpoint line too long");
	rc = audit_emit_locked(a, body, (size_t)n, err);
	if (rc != WRIT_OK)
		return rc;
	a->since_ckpt = 0;
	a->last_is_ckpt = true;
	return WRIT_OK;
}

writ_rc
audit_write_header(struct writ_audit *a, struct writ_err *err)
{
	char tm[AUDIT_TIME_MAX], pub[AUDIT_PUB_B64_LEN + 1], id[AUDIT_KEY_ID_LEN + 1];
	char body[256];
	int64_t sec;
	long nsec;
	int n;

	writ_time_now_ns(&sec, &nsec);
	writ_time_rfc3339(tm, sizeof(tm), sec, nsec);
	writ_b64_encode(a->pub, sizeof(a->pub), pub);
	audit_key_id(a->hmac_key, id);
	n = snprintf(body, sizeof(body),
	    "{\"type\":\"header\",\"time\":\"%s\",\"version\":1,\"pubkey\":\"%s\","
	    "\"hmac_key_id\":\"%s\"}",
	    tm, pub, id);
	if (WRIT_NEVER(n < 0 || (size_t)n >= sizeof(body)))
		return WRIT_ERR(err, WRIT_EINTERNAL, "audit: header too long");
	return audit_emit_locked(a, body, (size_t)n, err);
}

/* ---------------------------------------------------------------------------
 * Opening and closing.
 */

static struct writ_audit *
audit_new(const struct writ_audit_opts *opts)
{
	struct writ_audit *a = writ_calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->fd = -1;
	a->hmac_key = writ_secmem_alloc(WRIT_AUDIT_HMAC_KEY_LEN);
	if (a->hmac_key == NULL) {
		writ_free(a);
		return NULL;
	}
	memcpy(a->hmac_key, opts->hmac_key, WRIT_AUDIT_HMAC_KEY_LEN);
	if (writ_hmac_key_new(a->hmac_key, WRIT_AUDIT_HMAC_KEY_LEN, &a->hmac) != WRIT_OK) {
		writ_secmem_free(a->hmac_key, WRIT_AUDIT_HMAC_KEY_LEN);
		writ_free(a);
		return NULL;
	}
	a->sign_key = opts->sign_key;
	a->checkpoint_every = opts->checkpoint_every ? opts->checkpoint_every : AUDIT_DEFAULT_EVERY;
	writ_buf_init(&a->line, WRIT_AUDIT_LINE_MAX + 2);
	pthread_mutex_init(&a->mu, NULL);
	pthread_mutex_init(&a->sync_mu, NULL);
	pthread_cond_init(&a->sync_cv, NULL);
	atomic_init(&a->written_seq, 0);
	atomic_init(&a->broken, false);
	return a;
}

static void
audit_free(struct writ_audit *a)
{
	if (a->fd >= 0)
		close(a->fd);
	writ_buf_free(&a->line);
	writ_secmem_free(a->hmac_key, WRIT_AUDIT_HMAC_KEY_LEN);
	writ_hmac_key_free(a->hmac);
	pthread_cond_destroy(&a->sync_cv);
	pthread_mutex_destroy(&a->sync_mu);
	pthread_mutex_destroy(&a->mu);
	writ_free(a);
}

/* fsync the directory holding path, so a new file's name is durable too. */
static writ_rc
sync_dir(const char *path, struct writ_err *err)
{
	char *copy = writ_strdup(path);
	int dfd = -1;
	writ_rc rc = WRIT_OK;

	if (copy == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "audit: out of memory");
	dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0)
		rc = WRIT_ERR(err, WRIT_EIO, "audit: cannot sync the log's directory: %m");
	if (dfd >= 0)
		close(dfd);
	writ_free(copy);
	return rc;
}

static writ_rc
open_file(struct writ_audit *a, const char *path, struct writ_err *err)
{
	struct stat st;
	writ_rc rc;

	a->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (a->fd < 0)
		return WRIT_ERR(err, WRIT_EIO, "audit: cannot open %s: %m", path);
	/* Two writers on one file would fork the chain. */
	if (flock(a->fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			return WRIT_ERR(
			    err, WRIT_ECONFLICT, "audit: %s is in use by another log", path);
		return WRIT_ERR(err, WRIT_EIO, "audit: cannot lock %s: %m", path);
	}
	if (fstat(a->fd, &st) != 0)
		return WRIT_ERR(err, WRIT_EIO, "audit: cannot stat %s: %m", path);
	if (!S_ISREG(st.st_mode))
		return WRIT_ERR(err, WRIT_EINVAL, "audit: %s is not a regular file", path);
	if (st.st_size > 0)
		return audit_resume(a, st.st_size, err);
	rc = audit_write_header(a, err);
	if (rc != WRIT_OK)
		return rc;
	if (fdatasync(a->fd) != 0)
		return WRIT_ERR(err, WRIT_EIO, "audit: cannot sync %s: %m", path);
	return sync_dir(path, err);
}

writ_rc
writ_audit_open(const struct writ_audit_opts *opts, struct writ_audit **out, struct writ_err *err)
{
	struct writ_audit *a = NULL;
	writ_rc rc;

	if (opts == NULL || opts->path == NULL || opts->hmac_key == NULL ||
	    opts->sign_key == NULL || out == NULL)
		return WRIT_ERR(err, WRIT_EINVAL, "audit: missing path or key");
	a = audit_new(opts);
	if (a == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "audit: out of memory");
	rc = writ_key_public_raw(opts->sign_key, a->pub);
	if (rc != WRIT_OK) {
		WRIT_ERR(err, rc, "audit: signing key has no Ed25519 public key");
		goto out;
	}
	rc = open_file(a, opts->path, err);
out:
	if (rc != WRIT_OK) {
		audit_free(a);
		return rc;
	}
	a->synced_seq = a->seq;
	atomic_store(&a->written_seq, a->seq);
	*out = a;
	return WRIT_OK;
}

void
writ_audit_close(struct writ_audit *a)
{
	struct writ_err err = {0};

	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	if (!a->last_is_ckpt && !atomic_load(&a->broken) && checkpoint_locked(a, &err) != WRIT_OK)
		writ_log(WRIT_LOG_ERROR, "audit: final checkpoint: %s", err.msg);
	pthread_mutex_unlock(&a->mu);
	if (!atomic_load(&a->broken) && fdatasync(a->fd) != 0)
		writ_log(WRIT_LOG_ERROR, "audit: final sync failed: %m");
	audit_free(a);
}

/* ---------------------------------------------------------------------------
 * Appending, checkpoints, sync.
 */

writ_rc
writ_audit_append(
    struct writ_audit *a, const char *json, size_t len, uint64_t *seq, struct writ_err *err)
{
	struct writ_err cerr = {0};
	uint64_t s = 0;
	writ_rc rc;

	rc = check_entry(json, len, err);
	if (rc != WRIT_OK)
		return rc;
	pthread_mutex_lock(&a->mu);
	rc = audit_emit_locked(a, json, len, err);
	if (rc == WRIT_OK) {
		s = a->seq;
		a->since_ckpt++;
	}
	/* A failed checkpoint does not undo the entry; the next append retries it. */
	if (rc == WRIT_OK && a->since_ckpt >= a->checkpoint_every &&
	    checkpoint_locked(a, &cerr) != WRIT_OK)
		writ_log(WRIT_LOG_WARN, "audit: checkpoint: %s", cerr.msg);
	pthread_mutex_unlock(&a->mu);
	if (rc == WRIT_OK && seq != NULL)
		*seq = s;
	return rc;
}

writ_rc
writ_audit_checkpoint(struct writ_audit *a, struct writ_err *err)
{
	writ_rc rc;

	pthread_mutex_lock(&a->mu);
	rc = checkpoint_locked(a, err);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/*
 * Group commit: the first waiter whose seq is not yet durable becomes the
 * leader, samples written_seq, runs fdatasync without holding any lock the
 * appenders need, and publishes the new synced_seq to every waiter.
 */
writ_rc
writ_audit_sync(struct writ_audit *a, uint64_t seq, struct writ_err *err)
{
	uint64_t target;
	writ_rc rc = WRIT_OK;
	int r;

	if (seq > atomic_load(&a->written_seq))
		return WRIT_ERR(
		    err, WRIT_EINVAL, "audit: entry %" PRIu64 " was never written", seq);
	pthread_mutex_lock(&a->sync_mu);
	while (a->synced_seq < seq) {
		if (atomic_load(&a->broken)) {
			rc = WRIT_ERR(err, WRIT_EIO, "audit: log disabled after a failed sync");
			break;
		}
		if (a->syncing) {
			pthread_cond_wait(&a->sync_cv, &a->sync_mu);
			continue;
		}
		a->syncing = true;
		target = atomic_load(&a->written_seq);
		pthread_mutex_unlock(&a->sync_mu);
		r = fdatasync(a->fd);
		pthread_mutex_lock(&a->sync_mu);
		a->syncing = false;
		a->nsyncs++;
		if (r == 0 && target > a->synced_seq)
			a->synced_seq = target;
		/* After a failed fsync the kernel may have dropped the pages: stop. */
		if (r != 0)
			atomic_store(&a->broken, true);
		pthread_cond_broadcast(&a->sync_cv);
	}
	pthread_mutex_unlock(&a->sync_mu);
	return rc;
}

/* ---------------------------------------------------------------------------
 * HMAC of secret values.
 */

void
writ_audit_hmac_str(const unsigned char key[WRIT_AUDIT_HMAC_KEY_LEN], const void *value, size_t len,
    char out[WRIT_AUDIT_HMAC_STR_LEN])
{
	unsigned char mac[WRIT_SHA256_LEN];

	writ_hmac_sha256(key, WRIT_AUDIT_HMAC_KEY_LEN, value, len, mac);
	memcpy(out, "hmac-sha256:", 12);
	writ_hex_encode(mac, sizeof(mac), out + 12);
	writ_memzero(mac, sizeof(mac));
}

void
writ_audit_hmac(
    const struct writ_audit *a, const void *value, size_t len, char out[WRIT_AUDIT_HMAC_STR_LEN])
{
	unsigned char mac[WRIT_SHA256_LEN];

	writ_hmac_key_compute(a->hmac, value, len, mac);
	memcpy(out, "hmac-sha256:", 12);
	writ_hex_encode(mac, sizeof(mac), out + 12);
	writ_memzero(mac, sizeof(mac));
}
