/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.send, internal to lib/rego: the builtin itself (http_send.c, called
 * by eval_native.c once its request object has the right keys and the
 * configuration enables it) and the inter-query cache of responses
 * (http_cache.c) behind struct writ_rego_http_cache.
 */
#ifndef WRIT_LIB_REGO_HTTP_SEND_H
#define WRIT_LIB_REGO_HTTP_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ/base.h"
#include "writ/rego.h"

#include "rego/eval.h"

/*
 * http.send(req) for the call term call with e->http enabled: *out gets the
 * response object (or, with raise_error false, the error object), or NULL
 * when an error makes the call undefined (not strict).  EV_OK or EV_HALT.
 */
int rego_http_send(struct rego_ev *e, const struct rego_term *call, const struct rego_val *req,
    const struct rego_val **out);

/* ---------------------------------------------------------------------------
 * The exchange with the server (http_fetch.c, libcurl).
 */

/* A request ready to send; every pointer borrowed, strings NUL-terminated. */
struct rego_http_req {
	const struct writ_rego_http *cfg; /* allowed hosts, body limit */
	const char *method;               /* upper-case token */
	const char *url;
	const char *body; /* sent when send_body (POST, PUT, PATCH, or a body given) */
	size_t bodylen;
	bool send_body;
	const char *const *hdrs; /* "Name: value" lines, already checked */
	size_t nhdrs;
	bool redirect;        /* follow redirects (to allowed hosts) */
	uint64_t retries;     /* further attempts after a network error */
	uint64_t timeout_ms;  /* per attempt, redirects included */
	uint64_t deadline_ms; /* the evaluation's deadline (writ_time_mono_ms), 0: none */
	bool insecure;        /* tls_insecure_skip_verify */
	bool system_certs;    /* trust the system's CAs besides ca / ca_file */
	const char *ca, *ca_file;
	size_t calen;
	const char *cert, *key, *cert_file, *key_file; /* client certificate */
	size_t certlen, keylen;
	const char *etag, *last_modified; /* revalidation: If-None-Match, If-Modified-Since */
};

/* How an exchange ended. */
enum rego_http_err {
	REGO_HE_OK,
	REGO_HE_NET,      /* connection, TLS, timeout, too many redirects (network error) */
	REGO_HE_INTERNAL, /* a bad URL, a response over the limits (internal error) */
	REGO_HE_DENIED,   /* a host (first or redirected to) that is not allowed: halts */
	REGO_HE_CANCEL,   /* the evaluation's time limit was reached: halts */
	REGO_HE_NOMEM,
};

/* The final response of an exchange, in malloc'd buffers (rego_http_fetched_free). */
struct rego_http_fetched {
	long code;
	struct writ_buf status, hdrs, body; /* hdrs: nhdrs pairs as in struct rego_http_resp */
	size_t nhdrs;
};

/*
 * Check that url (NUL-terminated) is an http or https URL to an allowed
 * host: REGO_HE_OK, REGO_HE_INTERNAL (not a URL, or another scheme) or
 * REGO_HE_DENIED, with msg filled.  Thread safe.
 */
enum rego_http_err rego_http_check_url(const struct writ_rego_http *cfg, const char *method,
    const char *url, char *msg, size_t msglen);
/*
 * Send r and read the response into *out (initialised here; free it with
 * rego_http_fetched_free whatever the result).  On an error msg has Go's
 * wording where OPA shows Go's (Get "URL": ...).  Thread safe.
 */
enum rego_http_err rego_http_fetch(
    const struct rego_http_req *r, struct rego_http_fetched *out, char *msg, size_t msglen);
void rego_http_fetched_free(struct rego_http_fetched *f);

/* ---------------------------------------------------------------------------
 * The inter-query cache (http_cache.c).
 */

/*
 * One response as the cache keeps it and as a response object is built
 * from: hdrs holds nhdrs pairs "name\0value\0" (names lower-case, in the
 * order received).  The pointers are borrowed.
 */
struct rego_http_resp {
	long code;
	const char *status; /* "200 OK" */
	size_t statuslen;
	const char *hdrs;
	size_t hdrslen, nhdrs;
	const char *body;
	size_t bodylen;
};

/* The first value of header name (lower-case) in r: false when there is none. */
bool rego_http_hdr(const struct rego_http_resp *r, const char *name, const char **val, size_t *len);

enum rego_hc {
	REGO_HC_MISS,  /* no entry */
	REGO_HC_FRESH, /* *out is the entry, still fresh */
	REGO_HC_STALE, /* *out is the entry, expired: revalidate or fetch again */
	REGO_HC_NOMEM, /* the copy into the arena failed */
};

/*
 * Look up the response kept under key (keylen bytes) at time now_ns (Unix
 * nanoseconds) and copy it into arena a.  Thread safe.
 */
enum rego_hc rego_http_cache_get(struct writ_rego_http_cache *c, const char *key, size_t keylen,
    int64_t now_ns, struct writ_arena *a, struct rego_http_resp *out);
/*
 * Keep a copy of r under key until expires_ns, replacing any entry with
 * that key and evicting the least recently used beyond the cache's bounds;
 * a response larger than the whole cache is not kept.  WRIT_OK,
 * WRIT_ETOOBIG (not kept) or WRIT_ENOMEM.  Thread safe.
 */
WRIT_MUST_CHECK writ_rc rego_http_cache_put(struct writ_rego_http_cache *c, const char *key,
    size_t keylen, const struct rego_http_resp *r, int64_t expires_ns);
/* Drop the entry under key, if any.  Thread safe. */
void rego_http_cache_drop(struct writ_rego_http_cache *c, const char *key, size_t keylen);

#endif /* WRIT_LIB_REGO_HTTP_SEND_H */
