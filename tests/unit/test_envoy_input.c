/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of CheckRequest -> input document (lib/policy/envoy_input.c,
 * envoy_body.c, envoy_json.c): the attributes field by field, version,
 * parsed_path and parsed_query, parsed_body for each content type, the
 * request-parse errors, the limits, malformed messages, and allocation
 * failures.  Requests are built with the generated protobuf-c types and
 * packed; the document is compared as JSON (key order does not matter).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "envoy/service/auth/v3/external_auth.pb-c.h"
#include "rego/value.h"
#include "writ/base.h"
#include "writ/envoy.h"

typedef Envoy__Service__Auth__V3__AttributeContext__HttpRequest__HeadersEntry HdrEntry;

/* A request under construction: the messages and the storage they point into. */
struct req {
	Envoy__Service__Auth__V3__CheckRequest cr;
	Envoy__Service__Auth__V3__AttributeContext ac;
	Envoy__Service__Auth__V3__AttributeContext__Request rq;
	Envoy__Service__Auth__V3__AttributeContext__HttpRequest http;
	HdrEntry hdr[16];
	HdrEntry *hdrp[16];
};

static void
req_init(struct req *r, const char *method, const char *path)
{
	memset(r, 0, sizeof(*r));
	envoy__service__auth__v3__check_request__init(&r->cr);
	envoy__service__auth__v3__attribute_context__init(&r->ac);
	envoy__service__auth__v3__attribute_context__request__init(&r->rq);
	envoy__service__auth__v3__attribute_context__http_request__init(&r->http);
	r->cr.attributes = &r->ac;
	r->ac.request = &r->rq;
	r->rq.http = &r->http;
	r->http.method = (char *)(uintptr_t)method;
	r->http.path = (char *)(uintptr_t)path;
}

static void
req_header(struct req *r, const char *k, const char *v)
{
	size_t i = r->http.n_headers++;

	envoy__service__auth__v3__attribute_context__http_request__headers_entry__init(&r->hdr[i]);
	r->hdr[i].key = (char *)(uintptr_t)k;
	r->hdr[i].value = (char *)(uintptr_t)v;
	r->hdrp[i] = &r->hdr[i];
	r->http.headers = r->hdrp;
}

static uint8_t *
pack(const ProtobufCMessage *m, size_t *len)
{
	uint8_t *p;

	*len = protobuf_c_message_get_packed_size(m);
	p = malloc(*len + 1);
	assert_non_null(p);
	protobuf_c_message_pack(m, p);
	return p;
}

/* Build the input for msg; returns rc, and the document in *doc on success. */
static writ_rc
input_of(const uint8_t *msg, size_t len, const struct writ_envoy_opts *o, json_t **doc,
    struct writ_err *err)
{
	struct writ_arena *a = writ_arena_new(64u << 20, 0);
	struct writ_buf b;
	json_error_t jerr;
	writ_rc rc;

	assert_non_null(a);
	writ_buf_init(&b, 0);
	rc = writ_envoy_input(msg, len, o, a, &b, err);
	*doc = NULL;
	if (rc == WRIT_OK) {
		*doc = json_loadb(b.ptr, b.len, 0, &jerr);
		if (*doc == NULL)
			fail_msg("not JSON (%s): %s", jerr.text, b.ptr);
	}
	writ_buf_free(&b);
	writ_arena_free(a);
	return rc;
}

static json_t *
input_ok(const ProtobufCMessage *m, const struct writ_envoy_opts *o)
{
	struct writ_err err = {0};
	json_t *doc;
	size_t len;
	uint8_t *p = pack(m, &len);
	writ_rc rc = input_of(p, len, o, &doc, &err);

	free(p);
	if (rc != WRIT_OK)
		fail_msg("rc %d: %s", rc, err.msg);
	return doc;
}

/* doc[key] must equal want (JSON text). */
static void
expect_key(json_t *doc, const char *key, const char *want)
{
	json_t *w = json_loads(want, JSON_DECODE_ANY, NULL), *g = json_object_get(doc, key);

	assert_non_null(w);
	if (!json_equal(w, g)) {
		char *gs =
		    g ? json_dumps(g, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;

		fail_msg("%s:\n got  %s\n want %s", key, gs ? gs : "(absent)", want);
	}
	json_decref(w);
}

/* ---------------------------------------------------------------------------
 * Attributes.
 */

static void
test_attributes(void **state)
{
	Envoy__Service__Auth__V3__AttributeContext__Peer src, dst;
	Envoy__Config__Core__V3__Address sa, da;
	Envoy__Config__Core__V3__SocketAddress ss, ds;
	Envoy__Service__Auth__V3__AttributeContext__Peer__LabelsEntry lab, *labp = &lab;
	Envoy__Service__Auth__V3__AttributeContext__ContextExtensionsEntry ce[2], *cep[2];
	Envoy__Service__Auth__V3__AttributeContext__TLSSession tls;
	Google__Protobuf__Timestamp ts;
	uint8_t raw[] = {0xff, 0x00, 0x41};
	struct req r;
	json_t *doc;

	(void)state;
	req_init(&r, "POST", "/people?x=1");
	req_header(&r, ":authority", "example.com");
	req_header(&r, "authorization", "Bearer abc");
	req_header(&r, "x-dup", "first");
	req_header(&r, "x-dup", "second");
	r.http.id = "12345";
	r.http.host = "example.com";
	r.http.scheme = "https";
	r.http.protocol = "HTTP/1.1";
	r.http.size = 42;
	r.http.raw_body.data = raw;
	r.http.raw_body.len = sizeof(raw);
	envoy__service__auth__v3__attribute_context__peer__init(&src);
	envoy__service__auth__v3__attribute_context__peer__init(&dst);
	envoy__config__core__v3__address__init(&sa);
	envoy__config__core__v3__address__init(&da);
	envoy__config__core__v3__socket_address__init(&ss);
	envoy__config__core__v3__socket_address__init(&ds);
	ss.address = "10.0.0.1";
	ss.port_specifier_case = ENVOY__CONFIG__CORE__V3__SOCKET_ADDRESS__PORT_SPECIFIER_PORT_VALUE;
	ss.port_value = 0; /* a set oneof member appears even when 0 */
	ss.protocol = ENVOY__CONFIG__CORE__V3__SOCKET_ADDRESS__PROTOCOL__UDP;
	ds.address = "10.0.0.2";
	ds.port_specifier_case = ENVOY__CONFIG__CORE__V3__SOCKET_ADDRESS__PORT_SPECIFIER_PORT_VALUE;
	ds.port_value = 8000;
	sa.address_case = ENVOY__CONFIG__CORE__V3__ADDRESS__ADDRESS_SOCKET_ADDRESS;
	sa.socket_address = &ss;
	da.address_case = ENVOY__CONFIG__CORE__V3__ADDRESS__ADDRESS_SOCKET_ADDRESS;
	da.socket_address = &ds;
	src.address = &sa;
	src.principal = "spiffe://example.org/agent";
	envoy__service__auth__v3__attribute_context__peer__labels_entry__init(&lab);
	lab.key = "app";
	lab.value = "web";
	src.n_labels = 1;
	src.labels = &labp;
	dst.address = &da;
	r.ac.source = &src;
	r.ac.destination = &dst;
	envoy__service__auth__v3__attribute_context__context_extensions_entry__init(&ce[0]);
	envoy__service__auth__v3__attribute_context__context_extensions_entry__init(&ce[1]);
	ce[0].key = "virtual_host";
	ce[0].value = "vh";
	ce[1].key = "b";
	ce[1].value = "";
	cep[0] = &ce[0];
	cep[1] = &ce[1];
	r.ac.n_context_extensions = 2;
	r.ac.context_extensions = cep;
	envoy__service__auth__v3__attribute_context__tlssession__init(&tls);
	r.ac.tls_session = &tls; /* set but empty: {} */
	google__protobuf__timestamp__init(&ts);
	ts.seconds = 1700000000;
	r.rq.time = &ts;

	doc = input_ok(&r.cr.base, NULL);
	expect_key(doc, "attributes",
	    "{\"source\":{\"address\":{\"socketAddress\":{\"protocol\":1,\"address\":\"10.0.0.1\","
	    "\"portValue\":0}},\"labels\":{\"app\":\"web\"},"
	    "\"principal\":\"spiffe://example.org/agent\"},"
	    "\"destination\":{\"address\":{\"socketAddress\":{\"address\":\"10.0.0.2\","
	    "\"portValue\":8000}}},"
	    "\"request\":{\"time\":{\"seconds\":1700000000},\"http\":{\"id\":\"12345\","
	    "\"method\":\"POST\",\"headers\":{\":authority\":\"example.com\","
	    "\"authorization\":\"Bearer abc\",\"x-dup\":\"second\"},\"path\":\"/people?x=1\","
	    "\"host\":\"example.com\",\"scheme\":\"https\",\"size\":42,\"protocol\":\"HTTP/1.1\","
	    "\"rawBody\":\"/wBB\"}},"
	    "\"contextExtensions\":{\"virtual_host\":\"vh\",\"b\":\"\"},"
	    "\"tlsSession\":{}}");
	expect_key(doc, "version", "{\"ext_authz\":\"v3\",\"encoding\":\"protojson\"}");
	expect_key(doc, "parsed_path", "[\"people\"]");
	expect_key(doc, "parsed_query", "{\"x\":[\"1\"]}");
	expect_key(doc, "parsed_body", "null");
	expect_key(doc, "truncated_body", "false");
	expect_key(doc, "source_principal", "\"spiffe://example.org/agent\"");
	json_decref(doc);
}

static void
test_empty_request(void **state)
{
	Envoy__Service__Auth__V3__CheckRequest cr;
	json_t *doc, *want;

	(void)state;
	envoy__service__auth__v3__check_request__init(&cr);
	doc = input_ok(&cr.base, NULL);
	want = json_loads("{\"version\":{\"ext_authz\":\"v3\",\"encoding\":\"protojson\"},"
	                  "\"parsed_path\":[\"\"],\"parsed_query\":{},\"parsed_body\":null,"
	                  "\"truncated_body\":false}",
	    0, NULL);
	assert_true(json_equal(doc, want));
	json_decref(doc);
	json_decref(want);
}

static void
test_metadata(void **state)
{
	Envoy__Config__Core__V3__Metadata md;
	Envoy__Config__Core__V3__Metadata__FilterMetadataEntry fe, *fep = &fe;
	Envoy__Config__Core__V3__Metadata__TypedFilterMetadataEntry te, *tep = &te;
	Google__Protobuf__Any any;
	Google__Protobuf__Struct st, inner;
	Google__Protobuf__Struct__FieldsEntry f[6], *fp[6], g, *gp = &g;
	Google__Protobuf__Value v[6], gv, lv[2], *lvp[2];
	Google__Protobuf__ListValue list;
	Envoy__Service__Auth__V3__AttributeContext__Peer pipe_peer;
	Envoy__Config__Core__V3__Address pa;
	Envoy__Config__Core__V3__Pipe pipe;
	uint8_t bytes[] = {1, 2, 3};
	struct req r;
	json_t *doc;
	size_t i;

	(void)state;
	req_init(&r, "GET", "/");
	google__protobuf__struct__init(&st);
	google__protobuf__struct__init(&inner);
	for (i = 0; i < 6; i++) {
		google__protobuf__struct__fields_entry__init(&f[i]);
		google__protobuf__value__init(&v[i]);
		f[i].value = &v[i];
		fp[i] = &f[i];
	}
	f[0].key = "n";
	v[0].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
	v[0].number_value = 1.5;
	f[1].key = "s";
	v[1].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
	v[1].string_value = "x";
	f[2].key = "b";
	v[2].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE;
	v[2].bool_value = 1;
	f[3].key = "z";
	v[3].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE;
	f[4].key = "o";
	v[4].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE;
	v[4].struct_value = &inner;
	google__protobuf__struct__fields_entry__init(&g);
	google__protobuf__value__init(&gv);
	g.key = "deep";
	g.value = &gv;
	gv.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
	gv.number_value = 3;
	inner.n_fields = 1;
	inner.fields = &gp;
	f[5].key = "l";
	v[5].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE;
	google__protobuf__list_value__init(&list);
	google__protobuf__value__init(&lv[0]);
	google__protobuf__value__init(&lv[1]);
	lv[0].kind_case = GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE;
	lv[0].string_value = "a";
	lvp[0] = &lv[0];
	lvp[1] = &lv[1]; /* no kind: null */
	list.n_values = 2;
	list.values = lvp;
	v[5].list_value = &list;
	st.n_fields = 6;
	st.fields = fp;
	envoy__config__core__v3__metadata__init(&md);
	envoy__config__core__v3__metadata__filter_metadata_entry__init(&fe);
	fe.key = "envoy.filters.http.jwt_authn";
	fe.value = &st;
	md.n_filter_metadata = 1;
	md.filter_metadata = &fep;
	envoy__config__core__v3__metadata__typed_filter_metadata_entry__init(&te);
	google__protobuf__any__init(&any);
	any.type_url = "type.googleapis.com/x.Y";
	any.value.data = bytes;
	any.value.len = sizeof(bytes);
	te.key = "t";
	te.value = &any;
	md.n_typed_filter_metadata = 1;
	md.typed_filter_metadata = &tep;
	r.ac.metadata_context = &md;
	envoy__service__auth__v3__attribute_context__peer__init(&pipe_peer);
	envoy__config__core__v3__address__init(&pa);
	envoy__config__core__v3__pipe__init(&pipe);
	pipe.path = "/run/envoy.sock";
	pipe.mode = 0600;
	pa.address_case = ENVOY__CONFIG__CORE__V3__ADDRESS__ADDRESS_PIPE;
	pa.pipe = &pipe;
	pipe_peer.address = &pa;
	r.ac.destination = &pipe_peer;

	doc = input_ok(&r.cr.base, NULL);
	assert_true(json_equal(
	    json_object_get(doc, "attributes"), json_object_get(doc, "attributes"))); /* parsed */
	expect_key(json_object_get(doc, "attributes"), "metadataContext",
	    "{\"filterMetadata\":{\"envoy.filters.http.jwt_authn\":{\"n\":1.5,\"s\":\"x\","
	    "\"b\":true,\"z\":null,\"o\":{\"deep\":3},\"l\":[\"a\",null]}},"
	    "\"typedFilterMetadata\":{\"t\":{\"typeUrl\":\"type.googleapis.com/x.Y\","
	    "\"value\":\"AQID\"}}}");
	expect_key(json_object_get(doc, "attributes"), "destination",
	    "{\"address\":{\"pipe\":{\"path\":\"/run/envoy.sock\",\"mode\":384}}}");
	json_decref(doc);
}

/* ---------------------------------------------------------------------------
 * parsed_path and parsed_query.
 */

static void
test_paths(void **state)
{
	static const struct {
		const char *path;
		const char *parsed_path;
		const char *parsed_query;
	} cases[] = {
	    {"/people", "[\"people\"]", "{}"},
	    {"/a/b/", "[\"a\",\"b\",\"\"]", "{}"},
	    {"/", "[\"\"]", "{}"},
	    {"", "[\"\"]", "{}"},
	    {"//x//y", "[\"x\",\"\",\"y\"]", "{}"},
	    {"/a%2Fb", "[\"a\",\"b\"]", "{}"},
	    {"/a+b%20c", "[\"a+b c\"]", "{}"},
	    {"/p?a=1&a=2&b", "[\"p\"]", "{\"a\":[\"1\",\"2\"],\"b\":[\"\"]}"},
	    {"/p?x=a+b%20c&&=v", "[\"p\"]", "{\"x\":[\"a b c\"],\"\":[\"v\"]}"},
	    {"/p?", "[\"p\"]", "{}"},
	    {"/p?a=1?b=2", "[\"p\"]", "{\"a\":[\"1?b=2\"]}"},
	    {"/%e2%82%ac?k=%ff", "[\"\u20ac\"]", "{\"k\":[\"\ufffd\"]}"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		struct req r;
		json_t *doc;

		req_init(&r, "GET", cases[i].path);
		doc = input_ok(&r.cr.base, NULL);
		expect_key(doc, "parsed_path", cases[i].parsed_path);
		expect_key(doc, "parsed_query", cases[i].parsed_query);
		json_decref(doc);
	}
}

static void
test_path_errors(void **state)
{
	static const struct {
		const char *path;
		const char *msg;
	} cases[] = {
	    {"/a%zz", "invalid URL escape \"%zz\""},
	    {"/a%4", "invalid URL escape \"%4\""},
	    {"/a?x=%", "invalid URL escape \"%\""},
	    {"/a?x=1;y=2", "invalid semicolon separator in query"},
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		struct writ_err err = {0};
		struct req r;
		json_t *doc;
		uint8_t *p;

		req_init(&r, "GET", cases[i].path);
		p = pack(&r.cr.base, &len);
		assert_int_equal(input_of(p, len, NULL, &doc, &err), WRIT_EINVAL);
		assert_string_equal(err.msg, cases[i].msg);
		free(p);
	}
}

/* ---------------------------------------------------------------------------
 * parsed_body.
 */

struct body_case {
	const char *ctype; /* NULL: no content-type */
	const char *clen;  /* NULL: no content-length */
	const char *body;
	bool raw;           /* send as raw_body */
	const char *parsed; /* NULL: an error is expected */
	bool truncated;
	writ_rc rc;
	const char *msg;
};

static void
run_body(const struct body_case *c, const struct writ_envoy_opts *o)
{
	struct writ_err err = {0};
	struct req r;
	json_t *doc;
	uint8_t *p;
	size_t len;
	writ_rc rc;

	req_init(&r, "POST", "/");
	if (c->ctype != NULL)
		req_header(&r, "content-type", c->ctype);
	if (c->clen != NULL)
		req_header(&r, "content-length", c->clen);
	if (c->raw) {
		r.http.raw_body.data = (uint8_t *)(uintptr_t)c->body;
		r.http.raw_body.len = strlen(c->body);
	} else {
		r.http.body = (char *)(uintptr_t)c->body;
	}
	p = pack(&r.cr.base, &len);
	rc = input_of(p, len, o, &doc, &err);
	free(p);
	if (c->parsed == NULL) {
		if (rc != c->rc)
			fail_msg("body %s: rc %d, want %d (%s)", c->body, rc, c->rc, err.msg);
		if (c->msg != NULL && strcmp(err.msg, c->msg) != 0)
			fail_msg("body %s: message '%s', want '%s'", c->body, err.msg, c->msg);
		return;
	}
	if (rc != WRIT_OK)
		fail_msg("body %s: rc %d: %s", c->body, rc, err.msg);
	expect_key(doc, "parsed_body", c->parsed);
	expect_key(doc, "truncated_body", c->truncated ? "true" : "false");
	json_decref(doc);
}

static void
test_bodies(void **state)
{
	static const struct body_case cases[] = {
	    {"application/json", NULL, "{\"firstname\":\"Ann\",\"n\":[1,2.5e3,-0,{}]}", false,
	        "{\"firstname\":\"Ann\",\"n\":[1,2.5e3,0,{}]}", false, 0, NULL},
	    {"application/json; charset=utf-8", "12", " [true,null] ", false, "[true,null]", false,
	        0, NULL},
	    {"application/json", NULL, "{\"a\":1}", true, "{\"a\":1}", false, 0, NULL},
	    {"application/json", NULL, "\"\\ud800x\\ud83d\\ude00\\u00e9\"", false,
	        "\"\ufffdx\U0001F600\u00e9\"", false, 0, NULL},
	    {"application/json", NULL, "\"\xff\"", true, "\"\ufffd\"", false, 0, NULL},
	    {"application/json", "100", "{\"a\":1}", false, "null", true, 0, NULL},
	    {"application/json", "-1", "{\"a\":1}", false, "{\"a\":1}", false, 0, NULL},
	    {"application/json", "+7", "{\"a\":1}", false, "{\"a\":1}", false, 0, NULL},
	    {"application/json", NULL, "", false, "null", false, 0, NULL},
	    {"application/json", NULL, "{\"a\":}", false, NULL, false, WRIT_EINVAL,
	        "invalid character '}' looking for beginning of value"},
	    {"application/json", NULL, "{\"a\":1", false, NULL, false, WRIT_EINVAL,
	        "unexpected end of JSON input"},
	    {"application/json", NULL, "{} x", false, NULL, false, WRIT_EINVAL,
	        "invalid character 'x' after top-level value"},
	    {"application/json", NULL, "[01]", false, NULL, false, WRIT_EINVAL,
	        "invalid character '1' after array element"},
	    {"application/json", NULL, "\"a\tb\"", false, NULL, false, WRIT_EINVAL,
	        "invalid character '\\x09' in string literal"},
	    {"application/json", "ten", "{}", false, NULL, false, WRIT_EINVAL,
	        "strconv.ParseInt: parsing \"ten\": invalid syntax"},
	    {"application/x-www-form-urlencoded", NULL, "a=1&b=x+y&a=%21", false,
	        "{\"a\":[\"1\",\"!\"],\"b\":[\"x y\"]}", false, 0, NULL},
	    {"application/x-www-form-urlencoded", NULL, "a=%zz", false, NULL, false, WRIT_EINVAL,
	        "invalid URL escape \"%zz\""},
	    {"multipart/form-data; boundary=XyZ", NULL,
	        "preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n"
	        "--XyZ\r\nContent-Disposition: form-data; name=\"j\"\r\nContent-Type: "
	        "application/json\r\n\r\n{\"k\":[1]}\r\n--XyZ\r\nContent-Disposition: form-data; "
	        "name=a\r\n\r\nline1\r\nline2\r\n--XyZ\r\nContent-Disposition: attachment; "
	        "name=\"skip\"\r\n\r\nx\r\n--XyZ--\r\n",
	        false, "{\"a\":[\"hello\",\"line1\\r\\nline2\"],\"j\":[{\"k\":[1]}]}", false, 0,
	        NULL},
	    {"multipart/form-data; boundary=\"b\"", NULL,
	        "--b\nContent-Disposition: form-data; name=x\n\n1\n--b--", false, "{\"x\":[\"1\"]}",
	        false, 0, NULL},
	    {"multipart/form-data", NULL, "--b\r\n", false, "null", false, 0, NULL},
	    {"multipart/form-data; boundary=b", NULL,
	        "--b\r\nContent-Disposition: form-data; name=x\r\n\r\nno end", false, NULL, false,
	        WRIT_EINVAL, "unexpected EOF"},
	    {"multipart/form-data; boundary=b", NULL,
	        "--b\r\nContent-Disposition: form-data; name=x; name=y\r\n\r\n1\r\n--b--", false,
	        "{}", false, 0, NULL},
	    {"multipart/form-data; boundary=b;", NULL, "--b--", false, "{}", false, 0, NULL},
	    {"multipart/form-data; boundary", NULL, "--b--", false, NULL, false, WRIT_EINVAL,
	        "mime: invalid media parameter"},
	    {"application/grpc", NULL, "\x00\x00\x00\x00\x01\x08", true, "null", false, 0, NULL},
	    {"text/plain", NULL, "hello", false, "null", false, 0, NULL},
	    {NULL, NULL, "{\"a\":1}", false, "null", false, 0, NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++)
		run_body(&cases[i], NULL);
}

static void
test_partial_body(void **state)
{
	struct req r;
	json_t *doc;

	(void)state;
	req_init(&r, "POST", "/");
	req_header(&r, "content-type", "application/json");
	req_header(&r, "x-envoy-auth-partial-body", "true");
	r.http.body = "{\"a\":";
	doc = input_ok(&r.cr.base, NULL);
	expect_key(doc, "parsed_body", "null");
	expect_key(doc, "truncated_body", "true");
	json_decref(doc);
}

static void
test_skip_body(void **state)
{
	struct writ_envoy_opts o = {.skip_body_parse = true};
	struct req r;
	json_t *doc;

	(void)state;
	req_init(&r, "POST", "/");
	req_header(&r, "content-type", "application/json");
	r.http.body = "not json";
	doc = input_ok(&r.cr.base, &o);
	assert_null(json_object_get(doc, "parsed_body"));
	assert_null(json_object_get(doc, "truncated_body"));
	json_decref(doc);
}

/* ---------------------------------------------------------------------------
 * Limits and malformed messages.
 */

static void
test_limits(void **state)
{
	struct writ_envoy_opts o = {.max_depth = 4, .max_input = 4096};
	struct body_case deep = {"application/json", NULL, "[[[[[1]]]]]", false, NULL, false,
	    WRIT_ELIMIT, "JSON body nested deeper than 4 levels"};
	struct body_case ok = {
	    "application/json", NULL, "[[[[1]]]]", false, "[[[[1]]]]", false, 0, NULL};
	static const struct body_case numbers[] = {
	    {"application/json", NULL, "[1e30001]", false, NULL, false, WRIT_ELIMIT,
	        "JSON body has a number beyond 1e30000 or 1000 characters"},
	    {"application/json", NULL, "[10e30000]", false, NULL, false, WRIT_ELIMIT, NULL},
	    {"application/json", NULL, "[0.01e-29999]", false, NULL, false, WRIT_ELIMIT, NULL},
	    {"application/json", NULL, "[2.5e32533]", false, NULL, false, WRIT_ELIMIT, NULL},
	};
	size_t i;
	struct writ_err err = {0};
	char *big = malloc(8192);
	struct req r;
	json_t *doc;
	uint8_t *p;
	size_t len;

	(void)state;
	run_body(&deep, &o);
	run_body(&ok, &o);
	for (i = 0; i < WRIT_ARRAY_LEN(numbers); i++)
		run_body(&numbers[i], NULL);
	assert_non_null(big);
	memset(big, 'a', 8191);
	big[0] = '/';
	big[8191] = '\0';
	req_init(&r, "GET", big);
	p = pack(&r.cr.base, &len);
	assert_int_equal(input_of(p, len, &o, &doc, &err), WRIT_ELIMIT);
	assert_string_equal(err.msg, "input document larger than 4096 bytes");
	free(p);
	free(big);
}

static void
test_malformed(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
	} cases[] = {
	    {"\x0a", 1},             /* attributes: length missing */
	    {"\x0a\x05\x0a\x01", 4}, /* truncated submessage */
	    {"\x0a\x02\x08\x01", 4}, /* source sent as a varint */
	    {"\x0b", 1},             /* a group */
	    {"\x00\x01", 2},         /* field number 0 */
	    {"\x0a\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 12}, /* varint overflow */
	};
	struct writ_err err = {0};
	struct req r;
	json_t *doc;
	size_t i, len;
	uint8_t *p;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		writ_rc rc =
		    input_of((const uint8_t *)cases[i].bytes, cases[i].len, NULL, &doc, &err);

		if (rc != WRIT_EPARSE)
			fail_msg("case %zu: rc %d (%s)", i, rc, err.msg);
	}
	/* A string field that is not UTF-8, or holds a NUL. */
	req_init(&r, "GET", "/\xc3\x28");
	p = pack(&r.cr.base, &len);
	assert_int_equal(input_of(p, len, NULL, &doc, &err), WRIT_EPARSE);
	free(p);
	/* Unknown fields are skipped. */
	req_init(&r, "GET", "/x");
	p = pack(&r.cr.base, &len);
	p = realloc(p, len + 3);
	assert_non_null(p);
	memcpy(p + len, "\xf8\x01\x05", 3); /* field 31, varint 5 */
	assert_int_equal(input_of(p, len + 3, NULL, &doc, &err), WRIT_OK);
	expect_key(doc, "parsed_path", "[\"x\"]");
	json_decref(doc);
	free(p);
}

/* Protobuf varint into p; returns its length. */
static size_t
varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Wrap inner[0..*len) as field (number, length-delimited), in place in buf. */
static void
wrap(uint8_t *buf, size_t *len, unsigned field, const char *prefix, size_t plen)
{
	uint8_t head[16];
	size_t h = 0, total = *len + plen;

	head[h++] = (uint8_t)(field << 3 | 2);
	h += varint(head + h, total);
	memmove(buf + h + plen, buf, *len);
	memcpy(buf, head, h);
	if (plen > 0)
		memcpy(buf + h, prefix, plen);
	*len += h + plen;
}

/* A CheckRequest whose metadata_context holds a Struct nested n levels. */
static uint8_t *
deep_request(unsigned n, size_t *len)
{
	uint8_t *buf = malloc(1u << 20);
	unsigned i;

	assert_non_null(buf);
	*len = 0; /* the innermost Struct is empty */
	for (i = 0; i < n; i++) {
		wrap(buf, len, 5, NULL, 0);        /* Value.struct_value */
		wrap(buf, len, 2, NULL, 0);        /* FieldsEntry.value */
		wrap(buf, len, 1, "\x0a\x01k", 3); /* Struct.fields, the entry keyed "k" */
	}
	wrap(buf, len, 2, NULL, 0);         /* FilterMetadataEntry.value */
	wrap(buf, len, 1, "\x0a\x02ns", 4); /* Metadata.filter_metadata "ns" */
	wrap(buf, len, 11, NULL, 0);        /* AttributeContext.metadata_context */
	wrap(buf, len, 1, NULL, 0);         /* CheckRequest.attributes */
	return buf;
}

static void
test_deep_struct(void **state)
{
	struct writ_err err = {0};
	json_t *doc, *v;
	uint8_t *p;
	size_t len;
	unsigned i;

	(void)state;
	p = deep_request(20, &len);
	assert_int_equal(input_of(p, len, NULL, &doc, &err), WRIT_OK);
	v = json_object_get(
	    json_object_get(json_object_get(json_object_get(doc, "attributes"), "metadataContext"),
	        "filterMetadata"),
	    "ns");
	for (i = 0; i < 20; i++)
		v = json_object_get(v, "k");
	assert_true(json_is_object(v) && json_object_size(v) == 0);
	json_decref(doc);
	free(p);
	p = deep_request(40, &len);
	assert_int_equal(input_of(p, len, NULL, &doc, &err), WRIT_EPARSE);
	assert_string_equal(err.msg, "messages nested deeper than 100 levels");
	free(p);
	p = deep_request(20000, &len); /* far beyond: refused before any recursion */
	assert_int_equal(input_of(p, len, NULL, &doc, &err), WRIT_EPARSE);
	free(p);
}

/* Numbers at the Rego engine's limits are copied as they are, and the engine takes them. */
static void
test_number_limits(void **state)
{
	static const char body[] = "[1e30000,-0.001e-29997,0e999999999,1E+29999]";
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_err err = {0};
	const struct rego_val *v;
	struct writ_buf b;
	struct req r;
	uint8_t *p;
	size_t len;

	(void)state;
	assert_non_null(a);
	req_init(&r, "POST", "/");
	req_header(&r, "content-type", "application/json");
	r.http.body = (char *)(uintptr_t)body;
	p = pack(&r.cr.base, &len);
	writ_buf_init(&b, 0);
	assert_int_equal(writ_envoy_input(p, len, NULL, a, &b, &err), WRIT_OK);
	assert_non_null(
	    strstr(b.ptr, "\"parsed_body\":[1e30000,-0.001e-29997,0e999999999,1E+29999]"));
	assert_int_equal(rego_json_parse(a, b.ptr, b.len, NULL, &v, &err), WRIT_OK);
	writ_buf_free(&b);
	writ_arena_free(a);
	free(p);
}

/* ---------------------------------------------------------------------------
 * Allocation failures.
 */

static void
test_enomem(void **state)
{
	struct req r;
	uint8_t *p;
	size_t len;
	long n;

	(void)state;
	req_init(&r, "POST", "/a/b?x=1&y=2");
	req_header(&r, "content-type", "multipart/form-data; boundary=b");
	r.http.body = "--b\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b--";
	p = pack(&r.cr.base, &len);
	for (n = 1; n < 200; n++) {
		struct writ_err err = {0};
		struct writ_arena *a = writ_arena_new(0, 0);
		struct writ_buf b;
		writ_rc rc;

		if (a == NULL)
			continue;
		writ_buf_init(&b, 0);
		writ_fault_set(n);
		rc = writ_envoy_input(p, len, NULL, a, &b, &err);
		writ_fault_set(0);
		writ_buf_free(&b);
		writ_arena_free(a);
		if (rc == WRIT_OK)
			break;
		if (rc != WRIT_ENOMEM && rc != WRIT_EPARSE)
			fail_msg("fault %ld: rc %d (%s)", n, rc, err.msg);
	}
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_attributes),
	    cmocka_unit_test(test_empty_request),
	    cmocka_unit_test(test_metadata),
	    cmocka_unit_test(test_paths),
	    cmocka_unit_test(test_path_errors),
	    cmocka_unit_test(test_bodies),
	    cmocka_unit_test(test_partial_body),
	    cmocka_unit_test(test_skip_body),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_number_limits),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_deep_struct),
	    cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
