/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The unary gRPC server (grpc.h): worker threads and listeners as in
 * http.c, one nghttp2 server session per connection on a bufferevent
 * (a socket, or OpenSSL for TLS), and gRPC framing on top of HTTP/2 streams.
 *
 * A stream collects its request headers and its body (bounded by
 * max_recv_msg plus the 5-byte prefix and by a per-connection budget); when
 * it ends, the call is checked (method, content type, framing), the handler
 * runs, and the reply is queued as HEADERS, DATA and trailing HEADERS.
 * Errors are "trailers-only" responses: one HEADERS frame with grpc-status.
 * A stream answered before the client finished sending (a message too
 * large, or a rejected request whose body outgrows any message) is then
 * reset with NO_ERROR, so the client stops sending and the server stops
 * buffering.  Other rejected requests (not POST, not gRPC, an unknown
 * method) are answered when they end, their bodies dropped meanwhile.
 *
 * Everything a connection owns is freed from libevent callbacks only, never
 * from inside an nghttp2 callback.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <nghttp2/nghttp2.h>

#include "writ/base.h"

#include "grpc.h"
#include "net.h"
#include "tls.h"

#define DEF_THREADS      2
#define DEF_MAX_CONNS    1024
#define DEF_MAX_MSG      (4u << 20)
#define DEF_ARENA_CAP    (64u << 20)
#define DEF_STREAMS      100
#define DEF_HEADER_BYTES (16u << 10)
#define DEF_IDLE_MS      300000
#define DEF_BACKLOG      511
#define MAX_THREADS      1024
#define OUT_HIGH         (1u << 20) /* stop producing frames above this much queued output */
#define STOP_FLUSH_MS    200        /* how long a stopping worker lets GOAWAYs drain */
#define PREFIX           5          /* compressed flag + 4-byte big-endian length */
/* Request bytes one connection may hold in unfinished streams. */
#define CONN_BUDGET(cfg) (4 * ((cfg)->max_recv_msg + PREFIX))

struct worker;

enum reject {
	R_NONE = 0,
	R_METHOD,       /* not POST: HTTP 405 */
	R_CONTENT_TYPE, /* not application/grpc: HTTP 415 */
	R_UNKNOWN,      /* no such gRPC method: UNIMPLEMENTED */
};

struct gstream {
	LIST_ENTRY(gstream) link;
	int32_t id;
	struct gconn *c;
	char path[256];
	bool path_long; /* :path did not fit: no method has such a name */
	bool post;
	bool grpc_ct;
	bool answered; /* a response is queued; further input is dropped */
	bool early;    /* answered before the client finished: reset once sent */
	int reject;    /* not a call (enum reject): its body is dropped, answered at its end */
	size_t dropped;
	size_t hdr_bytes;
	struct writ_buf body; /* prefix + message as received */
	struct writ_buf out;  /* prefix + reply message */
	size_t out_off;
	int status;
	char message[256];
};

struct gconn {
	TAILQ_ENTRY(gconn) link;
	struct worker *w;
	struct bufferevent *bev;
	nghttp2_session *ng;
	struct writ_arena *arena;
	LIST_HEAD(, gstream) streams; /* nghttp2_session_del does not close them */
	size_t buffered;              /* request bytes held by this connection's streams */
	bool tls;
	bool goaway; /* sent on an idle timeout: the next one closes */
	X509 *peer;
	char *spiffe;
	uint16_t remote_port;
	char remote[48];
};

TAILQ_HEAD(gconn_list, gconn);

struct wlistener {
	struct worker *w;
	SSL_CTX *tls;
	struct evconnlistener *el;
};

struct worker {
	struct writ_grpc_server *srv;
	struct event_base *base;
	pthread_t thread;
	bool started;
	int wake[2];
	struct event *wake_ev;
	struct gconn_list conns;
	struct wlistener lis[WRIT_GRPC_MAX_LISTENERS];
	unsigned nlis;
};

struct writ_grpc_server {
	struct writ_grpc_config cfg;
	struct writ_grpc_method methods[WRIT_GRPC_MAX_METHODS];
	size_t nmethods;
	struct worker *workers;
	unsigned nworkers;
	SSL_CTX *tls[WRIT_GRPC_MAX_LISTENERS];
	unsigned nlis;
	nghttp2_session_callbacks *cbs;
	atomic_uint nconns;
	atomic_bool stopping;
	bool started;
};

static writ_rc config_apply(struct writ_grpc_config *c, const struct writ_grpc_config *in);
static writ_rc callbacks_new(nghttp2_session_callbacks **out);
static writ_rc worker_init(struct worker *w, struct writ_grpc_server *srv, struct writ_err *err);
static void worker_fini(struct worker *w);
static void *worker_main(void *arg);
static void on_wake(evutil_socket_t fd, short what, void *arg);
static void on_accept(
    struct evconnlistener *el, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg);
static writ_rc conn_new(
    struct worker *w, evutil_socket_t fd, const struct sockaddr *sa, SSL_CTX *tls);
static void conn_free(struct gconn *c);
static void conn_send(struct gconn *c);
static void on_read(struct bufferevent *bev, void *arg);
static void on_write(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);
static void stream_free(struct gstream *s);
static void stream_answer(struct gstream *s, int status, const char *fmt, ...) WRIT_PRINTF(3, 4);
static void stream_http_error(struct gstream *s, const char *status);
static void stream_dispatch(struct gstream *s);

/* ---------------------------------------------------------------------------
 * Server life cycle.
 */

static writ_rc
config_apply(struct writ_grpc_config *c, const struct writ_grpc_config *in)
{
	memset(c, 0, sizeof(*c));
	if (in != NULL)
		*c = *in;
	c->nthreads = c->nthreads ? c->nthreads : DEF_THREADS;
	c->max_conns = c->max_conns ? c->max_conns : DEF_MAX_CONNS;
	c->max_recv_msg = c->max_recv_msg ? c->max_recv_msg : DEF_MAX_MSG;
	c->max_send_msg = c->max_send_msg ? c->max_send_msg : DEF_MAX_MSG;
	c->arena_cap = c->arena_cap ? c->arena_cap : DEF_ARENA_CAP;
	c->max_streams = c->max_streams ? c->max_streams : DEF_STREAMS;
	c->max_header_bytes = c->max_header_bytes ? c->max_header_bytes : DEF_HEADER_BYTES;
	c->idle_timeout_ms = c->idle_timeout_ms ? c->idle_timeout_ms : DEF_IDLE_MS;
	c->backlog = c->backlog > 0 ? c->backlog : DEF_BACKLOG;
	if (c->nthreads > MAX_THREADS || c->max_recv_msg > UINT32_MAX ||
	    c->max_send_msg > UINT32_MAX || c->max_streams > 1u << 20)
		return WRIT_EINVAL;
	return WRIT_OK;
}

writ_rc
writ_grpc_server_new(const struct writ_grpc_config *cfg, const struct writ_grpc_method *methods,
    size_t nmethods, struct writ_grpc_server **out, struct writ_err *err)
{
	struct writ_grpc_server *srv;
	writ_rc rc;
	unsigned i;

	if (nmethods == 0 || nmethods > WRIT_GRPC_MAX_METHODS)
		return WRIT_ERR(
		    err, WRIT_EINVAL, "grpc: between 1 and %d methods", WRIT_GRPC_MAX_METHODS);
	if ((srv = writ_calloc(1, sizeof(*srv))) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "grpc: out of memory");
	atomic_init(&srv->nconns, 0);
	atomic_init(&srv->stopping, false);
	memcpy(srv->methods, methods, nmethods * sizeof(*methods));
	srv->nmethods = nmethods;
	if (config_apply(&srv->cfg, cfg) != WRIT_OK) {
		rc = WRIT_ERR(err, WRIT_EINVAL, "grpc: configuration out of range");
		goto out;
	}
	if (callbacks_new(&srv->cbs) != WRIT_OK ||
	    (srv->workers = writ_calloc(srv->cfg.nthreads, sizeof(*srv->workers))) == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "grpc: out of memory");
		goto out;
	}
	for (i = 0; i < srv->cfg.nthreads; i++) {
		srv->nworkers++;
		if ((rc = worker_init(&srv->workers[i], srv, err)) != WRIT_OK)
			goto out;
	}
	*out = srv;
	srv = NULL;
	rc = WRIT_OK;
out:
	writ_grpc_server_free(srv);
	return rc;
}

void
writ_grpc_server_free(struct writ_grpc_server *srv)
{
	unsigned i;

	if (srv == NULL)
		return;
	writ_grpc_stop(srv);
	for (i = 0; i < srv->nworkers; i++)
		worker_fini(&srv->workers[i]);
	writ_free(srv->workers);
	for (i = 0; i < srv->nlis; i++)
		SSL_CTX_free(srv->tls[i]);
	if (srv->cbs != NULL)
		nghttp2_session_callbacks_del(srv->cbs);
	writ_free(srv);
}

static writ_rc
make_pipe(int fds[2])
{
	int i;

	if (pipe(fds) != 0)
		return WRIT_EIO;
	for (i = 0; i < 2; i++) {
		int fl = fcntl(fds[i], F_GETFL);

		if (fl < 0 || fcntl(fds[i], F_SETFL, fl | O_NONBLOCK) != 0 ||
		    fcntl(fds[i], F_SETFD, FD_CLOEXEC) != 0) {
			close(fds[0]);
			close(fds[1]);
			fds[0] = fds[1] = -1;
			return WRIT_EIO;
		}
	}
	return WRIT_OK;
}

static writ_rc
worker_init(struct worker *w, struct writ_grpc_server *srv, struct writ_err *err)
{
	struct event_config *ec;

	w->srv = srv;
	w->wake[0] = w->wake[1] = -1;
	TAILQ_INIT(&w->conns);
	if ((ec = event_config_new()) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "grpc: out of memory");
	event_config_set_flag(ec, EVENT_BASE_FLAG_NOLOCK);
	w->base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (w->base == NULL)
		return WRIT_ERR(err, WRIT_EIO, "grpc: cannot create event base");
	if (make_pipe(w->wake) != WRIT_OK)
		return WRIT_ERR(err, WRIT_EIO, "grpc: pipe: %s", strerror(errno));
	if ((w->wake_ev = event_new(w->base, w->wake[0], EV_READ | EV_PERSIST, on_wake, w)) ==
	        NULL ||
	    event_add(w->wake_ev, NULL) != 0)
		return WRIT_ERR(err, WRIT_EIO, "grpc: cannot add events");
	return WRIT_OK;
}

static void
worker_fini(struct worker *w)
{
	struct gconn *c;
	unsigned i;

	if (w->srv == NULL)
		return;
	while ((c = TAILQ_FIRST(&w->conns)) != NULL)
		conn_free(c);
	for (i = 0; i < w->nlis; i++)
		if (w->lis[i].el != NULL)
			evconnlistener_free(w->lis[i].el);
	if (w->wake_ev != NULL)
		event_free(w->wake_ev);
	if (w->base != NULL)
		event_base_free(w->base);
	if (w->wake[0] >= 0) {
		close(w->wake[0]);
		close(w->wake[1]);
	}
	w->srv = NULL;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

writ_rc
writ_grpc_start(struct writ_grpc_server *srv, struct writ_err *err)
{
	sigset_t all, old;
	unsigned i;
	int e = 0;

	if (srv->started)
		return WRIT_ERR(err, WRIT_EINVAL, "grpc: started twice");
	srv->started = true;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < srv->nworkers && e == 0; i++) {
		e = pthread_create(&srv->workers[i].thread, NULL, worker_main, &srv->workers[i]);
		srv->workers[i].started = e == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		writ_grpc_stop(srv);
		return WRIT_ERR(err, WRIT_EIO, "grpc: cannot start thread: %s", strerror(e));
	}
	return WRIT_OK;
}

void
writ_grpc_stop(struct writ_grpc_server *srv)
{
	unsigned i;
	ssize_t n;

	if (srv == NULL || atomic_exchange(&srv->stopping, true))
		return;
	for (i = 0; i < srv->nworkers; i++) {
		n = write(srv->workers[i].wake[1], "s", 1);
		(void)n; /* EAGAIN: a wake-up is already pending */
	}
	for (i = 0; i < srv->nworkers; i++) {
		if (srv->workers[i].started)
			pthread_join(srv->workers[i].thread, NULL);
		srv->workers[i].started = false;
	}
}

/* Stop: no more connections, GOAWAY to the open ones, exit once they had a moment. */
static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct timeval tv = {0, STOP_FLUSH_MS * 1000};
	struct gconn *c, *next;
	char drain[16];
	unsigned i;

	(void)what;
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	if (!atomic_load(&w->srv->stopping))
		return;
	for (i = 0; i < w->nlis; i++) {
		if (w->lis[i].el != NULL)
			evconnlistener_free(w->lis[i].el);
		w->lis[i].el = NULL;
	}
	for (c = TAILQ_FIRST(&w->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		nghttp2_submit_goaway(c->ng, NGHTTP2_FLAG_NONE,
		    nghttp2_session_get_last_proc_stream_id(c->ng), NGHTTP2_NO_ERROR, NULL, 0);
		conn_send(c);
	}
	event_base_loopexit(w->base, TAILQ_EMPTY(&w->conns) ? NULL : &tv);
}

/* ---------------------------------------------------------------------------
 * Listeners and connections.
 */

/* ALPN: h2 only (gRPC); a client that offers none still gets HTTP/2 (prior knowledge). */
static int
alpn_h2(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
    unsigned inlen, void *arg)
{
	static const unsigned char h2[] = "\x02h2";
	unsigned char *sel;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, h2, sizeof(h2) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

writ_rc
writ_grpc_listen(struct writ_grpc_server *srv, const char *addr, const struct writ_tls_config *tls,
    uint16_t *port, struct writ_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	SSL_CTX *ctx = NULL;
	int fd;
	unsigned i;
	writ_rc rc;

	if (srv->nlis >= WRIT_GRPC_MAX_LISTENERS)
		return WRIT_ERR(err, WRIT_ELIMIT, "grpc: too many listeners");
	if ((rc = writ_net_parse_addr("grpc", addr, &ss, &sslen, err)) != WRIT_OK)
		return rc;
	if (tls != NULL) {
		if ((rc = writ_tls_ctx_new(tls, &ctx, err)) != WRIT_OK)
			return rc;
		SSL_CTX_set_alpn_select_cb(ctx, alpn_h2, NULL);
	}
	srv->tls[srv->nlis++] = ctx; /* freed with the server */
	for (i = 0; i < srv->nworkers; i++) {
		struct worker *w = &srv->workers[i];
		struct wlistener *wl = &w->lis[w->nlis];

		if ((rc = writ_net_listen(
		         "grpc", &ss, sslen, i == 0, srv->cfg.backlog, &fd, err)) != WRIT_OK)
			return rc;
		wl->w = w;
		wl->tls = ctx;
		wl->el = evconnlistener_new(
		    w->base, on_accept, wl, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
		if (wl->el == NULL) {
			close(fd);
			return WRIT_ERR(err, WRIT_ENOMEM, "grpc: cannot create listener");
		}
		w->nlis++;
	}
	if (port != NULL)
		*port = writ_net_port(&ss);
	return WRIT_OK;
}

static void
on_accept(struct evconnlistener *el, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct wlistener *wl = arg;
	struct writ_grpc_server *srv = wl->w->srv;

	(void)el;
	(void)salen;
	if (atomic_fetch_add(&srv->nconns, 1) >= srv->cfg.max_conns) {
		atomic_fetch_sub(&srv->nconns, 1);
		evutil_closesocket(fd);
		return;
	}
	if (conn_new(wl->w, fd, sa, wl->tls) != WRIT_OK)
		atomic_fetch_sub(&srv->nconns, 1);
}

/* Our SETTINGS, sent first on every connection. */
static int
send_settings(struct gconn *c)
{
	const struct writ_grpc_config *cfg = &c->w->srv->cfg;
	nghttp2_settings_entry iv[] = {
	    {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, cfg->max_streams},
	    {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, (uint32_t)cfg->max_header_bytes},
	};

	return nghttp2_submit_settings(c->ng, NGHTTP2_FLAG_NONE, iv, WRIT_ARRAY_LEN(iv));
}

/* Set up a connection on fd, which it owns from now on (closed on failure too). */
static writ_rc
conn_new(struct worker *w, evutil_socket_t fd, const struct sockaddr *sa, SSL_CTX *tls)
{
	const struct writ_grpc_config *cfg = &w->srv->cfg;
	struct timeval idle = {cfg->idle_timeout_ms / 1000, (cfg->idle_timeout_ms % 1000) * 1000};
	struct gconn *c;
	SSL *ssl;
	int one = 1;

	if ((c = writ_calloc(1, sizeof(*c))) == NULL) {
		evutil_closesocket(fd);
		return WRIT_ENOMEM;
	}
	c->w = w;
	c->tls = tls != NULL;
	LIST_INIT(&c->streams);
	writ_net_peer(sa, c->remote, sizeof(c->remote), &c->remote_port);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (tls == NULL) {
		c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	} else if ((ssl = SSL_new(tls)) != NULL) {
		c->bev = bufferevent_openssl_socket_new(
		    w->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		if (c->bev == NULL)
			SSL_free(ssl);
		else
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	}
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		goto fail;
	}
	if ((c->arena = writ_arena_new(cfg->arena_cap, 0)) == NULL ||
	    nghttp2_session_server_new(&c->ng, w->srv->cbs, c) != 0 || send_settings(c) != 0)
		goto fail;
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0)
		goto fail;
	TAILQ_INSERT_TAIL(&w->conns, c, link);
	conn_send(c);
	return WRIT_OK;
fail:
	if (c->ng != NULL)
		nghttp2_session_del(c->ng);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	writ_arena_free(c->arena);
	writ_free(c);
	return WRIT_ENOMEM;
}

static void
conn_free(struct gconn *c)
{
	struct writ_grpc_server *srv = c->w->srv;
	struct gstream *s;

	TAILQ_REMOVE(&c->w->conns, c, link);
	nghttp2_session_del(c->ng);
	while ((s = LIST_FIRST(&c->streams)) != NULL)
		stream_free(s);
	bufferevent_free(c->bev); /* closes the socket (and frees the SSL) */
	X509_free(c->peer);
	writ_free(c->spiffe);
	writ_arena_free(c->arena);
	writ_free(c);
	atomic_fetch_sub(&srv->nconns, 1);
}

/* Write what nghttp2 has queued, up to OUT_HIGH; close when both sides are done. */
static void
conn_send(struct gconn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	const uint8_t *data;
	ssize_t n;

	while (evbuffer_get_length(out) < OUT_HIGH) {
		if ((n = nghttp2_session_mem_send(c->ng, &data)) < 0) {
			writ_log(WRIT_LOG_DEBUG, "grpc: %s:%u: %s", c->remote, c->remote_port,
			    nghttp2_strerror((int)n));
			conn_free(c);
			return;
		}
		if (n == 0)
			break;
		if (bufferevent_write(c->bev, data, (size_t)n) != 0) {
			conn_free(c);
			return;
		}
	}
	if (!nghttp2_session_want_read(c->ng) && !nghttp2_session_want_write(c->ng) &&
	    evbuffer_get_length(out) == 0)
		conn_free(c);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct gconn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;

	while ((len = evbuffer_get_contiguous_space(in)) > 0) {
		ssize_t n = nghttp2_session_mem_recv(c->ng, evbuffer_pullup(in, (ssize_t)len), len);

		if (n < 0) {
			writ_log(WRIT_LOG_DEBUG, "grpc: %s:%u: %s", c->remote, c->remote_port,
			    nghttp2_strerror((int)n));
			conn_free(c);
			return;
		}
		evbuffer_drain(in, len);
	}
	conn_send(c);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_send(arg);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct gconn *c = arg;
	SSL *ssl;

	if (what & BEV_EVENT_CONNECTED) {
		ssl = bufferevent_openssl_get_ssl(bev);
		if (ssl != NULL && (c->peer = writ_tls_verified_peer(ssl)) != NULL &&
		    writ_tls_spiffe_id(c->peer, &c->spiffe) == WRIT_ENOMEM)
			conn_free(c); /* never serve a peer as less than it proved to be */
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		unsigned long e = c->tls ? bufferevent_get_openssl_error(bev) : 0;
		char reason[160];

		if (e != 0) {
			ERR_error_string_n(e, reason, sizeof(reason));
			writ_log(WRIT_LOG_DEBUG, "grpc: %s:%u: tls: %s", c->remote, c->remote_port,
			    reason);
		}
	}
	if ((what & BEV_EVENT_TIMEOUT) && !c->goaway) {
		/* Idle: say goodbye properly; conn_send closes once it is written. */
		c->goaway = true;
		nghttp2_submit_goaway(c->ng, NGHTTP2_FLAG_NONE,
		    nghttp2_session_get_last_proc_stream_id(c->ng), NGHTTP2_NO_ERROR, NULL, 0);
		bufferevent_enable(bev, EV_READ);
		conn_send(c);
		return;
	}
	/* EOF, an error, or a second idle timeout. */
	conn_free(c);
}

/* ---------------------------------------------------------------------------
 * nghttp2 callbacks: streams.
 */

static struct gstream *
stream_of(nghttp2_session *ng, int32_t id)
{
	return nghttp2_session_get_stream_user_data(ng, id);
}

static int
on_begin_headers(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
	struct gconn *c = arg;
	struct gstream *s;

	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	if ((s = writ_calloc(1, sizeof(*s))) == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* resets the stream */
	s->id = frame->hd.stream_id;
	s->c = c;
	writ_buf_init(&s->body, 0);
	writ_buf_init(&s->out, 0);
	LIST_INSERT_HEAD(&c->streams, s, link);
	if (nghttp2_session_set_stream_user_data(ng, s->id, s) != 0) {
		stream_free(s);
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	return 0;
}

static bool
eq(const uint8_t *p, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(p, s, len) == 0;
}

static int
on_header(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
    const uint8_t *value, size_t valuelen, uint8_t flags, void *arg)
{
	struct gconn *c = arg;
	struct gstream *s = stream_of(ng, frame->hd.stream_id);

	(void)flags;
	if (s == NULL)
		return 0;
	s->hdr_bytes += namelen + valuelen + 32;
	if (s->hdr_bytes > c->w->srv->cfg.max_header_bytes)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	if (frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0; /* trailers of the request: nothing we use */
	if (eq(name, namelen, ":method")) {
		s->post = eq(value, valuelen, "POST");
	} else if (eq(name, namelen, ":path")) {
		s->path_long = valuelen >= sizeof(s->path);
		if (!s->path_long) {
			memcpy(s->path, value, valuelen);
			s->path[valuelen] = '\0';
		}
	} else if (eq(name, namelen, "content-type")) {
		/* application/grpc, application/grpc+proto, application/grpc;... */
		s->grpc_ct = valuelen >= 16 && memcmp(value, "application/grpc", 16) == 0 &&
		    (valuelen == 16 || value[16] == '+' || value[16] == ';');
	}
	return 0;
}

static const struct writ_grpc_method *
method_of(const struct writ_grpc_server *srv, const struct gstream *s)
{
	size_t i;

	for (i = 0; !s->path_long && i < srv->nmethods; i++)
		if (strcmp(srv->methods[i].path, s->path) == 0)
			return &srv->methods[i];
	return NULL;
}

/*
 * The request headers are in: note what cannot become a call.  It is answered
 * when the request ends (answering at once and resetting the stream would race
 * the body some clients are still sending), its body dropped meanwhile.
 */
static void
stream_headers_done(struct gstream *s)
{
	if (!s->post)
		s->reject = R_METHOD;
	else if (!s->grpc_ct)
		s->reject = R_CONTENT_TYPE;
	else if (method_of(s->c->w->srv, s) == NULL)
		s->reject = R_UNKNOWN;
}

static void
stream_reject(struct gstream *s)
{
	if (s->reject == R_METHOD)
		stream_http_error(s, "405");
	else if (s->reject == R_CONTENT_TYPE)
		stream_http_error(s, "415");
	else
		stream_answer(s, WRIT_GRPC_UNIMPLEMENTED, "unknown method %s",
		    s->path_long ? "(too long)" : s->path);
}

static uint32_t
prefix_len(const struct writ_buf *b)
{
	const unsigned char *p = (const unsigned char *)b->ptr;

	return (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4];
}

static int
on_data_chunk(
    nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data, size_t len, void *arg)
{
	struct gconn *c = arg;
	struct gstream *s = stream_of(ng, id);
	const struct writ_grpc_config *cfg = &c->w->srv->cfg;
	size_t head, rest;

	(void)flags;
	if (s == NULL || s->answered)
		return 0; /* dropped: the answer is out */
	if (s->reject != R_NONE) {
		/* Dropped; a body larger than any message is cut short. */
		if ((s->dropped += len) > cfg->max_recv_msg + PREFIX)
			stream_reject(s);
		return 0;
	}
	/* The prefix first, so a message too large is refused before it is buffered. */
	head = s->body.len < PREFIX ? PREFIX - s->body.len : 0;
	head = head < len ? head : len;
	rest = len - head;
	if (head > 0) {
		if (writ_buf_append(&s->body, data, head) != WRIT_OK)
			goto nomem;
		c->buffered += head;
		if (s->body.len == PREFIX && prefix_len(&s->body) > cfg->max_recv_msg) {
			stream_answer(s, WRIT_GRPC_RESOURCE_EXHAUSTED,
			    "grpc: received message larger than max (%u vs. %zu)",
			    prefix_len(&s->body), cfg->max_recv_msg);
			return 0;
		}
	}
	if (rest == 0)
		return 0;
	if (s->body.len + rest > cfg->max_recv_msg + PREFIX) {
		/* The first message fits (its prefix said so): more follow. */
		stream_answer(s, WRIT_GRPC_INTERNAL, "grpc: more than one request message");
		return 0;
	}
	if (c->buffered + rest > CONN_BUDGET(cfg)) {
		stream_answer(s, WRIT_GRPC_RESOURCE_EXHAUSTED, "grpc: too much data in flight");
		return 0;
	}
	if (writ_buf_append(&s->body, data + head, rest) != WRIT_OK)
		goto nomem;
	c->buffered += rest;
	return 0;
nomem:
	stream_answer(s, WRIT_GRPC_RESOURCE_EXHAUSTED, "out of memory");
	return 0;
}

static int
on_frame_recv(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
	struct gstream *s;

	(void)arg;
	if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA)
		return 0;
	if ((s = stream_of(ng, frame->hd.stream_id)) == NULL)
		return 0;
	if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
		stream_headers_done(s);
	if ((frame->hd.flags & NGHTTP2_FLAG_END_STREAM) && !s->answered) {
		if (s->reject != R_NONE)
			stream_reject(s);
		else
			stream_dispatch(s);
	}
	return 0;
}

/* Once an early answer is sent, reset the stream so the client stops sending. */
static int
on_frame_send(nghttp2_session *ng, const nghttp2_frame *frame, void *arg)
{
	struct gstream *s;

	(void)arg;
	if (frame->hd.type != NGHTTP2_HEADERS || !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM) ||
	    (s = stream_of(ng, frame->hd.stream_id)) == NULL)
		return 0;
	if (s->early && !nghttp2_session_get_stream_remote_close(ng, s->id))
		nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_NO_ERROR);
	return 0;
}

static int
on_stream_close(nghttp2_session *ng, int32_t id, uint32_t code, void *arg)
{
	struct gstream *s = stream_of(ng, id);

	(void)code;
	(void)arg;
	if (s != NULL) {
		nghttp2_session_set_stream_user_data(ng, id, NULL);
		stream_free(s);
	}
	return 0;
}

static void
stream_free(struct gstream *s)
{
	LIST_REMOVE(s, link);
	s->c->buffered -= s->body.len;
	writ_buf_free(&s->body);
	writ_buf_free(&s->out);
	writ_free(s);
}

static writ_rc
callbacks_new(nghttp2_session_callbacks **out)
{
	nghttp2_session_callbacks *cb;

	if (nghttp2_session_callbacks_new(&cb) != 0)
		return WRIT_ENOMEM;
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	*out = cb;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Calls and responses.
 */

void
writ_grpc_message_encode(const char *msg, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *msg != '\0' && n + 4 <= len; msg++) {
		unsigned char ch = (unsigned char)*msg;

		if (ch >= 0x20 && ch <= 0x7e && ch != '%') {
			buf[n++] = (char)ch;
		} else {
			buf[n++] = '%';
			buf[n++] = hex[ch >> 4];
			buf[n++] = hex[ch & 0xf];
		}
	}
	if (len > 0)
		buf[n < len ? n : len - 1] = '\0';
}

#define NV(n, v)                                                                                \
	{                                                                                       \
		(uint8_t *)(uintptr_t)(n), (uint8_t *)(uintptr_t)(v), sizeof(n) - 1, strlen(v), \
		    NGHTTP2_NV_FLAG_NONE                                                        \
	}

/* Drop the request body: the stream is answered. */
static void
stream_done(struct gstream *s)
{
	s->answered = true;
	s->c->buffered -= s->body.len;
	writ_buf_free(&s->body);
	writ_buf_init(&s->body, 0);
	s->early = !nghttp2_session_get_stream_remote_close(s->c->ng, s->id);
}

/* A trailers-only response: one HEADERS frame with the status. */
static void
stream_answer(struct gstream *s, int status, const char *fmt, ...)
{
	char text[256], enc[768], code[12];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	writ_grpc_message_encode(text, enc, sizeof(enc));
	snprintf(code, sizeof(code), "%d", status);
	{
		nghttp2_nv nv[] = {
		    NV(":status", "200"),
		    NV("content-type", "application/grpc"),
		    NV("grpc-status", code),
		    NV("grpc-message", enc),
		};

		stream_done(s);
		if (nghttp2_submit_response(s->c->ng, s->id, nv, WRIT_ARRAY_LEN(nv), NULL) != 0)
			nghttp2_submit_rst_stream(
			    s->c->ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
	}
	writ_log(WRIT_LOG_DEBUG, "grpc: %s:%u: %s: status %d: %s", s->c->remote, s->c->remote_port,
	    s->path, status, text);
}

/* Not a gRPC request at all: an HTTP status and nothing else. */
static void
stream_http_error(struct gstream *s, const char *status)
{
	nghttp2_nv nv[] = {NV(":status", status)};

	stream_done(s);
	if (nghttp2_submit_response(s->c->ng, s->id, nv, WRIT_ARRAY_LEN(nv), NULL) != 0)
		nghttp2_submit_rst_stream(
		    s->c->ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
}

static ssize_t
read_reply(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
    nghttp2_data_source *src, void *arg)
{
	struct gstream *s = src->ptr;
	size_t n = s->out.len - s->out_off;

	(void)arg;
	if (n > len)
		n = len;
	memcpy(buf, s->out.ptr + s->out_off, n);
	s->out_off += n;
	if (s->out_off == s->out.len) {
		nghttp2_nv trailers[] = {NV("grpc-status", "0")};

		*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
		if (nghttp2_submit_trailer(ng, id, trailers, WRIT_ARRAY_LEN(trailers)) != 0)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	return (ssize_t)n;
}

/* The framing of a complete request body: one uncompressed message. */
static bool
check_frame(struct gstream *s)
{
	const unsigned char *p = (const unsigned char *)s->body.ptr;
	uint32_t n;

	if (s->body.len == 0) {
		stream_answer(s, WRIT_GRPC_INTERNAL, "grpc: no request message");
		return false;
	}
	if (s->body.len < PREFIX) {
		stream_answer(s, WRIT_GRPC_INTERNAL, "grpc: truncated message prefix");
		return false;
	}
	if (p[0] == 1) {
		stream_answer(
		    s, WRIT_GRPC_UNIMPLEMENTED, "grpc: compressed messages are not supported");
		return false;
	}
	if (p[0] != 0) {
		stream_answer(s, WRIT_GRPC_INTERNAL, "grpc: bad compressed flag %u", p[0]);
		return false;
	}
	n = prefix_len(&s->body);
	if (s->body.len - PREFIX < n) {
		stream_answer(s, WRIT_GRPC_INTERNAL, "grpc: truncated message (%zu of %u bytes)",
		    s->body.len - PREFIX, n);
		return false;
	}
	if (s->body.len - PREFIX > n) {
		stream_answer(s, WRIT_GRPC_INTERNAL, "grpc: more than one request message");
		return false;
	}
	return true;
}

/* The request is complete: run the call and queue its answer. */
static void
stream_dispatch(struct gstream *s)
{
	struct gconn *c = s->c;
	const struct writ_grpc_config *cfg = &c->w->srv->cfg;
	const struct writ_grpc_method *m = method_of(c->w->srv, s);
	struct writ_grpc_call call;
	struct writ_buf reply;
	nghttp2_data_provider dp;
	nghttp2_nv nv[] = {
	    NV(":status", "200"),
	    NV("content-type", "application/grpc"),
	    NV("grpc-accept-encoding", "identity"),
	};
	unsigned char *p;

	if (m == NULL || !check_frame(s))
		return;
	writ_buf_init(&reply, cfg->max_send_msg + 1);
	memset(&call, 0, sizeof(call));
	call.method = s->path;
	call.msg = (const uint8_t *)s->body.ptr + PREFIX;
	call.msg_len = s->body.len - PREFIX;
	call.remote_addr = c->remote;
	call.remote_port = c->remote_port;
	call.tls = c->tls;
	call.spiffe_id = c->spiffe;
	call.arena = c->arena;
	call.reply = &reply;
	m->fn(&call, m->arg);
	writ_arena_reset(c->arena);
	if (call.status == WRIT_GRPC_OK && reply.len > cfg->max_send_msg) {
		call.status = WRIT_GRPC_RESOURCE_EXHAUSTED;
		snprintf(call.message, sizeof(call.message), "grpc: response larger than max");
	}
	if (call.status != WRIT_GRPC_OK) {
		writ_buf_free(&reply);
		stream_answer(s, call.status, "%s", call.message);
		return;
	}
	/* prefix + message */
	stream_done(s);
	if (writ_buf_append(&s->out, "\0\0\0\0\0", PREFIX) != WRIT_OK ||
	    writ_buf_append(&s->out, reply.ptr, reply.len) != WRIT_OK) {
		writ_buf_free(&reply);
		s->answered = false;
		stream_answer(s, WRIT_GRPC_RESOURCE_EXHAUSTED, "out of memory");
		return;
	}
	writ_buf_free(&reply);
	p = (unsigned char *)s->out.ptr;
	p[1] = (unsigned char)((s->out.len - PREFIX) >> 24);
	p[2] = (unsigned char)((s->out.len - PREFIX) >> 16);
	p[3] = (unsigned char)((s->out.len - PREFIX) >> 8);
	p[4] = (unsigned char)(s->out.len - PREFIX);
	dp.source.ptr = s;
	dp.read_callback = read_reply;
	if (nghttp2_submit_response(c->ng, s->id, nv, WRIT_ARRAY_LEN(nv), &dp) != 0)
		nghttp2_submit_rst_stream(c->ng, NGHTTP2_FLAG_NONE, s->id, NGHTTP2_INTERNAL_ERROR);
}
