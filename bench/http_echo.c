/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Throughput probe for the HTTP layer: a server whose handler answers every
 * request with 204 on 127.0.0.1:18300 (or argv[1]).  Compare against nginx
 * with `wrk -t1 -c32 -d5s http://127.0.0.1:18300/204`.  WRIT_BENCH_THREADS
 * sets the worker count (default: the server's default, 8).  With
 * WRIT_BENCH_CERT and WRIT_BENCH_KEY (PEM files) it also serves HTTPS on
 * 127.0.0.1:18301.
 *
 * Built by bench/CMakeLists.txt as bench_http_echo, or on its own:
 *   gcc -O2 -std=c11 -D_DEFAULT_SOURCE -Iinclude -Ilib -Iserver lib/base/\*.c \
 *       server/http*.c server/tls.c bench/http_echo.c $(pkg-config --cflags --libs \
 *       libevent libevent_openssl jansson) -lssl -lcrypto -lpthread -o /tmp/http_echo
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"

#include "http.h"
#include "tls.h"

static struct writ_http_server *g_srv;

static void
on_signal(int sig)
{
	(void)sig;
	writ_http_stop(g_srv);
}

static void
handle(struct writ_http_req *req, struct writ_http_resp *resp, void *arg)
{
	(void)req;
	(void)arg;
	resp->status = 204;
}

int
main(int argc, char **argv)
{
	struct writ_http_config cfg;
	struct writ_tls_config tls;
	struct writ_err err;
	const char *addr = argc > 1 ? argv[1] : "127.0.0.1:18300";
	const char *threads = getenv("WRIT_BENCH_THREADS");
	uint64_t n = 0;
	uint16_t port;

	memset(&cfg, 0, sizeof(cfg));
	memset(&tls, 0, sizeof(tls));
	if (threads != NULL && writ_parse_u64(threads, strlen(threads), &n) == WRIT_OK)
		cfg.nthreads = (unsigned)n;
	if (writ_http_server_new(&cfg, handle, NULL, &g_srv, &err) != WRIT_OK ||
	    writ_http_listen(g_srv, addr, NULL, &port, &err) != WRIT_OK) {
		fprintf(stderr, "http_echo: %s\n", err.msg);
		return 1;
	}
	tls.cert_file = getenv("WRIT_BENCH_CERT");
	tls.key_file = getenv("WRIT_BENCH_KEY");
	if (tls.cert_file != NULL && tls.key_file != NULL &&
	    writ_http_listen(g_srv, "127.0.0.1:18301", &tls, &port, &err) != WRIT_OK) {
		fprintf(stderr, "http_echo: %s\n", err.msg);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "http_echo: listening\n");
	if (writ_http_run(g_srv, &err) != WRIT_OK)
		fprintf(stderr, "http_echo: %s\n", err.msg);
	writ_http_server_free(g_srv);
	return 0;
}
