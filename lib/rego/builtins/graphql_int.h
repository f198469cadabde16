/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private declarations of the graphql builtin family: the lexer
 * (graphql_lex.c), the parser of executable documents and SDL schemas
 * (graphql_parse.c), schema building and query validation
 * (graphql_schema.c, graphql_validate.c), and the builtins with the AST <->
 * value conversion (graphql.c).
 *
 * The AST mirrors the shape of the Go library OPA uses (gqlparser), because
 * OPA returns that AST, marshalled to JSON, as a Rego value: the field names
 * of the output objects are the Go struct field names.  Everything is
 * allocated from one arena and never freed one by one.  Strings are (s, len)
 * with a NUL at s[len]; names never contain NUL, string values may.
 */
#ifndef WRIT_LIB_REGO_BUILTINS_GRAPHQL_INT_H
#define WRIT_LIB_REGO_BUILTINS_GRAPHQL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "writ/base.h"

/* Limits on attacker input. */
#define GQL_MAX_SOURCE (1u << 20) /* bytes of one query or schema */
#define GQL_MAX_DEPTH  128        /* nesting of selections, values and types */
#define GQL_MAX_TOKENS 200000u    /* tokens read from one source */
#define GQL_MAX_ERRORS 16         /* validation errors collected (gqlparser collects all) */

struct gql_str {
	const char *s;
	size_t len;
};

struct gql_pos {
	int line, col; /* 1-based, in runes as gqlparser counts; 0: none (built from a value) */
	bool prelude;  /* from the built-in prelude (errors name "prelude.graphql") */
};

/* A growable array of pointers in the arena. */
struct gql_list {
	void **v;
	size_t n, cap;
};

/* ---------------------------------------------------------------------------
 * Lexer.
 */
enum gql_tok {
	GT_INVALID = 0,
	GT_EOF,
	GT_BANG,
	GT_DOLLAR,
	GT_AMP,
	GT_PARENL,
	GT_PARENR,
	GT_SPREAD,
	GT_COLON,
	GT_EQUALS,
	GT_AT,
	GT_BRACKETL,
	GT_BRACKETR,
	GT_BRACEL,
	GT_BRACER,
	GT_PIPE,
	GT_NAME,
	GT_INT,
	GT_FLOAT,
	GT_STRING,
	GT_BLOCK,
};

struct gql_token {
	enum gql_tok kind;
	struct gql_str val;
	struct gql_pos pos;
	const char *err; /* GT_INVALID: the lexer's message (arena), else NULL */
};

struct gql_lexer {
	struct writ_arena *a;
	const char *in;
	size_t len;
	size_t start, end;           /* byte offsets */
	size_t startrunes, endrunes; /* rune offsets */
	size_t linestart;            /* rune offset where the line starts */
	int line;
	size_t ntokens;
	bool prelude;
	bool oom;
	bool limited; /* more than GQL_MAX_TOKENS: the token is GT_INVALID with our message */
};

void gql_lex_init(struct gql_lexer *l, struct writ_arena *a, const char *in, size_t len);
/* The next token; GT_INVALID with err set on a lexical error (or ENOMEM: l->oom). */
void gql_lex_next(struct gql_lexer *l, struct gql_token *t);
/* gqlparser's name of a token kind ("Name", "{", "<EOF>"). */
const char *gql_tok_name(enum gql_tok k);
/* Block string value as the spec defines it (common indent removed); arena. */
bool gql_block_value(struct writ_arena *a, const char *raw, size_t len, struct gql_str *out);

/* ---------------------------------------------------------------------------
 * AST.
 */
enum gql_vkind {
	GQL_V_VARIABLE = 0,
	GQL_V_INT,
	GQL_V_FLOAT,
	GQL_V_STRING,
	GQL_V_BLOCK,
	GQL_V_BOOLEAN,
	GQL_V_NULL,
	GQL_V_ENUM,
	GQL_V_LIST,
	GQL_V_OBJECT,
};

struct gql_type {
	struct gql_str named;
	struct gql_type *elem;
	bool nonnull;
	struct gql_pos pos;
};

struct gql_def;
struct gql_vardef;

struct gql_value {
	int64_t kind; /* enum gql_vkind (any integer when decoded from a value) */
	struct gql_str raw;
	struct gql_list children; /* struct gql_child * */
	struct gql_pos pos;
	/* Filled by validation. */
	const struct gql_type *expected;
	const struct gql_def *def;
	struct gql_vardef *vardef;
};

struct gql_child {
	struct gql_str name;
	struct gql_value *value;
	struct gql_pos pos;
};

struct gql_arg {
	struct gql_str name;
	struct gql_value *value;
	struct gql_pos pos;
};

struct gql_dirdef;

struct gql_dir {
	struct gql_str name;
	struct gql_list args; /* struct gql_arg * */
	struct gql_pos pos;
	const struct gql_dirdef *def; /* validation */
	const char *location;         /* validation */
};

enum gql_sel_kind {
	GQL_SEL_FIELD = 0,
	GQL_SEL_SPREAD,
	GQL_SEL_INLINE,
};

struct gql_fielddef;
struct gql_frag;

struct gql_sel {
	enum gql_sel_kind kind;
	struct gql_str alias, name; /* field; a spread has only name */
	struct gql_str typecond;    /* inline fragment */
	struct gql_list args;       /* struct gql_arg * */
	struct gql_list dirs;       /* struct gql_dir * */
	struct gql_list sels;       /* struct gql_sel * */
	struct gql_pos pos;
	/* Filled by validation. */
	const struct gql_fielddef *fdef;
	const struct gql_def *objdef;
	const struct gql_frag *frag;
};

struct gql_vardef {
	struct gql_str var;
	struct gql_type *type;
	struct gql_value *defval;
	struct gql_list dirs;
	struct gql_pos pos;
	bool used;
	const struct gql_def *def; /* validation */
};

struct gql_opdef {
	struct gql_str op; /* "query", "mutation", "subscription" */
	struct gql_str name;
	struct gql_list vars; /* struct gql_vardef * */
	struct gql_list dirs;
	struct gql_list sels;
	struct gql_pos pos;
};

struct gql_frag {
	struct gql_str name, typecond;
	struct gql_list vars;
	struct gql_list dirs;
	struct gql_list sels;
	struct gql_pos pos;
	const struct gql_def *def; /* validation */
};

struct gql_qdoc {
	struct gql_list ops;   /* struct gql_opdef * */
	struct gql_list frags; /* struct gql_frag * */
};

/* Field definitions, argument definitions and input values share a shape. */
struct gql_fielddef {
	struct gql_str desc, name;
	struct gql_list args; /* struct gql_fielddef * */
	struct gql_value *defval;
	struct gql_type *type;
	struct gql_list dirs;
	struct gql_pos pos;
};

struct gql_enumval {
	struct gql_str desc, name;
	struct gql_list dirs;
	struct gql_pos pos;
};

struct gql_def {
	struct gql_str kind; /* "SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT" */
	struct gql_str desc, name;
	struct gql_list dirs;
	struct gql_list ifaces;   /* struct gql_str * */
	struct gql_list fields;   /* struct gql_fielddef * */
	struct gql_list types;    /* struct gql_str * */
	struct gql_list enumvals; /* struct gql_enumval * */
	struct gql_pos pos;
	bool builtin;
};

struct gql_optype {
	struct gql_str op;
	struct gql_str type;
	struct gql_pos pos;
};

struct gql_schemadef {
	struct gql_str desc;
	struct gql_list dirs;
	struct gql_list optypes; /* struct gql_optype * */
	struct gql_pos pos;
};

struct gql_dirdef {
	struct gql_str desc, name;
	struct gql_list args; /* struct gql_fielddef * */
	struct gql_list locs; /* struct gql_str * */
	bool repeatable;
	struct gql_pos pos;
};

struct gql_sdoc {
	struct gql_list schema;    /* struct gql_schemadef * */
	struct gql_list schemaext; /* struct gql_schemadef * */
	struct gql_list dirs;      /* struct gql_dirdef * */
	struct gql_list defs;      /* struct gql_def * */
	struct gql_list exts;      /* struct gql_def * */
};

/* ---------------------------------------------------------------------------
 * Errors: gqlparser's "input:LINE:COL: message" lines, collected in order.
 */
struct gql_errs {
	char text[2048]; /* the lines, each ending in '\n' */
	size_t len;
	unsigned n;
	bool oom;   /* an allocation failed (not a GraphQL error) */
	bool limit; /* a limit of ours was hit: text holds our message */
};

void gql_err_add(struct gql_errs *e, const struct gql_pos *pos, const char *fmt, ...)
    WRIT_PRINTF(3, 4);

/* ---------------------------------------------------------------------------
 * Helpers (graphql_parse.c).
 */
bool gql_list_push(struct writ_arena *a, struct gql_list *l, void *p);
bool gql_str_eq(struct gql_str a, const char *s);
bool gql_str_same(struct gql_str a, struct gql_str b);

/* ---------------------------------------------------------------------------
 * Parser.  Both return false with the first error in e (one line).
 */
bool gql_parse_query(
    struct writ_arena *a, const char *in, size_t len, struct gql_qdoc **out, struct gql_errs *e);
bool gql_parse_schema(struct writ_arena *a, const char *in, size_t len, bool prelude,
    struct gql_sdoc **out, struct gql_errs *e);

static inline struct gql_str
gql_cstr(const char *s)
{
	return (struct gql_str){s, strlen(s)};
}

/* ---------------------------------------------------------------------------
 * Schemas (graphql_schema.c).
 */

/* A string-keyed hash map in an arena (keys and values borrowed). */
struct gql_map {
	struct gql_str *keys;
	void **vals;
	size_t cap, n;
};

/* The value under k, or NULL. */
void *gql_map_get(const struct gql_map *m, struct gql_str k);
/* Set k to v (a NULL v hides the key from gql_map_get); false on ENOMEM. */
bool gql_map_put(struct writ_arena *a, struct gql_map *m, struct gql_str k, void *v);

struct gql_schema {
	struct gql_map types;    /* name -> struct gql_def * */
	struct gql_map dirs;     /* name -> struct gql_dirdef * */
	struct gql_map possible; /* name -> struct gql_list * of struct gql_def * */
	struct gql_def *query, *mutation, *subscription;
};

/* Merge the prelude and doc and build the schema; false with one error in e. */
bool gql_schema_build(
    struct writ_arena *a, const struct gql_sdoc *doc, struct gql_schema **out, struct gql_errs *e);

/* d is not NULL and of kind k ("OBJECT"). */
bool gql_kind_is(const struct gql_def *d, const char *k);
bool gql_is_composite(const struct gql_def *d); /* OBJECT, INTERFACE, UNION */
bool gql_is_leaf(const struct gql_def *d);      /* SCALAR, ENUM */
bool gql_is_input(const struct gql_def *d);     /* SCALAR, ENUM, INPUT_OBJECT */
/* The innermost named type of t ("" for NULL). */
struct gql_str gql_type_name(const struct gql_type *t);
/* gqlparser's Type.String() ("[Int!]!") into buf; returns buf. */
const char *gql_type_str(const struct gql_type *t, char *buf, size_t len);
/* The field (or argument) definition called name in a list of struct gql_fielddef *. */
const struct gql_fielddef *gql_field_named(const struct gql_list *l, struct gql_str name);
/* gqlparser's Type.IsCompatible: may a value of type t be used where o is expected? */
bool gql_type_compatible(const struct gql_type *t, const struct gql_type *o);

/* ---------------------------------------------------------------------------
 * Query validation (graphql_validate.c).
 */

/* Validate q against s; false with every error found in e. */
bool gql_validate(
    struct writ_arena *a, const struct gql_schema *s, struct gql_qdoc *q, struct gql_errs *e);

#endif /* WRIT_LIB_REGO_BUILTINS_GRAPHQL_INT_H */
