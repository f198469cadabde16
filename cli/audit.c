/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ audit`: verify an audit log file offline against the audit public
 * key (hash chain and signed checkpoints, writ_audit_verify_file), and hash a
 * value the way the audit log does, either locally with the HMAC key or by
 * asking the server (POST /v1/sys/audit-hash/<device>), so that an entry can
 * be found by the HMAC of a token or secret.
 */
#include <sys/stat.h>
#include <err.h>
#include <stdio.h>
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

static const struct cli_sub audit_subs[] = {
    {"verify", audit_verify, "verify an audit log file against the public key"},
    {"hash", audit_hash, "HMAC a value as the audit log does"},
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
