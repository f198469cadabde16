/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests and responses as API handlers see them, independent of HTTP.
 *
 * The server turns an HTTP request into a struct writ_req (operation, logical
 * path, parsed JSON body, caller's token), finds the mount that owns the path,
 * checks the ACL and calls the backend's handler, which fills a struct
 * writ_resp.  Handlers never see sockets or headers, so the same handler serves
 * the HTTP API, the CLI's local calls and tests.
 */
#ifndef WRIT_REQ_H
#define WRIT_REQ_H

#include <jansson.h>

#include "writ/base.h"

struct writ_core;
struct writ_mount;
struct writ_token;

enum writ_op {
	WRIT_OP_READ = 0, /* GET */
	WRIT_OP_CREATE,   /* POST/PUT to a path that does not exist (backend decides) */
	WRIT_OP_UPDATE,   /* POST/PUT */
	WRIT_OP_PATCH,    /* PATCH */
	WRIT_OP_DELETE,   /* DELETE */
	WRIT_OP_LIST,     /* LIST or GET ?list=true */
};

struct writ_req {
	struct writ_arena *arena;    /* everything temporary */
	struct writ_core *core;
	enum writ_op op;
	const char *path;            /* logical path after /v1/, no leading '/' */
	const char *rel;             /* path relative to the mount (after "secret/") */
	const struct writ_mount *mount;
	json_t *body;                /* request JSON object, never NULL (empty object) */
	json_t *query;               /* query parameters as a JSON object of strings */
	struct writ_token *token;    /* authenticated caller; NULL on unauthenticated paths */
	unsigned caps;               /* enum writ_cap bits the caller holds on path (acl.h) */
	const char *client_token;    /* the raw token presented (secret; never log) */
	const char *remote_addr;     /* peer IP address text */
	const char *id;              /* request id (UUID text) */
};

/*
 * A response.  Exactly one of the shapes is used:
 *  - raw != NULL: raw is the whole body (sys endpoints such as seal-status);
 *  - otherwise the Vault envelope {request_id, lease_id, renewable,
 *    lease_duration, data, wrap_info, warnings, auth} is built from the fields;
 *  - status 204: no body.
 * Errors: set rc != WRIT_OK and msg; status defaults from writ_rc_http_status
 * unless set.  The body is then {"errors": [msg]} unless raw or data is set
 * (a KV read of a deleted version returns 404 with its metadata in data).
 * Owned references (data, auth, raw, warnings) are released by the server.
 */
struct writ_resp {
	int status;           /* 0 = 200 (or 204 when there is nothing to send) */
	writ_rc rc;
	char msg[256];        /* client-facing error message */
	json_t *data;
	json_t *auth;
	json_t *raw;
	json_t *warnings;     /* array of strings */
	const char *lease_id;
	int64_t lease_duration;
	bool renewable;
	bool data_to_top;     /* also copy every member of data to the top level */
	uint64_t store_seq;   /* batch to make durable before replying (0 = none) */
};

/* Set an error on resp and return rc (for `return writ_resp_err(...)`). */
WRIT_API writ_rc writ_resp_err(struct writ_resp *resp, writ_rc rc, int status, const char *fmt,
    ...) WRIT_PRINTF(4, 5);

/* Query parameter value or NULL. */
WRIT_API const char *writ_req_query(const struct writ_req *req, const char *name);

/*
 * Body field helpers.  They accept Vault's loose typing: a number may come as
 * a JSON number or a numeric string, a bool as true/false or "true"/"false",
 * a duration as seconds (number or string) or "1h30m", a list as an array of
 * strings or a comma-separated string.  Absent: WRIT_ENOTFOUND (out untouched).
 * Wrong type: WRIT_EINVAL.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_req_str(const struct writ_req *req, const char *name,
    const char **out);
WRIT_API WRIT_MUST_CHECK writ_rc writ_req_int(const struct writ_req *req, const char *name,
    int64_t *out);
WRIT_API WRIT_MUST_CHECK writ_rc writ_req_bool(const struct writ_req *req, const char *name,
    bool *out);
WRIT_API WRIT_MUST_CHECK writ_rc writ_req_duration(const struct writ_req *req,
    const char *name, int64_t *out);
/* A JSON array of strings (arena-allocated vector); "a,b" strings are split. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_req_strlist(const struct writ_req *req, const char *name,
    char ***out, size_t *n);

/* Same helpers on any JSON value (for nested objects). */
WRIT_API WRIT_MUST_CHECK writ_rc writ_json_as_int(const json_t *v, int64_t *out);
WRIT_API WRIT_MUST_CHECK writ_rc writ_json_as_bool(const json_t *v, bool *out);
WRIT_API WRIT_MUST_CHECK writ_rc writ_json_as_duration(const json_t *v, int64_t *out);
WRIT_API WRIT_MUST_CHECK writ_rc writ_json_as_strlist(struct writ_arena *a, const json_t *v,
    char ***out, size_t *n);

/*
 * Append v as compact JSON (NULL as null).  WRIT_ELIMIT past 512 levels of
 * nesting, WRIT_ENOMEM / WRIT_ETOOBIG from the buffer.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_json_append(struct writ_buf *b, const json_t *v);

/* Handler of a backend: fill resp; return resp->rc. */
typedef writ_rc (*writ_handler_fn)(struct writ_req *req, struct writ_resp *resp);

#endif /* WRIT_REQ_H */
