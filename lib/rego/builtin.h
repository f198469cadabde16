/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Built-in functions of the Rego engine: the interface between the
 * evaluator and the families in lib/rego/builtins/ (one file a family, each
 * exporting one table).
 *
 * A builtin gets its operands as values and answers a value, "undefined",
 * or an error.  It never keeps pointers to its operands beyond the call and
 * allocates its result from the evaluation's arena.  Errors follow OPA:
 *   - a wrong operand type is an eval_type_error with OPA's message
 *     ("operand 1 must be string but got number"), see rego_berr_operand;
 *   - anything else (a malformed date, a bad regex, a failed verification
 *     where OPA errors) is an eval_builtin_error "name: message";
 * the evaluator decides, as OPA does, whether an error halts the query
 * (strict mode, type errors) or makes the expression undefined.
 */
#ifndef WRIT_LIB_REGO_BUILTIN_H
#define WRIT_LIB_REGO_BUILTIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ/rego.h"

#include "value.h"

/* What a call produced. */
enum rego_bres {
	REGO_B_OK = 0, /* *out is the result */
	REGO_B_UNDEF,  /* no result: the expression is undefined */
	REGO_B_ERR,    /* c->err is filled */
};

/* The evaluation a builtin runs in. */
struct rego_bctx {
	struct writ_arena *arena; /* results and temporaries */
	const char *name;         /* the builtin being called, for messages */
	int64_t now_ns;           /* time.now_ns() of this query (fixed per query) */
	uint64_t deadline_ms;     /* writ_time_mono_ms() the evaluation must end by; 0: none */
	bool strict;              /* strict builtin errors */
	struct writ_rego_error *err;
	void *eval; /* the evaluator's own state (print, trace, caches); opaque here */
};

typedef enum rego_bres (*rego_builtin_fn)(struct rego_bctx *c, const struct rego_val *const *args,
    const struct rego_val **out);

/* Flags of a builtin. */
#define REGO_BI_NONDET 0x1u /* result may differ between calls (time.now_ns, rand.intn, uuid.rfc4122) */

struct rego_builtin {
	const char *name; /* as called: "count", "object.get", "io.jwt.decode" */
	unsigned nargs;   /* operands (the result is not counted) */
	rego_builtin_fn fn;
	unsigned flags;
};

/* A family's table: lib/rego/builtins/<family>.c defines one of these. */
struct rego_builtin_family {
	const char *name; /* "strings" */
	const struct rego_builtin *v;
	size_t n;
};

/* The builtin called name (len bytes), or NULL.  O(log n) over every family. */
const struct rego_builtin *rego_builtin_lookup(const char *name, size_t len);

/*
 * Errors.  Both fill c->err (code, and message in OPA's words) and return
 * REGO_B_ERR, so a builtin can `return rego_berr(...)`.
 *   rego_berr_operand(c, 2, "string", v): "operand 2 must be string but got number"
 *   rego_berr_operand(c, 1, "one of {array, set}", v): for unions, in OPA's wording
 *   rego_berr(c, "invalid regular expression: %s", ...): "<name>: <message>"
 */
enum rego_bres rego_berr_operand(
    struct rego_bctx *c, unsigned pos, const char *want, const struct rego_val *got);
enum rego_bres rego_berr(struct rego_bctx *c, const char *fmt, ...) WRIT_PRINTF(2, 3);

#endif /* WRIT_LIB_REGO_BUILTIN_H */
