/* SPDX-License-Identifier: Apache-2.0 */
/*
 * regex.globs_match(a, b): whether two "glob-like" regular expressions have
 * a non-empty intersection, with the semantics of the library OPA uses
 * (github.com/yashtewari/glob-intersection): a pattern is a sequence of
 * tokens, each a character, '.' (any character) or a set [a-z0-9_] (ranges
 * and single characters, no negation), optionally followed by '+' or '*';
 * '\' escapes the next character.  Consecutive equal flagged tokens are
 * simplified (a*a* is a*, a+a* is a+).  The intersection test is that
 * library's greedy algorithm: common prefixes and suffixes of unflagged
 * tokens are trimmed, then the patterns are walked together and a flagged
 * token gobbles tokens of the other side.  Errors repeat its messages.
 *
 * Limits: pattern length (runes), set ranges and the steps of the search.
 */
#include <stdio.h>
#include <string.h>

#include "core_int.h"

#define GLOBS_MAX_RUNES  1024u
#define GLOBS_MAX_RANGES 256u
#define GLOBS_MAX_STEPS  ((size_t)1 << 22)

enum gtype {
	G_CHAR,
	G_DOT,
	G_SET
};
enum gflag {
	F_NONE,
	F_PLUS,
	F_STAR
};

struct grange {
	uint32_t lo, hi;
};

struct gtok {
	enum gtype type;
	enum gflag flag;
	uint32_t r;            /* G_CHAR */
	struct grange *ranges; /* G_SET, arena */
	size_t nranges;
};

struct glob {
	struct gtok *v;
	size_t n;
};

struct gsearch {
	size_t steps;
	bool over;
};

/* ---------------------------------------------------------------------------
 * Tokenizing.
 */

struct lexer {
	struct rego_bctx *c;
	const struct rego_val *src;
	uint32_t *runes;
	size_t n;
	char msg[400];
};

static bool
lex_fail(struct lexer *l, size_t pos, const char *what)
{
	snprintf(l->msg, sizeof(l->msg), "input:%.*s, pos:%zu, %s: the input provided is invalid",
	    (int)(l->src->len > 200 ? 200 : l->src->len), l->src->u.s, pos, what);
	return false;
}

/* Rune r as UTF-8 in out (5 bytes). */
static const char *
rune_str(uint32_t r, char out[5])
{
	struct writ_buf b;

	writ_buf_init(&b, 8);
	if (core_utf8_append(&b, r) != WRIT_OK || b.len > 4)
		out[0] = '\0';
	else
		memcpy(out, b.ptr, b.len + 1);
	writ_buf_free(&b);
	return out;
}

/* The rune at i (escaped or not); false at the end or on a trailing backslash. */
static bool
next_rune(struct lexer *l, size_t i, size_t *next, uint32_t *r, bool *esc, bool *end)
{
	*end = false;
	if (i >= l->n) {
		*end = true;
		return false;
	}
	if (l->runes[i] == '\\') {
		if (i + 1 >= l->n)
			return lex_fail(l, i, "input ends with a \\ (escape) character");
		*next = i + 2;
		*r = l->runes[i + 1];
		*esc = true;
		return true;
	}
	*next = i + 1;
	*r = l->runes[i];
	*esc = false;
	return true;
}

static bool
set_add(struct lexer *l, struct gtok *t, uint32_t lo, uint32_t hi)
{
	if (t->nranges == GLOBS_MAX_RANGES) {
		snprintf(l->msg, sizeof(l->msg), "more than %u ranges in a set", GLOBS_MAX_RANGES);
		return false;
	}
	t->ranges[t->nranges].lo = lo;
	t->ranges[t->nranges++].hi = hi;
	return true;
}

/* A set after '[' at i; *next is after its ']'. */
static bool
lex_set(struct lexer *l, size_t i, size_t *next, struct gtok *t)
{
	uint32_t r, prev = 0;
	bool esc, end, have_prev = false;

	t->type = G_SET;
	if ((t->ranges = writ_arena_calloc(l->c->arena, GLOBS_MAX_RANGES, sizeof(*t->ranges))) ==
	    NULL) {
		snprintf(l->msg, sizeof(l->msg), "out of memory");
		return false;
	}
	for (;;) {
		if (!next_rune(l, i, &i, &r, &esc, &end)) {
			if (end)
				return lex_fail(l, i, "found [ without matching ]");
			return false;
		}
		if (esc || (r != '-' && r != ']')) {
			if (!set_add(l, t, r, r))
				return false;
			prev = r;
			have_prev = true;
			continue;
		}
		if (r == ']') {
			*next = i;
			return true;
		}
		if (!have_prev)
			return lex_fail(
			    l, i, "range character '-' must be preceded by a Unicode character");
		if (i >= l->n - 1)
			return lex_fail(
			    l, i, "range character '-' must be followed by a Unicode character");
		if (!next_rune(l, i, &i, &r, &esc, &end))
			return end ? lex_fail(l, i, "found [ without matching ]") : false;
		if (!esc && (r == ']' || r == '-'))
			return lex_fail(
			    l, i, "range character '-' cannot be followed by a special symbol");
		if (r < prev) {
			char what[120], a[5], b[5];

			snprintf(what, sizeof(what),
			    "range is out of order: '%s' comes before '%s' in Unicode",
			    rune_str(r, a), rune_str(prev, b));
			return lex_fail(l, i, what);
		}
		t->nranges--; /* replace the single prev with the range */
		if (!set_add(l, t, prev, r))
			return false;
		have_prev = false;
	}
}

/* A flag after a token at i, if any. */
static size_t
lex_flag(struct lexer *l, size_t i, enum gflag *f)
{
	*f = F_NONE;
	if (i < l->n && l->runes[i] == '+')
		*f = F_PLUS;
	else if (i < l->n && l->runes[i] == '*')
		*f = F_STAR;
	return *f != F_NONE ? i + 1 : i;
}

static bool
tok_equal(const struct gtok *a, const struct gtok *b)
{
	size_t i;

	if (a->type != b->type)
		return false;
	if (a->type == G_CHAR)
		return a->r == b->r;
	if (a->type == G_DOT)
		return true;
	if (a->nranges != b->nranges)
		return false;
	for (i = 0; i < a->nranges; i++)
		if (a->ranges[i].lo != b->ranges[i].lo || a->ranges[i].hi != b->ranges[i].hi)
			return false;
	return true;
}

/* Tokenize one pattern into g (flags attached, simplified). */
static bool
tokenize(struct lexer *l, struct glob *g)
{
	size_t i = 0, n = 0;
	const char *s = l->src->u.s;
	size_t len = l->src->len, k = 0;

	if ((l->runes = writ_arena_calloc(l->c->arena, len + 1, sizeof(*l->runes))) == NULL ||
	    (g->v = writ_arena_calloc(l->c->arena, len + 1, sizeof(*g->v))) == NULL) {
		snprintf(l->msg, sizeof(l->msg), "out of memory");
		return false;
	}
	while (k < len)
		k += core_utf8_decode(s + k, len - k, &l->runes[n++]);
	l->n = n;
	if (n > GLOBS_MAX_RUNES) {
		snprintf(
		    l->msg, sizeof(l->msg), "pattern longer than %u characters", GLOBS_MAX_RUNES);
		return false;
	}
	g->n = 0;
	while (i < n) {
		struct gtok t;
		uint32_t r;
		bool esc, end;

		memset(&t, 0, sizeof(t));
		if (!next_rune(l, i, &i, &r, &esc, &end))
			return false;
		if (!esc && r == '.') {
			t.type = G_DOT;
		} else if (!esc && r == ']') {
			return lex_fail(l, i, "set-close ']' with no preceding '['");
		} else if (!esc && r == '[') {
			if (!lex_set(l, i, &i, &t))
				return false;
		} else if (!esc && (r == '+' || r == '*')) {
			char what[64];

			snprintf(what, sizeof(what), "flag '%c' must be preceded by a non-flag",
			    (char)r);
			return lex_fail(l, i, what);
		} else {
			t.type = G_CHAR;
			t.r = r;
		}
		i = lex_flag(l, i, &t.flag);
		/* Simplify: x*x* is x*, x+x* and x*x+ are x+. */
		if (g->n > 0 && t.flag != F_NONE && g->v[g->n - 1].flag != F_NONE &&
		    tok_equal(&g->v[g->n - 1], &t) &&
		    (t.flag == F_STAR || g->v[g->n - 1].flag == F_STAR)) {
			if (t.flag == F_PLUS)
				g->v[g->n - 1].flag = F_PLUS;
			continue;
		}
		g->v[g->n++] = t;
	}
	return true;
}

/* ---------------------------------------------------------------------------
 * The intersection.
 */

static bool
ranges_overlap(const struct gtok *a, const struct gtok *b)
{
	size_t i, j;

	for (i = 0; i < a->nranges; i++)
		for (j = 0; j < b->nranges; j++)
			if (a->ranges[i].lo <= b->ranges[j].hi &&
			    b->ranges[j].lo <= a->ranges[i].hi)
				return true;
	return false;
}

static bool
in_set(const struct gtok *s, uint32_t r)
{
	size_t i;

	for (i = 0; i < s->nranges; i++)
		if (r >= s->ranges[i].lo && r <= s->ranges[i].hi)
			return true;
	return false;
}

static bool
tmatch(const struct gtok *a, const struct gtok *b)
{
	if (a->type > b->type) {
		const struct gtok *t = a;

		a = b;
		b = t;
	}
	if (a->type == G_CHAR)
		return b->type == G_CHAR ? a->r == b->r : b->type == G_DOT || in_set(b, a->r);
	if (a->type == G_DOT)
		return true;
	return ranges_overlap(a, b);
}

static bool inter_normal(
    struct gsearch *gs, const struct gtok *a, size_t na, const struct gtok *b, size_t nb);

static bool
inter_star(struct gsearch *gs, const struct gtok *st, size_t ns, const struct gtok *o, size_t no)
{
	const struct gtok *next = ns > 1 ? &st[1] : NULL;
	size_t i;

	for (i = 0; i < no; i++) {
		if (gs->over || ++gs->steps > GLOBS_MAX_STEPS) {
			gs->over = true;
			return false;
		}
		if (next != NULL && tmatch(&o[i], next)) {
			if (inter_normal(gs, st + 1, ns - 1, o + i, no - i))
				return true;
			if (!tmatch(&o[i], &st[0]))
				return false;
		} else if (!tmatch(&o[i], &st[0])) {
			return false;
		}
	}
	return next == NULL;
}

static bool
inter_plus(struct gsearch *gs, const struct gtok *pl, size_t np, const struct gtok *o, size_t no)
{
	if (no == 0 || !tmatch(&pl[0], &o[0]))
		return false;
	if (inter_star(gs, pl, np, o + 1, no - 1))
		return true;
	return o[0].flag != F_NONE && inter_normal(gs, pl + 1, np - 1, o, no);
}

static bool
inter_special(struct gsearch *gs, const struct gtok *a, size_t na, const struct gtok *b, size_t nb)
{
	if (a[0].flag != F_NONE)
		return a[0].flag == F_PLUS ? inter_plus(gs, a, na, b, nb)
		                           : inter_star(gs, a, na, b, nb);
	return b[0].flag == F_PLUS ? inter_plus(gs, b, nb, a, na) : inter_star(gs, b, nb, a, na);
}

static bool
inter_normal(struct gsearch *gs, const struct gtok *a, size_t na, const struct gtok *b, size_t nb)
{
	size_t i;

	if (gs->over || ++gs->steps > GLOBS_MAX_STEPS) {
		gs->over = true;
		return false;
	}
	for (i = 0; i < na && i < nb; i++) {
		if (a[i].flag != F_NONE || b[i].flag != F_NONE)
			return inter_special(gs, a + i, na - i, b + i, nb - i);
		if (!tmatch(&a[i], &b[i]))
			return false;
	}
	return i == na && i == nb;
}

/* Trim common unflagged prefixes and suffixes; false if they mismatch. */
static bool
trim(struct glob *a, struct glob *b)
{
	size_t l = 0, r1, r2;
	bool moved = false;

	for (; l < a->n && l < b->n && a->v[l].flag == F_NONE && b->v[l].flag == F_NONE; l++)
		if (!tmatch(&a->v[l], &b->v[l]))
			return false;
	if (l > 0)
		l--;
	r1 = a->n;
	r2 = b->n;
	/* r1, r2 are one past the Go indices, so that they stay unsigned. */
	while (r1 > 0 && r1 - 1 >= l && r2 > 0 && r2 - 1 >= l && a->v[r1 - 1].flag == F_NONE &&
	    b->v[r2 - 1].flag == F_NONE) {
		if (!tmatch(&a->v[r1 - 1], &b->v[r2 - 1]))
			return false;
		r1--;
		r2--;
		moved = true;
	}
	if (moved) {
		r1++;
		r2++;
	}
	a->v += l;
	a->n = r1 > l ? r1 - l : 0;
	b->v += l;
	b->n = r2 > l ? r2 - l : 0;
	return true;
}

static enum rego_bres
bi_globs_match(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct lexer l1, l2;
	struct glob g1, g2;
	struct gsearch gs = {0, false};
	bool ne;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[1]->type != REGO_STRING)
		return rego_berr_operand(c, 2, "string", args[1]);
	memset(&l1, 0, sizeof(l1));
	memset(&l2, 0, sizeof(l2));
	l1.c = l2.c = c;
	l1.src = args[0];
	l2.src = args[1];
	if (!tokenize(&l1, &g1))
		return rego_berr(c, "%s", l1.msg);
	if (!tokenize(&l2, &g2))
		return rego_berr(c, "%s", l2.msg);
	ne = trim(&g1, &g2) && inter_normal(&gs, g1.v, g1.n, g2.v, g2.n);
	if (gs.over)
		return rego_berr(c, "intersection search exceeds %zu steps", GLOBS_MAX_STEPS);
	*out = rego_bool(ne);
	return REGO_B_OK;
}

static const struct rego_builtin globs_builtins[] = {
    {"regex.globs_match", 2, bi_globs_match, 0},
};

const struct rego_builtin_family rego_family_globs = {
    "globs", globs_builtins, WRIT_ARRAY_LEN(globs_builtins)};
