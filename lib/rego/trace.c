/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Evaluation traces, as `opa eval --explain` prints them (OPA's
 * v1/topdown/trace.go and topdown/lineage, whose behaviour this follows; no
 * code is shared).  The evaluator calls the hooks of trace.h only when a
 * trace is wanted (REGO_TRACED: one branch on a NULL pointer otherwise):
 *
 *   - every body evaluated as a query of its own (the query, a rule's body,
 *     a comprehension's, an `every`'s) gets a query id and its parent's:
 *     Enter before it, Exit before each solution goes on, Redo after it
 *     (a rule's body is reported as the rule);
 *   - every expression: Eval before it, Redo after each of its solutions,
 *     Fail when it had none;
 *   - trace(msg): a Note with the message.
 *
 * The scopes are nested on the C stack of rego_trace_body, so the chain of
 * queries leading to an event is always at hand.  Modes: full keeps every
 * event, debug every event with the variables bound in its query (the
 * locals), notes and fails keep each Note (Fail) with the latest Enter or
 * Redo of each query leading to it, as OPA's lineage.Filter does, which
 * is done as the events come, so those modes hold only what they print.
 *
 * Bounds: at most max_events events are kept (then a truncation marker
 * counts the rest), the locals of debug events come from an arena capped at
 * max_bytes, and the written explanation stops (with the marker) before it
 * would exceed max_bytes.  Events borrow the bundle's and the query's AST
 * and the evaluation's values, so the trace is written before the
 * evaluation's arena is reset.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "writ/rego.h"

#include "rego/ast.h"
#include "rego/eval.h"
#include "rego/trace.h"
#include "rego/value.h"

/* Defaults for zero bounds (include/writ/rego.h). */
#define DEFAULT_MAX_EVENTS ((size_t)100000)
#define DEFAULT_MAX_BYTES  ((size_t)16 << 20)
/* Variables a debug event shows, the newest first, and trail entries looked at for them. */
#define MAX_LOCALS      64
#define MAX_LOCALS_SCAN 256
/* The pretty form: spaces after a column (OPA's columnPadding), a value's width. */
#define PRETTY_PADDING   4
#define PRETTY_VAR_WIDTH 32

enum op {
	OP_ENTER,
	OP_EXIT,
	OP_EVAL,
	OP_REDO,
	OP_FAIL,
	OP_NOTE,
};

static const char *const op_names[] = {"Enter", "Exit", "Eval", "Redo", "Fail", "Note"};

enum ntype {
	NT_NONE, /* a Note */
	NT_EXPR,
	NT_RULE,
	NT_BODY,
};

static const char *const type_names[] = {"", "expr", "rule", "body"};

/* An event as kept. */
struct tevent {
	uint8_t op;   /* enum op */
	uint8_t type; /* enum ntype */
	uint64_t qid, parent;
	const void *node;             /* the expression, rule or body */
	const struct rego_node *path; /* a rule: its node of the rule tree */
	struct rego_loc loc;
	const struct rego_val *msg;        /* a Note's message */
	const struct rego_binding *locals; /* debug: bound variables, sorted by name */
	size_t nlocals;
};

/* A query being evaluated: a frame of rego_trace_body. */
struct scope {
	struct scope *up;
	uint64_t qid, parent;
	struct tevent last; /* its latest Enter or Redo: the lineage of notes and fails */
	uint64_t gen;       /* last counts while this is the trace's gen */
};

/* Why a trace stopped before max_events. */
enum stop {
	STOP_NONE,
	STOP_MEMORY, /* the event array could not grow */
	STOP_BYTES,  /* the locals reached max_bytes */
};

struct rego_trace {
	enum writ_rego_explain mode;
	struct tevent *ev; /* writ_realloc'd */
	size_t nev, capev;
	size_t max_events, max_bytes;
	enum stop stop;
	size_t dropped; /* events not kept: over max_events, or after a stop */
	struct scope *top;
	uint64_t next_qid;
	uint64_t gen;         /* bumped when a lineage is kept (OPA empties its map) */
	struct writ_arena *a; /* the locals of debug events, capped at max_bytes */
};

static void emit(struct rego_ev *e, enum op op, const struct tevent *tmpl);

writ_rc
writ_rego_explain_parse(const char *s, enum writ_rego_explain *out)
{
	static const char *const names[] = {"off", "notes", "fails", "full", "debug"};
	size_t i;

	for (i = 0; s != NULL && i < WRIT_ARRAY_LEN(names); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum writ_rego_explain)i;
			return WRIT_OK;
		}
	}
	return WRIT_EINVAL;
}

writ_rc
rego_trace_new(const struct writ_rego_eval_opts *o, struct rego_trace **out)
{
	struct rego_trace *t;

	if ((t = writ_calloc(1, sizeof(*t))) == NULL)
		return WRIT_ENOMEM;
	t->mode = o->explain;
	t->max_events = o->explain_max_events ? o->explain_max_events : DEFAULT_MAX_EVENTS;
	t->max_bytes = o->explain_max_bytes ? o->explain_max_bytes : DEFAULT_MAX_BYTES;
	t->gen = 1;
	if (t->mode == WRIT_REGO_EXPLAIN_DEBUG &&
	    (t->a = writ_arena_new(t->max_bytes, 0)) == NULL) {
		writ_free(t);
		return WRIT_ENOMEM;
	}
	*out = t;
	return WRIT_OK;
}

void
rego_trace_free(struct rego_trace *t)
{
	if (t == NULL)
		return;
	writ_free(t->ev);
	writ_arena_free(t->a);
	writ_free(t);
}

/* ---------------------------------------------------------------------------
 * Recording.
 */

/* Append ev, or count it dropped; after a failed allocation nothing more is kept. */
static void
keep(struct rego_trace *t, const struct tevent *ev)
{
	struct tevent *v;
	size_t ncap, len;

	if (t->nev == t->max_events || t->stop != STOP_NONE) {
		t->dropped++;
		return;
	}
	if (t->nev == t->capev) {
		ncap = t->capev ? t->capev * 2 : 256;
		if (ncap > t->max_events)
			ncap = t->max_events;
		if (__builtin_mul_overflow(ncap, sizeof(*v), &len) ||
		    (v = writ_realloc(t->ev, len)) == NULL) {
			t->stop = STOP_MEMORY;
			t->dropped++;
			return;
		}
		t->ev = v;
		t->capev = ncap;
	}
	t->ev[t->nev++] = *ev;
}

static int
binding_cmp(const void *a, const void *b)
{
	const struct rego_binding *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/*
 * The variables bound in the current query, the newest binding of each name
 * (at most MAX_LOCALS of the newest MAX_LOCALS_SCAN bindings), into ev.  When
 * the arena's cap is reached the trace stops: it ends with the marker.
 */
static void
snapshot(struct rego_ev *e, struct tevent *ev)
{
	struct rego_trace *t = e->trace;
	struct rego_binding v[MAX_LOCALS], *kept;
	size_t i, j, n = 0, nv = 0, end = e->scope;

	if (e->ntrail <= e->scope)
		return;
	if (e->ntrail - e->scope > MAX_LOCALS_SCAN)
		end = e->ntrail - MAX_LOCALS_SCAN;
	for (i = e->ntrail; i > end && n < MAX_LOCALS; i--) {
		const struct rego_binding *b = &e->trail[i - 1];

		if (b->name[0] == '$' || (b->name[0] == '_' && b->name[1] == '\0'))
			continue;
		for (j = 0; j < n && strcmp(v[j].name, b->name) != 0; j++)
			;
		if (j == n)
			v[n++] = *b; /* a declared, unbound name hides older bindings */
	}
	for (i = 0; i < n; i++)
		if (v[i].val != NULL)
			v[nv++] = v[i];
	if (nv == 0)
		return;
	if ((kept = writ_arena_calloc(t->a, nv, sizeof(*kept))) == NULL) {
		t->stop = STOP_BYTES;
		return;
	}
	memcpy(kept, v, nv * sizeof(*kept));
	qsort(kept, nv, sizeof(*kept), binding_cmp);
	ev->locals = kept;
	ev->nlocals = nv;
}

static void
reverse(struct tevent *v, size_t n)
{
	struct tevent tmp;
	size_t i;

	for (i = 0; i < n / 2; i++) {
		tmp = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = tmp;
	}
}

/*
 * Notes and fails: keep a Note (Fail) after the latest Enter or Redo of each
 * query leading to it, as far up as they were seen since the last one kept.
 */
static void
lineage(struct rego_trace *t, const struct tevent *ev)
{
	enum op want = t->mode == WRIT_REGO_EXPLAIN_NOTES ? OP_NOTE : OP_FAIL;
	const struct scope *s;
	size_t from = t->nev;

	if (ev->op == want) {
		keep(t, ev);
		for (s = t->top; s != NULL && s->gen == t->gen; s = s->up)
			keep(t, &s->last);
		if (t->nev > from)
			reverse(t->ev + from, t->nev - from);
		t->gen++;
	}
	if ((ev->op == OP_ENTER || ev->op == OP_REDO) && ev->type != NT_EXPR && t->top != NULL) {
		t->top->last = *ev;
		t->top->gen = t->gen;
	}
}

static void
emit(struct rego_ev *e, enum op op, const struct tevent *tmpl)
{
	struct rego_trace *t = e->trace;
	struct tevent ev = *tmpl;

	ev.op = (uint8_t)op;
	if (t->top != NULL) {
		ev.qid = t->top->qid;
		ev.parent = t->top->parent;
	}
	if (t->mode == WRIT_REGO_EXPLAIN_DEBUG && t->nev < t->max_events && t->stop == STOP_NONE)
		snapshot(e, &ev);
	if (t->mode == WRIT_REGO_EXPLAIN_NOTES || t->mode == WRIT_REGO_EXPLAIN_FAILS)
		lineage(t, &ev);
	else
		keep(t, &ev);
}

/* ---------------------------------------------------------------------------
 * The hooks.
 */

struct scope_arg {
	struct tevent tmpl;
	struct rego_k k;
};

static int
scope_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct scope_arg *sa = arg;
	int rc;

	emit(e, OP_EXIT, &sa->tmpl);
	rc = sa->k.fn(e, sa->k.arg, v);
	if (rc != EV_HALT)
		emit(e, OP_REDO, &sa->tmpl);
	return rc;
}

int
rego_trace_body(struct rego_ev *e, const struct rego_body *b, rego_ev_body_fn run, struct rego_k k)
{
	struct rego_trace *t = e->trace;
	struct scope s = {.up = t->top, .qid = t->next_qid++};
	struct scope_arg sa = {.k = k};
	int rc;

	s.parent = s.up != NULL ? s.up->qid : 0;
	if (e->cur_rule != NULL && b == e->cur_rule->body) {
		sa.tmpl.type = NT_RULE;
		sa.tmpl.node = e->cur_rule;
		sa.tmpl.path = e->cur_node;
		sa.tmpl.loc = e->cur_rule->loc;
	} else if (b != NULL) {
		sa.tmpl.type = NT_BODY;
		sa.tmpl.node = b;
		sa.tmpl.loc = b->exprs.n > 0 ? b->exprs.v[0]->loc : b->loc;
	}
	t->top = &s;
	emit(e, OP_ENTER, &sa.tmpl);
	rc = run(e, b, 0, (struct rego_k){scope_k, &sa});
	t->top = s.up;
	return rc;
}

struct expr_arg {
	struct tevent tmpl;
	struct rego_k k;
	bool found;
};

static int
expr_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct expr_arg *xa = arg;
	int rc;

	xa->found = true;
	rc = xa->k.fn(e, xa->k.arg, v);
	if (rc != EV_HALT)
		emit(e, OP_REDO, &xa->tmpl);
	return rc;
}

int
rego_trace_expr(struct rego_ev *e, const struct rego_expr *x, rego_ev_expr_fn run, struct rego_k k)
{
	struct expr_arg xa = {.tmpl = {.type = NT_EXPR, .node = x, .loc = x->loc}, .k = k};
	int rc;

	emit(e, OP_EVAL, &xa.tmpl);
	rc = run(e, x, (struct rego_k){expr_k, &xa});
	if (rc == EV_OK && !xa.found)
		emit(e, OP_FAIL, &xa.tmpl);
	return rc;
}

void
rego_trace_note(struct rego_ev *e, const struct rego_loc *loc, const struct rego_val *msg)
{
	struct tevent tmpl = {.type = NT_NONE, .loc = *loc, .msg = msg};

	emit(e, OP_NOTE, &tmpl);
}

/* ---------------------------------------------------------------------------
 * Writing: the text of a node.
 */

struct writer {
	const struct rego_trace *t;
	struct writ_buf *out;
	struct writ_buf cell; /* scratch: a node's text, a pretty cell */
	size_t *depth;        /* pretty: per event, its query's depth */
	size_t locw, evw;     /* pretty: widths of the location and event columns */
	writ_rc rc;
};

static void
w_n(struct writer *w, struct writ_buf *b, const char *s, size_t len)
{
	if (w->rc == WRIT_OK)
		w->rc = writ_buf_append(b, s, len);
}

static void
w_s(struct writer *w, struct writ_buf *b, const char *s)
{
	w_n(w, b, s, strlen(s));
}

static void
w_json_str(struct writer *w, struct writ_buf *b, const char *s, size_t len)
{
	if (w->rc == WRIT_OK)
		w->rc = writ_buf_append_json_str(b, s, len);
}

static void
w_val(struct writer *w, struct writ_buf *b, const struct rego_val *v, bool json)
{
	struct writ_err we;

	rego_we_init(&we);
	if (w->rc == WRIT_OK)
		w->rc = json ? rego_json_write(b, v, NULL, &we) : rego_print(b, v, &we);
}

static bool
ident_byte(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (!first && c >= '0' && c <= '9');
}

static bool
is_ident(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!ident_byte(s[i], i == 0))
			return false;
	return len > 0;
}

/* A rule's path: data.a.b, data.a["c-d"]. */
static void
path_text(struct writer *w, struct writ_buf *b, const struct rego_node *n)
{
	if (n == NULL || n->parent == NULL) {
		w_s(w, b, "data");
		return;
	}
	path_text(w, b, n->parent);
	if (is_ident(n->name, n->namelen)) {
		w_s(w, b, ".");
		w_n(w, b, n->name, n->namelen);
	} else {
		w_s(w, b, "[");
		w_json_str(w, b, n->name, n->namelen);
		w_s(w, b, "]");
	}
}

static void
expr_text(struct writer *w, struct writ_buf *b, const struct rego_expr *x)
{
	if (w->rc == WRIT_OK)
		w->rc = rego_fmt_expr(x, b);
}

/* What pretty prints after the op: a rule's path, an expression, a body's literals. */
static void
node_text(struct writer *w, struct writ_buf *b, const struct tevent *ev)
{
	const struct rego_body *body;
	size_t i;

	switch (ev->type) {
	case NT_RULE:
		path_text(w, b, ev->path);
		break;
	case NT_EXPR:
		expr_text(w, b, ev->node);
		break;
	case NT_BODY:
		body = ev->node;
		for (i = 0; i < body->exprs.n; i++) {
			if (i > 0)
				w_s(w, b, "; ");
			expr_text(w, b, body->exprs.v[i]);
		}
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------------------
 * Writing: JSON.
 */

static void
json_locals(struct writer *w, const struct tevent *ev)
{
	size_t i;

	w_s(w, w->out, ",\"locals\":{");
	for (i = 0; i < ev->nlocals; i++) {
		if (i > 0)
			w_s(w, w->out, ",");
		w_json_str(w, w->out, ev->locals[i].name, strlen(ev->locals[i].name));
		w_s(w, w->out, ":");
		w_val(w, w->out, ev->locals[i].val, true);
	}
	w_s(w, w->out, "}");
}

static void
json_event(struct writer *w, const struct tevent *ev)
{
	const char *file = ev->loc.file != NULL ? ev->loc.file : "";

	if (w->rc == WRIT_OK)
		w->rc = writ_buf_appendf(w->out,
		    "{\"op\":\"%s\",\"query_id\":%llu,\"parent_id\":%llu,\"type\":\"%s\",\"node\":",
		    op_names[ev->op], (unsigned long long)ev->qid, (unsigned long long)ev->parent,
		    type_names[ev->type]);
	if (ev->type == NT_NONE) {
		w_s(w, w->out, "null");
	} else {
		writ_buf_reset(&w->cell);
		node_text(w, &w->cell, ev);
		w_json_str(w, w->out, w->cell.ptr != NULL ? w->cell.ptr : "", w->cell.len);
	}
	if (w->t->mode == WRIT_REGO_EXPLAIN_DEBUG)
		json_locals(w, ev);
	w_s(w, w->out, ",\"location\":{\"file\":");
	w_json_str(w, w->out, file, strlen(file));
	if (w->rc == WRIT_OK)
		w->rc =
		    writ_buf_appendf(w->out, ",\"row\":%u,\"col\":%u}", ev->loc.line, ev->loc.col);
	if (ev->msg != NULL) {
		w_s(w, w->out, ",\"message\":");
		w_json_str(w, w->out, ev->msg->u.s, ev->msg->len);
	}
	w_s(w, w->out, "}");
}

/* ---------------------------------------------------------------------------
 * Writing: pretty.  Depths as OPA computes them from the events written:
 * a query's is its parent's plus one, the first query's 1.
 */

static uint64_t
qid_hash(uint64_t q)
{
	return q * 0x9e3779b97f4a7c15u;
}

/* Each event's depth into w->depth; WRIT_ENOMEM. */
static writ_rc
compute_depths(struct writer *w)
{
	const struct rego_trace *t = w->t;
	size_t i, j, cap = 16, *dv;
	uint64_t *keys; /* qid + 1; 0: empty */

	while (cap < 2 * t->nev + 2)
		cap *= 2;
	w->depth = writ_calloc(t->nev + 1, sizeof(*w->depth));
	keys = writ_calloc(cap, sizeof(*keys));
	dv = writ_calloc(cap, sizeof(*dv));
	if (w->depth == NULL || keys == NULL || dv == NULL) {
		writ_free(keys);
		writ_free(dv);
		return WRIT_ENOMEM;
	}
	for (i = 0; i < t->nev; i++) {
		const struct tevent *ev = &t->ev[i];
		size_t d = 0;

		for (j = qid_hash(ev->parent) & (cap - 1); keys[j] != 0; j = (j + 1) & (cap - 1))
			if (keys[j] == ev->parent + 1) {
				d = dv[j];
				break;
			}
		for (j = qid_hash(ev->qid) & (cap - 1); keys[j] != 0 && keys[j] != ev->qid + 1;)
			j = (j + 1) & (cap - 1);
		if (keys[j] == 0) {
			keys[j] = ev->qid + 1;
			dv[j] = d + 1;
		}
		w->depth[i] = dv[j];
	}
	writ_free(keys);
	writ_free(dv);
	return WRIT_OK;
}

static void
pad(struct writer *w, struct writ_buf *b, size_t have, size_t width)
{
	static const char spaces[] = "                                ";

	while (have < width && w->rc == WRIT_OK) {
		size_t n = width - have < sizeof(spaces) - 1 ? width - have : sizeof(spaces) - 1;

		w_n(w, b, spaces, n);
		have += n;
	}
}

/* The event column: "| " per level, the op, the node or a Note's quoted message. */
static void
event_cell(struct writer *w, struct writ_buf *b, const struct tevent *ev, size_t depth)
{
	size_t spaces = depth + 1, i;

	if (ev->op == OP_ENTER || (ev->op == OP_REDO && ev->type != NT_EXPR))
		spaces = depth;
	for (i = 1; i < spaces; i++)
		w_s(w, b, "| ");
	w_s(w, b, op_names[ev->op]);
	w_s(w, b, " ");
	if (ev->op == OP_NOTE && ev->msg != NULL) {
		if (w->rc == WRIT_OK)
			w->rc = rego_quote(b, ev->msg->u.s, ev->msg->len);
		return;
	}
	node_text(w, b, ev);
}

/* The locals column: {x: 1, y: "a"}, each value cut to PRETTY_VAR_WIDTH bytes. */
static void
locals_cell(struct writer *w, const struct tevent *ev)
{
	size_t i, n;

	w_s(w, w->out, "{");
	for (i = 0; i < ev->nlocals; i++) {
		w_s(w, w->out, i > 0 ? ", " : "");
		w_s(w, w->out, ev->locals[i].name);
		w_s(w, w->out, ": ");
		writ_buf_reset(&w->cell);
		w_val(w, &w->cell, ev->locals[i].val, false);
		if (w->rc != WRIT_OK)
			return;
		if ((n = w->cell.len) > PRETTY_VAR_WIDTH) {
			n = PRETTY_VAR_WIDTH - 3;
			while (n > 0 && (w->cell.ptr[n] & 0xc0) == 0x80)
				n--; /* not inside a UTF-8 sequence */
		}
		w_n(w, w->out, w->cell.ptr, n);
		if (n < w->cell.len)
			w_s(w, w->out, "...");
	}
	w_s(w, w->out, "}");
}

static size_t
loc_width(const struct tevent *ev)
{
	char num[24];

	if (ev->loc.file == NULL)
		return 0;
	return strlen(ev->loc.file) + 1 + (size_t)snprintf(num, sizeof(num), "%u", ev->loc.line);
}

static void
pretty_event(struct writer *w, const struct tevent *ev, size_t depth)
{
	size_t start;

	if (ev->loc.file != NULL && w->rc == WRIT_OK)
		w->rc = writ_buf_appendf(w->out, "%s:%u", ev->loc.file, ev->loc.line);
	pad(w, w->out, loc_width(ev), w->locw + PRETTY_PADDING + 1);
	start = w->out->len;
	event_cell(w, w->out, ev, depth);
	if (w->t->mode == WRIT_REGO_EXPLAIN_DEBUG) {
		pad(w, w->out, w->out->len - start, w->evw + PRETTY_PADDING + 1);
		locals_cell(w, ev);
	}
	w_s(w, w->out, "\n");
}

/* Widths of the location column and (debug) of the event column. */
static void
pretty_widths(struct writer *w)
{
	const struct rego_trace *t = w->t;
	size_t i, n;

	for (i = 0; i < t->nev; i++) {
		if ((n = loc_width(&t->ev[i])) > w->locw)
			w->locw = n;
		if (t->mode != WRIT_REGO_EXPLAIN_DEBUG)
			continue;
		writ_buf_reset(&w->cell);
		event_cell(w, &w->cell, &t->ev[i], w->depth[i]);
		if (w->cell.len > w->evw)
			w->evw = w->cell.len;
	}
}

/* ---------------------------------------------------------------------------
 * Writing: the whole explanation.
 */

/* The marker after a cut trace: events not written, and why. */
static void
truncated(struct writer *w, bool pretty, size_t nwritten, size_t nleft, enum stop why)
{
	const struct rego_trace *t = w->t;
	char msg[160];

	if (why == STOP_MEMORY)
		snprintf(msg, sizeof(msg), "explanation truncated: %zu more events (out of memory)",
		    nleft);
	else
		snprintf(msg, sizeof(msg), "explanation truncated: %zu more events (limit: %zu %s)",
		    nleft, why == STOP_BYTES ? t->max_bytes : t->max_events,
		    why == STOP_BYTES ? "bytes" : "events");
	if (pretty) {
		pad(w, w->out, 0, w->locw + PRETTY_PADDING + 1);
		w_s(w, w->out, "Truncated ");
		if (w->rc == WRIT_OK)
			w->rc = rego_quote(w->out, msg, strlen(msg));
		w_s(w, w->out, "\n");
		return;
	}
	w_s(w, w->out, nwritten > 0 ? "," : "");
	w_s(w, w->out, "{\"op\":\"Truncated\",\"message\":");
	w_json_str(w, w->out, msg, strlen(msg));
	w_s(w, w->out, "}");
}

static void
write_events(struct writer *w, bool pretty)
{
	const struct rego_trace *t = w->t;
	size_t i, mark, start = w->out->len;

	for (i = 0; i < t->nev && w->rc == WRIT_OK; i++) {
		mark = w->out->len;
		if (pretty)
			pretty_event(w, &t->ev[i], w->depth[i]);
		else {
			w_s(w, w->out, i > 0 ? "," : "");
			json_event(w, &t->ev[i]);
		}
		if (w->rc == WRIT_OK && w->out->len - start > t->max_bytes) {
			w->out->len = mark;
			w->out->ptr[mark] = '\0';
			truncated(w, pretty, i, t->nev - i + t->dropped, STOP_BYTES);
			return;
		}
	}
	if (t->dropped > 0)
		truncated(w, pretty, t->nev, t->dropped, t->stop);
}

writ_rc
rego_trace_write(const struct rego_trace *t, bool pretty, struct writ_buf *out)
{
	struct writer w = {.t = t, .out = out};
	size_t start = out->len;

	writ_buf_init(&w.cell, 0);
	if (pretty) {
		w.rc = compute_depths(&w);
		if (w.rc == WRIT_OK)
			pretty_widths(&w);
	} else {
		w_s(&w, out, "[");
	}
	if (w.rc == WRIT_OK)
		write_events(&w, pretty);
	if (!pretty)
		w_s(&w, out, "]");
	if (w.rc != WRIT_OK && out->ptr != NULL) {
		out->len = start;
		out->ptr[start] = '\0';
	}
	writ_free(w.depth);
	writ_buf_free(&w.cell);
	return w.rc;
}
