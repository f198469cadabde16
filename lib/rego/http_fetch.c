/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network side of http.send: one request with libcurl, as OPA's Go
 * client makes it.  Only http and https URLs to the configured hosts are
 * fetched, and every redirect is checked against the same list before it is
 * followed (curl's own redirect following is off; the Location is resolved
 * by curl and checked here, then the method changes as Go's client changes
 * it: 301/302/303 turn into GET without a body, 307/308 keep both, and
 * credentials are dropped when the host changes).  A request gets its own
 * timeout, cut to what is left of the evaluation's time, per attempt;
 * network errors are retried with an exponential backoff (100 ms, doubled
 * each time, at most 60 s) while the evaluation's time allows.  The
 * response's headers (64 KiB, 512 lines) and body (the configured maximum) are
 * bounded.  Nothing here knows Rego values: http_send.c builds the request
 * and turns the response into one.
 *
 * lib/ opens no sockets on its own: this runs only for a policy evaluated
 * with http.send enabled by the caller (struct writ_rego_http).
 */
#include <arpa/inet.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "writ/base.h"
#include "writ/rego.h"

#include "rego/http_send.h"

#define MAX_HDR_BYTES ((size_t)64 << 10)
#define MAX_HDRS      512
#define MAX_STATUS    256
#define MAX_REDIRECTS 10
#define RETRY_MIN_MS  ((uint64_t)100)
#define RETRY_MAX_MS  ((uint64_t)60000)
#define USER_AGENT    "writ/" WRIT_VERSION

/* The state of one exchange, shared with curl's callbacks. */
struct hx {
	struct rego_http_fetched *f;
	size_t max_body;
	bool body_over, hdrs_over, oom;
	char errbuf[CURL_ERROR_SIZE];
};

static void curl_init(void);
static void op_name(const char *method, char *out, size_t len);
static bool host_allowed(const struct writ_rego_http *cfg, const char *host);
static enum rego_http_err url_check(const struct writ_rego_http *cfg, CURLU *u, const char *method,
    const char *url, char *msg, size_t msglen);
static size_t on_header(char *p, size_t size, size_t n, void *arg);
static size_t on_body(char *p, size_t size, size_t n, void *arg);

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void
curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Go's url.Error Op for a method: "Get", "Post", "Delete". */
static void
op_name(const char *method, char *out, size_t len)
{
	size_t i;

	snprintf(out, len, "%s", method);
	for (i = 1; out[i - 1] != '\0' && out[i] != '\0'; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
}

/* ---------------------------------------------------------------------------
 * Where requests may go.
 */

/*
 * Whether host (as curl has it: IPv6 literals in brackets) is allowed: an
 * exact match ignoring case, "*.suffix" for names (never for addresses:
 * "*.0.0.1" does not allow 127.0.0.1), or "*".
 */
static bool
host_allowed(const struct writ_rego_http *cfg, const char *host)
{
	size_t i, hl = strlen(host), pl;
	struct in_addr a4;
	bool addr = false;

	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') { /* an IPv6 literal */
		host++;
		hl -= 2;
		addr = true;
	}
	addr = addr || inet_pton(AF_INET, host, &a4) == 1;
	for (i = 0; i < cfg->nallow_hosts; i++) {
		const char *p = cfg->allow_hosts[i];

		if (p == NULL)
			continue;
		pl = strlen(p);
		if (pl == 1 && p[0] == '*')
			return true;
		if (pl > 2 && p[0] == '*' && p[1] == '.') {
			if (addr)
				continue;
			if (hl > pl - 1 && strncasecmp(host + hl - (pl - 1), p + 1, pl - 1) == 0)
				return true;
		} else if (pl == hl && strncasecmp(host, p, hl) == 0) {
			return true;
		}
	}
	return false;
}

/* Set u to url and check its scheme and host. */
static enum rego_http_err
url_check(const struct writ_rego_http *cfg, CURLU *u, const char *method, const char *url,
    char *msg, size_t msglen)
{
	char *scheme = NULL, *host = NULL, op[16];
	enum rego_http_err rc = REGO_HE_OK;
	CURLUcode uc;

	op_name(method, op, sizeof(op));
	if ((uc = curl_url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK) {
		snprintf(msg, msglen, "parse \"%s\": %s", url, curl_url_strerror(uc));
		return uc == CURLUE_OUT_OF_MEMORY ? REGO_HE_NOMEM : REGO_HE_INTERNAL;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(msg, msglen, "parse \"%s\": no scheme or host", url);
		rc = REGO_HE_INTERNAL;
	} else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		snprintf(
		    msg, msglen, "%s \"%s\": unsupported protocol scheme \"%s\"", op, url, scheme);
		rc = REGO_HE_NET;
	} else if (!host_allowed(cfg, host)) {
		snprintf(msg, msglen,
		    "disallowed host: %s (not among the hosts this server allows)", host);
		rc = REGO_HE_DENIED;
	}
	curl_free(scheme);
	curl_free(host);
	return rc;
}

enum rego_http_err
rego_http_check_url(
    const struct writ_rego_http *cfg, const char *method, const char *url, char *msg, size_t msglen)
{
	CURLU *u = curl_url();
	enum rego_http_err rc;

	if (u == NULL)
		return REGO_HE_NOMEM;
	rc = url_check(cfg, u, method, url, msg, msglen);
	curl_url_cleanup(u);
	return rc;
}

/* ---------------------------------------------------------------------------
 * The response, as curl hands it over.
 */

/* The reason phrase of a status line without one (HTTP/2), as Go's StatusText. */
static const char *
reason(long code)
{
	static const struct {
		long code;
		const char *text;
	} texts[] = {{200, "OK"}, {201, "Created"}, {202, "Accepted"},
	    {203, "Non-Authoritative Information"}, {204, "No Content"}, {206, "Partial Content"},
	    {300, "Multiple Choices"}, {301, "Moved Permanently"}, {302, "Found"},
	    {303, "See Other"}, {304, "Not Modified"}, {307, "Temporary Redirect"},
	    {308, "Permanent Redirect"}, {400, "Bad Request"}, {401, "Unauthorized"},
	    {403, "Forbidden"}, {404, "Not Found"}, {405, "Method Not Allowed"}, {409, "Conflict"},
	    {410, "Gone"}, {412, "Precondition Failed"}, {414, "Request-URI Too Long"},
	    {429, "Too Many Requests"}, {500, "Internal Server Error"}, {501, "Not Implemented"},
	    {502, "Bad Gateway"}, {503, "Service Unavailable"}, {504, "Gateway Timeout"}};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(texts); i++)
		if (texts[i].code == code)
			return texts[i].text;
	return NULL;
}

/* A status line ("HTTP/1.1 200 OK"): start a new response, status "200 OK". */
static size_t
status_line(struct hx *x, const char *p, size_t len)
{
	struct rego_http_fetched *f = x->f;
	size_t i = 0, start;
	const char *why;
	long code = 0;

	writ_buf_reset(&f->status);
	writ_buf_reset(&f->hdrs);
	f->nhdrs = 0;
	while (i < len && p[i] != ' ')
		i++;
	while (i < len && p[i] == ' ')
		i++;
	start = i;
	while (i < len && p[i] >= '0' && p[i] <= '9' && i - start < 3)
		code = code * 10 + (p[i++] - '0');
	while (len > start && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len - start > MAX_STATUS)
		len = start + MAX_STATUS;
	if (writ_buf_append(&f->status, p + start, len - start) != WRIT_OK)
		x->oom = true;
	else if (len == i && (why = reason(code)) != NULL &&
	    writ_buf_appendf(&f->status, " %s", why) != WRIT_OK)
		x->oom = true;
	return x->oom ? 0 : 1;
}

/* One header line: kept as "name\0value\0", the name lower-cased. */
static size_t
header_line(struct hx *x, const char *p, size_t len)
{
	struct rego_http_fetched *f = x->f;
	const char *colon = memchr(p, ':', len), *v;
	size_t nl, vl, need, i;

	if (colon == NULL || colon == p || p[0] == ' ' || p[0] == '\t')
		return 1; /* not a field (or an obsolete folded line): skipped */
	nl = (size_t)(colon - p);
	while (nl > 0 && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
		nl--;
	v = colon + 1;
	vl = len - (size_t)(v - p);
	while (vl > 0 && (v[0] == ' ' || v[0] == '\t')) {
		v++;
		vl--;
	}
	while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
		vl--;
	if (nl == 17 && strncasecmp(p, "transfer-encoding", 17) == 0)
		return 1; /* Go's client keeps it out of the header map */
	need = nl + vl + 2;
	if (f->nhdrs == MAX_HDRS || need > MAX_HDR_BYTES || f->hdrs.len > MAX_HDR_BYTES - need) {
		x->hdrs_over = true;
		return 0;
	}
	i = f->hdrs.len;
	if (writ_buf_append(&f->hdrs, p, nl) != WRIT_OK ||
	    writ_buf_append(&f->hdrs, "", 1) != WRIT_OK ||
	    writ_buf_append(&f->hdrs, v, vl) != WRIT_OK ||
	    writ_buf_append(&f->hdrs, "", 1) != WRIT_OK) {
		x->oom = true;
		return 0;
	}
	for (; i < f->hdrs.len && f->hdrs.ptr[i] != '\0'; i++)
		if (f->hdrs.ptr[i] >= 'A' && f->hdrs.ptr[i] <= 'Z')
			f->hdrs.ptr[i] = (char)(f->hdrs.ptr[i] - 'A' + 'a');
	f->nhdrs++;
	return 1;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct hx *x = arg;
	size_t len = size * n, line = len;

	while (line > 0 && (p[line - 1] == '\n' || p[line - 1] == '\r'))
		line--;
	if (line == 0)
		return len;
	if (line >= 5 && memcmp(p, "HTTP/", 5) == 0)
		return status_line(x, p, line) ? len : 0;
	return header_line(x, p, line) ? len : 0;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct hx *x = arg;
	size_t len = size * n;

	if (len > x->max_body - x->f->body.len) {
		x->body_over = true;
		return 0;
	}
	if (writ_buf_append(&x->f->body, p, len) != WRIT_OK) {
		x->oom = true;
		return 0;
	}
	return len;
}

void
rego_http_fetched_free(struct rego_http_fetched *f)
{
	writ_buf_free(&f->status);
	writ_buf_free(&f->hdrs);
	writ_buf_free(&f->body);
}

/* ---------------------------------------------------------------------------
 * The request.
 */

/* The options that stay the same for every attempt and redirect. */
static bool
setup(CURL *h, const struct rego_http_req *r, struct hx *x)
{
	bool ok = true;

	ok &= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_HEADERDATA, x) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_WRITEDATA, x) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_USERAGENT, USER_AGENT) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max_body) == CURLE_OK;
	if (r->insecure) {
		ok &= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L) == CURLE_OK;
		ok &= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L) == CURLE_OK;
	}
	if (r->ca != NULL) {
		struct curl_blob b = {(void *)(uintptr_t)r->ca, r->calen, CURL_BLOB_NOCOPY};

		ok &= curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b) == CURLE_OK;
	}
	if (r->ca_file != NULL)
		ok &= curl_easy_setopt(h, CURLOPT_CAINFO, r->ca_file) == CURLE_OK;
	if ((r->ca != NULL || r->ca_file != NULL) && !r->system_certs)
		ok &= curl_easy_setopt(h, CURLOPT_CAPATH, NULL) == CURLE_OK;
	if (r->cert != NULL && r->key != NULL) {
		struct curl_blob c = {(void *)(uintptr_t)r->cert, r->certlen, CURL_BLOB_NOCOPY};
		struct curl_blob k = {(void *)(uintptr_t)r->key, r->keylen, CURL_BLOB_NOCOPY};

		ok &= curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &c) == CURLE_OK;
		ok &= curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM") == CURLE_OK;
		ok &= curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &k) == CURLE_OK;
		ok &= curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM") == CURLE_OK;
	}
	if (r->cert_file != NULL && r->key_file != NULL) {
		ok &= curl_easy_setopt(h, CURLOPT_SSLCERT, r->cert_file) == CURLE_OK;
		ok &= curl_easy_setopt(h, CURLOPT_SSLKEY, r->key_file) == CURLE_OK;
	}
	return ok;
}

/* The method and body of one hop. */
static bool
set_method(CURL *h, const char *method, const struct rego_http_req *r, bool send_body)
{
	bool ok = true;

	ok &= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) == CURLE_OK;
	if (strcmp(method, "HEAD") == 0)
		return ok && curl_easy_setopt(h, CURLOPT_NOBODY, 1L) == CURLE_OK;
	if (send_body) {
		ok &= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->bodylen) ==
		    CURLE_OK;
		ok &= curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body != NULL ? r->body : "") ==
		    CURLE_OK;
	}
	if (strcmp(method, send_body ? "POST" : "GET") != 0)
		ok &= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method) == CURLE_OK;
	return ok;
}

/* Whether header line h ("Name: value" or "Name;") is named name (len bytes). */
static bool
hdr_is(const char *h, const char *name, size_t len)
{
	return strncasecmp(h, name, len) == 0 && (h[len] == ':' || h[len] == ';');
}

static bool
has_hdr(const struct rego_http_req *r, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < r->nhdrs; i++)
		if (hdr_is(r->hdrs[i], name, len))
			return true;
	return false;
}

/* Credentials Go's client drops on a redirect to another host. */
static bool
sensitive(const char *h)
{
	static const char *const names[] = {
	    "Authorization", "Cookie", "Cookie2", "Host", "Www-Authenticate"};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(names); i++)
		if (hdr_is(h, names[i], strlen(names[i])))
			return true;
	return false;
}

/* Append "name: value" to *l; false when out of memory (*l freed). */
static bool
append_hdr(struct curl_slist **l, const char *name, const char *value)
{
	struct writ_buf b;
	struct curl_slist *n = NULL;

	writ_buf_init(&b, 0);
	if (writ_buf_appendf(&b, "%s: %s", name, value) == WRIT_OK)
		n = curl_slist_append(*l, b.ptr);
	writ_buf_free(&b);
	if (n == NULL) {
		curl_slist_free_all(*l);
		*l = NULL;
		return false;
	}
	*l = n;
	return true;
}

/*
 * The header lines of one hop: the request's (less credentials after a
 * redirect to another host), what turns curl's own defaults off (Accept,
 * Expect, a form Content-Type), and the revalidation's conditions.
 */
static bool
build_hdrs(const struct rego_http_req *r, bool cross, bool send_body, struct curl_slist **out)
{
	static const char *const off[] = {"Accept:", "Expect:", "Content-Type:"};
	struct curl_slist *l = NULL, *n;
	size_t i;

	for (i = 0; i < r->nhdrs; i++) {
		if (cross && sensitive(r->hdrs[i]))
			continue;
		if ((n = curl_slist_append(l, r->hdrs[i])) == NULL)
			goto oom;
		l = n;
	}
	for (i = 0; i < WRIT_ARRAY_LEN(off); i++) {
		char name[16];

		snprintf(name, sizeof(name), "%.*s", (int)strlen(off[i]) - 1, off[i]);
		if (has_hdr(r, name) || (i == 2 && !send_body))
			continue;
		if ((n = curl_slist_append(l, off[i])) == NULL)
			goto oom;
		l = n;
	}
	if (r->etag != NULL && !append_hdr(&l, "If-None-Match", r->etag))
		return false;
	if (r->last_modified != NULL && !append_hdr(&l, "If-Modified-Since", r->last_modified))
		return false;
	*out = l;
	return true;
oom:
	curl_slist_free_all(l);
	return false;
}

/* What one hop is: its method, body, URL (for messages) and whether it left the first host. */
struct hop {
	const char *method;
	bool send_body, cross;
	const char *url;
	uint64_t start_ms; /* when the attempt began: the timeout covers its redirects */
};

/* The time one hop may take: *eval when the evaluation's deadline is the nearer. */
static uint64_t
hop_time(const struct rego_http_req *r, const struct hop *hp, bool *eval)
{
	uint64_t now = writ_time_mono_ms(), end = hp->start_ms + r->timeout_ms, left;

	left = end > now ? end - now : 0;
	*eval = false;
	if (r->deadline_ms != 0 && (r->deadline_ms <= now || r->deadline_ms - now <= left)) {
		*eval = true;
		left = r->deadline_ms > now ? r->deadline_ms - now : 0;
	}
	return left;
}

static enum rego_http_err
hop_error(
    const struct hx *x, CURLcode cc, bool eval, const struct hop *hp, char *msg, size_t msglen)
{
	char op[16];

	op_name(hp->method, op, sizeof(op));
	if (x->oom || cc == CURLE_OUT_OF_MEMORY)
		return REGO_HE_NOMEM;
	if (x->body_over || cc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(msg, msglen,
		    "%s \"%s\": response body larger than %zu bytes (this server's limit)", op,
		    hp->url, x->max_body);
		return REGO_HE_INTERNAL;
	}
	if (x->hdrs_over) {
		snprintf(msg, msglen, "%s \"%s\": response headers over %zu bytes or %d lines", op,
		    hp->url, MAX_HDR_BYTES, MAX_HDRS);
		return REGO_HE_INTERNAL;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT && eval) {
		snprintf(msg, msglen, "timed out (evaluation exceeded its time limit)");
		return REGO_HE_CANCEL;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT)
		snprintf(msg, msglen, "%s \"%s\": request timed out", op, hp->url);
	else
		snprintf(msg, msglen, "%s \"%s\": %s", op, hp->url,
		    x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(cc));
	return REGO_HE_NET;
}

/* Send one hop and read its response. */
static enum rego_http_err
exchange(CURL *h, CURLU *u, const struct rego_http_req *r, const struct hop *hp, struct hx *x,
    char *msg, size_t msglen)
{
	struct curl_slist *hdrs = NULL;
	uint64_t left;
	bool eval, ok = true;
	CURLcode cc;

	if ((left = hop_time(r, hp, &eval)) == 0)
		return hop_error(x, CURLE_OPERATION_TIMEDOUT, eval, hp, msg, msglen);
	if (!build_hdrs(r, hp->cross, hp->send_body, &hdrs))
		return REGO_HE_NOMEM;
	writ_buf_reset(&x->f->status);
	writ_buf_reset(&x->f->hdrs);
	writ_buf_reset(&x->f->body);
	x->f->nhdrs = 0;
	x->errbuf[0] = '\0';
	ok &= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left > LONG_MAX ? LONG_MAX : (long)left) ==
	    CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_CURLU, u) == CURLE_OK;
	ok &= curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs) == CURLE_OK;
	ok &= set_method(h, hp->method, r, hp->send_body);
	cc = ok ? curl_easy_perform(h) : CURLE_BAD_FUNCTION_ARGUMENT;
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	if (cc != CURLE_OK || x->oom || x->body_over || x->hdrs_over)
		return hop_error(x, cc, eval, hp, msg, msglen);
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x->f->code) != CURLE_OK)
		x->f->code = 0;
	return REGO_HE_OK;
}

static bool
is_redirect(long code)
{
	return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

/* The host of u, for comparing hops; NULL when out of memory. */
static char *
url_host(CURLU *u)
{
	char *host = NULL;

	return curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK ? host : NULL;
}

/* Move hp to the redirect's target (loc, held in *url): checked, method adjusted. */
static enum rego_http_err
follow(CURLU *u, const struct rego_http_req *r, struct hop *hp, const char *loc,
    struct writ_buf *url, char *msg, size_t msglen)
{
	char *from = url_host(u), *to = NULL;
	enum rego_http_err rc;

	writ_buf_reset(url);
	if (from == NULL || writ_buf_appends(url, loc) != WRIT_OK) {
		curl_free(from);
		return REGO_HE_NOMEM;
	}
	if ((rc = url_check(r->cfg, u, hp->method, url->ptr, msg, msglen)) == REGO_HE_OK) {
		if ((to = url_host(u)) == NULL)
			rc = REGO_HE_NOMEM;
		else if (strcasecmp(from, to) != 0)
			hp->cross = true;
	}
	curl_free(from);
	curl_free(to);
	hp->url = url->ptr;
	return rc;
}

/* One attempt: the request and the redirects it is allowed to follow. */
static enum rego_http_err
attempt(CURL *h, CURLU *u, const struct rego_http_req *r, struct hx *x, struct writ_buf *url,
    char *msg, size_t msglen)
{
	struct hop hp = {r->method, r->send_body, false, r->url, writ_time_mono_ms()};
	enum rego_http_err rc;
	char *loc = NULL, op[16];
	int n;

	if ((rc = url_check(r->cfg, u, r->method, r->url, msg, msglen)) != REGO_HE_OK)
		return rc;
	for (n = 0;; n++) {
		if ((rc = exchange(h, u, r, &hp, x, msg, msglen)) != REGO_HE_OK)
			return rc;
		if (!r->redirect || !is_redirect(x->f->code) ||
		    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK || loc == NULL)
			return REGO_HE_OK;
		if (n == MAX_REDIRECTS) {
			op_name(hp.method, op, sizeof(op));
			snprintf(msg, msglen, "%s \"%s\": stopped after %d redirects", op, hp.url,
			    MAX_REDIRECTS);
			return REGO_HE_NET;
		}
		if (x->f->code != 307 && x->f->code != 308 && strcmp(hp.method, "GET") != 0 &&
		    strcmp(hp.method, "HEAD") != 0) {
			hp.method = "GET";
			hp.send_body = false;
		}
		if ((rc = follow(u, r, &hp, loc, url, msg, msglen)) != REGO_HE_OK)
			return rc;
	}
}

/* Wait before retry n (0: the first); false when the evaluation's time would not allow it. */
static bool
backoff(const struct rego_http_req *r, uint64_t n)
{
	uint64_t ms = n >= 10 ? RETRY_MAX_MS : RETRY_MIN_MS << n, now = writ_time_mono_ms();
	struct timespec ts;

	if (ms > RETRY_MAX_MS)
		ms = RETRY_MAX_MS;
	if (r->deadline_ms != 0 && (r->deadline_ms <= now || r->deadline_ms - now <= ms))
		return false;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0)
		;
	return true;
}

enum rego_http_err
rego_http_fetch(
    const struct rego_http_req *r, struct rego_http_fetched *out, char *msg, size_t msglen)
{
	struct hx x = {.f = out};
	struct writ_buf url;
	enum rego_http_err rc;
	CURL *h = NULL;
	CURLU *u = NULL;
	uint64_t n;

	memset(out, 0, sizeof(*out));
	writ_buf_init(&out->status, 0);
	writ_buf_init(&out->hdrs, 0);
	writ_buf_init(&out->body, 0);
	writ_buf_init(&url, 0);
	x.max_body = r->cfg->max_body_bytes != 0 ? r->cfg->max_body_bytes : WRIT_REGO_HTTP_MAX_BODY;
	if (pthread_once(&curl_once, curl_init) != 0 || curl_init_rc != CURLE_OK) {
		snprintf(msg, msglen, "cannot initialise libcurl");
		return REGO_HE_INTERNAL;
	}
	if ((h = curl_easy_init()) == NULL || (u = curl_url()) == NULL) {
		rc = REGO_HE_NOMEM;
	} else if (!setup(h, r, &x)) {
		snprintf(msg, msglen, "libcurl refused an option (TLS settings?)");
		rc = REGO_HE_INTERNAL;
	} else {
		for (n = 0;; n++) {
			rc = attempt(h, u, r, &x, &url, msg, msglen);
			if (rc != REGO_HE_NET || n >= r->retries || !backoff(r, n))
				break;
		}
	}
	curl_url_cleanup(u);
	curl_easy_cleanup(h);
	writ_buf_free(&url);
	return rc;
}
