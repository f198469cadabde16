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

#endif /* WRIT_SERVER_EXT_AUTHZ_H */
