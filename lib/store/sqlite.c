/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQLite physical backend: one table
 *
 *	kv(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID
 *
 * in WAL mode, so that readers on other connections see the committed state
 * without blocking the writer.  Statements are prepared once per connection
 * and reset right after use, so that no reader keeps an old snapshot (or
 * blocks checkpoints) between calls.  SQLite's error text goes to the log
 * only; callers get a generic message.
 *
 * Durability is ours, not SQLite's (see docs/STORAGE.md).  The writer runs
 * with synchronous=NORMAL: in WAL mode a COMMIT then writes its frames to the
 * log without an fsync, so it is quick under the store's write mutex.
 * sq_sync makes committed batches durable with an fdatasync of the log file
 * through a descriptor of our own, outside that mutex, while the writer goes
 * on appending the next batch.  NORMAL (not OFF) keeps the syncs SQLite needs
 * for its own consistency: a checkpoint syncs the log before it copies pages
 * into the database and syncs the database before the log may be reused,
 * and the log header written when the log restarts is synced before any frame
 * follows it (with OFF, none of these happen: wal.c's CKPT_SYNC_FLAGS are 0).
 * SQLite never checkpoints on its own (wal_autocheckpoint=0 and our own WAL
 * hook); the store checkpoints when the log is large and at close, in two
 * steps: sq_ckpt_prepare, without the write mutex, copies most of the log
 * into the database through a connection of its own and fdatasyncs the
 * database; then sq_checkpoint, under the mutex, copies the rest and
 * restarts the log, with little left to write or sync.
 */
#include <sys/stat.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store_int.h"

enum {
	ST_GET,
	ST_PUT,
	ST_DEL,
	ST_LIST_GE_LT,
	ST_LIST_GT_LT,
	ST_LIST_GE,
	ST_LIST_GT,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_MAX
};

static const char *const sql_text[ST_MAX] = {
    [ST_GET] = "SELECT value FROM kv WHERE key = ?1",
    [ST_PUT] = ("INSERT INTO kv(key, value) VALUES (?1, ?2) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
    [ST_DEL] = "DELETE FROM kv WHERE key = ?1",
    [ST_LIST_GE_LT] = "SELECT key FROM kv WHERE key >= ?1 AND key < ?2 ORDER BY key LIMIT ?3",
    [ST_LIST_GT_LT] = "SELECT key FROM kv WHERE key > ?1 AND key < ?2 ORDER BY key LIMIT ?3",
    [ST_LIST_GE] = "SELECT key FROM kv WHERE key >= ?1 ORDER BY key LIMIT ?3",
    [ST_LIST_GT] = "SELECT key FROM kv WHERE key > ?1 ORDER BY key LIMIT ?3",
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SAVEPOINT] = "SAVEPOINT writ_txn",
    [ST_RELEASE] = "RELEASE writ_txn",
    [ST_ROLLBACK_TO] = "ROLLBACK TO writ_txn",
};

static const char schema[] = "CREATE TABLE IF NOT EXISTS kv ("
                             "key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID";

/* Milliseconds a statement waits for a lock; a checkpoint waits less, and
 * is retried later, so that readers cannot hold the write mutex for long. */
#define BUSY_MS      10000
#define CKPT_BUSY_MS 20
#define WAL_FRAME_HDR 24

struct pb_conn {
	sqlite3 *db;
	sqlite3_stmt *st[ST_MAX];
	/* Writer only.  The log file as we sync it: path, our descriptor and
	 * the identity of the file it refers to (guarded by the single sync
	 * caller; the write mutex at open and close). */
	char *walpath;
	int walfd;
	dev_t wal_dev;
	ino_t wal_ino;
	/* Writer only, for sq_ckpt_prepare (one caller at a time): a second
	 * connection that checkpoints beside the writer, and a descriptor on
	 * the database file to fdatasync after it. */
	sqlite3 *ckdb;
	int dbfd;
	/* Frames in the log after the last commit (from the WAL hook, under the
	 * write mutex) and the page size. */
	uint64_t wal_frames;
	uint64_t page_size;
};

static writ_rc db_fail(struct pb_conn *c, int src, const char *what, struct writ_err *err);
static writ_rc prep(struct pb_conn *c, int i, sqlite3_stmt **out, struct writ_err *err);
static void done(sqlite3_stmt *st);
static writ_rc exec_one(struct pb_conn *c, int i, struct writ_err *err);
static writ_rc set_wal(struct pb_conn *c, struct writ_err *err);
static writ_rc pragma_int(struct pb_conn *c, const char *sql, uint64_t *out, struct writ_err *err);
static int wal_hook(void *arg, sqlite3 *db, const char *name, int nframes);
static writ_rc fsync_dir(const char *path, struct writ_err *err);
static writ_rc wal_open(struct pb_conn *c, struct writ_err *err);
static writ_rc create_file(const char *path, struct writ_err *err);
static size_t prefix_upper(const char *prefix, char *buf, size_t cap);

static writ_rc sq_open(const char *dsn, bool writer, struct pb_conn **out, struct writ_err *err);
static void sq_close(struct pb_conn *c);
static writ_rc sq_get(
    struct pb_conn *c, const char *key, pb_val_fn fn, void *arg, struct writ_err *err);
static writ_rc sq_put(
    struct pb_conn *c, const char *key, const unsigned char *val, size_t len, struct writ_err *err);
static writ_rc sq_del(struct pb_conn *c, const char *key, struct writ_err *err);
static writ_rc sq_list(struct pb_conn *c, const char *prefix, const char *after, size_t limit,
    pb_key_fn fn, void *arg, struct writ_err *err);
static writ_rc sq_begin(struct pb_conn *c, struct writ_err *err);
static writ_rc sq_commit(struct pb_conn *c, struct writ_err *err);
static writ_rc sq_rollback(struct pb_conn *c);
static writ_rc sq_savepoint(struct pb_conn *c, struct writ_err *err);
static writ_rc sq_release(struct pb_conn *c, struct writ_err *err);
static writ_rc sq_rollback_to(struct pb_conn *c);
static writ_rc sq_sync(struct pb_conn *c, struct writ_err *err);
static uint64_t sq_log_size(struct pb_conn *c);
static writ_rc sq_ckpt_prepare(struct pb_conn *c, struct writ_err *err);
static writ_rc sq_checkpoint(struct pb_conn *c, bool truncate, bool *busy, struct writ_err *err);
static writ_rc ckdb_open(struct pb_conn *c, struct writ_err *err);

const struct pb_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .get = sq_get,
    .put = sq_put,
    .del = sq_del,
    .list = sq_list,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .savepoint = sq_savepoint,
    .release = sq_release,
    .rollback_to = sq_rollback_to,
    .sync = sq_sync,
    .log_size = sq_log_size,
    .ckpt_prepare = sq_ckpt_prepare,
    .checkpoint = sq_checkpoint,
};

/* ---------------------------------------------------------------------------
 * Helpers.
 */

/* Log SQLite's detail, give the caller a generic message. */
static writ_rc
db_fail(struct pb_conn *c, int src, const char *what, struct writ_err *err)
{
	writ_rc rc;

	switch (src & 0xff) {
	case SQLITE_NOMEM:
		rc = WRIT_ENOMEM;
		break;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
		rc = WRIT_EIO;
		break;
	case SQLITE_TOOBIG:
		rc = WRIT_ETOOBIG;
		break;
	default:
		rc = WRIT_EDB;
		break;
	}
	writ_log(WRIT_LOG_ERROR, "store: sqlite %s: %s (%d)", what,
	    c != NULL && c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(src), src);
	return WRIT_ERR(err, rc, "storage error");
}

/* The cached statement i, reset and with no bindings. */
static writ_rc
prep(struct pb_conn *c, int i, sqlite3_stmt **out, struct writ_err *err)
{
	int src;

	if (c->st[i] == NULL) {
		src = sqlite3_prepare_v3(
		    c->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &c->st[i], NULL);
		if (src != SQLITE_OK)
			return db_fail(c, src, "prepare", err);
	}
	*out = c->st[i];
	return WRIT_OK;
}

static void
done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Run a statement without parameters or rows. */
static writ_rc
exec_one(struct pb_conn *c, int i, struct writ_err *err)
{
	sqlite3_stmt *st = NULL;
	writ_rc rc;
	int src;

	if ((rc = prep(c, i, &st, err)) != WRIT_OK)
		return rc;
	src = sqlite3_step(st);
	done(st);
	if (src != SQLITE_DONE)
		return db_fail(c, src, sql_text[i], err);
	return WRIT_OK;
}

static writ_rc
set_wal(struct pb_conn *c, struct writ_err *err)
{
	sqlite3_stmt *st = NULL;
	writ_rc rc = WRIT_OK;
	int src;

	src = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *mode = sqlite3_column_text(st, 0);

		if (mode == NULL || strcmp((const char *)mode, "wal") != 0) {
			writ_log(WRIT_LOG_ERROR, "store: sqlite refused WAL mode");
			rc = WRIT_ERR(err, WRIT_EDB, "storage error");
		}
	} else {
		rc = db_fail(c, src, "journal_mode", err);
	}
	sqlite3_finalize(st);
	if (rc != WRIT_OK)
		return rc;
	/* Before the hook: the pragma replaces the WAL hook with none. */
	src = sqlite3_exec(
	    c->db, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0", NULL, NULL, NULL);
	if (src != SQLITE_OK)
		return db_fail(c, src, "pragma", err);
	sqlite3_wal_hook(c->db, wal_hook, c);
	if ((src = sqlite3_exec(c->db, schema, NULL, NULL, NULL)) != SQLITE_OK)
		return db_fail(c, src, "schema", err);
	if ((rc = pragma_int(c, "PRAGMA page_size", &c->page_size, err)) != WRIT_OK)
		return rc;
	return wal_open(c, err);
}

/* Run a pragma that answers one integer. */
static writ_rc
pragma_int(struct pb_conn *c, const char *sql, uint64_t *out, struct writ_err *err)
{
	sqlite3_stmt *st = NULL;
	writ_rc rc = WRIT_OK;
	int src;

	src = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	else
		rc = db_fail(c, src, sql, err);
	sqlite3_finalize(st);
	return rc;
}

/*
 * Called by SQLite after each commit on the writer with the number of frames
 * in the log.  Returning SQLITE_OK without checkpointing is what keeps SQLite
 * from checkpointing on its own (this hook replaces the automatic one).
 */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int nframes)
{
	struct pb_conn *c = arg;

	(void)db;
	(void)name;
	c->wal_frames = nframes > 0 ? (uint64_t)nframes : 0;
	return SQLITE_OK;
}

/* fsync the directory holding path, so that the entries of files created in
 * it survive a power loss. */
static writ_rc
fsync_dir(const char *path, struct writ_err *err)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t len = slash == NULL ? 0 : (size_t)(slash - path);
	int fd, e = 0;

	if (slash == NULL)
		memcpy(dir, ".", 2);
	else if (len == 0)
		memcpy(dir, "/", 2);
	else if (len < sizeof(dir)) {
		memcpy(dir, path, len);
		dir[len] = '\0';
	} else
		return WRIT_ERR(err, WRIT_EIO, "storage path too long");
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) != 0)
		e = errno;
	if (fd >= 0)
		close(fd);
	if (e != 0) {
		writ_log(WRIT_LOG_ERROR, "store: cannot sync directory %s: %s", dir, strerror(e));
		return WRIT_ERR(err, WRIT_EIO, "storage error");
	}
	return WRIT_OK;
}

/*
 * (Re)open our descriptor on the log file.  SQLite creates the log when the
 * writer first reads the database (set_wal's schema statement did), so it
 * exists here.  A read-only descriptor is enough for fdatasync.  The
 * directory is synced each time, which makes the entries of both the
 * database file and the log durable before the first sync is reported.
 */
static writ_rc
wal_open(struct pb_conn *c, struct writ_err *err)
{
	struct stat st;
	writ_rc rc;
	int fd;

	if (c->walpath == NULL) {
		const char *db = sqlite3_db_filename(c->db, "main");
		const char *wal = db != NULL ? sqlite3_filename_wal(db) : NULL;

		if (wal == NULL || *wal == '\0' || (c->walpath = writ_strdup(wal)) == NULL)
			return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	}
	fd = open(c->walpath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0) {
		writ_log(WRIT_LOG_ERROR, "store: cannot open %s: %m", c->walpath);
		if (fd >= 0)
			close(fd);
		return WRIT_ERR(err, WRIT_EIO, "storage error");
	}
	if ((rc = fsync_dir(c->walpath, err)) != WRIT_OK) {
		close(fd);
		return rc;
	}
	if (c->walfd >= 0)
		close(c->walfd);
	c->walfd = fd;
	c->wal_dev = st.st_dev;
	c->wal_ino = st.st_ino;
	return WRIT_OK;
}

/* Create the database file as 0600 before SQLite does (it would use the
 * umask); SQLite gives the -wal and -shm files the same mode. */
static writ_rc
create_file(const char *path, struct writ_err *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		writ_log(WRIT_LOG_ERROR, "store: cannot create %s: %m", path);
		return WRIT_ERR(err, WRIT_EIO, "cannot open the storage file");
	}
	close(fd);
	return WRIT_OK;
}

/*
 * The smallest string greater than every string starting with prefix: drop
 * trailing 0xff bytes and increment the last one.  Returns its length, 0 when
 * there is no such bound (empty prefix or all 0xff).
 */
static size_t
prefix_upper(const char *prefix, char *buf, size_t cap)
{
	size_t len = strlen(prefix);

	assert(len < cap);
	memcpy(buf, prefix, len);
	while (len > 0 && (unsigned char)buf[len - 1] == 0xff)
		len--;
	if (len > 0)
		buf[len - 1] = (char)((unsigned char)buf[len - 1] + 1);
	buf[len] = '\0';
	return len;
}

/* ---------------------------------------------------------------------------
 * Operations.
 */
static writ_rc
sq_open(const char *dsn, bool writer, struct pb_conn **out, struct writ_err *err)
{
	struct pb_conn *c;
	int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, src;
	writ_rc rc;

	if ((c = writ_calloc(1, sizeof(*c))) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	c->walfd = -1;
	c->dbfd = -1;
	if (writer && (rc = create_file(dsn, err)) != WRIT_OK)
		goto out;
	flags |= writer ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
	src = sqlite3_open_v2(dsn, &c->db, flags, NULL);
	if (src != SQLITE_OK) {
		rc = db_fail(c, src, "open", err);
		goto out;
	}
	sqlite3_busy_timeout(c->db, BUSY_MS);
	rc = writer ? set_wal(c, err) : WRIT_OK;
out:
	if (rc != WRIT_OK)
		sq_close(c);
	else
		*out = c;
	return rc;
}

static void
sq_close(struct pb_conn *c)
{
	int i;

	if (c == NULL)
		return;
	sqlite3_close(c->ckdb);
	for (i = 0; i < ST_MAX; i++)
		sqlite3_finalize(c->st[i]);
	if (c->db != NULL && !sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(c->db);
	if (c->walfd >= 0)
		close(c->walfd);
	if (c->dbfd >= 0)
		close(c->dbfd);
	writ_free(c->walpath);
	writ_free(c);
}

static writ_rc
sq_get(struct pb_conn *c, const char *key, pb_val_fn fn, void *arg, struct writ_err *err)
{
	static const unsigned char empty[1];
	sqlite3_stmt *st = NULL;
	writ_rc rc;
	int src;

	if ((rc = prep(c, ST_GET, &st, err)) != WRIT_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_blob(st, 0);
		int n = sqlite3_column_bytes(st, 0);

		rc = fn(arg, v != NULL ? v : empty, n > 0 ? (size_t)n : 0);
	} else if (src == SQLITE_DONE) {
		rc = WRIT_ENOTFOUND;
	} else {
		rc = db_fail(c, src, "get", err);
	}
	done(st);
	return rc;
}

static writ_rc
sq_put(
    struct pb_conn *c, const char *key, const unsigned char *val, size_t len, struct writ_err *err)
{
	sqlite3_stmt *st = NULL;
	writ_rc rc;
	int src;

	if ((rc = prep(c, ST_PUT, &st, err)) != WRIT_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	src = sqlite3_bind_blob64(st, 2, len > 0 ? val : (const void *)"", len, SQLITE_STATIC);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	done(st);
	if (src != SQLITE_DONE)
		return db_fail(c, src, "put", err);
	return WRIT_OK;
}

static writ_rc
sq_del(struct pb_conn *c, const char *key, struct writ_err *err)
{
	sqlite3_stmt *st = NULL;
	writ_rc rc;
	int src;

	if ((rc = prep(c, ST_DEL, &st, err)) != WRIT_OK)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	src = sqlite3_step(st);
	done(st);
	if (src != SQLITE_DONE)
		return db_fail(c, src, "delete", err);
	return WRIT_OK;
}

/*
 * The lower bound is `key > after` when after sorts at or past the prefix
 * (pagination), else `key >= prefix`; the upper bound comes from
 * prefix_upper.  Both bounds are on the primary key, so the scan is a range.
 */
static writ_rc
sq_list(struct pb_conn *c, const char *prefix, const char *after, size_t limit, pb_key_fn fn,
    void *arg, struct writ_err *err)
{
	char upper[WRIT_STORE_KEY_MAX + 1];
	bool gt = after != NULL && strcmp(after, prefix) >= 0;
	bool has_upper;
	sqlite3_stmt *st = NULL;
	writ_rc rc;
	int src, i;

	if (strlen(prefix) > WRIT_STORE_KEY_MAX)
		return WRIT_ERR(err, WRIT_ETOOBIG, "prefix too long");
	has_upper = prefix_upper(prefix, upper, sizeof(upper)) > 0;
	i = has_upper ? (gt ? ST_LIST_GT_LT : ST_LIST_GE_LT) : (gt ? ST_LIST_GT : ST_LIST_GE);
	if ((rc = prep(c, i, &st, err)) != WRIT_OK)
		return rc;
	sqlite3_bind_text(st, 1, gt ? after : prefix, -1, SQLITE_STATIC);
	if (has_upper)
		sqlite3_bind_text(st, 2, upper, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, limit == 0 || limit > INT64_MAX ? -1 : (sqlite3_int64)limit);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *k = sqlite3_column_text(st, 0);
		int n = sqlite3_column_bytes(st, 0);

		if (k == NULL) {
			src = SQLITE_NOMEM;
			break;
		}
		if ((rc = fn(arg, (const char *)k, (size_t)n)) != WRIT_OK)
			break;
	}
	done(st);
	if (rc == WRIT_OK && src != SQLITE_DONE)
		rc = db_fail(c, src, "list", err);
	return rc;
}

static writ_rc
sq_begin(struct pb_conn *c, struct writ_err *err)
{
	return exec_one(c, ST_BEGIN, err);
}

static writ_rc
sq_commit(struct pb_conn *c, struct writ_err *err)
{
	writ_rc rc = exec_one(c, ST_COMMIT, err);

	/* A failed COMMIT may leave the transaction open; end it. */
	if (rc != WRIT_OK && !sqlite3_get_autocommit(c->db))
		(void)sq_rollback(c);
	return rc;
}

static writ_rc
sq_rollback(struct pb_conn *c)
{
	if (sqlite3_get_autocommit(c->db))
		return WRIT_OK; /* SQLite already rolled back */
	return exec_one(c, ST_ROLLBACK, NULL);
}

static writ_rc
sq_savepoint(struct pb_conn *c, struct writ_err *err)
{
	return exec_one(c, ST_SAVEPOINT, err);
}

static writ_rc
sq_release(struct pb_conn *c, struct writ_err *err)
{
	return exec_one(c, ST_RELEASE, err);
}

static writ_rc
sq_rollback_to(struct pb_conn *c)
{
	writ_rc rc = exec_one(c, ST_ROLLBACK_TO, NULL);

	if (rc == WRIT_OK)
		rc = exec_one(c, ST_RELEASE, NULL);
	return rc;
}

/*
 * fdatasync the log: every frame written before the call, hence every batch
 * committed before it, is then on disk.  If the path no longer names the
 * file we hold (SQLite deletes the log when its last connection closes,
 * which the open writer prevents, but be sure), reopen it first.  A failed
 * fdatasync is not retried: the kernel may have dropped the dirty pages, so
 * the caller stops the store.
 */
static writ_rc
sq_sync(struct pb_conn *c, struct writ_err *err)
{
	struct stat st;
	writ_rc rc;
	int r;

	if (c->walfd < 0 || stat(c->walpath, &st) != 0 || st.st_dev != c->wal_dev ||
	    st.st_ino != c->wal_ino) {
		if ((rc = wal_open(c, err)) != WRIT_OK)
			return rc;
	}
	while ((r = fdatasync(c->walfd)) != 0 && errno == EINTR)
		;
	if (r != 0) {
		writ_log(WRIT_LOG_ERROR, "store: fdatasync %s: %m", c->walpath);
		return WRIT_ERR(err, WRIT_EIO, "storage error");
	}
	return WRIT_OK;
}

static uint64_t
sq_log_size(struct pb_conn *c)
{
	return c->wal_frames * (c->page_size + WAL_FRAME_HDR);
}

/*
 * RESTART: copy every frame into the database and make the next commit
 * start the log over from its beginning (the file keeps its size, so later
 * fdatasyncs overwrite blocks instead of allocating them).  TRUNCATE (at
 * close) also empties the file, and we fsync it so that the old frames cannot
 * come back.  Synchronous=NORMAL makes SQLite sync the log before copying and
 * the database before the log may restart.  A reader still using frames of
 * the log makes the checkpoint stop short with SQLITE_BUSY after a short
 * wait; it is tried again later.
 */
static writ_rc
sq_checkpoint(struct pb_conn *c, bool truncate, bool *busy, struct writ_err *err)
{
	int src, nlog = 0, nckpt = 0;

	*busy = false;
	sqlite3_busy_timeout(c->db, CKPT_BUSY_MS);
	src = sqlite3_wal_checkpoint_v2(c->db, "main",
	    truncate ? SQLITE_CHECKPOINT_TRUNCATE : SQLITE_CHECKPOINT_RESTART, &nlog, &nckpt);
	sqlite3_busy_timeout(c->db, BUSY_MS);
	if (src == SQLITE_BUSY) {
		*busy = true;
		return WRIT_OK;
	}
	if (src != SQLITE_OK)
		return db_fail(c, src, "checkpoint", err);
	c->wal_frames = 0;
	if (truncate && c->walfd >= 0 && fsync(c->walfd) != 0) {
		writ_log(WRIT_LOG_ERROR, "store: fsync %s: %m", c->walpath);
		return WRIT_ERR(err, WRIT_EIO, "storage error");
	}
	return WRIT_OK;
}

/*
 * The checkpointing connection.  synchronous=NORMAL matters here too: it
 * makes its checkpoints sync the log before copying frames into the
 * database, some of which may have been committed after the last sq_sync.
 */
static writ_rc
ckdb_open(struct pb_conn *c, struct writ_err *err)
{
	const char *path = sqlite3_db_filename(c->db, "main");
	int src;

	if (path == NULL)
		return WRIT_ERR(err, WRIT_EDB, "storage error");
	src = sqlite3_open_v2(path, &c->ckdb,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_exec(c->ckdb, "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0",
		    NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		writ_log(WRIT_LOG_ERROR, "store: sqlite open for checkpoints: %s (%d)",
		    c->ckdb != NULL ? sqlite3_errmsg(c->ckdb) : sqlite3_errstr(src), src);
		sqlite3_close(c->ckdb);
		c->ckdb = NULL;
		return WRIT_ERR(err, src == SQLITE_NOMEM ? WRIT_ENOMEM : WRIT_EDB, "storage error");
	}
	if (c->dbfd < 0 && (c->dbfd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		writ_log(WRIT_LOG_ERROR, "store: cannot open %s: %m", path);
		return WRIT_ERR(err, WRIT_EIO, "storage error");
	}
	return WRIT_OK;
}

/*
 * A PASSIVE checkpoint on the second connection: it copies every frame no
 * reader still needs into the database without waiting for the writer or
 * readers, and we fdatasync the database after it, so that the checkpoint
 * under the write mutex that follows finds little to copy or sync.  Nothing
 * here is needed for durability; a reader or a busy lock just leaves more
 * for that second step.
 */
static writ_rc
sq_ckpt_prepare(struct pb_conn *c, struct writ_err *err)
{
	int src, r, nlog = 0, nckpt = 0;
	writ_rc rc;

	if (c->ckdb == NULL && (rc = ckdb_open(c, err)) != WRIT_OK)
		return rc;
	src = sqlite3_wal_checkpoint_v2(c->ckdb, "main", SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
	if (src != SQLITE_OK && (src & 0xff) != SQLITE_BUSY) {
		writ_log(WRIT_LOG_ERROR, "store: sqlite checkpoint: %s (%d)",
		    sqlite3_errmsg(c->ckdb), src);
		return WRIT_ERR(err, (src & 0xff) == SQLITE_IOERR ? WRIT_EIO : WRIT_EDB,
		    "storage error");
	}
	while ((r = fdatasync(c->dbfd)) != 0 && errno == EINTR)
		;
	if (r != 0) {
		writ_log(WRIT_LOG_ERROR, "store: fdatasync of the database: %m");
		return WRIT_ERR(err, WRIT_EIO, "storage error");
	}
	return WRIT_OK;
}
