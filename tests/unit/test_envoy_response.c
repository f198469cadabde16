/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of decision -> CheckResponse (lib/policy/envoy_response.c): the
 * boolean and object shapes, every key of an object decision, header name
 * canonicalisation, dynamic metadata with decision_id, dry run, the errors a
 * wrongly typed decision gives, the request_parse_error response, and
 * allocation failures.  Responses are decoded with protobuf-c and checked
 * field by field.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envoy/service/auth/v3/external_auth.pb-c.h"
#include "writ/base.h"
#include "writ/envoy.h"

typedef Envoy__Service__Auth__V3__CheckResponse CheckResponse;
typedef Envoy__Config__Core__V3__HeaderValueOption HVO;

#define DENIED  ENVOY__SERVICE__AUTH__V3__CHECK_RESPONSE__HTTP_RESPONSE_DENIED_RESPONSE
#define OK_RESP ENVOY__SERVICE__AUTH__V3__CHECK_RESPONSE__HTTP_RESPONSE_OK_RESPONSE
#define NO_RESP ENVOY__SERVICE__AUTH__V3__CHECK_RESPONSE__HTTP_RESPONSE__NOT_SET

static writ_rc
respond(const char *decision, const struct writ_envoy_opts *o, CheckResponse **out,
    struct writ_envoy_verdict *v, struct writ_err *err)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_buf b;
	writ_rc rc;

	assert_non_null(a);
	writ_buf_init(&b, 0);
	rc = writ_envoy_response(decision, strlen(decision), o, "0000-id", a, &b, v, err);
	*out = NULL;
	if (rc == WRIT_OK) {
		*out = envoy__service__auth__v3__check_response__unpack(
		    NULL, b.len, (const uint8_t *)b.ptr);
		assert_non_null(*out);
	}
	writ_buf_free(&b);
	writ_arena_free(a);
	return rc;
}

static CheckResponse *
respond_ok(const char *decision, const struct writ_envoy_opts *o, struct writ_envoy_verdict *v)
{
	struct writ_err err = {0};
	CheckResponse *r;
	writ_rc rc = respond(decision, o, &r, v, &err);

	if (rc != WRIT_OK)
		fail_msg("%s: rc %d: %s", decision, rc, err.msg);
	return r;
}

static const Google__Protobuf__Value *
field(const Google__Protobuf__Struct *s, const char *key)
{
	size_t i;

	for (i = 0; s != NULL && i < s->n_fields; i++)
		if (strcmp(s->fields[i]->key, key) == 0)
			return s->fields[i]->value;
	return NULL;
}

/* The headers as "Key: value" lines joined by '|', in order. */
static void
expect_headers(HVO **h, size_t n, const char *want)
{
	char got[1024] = "";
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		assert_null(h[i]->append);
		assert_int_equal(h[i]->append_action, 0);
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s: %s", i ? "|" : "",
		    h[i]->header->key, h[i]->header->value);
	}
	assert_string_equal(got, want);
}

static void
test_boolean(void **state)
{
	struct writ_envoy_verdict v;
	const Google__Protobuf__Value *id;
	CheckResponse *r;

	(void)state;
	r = respond_ok("true", NULL, &v);
	assert_true(v.allowed);
	assert_int_equal(r->status->code, 0);
	assert_int_equal(r->http_response_case, NO_RESP);
	id = field(r->dynamic_metadata, "decision_id");
	assert_non_null(id);
	assert_string_equal(id->string_value, "0000-id");
	assert_int_equal(r->dynamic_metadata->n_fields, 1);
	envoy__service__auth__v3__check_response__free_unpacked(r, NULL);

	r = respond_ok("false", NULL, &v);
	assert_false(v.allowed);
	assert_int_equal(r->status->code, 7);
	assert_int_equal(r->http_response_case, NO_RESP);
	envoy__service__auth__v3__check_response__free_unpacked(r, NULL);
}

static void
test_allowed_object(void **state)
{
	struct writ_envoy_verdict v;
	Envoy__Service__Auth__V3__OkHttpResponse *ok;
	CheckResponse *r;

	(void)state;
	r = respond_ok(
	    "{\"allowed\":true,"
	    "\"headers\":{\"x-user\":\"alice\",\"x-ROLES\":[\"a\",\"b\"],\":odd\":\"1\"},"
	    "\"response_headers_to_add\":[{\"set-cookie\":\"s=1\"},{\"x-b\":\"2\"}],"
	    "\"request_headers_to_remove\":[\"authorization\",\"cookie\"],"
	    "\"query_parameters_to_set\":{\"page\":\"2\",\"tag\":[\"x\",\"y\"]},"
	    "\"query_parameters_to_remove\":[\"debug\"],"
	    "\"body\":\"ignored\",\"http_status\":401}",
	    NULL, &v);
	assert_true(v.allowed);
	assert_int_equal(r->status->code, 0);
	assert_int_equal(r->http_response_case, OK_RESP);
	ok = r->ok_response;
	expect_headers(ok->headers, ok->n_headers, "X-User: alice|X-Roles: a|X-Roles: b|:odd: 1");
	expect_headers(
	    ok->response_headers_to_add, ok->n_response_headers_to_add, "Set-Cookie: s=1|X-B: 2");
	assert_int_equal(ok->n_headers_to_remove, 2);
	assert_string_equal(ok->headers_to_remove[0], "authorization");
	assert_string_equal(ok->headers_to_remove[1], "cookie");
	assert_int_equal(ok->n_query_parameters_to_set, 3);
	assert_string_equal(ok->query_parameters_to_set[0]->key, "page");
	assert_string_equal(ok->query_parameters_to_set[0]->value, "2");
	assert_string_equal(ok->query_parameters_to_set[2]->key, "tag");
	assert_string_equal(ok->query_parameters_to_set[2]->value, "y");
	assert_int_equal(ok->n_query_parameters_to_remove, 1);
	assert_null(ok->dynamic_metadata);
	envoy__service__auth__v3__check_response__free_unpacked(r, NULL);

	/* An empty ok_response is still sent for an allowed object. */
	r = respond_ok("{\"allowed\":true}", NULL, &v);
	assert_int_equal(r->http_response_case, OK_RESP);
	assert_int_equal(r->ok_response->n_headers, 0);
	envoy__service__auth__v3__check_response__free_unpacked(r, NULL);
}

static void
test_denied_object(void **state)
{
	struct writ_envoy_verdict v;
	Envoy__Service__Auth__V3__DeniedHttpResponse *d;
	CheckResponse *r;

	(void)state;
	r = respond_ok("{\"allowed\":false,\"http_status\":401,\"body\":\"no token\","
	               "\"headers\":{\"www-authenticate\":\"Bearer\"},"
	               "\"response_headers_to_add\":7}",
	    NULL, &v);
	assert_false(v.allowed);
	assert_int_equal(v.http_status, 401);
	assert_int_equal(r->status->code, 7);
	assert_int_equal(r->http_response_case, DENIED);
	d = r->denied_response;
	assert_int_equal(d->status->code, 401);
	assert_string_equal(d->body, "no token");
	expect_headers(d->headers, d->n_headers, "Www-Authenticate: Bearer");
	envoy__service__auth__v3__check_response__free_unpacked(r, NULL);

	r = respond_ok("{\"allowed\":false}", NULL, &v);
	assert_int_equal(r->denied_response->status->code, 403);
	assert_string_equal(r->denied_response->body, "");
	envoy__service__auth__v3__check_response__free_unpacked(r, NULL);
}

static void
test_dynamic_metadata(void **state)
{
	const Google__Protobuf__Value *x, *l, *id;
	CheckResponse *r;

	(void)state;
	r = respond_ok("{\"allowed\":true,\"dynamic_metadata\":{\"user\":\"alice\",\"n\":3,"
	               "\"l\":[true,null,{\"a\":1.5}],\"decision_id\":\"spoofed\"}}",
	    NULL, NULL);
	x = field(r->dynamic_metadata, "user");
	assert_string_equal(x->string_value, "alice");
	x = field(r->dynamic_metadata, "n");
	assert_int_equal(x->kind_case, GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE);
	assert_true(x->number_value == 3);
	l = field(r->dynamic_metadata, "l");
	assert_int_equal(l->list_value->n_values, 3);
	assert_true(l->list_value->values[0]->bool_value);
	assert_int_equal(
	    l->list_value->values[1]->kind_case, GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE);
	assert_true(field(l->list_value->values[2]->struct_value, "a")->number_value == 1.5);
	id = field(r->dynamic_metadata, "decision_id");
	assert_string_equal(id->string_value, "0000-id");
	assert_int_equal(r->dynamic_metadata->n_fields, 4);
	envoy__service__auth__v3__check_response__free_unpacked(r, NULL);
}

static void
test_dry_run(void **state)
{
	struct writ_envoy_opts o = {.dry_run = true};
	struct writ_envoy_verdict v;
	CheckResponse *r;

	(void)state;
	r = respond_ok("{\"allowed\":false,\"http_status\":401}", &o, &v);
	assert_false(v.allowed);
	assert_int_equal(r->status->code, 0);
	assert_int_equal(r->http_response_case, OK_RESP);
	envoy__service__auth__v3__check_response__free_unpacked(r, NULL);
	r = respond_ok("false", &o, &v);
	assert_int_equal(r->status->code, 0);
	envoy__service__auth__v3__check_response__free_unpacked(r, NULL);
}

static void
test_errors(void **state)
{
	static const struct {
		const char *decision;
		writ_rc rc;
		const char *msg;
	} cases[] = {
	    {"", WRIT_EINVAL, "undefined decision"},
	    {"\"yes\"", WRIT_EINVAL, "illegal value for policy evaluation result: string"},
	    {"[true]", WRIT_EINVAL, "illegal value for policy evaluation result: array"},
	    {"{\"allow\":true}", WRIT_EINVAL,
	        "unable to determine evaluation result due to missing \"allowed\" key"},
	    {"{\"allowed\":\"true\"}", WRIT_EINVAL,
	        "type assertion error, expected allowed to be of type 'boolean' but got 'string'"},
	    {"{\"allowed\":true,\"headers\":\"x\"}", WRIT_EINVAL,
	        "type assertion error, expected headers to be of type 'object' but got 'string'"},
	    {"{\"allowed\":true,\"headers\":{\"x\":1}}", WRIT_EINVAL,
	        "type assertion error for headers header 'x': number"},
	    {"{\"allowed\":true,\"headers\":{\"x\":[\"a\",2]}}", WRIT_EINVAL,
	        "invalid value type for headers header 'x': number"},
	    {"{\"allowed\":true,\"headers\":[{\"x\":\"a\"},3]}", WRIT_EINVAL,
	        "type assertion error, expected headers to be of type 'object' but got 'number'"},
	    {"{\"allowed\":true,\"request_headers_to_remove\":\"a\"}", WRIT_EINVAL,
	        "type assertion error, expected request_headers_to_remove to be of type 'array' "
	        "but got 'string'"},
	    {"{\"allowed\":true,\"query_parameters_to_set\":{\"a\":1}}", WRIT_EINVAL,
	        "type assertion error for query parameter 'a': number"},
	    {"{\"allowed\":false,\"http_status\":\"401\"}", WRIT_EINVAL,
	        "type assertion error, expected http_status to be of type 'number' but got 'string'"},
	    {"{\"allowed\":false,\"http_status\":418}", WRIT_EINVAL,
	        "Invalid HTTP status code 418"},
	    {"{\"allowed\":false,\"http_status\":0}", WRIT_EINVAL, "Invalid HTTP status code 0"},
	    {"{\"allowed\":false,\"http_status\":401.5}", WRIT_EINVAL,
	        "Invalid HTTP status code 401.5"},
	    {"{\"allowed\":false,\"body\":{}}", WRIT_EINVAL,
	        "type assertion error, expected body to be of type 'string' but got 'object'"},
	    {"{\"allowed\":true,\"dynamic_metadata\":[1]}", WRIT_EINVAL,
	        "type assertion error, expected dynamic_metadata to be of type 'object' but got "
	        "'array'"},
	    {"{\"allowed\":true,\"dynamic_metadata\":{\"a\":[[[[[[[[1]]]]]]]]}}", WRIT_ELIMIT,
	        "decision nested deeper than 6 levels"},
	    {"{\"allowed\":tru", WRIT_EINVAL, NULL},
	};
	struct writ_envoy_opts o = {.max_depth = 6};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		struct writ_err err = {0};
		CheckResponse *r;
		writ_rc rc = respond(cases[i].decision, &o, &r, NULL, &err);

		if (rc != cases[i].rc)
			fail_msg(
			    "%s: rc %d, want %d (%s)", cases[i].decision, rc, cases[i].rc, err.msg);
		if (cases[i].msg != NULL && strcmp(err.msg, cases[i].msg) != 0)
			fail_msg(
			    "%s:\n got  %s\n want %s", cases[i].decision, err.msg, cases[i].msg);
	}
}

static void
test_parse_error_response(void **state)
{
	struct writ_buf b;
	CheckResponse *r;

	(void)state;
	writ_buf_init(&b, 0);
	assert_int_equal(
	    writ_envoy_parse_error_response("invalid URL escape \"%zz\"", &b), WRIT_OK);
	r = envoy__service__auth__v3__check_response__unpack(NULL, b.len, (const uint8_t *)b.ptr);
	assert_non_null(r);
	assert_int_equal(r->status->code, 7);
	assert_string_equal(r->status->message, "request_parse_error: invalid URL escape \"%zz\"");
	assert_int_equal(r->http_response_case, DENIED);
	assert_int_equal(r->denied_response->status->code, 400);
	assert_string_equal(r->denied_response->body, r->status->message);
	assert_null(r->dynamic_metadata);
	envoy__service__auth__v3__check_response__free_unpacked(r, NULL);
	writ_buf_free(&b);
}

static void
test_enomem(void **state)
{
	const char *d = "{\"allowed\":false,\"headers\":{\"a\":[\"1\",\"2\"]},\"body\":\"b\","
	                "\"dynamic_metadata\":{\"x\":{\"y\":[1,2]}}}";
	long n;

	(void)state;
	for (n = 1; n < 400; n++) {
		struct writ_err err = {0};
		struct writ_arena *a = writ_arena_new(0, 0);
		struct writ_buf b;
		writ_rc rc;

		if (a == NULL)
			continue;
		writ_buf_init(&b, 0);
		writ_fault_set(n);
		rc = writ_envoy_response(d, strlen(d), NULL, "id", a, &b, NULL, &err);
		writ_fault_set(0);
		writ_buf_free(&b);
		writ_arena_free(a);
		if (rc == WRIT_OK)
			return;
		if (rc != WRIT_ENOMEM)
			fail_msg("fault %ld: rc %d (%s)", n, rc, err.msg);
	}
	fail_msg("never succeeded");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_boolean),
	    cmocka_unit_test(test_allowed_object),
	    cmocka_unit_test(test_denied_object),
	    cmocka_unit_test(test_dynamic_metadata),
	    cmocka_unit_test(test_dry_run),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_parse_error_response),
	    cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
