/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ token` (create, lookup, renew, revoke) on /v1/auth/token/..., and
 * `writ login`, which checks a token and stores it in ~/.writ-token.
 *
 * Tokens are printed only by `token create`, whose purpose is to hand one
 * out: lookup and renew drop the token (data.id, auth.client_token) from
 * their output, in table and JSON form alike.  A TOKEN argument of "-" is
 * read from stdin (without echo on a terminal) so it stays out of `ps`.
 */
#include <sys/stat.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "writ/base.h"

#include "cli.h"
#include "client.h"

/* Flags of `writ token create`. */
struct create_args {
	struct cli_list policies;
	struct cli_list metadata;
	const char *ttl;
	const char *explicit_max_ttl;
	const char *period;
	const char *display_name;
	const char *role;
	const char *type;
	const char *field;
	uint64_t use_limit;
	bool use_limit_set;
	bool orphan;
	bool no_default_policy;
	bool renewable;
	bool renewable_set;
};

static int token_create(int argc, char **argv);
static int token_lookup(int argc, char **argv);
static int token_renew(int argc, char **argv);
static int token_revoke(int argc, char **argv);
static json_t *create_body(const struct create_args *a);
static writ_rc policies_add(json_t *arr, const char *list);
static writ_rc create_path(const struct create_args *a, struct writ_buf *path);
static writ_rc auth_table(struct cli_table *t, json_t *auth, bool show_token);
static writ_rc add_if(struct cli_table *t, const char *key, json_t *v);
static int print_field(const struct cli_table *t, const char *field);
static int print_auth(const struct cli_conn *c, json_t *body, bool show_token, const char *field);
static int print_lookup(const struct cli_conn *c, json_t *body, const char *field);
static int arg_body(const char *arg, const char *name, json_t **body);
static int token_file_write(const char *token);

#define TOKEN_CMD_HELP                                                                       \
	"TOKEN may be \"-\" to read it from stdin (no echo on a terminal), which keeps it\n" \
	"out of the process list.\n"

static const char create_usage[] =
    "usage: writ token create [flags]\n"
    "\n"
    "Create a token (POST /v1/auth/token/create, create-orphan, or create/ROLE) and\n"
    "print it.\n"
    "\n"
    "  -policy P               a policy (repeatable, or comma-separated)\n"
    "  -ttl D                  initial TTL (e.g. 30m, 1h, 7d)\n"
    "  -explicit-max-ttl D     hard limit on the token's lifetime\n"
    "  -period D               make a periodic token renewed by D\n"
    "  -orphan                 create a token with no parent\n"
    "  -no-default-policy      do not attach the \"default\" policy\n"
    "  -use-limit N            number of uses (0: unlimited)\n"
    "  -renewable=true|false   whether the token may be renewed\n"
    "  -display-name S         display name\n"
    "  -role R                 create against token role R\n"
    "  -type service|batch     token type\n"
    "  -metadata K=V           metadata pair (repeatable)\n"
    "  -field F                print only field F (e.g. token, token_accessor)\n" CLI_USAGE_COMMON;

static const char lookup_usage[] =
    "usage: writ token lookup [-accessor] [TOKEN | ACCESSOR] [flags]\n"
    "\n"
    "Show a token's properties: your own without an argument (GET\n"
    "/v1/auth/token/lookup-self), another's (POST lookup), or by accessor (POST\n"
    "lookup-accessor).  The token itself is not shown.\n"
    "\n"
    "  -accessor   the argument is an accessor\n"
    "  -field F    print only field F\n" TOKEN_CMD_HELP CLI_USAGE_COMMON;

static const char renew_usage[] =
    "usage: writ token renew [-increment D] [-accessor] [TOKEN | ACCESSOR] [flags]\n"
    "\n"
    "Renew your own token (POST /v1/auth/token/renew-self), another token (renew) or\n"
    "one named by accessor (renew-accessor).\n"
    "\n"
    "  -increment D   requested new TTL from now (the server may cap it)\n"
    "  -accessor      the argument is an accessor\n"
    "  -field F       print only field F\n" TOKEN_CMD_HELP CLI_USAGE_COMMON;

static const char revoke_usage[] =
    "usage: writ token revoke [-accessor] [-mode orphan] TOKEN | -self [flags]\n"
    "\n"
    "Revoke a token and its children (POST /v1/auth/token/revoke), by accessor\n"
    "(revoke-accessor), only the token leaving its children as orphans\n"
    "(-mode orphan: revoke-orphan), or your own token (-self: revoke-self).\n"
    "\n"
    "  -accessor     the argument is an accessor\n"
    "  -mode orphan  do not revoke the children\n"
    "  -self         revoke the token in use\n" TOKEN_CMD_HELP CLI_USAGE_COMMON;

static const char login_usage[] =
    "usage: writ login [TOKEN | -] [flags]\n"
    "\n"
    "Check a token (GET /v1/auth/token/lookup-self) and store it in ~/.writ-token\n"
    "(mode 0600) for later commands.  Without TOKEN it is read from the terminal\n"
    "without echo, or as one line from stdin.  WRIT_TOKEN and VAULT_TOKEN, when set,\n"
    "still take precedence over the file.\n" CLI_USAGE_COMMON;

static const struct cli_sub token_subs[] = {
    {"create", token_create, "create a token"},
    {"lookup", token_lookup, "show a token's properties"},
    {"renew", token_renew, "renew a token"},
    {"revoke", token_revoke, "revoke a token"},
};

/* Members shown as durations by lookup. */
static const char *const token_durations[] = {
    "ttl", "creation_ttl", "explicit_max_ttl", "period", NULL};

int
cli_token(int argc, char **argv)
{
	cli_json_init();
	return cli_dispatch("token", token_subs, WRIT_ARRAY_LEN(token_subs), argc, argv);
}

/* ---------------------------------------------------------------------------
 * Output.
 */

static writ_rc
add_if(struct cli_table *t, const char *key, json_t *v)
{
	return v != NULL ? cli_table_addv(t, key, v) : WRIT_OK;
}

/* vault's token table: token, token_accessor, token_duration, ... */
static writ_rc
auth_table(struct cli_table *t, json_t *auth, bool show_token)
{
	json_t *dur = json_object_get(auth, "lease_duration"), *v;
	struct writ_buf key;
	const char *k;
	char d[32];
	writ_rc rc = WRIT_OK;

	if (show_token)
		rc = add_if(t, "token", json_object_get(auth, "client_token"));
	if (rc == WRIT_OK)
		rc = add_if(t, "token_accessor", json_object_get(auth, "accessor"));
	if (rc == WRIT_OK && json_is_integer(dur)) {
		if (json_integer_value(dur) == 0)
			snprintf(d, sizeof(d), "%s", "\xe2\x88\x9e"); /* ∞: never expires */
		else
			cli_fmt_duration((int64_t)json_integer_value(dur), d, sizeof(d));
		rc = cli_table_adds(t, "token_duration", d);
	}
	if (rc == WRIT_OK)
		rc = add_if(t, "token_renewable", json_object_get(auth, "renewable"));
	if (rc == WRIT_OK)
		rc = add_if(t, "token_policies", json_object_get(auth, "token_policies"));
	if (rc == WRIT_OK)
		rc = add_if(t, "identity_policies", json_object_get(auth, "identity_policies"));
	if (rc == WRIT_OK)
		rc = add_if(t, "policies", json_object_get(auth, "policies"));
	writ_buf_init(&key, 0);
	json_object_foreach(json_object_get(auth, "metadata"), k, v)
	{
		writ_buf_reset(&key);
		if (rc == WRIT_OK && (rc = writ_buf_appendf(&key, "token_meta_%s", k)) == WRIT_OK)
			rc = cli_table_addv(t, key.ptr, v);
	}
	writ_buf_free(&key);
	return rc;
}

/* -field: the rendered value of one table row. */
static int
print_field(const struct cli_table *t, const char *field)
{
	bool tty = isatty(STDOUT_FILENO);
	size_t i;

	for (i = 0; i < t->nrows; i++) {
		if (strcmp(t->rows[i].key, field) != 0)
			continue;
		if (tty)
			cli_print_safe(stdout, t->rows[i].val);
		else
			fputs(t->rows[i].val, stdout);
		if (tty)
			putchar('\n');
		return CLI_EXIT_OK;
	}
	warnx("field \"%s\" not present in the reply", field);
	return CLI_EXIT_ERR;
}

static int
print_auth(const struct cli_conn *c, json_t *body, bool show_token, const char *field)
{
	json_t *auth = json_object_get(body, "auth");
	struct cli_table t = {0};
	int ret = CLI_EXIT_ERR;

	if (!json_is_object(auth)) {
		warnx("the reply has no \"auth\" object");
		return CLI_EXIT_ERR;
	}
	if (!show_token)
		json_object_del(auth, "client_token");
	if (c->format == CLI_FMT_JSON && field == NULL) {
		cli_print_json(stdout, body);
		return CLI_EXIT_OK;
	}
	if (auth_table(&t, auth, show_token) != WRIT_OK) {
		warnx("out of memory");
		goto out;
	}
	if (field != NULL) {
		ret = print_field(&t, field);
		goto out;
	}
	cli_table_print(stdout, &t);
	ret = CLI_EXIT_OK;
out:
	cli_table_free(&t);
	return ret;
}

static int
print_lookup(const struct cli_conn *c, json_t *body, const char *field)
{
	json_t *data = json_object_get(body, "data");
	struct cli_table t = {0};
	int ret = CLI_EXIT_ERR;

	if (!json_is_object(data)) {
		warnx("the reply has no \"data\" object");
		return CLI_EXIT_ERR;
	}
	json_object_del(data, "id");
	if (c->format == CLI_FMT_JSON && field == NULL) {
		cli_print_json(stdout, body);
		return CLI_EXIT_OK;
	}
	if (cli_table_add_obj(&t, data, token_durations) != WRIT_OK) {
		warnx("out of memory");
		goto out;
	}
	if (field != NULL)
		ret = print_field(&t, field);
	else {
		cli_table_print(stdout, &t);
		ret = CLI_EXIT_OK;
	}
out:
	cli_table_free(&t);
	return ret;
}

/* ---------------------------------------------------------------------------
 * create
 */

/* Append the comma-separated names in list to arr. */
static writ_rc
policies_add(json_t *arr, const char *list)
{
	const char *p = list, *end;
	size_t len;

	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		end = p;
		while (*end != '\0' && *end != ',')
			end++;
		len = (size_t)(end - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len > 0 && json_array_append_new(arr, json_stringn(p, len)) != 0)
			return WRIT_EINVAL;
		p = end;
	}
	return WRIT_OK;
}

static json_t *
create_body(const struct create_args *a)
{
	json_t *b = json_object(), *pol = json_array(), *meta = json_object();
	const char *key, *val;
	size_t i, keylen;
	int bad = b == NULL || pol == NULL || meta == NULL;

	for (i = 0; i < a->policies.n && !bad; i++)
		bad = policies_add(pol, a->policies.v[i]) != WRIT_OK;
	for (i = 0; i < a->metadata.n && !bad; i++) {
		bad = cli_kv_split(a->metadata.v[i], &key, &keylen, &val) != WRIT_OK ||
		    json_object_setn_new(meta, key, keylen, json_string(val)) != 0;
	}
	if (!bad && json_array_size(pol) > 0)
		bad = json_object_set(b, "policies", pol) != 0;
	if (!bad && json_object_size(meta) > 0)
		bad = json_object_set(b, "meta", meta) != 0;
	if (!bad && a->orphan)
		bad = json_object_set_new(b, "no_parent", json_true()) != 0;
	if (!bad && a->no_default_policy)
		bad = json_object_set_new(b, "no_default_policy", json_true()) != 0;
	if (!bad && a->renewable_set)
		bad = json_object_set_new(b, "renewable", json_boolean(a->renewable)) != 0;
	if (!bad && a->use_limit_set)
		bad = json_object_set_new(b, "num_uses", json_integer((json_int_t)a->use_limit));
	if (!bad && a->ttl != NULL)
		bad = json_object_set_new(b, "ttl", json_string(a->ttl)) != 0;
	if (!bad && a->explicit_max_ttl != NULL)
		bad = json_object_set_new(b, "explicit_max_ttl", json_string(a->explicit_max_ttl));
	if (!bad && a->period != NULL)
		bad = json_object_set_new(b, "period", json_string(a->period)) != 0;
	if (!bad && a->display_name != NULL)
		bad = json_object_set_new(b, "display_name", json_string(a->display_name)) != 0;
	if (!bad && a->type != NULL)
		bad = json_object_set_new(b, "type", json_string(a->type)) != 0;
	json_decref(pol);
	json_decref(meta);
	if (bad) {
		json_decref(b);
		return NULL;
	}
	return b;
}

static writ_rc
create_path(const struct create_args *a, struct writ_buf *path)
{
	if (a->role != NULL) {
		writ_rc rc = writ_buf_appends(path, "auth/token/create");

		return rc == WRIT_OK ? cli_path_append(path, a->role, false) : rc;
	}
	return writ_buf_appends(path, a->orphan ? "auth/token/create-orphan" : "auth/token/create");
}

static int
token_create(int argc, char **argv)
{
	struct cli_opts o = {0};
	struct create_args a = {0};
	struct cli_flag flags[] = {CLI_COMMON_FLAGS(&o), {"policy", CLI_F_LIST, &a.policies, NULL},
	    {"metadata", CLI_F_LIST, &a.metadata, NULL}, {"ttl", CLI_F_DUR, &a.ttl, NULL},
	    {"explicit-max-ttl", CLI_F_DUR, &a.explicit_max_ttl, NULL},
	    {"period", CLI_F_DUR, &a.period, NULL},
	    {"display-name", CLI_F_STR, &a.display_name, NULL}, {"role", CLI_F_STR, &a.role, NULL},
	    {"type", CLI_F_STR, &a.type, NULL}, {"field", CLI_F_STR, &a.field, NULL},
	    {"use-limit", CLI_F_U64, &a.use_limit, &a.use_limit_set},
	    {"orphan", CLI_F_BOOL, &a.orphan, NULL},
	    {"no-default-policy", CLI_F_BOOL, &a.no_default_policy, NULL},
	    {"renewable", CLI_F_BOOL, &a.renewable, &a.renewable_set}};
	struct writ_buf path;
	struct cli_resp r = {0};
	struct cli_conn c = {0};
	struct cli_pos pos;
	json_t *body = NULL;
	int ret;

	writ_buf_init(&path, 0);
	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, create_usage)) >= 0)
		goto out;
	if (pos.n != 0 ||
	    (a.type != NULL && strcmp(a.type, "service") != 0 && strcmp(a.type, "batch") != 0)) {
		ret = cli_usage_error(create_usage,
		    pos.n != 0 ? "too many arguments" : "-type must be service or batch");
		goto out;
	}
	if ((body = create_body(&a)) == NULL || create_path(&a, &path) != WRIT_OK) {
		ret = cli_usage_error(create_usage, "invalid -metadata, -policy or -role");
		goto out;
	}
	if ((ret = cli_conn_open(&c, &o, true)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if (cli_http(&c, "POST", path.ptr, body, 0, &r) == CLI_HTTP_OK)
		ret = print_auth(&c, r.json, true, a.field);
out:
	json_decref(body);
	cli_resp_free(&r);
	cli_conn_close(&c);
	writ_buf_free(&path);
	return ret;
}

/* ---------------------------------------------------------------------------
 * lookup, renew, revoke
 */

/*
 * A new body {name: arg}, arg "-" meaning a line from stdin.  0 or an exit
 * status after printing why.
 */
static int
arg_body(const char *arg, const char *name, json_t **body)
{
	struct writ_err err = {0};
	struct writ_buf b;
	json_t *v = NULL;

	writ_buf_init(&b, 0);
	b.secret = true;
	if (strcmp(arg, "-") != 0)
		v = json_string(arg);
	else if (cli_read_secret(
	             strcmp(name, "token") == 0 ? "Token (will be hidden): " : "Accessor: ", &b,
	             &err) == WRIT_OK)
		v = json_stringn(b.ptr, b.len);
	else
		warnx("%s: %s", name, err.msg);
	writ_buf_free(&b);
	if (v == NULL && err.msg[0] == '\0')
		warnx("the %s is not valid text", name);
	if (v == NULL || (*body = json_pack("{s:o}", name, v)) == NULL)
		return CLI_EXIT_ERR;
	return CLI_EXIT_OK;
}

static int
token_lookup(int argc, char **argv)
{
	struct cli_opts o = {0};
	const char *field = NULL;
	bool accessor = false;
	struct cli_flag flags[] = {CLI_COMMON_FLAGS(&o), {"accessor", CLI_F_BOOL, &accessor, NULL},
	    {"field", CLI_F_STR, &field, NULL}};
	struct cli_resp r = {0};
	struct cli_conn c = {0};
	struct cli_pos pos;
	json_t *body = NULL;
	int ret;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, lookup_usage)) >= 0)
		return ret;
	if (pos.n > 1 || (accessor && pos.n != 1))
		return cli_usage_error(
		    lookup_usage, accessor ? "-accessor needs one ACCESSOR" : "too many arguments");
	if ((ret = cli_conn_open(&c, &o, true)) != CLI_EXIT_OK)
		goto out;
	if (pos.n == 1 &&
	    (ret = arg_body(pos.v[0], accessor ? "accessor" : "token", &body)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if (cli_http(&c, body == NULL ? "GET" : "POST",
	        body == NULL   ? "auth/token/lookup-self"
	            : accessor ? "auth/token/lookup-accessor"
	                       : "auth/token/lookup",
	        body, 0, &r) == CLI_HTTP_OK)
		ret = print_lookup(&c, r.json, field);
out:
	json_decref(body);
	cli_resp_free(&r);
	cli_conn_close(&c);
	return ret;
}

static int
token_renew(int argc, char **argv)
{
	struct cli_opts o = {0};
	const char *field = NULL, *incr = NULL;
	bool accessor = false;
	struct cli_flag flags[] = {CLI_COMMON_FLAGS(&o), {"accessor", CLI_F_BOOL, &accessor, NULL},
	    {"increment", CLI_F_DUR, &incr, NULL}, {"field", CLI_F_STR, &field, NULL}};
	struct cli_resp r = {0};
	struct cli_conn c = {0};
	struct cli_pos pos;
	json_t *body = NULL;
	int ret;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, renew_usage)) >= 0)
		return ret;
	if (pos.n > 1 || (accessor && pos.n != 1))
		return cli_usage_error(
		    renew_usage, accessor ? "-accessor needs one ACCESSOR" : "too many arguments");
	if ((ret = cli_conn_open(&c, &o, true)) != CLI_EXIT_OK)
		goto out;
	ret = pos.n == 1 ? arg_body(pos.v[0], accessor ? "accessor" : "token", &body)
	                 : ((body = json_object()) == NULL ? CLI_EXIT_ERR : CLI_EXIT_OK);
	if (ret != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if (incr != NULL && json_object_set_new(body, "increment", json_string(incr)) != 0)
		goto out;
	if (cli_http(&c, "POST",
	        pos.n == 0     ? "auth/token/renew-self"
	            : accessor ? "auth/token/renew-accessor"
	                       : "auth/token/renew",
	        body, 0, &r) == CLI_HTTP_OK)
		ret = print_auth(&c, r.json, false, field);
out:
	json_decref(body);
	cli_resp_free(&r);
	cli_conn_close(&c);
	return ret;
}

static int
token_revoke(int argc, char **argv)
{
	struct cli_opts o = {0};
	const char *mode = NULL, *path;
	bool accessor = false, self = false, orphan;
	struct cli_flag flags[] = {CLI_COMMON_FLAGS(&o), {"accessor", CLI_F_BOOL, &accessor, NULL},
	    {"self", CLI_F_BOOL, &self, NULL}, {"mode", CLI_F_STR, &mode, NULL}};
	struct cli_resp r = {0};
	struct cli_conn c = {0};
	struct cli_pos pos;
	json_t *body = NULL;
	int ret;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, revoke_usage)) >= 0)
		return ret;
	if (mode != NULL && mode[0] != '\0' && strcmp(mode, "orphan") != 0)
		return cli_usage_error(revoke_usage, "-mode must be orphan");
	orphan = mode != NULL && mode[0] != '\0';
	if (self ? (pos.n != 0 || accessor || orphan) : pos.n != 1)
		return cli_usage_error(revoke_usage,
		    self ? "-self takes no argument nor other flags"
		         : "expected one TOKEN or ACCESSOR");
	if (accessor && orphan)
		return cli_usage_error(revoke_usage, "-mode orphan does not work with -accessor");
	if ((ret = cli_conn_open(&c, &o, true)) != CLI_EXIT_OK)
		goto out;
	if (!self &&
	    (ret = arg_body(pos.v[0], accessor ? "accessor" : "token", &body)) != CLI_EXIT_OK)
		goto out;
	path = self    ? "auth/token/revoke-self"
	    : accessor ? "auth/token/revoke-accessor"
	    : orphan   ? "auth/token/revoke-orphan"
	               : "auth/token/revoke";
	ret = CLI_EXIT_ERR;
	if (cli_http(&c, "POST", path, body, 0, &r) == CLI_HTTP_OK) {
		puts("Success! Revoked token (if it existed)");
		ret = CLI_EXIT_OK;
	}
out:
	json_decref(body);
	cli_resp_free(&r);
	cli_conn_close(&c);
	return ret;
}

/* ---------------------------------------------------------------------------
 * login
 */

static int
token_file_write(const char *token)
{
	struct writ_buf path;
	size_t len = strlen(token), off = 0;
	ssize_t n;
	int fd = -1, ret = CLI_EXIT_ERR;

	writ_buf_init(&path, 0);
	if (cli_token_file(&path) != WRIT_OK) {
		warnx("cannot find the home directory");
		goto out;
	}
	fd = open(path.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0) {
		warn("%s", path.ptr);
		goto out;
	}
	while (off < len + 1) {
		/* The token and then one newline. */
		n = off < len ? write(fd, token + off, len - off) : write(fd, "\n", 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			warn("%s", path.ptr);
			goto out;
		}
		off += (size_t)n;
	}
	if (close(fd) != 0) {
		fd = -1;
		warn("%s", path.ptr);
		goto out;
	}
	fd = -1;
	printf("Success! You are now authenticated; the token is stored in %s.\n", path.ptr);
	ret = CLI_EXIT_OK;
out:
	if (fd >= 0)
		close(fd);
	writ_buf_free(&path);
	return ret;
}

int
cli_login(int argc, char **argv)
{
	struct cli_opts o = {0};
	struct cli_flag flags[] = {CLI_COMMON_FLAGS(&o)};
	struct writ_err err = {0};
	struct cli_resp r = {0};
	struct cli_conn c = {0};
	struct writ_buf tok;
	struct cli_pos pos;
	int ret;

	cli_json_init();
	writ_buf_init(&tok, 0);
	tok.secret = true;
	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, login_usage)) >= 0)
		goto out;
	if (pos.n > 1) {
		ret = cli_usage_error(login_usage, "too many arguments");
		goto out;
	}
	if ((ret = cli_conn_open(&c, &o, false)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if (pos.n == 1 && strcmp(pos.v[0], "-") != 0) {
		if (writ_buf_appends(&tok, pos.v[0]) != WRIT_OK)
			goto out;
	} else if (cli_read_secret("Token (will be hidden): ", &tok, &err) != WRIT_OK) {
		warnx("token: %s", err.msg);
		goto out;
	}
	if (cli_conn_set_token(&c, tok.ptr) != WRIT_OK) {
		warnx("that is not a valid token");
		goto out;
	}
	if (cli_http(&c, "GET", "auth/token/lookup-self", NULL, 0, &r) != CLI_HTTP_OK)
		goto out;
	ret = token_file_write(c.token);
	if (ret == CLI_EXIT_OK && (getenv("WRIT_TOKEN") != NULL || getenv("VAULT_TOKEN") != NULL))
		warnx(
		    "warning: WRIT_TOKEN or VAULT_TOKEN is set and takes precedence over the file");
out:
	cli_resp_free(&r);
	cli_conn_close(&c);
	writ_buf_free(&tok);
	return ret;
}
