/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ acl`: write, read, list and delete the ACL policies (Vault's path +
 * capabilities policies, HCL or JSON) on /v1/sys/policies/acl/<name>.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "writ/base.h"

#include "cli.h"
#include "client.h"

/* Policies are text; the server applies its own, lower, limit. */
#define POLICY_MAX (1u << 20)

/* State shared by the acl subcommands. */
struct acl_ctx {
	struct cli_opts o;
	struct cli_pos pos;
	struct cli_conn c;
	struct cli_resp r;
	struct writ_buf path;
};

static int acl_write(int argc, char **argv);
static int acl_read(int argc, char **argv);
static int acl_list(int argc, char **argv);
static int acl_delete(int argc, char **argv);
static int acl_start(struct acl_ctx *k, int argc, char **argv, const char *usage, int npos);
static void acl_free(struct acl_ctx *k);
static json_t *acl_body(const char *file);

static const char write_usage[] =
    "usage: writ acl write NAME FILE|- [flags]\n"
    "\n"
    "Create or replace the ACL policy NAME with the HCL or JSON text of FILE (\"-\":\n"
    "stdin) (PUT /v1/sys/policies/acl/NAME).\n" CLI_USAGE_COMMON;

static const char read_usage[] =
    "usage: writ acl read NAME [flags]\n"
    "\n"
    "Print the text of the ACL policy NAME (GET /v1/sys/policies/acl/NAME).\n" CLI_USAGE_COMMON;

static const char list_usage[] =
    "usage: writ acl list [flags]\n"
    "\n"
    "List the names of the ACL policies (LIST /v1/sys/policies/acl).\n" CLI_USAGE_COMMON;

static const char delete_usage[] =
    "usage: writ acl delete NAME [flags]\n"
    "\n"
    "Delete the ACL policy NAME (DELETE /v1/sys/policies/acl/NAME).\n" CLI_USAGE_COMMON;

static const struct cli_sub acl_subs[] = {
    {"write", acl_write, "create or replace a policy from a file"},
    {"read", acl_read, "print a policy"},
    {"list", acl_list, "list policy names"},
    {"delete", acl_delete, "delete a policy"},
};

int
cli_acl(int argc, char **argv)
{
	cli_json_init();
	return cli_dispatch("acl", acl_subs, WRIT_ARRAY_LEN(acl_subs), argc, argv);
}

static void
acl_free(struct acl_ctx *k)
{
	cli_resp_free(&k->r);
	cli_conn_close(&k->c);
	writ_buf_free(&k->path);
}

/*
 * Parse the flags, check there are npos arguments, build the path (with the
 * policy NAME when npos > 0) and connect.  -1 to go on, or an exit status.
 */
static int
acl_start(struct acl_ctx *k, int argc, char **argv, const char *usage, int npos)
{
	struct cli_flag flags[] = {CLI_COMMON_FLAGS(&k->o)};
	const char *name;
	int ret;

	memset(k, 0, sizeof(*k));
	writ_buf_init(&k->path, 0);
	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &k->pos, usage)) >= 0)
		return ret;
	if (k->pos.n != npos)
		return cli_usage_error(usage, "expected %d argument%s", npos, npos == 1 ? "" : "s");
	if (writ_buf_appends(&k->path, "sys/policies/acl") != WRIT_OK)
		return CLI_EXIT_ERR;
	if (npos > 0) {
		name = k->pos.v[0];
		if (strchr(name, '/') != NULL || cli_path_append(&k->path, name, false) != WRIT_OK)
			return cli_usage_error(usage, "invalid policy name");
	}
	if ((ret = cli_conn_open(&k->c, &k->o, true)) != CLI_EXIT_OK)
		return ret;
	return -1;
}

/* {"policy": <text of file>}, or NULL after printing why. */
static json_t *
acl_body(const char *file)
{
	struct writ_err err = {0};
	struct writ_buf text;
	json_t *body = NULL, *v;

	writ_buf_init(&text, 0);
	if (cli_read_file(file, POLICY_MAX, &text, &err) != WRIT_OK)
		warnx("%s", err.msg);
	else if ((v = json_stringn(text.ptr != NULL ? text.ptr : "", text.len)) == NULL)
		warnx("%s: not valid UTF-8 text", file);
	else if ((body = json_pack("{s:o}", "policy", v)) == NULL)
		warnx("out of memory");
	writ_buf_free(&text);
	return body;
}

static int
acl_write(int argc, char **argv)
{
	struct acl_ctx k;
	json_t *body = NULL;
	int ret;

	if ((ret = acl_start(&k, argc, argv, write_usage, 2)) >= 0)
		goto out;
	ret = CLI_EXIT_ERR;
	if ((body = acl_body(k.pos.v[1])) == NULL)
		goto out;
	if (cli_http(&k.c, "PUT", k.path.ptr, body, 0, &k.r) != CLI_HTTP_OK)
		goto out;
	printf("Success! Uploaded policy: %s\n", k.pos.v[0]);
	ret = CLI_EXIT_OK;
out:
	json_decref(body);
	acl_free(&k);
	return ret;
}

static int
acl_read(int argc, char **argv)
{
	struct acl_ctx k;
	enum cli_http_rc hr;
	json_t *text;
	int ret;

	if ((ret = acl_start(&k, argc, argv, read_usage, 1)) >= 0)
		goto out;
	ret = CLI_EXIT_ERR;
	hr = cli_http(&k.c, "GET", k.path.ptr, NULL, CLI_HTTP_QUIET_404, &k.r);
	if (hr == CLI_HTTP_NOTFOUND)
		fprintf(stderr, "No policy named: %s\n", k.pos.v[0]);
	if (hr != CLI_HTTP_OK)
		goto out;
	if (k.c.format == CLI_FMT_JSON) {
		cli_print_json(stdout, k.r.json);
		ret = CLI_EXIT_OK;
		goto out;
	}
	/* sys/policies/acl answers "policy"; the older sys/policy "rules". */
	text = json_object_get(cli_resp_data(k.r.json), "policy");
	if (text == NULL)
		text = json_object_get(cli_resp_data(k.r.json), "rules");
	if (!json_is_string(text)) {
		warnx("the reply has no policy text");
		goto out;
	}
	cli_print_safe(stdout, json_string_value(text));
	if (json_string_length(text) == 0 ||
	    json_string_value(text)[json_string_length(text) - 1] != '\n')
		putchar('\n');
	ret = CLI_EXIT_OK;
out:
	acl_free(&k);
	return ret;
}

static int
acl_list(int argc, char **argv)
{
	struct acl_ctx k;
	json_t *keys;
	size_t i;
	int ret;

	if ((ret = acl_start(&k, argc, argv, list_usage, 0)) >= 0)
		goto out;
	ret = CLI_EXIT_ERR;
	if (cli_http(&k.c, "LIST", k.path.ptr, NULL, 0, &k.r) != CLI_HTTP_OK)
		goto out;
	if (k.c.format == CLI_FMT_JSON) {
		cli_print_json(stdout, k.r.json);
	} else {
		/* Like `vault policy list`: one name a line, no header. */
		keys = json_object_get(cli_resp_data(k.r.json), "keys");
		for (i = 0; i < json_array_size(keys); i++) {
			if (!json_is_string(json_array_get(keys, i)))
				continue;
			cli_print_safe(stdout, json_string_value(json_array_get(keys, i)));
			putchar('\n');
		}
	}
	ret = CLI_EXIT_OK;
out:
	acl_free(&k);
	return ret;
}

static int
acl_delete(int argc, char **argv)
{
	struct acl_ctx k;
	int ret;

	if ((ret = acl_start(&k, argc, argv, delete_usage, 1)) >= 0)
		goto out;
	ret = CLI_EXIT_ERR;
	if (cli_http(&k.c, "DELETE", k.path.ptr, NULL, 0, &k.r) != CLI_HTTP_OK)
		goto out;
	printf("Success! Deleted policy: %s\n", k.pos.v[0]);
	ret = CLI_EXIT_OK;
out:
	acl_free(&k);
	return ret;
}
