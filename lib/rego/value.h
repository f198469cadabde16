/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The value model of writ's Rego engine, shared by every file of lib/rego:
 * the seven Rego types (null, boolean, number, string, array, object, set),
 * their total order and hash exactly as OPA's ast.Compare defines them,
 * numbers with OPA's arithmetic (int64 fast path, exact big integers, 64-bit
 * mantissa binary floats printed in Go's shortest form), JSON in and out with
 * OPA's conventions, and the Rego-syntax printer.
 *
 * Values are immutable once built and live in a struct writ_arena (a bundle's
 * arena for constants and data, an evaluation's arena for temporaries), so
 * there is no reference counting: a value lives as long as its arena.  This
 * departs from STYLE.md 5 (refcounted values) on purpose: arenas make values
 * free to share between threads once a bundle is built, and cost nothing to
 * release.  Everything here is thread safe in the sense that values may be
 * read from any number of threads; builders and arenas belong to one thread.
 *
 * Objects and sets keep their entries sorted in OPA's order without
 * duplicates, so iteration, comparison and printing need no sorting and
 * lookup is a binary search.  Builders collect entries in any order and sort
 * once (O(N log N)).
 */
#ifndef WRIT_LIB_REGO_VALUE_H
#define WRIT_LIB_REGO_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ/base.h"

/* Types, numbered in OPA's sort order (null < boolean < ... < set). */
enum rego_type {
	REGO_NULL = 0,
	REGO_BOOL,
	REGO_NUMBER,
	REGO_STRING,
	REGO_ARRAY,
	REGO_OBJECT,
	REGO_SET,
};

/* Number flag: the exact value is an integer within int64 (u.num.i holds it). */
#define REGO_NUM_I64 0x01u
/* Object flag: a hash index by key hash follows u.kvs (see rego_object_index). */
#define REGO_OBJ_INDEXED 0x02u

/* Limits on numbers: text length (digits and all) and decimal magnitude. */
#define REGO_NUM_MAX_LEN   1000
#define REGO_NUM_MAX_EXP10 30000

/* Default JSON limits (used where a limit is 0). */
#define REGO_JSON_MAX_DEPTH 512
#define REGO_JSON_MAX_BYTES ((size_t)1 << 30)

struct rego_kv;

/*
 * One value.  Read the fields directly; build only through the constructors
 * so that the invariants (hash, sorted unique entries, number flags) hold.
 */
struct rego_val {
	uint8_t type;  /* enum rego_type */
	uint8_t flags; /* REGO_NUM_* for numbers */
	uint64_t hash; /* rego_hash: consistent with rego_equal */
	size_t len;    /* string bytes, array/set elements, object entries, number text bytes */
	union {
		bool b;
		const char *s;                       /* string: len bytes, then a NUL */
		const struct rego_val *const *elems; /* array in order; set sorted, unique */
		const struct rego_kv *kvs;           /* object: sorted by key, unique */
		struct {
			int64_t i;        /* valid when flags & REGO_NUM_I64 */
			const char *text; /* len bytes; NULL: the value prints as i */
		} num;
	} u;
};

/* One object entry. */
struct rego_kv {
	const struct rego_val *key;
	const struct rego_val *val;
};

/* Shared immutable singletons; compare by value, never by address. */
extern const struct rego_val rego_null_val;
extern const struct rego_val rego_true_val;
extern const struct rego_val rego_false_val;
extern const struct rego_val rego_empty_string_val;
extern const struct rego_val rego_empty_array_val;
extern const struct rego_val rego_empty_object_val;
extern const struct rego_val rego_empty_set_val;

/* ---------------------------------------------------------------------------
 * Scalars.  Constructors allocate from the arena a and write *out only on
 * success; on failure they return WRIT_ENOMEM (WRIT_ELIMIT when the arena's
 * cap was hit) with err filled.
 */

/* The singleton true or false. */
const struct rego_val *rego_bool(bool b);
/* A string copied from (s, len); s may contain NUL bytes. */
WRIT_MUST_CHECK writ_rc rego_string(struct writ_arena *a, const char *s, size_t len,
    const struct rego_val **out, struct writ_err *err);
/* A string that borrows s, which must outlive the value and end with a NUL at s[len]. */
WRIT_MUST_CHECK writ_rc rego_string_borrow(struct writ_arena *a, const char *s, size_t len,
    const struct rego_val **out, struct writ_err *err);
/* An integer number. */
WRIT_MUST_CHECK writ_rc rego_int(
    struct writ_arena *a, int64_t i, const struct rego_val **out, struct writ_err *err);
/*
 * A number from JSON/Rego number text (-?int(.frac)?([eE][+-]?digits)?), kept
 * as given for printing.  WRIT_EPARSE on bad syntax, WRIT_ELIMIT beyond
 * REGO_NUM_MAX_LEN characters or a decimal exponent beyond REGO_NUM_MAX_EXP10.
 */
WRIT_MUST_CHECK writ_rc rego_number_parse(struct writ_arena *a, const char *s, size_t len,
    const struct rego_val **out, struct writ_err *err);

/* ---------------------------------------------------------------------------
 * Composites.  A builder collects elements (borrowed: they must live at least
 * as long as the result) in an arena and makes one value at the end.  Set and
 * object builders sort and drop duplicates whenever their room is full, so N
 * pushes cost O(N log N) time and memory proportional to the distinct
 * elements.  After a failure a builder must not be used again.
 */
struct rego_builder {
	struct writ_arena *a;
	struct rego_kv *kvs; /* arena; arrays and sets use .key only */
	struct rego_kv *tmp; /* arena; merge room, cap entries */
	size_t n, cap;
	size_t nsorted; /* sets and objects: kvs[0..nsorted) sorted and unique */
	uint8_t type;   /* REGO_ARRAY, REGO_SET or REGO_OBJECT */
	bool strict;    /* objects: an equal key with another value is a conflict */
	bool conflict;  /* such a conflict was seen */
};

/*
 * Start an empty builder of type (REGO_ARRAY, REGO_SET or REGO_OBJECT) over
 * arena a.  Set b->strict afterwards for Rego's object-conflict rule.
 */
void rego_builder_init(struct rego_builder *b, struct writ_arena *a, enum rego_type type);
/* Append an array or set element. */
WRIT_MUST_CHECK writ_rc rego_builder_push(
    struct rego_builder *b, const struct rego_val *v, struct writ_err *err);
/*
 * Put an object entry.  For an equal key the first key and the last value
 * are kept (OPA's object insert); with b->strict a different value makes
 * rego_builder_finish fail with WRIT_ECONFLICT.
 */
WRIT_MUST_CHECK writ_rc rego_builder_put(struct rego_builder *b, const struct rego_val *key,
    const struct rego_val *val, struct writ_err *err);
/* Make the value: arrays in push order, sets and objects sorted and unique. */
WRIT_MUST_CHECK writ_rc rego_builder_finish(
    struct rego_builder *b, const struct rego_val **out, struct writ_err *err);
/*
 * Internal (builders and the JSON parser): make a set or object from n
 * entries in any order; kvs is reordered, tmp has room for n entries.
 */
WRIT_MUST_CHECK writ_rc rego_kvs_finish(struct writ_arena *a, enum rego_type type,
    struct rego_kv *kvs, size_t n, struct rego_kv *tmp, bool strict, const struct rego_val **out,
    struct writ_err *err);
/* Internal (the JSON parser): an array of the n values kvs[i].key. */
WRIT_MUST_CHECK writ_rc rego_kvs_array(struct writ_arena *a, const struct rego_kv *kvs, size_t n,
    const struct rego_val **out, struct writ_err *err);
/* An array of n values copied from elems (the values are borrowed). */
WRIT_MUST_CHECK writ_rc rego_array(struct writ_arena *a, const struct rego_val *const *elems,
    size_t n, const struct rego_val **out, struct writ_err *err);

/* ---------------------------------------------------------------------------
 * Access.
 */

/* Element i of an array, or NULL when i is out of range or v is no array. */
const struct rego_val *rego_array_get(const struct rego_val *v, size_t i);
/* Value under key in object v, or NULL; O(log n). */
const struct rego_val *rego_object_get(const struct rego_val *v, const struct rego_val *key);
/* Value under the string key (s, len) in object v, or NULL; O(log n). */
const struct rego_val *rego_object_get_str(const struct rego_val *v, const char *s, size_t len);
/* True if set v contains e; O(log n). */
bool rego_set_contains(const struct rego_val *v, const struct rego_val *e);
/* A string's bytes and length without copying; false if v is no string. */
bool rego_str_view(const struct rego_val *v, const char **s, size_t *len);
/* OPA's name of v's type: "null", "boolean", "number", "string", "array", "object", "set". */
const char *rego_type_name(const struct rego_val *v);

/* ---------------------------------------------------------------------------
 * Order, equality and hashing (OPA's ast.Compare).
 */

/* Negative, zero or positive as a sorts before, with or after b. */
int rego_compare(const struct rego_val *a, const struct rego_val *b);
/* True if a and b are equal values (1 equals 1.0). */
bool rego_equal(const struct rego_val *a, const struct rego_val *b);
/* 64-bit hash; equal values hash equal.  Not keyed: no defence against flooding. */
static inline uint64_t
rego_hash(const struct rego_val *v)
{
	return v->hash;
}

/* ---------------------------------------------------------------------------
 * Numbers (number.c).  Operands must be numbers (assert).  Results are
 * arena values.  Domain errors are WRIT_EINVAL with OPA's message ("divide by
 * zero", "modulo by zero", "modulo on floating-point number"); results beyond
 * the number limits are WRIT_ELIMIT.
 */

/* a + b, a - b, a * b, a / b, a % b with OPA's semantics. */
WRIT_MUST_CHECK writ_rc rego_num_add(struct writ_arena *ar, const struct rego_val *a,
    const struct rego_val *b, const struct rego_val **out, struct writ_err *err);
WRIT_MUST_CHECK writ_rc rego_num_sub(struct writ_arena *ar, const struct rego_val *a,
    const struct rego_val *b, const struct rego_val **out, struct writ_err *err);
WRIT_MUST_CHECK writ_rc rego_num_mul(struct writ_arena *ar, const struct rego_val *a,
    const struct rego_val *b, const struct rego_val **out, struct writ_err *err);
WRIT_MUST_CHECK writ_rc rego_num_div(struct writ_arena *ar, const struct rego_val *a,
    const struct rego_val *b, const struct rego_val **out, struct writ_err *err);
WRIT_MUST_CHECK writ_rc rego_num_rem(struct writ_arena *ar, const struct rego_val *a,
    const struct rego_val *b, const struct rego_val **out, struct writ_err *err);

/* Unary operations on numbers. */
enum rego_num_unop {
	REGO_NUM_NEG,
	REGO_NUM_ABS,
	REGO_NUM_ROUND, /* half away from zero */
	REGO_NUM_CEIL,
	REGO_NUM_FLOOR,
};
/* -a, abs(a), round(a), ceil(a), floor(a). */
WRIT_MUST_CHECK writ_rc rego_num_unary(struct writ_arena *ar, enum rego_num_unop op,
    const struct rego_val *a, const struct rego_val **out, struct writ_err *err);
/* Exact numeric comparison of two numbers (1 == 1.0 == 1e0). */
int rego_num_compare(const struct rego_val *a, const struct rego_val *b);
/* True, with *out set, if v is a number whose exact value is an int64. */
bool rego_num_i64(const struct rego_val *v, int64_t *out);
/* True if v is a number with an integral value (any size). */
bool rego_num_is_int(const struct rego_val *v);
/* v as the nearest double; false (and *out untouched) if v is no number or overflows. */
bool rego_num_double(const struct rego_val *v, double *out);
/* A number from a finite double, printed as Go's strconv 'g' shortest form would. */
WRIT_MUST_CHECK writ_rc rego_num_from_double(
    struct writ_arena *ar, double d, const struct rego_val **out, struct writ_err *err);
/* Append the number's text (as given, or as computed) to buf. */
WRIT_MUST_CHECK writ_rc rego_num_append(struct writ_buf *buf, const struct rego_val *v);

/* Internal: hash of a number's exact value (i when is_i64, else from the text). */
uint64_t rego_num_hash(int64_t i, bool is_i64, const char *text, size_t len);
/* Internal: 64-bit hash of len bytes at p. */
uint64_t rego_hash_bytes(const void *p, size_t len, uint64_t seed);
/* Internal: the final mixing step of rego_hash_bytes. */
uint64_t rego_hash_mix(uint64_t x);
/*
 * Internal: give every large object within v a hash index for rego_object_get,
 * allocated from a.  Only for values built in a and not yet shared with any
 * other thread (the bundle's data at compile time); the values stay equal.
 */
WRIT_MUST_CHECK writ_rc rego_object_index(
    struct writ_arena *a, const struct rego_val *v, struct writ_err *err);

/* ---------------------------------------------------------------------------
 * JSON and printing (json.c).
 */

/* Limits for rego_json_parse; 0 selects the default. */
struct rego_json_limits {
	size_t max_bytes;   /* REGO_JSON_MAX_BYTES */
	unsigned max_depth; /* REGO_JSON_MAX_DEPTH */
};

/*
 * Parse one JSON text (RFC 8259, strict UTF-8, no BOM) into a value.
 * Duplicate object keys: the last wins.  Numbers keep their text.  lim may
 * be NULL.  WRIT_EPARSE with the byte offset in err on bad input,
 * WRIT_ELIMIT over a limit, WRIT_ENOMEM / WRIT_ELIMIT on memory.
 */
WRIT_MUST_CHECK writ_rc rego_json_parse(struct writ_arena *a, const char *s, size_t len,
    const struct rego_json_limits *lim, const struct rego_val **out, struct writ_err *err);

/* Output layout for rego_json_write (Go's json.MarshalIndent); NULL = compact. */
struct rego_json_fmt {
	const char *prefix; /* before each line but the first */
	const char *indent; /* once per nesting level */
};

/*
 * Append v as JSON the way OPA prints it (Go encoding/json): object keys
 * sorted bytewise, sets as sorted arrays, non-string keys replaced by their
 * compact JSON text, numbers as their text, strings with <, >, &, U+2028,
 * U+2029 escaped and invalid UTF-8 replaced by U+FFFD.  fmt may be NULL.
 */
WRIT_MUST_CHECK writ_rc rego_json_write(struct writ_buf *buf, const struct rego_val *v,
    const struct rego_json_fmt *fmt, struct writ_err *err);

/* Append v in Rego syntax as OPA's String() does: sets {1, 2}, empty set set(). */
WRIT_MUST_CHECK writ_rc rego_print(
    struct writ_buf *buf, const struct rego_val *v, struct writ_err *err);
/* Append s quoted as Go's strconv.Quote does (used by rego_print for strings). */
WRIT_MUST_CHECK writ_rc rego_quote(struct writ_buf *buf, const char *s, size_t len);

/* Internal: fail with WRIT_ELIMIT if a's cap was hit, else WRIT_ENOMEM. */
writ_rc rego_oom(struct writ_arena *a, struct writ_err *err);

#endif /* WRIT_LIB_REGO_VALUE_H */
