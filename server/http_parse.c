/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP/1.1 request parser (RFC 9112), incremental and in place.
 *
 * The head is parsed once, when its terminating empty line has arrived; until
 * then only the new bytes are scanned for line ends, so a client dripping a
 * header byte by byte costs linear time.  Parsing NUL-terminates the method,
 * path, query and each header name and value inside the caller's buffer.  A
 * Content-Length body is left where it is; a chunked body is de-chunked in
 * place, and the chunk framing is compacted away as it is parsed, so the
 * buffer never holds more than the head, the decoded body and one read.
 *
 * Anything ambiguous is an error rather than a guess, because a request that
 * two parsers frame differently is a request smuggling vector: both
 * Content-Length and Transfer-Encoding, differing Content-Lengths, line
 * folding, whitespace before the colon, bare CR, NUL and other control bytes.
 * Errors carry the HTTP status to answer and a stable message; after one, the
 * stream cannot be resynchronised and the connection must be closed.
 *
 * The file also holds the request and response helpers that need no server:
 * header lookup, method names, percent-decoding, reason phrases, error bodies.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "writ/base.h"

#include "http.h"

enum pstate {
	PS_HEAD = 0,
	PS_BODY,
	PS_CHUNK_SIZE,
	PS_CHUNK_DATA,
	PS_CHUNK_CRLF,
	PS_TRAILER,
	PS_DONE,
	PS_ERROR,
};

/* Internal result: the values of enum writ_http_parse_rc, plus "go on". */
#define PR_AGAIN    WRIT_HTTP_PARSE_AGAIN
#define PR_DONE     WRIT_HTTP_PARSE_DONE
#define PR_ERROR    WRIT_HTTP_PARSE_ERROR
#define PR_CONTINUE 100

#define MAX_LEAD       16 /* bytes of empty lines tolerated before a request line */
#define MAX_METHOD     32
#define MAX_CHUNK_LINE 1024 /* a chunk-size line with its extensions */
#define REQ_LINE_EXTRA 64   /* method, spaces and version around the target */

/* Framing facts gathered from the headers. */
struct framing {
	bool cl_seen;
	uint64_t cl;
	int te; /* 0 none, 1 chunked, 2 unsupported or repeated */
	bool conn_close;
	bool conn_keep_alive;
	bool expect_continue;
	bool expect_bad;
	unsigned nhost;
};

static int fail(struct writ_http_parser *p, int status, const char *msg);
static bool is_tchar(unsigned char c);
static bool is_target_char(unsigned char c);
static bool is_field_char(unsigned char c);
static bool name_is(const struct writ_http_header *h, const char *name, size_t len);
static int skip_lead(struct writ_http_parser *p, const char *buf, size_t len);
static int find_head_end(struct writ_http_parser *p, const char *buf, size_t len);
static int parse_head(struct writ_http_parser *p, char *buf);
static int parse_request_line(struct writ_http_parser *p, char **sp);
static int parse_target(struct writ_http_parser *p, char *t, char *tend);
static int parse_header_line(struct writ_http_parser *p, char **sp, struct framing *f);
static int note_header(
    struct writ_http_parser *p, const struct writ_http_header *h, struct framing *f);
static int apply_framing(struct writ_http_parser *p, const struct framing *f);
static int parse_content_length(
    struct writ_http_parser *p, const char *v, size_t len, struct framing *f);
static void parse_connection(const char *v, size_t len, struct framing *f);
static enum writ_http_method method_enum(const char *m, size_t len);
static int parse_body(struct writ_http_parser *p, size_t len);
static int parse_chunked(struct writ_http_parser *p, char *buf, size_t *lenp);
static int chunk_size_line(struct writ_http_parser *p, const char *buf, size_t len);
static int chunk_data(struct writ_http_parser *p, char *buf, size_t len);
static int chunk_crlf(struct writ_http_parser *p, const char *buf, size_t len);
static int trailer_line(struct writ_http_parser *p, const char *buf, size_t len);
static const char *find_line(struct writ_http_parser *p, const char *buf, size_t len, size_t max);
static bool check_field_line(const char *s, const char *end);
static void finish(struct writ_http_parser *p, char *buf, struct writ_http_req *req);
static const char *rebase(const char *ptr, uintptr_t old, char *buf);

/* ---------------------------------------------------------------------------
 * Character classes (RFC 9110 §5.6.2, RFC 3986).
 */

static bool
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	switch (c) {
	case '!':
	case '#':
	case '$':
	case '%':
	case '&':
	case '\'':
	case '*':
	case '+':
	case '-':
	case '.':
	case '^':
	case '_':
	case '`':
	case '|':
	case '~':
		return true;
	default:
		return false;
	}
}

/* Visible ASCII except '#': a fragment is never sent in a request target. */
static bool
is_target_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '#';
}

/* field-vchar, SP and HTAB: everything but controls (RFC 9110 §5.5). */
static bool
is_field_char(unsigned char c)
{
	return (c >= 0x20 && c != 0x7f) || c == '\t';
}

static int
fail(struct writ_http_parser *p, int status, const char *msg)
{
	p->state = PS_ERROR;
	p->status = status;
	p->error = msg;
	return PR_ERROR;
}

/* ---------------------------------------------------------------------------
 * Public entry points.
 */

void
writ_http_parser_init(struct writ_http_parser *p, const struct writ_http_limits *lim,
    struct writ_http_header *hdrs, size_t hdrs_cap)
{
	memset(p, 0, sizeof(*p));
	p->lim = *lim;
	p->hdrs = hdrs;
	p->hdrs_cap = hdrs_cap;
}

void
writ_http_parser_reset(struct writ_http_parser *p)
{
	struct writ_http_limits lim = p->lim;
	struct writ_http_header *hdrs = p->hdrs;
	size_t cap = p->hdrs_cap;

	writ_http_parser_init(p, &lim, hdrs, cap);
}

bool
writ_http_parser_want_continue(const struct writ_http_parser *p)
{
	return p->req.expect_continue &&
	    (p->state == PS_BODY || (p->state >= PS_CHUNK_SIZE && p->state <= PS_TRAILER));
}

bool
writ_http_parser_started(const struct writ_http_parser *p)
{
	return p->state != PS_HEAD || p->scan > 0 || p->lead > 0;
}

enum writ_http_parse_rc
writ_http_parse(struct writ_http_parser *p, char *buf, size_t *len, struct writ_http_req *req)
{
	int rc = PR_CONTINUE;

	while (rc == PR_CONTINUE) {
		switch (p->state) {
		case PS_HEAD:
			rc = find_head_end(p, buf, *len);
			if (rc == PR_CONTINUE)
				rc = parse_head(p, buf);
			break;
		case PS_BODY:
			rc = parse_body(p, *len);
			break;
		case PS_CHUNK_SIZE:
		case PS_CHUNK_DATA:
		case PS_CHUNK_CRLF:
		case PS_TRAILER:
			rc = parse_chunked(p, buf, len);
			break;
		case PS_DONE:
			finish(p, buf, req);
			rc = PR_DONE;
			break;
		default:
			rc = PR_ERROR;
			break;
		}
	}
	return (enum writ_http_parse_rc)rc;
}

/* ---------------------------------------------------------------------------
 * The head.
 */

/* Skip CRLF or LF lines before the request line (RFC 9112 §2.2). */
static int
skip_lead(struct writ_http_parser *p, const char *buf, size_t len)
{
	while (p->lead < len && !p->line1) {
		if (buf[p->lead] == '\n') {
			p->lead++;
		} else if (buf[p->lead] == '\r') {
			if (p->lead + 1 >= len)
				return PR_AGAIN;
			if (buf[p->lead + 1] != '\n')
				return fail(p, 400, "malformed request line");
			p->lead += 2;
		} else {
			return PR_CONTINUE;
		}
		if (p->lead > MAX_LEAD)
			return fail(p, 400, "malformed request line");
	}
	return p->line1 ? PR_CONTINUE : PR_AGAIN;
}

/*
 * Look for the empty line that ends the head, scanning only bytes not seen
 * before, and enforce the URI and header size limits while it is missing.
 * Only the first max_header_bytes are ever looked at, and the request-line
 * limit is capped by the head limit, so a request fails with the same status
 * however its bytes are split into reads.
 */
static int
find_head_end(struct writ_http_parser *p, const char *buf, size_t len)
{
	size_t i, end, max_line = p->lim.max_uri + REQ_LINE_EXTRA;
	const char *nl;
	int rc;

	if (max_line > p->lim.max_header_bytes)
		max_line = p->lim.max_header_bytes;
	if ((rc = skip_lead(p, buf, len)) != PR_CONTINUE)
		return rc;
	end = len - p->lead > p->lim.max_header_bytes ? p->lead + p->lim.max_header_bytes : len;
	for (i = p->scan > p->lead ? p->scan : p->lead; i < end; i++) {
		if ((nl = memchr(buf + i, '\n', end - i)) == NULL) {
			i = end;
			break;
		}
		i = (size_t)(nl - buf);
		if (!p->line1) {
			p->line1 = true;
			if (i - p->lead > max_line)
				return fail(p, 414, "request uri too long");
		}
		if (i + 1 >= end)
			break;
		if (buf[i + 1] == '\n') {
			p->head_len = i + 2;
			return PR_CONTINUE;
		}
		if (buf[i + 1] == '\r') {
			if (i + 2 >= end)
				break;
			if (buf[i + 2] != '\n') /* no line may start with a bare CR */
				return fail(p, 400, "invalid header line");
			p->head_len = i + 3;
			return PR_CONTINUE;
		}
	}
	p->scan = i;
	if (!p->line1 && len - p->lead > max_line)
		return fail(p, 414, "request uri too long");
	if (len - p->lead > p->lim.max_header_bytes)
		return fail(p, 431, "request header fields too large");
	return PR_AGAIN;
}

/* Parse the complete head in place and decide how the body is framed. */
static int
parse_head(struct writ_http_parser *p, char *buf)
{
	struct framing f;
	char *s = buf + p->lead;
	int rc;

	memset(&f, 0, sizeof(f));
	p->base = (uintptr_t)buf;
	p->req.headers = p->hdrs;
	if ((rc = parse_request_line(p, &s)) != PR_CONTINUE)
		return rc;
	for (;;) {
		if (*s == '\n')
			break;
		if (*s == '\r') {
			if (s[1] != '\n')
				return fail(p, 400, "invalid header line");
			break;
		}
		if ((rc = parse_header_line(p, &s, &f)) != PR_CONTINUE)
			return rc;
	}
	return apply_framing(p, &f);
}

static int
parse_request_line(struct writ_http_parser *p, char **sp)
{
	struct writ_http_req *r = &p->req;
	char *s = *sp, *t, *tend;
	int rc;

	while (is_tchar((unsigned char)*s))
		s++;
	if (s == *sp || *s != ' ')
		return fail(p, 400, "malformed request line");
	r->method_str = *sp;
	r->method_len = (size_t)(s - *sp);
	*s++ = '\0';
	t = s;
	while (is_target_char((unsigned char)*s))
		s++;
	if (s == t || *s != ' ')
		return fail(p, 400, "malformed request line");
	tend = s++;
	/* "HTTP/" DIGIT "." DIGIT, then CRLF or LF; the head ends in LF, so stop at it. */
	if (strncmp(s, "HTTP/", 5) != 0 || !(s[5] >= '0' && s[5] <= '9') || s[6] != '.' ||
	    !(s[7] >= '0' && s[7] <= '9'))
		return fail(p, 400, "malformed request line");
	if (s[8] == '\r' && s[9] == '\n')
		*sp = s + 10;
	else if (s[8] == '\n')
		*sp = s + 9;
	else
		return fail(p, 400, "malformed request line");
	if (s[5] != '1')
		return fail(p, 505, "http version not supported");
	r->version_minor = s[7] == '0' ? 0 : 1;
	if (r->method_len > MAX_METHOD)
		return fail(p, 501, "method not implemented");
	r->method = method_enum(r->method_str, r->method_len);
	if ((size_t)(tend - t) > p->lim.max_uri)
		return fail(p, 414, "request uri too long");
	if ((rc = parse_target(p, t, tend)) != PR_CONTINUE)
		return rc;
	return PR_CONTINUE;
}

/*
 * Split the target into path and query.  origin-form "/p?q", absolute-form
 * "http://host/p?q" (the authority is ignored) and "*" for OPTIONS.
 */
static int
parse_target(struct writ_http_parser *p, char *t, char *tend)
{
	struct writ_http_req *r = &p->req;
	char *q;

	*tend = '\0';
	if (*t != '/') {
		if (*t == '*' && tend == t + 1 && r->method == WRIT_HTTP_OPTIONS) {
			r->path = t;
			r->path_len = 1;
			r->query = tend;
			return PR_CONTINUE;
		}
		if (strncasecmp(t, "http://", 7) == 0)
			t += 7;
		else if (strncasecmp(t, "https://", 8) == 0)
			t += 8;
		else
			return fail(p, 400, "invalid request target");
		while (t < tend && *t != '/' && *t != '?')
			t++;
		if (t == tend || *t != '/')
			return fail(p, 400, "invalid request target");
	}
	r->path = t;
	if ((q = memchr(t, '?', (size_t)(tend - t))) != NULL) {
		*q = '\0';
		r->path_len = (size_t)(q - t);
		r->query = q + 1;
		r->query_len = (size_t)(tend - q - 1);
	} else {
		r->path_len = (size_t)(tend - t);
		r->query = tend;
	}
	return PR_CONTINUE;
}

static int
parse_header_line(struct writ_http_parser *p, char **sp, struct framing *f)
{
	struct writ_http_header *h;
	char *s = *sp, *name = s, *colon, *val, *vend;
	size_t max = p->lim.max_headers < p->hdrs_cap ? p->lim.max_headers : p->hdrs_cap;

	if (*s == ' ' || *s == '\t')
		return fail(p, 400, "obsolete line folding is not allowed");
	while (is_tchar((unsigned char)*s))
		s++;
	if (s == name || *s != ':')
		return fail(p, 400, "invalid header name");
	colon = s;
	*s++ = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	val = s;
	while (is_field_char((unsigned char)*s))
		s++;
	vend = s;
	if (*s == '\r')
		s++;
	if (*s != '\n')
		return fail(p, 400, "invalid header value");
	*sp = s + 1;
	while (vend > val && (vend[-1] == ' ' || vend[-1] == '\t'))
		vend--;
	*vend = '\0';
	if (p->req.nheaders >= max)
		return fail(p, 431, "too many header fields");
	h = &p->hdrs[p->req.nheaders++];
	h->name = name;
	h->name_len = (size_t)(colon - name);
	h->value = val;
	h->value_len = (size_t)(vend - val);
	return note_header(p, h, f);
}

static bool
name_is(const struct writ_http_header *h, const char *name, size_t len)
{
	return h->name_len == len && strncasecmp(h->name, name, len) == 0;
}

/* Record what the framing-relevant headers say. */
static int
note_header(struct writ_http_parser *p, const struct writ_http_header *h, struct framing *f)
{
	if (name_is(h, "content-length", 14))
		return parse_content_length(p, h->value, h->value_len, f);
	if (name_is(h, "transfer-encoding", 17)) {
		if (f->te == 0 && h->value_len == 7 && strncasecmp(h->value, "chunked", 7) == 0)
			f->te = 1;
		else
			f->te = 2;
	} else if (name_is(h, "connection", 10)) {
		parse_connection(h->value, h->value_len, f);
	} else if (name_is(h, "expect", 6)) {
		if (h->value_len == 12 && strncasecmp(h->value, "100-continue", 12) == 0)
			f->expect_continue = true;
		else
			f->expect_bad = true;
	} else if (name_is(h, "host", 4)) {
		f->nhost++;
	}
	return PR_CONTINUE;
}

/* A decimal, or a list of identical decimals ("5, 5") as RFC 9110 §8.6 allows. */
static int
parse_content_length(struct writ_http_parser *p, const char *v, size_t len, struct framing *f)
{
	size_t i = 0, start, end;
	uint64_t n;

	do {
		while (i < len && (v[i] == ' ' || v[i] == '\t'))
			i++;
		start = i;
		while (i < len && v[i] != ',')
			i++;
		end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (writ_parse_u64(v + start, end - start, &n) != WRIT_OK)
			return fail(p, 400, "invalid content-length");
		if (f->cl_seen && n != f->cl)
			return fail(p, 400, "conflicting content-length");
		f->cl_seen = true;
		f->cl = n;
	} while (i++ < len);
	return PR_CONTINUE;
}

/* Connection: a comma-separated list of case-insensitive tokens. */
static void
parse_connection(const char *v, size_t len, struct framing *f)
{
	size_t i = 0, start, end;

	while (i < len) {
		while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		start = i;
		while (i < len && v[i] != ',')
			i++;
		end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (end - start == 5 && strncasecmp(v + start, "close", 5) == 0)
			f->conn_close = true;
		else if (end - start == 10 && strncasecmp(v + start, "keep-alive", 10) == 0)
			f->conn_keep_alive = true;
	}
}

static int
apply_framing(struct writ_http_parser *p, const struct framing *f)
{
	struct writ_http_req *r = &p->req;

	if (r->version_minor == 1 && f->nhost == 0)
		return fail(p, 400, "missing host header");
	if (f->nhost > 1)
		return fail(p, 400, "duplicate host header");
	if (f->te != 0 && f->cl_seen)
		return fail(p, 400, "both content-length and transfer-encoding");
	if (f->te != 0 && r->version_minor == 0)
		return fail(p, 400, "transfer-encoding in an http/1.0 request");
	if (f->te == 2)
		return fail(p, 501, "unsupported transfer-encoding");
	if (f->expect_bad)
		return fail(p, 417, "expectation failed");
	if (f->cl_seen && f->cl > p->lim.max_body)
		return fail(p, 413, "request body too large");
	r->keep_alive = !f->conn_close && (r->version_minor == 1 || f->conn_keep_alive);
	r->expect_continue = f->expect_continue && r->version_minor == 1;
	r->chunked = f->te == 1;
	p->content_length = f->cl;
	p->pos = p->body_end = p->head_len;
	p->scan = 0;
	if (r->chunked)
		p->state = PS_CHUNK_SIZE;
	else
		p->state = f->cl > 0 ? PS_BODY : PS_DONE;
	return PR_CONTINUE;
}

static enum writ_http_method
method_enum(const char *m, size_t len)
{
	static const struct {
		const char *name;
		size_t len;
		enum writ_http_method m;
	} tab[] = {
	    {"GET", 3, WRIT_HTTP_GET},
	    {"PUT", 3, WRIT_HTTP_PUT},
	    {"POST", 4, WRIT_HTTP_POST},
	    {"HEAD", 4, WRIT_HTTP_HEAD},
	    {"LIST", 4, WRIT_HTTP_LIST},
	    {"PATCH", 5, WRIT_HTTP_PATCH},
	    {"DELETE", 6, WRIT_HTTP_DELETE},
	    {"OPTIONS", 7, WRIT_HTTP_OPTIONS},
	};
	size_t i;

	/* Methods are case-sensitive (RFC 9110 §9.1). */
	for (i = 0; i < WRIT_ARRAY_LEN(tab); i++)
		if (tab[i].len == len && memcmp(tab[i].name, m, len) == 0)
			return tab[i].m;
	return WRIT_HTTP_OTHER;
}

/* ---------------------------------------------------------------------------
 * The body.
 */

static int
parse_body(struct writ_http_parser *p, size_t len)
{
	size_t end;

	/* content_length <= max_body, so it fits a size_t; the sum may not. */
	if (__builtin_add_overflow(p->head_len, (size_t)p->content_length, &end))
		return fail(p, 413, "request body too large");
	if (len < end)
		return PR_AGAIN;
	p->body_end = end;
	p->pos = end;
	p->state = PS_DONE;
	return PR_CONTINUE;
}

/*
 * Run the chunked states over the new bytes, then move the unparsed rest down
 * over the framing already consumed, so buf holds head + body + unparsed.
 */
static int
parse_chunked(struct writ_http_parser *p, char *buf, size_t *lenp)
{
	size_t len = *lenp;
	int rc = PR_CONTINUE;

	while (rc == PR_CONTINUE && p->state != PS_DONE) {
		switch (p->state) {
		case PS_CHUNK_SIZE:
			rc = chunk_size_line(p, buf, len);
			break;
		case PS_CHUNK_DATA:
			rc = chunk_data(p, buf, len);
			break;
		case PS_CHUNK_CRLF:
			rc = chunk_crlf(p, buf, len);
			break;
		default:
			rc = trailer_line(p, buf, len);
			break;
		}
	}
	if (rc == PR_ERROR)
		return rc;
	if (p->pos > p->body_end) {
		memmove(buf + p->body_end, buf + p->pos, len - p->pos);
		*lenp = len - (p->pos - p->body_end);
		p->pos = p->body_end;
	}
	return rc;
}

/*
 * The next line from p->pos, or NULL while it is incomplete; p->scan remembers
 * how far it was searched.  Fails the parse if it grows past max.
 */
static const char *
find_line(struct writ_http_parser *p, const char *buf, size_t len, size_t max)
{
	const char *start = buf + p->pos, *nl;
	size_t have = len - p->pos;

	nl = memchr(start + p->scan, '\n', have - p->scan);
	if (nl == NULL) {
		p->scan = have;
		if (have > max)
			fail(p, 400, "invalid chunked encoding");
		return NULL;
	}
	p->scan = 0;
	if ((size_t)(nl - start) + 1 > max) {
		fail(p, 400, "invalid chunked encoding");
		return NULL;
	}
	return nl;
}

/* chunk-size [ chunk-ext ] CRLF, with chunk-ext = *( BWS ";" ... ). */
static int
chunk_size_line(struct writ_http_parser *p, const char *buf, size_t len)
{
	const char *s = buf + p->pos, *nl, *end;
	uint64_t size = 0, total;
	int d, ndigits = 0;

	if ((nl = find_line(p, buf, len, MAX_CHUNK_LINE)) == NULL)
		return p->state == PS_ERROR ? PR_ERROR : PR_AGAIN;
	end = nl > s && nl[-1] == '\r' ? nl - 1 : nl;
	for (; s < end && (d = writ_hex_digit((unsigned char)*s)) >= 0; s++) {
		if (size > (UINT64_MAX >> 4))
			return fail(p, 413, "request body too large");
		size = (size << 4) | (uint64_t)d;
		ndigits++;
	}
	if (ndigits == 0)
		return fail(p, 400, "invalid chunked encoding");
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s < end && *s != ';')
		return fail(p, 400, "invalid chunked encoding");
	for (; s < end; s++)
		if (!is_field_char((unsigned char)*s))
			return fail(p, 400, "invalid chunked encoding");
	total = (uint64_t)(p->body_end - p->head_len);
	if (size > p->lim.max_body || total + size > p->lim.max_body)
		return fail(p, 413, "request body too large");
	p->pos = (size_t)(nl - buf) + 1;
	p->chunk_left = size;
	p->state = size == 0 ? PS_TRAILER : PS_CHUNK_DATA;
	return PR_CONTINUE;
}

static int
chunk_data(struct writ_http_parser *p, char *buf, size_t len)
{
	size_t n = len - p->pos;

	if (n > p->chunk_left)
		n = (size_t)p->chunk_left;
	if (p->body_end != p->pos)
		memmove(buf + p->body_end, buf + p->pos, n);
	p->body_end += n;
	p->pos += n;
	p->chunk_left -= n;
	if (p->chunk_left != 0)
		return PR_AGAIN;
	p->state = PS_CHUNK_CRLF;
	return PR_CONTINUE;
}

static int
chunk_crlf(struct writ_http_parser *p, const char *buf, size_t len)
{
	if (p->pos >= len)
		return PR_AGAIN;
	if (buf[p->pos] == '\r') {
		if (p->pos + 1 >= len)
			return PR_AGAIN;
		if (buf[p->pos + 1] != '\n')
			return fail(p, 400, "invalid chunked encoding");
		p->pos++;
	} else if (buf[p->pos] != '\n') {
		return fail(p, 400, "invalid chunked encoding");
	}
	p->pos++;
	p->state = PS_CHUNK_SIZE;
	return PR_CONTINUE;
}

/* A trailer field "name: value": checked, counted against the header limit, dropped. */
static bool
check_field_line(const char *s, const char *end)
{
	const char *name = s;

	while (s < end && is_tchar((unsigned char)*s))
		s++;
	if (s == name || s == end || *s != ':')
		return false;
	for (s++; s < end; s++)
		if (!is_field_char((unsigned char)*s))
			return false;
	return true;
}

static int
trailer_line(struct writ_http_parser *p, const char *buf, size_t len)
{
	const char *s = buf + p->pos, *nl, *end;
	size_t n;

	if ((nl = find_line(p, buf, len, p->lim.max_header_bytes)) == NULL) {
		if (p->state == PS_ERROR ||
		    p->trailer_len + (len - p->pos) > p->lim.max_header_bytes)
			return fail(p, 431, "request header fields too large");
		return PR_AGAIN;
	}
	n = (size_t)(nl - s) + 1;
	end = nl > s && nl[-1] == '\r' ? nl - 1 : nl;
	p->pos += n;
	if (end == s) {
		p->state = PS_DONE;
		return PR_CONTINUE;
	}
	p->trailer_len += n;
	if (p->trailer_len > p->lim.max_header_bytes)
		return fail(p, 431, "request header fields too large");
	if (!check_field_line(s, end))
		return fail(p, 400, "invalid trailer field");
	return PR_CONTINUE;
}

/* ---------------------------------------------------------------------------
 * Completion.
 */

static const char *
rebase(const char *ptr, uintptr_t old, char *buf)
{
	return buf + ((uintptr_t)ptr - old);
}

/* Hand the request to the caller, moving pointers if the buffer moved since the head. */
static void
finish(struct writ_http_parser *p, char *buf, struct writ_http_req *req)
{
	struct writ_http_req *r = &p->req;
	size_t i;

	if ((uintptr_t)buf != p->base) {
		r->method_str = rebase(r->method_str, p->base, buf);
		r->path = rebase(r->path, p->base, buf);
		r->query = rebase(r->query, p->base, buf);
		for (i = 0; i < r->nheaders; i++) {
			p->hdrs[i].name = rebase(p->hdrs[i].name, p->base, buf);
			p->hdrs[i].value = rebase(p->hdrs[i].value, p->base, buf);
		}
		p->base = (uintptr_t)buf;
	}
	r->body_len = p->body_end - p->head_len;
	r->body = r->body_len > 0 ? buf + p->head_len : NULL;
	p->consumed = p->body_end;
	*req = *r;
}

/* ---------------------------------------------------------------------------
 * Request and response helpers.
 */

const char *
writ_http_req_header(const struct writ_http_req *req, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < req->nheaders; i++)
		if (name_is(&req->headers[i], name, len))
			return req->headers[i].value;
	return NULL;
}

const char *
writ_http_method_name(enum writ_http_method m)
{
	static const char *const names[] = {
	    [WRIT_HTTP_OTHER] = "OTHER",
	    [WRIT_HTTP_GET] = "GET",
	    [WRIT_HTTP_HEAD] = "HEAD",
	    [WRIT_HTTP_POST] = "POST",
	    [WRIT_HTTP_PUT] = "PUT",
	    [WRIT_HTTP_PATCH] = "PATCH",
	    [WRIT_HTTP_DELETE] = "DELETE",
	    [WRIT_HTTP_LIST] = "LIST",
	    [WRIT_HTTP_OPTIONS] = "OPTIONS",
	};

	if ((unsigned)m >= WRIT_ARRAY_LEN(names))
		return "OTHER";
	return names[m];
}

writ_rc
writ_http_pct_decode(const char *src, size_t len, char *out, size_t *outlen, bool plus_space)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		char c = src[i];

		if (c == '%') {
			if (len - i < 3)
				return WRIT_EINVAL;
			hi = writ_hex_digit((unsigned char)src[i + 1]);
			lo = writ_hex_digit((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return WRIT_EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_space) {
			c = ' ';
		} else if (c == '\0') {
			return WRIT_EINVAL;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return WRIT_OK;
}

const char *
writ_http_status_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 307:
		return "Temporary Redirect";
	case 308:
		return "Permanent Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 411:
		return "Length Required";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 416:
		return "Range Not Satisfiable";
	case 417:
		return "Expectation Failed";
	case 421:
		return "Misdirected Request";
	case 422:
		return "Unprocessable Content";
	case 428:
		return "Precondition Required";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Status";
	}
}

writ_rc
writ_http_resp_error(struct writ_http_resp *resp, int status, const char *msg)
{
	struct writ_buf b;
	writ_rc rc;

	if (!resp->body_borrowed)
		writ_free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
	resp->body_borrowed = false;
	resp->status = status;
	resp->content_type = "application/json";
	writ_buf_init(&b, 0);
	if ((rc = writ_buf_appends(&b, "{\"errors\":[")) != WRIT_OK ||
	    (rc = writ_buf_append_json_str(&b, msg, strlen(msg))) != WRIT_OK ||
	    (rc = writ_buf_appends(&b, "]}")) != WRIT_OK)
		goto out;
	resp->body = writ_buf_steal(&b, &resp->body_len);
out:
	writ_buf_free(&b);
	return rc;
}
