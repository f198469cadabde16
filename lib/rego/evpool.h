/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-thread evaluation state kept between decisions (evpool.c): the
 * arena, reset rather than freed, the memo and `with data` tables and the
 * resolved call sites, so that a steady stream of decisions on a thread
 * touches no fresh memory.
 */
#ifndef WRIT_LIB_REGO_EVPOOL_H
#define WRIT_LIB_REGO_EVPOOL_H

#include <stddef.h>

#include "writ/base.h"

#include "rego/eval.h"

struct rego_evpool;

/*
 * Set up e->a (byte cap cap, 0 = none), e->memo and e->ovr (nnodes + 1
 * slots, all unset), e->gen and e->calls for one evaluation: from the calling
 * thread's pool when it is free, else fresh ones (an evaluation nested in
 * another on the same thread).  *out gets the pool taken, or NULL; hand it
 * back with rego_evpool_put whatever the evaluation's outcome.  Returns
 * WRIT_OK or WRIT_ENOMEM (then nothing is to be put back).
 */
WRIT_MUST_CHECK writ_rc rego_evpool_get(
    struct rego_ev *e, size_t cap, size_t nnodes, struct rego_evpool **out);
/* End the evaluation set up by rego_evpool_get: reset or free what it used. */
void rego_evpool_put(struct rego_evpool *p, struct rego_ev *e);
/*
 * A bundle is being freed: every thread drops what it cached of bundles'
 * addresses (resolved call sites) before its next evaluation.
 */
void rego_evpool_forget(void);

#endif /* WRIT_LIB_REGO_EVPOOL_H */
