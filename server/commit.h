/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The committer: group commit for the HTTP server.  Worker threads apply a
 * write and hand its response, still unsent, to the committer with the ticket
 * of what must become durable; the committer makes every queued ticket durable
 * with one store sync and one audit sync, then sends all their responses.
 * Workers never block on fsync, so every connection's write can join a batch.
 */
#ifndef WRIT_SERVER_COMMIT_H
#define WRIT_SERVER_COMMIT_H

#include "writ/core.h"

#include "http.h"

struct committer;

/* Start the committer thread for core (borrowed). */
WRIT_MUST_CHECK writ_rc committer_start(struct writ_core *core, struct committer **out,
    struct writ_err *err);
/*
 * Queue a deferred response until ticket is durable.  Thread safe.  On
 * allocation failure the sync happens inline on the caller's thread.
 */
void committer_enqueue(struct committer *c, struct writ_http_defer *d,
    const struct writ_core_ticket *ticket);
/* Drain the queue, stop the thread and free; accepts NULL. */
void committer_stop(struct committer *c);

#endif /* WRIT_SERVER_COMMIT_H */
