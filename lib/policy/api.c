/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OPA's REST API on the decision listener, independent of HTTP: the server
 * hands each request to writ_policy_serve and sends what it fills in.
 *
 *   POST /                         default decision: the body is the input,
 *                                  the reply the bare value (404 when undefined)
 *   GET, POST /v1/data[/{path}]    {"input": ...} -> {"result": ..., "decision_id": ...}
 *   PUT, PATCH, DELETE /v1/data[/{path}]   the API's data document; 204
 *   GET /v1/policies               {"result": [{"id", "raw"}, ...]}
 *   GET, PUT, DELETE /v1/policies/{id}
 *   GET /health                    200 {} (?bundles, ?plugins accepted)
 *
 * Query parameters: pretty, metrics (and instrument), provenance,
 * strict-builtin-errors, explain=notes|fails|full|debug (the data API's
 * decisions only, as in OPA: an "explanation" member with the trace's
 * events, their ops lowercased as OPA's REST API writes them, or with
 * pretty the lines of the pretty trace as an array of strings).
 * Errors are OPA's: {"code": "invalid_parameter" | "resource_not_found" |
 * "resource_conflict" | "undefined_document" | "internal_error", "message":
 * "...", "errors": [{"code", "message", "location": {"file", "row", "col"}}]},
 * always indented, as OPA writes them.  A method a path does not serve is
 * 405 with no body, as in OPA.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "writ/base.h"
#include "writ/core.h"
#include "writ/policy.h"
#include "writ/rego.h"

#include "policy/policy_int.h"

#define MSG_EVAL      "error(s) occurred while evaluating query"
#define MSG_COMPILE   "error(s) occurred while compiling module(s)"
#define MSG_COMPILE_Q "error(s) occurred while compiling query"
#define MSG_UNDEFINED "document missing or undefined"
#define MSG_NO_INPUT  "'input' key missing from the request"
#define MSG_MALFORMED "body contains malformed input document"

/* One request. */
struct api {
	struct writ_policy_store *ps;
	const struct writ_policy_in *in;
	struct writ_policy_out *out;
	struct writ_arena *a;
	bool pretty, metrics, provenance, strict;
	enum writ_rego_explain explain; /* OFF unless a known mode was asked for */
	uint64_t t0;                    /* monotonic ns at the start */
	uint64_t parse_ns;
};

/* ---------------------------------------------------------------------------
 * Replies.
 */

/* Send b (moved) with status, indented with a newline after it when pretty. */
static void
reply(struct api *c, int status, struct writ_buf *b, bool pretty)
{
	struct writ_buf t;

	c->out->status = status;
	if (b == NULL || b->ptr == NULL)
		return;
	if (pretty) {
		writ_buf_init(&t, 0);
		if (pol_json_indent(b->ptr, b->len, &t) != WRIT_OK ||
		    writ_buf_append(&t, "\n", 1) != WRIT_OK) {
			writ_buf_free(&t);
			writ_buf_free(b);
			c->out->status = 500;
			return;
		}
		writ_buf_free(b);
		*b = t;
	}
	writ_buf_free(&c->out->body);
	c->out->body = *b;
	writ_buf_init(b, 0);
}

static writ_rc
append_rego_error(struct writ_buf *b, const struct writ_rego_error *e)
{
	writ_rc rc;

	if ((rc = writ_buf_append(b, "{\"code\":", 8)) != WRIT_OK ||
	    (rc = writ_buf_append_json_str(b, e->code, strlen(e->code))) != WRIT_OK ||
	    (rc = writ_buf_append(b, ",\"message\":", 11)) != WRIT_OK ||
	    (rc = writ_buf_append_json_str(b, e->message, strlen(e->message))) != WRIT_OK)
		return rc;
	if (e->file[0] != '\0' || e->row > 0) {
		if ((rc = writ_buf_append(b, ",\"location\":{\"file\":", 20)) != WRIT_OK ||
		    (rc = writ_buf_append_json_str(b, e->file, strlen(e->file))) != WRIT_OK ||
		    (rc = writ_buf_appendf(b, ",\"row\":%d,\"col\":%d}", e->row, e->col)) !=
		        WRIT_OK)
			return rc;
	}
	return writ_buf_append(b, "}", 1);
}

/* OPA's error object, with one detailed error when e is not NULL. */
static void
reply_error(
    struct api *c, int status, const char *code, const char *msg, const struct writ_rego_error *e)
{
	struct writ_buf b;
	writ_rc rc;

	writ_buf_init(&b, 0);
	if ((rc = writ_buf_append(&b, "{\"code\":", 8)) == WRIT_OK &&
	    (rc = writ_buf_append_json_str(&b, code, strlen(code))) == WRIT_OK &&
	    (rc = writ_buf_append(&b, ",\"message\":", 11)) == WRIT_OK &&
	    (rc = writ_buf_append_json_str(&b, msg, strlen(msg))) == WRIT_OK && e != NULL &&
	    (rc = writ_buf_append(&b, ",\"errors\":[", 11)) == WRIT_OK &&
	    (rc = append_rego_error(&b, e)) == WRIT_OK)
		rc = writ_buf_append(&b, "]", 1);
	if (rc == WRIT_OK)
		rc = writ_buf_append(&b, "}", 1);
	if (rc != WRIT_OK) {
		writ_buf_free(&b);
		c->out->status = 500;
		return;
	}
	reply(c, status, &b, true);
}

/* A failure of a store operation (err says which), in OPA's codes. */
static void
reply_rc(struct api *c, writ_rc rc, const struct writ_err *err)
{
	switch (rc) {
	case WRIT_EINVAL:
	case WRIT_EPARSE:
	case WRIT_ELIMIT:
	case WRIT_EDENIED:
		reply_error(c, 400, "invalid_parameter", err->msg, NULL);
		break;
	case WRIT_ENOTFOUND:
		reply_error(c, 404, "resource_not_found", err->msg, NULL);
		break;
	case WRIT_ECONFLICT:
		reply_error(c, 404, "resource_conflict", err->msg, NULL);
		break;
	case WRIT_ESEALED:
		reply_error(c, 503, "internal_error", err->msg, NULL);
		break;
	default:
		writ_log(
		    WRIT_LOG_ERROR, "policy api: %s %s: %s", c->in->method, c->in->path, err->msg);
		reply_error(c, 500, "internal_error", "internal error", NULL);
	}
}

/* A compile failure (rerr filled) or any other failure of a change. */
static void
reply_change_error(struct api *c, writ_rc rc, const struct writ_rego_error *rerr,
    const struct writ_err *err, const char *code)
{
	if (rerr->code[0] != '\0' && strcmp(rerr->code, "internal_error") != 0)
		reply_error(c, 400, code, MSG_COMPILE, rerr);
	else
		reply_rc(c, rc, err);
}

/* An evaluation failure. */
static void
reply_eval_error(struct api *c, writ_rc rc, const struct writ_rego_error *rerr)
{
	if (rc == WRIT_ENOMEM || strcmp(rerr->code, "internal_error") == 0) {
		writ_log(WRIT_LOG_ERROR, "policy api: %s %s: %s", c->in->method, c->in->path,
		    rerr->message[0] ? rerr->message : "out of memory");
		reply_error(c, 500, "internal_error", "internal error", NULL);
	} else if (strncmp(rerr->code, "rego_", 5) == 0) {
		reply_error(c, 400, "invalid_parameter", MSG_COMPILE_Q, rerr);
	} else {
		reply_error(c, 500, "internal_error", MSG_EVAL, rerr);
	}
}

/* ,"metrics":{...} for a change (d NULL) or a decision. */
static writ_rc
append_metrics(struct api *c, struct writ_buf *b, const struct pol_decision *d)
{
	uint64_t total = writ_time_mono_ns() - c->t0;
	writ_rc rc;

	if (d == NULL)
		return writ_buf_appendf(
		    b, "\"metrics\":{\"timer_server_handler_ns\":%llu}", (unsigned long long)total);
	rc = writ_buf_appendf(b,
	    "\"metrics\":{\"counter_server_query_cache_hit\":%d,\"timer_rego_input_parse_ns\":%llu,",
	    d->cache_hit ? 1 : 0, (unsigned long long)c->parse_ns);
	if (rc == WRIT_OK && !d->cache_hit)
		rc = writ_buf_appendf(
		    b, "\"timer_rego_query_compile_ns\":%llu,", (unsigned long long)d->prepare_ns);
	if (rc == WRIT_OK)
		rc = writ_buf_appendf(b,
		    "\"timer_rego_query_eval_ns\":%llu,\"timer_server_handler_ns\":%llu}",
		    (unsigned long long)d->eval_ns, (unsigned long long)total);
	return rc;
}

static writ_rc
append_provenance(struct writ_buf *b, const struct writ_policy_snapshot *s)
{
	writ_rc rc = writ_buf_append(b, "\"provenance\":{", 14);

	if (rc == WRIT_OK && s->bundle_name != NULL &&
	    (rc = writ_buf_append(b, "\"bundles\":{", 11)) == WRIT_OK &&
	    (rc = writ_buf_append_json_str(b, s->bundle_name, strlen(s->bundle_name))) == WRIT_OK &&
	    (rc = writ_buf_append(b, ":{\"revision\":", 13)) == WRIT_OK &&
	    (rc = writ_buf_append_json_str(b, s->revision, strlen(s->revision))) == WRIT_OK)
		rc = writ_buf_append(b, "}},", 3);
	if (rc == WRIT_OK)
		rc = writ_buf_appends(b,
		    "\"version\":\"" WRIT_VERSION "\",\"build_commit\":\"\","
		    "\"build_timestamp\":\"\",\"build_hostname\":\"\"}");
	return rc;
}

/* 204, or 200 {"metrics": ...} with ?metrics. */
static void
reply_changed(struct api *c, bool empty_object)
{
	struct writ_buf b;

	writ_buf_init(&b, 0);
	if (!c->metrics && !empty_object) {
		c->out->status = 204;
		return;
	}
	if (writ_buf_append(&b, "{", 1) != WRIT_OK ||
	    (c->metrics && append_metrics(c, &b, NULL) != WRIT_OK) ||
	    writ_buf_append(&b, "}", 1) != WRIT_OK) {
		writ_buf_free(&b);
		c->out->status = 500;
		return;
	}
	reply(c, 200, &b, c->pretty);
}

/* ---------------------------------------------------------------------------
 * Decisions.
 */

/*
 * The trace of an explained decision as OPA's REST API shows it, in place:
 * each event's op lowercased ("Enter" -> "enter").  A trace the scanner
 * cannot take (debug's locals nested deeper than its limit) is left as the
 * engine wrote it.
 */
static void
explain_events(struct writ_buf *e)
{
	struct pol_span all, k, ev, op;
	struct pol_json_it it;
	size_t i;

	if (e->ptr == NULL || pol_json_check(e->ptr, e->len, &all) != WRIT_OK ||
	    e->ptr[all.off] != '[')
		return;
	pol_json_it_init(&it, e->ptr, e->len, all.off);
	while (pol_json_it_next(&it, &k, &ev)) {
		if (e->ptr[ev.off] != '{' || !pol_json_member(e->ptr, e->len, ev.off, "op", 2, &op))
			continue;
		for (i = op.off; i < op.off + op.len; i++)
			if (e->ptr[i] >= 'A' && e->ptr[i] <= 'Z')
				e->ptr[i] = (char)(e->ptr[i] - 'A' + 'a');
	}
}

/* The pretty trace's lines (text) as a JSON array of strings, as OPA's ?explain&pretty. */
static writ_rc
explain_lines(const struct writ_buf *text, struct writ_buf *b)
{
	const char *s = text->ptr != NULL ? text->ptr : "", *nl;
	size_t len = text->len, i = 0;
	writ_rc rc = writ_buf_append(b, "[", 1);

	while (len > 0 && s[len - 1] == '\n')
		len--;
	while (i < len && rc == WRIT_OK) {
		nl = memchr(s + i, '\n', len - i);
		if ((rc = writ_buf_append(b, ",", i > 0)) == WRIT_OK)
			rc = writ_buf_append_json_str(
			    b, s + i, (nl != NULL ? (size_t)(nl - s) : len) - i);
		i = nl != NULL ? (size_t)(nl - s) + 1 : len;
	}
	if (rc == WRIT_OK)
		rc = writ_buf_append(b, "]", 1);
	return rc;
}

/* ,"explanation":[...] of an explained decision. */
static writ_rc
append_explanation(struct api *c, const struct pol_decision *d, bool comma, struct writ_buf *b)
{
	writ_rc rc;

	if (c->explain == WRIT_REGO_EXPLAIN_OFF || d->explanation == NULL)
		return WRIT_OK;
	if ((rc = writ_buf_appends(b, comma ? ",\"explanation\":" : "\"explanation\":")) != WRIT_OK)
		return rc;
	if (d->explain_pretty)
		return explain_lines(d->explanation, b);
	if (d->explanation->len == 0)
		return writ_buf_append(b, "[]", 2);
	explain_events(d->explanation);
	return writ_buf_append(b, d->explanation->ptr, d->explanation->len);
}

/*
 * The decision reply: {"provenance", "metrics", "result", "explanation", "warning",
 * "decision_id"}.
 */
static writ_rc
decision_body(struct api *c, struct writ_policy_snapshot *s, const struct pol_decision *d,
    const struct writ_buf *v, bool warn, const char *id, struct writ_buf *b)
{
	bool comma = false;
	writ_rc rc = writ_buf_append(b, "{", 1);

	if (rc == WRIT_OK && c->provenance) {
		rc = append_provenance(b, s);
		comma = true;
	}
	if (rc == WRIT_OK && c->metrics) {
		if ((rc = writ_buf_append(b, ",", comma)) == WRIT_OK)
			rc = append_metrics(c, b, d);
		comma = true;
	}
	if (rc == WRIT_OK && d->defined) {
		if ((rc = writ_buf_appends(b, comma ? ",\"result\":" : "\"result\":")) == WRIT_OK)
			rc = writ_buf_append(b, v->ptr, v->len);
		comma = true;
	}
	if (rc == WRIT_OK && c->explain != WRIT_REGO_EXPLAIN_OFF) {
		rc = append_explanation(c, d, comma, b);
		comma = true;
	}
	if (rc == WRIT_OK && warn) {
		rc = writ_buf_appendf(b,
		    "%s\"warning\":{\"code\":\"api_usage_warning\",\"message\":\"%s\"}",
		    comma ? "," : "", MSG_NO_INPUT);
		comma = true;
	}
	if (rc == WRIT_OK && id[0] != '\0')
		rc = writ_buf_appendf(b, "%s\"decision_id\":\"%s\"", comma ? "," : "", id);
	if (rc == WRIT_OK)
		rc = writ_buf_append(b, "}", 1);
	return rc;
}

static bool
var_name(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
		        (i > 0 && s[i] >= '0' && s[i] <= '9')))
			return false;
	return len > 0;
}

/* "document missing or undefined: data.a[\"b-c\"]", the ref as OPA prints it. */
static writ_rc
ref_text(const struct pol_path *p, struct writ_buf *b)
{
	size_t i;
	writ_rc rc = writ_buf_appends(b, MSG_UNDEFINED ": data");

	for (i = 0; i < p->n && rc == WRIT_OK; i++) {
		if (var_name(p->seg[i], p->len[i])) {
			if ((rc = writ_buf_append(b, ".", 1)) == WRIT_OK)
				rc = writ_buf_append(b, p->seg[i], p->len[i]);
		} else if ((rc = writ_buf_append(b, "[", 1)) == WRIT_OK &&
		    (rc = writ_buf_append_json_str(b, p->seg[i], p->len[i])) == WRIT_OK) {
			rc = writ_buf_append(b, "]", 1);
		}
	}
	return rc;
}

/*
 * Tell the decision log (if any) about a decision made with rc; false when
 * it could not record it, and the request has been answered 500.
 */
static bool
log_decision(struct api *c, struct writ_policy_snapshot *s, const struct pol_path *p,
    const struct pol_decision *d, writ_rc rc, const struct writ_buf *v,
    const struct writ_rego_error *rerr, const char *id)
{
	struct writ_policy_decision ld = {0};
	struct writ_buf path;
	writ_rc lrc;

	if (c->ps->log == NULL)
		return true;
	writ_buf_init(&path, 0);
	ld.decision_id = id;
	ld.path = pol_path_text(p, p->n, &path) == WRIT_OK && path.ptr != NULL ? path.ptr + 1 : "";
	ld.input = d->input;
	ld.input_len = d->input_len;
	if (rc == WRIT_OK && d->defined) {
		ld.result = v->ptr;
		ld.result_len = v->len;
	}
	ld.error = rc == WRIT_OK ? NULL : rerr;
	ld.revision = writ_policy_revision(s);
	ld.latency_ns = writ_time_mono_ns() - c->t0;
	ld.remote_addr = c->in->remote_addr;
	ld.spiffe_id = c->in->spiffe_id;
	ld.snap = s;
	lrc = c->ps->log(c->ps->log_arg, &ld);
	writ_buf_free(&path);
	if (lrc == WRIT_OK)
		return true;
	reply_error(c, 500, "internal_error", "decision log unavailable", NULL);
	return false;
}

/*
 * Evaluate data.<p> with input (NULL: none) and reply; bare: POST / (the
 * value alone, never explained, as in OPA).
 */
static void
decide(
    struct api *c, const struct pol_path *p, const char *input, size_t ilen, bool warn, bool bare)
{
	struct writ_policy_snapshot *s = writ_policy_acquire(c->ps);
	struct pol_decision d = {.input = input, .input_len = ilen, .strict = c->strict};
	struct writ_rego_error rerr;
	struct writ_buf v, b, ref, expl;
	char id[37] = "";
	writ_rc rc;

	writ_buf_init(&v, 0);
	writ_buf_init(&b, 0);
	writ_buf_init(&ref, 0);
	writ_buf_init(&expl, 0);
	if (bare)
		c->explain = WRIT_REGO_EXPLAIN_OFF;
	if (c->explain != WRIT_REGO_EXPLAIN_OFF) {
		d.explain = c->explain;
		d.explain_pretty = c->pretty;
		d.explanation = &expl;
	}
	if (writ_uuid(id) != WRIT_OK)
		id[0] = '\0';
	rc = pol_decide(s, p, &d, &v, &rerr);
	if (!log_decision(c, s, p, &d, rc, &v, &rerr, id)) {
		/* answered: fail closed */
	} else if (rc != WRIT_OK) {
		reply_eval_error(c, rc, &rerr);
	} else if (bare && !d.defined) {
		rc = ref_text(p, &ref);
		reply_error(
		    c, 404, "undefined_document", rc == WRIT_OK ? ref.ptr : MSG_UNDEFINED, NULL);
	} else if (bare) {
		reply(c, 200, &v, c->pretty);
	} else if (decision_body(c, s, &d, &v, warn, id, &b) != WRIT_OK) {
		c->out->status = 500;
	} else {
		reply(c, 200, &b, c->pretty);
	}
	writ_policy_release(s);
	writ_buf_free(&v);
	writ_buf_free(&b);
	writ_buf_free(&ref);
	writ_buf_free(&expl);
}

/*
 * The "input" member of a POST /v1/data body: *has false when the body is
 * empty, null, or has no input (or a null one).  Replies and returns an
 * error when the body is not a JSON object.
 */
static writ_rc
body_input(struct api *c, struct pol_span *input, bool *has)
{
	const char *body = c->in->body;
	size_t len = c->in->bodylen;
	struct pol_span all;
	writ_rc rc;

	*has = false;
	if (body == NULL || pol_json_ws(body, len, 0) == len)
		return WRIT_OK;
	if ((rc = pol_json_check(body, len, &all)) != WRIT_OK) {
		reply_error(c, 400, "invalid_parameter",
		    rc == WRIT_ELIMIT ? MSG_MALFORMED ": nested too deeply" : MSG_MALFORMED, NULL);
		return rc;
	}
	if (body[all.off] == 'n')
		return WRIT_OK;
	if (body[all.off] != '{') {
		reply_error(c, 400, "invalid_parameter", MSG_MALFORMED ": not a JSON object", NULL);
		return WRIT_EINVAL;
	}
	if (pol_json_member(body, len, all.off, "input", 5, input) && body[input->off] != 'n')
		*has = true;
	return WRIT_OK;
}

static void
data_post(struct api *c, const struct pol_path *p)
{
	struct pol_span in = {0, 0};
	uint64_t t = writ_time_mono_ns();
	bool has;

	if (body_input(c, &in, &has) != WRIT_OK)
		return;
	c->parse_ns = writ_time_mono_ns() - t;
	decide(c, p, has ? c->in->body + in.off : NULL, in.len, !has, false);
}

/* POST /: the whole body is the input, the default decision the path. */
static void
default_post(struct api *c)
{
	const char *body = c->in->body;
	size_t len = c->in->bodylen;
	struct pol_span all = {0, 0};
	struct pol_path p;
	writ_rc rc;
	bool has = body != NULL && pol_json_ws(body, len, 0) < len;

	if (has && (rc = pol_json_check(body, len, &all)) != WRIT_OK) {
		reply_error(c, 400, "invalid_parameter",
		    "unexpected parse error for input: " MSG_MALFORMED, NULL);
		return;
	}
	if (pol_path_parse(c->a, c->ps->default_decision, strlen(c->ps->default_decision), false,
	        &p) != WRIT_OK) {
		c->out->status = 500;
		return;
	}
	decide(c, &p, has ? body + all.off : NULL, all.len, false, true);
}

/* ---------------------------------------------------------------------------
 * The data API's changes.
 */

struct put_arg {
	const struct pol_path *p;
	const char *val;
	size_t vlen;
};

static writ_rc
put_edit(struct writ_buf *doc, const struct pol_path *roots, size_t nroots, void *arg,
    struct writ_err *err)
{
	struct put_arg *pa = arg;

	if (pol_path_owned(roots, nroots, pa->p))
		return pol_owned_error(pa->p, err);
	return pol_data_put(doc, pa->p, pa->val, pa->vlen, err);
}

static writ_rc
remove_edit(struct writ_buf *doc, const struct pol_path *roots, size_t nroots, void *arg,
    struct writ_err *err)
{
	struct put_arg *pa = arg;

	if (pol_path_owned(roots, nroots, pa->p))
		return pol_owned_error(pa->p, err);
	return pol_data_remove(doc, pa->p, err);
}

struct patch_arg {
	struct writ_arena *a;
	const struct pol_path *p;
	const char *ops;
	size_t len;
};

static writ_rc
patch_edit(struct writ_buf *doc, const struct pol_path *roots, size_t nroots, void *arg,
    struct writ_err *err)
{
	struct patch_arg *pa = arg;

	return pol_data_patch(pa->a, doc, pa->p, pa->ops, pa->len, roots, nroots, err);
}

static void
data_change(struct api *c, pol_edit_fn edit, void *arg)
{
	struct writ_rego_error rerr;
	struct writ_err err = {0};
	writ_rc rc;

	memset(&rerr, 0, sizeof(rerr));
	if ((rc = pol_store_data_edit(c->ps, edit, arg, &rerr, &err)) != WRIT_OK)
		reply_change_error(c, rc, &rerr, &err, "invalid_parameter");
	else
		reply_changed(c, false);
}

static void
data_put(struct api *c, const struct pol_path *p)
{
	struct put_arg pa = {p, NULL, 0};
	struct pol_span v;
	const char *inm = c->in->if_none_match;

	if (c->in->body == NULL || pol_json_check(c->in->body, c->in->bodylen, &v) != WRIT_OK) {
		reply_error(c, 400, "invalid_parameter", "body is not a JSON document", NULL);
		return;
	}
	if (inm != NULL && strcmp(inm, "*") == 0 && pol_store_data_exists(c->ps, p)) {
		c->out->status = 304;
		return;
	}
	pa.val = c->in->body + v.off;
	pa.vlen = v.len;
	data_change(c, put_edit, &pa);
}

static void
data_route(struct api *c, const char *rest)
{
	const char *m = c->in->method;
	struct patch_arg pat;
	struct put_arg pa;
	struct pol_path p;

	if (pol_path_parse(c->a, rest, strlen(rest), true, &p) != WRIT_OK) {
		reply_error(c, 400, "invalid_parameter", "invalid path", NULL);
		return;
	}
	if (strcmp(m, "GET") == 0) {
		decide(c, &p, NULL, 0, false, false);
	} else if (strcmp(m, "POST") == 0) {
		data_post(c, &p);
	} else if (strcmp(m, "PUT") == 0) {
		data_put(c, &p);
	} else if (strcmp(m, "PATCH") == 0) {
		pat = (struct patch_arg){c->a, &p, c->in->body ? c->in->body : "", c->in->bodylen};
		data_change(c, patch_edit, &pat);
	} else if (strcmp(m, "DELETE") == 0) {
		pa = (struct put_arg){&p, NULL, 0};
		data_change(c, remove_edit, &pa);
	} else {
		c->out->status = 405;
	}
}

/* ---------------------------------------------------------------------------
 * The policy API.
 */

static int
module_cmp(const void *x, const void *y)
{
	return strcmp(((const struct pol_module *)x)->id, ((const struct pol_module *)y)->id);
}

static writ_rc
append_policy(struct writ_buf *b, const struct pol_module *m)
{
	writ_rc rc;

	if ((rc = writ_buf_append(b, "{\"id\":", 6)) != WRIT_OK ||
	    (rc = writ_buf_append_json_str(b, m->id, strlen(m->id))) != WRIT_OK ||
	    (rc = writ_buf_append(b, ",\"raw\":", 7)) != WRIT_OK ||
	    (rc = writ_buf_append_json_str(b, m->text, m->len)) != WRIT_OK)
		return rc;
	return writ_buf_append(b, "}", 1);
}

/* GET /v1/policies, or GET /v1/policies/{id} when id is not NULL. */
static void
policy_get(struct api *c, const char *id)
{
	struct pol_modules all;
	struct writ_buf b;
	struct writ_err err = {0};
	const struct pol_module *m = NULL;
	size_t i;
	writ_rc rc;

	writ_buf_init(&b, 0);
	if (pol_store_modules(c->ps, &all) != WRIT_OK) {
		c->out->status = 500;
		return;
	}
	if (id != NULL && (m = pol_modules_find(&all, id)) == NULL) {
		WRIT_ERR(&err, WRIT_ENOTFOUND, "storage_not_found_error: policy id \"%.200s\"", id);
		reply_rc(c, WRIT_ENOTFOUND, &err);
		goto out;
	}
	if (m != NULL) {
		if ((rc = writ_buf_append(&b, "{\"result\":", 10)) == WRIT_OK &&
		    (rc = append_policy(&b, m)) == WRIT_OK)
			rc = writ_buf_append(&b, "}", 1);
	} else {
		qsort(all.v, all.n, sizeof(*all.v), module_cmp);
		rc = writ_buf_append(&b, "{\"result\":[", 11);
		for (i = 0; i < all.n && rc == WRIT_OK; i++)
			if ((rc = writ_buf_append(&b, ",", i > 0)) == WRIT_OK)
				rc = append_policy(&b, &all.v[i]);
		if (rc == WRIT_OK)
			rc = writ_buf_append(&b, "]}", 2);
	}
	if (rc != WRIT_OK)
		c->out->status = 500;
	else
		reply(c, 200, &b, c->pretty);
out:
	pol_modules_free(&all);
	writ_buf_free(&b);
}

static void
policy_put(struct api *c, const char *id)
{
	struct writ_rego_error rerr;
	struct writ_err err = {0};
	bool unchanged;
	writ_rc rc;

	memset(&rerr, 0, sizeof(rerr));
	if (c->in->bodylen == 0 || c->in->body == NULL) {
		reply_error(c, 400, "invalid_parameter", "empty module", NULL);
		return;
	}
	rc = pol_store_module_put(c->ps, id, c->in->body, c->in->bodylen, &unchanged, &rerr, &err);
	if (rc != WRIT_OK)
		reply_change_error(c, rc, &rerr, &err, "invalid_parameter");
	else
		reply_changed(c, true);
}

static void
policy_delete(struct api *c, const char *id)
{
	struct writ_rego_error rerr;
	struct writ_err err = {0};
	writ_rc rc;

	memset(&rerr, 0, sizeof(rerr));
	if ((rc = pol_store_module_delete(c->ps, id, &rerr, &err)) != WRIT_OK)
		reply_change_error(c, rc, &rerr, &err, "invalid_operation");
	else
		reply_changed(c, true);
}

/* A policy id: 1..WRIT_POLICY_ID_MAX bytes, no control characters. */
static bool
valid_id(const char *id, size_t len)
{
	size_t i;

	if (len == 0 || len > WRIT_POLICY_ID_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
			return false;
	return true;
}

static void
policy_route(struct api *c, const char *raw)
{
	const char *m = c->in->method;
	size_t len;
	char *id;

	if (pol_pct_decode(c->a, raw, strlen(raw), &id, &len) != WRIT_OK || !valid_id(id, len)) {
		reply_error(c, 400, "invalid_parameter", "invalid policy id", NULL);
		return;
	}
	if (strcmp(m, "GET") == 0)
		policy_get(c, id);
	else if (strcmp(m, "PUT") == 0)
		policy_put(c, id);
	else if (strcmp(m, "DELETE") == 0)
		policy_delete(c, id);
	else
		c->out->status = 405;
}

/* ---------------------------------------------------------------------------
 * Health and routing.
 */

static void
health(struct api *c)
{
	struct writ_err err = {0};
	struct writ_buf b;

	writ_buf_init(&b, 0);
	if (pol_store_ready(c->ps, &err) != WRIT_OK) {
		if (writ_buf_appends(&b, "{\"error\":") != WRIT_OK ||
		    writ_buf_append_json_str(&b, err.msg, strlen(err.msg)) != WRIT_OK ||
		    writ_buf_appends(&b, "}\n") != WRIT_OK) {
			writ_buf_free(&b);
			c->out->status = 500;
			return;
		}
		reply(c, 500, &b, false);
		return;
	}
	if (writ_buf_append(&b, "{}", 2) != WRIT_OK) {
		c->out->status = 500;
		return;
	}
	reply(c, 200, &b, false);
}

static bool
param_true(const char *v, size_t len)
{
	return len == 0 || (len == 4 && strncasecmp(v, "true", 4) == 0);
}

static bool
key_is(const char *k, size_t klen, const char *name)
{
	return klen == strlen(name) && memcmp(k, name, klen) == 0;
}

/* ?explain=MODE: a known mode turns it on; anything else (off too) turns it off, as in OPA. */
static void
explain_param(struct api *c, const char *v, size_t vlen)
{
	char mode[8];

	c->explain = WRIT_REGO_EXPLAIN_OFF;
	if (vlen >= sizeof(mode))
		return;
	memcpy(mode, v, vlen);
	mode[vlen] = '\0';
	if (writ_rego_explain_parse(mode, &c->explain) != WRIT_OK)
		c->explain = WRIT_REGO_EXPLAIN_OFF;
}

/* The query parameters; unknown ones are ignored, as OPA does. */
static void
parse_query(struct api *c)
{
	const char *q = c->in->query, *amp, *eq, *v;
	size_t klen, vlen;

	for (; q != NULL && *q != '\0'; q = amp + (*amp != '\0')) {
		amp = q + strcspn(q, "&");
		eq = memchr(q, '=', (size_t)(amp - q));
		klen = (size_t)((eq != NULL ? eq : amp) - q);
		v = eq != NULL ? eq + 1 : amp;
		vlen = (size_t)(amp - v);
		if (key_is(q, klen, "pretty"))
			c->pretty |= param_true(v, vlen);
		else if (key_is(q, klen, "metrics") || key_is(q, klen, "instrument"))
			c->metrics |= param_true(v, vlen);
		else if (key_is(q, klen, "provenance"))
			c->provenance |= param_true(v, vlen);
		else if (key_is(q, klen, "strict-builtin-errors"))
			c->strict |= param_true(v, vlen);
		else if (key_is(q, klen, "explain"))
			explain_param(c, v, vlen);
	}
}

static bool
is(const char *path, const char *a, const char *b)
{
	return strcmp(path, a) == 0 || (b != NULL && strcmp(path, b) == 0);
}

static void
route(struct api *c)
{
	const char *p = c->in->path, *m = c->in->method;
	struct writ_err err = {0};
	writ_rc rc;

	if (is(p, "/health", "/health/")) {
		if (strcmp(m, "GET") == 0)
			health(c);
		else
			c->out->status = 405;
		return;
	}
	if (!is(p, "/", NULL) && strncmp(p, "/v1/data", 8) != 0 &&
	    strncmp(p, "/v1/policies", 12) != 0) {
		reply_error(c, 404, "resource_not_found", "unknown path", NULL);
		return;
	}
	if ((rc = pol_store_ready(c->ps, &err)) != WRIT_OK) {
		reply_rc(c, rc, &err);
		return;
	}
	if (is(p, "/", NULL) && strcmp(m, "POST") == 0)
		default_post(c);
	else if (is(p, "/", NULL))
		c->out->status = 405;
	else if (strncmp(p, "/v1/data", 8) == 0 && (p[8] == '\0' || p[8] == '/'))
		data_route(c, p + 8);
	else if (is(p, "/v1/policies", "/v1/policies/") && strcmp(m, "GET") == 0)
		policy_get(c, NULL);
	else if (is(p, "/v1/policies", "/v1/policies/"))
		c->out->status = 405;
	else if (strncmp(p, "/v1/policies/", 13) == 0)
		policy_route(c, p + 13);
	else
		reply_error(c, 404, "resource_not_found", "unknown path", NULL);
}

void
writ_policy_serve(
    struct writ_policy_store *ps, const struct writ_policy_in *in, struct writ_policy_out *out)
{
	struct api c = {.ps = ps, .in = in, .out = out, .a = in->arena};

	memset(out, 0, sizeof(*out));
	writ_buf_init(&out->body, 0);
	c.t0 = writ_time_mono_ns();
	if (c.a == NULL && (c.a = writ_arena_new(0, 0)) == NULL) {
		out->status = 503;
		return;
	}
	parse_query(&c);
	route(&c);
	if (out->status == 0)
		out->status = 500;
	if (c.a != in->arena)
		writ_arena_free(c.a);
}
