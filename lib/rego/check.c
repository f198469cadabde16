/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `writ policy check` adds to parsing: rendering a diagnostic the way
 * compilers do (file:line:col: code: message, the source line, a caret
 * under the column), and the first module-level checks that OPA's compiler
 * makes (rego_compile_error / rego_type_error): an import that shadows
 * another, several default rules for one ref, rules named like a keyword
 * root.  The full compiler (safety, types, recursion) comes with compile.c.
 */
#include <stdio.h>
#include <string.h>

#include "writ/base.h"

#include "rego/ast.h"

/* Bytes of the line `line` (1-based) of src, or NULL. */
static const char *
source_line(const char *src, size_t len, uint32_t line, size_t *outlen)
{
	const char *p = src, *end = src + len, *nl;
	uint32_t n = 1;

	while (n < line) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return NULL;
		p = nl + 1;
		n++;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	*outlen = (size_t)((nl != NULL ? nl : end) - p);
	if (*outlen > 0 && p[*outlen - 1] == '\r')
		(*outlen)--;
	return p;
}

writ_rc
rego_diag_render(
    const struct rego_diag *d, const char *file, const char *src, size_t len, struct writ_buf *out)
{
	const char *s;
	size_t n = 0, i;
	uint32_t col = 1;
	writ_rc rc;

	rc = writ_buf_appendf(out, "%s:%u:%u: %s: %s\n", file, d->line, d->col,
	    d->code != NULL ? d->code : "rego_parse_error", d->msg);
	if (rc != WRIT_OK || src == NULL || (s = source_line(src, len, d->line, &n)) == NULL)
		return rc;
	if ((rc = writ_buf_append(out, "\t", 1)) != WRIT_OK ||
	    (rc = writ_buf_append(out, s, n)) != WRIT_OK ||
	    (rc = writ_buf_append(out, "\n\t", 2)) != WRIT_OK)
		return rc;
	for (i = 0; i < n && col < d->col; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		col++;
		if ((rc = writ_buf_append(out, s[i] == '\t' ? "\t" : " ", 1)) != WRIT_OK)
			return rc;
	}
	return writ_buf_append(out, "^\n", 2);
}

/* The name an import binds: its alias or the last segment of its path. */
static const char *
import_name(const struct rego_import *im)
{
	const struct rego_term *last = im->path->items.v[im->path->items.n - 1];

	return im->alias != NULL ? im->alias : last->text;
}

static bool
is_special(const struct rego_import *im)
{
	const char *root = im->path->items.v[0]->text;

	return strcmp(root, "future") == 0 || strcmp(root, "rego") == 0;
}

static void report(rego_check_fn fn, void *arg, const char *code, struct rego_loc l,
    const char *fmt, ...) WRIT_PRINTF(5, 6);

static void
report(rego_check_fn fn, void *arg, const char *code, struct rego_loc l, const char *fmt, ...)
{
	struct rego_diag d = {code, {0}, l.line, l.col};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d.msg, sizeof(d.msg), fmt, ap);
	va_end(ap);
	fn(&d, arg);
}

static size_t
check_imports(const struct rego_module *m, rego_check_fn fn, void *arg)
{
	size_t i, j, n = 0;

	for (i = 0; i < m->imports.n; i++) {
		if (is_special(m->imports.v[i]))
			continue;
		for (j = 0; j < i; j++) {
			if (is_special(m->imports.v[j]) ||
			    strcmp(import_name(m->imports.v[i]), import_name(m->imports.v[j])) != 0)
				continue;
			report(fn, arg, "rego_compile_error", m->imports.v[i]->loc,
			    "import must not shadow import %s", import_name(m->imports.v[j]));
			n++;
			break;
		}
	}
	return n;
}

static bool
same_ref(const struct rego_term *a, const struct rego_term *b)
{
	size_t i;

	if (a->items.n != b->items.n)
		return false;
	for (i = 0; i < a->items.n; i++) {
		const struct rego_term *x = a->items.v[i], *y = b->items.v[i];

		if (x->kind != y->kind || x->text == NULL || y->text == NULL ||
		    strcmp(x->text, y->text) != 0)
			return false;
	}
	return true;
}

static size_t
check_defaults(const struct rego_module *m, rego_check_fn fn, void *arg)
{
	size_t i, j, n = 0;

	for (i = 0; i < m->rules.n; i++) {
		const struct rego_rule *r = m->rules.v[i];

		if (!r->is_default)
			continue;
		for (j = 0; j < i; j++) {
			if (!m->rules.v[j]->is_default || !same_ref(r->ref, m->rules.v[j]->ref))
				continue;
			report(fn, arg, "rego_type_error", r->loc,
			    "multiple default rules %s found", r->ref->items.v[0]->text);
			n++;
			break;
		}
	}
	return n;
}

size_t
rego_check_module(const struct rego_module *m, rego_check_fn fn, void *arg)
{
	return check_imports(m, fn, arg) + check_defaults(m, fn, arg);
}
