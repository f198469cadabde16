/* SPDX-License-Identifier: Apache-2.0 */
/*
 * providers.aws.sign_req(request, aws_config, time_ns): AWS Signature
 * Version 4 of an http.send-style request object, as OPA signs it.  The
 * signing time is the third operand (OPA takes it from the policy, never
 * from the clock), so the result is deterministic.
 *
 * The canonical request is method, escaped path, raw query, the signed
 * headers (host, x-amz-date, x-amz-content-sha256 for s3 and glacier,
 * x-amz-security-token with a session token, and every request header but
 * authorization, user-agent and x-amzn-trace-id, lower-cased and sorted),
 * the header list and the payload hash (or UNSIGNED-PAYLOAD).  The body is
 * raw_body if present, else body as Go's json.Marshal writes it.  The result
 * is the request with its headers replaced by the original ones plus
 * Authorization and the AWS headers.
 *
 * The secret key is copied once into a buffer that is wiped before return.
 * CT: the HMAC chain runs in time independent of the key bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "writ/crypto.h"

#include "core_int.h"
#include "ext_int.h"

#define AWS_MAX_BODY    ((size_t)16 << 20)
#define AWS_MAX_HEADERS 256u

static const char *const required_cfg[] = {
    "aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"};

/* http.send's request keys (validateHTTPRequestOperand). */
static const char *const allowed_req[] = {"body", "cache", "cache_ignored_headers", "caching_mode",
    "enable_redirect", "force_cache", "force_cache_duration_seconds", "force_json_decode",
    "force_yaml_decode", "headers", "max_retry_attempts", "method", "raise_error", "raw_body",
    "timeout", "tls_ca_cert", "tls_ca_cert_env_variable", "tls_ca_cert_file", "tls_client_cert",
    "tls_client_cert_env_variable", "tls_client_cert_file", "tls_client_key",
    "tls_client_key_env_variable", "tls_client_key_file", "tls_insecure_skip_verify",
    "tls_server_name", "tls_use_system_certs", "url"};

/* A string member of o, or "" (OPA's stringFromTerm). */
static void
member_str(const struct rego_val *o, const char *k, const char **s, size_t *len)
{
	const struct rego_val *v = rego_object_get_str(o, k, strlen(k));

	if (v == NULL || !rego_str_view(v, s, len)) {
		*s = "";
		*len = 0;
	}
}

/* Fail with "operand N <what>: {"a", "b"}" listing the keys (a Rego set). */
static enum rego_bres
keys_err(struct rego_bctx *c, unsigned pos, const char *what, const struct rego_val *const *keys,
    size_t n)
{
	struct rego_builder b;
	const struct rego_val *set;
	struct writ_buf buf;
	struct writ_err e;
	enum rego_bres r;
	size_t i;

	rego_builder_init(&b, c->arena, REGO_SET);
	for (i = 0; i < n; i++)
		if ((r = core_check(c, rego_builder_push(&b, keys[i], &e), &e)) != REGO_B_OK)
			return r;
	if ((r = core_finish(c, &b, &set)) != REGO_B_OK)
		return r;
	core_buf_init(&buf);
	if (rego_print(&buf, set, &e) != WRIT_OK) {
		writ_buf_free(&buf);
		return core_fail(c, WRIT_ENOMEM, NULL);
	}
	r = core_type_err(c, "operand %u %s: %s", pos, what, buf.ptr);
	writ_buf_free(&buf);
	return r;
}

static enum rego_bres
check_config(struct rego_bctx *c, const struct rego_val *cfg)
{
	const struct rego_val *bad[WRIT_ARRAY_LEN(required_cfg)];
	const struct rego_val *v;
	struct writ_err e;
	size_t i, nmiss = 0, ninv = 0;
	enum rego_bres r;

	for (i = 0; i < WRIT_ARRAY_LEN(required_cfg); i++) {
		if (rego_object_get_str(cfg, required_cfg[i], strlen(required_cfg[i])) != NULL)
			continue;
		if ((r = core_check(c,
		         rego_string(
		             c->arena, required_cfg[i], strlen(required_cfg[i]), &bad[nmiss], &e),
		         &e)) != REGO_B_OK)
			return r;
		nmiss++;
	}
	if (nmiss > 0)
		return keys_err(c, 2, "missing required AWS config parameters(s)", bad, nmiss);
	for (i = 0; i < WRIT_ARRAY_LEN(required_cfg); i++) {
		v = rego_object_get_str(cfg, required_cfg[i], strlen(required_cfg[i]));
		if (v->type == REGO_STRING)
			continue;
		if ((r = core_check(c,
		         rego_string(
		             c->arena, required_cfg[i], strlen(required_cfg[i]), &bad[ninv], &e),
		         &e)) != REGO_B_OK)
			return r;
		ninv++;
	}
	if (ninv > 0)
		return keys_err(
		    c, 2, "invalid values for required AWS config parameters(s)", bad, ninv);
	return REGO_B_OK;
}

static bool
allowed_key(const struct rego_val *k)
{
	size_t i;

	if (k->type != REGO_STRING)
		return false;
	for (i = 0; i < WRIT_ARRAY_LEN(allowed_req); i++)
		if (strlen(allowed_req[i]) == k->len && memcmp(allowed_req[i], k->u.s, k->len) == 0)
			return true;
	return false;
}

static enum rego_bres
check_request(struct rego_bctx *c, const struct rego_val *req)
{
	const struct rego_val **bad, *u, *m;
	struct writ_err e;
	size_t i, n = 0;
	enum rego_bres r;

	if ((r = core_elems(c, req->len + 2, &bad)) != REGO_B_OK)
		return r;
	for (i = 0; i < req->len; i++)
		if (!allowed_key(req->u.kvs[i].key))
			bad[n++] = req->u.kvs[i].key;
	if (n > 0)
		return keys_err(c, 1, "invalid request parameters(s)", bad, n);
	u = rego_object_get_str(req, "url", 3);
	m = rego_object_get_str(req, "method", 6);
	if (m == NULL &&
	    (r = core_check(c, rego_string(c->arena, "method", 6, &bad[n++], &e), &e)) != REGO_B_OK)
		return r;
	if (u == NULL &&
	    (r = core_check(c, rego_string(c->arena, "url", 3, &bad[n++], &e), &e)) != REGO_B_OK)
		return r;
	if (n > 0)
		return keys_err(c, 1, "missing required request parameters(s)", bad, n);
	return REGO_B_OK;
}

/* ---------------------------------------------------------------------------
 * Signing.
 */

struct sigreq {
	const char *method, *host, *path, *query;
	size_t methodlen, hostlen, pathlen, querylen;
	const char *service, *region, *access, *secret, *token;
	size_t servicelen, regionlen, accesslen, secretlen, tokenlen;
	char payload[65]; /* hex SHA-256 or UNSIGNED-PAYLOAD */
	char date[9], stamp[17];
	const struct rego_val *headers; /* the request's, may be NULL */
};

/* Split an absolute URL as Go's url.Parse does for host, escaped path and raw query. */
static void
split_url(const char *s, size_t len, struct sigreq *q)
{
	size_t i = 0, j;

	q->host = q->path = q->query = s + len;
	q->hostlen = q->pathlen = q->querylen = 0;
	for (j = 0; j < len && s[j] != '/' && s[j] != '?' && s[j] != '#'; j++)
		if (s[j] == ':')
			break;
	if (j < len && s[j] == ':')
		i = j + 1;
	if (i + 1 < len && s[i] == '/' && s[i + 1] == '/') {
		i += 2;
		for (j = i; j < len && s[j] != '/' && s[j] != '?' && s[j] != '#'; j++)
			;
		q->host = s + i;
		q->hostlen = j - i;
		i = j;
	}
	for (j = i; j < len && s[j] != '?' && s[j] != '#'; j++)
		;
	q->path = s + i;
	q->pathlen = j - i;
	if (j < len && s[j] == '?') {
		i = ++j;
		for (; j < len && s[j] != '#'; j++)
			;
		q->query = s + i;
		q->querylen = j - i;
	}
}

/* One signed header: lower-case name and value. */
struct hdr {
	char *name;
	size_t namelen;
	const char *val;
	size_t vallen;
};

static int
hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	size_t n = x->namelen < y->namelen ? x->namelen : y->namelen;
	int r = memcmp(x->name, y->name, n);

	if (r != 0)
		return r;
	return x->namelen < y->namelen ? -1 : x->namelen > y->namelen;
}

static bool
ignored_header(const char *s, size_t len)
{
	static const char *const ign[] = {"authorization", "user-agent", "x-amzn-trace-id"};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(ign); i++)
		if (strlen(ign[i]) == len && memcmp(ign[i], s, len) == 0)
			return true;
	return false;
}

/* Set or replace name in hs[0..*n). */
static void
hdr_set(struct hdr *hs, size_t *n, char *name, size_t namelen, const char *val, size_t vallen)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (hs[i].namelen == namelen && memcmp(hs[i].name, name, namelen) == 0)
			break;
	hs[i].name = name;
	hs[i].namelen = namelen;
	hs[i].val = val;
	hs[i].vallen = vallen;
	if (i == *n)
		(*n)++;
}

/* The headers to sign, sorted. */
static enum rego_bres
signed_headers(struct rego_bctx *c, const struct sigreq *q, struct hdr **out, size_t *nout)
{
	size_t n = 0, i, cap = 4 + (q->headers != NULL ? q->headers->len : 0);
	struct hdr *hs = writ_arena_calloc(c->arena, cap, sizeof(*hs));
	bool s3 = (q->servicelen == 2 && memcmp(q->service, "s3", 2) == 0) ||
	    (q->servicelen == 7 && memcmp(q->service, "glacier", 7) == 0);

	if (hs == NULL)
		return core_fail(c, WRIT_ENOMEM, NULL);
	hdr_set(hs, &n, (char *)(uintptr_t) "host", 4, q->host, q->hostlen);
	hdr_set(hs, &n, (char *)(uintptr_t) "x-amz-date", 10, q->stamp, 16);
	if (s3)
		hdr_set(hs, &n, (char *)(uintptr_t) "x-amz-content-sha256", 20, q->payload,
		    strlen(q->payload));
	if (q->tokenlen > 0)
		hdr_set(
		    hs, &n, (char *)(uintptr_t) "x-amz-security-token", 20, q->token, q->tokenlen);
	for (i = 0; q->headers != NULL && i < q->headers->len; i++) {
		const struct rego_val *k = q->headers->u.kvs[i].key, *v = q->headers->u.kvs[i].val;
		const char *vs = "";
		size_t vlen = 0, j;
		char *lk;

		if (k->type != REGO_STRING)
			k = &rego_empty_string_val;
		if ((lk = writ_arena_strndup(c->arena, k->u.s, k->len)) == NULL)
			return core_fail(c, WRIT_ENOMEM, NULL);
		for (j = 0; j < k->len; j++)
			if (lk[j] >= 'A' && lk[j] <= 'Z')
				lk[j] = (char)(lk[j] + 32);
		if (ignored_header(lk, k->len))
			continue;
		(void)rego_str_view(v, &vs, &vlen);
		hdr_set(hs, &n, lk, k->len, vs, vlen);
	}
	qsort(hs, n, sizeof(*hs), hdr_cmp);
	*out = hs;
	*nout = n;
	return REGO_B_OK;
}

static void
hex32(const unsigned char d[WRIT_SHA256_LEN], char out[65])
{
	writ_hex_encode(d, WRIT_SHA256_LEN, out);
	out[64] = '\0';
}

static bool
is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/*
 * The path as Go's URL.EscapedPath gives it: bytes a path may hold as they
 * are (unreserved, sub-delimiters, ':', '@', '/', valid %XX), others %XX.
 */
static void
put_escaped_path(struct writ_buf *b, bool *ok, const char *p, size_t len)
{
	static const char hexd[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)p[i];
		char esc[3];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') ||
		    (ch != 0 && strchr("-._~!$&'()*+,;=:@[]/", ch) != NULL) ||
		    (ch == '%' && i + 2 < len && is_hex(p[i + 1]) && is_hex(p[i + 2]))) {
			ext_bput(b, ok, &p[i], 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hexd[ch >> 4];
		esc[2] = hexd[ch & 15];
		ext_bput(b, ok, esc, 3);
	}
}

/* The Authorization header value into auth. */
static enum rego_bres
sign(struct rego_bctx *c, const struct sigreq *q, struct writ_buf *auth)
{
	unsigned char d[WRIT_SHA256_LEN], key[WRIT_SHA256_LEN], k0[WRIT_SHA256_LEN];
	char hex[65];
	struct writ_buf cr, sts;
	struct hdr *hs = NULL;
	size_t n = 0, i;
	enum rego_bres r;
	bool ok = true;
	char *kbuf = NULL;
	size_t kbuflen = 0;

	if ((r = signed_headers(c, q, &hs, &n)) != REGO_B_OK)
		return r;
	core_buf_init(&cr);
	core_buf_init(&sts);
	ext_bput(&cr, &ok, q->method, q->methodlen);
	ext_bput(&cr, &ok, "\n", 1);
	put_escaped_path(&cr, &ok, q->path, q->pathlen);
	ext_bput(&cr, &ok, "\n", 1);
	ext_bput(&cr, &ok, q->query, q->querylen);
	ext_bput(&cr, &ok, "\n", 1);
	for (i = 0; i < n; i++) {
		ext_bput(&cr, &ok, hs[i].name, hs[i].namelen);
		ext_bput(&cr, &ok, ":", 1);
		ext_bput(&cr, &ok, hs[i].val, hs[i].vallen);
		ext_bput(&cr, &ok, "\n", 1);
	}
	ext_bput(&cr, &ok, "\n", 1);
	for (i = 0; i < n; i++) {
		ext_bput(&cr, &ok, ";", i > 0);
		ext_bput(&cr, &ok, hs[i].name, hs[i].namelen);
	}
	ext_bput(&cr, &ok, "\n", 1);
	ext_bputs(&cr, &ok, q->payload);
	if (ok)
		writ_sha256(cr.ptr, cr.len, d);
	hex32(d, hex);
	ext_bputs(&sts, &ok, "AWS4-HMAC-SHA256\n");
	ext_bputs(&sts, &ok, q->stamp);
	ext_bputs(&sts, &ok, "\n");
	ext_bputs(&sts, &ok, q->date);
	ext_bputs(&sts, &ok, "/");
	ext_bput(&sts, &ok, q->region, q->regionlen);
	ext_bputs(&sts, &ok, "/");
	ext_bput(&sts, &ok, q->service, q->servicelen);
	ext_bputs(&sts, &ok, "/aws4_request\n");
	ext_bputs(&sts, &ok, hex);
	if (ok &&
	    (__builtin_add_overflow(q->secretlen, 4, &kbuflen) ||
	        (kbuf = writ_malloc(kbuflen)) == NULL))
		ok = false;
	if (ok) {
		memcpy(kbuf, "AWS4", 4);
		memcpy(kbuf + 4, q->secret, q->secretlen);
		writ_hmac_sha256(kbuf, kbuflen, q->date, 8, k0);
		writ_hmac_sha256(k0, sizeof(k0), q->region, q->regionlen, key);
		writ_hmac_sha256(key, sizeof(key), q->service, q->servicelen, k0);
		writ_hmac_sha256(k0, sizeof(k0), "aws4_request", 12, key);
		writ_hmac_sha256(key, sizeof(key), sts.ptr, sts.len, d);
		hex32(d, hex);
		writ_memzero(kbuf, kbuflen);
		writ_free(kbuf);
	}
	ext_bputs(auth, &ok, "AWS4-HMAC-SHA256 Credential=");
	ext_bput(auth, &ok, q->access, q->accesslen);
	ext_bputs(auth, &ok, "/");
	ext_bputs(auth, &ok, q->date);
	ext_bputs(auth, &ok, "/");
	ext_bput(auth, &ok, q->region, q->regionlen);
	ext_bputs(auth, &ok, "/");
	ext_bput(auth, &ok, q->service, q->servicelen);
	ext_bputs(auth, &ok, "/aws4_request,SignedHeaders=");
	for (i = 0; i < n; i++) {
		ext_bput(auth, &ok, ";", i > 0);
		ext_bput(auth, &ok, hs[i].name, hs[i].namelen);
	}
	ext_bputs(auth, &ok, ",Signature=");
	ext_bputs(auth, &ok, hex);
	writ_memzero(key, sizeof(key));
	writ_memzero(k0, sizeof(k0));
	writ_buf_free(&cr);
	writ_buf_free(&sts);
	return ok ? REGO_B_OK : core_fail(c, WRIT_ENOMEM, NULL);
}

/* The request's body bytes: raw_body, else body as JSON, else empty. */
static enum rego_bres
body_hash(struct rego_bctx *c, const struct rego_val *req, bool unsigned_payload, char out[65])
{
	const struct rego_val *raw = rego_object_get_str(req, "raw_body", 8);
	const struct rego_val *body = rego_object_get_str(req, "body", 4);
	unsigned char d[WRIT_SHA256_LEN];
	struct writ_buf b;
	struct writ_err e;
	const char *s = "";
	size_t len = 0;

	if (unsigned_payload) {
		snprintf(out, 65, "UNSIGNED-PAYLOAD");
		return REGO_B_OK;
	}
	writ_buf_init(&b, AWS_MAX_BODY);
	if (raw != NULL) {
		(void)rego_str_view(raw, &s, &len);
	} else if (body != NULL) {
		writ_rc rc = rego_json_write(&b, body, NULL, &e);

		if (rc != WRIT_OK) {
			writ_buf_free(&b);
			return rc == WRIT_ETOOBIG
			    ? rego_berr(c, "body exceeds %zu bytes", AWS_MAX_BODY)
			    : core_fail(c, rc, &e);
		}
		s = b.ptr != NULL ? b.ptr : "";
		len = b.len;
	}
	writ_sha256(s, len, d);
	writ_buf_free(&b);
	hex32(d, out);
	return REGO_B_OK;
}

/* OPA's Number.Int64: the number's text must be a plain integer. */
static bool
time_operand(const struct rego_val *v, int64_t *out)
{
	size_t i;

	if (!rego_num_i64(v, out))
		return false;
	for (i = 0; v->u.num.text != NULL && i < v->len; i++)
		if (v->u.num.text[i] == '.' || v->u.num.text[i] == 'e' || v->u.num.text[i] == 'E')
			return false;
	return true;
}

static void
format_time(int64_t ns, struct sigreq *q)
{
	int64_t sec = ns / 1000000000LL - (ns % 1000000000LL < 0 ? 1 : 0);
	time_t t = (time_t)sec;
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	(void)gmtime_r(&t, &tm);
	snprintf(q->date, sizeof(q->date), "%04u%02u%02u", (unsigned)(tm.tm_year + 1900) % 10000u,
	    (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u);
	snprintf(q->stamp, sizeof(q->stamp), "%.8sT%02u%02u%02uZ", q->date,
	    (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
}

/* The output headers: the request's, then Authorization and the AWS headers. */
static enum rego_bres
out_headers(
    struct rego_bctx *c, const struct sigreq *q, struct writ_buf *auth, const struct rego_val **out)
{
	struct rego_builder b;
	const struct rego_val *k, *v, *empty = &rego_empty_string_val;
	struct writ_err e;
	bool s3 = (q->servicelen == 2 && memcmp(q->service, "s3", 2) == 0) ||
	    (q->servicelen == 7 && memcmp(q->service, "glacier", 7) == 0);
	const char *names[] = {
	    "Authorization", "host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token"};
	const char *vals[5];
	size_t lens[5], i;
	writ_rc rc = WRIT_OK;

	vals[0] = auth->ptr;
	lens[0] = auth->len;
	vals[1] = q->host;
	lens[1] = q->hostlen;
	vals[2] = q->stamp;
	lens[2] = 16;
	vals[3] = s3 ? q->payload : NULL;
	lens[3] = strlen(q->payload);
	vals[4] = q->tokenlen > 0 ? q->token : NULL;
	lens[4] = q->tokenlen;
	rego_builder_init(&b, c->arena, REGO_OBJECT);
	for (i = 0; rc == WRIT_OK && q->headers != NULL && i < q->headers->len; i++) {
		k = q->headers->u.kvs[i].key;
		v = q->headers->u.kvs[i].val;
		rc = rego_builder_put(
		    &b, k->type == REGO_STRING ? k : empty, v->type == REGO_STRING ? v : empty, &e);
	}
	for (i = 0; rc == WRIT_OK && i < WRIT_ARRAY_LEN(names); i++) {
		if (vals[i] == NULL)
			continue;
		if ((rc = rego_string(c->arena, names[i], strlen(names[i]), &k, &e)) == WRIT_OK &&
		    (rc = rego_string(c->arena, vals[i], lens[i], &v, &e)) == WRIT_OK)
			rc = rego_builder_put(&b, k, v, &e);
	}
	if (rc != WRIT_OK)
		return core_fail(c, rc, &e);
	return core_finish(c, &b, out);
}

/* "invalid values for required request parameters(s)" naming url and/or method. */
static enum rego_bres
bad_req_values(struct rego_bctx *c, bool url, bool method)
{
	const struct rego_val *bad[2];
	struct writ_err e;
	size_t n = 0;
	enum rego_bres r;

	if (url &&
	    (r = core_check(c, rego_string(c->arena, "url", 3, &bad[n++], &e), &e)) != REGO_B_OK)
		return r;
	if (method &&
	    (r = core_check(c, rego_string(c->arena, "method", 6, &bad[n++], &e), &e)) != REGO_B_OK)
		return r;
	return keys_err(c, 1, "invalid values for required request parameters(s)", bad, n);
}

/* Fill q's credentials, time and URL parts from the checked operands. */
static enum rego_bres
prepare(struct rego_bctx *c, const struct rego_val *req, const struct rego_val *cfg, int64_t ns,
    struct sigreq *q)
{
	const struct rego_val *t = rego_object_get_str(cfg, "disable_payload_signing", 23);
	const struct rego_val *u = rego_object_get_str(req, "url", 3);
	const struct rego_val *m = rego_object_get_str(req, "method", 6);
	bool unsigned_payload = false;

	if (u->type != REGO_STRING || m->type != REGO_STRING)
		return bad_req_values(c, u->type != REGO_STRING, m->type != REGO_STRING);
	split_url(u->u.s, u->len, q);
	q->method = m->u.s;
	q->methodlen = m->len;
	member_str(cfg, "aws_service", &q->service, &q->servicelen);
	member_str(cfg, "aws_region", &q->region, &q->regionlen);
	member_str(cfg, "aws_access_key", &q->access, &q->accesslen);
	member_str(cfg, "aws_secret_access_key", &q->secret, &q->secretlen);
	member_str(cfg, "aws_session_token", &q->token, &q->tokenlen);
	if (t != NULL) {
		if (t->type != REGO_BOOL)
			return core_type_err(c,
			    "operand 2 invalid value for 'disable_payload_signing' in AWS config");
		unsigned_payload = t->u.b;
	}
	format_time(ns, q);
	return body_hash(c, req, unsigned_payload, q->payload);
}

static enum rego_bres
bi_sign_req(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *req = args[0], *cfg = args[1], *hdrs, *k, *nh;
	struct sigreq q;
	struct rego_builder b;
	struct writ_buf auth;
	struct writ_err e;
	enum rego_bres r;
	int64_t ns;
	size_t i;
	writ_rc rc;

	if (req->type != REGO_OBJECT)
		return rego_berr_operand(c, 1, "object", req);
	if (cfg->type != REGO_OBJECT)
		return rego_berr_operand(c, 1, "object", cfg);
	if ((r = check_config(c, cfg)) != REGO_B_OK)
		return r;
	if (args[2]->type != REGO_NUMBER)
		return rego_berr_operand(c, 1, "number", args[2]);
	if (!time_operand(args[2], &ns))
		return core_type_err(
		    c, "operand 3 could not convert time_ns value into a unix timestamp");
	if ((r = check_request(c, req)) != REGO_B_OK)
		return r;
	memset(&q, 0, sizeof(q));
	hdrs = rego_object_get_str(req, "headers", 7);
	if (hdrs != NULL && hdrs->type != REGO_OBJECT)
		return rego_berr_operand(c, 0, "object", hdrs);
	if (hdrs != NULL && hdrs->len > AWS_MAX_HEADERS)
		return rego_berr(c, "more than %u headers", AWS_MAX_HEADERS);
	q.headers = hdrs;
	if ((r = prepare(c, req, cfg, ns, &q)) != REGO_B_OK)
		return r;
	core_buf_init(&auth);
	r = sign(c, &q, &auth);
	if (r == REGO_B_OK)
		r = out_headers(c, &q, &auth, &nh);
	writ_buf_free(&auth);
	if (r != REGO_B_OK)
		return r;
	rego_builder_init(&b, c->arena, REGO_OBJECT);
	rc = WRIT_OK;
	for (i = 0; rc == WRIT_OK && i < req->len; i++)
		rc = rego_builder_put(&b, req->u.kvs[i].key, req->u.kvs[i].val, &e);
	if (rc == WRIT_OK && (rc = rego_string(c->arena, "headers", 7, &k, &e)) == WRIT_OK)
		rc = rego_builder_put(&b, k, nh, &e);
	if (rc != WRIT_OK)
		return core_fail(c, rc, &e);
	return core_finish(c, &b, out);
}

static const struct rego_builtin aws_builtins[] = {
    {"providers.aws.sign_req", 3, bi_sign_req, 0},
};

const struct rego_builtin_family rego_family_aws = {
    "aws", aws_builtins, WRIT_ARRAY_LEN(aws_builtins)};
