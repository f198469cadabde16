/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Envoy external authorization over gRPC: the Check method of
 * envoy.service.auth.v3.Authorization, served by the gRPC server (grpc.h).
 * Each call: CheckRequest -> input document (writ/envoy.h) -> the decider
 * -> CheckResponse.  What a caller gets when something fails:
 *
 *   the message does not decode              INTERNAL (13), as grpc-go answers
 *   the request cannot become input          OK, with a PERMISSION_DENIED
 *     (bad escape, unparsable body, a limit)   CheckResponse and a 400 for the
 *                                              client ("request_parse_error: ...")
 *   the policy fails, or its decision is     UNKNOWN (2), as OPA's plugin
 *     undefined or malformed                   answers; Envoy then applies its
 *                                              failure_mode_allow (deny by default)
 */
#ifndef WRIT_SERVER_EXT_AUTHZ_H
#define WRIT_SERVER_EXT_AUTHZ_H

#include "writ/envoy.h"

#include "grpc.h"
#include "http.h"

struct writ_ext_authz {
	struct writ_decider decider; /* borrowed */
	const char *path;            /* the decision, "envoy/authz/allow"; borrowed */
	struct writ_envoy_opts opts;
};

/*
 * The Check handler: arg is a struct writ_ext_authz (borrowed, read only, shared
 * by every worker).  Thread safe when the decider is.
 */
void writ_ext_authz_check(struct writ_grpc_call *call, void *arg);

/* The decision listener's prefixes for plain HTTP authorization (docs/API.md). */
#define WRIT_AUTHZ_NGINX_PATH   "/v1/authz/nginx"
#define WRIT_AUTHZ_ENVOY_PREFIX "/v1/authz/envoy"

/* Who asks over HTTP, and how the original request reaches writ. */
enum writ_authz_http_mode {
	/*
	 * nginx auth_request: the original method and URI in X-Original-Method
	 * and X-Original-URI, the client's headers as the subrequest's; a deny
	 * is 401 when the policy's http_status says so, else 403.
	 */
	WRIT_AUTHZ_NGINX,
	/*
	 * Envoy's HTTP ext_authz (http_service): the method, the path after
	 * WRIT_AUTHZ_ENVOY_PREFIX (Envoy's path_prefix), the allowed headers and
	 * body; a deny answers the policy's http_status, headers and body.
	 */
	WRIT_AUTHZ_ENVOY_HTTP,
};

/*
 * Decide the HTTP authorization request req (borrowed) with x (borrowed, read
 * only) and fill resp: 200 with the decision's headers when allowed, the deny
 * status otherwise, 400 when the request cannot become input, 500 when the
 * policy fails or its decision is undefined or malformed (the proxy denies).
 * Every decision is logged by the decider; its id is sent in
 * X-Writ-Decision-Id.  Thread safe when the decider is.
 */
void writ_ext_authz_http(const struct writ_ext_authz *x, enum writ_authz_http_mode mode,
    struct writ_http_req *req, struct writ_http_resp *resp);

#endif /* WRIT_SERVER_EXT_AUTHZ_H */
