/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decisions: data.<path> evaluated on a snapshot.
 *
 * A path becomes the query data["a"]["b"][0] (segments of digits index
 * arrays, as OPA's stringPathToRef makes them numbers).  The query is
 * prepared once per snapshot and kept in the snapshot's cache, a small hash
 * table under a read-write lock: a decision takes the read lock only to
 * find its query.  The cache holds at most POL_PQ_MAX queries; past that a
 * query is prepared for the one decision and freed after it, so a client
 * asking for ever new paths cannot grow memory.
 *
 * The engine's result set is [{"expressions":[{"value":V,...}]}] or [] when
 * the document is undefined; V's text is copied out as it is.  With explain,
 * the engine's trace is appended to the decision's buffer (at most
 * POL_EXPLAIN_MAX_BYTES), on failure too.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "writ/base.h"
#include "writ/policy.h"
#include "writ/rego.h"

#include "policy/policy_int.h"

/* The query text of a path. */
static writ_rc
query_text(const struct pol_path *p, struct writ_buf *q)
{
	uint64_t v;
	size_t i, off;
	bool neg;
	writ_rc rc = writ_buf_append(q, "data", 4);

	for (i = 0; i < p->n && rc == WRIT_OK; i++) {
		neg = p->len[i] > 1 && (p->seg[i][0] == '-' || p->seg[i][0] == '+');
		off = neg ? 1 : 0;
		if (p->len[i] - off <= 18 &&
		    writ_parse_u64(p->seg[i] + off, p->len[i] - off, &v) == WRIT_OK)
			rc = writ_buf_appendf(q, "[%s%llu]", neg && p->seg[i][0] == '-' ? "-" : "",
			    (unsigned long long)v);
		else if ((rc = writ_buf_append(q, "[", 1)) == WRIT_OK &&
		    (rc = writ_buf_append_json_str(q, p->seg[i], p->len[i])) == WRIT_OK)
			rc = writ_buf_append(q, "]", 1);
	}
	return rc;
}

static uint64_t
hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static struct writ_rego_prepared *
pq_find(struct writ_policy_snapshot *s, const char *q, uint64_t h)
{
	struct pol_pq *e;

	for (e = s->pq[h % POL_PQ_SLOTS]; e != NULL; e = e->next)
		if (e->hash == h && strcmp(e->query, q) == 0)
			return e->p;
	return NULL;
}

/*
 * The prepared query q, from the cache or prepared now.  *own says the
 * caller must free it (the cache was full).
 */
static writ_rc
prepared(struct writ_policy_snapshot *s, const char *q, size_t qlen, struct pol_decision *d,
    struct writ_rego_prepared **out, bool *own, struct writ_rego_error *rerr)
{
	uint64_t h = hash(q, qlen), t0;
	struct writ_rego_prepared *p, *other;
	struct pol_pq *e;
	writ_rc rc;

	*own = false;
	pthread_rwlock_rdlock(&s->pq_lock);
	p = pq_find(s, q, h);
	pthread_rwlock_unlock(&s->pq_lock);
	if ((d->cache_hit = p != NULL)) {
		*out = p;
		return WRIT_OK;
	}
	t0 = writ_time_mono_ns();
	if ((rc = writ_rego_prepare(s->rb, q, &p, rerr)) != WRIT_OK)
		return rc;
	d->prepare_ns = writ_time_mono_ns() - t0;
	e = writ_calloc(1, sizeof(*e));
	if (e != NULL && (e->query = writ_strdup(q)) == NULL) {
		writ_free(e);
		e = NULL;
	}
	pthread_rwlock_wrlock(&s->pq_lock);
	if ((other = pq_find(s, q, h)) != NULL) {
		writ_rego_prepared_free(p); /* another thread was quicker */
		p = other;
	} else if (e != NULL && s->npq < POL_PQ_MAX) {
		e->hash = h;
		e->p = p;
		e->next = s->pq[h % POL_PQ_SLOTS];
		s->pq[h % POL_PQ_SLOTS] = e;
		s->npq++;
		e = NULL;
	} else {
		*own = true;
	}
	pthread_rwlock_unlock(&s->pq_lock);
	if (e != NULL) {
		writ_free(e->query);
		writ_free(e);
	}
	*out = p;
	return WRIT_OK;
}

void
pol_pq_free(struct writ_policy_snapshot *s)
{
	struct pol_pq *e, *next;
	size_t i;

	for (i = 0; i < POL_PQ_SLOTS; i++) {
		for (e = s->pq[i]; e != NULL; e = next) {
			next = e->next;
			writ_rego_prepared_free(e->p);
			writ_free(e->query);
			writ_free(e);
		}
		s->pq[i] = NULL;
	}
	s->npq = 0;
}

/* Append the value of the first solution's first expression; false when there is none. */
static writ_rc
first_value(const struct writ_buf *rs, struct writ_buf *value, bool *defined)
{
	struct pol_span all, k, sol, exprs, expr, v;
	struct pol_json_it it;

	*defined = false;
	if (rs->ptr == NULL || pol_json_check(rs->ptr, rs->len, &all) != WRIT_OK ||
	    rs->ptr[all.off] != '[')
		return WRIT_EINTERNAL;
	pol_json_it_init(&it, rs->ptr, rs->len, all.off);
	if (!pol_json_it_next(&it, &k, &sol))
		return WRIT_OK;
	if (!pol_json_member(rs->ptr, rs->len, sol.off, "expressions", 11, &exprs) ||
	    rs->ptr[exprs.off] != '[')
		return WRIT_EINTERNAL;
	pol_json_it_init(&it, rs->ptr, rs->len, exprs.off);
	if (!pol_json_it_next(&it, &k, &expr) ||
	    !pol_json_member(rs->ptr, rs->len, expr.off, "value", 5, &v))
		return WRIT_EINTERNAL;
	*defined = true;
	return writ_buf_append(value, rs->ptr + v.off, v.len);
}

writ_rc
pol_decide(struct writ_policy_snapshot *s, const struct pol_path *path, struct pol_decision *d,
    struct writ_buf *value, struct writ_rego_error *rerr)
{
	struct writ_rego_eval_opts o = {0};
	struct writ_rego_prepared *p = NULL;
	struct writ_buf q, rs;
	uint64_t t0;
	bool own = false;
	writ_rc rc;

	memset(rerr, 0, sizeof(*rerr));
	writ_buf_init(&q, 0);
	writ_buf_init(&rs, 0);
	d->defined = false;
	if ((rc = query_text(path, &q)) != WRIT_OK ||
	    (rc = prepared(s, q.ptr, q.len, d, &p, &own, rerr)) != WRIT_OK)
		goto out;
	o.input_json = d->input;
	o.input_len = d->input_len;
	o.strict_builtin_errors = d->strict;
	o.limits = s->limits;
	o.explain = d->explain;
	o.explain_pretty = d->explain_pretty;
	o.explanation = d->explanation;
	o.explain_max_bytes = POL_EXPLAIN_MAX_BYTES;
	t0 = writ_time_mono_ns();
	rc = writ_rego_eval_prepared(p, &o, &rs, rerr);
	d->eval_ns = writ_time_mono_ns() - t0;
	if (rc == WRIT_OK && (rc = first_value(&rs, value, &d->defined)) == WRIT_EINTERNAL)
		snprintf(rerr->code, sizeof(rerr->code), "internal_error");
out:
	if (rc == WRIT_ENOMEM && rerr->code[0] == '\0')
		snprintf(rerr->code, sizeof(rerr->code), "internal_error");
	if (own)
		writ_rego_prepared_free(p);
	writ_buf_free(&q);
	writ_buf_free(&rs);
	return rc;
}

writ_rc
writ_policy_decide(struct writ_policy_snapshot *s, const char *path, const char *input,
    size_t input_len, struct writ_buf *value, bool *defined, struct writ_rego_error *rerr)
{
	struct pol_decision d = {.input = input, .input_len = input_len};
	struct writ_arena *a = writ_arena_new(0, 0);
	struct pol_path p;
	writ_rc rc;

	memset(rerr, 0, sizeof(*rerr));
	if (a == NULL)
		return WRIT_ENOMEM;
	if ((rc = pol_path_parse(a, path, strlen(path), false, &p)) == WRIT_OK &&
	    (rc = pol_decide(s, &p, &d, value, rerr)) == WRIT_OK)
		*defined = d.defined;
	writ_arena_free(a);
	return rc;
}

bool
writ_policy_may_define(const struct writ_policy_snapshot *s, const char *path)
{
	return s->rb == NULL || writ_rego_path_may_define(s->rb, path);
}
