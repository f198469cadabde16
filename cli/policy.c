/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ policy`: work on Rego policy files locally, like `opa fmt` and
 * `opa check`.  fmt prints (or with -w rewrites, with -l lists, with --diff
 * shows the changes of) the canonical formatting of each file; check parses
 * every .rego file under its arguments and prints each error as
 * file:line:col: code: message with the source line and a caret.  eval and
 * test are in policy_eval.c and policy_test.c; push, list and decide, which
 * talk to a running server, in policy_remote.c.
 */

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "writ/base.h"

#include "cli.h"
#include "client.h"
#include "policy_load.h"
#include "rego/ast.h"

/* Rego sources are bounded like the server bounds policy uploads. */
#define REGO_FILE_MAX (4u << 20)
/* Longest file (in lines) --diff aligns line by line. */
#define DIFF_MAX_LINES 4000

static int policy_fmt(int argc, char **argv);
static int policy_check(int argc, char **argv);

/* What fmt does with each file. */
struct fmt_opts {
	bool write, list, diff;
};

/* Called for each file: returns an exit status (0 ok, 1 problem). */
typedef int (*file_fn)(const char *path, void *arg);

static const char fmt_usage[] =
    "usage: writ policy fmt [-w] [-l] [--diff] FILE|DIR...\n"
    "\n"
    "Format Rego files in the canonical style of `opa fmt` and print the result.\n"
    "  -w      write the result back to the file instead of printing it\n"
    "  -l      list the files whose formatting differs\n"
    "  --diff  print the changes formatting would make\n";

static const char check_usage[] =
    "usage: writ policy check FILE|DIR...\n"
    "\n"
    "Parse every .rego file (directories are searched recursively) and print each\n"
    "error as file:line:col: code: message.  Exit status 0 when all are clean.\n";

static const struct cli_sub policy_subs[] = {
    {"check", policy_check, "parse and check Rego files"},
    {"decide", cli_policy_decide, "ask a running server for a decision"},
    {"eval", cli_policy_eval, "evaluate a query, like opa eval"},
    {"fmt", policy_fmt, "format Rego files like opa fmt"},
    {"list", cli_policy_list, "list the modules of a running server"},
    {"push", cli_policy_push, "upload Rego modules and data to a running server"},
    {"test", cli_policy_test, "run the test_ rules of Rego files, like opa test"},
};

int
cli_policy(int argc, char **argv)
{
	return cli_dispatch("policy", policy_subs, WRIT_ARRAY_LEN(policy_subs), argc, argv);
}



/* ---------------------------------------------------------------------------
 * Files and directories.
 */

struct walk_arg {
	file_fn fn;
	void *arg;
};

/* A file named on the command line, or a .rego file found in a directory. */
static int
walk_cb(const char *path, const char *rel, bool named, void *arg)
{
	struct walk_arg *w = arg;
	size_t n = strlen(path);

	(void)rel;
	if (!named && !(n > 5 && strcmp(path + n - 5, ".rego") == 0))
		return 0;
	return w->fn(path, w->arg) == CLI_EXIT_OK ? 0 : -1;
}

static int
walk_all(const struct cli_pos *pos, file_fn fn, void *arg)
{
	struct walk_arg w = {fn, arg};
	int i, ret = CLI_EXIT_OK;

	for (i = 0; i < pos->n; i++)
		if (policy_walk(pos->v[i], walk_cb, &w) != 0)
			ret = CLI_EXIT_ERR;
	return ret;
}

/* Parse path into m (a's arena); print the error and return false on failure. */
static bool
load(const char *path, struct writ_arena *a, struct writ_buf *text, struct rego_module **m)
{
	struct writ_err err = {0};
	struct rego_diag d;
	struct writ_buf msg;

	if (cli_read_file(path, REGO_FILE_MAX, text, &err) != WRIT_OK) {
		warnx("%s", err.msg);
		return false;
	}
	if (rego_parse_module(a, path, text->ptr != NULL ? text->ptr : "", text->len, NULL, m, &d,
	        &err) == WRIT_OK)
		return true;
	writ_buf_init(&msg, 0);
	if (rego_diag_render(&d, path, text->ptr, text->len, &msg) == WRIT_OK)
		fputs(msg.ptr, stderr);
	else
		fprintf(stderr, "%s\n", err.msg);
	writ_buf_free(&msg);
	return false;
}

/* ---------------------------------------------------------------------------
 * check
 */

struct check_ctx {
	const char *path;
	const struct writ_buf *text;
	size_t nerrors;
};

static void
check_report(const struct rego_diag *d, void *arg)
{
	struct check_ctx *c = arg;
	struct writ_buf msg;

	writ_buf_init(&msg, 0);
	if (rego_diag_render(d, c->path, c->text->ptr, c->text->len, &msg) == WRIT_OK)
		fputs(msg.ptr, stderr);
	writ_buf_free(&msg);
	c->nerrors++;
}

static int
check_file(const char *path, void *arg)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct check_ctx c = {path, NULL, 0};
	struct rego_module *m;
	struct writ_buf text;
	size_t *total = arg;
	int ret = CLI_EXIT_ERR;

	writ_buf_init(&text, 0);
	c.text = &text;
	if (a == NULL)
		errx(CLI_EXIT_ERR, "out of memory");
	if (!load(path, a, &text, &m)) {
		(*total)++;
		goto out;
	}
	if (rego_check_module(m, check_report, &c) == 0)
		ret = CLI_EXIT_OK;
	*total += c.nerrors;
out:
	writ_buf_free(&text);
	writ_arena_free(a);
	return ret;
}

static int
policy_check(int argc, char **argv)
{
	struct cli_pos pos;
	size_t total = 0;
	int ret;

	if ((ret = cli_parse(NULL, 0, argc, argv, &pos, check_usage)) >= 0)
		return ret;
	if (pos.n == 0)
		return cli_usage_error(check_usage, "expected at least one file or directory");
	ret = walk_all(&pos, check_file, &total);
	if (total > 0)
		fprintf(stderr, "%zu error%s\n", total, total == 1 ? "" : "s");
	return ret;
}

/* ---------------------------------------------------------------------------
 * fmt
 */

/* Split s[len] into lines (pointers into s); *n lines. */
static const char **
split_lines(const char *s, size_t len, size_t *n)
{
	const char **v;
	size_t i, k = 0, cap = 1;

	for (i = 0; i < len; i++)
		cap += s[i] == '\n';
	if ((v = writ_calloc(cap + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < len; i = (size_t)(strchr(s + i, '\n') - s) + 1) {
		v[k++] = s + i;
		if (memchr(s + i, '\n', len - i) == NULL)
			break;
	}
	*n = k;
	return v;
}

static bool
line_eq(const char *a, const char *b)
{
	size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");

	return la == lb && memcmp(a, b, la) == 0;
}

static void
put_line(char mark, const char *l)
{
	printf("%c%.*s\n", mark, (int)strcspn(l, "\n"), l);
}

/* Print the lines of a and b aligned on a longest common subsequence. */
static void
diff_lines(const char **a, size_t na, const char **b, size_t nb)
{
	size_t i, j, *t;

	if (na > DIFF_MAX_LINES || nb > DIFF_MAX_LINES ||
	    (t = writ_calloc((na + 1) * (nb + 1), sizeof(*t))) == NULL) {
		for (i = 0; i < na; i++)
			put_line('-', a[i]);
		for (j = 0; j < nb; j++)
			put_line('+', b[j]);
		return;
	}
	for (i = na; i-- > 0;)
		for (j = nb; j-- > 0;)
			t[i * (nb + 1) + j] = line_eq(a[i], b[j])
			    ? t[(i + 1) * (nb + 1) + j + 1] + 1
			    : t[(i + 1) * (nb + 1) + j] > t[i * (nb + 1) + j + 1]
			    ? t[(i + 1) * (nb + 1) + j]
			    : t[i * (nb + 1) + j + 1];
	for (i = 0, j = 0; i < na || j < nb;) {
		if (i < na && j < nb && line_eq(a[i], b[j]))
			put_line(' ', a[i++]), j++;
		else if (i < na &&
		    (j == nb || t[(i + 1) * (nb + 1) + j] >= t[i * (nb + 1) + j + 1]))
			put_line('-', a[i++]);
		else
			put_line('+', b[j++]);
	}
	writ_free(t);
}

static void
print_diff(const char *path, const struct writ_buf *old, const struct writ_buf *new)
{
	const char **a, **b;
	size_t na = 0, nb = 0;

	a = split_lines(old->ptr != NULL ? old->ptr : "", old->len, &na);
	b = split_lines(new->ptr, new->len, &nb);
	if (a == NULL || b == NULL)
		errx(CLI_EXIT_ERR, "out of memory");
	printf("--- %s\n+++ %s (formatted)\n", path, path);
	diff_lines(a, na, b, nb);
	writ_free(a);
	writ_free(b);
}

/* Replace path with text (a temporary file renamed over it). */
static int
write_file(const char *path, const struct writ_buf *text)
{
	struct writ_buf tmp;
	FILE *f;
	int ret = CLI_EXIT_ERR;

	writ_buf_init(&tmp, 0);
	if (writ_buf_appendf(&tmp, "%s.writfmt.tmp", path) != WRIT_OK)
		goto out;
	if ((f = fopen(tmp.ptr, "w")) == NULL) {
		warn("%s", tmp.ptr);
		goto out;
	}
	if (fwrite(text->ptr, 1, text->len, f) != text->len || fclose(f) != 0) {
		warn("%s", tmp.ptr);
		unlink(tmp.ptr);
		goto out;
	}
	if (rename(tmp.ptr, path) != 0) {
		warn("%s", path);
		unlink(tmp.ptr);
		goto out;
	}
	ret = CLI_EXIT_OK;
out:
	writ_buf_free(&tmp);
	return ret;
}

static int
fmt_file(const char *path, void *arg)
{
	const struct fmt_opts *o = arg;
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_buf text, out;
	struct rego_module *m;
	bool same;
	int ret = CLI_EXIT_ERR;

	writ_buf_init(&text, 0);
	writ_buf_init(&out, 0);
	if (a == NULL)
		errx(CLI_EXIT_ERR, "out of memory");
	if (!load(path, a, &text, &m))
		goto out;
	if (rego_fmt_module(m, &out) != WRIT_OK)
		errx(CLI_EXIT_ERR, "out of memory");
	same = out.len == text.len && memcmp(out.ptr, text.ptr, out.len) == 0;
	ret = CLI_EXIT_OK;
	if (o->list && !same)
		printf("%s\n", path);
	if (o->diff && !same)
		print_diff(path, &text, &out);
	if (o->write && !same && strcmp(path, "-") != 0)
		ret = write_file(path, &out);
	if (!o->write && !o->list && !o->diff)
		fwrite(out.ptr, 1, out.len, stdout);
out:
	writ_buf_free(&text);
	writ_buf_free(&out);
	writ_arena_free(a);
	return ret;
}

static int
policy_fmt(int argc, char **argv)
{
	struct fmt_opts o = {0};
	bool d = false;
	struct cli_flag flags[] = {
	    {"w", CLI_F_BOOL, &o.write, NULL},
	    {"l", CLI_F_BOOL, &o.list, NULL},
	    {"diff", CLI_F_BOOL, &o.diff, NULL},
	    {"d", CLI_F_BOOL, &d, NULL},
	};
	struct cli_pos pos;
	int ret;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, fmt_usage)) >= 0)
		return ret;
	o.diff = o.diff || d;
	if (pos.n == 0)
		return cli_usage_error(fmt_usage, "expected at least one file or directory");
	return walk_all(&pos, fmt_file, &o);
}
