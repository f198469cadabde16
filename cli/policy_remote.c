/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ policy push|list|decide`: the policy store of a running server,
 * through its decision listener (OPA's REST API, docs/API.md "Decision
 * API"; http://127.0.0.1:8181 by default, -decision-address or
 * WRIT_DECISION_ADDR otherwise, with the TLS flags of every client command).
 * push uploads Rego modules (PUT /v1/policies/{id}, the id being the file's
 * path relative to the directory given, or its base name when named) and
 * JSON data (PUT or PATCH /v1/data); a module refused by the compiler is
 * shown as `writ policy check` shows it, file:line:col with the source line.
 * list shows the modules (GET /v1/policies); decide asks for a decision
 * (POST /v1/data/{path}) and prints its result and decision_id, with
 * `writ policy eval`'s --fail and --fail-defined.  The listener takes no
 * token, like OPA, so none is sent.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "writ/base.h"

#include "cli.h"
#include "client.h"
#include "policy_load.h"
#include "rego/ast.h"

#define DEFAULT_DECISION_ADDR "http://127.0.0.1:8181"
/* Rego sources are bounded like the server bounds policy uploads. */
#define REGO_FILE_MAX  (4u << 20)
#define PUSH_MAX_FILES 10000 /* the server's limit on modules pushed through the API */
#define DATA_FILE_MAX  CLI_INPUT_MAX

#define USAGE_DECISION                                                                      \
	"\nServer flags:\n"                                                                 \
	"  -decision-address URL  the server's decision listener (env\n"                    \
	"                         WRIT_DECISION_ADDR; default " DEFAULT_DECISION_ADDR ")\n" \
	"  -ca-cert FILE          CA bundle to verify the server (env WRIT_CACERT)\n"       \
	"  -client-cert FILE      client certificate for mTLS (env WRIT_CLIENT_CERT)\n"     \
	"  -client-key FILE       client key for mTLS (env WRIT_CLIENT_KEY)\n"              \
	"  -tls-skip-verify       do not verify the server certificate (insecure)\n"        \
	"  -format table|json     output format (env WRIT_FORMAT; default table)\n"         \
	"No token is sent: the decision listener, like OPA, takes none.\n"

static const char push_usage[] =
    "usage: writ policy push [-d FILE]... [-data-path PATH] [flags] [FILE|DIR]...\n"
    "\n"
    "Upload Rego modules to a running server (PUT /v1/policies/{id}).  Each .rego file\n"
    "under a directory is stored under its path relative to that directory\n"
    "(authz/rbac.rego); a file named directly under its base name.  Modules that\n"
    "need one another are retried until every one compiles.  -d uploads a JSON data\n"
    "file after the modules: its top-level keys are written at the root of data,\n"
    "or with -data-path PATH the whole document at data.PATH.  Compile errors are\n"
    "printed as file:line:col: code: message with the source line, as `writ policy\n"
    "check` prints them.\n" USAGE_DECISION
    "\nExit status: 0 when everything was uploaded, 1 otherwise, 2 usage error.\n";

static const char list_usage[] =
    "usage: writ policy list [flags]\n"
    "\n"
    "List the ids of the modules a running server holds (GET /v1/policies), one a\n"
    "line; -format json prints the reply, with each module's text.\n" USAGE_DECISION
    "\nExit status: 0 success, 1 error, 2 usage error.\n";

static const char decide_usage[] =
    "usage: writ policy decide [-i FILE | -input-json JSON] [-explain MODE]\n"
    "                          [-fail] [-fail-defined] [flags] PATH\n"
    "\n"
    "Ask a running server for the decision data.PATH (POST /v1/data/PATH, PATH as\n"
    "authz/allow or data.authz.allow) with the input read from FILE (- for stdin)\n"
    "or given as JSON text, and print its result (\"undefined\" when there is none)\n"
    "and decision_id; -format json prints the server's reply.  -explain\n"
    "notes|fails|full|debug prints the evaluation's trace first.\n" USAGE_DECISION
    "\nExit status: 0 success (undefined too), 1 error, or with -fail when the result\n"
    "is undefined, or with -fail-defined when it is defined; 2 usage error.\n";

/* One command's connection. */
struct remote {
	struct cli_opts o;
	const char *daddr;
	struct cli_conn c;
	struct cli_pos pos;
};

#define REMOTE_FLAGS(r)                                                                     \
	{"decision-address", CLI_F_STR, &(r)->daddr, NULL},                                 \
	    {"ca-cert", CLI_F_STR, &(r)->o.ca_cert, NULL},                                  \
	    {"client-cert", CLI_F_STR, &(r)->o.client_cert, NULL},                          \
	    {"client-key", CLI_F_STR, &(r)->o.client_key, NULL},                            \
	    {"format", CLI_F_STR, &(r)->o.format, NULL},                                    \
	{                                                                                   \
		"tls-skip-verify", CLI_F_BOOL, &(r)->o.skip_verify, &(r)->o.skip_verify_set \
	}

/* A module to push. */
struct push_file {
	char *id;   /* owned */
	char *path; /* owned */
	struct writ_buf text;
	struct cli_resp last; /* the latest refusal */
	bool done;
};

struct push {
	struct push_file *v;
	size_t n, cap;
	int ret;
};

static int remote_open(struct remote *r);
static int push_collect(const char *path, const char *rel, bool named, void *arg);
static int push_modules(struct remote *r, struct push *p);
static void push_report(const struct remote *r, const struct push *p, const struct push_file *f);
static int push_data(struct remote *r, const char *file, const char *dpath, json_t *done);
static void push_free(struct push *p);
static writ_rc decide_path(const char *arg, struct writ_buf *out);
static json_t *decide_input(const char *file, const char *text);
static int decide_print(const struct remote *r, json_t *reply, bool fail, bool fail_defined);

/* ---------------------------------------------------------------------------
 * Connection.
 */

/* Resolve the decision listener's address and connect: 0, or an exit status. */
static int
remote_open(struct remote *r)
{
	const char *env = getenv("WRIT_DECISION_ADDR");

	if (r->daddr != NULL)
		r->o.address = r->daddr;
	else if (env != NULL && env[0] != '\0')
		r->o.address = env;
	else
		r->o.address = DEFAULT_DECISION_ADDR;
	return cli_conn_open(&r->c, &r->o, false);
}

/* ---------------------------------------------------------------------------
 * push
 */

static int
push_collect(const char *path, const char *rel, bool named, void *arg)
{
	struct push *p = arg;
	struct writ_err err = {0};
	struct push_file *f, *nv;
	const char *base = strrchr(path, '/');
	size_t n = strlen(path), cap;

	base = base != NULL ? base + 1 : path;
	if (!named && !(n > 5 && strcmp(path + n - 5, ".rego") == 0))
		return 0;
	if (p->n == PUSH_MAX_FILES) {
		warnx("%s: more than %d modules", path, PUSH_MAX_FILES);
		return -1;
	}
	if (p->n == p->cap) {
		cap = p->cap == 0 ? 16 : p->cap * 2;
		if ((nv = writ_realloc(p->v, cap * sizeof(*nv))) == NULL)
			errx(CLI_EXIT_ERR, "out of memory");
		p->v = nv;
		p->cap = cap;
	}
	f = &p->v[p->n];
	memset(f, 0, sizeof(*f));
	writ_buf_init(&f->text, 0);
	f->path = writ_strdup(path);
	f->id = named || rel[0] == '\0' ? writ_strdup(base) : NULL;
	if (!named && rel[0] != '\0' &&
	    (f->id = writ_malloc(strlen(rel) + strlen(base) + 2)) != NULL)
		snprintf(f->id, strlen(rel) + strlen(base) + 2, "%s/%s", rel, base);
	if (f->path == NULL || f->id == NULL)
		errx(CLI_EXIT_ERR, "out of memory");
	p->n++;
	if (cli_read_file(path, REGO_FILE_MAX, &f->text, &err) != WRIT_OK) {
		warnx("%s", err.msg);
		f->done = true; /* nothing to send */
		return -1;
	}
	return 0;
}

/* The source of the module the server calls id, for rendering its errors. */
static const struct push_file *
push_find(const struct push *p, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < p->n; i++)
		if (strcmp(p->v[i].id, id) == 0)
			return &p->v[i];
	return NULL;
}

/* f's refusal: the server's message, then each error as `writ policy check` prints it. */
static void
push_report(const struct remote *r, const struct push *p, const struct push_file *f)
{
	const json_t *errs = json_object_get(f->last.json, "errors"), *e, *loc;
	const struct push_file *src;
	struct rego_diag d;
	struct writ_buf path, msg;
	size_t i;

	writ_buf_init(&path, 0);
	writ_buf_init(&msg, 0);
	if (writ_buf_appends(&path, "policies") != WRIT_OK ||
	    cli_path_append(&path, f->id, false) != WRIT_OK)
		errx(CLI_EXIT_ERR, "out of memory");
	fprintf(stderr, "%s: ", f->path);
	cli_print_api_error(&r->c, path.ptr, &f->last);
	for (i = 0; i < json_array_size(errs); i++) {
		e = json_array_get(errs, i);
		loc = json_object_get(e, "location");
		src = push_find(p, json_string_value(json_object_get(loc, "file")));
		memset(&d, 0, sizeof(d));
		d.code = json_is_string(json_object_get(e, "code"))
		    ? json_string_value(json_object_get(e, "code"))
		    : "error";
		snprintf(d.msg, sizeof(d.msg), "%s",
		    json_is_string(json_object_get(e, "message"))
		        ? json_string_value(json_object_get(e, "message"))
		        : "");
		d.line = (uint32_t)json_integer_value(json_object_get(loc, "row"));
		d.col = (uint32_t)json_integer_value(json_object_get(loc, "col"));
		msg.len = 0;
		if (src != NULL && d.line > 0 &&
		    rego_diag_render(&d, src->path, src->text.ptr, src->text.len, &msg) ==
		        WRIT_OK) {
			cli_print_safe(stderr, msg.ptr);
		} else {
			cli_print_safe(stderr, src != NULL ? src->path : f->path);
			fprintf(stderr, ":%u:%u: ", d.line, d.col);
			cli_print_safe(stderr, d.code);
			fputs(": ", stderr);
			cli_print_safe(stderr, d.msg);
			fputc('\n', stderr);
		}
	}
	writ_buf_free(&msg);
	writ_buf_free(&path);
}

/*
 * PUT every module, again and again while some go in (a module may need
 * one not yet sent); then report those still refused.  0 or 1.
 */
static int
push_modules(struct remote *r, struct push *p)
{
	struct writ_buf path;
	struct push_file *f;
	size_t i, sent;
	int ret = CLI_EXIT_OK;

	writ_buf_init(&path, 0);
	do {
		sent = 0;
		for (i = 0; i < p->n; i++) {
			f = &p->v[i];
			if (f->done)
				continue;
			path.len = 0;
			if (writ_buf_appends(&path, "policies") != WRIT_OK ||
			    cli_path_append(&path, f->id, false) != WRIT_OK) {
				warnx("%s: cannot make a policy id of %s", f->path, f->id);
				f->done = true;
				ret = CLI_EXIT_ERR;
				continue;
			}
			cli_resp_free(&f->last);
			if (cli_http_text(&r->c, "PUT", path.ptr, f->text.ptr, f->text.len,
			        CLI_HTTP_QUIET_ERR, &f->last) == CLI_HTTP_OK) {
				f->done = true;
				sent++;
				if (r->c.format == CLI_FMT_TABLE)
					printf("Success! Uploaded policy: %s\n", f->id);
			} else if (f->last.status == 0) {
				writ_buf_free(&path); /* transport error, already printed */
				return CLI_EXIT_ERR;
			}
		}
	} while (sent > 0);
	for (i = 0; i < p->n; i++) {
		if (!p->v[i].done) {
			push_report(r, p, &p->v[i]);
			ret = CLI_EXIT_ERR;
		}
	}
	writ_buf_free(&path);
	return ret;
}

/* "~" and "/" of a JSON pointer's token escaped ("~0", "~1"), after a "/". */
static writ_rc
pointer_append(struct writ_buf *b, const char *key)
{
	writ_rc rc = writ_buf_append(b, "/", 1);

	for (; *key != '\0' && rc == WRIT_OK; key++) {
		if (*key == '~')
			rc = writ_buf_append(b, "~0", 2);
		else if (*key == '/')
			rc = writ_buf_append(b, "~1", 2);
		else
			rc = writ_buf_append(b, key, 1);
	}
	return rc;
}

/* A JSON patch adding each member of doc at the root of data (replacing what is there). */
static json_t *
root_patch(json_t *doc)
{
	json_t *ops = json_array(), *v;
	struct writ_buf ptr;
	const char *k;

	writ_buf_init(&ptr, 0);
	json_object_foreach(doc, k, v)
	{
		ptr.len = 0;
		if (ops == NULL || pointer_append(&ptr, k) != WRIT_OK ||
		    json_array_append_new(ops,
		        json_pack("{s:s,s:s%,s:O}", "op", "add", "path", ptr.ptr, ptr.len, "value",
		            v)) != 0) {
			json_decref(ops);
			ops = NULL;
			break;
		}
	}
	writ_buf_free(&ptr);
	return ops;
}

/* Upload the JSON document in file at data.dpath (NULL: its members at the root). */
static int
push_data(struct remote *r, const char *file, const char *dpath, json_t *done)
{
	struct writ_err err = {0};
	struct writ_buf text, path;
	struct cli_resp resp = {0};
	json_error_t jerr;
	json_t *doc = NULL, *ops = NULL;
	int ret = CLI_EXIT_ERR;

	writ_buf_init(&text, 0);
	writ_buf_init(&path, 0);
	if (cli_read_file(file, DATA_FILE_MAX, &text, &err) != WRIT_OK) {
		warnx("%s", err.msg);
		goto out;
	}
	if ((doc = json_loadb(
	         text.ptr != NULL ? text.ptr : "", text.len, JSON_DECODE_ANY, &jerr)) == NULL) {
		warnx("%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
		goto out;
	}
	if (dpath == NULL && !json_is_object(doc)) {
		warnx("%s: not a JSON object (give -data-path to store it below data)", file);
		goto out;
	}
	if (writ_buf_appends(&path, "data") != WRIT_OK ||
	    (dpath != NULL && decide_path(dpath, &path) != WRIT_OK)) {
		warnx("invalid -data-path \"%s\"", dpath);
		goto out;
	}
	if (dpath == NULL && (ops = root_patch(doc)) == NULL) {
		warnx("out of memory");
		goto out;
	}
	if (cli_http(&r->c, dpath != NULL ? "PUT" : "PATCH", path.ptr, dpath != NULL ? doc : ops, 0,
	        &resp) != CLI_HTTP_OK) {
		fprintf(stderr, "%s: not uploaded\n", file);
		goto out;
	}
	if (r->c.format == CLI_FMT_TABLE)
		printf("Success! Uploaded data: %s\n", file);
	json_array_append_new(done, json_string(file));
	ret = CLI_EXIT_OK;
out:
	cli_resp_free(&resp);
	json_decref(ops);
	json_decref(doc);
	writ_buf_free(&text);
	writ_buf_free(&path);
	return ret;
}

static void
push_free(struct push *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		writ_free(p->v[i].id);
		writ_free(p->v[i].path);
		writ_buf_free(&p->v[i].text);
		cli_resp_free(&p->v[i].last);
	}
	writ_free(p->v);
	memset(p, 0, sizeof(*p));
}

int
cli_policy_push(int argc, char **argv)
{
	struct remote r = {0};
	struct cli_list data = {0};
	const char *dpath = NULL;
	struct cli_flag flags[] = {
	    {"d", CLI_F_LIST, &data, NULL},
	    {"data", CLI_F_LIST, &data, NULL},
	    {"data-path", CLI_F_STR, &dpath, NULL},
	    REMOTE_FLAGS(&r),
	};
	struct push p = {0};
	json_t *ids = NULL, *files = NULL, *summary;
	size_t i;
	int ret, k;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &r.pos, push_usage)) >= 0)
		return ret;
	if (r.pos.n == 0 && data.n == 0)
		return cli_usage_error(push_usage, "expected a file or directory, or -d FILE");
	for (k = 0; k < r.pos.n; k++)
		if (strcmp(r.pos.v[k], "-") == 0)
			return cli_usage_error(push_usage, "a module needs a file name: not -");
	cli_json_init();
	if ((ret = remote_open(&r)) != CLI_EXIT_OK)
		goto out;
	for (k = 0; k < r.pos.n; k++)
		if (policy_walk(r.pos.v[k], push_collect, &p) != 0)
			ret = CLI_EXIT_ERR;
	if (ret == CLI_EXIT_OK)
		ret = push_modules(&r, &p);
	if ((files = json_array()) == NULL || (ids = json_array()) == NULL)
		errx(CLI_EXIT_ERR, "out of memory");
	for (i = 0; i < data.n && ret == CLI_EXIT_OK; i++)
		ret = push_data(&r, data.v[i], dpath, files);
	for (i = 0; i < p.n; i++)
		if (p.v[i].done && p.v[i].last.status != 0 && p.v[i].last.status < 300)
			json_array_append_new(ids, json_string(p.v[i].id));
	if (r.c.format == CLI_FMT_JSON) {
		if ((summary = json_pack("{s:O,s:O}", "policies", ids, "data", files)) == NULL)
			errx(CLI_EXIT_ERR, "out of memory");
		cli_print_json(stdout, summary);
		json_decref(summary);
	}
out:
	json_decref(ids);
	json_decref(files);
	push_free(&p);
	cli_conn_close(&r.c);
	return ret;
}

/* ---------------------------------------------------------------------------
 * list
 */

int
cli_policy_list(int argc, char **argv)
{
	struct remote r = {0};
	struct cli_flag flags[] = {REMOTE_FLAGS(&r)};
	struct cli_resp resp = {0};
	const json_t *all, *id;
	size_t i;
	int ret;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &r.pos, list_usage)) >= 0)
		return ret;
	if (r.pos.n != 0)
		return cli_usage_error(list_usage, "expected no arguments");
	cli_json_init();
	if ((ret = remote_open(&r)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if (cli_http(&r.c, "GET", "policies", NULL, 0, &resp) != CLI_HTTP_OK)
		goto out;
	ret = CLI_EXIT_OK;
	if (r.c.format == CLI_FMT_JSON) {
		cli_print_json(stdout, resp.json);
		goto out;
	}
	/* Like `writ acl list`: one id a line, no header. */
	all = json_object_get(resp.json, "result");
	for (i = 0; i < json_array_size(all); i++) {
		id = json_object_get(json_array_get(all, i), "id");
		if (!json_is_string(id))
			continue;
		cli_print_safe(stdout, json_string_value(id));
		putchar('\n');
	}
out:
	cli_resp_free(&resp);
	cli_conn_close(&r.c);
	return ret;
}

/* ---------------------------------------------------------------------------
 * decide
 */

/* Append arg ("a/b", "/a/b", "data.a.b" or "data") as escaped segments after out's text. */
static writ_rc
decide_path(const char *arg, struct writ_buf *out)
{
	struct writ_buf seg;
	char *p;
	writ_rc rc;

	if (strcmp(arg, "data") != 0 && strncmp(arg, "data.", 5) != 0)
		return cli_path_append(out, arg, true);
	writ_buf_init(&seg, 0);
	if ((rc = writ_buf_appends(&seg, arg[4] == '.' ? arg + 5 : "")) == WRIT_OK) {
		for (p = seg.ptr; p != NULL && *p != '\0'; p++)
			if (*p == '.')
				*p = '/';
		rc = cli_path_append(out, seg.ptr != NULL ? seg.ptr : "", true);
	}
	writ_buf_free(&seg);
	return rc;
}

/* {"input": <file's or text's JSON>}, or NULL after printing why. */
static json_t *
decide_input(const char *file, const char *text)
{
	struct writ_err err = {0};
	struct writ_buf b;
	json_error_t jerr;
	json_t *in = NULL, *body = NULL;

	writ_buf_init(&b, 0);
	if (file != NULL && cli_read_file(file, CLI_INPUT_MAX, &b, &err) != WRIT_OK) {
		warnx("%s", err.msg);
		goto out;
	}
	if (file == NULL && writ_buf_appends(&b, text) != WRIT_OK) {
		warnx("out of memory");
		goto out;
	}
	if ((in = json_loadb(b.ptr != NULL ? b.ptr : "", b.len, JSON_DECODE_ANY, &jerr)) == NULL) {
		warnx("%s:%d:%d: %s", file != NULL ? file : "-input-json", jerr.line, jerr.column,
		    jerr.text);
		goto out;
	}
	if ((body = json_pack("{s:o}", "input", in)) == NULL)
		warnx("out of memory");
out:
	writ_buf_free(&b);
	return body;
}

/* The result (or "undefined") and decision_id, or the reply as JSON; the exit status. */
static int
decide_print(const struct remote *r, json_t *reply, bool fail, bool fail_defined)
{
	const json_t *res = json_object_get(reply, "result"), *ex, *line;
	const char *id = json_string_value(json_object_get(reply, "decision_id"));
	size_t i;

	if (r->c.format == CLI_FMT_JSON) {
		cli_print_json(stdout, reply);
	} else {
		ex = json_object_get(reply, "explanation");
		json_array_foreach(ex, i, line)
		{
			if (json_is_string(line)) {
				cli_print_safe(stdout, json_string_value(line));
				putchar('\n');
			}
		}
		if (res != NULL)
			cli_print_json(stdout, res);
		else
			puts("undefined");
		if (id != NULL) {
			fputs("decision_id: ", stdout);
			cli_print_safe(stdout, id);
			putchar('\n');
		}
	}
	if (res == NULL)
		return fail ? CLI_EXIT_ERR : CLI_EXIT_OK;
	return fail_defined ? CLI_EXIT_ERR : CLI_EXIT_OK;
}

int
cli_policy_decide(int argc, char **argv)
{
	struct remote r = {0};
	const char *input = NULL, *input_json = NULL, *explain = NULL;
	bool fail = false, fail_defined = false;
	struct cli_flag flags[] = {
	    {"i", CLI_F_STR, &input, NULL},
	    {"input", CLI_F_STR, &input, NULL},
	    {"input-json", CLI_F_STR, &input_json, NULL},
	    {"explain", CLI_F_STR, &explain, NULL},
	    {"fail", CLI_F_BOOL, &fail, NULL},
	    {"fail-defined", CLI_F_BOOL, &fail_defined, NULL},
	    REMOTE_FLAGS(&r),
	};
	enum writ_rego_explain mode = WRIT_REGO_EXPLAIN_OFF;
	struct cli_resp resp = {0};
	struct writ_buf path;
	json_t *body = NULL;
	int ret;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &r.pos, decide_usage)) >= 0)
		return ret;
	if (r.pos.n != 1)
		return cli_usage_error(decide_usage, "expected one PATH");
	if (input != NULL && input_json != NULL)
		return cli_usage_error(decide_usage, "-i and -input-json exclude each other");
	if (explain != NULL && writ_rego_explain_parse(explain, &mode) != WRIT_OK)
		return cli_usage_error(decide_usage,
		    "-explain: unknown mode \"%s\" (off, notes, fails, full, debug)", explain);
	writ_buf_init(&path, 0);
	if (writ_buf_appends(&path, "data") != WRIT_OK ||
	    decide_path(r.pos.v[0], &path) != WRIT_OK) {
		writ_buf_free(&path);
		return cli_usage_error(decide_usage, "invalid PATH \"%s\"", r.pos.v[0]);
	}
	cli_json_init();
	if ((ret = remote_open(&r)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if ((input != NULL || input_json != NULL) &&
	    (body = decide_input(input, input_json)) == NULL)
		goto out;
	if (mode != WRIT_REGO_EXPLAIN_OFF &&
	    writ_buf_appendf(&path, "?explain=%s%s", explain,
	        r.c.format == CLI_FMT_TABLE ? "&pretty" : "") != WRIT_OK)
		goto out;
	if (cli_http(&r.c, body != NULL ? "POST" : "GET", path.ptr, body, 0, &resp) != CLI_HTTP_OK)
		goto out;
	if (!json_is_object(resp.json)) {
		warnx("the reply is not a JSON object");
		goto out;
	}
	ret = decide_print(&r, resp.json, fail, fail_defined);
out:
	json_decref(body);
	cli_resp_free(&resp);
	writ_buf_free(&path);
	cli_conn_close(&r.c);
	return ret;
}
