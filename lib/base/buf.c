/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Growable byte buffers with a hard maximum (after curl's dynbuf).  Growth is
 * overflow checked; secret buffers are wiped when they move or are freed.
 */
#include <stdio.h>
#include <string.h>

#include "writ/base.h"

#define BUF_DEFAULT_MAX (SIZE_MAX / 2)

void
writ_buf_init(struct writ_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max ? max : BUF_DEFAULT_MAX;
}

void
writ_buf_free(struct writ_buf *b)
{
	if (b->ptr != NULL && b->secret)
		writ_memzero(b->ptr, b->cap);
	writ_free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
}

void
writ_buf_reset(struct writ_buf *b)
{
	if (b->ptr != NULL) {
		if (b->secret)
			writ_memzero(b->ptr, b->len);
		b->ptr[0] = '\0';
	}
	b->len = 0;
}

static writ_rc
buf_grow(struct writ_buf *b, size_t add)
{
	size_t need, ncap;
	char *p;

	if (__builtin_add_overflow(b->len, add, &need) || need >= b->max)
		return WRIT_ETOOBIG;
	need += 1;
	if (need <= b->cap)
		return WRIT_OK;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need) {
		if (__builtin_mul_overflow(ncap, 2, &ncap))
			return WRIT_ETOOBIG;
	}
	if (ncap > b->max)
		ncap = b->max;
	if (b->secret) {
		p = writ_malloc(ncap);
		if (p == NULL)
			return WRIT_ENOMEM;
		if (b->ptr != NULL) {
			memcpy(p, b->ptr, b->len + 1);
			writ_memzero(b->ptr, b->cap);
			writ_free(b->ptr);
		}
	} else {
		p = writ_realloc(b->ptr, ncap);
		if (p == NULL)
			return WRIT_ENOMEM;
	}
	b->ptr = p;
	b->cap = ncap;
	return WRIT_OK;
}

writ_rc
writ_buf_append(struct writ_buf *b, const void *p, size_t len)
{
	writ_rc rc = buf_grow(b, len);

	if (rc != WRIT_OK)
		return rc;
	if (len > 0)
		memcpy(b->ptr + b->len, p, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return WRIT_OK;
}

writ_rc
writ_buf_appends(struct writ_buf *b, const char *s)
{
	return writ_buf_append(b, s, strlen(s));
}

writ_rc
writ_buf_vappendf(struct writ_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	writ_rc rc;

	/* Usually it fits in the room already there: one pass. */
	if (b->ptr != NULL && b->cap > b->len + 1) {
		va_copy(ap2, ap);
		n = vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, ap2);
		va_end(ap2);
		if (n < 0) {
			b->ptr[b->len] = '\0';
			return WRIT_EINVAL;
		}
		if ((size_t)n < b->cap - b->len) {
			if ((size_t)n > b->max - 1 - b->len) {
				b->ptr[b->len] = '\0';
				return WRIT_ETOOBIG;
			}
			b->len += (size_t)n;
			return WRIT_OK;
		}
		b->ptr[b->len] = '\0';
	} else {
		va_copy(ap2, ap);
		n = vsnprintf(NULL, 0, fmt, ap2);
		va_end(ap2);
		if (n < 0)
			return WRIT_EINVAL;
	}
	rc = buf_grow(b, (size_t)n);
	if (rc != WRIT_OK)
		return rc;
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return WRIT_OK;
}

writ_rc
writ_buf_appendf(struct writ_buf *b, const char *fmt, ...)
{
	va_list ap;
	writ_rc rc;

	va_start(ap, fmt);
	rc = writ_buf_vappendf(b, fmt, ap);
	va_end(ap);
	return rc;
}

/* Bytes that need an escape inside a JSON string: 1 (control, '"', '\\', DEL). */
static const unsigned char json_esc[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1,
	[0x07] = 1, [0x08] = 1, [0x09] = 1, [0x0a] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
	[0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1,
	[0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1a] = 1, [0x1b] = 1,
	[0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 1,
};

writ_rc
writ_buf_append_json_str(struct writ_buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;
	char esc[6] = {'\\', 'u', '0', '0', 0, 0};
	writ_rc rc;

	if ((rc = writ_buf_append(b, "\"", 1)) != WRIT_OK)
		return rc;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep;
		size_t replen = 2;

		if (!json_esc[c])
			continue;
		if (c == '"')
			rep = "\\\"";
		else if (c == '\\')
			rep = "\\\\";
		else if (c == '\n')
			rep = "\\n";
		else if (c == '\r')
			rep = "\\r";
		else if (c == '\t')
			rep = "\\t";
		else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			rep = esc;
			replen = 6;
		}
		if ((rc = writ_buf_append(b, s + start, i - start)) != WRIT_OK)
			return rc;
		if ((rc = writ_buf_append(b, rep, replen)) != WRIT_OK)
			return rc;
		start = i + 1;
	}
	if ((rc = writ_buf_append(b, s + start, len - start)) != WRIT_OK)
		return rc;
	return writ_buf_append(b, "\"", 1);
}

char *
writ_buf_steal(struct writ_buf *b, size_t *len)
{
	char *p = b->ptr;

	if (len != NULL)
		*len = b->len;
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}
