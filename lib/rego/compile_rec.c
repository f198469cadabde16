/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Recursion between rules (rego_recursion_error): a depth-first search over
 * the rule tree where a rule depends on every rule its body and head refer
 * to (data refs, rule names of its package, imports, function calls); a ref
 * with a non-constant operand depends on every rule below its constant
 * prefix.
 */
#include <stdio.h>
#include <string.h>

#include "writ/base.h"

#include "rego/eval.h"

struct rc_state {
	const struct writ_rego_bundle *b;
	const struct rego_cmod *mod;
	uint8_t *state;                 /* per node: 0 new, 1 on the stack, 2 done */
	const struct rego_node **stack; /* the path being searched */
	size_t nstack;
	struct writ_rego_error *err;
	bool found;
	const char **locals; /* names the current rule binds itself (args, :=, some) */
	size_t nlocals, caplocals;
};

static void visit_node(struct rc_state *s, const struct rego_node *n);
static void visit_body(struct rc_state *s, const struct rego_body *b);

/* "data.a.b.p" for node n into buf. */
static void
node_path(const struct rego_node *n, char *buf, size_t len)
{
	char tmp[512];

	if (n->parent == NULL) {
		snprintf(buf, len, "data");
		return;
	}
	node_path(n->parent, tmp, sizeof(tmp));
	snprintf(buf, len, "%.200s.%.50s", tmp, n->name);
}

static void
report(struct rc_state *s, const struct rego_node *n)
{
	char path[256], msg[512] = "";
	size_t i, from = 0, len = 0;

	for (i = 0; i < s->nstack; i++)
		if (s->stack[i] == n)
			from = i;
	for (i = from; i < s->nstack && len < sizeof(msg); i++) {
		node_path(s->stack[i], path, sizeof(path));
		len += (size_t)snprintf(msg + len, sizeof(msg) - len, "%s -> ", path);
	}
	node_path(n, path, sizeof(path));
	if (len < sizeof(msg))
		snprintf(msg + len, sizeof(msg) - len, "%s", path);
	memset(s->err, 0, sizeof(*s->err));
	snprintf(s->err->code, sizeof(s->err->code), "rego_recursion_error");
	snprintf(s->err->message, sizeof(s->err->message), "rule %.100s is recursive: %.380s", path,
	    msg);
	if (n->nrules > 0 && n->rules[0]->r->loc.file != NULL) {
		snprintf(s->err->file, sizeof(s->err->file), "%s", n->rules[0]->r->loc.file);
		s->err->row = (int)n->rules[0]->r->loc.line;
		s->err->col = (int)n->rules[0]->r->loc.col;
	}
	s->found = true;
}

/* Depend on n and, when n holds no rules itself, on every rule below it. */
static void
depend_all(struct rc_state *s, const struct rego_node *n)
{
	size_t i;

	if (s->found)
		return;
	if (n->nrules > 0 || n->deflt != NULL) {
		visit_node(s, n);
		return;
	}
	for (i = 0; i < n->nkids && !s->found; i++)
		depend_all(s, n->kids[i]);
}

/*
 * The rules a ref can reach from node n, operands from i: constant operands
 * select one child, others every child.
 */
static void
depend_ref(struct rc_state *s, const struct rego_node *n, const struct rego_term *t, size_t i)
{
	for (; n != NULL && i < t->items.n && !s->found; i++) {
		const struct rego_term *op = t->items.v[i];
		size_t j;

		if (n->nrules > 0 || n->deflt != NULL)
			break;
		if (op->kind == REGO_T_STRING || op->kind == REGO_T_NUMBER) {
			n = rego_node_child(
			    n, op->text, op->kind == REGO_T_STRING ? op->len : strlen(op->text));
			continue;
		}
		for (j = 0; j < n->nkids && !s->found; j++)
			depend_ref(s, n->kids[j], t, i + 1);
		return;
	}
	if (n != NULL)
		depend_all(s, n);
}

static bool
is_local(const struct rc_state *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nlocals; i++)
		if (strcmp(s->locals[i], name) == 0)
			return true;
	return false;
}

static void
add_local(struct rc_state *s, const struct rego_term *t)
{
	size_t i;

	if (t == NULL)
		return;
	if (t->kind == REGO_T_VAR) {
		if (s->nlocals == s->caplocals) {
			size_t ncap = s->caplocals ? s->caplocals * 2 : 16;
			const char **nl = writ_realloc(s->locals, ncap * sizeof(*nl));

			if (nl == NULL)
				return;
			s->locals = nl;
			s->caplocals = ncap;
		}
		s->locals[s->nlocals++] = t->text;
		return;
	}
	if (t->kind == REGO_T_ARRAY || t->kind == REGO_T_OBJECT)
		for (i = 0; i < t->items.n; i++)
			add_local(s, t->items.v[i]);
}

/* The variables a body declares (:=, some, some-in, every), at any depth. */
static void
collect_locals(struct rc_state *s, const struct rego_body *b)
{
	size_t i, j;

	for (i = 0; b != NULL && i < b->exprs.n; i++) {
		const struct rego_expr *x = b->exprs.v[i];
		const struct rego_term *t = x->term;

		for (j = 0; j < x->vars.n; j++)
			add_local(s, x->vars.v[j]);
		if (x->kind == REGO_E_SOME_IN && t != NULL)
			for (j = 1; j + 1 < t->items.n; j++)
				add_local(s, t->items.v[j]);
		if (t != NULL && t->kind == REGO_T_CALL && t->items.n == 3 &&
		    t->items.v[0]->kind == REGO_T_REF && t->items.v[0]->items.n == 1 &&
		    strcmp(t->items.v[0]->items.v[0]->text, "assign") == 0)
			add_local(s, t->items.v[1]);
		if (x->kind == REGO_E_EVERY) {
			add_local(s, x->key);
			add_local(s, x->value);
			collect_locals(s, x->body);
		}
	}
}

static void
visit_ref(struct rc_state *s, const struct rego_term *t)
{
	const struct rego_term *head = t->kind == REGO_T_REF ? t->items.v[0] : t;
	struct rego_ev e = {.b = s->b, .mod = s->mod};
	struct rego_res r;

	if (head->kind != REGO_T_VAR)
		return;
	if (strcmp(head->text, "data") == 0) {
		if (t->kind == REGO_T_REF)
			depend_ref(s, s->b->root, t, 1);
		else
			depend_all(s, s->b->root);
		return;
	}
	if (s->mod == NULL || is_local(s, head->text) || !rego_ev_resolve(&e, head->text, &r))
		return;
	if (r.node != NULL) {
		if (t->kind == REGO_T_REF)
			depend_ref(s, r.node, t, 1);
		else
			depend_all(s, r.node);
	}
}

static void
visit_term(struct rc_state *s, const struct rego_term *t)
{
	size_t i, from = 0;

	if (t == NULL || s->found)
		return;
	if (t->kind == REGO_T_REF || t->kind == REGO_T_CALL)
		from = 1; /* the head or operator is visited as a whole */
	switch (t->kind) {
	case REGO_T_VAR:
	case REGO_T_REF:
		visit_ref(s, t);
		break;
	case REGO_T_CALL:
		visit_ref(s, t->items.v[0]);
		break;
	case REGO_T_TEMPLATE:
		for (i = 0; i < t->parts.n; i++)
			visit_term(s, t->parts.v[i]->term);
		break;
	default:
		break;
	}
	for (i = from; i < t->items.n; i++)
		visit_term(s, t->items.v[i]);
	for (i = 0; i < t->keys.n; i++)
		visit_term(s, t->keys.v[i]);
	visit_term(s, t->key);
	visit_term(s, t->head);
	visit_body(s, t->body);
}

static void
visit_body(struct rc_state *s, const struct rego_body *b)
{
	size_t i, j;

	for (i = 0; b != NULL && i < b->exprs.n && !s->found; i++) {
		const struct rego_expr *x = b->exprs.v[i];

		visit_term(s, x->term);
		visit_term(s, x->domain);
		visit_body(s, x->body);
		for (j = 0; j < x->with.n; j++)
			visit_term(s, x->with.v[j]->value);
	}
}

static void
visit_rule(struct rc_state *s, const struct rego_crule *cr)
{
	const struct rego_cmod *save = s->mod;
	size_t save_locals = s->nlocals, i;
	const struct rego_rule *r;

	s->mod = cr->mod;
	for (i = 0; i < cr->r->args.n; i++)
		add_local(s, cr->r->args.v[i]);
	for (r = cr->r; r != NULL; r = r->els)
		collect_locals(s, r->body);
	for (r = cr->r; r != NULL && !s->found; r = r->els) {
		visit_body(s, r->body);
		visit_term(s, r->value);
		visit_term(s, r->key);
	}
	s->mod = save;
	s->nlocals = save_locals;
}

static void
visit_node(struct rc_state *s, const struct rego_node *n)
{
	size_t i;

	if (s->found || s->state[n->id] == 2)
		return;
	if (s->state[n->id] == 1) {
		report(s, n);
		return;
	}
	s->state[n->id] = 1;
	s->stack[s->nstack++] = n;
	for (i = 0; i < n->nrules && !s->found; i++)
		visit_rule(s, n->rules[i]);
	if (n->deflt != NULL && !s->found)
		visit_rule(s, n->deflt);
	s->nstack--;
	s->state[n->id] = 2;
}

static void
visit_tree(struct rc_state *s, const struct rego_node *n)
{
	size_t i;

	if (n->nrules > 0 || n->deflt != NULL)
		visit_node(s, n);
	for (i = 0; i < n->nkids && !s->found; i++)
		visit_tree(s, n->kids[i]);
}

writ_rc
rego_check_recursion(const struct writ_rego_bundle *b, struct writ_rego_error *err)
{
	struct rc_state s = {.b = b, .err = err};
	writ_rc rc;

	s.state = writ_calloc(b->nnodes + 1, 1);
	s.stack = writ_calloc(b->nnodes + 1, sizeof(*s.stack));
	if (s.state == NULL || s.stack == NULL) {
		rc = WRIT_ENOMEM;
		goto out;
	}
	visit_tree(&s, b->root);
	rc = s.found ? WRIT_EINVAL : WRIT_OK;
out:
	writ_free(s.state);
	writ_free(s.stack);
	writ_free(s.locals);
	return rc;
}
