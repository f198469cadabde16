/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the Rego compiler and evaluator (include/writ/rego.h).
 * The input is a module, optionally followed by a line "---" and a query
 * (default "data"); the module is compiled and the query evaluated under
 * tight step, memory and time limits.  Besides not crashing, it checks that
 * a failed call leaves an error code and a successful one a JSON array.  An
 * input of odd length is evaluated again with an explain mode (chosen by the
 * length) under small trace bounds: the explanation must be a JSON array, or
 * text lines when pretty.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "writ/rego.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The query of eo again with the explain mode the input's size picks. */
static void
explained(const struct writ_rego_bundle *b, struct writ_rego_eval_opts eo, size_t size)
{
	struct writ_rego_error err;
	struct writ_buf out, expl;

	eo.explain = (enum writ_rego_explain)(1 + size / 2 % 4);
	eo.explain_pretty = size % 4 == 3;
	eo.explain_max_events = 2000;
	eo.explain_max_bytes = 256 << 10;
	writ_buf_init(&out, 1 << 20);
	writ_buf_init(&expl, 1 << 20);
	eo.explanation = &expl;
	if (writ_rego_eval(b, &eo, &out, &err) != WRIT_OK) {
		if (err.code[0] == '\0')
			abort();
	} else if (!eo.explain_pretty &&
	    (expl.ptr == NULL || expl.ptr[0] != '[' || expl.ptr[expl.len - 1] != ']')) {
		abort();
	} else if (eo.explain_pretty && expl.len > 0 && expl.ptr[expl.len - 1] != '\n') {
		abort();
	}
	writ_buf_free(&out);
	writ_buf_free(&expl);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n---\n";
	struct writ_rego_source src = {"fuzz.rego", NULL, 0};
	struct writ_rego_compile_opts co = {&src, 1, "{\"d\":{\"x\":[1,2,{\"y\":null}]}}", 30, true};
	struct writ_rego_eval_opts eo = {0};
	struct writ_rego_bundle *b = NULL;
	struct writ_rego_error err;
	struct writ_buf out;
	char *text, *q;

	if (size > 1 << 16 || (text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	q = strstr(text, sep);
	if (q != NULL) {
		*q = '\0';
		q += sizeof(sep) - 1;
	}
	src.text = text;
	src.len = strlen(text);
	if (writ_rego_compile(&co, &b, &err) != WRIT_OK) {
		if (err.code[0] == '\0')
			abort();
		free(text);
		return 0;
	}
	eo.query = q != NULL && *q != '\0' ? q : "data";
	eo.input_json = "{\"user\":\"alice\",\"n\":[1,2,3]}";
	eo.input_len = strlen(eo.input_json);
	eo.limits.max_steps = 20000;
	eo.limits.max_bytes = 4 << 20;
	eo.limits.timeout_ms = 1000;
	writ_buf_init(&out, 1 << 20);
	if (writ_rego_eval(b, &eo, &out, &err) != WRIT_OK) {
		if (err.code[0] == '\0')
			abort();
	} else if (out.ptr == NULL || out.ptr[0] != '[') {
		abort();
	}
	if (size % 2 == 1)
		explained(b, eo, size);
	writ_buf_free(&out);
	writ_rego_bundle_free(b);
	free(text);
	return 0;
}
