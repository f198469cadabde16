/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `writ` entry point: dispatches to `writ server`, and to the CLI client's
 * subcommands (`writ kv ...`, `writ token ...`, `writ operator ...`, ...).
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{"acl", cli_acl, "write, read, list and delete ACL policies"},
	{"audit", cli_audit, "verify an audit log, hash a value"},
	{"kv", cli_kv, "read and write KV version 2 secrets"},
	{"login", cli_login, "store a token in ~/.writ-token"},
	{"operator", cli_operator, "init, unseal, seal, rotate"},
	{"policy", cli_policy, "format, check, evaluate and test Rego policies"},
	{"server", cli_server, "run the writ server"},
	{"status", cli_status, "show seal status"},
	{"token", cli_token, "create, look up, renew and revoke tokens"},
	{"version", cli_version, "print the version"},
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: writ <command> [args]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	}
	warnx("unknown command \"%s\"", argv[1]);
	usage(stderr);
	return 2;
}
