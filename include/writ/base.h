/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base definitions shared by every module of libwrit: the return code type, the
 * non-allocating error record, allocation hooks (for fault injection), request
 * arenas, growable byte buffers, integer and duration parsing, time helpers and
 * the logging hook.  Nothing here prints, exits or opens files.
 */
#ifndef WRIT_BASE_H
#define WRIT_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WRIT_API        __attribute__((visibility("default")))
#define WRIT_MUST_CHECK __attribute__((warn_unused_result))
#define WRIT_PRINTF(a, b) __attribute__((format(printf, a, b)))

/*
 * Return codes.  Append-only: the numeric values and names are part of the API
 * (docs/ERRORS.md) and map to HTTP statuses in one table (writ_rc_http_status).
 */
typedef enum writ_rc {
	WRIT_OK = 0,
	WRIT_ENOMEM,
	WRIT_EINVAL,
	WRIT_ETOOBIG,
	WRIT_ELIMIT,
	WRIT_ENOTFOUND,
	WRIT_EDENIED,
	WRIT_ECONFLICT,
	WRIT_EIO,
	WRIT_EDB,
	WRIT_ECRYPTO,
	WRIT_EPARSE,
	WRIT_EINTERNAL,
	WRIT_ESEALED,
	WRIT_EUNSUPPORTED,
	WRIT_RC_MAX
} writ_rc;

/*
 * Error detail.  Never allocates, so it can be filled after an allocation
 * failure.  msg is for logs and, where the caller decides so, for clients.
 */
struct writ_err {
	writ_rc code;
	char msg[256];
	const char *file;
	int line;
};

/*
 * Fill err (may be NULL) and return code.  Use through WRIT_ERR so that the
 * source position is recorded.
 */
WRIT_API writ_rc writ_err_set(struct writ_err *err, writ_rc code, const char *file, int line,
    const char *fmt, ...) WRIT_PRINTF(5, 6);
#define WRIT_ERR(err, code, ...) writ_err_set((err), (code), __FILE__, __LINE__, __VA_ARGS__)

/* Stable lower-case name of a code ("not_found"), never NULL. */
WRIT_API const char *writ_rc_name(writ_rc rc);
/* HTTP status a code maps to (the single mapping table). */
WRIT_API int writ_rc_http_status(writ_rc rc);

#ifdef NDEBUG
#define WRIT_ALWAYS(x) (x)
#define WRIT_NEVER(x)  (x)
#else
#include <assert.h>
#define WRIT_ALWAYS(x) ((x) ? 1 : (assert(0), 0))
#define WRIT_NEVER(x)  ((x) ? (assert(0), 1) : 0)
#endif

#define WRIT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------------
 * Allocation.  All of libwrit allocates through these so that tests can fail
 * the Nth allocation (writ_fault_set).  Thread safe.
 */
WRIT_API void *writ_malloc(size_t len);
WRIT_API void *writ_calloc(size_t n, size_t len);
WRIT_API void *writ_realloc(void *p, size_t len);
WRIT_API void writ_free(void *p);
WRIT_API char *writ_strdup(const char *s);
/* Fail the nth allocation from now on (1 = the next one); 0 disables. */
WRIT_API void writ_fault_set(long nth);
/* True once the armed fault has fired. */
WRIT_API bool writ_fault_fired(void);
/* Allocations the calling thread has made through these functions so far. */
WRIT_API uint64_t writ_alloc_count(void);

/* Wipe len bytes at p in a way the compiler may not remove. */
WRIT_API void writ_memzero(void *p, size_t len);

/* ---------------------------------------------------------------------------
 * Arenas.  One per request: everything temporary is allocated from it and
 * released at once.  A byte cap bounds what one request may use.
 */
#define WRIT_ARENA_SECRET 0x1u /* wipe chunks when reset or freed */

struct writ_arena;

/* Create an arena with a byte cap (0 = unlimited).  Returns NULL on ENOMEM. */
WRIT_API struct writ_arena *writ_arena_new(size_t cap, unsigned flags);
/* Free the arena and everything in it; accepts NULL. */
WRIT_API void writ_arena_free(struct writ_arena *a);
/* Release everything but keep the first chunk for reuse. */
WRIT_API void writ_arena_reset(struct writ_arena *a);
/* Allocate len bytes aligned to 16; NULL when out of memory or over the cap. */
WRIT_API void *writ_arena_alloc(struct writ_arena *a, size_t len);
WRIT_API void *writ_arena_calloc(struct writ_arena *a, size_t n, size_t len);
/* Copy len bytes and add a NUL. */
WRIT_API char *writ_arena_strndup(struct writ_arena *a, const char *s, size_t len);
WRIT_API char *writ_arena_strdup(struct writ_arena *a, const char *s);
WRIT_API char *writ_arena_printf(struct writ_arena *a, const char *fmt, ...) WRIT_PRINTF(2, 3);
/* Bytes handed out so far. */
WRIT_API size_t writ_arena_used(const struct writ_arena *a);
/* True if an allocation failed because of the cap (not of malloc). */
WRIT_API bool writ_arena_over_cap(const struct writ_arena *a);

/* ---------------------------------------------------------------------------
 * Growable byte buffers (malloc-backed, with a maximum like curl's dynbuf).
 * ptr is always NUL-terminated when non-NULL; len excludes the NUL.
 */
struct writ_buf {
	char *ptr;
	size_t len;
	size_t cap;
	size_t max; /* 0 = SIZE_MAX/2 */
	bool secret; /* wipe on growth and free */
};

WRIT_API void writ_buf_init(struct writ_buf *b, size_t max);
WRIT_API void writ_buf_free(struct writ_buf *b);
WRIT_API void writ_buf_reset(struct writ_buf *b);
WRIT_API WRIT_MUST_CHECK writ_rc writ_buf_append(struct writ_buf *b, const void *p, size_t len);
WRIT_API WRIT_MUST_CHECK writ_rc writ_buf_appends(struct writ_buf *b, const char *s);
WRIT_API WRIT_MUST_CHECK writ_rc writ_buf_appendf(struct writ_buf *b, const char *fmt, ...)
    WRIT_PRINTF(2, 3);
WRIT_API WRIT_MUST_CHECK writ_rc writ_buf_vappendf(struct writ_buf *b, const char *fmt,
    va_list ap) WRIT_PRINTF(2, 0);
/* Append s as a JSON string literal with quotes and escapes. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_buf_append_json_str(struct writ_buf *b, const char *s,
    size_t len);
/* Hand the buffer to the caller (to free with writ_free); b becomes empty. */
WRIT_API char *writ_buf_steal(struct writ_buf *b, size_t *len);

/* ---------------------------------------------------------------------------
 * UTF-8.
 */

/*
 * Length of the well-formed UTF-8 sequence at s (n > 0 bytes available), or 0
 * when it is not one (RFC 3629: no overlongs, no surrogates, nothing past
 * U+10FFFF, no truncation).
 */
WRIT_API size_t writ_utf8_len(const unsigned char *s, size_t n);

/* ---------------------------------------------------------------------------
 * Parsing of numbers and durations.
 */

/* The value of a hex digit (0-9, a-f, A-F), or -1. */
WRIT_API int writ_hex_digit(int c);
/* Decimal unsigned integer, whole string, no sign, no spaces, overflow checked. */
WRIT_API WRIT_MUST_CHECK writ_rc writ_parse_u64(const char *s, size_t len, uint64_t *out);
/*
 * A duration as Vault accepts it: plain seconds ("3600"), or a sequence of
 * number+unit with units s, m, h, d ("1h30m", "90s", "0").  Result in seconds.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_parse_duration(const char *s, size_t len, int64_t *out);

/* ---------------------------------------------------------------------------
 * Time.
 */
/* Wall-clock time in seconds and nanoseconds. */
WRIT_API int64_t writ_time_now(void);
WRIT_API void writ_time_now_ns(int64_t *sec, long *nsec);
/* Monotonic milliseconds. */
WRIT_API uint64_t writ_time_mono_ms(void);
/* Monotonic microseconds and nanoseconds (timings, deadlines, benchmarks). */
WRIT_API uint64_t writ_time_mono_us(void);
WRIT_API uint64_t writ_time_mono_ns(void);
/* RFC 3339 UTC with nanoseconds ("2026-11-23T14:30:00.123456789Z"); buf >= 40. */
WRIT_API void writ_time_rfc3339(char *buf, size_t len, int64_t sec, long nsec);

/* ---------------------------------------------------------------------------
 * Logging.  lib/ never writes to a file itself: it calls the hook the program
 * installed (stderr by default in programs, nothing by default in lib/).
 */
enum writ_log_level {
	WRIT_LOG_ERROR = 0,
	WRIT_LOG_WARN,
	WRIT_LOG_INFO,
	WRIT_LOG_DEBUG,
	WRIT_LOG_TRACE,
};
typedef void (*writ_log_fn)(enum writ_log_level lvl, const char *msg, void *arg);
WRIT_API void writ_log_set(writ_log_fn fn, void *arg, enum writ_log_level max);
WRIT_API void writ_log(enum writ_log_level lvl, const char *fmt, ...) WRIT_PRINTF(2, 3);
WRIT_API bool writ_log_enabled(enum writ_log_level lvl);

#endif /* WRIT_BASE_H */
