/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the core builtin families (core_util.c): OPA's error
 * shapes beyond builtin.h's two, results from buffers, integer operands,
 * UTF-8 decoding as Go does it (an invalid byte is U+FFFD of width 1) and
 * the limits on what input can make a builtin build.
 */
#ifndef WRIT_LIB_REGO_BUILTINS_CORE_INT_H
#define WRIT_LIB_REGO_BUILTINS_CORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rego/builtin.h"

/* Largest string a builtin builds (sprintf, concat, replace, encodings). */
#define CORE_MAX_STR ((size_t)64 << 20)
/* Most elements a builtin makes out of small input (numbers.range, split). */
#define CORE_MAX_ELEMS ((size_t)1 << 24)

/* eval_type_error "<name>: <message>" for OPA's free-form type errors. */
enum rego_bres core_type_err(struct rego_bctx *c, const char *fmt, ...) WRIT_PRINTF(2, 3);
/*
 * A failure of a value.h call: memory limits become eval_cancel_error,
 * out of memory and anything else eval_builtin_error with err's message.
 */
enum rego_bres core_fail(struct rego_bctx *c, writ_rc rc, const struct writ_err *err);

/* *out = a new string copied from (s, len). */
enum rego_bres core_str(
    struct rego_bctx *c, const char *s, size_t len, const struct rego_val **out);
/* *out = the buffer's text as a string; b is freed in every case. */
enum rego_bres core_buf_str(struct rego_bctx *c, struct writ_buf *b, const struct rego_val **out);
/* *out = an integer. */
enum rego_bres core_int(struct rego_bctx *c, int64_t i, const struct rego_val **out);
/* *out = an array of n borrowed values. */
enum rego_bres core_array(struct rego_bctx *c, const struct rego_val *const *elems, size_t n,
    const struct rego_val **out);
/* Room for n value pointers in the arena (overflow checked). */
enum rego_bres core_elems(struct rego_bctx *c, size_t n, const struct rego_val ***out);
/* Finish a builder into *out. */
enum rego_bres core_finish(
    struct rego_bctx *c, struct rego_builder *b, const struct rego_val **out);
/* Map a builder push/put result. */
enum rego_bres core_check(struct rego_bctx *c, writ_rc rc, const struct writ_err *err);

/*
 * Operand pos must be an integral number within int64: the type error
 * "operand N must be integer number but got floating-point number" (or
 * "... must be number but got <type>") otherwise.
 */
enum rego_bres core_arg_int(
    struct rego_bctx *c, unsigned pos, const struct rego_val *v, int64_t *out);

/* Decode one rune at s (n > 0 bytes); invalid sequences are U+FFFD, width 1. */
size_t core_utf8_decode(const char *s, size_t n, uint32_t *rune);
/* Append rune r as UTF-8 (U+FFFD for surrogates and out of range). */
WRIT_MUST_CHECK writ_rc core_utf8_append(struct writ_buf *b, uint32_t r);
/* Number of runes in (s, n). */
size_t core_utf8_count(const char *s, size_t n);
/* Simple case mapping of one rune (ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic). */
uint32_t core_rune_lower(uint32_t r);
uint32_t core_rune_upper(uint32_t r);


/* A writ_buf for results, bounded by CORE_MAX_STR. */
static inline void
core_buf_init(struct writ_buf *b)
{
	writ_buf_init(b, CORE_MAX_STR);
}

/* A writ_buf failure as a builtin error (too long or out of memory). */
enum rego_bres core_buf_err(struct rego_bctx *c, writ_rc rc);

#endif /* WRIT_LIB_REGO_BUILTINS_CORE_INT_H */
