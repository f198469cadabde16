/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Data paths and the data document.  A path is a list of decoded segments
 * ("/v1/data/a/b%2Fc" is a, b/c).  The API's data document is JSON text,
 * edited by splicing: a PUT replaces the span of the value at the path, or
 * inserts a member into the deepest object that exists, wrapping the value
 * in objects for the missing segments (OPA makes the directories); a DELETE
 * cuts a member or element with its comma; a JSON patch (add, remove,
 * replace, RFC 6902 paths relative to the request's) applies its operations
 * in order to a copy, all or none.  Bundle roots decide which paths the API
 * may not touch (pol_path_owned) and which a bundle may fill
 * (pol_path_within).  pol_package_path reads a module's package clause, for
 * the same ownership check on policies.
 */
#include <string.h>

#include "writ/base.h"

#include "policy/policy_int.h"

/* ---------------------------------------------------------------------------
 * Paths.
 */

static int
pct_val(const char *p)
{
	int hi = writ_hex_digit((unsigned char)p[0]), lo;

	if (hi < 0 || (lo = writ_hex_digit((unsigned char)p[1])) < 0)
		return -1;
	return hi << 4 | lo;
}

/*
 * Copy s[len] into the arena, percent-decoded when pct; NUL bytes and text
 * that is not UTF-8 refused (ids and paths are echoed in JSON replies).
 */
static writ_rc
seg_copy(struct writ_arena *a, const char *s, size_t len, bool pct, char **out, size_t *outlen)
{
	char *d = writ_arena_alloc(a, len + 1);
	size_t i, n = 0;
	int v;

	if (d == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < len; i++) {
		if (pct && s[i] == '%') {
			/* "%00" would cut the segment short: refused like a bad escape */
			if (i + 2 >= len || (v = pct_val(s + i + 1)) <= 0)
				return WRIT_EINVAL;
			d[n++] = (char)v;
			i += 2;
		} else if (s[i] == '\0') {
			return WRIT_EINVAL;
		} else {
			d[n++] = s[i];
		}
	}
	d[n] = '\0';
	for (i = 0; i < n; i += v) {
		if ((v = (int)writ_utf8_len((const unsigned char *)d + i, n - i)) == 0)
			return WRIT_EINVAL;
	}
	*out = d;
	*outlen = n;
	return WRIT_OK;
}

writ_rc
pol_pct_decode(struct writ_arena *a, const char *s, size_t len, char **out, size_t *outlen)
{
	return seg_copy(a, s, len, true, out, outlen);
}

writ_rc
pol_path_parse(struct writ_arena *a, const char *raw, size_t len, bool pct, struct pol_path *out)
{
	size_t i, start, n = 0, k = 0;
	writ_rc rc;

	for (i = 0; i < len; i++)
		if (raw[i] != '/' && (i == 0 || raw[i - 1] == '/'))
			n++;
	out->n = 0;
	out->seg = writ_arena_calloc(a, n + 1, sizeof(*out->seg));
	out->len = writ_arena_calloc(a, n + 1, sizeof(*out->len));
	if (out->seg == NULL || out->len == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < len; i = start) {
		while (i < len && raw[i] == '/')
			i++;
		for (start = i; start < len && raw[start] != '/'; start++)
			;
		if (start == i)
			continue;
		rc = seg_copy(a, raw + i, start - i, pct, &out->seg[k], &out->len[k]);
		if (rc != WRIT_OK)
			return rc;
		k++;
	}
	out->n = k;
	return WRIT_OK;
}

static bool
seg_eq(const struct pol_path *x, size_t i, const struct pol_path *y, size_t j)
{
	return x->len[i] == y->len[j] && memcmp(x->seg[i], y->seg[j], x->len[i]) == 0;
}

/* p lies under a root, or a root under p: the bundle owns it (OPA's isPathOwned). */
bool
pol_path_owned(const struct pol_path *roots, size_t nroots, const struct pol_path *p)
{
	size_t r, i;

	for (r = 0; r < nroots; r++) {
		for (i = 0; i < roots[r].n && i < p->n; i++)
			if (!seg_eq(&roots[r], i, p, i))
				break;
		if (i == roots[r].n || i == p->n)
			return true;
	}
	return false;
}

/* p lies at or under one of the roots. */
bool
pol_path_within(const struct pol_path *roots, size_t nroots, const struct pol_path *p)
{
	size_t r, i;

	for (r = 0; r < nroots; r++) {
		if (roots[r].n > p->n)
			continue;
		for (i = 0; i < roots[r].n; i++)
			if (!seg_eq(&roots[r], i, p, i))
				break;
		if (i == roots[r].n)
			return true;
	}
	return false;
}

/* "/a/b" for the first n segments of p ("/" for none), as OPA prints storage paths. */
writ_rc
pol_path_text(const struct pol_path *p, size_t n, struct writ_buf *b)
{
	size_t i;
	writ_rc rc = WRIT_OK;

	if (n == 0)
		return writ_buf_append(b, "/", 1);
	for (i = 0; i < n && rc == WRIT_OK; i++) {
		if ((rc = writ_buf_append(b, "/", 1)) == WRIT_OK)
			rc = writ_buf_append(b, p->seg[i], p->len[i]);
	}
	return rc;
}

/* ---------------------------------------------------------------------------
 * Editing a document.
 */

/* An array index: digits only, below SIZE_MAX / 2. */
static bool
index_of(const char *seg, size_t len, size_t *out)
{
	uint64_t v;

	if (len == 0 || len > 18 || writ_parse_u64(seg, len, &v) != WRIT_OK)
		return false;
	*out = (size_t)v;
	return true;
}

/*
 * One step down from the container at cur: the member called seg of an
 * object, or the element seg of an array.  *prev_end gets the end of the
 * member or element before it (cur.off + 1 when it is the first) and
 * *next_start the start of the one after it (0 when it is the last).
 */
static bool
step(const char *s, size_t len, struct pol_span cur, const char *seg, size_t seglen,
    struct pol_span *item, struct pol_span *child, size_t *prev_end, size_t *next_start)
{
	struct pol_json_it it;
	struct pol_span k, v;
	size_t idx = 0, want = 0, last_end = cur.off + 1;
	bool found = false, arr = s[cur.off] == '[';

	if ((s[cur.off] != '{' && !arr) || (arr && !index_of(seg, seglen, &want)))
		return false;
	pol_json_it_init(&it, s, len, cur.off);
	while (pol_json_it_next(&it, &k, &v)) {
		if (found) {
			*next_start = k.len > 0 ? k.off : v.off;
			return true;
		}
		if (arr ? idx == want : pol_json_key_eq(s, k, seg, seglen)) {
			found = true;
			item->off = k.len > 0 ? k.off : v.off;
			item->len = v.off + v.len - item->off;
			*child = v;
			*prev_end = last_end;
			*next_start = 0;
		}
		last_end = v.off + v.len;
		idx++;
	}
	return found;
}

/* The value at the first n segments of p; false when absent. */
static bool
locate(const char *s, size_t len, const struct pol_path *p, size_t n, struct pol_span *out)
{
	struct pol_span cur, item;
	size_t i, a, b;

	cur.off = pol_json_ws(s, len, 0);
	cur.len = pol_json_end(s, len, cur.off) - cur.off;
	for (i = 0; i < n; i++) {
		if (!step(s, len, cur, p->seg[i], p->len[i], &item, &cur, &a, &b))
			return false;
	}
	*out = cur;
	return true;
}

/* doc = doc[0, off) + ins + doc[off + cut, len). */
static writ_rc
splice(struct writ_buf *doc, size_t off, size_t cut, const char *ins, size_t inslen)
{
	struct writ_buf n;
	writ_rc rc;

	writ_buf_init(&n, doc->max);
	if ((rc = writ_buf_append(&n, doc->ptr, off)) != WRIT_OK ||
	    (rc = writ_buf_append(&n, ins, inslen)) != WRIT_OK ||
	    (rc = writ_buf_append(&n, doc->ptr + off + cut, doc->len - off - cut)) != WRIT_OK) {
		writ_buf_free(&n);
		return rc;
	}
	writ_buf_free(doc);
	*doc = n;
	return WRIT_OK;
}

/* Add text as the last member or element of the container at c. */
static writ_rc
append_item(struct writ_buf *doc, struct pol_span c, const char *text, size_t len)
{
	size_t close = c.off + c.len - 1;
	bool empty = pol_json_ws(doc->ptr, doc->len, c.off + 1) == close;
	struct writ_buf ins;
	writ_rc rc;

	writ_buf_init(&ins, 0);
	if ((rc = writ_buf_append(&ins, ",", empty ? 0 : 1)) == WRIT_OK &&
	    (rc = writ_buf_append(&ins, text, len)) == WRIT_OK)
		rc = splice(doc, close, 0, ins.ptr, ins.len);
	writ_buf_free(&ins);
	return rc;
}

/* "key":{"k2":{...val...}} for segments from..n of p. */
static writ_rc
nested(struct writ_buf *b, const struct pol_path *p, size_t from, const char *val, size_t vlen)
{
	size_t i;
	writ_rc rc = WRIT_OK;

	for (i = from; i < p->n && rc == WRIT_OK; i++) {
		if (i > from)
			rc = writ_buf_append(b, "{", 1);
		if (rc == WRIT_OK &&
		    (rc = writ_buf_append_json_str(b, p->seg[i], p->len[i])) == WRIT_OK)
			rc = writ_buf_append(b, ":", 1);
	}
	if (rc == WRIT_OK)
		rc = writ_buf_append(b, val, vlen);
	for (i = from + 1; i < p->n && rc == WRIT_OK; i++)
		rc = writ_buf_append(b, "}", 1);
	return rc;
}

static writ_rc
not_found(const struct pol_path *p, size_t n, struct writ_err *err)
{
	struct writ_buf b;

	writ_buf_init(&b, 0);
	if (pol_path_text(p, n, &b) != WRIT_OK) {
		writ_buf_free(&b);
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	}
	WRIT_ERR(
	    err, WRIT_ENOTFOUND, "storage_not_found_error: %.200s: document does not exist", b.ptr);
	writ_buf_free(&b);
	return WRIT_ENOTFOUND;
}

static writ_rc
replace_root(struct writ_buf *doc, const char *val, size_t vlen, struct writ_err *err)
{
	size_t v = pol_json_ws(val, vlen, 0);

	if (v >= vlen || val[v] != '{')
		return WRIT_ERR(
		    err, WRIT_EINVAL, "storage_invalid_patch_error: root must be object");
	return splice(doc, 0, doc->len, val, vlen);
}

writ_rc
pol_data_put(struct writ_buf *doc, const struct pol_path *p, const char *val, size_t vlen,
    struct writ_err *err)
{
	struct pol_span cur, next, item;
	struct writ_buf ins;
	size_t k, a, b;
	writ_rc rc;

	if (p->n == 0)
		return replace_root(doc, val, vlen, err);
	cur.off = pol_json_ws(doc->ptr, doc->len, 0);
	cur.len = pol_json_end(doc->ptr, doc->len, cur.off) - cur.off;
	for (k = 0; k < p->n; k++) {
		if (!step(doc->ptr, doc->len, cur, p->seg[k], p->len[k], &item, &next, &a, &b))
			break;
		cur = next;
	}
	if (k == p->n)
		return splice(doc, cur.off, cur.len, val, vlen);
	if (doc->ptr[cur.off] != '{') {
		struct writ_buf t;

		writ_buf_init(&t, 0);
		rc = pol_path_text(p, k + 1, &t);
		WRIT_ERR(err, rc == WRIT_OK ? WRIT_ECONFLICT : rc,
		    "storage_write_conflict_error: %.200s", t.ptr != NULL ? t.ptr : "");
		writ_buf_free(&t);
		return err->code;
	}
	writ_buf_init(&ins, 0);
	if ((rc = nested(&ins, p, k, val, vlen)) == WRIT_OK)
		rc = append_item(doc, cur, ins.ptr, ins.len);
	writ_buf_free(&ins);
	return rc != WRIT_OK ? WRIT_ERR(err, rc, "out of memory") : WRIT_OK;
}

/* Cut the item at path p (its last segment) out of its parent container. */
static writ_rc
remove_at(struct writ_buf *doc, const struct pol_path *p, struct writ_err *err)
{
	struct pol_span parent, item, child;
	size_t prev_end, next_start;

	if (p->n == 0)
		return splice(doc, 0, doc->len, "{}", 2);
	if (!locate(doc->ptr, doc->len, p, p->n - 1, &parent) ||
	    !step(doc->ptr, doc->len, parent, p->seg[p->n - 1], p->len[p->n - 1], &item, &child,
	        &prev_end, &next_start))
		return not_found(p, p->n, err);
	if (next_start != 0) /* not the last: cut up to the next item, comma included */
		return splice(doc, item.off, next_start - item.off, "", 0);
	if (prev_end == parent.off + 1) /* the only one */
		return splice(doc, item.off, item.len, "", 0);
	return splice(doc, prev_end, item.off + item.len - prev_end, "", 0);
}

writ_rc
pol_data_remove(struct writ_buf *doc, const struct pol_path *p, struct writ_err *err)
{
	return remove_at(doc, p, err);
}

bool
pol_data_locate(const char *s, size_t len, const struct pol_path *p, struct pol_span *out)
{
	return locate(s, len, p, p->n, out);
}

/* The API may not write where a bundle root is. */
writ_rc
pol_owned_error(const struct pol_path *p, struct writ_err *err)
{
	struct writ_buf t;
	writ_rc rc;

	writ_buf_init(&t, 0);
	rc = pol_path_text(p, p->n, &t);
	rc = WRIT_ERR(err, rc == WRIT_OK ? WRIT_EDENIED : rc, "path %.200s is owned by bundle",
	    t.ptr != NULL ? t.ptr + 1 : "");
	writ_buf_free(&t);
	return rc;
}

/* ---------------------------------------------------------------------------
 * JSON patch.
 */

/* Insert val as a new element before the item starting at off. */
static writ_rc
insert_before(struct writ_buf *doc, size_t off, const char *val, size_t vlen)
{
	struct writ_buf ins;
	writ_rc rc;

	writ_buf_init(&ins, 0);
	if ((rc = writ_buf_append(&ins, val, vlen)) == WRIT_OK &&
	    (rc = writ_buf_append(&ins, ",", 1)) == WRIT_OK)
		rc = splice(doc, off, 0, ins.ptr, ins.len);
	writ_buf_free(&ins);
	return rc;
}

/* add: to an object member (set) or array position (insert, "-" appends). */
static writ_rc
patch_add(struct writ_buf *doc, const struct pol_path *p, const char *val, size_t vlen,
    struct writ_err *err)
{
	struct pol_span parent, item, child, k, v;
	struct pol_json_it it;
	const char *last;
	size_t a, b, idx, lastlen, count = 0;

	if (p->n == 0)
		return replace_root(doc, val, vlen, err);
	if (!locate(doc->ptr, doc->len, p, p->n - 1, &parent))
		return not_found(p, p->n - 1, err);
	last = p->seg[p->n - 1];
	lastlen = p->len[p->n - 1];
	if (doc->ptr[parent.off] == '{') {
		if (step(doc->ptr, doc->len, parent, last, lastlen, &item, &child, &a, &b))
			return splice(doc, child.off, child.len, val, vlen);
		return pol_data_put(doc, p, val, vlen, err);
	}
	if (doc->ptr[parent.off] != '[')
		return not_found(p, p->n, err);
	pol_json_it_init(&it, doc->ptr, doc->len, parent.off);
	while (pol_json_it_next(&it, &k, &v))
		count++;
	if (lastlen == 1 && last[0] == '-')
		idx = count;
	else if (!index_of(last, lastlen, &idx) || idx > count)
		return WRIT_ERR(err, WRIT_EINVAL, "storage_invalid_patch_error: bad patch path");
	if (idx == count)
		return append_item(doc, parent, val, vlen);
	if (!step(doc->ptr, doc->len, parent, last, lastlen, &item, &child, &a, &b))
		return not_found(p, p->n, err);
	return insert_before(doc, item.off, val, vlen);
}

/* A JSON pointer ("/a/b~1c") below base, segments unescaped (~1 is '/', ~0 is '~'). */
static writ_rc
pointer_path(struct writ_arena *a, const struct pol_path *base, const char *ptr, size_t len,
    struct pol_path *out)
{
	struct pol_path rel;
	size_t i, j, n;
	writ_rc rc;

	if ((rc = pol_path_parse(a, ptr, len, false, &rel)) != WRIT_OK)
		return rc;
	for (i = 0; i < rel.n; i++) {
		char *s = rel.seg[i];

		for (j = n = 0; j < rel.len[i]; j++, n++) {
			if (s[j] == '~' && j + 1 < rel.len[i] &&
			    (s[j + 1] == '0' || s[j + 1] == '1'))
				s[n] = s[++j] == '0' ? '~' : '/';
			else
				s[n] = s[j];
		}
		s[n] = '\0';
		rel.len[i] = n;
	}
	out->n = base->n + rel.n;
	out->seg = writ_arena_calloc(a, out->n + 1, sizeof(*out->seg));
	out->len = writ_arena_calloc(a, out->n + 1, sizeof(*out->len));
	if (out->seg == NULL || out->len == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < out->n; i++) {
		out->seg[i] = i < base->n ? base->seg[i] : rel.seg[i - base->n];
		out->len[i] = i < base->n ? base->len[i] : rel.len[i - base->n];
	}
	return WRIT_OK;
}

/* A string member of an operation object, unquoted into b. */
static bool
op_string(const char *s, size_t len, struct pol_span op, const char *name, struct writ_buf *b)
{
	struct pol_span v;

	return pol_json_member(s, len, op.off, name, strlen(name), &v) && s[v.off] == '"' &&
	    pol_json_unquote(s, v, b) == WRIT_OK;
}

static writ_rc
patch_one(struct writ_arena *a, struct writ_buf *doc, const struct pol_path *base, const char *ops,
    size_t opslen, struct pol_span op, const struct pol_path *roots, size_t nroots,
    struct writ_err *err)
{
	struct writ_buf name, ptr;
	struct pol_span val, target;
	struct pol_path p;
	const char *vtext = "null";
	size_t vlen = 4;
	writ_rc rc;

	writ_buf_init(&name, 64);
	writ_buf_init(&ptr, 0);
	if (ops[op.off] != '{' || !op_string(ops, opslen, op, "op", &name)) {
		rc = WRIT_ERR(err, WRIT_EINVAL, "bad patch operation: ");
		goto out;
	}
	if (!op_string(ops, opslen, op, "path", &ptr)) {
		rc = WRIT_ERR(err, WRIT_EINVAL, "bad patch path: ");
		goto out;
	}
	if (pol_json_member(ops, opslen, op.off, "value", 5, &val)) {
		vtext = ops + val.off;
		vlen = val.len;
	}
	if ((rc = pointer_path(a, base, ptr.ptr, ptr.len, &p)) != WRIT_OK) {
		rc = WRIT_ERR(
		    err, rc == WRIT_ENOMEM ? rc : WRIT_EINVAL, "bad patch path: %.100s", ptr.ptr);
		goto out;
	}
	if (pol_path_owned(roots, nroots, &p)) {
		rc = pol_owned_error(&p, err);
		goto out;
	}
	if (strcmp(name.ptr, "add") == 0) {
		rc = patch_add(doc, &p, vtext, vlen, err);
	} else if (strcmp(name.ptr, "remove") == 0) {
		rc = remove_at(doc, &p, err);
	} else if (strcmp(name.ptr, "replace") == 0) {
		if (p.n == 0)
			rc = replace_root(doc, vtext, vlen, err);
		else if (!locate(doc->ptr, doc->len, &p, p.n, &target))
			rc = not_found(&p, p.n, err);
		else
			rc = splice(doc, target.off, target.len, vtext, vlen);
	} else {
		rc = WRIT_ERR(err, WRIT_EINVAL, "bad patch operation: %.60s", name.ptr);
	}
out:
	writ_buf_free(&name);
	writ_buf_free(&ptr);
	return rc;
}

writ_rc
pol_data_patch(struct writ_arena *a, struct writ_buf *doc, const struct pol_path *base,
    const char *ops, size_t opslen, const struct pol_path *roots, size_t nroots,
    struct writ_err *err)
{
	struct pol_json_it it;
	struct pol_span all, k, op;
	writ_rc rc;

	if ((rc = pol_json_check(ops, opslen, &all)) != WRIT_OK || ops[all.off] != '[')
		return WRIT_ERR(err, WRIT_EINVAL, "body must be a JSON array of patch operations");
	pol_json_it_init(&it, ops, opslen, all.off);
	while (pol_json_it_next(&it, &k, &op)) {
		rc = patch_one(a, doc, base, ops, opslen, op, roots, nroots, err);
		if (rc != WRIT_OK)
			return rc;
	}
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Package clauses and bundle roots.
 */

static bool
ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
ident_char(char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/* Skip blanks, newlines and comments. */
static size_t
skip_space(const char *t, size_t len, size_t i)
{
	while (i < len) {
		if (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n') {
			i++;
		} else if (t[i] == '#') {
			while (i < len && t[i] != '\n')
				i++;
		} else {
			break;
		}
	}
	return i;
}

/* Add segment text[len] (a string literal when quoted) to the path being built. */
static writ_rc
add_seg(
    struct writ_arena *a, struct pol_path *p, size_t cap, const char *t, size_t len, bool quoted)
{
	struct writ_buf b;
	struct pol_span sp = {0, len};
	writ_rc rc;

	if (p->n == cap)
		return WRIT_ELIMIT;
	if (!quoted) {
		p->seg[p->n] = writ_arena_strndup(a, t, len);
		p->len[p->n] = len;
		return p->seg[p->n++] != NULL ? WRIT_OK : WRIT_ENOMEM;
	}
	writ_buf_init(&b, 0);
	if ((rc = pol_json_unquote(t, sp, &b)) == WRIT_OK) {
		p->seg[p->n] = writ_arena_strndup(a, b.ptr, b.len);
		p->len[p->n] = b.len;
		rc = p->seg[p->n++] != NULL ? WRIT_OK : WRIT_ENOMEM;
	}
	writ_buf_free(&b);
	return rc;
}

/*
 * The path of a module's package ("package a.b[\"c\"]" is a, b, c), read
 * from the first clause of the text.  WRIT_EPARSE when it is not there
 * (the compiler then says what is wrong).
 */
writ_rc
pol_package_path(struct writ_arena *a, const char *t, size_t len, struct pol_path *out)
{
	const size_t cap = 64;
	size_t i = skip_space(t, len, 0), s;
	writ_rc rc;

	out->n = 0;
	out->seg = writ_arena_calloc(a, cap, sizeof(*out->seg));
	out->len = writ_arena_calloc(a, cap, sizeof(*out->len));
	if (out->seg == NULL || out->len == NULL)
		return WRIT_ENOMEM;
	if (len - i < 8 || memcmp(t + i, "package", 7) != 0 || ident_char(t[i + 7]))
		return WRIT_EPARSE;
	i = skip_space(t, len, i + 7);
	for (;;) {
		if (i < len && ident_start(t[i]) && (out->n == 0 || t[i - 1] == '.')) {
			for (s = i; i < len && ident_char(t[i]); i++)
				;
			rc = add_seg(a, out, cap, t + s, i - s, false);
		} else if (i + 1 < len && t[i] == '[' && t[i + 1] == '"' && out->n > 0) {
			size_t e = i + 2;

			s = i + 1;
			while (e < len && t[e] != '"' && t[e] != '\n')
				e += t[e] == '\\' ? 2 : 1;
			if (e + 1 >= len || t[e] != '"' || t[e + 1] != ']' ||
			    pol_json_check(t + s, e + 1 - s, NULL) != WRIT_OK)
				return WRIT_EPARSE;
			rc = add_seg(a, out, cap, t + s, e + 1 - s, true);
			i = e + 2;
		} else {
			break;
		}
		if (rc != WRIT_OK)
			return rc;
		if (i < len && t[i] == '.')
			i++;
	}
	return out->n > 0 ? WRIT_OK : WRIT_EPARSE;
}

/* Members of the object at obj (whose path is prefix) must lie within a root. */
static writ_rc
roots_walk(const char *doc, size_t len, size_t obj, struct pol_path *prefix,
    const struct pol_path *roots, size_t nroots, struct writ_arena *a, struct writ_err *err)
{
	struct pol_json_it it;
	struct pol_span k, v;
	struct writ_buf key, t;
	writ_rc rc = WRIT_OK;

	pol_json_it_init(&it, doc, len, obj);
	while (rc == WRIT_OK && pol_json_it_next(&it, &k, &v)) {
		writ_buf_init(&key, 0);
		if ((rc = pol_json_unquote(doc, k, &key)) != WRIT_OK)
			break;
		prefix->seg[prefix->n] = writ_arena_strndup(a, key.ptr, key.len);
		prefix->len[prefix->n] = key.len;
		writ_buf_free(&key);
		if (prefix->seg[prefix->n] == NULL)
			return WRIT_ENOMEM;
		prefix->n++;
		if (pol_path_within(roots, nroots, prefix)) {
			rc = WRIT_OK;
		} else if (pol_path_owned(roots, nroots, prefix) && doc[v.off] == '{' &&
		    prefix->n < 64) {
			rc = roots_walk(doc, len, v.off, prefix, roots, nroots, a, err);
		} else {
			writ_buf_init(&t, 0);
			rc = pol_path_text(prefix, prefix->n, &t);
			rc = WRIT_ERR(err, rc == WRIT_OK ? WRIT_EINVAL : rc,
			    "manifest roots do not permit data at path %.200s", t.ptr ? t.ptr : "");
			writ_buf_free(&t);
		}
		prefix->n--;
	}
	return rc;
}

/* Every value of the data document doc lies within the roots (none: all of data). */
writ_rc
pol_data_roots_check(const char *doc, size_t len, const struct pol_path *roots, size_t nroots,
    struct writ_arena *a, struct writ_err *err)
{
	struct pol_path prefix;

	if (nroots == 0)
		return WRIT_OK;
	prefix.n = 0;
	prefix.seg = writ_arena_calloc(a, 65, sizeof(*prefix.seg));
	prefix.len = writ_arena_calloc(a, 65, sizeof(*prefix.len));
	if (prefix.seg == NULL || prefix.len == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	return roots_walk(doc, len, pol_json_ws(doc, len, 0), &prefix, roots, nroots, a, err);
}
