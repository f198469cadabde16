/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ operator`: initialise the server (split the root key into unseal key
 * shares), unseal it share by share, seal it, rotate the barrier keyring and
 * show the keyring status.  Unseal keys are read without echo from the
 * terminal when not given, and wiped after use.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "writ/base.h"

#include "cli.h"
#include "client.h"

static int op_init(int argc, char **argv);
static int op_unseal(int argc, char **argv);
static int op_seal(int argc, char **argv);
static int op_rotate(int argc, char **argv);
static int op_key_status(int argc, char **argv);
static int init_status(struct cli_conn *c);
static void init_print(json_t *r);
static int unseal_key(const struct cli_pos *pos, json_t *body);
static int key_status_print(struct cli_conn *c, bool rotated);
static int simple_put(int argc, char **argv, const char *usage, const char *path, const char *done);

static const char init_usage[] =
    "usage: writ operator init [-key-shares N] [-key-threshold T] [-status] [flags]\n"
    "\n"
    "Initialise a new server (PUT /v1/sys/init): the root key is split into N unseal\n"
    "key shares, T of which unseal it.  Prints the shares and the initial root token.\n"
    "\n"
    "  -key-shares N      number of unseal key shares (default 5)\n"
    "  -key-threshold T   shares needed to unseal (default 3)\n"
    "  -status            only report: exit 0 if initialised, 2 if not\n" CLI_USAGE_COMMON;

static const char unseal_usage[] =
    "usage: writ operator unseal [-reset] [KEY | -] [flags]\n"
    "\n"
    "Give one unseal key share (PUT /v1/sys/unseal).  Without KEY it is read from\n"
    "the terminal without echo, or as one line from stdin (also with \"-\").\n"
    "\n"
    "  -reset   forget the shares given so far\n" CLI_USAGE_COMMON;

static const char seal_usage[] =
    "usage: writ operator seal [flags]\n\nSeal the server (PUT /v1/sys/seal).\n" CLI_USAGE_COMMON;

static const char rotate_usage[] =
    "usage: writ operator rotate [flags]\n"
    "\n"
    "Add a new barrier encryption key to the keyring (PUT /v1/sys/rotate); new\n"
    "writes use it, old values stay readable.\n" CLI_USAGE_COMMON;

static const char key_status_usage[] =
    "usage: writ operator key-status [flags]\n"
    "\n"
    "Show the active barrier key term (GET /v1/sys/key-status).\n" CLI_USAGE_COMMON;

static const struct cli_sub operator_subs[] = {
    {"init", op_init, "initialise the server, print unseal keys and root token"},
    {"unseal", op_unseal, "give one unseal key share"},
    {"seal", op_seal, "seal the server"},
    {"rotate", op_rotate, "rotate the barrier encryption key"},
    {"key-status", op_key_status, "show the barrier key term"},
};

int
cli_operator(int argc, char **argv)
{
	cli_json_init();
	return cli_dispatch("operator", operator_subs, WRIT_ARRAY_LEN(operator_subs), argc, argv);
}

/* ---------------------------------------------------------------------------
 * init
 */

static int
init_status(struct cli_conn *c)
{
	struct cli_resp r = {0};
	int ret = CLI_EXIT_ERR;
	bool init;

	if (cli_http(c, "GET", "sys/init", NULL, CLI_HTTP_NO_TOKEN, &r) != CLI_HTTP_OK)
		goto out;
	init = json_is_true(json_object_get(r.json, "initialized"));
	if (c->format == CLI_FMT_JSON)
		cli_print_json(stdout, r.json);
	else
		printf("writ is %sinitialized\n", init ? "" : "not ");
	ret = init ? CLI_EXIT_OK : CLI_EXIT_USAGE;
out:
	cli_resp_free(&r);
	return ret;
}

static void
init_print(json_t *r)
{
	json_t *keys = json_object_get(r, "keys_base64"), *tok;
	size_t i;

	if (json_array_size(keys) == 0)
		keys = json_object_get(r, "keys");
	for (i = 0; i < json_array_size(keys); i++) {
		printf("Unseal Key %zu: ", i + 1);
		cli_print_field(stdout, json_array_get(keys, i), false);
		putchar('\n');
	}
	if ((tok = json_object_get(r, "root_token")) != NULL) {
		fputs("\nInitial Root Token: ", stdout);
		cli_print_field(stdout, tok, false);
		putchar('\n');
	}
	printf("\nwrit initialized with %zu key shares and a key threshold of %" JSON_INTEGER_FORMAT
	       ". Please\nsecurely distribute the key shares printed above. When the server is\n"
	       "re-sealed or restarted, it must be unsealed with that many of these keys.\n",
	    json_array_size(keys), json_integer_value(json_object_get(r, "secret_threshold")));
}

static int
op_init(int argc, char **argv)
{
	struct cli_opts o = {0};
	uint64_t shares = 5, threshold = 3;
	bool status = false;
	struct cli_flag flags[] = {
	    CLI_COMMON_FLAGS(&o),
	    {"key-shares", CLI_F_U64, &shares, NULL},
	    {"key-threshold", CLI_F_U64, &threshold, NULL},
	    {"status", CLI_F_BOOL, &status, NULL},
	};
	struct cli_resp r = {0};
	struct cli_conn c;
	struct cli_pos pos;
	json_t *body = NULL;
	int ret;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, init_usage)) >= 0)
		return ret;
	if (pos.n != 0)
		return cli_usage_error(init_usage, "too many arguments");
	if (shares < 1 || shares > 255 || threshold < 1 || threshold > shares)
		return cli_usage_error(
		    init_usage, "need 1 <= -key-threshold <= -key-shares <= 255");
	if ((ret = cli_conn_open(&c, &o, false)) != CLI_EXIT_OK)
		goto out;
	if (status) {
		ret = init_status(&c);
		goto out;
	}
	ret = CLI_EXIT_ERR;
	body = json_pack("{s:I, s:I}", "secret_shares", (json_int_t)shares, "secret_threshold",
	    (json_int_t)threshold);
	if (body == NULL) {
		warnx("out of memory");
		goto out;
	}
	if (cli_http(&c, "PUT", "sys/init", body, CLI_HTTP_NO_TOKEN, &r) != CLI_HTTP_OK)
		goto out;
	if (c.format == CLI_FMT_JSON) {
		cli_print_json(stdout, r.json);
	} else {
		/* The reply does not echo the threshold; show the one asked for. */
		if (json_is_object(r.json) && json_object_get(r.json, "secret_threshold") == NULL)
			json_object_set_new(
			    r.json, "secret_threshold", json_integer((json_int_t)threshold));
		init_print(r.json);
	}
	ret = CLI_EXIT_OK;
out:
	json_decref(body);
	cli_resp_free(&r);
	cli_conn_close(&c);
	return ret;
}

/* ---------------------------------------------------------------------------
 * unseal, seal
 */

/* Put {"key": share} into body from KEY, "-" or the terminal.  0 or exit status. */
static int
unseal_key(const struct cli_pos *pos, json_t *body)
{
	struct writ_err err = {0};
	struct writ_buf key;
	json_t *v = NULL;

	writ_buf_init(&key, 0);
	key.secret = true;
	if (pos->n == 1 && strcmp(pos->v[0], "-") != 0) {
		v = json_string(pos->v[0]);
	} else if (cli_read_secret("Unseal Key (will be hidden): ", &key, &err) == WRIT_OK) {
		v = json_stringn(key.ptr, key.len);
	} else {
		warnx("unseal key: %s", err.msg);
		writ_buf_free(&key);
		return CLI_EXIT_ERR;
	}
	writ_buf_free(&key);
	if (v == NULL || json_object_set_new(body, "key", v) != 0) {
		warnx("the unseal key is not valid text");
		return CLI_EXIT_ERR;
	}
	return CLI_EXIT_OK;
}

static int
op_unseal(int argc, char **argv)
{
	struct cli_opts o = {0};
	bool reset = false;
	struct cli_flag flags[] = {CLI_COMMON_FLAGS(&o), {"reset", CLI_F_BOOL, &reset, NULL}};
	struct cli_resp r = {0};
	struct cli_conn c;
	struct cli_pos pos;
	json_t *body = NULL;
	int ret;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, unseal_usage)) >= 0)
		return ret;
	if (pos.n > 1 || (reset && pos.n != 0))
		return cli_usage_error(unseal_usage, "too many arguments");
	if ((ret = cli_conn_open(&c, &o, false)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if ((body = json_object()) == NULL) {
		warnx("out of memory");
		goto out;
	}
	if (reset) {
		if (json_object_set_new(body, "reset", json_true()) != 0)
			goto out;
	} else if ((ret = unseal_key(&pos, body)) != CLI_EXIT_OK) {
		goto out;
	}
	ret = CLI_EXIT_ERR;
	if (cli_http(&c, "PUT", "sys/unseal", body, CLI_HTTP_NO_TOKEN, &r) != CLI_HTTP_OK)
		goto out;
	cli_print_seal_status(&c, r.json);
	ret = CLI_EXIT_OK;
out:
	json_decref(body);
	cli_resp_free(&r);
	cli_conn_close(&c);
	return ret;
}

/* A command that sends one PUT with no body and prints a line. */
static int
simple_put(int argc, char **argv, const char *usage, const char *path, const char *done)
{
	struct cli_opts o = {0};
	struct cli_flag flags[] = {CLI_COMMON_FLAGS(&o)};
	struct cli_resp r = {0};
	struct cli_conn c;
	struct cli_pos pos;
	int ret;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, usage)) >= 0)
		return ret;
	if (pos.n != 0)
		return cli_usage_error(usage, "too many arguments");
	if ((ret = cli_conn_open(&c, &o, true)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if (cli_http(&c, "PUT", path, NULL, 0, &r) != CLI_HTTP_OK)
		goto out;
	if (done == NULL) {
		ret = key_status_print(&c, true);
		goto out;
	}
	puts(done);
	ret = CLI_EXIT_OK;
out:
	cli_resp_free(&r);
	cli_conn_close(&c);
	return ret;
}

static int
op_seal(int argc, char **argv)
{
	return simple_put(argc, argv, seal_usage, "sys/seal", "Success! writ is sealed.");
}

/* ---------------------------------------------------------------------------
 * rotate, key-status
 */

static int
key_status_print(struct cli_conn *c, bool rotated)
{
	struct cli_table t = {0};
	struct cli_resp r = {0};
	int ret = CLI_EXIT_ERR;

	if (cli_http(c, "GET", "sys/key-status", NULL, 0, &r) != CLI_HTTP_OK)
		goto out;
	if (c->format == CLI_FMT_JSON) {
		cli_print_json(stdout, r.json);
	} else {
		if (rotated)
			puts("Success! Rotated key\n");
		if (cli_table_add_obj(&t, cli_resp_data(r.json), NULL) != WRIT_OK) {
			warnx("out of memory");
			goto out;
		}
		cli_table_print(stdout, &t);
	}
	ret = CLI_EXIT_OK;
out:
	cli_table_free(&t);
	cli_resp_free(&r);
	return ret;
}

static int
op_rotate(int argc, char **argv)
{
	return simple_put(argc, argv, rotate_usage, "sys/rotate", NULL);
}

static int
op_key_status(int argc, char **argv)
{
	struct cli_opts o = {0};
	struct cli_flag flags[] = {CLI_COMMON_FLAGS(&o)};
	struct cli_conn c;
	struct cli_pos pos;
	int ret;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, key_status_usage)) >=
	    0)
		return ret;
	if (pos.n != 0)
		return cli_usage_error(key_status_usage, "too many arguments");
	if ((ret = cli_conn_open(&c, &o, true)) == CLI_EXIT_OK)
		ret = key_status_print(&c, false);
	cli_conn_close(&c);
	return ret;
}
