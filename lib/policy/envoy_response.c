/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A decision -> the CheckResponse Envoy gets, read the way OPA's Envoy plugin
 * reads it (docs/API.md):
 *
 *   true / false                    status OK / PERMISSION_DENIED, nothing else
 *   {"allowed": true, ...}          status OK and an ok_response with headers,
 *                                   headers_to_remove, response_headers_to_add,
 *                                   query_parameters_to_set and _to_remove
 *   {"allowed": false, ...}         PERMISSION_DENIED and a denied_response with
 *                                   http_status (403 by default), headers, body
 *   dynamic_metadata                CheckResponse.dynamic_metadata, always with
 *                                   decision_id
 *
 * Anything else (undefined, another type, a missing or non-boolean allowed, a
 * key of the wrong type, an http_status Envoy does not know) is an error: the
 * caller fails the RPC and Envoy applies its own failure mode.  Header names
 * are put in Go's canonical form (X-Foo-Bar) as http.Header.Add does.  The
 * message is built in the caller's arena and packed once.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "envoy/service/auth/v3/external_auth.pb-c.h"

#include "envoy_int.h"

#define RPC_OK                0
#define RPC_PERMISSION_DENIED 7

typedef Envoy__Config__Core__V3__HeaderValueOption HVO;
typedef Envoy__Service__Auth__V3__CheckResponse CheckResponse;

/* A growing array of pointers in the arena (the repeated fields of the response). */
struct vec {
	void **v;
	size_t n, cap;
};

struct rctx {
	struct writ_arena *a;
	struct writ_err *err;
	unsigned max_depth;
};

static writ_rc to_value(
    struct rctx *c, const json_t *j, unsigned depth, Google__Protobuf__Value **out);

/* ---------------------------------------------------------------------------
 * Helpers.
 */

static writ_rc
vec_push(struct rctx *c, struct vec *v, void *p)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 8;
		void **nv = writ_arena_calloc(c->a, cap, sizeof(*nv));

		if (nv == NULL)
			return WRIT_ERR(c->err, WRIT_ENOMEM, "out of memory");
		if (v->n > 0)
			memcpy(nv, v->v, v->n * sizeof(*nv));
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n++] = p;
	return WRIT_OK;
}

static void *
alloc(struct rctx *c, size_t len)
{
	void *p = writ_arena_calloc(c->a, 1, len);

	if (p == NULL)
		WRIT_ERR(c->err, WRIT_ENOMEM, "out of memory");
	return p;
}

/* The JSON type of j in messages. */
static const char *
type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "null";
	}
}

static bool
header_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Go's textproto.CanonicalMIMEHeaderKey, in an arena copy. */
static char *
canonical_key(struct rctx *c, const char *k)
{
	size_t i, n = strlen(k);
	char *out = writ_arena_strndup(c->a, k, n);
	bool upper = true;

	if (out == NULL) {
		WRIT_ERR(c->err, WRIT_ENOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (!header_byte((unsigned char)k[i]))
			return out; /* not a header name: left as it is */
	for (i = 0; i < n; i++) {
		if (upper && out[i] >= 'a' && out[i] <= 'z')
			out[i] = (char)(out[i] - 'a' + 'A');
		else if (!upper && out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
		upper = out[i] == '-';
	}
	return out;
}

/* ---------------------------------------------------------------------------
 * Decision keys.
 */

static writ_rc
add_header(struct rctx *c, struct vec *v, const char *key, const char *value)
{
	Envoy__Config__Core__V3__HeaderValue *hv = alloc(c, sizeof(*hv));
	HVO *o = alloc(c, sizeof(*o));

	if (hv == NULL || o == NULL)
		return WRIT_ENOMEM;
	envoy__config__core__v3__header_value__init(hv);
	envoy__config__core__v3__header_value_option__init(o);
	if ((hv->key = canonical_key(c, key)) == NULL)
		return WRIT_ENOMEM;
	hv->value = (char *)(uintptr_t)value; /* jansson's string, alive until packed */
	o->header = hv;
	return vec_push(c, v, o);
}

/* One object of headers: name -> string or [string, ...]. */
static writ_rc
header_object(struct rctx *c, const char *what, const json_t *obj, struct vec *v)
{
	const char *k;
	json_t *val, *x;
	size_t i;
	writ_rc rc;

	json_object_foreach((json_t *)(uintptr_t)obj, k, val)
	{
		if (json_is_string(val)) {
			if ((rc = add_header(c, v, k, json_string_value(val))) != WRIT_OK)
				return rc;
			continue;
		}
		if (!json_is_array(val))
			return WRIT_ERR(c->err, WRIT_EINVAL,
			    "type assertion error for %s header '%s': %s", what, k, type_name(val));
		json_array_foreach(val, i, x)
		{
			if (!json_is_string(x))
				return WRIT_ERR(c->err, WRIT_EINVAL,
				    "invalid value type for %s header '%s': %s", what, k,
				    type_name(x));
			if ((rc = add_header(c, v, k, json_string_value(x))) != WRIT_OK)
				return rc;
		}
	}
	return WRIT_OK;
}

/* key: an object of headers, or an array of such objects. */
static writ_rc
headers(struct rctx *c, const json_t *d, const char *key, struct vec *v)
{
	const json_t *h = json_object_get(d, key), *x;
	size_t i;
	writ_rc rc;

	if (h == NULL)
		return WRIT_OK;
	if (json_is_object(h))
		return header_object(c, key, h, v);
	if (!json_is_array(h))
		return WRIT_ERR(c->err, WRIT_EINVAL,
		    "type assertion error, expected %s to be of type 'object' but got '%s'", key,
		    type_name(h));
	json_array_foreach(h, i, x)
	{
		if (!json_is_object(x))
			return WRIT_ERR(c->err, WRIT_EINVAL,
			    "type assertion error, expected %s to be of type 'object' but got '%s'",
			    key, type_name(x));
		if ((rc = header_object(c, key, x, v)) != WRIT_OK)
			return rc;
	}
	return WRIT_OK;
}

/* key: an array of strings (a Rego set arrives as one). */
static writ_rc
string_list(struct rctx *c, const json_t *d, const char *key, struct vec *v)
{
	const json_t *l = json_object_get(d, key), *x;
	size_t i;
	writ_rc rc;

	if (l == NULL)
		return WRIT_OK;
	if (!json_is_array(l))
		return WRIT_ERR(c->err, WRIT_EINVAL,
		    "type assertion error, expected %s to be of type 'array' but got '%s'", key,
		    type_name(l));
	json_array_foreach(l, i, x)
	{
		if (!json_is_string(x))
			return WRIT_ERR(c->err, WRIT_EINVAL,
			    "type assertion error, expected %s to hold strings but got '%s'", key,
			    type_name(x));
		if ((rc = vec_push(c, v, (void *)(uintptr_t)json_string_value(x))) != WRIT_OK)
			return rc;
	}
	return WRIT_OK;
}

/* query_parameters_to_set: name -> string or [string, ...], one QueryParameter per value. */
static writ_rc
query_params(struct rctx *c, const json_t *d, struct vec *v)
{
	const json_t *q = json_object_get(d, "query_parameters_to_set");
	struct vec vals = {0};
	const char *k;
	json_t *val;
	size_t i;
	writ_rc rc;

	if (q == NULL)
		return WRIT_OK;
	if (!json_is_object(q))
		return WRIT_ERR(c->err, WRIT_EINVAL,
		    "type assertion error, expected query_parameters_to_set to be of type 'object' but got '%s'",
		    type_name(q));
	json_object_foreach((json_t *)(uintptr_t)q, k, val)
	{
		vals.n = 0;
		if (json_is_string(val))
			rc = vec_push(c, &vals, (void *)(uintptr_t)json_string_value(val));
		else if (json_is_array(val))
			rc = string_list(c, q, k, &vals);
		else
			rc = WRIT_ERR(c->err, WRIT_EINVAL,
			    "type assertion error for query parameter '%s': %s", k, type_name(val));
		for (i = 0; rc == WRIT_OK && i < vals.n; i++) {
			Envoy__Config__Core__V3__QueryParameter *p = alloc(c, sizeof(*p));

			if (p == NULL)
				return WRIT_ENOMEM;
			envoy__config__core__v3__query_parameter__init(p);
			p->key = (char *)(uintptr_t)k;
			p->value = vals.v[i];
			rc = vec_push(c, v, p);
		}
		if (rc != WRIT_OK)
			return rc;
	}
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * google.protobuf.Struct from JSON.
 */

static writ_rc
to_struct(struct rctx *c, const json_t *obj, unsigned depth, const char *decision_id,
    Google__Protobuf__Struct **out)
{
	Google__Protobuf__Struct *s = alloc(c, sizeof(*s));
	struct vec f = {0};
	const char *k;
	json_t *val;
	writ_rc rc;

	if (s == NULL)
		return WRIT_ENOMEM;
	google__protobuf__struct__init(s);
	json_object_foreach((json_t *)(uintptr_t)obj, k, val)
	{
		Google__Protobuf__Struct__FieldsEntry *e;

		if (decision_id != NULL && strcmp(k, "decision_id") == 0)
			continue; /* ours replaces the policy's */
		if ((e = alloc(c, sizeof(*e))) == NULL)
			return WRIT_ENOMEM;
		google__protobuf__struct__fields_entry__init(e);
		e->key = (char *)(uintptr_t)k;
		if ((rc = to_value(c, val, depth + 1, &e->value)) != WRIT_OK ||
		    (rc = vec_push(c, &f, e)) != WRIT_OK)
			return rc;
	}
	if (decision_id != NULL) {
		Google__Protobuf__Struct__FieldsEntry *e = alloc(c, sizeof(*e));
		Google__Protobuf__Value *v = alloc(c, sizeof(*v));

		if (e == NULL || v == NULL)
			return WRIT_ENOMEM;
		google__protobuf__struct__fields_entry__init(e);
		google__protobuf__value__init(v);
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
		v->string_value = (char *)(uintptr_t)decision_id;
		e->key = "decision_id";
		e->value = v;
		if ((rc = vec_push(c, &f, e)) != WRIT_OK)
			return rc;
	}
	s->n_fields = f.n;
	s->fields = (Google__Protobuf__Struct__FieldsEntry **)f.v;
	*out = s;
	return WRIT_OK;
}

static writ_rc
to_value(struct rctx *c, const json_t *j, unsigned depth, Google__Protobuf__Value **out)
{
	Google__Protobuf__Value *v;
	struct vec l = {0};
	json_t *x;
	size_t i;
	writ_rc rc = WRIT_OK;

	if (depth > c->max_depth)
		return WRIT_ERR(
		    c->err, WRIT_ELIMIT, "decision nested deeper than %u levels", c->max_depth);
	if ((v = alloc(c, sizeof(*v))) == NULL)
		return WRIT_ENOMEM;
	google__protobuf__value__init(v);
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
		rc = to_struct(c, j, depth, NULL, &v->struct_value);
		break;
	case JSON_ARRAY:
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
		if ((v->list_value = alloc(c, sizeof(*v->list_value))) == NULL)
			return WRIT_ENOMEM;
		google__protobuf__list_value__init(v->list_value);
		json_array_foreach(j, i, x)
		{
			Google__Protobuf__Value *e;

			if ((rc = to_value(c, x, depth + 1, &e)) != WRIT_OK ||
			    (rc = vec_push(c, &l, e)) != WRIT_OK)
				return rc;
		}
		v->list_value->n_values = l.n;
		v->list_value->values = (Google__Protobuf__Value **)l.v;
		break;
	case JSON_STRING:
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
		v->string_value = (char *)(uintptr_t)json_string_value(j);
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
		v->number_value = json_number_value(j);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
		v->bool_value = json_is_true(j);
		break;
	default:
		v->kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
		v->null_value = GOOGLE__PROTOBUF__NULL_VALUE__NULL_VALUE;
	}
	*out = v;
	return rc;
}

/* ---------------------------------------------------------------------------
 * The response.
 */

/* http_status: a whole number that Envoy's StatusCode (and Go's StatusText) know. */
static writ_rc
http_status(struct rctx *c, const json_t *d, int *out)
{
	const json_t *s = json_object_get(d, "http_status");
	double v;

	*out = 403;
	if (s == NULL)
		return WRIT_OK;
	if (!json_is_number(s))
		return WRIT_ERR(c->err, WRIT_EINVAL,
		    "type assertion error, expected http_status to be of type 'number' but got '%s'",
		    type_name(s));
	v = json_number_value(s);
	if (!(v >= 1 && v <= 999) || v != (double)(int)v)
		return WRIT_ERR(c->err, WRIT_EINVAL, "Invalid HTTP status code %g", v);
	if (protobuf_c_enum_descriptor_get_value(
	        &envoy__type__v3__status_code__descriptor, (int)v) == NULL)
		return WRIT_ERR(c->err, WRIT_EINVAL, "Invalid HTTP status code %d", (int)v);
	*out = (int)v;
	return WRIT_OK;
}

static writ_rc
ok_response(struct rctx *c, const json_t *d, CheckResponse *r)
{
	Envoy__Service__Auth__V3__OkHttpResponse *ok = alloc(c, sizeof(*ok));
	struct vec h = {0}, rm = {0}, add = {0}, qs = {0}, qrm = {0};
	writ_rc rc;

	if (ok == NULL)
		return WRIT_ENOMEM;
	envoy__service__auth__v3__ok_http_response__init(ok);
	if ((rc = headers(c, d, "headers", &h)) != WRIT_OK ||
	    (rc = string_list(c, d, "request_headers_to_remove", &rm)) != WRIT_OK ||
	    (rc = headers(c, d, "response_headers_to_add", &add)) != WRIT_OK ||
	    (rc = query_params(c, d, &qs)) != WRIT_OK ||
	    (rc = string_list(c, d, "query_parameters_to_remove", &qrm)) != WRIT_OK)
		return rc;
	ok->n_headers = h.n;
	ok->headers = (HVO **)h.v;
	ok->n_headers_to_remove = rm.n;
	ok->headers_to_remove = (char **)rm.v;
	ok->n_response_headers_to_add = add.n;
	ok->response_headers_to_add = (HVO **)add.v;
	ok->n_query_parameters_to_set = qs.n;
	ok->query_parameters_to_set = (Envoy__Config__Core__V3__QueryParameter **)qs.v;
	ok->n_query_parameters_to_remove = qrm.n;
	ok->query_parameters_to_remove = (char **)qrm.v;
	r->http_response_case = ENVOY__SERVICE__AUTH__V3__CHECK_RESPONSE__HTTP_RESPONSE_OK_RESPONSE;
	r->ok_response = ok;
	return WRIT_OK;
}

static writ_rc
denied_response(struct rctx *c, const json_t *d, CheckResponse *r, int *status)
{
	Envoy__Service__Auth__V3__DeniedHttpResponse *dr = alloc(c, sizeof(*dr));
	Envoy__Type__V3__HttpStatus *hs = alloc(c, sizeof(*hs));
	const json_t *body = json_object_get(d, "body");
	struct vec h = {0};
	writ_rc rc;

	if (dr == NULL || hs == NULL)
		return WRIT_ENOMEM;
	envoy__service__auth__v3__denied_http_response__init(dr);
	envoy__type__v3__http_status__init(hs);
	if ((rc = headers(c, d, "headers", &h)) != WRIT_OK ||
	    (rc = http_status(c, d, status)) != WRIT_OK)
		return rc;
	if (body != NULL && !json_is_string(body))
		return WRIT_ERR(c->err, WRIT_EINVAL,
		    "type assertion error, expected body to be of type 'string' but got '%s'",
		    type_name(body));
	if (body != NULL)
		dr->body = (char *)(uintptr_t)json_string_value(body);
	hs->code = (Envoy__Type__V3__StatusCode)*status;
	dr->status = hs;
	dr->n_headers = h.n;
	dr->headers = (HVO **)h.v;
	r->http_response_case =
	    ENVOY__SERVICE__AUTH__V3__CHECK_RESPONSE__HTTP_RESPONSE_DENIED_RESPONSE;
	r->denied_response = dr;
	return WRIT_OK;
}

/* allowed, and the http_response of an object decision. */
static writ_rc
decide(struct rctx *c, const json_t *d, CheckResponse *r, struct writ_envoy_verdict *v)
{
	const json_t *allowed;

	if (json_is_boolean(d)) {
		v->allowed = json_is_true(d);
		return WRIT_OK;
	}
	if (!json_is_object(d))
		return WRIT_ERR(c->err, WRIT_EINVAL,
		    "illegal value for policy evaluation result: %s", type_name(d));
	if ((allowed = json_object_get(d, "allowed")) == NULL)
		return WRIT_ERR(c->err, WRIT_EINVAL,
		    "unable to determine evaluation result due to missing \"allowed\" key");
	if (!json_is_boolean(allowed))
		return WRIT_ERR(c->err, WRIT_EINVAL,
		    "type assertion error, expected allowed to be of type 'boolean' but got '%s'",
		    type_name(allowed));
	v->allowed = json_is_true(allowed);
	return v->allowed ? ok_response(c, d, r) : denied_response(c, d, r, &v->http_status);
}

static writ_rc
metadata(struct rctx *c, const json_t *d, const char *decision_id, CheckResponse *r)
{
	const json_t *m = json_is_object(d) ? json_object_get(d, "dynamic_metadata") : NULL;
	json_t *empty = NULL;
	writ_rc rc;

	if (m != NULL && !json_is_object(m))
		return WRIT_ERR(c->err, WRIT_EINVAL,
		    "type assertion error, expected dynamic_metadata to be of type 'object' but got '%s'",
		    type_name(m));
	if (m == NULL && decision_id == NULL)
		return WRIT_OK;
	if (m == NULL && (m = empty = json_object()) == NULL)
		return WRIT_ERR(c->err, WRIT_ENOMEM, "out of memory");
	rc = to_struct(c, m, 1, decision_id, &r->dynamic_metadata);
	json_decref(empty);
	return rc;
}

static writ_rc
pack(const CheckResponse *r, struct writ_arena *a, struct writ_buf *out, struct writ_err *err)
{
	size_t n = protobuf_c_message_get_packed_size(&r->base);
	uint8_t *p = writ_arena_alloc(a, n ? n : 1);
	writ_rc rc;

	if (p == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	protobuf_c_message_pack(&r->base, p);
	if ((rc = writ_buf_append(out, p, n)) != WRIT_OK)
		return WRIT_ERR(err, rc, "response too large");
	return WRIT_OK;
}

/* Nesting of j, up to limit + 1. */
static unsigned
depth_of(const json_t *j, unsigned limit)
{
	unsigned d = 0, x;
	const char *k;
	json_t *v;
	size_t i;

	if (limit == 0)
		return 1;
	if (json_is_object(j)) {
		json_object_foreach(
		    (json_t *)(uintptr_t)j, k, v) if ((x = depth_of(v, limit - 1)) > d) d = x;
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v) if ((x = depth_of(v, limit - 1)) > d) d = x;
	} else {
		return 0;
	}
	return d + 1;
}

/* The decision as JSON, within the depth limit; numbers as doubles: http_status is checked
 * to be whole, Struct numbers are doubles. */
static writ_rc
load_decision(struct rctx *c, const char *result, size_t len, const struct writ_envoy_opts *o,
    json_t **out)
{
	json_error_t jerr;
	json_t *d;

	if (o != NULL && o->max_depth > 0)
		c->max_depth = o->max_depth;
	if (len == 0)
		return WRIT_ERR(c->err, WRIT_EINVAL, "undefined decision");
	d = json_loadb(result, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &jerr);
	if (d == NULL)
		return WRIT_ERR(c->err, WRIT_EINVAL, "decision is not JSON: %s", jerr.text);
	if (depth_of(d, c->max_depth + 1) > c->max_depth) {
		json_decref(d);
		return WRIT_ERR(
		    c->err, WRIT_ELIMIT, "decision nested deeper than %u levels", c->max_depth);
	}
	*out = d;
	return WRIT_OK;
}

writ_rc
writ_envoy_response(const char *result, size_t len, const struct writ_envoy_opts *o,
    const char *decision_id, struct writ_arena *a, struct writ_buf *out,
    struct writ_envoy_verdict *verdict, struct writ_err *err)
{
	struct rctx c = {a, err, ENVOY_DEF_MAX_DEPTH};
	struct writ_envoy_verdict v = {false, 0};
	Envoy__Service__Auth__V3__OkHttpResponse empty_ok;
	Google__Rpc__Status st;
	CheckResponse r;
	json_t *d = NULL;
	writ_rc rc;

	if ((rc = load_decision(&c, result, len, o, &d)) != WRIT_OK)
		return rc;
	envoy__service__auth__v3__check_response__init(&r);
	envoy__service__auth__v3__ok_http_response__init(&empty_ok);
	google__rpc__status__init(&st);
	r.status = &st;
	if ((rc = decide(&c, d, &r, &v)) != WRIT_OK ||
	    (rc = metadata(&c, d, decision_id, &r)) != WRIT_OK)
		goto out;
	st.code = v.allowed ? RPC_OK : RPC_PERMISSION_DENIED;
	if (!v.allowed && o != NULL && o->dry_run) {
		/* Dry run: report the deny, let the request through. */
		st.code = RPC_OK;
		r.http_response_case =
		    ENVOY__SERVICE__AUTH__V3__CHECK_RESPONSE__HTTP_RESPONSE_OK_RESPONSE;
		r.ok_response = &empty_ok;
	}
	if ((rc = pack(&r, a, out, err)) != WRIT_OK)
		goto out;
	if (verdict != NULL)
		*verdict = v;
out:
	json_decref(d);
	return rc;
}

writ_rc
writ_envoy_parse_error_response(const char *msg, struct writ_buf *out)
{
	Envoy__Service__Auth__V3__DeniedHttpResponse dr;
	Envoy__Type__V3__HttpStatus hs;
	Google__Rpc__Status st;
	CheckResponse r;
	char text[320];
	uint8_t *p;
	size_t n;
	writ_rc rc;

	snprintf(text, sizeof(text), "request_parse_error: %s", msg != NULL ? msg : "");
	envoy__service__auth__v3__check_response__init(&r);
	envoy__service__auth__v3__denied_http_response__init(&dr);
	envoy__type__v3__http_status__init(&hs);
	google__rpc__status__init(&st);
	st.code = RPC_PERMISSION_DENIED;
	st.message = text;
	hs.code = ENVOY__TYPE__V3__STATUS_CODE__BadRequest;
	dr.status = &hs;
	dr.body = text;
	r.status = &st;
	r.http_response_case =
	    ENVOY__SERVICE__AUTH__V3__CHECK_RESPONSE__HTTP_RESPONSE_DENIED_RESPONSE;
	r.denied_response = &dr;
	n = protobuf_c_message_get_packed_size(&r.base);
	if ((p = writ_malloc(n)) == NULL)
		return WRIT_ENOMEM;
	protobuf_c_message_pack(&r.base, p);
	rc = writ_buf_append(out, p, n);
	writ_free(p);
	return rc;
}

/* ---------------------------------------------------------------------------
 * The same reading for HTTP callers (nginx auth_request, Envoy's HTTP mode).
 */

/* Copy the header options hv[0..n) to out->headers, strings in the arena. */
static writ_rc
answer_headers(struct rctx *c, HVO *const *hv, size_t n, struct writ_envoy_http_answer *out)
{
	size_t i;

	if (n == 0)
		return WRIT_OK;
	if ((out->headers = alloc(c, n * sizeof(*out->headers))) == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < n; i++) {
		const char *v = hv[i]->header->value;

		out->headers[i].name = hv[i]->header->key; /* already an arena copy */
		if ((out->headers[i].value = writ_arena_strndup(c->a, v, strlen(v))) == NULL)
			return WRIT_ERR(c->err, WRIT_ENOMEM, "out of memory");
	}
	out->nheaders = n;
	return WRIT_OK;
}

writ_rc
writ_envoy_http_answer(const char *result, size_t len, const struct writ_envoy_opts *o,
    struct writ_arena *a, struct writ_envoy_http_answer *out, struct writ_err *err)
{
	struct rctx c = {a, err, ENVOY_DEF_MAX_DEPTH};
	struct writ_envoy_verdict v = {false, 0};
	struct writ_envoy_http_answer ans = {false, 200, NULL, 0, NULL, 0};
	CheckResponse r;
	json_t *d = NULL;
	writ_rc rc;

	if ((rc = load_decision(&c, result, len, o, &d)) != WRIT_OK)
		return rc;
	envoy__service__auth__v3__check_response__init(&r);
	if ((rc = decide(&c, d, &r, &v)) != WRIT_OK || (rc = metadata(&c, d, NULL, &r)) != WRIT_OK)
		goto out;
	ans.allowed = v.allowed;
	if (v.allowed && r.ok_response != NULL)
		rc = answer_headers(&c, r.ok_response->headers, r.ok_response->n_headers, &ans);
	else if (!v.allowed && (o == NULL || !o->dry_run))
		ans.status = v.http_status != 0 ? v.http_status : 403;
	if (rc == WRIT_OK && !v.allowed && (o == NULL || !o->dry_run) &&
	    r.denied_response != NULL) {
		rc = answer_headers(
		    &c, r.denied_response->headers, r.denied_response->n_headers, &ans);
		if (rc == WRIT_OK && r.denied_response->body != NULL &&
		    (ans.body_len = strlen(r.denied_response->body)) > 0 &&
		    (ans.body = writ_arena_strndup(a, r.denied_response->body, ans.body_len)) ==
		        NULL)
			rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	}
	if (rc == WRIT_OK)
		*out = ans;
out:
	json_decref(d);
	return rc;
}
