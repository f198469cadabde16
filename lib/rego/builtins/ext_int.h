/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers private to the families in families_ext.h (ext_util.c): result
 * construction that turns allocation failures into builtin errors, Go's
 * base64 decoding with its error offsets, hex output, integer operands,
 * PEM/DER helpers and the time zone reader shared by time and providers.
 */
#ifndef WRIT_LIB_REGO_BUILTINS_EXT_INT_H
#define WRIT_LIB_REGO_BUILTINS_EXT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rego/builtin.h"

/*
 * An allocation failed: fill c->err ("eval_cancel_error" when the arena's
 * cap was reached, "eval_internal_error" otherwise) and return REGO_B_ERR.
 */
enum rego_bres ext_oom(struct rego_bctx *c);
/* Fill c->err with an arbitrary code and "name: message". */
enum rego_bres ext_err_code(struct rego_bctx *c, const char *code, const char *fmt, ...)
    WRIT_PRINTF(3, 4);

/* *out = a string copied from (s, len) / the number i / the hex of (p, len). */
enum rego_bres ext_str(struct rego_bctx *c, const char *s, size_t len, const struct rego_val **out);
enum rego_bres ext_int(struct rego_bctx *c, int64_t i, const struct rego_val **out);
enum rego_bres ext_hex(struct rego_bctx *c, const void *p, size_t len, const struct rego_val **out);
/* A value made with a writ_rc constructor: map failure to ext_oom. */
#define EXT_TRY(c, expr)                   \
	do {                               \
		struct writ_err ext_e_;    \
		if ((expr) != WRIT_OK) {   \
			(void)ext_e_;      \
			return ext_oom(c); \
		}                          \
	} while (0)

/*
 * Go's encoding/base64: url selects the URL alphabet, pad requires '='
 * padding (StdEncoding / URLEncoding) or rejects it (Raw*).  \r and \n are
 * skipped as Go does.  out must hold 3 * (len / 4) + 3 bytes.  On failure
 * *bad is the offset Go reports ("illegal base64 data at input byte N").
 */
bool ext_b64_decode(const char *in, size_t len, bool url, bool pad, unsigned char *out,
    size_t *outlen, size_t *bad);
/*
 * OPA's base64url.decode: padding added when missing (RFC 7515 appendix C),
 * then URLEncoding.  Allocates the output from the arena (NUL-terminated).
 * On failure writes Go's message to msg.
 */
bool ext_b64url_decode_opa(struct writ_arena *a, const char *in, size_t len, unsigned char **out,
    size_t *outlen, char *msg, size_t msglen);

/* A number operand that must be an int64: false when it is no integer or too large. */
bool ext_num_i64(const struct rego_val *v, int64_t *out);

/* Append to a buffer, mapping failure to a flag (checked once at the end). */
void ext_bput(struct writ_buf *b, bool *ok, const void *p, size_t len);
void ext_bputs(struct writ_buf *b, bool *ok, const char *s);

/*
 * An object built member by member where any failure (a NULL value, an
 * allocation) is remembered and reported once by ext_obj_finish.
 */
struct ext_obj {
	struct rego_bctx *c;
	struct rego_builder b;
	bool ok;
};

void ext_obj_init(struct ext_obj *o, struct rego_bctx *c);
/* o[k] = v (borrowed); a NULL v marks the object failed. */
void ext_obj_put(struct ext_obj *o, const char *k, const struct rego_val *v);
/* The object, or NULL when a put or the allocation failed. */
const struct rego_val *ext_obj_finish(struct ext_obj *o);

/* ---------------------------------------------------------------------------
 * Time zones (tz.c).  A zone is the data of one TZif file: transitions and
 * the local time types they switch to, plus the POSIX TZ rule for times
 * after the last transition.  Zones are read from /usr/share/zoneinfo once
 * and cached for the process (thread safe); "UTC" and "" need no file.
 */
struct ext_tz;
/* The zone called name (len bytes); NULL with msg filled when unknown or invalid. */
const struct ext_tz *ext_tz_load(const char *name, size_t len, char *msg, size_t msglen);
/* Offset from UTC in seconds and abbreviation of zone z at Unix time t. */
int32_t ext_tz_offset(const struct ext_tz *z, int64_t t, const char **abbr);
/* Days from 1970-01-01 to the proleptic Gregorian date y-m-d (m 1..12, d 1..31). */
int64_t ext_days_from_civil(int64_t y, int m, int d);
/* The UTC zone. */
const struct ext_tz *ext_tz_utc(void);

/* For the fuzz target (time.c): parse value with a Go layout, format it back with the same layout. */
bool ext_time_parse_format(
    const char *layout, size_t llen, const char *value, size_t vlen, struct writ_buf *out);

#endif /* WRIT_LIB_REGO_BUILTINS_EXT_INT_H */
