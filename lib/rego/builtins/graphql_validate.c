/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Query validation for the graphql builtins, with the rules and messages of
 * the Go library OPA uses (gqlparser): the query is walked as gqlparser's
 * walker does (operations, then fragments; a fragment spread is entered
 * once per operation; observers run after the children), annotating fields,
 * values and directives with their definitions, and the executable-document
 * rules of the GraphQL specification run on the way, each error collected in
 * walk order.  The walk is bounded in depth and in the work done.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/value.h"

#include "graphql_int.h"

#define WALK_MAX_DEPTH 512
#define WALK_MAX_NODES 2000000u

#define NAMEF(x) (int)(x).len, (x).s

/* ---------------------------------------------------------------------------
 * Query validation: the walker and the rules.
 */
struct vctx {
	struct writ_arena *a;
	const struct gql_schema *s;
	struct gql_qdoc *q;
	struct gql_errs *e;
	struct gql_opdef *curop;
	struct gql_map walked;    /* fragments entered in this operation */
	struct gql_map fragnames; /* name -> struct gql_frag * (the first of that name) */
	struct gql_map used;      /* fragments spread outside fragment definitions */
	struct gql_map seen;      /* "Directive may not be used" reported, by name:line:col */
	struct gql_map cycle_visited;
	bool in_fragdef;
	unsigned depth;
	size_t nodes;
	bool stop;
};

static void verr(struct vctx *v, const struct gql_pos *pos, const char *fmt, ...) WRIT_PRINTF(3, 4);

static void
verr(struct vctx *v, const struct gql_pos *pos, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gql_err_add(v->e, pos, "%s", msg);
}

static void
voom(struct vctx *v)
{
	v->e->oom = true;
	v->stop = true;
}

static bool
budget(struct vctx *v)
{
	if (v->stop)
		return false;
	if (++v->nodes > WALK_MAX_NODES || v->depth > WALK_MAX_DEPTH) {
		v->e->limit = true;
		v->e->len = 0;
		v->e->n = 0;
		gql_err_add(v->e, NULL, "query too large or too deep to validate");
		v->stop = true;
		return false;
	}
	return true;
}

/* Value.String(). */
static bool
value_str(const struct gql_value *x, struct writ_buf *b, unsigned depth)
{
	size_t i;
	bool ok = true;

	if (x == NULL)
		return writ_buf_appends(b, "<nil>") == WRIT_OK;
	if (depth > GQL_MAX_DEPTH)
		return writ_buf_appends(b, "...") == WRIT_OK;
	switch (x->kind) {
	case GQL_V_VARIABLE:
		return writ_buf_append(b, "$", 1) == WRIT_OK &&
		    writ_buf_append(b, x->raw.s, x->raw.len) == WRIT_OK;
	case GQL_V_STRING:
	case GQL_V_BLOCK:
		return rego_quote(b, x->raw.s, x->raw.len) == WRIT_OK;
	case GQL_V_LIST:
	case GQL_V_OBJECT:
		ok = writ_buf_append(b, x->kind == GQL_V_LIST ? "[" : "{", 1) == WRIT_OK;
		for (i = 0; ok && i < x->children.n; i++) {
			const struct gql_child *c = x->children.v[i];

			if (i > 0)
				ok = writ_buf_append(b, ", ", 2) == WRIT_OK;
			if (ok && x->kind == GQL_V_OBJECT)
				ok = writ_buf_append(b, c->name.s, c->name.len) == WRIT_OK &&
				    writ_buf_append(b, ": ", 2) == WRIT_OK;
			ok = ok && value_str(c->value, b, depth + 1);
		}
		return ok && writ_buf_append(b, x->kind == GQL_V_LIST ? "]" : "}", 1) == WRIT_OK;
	default:
		return writ_buf_append(b, x->raw.s, x->raw.len) == WRIT_OK;
	}
}

static const char *
vstr(const struct gql_value *x, char *buf, size_t len)
{
	struct writ_buf b;

	writ_buf_init(&b, 0);
	if (!value_str(x, &b, 0))
		snprintf(buf, len, "<value>");
	else
		snprintf(buf, len, "%s", b.ptr != NULL ? b.ptr : "");
	writ_buf_free(&b);
	return buf;
}

/* ---------------------------------------------------------------------------
 * Suggestions ("Did you mean ...?"), as gqlparser makes them.
 */

static size_t
levenshtein(const char *a, size_t al, const char *b, size_t bl, size_t *row)
{
	size_t i, j;

	for (j = 0; j <= bl; j++)
		row[j] = j;
	for (i = 1; i <= al; i++) {
		size_t prev = row[0];

		row[0] = i;
		for (j = 1; j <= bl; j++) {
			size_t cur = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = prev + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[bl];
}

static size_t
lex_distance(struct writ_arena *a, struct gql_str x, struct gql_str y)
{
	char *lx, *ly;
	size_t *row, i;

	if (gql_str_same(x, y))
		return 0;
	if (x.len > 256 || y.len > 256)
		return SIZE_MAX;
	lx = writ_arena_strndup(a, x.s, x.len);
	ly = writ_arena_strndup(a, y.s, y.len);
	row = writ_arena_calloc(a, y.len + 1, sizeof(*row));
	if (lx == NULL || ly == NULL || row == NULL)
		return SIZE_MAX;
	for (i = 0; i < x.len; i++)
		lx[i] = (char)((lx[i] >= 'A' && lx[i] <= 'Z') ? lx[i] + 32 : lx[i]);
	for (i = 0; i < y.len; i++)
		ly[i] = (char)((ly[i] >= 'A' && ly[i] <= 'Z') ? ly[i] + 32 : ly[i]);
	if (x.len == y.len && memcmp(lx, ly, x.len) == 0)
		return 1;
	return levenshtein(lx, x.len, ly, y.len, row);
}

struct sugg {
	struct gql_str name;
	size_t dist;
};

static int
cmp_sugg(const void *x, const void *y)
{
	const struct sugg *a = x, *b = y;
	size_t n;
	int c;

	if (a->dist != b->dist)
		return a->dist < b->dist ? -1 : 1;
	n = a->name.len < b->name.len ? a->name.len : b->name.len;
	c = memcmp(a->name.s, b->name.s, n);
	return c != 0 ? c : (a->name.len > b->name.len) - (a->name.len < b->name.len);
}

/*
 * Append " <prefix> "a", "b", or "c"?" for the options close to typed
 * (quoted or not), or nothing when none is.
 */
static void
suggest(struct vctx *v, struct writ_buf *out, const char *prefix, struct gql_str typed,
    const struct gql_str *opts, size_t nopts, bool quoted)
{
	struct sugg *s;
	size_t i, n = 0, thr = typed.len * 2 / 5 + 1;
	bool ok = true;

	if (nopts == 0 || (s = writ_arena_calloc(v->a, nopts, sizeof(*s))) == NULL)
		return;
	for (i = 0; i < nopts; i++) {
		size_t d = lex_distance(v->a, typed, opts[i]);

		if (d <= thr)
			s[n++] = (struct sugg){opts[i], d};
	}
	if (n == 0)
		return;
	qsort(s, n, sizeof(*s), cmp_sugg);
	if (n > 5)
		n = 5;
	ok = writ_buf_appendf(out, " %s ", prefix) == WRIT_OK;
	for (i = 0; ok && i < n; i++) {
		if (i > 0)
			ok = writ_buf_appends(out,
			         n == 2           ? " or "
			             : i == n - 1 ? ", or "
			                          : ", ") == WRIT_OK;
		ok = ok &&
		    writ_buf_appendf(out, quoted ? "\"%.*s\"" : "%.*s", NAMEF(s[i].name)) ==
		        WRIT_OK;
	}
	ok = ok && writ_buf_append(out, "?", 1) == WRIT_OK;
	(void)ok;
}

/* The names of a list of field definitions, for suggestions. */
static struct gql_str *
names_of(struct vctx *v, const struct gql_list *l, size_t *n)
{
	struct gql_str *r = writ_arena_calloc(v->a, l->n + 1, sizeof(*r));
	size_t i;

	*n = 0;
	if (r == NULL)
		return NULL;
	for (i = 0; i < l->n; i++)
		r[i] = ((struct gql_fielddef *)l->v[i])->name;
	*n = l->n;
	return r;
}

/* Report an error whose message is head plus suggestions. */
static void
verr_sugg(struct vctx *v, const struct gql_pos *pos, const char *head, const char *prefix,
    struct gql_str typed, const struct gql_str *opts, size_t nopts, bool quoted)
{
	struct writ_buf b;

	writ_buf_init(&b, 0);
	if (writ_buf_appends(&b, head) != WRIT_OK) {
		voom(v);
		return;
	}
	suggest(v, &b, prefix, typed, opts, nopts, quoted);
	verr(v, pos, "%s", b.ptr);
	writ_buf_free(&b);
}

/* ---------------------------------------------------------------------------
 * Rules on values (ValuesOfCorrectType, UniqueInputFieldNames,
 * NoUndefinedVariables, VariablesInAllowedPosition).
 */

static bool
def_oneof(const struct gql_def *d, const char *a, const char *b, const char *c)
{
	return gql_str_eq(d->name, a) || (b != NULL && gql_str_eq(d->name, b)) ||
	    (c != NULL && gql_str_eq(d->name, c));
}

static void
unexpected_type(struct vctx *v, const struct gql_value *x, struct writ_buf *out)
{
	char ts[256], vs[512];
	const char *t = gql_type_str(x->expected, ts, sizeof(ts));
	bool ok;

	vstr(x, vs, sizeof(vs));
	if (strcmp(t, "Int") == 0 || strcmp(t, "Int!") == 0) {
		int64_t i;
		const struct rego_val *n;
		struct writ_err e;
		bool range = x->kind == GQL_V_INT &&
		    (rego_number_parse(v->a, x->raw.s, x->raw.len, &n, &e) != WRIT_OK ||
		        !rego_num_i64(n, &i) || i < INT32_MIN || i > INT32_MAX);

		ok = writ_buf_appendf(out,
		         range ? "Int cannot represent non 32-bit signed integer value: %s"
		               : "Int cannot represent non-integer value: %s",
		         vs) == WRIT_OK;
	} else if (strcmp(t, "String") == 0 || strcmp(t, "String!") == 0 ||
	    strcmp(t, "[String]") == 0) {
		ok = writ_buf_appendf(out, "String cannot represent a non string value: %s", vs) ==
		    WRIT_OK;
	} else if (strcmp(t, "Boolean") == 0 || strcmp(t, "Boolean!") == 0) {
		ok = writ_buf_appendf(
		         out, "Boolean cannot represent a non boolean value: %s", vs) == WRIT_OK;
	} else if (strcmp(t, "Float") == 0 || strcmp(t, "Float!") == 0) {
		ok = writ_buf_appendf(out, "Float cannot represent non numeric value: %s", vs) ==
		    WRIT_OK;
	} else if (strcmp(t, "ID") == 0 || strcmp(t, "ID!") == 0) {
		ok = writ_buf_appendf(out,
		         "ID cannot represent a non-string and non-integer value: %s",
		         vs) == WRIT_OK;
	} else if (gql_kind_is(x->def, "ENUM")) {
		ok = writ_buf_appendf(
		         out, "Enum \"%s\" cannot represent non-enum value: %s.", t, vs) == WRIT_OK;
	} else {
		ok = writ_buf_appendf(out, "Expected value of type \"%s\", found %s.", t, vs) ==
		    WRIT_OK;
	}
	if (!ok)
		voom(v);
}

static void
report_unexpected(struct vctx *v, const struct gql_value *x)
{
	struct writ_buf b;

	writ_buf_init(&b, 0);
	unexpected_type(v, x, &b);
	if (b.ptr != NULL)
		verr(v, &x->pos, "%s", b.ptr);
	writ_buf_free(&b);
}

static struct gql_str *
enum_names(struct vctx *v, const struct gql_def *d, size_t *n)
{
	struct gql_str *r = writ_arena_calloc(v->a, d->enumvals.n + 1, sizeof(*r));
	size_t i;

	*n = 0;
	if (r == NULL)
		return NULL;
	for (i = 0; i < d->enumvals.n; i++)
		r[i] = ((struct gql_enumval *)d->enumvals.v[i])->name;
	*n = d->enumvals.n;
	return r;
}

/* Value.Value(nil) fails for numbers Go cannot parse (int64, float64 overflow). */
static bool
value_parses(struct vctx *v, const struct gql_value *x, unsigned depth)
{
	const struct rego_val *n;
	struct writ_err e;
	int64_t i;
	size_t k;

	if (depth > GQL_MAX_DEPTH)
		return true;
	if (x->kind == GQL_V_INT)
		return rego_number_parse(v->a, x->raw.s, x->raw.len, &n, &e) == WRIT_OK &&
		    rego_num_i64(n, &i);
	if (x->kind == GQL_V_LIST || x->kind == GQL_V_OBJECT)
		for (k = 0; k < x->children.n; k++) {
			const struct gql_child *c = x->children.v[k];

			if (c->value != NULL && !value_parses(v, c->value, depth + 1))
				return false;
		}
	return true;
}

static void
values_of_correct_type_enum(struct vctx *v, const struct gql_value *x)
{
	char ts[256], vs[512], head[900];
	struct gql_str *opts;
	size_t nopts = 0;

	opts = gql_kind_is(x->def, "ENUM") ? enum_names(v, x->def, &nopts) : NULL;
	gql_type_str(x->expected, ts, sizeof(ts));
	vstr(x, vs, sizeof(vs));
	if (x->kind == GQL_V_STRING || x->kind == GQL_V_BLOCK) {
		snprintf(
		    head, sizeof(head), "Enum \"%s\" cannot represent non-enum value: %s.", ts, vs);
		verr_sugg(
		    v, &x->pos, head, "Did you mean the enum value", x->raw, opts, nopts, true);
	} else if (!gql_kind_is(x->def, "ENUM")) {
		struct writ_buf b;

		writ_buf_init(&b, 0);
		unexpected_type(v, x, &b);
		if (b.ptr != NULL)
			verr_sugg(v, &x->pos, b.ptr, "Did you mean the enum value", x->raw, opts,
			    nopts, false);
		writ_buf_free(&b);
	} else {
		snprintf(head, sizeof(head), "Value \"%s\" does not exist in \"%s\" enum.", vs, ts);
		verr_sugg(
		    v, &x->pos, head, "Did you mean the enum value", x->raw, opts, nopts, true);
	}
}

static void
values_of_correct_type_object(struct vctx *v, const struct gql_value *x)
{
	const struct gql_def *d = x->def;
	char ts[256], head[600];
	size_t i, j, nopts;
	struct gql_str *opts;

	for (i = 0; i < d->fields.n; i++) {
		const struct gql_fielddef *f = d->fields.v[i];
		bool found = false;

		if (f->type == NULL || !f->type->nonnull)
			continue;
		for (j = 0; j < x->children.n && !found; j++)
			found = gql_str_same(((struct gql_child *)x->children.v[j])->name, f->name);
		if (!found && f->defval == NULL)
			verr(v, &x->pos,
			    "Field \"%.*s.%.*s\" of required type \"%s\" was not provided.",
			    NAMEF(d->name), NAMEF(f->name), gql_type_str(f->type, ts, sizeof(ts)));
	}
	for (i = 0; i < x->children.n; i++) {
		const struct gql_child *c = x->children.v[i];

		if (gql_field_named(&d->fields, c->name) != NULL)
			continue;
		opts = names_of(v, &d->fields, &nopts);
		snprintf(head, sizeof(head), "Field \"%.*s\" is not defined by type \"%.*s\".",
		    NAMEF(c->name), NAMEF(d->name));
		verr_sugg(v, &c->pos, head, "Did you mean", c->name, opts, nopts, true);
	}
}

static void
values_of_correct_type(struct vctx *v, const struct gql_value *x)
{
	char ts[256], vs[512];

	if (x->def == NULL || x->expected == NULL)
		return;
	if (x->kind == GQL_V_NULL && x->expected->nonnull)
		verr(v, &x->pos, "Expected value of type \"%s\", found %s.",
		    gql_type_str(x->expected, ts, sizeof(ts)), vstr(x, vs, sizeof(vs)));
	if (gql_kind_is(x->def, "SCALAR") && !def_oneof(x->def, "Int", "Float", "String") &&
	    !def_oneof(x->def, "Boolean", "ID", NULL))
		return;
	if (!value_parses(v, x, 0))
		report_unexpected(v, x);
	switch (x->kind) {
	case GQL_V_LIST:
		if (x->expected->elem == NULL)
			report_unexpected(v, x);
		break;
	case GQL_V_INT:
		if (!def_oneof(x->def, "Int", "Float", "ID"))
			report_unexpected(v, x);
		break;
	case GQL_V_FLOAT:
		if (!def_oneof(x->def, "Float", NULL, NULL))
			report_unexpected(v, x);
		break;
	case GQL_V_STRING:
	case GQL_V_BLOCK:
		if (gql_kind_is(x->def, "ENUM"))
			values_of_correct_type_enum(v, x);
		else if (!def_oneof(x->def, "String", "ID", NULL))
			report_unexpected(v, x);
		break;
	case GQL_V_ENUM:
		if (!gql_kind_is(x->def, "ENUM"))
			values_of_correct_type_enum(v, x);
		else {
			size_t i;
			bool found = false;

			for (i = 0; i < x->def->enumvals.n && !found; i++)
				found = gql_str_same(
				    ((struct gql_enumval *)x->def->enumvals.v[i])->name, x->raw);
			if (!found)
				values_of_correct_type_enum(v, x);
		}
		break;
	case GQL_V_BOOLEAN:
		if (!def_oneof(x->def, "Boolean", NULL, NULL))
			report_unexpected(v, x);
		break;
	case GQL_V_OBJECT:
		values_of_correct_type_object(v, x);
		break;
	default:
		break;
	}
}

static void
value_rules(struct vctx *v, struct gql_value *x)
{
	char vs[512], t1[256], t2[256];
	size_t i, j;

	/* NoUndefinedVariables */
	if (v->curop != NULL && x->kind == GQL_V_VARIABLE && x->vardef == NULL) {
		if (v->curop->name.len > 0)
			verr(v, &x->pos, "Variable \"%s\" is not defined by operation \"%.*s\".",
			    vstr(x, vs, sizeof(vs)), NAMEF(v->curop->name));
		else
			verr(
			    v, &x->pos, "Variable \"%s\" is not defined.", vstr(x, vs, sizeof(vs)));
	}
	/* UniqueInputFieldNames */
	if (x->kind == GQL_V_OBJECT)
		for (i = 0; i < x->children.n; i++)
			for (j = 0; j < i; j++) {
				const struct gql_child *c = x->children.v[i];

				if (gql_str_same(
				        ((struct gql_child *)x->children.v[j])->name, c->name)) {
					verr(v, &c->pos,
					    "There can be only one input field named \"%.*s\".",
					    NAMEF(c->name));
					break;
				}
			}
	values_of_correct_type(v, x);
	/* VariablesInAllowedPosition */
	if (x->kind == GQL_V_VARIABLE && x->expected != NULL && x->vardef != NULL &&
	    v->curop != NULL) {
		struct gql_type tmp = *x->expected;

		if (x->vardef->defval != NULL && x->vardef->defval->kind != GQL_V_NULL)
			tmp.nonnull = false;
		if (!gql_type_compatible(x->vardef->type, &tmp))
			verr(v, &x->pos,
			    "Variable \"%s\" of type \"%s\" used in position expecting type \"%s\".",
			    vstr(x, vs, sizeof(vs)), gql_type_str(x->vardef->type, t1, sizeof(t1)),
			    gql_type_str(x->expected, t2, sizeof(t2)));
	}
}

static void
walk_value(struct vctx *v, struct gql_value *x)
{
	size_t i;

	if (x == NULL || !budget(v))
		return;
	v->depth++;
	if (x->kind == GQL_V_VARIABLE && v->curop != NULL) {
		x->vardef = NULL;
		for (i = 0; i < v->curop->vars.n; i++) {
			struct gql_vardef *vd = v->curop->vars.v[i];

			if (gql_str_same(vd->var, x->raw)) {
				x->vardef = vd;
				vd->used = true;
				break;
			}
		}
	}
	for (i = 0; i < x->children.n; i++) {
		struct gql_child *c = x->children.v[i];

		if (c->value == NULL)
			continue;
		if (x->kind == GQL_V_OBJECT && x->def != NULL) {
			const struct gql_fielddef *f = gql_field_named(&x->def->fields, c->name);

			if (f != NULL) {
				c->value->expected = f->type;
				c->value->def = gql_map_get(&v->s->types, gql_type_name(f->type));
			}
		} else if (x->kind == GQL_V_LIST && x->expected != NULL &&
		    x->expected->elem != NULL) {
			c->value->expected = x->expected->elem;
			c->value->def = x->def;
		}
		if (x->kind == GQL_V_OBJECT || x->kind == GQL_V_LIST)
			walk_value(v, c->value);
	}
	v->depth--;
	value_rules(v, x);
}

static void
walk_arg(struct vctx *v, const struct gql_fielddef *argdef, struct gql_arg *a)
{
	if (a->value == NULL)
		return;
	if (argdef != NULL) {
		a->value->expected = argdef->type;
		a->value->def = gql_map_get(&v->s->types, gql_type_name(argdef->type));
	}
	walk_value(v, a->value);
}

/* ---------------------------------------------------------------------------
 * Rules on arguments and directives.
 */

static void
unique_args(struct vctx *v, const struct gql_list *args)
{
	size_t i, j;

	for (i = 0; i < args->n; i++) {
		const struct gql_arg *a = args->v[i];
		size_t seen = 0;

		for (j = 0; j < i; j++)
			seen += gql_str_same(((struct gql_arg *)args->v[j])->name, a->name);
		if (seen == 1)
			verr(v, &a->pos, "There can be only one argument named \"%.*s\".",
			    NAMEF(a->name));
	}
}

static void
directive_rules(struct vctx *v, struct gql_dir *d)
{
	const struct gql_dirdef *def = d->def;
	char key[600], ts[256], head[600];
	size_t i, j, nopts;
	struct gql_str *opts;
	bool found = false;

	/* KnownArgumentNames */
	for (i = 0; def != NULL && i < d->args.n; i++) {
		const struct gql_arg *a = d->args.v[i];

		if (gql_field_named(&def->args, a->name) != NULL)
			continue;
		opts = names_of(v, &def->args, &nopts);
		snprintf(head, sizeof(head), "Unknown argument \"%.*s\" on directive \"@%.*s\".",
		    NAMEF(a->name), NAMEF(d->name));
		verr_sugg(v, &a->pos, head, "Did you mean", a->name, opts, nopts, true);
	}
	/* KnownDirectives */
	if (def == NULL) {
		verr(v, &d->pos, "Unknown directive \"@%.*s\".", NAMEF(d->name));
	} else {
		for (i = 0; i < def->locs.n && !found; i++)
			found = gql_str_eq(*(struct gql_str *)def->locs.v[i], d->location);
		snprintf(key, sizeof(key), "%.*s:%d:%d", NAMEF(d->name), d->pos.line, d->pos.col);
		if (!found && gql_map_get(&v->seen, gql_cstr(key)) == NULL) {
			char *k = writ_arena_strdup(v->a, key);

			verr(v, &d->pos, "Directive \"@%.*s\" may not be used on %s.",
			    NAMEF(d->name), d->location);
			if (k == NULL || !gql_map_put(v->a, &v->seen, gql_cstr(k), d))
				voom(v);
		}
	}
	/* ProvidedRequiredArguments */
	for (i = 0; def != NULL && i < def->args.n; i++) {
		const struct gql_fielddef *ad = def->args.v[i];

		if (ad->type == NULL || !ad->type->nonnull || ad->defval != NULL)
			continue;
		for (j = 0, found = false; j < d->args.n && !found; j++)
			found = gql_str_same(((struct gql_arg *)d->args.v[j])->name, ad->name);
		if (!found)
			verr(v, &d->pos,
			    "Directive \"@%.*s\" argument \"%.*s\" of type \"%s\" is required, but it "
			    "was not provided.",
			    NAMEF(d->name), NAMEF(ad->name),
			    gql_type_str(ad->type, ts, sizeof(ts)));
	}
	/* UniqueArgumentNames */
	unique_args(v, &d->args);
}

static void
walk_dirs(struct vctx *v, const struct gql_list *dirs, const char *loc)
{
	size_t i, j;

	for (i = 0; i < dirs->n && !v->stop; i++) {
		struct gql_dir *d = dirs->v[i];

		d->def = gql_map_get(&v->s->dirs, d->name);
		d->location = loc;
		for (j = 0; j < d->args.n; j++) {
			struct gql_arg *a = d->args.v[j];

			walk_arg(
			    v, d->def != NULL ? gql_field_named(&d->def->args, a->name) : NULL, a);
		}
		directive_rules(v, d);
	}
	/* UniqueDirectivesPerLocation */
	for (i = 0; i < dirs->n; i++) {
		struct gql_dir *d = dirs->v[i];

		if (d->def != NULL && d->def->repeatable)
			continue;
		for (j = 0; j < i; j++)
			if (gql_str_same(((struct gql_dir *)dirs->v[j])->name, d->name)) {
				verr(v, &d->pos,
				    "The directive \"@%.*s\" can only be used once at this location.",
				    NAMEF(d->name));
				break;
			}
	}
}

/* ---------------------------------------------------------------------------
 * Selections.
 */

static const struct gql_def *
type_def(struct vctx *v, struct gql_str name)
{
	return gql_map_get(&v->s->types, name);
}

static const struct gql_list *
possible_of(struct vctx *v, const struct gql_def *d)
{
	return gql_map_get(&v->s->possible, d->name);
}

/* PossibleFragmentSpreads: can a fragment on type cond apply where parent is expected? */
static bool
spread_possible(struct vctx *v, const struct gql_def *parent, struct gql_str cond)
{
	const struct gql_def *fd = type_def(v, cond);
	const struct gql_list *pp, *fp;
	size_t i, j;

	if (parent == NULL || fd == NULL || !gql_is_composite(fd))
		return true;
	if (!gql_kind_is(parent, "OBJECT") && !gql_kind_is(parent, "INTERFACE") &&
	    !gql_kind_is(parent, "UNION"))
		return true;
	fp = possible_of(v, fd);
	pp = gql_kind_is(parent, "OBJECT") ? NULL : possible_of(v, parent);
	for (i = 0; fp != NULL && i < fp->n; i++) {
		const struct gql_def *f = fp->v[i];

		if (gql_kind_is(parent, "OBJECT")) {
			if (gql_str_same(parent->name, f->name))
				return true;
			continue;
		}
		for (j = 0; pp != NULL && j < pp->n; j++)
			if (gql_str_same(((struct gql_def *)pp->v[j])->name, f->name))
				return true;
	}
	return false;
}

static const struct gql_fielddef typename_def = {
    .name = {"__typename", 10},
    .desc = {"", 0},
    .type = &(struct gql_type){.named = {"String", 6}},
};

/*
 * "Did you mean to use an inline fragment on ...?": the possible types of an
 * abstract parent that have the field, and the interfaces they implement
 * that have it, most used interfaces first, then by name.
 */
struct tsugg {
	struct gql_str name;
	size_t uses;
};

static int
cmp_tsugg(const void *x, const void *y)
{
	const struct tsugg *a = x, *b = y;
	size_t n = a->name.len < b->name.len ? a->name.len : b->name.len;
	int c;

	if (a->uses != b->uses)
		return a->uses > b->uses ? -1 : 1;
	c = memcmp(a->name.s, b->name.s, n);
	return c != 0 ? c : (a->name.len > b->name.len) - (a->name.len < b->name.len);
}

static size_t
type_suggestions(
    struct vctx *v, const struct gql_def *parent, struct gql_str name, struct tsugg **out)
{
	const struct gql_list *pt = possible_of(v, parent);
	size_t i, j, k, n = 0, cap = 0;
	struct tsugg *s;

	for (i = 0; pt != NULL && i < pt->n; i++)
		cap += 1 + ((struct gql_def *)pt->v[i])->ifaces.n;
	if ((s = writ_arena_calloc(v->a, cap + 1, sizeof(*s))) == NULL)
		return 0;
	for (i = 0; pt != NULL && i < pt->n; i++) {
		const struct gql_def *t = pt->v[i];

		if (gql_field_named(&t->fields, name) == NULL)
			continue;
		s[n++] = (struct tsugg){t->name, 0};
		for (j = 0; j < t->ifaces.n; j++) {
			struct gql_str in = *(struct gql_str *)t->ifaces.v[j];
			const struct gql_def *id = type_def(v, in);

			if (id == NULL || gql_field_named(&id->fields, name) == NULL)
				continue;
			for (k = 0; k < n && !gql_str_same(s[k].name, in); k++)
				;
			if (k == n)
				s[n++] = (struct tsugg){in, 0};
			s[k].uses++;
		}
	}
	qsort(s, n, sizeof(*s), cmp_tsugg);
	*out = s;
	return n;
}

static void
field_suggestions(struct vctx *v, const struct gql_sel *f, struct writ_buf *b)
{
	const struct gql_def *parent = f->objdef;
	struct gql_str *opts;
	struct tsugg *ts;
	size_t n = 0, i, m;
	bool ok;

	if (gql_kind_is(parent, "INTERFACE") || gql_kind_is(parent, "UNION")) {
		if ((n = type_suggestions(v, parent, f->name, &ts)) > 0) {
			m = n < 5 ? n : 5;
			ok = writ_buf_appends(b, " Did you mean to use an inline fragment on ") ==
			    WRIT_OK;
			for (i = 0; ok && i < m; i++) {
				if (i > 0)
					ok = writ_buf_appends(b,
					         m == 2           ? " or "
					             : i == m - 1 ? ", or "
					                          : ", ") == WRIT_OK;
				ok = ok &&
				    writ_buf_appendf(b, "\"%.*s\"", NAMEF(ts[i].name)) == WRIT_OK;
			}
			if (!ok || writ_buf_append(b, "?", 1) != WRIT_OK)
				voom(v);
			return;
		}
	}
	if (gql_kind_is(parent, "OBJECT") || gql_kind_is(parent, "INTERFACE")) {
		opts = names_of(v, &parent->fields, &n);
		suggest(v, b, "Did you mean", f->name, opts, n, true);
	}
}

/* ---------------------------------------------------------------------------
 * OverlappingFieldsCanBeMerged: fields with one response name must be the
 * same field with the same arguments (unless their parents are different
 * object types) and must return types that can merge, recursively.
 */

/* A field gathered from a selection set, with the type it is selected on. */
struct ofield {
	struct gql_sel *f;
	const struct gql_def *parent;
	const struct gql_frag *frag; /* the fragment spread it came through, or NULL */
};

struct oset {
	struct ofield *v;
	size_t n, cap;
};

static void
oset_push(struct vctx *v, struct oset *s, struct ofield f)
{
	if (s->n == s->cap) {
		size_t ncap = s->cap != 0 ? s->cap * 2 : 8;
		struct ofield *nv = writ_arena_alloc(v->a, ncap * sizeof(*nv));

		if (nv == NULL) {
			voom(v);
			return;
		}
		if (s->n > 0)
			memcpy(nv, s->v, s->n * sizeof(*nv));
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = f;
}

/* The fields of sels through inline fragments and fragment spreads (each fragment once). */
static void
gather(struct vctx *v, const struct gql_def *parent, const struct gql_list *sels,
    const struct gql_frag *frag, struct gql_map *seen, struct oset *out, unsigned depth)
{
	size_t i;

	if (depth > GQL_MAX_DEPTH || !budget(v))
		return;
	for (i = 0; i < sels->n; i++) {
		struct gql_sel *s = sels->v[i];
		struct gql_frag *fd;

		if (s->kind == GQL_SEL_FIELD) {
			oset_push(v, out, (struct ofield){s, parent, frag});
		} else if (s->kind == GQL_SEL_INLINE) {
			gather(v, s->typecond.len > 0 ? type_def(v, s->typecond) : parent, &s->sels,
			    frag, seen, out, depth + 1);
		} else if ((fd = gql_map_get(&v->fragnames, s->name)) != NULL &&
		    gql_map_get(seen, fd->name) == NULL) {
			if (!gql_map_put(v->a, seen, fd->name, fd)) {
				voom(v);
				return;
			}
			gather(v, type_def(v, fd->typecond), &fd->sels, frag != NULL ? frag : fd,
			    seen, out, depth + 1);
		}
	}
}

static void
gather_all(
    struct vctx *v, const struct gql_def *parent, const struct gql_list *sels, struct oset *out)
{
	struct gql_map seen = {0};

	memset(out, 0, sizeof(*out));
	gather(v, parent, sels, NULL, &seen, out, 0);
}

static bool
same_args(struct vctx *v, const struct gql_sel *a, const struct gql_sel *b)
{
	char x[512], y[512];
	size_t i, j;

	if (a->args.n != b->args.n)
		return false;
	for (i = 0; i < a->args.n; i++) {
		const struct gql_arg *p = a->args.v[i], *q = NULL;

		for (j = 0; j < b->args.n && q == NULL; j++)
			if (gql_str_same(((struct gql_arg *)b->args.v[j])->name, p->name))
				q = b->args.v[j];
		if (q == NULL ||
		    strcmp(vstr(p->value, x, sizeof(x)), vstr(q->value, y, sizeof(y))) != 0)
			return false;
	}
	(void)v;
	return true;
}

static bool
types_conflict(struct vctx *v, const struct gql_type *a, const struct gql_type *b)
{
	const struct gql_def *da, *db;

	if (a == NULL || b == NULL)
		return false;
	if (a->nonnull != b->nonnull)
		return true;
	if (a->elem != NULL || b->elem != NULL)
		return a->elem == NULL || b->elem == NULL || types_conflict(v, a->elem, b->elem);
	da = type_def(v, a->named);
	db = type_def(v, b->named);
	if (gql_is_leaf(da) || gql_is_leaf(db))
		return !gql_str_same(a->named, b->named);
	return false;
}

static bool conflict(struct vctx *v, bool exclusive, const struct ofield *a, const struct ofield *b,
    struct writ_buf *why, unsigned depth);

/* Conflicts between the sub-selections of two fields; reasons appended to why. */
static bool
sub_conflicts(struct vctx *v, bool exclusive, const struct ofield *a, const struct ofield *b,
    struct writ_buf *why, unsigned depth)
{
	struct oset sa, sb;
	size_t i, j;
	bool any = false, ok = true;

	gather_all(v, type_def(v, gql_type_name(a->f->fdef->type)), &a->f->sels, &sa);
	gather_all(v, type_def(v, gql_type_name(b->f->fdef->type)), &b->f->sels, &sb);
	for (i = 0; i < sa.n && !v->stop; i++)
		for (j = 0; j < sb.n && budget(v); j++) {
			struct writ_buf sub;

			if (!gql_str_same(sa.v[i].f->alias, sb.v[j].f->alias))
				continue;
			writ_buf_init(&sub, 0);
			if (conflict(v, exclusive, &sa.v[i], &sb.v[j], &sub, depth + 1)) {
				ok = ok &&
				    writ_buf_appendf(why,
				        "%ssubfields \"%.*s\" conflict because %s",
				        any ? " and " : "", NAMEF(sa.v[i].f->alias),
				        sub.ptr != NULL ? sub.ptr : "") == WRIT_OK;
				any = true;
			}
			writ_buf_free(&sub);
		}
	if (!ok)
		voom(v);
	return any;
}

/* findConflict: does the pair conflict?  why gets the reason. */
static bool
conflict(struct vctx *v, bool exclusive, const struct ofield *a, const struct ofield *b,
    struct writ_buf *why, unsigned depth)
{
	const struct gql_type *ta, *tb;
	char t1[256], t2[256];
	bool excl = exclusive ||
	    (a->parent != b->parent && gql_kind_is(a->parent, "OBJECT") &&
	        gql_kind_is(b->parent, "OBJECT"));
	bool ok = true;

	if (depth > GQL_MAX_DEPTH || !budget(v))
		return false;
	if (!excl && !gql_str_same(a->f->name, b->f->name)) {
		ok = writ_buf_appendf(why, "\"%.*s\" and \"%.*s\" are different fields",
		         NAMEF(a->f->name), NAMEF(b->f->name)) == WRIT_OK;
		goto yes;
	}
	if (!excl && !same_args(v, a->f, b->f)) {
		ok = writ_buf_appends(why, "they have differing arguments") == WRIT_OK;
		goto yes;
	}
	ta = a->f->fdef != NULL ? a->f->fdef->type : NULL;
	tb = b->f->fdef != NULL ? b->f->fdef->type : NULL;
	if (types_conflict(v, ta, tb)) {
		ok = writ_buf_appendf(why, "they return conflicting types \"%s\" and \"%s\"",
		         gql_type_str(ta, t1, sizeof(t1)),
		         gql_type_str(tb, t2, sizeof(t2))) == WRIT_OK;
		goto yes;
	}
	if (ta != NULL && tb != NULL && a->f->sels.n > 0 && b->f->sels.n > 0)
		return sub_conflicts(v, excl, a, b, why, depth);
	return false;
yes:
	if (!ok)
		voom(v);
	return true;
}

/* Report the conflicts among the fields of one selection set. */
static void
overlapping_fields(struct vctx *v, const struct gql_def *parent, const struct gql_list *sels)
{
	struct gql_map groups = {0};
	struct gql_list order = {0};
	struct oset s;
	size_t i, j, k;

	gather_all(v, parent, sels, &s);
	for (i = 0; i < s.n; i++) {
		struct gql_list *g = gql_map_get(&groups, s.v[i].f->alias);

		if (g == NULL) {
			if ((g = writ_arena_calloc(v->a, 1, sizeof(*g))) == NULL ||
			    !gql_map_put(v->a, &groups, s.v[i].f->alias, g) ||
			    !gql_list_push(v->a, &order, g)) {
				voom(v);
				return;
			}
		}
		if (!gql_list_push(v->a, g, &s.v[i])) {
			voom(v);
			return;
		}
	}
	for (k = 0; k < order.n; k++) {
		struct gql_list *g = order.v[k];

		for (i = 0; i < g->n; i++)
			for (j = i + 1; j < g->n && budget(v); j++) {
				const struct ofield *a = g->v[i], *b = g->v[j];
				struct writ_buf why;

				if (a->frag != NULL && a->frag == b->frag)
					continue;
				writ_buf_init(&why, 0);
				if (conflict(v, false, a, b, &why, 0))
					verr(v, &b->f->pos,
					    "Fields \"%.*s\" conflict because %s. Use different aliases on the "
					    "fields to fetch both if this was intentional.",
					    NAMEF(a->f->alias), why.ptr != NULL ? why.ptr : "");
				writ_buf_free(&why);
			}
	}
}

static void
field_rules(struct vctx *v, struct gql_sel *f)
{
	const struct gql_fielddef *def = f->fdef;
	char ts[256], head[600];
	size_t i, j, nopts;
	struct gql_str *opts;
	const struct gql_def *ft;

	/* FieldsOnCorrectType */
	if (f->objdef != NULL && def == NULL) {
		struct writ_buf b;

		writ_buf_init(&b, 0);
		if (writ_buf_appendf(&b, "Cannot query field \"%.*s\" on type \"%.*s\".",
		        NAMEF(f->name), NAMEF(f->objdef->name)) != WRIT_OK) {
			voom(v);
			return;
		}
		field_suggestions(v, f, &b);
		verr(v, &f->pos, "%s", b.ptr);
		writ_buf_free(&b);
	}
	/* KnownArgumentNames */
	for (i = 0; def != NULL && f->objdef != NULL && i < f->args.n; i++) {
		const struct gql_arg *a = f->args.v[i];

		if (gql_field_named(&def->args, a->name) != NULL)
			continue;
		opts = names_of(v, &def->args, &nopts);
		snprintf(head, sizeof(head), "Unknown argument \"%.*s\" on field \"%.*s.%.*s\".",
		    NAMEF(a->name), NAMEF(f->objdef->name), NAMEF(f->name));
		verr_sugg(v, &a->pos, head, "Did you mean", a->name, opts, nopts, true);
	}
	/* OverlappingFieldsCanBeMerged (fragments are checked on their own) */
	if (v->curop != NULL)
		overlapping_fields(
		    v, def != NULL ? type_def(v, gql_type_name(def->type)) : NULL, &f->sels);
	/* ProvidedRequiredArguments */
	for (i = 0; def != NULL && i < def->args.n; i++) {
		const struct gql_fielddef *ad = def->args.v[i];
		bool found = false;

		if (ad->type == NULL || !ad->type->nonnull || ad->defval != NULL)
			continue;
		for (j = 0; j < f->args.n && !found; j++)
			found = gql_str_same(((struct gql_arg *)f->args.v[j])->name, ad->name);
		if (!found)
			verr(v, &f->pos,
			    "Field \"%.*s\" argument \"%.*s\" of type \"%s\" is required, but it was not "
			    "provided.",
			    NAMEF(f->name), NAMEF(ad->name),
			    gql_type_str(ad->type, ts, sizeof(ts)));
	}
	/* ScalarLeafs */
	if (def != NULL && (ft = type_def(v, gql_type_name(def->type))) != NULL) {
		if (gql_is_leaf(ft) && f->sels.n > 0)
			verr(v, &f->pos,
			    "Field \"%.*s\" must not have a selection since type \"%.*s\" has no "
			    "subfields.",
			    NAMEF(f->name), NAMEF(ft->name));
		if (!gql_is_leaf(ft) && f->sels.n == 0)
			verr(v, &f->pos,
			    "Field \"%.*s\" of type \"%s\" must have a selection of subfields. Did you "
			    "mean \"%.*s { ... }\"?",
			    NAMEF(f->name), gql_type_str(def->type, ts, sizeof(ts)),
			    NAMEF(f->name));
	}
	/* UniqueArgumentNames */
	unique_args(v, &f->args);
}

static void walk_sels(struct vctx *v, const struct gql_def *parent, struct gql_list *sels);

static void
walk_field(struct vctx *v, const struct gql_def *parent, struct gql_sel *f)
{
	const struct gql_fielddef *def = NULL;
	const struct gql_def *next = NULL;
	size_t i;

	if (gql_str_eq(f->name, "__typename"))
		def = &typename_def;
	else if (parent != NULL)
		def = gql_field_named(&parent->fields, f->name);
	f->fdef = def;
	f->objdef = parent;
	if (def != NULL)
		next = type_def(v, gql_type_name(def->type));
	for (i = 0; i < f->args.n; i++) {
		struct gql_arg *a = f->args.v[i];

		walk_arg(v, def != NULL ? gql_field_named(&def->args, a->name) : NULL, a);
	}
	walk_dirs(v, &f->dirs, "FIELD");
	walk_sels(v, next, &f->sels);
	field_rules(v, f);
}

static void
walk_inline(struct vctx *v, const struct gql_def *parent, struct gql_sel *s)
{
	const struct gql_def *next = parent;

	s->objdef = parent;
	if (s->typecond.len > 0)
		next = type_def(v, s->typecond);
	walk_dirs(v, &s->dirs, "INLINE_FRAGMENT");
	walk_sels(v, next, &s->sels);
	/* FragmentsOnCompositeTypes, KnownTypeNames, PossibleFragmentSpreads */
	if (s->typecond.len > 0) {
		const struct gql_def *t = type_def(v, s->typecond);

		if (t != NULL && !gql_is_composite(t))
			verr(v, &s->pos,
			    "Fragment cannot condition on non composite type \"%.*s\".",
			    NAMEF(s->typecond));
		if (t == NULL)
			verr(v, &s->pos, "Unknown type \"%.*s\".", NAMEF(s->typecond));
	}
	if (v->curop != NULL)
		overlapping_fields(v, next, &s->sels);
	if (!spread_possible(v, parent, s->typecond))
		verr(v, &s->pos,
		    "Fragment cannot be spread here as objects of type \"%.*s\" can never be of "
		    "type \"%.*s\".",
		    NAMEF(parent->name), NAMEF(s->typecond));
}

static void
walk_spread(struct vctx *v, const struct gql_def *parent, struct gql_sel *s)
{
	struct gql_frag *fd = gql_map_get(&v->fragnames, s->name);
	const struct gql_def *next = NULL;

	s->frag = fd;
	s->objdef = parent;
	if (fd != NULL)
		next = type_def(v, fd->typecond);
	walk_dirs(v, &s->dirs, "FRAGMENT_SPREAD");
	if (fd != NULL && gql_map_get(&v->walked, fd->name) == NULL) {
		if (!gql_map_put(v->a, &v->walked, fd->name, fd)) {
			voom(v);
			return;
		}
		walk_sels(v, next, &fd->sels);
	}
	/* KnownFragmentNames, NoUnusedFragments, PossibleFragmentSpreads */
	if (fd == NULL)
		verr(v, &s->pos, "Unknown fragment \"%.*s\".", NAMEF(s->name));
	if (!v->in_fragdef && !gql_map_put(v->a, &v->used, s->name, s))
		voom(v);
	if (fd != NULL && !spread_possible(v, parent, fd->typecond))
		verr(v, &s->pos,
		    "Fragment \"%.*s\" cannot be spread here as objects of type \"%.*s\" can never "
		    "be of type \"%.*s\".",
		    NAMEF(s->name), NAMEF(parent->name), NAMEF(fd->typecond));
}

static void
walk_sels(struct vctx *v, const struct gql_def *parent, struct gql_list *sels)
{
	size_t i;

	v->depth++;
	for (i = 0; i < sels->n && budget(v); i++) {
		struct gql_sel *s = sels->v[i];

		if (s->kind == GQL_SEL_FIELD)
			walk_field(v, parent, s);
		else if (s->kind == GQL_SEL_INLINE)
			walk_inline(v, parent, s);
		else
			walk_spread(v, parent, s);
	}
	v->depth--;
}

/* ---------------------------------------------------------------------------
 * Operations and fragments.
 */

static const struct gql_def *
op_root(struct vctx *v, struct gql_str op, const char **loc)
{
	if (op.len == 0 || gql_str_eq(op, "query")) {
		*loc = "QUERY";
		return v->s->query;
	}
	if (gql_str_eq(op, "mutation")) {
		*loc = "MUTATION";
		return v->s->mutation;
	}
	if (gql_str_eq(op, "subscription")) {
		*loc = "SUBSCRIPTION";
		return v->s->subscription;
	}
	*loc = "";
	return NULL;
}

/* The top-level fields of a subscription, through fragments (SingleFieldSubscriptions). */
static void
top_fields(struct vctx *v, const struct gql_list *sels, struct gql_list *out, unsigned depth)
{
	size_t i;

	if (depth > GQL_MAX_DEPTH)
		return;
	for (i = 0; i < sels->n; i++) {
		struct gql_sel *s = sels->v[i];
		struct gql_frag *fd;

		if (s->kind == GQL_SEL_FIELD) {
			if (!gql_list_push(v->a, out, s))
				voom(v);
		} else if (s->kind == GQL_SEL_INLINE) {
			top_fields(v, &s->sels, out, depth + 1);
		} else if ((fd = gql_map_get(&v->fragnames, s->name)) != NULL) {
			top_fields(v, &fd->sels, out, depth + 1);
		}
	}
}

static void
op_rules(struct vctx *v, struct gql_opdef *op, const struct gql_def *root, struct gql_map *opnames)
{
	char ts[256];
	size_t i, j;

	/* KnownRootType */
	if (root == NULL)
		verr(v, &op->pos, "Schema does not support operation type \"%.*s\"", NAMEF(op->op));
	/* KnownTypeNames */
	for (i = 0; i < op->vars.n; i++) {
		struct gql_vardef *vd = op->vars.v[i];

		if (type_def(v, gql_type_name(vd->type)) == NULL)
			verr(v, &op->pos, "Unknown type \"%.*s\".", NAMEF(gql_type_name(vd->type)));
	}
	/* LoneAnonymousOperation */
	if (op->name.len == 0 && v->q->ops.n > 1)
		verr(v, &op->pos, "This anonymous operation must be the only defined operation.");
	/* NoUnusedVariables */
	for (i = 0; i < op->vars.n; i++) {
		struct gql_vardef *vd = op->vars.v[i];

		if (vd->used)
			continue;
		if (op->name.len > 0)
			verr(v, &vd->pos, "Variable \"$%.*s\" is never used in operation \"%.*s\".",
			    NAMEF(vd->var), NAMEF(op->name));
		else
			verr(v, &vd->pos, "Variable \"$%.*s\" is never used.", NAMEF(vd->var));
	}
	overlapping_fields(v, root, &op->sels);
	/* SingleFieldSubscriptions */
	if (gql_str_eq(op->op, "subscription")) {
		struct gql_list fields = {0};
		char name[300];

		top_fields(v, &op->sels, &fields, 0);
		if (op->name.len > 0)
			snprintf(name, sizeof(name), "Subscription \"%.*s\"", NAMEF(op->name));
		else
			snprintf(name, sizeof(name), "Anonymous Subscription");
		if (fields.n > 1)
			verr(v, &((struct gql_sel *)fields.v[1])->pos,
			    "%s must select only one top level field.", name);
		for (i = 0; i < fields.n; i++) {
			struct gql_sel *f = fields.v[i];

			if (f->name.len >= 2 && f->name.s[0] == '_' && f->name.s[1] == '_')
				verr(v, &f->pos,
				    "%s must not select an introspection top level field.", name);
		}
	}
	/* UniqueOperationNames */
	if (gql_map_get(opnames, op->name) != NULL)
		verr(v, &op->pos, "There can be only one operation named \"%.*s\".",
		    NAMEF(op->name));
	else if (!gql_map_put(v->a, opnames, op->name, op))
		voom(v);
	/* UniqueVariableNames */
	for (i = 0; i < op->vars.n; i++)
		for (j = 0; j < i; j++) {
			struct gql_vardef *vd = op->vars.v[i];

			if (gql_str_same(((struct gql_vardef *)op->vars.v[j])->var, vd->var)) {
				verr(v, &vd->pos, "There can be only one variable named \"$%.*s\".",
				    NAMEF(vd->var));
				break;
			}
		}
	/* VariablesAreInputTypes */
	for (i = 0; i < op->vars.n; i++) {
		struct gql_vardef *vd = op->vars.v[i];

		if (vd->def != NULL && !gql_is_input(vd->def))
			verr(v, &vd->pos, "Variable \"$%.*s\" cannot be non-input type \"%s\".",
			    NAMEF(vd->var), gql_type_str(vd->type, ts, sizeof(ts)));
	}
}

static void
walk_op(struct vctx *v, struct gql_opdef *op, struct gql_map *opnames)
{
	const struct gql_def *root;
	const char *loc;
	size_t i;

	memset(&v->walked, 0, sizeof(v->walked));
	v->curop = op;
	for (i = 0; i < op->vars.n; i++) {
		struct gql_vardef *vd = op->vars.v[i];

		vd->def = type_def(v, gql_type_name(vd->type));
		if (vd->defval != NULL) {
			vd->defval->expected = vd->type;
			vd->defval->def = vd->def;
		}
	}
	root = op_root(v, op->op, &loc);
	for (i = 0; i < op->vars.n; i++) {
		struct gql_vardef *vd = op->vars.v[i];

		if (vd->defval != NULL)
			walk_value(v, vd->defval);
		walk_dirs(v, &vd->dirs, "VARIABLE_DEFINITION");
	}
	walk_dirs(v, &op->dirs, loc);
	walk_sels(v, root, &op->sels);
	if (v->stop)
		return;
	op_rules(v, op, root, opnames);
	v->curop = NULL;
}

/* NoFragmentCycles: the spreads directly in a selection set (not through other fragments). */
static void
spreads_of(struct vctx *v, const struct gql_list *sels, struct gql_list *out, unsigned depth)
{
	size_t i;

	if (depth > GQL_MAX_DEPTH)
		return;
	for (i = 0; i < sels->n; i++) {
		struct gql_sel *s = sels->v[i];

		if (s->kind == GQL_SEL_SPREAD) {
			if (!gql_list_push(v->a, out, s))
				voom(v);
		} else {
			spreads_of(v, &s->sels, out, depth + 1);
		}
	}
}

struct cycle {
	struct gql_list path; /* struct gql_sel * */
	struct gql_map index; /* fragment name -> (path index + 1) */
};

static void
cycle_visit(struct vctx *v, struct cycle *c, struct gql_frag *f, unsigned depth)
{
	struct gql_list spreads = {0};
	size_t i, k;

	if (gql_map_get(&v->cycle_visited, f->name) != NULL || depth > WALK_MAX_DEPTH || v->stop)
		return;
	if (!gql_map_put(v->a, &v->cycle_visited, f->name, f)) {
		voom(v);
		return;
	}
	spreads_of(v, &f->sels, &spreads, 0);
	if (spreads.n == 0)
		return;
	if (!gql_map_put(v->a, &c->index, f->name, (void *)(uintptr_t)(c->path.n + 1))) {
		voom(v);
		return;
	}
	for (i = 0; i < spreads.n; i++) {
		struct gql_sel *s = spreads.v[i];
		uintptr_t at = (uintptr_t)gql_map_get(&c->index, s->name);

		if (!gql_list_push(v->a, &c->path, s)) {
			voom(v);
			return;
		}
		if (at == 0) {
			struct gql_frag *next = gql_map_get(&v->fragnames, s->name);

			if (next != NULL)
				cycle_visit(v, c, next, depth + 1);
		} else {
			struct writ_buf via;
			bool ok = true;

			writ_buf_init(&via, 0);
			for (k = at - 1; ok && k + 1 < c->path.n; k++) {
				struct gql_sel *p = c->path.v[k];

				ok = writ_buf_appendf(&via, "%s\"%.*s\"",
				         k == at - 1 ? " via " : ", ", NAMEF(p->name)) == WRIT_OK;
			}
			verr(v, &s->pos, "Cannot spread fragment \"%.*s\" within itself%s.",
			    NAMEF(s->name), via.ptr != NULL ? via.ptr : "");
			writ_buf_free(&via);
		}
		c->path.n--;
	}
	if (!gql_map_put(v->a, &c->index, f->name, NULL))
		voom(v);
}

static void
walk_frag(struct vctx *v, struct gql_frag *f, struct gql_map *fragseen)
{
	const struct gql_def *def = type_def(v, f->typecond);
	struct cycle c = {{0}, {0}};
	size_t i, n = 0;
	struct gql_str *opts;

	memset(&v->walked, 0, sizeof(v->walked));
	f->def = def;
	walk_dirs(v, &f->dirs, "FRAGMENT_DEFINITION");
	walk_sels(v, def, &f->sels);
	if (v->stop)
		return;
	/* FragmentsOnCompositeTypes */
	if (def != NULL && f->typecond.len > 0 && !gql_is_composite(def))
		verr(v, &f->pos,
		    "Fragment \"%.*s\" cannot condition on non composite type \"%.*s\".",
		    NAMEF(f->name), NAMEF(f->typecond));
	/* KnownTypeNames */
	if (def == NULL) {
		char head[400];

		for (i = 0; i < v->s->types.cap; i++)
			if (v->s->types.keys[i].s != NULL)
				n++;
		if ((opts = writ_arena_calloc(v->a, n + 1, sizeof(*opts))) == NULL) {
			voom(v);
			return;
		}
		for (i = 0, n = 0; i < v->s->types.cap; i++)
			if (v->s->types.keys[i].s != NULL)
				opts[n++] = v->s->types.keys[i];
		snprintf(head, sizeof(head), "Unknown type \"%.*s\".", NAMEF(f->typecond));
		verr_sugg(v, &f->pos, head, "Did you mean", f->typecond, opts, n, true);
	}
	/* NoFragmentCycles */
	cycle_visit(v, &c, f, 0);
	/* NoUnusedFragments */
	v->in_fragdef = true;
	if (gql_map_get(&v->used, f->name) == NULL)
		verr(v, &f->pos, "Fragment \"%.*s\" is never used.", NAMEF(f->name));
	overlapping_fields(v, def, &f->sels);
	/* UniqueFragmentNames */
	if (gql_map_get(fragseen, f->name) != NULL)
		verr(v, &f->pos, "There can be only one fragment named \"%.*s\".", NAMEF(f->name));
	else if (!gql_map_put(v->a, fragseen, f->name, f))
		voom(v);
}

bool
gql_validate(
    struct writ_arena *a, const struct gql_schema *s, struct gql_qdoc *q, struct gql_errs *e)
{
	struct vctx v = {.a = a, .s = s, .q = q, .e = e};
	struct gql_map opnames = {0}, fragseen = {0};
	size_t i;

	for (i = 0; i < q->frags.n; i++) {
		struct gql_frag *f = q->frags.v[i];

		if (gql_map_get(&v.fragnames, f->name) == NULL &&
		    !gql_map_put(a, &v.fragnames, f->name, f)) {
			e->oom = true;
			return false;
		}
	}
	for (i = 0; i < q->ops.n && !v.stop; i++)
		walk_op(&v, q->ops.v[i], &opnames);
	for (i = 0; i < q->frags.n && !v.stop; i++)
		walk_frag(&v, q->frags.v[i], &fragseen);
	return e->n == 0 && !e->oom;
}
