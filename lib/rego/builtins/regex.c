/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Regular expressions with Go's RE2 syntax and semantics, run by PCRE2:
 * regex.match, regex.is_valid, regex.split, regex.find_n,
 * regex.find_all_string_submatch_n, regex.replace, regex.template_match,
 * and glob.match and glob.quote_meta (globs are translated to regular
 * expressions).
 *
 * RE2 is a subset of PCRE's syntax with a few differences, handled by
 * translate(): what RE2 lacks (backreferences, lookaround, atomic groups,
 * possessive quantifiers, recursion, conditionals, \Z, \h, \K ...) is
 * rejected as Go rejects it; \v is the vertical tab character in RE2 and a
 * class in PCRE; repeat counts over 1000 are invalid; `$` without (?m)
 * matches only at the very end (PCRE2_DOLLAR_ENDONLY).  Leftmost-first
 * alternation is PCRE's own.  Matching is bounded by PCRE2's match, depth
 * and heap limits, so a pathological pattern fails with an error instead of
 * running for ever.
 *
 * Compiled patterns are cached process-wide (a direct-mapped table behind a
 * mutex; entries are reference counted so one evicted while in use on
 * another thread is freed by its last user), so a policy that matches the
 * same pattern on every request compiles it once.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <pcre2.h>

#include "rego/builtins/core_int.h"
#include "rego/builtins/families_core.h"

#define MAX_PATTERN  65536
#define MAX_REPEAT   1000
#define MATCH_LIMIT  1000000u
#define DEPTH_LIMIT  10000u
#define HEAP_LIMIT   (64u << 10) /* KiB */
#define CACHE_SLOTS  256
#define OPTS         (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY | \
		      PCRE2_NEVER_BACKSLASH_C)

struct centry {
	char *pat; /* the RE2 source */
	size_t len;
	pcre2_code *code;
	unsigned refs;
	bool evicted;
};

static struct centry *cache[CACHE_SLOTS];
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static pcre2_match_context *mctx;
static pthread_once_t mctx_once = PTHREAD_ONCE_INIT;

/* A compiled pattern in use. */
struct re {
	struct centry *e;
	pcre2_match_data *md;
};

static void
mctx_init(void)
{
	mctx = pcre2_match_context_create(NULL);
	if (mctx != NULL) {
		pcre2_set_match_limit(mctx, MATCH_LIMIT);
		pcre2_set_depth_limit(mctx, DEPTH_LIMIT);
		pcre2_set_heap_limit(mctx, HEAP_LIMIT);
	}
}

/* ---------------------------------------------------------------------------
 * RE2 to PCRE2.
 */

static bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Check a {n,m} repeat at p[i] == '{': true if it is one, with *end after '}'. */
static bool
repeat_counts(const char *p, size_t len, size_t i, size_t *end, bool *toobig)
{
	size_t j = i + 1;
	unsigned long n = 0;
	bool any = false;

	*toobig = false;
	while (j < len && is_digit(p[j])) {
		n = n * 10 + (unsigned long)(p[j++] - '0');
		if (n > MAX_REPEAT)
			*toobig = true;
		any = true;
	}
	if (!any)
		return false;
	if (j < len && p[j] == ',') {
		j++;
		n = 0;
		while (j < len && is_digit(p[j])) {
			n = n * 10 + (unsigned long)(p[j++] - '0');
			if (n > MAX_REPEAT)
				*toobig = true;
		}
	}
	if (j >= len || p[j] != '}')
		return false;
	*end = j + 1;
	return true;
}

/* An escape RE2 accepts (outside \Q...\E); writes the PCRE form. */
static const char *
escape(char ch, struct writ_buf *b)
{
	if (strchr("AbBdDsSwWpPazftnrxQE", ch) != NULL ||
	    !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) ||
		(unsigned char)ch >= 0x80)) {
		char t[2] = {'\\', ch};

		return writ_buf_append(b, t, 2) == WRIT_OK ? NULL : "out of memory";
	}
	if (ch == 'v')
		return writ_buf_appends(b, "\\x0b") == WRIT_OK ? NULL : "out of memory";
	if (ch == '0')
		return writ_buf_appends(b, "\\x00") == WRIT_OK ? NULL : "out of memory";
	return "invalid escape sequence";
}

/* A group opening "(?" at p[i]: RE2 takes flags, (?:, (?P<name>, (?<name>. */
static const char *
group(const char *p, size_t len, size_t i)
{
	size_t j = i + 2;

	if (j < len && p[j] == 'P' && j + 1 < len && p[j + 1] == '<')
		return NULL;
	if (j < len && p[j] == '<' && j + 1 < len && p[j + 1] != '=' && p[j + 1] != '!')
		return NULL;
	while (j < len && strchr("imsU-", p[j]) != NULL)
		j++;
	if (j < len && (p[j] == ':' || p[j] == ')'))
		return NULL;
	return "invalid or unsupported Perl syntax";
}

/* Translate pattern (p, len) from RE2 syntax into b; an error message or NULL. */
static const char *
translate(const char *p, size_t len, struct writ_buf *b)
{
	size_t i = 0, end;
	bool cls = false, toobig, prev_rep = false;
	const char *e;

	while (i < len) {
		char ch = p[i];
		bool rep = false;

		if (ch == '\\' && i + 1 < len && p[i + 1] == 'Q') {
			const char *q = NULL;
			size_t k;

			for (k = i + 2; k + 1 < len; k++)
				if (p[k] == '\\' && p[k + 1] == 'E') {
					q = p + k;
					break;
				}
			end = q != NULL ? (size_t)(q - p) + 2 : len;
			if (writ_buf_append(b, p + i, end - i) != WRIT_OK)
				return "out of memory";
			if (q == NULL && writ_buf_appends(b, "\\E") != WRIT_OK)
				return "out of memory";
			i = end;
			continue;
		}
		if (ch == '\\') {
			if (i + 1 >= len)
				return "trailing backslash at end of expression";
			if ((e = escape(p[i + 1], b)) != NULL)
				return e;
			i += 2;
			prev_rep = false;
			continue;
		}
		if (cls) {
			if (ch == ']')
				cls = false;
			if (ch == '[' && i + 1 < len && p[i + 1] == ':') {
				const char *q = memchr(p + i, ']', len - i);

				if (q != NULL && q > p + i + 2 && q[-1] == ':') {
					if (writ_buf_append(b, p + i, (size_t)(q - p) + 1 - i) != WRIT_OK)
						return "out of memory";
					i = (size_t)(q - p) + 1;
					continue;
				}
			}
			if (ch == '[' && writ_buf_append(b, "\\", 1) != WRIT_OK)
				return "out of memory";
		} else if (ch == '[') {
			cls = true;
			if (writ_buf_append(b, p + i, 1) != WRIT_OK)
				return "out of memory";
			i++;
			if (i < len && p[i] == '^' && writ_buf_append(b, p + i++, 1) != WRIT_OK)
				return "out of memory";
			if (i < len && p[i] == ']' && writ_buf_appends(b, "\\]") == WRIT_OK)
				i++;
			continue;
		} else if (ch == '(' && i + 1 < len && p[i + 1] == '?') {
			if ((e = group(p, len, i)) != NULL)
				return e;
		} else if (ch == '*' || ch == '+' || ch == '?') {
			if (prev_rep && ch != '?')
				return "invalid nested repetition operator";
			rep = ch != '?' || !prev_rep;
		} else if (ch == '{' && repeat_counts(p, len, i, &end, &toobig)) {
			if (toobig)
				return "invalid repeat count";
			if (prev_rep)
				return "invalid nested repetition operator";
			if (writ_buf_append(b, p + i, end - i) != WRIT_OK)
				return "out of memory";
			i = end;
			prev_rep = true;
			continue;
		}
		if (writ_buf_append(b, p + i, 1) != WRIT_OK)
			return "out of memory";
		prev_rep = rep;
		i++;
	}
	return NULL;
}

/* ---------------------------------------------------------------------------
 * The cache.
 */

static size_t
slot_of(const char *p, size_t len)
{
	return (size_t)(rego_hash_bytes(p, len, 0x7265676578ull) % CACHE_SLOTS);
}

static void
entry_free(struct centry *e)
{
	pcre2_code_free(e->code);
	writ_free(e->pat);
	writ_free(e);
}

static void
re_release(struct re *re)
{
	pcre2_match_data_free(re->md);
	pthread_mutex_lock(&cache_mu);
	if (--re->e->refs == 0 && re->e->evicted)
		entry_free(re->e);
	pthread_mutex_unlock(&cache_mu);
}

/* Compile (p, len) or fail with msg (a static string or msgbuf). */
static struct centry *
compile(const char *p, size_t len, char *msgbuf, size_t msglen, const char **msg)
{
	struct writ_buf b;
	struct centry *e;
	PCRE2_SIZE off;
	int ec;

	writ_buf_init(&b, MAX_PATTERN * 4);
	if ((*msg = translate(p, len, &b)) != NULL) {
		writ_buf_free(&b);
		return NULL;
	}
	if ((e = writ_calloc(1, sizeof(*e))) == NULL || (e->pat = writ_malloc(len + 1)) == NULL) {
		writ_free(e);
		writ_buf_free(&b);
		*msg = "out of memory";
		return NULL;
	}
	memcpy(e->pat, p, len);
	e->pat[len] = '\0';
	e->len = len;
	e->code = pcre2_compile((PCRE2_SPTR)(b.ptr != NULL ? b.ptr : ""), b.len, OPTS, &ec, &off, NULL);
	writ_buf_free(&b);
	if (e->code == NULL) {
		pcre2_get_error_message(ec, (PCRE2_UCHAR *)msgbuf, msglen);
		*msg = msgbuf;
		entry_free(e);
		return NULL;
	}
	return e;
}

/* Get the compiled pattern; a builtin error "error parsing regexp: ..." if invalid. */
static enum rego_bres
re_get(struct rego_bctx *c, const struct rego_val *pat, struct re *re)
{
	char msgbuf[160];
	const char *msg;
	size_t slot;
	struct centry *e, *old;

	if (pat->len > MAX_PATTERN)
		return rego_berr(c, "pattern longer than %d bytes", MAX_PATTERN);
	pthread_once(&mctx_once, mctx_init);
	slot = slot_of(pat->u.s, pat->len);
	pthread_mutex_lock(&cache_mu);
	e = cache[slot];
	if (e != NULL && e->len == pat->len && memcmp(e->pat, pat->u.s, pat->len) == 0)
		e->refs++;
	else
		e = NULL;
	pthread_mutex_unlock(&cache_mu);
	if (e == NULL) {
		if ((e = compile(pat->u.s, pat->len, msgbuf, sizeof(msgbuf), &msg)) == NULL)
			return rego_berr(c, "error parsing regexp: %s: `%.*s`", msg,
			    (int)(pat->len > 200 ? 200 : pat->len), pat->u.s);
		pthread_mutex_lock(&cache_mu);
		e->refs = 1;
		old = cache[slot];
		cache[slot] = e;
		if (old != NULL) {
			old->evicted = true;
			if (old->refs == 0)
				entry_free(old);
		}
		pthread_mutex_unlock(&cache_mu);
	}
	re->e = e;
	re->md = pcre2_match_data_create_from_pattern(e->code, NULL);
	if (re->md == NULL) {
		pthread_mutex_lock(&cache_mu);
		e->refs--;
		pthread_mutex_unlock(&cache_mu);
		return rego_berr(c, "out of memory");
	}
	return REGO_B_OK;
}

/* One match at or after off: 1 found, 0 none, -1 error (c->err filled). */
static int
re_exec(struct rego_bctx *c, struct re *re, const char *s, size_t len, size_t off)
{
	int rc = pcre2_match(re->e->code, (PCRE2_SPTR)s, len, off, 0, re->md, mctx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT)
		rego_berr(c, "regular expression too complex for this input (match limit reached)");
	else
		rego_berr(c, "regular expression match failed (%d)", rc);
	return -1;
}

/*
 * Go's allMatches: up to n matches (n < 0: all), an empty match right after
 * the previous one skipped, the search moving one rune past empty matches.
 * fn gets each match's ovector; nonzero from fn stops with that result.
 */
typedef enum rego_bres (*match_fn)(struct rego_bctx *c, const char *s, const PCRE2_SIZE *ov,
    uint32_t npairs, void *arg);

static enum rego_bres
all_matches(struct rego_bctx *c, struct re *re, const char *s, size_t len, int64_t n,
    match_fn fn, void *arg)
{
	size_t pos = 0, prev_end = SIZE_MAX;
	int64_t k = 0;
	uint32_t r;

	while ((n < 0 || k < n) && pos <= len) {
		int m = re_exec(c, re, s, len, pos);
		PCRE2_SIZE *ov;
		bool accept = true;
		enum rego_bres res;

		if (m < 0)
			return REGO_B_ERR;
		if (m == 0)
			break;
		ov = pcre2_get_ovector_pointer(re->md);
		if (ov[1] == ov[0]) {
			if (ov[0] == prev_end)
				accept = false;
			pos = ov[1] < len ? ov[1] + core_utf8_decode(s + ov[1], len - ov[1], &r) : len + 1;
		} else {
			pos = ov[1];
		}
		prev_end = ov[1];
		if (accept) {
			if ((res = fn(c, s, ov, pcre2_get_ovector_count(re->md), arg)) != REGO_B_OK)
				return res;
			k++;
		}
	}
	return REGO_B_OK;
}

/* ---------------------------------------------------------------------------
 * Builtins.
 */

static enum rego_bres
two_strings(struct rego_bctx *c, const struct rego_val *const *args)
{
	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[1]->type != REGO_STRING)
		return rego_berr_operand(c, 2, "string", args[1]);
	return REGO_B_OK;
}

static enum rego_bres
match_str(struct rego_bctx *c, const struct rego_val *pat, const struct rego_val *s,
    const struct rego_val **out)
{
	struct re re;
	enum rego_bres r;
	int m;

	if ((r = re_get(c, pat, &re)) != REGO_B_OK)
		return r;
	m = re_exec(c, &re, s->u.s, s->len, 0);
	re_release(&re);
	if (m < 0)
		return REGO_B_ERR;
	*out = rego_bool(m == 1);
	return REGO_B_OK;
}

static enum rego_bres
bi_regex_match(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	enum rego_bres r = two_strings(c, args);

	return r != REGO_B_OK ? r : match_str(c, args[0], args[1], out);
}

static enum rego_bres
bi_regex_is_valid(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct re re;

	if (args[0]->type != REGO_STRING) {
		*out = rego_bool(false);
		return REGO_B_OK;
	}
	if (re_get(c, args[0], &re) != REGO_B_OK) {
		memset(c->err, 0, sizeof(*c->err));
		*out = rego_bool(false);
		return REGO_B_OK;
	}
	re_release(&re);
	*out = rego_bool(true);
	return REGO_B_OK;
}

struct collect {
	struct rego_builder b;
	bool groups; /* push arrays of all groups, else the whole match */
};

static enum rego_bres
collect_match(struct rego_bctx *c, const char *s, const PCRE2_SIZE *ov, uint32_t npairs,
    void *arg)
{
	struct collect *col = arg;
	const struct rego_val *v, **el;
	struct writ_err err;
	enum rego_bres r;
	uint32_t i;

	if (!col->groups) {
		if ((r = core_str(c, s + ov[0], ov[1] - ov[0], &v)) != REGO_B_OK)
			return r;
	} else {
		if ((r = core_elems(c, npairs, &el)) != REGO_B_OK)
			return r;
		for (i = 0; i < npairs; i++) {
			if (ov[2 * i] == PCRE2_UNSET)
				el[i] = &rego_empty_string_val;
			else if ((r = core_str(c, s + ov[2 * i], ov[2 * i + 1] - ov[2 * i], &el[i])) !=
			    REGO_B_OK)
				return r;
		}
		if ((r = core_array(c, el, npairs, &v)) != REGO_B_OK)
			return r;
	}
	return core_check(c, rego_builder_push(&col->b, v, &err), &err);
}

static enum rego_bres
find(struct rego_bctx *c, const struct rego_val *const *args, bool groups,
    const struct rego_val **out)
{
	struct collect col = {.groups = groups};
	struct re re;
	int64_t n;
	enum rego_bres r = two_strings(c, args);

	if (r != REGO_B_OK)
		return r;
	if (args[2]->type != REGO_NUMBER)
		return rego_berr_operand(c, 3, "number", args[2]);
	if (!rego_num_i64(args[2], &n))
		return rego_berr(c, "operand 3 must be an integer");
	if ((r = re_get(c, args[0], &re)) != REGO_B_OK)
		return r;
	rego_builder_init(&col.b, c->arena, REGO_ARRAY);
	r = all_matches(c, &re, args[1]->u.s, args[1]->len, n, collect_match, &col);
	re_release(&re);
	return r != REGO_B_OK ? r : core_finish(c, &col.b, out);
}

static enum rego_bres
bi_regex_find_n(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return find(c, args, false, out);
}

static enum rego_bres
bi_regex_find_all_submatch(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	return find(c, args, true, out);
}

struct splitter {
	struct rego_builder b;
	size_t beg, end;
};

static enum rego_bres
split_match(struct rego_bctx *c, const char *s, const PCRE2_SIZE *ov, uint32_t npairs, void *arg)
{
	struct splitter *sp = arg;
	const struct rego_val *v;
	struct writ_err err;
	enum rego_bres r = REGO_B_OK;

	sp->end = ov[0];
	if (ov[1] != 0) {
		if ((r = core_str(c, s + sp->beg, sp->end - sp->beg, &v)) == REGO_B_OK)
			r = core_check(c, rego_builder_push(&sp->b, v, &err), &err);
	}
	sp->beg = ov[1];
	return r;
}

/* Go's regexp.Split(s, -1). */
static enum rego_bres
bi_regex_split(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[1], *v;
	struct splitter sp = {.beg = 0, .end = 0};
	struct writ_err err;
	struct re re;
	enum rego_bres r = two_strings(c, args);

	if (r != REGO_B_OK)
		return r;
	if ((r = re_get(c, args[0], &re)) != REGO_B_OK)
		return r;
	rego_builder_init(&sp.b, c->arena, REGO_ARRAY);
	if (args[0]->len > 0 && s->len == 0) {
		re_release(&re);
		if ((r = core_check(c, rego_builder_push(&sp.b, &rego_empty_string_val, &err), &err)) !=
		    REGO_B_OK)
			return r;
		return core_finish(c, &sp.b, out);
	}
	r = all_matches(c, &re, s->u.s, s->len, -1, split_match, &sp);
	re_release(&re);
	if (r != REGO_B_OK)
		return r;
	if (sp.end != s->len) {
		if ((r = core_str(c, s->u.s + sp.beg, s->len - sp.beg, &v)) != REGO_B_OK ||
		    (r = core_check(c, rego_builder_push(&sp.b, v, &err), &err)) != REGO_B_OK)
			return r;
	}
	return core_finish(c, &sp.b, out);
}

struct replacer {
	struct writ_buf out;
	const struct rego_val *tmpl;
	pcre2_code *code;
	size_t last;
	writ_rc rc;
};

/* Append group named or numbered (name, len) of the current match. */
static writ_rc
append_group(struct replacer *rp, const char *s, const PCRE2_SIZE *ov, uint32_t npairs,
    const char *name, size_t len)
{
	char nm[256];
	size_t i;
	long g = 0;
	bool num = true;

	for (i = 0; i < len; i++) {
		if (!is_digit(name[i]))
			num = false;
		else if (g <= 100000)
			g = g * 10 + (name[i] - '0');
	}
	if (!num) {
		if (len >= sizeof(nm))
			return WRIT_OK;
		memcpy(nm, name, len);
		nm[len] = '\0';
		g = pcre2_substring_number_from_name(rp->code, (PCRE2_SPTR)nm);
	}
	if (g < 0 || (uint32_t)g >= npairs || ov[2 * g] == PCRE2_UNSET)
		return WRIT_OK;
	return writ_buf_append(&rp->out, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

static bool
name_char(char ch)
{
	return ch == '_' || is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Go's Regexp.Expand: $1, $name, ${name}, $$. */
static enum rego_bres
replace_match(struct rego_bctx *c, const char *s, const PCRE2_SIZE *ov, uint32_t npairs,
    void *arg)
{
	struct replacer *rp = arg;
	const char *t = rp->tmpl->u.s;
	size_t n = rp->tmpl->len, i = 0, j;
	writ_rc rc = writ_buf_append(&rp->out, s + rp->last, ov[0] - rp->last);

	while (rc == WRIT_OK && i < n) {
		const char *d = memchr(t + i, '$', n - i);

		if (d == NULL) {
			rc = writ_buf_append(&rp->out, t + i, n - i);
			break;
		}
		rc = writ_buf_append(&rp->out, t + i, (size_t)(d - t) - i);
		i = (size_t)(d - t) + 1;
		if (rc != WRIT_OK)
			break;
		if (i < n && t[i] == '$') {
			rc = writ_buf_append(&rp->out, "$", 1);
			i++;
		} else if (i < n && t[i] == '{') {
			for (j = i + 1; j < n && name_char(t[j]); j++)
				;
			if (j < n && t[j] == '}' && j > i + 1) {
				rc = append_group(rp, s, ov, npairs, t + i + 1, j - i - 1);
				i = j + 1;
			} else {
				rc = writ_buf_append(&rp->out, "$", 1);
			}
		} else {
			for (j = i; j < n && name_char(t[j]); j++)
				;
			if (j > i) {
				rc = append_group(rp, s, ov, npairs, t + i, j - i);
				i = j;
			} else {
				rc = writ_buf_append(&rp->out, "$", 1);
			}
		}
	}
	rp->last = ov[1];
	rp->rc = rc;
	return rc == WRIT_OK ? REGO_B_OK : core_buf_err(c, rc);
}

static enum rego_bres
bi_regex_replace(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0];
	struct replacer rp = {.tmpl = args[2], .last = 0, .rc = WRIT_OK};
	struct re re;
	enum rego_bres r;

	if (s->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", s);
	if (args[1]->type != REGO_STRING)
		return rego_berr_operand(c, 2, "string", args[1]);
	if (args[2]->type != REGO_STRING)
		return rego_berr_operand(c, 3, "string", args[2]);
	if ((r = re_get(c, args[1], &re)) != REGO_B_OK)
		return r;
	core_buf_init(&rp.out);
	rp.code = re.e->code;
	r = all_matches(c, &re, s->u.s, s->len, -1, replace_match, &rp);
	re_release(&re);
	if (r == REGO_B_OK && (rp.rc = writ_buf_append(&rp.out, s->u.s + rp.last,
				   s->len - rp.last)) != WRIT_OK)
		r = core_buf_err(c, rp.rc);
	if (r != REGO_B_OK) {
		writ_buf_free(&rp.out);
		return r;
	}
	return core_buf_str(c, &rp.out, out);
}

/* Append s with every regex metacharacter escaped (Go's regexp.QuoteMeta). */
static writ_rc
quote_meta(struct writ_buf *b, const char *s, size_t len)
{
	writ_rc rc = WRIT_OK;
	size_t i;

	for (i = 0; i < len && rc == WRIT_OK; i++) {
		if (strchr("\\.+*?()|[]{}^$", s[i]) != NULL && s[i] != '\0')
			rc = writ_buf_append(b, "\\", 1);
		if (rc == WRIT_OK)
			rc = writ_buf_append(b, s + i, 1);
	}
	return rc;
}

/*
 * regex.template_match(template, value, start, end): the parts of template
 * between the delimiters (nesting counted) are regular expressions, the rest
 * literal; the whole value must match.
 */
static enum rego_bres
bi_regex_template_match(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *t = args[0], *pat;
	struct writ_buf b;
	size_t i = 0, lit = 0;
	unsigned k;
	char ds, de;
	enum rego_bres r;
	writ_rc rc;

	for (k = 0; k < 4; k++)
		if (args[k]->type != REGO_STRING)
			return rego_berr_operand(c, k + 1, "string", args[k]);
	if (args[2]->len != 1 || args[3]->len != 1)
		return rego_berr(c, "delimiters must be single characters");
	ds = args[2]->u.s[0];
	de = args[3]->u.s[0];
	core_buf_init(&b);
	rc = writ_buf_append(&b, "^", 1);
	while (rc == WRIT_OK && i < t->len) {
		size_t j, depth = 1;

		if (t->u.s[i] != ds) {
			i++;
			continue;
		}
		for (j = i + 1; j < t->len && depth > 0; j++)
			depth += t->u.s[j] == ds ? 1 : t->u.s[j] == de ? (size_t)-1 : 0;
		if (depth != 0) {
			writ_buf_free(&b);
			return rego_berr(c, "unbalanced braces in template %s", t->u.s);
		}
		rc = quote_meta(&b, t->u.s + lit, i - lit);
		if (rc == WRIT_OK)
			rc = writ_buf_appendf(&b, "(%.*s)", (int)(j - 1 - (i + 1)), t->u.s + i + 1);
		i = lit = j;
	}
	if (rc == WRIT_OK)
		rc = quote_meta(&b, t->u.s + lit, t->len - lit);
	if (rc == WRIT_OK)
		rc = writ_buf_append(&b, "$", 1);
	if (rc != WRIT_OK) {
		writ_buf_free(&b);
		return core_buf_err(c, rc);
	}
	if ((r = core_buf_str(c, &b, &pat)) != REGO_B_OK)
		return r;
	return match_str(c, pat, args[1], out);
}

/* ---------------------------------------------------------------------------
 * Globs (gobwas/glob as OPA uses it): * any run without a delimiter, ** any
 * run, ? one non-delimiter character, [abc] [a-z] [!abc] classes, {a,b}
 * alternatives, \ escapes.
 */

static writ_rc
glob_not_delims(struct writ_buf *b, const struct rego_val *delims)
{
	writ_rc rc;
	size_t i;

	if (delims == NULL || delims->len == 0)
		return writ_buf_appends(b, "(?s:.)");
	rc = writ_buf_appends(b, "[^");
	for (i = 0; i < delims->len && rc == WRIT_OK; i++)
		rc = quote_meta(b, delims->u.elems[i]->u.s, delims->u.elems[i]->len);
	return rc == WRIT_OK ? writ_buf_append(b, "]", 1) : rc;
}

static const char *
glob_translate(const char *p, size_t len, const struct rego_val *delims, struct writ_buf *b)
{
	size_t i = 0;
	unsigned braces = 0;
	writ_rc rc = writ_buf_appends(b, "^(?:");

	while (rc == WRIT_OK && i < len) {
		char ch = p[i];

		if (ch == '\\' && i + 1 < len) {
			rc = quote_meta(b, p + i + 1, 1);
			i += 2;
		} else if (ch == '*' && i + 1 < len && p[i + 1] == '*') {
			rc = writ_buf_appends(b, "(?s:.)*");
			i += 2;
		} else if (ch == '*' || ch == '?') {
			rc = glob_not_delims(b, delims);
			if (rc == WRIT_OK && ch == '*')
				rc = writ_buf_append(b, "*", 1);
			i++;
		} else if (ch == '[') {
			const char *q = memchr(p + i + 1, ']', len - i - 1);

			if (q == NULL)
				return "unexpected end of input: missing ']'";
			rc = writ_buf_append(b, "[", 1);
			i++;
			if (i < len && p[i] == '!' && rc == WRIT_OK) {
				rc = writ_buf_append(b, "^", 1);
				i++;
			}
			for (; rc == WRIT_OK && p + i < q; i++)
				rc = p[i] == '-' ? writ_buf_append(b, "-", 1) : quote_meta(b, p + i, 1);
			if (rc == WRIT_OK)
				rc = writ_buf_append(b, "]", 1);
			i++;
		} else if (ch == '{') {
			braces++;
			rc = writ_buf_appends(b, "(?:");
			i++;
		} else if (ch == '}' && braces > 0) {
			braces--;
			rc = writ_buf_append(b, ")", 1);
			i++;
		} else if (ch == ',' && braces > 0) {
			rc = writ_buf_append(b, "|", 1);
			i++;
		} else {
			rc = quote_meta(b, p + i, 1);
			i++;
		}
	}
	if (braces > 0)
		return "unexpected end of input: missing '}'";
	if (rc == WRIT_OK)
		rc = writ_buf_appends(b, ")$");
	return rc == WRIT_OK ? NULL : "out of memory";
}

static enum rego_bres
bi_glob_match(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *delims = args[1], *pat, *dot;
	struct writ_buf b;
	const char *msg;
	size_t i;
	enum rego_bres r;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (delims->type == REGO_NULL) {
		delims = NULL;
	} else if (delims->type != REGO_ARRAY) {
		return rego_berr_operand(c, 2, "array", delims);
	} else {
		for (i = 0; i < delims->len; i++)
			if (delims->u.elems[i]->type != REGO_STRING)
				return core_type_err(c,
				    "operand 2 must be array of strings but got array containing %s",
				    rego_type_name(delims->u.elems[i]));
	}
	if (args[2]->type != REGO_STRING)
		return rego_berr_operand(c, 3, "string", args[2]);
	if (delims != NULL && delims->len == 0) {
		/* OPA's default delimiter. */
		if ((r = core_str(c, ".", 1, &dot)) != REGO_B_OK ||
		    (r = core_array(c, &dot, 1, &delims)) != REGO_B_OK)
			return r;
	}
	core_buf_init(&b);
	if ((msg = glob_translate(args[0]->u.s, args[0]->len, delims, &b)) != NULL) {
		writ_buf_free(&b);
		return rego_berr(c, "%s", msg);
	}
	if ((r = core_buf_str(c, &b, &pat)) != REGO_B_OK)
		return r;
	return match_str(c, pat, args[2], out);
}

static enum rego_bres
bi_glob_quote_meta(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *s = args[0];
	struct writ_buf b;
	writ_rc rc = WRIT_OK;
	size_t i;

	if (s->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", s);
	core_buf_init(&b);
	for (i = 0; i < s->len && rc == WRIT_OK; i++) {
		if (strchr("*?\\[]{}", s->u.s[i]) != NULL && s->u.s[i] != '\0')
			rc = writ_buf_append(&b, "\\", 1);
		if (rc == WRIT_OK)
			rc = writ_buf_append(&b, s->u.s + i, 1);
	}
	if (rc != WRIT_OK) {
		writ_buf_free(&b);
		return core_buf_err(c, rc);
	}
	return core_buf_str(c, &b, out);
}

static const struct rego_builtin builtins[] = {
	{"glob.match", 3, bi_glob_match, 0},
	{"glob.quote_meta", 1, bi_glob_quote_meta, 0},
	{"regex.find_all_string_submatch_n", 3, bi_regex_find_all_submatch, 0},
	{"regex.find_n", 3, bi_regex_find_n, 0},
	{"regex.is_valid", 1, bi_regex_is_valid, 0},
	{"regex.match", 2, bi_regex_match, 0},
	{"regex.replace", 3, bi_regex_replace, 0},
	{"regex.split", 2, bi_regex_split, 0},
	{"regex.template_match", 4, bi_regex_template_match, 0},
};

const struct rego_builtin_family rego_family_regex = {"regex", builtins, WRIT_ARRAY_LEN(builtins)};
