/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A unary gRPC server: HTTP/2 with nghttp2 on libevent, cleartext with prior
 * knowledge (what Envoy's gRPC clients speak to a plain cluster) or TLS with
 * ALPN h2, and gRPC's length-prefixed messages with grpc-status trailers.
 * It serves Envoy's ext_authz Check (server/ext_authz.c); the method table
 * makes it the place for other unary services too.
 *
 * Threads as in the HTTP/1.1 server (http.h): N workers, each with its own
 * event_base and one SO_REUSEPORT socket per listener, a connection staying on
 * one worker.  A call is complete when its stream ends; the handler runs then,
 * synchronously on the worker, and its reply is queued on the stream.
 *
 * What a client gets back:
 *   - an unknown :path: grpc-status 12 UNIMPLEMENTED;
 *   - a compressed message: 12 UNIMPLEMENTED (only identity is accepted,
 *     grpc-accept-encoding says so); a bad flag byte, a truncated frame, no
 *     message or more than one: 13 INTERNAL;
 *   - a message over max_recv_msg: 8 RESOURCE_EXHAUSTED, as soon as its
 *     length prefix arrives (the rest is not buffered; the stream is reset);
 *   - a request that is not POST or not application/grpc: HTTP 405 or 415;
 *   - HTTP/2 protocol errors: nghttp2 answers them (RST_STREAM, GOAWAY).
 * Limits: concurrent streams per connection, header bytes per stream, bytes
 * buffered per connection, connections, an idle timeout, an arena cap per call.
 */
#ifndef WRIT_SERVER_GRPC_H
#define WRIT_SERVER_GRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ/base.h"

struct writ_tls_config;

/* gRPC status codes (grpc/doc/statuscodes.md). */
enum writ_grpc_status {
	WRIT_GRPC_OK = 0,
	WRIT_GRPC_CANCELLED = 1,
	WRIT_GRPC_UNKNOWN = 2,
	WRIT_GRPC_INVALID_ARGUMENT = 3,
	WRIT_GRPC_PERMISSION_DENIED = 7,
	WRIT_GRPC_RESOURCE_EXHAUSTED = 8,
	WRIT_GRPC_UNIMPLEMENTED = 12,
	WRIT_GRPC_INTERNAL = 13,
	WRIT_GRPC_UNAVAILABLE = 14,
};

/*
 * One unary call as the handler sees it.  Everything is borrowed for the
 * duration of the handler; the handler sets status (and message when it is
 * not OK) and, on OK, appends the serialized response message to reply.
 */
struct writ_grpc_call {
	const char *method; /* the :path, "/package.Service/Method" */
	const uint8_t *msg; /* the request message, without its 5-byte prefix */
	size_t msg_len;
	const char *remote_addr; /* peer IP address text */
	uint16_t remote_port;
	bool tls;
	const char *spiffe_id;    /* the verified mTLS peer's SPIFFE ID, or NULL */
	struct writ_arena *arena; /* per call, reset afterwards; capped (arena_cap) */
	/* The answer. */
	int status;             /* enum writ_grpc_status; 0 (OK) when untouched */
	char message[256];      /* grpc-message when status is not OK */
	struct writ_buf *reply; /* the response message (OK only) */
};

typedef void (*writ_grpc_unary_fn)(struct writ_grpc_call *call, void *arg);

/* A method served: exact :path, its handler and the handler's argument (borrowed). */
struct writ_grpc_method {
	const char *path;
	writ_grpc_unary_fn fn;
	void *arg;
};

#define WRIT_GRPC_MAX_METHODS   16
#define WRIT_GRPC_MAX_LISTENERS 4

/* Every field: 0 means the default shown. */
struct writ_grpc_config {
	unsigned nthreads;        /* worker threads, 2 */
	unsigned max_conns;       /* open connections over all workers, 1024 */
	size_t max_recv_msg;      /* request message bytes, 4 MiB (grpc-go's default) */
	size_t max_send_msg;      /* response message bytes, 4 MiB */
	size_t arena_cap;         /* per-call arena, 64 MiB */
	uint32_t max_streams;     /* concurrent streams per connection, 100 */
	size_t max_header_bytes;  /* header names and values per stream, 16 KiB */
	uint32_t idle_timeout_ms; /* a connection with nothing to read, 300 s */
	int backlog;              /* listen(2) backlog, 511 */
};

struct writ_grpc_server;

/*
 * Create a server for the methods (borrowed, copied; at most
 * WRIT_GRPC_MAX_METHODS).  cfg (borrowed, may be NULL) is copied.  Returns
 * WRIT_EINVAL (bad config or methods), WRIT_ENOMEM, WRIT_EIO (event base,
 * pipe).  Not thread safe with other calls on the same server.
 */
WRIT_MUST_CHECK writ_rc writ_grpc_server_new(const struct writ_grpc_config *cfg,
    const struct writ_grpc_method *methods, size_t nmethods, struct writ_grpc_server **out,
    struct writ_err *err);

/*
 * Listen on addr ("127.0.0.1:9191", "[::1]:9191"; port 0 picks one) with TLS
 * when tls is not NULL (borrowed; files are read now; ALPN offers h2).  The
 * bound port goes to *port (may be NULL).  Call before writ_grpc_start().
 * Returns WRIT_EINVAL, WRIT_EIO, WRIT_ECRYPTO, WRIT_ELIMIT.
 */
WRIT_MUST_CHECK writ_rc writ_grpc_listen(struct writ_grpc_server *srv, const char *addr,
    const struct writ_tls_config *tls, uint16_t *port, struct writ_err *err);

/*
 * Start the worker threads (with every signal blocked) and return.  Returns
 * WRIT_EIO when a thread could not be started (none is left running).  Call once.
 */
WRIT_MUST_CHECK writ_rc writ_grpc_start(struct writ_grpc_server *srv, struct writ_err *err);

/*
 * Stop accepting, send GOAWAY on every connection, give the workers a moment
 * to flush it, and join them.  Calls already running finish first (handlers
 * are synchronous).  Call from the thread that called writ_grpc_start; a
 * server that never started is fine.
 */
void writ_grpc_stop(struct writ_grpc_server *srv);

/* Free the server (stopped, or never started); accepts NULL. */
void writ_grpc_server_free(struct writ_grpc_server *srv);

/*
 * Percent-encode msg for a grpc-message trailer (bytes outside 0x20..0x7e and
 * '%' become %XX) into buf[len]; truncated to fit.  Exposed for tests.
 */
void writ_grpc_message_encode(const char *msg, char *buf, size_t len);

#endif /* WRIT_SERVER_GRPC_H */
