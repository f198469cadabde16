/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Schema building for the graphql builtins, as the Go library OPA uses
 * (gqlparser) does it: the built-in prelude (scalars, @include, @skip,
 * @deprecated, @specifiedBy, the introspection types) is merged with a
 * schema document, type extensions are applied, the root operation types
 * resolved and the type system checked (names, type references,
 * interfaces, unions, enums, input objects, directives).  The first error
 * stops the build, with gqlparser's message.  Also the string-keyed map and
 * the type helpers that query validation (graphql_validate.c) shares.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rego/value.h"

#include "graphql_int.h"

/* The built-in definitions of every schema (GraphQL specification, sections 3.5, 3.13, 4). */
static const char prelude[] =
    "scalar Int\nscalar Float\nscalar String\nscalar Boolean\nscalar ID\n"
    "directive @include(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "directive @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT\n"
    "directive @deprecated(reason: String = \"No longer supported\") on FIELD_DEFINITION | "
    "ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE\n"
    "directive @specifiedBy(url: String!) on SCALAR\n"
    "type __Schema { description: String types: [__Type!]! queryType: __Type! "
    "mutationType: __Type subscriptionType: __Type directives: [__Directive!]! }\n"
    "type __Type { kind: __TypeKind! name: String description: String "
    "fields(includeDeprecated: Boolean = false): [__Field!] interfaces: [__Type!] "
    "possibleTypes: [__Type!] enumValues(includeDeprecated: Boolean = false): [__EnumValue!] "
    "inputFields: [__InputValue!] ofType: __Type specifiedByURL: String }\n"
    "type __Field { name: String! description: String args: [__InputValue!]! type: __Type! "
    "isDeprecated: Boolean! deprecationReason: String }\n"
    "type __InputValue { name: String! description: String type: __Type! "
    "defaultValue: String }\n"
    "type __EnumValue { name: String! description: String isDeprecated: Boolean! "
    "deprecationReason: String }\n"
    "enum __TypeKind { SCALAR OBJECT INTERFACE UNION ENUM INPUT_OBJECT LIST NON_NULL }\n"
    "type __Directive { name: String! description: String locations: "
    "[__DirectiveLocation!]! args: [__InputValue!]! isRepeatable: Boolean! }\n"
    "enum __DirectiveLocation { QUERY MUTATION SUBSCRIPTION FIELD FRAGMENT_DEFINITION "
    "FRAGMENT_SPREAD INLINE_FRAGMENT VARIABLE_DEFINITION SCHEMA SCALAR OBJECT "
    "FIELD_DEFINITION ARGUMENT_DEFINITION INTERFACE UNION ENUM ENUM_VALUE INPUT_OBJECT "
    "INPUT_FIELD_DEFINITION }\n";

/* ---------------------------------------------------------------------------
 * A string-keyed hash map in the arena.
 */
static uint64_t
str_hash(struct gql_str s)
{
	return rego_hash_bytes(s.s, s.len, 0x9e3779b97f4a7c15ull);
}

static void **
map_slot(const struct gql_map *m, struct gql_str k)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	for (i = (size_t)str_hash(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i].s == NULL)
			return &m->vals[i];
		if (gql_str_same(m->keys[i], k))
			return &m->vals[i];
	}
}

void *
gql_map_get(const struct gql_map *m, struct gql_str k)
{
	void **slot = map_slot(m, k);

	return slot != NULL ? *slot : NULL;
}

bool
gql_map_put(struct writ_arena *a, struct gql_map *m, struct gql_str k, void *v)
{
	void **slot;
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct gql_map nm = {.cap = m->cap != 0 ? m->cap * 2 : 16};

		nm.keys = writ_arena_calloc(a, nm.cap, sizeof(*nm.keys));
		nm.vals = writ_arena_calloc(a, nm.cap, sizeof(*nm.vals));
		if (nm.keys == NULL || nm.vals == NULL)
			return false;
		for (i = 0; i < m->cap; i++)
			if (m->keys[i].s != NULL) {
				slot = map_slot(&nm, m->keys[i]);
				nm.keys[slot - nm.vals] = m->keys[i];
				*slot = m->vals[i];
				nm.n++;
			}
		*m = nm;
	}
	slot = map_slot(m, k);
	if (m->keys[slot - m->vals].s == NULL) {
		m->keys[slot - m->vals] = k;
		m->n++;
	}
	*slot = v;
	return true;
}

/* ---------------------------------------------------------------------------
 * The schema.
 */
bool
gql_kind_is(const struct gql_def *d, const char *k)
{
	return d != NULL && gql_str_eq(d->kind, k);
}

bool
gql_is_composite(const struct gql_def *d)
{
	return gql_kind_is(d, "OBJECT") || gql_kind_is(d, "INTERFACE") || gql_kind_is(d, "UNION");
}

bool
gql_is_leaf(const struct gql_def *d)
{
	return gql_kind_is(d, "SCALAR") || gql_kind_is(d, "ENUM");
}

bool
gql_is_input(const struct gql_def *d)
{
	return gql_kind_is(d, "SCALAR") || gql_kind_is(d, "ENUM") || gql_kind_is(d, "INPUT_OBJECT");
}

/* The innermost named type of t. */
struct gql_str
gql_type_name(const struct gql_type *t)
{
	while (t != NULL && t->elem != NULL)
		t = t->elem;
	return t != NULL ? t->named : gql_cstr("");
}

/* Type.String(): "[Int!]!". */
static void
type_str(const struct gql_type *t, struct writ_buf *b)
{
	bool ok = true;

	if (t == NULL)
		return;
	if (t->elem != NULL) {
		ok = writ_buf_append(b, "[", 1) == WRIT_OK;
		type_str(t->elem, b);
		ok = ok && writ_buf_append(b, "]", 1) == WRIT_OK;
	} else {
		ok = writ_buf_append(b, t->named.s, t->named.len) == WRIT_OK;
	}
	if (ok && t->nonnull)
		ok = writ_buf_append(b, "!", 1) == WRIT_OK;
	(void)ok;
}

/* A type's string in a static-per-call buffer slot (for messages). */
const char *
gql_type_str(const struct gql_type *t, char *buf, size_t len)
{
	struct writ_buf b;

	writ_buf_init(&b, 0);
	type_str(t, &b);
	snprintf(buf, len, "%s", b.ptr != NULL ? b.ptr : "");
	writ_buf_free(&b);
	return buf;
}

const struct gql_fielddef *
gql_field_named(const struct gql_list *l, struct gql_str name)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct gql_fielddef *f = l->v[i];

		if (gql_str_same(f->name, name))
			return f;
	}
	return NULL;
}

static bool
add_possible(struct writ_arena *a, struct gql_schema *s, struct gql_str name, struct gql_def *d)
{
	struct gql_list *l = gql_map_get(&s->possible, name);

	if (l == NULL) {
		if ((l = writ_arena_calloc(a, 1, sizeof(*l))) == NULL ||
		    !gql_map_put(a, &s->possible, name, l))
			return false;
	}
	return gql_list_push(a, l, d);
}

struct sb {
	struct writ_arena *a;
	struct gql_schema *s;
	struct gql_errs *e;
};

#define NAMEF(x) (int)(x).len, (x).s

static bool
check_name(struct sb *b, const struct gql_pos *pos, struct gql_str name)
{
	if (name.len >= 2 && name.s[0] == '_' && name.s[1] == '_') {
		gql_err_add(b->e, pos,
		    "Name \"%.*s\" must not begin with \"__\", which is reserved by GraphQL "
		    "introspection.",
		    NAMEF(name));
		return false;
	}
	return true;
}

static bool
check_typeref(struct sb *b, const struct gql_type *t)
{
	if (t == NULL || gql_map_get(&b->s->types, gql_type_name(t)) == NULL) {
		gql_err_add(b->e, t != NULL ? &t->pos : NULL, "Undefined type %.*s.",
		    NAMEF(gql_type_name(t)));
		return false;
	}
	return true;
}

static bool
check_dirs(struct sb *b, const struct gql_list *dirs, const char *loc, const struct gql_dirdef *cur)
{
	size_t i, j;

	for (i = 0; i < dirs->n; i++) {
		struct gql_dir *d = dirs->v[i];
		const struct gql_dirdef *def;
		bool found = false;

		if (!check_name(b, &d->pos, d->name))
			return false;
		if (cur != NULL && gql_str_same(d->name, cur->name)) {
			gql_err_add(b->e, &d->pos, "Directive %.*s cannot refer to itself.",
			    NAMEF(cur->name));
			return false;
		}
		if ((def = gql_map_get(&b->s->dirs, d->name)) == NULL) {
			gql_err_add(b->e, &d->pos, "Undefined directive %.*s.", NAMEF(d->name));
			return false;
		}
		for (j = 0; j < def->locs.n && !found; j++)
			found = gql_str_eq(*(struct gql_str *)def->locs.v[j], loc);
		if (!found) {
			gql_err_add(b->e, &d->pos, "Directive %.*s is not applicable on %s.",
			    NAMEF(d->name), loc);
			return false;
		}
		d->def = def;
	}
	return true;
}

static bool
check_args(struct sb *b, const struct gql_list *args, const struct gql_dirdef *cur)
{
	size_t i;
	char ts[256];

	for (i = 0; i < args->n; i++) {
		const struct gql_fielddef *a = args->v[i];
		const struct gql_def *d;

		if (!check_name(b, &a->pos, a->name) || !check_typeref(b, a->type))
			return false;
		d = gql_map_get(&b->s->types, gql_type_name(a->type));
		if (!gql_is_input(d)) {
			gql_err_add(b->e, &a->pos,
			    "cannot use %s as argument %.*s because %.*s is not a valid input type",
			    gql_type_str(a->type, ts, sizeof(ts)), NAMEF(a->name), NAMEF(d->kind));
			return false;
		}
		if (!check_dirs(b, &a->dirs, "ARGUMENT_DEFINITION", cur))
			return false;
	}
	return true;
}

static bool
covariant(const struct gql_schema *s, const struct gql_type *req, const struct gql_type *act)
{
	const struct gql_list *pt;
	size_t i;

	if (req == NULL || act == NULL)
		return req == act;
	if (req->nonnull && !act->nonnull)
		return false;
	if (req->named.len > 0) {
		if (gql_str_same(req->named, act->named))
			return true;
		pt = gql_map_get(&s->possible, req->named);
		for (i = 0; pt != NULL && i < pt->n; i++)
			if (gql_str_same(((struct gql_def *)pt->v[i])->name, act->named))
				return true;
		return false;
	}
	if (req->elem != NULL && act->elem == NULL)
		return false;
	return covariant(s, req->elem, act->elem);
}

/* Type.IsCompatible. */
bool
gql_type_compatible(const struct gql_type *t, const struct gql_type *o)
{
	if (t == NULL || o == NULL)
		return t == o;
	if (!gql_str_same(t->named, o->named))
		return false;
	if (t->elem != NULL && o->elem == NULL)
		return false;
	if (t->elem != NULL && !gql_type_compatible(t->elem, o->elem))
		return false;
	return o->nonnull ? t->nonnull : true;
}

static bool
has_str(const struct gql_list *l, struct gql_str s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (gql_str_same(*(struct gql_str *)l->v[i], s))
			return true;
	return false;
}

static bool
check_field_impl(
    struct sb *b, struct gql_def *d, const struct gql_def *intf, const struct gql_fielddef *req)
{
	const struct gql_fielddef *f = gql_field_named(&d->fields, req->name), *ra, *fa;
	size_t i;
	char ts[256];

	if (f == NULL) {
		gql_err_add(b->e, &d->pos,
		    "For %.*s to implement %.*s it must have a field called %.*s.", NAMEF(d->name),
		    NAMEF(intf->name), NAMEF(req->name));
		return false;
	}
	if (!covariant(b->s, req->type, f->type)) {
		gql_err_add(b->e, &f->pos,
		    "For %.*s to implement %.*s the field %.*s must have type %s.", NAMEF(d->name),
		    NAMEF(intf->name), NAMEF(req->name), gql_type_str(req->type, ts, sizeof(ts)));
		return false;
	}
	for (i = 0; i < req->args.n; i++) {
		ra = req->args.v[i];
		if ((fa = gql_field_named(&f->args, ra->name)) == NULL) {
			gql_err_add(b->e, &f->pos,
			    "For %.*s to implement %.*s the field %.*s must have the same arguments "
			    "but it is missing %.*s.",
			    NAMEF(d->name), NAMEF(intf->name), NAMEF(req->name), NAMEF(ra->name));
			return false;
		}
		if (!gql_type_compatible(ra->type, fa->type)) {
			gql_err_add(b->e, &fa->pos,
			    "For %.*s to implement %.*s the field %.*s must have the same arguments "
			    "but %.*s has the wrong type.",
			    NAMEF(d->name), NAMEF(intf->name), NAMEF(req->name), NAMEF(ra->name));
			return false;
		}
	}
	for (i = 0; i < f->args.n; i++) {
		fa = f->args.v[i];
		if (gql_field_named(&req->args, fa->name) == NULL && fa->type != NULL &&
		    fa->type->nonnull && fa->defval == NULL) {
			gql_err_add(b->e, &fa->pos,
			    "For %.*s to implement %.*s any additional arguments on %.*s must be "
			    "optional or have a default value but %.*s is required.",
			    NAMEF(d->name), NAMEF(intf->name), NAMEF(f->name), NAMEF(fa->name));
			return false;
		}
	}
	return true;
}

static bool
check_implements(struct sb *b, struct gql_def *d, struct gql_str iname)
{
	const struct gql_def *intf = gql_map_get(&b->s->types, iname);
	size_t i;
	struct writ_buf q;

	writ_buf_init(&q, 0);
	if (intf == NULL || !gql_kind_is(intf, "INTERFACE")) {
		if (rego_quote(&q, iname.s, iname.len) != WRIT_OK) {
			b->e->oom = true;
			return false;
		}
		if (intf == NULL)
			gql_err_add(b->e, &d->pos, "Undefined type %s.", q.ptr);
		else
			gql_err_add(b->e, &d->pos, "%s is a non interface type %.*s.", q.ptr,
			    NAMEF(intf->kind));
		writ_buf_free(&q);
		return false;
	}
	for (i = 0; i < intf->fields.n; i++)
		if (!check_field_impl(b, d, intf, intf->fields.v[i]))
			return false;
	for (i = 0; i < intf->ifaces.n; i++) {
		struct gql_str t = *(struct gql_str *)intf->ifaces.v[i];

		if (has_str(&d->ifaces, t))
			continue;
		if (gql_str_same(t, d->name))
			gql_err_add(b->e, &d->pos,
			    "Type %.*s cannot implement %.*s because it would create a circular "
			    "reference.",
			    NAMEF(d->name), NAMEF(iname));
		else
			gql_err_add(b->e, &d->pos,
			    "Type %.*s must implement %.*s because it is implemented by %.*s.",
			    NAMEF(d->name), NAMEF(t), NAMEF(iname));
		return false;
	}
	return true;
}

static bool
check_fields(struct sb *b, struct gql_def *d)
{
	size_t i;
	bool input = gql_kind_is(d, "INPUT_OBJECT");

	for (i = 0; i < d->fields.n; i++) {
		struct gql_fielddef *f = d->fields.v[i];

		if (!check_name(b, &f->pos, f->name) || !check_typeref(b, f->type) ||
		    !check_args(b, &f->args, NULL) ||
		    !check_dirs(
		        b, &f->dirs, input ? "INPUT_FIELD_DEFINITION" : "FIELD_DEFINITION", NULL))
			return false;
	}
	return true;
}

static bool
check_kind_rules(struct sb *b, struct gql_def *d)
{
	size_t i;

	if (gql_kind_is(d, "OBJECT") || gql_kind_is(d, "INTERFACE")) {
		if (d->fields.n == 0) {
			gql_err_add(b->e, &d->pos, "%.*s %.*s: must define one or more fields.",
			    NAMEF(d->kind), NAMEF(d->name));
			return false;
		}
		for (i = 0; i < d->fields.n; i++) {
			struct gql_fielddef *f = d->fields.v[i];
			const struct gql_def *t = gql_map_get(&b->s->types, gql_type_name(f->type));

			if (t != NULL && !gql_is_composite(t) && !gql_is_leaf(t)) {
				gql_err_add(b->e, &f->pos,
				    "%.*s %.*s: field must be one of SCALAR, OBJECT, INTERFACE, UNION, "
				    "ENUM.",
				    NAMEF(d->kind), NAMEF(d->name));
				return false;
			}
		}
	} else if (gql_kind_is(d, "ENUM")) {
		if (d->enumvals.n == 0) {
			gql_err_add(b->e, &d->pos,
			    "%.*s %.*s: must define one or more unique enum values.",
			    NAMEF(d->kind), NAMEF(d->name));
			return false;
		}
		for (i = 0; i < d->enumvals.n; i++) {
			struct gql_enumval *v = d->enumvals.v[i];

			if (gql_str_eq(v->name, "true") || gql_str_eq(v->name, "false") ||
			    gql_str_eq(v->name, "null")) {
				gql_err_add(b->e, &d->pos, "%.*s %.*s: non-enum value %.*s.",
				    NAMEF(d->kind), NAMEF(d->name), NAMEF(v->name));
				return false;
			}
		}
	} else if (gql_kind_is(d, "INPUT_OBJECT")) {
		if (d->fields.n == 0) {
			gql_err_add(b->e, &d->pos,
			    "%.*s %.*s: must define one or more input fields.", NAMEF(d->kind),
			    NAMEF(d->name));
			return false;
		}
		for (i = 0; i < d->fields.n; i++) {
			struct gql_fielddef *f = d->fields.v[i];
			const struct gql_def *t = gql_map_get(&b->s->types, gql_type_name(f->type));

			if (t != NULL && !gql_is_input(t)) {
				gql_err_add(b->e, &f->pos,
				    "%.*s %.*s: field must be one of SCALAR, ENUM, INPUT_OBJECT.",
				    NAMEF(t->kind), NAMEF(f->name));
				return false;
			}
		}
	}
	return true;
}

static bool
check_def(struct sb *b, struct gql_def *d)
{
	size_t i, j;

	if (!check_fields(b, d))
		return false;
	for (i = 0; i < d->types.n; i++) {
		struct gql_str t = *(struct gql_str *)d->types.v[i];
		const struct gql_def *td = gql_map_get(&b->s->types, t);
		struct writ_buf q;

		if (td != NULL && gql_kind_is(td, "OBJECT"))
			continue;
		writ_buf_init(&q, 0);
		if (rego_quote(&q, t.s, t.len) != WRIT_OK) {
			b->e->oom = true;
			return false;
		}
		if (td == NULL)
			gql_err_add(b->e, &d->pos, "Undefined type %s.", q.ptr);
		else
			gql_err_add(
			    b->e, &d->pos, "%.*s type %s must be OBJECT.", NAMEF(d->kind), q.ptr);
		writ_buf_free(&q);
		return false;
	}
	for (i = 0; i < d->ifaces.n; i++)
		if (!check_implements(b, d, *(struct gql_str *)d->ifaces.v[i]))
			return false;
	if (!check_kind_rules(b, d))
		return false;
	for (i = 0; i < d->fields.n; i++)
		for (j = i + 1; j < d->fields.n; j++) {
			struct gql_fielddef *f2 = d->fields.v[j];

			if (gql_str_same(((struct gql_fielddef *)d->fields.v[i])->name, f2->name)) {
				gql_err_add(b->e, &f2->pos,
				    "Field %.*s.%.*s can only be defined once.", NAMEF(d->name),
				    NAMEF(f2->name));
				return false;
			}
		}
	if (!d->builtin && !check_name(b, &d->pos, d->name))
		return false;
	return check_dirs(b, &d->dirs, d->kind.s, NULL);
}

static int
cmp_str(const void *x, const void *y)
{
	const struct gql_str *a = *(struct gql_str *const *)x, *b = *(struct gql_str *const *)y;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->s, b->s, n);

	return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

/* The keys of m in byte order. */
static struct gql_str **
sorted_keys(struct writ_arena *a, const struct gql_map *m)
{
	struct gql_str **k = writ_arena_calloc(a, m->n + 1, sizeof(*k));
	size_t i, n = 0;

	if (k == NULL)
		return NULL;
	for (i = 0; i < m->cap; i++)
		if (m->keys[i].s != NULL)
			k[n++] = &m->keys[i];
	qsort(k, n, sizeof(*k), cmp_str);
	return k;
}

static bool
append_all(struct writ_arena *a, struct gql_list *to, const struct gql_list *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		if (!gql_list_push(a, to, from->v[i]))
			return false;
	return true;
}

static bool
apply_ext(struct sb *b, struct gql_list *defs, struct gql_def *ext)
{
	struct gql_def *d = gql_map_get(&b->s->types, ext->name);

	if (d == NULL) {
		if ((d = writ_arena_calloc(b->a, 1, sizeof(*d))) == NULL)
			goto oom;
		d->kind = ext->kind;
		d->name = ext->name;
		d->desc = gql_cstr("");
		d->pos = ext->pos;
		if (!gql_map_put(b->a, &b->s->types, d->name, d) || !gql_list_push(b->a, defs, d))
			goto oom;
	}
	if (!gql_str_same(d->kind, ext->kind)) {
		gql_err_add(b->e, &ext->pos,
		    "Cannot extend type %.*s because the base type is a %.*s, not %.*s.",
		    NAMEF(ext->name), NAMEF(d->kind), NAMEF(ext->kind));
		return false;
	}
	if (append_all(b->a, &d->dirs, &ext->dirs) && append_all(b->a, &d->ifaces, &ext->ifaces) &&
	    append_all(b->a, &d->fields, &ext->fields) &&
	    append_all(b->a, &d->types, &ext->types) &&
	    append_all(b->a, &d->enumvals, &ext->enumvals))
		return true;
oom:
	b->e->oom = true;
	return false;
}

static bool
possible_types(struct sb *b, const struct gql_list *defs)
{
	size_t i, j;

	for (i = 0; i < defs->n; i++) {
		struct gql_def *d = defs->v[i];

		if (gql_kind_is(d, "UNION")) {
			for (j = 0; j < d->types.n; j++) {
				struct gql_def *t =
				    gql_map_get(&b->s->types, *(struct gql_str *)d->types.v[j]);

				if (t != NULL && !add_possible(b->a, b->s, d->name, t))
					return false;
			}
		} else if (gql_kind_is(d, "OBJECT") || gql_kind_is(d, "INPUT_OBJECT") ||
		    gql_kind_is(d, "INTERFACE")) {
			for (j = 0; j < d->ifaces.n; j++)
				if (!add_possible(b->a, b->s, *(struct gql_str *)d->ifaces.v[j], d))
					return false;
			if (!gql_kind_is(d, "INTERFACE") && !add_possible(b->a, b->s, d->name, d))
				return false;
		}
	}
	return true;
}

static bool
roots(struct sb *b, const struct gql_schemadef *sd)
{
	size_t i;

	for (i = 0; i < sd->optypes.n; i++) {
		struct gql_optype *o = sd->optypes.v[i];
		struct gql_def *d = gql_map_get(&b->s->types, o->type);

		if (d == NULL) {
			gql_err_add(b->e, &o->pos,
			    "Schema root %.*s refers to a type %.*s that does not exist.",
			    NAMEF(o->op), NAMEF(o->type));
			return false;
		}
		if (gql_str_eq(o->op, "query"))
			b->s->query = d;
		else if (gql_str_eq(o->op, "mutation"))
			b->s->mutation = d;
		else if (gql_str_eq(o->op, "subscription"))
			b->s->subscription = d;
	}
	return true;
}

static bool
add_dirdefs(struct sb *b, const struct gql_list *dirs)
{
	size_t i;

	for (i = 0; i < dirs->n; i++) {
		struct gql_dirdef *d = dirs->v[i];

		if (gql_map_get(&b->s->dirs, d->name) != NULL) {
			if (gql_str_eq(d->name, "include") || gql_str_eq(d->name, "skip") ||
			    gql_str_eq(d->name, "deprecated") || gql_str_eq(d->name, "specifiedBy"))
				continue;
			gql_err_add(
			    b->e, &d->pos, "Cannot redeclare directive %.*s.", NAMEF(d->name));
			return false;
		}
		if (!gql_map_put(b->a, &b->s->dirs, d->name, d)) {
			b->e->oom = true;
			return false;
		}
	}
	return true;
}

static bool
check_all(struct sb *b)
{
	struct gql_str **keys;
	size_t i;

	if ((keys = sorted_keys(b->a, &b->s->types)) == NULL)
		goto oom;
	for (i = 0; keys[i] != NULL; i++)
		if (!check_def(b, gql_map_get(&b->s->types, *keys[i])))
			return false;
	if ((keys = sorted_keys(b->a, &b->s->dirs)) == NULL)
		goto oom;
	for (i = 0; keys[i] != NULL; i++) {
		struct gql_dirdef *d = gql_map_get(&b->s->dirs, *keys[i]);

		if (!check_name(b, &d->pos, d->name) || !check_args(b, &d->args, d))
			return false;
	}
	return true;
oom:
	b->e->oom = true;
	return false;
}

/* Add __schema and __type to the query type. */
static bool
add_introspection(struct sb *b)
{
	struct gql_fielddef *fs = writ_arena_calloc(b->a, 1, sizeof(*fs));
	struct gql_fielddef *ft = writ_arena_calloc(b->a, 1, sizeof(*ft));
	struct gql_fielddef *an = writ_arena_calloc(b->a, 1, sizeof(*an));
	struct gql_type *t = writ_arena_calloc(b->a, 3, sizeof(*t));

	if (fs == NULL || ft == NULL || an == NULL || t == NULL)
		return false;
	t[0] = (struct gql_type){.named = gql_cstr("__Schema"), .nonnull = true};
	t[1] = (struct gql_type){.named = gql_cstr("__Type")};
	t[2] = (struct gql_type){.named = gql_cstr("String"), .nonnull = true};
	*fs = (struct gql_fielddef){
	    .name = gql_cstr("__schema"), .desc = gql_cstr(""), .type = &t[0]};
	*an = (struct gql_fielddef){.name = gql_cstr("name"), .desc = gql_cstr(""), .type = &t[2]};
	*ft =
	    (struct gql_fielddef){.name = gql_cstr("__type"), .desc = gql_cstr(""), .type = &t[1]};
	return gql_list_push(b->a, &ft->args, an) &&
	    gql_list_push(b->a, &b->s->query->fields, fs) &&
	    gql_list_push(b->a, &b->s->query->fields, ft);
}

static bool
build(struct sb *b, const struct gql_sdoc *pre, const struct gql_sdoc *doc)
{
	const struct gql_sdoc *docs[2] = {pre, doc};
	struct gql_list defs = {0}, schema = {0}, schemaext = {0};
	size_t i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < docs[k]->defs.n; i++) {
			struct gql_def *d = docs[k]->defs.v[i];

			if (gql_map_get(&b->s->types, d->name) != NULL) {
				gql_err_add(
				    b->e, &d->pos, "Cannot redeclare type %.*s.", NAMEF(d->name));
				return false;
			}
			if (!gql_map_put(b->a, &b->s->types, d->name, d) ||
			    !gql_list_push(b->a, &defs, d))
				goto oom;
		}
	for (k = 0; k < 2; k++)
		for (i = 0; i < docs[k]->exts.n; i++)
			if (!apply_ext(b, &defs, docs[k]->exts.v[i]))
				return false;
	if (!possible_types(b, &defs))
		goto oom;
	for (k = 0; k < 2; k++)
		if (!add_dirdefs(b, &docs[k]->dirs))
			return false;
	for (k = 0; k < 2; k++)
		if (!append_all(b->a, &schema, &docs[k]->schema) ||
		    !append_all(b->a, &schemaext, &docs[k]->schemaext))
			goto oom;
	if (schema.n > 1) {
		gql_err_add(b->e, &((struct gql_schemadef *)schema.v[1])->pos,
		    "Cannot have multiple schema entry points, consider schema extensions instead.");
		return false;
	}
	if (schema.n == 1 && !roots(b, schema.v[0]))
		return false;
	for (i = 0; i < schemaext.n; i++)
		if (!roots(b, schemaext.v[i]))
			return false;
	if (!check_all(b))
		return false;
	if (schema.n == 0) {
		if (b->s->query == NULL)
			b->s->query = gql_map_get(&b->s->types, gql_cstr("Query"));
		if (b->s->mutation == NULL)
			b->s->mutation = gql_map_get(&b->s->types, gql_cstr("Mutation"));
		if (b->s->subscription == NULL)
			b->s->subscription = gql_map_get(&b->s->types, gql_cstr("Subscription"));
	}
	if (b->s->query != NULL && !add_introspection(b))
		goto oom;
	return true;
oom:
	b->e->oom = true;
	return false;
}

bool
gql_schema_build(
    struct writ_arena *a, const struct gql_sdoc *doc, struct gql_schema **out, struct gql_errs *e)
{
	struct gql_sdoc *pre;
	struct sb b = {.a = a, .e = e};

	if (!gql_parse_schema(a, prelude, sizeof(prelude) - 1, true, &pre, e)) {
		e->oom = true; /* the prelude always parses */
		return false;
	}
	if ((b.s = writ_arena_calloc(a, 1, sizeof(*b.s))) == NULL) {
		e->oom = true;
		return false;
	}
	if (!build(&b, pre, doc))
		return false;
	*out = b.s;
	return true;
}
