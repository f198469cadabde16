/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests for the HTTP server layer (server/http.c, server/http_parse.c) and its
 * TLS (server/tls.c).
 *
 * The parser is tested from a table: every valid form, every limit and every
 * malformed form with the status it must produce, each case parsed in one go
 * and again byte by byte from a buffer that moves on every byte.  Then a live
 * server on ephemeral ports (plain, TLS, TLS with requested and with required
 * client certificates) is driven over raw sockets and an OpenSSL client:
 * keep-alive, pipelining order (with a deferred response in the middle),
 * limits, timeouts, 100-continue, HTTP/1.0, and mTLS with a CA, server and
 * client certificates made by the openssl command line in a temporary dir.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "writ/base.h"

#include "http.h"
#include "tls.h"

extern char **environ;

/* ---------------------------------------------------------------------------
 * Parser table.
 */

#define T_DONE  0 /* a complete request */
#define T_AGAIN 1 /* needs more bytes */

static const struct writ_http_limits plimits = {
    .max_header_bytes = 1024,
    .max_headers = 8,
    .max_uri = 64,
    .max_body = 100,
};

struct pcase {
	const char *name;
	const char *in;
	size_t len; /* 0: strlen(in) */
	int status; /* T_DONE, T_AGAIN or the error status */
	enum writ_http_method method;
	const char *path;
	const char *query;
	const char *body;
	bool keep_alive;
};

#define H "Host: x\r\n"
/* An incomplete or failing case; EL for inputs with a NUL byte. */
#define E(name, in, st)                                                   \
	{                                                                 \
		name, in, 0, st, WRIT_HTTP_OTHER, NULL, NULL, NULL, false \
	}
#define EL(name, in, st)                                                               \
	{                                                                              \
		name, in, sizeof(in) - 1, st, WRIT_HTTP_OTHER, NULL, NULL, NULL, false \
	}

static const struct pcase pcases[] = {
    /* Valid requests. */
    {"get", "GET /v1/sys/health HTTP/1.1\r\n" H "\r\n", 0, T_DONE, WRIT_HTTP_GET, "/v1/sys/health",
        "", NULL, true},
    {"query", "GET /a%20b?list=true&x=%2F HTTP/1.1\r\n" H "\r\n", 0, T_DONE, WRIT_HTTP_GET,
        "/a%20b", "list=true&x=%2F", NULL, true},
    {"empty query", "GET /a? HTTP/1.1\r\n" H "\r\n", 0, T_DONE, WRIT_HTTP_GET, "/a", "", NULL,
        true},
    {"http10", "GET / HTTP/1.0\r\n\r\n", 0, T_DONE, WRIT_HTTP_GET, "/", "", NULL, false},
    {"http10 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 0, T_DONE,
        WRIT_HTTP_GET, "/", "", NULL, true},
    {"http11 close", "GET / HTTP/1.1\r\n" H "Connection: foo, close\r\n\r\n", 0, T_DONE,
        WRIT_HTTP_GET, "/", "", NULL, false},
    {"http19 as 1.1", "GET / HTTP/1.9\r\n" H "\r\n", 0, T_DONE, WRIT_HTTP_GET, "/", "", NULL, true},
    {"post body", "POST /p HTTP/1.1\r\n" H "Content-Length: 5\r\n\r\nhello", 0, T_DONE,
        WRIT_HTTP_POST, "/p", "", "hello", true},
    {"cl zero", "PUT /p HTTP/1.1\r\n" H "Content-Length: 0\r\n\r\n", 0, T_DONE, WRIT_HTTP_PUT, "/p",
        "", NULL, true},
    {"cl list", "PUT /p HTTP/1.1\r\n" H "Content-Length: 3 , 3\r\n\r\nabc", 0, T_DONE,
        WRIT_HTTP_PUT, "/p", "", "abc", true},
    {"cl repeated same",
        "PUT /p HTTP/1.1\r\n" H "Content-Length: 3\r\ncontent-length: 3\r\n\r\nabc", 0, T_DONE,
        WRIT_HTTP_PUT, "/p", "", "abc", true},
    {"chunked",
        "POST /c HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        0, T_DONE, WRIT_HTTP_POST, "/c", "", "abcde", true},
    {"chunked ext trailer",
        "POST /c HTTP/1.1\r\n" H "Transfer-Encoding: Chunked\r\n\r\n"
        "A;name=val\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n",
        0, T_DONE, WRIT_HTTP_POST, "/c", "", "0123456789", true},
    {"chunked empty", "POST /c HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0,
        T_DONE, WRIT_HTTP_POST, "/c", "", NULL, true},
    {"bare lf", "PATCH /l HTTP/1.1\n" H "Content-Length: 2\n\nok", 0, T_DONE, WRIT_HTTP_PATCH, "/l",
        "", "ok", true},
    {"leading crlf", "\r\n\r\nGET / HTTP/1.1\r\n" H "\r\n", 0, T_DONE, WRIT_HTTP_GET, "/", "", NULL,
        true},
    {"list", "LIST /v1/secret/metadata/ HTTP/1.1\r\n" H "\r\n", 0, T_DONE, WRIT_HTTP_LIST,
        "/v1/secret/metadata/", "", NULL, true},
    {"delete", "DELETE /d HTTP/1.1\r\n" H "\r\n", 0, T_DONE, WRIT_HTTP_DELETE, "/d", "", NULL,
        true},
    {"head", "HEAD /h HTTP/1.1\r\n" H "\r\n", 0, T_DONE, WRIT_HTTP_HEAD, "/h", "", NULL, true},
    {"options star", "OPTIONS * HTTP/1.1\r\n" H "\r\n", 0, T_DONE, WRIT_HTTP_OPTIONS, "*", "", NULL,
        true},
    {"unknown method", "BREW /pot HTTP/1.1\r\n" H "\r\n", 0, T_DONE, WRIT_HTTP_OTHER, "/pot", "",
        NULL, true},
    {"absolute form", "GET http://example.org:80/p?q=1 HTTP/1.1\r\n" H "\r\n", 0, T_DONE,
        WRIT_HTTP_GET, "/p", "q=1", NULL, true},
    {"ows trimmed", "GET / HTTP/1.1\r\nHost:   x  \t\r\nX-A:\r\n\r\n", 0, T_DONE, WRIT_HTTP_GET,
        "/", "", NULL, true},
    {"expect continue",
        "PUT /e HTTP/1.1\r\n" H "Expect: 100-Continue\r\nContent-Length: 1\r\n\r\nz", 0, T_DONE,
        WRIT_HTTP_PUT, "/e", "", "z", true},
    /* Incomplete. */
    E("partial head", "GET / HTTP/1.1\r\n" H, T_AGAIN),
    E("partial body", "POST / HTTP/1.1\r\n" H "Content-Length: 10\r\n\r\nabc", T_AGAIN),
    E("partial chunk", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n5\r\nab",
        T_AGAIN),
    /* Framing ambiguities. */
    E("cl and te",
        "POST / HTTP/1.1\r\n" H "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    E("te and cl",
        "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400),
    E("cl conflict", "POST / HTTP/1.1\r\n" H "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        400),
    E("cl list conflict", "POST / HTTP/1.1\r\n" H "Content-Length: 3, 4\r\n\r\nabcd", 400),
    E("cl negative", "POST / HTTP/1.1\r\n" H "Content-Length: -1\r\n\r\n", 400),
    E("cl plus", "POST / HTTP/1.1\r\n" H "Content-Length: +1\r\n\r\nx", 400),
    E("cl hex", "POST / HTTP/1.1\r\n" H "Content-Length: 0x1\r\n\r\nx", 400),
    E("cl empty", "POST / HTTP/1.1\r\n" H "Content-Length:\r\n\r\n", 400),
    E("cl overflow", "POST / HTTP/1.1\r\n" H "Content-Length: 99999999999999999999999\r\n\r\n",
        400),
    E("te unknown", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip\r\n\r\n", 501),
    E("te gzip chunked", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: gzip, chunked\r\n\r\n", 501),
    E("te twice",
        "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        501),
    E("te http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    /* Malformed heads. */
    E("obs fold", "GET / HTTP/1.1\r\n" H "X-A: a\r\n b\r\n\r\n", 400),
    E("obs fold tab", "GET / HTTP/1.1\r\n" H "X-A: a\r\n\tb\r\n\r\n", 400),
    EL("nul in value", "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 400),
    EL("nul in target", "GET /a\0b HTTP/1.1\r\n" H "\r\n", 400),
    E("ctl in value",
        "GET / HTTP/1.1\r\nHost: a\x01"
        "b\r\n\r\n",
        400),
    E("bare cr in value", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400),
    E("bare cr line", "GET / HTTP/1.1\r\n" H "\r\r\n", 400),
    E("space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    E("bad name char", "GET / HTTP/1.1\r\n" H "X(A): b\r\n\r\n", 400),
    E("empty name", "GET / HTTP/1.1\r\n" H ": b\r\n\r\n", 400),
    E("no colon", "GET / HTTP/1.1\r\n" H "Garbage\r\n\r\n", 400),
    E("missing host", "GET / HTTP/1.1\r\n\r\n", 400),
    E("duplicate host", "GET / HTTP/1.1\r\n" H H "\r\n", 400),
    E("double space", "GET  / HTTP/1.1\r\n" H "\r\n", 400),
    E("no version", "GET /\r\n" H "\r\n", 400),
    E("lowercase version", "GET / http/1.1\r\n" H "\r\n", 400),
    E("trailing space", "GET / HTTP/1.1 \r\n" H "\r\n", 400),
    E("relative target", "GET foo HTTP/1.1\r\n" H "\r\n", 400),
    E("fragment", "GET /a#b HTTP/1.1\r\n" H "\r\n", 400),
    E("high byte target", "GET /\xc3\xa9 HTTP/1.1\r\n" H "\r\n", 400),
    E("star not options", "GET * HTTP/1.1\r\n" H "\r\n", 400),
    E("absolute no path", "GET http://x HTTP/1.1\r\n" H "\r\n", 400),
    E("too many leading crlf", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n" H "\r\n",
        400),
    E("http2", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505),
    E("http09 major", "GET / HTTP/0.9\r\n" H "\r\n", 505),
    E("expect other", "PUT / HTTP/1.1\r\n" H "Expect: 200-ok\r\n\r\n", 417),
    /* Chunked errors. */
    E("chunk bad size", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
    E("chunk space", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n",
        400),
    E("chunk no crlf", "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
        400),
    E("chunk bad trailer",
        "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n0\r\nbad\r\n\r\n", 400),
    E("chunk overflow",
        "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n"
        "fffffffffffffffffff\r\n",
        413),
    /* Limits. */
    E("body limit", "POST / HTTP/1.1\r\n" H "Content-Length: 101\r\n\r\n", 413),
    E("body at limit", "POST / HTTP/1.1\r\n" H "Content-Length: 100\r\n\r\n", T_AGAIN),
    E("chunked limit",
        "POST / HTTP/1.1\r\n" H "Transfer-Encoding: chunked\r\n\r\n"
        "40\r\n0123456789012345678901234567890123456789012345678901234567890123\r\n"
        "40\r\n",
        413),
    E("uri limit",
        "GET /0123456789012345678901234567890123456789012345678901234567890123456789 "
        "HTTP/1.1\r\n" H "\r\n",
        414),
    E("header count",
        "GET / HTTP/1.1\r\n" H "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\n"
        "G: 7\r\nI: 8\r\n\r\n",
        431),
};

/* Parse in steps of step bytes from a buffer that moves on every step. */
static int
parse_steps(const char *in, size_t len, size_t step, struct writ_http_parser *p,
    struct writ_http_req *req, char **bufp)
{
	enum writ_http_parse_rc rc = WRIT_HTTP_PARSE_AGAIN;
	char *buf = NULL, *nb;
	size_t have = 0, fed = 0, n;

	while (fed < len || buf == NULL) {
		n = len - fed < step ? len - fed : step;
		nb = malloc(have + n + 1);
		assert_non_null(nb);
		if (have > 0)
			memcpy(nb, buf, have);
		memcpy(nb + have, in + fed, n);
		free(buf);
		buf = nb;
		have += n;
		fed += n;
		rc = writ_http_parse(p, buf, &have, req);
		if (rc != WRIT_HTTP_PARSE_AGAIN)
			break;
	}
	*bufp = buf;
	if (rc == WRIT_HTTP_PARSE_DONE)
		return T_DONE;
	return rc == WRIT_HTTP_PARSE_AGAIN ? T_AGAIN : p->status;
}

static void
check_case(const struct pcase *c, size_t step)
{
	struct writ_http_header hdrs[16];
	struct writ_http_parser p;
	struct writ_http_req req;
	size_t len = c->len != 0 ? c->len : strlen(c->in);
	char *buf;
	int st;

	writ_http_parser_init(&p, &plimits, hdrs, 16);
	st = parse_steps(c->in, len, step, &p, &req, &buf);
	if (st != c->status)
		fail_msg("%s (step %zu): status %d, want %d (%s)", c->name, step, st, c->status,
		    p.error != NULL ? p.error : "");
	if (st == T_DONE) {
		assert_int_equal(req.method, c->method);
		assert_string_equal(req.path, c->path);
		assert_int_equal(req.path_len, strlen(c->path));
		assert_string_equal(req.query, c->query);
		assert_int_equal(req.query_len, strlen(c->query));
		assert_int_equal(req.keep_alive, c->keep_alive);
		if (c->body == NULL) {
			assert_int_equal(req.body_len, 0);
			assert_null(req.body);
		} else {
			assert_int_equal(req.body_len, strlen(c->body));
			assert_memory_equal(req.body, c->body, req.body_len);
		}
		/* De-chunking compacts the framing away; otherwise the request is all the bytes. */
		if (req.chunked)
			assert_true(p.consumed < len);
		else
			assert_int_equal(p.consumed, len);
	}
	if (st >= 400)
		assert_non_null(p.error);
	free(buf);
}

static void
test_parser_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(pcases); i++) {
		size_t len = pcases[i].len != 0 ? pcases[i].len : strlen(pcases[i].in);

		check_case(&pcases[i], len); /* whole */
		check_case(&pcases[i], 1);   /* byte by byte */
		check_case(&pcases[i], 7);
	}
}

/*
 * A head over max_header_bytes is 431 whatever follows the limit (here a line
 * starting with a bare CR, which would be 400 inside it), whole or in pieces.
 */
static void
test_parser_head_limit(void **state)
{
	static const char *const tails[] = {"\r\n\r\n", "\r\n\r\r\n", "", "\r\n"};
	char in[2048];
	struct pcase c;
	size_t i, n;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(tails); i++) {
		n = (size_t)snprintf(in, sizeof(in), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
		memset(in + n, 'a', 1100);
		memcpy(in + n + 1100, tails[i], strlen(tails[i]) + 1);
		memset(&c, 0, sizeof(c));
		c.name = tails[i];
		c.in = in;
		c.status = 431;
		check_case(&c, strlen(in));
		check_case(&c, 1);
		check_case(&c, 100);
	}
	/* A long request line is 414 before it is 431. */
	n = (size_t)snprintf(in, sizeof(in), "GET /");
	memset(in + n, 'a', 1500);
	in[n + 1500] = '\0';
	c.in = in;
	c.status = 414;
	check_case(&c, strlen(in));
	check_case(&c, 1);
}

static void
test_parser_headers(void **state)
{
	static const char in[] = "GET /x HTTP/1.1\r\nHost: h\r\nX-Vault-Token:  s.abc \r\n"
	                         "X-Empty:\r\nx-vault-token: second\r\n\r\n";
	struct writ_http_header hdrs[8];
	struct writ_http_parser p;
	struct writ_http_req req;
	size_t len = sizeof(in) - 1;
	char *buf = malloc(len);

	(void)state;
	memcpy(buf, in, len);
	writ_http_parser_init(&p, &plimits, hdrs, 8);
	assert_int_equal(writ_http_parse(&p, buf, &len, &req), WRIT_HTTP_PARSE_DONE);
	assert_int_equal(req.nheaders, 4);
	assert_string_equal(req.headers[1].name, "X-Vault-Token");
	assert_int_equal(req.headers[1].name_len, 13);
	assert_string_equal(writ_http_req_header(&req, "x-vault-token"), "s.abc");
	assert_string_equal(writ_http_req_header(&req, "X-EMPTY"), "");
	assert_null(writ_http_req_header(&req, "x-vault"));
	assert_string_equal(writ_http_method_name(req.method), "GET");
	free(buf);
}

/* Pipelined requests come out one at a time, in order, with the right offsets. */
static void
test_parser_pipelined(void **state)
{
	static const char in[] = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
	                         "POST /2 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
	                         "2\r\nab\r\n0\r\n\r\n"
	                         "PUT /3 HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nz"
	                         "GET /4 HTTP/1.1\r\nHost:";
	static const char *const paths[] = {"/1", "/2", "/3"};
	struct writ_http_header hdrs[8];
	struct writ_http_parser p;
	struct writ_http_req req;
	char buf[sizeof(in)];
	size_t off = 0, total = sizeof(in) - 1, len, i;

	(void)state;
	memcpy(buf, in, total);
	writ_http_parser_init(&p, &plimits, hdrs, 8);
	for (i = 0; i < 3; i++) {
		len = total - off;
		assert_int_equal(writ_http_parse(&p, buf + off, &len, &req), WRIT_HTTP_PARSE_DONE);
		total = off + len; /* de-chunking compacts the buffer */
		assert_string_equal(req.path, paths[i]);
		off += p.consumed;
		writ_http_parser_reset(&p);
	}
	assert_int_equal(total - off, strlen("GET /4 HTTP/1.1\r\nHost:"));
	assert_memory_equal(buf + off, "GET /4 HTTP/1.1\r\nHost:", total - off);
	len = total - off;
	assert_int_equal(writ_http_parse(&p, buf + off, &len, &req), WRIT_HTTP_PARSE_AGAIN);
	assert_true(writ_http_parser_started(&p));
}

static void
test_parser_continue(void **state)
{
	static const char in[] = "PUT /e HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
	                         "Content-Length: 3\r\n\r\n";
	struct writ_http_header hdrs[8];
	struct writ_http_parser p;
	struct writ_http_req req;
	char buf[128];
	size_t len = sizeof(in) - 1;

	(void)state;
	memcpy(buf, in, len);
	writ_http_parser_init(&p, &plimits, hdrs, 8);
	assert_false(writ_http_parser_want_continue(&p));
	assert_int_equal(writ_http_parse(&p, buf, &len, &req), WRIT_HTTP_PARSE_AGAIN);
	assert_true(writ_http_parser_want_continue(&p));
	memcpy(buf + len, "abc", 3);
	len += 3;
	assert_int_equal(writ_http_parse(&p, buf, &len, &req), WRIT_HTTP_PARSE_DONE);
	assert_true(req.expect_continue);
	assert_memory_equal(req.body, "abc", 3);
}

static void
test_pct_decode(void **state)
{
	static const struct {
		const char *in;
		bool plus;
		const char *out; /* NULL: WRIT_EINVAL */
	} cases[] = {
	    {"a%20b", false, "a b"},
	    {"a+b", true, "a b"},
	    {"a+b", false, "a+b"},
	    {"%2f%2F", false, "//"},
	    {"", false, ""},
	    {"%", false, NULL},
	    {"%2", false, NULL},
	    {"%zz", false, NULL},
	    {"%00", false, NULL},
	    {"ab%4", false, NULL},
	    {"%e2%82%ac", false, "\xe2\x82\xac"},
	};
	char out[32];
	size_t i, n;
	writ_rc rc;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		rc = writ_http_pct_decode(cases[i].in, strlen(cases[i].in), out, &n, cases[i].plus);
		if (cases[i].out == NULL) {
			assert_int_equal(rc, WRIT_EINVAL);
			continue;
		}
		assert_int_equal(rc, WRIT_OK);
		assert_string_equal(out, cases[i].out);
		assert_int_equal(n, strlen(cases[i].out));
	}
}

static void
test_spiffe_valid(void **state)
{
	static const struct {
		const char *id;
		bool ok;
	} cases[] = {
	    {"spiffe://example.org/agent/a", true},
	    {"spiffe://example.org", true},
	    {"spiffe://td/a.b-c_d/E", true},
	    {"spiffe://", false},
	    {"spiffe:///a", false},
	    {"SPIFFE://example.org/a", false},
	    {"spiffe://Example.org/a", false},
	    {"spiffe://example.org/", false},
	    {"spiffe://example.org//a", false},
	    {"spiffe://example.org/./a", false},
	    {"spiffe://example.org/a/..", false},
	    {"spiffe://example.org:8080/a", false},
	    {"spiffe://u@example.org/a", false},
	    {"spiffe://example.org/a?q", false},
	    {"spiffe://example.org/a#f", false},
	    {"spiffe://example.org/a%20b", false},
	    {"https://example.org/a", false},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++)
		if (writ_tls_spiffe_id_valid(cases[i].id, strlen(cases[i].id)) != cases[i].ok)
			fail_msg("%s: want %d", cases[i].id, cases[i].ok);
}

static void
test_resp_helpers(void **state)
{
	struct writ_http_resp resp;
	size_t i;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	assert_int_equal(writ_http_resp_header(&resp, "X-Ok", "v"), WRIT_OK);
	assert_int_equal(writ_http_resp_header(&resp, "X-Bad", "a\r\nSet-Cookie: x"), WRIT_EINVAL);
	assert_int_equal(writ_http_resp_header(&resp, "X Bad", "v"), WRIT_EINVAL);
	assert_int_equal(writ_http_resp_header(&resp, "Content-Length", "1"), WRIT_EINVAL);
	for (i = 1; i < WRIT_HTTP_RESP_MAX_HEADERS; i++)
		assert_int_equal(writ_http_resp_header(&resp, "X-N", "v"), WRIT_OK);
	assert_int_equal(writ_http_resp_header(&resp, "X-N", "v"), WRIT_ELIMIT);
	assert_int_equal(writ_http_resp_error(&resp, 403, "permission \"denied\""), WRIT_OK);
	assert_int_equal(resp.status, 403);
	assert_int_equal(resp.body_len, strlen("{\"errors\":[\"permission \\\"denied\\\"\"]}"));
	assert_memory_equal(
	    resp.body, "{\"errors\":[\"permission \\\"denied\\\"\"]}", resp.body_len);
	writ_free(resp.body);
}

/* ---------------------------------------------------------------------------
 * Live server fixture.
 */

#define IO_TIMEOUT_MS 5000

struct fixture {
	char dir[512];
	struct writ_http_server *srv;
	pthread_t thread;
	writ_rc run_rc;
	uint16_t plain, tls_none, tls_request, tls_require;
	uint16_t other; /* a listener with its own handler */
};

static struct fixture fx;

/* The second router: every request gets its arg back as the body. */
static void
other_handler(struct writ_http_req *req, struct writ_http_resp *resp, void *arg)
{
	(void)req;
	resp->body = arg;
	resp->body_len = strlen(arg);
	resp->body_borrowed = true;
	resp->content_type = "text/plain";
}

static void *
complete_later(void *arg)
{
	struct writ_http_defer *d = arg;
	struct writ_http_resp *resp = writ_http_defer_resp(d);

	usleep(50 * 1000);
	resp->body = writ_strdup("deferred");
	resp->body_len = 8;
	resp->content_type = "text/plain";
	writ_http_defer_complete(d);
	return NULL;
}

static void
echo(struct writ_http_req *req, struct writ_http_resp *resp)
{
	const char *tok = writ_http_req_header(req, "x-vault-token");
	char *b;

	b = writ_arena_printf(req->arena, "%s %s?%s tls=%d spiffe=%s token=%s body=%.*s",
	    req->method_str, req->path, req->query, req->tls,
	    req->spiffe_id != NULL ? req->spiffe_id : "none", tok != NULL ? tok : "-",
	    (int)req->body_len, req->body != NULL ? req->body : "");
	if (b == NULL) {
		resp->status = 500;
		return;
	}
	resp->body = b;
	resp->body_len = strlen(b);
	resp->body_borrowed = true;
	resp->content_type = "text/plain";
	if (req->spiffe_id != NULL && req->peer_cert == NULL)
		resp->status = 500; /* the SPIFFE ID must come with its certificate */
}

static void
handler(struct writ_http_req *req, struct writ_http_resp *resp, void *arg)
{
	pthread_t t;

	(void)arg;
	if (strcmp(req->path, "/defer") == 0) {
		struct writ_http_defer *d = writ_http_defer(req);

		if (pthread_create(&t, NULL, complete_later, d) == 0)
			pthread_detach(t);
	} else if (strcmp(req->path, "/echo") == 0) {
		echo(req, resp);
	} else if (strcmp(req->path, "/big") == 0) {
		resp->body_len = 100000;
		resp->body = writ_malloc(resp->body_len);
		if (resp->body != NULL)
			memset(resp->body, 'b', resp->body_len);
	} else if (strcmp(req->path, "/close") == 0) {
		resp->close = true;
	} else {
		resp->status = 204;
	}
}

static void *
run_server(void *arg)
{
	struct fixture *f = arg;
	struct writ_err err;

	f->run_rc = writ_http_run(f->srv, &err);
	return NULL;
}

/* Run argv[0] with argv, output discarded; true if it exits 0. */
static bool
run_cmd(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st = -1;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return false;
	}
	posix_spawn_file_actions_destroy(&fa);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static const char cert_cnf[] = "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = t\n"
                               "[ca_ext]\nbasicConstraints = critical,CA:TRUE\n"
                               "keyUsage = critical,keyCertSign,cRLSign\n"
                               "subjectKeyIdentifier = hash\n"
                               "[srv_ext]\nbasicConstraints = critical,CA:FALSE\n"
                               "subjectAltName = IP:127.0.0.1,DNS:localhost\n"
                               "extendedKeyUsage = serverAuth\n"
                               "[cli_ext]\nbasicConstraints = critical,CA:FALSE\n"
                               "subjectAltName = URI:spiffe://example.org/agent/a\n"
                               "extendedKeyUsage = clientAuth\n";

static char *
fpath(const char *name)
{
	static char paths[8][600];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", fx.dir, name);
	return p;
}

/* Make a certificate: a self-signed CA when ca is NULL, else one signed by ca. */
static bool
make_cert(const char *name, const char *cn, const char *ext, const char *ca)
{
	char key[600], crt[600], cnf[600], subj[64], cakey[600], cacrt[600];
	char *argv[32];
	int n = 0;

	snprintf(key, sizeof(key), "%s/%s.key", fx.dir, name);
	snprintf(crt, sizeof(crt), "%s/%s.pem", fx.dir, name);
	snprintf(cnf, sizeof(cnf), "%s/x.cnf", fx.dir);
	snprintf(subj, sizeof(subj), "/CN=%s", cn);
	argv[n++] = "openssl";
	argv[n++] = "req";
	argv[n++] = "-x509";
	argv[n++] = "-newkey";
	argv[n++] = "ec";
	argv[n++] = "-pkeyopt";
	argv[n++] = "ec_paramgen_curve:prime256v1";
	argv[n++] = "-nodes";
	argv[n++] = "-days";
	argv[n++] = "2";
	argv[n++] = "-config";
	argv[n++] = cnf;
	argv[n++] = "-extensions";
	argv[n++] = (char *)(uintptr_t)ext;
	argv[n++] = "-subj";
	argv[n++] = subj;
	argv[n++] = "-keyout";
	argv[n++] = key;
	argv[n++] = "-out";
	argv[n++] = crt;
	if (ca != NULL) {
		snprintf(cacrt, sizeof(cacrt), "%s/%s.pem", fx.dir, ca);
		snprintf(cakey, sizeof(cakey), "%s/%s.key", fx.dir, ca);
		argv[n++] = "-CA";
		argv[n++] = cacrt;
		argv[n++] = "-CAkey";
		argv[n++] = cakey;
	}
	argv[n] = NULL;
	return run_cmd(argv);
}

static int
make_certs(void)
{
	FILE *f;

	if ((f = fopen(fpath("x.cnf"), "w")) == NULL)
		return -1;
	fputs(cert_cnf, f);
	fclose(f);
	if (!make_cert("ca", "test-ca", "ca_ext", NULL) ||
	    !make_cert("ca2", "other-ca", "ca_ext", NULL) ||
	    !make_cert("srv", "localhost", "srv_ext", "ca") ||
	    !make_cert("cli", "agent-a", "cli_ext", "ca") ||
	    !make_cert("bad", "agent-a", "cli_ext", "ca2"))
		return -1;
	return 0;
}

static int
make_tmpdir(void)
{
	const char *base = getenv("WRIT_TEST_TMP");

	if (base == NULL || *base == '\0')
		base = "/tmp";
	(void)mkdir(base, 0700);
	snprintf(fx.dir, sizeof(fx.dir), "%s/writ-http-XXXXXX", base);
	return mkdtemp(fx.dir) != NULL ? 0 : -1;
}

static int
add_listeners(void)
{
	struct writ_tls_config tls;
	struct writ_err err;

	memset(&tls, 0, sizeof(tls));
	tls.cert_file = fpath("srv.pem");
	tls.key_file = fpath("srv.key");
	tls.ca_file = fpath("ca.pem");
	if (writ_http_listen(fx.srv, "127.0.0.1:0", NULL, &fx.plain, &err) != WRIT_OK)
		goto fail;
	tls.verify = WRIT_TLS_VERIFY_NONE;
	if (writ_http_listen(fx.srv, "127.0.0.1:0", &tls, &fx.tls_none, &err) != WRIT_OK)
		goto fail;
	tls.verify = WRIT_TLS_VERIFY_REQUEST;
	if (writ_http_listen(fx.srv, "127.0.0.1:0", &tls, &fx.tls_request, &err) != WRIT_OK)
		goto fail;
	tls.verify = WRIT_TLS_VERIFY_REQUIRE;
	tls.min_version = TLS1_3_VERSION;
	if (writ_http_listen(fx.srv, "127.0.0.1:0", &tls, &fx.tls_require, &err) != WRIT_OK)
		goto fail;
	if (writ_http_listen_handler(fx.srv, "127.0.0.1:0", NULL, NULL, NULL, NULL, &err) !=
	        WRIT_EINVAL ||
	    writ_http_listen_handler(fx.srv, "127.0.0.1:0", NULL, other_handler, "other router",
	        &fx.other, &err) != WRIT_OK)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "listen: %s\n", err.msg);
	return -1;
}

static int
setup_server(void **state)
{
	struct writ_http_config cfg;
	struct writ_err err;

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	if (make_tmpdir() != 0 || make_certs() != 0) {
		fprintf(stderr, "cannot make certificates in %s\n", fx.dir);
		return -1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.nthreads = 2;
	cfg.max_body = 64 * 1024;
	cfg.max_header_bytes = 4096;
	cfg.max_uri = 1024;
	cfg.read_timeout_ms = 800;
	cfg.idle_timeout_ms = 600;
	cfg.shutdown_grace_ms = 2000;
	if (writ_http_server_new(&cfg, handler, NULL, &fx.srv, &err) != WRIT_OK) {
		fprintf(stderr, "server: %s\n", err.msg);
		return -1;
	}
	if (add_listeners() != 0)
		return -1;
	if (pthread_create(&fx.thread, NULL, run_server, &fx) != 0)
		return -1;
	return 0;
}

static void
remove_dir(const char *dir)
{
	char p[1024];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

/* ---------------------------------------------------------------------------
 * A small HTTP client over a raw socket or OpenSSL.
 */

struct client {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char buf[256 * 1024];
	size_t len;
	char head[4096]; /* head of the last response */
};

/* Case-insensitive strstr (strcasestr is a GNU extension). */
static const char *
find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return hay;
	return NULL;
}

/* The end of the head ("\r\n\r\n") in buf[0..len), or NULL. */
static char *
find_head_end(char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 4 <= len; i++)
		if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
			return buf + i;
	return NULL;
}

static int
tcp_connect6(uint16_t port, int family)
{
	struct sockaddr_storage ss;
	struct timeval tv = {IO_TIMEOUT_MS / 1000, 0};
	socklen_t sslen;
	int fd = socket(family, SOCK_STREAM, 0), one = 1;

	assert_true(fd >= 0);
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_loopback;
		sslen = sizeof(*sin6);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, sslen), 0);
	return fd;
}

static int
tcp_connect(uint16_t port)
{
	return tcp_connect6(port, AF_INET);
}

static struct client *
cl_open(uint16_t port)
{
	struct client *cl = calloc(1, sizeof(*cl));

	assert_non_null(cl);
	cl->fd = tcp_connect(port);
	return cl;
}

/* TLS client; cert/key may be NULL.  Returns NULL if the handshake fails. */
static struct client *
cl_open_tls(uint16_t port, const char *cert, const char *key)
{
	struct client *cl = calloc(1, sizeof(*cl));

	assert_non_null(cl);
	cl->ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(cl->ctx);
	assert_int_equal(SSL_CTX_load_verify_locations(cl->ctx, fpath("ca.pem"), NULL), 1);
	SSL_CTX_set_verify(cl->ctx, SSL_VERIFY_PEER, NULL);
	if (cert != NULL) {
		assert_int_equal(SSL_CTX_use_certificate_file(cl->ctx, cert, SSL_FILETYPE_PEM), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey_file(cl->ctx, key, SSL_FILETYPE_PEM), 1);
	}
	cl->fd = tcp_connect(port);
	cl->ssl = SSL_new(cl->ctx);
	assert_non_null(cl->ssl);
	X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(cl->ssl), "127.0.0.1");
	SSL_set_fd(cl->ssl, cl->fd);
	if (SSL_connect(cl->ssl) != 1) {
		ERR_clear_error();
		SSL_free(cl->ssl);
		SSL_CTX_free(cl->ctx);
		close(cl->fd);
		free(cl);
		return NULL;
	}
	return cl;
}

static void
cl_close(struct client *cl)
{
	if (cl == NULL)
		return;
	if (cl->ssl != NULL)
		SSL_free(cl->ssl);
	SSL_CTX_free(cl->ctx);
	close(cl->fd);
	free(cl);
}

static void
cl_send(struct client *cl, const char *s, size_t len)
{
	ssize_t n;

	if (len == 0)
		len = strlen(s);
	while (len > 0) {
		n = cl->ssl != NULL ? SSL_write(cl->ssl, s, (int)len) : send(cl->fd, s, len, 0);
		assert_true(n > 0);
		s += n;
		len -= (size_t)n;
	}
}

/* Read more bytes; <= 0 on EOF, error or timeout. */
static ssize_t
cl_fill(struct client *cl)
{
	size_t room = sizeof(cl->buf) - cl->len;
	ssize_t n;

	assert_true(room > 0);
	if (cl->ssl != NULL) {
		n = SSL_read(cl->ssl, cl->buf + cl->len, (int)room);
		ERR_clear_error();
	} else {
		n = recv(cl->fd, cl->buf + cl->len, room, 0);
	}
	if (n > 0)
		cl->len += (size_t)n;
	return n;
}

static size_t
content_length(const char *head)
{
	const char *p = find_ci(head, "\r\nContent-Length:");
	uint64_t v = 0;
	size_t n;

	if (p == NULL)
		return 0;
	p += 17;
	while (*p == ' ')
		p++;
	n = strspn(p, "0123456789");
	assert_int_equal(writ_parse_u64(p, n, &v), WRIT_OK);
	return (size_t)v;
}

/*
 * Read one response; its body goes to body (NUL-terminated).  head_only: the
 * answer to HEAD, with a Content-Length but no body.  Returns the status or -1.
 */
static int
cl_response_ex(struct client *cl, char *body, size_t cap, bool head_only)
{
	char *end;
	size_t hlen, blen;
	int status;

	while ((end = find_head_end(cl->buf, cl->len)) == NULL)
		if (cl_fill(cl) <= 0)
			return -1;
	hlen = (size_t)(end - cl->buf) + 4;
	assert_true(hlen < sizeof(cl->head));
	memcpy(cl->head, cl->buf, hlen);
	cl->head[hlen] = '\0';
	assert_memory_equal(cl->head, "HTTP/1.1 ", 9);
	status = (cl->head[9] - '0') * 100 + (cl->head[10] - '0') * 10 + (cl->head[11] - '0');
	blen = status == 204 || status == 304 || status < 200 ? 0 : content_length(cl->head);
	if (head_only)
		blen = 0;
	while (cl->len < hlen + blen)
		if (cl_fill(cl) <= 0)
			return -1;
	if (body != NULL) {
		assert_true(blen < cap);
		memcpy(body, cl->buf + hlen, blen);
		body[blen] = '\0';
	}
	memmove(cl->buf, cl->buf + hlen + blen, cl->len - hlen - blen);
	cl->len -= hlen + blen;
	return status;
}

static int
cl_response(struct client *cl, char *body, size_t cap)
{
	return cl_response_ex(cl, body, cap, false);
}

/* True if the server closes the connection within ms (EOF or reset). */
static bool
cl_closed_within(struct client *cl, int ms)
{
	struct pollfd pfd = {.fd = cl->fd, .events = POLLIN};
	char b[256];
	ssize_t n;

	for (;;) {
		if (poll(&pfd, 1, ms) <= 0)
			return false;
		n = cl->ssl != NULL ? SSL_read(cl->ssl, b, sizeof(b))
		                    : recv(cl->fd, b, sizeof(b), 0);
		ERR_clear_error();
		if (n <= 0)
			return true;
	}
}

static bool
has_header(const struct client *cl, const char *line)
{
	return find_ci(cl->head, line) != NULL;
}

/* ---------------------------------------------------------------------------
 * Live tests.
 */

static void
test_keepalive(void **state)
{
	struct client *cl = cl_open(fx.plain);
	char body[1024];

	(void)state;
	cl_send(cl, "GET /echo?a=1 HTTP/1.1\r\nHost: t\r\nX-Vault-Token: hvs.1\r\n\r\n", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "GET /echo?a=1 tls=0 spiffe=none token=hvs.1 body=");
	assert_true(has_header(cl, "\r\nCache-Control: no-store\r\n"));
	assert_true(has_header(cl, "\r\nContent-Type: text/plain\r\n"));
	assert_true(has_header(cl, "\r\nDate: "));
	assert_false(has_header(cl, "Connection:"));
	cl_send(cl, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nping", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "POST /echo? tls=0 spiffe=none token=- body=ping");
	cl_send(cl, "GET /nothing HTTP/1.1\r\nHost: t\r\n\r\n", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 204);
	assert_false(has_header(cl, "Content-Length"));
	assert_false(cl_closed_within(cl, 100));
	cl_close(cl);
}

/* A listener opened with its own handler is served by it, on the same workers. */
static void
test_listener_handler(void **state)
{
	struct client *cl = cl_open(fx.other);
	char body[1024];

	(void)state;
	cl_send(cl, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "other router");
	cl_send(cl, "POST /v1/data HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n{}", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "other router");
	cl_close(cl);
	cl = cl_open(fx.plain);
	cl_send(cl, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "GET /echo? tls=0 spiffe=none token=- body=");
	cl_close(cl);
}

/* Responses come back in request order, even around a deferred one. */
static void
test_pipelining(void **state)
{
	struct client *cl = cl_open(fx.plain);
	char body[200 * 1024];

	(void)state;
	cl_send(cl,
	    "GET /echo?1 HTTP/1.1\r\nHost: t\r\n\r\n"
	    "GET /defer HTTP/1.1\r\nHost: t\r\n\r\n"
	    "PUT /echo?3 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "2\r\nhi\r\n0\r\n\r\n"
	    "GET /big HTTP/1.1\r\nHost: t\r\n\r\n"
	    "GET /echo?5 HTTP/1.1\r\nHost: t\r\n\r\n",
	    0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "GET /echo?1 tls=0 spiffe=none token=- body=");
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "deferred");
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "PUT /echo?3 tls=0 spiffe=none token=- body=hi");
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_int_equal(strlen(body), 100000);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "GET /echo?5 tls=0 spiffe=none token=- body=");
	cl_close(cl);
}

/*
 * Requests that arrive while a response is deferred (the connection keeps
 * reading into the free end of its buffer, and stops when that is full)
 * are answered in order once it completes, including a body split across
 * writes and more bytes than the buffer had free.
 */
static void
test_pipelining_during_defer(void **state)
{
	struct client *cl = cl_open(fx.plain);
	static char burst[64 * 1024];
	char body[200 * 1024], want[64];
	size_t len = 0;
	int i;

	(void)state;
	cl_send(cl, "GET /defer HTTP/1.1\r\nHost: t\r\n\r\n", 0);
	usleep(10 * 1000); /* the handler has deferred by now */
	cl_send(cl, "PUT /echo?2 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nab", 0);
	usleep(5 * 1000);
	cl_send(cl, "cde", 0);
	for (i = 0; i < 1000; i++)
		len += (size_t)snprintf(burst + len, sizeof(burst) - len,
		    "GET /echo?n=%d HTTP/1.1\r\nHost: t\r\n\r\n", i);
	assert_true(len > 16 * 1024 && len < sizeof(burst));
	cl_send(cl, burst, len);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "deferred");
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "PUT /echo?2 tls=0 spiffe=none token=- body=abcde");
	for (i = 0; i < 1000; i++) {
		snprintf(want, sizeof(want), "GET /echo?n=%d tls=0 spiffe=none token=- body=", i);
		assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
		assert_string_equal(body, want);
	}
	cl_close(cl);
}

static void
test_body_too_large(void **state)
{
	struct client *cl = cl_open(fx.plain);
	char body[1024];

	(void)state;
	cl_send(cl, "PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\nxxxx", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 413);
	assert_string_equal(body, "{\"errors\":[\"request body too large\"]}");
	assert_true(has_header(cl, "\r\nConnection: close\r\n"));
	assert_true(has_header(cl, "\r\nContent-Type: application/json\r\n"));
	assert_true(cl_closed_within(cl, 3000));
	cl_close(cl);
}

static void
test_headers_too_large(void **state)
{
	struct client *cl = cl_open(fx.plain);
	char big[6000], body[1024];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cl_send(cl, "GET / HTTP/1.1\r\nHost: t\r\nX-Big: ", 0);
	cl_send(cl, big, 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 431);
	assert_string_equal(body, "{\"errors\":[\"request header fields too large\"]}");
	assert_true(cl_closed_within(cl, 3000));
	cl_close(cl);
}

static void
test_bad_request_closes(void **state)
{
	struct client *cl = cl_open(fx.plain);
	char body[1024];

	(void)state;
	cl_send(cl,
	    "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	    0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 400);
	assert_string_equal(body, "{\"errors\":[\"both content-length and transfer-encoding\"]}");
	assert_true(cl_closed_within(cl, 3000));
	cl_close(cl);
}

/* 501 for an unknown method keeps the connection: the request was framed fine. */
static void
test_unknown_method(void **state)
{
	struct client *cl = cl_open(fx.plain);
	char body[1024];

	(void)state;
	cl_send(cl,
	    "BREW /pot HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi"
	    "HEAD /echo HTTP/1.1\r\nHost: t\r\n\r\n",
	    0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 501);
	assert_string_equal(body, "{\"errors\":[\"method not implemented\"]}");
	/* HEAD: the length of the body that GET would get, and no body. */
	assert_int_equal(cl_response_ex(cl, NULL, 0, true), 200);
	assert_int_equal(
	    content_length(cl->head), strlen("HEAD /echo? tls=0 spiffe=none token=- body="));
	assert_int_equal(cl->len, 0);
	assert_false(cl_closed_within(cl, 100));
	cl_close(cl);
}

static void
test_http10_and_close(void **state)
{
	struct client *cl = cl_open(fx.plain);
	char body[1024];

	(void)state;
	cl_send(cl, "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_true(has_header(cl, "\r\nConnection: keep-alive\r\n"));
	cl_send(cl, "GET /echo HTTP/1.0\r\n\r\n", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_true(has_header(cl, "\r\nConnection: close\r\n"));
	assert_true(cl_closed_within(cl, 3000));
	cl_close(cl);

	/* The handler may close; pipelined requests after it are dropped. */
	cl = cl_open(fx.plain);
	cl_send(cl, "GET /close HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 204);
	assert_true(has_header(cl, "\r\nConnection: close\r\n"));
	assert_true(cl_closed_within(cl, 3000));
	assert_int_equal(cl->len, 0);
	cl_close(cl);
}

static void
test_expect_continue(void **state)
{
	struct client *cl = cl_open(fx.plain);
	char body[1024];

	(void)state;
	cl_send(cl,
	    "PUT /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
	    "Content-Length: 5\r\n\r\n",
	    0);
	assert_int_equal(cl_response(cl, NULL, 0), 100);
	cl_send(cl, "hello", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "PUT /echo? tls=0 spiffe=none token=- body=hello");
	cl_close(cl);
}

static uint64_t
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (uint64_t)((t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000);
}

/* An idle keep-alive connection is closed after idle_timeout_ms (600). */
static void
test_idle_timeout(void **state)
{
	struct client *cl = cl_open(fx.plain);
	struct timespec t0;
	uint64_t ms;

	(void)state;
	cl_send(cl, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 0);
	assert_int_equal(cl_response(cl, NULL, 0), 204);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_true(cl_closed_within(cl, 4000));
	ms = elapsed_ms(&t0);
	assert_true(ms >= 400 && ms < 4000);
	cl_close(cl);
}

/* A request that never completes gets 408 after read_timeout_ms (800): slowloris. */
static void
test_read_timeout(void **state)
{
	struct client *cl = cl_open(fx.plain);
	struct timespec t0;
	char body[1024];
	uint64_t ms;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cl_send(cl, "GET / HTTP/1.1\r\nHost: t\r\n", 0);
	usleep(300 * 1000);
	cl_send(cl, "X-Drip: 1\r\n", 0); /* progress does not extend the deadline */
	assert_int_equal(cl_response(cl, body, sizeof(body)), 408);
	ms = elapsed_ms(&t0);
	assert_true(ms >= 600 && ms < 4000);
	assert_string_equal(body, "{\"errors\":[\"request timeout\"]}");
	assert_true(cl_closed_within(cl, 3000));
	cl_close(cl);
}

static void
test_tls(void **state)
{
	struct client *cl = cl_open_tls(fx.tls_none, NULL, NULL);
	char body[1024];

	(void)state;
	assert_non_null(cl);
	cl_send(cl, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "GET /echo? tls=1 spiffe=none token=- body=");
	cl_send(cl,
	    "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
	    "GET /defer HTTP/1.1\r\nHost: t\r\n\r\n",
	    0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "POST /echo? tls=1 spiffe=none token=- body=abc");
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "deferred");
	cl_close(cl);
}

/* Handshake failure with TLS 1.3 may show only on the first read: no response. */
static bool
tls_refused(uint16_t port, const char *cert, const char *key)
{
	struct client *cl = cl_open_tls(port, cert, key);
	bool refused;

	if (cl == NULL)
		return true;
	if (SSL_write(cl->ssl, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n", 31) <= 0) {
		ERR_clear_error();
		cl_close(cl);
		return true;
	}
	refused = cl_response(cl, NULL, 0) < 0;
	cl_close(cl);
	return refused;
}

static void
test_mtls_required(void **state)
{
	struct client *cl;
	char body[1024];

	(void)state;
	assert_true(tls_refused(fx.tls_require, NULL, NULL));
	assert_true(tls_refused(fx.tls_require, fpath("bad.pem"), fpath("bad.key")));
	assert_true(tls_refused(fx.tls_request, fpath("bad.pem"), fpath("bad.key")));
	cl = cl_open_tls(fx.tls_require, fpath("cli.pem"), fpath("cli.key"));
	assert_non_null(cl);
	assert_string_equal(SSL_get_version(cl->ssl), "TLSv1.3");
	cl_send(cl, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(
	    body, "GET /echo? tls=1 spiffe=spiffe://example.org/agent/a token=- body=");
	cl_close(cl);
}

static void
test_mtls_requested(void **state)
{
	struct client *cl;
	char body[1024];

	(void)state;
	cl = cl_open_tls(fx.tls_request, NULL, NULL);
	assert_non_null(cl);
	cl_send(cl, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(body, "GET /echo? tls=1 spiffe=none token=- body=");
	cl_close(cl);
	cl = cl_open_tls(fx.tls_request, fpath("cli.pem"), fpath("cli.key"));
	assert_non_null(cl);
	cl_send(cl, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n", 0);
	assert_int_equal(cl_response(cl, body, sizeof(body)), 200);
	assert_string_equal(
	    body, "GET /echo? tls=1 spiffe=spiffe://example.org/agent/a token=- body=");
	cl_close(cl);
}

static void
test_tls_config_errors(void **state)
{
	struct writ_tls_config tls;
	struct writ_err err;
	SSL_CTX *ctx = NULL;

	(void)state;
	memset(&tls, 0, sizeof(tls));
	assert_int_equal(writ_tls_ctx_new(&tls, &ctx, &err), WRIT_EINVAL);
	tls.cert_file = fpath("srv.pem");
	tls.key_file = fpath("cli.key"); /* does not match */
	assert_int_equal(writ_tls_ctx_new(&tls, &ctx, &err), WRIT_ECRYPTO);
	tls.key_file = fpath("srv.key");
	tls.verify = WRIT_TLS_VERIFY_REQUIRE; /* no CA file */
	assert_int_equal(writ_tls_ctx_new(&tls, &ctx, &err), WRIT_EINVAL);
	tls.ca_file = fpath("missing.pem");
	assert_int_equal(writ_tls_ctx_new(&tls, &ctx, &err), WRIT_ECRYPTO);
	tls.ca_file = fpath("ca.pem");
	tls.min_version = TLS1_1_VERSION;
	assert_int_equal(writ_tls_ctx_new(&tls, &ctx, &err), WRIT_EINVAL);
	tls.min_version = 0;
	assert_int_equal(writ_tls_ctx_new(&tls, &ctx, &err), WRIT_OK);
	SSL_CTX_free(ctx);
}

/* A second server: connection limit, listen errors, and stop with idle clients. */
static void
test_max_conns_and_stop(void **state)
{
	struct writ_http_config cfg;
	struct writ_http_server *srv;
	struct client *a, *b, *c;
	struct fixture f2;
	struct timespec t0;
	struct writ_err err;
	uint16_t port;
	int family = AF_INET6;
	char addr[64];

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.nthreads = 1;
	cfg.max_conns = 2;
	assert_int_equal(writ_http_server_new(&cfg, handler, NULL, &srv, &err), WRIT_OK);
	assert_int_equal(writ_http_listen(srv, "127.0.0.1", NULL, &port, &err), WRIT_EINVAL);
	assert_int_equal(writ_http_listen(srv, "localhost:1", NULL, &port, &err), WRIT_EINVAL);
	assert_int_equal(writ_http_listen(srv, "127.0.0.1:99999", NULL, &port, &err), WRIT_EINVAL);
	/* A port another server listens on is refused, not shared through SO_REUSEPORT. */
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", fx.plain);
	assert_int_equal(writ_http_listen(srv, addr, NULL, &port, &err), WRIT_EIO);
	/* IPv6 when the host has it, else IPv4. */
	if (writ_http_listen(srv, "[::1]:0", NULL, &port, &err) != WRIT_OK) {
		family = AF_INET;
		assert_int_equal(writ_http_listen(srv, "127.0.0.1:0", NULL, &port, &err), WRIT_OK);
	}
	memset(&f2, 0, sizeof(f2));
	f2.srv = srv;
	assert_int_equal(pthread_create(&f2.thread, NULL, run_server, &f2), 0);
	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	c = calloc(1, sizeof(*c));
	assert_true(a != NULL && b != NULL && c != NULL);
	a->fd = tcp_connect6(port, family);
	cl_send(a, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 0);
	assert_int_equal(cl_response(a, NULL, 0), 204);
	b->fd = tcp_connect6(port, family);
	cl_send(b, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 0);
	assert_int_equal(cl_response(b, NULL, 0), 204);
	c->fd = tcp_connect6(port, family);
	assert_true(cl_closed_within(c, 3000)); /* over max_conns */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	writ_http_stop(srv);
	pthread_join(f2.thread, NULL);
	assert_int_equal(f2.run_rc, WRIT_OK);
	assert_true(elapsed_ms(&t0) < 1500); /* idle connections do not hold the stop */
	assert_true(cl_closed_within(a, 1000));
	assert_true(cl_closed_within(b, 1000));
	writ_http_server_free(srv);
	cl_close(a);
	cl_close(b);
	cl_close(c);
}

/* Every allocation failure while setting a server up is a clean WRIT_ENOMEM. */
static void
test_fault_injection(void **state)
{
	struct writ_http_config cfg;
	struct writ_http_server *srv;
	struct writ_http_resp resp;
	struct writ_err err;
	writ_rc rc;
	long n;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.nthreads = 2;
	for (n = 1; n < 100; n++) {
		writ_fault_set(n);
		srv = NULL;
		rc = writ_http_server_new(&cfg, handler, NULL, &srv, &err);
		if (rc == WRIT_OK)
			rc = writ_http_listen(srv, "127.0.0.1:0", NULL, NULL, &err);
		writ_fault_set(0);
		writ_http_server_free(srv);
		assert_true(rc == WRIT_OK || rc == WRIT_ENOMEM);
		if (rc == WRIT_OK && !writ_fault_fired())
			break;
	}
	assert_true(n < 100);
	memset(&resp, 0, sizeof(resp));
	writ_fault_set(1);
	rc = writ_http_resp_error(&resp, 500, "x");
	writ_fault_set(0);
	assert_int_equal(rc, WRIT_ENOMEM);
	assert_null(resp.body);
	assert_int_equal(resp.status, 500);
}

static int
teardown_server(void **state)
{
	(void)state;
	if (fx.srv != NULL) {
		writ_http_stop(fx.srv);
		pthread_join(fx.thread, NULL);
		writ_http_server_free(fx.srv);
		fx.srv = NULL;
	}
	remove_dir(fx.dir);
	return fx.run_rc == WRIT_OK ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parser_table),
	    cmocka_unit_test(test_parser_head_limit),
	    cmocka_unit_test(test_parser_headers),
	    cmocka_unit_test(test_parser_pipelined),
	    cmocka_unit_test(test_parser_continue),
	    cmocka_unit_test(test_pct_decode),
	    cmocka_unit_test(test_spiffe_valid),
	    cmocka_unit_test(test_resp_helpers),
	    cmocka_unit_test(test_keepalive),
	    cmocka_unit_test(test_listener_handler),
	    cmocka_unit_test(test_pipelining),
	    cmocka_unit_test(test_pipelining_during_defer),
	    cmocka_unit_test(test_body_too_large),
	    cmocka_unit_test(test_headers_too_large),
	    cmocka_unit_test(test_bad_request_closes),
	    cmocka_unit_test(test_unknown_method),
	    cmocka_unit_test(test_http10_and_close),
	    cmocka_unit_test(test_expect_continue),
	    cmocka_unit_test(test_idle_timeout),
	    cmocka_unit_test(test_read_timeout),
	    cmocka_unit_test(test_tls),
	    cmocka_unit_test(test_mtls_required),
	    cmocka_unit_test(test_mtls_requested),
	    cmocka_unit_test(test_tls_config_errors),
	    cmocka_unit_test(test_max_conns_and_stop),
	    cmocka_unit_test(test_fault_injection),
	};

	return cmocka_run_group_tests(tests, setup_server, teardown_server);
}
