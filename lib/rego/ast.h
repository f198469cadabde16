/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Rego abstract syntax tree, as the parser builds it and the compiler and
 * evaluator read it.  It follows OPA's shapes (v1/ast/policy.go, term.go):
 * a module is a package path, imports and rules; a rule has a head (a ref,
 * optional function arguments, an optional `contains` key and value) and a
 * body of expressions; an expression is a term, a call (infix operators are
 * desugared to calls of OPA's names: plus, equal, assign, eq, ...), a `some`
 * declaration or an `every` quantifier, possibly negated and with `with`
 * modifiers; terms are scalars (numbers keep their literal text), vars, refs,
 * collections, comprehensions, calls and template strings.  Every node has a
 * location.  Nodes live in one arena (the per-bundle arena) and are never
 * freed one by one; the tree is immutable once parsed, so it may be shared by
 * threads.  Private to lib/rego.
 */
#ifndef WRIT_LIB_REGO_AST_H
#define WRIT_LIB_REGO_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "writ/base.h"

#include "rego/lex.h"

struct rego_loc {
	const char *file; /* borrowed from the parse call's arena copy */
	uint32_t line, col;
};

/* A counted array of node pointers. */
#define REGO_VEC(type)    \
	struct {          \
		type **v; \
		size_t n; \
	}

enum rego_term_kind {
	REGO_T_NULL,
	REGO_T_BOOL,
	REGO_T_NUMBER,       /* text: the literal ("-1.5e3"); the evaluator converts */
	REGO_T_STRING,       /* text, len: decoded UTF-8 (\u0000 can put a NUL inside) */
	REGO_T_VAR,          /* text: the name; "_" is a wildcard */
	REGO_T_REF,          /* items: head term, then operands (strings for .x) */
	REGO_T_ARRAY,        /* items */
	REGO_T_SET,          /* items */
	REGO_T_OBJECT,       /* keys, items: values */
	REGO_T_ARRAY_COMPR,  /* head, body */
	REGO_T_SET_COMPR,    /* head, body */
	REGO_T_OBJECT_COMPR, /* key, head (value), body */
	REGO_T_CALL,         /* items: operator (a ref), then the arguments */
	REGO_T_TEMPLATE,     /* parts: string terms and expressions */
};

/* Term flags. */
#define REGO_TF_RAW      0x1u /* string or template written with backquotes */
#define REGO_TF_INFIX    0x2u /* call written as an operator: op says which */
#define REGO_TF_PAREN    0x4u /* written inside parentheses */
#define REGO_TF_WILDCARD 0x8u /* the var "_" */

struct rego_body;
struct rego_expr;

struct rego_term {
	enum rego_term_kind kind;
	unsigned flags;
	enum rego_tok op; /* CALL with REGO_TF_INFIX: the operator token */
	struct rego_loc loc;
	uint32_t end_line; /* line of its last token */
	bool b;            /* BOOL */
	const char *text;  /* NUMBER, STRING, VAR: NUL-terminated */
	size_t len;
	const char *src; /* STRING: source spelling with quotes (for fmt); NULL for .name */
	size_t srclen;
	REGO_VEC(struct rego_term) items;
	REGO_VEC(struct rego_term) keys;
	REGO_VEC(struct rego_expr) parts;
	struct rego_term *key, *head;
	struct rego_body *body;
};

struct rego_with {
	struct rego_loc loc;
	struct rego_term *target; /* a ref or var: input.x, data.p, a builtin name */
	struct rego_term *value;
};

enum rego_expr_kind {
	REGO_E_TERM,    /* term */
	REGO_E_CALL,    /* term (a CALL: `x = y` is eq(x, y), `x := y` assign(x, y)) */
	REGO_E_SOME,    /* vars: `some x, y` */
	REGO_E_SOME_IN, /* term: internal.member_2(x, xs) or internal.member_3(k, v, xs) */
	REGO_E_EVERY,   /* key (or NULL), value, domain, body */
};

struct rego_expr {
	enum rego_expr_kind kind;
	struct rego_loc loc;
	uint32_t end_line;      /* line of its last token (fmt keeps comments in place) */
	uint32_t term_end_line; /* line where its term ends (before any `with`) */
	bool negated;
	struct rego_term *term;
	REGO_VEC(struct rego_term) vars;
	struct rego_term *key, *value, *domain;
	struct rego_body *body;
	REGO_VEC(struct rego_with) with;
};

struct rego_body {
	struct rego_loc loc;
	REGO_VEC(struct rego_expr) exprs;
};

enum rego_assign {
	REGO_HEAD_NONE,   /* no value written (`p if ...`, `p contains x`) */
	REGO_HEAD_ASSIGN, /* := */
	REGO_HEAD_UNIFY,  /* = */
};

/*
 * A rule.  ref is the head reference as written (`p`, `a.b[x]`, `f`), args
 * the function arguments (is_func even for `f()`), key the element of a
 * `contains` rule, value the value (NULL when none was written: true is
 * meant).  body is NULL for rules written without one (`p := 1`,
 * `default p := 1`, `p contains 1`), which means the body `true`.
 */
struct rego_rule {
	struct rego_loc loc;
	uint32_t end_line;
	uint32_t head_end_line; /* line of the last token before `if` or the body */
	bool else_newline;      /* an else branch whose `else` starts a line */
	bool is_default;
	bool is_func;
	bool contains;
	bool has_if;
	bool braces; /* body written in { } (else a single literal after if) */
	enum rego_assign assign;
	struct rego_term *ref;
	REGO_VEC(struct rego_term) args;
	struct rego_term *key;
	struct rego_term *value;
	struct rego_body *body;
	struct rego_rule *els; /* else chain (same ref and args) */
	const char *metadata;  /* raw YAML of the METADATA block before it, or NULL */
	size_t metadatalen;
	struct rego_loc metadata_loc;
};

struct rego_import {
	struct rego_loc loc;
	struct rego_term *path; /* a ref: data.x.y, input.z, future.keywords.in, rego.v1 */
	const char *alias;      /* NULL when none */
};

struct rego_module {
	const char *file;
	struct rego_loc loc;
	struct rego_term *package; /* ref data.a.b: var data then strings */
	const char *metadata;      /* METADATA block before `package`, or NULL */
	size_t metadatalen;
	REGO_VEC(struct rego_import) imports;
	REGO_VEC(struct rego_rule) rules;
	REGO_VEC(struct rego_comment) comments;
};

/* Limits on what one parse may take (0 = the default in brackets). */
struct rego_limits {
	size_t max_source;  /* bytes of source [4 MiB] */
	size_t max_tokens;  /* [1,000,000] */
	uint32_t max_depth; /* nesting of terms and bodies [200] */
};

/* ---------------------------------------------------------------------------
 * Parsing (parse.c).  All functions are thread safe (no shared state).
 * src is borrowed and copied into a; every node and string is allocated from
 * a.  lim may be NULL (defaults).  On failure *d (may be NULL) holds the
 * OPA-style code, message and position, and err (may be NULL) the message
 * "file:line:col: code: message".  Returns WRIT_EPARSE, WRIT_ELIMIT (a limit
 * was hit) or WRIT_ENOMEM; *out is written only on success.
 */

/* A module: `package` then imports and rules. */
WRIT_MUST_CHECK writ_rc rego_parse_module(struct writ_arena *a, const char *file, const char *src,
    size_t len, const struct rego_limits *lim, struct rego_module **out, struct rego_diag *d,
    struct writ_err *err);

/* A query: literals separated by ';' or newlines ("data.x.p = y; q[z]"). */
WRIT_MUST_CHECK writ_rc rego_parse_query(struct writ_arena *a, const char *file, const char *src,
    size_t len, const struct rego_limits *lim, struct rego_body **out, struct rego_diag *d,
    struct writ_err *err);

/* A single term (input_term of the conformance cases). */
WRIT_MUST_CHECK writ_rc rego_parse_term(struct writ_arena *a, const char *file, const char *src,
    size_t len, const struct rego_limits *lim, struct rego_term **out, struct rego_diag *d,
    struct writ_err *err);

/*
 * Render d like a compiler: "file:line:col: code: message\n", then the source
 * line and a caret under the column (tabs kept so the caret lines up).
 * src[len] is the text d refers to.  Appends to out.
 */
WRIT_MUST_CHECK writ_rc rego_diag_render(
    const struct rego_diag *d, const char *file, const char *src, size_t len, struct writ_buf *out);

/*
 * Checks after parsing (rego_compile_error / rego_type_error): duplicate
 * imports, conflicting default rules, a default rule with else.  Calls fn
 * for each problem found; returns the number found.
 */
typedef void (*rego_check_fn)(const struct rego_diag *d, void *arg);
size_t rego_check_module(const struct rego_module *m, rego_check_fn fn, void *arg);

/* ---------------------------------------------------------------------------
 * Printing (ast.c, fmt.c).
 */

/*
 * Debug form of a node, S-expression like, without locations unless locs:
 * (rule (ref p) (value 1) (body ...)); imports sorted.  Appends to out;
 * WRIT_ENOMEM.
 */
WRIT_MUST_CHECK writ_rc rego_ast_print_module(
    const struct rego_module *m, bool locs, struct writ_buf *out);
WRIT_MUST_CHECK writ_rc rego_ast_print_body(
    const struct rego_body *b, bool locs, struct writ_buf *out);
WRIT_MUST_CHECK writ_rc rego_ast_print_term(
    const struct rego_term *t, bool locs, struct writ_buf *out);

/*
 * Canonical source of a module in `opa fmt` style (tabs, `if`, sorted
 * imports, one blank line between rules, comments kept).  Appends to out.
 */
WRIT_MUST_CHECK writ_rc rego_fmt_module(const struct rego_module *m, struct writ_buf *out);
/* A term or body in the same style (no trailing newline). */
WRIT_MUST_CHECK writ_rc rego_fmt_term(const struct rego_term *t, struct writ_buf *out);
/* An expression in the same style, on one line (for traces). */
WRIT_MUST_CHECK writ_rc rego_fmt_expr(const struct rego_expr *x, struct writ_buf *out);

/* qsort order of imports (struct rego_import *const *): path, alias, line. */
int rego_import_cmp(const void *a, const void *b);

/* OPA's name of a call operator token ("plus" for +), or NULL. */
const char *rego_op_name(enum rego_tok op);

#endif /* WRIT_LIB_REGO_AST_H */
