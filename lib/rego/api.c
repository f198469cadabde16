/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public entry points of include/writ/rego.h.  Compilation and
 * evaluation are not written yet: they answer a clear error, so the CLI and
 * the conformance harness run end to end and report the engine honestly.
 */
#include <stdio.h>
#include <string.h>

#include "writ/rego.h"

size_t
writ_rego_error_format(const struct writ_rego_error *e, char *buf, size_t len)
{
	int n;

	if (e->file[0] != '\0' && e->row > 0)
		n = snprintf(buf, len, "%s:%d: %s: %s", e->file, e->row, e->code, e->message);
	else
		n = snprintf(buf, len, "%s: %s", e->code, e->message);
	return n < 0 ? 0 : (size_t)n;
}

static writ_rc
unimplemented(struct writ_rego_error *err)
{
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		snprintf(err->code, sizeof(err->code), "rego_unimplemented");
		snprintf(err->message, sizeof(err->message), "the Rego evaluator is not built yet");
	}
	return WRIT_EUNSUPPORTED;
}

writ_rc
writ_rego_compile(const struct writ_rego_compile_opts *o, struct writ_rego_bundle **out,
    struct writ_rego_error *err)
{
	(void)o;
	*out = NULL;
	return unimplemented(err);
}

void
writ_rego_bundle_free(struct writ_rego_bundle *b)
{
	(void)b;
}

writ_rc
writ_rego_eval(const struct writ_rego_bundle *b, const struct writ_rego_eval_opts *o,
    struct writ_buf *result, struct writ_rego_error *err)
{
	(void)b;
	(void)o;
	(void)result;
	return unimplemented(err);
}
