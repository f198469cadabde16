/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/audit: a long log with checkpoints verifies; each kind of
 * tampering (altered, deleted, swapped, truncated lines, a replayed signature,
 * a foreign key) is caught at exactly the expected line, by the buffer and the
 * streaming file verifier alike; reopening continues the chain and recovers a
 * torn tail; a failed write (RLIMIT_FSIZE makes the kernel cut it short)
 * leaves a file that still verifies; concurrent appends and group sync; the
 * HMAC helper against RFC 4231; allocation failures at every step.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "writ/audit.h"
#include "audit/audit_int.h"

/* Keys shared by every test: a fixed seed so failures reproduce. */
struct fix {
	struct writ_key *key;
	struct writ_key *other;
	unsigned char pub[WRIT_ED25519_PUB];
	unsigned char other_pub[WRIT_ED25519_PUB];
	unsigned char hmac[WRIT_AUDIT_HMAC_KEY_LEN];
};

static struct fix F;

/* ---------------------------------------------------------------------------
 * Helpers.
 */

static void
tmp_path(char *out, size_t len, const char *name)
{
	const char *dir = getenv("WRIT_TEST_TMP");

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	(void)mkdir(dir, 0700);
	snprintf(out, len, "%s/audit-%ld-%s.log", dir, (long)getpid(), name);
	(void)unlink(out);
}

static struct writ_audit *
open_log(const char *path, unsigned every)
{
	struct writ_audit_opts o = {path, F.hmac, F.key, every};
	struct writ_audit *a = NULL;
	struct writ_err err = {0};

	assert_int_equal(writ_audit_open(&o, &a, &err), WRIT_OK);
	assert_non_null(a);
	return a;
}

static void
append_n(struct writ_audit *a, int n, int tag)
{
	char body[512];
	struct writ_err err = {0};
	int i, len;

	for (i = 0; i < n; i++) {
		len = snprintf(body, sizeof(body),
		    "{\"type\":\"request\",\"tag\":%d,\"n\":%d,\"path\":\"secret/data/app/%d\","
		    "\"token\":\"hmac-sha256:0123456789abcdef0123456789abcdef\",\"pad\":\"%.*s\"}",
		    tag, i, i, 100 + i % 50,
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
		assert_int_equal(writ_audit_append(a, body, (size_t)len, NULL, &err), WRIT_OK);
	}
}

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

static void
write_all(const char *path, const char *p, size_t len, const char *mode)
{
	FILE *f = fopen(path, mode);

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Offsets of the start of each line, 1-based: starts[k] is line k; starts[n+1] = len. */
static size_t
index_lines(const char *p, size_t len, size_t *starts, size_t max)
{
	size_t n = 0, i;

	starts[1] = 0;
	for (i = 0; i < len; i++) {
		if (p[i] == '\n') {
			n++;
			assert_true(n + 1 < max);
			starts[n + 1] = i + 1;
		}
	}
	return n;
}

/* A different character of the same class (digit, hex letter, letter), so a
 * one-byte change keeps the line's shape and only its meaning changes. */
static char
other_char(char c)
{
	if (c >= '0' && c <= '9')
		return (char)('0' + (c - '0' + 1) % 10);
	if (c >= 'a' && c <= 'f')
		return (char)('a' + (c - 'a' + 1) % 6);
	if (c >= 'g' && c <= 'z')
		return (char)('g' + (c - 'g' + 1) % 20);
	if (c >= 'A' && c <= 'Z')
		return (char)('A' + (c - 'A' + 1) % 26);
	if (c == '+' || c == '/')
		return c == '+' ? '/' : '+';
	return (char)(c ^ 1);
}

static const char *
find(const char *p, size_t len, const char *needle)
{
	size_t nlen = strlen(needle), i;

	for (i = 0; i + nlen <= len; i++) {
		if (memcmp(p + i, needle, nlen) == 0)
			return p + i;
	}
	return NULL;
}

static void
verify_ok(const char *path, struct writ_audit_report *r)
{
	struct writ_err err = {0};
	writ_rc rc = writ_audit_verify_file(path, F.pub, r, &err);

	if (rc != WRIT_OK)
		fail_msg("verify: %s (%s)", r->problem, err.msg);
	assert_int_equal(r->bad_line, 0);
}

/* ---------------------------------------------------------------------------
 * A long log, and tampering with it.
 */

static void
test_long_log(void **state)
{
	struct writ_audit_report r;
	char path[512];
	struct writ_audit *a;

	(void)state;
	tmp_path(path, sizeof(path), "long");
	a = open_log(path, 1000);
	append_n(a, 2500, 0);
	writ_audit_close(a);
	verify_ok(path, &r);
	/* header + 2500 entries + checkpoints after entries 1000, 2000 and at close */
	assert_int_equal(r.lines, 2504);
	assert_int_equal(r.checkpoints, 3);
	assert_int_equal(r.unsigned_tail, 0);
	assert_string_equal(r.problem, "");
	unlink(path);
}

enum mut {
	M_ALTER,  /* change one byte at line `line`, `at` bytes in (or after string `at_str`) */
	M_DELETE, /* remove line `line` */
	M_SWAP,   /* swap lines `line` and `line` + 1 */
	M_TRUNC,  /* cut the file `at` bytes into line `line` */
	M_SIG,    /* give line `line` the signature of line `line2` */
	M_INSERT, /* insert a garbage line before line `line` */
};

struct tamper {
	const char *name;
	enum mut m;
	size_t line, line2, at;
	const char *at_str;
	writ_rc rc;
	uint64_t bad;
	const char *problem;
};

/* The layout of the long log: 1 header, 2..1001 entries, 1002 checkpoint, 1003..2002
 * entries, 2003 checkpoint, 2004..2503 entries, 2504 final checkpoint. */
static const struct tamper tampers[] = {
    {"payload byte", M_ALTER, 500, 0, 150, NULL, WRIT_ECRYPTO, 501,
        "line 501: prev hash does not match line 500 (line 500 altered, or a line removed "
        "or reordered)"},
    {"seq digit", M_ALTER, 500, 0, 7, NULL, WRIT_ECRYPTO, 500,
        "line 500: seq 600 expected 500 (line removed or reordered)"},
    {"prev digit", M_ALTER, 77, 0, 30, NULL, WRIT_ECRYPTO, 77, "line 77: prev hash does not"},
    {"header time", M_ALTER, 1, 0, 8, "\"time\":\"", WRIT_ECRYPTO, 2,
        "line 2: prev hash does not match line 1"},
    {"header key", M_ALTER, 1, 0, 12, "\"pubkey\":\"", WRIT_ECRYPTO, 1,
        "line 1: header public key is not the verification key"},
    {"checkpoint time", M_ALTER, 1002, 0, 10, "\"time\":\"", WRIT_ECRYPTO, 1002,
        "line 1002: checkpoint signature invalid"},
    {"final checkpoint", M_ALTER, 2504, 0, 11, "\"time\":\"", WRIT_ECRYPTO, 2504,
        "line 2504: checkpoint signature invalid"},
    {"checkpoint layout", M_ALTER, 2504, 0, 12, "\"time\":\"", WRIT_ECRYPTO, 2504,
        "line 2504: malformed checkpoint"},
    {"checkpoint sig", M_ALTER, 2003, 0, 20, "\"sig\":\"", WRIT_ECRYPTO, 2003,
        "line 2003: checkpoint signature invalid"},
    {"last entry", M_ALTER, 2503, 0, 150, NULL, WRIT_ECRYPTO, 2504,
        "line 2504: prev hash does not match line 2503"},
    {"delete entry", M_DELETE, 700, 0, 0, NULL, WRIT_ECRYPTO, 700,
        "line 700: seq 701 expected 700 (line removed or reordered)"},
    {"delete header", M_DELETE, 1, 0, 0, NULL, WRIT_ECRYPTO, 1, "line 1: seq 2 expected 1"},
    {"delete checkpoint", M_DELETE, 1002, 0, 0, NULL, WRIT_ECRYPTO, 1002,
        "line 1002: seq 1003 expected 1002"},
    {"swap entries", M_SWAP, 800, 0, 0, NULL, WRIT_ECRYPTO, 800, "line 800: seq 801 expected 800"},
    {"swap with checkpoint", M_SWAP, 1001, 0, 0, NULL, WRIT_ECRYPTO, 1001,
        "line 1001: seq 1002 expected 1001"},
    {"truncate mid entry", M_TRUNC, 1500, 0, 40, NULL, WRIT_ECRYPTO, 1500,
        "line 1500: incomplete last line"},
    {"truncate mid last", M_TRUNC, 2504, 0, 100, NULL, WRIT_ECRYPTO, 2504,
        "line 2504: incomplete last line"},
    {"replayed sig", M_SIG, 2003, 1002, 0, NULL, WRIT_ECRYPTO, 2003,
        "line 2003: checkpoint signature invalid"},
    {"garbage line", M_INSERT, 11, 0, 0, NULL, WRIT_ECRYPTO, 11,
        "line 11: not a valid audit entry"},
    /* Whole lines cut from the end are only visible as an unsigned tail. */
    {"cut at line end", M_TRUNC, 2504, 0, 0, NULL, WRIT_OK, 0,
        "chain intact, but the last 500 lines follow the last checkpoint"},
};

static void
swap_lines(char *out, const char *src, const size_t *st, size_t k)
{
	size_t la = st[k + 1] - st[k], lb = st[k + 2] - st[k + 1];

	memcpy(out, src, st[k]);
	memcpy(out + st[k], src + st[k + 1], lb);
	memcpy(out + st[k] + lb, src + st[k], la);
}

/* Apply t to src into out (which has room for len + 64); returns the new length. */
static size_t
mutate(char *out, const char *src, size_t len, const size_t *st, const struct tamper *t)
{
	size_t k = t->line, off = st[k] + t->at, n;
	const char *s, *s2;

	memcpy(out, src, len);
	switch (t->m) {
	case M_ALTER:
		if (t->at_str != NULL) {
			s = find(src + st[k], st[k + 1] - st[k], t->at_str);
			assert_non_null(s);
			off = (size_t)(s - src) + t->at;
		}
		out[off] = other_char(out[off]);
		return len;
	case M_DELETE:
		memcpy(out + st[k], src + st[k + 1], len - st[k + 1]);
		return len - (st[k + 1] - st[k]);
	case M_SWAP:
		swap_lines(out, src, st, k);
		return len;
	case M_TRUNC:
		return off;
	case M_SIG:
		s = find(src + st[k], st[k + 1] - st[k], "\"sig\":\"");
		s2 = find(src + st[t->line2], st[t->line2 + 1] - st[t->line2], "\"sig\":\"");
		assert_true(s != NULL && s2 != NULL);
		memcpy(out + (s - src), s2, AUDIT_SIG_B64_LEN + 7);
		return len;
	case M_INSERT:
		n = strlen("{\"seq\":11,\"garbage\"}\n");
		memcpy(out + st[k], "{\"seq\":11,\"garbage\"}\n", n);
		memcpy(out + st[k] + n, src + st[k], len - st[k]);
		return len + n;
	}
	fail();
	return 0;
}

static void
check_tamper(const struct tamper *t, const char *buf, size_t len, const char *path)
{
	struct writ_audit_report rb, rf;
	struct writ_err err = {0};
	writ_rc rc;

	rc = writ_audit_verify_buf(buf, len, F.pub, &rb);
	if (rc != t->rc || rb.bad_line != t->bad ||
	    strncmp(rb.problem, t->problem, strlen(t->problem)) != 0)
		fail_msg("%s: rc %d bad_line %lu problem \"%s\"", t->name, rc,
		    (unsigned long)rb.bad_line, rb.problem);
	/* The streaming verifier must agree with the buffer one. */
	write_all(path, buf, len, "wb");
	rc = writ_audit_verify_file(path, F.pub, &rf, &err);
	assert_int_equal(rc, t->rc);
	assert_memory_equal(&rb, &rf, sizeof(rb));
}

static void
test_tamper(void **state)
{
	static size_t st[4096];
	struct writ_audit *a;
	char path[512], path2[512];
	size_t len, i, nlines, mlen;
	char *src, *buf;

	(void)state;
	tmp_path(path, sizeof(path), "tamper");
	tmp_path(path2, sizeof(path2), "tamper2");
	a = open_log(path, 1000);
	append_n(a, 2500, 0);
	writ_audit_close(a);
	src = read_all(path, &len);
	nlines = index_lines(src, len, st, WRIT_ARRAY_LEN(st));
	assert_int_equal(nlines, 2504);
	buf = malloc(len + 64);
	assert_non_null(buf);
	for (i = 0; i < WRIT_ARRAY_LEN(tampers); i++) {
		mlen = mutate(buf, src, len, st, &tampers[i]);
		check_tamper(&tampers[i], buf, mlen, path2);
	}
	free(buf);
	free(src);
	unlink(path);
	unlink(path2);
}

/* Verification under another key fails at the header, before any signature. */
static void
test_wrong_key(void **state)
{
	struct writ_audit_report r;
	struct writ_err err = {0};
	char path[512];
	struct writ_audit *a;

	(void)state;
	tmp_path(path, sizeof(path), "wrongkey");
	a = open_log(path, 10);
	append_n(a, 25, 0);
	writ_audit_close(a);
	assert_int_equal(writ_audit_verify_file(path, F.other_pub, &r, &err), WRIT_ECRYPTO);
	assert_int_equal(r.bad_line, 1);
	assert_non_null(strstr(r.problem, "header public key"));
	assert_int_equal(writ_audit_verify_file("/nonexistent/x.log", F.pub, &r, &err), WRIT_EIO);
	unlink(path);
}

/* Inputs that are not logs at all. */
static void
test_verify_garbage(void **state)
{
	static const struct {
		const char *in;
		uint64_t bad;
		const char *problem;
	} cases[] = {
	    {"", 1, "line 1: missing header (empty file)"},
	    {"\n", 1, "line 1: not a valid audit entry"},
	    {"{}\n", 1, "line 1: not a valid audit entry"},
	    {"{\"seq\":1,\"prev\":\"", 1, "line 1: incomplete last line"},
	    {"{\"seq\":01,\"prev\":\"0000000000000000000000000000000000000000000000000000000000"
	     "000000\"}\n",
	        1, "line 1: not a valid audit entry"},
	    {"{\"seq\":1,\"prev\":\"0000000000000000000000000000000000000000000000000000000000"
	     "000000\"}\n",
	        1, "line 1: not a valid audit log header"},
	    {"{\"seq\":1,\"prev\":\"1000000000000000000000000000000000000000000000000000000000"
	     "000000\"}\n",
	        1, "line 1: prev is not zero"},
	    {"{\"seq\":99999999999999999999999,\"prev\":\"0\"}\n", 1,
	        "line 1: not a valid audit entry"},
	};
	struct writ_audit_report r;
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		assert_int_equal(writ_audit_verify_buf(cases[i].in, strlen(cases[i].in), F.pub, &r),
		    WRIT_ECRYPTO);
		assert_int_equal(r.bad_line, cases[i].bad);
		if (strncmp(r.problem, cases[i].problem, strlen(cases[i].problem)) != 0)
			fail_msg("case %zu: %s", i, r.problem);
	}
	assert_int_equal(writ_audit_verify_buf(NULL, 0, F.pub, &r), WRIT_ECRYPTO);
}

/* A line over WRIT_AUDIT_LINE_MAX after a valid log, with or without its newline. */
static void
check_overlong(const char *path, const char *log, size_t loglen, bool newline)
{
	struct writ_audit_report r;
	struct writ_err err = {0};
	size_t len = (size_t)WRIT_AUDIT_LINE_MAX + 10;
	char *tail = malloc(len), *all;

	assert_non_null(tail);
	memset(tail, 'z', len);
	if (newline)
		tail[len - 1] = '\n';
	write_all(path, log, loglen, "wb");
	write_all(path, tail, len, "ab");
	free(tail);
	assert_int_equal(writ_audit_verify_file(path, F.pub, &r, &err), WRIT_ECRYPTO);
	assert_int_equal(r.bad_line, 25);
	assert_non_null(strstr(r.problem, "longer than"));
	all = read_all(path, &len);
	assert_int_equal(writ_audit_verify_buf(all, len, F.pub, &r), WRIT_ECRYPTO);
	assert_int_equal(r.bad_line, 25);
	assert_non_null(strstr(r.problem, "longer than"));
	free(all);
}

/* Lines bigger than the read chunk, and one over the limit. */
static void
test_big_lines(void **state)
{
	struct writ_audit_report r;
	struct writ_err err = {0};
	size_t blen = 300u << 10, len;
	char path[512], *body, *log;
	struct writ_audit *a;
	int i;

	(void)state;
	tmp_path(path, sizeof(path), "big");
	body = malloc(blen);
	assert_non_null(body);
	memset(body, 'y', blen);
	memcpy(body, "{\"pad\":\"", 8);
	memcpy(body + blen - 2, "\"}", 2);
	a = open_log(path, 7);
	for (i = 0; i < 20; i++)
		assert_int_equal(writ_audit_append(a, body, blen, NULL, &err), WRIT_OK);
	writ_audit_close(a);
	free(body);
	verify_ok(path, &r);
	assert_int_equal(r.lines, 1 + 20 + 3);
	log = read_all(path, &len);
	check_overlong(path, log, len, true);
	check_overlong(path, log, len, false);
	free(log);
	unlink(path);
}

/* ---------------------------------------------------------------------------
 * Reopen and recovery.
 */

static void
test_reopen(void **state)
{
	struct writ_audit_report r;
	size_t len1, len2;
	char path[512], *p;
	struct writ_audit *a;

	(void)state;
	tmp_path(path, sizeof(path), "reopen");
	a = open_log(path, 100);
	append_n(a, 10, 1);
	writ_audit_close(a);
	a = open_log(path, 100);
	append_n(a, 10, 2);
	writ_audit_close(a);
	verify_ok(path, &r);
	assert_int_equal(r.lines, 1 + 10 + 1 + 10 + 1);
	assert_int_equal(r.checkpoints, 2);
	/* Open and close with nothing new: the file does not change. */
	free(read_all(path, &len1));
	writ_audit_close(open_log(path, 100));
	p = read_all(path, &len2);
	assert_int_equal(len1, len2);
	free(p);
	unlink(path);
}

static void
test_torn_tail(void **state)
{
	static const char torn[] = "{\"seq\":13,\"prev\":\"abc";
	struct writ_audit_report r;
	struct writ_err err = {0};
	char path[512], *p;
	struct writ_audit *a;
	size_t len;

	(void)state;
	tmp_path(path, sizeof(path), "torn");
	a = open_log(path, 100);
	append_n(a, 10, 1);
	writ_audit_close(a);
	write_all(path, torn, sizeof(torn) - 1, "ab");
	assert_int_equal(writ_audit_verify_file(path, F.pub, &r, &err), WRIT_ECRYPTO);
	assert_int_equal(r.bad_line, 13);
	a = open_log(path, 100);
	append_n(a, 3, 2);
	writ_audit_close(a);
	verify_ok(path, &r);
	assert_int_equal(r.lines, 12 + 1 + 3 + 1);
	p = read_all(path, &len);
	assert_non_null(strstr(p, "{\"seq\":13,\"prev\":\""));
	assert_non_null(strstr(p, "\"type\":\"recovered\""));
	assert_non_null(strstr(p, "\"dropped_bytes\":21}\n"));
	free(p);
	unlink(path);
}

/* A crash while writing the header leaves a file with no complete line. */
static void
test_torn_header(void **state)
{
	struct writ_audit_report r;
	char path[512];

	(void)state;
	tmp_path(path, sizeof(path), "tornhead");
	write_all(path, "{\"seq\":1,\"pr", 12, "wb");
	writ_audit_close(open_log(path, 100));
	verify_ok(path, &r);
	assert_int_equal(r.lines, 3); /* header, recovered, checkpoint */
	unlink(path);
}

/* Files that are not ours, or belong to other keys, are refused and left alone. */
static void
test_refuse(void **state)
{
	static const unsigned char other_hmac[WRIT_AUDIT_HMAC_KEY_LEN] = {1};
	struct writ_audit_opts o = {NULL, F.hmac, F.other, 0};
	struct writ_audit *a = NULL, *b = NULL;
	struct writ_err err = {0};
	char path[512], *p;
	size_t len;

	(void)state;
	tmp_path(path, sizeof(path), "refuse");
	o.path = path;
	write_all(path, "hello\nworld\n", 12, "wb");
	assert_int_equal(writ_audit_open(&o, &a, &err), WRIT_EPARSE);
	write_all(path, "not a log at all", 16, "wb");
	assert_int_equal(writ_audit_open(&o, &a, &err), WRIT_EPARSE);
	p = read_all(path, &len);
	assert_int_equal(len, 16);
	free(p);
	unlink(path);
	a = open_log(path, 10);
	assert_int_equal(writ_audit_open(&o, &b, &err), WRIT_ECONFLICT); /* locked */
	writ_audit_close(a);
	assert_int_equal(writ_audit_open(&o, &b, &err), WRIT_ECONFLICT); /* signing key */
	assert_non_null(strstr(err.msg, "signing key"));
	o.sign_key = F.key;
	o.hmac_key = other_hmac;
	assert_int_equal(writ_audit_open(&o, &b, &err), WRIT_ECONFLICT); /* hmac key */
	assert_null(b);
	o.path = "/nonexistent-dir/audit.log";
	assert_int_equal(writ_audit_open(&o, &b, &err), WRIT_EIO);
	o.path = "/dev/null";
	assert_int_equal(writ_audit_open(&o, &b, &err), WRIT_EINVAL);
	o.path = NULL;
	assert_int_equal(writ_audit_open(&o, &b, &err), WRIT_EINVAL);
	unlink(path);
}

/* ---------------------------------------------------------------------------
 * Appending: input checks, write failures.
 */

static void
test_append_input(void **state)
{
	static const struct {
		const char *json;
		writ_rc rc;
	} cases[] = {
	    {"{}", WRIT_OK},
	    {"{ }", WRIT_OK},
	    {"{\"type\":\"request\"}", WRIT_OK},
	    {"{\"type\":\"recoveredX\"}", WRIT_OK},
	    {"", WRIT_EINVAL},
	    {"{", WRIT_EINVAL},
	    {"[1]", WRIT_EINVAL},
	    {"{\"a\":1}\n", WRIT_EINVAL},
	    {"{\"a\":\"x\ny\"}", WRIT_EINVAL},
	    {"{\"type\":\"checkpoint\",\"sig\":\"x\"}", WRIT_EINVAL},
	    {"{ \"type\" : \"header\"}", WRIT_EINVAL},
	    {"{\"type\":\"recovered\"}", WRIT_EINVAL},
	};
	struct writ_audit_report r;
	struct writ_err err = {0};
	char path[512], *big;
	struct writ_audit *a;
	uint64_t seq = 0;
	size_t i;

	(void)state;
	tmp_path(path, sizeof(path), "input");
	a = open_log(path, 5);
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		if (writ_audit_append(a, cases[i].json, strlen(cases[i].json), &seq, &err) !=
		    cases[i].rc)
			fail_msg("case %zu: %s", i, cases[i].json);
	}
	assert_int_equal(writ_audit_append(a, NULL, 0, &seq, &err), WRIT_EINVAL);
	big = malloc(WRIT_AUDIT_LINE_MAX);
	assert_non_null(big);
	memset(big, ' ', WRIT_AUDIT_LINE_MAX);
	big[0] = '{';
	big[WRIT_AUDIT_LINE_MAX - 1] = '}';
	assert_int_equal(writ_audit_append(a, big, WRIT_AUDIT_LINE_MAX, &seq, &err), WRIT_ETOOBIG);
	free(big);
	assert_int_equal(seq, 5); /* header, 4 entries, a checkpoint is not yet due */
	assert_int_equal(writ_audit_checkpoint(a, &err), WRIT_OK);
	writ_audit_close(a);
	verify_ok(path, &r);
	assert_int_equal(r.lines, 6);
	unlink(path);
}

/* The kernel cuts the write short at RLIMIT_FSIZE and then fails it with EFBIG. */
static void
test_write_failure(void **state)
{
	struct writ_audit_report r;
	struct writ_err err = {0};
	struct rlimit old, lim;
	struct writ_audit *a;
	char path[512], body[600];
	struct stat st1, st2;

	(void)state;
	tmp_path(path, sizeof(path), "wfail");
	signal(SIGXFSZ, SIG_IGN);
	a = open_log(path, 1000);
	append_n(a, 5, 0);
	assert_int_equal(stat(path, &st1), 0);
	memset(body, 'q', sizeof(body));
	memcpy(body, "{\"x\":\"", 6);
	memcpy(body + sizeof(body) - 2, "\"}", 2);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = (rlim_t)st1.st_size + 100;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(writ_audit_append(a, body, sizeof(body), NULL, &err), WRIT_EIO);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_non_null(strstr(err.msg, "write failed"));
	assert_int_equal(stat(path, &st2), 0);
	assert_int_equal(st1.st_size, st2.st_size);
	append_n(a, 5, 1);
	writ_audit_close(a);
	verify_ok(path, &r);
	assert_int_equal(r.lines, 1 + 10 + 1);
	signal(SIGXFSZ, SIG_DFL);
	unlink(path);
}

/* ---------------------------------------------------------------------------
 * Threads.
 */

#define NTHREADS 8

struct worker {
	struct writ_audit *a;
	int id, n;
	bool sync;
	int failures;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct writ_err err = {0};
	char body[256];
	uint64_t seq, synced;
	int i, len;

	for (i = 0; i < w->n; i++) {
		len = snprintf(body, sizeof(body), "{\"thread\":%d,\"i\":%d}", w->id, i);
		if (writ_audit_append(w->a, body, (size_t)len, &seq, &err) != WRIT_OK) {
			w->failures++;
			continue;
		}
		if (!w->sync)
			continue;
		if (writ_audit_sync(w->a, seq, &err) != WRIT_OK)
			w->failures++;
		/* Once synced, the log's own record must say so. */
		pthread_mutex_lock(&w->a->sync_mu);
		synced = w->a->synced_seq;
		pthread_mutex_unlock(&w->a->sync_mu);
		if (seq > synced)
			w->failures++;
	}
	return NULL;
}

static void
run_workers(struct writ_audit *a, int n, bool sync)
{
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	int i;

	for (i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){a, i, n, sync, 0};
		assert_int_equal(pthread_create(&t[i], NULL, worker_run, &w[i]), 0);
	}
	for (i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
}

static void
test_concurrent(void **state)
{
	struct writ_audit_report r;
	char path[512];
	struct writ_audit *a;

	(void)state;
	tmp_path(path, sizeof(path), "threads");
	a = open_log(path, 300);
	run_workers(a, 1000, false);
	writ_audit_close(a);
	verify_ok(path, &r);
	assert_int_equal(r.lines, 1 + NTHREADS * 1000 + r.checkpoints);
	assert_int_equal(r.checkpoints, NTHREADS * 1000 / 300 + 1);
	unlink(path);
}

static void
test_sync(void **state)
{
	struct writ_audit_report r;
	struct writ_err err = {0};
	char path[512];
	struct writ_audit *a;
	uint64_t nsyncs;

	(void)state;
	tmp_path(path, sizeof(path), "sync");
	a = open_log(path, 50);
	assert_int_equal(writ_audit_sync(a, 1, &err), WRIT_OK); /* the header */
	assert_int_equal(writ_audit_sync(a, 1000, &err), WRIT_EINVAL);
	run_workers(a, 100, true);
	nsyncs = a->nsyncs;
	print_message("group sync: %d syncs requested, %lu fdatasync calls\n", NTHREADS * 100,
	    (unsigned long)nsyncs);
	assert_true(nsyncs >= 1 && nsyncs <= NTHREADS * 100);
	writ_audit_close(a);
	verify_ok(path, &r);
	unlink(path);
}

/* ---------------------------------------------------------------------------
 * HMAC and allocation failures.
 */

static void
test_hmac(void **state)
{
	/* RFC 4231 case 2; HMAC pads a short key with zeros, so "Jefe" fits our fixed size. */
	static const unsigned char key[WRIT_AUDIT_HMAC_KEY_LEN] = {'J', 'e', 'f', 'e'};
	static const char data[] = "what do ya want for nothing?";
	char out[WRIT_AUDIT_HMAC_STR_LEN], out2[WRIT_AUDIT_HMAC_STR_LEN];
	struct writ_audit_opts o = {NULL, key, NULL, 0};
	struct writ_err err = {0};
	struct writ_audit *a = NULL;
	char path[512];

	(void)state;
	writ_audit_hmac_str(key, data, strlen(data), out);
	assert_string_equal(out,
	    "hmac-sha256:"
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	tmp_path(path, sizeof(path), "hmac");
	o.path = path;
	o.sign_key = F.key;
	assert_int_equal(writ_audit_open(&o, &a, &err), WRIT_OK);
	writ_audit_hmac(a, data, strlen(data), out2);
	assert_string_equal(out, out2);
	writ_audit_close(a);
	unlink(path);
}

/* Fail each allocation in turn: every step returns WRIT_ENOMEM cleanly (ASAN: no leak). */
static void
test_faults(void **state)
{
	struct writ_audit_report r;
	struct writ_audit_opts o = {NULL, NULL, NULL, 2};
	struct writ_err err = {0};
	struct writ_audit *a;
	char path[512];
	writ_rc rc;
	long n;

	(void)state;
	tmp_path(path, sizeof(path), "faults");
	o.path = path;
	o.hmac_key = F.hmac;
	o.sign_key = F.key;
	for (n = 1; n < 1000; n++) {
		unlink(path);
		a = NULL;
		writ_fault_set(n);
		rc = writ_audit_open(&o, &a, &err);
		if (rc == WRIT_OK)
			rc = writ_audit_append(a, "{\"a\":1}", 7, NULL, &err);
		writ_audit_close(a);
		if (rc == WRIT_OK)
			rc = writ_audit_verify_file(path, F.pub, &r, &err);
		writ_fault_set(0);
		if (rc == WRIT_OK)
			break;
		assert_int_equal(rc, WRIT_ENOMEM);
	}
	assert_true(n > 1 && n < 1000);
	unlink(path);
}

static int
setup(void **state)
{
	unsigned char seed[32];

	(void)state;
	memset(seed, 0x42, sizeof(seed));
	if (writ_key_ed25519_from_seed(seed, &F.key) != WRIT_OK)
		return -1;
	seed[0] = 0x43;
	if (writ_key_ed25519_from_seed(seed, &F.other) != WRIT_OK ||
	    writ_key_public_raw(F.key, F.pub) != WRIT_OK ||
	    writ_key_public_raw(F.other, F.other_pub) != WRIT_OK)
		return -1;
	memset(F.hmac, 0x17, sizeof(F.hmac));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	writ_key_free(F.key);
	writ_key_free(F.other);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_long_log),
	    cmocka_unit_test(test_tamper),
	    cmocka_unit_test(test_wrong_key),
	    cmocka_unit_test(test_verify_garbage),
	    cmocka_unit_test(test_big_lines),
	    cmocka_unit_test(test_reopen),
	    cmocka_unit_test(test_torn_tail),
	    cmocka_unit_test(test_torn_header),
	    cmocka_unit_test(test_refuse),
	    cmocka_unit_test(test_append_input),
	    cmocka_unit_test(test_write_failure),
	    cmocka_unit_test(test_concurrent),
	    cmocka_unit_test(test_sync),
	    cmocka_unit_test(test_hmac),
	    cmocka_unit_test(test_faults),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
