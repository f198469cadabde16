/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rego, OPA's policy language: compile modules and data into an immutable
 * bundle, then evaluate queries against it.
 *
 * A bundle is read-only once compiled and may be shared by any number of
 * threads evaluating at once; replacing policies means compiling a new
 * bundle and swapping the pointer (in-flight evaluations finish on the old
 * one, which the owner frees when they are done).  Each evaluation works in
 * its own arena, bounded by the limits it is given, and leaves nothing
 * behind but its result.
 *
 * Errors carry OPA's codes and positions, so that writ's CLI and API report
 * them the way `opa` does: rego_parse_error, rego_compile_error,
 * rego_type_error, rego_unsafe_var_error, rego_recursion_error at compile
 * time; eval_type_error, eval_builtin_error, eval_conflict_error,
 * eval_cancel_error (a limit was reached) at evaluation time.
 */
#ifndef WRIT_REGO_H
#define WRIT_REGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ/base.h"

struct writ_rego_bundle;
struct writ_rego_prepared;

/* One error.  Empty strings and zero positions when not known. */
struct writ_rego_error {
	char code[48];     /* OPA's error code, e.g. "eval_conflict_error" */
	char message[512]; /* without the position and code */
	char file[256];
	int row;
	int col;
};

/*
 * Write e as OPA prints an error: "file:row: code: message" (the position
 * left out when unknown).  Returns the length it needed, like snprintf.
 */
WRIT_API size_t writ_rego_error_format(const struct writ_rego_error *e, char *buf, size_t len);

/* A module's source; name is used in positions ("policy.rego"). */
struct writ_rego_source {
	const char *name;
	const char *text;
	size_t len;
};

/* Bounds on one evaluation; zero fields take the defaults in docs/CONFIGURATION.md. */
struct writ_rego_limits {
	uint64_t max_steps;  /* evaluation steps (unifications, rule and builtin calls) */
	size_t max_bytes;    /* memory of the evaluation's arena */
	uint64_t timeout_ms; /* wall-clock time */
};

/*
 * A data document as loaded from a file: JSON or YAML text to be placed at a
 * path of the base document ("" for the root, where it must be an object;
 * "a/b" for data.a.b), as `opa eval -d DIR` places a directory's data files.
 */
struct writ_rego_doc {
	const char *name; /* file name, for errors */
	const char *path;
	const char *text;
	size_t len;
	bool yaml;
};

/*
 * Merge documents into one base document, written to json as an object.
 * Objects merge key by key; any other value meeting another at the same
 * place is a conflict (rego_compile_error "merge error", naming the file and
 * the path).  Limits: each document's size and depth as for JSON input.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_rego_data_merge(const struct writ_rego_doc *docs, size_t n,
    struct writ_buf *json, struct writ_rego_error *err);

struct writ_rego_compile_opts {
	const struct writ_rego_source *modules;
	size_t nmodules;
	const char *data_json; /* the base document (a JSON object), or NULL */
	size_t data_len;
	/*
	 * Refuse base data at or under a rule's path ("conflicting rule for
	 * data path a/b/p found", rego_compile_error at the rule), as `opa
	 * eval`, `opa check -b` and OPA's server do (its compiler given the
	 * store).  Off, the base document wins over the rule, as in OPA's
	 * topdown tests, which compile without a store.
	 */
	bool data_conflicts;
};

/*
 * Parse and compile the modules with the data into a bundle.  On failure
 * err has the first error (every error is reported by writ policy check).
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_rego_compile(const struct writ_rego_compile_opts *o,
    struct writ_rego_bundle **out, struct writ_rego_error *err);
WRIT_API void writ_rego_bundle_free(struct writ_rego_bundle *b);

/*
 * Whether data.<path> may be defined in bundle b whatever the input: false
 * when no rule, package or base document lies on the '/'-separated,
 * undecoded path ("system/log/mask"), so evaluating it can only give
 * undefined.  Conservative: true when a rule on the way could produce it, or
 * when unsure.  b and path are borrowed.  Thread safe.
 */
WRIT_API bool writ_rego_path_may_define(const struct writ_rego_bundle *b, const char *path);

/*
 * How much of an evaluation's trace to report, as `opa eval --explain`:
 * NOTES keeps the notes of trace(msg) with the Enter and Redo events of the
 * queries leading to each, FAILS the same for expressions that failed, FULL
 * every event, DEBUG every event with the variables bound in its query.
 * Without it (OFF) evaluation is not slowed: the evaluator tests one
 * pointer per body and expression.  docs/REGO.md describes the events.
 */
enum writ_rego_explain {
	WRIT_REGO_EXPLAIN_OFF = 0,
	WRIT_REGO_EXPLAIN_NOTES,
	WRIT_REGO_EXPLAIN_FAILS,
	WRIT_REGO_EXPLAIN_FULL,
	WRIT_REGO_EXPLAIN_DEBUG,
};

/*
 * The explain mode named s ("off", "notes", "fails", "full", "debug") into
 * *out.  Returns WRIT_OK, or WRIT_EINVAL for any other name (*out
 * unchanged).  Thread safe.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_rego_explain_parse(
    const char *s, enum writ_rego_explain *out);

/*
 * http.send: outbound HTTP from policies.  Without this (NULL, or enabled
 * false) every http.send call is refused with eval_builtin_error
 * "http.send: outbound requests are disabled in this server", so that no
 * policy reaches the network unless the operator says so.  When enabled, a
 * request may go only to an http or https URL whose host is allowed, and it
 * is bounded in time and size.  docs/CONFIGURATION.md has the defaults for
 * zero fields, docs/REGO.md the behaviour.  The structure is only read:
 * one may serve any number of evaluations on any threads at once.
 */
struct writ_rego_http_cache;

#define WRIT_REGO_HTTP_TIMEOUT_MS     ((uint64_t)5000)
#define WRIT_REGO_HTTP_MAX_TIMEOUT_MS ((uint64_t)30000)
#define WRIT_REGO_HTTP_MAX_BODY       ((size_t)1 << 20)

struct writ_rego_http {
	bool enabled;
	/*
	 * Hosts requests may go to (borrowed): a name or IP address matched
	 * exactly, ignoring case ("api.example.com", "10.0.0.7", "::1"),
	 * "*.example.com" for any name under example.com (not example.com
	 * itself, never an IP address), or "*" for any host.  None: every
	 * request is refused.
	 * Redirects are checked against the list too.
	 */
	const char *const *allow_hosts;
	size_t nallow_hosts;
	uint64_t timeout_ms;     /* a request's timeout when it gives none; 0: 5 s */
	uint64_t max_timeout_ms; /* cap on a request's own timeout; 0: 30 s */
	size_t max_body_bytes;   /* largest response body; 0: 1 MiB; larger is an error */
	/* The inter-query cache (cache / force_cache requests), or NULL: none. */
	struct writ_rego_http_cache *cache;
};

/*
 * An inter-query cache of http.send responses, shared by every evaluation
 * given it, on any thread (it has its own lock).  At most max_entries
 * responses (0: 1,024) and max_bytes bytes of them (0: 16 MiB); the least
 * recently used go first.  *out gets the cache on WRIT_OK; WRIT_ENOMEM.
 * Free it with writ_rego_http_cache_free once no evaluation uses it
 * (NULL is accepted).
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_rego_http_cache_new(
    size_t max_entries, size_t max_bytes, struct writ_rego_http_cache **out);
WRIT_API void writ_rego_http_cache_free(struct writ_rego_http_cache *c);

struct writ_rego_eval_opts {
	const char *query;      /* e.g. "data.authz.allow = x"; required by writ_rego_eval */
	const char *input_json; /* the input document as JSON, or NULL */
	size_t input_len;
	const char *input_term; /* or the input as a Rego term (NUL-terminated), or NULL */
	bool strict_builtin_errors;
	int64_t now_ns; /* what time.now_ns() returns for this query; 0: the clock, once */
	struct writ_rego_limits limits;
	/*
	 * Where print() writes: one call per print with its operands joined by
	 * spaces (strings as they are, other values in Rego syntax, an undefined
	 * operand as <undefined>) and the position of the call.  NULL: print
	 * succeeds and says nothing.
	 */
	void (*print)(void *arg, const char *file, int row, const char *msg);
	void *print_arg;
	/*
	 * The trace (explain not OFF): appended to explanation (borrowed,
	 * required then) once the query has run, whether it succeeded or
	 * failed, as a JSON array of events or, explain_pretty, the lines `opa
	 * eval --format pretty` prints.  At most explain_max_events events are
	 * kept and explain_max_bytes bytes appended (0: 100,000 events, 16 MiB);
	 * a trace cut short ends with a "Truncated" event saying how much is
	 * missing.  trace(msg) reports to the trace only.
	 */
	enum writ_rego_explain explain;
	bool explain_pretty;
	struct writ_buf *explanation;
	size_t explain_max_events;
	size_t explain_max_bytes;
	/*
	 * http.send's configuration (borrowed; it and its cache must outlive
	 * the evaluation), or NULL: refused.  The evaluation's time limit
	 * bounds a request in flight too.
	 */
	const struct writ_rego_http *http;
};

/*
 * Evaluate a query.  On success result gets the result set as `opa eval`
 * prints its "result" member: a JSON array with one element per solution,
 * {"expressions":[{"value":...,"text":"...","location":{"row":R,"col":C}}],
 * "bindings":{"x":...}} ("bindings" left out when there are no variables);
 * [] when the query is undefined.  Sets are printed as arrays in Rego's
 * order, objects with their keys sorted.  On failure err has the error and
 * result is unchanged.  With o->explain, the trace is appended to
 * o->explanation (WRIT_EINVAL when that is NULL), on failure too.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_rego_eval(const struct writ_rego_bundle *b,
    const struct writ_rego_eval_opts *o, struct writ_buf *result, struct writ_rego_error *err);

/*
 * Prepare a query for repeated evaluation: parse it, check it against the
 * bundle b and order its literals once (writ_rego_eval does this on every
 * call).  b is borrowed and must outlive the prepared query; query is
 * copied.  On success *out gets a prepared query to free with
 * writ_rego_prepared_free; on failure err has the error (rego_parse_error,
 * rego_compile_error, rego_unsafe_var_error, ...) and *out is unchanged.
 * Returns WRIT_OK, WRIT_EINVAL (no bundle or query), WRIT_EPARSE or another
 * compile error's code, or WRIT_ENOMEM.
 *
 * A prepared query is immutable: any number of threads may evaluate it at
 * once, as they may share its bundle.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_rego_prepare(const struct writ_rego_bundle *b,
    const char *query, struct writ_rego_prepared **out, struct writ_rego_error *err);
/* Free a prepared query (no evaluation of it may be running); accepts NULL. */
WRIT_API void writ_rego_prepared_free(struct writ_rego_prepared *p);

/*
 * Evaluate the prepared query p with the input, clock and limits of o
 * (o->query is ignored).  The result set (and any explanation) is appended
 * as for writ_rego_eval, so a caller may reset one buffer and reuse it for every
 * decision; on failure result is left as it was (its capacity may have
 * grown) and err has the error.  Returns WRIT_OK, WRIT_ELIMIT (a limit:
 * eval_cancel_error), WRIT_EINVAL (the policy's error, or bad input),
 * WRIT_ENOMEM.
 *
 * Each thread keeps one evaluation arena and memo between calls, reset
 * after each, so a steady stream of decisions allocates nothing new; the
 * limits still apply to each call on its own.  Thread safe.
 */
WRIT_API WRIT_MUST_CHECK writ_rc writ_rego_eval_prepared(const struct writ_rego_prepared *p,
    const struct writ_rego_eval_opts *o, struct writ_buf *result, struct writ_rego_error *err);

#endif /* WRIT_REGO_H */
