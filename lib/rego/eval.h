/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Rego compiler and top-down evaluator, internal to lib/rego: the
 * compiled bundle (parsed modules, the rule tree under data, the base
 * document) and the state of one evaluation.
 *
 * The rule tree has a node per path segment of every package and rule head
 * (data.a.b.p): a node holds the rules whose ground head prefix ends there.
 * Evaluation is top-down with backtracking in continuation-passing style: a
 * function that produces solutions calls its continuation once per
 * solution, with the variable bindings pushed on a trail that it truncates
 * again before it returns.  Rule values are computed whole (every solution
 * of every definition) and memoised per query unless `with` is in effect.
 */
#ifndef WRIT_LIB_REGO_EVAL_H
#define WRIT_LIB_REGO_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ/base.h"
#include "writ/rego.h"

#include "rego/ast.h"
#include "rego/builtin.h"
#include "rego/value.h"

/* ---------------------------------------------------------------------------
 * The compiled bundle.
 */

/* What a rule contributes to its node's value. */
enum rego_rkind {
	REGO_R_COMPLETE, /* p := v: the node's value */
	REGO_R_SET,      /* p contains x: an element of the node's set */
	REGO_R_OBJECT,   /* p[k]...[kn] := v or p[k] contains x: entries of an object */
	REGO_R_FUNC,     /* f(x) := v */
};

struct rego_cmod;

/* One rule definition (with its else chain). */
struct rego_crule {
	const struct rego_rule *r;
	const struct rego_cmod *mod;
	enum rego_rkind kind;
	struct rego_term *const *dyn; /* head operands after the ground prefix */
	size_t ndyn;
};

/* A node of the rule tree. */
struct rego_node {
	const char *name; /* segment; "" at the root (data) */
	size_t namelen;
	const struct rego_val *key; /* the segment as a string value */
	struct rego_node *parent;
	struct rego_node **kids; /* sorted by name after compilation */
	size_t nkids, capkids;
	struct rego_crule **rules;
	size_t nrules, caprules;
	struct rego_crule *deflt; /* default rule, or NULL */
	size_t id;                /* index into an evaluation's memo */
	size_t arity;             /* functions: number of arguments */
	bool is_func;
	bool is_pkg;    /* a package: defined (as {}) even without rules */
	bool has_rules; /* this node or a descendant holds rules */
	/* The rule index (index.c), or NULL: every rule runs. */
	struct rego_ixnode *index;
	/* The most dynamic head operands of one of its rules. */
	size_t maxdyn;
};

/* A module with what its rules resolve names against. */
struct rego_cmod {
	const struct rego_module *m;
	struct rego_node *pkg; /* the node of its package */
};

/* A literal's value, precomputed in the bundle's arena. */
struct rego_const {
	const struct rego_term *term;
	const struct rego_val *val;
};

struct writ_rego_bundle {
	struct writ_arena *arena;
	struct rego_cmod *mods;
	size_t nmods;
	struct rego_node *root;
	size_t nnodes;
	const struct rego_val *data; /* base document (an object) */
	struct rego_const *consts;   /* literal values by term address (compile_const.c) */
	size_t nconsts;              /* slots, a power of two */
};

/* The child of n named (s, len), or NULL. */
struct rego_node *rego_node_child(const struct rego_node *n, const char *s, size_t len);
/* Compile (compile.c); the API's writ_rego_compile. */
WRIT_MUST_CHECK writ_rc rego_compile_bundle(const struct writ_rego_compile_opts *o,
    struct writ_rego_bundle **out, struct writ_rego_error *err);
/* A compact copy of parsed module m in a (compile_copy.c); WRIT_ENOMEM. */
WRIT_MUST_CHECK writ_rc rego_module_compact(
    struct writ_arena *a, const struct rego_module *m, const struct rego_module **out);
/* Convert every number and string literal of the modules (compile_const.c). */
WRIT_MUST_CHECK writ_rc rego_compile_consts(struct writ_rego_bundle *b);
/* The precomputed value of literal t, or NULL (query terms, or no table). */
const struct rego_val *rego_bundle_const(
    const struct writ_rego_bundle *b, const struct rego_term *t);
/* Convert every literal of a query's body into a table (*n slots) in a. */
WRIT_MUST_CHECK writ_rc rego_body_consts(
    struct writ_arena *a, const struct rego_body *body, struct rego_const **out, size_t *n);
/* The value of literal t in table tab of n slots (NULL: none), or NULL. */
const struct rego_val *rego_const_find(
    const struct rego_const *tab, size_t n, const struct rego_term *t);
/* Checks on a built bundle (compile_check.c): unknown functions, arity, recursion. */
/* data_conflicts: also refuse base data at or under a rule's path (writ_rego_compile_opts). */
WRIT_MUST_CHECK writ_rc rego_check_bundle(
    const struct writ_rego_bundle *b, bool data_conflicts, struct writ_rego_error *err);

/* Recursion between rules (compile_rec.c): rego_recursion_error. */
WRIT_MUST_CHECK writ_rc rego_check_recursion(
    const struct writ_rego_bundle *b, struct writ_rego_error *err);
/* Check and reorder a query's body for safety (a: temporaries). */
WRIT_MUST_CHECK writ_rc rego_check_query(const struct writ_rego_bundle *b, struct writ_arena *a,
    struct rego_body *q, struct writ_rego_error *err);

/* A set of names (nameset.c): v[0..n) in insertion order; all memory from a. */
struct rego_nameset {
	const char **v;
	size_t n, cap;
	size_t *h; /* hash index: v's index + 1 in hcap slots (a power of two); NULL while small */
	size_t hcap;
	struct writ_arena *a;
};
void rego_ns_init(struct rego_nameset *s, struct writ_arena *a);
bool rego_ns_has(const struct rego_nameset *s, const char *name);
/* The index of name in v, or -1. */
long rego_ns_index(const struct rego_nameset *s, const char *name);
/* Add name (borrowed); false when out of memory. */
bool rego_ns_add(struct rego_nameset *s, const char *name);

/* ---------------------------------------------------------------------------
 * Evaluation.
 */

/* Results of the functions that produce solutions. */
enum {
	EV_OK = 0, /* enumeration finished (or the solution was accepted) */
	EV_STOP,   /* stop enumerating: the caller asked for one solution only */
	EV_HALT,   /* an error; ev->err has it */
};

struct rego_ev;
struct rego_callcache;
struct rego_trace;
struct rego_http_memo;

/* A continuation: called once per solution with the value (or NULL). */
struct rego_k {
	int (*fn)(struct rego_ev *e, void *arg, const struct rego_val *v);
	void *arg;
};

struct rego_binding {
	const char *name;
	const struct rego_val *val; /* NULL: declared (some x) but unbound */
};

/* A `with` replacement of a function or builtin in effect. */
struct rego_with_ent {
	const struct rego_node *node; /* the user function replaced, or NULL */
	const char *fname;            /* or the builtin replaced: its name */
	const struct rego_val *val;   /* the replacement value, or NULL if fn is set */
	const struct rego_term *fn;   /* the replacement function (ref or var) */
	const struct rego_cmod *mod;  /* where fn resolves */
};

struct rego_memo {
	uint64_t gen;
	const struct rego_val *val;
	uint8_t state; /* 0 none, 1 in progress, 2 defined, 3 undefined */
};

/* A result of a non-deterministic builtin, kept so that a query sees one value. */
struct rego_ndcache {
	const char *name;
	const struct rego_val *args; /* an array of the arguments */
	const struct rego_val *val;
	struct rego_ndcache *next;
};

struct rego_ev {
	const struct writ_rego_bundle *b;
	struct writ_arena *a;
	struct writ_rego_error *err;
	const struct rego_val *input;     /* NULL: undefined */
	const struct rego_val *data;      /* the base document (with `with` applied) */
	const struct rego_const *qconsts; /* the prepared query's literals, or NULL */
	size_t nqconsts;
	const struct rego_val **ovr; /* per node: a `with data...` replacement, or NULL */
	const struct rego_cmod *mod; /* module of the rule being evaluated */
	struct rego_binding *trail;
	size_t ntrail, captrail;
	size_t scope; /* lookups stop at this trail index */
	struct rego_with_ent *with;
	size_t nwith, capwith;
	struct rego_memo *memo;
	uint64_t gen;
	uint64_t steps, max_steps;
	uint64_t deadline_ms;
	uintptr_t stack_base; /* where the evaluation's C stack starts */
	size_t stack_budget;  /* how much of it the evaluation may use */
	unsigned depth;
	int64_t now_ns;
	bool strict;
	struct rego_ndcache *ndcache;
	const struct rego_rule *cur_rule;    /* the rule being evaluated (metadata) */
	const struct rego_node *cur_node;    /* its node */
	const struct rego_node *cur_mod_pkg; /* its package */
	const struct rego_body *query;
	const struct rego_val **qvals; /* the query's expression values */
	struct rego_callcache *calls; /* resolved call sites (eval_call.c; the thread's), or NULL */
	void (*print)(void *arg, const char *file, int row, const char *msg); /* or NULL */
	void *print_arg;
	struct rego_trace *trace; /* explain (trace.c), or NULL */
	const struct writ_rego_http *http; /* http.send's configuration, or NULL: refused */
	struct rego_http_memo *http_memo;  /* http.send's results in this query (http_send.c) */
};

/* Whether e is traced: the hooks of trace.h run only behind this one branch. */
#define REGO_TRACED(e) __builtin_expect((e)->trace != NULL, 0)

/*
 * Make *we an empty error without zeroing its 256-byte message: `= {0}` on
 * every call of a hot function (each element of `some x in xs`, each
 * builtin call) was a measurable part of a decision.
 */
static inline void
rego_we_init(struct writ_err *we)
{
	we->code = WRIT_OK;
	we->msg[0] = '\0';
	we->file = NULL;
	we->line = 0;
}

/* The thread's cache of resolved call sites (eval_call.c): emptied, freed (NULL is fine). */
void rego_callcache_clear(struct rego_callcache *c);
void rego_callcache_free(struct rego_callcache *c);

/* Fill ev->err and return EV_HALT. */
int rego_ev_fail(struct rego_ev *e, const char *code, const struct rego_loc *loc, const char *fmt,
    ...) WRIT_PRINTF(4, 5);
/* An allocation or value failure as an error (memory cap: eval_cancel_error). */
int rego_ev_oom(struct rego_ev *e, writ_rc rc, const struct writ_err *werr);
/* Count a step; EV_HALT when a limit was reached. */
int rego_ev_step(struct rego_ev *e);

/* Bindings. */
int rego_ev_bind(struct rego_ev *e, const char *name, const struct rego_val *v);
/* The binding of name visible from the current scope, or NULL. */
/* Whether a var's name is input or data, without a call (these run on every ref). */
static inline bool
rego_is_input(const char *s)
{
	return s[0] == 'i' && s[1] == 'n' && s[2] == 'p' && s[3] == 'u' && s[4] == 't' &&
	    s[5] == '\0';
}

static inline bool
rego_is_data(const char *s)
{
	return s[0] == 'd' && s[1] == 'a' && s[2] == 't' && s[3] == 'a' && s[4] == '\0';
}

const struct rego_binding *rego_ev_lookup(const struct rego_ev *e, const char *name);

/* A continuation that stores its value in *(const struct rego_val **)arg and stops. */
int rego_ev_first_k(struct rego_ev *e, void *arg, const struct rego_val *v);
/* Evaluate a body; k gets NULL per solution. */
int rego_ev_body(struct rego_ev *e, const struct rego_body *b, size_t i, struct rego_k k);
/* A body runner (rego_ev_body) and the trace's wrapper of one (trace.c). */
typedef int (*rego_ev_body_fn)(
    struct rego_ev *e, const struct rego_body *b, size_t i, struct rego_k k);
int rego_trace_body(
    struct rego_ev *e, const struct rego_body *b, rego_ev_body_fn run, struct rego_k k);

/* A whole body as a query of its own (a rule's, a comprehension's): traced when asked. */
static inline int
rego_ev_query(struct rego_ev *e, const struct rego_body *b, struct rego_k k)
{
	if (REGO_TRACED(e))
		return rego_trace_body(e, b, rego_ev_body, k);
	return rego_ev_body(e, b, 0, k);
}
/* Each value of a term. */
int rego_ev_term(struct rego_ev *e, const struct rego_term *t, struct rego_k k);
/* Unify term t with value v (declare: t's vars are new locals). */
int rego_ev_unify_tv(struct rego_ev *e, const struct rego_term *t, const struct rego_val *v,
    bool declare, struct rego_k k);
/* Unify two terms. */
int rego_ev_unify_tt(struct rego_ev *e, const struct rego_term *a, const struct rego_term *b,
    bool declare, struct rego_k k);
/* True if every var of t outside ref operands is bound (t can be evaluated). */
bool rego_ev_can_eval(const struct rego_ev *e, const struct rego_term *t);
/* The value of a constant scalar term. */
int rego_ev_scalar(struct rego_ev *e, const struct rego_term *t, const struct rego_val **out);

/* A ref's values; ops from index i. */
int rego_ev_ref(struct rego_ev *e, const struct rego_term *t, struct rego_k k);
/*
 * The value of t when it needs no search: a literal scalar, a bound local or
 * input, or a ref from one of those through literal and bound-local operands.
 * True with *out the value (NULL: undefined); false when t needs rego_ev_term.
 */
bool rego_ev_direct(const struct rego_ev *e, const struct rego_term *t, const struct rego_val **out);
/* Apply ref operands ops[i..n) to v. */
int rego_ev_apply(struct rego_ev *e, const struct rego_val *v, struct rego_term *const *ops,
    size_t i, size_t n, struct rego_k k);
/* A call term's values (operator and arguments; out: output argument or NULL). */
int rego_ev_call(struct rego_ev *e, const struct rego_term *t, struct rego_k k);
/* The value of a node of the rule tree (memoised); *out NULL when undefined. */
int rego_ev_node(struct rego_ev *e, const struct rego_node *n, const struct rego_val **out);
/* Put the value of a node without rules of its own (base and children) into b. */
int rego_ev_node_full(struct rego_ev *e, const struct rego_node *node, const struct rego_val *base,
    struct rego_builder *b);
/* Merge the values of n's children into the object *out. */
int rego_ev_merge_kids(struct rego_ev *e, const struct rego_node *n, const struct rego_val **out);
/* The function node a call operator names, or NULL. */
const struct rego_node *rego_ev_func_node(const struct rego_ev *e, const struct rego_term *op);
/* Call the user function at node n. */
int rego_ev_func(struct rego_ev *e, const struct rego_node *n, const struct rego_val *const *args,
    size_t nargs, const struct rego_loc *loc, const struct rego_val **out);
/* The dotted name of a call operator ("count", "io.jwt.decode"), or NULL. */
const char *rego_ev_op_name(struct rego_ev *e, const struct rego_term *op);
/* Every value of expression x into set builder b (template strings). */
int rego_ev_collect_expr(struct rego_ev *e, const struct rego_expr *x, struct rego_builder *b);
/* Evaluate x with its `with` modifiers in effect (eval_with.c); plain evaluates x itself. */
typedef int (*rego_ev_expr_fn)(struct rego_ev *e, const struct rego_expr *x, struct rego_k k);
int rego_ev_with(
    struct rego_ev *e, const struct rego_expr *x, rego_ev_expr_fn plain, struct rego_k k);
/* The with-replacement of a function (node or builtin name), or NULL. */
const struct rego_with_ent *rego_ev_with_fn(
    const struct rego_ev *e, const struct rego_node *n, const char *name);

/* Natively implemented builtins: EV_OK with *out (NULL: undefined), or -1 if name is not one. */
int rego_ev_native(struct rego_ev *e, const char *name, const struct rego_term *call,
    const struct rego_val *const *args, size_t nargs, const struct rego_val **out);
/* rego.metadata.rule() and rego.metadata.chain() (eval_meta.c). */
int rego_ev_meta_rule(struct rego_ev *e, const struct rego_val **out);
int rego_ev_meta_chain(struct rego_ev *e, const struct rego_val **out);
/* walk(x, out): the relation form. */
int rego_ev_walk(struct rego_ev *e, const struct rego_term *t, struct rego_k k);
/* Arity of a native builtin, or -1. */
int rego_ev_native_arity(const char *name);
/* What a name resolves to in the current module: a rule tree node or an import's path. */
struct rego_res {
	const struct rego_node *node;
	const struct rego_term *ref; /* import path: data.x.y or input.x */
};
bool rego_ev_resolve(const struct rego_ev *e, const char *name, struct rego_res *out);
/* The value of base data at the path of node n (NULL: none). */
const struct rego_val *rego_ev_base(const struct rego_ev *e, const struct rego_node *n);

/* The value of a ground ref rooted at input or data (*out NULL: undefined). */
int rego_ev_ground_ref(struct rego_ev *e, const struct rego_term *t, const struct rego_val **out);

/* Rule indexes (index.c): build one per node of the rule tree that can use one. */
WRIT_MUST_CHECK writ_rc rego_index_build(struct writ_rego_bundle *b);
/* Drop every index, so that every rule runs (tests compare both ways). */
void rego_index_drop(struct writ_rego_bundle *b);
/*
 * The rules of n whose bodies may succeed with the current input and data:
 * *out holds *nout ascending indexes into n->rules, or *out is NULL when
 * every rule must run.  Memory from e->a.
 */
int rego_index_lookup(
    struct rego_ev *e, const struct rego_node *n, const uint32_t **out, size_t *nout);

#endif /* WRIT_LIB_REGO_EVAL_H */
