/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line arguments of the `writ` client commands: one table-driven flag
 * parser shared by every subcommand (vault's syntax: "-flag value",
 * "-flag=value", flags mixed with positional arguments), key=value pairs as
 * `vault kv put` takes them, version lists, API path building with
 * percent-encoding, and reading values from files, stdin and the terminal.
 * Nothing here talks to the network, so the unit tests cover it directly.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "writ/base.h"

#include "client.h"

#define SECRET_LINE_MAX 8192

static const struct cli_flag *flag_find(
    const struct cli_flag *flags, size_t nflags, const char *name, size_t len);
static writ_rc flag_set(const struct cli_flag *f, const char *val, struct writ_err *err);
static bool is_help(const char *name);
static void dispatch_usage(FILE *f, const char *group, const struct cli_sub *subs, size_t nsubs);
static writ_rc kv_add(json_t *obj, const char *key, size_t keylen, json_t *val);
static writ_rc kv_merge_json(json_t *obj, const char *src, bool *stdin_used, struct writ_err *err);
static writ_rc kv_value(const char *val, bool *stdin_used, json_t **out, struct writ_err *err);
static writ_rc path_append_n(struct writ_buf *out, const char *path, size_t len, bool allow_empty);
static bool unreserved(unsigned char c);
static void tty_restore_on_signal(int sig);

/* ---------------------------------------------------------------------------
 * Flags.
 */

static const struct cli_flag *
flag_find(const struct cli_flag *flags, size_t nflags, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < nflags; i++) {
		if (strlen(flags[i].name) == len && memcmp(flags[i].name, name, len) == 0)
			return &flags[i];
	}
	return NULL;
}

writ_rc
cli_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True"};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False"};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return WRIT_OK;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return WRIT_OK;
		}
	}
	return WRIT_EINVAL;
}

static writ_rc
flag_set(const struct cli_flag *f, const char *val, struct writ_err *err)
{
	struct cli_list *l;
	uint64_t u;
	int64_t d;
	bool b;

	switch (f->kind) {
	case CLI_F_BOOL:
		if (cli_parse_bool(val, &b) != WRIT_OK)
			return WRIT_ERR(
			    err, WRIT_EINVAL, "invalid boolean value \"%s\" for -%s", val, f->name);
		*(bool *)f->out = b;
		break;
	case CLI_F_STR:
		*(const char **)f->out = val;
		break;
	case CLI_F_DUR:
		if (writ_parse_duration(val, strlen(val), &d) != WRIT_OK)
			return WRIT_ERR(err, WRIT_EINVAL,
			    "invalid duration \"%s\" for -%s (e.g. 90s, 30m, 1h30m, 7d)", val,
			    f->name);
		*(const char **)f->out = val;
		break;
	case CLI_F_U64:
		/* Numbers end up in JSON, whose integers are signed 64-bit. */
		if (writ_parse_u64(val, strlen(val), &u) != WRIT_OK || u > INT64_MAX)
			return WRIT_ERR(
			    err, WRIT_EINVAL, "invalid number \"%s\" for -%s", val, f->name);
		*(uint64_t *)f->out = u;
		break;
	case CLI_F_LIST:
		l = f->out;
		if (l->n >= CLI_LIST_MAX)
			return WRIT_ERR(err, WRIT_ELIMIT, "too many -%s flags (at most %d)",
			    f->name, CLI_LIST_MAX);
		l->v[l->n++] = val;
		break;
	}
	if (f->set != NULL)
		*f->set = true;
	return WRIT_OK;
}

static bool
is_help(const char *name)
{
	return strcmp(name, "h") == 0 || strcmp(name, "help") == 0;
}

enum cli_parse_rc
cli_flags_parse(const struct cli_flag *flags, size_t nflags, int argc, char **argv,
    struct cli_pos *pos, struct writ_err *err)
{
	const struct cli_flag *f;
	const char *name, *eq, *val;
	bool only_pos = false;
	size_t len;
	int i, npos = 0;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			argv[1 + npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = true;
			continue;
		}
		name = a + 1 + (a[1] == '-');
		if (is_help(name))
			return CLI_PARSE_HELP;
		eq = strchr(name, '=');
		len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		if ((f = flag_find(flags, nflags, name, len)) == NULL) {
			WRIT_ERR(err, WRIT_EINVAL, "flag provided but not defined: -%.*s",
			    (int)(len > 64 ? 64 : len), name);
			return CLI_PARSE_ERR;
		}
		if (eq != NULL)
			val = eq + 1;
		else if (f->kind == CLI_F_BOOL)
			val = "true";
		else if (i + 1 < argc)
			val = argv[++i];
		else {
			WRIT_ERR(err, WRIT_EINVAL, "flag needs an argument: -%s", f->name);
			return CLI_PARSE_ERR;
		}
		if (flag_set(f, val, err) != WRIT_OK)
			return CLI_PARSE_ERR;
	}
	pos->v = argv + 1;
	pos->n = npos;
	return CLI_PARSE_OK;
}

int
cli_usage_error(const char *usage, const char *fmt, ...)
{
	const char *end;
	va_list ap;

	fputs("writ: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	/* The synopsis (up to the first blank line), not the whole text. */
	end = strstr(usage, "\n\n");
	fprintf(stderr, "\n%.*s\n(-h for help)\n",
	    end != NULL ? (int)(end - usage) : (int)strlen(usage), usage);
	return CLI_EXIT_USAGE;
}

int
cli_parse(const struct cli_flag *flags, size_t nflags, int argc, char **argv, struct cli_pos *pos,
    const char *usage)
{
	struct writ_err err = {0};

	switch (cli_flags_parse(flags, nflags, argc, argv, pos, &err)) {
	case CLI_PARSE_OK:
		return -1;
	case CLI_PARSE_HELP:
		fputs(usage, stdout);
		return CLI_EXIT_OK;
	case CLI_PARSE_ERR:
	default:
		return cli_usage_error(usage, "%s", err.msg);
	}
}

static void
dispatch_usage(FILE *f, const char *group, const struct cli_sub *subs, size_t nsubs)
{
	size_t i;

	fprintf(f, "usage: writ %s <subcommand> [flags] [args]\n\nsubcommands:\n", group);
	for (i = 0; i < nsubs; i++)
		fprintf(f, "  %-12s %s\n", subs[i].name, subs[i].help);
	fprintf(
	    f, "\nRun \"writ %s <subcommand> -h\" for the flags of each.\n" CLI_USAGE_EXIT, group);
}

int
cli_dispatch(const char *group, const struct cli_sub *subs, size_t nsubs, int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		dispatch_usage(stderr, group, subs, nsubs);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "help") == 0 ||
	    (argv[1][0] == '-' && is_help(argv[1] + 1 + (argv[1][1] == '-')))) {
		dispatch_usage(stdout, group, subs, nsubs);
		return CLI_EXIT_OK;
	}
	for (i = 0; i < nsubs; i++) {
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "writ: unknown subcommand \"%s %s\"\n\n", group, argv[1]);
	dispatch_usage(stderr, group, subs, nsubs);
	return CLI_EXIT_USAGE;
}

/* ---------------------------------------------------------------------------
 * key=value pairs.
 */

writ_rc
cli_kv_split(const char *arg, const char **key, size_t *keylen, const char **val)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg)
		return WRIT_EINVAL;
	*key = arg;
	*keylen = (size_t)(eq - arg);
	*val = eq + 1;
	return WRIT_OK;
}

/* Set key to val (stolen); a repeated key collects its values in a list. */
static writ_rc
kv_add(json_t *obj, const char *key, size_t keylen, json_t *val)
{
	json_t *old, *arr;

	if (val == NULL)
		return WRIT_ENOMEM;
	old = json_object_getn(obj, key, keylen);
	if (old == NULL)
		return json_object_setn_new(obj, key, keylen, val) == 0 ? WRIT_OK : WRIT_ENOMEM;
	if (json_is_array(old))
		return json_array_append_new(old, val) == 0 ? WRIT_OK : WRIT_ENOMEM;
	if ((arr = json_array()) == NULL || json_array_append(arr, old) != 0 ||
	    json_array_append_new(arr, val) != 0) {
		json_decref(arr);
		return WRIT_ENOMEM;
	}
	return json_object_setn_new(obj, key, keylen, arr) == 0 ? WRIT_OK : WRIT_ENOMEM;
}

/* One value: "@file", "-" (stdin, once) or the text itself. */
static writ_rc
kv_value(const char *val, bool *stdin_used, json_t **out, struct writ_err *err)
{
	struct writ_buf b;
	writ_rc rc;

	if (val[0] != '@' && strcmp(val, "-") != 0) {
		/* "\@x" is the literal text "@x", as in vault. */
		*out = json_string(val[0] == '\\' && val[1] == '@' ? val + 1 : val);
		return *out != NULL ? WRIT_OK
		                    : WRIT_ERR(err, WRIT_EINVAL, "a value is not valid UTF-8");
	}
	if (val[0] == '-') {
		if (*stdin_used)
			return WRIT_ERR(err, WRIT_EINVAL, "stdin (\"-\") can be used only once");
		*stdin_used = true;
	}
	writ_buf_init(&b, 0);
	b.secret = true;
	rc = cli_read_file(val[0] == '@' ? val + 1 : "-", 0, &b, err);
	if (rc == WRIT_OK) {
		*out = json_stringn(b.ptr != NULL ? b.ptr : "", b.len);
		if (*out == NULL)
			rc = WRIT_ERR(err, WRIT_EINVAL, "value read from %s is not valid UTF-8",
			    val[0] == '@' ? val + 1 : "stdin");
	}
	writ_buf_free(&b);
	return rc;
}

/* A whole argument "-" or "@file": a JSON object whose members are added. */
static writ_rc
kv_merge_json(json_t *obj, const char *src, bool *stdin_used, struct writ_err *err)
{
	struct writ_buf b;
	json_error_t jerr;
	json_t *in = NULL, *v;
	const char *k;
	writ_rc rc;

	if (src[0] == '-') {
		if (*stdin_used)
			return WRIT_ERR(err, WRIT_EINVAL, "stdin (\"-\") can be used only once");
		*stdin_used = true;
	}
	writ_buf_init(&b, 0);
	b.secret = true;
	rc = cli_read_file(src[0] == '@' ? src + 1 : "-", 0, &b, err);
	if (rc != WRIT_OK)
		goto out;
	in = json_loadb(b.ptr != NULL ? b.ptr : "", b.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(in)) {
		rc = WRIT_ERR(err, WRIT_EINVAL, "%s: expected a JSON object",
		    src[0] == '@' ? src + 1 : "stdin");
		goto out;
	}
	json_object_foreach(in, k, v)
	{
		rc = kv_add(obj, k, strlen(k), json_incref(v));
		if (rc != WRIT_OK)
			goto out;
	}
out:
	json_decref(in);
	writ_buf_free(&b);
	return rc;
}

writ_rc
cli_kv_pairs(json_t *obj, char *const *args, int nargs, struct writ_err *err)
{
	const char *key, *val;
	bool stdin_used = false;
	size_t keylen;
	json_t *v = NULL;
	writ_rc rc;
	int i;

	for (i = 0; i < nargs; i++) {
		if (strcmp(args[i], "-") == 0 || args[i][0] == '@') {
			rc = kv_merge_json(obj, args[i], &stdin_used, err);
		} else if (cli_kv_split(args[i], &key, &keylen, &val) != WRIT_OK) {
			/* The argument may be a mistyped secret: do not echo it. */
			rc = WRIT_ERR(err, WRIT_EINVAL,
			    "argument %d is not a key=value pair (nor \"-\" or \"@file\")", i + 1);
		} else if ((rc = kv_value(val, &stdin_used, &v, err)) == WRIT_OK) {
			rc = kv_add(obj, key, keylen, v);
		}
		if (rc == WRIT_ENOMEM)
			WRIT_ERR(err, rc, "out of memory");
		if (rc != WRIT_OK)
			return rc;
	}
	return WRIT_OK;
}

writ_rc
cli_versions_parse(const char *s, json_t **out, struct writ_err *err)
{
	json_t *arr = json_array();
	const char *p = s, *start, *end;
	uint64_t v;

	if (arr == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	for (;;) {
		while (*p == ' ')
			p++;
		start = p;
		while (*p != '\0' && *p != ',')
			p++;
		end = p;
		while (end > start && end[-1] == ' ')
			end--;
		if (writ_parse_u64(start, (size_t)(end - start), &v) != WRIT_OK || v == 0 ||
		    v > INT64_MAX) {
			json_decref(arr);
			return WRIT_ERR(err, WRIT_EINVAL,
			    "invalid version list \"%s\" (expected e.g. 1,2,3)", s);
		}
		if (json_array_append_new(arr, json_integer((json_int_t)v)) != 0) {
			json_decref(arr);
			return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
		}
		if (*p == '\0')
			break;
		p++;
	}
	*out = arr;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * API paths.
 */

static bool
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_' || c == '~';
}

static writ_rc
path_append_n(struct writ_buf *out, const char *path, size_t len, bool allow_empty)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i = 0, seg, j;
	bool any = false;
	writ_rc rc;

	while (i < len) {
		while (i < len && path[i] == '/')
			i++;
		if (i == len)
			break;
		seg = i;
		while (i < len && path[i] != '/')
			i++;
		if ((i - seg == 1 && path[seg] == '.') ||
		    (i - seg == 2 && path[seg] == '.' && path[seg + 1] == '.'))
			return WRIT_EINVAL;
		if (out->len > 0 && out->ptr[out->len - 1] != '/' &&
		    (rc = writ_buf_append(out, "/", 1)) != WRIT_OK)
			return rc;
		for (j = seg; j < i; j++) {
			unsigned char c = (unsigned char)path[j];
			char esc[3] = {'%', hex[c >> 4], hex[c & 0xf]};

			rc = unreserved(c) ? writ_buf_append(out, &path[j], 1)
			                   : writ_buf_append(out, esc, sizeof(esc));
			if (rc != WRIT_OK)
				return rc;
		}
		any = true;
	}
	return any || allow_empty ? WRIT_OK : WRIT_EINVAL;
}

writ_rc
cli_path_append(struct writ_buf *out, const char *path, bool allow_empty)
{
	return path_append_n(out, path, strlen(path), allow_empty);
}

writ_rc
cli_kv_path(struct writ_buf *out, const char *mount, const char *arg, const char *kind,
    bool trailing_slash, bool allow_empty, struct writ_err *err)
{
	const char *rest = arg, *slash;
	size_t mlen;
	writ_rc rc;

	if (mount == NULL) {
		while (*arg == '/')
			arg++;
		slash = strchr(arg, '/');
		mlen = slash != NULL ? (size_t)(slash - arg) : strlen(arg);
		mount = arg;
		rest = arg + mlen;
	} else {
		mlen = strlen(mount);
	}
	rc = path_append_n(out, mount, mlen, false);
	if (rc == WRIT_EINVAL)
		return WRIT_ERR(err, rc, "invalid or missing mount in \"%s\"", arg);
	if (rc == WRIT_OK)
		rc = cli_path_append(out, kind, false);
	if (rc == WRIT_OK && (rc = cli_path_append(out, rest, allow_empty)) == WRIT_EINVAL)
		return WRIT_ERR(err, rc, "invalid or missing path below the mount in \"%s\"", arg);
	if (rc == WRIT_OK && trailing_slash && out->ptr[out->len - 1] != '/')
		rc = writ_buf_append(out, "/", 1);
	if (rc != WRIT_OK)
		return WRIT_ERR(err, rc, "cannot build the path of \"%s\"", arg);
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Input: files, stdin, terminal.
 */

writ_rc
cli_read_file(const char *path, size_t max, struct writ_buf *out, struct writ_err *err)
{
	char chunk[8192];
	bool use_stdin = strcmp(path, "-") == 0;
	const char *name = use_stdin ? "stdin" : path;
	writ_rc rc = WRIT_OK;
	ssize_t n;
	int fd;

	if (max == 0)
		max = CLI_INPUT_MAX;
	fd = use_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return WRIT_ERR(err, WRIT_EIO, "%s: %s", name, strerror(errno));
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = WRIT_ERR(err, WRIT_EIO, "%s: %s", name, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if ((size_t)n > max - out->len) {
			rc = WRIT_ERR(err, WRIT_ETOOBIG, "%s: larger than %zu bytes", name, max);
			break;
		}
		if ((rc = writ_buf_append(out, chunk, (size_t)n)) != WRIT_OK) {
			WRIT_ERR(err, rc, "%s: out of memory", name);
			break;
		}
	}
	writ_memzero(chunk, sizeof(chunk));
	if (!use_stdin)
		close(fd);
	return rc;
}

void
cli_buf_rtrim(struct writ_buf *b)
{
	while (b->len > 0 &&
	    (b->ptr[b->len - 1] == '\n' || b->ptr[b->len - 1] == '\r' ||
	        b->ptr[b->len - 1] == ' ' || b->ptr[b->len - 1] == '\t')) {
		b->ptr[--b->len] = '\0';
	}
}

static struct termios tty_saved;

/* Put the terminal back before dying of a signal taken with echo off. */
static void
tty_restore_on_signal(int sig)
{
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

writ_rc
cli_read_secret(const char *prompt, struct writ_buf *out, struct writ_err *err)
{
	struct sigaction sa, old_int, old_term;
	struct termios noecho;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tty_saved) == 0;
	writ_rc rc = WRIT_OK;
	ssize_t n;
	char c;

	out->secret = true;
	if (tty) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = tty_restore_on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		noecho = tty_saved;
		noecho.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		fputs(prompt, stderr);
		fflush(stderr);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
	}
	/* One byte at a time: take exactly one line and leave the rest of stdin. */
	for (;;) {
		n = read(STDIN_FILENO, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = WRIT_ERR(err, WRIT_EIO, "stdin: %s", strerror(errno));
			break;
		}
		if (n == 0 || c == '\n')
			break;
		if (out->len >= SECRET_LINE_MAX) {
			rc = WRIT_ERR(err, WRIT_ETOOBIG, "input line too long");
			break;
		}
		if ((rc = writ_buf_append(out, &c, 1)) != WRIT_OK) {
			WRIT_ERR(err, rc, "out of memory");
			break;
		}
	}
	c = 0;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		fputc('\n', stderr);
	}
	cli_buf_rtrim(out);
	if (rc == WRIT_OK && out->len == 0)
		rc = WRIT_ERR(err, WRIT_EINVAL, "no input");
	return rc;
}
