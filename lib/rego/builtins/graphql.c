/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The graphql builtins: graphql.parse_query, graphql.parse_schema,
 * graphql.parse, graphql.parse_and_verify, graphql.is_valid and
 * graphql.schema_is_valid, as OPA defines them over the Go library
 * gqlparser.
 *
 * OPA returns the library's AST marshalled to JSON with Go's field names,
 * then pruned: "Position" keys, nulls and empty arrays and objects are
 * dropped (empty strings, false and 0 stay).  Queries and schemas may also
 * be given as such objects; OPA unmarshals them with encoding/json (keys
 * matched without regard to case, unknown keys ignored, and a selection
 * decoded as a field whenever it can be), which decode_* below mirror.
 *
 * Errors: parse errors read "<message> in GraphQL string at location L:C",
 * validation errors the same with every error gqlparser found after the
 * first one run together as OPA's string splitting leaves them.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ext_int.h"
#include "families_graphql.h"
#include "graphql_int.h"

/* ---------------------------------------------------------------------------
 * AST to value.
 */

struct conv {
	struct writ_arena *a;
	bool oom;
};

typedef const struct rego_val *(*conv_fn)(struct conv *cv, const void *node);

static const struct rego_val *
c_str(struct conv *cv, struct gql_str s)
{
	const struct rego_val *v;
	struct writ_err e;

	if (rego_string(cv->a, s.s != NULL ? s.s : "", s.len, &v, &e) != WRIT_OK) {
		cv->oom = true;
		return NULL;
	}
	return v;
}

static const struct rego_val *
c_cstr(struct conv *cv, const char *s)
{
	return c_str(cv, (struct gql_str){s != NULL ? s : "", s != NULL ? strlen(s) : 0});
}

static const struct rego_val *
c_int(struct conv *cv, int64_t i)
{
	const struct rego_val *v;
	struct writ_err e;

	if (rego_int(cv->a, i, &v, &e) != WRIT_OK) {
		cv->oom = true;
		return NULL;
	}
	return v;
}

/* An array of fn(item) without the pruned (NULL) ones; NULL when empty. */
static const struct rego_val *
c_list(struct conv *cv, const struct gql_list *l, conv_fn fn)
{
	const struct rego_val **el, *v;
	struct writ_err e;
	size_t i, n = 0;

	if (l->n == 0 || cv->oom)
		return NULL;
	if ((el = writ_arena_calloc(cv->a, l->n, sizeof(*el))) == NULL) {
		cv->oom = true;
		return NULL;
	}
	for (i = 0; i < l->n; i++)
		if (l->v[i] != NULL && (v = fn(cv, l->v[i])) != NULL)
			el[n++] = v;
	if (n == 0 || cv->oom)
		return NULL;
	if (rego_array(cv->a, el, n, &v, &e) != WRIT_OK) {
		cv->oom = true;
		return NULL;
	}
	return v;
}

static const struct rego_val *
c_strnode(struct conv *cv, const void *node)
{
	return c_str(cv, *(const struct gql_str *)node);
}

/* Object building: entries with a NULL value are pruned. */
struct obj {
	struct conv *cv;
	struct rego_builder b;
};

static void
o_init(struct obj *o, struct conv *cv)
{
	o->cv = cv;
	rego_builder_init(&o->b, cv->a, REGO_OBJECT);
}

static void
o_put(struct obj *o, const char *key, const struct rego_val *v)
{
	struct writ_err e;
	const struct rego_val *k;

	if (v == NULL || o->cv->oom)
		return;
	if ((k = c_cstr(o->cv, key)) == NULL || rego_builder_put(&o->b, k, v, &e) != WRIT_OK)
		o->cv->oom = true;
}

static const struct rego_val *
o_done(struct obj *o)
{
	const struct rego_val *v;
	struct writ_err e;

	if (o->cv->oom)
		return NULL;
	if (rego_builder_finish(&o->b, &v, &e) != WRIT_OK) {
		o->cv->oom = true;
		return NULL;
	}
	return v->len > 0 ? v : NULL;
}

static const struct rego_val *c_value(struct conv *cv, const void *node);

static const struct rego_val *
c_child(struct conv *cv, const void *node)
{
	const struct gql_child *c = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Name", c_str(cv, c->name));
	if (c->value != NULL)
		o_put(&o, "Value", c_value(cv, c->value));
	return o_done(&o);
}

static const struct rego_val *
c_value(struct conv *cv, const void *node)
{
	const struct gql_value *v = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Raw", c_str(cv, v->raw));
	o_put(&o, "Children", c_list(cv, &v->children, c_child));
	o_put(&o, "Kind", c_int(cv, v->kind));
	o_put(&o, "ExpectedTypeHasDefault", rego_bool(false));
	return o_done(&o);
}

static const struct rego_val *
c_type(struct conv *cv, const void *node)
{
	const struct gql_type *t = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "NamedType", c_str(cv, t->named));
	if (t->elem != NULL)
		o_put(&o, "Elem", c_type(cv, t->elem));
	o_put(&o, "NonNull", rego_bool(t->nonnull));
	return o_done(&o);
}

static const struct rego_val *
c_arg(struct conv *cv, const void *node)
{
	const struct gql_arg *a = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Name", c_str(cv, a->name));
	if (a->value != NULL)
		o_put(&o, "Value", c_value(cv, a->value));
	return o_done(&o);
}

static const struct rego_val *
c_dir(struct conv *cv, const void *node)
{
	const struct gql_dir *d = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Name", c_str(cv, d->name));
	o_put(&o, "Arguments", c_list(cv, &d->args, c_arg));
	o_put(&o, "Location", c_cstr(cv, d->location));
	return o_done(&o);
}

static const struct rego_val *
c_sel(struct conv *cv, const void *node)
{
	const struct gql_sel *s = node;
	struct obj o;

	o_init(&o, cv);
	switch (s->kind) {
	case GQL_SEL_FIELD:
		o_put(&o, "Alias", c_str(cv, s->alias));
		o_put(&o, "Name", c_str(cv, s->name));
		o_put(&o, "Arguments", c_list(cv, &s->args, c_arg));
		break;
	case GQL_SEL_SPREAD:
		o_put(&o, "Name", c_str(cv, s->name));
		break;
	case GQL_SEL_INLINE:
		o_put(&o, "TypeCondition", c_str(cv, s->typecond));
		break;
	}
	o_put(&o, "Directives", c_list(cv, &s->dirs, c_dir));
	if (s->kind != GQL_SEL_SPREAD)
		o_put(&o, "SelectionSet", c_list(cv, &s->sels, c_sel));
	return o_done(&o);
}

static const struct rego_val *
c_vardef(struct conv *cv, const void *node)
{
	const struct gql_vardef *v = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Variable", c_str(cv, v->var));
	if (v->type != NULL)
		o_put(&o, "Type", c_type(cv, v->type));
	if (v->defval != NULL)
		o_put(&o, "DefaultValue", c_value(cv, v->defval));
	o_put(&o, "Directives", c_list(cv, &v->dirs, c_dir));
	o_put(&o, "Used", rego_bool(v->used));
	return o_done(&o);
}

static const struct rego_val *
c_op(struct conv *cv, const void *node)
{
	const struct gql_opdef *op = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Operation", c_str(cv, op->op));
	o_put(&o, "Name", c_str(cv, op->name));
	o_put(&o, "VariableDefinitions", c_list(cv, &op->vars, c_vardef));
	o_put(&o, "Directives", c_list(cv, &op->dirs, c_dir));
	o_put(&o, "SelectionSet", c_list(cv, &op->sels, c_sel));
	return o_done(&o);
}

static const struct rego_val *
c_frag(struct conv *cv, const void *node)
{
	const struct gql_frag *f = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Name", c_str(cv, f->name));
	o_put(&o, "VariableDefinition", c_list(cv, &f->vars, c_vardef));
	o_put(&o, "TypeCondition", c_str(cv, f->typecond));
	o_put(&o, "Directives", c_list(cv, &f->dirs, c_dir));
	o_put(&o, "SelectionSet", c_list(cv, &f->sels, c_sel));
	return o_done(&o);
}

static const struct rego_val *
c_qdoc(struct conv *cv, const struct gql_qdoc *d)
{
	const struct rego_val *v;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Operations", c_list(cv, &d->ops, c_op));
	o_put(&o, "Fragments", c_list(cv, &d->frags, c_frag));
	v = o_done(&o);
	return v != NULL || cv->oom ? v : &rego_empty_object_val;
}

static const struct rego_val *
c_fielddef(struct conv *cv, const void *node)
{
	const struct gql_fielddef *f = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Description", c_str(cv, f->desc));
	o_put(&o, "Name", c_str(cv, f->name));
	o_put(&o, "Arguments", c_list(cv, &f->args, c_fielddef));
	if (f->defval != NULL)
		o_put(&o, "DefaultValue", c_value(cv, f->defval));
	if (f->type != NULL)
		o_put(&o, "Type", c_type(cv, f->type));
	o_put(&o, "Directives", c_list(cv, &f->dirs, c_dir));
	return o_done(&o);
}

static const struct rego_val *
c_enumval(struct conv *cv, const void *node)
{
	const struct gql_enumval *e = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Description", c_str(cv, e->desc));
	o_put(&o, "Name", c_str(cv, e->name));
	o_put(&o, "Directives", c_list(cv, &e->dirs, c_dir));
	return o_done(&o);
}

static const struct rego_val *
c_def(struct conv *cv, const void *node)
{
	const struct gql_def *d = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Kind", c_str(cv, d->kind));
	o_put(&o, "Description", c_str(cv, d->desc));
	o_put(&o, "Name", c_str(cv, d->name));
	o_put(&o, "Directives", c_list(cv, &d->dirs, c_dir));
	o_put(&o, "Interfaces", c_list(cv, &d->ifaces, c_strnode));
	o_put(&o, "Fields", c_list(cv, &d->fields, c_fielddef));
	o_put(&o, "Types", c_list(cv, &d->types, c_strnode));
	o_put(&o, "EnumValues", c_list(cv, &d->enumvals, c_enumval));
	o_put(&o, "BuiltIn", rego_bool(d->builtin));
	return o_done(&o);
}

static const struct rego_val *
c_optype(struct conv *cv, const void *node)
{
	const struct gql_optype *t = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Operation", c_str(cv, t->op));
	o_put(&o, "Type", c_str(cv, t->type));
	return o_done(&o);
}

static const struct rego_val *
c_schemadef(struct conv *cv, const void *node)
{
	const struct gql_schemadef *s = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Description", c_str(cv, s->desc));
	o_put(&o, "Directives", c_list(cv, &s->dirs, c_dir));
	o_put(&o, "OperationTypes", c_list(cv, &s->optypes, c_optype));
	return o_done(&o);
}

static const struct rego_val *
c_dirdef(struct conv *cv, const void *node)
{
	const struct gql_dirdef *d = node;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Description", c_str(cv, d->desc));
	o_put(&o, "Name", c_str(cv, d->name));
	o_put(&o, "Arguments", c_list(cv, &d->args, c_fielddef));
	o_put(&o, "Locations", c_list(cv, &d->locs, c_strnode));
	o_put(&o, "IsRepeatable", rego_bool(d->repeatable));
	return o_done(&o);
}

static const struct rego_val *
c_sdoc(struct conv *cv, const struct gql_sdoc *d)
{
	const struct rego_val *v;
	struct obj o;

	o_init(&o, cv);
	o_put(&o, "Schema", c_list(cv, &d->schema, c_schemadef));
	o_put(&o, "SchemaExtension", c_list(cv, &d->schemaext, c_schemadef));
	o_put(&o, "Directives", c_list(cv, &d->dirs, c_dirdef));
	o_put(&o, "Definitions", c_list(cv, &d->defs, c_def));
	o_put(&o, "Extensions", c_list(cv, &d->exts, c_def));
	v = o_done(&o);
	return v != NULL || cv->oom ? v : &rego_empty_object_val;
}

/* ---------------------------------------------------------------------------
 * Value to AST, as encoding/json would fill gqlparser's structs.
 */

struct dec {
	struct writ_arena *a;
	char msg[200];
	bool oom;
	unsigned depth;
};

/* The member of object o for a Go field name: exact, else ASCII case-insensitive. */
static const struct rego_val *
member(const struct rego_val *o, const char *name)
{
	const struct rego_val *v = rego_object_get_str(o, name, strlen(name));
	size_t i, n = strlen(name);

	if (v != NULL)
		return v;
	for (i = 0; i < o->len; i++) {
		const struct rego_val *k = o->u.kvs[i].key;

		if (k->type == REGO_STRING && k->len == n && strncasecmp(k->u.s, name, n) == 0)
			return o->u.kvs[i].val;
	}
	return NULL;
}

static bool
d_fail(struct dec *d, const struct rego_val *v, const char *strct, const char *field,
    const char *gotype)
{
	if (d->msg[0] == '\0')
		snprintf(d->msg, sizeof(d->msg),
		    "json: cannot unmarshal %s into Go struct field %s.%s of type %s",
		    v->type == REGO_BOOL ? "bool" : rego_type_name(v), strct, field, gotype);
	return false;
}

static bool
d_str(struct dec *d, const struct rego_val *o, const char *strct, const char *field,
    struct gql_str *out)
{
	const struct rego_val *v = member(o, field);
	char *s;

	out->s = "";
	out->len = 0;
	if (v == NULL || v->type == REGO_NULL)
		return true;
	if (v->type != REGO_STRING)
		return d_fail(d, v, strct, field, "string");
	if ((s = writ_arena_strndup(d->a, v->u.s, v->len)) == NULL) {
		d->oom = true;
		return false;
	}
	out->s = s;
	out->len = v->len;
	return true;
}

static bool
d_bool(struct dec *d, const struct rego_val *o, const char *strct, const char *field, bool *out)
{
	const struct rego_val *v = member(o, field);

	*out = false;
	if (v == NULL || v->type == REGO_NULL)
		return true;
	if (v->type != REGO_BOOL)
		return d_fail(d, v, strct, field, "bool");
	*out = v->u.b;
	return true;
}

typedef bool (*dec_fn)(struct dec *d, const struct rego_val *v, void **out);

/* A list of objects (or strings, with fn NULL). */
static bool
d_list(struct dec *d, const struct rego_val *o, const char *strct, const char *field, dec_fn fn,
    struct gql_list *out)
{
	const struct rego_val *v = member(o, field);
	size_t i;

	memset(out, 0, sizeof(*out));
	if (v == NULL || v->type == REGO_NULL)
		return true;
	if (v->type != REGO_ARRAY)
		return d_fail(d, v, strct, field, "list");
	for (i = 0; i < v->len; i++) {
		const struct rego_val *e = v->u.elems[i];
		void *item;

		if (fn == NULL) {
			struct gql_str *s = writ_arena_calloc(d->a, 1, sizeof(*s));

			if (s == NULL) {
				d->oom = true;
				return false;
			}
			if (e->type != REGO_STRING && e->type != REGO_NULL)
				return d_fail(d, e, strct, field, "string");
			s->s = e->type == REGO_STRING ? e->u.s : "";
			s->len = e->type == REGO_STRING ? e->len : 0;
			item = s;
		} else if (e->type != REGO_OBJECT) {
			return d_fail(d, e, strct, field, "struct");
		} else if (!fn(d, e, &item)) {
			return false;
		}
		if (!gql_list_push(d->a, out, item)) {
			d->oom = true;
			return false;
		}
	}
	return true;
}

/* A pointer to a struct: absent or null is NULL. */
static bool
d_ptr(struct dec *d, const struct rego_val *o, const char *strct, const char *field, dec_fn fn,
    void **out)
{
	const struct rego_val *v = member(o, field);

	*out = NULL;
	if (v == NULL || v->type == REGO_NULL)
		return true;
	if (v->type != REGO_OBJECT)
		return d_fail(d, v, strct, field, "struct");
	return fn(d, v, out);
}

static void *
d_new(struct dec *d, size_t len)
{
	void *p = writ_arena_calloc(d->a, 1, len);

	if (p == NULL)
		d->oom = true;
	return p;
}

static bool
d_enter(struct dec *d)
{
	if (++d->depth > GQL_MAX_DEPTH * 4) {
		snprintf(
		    d->msg, sizeof(d->msg), "AST nested deeper than %d levels", GQL_MAX_DEPTH * 4);
		return false;
	}
	return true;
}

static bool dec_value(struct dec *d, const struct rego_val *v, void **out);

static bool
dec_child(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_child *c = d_new(d, sizeof(*c));

	if (c == NULL || !d_str(d, v, "ChildValue", "Name", &c->name) ||
	    !d_ptr(d, v, "ChildValue", "Value", dec_value, (void **)&c->value))
		return false;
	*out = c;
	return true;
}

static bool
dec_value(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_value *x = d_new(d, sizeof(*x));
	const struct rego_val *k;
	bool ok;

	if (x == NULL || !d_enter(d))
		return false;
	ok = d_str(d, v, "Value", "Raw", &x->raw) &&
	    d_list(d, v, "Value", "Children", dec_child, &x->children);
	d->depth--;
	if (!ok)
		return false;
	if ((k = member(v, "Kind")) != NULL && k->type != REGO_NULL) {
		int64_t i;

		if (k->type != REGO_NUMBER || !rego_num_i64(k, &i))
			return d_fail(d, k, "Value", "Kind", "ast.ValueKind");
		x->kind = i;
	}
	*out = x;
	return true;
}

static bool
dec_type(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_type *t = d_new(d, sizeof(*t));
	bool ok;

	if (t == NULL || !d_enter(d))
		return false;
	ok = d_str(d, v, "Type", "NamedType", &t->named) &&
	    d_ptr(d, v, "Type", "Elem", dec_type, (void **)&t->elem) &&
	    d_bool(d, v, "Type", "NonNull", &t->nonnull);
	d->depth--;
	*out = t;
	return ok;
}

static bool
dec_arg(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_arg *a = d_new(d, sizeof(*a));

	*out = a;
	return a != NULL && d_str(d, v, "Argument", "Name", &a->name) &&
	    d_ptr(d, v, "Argument", "Value", dec_value, (void **)&a->value);
}

static bool
dec_dir(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_dir *x = d_new(d, sizeof(*x));
	struct gql_str loc;

	*out = x;
	if (x == NULL || !d_str(d, v, "Directive", "Name", &x->name) ||
	    !d_list(d, v, "Directive", "Arguments", dec_arg, &x->args) ||
	    !d_str(d, v, "Directive", "Location", &loc))
		return false;
	x->location = loc.s;
	return true;
}

static bool dec_sel(struct dec *d, const struct rego_val *v, void **out);

/* gqlparser's UnmarshalSelectionSet: a Field if that decodes, else a spread, else inline. */
static bool
dec_sel(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_sel *s = d_new(d, sizeof(*s));
	char saved[sizeof(d->msg)];

	*out = s;
	if (s == NULL || !d_enter(d))
		return false;
	memcpy(saved, d->msg, sizeof(saved));
	s->kind = GQL_SEL_FIELD;
	s->typecond.s = "";
	if (d_str(d, v, "Field", "Alias", &s->alias) && d_str(d, v, "Field", "Name", &s->name) &&
	    d_list(d, v, "Field", "Arguments", dec_arg, &s->args) &&
	    d_list(d, v, "Field", "Directives", dec_dir, &s->dirs) &&
	    d_list(d, v, "Field", "SelectionSet", dec_sel, &s->sels))
		goto ok;
	if (d->oom)
		return false;
	memcpy(d->msg, saved, sizeof(saved));
	memset(s, 0, sizeof(*s));
	s->kind = GQL_SEL_SPREAD;
	s->alias.s = s->typecond.s = "";
	if (d_str(d, v, "FragmentSpread", "Name", &s->name) &&
	    d_list(d, v, "FragmentSpread", "Directives", dec_dir, &s->dirs))
		goto ok;
	if (d->oom)
		return false;
	memcpy(d->msg, saved, sizeof(saved));
	memset(s, 0, sizeof(*s));
	s->kind = GQL_SEL_INLINE;
	s->alias.s = s->name.s = "";
	if (d_str(d, v, "InlineFragment", "TypeCondition", &s->typecond) &&
	    d_list(d, v, "InlineFragment", "Directives", dec_dir, &s->dirs) &&
	    d_list(d, v, "InlineFragment", "SelectionSet", dec_sel, &s->sels))
		goto ok;
	if (!d->oom && d->msg[0] == '\0')
		snprintf(d->msg, sizeof(d->msg), "unable to unmarshal selection");
	return false;
ok:
	d->depth--;
	return true;
}

static bool
dec_vardef(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_vardef *x = d_new(d, sizeof(*x));

	*out = x;
	return x != NULL && d_str(d, v, "VariableDefinition", "Variable", &x->var) &&
	    d_ptr(d, v, "VariableDefinition", "Type", dec_type, (void **)&x->type) &&
	    d_ptr(d, v, "VariableDefinition", "DefaultValue", dec_value, (void **)&x->defval) &&
	    d_list(d, v, "VariableDefinition", "Directives", dec_dir, &x->dirs) &&
	    d_bool(d, v, "VariableDefinition", "Used", &x->used);
}

static bool
dec_op(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_opdef *x = d_new(d, sizeof(*x));

	*out = x;
	return x != NULL && d_str(d, v, "OperationDefinition", "Operation", &x->op) &&
	    d_str(d, v, "OperationDefinition", "Name", &x->name) &&
	    d_list(d, v, "OperationDefinition", "VariableDefinitions", dec_vardef, &x->vars) &&
	    d_list(d, v, "OperationDefinition", "Directives", dec_dir, &x->dirs) &&
	    d_list(d, v, "OperationDefinition", "SelectionSet", dec_sel, &x->sels);
}

static bool
dec_frag(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_frag *x = d_new(d, sizeof(*x));

	*out = x;
	return x != NULL && d_str(d, v, "FragmentDefinition", "Name", &x->name) &&
	    d_list(d, v, "FragmentDefinition", "VariableDefinition", dec_vardef, &x->vars) &&
	    d_str(d, v, "FragmentDefinition", "TypeCondition", &x->typecond) &&
	    d_list(d, v, "FragmentDefinition", "Directives", dec_dir, &x->dirs) &&
	    d_list(d, v, "FragmentDefinition", "SelectionSet", dec_sel, &x->sels);
}

static bool
dec_fielddef(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_fielddef *x = d_new(d, sizeof(*x));
	bool ok;

	*out = x;
	if (x == NULL || !d_enter(d))
		return false;
	ok = d_str(d, v, "FieldDefinition", "Description", &x->desc) &&
	    d_str(d, v, "FieldDefinition", "Name", &x->name) &&
	    d_list(d, v, "FieldDefinition", "Arguments", dec_fielddef, &x->args) &&
	    d_ptr(d, v, "FieldDefinition", "DefaultValue", dec_value, (void **)&x->defval) &&
	    d_ptr(d, v, "FieldDefinition", "Type", dec_type, (void **)&x->type) &&
	    d_list(d, v, "FieldDefinition", "Directives", dec_dir, &x->dirs);
	d->depth--;
	return ok;
}

static bool
dec_enumval(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_enumval *x = d_new(d, sizeof(*x));

	*out = x;
	return x != NULL && d_str(d, v, "EnumValueDefinition", "Description", &x->desc) &&
	    d_str(d, v, "EnumValueDefinition", "Name", &x->name) &&
	    d_list(d, v, "EnumValueDefinition", "Directives", dec_dir, &x->dirs);
}

static bool
dec_def(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_def *x = d_new(d, sizeof(*x));

	*out = x;
	return x != NULL && d_str(d, v, "Definition", "Kind", &x->kind) &&
	    d_str(d, v, "Definition", "Description", &x->desc) &&
	    d_str(d, v, "Definition", "Name", &x->name) &&
	    d_list(d, v, "Definition", "Directives", dec_dir, &x->dirs) &&
	    d_list(d, v, "Definition", "Interfaces", NULL, &x->ifaces) &&
	    d_list(d, v, "Definition", "Fields", dec_fielddef, &x->fields) &&
	    d_list(d, v, "Definition", "Types", NULL, &x->types) &&
	    d_list(d, v, "Definition", "EnumValues", dec_enumval, &x->enumvals) &&
	    d_bool(d, v, "Definition", "BuiltIn", &x->builtin);
}

static bool
dec_optype(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_optype *x = d_new(d, sizeof(*x));

	*out = x;
	return x != NULL && d_str(d, v, "OperationTypeDefinition", "Operation", &x->op) &&
	    d_str(d, v, "OperationTypeDefinition", "Type", &x->type);
}

static bool
dec_schemadef(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_schemadef *x = d_new(d, sizeof(*x));

	*out = x;
	return x != NULL && d_str(d, v, "SchemaDefinition", "Description", &x->desc) &&
	    d_list(d, v, "SchemaDefinition", "Directives", dec_dir, &x->dirs) &&
	    d_list(d, v, "SchemaDefinition", "OperationTypes", dec_optype, &x->optypes);
}

static bool
dec_dirdef(struct dec *d, const struct rego_val *v, void **out)
{
	struct gql_dirdef *x = d_new(d, sizeof(*x));

	*out = x;
	return x != NULL && d_str(d, v, "DirectiveDefinition", "Description", &x->desc) &&
	    d_str(d, v, "DirectiveDefinition", "Name", &x->name) &&
	    d_list(d, v, "DirectiveDefinition", "Arguments", dec_fielddef, &x->args) &&
	    d_list(d, v, "DirectiveDefinition", "Locations", NULL, &x->locs) &&
	    d_bool(d, v, "DirectiveDefinition", "IsRepeatable", &x->repeatable);
}

/* ---------------------------------------------------------------------------
 * The builtins.
 */

/* OPA's rewrite of a gqlparser error list: "msg in GraphQL string at location L:C". */
static enum rego_bres
gql_berr(struct rego_bctx *c, const struct gql_errs *e, bool trim)
{
	const char *s = e->text, *p1, *p2, *p3, *msg;
	size_t mlen;

	if (e->oom)
		return ext_oom(c);
	p1 = memchr(s, ':', e->len);
	p2 = p1 != NULL ? memchr(p1 + 1, ':', e->len - (size_t)(p1 + 1 - s)) : NULL;
	p3 = p2 != NULL ? memchr(p2 + 1, ':', e->len - (size_t)(p2 + 1 - s)) : NULL;
	if (p3 == NULL)
		return rego_berr(c, "%.*s", (int)e->len, s);
	msg = p3 + 1;
	while (*msg == ' ')
		msg++;
	mlen = e->len - (size_t)(msg - s);
	if (trim && mlen >= 2 && msg[mlen - 2] == '.' && msg[mlen - 1] == '\n')
		mlen -= 2;
	else if (!trim && mlen >= 1 && msg[mlen - 1] == '\n')
		mlen -= 1; /* a parse error is one error, not a list */
	return rego_berr(c, "%.*s in GraphQL string at location %.*s:%.*s", (int)mlen, msg,
	    (int)(p2 - p1 - 1), p1 + 1, (int)(p3 - p2 - 1), p2 + 1);
}

enum doc_res {
	DOC_OK,
	DOC_TYPE,
	DOC_ERR
};

/* A query given as a string or an AST object.  On DOC_ERR, *errres is the builtin error. */
static enum doc_res
get_query(
    struct rego_bctx *c, const struct rego_val *v, struct gql_qdoc **out, enum rego_bres *errres)
{
	struct gql_errs e = {.len = 0};
	struct dec d = {.a = c->arena};
	struct gql_qdoc *q;

	if (v->type == REGO_STRING) {
		if (v->len > GQL_MAX_SOURCE) {
			*errres = rego_berr(c, "query longer than %u bytes", GQL_MAX_SOURCE);
			return DOC_ERR;
		}
		if (!gql_parse_query(c->arena, v->u.s, v->len, out, &e)) {
			*errres = gql_berr(c, &e, false);
			return DOC_ERR;
		}
		return DOC_OK;
	}
	if (v->type != REGO_OBJECT)
		return DOC_TYPE;
	if ((q = d_new(&d, sizeof(*q))) == NULL ||
	    !d_list(&d, v, "QueryDocument", "Operations", dec_op, &q->ops) ||
	    !d_list(&d, v, "QueryDocument", "Fragments", dec_frag, &q->frags)) {
		*errres = d.oom ? ext_oom(c) : rego_berr(c, "%s", d.msg);
		return DOC_ERR;
	}
	*out = q;
	return DOC_OK;
}

static enum doc_res
get_schema(
    struct rego_bctx *c, const struct rego_val *v, struct gql_sdoc **out, enum rego_bres *errres)
{
	struct gql_errs e = {.len = 0};
	struct dec d = {.a = c->arena};
	struct gql_sdoc *s;

	if (v->type == REGO_STRING) {
		if (v->len > GQL_MAX_SOURCE) {
			*errres = rego_berr(c, "schema longer than %u bytes", GQL_MAX_SOURCE);
			return DOC_ERR;
		}
		if (!gql_parse_schema(c->arena, v->u.s, v->len, false, out, &e)) {
			*errres = gql_berr(c, &e, false);
			return DOC_ERR;
		}
		return DOC_OK;
	}
	if (v->type != REGO_OBJECT)
		return DOC_TYPE;
	if ((s = d_new(&d, sizeof(*s))) == NULL ||
	    !d_list(&d, v, "SchemaDocument", "Schema", dec_schemadef, &s->schema) ||
	    !d_list(&d, v, "SchemaDocument", "SchemaExtension", dec_schemadef, &s->schemaext) ||
	    !d_list(&d, v, "SchemaDocument", "Directives", dec_dirdef, &s->dirs) ||
	    !d_list(&d, v, "SchemaDocument", "Definitions", dec_def, &s->defs) ||
	    !d_list(&d, v, "SchemaDocument", "Extensions", dec_def, &s->exts)) {
		*errres = d.oom ? ext_oom(c) : rego_berr(c, "%s", d.msg);
		return DOC_ERR;
	}
	*out = s;
	return DOC_OK;
}

/* Schema conversion errors keep gqlparser's own text, wrapped as OPA wraps them. */
static enum rego_bres
schema_berr(struct rego_bctx *c, const struct gql_errs *e)
{
	size_t len = e->len;

	if (e->oom)
		return ext_oom(c);
	if (len > 0 && e->text[len - 1] == '\n')
		len--;
	return rego_berr(
	    c, "Error in gqlparser SchemaDocument to Schema conversion: %.*s", (int)len, e->text);
}

/*
 * The common path of graphql.parse and friends: both documents, their
 * values, the schema and the validation.  On failure *res is the error.
 */
static bool
parse_verify(struct rego_bctx *c, const struct rego_val *const *args, bool typeerr,
    const struct rego_val **qv, const struct rego_val **sv, enum rego_bres *res)
{
	struct gql_errs e = {.len = 0};
	struct conv cv = {.a = c->arena};
	struct gql_schema *schema;
	struct gql_qdoc *q;
	struct gql_sdoc *s;
	enum doc_res r;

	if ((r = get_query(c, args[0], &q, res)) != DOC_OK) {
		if (r == DOC_TYPE)
			*res = typeerr ? rego_berr_operand(c, 0, "one of {string, object}", args[0])
			               : REGO_B_UNDEF;
		return false;
	}
	if ((r = get_schema(c, args[1], &s, res)) != DOC_OK) {
		if (r == DOC_TYPE)
			*res = typeerr ? rego_berr_operand(c, 1, "one of {string, object}", args[1])
			               : REGO_B_UNDEF;
		return false;
	}
	*qv = c_qdoc(&cv, q);
	*sv = c_sdoc(&cv, s);
	if (cv.oom) {
		*res = ext_oom(c);
		return false;
	}
	if (!gql_schema_build(c->arena, s, &schema, &e)) {
		*res = schema_berr(c, &e);
		return false;
	}
	if (!gql_validate(c->arena, schema, q, &e)) {
		*res = gql_berr(c, &e, true);
		return false;
	}
	return true;
}

static enum rego_bres
bi_parse(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *v[2];
	enum rego_bres res;
	struct writ_err e;

	if (!parse_verify(c, args, true, &v[0], &v[1], &res))
		return res;
	EXT_TRY(c, rego_array(c->arena, v, 2, out, &e));
	return REGO_B_OK;
}

static enum rego_bres
bi_parse_and_verify(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *v[3];
	enum rego_bres res = REGO_B_OK;
	struct writ_err e;

	if (!parse_verify(c, args, false, &v[1], &v[2], &res)) {
		if (res == REGO_B_ERR && strcmp(c->err->code, "eval_builtin_error") != 0)
			return res; /* out of memory */
		v[0] = rego_bool(false);
		v[1] = v[2] = &rego_empty_object_val;
	} else {
		v[0] = rego_bool(true);
	}
	EXT_TRY(c, rego_array(c->arena, v, 3, out, &e));
	return REGO_B_OK;
}

static enum rego_bres
bi_is_valid(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *qv, *sv;
	enum rego_bres res = REGO_B_OK;
	bool ok = parse_verify(c, args, false, &qv, &sv, &res);

	if (!ok && res == REGO_B_ERR && strcmp(c->err->code, "eval_builtin_error") != 0)
		return res;
	*out = rego_bool(ok);
	return REGO_B_OK;
}

static enum rego_bres
bi_parse_query(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct conv cv = {.a = c->arena};
	struct gql_qdoc *q;
	enum rego_bres res;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (get_query(c, args[0], &q, &res) != DOC_OK)
		return res;
	if ((*out = c_qdoc(&cv, q)) == NULL)
		return ext_oom(c);
	return REGO_B_OK;
}

static enum rego_bres
bi_parse_schema(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct conv cv = {.a = c->arena};
	struct gql_sdoc *s;
	enum rego_bres res;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (get_schema(c, args[0], &s, &res) != DOC_OK)
		return res;
	if ((*out = c_sdoc(&cv, s)) == NULL)
		return ext_oom(c);
	return REGO_B_OK;
}

static enum rego_bres
bi_schema_is_valid(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct gql_errs e = {.len = 0};
	struct gql_schema *schema;
	struct gql_sdoc *s;
	enum rego_bres res;
	enum doc_res r;

	if ((r = get_schema(c, args[0], &s, &res)) != DOC_OK) {
		if (r == DOC_ERR && strcmp(c->err->code, "eval_builtin_error") != 0)
			return res;
		*out = rego_bool(false);
		return REGO_B_OK;
	}
	if (!gql_schema_build(c->arena, s, &schema, &e) && e.oom)
		return ext_oom(c);
	*out = rego_bool(e.n == 0 && !e.oom);
	return REGO_B_OK;
}

static const struct rego_builtin graphql_builtins[] = {
    {"graphql.is_valid", 2, bi_is_valid, 0},
    {"graphql.parse", 2, bi_parse, 0},
    {"graphql.parse_and_verify", 2, bi_parse_and_verify, 0},
    {"graphql.parse_query", 1, bi_parse_query, 0},
    {"graphql.parse_schema", 1, bi_parse_schema, 0},
    {"graphql.schema_is_valid", 1, bi_schema_is_valid, 0},
};

const struct rego_builtin_family rego_family_graphql = {
    "graphql", graphql_builtins, WRIT_ARRAY_LEN(graphql_builtins)};
