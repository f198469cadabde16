/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Builtins that need the evaluator's state, implemented here rather than in
 * a builtin family: membership (`x in xs`, `k, v in xs`), walk (a relation:
 * walk(x, [path, value]) enumerates every node), trace (a Note in the
 * explanation when one is recorded, else nothing), rego.metadata.*,
 * opa.runtime, and http.send: its request object checked here as OPA checks
 * it, then refused unless the evaluation's caller enabled it (struct
 * writ_rego_http), which hands it to http_send.c.
 */
#include <string.h>

#include "writ/base.h"

#include "rego/eval.h"
#include "rego/trace.h"
#include "rego/http_send.h"

struct native {
	const char *name;
	int arity;
};

static const struct native natives[] = {
    {"http.send", 1},
    {"internal.member_2", 2},
    {"internal.member_3", 3},
    {"opa.runtime", 0},
    {"rego.metadata.chain", 0},
    {"rego.metadata.rule", 0},
    {"trace", 1},
};

int
rego_ev_native_arity(const char *name)
{
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(natives); i++)
		if (strcmp(natives[i].name, name) == 0)
			return natives[i].arity;
	return -1;
}

static bool
member(const struct rego_val *x, const struct rego_val *xs)
{
	size_t i;

	switch (xs->type) {
	case REGO_ARRAY:
		for (i = 0; i < xs->len; i++)
			if (rego_equal(xs->u.elems[i], x))
				return true;
		return false;
	case REGO_SET:
		return rego_set_contains(xs, x);
	case REGO_OBJECT:
		for (i = 0; i < xs->len; i++)
			if (rego_equal(xs->u.kvs[i].val, x))
				return true;
		return false;
	default:
		return false;
	}
}

static bool
member3(const struct rego_val *k, const struct rego_val *v, const struct rego_val *xs)
{
	const struct rego_val *got = NULL;
	int64_t i;

	if (xs->type == REGO_ARRAY) {
		if (k->type == REGO_NUMBER && rego_num_i64(k, &i) && i >= 0 &&
		    (uint64_t)i < xs->len)
			got = xs->u.elems[i];
	} else if (xs->type == REGO_OBJECT) {
		got = rego_object_get(xs, k);
	} else if (xs->type == REGO_SET) {
		got = rego_set_contains(xs, k) ? k : NULL;
	}
	return got != NULL && rego_equal(got, v);
}

/* The request keys http.send accepts (OPA's list). */
static const char *const http_keys[] = {"body", "cache", "cache_ignored_headers", "caching_mode",
    "enable_redirect", "force_cache", "force_cache_duration_seconds", "force_json_decode",
    "force_yaml_decode", "headers", "max_retry_attempts", "method", "raise_error", "raw_body",
    "timeout", "tls_ca_cert", "tls_ca_cert_env_variable", "tls_ca_cert_file", "tls_client_cert",
    "tls_client_cert_env_variable", "tls_client_cert_file", "tls_client_key",
    "tls_client_key_env_variable", "tls_client_key_file", "tls_insecure_skip_verify",
    "tls_server_name", "tls_use_system_certs", "url"};

static bool
http_key_ok(const struct rego_val *k)
{
	size_t i;

	for (i = 0; k->type == REGO_STRING && i < WRIT_ARRAY_LEN(http_keys); i++)
		if (strcmp(k->u.s, http_keys[i]) == 0)
			return true;
	return false;
}

/* A set of strings printed as Rego does, for messages. */
static int
http_keyset_err(
    struct rego_ev *e, const struct rego_term *call, const char *what, struct rego_builder *b)
{
	const struct rego_val *set = NULL;
	struct writ_err we = {0};
	struct writ_buf buf;
	int rc;

	writ_buf_init(&buf, 256);
	if (rego_builder_finish(b, &set, &we) != WRIT_OK || rego_print(&buf, set, &we) != WRIT_OK)
		rc = rego_ev_oom(e, WRIT_ELIMIT, &we);
	else
		rc = rego_ev_fail(
		    e, "eval_type_error", &call->loc, "http.send: %s: %s", what, buf.ptr);
	writ_buf_free(&buf);
	return rc;
}

/* http.send: check the request's keys as OPA does, then refuse it or send it. */
static int
http_send(struct rego_ev *e, const struct rego_term *call, const struct rego_val *req,
    const struct rego_val **out)
{
	static const char *const required[] = {"method", "url"};
	struct rego_builder bad, missing;
	struct writ_err we = {0};
	size_t i;

	if (req->type != REGO_OBJECT)
		return rego_ev_fail(e, "eval_type_error", &call->loc,
		    "http.send: operand 1 must be object but got %s", rego_type_name(req));
	rego_builder_init(&bad, e->a, REGO_SET);
	rego_builder_init(&missing, e->a, REGO_SET);
	for (i = 0; i < req->len; i++)
		if (!http_key_ok(req->u.kvs[i].key) &&
		    rego_builder_push(&bad, req->u.kvs[i].key, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	if (bad.n > 0)
		return http_keyset_err(e, call, "invalid request parameters(s)", &bad);
	for (i = 0; i < WRIT_ARRAY_LEN(required); i++) {
		const struct rego_val *k = NULL;

		if (rego_object_get_str(req, required[i], strlen(required[i])) != NULL)
			continue;
		if (rego_string(e->a, required[i], strlen(required[i]), &k, &we) != WRIT_OK ||
		    rego_builder_push(&missing, k, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	}
	if (missing.n > 0)
		return http_keyset_err(e, call, "missing required request parameters(s)", &missing);
	if (e->http == NULL || !e->http->enabled)
		return rego_ev_fail(e, "eval_builtin_error", &call->loc,
		    "http.send: outbound requests are disabled in this server");
	return rego_http_send(e, call, req, out);
}

/* trace(msg): true, and a Note when the evaluation is traced (OPA's builtinTrace). */
static int
native_trace(struct rego_ev *e, const struct rego_term *call, const struct rego_val *msg,
    const struct rego_val **out)
{
	if (msg->type != REGO_STRING) {
		if (!e->strict)
			return EV_OK; /* undefined, as any builtin error */
		return rego_ev_fail(e, "eval_type_error", &call->loc,
		    "trace: operand 1 must be string but got %s", rego_type_name(msg));
	}
	if (REGO_TRACED(e))
		rego_trace_note(e, &call->loc, msg);
	*out = &rego_true_val;
	return EV_OK;
}

int
rego_ev_native(struct rego_ev *e, const char *name, const struct rego_term *call,
    const struct rego_val *const *args, size_t nargs, const struct rego_val **out)
{
	(void)nargs;
	*out = NULL;
	if (strcmp(name, "internal.member_2") == 0) {
		*out = rego_bool(member(args[0], args[1]));
	} else if (strcmp(name, "internal.member_3") == 0) {
		*out = rego_bool(member3(args[0], args[1], args[2]));
	} else if (strcmp(name, "trace") == 0) {
		return native_trace(e, call, args[0], out);
	} else if (strcmp(name, "opa.runtime") == 0) {
		*out = &rego_empty_object_val;
	} else if (strcmp(name, "rego.metadata.rule") == 0) {
		return rego_ev_meta_rule(e, out);
	} else if (strcmp(name, "rego.metadata.chain") == 0) {
		return rego_ev_meta_chain(e, out);
	} else if (strcmp(name, "http.send") == 0) {
		return http_send(e, call, args[0], out);
	} else {
		return -1;
	}
	return EV_OK;
}

/* ---------------------------------------------------------------------------
 * walk: every [path, value] pair of a value, the value itself first.
 */

struct walk_st {
	const struct rego_term *out;
	const struct rego_val **path;
	size_t npath, cap;
	struct rego_k k;
};

static int
walk_out_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct walk_st *ws = arg;

	(void)v;
	return ws->k.fn(e, ws->k.arg, &rego_true_val);
}

static int
walk_emit(struct rego_ev *e, struct walk_st *ws, const struct rego_val *v)
{
	const struct rego_val *pair[2], *p = NULL, *pv = NULL;
	struct writ_err we = {0};

	if (rego_array(e->a, ws->path, ws->npath, &p, &we) != WRIT_OK)
		return rego_ev_oom(e, WRIT_ELIMIT, &we);
	pair[0] = p;
	pair[1] = v;
	if (rego_array(e->a, pair, 2, &pv, &we) != WRIT_OK)
		return rego_ev_oom(e, WRIT_ELIMIT, &we);
	if (ws->out == NULL) /* walk(x) as a term: each pair is a value */
		return ws->k.fn(e, ws->k.arg, pv);
	return rego_ev_unify_tv(e, ws->out, pv, false, (struct rego_k){walk_out_k, ws});
}

static int
walk_rec(struct rego_ev *e, struct walk_st *ws, const struct rego_val *v)
{
	struct writ_err we = {0};
	size_t i;
	int rc;

	if ((rc = rego_ev_step(e)) != EV_OK || (rc = walk_emit(e, ws, v)) != EV_OK)
		return rc;
	if (v->type != REGO_ARRAY && v->type != REGO_OBJECT && v->type != REGO_SET)
		return EV_OK;
	if (ws->npath == ws->cap) {
		size_t ncap = ws->cap ? ws->cap * 2 : 16;
		const struct rego_val **np = writ_arena_calloc(e->a, ncap, sizeof(*np));

		if (np == NULL)
			return rego_ev_oom(e, WRIT_ELIMIT, NULL);
		if (ws->npath > 0)
			memcpy(np, ws->path, ws->npath * sizeof(*np));
		ws->path = np;
		ws->cap = ncap;
	}
	for (i = 0; i < v->len; i++) {
		const struct rego_val *key, *child;

		if (v->type == REGO_ARRAY) {
			if (rego_int(e->a, (int64_t)i, &key, &we) != WRIT_OK)
				return rego_ev_oom(e, WRIT_ELIMIT, &we);
			child = v->u.elems[i];
		} else if (v->type == REGO_SET) {
			key = child = v->u.elems[i];
		} else {
			key = v->u.kvs[i].key;
			child = v->u.kvs[i].val;
		}
		ws->path[ws->npath++] = key;
		rc = walk_rec(e, ws, child);
		ws->npath--;
		if (rc != EV_OK)
			return rc;
	}
	return EV_OK;
}

struct walk_arg {
	const struct rego_term *out;
	struct rego_k k;
};

static int
walk_arg_k(struct rego_ev *e, void *arg, const struct rego_val *v)
{
	struct walk_arg *wa = arg;
	struct walk_st ws = {wa->out, NULL, 0, 0, wa->k};

	return walk_rec(e, &ws, v);
}

int
rego_ev_walk(struct rego_ev *e, const struct rego_term *t, struct rego_k k)
{
	struct walk_arg wa = {t->items.n > 2 ? t->items.v[2] : NULL, k};

	return rego_ev_term(e, t->items.v[1], (struct rego_k){walk_arg_k, &wa});
}
