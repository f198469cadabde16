/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Evaluation traces for `opa eval --explain` (trace.c): the evaluator
 * reports events (Enter, Exit, Eval, Redo, Fail, Note) through the hooks
 * below, each called only behind REGO_TRACED(e); the trace keeps them,
 * filtered as the explain mode asks, within its bounds, and writes them out
 * once the evaluation is over.  Private to lib/rego.
 */
#ifndef WRIT_LIB_REGO_TRACE_H
#define WRIT_LIB_REGO_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "writ/base.h"
#include "writ/rego.h"

#include "rego/ast.h"
#include "rego/eval.h"
#include "rego/value.h"

/*
 * A trace for the explain mode and bounds of o (o->explain is not OFF).
 * *out gets a trace to free with rego_trace_free.  Returns WRIT_OK or
 * WRIT_ENOMEM.
 */
WRIT_MUST_CHECK writ_rc rego_trace_new(
    const struct writ_rego_eval_opts *o, struct rego_trace **out);
/* Free t; accepts NULL. */
void rego_trace_free(struct rego_trace *t);

/*
 * rego_trace_body (declared in eval.h for rego_ev_query): run body b
 * (run(e, b, 0, k)) as a query of its own: Enter before it, Exit before
 * each solution goes to k and Redo after.  The body of the rule being
 * evaluated (e->cur_rule, even a NULL body) is reported as the rule.
 */
/* Evaluate x with run: Eval before, Redo after each solution, Fail when there was none. */
int rego_trace_expr(
    struct rego_ev *e, const struct rego_expr *x, rego_ev_expr_fn run, struct rego_k k);
/* A Note (trace(msg)) at loc; msg (a string) is borrowed from the evaluation's arena. */
void rego_trace_note(struct rego_ev *e, const struct rego_loc *loc, const struct rego_val *msg);

/*
 * Append what t kept to out: a JSON array of events, or (pretty) the lines
 * `opa eval --format pretty` prints.  Must be called before the
 * evaluation's arena is reset: events borrow its values.  Returns WRIT_OK,
 * WRIT_ENOMEM or WRIT_ETOOBIG (out's own maximum).
 */
WRIT_MUST_CHECK writ_rc rego_trace_write(
    const struct rego_trace *t, bool pretty, struct writ_buf *out);

#endif /* WRIT_LIB_REGO_TRACE_H */
