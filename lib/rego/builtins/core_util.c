/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the core builtin families: error shapes, results built
 * from buffers and element lists, integer operands, and Go's view of UTF-8.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rego/builtins/core_int.h"

enum rego_bres
core_type_err(struct rego_bctx *c, const char *fmt, ...)
{
	char msg[sizeof(c->err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err->code, sizeof(c->err->code), "eval_type_error");
	snprintf(c->err->message, sizeof(c->err->message), "%.64s: %.440s", c->name, msg);
	return REGO_B_ERR;
}

enum rego_bres
core_fail(struct rego_bctx *c, writ_rc rc, const struct writ_err *err)
{
	if (rc == WRIT_ELIMIT && writ_arena_over_cap(c->arena)) {
		snprintf(c->err->code, sizeof(c->err->code), "eval_cancel_error");
		snprintf(c->err->message, sizeof(c->err->message), "%.64s: memory limit reached",
		    c->name);
		return REGO_B_ERR;
	}
	if (rc == WRIT_ENOMEM)
		return rego_berr(c, "out of memory");
	return rego_berr(c, "%s", err != NULL ? err->msg : "failed");
}

enum rego_bres
core_buf_err(struct rego_bctx *c, writ_rc rc)
{
	if (rc == WRIT_ETOOBIG)
		return rego_berr(c, "result exceeds %zu bytes", CORE_MAX_STR);
	return rego_berr(c, "out of memory");
}

enum rego_bres
core_check(struct rego_bctx *c, writ_rc rc, const struct writ_err *err)
{
	return rc == WRIT_OK ? REGO_B_OK : core_fail(c, rc, err);
}

enum rego_bres
core_str(struct rego_bctx *c, const char *s, size_t len, const struct rego_val **out)
{
	struct writ_err err;
	writ_rc rc;

	if (len == 0) {
		*out = &rego_empty_string_val;
		return REGO_B_OK;
	}
	rc = rego_string(c->arena, s, len, out, &err);
	return core_check(c, rc, &err);
}

enum rego_bres
core_buf_str(struct rego_bctx *c, struct writ_buf *b, const struct rego_val **out)
{
	enum rego_bres r = core_str(c, b->ptr != NULL ? b->ptr : "", b->len, out);

	writ_buf_free(b);
	return r;
}

enum rego_bres
core_int(struct rego_bctx *c, int64_t i, const struct rego_val **out)
{
	struct writ_err err;
	writ_rc rc = rego_int(c->arena, i, out, &err);

	return core_check(c, rc, &err);
}

enum rego_bres
core_array(struct rego_bctx *c, const struct rego_val *const *elems, size_t n,
    const struct rego_val **out)
{
	struct writ_err err;
	writ_rc rc;

	if (n == 0) {
		*out = &rego_empty_array_val;
		return REGO_B_OK;
	}
	rc = rego_array(c->arena, elems, n, out, &err);
	return core_check(c, rc, &err);
}

enum rego_bres
core_elems(struct rego_bctx *c, size_t n, const struct rego_val ***out)
{
	struct writ_err err;

	*out = writ_arena_calloc(c->arena, n ? n : 1, sizeof(**out));
	if (*out == NULL)
		return core_fail(c, rego_oom(c->arena, &err), &err);
	return REGO_B_OK;
}

enum rego_bres
core_finish(struct rego_bctx *c, struct rego_builder *b, const struct rego_val **out)
{
	struct writ_err err;
	writ_rc rc = rego_builder_finish(b, out, &err);

	return core_check(c, rc, &err);
}

enum rego_bres
core_arg_int(struct rego_bctx *c, unsigned pos, const struct rego_val *v, int64_t *out)
{
	if (v->type != REGO_NUMBER)
		return rego_berr_operand(c, pos, "number", v);
	if (!rego_num_is_int(v))
		return core_type_err(c,
		    "operand %u must be integer number but got floating-point number", pos);
	if (!rego_num_i64(v, out))
		return rego_berr(c, "operand %u: integer out of range", pos);
	return REGO_B_OK;
}

/* ---------------------------------------------------------------------------
 * UTF-8 the way Go's range loop and utf8.DecodeRuneInString read it.
 */

size_t
core_utf8_decode(const char *s, size_t n, uint32_t *rune)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t r;
	size_t w, i;

	if (u[0] < 0x80) {
		*rune = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		w = 2;
		r = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		w = 3;
		r = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		w = 4;
		r = u[0] & 0x07;
	} else {
		*rune = 0xfffd;
		return 1;
	}
	if (n < w)
		goto bad;
	for (i = 1; i < w; i++) {
		if ((u[i] & 0xc0) != 0x80)
			goto bad;
		r = (r << 6) | (u[i] & 0x3f);
	}
	if ((w == 3 && r < 0x800) || (w == 4 && (r < 0x10000 || r > 0x10ffff)) ||
	    (r >= 0xd800 && r <= 0xdfff))
		goto bad;
	*rune = r;
	return w;
bad:
	*rune = 0xfffd;
	return 1;
}

writ_rc
core_utf8_append(struct writ_buf *b, uint32_t r)
{
	unsigned char t[4];
	size_t n;

	if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
		r = 0xfffd;
	if (r < 0x80) {
		t[0] = (unsigned char)r;
		n = 1;
	} else if (r < 0x800) {
		t[0] = (unsigned char)(0xc0 | (r >> 6));
		t[1] = (unsigned char)(0x80 | (r & 0x3f));
		n = 2;
	} else if (r < 0x10000) {
		t[0] = (unsigned char)(0xe0 | (r >> 12));
		t[1] = (unsigned char)(0x80 | ((r >> 6) & 0x3f));
		t[2] = (unsigned char)(0x80 | (r & 0x3f));
		n = 3;
	} else {
		t[0] = (unsigned char)(0xf0 | (r >> 18));
		t[1] = (unsigned char)(0x80 | ((r >> 12) & 0x3f));
		t[2] = (unsigned char)(0x80 | ((r >> 6) & 0x3f));
		t[3] = (unsigned char)(0x80 | (r & 0x3f));
		n = 4;
	}
	return writ_buf_append(b, t, n);
}

size_t
core_utf8_count(const char *s, size_t n)
{
	size_t i = 0, k = 0;
	uint32_t r;

	while (i < n) {
		i += core_utf8_decode(s + i, n - i, &r);
		k++;
	}
	return k;
}

uint32_t
core_rune_lower(uint32_t r)
{
	if (r < 0x80)
		return r >= 'A' && r <= 'Z' ? r + 32 : r;
	if ((r >= 0xc0 && r <= 0xde && r != 0xd7) || (r >= 0x391 && r <= 0x3ab && r != 0x3a2) ||
	    (r >= 0x410 && r <= 0x42f))
		return r + 32;
	if (r >= 0x400 && r <= 0x40f)
		return r + 80;
	if (r >= 0x100 && r <= 0x17f && r != 0x130 && r != 0x131 && r != 0x138 && r != 0x149 &&
	    r != 0x17f) {
		if ((r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17e))
			return (r & 1) ? r + 1 : r;
		return (r & 1) ? r : r + 1;
	}
	return r;
}

uint32_t
core_rune_upper(uint32_t r)
{
	if (r < 0x80)
		return r >= 'a' && r <= 'z' ? r - 32 : r;
	if ((r >= 0xe0 && r <= 0xfe && r != 0xf7) || (r >= 0x3b1 && r <= 0x3cb && r != 0x3c2) ||
	    (r >= 0x430 && r <= 0x44f))
		return r - 32;
	if (r == 0xff)
		return 0x178;
	if (r >= 0x450 && r <= 0x45f)
		return r - 80;
	if (r >= 0x100 && r <= 0x17f && r != 0x130 && r != 0x131 && r != 0x138 && r != 0x149 &&
	    r != 0x17f) {
		if ((r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17e))
			return (r & 1) ? r : r - 1;
		return (r & 1) ? r - 1 : r;
	}
	return r;
}
