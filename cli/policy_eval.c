/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ policy eval`: evaluate a Rego query locally, with `opa eval`'s flags
 * and output.
 *
 *   writ policy eval [-d FILE|DIR]... [-i FILE] [--format json|pretty]
 *                    [--strict-builtin-errors] [--fail] [--fail-defined] QUERY
 *
 * -d takes .rego modules and .json/.yaml/.yml data files, or directories of
 * them, as `opa eval` does: a data file given by name lands at the root of
 * data, one found under a directory at that directory's path relative to the
 * -d argument.  The output is OPA's: {"result": [...]} (nothing when the
 * query is undefined), or {"errors": [{"message", "code", "location"}]} with
 * exit status 1; JSON indented by two spaces.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/rego.h"

#include "cli.h"
#include "client.h"

#define MAX_FILES    10000
#define MAX_DEPTH    32
#define MAX_FILE_LEN ((size_t)256 << 20)

/* What the -d arguments loaded. */
struct loaded {
	struct writ_rego_source *mods;
	struct writ_rego_doc *docs;
	size_t nmods, ndocs, cap;
	struct writ_buf *bufs; /* file contents, one per module or document */
	size_t nbufs;
};

static const char eval_usage[] =
    "usage: writ policy eval [-d FILE|DIR]... [-i FILE] [--format json|pretty]\n"
    "                        [--strict-builtin-errors] [--fail] [--fail-defined] QUERY\n"
    "\n"
    "Evaluate QUERY against the Rego modules and data given with -d (like opa eval).\n";

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Read path and record it as a module or a data document at dpath. */
static int
load_file(struct loaded *l, const char *path, const char *dpath)
{
	bool rego = ends_with(path, ".rego");
	bool yaml = ends_with(path, ".yaml") || ends_with(path, ".yml");
	struct writ_err err = {0};
	struct writ_buf *b;

	if (!rego && !yaml && !ends_with(path, ".json"))
		return 0; /* not ours: skipped, as opa does */
	if (l->nbufs == MAX_FILES) {
		warnx("more than %d files", MAX_FILES);
		return -1;
	}
	if (l->nbufs == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *m = writ_realloc(l->mods, cap * sizeof(*l->mods));
		void *d = m ? writ_realloc(l->docs, cap * sizeof(*l->docs)) : NULL;
		void *bb = d ? writ_realloc(l->bufs, cap * sizeof(*l->bufs)) : NULL;

		if (m != NULL)
			l->mods = m;
		if (d != NULL)
			l->docs = d;
		if (bb == NULL) {
			warnx("out of memory");
			return -1;
		}
		l->bufs = bb;
		l->cap = cap;
	}
	b = &l->bufs[l->nbufs];
	writ_buf_init(b, MAX_FILE_LEN);
	l->nbufs++;
	if (cli_read_file(path, MAX_FILE_LEN, b, &err) != WRIT_OK) {
		warnx("%s: %s", path, err.msg);
		return -1;
	}
	if (rego) {
		l->mods[l->nmods++] = (struct writ_rego_source){writ_strdup(path), b->ptr ? b->ptr : "",
		    b->len};
		return l->mods[l->nmods - 1].name != NULL ? 0 : -1;
	}
	l->docs[l->ndocs++] = (struct writ_rego_doc){writ_strdup(path), writ_strdup(dpath),
	    b->ptr ? b->ptr : "", b->len, yaml};
	return l->docs[l->ndocs - 1].name != NULL && l->docs[l->ndocs - 1].path != NULL ? 0 : -1;
}

/* Load a directory tree; rel is its path under the -d argument ("" at the top). */
static int
load_dir(struct loaded *l, const char *dir, const char *rel, int depth)
{
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (depth > MAX_DEPTH) {
		warnx("%s: directories nested too deep", dir);
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		warn("%s", dir);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue; /* ., .. and hidden files, as opa's loader skips them */
		if (n == cap) {
			char **m = writ_realloc(names, (cap = cap ? 2 * cap : 32) * sizeof(*names));

			if (m == NULL) {
				rc = -1;
				break;
			}
			names = m;
		}
		if ((names[n] = writ_strdup(de->d_name)) == NULL)
			rc = -1;
		else
			n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n && rc == 0; i++) {
		char path[4096], sub[4096];
		struct stat st;
		int n1 = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		int n2 = snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", names[i]);

		if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(path) || (size_t)n2 >= sizeof(sub)) {
			warnx("%s/%s: path too long", dir, names[i]);
			rc = -1;
		} else if (stat(path, &st) != 0) {
			warn("%s", path);
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			rc = load_dir(l, path, sub, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			rc = load_file(l, path, rel);
		}
	}
	for (i = 0; i < n; i++)
		writ_free(names[i]);
	writ_free(names);
	return rc;
}

static int
load_arg(struct loaded *l, const char *arg)
{
	struct stat st;

	if (stat(arg, &st) != 0) {
		warn("%s", arg);
		return -1;
	}
	return S_ISDIR(st.st_mode) ? load_dir(l, arg, "", 0) : load_file(l, arg, "");
}

static void
loaded_free(struct loaded *l)
{
	size_t i;

	for (i = 0; i < l->nmods; i++)
		writ_free((char *)(uintptr_t)l->mods[i].name);
	for (i = 0; i < l->ndocs; i++) {
		writ_free((char *)(uintptr_t)l->docs[i].name);
		writ_free((char *)(uintptr_t)l->docs[i].path);
	}
	for (i = 0; i < l->nbufs; i++)
		writ_buf_free(&l->bufs[i]);
	writ_free(l->mods);
	writ_free(l->docs);
	writ_free(l->bufs);
}

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

static void
print_error(const struct writ_rego_error *e)
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
	    writ_buf_appends(&b, "}]}") != WRIT_OK) {
		warnx("out of memory");
	} else {
		print_indented(stdout, b.ptr, b.len);
	}
	writ_buf_free(&b);
}

struct eval_args {
	const char *input, *format, *query;
	bool strict, fail, fail_defined;
};

static int
parse_args(struct loaded *l, struct eval_args *a, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *s = argv[i];

		if ((strcmp(s, "-d") == 0 || strcmp(s, "--data") == 0) && i + 1 < argc) {
			if (load_arg(l, argv[++i]) != 0)
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
	return 0;
}

/* Evaluate and print; the exit status. */
static int
run(struct loaded *l, const struct eval_args *a)
{
	struct writ_rego_compile_opts co = {l->mods, l->nmods, NULL, 0};
	struct writ_rego_eval_opts eo = {0};
	struct writ_rego_bundle *bundle = NULL;
	struct writ_rego_error e = {0};
	struct writ_buf data, input, out;
	struct writ_err err = {0};
	int rc = CLI_EXIT_ERR;

	writ_buf_init(&data, 0);
	writ_buf_init(&input, MAX_FILE_LEN);
	writ_buf_init(&out, 0);
	if (writ_rego_data_merge(l->docs, l->ndocs, &data, &e) != WRIT_OK)
		goto fail;
	co.data_json = data.ptr;
	co.data_len = data.len;
	if (a->input != NULL && cli_read_file(a->input, MAX_FILE_LEN, &input, &err) != WRIT_OK) {
		warnx("%s: %s", a->input, err.msg);
		goto out;
	}
	if (writ_rego_compile(&co, &bundle, &e) != WRIT_OK)
		goto fail;
	eo.query = a->query;
	eo.input_json = a->input != NULL ? input.ptr : NULL;
	eo.input_len = input.len;
	eo.strict_builtin_errors = a->strict;
	if (writ_rego_eval(bundle, &eo, &out, &e) != WRIT_OK)
		goto fail;
	if (out.len <= 2) { /* [] : undefined */
		puts(strcmp(a->format, "pretty") == 0 ? "undefined" : "{}");
		rc = a->fail ? CLI_EXIT_ERR : 0;
		goto out;
	}
	if (strcmp(a->format, "json") == 0) {
		struct writ_buf doc;

		writ_buf_init(&doc, 0);
		if (writ_buf_appends(&doc, "{\"result\":") != WRIT_OK ||
		    writ_buf_append(&doc, out.ptr, out.len) != WRIT_OK ||
		    writ_buf_append(&doc, "}", 1) != WRIT_OK) {
			writ_buf_free(&doc);
			warnx("out of memory");
			goto out;
		}
		print_indented(stdout, doc.ptr, doc.len);
		writ_buf_free(&doc);
	} else {
		print_indented(stdout, out.ptr, out.len);
	}
	rc = a->fail_defined ? CLI_EXIT_ERR : 0;
	goto out;
fail:
	print_error(&e);
out:
	writ_rego_bundle_free(bundle);
	writ_buf_free(&data);
	writ_buf_free(&input);
	writ_buf_free(&out);
	return rc;
}

int
cli_policy_eval(int argc, char **argv)
{
	struct eval_args a = {.format = "json"};
	struct loaded l = {0};
	int rc;

	if ((rc = parse_args(&l, &a, argc, argv)) == 0)
		rc = run(&l, &a);
	loaded_free(&l);
	return rc;
}
