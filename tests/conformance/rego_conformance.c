/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OPA's Rego conformance suite run against writ's engine.
 *
 *   rego_conformance CASES.jsonl [--min-pass N] [--folder NAME] [-v]
 *
 * Each line of CASES.jsonl is one of OPA's cases (../shared/conformance/opa,
 * README.md there).  A case passes exactly when OPA's own runner
 * (v1/topdown/exported_test.go) would pass it:
 *   - its modules compile (as "test-<i>.rego") with the data, the query is
 *     evaluated with the input (or input term) and strict builtin errors when
 *     the case asks;
 *   - want_error_code: the evaluation fails with that code;
 *   - want_error: the error's text, "file:row: code: message", contains it;
 *   - want_result: the set of binding objects equals the expected set, each
 *     binding's value sorted first when sort_bindings is set; `[]` means
 *     undefined;
 *   - an error nobody expected fails the case.
 * Nothing is special-cased by note or file name.
 *
 * It prints a table per folder and the totals for the three families the
 * issue sets goals for (core language, operators, builtins), and exits 1
 * when fewer than --min-pass cases pass (the floor recorded in
 * tests/conformance/min-pass, raised as the engine grows), 77 (skipped)
 * when the cases file is missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/rego.h"

#include "rego/value.h"

#define MAX_FOLDERS 256
#define MAX_MODULES 64

struct folder {
	char name[64];
	unsigned cases;
	unsigned passed;
};

static struct folder folders[MAX_FOLDERS];
static size_t nfolders;
static bool verbose;

/* The folders of the "core language" and "operators" families; the rest are builtins. */
static const char *const core_folders[] = {"assignments", "baseandvirtualdocs", "completedoc",
    "compositebasedereference", "compositereferences", "comprehensions", "containskeyword",
    "dataderef", "defaultkeyword", "disjunction", "elsekeyword", "embeddedvirtualdoc", "eqexpr",
    "evaltermexpr", "every", "example", "fix1863", "functionerrors", "functions", "helloworld",
    "indexing", "indirectreferences", "inputvalues", "invalidkeyerror", "keywordrefs",
    "negation", "nestedreferences", "partialdocconstants", "partialiter", "partialobjectdoc",
    "partialsetdoc", "planner-ir", "refheads", "stringinterpolation", "topdowndynamicdispatch",
    "type", "undos", "varreferences", "virtualdocs", "withkeyword"};
static const char *const operator_folders[] = {"arithmetic", "comparisonexpr", "sets"};

static bool
in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

static struct folder *
folder_of(const char *file)
{
	const char *p = strchr(file, '/'), *q;
	size_t i, len;

	p = p != NULL ? p + 1 : file;
	q = strchr(p, '/');
	len = q != NULL ? (size_t)(q - p) : strlen(p);
	if (len >= sizeof(folders[0].name))
		len = sizeof(folders[0].name) - 1;
	for (i = 0; i < nfolders; i++)
		if (strlen(folders[i].name) == len && strncmp(folders[i].name, p, len) == 0)
			return &folders[i];
	if (nfolders == MAX_FOLDERS)
		return NULL;
	memcpy(folders[nfolders].name, p, len);
	folders[nfolders].name[len] = '\0';
	return &folders[nfolders++];
}

/* A binding value sorted the way OPA's runner sorts it (sort_bindings). */
static const struct rego_val *
sorted_array(struct writ_arena *a, const struct rego_val *v)
{
	const struct rego_val **el;
	const struct rego_val *out = NULL;
	struct writ_err err = {0};
	size_t i, j;

	if (v == NULL || v->type != REGO_ARRAY || v->len < 2)
		return v;
	if ((el = writ_arena_calloc(a, v->len, sizeof(*el))) == NULL)
		return NULL;
	for (i = 0; i < v->len; i++) {
		const struct rego_val *x = v->u.elems[i];

		for (j = i; j > 0 && rego_compare(el[j - 1], x) > 0; j--)
			el[j] = el[j - 1];
		el[j] = x;
	}
	return rego_array(a, el, v->len, &out, &err) == WRIT_OK ? out : NULL;
}

/* Add one binding object (each value sorted if asked) to the set builder. */
static bool
add_bindings(struct writ_arena *a, struct rego_builder *set, const struct rego_val *obj,
    bool sort)
{
	struct rego_builder ob;
	const struct rego_val *o = NULL;
	struct writ_err err = {0};
	size_t i;

	if (obj == NULL || obj->type != REGO_OBJECT)
		return false;
	rego_builder_init(&ob, a, REGO_OBJECT);
	for (i = 0; i < obj->len; i++) {
		const struct rego_val *v = obj->u.kvs[i].val;

		if (sort && (v = sorted_array(a, v)) == NULL)
			return false;
		if (rego_builder_put(&ob, obj->u.kvs[i].key, v, &err) != WRIT_OK)
			return false;
	}
	return rego_builder_finish(&ob, &o, &err) == WRIT_OK &&
	    rego_builder_push(set, o, &err) == WRIT_OK;
}

/* Compare the result JSON of writ_rego_eval with want_result. */
static bool
results_match(struct writ_arena *a, const struct writ_buf *got, const struct rego_val *want,
    bool sort, char *why, size_t whylen)
{
	struct rego_builder gs, ws;
	const struct rego_val *res = NULL, *gset = NULL, *wset = NULL;
	struct writ_err err = {0};
	size_t i;

	if (rego_json_parse(a, got->ptr, got->len, NULL, &res, &err) != WRIT_OK ||
	    res->type != REGO_ARRAY) {
		snprintf(why, whylen, "result is not a JSON array");
		return false;
	}
	rego_builder_init(&gs, a, REGO_SET);
	for (i = 0; i < res->len; i++) {
		const struct rego_val *b = rego_object_get_str(res->u.elems[i], "bindings", 8);

		if (!add_bindings(a, &gs, b != NULL ? b : &rego_empty_object_val, sort)) {
			snprintf(why, whylen, "bad bindings in result %zu", i);
			return false;
		}
	}
	rego_builder_init(&ws, a, REGO_SET);
	for (i = 0; want->type == REGO_ARRAY && i < want->len; i++) {
		if (!add_bindings(a, &ws, want->u.elems[i], false)) {
			snprintf(why, whylen, "bad want_result %zu", i);
			return false;
		}
	}
	if (rego_builder_finish(&gs, &gset, &err) != WRIT_OK ||
	    rego_builder_finish(&ws, &wset, &err) != WRIT_OK) {
		snprintf(why, whylen, "out of memory");
		return false;
	}
	if (!rego_equal(gset, wset)) {
		snprintf(why, whylen, "got %.300s", got->ptr);
		return false;
	}
	return true;
}

/* c[key] as a NUL-terminated string, or NULL. */
static const char *
str_of(const struct rego_val *c, const char *key)
{
	const struct rego_val *v = rego_object_get_str(c, key, strlen(key));

	return v != NULL && v->type == REGO_STRING ? v->u.s : NULL;
}

static bool
is_true(const struct rego_val *c, const char *key)
{
	const struct rego_val *v = rego_object_get_str(c, key, strlen(key));

	return v != NULL && v->type == REGO_BOOL && v->u.b;
}

/* c[key] as compact JSON in b (NULL when absent). */
static const char *
json_of(const struct rego_val *c, const char *key, struct writ_buf *b)
{
	const struct rego_val *v = rego_object_get_str(c, key, strlen(key));
	struct writ_err err = {0};

	if (v == NULL || rego_json_write(b, v, NULL, &err) != WRIT_OK)
		return NULL;
	return b->ptr;
}

/* Run one case (parsed into a); true when it passes.  why gets the reason of a failure. */
static bool
run_case(struct writ_arena *a, const struct rego_val *c, char *why, size_t whylen)
{
	struct writ_rego_source mods[MAX_MODULES];
	char names[MAX_MODULES][32], text[1024];
	struct writ_rego_compile_opts co = {0};
	struct writ_rego_eval_opts eo = {0};
	struct writ_rego_bundle *b = NULL;
	struct writ_rego_error err;
	struct writ_buf out, data, input;
	const struct rego_val *m = rego_object_get_str(c, "modules", 7);
	const struct rego_val *want = rego_object_get_str(c, "want_result", 11);
	const char *code = str_of(c, "want_error_code"), *msg = str_of(c, "want_error");
	bool pass = false;
	size_t i;

	writ_buf_init(&out, 0);
	writ_buf_init(&data, 0);
	writ_buf_init(&input, 0);
	for (i = 0; m != NULL && m->type == REGO_ARRAY && i < m->len && i < MAX_MODULES; i++) {
		snprintf(names[i], sizeof(names[i]), "test-%zu.rego", i);
		mods[i].name = names[i];
		mods[i].text = m->u.elems[i]->u.s;
		mods[i].len = m->u.elems[i]->len;
		co.nmodules = i + 1;
	}
	co.modules = mods;
	co.data_json = json_of(c, "data", &data);
	co.data_len = data.len;
	if (writ_rego_compile(&co, &b, &err) != WRIT_OK) {
		writ_rego_error_format(&err, text, sizeof(text));
		snprintf(why, whylen, "compile: %.400s", text);
		goto out;
	}
	eo.query = str_of(c, "query");
	eo.input_term = str_of(c, "input_term");
	if (eo.input_term == NULL) {
		eo.input_json = json_of(c, "input", &input);
		eo.input_len = input.len;
	}
	eo.strict_builtin_errors = is_true(c, "strict_error");
	eo.limits.timeout_ms = 10000;
	if (writ_rego_eval(b, &eo, &out, &err) != WRIT_OK) {
		writ_rego_error_format(&err, text, sizeof(text));
		if (code == NULL && msg == NULL)
			snprintf(why, whylen, "unexpected error: %.400s", text);
		else if (code != NULL && strcmp(code, err.code) != 0)
			snprintf(why, whylen, "want code %.40s, got: %.400s", code, text);
		else if (msg != NULL && strstr(text, msg) == NULL)
			snprintf(why, whylen, "want error text \"%.60s\", got: %.400s", msg, text);
		else if (want != NULL && want->len > 0)
			snprintf(why, whylen, "want a result, got: %.400s", text);
		else
			pass = true; /* the expected error (and an empty result set, if one is wanted) */
		goto out;
	}
	if (code != NULL || msg != NULL) {
		snprintf(why, whylen, "want error %s%s%s, got %.200s", code ? code : "",
		    msg ? " " : "", msg ? msg : "", out.ptr ? out.ptr : "");
		goto out;
	}
	if (want == NULL) {
		snprintf(why, whylen, "the case has no expectation");
		goto out;
	}
	pass = results_match(a, &out, want, is_true(c, "sort_bindings"), why, whylen);
out:
	writ_rego_bundle_free(b);
	writ_buf_free(&out);
	writ_buf_free(&data);
	writ_buf_free(&input);
	return pass;
}

static void
total(const char *label, const char *const *list, size_t n, bool invert)
{
	unsigned cases = 0, passed = 0, nf = 0;
	size_t i;

	for (i = 0; i < nfolders; i++) {
		if (in_list(folders[i].name, list, n) == invert)
			continue;
		nf++;
		cases += folders[i].cases;
		passed += folders[i].passed;
	}
	printf("%-34s %4u folders %5u cases %5u passed %5.1f%%\n", label, nf, cases, passed,
	    cases ? 100.0 * passed / cases : 0.0);
}

int
main(int argc, char **argv)
{
	const char *path = NULL, *only = NULL;
	unsigned long min_pass = 0, ncases = 0, npassed = 0;
	char line_why[512];
	FILE *f;
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t n;
	int k;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--min-pass") == 0 && k + 1 < argc)
			min_pass = strtoul(argv[++k], NULL, 10);
		else if (strcmp(argv[k], "--folder") == 0 && k + 1 < argc)
			only = argv[++k];
		else if (strcmp(argv[k], "-v") == 0)
			verbose = true;
		else
			path = argv[k];
	}
	if (path == NULL) {
		fprintf(stderr, "usage: rego_conformance CASES.jsonl [--min-pass N] [--folder F] [-v]\n");
		return 2;
	}
	if ((f = fopen(path, "r")) == NULL) {
		printf("conformance cases not found at %s: skipped\n", path);
		return 77;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		struct writ_arena *a = writ_arena_new(0, 0);
		const struct rego_val *c = NULL;
		struct writ_err err = {0};
		const char *file, *note;
		struct folder *fo;
		bool ok;

		if (a == NULL || rego_json_parse(a, line, (size_t)n, NULL, &c, &err) != WRIT_OK ||
		    (file = str_of(c, "file")) == NULL || (fo = folder_of(file)) == NULL) {
			fprintf(stderr, "bad case line %lu: %s\n", ncases + 1, err.msg);
			writ_arena_free(a);
			continue;
		}
		note = str_of(c, "note");
		if (only == NULL || strcmp(fo->name, only) == 0) {
			line_why[0] = '\0';
			ok = run_case(a, c, line_why, sizeof(line_why));
			fo->cases++;
			fo->passed += ok;
			ncases++;
			npassed += ok;
			if (!ok && verbose)
				printf("FAIL %s: %s\n", note ? note : file, line_why);
		}
		writ_arena_free(a);
	}
	free(line);
	fclose(f);
	printf("%-34s %5s %6s %6s\n", "folder", "cases", "passed", "%");
	for (i = 0; i < nfolders; i++)
		printf("%-34s %5u %6u %5.1f%%\n", folders[i].name, folders[i].cases, folders[i].passed,
		    100.0 * folders[i].passed / folders[i].cases);
	total("core language", core_folders, WRIT_ARRAY_LEN(core_folders), false);
	total("operators", operator_folders, WRIT_ARRAY_LEN(operator_folders), false);
	{
		const char *both[WRIT_ARRAY_LEN(core_folders) + WRIT_ARRAY_LEN(operator_folders)];

		memcpy(both, core_folders, sizeof(core_folders));
		memcpy(both + WRIT_ARRAY_LEN(core_folders), operator_folders, sizeof(operator_folders));
		total("core language and operators", both, WRIT_ARRAY_LEN(both), false);
		total("builtins", both, WRIT_ARRAY_LEN(both), true);
	}
	printf("%lu passed, %lu failed (%.1f%% of %lu cases; floor %lu)\n", npassed, ncases - npassed,
	    ncases ? 100.0 * (double)npassed / (double)ncases : 0.0, ncases, min_pass);
	return npassed >= min_pass ? 0 : 1;
}
