/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Group commit of deferred responses (see commit.h).  One thread takes the
 * whole queue at once, merges the tickets (the highest sequence numbers cover
 * all lower ones), syncs, and completes every response: 500 for all of them if
 * the sync failed, since none of their writes is known to be durable.  The
 * store's fsync and the audit log's fdatasync touch different files, so a
 * second thread runs the audit half while the committer runs the store half.
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "commit.h"

struct item {
	struct writ_http_defer *d;
	struct writ_core_ticket t;
	struct item *next;
};

/* The audit half of a batch, handed to the audit thread. */
struct audit_job {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct writ_core_ticket t;
	bool pending; /* a job waits for the audit thread */
	bool done;    /* the audit thread finished it; rc holds the result */
	bool stop;
	writ_rc rc;
};

struct committer {
	struct writ_core *core;
	struct audit_job aj;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct item *head;
	struct item **tail;
	size_t nqueued;     /* items in the queue */
	size_t last_batch;  /* items the previous batch carried */
	uint64_t sync_us;   /* moving average of a batch's sync, microseconds */
	uint64_t nbatches;  /* batches synced, for the summary at stop */
	uint64_t nitems;    /* responses they carried */
	uint64_t total_us;  /* time spent syncing them */
	uint64_t store_us;  /* of which the store's half took */
	bool stop;
};

static void
complete(struct writ_http_defer *d, writ_rc rc)
{
	if (rc != WRIT_OK) {
		struct writ_http_resp *r = writ_http_defer_resp(d);

		if (writ_http_resp_error(r, 500, "internal error") != WRIT_OK)
			r->close = true;
	}
	writ_http_defer_complete(d);
}

static void *
audit_main(void *arg)
{
	struct committer *c = arg;
	struct audit_job *j = &c->aj;
	struct writ_core_ticket t;
	struct writ_err err = {0};
	writ_rc rc;

	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (!j->pending && !j->stop)
			pthread_cond_wait(&j->cv, &j->mu);
		if (!j->pending)
			break;
		t = j->t;
		j->pending = false;
		pthread_mutex_unlock(&j->mu);
		rc = writ_core_sync_audit(c->core, &t, &err);
		if (rc != WRIT_OK)
			writ_log(WRIT_LOG_ERROR, "audit sync failed: %s", err.msg);
		pthread_mutex_lock(&j->mu);
		j->rc = rc;
		j->done = true;
		pthread_cond_broadcast(&j->cv);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

/* Sync the store here and the audit log on the audit thread, at the same time. */
static writ_rc
sync_both(struct committer *c, const struct writ_core_ticket *all, struct writ_err *err)
{
	struct audit_job *j = &c->aj;
	uint64_t t0;
	writ_rc rc, arc;

	pthread_mutex_lock(&j->mu);
	j->t = *all;
	j->pending = true;
	j->done = false;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	t0 = writ_time_mono_us();
	rc = writ_core_sync_store(c->core, all, err);
	c->store_us += writ_time_mono_us() - t0;
	pthread_mutex_lock(&j->mu);
	while (!j->done)
		pthread_cond_wait(&j->cv, &j->mu);
	arc = j->rc;
	pthread_mutex_unlock(&j->mu);
	return rc != WRIT_OK ? rc : arc;
}

static void
run_batch(struct committer *c, struct item *list)
{
	struct writ_core_ticket all;
	struct writ_err err = {0};
	struct item *it, *next;
	writ_rc rc;

	memset(&all, 0, sizeof(all));
	for (it = list; it != NULL; it = it->next)
		writ_core_ticket_merge(&all, &it->t);
	rc = sync_both(c, &all, &err);
	if (rc != WRIT_OK)
		writ_log(WRIT_LOG_ERROR, "group commit failed: %s", err.msg);
	for (it = list; it != NULL; it = next) {
		next = it->next;
		complete(it->d, rc);
		writ_free(it);
	}
}

/*
 * Before syncing, wait a little for the clients the previous batch released:
 * they come back with new writes just after a sync starts, and without the
 * wait they split into two halves that take turns, each sync carrying one.
 * The wait ends when as many items are queued as the last batch carried, and
 * after half a sync at most, so it cannot cost more than it saves.
 */
static void
gather_locked(struct committer *c)
{
	uint64_t wait_us = c->sync_us / 2;
	struct timespec until;

	if (c->nqueued >= c->last_batch || wait_us == 0 || c->stop)
		return;
	if (wait_us > 5000)
		wait_us = 5000;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += (long)(wait_us * 1000);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (c->nqueued < c->last_batch && !c->stop) {
		if (pthread_cond_timedwait(&c->cv, &c->mu, &until) != 0)
			break;
	}
}

static void *
committer_main(void *arg)
{
	struct committer *c = arg;
	struct item *list;
	uint64_t t0;

	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (c->head == NULL && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		gather_locked(c);
		list = c->head;
		c->last_batch = c->nqueued;
		c->nqueued = 0;
		c->head = NULL;
		c->tail = &c->head;
		pthread_mutex_unlock(&c->mu);
		if (list == NULL)
			return NULL; /* stopping and drained */
		t0 = writ_time_mono_us();
		run_batch(c, list);
		t0 = writ_time_mono_us() - t0;
		/* Only this thread writes these; gather_locked reads sync_us here too. */
		c->sync_us = (c->sync_us * 7 + t0) / 8;
		c->nbatches++;
		c->nitems += c->last_batch;
		c->total_us += t0;
	}
}

static void
audit_thread_stop(struct committer *c)
{
	pthread_mutex_lock(&c->aj.mu);
	c->aj.stop = true;
	pthread_cond_broadcast(&c->aj.cv);
	pthread_mutex_unlock(&c->aj.mu);
	pthread_join(c->aj.thread, NULL);
}

writ_rc
committer_start(struct writ_core *core, struct committer **out, struct writ_err *err)
{
	struct committer *c = writ_calloc(1, sizeof(*c));

	if (c == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	c->core = core;
	c->tail = &c->head;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	pthread_mutex_init(&c->aj.mu, NULL);
	pthread_cond_init(&c->aj.cv, NULL);
	if (pthread_create(&c->aj.thread, NULL, audit_main, c) != 0)
		goto fail;
	if (pthread_create(&c->thread, NULL, committer_main, c) != 0) {
		audit_thread_stop(c);
		goto fail;
	}
	*out = c;
	return WRIT_OK;
fail:
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->aj.mu);
	pthread_cond_destroy(&c->aj.cv);
	writ_free(c);
	return WRIT_ERR(err, WRIT_EIO, "cannot start the committer threads");
}

void
committer_enqueue(struct committer *c, struct writ_http_defer *d,
    const struct writ_core_ticket *ticket)
{
	struct item *it = writ_malloc(sizeof(*it));

	if (it == NULL) {
		struct writ_err err = {0};

		complete(d, writ_core_sync(c->core, ticket, &err));
		return;
	}
	it->d = d;
	it->t = *ticket;
	it->next = NULL;
	pthread_mutex_lock(&c->mu);
	*c->tail = it;
	c->tail = &it->next;
	c->nqueued++;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

void
committer_stop(struct committer *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	audit_thread_stop(c);
	if (c->nbatches > 0)
		writ_log(WRIT_LOG_INFO,
		    "committer: %llu durable responses in %llu group commits (%.1f a commit, "
		    "%.0f us a commit, of which %.0f us the store's)",
		    (unsigned long long)c->nitems, (unsigned long long)c->nbatches,
		    (double)c->nitems / (double)c->nbatches,
		    (double)c->total_us / (double)c->nbatches,
		    (double)c->store_us / (double)c->nbatches);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->aj.mu);
	pthread_cond_destroy(&c->aj.cv);
	writ_free(c);
}
