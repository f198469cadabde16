/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decision service (decision.h).  The poller sleeps on a condition
 * variable for the reload interval, so stopping it does not wait for the
 * interval to run out; a reload that fails is logged once per change of the
 * directory (writ_policy_store_poll remembers which state it reported) and
 * the old bundle keeps serving.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "writ/core.h"
#include "writ/envoy.h"
#include "writ/policy.h"

#include "decision.h"
#include "ext_authz.h"

#define MASK_DEFAULT "system/log/mask"

struct decision {
	struct writ_policy_store *ps;
	struct writ_policy_store *gov;   /* the governing policy over the 8200 API, or NULL */
	const char *gov_dir;
	char gov_path[256];              /* data path of its reasons to deny */
	struct writ_core *core;          /* its audit devices get the decisions */
	enum writ_decision_input mode;   /* how inputs are logged */
	char mask[256];                  /* data path of the mask policy */
	const char *dir;
	int64_t interval; /* seconds */
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	/* nginx auth_request and Envoy's HTTP mode: what they decide with. */
	struct writ_ext_authz authz;
	char authz_path[256];
};

static void *
poll_main(void *arg)
{
	struct decision *d = arg;
	struct writ_err err = {0};
	struct timespec until;
	bool stop = false;

	while (!stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += d->interval;
		pthread_mutex_lock(&d->mu);
		while (!d->stop && pthread_cond_timedwait(&d->cv, &d->mu, &until) != ETIMEDOUT)
			;
		stop = d->stop;
		pthread_mutex_unlock(&d->mu);
		if (!stop && d->dir != NULL && writ_policy_store_poll(d->ps, NULL, &err) != WRIT_OK)
			writ_log(WRIT_LOG_ERROR,
			    "policy: bundle %s not reloaded, the old one stays: %s", d->dir,
			    err.msg);
		if (!stop && d->gov_dir != NULL && writ_policy_store_poll(d->gov, NULL, &err) != WRIT_OK)
			writ_log(WRIT_LOG_ERROR,
			    "governing: bundle %s not reloaded, the old one stays: %s", d->gov_dir,
			    err.msg);
	}
	return NULL;
}

/* JSON text as a value; text that jansson cannot hold (huge numbers) as a string. */
static json_t *
json_or_text(const char *text, size_t len)
{
	json_t *v = json_loadb(text, len, JSON_DECODE_ANY, NULL);

	return v != NULL ? v : json_stringn(text, len);
}

/* true/false for a boolean decision or an object with a boolean "allowed" or "allow". */
static json_t *
allowed_of(const json_t *result)
{
	const json_t *a;

	if (json_is_boolean(result))
		return json_boolean(json_is_true(result));
	if ((a = json_object_get(result, "allowed")) == NULL)
		a = json_object_get(result, "allow");
	return json_is_boolean(a) ? json_boolean(json_is_true(a)) : NULL;
}

/*
 * Run the mask policy (data.system.log.mask by default) over the event and
 * apply what it returns.  A mask that fails to evaluate must not let the
 * input through: the input is then logged as its HMAC only, with the error.
 * Without a rule or data on the mask's path (the usual case) the event is
 * neither serialised nor evaluated: the answer could only be undefined.
 */
static void
mask_event(struct decision *d, struct writ_policy_snapshot *snap, json_t *ev,
    enum writ_decision_input *mode)
{
	struct writ_rego_error rerr;
	struct writ_buf out;
	char *text;
	json_t *mask = NULL;
	size_t ignored = 0;
	bool defined = false;
	writ_rc rc;

	if (!writ_policy_may_define(snap, d->mask))
		return;
	text = json_dumps(ev, JSON_COMPACT);
	rc = text != NULL ? WRIT_OK : WRIT_ENOMEM;
	writ_buf_init(&out, 0);
	memset(&rerr, 0, sizeof(rerr));
	if (rc == WRIT_OK)
		rc = writ_policy_decide(snap, d->mask, text, strlen(text), &out, &defined, &rerr);
	free(text);
	if (rc == WRIT_OK && defined &&
	    ((mask = json_loadb(out.ptr, out.len, JSON_DECODE_ANY, NULL)) == NULL ||
		writ_decision_mask(ev, mask, &ignored) != WRIT_OK))
		rc = WRIT_ENOMEM;
	if (rc != WRIT_OK) {
		if (*mode == WRIT_DECISION_INPUT_FULL)
			*mode = WRIT_DECISION_INPUT_HMAC;
		json_object_set_new(ev, "mask_error",
		    json_string(rerr.message[0] ? rerr.message : writ_rc_name(rc)));
	} else if (ignored > 0) {
		writ_log(WRIT_LOG_WARN, "policy: %zu entries of the mask policy data.%s ignored",
		    ignored, d->mask);
	}
	json_decref(mask);
	writ_buf_free(&out);
}

/* allowed_of for result text: 1, 0 or -1 (does not say); -2 when it is not JSON. */
static int
allowed_of_text(const char *result, size_t len)
{
	json_t *v, *a;
	int allowed;

	if (len == 4 && memcmp(result, "true", 4) == 0)
		return 1;
	if (len == 5 && memcmp(result, "false", 5) == 0)
		return 0;
	if (len == 0 || result[0] != '{')
		return -1;
	if ((v = json_loadb(result, len, 0, NULL)) == NULL)
		return -2;
	a = allowed_of(v);
	allowed = a == NULL ? -1 : json_is_true(a);
	json_decref(a);
	json_decref(v);
	return allowed;
}

/*
 * The usual decision, which no mask policy can touch: logged from its text
 * with no JSON tree (writ_core_audit_decision_text).  WRIT_EUNSUPPORTED
 * when log_decision must take the general path.
 */
static writ_rc
log_decision_text(struct decision *d, const struct writ_policy_decision *ld, struct writ_err *err)
{
	struct writ_decision_entry e = {0};
	uint64_t seqs[WRIT_CORE_MAX_AUDIT];

	if (d->mode == WRIT_DECISION_INPUT_HMAC || writ_policy_may_define(ld->snap, d->mask))
		return WRIT_EUNSUPPORTED;
	e.decision_id = ld->decision_id;
	e.path = ld->path;
	e.input = ld->input;
	e.input_len = ld->input_len;
	e.allowed = -1;
	if (ld->result != NULL) {
		if ((e.allowed = allowed_of_text(ld->result, ld->result_len)) == -2)
			return WRIT_EUNSUPPORTED;
		e.result = ld->result;
		e.result_len = ld->result_len;
	}
	if (ld->error != NULL) {
		e.error_code = ld->error->code;
		e.error_message = ld->error->message;
	}
	e.revision = ld->revision;
	e.latency_ns = ld->latency_ns;
	e.remote_addr = ld->remote_addr;
	e.spiffe_id = ld->spiffe_id;
	return writ_core_audit_decision_text(d->core, &e, d->mode, seqs, err);
}

/* The decision log (writ_policy_opts.log): one audit entry per decision. */
static writ_rc
log_decision(void *arg, const struct writ_policy_decision *ld)
{
	struct decision *d = arg;
	enum writ_decision_input mode = d->mode;
	uint64_t seqs[WRIT_CORE_MAX_AUDIT];
	struct writ_err err = {0};
	json_t *ev, *caller, *result = NULL, *allowed;
	writ_rc rc = log_decision_text(d, ld, &err);

	if (rc != WRIT_EUNSUPPORTED) {
		if (rc != WRIT_OK)
			writ_log(WRIT_LOG_ERROR, "policy: decision %s not logged, refused: %s",
			    ld->decision_id, err.msg);
		return rc;
	}
	rc = WRIT_ENOMEM;
	ev = json_object();
	caller = json_object();
	if (ev == NULL || caller == NULL)
		goto out;
	json_object_set_new(ev, "decision_id", json_string(ld->decision_id));
	json_object_set_new(ev, "path", json_string(ld->path));
	if (ld->input != NULL)
		json_object_set_new(ev, "input", json_or_text(ld->input, ld->input_len));
	if (ld->result != NULL) {
		result = json_or_text(ld->result, ld->result_len);
		if ((allowed = allowed_of(result)) != NULL)
			json_object_set_new(ev, "allowed", allowed);
		json_object_set_new(ev, "result", result);
	}
	if (ld->error != NULL)
		json_object_set_new(ev, "error",
		    json_pack("{s:s, s:s}", "code", ld->error->code, "message", ld->error->message));
	json_object_set_new(ev, "revision", json_string(ld->revision));
	json_object_set_new(ev, "latency_ns", json_integer((json_int_t)ld->latency_ns));
	if (ld->remote_addr != NULL)
		json_object_set_new(caller, "remote_address", json_string(ld->remote_addr));
	if (ld->spiffe_id != NULL)
		json_object_set_new(caller, "spiffe_id", json_string(ld->spiffe_id));
	json_object_set(ev, "caller", caller);
	mask_event(d, ld->snap, ev, &mode);
	rc = writ_core_audit_decision(d->core, ev, mode, seqs, &err);
	if (rc != WRIT_OK)
		writ_log(WRIT_LOG_ERROR, "policy: decision %s not logged, refused: %s",
		    ld->decision_id, err.msg);
out:
	json_decref(caller);
	json_decref(ev);
	return rc;
}

/*
 * The decider of ext_authz (writ/envoy.h): the policy store's current bundle,
 * each decision logged as the REST API's are.  Fails closed: a sealed store,
 * an evaluation error or a decision the log cannot record is an error, and
 * the caller denies.
 */
static writ_rc
decide(void *arg, const char *path, const char *input, size_t len, const char *id,
    const struct writ_decision_caller *caller, struct writ_buf *result, struct writ_err *err)
{
	struct decision *d = arg;
	struct writ_policy_decision ld = {0};
	struct writ_policy_snapshot *snap;
	struct writ_rego_error rerr;
	uint64_t t0 = writ_time_mono_ns();
	size_t start = result->len;
	bool defined = false;
	char msg[600];
	writ_rc rc;

	if ((rc = writ_policy_ready(d->ps, err)) != WRIT_OK)
		return rc;
	snap = writ_policy_acquire(d->ps);
	memset(&rerr, 0, sizeof(rerr));
	rc = writ_policy_decide(snap, path, input, len, result, &defined, &rerr);
	if (rc != WRIT_OK) {
		writ_rego_error_format(&rerr, msg, sizeof(msg));
		WRIT_ERR(err, rc, "%s", msg);
	}
	if (d->core != NULL) {
		ld.decision_id = id;
		ld.path = path;
		ld.input = input;
		ld.input_len = len;
		if (rc == WRIT_OK && defined) {
			ld.result = result->ptr + start;
			ld.result_len = result->len - start;
		}
		ld.error = rc == WRIT_OK ? NULL : &rerr;
		ld.revision = writ_policy_revision(snap);
		ld.latency_ns = writ_time_mono_ns() - t0;
		ld.remote_addr = caller != NULL ? caller->remote_addr : NULL;
		ld.spiffe_id = caller != NULL ? caller->spiffe_id : NULL;
		ld.snap = snap;
		if (log_decision(d, &ld) != WRIT_OK && rc == WRIT_OK)
			rc = WRIT_ERR(err, WRIT_EIO, "decision log unavailable");
	}
	writ_policy_release(snap);
	return rc;
}

/*
 * The governing policy (writ_core_govern_fn): the reasons to deny at
 * gov_path of the governing store's bundle, appended as a JSON array
 * (undefined: nothing, allowed).  Its own store, loaded only from its
 * directory: nothing on the decision listener can change it.
 */
static writ_rc
govern(void *arg, const char *input, size_t len, struct writ_buf *reasons, struct writ_err *err)
{
	struct decision *d = arg;
	struct writ_policy_snapshot *snap = writ_policy_acquire(d->gov);
	struct writ_rego_error rerr;
	bool defined = false;
	char msg[600];
	writ_rc rc;

	memset(&rerr, 0, sizeof(rerr));
	rc = writ_policy_decide(snap, d->gov_path, input, len, reasons, &defined, &rerr);
	writ_policy_release(snap);
	if (rc != WRIT_OK) {
		writ_rego_error_format(&rerr, msg, sizeof(msg));
		return WRIT_ERR(err, rc, "data.%s: %s", d->gov_path, msg);
	}
	return WRIT_OK;
}

/* Load the governing policy and install it in the core. */
static writ_rc
govern_start(struct decision *d, const struct writ_config_governing *g, struct writ_err *err)
{
	struct writ_policy_opts o = {0};
	const char *path = g->decision != NULL ? g->decision : "/writ/governing/deny";
	writ_rc rc;

	path += *path == '/';
	if (strlen(path) >= sizeof(d->gov_path))
		return WRIT_ERR(err, WRIT_EINVAL, "governing: decision path too long");
	memcpy(d->gov_path, path, strlen(path) + 1);
	o.bundle_dir = g->bundle_dir;
	if ((rc = writ_policy_store_new(&o, &d->gov, err)) != WRIT_OK)
		return rc;
	d->gov_dir = g->bundle_dir;
	writ_core_set_governor(d->core, govern, d);
	writ_log(WRIT_LOG_INFO, "governing: %s from %s decides after the ACL", d->gov_path,
	    g->bundle_dir);
	return WRIT_OK;
}

struct writ_decider
decision_decider(struct decision *d)
{
	return (struct writ_decider){decide, d};
}

static writ_rc
poller_start(struct decision *d, struct writ_err *err)
{
	pthread_condattr_t ca;
	int e;

	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&d->cv, &ca) != 0)
		return WRIT_ERR(err, WRIT_EIO, "policy: cannot create a condition variable");
	pthread_condattr_destroy(&ca);
	if ((e = pthread_create(&d->thread, NULL, poll_main, d)) != 0) {
		pthread_cond_destroy(&d->cv);
		return WRIT_ERR(
		    err, WRIT_EIO, "policy: cannot start the bundle poller: %s", strerror(e));
	}
	d->running = true;
	return WRIT_OK;
}

writ_rc
decision_start(const struct writ_config *config, struct writ_store *store,
    struct writ_core *core, struct decision **out, struct writ_err *err)
{
	const struct writ_config_policy *cfg = &config->policy;
	const struct writ_config_governing *g = &config->governing;
	struct writ_policy_opts o = {0};
	struct decision *d = writ_calloc(1, sizeof(*d));
	const char *mask = cfg->mask_decision != NULL ? cfg->mask_decision : MASK_DEFAULT;
	const char *authz =
	    cfg->authz_decision != NULL ? cfg->authz_decision : WRIT_ENVOY_DEFAULT_PATH;
	writ_rc rc;

	if (d == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	pthread_mutex_init(&d->mu, NULL);
	d->core = core;
	d->mode = WRIT_DECISION_INPUT_FULL;
	if (cfg->decision_log_input != NULL && strcmp(cfg->decision_log_input, "hmac") == 0)
		d->mode = WRIT_DECISION_INPUT_HMAC;
	else if (cfg->decision_log_input != NULL && strcmp(cfg->decision_log_input, "none") == 0)
		d->mode = WRIT_DECISION_INPUT_NONE;
	mask += *mask == '/';
	if (strlen(mask) >= sizeof(d->mask)) {
		decision_stop(d);
		return WRIT_ERR(err, WRIT_EINVAL, "policy: mask_decision is too long");
	}
	memcpy(d->mask, mask, strlen(mask) + 1);
	authz += *authz == '/';
	if (strlen(authz) >= sizeof(d->authz_path)) {
		decision_stop(d);
		return WRIT_ERR(err, WRIT_EINVAL, "policy: authz_decision is too long");
	}
	memcpy(d->authz_path, authz, strlen(authz) + 1);
	d->authz.decider = (struct writ_decider){decide, d};
	d->authz.path = d->authz_path;
	o.bundle_dir = cfg->bundle_dir;
	o.default_decision = cfg->default_decision;
	o.store = store;
	if (core != NULL) {
		o.log = log_decision;
		o.log_arg = d;
	}
	if ((rc = writ_policy_store_new(&o, &d->ps, err)) != WRIT_OK) {
		decision_stop(d);
		return rc;
	}
	if (cfg->reload_interval > 0)
		d->dir = cfg->bundle_dir;
	d->interval = d->dir != NULL ? cfg->reload_interval : 0;
	if (g->bundle_dir != NULL && core != NULL) {
		if ((rc = govern_start(d, g, err)) != WRIT_OK) {
			decision_stop(d);
			return rc;
		}
		if (g->reload_interval > 0 && (d->interval == 0 || g->reload_interval < d->interval))
			d->interval = g->reload_interval;
		else if (g->reload_interval == 0)
			d->gov_dir = NULL;
	}
	if (d->interval > 0 && (rc = poller_start(d, err)) != WRIT_OK) {
		decision_stop(d);
		return rc;
	}
	*out = d;
	return WRIT_OK;
}

void
decision_stop(struct decision *d)
{
	if (d == NULL)
		return;
	if (d->running) {
		pthread_mutex_lock(&d->mu);
		d->stop = true;
		pthread_cond_signal(&d->cv);
		pthread_mutex_unlock(&d->mu);
		pthread_join(d->thread, NULL);
		pthread_cond_destroy(&d->cv);
	}
	if (d->gov != NULL && d->core != NULL)
		writ_core_set_governor(d->core, NULL, NULL);
	writ_policy_store_free(d->gov);
	writ_policy_store_free(d->ps);
	pthread_mutex_destroy(&d->mu);
	writ_free(d);
}

void
decision_handle(struct writ_http_req *hr, struct writ_http_resp *resp, void *arg)
{
	struct decision *d = arg;
	struct writ_policy_in in = {0};
	struct writ_policy_out out;

	if (strcmp(hr->path, WRIT_AUTHZ_NGINX_PATH) == 0) {
		writ_ext_authz_http(&d->authz, WRIT_AUTHZ_NGINX, hr, resp);
		return;
	}
	if (strncmp(hr->path, WRIT_AUTHZ_ENVOY_PREFIX, strlen(WRIT_AUTHZ_ENVOY_PREFIX)) == 0 &&
	    (hr->path[strlen(WRIT_AUTHZ_ENVOY_PREFIX)] == '\0' ||
	        hr->path[strlen(WRIT_AUTHZ_ENVOY_PREFIX)] == '/')) {
		writ_ext_authz_http(&d->authz, WRIT_AUTHZ_ENVOY_HTTP, hr, resp);
		return;
	}
	in.method = hr->method_str;
	in.path = hr->path;
	in.query = hr->query;
	in.content_type = writ_http_req_header(hr, "Content-Type");
	in.if_none_match = writ_http_req_header(hr, "If-None-Match");
	in.body = hr->body;
	in.bodylen = hr->body_len;
	in.remote_addr = hr->remote_addr;
	in.spiffe_id = hr->spiffe_id;
	in.arena = hr->arena;
	writ_policy_serve(d->ps, &in, &out);
	resp->status = out.status;
	if (out.body.len > 0)
		resp->body = writ_buf_steal(&out.body, &resp->body_len);
	else
		writ_buf_free(&out.body);
}
