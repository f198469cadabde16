/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private declarations shared by the Envoy ext_authz files of lib/policy:
 * the JSON emitter that writes the input document, the body parsers, and the
 * small string helpers (percent-decoding, UTF-8, key grouping) they share.
 *
 *   envoy_json.c      the emitter; JSON bodies checked and copied
 *   envoy_input.c     CheckRequest -> input document
 *   envoy_body.c      parsed_body: form and multipart bodies, content types
 *   envoy_response.c  decision -> CheckResponse
 */
#ifndef WRIT_LIB_POLICY_ENVOY_INT_H
#define WRIT_LIB_POLICY_ENVOY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ/base.h"
#include "writ/envoy.h"

#define ENVOY_DEF_MAX_INPUT (16u << 20)
#define ENVOY_DEF_MAX_DEPTH 64
/* Nesting of protobuf messages, as protobuf C++ (Envoy's) allows by default. */
#define ENVOY_MAX_PROTO_DEPTH 100
/* What the Rego engine's JSON parser takes (lib/rego/value.h): nesting, and numbers. */
#define ENVOY_MAX_JSON_DEPTH 500
#define ENVOY_NUM_MAX_LEN    1000
#define ENVOY_NUM_MAX_EXP10  30000

/*
 * The emitter: JSON text appended to b.  The first error sticks in rc (with
 * the reason in err) and makes every later call a no-op, so a writer checks
 * once at the end.
 */
struct jw {
	struct writ_buf *b;
	struct writ_arena *a;
	struct writ_err *err;
	size_t max;         /* bytes of b, beyond which WRIT_ELIMIT */
	unsigned max_depth; /* of JSON bodies copied with jw_json */
	writ_rc rc;
};

/* Record the first error (a no-op once one is recorded); returns w->rc. */
writ_rc jw_fail(struct jw *w, writ_rc rc, const char *fmt, ...) WRIT_PRINTF(3, 4);
void jw_raw(struct jw *w, const char *s, size_t len);
void jw_lit(struct jw *w, const char *s);
/* A string; a field that must be UTF-8 fails with WRIT_EPARSE when it is not. */
void jw_str(struct jw *w, const char *s, size_t len);
/* A string of any bytes: invalid UTF-8 becomes U+FFFD, as Go's JSON does. */
void jw_str_lossy(struct jw *w, const char *s, size_t len);
/* ,"key": -- the comma unless *first, which it then clears. */
void jw_key(struct jw *w, bool *first, const char *key);
void jw_i64(struct jw *w, int64_t v);
void jw_u64(struct jw *w, uint64_t v);
/* A double as the shortest text that reads back the same; NaN and infinities as null. */
void jw_double(struct jw *w, double v);
/* Standard base64 with padding, as protojson writes bytes. */
void jw_b64(struct jw *w, const void *p, size_t len);
/*
 * The JSON text s[0..len), checked (RFC 8259, nesting at most w->max_depth,
 * WRIT_ELIMIT beyond) and copied: strings keep their text except that invalid
 * UTF-8 and lone surrogate escapes become U+FFFD (Go's encoding/json).  A
 * syntax error fails with WRIT_EINVAL and a message like Go's.
 */
void jw_json(struct jw *w, const char *s, size_t len);

bool envoy_utf8_valid(const char *s, size_t len);

/*
 * Percent-decode s[0..len) into the arena (NUL-terminated, *outlen set) as Go's
 * url.PathUnescape (plus kept) or url.QueryUnescape (plus_space: '+' is ' ')
 * does.  WRIT_EINVAL with err set to Go's message for a bad escape.
 */
writ_rc envoy_unescape(struct writ_arena *a, const char *s, size_t len, bool plus_space, char **out,
    size_t *outlen, struct writ_err *err);

/* One name and value, as a form or query has them. */
struct envoy_pair {
	const char *key;
	size_t klen;
	const char *val;
	size_t vlen;
	bool json; /* val is JSON text to copy (multipart JSON parts), not a string */
};

/*
 * Go's url.ParseQuery: '&'-separated name=value pairs, unescaped with '+' as a
 * space; empty pieces skipped; a ';' or a bad escape is WRIT_EINVAL.  *out is
 * an arena array of *n pairs in order.
 */
writ_rc envoy_parse_query(struct writ_arena *a, const char *s, size_t len, struct envoy_pair **out,
    size_t *n, struct writ_err *err);
/*
 * Write pairs as an object of name -> array of values, values in their order
 * and names grouped (a repeated name collects all its values).  Reorders p.
 */
void envoy_emit_multimap(struct jw *w, struct envoy_pair *p, size_t n);

/*
 * Write parsed_body and truncated_body for a body whose request headers are
 * looked up with the function given; content-type decides the parser.
 */
typedef const char *(*envoy_header_fn)(const void *arg, const char *name);
void envoy_emit_body(struct jw *w, envoy_header_fn hdr, const void *harg, const char *body,
    size_t body_len, const void *raw, size_t raw_len, bool *first);

/* Sort an array of n keys and mark which to keep: the last of equal keys (protobuf maps). */
struct envoy_key {
	const char *key;
	size_t idx;
};
/* Sort k (by key, then index) and compact it to the last entry of each key; returns the count. */
size_t envoy_keys_last(struct envoy_key *k, size_t n);

#endif /* WRIT_LIB_POLICY_ENVOY_INT_H */
