/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.verify_schema and json.match_schema: JSON Schema (drafts 4, 6 and 7
 * as OPA's copy of gojsonschema reads them, without remote references)
 * over Rego values.
 *
 * A schema is first checked (the keywords' shapes, the types named, the
 * patterns, local $refs), with gojsonschema's messages for what it
 * rejects.  Validation then walks the document and the schema together in
 * gojsonschema's order and collects its error records: type, field (the
 * path below "(root)"), desc and "field: desc".  anyOf and oneOf report
 * the errors of the closest failing branch, chosen by gojsonschema's score
 * (the number of checks passed).  Objects are visited in key order, where
 * Go's map order would be random.  Patterns go through regex.match, so they
 * have the regex family's RE2 dialect and its limits.
 *
 * Limits: nesting of schema and document is bounded by JSON's depth, $ref
 * chains by JS_MAX_DEPTH, the whole walk by JS_MAX_STEPS and the error list
 * by JS_MAX_ERRORS.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "ext_int.h"

#define JS_MAX_DEPTH  256u
#define JS_MAX_STEPS  ((size_t)1 << 22)
#define JS_MAX_ERRORS 10000u

/* A path in the document: segments up to "(root)". */
struct jpath {
	const char *s;
	size_t len;
	const struct jpath *up;
};

struct jerr {
	const char *type;
	char *desc;
	char *field;
};

struct jres {
	struct jerr *v;
	size_t n, cap;
	long score;
};

/* An array item for uniqueItems: value and index, or a pair of indices. */
struct uitem {
	const struct rego_val *v;
	size_t i, j;
};

struct js {
	struct rego_bctx *c;
	const struct rego_val *root; /* the schema document */
	const struct rego_builtin *match;
	size_t steps;
	unsigned depth;
	bool fail;     /* a hard failure: c->err is filled */
	char msg[400]; /* schema errors */
};

static void validate(struct js *j, const struct rego_val *s, const struct rego_val *v,
    const struct jpath *p, struct jres *r);

/* ---------------------------------------------------------------------------
 * Helpers.
 */

static const struct rego_val *
kw(const struct rego_val *s, const char *k)
{
	return s->type == REGO_OBJECT ? rego_object_get_str(s, k, strlen(k)) : NULL;
}

static bool
is_str(const struct rego_val *v, const char *s)
{
	return v != NULL && v->type == REGO_STRING && v->len == strlen(s) &&
	    memcmp(v->u.s, s, v->len) == 0;
}

static void
oom(struct js *j)
{
	struct writ_err e;

	if (!j->fail)
		(void)core_fail(j->c, rego_oom(j->c->arena, &e), &e);
	j->fail = true;
}

static bool
step(struct js *j)
{
	if (j->fail)
		return false;
	if (++j->steps > JS_MAX_STEPS) {
		(void)rego_berr(j->c, "schema validation exceeds %zu steps", JS_MAX_STEPS);
		j->fail = true;
		return false;
	}
	return true;
}

/* The JSON Schema type name of a value ("integer" for integral numbers). */
static const char *
type_of(const struct rego_val *v)
{
	switch (v->type) {
	case REGO_NULL:
		return "null";
	case REGO_BOOL:
		return "boolean";
	case REGO_NUMBER:
		return rego_num_is_int(v) ? "integer" : "number";
	case REGO_STRING:
		return "string";
	case REGO_OBJECT:
		return "object";
	default:
		return "array";
	}
}

/* Append the path as gojsonschema prints a context ("(root).a.0"). */
static void
path_append(struct writ_buf *b, bool *ok, const struct jpath *p)
{
	if (p == NULL) {
		ext_bputs(b, ok, "(root)");
		return;
	}
	path_append(b, ok, p->up);
	ext_bput(b, ok, ".", 1);
	ext_bput(b, ok, p->s, p->len);
}

/* Record an error: desc is printf-formatted. */
static void add_err(struct js *j, struct jres *r, const char *type, const struct jpath *p,
    const char *fmt, ...) WRIT_PRINTF(5, 6);

/* Double r's room (a fresh arena copy); false, with the error set, at the limit or on OOM. */
static bool
jres_grow(struct js *j, struct jres *r)
{
	size_t cap = r->cap ? 2 * r->cap : 8;
	struct jerr *v;

	if (cap > JS_MAX_ERRORS) {
		(void)rego_berr(j->c, "more than %u schema errors", JS_MAX_ERRORS);
		j->fail = true;
		return false;
	}
	if ((v = writ_arena_calloc(j->c->arena, cap, sizeof(*v))) == NULL) {
		oom(j);
		return false;
	}
	if (r->n > 0)
		memcpy(v, r->v, r->n * sizeof(*v));
	r->v = v;
	r->cap = cap;
	return true;
}

static void
add_err(struct js *j, struct jres *r, const char *type, const struct jpath *p, const char *fmt, ...)
{
	struct writ_buf b;
	bool ok = true;
	va_list ap;
	char *field;

	if (j->fail)
		return;
	if (r->n == r->cap && !jres_grow(j, r))
		return;
	writ_buf_init(&b, 1 << 20);
	path_append(&b, &ok, p);
	field = ok ? writ_arena_strndup(j->c->arena, b.ptr, b.len) : NULL;
	writ_buf_reset(&b);
	va_start(ap, fmt);
	if (ok && writ_buf_vappendf(&b, fmt, ap) != WRIT_OK)
		ok = false;
	va_end(ap);
	if (!ok || field == NULL ||
	    (r->v[r->n].desc = writ_arena_strndup(j->c->arena, b.ptr, b.len)) == NULL) {
		writ_buf_free(&b);
		oom(j);
		return;
	}
	writ_buf_free(&b);
	/* Field(): the context without the "(root)." prefix. */
	r->v[r->n].field = strncmp(field, "(root).", 7) == 0 ? field + 7 : field;
	r->v[r->n].type = type;
	r->n++;
}

static void
merge(struct js *j, struct jres *dst, const struct jres *src)
{
	size_t i;

	for (i = 0; i < src->n && !j->fail; i++) {
		if (dst->n == dst->cap && !jres_grow(j, dst))
			return;
		dst->v[dst->n++] = src->v[i];
	}
	dst->score += src->score;
}

/* JSON text of v (for enum and const messages); "" on failure. */
static const char *
json_text(struct js *j, const struct rego_val *v)
{
	struct writ_buf b;
	struct writ_err e;
	char *s = NULL;

	writ_buf_init(&b, 1 << 16);
	if (rego_json_write(&b, v, NULL, &e) == WRIT_OK)
		s = writ_arena_strndup(j->c->arena, b.ptr, b.len);
	writ_buf_free(&b);
	if (s == NULL)
		oom(j);
	return s != NULL ? s : "";
}

/* A number's text (big.Float's default printing for the values schemas use). */
static const char *
num_text(struct js *j, const struct rego_val *v)
{
	struct writ_buf b;
	char *s = NULL;

	writ_buf_init(&b, 4096);
	if (rego_num_append(&b, v) == WRIT_OK)
		s = writ_arena_strndup(j->c->arena, b.ptr, b.len);
	writ_buf_free(&b);
	return s != NULL ? s : "";
}

/* Does string s match pattern pat (regex.match)?  -1 on error. */
static int
re_match(struct js *j, const struct rego_val *pat, const struct rego_val *s)
{
	const struct rego_val *args[2] = {pat, s}, *out = NULL;
	struct writ_rego_error e;
	struct rego_bctx c = *j->c;
	enum rego_bres r;

	if (j->match == NULL)
		return -1;
	memset(&e, 0, sizeof(e));
	c.err = &e;
	c.name = "regex.match";
	r = j->match->fn(&c, args, &out);
	if (r != REGO_B_OK || out == NULL || out->type != REGO_BOOL)
		return -1;
	return out->u.b ? 1 : 0;
}

/* The field string of a path, as Field() gives it. */
static const char *
field_of(struct js *j, const struct jpath *p)
{
	struct writ_buf b;
	bool ok = true;
	char *s;

	writ_buf_init(&b, 1 << 20);
	path_append(&b, &ok, p);
	s = ok ? writ_arena_strndup(j->c->arena, b.ptr, b.len) : NULL;
	writ_buf_free(&b);
	if (s == NULL) {
		oom(j);
		return "";
	}
	return strncmp(s, "(root).", 7) == 0 ? s + 7 : s;
}

/* Resolve a local $ref ("#", "#/a/b~1c"); NULL if it does not resolve. */
static const struct rego_val *
resolve_ref(struct js *j, const struct rego_val *ref)
{
	const struct rego_val *cur = j->root;
	const char *s = ref->u.s;
	size_t i = 1, len = ref->len;

	if (len == 0 || s[0] != '#')
		return NULL;
	if (len == 1)
		return cur;
	if (s[1] != '/')
		return NULL;
	while (i < len && cur != NULL) {
		char seg[512];
		size_t n = 0;

		i++; /* the '/' */
		while (i < len && s[i] != '/') {
			char ch = s[i++];

			if (ch == '~' && i < len && (s[i] == '0' || s[i] == '1'))
				ch = s[i++] == '0' ? '~' : '/';
			if (n + 1 >= sizeof(seg))
				return NULL;
			seg[n++] = ch;
		}
		seg[n] = '\0';
		if (cur->type == REGO_OBJECT) {
			cur = rego_object_get_str(cur, seg, n);
		} else if (cur->type == REGO_ARRAY) {
			uint64_t idx;

			if (writ_parse_u64(seg, n, &idx) != WRIT_OK || idx >= cur->len)
				return NULL;
			cur = cur->u.elems[idx];
		} else {
			return NULL;
		}
	}
	return cur;
}

/* ---------------------------------------------------------------------------
 * Checking a schema (gojsonschema's parse errors).
 */

static const char *const valid_types[] = {
    "array", "boolean", "integer", "number", "null", "object", "string"};

static bool sc_check(struct js *j, const struct rego_val *s, unsigned depth);

static bool sc_fail(struct js *j, const char *fmt, ...) WRIT_PRINTF(2, 3);

static bool
sc_fail(struct js *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->msg, sizeof(j->msg), fmt, ap);
	va_end(ap);
	return false;
}

static bool
sc_type(struct js *j, const struct rego_val *t)
{
	size_t i, k, n = t->type == REGO_ARRAY ? t->len : 1;

	if (t->type != REGO_STRING && t->type != REGO_ARRAY)
		return sc_fail(j, "Invalid type. Expected: string/array of strings, given: type");
	for (i = 0; i < n; i++) {
		const struct rego_val *x = t->type == REGO_ARRAY ? t->u.elems[i] : t;
		bool ok = false;

		if (x->type != REGO_STRING)
			return sc_fail(j, "Invalid type. Expected: string, given: type");
		for (k = 0; k < WRIT_ARRAY_LEN(valid_types); k++)
			ok = ok || is_str(x, valid_types[k]);
		if (!ok)
			return sc_fail(j,
			    "has a primitive type that is NOT VALID -- given: /%.*s/ Expected valid "
			    "values are:[array boolean integer number null object string]",
			    (int)(x->len > 100 ? 100 : x->len), x->u.s);
		for (k = 0; k < i; k++)
			if (rego_equal(t->u.elems[k], x))
				return sc_fail(j, "type items must be unique");
	}
	return true;
}

/* Keywords whose value is one schema. */
static const char *const kw_schema[] = {"not", "contains", "propertyNames", "if", "then", "else"};
/* Keywords whose value is an object of schemas. */
static const char *const kw_schema_map[] = {"properties", "patternProperties", "definitions"};
/* Keywords whose value is a non-negative integer. */
static const char *const kw_count[] = {
    "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"};
/* Keywords whose value is a number. */
static const char *const kw_number[] = {"minimum", "maximum"};
/* Keywords whose value is a non-empty array of schemas. */
static const char *const kw_schema_list[] = {"allOf", "anyOf", "oneOf"};

static bool
is_schema(const struct rego_val *v)
{
	return v->type == REGO_OBJECT || v->type == REGO_BOOL;
}

static bool
sc_counts(struct js *j, const struct rego_val *s)
{
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(kw_count); i++) {
		const struct rego_val *v = kw(s, kw_count[i]);
		int64_t n;

		if (v == NULL)
			continue;
		if (v->type != REGO_NUMBER || !rego_num_is_int(v))
			return sc_fail(j, "%s must be of an integer", kw_count[i]);
		if (!rego_num_i64(v, &n) || n < 0)
			return sc_fail(j, "%s must be greater than or equal to 0", kw_count[i]);
	}
	for (i = 0; i + 1 < WRIT_ARRAY_LEN(kw_count); i += 2) {
		const struct rego_val *lo = kw(s, kw_count[i]), *hi = kw(s, kw_count[i + 1]);

		if (lo != NULL && hi != NULL && rego_num_compare(lo, hi) > 0)
			return sc_fail(
			    j, "%s cannot be greater than %s", kw_count[i], kw_count[i + 1]);
	}
	for (i = 0; i < WRIT_ARRAY_LEN(kw_number); i++) {
		const struct rego_val *v = kw(s, kw_number[i]);

		if (v != NULL && v->type != REGO_NUMBER)
			return sc_fail(j, "%s must be of a number", kw_number[i]);
	}
	if (kw(s, "exclusiveMinimum") != NULL && kw(s, "exclusiveMinimum")->type != REGO_NUMBER &&
	    kw(s, "exclusiveMinimum")->type != REGO_BOOL)
		return sc_fail(j, "exclusiveMinimum must be of a number");
	if (kw(s, "exclusiveMaximum") != NULL && kw(s, "exclusiveMaximum")->type != REGO_NUMBER &&
	    kw(s, "exclusiveMaximum")->type != REGO_BOOL)
		return sc_fail(j, "exclusiveMaximum must be of a number");
	if ((s = kw(s, "multipleOf")) != NULL) {
		double d = 0;

		if (s->type != REGO_NUMBER)
			return sc_fail(j, "multipleOf must be of a number");
		if (!rego_num_double(s, &d) || !(d > 0))
			return sc_fail(j, "multipleOf must be strictly greater than 0");
	}
	return true;
}

static bool
sc_regex(struct js *j, const struct rego_val *pat)
{
	if (re_match(j, pat, &rego_empty_string_val) < 0)
		return sc_fail(j, "Invalid regex pattern '%.*s'",
		    (int)(pat->len > 200 ? 200 : pat->len), pat->u.s);
	return true;
}

static bool
sc_strings(struct js *j, const struct rego_val *s)
{
	const struct rego_val *v;
	size_t i, k;

	if ((v = kw(s, "required")) != NULL) {
		if (v->type != REGO_ARRAY)
			return sc_fail(j, "required must be of an array");
		for (i = 0; i < v->len; i++) {
			if (v->u.elems[i]->type != REGO_STRING)
				return sc_fail(j, "required items must be string");
			for (k = 0; k < i && step(j); k++)
				if (rego_equal(v->u.elems[k], v->u.elems[i]))
					return sc_fail(j, "required items must be unique");
		}
	}
	if ((v = kw(s, "enum")) != NULL && v->type != REGO_ARRAY)
		return sc_fail(j, "enum must be of an array");
	if ((v = kw(s, "pattern")) != NULL) {
		if (v->type != REGO_STRING)
			return sc_fail(j, "pattern must be of a string");
		if (!sc_regex(j, v))
			return false;
	}
	if ((v = kw(s, "format")) != NULL && v->type != REGO_STRING)
		return sc_fail(j, "format must be of a string");
	if ((v = kw(s, "$ref")) != NULL) {
		if (v->type != REGO_STRING)
			return sc_fail(j, "$ref must be of a string");
		if (resolve_ref(j, v) == NULL)
			return sc_fail(j, "Object has no key '%.*s'",
			    (int)(v->len > 200 ? 200 : v->len), v->u.s);
		if (!is_schema(resolve_ref(j, v)))
			return sc_fail(j, "Invalid JSON reference %.*s",
			    (int)(v->len > 200 ? 200 : v->len), v->u.s);
	}
	return true;
}

static bool
sc_children(struct js *j, const struct rego_val *s, unsigned depth)
{
	const struct rego_val *v;
	size_t i, k;

	for (i = 0; i < WRIT_ARRAY_LEN(kw_schema); i++)
		if ((v = kw(s, kw_schema[i])) != NULL && !sc_check(j, v, depth + 1))
			return false;
	for (i = 0; i < WRIT_ARRAY_LEN(kw_schema_map); i++) {
		if ((v = kw(s, kw_schema_map[i])) == NULL)
			continue;
		if (v->type != REGO_OBJECT)
			return sc_fail(j, "%s must be of an object", kw_schema_map[i]);
		for (k = 0; k < v->len; k++) {
			if (i == 1 &&
			    (v->u.kvs[k].key->type != REGO_STRING || !sc_regex(j, v->u.kvs[k].key)))
				return false;
			if (!sc_check(j, v->u.kvs[k].val, depth + 1))
				return false;
		}
	}
	for (i = 0; i < WRIT_ARRAY_LEN(kw_schema_list); i++) {
		if ((v = kw(s, kw_schema_list[i])) == NULL)
			continue;
		if (v->type != REGO_ARRAY || v->len == 0)
			return sc_fail(j, "%s must be of an array", kw_schema_list[i]);
		for (k = 0; k < v->len; k++)
			if (!sc_check(j, v->u.elems[k], depth + 1))
				return false;
	}
	if ((v = kw(s, "items")) != NULL) {
		if (v->type == REGO_ARRAY) {
			for (k = 0; k < v->len; k++)
				if (!sc_check(j, v->u.elems[k], depth + 1))
					return false;
		} else if (!is_schema(v)) {
			return sc_fail(j, "Invalid type. Expected: object or array, given: items");
		} else if (!sc_check(j, v, depth + 1)) {
			return false;
		}
	}
	for (i = 0; i < 2; i++) {
		const char *name = i == 0 ? "additionalItems" : "additionalProperties";

		if ((v = kw(s, name)) == NULL)
			continue;
		if (!is_schema(v))
			return sc_fail(j, "%s must be of a boolean/object", name);
		if (!sc_check(j, v, depth + 1))
			return false;
	}
	if ((v = kw(s, "dependencies")) != NULL) {
		if (v->type != REGO_OBJECT)
			return sc_fail(j, "dependencies must be of an object");
		for (k = 0; k < v->len; k++) {
			const struct rego_val *d = v->u.kvs[k].val;
			size_t m;

			if (d->type == REGO_ARRAY) {
				for (m = 0; m < d->len; m++)
					if (d->u.elems[m]->type != REGO_STRING)
						return sc_fail(
						    j, "dependency items must be string");
			} else if (!is_schema(d)) {
				return sc_fail(j,
				    "Invalid type. Expected: object or array, given: dependency");
			} else if (!sc_check(j, d, depth + 1)) {
				return false;
			}
		}
	}
	return true;
}

static bool
sc_check(struct js *j, const struct rego_val *s, unsigned depth)
{
	const struct rego_val *t;

	if (!step(j))
		return false;
	if (depth > REGO_JSON_MAX_DEPTH)
		return sc_fail(j, "schema nested too deeply");
	if (s->type == REGO_BOOL)
		return true;
	if (s->type != REGO_OBJECT)
		return sc_fail(j, "Expected: object, given: Invalid JSON");
	if ((t = kw(s, "type")) != NULL && !sc_type(j, t))
		return false;
	return sc_counts(j, s) && sc_strings(j, s) && sc_children(j, s, depth);
}

/* A count keyword's value (checked to be a non-negative int64 by sc_counts). */
static int64_t
count_of(const struct rego_val *x)
{
	int64_t n = 0;

	return rego_num_i64(x, &n) ? n : 0;
}

/* ---------------------------------------------------------------------------
 * Formats (gojsonschema's checkers; unknown formats and non-strings pass).
 */

static bool
digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool
fmt_date(const char *s, size_t n)
{
	return n == 10 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' &&
	    digits(s + 8, 2) && (s[5] - '0') * 10 + (s[6] - '0') >= 1 &&
	    (s[5] - '0') * 10 + (s[6] - '0') <= 12 && (s[8] - '0') * 10 + (s[9] - '0') >= 1 &&
	    (s[8] - '0') * 10 + (s[9] - '0') <= 31;
}

static bool
fmt_time(const char *s, size_t n)
{
	size_t i = 8;

	if (n < 9 || !digits(s, 2) || s[2] != ':' || !digits(s + 3, 2) || s[5] != ':' ||
	    !digits(s + 6, 2) || (s[0] - '0') * 10 + (s[1] - '0') > 23 ||
	    (s[3] - '0') * 10 + (s[4] - '0') > 59 || (s[6] - '0') * 10 + (s[7] - '0') > 60)
		return false;
	if (s[i] == '.') {
		size_t k = ++i;

		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == k)
			return false;
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z'))
		return i + 1 == n;
	return i + 6 == n && (s[i] == '+' || s[i] == '-') && digits(s + i + 1, 2) &&
	    s[i + 3] == ':' && digits(s + i + 4, 2);
}

static bool
fmt_hostname(const char *s, size_t n)
{
	size_t i, lab = 0;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (lab == 0 || s[i - 1] == '-')
				return false;
			lab = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		        (ch >= '0' && ch <= '9') || (ch == '-' && lab > 0)) ||
		    ++lab > 63)
			return false;
	}
	return lab > 0 && s[n - 1] != '-';
}

static bool
fmt_ipv4(const char *s, size_t n)
{
	size_t i = 0, part;

	for (part = 0; part < 4; part++) {
		size_t k = i;
		unsigned v = 0;

		while (i < n && s[i] >= '0' && s[i] <= '9' && i - k < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == k || v > 255 || (i - k > 1 && s[k] == '0'))
			return false;
		if (part < 3 && (i >= n || s[i++] != '.'))
			return false;
	}
	return i == n;
}

static bool
fmt_ipv6(const char *s, size_t n)
{
	size_t i, groups = 0, hex = 0;
	bool dbl = false;

	if (n < 2 || n > 45)
		return false;
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == ':') {
			if (i + 1 < n && s[i + 1] == ':') {
				if (dbl)
					return false;
				dbl = true;
				i++;
			} else if (hex == 0 && i > 0) {
				return false;
			}
			if (hex > 0)
				groups++;
			hex = 0;
			continue;
		}
		if (ch == '.') {
			size_t k = i;

			while (k > 0 && s[k - 1] != ':')
				k--;
			return fmt_ipv4(s + k, n - k) && groups + (dbl ? 1 : 2) <= 8;
		}
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		        (ch >= 'A' && ch <= 'F')) ||
		    ++hex > 4)
			return false;
	}
	if (hex > 0)
		groups++;
	else if (s[n - 1] == ':' && !(n >= 2 && s[n - 2] == ':'))
		return false;
	return dbl ? groups < 8 : groups == 8;
}

static bool
fmt_uuid(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return false;
	for (i = 0; i < n; i++) {
		char ch = s[i];
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? ch != '-'
		         : !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
		               (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

static bool
fmt_email(const char *s, size_t n)
{
	const char *at = memchr(s, '@', n);

	return at != NULL && at > s && (size_t)(at - s) + 1 < n &&
	    memchr(at + 1, '@', n - (size_t)(at - s) - 1) == NULL;
}

static bool
fmt_uri(const char *s, size_t n, bool ref)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '\\' || s[i] == '"' || s[i] == '<' ||
		    s[i] == '>')
			return false;
	if (ref)
		return true;
	for (i = 0; i < n && s[i] != ':'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		        (i > 0 &&
		            ((s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' ||
		                s[i] == '.'))))
			return false;
	return i > 0 && i < n;
}

static bool
format_ok(struct js *j, const struct rego_val *f, const struct rego_val *v)
{
	const char *s = v->u.s;
	size_t n = v->len;

	if (v->type != REGO_STRING)
		return true;
	if (is_str(f, "date-time"))
		return n > 11 && (s[10] == 'T' || s[10] == 't') && fmt_date(s, 10) &&
		    fmt_time(s + 11, n - 11);
	if (is_str(f, "date"))
		return fmt_date(s, n);
	if (is_str(f, "time"))
		return fmt_time(s, n);
	if (is_str(f, "email") || is_str(f, "idn-email"))
		return fmt_email(s, n);
	if (is_str(f, "hostname"))
		return fmt_hostname(s, n);
	if (is_str(f, "ipv4"))
		return fmt_ipv4(s, n);
	if (is_str(f, "ipv6"))
		return fmt_ipv6(s, n);
	if (is_str(f, "uuid"))
		return fmt_uuid(s, n);
	if (is_str(f, "uri") || is_str(f, "iri"))
		return fmt_uri(s, n, false);
	if (is_str(f, "uri-reference") || is_str(f, "iri-reference"))
		return fmt_uri(s, n, true);
	if (is_str(f, "regex"))
		return re_match(j, v, &rego_empty_string_val) >= 0;
	if (is_str(f, "json-pointer"))
		return n == 0 || s[0] == '/';
	return true;
}

/* ---------------------------------------------------------------------------
 * Validation, in gojsonschema's order.
 */

static void
sub(struct js *j, const struct rego_val *s, const struct rego_val *v, const struct jpath *p,
    struct jres *out)
{
	memset(out, 0, sizeof(*out));
	validate(j, s, v, p, out);
}

static void
v_combinators(struct js *j, const struct rego_val *s, const struct rego_val *v,
    const struct jpath *p, struct jres *r)
{
	const struct rego_val *x;
	struct jres rr, best;
	bool have;
	size_t i, nb;

	if ((x = kw(s, "anyOf")) != NULL && x->type == REGO_ARRAY) {
		have = false;
		for (i = 0, nb = 0; i < x->len && nb == 0 && !j->fail; i++) {
			sub(j, x->u.elems[i], v, p, &rr);
			if (rr.n == 0)
				nb++;
			else if (!have || rr.score > best.score)
				best = rr, have = true;
		}
		if (nb == 0) {
			add_err(
			    j, r, "number_any_of", p, "Must validate at least one schema (anyOf)");
			if (have)
				merge(j, r, &best);
		}
	}
	if ((x = kw(s, "oneOf")) != NULL && x->type == REGO_ARRAY) {
		have = false;
		for (i = 0, nb = 0; i < x->len && !j->fail; i++) {
			sub(j, x->u.elems[i], v, p, &rr);
			if (rr.n == 0)
				nb++;
			else if (nb == 0 && (!have || rr.score > best.score))
				best = rr, have = true;
		}
		if (nb != 1) {
			add_err(j, r, "number_one_of", p,
			    "Must validate one and only one schema (oneOf)");
			if (nb == 0 && have)
				merge(j, r, &best);
		}
	}
	if ((x = kw(s, "allOf")) != NULL && x->type == REGO_ARRAY) {
		for (i = 0, nb = 0; i < x->len && !j->fail; i++) {
			sub(j, x->u.elems[i], v, p, &rr);
			nb += rr.n == 0;
			merge(j, r, &rr);
		}
		if (nb != x->len)
			add_err(j, r, "number_all_of", p, "Must validate all the schemas (allOf)");
	}
	if ((x = kw(s, "not")) != NULL) {
		sub(j, x, v, p, &rr);
		if (rr.n == 0 && !j->fail)
			add_err(j, r, "number_not", p, "Must not validate the schema (not)");
	}
}

static void
v_conditions(struct js *j, const struct rego_val *s, const struct rego_val *v,
    const struct jpath *p, struct jres *r)
{
	const struct rego_val *x, *d;
	struct jres rr, ri;
	size_t i, k;

	if ((x = kw(s, "dependencies")) != NULL && x->type == REGO_OBJECT &&
	    v->type == REGO_OBJECT) {
		for (i = 0; i < v->len && !j->fail; i++) {
			if ((d = rego_object_get(x, v->u.kvs[i].key)) == NULL)
				continue;
			if (d->type == REGO_ARRAY) {
				for (k = 0; k < d->len; k++)
					if (rego_object_get(v, d->u.elems[k]) == NULL)
						add_err(j, r, "missing_dependency", p,
						    "Has a dependency on %s", d->u.elems[k]->u.s);
			} else {
				validate(j, d, v, p, r);
			}
		}
	}
	if ((x = kw(s, "if")) != NULL) {
		sub(j, x, v, p, &ri);
		if ((d = kw(s, "then")) != NULL && ri.n == 0) {
			sub(j, d, v, p, &rr);
			if (rr.n > 0) {
				add_err(j, r, "condition_then", p,
				    "Must validate \"then\" as \"if\" was valid");
				merge(j, r, &rr);
			}
		}
		if ((d = kw(s, "else")) != NULL && ri.n > 0) {
			sub(j, d, v, p, &rr);
			if (rr.n > 0) {
				add_err(j, r, "condition_else", p,
				    "Must validate \"else\" as \"if\" was not valid");
				merge(j, r, &rr);
			}
		}
	}
	r->score++;
}

static void
v_common(struct js *j, const struct rego_val *s, const struct rego_val *v, const struct jpath *p,
    struct jres *r)
{
	const struct rego_val *x;
	size_t i;

	if ((x = kw(s, "const")) != NULL && !rego_equal(x, v))
		add_err(j, r, "const", p, "%s does not match: %s", field_of(j, p), json_text(j, x));
	if ((x = kw(s, "enum")) != NULL && x->type == REGO_ARRAY) {
		for (i = 0; i < x->len && !rego_equal(x->u.elems[i], v); i++)
			;
		if (i == x->len) {
			struct writ_buf b;
			bool ok = true;

			writ_buf_init(&b, 1 << 20);
			for (i = 0; i < x->len; i++) {
				ext_bputs(&b, &ok, i > 0 ? ", " : "");
				ext_bputs(&b, &ok, json_text(j, x->u.elems[i]));
			}
			if (x->len == 0)
				ext_bputs(&b, &ok, "(none)");
			if (ok)
				add_err(j, r, "enum", p, "%s must be one of the following: %s",
				    field_of(j, p), b.ptr);
			else
				oom(j);
			writ_buf_free(&b);
		}
	}
	if ((x = kw(s, "format")) != NULL && x->type == REGO_STRING && !format_ok(j, x, v))
		add_err(j, r, "format", p, "Does not match format '%s'", x->u.s);
	r->score++;
}

/* A child path: the segment is s (len bytes). */
static void
child(struct jpath *c, const struct jpath *up, const char *s, size_t len)
{
	c->s = s;
	c->len = len;
	c->up = up;
}

static void
v_items(struct js *j, const struct rego_val *s, const struct rego_val *v, const struct jpath *p,
    struct jres *r)
{
	const struct rego_val *items = kw(s, "items"), *add = kw(s, "additionalItems");
	struct jres rr;
	struct jpath cp;
	char idx[24];
	size_t i, n;

	if (items == NULL)
		return;
	n = items->type == REGO_ARRAY ? items->len : v->len;
	for (i = 0; i < v->len && i < n && !j->fail; i++) {
		child(&cp, p, idx, (size_t)snprintf(idx, sizeof(idx), "%zu", i));
		sub(j, items->type == REGO_ARRAY ? items->u.elems[i] : items, v->u.elems[i], &cp,
		    &rr);
		merge(j, r, &rr);
	}
	if (items->type != REGO_ARRAY || n >= v->len || add == NULL)
		return;
	if (add->type == REGO_BOOL) {
		if (!add->u.b)
			add_err(j, r, "array_no_additional_items", p,
			    "No additional items allowed on array");
		return;
	}
	for (i = n; i < v->len && !j->fail; i++) {
		child(&cp, p, idx, (size_t)snprintf(idx, sizeof(idx), "%zu", i));
		sub(j, add, v->u.elems[i], &cp, &rr);
		merge(j, r, &rr);
	}
}

/* Sort by value, then by index. */
static int
by_value_index(const void *a, const void *b)
{
	const struct uitem *x = a, *y = b;
	int c = rego_compare(x->v, y->v);

	if (c != 0)
		return c;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
by_second(const void *a, const void *b)
{
	const struct uitem *x = a, *y = b;

	return x->j < y->j ? -1 : x->j > y->j;
}

/*
 * uniqueItems as gojsonschema reports it: for each item j equal to an
 * earlier one, the pair (i, j) with i the latest earlier equal item, in
 * order of j.  O(n log n).
 */
static void
v_unique(struct js *j, const struct rego_val *v, const struct jpath *p, struct jres *r)
{
	struct uitem *it, *pairs;
	size_t i, n = 0;

	if (v->len < 2)
		return;
	if ((it = writ_arena_calloc(j->c->arena, v->len, sizeof(*it))) == NULL ||
	    (pairs = writ_arena_calloc(j->c->arena, v->len, sizeof(*pairs))) == NULL) {
		oom(j);
		return;
	}
	for (i = 0; i < v->len; i++) {
		it[i].v = v->u.elems[i];
		it[i].i = i;
	}
	qsort(it, v->len, sizeof(*it), by_value_index);
	for (i = 1; i < v->len; i++)
		if (rego_compare(it[i - 1].v, it[i].v) == 0) {
			pairs[n].i = it[i - 1].i;
			pairs[n++].j = it[i].i;
		}
	qsort(pairs, n, sizeof(*pairs), by_second);
	for (i = 0; i < n && !j->fail; i++)
		add_err(j, r, "unique", p, "array items[%zu,%zu] must be unique", pairs[i].i,
		    pairs[i].j);
}

static void
v_array(struct js *j, const struct rego_val *s, const struct rego_val *v, const struct jpath *p,
    struct jres *r)
{
	const struct rego_val *x;
	struct jres rr, best;
	struct jpath cp;
	char idx[24];
	size_t i;
	bool have = false;

	v_items(j, s, v, p, r);
	if ((x = kw(s, "minItems")) != NULL && count_of(x) > (int64_t)v->len)
		add_err(j, r, "array_min_items", p, "Array must have at least %s items",
		    num_text(j, x));
	if ((x = kw(s, "maxItems")) != NULL && count_of(x) < (int64_t)v->len)
		add_err(
		    j, r, "array_max_items", p, "Array must have at most %s items", num_text(j, x));
	if ((x = kw(s, "uniqueItems")) != NULL && x->type == REGO_BOOL && x->u.b)
		v_unique(j, v, p, r);
	if ((x = kw(s, "contains")) != NULL) {
		for (i = 0; i < v->len && !j->fail; i++) {
			child(&cp, p, idx, (size_t)snprintf(idx, sizeof(idx), "%zu", i));
			sub(j, x, v->u.elems[i], &cp, &rr);
			if (rr.n == 0)
				break;
			if (!have || rr.score > best.score)
				best = rr, have = true;
		}
		if (i == v->len) {
			add_err(j, r, "contains", p, "At least one of the items must match");
			if (have)
				merge(j, r, &best);
		}
	}
	r->score++;
}

static bool
pattern_props(struct js *j, const struct rego_val *s, const struct rego_kv *kv,
    const struct jpath *p, struct jres *r)
{
	const struct rego_val *pp = kw(s, "patternProperties");
	struct jres rr;
	struct jpath cp;
	bool matched = false;
	size_t i;

	if (pp == NULL || pp->type != REGO_OBJECT || kv->key->type != REGO_STRING)
		return false;
	for (i = 0; i < pp->len && !j->fail; i++) {
		if (re_match(j, pp->u.kvs[i].key, kv->key) != 1)
			continue;
		matched = true;
		child(&cp, p, kv->key->u.s, kv->key->len);
		sub(j, pp->u.kvs[i].val, kv->val, &cp, &rr);
		merge(j, r, &rr);
	}
	if (matched)
		r->score++;
	return matched;
}

static void
v_object(struct js *j, const struct rego_val *s, const struct rego_val *v, const struct jpath *p,
    struct jres *r)
{
	const struct rego_val *x, *props = kw(s, "properties"), *ap = kw(s, "additionalProperties");
	struct jres rr;
	struct jpath cp;
	size_t i;

	if ((x = kw(s, "minProperties")) != NULL && count_of(x) > (int64_t)v->len)
		add_err(j, r, "array_min_properties", p, "Must have at least %s properties",
		    num_text(j, x));
	if ((x = kw(s, "maxProperties")) != NULL && count_of(x) < (int64_t)v->len)
		add_err(j, r, "array_max_properties", p, "Must have at most %s properties",
		    num_text(j, x));
	if ((x = kw(s, "required")) != NULL && x->type == REGO_ARRAY) {
		for (i = 0; i < x->len; i++) {
			if (rego_object_get(v, x->u.elems[i]) != NULL)
				r->score++;
			else
				add_err(j, r, "required", p, "%s is required", x->u.elems[i]->u.s);
		}
	}
	for (i = 0; i < v->len && !j->fail; i++) {
		const struct rego_kv *kv = &v->u.kvs[i];
		bool found = props != NULL && props->type == REGO_OBJECT &&
		    rego_object_get(props, kv->key) != NULL;
		bool pm = pattern_props(j, s, kv, p, r);

		if (found || pm || ap == NULL || kv->key->type != REGO_STRING)
			continue;
		if (ap->type == REGO_BOOL) {
			if (!ap->u.b)
				add_err(j, r, "additional_property_not_allowed", p,
				    "Additional property %s is not allowed", kv->key->u.s);
			continue;
		}
		child(&cp, p, kv->key->u.s, kv->key->len);
		sub(j, ap, kv->val, &cp, &rr);
		merge(j, r, &rr);
	}
	if ((x = kw(s, "propertyNames")) != NULL) {
		for (i = 0; i < v->len && !j->fail; i++) {
			sub(j, x, v->u.kvs[i].key, p, &rr);
			if (rr.n > 0) {
				add_err(j, r, "invalid_property_name", p,
				    "Property name of \"%s\" does not match",
				    v->u.kvs[i].key->type == REGO_STRING ? v->u.kvs[i].key->u.s
				                                         : "");
				merge(j, r, &rr);
			}
		}
	}
	r->score++;
}

static void
v_string(struct js *j, const struct rego_val *s, const struct rego_val *v, const struct jpath *p,
    struct jres *r)
{
	const struct rego_val *x;
	size_t n = core_utf8_count(v->u.s, v->len);

	if ((x = kw(s, "minLength")) != NULL && count_of(x) > (int64_t)n)
		add_err(j, r, "string_gte", p, "String length must be greater than or equal to %s",
		    num_text(j, x));
	if ((x = kw(s, "maxLength")) != NULL && count_of(x) < (int64_t)n)
		add_err(j, r, "string_lte", p, "String length must be less than or equal to %s",
		    num_text(j, x));
	if ((x = kw(s, "pattern")) != NULL && x->type == REGO_STRING && re_match(j, x, v) == 0)
		add_err(j, r, "pattern", p, "Does not match pattern '%s'", x->u.s);
	r->score++;
}

/* Is v a multiple of m (m > 0)? */
static bool
multiple_of(const struct rego_val *v, const struct rego_val *m)
{
	int64_t a, b;
	double x, y, q;

	if (rego_num_i64(v, &a) && rego_num_i64(m, &b) && b != 0)
		return a % b == 0;
	if (!rego_num_double(v, &x) || !rego_num_double(m, &y) || y == 0)
		return false;
	q = x / y;
	return q == (double)(int64_t)q || (q - (double)(int64_t)q < 1e-9 * (q < 0 ? -q : q)) ||
	    ((double)(int64_t)q + 1 - q < 1e-9 * (q < 0 ? -q : q));
}

static void
v_number(struct js *j, const struct rego_val *s, const struct rego_val *v, const struct jpath *p,
    struct jres *r)
{
	const struct rego_val *x, *max = kw(s, "maximum"), *min = kw(s, "minimum");
	const struct rego_val *xmax = kw(s, "exclusiveMaximum"), *xmin = kw(s, "exclusiveMinimum");

	if ((x = kw(s, "multipleOf")) != NULL && x->type == REGO_NUMBER && !multiple_of(v, x))
		add_err(j, r, "multiple_of", p, "Must be a multiple of %s", num_text(j, x));
	/* Draft 4: a boolean exclusiveMaximum makes maximum exclusive. */
	if (xmax != NULL && xmax->type == REGO_BOOL) {
		xmax = xmax->u.b ? max : NULL;
		max = xmax != NULL ? NULL : max;
	}
	if (xmin != NULL && xmin->type == REGO_BOOL) {
		xmin = xmin->u.b ? min : NULL;
		min = xmin != NULL ? NULL : min;
	}
	if (max != NULL && max->type == REGO_NUMBER && rego_num_compare(v, max) > 0)
		add_err(
		    j, r, "number_lte", p, "Must be less than or equal to %s", num_text(j, max));
	if (xmax != NULL && xmax->type == REGO_NUMBER && rego_num_compare(v, xmax) >= 0)
		add_err(j, r, "number_lt", p, "Must be less than %s", num_text(j, xmax));
	if (min != NULL && min->type == REGO_NUMBER && rego_num_compare(v, min) < 0)
		add_err(
		    j, r, "number_gte", p, "Must be greater than or equal to %s", num_text(j, min));
	if (xmin != NULL && xmin->type == REGO_NUMBER && rego_num_compare(v, xmin) <= 0)
		add_err(j, r, "number_gt", p, "Must be greater than %s", num_text(j, xmin));
	r->score++;
}

/* Does the schema's "type" admit v?  *want gets the expected-types text. */
static bool
type_ok(struct js *j, const struct rego_val *t, const struct rego_val *v, const char **want)
{
	const char *tn = type_of(v);
	size_t i, n = t->type == REGO_ARRAY ? t->len : 1;
	struct writ_buf b;
	bool ok = true, hit = false;

	for (i = 0; i < n; i++) {
		const struct rego_val *x = t->type == REGO_ARRAY ? t->u.elems[i] : t;

		if (is_str(x, tn) || (v->type == REGO_NUMBER && is_str(x, "number")))
			hit = true;
	}
	if (hit)
		return true;
	writ_buf_init(&b, 4096);
	ext_bputs(&b, &ok, n > 1 ? "[" : "");
	for (i = 0; i < n; i++) {
		const struct rego_val *x = t->type == REGO_ARRAY ? t->u.elems[i] : t;

		ext_bputs(&b, &ok, i > 0 ? "," : "");
		ext_bput(&b, &ok, x->u.s, x->len);
	}
	ext_bputs(&b, &ok, n > 1 ? "]" : "");
	*want = ok ? writ_arena_strndup(j->c->arena, b.ptr, b.len) : NULL;
	writ_buf_free(&b);
	if (*want == NULL) {
		oom(j);
		*want = "";
	}
	return false;
}

static void
validate(struct js *j, const struct rego_val *s, const struct rego_val *v, const struct jpath *p,
    struct jres *r)
{
	const struct rego_val *t, *ref, *props;
	const char *want;
	struct jpath cp;
	size_t i;

	if (!step(j))
		return;
	if (s->type == REGO_BOOL) {
		if (!s->u.b)
			add_err(j, r, "false", p, "False always fails validation");
		return;
	}
	if ((ref = kw(s, "$ref")) != NULL && ref->type == REGO_STRING &&
	    (t = resolve_ref(j, ref)) != NULL) {
		if (++j->depth > JS_MAX_DEPTH) {
			(void)rego_berr(
			    j->c, "schema references nested deeper than %u", JS_MAX_DEPTH);
			j->fail = true;
			return;
		}
		validate(j, t, v, p, r);
		j->depth--;
		return;
	}
	if ((t = kw(s, "type")) != NULL && !type_ok(j, t, v, &want)) {
		add_err(j, r, "invalid_type", p, "Invalid type. Expected: %s, given: %s", want,
		    type_of(v));
		return;
	}
	v_combinators(j, s, v, p, r);
	v_conditions(j, s, v, p, r);
	if (v->type == REGO_NUMBER)
		v_number(j, s, v, p, r);
	if (v->type == REGO_ARRAY)
		v_array(j, s, v, p, r);
	if (v->type == REGO_OBJECT)
		v_object(j, s, v, p, r);
	v_common(j, s, v, p, r);
	if (v->type == REGO_STRING)
		v_string(j, s, v, p, r);
	if (v->type == REGO_OBJECT && (props = kw(s, "properties")) != NULL &&
	    props->type == REGO_OBJECT) {
		for (i = 0; i < props->len && !j->fail; i++) {
			const struct rego_val *x = rego_object_get(v, props->u.kvs[i].key);

			if (x == NULL || props->u.kvs[i].key->type != REGO_STRING)
				continue;
			child(&cp, p, props->u.kvs[i].key->u.s, props->u.kvs[i].key->len);
			validate(j, props->u.kvs[i].val, x, &cp, r);
		}
	}
	r->score++;
}

/* ---------------------------------------------------------------------------
 * The builtins.
 */

/*
 * A schema or document operand as OPA loads it: a string is JSON text, an
 * object or array goes through JSON (sets become arrays, keys strings).
 * msg gets the reason on failure; false with msg empty is a hard error.
 */
static bool
load(struct rego_bctx *c, const struct rego_val *v, const struct rego_val **out, char *msg,
    size_t msglen)
{
	struct writ_buf b;
	struct writ_err e;
	writ_rc rc;

	msg[0] = '\0';
	if (v->type == REGO_STRING) {
		rc = rego_json_parse(c->arena, v->u.s, v->len, NULL, out, &e);
		if (rc == WRIT_EPARSE)
			snprintf(msg, msglen, "invalid JSON string");
		else if (rc != WRIT_OK)
			(void)core_fail(c, rc, &e);
		return rc == WRIT_OK;
	}
	if (v->type != REGO_OBJECT && v->type != REGO_ARRAY) {
		snprintf(msg, msglen, "wrong type, expected string or object");
		return false;
	}
	writ_buf_init(&b, REGO_JSON_MAX_BYTES);
	rc = rego_json_write(&b, v, NULL, &e);
	if (rc == WRIT_OK)
		rc = rego_json_parse(c->arena, b.ptr, b.len, NULL, out, &e);
	writ_buf_free(&b);
	if (rc != WRIT_OK)
		(void)core_fail(c, rc, &e);
	return rc == WRIT_OK;
}

static void
js_init(struct js *j, struct rego_bctx *c, const struct rego_val *root)
{
	memset(j, 0, sizeof(*j));
	j->c = c;
	j->root = root;
	j->match = rego_builtin_lookup("regex.match", 11);
}

static enum rego_bres
pair(struct rego_bctx *c, bool ok, const struct rego_val *second, const struct rego_val **out)
{
	const struct rego_val *el[2] = {rego_bool(ok), second};

	return core_array(c, el, 2, out);
}

static enum rego_bres
bi_verify_schema(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *schema, *m;
	char msg[440];
	struct js j;
	enum rego_bres r;

	if (!load(c, args[0], &schema, msg, sizeof(msg))) {
		if (msg[0] == '\0')
			return REGO_B_ERR;
	} else {
		js_init(&j, c, schema);
		if (sc_check(&j, schema, 0))
			return pair(c, true, &rego_null_val, out);
		if (j.fail)
			return REGO_B_ERR;
		snprintf(msg, sizeof(msg), "%s", j.msg);
	}
	{
		struct writ_buf b;

		core_buf_init(&b);
		if (writ_buf_appendf(&b, "jsonschema: %s", msg) != WRIT_OK) {
			writ_buf_free(&b);
			return core_buf_err(c, WRIT_ENOMEM);
		}
		if ((r = core_buf_str(c, &b, &m)) != REGO_B_OK)
			return r;
	}
	return pair(c, false, m, out);
}

/* The error records as OPA's objects {desc, error, field, type}. */
static enum rego_bres
errors_val(struct rego_bctx *c, const struct jres *res, const struct rego_val **out)
{
	const struct rego_val **el;
	enum rego_bres r;
	size_t i;

	if ((r = core_elems(c, res->n, &el)) != REGO_B_OK)
		return r;
	for (i = 0; i < res->n; i++) {
		const char *keys[4] = {"desc", "error", "field", "type"};
		const char *vals[4];
		char *full = writ_arena_printf(c->arena, "%s: %s", res->v[i].field, res->v[i].desc);
		struct rego_builder b;
		struct writ_err e;
		size_t k;

		if (full == NULL)
			return core_fail(c, WRIT_ENOMEM, NULL);
		vals[0] = res->v[i].desc;
		vals[1] = full;
		vals[2] = res->v[i].field;
		vals[3] = res->v[i].type;
		rego_builder_init(&b, c->arena, REGO_OBJECT);
		for (k = 0; k < 4; k++) {
			const struct rego_val *kv, *vv;

			if ((r = core_str(c, keys[k], strlen(keys[k]), &kv)) != REGO_B_OK ||
			    (r = core_str(c, vals[k], strlen(vals[k]), &vv)) != REGO_B_OK ||
			    (r = core_check(c, rego_builder_put(&b, kv, vv, &e), &e)) != REGO_B_OK)
				return r;
		}
		if ((r = core_finish(c, &b, &el[i])) != REGO_B_OK)
			return r;
	}
	return core_array(c, el, res->n, out);
}

static enum rego_bres
bi_match_schema(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *doc, *schema, *errs;
	char msg[440];
	struct jres res;
	struct js j;
	enum rego_bres r;

	if (!load(c, args[0], &doc, msg, sizeof(msg)))
		return msg[0] != '\0' ? rego_berr(c, "%s", msg) : REGO_B_ERR;
	if (!load(c, args[1], &schema, msg, sizeof(msg)))
		return msg[0] != '\0' ? rego_berr(c, "%s", msg) : REGO_B_ERR;
	js_init(&j, c, schema);
	if (!sc_check(&j, schema, 0))
		return j.fail ? REGO_B_ERR : rego_berr(c, "%s", j.msg);
	memset(&res, 0, sizeof(res));
	validate(&j, schema, doc, NULL, &res);
	if (j.fail)
		return REGO_B_ERR;
	if ((r = errors_val(c, &res, &errs)) != REGO_B_OK)
		return r;
	return pair(c, res.n == 0, errs, out);
}

static const struct rego_builtin jsonschema_builtins[] = {
    {"json.match_schema", 2, bi_match_schema, 0},
    {"json.verify_schema", 1, bi_verify_schema, 0},
};

const struct rego_builtin_family rego_family_jsonschema = {
    "jsonschema", jsonschema_builtins, WRIT_ARRAY_LEN(jsonschema_builtins)};
