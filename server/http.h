/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP/1.1 server layer: listeners, worker threads, connections, keep-alive,
 * pipelining, responses, and the incremental request parser they use.
 *
 * A server owns N worker threads, each with its own event_base.  Every listener
 * has one SO_REUSEPORT socket per worker, so the kernel spreads connections over
 * the workers and a connection lives on one thread for its whole life.  The
 * handler is called synchronously on that thread with a parsed request; it fills
 * a response, or defers it and completes it later from any thread.
 *
 * The parser works in place on a buffer the caller owns: it NUL-terminates the
 * method, path, query, header names and values where they lie, and de-chunks a
 * chunked body inside the same buffer, so a request costs no copies and no
 * allocations.  It is a fuzz target (fuzz/fuzz_http_request.c).
 */
#ifndef WRIT_SERVER_HTTP_H
#define WRIT_SERVER_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "writ/base.h"

struct writ_tls_config;

/* ---------------------------------------------------------------------------
 * Requests and responses.
 */

enum writ_http_method {
	WRIT_HTTP_OTHER = 0, /* a syntactically valid method we do not serve (501) */
	WRIT_HTTP_GET,
	WRIT_HTTP_HEAD,
	WRIT_HTTP_POST,
	WRIT_HTTP_PUT,
	WRIT_HTTP_PATCH,
	WRIT_HTTP_DELETE,
	WRIT_HTTP_LIST,
	WRIT_HTTP_OPTIONS,
};

/* One header field.  Both strings are NUL-terminated and lie in the request buffer. */
struct writ_http_header {
	const char *name;  /* as received (case preserved) */
	const char *value; /* leading and trailing whitespace removed */
	size_t name_len;
	size_t value_len;
};

/*
 * A parsed request.  Every pointer is borrowed and valid until the handler
 * returns, or for a deferred request until writ_http_defer_complete().
 */
struct writ_http_req {
	enum writ_http_method method;
	const char *method_str; /* as received, NUL-terminated */
	size_t method_len;
	const char *path; /* raw (still percent-encoded) path, NUL-terminated */
	size_t path_len;
	const char *query; /* raw query after '?', "" if none; NUL-terminated */
	size_t query_len;
	int version_minor; /* 0 for HTTP/1.0, 1 for HTTP/1.1 (and 1.x) */
	struct writ_http_header *headers;
	size_t nheaders;
	const char *body; /* de-chunked body; not NUL-terminated; NULL when empty */
	size_t body_len;
	bool keep_alive;      /* the client allows another request on this connection */
	bool chunked;         /* the body came with Transfer-Encoding: chunked */
	bool expect_continue; /* the client sent Expect: 100-continue */

	/* Filled by the server, not by the parser. */
	const char *remote_addr; /* peer IP address text ("127.0.0.1", "::1") */
	uint16_t remote_port;
	bool tls;                 /* the request came over TLS */
	X509 *peer_cert;          /* verified client certificate or NULL (borrowed) */
	const char *spiffe_id;    /* its spiffe:// URI SAN, or NULL */
	struct writ_arena *arena; /* per-request arena, reset after the response */
	void *conn;               /* private to the server */
};

#define WRIT_HTTP_RESP_MAX_HEADERS 16

/*
 * A response for the handler to fill.  The server zeroes it before the call:
 * status 0 means 200 (or 204 when there is no body).
 */
struct writ_http_resp {
	int status;
	const char *content_type;  /* NULL = "application/json" when there is a body */
	const char *cache_control; /* NULL = "no-store"; "" = send none */
	/* Body: freed by the server with writ_free() unless body_borrowed. */
	void *body;
	size_t body_len;
	bool body_borrowed; /* body is not ours: the server copies it */
	bool close;         /* close the connection after this response */
	/* Extra headers, borrowed until the response is written (use writ_http_resp_header). */
	struct {
		const char *name;
		const char *value;
	} headers[WRIT_HTTP_RESP_MAX_HEADERS];
	size_t nheaders;
};

/*
 * The request handler.  Called on a worker thread; req and resp are borrowed
 * (see struct writ_http_req).  It may block briefly (an fsync group commit):
 * other connections of the same worker wait meanwhile, those of other workers
 * do not.  To answer later, call writ_http_defer() before returning.
 */
typedef void (*writ_http_handler_fn)(
    struct writ_http_req *req, struct writ_http_resp *resp, void *arg);

/* First header called name (case-insensitive), or NULL.  Thread safety: as req. */
const char *writ_http_req_header(const struct writ_http_req *req, const char *name);

/* Method name for an enum value ("GET"); "OTHER" for WRIT_HTTP_OTHER. */
const char *writ_http_method_name(enum writ_http_method m);

/*
 * Percent-decode src[0..len) into out (which may be src itself; it needs len+1
 * bytes) and NUL-terminate it.  plus_space turns '+' into ' ' (query strings).
 * Returns WRIT_EINVAL on a malformed escape or an encoded NUL ("%00"); out is
 * then unspecified.  *outlen (may be NULL) receives the decoded length.
 */
WRIT_MUST_CHECK writ_rc writ_http_pct_decode(
    const char *src, size_t len, char *out, size_t *outlen, bool plus_space);

/*
 * Add a response header.  name must be a token and value must not contain CR,
 * LF or NUL (no response splitting).  Both are borrowed until the response is
 * written.  Returns WRIT_EINVAL for a bad name or value, WRIT_ELIMIT when
 * WRIT_HTTP_RESP_MAX_HEADERS are already set.
 */
WRIT_MUST_CHECK writ_rc writ_http_resp_header(
    struct writ_http_resp *resp, const char *name, const char *value);

/* The reason phrase for a status ("Not Found"); "Status" for unknown codes. */
const char *writ_http_status_reason(int status);

/*
 * Make resp a JSON error {"errors":[msg]} with status.  msg is escaped.  Any
 * previous body is released.  Returns WRIT_ENOMEM if the body could not be
 * allocated (resp then carries status with an empty body).
 */
WRIT_MUST_CHECK writ_rc writ_http_resp_error(
    struct writ_http_resp *resp, int status, const char *msg);

/* ---------------------------------------------------------------------------
 * Deferred responses.
 */
struct writ_http_defer;

/*
 * Called by the handler (on the worker thread) before it returns: the response
 * will be sent when writ_http_defer_complete() is called.  Until then req and
 * resp stay valid, the connection reads nothing more (pipelined requests wait,
 * so responses stay in order) and no timeout closes it.  Never NULL.
 */
struct writ_http_defer *writ_http_defer(struct writ_http_req *req);
/* The response to fill before completing.  Any thread, before completion. */
struct writ_http_resp *writ_http_defer_resp(struct writ_http_defer *d);
/*
 * Send the response.  Thread safe; call exactly once per writ_http_defer().
 * d, req and resp must not be used afterwards.  writ_http_run() does not
 * return while deferred requests are outstanding.
 */
void writ_http_defer_complete(struct writ_http_defer *d);

/* ---------------------------------------------------------------------------
 * Server.
 */

/* Every field: 0 means the default shown. */
struct writ_http_config {
	unsigned nthreads;          /* worker threads, 8 */
	unsigned max_conns;         /* open connections over all workers, 4096 */
	size_t max_header_bytes;    /* request line + headers, 64 KiB */
	size_t max_headers;         /* header fields, 100 */
	size_t max_uri;             /* request target, 8 KiB */
	size_t max_body;            /* de-chunked body, 32 MiB */
	size_t arena_cap;           /* per-request arena cap, 64 MiB */
	uint32_t read_timeout_ms;   /* whole request (and TLS handshake), 30 s */
	uint32_t idle_timeout_ms;   /* keep-alive idle, 65 s */
	uint32_t shutdown_grace_ms; /* writ_http_stop waits for busy connections, 10 s */
	int backlog;                /* listen(2) backlog, 511 */
};

#define WRIT_HTTP_MAX_LISTENERS 8

struct writ_http_server;

/*
 * Create a server.  cfg (borrowed, may be NULL for all defaults) is copied.
 * fn is called with arg for every request of the listeners writ_http_listen
 * opens (writ_http_listen_handler gives a listener its own).  *out is set on success.
 * Returns WRIT_EINVAL (bad config), WRIT_ENOMEM, WRIT_EIO (event base, pipe).
 * Not thread safe with other calls on the same server.
 */
WRIT_MUST_CHECK writ_rc writ_http_server_new(const struct writ_http_config *cfg,
    writ_http_handler_fn fn, void *arg, struct writ_http_server **out, struct writ_err *err);

/*
 * Listen on addr ("127.0.0.1:8200", "[::1]:8200", "0.0.0.0:0"; port 0 picks an
 * ephemeral port) with TLS when tls is not NULL (borrowed; files are read now).
 * Returns the bound port in *port (may be NULL).  Call before writ_http_run().
 * Returns WRIT_EINVAL (address), WRIT_EIO (socket, bind), WRIT_ECRYPTO (TLS
 * files), WRIT_ELIMIT (more than WRIT_HTTP_MAX_LISTENERS).
 */
WRIT_MUST_CHECK writ_rc writ_http_listen(struct writ_http_server *srv, const char *addr,
    const struct writ_tls_config *tls, uint16_t *port, struct writ_err *err);

/*
 * As writ_http_listen, but the requests of this listener go to fn with arg
 * instead of the server's handler (the decision listener has its own
 * router; both share the workers, limits and connection handling).
 * WRIT_EINVAL when fn is NULL.
 */
WRIT_MUST_CHECK writ_rc writ_http_listen_handler(struct writ_http_server *srv, const char *addr,
    const struct writ_tls_config *tls, writ_http_handler_fn fn, void *arg, uint16_t *port,
    struct writ_err *err);

/*
 * Run the workers and block until writ_http_stop().  Then stop accepting,
 * close idle connections, let busy ones finish (up to shutdown_grace_ms;
 * deferred requests always), and return.  Workers block all signals (a write
 * to a closed peer is EPIPE, never SIGPIPE), so signals reach the calling
 * thread, whose handler may call writ_http_stop().  Returns WRIT_EIO when a
 * thread could not be started.  Call once.
 */
WRIT_MUST_CHECK writ_rc writ_http_run(struct writ_http_server *srv, struct writ_err *err);

/*
 * Ask writ_http_run() to return.  Async-signal-safe and thread safe: it only
 * write(2)s a byte to a pipe.  May be called before writ_http_run().
 */
void writ_http_stop(struct writ_http_server *srv);

/* Free the server (after writ_http_run() returned, or if it never ran); accepts NULL. */
void writ_http_server_free(struct writ_http_server *srv);

/* ---------------------------------------------------------------------------
 * The request parser (exposed for tests and the fuzz target).
 */

struct writ_http_limits {
	size_t max_header_bytes;
	size_t max_headers;
	size_t max_uri;
	size_t max_body;
};

enum writ_http_parse_rc {
	WRIT_HTTP_PARSE_AGAIN = 0, /* need more bytes */
	WRIT_HTTP_PARSE_DONE,      /* one request is complete */
	WRIT_HTTP_PARSE_ERROR,     /* malformed or over a limit: status and error say why */
};

/*
 * Parser state.  Set up with writ_http_parser_init(); the fields after
 * "private" are not for callers.
 */
struct writ_http_parser {
	struct writ_http_limits lim;
	struct writ_http_header *hdrs; /* caller's array for req->headers */
	size_t hdrs_cap;
	/* Results. */
	size_t consumed;   /* DONE: bytes of the buffer this request used */
	int status;        /* ERROR: HTTP status to answer (400, 413, 414, 417, 431, 501, 505) */
	const char *error; /* ERROR: stable client-facing message */
	/* private */
	int state;
	size_t lead; /* empty lines skipped before the request line */
	size_t scan; /* where to resume looking for a line end */
	bool line1;  /* the request line's end has been seen */
	size_t head_len;
	size_t pos;      /* chunked: next raw byte */
	size_t body_end; /* chunked: end of the de-chunked body so far */
	uint64_t chunk_left;
	uint64_t content_length;
	size_t trailer_len;
	uintptr_t base; /* buffer address when the head was parsed */
	struct writ_http_req req;
};

/*
 * Prepare p for a new connection.  lim (borrowed, copied) holds the limits;
 * hdrs[hdrs_cap] (borrowed, kept) receives the headers of each request, so at
 * most min(lim->max_headers, hdrs_cap) are accepted.
 */
void writ_http_parser_init(struct writ_http_parser *p, const struct writ_http_limits *lim,
    struct writ_http_header *hdrs, size_t hdrs_cap);

/* Prepare p for the next request on the same connection. */
void writ_http_parser_reset(struct writ_http_parser *p);

/*
 * Parse the request whose first byte is buf[0], given the *len bytes received
 * so far.  Call again with the same bytes plus more after AGAIN; the buffer may
 * have moved (been reallocated) in between.  The parser writes into buf (NULs,
 * de-chunking) and may shrink *len by compacting chunk framing away; bytes
 * after the request are kept, moved down if needed.
 *
 * DONE: *req is filled (pointers into buf) and p->consumed bytes belong to
 * this request; the next request starts at buf + p->consumed after a reset.
 * ERROR: p->status and p->error are set; the stream cannot be resynchronised.
 * Any state: p->req.expect_continue with the head complete (see
 * writ_http_parser_want_continue) lets a server send 100 Continue.
 */
enum writ_http_parse_rc writ_http_parse(
    struct writ_http_parser *p, char *buf, size_t *len, struct writ_http_req *req);

/* True once the head is parsed and the request waits for a body it asked to send with 100-continue. */
bool writ_http_parser_want_continue(const struct writ_http_parser *p);

/* True when the parser has seen bytes of a request it has not finished. */
bool writ_http_parser_started(const struct writ_http_parser *p);

#endif /* WRIT_SERVER_HTTP_H */
