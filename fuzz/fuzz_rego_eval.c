/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the Rego compiler and evaluator (include/writ/rego.h).
 * The input is a module, optionally followed by a line "---" and a query
 * (default "data"); the module is compiled and the query evaluated under
 * tight step, memory and time limits.  Besides not crashing, it checks that
 * a failed call leaves an error code and a successful one a JSON array.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "writ/rego.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n---\n";
	struct writ_rego_source src = {"fuzz.rego", NULL, 0};
	struct writ_rego_compile_opts co = {&src, 1, "{\"d\":{\"x\":[1,2,{\"y\":null}]}}", 30};
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
	writ_buf_free(&out);
	writ_rego_bundle_free(b);
	free(text);
	return 0;
}
