/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Envoy external authorization (ext_authz v3) as OPA's Envoy plugin does it:
 * a serialized envoy.service.auth.v3.CheckRequest becomes the policy's input
 * document, and the policy's decision becomes a serialized CheckResponse.
 * The contract (which keys the input has, how a boolean or object decision is
 * read, which errors deny) is OPA's, written down in docs/API.md; the
 * messages are declared in proto/ (proto/README.md).
 *
 * These are pure functions over bytes: no sockets, no policy engine.  The
 * gRPC listener (server/grpc.c, server/ext_authz.c) frames the messages and
 * asks a struct writ_decider for the decision in between.  Every function is
 * thread safe; each call works in the arena it is given.
 */
#ifndef WRIT_ENVOY_H
#define WRIT_ENVOY_H

#include <stdbool.h>
#include <stddef.h>

#include "writ/base.h"

/* The decision OPA's Envoy plugin asks for by default: data.envoy.authz.allow. */
#define WRIT_ENVOY_DEFAULT_PATH "envoy/authz/allow"
/* gRPC method of the Check call. */
#define WRIT_ENVOY_CHECK_METHOD "/envoy.service.auth.v3.Authorization/Check"
/* Largest CheckRequest accepted, as grpc-go's default (OPA's grpc-max-recv-msg-size). */
#define WRIT_ENVOY_MAX_MSG (4u << 20)

/* ---------------------------------------------------------------------------
 * The decision interface.
 */

/* Who asked for a decision (for the decision log); NULL fields are unknown. */
struct writ_decision_caller {
	const char *remote_addr;
	const char *spiffe_id; /* the mTLS peer's */
};

/*
 * Evaluate the decision at path ("envoy/authz/allow" for data.envoy.authz.allow)
 * with input_json[0..input_len) (borrowed) as input, under decision_id (logged
 * with it).  On WRIT_OK, result (out, appended to) holds the decision's value
 * as JSON text, or stays empty when the decision is undefined.  On failure err
 * says why (an evaluation error, a limit, a decision log that cannot record
 * it) and result is unspecified.  Called on any worker thread at once.
 */
typedef writ_rc (*writ_decide_fn)(void *arg, const char *path, const char *input_json,
    size_t input_len, const char *decision_id, const struct writ_decision_caller *caller,
    struct writ_buf *result, struct writ_err *err);

/*
 * A source of decisions: the server's policy store (server/decision.c).  Both
 * fields are borrowed by whoever holds the decider.
 */
struct writ_decider {
	writ_decide_fn decide;
	void *arg;
};

/* ---------------------------------------------------------------------------
 * Requests and responses.
 */

/* Zero fields take the defaults shown. */
struct writ_envoy_opts {
	/* Leave parsed_body and truncated_body out (OPA's skip-request-body-parse). */
	bool skip_body_parse;
	/* A deny is sent as an allow (the verdict still says deny). */
	bool dry_run;
	/* Bytes of the input document, 16 MiB. */
	size_t max_input;
	/* Nesting of a JSON body and of the decision, 64 (at most 500, what Rego parses). */
	unsigned max_depth;
};

/*
 * Decode the CheckRequest msg[0..len) (borrowed) and write the input document
 * (a JSON object: attributes, version, parsed_path, parsed_query, parsed_body,
 * truncated_body, source_principal) to input (out, appended to).  Temporary
 * memory comes from a (borrowed), whose cap bounds what decoding may use.
 * o may be NULL for the defaults.
 *
 * Returns:
 *   WRIT_OK;
 *   WRIT_EPARSE  msg is not a CheckRequest: bad wire format, a string field
 *                that is not UTF-8 or holds a NUL, messages nested deeper than
 *                100 (protobuf C++'s limit; metadata Structs nest this way)
 *                (grpc-go answers this with INTERNAL, and so should the caller);
 *   WRIT_EINVAL  the request cannot be turned into input (a bad escape in the
 *                path or query, a body that does not parse as its content-type
 *                says, a non-integer content-length): OPA's request_parse_error,
 *                answered with writ_envoy_parse_error_response();
 *   WRIT_ELIMIT  a body nested deeper than max_depth, a body number the Rego
 *                engine cannot hold (beyond 1e30000 or 1000 characters), an
 *                input larger than max_input, or decoding over the arena's
 *                cap: answered the same way (fail closed);
 *   WRIT_ENOMEM.
 * err->msg has the reason; for EINVAL and ELIMIT it is fit for the client.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_envoy_input(const void *msg, size_t len,
    const struct writ_envoy_opts *o, struct writ_arena *a, struct writ_buf *input,
    struct writ_err *err);

/* What a decision came to. */
struct writ_envoy_verdict {
	bool allowed;    /* the policy's answer (before dry_run) */
	int http_status; /* denied object decisions: the status sent (403 by default); else 0 */
};

/*
 * Turn the decision result[0..len) (borrowed JSON text; len 0 = undefined)
 * into a serialized CheckResponse appended to out, with decision_id (borrowed,
 * may be NULL) added to its dynamic_metadata.  verdict (out, may be NULL)
 * says what was decided.  o may be NULL for the defaults.
 *
 * A boolean decides alone; an object needs a boolean "allowed" and may carry
 * headers, response_headers_to_add, request_headers_to_remove,
 * query_parameters_to_set, query_parameters_to_remove (allowed), body,
 * http_status (denied) and dynamic_metadata.
 *
 * Returns WRIT_OK; WRIT_EINVAL when the decision is undefined, not a boolean
 * or an object, lacks a boolean "allowed", or has a key of the wrong type or
 * an http_status Envoy does not know (the RPC then fails with UNKNOWN, as in
 * OPA, and Envoy applies its failure mode); WRIT_ELIMIT when it is nested
 * deeper than max_depth; WRIT_ENOMEM.  err->msg has the reason.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_envoy_response(const char *result, size_t len,
    const struct writ_envoy_opts *o, const char *decision_id, struct writ_arena *a,
    struct writ_buf *out, struct writ_envoy_verdict *verdict, struct writ_err *err);

/*
 * The CheckResponse for a request that could not become input (msg, borrowed,
 * is the reason): status PERMISSION_DENIED with message "request_parse_error:
 * <msg>" and a denied response 400 with that message as its body, as OPA
 * sends.  Appended to out.  Returns WRIT_OK or WRIT_ENOMEM.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_envoy_parse_error_response(
    const char *msg, struct writ_buf *out);

/* ---------------------------------------------------------------------------
 * Plain HTTP authorization requests: nginx auth_request and Envoy's HTTP
 * ext_authz mode (http_service).  The input has the shape of a CheckRequest's
 * (attributes.request.http, parsed_path, parsed_query, parsed_body, version),
 * so one policy serves gRPC, HTTP and nginx callers alike.
 */

/* One request header; the strings are borrowed and need not be NUL-terminated. */
struct writ_envoy_http_header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* The original request, as the proxy reported it.  Every pointer is borrowed. */
struct writ_envoy_http_req {
	const char *method; /* "GET" */
	const char *path;   /* the request target: path and "?query" (still encoded) */
	const char *scheme; /* "http", "https"; NULL or "" leaves it out */
	const struct writ_envoy_http_header *headers;
	size_t nheaders;
	const char *body; /* NULL when none */
	size_t body_len;
};

/*
 * Write the input document of the request r (borrowed) to input (out,
 * appended to): attributes.request.http with method, headers (names
 * lower-cased; repeated fields joined with ",", as Envoy does), path, host
 * (the Host header), scheme, size and body (rawBody when not UTF-8), then
 * version, parsed_path, parsed_query, parsed_body and truncated_body, as
 * writ_envoy_input builds them.  Temporary memory comes from a (borrowed).
 *
 * Returns WRIT_OK; WRIT_EINVAL and WRIT_ELIMIT as writ_envoy_input (the
 * request cannot become input: a bad escape, a body that does not parse, a
 * limit), with err->msg fit for the client; WRIT_ENOMEM.  Thread safe.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_envoy_http_input(const struct writ_envoy_http_req *r,
    const struct writ_envoy_opts *o, struct writ_arena *a, struct writ_buf *input,
    struct writ_err *err);

/* A header of an HTTP answer; the strings are NUL-terminated, in the arena. */
struct writ_envoy_http_answer_header {
	const char *name; /* canonical form: X-User */
	const char *value;
};

/*
 * A decision read for an HTTP caller: allowed with status 200 and the
 * decision's headers (to go upstream), or denied with http_status (403 by
 * default), headers and body.
 */
struct writ_envoy_http_answer {
	bool allowed;
	int status;
	struct writ_envoy_http_answer_header *headers;
	size_t nheaders;
	const char *body; /* denied object decisions' body, or NULL */
	size_t body_len;
};

/*
 * Read the decision result[0..len) (borrowed JSON text; len 0 = undefined)
 * with the rules of writ_envoy_response and fill out (its strings are in a,
 * borrowed).  dry_run turns a deny into a 200 without headers (out->allowed
 * still says false).  Returns WRIT_OK, or WRIT_EINVAL / WRIT_ELIMIT /
 * WRIT_ENOMEM as writ_envoy_response (the caller answers 500: the proxy
 * denies).  Thread safe.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_envoy_http_answer(const char *result, size_t len,
    const struct writ_envoy_opts *o, struct writ_arena *a, struct writ_envoy_http_answer *out,
    struct writ_err *err);

#endif /* WRIT_ENVOY_H */
