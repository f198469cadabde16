/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared parts of the `writ` CLI client: the table-driven flag parser and the
 * other argument helpers (key=value pairs, API path building, version lists,
 * reading values from files, stdin and the terminal) in args.c; output helpers
 * (aligned Key/Value tables, Go-style value rendering, durations, JSON) in
 * format.c; and the small HTTP client on libcurl in client.c.
 *
 * Exit status of every client command (documented in each usage text):
 * 0 success, 1 error (local, transport, or reported by the server), 2 usage
 * error.  This keeps cli.h's contract (main.c exits 2 for usage), so a script
 * can tell a typo from a failure; vault instead uses 1 for local and 2 for
 * server errors.  For scripts written against vault, `writ status` exits 2
 * when sealed and `writ operator init -status` 2 when not initialised.
 *
 * Nothing here is thread safe: the CLI is single threaded.
 */
#ifndef WRIT_CLI_CLIENT_H
#define WRIT_CLI_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "writ/base.h"

#define CLI_EXIT_OK    0
#define CLI_EXIT_ERR   1
#define CLI_EXIT_USAGE 2

/* Largest file, stdin value or response body the client accepts. */
#define CLI_INPUT_MAX (32u << 20)
/* Most values a repeatable flag may collect. */
#define CLI_LIST_MAX 64

/* The common-flag part of every usage text that talks to a server. */
#define CLI_USAGE_COMMON                                                              \
	"\nServer flags (all commands that talk to the server):\n"                    \
	"  -address URL         server address (env WRIT_ADDR, VAULT_ADDR;\n"         \
	"                       default http://127.0.0.1:8200)\n"                     \
	"  -ca-cert FILE        CA bundle to verify the server (env WRIT_CACERT)\n"   \
	"  -client-cert FILE    client certificate for mTLS (env WRIT_CLIENT_CERT)\n" \
	"  -client-key FILE     client key for mTLS (env WRIT_CLIENT_KEY)\n"          \
	"  -tls-skip-verify     do not verify the server certificate (insecure)\n"    \
	"  -format table|json   output format (env WRIT_FORMAT; default table)\n"     \
	"The token comes from WRIT_TOKEN, else VAULT_TOKEN, else ~/.writ-token.\n" CLI_USAGE_EXIT
#define CLI_USAGE_EXIT                                                                    \
	"\nExit status: 0 success, 1 error (local, transport or server), 2 usage error\n" \
	"(and, as with vault, `status` exits 2 when the server is sealed).\n"

/* ---------------------------------------------------------------------------
 * Flags (args.c).  Vault style: "-name value", "-name=value", "--name" too;
 * flags and positional arguments may be mixed; "--" ends the flags; a lone
 * "-" is positional; "-h", "-help" and "--help" ask for the usage text.
 */
enum cli_flag_kind {
	CLI_F_BOOL, /* bool *: "-f", "-f=true", "-f=false" */
	CLI_F_STR,  /* const char **: borrowed from argv */
	CLI_F_U64,  /* uint64_t *: writ_parse_u64, at most INT64_MAX */
	CLI_F_DUR,  /* const char **: checked with writ_parse_duration, kept as text */
	CLI_F_LIST, /* struct cli_list *: repeatable, values in order */
};

struct cli_flag {
	const char *name;
	enum cli_flag_kind kind;
	void *out;
	bool *set; /* may be NULL; becomes true when the flag is given */
};

struct cli_list {
	const char *v[CLI_LIST_MAX];
	size_t n;
};

/* Positional arguments left after parsing: borrowed pointers into argv. */
struct cli_pos {
	char **v;
	int n;
};

/* Options every server command accepts. */
struct cli_opts {
	const char *address;
	const char *ca_cert;
	const char *client_cert;
	const char *client_key;
	const char *format;
	bool skip_verify;
	bool skip_verify_set;
};

#define CLI_COMMON_FLAGS(o)                                                                       \
	{"address", CLI_F_STR, &(o)->address, NULL}, {"ca-cert", CLI_F_STR, &(o)->ca_cert, NULL}, \
	    {"client-cert", CLI_F_STR, &(o)->client_cert, NULL},                                  \
	    {"client-key", CLI_F_STR, &(o)->client_key, NULL},                                    \
	    {"format", CLI_F_STR, &(o)->format, NULL},                                            \
	{                                                                                         \
		"tls-skip-verify", CLI_F_BOOL, &(o)->skip_verify, &(o)->skip_verify_set           \
	}

enum cli_parse_rc {
	CLI_PARSE_OK = 0,
	CLI_PARSE_HELP,
	CLI_PARSE_ERR,
};

/*
 * Parse argv[1..argc-1] (argv[0] is the command's own name) against flags[nflags].
 * Positional arguments are moved, in order, to the front of argv + 1 and
 * returned in pos.  On CLI_PARSE_ERR, err->msg says what is wrong.  Flags not
 * given leave their out untouched.  Values are borrowed from argv.
 */
enum cli_parse_rc cli_flags_parse(const struct cli_flag *flags, size_t nflags, int argc,
    char **argv, struct cli_pos *pos, struct writ_err *err);

/*
 * cli_flags_parse plus the usual reaction: on -h print usage to stdout and
 * return 0; on an error print it and usage to stderr and return 2; on success
 * return -1 (go on).
 */
int cli_parse(const struct cli_flag *flags, size_t nflags, int argc, char **argv,
    struct cli_pos *pos, const char *usage);

/*
 * Print "writ: msg" and the synopsis of usage (its text up to the first blank
 * line) to stderr; returns CLI_EXIT_USAGE.
 */
int cli_usage_error(const char *usage, const char *fmt, ...) WRIT_PRINTF(2, 3);

/* A subcommand of a command group ("put" of `writ kv`). */
struct cli_sub {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

/*
 * Run the subcommand argv[1] of group (argv[0]) with argv + 1, or print the
 * group's usage: to stdout for -h/help (0), to stderr otherwise (2).
 */
int cli_dispatch(
    const char *group, const struct cli_sub *subs, size_t nsubs, int argc, char **argv);

/* Go's boolean spellings (1 0 t f T F true false TRUE FALSE True False). */
WRIT_MUST_CHECK writ_rc cli_parse_bool(const char *s, bool *out);

/* ---------------------------------------------------------------------------
 * Argument values (args.c).
 */

/*
 * Split "key=value" at the first '='.  *key and *keylen get the key (not
 * empty), *val the rest (borrowed).  WRIT_EINVAL if there is no '=' or the key
 * is empty.
 */
WRIT_MUST_CHECK writ_rc cli_kv_split(
    const char *arg, const char **key, size_t *keylen, const char **val);

/*
 * Add key=value arguments to the JSON object obj, as `vault kv put` does:
 * "k=v" sets a string; "k=@file" reads the value from a file; "k=-" from
 * stdin (once); "k=\\@x" is the literal "@x"; a lone "-" or "@file" merges a JSON object read from stdin or
 * a file.  A repeated key turns into a list of its values.  Values read are
 * wiped from the read buffers.  Returns WRIT_EINVAL (err says why),
 * WRIT_EIO, WRIT_ENOMEM.
 */
WRIT_MUST_CHECK writ_rc cli_kv_pairs(
    json_t *obj, char *const *args, int nargs, struct writ_err *err);

/*
 * Parse a version list "1,2,3" (commas, optional spaces) into a new JSON
 * array (*out, owned).  WRIT_EINVAL on an empty list, a bad or zero number.
 */
WRIT_MUST_CHECK writ_rc cli_versions_parse(const char *s, json_t **out, struct writ_err *err);

/*
 * Append the segments of path to out, each percent-encoded (everything but
 * A-Z a-z 0-9 - . _ ~), separated by single '/'.  Leading, trailing and
 * repeated slashes are dropped.  "." and ".." segments are refused
 * (WRIT_EINVAL), as is an empty path when !allow_empty.  A '/' is put
 * between what out already holds and the first segment.
 */
WRIT_MUST_CHECK writ_rc cli_path_append(struct writ_buf *out, const char *path, bool allow_empty);

/*
 * Build the API path of a KV v2 call ("<mount>/<kind>/<path>", no "/v1/")
 * into out.  With mount NULL the first segment of arg is the mount
 * ("secret/a/b" -> "secret", "a/b"), like `vault kv`; otherwise arg is the
 * path under mount.  trailing_slash adds a final '/' (LIST).  An empty path
 * below the mount is allowed only when allow_empty (list).  WRIT_EINVAL with
 * err set on a bad path.
 */
WRIT_MUST_CHECK writ_rc cli_kv_path(struct writ_buf *out, const char *mount, const char *arg,
    const char *kind, bool trailing_slash, bool allow_empty, struct writ_err *err);

/*
 * Read the whole of path ("-" = stdin) into out, at most max bytes (0 =
 * CLI_INPUT_MAX); WRIT_ETOOBIG beyond, WRIT_EIO on a read error.  Mark out
 * secret before the call to have partial copies wiped.
 */
WRIT_MUST_CHECK writ_rc cli_read_file(
    const char *path, size_t max, struct writ_buf *out, struct writ_err *err);

/*
 * Read one secret line from stdin into out (secret buffer, trailing CR/LF
 * and blanks removed).  When stdin is a terminal, prompt on stderr and turn
 * echo off while reading (restored on return and on SIGINT/SIGTERM).
 * WRIT_EINVAL for an empty line, WRIT_EIO on a read error.
 */
WRIT_MUST_CHECK writ_rc cli_read_secret(
    const char *prompt, struct writ_buf *out, struct writ_err *err);

/* Remove trailing blanks, CR and LF from b. */
void cli_buf_rtrim(struct writ_buf *b);

/* ---------------------------------------------------------------------------
 * Output (format.c).
 */
enum cli_format {
	CLI_FMT_TABLE = 0,
	CLI_FMT_JSON,
};

/* "table" or "json" (NULL or "" = table); WRIT_EINVAL otherwise. */
WRIT_MUST_CHECK writ_rc cli_format_parse(const char *s, enum cli_format *out);

/*
 * Render a JSON value the way vault's table output does (Go's %v): strings
 * as is, null as "<nil>", arrays "[a b]", objects "map[k:v]" with sorted keys.
 */
WRIT_MUST_CHECK writ_rc cli_fmt_value(json_t *v, struct writ_buf *out);

/*
 * A duration in seconds as vault shows it ("768h", "1h30m", "45s", "0s");
 * negative values get a leading '-'.  out must hold 32 bytes.
 */
void cli_fmt_duration(int64_t secs, char *out, size_t len);

/*
 * A Key/Value table, printed with the keys padded to one column and a
 * "Key / ---" header.  Rows keep the order they were added in.  Values may be
 * secret: the strings are wiped when the table is freed.
 */
struct cli_row {
	char *key;
	char *val;
};
struct cli_table {
	struct cli_row *rows;
	size_t nrows;
	size_t cap;
};

WRIT_MUST_CHECK writ_rc cli_table_adds(struct cli_table *t, const char *key, const char *val);
/* Add key with v rendered by cli_fmt_value. */
WRIT_MUST_CHECK writ_rc cli_table_addv(struct cli_table *t, const char *key, json_t *v);
/*
 * Add every member of obj, keys sorted.  Integer members whose names are in
 * the NULL-terminated durkeys (may be NULL) are shown as durations.
 */
WRIT_MUST_CHECK writ_rc cli_table_add_obj(
    struct cli_table *t, json_t *obj, const char *const *durkeys);
/*
 * Print the table (nothing when empty).  Control characters other than tab
 * and newline are shown escaped (\x1b) so server data cannot drive the
 * terminal.
 */
void cli_table_print(FILE *f, const struct cli_table *t);
/* Free and wipe; t becomes empty. */
void cli_table_free(struct cli_table *t);

/* "== title ==" section header (preceded by a blank line unless first). */
void cli_print_section(FILE *f, const char *title, bool first);
/* "Keys\n----\n" and one key per line from a JSON array of strings. */
void cli_print_keys(FILE *f, const json_t *keys);
/* Pretty JSON (indent 2, member order kept) and a newline. */
void cli_print_json(FILE *f, const json_t *v);
/*
 * One field's raw value for -field: a string as is, anything else as compact
 * JSON; a newline follows only when tty (vault's habit, for $(...) use).
 */
void cli_print_field(FILE *f, const json_t *v, bool tty);
/* Write s with control characters escaped (see cli_table_print). */
void cli_print_safe(FILE *f, const char *s);

/* The "data" object of a response, or the response itself if it has none. */
json_t *cli_resp_data(json_t *body);

/* ---------------------------------------------------------------------------
 * HTTP client (client.c).
 */
struct cli_conn {
	char *addr;  /* "http[s]://host:port", no trailing slash, owned */
	char *token; /* owned, wiped on close; NULL if none */
	const char *ca_cert;
	const char *client_cert;
	const char *client_key;
	bool skip_verify;
	enum cli_format format;
	void *curl;       /* CURL *, created on first request */
	bool curl_global; /* curl_global_init done */
};

struct cli_resp {
	long status;
	json_t *json;         /* parsed body, NULL when empty or not JSON */
	struct writ_buf body; /* raw body, secret (wiped on free) */
};

/* Request flags. */
#define CLI_HTTP_MERGE_PATCH 0x1u /* Content-Type: application/merge-patch+json */
#define CLI_HTTP_QUIET_404   0x2u /* 404: return CLI_HTTP_NOTFOUND, print nothing */
#define CLI_HTTP_NO_TOKEN    0x4u /* send no X-Vault-Token even if one is set */
#define CLI_HTTP_QUIET_ERR   0x8u /* non-2xx: return CLI_HTTP_FAIL, print nothing */

enum cli_http_rc {
	CLI_HTTP_OK = 0,       /* 2xx */
	CLI_HTTP_FAIL = 1,     /* transport or API error, already printed */
	CLI_HTTP_NOTFOUND = 3, /* 404 with CLI_HTTP_QUIET_404 */
};

/*
 * Install jansson allocation hooks that wipe every JSON allocation when it
 * is freed (responses carry secrets).  Call before any other jansson use;
 * idempotent.
 */
void cli_json_init(void);

/*
 * Resolve address, TLS files, format and (when need_token) the token from
 * o, the environment and ~/.writ-token.  Returns 0, or an exit status after
 * printing why (2 for a bad -format or address, 1 for a missing token).
 */
int cli_conn_open(struct cli_conn *c, const struct cli_opts *o, bool need_token);
/* (c must be closed with cli_conn_close whatever this returns.) */
/* Use this token (copied) instead of the resolved one; WRIT_EINVAL if it has
 * characters a token cannot have (controls, spaces, non-ASCII). */
WRIT_MUST_CHECK writ_rc cli_conn_set_token(struct cli_conn *c, const char *token);
/* Free and wipe everything c holds; accepts a zeroed c. */
void cli_conn_close(struct cli_conn *c);

/*
 * Send method to <addr>/v1/<path> (path already escaped, may carry a query)
 * with body (may be NULL) as JSON.  out (zeroed by the caller) gets status
 * and body; free it with cli_resp_free whatever the result.  Non-2xx
 * responses are printed as "Error: <status> <url>: <messages>" unless
 * CLI_HTTP_QUIET_404 applies; warnings of successful table-format responses
 * go to stderr.
 */
enum cli_http_rc cli_http(struct cli_conn *c, const char *method, const char *path,
    const json_t *body, unsigned flags, struct cli_resp *out);
/*
 * As cli_http, with body[len] sent as it is (Content-Type: text/plain), for
 * OPA's PUT /v1/policies/{id}.
 */
enum cli_http_rc cli_http_text(struct cli_conn *c, const char *method, const char *path,
    const char *body, size_t len, unsigned flags, struct cli_resp *out);
void cli_resp_free(struct cli_resp *r);

/*
 * Print the server's "errors" of r as cli_http does for failures; used when
 * a caller asked for CLI_HTTP_QUIET_404 but still wants to report.
 */
void cli_print_api_error(const struct cli_conn *c, const char *path, const struct cli_resp *r);

/* Path of the token file (~/.writ-token) into out; WRIT_ENOTFOUND with no home. */
WRIT_MUST_CHECK writ_rc cli_token_file(struct writ_buf *out);

/* ---------------------------------------------------------------------------
 * Helpers shared by the commands.
 */

/*
 * Print a seal-status object (GET /v1/sys/seal-status, PUT /v1/sys/unseal) as
 * vault's status table, or as JSON.  Returns true when it says sealed.
 * (status.c)
 */
bool cli_print_seal_status(const struct cli_conn *c, json_t *st);

#endif /* WRIT_CLI_CLIENT_H */
