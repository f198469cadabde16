/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ policy test`: run the test_ rules of Rego files like `opa test`.
 *
 *   writ policy test [-v] [--run REGEX] [--bench] [--http-send-allow HOST]...
 *                    [--http-send-timeout DUR] FILE|DIR...
 *
 * Every rule whose name starts with test_ is a test; it passes when it is
 * true, fails when it is false or undefined, and errors when its evaluation
 * fails.  Rules named todo_ are counted as skipped.  Tests use `with` to
 * replace input, data, functions and builtins, which the evaluator provides.
 * The output follows opa test: failures (or, with -v, every test) grouped
 * by file with their durations, then PASS/FAIL/ERROR/SKIPPED counts; the
 * exit status is 0 only when every test passes.  --bench runs each test for
 * about a second and prints nanoseconds per evaluation.  http.send is
 * refused unless --http-send-allow names the hosts it may reach; the tests
 * then share one inter-query cache.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "writ/rego.h"

#include "cli.h"
#include "client.h"
#include "policy_load.h"
#include "rego/ast.h"

#define NAME_MAX_LEN 1024

enum outcome { T_PASS, T_FAIL, T_ERROR, T_SKIP };

struct test {
	const char *file;
	char name[NAME_MAX_LEN]; /* data.pkg.test_x */
	bool todo;
	enum outcome res;
	uint64_t ns;
	char err[600];
};

struct tests {
	struct test *v;
	size_t n, cap;
};

static const char test_usage[] =
    "usage: writ policy test [-v] [--run REGEX] [--bench] [--http-send-allow HOST]...\n"
    "                        [--http-send-timeout DUR] FILE|DIR...\n"
    "\n"
    "Run the test_ rules of the Rego files given (like opa test).\n"
    "http.send is refused unless --http-send-allow names a host it may reach (a name,\n"
    "an address, *.example.com, or * for any); --http-send-timeout bounds each request\n"
    "(default 5s).\n";

/* Append "data.<package>" for m to b. */
static writ_rc
package_path(const struct rego_module *m, struct writ_buf *b)
{
	const struct rego_term *p = m->package;
	size_t i;
	writ_rc rc = writ_buf_appends(b, "data");

	for (i = 1; rc == WRIT_OK && p != NULL && i < p->items.n; i++) {
		rc = writ_buf_append(b, ".", 1);
		if (rc == WRIT_OK)
			rc = writ_buf_append(b, p->items.v[i]->text, p->items.v[i]->len);
	}
	return rc;
}

/* The rule's name if it is a plain name (test_x, not a.b[x]), else NULL. */
static const char *
rule_name(const struct rego_rule *r)
{
	const struct rego_term *t = r->ref;

	if (t == NULL || r->is_func)
		return NULL;
	if (t->kind == REGO_T_VAR)
		return t->text;
	if (t->kind == REGO_T_REF && t->items.n == 1 && t->items.v[0]->kind == REGO_T_VAR)
		return t->items.v[0]->text;
	return NULL;
}

/* Collect the tests of one module (each rule name once). */
static int
collect(struct tests *ts, const char *file, const struct rego_module *m, const regex_t *run)
{
	size_t i, j;

	for (i = 0; i < m->rules.n; i++) {
		const char *n = rule_name(m->rules.v[i]);
		bool todo = n != NULL && strncmp(n, "todo_", 5) == 0;
		struct writ_buf b;
		bool dup = false;

		if (n == NULL || (strncmp(n, "test_", 5) != 0 && !todo))
			continue;
		writ_buf_init(&b, NAME_MAX_LEN - 1);
		if (package_path(m, &b) != WRIT_OK || writ_buf_append(&b, ".", 1) != WRIT_OK ||
		    writ_buf_appends(&b, n) != WRIT_OK) {
			writ_buf_free(&b);
			fprintf(stderr, "%s: test name too long\n", file);
			return -1;
		}
		for (j = 0; j < ts->n && !dup; j++)
			dup = strcmp(ts->v[j].name, b.ptr) == 0;
		if (dup || (run != NULL && regexec(run, b.ptr, 0, NULL, 0) != 0)) {
			writ_buf_free(&b);
			continue;
		}
		if (ts->n == ts->cap) {
			size_t cap = ts->cap ? 2 * ts->cap : 16;
			struct test *v = writ_realloc(ts->v, cap * sizeof(*v));

			if (v == NULL) {
				writ_buf_free(&b);
				return -1;
			}
			ts->v = v;
			ts->cap = cap;
		}
		memset(&ts->v[ts->n], 0, sizeof(ts->v[0]));
		ts->v[ts->n].file = file;
		ts->v[ts->n].todo = todo;
		snprintf(ts->v[ts->n].name, sizeof(ts->v[0].name), "%s", b.ptr);
		ts->n++;
		writ_buf_free(&b);
	}
	return 0;
}

/* Parse every module for its test rules. */
static int
find_tests(const struct policy_files *l, struct tests *ts, const regex_t *run)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct rego_diag d;
	struct writ_err err = {0};
	struct rego_module *m;
	size_t i;
	int rc = 0;

	if (a == NULL)
		return -1;
	for (i = 0; i < l->nmods && rc == 0; i++) {
		const struct writ_rego_source *s = &l->mods[i];

		if (rego_parse_module(a, s->name, s->text, s->len, NULL, &m, &d, &err) != WRIT_OK) {
			fprintf(stderr, "%s\n", err.msg);
			rc = -1;
		} else {
			rc = collect(ts, s->name, m, run);
		}
	}
	writ_arena_free(a);
	return rc;
}

/* print() in tests goes to stderr, with the position of the call. */
static void
print_stderr(void *arg, const char *file, int row, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s:%d: %s\n", file ? file : "", row, msg);
}

/* Run one test once: its outcome, and the error text when it errs. */
static enum outcome
run_one(const struct writ_rego_bundle *b, struct test *t, const struct policy_http *h)
{
	struct writ_rego_eval_opts eo = {.query = t->name, .print = print_stderr};
	struct writ_rego_error e = {0};
	struct writ_buf out;
	enum outcome res;

	writ_buf_init(&out, 0);
	policy_http_apply(h, &eo);
	if (writ_rego_eval(b, &eo, &out, &e) != WRIT_OK) {
		writ_rego_error_format(&e, t->err, sizeof(t->err));
		res = T_ERROR;
	} else {
		/* [{"expressions":[{"value":true,...}]}] is a pass; false or [] a failure. */
		json_t *r = json_loadb(out.ptr ? out.ptr : "", out.len, 0, NULL);
		json_t *v = json_object_get(
		    json_array_get(json_object_get(json_array_get(r, 0), "expressions"), 0), "value");

		res = json_array_size(r) > 0 && json_is_true(v) ? T_PASS : T_FAIL;
		json_decref(r);
	}
	writ_buf_free(&out);
	return res;
}

static void
print_duration(uint64_t ns)
{
	if (ns >= 1000000000u)
		printf(" (%.3fs)\n", (double)ns / 1e9);
	else if (ns >= 1000000u)
		printf(" (%.3fms)\n", (double)ns / 1e6);
	else
		printf(" (%.3fµs)\n", (double)ns / 1e3);
}

static const char *const outcome_names[] = {"PASS", "FAIL", "ERROR", "SKIPPED"};

static void
report(const struct tests *ts, bool verbose)
{
	size_t i, count[4] = {0};
	const char *file = NULL;
	bool any = false;

	for (i = 0; i < ts->n; i++)
		count[ts->v[i].res]++;
	for (i = 0; i < ts->n; i++) {
		const struct test *t = &ts->v[i];

		if (!verbose && (t->res == T_PASS || t->res == T_SKIP))
			continue;
		if (file == NULL || strcmp(file, t->file) != 0) {
			printf("%s%s:\n", any ? "\n" : "", t->file);
			file = t->file;
		}
		any = true;
		printf("%s: %s", t->name, outcome_names[t->res]);
		print_duration(t->ns);
		if (t->res == T_ERROR)
			printf("  %s\n", t->err);
	}
	if (any)
		printf("-------------------------------------------------------------------------------"
		       "-\n");
	for (i = 0; i < 4; i++)
		if (count[i] > 0 || i == T_PASS)
			printf("%s: %zu/%zu\n", outcome_names[i], count[i], ts->n);
}

/* --bench: about a second of evaluations per test. */
static void
bench(const struct writ_rego_bundle *b, struct tests *ts, const struct policy_http *h)
{
	size_t i;

	for (i = 0; i < ts->n; i++) {
		struct test *t = &ts->v[i];
		uint64_t n = 1, t0, dt = 0;

		struct writ_rego_prepared *p = NULL;
		struct writ_rego_eval_opts eo = {0};
		struct writ_rego_error e = {0};
		struct writ_buf out;
		int failed = 0;

		if (t->todo)
			continue;
		policy_http_apply(h, &eo);
		if (writ_rego_prepare(b, t->name, &p, &e) != WRIT_OK) {
			printf("%-60s error: %s\n", t->name, e.message);
			continue;
		}
		writ_buf_init(&out, 0);
		/* Prepared once, as a server evaluates a decision: what is timed is the evaluation. */
		while (dt < 1000000000u && n < (1u << 30) && !failed) {
			uint64_t k;

			t0 = writ_time_mono_ns();
			for (k = 0; k < n && failed == 0; k++) {
				writ_buf_reset(&out);
				failed = writ_rego_eval_prepared(p, &eo, &out, &e) != WRIT_OK;
			}
			dt = writ_time_mono_ns() - t0;
			if (dt < 1000000000u)
				n *= 2;
		}
		writ_buf_free(&out);
		writ_rego_prepared_free(p);
		if (failed) {
			printf("%-60s error: %s\n", t->name, e.message);
			continue;
		}
		printf("%-60s %10llu %12.0f ns/op\n", t->name, (unsigned long long)n,
		    (double)dt / (double)n);
	}
}

int
cli_policy_test(int argc, char **argv)
{
	struct policy_files l = {0};
	struct tests ts = {0};
	struct writ_rego_compile_opts co = {0};
	struct writ_rego_bundle *b = NULL;
	struct writ_rego_error e = {0};
	struct writ_buf data;
	struct policy_http http = {0};
	const char *run = NULL;
	bool verbose = false, do_bench = false;
	regex_t re;
	size_t i, bad = 0;
	int k, r, rc = CLI_EXIT_ERR, nargs = 0;

	writ_buf_init(&data, 0);
	for (k = 1; k < argc; k++) {
		if ((r = policy_http_flag(&http, argc, argv, &k)) != 0) {
			if (r < 0) {
				rc = CLI_EXIT_USAGE;
				goto out;
			}
		} else if (strcmp(argv[k], "-v") == 0 || strcmp(argv[k], "--verbose") == 0) {
			verbose = true;
		} else if ((strcmp(argv[k], "-r") == 0 || strcmp(argv[k], "--run") == 0) && k + 1 < argc) {
			run = argv[++k];
		} else if (strcmp(argv[k], "--bench") == 0) {
			do_bench = true;
		} else if (argv[k][0] == '-') {
			fprintf(stderr, "%s", test_usage);
			rc = CLI_EXIT_USAGE;
			goto out;
		} else {
			if (policy_load(&l, argv[k]) != 0)
				goto out;
			nargs++;
		}
	}
	if (nargs == 0) {
		fprintf(stderr, "%s", test_usage);
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (policy_http_setup(&http) != 0) {
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (run != NULL && regcomp(&re, run, REG_EXTENDED | REG_NOSUB) != 0) {
		fprintf(stderr, "writ policy test: bad --run expression: %s\n", run);
		rc = CLI_EXIT_USAGE;
		goto out;
	}
	if (find_tests(&l, &ts, run != NULL ? &re : NULL) != 0)
		goto out_re;
	if (writ_rego_data_merge(l.docs, l.ndocs, &data, &e) != WRIT_OK)
		goto fail;
	co = (struct writ_rego_compile_opts){l.mods, l.nmods, data.ptr, data.len, true};
	if (writ_rego_compile(&co, &b, &e) != WRIT_OK)
		goto fail;
	if (do_bench) {
		bench(b, &ts, &http);
		rc = 0;
		goto out_re;
	}
	for (i = 0; i < ts.n; i++) {
		uint64_t t0 = writ_time_mono_ns();

		ts.v[i].res = ts.v[i].todo ? T_SKIP : run_one(b, &ts.v[i], &http);
		ts.v[i].ns = writ_time_mono_ns() - t0;
		bad += ts.v[i].res == T_FAIL || ts.v[i].res == T_ERROR;
	}
	report(&ts, verbose);
	rc = bad == 0 ? 0 : CLI_EXIT_ERR;
	goto out_re;
fail: {
	char msg[1024];

	writ_rego_error_format(&e, msg, sizeof(msg));
	fprintf(stderr, "%s\n", msg);
}
out_re:
	if (run != NULL)
		regfree(&re);
out:
	writ_rego_bundle_free(b);
	writ_buf_free(&data);
	writ_free(ts.v);
	policy_http_free(&http);
	policy_files_free(&l);
	return rc;
}
