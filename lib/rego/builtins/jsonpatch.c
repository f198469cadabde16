/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.patch(doc, ops): RFC 6902 JSON Patch over Rego values, as OPA
 * applies it.  Operations are add, remove, replace (remove then add), move
 * (remove then add), copy and test.  A path is a JSON Pointer string (the
 * leading slashes are optional, as in OPA, "" is the whole document, ~1 and
 * ~0 are decoded) or an array of terms, one per step, which is how a path
 * can name a set element or a non-string object key.  In a set, a step
 * names the element equal to it; adding to a set requires the last step to
 * equal the value.  Any failure (a missing parent, a bad index, a failed
 * test) is a builtin error, so the call is undefined unless errors are
 * strict.
 *
 * Values are immutable: every operation rebuilds the containers along its
 * path.  Limits: the number of operations and the path length.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "ext_int.h"

#define PATCH_MAX_OPS   10000u
#define PATCH_MAX_DEPTH 512u

struct ppath {
	const struct rego_val **seg;
	size_t n;
};

struct patcher {
	struct rego_bctx *c;
	char msg[300];
	bool oom;
};

static bool pfail(struct patcher *p, const char *fmt, ...) WRIT_PRINTF(2, 3);

static bool
pfail(struct patcher *p, const char *fmt, ...)
{
	va_list ap;

	if (p->msg[0] != '\0')
		return false;
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
	return false;
}

static bool
poom(struct patcher *p)
{
	p->oom = true;
	return false;
}

/* A path attribute as a list of step terms. */
static bool
parse_path(struct patcher *p, const struct rego_val *v, struct ppath *out)
{
	size_t i, n = 0, st;
	const char *s;
	struct writ_err e;

	memset(out, 0, sizeof(*out));
	if (v->type == REGO_ARRAY) {
		if (v->len > PATCH_MAX_DEPTH)
			return pfail(p, "path longer than %u steps", PATCH_MAX_DEPTH);
		out->seg = (const struct rego_val **)(uintptr_t)v->u.elems;
		out->n = v->len;
		return true;
	}
	if (v->type != REGO_STRING)
		return pfail(p, "invalid patch path");
	if (v->len == 0)
		return true;
	s = v->u.s;
	for (i = 0; i < v->len && s[i] == '/'; i++)
		;
	st = i;
	for (n = 1; i < v->len; i++)
		n += s[i] == '/';
	if (n > PATCH_MAX_DEPTH)
		return pfail(p, "path longer than %u steps", PATCH_MAX_DEPTH);
	if ((out->seg = writ_arena_calloc(p->c->arena, n, sizeof(*out->seg))) == NULL)
		return poom(p);
	for (i = st; out->n < n; i++) {
		char *buf = writ_arena_alloc(p->c->arena, v->len + 1);
		size_t k = 0;

		if (buf == NULL)
			return poom(p);
		for (; i < v->len && s[i] != '/'; i++) {
			if (s[i] == '~' && i + 1 < v->len && (s[i + 1] == '0' || s[i + 1] == '1'))
				buf[k++] = s[++i] == '0' ? '~' : '/';
			else
				buf[k++] = s[i];
		}
		buf[k] = '\0';
		if (rego_string_borrow(p->c->arena, buf, k, &out->seg[out->n++], &e) != WRIT_OK)
			return poom(p);
	}
	return true;
}

/* An array index step: a non-negative integer (string digits or number). */
static bool
index_of(const struct rego_val *seg, size_t *out)
{
	uint64_t u;
	int64_t i;

	if (seg->type == REGO_NUMBER) {
		if (!rego_num_i64(seg, &i) || i < 0)
			return false;
		*out = (size_t)i;
		return true;
	}
	if (seg->type != REGO_STRING || seg->len == 0 || (seg->len > 1 && seg->u.s[0] == '0'))
		return false;
	if (writ_parse_u64(seg->u.s, seg->len, &u) != WRIT_OK || u > SIZE_MAX)
		return false;
	*out = (size_t)u;
	return true;
}

/* The set element a step names: equal to the step, or to the number a string step spells. */
static const struct rego_val *
set_elem(struct patcher *p, const struct rego_val *set, const struct rego_val *seg)
{
	const struct rego_val *num;
	struct writ_err e;

	if (rego_set_contains(set, seg))
		return seg;
	if (seg->type == REGO_STRING && seg->len > 0 &&
	    rego_number_parse(p->c->arena, seg->u.s, seg->len, &num, &e) == WRIT_OK &&
	    rego_set_contains(set, num))
		return num;
	return NULL;
}

/* The child of v at one step, or NULL. */
static const struct rego_val *
child_get(struct patcher *p, const struct rego_val *v, const struct rego_val *seg)
{
	size_t i;

	switch (v->type) {
	case REGO_OBJECT:
		return rego_object_get(v, seg);
	case REGO_ARRAY:
		return index_of(seg, &i) && i < v->len ? v->u.elems[i] : NULL;
	case REGO_SET:
		return set_elem(p, v, seg);
	default:
		return NULL;
	}
}

/* ---------------------------------------------------------------------------
 * Rebuilding containers.
 */

/* v with its element/entry at key (found by child_get) replaced by nv, or removed (nv NULL). */
static bool
rebuild(struct patcher *p, const struct rego_val *v, const struct rego_val *key,
    const struct rego_val *old, const struct rego_val *nv, const struct rego_val **out)
{
	struct rego_builder b;
	struct writ_err e;
	size_t i, idx = 0;
	writ_rc rc = WRIT_OK;

	if (v->type == REGO_ARRAY && !index_of(key, &idx))
		return pfail(p, "invalid array index");
	rego_builder_init(&b, p->c->arena, (enum rego_type)v->type);
	for (i = 0; rc == WRIT_OK && i < v->len; i++) {
		if (v->type == REGO_OBJECT) {
			if (rego_equal(v->u.kvs[i].key, key)) {
				if (nv != NULL)
					rc = rego_builder_put(&b, key, nv, &e);
				continue;
			}
			rc = rego_builder_put(&b, v->u.kvs[i].key, v->u.kvs[i].val, &e);
		} else if (v->type == REGO_ARRAY) {
			if (i == idx) {
				if (nv != NULL)
					rc = rego_builder_push(&b, nv, &e);
				continue;
			}
			rc = rego_builder_push(&b, v->u.elems[i], &e);
		} else {
			if (rego_equal(v->u.elems[i], old)) {
				if (nv != NULL)
					rc = rego_builder_push(&b, nv, &e);
				continue;
			}
			rc = rego_builder_push(&b, v->u.elems[i], &e);
		}
	}
	if (rc != WRIT_OK || rego_builder_finish(&b, out, &e) != WRIT_OK)
		return poom(p);
	return true;
}

/* Add value at the last step key of container v. */
static bool
leaf_add(struct patcher *p, const struct rego_val *v, const struct rego_val *key,
    const struct rego_val *val, const struct rego_val **out)
{
	struct rego_builder b;
	struct writ_err e;
	size_t i, idx = 0;
	writ_rc rc = WRIT_OK;

	if (v->type == REGO_OBJECT) {
		rego_builder_init(&b, p->c->arena, REGO_OBJECT);
		for (i = 0; rc == WRIT_OK && i < v->len; i++)
			rc = rego_builder_put(&b, v->u.kvs[i].key, v->u.kvs[i].val, &e);
		if (rc == WRIT_OK)
			rc = rego_builder_put(&b, key, val, &e);
	} else if (v->type == REGO_SET) {
		if (!rego_equal(key, val))
			return pfail(p, "set key does not match the value");
		rego_builder_init(&b, p->c->arena, REGO_SET);
		for (i = 0; rc == WRIT_OK && i < v->len; i++)
			rc = rego_builder_push(&b, v->u.elems[i], &e);
		if (rc == WRIT_OK)
			rc = rego_builder_push(&b, val, &e);
	} else if (v->type == REGO_ARRAY) {
		if (key->type == REGO_STRING && key->len == 1 && key->u.s[0] == '-')
			idx = v->len;
		else if (!index_of(key, &idx) || idx > v->len)
			return pfail(p, "invalid array index");
		rego_builder_init(&b, p->c->arena, REGO_ARRAY);
		for (i = 0; rc == WRIT_OK && i <= v->len; i++) {
			if (i == idx)
				rc = rego_builder_push(&b, val, &e);
			if (rc == WRIT_OK && i < v->len)
				rc = rego_builder_push(&b, v->u.elems[i], &e);
		}
	} else {
		return pfail(p, "cannot add to a %s", rego_type_name(v));
	}
	if (rc != WRIT_OK || rego_builder_finish(&b, out, &e) != WRIT_OK)
		return poom(p);
	return true;
}

/*
 * Apply add (val != NULL) or remove (val == NULL) at path[i..] below v;
 * *removed gets the removed value.
 */
static bool
apply_at(struct patcher *p, const struct rego_val *v, const struct ppath *path, size_t i,
    const struct rego_val *val, const struct rego_val **out, const struct rego_val **removed)
{
	const struct rego_val *key = path->seg[i], *ch, *nch;

	if (i + 1 == path->n) {
		if (val != NULL)
			return leaf_add(p, v, key, val, out);
		if ((ch = child_get(p, v, key)) == NULL)
			return pfail(p, "path does not exist");
		*removed = ch;
		return rebuild(p, v, v->type == REGO_SET ? ch : key, ch, NULL, out);
	}
	if ((ch = child_get(p, v, key)) == NULL)
		return pfail(p, "path does not exist");
	if (!apply_at(p, ch, path, i + 1, val, &nch, removed))
		return false;
	return rebuild(p, v, v->type == REGO_SET ? ch : key, ch, nch, out);
}

static const struct rego_val *
get_at(struct patcher *p, const struct rego_val *v, const struct ppath *path)
{
	size_t i;

	for (i = 0; v != NULL && i < path->n; i++)
		v = child_get(p, v, path->seg[i]);
	return v;
}

static bool
op_add(struct patcher *p, const struct rego_val **doc, const struct ppath *path,
    const struct rego_val *val)
{
	const struct rego_val *rm = NULL;

	if (path->n == 0) {
		*doc = val;
		return true;
	}
	return apply_at(p, *doc, path, 0, val, doc, &rm);
}

static bool
op_remove(struct patcher *p, const struct rego_val **doc, const struct ppath *path,
    const struct rego_val **removed)
{
	if (path->n == 0)
		return pfail(p, "cannot remove the whole document");
	return apply_at(p, *doc, path, 0, NULL, doc, removed);
}

/* One operation object. */
static bool
apply_op(struct patcher *p, const struct rego_val **doc, const struct rego_val *op)
{
	const struct rego_val *opv, *pathv, *fromv, *val, *rm = NULL;
	struct ppath path, from;

	if (op->type != REGO_OBJECT)
		return pfail(p, "invalid patch operation");
	if ((opv = rego_object_get_str(op, "op", 2)) == NULL)
		return pfail(p, "missing required attribute 'op'");
	if ((pathv = rego_object_get_str(op, "path", 4)) == NULL)
		return pfail(p, "missing required attribute 'path'");
	if (!parse_path(p, pathv, &path))
		return false;
	val = rego_object_get_str(op, "value", 5);
	fromv = rego_object_get_str(op, "from", 4);
	if (opv->type != REGO_STRING)
		return pfail(p, "attribute 'op' must be a string");
	if (opv->len == 4 && memcmp(opv->u.s, "test", 4) == 0) {
		const struct rego_val *have = get_at(p, *doc, &path);

		if (val == NULL)
			return pfail(p, "missing required attribute 'value'");
		if (have == NULL)
			return pfail(p, "path does not exist");
		return rego_equal(have, val) || pfail(p, "test failed");
	}
	if ((opv->len == 3 && memcmp(opv->u.s, "add", 3) == 0) ||
	    (opv->len == 7 && memcmp(opv->u.s, "replace", 7) == 0)) {
		if (val == NULL)
			return pfail(p, "missing required attribute 'value'");
		if (opv->len == 7 && path.n > 0 && !op_remove(p, doc, &path, &rm))
			return false;
		return op_add(p, doc, &path, val);
	}
	if (opv->len == 6 && memcmp(opv->u.s, "remove", 6) == 0)
		return op_remove(p, doc, &path, &rm);
	if ((opv->len == 4 && memcmp(opv->u.s, "move", 4) == 0) ||
	    (opv->len == 4 && memcmp(opv->u.s, "copy", 4) == 0)) {
		if (fromv == NULL)
			return pfail(p, "missing required attribute 'from'");
		if (!parse_path(p, fromv, &from))
			return false;
		if (opv->u.s[0] == 'c') {
			if ((rm = get_at(p, *doc, &from)) == NULL)
				return pfail(p, "path does not exist");
		} else if (from.n == 0) {
			rm = *doc;
		} else if (!op_remove(p, doc, &from, &rm)) {
			return false;
		}
		return op_add(p, doc, &path, rm);
	}
	return pfail(p, "unrecognized op: '%.*s'", (int)(opv->len > 32 ? 32 : opv->len), opv->u.s);
}

static enum rego_bres
bi_json_patch(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *doc = args[0], *ops = args[1];
	struct patcher p;
	size_t i;

	if (ops->type != REGO_ARRAY)
		return rego_berr_operand(c, 2, "array", ops);
	if (ops->len > PATCH_MAX_OPS)
		return rego_berr(c, "more than %u operations", PATCH_MAX_OPS);
	memset(&p, 0, sizeof(p));
	p.c = c;
	for (i = 0; i < ops->len; i++) {
		if (!apply_op(&p, &doc, ops->u.elems[i])) {
			if (p.oom) {
				struct writ_err e;

				return core_fail(c, rego_oom(c->arena, &e), &e);
			}
			return rego_berr(c, "%s", p.msg);
		}
	}
	*out = doc;
	return REGO_B_OK;
}

static const struct rego_builtin jsonpatch_builtins[] = {
    {"json.patch", 2, bi_json_patch, 0},
};

const struct rego_builtin_family rego_family_jsonpatch = {
    "jsonpatch", jsonpatch_builtins, WRIT_ARRAY_LEN(jsonpatch_builtins)};
