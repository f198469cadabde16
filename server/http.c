/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP/1.1 server: worker threads, listeners, connections and responses.
 *
 * Threads.  writ_http_run() starts cfg.nthreads workers, each running its own
 * event_base, and then sleeps reading the stop pipe.  Every listener owns one
 * SO_REUSEPORT socket per worker, so the kernel hashes new connections over
 * the workers with no shared accept queue, no lock and no hand-off between
 * threads; a connection stays on its worker.  One acceptor handing out
 * descriptors round-robin balances a few long-lived connections more evenly,
 * but costs a cross-thread wake-up per connection; under wrk -c32 it was no
 * faster with keep-alive and slower for new connections.  Bases are created
 * without locks because no other thread ever touches them: deferred
 * completions and the stop request reach a worker through its wake pipe.
 *
 * Connections.  Plain TCP connections are driven by two raw events: reads go
 * straight into the connection's input buffer, where the parser works in
 * place, and responses are built in an evbuffer and written with one writev as
 * soon as the batch of readable requests has been handled, so a keep-alive
 * request costs one read and one write in the common case.  TLS connections
 * use bufferevent_openssl; their input is copied from the bufferevent into the
 * same input buffer.  Pipelined requests are answered in order; a deferred
 * request stops the connection until it completes.
 *
 * Timeouts.  Each connection has one deadline: read_timeout from the first
 * byte of a request (and from accept, covering the TLS handshake), idle_timeout
 * between requests.  A per-worker sweep closes expired connections, so the
 * request path only stores a number.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "writ/base.h"

#include "http.h"
#include "net.h"
#include "tls.h"

#define DEF_THREADS      8
#define DEF_MAX_CONNS    4096
#define DEF_HEADER_BYTES (64u * 1024)
#define DEF_HEADERS      100
#define DEF_URI          (8u * 1024)
#define DEF_BODY         (32u * 1024 * 1024)
#define DEF_ARENA_CAP    (64u * 1024 * 1024)
#define DEF_READ_MS      30000
#define DEF_IDLE_MS      65000
#define DEF_GRACE_MS     10000
#define DEF_BACKLOG      511
#define MAX_THREADS      1024

#define IBUF_INIT     8192
#define IBUF_MIN_READ 2048               /* grow or compact below this much free space */
#define IBUF_KEEP     (64u * 1024)       /* an idle connection keeps at most this */
#define OUT_HIGH      (1u * 1024 * 1024) /* pause pipelined parsing above this output */
#define BODY_COPY_MAX 16384              /* smaller bodies are copied next to the head */
#define LINGER_MS     2000
#define FLUSH_MS      5000

enum cstate {
	C_READING = 0, /* parsing requests */
	C_HANDLER,     /* inside the handler */
	C_DEFERRED,    /* waiting for writ_http_defer_complete */
	C_CLOSING,     /* an error was answered; flush, then close */
	C_LINGER,      /* write side shut; draining input until EOF */
};

struct worker;

struct conn {
	TAILQ_ENTRY(conn) link;
	struct worker *w;
	evutil_socket_t fd;
	struct bufferevent *bev; /* TLS only */
	struct event *rev;       /* plain only */
	struct event *wev;       /* plain only */
	struct evbuffer *out;    /* plain: ours; TLS: the bufferevent's */
	char *ibuf;
	size_t ilen, icap, ioff;
	struct writ_http_parser parser;
	struct writ_http_req req;
	struct writ_http_resp resp;
	struct writ_arena *arena;
	X509 *peer;
	char *spiffe;
	enum cstate state;
	uint64_t deadline;
	bool in_request;  /* bytes of an unfinished request are buffered */
	bool close_after; /* close once the output is flushed */
	bool paused;      /* too much output: parse no more until it drains */
	bool eof;
	bool zombie; /* freed while deferred: free on completion */
	bool rev_on, wev_on;
	bool tls_ready;
	bool sent_continue;
	struct conn *done_next;      /* the worker's completed-deferred list */
	const struct wlistener *lis; /* accepted on: its handler serves the requests */
	uint16_t remote_port;
	char remote[INET6_ADDRSTRLEN];
	struct writ_http_header hdrs[]; /* cfg.max_headers */
};

TAILQ_HEAD(conn_list, conn);

struct wlistener {
	struct worker *w;
	SSL_CTX *tls;
	writ_http_handler_fn fn; /* this listener's router */
	void *arg;
	struct evconnlistener *el;
	bool disabled; /* after an accept error (EMFILE); retried by the sweep */
};

struct worker {
	struct writ_http_server *srv;
	struct event_base *base;
	pthread_t thread;
	bool started;
	int wake[2];
	struct event *wake_ev;
	struct event *sweep_ev;
	pthread_mutex_t mu;
	struct conn *done; /* completed deferred requests, under mu */
	struct conn_list conns;
	unsigned ndeferred;
	struct wlistener lis[WRIT_HTTP_MAX_LISTENERS];
	unsigned nlis;
	bool stopping;
	uint64_t stop_deadline;
	time_t date_sec;
	char date[64];
	size_t date_len;
};

struct writ_http_server {
	struct writ_http_config cfg;
	struct writ_http_limits lim;
	writ_http_handler_fn fn;
	void *arg;
	struct worker *workers;
	unsigned nworkers;
	SSL_CTX *tls[WRIT_HTTP_MAX_LISTENERS];
	unsigned nlis;
	int stop_pipe[2];
	atomic_uint nconns;
	atomic_bool stopping;
	bool ran;
	uint32_t sweep_ms;
	size_t ibuf_max;
	size_t conn_size;
};

/* Server and workers. */
static writ_rc config_apply(
    struct writ_http_server *srv, const struct writ_http_config *cfg, struct writ_err *err);
static writ_rc make_pipe(int fds[2], bool nonblock_read);
static writ_rc worker_init(struct worker *w, struct writ_http_server *srv, struct writ_err *err);
static void worker_fini(struct worker *w);
static void *worker_main(void *arg);
static void worker_wake(struct worker *w);
static void worker_begin_stop(struct worker *w);
static void worker_maybe_exit(struct worker *w);
static void on_wake(evutil_socket_t fd, short what, void *arg);
static void on_sweep(evutil_socket_t fd, short what, void *arg);
static void stop_workers(struct writ_http_server *srv, unsigned n);
/* Listeners. */
static void on_accept(
    struct evconnlistener *el, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg);
static void on_accept_error(struct evconnlistener *el, void *arg);
/* Connections. */
static writ_rc conn_new(
    struct worker *w, evutil_socket_t fd, const struct sockaddr *sa, const struct wlistener *wl);
static writ_rc conn_io_init(struct conn *c, SSL_CTX *tls);
static void conn_free(struct conn *c);
static void conn_release(struct conn *c);
static void conn_timeout(struct conn *c, uint64_t now);
static bool conn_idle(const struct conn *c);
static writ_rc conn_ibuf_space(struct conn *c, size_t *space);
static void conn_process(struct conn *c);
static void conn_wait_more(struct conn *c);
static void conn_dispatch(struct conn *c);
static void conn_finish(struct conn *c);
static void conn_send_error(struct conn *c, int status, const char *msg);
static void conn_flush(struct conn *c);
static void conn_close_now(struct conn *c);
static void conn_reading(struct conn *c, bool on);
static void conn_writing(struct conn *c, bool on);
static void conn_tls_pull(struct conn *c);
static void on_readable(evutil_socket_t fd, short what, void *arg);
static void on_writable(evutil_socket_t fd, short what, void *arg);
static void linger_read(struct conn *c);
static void on_bev_read(struct bufferevent *bev, void *arg);
static void on_bev_write(struct bufferevent *bev, void *arg);
static void on_bev_event(struct bufferevent *bev, short what, void *arg);
static bool conn_tls_connected(struct conn *c);
/* Responses. */
static bool write_response(
    struct conn *c, const struct writ_http_req *req, struct writ_http_resp *resp);
static bool header_ok(const char *name, const char *value);
static const char *worker_date(struct worker *w, size_t *len);
static char *put(char *p, const char *s, size_t len);
static char *put_str(char *p, const char *s);
static char *put_u64(char *p, uint64_t v);
static void free_body(const void *data, size_t len, void *arg);

/* ---------------------------------------------------------------------------
 * Server life cycle.
 */

static writ_rc
config_apply(struct writ_http_server *srv, const struct writ_http_config *in, struct writ_err *err)
{
	struct writ_http_config c;
	uint32_t m;

	memset(&c, 0, sizeof(c));
	if (in != NULL)
		c = *in;
	c.nthreads = c.nthreads ? c.nthreads : DEF_THREADS;
	c.max_conns = c.max_conns ? c.max_conns : DEF_MAX_CONNS;
	c.max_header_bytes = c.max_header_bytes ? c.max_header_bytes : DEF_HEADER_BYTES;
	c.max_headers = c.max_headers ? c.max_headers : DEF_HEADERS;
	c.max_uri = c.max_uri ? c.max_uri : DEF_URI;
	c.max_body = c.max_body ? c.max_body : DEF_BODY;
	c.arena_cap = c.arena_cap ? c.arena_cap : DEF_ARENA_CAP;
	c.read_timeout_ms = c.read_timeout_ms ? c.read_timeout_ms : DEF_READ_MS;
	c.idle_timeout_ms = c.idle_timeout_ms ? c.idle_timeout_ms : DEF_IDLE_MS;
	c.shutdown_grace_ms = c.shutdown_grace_ms ? c.shutdown_grace_ms : DEF_GRACE_MS;
	c.backlog = c.backlog > 0 ? c.backlog : DEF_BACKLOG;
	if (c.nthreads > MAX_THREADS || c.max_headers > 65536 || c.max_body > SIZE_MAX / 4 ||
	    c.max_header_bytes > SIZE_MAX / 4 || c.max_uri > c.max_header_bytes)
		return WRIT_ERR(err, WRIT_EINVAL, "http: configuration out of range");
	srv->ibuf_max = c.max_header_bytes + c.max_body + 2 * IBUF_INIT;
	if (__builtin_mul_overflow(
	        c.max_headers, sizeof(struct writ_http_header), &srv->conn_size) ||
	    __builtin_add_overflow(srv->conn_size, sizeof(struct conn), &srv->conn_size))
		return WRIT_ERR(err, WRIT_EINVAL, "http: configuration out of range");
	srv->lim.max_header_bytes = c.max_header_bytes;
	srv->lim.max_headers = c.max_headers;
	srv->lim.max_uri = c.max_uri;
	srv->lim.max_body = c.max_body;
	m = c.read_timeout_ms < c.idle_timeout_ms ? c.read_timeout_ms : c.idle_timeout_ms;
	m /= 4;
	srv->sweep_ms = m < 5 ? 5 : m > 1000 ? 1000 : m;
	srv->cfg = c;
	return WRIT_OK;
}

static writ_rc
make_pipe(int fds[2], bool nonblock_read)
{
	int i;

	if (pipe(fds) != 0)
		return WRIT_EIO;
	for (i = 0; i < 2; i++) {
		int fl = fcntl(fds[i], F_GETFL);

		if (i == 1 || nonblock_read)
			fl |= O_NONBLOCK;
		if (fl < 0 || fcntl(fds[i], F_SETFL, fl) != 0 ||
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
worker_init(struct worker *w, struct writ_http_server *srv, struct writ_err *err)
{
	struct event_config *ec;
	struct timeval tv;

	w->srv = srv;
	w->wake[0] = w->wake[1] = -1;
	TAILQ_INIT(&w->conns);
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		return WRIT_ERR(err, WRIT_EIO, "http: mutex");
	if ((ec = event_config_new()) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "http: out of memory");
	event_config_set_flag(ec, EVENT_BASE_FLAG_NOLOCK);
	w->base = event_base_new_with_config(ec);
	event_config_free(ec);
	if (w->base == NULL)
		return WRIT_ERR(err, WRIT_EIO, "http: cannot create event base");
	if (make_pipe(w->wake, true) != WRIT_OK)
		return WRIT_ERR(err, WRIT_EIO, "http: pipe: %s", strerror(errno));
	w->wake_ev = event_new(w->base, w->wake[0], EV_READ | EV_PERSIST, on_wake, w);
	w->sweep_ev = event_new(w->base, -1, EV_PERSIST, on_sweep, w);
	if (w->wake_ev == NULL || w->sweep_ev == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "http: out of memory");
	tv.tv_sec = srv->sweep_ms / 1000;
	tv.tv_usec = (srv->sweep_ms % 1000) * 1000;
	if (event_add(w->wake_ev, NULL) != 0 || event_add(w->sweep_ev, &tv) != 0)
		return WRIT_ERR(err, WRIT_EIO, "http: cannot add events");
	return WRIT_OK;
}

/* Free what worker_init and writ_http_listen made; the thread is gone. */
static void
worker_fini(struct worker *w)
{
	struct conn *c;
	unsigned i;

	if (w->srv == NULL)
		return;
	while ((c = TAILQ_FIRST(&w->conns)) != NULL) {
		c->state = C_CLOSING;
		conn_release(c);
	}
	for (i = 0; i < w->nlis; i++)
		if (w->lis[i].el != NULL)
			evconnlistener_free(w->lis[i].el);
	if (w->wake_ev != NULL)
		event_free(w->wake_ev);
	if (w->sweep_ev != NULL)
		event_free(w->sweep_ev);
	if (w->base != NULL)
		event_base_free(w->base);
	if (w->wake[0] >= 0) {
		close(w->wake[0]);
		close(w->wake[1]);
	}
	pthread_mutex_destroy(&w->mu);
}

writ_rc
writ_http_server_new(const struct writ_http_config *cfg, writ_http_handler_fn fn, void *arg,
    struct writ_http_server **out, struct writ_err *err)
{
	struct writ_http_server *srv;
	writ_rc rc;
	unsigned i;

	if (fn == NULL)
		return WRIT_ERR(err, WRIT_EINVAL, "http: no handler");
	if ((srv = writ_calloc(1, sizeof(*srv))) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "http: out of memory");
	srv->fn = fn;
	srv->arg = arg;
	srv->stop_pipe[0] = srv->stop_pipe[1] = -1;
	atomic_init(&srv->nconns, 0);
	atomic_init(&srv->stopping, false);
	if ((rc = config_apply(srv, cfg, err)) != WRIT_OK)
		goto out;
	if (make_pipe(srv->stop_pipe, false) != WRIT_OK) {
		rc = WRIT_ERR(err, WRIT_EIO, "http: pipe: %s", strerror(errno));
		goto out;
	}
	rc = WRIT_ERR(err, WRIT_ENOMEM, "http: out of memory");
	if ((srv->workers = writ_calloc(srv->cfg.nthreads, sizeof(*srv->workers))) == NULL)
		goto out;
	for (i = 0; i < srv->cfg.nthreads; i++) {
		srv->nworkers++;
		if ((rc = worker_init(&srv->workers[i], srv, err)) != WRIT_OK)
			goto out;
	}
	*out = srv;
	srv = NULL;
	rc = WRIT_OK;
out:
	writ_http_server_free(srv);
	return rc;
}

void
writ_http_server_free(struct writ_http_server *srv)
{
	unsigned i;

	if (srv == NULL)
		return;
	for (i = 0; i < srv->nworkers; i++)
		worker_fini(&srv->workers[i]);
	writ_free(srv->workers);
	for (i = 0; i < srv->nlis; i++)
		SSL_CTX_free(srv->tls[i]);
	if (srv->stop_pipe[0] >= 0) {
		close(srv->stop_pipe[0]);
		close(srv->stop_pipe[1]);
	}
	writ_free(srv);
}

void
writ_http_stop(struct writ_http_server *srv)
{
	int saved = errno;
	ssize_t n;

	n = write(srv->stop_pipe[1], "s", 1);
	(void)n; /* a full pipe already holds a stop request */
	errno = saved;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

/* Tell the first n workers to stop and wait for them. */
static void
stop_workers(struct writ_http_server *srv, unsigned n)
{
	unsigned i;

	atomic_store(&srv->stopping, true);
	for (i = 0; i < n; i++)
		worker_wake(&srv->workers[i]);
	for (i = 0; i < n; i++)
		pthread_join(srv->workers[i].thread, NULL);
}

writ_rc
writ_http_run(struct writ_http_server *srv, struct writ_err *err)
{
	sigset_t all, old;
	unsigned i;
	int e = 0;
	char b;
	ssize_t n;

	if (srv->ran)
		return WRIT_ERR(err, WRIT_EINVAL, "http: writ_http_run called twice");
	srv->ran = true;
	/* Workers block every signal: SIGPIPE becomes EPIPE, the rest go to the caller. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < srv->nworkers; i++) {
		e = pthread_create(&srv->workers[i].thread, NULL, worker_main, &srv->workers[i]);
		if (e != 0)
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		stop_workers(srv, i);
		return WRIT_ERR(err, WRIT_EIO, "http: cannot start thread: %s", strerror(e));
	}
	for (;;) {
		n = read(srv->stop_pipe[0], &b, 1);
		if (n >= 0 || errno != EINTR)
			break;
	}
	stop_workers(srv, srv->nworkers);
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Worker events.
 */

static void
worker_wake(struct worker *w)
{
	ssize_t n = write(w->wake[1], "w", 1);

	(void)n; /* EAGAIN: a wake-up is already pending */
}

static void
on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct conn *c, *next;
	char drain[64];

	(void)what;
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&w->mu);
	c = w->done;
	w->done = NULL;
	pthread_mutex_unlock(&w->mu);
	for (; c != NULL; c = next) {
		next = c->done_next;
		w->ndeferred--;
		c->state = C_READING;
		if (c->zombie) {
			conn_free(c);
			continue;
		}
		conn_reading(c, true);
		conn_finish(c);
		if (c->bev != NULL)
			conn_tls_pull(c);
		else
			conn_process(c);
		conn_flush(c);
	}
	if (atomic_load(&w->srv->stopping) && !w->stopping)
		worker_begin_stop(w);
	worker_maybe_exit(w);
}

/* Stop accepting and close idle connections; busy ones close after their response. */
static void
worker_begin_stop(struct worker *w)
{
	struct conn *c, *next;
	unsigned i;

	w->stopping = true;
	w->stop_deadline = writ_time_mono_ms() + w->srv->cfg.shutdown_grace_ms;
	for (i = 0; i < w->nlis; i++) {
		if (w->lis[i].el != NULL)
			evconnlistener_free(w->lis[i].el);
		w->lis[i].el = NULL;
	}
	for (c = TAILQ_FIRST(&w->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		if (conn_idle(c))
			conn_free(c);
	}
}

static void
worker_maybe_exit(struct worker *w)
{
	if (w->stopping && TAILQ_EMPTY(&w->conns))
		event_base_loopbreak(w->base);
}

static void
on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct conn *c, *next;
	uint64_t now = writ_time_mono_ms();
	bool force = w->stopping && now >= w->stop_deadline;
	unsigned i;

	(void)fd;
	(void)what;
	for (i = 0; i < w->nlis; i++) {
		if (w->lis[i].disabled && w->lis[i].el != NULL) {
			evconnlistener_enable(w->lis[i].el);
			w->lis[i].disabled = false;
		}
	}
	for (c = TAILQ_FIRST(&w->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, link);
		if (c->state == C_DEFERRED || c->state == C_HANDLER)
			continue;
		if (force || (w->stopping && conn_idle(c)))
			conn_free(c);
		else if (now >= c->deadline)
			conn_timeout(c, now);
	}
	worker_maybe_exit(w);
}

/* ---------------------------------------------------------------------------
 * Listeners.
 */

writ_rc
writ_http_listen(struct writ_http_server *srv, const char *addr, const struct writ_tls_config *tls,
    uint16_t *port, struct writ_err *err)
{
	return writ_http_listen_handler(srv, addr, tls, srv->fn, srv->arg, port, err);
}

writ_rc
writ_http_listen_handler(struct writ_http_server *srv, const char *addr,
    const struct writ_tls_config *tls, writ_http_handler_fn fn, void *arg, uint16_t *port,
    struct writ_err *err)
{
	struct sockaddr_storage ss;
	socklen_t sslen = 0;
	SSL_CTX *ctx = NULL;
	evutil_socket_t fd = -1;
	unsigned i;
	writ_rc rc;

	if (fn == NULL)
		return WRIT_ERR(err, WRIT_EINVAL, "http: no handler");
	if (srv->nlis >= WRIT_HTTP_MAX_LISTENERS)
		return WRIT_ERR(err, WRIT_ELIMIT, "http: too many listeners");
	if ((rc = writ_net_parse_addr("http", addr, &ss, &sslen, err)) != WRIT_OK)
		return rc;
	if (tls != NULL && (rc = writ_tls_ctx_new(tls, &ctx, err)) != WRIT_OK)
		return rc;
	srv->tls[srv->nlis++] = ctx; /* freed with the server */
	for (i = 0; i < srv->nworkers; i++) {
		struct worker *w = &srv->workers[i];
		struct wlistener *wl = &w->lis[w->nlis];

		rc = writ_net_listen("http", &ss, sslen, i == 0, srv->cfg.backlog, &fd, err);
		if (rc != WRIT_OK)
			return rc;
		/* writ_net_listen wrote back the bound port: later sockets join it (port 0). */
		wl->w = w;
		wl->tls = ctx;
		wl->fn = fn;
		wl->arg = arg;
		wl->el = evconnlistener_new(
		    w->base, on_accept, wl, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
		if (wl->el == NULL) {
			close(fd);
			return WRIT_ERR(err, WRIT_ENOMEM, "http: cannot create listener");
		}
		evconnlistener_set_error_cb(wl->el, on_accept_error);
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
	struct writ_http_server *srv = wl->w->srv;

	(void)el;
	(void)salen;
	if (atomic_fetch_add(&srv->nconns, 1) >= srv->cfg.max_conns) {
		atomic_fetch_sub(&srv->nconns, 1);
		evutil_closesocket(fd);
		return;
	}
	if (conn_new(wl->w, fd, sa, wl) != WRIT_OK) {
		atomic_fetch_sub(&srv->nconns, 1);
		evutil_closesocket(fd);
	}
}

/* Out of descriptors or memory: pause this listener until the next sweep. */
static void
on_accept_error(struct evconnlistener *el, void *arg)
{
	struct wlistener *wl = arg;

	writ_log(WRIT_LOG_WARN, "http: accept: %s", strerror(errno));
	evconnlistener_disable(el);
	wl->disabled = true;
}

/* ---------------------------------------------------------------------------
 * Connections: life cycle.
 */

/* Set up a connection on fd, which it owns from now on (closed on failure too). */
static writ_rc
conn_new(
    struct worker *w, evutil_socket_t fd, const struct sockaddr *sa, const struct wlistener *wl)
{
	struct writ_http_server *srv = w->srv;
	struct conn *c;
	int one = 1;

	if ((c = writ_calloc(1, srv->conn_size)) == NULL) {
		evutil_closesocket(fd);
		return WRIT_ENOMEM;
	}
	c->w = w;
	c->fd = fd;
	c->lis = wl;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, c->remote, sizeof(c->remote));
		c->remote_port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, c->remote, sizeof(c->remote));
		c->remote_port = ntohs(in6->sin6_port);
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	writ_http_parser_init(&c->parser, &srv->lim, c->hdrs, srv->cfg.max_headers);
	c->deadline = writ_time_mono_ms() + srv->cfg.read_timeout_ms;
	if (conn_io_init(c, wl->tls) != WRIT_OK) {
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		if (c->rev != NULL)
			event_free(c->rev);
		if (c->wev != NULL)
			event_free(c->wev);
		if (c->out != NULL && c->bev == NULL)
			evbuffer_free(c->out);
		writ_free(c);
		return WRIT_ENOMEM;
	}
	TAILQ_INSERT_TAIL(&w->conns, c, link);
	return WRIT_OK;
}

static writ_rc
conn_io_init(struct conn *c, SSL_CTX *tls)
{
	struct event_base *base = c->w->base;
	SSL *ssl;

	if (tls == NULL) {
		c->out = evbuffer_new();
		c->rev = event_new(base, c->fd, EV_READ | EV_PERSIST, on_readable, c);
		c->wev = event_new(base, c->fd, EV_WRITE | EV_PERSIST, on_writable, c);
		if (c->out == NULL || c->rev == NULL || c->wev == NULL)
			return WRIT_ENOMEM;
		conn_reading(c, true);
		return c->rev_on ? WRIT_OK : WRIT_EIO;
	}
	if ((ssl = SSL_new(tls)) == NULL)
		return WRIT_ENOMEM;
	c->bev = bufferevent_openssl_socket_new(
	    base, c->fd, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		SSL_free(ssl);
		return WRIT_ENOMEM;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	bufferevent_setcb(c->bev, on_bev_read, on_bev_write, on_bev_event, c);
	c->out = bufferevent_get_output(c->bev);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0)
		return WRIT_EIO;
	c->rev_on = true;
	return WRIT_OK;
}

/* Close and free now: the connection must not be deferred. */
static void
conn_release(struct conn *c)
{
	struct worker *w = c->w;

	TAILQ_REMOVE(&w->conns, c, link);
	if (c->bev != NULL) {
		bufferevent_free(c->bev);
	} else {
		event_free(c->rev);
		event_free(c->wev);
		evbuffer_free(c->out);
		evutil_closesocket(c->fd);
	}
	if (!c->resp.body_borrowed)
		writ_free(c->resp.body);
	writ_free(c->ibuf);
	writ_arena_free(c->arena);
	X509_free(c->peer);
	writ_free(c->spiffe);
	atomic_fetch_sub(&w->srv->nconns, 1);
	writ_free(c);
}

/*
 * Close a connection.  A deferred one only goes quiet: its request and
 * response belong to someone else until writ_http_defer_complete().
 */
static void
conn_free(struct conn *c)
{
	struct worker *w = c->w;

	if (c->state == C_DEFERRED) {
		c->zombie = true;
		conn_reading(c, false);
		conn_writing(c, false);
		if (c->bev != NULL)
			bufferevent_disable(c->bev, EV_WRITE);
		return;
	}
	conn_release(c);
	worker_maybe_exit(w);
}

static bool
conn_idle(const struct conn *c)
{
	return c->state == C_READING && !c->in_request && c->ioff == c->ilen &&
	    evbuffer_get_length(c->out) == 0;
}

/* The deadline passed: answer 408 to a partial request, else just close. */
static void
conn_timeout(struct conn *c, uint64_t now)
{
	if (c->state == C_READING && c->in_request && evbuffer_get_length(c->out) == 0 &&
	    (c->bev == NULL || c->tls_ready)) {
		conn_send_error(c, 408, "request timeout");
		c->deadline = now + FLUSH_MS;
		conn_flush(c);
		return;
	}
	conn_free(c);
}

/* Turn reading on or off (plain: the read event; TLS: the bufferevent). */
static void
conn_reading(struct conn *c, bool on)
{
	if (c->rev_on == on)
		return;
	if (c->bev != NULL) {
		if (on)
			bufferevent_enable(c->bev, EV_READ);
		else
			bufferevent_disable(c->bev, EV_READ);
	} else if (on) {
		if (event_add(c->rev, NULL) != 0)
			return;
	} else {
		event_del(c->rev);
	}
	c->rev_on = on;
}

/* Plain only: wait for the socket to become writable, or stop waiting. */
static void
conn_writing(struct conn *c, bool on)
{
	if (c->bev != NULL || c->wev_on == on)
		return;
	if (on) {
		if (event_add(c->wev, NULL) != 0)
			return;
	} else {
		event_del(c->wev);
	}
	c->wev_on = on;
}

/* ---------------------------------------------------------------------------
 * Connections: input and requests.
 */

/*
 * Room for the next read: compact, then grow up to the largest possible
 * request.  On failure the request is answered (413 or 503) and closed.
 */
static writ_rc
conn_ibuf_space(struct conn *c, size_t *space)
{
	size_t max = c->w->srv->ibuf_max, ncap;
	char *nb;

	if (c->icap - c->ilen < IBUF_MIN_READ && c->ioff > 0) {
		memmove(c->ibuf, c->ibuf + c->ioff, c->ilen - c->ioff);
		c->ilen -= c->ioff;
		c->ioff = 0;
	}
	if (c->icap - c->ilen < IBUF_MIN_READ && c->icap < max) {
		ncap = c->icap == 0 ? IBUF_INIT : c->icap * 2;
		if (ncap > max || ncap < c->icap)
			ncap = max;
		if ((nb = writ_realloc(c->ibuf, ncap)) == NULL) {
			conn_send_error(c, 503, "out of memory");
			return WRIT_ENOMEM;
		}
		c->ibuf = nb;
		c->icap = ncap;
	}
	if (c->icap == c->ilen) {
		conn_send_error(c, 413, "request too large");
		return WRIT_ELIMIT;
	}
	*space = c->icap - c->ilen;
	return WRIT_OK;
}

/* Parse and answer every complete request in the input buffer, in order. */
static void
conn_process(struct conn *c)
{
	enum writ_http_parse_rc rc;
	size_t len;

	while (c->state == C_READING && !c->paused && !c->close_after && c->ioff < c->ilen) {
		len = c->ilen - c->ioff;
		rc = writ_http_parse(&c->parser, c->ibuf + c->ioff, &len, &c->req);
		c->ilen = c->ioff + len;
		if (rc == WRIT_HTTP_PARSE_AGAIN) {
			conn_wait_more(c);
			return;
		}
		if (rc == WRIT_HTTP_PARSE_ERROR) {
			conn_send_error(c, c->parser.status, c->parser.error);
			return;
		}
		c->ioff += c->parser.consumed;
		c->in_request = false;
		conn_dispatch(c);
		if (evbuffer_get_length(c->out) > OUT_HIGH) {
			c->paused = true;
			conn_reading(c, false);
		}
	}
	if (c->state == C_READING && c->ioff == c->ilen) {
		c->ioff = c->ilen = 0;
		if (c->icap > IBUF_KEEP) {
			writ_free(c->ibuf);
			c->ibuf = NULL;
			c->icap = 0;
		}
		if (!c->in_request)
			c->deadline = writ_time_mono_ms() + c->w->srv->cfg.idle_timeout_ms;
	}
}

/* A request is incomplete: start its clock, and invite the body if asked to. */
static void
conn_wait_more(struct conn *c)
{
	if (!c->in_request) {
		c->in_request = true;
		c->deadline = writ_time_mono_ms() + c->w->srv->cfg.read_timeout_ms;
	}
	if (!c->sent_continue && writ_http_parser_want_continue(&c->parser)) {
		c->sent_continue = true;
		if (evbuffer_add(c->out, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 0)
			conn_send_error(c, 500, "out of memory");
	}
}

static void
conn_dispatch(struct conn *c)
{
	struct writ_http_server *srv = c->w->srv;
	struct writ_http_req *req = &c->req;

	memset(&c->resp, 0, sizeof(c->resp));
	if (c->bev != NULL && !conn_tls_connected(c)) {
		conn_send_error(c, 503, "out of memory");
		return;
	}
	req->remote_addr = c->remote;
	req->remote_port = c->remote_port;
	req->tls = c->bev != NULL;
	req->peer_cert = c->peer;
	req->spiffe_id = c->spiffe;
	req->conn = c;
	if (c->arena == NULL && (c->arena = writ_arena_new(srv->cfg.arena_cap, 0)) == NULL) {
		c->resp.status = 503;
		c->resp.close = true;
	} else if (req->method == WRIT_HTTP_OTHER) {
		if (writ_http_resp_error(&c->resp, 501, "method not implemented") != WRIT_OK)
			c->resp.close = true;
	} else {
		req->arena = c->arena;
		c->state = C_HANDLER;
		c->lis->fn(req, &c->resp, c->lis->arg);
		if (c->state == C_DEFERRED) {
			/*
			 * A plain connection keeps its read event while the
			 * response waits for the disk: on_readable only
			 * buffers (in the space left, as the request still
			 * points into ibuf), which saves an epoll_ctl pair per
			 * write.  TLS: the bufferevent stops reading.
			 */
			if (c->bev != NULL)
				conn_reading(c, false);
			return;
		}
		c->state = C_READING;
	}
	conn_finish(c);
}

/* Queue the response to the current request and get ready for the next one. */
static void
conn_finish(struct conn *c)
{
	if (!write_response(c, &c->req, &c->resp)) {
		c->close_after = true;
		conn_reading(c, false); /* nothing more will be parsed */
	}
	writ_arena_reset(c->arena);
	writ_http_parser_reset(&c->parser);
	c->sent_continue = false;
}

/* Answer a request we cannot parse or serve, then close. */
static void
conn_send_error(struct conn *c, int status, const char *msg)
{
	struct writ_http_req req;
	struct writ_http_resp resp;

	writ_log(WRIT_LOG_DEBUG, "http: %s:%u: %d %s", c->remote, c->remote_port, status, msg);
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	req.version_minor = 1;
	req.method = WRIT_HTTP_GET;
	if (writ_http_resp_error(&resp, status, msg) != WRIT_OK)
		resp.status = status;
	resp.close = true;
	(void)write_response(c, &req, &resp);
	c->close_after = true;
	c->state = C_CLOSING;
	c->deadline = writ_time_mono_ms() + FLUSH_MS;
	conn_reading(c, false);
}

/* ---------------------------------------------------------------------------
 * Connections: output and closing.
 */

/*
 * Write what the socket takes.  Once the output is empty: close if asked to,
 * or resume parsing if too much output had paused it.  May free c.
 */
static void
conn_flush(struct conn *c)
{
	size_t left;
	int n;

	for (;;) {
		left = evbuffer_get_length(c->out);
		if (left > 0 && c->bev != NULL)
			return; /* the bufferevent writes, then calls on_bev_write */
		if (left > 0) {
			n = evbuffer_write(c->out, c->fd);
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
				conn_free(c);
				return;
			}
			if (n < 0 || (size_t)n < left) {
				conn_writing(c, true);
				return;
			}
		}
		conn_writing(c, false);
		if (c->close_after) {
			conn_close_now(c);
			return;
		}
		if (!c->paused || c->state != C_READING)
			return;
		c->paused = false;
		conn_reading(c, true);
		if (c->bev != NULL)
			conn_tls_pull(c);
		else
			conn_process(c);
	}
}

/*
 * The last response is out.  TLS: close.  Plain: shut the write side and read
 * until the client closes (lingering close), so that unread request bytes do
 * not turn our close into a reset that destroys the response in flight.
 */
static void
conn_close_now(struct conn *c)
{
	if (c->bev != NULL || c->eof || shutdown(c->fd, SHUT_WR) != 0) {
		conn_free(c);
		return;
	}
	c->state = C_LINGER;
	c->deadline = writ_time_mono_ms() + LINGER_MS;
	conn_reading(c, true);
}

static void
linger_read(struct conn *c)
{
	char buf[4096];
	ssize_t n;
	int i;

	for (i = 0; i < 16; i++) {
		n = read(c->fd, buf, sizeof(buf));
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		break;
	}
	if (i < 16)
		conn_free(c);
}

/* ---------------------------------------------------------------------------
 * Connections: plain TCP events.
 */

static void
on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	size_t space;
	ssize_t n;

	(void)what;
	if (c->state == C_LINGER) {
		linger_read(c);
		return;
	}
	while (c->rev_on) {
		if (c->state == C_DEFERRED) {
			/* Only the free tail: the deferred request points into ibuf. */
			if ((space = c->icap - c->ilen) == 0) {
				conn_reading(c, false); /* on_wake turns it back on */
				break;
			}
		} else if (conn_ibuf_space(c, &space) != WRIT_OK) {
			break;
		}
		n = read(fd, c->ibuf + c->ilen, space);
		if (n > 0) {
			c->ilen += (size_t)n;
			conn_process(c);
			if ((size_t)n < space)
				break;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		c->eof = true;
		if (n < 0 || c->in_request) {
			conn_free(c);
			return;
		}
		c->close_after = true;
		conn_reading(c, false);
	}
	conn_flush(c);
}

static void
on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	if (c->state == C_READING && !c->in_request)
		c->deadline = writ_time_mono_ms() + c->w->srv->cfg.idle_timeout_ms;
	conn_flush(c);
}

/* ---------------------------------------------------------------------------
 * Connections: TLS events.
 */

/* Move decrypted input into the input buffer and process it, as far as allowed. */
static void
conn_tls_pull(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t space;
	int n;

	for (;;) {
		conn_process(c);
		if (c->state != C_READING || c->paused || c->close_after ||
		    evbuffer_get_length(in) == 0)
			return;
		if (conn_ibuf_space(c, &space) != WRIT_OK)
			return;
		n = evbuffer_remove(in, c->ibuf + c->ilen, space);
		if (n <= 0)
			return;
		c->ilen += (size_t)n;
	}
}

/*
 * Keep the verified client certificate and its SPIFFE ID for every request.
 * False when the ID could not be copied (ENOMEM): the connection must close
 * rather than serve a client as less than it proved to be.
 */
static bool
conn_tls_connected(struct conn *c)
{
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);

	if (c->tls_ready)
		return true;
	c->tls_ready = true;
	if (ssl == NULL || (c->peer = writ_tls_verified_peer(ssl)) == NULL)
		return true;
	return writ_tls_spiffe_id(c->peer, &c->spiffe) != WRIT_ENOMEM;
}

static void
on_bev_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	conn_tls_pull(c);
	conn_flush(c);
}

static void
on_bev_write(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->state == C_READING && !c->in_request)
		c->deadline = writ_time_mono_ms() + c->w->srv->cfg.idle_timeout_ms;
	conn_flush(c);
}

static void
on_bev_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	unsigned long e;
	char reason[160];

	if (what & BEV_EVENT_CONNECTED) {
		if (!conn_tls_connected(c))
			conn_free(c);
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		if ((e = bufferevent_get_openssl_error(bev)) != 0) {
			ERR_error_string_n(e, reason, sizeof(reason));
			writ_log(WRIT_LOG_DEBUG, "http: %s:%u: tls: %s", c->remote, c->remote_port,
			    reason);
		}
	} else if ((what & BEV_EVENT_EOF) && !c->in_request && c->state == C_READING) {
		c->eof = true;
		c->close_after = true;
		conn_reading(c, false);
		conn_flush(c);
		return;
	}
	conn_free(c);
}

/* ---------------------------------------------------------------------------
 * Deferred responses.
 */

struct writ_http_defer *
writ_http_defer(struct writ_http_req *req)
{
	struct conn *c = req->conn;

	assert(c != NULL && c->state == C_HANDLER);
	c->state = C_DEFERRED;
	c->w->ndeferred++;
	return (struct writ_http_defer *)(void *)c;
}

struct writ_http_resp *
writ_http_defer_resp(struct writ_http_defer *d)
{
	return &((struct conn *)(void *)d)->resp;
}

void
writ_http_defer_complete(struct writ_http_defer *d)
{
	struct conn *c = (struct conn *)(void *)d;
	struct worker *w = c->w;

	bool first;

	pthread_mutex_lock(&w->mu);
	first = w->done == NULL;
	c->done_next = w->done;
	w->done = c;
	pthread_mutex_unlock(&w->mu);
	/*
	 * Only the first completion of a run wakes the worker: on_wake takes the
	 * whole list under the mutex, so a non-empty list means a wake-up is
	 * pending or the worker has yet to take the list (a group commit
	 * completes ~25 responses at once: one write(2), not 25).
	 */
	if (first)
		worker_wake(w);
}

/* ---------------------------------------------------------------------------
 * Responses.
 */

static char *
put(char *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return p + len;
}

static char *
put_str(char *p, const char *s)
{
	return put(p, s, strlen(s));
}

static char *
put_u64(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

static void
free_body(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	writ_free((void *)(uintptr_t)data);
}

/* The Date header value, formatted at most once a second per worker. */
static const char *
worker_date(struct worker *w, size_t *len)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {
	    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct timeval tv;
	struct tm tm;
	int n;

	if (event_base_gettimeofday_cached(w->base, &tv) != 0)
		tv.tv_sec = time(NULL);
	if (tv.tv_sec != w->date_sec || w->date_len == 0) {
		time_t t = tv.tv_sec;

		gmtime_r(&t, &tm);
		n = snprintf(w->date, sizeof(w->date), "%s, %02d %s %04d %02d:%02d:%02d GMT",
		    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
		    tm.tm_hour, tm.tm_min, tm.tm_sec);
		w->date_len = n > 0 && (size_t)n < sizeof(w->date) ? (size_t)n : 0;
		w->date_sec = t;
	}
	*len = w->date_len;
	return w->date;
}

/*
 * A header the handler may send: a token name that the server does not set
 * itself, and a value without control characters (no response splitting).
 */
static bool
header_ok(const char *name, const char *value)
{
	static const char *const reserved[] = {
	    "connection", "content-length", "date", "transfer-encoding", "keep-alive", "upgrade"};
	const unsigned char *s;
	size_t i;

	if (name == NULL || value == NULL || *name == '\0')
		return false;
	for (s = (const unsigned char *)name; *s != '\0'; s++)
		if (*s <= 0x20 || *s >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", *s) != NULL)
			return false;
	for (s = (const unsigned char *)value; *s != '\0'; s++)
		if ((*s < 0x20 && *s != '\t') || *s == 0x7f)
			return false;
	for (i = 0; i < WRIT_ARRAY_LEN(reserved); i++)
		if (strcasecmp(name, reserved[i]) == 0)
			return false;
	return true;
}

/* What a response will look like on the wire. */
struct rhead {
	int status;
	const char *ctype;
	const char *cc;
	size_t blen;
	bool nobody;      /* 204 and 304 carry no body and no Content-Length */
	bool send;        /* body bytes follow the head */
	bool inline_body; /* ... copied next to the head */
	bool keep;
};

/* Decide the shape of the response and the bytes its head (and inline body) need. */
static size_t
plan_response(
    struct conn *c, const struct writ_http_req *req, struct writ_http_resp *resp, struct rhead *h)
{
	size_t need = 200, i, datelen;

	(void)worker_date(c->w, &datelen);
	h->blen = resp->body != NULL ? resp->body_len : 0;
	h->status = resp->status != 0 ? resp->status : h->blen > 0 ? 200 : 204;
	if (h->status < 200 || h->status > 599)
		h->status = 500;
	h->nobody = h->status == 204 || h->status == 304;
	h->send = !h->nobody && req->method != WRIT_HTTP_HEAD && h->blen > 0;
	h->inline_body = h->send && (h->blen <= BODY_COPY_MAX || resp->body_borrowed);
	h->keep = req->keep_alive && !resp->close && !c->w->stopping && !c->eof;
	h->ctype = resp->content_type != NULL ? resp->content_type : "application/json";
	h->cc = resp->cache_control != NULL ? resp->cache_control : "no-store";
	if (!header_ok("Content-Type", h->ctype))
		h->ctype = "application/octet-stream";
	if (*h->cc != '\0' && !header_ok("Cache-Control", h->cc))
		h->cc = "no-store";
	need += datelen + strlen(h->ctype) + strlen(h->cc);
	if (resp->nheaders > WRIT_HTTP_RESP_MAX_HEADERS)
		resp->nheaders = WRIT_HTTP_RESP_MAX_HEADERS;
	for (i = 0; i < resp->nheaders; i++) {
		if (!header_ok(resp->headers[i].name, resp->headers[i].value)) {
			writ_log(WRIT_LOG_WARN, "http: dropping an invalid response header");
			resp->headers[i].name = NULL;
			continue;
		}
		need += strlen(resp->headers[i].name) + strlen(resp->headers[i].value) + 4;
	}
	if (h->inline_body && __builtin_add_overflow(need, h->blen, &need))
		need = SIZE_MAX;
	return need;
}

static char *
put_head(struct conn *c, char *p, const struct writ_http_req *req,
    const struct writ_http_resp *resp, const struct rhead *h)
{
	size_t i, datelen;
	const char *date = worker_date(c->w, &datelen);

	p = put(p, "HTTP/1.1 ", 9);
	p = put_u64(p, (uint64_t)h->status);
	*p++ = ' ';
	p = put_str(p, writ_http_status_reason(h->status));
	p = put(p, "\r\nDate: ", 8);
	p = put(p, date, datelen);
	if (*h->cc != '\0') {
		p = put(p, "\r\nCache-Control: ", 17);
		p = put_str(p, h->cc);
	}
	if (!h->nobody) {
		if (h->blen > 0) {
			p = put(p, "\r\nContent-Type: ", 16);
			p = put_str(p, h->ctype);
		}
		p = put(p, "\r\nContent-Length: ", 18);
		p = put_u64(p, h->blen);
	}
	if (!h->keep)
		p = put(p, "\r\nConnection: close", 19);
	else if (req->version_minor == 0)
		p = put(p, "\r\nConnection: keep-alive", 24);
	for (i = 0; i < resp->nheaders; i++) {
		if (resp->headers[i].name == NULL)
			continue;
		p = put(p, "\r\n", 2);
		p = put_str(p, resp->headers[i].name);
		p = put(p, ": ", 2);
		p = put_str(p, resp->headers[i].value);
	}
	return put(p, "\r\n\r\n", 4);
}

/*
 * Append the response to the output: head and small bodies in one reserved
 * extent, large owned bodies by reference (freed once written).  Consumes
 * resp->body.  Returns whether the connection may stay open.
 */
static bool
write_response(struct conn *c, const struct writ_http_req *req, struct writ_http_resp *resp)
{
	struct evbuffer_iovec v;
	struct rhead h;
	size_t need = plan_response(c, req, resp, &h);
	char *p;

	if (need > INT_MAX || evbuffer_reserve_space(c->out, (ev_ssize_t)need, &v, 1) < 1) {
		h.keep = false;
		goto out;
	}
	p = put_head(c, v.iov_base, req, resp, &h);
	if (h.inline_body)
		p = put(p, resp->body, h.blen);
	v.iov_len = (size_t)(p - (char *)v.iov_base);
	assert(v.iov_len <= need);
	if (evbuffer_commit_space(c->out, &v, 1) != 0) {
		h.keep = false;
		goto out;
	}
	if (h.send && !h.inline_body) {
		if (evbuffer_add_reference(c->out, resp->body, h.blen, free_body, NULL) == 0)
			resp->body = NULL; /* the evbuffer frees it */
		else
			h.keep = false; /* the head promised a body we cannot send */
	}
out:
	if (!resp->body_borrowed)
		writ_free(resp->body);
	resp->body = NULL;
	return h.keep;
}

writ_rc
writ_http_resp_header(struct writ_http_resp *resp, const char *name, const char *value)
{
	if (!header_ok(name, value))
		return WRIT_EINVAL;
	if (resp->nheaders >= WRIT_HTTP_RESP_MAX_HEADERS)
		return WRIT_ELIMIT;
	resp->headers[resp->nheaders].name = name;
	resp->headers[resp->nheaders].value = value;
	resp->nheaders++;
	return WRIT_OK;
}
