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
#include <string.h>
#include <time.h>

#include "writ/policy.h"

#include "decision.h"

struct decision {
	struct writ_policy_store *ps;
	const char *dir;
	int64_t interval; /* seconds */
	pthread_t thread;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
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
		if (!stop && writ_policy_store_poll(d->ps, NULL, &err) != WRIT_OK)
			writ_log(WRIT_LOG_ERROR,
			    "policy: bundle %s not reloaded, the old one stays: %s", d->dir,
			    err.msg);
	}
	return NULL;
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
decision_start(const struct writ_config_policy *cfg, struct writ_store *store,
    struct decision **out, struct writ_err *err)
{
	struct writ_policy_opts o = {0};
	struct decision *d = writ_calloc(1, sizeof(*d));
	writ_rc rc;

	if (d == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	pthread_mutex_init(&d->mu, NULL);
	o.bundle_dir = cfg->bundle_dir;
	o.default_decision = cfg->default_decision;
	o.store = store;
	if ((rc = writ_policy_store_new(&o, &d->ps, err)) != WRIT_OK) {
		decision_stop(d);
		return rc;
	}
	d->dir = cfg->bundle_dir;
	d->interval = cfg->reload_interval;
	if (cfg->bundle_dir != NULL && cfg->reload_interval > 0 &&
	    (rc = poller_start(d, err)) != WRIT_OK) {
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

	in.method = hr->method_str;
	in.path = hr->path;
	in.query = hr->query;
	in.content_type = writ_http_req_header(hr, "Content-Type");
	in.if_none_match = writ_http_req_header(hr, "If-None-Match");
	in.body = hr->body;
	in.bodylen = hr->body_len;
	in.remote_addr = hr->remote_addr;
	in.arena = hr->arena;
	writ_policy_serve(d->ps, &in, &out);
	resp->status = out.status;
	if (out.body.len > 0)
		resp->body = writ_buf_steal(&out.body, &resp->body_len);
	else
		writ_buf_free(&out.body);
}
