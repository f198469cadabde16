/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ policy eval`: evaluate a Rego query locally, with `opa eval`'s flags
 * and output.
 *
 *   writ policy eval [-d FILE|DIR]... [-i FILE] [--format json|pretty]
 *                    [--explain notes|fails|full|debug]
 *                    [--strict-builtin-errors] [--fail] [--fail-defined]
 *                    [--http-send-allow HOST]... [--http-send-timeout DUR] QUERY
 *
 * -d takes .rego modules and .json/.yaml/.yml data files, or directories of
 * them, as `opa eval` does: a data file given by name lands at the root of
 * data, one found under a directory at that directory's path relative to the
 * -d argument.  The output is OPA's: {"result": [...]} (nothing when the
 * query is undefined), or {"errors": [{"message", "code", "location"}]} with
 * exit status 1; JSON indented by two spaces.  --explain adds the trace:
 * an "explanation" member, or with --format pretty its lines before the
 * result (docs/REGO.md).  http.send is refused unless --http-send-allow
 * names the hosts it may reach (policy_http.c).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "writ/rego.h"

#include "cli.h"
#include "client.h"
#include "policy_load.h"

static const char eval_usage[] =
    "usage: writ policy eval [-d FILE|DIR]... [-i FILE] [--format json|pretty]\n"
    "                        [--explain notes|fails|full|debug]\n"
    "                        [--strict-builtin-errors] [--fail] [--fail-defined]\n"
    "                        [--http-send-allow HOST]... [--http-send-timeout DUR] QUERY\n"
    "\n"
    "Evaluate QUERY against the Rego modules and data given with -d (like opa eval).\n"
    "http.send is refused unless --http-send-allow names a host it may reach (a name,\n"
    "an address, *.example.com, or * for any); --http-send-timeout bounds each request\n"
    "(default 5s).\n";


/* Print compact JSON text indented by two spaces, as opa does; strings are copied as they are. */
static void
print_indented(FILE *f, const char *s, size_t len)
{
	int depth = 0, i;
	bool in_str = false, esc = false, empty = false;
	size_t k;

	for (k = 0; k < len; k++) {
		char c = s[k];

		if (in_str) {
			fputc(c, f);
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		switch (c) {
		case '"':
			in_str = true;
			fputc(c, f);
			break;
		case '{':
		case '[':
			empty = k + 1 < len && (s[k + 1] == '}' || s[k + 1] == ']');
			fputc(c, f);
			if (!empty) {
				fputc('\n', f);
				depth++;
				for (i = 0; i < depth; i++)
					fputs("  ", f);
			}
			break;
		case '}':
		case ']':
			if (!empty) {
				fputc('\n', f);
				depth--;
				for (i = 0; i < depth; i++)
					fputs("  ", f);
			}
			empty = false;
			fputc(c, f);
			break;
		case ',':
			fputs(",\n", f);
			for (i = 0; i < depth; i++)
				fputs("  ", f);
			break;
		case ':':
			fputs(": ", f);
			break;
		default:
			fputc(c, f);
		}
	}
	fputc('\n', f);
}

/*
 * --format pretty: the value itself when the query has one solution of one
 * expression and no variables (opa prints `true`, `false`, an object ...);
 * otherwise the whole result, indented.
 */
static void
print_pretty(const struct writ_buf *out)
{
	json_t *r = json_loadb(out->ptr, out->len, JSON_DECODE_ANY, NULL);
	json_t *sol = json_array_get(r, 0), *exprs = json_object_get(sol, "expressions");
	char *text;

	if (json_array_size(r) == 1 && json_array_size(exprs) == 1 &&
	    json_object_get(sol, "bindings") == NULL &&
	    (text = json_dumps(json_object_get(json_array_get(exprs, 0), "value"),
	         JSON_ENCODE_ANY | JSON_COMPACT)) != NULL) {
		print_indented(stdout, text, strlen(text));
		free(text);
	} else {
		print_indented(stdout, out->ptr, out->len);
	}
	json_decref(r);
}

/* Append ,"explanation":[...] unless there is none or it is empty (JSON, as opa omits it). */
static writ_rc
append_explanation(struct writ_buf *b, const struct writ_buf *expl)
{
	writ_rc rc;

	if (expl == NULL || expl->len <= 2)
		return WRIT_OK;
	if ((rc = writ_buf_appends(b, b->len > 1 ? ",\"explanation\":" : "\"explanation\":")) !=
	    WRIT_OK)
		return rc;
	return writ_buf_append(b, expl->ptr, expl->len);
}

static void
print_error(const struct writ_rego_error *e, const struct writ_buf *expl)
{
	struct writ_buf b;

	writ_buf_init(&b, 0);
	if (writ_buf_appends(&b, "{\"errors\":[{\"message\":") != WRIT_OK ||
	    writ_buf_append_json_str(&b, e->message, strlen(e->message)) != WRIT_OK ||
	    writ_buf_appends(&b, ",\"code\":") != WRIT_OK ||
	    writ_buf_append_json_str(&b, e->code, strlen(e->code)) != WRIT_OK ||
	    (e->file[0] != '\0' &&
	        (writ_buf_appends(&b, ",\"location\":{\"file\":") != WRIT_OK ||
	            writ_buf_append_json_str(&b, e->file, strlen(e->file)) != WRIT_OK ||
	            writ_buf_appendf(&b, ",\"row\":%d,\"col\":%d}", e->row, e->col) != WRIT_OK)) ||
	    writ_buf_appends(&b, "}]") != WRIT_OK || append_explanation(&b, expl) != WRIT_OK ||
	    writ_buf_appends(&b, "}") != WRIT_OK) {
		warnx("out of memory");
	} else {
		print_indented(stdout, b.ptr, b.len);
	}
	writ_buf_free(&b);
}

struct eval_args {
	const char *input, *format, *query;
	enum writ_rego_explain explain;
	bool strict, fail, fail_defined;
	struct policy_http http;
};

/* --explain MODE or --explain=MODE at argv[*i]: 1 if it is one, -1 if its mode is bad, else 0. */
static int
explain_arg(struct eval_args *a, int argc, char **argv, int *i)
{
	const char *s = argv[*i], *mode;

	if (strncmp(s, "--explain=", 10) == 0)
		mode = s + 10;
	else if (strcmp(s, "--explain") == 0 && *i + 1 < argc)
		mode = argv[++*i];
	else
		return 0;
	if (writ_rego_explain_parse(mode, &a->explain) != WRIT_OK) {
		warnx("--explain: unknown mode \"%s\" (off, notes, fails, full, debug)", mode);
		return -1;
	}
	return 1;
}

static int
parse_args(struct policy_files *l, struct eval_args *a, int argc, char **argv)
{
	int i, r;

	for (i = 1; i < argc; i++) {
		const char *s = argv[i];
		int x;

		if ((x = explain_arg(a, argc, argv, &i)) != 0) {
			if (x < 0)
				return CLI_EXIT_USAGE;
		} else if ((r = policy_http_flag(&a->http, argc, argv, &i)) != 0) {
			if (r < 0)
				return CLI_EXIT_USAGE;
		} else if ((strcmp(s, "-d") == 0 || strcmp(s, "--data") == 0) && i + 1 < argc) {
			if (policy_load(l, argv[++i]) != 0)
				return CLI_EXIT_ERR;
		} else if ((strcmp(s, "-i") == 0 || strcmp(s, "--input") == 0) && i + 1 < argc) {
			a->input = argv[++i];
		} else if ((strcmp(s, "-f") == 0 || strcmp(s, "--format") == 0) && i + 1 < argc) {
			a->format = argv[++i];
		} else if (strcmp(s, "--strict-builtin-errors") == 0) {
			a->strict = true;
		} else if (strcmp(s, "--fail") == 0) {
			a->fail = true;
		} else if (strcmp(s, "--fail-defined") == 0) {
			a->fail_defined = true;
		} else if (s[0] == '-' && s[1] != '\0') {
			fprintf(stderr, "%s", eval_usage);
			return CLI_EXIT_USAGE;
		} else if (a->query == NULL) {
			a->query = s;
		} else {
			fprintf(stderr, "%s", eval_usage);
			return CLI_EXIT_USAGE;
		}
	}
	if (a->query == NULL || (strcmp(a->format, "json") != 0 && strcmp(a->format, "pretty") != 0)) {
		fprintf(stderr, "%s", eval_usage);
		return CLI_EXIT_USAGE;
	}
	return policy_http_setup(&a->http) == 0 ? 0 : CLI_EXIT_USAGE;
}

/* print() in policies goes to stderr, as with opa eval. */
static void
print_stderr(void *arg, const char *file, int row, const char *msg)
{
	(void)arg;
	(void)file;
	(void)row;
	fprintf(stderr, "%s\n", msg);
}

/* {"result": out, "explanation": expl}, each member left out when there is none (out NULL). */
static writ_rc
json_doc(struct writ_buf *doc, const struct writ_buf *out, const struct writ_buf *expl)
{
	writ_rc rc = writ_buf_appends(doc, "{");

	if (rc == WRIT_OK && out != NULL)
		rc = writ_buf_appends(doc, "\"result\":");
	if (rc == WRIT_OK && out != NULL)
		rc = writ_buf_append(doc, out->ptr, out->len);
	if (rc == WRIT_OK)
		rc = append_explanation(doc, expl);
	if (rc == WRIT_OK)
		rc = writ_buf_appends(doc, "}");
	return rc;
}

/* The result (out: [] when undefined) and the explanation as --format asks; the exit status. */
static int
print_outcome(const struct eval_args *a, const struct writ_buf *out, const struct writ_buf *expl)
{
	bool undefined = out->len <= 2; /* [] */
	struct writ_buf doc;

	if (strcmp(a->format, "pretty") == 0) {
		if (expl->len > 0)
			fwrite(expl->ptr, 1, expl->len, stdout);
		if (undefined)
			puts("undefined");
		else
			print_pretty(out);
	} else {
		writ_buf_init(&doc, 0);
		if (json_doc(&doc, undefined ? NULL : out, expl) != WRIT_OK) {
			writ_buf_free(&doc);
			warnx("out of memory");
			return CLI_EXIT_ERR;
		}
		print_indented(stdout, doc.ptr, doc.len);
		writ_buf_free(&doc);
	}
	if (undefined)
		return a->fail ? CLI_EXIT_ERR : 0;
	return a->fail_defined ? CLI_EXIT_ERR : 0;
}

/* Evaluate and print; the exit status. */
static int
run(struct policy_files *l, const struct eval_args *a)
{
	struct writ_rego_compile_opts co = {l->mods, l->nmods, NULL, 0, true};
	struct writ_rego_eval_opts eo = {0};
	struct writ_rego_bundle *bundle = NULL;
	struct writ_rego_error e = {0};
	struct writ_buf data, input, out, expl;
	struct writ_err err = {0};
	int rc = CLI_EXIT_ERR;

	writ_buf_init(&data, 0);
	writ_buf_init(&input, POLICY_MAX_FILE_LEN);
	writ_buf_init(&out, 0);
	writ_buf_init(&expl, 0);
	if (writ_rego_data_merge(l->docs, l->ndocs, &data, &e) != WRIT_OK)
		goto fail;
	co.data_json = data.ptr;
	co.data_len = data.len;
	if (a->input != NULL && cli_read_file(a->input, POLICY_MAX_FILE_LEN, &input, &err) != WRIT_OK) {
		warnx("%s: %s", a->input, err.msg);
		goto out;
	}
	if (writ_rego_compile(&co, &bundle, &e) != WRIT_OK)
		goto fail;
	eo.query = a->query;
	eo.input_json = a->input != NULL ? input.ptr : NULL;
	eo.input_len = input.len;
	eo.strict_builtin_errors = a->strict;
	eo.print = print_stderr;
	eo.explain = a->explain;
	eo.explain_pretty = strcmp(a->format, "pretty") == 0;
	eo.explanation = &expl;
	policy_http_apply(&a->http, &eo);
	if (writ_rego_eval(bundle, &eo, &out, &e) != WRIT_OK)
		goto fail;
	rc = print_outcome(a, &out, &expl);
	goto out;
fail:
	if (eo.explain_pretty && expl.len > 0)
		fwrite(expl.ptr, 1, expl.len, stdout);
	print_error(&e, eo.explain_pretty ? NULL : &expl);
out:
	writ_rego_bundle_free(bundle);
	writ_buf_free(&data);
	writ_buf_free(&input);
	writ_buf_free(&out);
	writ_buf_free(&expl);
	return rc;
}

int
cli_policy_eval(int argc, char **argv)
{
	struct eval_args a = {.format = "json"};
	struct policy_files l = {0};
	int rc;

	if ((rc = parse_args(&l, &a, argc, argv)) == 0)
		rc = run(&l, &a);
	policy_http_free(&a.http);
	policy_files_free(&l);
	return rc;
}
