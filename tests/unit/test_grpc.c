/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the gRPC server (server/grpc.c) at the frame level, with a
 * small blocking HTTP/2 client built on nghttp2: a unary call and its
 * trailers, unknown methods, wrong HTTP methods and content types, every
 * framing error (compressed, bad flag, truncated, none, two messages), a
 * message over the limit refused before it is sent whole, handler errors
 * with encoded messages, many streams on one connection, a client that
 * sends garbage, and grpc-message encoding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#include "writ/base.h"

#include "grpc.h"

#define MAX_STREAMS 256

/* ---------------------------------------------------------------------------
 * The server: an echo method and one that fails.
 */

static void
echo(struct writ_grpc_call *call, void *arg)
{
	(void)arg;
	if (call->msg_len > 0 && call->msg[0] == 'E') {
		call->status = WRIT_GRPC_PERMISSION_DENIED;
		snprintf(call->message, sizeof(call->message), "no: 100%% sure \xc3\xa9");
		return;
	}
	if (writ_buf_append(call->reply, call->msg, call->msg_len) != WRIT_OK)
		call->status = WRIT_GRPC_INTERNAL;
}

static struct writ_grpc_server *srv;
static uint16_t port;

static int
setup(void **state)
{
	static const struct writ_grpc_method m[] = {{"/test.Echo/Echo", echo, NULL}};
	struct writ_grpc_config cfg = {.nthreads = 2, .max_recv_msg = 1024};
	struct writ_err err = {0};

	(void)state;
	if (writ_grpc_server_new(&cfg, m, 1, &srv, &err) != WRIT_OK ||
	    writ_grpc_listen(srv, "127.0.0.1:0", NULL, &port, &err) != WRIT_OK ||
	    writ_grpc_start(srv, &err) != WRIT_OK) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	writ_grpc_server_free(srv);
	return 0;
}

/* ---------------------------------------------------------------------------
 * The client.
 */

struct result {
	int32_t id;
	char status[8];      /* :status */
	char grpc_status[8]; /* from trailers or a trailers-only response */
	char grpc_message[256];
	struct writ_buf data;
	bool closed;
	uint32_t rst;
};

struct client {
	int fd;
	nghttp2_session *ng;
	struct result res[MAX_STREAMS];
	size_t nres;
	bool goaway;
};

static struct result *
result_of(struct client *c, int32_t id)
{
	size_t i;

	for (i = 0; i < c->nres; i++)
		if (c->res[i].id == id)
			return &c->res[i];
	return NULL;
}

static int
c_header(nghttp2_session *ng, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
    const uint8_t *value, size_t vlen, uint8_t flags, void *arg)
{
	struct result *r = result_of(arg, f->hd.stream_id);
	char *dst = NULL;
	size_t cap = 0;

	(void)ng;
	(void)flags;
	if (r == NULL)
		return 0;
	if (nlen == 7 && memcmp(name, ":status", 7) == 0) {
		dst = r->status;
		cap = sizeof(r->status);
	} else if (nlen == 11 && memcmp(name, "grpc-status", 11) == 0) {
		dst = r->grpc_status;
		cap = sizeof(r->grpc_status);
	} else if (nlen == 12 && memcmp(name, "grpc-message", 12) == 0) {
		dst = r->grpc_message;
		cap = sizeof(r->grpc_message);
	}
	if (dst != NULL)
		snprintf(dst, cap, "%.*s", (int)vlen, value);
	return 0;
}

static int
c_data(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *arg)
{
	struct result *r = result_of(arg, id);

	(void)ng;
	(void)flags;
	if (r != NULL)
		assert_int_equal(writ_buf_append(&r->data, data, len), WRIT_OK);
	return 0;
}

static int
c_close(nghttp2_session *ng, int32_t id, uint32_t code, void *arg)
{
	struct result *r = result_of(arg, id);

	(void)ng;
	if (r != NULL) {
		r->closed = true;
		r->rst = code;
	}
	return 0;
}

static int
c_frame(nghttp2_session *ng, const nghttp2_frame *f, void *arg)
{
	(void)ng;
	if (f->hd.type == NGHTTP2_GOAWAY)
		((struct client *)arg)->goaway = true;
	return 0;
}

static void
client_open(struct client *c)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	nghttp2_session_callbacks *cb;

	memset(c, 0, sizeof(*c));
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(c->fd >= 0);
	assert_int_equal(connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(nghttp2_session_callbacks_new(&cb), 0);
	nghttp2_session_callbacks_set_on_header_callback(cb, c_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, c_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, c_close);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, c_frame);
	assert_int_equal(nghttp2_session_client_new(&c->ng, cb, c), 0);
	nghttp2_session_callbacks_del(cb);
	assert_int_equal(nghttp2_submit_settings(c->ng, NGHTTP2_FLAG_NONE, NULL, 0), 0);
}

static void
client_close(struct client *c)
{
	size_t i;

	for (i = 0; i < c->nres; i++)
		writ_buf_free(&c->res[i].data);
	nghttp2_session_del(c->ng);
	close(c->fd);
}

/* Send what is queued; then read until every stream closed (or the server hung up). */
static void
client_run(struct client *c)
{
	uint8_t buf[16384];
	size_t i;

	for (;;) {
		const uint8_t *out;
		ssize_t n;
		bool open = false;
		struct pollfd p = {c->fd, POLLIN, 0};

		while ((n = nghttp2_session_mem_send(c->ng, &out)) > 0)
			assert_int_equal(write(c->fd, out, (size_t)n), n);
		for (i = 0; i < c->nres; i++)
			open |= !c->res[i].closed;
		if (!open || c->goaway)
			return;
		if (poll(&p, 1, 5000) != 1)
			fail_msg("no answer in 5 s");
		if ((n = read(c->fd, buf, sizeof(buf))) <= 0)
			return;
		assert_true(nghttp2_session_mem_recv(c->ng, buf, (size_t)n) == n);
	}
}

struct body {
	const uint8_t *p;
	size_t len, off;
};

static ssize_t
read_body(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
    nghttp2_data_source *src, void *arg)
{
	struct body *b = src->ptr;
	size_t n = b->len - b->off < len ? b->len - b->off : len;

	(void)ng;
	(void)id;
	(void)arg;
	memcpy(buf, b->p + b->off, n);
	b->off += n;
	if (b->off == b->len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

#define NV(n, v)                                                                            \
	{                                                                                   \
		(uint8_t *)(uintptr_t)(n), (uint8_t *)(uintptr_t)(v), strlen(n), strlen(v), \
		    NGHTTP2_NV_FLAG_NONE                                                    \
	}

/* Queue a request; body NULL sends headers only. */
static struct result *
request(
    struct client *c, const char *method, const char *path, const char *ctype, struct body *body)
{
	nghttp2_nv nv[] = {
	    NV(":method", method),
	    NV(":scheme", "http"),
	    NV(":authority", "localhost"),
	    NV(":path", path),
	    NV("content-type", ctype),
	    NV("te", "trailers"),
	};
	nghttp2_data_provider dp = {.source.ptr = body, .read_callback = read_body};
	struct result *r = &c->res[c->nres++];
	int32_t id =
	    nghttp2_submit_request(c->ng, NULL, nv, WRIT_ARRAY_LEN(nv), body ? &dp : NULL, NULL);

	assert_true(id > 0);
	memset(r, 0, sizeof(*r));
	r->id = id;
	writ_buf_init(&r->data, 0);
	return r;
}

/* A gRPC frame: flag, length (as given), payload. */
static size_t
frame(uint8_t *out, uint8_t flag, uint32_t declared, const char *payload, size_t len)
{
	out[0] = flag;
	out[1] = (uint8_t)(declared >> 24);
	out[2] = (uint8_t)(declared >> 16);
	out[3] = (uint8_t)(declared >> 8);
	out[4] = (uint8_t)declared;
	memcpy(out + 5, payload, len);
	return 5 + len;
}

/* One call with body bytes; returns its result in c (open and close around it). */
static struct result *
call(struct client *c, const uint8_t *bytes, size_t len)
{
	static struct body b;
	struct result *r;

	b = (struct body){bytes, len, 0};
	r = request(c, "POST", "/test.Echo/Echo", "application/grpc", &b);
	client_run(c);
	return r;
}

/* ---------------------------------------------------------------------------
 * Tests.
 */

static void
test_echo(void **state)
{
	struct client c;
	struct result *r;
	uint8_t buf[64];
	size_t n = frame(buf, 0, 5, "hello", 5);

	(void)state;
	client_open(&c);
	r = call(&c, buf, n);
	assert_string_equal(r->status, "200");
	assert_string_equal(r->grpc_status, "0");
	assert_int_equal(r->data.len, n);
	assert_memory_equal(r->data.ptr, buf, n);
	assert_int_equal(r->rst, 0);
	/* An empty message is a message. */
	n = frame(buf, 0, 0, "", 0);
	r = call(&c, buf, n);
	assert_string_equal(r->grpc_status, "0");
	assert_int_equal(r->data.len, 5);
	client_close(&c);
}

static void
test_errors(void **state)
{
	static const struct {
		const char *method, *path, *ctype;
		const char *bytes;
		size_t len;
		const char *status, *grpc_status, *message;
	} cases[] = {
	    {"POST", "/test.Echo/Nope", "application/grpc", "\0\0\0\0\0", 5, "200", "12",
	        "unknown method /test.Echo/Nope"},
	    {"GET", "/test.Echo/Echo", "application/grpc", NULL, 0, "405", "", ""},
	    {"POST", "/test.Echo/Echo", "application/json", "{}", 2, "415", "", ""},
	    {"POST", "/test.Echo/Echo", "application/grpcx", "{}", 2, "415", "", ""},
	    {"POST", "/test.Echo/Echo", "application/grpc+proto", "\0\0\0\0\1x", 6, "200", "0", ""},
	    {"POST", "/test.Echo/Echo", "application/grpc", "\1\0\0\0\1x", 6, "200", "12",
	        "grpc: compressed messages are not supported"},
	    {"POST", "/test.Echo/Echo", "application/grpc", "\2\0\0\0\1x", 6, "200", "13",
	        "grpc: bad compressed flag 2"},
	    {"POST", "/test.Echo/Echo", "application/grpc", "\0\0\0\0\5ab", 7, "200", "13",
	        "grpc: truncated message (2 of 5 bytes)"},
	    {"POST", "/test.Echo/Echo", "application/grpc", "\0\0\0", 3, "200", "13",
	        "grpc: truncated message prefix"},
	    {"POST", "/test.Echo/Echo", "application/grpc", NULL, 0, "200", "13",
	        "grpc: no request message"},
	    {"POST", "/test.Echo/Echo", "application/grpc", "\0\0\0\0\1a\0\0\0\0\1b", 12, "200",
	        "13", "grpc: more than one request message"},
	    {"POST", "/test.Echo/Echo", "application/grpc", "\0\0\0\0\1E", 6, "200", "7",
	        "no: 100%25 sure %C3%A9"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		struct body b = {(const uint8_t *)cases[i].bytes, cases[i].len, 0};
		struct client c;
		struct result *r;

		client_open(&c);
		r = request(
		    &c, cases[i].method, cases[i].path, cases[i].ctype, cases[i].bytes ? &b : NULL);
		client_run(&c);
		if (strcmp(r->status, cases[i].status) != 0 ||
		    strcmp(r->grpc_status, cases[i].grpc_status) != 0 ||
		    strcmp(r->grpc_message, cases[i].message) != 0)
			fail_msg("case %zu: %s %s '%s', want %s %s '%s'", i, r->status,
			    r->grpc_status, r->grpc_message, cases[i].status, cases[i].grpc_status,
			    cases[i].message);
		client_close(&c);
	}
}

static void
test_too_large(void **state)
{
	uint8_t *buf = malloc(1 << 20);
	struct client c;
	struct result *r;

	(void)state;
	assert_non_null(buf);
	memset(buf, 'x', 1 << 20);
	/* The prefix says 2000 bytes, over the 1024 limit: refused at once, stream reset. */
	frame(buf, 0, 2000, "", 0);
	client_open(&c);
	r = call(&c, buf, 2005);
	assert_string_equal(r->grpc_status, "8");
	assert_string_equal(
	    r->grpc_message, "grpc: received message larger than max (2000 vs. 1024)");
	/* A prefix within the limit followed by more than the limit: not one message. */
	frame(buf, 0, 1000, "", 0);
	r = call(&c, buf, 1 << 20);
	assert_string_equal(r->grpc_status, "13");
	/* A huge body with a huge prefix: the server does not wait for it. */
	frame(buf, 0, 0x7fffffff, "", 0);
	r = call(&c, buf, 1 << 20);
	assert_string_equal(r->grpc_status, "8");
	/* The connection is still good. */
	r = call(&c, (const uint8_t *)"\0\0\0\0\2ok", 7);
	assert_string_equal(r->grpc_status, "0");
	client_close(&c);
	free(buf);
}

static void
test_many_streams(void **state)
{
	static struct body bodies[100];
	char payload[100][8];
	uint8_t frames[100][16];
	struct client c;
	size_t i, n;

	(void)state;
	client_open(&c);
	for (i = 0; i < 100; i++) {
		snprintf(payload[i], sizeof(payload[i]), "m%zu", i);
		n = frame(
		    frames[i], 0, (uint32_t)strlen(payload[i]), payload[i], strlen(payload[i]));
		bodies[i] = (struct body){frames[i], n, 0};
		request(&c, "POST", "/test.Echo/Echo", "application/grpc", &bodies[i]);
	}
	client_run(&c);
	for (i = 0; i < 100; i++) {
		assert_string_equal(c.res[i].grpc_status, "0");
		assert_int_equal(c.res[i].data.len, bodies[i].len);
		assert_memory_equal(c.res[i].data.ptr, frames[i], bodies[i].len);
	}
	client_close(&c);
}

static void
test_garbage(void **state)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	static const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	char buf[256];
	int fd;
	ssize_t n;

	(void)state;
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(write(fd, junk, sizeof(junk) - 1), (ssize_t)(sizeof(junk) - 1));
	/* The server sends its SETTINGS and a GOAWAY, then closes. */
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	assert_int_equal(n, 0);
	close(fd);
	/* And keeps serving others. */
	{
		struct client c;
		struct result *r;

		client_open(&c);
		r = call(&c, (const uint8_t *)"\0\0\0\0\0", 5);
		assert_string_equal(r->grpc_status, "0");
		client_close(&c);
	}
}

static void
test_message_encode(void **state)
{
	char buf[16];

	(void)state;
	writ_grpc_message_encode("a b%\n\xc3\xa9", buf, sizeof(buf));
	assert_string_equal(buf, "a b%25%0A%C3%A9");
	writ_grpc_message_encode("abcdefghijklmnopqrstuvwxyz", buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf) && strncmp(buf, "abcdefghijkl", 12) == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_echo),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_too_large),
	    cmocka_unit_test(test_many_streams),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_message_encode),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
