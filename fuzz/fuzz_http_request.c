/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the HTTP/1.1 request parser.  The input is a byte stream on
 * one connection: requests are parsed one after the other (pipelining) the way
 * the server does it, until an error or the end of the bytes.  Every request
 * is checked (NUL-terminated fields of the stated lengths inside the buffer,
 * limits respected) and folded into a digest.  Then the same bytes are fed in
 * pieces -- split at every position for small inputs, byte by byte for tiny
 * ones, at a few data-derived positions otherwise -- into a buffer that moves
 * on every append; the digest must not change, which proves that incremental
 * parsing, in-place de-chunking and pointer rebasing agree with one-shot
 * parsing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NHDRS      16
#define SPLIT_ALL  512 /* inputs up to this size are split at every position */
#define BYTEWISE   256 /* inputs up to this size are also fed byte by byte */
#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME  1099511628211ull

static const struct writ_http_limits limits = {
    .max_header_bytes = 2048,
    .max_headers = 12,
    .max_uri = 256,
    .max_body = 4096,
};

struct stream {
	struct writ_http_parser p;
	struct writ_http_header hdrs[NHDRS];
	char *buf;
	size_t len, off;
	uint64_t digest;
	bool stopped; /* an error ended the stream */
};

static uint64_t
fnv(uint64_t h, const void *ptr, size_t len)
{
	const unsigned char *s = ptr;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ s[i]) * FNV_PRIME;
	return h;
}

static uint64_t
fnv_u64(uint64_t h, uint64_t v)
{
	return fnv(h, &v, sizeof(v));
}

/* A field must lie inside the request, have its stated length and end in NUL. */
static void
check_field(const struct stream *s, const char *f, size_t len)
{
	const char *lo = s->buf + s->off, *hi = s->buf + s->len;

	if (f < lo || f + len >= hi || f[len] != '\0' || memchr(f, '\0', len) != NULL)
		abort();
}

static void
check_request(const struct stream *s, const struct writ_http_req *r)
{
	char tmp[300];
	size_t i, n;

	if (r->body_len > limits.max_body || r->nheaders > limits.max_headers ||
	    s->p.consumed > s->len - s->off || (r->body_len > 0) != (r->body != NULL))
		abort();
	check_field(s, r->method_str, r->method_len);
	check_field(s, r->path, r->path_len);
	if (r->path_len > limits.max_uri || (r->path[0] != '/' && r->path[0] != '*'))
		abort();
	if (r->query_len > 0)
		check_field(s, r->query, r->query_len);
	for (i = 0; i < r->nheaders; i++) {
		check_field(s, r->headers[i].name, r->headers[i].name_len);
		check_field(s, r->headers[i].value, r->headers[i].value_len);
	}
	/* The helpers must cope with whatever the parser accepted. */
	if (r->path_len < sizeof(tmp) &&
	    writ_http_pct_decode(r->path, r->path_len, tmp, &n, false) == WRIT_OK &&
	    n > r->path_len)
		abort();
	(void)writ_http_req_header(r, "host");
	(void)writ_http_method_name(r->method);
}

static uint64_t
digest_request(uint64_t h, const struct writ_http_req *r, size_t consumed)
{
	size_t i;

	h = fnv_u64(h, (uint64_t)r->method);
	h = fnv(h, r->method_str, r->method_len + 1);
	h = fnv(h, r->path, r->path_len + 1);
	h = fnv(h, r->query, r->query_len + 1);
	h = fnv_u64(h,
	    (uint64_t)r->version_minor << 3 | (uint64_t)r->keep_alive << 2 |
	        (uint64_t)r->chunked << 1 | (uint64_t)r->expect_continue);
	for (i = 0; i < r->nheaders; i++) {
		h = fnv(h, r->headers[i].name, r->headers[i].name_len + 1);
		h = fnv(h, r->headers[i].value, r->headers[i].value_len + 1);
	}
	h = fnv_u64(h, r->body_len);
	if (r->body_len > 0)
		h = fnv(h, r->body, r->body_len);
	return fnv_u64(h, consumed);
}

/* Parse every complete request now in the buffer, as the server would. */
static void
drain(struct stream *s)
{
	struct writ_http_req req;
	enum writ_http_parse_rc rc;
	size_t len;

	while (!s->stopped && s->off < s->len) {
		len = s->len - s->off;
		rc = writ_http_parse(&s->p, s->buf + s->off, &len, &req);
		s->len = s->off + len;
		if (rc == WRIT_HTTP_PARSE_AGAIN)
			return;
		if (rc == WRIT_HTTP_PARSE_ERROR) {
			if (s->p.status < 400 || s->p.status > 505 || s->p.error == NULL)
				abort();
			s->digest = fnv_u64(s->digest, (uint64_t)s->p.status);
			s->digest = fnv(s->digest, s->p.error, strlen(s->p.error));
			s->stopped = true;
			return;
		}
		check_request(s, &req);
		s->digest = digest_request(s->digest, &req, s->p.consumed);
		s->off += s->p.consumed;
		writ_http_parser_reset(&s->p);
	}
}

/* Append bytes into a freshly allocated buffer, so every pointer kept must be rebased. */
static void
feed(struct stream *s, const uint8_t *data, size_t n)
{
	char *nb = malloc(s->len + n + 1);

	if (nb == NULL)
		abort();
	if (s->len > 0)
		memcpy(nb, s->buf, s->len);
	if (n > 0)
		memcpy(nb + s->len, data, n);
	free(s->buf);
	s->buf = nb;
	s->len += n;
	drain(s);
}

/* Feed data in pieces ending at cuts[0..ncuts) and then at size; return the digest. */
static uint64_t
run(const uint8_t *data, size_t size, const size_t *cuts, size_t ncuts)
{
	struct stream s;
	size_t i, at = 0;
	uint64_t d;

	memset(&s, 0, sizeof(s));
	s.digest = FNV_OFFSET;
	writ_http_parser_init(&s.p, &limits, s.hdrs, NHDRS);
	for (i = 0; i < ncuts; i++) {
		if (cuts[i] < at || cuts[i] > size)
			abort();
		feed(&s, data + at, cuts[i] - at);
		at = cuts[i];
	}
	feed(&s, data + at, size - at);
	d = fnv_u64(s.digest, s.stopped ? 1 : writ_http_parser_started(&s.p) ? 2 : 3);
	free(s.buf);
	return d;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t whole = run(data, size, NULL, 0), h;
	size_t i, cuts[4];

	if (size <= SPLIT_ALL) {
		for (i = 1; i < size; i++)
			if (run(data, size, &i, 1) != whole)
				abort();
	} else {
		h = fnv(FNV_OFFSET, data, size);
		for (i = 0; i < 4; i++)
			cuts[i] = (size_t)((h >> (i * 16)) & 0xffff) % size;
		for (i = 1; i < 4; i++) /* sort the four cuts */
			for (size_t j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
				size_t t = cuts[j];

				cuts[j] = cuts[j - 1];
				cuts[j - 1] = t;
			}
		if (run(data, size, cuts, 4) != whole)
			abort();
	}
	if (size <= BYTEWISE) {
		struct stream s;

		memset(&s, 0, sizeof(s));
		s.digest = FNV_OFFSET;
		writ_http_parser_init(&s.p, &limits, s.hdrs, NHDRS);
		for (i = 0; i < size; i++)
			feed(&s, data + i, 1);
		h = fnv_u64(s.digest, s.stopped ? 1 : writ_http_parser_started(&s.p) ? 2 : 3);
		free(s.buf);
		if (h != whole)
			abort();
	}
	return 0;
}
