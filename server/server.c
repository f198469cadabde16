/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ server`: wires the configuration, the store, the core and the HTTP
 * listeners together and runs until SIGINT or SIGTERM.
 *
 * -dev is the embedded default: SQLite and an audit log in a fresh temporary
 * directory, initialised and unsealed at start with one unseal key, root token
 * and unseal key printed, KV v2 at secret/, API on 127.0.0.1:8200, OPA's REST
 * API on 127.0.0.1:8181 and Envoy ext_authz (gRPC) on 127.0.0.1:9191, both
 * deciding with one policy store (-dev-policy-dir as its bundle directory).
 */
#include <sys/stat.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "writ/core.h"
#include "writ/store.h"

#include "commit.h"
#include "config.h"
#include "decision.h"
#include "ext_authz.h"
#include "grpc.h"
#include "http.h"
#include "server.h"
#include "tls.h"

struct server {
	struct writ_store *store;
	struct writ_core *core;
	struct writ_http_server *http;
	struct committer *committer;
	struct decision *decision;
	struct writ_config cfg;
	char devdir[256];
	/* Envoy ext_authz: the gRPC server and what it decides with. */
	struct writ_grpc_server *grpc;
	struct writ_ext_authz authz;
};

static struct writ_http_server *signal_target;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

static void
log_stderr(enum writ_log_level lvl, const char *msg, void *arg)
{
	char ts[48];
	int64_t sec;
	long nsec;
	size_t n;

	(void)arg;
	writ_time_now_ns(&sec, &nsec);
	writ_time_rfc3339(ts, sizeof(ts), sec, 0);
	/* "...T16:09:02Z" -> "...T16:09:02.847Z": milliseconds are enough in a log. */
	n = strlen(ts);
	if (n > 1)
		snprintf(ts + n - 1, sizeof(ts) - (n - 1), ".%03ldZ", nsec / 1000000);
	fprintf(stderr, "%s [%s] %s\n", ts, level_names[lvl], msg);
}

static void
on_signal(int sig)
{
	(void)sig;
	if (signal_target != NULL)
		writ_http_stop(signal_target);
}

/* ---------------------------------------------------------------------------
 * The HTTP handler: HTTP request -> core request -> HTTP response.
 */

static const char *
request_token(const struct writ_http_req *hr)
{
	const char *t = writ_http_req_header(hr, "X-Vault-Token");

	if (t != NULL && t[0] != '\0')
		return t;
	t = writ_http_req_header(hr, "Authorization");
	if (t != NULL && strncasecmp(t, "Bearer ", 7) == 0)
		return t + 7;
	return NULL;
}

static void
handle_http(struct writ_http_req *hr, struct writ_http_resp *resp, void *arg)
{
	struct server *s = arg;
	struct writ_core_in in = {0};
	struct writ_core_out out = {0};
	struct writ_core_ticket ticket;
	struct writ_http_defer *d = NULL;
	char *path;
	size_t len;

	path = writ_arena_alloc(hr->arena, hr->path_len + 1);
	if (path == NULL ||
	    writ_http_pct_decode(hr->path, hr->path_len, path, &len, false) != WRIT_OK) {
		if (writ_http_resp_error(resp, 400, "invalid request path") != WRIT_OK)
			resp->close = true;
		return;
	}
	in.method = hr->method_str;
	in.path = path;
	in.query = hr->query;
	in.token = request_token(hr);
	in.content_type = writ_http_req_header(hr, "Content-Type");
	in.body = hr->body;
	in.bodylen = hr->body_len;
	in.remote_addr = hr->remote_addr;
	in.peer_spiffe_id = hr->spiffe_id;
	writ_core_serve_nosync(s->core, &in, &out, &ticket);
	if (writ_core_ticket_pending(&ticket)) {
		/* A write: answer once the committer has made it durable. */
		d = writ_http_defer(hr);
		resp = writ_http_defer_resp(d);
	}
	resp->status = out.status;
	if (out.body.len > 0) {
		resp->body = writ_buf_steal(&out.body, &resp->body_len);
	} else {
		writ_buf_free(&out.body);
	}
	if (d != NULL)
		committer_enqueue(s->committer, d, &ticket);
}

/* ---------------------------------------------------------------------------
 * Start-up.
 */

static writ_rc
dev_setup(struct server *s, struct writ_core_opts *opts, struct writ_err *err)
{
	char tmpl[] = "/tmp/writ-dev-XXXXXX";
	const char *d = mkdtemp(tmpl);

	if (d == NULL)
		return WRIT_ERR(err, WRIT_EIO, "cannot create a temporary directory: %s",
		    strerror(errno));
	snprintf(s->devdir, sizeof(s->devdir), "%s", d);
	opts->dev = true;
	opts->naudit = 1;
	snprintf(opts->audit[0].name, sizeof(opts->audit[0].name), "file");
	snprintf(opts->audit[0].path, sizeof(opts->audit[0].path), "%s/audit.log", d);
	opts->audit[0].checkpoint_every = 1000;
	return WRIT_OK;
}

static void
save_token_file(const char *token)
{
	const char *home = getenv("HOME");
	char path[1024];
	int fd;

	if (home == NULL)
		return;
	snprintf(path, sizeof(path), "%s/.writ-token", home);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write(fd, token, strlen(token)) < 0)
		writ_log(WRIT_LOG_WARN, "cannot write %s", path);
	close(fd);
}

/* "envoy/authz/allow" as the rule it names, "envoy.authz.allow", for messages. */
static const char *
dotted(const char *path, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s", path);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '/')
			buf[i] = '.';
	return buf;
}

static writ_rc
dev_init(struct server *s, struct writ_err *err)
{
	struct writ_arena *a = writ_arena_new(0, WRIT_ARENA_SECRET);
	struct writ_core_init_result r = {0};
	char d[256];
	writ_rc rc;

	if (a == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	if ((rc = writ_core_init(s->core, a, 1, 1, true, &r, err)) != WRIT_OK)
		goto out;
	printf("WARNING! dev mode is enabled! In this mode, writ runs entirely from a\n"
	       "temporary directory, starts unsealed with a single unseal key, and the root\n"
	       "token is already authenticated to the CLI. Do not run dev mode in production.\n\n"
	       "    export WRIT_ADDR='http://%s'\n\n"
	       "Unseal Key: %s\nRoot Token: %s\n\n"
	       "Decision API (OPA REST API): http://%s\n"
	       "Envoy ext_authz (gRPC): %s, decision data.%s\n"
	       "Storage: %s/writ.db\nAudit log: %s/audit.log (public key %s/audit.log.pub)\n\n",
	    s->cfg.nlisteners ? s->cfg.listeners[0].address : "127.0.0.1:8200", r.keys_b64[0],
	    r.root_token, s->cfg.nlisteners > 1 ? s->cfg.listeners[1].address : "127.0.0.1:8181",
	    s->cfg.ext_authz.l.address, dotted(s->cfg.ext_authz.path, d, sizeof(d)), s->devdir,
	    s->devdir, s->devdir);
	fflush(stdout);
	save_token_file(r.root_token);
out:
	writ_arena_free(a);
	return rc;
}

/* The TLS settings of a listener block; NULL when it has TLS off. */
static const struct writ_tls_config *
listener_tls(const struct writ_config_listener *l, struct writ_tls_config *tls)
{
	if (l->tls_disable)
		return NULL;
	memset(tls, 0, sizeof(*tls));
	tls->cert_file = l->tls_cert_file;
	tls->key_file = l->tls_key_file;
	tls->ca_file = l->tls_client_ca_file;
	tls->verify = l->tls_require_and_verify_client_cert
	    ? WRIT_TLS_VERIFY_REQUIRE
	    : (l->tls_client_ca_file ? WRIT_TLS_VERIFY_REQUEST : WRIT_TLS_VERIFY_NONE);
	tls->min_version = l->tls_min_version == 13 ? TLS1_3_VERSION : 0;
	return tls;
}

/* Write the bound port to the file named by the environment variable var, if set. */
static void
port_file(const char *var, uint16_t port)
{
	const char *path = getenv(var);
	FILE *f;

	if (path != NULL && (f = fopen(path, "w")) != NULL) {
		fprintf(f, "%u\n", (unsigned)port);
		fclose(f);
	}
}

static writ_rc
listen_all(struct server *s, struct writ_err *err)
{
	bool first_api = true, first_decision = true;
	size_t i;
	writ_rc rc;

	for (i = 0; i < s->cfg.nlisteners; i++) {
		const struct writ_config_listener *l = &s->cfg.listeners[i];
		struct writ_tls_config tls;
		uint16_t port = 0;

		if (l->decision)
			rc = writ_http_listen_handler(s->http, l->address, listener_tls(l, &tls),
			    decision_handle, s->decision, &port, err);
		else
			rc = writ_http_listen(s->http, l->address, listener_tls(l, &tls), &port, err);
		if (rc != WRIT_OK)
			return rc;
		writ_log(WRIT_LOG_INFO, "listening on %s (%s%s), port %u", l->address,
		    l->tls_disable ? "http" : "https", l->decision ? ", decision API" : "",
		    (unsigned)port);
		/* The tests listen on port 0 and read the ports from these files. */
		if (l->decision && first_decision)
			port_file("WRIT_DECISION_PORT_FILE", port);
		else if (!l->decision && first_api)
			port_file("WRIT_PORT_FILE", port);
		first_decision = first_decision && !l->decision;
		first_api = first_api && l->decision;
	}
	return WRIT_OK;
}

/* Envoy ext_authz: the policy to decide with, then the gRPC listener and its threads. */
static writ_rc
ext_authz_start(struct server *s, unsigned nthreads, struct writ_err *err)
{
	const struct writ_config_ext_authz *x = &s->cfg.ext_authz;
	const struct writ_grpc_method check = {
	    WRIT_ENVOY_CHECK_METHOD, writ_ext_authz_check, &s->authz};
	struct writ_grpc_config gc = {0};
	struct writ_tls_config tls;
	uint16_t port = 0;
	char d[256];
	writ_rc rc;

	if (!x->enabled)
		return WRIT_OK;
	s->authz.decider = decision_decider(s->decision);
	s->authz.path = x->path;
	s->authz.opts.dry_run = x->dry_run;
	s->authz.opts.skip_body_parse = x->skip_request_body_parse;
	s->authz.opts.max_depth = (unsigned)s->cfg.limits.max_json_depth;
	gc.nthreads = nthreads;
	gc.max_recv_msg = x->max_recv_msg_size;
	gc.arena_cap = s->cfg.limits.arena_cap;
	if ((rc = writ_grpc_server_new(&gc, &check, 1, &s->grpc, err)) != WRIT_OK ||
	    (rc = writ_grpc_listen(s->grpc, x->l.address, listener_tls(&x->l, &tls), &port, err)) !=
	        WRIT_OK)
		return rc;
	writ_log(WRIT_LOG_INFO, "ext_authz: listening on %s (%s), port %u; decision data.%s%s",
	    x->l.address, x->l.tls_disable ? "grpc" : "grpc over tls", (unsigned)port,
	    dotted(x->path, d, sizeof(d)), x->dry_run ? " (dry run)" : "");
	port_file("WRIT_GRPC_PORT_FILE", port);
	return writ_grpc_start(s->grpc, err);
}

static writ_rc
core_opts_from_config(const struct writ_config *cfg, struct writ_core_opts *o)
{
	size_t i;

	memset(o, 0, sizeof(*o));
	o->limits.max_request_bytes = cfg->limits.max_request_bytes;
	o->limits.max_header_bytes = cfg->limits.max_header_bytes;
	o->limits.max_json_depth = cfg->limits.max_json_depth;
	o->limits.max_string_bytes = cfg->limits.max_string_bytes;
	o->limits.arena_cap = cfg->limits.arena_cap;
	o->default_lease_ttl = cfg->default_lease_ttl;
	o->max_lease_ttl = cfg->max_lease_ttl;
	for (i = 0; i < cfg->naudits && i < WRIT_ARRAY_LEN(o->audit); i++) {
		if (i == 0)
			snprintf(o->audit[i].name, sizeof(o->audit[i].name), "file");
		else
			snprintf(o->audit[i].name, sizeof(o->audit[i].name), "file%zu", i + 1);
		snprintf(o->audit[i].path, sizeof(o->audit[i].path), "%s", cfg->audits[i].path);
		o->audit[i].checkpoint_every = (unsigned)cfg->audits[i].checkpoint_every;
		o->naudit++;
	}
	return WRIT_OK;
}

static writ_rc
server_start(struct server *s, bool dev, struct writ_err *err)
{
	struct writ_http_config hc = {0};
	struct writ_core_opts opts;
	char dbpath[512];
	writ_rc rc;

	core_opts_from_config(&s->cfg, &opts);
	if (dev && (rc = dev_setup(s, &opts, err)) != WRIT_OK)
		return rc;
	if (dev)
		snprintf(dbpath, sizeof(dbpath), "%s/writ.db", s->devdir);
	else
		snprintf(dbpath, sizeof(dbpath), "%s", s->cfg.storage_path);
	if ((rc = writ_store_open_sqlite(dbpath, &s->store, err)) != WRIT_OK)
		return rc;
	if ((rc = writ_core_new(&opts, s->store, &s->core, err)) != WRIT_OK)
		return rc;
	if ((rc = committer_start(s->core, &s->committer, err)) != WRIT_OK)
		return rc;
	if ((rc = decision_start(&s->cfg, s->store, s->core, &s->decision, err)) != WRIT_OK)
		return rc;
	hc.nthreads = (unsigned)s->cfg.limits.http_threads;
	if (hc.nthreads == 0) {
		/* Workers never wait for fsync (the committer does), so one per CPU is
		 * enough; more only adds context switches (measured: 2 threads serve
		 * 22% more KV reads than 8 on this 2-CPU machine). */
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		hc.nthreads = n < 2 ? 2 : n > 64 ? 64 : (unsigned)n;
	}
	hc.max_header_bytes = s->core->limits.max_header_bytes;
	hc.max_body = s->core->limits.max_request_bytes;
	hc.arena_cap = s->core->limits.arena_cap;
	rc = writ_http_server_new(&hc, handle_http, s, &s->http, err);
	if (rc != WRIT_OK)
		return rc;
	if ((rc = listen_all(s, err)) != WRIT_OK ||
	    (rc = ext_authz_start(s, hc.nthreads, err)) != WRIT_OK)
		return rc;
	if (dev)
		return dev_init(s, err);
	/* A store that is already initialised starts sealed; unseal with `writ operator unseal`. */
	return WRIT_OK;
}

static void
server_stop(struct server *s)
{
	writ_grpc_server_free(s->grpc);
	writ_http_server_free(s->http);
	decision_stop(s->decision);
	committer_stop(s->committer);
	writ_core_free(s->core);
	writ_store_close(s->store);
	writ_config_free(&s->cfg);
}

/*
 * The configuration of -dev: plain-HTTP listeners on addr (API) and daddr
 * (decisions), Envoy ext_authz in cleartext gRPC on grpc_addr, and the policy
 * store's bundle directory policy_dir (may be NULL).
 */
static writ_rc
config_dev(const char *addr, const char *daddr, const char *grpc_addr, const char *policy_dir,
    struct writ_config *cfg, struct writ_err *err)
{
	struct writ_config_ext_authz *x = &cfg->ext_authz;

	writ_config_init(cfg);
	if ((cfg->listeners = writ_calloc(2, sizeof(*cfg->listeners))) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	cfg->nlisteners = 2; /* freed by writ_config_free whatever fails below */
	if ((cfg->listeners[0].address = writ_strdup(addr)) == NULL ||
	    (cfg->listeners[1].address = writ_strdup(daddr)) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	cfg->listeners[0].tls_disable = true;
	cfg->listeners[1].tls_disable = true;
	cfg->listeners[1].decision = true;
	x->enabled = true;
	x->l.tls_disable = true;
	x->max_recv_msg_size = WRIT_ENVOY_MAX_MSG;
	if ((x->l.address = writ_strdup(grpc_addr)) == NULL ||
	    (x->path = writ_strdup(WRIT_ENVOY_DEFAULT_PATH)) == NULL ||
	    (policy_dir != NULL && (cfg->policy.bundle_dir = writ_strdup(policy_dir)) == NULL))
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	return WRIT_OK;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: writ server -dev [-dev-listen-address ADDR] [-dev-decision-address ADDR]\n"
	    "                        [-dev-grpc-listen-address ADDR] [-dev-policy-dir DIR]\n"
	    "       writ server -config FILE [-n]\n"
	    "  -dev                  in-memory-like dev server: temporary SQLite, unsealed,\n"
	    "                        root token printed, API on 127.0.0.1:8200, OPA's REST\n"
	    "                        API on 127.0.0.1:8181, Envoy ext_authz (gRPC) on\n"
	    "                        127.0.0.1:9191\n"
	    "  -dev-listen-address   API address for -dev (default 127.0.0.1:8200; port 0 = any)\n"
	    "  -dev-decision-address decision API address for -dev (default 127.0.0.1:8181)\n"
	    "  -dev-grpc-listen-address\n"
	    "                        ext_authz address for -dev (default 127.0.0.1:9191)\n"
	    "  -dev-policy-dir DIR   an OPA bundle directory the decisions use (reloaded)\n"
	    "  -config FILE          HCL configuration (storage, listener, decision_listener,\n"
	    "                        policy, ext_authz, audit, limits)\n"
	    "  -n                    check the configuration and exit\n");
}

int
writ_server_main(int argc, char **argv)
{
	struct server s = {0};
	struct writ_err err = {0};
	const char *config = NULL, *devaddr = "127.0.0.1:8200", *devdaddr = "127.0.0.1:8181";
	const char *devgrpc = "127.0.0.1:9191", *devpolicy = NULL;
	bool dev = false, check = false;
	int i, status = 1;
	writ_rc rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] == '-' && a[1] == '-')
			a++;
		if (strcmp(a, "-dev") == 0)
			dev = true;
		else if (strcmp(a, "-n") == 0)
			check = true;
		else if (strcmp(a, "-config") == 0 && i + 1 < argc)
			config = argv[++i];
		else if (strncmp(a, "-config=", 8) == 0)
			config = a + 8;
		else if (strcmp(a, "-dev-listen-address") == 0 && i + 1 < argc)
			devaddr = argv[++i];
		else if (strncmp(a, "-dev-listen-address=", 20) == 0)
			devaddr = a + 20;
		else if (strcmp(a, "-dev-decision-address") == 0 && i + 1 < argc)
			devdaddr = argv[++i];
		else if (strncmp(a, "-dev-decision-address=", 22) == 0)
			devdaddr = a + 22;
		else if (strcmp(a, "-dev-grpc-listen-address") == 0 && i + 1 < argc)
			devgrpc = argv[++i];
		else if (strncmp(a, "-dev-grpc-listen-address=", 25) == 0)
			devgrpc = a + 25;
		else if (strcmp(a, "-dev-policy-dir") == 0 && i + 1 < argc)
			devpolicy = argv[++i];
		else if (strncmp(a, "-dev-policy-dir=", 16) == 0)
			devpolicy = a + 16;
		else {
			usage();
			return 2;
		}
	}
	if (dev == (config != NULL)) {
		usage();
		return 2;
	}
	if (config != NULL)
		rc = writ_config_load(config, &s.cfg, &err);
	else
		rc = config_dev(devaddr, devdaddr, devgrpc, devpolicy, &s.cfg, &err);
	if (rc != WRIT_OK) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	if (check) {
		printf("configuration OK\n");
		writ_config_free(&s.cfg);
		return 0;
	}
	writ_log_set(log_stderr, NULL, s.cfg.log_level);
	signal(SIGPIPE, SIG_IGN);
	/* A full file system or a file size limit must fail the write, not kill us. */
	signal(SIGXFSZ, SIG_IGN);
	if ((rc = server_start(&s, dev, &err)) != WRIT_OK) {
		fprintf(stderr, "writ server: %s\n", err.msg);
		goto out;
	}
	signal_target = s.http;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	writ_log(WRIT_LOG_INFO, "writ server %s started", WRIT_VERSION);
	if ((rc = writ_http_run(s.http, &err)) != WRIT_OK) {
		fprintf(stderr, "writ server: %s\n", err.msg);
		goto out;
	}
	writ_log(WRIT_LOG_INFO, "shutting down");
	status = 0;
out:
	signal_target = NULL;
	server_stop(&s);
	return status;
}
