/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ audit`: verify an audit log file offline against the audit public
 * key (hash chain and signed checkpoints, writ_audit_verify_file), and hash a
 * value the way the audit log does, either locally with the HMAC key or by
 * asking the server (POST /v1/sys/audit-hash/<device>), so that an entry can
 * be found by the HMAC of a token or secret; and find entries by type, path,
 * identity, outcome and time (writ_audit_filter_match), after checking the
 * chain when given the public key.
 */
#include <sys/stat.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/audit.h"
#include "writ/base.h"
#include "writ/crypto.h"

#include "cli.h"
#include "client.h"

#define KEY_TEXT_MAX (64u << 10)
#define KEY_BIN_MAX  128

/* DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410) before the 32 key bytes. */
static const unsigned char ed25519_spki[] = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

static int audit_verify(int argc, char **argv);
static int audit_hash(int argc, char **argv);
static int audit_query(int argc, char **argv);
static int hash_local(const char *keyfile, const struct writ_buf *value);
static int hash_server(const struct cli_opts *o, const char *device, const struct writ_buf *value);
static writ_rc key_decode(const char *text, size_t len, unsigned char *out, size_t want);
static writ_rc pem_decode(const char *text, size_t len, unsigned char *out);
static int key_load(const char *arg, bool file_only, unsigned char *out, size_t want);
static void verify_print_json(writ_rc rc, const struct writ_audit_report *rep);

static const char verify_usage[] =
    "usage: writ audit verify -pubkey KEY [-format table|json] FILE\n"
    "\n"
    "Check an audit log offline: the hash chain of every line and the Ed25519\n"
    "signature of every checkpoint.  KEY is a file holding the audit public key (hex,\n"
    "base64, or a PEM public key), or that text itself.  Prints\n"
    "\"OK: N lines, M checkpoints, K lines after the last checkpoint\", or\n"
    "\"FAILED: line L: problem\" and exits 1.  Lines after the last checkpoint are\n"
    "chained but not yet signed.\n" CLI_USAGE_EXIT;

static const char hash_usage[] =
    "usage: writ audit hash [-key FILE | -path DEVICE] VALUE|- [flags]\n"
    "\n"
    "Print the audit log's HMAC of VALUE (\"-\": all of stdin, byte for byte), to find\n"
    "the entries of a token or secret.  With -key, locally with the HMAC key in FILE\n"
    "(hex or base64 of 32 bytes); otherwise the server computes it\n"
    "(POST /v1/sys/audit-hash/DEVICE).\n"
    "\n"
    "  -key FILE     local HMAC key file\n"
    "  -path DEVICE  the server's audit device (default \"file\")\n" CLI_USAGE_COMMON;

static const char query_usage[] =
    "usage: writ audit query [flags] FILE...\n"
    "\n"
    "Print the entries of audit log files (oldest first, files in the order given)\n"
    "that match every flag given, as the lines they are (JSON) or as a table.  With\n"
    "-pubkey, each file's hash chain and checkpoints are verified first and a file\n"
    "that fails is not searched (exit 1).  A summary goes to stderr.\n"
    "\n"
    "  -type T          request, response, decision, checkpoint... (repeatable)\n"
    "  -path P          API or decision path; \"P*\" matches a prefix\n"
    "  -identity ID     who acted: a token's display name, entity id or metadata\n"
    "                   value, an accessor or token HMAC (see `writ audit hash`), a\n"
    "                   caller's SPIFFE ID or JWT subject, or the remote address\n"
    "  -request-id ID   one request's entries\n"
    "  -outcome O       allowed or denied (decisions, and API responses refused\n"
    "                   with \"permission denied\")\n"
    "  -since T         at or after T: RFC 3339, a date, or a duration ago (\"24h\")\n"
    "  -until T         before T (same forms)\n"
    "  -limit N         stop after N matches\n"
    "  -pubkey KEY      verify each file first (as `writ audit verify`)\n"
    "  -format F        json (the lines, default) or table\n" CLI_USAGE_EXIT;

static const struct cli_sub audit_subs[] = {
    {"verify", audit_verify, "verify an audit log file against the public key"},
    {"hash", audit_hash, "HMAC a value as the audit log does"},
    {"query", audit_query, "find audit entries by type, path, identity, outcome and time"},
};

int
cli_audit(int argc, char **argv)
{
	cli_json_init();
	return cli_dispatch("audit", audit_subs, WRIT_ARRAY_LEN(audit_subs), argc, argv);
}

/* ---------------------------------------------------------------------------
 * Keys.
 */

/* The 32 key bytes of a PEM "PUBLIC KEY" (Ed25519 SPKI); text is NUL-terminated. */
static writ_rc
pem_decode(const char *text, size_t len, unsigned char *out)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----", end[] = "-----END";
	unsigned char der[KEY_BIN_MAX];
	char b64[KEY_BIN_MAX * 2];
	const char *p = strstr(text, begin), *e;
	size_t n = 0, dlen;

	if (p == NULL)
		return WRIT_EINVAL;
	p += sizeof(begin) - 1;
	e = strstr(p, end);
	if (e == NULL || e > text + len)
		return WRIT_EINVAL;
	for (; p < e; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		if (n == sizeof(b64))
			return WRIT_EINVAL;
		b64[n++] = *p;
	}
	if (3 * (n / 4) + 3 > sizeof(der) || writ_b64_decode(b64, n, der, &dlen) != WRIT_OK ||
	    dlen != sizeof(ed25519_spki) + WRIT_ED25519_PUB ||
	    memcmp(der, ed25519_spki, sizeof(ed25519_spki)) != 0)
		return WRIT_EINVAL;
	memcpy(out, der + sizeof(ed25519_spki), WRIT_ED25519_PUB);
	return WRIT_OK;
}

/*
 * want bytes from hex, base64 (standard or url) or, for a public key, PEM.
 * text[len] is NUL.
 */
static writ_rc
key_decode(const char *text, size_t len, unsigned char *out, size_t want)
{
	unsigned char tmp[KEY_BIN_MAX];
	size_t n = 0;
	writ_rc rc = WRIT_EINVAL;

	if (len == 2 * want) {
		if (writ_hex_decode(text, len, out) == WRIT_OK)
			return WRIT_OK;
	}
	if (3 * (len / 4) + 3 <= sizeof(tmp) && writ_b64_decode(text, len, tmp, &n) == WRIT_OK &&
	    n == want) {
		memcpy(out, tmp, want);
		rc = WRIT_OK;
	} else if (want == WRIT_ED25519_PUB) {
		rc = pem_decode(text, len, out);
	}
	writ_memzero(tmp, sizeof(tmp));
	return rc;
}

/*
 * Load a key from the file arg, or (unless file_only) from arg's own text.
 * 0 or an exit status after printing why.
 */
static int
key_load(const char *arg, bool file_only, unsigned char *out, size_t want)
{
	struct writ_err err = {0};
	struct writ_buf b;
	struct stat st;
	size_t start = 0;
	int ret = CLI_EXIT_ERR;

	writ_buf_init(&b, 0);
	b.secret = true;
	if (stat(arg, &st) == 0 && S_ISREG(st.st_mode)) {
		if (cli_read_file(arg, KEY_TEXT_MAX, &b, &err) != WRIT_OK) {
			warnx("%s", err.msg);
			goto out;
		}
	} else if (file_only || writ_buf_appends(&b, arg) != WRIT_OK) {
		warnx("%s: cannot read the key file", arg);
		goto out;
	}
	cli_buf_rtrim(&b);
	while (start < b.len &&
	    (b.ptr[start] == ' ' || b.ptr[start] == '\t' || b.ptr[start] == '\n' ||
	        b.ptr[start] == '\r'))
		start++;
	if (b.len == 0 || key_decode(b.ptr + start, b.len - start, out, want) != WRIT_OK) {
		warnx("%s: expected %zu bytes as hex or base64%s", arg, want,
		    want == WRIT_ED25519_PUB ? ", or a PEM public key" : "");
		goto out;
	}
	ret = CLI_EXIT_OK;
out:
	writ_buf_free(&b);
	return ret;
}

/* ---------------------------------------------------------------------------
 * verify
 */

static void
verify_print_json(writ_rc rc, const struct writ_audit_report *rep)
{
	json_t *o = json_pack("{s:b, s:I, s:I, s:I}", "ok", rc == WRIT_OK, "lines",
	    (json_int_t)rep->lines, "checkpoints", (json_int_t)rep->checkpoints, "unsigned_tail",
	    (json_int_t)rep->unsigned_tail);

	if (o != NULL && rc != WRIT_OK) {
		json_object_set_new(o, "bad_line", json_integer((json_int_t)rep->bad_line));
		json_object_set_new(o, "problem", json_string(rep->problem));
	}
	if (o != NULL)
		cli_print_json(stdout, o);
	json_decref(o);
}

static int
audit_verify(int argc, char **argv)
{
	const char *pubkey = NULL, *format = NULL;
	struct cli_flag flags[] = {
	    {"pubkey", CLI_F_STR, &pubkey, NULL}, {"format", CLI_F_STR, &format, NULL}};
	unsigned char pub[WRIT_ED25519_PUB];
	struct writ_audit_report rep;
	struct writ_err err = {0};
	enum cli_format fmt;
	struct cli_pos pos;
	writ_rc rc;
	int ret;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, verify_usage)) >= 0)
		return ret;
	if (pos.n != 1 || pubkey == NULL)
		return cli_usage_error(
		    verify_usage, pos.n != 1 ? "expected one FILE" : "-pubkey is required");
	if (cli_format_parse(format, &fmt) != WRIT_OK)
		return cli_usage_error(verify_usage, "-format must be table or json");
	if ((ret = key_load(pubkey, false, pub, sizeof(pub))) != CLI_EXIT_OK)
		return ret;
	memset(&rep, 0, sizeof(rep));
	rc = writ_audit_verify_file(pos.v[0], pub, &rep, &err);
	if (rc != WRIT_OK && rc != WRIT_ECRYPTO) {
		warnx("%s: %s", pos.v[0], err.msg[0] != '\0' ? err.msg : writ_rc_name(rc));
		return CLI_EXIT_ERR;
	}
	rep.problem[sizeof(rep.problem) - 1] = '\0';
	if (fmt == CLI_FMT_JSON) {
		verify_print_json(rc, &rep);
	} else if (rc == WRIT_OK) {
		printf("OK: %llu lines, %llu checkpoints, %llu lines after the last checkpoint\n",
		    (unsigned long long)rep.lines, (unsigned long long)rep.checkpoints,
		    (unsigned long long)rep.unsigned_tail);
		if (rep.problem[0] != '\0') {
			/* A note about the tail, e.g. a torn last line. */
			fputs("note: ", stderr);
			cli_print_safe(stderr, rep.problem);
			fputc('\n', stderr);
		}
	} else {
		/* The report's problem normally starts with "line N: " already. */
		if (strncmp(rep.problem, "line ", 5) == 0)
			fputs("FAILED: ", stdout);
		else
			printf("FAILED: line %llu: ", (unsigned long long)rep.bad_line);
		cli_print_safe(stdout, rep.problem);
		putchar('\n');
	}
	return rc == WRIT_OK ? CLI_EXIT_OK : CLI_EXIT_ERR;
}

/* ---------------------------------------------------------------------------
 * hash
 */

static int
hash_local(const char *keyfile, const struct writ_buf *value)
{
	unsigned char key[WRIT_AUDIT_HMAC_KEY_LEN];
	char out[WRIT_AUDIT_HMAC_STR_LEN];
	int ret;

	if ((ret = key_load(keyfile, true, key, sizeof(key))) == CLI_EXIT_OK) {
		writ_audit_hmac_str(key, value->ptr != NULL ? value->ptr : "", value->len, out);
		puts(out);
	}
	writ_memzero(key, sizeof(key));
	return ret;
}

static int
hash_server(const struct cli_opts *o, const char *device, const struct writ_buf *value)
{
	struct writ_buf path;
	struct cli_resp r = {0};
	struct cli_conn c = {0};
	json_t *body = NULL, *v, *hash;
	int ret = CLI_EXIT_ERR;

	writ_buf_init(&path, 0);
	if (writ_buf_appends(&path, "sys/audit-hash") != WRIT_OK ||
	    cli_path_append(&path, device, false) != WRIT_OK) {
		ret = cli_usage_error(hash_usage, "invalid -path");
		goto out;
	}
	if ((v = json_stringn(value->ptr != NULL ? value->ptr : "", value->len)) == NULL ||
	    (body = json_pack("{s:o}", "input", v)) == NULL) {
		warnx("the value must be UTF-8 text to send it to the server");
		goto out;
	}
	if ((ret = cli_conn_open(&c, o, true)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if (cli_http(&c, "POST", path.ptr, body, 0, &r) != CLI_HTTP_OK)
		goto out;
	if (c.format == CLI_FMT_JSON) {
		cli_print_json(stdout, r.json);
	} else if (json_is_string(hash = json_object_get(cli_resp_data(r.json), "hash"))) {
		cli_print_safe(stdout, json_string_value(hash));
		putchar('\n');
	} else {
		warnx("the reply has no \"hash\"");
		goto out;
	}
	ret = CLI_EXIT_OK;
out:
	json_decref(body);
	cli_resp_free(&r);
	cli_conn_close(&c);
	writ_buf_free(&path);
	return ret;
}

static int
audit_hash(int argc, char **argv)
{
	struct cli_opts o = {0};
	const char *keyfile = NULL, *device = NULL;
	struct cli_flag flags[] = {CLI_COMMON_FLAGS(&o), {"key", CLI_F_STR, &keyfile, NULL},
	    {"path", CLI_F_STR, &device, NULL}};
	struct writ_err err = {0};
	struct writ_buf value;
	struct cli_pos pos;
	int ret;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, hash_usage)) >= 0)
		return ret;
	if (pos.n != 1 || (keyfile != NULL && device != NULL))
		return cli_usage_error(
		    hash_usage, pos.n != 1 ? "expected one VALUE" : "use -key or -path, not both");
	writ_buf_init(&value, 0);
	value.secret = true;
	if (strcmp(pos.v[0], "-") == 0 ? cli_read_file("-", 0, &value, &err) != WRIT_OK
	                               : writ_buf_appends(&value, pos.v[0]) != WRIT_OK) {
		warnx("%s", err.msg[0] != '\0' ? err.msg : "out of memory");
		ret = CLI_EXIT_ERR;
	} else if (keyfile != NULL) {
		ret = hash_local(keyfile, &value);
	} else {
		ret = hash_server(&o, device != NULL ? device : "file", &value);
	}
	writ_buf_free(&value);
	return ret;
}

/* ---------------------------------------------------------------------------
 * query
 */

/* The string at a path of nested objects ("auth", "display_name"), or "". */
static const char *
jstr(json_t *o, const char *k1, const char *k2)
{
	json_t *v = json_object_get(o, k1);

	if (k2 != NULL)
		v = json_object_get(v, k2);
	return json_is_string(v) ? json_string_value(v) : "";
}

/* One table row: seq, time, type, path, who, outcome. */
static void
query_print_row(const char *line, size_t len)
{
	json_t *e = json_loadb(line, len, 0, NULL), *allowed;
	const char *path, *who, *what = "";

	if (e == NULL)
		return;
	path = jstr(e, "request", "path");
	if (*path == '\0')
		path = jstr(e, "decision", "path");
	who = jstr(e, "auth", "display_name");
	if (*who == '\0')
		who = jstr(e, "caller", "spiffe_id");
	if (*who == '\0')
		who = jstr(e, "caller", "sub");
	if (*who == '\0')
		who = jstr(e, "request", "remote_address");
	allowed = json_object_get(json_object_get(e, "decision"), "allowed");
	if (json_is_boolean(allowed))
		what = json_is_true(allowed) ? "allowed" : "denied";
	else if (*jstr(e, "error", NULL) != '\0')
		what = jstr(e, "error", NULL);
	printf("%-8" JSON_INTEGER_FORMAT " %-31s %-10s ", json_integer_value(json_object_get(e, "seq")),
	    jstr(e, "time", NULL), jstr(e, "type", NULL));
	cli_print_safe(stdout, *path ? path : "-");
	putchar(' ');
	cli_print_safe(stdout, *who ? who : "-");
	if (*what != '\0') {
		putchar(' ');
		cli_print_safe(stdout, what);
	}
	putchar('\n');
	json_decref(e);
}

/* Search one file; *left counts down the limit (0: stop).  0 or an exit status. */
static int
query_file(const char *file, const struct writ_audit_filter *f, bool table, uint64_t *left,
    uint64_t *seen, uint64_t *matched)
{
	FILE *fp = fopen(file, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = CLI_EXIT_OK;

	if (fp == NULL) {
		warn("%s", file);
		return CLI_EXIT_ERR;
	}
	while (*left > 0 && (n = getline(&line, &cap, fp)) > 0) {
		if ((size_t)n > WRIT_AUDIT_LINE_MAX + 1) {
			warnx("%s: line %llu is longer than an audit line can be", file,
			    (unsigned long long)*seen + 1);
			ret = CLI_EXIT_ERR;
			break;
		}
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		++*seen;
		if (!writ_audit_filter_match(f, line, (size_t)n))
			continue;
		++*matched;
		--*left;
		if (table)
			query_print_row(line, (size_t)n);
		else
			printf("%s\n", line);
	}
	if (ferror(fp)) {
		warn("%s", file);
		ret = CLI_EXIT_ERR;
	}
	free(line);
	fclose(fp);
	return ret;
}

static int
audit_query(int argc, char **argv)
{
	const char *path = NULL, *identity = NULL, *rid = NULL, *outcome = NULL, *since = NULL,
		   *until = NULL, *pubkey = NULL, *format = NULL;
	struct cli_list types = {0};
	uint64_t limit = UINT64_MAX, seen = 0, matched = 0;
	struct cli_flag flags[] = {
	    {"type", CLI_F_LIST, &types, NULL},
	    {"path", CLI_F_STR, &path, NULL},
	    {"identity", CLI_F_STR, &identity, NULL},
	    {"request-id", CLI_F_STR, &rid, NULL},
	    {"outcome", CLI_F_STR, &outcome, NULL},
	    {"since", CLI_F_STR, &since, NULL},
	    {"until", CLI_F_STR, &until, NULL},
	    {"limit", CLI_F_U64, &limit, NULL},
	    {"pubkey", CLI_F_STR, &pubkey, NULL},
	    {"format", CLI_F_STR, &format, NULL},
	};
	struct writ_audit_filter f = {.outcome = -1};
	unsigned char pub[WRIT_ED25519_PUB];
	int64_t now = writ_time_now();
	struct cli_pos pos;
	bool table;
	int i, ret;

	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &pos, query_usage)) >= 0)
		return ret;
	if (pos.n < 1)
		return cli_usage_error(query_usage, "expected at least one FILE");
	if (format != NULL && strcmp(format, "json") != 0 && strcmp(format, "table") != 0)
		return cli_usage_error(query_usage, "-format must be json or table");
	table = format != NULL && strcmp(format, "table") == 0;
	if (outcome != NULL) {
		if (strcmp(outcome, "allowed") == 0 || strcmp(outcome, "allow") == 0)
			f.outcome = 1;
		else if (strcmp(outcome, "denied") == 0 || strcmp(outcome, "deny") == 0)
			f.outcome = 0;
		else
			return cli_usage_error(query_usage, "-outcome must be allowed or denied");
	}
	if (since != NULL && writ_audit_time_bound(since, now, &f.since_ns) != WRIT_OK)
		return cli_usage_error(query_usage, "-since: not a time, date or duration: %s", since);
	if (until != NULL && writ_audit_time_bound(until, now, &f.until_ns) != WRIT_OK)
		return cli_usage_error(query_usage, "-until: not a time, date or duration: %s", until);
	if (limit == 0)
		return CLI_EXIT_OK;
	f.types = types.v;
	f.ntypes = types.n;
	f.path = path;
	f.identity = identity;
	f.request_id = rid;
	if (pubkey != NULL && (ret = key_load(pubkey, false, pub, sizeof(pub))) != CLI_EXIT_OK)
		return ret;
	for (i = 0; i < pos.n && limit > 0; i++) {
		if (pubkey != NULL) {
			struct writ_audit_report rep = {0};
			struct writ_err err = {0};
			writ_rc rc = writ_audit_verify_file(pos.v[i], pub, &rep, &err);

			if (rc != WRIT_OK) {
				rep.problem[sizeof(rep.problem) - 1] = '\0';
				warnx("%s: does not verify, not searched: %s", pos.v[i],
				    rc == WRIT_ECRYPTO ? rep.problem
						       : (err.msg[0] ? err.msg : writ_rc_name(rc)));
				return CLI_EXIT_ERR;
			}
		}
		if ((ret = query_file(pos.v[i], &f, table, &limit, &seen, &matched)) != CLI_EXIT_OK)
			return ret;
	}
	fflush(stdout);
	fprintf(stderr, "%llu of %llu entries matched%s\n", (unsigned long long)matched,
	    (unsigned long long)seen, pubkey != NULL ? " (chain verified)" : "");
	return CLI_EXIT_OK;
}
