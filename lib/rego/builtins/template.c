/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strings.render_template(template, vars): the part of Go's text/template
 * that policies use, executed over a Rego object.
 *
 * Supported: text, {{- and -}} trimming, comments, pipelines of commands
 * joined by '|', arguments . .a.b $ $x $x.a "str" `raw` numbers true false
 * nil and parenthesised pipelines, variable declarations ($x := p,
 * $i, $e := range p) and assignments, if / else if / else, range (arrays,
 * sets and objects in key order, with else), with / else, and the functions
 * index, len, not, and, or, eq, ne, lt, le, gt, ge, print and println.
 * Values print as Go's fmt %v prints what encoding/json decodes (numbers as
 * float64, objects as map[k:v]); a missing key prints "<undefined>" as
 * OPA's cases expect.  Anything else (define, template, block, break,
 * printf, user functions) is a builtin error.
 *
 * Limits: template length, nesting, output length (CORE_MAX_STR) and the
 * number of executed actions.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "ext_int.h"

#define TPL_MAX_LEN   (1u << 20)
#define TPL_MAX_DEPTH 64u
#define TPL_MAX_STEPS ((size_t)1 << 22)
#define TPL_MAX_VARS  256u

/* The value that a missing key yields. */
static const struct rego_val missing_val = {.type = REGO_NULL, .flags = 0xff};

enum akind {
	A_DOT,
	A_FIELD,
	A_VAR,
	A_STR,
	A_NUM,
	A_BOOL,
	A_NIL,
	A_FUNC,
	A_PIPE
};

struct pipe;

struct arg {
	enum akind k;
	const char *name; /* A_VAR, A_FUNC; A_STR: the decoded text */
	size_t namelen;
	const char **fields; /* .a.b after the base */
	size_t *fieldlens;
	size_t nfields;
	const struct rego_val *lit; /* A_STR, A_NUM, A_BOOL */
	struct pipe *sub;           /* A_PIPE */
};

struct cmd {
	struct arg *args;
	size_t nargs;
};

struct pipe {
	const char *vars[2];
	size_t varlens[2];
	size_t nvars;
	bool assign; /* = rather than := */
	struct cmd *cmds;
	size_t ncmds;
};

enum nkind {
	N_TEXT,
	N_ACTION,
	N_IF,
	N_RANGE,
	N_WITH
};

struct node {
	enum nkind k;
	const char *text;
	size_t len;
	struct pipe *pipe;
	struct node *body, *alt; /* lists */
	struct node *next;
};

struct tpl {
	struct rego_bctx *c;
	const char *s;
	size_t len, pos;
	size_t line;
	bool trim_next; /* the previous action ended with -}} */
	char err[300];
	bool oom;
	unsigned depth;
};

static bool tfail(struct tpl *t, const char *fmt, ...) WRIT_PRINTF(2, 3);

static bool
tfail(struct tpl *t, const char *fmt, ...)
{
	char msg[240];
	va_list ap;

	if (t->err[0] != '\0' || t->oom)
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(t->err, sizeof(t->err), "template: template:%zu: %s", t->line, msg);
	return false;
}

static void *
talloc(struct tpl *t, size_t n, size_t sz)
{
	void *p = writ_arena_calloc(t->c->arena, n ? n : 1, sz);

	if (p == NULL)
		t->oom = true;
	return p;
}

/* ---------------------------------------------------------------------------
 * Lexing inside an action.
 */

static void
skip_space(struct tpl *t, size_t end)
{
	while (t->pos < end &&
	    (t->s[t->pos] == ' ' || t->s[t->pos] == '\t' || t->s[t->pos] == '\n' ||
	        t->s[t->pos] == '\r')) {
		if (t->s[t->pos] == '\n')
			t->line++;
		t->pos++;
	}
}

static bool
ident_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    ch == '_';
}

/* The identifier at pos (may be empty). */
static size_t
ident(struct tpl *t, size_t end)
{
	size_t st = t->pos;

	while (t->pos < end && ident_char(t->s[t->pos]))
		t->pos++;
	return t->pos - st;
}

/* Field chain .a.b after a base; the chain may be empty. */
static bool
fields(struct tpl *t, size_t end, struct arg *a)
{
	size_t cap = 0;

	while (t->pos < end && t->s[t->pos] == '.' && t->pos + 1 < end &&
	    ident_char(t->s[t->pos + 1])) {
		const char *nm;
		size_t n;

		t->pos++;
		nm = t->s + t->pos;
		n = ident(t, end);
		if (a->nfields == cap) {
			const char **f;
			size_t *fl;

			cap = cap ? 2 * cap : 4;
			if ((f = talloc(t, cap, sizeof(*f))) == NULL ||
			    (fl = talloc(t, cap, sizeof(*fl))) == NULL)
				return false;
			if (a->nfields > 0) {
				memcpy(f, a->fields, a->nfields * sizeof(*f));
				memcpy(fl, a->fieldlens, a->nfields * sizeof(*fl));
			}
			a->fields = f;
			a->fieldlens = fl;
		}
		a->fields[a->nfields] = nm;
		a->fieldlens[a->nfields++] = n;
	}
	return true;
}

static struct pipe *parse_pipe(struct tpl *t, size_t end, bool decl);

/* A quoted string literal into a->lit. */
static bool
string_lit(struct tpl *t, size_t end, struct arg *a)
{
	struct writ_buf b;
	struct writ_err e;
	char q = t->s[t->pos++];
	bool ok = true;

	writ_buf_init(&b, TPL_MAX_LEN);
	while (t->pos < end && t->s[t->pos] != q) {
		char ch = t->s[t->pos++];

		if (q == '"' && ch == '\\' && t->pos < end) {
			ch = t->s[t->pos++];
			ch = ch == 'n' ? '\n' : ch == 't' ? '\t' : ch == 'r' ? '\r' : ch;
		} else if (q == '"' && ch == '\n') {
			writ_buf_free(&b);
			return tfail(t, "unterminated quoted string");
		}
		ext_bput(&b, &ok, &ch, 1);
	}
	if (t->pos >= end) {
		writ_buf_free(&b);
		return tfail(t, "unterminated quoted string");
	}
	t->pos++;
	a->k = A_STR;
	if (!ok ||
	    rego_string(t->c->arena, b.ptr != NULL ? b.ptr : "", b.len, &a->lit, &e) != WRIT_OK)
		t->oom = true;
	writ_buf_free(&b);
	return !t->oom;
}

static bool
number_lit(struct tpl *t, size_t end, struct arg *a)
{
	size_t st = t->pos;
	struct writ_err e;

	if (t->s[t->pos] == '-' || t->s[t->pos] == '+')
		t->pos++;
	while (t->pos < end && (ident_char(t->s[t->pos]) || t->s[t->pos] == '.'))
		t->pos++;
	a->k = A_NUM;
	if (rego_number_parse(t->c->arena, t->s + st, t->pos - st, &a->lit, &e) != WRIT_OK)
		return tfail(t, "bad number syntax: \"%.*s\"", (int)(t->pos - st), t->s + st);
	return true;
}

/* One argument; false at the end of the command. */
static bool
parse_arg(struct tpl *t, size_t end, struct arg *a)
{
	char ch = t->s[t->pos];
	size_t n;

	memset(a, 0, sizeof(*a));
	if (ch == '(') {
		size_t depth = 0, j;

		for (j = t->pos; j < end; j++) {
			if (t->s[j] == '(')
				depth++;
			else if (t->s[j] == ')' && --depth == 0)
				break;
		}
		if (j >= end)
			return tfail(t, "unclosed left paren");
		t->pos++;
		a->k = A_PIPE;
		if ((a->sub = parse_pipe(t, j, false)) == NULL)
			return false;
		t->pos = j + 1;
		return fields(t, end, a);
	}
	if (ch == '"' || ch == '`')
		return string_lit(t, end, a);
	if ((ch >= '0' && ch <= '9') || ch == '-' || ch == '+')
		return number_lit(t, end, a);
	if (ch == '.') {
		a->k = t->pos + 1 < end && ident_char(t->s[t->pos + 1]) ? A_FIELD : A_DOT;
		if (a->k == A_DOT)
			t->pos++;
		return fields(t, end, a);
	}
	if (ch == '$') {
		a->name = t->s + t->pos++;
		a->namelen = 1 + ident(t, end);
		a->k = A_VAR;
		return fields(t, end, a);
	}
	a->name = t->s + t->pos;
	if ((n = ident(t, end)) == 0)
		return tfail(t, "unexpected \"%c\" in command", ch);
	a->namelen = n;
	if (n == 4 && memcmp(a->name, "true", 4) == 0)
		a->k = A_BOOL, a->lit = rego_bool(true);
	else if (n == 5 && memcmp(a->name, "false", 5) == 0)
		a->k = A_BOOL, a->lit = rego_bool(false);
	else if (n == 3 && memcmp(a->name, "nil", 3) == 0)
		a->k = A_NIL;
	else
		a->k = A_FUNC;
	return true;
}

static bool
push_arg(struct tpl *t, struct cmd *cm, size_t *cap, const struct arg *a)
{
	if (cm->nargs == *cap) {
		struct arg *v;

		*cap = *cap ? 2 * *cap : 4;
		if ((v = talloc(t, *cap, sizeof(*v))) == NULL)
			return false;
		if (cm->nargs > 0)
			memcpy(v, cm->args, cm->nargs * sizeof(*v));
		cm->args = v;
	}
	cm->args[cm->nargs++] = *a;
	return true;
}

/* Variable declarations "$a, $b :=" at the start of a pipeline, if any. */
static bool
parse_decl(struct tpl *t, size_t end, struct pipe *p)
{
	size_t save = t->pos, save_line = t->line;

	while (t->pos < end && t->s[t->pos] == '$' && p->nvars < 2) {
		p->vars[p->nvars] = t->s + t->pos++;
		p->varlens[p->nvars] = 1 + ident(t, end);
		p->nvars++;
		skip_space(t, end);
		if (t->pos < end && t->s[t->pos] == ',' && p->nvars < 2) {
			t->pos++;
			skip_space(t, end);
			continue;
		}
		break;
	}
	if (p->nvars > 0 && t->pos + 1 < end && t->s[t->pos] == ':' && t->s[t->pos + 1] == '=') {
		t->pos += 2;
		return true;
	}
	if (p->nvars == 1 && t->pos < end && t->s[t->pos] == '=' &&
	    (t->pos + 1 >= end || t->s[t->pos + 1] != '=')) {
		t->pos++;
		p->assign = true;
		return true;
	}
	p->nvars = 0;
	t->pos = save;
	t->line = save_line;
	return true;
}

static struct pipe *
parse_pipe(struct tpl *t, size_t end, bool decl)
{
	struct pipe *p = talloc(t, 1, sizeof(*p));
	size_t cmdcap = 0;

	if (p == NULL)
		return NULL;
	if (++t->depth > TPL_MAX_DEPTH) {
		tfail(t, "pipeline nested too deeply");
		return NULL;
	}
	skip_space(t, end);
	if (decl && !parse_decl(t, end, p))
		return NULL;
	for (;;) {
		struct cmd cm = {NULL, 0};
		size_t argcap = 0;

		skip_space(t, end);
		while (t->pos < end && t->s[t->pos] != '|') {
			struct arg a;

			if (!parse_arg(t, end, &a) || !push_arg(t, &cm, &argcap, &a))
				return NULL;
			if (t->pos < end && t->s[t->pos] != ' ' && t->s[t->pos] != '\t' &&
			    t->s[t->pos] != '\n' && t->s[t->pos] != '\r' && t->s[t->pos] != '|') {
				tfail(t, "unexpected \"%c\" in operand", t->s[t->pos]);
				return NULL;
			}
			skip_space(t, end);
		}
		if (cm.nargs == 0) {
			tfail(t, "missing value for command");
			return NULL;
		}
		if (p->ncmds == cmdcap) {
			struct cmd *v;

			cmdcap = cmdcap ? 2 * cmdcap : 2;
			if ((v = talloc(t, cmdcap, sizeof(*v))) == NULL)
				return NULL;
			if (p->ncmds > 0)
				memcpy(v, p->cmds, p->ncmds * sizeof(*v));
			p->cmds = v;
		}
		p->cmds[p->ncmds++] = cm;
		if (t->pos >= end)
			break;
		t->pos++; /* '|' */
	}
	t->depth--;
	return p;
}

/* ---------------------------------------------------------------------------
 * Parsing the template into nodes.
 */

enum stop {
	S_EOF,
	S_END,
	S_ELSE,
	S_ELSEIF
};

struct action {
	size_t start, end; /* the action's inside, trimmed of {{- and -}} */
	size_t next;       /* after the closing braces */
	bool ltrim, rtrim;
};

/* Find the action that starts at "{{" at pos. */
static bool
find_action(struct tpl *t, size_t pos, struct action *a)
{
	size_t i = pos + 2;
	char q = 0;

	a->ltrim = i + 1 < t->len && t->s[i] == '-' &&
	    (t->s[i + 1] == ' ' || t->s[i + 1] == '\t' || t->s[i + 1] == '\n');
	if (a->ltrim)
		i += 2;
	a->start = i;
	for (; i + 1 < t->len; i++) {
		char ch = t->s[i];

		if (q != 0) {
			if (ch == '\\' && q == '"')
				i++;
			else if (ch == q)
				q = 0;
			continue;
		}
		if (ch == '"' || ch == '`' || ch == '\'') {
			q = ch;
			continue;
		}
		if (ch == '}' && t->s[i + 1] == '}') {
			a->rtrim = i >= a->start + 2 && t->s[i - 1] == '-' &&
			    (t->s[i - 2] == ' ' || t->s[i - 2] == '\t' || t->s[i - 2] == '\n');
			a->end = a->rtrim ? i - 2 : i;
			a->next = i + 2;
			return true;
		}
	}
	return tfail(t, "unclosed action");
}

static bool
keyword(struct tpl *t, size_t end, const char *kw)
{
	size_t n = strlen(kw);

	if (t->pos + n > end || memcmp(t->s + t->pos, kw, n) != 0 ||
	    (t->pos + n < end && ident_char(t->s[t->pos + n])))
		return false;
	t->pos += n;
	return true;
}

static struct node *parse_list(struct tpl *t, enum stop *stop, struct pipe **elseif);

static struct node *
new_node(struct tpl *t, enum nkind k)
{
	struct node *n = talloc(t, 1, sizeof(*n));

	if (n != NULL)
		n->k = k;
	return n;
}

/* The rest of an if/range/with after its pipeline: body, else, end. */
static bool
parse_block(struct tpl *t, struct node *n)
{
	struct pipe *elseif = NULL;
	enum stop st;

	if (++t->depth > TPL_MAX_DEPTH)
		return tfail(t, "blocks nested too deeply");
	n->body = parse_list(t, &st, &elseif);
	if (t->err[0] != '\0' || t->oom)
		return false;
	if (st == S_ELSEIF) {
		struct node *m = new_node(t, N_IF);

		if (m == NULL)
			return false;
		m->pipe = elseif;
		if (!parse_block(t, m))
			return false;
		n->alt = m;
		t->depth--;
		return true;
	}
	if (st == S_ELSE) {
		n->alt = parse_list(t, &st, &elseif);
		if (t->err[0] != '\0' || t->oom)
			return false;
		if (st != S_END)
			return tfail(
			    t, st == S_EOF ? "unexpected EOF" : "expected end; found else");
	}
	if (st == S_EOF)
		return tfail(t, "unexpected EOF");
	t->depth--;
	return true;
}

/* One action's node (NULL with *stop set for end/else, or on error). */
static struct node *
parse_action(struct tpl *t, const struct action *a, enum stop *stop, struct pipe **elseif)
{
	size_t end = a->end;
	struct node *n;

	t->pos = a->start;
	skip_space(t, end);
	if (t->pos + 1 < end && t->s[t->pos] == '/' && t->s[t->pos + 1] == '*')
		return new_node(t, N_TEXT); /* a comment: empty text */
	if (keyword(t, end, "end")) {
		*stop = S_END;
		return NULL;
	}
	if (keyword(t, end, "else")) {
		skip_space(t, end);
		if (keyword(t, end, "if")) {
			*stop = S_ELSEIF;
			*elseif = parse_pipe(t, end, true);
			return NULL;
		}
		*stop = S_ELSE;
		return NULL;
	}
	if (keyword(t, end, "if"))
		n = new_node(t, N_IF);
	else if (keyword(t, end, "range"))
		n = new_node(t, N_RANGE);
	else if (keyword(t, end, "with"))
		n = new_node(t, N_WITH);
	else if (keyword(t, end, "define") || keyword(t, end, "template") ||
	    keyword(t, end, "block") || keyword(t, end, "break") || keyword(t, end, "continue")) {
		tfail(t, "unsupported action");
		return NULL;
	} else
		n = new_node(t, N_ACTION);
	if (n == NULL || (n->pipe = parse_pipe(t, end, true)) == NULL)
		return NULL;
	t->pos = a->next;
	t->trim_next = a->rtrim;
	if (n->k != N_ACTION && !parse_block(t, n))
		return NULL;
	return n;
}

static struct node *
parse_list(struct tpl *t, enum stop *stop, struct pipe **elseif)
{
	struct node *head = NULL, **tail = &head;

	*stop = S_EOF;
	while (t->pos < t->len) {
		const char *open = NULL;
		size_t i, textend;
		struct action a;
		struct node *n;

		for (i = t->pos; i + 1 < t->len; i++)
			if (t->s[i] == '{' && t->s[i + 1] == '{') {
				open = t->s + i;
				break;
			}
		textend = open != NULL ? i : t->len;
		memset(&a, 0, sizeof(a));
		if (open != NULL && !find_action(t, i, &a))
			return NULL;
		if (textend > t->pos) {
			size_t st = t->pos, en = textend;

			if (t->trim_next)
				while (st < en &&
				    (t->s[st] == ' ' || t->s[st] == '\t' || t->s[st] == '\n' ||
				        t->s[st] == '\r'))
					st++;
			if (a.ltrim)
				while (en > st &&
				    (t->s[en - 1] == ' ' || t->s[en - 1] == '\t' ||
				        t->s[en - 1] == '\n' || t->s[en - 1] == '\r'))
					en--;
			for (i = t->pos; i < textend; i++)
				t->line += t->s[i] == '\n';
			if (en > st) {
				if ((n = new_node(t, N_TEXT)) == NULL)
					return NULL;
				n->text = t->s + st;
				n->len = en - st;
				*tail = n;
				tail = &n->next;
			}
		}
		t->trim_next = false;
		if (open == NULL) {
			t->pos = t->len;
			break;
		}
		n = parse_action(t, &a, stop, elseif);
		if (t->err[0] != '\0' || t->oom)
			return NULL;
		if (n == NULL) {
			t->pos = a.next;
			t->trim_next = a.rtrim;
			return head;
		}
		if (n->k == N_ACTION || n->k == N_TEXT) {
			t->pos = a.next;
			t->trim_next = a.rtrim;
		}
		*tail = n;
		tail = &n->next;
	}
	return head;
}

/* ---------------------------------------------------------------------------
 * Execution.
 */

struct var {
	const char *name;
	size_t len;
	const struct rego_val *v;
};

struct exec {
	struct tpl *t;
	struct writ_buf out;
	struct var vars[TPL_MAX_VARS];
	size_t nvars;
	size_t steps;
	unsigned depth;
};

static bool xfail(struct exec *x, const char *fmt, ...) WRIT_PRINTF(2, 3);

static bool
xfail(struct exec *x, const char *fmt, ...)
{
	char msg[240];
	va_list ap;

	if (x->t->err[0] != '\0' || x->t->oom)
		return false;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(
	    x->t->err, sizeof(x->t->err), "template: template: executing \"template\": %s", msg);
	return false;
}

static bool
truth(const struct rego_val *v)
{
	double d;

	switch (v->type) {
	case REGO_NULL:
		return false;
	case REGO_BOOL:
		return v->u.b;
	case REGO_NUMBER:
		return rego_num_double(v, &d) ? d != 0 : true;
	default:
		return v->len > 0;
	}
}

/* Append v as fmt's %v prints a JSON-decoded Go value. */
static bool
print_val(struct exec *x, struct writ_buf *b, const struct rego_val *v)
{
	const struct rego_val *f;
	struct writ_err e;
	bool ok = true;
	double d;
	size_t i;

	switch (v->type) {
	case REGO_NULL:
		ext_bputs(b, &ok, v == &missing_val ? "<undefined>" : "<nil>");
		break;
	case REGO_BOOL:
		ext_bputs(b, &ok, v->u.b ? "true" : "false");
		break;
	case REGO_NUMBER:
		if (!rego_num_double(v, &d) ||
		    rego_num_from_double(x->t->c->arena, d, &f, &e) != WRIT_OK ||
		    rego_num_append(b, f) != WRIT_OK)
			ok = false;
		break;
	case REGO_STRING:
		ext_bput(b, &ok, v->u.s, v->len);
		break;
	case REGO_OBJECT:
		ext_bputs(b, &ok, "map[");
		for (i = 0; ok && i < v->len; i++) {
			ext_bputs(b, &ok, i > 0 ? " " : "");
			ok = ok && print_val(x, b, v->u.kvs[i].key);
			ext_bputs(b, &ok, ":");
			ok = ok && print_val(x, b, v->u.kvs[i].val);
		}
		ext_bputs(b, &ok, "]");
		break;
	default:
		ext_bputs(b, &ok, "[");
		for (i = 0; ok && i < v->len; i++) {
			ext_bputs(b, &ok, i > 0 ? " " : "");
			ok = ok && print_val(x, b, v->u.elems[i]);
		}
		ext_bputs(b, &ok, "]");
		break;
	}
	if (!ok && x->t->err[0] == '\0')
		xfail(x, "output exceeds %zu bytes", CORE_MAX_STR);
	return ok;
}

static const struct rego_val *var_get(struct exec *x, const char *name, size_t len);

/* Follow .a.b from v. */
static const struct rego_val *
walk(struct exec *x, const struct rego_val *v, const struct arg *a)
{
	size_t i;

	for (i = 0; v != NULL && i < a->nfields; i++) {
		if (v == &missing_val)
			return v;
		if (v->type != REGO_OBJECT) {
			xfail(x, "can't evaluate field %.*s in type %s", (int)a->fieldlens[i],
			    a->fields[i],
			    v->type == REGO_NULL ? "interface {}" : rego_type_name(v));
			return NULL;
		}
		v = rego_object_get_str(v, a->fields[i], a->fieldlens[i]);
		if (v == NULL)
			v = &missing_val;
	}
	return v;
}

static const struct rego_val *eval_pipe(
    struct exec *x, const struct pipe *p, const struct rego_val *dot);

static const struct rego_val *
eval_arg(struct exec *x, const struct arg *a, const struct rego_val *dot)
{
	const struct rego_val *v;

	switch (a->k) {
	case A_DOT:
		return dot;
	case A_FIELD:
		return walk(x, dot, a);
	case A_VAR:
		if ((v = var_get(x, a->name, a->namelen)) == NULL) {
			xfail(x, "undefined variable: %.*s", (int)a->namelen, a->name);
			return NULL;
		}
		return walk(x, v, a);
	case A_PIPE:
		return (v = eval_pipe(x, a->sub, dot)) != NULL ? walk(x, v, a) : NULL;
	case A_NIL:
		xfail(x, "nil is not a command");
		return NULL;
	case A_FUNC:
		xfail(x, "function %.*s called without the pipeline", (int)a->namelen, a->name);
		return NULL;
	default:
		return a->lit;
	}
}

static const struct rego_val *
var_get(struct exec *x, const char *name, size_t len)
{
	size_t i = x->nvars;

	while (i-- > 0)
		if (x->vars[i].len == len && memcmp(x->vars[i].name, name, len) == 0)
			return x->vars[i].v;
	return NULL;
}

static bool
var_push(struct exec *x, const char *name, size_t len, const struct rego_val *v)
{
	if (x->nvars == TPL_MAX_VARS)
		return xfail(x, "more than %u variables", TPL_MAX_VARS);
	x->vars[x->nvars].name = name;
	x->vars[x->nvars].len = len;
	x->vars[x->nvars++].v = v;
	return true;
}

static bool
var_set(struct exec *x, const char *name, size_t len, const struct rego_val *v)
{
	size_t i = x->nvars;

	while (i-- > 0)
		if (x->vars[i].len == len && memcmp(x->vars[i].name, name, len) == 0) {
			x->vars[i].v = v;
			return true;
		}
	return xfail(x, "undefined variable: %.*s", (int)len, name);
}

/* eq and the orderings on basic values; *cmp gets the order. */
static bool
basic_cmp(struct exec *x, const struct rego_val *a, const struct rego_val *b, int *cmp)
{
	if (a->type != b->type || a->type == REGO_ARRAY || a->type == REGO_OBJECT ||
	    a->type == REGO_SET)
		return xfail(x, "incompatible types for comparison");
	*cmp = rego_compare(a, b);
	return true;
}

static const struct rego_val *
fn_index(struct exec *x, const struct rego_val *const *av, size_t n)
{
	const struct rego_val *v = av[0];
	size_t i;

	for (i = 1; i < n && v != NULL; i++) {
		const struct rego_val *k = av[i];
		int64_t idx;

		if (v->type == REGO_ARRAY) {
			if (!ext_num_i64(k, &idx) || idx < 0 || (uint64_t)idx >= v->len) {
				xfail(x, "error calling index: index out of range");
				return NULL;
			}
			v = v->u.elems[idx];
		} else if (v->type == REGO_OBJECT) {
			if (k->type != REGO_STRING) {
				xfail(x, "error calling index: value has type %s; should be string",
				    rego_type_name(k));
				return NULL;
			}
			if ((v = rego_object_get(v, k)) == NULL)
				v = &missing_val;
		} else if (v == &missing_val || v->type == REGO_NULL) {
			xfail(x, "error calling index: index of untyped nil");
			return NULL;
		} else {
			xfail(x, "error calling index: can't index item of type %s",
			    rego_type_name(v));
			return NULL;
		}
	}
	return v;
}

static const struct rego_val *
fn_print(struct exec *x, const struct rego_val *const *av, size_t n, bool ln)
{
	const struct rego_val *out;
	struct writ_buf b;
	bool ok = true;
	size_t i;

	core_buf_init(&b);
	for (i = 0; ok && i < n; i++) {
		if (i > 0 && (ln || (av[i]->type != REGO_STRING && av[i - 1]->type != REGO_STRING)))
			ext_bputs(&b, &ok, " ");
		ok = ok && print_val(x, &b, av[i]);
	}
	if (ln)
		ext_bputs(&b, &ok, "\n");
	if (!ok || core_buf_str(x->t->c, &b, &out) != REGO_B_OK) {
		writ_buf_free(&b);
		x->t->oom = true;
		return NULL;
	}
	return out;
}

static bool
is_fn(const struct arg *a, const char *name)
{
	return a->namelen == strlen(name) && memcmp(a->name, name, a->namelen) == 0;
}

static const struct rego_val *
call_fn(struct exec *x, const struct arg *f, const struct rego_val *const *av, size_t n)
{
	size_t i;
	int cmp = 0;

	if (is_fn(f, "index") && n >= 1)
		return fn_index(x, av, n);
	if (is_fn(f, "print") || is_fn(f, "println"))
		return fn_print(x, av, n, is_fn(f, "println"));
	if (is_fn(f, "not") && n == 1)
		return rego_bool(!truth(av[0]));
	if ((is_fn(f, "and") || is_fn(f, "or")) && n >= 1) {
		bool and = is_fn(f, "and");

		for (i = 0; i + 1 < n; i++)
			if (truth(av[i]) != and)
				return av[i];
		return av[n - 1];
	}
	if (is_fn(f, "len") && n == 1) {
		const struct rego_val *out;

		if (av[0]->type == REGO_NULL || av[0]->type == REGO_BOOL ||
		    av[0]->type == REGO_NUMBER) {
			xfail(x, "error calling len: len of type %s", rego_type_name(av[0]));
			return NULL;
		}
		if (core_int(x->t->c, (int64_t)av[0]->len, &out) != REGO_B_OK) {
			x->t->oom = true;
			return NULL;
		}
		return out;
	}
	if (is_fn(f, "eq") && n >= 2) {
		for (i = 1; i < n; i++) {
			if (!basic_cmp(x, av[0], av[i], &cmp))
				return NULL;
			if (cmp == 0)
				return rego_bool(true);
		}
		return rego_bool(false);
	}
	if (n == 2 &&
	    (is_fn(f, "ne") || is_fn(f, "lt") || is_fn(f, "le") || is_fn(f, "gt") ||
	        is_fn(f, "ge"))) {
		if (!basic_cmp(x, av[0], av[1], &cmp))
			return NULL;
		if (is_fn(f, "ne"))
			return rego_bool(cmp != 0);
		if (is_fn(f, "lt"))
			return rego_bool(cmp < 0);
		if (is_fn(f, "le"))
			return rego_bool(cmp <= 0);
		if (is_fn(f, "gt"))
			return rego_bool(cmp > 0);
		return rego_bool(cmp >= 0);
	}
	xfail(x, "function \"%.*s\" not defined or wrong number of arguments", (int)f->namelen,
	    f->name);
	return NULL;
}

static const struct rego_val *
eval_cmd(
    struct exec *x, const struct cmd *cm, const struct rego_val *dot, const struct rego_val *final)
{
	const struct rego_val *av[16];
	size_t i, n = 0;

	if (cm->args[0].k != A_FUNC) {
		if (cm->nargs > 1 || final != NULL) {
			xfail(x, "can't give argument to non-function");
			return NULL;
		}
		return eval_arg(x, &cm->args[0], dot);
	}
	if (cm->nargs > WRIT_ARRAY_LEN(av) - 1) {
		xfail(x, "too many arguments");
		return NULL;
	}
	for (i = 1; i < cm->nargs; i++)
		if ((av[n++] = eval_arg(x, &cm->args[i], dot)) == NULL)
			return NULL;
	if (final != NULL)
		av[n++] = final;
	return call_fn(x, &cm->args[0], av, n);
}

static const struct rego_val *
eval_pipe(struct exec *x, const struct pipe *p, const struct rego_val *dot)
{
	const struct rego_val *v = NULL;
	size_t i;

	if (++x->steps > TPL_MAX_STEPS) {
		xfail(x, "more than %zu steps", TPL_MAX_STEPS);
		return NULL;
	}
	for (i = 0; i < p->ncmds; i++)
		if ((v = eval_cmd(x, &p->cmds[i], dot, v)) == NULL)
			return NULL;
	return v;
}

static bool exec_list(struct exec *x, const struct node *n, const struct rego_val *dot);

static bool
exec_range(struct exec *x, const struct node *n, const struct rego_val *dot)
{
	const struct pipe *p = n->pipe;
	const struct rego_val *v = eval_pipe(x, p, dot), *k, *e;
	size_t i, mark = x->nvars;
	struct writ_err err;

	if (v == NULL)
		return false;
	if (v->type != REGO_ARRAY && v->type != REGO_SET && v->type != REGO_OBJECT &&
	    v != &missing_val && v->type != REGO_NULL)
		return xfail(x, "range can't iterate over %s", rego_type_name(v));
	if (v->type == REGO_NULL || v->len == 0)
		return n->alt == NULL || exec_list(x, n->alt, dot);
	for (i = 0; i < v->len; i++) {
		if (v->type == REGO_OBJECT) {
			k = v->u.kvs[i].key;
			e = v->u.kvs[i].val;
		} else {
			if (rego_int(x->t->c->arena, (int64_t)i, &k, &err) != WRIT_OK) {
				x->t->oom = true;
				return false;
			}
			e = v->u.elems[i];
		}
		x->nvars = mark;
		if (p->nvars == 1 && !var_push(x, p->vars[0], p->varlens[0], e))
			return false;
		if (p->nvars == 2 &&
		    (!var_push(x, p->vars[0], p->varlens[0], k) ||
		        !var_push(x, p->vars[1], p->varlens[1], e)))
			return false;
		if (!exec_list(x, n->body, e))
			return false;
	}
	x->nvars = mark;
	return true;
}

static bool
exec_node(struct exec *x, const struct node *n, const struct rego_val *dot)
{
	const struct rego_val *v;
	size_t mark = x->nvars;
	bool ok = true;

	switch (n->k) {
	case N_TEXT:
		ext_bput(&x->out, &ok, n->text, n->len);
		return ok || xfail(x, "output exceeds %zu bytes", CORE_MAX_STR);
	case N_ACTION:
		if ((v = eval_pipe(x, n->pipe, dot)) == NULL)
			return false;
		if (n->pipe->nvars > 0)
			return n->pipe->assign
			    ? var_set(x, n->pipe->vars[0], n->pipe->varlens[0], v)
			    : var_push(x, n->pipe->vars[0], n->pipe->varlens[0], v);
		return print_val(x, &x->out, v);
	case N_RANGE:
		return exec_range(x, n, dot);
	default:
		if ((v = eval_pipe(x, n->pipe, dot)) == NULL)
			return false;
		if (n->pipe->nvars > 0 && !var_push(x, n->pipe->vars[0], n->pipe->varlens[0], v))
			return false;
		if (truth(v))
			ok = exec_list(x, n->body, n->k == N_WITH ? v : dot);
		else if (n->alt != NULL)
			ok = exec_list(x, n->alt, dot);
		x->nvars = mark;
		return ok;
	}
}

static bool
exec_list(struct exec *x, const struct node *n, const struct rego_val *dot)
{
	size_t mark = x->nvars;
	bool ok = true;

	if (++x->depth > TPL_MAX_DEPTH)
		return xfail(x, "exceeded maximum template depth (%u)", TPL_MAX_DEPTH);
	for (; ok && n != NULL; n = n->next)
		ok = exec_node(x, n, dot);
	x->nvars = mark;
	x->depth--;
	return ok;
}

static enum rego_bres
bi_render_template(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct tpl t;
	struct exec *x;
	struct node *root;
	enum stop st;
	struct pipe *elseif = NULL;
	enum rego_bres r;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[1]->type != REGO_OBJECT)
		return rego_berr_operand(c, 2, "object", args[1]);
	if (args[0]->len > TPL_MAX_LEN)
		return rego_berr(c, "template longer than %u bytes", TPL_MAX_LEN);
	memset(&t, 0, sizeof(t));
	t.c = c;
	t.s = args[0]->u.s;
	t.len = args[0]->len;
	t.line = 1;
	root = parse_list(&t, &st, &elseif);
	if (t.oom)
		return core_fail(c, WRIT_ENOMEM, NULL);
	if (t.err[0] == '\0' && st != S_EOF)
		tfail(&t, "unexpected {{%s}}", st == S_END ? "end" : "else");
	if (t.err[0] != '\0')
		return rego_berr(c, "%s", t.err);
	if ((x = writ_calloc(1, sizeof(*x))) == NULL)
		return core_fail(c, WRIT_ENOMEM, NULL);
	x->t = &t;
	core_buf_init(&x->out);
	if (!var_push(x, "$", 1, args[1]) || !exec_list(x, root, args[1])) {
		writ_buf_free(&x->out);
		writ_free(x);
		if (t.oom)
			return core_fail(c, WRIT_ENOMEM, NULL);
		return rego_berr(c, "%s", t.err);
	}
	r = core_buf_str(c, &x->out, out);
	writ_free(x);
	return r;
}

static const struct rego_builtin template_builtins[] = {
    {"strings.render_template", 2, bi_render_template, 0},
};

const struct rego_builtin_family rego_family_template = {
    "template", template_builtins, WRIT_ARRAY_LEN(template_builtins)};
