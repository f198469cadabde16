/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.send(request) as OPA's policy reference defines it, for evaluations
 * whose caller enabled it (struct writ_rego_http): the request object read
 * and checked, the URL's host checked against the allowed hosts, the
 * query's own cache (one network request per distinct request object in a
 * query, errors included), the inter-query cache (cache / force_cache:
 * Cache-Control max-age and no-store, Expires, force_cache_duration_seconds,
 * revalidation of a stale entry with its ETag / Last-Modified), and the
 * response object: status, status_code, headers (lower-cased names, each an
 * array of values), raw_body, and body decoded as JSON or YAML when the
 * Content-Type says so or the request forces it (null otherwise, and when
 * it does not decode).  http_fetch.c does the exchange.
 *
 * Errors as OPA shows them: a bad request value or a network failure is an
 * eval_builtin_error "http.send: ..." (undefined unless builtin errors are
 * strict), or with raise_error false the object {"status_code": 0,
 * "error": {"code": "eval_http_send_network_error" or
 * "eval_http_send_internal_error", "message": ...}}.  A host that is not
 * allowed, a request parameter this server does not support and the
 * evaluation's time limit halt the query whatever raise_error says.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "writ/base.h"
#include "writ/rego.h"

#include "rego/builtins/families_ext.h"
#include "rego/eval.h"
#include "rego/http_send.h"
#include "rego/value.h"

#define MSG_LEN      512
#define MAX_KEY_TEXT ((size_t)1 << 20) /* a longer request is not kept across queries */
#define NET_ERR      "eval_http_send_network_error"
#define INTERNAL_ERR "eval_http_send_internal_error"

/* A result of this query: the intra-query cache. */
struct rego_http_memo {
	const struct rego_val *key;
	const struct rego_val *val; /* the response or error object, or NULL: */
	const char *msg;            /* the error raised (raise_error true) */
	struct rego_http_memo *next;
};

/* One call of http.send. */
struct hsend {
	struct rego_ev *e;
	const struct rego_term *call;
	const struct writ_rego_http *cfg;
	struct rego_http_req r;
	const struct rego_val *body, *raw_body, *headers;
	bool raise_error, force_json, force_yaml, cache, force_cache;
	bool has_force_secs;
	int64_t force_secs;
	bool has_timeout;
	int64_t timeout_ns;         /* when has_timeout; 0 or less: none (the cap) */
	const struct rego_val *key; /* the request less its cache_ignored_headers */
	struct writ_buf keytext;    /* key in Rego syntax: the inter-query cache's key */
	bool inter;                 /* the inter-query cache applies */
	const struct rego_val *val; /* the outcome: the response object, */
	const char *code;           /* or an error's code and msg */
	char msg[MSG_LEN];
};

static int bad(struct hsend *s, const char *fmt, ...) WRIT_PRINTF(2, 3);

/* A request error: shown as raise_error says. */
static int
bad(struct hsend *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
	s->code = INTERNAL_ERR;
	return EV_OK;
}

static int
oom(struct hsend *s)
{
	return rego_ev_oom(s->e, WRIT_ELIMIT, NULL);
}

/* A string value's text, NUL-free (it is used as a C string), or a request error. */
static int
cstr(struct hsend *s, const char *name, const struct rego_val *v, const char **out)
{
	if (v->type != REGO_STRING)
		return bad(s, "\"%s\" must be a string", name);
	if (memchr(v->u.s, '\0', v->len) != NULL)
		return bad(s, "\"%s\" must not contain a NUL byte", name);
	*out = v->u.s;
	return EV_OK;
}

/* ---------------------------------------------------------------------------
 * The request object.
 */

/* RFC 9110 token characters (methods, header names). */
static bool
token(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL)))
			return false;
	}
	return len > 0;
}

static int
k_method(struct hsend *s, const struct rego_val *v)
{
	char *m;
	size_t i;

	if (v->type != REGO_STRING)
		return bad(s, "\"method\" must be a string");
	if (v->len == 0) { /* Go's http.NewRequest: "" means GET */
		s->r.method = "GET";
		return EV_OK;
	}
	if (!token(v->u.s, v->len))
		return bad(
		    s, "net/http: invalid method %.*s", (int)(v->len > 64 ? 64 : v->len), v->u.s);
	if ((m = writ_arena_strndup(s->e->a, v->u.s, v->len)) == NULL)
		return oom(s);
	for (i = 0; m[i] != '\0'; i++)
		if (m[i] >= 'a' && m[i] <= 'z')
			m[i] = (char)(m[i] - 'a' + 'A');
	s->r.method = m;
	return EV_OK;
}

/* tls_ca_cert: PEM, with literal "\n" sequences read as newlines as OPA does. */
static int
k_ca(struct hsend *s, const struct rego_val *v)
{
	char *p;
	size_t i, n = 0;

	if (v->type != REGO_STRING)
		return bad(s, "\"tls_ca_cert\" must be a string");
	if ((p = writ_arena_alloc(s->e->a, v->len + 1)) == NULL)
		return oom(s);
	for (i = 0; i < v->len; i++) {
		if (v->u.s[i] == '\\' && i + 1 < v->len && v->u.s[i + 1] == 'n') {
			p[n++] = '\n';
			i++;
		} else {
			p[n++] = v->u.s[i];
		}
	}
	p[n] = '\0';
	s->r.ca = p;
	s->r.calen = n;
	return EV_OK;
}

/* timeout: nanoseconds as a number, or a string of them, or a Go duration. */
static int
k_timeout(struct hsend *s, const struct rego_val *v)
{
	uint64_t u;
	int64_t ns;

	if (v->type == REGO_NUMBER) {
		if (!rego_num_i64(v, &ns))
			return bad(s, "invalid timeout number value %.*s, must be int64",
			    (int)(v->len > 64 ? 64 : v->len), v->u.num.text ? v->u.num.text : "");
	} else if (v->type == REGO_STRING) {
		if (writ_parse_u64(v->u.s, v->len, &u) == WRIT_OK && u <= INT64_MAX)
			ns = (int64_t)u;
		else if (!rego_go_duration(v->u.s, v->len, &ns))
			return bad(s, "invalid timeout value \"%.*s\": time: invalid duration",
			    (int)(v->len > 64 ? 64 : v->len), v->u.s);
	} else {
		return bad(
		    s, "'timeout' must be one of {string, number} but got %s", rego_type_name(v));
	}
	s->timeout_ns = ns;
	s->has_timeout = true;
	return EV_OK;
}

/* tls_client_cert and tls_client_key: PEM, handed to libcurl with their length. */
static int
k_cert(struct hsend *s, const struct rego_val *v)
{
	if (v->type != REGO_STRING)
		return bad(s, "\"tls_client_cert\" must be a string");
	s->r.cert = v->u.s;
	s->r.certlen = v->len;
	return EV_OK;
}

static int
k_key(struct hsend *s, const struct rego_val *v)
{
	if (v->type != REGO_STRING)
		return bad(s, "\"tls_client_key\" must be a string");
	s->r.key = v->u.s;
	s->r.keylen = v->len;
	return EV_OK;
}

static int
k_retries(struct hsend *s, const struct rego_val *v)
{
	int64_t n;

	if (v->type != REGO_NUMBER || !rego_num_i64(v, &n) || n < 0)
		return bad(s, "invalid value for field \"max_retry_attempts\"");
	s->r.retries = (uint64_t)n;
	return EV_OK;
}

static int
k_force_secs(struct hsend *s, const struct rego_val *v)
{
	int64_t n;

	if (v->type != REGO_NUMBER || !rego_num_i64(v, &n) || n < INT32_MIN || n > INT32_MAX)
		return bad(s, "invalid value for \"force_cache_duration_seconds\" field");
	s->force_secs = n;
	s->has_force_secs = true;
	return EV_OK;
}

static int
k_caching_mode(struct hsend *s, const struct rego_val *v)
{
	if (v->type != REGO_STRING)
		return bad(s, "invalid value for \"caching_mode\" field");
	if (strcmp(v->u.s, "serialized") != 0 && strcmp(v->u.s, "deserialized") != 0)
		return bad(s, "invalid value specified for \"caching_mode\" field: %.*s",
		    (int)(v->len > 64 ? 64 : v->len), v->u.s);
	return EV_OK; /* both keep the response as received here */
}

static int
k_ignored(struct hsend *s, const struct rego_val *v)
{
	size_t i;

	if (v->type == REGO_NULL)
		return EV_OK;
	for (i = 0; v->type == REGO_ARRAY && i < v->len; i++)
		if (v->u.elems[i]->type != REGO_STRING)
			break;
	if (v->type != REGO_ARRAY || i < v->len)
		return bad(s, "cache_ignored_headers must be an array of strings");
	return EV_OK;
}

/* Parameters this server does not implement: refused, never ignored. */
static int
k_unsupported(struct hsend *s, const char *name)
{
	bool env = strstr(name, "_env_variable") != NULL;

	return rego_ev_fail(s->e, "eval_builtin_error", &s->call->loc,
	    "http.send: request parameter \"%s\" is not supported by this server%s", name,
	    env ? " (policies may not read the server's environment)" : "");
}

enum hkind {
	HK_BOOL, /* a boolean at off */
	HK_STR,  /* a NUL-free string at off */
	HK_VAL,  /* any value at off (read later) */
	HK_FN,   /* fn checks and keeps it */
	HK_NONE, /* read elsewhere (raise_error, url) */
	HK_UNSUPPORTED,
};

struct hkey {
	const char *name;
	enum hkind kind;
	size_t off;
	int (*fn)(struct hsend *s, const struct rego_val *v);
};

#define OFF(m) offsetof(struct hsend, m)

/* Every key eval_native.c lets through, sorted by name. */
static const struct hkey hkeys[] = {
    {"body", HK_VAL, OFF(body), NULL},
    {"cache", HK_BOOL, OFF(cache), NULL},
    {"cache_ignored_headers", HK_FN, 0, k_ignored},
    {"caching_mode", HK_FN, 0, k_caching_mode},
    {"enable_redirect", HK_BOOL, OFF(r.redirect), NULL},
    {"force_cache", HK_BOOL, OFF(force_cache), NULL},
    {"force_cache_duration_seconds", HK_FN, 0, k_force_secs},
    {"force_json_decode", HK_BOOL, OFF(force_json), NULL},
    {"force_yaml_decode", HK_BOOL, OFF(force_yaml), NULL},
    {"headers", HK_VAL, OFF(headers), NULL},
    {"max_retry_attempts", HK_FN, 0, k_retries},
    {"method", HK_FN, 0, k_method},
    {"raise_error", HK_NONE, 0, NULL},
    {"raw_body", HK_VAL, OFF(raw_body), NULL},
    {"timeout", HK_FN, 0, k_timeout},
    {"tls_ca_cert", HK_FN, 0, k_ca},
    {"tls_ca_cert_env_variable", HK_UNSUPPORTED, 0, NULL},
    {"tls_ca_cert_file", HK_STR, OFF(r.ca_file), NULL},
    {"tls_client_cert", HK_FN, 0, k_cert},
    {"tls_client_cert_env_variable", HK_UNSUPPORTED, 0, NULL},
    {"tls_client_cert_file", HK_STR, OFF(r.cert_file), NULL},
    {"tls_client_key", HK_FN, 0, k_key},
    {"tls_client_key_env_variable", HK_UNSUPPORTED, 0, NULL},
    {"tls_client_key_file", HK_STR, OFF(r.key_file), NULL},
    {"tls_insecure_skip_verify", HK_BOOL, OFF(r.insecure), NULL},
    {"tls_server_name", HK_UNSUPPORTED, 0, NULL},
    {"tls_use_system_certs", HK_BOOL, OFF(r.system_certs), NULL},
    {"url", HK_NONE, 0, NULL},
};

static int
hkey_cmp(const void *a, const void *b)
{
	return strcmp(a, ((const struct hkey *)b)->name);
}

/* Read one parameter of the request into s. */
static int
read_key(struct hsend *s, const char *name, const struct rego_val *v)
{
	const struct hkey *k =
	    bsearch(name, hkeys, WRIT_ARRAY_LEN(hkeys), sizeof(hkeys[0]), hkey_cmp);
	char *field;

	if (k == NULL) /* eval_native.c checked the names against OPA's list */
		return bad(s, "invalid parameter \"%s\"", name);
	field = (char *)s + k->off;
	switch (k->kind) {
	case HK_BOOL:
		if (v->type != REGO_BOOL)
			return bad(s, "invalid value for \"%s\" field", name);
		*(bool *)(void *)field = v->u.b;
		return EV_OK;
	case HK_STR:
		return cstr(s, name, v, (const char **)(void *)field);
	case HK_VAL:
		*(const struct rego_val **)(void *)field = v;
		return EV_OK;
	case HK_FN:
		return k->fn(s, v);
	case HK_UNSUPPORTED:
		return k_unsupported(s, name);
	case HK_NONE:
		break;
	}
	return EV_OK;
}

/* Go's http.CanonicalHeaderKey: "x-api-key" -> "X-Api-Key". */
static void
canonical(char *p, size_t len)
{
	size_t i;
	bool up = true;

	for (i = 0; i < len; i++) {
		if (up && p[i] >= 'a' && p[i] <= 'z')
			p[i] = (char)(p[i] - 'a' + 'A');
		else if (!up && p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] - 'A' + 'a');
		up = p[i] == '-';
	}
}

/* One header of the request as a line for curl ("Name: value", or "Name;" when empty). */
static int
header_line(struct hsend *s, const struct rego_val *k, const struct rego_val *v, const char **out)
{
	static const char *const dropped[] = {"content-length", "trailer", "transfer-encoding"};
	size_t i, len;
	char *p;

	*out = NULL;
	if (k->type != REGO_STRING)
		return bad(s, "invalid type for headers key");
	if (v->type != REGO_STRING)
		return bad(s, "invalid type for headers value %s", rego_type_name(v));
	if (!token(k->u.s, k->len))
		return bad(s, "net/http: invalid header field name %.*s",
		    (int)(k->len > 64 ? 64 : k->len), k->u.s);
	for (i = 0; i < v->len; i++)
		if (v->u.s[i] == '\r' || v->u.s[i] == '\n' || v->u.s[i] == '\0')
			return bad(s, "net/http: invalid header field value for %.*s",
			    (int)(k->len > 64 ? 64 : k->len), k->u.s);
	for (i = 0; i < WRIT_ARRAY_LEN(dropped); i++) /* the body decides these, as in Go */
		if (k->len == strlen(dropped[i]) && strncasecmp(k->u.s, dropped[i], k->len) == 0)
			return EV_OK;
	if (__builtin_add_overflow(k->len, v->len, &len) || __builtin_add_overflow(len, 3, &len) ||
	    (p = writ_arena_alloc(s->e->a, len)) == NULL)
		return oom(s);
	memcpy(p, k->u.s, k->len);
	canonical(p, k->len);
	if (v->len == 0) {
		memcpy(p + k->len, ";", 2);
	} else {
		memcpy(p + k->len, ": ", 2);
		memcpy(p + k->len + 2, v->u.s, v->len);
		p[k->len + 2 + v->len] = '\0';
	}
	*out = p;
	return EV_OK;
}

static int
read_headers(struct hsend *s)
{
	const struct rego_val *h = s->headers;
	const char **lines;
	size_t i;
	int rc;

	if (h == NULL)
		return EV_OK;
	if (h->type != REGO_OBJECT)
		return bad(s, "invalid type for headers key");
	if ((lines = writ_arena_calloc(s->e->a, h->len + 1, sizeof(*lines))) == NULL)
		return oom(s);
	for (i = 0; i < h->len; i++) {
		const char *line;

		rc = header_line(s, h->u.kvs[i].key, h->u.kvs[i].val, &line);
		if (rc != EV_OK || s->code != NULL)
			return rc;
		if (line != NULL)
			lines[s->r.nhdrs++] = line;
	}
	s->r.hdrs = lines;
	return EV_OK;
}

/* The body: raw_body as it is, else body as JSON; POST, PUT and PATCH always send one. */
static int
read_body(struct hsend *s)
{
	const char *m = s->r.method;
	struct writ_err we = {0};
	struct writ_buf b;
	char *p;

	if (s->raw_body != NULL) {
		if (s->raw_body->type != REGO_STRING)
			return bad(s, "\"raw_body\" must be a string");
		s->r.body = s->raw_body->u.s;
		s->r.bodylen = s->raw_body->len;
	} else if (s->body != NULL) {
		writ_buf_init(&b, 0);
		if (rego_json_write(&b, s->body, NULL, &we) != WRIT_OK ||
		    (p = writ_arena_strndup(s->e->a, b.ptr, b.len)) == NULL) {
			writ_buf_free(&b);
			return oom(s);
		}
		s->r.body = p;
		s->r.bodylen = b.len;
		writ_buf_free(&b);
	}
	s->r.send_body = s->r.body != NULL || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
	    strcmp(m, "PATCH") == 0;
	return EV_OK;
}

/*
 * The request's timeout in ms: its own, else the default; 0 or less means
 * none (as in Go), so the cap.  Never more than the cap.
 */
static void
set_timeout(struct hsend *s)
{
	uint64_t max =
	    s->cfg->max_timeout_ms ? s->cfg->max_timeout_ms : WRIT_REGO_HTTP_MAX_TIMEOUT_MS;
	uint64_t t = s->cfg->timeout_ms ? s->cfg->timeout_ms : WRIT_REGO_HTTP_TIMEOUT_MS;

	if (s->has_timeout && s->timeout_ns <= 0)
		t = max;
	else if (s->has_timeout)
		t = ((uint64_t)s->timeout_ns + 999999) / 1000000;
	s->r.timeout_ms = t > max ? max : t;
	if (s->r.timeout_ms == 0)
		s->r.timeout_ms = 1;
}

/* Checks between parameters, after all are read. */
static int
check_pairs(struct hsend *s)
{
	if (s->force_cache && !s->has_force_secs)
		return bad(
		    s, "'force_cache' set but 'force_cache_duration_seconds' parameter is missing");
	if ((s->r.cert == NULL) != (s->r.key == NULL) ||
	    (s->r.cert_file == NULL) != (s->r.key_file == NULL))
		return bad(s, "a client certificate needs both its certificate and its key");
	if (s->r.cert != NULL && s->r.cert_file != NULL)
		return bad(s, "give the client certificate inline or as files, not both");
	if (s->r.ca != NULL && s->r.ca_file != NULL)
		return bad(s, "give tls_ca_cert or tls_ca_cert_file, not both");
	return EV_OK;
}

/* Read and check the whole request. */
static int
read_req(struct hsend *s, const struct rego_val *req)
{
	const struct rego_val *v;
	size_t i;
	int rc = EV_OK;

	s->raise_error = true;
	s->r.method = "GET";
	if ((v = rego_object_get_str(req, "raise_error", 11)) != NULL) {
		if (v->type != REGO_BOOL)
			return bad(s, "invalid value for raise_error field");
		s->raise_error = v->u.b;
	}
	for (i = 0; i < req->len && rc == EV_OK && s->code == NULL; i++)
		rc = read_key(s, req->u.kvs[i].key->u.s, req->u.kvs[i].val);
	if (rc == EV_OK && s->code == NULL)
		rc = cstr(s, "url", rego_object_get_str(req, "url", 3), &s->r.url);
	if (rc == EV_OK && s->code == NULL)
		rc = read_headers(s);
	if (rc == EV_OK && s->code == NULL)
		rc = read_body(s);
	if (rc == EV_OK && s->code == NULL)
		rc = check_pairs(s);
	set_timeout(s);
	return rc;
}

/* What an exchange (or the URL's check) means for the call: go on, a request error, or a halt. */
static int
outcome(struct hsend *s, enum rego_http_err he)
{
	switch (he) {
	case REGO_HE_OK:
		return EV_OK;
	case REGO_HE_NET:
		s->code = NET_ERR;
		return EV_OK;
	case REGO_HE_INTERNAL:
		s->code = INTERNAL_ERR;
		return EV_OK;
	case REGO_HE_DENIED:
		return rego_ev_fail(
		    s->e, "eval_builtin_error", &s->call->loc, "http.send: %s", s->msg);
	case REGO_HE_CANCEL:
		return rego_ev_fail(
		    s->e, "eval_cancel_error", &s->call->loc, "http.send: %s", s->msg);
	case REGO_HE_NOMEM:
		break;
	}
	return rego_ev_oom(s->e, WRIT_ENOMEM, NULL);
}

/* ---------------------------------------------------------------------------
 * The cache key and the query's own cache.
 */

/* Put (name, v) into object builder b, name borrowed (a literal). */
static int
put(struct hsend *s, struct rego_builder *b, const char *name, const struct rego_val *v)
{
	const struct rego_val *k = NULL;
	struct writ_err we = {0};

	if (rego_string_borrow(s->e->a, name, strlen(name), &k, &we) != WRIT_OK ||
	    rego_builder_put(b, k, v, &we) != WRIT_OK)
		return oom(s);
	return EV_OK;
}

/* The headers h less those the array ign names. */
static int
filter_headers(struct hsend *s, const struct rego_val *h, const struct rego_val *ign,
    const struct rego_val **out)
{
	struct writ_err we = {0};
	struct rego_builder b;
	size_t i, j;

	rego_builder_init(&b, s->e->a, REGO_OBJECT);
	for (i = 0; i < h->len; i++) {
		for (j = 0; j < ign->len; j++)
			if (rego_equal(ign->u.elems[j], h->u.kvs[i].key))
				break;
		if (j == ign->len &&
		    rego_builder_put(&b, h->u.kvs[i].key, h->u.kvs[i].val, &we) != WRIT_OK)
			return oom(s);
	}
	if (rego_builder_finish(&b, out, &we) != WRIT_OK)
		return oom(s);
	return EV_OK;
}

/* OPA's cache key: the request, headers less cache_ignored_headers, which becomes null. */
static int
make_key(struct hsend *s, const struct rego_val *req)
{
	const struct rego_val *ign = rego_object_get_str(req, "cache_ignored_headers", 21), *v;
	struct writ_err we = {0};
	struct rego_builder b;
	size_t i;
	int rc;

	rego_builder_init(&b, s->e->a, REGO_OBJECT);
	for (i = 0; i < req->len; i++) {
		const struct rego_kv *kv = &req->u.kvs[i];

		v = kv->val;
		if (strcmp(kv->key->u.s, "headers") == 0 && ign != NULL &&
		    ign->type == REGO_ARRAY && v->type == REGO_OBJECT &&
		    (rc = filter_headers(s, v, ign, &v)) != EV_OK)
			return rc;
		if (rego_builder_put(&b, kv->key, v, &we) != WRIT_OK)
			return oom(s);
	}
	if ((rc = put(s, &b, "cache_ignored_headers", &rego_null_val)) != EV_OK)
		return rc;
	if (rego_builder_finish(&b, &s->key, &we) != WRIT_OK)
		return oom(s);
	return EV_OK;
}

static const struct rego_http_memo *
memo_find(const struct rego_ev *e, const struct rego_val *key)
{
	const struct rego_http_memo *m;

	for (m = e->http_memo; m != NULL; m = m->next)
		if (rego_equal(m->key, key))
			return m;
	return NULL;
}

/* An error with raise_error true: halts when builtin errors are strict, else undefined. */
static int
raise_err(struct hsend *s, const char *msg)
{
	if (!s->e->strict)
		return EV_OK;
	return rego_ev_fail(s->e, "eval_builtin_error", &s->call->loc, "http.send: %s", msg);
}

/* ---------------------------------------------------------------------------
 * The response object.
 */

/* The next "name\0value\0" pair of r from *p: false at the end. */
static bool
hdr_next(const struct rego_http_resp *r, const char **p, const char **name, size_t *nl,
    const char **val, size_t *vl)
{
	const char *end = r->hdrs + r->hdrslen;

	if (r->hdrs == NULL || *p >= end)
		return false;
	*name = *p;
	*nl = strnlen(*p, (size_t)(end - *p));
	if (*name + *nl >= end)
		return false;
	*val = *name + *nl + 1;
	*vl = strnlen(*val, (size_t)(end - *val));
	if (*val + *vl >= end)
		return false;
	*p = *val + *vl + 1;
	return true;
}

bool
rego_http_hdr(const struct rego_http_resp *r, const char *name, const char **val, size_t *len)
{
	const char *p = r->hdrs, *n;
	size_t nl;

	while (hdr_next(r, &p, &n, &nl, val, len))
		if (strcmp(n, name) == 0)
			return true;
	return false;
}

/* One header of a response, for grouping by name. */
struct hpair {
	const char *name, *val;
	size_t nl, vl, i;
};

static int
pair_cmp(const void *a, const void *b)
{
	const struct hpair *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* {"name": [values in order received], ...}. */
static int
headers_value(struct hsend *s, const struct rego_http_resp *r, const struct rego_val **out)
{
	struct writ_arena *a = s->e->a;
	const struct rego_val **elems, *arr, *name;
	struct writ_err we = {0};
	struct rego_builder b;
	struct hpair *v;
	const char *p = r->hdrs;
	size_t n = 0, i, j, k;

	if (r->nhdrs == 0) {
		*out = &rego_empty_object_val;
		return EV_OK;
	}
	if ((v = writ_arena_calloc(a, r->nhdrs, sizeof(*v))) == NULL ||
	    (elems = writ_arena_calloc(a, r->nhdrs, sizeof(*elems))) == NULL)
		return oom(s);
	while (n < r->nhdrs && hdr_next(r, &p, &v[n].name, &v[n].nl, &v[n].val, &v[n].vl)) {
		v[n].i = n;
		n++;
	}
	qsort(v, n, sizeof(*v), pair_cmp);
	rego_builder_init(&b, a, REGO_OBJECT);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && strcmp(v[j].name, v[i].name) == 0; j++)
			if (rego_string(a, v[j].val, v[j].vl, &elems[j - i], &we) != WRIT_OK)
				return oom(s);
		k = j - i;
		if (rego_array(a, elems, k, &arr, &we) != WRIT_OK ||
		    rego_string(a, v[i].name, v[i].nl, &name, &we) != WRIT_OK ||
		    rego_builder_put(&b, name, arr, &we) != WRIT_OK)
			return oom(s);
	}
	if (rego_builder_finish(&b, out, &we) != WRIT_OK)
		return oom(s);
	return EV_OK;
}

/* Go's mime.ParseMediaType, roughly: application/json or application/<x>+json. */
static bool
is_json(const struct rego_http_resp *r)
{
	const char *v, *semi;
	size_t len;

	if (!rego_http_hdr(r, "content-type", &v, &len))
		return false;
	if ((semi = memchr(v, ';', len)) != NULL)
		len = (size_t)(semi - v);
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len < 12 || strncasecmp(v, "application/", 12) != 0)
		return false;
	v += 12;
	len -= 12;
	return (len == 4 && strncasecmp(v, "json", 4) == 0) ||
	    (len > 5 && strncasecmp(v + len - 5, "+json", 5) == 0);
}

static bool
is_yaml(const struct rego_http_resp *r)
{
	const char *v;
	size_t len;

	return rego_http_hdr(r, "content-type", &v, &len) &&
	    (strstr(v, "application/yaml") != NULL || strstr(v, "application/x-yaml") != NULL);
}

/* The body as JSON or YAML when asked or labelled so; null otherwise or when it does not decode. */
static int
body_value(struct hsend *s, const struct rego_http_resp *r, const struct rego_val **out)
{
	struct rego_json_limits lim = {r->bodylen, 0};
	const struct rego_val *v = NULL;
	struct writ_err we = {0};
	struct writ_rego_error berr;
	struct rego_bctx c = {.arena = s->e->a, .name = "http.send", .err = &berr};
	char msg[256];
	bool ok = false;

	*out = &rego_null_val;
	if (s->force_json || is_json(r))
		ok = rego_json_parse(s->e->a, r->body, r->bodylen, &lim, &v, &we) == WRIT_OK;
	else if (s->force_yaml || is_yaml(r))
		ok = rego_yaml_to_value(&c, r->body, r->bodylen, &v, msg, sizeof(msg));
	else
		return EV_OK;
	if (ok)
		*out = v;
	else if (writ_arena_over_cap(s->e->a))
		return oom(s);
	return EV_OK;
}

/* {"body", "headers", "raw_body", "status", "status_code"}. */
static int
resp_value(struct hsend *s, const struct rego_http_resp *r, const struct rego_val **out)
{
	const struct rego_val *body, *hdrs, *raw, *status, *code;
	struct writ_err we = {0};
	struct rego_builder b;
	int rc;

	if ((rc = body_value(s, r, &body)) != EV_OK || (rc = headers_value(s, r, &hdrs)) != EV_OK)
		return rc;
	if (rego_string(s->e->a, r->body != NULL ? r->body : "", r->bodylen, &raw, &we) !=
	        WRIT_OK ||
	    rego_string(s->e->a, r->status != NULL ? r->status : "", r->statuslen, &status, &we) !=
	        WRIT_OK ||
	    rego_int(s->e->a, r->code, &code, &we) != WRIT_OK)
		return oom(s);
	rego_builder_init(&b, s->e->a, REGO_OBJECT);
	if ((rc = put(s, &b, "body", body)) != EV_OK ||
	    (rc = put(s, &b, "headers", hdrs)) != EV_OK ||
	    (rc = put(s, &b, "raw_body", raw)) != EV_OK ||
	    (rc = put(s, &b, "status", status)) != EV_OK ||
	    (rc = put(s, &b, "status_code", code)) != EV_OK)
		return rc;
	if (rego_builder_finish(&b, out, &we) != WRIT_OK)
		return oom(s);
	return EV_OK;
}

/* {"status_code": 0, "error": {"code": ..., "message": ...}} (raise_error false). */
static int
error_value(struct hsend *s, const struct rego_val **out)
{
	const struct rego_val *code, *msg, *zero, *err;
	struct writ_err we = {0};
	struct rego_builder b, eb;
	int rc;

	if (rego_string(s->e->a, s->code, strlen(s->code), &code, &we) != WRIT_OK ||
	    rego_string(s->e->a, s->msg, strlen(s->msg), &msg, &we) != WRIT_OK ||
	    rego_int(s->e->a, 0, &zero, &we) != WRIT_OK)
		return oom(s);
	rego_builder_init(&eb, s->e->a, REGO_OBJECT);
	if ((rc = put(s, &eb, "code", code)) != EV_OK ||
	    (rc = put(s, &eb, "message", msg)) != EV_OK)
		return rc;
	if (rego_builder_finish(&eb, &err, &we) != WRIT_OK)
		return oom(s);
	rego_builder_init(&b, s->e->a, REGO_OBJECT);
	if ((rc = put(s, &b, "error", err)) != EV_OK ||
	    (rc = put(s, &b, "status_code", zero)) != EV_OK)
		return rc;
	if (rego_builder_finish(&b, out, &we) != WRIT_OK)
		return oom(s);
	return EV_OK;
}

/* ---------------------------------------------------------------------------
 * The inter-query cache's rules (OPA's, after RFC 9111).
 */

static bool
cacheable(long code)
{
	static const long codes[] = {200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(codes); i++)
		if (codes[i] == code)
			return true;
	return false;
}

/* A delta-seconds value: -2 when it is not one, at most INT32_MAX. */
static int64_t
delta_seconds(const char *s, size_t len)
{
	uint64_t u;
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -2;
	if (len == 0)
		return -2;
	if (writ_parse_u64(s, len, &u) != WRIT_OK || u > INT32_MAX)
		return INT32_MAX;
	return (int64_t)u;
}

/* The first Cache-Control header's no-store and max-age (-1: none, -2: not a number). */
static void
cache_control(const struct rego_http_resp *r, bool *no_store, int64_t *max_age)
{
	const char *v;
	size_t len, i = 0;

	*no_store = false;
	*max_age = -1;
	if (!rego_http_hdr(r, "cache-control", &v, &len))
		return;
	while (i < len) {
		size_t start = i, end, eq = 0, neq = 0;

		for (; i < len && v[i] != ','; i++)
			if (v[i] == '=' && neq++ == 0)
				eq = i;
		end = i++;
		while (start < end && v[start] == ' ')
			start++;
		while (end > start && v[end - 1] == ' ')
			end--;
		if (neq == 0 && end - start == 8 && strncasecmp(v + start, "no-store", 8) == 0)
			*no_store = true;
		if (neq != 1 || eq - start < 7 || strncasecmp(v + start, "max-age", 7) != 0)
			continue;
		if (eq - start > 7 && v[start + 7] != ' ')
			continue;
		*max_age = delta_seconds(v + eq + 1, end - eq - 1);
	}
}

/* Header name (an HTTP date) as Unix seconds. */
static bool
http_date(const struct rego_http_resp *r, const char *name, int64_t *out)
{
	const char *v;
	size_t len;
	time_t t;

	if (!rego_http_hdr(r, name, &v, &len) || (t = curl_getdate(v, NULL)) == (time_t)-1)
		return false;
	*out = (int64_t)t;
	return true;
}

/* Seconds plus seconds as nanoseconds, saturated. */
static int64_t
at_ns(int64_t sec, int64_t add)
{
	int64_t ns;

	if (__builtin_add_overflow(sec, add, &sec) || __builtin_mul_overflow(sec, 1000000000, &ns))
		return sec < 0 ? 0 : INT64_MAX;
	return ns;
}

/* When r goes stale: Date + max-age, else Expires (0: now); false when it may not be kept. */
static bool
expiry(const struct rego_http_resp *r, int64_t now_ns, int64_t *out)
{
	int64_t max_age, t;
	bool no_store;

	cache_control(r, &no_store, &max_age);
	if (max_age == -2)
		return false;
	if (max_age >= 0) {
		if (!http_date(r, "date", &t))
			t = now_ns /
			    1000000000; /* no Date: when it was received (RFC 9111 4.2.3) */
		*out = at_ns(t, max_age);
	} else {
		*out = http_date(r, "expires", &t) ? at_ns(t, 0) : 0;
	}
	return true;
}

/* Keep r across queries if the request asked for it and the response allows it. */
static void
store(struct hsend *s, const struct rego_http_resp *r)
{
	int64_t now = s->e->now_ns, exp, max_age;
	bool force = s->force_cache && s->force_secs > 0, no_store;
	const char *v;
	size_t len;

	if (!s->inter || !cacheable(r->code))
		return;
	cache_control(r, &no_store, &max_age);
	if (!force && no_store)
		return;
	if (force) {
		if (__builtin_mul_overflow(s->force_secs, (int64_t)1000000000, &exp) ||
		    __builtin_add_overflow(exp, now, &exp))
			exp = INT64_MAX;
	} else if (!expiry(r, now, &exp)) {
		return;
	}
	if (exp <= now && !rego_http_hdr(r, "etag", &v, &len) &&
	    !rego_http_hdr(r, "last-modified", &v, &len))
		return; /* stale already, and nothing to revalidate it with */
	if (rego_http_cache_put(s->cfg->cache, s->keytext.ptr, s->keytext.len, r, exp) != WRIT_OK)
		return; /* not kept (larger than the cache, or no memory): still the answer */
}

/* A revalidated entry: the cached response with the 304's headers in place of its own. */
static int
merge_304(struct hsend *s, const struct rego_http_resp *old, const struct rego_http_resp *upd,
    struct rego_http_resp *out)
{
	const char *p = old->hdrs, *n, *v, *dummy;
	size_t len, nl, vl, dl, at = 0;
	char *buf;

	if (__builtin_add_overflow(old->hdrslen, upd->hdrslen, &len) ||
	    (buf = writ_arena_alloc(s->e->a, len + 1)) == NULL)
		return oom(s);
	*out = *old;
	out->nhdrs = upd->nhdrs;
	while (hdr_next(old, &p, &n, &nl, &v, &vl)) {
		if (rego_http_hdr(upd, n, &dummy, &dl))
			continue;
		memcpy(buf + at, n, nl + 1 + vl + 1);
		at += nl + 1 + vl + 1;
		out->nhdrs++;
	}
	if (upd->hdrslen > 0)
		memcpy(buf + at, upd->hdrs, upd->hdrslen);
	out->hdrs = buf;
	out->hdrslen = at + upd->hdrslen;
	return EV_OK;
}

/* The buffers of a fetched response as a struct rego_http_resp. */
static void
view(const struct rego_http_fetched *f, struct rego_http_resp *out)
{
	out->code = f->code;
	out->status = f->status.ptr;
	out->statuslen = f->status.len;
	out->hdrs = f->hdrs.ptr;
	out->hdrslen = f->hdrs.len;
	out->nhdrs = f->nhdrs;
	out->body = f->body.ptr;
	out->bodylen = f->body.len;
}

/* A fresh cached response, or a request (a revalidation of a stale one). */
static int
respond(struct hsend *s)
{
	struct rego_http_resp old = {0}, got, merged;
	enum rego_hc hc = REGO_HC_MISS;
	struct rego_http_fetched f;
	const char *v;
	size_t len;
	int rc;

	if (s->inter) {
		hc = rego_http_cache_get(
		    s->cfg->cache, s->keytext.ptr, s->keytext.len, s->e->now_ns, s->e->a, &old);
		if (hc == REGO_HC_NOMEM)
			return oom(s);
		if (hc == REGO_HC_FRESH)
			return resp_value(s, &old, &s->val);
	}
	if (hc == REGO_HC_STALE) {
		rego_http_cache_drop(s->cfg->cache, s->keytext.ptr, s->keytext.len);
		if (rego_http_hdr(&old, "etag", &v, &len))
			s->r.etag = v;
		if (rego_http_hdr(&old, "last-modified", &v, &len))
			s->r.last_modified = v;
	}
	rc = outcome(s, rego_http_fetch(&s->r, &f, s->msg, sizeof(s->msg)));
	if (rc == EV_OK && s->code == NULL) {
		view(&f, &got);
		if (hc == REGO_HC_STALE && got.code == 304 &&
		    (rc = merge_304(s, &old, &got, &merged)) == EV_OK) {
			store(s, &merged);
			rc = resp_value(s, &merged, &s->val);
		} else if (rc == EV_OK) {
			store(s, &got);
			rc = resp_value(s, &got, &s->val);
		}
	}
	rego_http_fetched_free(&f);
	return rc;
}

/* Remember the outcome for this query and answer it. */
static int
settle(struct hsend *s, const struct rego_val **out)
{
	struct rego_http_memo *m;
	const char *msg = NULL;
	int rc;

	if (s->val == NULL && !s->raise_error && (rc = error_value(s, &s->val)) != EV_OK)
		return rc;
	if (s->val == NULL && (msg = writ_arena_strdup(s->e->a, s->msg)) == NULL)
		return oom(s);
	if (s->key != NULL) {
		if ((m = writ_arena_calloc(s->e->a, 1, sizeof(*m))) == NULL)
			return oom(s);
		m->key = s->key;
		m->val = s->val;
		m->msg = msg;
		m->next = s->e->http_memo;
		s->e->http_memo = m;
	}
	*out = s->val;
	return s->val != NULL ? EV_OK : raise_err(s, msg);
}

int
rego_http_send(struct rego_ev *e, const struct rego_term *call, const struct rego_val *req,
    const struct rego_val **out)
{
	const struct rego_http_memo *m = NULL;
	struct writ_err we = {0};
	struct hsend *s;
	int rc;

	*out = NULL;
	if ((s = writ_arena_calloc(e->a, 1, sizeof(*s))) == NULL)
		return rego_ev_oom(e, WRIT_ELIMIT, NULL);
	s->e = e;
	s->call = call;
	s->cfg = s->r.cfg = e->http;
	s->r.deadline_ms = e->deadline_ms;
	writ_buf_init(&s->keytext, MAX_KEY_TEXT);
	rc = read_req(s, req);
	if (rc == EV_OK && s->code == NULL)
		rc = outcome(
		    s, rego_http_check_url(s->cfg, s->r.method, s->r.url, s->msg, sizeof(s->msg)));
	if (rc == EV_OK && s->code == NULL && (rc = make_key(s, req)) == EV_OK)
		m = memo_find(e, s->key);
	if (m != NULL) {
		*out = m->val;
		rc = m->val != NULL ? EV_OK : raise_err(s, m->msg);
	} else if (rc == EV_OK) {
		if (s->code == NULL) {
			s->inter = (s->cache || s->force_cache) && s->cfg->cache != NULL &&
			    rego_print(&s->keytext, s->key, &we) == WRIT_OK;
			rc = respond(s);
		}
		if (rc == EV_OK)
			rc = settle(s, out);
	}
	writ_buf_free(&s->keytext);
	return rc;
}
