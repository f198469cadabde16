/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The small HTTP client the `writ` commands use to talk to a writ (or vault)
 * server: resolves the address, TLS files and token the way the vault CLI
 * does (flags, then WRIT_* and VAULT_* variables, then ~/.writ-token), sends
 * one JSON request with libcurl, parses the JSON reply with jansson and
 * prints {"errors": [...]} replies as "Error: <status> <url>: <messages>".
 *
 * Tokens and response bodies are wiped when freed; jansson allocations are
 * routed through hooks that wipe them too, since responses carry secrets.
 */
#include <sys/stat.h>
#include <err.h>
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "writ/base.h"

#include "client.h"

#ifndef WRIT_VERSION
#define WRIT_VERSION "0.0.0-dev"
#endif

#define DEFAULT_ADDR    "http://127.0.0.1:8200"
#define TOKEN_MAX       4096
#define JSON_HDR        16 /* bytes in front of each jansson block: its size */
#define CONNECT_TIMEOUT 10L
#define REQUEST_TIMEOUT 60L
#define HTTP_TEXT       0x100u /* private request flag: the body is text/plain (cli_http_text) */

static void *json_wipe_malloc(size_t len);
static void json_wipe_free(void *p);
static const char *env2(const char *a, const char *b);
static writ_rc addr_set(struct cli_conn *c, const char *addr);
static int token_load(struct cli_conn *c);
static bool token_valid(const char *t, size_t len);
static size_t write_cb(char *p, size_t size, size_t n, void *arg);
static int json_dump_cb(const char *p, size_t len, void *arg);
static struct curl_slist *headers_build(const struct cli_conn *c, unsigned flags, bool has_body);
static void headers_free(struct curl_slist *h);
static void curl_setup(CURL *curl, const struct cli_conn *c, const char *method,
    const struct writ_buf *url, const struct writ_buf *body, struct curl_slist *hdrs,
    struct cli_resp *out);
static void print_warnings(const json_t *body);
static enum cli_http_rc send_req(struct cli_conn *c, const char *method, const char *path,
    struct writ_buf *req, bool has_body, unsigned flags, struct cli_resp *out);

/* ---------------------------------------------------------------------------
 * Wiping JSON allocations.
 */

static void *
json_wipe_malloc(size_t len)
{
	unsigned char *p;

	if (len > SIZE_MAX - JSON_HDR || (p = writ_malloc(len + JSON_HDR)) == NULL)
		return NULL;
	memcpy(p, &len, sizeof(len));
	return p + JSON_HDR;
}

static void
json_wipe_free(void *q)
{
	unsigned char *p;
	size_t len;

	if (q == NULL)
		return;
	p = (unsigned char *)q - JSON_HDR;
	memcpy(&len, p, sizeof(len));
	writ_memzero(q, len);
	writ_free(p);
}

void
cli_json_init(void)
{
	static bool done;

	if (!done) {
		json_set_alloc_funcs(json_wipe_malloc, json_wipe_free);
		done = true;
	}
}

/* ---------------------------------------------------------------------------
 * Connection settings.
 */

/* The first of two environment variables that is set and not empty. */
static const char *
env2(const char *a, const char *b)
{
	const char *v = getenv(a);

	if (v == NULL || v[0] == '\0')
		v = getenv(b);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

static writ_rc
addr_set(struct cli_conn *c, const char *addr)
{
	size_t len = strlen(addr), i;

	if (strncasecmp(addr, "http://", 7) != 0 && strncasecmp(addr, "https://", 8) != 0)
		return WRIT_EINVAL;
	for (i = 0; i < len; i++) {
		if ((unsigned char)addr[i] <= 0x20 || addr[i] == 0x7f)
			return WRIT_EINVAL;
	}
	while (len > 0 && addr[len - 1] == '/')
		len--;
	if ((c->addr = writ_malloc(len + 1)) == NULL)
		return WRIT_ENOMEM;
	memcpy(c->addr, addr, len);
	c->addr[len] = '\0';
	return WRIT_OK;
}

static bool
token_valid(const char *t, size_t len)
{
	size_t i;

	if (len == 0 || len > TOKEN_MAX)
		return false;
	for (i = 0; i < len; i++) {
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return false;
	}
	return true;
}

writ_rc
cli_conn_set_token(struct cli_conn *c, const char *token)
{
	size_t len = strlen(token);

	if (!token_valid(token, len))
		return WRIT_EINVAL;
	if (c->token != NULL) {
		writ_memzero(c->token, strlen(c->token));
		writ_free(c->token);
	}
	if ((c->token = writ_malloc(len + 1)) == NULL)
		return WRIT_ENOMEM;
	memcpy(c->token, token, len + 1);
	return WRIT_OK;
}

writ_rc
cli_token_file(struct writ_buf *out)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home == NULL || home[0] == '\0') {
		if ((pw = getpwuid(getuid())) == NULL || pw->pw_dir == NULL)
			return WRIT_ENOTFOUND;
		home = pw->pw_dir;
	}
	return writ_buf_appendf(out, "%s/.writ-token", home);
}

/* WRIT_TOKEN, VAULT_TOKEN, then ~/.writ-token.  0 or an exit status. */
static int
token_load(struct cli_conn *c)
{
	struct writ_err err = {0};
	struct writ_buf path, b;
	const char *env = env2("WRIT_TOKEN", "VAULT_TOKEN");
	struct stat st;
	int ret = CLI_EXIT_ERR;

	if (env != NULL) {
		if (cli_conn_set_token(c, env) == WRIT_OK)
			return CLI_EXIT_OK;
		warnx("the token in WRIT_TOKEN/VAULT_TOKEN is not valid");
		return CLI_EXIT_ERR;
	}
	writ_buf_init(&path, 0);
	writ_buf_init(&b, TOKEN_MAX + 2);
	b.secret = true;
	if (cli_token_file(&path) != WRIT_OK || stat(path.ptr, &st) != 0) {
		warnx("no token: set WRIT_TOKEN (or VAULT_TOKEN), or run `writ login`");
		goto out;
	}
	if ((st.st_mode & 077) != 0)
		warnx("warning: %s can be read by other users (chmod 600 it)", path.ptr);
	if (cli_read_file(path.ptr, TOKEN_MAX + 1, &b, &err) != WRIT_OK) {
		warnx("%s", err.msg);
		goto out;
	}
	cli_buf_rtrim(&b);
	if (b.len == 0 || cli_conn_set_token(c, b.ptr) != WRIT_OK) {
		warnx("%s: not a valid token", path.ptr);
		goto out;
	}
	ret = CLI_EXIT_OK;
out:
	writ_buf_free(&b);
	writ_buf_free(&path);
	return ret;
}

int
cli_conn_open(struct cli_conn *c, const struct cli_opts *o, bool need_token)
{
	const char *addr, *v;
	writ_rc rc;

	memset(c, 0, sizeof(*c));
	if (cli_format_parse(o->format != NULL ? o->format : env2("WRIT_FORMAT", "VAULT_FORMAT"),
	        &c->format) != WRIT_OK) {
		warnx("invalid -format (expected table or json)");
		return CLI_EXIT_USAGE;
	}
	addr = o->address != NULL ? o->address : env2("WRIT_ADDR", "VAULT_ADDR");
	if ((rc = addr_set(c, addr != NULL ? addr : DEFAULT_ADDR)) != WRIT_OK) {
		warnx(rc == WRIT_ENOMEM
		        ? "out of memory"
		        : "invalid address (expected http://host:port or https://...)");
		return rc == WRIT_ENOMEM ? CLI_EXIT_ERR : CLI_EXIT_USAGE;
	}
	c->ca_cert = o->ca_cert != NULL ? o->ca_cert : env2("WRIT_CACERT", "VAULT_CACERT");
	c->client_cert =
	    o->client_cert != NULL ? o->client_cert : env2("WRIT_CLIENT_CERT", "VAULT_CLIENT_CERT");
	c->client_key =
	    o->client_key != NULL ? o->client_key : env2("WRIT_CLIENT_KEY", "VAULT_CLIENT_KEY");
	if (o->skip_verify_set)
		c->skip_verify = o->skip_verify;
	else if ((v = env2("WRIT_SKIP_VERIFY", "VAULT_SKIP_VERIFY")) != NULL &&
	    cli_parse_bool(v, &c->skip_verify) != WRIT_OK)
		warnx("ignoring WRIT_SKIP_VERIFY: not a boolean");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		warnx("cannot initialise libcurl");
		return CLI_EXIT_ERR;
	}
	c->curl_global = true;
	if (need_token)
		return token_load(c);
	return CLI_EXIT_OK;
}

void
cli_conn_close(struct cli_conn *c)
{
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	if (c->curl_global)
		curl_global_cleanup();
	if (c->token != NULL) {
		writ_memzero(c->token, strlen(c->token));
		writ_free(c->token);
	}
	writ_free(c->addr);
	memset(c, 0, sizeof(*c));
}

/* ---------------------------------------------------------------------------
 * Requests.
 */

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct writ_buf *b = arg;
	size_t len = size * n;

	if (len > CLI_INPUT_MAX - b->len || writ_buf_append(b, p, len) != WRIT_OK)
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	return len;
}

static int
json_dump_cb(const char *p, size_t len, void *arg)
{
	return writ_buf_append(arg, p, len) == WRIT_OK ? 0 : -1;
}

static struct curl_slist *
headers_build(const struct cli_conn *c, unsigned flags, bool has_body)
{
	/* "Expect:" avoids a 100-continue round trip; "Content-Type:" drops curl's form type. */
	const char *fixed[] = {"Accept: application/json", "X-Vault-Request: true", "Expect:",
	    !has_body                            ? "Content-Type:"
	        : (flags & CLI_HTTP_MERGE_PATCH) ? "Content-Type: application/merge-patch+json"
	        : (flags & HTTP_TEXT)            ? "Content-Type: text/plain"
	                                         : "Content-Type: application/json"};
	struct curl_slist *h = NULL, *n;
	struct writ_buf tok;
	size_t i;

	writ_buf_init(&tok, 0);
	tok.secret = true;
	if (c->token != NULL && !(flags & CLI_HTTP_NO_TOKEN)) {
		if (writ_buf_appendf(&tok, "X-Vault-Token: %s", c->token) != WRIT_OK ||
		    (h = curl_slist_append(NULL, tok.ptr)) == NULL)
			goto fail;
	}
	for (i = 0; i < WRIT_ARRAY_LEN(fixed); i++) {
		/* curl_slist_append returns NULL on failure and leaves h intact. */
		if ((n = curl_slist_append(h, fixed[i])) == NULL)
			goto fail;
		h = n;
	}
	writ_buf_free(&tok);
	return h;
fail:
	writ_buf_free(&tok);
	headers_free(h);
	return NULL;
}

/* Free a header list, wiping each header (one holds the token). */
static void
headers_free(struct curl_slist *h)
{
	struct curl_slist *n;

	for (n = h; n != NULL; n = n->next)
		writ_memzero(n->data, strlen(n->data));
	curl_slist_free_all(h);
}

static void
curl_setup(CURL *curl, const struct cli_conn *c, const char *method, const struct writ_buf *url,
    const struct writ_buf *body, struct curl_slist *hdrs, struct cli_resp *out)
{
	curl_easy_setopt(curl, CURLOPT_URL, url->ptr);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, REQUEST_TIMEOUT);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "writ-cli/" WRIT_VERSION);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out->body);
	curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	/* Like Go's ProxyFromEnvironment: a proxy from http_proxy never gets loopback traffic. */
	if (getenv("NO_PROXY") == NULL && getenv("no_proxy") == NULL)
		curl_easy_setopt(curl, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (body->len > 0 || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
	    strcmp(method, "PATCH") == 0) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->ptr != NULL ? body->ptr : "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	}
	if (c->ca_cert != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->ca_cert);
	if (c->client_cert != NULL)
		curl_easy_setopt(curl, CURLOPT_SSLCERT, c->client_cert);
	if (c->client_key != NULL)
		curl_easy_setopt(curl, CURLOPT_SSLKEY, c->client_key);
	if (c->skip_verify) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

static void
print_warnings(const json_t *body)
{
	const json_t *w = json_object_get(body, "warnings");
	size_t i;

	if (json_array_size(w) == 0)
		return;
	fputs("WARNING! The following warnings were returned from the server:\n\n", stderr);
	for (i = 0; i < json_array_size(w); i++) {
		if (!json_is_string(json_array_get(w, i)))
			continue;
		fputs("  * ", stderr);
		cli_print_safe(stderr, json_string_value(json_array_get(w, i)));
		fputs("\n", stderr);
	}
	fputs("\n", stderr);
}

void
cli_print_api_error(const struct cli_conn *c, const char *path, const struct cli_resp *r)
{
	const json_t *errs = json_object_get(r->json, "errors");
	size_t i, n = 0;

	fprintf(stderr, "Error: %ld ", r->status);
	cli_print_safe(stderr, c->addr);
	fputs("/v1/", stderr);
	cli_print_safe(stderr, path);
	for (i = 0; i < json_array_size(errs); i++) {
		if (!json_is_string(json_array_get(errs, i)))
			continue;
		fputs(n++ == 0 ? ": " : "; ", stderr);
		cli_print_safe(stderr, json_string_value(json_array_get(errs, i)));
	}
	/* OPA's REST API (the decision listener): {"code": ..., "message": ...}. */
	if (n == 0 && json_is_string(json_object_get(r->json, "message"))) {
		fputs(": ", stderr);
		if (json_is_string(json_object_get(r->json, "code"))) {
			cli_print_safe(stderr, json_string_value(json_object_get(r->json, "code")));
			fputs(": ", stderr);
		}
		cli_print_safe(stderr, json_string_value(json_object_get(r->json, "message")));
		n++;
	}
	if (n == 0 && r->json == NULL && r->body.len > 0) {
		/* Not a JSON reply (a proxy's error page?): show its start. */
		fputs(": ", stderr);
		fprintf(stderr, "%.200s", r->body.ptr);
	}
	fputc('\n', stderr);
}

enum cli_http_rc
cli_http(struct cli_conn *c, const char *method, const char *path, const json_t *body,
    unsigned flags, struct cli_resp *out)
{
	struct writ_buf req;
	enum cli_http_rc ret;

	writ_buf_init(&req, CLI_INPUT_MAX);
	req.secret = true;
	if (body != NULL && json_dump_callback(body, json_dump_cb, &req, JSON_COMPACT) != 0) {
		writ_buf_init(&out->body, 0);
		writ_buf_free(&req);
		warnx("out of memory");
		return CLI_HTTP_FAIL;
	}
	ret = send_req(c, method, path, &req, body != NULL, flags & ~HTTP_TEXT, out);
	writ_buf_free(&req);
	return ret;
}

enum cli_http_rc
cli_http_text(struct cli_conn *c, const char *method, const char *path, const char *body,
    size_t len, unsigned flags, struct cli_resp *out)
{
	struct writ_buf req;
	enum cli_http_rc ret;

	writ_buf_init(&req, CLI_INPUT_MAX);
	if (writ_buf_append(&req, body, len) != WRIT_OK) {
		writ_buf_init(&out->body, 0);
		writ_buf_free(&req);
		warnx(len > CLI_INPUT_MAX ? "request body too large" : "out of memory");
		return CLI_HTTP_FAIL;
	}
	ret = send_req(c, method, path, &req, true, flags | HTTP_TEXT, out);
	writ_buf_free(&req);
	return ret;
}

/* Send req (has_body: even when empty) and read the reply; see cli_http. */
static enum cli_http_rc
send_req(struct cli_conn *c, const char *method, const char *path, struct writ_buf *req,
    bool has_body, unsigned flags, struct cli_resp *out)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct writ_buf url;
	struct curl_slist *hdrs = NULL;
	enum cli_http_rc ret = CLI_HTTP_FAIL;
	CURLcode cc;

	writ_buf_init(&url, 0);
	writ_buf_init(&out->body, 0);
	out->body.secret = true;
	if (writ_buf_appendf(&url, "%s/v1/%s", c->addr, path) != WRIT_OK ||
	    (hdrs = headers_build(c, flags, has_body)) == NULL) {
		warnx("out of memory");
		goto out;
	}
	if (c->curl == NULL && (c->curl = curl_easy_init()) == NULL) {
		warnx("cannot initialise libcurl");
		goto out;
	}
	curl_easy_reset(c->curl);
	curl_setup(c->curl, c, method, &url, req, hdrs, out);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	cc = curl_easy_perform(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
	if (cc != CURLE_OK) {
		fprintf(stderr, "Error: %s %s: %s\n", method, url.ptr,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &out->status);
	if (out->body.len > 0)
		out->json = json_loadb(out->body.ptr, out->body.len, 0, NULL);
	if (out->status >= 200 && out->status < 300) {
		if (c->format == CLI_FMT_TABLE)
			print_warnings(out->json);
		ret = CLI_HTTP_OK;
	} else if (out->status == 404 && (flags & CLI_HTTP_QUIET_404)) {
		ret = CLI_HTTP_NOTFOUND;
	} else if (!(flags & CLI_HTTP_QUIET_ERR)) {
		cli_print_api_error(c, path, out);
	}
out:
	headers_free(hdrs);
	writ_buf_free(&url);
	return ret;
}

void
cli_resp_free(struct cli_resp *r)
{
	json_decref(r->json);
	writ_buf_free(&r->body);
	memset(r, 0, sizeof(*r));
}
