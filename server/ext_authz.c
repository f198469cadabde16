/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ext_authz handlers (ext_authz.h): Envoy's gRPC Check, and the plain
 * HTTP requests of nginx auth_request and Envoy's HTTP mode, which build the
 * same input (writ/envoy.h) and read the decision by the same rules.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* ---------------------------------------------------------------------------
 * HTTP: nginx auth_request and Envoy's HTTP mode.
 */

/* Headers that describe the hop to writ, not the original request. */
static bool
hop_header(const struct writ_http_header *h, enum writ_authz_http_mode mode)
{
	static const char *const hop[] = {"connection", "keep-alive", "proxy-connection", "te",
	    "trailer", "transfer-encoding", "upgrade"};
	size_t i;

	for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (strcasecmp(h->name, hop[i]) == 0)
			return true;
	return mode == WRIT_AUTHZ_NGINX &&
	    (strcasecmp(h->name, "X-Original-URI") == 0 ||
	        strcasecmp(h->name, "X-Original-Method") == 0);
}

/* The original request as the proxy describes it; false (resp filled) when it cannot. */
static bool
original_request(enum writ_authz_http_mode mode, struct writ_http_req *hr,
    struct writ_http_resp *resp, struct writ_envoy_http_req *r)
{
	const char *uri = writ_http_req_header(hr, "X-Original-URI"), *m;
	struct writ_envoy_http_header *h;
	size_t i, n = 0, plen;
	char *path;

	r->method = hr->method_str;
	if (mode == WRIT_AUTHZ_NGINX) {
		if (uri == NULL || uri[0] != '/') {
			if (writ_http_resp_error(resp, 400, "X-Original-URI missing") != WRIT_OK)
				resp->close = true;
			return false;
		}
		if ((m = writ_http_req_header(hr, "X-Original-Method")) != NULL && m[0] != '\0')
			r->method = m;
		r->path = uri;
	} else {
		/* The path after the prefix ("" means "/"), then the query. */
		plen = hr->path_len - strlen(WRIT_AUTHZ_ENVOY_PREFIX);
		if ((path = writ_arena_alloc(hr->arena, plen + hr->query_len + 3)) == NULL)
			goto nomem;
		snprintf(path, plen + hr->query_len + 3, "%s%s%s%s", plen == 0 ? "/" : "",
		    hr->path + strlen(WRIT_AUTHZ_ENVOY_PREFIX), hr->query_len > 0 ? "?" : "",
		    hr->query);
		r->path = path;
		r->body = hr->body;
		r->body_len = hr->body_len;
	}
	r->scheme = writ_http_req_header(hr, "X-Forwarded-Proto");
	if (r->scheme == NULL)
		r->scheme = hr->tls ? "https" : "http";
	if ((h = writ_arena_calloc(hr->arena, hr->nheaders + 1, sizeof(*h))) == NULL)
		goto nomem;
	for (i = 0; i < hr->nheaders; i++) {
		if (hop_header(&hr->headers[i], mode))
			continue;
		h[n].name = hr->headers[i].name;
		h[n].name_len = hr->headers[i].name_len;
		h[n].value = hr->headers[i].value;
		h[n++].value_len = hr->headers[i].value_len;
	}
	r->headers = h;
	r->nheaders = n;
	return true;
nomem:
	if (writ_http_resp_error(resp, 500, "out of memory") != WRIT_OK)
		resp->close = true;
	return false;
}

/* Put the answer's status, headers and body in resp; WRIT_OK or why not. */
static writ_rc
answer(enum writ_authz_http_mode mode, const struct writ_envoy_http_answer *ans,
    struct writ_http_resp *resp, struct writ_err *err)
{
	size_t i;
	writ_rc rc;

	resp->status = ans->status;
	if (mode == WRIT_AUTHZ_NGINX && !ans->allowed && ans->status != 200)
		resp->status = ans->status == 401 ? 401 : 403;
	for (i = 0; i < ans->nheaders; i++) {
		if (strcasecmp(ans->headers[i].name, "Content-Type") == 0) {
			resp->content_type = ans->headers[i].value;
			continue;
		}
		rc = writ_http_resp_header(resp, ans->headers[i].name, ans->headers[i].value);
		if (rc != WRIT_OK)
			return WRIT_ERR(
			    err, rc, "decision header %s cannot be sent", ans->headers[i].name);
	}
	if (ans->body_len > 0) {
		resp->body = (void *)(uintptr_t)ans->body; /* in the request's arena */
		resp->body_len = ans->body_len;
		resp->body_borrowed = true;
		if (resp->content_type == NULL)
			resp->content_type = "text/plain; charset=utf-8";
	}
	return WRIT_OK;
}

/* The request could not become input: 400, with OPA's reason as the body. */
static void
parse_error(struct writ_http_resp *resp, const struct writ_http_req *hr, const char *msg)
{
	char *text = writ_arena_alloc(hr->arena, strlen(msg) + 32);

	resp->status = 400;
	if (text == NULL)
		return;
	snprintf(text, strlen(msg) + 32, "request_parse_error: %s", msg);
	resp->body = text;
	resp->body_len = strlen(text);
	resp->body_borrowed = true;
	resp->content_type = "text/plain; charset=utf-8";
}

void
writ_ext_authz_http(const struct writ_ext_authz *x, enum writ_authz_http_mode mode,
    struct writ_http_req *hr, struct writ_http_resp *resp)
{
	struct writ_decision_caller caller = {hr->remote_addr, hr->spiffe_id};
	struct writ_envoy_http_req r = {0};
	struct writ_envoy_http_answer ans;
	struct writ_buf input, result;
	struct writ_err err = {0};
	char *id = writ_arena_alloc(hr->arena, 37);
	writ_rc rc;

	writ_buf_init(&input, 0);
	writ_buf_init(&result, 0);
	if (!original_request(mode, hr, resp, &r))
		goto out;
	if ((rc = writ_envoy_http_input(&r, &x->opts, hr->arena, &input, &err)) != WRIT_OK) {
		if (rc == WRIT_ENOMEM)
			goto fail;
		writ_log(WRIT_LOG_DEBUG, "authz: %s:%u: request_parse_error: %s", hr->remote_addr,
		    hr->remote_port, err.msg);
		parse_error(resp, hr, err.msg);
		goto out;
	}
	if (id == NULL || writ_uuid(id) != WRIT_OK) {
		WRIT_ERR(&err, WRIT_EINTERNAL, "cannot make a decision id");
		goto fail;
	}
	if (writ_http_resp_header(resp, "X-Writ-Decision-Id", id) != WRIT_OK ||
	    (rc = x->decider.decide(x->decider.arg, x->path, input.ptr, input.len, id, &caller,
	         &result, &err)) != WRIT_OK ||
	    (rc = writ_envoy_http_answer(
	         result.ptr, result.len, &x->opts, hr->arena, &ans, &err)) != WRIT_OK ||
	    (rc = answer(mode, &ans, resp, &err)) != WRIT_OK)
		goto fail;
	writ_log(WRIT_LOG_DEBUG, "authz: %s:%u: decision %s: %s", hr->remote_addr, hr->remote_port,
	    id, ans.allowed ? "allow" : "deny");
	goto out;
fail:
	writ_log(WRIT_LOG_WARN, "authz: %s:%u: decision %s: %s", hr->remote_addr, hr->remote_port,
	    id != NULL ? id : "-", err.msg);
	resp->nheaders = 0;
	resp->content_type = NULL;
	if ((id != NULL && writ_http_resp_header(resp, "X-Writ-Decision-Id", id) != WRIT_OK) ||
	    writ_http_resp_error(resp, 500, "policy error") != WRIT_OK)
		resp->close = true;
out:
	writ_buf_free(&input);
	writ_buf_free(&result);
}
