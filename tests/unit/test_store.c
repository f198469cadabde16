/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/store: init and unseal with Shamir shares (every 3-of-5
 * subset, too few, wrong and replayed shares), seal/unseal keeping data,
 * keyring rotation, the barrier binding values to their key (raw SQL copy),
 * transaction atomicity and read-your-writes, list with prefix/after/limit,
 * group commit from 8 threads, reopen, limits, and fault injection on every
 * allocation of put, transactions, init, unseal, rotate and get.  Durability:
 * commits go on while a log sync is in flight, durable_seq and
 * writ_store_visible_seq, the commit generation, checkpoints under concurrent
 * readers and writers,
 * and a child killed with SIGKILL right after a sync returns loses nothing
 * it was told was durable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "writ/crypto.h"
#include "writ/store.h"
#include "store/store_int.h"

#define SH(buf, i) ((buf) + (size_t)(i)*WRIT_SHARE_LEN)

static char tmpdir[512];
static int dbno;

/* A fresh database path under the test directory. */
static void
db_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s/store-%d.db", tmpdir, ++dbno);
}

static int
setup_dir(void **state)
{
	const char *base = getenv("WRIT_TEST_TMP");

	(void)state;
	if (base == NULL || *base == '\0')
		base = "/tmp";
	(void)mkdir(base, 0700);
	snprintf(tmpdir, sizeof(tmpdir), "%s/writ-store-XXXXXX", base);
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown_dir(void **state)
{
	struct dirent *de;
	char path[1024];
	DIR *d;

	(void)state;
	if (getenv("WRIT_TEST_KEEP") != NULL || (d = opendir(tmpdir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, de->d_name);
		(void)unlink(path);
	}
	closedir(d);
	return rmdir(tmpdir) == 0 ? 0 : -1;
}

/* Open a new store, initialise it n/t and unseal it with the first t shares. */
static struct writ_store *
new_store(char *path, size_t pathlen, unsigned n, unsigned t, unsigned char *shares)
{
	struct writ_store *s = NULL;
	struct writ_err err = {0};
	bool unsealed = false;
	unsigned i;

	db_path(path, pathlen);
	assert_int_equal(writ_store_open_sqlite(path, &s, &err), WRIT_OK);
	assert_int_equal(writ_store_init(s, n, t, shares, &err), WRIT_OK);
	for (i = 0; i < t; i++)
		assert_int_equal(
		    writ_store_unseal(s, SH(shares, i), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_true(unsealed);
	return s;
}

static void
put_str(struct writ_store *s, const char *key, const char *val)
{
	struct writ_err err = {0};

	assert_int_equal(writ_store_put(s, key, val, strlen(val), &err), WRIT_OK);
}

/* Assert key holds val (NULL: absent) through the durable read path. */
static void
expect(struct writ_store *s, const char *key, const char *val)
{
	struct writ_arena *a = writ_arena_new(0, WRIT_ARENA_SECRET);
	struct writ_err err = {0};
	unsigned char *v = NULL;
	size_t len = 0;
	writ_rc rc;

	assert_non_null(a);
	rc = writ_store_get(s, a, key, &v, &len, &err);
	if (val == NULL) {
		assert_int_equal(rc, WRIT_ENOTFOUND);
	} else {
		assert_int_equal(rc, WRIT_OK);
		assert_int_equal(len, strlen(val));
		assert_memory_equal(v, val, len);
	}
	writ_arena_free(a);
}

static bool
is_sealed(struct writ_store *s)
{
	struct writ_seal_status st;

	writ_store_seal_status(s, &st);
	return st.sealed;
}

/* ---------------------------------------------------------------------------
 * Seal and unseal.
 */
static void
test_unseal_subsets(void **state)
{
	unsigned char shares[5 * WRIT_SHARE_LEN];
	struct writ_store *s = NULL;
	struct writ_err err = {0};
	struct writ_seal_status st;
	char path[600];
	unsigned a, b, c, nsub = 0;

	(void)state;
	db_path(path, sizeof(path));
	assert_int_equal(writ_store_open_sqlite(path, &s, &err), WRIT_OK);
	assert_string_equal(writ_store_backend(s), "sqlite");
	writ_store_seal_status(s, &st);
	assert_false(st.initialized);
	assert_true(st.sealed);
	assert_int_equal(writ_store_unseal(s, shares, WRIT_SHARE_LEN, NULL, &err), WRIT_EINVAL);
	assert_int_equal(writ_store_init(s, 5, 3, shares, &err), WRIT_OK);
	assert_int_equal(writ_store_init(s, 5, 3, shares, &err), WRIT_ECONFLICT);
	writ_store_seal_status(s, &st);
	assert_true(st.initialized);
	assert_true(st.sealed);
	assert_int_equal(st.threshold, 3);
	assert_int_equal(st.shares, 5);
	assert_int_equal(st.term, 0);
	for (a = 0; a < 5; a++)
		for (b = a + 1; b < 5; b++)
			for (c = b + 1; c < 5; c++) {
				unsigned pick[3] = {a, b, c}, i;
				bool unsealed = true;

				for (i = 0; i < 3; i++) {
					assert_int_equal(writ_store_unseal(s, SH(shares, pick[i]),
					                     WRIT_SHARE_LEN, &unsealed, &err),
					    WRIT_OK);
					assert_int_equal(unsealed, i == 2);
				}
				writ_store_seal_status(s, &st);
				assert_false(st.sealed);
				assert_int_equal(st.term, 1);
				assert_int_equal(st.progress, 0);
				writ_store_seal(s);
				nsub++;
			}
	assert_int_equal(nsub, 10);
	writ_store_close(s);
}

static void
test_unseal_failures(void **state)
{
	unsigned char shares[5 * WRIT_SHARE_LEN], bad[WRIT_SHARE_LEN];
	struct writ_store *s = NULL;
	struct writ_err err = {0};
	struct writ_seal_status st;
	bool unsealed = true;
	char path[600];

	(void)state;
	db_path(path, sizeof(path));
	assert_int_equal(writ_store_open_sqlite(path, &s, &err), WRIT_OK);
	assert_int_equal(writ_store_init(s, 5, 3, shares, &err), WRIT_OK);
	/* Two shares leave it sealed. */
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 0), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 1), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_false(unsealed);
	writ_store_seal_status(s, &st);
	assert_true(st.sealed);
	assert_int_equal(st.progress, 2);
	/* A replayed share is rejected and progress is kept. */
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 1), WRIT_SHARE_LEN, &unsealed, &err), WRIT_EINVAL);
	assert_int_equal(writ_store_unseal(s, SH(shares, 1), 5, &unsealed, &err), WRIT_EINVAL);
	writ_store_seal_status(s, &st);
	assert_int_equal(st.progress, 2);
	/* A wrong third share: denied, progress reset, still sealed. */
	memcpy(bad, SH(shares, 2), WRIT_SHARE_LEN);
	bad[5] ^= 0x40;
	assert_int_equal(writ_store_unseal(s, bad, WRIT_SHARE_LEN, &unsealed, &err), WRIT_EDENIED);
	writ_store_seal_status(s, &st);
	assert_true(st.sealed);
	assert_int_equal(st.progress, 0);
	/* Then the right shares work; reset forgets progress. */
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 4), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	writ_store_unseal_reset(s);
	writ_store_seal_status(s, &st);
	assert_int_equal(st.progress, 0);
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 4), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 2), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 3), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_true(unsealed);
	/* Already unsealed: OK. */
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 0), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_true(unsealed);
	writ_store_close(s);
}

/* Sealed: every data function says so. */
static void
test_sealed_data(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN];
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_store *s;
	struct writ_txn *t = NULL;
	struct writ_err err = {0};
	unsigned char *v;
	char path[600], **keys;
	size_t len, n;
	uint32_t term;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	writ_store_seal(s);
	assert_true(is_sealed(s));
	assert_int_equal(writ_store_get(s, a, "k", &v, &len, &err), WRIT_ESEALED);
	assert_int_equal(writ_store_list(s, a, "", NULL, 0, &keys, &n, &err), WRIT_ESEALED);
	assert_int_equal(writ_store_put(s, "k", "v", 1, &err), WRIT_ESEALED);
	assert_int_equal(writ_store_delete(s, "k", &err), WRIT_ESEALED);
	assert_int_equal(writ_txn_begin(s, &t, &err), WRIT_ESEALED);
	assert_int_equal(writ_store_rotate(s, &term, &err), WRIT_ESEALED);
	writ_arena_free(a);
	writ_store_close(s);
}

/* t == 1: any share alone unseals, and dev mode's unseal_root works. */
static void
test_threshold_one(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN], wrong[WRIT_ROOT_KEY_LEN] = {0};
	struct writ_store *s;
	struct writ_err err = {0};
	bool unsealed = false;
	char path[600];
	unsigned i;

	(void)state;
	s = new_store(path, sizeof(path), 3, 1, shares);
	for (i = 0; i < 3; i++) {
		writ_store_seal(s);
		assert_int_equal(
		    writ_store_unseal(s, SH(shares, i), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
		assert_true(unsealed);
	}
	writ_store_seal(s);
	assert_int_equal(writ_store_unseal_root(s, wrong, &err), WRIT_EDENIED);
	assert_true(is_sealed(s));
	assert_int_equal(writ_store_unseal_root(s, shares, &err), WRIT_OK);
	assert_false(is_sealed(s));
	writ_store_close(s);
}

static void
test_seal_cycle_and_reopen(void **state)
{
	unsigned char shares[5 * WRIT_SHARE_LEN];
	struct writ_store *s;
	struct writ_err err = {0};
	struct writ_seal_status st;
	bool unsealed = false;
	char path[600];
	unsigned i;

	(void)state;
	s = new_store(path, sizeof(path), 5, 3, shares);
	put_str(s, "kv/a", "alpha");
	put_str(s, "kv/b", "");
	writ_store_seal(s);
	for (i = 2; i < 5; i++)
		assert_int_equal(
		    writ_store_unseal(s, SH(shares, i), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	expect(s, "kv/a", "alpha");
	expect(s, "kv/b", "");
	/* Written without sync, made durable by close. */
	{
		struct writ_txn *t = NULL;
		uint64_t seq = 0;

		assert_int_equal(writ_txn_begin(s, &t, &err), WRIT_OK);
		assert_int_equal(writ_txn_put(t, "kv/c", "gamma", 5, &err), WRIT_OK);
		assert_int_equal(writ_txn_commit(t, &seq, &err), WRIT_OK);
	}
	writ_store_close(s);
	assert_int_equal(writ_store_open_sqlite(path, &s, &err), WRIT_OK);
	writ_store_seal_status(s, &st);
	assert_true(st.initialized);
	assert_true(st.sealed);
	assert_int_equal(st.threshold, 3);
	assert_int_equal(st.shares, 5);
	for (i = 0; i < 3; i++)
		assert_int_equal(
		    writ_store_unseal(s, SH(shares, i), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_true(unsealed);
	expect(s, "kv/a", "alpha");
	expect(s, "kv/b", "");
	expect(s, "kv/c", "gamma");
	writ_store_close(s);
}

/* ---------------------------------------------------------------------------
 * Barrier.
 */

/* Run SQL on the database file behind the store's back. */
static void
raw_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

/* The term of the record stored at key, from its first four bytes. */
static uint32_t
raw_term(const char *path, const char *key)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const unsigned char *p;
	uint32_t term;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_prepare_v2(db, "SELECT value FROM kv WHERE key = ?1", -1, &st, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_true(sqlite3_column_bytes(st, 0) >= BARRIER_OVERHEAD);
	p = sqlite3_column_blob(st, 0);
	term = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	sqlite3_finalize(st);
	sqlite3_close(db);
	return term;
}

static void
test_rotate(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN];
	struct writ_store *s;
	struct writ_err err = {0};
	struct writ_seal_status st;
	bool unsealed = false;
	char path[600];
	uint32_t term = 0;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	put_str(s, "kv/old", "one");
	assert_int_equal(writ_store_rotate(s, &term, &err), WRIT_OK);
	assert_int_equal(term, 2);
	put_str(s, "kv/new", "two");
	expect(s, "kv/old", "one");
	expect(s, "kv/new", "two");
	assert_int_equal(raw_term(path, "kv/old"), 1);
	assert_int_equal(raw_term(path, "kv/new"), 2);
	assert_int_equal(writ_store_rotate(s, &term, &err), WRIT_OK);
	assert_int_equal(term, 3);
	/* The rotated keyring is durable: seal, unseal, reopen. */
	writ_store_seal(s);
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 1), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 2), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	writ_store_seal_status(s, &st);
	assert_int_equal(st.term, 3);
	expect(s, "kv/old", "one");
	expect(s, "kv/new", "two");
	put_str(s, "kv/newer", "three");
	assert_int_equal(raw_term(path, "kv/newer"), 3);
	writ_store_close(s);
}

static void
test_barrier_binding(void **state)
{
	static const struct {
		const char *sql, *key;
	} cases[] = {
	    /* Copied to another key. */
	    {"INSERT INTO kv(key, value) SELECT 'kv/copy', value FROM kv WHERE key = 'kv/src'",
	        "kv/copy"},
	    /* Swapped between two keys. */
	    {"UPDATE kv SET value = (SELECT value FROM kv WHERE key = 'kv/src') "
	     "WHERE key = 'kv/other'",
	        "kv/other"},
	    /* Term changed to an unknown one. */
	    {"UPDATE kv SET value = CAST(X'00000063' || substr(value, 5) AS BLOB) "
	     "WHERE key = 'kv/t1'",
	        "kv/t1"},
	    /* Term changed to another known one. */
	    {"UPDATE kv SET value = CAST(X'00000002' || substr(value, 5) AS BLOB) "
	     "WHERE key = 'kv/t2'",
	        "kv/t2"},
	    /* Truncated, too short, empty. */
	    {"UPDATE kv SET value = substr(value, 1, length(value) - 1) WHERE key = 'kv/tr'",
	        "kv/tr"},
	    {"UPDATE kv SET value = X'0000000100' WHERE key = 'kv/short'", "kv/short"},
	    {"UPDATE kv SET value = X'' WHERE key = 'kv/empty'", "kv/empty"},
	    /* One bit flipped in the ciphertext (byte 20). */
	    {"UPDATE kv SET value = CAST(substr(value, 1, 20) || "
	     "(CASE WHEN substr(value, 21, 1) = X'00' THEN X'01' ELSE X'00' END) || "
	     "substr(value, 22) AS BLOB) WHERE key = 'kv/flip'",
	        "kv/flip"},
	};
	static const char *const keys[] = {
	    "kv/src", "kv/other", "kv/t1", "kv/t2", "kv/tr", "kv/short", "kv/empty", "kv/flip"};
	unsigned char shares[3 * WRIT_SHARE_LEN], *v;
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_store *s;
	struct writ_err err = {0};
	char path[600];
	uint32_t term;
	size_t i, len;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	for (i = 0; i < WRIT_ARRAY_LEN(keys); i++)
		put_str(s, keys[i], "a secret value!");
	assert_int_equal(writ_store_rotate(s, &term, &err), WRIT_OK);
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		raw_sql(path, cases[i].sql);
		assert_int_equal(writ_store_get(s, a, cases[i].key, &v, &len, &err), WRIT_ECRYPTO);
		assert_int_equal(err.code, WRIT_ECRYPTO);
		/* The generic message does not name the key. */
		assert_null(strstr(err.msg, cases[i].key));
	}
	expect(s, "kv/src", "a secret value!");
	/* The raw keys are not logical keys. */
	assert_int_equal(writ_store_get(s, a, STORE_KEY_KEYRING, &v, &len, &err), WRIT_EINVAL);
	assert_int_equal(writ_store_put(s, STORE_KEY_SEAL_CONFIG, "x", 1, &err), WRIT_EINVAL);
	writ_arena_free(a);
	writ_store_close(s);
}

/* The record format directly: round trip, every truncation fails. */
static void
test_barrier_record(void **state)
{
	struct keyring *kr = keyring_alloc(2), *kr2 = NULL;
	unsigned char *rec = NULL, out[64], *enc = NULL;
	size_t rlen = 0, olen = 0, elen = 0, i;

	(void)state;
	assert_non_null(kr);
	kr->nterms = 2;
	kr->terms[0].term = 1;
	kr->terms[1].term = 7;
	kr->active = 7;
	assert_int_equal(writ_random(kr->terms[0].key, 32), WRIT_OK);
	assert_int_equal(writ_random(kr->terms[1].key, 32), WRIT_OK);
	assert_int_equal(barrier_seal(kr, "a/b", "hello", 5, &rec, &rlen), WRIT_OK);
	assert_int_equal(rlen, 5 + BARRIER_OVERHEAD);
	assert_int_equal(barrier_open(kr, "a/b", rec, rlen, out, &olen), WRIT_OK);
	assert_int_equal(olen, 5);
	assert_memory_equal(out, "hello", 5);
	assert_int_equal(barrier_open(kr, "a/c", rec, rlen, out, &olen), WRIT_ECRYPTO);
	for (i = 0; i < rlen; i++)
		assert_int_equal(barrier_open(kr, "a/b", rec, i, out, &olen), WRIT_ECRYPTO);
	/* Keyring encoding round trip and strictness. */
	assert_int_equal(keyring_encode(kr, &enc, &elen), WRIT_OK);
	assert_int_equal(keyring_decode(enc, elen, &kr2), WRIT_OK);
	assert_int_equal(kr2->active, 7);
	assert_memory_equal(keyring_key(kr2, 1), kr->terms[0].key, 32);
	keyring_free(kr2);
	kr2 = NULL;
	for (i = 0; i < elen; i++)
		assert_int_equal(keyring_decode(enc, i, &kr2), WRIT_ECRYPTO);
	enc[4] = 9; /* active term 9 is not in the ring */
	assert_int_equal(keyring_decode(enc, elen, &kr2), WRIT_ECRYPTO);
	writ_memzero(enc, elen);
	writ_free(enc);
	writ_free(rec);
	keyring_free(kr);
}

/* ---------------------------------------------------------------------------
 * Transactions.
 */
static void
test_txn_abort(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN], *v;
	struct writ_arena *a = writ_arena_new(0, WRIT_ARENA_SECRET);
	struct writ_store *s;
	struct writ_txn *t = NULL;
	struct writ_err err = {0};
	char path[600], **keys;
	size_t len, n;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	put_str(s, "t/keep", "kept");
	/* Abort leaves nothing. */
	assert_int_equal(writ_txn_begin(s, &t, &err), WRIT_OK);
	assert_int_equal(writ_txn_put(t, "t/a", "1", 1, &err), WRIT_OK);
	assert_int_equal(writ_txn_put(t, "t/b", "2", 1, &err), WRIT_OK);
	assert_int_equal(writ_txn_delete(t, "t/keep", &err), WRIT_OK);
	assert_int_equal(writ_txn_get(t, a, "t/a", &v, &len, &err), WRIT_OK);
	assert_memory_equal(v, "1", 1);
	assert_int_equal(writ_txn_get(t, a, "t/keep", &v, &len, &err), WRIT_ENOTFOUND);
	assert_int_equal(writ_txn_list(t, a, "t/", NULL, 0, &keys, &n, &err), WRIT_OK);
	assert_int_equal(n, 2);
	assert_string_equal(keys[0], "t/a");
	assert_string_equal(keys[1], "t/b");
	assert_null(keys[2]);
	writ_txn_abort(t);
	expect(s, "t/a", NULL);
	expect(s, "t/b", NULL);
	expect(s, "t/keep", "kept");
	writ_arena_free(a);
	writ_store_close(s);
}

static void
test_txn_commit(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN], *v;
	struct writ_arena *a = writ_arena_new(0, WRIT_ARENA_SECRET);
	struct writ_store *s;
	struct writ_txn *t = NULL;
	struct writ_err err = {0};
	char path[600];
	uint64_t seq = 0, seq2 = 0;
	size_t len;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	put_str(s, "t/keep", "kept");
	/* Commit applies all; not visible to durable readers before sync. */
	assert_int_equal(writ_txn_begin(s, &t, &err), WRIT_OK);
	assert_int_equal(writ_txn_put(t, "t/a", "1", 1, &err), WRIT_OK);
	assert_int_equal(writ_txn_put(t, "t/b", "2", 1, &err), WRIT_OK);
	assert_int_equal(writ_txn_put(t, "t/b", "22", 2, &err), WRIT_OK);
	assert_int_equal(writ_txn_delete(t, "t/keep", &err), WRIT_OK);
	assert_int_equal(writ_txn_commit(t, &seq, &err), WRIT_OK);
	assert_true(seq > 0);
	expect(s, "t/a", NULL);
	/* A later transaction sees the committed batch. */
	assert_int_equal(writ_txn_begin(s, &t, &err), WRIT_OK);
	assert_int_equal(writ_txn_get(t, a, "t/b", &v, &len, &err), WRIT_OK);
	assert_int_equal(len, 2);
	assert_memory_equal(v, "22", 2);
	/* Aborting a transaction inside the open batch keeps the batch. */
	assert_int_equal(writ_txn_put(t, "t/c", "3", 1, &err), WRIT_OK);
	writ_txn_abort(t);
	assert_int_equal(writ_txn_begin(s, &t, &err), WRIT_OK);
	assert_int_equal(writ_txn_commit(t, &seq2, &err), WRIT_OK);
	assert_int_equal(seq2, seq); /* no writes: no new number */
	assert_int_equal(writ_store_sync(s, seq, &err), WRIT_OK);
	assert_int_equal(writ_store_sync(s, seq, &err), WRIT_OK);
	assert_int_equal(writ_store_sync(s, seq + 100, &err), WRIT_EINVAL);
	expect(s, "t/a", "1");
	expect(s, "t/b", "22");
	expect(s, "t/c", NULL);
	expect(s, "t/keep", NULL);
	assert_int_equal(writ_store_delete(s, "t/a", &err), WRIT_OK);
	assert_int_equal(writ_store_delete(s, "t/none", &err), WRIT_OK);
	expect(s, "t/a", NULL);
	writ_arena_free(a);
	writ_store_close(s);
}

static void
test_limits(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN], *v;
	struct writ_arena *a = writ_arena_new(0, 0), *small = writ_arena_new(4096, 0);
	size_t big = WRIT_STORE_VALUE_MAX + 1, len;
	char *val = calloc(1, big), key[WRIT_STORE_KEY_MAX + 2];
	struct writ_store *s;
	struct writ_err err = {0};
	char path[600];

	(void)state;
	assert_non_null(val);
	s = new_store(path, sizeof(path), 3, 2, shares);
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	assert_int_equal(writ_store_put(s, key, "v", 1, &err), WRIT_ETOOBIG);
	key[WRIT_STORE_KEY_MAX] = '\0';
	assert_int_equal(writ_store_put(s, key, "v", 1, &err), WRIT_OK);
	assert_int_equal(writ_store_put(s, "", "v", 1, &err), WRIT_EINVAL);
	assert_int_equal(writ_store_put(s, NULL, "v", 1, &err), WRIT_EINVAL);
	assert_int_equal(writ_store_put(s, "big", val, big, &err), WRIT_ETOOBIG);
	assert_int_equal(writ_store_put(s, "big", val, big - 1, &err), WRIT_OK);
	assert_int_equal(writ_store_get(s, a, "big", &v, &len, &err), WRIT_OK);
	assert_int_equal(len, big - 1);
	/* The arena cap bounds what a read may allocate. */
	assert_int_equal(writ_store_get(s, small, "big", &v, &len, &err), WRIT_ELIMIT);
	writ_arena_free(small);
	writ_arena_free(a);
	free(val);
	writ_store_close(s);
}

/* ---------------------------------------------------------------------------
 * List.
 */
static void
test_list(void **state)
{
	static const char *const stored[] = {"a/1", "a/2", "a/3", "a/4", "a/5", "ab", "b/1",
	    "core/a", "core/z", "a/\xff", "\xff\xff"};
	static const struct {
		const char *prefix, *after;
		size_t limit;
		const char *want; /* space-separated */
	} cases[] = {
	    {"a/", NULL, 0, "a/1 a/2 a/3 a/4 a/5 a/\xff"},
	    {"a/", "a/2", 0, "a/3 a/4 a/5 a/\xff"},
	    {"a/", "a/2", 2, "a/3 a/4"},
	    {"a/", "0", 2, "a/1 a/2"},
	    {"a/", "a/\xff", 0, ""},
	    {"a/", "b", 0, ""},
	    {"a", NULL, 0, "a/1 a/2 a/3 a/4 a/5 a/\xff ab"},
	    {"b/", NULL, 0, "b/1"},
	    {"c/", NULL, 0, ""},
	    {"core/", NULL, 2, "core/a core/z"},
	    {"core/", NULL, 0, "core/a core/z"},
	    {"", "b/1", 0, "core/a core/z \xff\xff"},
	    {"", NULL, 3, "a/1 a/2 a/3"},
	    {"\xff", NULL, 0, "\xff\xff"},
	    {NULL, "core/a", 0, "core/z \xff\xff"},
	};
	unsigned char shares[3 * WRIT_SHARE_LEN];
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_store *s;
	struct writ_err err = {0};
	char path[600], **keys, got[256];
	size_t i, j, n, off;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	for (i = 0; i < WRIT_ARRAY_LEN(stored); i++)
		put_str(s, stored[i], "v");
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		assert_int_equal(writ_store_list(s, a, cases[i].prefix, cases[i].after,
		                     cases[i].limit, &keys, &n, &err),
		    WRIT_OK);
		got[0] = '\0';
		for (j = 0, off = 0; j < n; j++)
			off += (size_t)snprintf(
			    got + off, sizeof(got) - off, "%s%s", j > 0 ? " " : "", keys[j]);
		assert_null(keys[n]);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got '%s' want '%s'", i, got, cases[i].want);
	}
	writ_arena_free(a);
	writ_store_close(s);
}

/* ---------------------------------------------------------------------------
 * Group commit.
 */
#define GC_THREADS 8
#define GC_WRITES  500

struct gc_arg {
	struct writ_store *s;
	int id;
	writ_rc rc;
};

static void *
gc_worker(void *p)
{
	struct gc_arg *g = p;
	struct writ_err err;
	char key[64], val[64];
	int i;

	for (i = 0; i < GC_WRITES && g->rc == WRIT_OK; i++) {
		snprintf(key, sizeof(key), "gc/%d/%04d", g->id, i);
		snprintf(val, sizeof(val), "value %d %d", g->id, i);
		g->rc = writ_store_put(g->s, key, val, strlen(val), &err);
	}
	return NULL;
}

static void
test_group_commit(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN];
	struct gc_arg args[GC_THREADS];
	pthread_t th[GC_THREADS];
	struct writ_store_stats st0, st;
	struct writ_store *s;
	char path[600], key[64], val[64];
	int i, j;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	writ_store_stats(s, &st0);
	for (i = 0; i < GC_THREADS; i++) {
		args[i] = (struct gc_arg){.s = s, .id = i, .rc = WRIT_OK};
		assert_int_equal(pthread_create(&th[i], NULL, gc_worker, &args[i]), 0);
	}
	for (i = 0; i < GC_THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(args[i].rc, WRIT_OK);
	}
	writ_store_stats(s, &st);
	print_message("group commit: %llu transactions in %llu batches\n",
	    (unsigned long long)(st.txns - st0.txns),
	    (unsigned long long)(st.batches - st0.batches));
	assert_int_equal(st.txns - st0.txns, GC_THREADS * GC_WRITES);
	assert_true((st.batches - st0.batches) * 2 < GC_THREADS * GC_WRITES);
	for (i = 0; i < GC_THREADS; i++)
		for (j = 0; j < GC_WRITES; j++) {
			snprintf(key, sizeof(key), "gc/%d/%04d", i, j);
			snprintf(val, sizeof(val), "value %d %d", i, j);
			expect(s, key, val);
		}
	writ_store_close(s);
}

/* ---------------------------------------------------------------------------
 * Fault injection: rerun each operation failing allocation n = 1, 2, ...
 * until it succeeds; every failure is an error and leaves the store as it was.
 */
static void
test_fault_put(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN];
	struct writ_store *s;
	struct writ_err err;
	char path[600];
	long n;
	writ_rc rc;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	put_str(s, "f/other", "stays");
	for (n = 1;; n++) {
		writ_fault_set(n);
		rc = writ_store_put(s, "f/key", "value", 5, &err);
		writ_fault_set(0);
		if (rc == WRIT_OK)
			break;
		assert_int_equal(rc, WRIT_ENOMEM);
		expect(s, "f/key", NULL);
		expect(s, "f/other", "stays");
		assert_true(n < 1000);
	}
	assert_true(n > 1);
	expect(s, "f/key", "value");
	expect(s, "f/other", "stays");
	writ_store_close(s);
}

/* A multi-key transaction: all or nothing under every failure. */
static writ_rc
fault_txn(struct writ_store *s)
{
	struct writ_txn *t = NULL;
	struct writ_err err;
	uint64_t seq = 0;
	writ_rc rc;

	if ((rc = writ_txn_begin(s, &t, &err)) != WRIT_OK)
		return rc;
	if ((rc = writ_txn_put(t, "m/1", "one", 3, &err)) != WRIT_OK ||
	    (rc = writ_txn_delete(t, "m/gone", &err)) != WRIT_OK ||
	    (rc = writ_txn_put(t, "m/2", "two", 3, &err)) != WRIT_OK) {
		writ_txn_abort(t);
		return rc;
	}
	if ((rc = writ_txn_commit(t, &seq, &err)) != WRIT_OK)
		return rc;
	return writ_store_sync(s, seq, &err);
}

static void
test_fault_txn(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN];
	struct writ_store *s;
	char path[600];
	long n;
	writ_rc rc;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	put_str(s, "m/gone", "x");
	for (n = 1;; n++) {
		writ_fault_set(n);
		rc = fault_txn(s);
		writ_fault_set(0);
		if (rc == WRIT_OK)
			break;
		assert_int_equal(rc, WRIT_ENOMEM);
		expect(s, "m/1", NULL);
		expect(s, "m/2", NULL);
		expect(s, "m/gone", "x");
	}
	assert_true(n > 2);
	expect(s, "m/1", "one");
	expect(s, "m/2", "two");
	expect(s, "m/gone", NULL);
	writ_store_close(s);
}

/* Open, init, unseal and rotate under allocation failures. */
static void
test_fault_lifecycle(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN];
	struct writ_store *s = NULL;
	struct writ_err err;
	struct writ_seal_status st;
	bool unsealed = false;
	char path[600];
	uint32_t term = 0;
	long n;
	writ_rc rc;
	unsigned i;

	(void)state;
	db_path(path, sizeof(path));
	for (n = 1;; n++) {
		writ_fault_set(n);
		rc = writ_store_open_sqlite(path, &s, &err);
		writ_fault_set(0);
		if (rc == WRIT_OK)
			break;
		assert_int_equal(rc, WRIT_ENOMEM);
	}
	for (n = 1;; n++) {
		writ_fault_set(n);
		rc = writ_store_init(s, 3, 2, shares, &err);
		writ_fault_set(0);
		if (rc == WRIT_OK)
			break;
		assert_int_equal(rc, WRIT_ENOMEM);
		writ_store_seal_status(s, &st);
		assert_false(st.initialized);
	}
	for (i = 0; i < 2; i++)
		for (n = 1;; n++) {
			writ_fault_set(n);
			rc = writ_store_unseal(s, SH(shares, i), WRIT_SHARE_LEN, &unsealed, &err);
			writ_fault_set(0);
			if (rc == WRIT_OK)
				break;
			assert_int_equal(rc, WRIT_ENOMEM);
			writ_store_seal_status(s, &st);
			assert_true(st.sealed);
			assert_int_equal(st.progress, i);
		}
	assert_true(unsealed);
	put_str(s, "r/a", "before");
	for (n = 1;; n++) {
		writ_fault_set(n);
		rc = writ_store_rotate(s, &term, &err);
		writ_fault_set(0);
		if (rc == WRIT_OK)
			break;
		assert_int_equal(rc, WRIT_ENOMEM);
		writ_store_seal_status(s, &st);
		assert_int_equal(st.term, 1);
	}
	assert_int_equal(term, 2);
	put_str(s, "r/b", "after");
	expect(s, "r/a", "before");
	expect(s, "r/b", "after");
	writ_store_close(s);
}

/* Reads under allocation failure: an error, never a wrong value. */
static void
test_fault_read(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN], *v;
	struct writ_store *s;
	struct writ_err err;
	char path[600], **keys;
	size_t len, nk;
	long n;
	writ_rc rc;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	put_str(s, "g/a", "payload");
	for (n = 1;; n++) {
		struct writ_arena *a = writ_arena_new(0, 0);

		assert_non_null(a);
		writ_fault_set(n);
		rc = writ_store_get(s, a, "g/a", &v, &len, &err);
		if (rc == WRIT_OK)
			rc = writ_store_list(s, a, "g/", NULL, 0, &keys, &nk, &err);
		writ_fault_set(0);
		if (rc == WRIT_OK) {
			assert_int_equal(len, 7);
			assert_memory_equal(v, "payload", 7);
			assert_int_equal(nk, 1);
			writ_arena_free(a);
			break;
		}
		assert_int_equal(rc, WRIT_ENOMEM);
		writ_arena_free(a);
	}
	writ_store_close(s);
}

/* ---------------------------------------------------------------------------
 * Durability: the log sync runs outside the write lock.
 */

/* A sync hook that holds the first leader inside its sync until released. */
static pthread_mutex_t hk_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hk_cv = PTHREAD_COND_INITIALIZER;
static int hk_state; /* 0: not yet, 1: a leader is held, 2: released */
static bool hk_timed_out;

static void
hold_hook(struct writ_store *s)
{
	struct timespec ts;

	(void)s;
	pthread_mutex_lock(&hk_mu);
	if (hk_state == 2) {
		pthread_mutex_unlock(&hk_mu);
		return;
	}
	hk_state = 1;
	pthread_cond_broadcast(&hk_cv);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	while (hk_state != 2) {
		if (pthread_cond_timedwait(&hk_cv, &hk_mu, &ts) == ETIMEDOUT) {
			hk_timed_out = true;
			hk_state = 2;
		}
	}
	pthread_mutex_unlock(&hk_mu);
}

struct put_arg {
	struct writ_store *s;
	const char *key, *val;
	writ_rc rc;
};

static void *
put_thread(void *p)
{
	struct put_arg *a = p;
	struct writ_err err;

	a->rc = writ_store_put(a->s, a->key, a->val, strlen(a->val), &err);
	return NULL;
}

static uint64_t
durable(struct writ_store *s)
{
	return atomic_load(&s->durable_seq);
}

/* Commit one put in a transaction without syncing it; returns its seq. */
static uint64_t
commit_put(struct writ_store *s, const char *key, const char *val)
{
	struct writ_txn *t = NULL;
	struct writ_err err = {0};
	uint64_t seq = 0;

	assert_int_equal(writ_txn_begin(s, &t, &err), WRIT_OK);
	assert_int_equal(writ_txn_put(t, key, val, strlen(val), &err), WRIT_OK);
	assert_int_equal(writ_txn_commit(t, &seq, &err), WRIT_OK);
	return seq;
}

static void
test_commit_during_sync(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN];
	struct writ_store_stats st0, st;
	struct put_arg a;
	struct writ_store *s;
	struct writ_err err = {0};
	pthread_t th;
	char path[600];
	uint64_t seq_a, seq_b;
	int held;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	writ_store_stats(s, &st0);
	hk_state = 0;
	hk_timed_out = false;
	s->sync_hook = hold_hook;
	a = (struct put_arg){.s = s, .key = "c/a", .val = "first", .rc = WRIT_EINTERNAL};
	assert_int_equal(pthread_create(&th, NULL, put_thread, &a), 0);
	pthread_mutex_lock(&hk_mu);
	while (hk_state == 0)
		pthread_cond_wait(&hk_cv, &hk_mu);
	pthread_mutex_unlock(&hk_mu);

	/* The leader is inside its sync with c/a COMMITted but not durable. */
	seq_a = s->last_seq; /* c/a's commit is the last one; wmu is free */
	assert_true(durable(s) < seq_a);
	assert_true(writ_store_visible_seq(s) >= seq_a);
	expect(s, "c/a", "first"); /* the documented window: visible, not yet durable */
	/* Another transaction commits meanwhile: the write lock is free. */
	seq_b = commit_put(s, "c/b", "second");
	assert_true(seq_b > seq_a);
	pthread_mutex_lock(&hk_mu);
	held = hk_state;
	hk_state = 2;
	pthread_cond_broadcast(&hk_cv);
	pthread_mutex_unlock(&hk_mu);
	assert_int_equal(held, 1); /* c/b committed while the sync was held */
	pthread_join(th, NULL);
	assert_false(hk_timed_out);
	assert_int_equal(a.rc, WRIT_OK);

	/* c/a is durable; c/b is in a later batch, not synced yet. */
	assert_true(durable(s) >= seq_a);
	assert_true(durable(s) < seq_b);
	expect(s, "c/b", NULL);
	assert_int_equal(writ_store_sync(s, seq_b, &err), WRIT_OK);
	assert_true(durable(s) >= seq_b);
	expect(s, "c/a", "first");
	expect(s, "c/b", "second");
	writ_store_stats(s, &st);
	assert_int_equal(st.fsyncs - st0.fsyncs, 2);
	writ_store_close(s);
}

static void
test_durable_seq(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN];
	struct writ_store_stats st0, st;
	struct writ_store *s;
	struct writ_txn *t = NULL;
	struct writ_err err = {0};
	char path[600];
	uint64_t seq1, seq2, seq3, seq4 = 0;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	/* Everything so far (init, unseal) is durable. */
	assert_int_equal(durable(s), s->last_seq);
	assert_int_equal(writ_store_visible_seq(s), 0);
	writ_store_stats(s, &st0);

	seq1 = commit_put(s, "d/1", "one");
	assert_int_equal(seq1, durable(s) + 1);
	/* Committed into the open batch: neither visible to readers nor durable. */
	assert_int_equal(writ_store_visible_seq(s), 0);
	expect(s, "d/1", NULL);
	assert_int_equal(writ_store_sync(s, seq1, &err), WRIT_OK);
	assert_int_equal(durable(s), seq1);
	assert_int_equal(writ_store_visible_seq(s), 0);
	/* Already durable: no new fsync, whatever the number. */
	assert_int_equal(writ_store_sync(s, seq1, &err), WRIT_OK);
	assert_int_equal(writ_store_sync(s, seq1 - 1, &err), WRIT_OK);
	assert_int_equal(writ_store_sync(s, 0, &err), WRIT_OK);
	writ_store_stats(s, &st);
	assert_int_equal(st.fsyncs - st0.fsyncs, 1);

	/* Two commits share one batch and one fsync; syncing the first makes
	 * the second durable too. */
	seq2 = commit_put(s, "d/2", "two");
	seq3 = commit_put(s, "d/3", "three");
	assert_int_equal(seq3, seq2 + 1);
	assert_int_equal(writ_store_sync(s, seq2, &err), WRIT_OK);
	assert_int_equal(durable(s), seq3);
	assert_int_equal(writ_store_sync(s, seq3, &err), WRIT_OK);
	writ_store_stats(s, &st);
	assert_int_equal(st.fsyncs - st0.fsyncs, 2);
	assert_int_equal(st.batches - st0.batches, 2);

	/* A transaction without writes hands out the last number again. */
	assert_int_equal(writ_txn_begin(s, &t, &err), WRIT_OK);
	assert_int_equal(writ_txn_commit(t, &seq4, &err), WRIT_OK);
	assert_int_equal(seq4, seq3);
	/* A number never handed out. */
	assert_int_equal(writ_store_sync(s, seq3 + 1, &err), WRIT_EINVAL);
	assert_int_equal(durable(s), seq3);
	expect(s, "d/1", "one");
	expect(s, "d/2", "two");
	expect(s, "d/3", "three");
	writ_store_close(s);
}

/* The commit generation moves when a batch becomes visible, and on seal and
 * unseal; not when a transaction joins the open batch or a read happens. */
static void
test_commit_gen(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN];
	struct writ_store *s;
	struct writ_err err = {0};
	bool unsealed = false;
	char path[600];
	uint64_t g0, g1, g2, seq;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	g0 = writ_store_commit_gen(s);
	seq = commit_put(s, "g/1", "one");
	expect(s, "g/1", NULL);
	assert_int_equal(writ_store_commit_gen(s), g0);
	assert_int_equal(writ_store_sync(s, seq, &err), WRIT_OK);
	g1 = writ_store_commit_gen(s);
	assert_true(g1 > g0);
	expect(s, "g/1", "one");
	assert_int_equal(writ_store_commit_gen(s), g1);
	/* A sync with nothing new to commit leaves it alone. */
	assert_int_equal(writ_store_sync(s, seq, &err), WRIT_OK);
	assert_int_equal(writ_store_commit_gen(s), g1);
	writ_store_seal(s);
	g2 = writ_store_commit_gen(s);
	assert_true(g2 > g1);
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 0), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_int_equal(writ_store_commit_gen(s), g2);
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 1), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_true(unsealed);
	assert_true(writ_store_commit_gen(s) > g2);
	g2 = writ_store_commit_gen(s);
	writ_store_close(s);
	/* A store opened again (perhaps at the same address) never repeats a
	 * generation of one closed before. */
	assert_int_equal(writ_store_open_sqlite(path, &s, &err), WRIT_OK);
	assert_true(writ_store_commit_gen(s) > g2);
	writ_store_close(s);
}

/* A watched generation moves only when a batch that touched its class
 * becomes visible (and on seal and unseal), not for other commits. */
static void
test_watch_gen(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN];
	struct writ_store *s;
	struct writ_txn *t = NULL;
	struct writ_err err = {0};
	bool unsealed = false;
	char path[600];
	uint64_t w0, w1, seq = 0;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	w0 = writ_store_watch_gen(s, WRIT_WATCH_TOKENS);
	seq = commit_put(s, "kv/1", "one");
	assert_int_equal(writ_store_sync(s, seq, &err), WRIT_OK);
	assert_int_equal(writ_store_watch_gen(s, WRIT_WATCH_TOKENS), w0);
	/* A touched batch: unchanged until its COMMIT, moved once it is visible. */
	assert_int_equal(writ_txn_begin(s, &t, &err), WRIT_OK);
	writ_txn_touch(t, WRIT_WATCH_TOKENS);
	assert_int_equal(writ_txn_put(t, "tok/1", "x", 1, &err), WRIT_OK);
	assert_int_equal(writ_txn_commit(t, &seq, &err), WRIT_OK);
	assert_int_equal(writ_store_watch_gen(s, WRIT_WATCH_TOKENS), w0);
	assert_int_equal(writ_store_sync(s, seq, &err), WRIT_OK);
	w1 = writ_store_watch_gen(s, WRIT_WATCH_TOKENS);
	assert_true(w1 > w0);
	expect(s, "tok/1", "x");
	/* The touch does not stick to the next batch. */
	seq = commit_put(s, "kv/2", "two");
	assert_int_equal(writ_store_sync(s, seq, &err), WRIT_OK);
	assert_int_equal(writ_store_watch_gen(s, WRIT_WATCH_TOKENS), w1);
	/* An out-of-range class is ignored. */
	assert_int_equal(writ_txn_begin(s, &t, &err), WRIT_OK);
	writ_txn_touch(t, WRIT_WATCH_COUNT);
	writ_txn_abort(t);
	assert_int_equal(writ_store_watch_gen(s, WRIT_WATCH_COUNT), 0);
	/* Seal and unseal move it. */
	writ_store_seal(s);
	assert_true(writ_store_watch_gen(s, WRIT_WATCH_TOKENS) > w1);
	w1 = writ_store_watch_gen(s, WRIT_WATCH_TOKENS);
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 0), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_int_equal(
	    writ_store_unseal(s, SH(shares, 1), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_true(unsealed);
	assert_true(writ_store_watch_gen(s, WRIT_WATCH_TOKENS) > w1);
	writ_store_close(s);
}

/* ---------------------------------------------------------------------------
 * Checkpoints under load.
 */
#define CK_WRITERS 4
#define CK_READERS 2
#define CK_WRITES  250

struct ck_shared {
	struct writ_store *s;
	_Atomic int published[CK_WRITERS]; /* keys known durable per writer */
	atomic_bool stop;
	_Atomic long reads;
	writ_rc rc[CK_WRITERS + CK_READERS];
};

struct ck_arg {
	struct ck_shared *sh;
	int id;
};

static void
ck_val(char *buf, size_t len, int w, int i)
{
	/* About 200 bytes, so that the log grows a few pages per batch. */
	snprintf(buf, len, "%d:%d:%0190d", w, i, i);
}

static void *
ck_writer(void *p)
{
	struct ck_arg *a = p;
	struct writ_err err;
	char key[64], val[256];
	int i;

	for (i = 0; i < CK_WRITES; i++) {
		snprintf(key, sizeof(key), "ck/%d/%04d", a->id, i);
		ck_val(val, sizeof(val), a->id, i);
		a->sh->rc[a->id] = writ_store_put(a->sh->s, key, val, strlen(val), &err);
		if (a->sh->rc[a->id] != WRIT_OK)
			break;
		atomic_store(&a->sh->published[a->id], i + 1);
	}
	return NULL;
}

/* Read durable keys while checkpoints run: each must be there, intact. */
static void *
ck_reader(void *p)
{
	struct ck_arg *a = p;
	struct writ_err err;
	char key[64], val[256], **keys;
	unsigned n = (unsigned)a->id * 7919u;
	writ_rc rc = WRIT_OK;
	size_t nk;

	while (!atomic_load(&a->sh->stop) && rc == WRIT_OK) {
		struct writ_arena *ar = writ_arena_new(0, 0);
		int w = (int)(n++ % CK_WRITERS), pub = atomic_load(&a->sh->published[w]);
		unsigned char *v = NULL;
		size_t len = 0;

		if (ar == NULL) {
			rc = WRIT_ENOMEM;
			break;
		}
		if (pub > 0) {
			int i = (int)((n * 2654435761u) % (unsigned)pub);

			snprintf(key, sizeof(key), "ck/%d/%04d", w, i);
			ck_val(val, sizeof(val), w, i);
			rc = writ_store_get(a->sh->s, ar, key, &v, &len, &err);
			if (rc == WRIT_OK && (len != strlen(val) || memcmp(v, val, len) != 0))
				rc = WRIT_ECRYPTO;
			snprintf(key, sizeof(key), "ck/%d/", w);
			if (rc == WRIT_OK)
				rc = writ_store_list(a->sh->s, ar, key, NULL, 0, &keys, &nk, &err);
			if (rc == WRIT_OK && nk < (size_t)pub)
				rc = WRIT_EINTERNAL;
		}
		writ_arena_free(ar);
		atomic_fetch_add(&a->sh->reads, 1);
	}
	a->sh->rc[CK_WRITERS + a->id] = rc;
	return NULL;
}

static off_t
file_size(const char *path, const char *suffix)
{
	char p[700];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return stat(p, &st) == 0 ? st.st_size : -1;
}

static void
test_checkpoint_under_load(void **state)
{
	unsigned char shares[3 * WRIT_SHARE_LEN];
	static struct ck_shared sh;
	struct ck_arg args[CK_WRITERS + CK_READERS];
	pthread_t th[CK_WRITERS + CK_READERS];
	struct writ_store_stats st;
	struct writ_store *s;
	struct writ_err err = {0};
	bool unsealed = false;
	char path[600], key[64], val[256];
	int i, j;

	(void)state;
	s = new_store(path, sizeof(path), 3, 2, shares);
	s->ckpt_limit = 32u << 10;
	memset(&sh, 0, sizeof(sh));
	sh.s = s;
	for (i = 0; i < CK_WRITERS + CK_READERS; i++) {
		args[i] = (struct ck_arg){.sh = &sh, .id = i < CK_WRITERS ? i : i - CK_WRITERS};
		assert_int_equal(pthread_create(&th[i], NULL,
		                     i < CK_WRITERS ? ck_writer : ck_reader, &args[i]),
		    0);
	}
	for (i = 0; i < CK_WRITERS; i++)
		pthread_join(th[i], NULL);
	atomic_store(&sh.stop, true);
	for (i = CK_WRITERS; i < CK_WRITERS + CK_READERS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < CK_WRITERS + CK_READERS; i++)
		assert_int_equal(sh.rc[i], WRIT_OK);
	writ_store_stats(s, &st);
	print_message("checkpoints: %llu done, %llu cut short by readers, %ld reads, "
		      "log file %lld bytes\n",
	    (unsigned long long)st.ckpts, (unsigned long long)st.ckpt_busy,
	    (long)atomic_load(&sh.reads), (long long)file_size(path, "-wal"));
	assert_true(st.ckpts > 0);
	/* The log restarts instead of growing: without checkpoints this run
	 * leaves about 8 MiB of log; with them, a few hundred KiB. */
	assert_true(file_size(path, "-wal") < (off_t)(2u << 20));
	writ_store_close(s);
	/* Close leaves no frames behind; everything is in the database. */
	assert_true(file_size(path, "-wal") <= 0);

	assert_int_equal(writ_store_open_sqlite(path, &s, &err), WRIT_OK);
	for (i = 0; i < 2; i++)
		assert_int_equal(
		    writ_store_unseal(s, SH(shares, i), WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_true(unsealed);
	for (i = 0; i < CK_WRITERS; i++)
		for (j = 0; j < CK_WRITES; j++) {
			snprintf(key, sizeof(key), "ck/%d/%04d", i, j);
			ck_val(val, sizeof(val), i, j);
			expect(s, key, val);
		}
	writ_store_close(s);
}

/* ---------------------------------------------------------------------------
 * Crash safety (smoke test): a child creates a store, writes from several
 * threads and kills itself with SIGKILL right after one of its syncs
 * returns, with the other threads in the middle of transactions and syncs.
 * Twice: with no checkpoint before the crash (everything is in the log of a
 * new database), and with checkpoints restarting the log as it goes.  Every
 * write whose sync returned must be there after recovery.  SIGKILL keeps the
 * page cache, so this checks the protocol (what is acknowledged when, log
 * recovery, checkpoints), not the disk; docs/STORAGE.md has the power-loss
 * argument.
 */
#define KILL_THREADS 4
#define KILL_AFTER   400 /* acknowledged writes before the kill */

struct kill_shared {
	_Atomic int acked[KILL_THREADS];
	_Atomic int total;
	unsigned char shares[WRIT_SHARE_LEN]; /* written by the child's init */
	atomic_bool ready;
};

struct kill_arg {
	struct writ_store *s;
	struct kill_shared *sh;
	int id;
};

static void *
kill_writer(void *p)
{
	struct kill_arg *a = p;
	struct writ_err err;
	char key[64], val[64];
	int i;

	for (i = 0;; i++) {
		snprintf(key, sizeof(key), "kill/%d/%06d", a->id, i);
		snprintf(val, sizeof(val), "v%d.%d", a->id, i);
		if (writ_store_put(a->s, key, val, strlen(val), &err) != WRIT_OK)
			_exit(3);
		atomic_store(&a->sh->acked[a->id], i + 1);
		if (atomic_fetch_add(&a->sh->total, 1) + 1 == KILL_AFTER)
			kill(getpid(), SIGKILL);
	}
	return NULL;
}

static void
kill_child(const char *path, uint64_t ckpt_limit, struct kill_shared *sh)
{
	struct kill_arg args[KILL_THREADS];
	pthread_t th[KILL_THREADS];
	struct writ_store *s = NULL;
	struct writ_err err;
	bool unsealed = false;
	int i;

	if (writ_store_open_sqlite(path, &s, &err) != WRIT_OK ||
	    writ_store_init(s, 1, 1, sh->shares, &err) != WRIT_OK)
		_exit(2);
	atomic_store(&sh->ready, true);
	if (writ_store_unseal(s, sh->shares, WRIT_SHARE_LEN, &unsealed, &err) != WRIT_OK ||
	    !unsealed)
		_exit(2);
	s->ckpt_limit = ckpt_limit;
	for (i = 0; i < KILL_THREADS; i++) {
		args[i] = (struct kill_arg){.s = s, .sh = sh, .id = i};
		if (pthread_create(&th[i], NULL, kill_writer, &args[i]) != 0)
			_exit(2);
	}
	for (i = 0; i < KILL_THREADS; i++)
		pthread_join(th[i], NULL);
	_exit(4); /* not reached: a writer kills the process */
}

/* Run one child to its SIGKILL and check its acknowledged writes. */
static void
crash_once(uint64_t ckpt_limit, bool expect_ckpt)
{
	struct kill_shared *sh;
	struct writ_store *s;
	struct writ_err err = {0};
	struct writ_store_stats st;
	bool unsealed = false;
	char path[600], key[64], val[64];
	int i, j, status = 0, total = 0;
	pid_t pid;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(sh != MAP_FAILED);
	memset(sh, 0, sizeof(*sh));
	db_path(path, sizeof(path));
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		kill_child(path, ckpt_limit, sh);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_true(atomic_load(&sh->ready));
	/* No checkpoint yet: the log holds every write; with: it restarted. */
	if (expect_ckpt)
		assert_true(file_size(path, "-wal") < (off_t)(1u << 20));
	else
		assert_true(file_size(path, "") <= 8192);

	assert_int_equal(writ_store_open_sqlite(path, &s, &err), WRIT_OK);
	assert_int_equal(writ_store_unseal(s, sh->shares, WRIT_SHARE_LEN, &unsealed, &err), WRIT_OK);
	assert_true(unsealed);
	for (i = 0; i < KILL_THREADS; i++) {
		int n = atomic_load(&sh->acked[i]);

		total += n;
		for (j = 0; j < n; j++) {
			snprintf(key, sizeof(key), "kill/%d/%06d", i, j);
			snprintf(val, sizeof(val), "v%d.%d", i, j);
			expect(s, key, val);
		}
	}
	assert_true(total >= KILL_AFTER);
	/* The recovered store takes writes again. */
	put_str(s, "kill/after", "ok");
	expect(s, "kill/after", "ok");
	writ_store_stats(s, &st);
	assert_true(st.fsyncs >= 1);
	writ_store_close(s);
	munmap(sh, sizeof(*sh));
}

static void
test_crash_kill(void **state)
{
	(void)state;
	crash_once(STORE_CKPT_LIMIT, false);
	crash_once(16u << 10, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unseal_subsets),
	    cmocka_unit_test(test_unseal_failures),
	    cmocka_unit_test(test_sealed_data),
	    cmocka_unit_test(test_threshold_one),
	    cmocka_unit_test(test_seal_cycle_and_reopen),
	    cmocka_unit_test(test_rotate),
	    cmocka_unit_test(test_barrier_binding),
	    cmocka_unit_test(test_barrier_record),
	    cmocka_unit_test(test_txn_abort),
	    cmocka_unit_test(test_txn_commit),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_list),
	    cmocka_unit_test(test_group_commit),
	    cmocka_unit_test(test_fault_put),
	    cmocka_unit_test(test_fault_txn),
	    cmocka_unit_test(test_fault_lifecycle),
	    cmocka_unit_test(test_fault_read),
	    cmocka_unit_test(test_commit_during_sync),
	    cmocka_unit_test(test_durable_seq),
	    cmocka_unit_test(test_commit_gen),
	    cmocka_unit_test(test_watch_gen),
	    cmocka_unit_test(test_checkpoint_under_load),
	    cmocka_unit_test(test_crash_kill),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
