/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the builtin families in lib/rego/builtins/families_more.h
 * (json.patch, JSON Schema, strings.render_template, regex.globs_match,
 * providers.aws.sign_req, the X.509 key builtins): hand-written checks of
 * behaviour and limits, and a replay of the conformance cases that the
 * straight-line replay (test_rego_builtins.c) and the small interpreter
 * (test_rego_builtins_ext.c) leave out, as scripts/rego_builtin_cases_more.py
 * extracts them at build time ($WRIT_REGO_BUILTIN_CASES_MORE):
 *   project    a rule's value queried at a path below it;
 *   iterate    a contains rule over the elements of a data array;
 *   patchsuite OPA's JSON Patch suite, judged by the case's own rules;
 *   mapproj    [valid, certs] projected as the parse_and_verify cases do.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "rego/builtin.h"
#include "rego/value.h"
#include "support/rego_fx.h"

/* Each test's arena, made and freed by rfx_setup and rfx_teardown. */
#define A rfx_arena

static const struct rego_val *
J(const char *s)
{
	return rfx_json(s, strlen(s));
}

/* JSON text of v (arena copy). */
static const char *
JS(const struct rego_val *v)
{
	struct writ_buf b;
	struct writ_err err = {0};
	const char *s;

	writ_buf_init(&b, 0);
	if (rego_json_write(&b, v, NULL, &err) != WRIT_OK)
		s = "<unprintable>";
	else
		s = writ_arena_strndup(A, b.ptr, b.len);
	writ_buf_free(&b);
	return s;
}

/* v through JSON (sets become arrays), as OPA's runner compares results. */
static const struct rego_val *
as_json(const struct rego_val *v)
{
	return J(JS(v));
}

static enum rego_bres
call(const char *name, const struct rego_val *const *args, size_t nargs,
    const struct rego_val **out, struct writ_rego_error *e)
{
	const struct rego_builtin *b = rego_builtin_lookup(name, strlen(name));
	struct rego_bctx c = {.arena = A, .name = name, .now_ns = 1700000000000000000LL, .err = e};

	memset(e, 0, sizeof(*e));
	if (b == NULL || b->nargs != nargs)
		fail_msg("%s: not registered with %zu operands", name, nargs);
	*out = NULL;
	return b->fn(&c, args, out);
}

/* ---------------------------------------------------------------------------
 * Hand-written checks.
 */

/* name(JSON args...) must give JSON want, or an error containing want+1 when want[0] == '!'. */
static void
check(const char *name, const char *want, size_t n, const char *const *jargs)
{
	const struct rego_val *args[8], *out;
	struct writ_rego_error e;
	enum rego_bres r;
	size_t i;

	for (i = 0; i < n; i++)
		args[i] = J(jargs[i]);
	r = call(name, args, n, &out, &e);
	if (want[0] == '!') {
		if (r != REGO_B_ERR || strstr(e.message, want + 1) == NULL)
			fail_msg("%s: want error %s, got %d %s", name, want + 1, r,
			    r == REGO_B_OK ? JS(out) : e.message);
		return;
	}
	if (r != REGO_B_OK)
		fail_msg("%s: %d %s", name, r, e.message);
	if (!rego_equal(as_json(out), J(want)))
		fail_msg("%s: got %s want %s", name, JS(out), want);
}

#define CHECK(name, want, ...)                             \
	do {                                               \
		const char *const a_[] = {__VA_ARGS__};    \
		check(name, want, WRIT_ARRAY_LEN(a_), a_); \
	} while (0)

static void
test_jsonschema(void **state)
{
	(void)state;
	CHECK("json.match_schema", "[true, []]", "{\"a\": [1, 2]}",
	    "{\"properties\": {\"a\": {\"type\": \"array\", \"items\": {\"type\": \"integer\"}, "
	    "\"uniqueItems\": true}}}");
	CHECK("json.match_schema",
	    "[false, [{\"desc\": \"a is required\", \"error\": \"(root): a is required\", "
	    "\"field\": \"(root)\", \"type\": \"required\"}]]",
	    "{}", "{\"required\": [\"a\"]}");
	CHECK("json.match_schema",
	    "[false, [{\"desc\": \"array items[0,1] must be unique\", \"error\": \"a: array "
	    "items[0,1] must be unique\", \"field\": \"a\", \"type\": \"unique\"}]]",
	    "{\"a\": [1, 1]}", "{\"properties\": {\"a\": {\"uniqueItems\": true}}}");
	CHECK("json.match_schema",
	    "[false, [{\"desc\": \"Must be less than or equal to 3\", \"error\": \"a.1: Must be "
	    "less than or equal to 3\", \"field\": \"a.1\", \"type\": \"number_lte\"}]]",
	    "{\"a\": [1, 4]}", "{\"properties\": {\"a\": {\"items\": {\"maximum\": 3}}}}");
	CHECK("json.match_schema",
	    "[false, [{\"desc\": \"Additional property b is not allowed\", \"error\": \"(root): "
	    "Additional property b is not allowed\", \"field\": \"(root)\", \"type\": "
	    "\"additional_property_not_allowed\"}]]",
	    "{\"a\": 1, \"b\": 2}",
	    "{\"properties\": {\"a\": {}}, \"additionalProperties\": false}");
	CHECK("json.match_schema",
	    "[false, [{\"desc\": \"Does not match pattern '^x'\", \"error\": \"(root): Does not "
	    "match pattern '^x'\", \"field\": \"(root)\", \"type\": \"pattern\"}]]",
	    "\"\\\"abc\\\"\"", "{\"pattern\": \"^x\"}");
	CHECK("json.match_schema", "[true, []]", "{\"n\": {\"n\": null}}",
	    "{\"definitions\": {\"node\": {\"type\": \"object\", \"properties\": {\"n\": "
	    "{\"anyOf\": [{\"type\": \"null\"}, {\"$ref\": \"#/definitions/node\"}]}}}}, "
	    "\"$ref\": \"#/definitions/node\"}");
	CHECK("json.match_schema",
	    "[false, [{\"desc\": \"Must validate one and only one schema "
	    "(oneOf)\", \"error\": \"(root): Must validate one and only one schema (oneOf)\", "
	    "\"field\": \"(root)\", \"type\": \"number_one_of\"}]]",
	    "\"5\"", "{\"oneOf\": [{\"type\": \"integer\"}, {\"minimum\": 1}]}");
	CHECK(
	    "json.match_schema", "!schema references nested deeper", "\"1\"", "{\"$ref\": \"#\"}");
	CHECK("json.match_schema", "!Invalid regex pattern", "\"1\"", "{\"pattern\": \"(\"}");
	CHECK("json.match_schema", "!invalid JSON string", "\"{\"", "{}");
	CHECK("json.verify_schema",
	    "[false, \"jsonschema: minLength must be greater than or "
	    "equal to 0\"]",
	    "{\"minLength\": -1}");
	CHECK("json.verify_schema",
	    "[false, \"jsonschema: wrong type, expected string or "
	    "object\"]",
	    "1");
	CHECK("json.match_schema",
	    "[false, [{\"desc\": \"Does not match format 'ipv4'\", "
	    "\"error\": \"(root): Does not match format 'ipv4'\", \"field\": \"(root)\", "
	    "\"type\": \"format\"}]]",
	    "\"\\\"1.2.3.256\\\"\"", "{\"format\": \"ipv4\"}");
}

static void
test_jsonpatch(void **state)
{
	(void)state;
	CHECK("json.patch", "{\"a\": [1, 9, 2]}", "{\"a\": [1, 2]}",
	    "[{\"op\": \"add\", \"path\": \"/a/1\", \"value\": 9}]");
	CHECK("json.patch", "{\"b\": {\"x\": 1}}", "{\"a\": {\"x\": 1}}",
	    "[{\"op\": \"move\", \"from\": \"/a\", \"path\": \"/b\"}]");
	CHECK("json.patch", "{\"a~/\": 2}", "{\"a~/\": 1}",
	    "[{\"op\": \"replace\", \"path\": \"/a~0~1\", \"value\": 2}]");
	CHECK("json.patch", "!test failed", "{\"a\": 1}",
	    "[{\"op\": \"test\", \"path\": \"/a\", \"value\": 2}]");
	CHECK("json.patch", "!unrecognized op", "{}", "[{\"op\": \"frob\", \"path\": \"\"}]");
	CHECK("json.patch", "!operand 2 must be array", "{}", "{}");
}

static void
test_template_globs(void **state)
{
	(void)state;
	CHECK("strings.render_template", "\"a=1 b=x\"",
	    "\"{{range $k, $v := .}}{{$k}}={{$v}} "
	    "{{- if eq $k \\\"a\\\"}} {{end}}{{end}}\"",
	    "{\"a\": 1, \"b\": \"x\"}");
	CHECK("strings.render_template", "\"2 [1 2] map[k:true] 1e+06\"",
	    "\"{{len .l}} {{.l}} {{.m}} {{.big}}\"",
	    "{\"l\": [1, 2], \"m\": {\"k\": true}, \"big\": 1000000}");
	CHECK("strings.render_template", "\"no\"",
	    "\"{{if .x}}yes{{else if .y}}y{{else}}no{{end}}\"", "{\"x\": false}");
	CHECK("strings.render_template", "\"B\"", "\"{{index .a 1}}\"", "{\"a\": [\"A\", \"B\"]}");
	CHECK("strings.render_template", "\"a,b\"", "\"{{/* c */}}{{- .x -}} ,\\n {{- .y}}\"",
	    "{\"x\": \"a\", \"y\": \"b\"}");
	CHECK("strings.render_template", "!unclosed action", "\"{{.a\"", "{}");
	CHECK("strings.render_template", "!unexpected EOF", "\"{{if .a}}x\"", "{}");
	CHECK("strings.render_template", "!not defined", "\"{{printf .a}}\"", "{\"a\": 1}");
	CHECK("regex.globs_match", "true", "\"a*b\"", "\"aab\"");
	CHECK("regex.globs_match", "false", "\"a+\"", "\"b*\"");
	CHECK("regex.globs_match", "true", "\"[a-c]+x\"", "\".*x\"");
	CHECK("regex.globs_match", "!found [ without matching ]", "\"[ab\"", "\"a\"");
	CHECK("regex.globs_match", "!flag '*' must be preceded by a non-flag", "\"*a\"", "\"a\"");
}

static void
test_aws_keys(void **state)
{
	(void)state;
	CHECK("providers.aws.sign_req", "!invalid request parameters(s): {\"bogus\"}",
	    "{\"method\": \"get\", \"url\": \"http://x\", \"bogus\": 1}",
	    "{\"aws_access_key\": \"a\", \"aws_secret_access_key\": \"s\", \"aws_service\": "
	    "\"s3\", \"aws_region\": \"r\"}",
	    "0");
	CHECK("crypto.parse_private_keys", "null", "\"\"");
	CHECK("crypto.x509.parse_rsa_private_key", "!failed to parse PEM block",
	    "\"LS0tLS1CRUdJTiBYLS0tLS0K\"");
	CHECK(
	    "crypto.x509.parse_and_verify_certificates_with_options", "[false, []]", "\"x\"", "{}");
}

/* A self-signed P-256 certificate (CN t.example, valid to 2126) and its key, for tests only. */
static const char test_ec_key[] =
    "\"-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIM7nrSS2Kp8I/QYmDenElp8aPMH"
    "ZTcM9NJT/7r1fdz++oAoGCCqGSM49\\nAwEHoUQDQgAEzwfFgPIVpKLkjj/39JRPfbjtR6"
    "Mh6IlQ2LOc5/DhY+5AdLnz12+V\\nQbrhSsJEdlKQT9kre/nm8sJSmn/qRFN52Q==\\n--"
    "---END EC PRIVATE KEY-----\\n\"";
static const char test_ec_cert[] =
    "\"-----BEGIN CERTIFICATE-----\\nMIIBfjCCASWgAwIBAgIUdOIfzZG9zqzYWzAUZu"
    "h+EvjrRJMwCgYIKoZIzj0EAwIw\\nFDESMBAGA1UEAwwJdC5leGFtcGxlMCAXDTI2MTEyM"
    "zE3NDI1MloYDzIxMjYxMDMw\\nMTc0MjUyWjAUMRIwEAYDVQQDDAl0LmV4YW1wbGUwWTAT"
    "BgcqhkjOPQIBBggqhkjO\\nPQMBBwNCAATPB8WA8hWkouSOP/f0lE99uO1HoyHoiVDYs5z"
    "n8OFj7kB0ufPXb5VB\\nuuFKwkR2UpBP2St7+ebywlKaf+pEU3nZo1MwUTAdBgNVHQ4EFg"
    "QUJh0nJ4yY83Pz\\nypRTWH7x36xuzD8wHwYDVR0jBBgwFoAUJh0nJ4yY83PzypRTWH7x3"
    "6xuzD8wDwYD\\nVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiA0Qc09HGxswJzX"
    "vD1SbPOI\\nYDF+Sd5eTvAnFjWYit/1tAIgb5bgNBS5WPlsc/T/MfnlSqx4J14OozLIs3+"
    "rHo1r\\nEqE=\\n-----END CERTIFICATE-----\\n\"";

static void
test_keypair(void **state)
{
	const struct rego_val *args[2], *out, *leaf, *pk;
	struct writ_rego_error e;
	char pair[4096];

	(void)state;
	args[0] = J(test_ec_cert);
	args[1] = J(test_ec_key);
	assert_int_equal(call("crypto.x509.parse_keypair", args, 2, &out, &e), REGO_B_OK);
	leaf = rego_object_get_str(out, "Leaf", 4);
	assert_non_null(leaf);
	assert_string_equal(
	    JS(rego_object_get_str(rego_object_get_str(leaf, "Subject", 7), "CommonName", 10)),
	    "\"t.example\"");
	pk = rego_object_get_str(out, "PrivateKey", 10);
	assert_true(pk != NULL && rego_object_get_str(pk, "D", 1) != NULL &&
	    rego_object_get_str(pk, "X", 1) != NULL);
	assert_int_equal(call("crypto.parse_private_keys", args + 1, 1, &out, &e), REGO_B_OK);
	assert_int_equal(out->len, 1);
	/* The key is no RSA key; a certificate is no key. */
	assert_int_equal(
	    call("crypto.x509.parse_rsa_private_key", args + 1, 1, &out, &e), REGO_B_ERR);
	assert_int_equal(call("crypto.x509.parse_rsa_private_key", args, 1, &out, &e), REGO_B_ERR);
	/* A key that does not match. */
	args[1] = J("\"-----BEGIN PRIVATE KEY-----\\nMC4CAQAwBQYDK2VwBCIEIIm2nGgAY3bHQO+"
	            "cD/dJHdnD8+fQC4zFl8xKl0e9m6kO\\n-----END PRIVATE KEY-----\\n\"");
	assert_int_equal(call("crypto.x509.parse_keypair", args, 2, &out, &e), REGO_B_ERR);
	assert_non_null(strstr(e.message, "does not match"));
	/* A self-signed chain of one certificate as root and leaf. */
	snprintf(pair, sizeof(pair), "%.*s%s", (int)(strlen(test_ec_cert) - 1), test_ec_cert,
	    test_ec_cert + 1);
	args[0] = J(pair);
	args[1] = J("{\"DNSName\": \"t.example\", \"KeyUsages\": [\"KeyUsageAny\"]}");
	assert_int_equal(
	    call("crypto.x509.parse_and_verify_certificates_with_options", args, 2, &out, &e),
	    REGO_B_OK);
	assert_true(out->u.elems[0]->u.b);
	assert_int_equal(out->u.elems[1]->len, 1);
}

/*
 * Every allocation of each builtin call fails in turn: the call must end in
 * a result or an error, never a crash or (under ASan) a leak.
 */
static void
test_faults(void **state)
{
	static const struct {
		const char *name;
		const char *args[3];
		size_t n;
	} calls[] = {
	    {"json.match_schema",
	        {"{\"a\": [1, 1, \"x\"]}",
	            "{\"properties\": {\"a\": {\"uniqueItems\": true, \"items\": {\"type\": "
	            "\"integer\", \"pattern\": \"^a\"}}}, \"required\": [\"b\"]}"},
	        2},
	    {"json.verify_schema", {"{\"type\": \"nope\"}"}, 1},
	    {"json.patch",
	        {"{\"a\": {\"b\": [1]}}",
	            "[{\"op\": \"add\", \"path\": \"/a/b/0\", \"value\": 2}, {\"op\": \"move\", "
	            "\"from\": \"/a\", \"path\": \"/c\"}]"},
	        2},
	    {"strings.render_template",
	        {"\"{{range $i, $x := .l}}{{$i}}={{$x}} {{end}}\"",
	            "{\"l\": [1, {\"k\": [true]}]}"},
	        2},
	    {"regex.globs_match", {"\"a*[b-d]+.\"", "\"aa.b*c\""}, 2},
	    {"providers.aws.sign_req",
	        {"{\"method\": \"get\", \"url\": \"https://h/p?q\", "
	         "\"headers\": {\"X\": \"1\"}, \"body\": {\"a\": 1}}",
	            "{\"aws_access_key\": \"a\", \"aws_secret_access_key\": \"s\", "
	            "\"aws_service\": \"s3\", \"aws_region\": \"r\", \"aws_session_token\": \"t\"}",
	            "1451311705000000000"},
	        3},
	    {"crypto.x509.parse_keypair", {test_ec_cert, test_ec_key}, 2},
	    {"crypto.parse_private_keys", {test_ec_key}, 1},
	};
	size_t i;
	long nth;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(calls); i++) {
		for (nth = 1; nth < 100000; nth++) {
			const struct rego_val *args[3], *out;
			struct writ_rego_error e;
			enum rego_bres r;
			size_t k;
			bool fired;

			writ_arena_reset(A);
			for (k = 0; k < calls[i].n; k++)
				args[k] = J(calls[i].args[k]);
			writ_fault_set(nth);
			r = call(calls[i].name, args, calls[i].n, &out, &e);
			fired = writ_fault_fired();
			writ_fault_set(0);
			assert_true(r == REGO_B_OK || r == REGO_B_ERR);
			if (!fired) {
				assert_int_equal(r, REGO_B_OK);
				break;
			}
		}
	}
}

/* ---------------------------------------------------------------------------
 * Replay of the extracted cases.
 */

#define MAX_VARS 32

struct env {
	const struct rego_val *name[MAX_VARS];
	const struct rego_val *val[MAX_VARS];
	size_t n;
};

static const struct rego_val *
field(const struct rego_val *o, const char *k)
{
	return o->type == REGO_OBJECT ? rego_object_get_str(o, k, strlen(k)) : NULL;
}

static const struct rego_val *
env_get(const struct env *env, const struct rego_val *name)
{
	size_t i;

	for (i = 0; i < env->n; i++)
		if (rego_equal(env->name[i], name))
			return env->val[i];
	return NULL;
}

static void
env_set(struct env *env, const struct rego_val *name, const struct rego_val *v)
{
	assert_true(env->n < MAX_VARS);
	env->name[env->n] = name;
	env->val[env->n++] = v;
}

static const struct rego_val *
term_var(const struct rego_val *t)
{
	return t->type == REGO_OBJECT && t->len == 1 ? field(t, "$var") : NULL;
}

/* A tagged term's value; NULL if it has an unbound variable. */
static const struct rego_val *
term_val(const struct rego_val *t, const struct env *env)
{
	struct rego_builder b;
	const struct rego_val *x, *v, *k;
	struct writ_err err;
	size_t i;

	if (t->type == REGO_ARRAY) {
		rego_builder_init(&b, A, REGO_ARRAY);
		for (i = 0; i < t->len; i++) {
			if ((v = term_val(t->u.elems[i], env)) == NULL)
				return NULL;
			assert_int_equal(rego_builder_push(&b, v, &err), WRIT_OK);
		}
		assert_int_equal(rego_builder_finish(&b, &v, &err), WRIT_OK);
		return v;
	}
	if (t->type != REGO_OBJECT)
		return t;
	if ((x = term_var(t)) != NULL)
		return env_get(env, x);
	if ((x = field(t, "$num")) != NULL) {
		assert_int_equal(rego_number_parse(A, x->u.s, x->len, &v, &err), WRIT_OK);
		return v;
	}
	if ((x = field(t, "$set")) != NULL) {
		rego_builder_init(&b, A, REGO_SET);
		for (i = 0; i < x->len; i++) {
			if ((v = term_val(x->u.elems[i], env)) == NULL)
				return NULL;
			assert_int_equal(rego_builder_push(&b, v, &err), WRIT_OK);
		}
	} else {
		x = field(t, "$obj");
		assert_non_null(x);
		rego_builder_init(&b, A, REGO_OBJECT);
		for (i = 0; i < x->len; i++) {
			if ((k = term_val(x->u.elems[i]->u.elems[0], env)) == NULL ||
			    (v = term_val(x->u.elems[i]->u.elems[1], env)) == NULL)
				return NULL;
			assert_int_equal(rego_builder_put(&b, k, v, &err), WRIT_OK);
		}
	}
	assert_int_equal(rego_builder_finish(&b, &v, &err), WRIT_OK);
	return v;
}

enum outcome {
	O_VALUE,
	O_UNDEF,
	O_ERROR,
	O_SKIP
};

/* Run the steps; *headv gets the head on O_VALUE. */
static enum outcome
run_steps(const struct rego_val *cs, struct env *env, const struct rego_val **headv,
    struct writ_rego_error *e)
{
	const struct rego_val *steps = field(cs, "steps");
	size_t i, j;

	for (i = 0; i < steps->len; i++) {
		const struct rego_val *st = steps->u.elems[i], *bind, *v, *name, *targs, *neg, *out;
		const struct rego_val *args[8];
		const struct rego_builtin *b;
		enum rego_bres r;
		bool defined;

		if ((bind = field(st, "bind")) != NULL) {
			if ((v = term_val(field(st, "term"), env)) == NULL)
				return O_SKIP;
			if (env_get(env, bind) == NULL)
				env_set(env, bind, v);
			else if (!rego_equal(env_get(env, bind), v))
				return O_UNDEF;
			continue;
		}
		name = field(st, "call");
		targs = field(st, "args");
		neg = field(st, "neg");
		b = rego_builtin_lookup(name->u.s, name->len);
		if (b == NULL || targs->len > 8 ||
		    (b->nargs != targs->len && b->nargs + 1 != targs->len))
			return O_SKIP;
		for (j = 0; j < b->nargs; j++)
			if ((args[j] = term_val(targs->u.elems[j], env)) == NULL)
				return O_SKIP;
		r = call(name->u.s, args, b->nargs, &out, e);
		if (r == REGO_B_ERR)
			return O_ERROR;
		if (b->nargs + 1 == targs->len) {
			const struct rego_val *ov = targs->u.elems[b->nargs], *x = term_var(ov);

			defined = r == REGO_B_OK;
			if (defined && x != NULL && env_get(env, x) == NULL)
				env_set(env, x, out);
			else if (defined)
				defined =
				    term_val(ov, env) != NULL && rego_equal(term_val(ov, env), out);
		} else {
			defined = r == REGO_B_OK && !(out->type == REGO_BOOL && !out->u.b);
		}
		if (neg != NULL && neg->u.b)
			defined = !defined;
		if (!defined)
			return O_UNDEF;
	}
	*headv = term_val(field(cs, "head"), env);
	return *headv != NULL ? O_VALUE : O_SKIP;
}

/* 1 pass, 0 fail, -1 not covered. */
static int
replay_project(const struct rego_val *cs, char *why, size_t whylen)
{
	const struct rego_val *want = field(cs, "want_result"), *q = field(cs, "query"), *headv;
	struct writ_rego_error e;
	struct env env = {.n = 0};
	enum outcome o = run_steps(cs, &env, &headv, &e);
	size_t i, k;

	if (o == O_SKIP)
		return -1;
	if (want == NULL) {
		snprintf(why, whylen, "error cases are not replayed here");
		return o == O_ERROR ? 1 : 0;
	}
	if (o != O_VALUE) {
		if (want->len == 0)
			return 1;
		snprintf(why, whylen, "got %s", o == O_ERROR ? e.message : "undefined");
		return 0;
	}
	for (i = 0; i < q->len; i++) {
		const struct rego_val *var = q->u.elems[i]->u.elems[0];
		const struct rego_val *path = q->u.elems[i]->u.elems[1], *v = headv, *w;

		for (k = 0; v != NULL && k < path->len; k++)
			v = v->type == REGO_OBJECT ? rego_object_get(v, path->u.elems[k]) : NULL;
		if (v == NULL)
			return want->len == 0 ? 1 : (snprintf(why, whylen, "path undefined"), 0);
		if (want->len == 0) {
			snprintf(why, whylen, "want undefined, got %s", JS(v));
			return 0;
		}
		w = rego_object_get(want->u.elems[0], var);
		if (w == NULL || !rego_equal(as_json(v), w)) {
			snprintf(why, whylen, "%s: got %s", var->u.s, JS(v));
			return 0;
		}
	}
	return 1;
}

static int
replay_iterate(const struct rego_val *cs, char *why, size_t whylen)
{
	const struct rego_val *coll = term_val(field(cs, "coll"), NULL), *headv, *got;
	const struct rego_val *want = field(cs, "want_result"), *idx;
	struct rego_builder b;
	struct writ_rego_error e;
	struct writ_err err;
	size_t i;

	assert_non_null(coll);
	rego_builder_init(&b, A, REGO_SET);
	for (i = 0; i < coll->len; i++) {
		struct env env = {.n = 0};
		const struct rego_val *vn, *en;

		assert_int_equal(rego_int(A, (int64_t)i, &idx, &err), WRIT_OK);
		assert_int_equal(
		    rego_string(A, field(cs, "var")->u.s, field(cs, "var")->len, &vn, &err),
		    WRIT_OK);
		assert_int_equal(
		    rego_string(A, field(cs, "elem")->u.s, field(cs, "elem")->len, &en, &err),
		    WRIT_OK);
		env_set(&env, vn, idx);
		env_set(
		    &env, en, coll->type == REGO_OBJECT ? coll->u.kvs[i].val : coll->u.elems[i]);
		switch (run_steps(cs, &env, &headv, &e)) {
		case O_SKIP:
			return -1;
		case O_VALUE:
			assert_int_equal(rego_builder_push(&b, headv, &err), WRIT_OK);
			break;
		default:
			break;
		}
	}
	assert_int_equal(rego_builder_finish(&b, &got, &err), WRIT_OK);
	if (want != NULL && want->len == 1 &&
	    rego_equal(as_json(got), rego_object_get_str(want->u.elems[0], "x", 1)))
		return 1;
	snprintf(why, whylen, "got %s", JS(got));
	return 0;
}

/* The policy's passed_cases rules for one suite entry. */
static bool
patch_entry_passes(const struct rego_val *t)
{
	const struct rego_val *doc = field(t, "doc"), *patch = field(t, "patch");
	const struct rego_val *expected = field(t, "expected"), *error = field(t, "error");
	const struct rego_val *disabled = field(t, "opa_disabled"), *args[2], *out = NULL;
	struct writ_rego_error e;
	enum rego_bres r;
	bool defined;

	if (disabled != NULL && disabled->type == REGO_BOOL && disabled->u.b)
		return true;
	if (doc == NULL || patch == NULL || patch->type != REGO_ARRAY)
		return false;
	args[0] = doc;
	args[1] = patch;
	r = call("json.patch", args, 2, &out, &e);
	defined = r == REGO_B_OK;
	if (expected != NULL && defined && rego_equal(expected, out))
		return true;
	if ((expected == NULL || (expected->type == REGO_BOOL && !expected->u.b)) &&
	    (error == NULL || (error->type == REGO_BOOL && !error->u.b)) && defined)
		return true;
	return error != NULL && (!defined || (out->type == REGO_BOOL && !out->u.b));
}

static int
replay_patchsuite(const struct rego_val *cs, char *why, size_t whylen)
{
	const struct rego_val *cases = field(cs, "cases"), *want = field(cs, "want_result");
	size_t i, nfail = 0;

	assert_true(want != NULL && want->len == 1);
	for (i = 0; i < cases->len; i++) {
		const struct rego_val *t = term_val(cases->u.elems[i], NULL);

		assert_non_null(t);
		if (!patch_entry_passes(t)) {
			const struct rego_val *cm = field(t, "comment");

			if (nfail++ == 0)
				snprintf(why, whylen, "entry %zu (%s) fails", i,
				    cm != NULL && cm->type == REGO_STRING ? cm->u.s : "?");
		}
	}
	/* want_result is {"x": {}}: no failed entries. */
	return nfail == 0;
}

/* value := f(arg); {"valid": value[0], "certs": [{K: cert.path} | some cert in value[1]]}. */
static const struct rego_val *
mapproj(const struct rego_val *cs, const struct rego_val *value)
{
	const struct rego_val *proj = field(cs, "proj"), *certs, *valid, *out, *k;
	struct rego_builder arr, obj;
	struct writ_err err;
	size_t i, j, m;

	assert_true(value->type == REGO_ARRAY && value->len == 2);
	valid = value->u.elems[0];
	certs = value->u.elems[1];
	rego_builder_init(&arr, A, REGO_ARRAY);
	for (i = 0; i < certs->len; i++) {
		bool ok = true;

		rego_builder_init(&obj, A, REGO_OBJECT);
		for (j = 0; ok && j < proj->len; j++) {
			const struct rego_val *path = proj->u.elems[j]->u.elems[1];
			const struct rego_val *v = certs->u.elems[i];

			for (m = 0; v != NULL && m < path->len; m++)
				v = v->type == REGO_OBJECT ? rego_object_get(v, path->u.elems[m])
				                           : NULL;
			if (v == NULL)
				ok = false;
			else
				assert_int_equal(
				    rego_builder_put(&obj, proj->u.elems[j]->u.elems[0], v, &err),
				    WRIT_OK);
		}
		if (!ok)
			continue;
		assert_int_equal(rego_builder_finish(&obj, &out, &err), WRIT_OK);
		assert_int_equal(rego_builder_push(&arr, out, &err), WRIT_OK);
	}
	assert_int_equal(rego_builder_finish(&arr, &certs, &err), WRIT_OK);
	rego_builder_init(&obj, A, REGO_OBJECT);
	assert_int_equal(rego_string(A, "valid", 5, &k, &err), WRIT_OK);
	assert_int_equal(rego_builder_put(&obj, k, valid, &err), WRIT_OK);
	assert_int_equal(rego_string(A, "certs", 5, &k, &err), WRIT_OK);
	assert_int_equal(rego_builder_put(&obj, k, certs, &err), WRIT_OK);
	assert_int_equal(rego_builder_finish(&obj, &out, &err), WRIT_OK);
	return out;
}

/*
 * parse_and_verify_certificates and its _with_options variant both answer
 * Go's verified chain, leaf first, as OPA does (the input is root first).
 */
static int
replay_mapproj(const struct rego_val *cs, char *why, size_t whylen)
{
	const struct rego_val *fn = field(cs, "call"), *arg = field(cs, "arg"), *want;
	const struct rego_val *value = NULL, *value2 = NULL, *args[2];
	struct writ_rego_error e;

	want = rego_object_get_str(field(cs, "want_result")->u.elems[0], "x", 1);
	args[0] = arg;
	/* The chain through the _with_options variant, at a time both chains are valid. */
	args[1] = J("{\"KeyUsages\": [\"KeyUsageAny\"], \"CurrentTime\": 1800000000000000000}");
	if (call("crypto.x509.parse_and_verify_certificates_with_options", args, 2, &value2, &e) !=
	        REGO_B_OK ||
	    !rego_equal(as_json(mapproj(cs, value2)), want)) {
		snprintf(why, whylen, "with_options: %s",
		    value2 != NULL ? JS(mapproj(cs, value2)) : e.message);
		return 0;
	}
	args[1] = J("{\"DNSName\": \"other.example\", \"KeyUsages\": [\"KeyUsageAny\"]}");
	if (call("crypto.x509.parse_and_verify_certificates_with_options", args, 2, &value2, &e) !=
	        REGO_B_OK ||
	    value2->u.elems[0]->u.b) {
		snprintf(why, whylen, "with_options accepted a wrong DNSName");
		return 0;
	}
	args[1] = J("{\"Nope\": 1}");
	if (call("crypto.x509.parse_and_verify_certificates_with_options", args, 2, &value2, &e) !=
	        REGO_B_ERR ||
	    strstr(e.message, "invalid key option") == NULL) {
		snprintf(why, whylen, "with_options accepted a bad option");
		return 0;
	}
	if (call(fn->u.s, args, 1, &value, &e) != REGO_B_OK) {
		snprintf(why, whylen, "%s", e.message);
		return 0;
	}
	if (!rego_equal(as_json(mapproj(cs, value)), want)) {
		snprintf(why, whylen, "got %s", JS(mapproj(cs, value)));
		return 0;
	}
	return 1;
}

struct folder {
	char name[64];
	unsigned total, covered, passed;
};

static void
test_conformance(void **state)
{
	struct folder folders[16];
	size_t nfolders = 0, i, nfail = 0;
	const char *path = getenv("WRIT_REGO_BUILTIN_CASES_MORE");
	char *line = NULL, why[1024];
	size_t cap = 0;
	ssize_t len;
	FILE *fp = NULL;

	(void)state;
	if (path == NULL || (fp = fopen(path, "r")) == NULL) {
		print_message("skipped: $WRIT_REGO_BUILTIN_CASES_MORE not found\n");
		skip();
	}
	memset(folders, 0, sizeof(folders));
	while ((len = getline(&line, &cap, fp)) > 0) {
		const struct rego_val *cs, *kind, *fname;
		struct folder *f = NULL;
		struct writ_err err;
		int res = -1;

		writ_arena_reset(A);
		assert_int_equal(rego_json_parse(A, line, (size_t)len, NULL, &cs, &err), WRIT_OK);
		fname = field(cs, "folder");
		for (i = 0; i < nfolders; i++)
			if (strcmp(folders[i].name, fname->u.s) == 0)
				f = &folders[i];
		if (f == NULL) {
			assert_true(nfolders < WRIT_ARRAY_LEN(folders));
			f = &folders[nfolders++];
			snprintf(f->name, sizeof(f->name), "%s", fname->u.s);
		}
		f->total++;
		if (field(cs, "skip") != NULL)
			continue;
		kind = field(cs, "kind");
		why[0] = '\0';
		if (strcmp(kind->u.s, "project") == 0)
			res = replay_project(cs, why, sizeof(why));
		else if (strcmp(kind->u.s, "iterate") == 0)
			res = replay_iterate(cs, why, sizeof(why));
		else if (strcmp(kind->u.s, "patchsuite") == 0)
			res = replay_patchsuite(cs, why, sizeof(why));
		else if (strcmp(kind->u.s, "mapproj") == 0)
			res = replay_mapproj(cs, why, sizeof(why));
		if (res < 0)
			continue;
		f->covered++;
		if (res == 1) {
			f->passed++;
		} else {
			print_message("FAIL %s: %s\n", field(cs, "note")->u.s, why);
			nfail++;
		}
	}
	free(line);
	fclose(fp);
	for (i = 0; i < nfolders; i++)
		print_message("%-40s %3u cases, %3u covered here, %3u passed\n", folders[i].name,
		    folders[i].total, folders[i].covered, folders[i].passed);
	assert_int_equal(nfail, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_jsonschema, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_jsonpatch, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_template_globs, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_aws_keys, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_keypair, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_faults, rfx_setup, rfx_teardown),
	    cmocka_unit_test_setup_teardown(test_conformance, rfx_setup, rfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
