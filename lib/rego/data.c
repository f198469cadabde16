/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base documents from files: parse each JSON or YAML document, put it at its
 * path and merge the results (writ_rego_data_merge in writ/rego.h).  The CLI's
 * `-d` and, later, bundles load their data through here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "writ/rego.h"

#include "rego/builtins/families_ext.h"
#include "rego/value.h"

#define MAX_PATH_SEGS 64

static writ_rc fail(struct writ_rego_error *err, const char *file, const char *fmt, ...)
    WRIT_PRINTF(3, 4);

static writ_rc
fail(struct writ_rego_error *err, const char *file, const char *fmt, ...)
{
	va_list ap;

	memset(err, 0, sizeof(*err));
	snprintf(err->code, sizeof(err->code), "rego_compile_error");
	snprintf(err->file, sizeof(err->file), "%s", file != NULL ? file : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return WRIT_EINVAL;
}

/* Merge b into a (both any values): objects key by key, anything else must be equal. */
static writ_rc
merge(struct writ_arena *ar, const struct rego_val *a, const struct rego_val *b,
    const struct rego_val **out, unsigned depth)
{
	struct rego_builder bl;
	struct writ_err e = {0};
	size_t i, j;
	writ_rc rc;

	if (a->type != REGO_OBJECT || b->type != REGO_OBJECT)
		return rego_equal(a, b) ? (*out = a, WRIT_OK) : WRIT_ECONFLICT;
	if (depth > REGO_JSON_MAX_DEPTH)
		return WRIT_ELIMIT;
	rego_builder_init(&bl, ar, REGO_OBJECT);
	for (i = 0, j = 0; i < a->len || j < b->len;) {
		int c = i == a->len ? 1 : j == b->len ? -1 : rego_compare(a->u.kvs[i].key, b->u.kvs[j].key);
		const struct rego_val *v;

		if (c < 0) {
			rc = rego_builder_put(&bl, a->u.kvs[i].key, a->u.kvs[i].val, &e);
			i++;
		} else if (c > 0) {
			rc = rego_builder_put(&bl, b->u.kvs[j].key, b->u.kvs[j].val, &e);
			j++;
		} else {
			if ((rc = merge(ar, a->u.kvs[i].val, b->u.kvs[j].val, &v, depth + 1)) != WRIT_OK)
				return rc;
			rc = rego_builder_put(&bl, a->u.kvs[i].key, v, &e);
			i++;
			j++;
		}
		if (rc != WRIT_OK)
			return rc;
	}
	return rego_builder_finish(&bl, out, &e);
}

/* v wrapped in objects for each segment of path ("a/b" -> {"a": {"b": v}}). */
static writ_rc
place(struct writ_arena *ar, const char *path, const struct rego_val *v,
    const struct rego_val **out)
{
	const char *segs[MAX_PATH_SEGS];
	size_t lens[MAX_PATH_SEGS], n = 0;
	const char *p = path;
	struct writ_err e = {0};
	writ_rc rc;

	while (p != NULL && *p != '\0') {
		const char *slash = strchr(p, '/');
		size_t len = slash != NULL ? (size_t)(slash - p) : strlen(p);

		if (len > 0) {
			if (n == MAX_PATH_SEGS)
				return WRIT_ELIMIT;
			segs[n] = p;
			lens[n++] = len;
		}
		p = slash != NULL ? slash + 1 : NULL;
	}
	while (n > 0) {
		struct rego_builder bl;
		const struct rego_val *key;

		n--;
		rego_builder_init(&bl, ar, REGO_OBJECT);
		if ((rc = rego_string(ar, segs[n], lens[n], &key, &e)) != WRIT_OK ||
		    (rc = rego_builder_put(&bl, key, v, &e)) != WRIT_OK ||
		    (rc = rego_builder_finish(&bl, &v, &e)) != WRIT_OK)
			return rc;
	}
	*out = v;
	return WRIT_OK;
}

static writ_rc
parse_doc(struct writ_arena *ar, const struct writ_rego_doc *d, const struct rego_val **out,
    struct writ_rego_error *err)
{
	struct writ_err e = {0};
	struct writ_rego_error berr;
	struct rego_bctx c = {.arena = ar, .name = "yaml", .err = &berr};
	char msg[256];

	if (!d->yaml) {
		if (rego_json_parse(ar, d->text, d->len, NULL, out, &e) != WRIT_OK)
			return fail(err, d->name, "%s", e.msg);
		return WRIT_OK;
	}
	if (!rego_yaml_to_value(&c, d->text, d->len, out, msg, sizeof(msg)))
		return fail(err, d->name, "%s", msg);
	return WRIT_OK;
}

writ_rc
writ_rego_data_merge(const struct writ_rego_doc *docs, size_t n, struct writ_buf *json,
    struct writ_rego_error *err)
{
	struct writ_arena *ar = writ_arena_new(0, 0);
	const struct rego_val *all = &rego_empty_object_val, *v;
	struct writ_err e = {0};
	size_t i;
	writ_rc rc = WRIT_OK;

	if (ar == NULL)
		return fail(err, NULL, "out of memory");
	for (i = 0; i < n && rc == WRIT_OK; i++) {
		const struct writ_rego_doc *d = &docs[i];

		if ((rc = parse_doc(ar, d, &v, err)) != WRIT_OK)
			break;
		if ((d->path == NULL || d->path[0] == '\0') && v->type != REGO_OBJECT) {
			rc = fail(err, d->name, "data at the root must be an object, not %s",
			    rego_type_name(v));
			break;
		}
		if ((rc = place(ar, d->path, v, &v)) != WRIT_OK) {
			rc = fail(err, d->name, "data path %s is too deep", d->path);
			break;
		}
		if ((rc = merge(ar, all, v, &all, 0)) != WRIT_OK)
			rc = rc == WRIT_ECONFLICT
			    ? fail(err, d->name, "merge error: %s conflicts with data loaded before",
			          d->path != NULL && d->path[0] != '\0' ? d->path : "a root key")
			    : fail(err, d->name, "cannot merge: %s", writ_rc_name(rc));
	}
	if (rc == WRIT_OK && rego_json_write(json, all, NULL, &e) != WRIT_OK)
		rc = fail(err, NULL, "%s", e.msg);
	writ_arena_free(ar);
	return rc;
}
