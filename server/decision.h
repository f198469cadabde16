/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The decision service: the policy store (lib/policy) behind the decision
 * listeners, and the background job that reloads its bundle directory.
 * decision_handle is the decision listeners' router: it hands each request
 * to writ_policy_serve, as handle_http in server.c hands the 8200 API's to
 * writ_core_serve, over the same HTTP/1.1 machinery.
 */
#ifndef WRIT_SERVER_DECISION_H
#define WRIT_SERVER_DECISION_H

#include "writ/base.h"
#include "writ/envoy.h"

#include "config.h"
#include "http.h"

struct decision;
struct writ_core;
struct writ_store;

/*
 * Load the policy store described by cfg->policy (borrowed) over store (borrowed:
 * API changes are kept there; must outlive the service) and, with a bundle
 * directory and a reload interval, start the thread that polls it.  Every
 * decision is appended to core's audit devices (core borrowed, or NULL: no
 * decision log), masked by the mask policy and with its input as
 * cfg->decision_log_input says; a decision that cannot be logged is refused.
 * With a governing block, its policy (its own store, read only from its
 * directory) is installed in core to decide after the ACL on the 8200 API.
 * Errors are those of writ_policy_store_new (a bundle that does not load).
 */
WRIT_MUST_CHECK writ_rc decision_start(const struct writ_config *cfg,
    struct writ_store *store, struct writ_core *core, struct decision **out,
    struct writ_err *err);
/* Stop the poller and free; no request may be running.  Accepts NULL. */
void decision_stop(struct decision *d);
/* Decisions for ext_authz (writ/envoy.h) from the same store, logged alike; d borrowed. */
struct writ_decider decision_decider(struct decision *d);
/* The decision listeners' handler; arg is the struct decision. */
void decision_handle(struct writ_http_req *req, struct writ_http_resp *resp, void *arg);

#endif /* WRIT_SERVER_DECISION_H */
