/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ status` (the server's seal status, exit 2 when sealed, as `vault
 * status` does) and `writ version`.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "writ/base.h"

#include "cli.h"
#include "client.h"

#ifndef WRIT_VERSION
#define WRIT_VERSION "0.0.0-dev"
#endif

static const char status_usage[] =
    "usage: writ status [flags]\n"
    "\n"
    "Show the seal status of the server (GET /v1/sys/seal-status).  No token needed.\n"
    "Exits 0 when unsealed, 2 when sealed, 1 on error.\n" CLI_USAGE_COMMON;

static const char version_usage[] = "usage: writ version\n\nPrint the version of writ.\n";

/* Labels of vault's status table, in its order. */
static const struct {
	const char *field;
	const char *label;
	bool sealed_only;
} status_rows[] = {
    {"type", "Seal Type", false},
    {"initialized", "Initialized", false},
    {"sealed", "Sealed", false},
    {"n", "Total Shares", false},
    {"t", "Threshold", false},
    {"progress", "Unseal Progress", true},
    {"nonce", "Unseal Nonce", true},
    {"version", "Version", false},
    {"build_date", "Build Date", false},
    {"storage_type", "Storage Type", false},
    {"cluster_name", "Cluster Name", false},
    {"cluster_id", "Cluster ID", false},
};

bool
cli_print_seal_status(const struct cli_conn *c, json_t *st)
{
	struct cli_table t = {0};
	bool sealed = json_is_true(json_object_get(st, "sealed"));
	writ_rc rc = WRIT_OK;
	json_t *v;
	size_t i;

	if (c->format == CLI_FMT_JSON) {
		cli_print_json(stdout, st);
		return sealed;
	}
	for (i = 0; i < WRIT_ARRAY_LEN(status_rows) && rc == WRIT_OK; i++) {
		v = json_object_get(st, status_rows[i].field);
		if (v == NULL || (json_is_string(v) && json_string_length(v) == 0) ||
		    (status_rows[i].sealed_only && !sealed))
			continue;
		if (strcmp(status_rows[i].field, "progress") == 0 && json_is_integer(v)) {
			char prog[64];

			snprintf(prog, sizeof(prog),
			    "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT, json_integer_value(v),
			    json_integer_value(json_object_get(st, "t")));
			rc = cli_table_adds(&t, status_rows[i].label, prog);
		} else {
			rc = cli_table_addv(&t, status_rows[i].label, v);
		}
	}
	if (rc != WRIT_OK)
		warnx("out of memory");
	cli_table_print(stdout, &t);
	cli_table_free(&t);
	return sealed;
}

int
cli_status(int argc, char **argv)
{
	struct cli_opts o = {0};
	struct cli_flag flags[] = {CLI_COMMON_FLAGS(&o)};
	struct cli_resp r = {0};
	struct cli_conn c;
	struct cli_pos pos;
	int ret;

	cli_json_init();
	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, status_usage)) >= 0)
		return ret;
	if (pos.n != 0)
		return cli_usage_error(status_usage, "too many arguments");
	if ((ret = cli_conn_open(&c, &o, false)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if (cli_http(&c, "GET", "sys/seal-status", NULL, 0, &r) != CLI_HTTP_OK)
		goto out;
	if (!json_is_object(r.json)) {
		warnx("unexpected reply from the server");
		goto out;
	}
	ret = cli_print_seal_status(&c, r.json) ? CLI_EXIT_USAGE : CLI_EXIT_OK;
out:
	cli_resp_free(&r);
	cli_conn_close(&c);
	return ret;
}

int
cli_version(int argc, char **argv)
{
	struct cli_pos pos;
	int ret;

	if ((ret = cli_parse(NULL, 0, argc, argv, &pos, version_usage)) >= 0)
		return ret;
	if (pos.n != 0)
		return cli_usage_error(version_usage, "too many arguments");
	printf("writ v%s\n", WRIT_VERSION);
	return CLI_EXIT_OK;
}
