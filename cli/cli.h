/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subcommands of the `writ` program.  Each takes argc/argv starting at its own
 * name and returns the process exit status (0 ok, 1 error, 2 usage).
 */
#ifndef WRIT_CLI_CLI_H
#define WRIT_CLI_CLI_H

int cli_acl(int argc, char **argv);
int cli_audit(int argc, char **argv);
int cli_kv(int argc, char **argv);
/* `writ login [TOKEN|-]`: check a token and store it in ~/.writ-token (token.c). */
int cli_login(int argc, char **argv);
int cli_operator(int argc, char **argv);
/*
 * `writ policy fmt|check|eval|test`: Rego files on the local machine (policy.c);
 * push, list and decide talk to a server (policy_remote.c).
 */
int cli_policy(int argc, char **argv);
/* `writ policy eval` and `writ policy test`, like opa eval and opa test. */
int cli_policy_eval(int argc, char **argv);
int cli_policy_test(int argc, char **argv);
/* `writ policy push|list|decide`: a running server's policies, through its decision listener. */
int cli_policy_push(int argc, char **argv);
int cli_policy_list(int argc, char **argv);
int cli_policy_decide(int argc, char **argv);
int cli_server(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_token(int argc, char **argv);
int cli_version(int argc, char **argv);

#endif /* WRIT_CLI_CLI_H */
