/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output of the `writ` client commands, in the shapes users of the vault CLI
 * know: aligned "Key / Value" tables, "== Section ==" headers, Go-style
 * rendering of JSON values ("[a b]", "map[k:v]", "<nil>"), human durations
 * ("768h", "1h30m"), raw -field values and pretty JSON.  Table output escapes
 * control characters so that data from the server cannot drive the terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"

#include "client.h"

#define FMT_DEPTH_MAX 32

static writ_rc fmt_value(json_t *v, struct writ_buf *out, int depth);
static writ_rc fmt_string(const json_t *v, struct writ_buf *out);
static writ_rc fmt_real(double d, struct writ_buf *out);
static writ_rc fmt_object(json_t *v, struct writ_buf *out, int depth);
static const char **sorted_keys(json_t *obj, size_t *n);
static int cmp_str(const void *a, const void *b);
static bool in_list(const char *const *list, const char *s);
static void put_safe_n(FILE *f, const char *s, size_t len);

writ_rc
cli_format_parse(const char *s, enum cli_format *out)
{
	if (s == NULL || s[0] == '\0' || strcmp(s, "table") == 0)
		*out = CLI_FMT_TABLE;
	else if (strcmp(s, "json") == 0)
		*out = CLI_FMT_JSON;
	else
		return WRIT_EINVAL;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Values.
 */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The keys of obj in byte order, in a writ_malloc'ed array (NULL if none or ENOMEM). */
static const char **
sorted_keys(json_t *obj, size_t *n)
{
	const char **keys;
	const char *k;
	json_t *v;
	size_t i = 0;

	*n = json_object_size(obj);
	if (*n == 0 || (keys = writ_calloc(*n, sizeof(*keys))) == NULL)
		return NULL;
	json_object_foreach(obj, k, v)
	{
		(void)v;
		keys[i++] = k;
	}
	qsort(keys, *n, sizeof(*keys), cmp_str);
	return keys;
}

/* A string value; an embedded NUL is shown as \x00 so the result stays a C string. */
static writ_rc
fmt_string(const json_t *v, struct writ_buf *out)
{
	const char *s = json_string_value(v), *nul;
	size_t len = json_string_length(v);
	writ_rc rc = WRIT_OK;

	while (rc == WRIT_OK && (nul = memchr(s, '\0', len)) != NULL) {
		rc = writ_buf_append(out, s, (size_t)(nul - s));
		if (rc == WRIT_OK)
			rc = writ_buf_append(out, "\\x00", 4);
		len -= (size_t)(nul - s) + 1;
		s = nul + 1;
	}
	return rc == WRIT_OK ? writ_buf_append(out, s, len) : rc;
}

/* The shortest of %.15g..%.17g that reads back as d. */
static writ_rc
fmt_real(double d, struct writ_buf *out)
{
	char tmp[40];
	int prec;

	for (prec = 15; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
	return writ_buf_appends(out, tmp);
}

static writ_rc
fmt_object(json_t *v, struct writ_buf *out, int depth)
{
	const char **keys;
	size_t i, n;
	writ_rc rc;

	if (json_object_size(v) == 0)
		return writ_buf_appends(out, "map[]");
	if ((keys = sorted_keys(v, &n)) == NULL)
		return WRIT_ENOMEM;
	rc = writ_buf_appends(out, "map[");
	for (i = 0; i < n && rc == WRIT_OK; i++) {
		if (i > 0)
			rc = writ_buf_append(out, " ", 1);
		if (rc == WRIT_OK)
			rc = writ_buf_appendf(out, "%s:", keys[i]);
		if (rc == WRIT_OK)
			rc = fmt_value(json_object_get(v, keys[i]), out, depth + 1);
	}
	writ_free(keys);
	return rc == WRIT_OK ? writ_buf_append(out, "]", 1) : rc;
}

static writ_rc
fmt_value(json_t *v, struct writ_buf *out, int depth)
{
	writ_rc rc;
	size_t i;

	if (depth > FMT_DEPTH_MAX)
		return writ_buf_appends(out, "...");
	switch (json_typeof(v)) {
	case JSON_STRING:
		return fmt_string(v, out);
	case JSON_INTEGER:
		return writ_buf_appendf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	case JSON_REAL:
		return fmt_real(json_real_value(v), out);
	case JSON_TRUE:
		return writ_buf_appends(out, "true");
	case JSON_FALSE:
		return writ_buf_appends(out, "false");
	case JSON_ARRAY:
		rc = writ_buf_append(out, "[", 1);
		for (i = 0; i < json_array_size(v) && rc == WRIT_OK; i++) {
			if (i > 0)
				rc = writ_buf_append(out, " ", 1);
			if (rc == WRIT_OK)
				rc = fmt_value(json_array_get(v, i), out, depth + 1);
		}
		return rc == WRIT_OK ? writ_buf_append(out, "]", 1) : rc;
	case JSON_OBJECT:
		return fmt_object(v, out, depth);
	case JSON_NULL:
	default:
		return writ_buf_appends(out, "<nil>");
	}
}

writ_rc
cli_fmt_value(json_t *v, struct writ_buf *out)
{
	if (v == NULL)
		return writ_buf_appends(out, "<nil>");
	return fmt_value(v, out, 0);
}

void
cli_fmt_duration(int64_t secs, char *out, size_t len)
{
	uint64_t s = secs < 0 ? (uint64_t)0 - (uint64_t)secs : (uint64_t)secs;
	uint64_t h = s / 3600, m = s % 3600 / 60, sec = s % 60;
	const char *sign = secs < 0 ? "-" : "";

	/* Go's Duration.String() with vault's trimming of "m0s" and "h0m". */
	if (h > 0 && m == 0 && sec == 0)
		snprintf(out, len, "%s%lluh", sign, (unsigned long long)h);
	else if (h > 0 && sec == 0)
		snprintf(
		    out, len, "%s%lluh%llum", sign, (unsigned long long)h, (unsigned long long)m);
	else if (h > 0)
		snprintf(out, len, "%s%lluh%llum%llus", sign, (unsigned long long)h,
		    (unsigned long long)m, (unsigned long long)sec);
	else if (m > 0 && sec == 0)
		snprintf(out, len, "%s%llum", sign, (unsigned long long)m);
	else if (m > 0)
		snprintf(
		    out, len, "%s%llum%llus", sign, (unsigned long long)m, (unsigned long long)sec);
	else
		snprintf(out, len, "%s%llus", sign, (unsigned long long)sec);
}

/* ---------------------------------------------------------------------------
 * Tables.
 */

writ_rc
cli_table_adds(struct cli_table *t, const char *key, const char *val)
{
	struct cli_row *rows;
	size_t ncap;
	char *k, *v;

	if (t->nrows == t->cap) {
		ncap = t->cap ? t->cap * 2 : 16;
		if ((rows = writ_calloc(ncap, sizeof(*rows))) == NULL)
			return WRIT_ENOMEM;
		if (t->nrows > 0)
			memcpy(rows, t->rows, t->nrows * sizeof(*rows));
		writ_free(t->rows);
		t->rows = rows;
		t->cap = ncap;
	}
	k = writ_strdup(key);
	v = writ_strdup(val);
	if (k == NULL || v == NULL) {
		writ_free(k);
		if (v != NULL)
			writ_memzero(v, strlen(v));
		writ_free(v);
		return WRIT_ENOMEM;
	}
	t->rows[t->nrows].key = k;
	t->rows[t->nrows].val = v;
	t->nrows++;
	return WRIT_OK;
}

writ_rc
cli_table_addv(struct cli_table *t, const char *key, json_t *v)
{
	struct writ_buf b;
	writ_rc rc;

	writ_buf_init(&b, 0);
	b.secret = true;
	rc = cli_fmt_value(v, &b);
	if (rc == WRIT_OK)
		rc = cli_table_adds(t, key, b.ptr != NULL ? b.ptr : "");
	writ_buf_free(&b);
	return rc;
}

static bool
in_list(const char *const *list, const char *s)
{
	for (; list != NULL && *list != NULL; list++) {
		if (strcmp(*list, s) == 0)
			return true;
	}
	return false;
}

writ_rc
cli_table_add_obj(struct cli_table *t, json_t *obj, const char *const *durkeys)
{
	const char **keys;
	char dur[32];
	json_t *v;
	size_t i, n;
	writ_rc rc = WRIT_OK;

	if (!json_is_object(obj) || json_object_size(obj) == 0)
		return WRIT_OK;
	if ((keys = sorted_keys(obj, &n)) == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < n && rc == WRIT_OK; i++) {
		v = json_object_get(obj, keys[i]);
		if (json_is_integer(v) && in_list(durkeys, keys[i])) {
			cli_fmt_duration((int64_t)json_integer_value(v), dur, sizeof(dur));
			rc = cli_table_adds(t, keys[i], dur);
		} else {
			rc = cli_table_addv(t, keys[i], v);
		}
	}
	writ_free(keys);
	return rc;
}

static void
put_safe_n(FILE *f, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			putc(c, f);
	}
}

void
cli_print_safe(FILE *f, const char *s)
{
	put_safe_n(f, s, strlen(s));
}

void
cli_table_print(FILE *f, const struct cli_table *t)
{
	size_t i, w = 3;

	if (t->nrows == 0)
		return;
	for (i = 0; i < t->nrows; i++) {
		if (strlen(t->rows[i].key) > w)
			w = strlen(t->rows[i].key);
	}
	fprintf(f, "%-*s    Value\n%-*s    -----\n", (int)w, "Key", (int)w, "---");
	for (i = 0; i < t->nrows; i++) {
		cli_print_safe(f, t->rows[i].key);
		fprintf(f, "%*s", (int)(w - strlen(t->rows[i].key) + 4), "");
		cli_print_safe(f, t->rows[i].val);
		putc('\n', f);
	}
}

void
cli_table_free(struct cli_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows; i++) {
		writ_memzero(t->rows[i].val, strlen(t->rows[i].val));
		writ_free(t->rows[i].key);
		writ_free(t->rows[i].val);
	}
	writ_free(t->rows);
	memset(t, 0, sizeof(*t));
}

/* ---------------------------------------------------------------------------
 * Other shapes.
 */

void
cli_print_section(FILE *f, const char *title, bool first)
{
	if (!first)
		putc('\n', f);
	fputs("== ", f);
	cli_print_safe(f, title);
	fputs(" ==\n", f);
}

void
cli_print_keys(FILE *f, const json_t *keys)
{
	size_t i;

	fputs("Keys\n----\n", f);
	for (i = 0; i < json_array_size(keys); i++) {
		const json_t *k = json_array_get(keys, i);

		if (json_is_string(k))
			put_safe_n(f, json_string_value(k), json_string_length(k));
		putc('\n', f);
	}
}

void
cli_print_json(FILE *f, const json_t *v)
{
	json_dumpf(v, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	putc('\n', f);
}

void
cli_print_field(FILE *f, const json_t *v, bool tty)
{
	if (json_is_string(v)) {
		if (tty)
			put_safe_n(f, json_string_value(v), json_string_length(v));
		else
			fwrite(json_string_value(v), 1, json_string_length(v), f);
	} else {
		json_dumpf(v, f, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	}
	if (tty)
		putc('\n', f);
}

json_t *
cli_resp_data(json_t *body)
{
	json_t *data = json_object_get(body, "data");

	return json_is_object(data) ? data : body;
}
