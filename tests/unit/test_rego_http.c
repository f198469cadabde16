/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of http.send (lib/rego/http_send.c, http_fetch.c,
 * http_cache.c) against a real HTTP server: a small one on 127.0.0.1 port
 * 0, a thread per connection, that counts the requests each path gets.
 * Refused by default and for hosts not allowed, GET with a JSON body
 * decoded and headers lower-cased, YAML, POST bodies and headers, redirects
 * (and their host check), raise_error false, timeouts (the request's, the
 * cap, the evaluation's), the query's own cache, the inter-query cache
 * (max-age, force_cache, no-store, ETag revalidation, its bounds, threads),
 * the body limit, unsupported parameters, and allocation failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "writ/base.h"
#include "writ/rego.h"

#include "support/rego_fx.h"

/* ---------------------------------------------------------------------------
 * The test server.
 */

#define REQ_MAX  65536
#define BIG_BODY ((size_t)2 << 20)

static int srv_fd = -1;
static pthread_t srv_thread;
static char base[64]; /* "http://127.0.0.1:PORT" */
static pthread_mutex_t srv_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *const paths[] = {"/json", "/echo", "/count", "/maxage", "/nostore", "/plain",
    "/slow", "/big", "/redirect", "/redirect-out", "/etag", "/etag-304", "/yaml"};
static int counts[WRIT_ARRAY_LEN(paths)];

static int
path_index(const char *path, size_t len)
{
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(paths); i++)
		if (strlen(paths[i]) == len && memcmp(paths[i], path, len) == 0)
			return (int)i;
	return -1;
}

/* Requests path has had so far. */
static int
hits(const char *path)
{
	int i = path_index(path, strlen(path)), n;

	assert_true(i >= 0);
	pthread_mutex_lock(&srv_mu);
	n = counts[i];
	pthread_mutex_unlock(&srv_mu);
	return n;
}

static void
send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void
respond(int fd, const char *status, const char *hdrs, const char *body, size_t len)
{
	char head[1024], date[64];
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(head, sizeof(head),
	    "HTTP/1.1 %s\r\nDate: %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n", status,
	    date, len, hdrs);
	send_all(fd, head, strlen(head));
	send_all(fd, body, len);
}

/* Read one request (head and Content-Length body) into buf; its length, or 0. */
static size_t
read_req(int fd, char *buf, size_t cap)
{
	size_t len = 0, need = 0;
	char *end, *cl;

	for (;;) {
		ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);

		if (n <= 0)
			return 0;
		len += (size_t)n;
		buf[len] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")) == NULL) {
			if (len == cap - 1)
				return 0;
			continue;
		}
		if (need == 0) {
			size_t body = 0;

			if ((cl = strstr(buf, "\r\nContent-Length: ")) != NULL && cl < end)
				for (cl += 18; *cl >= '0' && *cl <= '9'; cl++)
					body = body * 10 + (size_t)(*cl - '0');
			need = (size_t)(end + 4 - buf) + body;
		}
		if (len >= need || len == cap - 1)
			return len;
	}
}

static void
handle(int fd, const char *req, int idx)
{
	static char big[BIG_BODY];
	char body[256];
	int n;

	pthread_mutex_lock(&srv_mu);
	n = ++counts[idx];
	pthread_mutex_unlock(&srv_mu);
	snprintf(body, sizeof(body), "%d", n);
	switch (idx) {
	case 0: /* /json */
		snprintf(body, sizeof(body), "{\"n\": %d, \"list\": [1, 2]}", n);
		respond(fd, "200 OK",
		    "Content-Type: application/json\r\nX-Multi: a\r\nX-Multi: b\r\n", body,
		    strlen(body));
		break;
	case 1: /* /echo: the request as received */
		respond(fd, "200 OK", "Content-Type: text/plain\r\n", req, strlen(req));
		break;
	case 3: /* /maxage */
		respond(fd, "200 OK", "Cache-Control: public, max-age=60\r\n", body, strlen(body));
		break;
	case 4: /* /nostore */
		respond(fd, "200 OK", "Cache-Control: no-store\r\n", body, strlen(body));
		break;
	case 6: /* /slow */
		sleep(2);
		respond(fd, "200 OK", "", body, strlen(body));
		break;
	case 7: /* /big */
		memset(big, 'x', sizeof(big));
		respond(fd, "200 OK", "", big, sizeof(big));
		break;
	case 8: /* /redirect */
		respond(fd, "302 Found", "Location: /json\r\n", "", 0);
		break;
	case 9: /* /redirect-out */
		respond(fd, "302 Found", "Location: http://example.invalid/\r\n", "", 0);
		break;
	case 10: /* /etag: stale at once, revalidated with its ETag */
		if (strstr(req, "\r\nIf-None-Match: \"v1\"") != NULL) {
			pthread_mutex_lock(&srv_mu);
			counts[11]++;
			pthread_mutex_unlock(&srv_mu);
			respond(fd, "304 Not Modified",
			    "Cache-Control: max-age=60\r\nETag: \"v1\"\r\n", "", 0);
		} else {
			respond(fd, "200 OK", "Cache-Control: max-age=0\r\nETag: \"v1\"\r\n",
			    "etag-body", 9);
		}
		break;
	case 12: /* /yaml */
		respond(
		    fd, "200 OK", "Content-Type: application/yaml\r\n", "a: 1\nb: [x, w]\n", 15);
		break;
	default: /* /count, /plain */
		respond(fd, "200 OK", "", body, strlen(body));
		break;
	}
}

static void *
conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *req = malloc(REQ_MAX), *sp, *q;
	int idx;

	if (req != NULL && read_req(fd, req, REQ_MAX) > 0 && (sp = strchr(req, ' ')) != NULL) {
		sp++;
		q = sp + strcspn(sp, " ?");
		if ((idx = path_index(sp, (size_t)(q - sp))) >= 0)
			handle(fd, req, idx);
		else
			respond(fd, "404 Not Found", "", "", 0);
	}
	free(req);
	close(fd);
	return NULL;
}

static void *
srv_main(void *arg)
{
	pthread_t th;
	int fd;

	(void)arg;
	while ((fd = accept(srv_fd, NULL, NULL)) >= 0) {
		if (pthread_create(&th, NULL, conn_main, (void *)(intptr_t)fd) != 0)
			close(fd);
		else
			pthread_detach(th);
	}
	return NULL;
}

/* A port nothing listens on: bound, then closed. */
static int
dead_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static int
srv_start(void **state)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int one = 1;

	(void)state;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((srv_fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(srv_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(srv_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(srv_fd, 64) != 0 ||
	    getsockname(srv_fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", ntohs(sa.sin_port));
	return pthread_create(&srv_thread, NULL, srv_main, NULL) != 0;
}

static int
srv_stop(void **state)
{
	(void)state;
	shutdown(srv_fd, SHUT_RDWR);
	pthread_join(srv_thread, NULL);
	close(srv_fd);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Evaluation helpers.
 */

static const char *const local_hosts[] = {"127.0.0.1"};

/* http.send enabled for 127.0.0.1 with defaults and no inter-query cache. */
static struct writ_rego_http
local_cfg(void)
{
	struct writ_rego_http h = {.enabled = true, .allow_hosts = local_hosts, .nallow_hosts = 1};

	return h;
}

/* The query text with each '@' replaced by the server's base URL. */
static const char *
qf(const char *tmpl)
{
	static char buf[4096];
	size_t n = 0, bl = strlen(base);

	for (; *tmpl != '\0' && n + bl + 1 < sizeof(buf); tmpl++) {
		if (*tmpl == '@') {
			memcpy(buf + n, base, bl);
			n += bl;
		} else {
			buf[n++] = *tmpl;
		}
	}
	buf[n] = '\0';
	return buf;
}

struct run {
	const struct writ_rego_http *http;
	bool strict;
	int64_t now_ns;
	uint64_t timeout_ms;
};

static writ_rc
eval_r(const struct run *r, const char *query, struct writ_buf *out, struct writ_rego_error *err)
{
	struct writ_rego_bundle *b = fx_rego_compile(NULL, NULL);
	struct writ_rego_eval_opts o = {0};
	writ_rc rc;

	o.query = query;
	o.http = r->http;
	o.strict_builtin_errors = r->strict;
	o.now_ns = r->now_ns;
	o.limits.timeout_ms = r->timeout_ms;
	writ_buf_reset(out);
	rc = writ_rego_eval(b, &o, out, err);
	writ_rego_bundle_free(b);
	return rc;
}

/* The binding x of the only solution, as JSON (the caller decrefs); the test fails without one. */
static json_t *
eval_x(const struct run *r, const char *query)
{
	struct writ_rego_error err;
	struct writ_buf out;
	json_error_t je;
	json_t *res, *x;
	char msg[1024];

	writ_buf_init(&out, 0);
	if (eval_r(r, query, &out, &err) != WRIT_OK) {
		writ_rego_error_format(&err, msg, sizeof(msg));
		writ_buf_free(&out);
		fail_msg("%s: %s", query, msg);
	}
	res = json_loadb(out.ptr, out.len, 0, &je);
	x = json_object_get(json_object_get(json_array_get(res, 0), "bindings"), "x");
	if (x == NULL)
		fail_msg("%s: no x in %s", query, out.ptr);
	json_incref(x);
	json_decref(res);
	writ_buf_free(&out);
	return x;
}

/* Evaluate expecting an error: its code, and message containing want. */
static void
eval_err(const struct run *r, const char *query, const char *code, const char *want)
{
	struct writ_rego_error err;
	struct writ_buf out;

	writ_buf_init(&out, 0);
	if (eval_r(r, query, &out, &err) == WRIT_OK)
		fail_msg("%s: no error but %s", query, out.ptr);
	writ_buf_free(&out);
	assert_string_equal(err.code, code);
	if (strstr(err.message, want) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", query, err.message, want);
}

static const char *
jstr(json_t *v, const char *path)
{
	const char *s = json_string_value(json_object_get(v, path));

	assert_non_null(s);
	return s;
}

/* ---------------------------------------------------------------------------
 * Tests.
 */

static void
test_refused(void **state)
{
	struct writ_rego_http off = local_cfg(), example = local_cfg();
	static const char *const other[] = {
	    "example.com", "*.0.0.1"}; /* no wildcard for addresses */
	struct run r = {.strict = true};

	(void)state;
	off.enabled = false;
	example.allow_hosts = other;
	example.nallow_hosts = 2;
	eval_err(&r, qf("x := http.send({\"method\": \"get\", \"url\": \"@/json\"})"),
	    "eval_builtin_error", "http.send: outbound requests are disabled in this server");
	r.http = &off;
	eval_err(&r, qf("x := http.send({\"method\": \"get\", \"url\": \"@/json\"})"),
	    "eval_builtin_error", "http.send: outbound requests are disabled in this server");
	/* Not strict, raise_error false: still refused, the host is not allowed. */
	r.http = &example;
	r.strict = false;
	eval_err(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/json\", \"raise_error\": false})"),
	    "eval_builtin_error", "http.send: disallowed host: 127.0.0.1");
	/* The key checks come first, as before. */
	eval_err(&r, "x := http.send({\"method\": \"get\"})", "eval_type_error",
	    "missing required request parameters(s): {\"url\"}");
	assert_int_equal(hits("/json"), 0);
}

static void
test_hosts(void **state)
{
	static const char *const any[] = {"*"}, *const suffix[] = {"*.example.com", "LOCALHOST"};
	struct writ_rego_http h = local_cfg();
	struct run r = {.http = &h, .strict = true};
	char q[512];
	json_t *x;

	(void)state;
	h.allow_hosts = any;
	x = eval_x(
	    &r, qf("x := http.send({\"method\": \"get\", \"url\": \"@/count\"}).status_code"));
	assert_int_equal(json_integer_value(x), 200);
	json_decref(x);
	/* Names ignore case. */
	h.allow_hosts = suffix;
	h.nallow_hosts = 2;
	snprintf(q, sizeof(q),
	    "x := http.send({\"method\": \"get\", \"url\": \"http://localhost%s/count\"}).status_code",
	    strrchr(base, ':'));
	x = eval_x(&r, q);
	assert_int_equal(json_integer_value(x), 200);
	json_decref(x);
	eval_err(&r, "x := http.send({\"method\": \"get\", \"url\": \"http://example.com/\"})",
	    "eval_builtin_error", "disallowed host: example.com");
	eval_err(&r, "x := http.send({\"method\": \"get\", \"url\": \"http://evil-example.com/\"})",
	    "eval_builtin_error", "disallowed host: evil-example.com");
	/* Only http and https. */
	h.allow_hosts = local_hosts;
	h.nallow_hosts = 1;
	x = eval_x(&r,
	    "x := http.send({\"method\": \"get\", \"url\": \"ftp://127.0.0.1/f\", "
	    "\"raise_error\": false}).error.message");
	assert_non_null(strstr(json_string_value(x), "unsupported protocol scheme \"ftp\""));
	json_decref(x);
	/* Parameters writ does not implement are an error, never ignored. */
	eval_err(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/json\", \"tls_server_name\": \"a\"})"),
	    "eval_builtin_error", "\"tls_server_name\" is not supported");
	eval_err(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/json\", "
	       "\"tls_ca_cert_env_variable\": \"HOME\"})"),
	    "eval_builtin_error", "environment");
}

static void
test_get_json(void **state)
{
	struct writ_rego_http h = local_cfg();
	struct run r = {.http = &h};
	json_t *x, *hd;

	(void)state;
	x = eval_x(&r, qf("x := http.send({\"method\": \"get\", \"url\": \"@/json\"})"));
	assert_int_equal(json_integer_value(json_object_get(x, "status_code")), 200);
	assert_string_equal(jstr(x, "status"), "200 OK");
	assert_int_equal(json_array_size(json_object_get(json_object_get(x, "body"), "list")), 2);
	assert_non_null(strstr(jstr(x, "raw_body"), "\"list\": [1, 2]"));
	hd = json_object_get(x, "headers");
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(hd, "content-type"), 0)),
	    "application/json");
	assert_int_equal(json_array_size(json_object_get(hd, "x-multi")), 2);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(hd, "x-multi"), 1)), "b");
	assert_null(json_object_get(hd, "Content-Type"));
	json_decref(x);
	/* Not JSON: body null, unless forced. */
	x = eval_x(&r, qf("x := http.send({\"method\": \"get\", \"url\": \"@/count\"})"));
	assert_true(json_is_null(json_object_get(x, "body")));
	json_decref(x);
	x = eval_x(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/count\", \"force_json_decode\": "
	       "true}).body"));
	assert_true(json_is_integer(x));
	json_decref(x);
	/* YAML by its content type. */
	x = eval_x(&r, qf("x := http.send({\"method\": \"get\", \"url\": \"@/yaml\"}).body"));
	assert_int_equal(json_integer_value(json_object_get(x, "a")), 1);
	assert_string_equal(json_string_value(json_array_get(json_object_get(x, "b"), 1)), "w");
	json_decref(x);
}

static void
test_post(void **state)
{
	struct writ_rego_http h = local_cfg();
	struct run r = {.http = &h};
	const char *s;
	json_t *x;

	(void)state;
	x = eval_x(&r,
	    qf("x := http.send({\"method\": \"post\", \"url\": \"@/echo\", "
	       "\"headers\": {\"x-test\": \"yes\", \"Content-Type\": \"application/json\"}, "
	       "\"body\": {\"k\": \"v\"}}).raw_body"));
	s = json_string_value(x);
	assert_non_null(s);
	assert_non_null(strstr(s, "POST /echo HTTP/1.1\r\n"));
	assert_non_null(strstr(s, "\r\nX-Test: yes\r\n"));
	assert_non_null(strstr(s, "\r\nContent-Type: application/json\r\n"));
	assert_non_null(strstr(s, "\r\nContent-Length: 9\r\n"));
	assert_non_null(strstr(s, "\r\n\r\n{\"k\":\"v\"}"));
	assert_null(strstr(s, "Expect:"));
	json_decref(x);
	/* raw_body as it is, no form content type; PUT keeps its method. */
	x = eval_x(&r,
	    qf("x := http.send({\"method\": \"PUT\", \"url\": \"@/echo\", "
	       "\"raw_body\": \"a=b&c\"}).raw_body"));
	s = json_string_value(x);
	assert_non_null(strstr(s, "PUT /echo HTTP/1.1\r\n"));
	assert_non_null(strstr(s, "\r\n\r\na=b&c"));
	assert_null(strstr(s, "x-www-form-urlencoded"));
	json_decref(x);
	/* A header value may not smuggle another header. */
	x = eval_x(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/echo\", "
	       "\"raise_error\": false, \"headers\": {\"a\": \"b\\r\\nc: d\"}}).error.code"));
	assert_string_equal(json_string_value(x), "eval_http_send_internal_error");
	json_decref(x);
}

static void
test_redirect(void **state)
{
	struct writ_rego_http h = local_cfg();
	struct run r = {.http = &h, .strict = true};
	json_t *x;

	(void)state;
	x = eval_x(
	    &r, qf("x := http.send({\"method\": \"get\", \"url\": \"@/redirect\"}).status_code"));
	assert_int_equal(json_integer_value(x), 302);
	json_decref(x);
	x = eval_x(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/redirect\", "
	       "\"enable_redirect\": true}).body.list"));
	assert_int_equal(json_array_size(x), 2);
	json_decref(x);
	eval_err(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/redirect-out\", \"enable_redirect\": "
	       "true})"),
	    "eval_builtin_error", "disallowed host: example.invalid");
}

static void
test_errors(void **state)
{
	struct writ_rego_http h = local_cfg();
	struct run r = {.http = &h};
	struct writ_rego_error err;
	struct writ_buf out;
	char q[512];
	json_t *x;

	(void)state;
	snprintf(q, sizeof(q),
	    "x := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:%d/\", "
	    "\"raise_error\": false})",
	    dead_port());
	x = eval_x(&r, q);
	assert_int_equal(json_integer_value(json_object_get(x, "status_code")), 0);
	assert_string_equal(
	    jstr(json_object_get(x, "error"), "code"), "eval_http_send_network_error");
	assert_non_null(
	    strstr(jstr(json_object_get(x, "error"), "message"), "Get \"http://127.0.0.1:"));
	assert_int_equal(json_object_size(x), 2);
	json_decref(x);
	/* raise_error true: undefined, or with strict builtin errors the error. */
	snprintf(q, sizeof(q),
	    "x := http.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:%d/\"})",
	    dead_port());
	writ_buf_init(&out, 0);
	assert_int_equal(eval_r(&r, q, &out, &err), WRIT_OK);
	assert_string_equal(out.ptr, "[]");
	writ_buf_free(&out);
	r.strict = true;
	eval_err(&r, q, "eval_builtin_error", "http.send: Get \"http://127.0.0.1:");
	/* Bad values follow raise_error too. */
	eval_err(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/json\", \"timeout\": true})"),
	    "eval_builtin_error", "'timeout' must be one of {string, number} but got boolean");
	eval_err(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/json\", \"force_cache\": true})"),
	    "eval_builtin_error", "'force_cache' set but 'force_cache_duration_seconds'");
	x = eval_x(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/json\", \"raise_error\": "
	       "false, \"enable_redirect\": 1}).error.code"));
	assert_string_equal(json_string_value(x), "eval_http_send_internal_error");
	json_decref(x);
}

/* How long an evaluation that must fail took, in ms. */
static uint64_t
timed_err(const struct run *r, const char *query, const char *code, const char *want)
{
	uint64_t t0 = writ_time_mono_ms();

	eval_err(r, query, code, want);
	return writ_time_mono_ms() - t0;
}

static void
test_timeouts(void **state)
{
	struct writ_rego_http h = local_cfg();
	struct run r = {.http = &h, .strict = true};
	uint64_t ms;

	(void)state;
	/* The request's own timeout. */
	ms = timed_err(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/slow\", \"timeout\": \"200ms\"})"),
	    "eval_builtin_error", "request timed out");
	assert_true(ms >= 150 && ms < 1500);
	/* Capped by the configuration. */
	h.max_timeout_ms = 300;
	ms = timed_err(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/slow\", \"timeout\": "
	       "\"10s\"})"),
	    "eval_builtin_error", "request timed out");
	assert_true(ms >= 250 && ms < 1500);
	/* The configured default. */
	h.max_timeout_ms = 0;
	h.timeout_ms = 250;
	ms = timed_err(&r, qf("x := http.send({\"method\": \"get\", \"url\": \"@/slow\"})"),
	    "eval_builtin_error", "request timed out");
	assert_true(ms >= 200 && ms < 1500);
	/* The evaluation's time limit bounds a request in flight, whatever raise_error says. */
	h.timeout_ms = 0;
	r.timeout_ms = 300;
	ms = timed_err(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/slow\", \"raise_error\": false})"),
	    "eval_cancel_error", "http.send: timed out");
	assert_true(ms >= 250 && ms < 1500);
}

static void
test_intra_query(void **state)
{
	struct writ_rego_http h = local_cfg();
	struct run r = {.http = &h};
	int before = hits("/count");
	json_t *x;

	(void)state;
	x = eval_x(&r,
	    qf("a := http.send({\"method\": \"get\", \"url\": \"@/count\"}); "
	       "b := http.send({\"url\": \"@/count\", \"method\": \"get\"}); "
	       "c := http.send({\"url\": \"@/count\", \"method\": \"get\", \"timeout\": \"2s\"}); "
	       "a == b; x := [a.raw_body, c.raw_body]"));
	assert_int_equal(hits("/count"), before + 2);
	assert_string_not_equal(
	    json_string_value(json_array_get(x, 0)), json_string_value(json_array_get(x, 1)));
	json_decref(x);
	/* Errors are remembered too: one attempt per query. */
	before = hits("/slow");
	x = eval_x(&r,
	    qf("a := http.send({\"method\": \"get\", \"url\": \"@/slow\", \"timeout\": "
	       "\"100ms\", \"raise_error\": false}); "
	       "b := http.send({\"method\": \"get\", \"url\": \"@/slow\", \"timeout\": "
	       "\"100ms\", \"raise_error\": false}); x := [a.status_code, b.status_code]"));
	assert_int_equal(json_integer_value(json_array_get(x, 1)), 0);
	json_decref(x);
	usleep(100000);
	assert_int_equal(hits("/slow"), before + 1);
}

/* Evaluate query with the cache at now_ns (0: the clock) and return x's integer. */
static int64_t
cached_x(struct writ_rego_http *h, int64_t now_ns, const char *query)
{
	struct run r = {.http = h, .strict = true, .now_ns = now_ns};
	json_t *x = eval_x(&r, qf(query));
	int64_t v = json_integer_value(x);

	json_decref(x);
	return v;
}

#define CACHE ", \"cache\": true"
#define FORCE ", \"force_cache\": true, \"force_cache_duration_seconds\": 60"

/* GET path with the request's further keys opts at now_ns (0: the clock): its status code. */
static int64_t
get_at(struct writ_rego_http *h, int64_t now_ns, const char *path, const char *opts)
{
	char q[512];

	snprintf(q, sizeof(q),
	    "x := http.send({\"method\": \"get\", \"url\": \"@%s\"%s}).status_code", path, opts);
	return cached_x(h, now_ns, q);
}

/* One query of a cache scenario and the requests its path must have had since the start. */
struct cstep {
	const char *path, *opts;
	int64_t at_s; /* seconds after the scenario's start */
	int hits;
};

static const struct cstep cache_steps[] = {
    /* max-age=60: one request for both queries, another once stale. */
    {"/maxage", CACHE, 0, 1},
    {"/maxage", CACHE, 30, 1},
    {"/maxage", CACHE, 120, 2},
    /* Without cache: true, every query asks. */
    {"/maxage", "", 0, 3},
    /* no-store is not kept; force_cache overrides it. */
    {"/nostore", CACHE, 0, 1},
    {"/nostore", CACHE, 0, 2},
    {"/nostore", FORCE, 0, 3},
    {"/nostore", FORCE, 0, 3},
    /* force_cache on a response without cache headers, for its duration only. */
    {"/plain", FORCE, 0, 1},
    {"/plain", FORCE, 59, 1},
    {"/plain", FORCE, 61, 2},
    /* A stale entry with an ETag is revalidated: a 304 makes it fresh again. */
    {"/etag", CACHE, 0, 1},
    {"/etag", CACHE, 0, 2},
    {"/etag", CACHE, 0, 2},
};

static void
test_inter_query(void **state)
{
	const char *const counted[] = {"/maxage", "/nostore", "/plain", "/etag"};
	struct writ_rego_http h = local_cfg();
	struct writ_rego_http_cache *c = NULL;
	int before[WRIT_ARRAY_LEN(counted)];
	struct timespec ts;
	int64_t now;
	size_t i, j;

	(void)state;
	assert_int_equal(writ_rego_http_cache_new(0, 0, &c), WRIT_OK);
	h.cache = c;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + 1000000000;
	for (j = 0; j < WRIT_ARRAY_LEN(counted); j++)
		before[j] = hits(counted[j]);
	for (i = 0; i < WRIT_ARRAY_LEN(cache_steps); i++) {
		const struct cstep *st = &cache_steps[i];

		assert_int_equal(get_at(&h, now + st->at_s * 1000000000, st->path, st->opts), 200);
		for (j = 0; strcmp(counted[j], st->path) != 0; j++)
			;
		if (hits(st->path) - before[j] != st->hits)
			fail_msg("step %zu (%s%s): %d requests, want %d", i, st->path, st->opts,
			    hits(st->path) - before[j], st->hits);
	}
	/* The revalidated entry keeps its body; the server saw one conditional request. */
	assert_int_equal(hits("/etag-304"), 1);
	assert_int_equal(cached_x(&h, now,
	                     "x := count(http.send({\"method\": \"get\", \"url\": "
	                     "\"@/etag\", \"cache\": true}).raw_body)"),
	    9);
	writ_rego_http_cache_free(c);
}

static void
test_cache_bounds(void **state)
{
	static const struct {
		const char *path;
		int hits;
	} steps[] = {{"/maxage?1", 1}, {"/maxage?2", 2}, {"/maxage?1", 2}, {"/maxage?3", 3},
	    /* ?2 was the least recently used: evicted; ?1 is still there. */
	    {"/maxage?1", 3}, {"/maxage?2", 4}};
	struct writ_rego_http h = local_cfg();
	struct writ_rego_http_cache *c = NULL;
	int before = hits("/maxage");
	size_t i;

	(void)state;
	assert_int_equal(writ_rego_http_cache_new(2, 0, &c), WRIT_OK);
	h.cache = c;
	for (i = 0; i < WRIT_ARRAY_LEN(steps); i++) {
		assert_int_equal(get_at(&h, 0, steps[i].path, CACHE), 200);
		assert_int_equal(hits("/maxage") - before, steps[i].hits);
	}
	writ_rego_http_cache_free(c);
	/* A byte bound smaller than a response: never kept. */
	assert_int_equal(writ_rego_http_cache_new(0, 64, &c), WRIT_OK);
	h.cache = c;
	before = hits("/maxage");
	assert_int_equal(get_at(&h, 0, "/maxage?4", CACHE), 200);
	assert_int_equal(get_at(&h, 0, "/maxage?4", CACHE), 200);
	assert_int_equal(hits("/maxage"), before + 2);
	writ_rego_http_cache_free(c);
}

static void
test_body_limit(void **state)
{
	struct writ_rego_http h = local_cfg();
	struct run r = {.http = &h, .strict = true};
	json_t *x;

	(void)state;
	eval_err(&r, qf("x := http.send({\"method\": \"get\", \"url\": \"@/big\"})"),
	    "eval_builtin_error", "response body larger than 1048576 bytes");
	x = eval_x(&r,
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/big\", \"raise_error\": "
	       "false}).error.code"));
	assert_string_equal(json_string_value(x), "eval_http_send_internal_error");
	json_decref(x);
	h.max_body_bytes = 4 << 20;
	x = eval_x(
	    &r, qf("x := count(http.send({\"method\": \"get\", \"url\": \"@/big\"}).raw_body)"));
	assert_int_equal(json_integer_value(x), (json_int_t)BIG_BODY);
	json_decref(x);
}

struct thr {
	struct writ_rego_http *h;
	const char *query;
	int ok;
};

static void *
thr_main(void *arg)
{
	struct thr *t = arg;
	struct run r = {.http = t->h};
	struct writ_rego_error err;
	struct writ_buf out;
	int i;

	writ_buf_init(&out, 0);
	for (i = 0; i < 20; i++)
		if (eval_r(&r, t->query, &out, &err) == WRIT_OK &&
		    strstr(out.ptr, "\"x\":200") != NULL)
			t->ok++;
	writ_buf_free(&out);
	return NULL;
}

static void
test_threads(void **state)
{
	struct writ_rego_http h = local_cfg();
	struct writ_rego_http_cache *c = NULL;
	struct thr t[4];
	pthread_t th[4];
	int i, before = hits("/maxage");
	char query[4096];

	(void)state;
	snprintf(query, sizeof(query), "%s",
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/maxage?t\", \"cache\": "
	       "true}).status_code"));
	assert_int_equal(writ_rego_http_cache_new(0, 0, &c), WRIT_OK);
	h.cache = c;
	for (i = 0; i < 4; i++) {
		t[i] = (struct thr){&h, query, 0};
		assert_int_equal(pthread_create(&th[i], NULL, thr_main, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].ok, 20);
	}
	assert_true(hits("/maxage") - before >= 1 && hits("/maxage") - before <= 4);
	writ_rego_http_cache_free(c);
}

/* Allocation failures on the way (request, cache, response): clean errors, nothing leaked. */
static void
test_faults(void **state)
{
	struct writ_rego_http h = local_cfg();
	struct writ_rego_http_cache *c = NULL;
	struct writ_rego_bundle *b = fx_rego_compile(NULL, NULL);
	char query[4096];
	long n;

	(void)state;
	assert_int_equal(writ_rego_http_cache_new(0, 0, &c), WRIT_OK);
	h.cache = c;
	snprintf(query, sizeof(query), "%s",
	    qf("x := http.send({\"method\": \"get\", \"url\": \"@/json\", \"cache\": true, "
	       "\"force_cache\": true, \"force_cache_duration_seconds\": 1}).body.list"));
	for (n = 1; n < 5000; n++) {
		struct writ_rego_eval_opts o = {.query = query, .http = &h};
		struct writ_rego_error err;
		struct writ_buf out;
		bool fired;
		writ_rc rc;

		writ_buf_init(&out, 0);
		writ_fault_set(n);
		rc = writ_rego_eval(b, &o, &out, &err);
		fired = writ_fault_fired();
		writ_fault_set(0);
		if (rc != WRIT_OK)
			assert_true(rc == WRIT_ENOMEM || rc == WRIT_ELIMIT);
		writ_buf_free(&out);
		if (!fired) {
			assert_int_equal(rc, WRIT_OK);
			break;
		}
	}
	assert_true(n < 5000);
	writ_rego_http_cache_free(c);
	writ_rego_bundle_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_hosts),
	    cmocka_unit_test(test_get_json),
	    cmocka_unit_test(test_post),
	    cmocka_unit_test(test_redirect),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_timeouts),
	    cmocka_unit_test(test_intra_query),
	    cmocka_unit_test(test_inter_query),
	    cmocka_unit_test(test_cache_bounds),
	    cmocka_unit_test(test_body_limit),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_faults),
	};

	/* Requests to 127.0.0.1 must not go through a proxy from the environment. */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	return cmocka_run_group_tests(tests, srv_start, srv_stop);
}
