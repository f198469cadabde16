/* SPDX-License-Identifier: Apache-2.0 */
/* The ext_authz Check handler (ext_authz.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "writ/core.h"
#include "writ/envoy.h"

#include "ext_authz.h"

static void fail(struct writ_grpc_call *call, int status, const char *fmt, ...) WRIT_PRINTF(3, 4);

/* Fail the call with a gRPC status and a message (cut to fit). */
static void
fail(struct writ_grpc_call *call, int status, const char *fmt, ...)
{
	va_list ap;

	call->status = status;
	va_start(ap, fmt);
	vsnprintf(call->message, sizeof(call->message), fmt, ap);
	va_end(ap);
}

void
writ_ext_authz_check(struct writ_grpc_call *call, void *arg)
{
	const struct writ_ext_authz *x = arg;
	struct writ_envoy_verdict v = {false, 0};
	struct writ_decision_caller caller = {NULL, NULL};
	struct writ_buf input, result;
	struct writ_err err = {0};
	char id[37];
	writ_rc rc;

	writ_buf_init(&input, 0);
	writ_buf_init(&result, 0);
	rc = writ_envoy_input(call->msg, call->msg_len, &x->opts, call->arena, &input, &err);
	if (rc == WRIT_EPARSE) {
		fail(call, WRIT_GRPC_INTERNAL, "grpc: error unmarshalling request: %s", err.msg);
		goto out;
	}
	if (rc == WRIT_EINVAL || rc == WRIT_ELIMIT) {
		/* Deny, saying why; no decision was made. */
		writ_log(WRIT_LOG_DEBUG, "ext_authz: %s:%u: request_parse_error: %s",
		    call->remote_addr, call->remote_port, err.msg);
		if (writ_envoy_parse_error_response(err.msg, call->reply) != WRIT_OK)
			fail(call, WRIT_GRPC_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	if (rc != WRIT_OK) {
		fail(call, WRIT_GRPC_RESOURCE_EXHAUSTED, "out of memory");
		goto out;
	}
	if (writ_uuid(id) != WRIT_OK) {
		fail(call, WRIT_GRPC_INTERNAL, "cannot make a decision id");
		goto out;
	}
	caller.remote_addr = call->remote_addr;
	caller.spiffe_id = call->spiffe_id;
	if ((rc = x->decider.decide(x->decider.arg, x->path, input.ptr, input.len, id, &caller,
	         &result, &err)) != WRIT_OK) {
		writ_log(WRIT_LOG_WARN, "ext_authz: %s:%u: policy error: %s", call->remote_addr,
		    call->remote_port, err.msg);
		fail(call, WRIT_GRPC_UNKNOWN, "%s", err.msg);
		goto out;
	}
	rc = writ_envoy_response(
	    result.ptr, result.len, &x->opts, id, call->arena, call->reply, &v, &err);
	if (rc != WRIT_OK) {
		writ_log(WRIT_LOG_WARN, "ext_authz: %s:%u: decision %s: %s", call->remote_addr,
		    call->remote_port, id, err.msg);
		fail(call, rc == WRIT_ENOMEM ? WRIT_GRPC_RESOURCE_EXHAUSTED : WRIT_GRPC_UNKNOWN,
		    "%s", err.msg);
		goto out;
	}
	writ_log(WRIT_LOG_DEBUG, "ext_authz: %s:%u: decision %s: %s%s", call->remote_addr,
	    call->remote_port, id, v.allowed ? "allow" : "deny",
	    !v.allowed && x->opts.dry_run ? " (dry run: allowed)" : "");
out:
	writ_buf_free(&input);
	writ_buf_free(&result);
}
