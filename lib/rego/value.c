/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rego values: the shared singletons, constructors of strings and
 * composites, builders that sort once, lookups by binary search, and OPA's
 * total order (null < boolean < number < string < array < object < set;
 * arrays and sets element by element then by length; objects key, value, key,
 * value ... then by length) with a hash consistent with it.
 */
#include <assert.h>
#include <string.h>

#include "writ/base.h"
#include "rego/value.h"

/* Hash seeds per type and the hashes of the singletons. */
#define SEED_STR   0x9e3779b97f4a7c15ull
#define SEED_ARR   0xc2b2ae3d27d4eb4full
#define SEED_OBJ   0x165667b19e3779f9ull
#define SEED_SET   0x27d4eb2f165667c5ull
#define HASH_NULL  0x5bd1e9955bd1e995ull
#define HASH_TRUE  0x94d049bb133111ebull
#define HASH_FALSE 0xbf58476d1ce4e5b9ull
#define HASH_ESTR  0x8ebc6af09c88c6e3ull
#define HASH_EARR  0x589965cc75374cc3ull
#define HASH_EOBJ  0x1d8e4e27c47d124full
#define HASH_ESET  0xa0761d6478bd642full
#define P1         0x100000001b3ull

#define SORT_SMALL 12

const struct rego_val rego_null_val = {.type = REGO_NULL, .hash = HASH_NULL};
const struct rego_val rego_true_val = {.type = REGO_BOOL, .hash = HASH_TRUE, .u.b = true};
const struct rego_val rego_false_val = {.type = REGO_BOOL, .hash = HASH_FALSE, .u.b = false};
const struct rego_val rego_empty_string_val = {.type = REGO_STRING, .hash = HASH_ESTR, .u.s = ""};
const struct rego_val rego_empty_array_val = {.type = REGO_ARRAY, .hash = HASH_EARR};
const struct rego_val rego_empty_object_val = {.type = REGO_OBJECT, .hash = HASH_EOBJ};
const struct rego_val rego_empty_set_val = {.type = REGO_SET, .hash = HASH_ESET};

static int str_cmp(const char *a, size_t alen, const char *b, size_t blen);
static uint64_t hash_string(const char *s, size_t len);
static void kv_sort(struct rego_kv *v, struct rego_kv *tmp, size_t n);
static size_t kv_merge_unique(
    struct rego_kv *v, size_t nsorted, size_t n, struct rego_kv *tmp, bool keyed, bool *conflict);
static writ_rc builder_compact(struct rego_builder *b, struct writ_err *err);

writ_rc
rego_oom(struct writ_arena *a, struct writ_err *err)
{
	if (a != NULL && writ_arena_over_cap(a))
		return WRIT_ERR(err, WRIT_ELIMIT, "rego: memory limit reached");
	return WRIT_ERR(err, WRIT_ENOMEM, "rego: out of memory");
}

/* ---------------------------------------------------------------------------
 * Hashing.
 */

uint64_t
rego_hash_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

uint64_t
rego_hash_bytes(const void *p, size_t len, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = seed ^ (len * P1), w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ rego_hash_mix(w)) * P1;
		h = (h << 31) | (h >> 33);
	}
	w = 0;
	if (i < len)
		memcpy(&w, s + i, len - i);
	return rego_hash_mix(h ^ w ^ (w >> 29));
}

static uint64_t
hash_string(const char *s, size_t len)
{
	return len == 0 ? HASH_ESTR : rego_hash_bytes(s, len, SEED_STR);
}

/* Hash of a composite from its entries (sorted for sets and objects). */
static uint64_t
hash_kvs(uint8_t type, const struct rego_kv *kvs, size_t n)
{
	uint64_t h = type == REGO_SET ? SEED_SET : SEED_OBJ;
	size_t i;

	if (n == 0)
		return type == REGO_SET ? HASH_ESET : HASH_EOBJ;
	for (i = 0; i < n; i++) {
		h = rego_hash_mix(h ^ kvs[i].key->hash) * P1;
		if (type == REGO_OBJECT)
			h = rego_hash_mix(h ^ kvs[i].val->hash) * P1;
	}
	return rego_hash_mix(h ^ n);
}

static uint64_t
hash_elems(const struct rego_val *const *elems, size_t n)
{
	uint64_t h = SEED_ARR;
	size_t i;

	if (n == 0)
		return HASH_EARR;
	for (i = 0; i < n; i++)
		h = rego_hash_mix(h ^ elems[i]->hash) * P1;
	return rego_hash_mix(h ^ n);
}

/* ---------------------------------------------------------------------------
 * Scalars.
 */

const struct rego_val *
rego_bool(bool b)
{
	return b ? &rego_true_val : &rego_false_val;
}

writ_rc
rego_string_borrow(struct writ_arena *a, const char *s, size_t len, const struct rego_val **out,
    struct writ_err *err)
{
	struct rego_val *v;

	if (len == 0) {
		*out = &rego_empty_string_val;
		return WRIT_OK;
	}
	if ((v = writ_arena_alloc(a, sizeof(*v))) == NULL)
		return rego_oom(a, err);
	memset(v, 0, sizeof(*v));
	v->type = REGO_STRING;
	v->len = len;
	v->u.s = s;
	v->hash = hash_string(s, len);
	*out = v;
	return WRIT_OK;
}

writ_rc
rego_string(struct writ_arena *a, const char *s, size_t len, const struct rego_val **out,
    struct writ_err *err)
{
	struct rego_val *v;
	char *p;

	if (len == 0) {
		*out = &rego_empty_string_val;
		return WRIT_OK;
	}
	if (len > SIZE_MAX - sizeof(*v) - 1 ||
	    (v = writ_arena_alloc(a, sizeof(*v) + len + 1)) == NULL)
		return rego_oom(a, err);
	p = (char *)(v + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	memset(v, 0, sizeof(*v));
	v->type = REGO_STRING;
	v->len = len;
	v->u.s = p;
	v->hash = hash_string(p, len);
	*out = v;
	return WRIT_OK;
}

writ_rc
rego_int(struct writ_arena *a, int64_t i, const struct rego_val **out, struct writ_err *err)
{
	struct rego_val *v;

	if ((v = writ_arena_alloc(a, sizeof(*v))) == NULL)
		return rego_oom(a, err);
	memset(v, 0, sizeof(*v));
	v->type = REGO_NUMBER;
	v->flags = REGO_NUM_I64;
	v->u.num.i = i;
	v->hash = rego_num_hash(i, true, NULL, 0);
	*out = v;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Order and equality.
 */

static int
str_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return alen < blen ? -1 : alen > blen;
}

static int
elems_cmp(const struct rego_val *const *a, size_t na, const struct rego_val *const *b, size_t nb)
{
	size_t i, n = na < nb ? na : nb;
	int c;

	for (i = 0; i < n; i++)
		if ((c = rego_compare(a[i], b[i])) != 0)
			return c;
	return na < nb ? -1 : na > nb;
}

static int
kvs_cmp(const struct rego_kv *a, size_t na, const struct rego_kv *b, size_t nb)
{
	size_t i, n = na < nb ? na : nb;
	int c;

	for (i = 0; i < n; i++) {
		if ((c = rego_compare(a[i].key, b[i].key)) != 0)
			return c;
		if ((c = rego_compare(a[i].val, b[i].val)) != 0)
			return c;
	}
	return na < nb ? -1 : na > nb;
}

int
rego_compare(const struct rego_val *a, const struct rego_val *b)
{
	if (a == b)
		return 0;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	switch (a->type) {
	case REGO_NULL:
		return 0;
	case REGO_BOOL:
		return (int)a->u.b - (int)b->u.b;
	case REGO_NUMBER:
		return rego_num_compare(a, b);
	case REGO_STRING:
		return str_cmp(a->u.s, a->len, b->u.s, b->len);
	case REGO_ARRAY:
	case REGO_SET:
		return elems_cmp(a->u.elems, a->len, b->u.elems, b->len);
	case REGO_OBJECT:
		return kvs_cmp(a->u.kvs, a->len, b->u.kvs, b->len);
	}
	assert(0);
	return 0;
}

bool
rego_equal(const struct rego_val *a, const struct rego_val *b)
{
	if (a == b)
		return true;
	if (a->type != b->type || a->hash != b->hash)
		return false;
	switch (a->type) {
	case REGO_STRING:
		return a->len == b->len && memcmp(a->u.s, b->u.s, a->len) == 0;
	case REGO_NUMBER:
		/* Equal numbers may have texts of different lengths (1, 1.0). */
		return rego_num_compare(a, b) == 0;
	default:
		return a->len == b->len && rego_compare(a, b) == 0;
	}
}

/* ---------------------------------------------------------------------------
 * Access.
 */

const struct rego_val *
rego_array_get(const struct rego_val *v, size_t i)
{
	if (v->type != REGO_ARRAY || i >= v->len)
		return NULL;
	return v->u.elems[i];
}

/* Objects of at least this many entries get an index (rego_object_index). */
#define OBJ_INDEX_MIN 16

/*
 * The entry for key (or, when key is NULL, for the string s of len bytes) of
 * an indexed object: after its entries, the slot count (a power of two), then
 * per slot 0 (empty) or an entry's position + 1, placed by the key's hash.
 */
static const struct rego_val *
index_get(const struct rego_val *v, const struct rego_val *key, const char *s, size_t len,
    uint64_t hash)
{
	const uint32_t *ix = (const uint32_t *)(const void *)(v->u.kvs + v->len);
	size_t mask = ix[0] - 1, j;

	for (j = hash & mask; ix[1 + j] != 0; j = (j + 1) & mask) {
		const struct rego_kv *kv = &v->u.kvs[ix[1 + j] - 1];

		if (kv->key->hash != hash)
			continue;
		if (key != NULL ? rego_equal(kv->key, key)
				: kv->key->type == REGO_STRING && kv->key->len == len &&
				    memcmp(kv->key->u.s, s, len) == 0)
			return kv->val;
	}
	return NULL;
}

writ_rc
rego_object_index(struct writ_arena *a, const struct rego_val *v, struct writ_err *err)
{
	struct rego_val *w = (struct rego_val *)(uintptr_t)v;
	struct rego_kv *e;
	uint32_t *ix;
	size_t i, j, cap, size;
	writ_rc rc;

	if (v->type == REGO_ARRAY || v->type == REGO_SET) {
		for (i = 0; i < v->len; i++)
			if ((rc = rego_object_index(a, v->u.elems[i], err)) != WRIT_OK)
				return rc;
		return WRIT_OK;
	}
	if (v->type != REGO_OBJECT)
		return WRIT_OK;
	for (i = 0; i < v->len; i++)
		if ((rc = rego_object_index(a, v->u.kvs[i].val, err)) != WRIT_OK)
			return rc;
	if (v->len < OBJ_INDEX_MIN || (v->flags & REGO_OBJ_INDEXED) || v->len >= UINT32_MAX / 4)
		return WRIT_OK;
	for (cap = 2 * OBJ_INDEX_MIN; cap < 2 * v->len; cap *= 2)
		;
	if (__builtin_mul_overflow(v->len, sizeof(*e), &size) ||
	    __builtin_add_overflow(size, (cap + 1) * sizeof(*ix), &size) ||
	    (e = writ_arena_alloc(a, size)) == NULL)
		return rego_oom(a, err);
	memcpy(e, v->u.kvs, v->len * sizeof(*e));
	ix = (uint32_t *)(void *)(e + v->len);
	memset(ix, 0, (cap + 1) * sizeof(*ix));
	ix[0] = (uint32_t)cap;
	for (i = 0; i < v->len; i++) {
		for (j = e[i].key->hash & (cap - 1); ix[1 + j] != 0; j = (j + 1) & (cap - 1))
			;
		ix[1 + j] = (uint32_t)(i + 1);
	}
	w->u.kvs = e;
	w->flags |= REGO_OBJ_INDEXED;
	return WRIT_OK;
}

const struct rego_val *
rego_object_get(const struct rego_val *v, const struct rego_val *key)
{
	size_t lo = 0, hi, mid;
	int c;

	if (v->type != REGO_OBJECT)
		return NULL;
	if (v->flags & REGO_OBJ_INDEXED)
		return index_get(v, key, NULL, 0, key->hash);
	if (v->len <= 8) { /* small: scan, the stored hashes settle most mismatches */
		for (lo = 0; lo < v->len; lo++)
			if (v->u.kvs[lo].key->hash == key->hash && rego_equal(v->u.kvs[lo].key, key))
				return v->u.kvs[lo].val;
		return NULL;
	}
	if (key->type == REGO_STRING)
		return rego_object_get_str(v, key->u.s, key->len);
	hi = v->len;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = rego_compare(v->u.kvs[mid].key, key);
		if (c == 0)
			return v->u.kvs[mid].val;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct rego_val *
rego_object_get_str(const struct rego_val *v, const char *s, size_t len)
{
	size_t lo = 0, hi, mid;
	const struct rego_val *k;
	int c;

	if (v->type != REGO_OBJECT)
		return NULL;
	if (v->flags & REGO_OBJ_INDEXED)
		return index_get(v, NULL, s, len, hash_string(s, len));
	hi = v->len;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		k = v->u.kvs[mid].key;
		if (k->type != REGO_STRING)
			c = k->type < REGO_STRING ? -1 : 1;
		else
			c = str_cmp(k->u.s, k->len, s, len);
		if (c == 0)
			return v->u.kvs[mid].val;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool
rego_set_contains(const struct rego_val *v, const struct rego_val *e)
{
	size_t lo = 0, hi, mid;
	int c;

	if (v->type != REGO_SET)
		return false;
	hi = v->len;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = rego_compare(v->u.elems[mid], e);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool
rego_str_view(const struct rego_val *v, const char **s, size_t *len)
{
	if (v->type != REGO_STRING)
		return false;
	*s = v->u.s;
	*len = v->len;
	return true;
}

const char *
rego_type_name(const struct rego_val *v)
{
	static const char *const names[] = {
	    [REGO_NULL] = "null",
	    [REGO_BOOL] = "boolean",
	    [REGO_NUMBER] = "number",
	    [REGO_STRING] = "string",
	    [REGO_ARRAY] = "array",
	    [REGO_OBJECT] = "object",
	    [REGO_SET] = "set",
	};

	if (WRIT_NEVER(v->type >= WRIT_ARRAY_LEN(names)))
		return "unknown";
	return names[v->type];
}

/* ---------------------------------------------------------------------------
 * Sorting of entries: a stable merge sort, so that among equal keys the
 * order of insertion is kept and "first key, last value" can be applied.
 */

static void
kv_insertion_sort(struct rego_kv *v, size_t n)
{
	size_t i, j;
	struct rego_kv x;

	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && rego_compare(v[j - 1].key, x.key) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Merge the sorted runs v[0..h) and v[h..n) with tmp as room for h entries. */
static void
kv_merge(struct rego_kv *v, size_t h, size_t n, struct rego_kv *tmp)
{
	size_t i = 0, j = h, k = 0;

	memcpy(tmp, v, h * sizeof(*v));
	while (i < h && j < n) {
		if (rego_compare(v[j].key, tmp[i].key) < 0)
			v[k++] = v[j++];
		else
			v[k++] = tmp[i++];
	}
	while (i < h)
		v[k++] = tmp[i++];
}

static void
kv_sort(struct rego_kv *v, struct rego_kv *tmp, size_t n)
{
	size_t h;

	if (n <= SORT_SMALL) {
		kv_insertion_sort(v, n);
		return;
	}
	h = n / 2;
	kv_sort(v, tmp, h);
	kv_sort(v + h, tmp, n - h);
	if (rego_compare(v[h - 1].key, v[h].key) <= 0)
		return;
	kv_merge(v, h, n, tmp);
}

/*
 * v[0..nsorted) is sorted and unique; sort v[nsorted..n), merge and drop
 * duplicates (first key, last value; conflict if values differ).  Returns the
 * new count.
 */
static size_t
kv_merge_unique(
    struct rego_kv *v, size_t nsorted, size_t n, struct rego_kv *tmp, bool keyed, bool *conflict)
{
	size_t i, out = 0;

	kv_sort(v + nsorted, tmp, n - nsorted);
	if (nsorted > 0 && nsorted < n && rego_compare(v[nsorted - 1].key, v[nsorted].key) >= 0)
		kv_merge(v, nsorted, n, tmp);
	for (i = 0; i < n; i++) {
		if (out > 0 && rego_equal(v[out - 1].key, v[i].key)) {
			if (keyed && !rego_equal(v[out - 1].val, v[i].val)) {
				*conflict = true;
				v[out - 1].val = v[i].val;
			}
			continue;
		}
		v[out++] = v[i];
	}
	return out;
}

/* ---------------------------------------------------------------------------
 * Composites.
 */

static writ_rc
make_elems(struct writ_arena *a, uint8_t type, const struct rego_kv *kvs,
    const struct rego_val *const *elems, size_t n, const struct rego_val **out,
    struct writ_err *err)
{
	struct rego_val *v;
	const struct rego_val **e;
	size_t i, size;

	if (__builtin_mul_overflow(n, sizeof(*e), &size) ||
	    __builtin_add_overflow(size, sizeof(*v), &size) ||
	    (v = writ_arena_alloc(a, size)) == NULL)
		return rego_oom(a, err);
	memset(v, 0, sizeof(*v));
	e = (const struct rego_val **)(v + 1);
	for (i = 0; i < n; i++)
		e[i] = kvs != NULL ? kvs[i].key : elems[i];
	v->type = type;
	v->len = n;
	v->u.elems = e;
	if (type == REGO_ARRAY)
		v->hash = hash_elems(e, n);
	else
		v->hash = hash_kvs(type, kvs, n);
	*out = v;
	return WRIT_OK;
}

static writ_rc
make_object(struct writ_arena *a, const struct rego_kv *kvs, size_t n, const struct rego_val **out,
    struct writ_err *err)
{
	struct rego_val *v;
	struct rego_kv *e;
	size_t size;

	if (__builtin_mul_overflow(n, sizeof(*e), &size) ||
	    __builtin_add_overflow(size, sizeof(*v), &size) ||
	    (v = writ_arena_alloc(a, size)) == NULL)
		return rego_oom(a, err);
	memset(v, 0, sizeof(*v));
	e = (struct rego_kv *)(v + 1);
	memcpy(e, kvs, n * sizeof(*e));
	v->type = REGO_OBJECT;
	v->len = n;
	v->u.kvs = e;
	v->hash = hash_kvs(REGO_OBJECT, e, n);
	*out = v;
	return WRIT_OK;
}

writ_rc
rego_array(struct writ_arena *a, const struct rego_val *const *elems, size_t n,
    const struct rego_val **out, struct writ_err *err)
{
	if (n == 0) {
		*out = &rego_empty_array_val;
		return WRIT_OK;
	}
	return make_elems(a, REGO_ARRAY, NULL, elems, n, out, err);
}

writ_rc
rego_kvs_array(struct writ_arena *a, const struct rego_kv *kvs, size_t n,
    const struct rego_val **out, struct writ_err *err)
{
	if (n == 0) {
		*out = &rego_empty_array_val;
		return WRIT_OK;
	}
	return make_elems(a, REGO_ARRAY, kvs, NULL, n, out, err);
}

writ_rc
rego_kvs_finish(struct writ_arena *a, enum rego_type type, struct rego_kv *kvs, size_t n,
    struct rego_kv *tmp, bool strict, const struct rego_val **out, struct writ_err *err)
{
	bool conflict = false;

	assert(type == REGO_SET || type == REGO_OBJECT);
	n = kv_merge_unique(kvs, 0, n, tmp, type == REGO_OBJECT, &conflict);
	if (strict && conflict)
		return WRIT_ERR(err, WRIT_ECONFLICT, "object keys must be unique");
	if (n == 0) {
		*out = type == REGO_SET ? &rego_empty_set_val : &rego_empty_object_val;
		return WRIT_OK;
	}
	if (type == REGO_SET)
		return make_elems(a, REGO_SET, kvs, NULL, n, out, err);
	return make_object(a, kvs, n, out, err);
}

void
rego_builder_init(struct rego_builder *b, struct writ_arena *a, enum rego_type type)
{
	assert(type == REGO_ARRAY || type == REGO_SET || type == REGO_OBJECT);
	memset(b, 0, sizeof(*b));
	b->a = a;
	b->type = (uint8_t)type;
}

/* Sort and drop duplicates of a set or object builder's entries. */
static writ_rc
builder_compact(struct rego_builder *b, struct writ_err *err)
{
	bool conflict = false;

	if (b->n == b->nsorted)
		return WRIT_OK;
	b->n = kv_merge_unique(b->kvs, b->nsorted, b->n, b->tmp, b->type == REGO_OBJECT, &conflict);
	b->nsorted = b->n;
	b->conflict |= conflict;
	return WRIT_OK;
}

/* Make room for one more entry: compact sets and objects first, else double. */
static writ_rc
builder_room(struct rego_builder *b, struct writ_err *err)
{
	struct rego_kv *kvs, *tmp = NULL;
	size_t ncap, size;
	writ_rc rc;

	if (b->n < b->cap)
		return WRIT_OK;
	if (b->type != REGO_ARRAY && b->cap > 0) {
		if ((rc = builder_compact(b, err)) != WRIT_OK)
			return rc;
		if (b->n <= b->cap / 2)
			return WRIT_OK;
	}
	ncap = b->cap ? b->cap : 8;
	if (b->cap > 0 && __builtin_mul_overflow(b->cap, 2, &ncap))
		return rego_oom(NULL, err);
	if (__builtin_mul_overflow(ncap, sizeof(*kvs), &size) ||
	    (kvs = writ_arena_alloc(b->a, size)) == NULL)
		return rego_oom(b->a, err);
	if (b->type != REGO_ARRAY && (tmp = writ_arena_alloc(b->a, size)) == NULL)
		return rego_oom(b->a, err);
	if (b->n > 0)
		memcpy(kvs, b->kvs, b->n * sizeof(*kvs));
	b->kvs = kvs;
	b->tmp = tmp;
	b->cap = ncap;
	return WRIT_OK;
}

writ_rc
rego_builder_push(struct rego_builder *b, const struct rego_val *v, struct writ_err *err)
{
	writ_rc rc;

	assert(b->type != REGO_OBJECT);
	if ((rc = builder_room(b, err)) != WRIT_OK)
		return rc;
	b->kvs[b->n].key = v;
	b->kvs[b->n].val = NULL;
	b->n++;
	return WRIT_OK;
}

writ_rc
rego_builder_put(struct rego_builder *b, const struct rego_val *key, const struct rego_val *val,
    struct writ_err *err)
{
	writ_rc rc;

	assert(b->type == REGO_OBJECT);
	if ((rc = builder_room(b, err)) != WRIT_OK)
		return rc;
	b->kvs[b->n].key = key;
	b->kvs[b->n].val = val;
	b->n++;
	return WRIT_OK;
}

writ_rc
rego_builder_finish(struct rego_builder *b, const struct rego_val **out, struct writ_err *err)
{
	writ_rc rc;

	if (b->type == REGO_ARRAY) {
		if (b->n == 0) {
			*out = &rego_empty_array_val;
			return WRIT_OK;
		}
		return make_elems(b->a, REGO_ARRAY, b->kvs, NULL, b->n, out, err);
	}
	if ((rc = builder_compact(b, err)) != WRIT_OK)
		return rc;
	if (b->strict && b->conflict)
		return WRIT_ERR(err, WRIT_ECONFLICT, "object keys must be unique");
	if (b->n == 0) {
		*out = b->type == REGO_SET ? &rego_empty_set_val : &rego_empty_object_val;
		return WRIT_OK;
	}
	if (b->type == REGO_SET)
		return make_elems(b->a, REGO_SET, b->kvs, NULL, b->n, out, err);
	return make_object(b->a, b->kvs, b->n, out, err);
}
