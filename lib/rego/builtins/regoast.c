/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rego.parse_module(filename, source): the module parsed as OPA's
 * ast.ParseModule parses it (Rego v1, no METADATA processing), returned as
 * the value of its JSON encoding; OPA marshals the *ast.Module with
 * encoding/json and reads the text back with ast.ParseTerm.  With OPA's
 * default JSON options nothing but comments carries a location:
 *
 *   module  {"package": {"path": [term]}, "imports": [import], "rules": [rule],
 *            "comments": [{"Text": base64, "Location": {"file", "row", "col"}}]}
 *   import  {"path": term, "alias": "name"}
 *   rule    {"head": head, "body": [expr], "default": true, "else": rule}
 *   head    {"ref": [term], "name": "p", "key": term, "value": term,
 *            "args": [term], "assign": true}
 *   expr    {"index": i, "terms": term | [term] | {"symbols": [term]} |
 *            {"key", "value", "domain", "body"}, "negated": true,
 *            "with": [{"target": term, "value": term}]}
 *   term    {"type": "ref", "value": ...}: null is {}, refs, arrays and calls
 *            are arrays of terms, sets sorted arrays, objects sorted [key,
 *            value] pairs, comprehensions {"term"|"key","value", "body"},
 *            template strings {"parts", "multi_line"}
 *
 * Members left out are absent in OPA's output too (Go's omitempty).  writ's
 * AST keeps what was written where OPA's parser fills things in, so this
 * file makes up the difference:
 *   - heads: OPA sets the name, the key and a generated `true` value by
 *     the path its parser took (a rule with a body, a `contains` rule, a
 *     bodiless `p := 1` read as an expression and turned into a rule);
 *   - bodies left out are OPA's generated body `true`;
 *   - wildcards are still `_`: OPA names them $0, $1, ... in the order its
 *     parser meets them, and anew for the wildcard arguments of each else
 *     branch and each further body of a rule;
 *   - sets and objects keep source order: OPA's sorts by ast.Compare.
 * Parse errors are OPA's ast.Errors text: "1 error occurred: file:row:
 * rego_parse_error: message" and the source line with a caret.
 */
#include <stdio.h>
#include <string.h>

#include "writ/crypto.h"

#include "rego/ast.h"
#include "rego/builtins/families_more.h"
#include "ext_int.h"

/* What one conversion needs: the call, the file name value and its failures. */
struct conv {
	struct rego_bctx *c;
	const struct rego_val *file; /* the filename operand, for comment locations */
	const struct rego_val *kinds[REGO_T_TEMPLATE + 1]; /* "type" strings, made once */
	const struct rego_val *true_term;                  /* {"type": "boolean", "value": true} */
	const struct rego_val *true_body;                  /* [{"index": 0, "terms": true_term}] */
	unsigned nwild;                                    /* wildcards named so far */
	bool nomem;    /* an allocation failed where nothing could return the failure */
	char msg[200]; /* a failure other than memory, or "" */
};

/* OPA's head of a rule, as its parser leaves it. */
struct head {
	struct rego_term *const *ref;
	size_t nref;
	const struct rego_term *name; /* the var naming the rule, or NULL */
	const struct rego_term *key;
	const struct rego_term *value; /* NULL: none, or the generated true when gen */
	bool gen;
	struct rego_term *const *args;
	size_t nargs;
	bool assign;
};

static void name_term(struct conv *v, struct rego_term *t);
static int tcmp(struct conv *v, const struct rego_term *a, const struct rego_term *b);
static int body_cmp(struct conv *v, const struct rego_body *a, const struct rego_body *b);
static void name_body(struct conv *v, struct rego_body *b);
static const struct rego_val *v_term(struct conv *v, const struct rego_term *t);
static const struct rego_val *v_body(struct conv *v, const struct rego_body *b);
static const struct rego_val *v_expr(struct conv *v, const struct rego_expr *e, size_t index);

/* ---------------------------------------------------------------------------
 * Wildcards: `_` becomes $N in the order OPA's parser numbers them.  The
 * tree is this call's own (parsed into its arena), so names are written in.
 */

static void
name_wild(struct conv *v, struct rego_term *t)
{
	char buf[16];
	int n;
	char *s;

	if (!(t->flags & REGO_TF_WILDCARD) || t->text[0] != '_')
		return; /* not a wildcard, or a shared node named already */
	n = snprintf(buf, sizeof(buf), "$%u", v->nwild++);
	if ((s = writ_arena_strndup(v->c->arena, buf, (size_t)n)) == NULL) {
		v->nomem = true;
		return;
	}
	t->text = s;
	t->len = (size_t)n;
}

static void
name_terms(struct conv *v, struct rego_term *const *ts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		name_term(v, ts[i]);
}

static void
name_expr(struct conv *v, struct rego_expr *e)
{
	size_t i;

	name_term(v, e->term);
	name_terms(v, e->vars.v, e->vars.n);
	name_term(v, e->key);
	name_term(v, e->value);
	name_term(v, e->domain);
	name_body(v, e->body);
	for (i = 0; i < e->with.n; i++) {
		name_term(v, e->with.v[i]->target);
		name_term(v, e->with.v[i]->value);
	}
}

static void
name_body(struct conv *v, struct rego_body *b)
{
	size_t i;

	for (i = 0; b != NULL && i < b->exprs.n; i++)
		name_expr(v, b->exprs.v[i]);
}

static void
name_term(struct conv *v, struct rego_term *t)
{
	size_t i;

	if (t == NULL)
		return;
	switch (t->kind) {
	case REGO_T_VAR:
		name_wild(v, t);
		break;
	case REGO_T_OBJECT:
		for (i = 0; i < t->keys.n; i++) {
			name_term(v, t->keys.v[i]);
			name_term(v, t->items.v[i]);
		}
		break;
	case REGO_T_ARRAY_COMPR:
	case REGO_T_SET_COMPR:
	case REGO_T_OBJECT_COMPR:
		name_term(v, t->key);
		name_term(v, t->head);
		name_body(v, t->body);
		break;
	case REGO_T_TEMPLATE:
		for (i = 0; i < t->parts.n; i++)
			name_expr(v, t->parts.v[i]);
		break;
	default:
		name_terms(v, t->items.v, t->items.n);
		break;
	}
}

/* A copy of args whose wildcards (named $N already) get new numbers, as OPA copies heads. */
static void
rename_args(struct conv *v, struct rego_rule *r)
{
	struct rego_term **nv, *t;
	size_t i;

	if (r->args.n == 0)
		return;
	if ((nv = writ_arena_calloc(v->c->arena, r->args.n, sizeof(*nv))) == NULL) {
		v->nomem = true;
		return;
	}
	for (i = 0; i < r->args.n; i++) {
		nv[i] = r->args.v[i];
		if (nv[i]->kind != REGO_T_VAR || nv[i]->text[0] != '$')
			continue;
		if ((t = writ_arena_alloc(v->c->arena, sizeof(*t))) == NULL) {
			v->nomem = true;
			continue;
		}
		*t = *nv[i];
		t->text = "_";
		name_wild(v, t);
		nv[i] = t;
	}
	r->args.v = nv;
}

static void
name_module(struct conv *v, struct rego_module *m)
{
	struct rego_rule *r, *e;
	size_t i;

	for (i = 0; i < m->rules.n; i++) {
		/* A further `{ body }` of a rule shares its head (parse_mod.c). */
		bool more = i > 0 && m->rules.v[i]->ref == m->rules.v[i - 1]->ref;

		r = m->rules.v[i];
		if (!more) {
			name_term(v, r->ref);
			name_terms(v, r->args.v, r->args.n);
			name_term(v, r->key);
			name_term(v, r->value);
		}
		name_body(v, r->body);
		if (more)
			rename_args(v, r);
		for (e = r->els; e != NULL; e = e->els) {
			rename_args(v, e);
			name_term(v, e->value);
			name_body(v, e->body);
		}
	}
}

/* ---------------------------------------------------------------------------
 * OPA's order of terms (ast.Compare), for sets and object keys.
 */

/* A number literal as 0.d1d2... x 10^exp: sign, exponent and significant digits. */
struct dec {
	bool neg;
	long exp;
	size_t pos;  /* offset of the first significant digit */
	size_t ndig; /* significant digits from there, trailing zeros left out */
};

static void
dec_parse(const char *s, size_t len, struct dec *d)
{
	size_t i = 0, mend, nint = 0, k = 0, first = 0, last = 0;
	long e = 0;
	bool eneg = false, seen = false, frac = false;

	memset(d, 0, sizeof(*d));
	if (i < len && s[i] == '-')
		d->neg = true, i++;
	for (mend = i; mend < len && s[mend] != 'e' && s[mend] != 'E'; mend++)
		;
	for (; i < mend; i++) {
		if (s[i] == '.') {
			frac = true;
			continue;
		}
		if (s[i] != '0') {
			if (!seen)
				d->pos = i, first = k, seen = true;
			last = k;
		}
		nint += !frac;
		k++;
	}
	if (!seen)
		return; /* zero: ndig stays 0 */
	d->ndig = last - first + 1;
	if (mend < len) {
		i = mend + 1;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			eneg = s[i++] == '-';
		for (; i < len && e < 1000000; i++)
			e = e * 10 + (s[i] - '0');
	}
	d->exp = (long)nint - (long)first + (eneg ? -e : e);
}

/* Exact order of two number literals (1 == 1.0 == 10e-1). */
static int
num_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct dec x, y;
	size_t i, pa, pb;
	int sign;

	dec_parse(a, alen, &x);
	dec_parse(b, blen, &y);
	if (x.ndig == 0 || y.ndig == 0) {
		if (x.ndig == 0 && y.ndig == 0)
			return 0;
		if (x.ndig == 0)
			return y.neg ? 1 : -1;
		return x.neg ? -1 : 1;
	}
	if (x.neg != y.neg)
		return x.neg ? -1 : 1;
	sign = x.neg ? -1 : 1;
	if (x.exp != y.exp)
		return x.exp < y.exp ? -sign : sign;
	for (i = 0, pa = x.pos, pb = y.pos; i < x.ndig || i < y.ndig; i++) {
		int da = 0, db = 0;

		if (i < x.ndig) {
			while (a[pa] == '.')
				pa++;
			da = a[pa++] - '0';
		}
		if (i < y.ndig) {
			while (b[pb] == '.')
				pb++;
			db = b[pb++] - '0';
		}
		if (da != db)
			return da < db ? -sign : sign;
	}
	return 0;
}

static int
bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return (alen > blen) - (alen < blen);
}

static int
kind_rank(enum rego_term_kind k)
{
	static const int rank[] = {[REGO_T_NULL] = 0,
	    [REGO_T_BOOL] = 1,
	    [REGO_T_NUMBER] = 2,
	    [REGO_T_STRING] = 3,
	    [REGO_T_TEMPLATE] = 4,
	    [REGO_T_VAR] = 5,
	    [REGO_T_REF] = 6,
	    [REGO_T_ARRAY] = 7,
	    [REGO_T_OBJECT] = 8,
	    [REGO_T_SET] = 9,
	    [REGO_T_ARRAY_COMPR] = 10,
	    [REGO_T_OBJECT_COMPR] = 11,
	    [REGO_T_SET_COMPR] = 12,
	    [REGO_T_CALL] = 13};

	return rank[k];
}

static int
slice_cmp(
    struct conv *v, struct rego_term *const *a, size_t na, struct rego_term *const *b, size_t nb)
{
	size_t i;
	int c;

	for (i = 0; i < na && i < nb; i++)
		if ((c = tcmp(v, a[i], b[i])) != 0)
			return c;
	return (na > nb) - (na < nb);
}

/* Stable merge sort of the indexes ix[0..n) by ts[ix[i]]; tmp has room for n. */
static void
sort_ix(struct conv *v, struct rego_term *const *ts, size_t *ix, size_t *tmp, size_t n)
{
	size_t w, lo, i, j, k, mid, hi;

	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = mid + w < n ? mid + w : n;
			for (i = lo, j = mid, k = lo; k < hi; k++)
				tmp[k] = i < mid && (j >= hi || tcmp(v, ts[ix[i]], ts[ix[j]]) <= 0)
				    ? ix[i++]
				    : ix[j++];
		}
		memcpy(ix, tmp, n * sizeof(*ix));
	}
}

/*
 * The distinct elements of ts[0..n) in order: first[i] is where the i-th
 * first occurs, last[i] where it last occurs (an object keeps its first key
 * and last value).  *m gets how many; false on allocation failure.
 */
static bool
distinct(
    struct conv *v, struct rego_term *const *ts, size_t n, size_t **first, size_t **last, size_t *m)
{
	size_t *ix, *tmp, i, k = 0;

	*m = 0;
	*first = *last = NULL;
	if (n == 0)
		return true;
	ix = writ_arena_calloc(v->c->arena, n, sizeof(*ix));
	tmp = writ_arena_calloc(v->c->arena, n, sizeof(*tmp));
	*first = writ_arena_calloc(v->c->arena, n, sizeof(**first));
	*last = writ_arena_calloc(v->c->arena, n, sizeof(**last));
	if (ix == NULL || tmp == NULL || *first == NULL || *last == NULL) {
		v->nomem = true;
		return false;
	}
	for (i = 0; i < n; i++)
		ix[i] = i;
	sort_ix(v, ts, ix, tmp, n);
	for (i = 0; i < n; i++) {
		if (k > 0 && tcmp(v, ts[(*first)[k - 1]], ts[ix[i]]) == 0) {
			(*last)[k - 1] = ix[i];
			continue;
		}
		(*first)[k] = (*last)[k] = ix[i];
		k++;
	}
	*m = k;
	return true;
}

/* Sets and objects compare by their sorted distinct elements (keys, then values). */
static int
coll_cmp(struct conv *v, const struct rego_term *a, const struct rego_term *b)
{
	bool obj = a->kind == REGO_T_OBJECT;
	struct rego_term *const *ka = obj ? a->keys.v : a->items.v;
	struct rego_term *const *kb = obj ? b->keys.v : b->items.v;
	size_t *fa, *la, *fb, *lb, na, nb, i;
	int c;

	if (!distinct(v, ka, obj ? a->keys.n : a->items.n, &fa, &la, &na) ||
	    !distinct(v, kb, obj ? b->keys.n : b->items.n, &fb, &lb, &nb))
		return 0; /* out of memory: v->nomem fails the conversion */
	for (i = 0; i < na && i < nb; i++) {
		if ((c = tcmp(v, ka[fa[i]], kb[fb[i]])) != 0)
			return c;
		if (obj && (c = tcmp(v, a->items.v[la[i]], b->items.v[lb[i]])) != 0)
			return c;
	}
	return (na > nb) - (na < nb);
}

/* OPA's order of expressions: declarations, terms, calls, every; then negation, terms, withs. */
static int
expr_cmp(struct conv *v, const struct rego_expr *a, const struct rego_expr *b)
{
	static const int rank[] = {[REGO_E_SOME] = 0,
	    [REGO_E_SOME_IN] = 0,
	    [REGO_E_TERM] = 1,
	    [REGO_E_CALL] = 2,
	    [REGO_E_EVERY] = 3};
	size_t i;
	int c;

	if (rank[a->kind] != rank[b->kind])
		return rank[a->kind] < rank[b->kind] ? -1 : 1;
	if (a->negated != b->negated)
		return a->negated ? 1 : -1;
	switch (a->kind) {
	case REGO_E_TERM:
		c = tcmp(v, a->term, b->term);
		break;
	case REGO_E_CALL:
		c = slice_cmp(
		    v, a->term->items.v, a->term->items.n, b->term->items.v, b->term->items.n);
		break;
	case REGO_E_EVERY:
		if ((c = tcmp(v, a->key, b->key)) == 0 && (c = tcmp(v, a->value, b->value)) == 0 &&
		    (c = tcmp(v, a->domain, b->domain)) == 0)
			c = body_cmp(v, a->body, b->body);
		break;
	default: /* the symbols of `some x, y` or the one call of `some x in xs` */
		c = slice_cmp(v, a->kind == REGO_E_SOME ? a->vars.v : &a->term,
		    a->kind == REGO_E_SOME ? a->vars.n : 1,
		    b->kind == REGO_E_SOME ? b->vars.v : &b->term,
		    b->kind == REGO_E_SOME ? b->vars.n : 1);
		break;
	}
	for (i = 0; c == 0 && i < a->with.n && i < b->with.n; i++)
		if ((c = tcmp(v, a->with.v[i]->target, b->with.v[i]->target)) == 0)
			c = tcmp(v, a->with.v[i]->value, b->with.v[i]->value);
	if (c == 0)
		c = (a->with.n > b->with.n) - (a->with.n < b->with.n);
	return c;
}

static int
body_cmp(struct conv *v, const struct rego_body *a, const struct rego_body *b)
{
	size_t na = a != NULL ? a->exprs.n : 0, nb = b != NULL ? b->exprs.n : 0, i;
	int c;

	for (i = 0; i < na && i < nb; i++)
		if ((c = expr_cmp(v, a->exprs.v[i], b->exprs.v[i])) != 0)
			return c;
	return (na > nb) - (na < nb);
}

static int
tcmp(struct conv *v, const struct rego_term *a, const struct rego_term *b)
{
	size_t i;
	int c;

	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	if (kind_rank(a->kind) != kind_rank(b->kind))
		return kind_rank(a->kind) < kind_rank(b->kind) ? -1 : 1;
	switch (a->kind) {
	case REGO_T_NULL:
		return 0;
	case REGO_T_BOOL:
		return (a->b > b->b) - (a->b < b->b);
	case REGO_T_NUMBER:
		return num_cmp(a->text, a->len, b->text, b->len);
	case REGO_T_STRING:
	case REGO_T_VAR:
		return bytes_cmp(a->text, a->len, b->text, b->len);
	case REGO_T_SET:
	case REGO_T_OBJECT:
		return coll_cmp(v, a, b);
	case REGO_T_ARRAY_COMPR:
	case REGO_T_SET_COMPR:
	case REGO_T_OBJECT_COMPR:
		if ((c = tcmp(v, a->key, b->key)) != 0 || (c = tcmp(v, a->head, b->head)) != 0)
			return c;
		return body_cmp(v, a->body, b->body);
	case REGO_T_TEMPLATE:
		if ((a->flags & REGO_TF_RAW) != (b->flags & REGO_TF_RAW))
			return (a->flags & REGO_TF_RAW) ? 1 : -1;
		for (i = 0; i < a->parts.n && i < b->parts.n; i++)
			if ((c = expr_cmp(v, a->parts.v[i], b->parts.v[i])) != 0)
				return c;
		return (a->parts.n > b->parts.n) - (a->parts.n < b->parts.n);
	default: /* refs, arrays, calls */
		return slice_cmp(v, a->items.v, a->items.n, b->items.v, b->items.n);
	}
}

/* ---------------------------------------------------------------------------
 * Values of the JSON encoding.  Each returns NULL on failure: v->msg says
 * why, or nothing for an allocation.
 */

static const struct rego_val *
v_str(struct conv *v, const char *s, size_t len)
{
	const struct rego_val *out;
	struct writ_err e;

	if (rego_string(v->c->arena, s, len, &out, &e) != WRIT_OK)
		return NULL;
	return out;
}

static const struct rego_val *
v_cstr(struct conv *v, const char *s)
{
	return v_str(v, s, strlen(s));
}

static const struct rego_val *
v_int(struct conv *v, int64_t i)
{
	const struct rego_val *out;
	struct writ_err e;

	if (rego_int(v->c->arena, i, &out, &e) != WRIT_OK)
		return NULL;
	return out;
}

/* An array of n values that fill(v, arg, i) makes. */
static const struct rego_val *
v_array(struct conv *v, size_t n,
    const struct rego_val *(*fill)(struct conv *v, const void *arg, size_t i), const void *arg)
{
	const struct rego_val **el, *out;
	struct writ_err e;
	size_t i;

	if (n == 0)
		return &rego_empty_array_val;
	if ((el = writ_arena_calloc(v->c->arena, n, sizeof(*el))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((el[i] = fill(v, arg, i)) == NULL)
			return NULL;
	if (rego_array(v->c->arena, el, n, &out, &e) != WRIT_OK)
		return NULL;
	return out;
}

static const struct rego_val *
fill_term(struct conv *v, const void *arg, size_t i)
{
	return v_term(v, ((struct rego_term *const *)arg)[i]);
}

static const struct rego_val *
v_terms(struct conv *v, struct rego_term *const *ts, size_t n)
{
	return v_array(v, n, fill_term, ts);
}

/* Go's encoding/json writes a number only in JSON's syntax ("-.5" fails). */
static bool
json_number(const char *s, size_t n)
{
	size_t i = s[0] == '-', d;

	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return false;
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return false;
	}
	return i == n;
}

static const struct rego_val *
v_number(struct conv *v, const struct rego_term *t)
{
	const struct rego_val *out;
	struct writ_err e;
	writ_rc rc;

	if (!json_number(t->text, t->len)) {
		snprintf(
		    v->msg, sizeof(v->msg), "json: invalid number literal \"%.100s\"", t->text);
		return NULL;
	}
	if ((rc = rego_number_parse(v->c->arena, t->text, t->len, &out, &e)) != WRIT_OK) {
		if (rc != WRIT_ENOMEM && !writ_arena_over_cap(v->c->arena))
			snprintf(v->msg, sizeof(v->msg), "%.190s", e.msg);
		return NULL;
	}
	return out;
}

/* A set: its distinct elements in OPA's order. */
static const struct rego_val *
v_set(struct conv *v, const struct rego_term *t)
{
	const struct rego_val **el, *out;
	size_t *first, *last, n, i;
	struct writ_err e;

	if (!distinct(v, t->items.v, t->items.n, &first, &last, &n))
		return NULL;
	if (n == 0)
		return &rego_empty_array_val;
	if ((el = writ_arena_calloc(v->c->arena, n, sizeof(*el))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((el[i] = v_term(v, t->items.v[first[i]])) == NULL)
			return NULL;
	if (rego_array(v->c->arena, el, n, &out, &e) != WRIT_OK)
		return NULL;
	return out;
}

/* An object: [key, value] pairs in key order, the last value of a repeated key. */
static const struct rego_val *
v_object(struct conv *v, const struct rego_term *t)
{
	const struct rego_val **el, *out, *pair[2];
	size_t *first, *last, n, i;
	struct writ_err e;

	if (!distinct(v, t->keys.v, t->keys.n, &first, &last, &n))
		return NULL;
	if (n == 0)
		return &rego_empty_array_val;
	if ((el = writ_arena_calloc(v->c->arena, n, sizeof(*el))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((pair[0] = v_term(v, t->keys.v[first[i]])) == NULL ||
		    (pair[1] = v_term(v, t->items.v[last[i]])) == NULL ||
		    rego_array(v->c->arena, pair, 2, &el[i], &e) != WRIT_OK)
			return NULL;
	}
	if (rego_array(v->c->arena, el, n, &out, &e) != WRIT_OK)
		return NULL;
	return out;
}

static const struct rego_val *
fill_part(struct conv *v, const void *arg, size_t i)
{
	const struct rego_expr *e = ((struct rego_expr *const *)arg)[i];

	/* OPA keeps the text between and a scalar expression as bare terms. */
	if (e->kind == REGO_E_TERM &&
	    (e->term->kind == REGO_T_NULL || e->term->kind == REGO_T_BOOL ||
	        e->term->kind == REGO_T_NUMBER || e->term->kind == REGO_T_STRING))
		return v_term(v, e->term);
	return v_expr(v, e, 0);
}

static const struct rego_val *
v_template(struct conv *v, const struct rego_term *t)
{
	struct ext_obj o;

	ext_obj_init(&o, v->c);
	/* Go writes the nil slice of an empty template as null. */
	ext_obj_put(&o, "parts",
	    t->parts.n == 0 ? &rego_null_val : v_array(v, t->parts.n, fill_part, t->parts.v));
	ext_obj_put(&o, "multi_line", rego_bool((t->flags & REGO_TF_RAW) != 0));
	return ext_obj_finish(&o);
}

static const struct rego_val *
v_compr(struct conv *v, const struct rego_term *t)
{
	struct ext_obj o;

	ext_obj_init(&o, v->c);
	if (t->kind == REGO_T_OBJECT_COMPR) {
		ext_obj_put(&o, "key", v_term(v, t->key));
		ext_obj_put(&o, "value", v_term(v, t->head));
	} else {
		ext_obj_put(&o, "term", v_term(v, t->head));
	}
	ext_obj_put(&o, "body", v_body(v, t->body));
	return ext_obj_finish(&o);
}

static const struct rego_val *
v_term_value(struct conv *v, const struct rego_term *t)
{
	switch (t->kind) {
	case REGO_T_NULL:
		return &rego_empty_object_val; /* Go's encoding of ast.Null{} */
	case REGO_T_BOOL:
		return rego_bool(t->b);
	case REGO_T_NUMBER:
		return v_number(v, t);
	case REGO_T_STRING:
	case REGO_T_VAR:
		return v_str(v, t->text, t->len);
	case REGO_T_SET:
		return v_set(v, t);
	case REGO_T_OBJECT:
		return v_object(v, t);
	case REGO_T_ARRAY_COMPR:
	case REGO_T_SET_COMPR:
	case REGO_T_OBJECT_COMPR:
		return v_compr(v, t);
	case REGO_T_TEMPLATE:
		return v_template(v, t);
	default: /* refs, arrays, calls */
		return v_terms(v, t->items.v, t->items.n);
	}
}

static const struct rego_val *
v_term(struct conv *v, const struct rego_term *t)
{
	static const char *const names[] = {"null", "boolean", "number", "string", "var", "ref",
	    "array", "set", "object", "arraycomprehension", "setcomprehension",
	    "objectcomprehension", "call", "templatestring"};
	struct ext_obj o;

	if (v->kinds[t->kind] == NULL && (v->kinds[t->kind] = v_cstr(v, names[t->kind])) == NULL)
		return NULL;
	ext_obj_init(&o, v->c);
	ext_obj_put(&o, "type", v->kinds[t->kind]);
	ext_obj_put(&o, "value", v_term_value(v, t));
	return ext_obj_finish(&o);
}

static const struct rego_val *
fill_with(struct conv *v, const void *arg, size_t i)
{
	const struct rego_with *w = ((struct rego_with *const *)arg)[i];
	struct ext_obj o;

	ext_obj_init(&o, v->c);
	ext_obj_put(&o, "target", v_term(v, w->target));
	ext_obj_put(&o, "value", v_term(v, w->value));
	return ext_obj_finish(&o);
}

/* The "terms" of an expression: a term, a call's terms, a some declaration or an every. */
static const struct rego_val *
v_expr_terms(struct conv *v, const struct rego_expr *e)
{
	struct ext_obj o;

	switch (e->kind) {
	case REGO_E_TERM:
		return v_term(v, e->term);
	case REGO_E_CALL:
		return v_terms(v, e->term->items.v, e->term->items.n);
	case REGO_E_SOME:
	case REGO_E_SOME_IN:
		ext_obj_init(&o, v->c);
		ext_obj_put(&o, "symbols",
		    e->kind == REGO_E_SOME ? v_terms(v, e->vars.v, e->vars.n)
		                           : v_terms(v, &e->term, 1));
		return ext_obj_finish(&o);
	default:
		ext_obj_init(&o, v->c);
		ext_obj_put(&o, "key", e->key != NULL ? v_term(v, e->key) : &rego_null_val);
		ext_obj_put(&o, "value", v_term(v, e->value));
		ext_obj_put(&o, "domain", v_term(v, e->domain));
		ext_obj_put(&o, "body", v_body(v, e->body));
		return ext_obj_finish(&o);
	}
}

static const struct rego_val *
v_expr(struct conv *v, const struct rego_expr *e, size_t index)
{
	struct ext_obj o;

	ext_obj_init(&o, v->c);
	ext_obj_put(&o, "index", v_int(v, (int64_t)index));
	ext_obj_put(&o, "terms", v_expr_terms(v, e));
	if (e->negated)
		ext_obj_put(&o, "negated", &rego_true_val);
	if (e->with.n > 0)
		ext_obj_put(&o, "with", v_array(v, e->with.n, fill_with, e->with.v));
	return ext_obj_finish(&o);
}

static const struct rego_val *
fill_expr(struct conv *v, const void *arg, size_t i)
{
	return v_expr(v, ((struct rego_expr *const *)arg)[i], i);
}

/* A body; none written is OPA's generated body `true`. */
static const struct rego_val *
v_body(struct conv *v, const struct rego_body *b)
{
	if (b == NULL)
		return v->true_body;
	return v_array(v, b->exprs.n, fill_expr, b->exprs.v);
}

/* ---------------------------------------------------------------------------
 * Rules.
 */

/* OPA's IsGround: no var outside a ref's head (comprehensions count as not ground). */
static bool
ground(const struct rego_term *t)
{
	size_t i;

	switch (t->kind) {
	case REGO_T_VAR:
	case REGO_T_ARRAY_COMPR:
	case REGO_T_SET_COMPR:
	case REGO_T_OBJECT_COMPR:
	case REGO_T_TEMPLATE:
		return false;
	default:
		break;
	}
	for (i = t->kind == REGO_T_REF; i < t->items.n; i++)
		if (!ground(t->items.v[i]))
			return false;
	for (i = 0; i < t->keys.n; i++)
		if (!ground(t->keys.v[i]))
			return false;
	return true;
}

/*
 * The head OPA's parser makes of rule r (not an else branch).  A rule with
 * a value and no body (`p := 1`, `a.b = 1`, `f(x) := 1`) does not parse as
 * a rule in OPA: it parses as an expression, which parseModule turns into
 * a rule (parser_ext.go); that path names and keys heads differently.
 */
static void
rule_head(const struct rego_rule *r, struct head *h)
{
	struct rego_term *const *ref = r->ref->items.v;
	size_t n = r->ref->items.n;

	memset(h, 0, sizeof(*h));
	h->ref = ref;
	h->nref = n;
	h->args = r->args.v;
	h->nargs = r->args.n;
	h->assign = r->assign == REGO_HEAD_ASSIGN;
	h->value = r->value;
	if (r->body == NULL && !r->contains && !r->is_default) {
		if (n == 1 || (n == 2 && !r->is_func))
			h->name = ref[0];
		if (n == 2 && !r->is_func)
			h->key = ref[1];
		return;
	}
	h->name = n == 1 ? ref[0] : NULL;
	h->key = r->contains ? r->key : NULL;
	h->gen = h->value == NULL && h->key == NULL && (n != 2 || h->nargs > 0);
	if (r->is_default || !r->has_if || r->contains || n != 2)
		return;
	/* `p[x] if ...` is a single-value rule p[x]; a value written names it p. */
	if ((!ground(ref[1]) || ref[1]->kind == REGO_T_REF) && h->nargs == 0)
		h->key = ref[1];
	if (h->value == NULL && !h->gen)
		h->gen = true;
	else
		h->name = ref[0];
}

static const struct rego_val *
v_head(struct conv *v, const struct head *h)
{
	struct ext_obj o;

	ext_obj_init(&o, v->c);
	ext_obj_put(&o, "ref", v_terms(v, h->ref, h->nref));
	if (h->name != NULL)
		ext_obj_put(&o, "name", v_str(v, h->name->text, h->name->len));
	if (h->key != NULL)
		ext_obj_put(&o, "key", v_term(v, h->key));
	if (h->value != NULL || h->gen)
		ext_obj_put(&o, "value", h->gen ? v->true_term : v_term(v, h->value));
	if (h->nargs > 0)
		ext_obj_put(&o, "args", v_terms(v, h->args, h->nargs));
	if (h->assign)
		ext_obj_put(&o, "assign", &rego_true_val);
	return ext_obj_finish(&o);
}

/*
 * Rule r with head h, and its else chain: each else branch copies the
 * first rule's head first (OPA's parseElse), with its own value or a
 * generated true that keeps first's `:=`.
 */
static const struct rego_val *
v_rule(struct conv *v, const struct rego_rule *r, const struct head *h, const struct head *first)
{
	struct head eh;
	struct ext_obj o;

	ext_obj_init(&o, v->c);
	ext_obj_put(&o, "head", v_head(v, h));
	ext_obj_put(&o, "body", v_body(v, r->body));
	if (r->is_default)
		ext_obj_put(&o, "default", &rego_true_val);
	if (r->els != NULL) {
		eh = *first;
		eh.args = r->els->args.v;
		eh.value = r->els->value;
		eh.gen = eh.value == NULL;
		if (eh.value != NULL)
			eh.assign = r->els->assign == REGO_HEAD_ASSIGN;
		ext_obj_put(&o, "else", v_rule(v, r->els, &eh, first));
	}
	return ext_obj_finish(&o);
}

static const struct rego_val *
fill_rule(struct conv *v, const void *arg, size_t i)
{
	const struct rego_rule *r = ((struct rego_rule *const *)arg)[i];
	struct head h;

	rule_head(r, &h);
	return v_rule(v, r, &h, &h);
}

/* ---------------------------------------------------------------------------
 * The module.
 */

static const struct rego_val *
fill_import(struct conv *v, const void *arg, size_t i)
{
	const struct rego_import *im = ((struct rego_import *const *)arg)[i];
	struct ext_obj o;

	ext_obj_init(&o, v->c);
	ext_obj_put(&o, "path", v_term(v, im->path));
	if (im->alias != NULL)
		ext_obj_put(&o, "alias", v_cstr(v, im->alias));
	return ext_obj_finish(&o);
}

/* A comment as Go encodes ast.Comment: no JSON tags, Text as base64, Location always. */
static const struct rego_val *
fill_comment(struct conv *v, const void *arg, size_t i)
{
	const struct rego_comment *cm = ((struct rego_comment *const *)arg)[i];
	const struct rego_val *text = &rego_null_val; /* Go's nil []byte of a bare '#' */
	struct ext_obj o, loc;
	char *b64;

	if (cm->len > 0) {
		if (cm->len > (SIZE_MAX - 4) / 4 * 3 ||
		    (b64 = writ_arena_alloc(v->c->arena, (cm->len + 2) / 3 * 4 + 1)) == NULL)
			return NULL;
		text = v_str(v, b64, writ_b64_encode(cm->text, cm->len, b64));
	}
	ext_obj_init(&loc, v->c);
	ext_obj_put(&loc, "file", v->file);
	ext_obj_put(&loc, "row", v_int(v, cm->line));
	ext_obj_put(&loc, "col", v_int(v, cm->col));
	ext_obj_init(&o, v->c);
	ext_obj_put(&o, "Text", text);
	ext_obj_put(&o, "Location", ext_obj_finish(&loc));
	return ext_obj_finish(&o);
}

/* The generated `true` of OPA's heads and bodies, made once. */
static bool
make_true(struct conv *v)
{
	static const struct rego_term t = {.kind = REGO_T_BOOL, .b = true};
	const struct rego_val *e;
	struct writ_err err;
	struct ext_obj o;

	if ((v->true_term = v_term(v, &t)) == NULL)
		return false;
	ext_obj_init(&o, v->c);
	ext_obj_put(&o, "index", v_int(v, 0));
	ext_obj_put(&o, "terms", v->true_term);
	return (e = ext_obj_finish(&o)) != NULL &&
	    rego_array(v->c->arena, &e, 1, &v->true_body, &err) == WRIT_OK;
}

static const struct rego_val *
v_module(struct conv *v, const struct rego_module *m)
{
	struct ext_obj o, pkg;

	if (!make_true(v))
		return NULL;
	ext_obj_init(&pkg, v->c);
	ext_obj_put(&pkg, "path", v_terms(v, m->package->items.v, m->package->items.n));
	ext_obj_init(&o, v->c);
	ext_obj_put(&o, "package", ext_obj_finish(&pkg));
	if (m->imports.n > 0)
		ext_obj_put(&o, "imports", v_array(v, m->imports.n, fill_import, m->imports.v));
	if (m->rules.n > 0)
		ext_obj_put(&o, "rules", v_array(v, m->rules.n, fill_rule, m->rules.v));
	if (m->comments.n > 0)
		ext_obj_put(&o, "comments", v_array(v, m->comments.n, fill_comment, m->comments.v));
	return ext_obj_finish(&o);
}

/* ---------------------------------------------------------------------------
 * Errors and the builtin.
 */

/* Go's unicode.IsSpace of one byte taken as a rune, as OPA's error detail uses it. */
static bool
go_space(unsigned char b)
{
	return b == ' ' || (b >= '\t' && b <= '\r') || b == 0x85 || b == 0xa0;
}

/*
 * OPA's detail lines of a parse error at (line, col) (col counts
 * characters): "\n\t" the source line without its leading tabs, "\n\t" and
 * a caret under the offending byte (newParserErrorDetail, after backing up
 * over blanks from the end of input).
 */
static void
error_detail(const char *src, size_t len, uint32_t line, uint32_t col, char *out, size_t outlen)
{
	size_t off = 0, begin, end, tabs = 0, indent;
	uint32_t ln = 1, k;

	out[0] = '\0';
	if (len == 0)
		return;
	for (; off < len && ln < line; off++)
		if (src[off] == '\n')
			ln++;
	for (k = 1; k < col && off < len && src[off] != '\n'; k++)
		for (off++; off < len && ((unsigned char)src[off] & 0xc0) == 0x80; off++)
			;
	if (off >= len)
		off = len - 1;
	while (off > 0 && go_space((unsigned char)src[off]))
		off--;
	for (begin = off; begin > 0 && src[begin] != '\n' && src[begin] != '\r'; begin--)
		;
	if (src[begin] == '\n' || src[begin] == '\r')
		begin++;
	for (end = off; end < len && src[end] != '\n' && src[end] != '\r'; end++)
		;
	if (begin > end)
		begin = end;
	while (begin + tabs < end && src[begin + tabs] == '\t')
		tabs++;
	indent = off >= begin + tabs ? off - begin - tabs : 0;
	if (end - begin - tabs > 200 || indent > 200)
		return; /* a long line: the message has no room for it */
	snprintf(out, outlen, "\n\t%.*s\n\t%*s^", (int)(end - begin - tabs), src + begin + tabs,
	    (int)indent, "");
}

/* True if src holds nothing but blanks and comments (OPA: "empty module"). */
static bool
blank_source(const char *src, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (src[i] == '#') {
			while (i < len && src[i] != '\n')
				i++;
		} else if (src[i] != ' ' && src[i] != '\t' && src[i] != '\n' && src[i] != '\r') {
			return false;
		}
	}
	return true;
}

/*
 * True if OPA finds this error after parsing, in parseModule or CheckRegoV1
 * (parser_ext.go): those errors carry no source line.
 */
static bool
module_error(const char *msg)
{
	static const char *const prefixes[] = {"package expected", "`if` keyword is required",
	    "`contains` keyword is required", "rule must have value assignment",
	    "var cannot be used for rule name", "call cannot be used for rule name"};
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(prefixes); i++)
		if (strncmp(msg, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* The error of a module that does not parse, in OPA's words (ast.Errors). */
static enum rego_bres
parse_failed(
    struct rego_bctx *c, const char *file, const char *src, size_t len, const struct rego_diag *d)
{
	char where[240], detail[440];

	if (blank_source(src, len)) {
		if (file[0] != '\0')
			snprintf(where, sizeof(where), "%.200s:0", file);
		else
			snprintf(where, sizeof(where), "0:0");
		return rego_berr(c, "1 error occurred: %s: rego_parse_error: empty module", where);
	}
	if (file[0] != '\0')
		snprintf(where, sizeof(where), "%.200s:%u", file, d->line);
	else
		snprintf(where, sizeof(where), "%u:%u", d->line, d->col);
	detail[0] = '\0';
	if (!module_error(d->msg))
		error_detail(src, len, d->line, d->col, detail, sizeof(detail));
	return rego_berr(c, "1 error occurred: %s: %s: %s%s", where, d->code, d->msg, detail);
}

static enum rego_bres
bi_parse_module(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *res;
	struct rego_module *m = NULL;
	struct conv v = {0};
	struct rego_diag d;
	writ_rc rc;

	/* OPA checks both operands as "operand 1" (topdown/parse.go); so does writ. */
	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[1]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[1]);
	rc = rego_parse_module(
	    c->arena, args[0]->u.s, args[1]->u.s, args[1]->len, NULL, &m, &d, NULL);
	if (rc == WRIT_ENOMEM || writ_arena_over_cap(c->arena))
		return ext_oom(c);
	if (rc != WRIT_OK)
		return parse_failed(c, args[0]->u.s, args[1]->u.s, args[1]->len, &d);
	v.c = c;
	v.file = args[0];
	name_module(&v, m);
	if ((res = v_module(&v, m)) != NULL && !v.nomem) {
		*out = res;
		return REGO_B_OK;
	}
	if (v.msg[0] != '\0' && !writ_arena_over_cap(c->arena))
		return rego_berr(c, "%s", v.msg);
	return ext_oom(c);
}

static const struct rego_builtin regoast_builtins[] = {
    {"rego.parse_module", 2, bi_parse_module, 0},
};

const struct rego_builtin_family rego_family_regoast = {
    "regoast", regoast_builtins, WRIT_ARRAY_LEN(regoast_builtins)};
