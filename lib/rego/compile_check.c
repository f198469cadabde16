/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checks on a compiled bundle that OPA's compiler makes before evaluation,
 * and the safety reordering of bodies:
 *   - every call names a function that exists (user function, evaluator
 *     builtin or registry builtin) with a fitting number of arguments
 *     (rego_type_error);
 *   - every body is reordered so that each expression runs once the
 *     variables it needs are bound, keeping source order otherwise, as
 *     OPA's reorderBodyForSafety does; a variable nothing can bind is a
 *     rego_unsafe_var_error;
 *   - rules do not depend on themselves (rego_recursion_error).
 * Bodies are reordered in place: the bundle is not shared until compiled.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "writ/base.h"

#include "rego/eval.h"

struct ck {
	const struct writ_rego_bundle *b;
	const struct rego_cmod *mod; /* NULL for a query */
	struct writ_arena *a;
	struct writ_rego_error *err;
	writ_rc rc;
	const struct rego_body *top; /* the body of the rule being checked */
};

static writ_rc check_body(struct ck *c, struct rego_body *body, struct rego_nameset *safe);
static writ_rc check_term(struct ck *c, const struct rego_term *t, struct rego_nameset *safe);

static void ck_err(struct ck *c, const char *code, const struct rego_loc *loc, const char *fmt, ...)
    WRIT_PRINTF(4, 5);

static void
ck_err(struct ck *c, const char *code, const struct rego_loc *loc, const char *fmt, ...)
{
	struct writ_rego_error *err = c->err;
	va_list ap;

	if (c->rc != WRIT_OK)
		return;
	c->rc = WRIT_EINVAL;
	memset(err, 0, sizeof(*err));
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	if (loc != NULL && loc->file != NULL) {
		snprintf(err->file, sizeof(err->file), "%s", loc->file);
		err->row = (int)loc->line;
		err->col = (int)loc->col;
	}
}

/* ---------------------------------------------------------------------------
 * Variable sets.
 */

static bool
vs_copy(struct rego_nameset *dst, const struct rego_nameset *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		if (!rego_ns_add(dst, src->v[i]))
			return false;
	return true;
}

/* ---------------------------------------------------------------------------
 * Names and variables of terms.
 */

/* True if name is not a local: input, data, a rule of the package, an import. */
static bool
is_global(const struct ck *c, const char *name)
{
	struct rego_ev e = {.b = c->b, .mod = c->mod};
	struct rego_res r;

	if (strcmp(name, "input") == 0 || strcmp(name, "data") == 0)
		return true;
	return c->mod != NULL && rego_ev_resolve(&e, name, &r);
}

static bool
is_wild(const struct rego_term *t)
{
	return (t->flags & REGO_TF_WILDCARD) || strcmp(t->text, "_") == 0;
}

static bool add_local(struct ck *c, struct rego_nameset *s, const struct rego_term *t);

/* All variables of t (not inside closures, not the operators of calls). */
static bool
all_vars(struct ck *c, const struct rego_term *t, struct rego_nameset *s)
{
	size_t i;

	switch (t->kind) {
	case REGO_T_VAR:
		return add_local(c, s, t);
	case REGO_T_REF:
	case REGO_T_ARRAY:
	case REGO_T_SET:
	case REGO_T_CALL:
		for (i = t->kind == REGO_T_CALL ? 1 : 0; i < t->items.n; i++)
			if (!all_vars(c, t->items.v[i], s))
				return false;
		return true;
	case REGO_T_OBJECT:
		for (i = 0; i < t->items.n; i++)
			if (!all_vars(c, t->keys.v[i], s) || !all_vars(c, t->items.v[i], s))
				return false;
		return true;
	case REGO_T_TEMPLATE:
		for (i = 0; i < t->parts.n; i++)
			if (t->parts.v[i]->term != NULL && !all_vars(c, t->parts.v[i]->term, s))
				return false;
		return true;
	default:
		return true;
	}
}

static bool
add_local(struct ck *c, struct rego_nameset *s, const struct rego_term *t)
{
	if (is_wild(t) || is_global(c, t->text))
		return true;
	return rego_ns_add(s, t->text);
}

/* Variables a unification with t can bind. */
static bool
bindable(struct ck *c, const struct rego_term *t, struct rego_nameset *s, bool declare)
{
	size_t i;

	switch (t->kind) {
	case REGO_T_VAR:
		if (declare)
			return is_wild(t) || rego_ns_add(s, t->text);
		return add_local(c, s, t);
	case REGO_T_ARRAY:
		for (i = 0; i < t->items.n; i++)
			if (!bindable(c, t->items.v[i], s, declare))
				return false;
		return true;
	case REGO_T_OBJECT:
		for (i = 0; i < t->items.n; i++)
			if (!bindable(c, t->items.v[i], s, declare))
				return false;
		return true;
	default:
		return true;
	}
}

/* Variables bound by iterating refs anywhere in t (their operands). */
static bool
ref_vars(struct ck *c, const struct rego_term *t, struct rego_nameset *s)
{
	size_t i;

	switch (t->kind) {
	case REGO_T_REF:
		for (i = 1; i < t->items.n; i++)
			if (!bindable(c, t->items.v[i], s, false) || !ref_vars(c, t->items.v[i], s))
				return false;
		return ref_vars(c, t->items.v[0], s);
	case REGO_T_ARRAY:
	case REGO_T_SET:
	case REGO_T_CALL:
		for (i = t->kind == REGO_T_CALL ? 1 : 0; i < t->items.n; i++)
			if (!ref_vars(c, t->items.v[i], s))
				return false;
		return true;
	case REGO_T_OBJECT:
		for (i = 0; i < t->items.n; i++)
			if (!ref_vars(c, t->keys.v[i], s) || !ref_vars(c, t->items.v[i], s))
				return false;
		return true;
	default:
		return true;
	}
}

/* ---------------------------------------------------------------------------
 * Functions.
 */

/* The arity of what op calls, or -1 if nothing of that name exists. */
static int
func_arity(struct ck *c, const struct rego_term *op, const char **namep)
{
	struct rego_ev e = {.b = c->b, .mod = c->mod, .a = c->a};
	const struct rego_node *n = rego_ev_func_node(&e, op);
	const struct rego_builtin *bi;
	const char *name = rego_ev_op_name(&e, op);
	int na;

	*namep = name != NULL ? name : "(unnamed)";
	if (n != NULL)
		return (int)n->arity;
	if (name == NULL)
		return -1;
	if (strcmp(name, "eq") == 0 || strcmp(name, "assign") == 0 || strcmp(name, "walk") == 0)
		return strcmp(name, "walk") == 0 ? 1 : 2;
	if (strcmp(name, "print") == 0 || strcmp(name, "internal.print") == 0)
		return 1000;
	if ((na = rego_ev_native_arity(name)) >= 0)
		return na;
	if ((bi = rego_builtin_lookup(name, strlen(name))) != NULL)
		return (int)bi->nargs;
	return -1;
}

/* Check a call and report whether its last argument is an output. */
static bool
check_call(struct ck *c, const struct rego_term *t, bool *has_out)
{
	const char *name;
	int ar = func_arity(c, t->items.v[0], &name);
	size_t nargs = t->items.n - 1;

	*has_out = false;
	if (ar < 0) {
		ck_err(c, "rego_type_error", &t->loc, "undefined function %s", name);
		return false;
	}
	if (ar == 1000)
		return true;
	if (nargs == (size_t)ar + 1) {
		*has_out = true;
		return true;
	}
	if (nargs != (size_t)ar) {
		ck_err(c, "rego_type_error", &t->loc, "%s: arity mismatch: have %zu, want %d", name,
		    nargs, ar);
		return false;
	}
	return true;
}

/* ---------------------------------------------------------------------------
 * Expressions: what each needs and binds.
 */

struct xinfo {
	struct rego_nameset need, out;
};

static bool
need_term(struct ck *c, const struct rego_term *t, struct xinfo *xi)
{
	struct rego_nameset all = {.a = c->a}, refs = {.a = c->a};
	size_t i;

	if (!all_vars(c, t, &all) || !ref_vars(c, t, &refs))
		return false;
	for (i = 0; i < all.n; i++)
		if (!rego_ns_has(&refs, all.v[i]) && !rego_ns_add(&xi->need, all.v[i]))
			return false;
	return vs_copy(&xi->out, &refs);
}

static bool
info_call(struct ck *c, const struct rego_expr *x, struct xinfo *xi)
{
	const struct rego_term *t = x->term;
	const char *name;
	bool has_out;
	size_t i, n = t->items.n;

	if (!check_call(c, t, &has_out))
		return false;
	name = rego_ev_op_name(&(struct rego_ev){.a = c->a}, t->items.v[0]);
	if (name != NULL && strcmp(name, "assign") == 0)
		return need_term(c, t->items.v[2], xi) &&
		    bindable(c, t->items.v[1], &xi->out, true);
	if (name != NULL && strcmp(name, "eq") == 0) {
		struct rego_nameset all = {.a = c->a};

		if (!all_vars(c, t->items.v[1], &all) || !all_vars(c, t->items.v[2], &all) ||
		    !bindable(c, t->items.v[1], &xi->out, false) ||
		    !bindable(c, t->items.v[2], &xi->out, false) ||
		    !ref_vars(c, t->items.v[1], &xi->out) || !ref_vars(c, t->items.v[2], &xi->out))
			return false;
		for (i = 0; i < all.n; i++)
			if (!rego_ns_has(&xi->out, all.v[i]) && !rego_ns_add(&xi->need, all.v[i]))
				return false;
		return true;
	}
	for (i = 1; i < n; i++) {
		if (has_out && i == n - 1)
			return bindable(c, t->items.v[i], &xi->out, false) &&
			    ref_vars(c, t->items.v[i], &xi->out);
		if (!need_term(c, t->items.v[i], xi))
			return false;
	}
	return true;
}

static bool
info(struct ck *c, const struct rego_expr *x, struct xinfo *xi)
{
	size_t i;

	for (i = 0; i < x->with.n; i++) {
		const struct rego_term *v = x->with.v[i]->value;
		const char *name;

		if ((v->kind == REGO_T_VAR || v->kind == REGO_T_REF) &&
		    func_arity(c, v, &name) >= 0)
			continue; /* a function replacing another */
		if (!all_vars(c, v, &xi->need))
			return false;
	}
	switch (x->kind) {
	case REGO_E_SOME:
		return true;
	case REGO_E_SOME_IN: {
		const struct rego_term *t = x->term;

		for (i = 1; i + 1 < t->items.n; i++)
			if (!bindable(c, t->items.v[i], &xi->out, true))
				return false;
		return t->items.n < 2 || need_term(c, t->items.v[t->items.n - 1], xi);
	}
	case REGO_E_EVERY:
		return need_term(c, x->domain, xi);
	case REGO_E_TERM:
		if (x->term->kind != REGO_T_CALL)
			return need_term(c, x->term, xi);
		/* fall through */
	case REGO_E_CALL:
		return info_call(c, x, xi);
	}
	return true;
}

/* ---------------------------------------------------------------------------
 * Bodies.
 */

/* Check the closures inside t (comprehensions, templates) with the safe set at that point. */
static writ_rc
check_term(struct ck *c, const struct rego_term *t, struct rego_nameset *safe)
{
	struct rego_nameset inner = {.a = c->a};
	bool has_out;
	size_t i;
	writ_rc rc;

	if (t->kind == REGO_T_CALL && !check_call(c, t, &has_out))
		return c->rc;
	switch (t->kind) {
	case REGO_T_TEMPLATE:
		for (i = 0; i < t->parts.n; i++)
			if (t->parts.v[i]->term != NULL &&
			    (rc = check_term(c, t->parts.v[i]->term, safe)) != WRIT_OK)
				return rc;
		return WRIT_OK;
	case REGO_T_ARRAY_COMPR:
	case REGO_T_SET_COMPR:
	case REGO_T_OBJECT_COMPR:
		if (!vs_copy(&inner, safe))
			return c->rc = WRIT_ENOMEM;
		if ((rc = check_body(c, t->body, &inner)) != WRIT_OK)
			return rc;
		if (t->key != NULL && (rc = check_term(c, t->key, &inner)) != WRIT_OK)
			return rc;
		return check_term(c, t->head, &inner);
	case REGO_T_REF:
	case REGO_T_ARRAY:
	case REGO_T_SET:
	case REGO_T_CALL:
		for (i = t->kind == REGO_T_CALL ? 1 : 0; i < t->items.n; i++)
			if ((rc = check_term(c, t->items.v[i], safe)) != WRIT_OK)
				return rc;
		return WRIT_OK;
	case REGO_T_OBJECT:
		for (i = 0; i < t->items.n; i++)
			if ((rc = check_term(c, t->keys.v[i], safe)) != WRIT_OK ||
			    (rc = check_term(c, t->items.v[i], safe)) != WRIT_OK)
				return rc;
		return WRIT_OK;
	default:
		return WRIT_OK;
	}
}

/* The first variable of need that is not safe, or NULL. */
static const char *
unsafe_var(const struct xinfo *xi, const struct rego_nameset *safe)
{
	size_t i;

	for (i = 0; i < xi->need.n; i++)
		if (!rego_ns_has(safe, xi->need.v[i]))
			return xi->need.v[i];
	return NULL;
}

/* `with` targets: input, data, or a function that exists. */
static writ_rc
check_with(struct ck *c, const struct rego_expr *x)
{
	size_t i;

	for (i = 0; i < x->with.n; i++) {
		const struct rego_term *t = x->with.v[i]->target;
		const struct rego_term *h = t->kind == REGO_T_REF ? t->items.v[0] : t;
		const char *name;

		if (h->kind == REGO_T_VAR &&
		    (strcmp(h->text, "input") == 0 || strcmp(h->text, "data") == 0))
			continue;
		if ((t->kind == REGO_T_VAR || t->kind == REGO_T_REF) &&
		    func_arity(c, t, &name) >= 0)
			continue;
		ck_err(c, "rego_compile_error", &x->with.v[i]->loc,
		    "with keyword target must reference existing input, data, or a function");
		return c->rc;
	}
	return WRIT_OK;
}

/* Checks of expression x once scheduled: closures, every, negation. */
static writ_rc
check_scheduled(struct ck *c, struct rego_expr *x, struct rego_nameset *safe)
{
	struct rego_nameset inner = {.a = c->a};
	writ_rc rc;

	if (x->term != NULL && (rc = check_term(c, x->term, safe)) != WRIT_OK)
		return rc;
	if ((rc = check_with(c, x)) != WRIT_OK)
		return rc;
	if (x->kind != REGO_E_EVERY)
		return WRIT_OK;
	if (!vs_copy(&inner, safe) || (x->key != NULL && !bindable(c, x->key, &inner, true)) ||
	    (x->value != NULL && !bindable(c, x->value, &inner, true)))
		return c->rc = WRIT_ENOMEM;
	return check_body(c, x->body, &inner);
}

/* The target of `x := y` (its term), or NULL if x is no assignment. */
static const struct rego_term *
assign_target(const struct rego_expr *x)
{
	const struct rego_term *t = x->term, *op;

	if ((x->kind != REGO_E_CALL && x->kind != REGO_E_TERM) || t == NULL ||
	    t->kind != REGO_T_CALL || t->items.n != 3)
		return NULL;
	op = t->items.v[0];
	if (op->kind == REGO_T_REF && op->items.n == 1)
		op = op->items.v[0];
	return op->kind == REGO_T_VAR && strcmp(op->text, "assign") == 0 ? t->items.v[1] : NULL;
}

/*
 * OPA's declaration rules, in source order: `x := ...` may not assign a
 * variable assigned or declared before in the same body ("var x assigned
 * above"), nor one the body referred to before ("var x referenced above").
 * args holds the variables bound before the body (function arguments).
 */
static writ_rc
check_decls(struct ck *c, const struct rego_body *body, const struct rego_nameset *args)
{
	struct rego_nameset declared = {.a = c->a}, seen = {.a = c->a};
	size_t i, j;

	for (i = 0; i < body->exprs.n; i++) {
		const struct rego_expr *x = body->exprs.v[i];
		const struct rego_term *lhs = assign_target(x);
		struct rego_nameset tv = {.a = c->a};

		if (lhs != NULL && !bindable(c, lhs, &tv, true))
			return c->rc = WRIT_ENOMEM;
		for (j = 0; j < tv.n; j++) {
			const char *v = tv.v[j];

			if (rego_ns_has(&declared, v) || (args != NULL && rego_ns_has(args, v))) {
				ck_err(
				    c, "rego_compile_error", &x->loc, "var %s assigned above", v);
				return c->rc;
			}
			if (rego_ns_has(&seen, v)) {
				ck_err(
				    c, "rego_compile_error", &x->loc, "var %s referenced above", v);
				return c->rc;
			}
			if (!rego_ns_add(&declared, v))
				return c->rc = WRIT_ENOMEM;
		}
		for (j = 0; j < x->vars.n; j++)
			if (!bindable(c, x->vars.v[j], &declared, true))
				return c->rc = WRIT_ENOMEM;
		if (x->term != NULL && lhs == NULL && !all_vars(c, x->term, &seen))
			return c->rc = WRIT_ENOMEM;
		if (lhs != NULL && !all_vars(c, x->term->items.v[2], &seen))
			return c->rc = WRIT_ENOMEM;
	}
	return WRIT_OK;
}

static writ_rc
check_body(struct ck *c, struct rego_body *body, struct rego_nameset *safe)
{
	size_t n = body != NULL ? body->exprs.n : 0, i, done = 0, first = 0;
	struct xinfo *xi;
	struct rego_expr **order;
	bool *used;
	writ_rc rc;

	if (n == 0)
		return WRIT_OK;
	if ((rc = check_decls(c, body, body == c->top ? safe : NULL)) != WRIT_OK)
		return rc;
	xi = writ_arena_calloc(c->a, n, sizeof(*xi));
	order = writ_arena_calloc(c->a, n, sizeof(*order));
	used = writ_arena_calloc(c->a, n, sizeof(*used));
	if (xi == NULL || order == NULL || used == NULL)
		return c->rc = WRIT_ENOMEM;
	for (i = 0; i < n; i++) {
		xi[i].need.a = xi[i].out.a = c->a;
		if (!info(c, body->exprs.v[i], &xi[i]))
			return c->rc != WRIT_OK ? c->rc : (c->rc = WRIT_ENOMEM);
		if (body->exprs.v[i]->negated) {
			/* A negation binds nothing: every variable in it must be bound before. */
			if (!vs_copy(&xi[i].need, &xi[i].out))
				return c->rc = WRIT_ENOMEM;
			rego_ns_init(&xi[i].out, c->a);
		}
	}
	while (done < n) {
		while (used[first])
			first++;
		for (i = first; i < n; i++)
			if (!used[i] && unsafe_var(&xi[i], safe) == NULL)
				break;
		if (i == n) {
			for (i = 0; used[i]; i++)
				;
			ck_err(c, "rego_unsafe_var_error", &body->exprs.v[i]->loc,
			    "var %s is unsafe", unsafe_var(&xi[i], safe));
			return c->rc;
		}
		used[i] = true;
		order[done++] = body->exprs.v[i];
		if (body->exprs.v[i]->kind == REGO_E_SOME) {
			size_t j;

			for (j = 0; j < body->exprs.v[i]->vars.n; j++)
				if (!bindable(c, body->exprs.v[i]->vars.v[j], safe, true))
					return c->rc = WRIT_ENOMEM;
		}
		if ((rc = check_scheduled(c, body->exprs.v[i], safe)) != WRIT_OK)
			return rc;
		if (!vs_copy(safe, &xi[i].out))
			return c->rc = WRIT_ENOMEM;
	}
	memcpy(body->exprs.v, order, n * sizeof(*order));
	return WRIT_OK;
}

/* A rule: its arguments are bound; its head must be safe after the body. */
static writ_rc
check_rule(struct ck *c, const struct rego_rule *r, const struct rego_rule *first)
{
	struct rego_nameset safe = {.a = c->a};
	struct xinfo head = {{.a = c->a}, {.a = c->a}};
	const char *bad;
	size_t i;
	writ_rc rc;

	for (i = 0; i < first->args.n; i++)
		if (!bindable(c, first->args.v[i], &safe, true) ||
		    !all_vars(c, first->args.v[i], &safe))
			return c->rc = WRIT_ENOMEM;
	c->top = r->body;
	rc = check_body(c, r->body, &safe);
	c->top = NULL;
	if (rc != WRIT_OK)
		return rc;
	if ((r->value != NULL && !all_vars(c, r->value, &head.need)) ||
	    (r->key != NULL && !all_vars(c, r->key, &head.need)))
		return c->rc = WRIT_ENOMEM;
	if (r->ref->kind == REGO_T_REF)
		for (i = 1; i < r->ref->items.n; i++)
			if (!all_vars(c, r->ref->items.v[i], &head.need))
				return c->rc = WRIT_ENOMEM;
	if ((bad = unsafe_var(&head, &safe)) != NULL) {
		ck_err(c, "rego_unsafe_var_error", &r->loc, "var %s is unsafe", bad);
		return c->rc;
	}
	if (r->value != NULL && (rc = check_term(c, r->value, &safe)) != WRIT_OK)
		return rc;
	if (r->key != NULL && (rc = check_term(c, r->key, &safe)) != WRIT_OK)
		return rc;
	if (r->ref->kind == REGO_T_REF)
		for (i = 1; i < r->ref->items.n; i++)
			if ((rc = check_term(c, r->ref->items.v[i], &safe)) != WRIT_OK)
				return rc;
	return WRIT_OK;
}

writ_rc
rego_check_query(const struct writ_rego_bundle *b, struct writ_arena *a, struct rego_body *q,
    struct writ_rego_error *err)
{
	struct ck c = {.b = b, .a = a, .err = err};
	struct rego_nameset safe = {.a = a};

	return check_body(&c, q, &safe);
}

/*
 * Base data where a rule is defined (at the rule's path, or under it) would
 * hide or be hidden by the rule: OPA's compiler refuses it, "conflicting
 * rule for data path a/b/p found" at the rule.  path holds the segments
 * down to n's parent ("a/b"), v the base document at n (NULL: none).
 */
static void
check_data_conflicts(struct ck *c, const struct rego_node *n, const struct rego_val *v,
    struct writ_buf *path)
{
	size_t i, len = path->len;

	if (v == NULL || c->rc != WRIT_OK)
		return;
	if (n->parent != NULL &&
	    ((len > 0 && writ_buf_append(path, "/", 1) != WRIT_OK) ||
		writ_buf_append(path, n->name, n->namelen) != WRIT_OK)) {
		ck_err(c, "rego_compile_error", NULL, "out of memory");
		return;
	}
	if (n->nrules > 0 || n->deflt != NULL) {
		/* The first definition in the source, as OPA names node.Values[0]. */
		const struct rego_crule *r = n->nrules > 0 ? n->rules[0] : n->deflt;

		if (n->deflt != NULL && n->deflt->mod == r->mod && n->deflt->r->loc.line < r->r->loc.line)
			r = n->deflt;

		ck_err(c, "rego_compile_error", &r->r->loc, "conflicting rule for data path %.*s found",
		    (int)path->len, path->ptr != NULL ? path->ptr : "");
		return;
	}
	for (i = 0; i < n->nkids && c->rc == WRIT_OK; i++) {
		if (!n->kids[i]->has_rules)
			continue;
		/* A scalar or array where rules are below it conflicts with them too. */
		check_data_conflicts(c, n->kids[i],
		    v->type == REGO_OBJECT ? rego_object_get_str(v, n->kids[i]->name, n->kids[i]->namelen)
					   : v,
		    path);
	}
	path->len = len;
}

writ_rc
rego_check_bundle(
    const struct writ_rego_bundle *b, bool data_conflicts, struct writ_rego_error *err)
{
	struct ck c = {.b = b, .err = err};
	size_t i, j;
	writ_rc rc = WRIT_OK;

	if ((c.a = writ_arena_new(0, 0)) == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < b->nmods && rc == WRIT_OK; i++) {
		const struct rego_module *m = b->mods[i].m;

		c.mod = &b->mods[i];
		for (j = 0; j < m->rules.n && rc == WRIT_OK; j++) {
			const struct rego_rule *r;

			for (r = m->rules.v[j]; r != NULL && rc == WRIT_OK; r = r->els)
				rc = check_rule(&c, r, m->rules.v[j]);
		}
	}
	if (rc == WRIT_OK && data_conflicts && b->root != NULL && b->data != NULL) {
		struct writ_buf path;

		writ_buf_init(&path, 0);
		check_data_conflicts(&c, b->root, b->data, &path);
		writ_buf_free(&path);
		rc = c.rc;
	}
	if (rc == WRIT_OK)
		rc = rego_check_recursion(b, err);
	if (rc == WRIT_ENOMEM && err->code[0] == '\0')
		ck_err(&c, "rego_compile_error", NULL, "out of memory");
	writ_arena_free(c.a);
	return rc;
}
