/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parsed_body and truncated_body of the Envoy input document, and the URL
 * helpers the input shares with parsed_path and parsed_query.  They follow
 * the Go functions OPA's Envoy plugin calls, so a policy sees the same values:
 *
 *   url.PathUnescape, url.QueryUnescape  envoy_unescape
 *   url.ParseQuery                       envoy_parse_query
 *   mime.ParseMediaType                  media_type
 *   multipart.Reader (NextPart, FormName) multipart
 *
 * Differences, all toward less: multipart parts in quoted-printable are not
 * decoded, RFC 2231 parameter continuations are not joined, and gRPC bodies
 * are never decoded (OPA needs a descriptor set for that, which writ does not
 * take), so they give null as OPA does without one.
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "envoy_int.h"

#define MAX_PARAMS 32 /* parameters of one media type */

struct param {
	const char *name; /* lower-cased */
	const char *value;
	size_t nlen, vlen;
};

struct media {
	char type[64]; /* lower-cased; truncated names never match what we look for */
	struct param p[MAX_PARAMS];
	size_t np;
};

/* ---------------------------------------------------------------------------
 * URL decoding and queries.
 */

/* Go's strconv.Quote of a short byte string, for messages. */
static const char *
quoted(char *buf, size_t buflen, const char *s, size_t len)
{
	size_t i, n = 0;

	buf[n++] = '"';
	for (i = 0; i < len && n + 6 < buflen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, buflen - n, "\\x%02x", c);
	}
	buf[n++] = '"';
	buf[n] = '\0';
	return buf;
}

writ_rc
envoy_unescape(struct writ_arena *a, const char *s, size_t len, bool plus_space, char **out,
    size_t *outlen, struct writ_err *err)
{
	char *d = writ_arena_alloc(a, len + 1), q[24];
	size_t i, n = 0;

	if (d == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	for (i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '+' && plus_space) {
			d[n++] = ' ';
			continue;
		}
		if (s[i] != '%') {
			d[n++] = s[i];
			continue;
		}
		if (len - i < 3 || (hi = writ_hex_digit((unsigned char)s[i + 1])) < 0 ||
		    (lo = writ_hex_digit((unsigned char)s[i + 2])) < 0)
			return WRIT_ERR(err, WRIT_EINVAL, "invalid URL escape %s",
			    quoted(q, sizeof(q), s + i, len - i < 3 ? len - i : 3));
		d[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	d[n] = '\0';
	*out = d;
	*outlen = n;
	return WRIT_OK;
}

writ_rc
envoy_parse_query(struct writ_arena *a, const char *s, size_t len, struct envoy_pair **out,
    size_t *n, struct writ_err *err)
{
	struct envoy_pair *p;
	size_t i, np = 1, at = 0, cnt = 0;
	writ_rc rc;

	for (i = 0; i < len; i++)
		np += s[i] == '&';
	if ((p = writ_arena_calloc(a, np, sizeof(*p))) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	while (at < len) {
		const char *amp = memchr(s + at, '&', len - at);
		size_t end = amp != NULL ? (size_t)(amp - s) : len, klen;
		const char *eq;
		char *k, *v;

		if (memchr(s + at, ';', end - at) != NULL)
			return WRIT_ERR(err, WRIT_EINVAL, "invalid semicolon separator in query");
		if (end > at) {
			eq = memchr(s + at, '=', end - at);
			klen = eq != NULL ? (size_t)(eq - s) - at : end - at;
			if ((rc = envoy_unescape(a, s + at, klen, true, &k, &p[cnt].klen, err)) !=
			        WRIT_OK ||
			    (rc = envoy_unescape(a, eq ? eq + 1 : "",
			         eq ? (size_t)(s + end - eq - 1) : 0, true, &v, &p[cnt].vlen,
			         err)) != WRIT_OK)
				return rc;
			p[cnt].key = k;
			p[cnt].val = v;
			cnt++;
		}
		at = end + 1;
	}
	*out = p;
	*n = cnt;
	return WRIT_OK;
}

static int
pair_cmp(const void *x, const void *y)
{
	const struct envoy_pair *const *a = x, *const *b = y;
	size_t n = (*a)->klen < (*b)->klen ? (*a)->klen : (*b)->klen;
	int c = memcmp((*a)->key, (*b)->key, n);

	if (c != 0)
		return c;
	if ((*a)->klen != (*b)->klen)
		return (*a)->klen < (*b)->klen ? -1 : 1;
	return *a < *b ? -1 : *a > *b; /* same key: keep their order */
}

static bool
same_key(const struct envoy_pair *a, const struct envoy_pair *b)
{
	return a->klen == b->klen && memcmp(a->key, b->key, a->klen) == 0;
}

void
envoy_emit_multimap(struct jw *w, struct envoy_pair *p, size_t n)
{
	struct envoy_pair **ord;
	size_t i;

	if (w->rc != WRIT_OK)
		return;
	if (n == 0) {
		jw_raw(w, "{}", 2);
		return;
	}
	if ((ord = writ_arena_calloc(w->a, n, sizeof(*ord))) == NULL) {
		jw_fail(w, WRIT_ENOMEM, "out of memory");
		return;
	}
	for (i = 0; i < n; i++)
		ord[i] = &p[i];
	qsort(ord, n, sizeof(*ord), pair_cmp);
	jw_raw(w, "{", 1);
	for (i = 0; i < n; i++) {
		bool starts = i == 0 || !same_key(ord[i - 1], ord[i]);

		if (starts) {
			if (i > 0)
				jw_raw(w, "],", 2);
			jw_str_lossy(w, ord[i]->key, ord[i]->klen);
			jw_raw(w, ":[", 2);
		} else {
			jw_raw(w, ",", 1);
		}
		if (ord[i]->json)
			jw_json(w, ord[i]->val, ord[i]->vlen);
		else
			jw_str_lossy(w, ord[i]->val, ord[i]->vlen);
	}
	jw_raw(w, "]}", 2);
}

static int
key_cmp(const void *x, const void *y)
{
	const struct envoy_key *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	if (c != 0)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

size_t
envoy_keys_last(struct envoy_key *k, size_t n)
{
	size_t i, m = 0;

	qsort(k, n, sizeof(*k), key_cmp);
	for (i = 0; i < n; i++)
		if (i + 1 == n || strcmp(k[i].key, k[i + 1].key) != 0)
			k[m++] = k[i];
	return m;
}

/* ---------------------------------------------------------------------------
 * Media types (mime.ParseMediaType).
 */

static bool
tspecial(int c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static bool
token_char(int c)
{
	return c > 0x20 && c < 0x7f && !tspecial(c);
}

static bool
space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static size_t
skip_space(const char *s, size_t len, size_t i)
{
	while (i < len && space((unsigned char)s[i]))
		i++;
	return i;
}

static size_t
token_end(const char *s, size_t len, size_t i)
{
	while (i < len && token_char((unsigned char)s[i]))
		i++;
	return i;
}

/*
 * A quoted-string at s[i] (the quote) into the arena: backslash escapes a
 * tspecial; false when it does not end.
 */
static bool
quoted_value(struct writ_arena *a, const char *s, size_t len, size_t *i, struct param *p)
{
	char *v = writ_arena_alloc(a, len - *i + 1);
	size_t j, n = 0;

	if (v == NULL)
		return false;
	for (j = *i + 1; j < len; j++) {
		if (s[j] == '"') {
			v[n] = '\0';
			p->value = v;
			p->vlen = n;
			*i = j + 1;
			return true;
		}
		if (s[j] == '\\' && j + 1 < len && tspecial((unsigned char)s[j + 1]))
			j++;
		v[n++] = s[j];
	}
	return false;
}

/* One "; name=value" at s[*i]; false when there is none or it is malformed. */
static bool
media_param(struct writ_arena *a, const char *s, size_t len, size_t *i, struct param *p)
{
	size_t j = skip_space(s, len, *i), e;
	char *name;

	if (j >= len || s[j] != ';')
		return false;
	j = skip_space(s, len, j + 1);
	if ((e = token_end(s, len, j)) == j || (name = writ_arena_strndup(a, s + j, e - j)) == NULL)
		return false;
	for (p->name = name, p->nlen = e - j; *name != '\0'; name++)
		if (*name >= 'A' && *name <= 'Z')
			*name = (char)(*name - 'A' + 'a');
	j = skip_space(s, len, e);
	if (j >= len || s[j] != '=')
		return false;
	j = skip_space(s, len, j + 1);
	if (j < len && s[j] == '"') {
		if (!quoted_value(a, s, len, &j, p))
			return false;
	} else {
		if ((e = token_end(s, len, j)) == j)
			return false;
		p->value = s + j;
		p->vlen = e - j;
		j = e;
	}
	*i = j;
	return true;
}

/* Parse a Content-Type or Content-Disposition value; WRIT_EINVAL with Go's message. */
static writ_rc
media_type(struct writ_arena *a, const char *s, struct media *m, struct writ_err *err)
{
	size_t len = strlen(s), semi = strcspn(s, ";"), i, j, e;

	memset(m, 0, sizeof(*m));
	i = skip_space(s, semi, 0);
	e = semi;
	while (e > i && space((unsigned char)s[e - 1]))
		e--;
	if (i == e)
		return WRIT_ERR(err, WRIT_EINVAL, "mime: no media type");
	j = token_end(s, e, i);
	if (j == i)
		return WRIT_ERR(err, WRIT_EINVAL, "mime: no media type");
	if (j < e && s[j] == '/') {
		size_t k = token_end(s, e, j + 1);

		if (k == j + 1)
			return WRIT_ERR(err, WRIT_EINVAL, "mime: expected token after slash");
		j = k;
	}
	if (j != e)
		return WRIT_ERR(err, WRIT_EINVAL, "mime: unexpected content after media subtype");
	snprintf(m->type, sizeof(m->type), "%.*s", (int)(e - i), s + i);
	for (j = 0; m->type[j] != '\0'; j++)
		if (m->type[j] >= 'A' && m->type[j] <= 'Z')
			m->type[j] = (char)(m->type[j] - 'A' + 'a');
	for (i = semi; skip_space(s, len, i) < len;) {
		struct param p;
		size_t k;

		if (!media_param(a, s, len, &i, &p)) {
			if (strspn(s + skip_space(s, len, i), ";") == 1 &&
			    skip_space(s, len, skip_space(s, len, i) + 1) == len)
				break; /* one trailing ';' is tolerated */
			return WRIT_ERR(err, WRIT_EINVAL, "mime: invalid media parameter");
		}
		for (k = 0; k < m->np; k++)
			if (strcmp(m->p[k].name, p.name) == 0)
				break;
		if (k < m->np) {
			if (m->p[k].vlen != p.vlen || memcmp(m->p[k].value, p.value, p.vlen) != 0)
				return WRIT_ERR(err, WRIT_EINVAL, "mime: duplicate parameter name");
			continue;
		}
		if (m->np == MAX_PARAMS)
			return WRIT_ERR(err, WRIT_EINVAL, "mime: invalid media parameter");
		m->p[m->np++] = p;
	}
	return WRIT_OK;
}

static const struct param *
media_get(const struct media *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->np; i++)
		if (strcmp(m->p[i].name, name) == 0)
			return &m->p[i];
	return NULL;
}

/* ---------------------------------------------------------------------------
 * multipart/form-data (Go's multipart.Reader, one part at a time).
 */

struct mp {
	struct writ_arena *a;
	const char *s;
	size_t len, pos;
	char *dash; /* "\r\n--" boundary "--"; views below point into it */
	size_t blen;
	const char *nl; /* "\r\n", or "\n" once the first delimiter line ends so */
	size_t nllen;
	unsigned parts;
	struct writ_err *err;
};

/* The line at mp->pos including its '\n'; *eof when there is no '\n'. */
static size_t
mp_line(const struct mp *m, bool *eof)
{
	const char *nl = memchr(m->s + m->pos, '\n', m->len - m->pos);

	*eof = nl == NULL;
	return nl != NULL ? (size_t)(nl - (m->s + m->pos)) + 1 : m->len - m->pos;
}

static size_t
skip_lwsp(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i;
}

/* "--B" (dash) or "--B--" (final) then LWSP then the line end (or nothing, for final). */
static bool
mp_is(struct mp *m, const char *line, size_t len, bool final)
{
	size_t plen = 2 + m->blen + (final ? 2 : 0), rest;

	if (len < plen || memcmp(line, m->dash + 2, plen - (final ? 2 : 0)) != 0 ||
	    (final && memcmp(line + plen - 2, "--", 2) != 0))
		return false;
	rest = skip_lwsp(line, len, plen);
	if (final)
		return rest == len ||
		    (len - rest == m->nllen && memcmp(line + rest, m->nl, m->nllen) == 0);
	if (m->parts == 0 && len - rest == 1 && line[rest] == '\n') {
		m->nl = "\n";
		m->nllen = 1;
	}
	return len - rest == m->nllen && memcmp(line + rest, m->nl, m->nllen) == 0;
}

/* After a boundary candidate at s[i..i+plen): +1 a boundary, -1 not (matchAfterPrefix). */
static int
mp_after(const struct mp *m, size_t i, size_t plen)
{
	size_t j = i + plen;
	char c;

	if (j >= m->len)
		return +1;
	c = m->s[j];
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
		return +1;
	if (c == '-' && j + 1 < m->len && m->s[j + 1] == '-')
		return +1;
	return -1;
}

/* Where the body starting at m->pos ends (the "\r\n--B" after it), or SIZE_MAX. */
static size_t
mp_body_end(const struct mp *m)
{
	const char *nldash = m->dash + (m->nllen == 1 ? 1 : 0);
	size_t plen = m->nllen + 2 + m->blen, i = m->pos;

	if (m->len - m->pos >= 2 + m->blen &&
	    memcmp(m->s + m->pos, m->dash + 2, 2 + m->blen) == 0 &&
	    mp_after(m, m->pos, 2 + m->blen) > 0)
		return m->pos; /* the body is empty and the boundary follows at once */
	while (i + plen <= m->len) {
		const char *hit = memmem(m->s + i, m->len - i, nldash, plen);

		if (hit == NULL)
			break;
		i = (size_t)(hit - m->s);
		if (mp_after(m, i, plen) > 0)
			return i;
		i++;
	}
	return SIZE_MAX;
}

/*
 * The part's header lines (textproto.ReadMIMEHeader, reduced to what is
 * needed): Content-Disposition and Content-Type, the first of each.
 */
static writ_rc
mp_headers(struct mp *m, const char **disp, const char **ctype)
{
	bool eof, first = true;
	size_t n, e, colon;

	*disp = *ctype = NULL;
	for (;;) {
		const char *line = m->s + m->pos, *v;

		n = mp_line(m, &eof);
		if (eof)
			return WRIT_ERR(m->err, WRIT_EINVAL, "unexpected EOF");
		m->pos += n;
		e = n - 1;
		if (e > 0 && line[e - 1] == '\r')
			e--;
		if (e == 0)
			return WRIT_OK;
		if (line[0] == ' ' || line[0] == '\t') {
			if (first)
				return WRIT_ERR(
				    m->err, WRIT_EINVAL, "malformed MIME header initial line");
			continue; /* a folded continuation: not of a header we read */
		}
		first = false;
		colon = token_end(line, e, 0);
		if (colon == 0 || colon >= e || line[colon] != ':')
			return WRIT_ERR(m->err, WRIT_EINVAL, "malformed MIME header line");
		v = writ_arena_strndup(
		    m->a, line + skip_lwsp(line, e, colon + 1), e - skip_lwsp(line, e, colon + 1));
		if (v == NULL)
			return WRIT_ERR(m->err, WRIT_ENOMEM, "out of memory");
		if (colon == 19 && strncasecmp(line, "Content-Disposition", 19) == 0 &&
		    *disp == NULL)
			*disp = v;
		else if (colon == 12 && strncasecmp(line, "Content-Type", 12) == 0 &&
		    *ctype == NULL)
			*ctype = v;
	}
}

/* One part at m->pos (after its delimiter line): its form name and value, if named. */
static writ_rc
mp_part(struct mp *m, struct envoy_pair *out, bool *named)
{
	const char *disp, *ctype;
	const struct param *name;
	struct writ_err ignored = {0};
	struct media md;
	size_t end;
	writ_rc rc;

	*named = false;
	if ((rc = mp_headers(m, &disp, &ctype)) != WRIT_OK)
		return rc;
	if ((end = mp_body_end(m)) == SIZE_MAX)
		return WRIT_ERR(m->err, WRIT_EINVAL, "unexpected EOF");
	memset(out, 0, sizeof(*out));
	out->val = m->s + m->pos;
	out->vlen = end - m->pos;
	out->json = ctype != NULL && strstr(ctype, "application/json") != NULL;
	m->pos = end;
	/* FormName: a form-data disposition with a name; anything else is skipped. */
	if (disp == NULL || media_type(m->a, disp, &md, &ignored) != WRIT_OK ||
	    strcmp(md.type, "form-data") != 0 || (name = media_get(&md, "name")) == NULL ||
	    name->vlen == 0)
		return WRIT_OK;
	out->key = name->value;
	out->klen = name->vlen;
	*named = true;
	return WRIT_OK;
}

/* Every part of body (boundary given) into pairs. */
static writ_rc
multipart(struct mp *m, struct envoy_pair **out, size_t *n)
{
	struct envoy_pair *p = NULL;
	size_t cap = 0, cnt = 0, len;
	bool eof, expect_new = false, named;
	writ_rc rc;

	for (;;) {
		const char *line = m->s + m->pos;

		len = mp_line(m, &eof);
		if (eof && mp_is(m, line, len, true))
			break;
		if (eof)
			return WRIT_ERR(m->err, WRIT_EINVAL, "multipart: NextPart: EOF");
		m->pos += len;
		if (mp_is(m, line, len, false)) {
			m->parts++;
			expect_new = false;
			if (cnt == cap) {
				struct envoy_pair *np;

				cap = cap ? 2 * cap : 8;
				if ((np = writ_arena_calloc(m->a, cap, sizeof(*np))) == NULL)
					return WRIT_ERR(m->err, WRIT_ENOMEM, "out of memory");
				if (cnt > 0)
					memcpy(np, p, cnt * sizeof(*p));
				p = np;
			}
			if ((rc = mp_part(m, &p[cnt], &named)) != WRIT_OK)
				return rc;
			cnt += named;
			continue;
		}
		if (mp_is(m, line, len, true))
			break;
		if (expect_new)
			return WRIT_ERR(m->err, WRIT_EINVAL, "multipart: expecting a new Part");
		if (m->parts == 0)
			continue; /* the preamble */
		if (len == m->nllen && memcmp(line, m->nl, len) == 0) {
			expect_new = true;
			continue;
		}
		return WRIT_ERR(m->err, WRIT_EINVAL, "multipart: unexpected line in Next()");
	}
	*out = p;
	*n = cnt;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * parsed_body.
 */

static void
emit_null_body(struct jw *w, bool *first, bool truncated)
{
	jw_key(w, first, "parsed_body");
	jw_lit(w, "null");
	jw_key(w, first, "truncated_body");
	jw_lit(w, truncated ? "true" : "false");
}

/* Go's strconv.ParseInt(s, 10, 64). */
static bool
parse_int64(const char *s, int64_t *out)
{
	bool neg = s[0] == '-';
	uint64_t u;
	size_t skip = (s[0] == '-' || s[0] == '+') ? 1 : 0;

	if (writ_parse_u64(s + skip, strlen(s + skip), &u) != WRIT_OK ||
	    u > (uint64_t)INT64_MAX + neg)
		return false;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return true;
}

/* content-length larger than what Envoy sent: the body was cut. */
static bool
truncated(struct jw *w, envoy_header_fn hdr, const void *harg, size_t len, bool *cut)
{
	const char *cl = hdr(harg, "content-length");
	char q[80];
	int64_t v;

	*cut = false;
	if (cl == NULL)
		return true;
	if (!parse_int64(cl, &v)) {
		jw_fail(w, WRIT_EINVAL, "strconv.ParseInt: parsing %s: invalid syntax",
		    quoted(q, sizeof(q), cl, strlen(cl)));
		return false;
	}
	*cut = v != -1 && v > (int64_t)len;
	return true;
}

static void
emit_multipart(struct jw *w, const char *ctype, const char *body, size_t len, bool *first)
{
	struct mp m = {.a = w->a, .s = body, .len = len, .nl = "\r\n", .nllen = 2, .err = w->err};
	const struct param *b;
	struct envoy_pair *pairs = NULL;
	struct media md;
	size_t n = 0;
	writ_rc rc;

	if ((rc = media_type(w->a, ctype, &md, w->err)) != WRIT_OK) {
		w->rc = rc;
		return;
	}
	if ((b = media_get(&md, "boundary")) == NULL) {
		emit_null_body(w, first, false);
		return;
	}
	if (b->vlen == 0) {
		jw_fail(w, WRIT_EINVAL, "multipart: boundary is empty");
		return;
	}
	if ((m.dash = writ_arena_printf(w->a, "\r\n--%.*s--", (int)b->vlen, b->value)) == NULL) {
		jw_fail(w, WRIT_ENOMEM, "out of memory");
		return;
	}
	m.blen = b->vlen;
	if ((rc = multipart(&m, &pairs, &n)) != WRIT_OK) {
		w->rc = rc;
		return;
	}
	jw_key(w, first, "parsed_body");
	envoy_emit_multimap(w, pairs, n);
	jw_key(w, first, "truncated_body");
	jw_lit(w, "false");
}

/* A form or multipart body (JSON is checked the same way before). */
static void
emit_form(struct jw *w, const char *ct, const char *body, size_t len, bool *first)
{
	struct envoy_pair *pairs;
	size_t n;
	writ_rc rc;

	if (strstr(ct, "application/x-www-form-urlencoded") == NULL) {
		emit_multipart(w, ct, body, len, first);
		return;
	}
	if ((rc = envoy_parse_query(w->a, body, len, &pairs, &n, w->err)) != WRIT_OK) {
		w->rc = rc;
		return;
	}
	jw_key(w, first, "parsed_body");
	envoy_emit_multimap(w, pairs, n);
	jw_key(w, first, "truncated_body");
	jw_lit(w, "false");
}

void
envoy_emit_body(struct jw *w, envoy_header_fn hdr, const void *harg, const char *body,
    size_t body_len, const void *raw, size_t raw_len, bool *first)
{
	const char *ct = hdr(harg, "content-type"),
	           *partial = hdr(harg, "x-envoy-auth-partial-body");
	bool json, form, cut;

	if (partial != NULL && strcmp(partial, "true") == 0) {
		emit_null_body(w, first, true);
		return;
	}
	/* OPA's order: JSON, then gRPC (never decoded here), then the two forms. */
	json = ct != NULL && strstr(ct, "application/json") != NULL;
	form = ct != NULL && !json && strstr(ct, "application/grpc") == NULL &&
	    (strstr(ct, "application/x-www-form-urlencoded") != NULL ||
	        strstr(ct, "multipart/form-data") != NULL);
	if (body_len == 0) {
		body = raw;
		body_len = raw_len;
	}
	if ((!json && !form) || body_len == 0) {
		emit_null_body(w, first, false);
		return;
	}
	if (!truncated(w, hdr, harg, body_len, &cut))
		return;
	if (cut) {
		emit_null_body(w, first, true);
	} else if (json) {
		jw_key(w, first, "parsed_body");
		jw_json(w, body, body_len);
		jw_key(w, first, "truncated_body");
		jw_lit(w, "false");
	} else {
		emit_form(w, ct, body, body_len, first);
	}
}
