/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CheckRequest -> the input document of an ext_authz decision, as OPA's
 * Envoy plugin builds it (docs/API.md, "Envoy external authorization"):
 *
 *   attributes       the request's AttributeContext, field by field: protobuf
 *                    JSON names, populated fields only, maps as objects,
 *                    Structs as plain objects, enums as numbers, bytes as
 *                    base64, 64-bit integers as numbers
 *   version          {"ext_authz": "v3", "encoding": "protojson"}
 *   parsed_path      the decoded path split on '/'
 *   parsed_query     the query as name -> [values]
 *   parsed_body      the body parsed by its content-type (envoy_body.c)
 *   truncated_body   whether Envoy sent only part of it
 *   source_principal attributes.source.principal, when set
 *
 * Before protobuf-c sees the message, a walk over its wire format (with the
 * generated descriptors) bounds the nesting of messages -- google.protobuf.
 * Struct can nest without end and protobuf-c decodes recursively -- and
 * checks that every string field is UTF-8 without NUL (protobuf-c's strings
 * end at the first NUL, so a NUL could hide the rest of a value from the
 * policy).  Decoding allocates from the caller's arena.
 */
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "envoy/service/auth/v3/external_auth.pb-c.h"

#include "envoy_int.h"

typedef Envoy__Service__Auth__V3__AttributeContext AttrCtx;
typedef Envoy__Service__Auth__V3__AttributeContext__Peer Peer;
typedef Envoy__Service__Auth__V3__AttributeContext__HttpRequest HttpReq;
typedef Envoy__Config__Core__V3__Address Address;
typedef Envoy__Config__Core__V3__Metadata Metadata;
typedef Google__Protobuf__Struct PbStruct;
typedef Google__Protobuf__Value PbValue;

/* A protobuf map as protobuf-c has it: n entries, each with key and value after the header. */
struct pb_kv {
	ProtobufCMessage base;
	char *key;
	void *value;
};

static void emit_struct(struct jw *w, const PbStruct *s);

/* ---------------------------------------------------------------------------
 * The wire walk and decoding.
 */

static bool
get_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *out)
{
	uint64_t v = 0;
	unsigned shift;

	for (shift = 0; shift < 64 && *pos < len; shift += 7) {
		uint8_t b = p[(*pos)++];

		v |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*out = v;
			return true;
		}
	}
	return false;
}

/*
 * Walk one message of type d in p[0..len): every field well formed, message
 * fields no deeper than ENVOY_MAX_PROTO_DEPTH, string fields UTF-8 without NUL.
 */
static writ_rc
wire_walk(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len, unsigned depth,
    struct writ_err *err)
{
	const ProtobufCFieldDescriptor *f;
	size_t pos = 0;
	uint64_t tag, n;
	writ_rc rc;

	if (depth > ENVOY_MAX_PROTO_DEPTH)
		return WRIT_ERR(err, WRIT_EPARSE, "messages nested deeper than %u levels",
		    ENVOY_MAX_PROTO_DEPTH);
	while (pos < len) {
		if (!get_varint(p, len, &pos, &tag) || tag >> 3 == 0 || tag >> 3 > INT32_MAX)
			return WRIT_ERR(err, WRIT_EPARSE, "bad field tag");
		switch (tag & 7) {
		case 0: /* varint */
			if (!get_varint(p, len, &pos, &n))
				return WRIT_ERR(err, WRIT_EPARSE, "truncated varint");
			continue;
		case 1: /* 64-bit */
		case 5: /* 32-bit */
			n = (tag & 7) == 1 ? 8 : 4;
			if (len - pos < n)
				return WRIT_ERR(err, WRIT_EPARSE, "truncated fixed-size field");
			pos += n;
			continue;
		case 2:
			break;
		default: /* groups are not proto3 */
			return WRIT_ERR(
			    err, WRIT_EPARSE, "unsupported wire type %u", (unsigned)(tag & 7));
		}
		if (!get_varint(p, len, &pos, &n) || n > len - pos)
			return WRIT_ERR(err, WRIT_EPARSE, "truncated length-delimited field");
		f = d != NULL ? protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3))
		              : NULL;
		if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE &&
		    (rc = wire_walk(f->descriptor, p + pos, (size_t)n, depth + 1, err)) != WRIT_OK)
			return rc;
		if (f != NULL && f->type == PROTOBUF_C_TYPE_STRING &&
		    (memchr(p + pos, '\0', (size_t)n) != NULL ||
		        !envoy_utf8_valid((const char *)p + pos, (size_t)n)))
			return WRIT_ERR(
			    err, WRIT_EPARSE, "string field %s is not UTF-8 text", f->name);
		pos += (size_t)n;
	}
	return WRIT_OK;
}

static void *
pb_alloc(void *arena, size_t size)
{
	return writ_arena_alloc(arena, size ? size : 1);
}

static void
pb_free(void *arena, void *p)
{
	(void)arena;
	(void)p; /* freed with the arena */
}

/* ---------------------------------------------------------------------------
 * Attributes.
 */

static bool
set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* "key": "string" when the string is not empty. */
static void
str_field(struct jw *w, bool *first, const char *key, const char *s)
{
	if (!set(s))
		return;
	jw_key(w, first, key);
	jw_str(w, s, strlen(s));
}

/*
 * A map<string, X> as an object: the last of equal keys wins, as when
 * protobuf decodes a map; emit writes one value.
 */
static void
emit_map_obj(struct jw *w, void *const *ents, size_t n, void (*emit)(struct jw *, const void *))
{
	struct envoy_key *k = NULL;
	size_t i, m;

	if (w->rc != WRIT_OK)
		return;
	if (n > 0 && (k = writ_arena_calloc(w->a, n, sizeof(*k))) == NULL) {
		jw_fail(w, WRIT_ENOMEM, "out of memory");
		return;
	}
	jw_raw(w, "{", 1);
	for (i = 0; i < n; i++) {
		k[i].key = ((const struct pb_kv *)ents[i])->key;
		k[i].idx = i;
	}
	m = n > 0 ? envoy_keys_last(k, n) : 0;
	for (i = 0; i < m; i++) {
		if (i > 0)
			jw_raw(w, ",", 1);
		jw_str(w, k[i].key, strlen(k[i].key));
		jw_raw(w, ":", 1);
		emit(w, ((const struct pb_kv *)ents[k[i].idx])->value);
	}
	jw_raw(w, "}", 1);
}

/* "key": {map} when the map has entries. */
static void
emit_map(struct jw *w, bool *first, const char *key, void *const *ents, size_t n,
    void (*emit)(struct jw *, const void *))
{
	if (n == 0)
		return;
	jw_key(w, first, key);
	emit_map_obj(w, ents, n, emit);
}

static void
emit_string_value(struct jw *w, const void *v)
{
	jw_str(w, v ? v : "", v ? strlen(v) : 0);
}

static void
emit_pb_value(struct jw *w, const PbValue *v)
{
	size_t i;

	switch (v != NULL ? v->kind_case : GOOGLE__PROTOBUF__VALUE__KIND__NOT_SET) {
	case GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE:
		jw_double(w, v->number_value);
		break;
	case GOOGLE__PROTOBUF__VALUE__KIND_STRING_VALUE:
		jw_str(w, v->string_value, strlen(v->string_value));
		break;
	case GOOGLE__PROTOBUF__VALUE__KIND_BOOL_VALUE:
		jw_lit(w, v->bool_value ? "true" : "false");
		break;
	case GOOGLE__PROTOBUF__VALUE__KIND_STRUCT_VALUE:
		emit_struct(w, v->struct_value);
		break;
	case GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE:
		jw_raw(w, "[", 1);
		for (i = 0; v->list_value != NULL && i < v->list_value->n_values; i++) {
			if (i > 0)
				jw_raw(w, ",", 1);
			emit_pb_value(w, v->list_value->values[i]);
		}
		jw_raw(w, "]", 1);
		break;
	default: /* null, or no kind at all (structpb's AsInterface gives nil) */
		jw_lit(w, "null");
	}
}

static void
emit_value_cb(struct jw *w, const void *v)
{
	emit_pb_value(w, v);
}

/* A Struct as a plain object (structpb's AsMap). */
static void
emit_struct(struct jw *w, const PbStruct *s)
{
	if (s == NULL) {
		jw_raw(w, "{}", 2);
		return;
	}
	emit_map_obj(w, (void *const *)s->fields, s->n_fields, emit_value_cb);
}

static void
emit_struct_cb(struct jw *w, const void *v)
{
	emit_struct(w, v);
}

static void
emit_any_cb(struct jw *w, const void *v)
{
	const Google__Protobuf__Any *any = v;
	bool first = true;

	jw_raw(w, "{", 1);
	if (any != NULL) {
		str_field(w, &first, "typeUrl", any->type_url);
		if (any->value.len > 0) {
			jw_key(w, &first, "value");
			jw_b64(w, any->value.data, any->value.len);
		}
	}
	jw_raw(w, "}", 1);
}

static void
emit_metadata(struct jw *w, bool *first, const char *key, const Metadata *m)
{
	bool f = true;

	if (m == NULL)
		return;
	jw_key(w, first, key);
	jw_raw(w, "{", 1);
	emit_map(w, &f, "filterMetadata", (void *const *)m->filter_metadata, m->n_filter_metadata,
	    emit_struct_cb);
	emit_map(w, &f, "typedFilterMetadata", (void *const *)m->typed_filter_metadata,
	    m->n_typed_filter_metadata, emit_any_cb);
	jw_raw(w, "}", 1);
}

static void
emit_address(struct jw *w, bool *first, const Address *a)
{
	const Envoy__Config__Core__V3__SocketAddress *sa;
	const Envoy__Config__Core__V3__EnvoyInternalAddress *ia;
	bool f = true, g = true;

	if (a == NULL)
		return;
	jw_key(w, first, "address");
	jw_raw(w, "{", 1);
	switch (a->address_case) {
	case ENVOY__CONFIG__CORE__V3__ADDRESS__ADDRESS_SOCKET_ADDRESS:
		sa = a->socket_address;
		jw_key(w, &f, "socketAddress");
		jw_raw(w, "{", 1);
		if (sa->protocol != 0) {
			jw_key(w, &g, "protocol");
			jw_i64(w, sa->protocol);
		}
		str_field(w, &g, "address", sa->address);
		if (sa->port_specifier_case ==
		    ENVOY__CONFIG__CORE__V3__SOCKET_ADDRESS__PORT_SPECIFIER_PORT_VALUE) {
			jw_key(w, &g, "portValue"); /* a oneof member: present even when 0 */
			jw_u64(w, sa->port_value);
		} else if (sa->port_specifier_case ==
		    ENVOY__CONFIG__CORE__V3__SOCKET_ADDRESS__PORT_SPECIFIER_NAMED_PORT) {
			jw_key(w, &g, "namedPort");
			jw_str(w, sa->named_port, strlen(sa->named_port));
		}
		str_field(w, &g, "resolverName", sa->resolver_name);
		if (sa->ipv4_compat) {
			jw_key(w, &g, "ipv4Compat");
			jw_lit(w, "true");
		}
		str_field(w, &g, "networkNamespaceFilepath", sa->network_namespace_filepath);
		jw_raw(w, "}", 1);
		break;
	case ENVOY__CONFIG__CORE__V3__ADDRESS__ADDRESS_PIPE:
		jw_key(w, &f, "pipe");
		jw_raw(w, "{", 1);
		str_field(w, &g, "path", a->pipe->path);
		if (a->pipe->mode != 0) {
			jw_key(w, &g, "mode");
			jw_u64(w, a->pipe->mode);
		}
		jw_raw(w, "}", 1);
		break;
	case ENVOY__CONFIG__CORE__V3__ADDRESS__ADDRESS_ENVOY_INTERNAL_ADDRESS:
		ia = a->envoy_internal_address;
		jw_key(w, &f, "envoyInternalAddress");
		jw_raw(w, "{", 1);
		if (ia->address_name_specifier_case ==
		    ENVOY__CONFIG__CORE__V3__ENVOY_INTERNAL_ADDRESS__ADDRESS_NAME_SPECIFIER_SERVER_LISTENER_NAME) {
			jw_key(w, &g, "serverListenerName");
			jw_str(w, ia->server_listener_name, strlen(ia->server_listener_name));
		}
		str_field(w, &g, "endpointId", ia->endpoint_id);
		jw_raw(w, "}", 1);
		break;
	default:
		break;
	}
	jw_raw(w, "}", 1);
}

static void
emit_peer(struct jw *w, bool *first, const char *key, const Peer *p)
{
	bool f = true;

	if (p == NULL)
		return;
	jw_key(w, first, key);
	jw_raw(w, "{", 1);
	emit_address(w, &f, p->address);
	str_field(w, &f, "service", p->service);
	emit_map(w, &f, "labels", (void *const *)p->labels, p->n_labels, emit_string_value);
	str_field(w, &f, "principal", p->principal);
	str_field(w, &f, "certificate", p->certificate);
	jw_raw(w, "}", 1);
}

static void
emit_header_map(struct jw *w, bool *first, const Envoy__Config__Core__V3__HeaderMap *m)
{
	size_t i;

	if (m == NULL)
		return;
	jw_key(w, first, "headerMap");
	jw_raw(w, "{", 1);
	if (m->n_headers > 0) {
		jw_lit(w, "\"headers\":[");
		for (i = 0; i < m->n_headers; i++) {
			const Envoy__Config__Core__V3__HeaderValue *h = m->headers[i];
			bool f = true;

			jw_raw(w, i > 0 ? ",{" : "{", i > 0 ? 2 : 1);
			str_field(w, &f, "key", h->key);
			str_field(w, &f, "value", h->value);
			if (h->raw_value.len > 0) {
				jw_key(w, &f, "rawValue");
				jw_b64(w, h->raw_value.data, h->raw_value.len);
			}
			jw_raw(w, "}", 1);
		}
		jw_raw(w, "]", 1);
	}
	jw_raw(w, "}", 1);
}

static void
emit_http(struct jw *w, bool *first, const HttpReq *h)
{
	bool f = true;

	if (h == NULL)
		return;
	jw_key(w, first, "http");
	jw_raw(w, "{", 1);
	str_field(w, &f, "id", h->id);
	str_field(w, &f, "method", h->method);
	emit_map(w, &f, "headers", (void *const *)h->headers, h->n_headers, emit_string_value);
	str_field(w, &f, "path", h->path);
	str_field(w, &f, "host", h->host);
	str_field(w, &f, "scheme", h->scheme);
	str_field(w, &f, "query", h->query);
	str_field(w, &f, "fragment", h->fragment);
	if (h->size != 0) {
		jw_key(w, &f, "size");
		jw_i64(w, h->size);
	}
	str_field(w, &f, "protocol", h->protocol);
	str_field(w, &f, "body", h->body);
	if (h->raw_body.len > 0) {
		jw_key(w, &f, "rawBody");
		jw_b64(w, h->raw_body.data, h->raw_body.len);
	}
	emit_header_map(w, &f, h->header_map);
	jw_raw(w, "}", 1);
}

static void
emit_request(
    struct jw *w, bool *first, const Envoy__Service__Auth__V3__AttributeContext__Request *r)
{
	bool f = true, g = true;

	if (r == NULL)
		return;
	jw_key(w, first, "request");
	jw_raw(w, "{", 1);
	if (r->time != NULL) {
		jw_key(w, &f, "time");
		jw_raw(w, "{", 1);
		if (r->time->seconds != 0) {
			jw_key(w, &g, "seconds");
			jw_i64(w, r->time->seconds);
		}
		if (r->time->nanos != 0) {
			jw_key(w, &g, "nanos");
			jw_i64(w, r->time->nanos);
		}
		jw_raw(w, "}", 1);
	}
	emit_http(w, &f, r->http);
	jw_raw(w, "}", 1);
}

static void
emit_attributes(struct jw *w, bool *first, const AttrCtx *ac)
{
	bool f = true, g = true;

	if (ac == NULL)
		return;
	jw_key(w, first, "attributes");
	jw_raw(w, "{", 1);
	emit_peer(w, &f, "source", ac->source);
	emit_peer(w, &f, "destination", ac->destination);
	emit_request(w, &f, ac->request);
	emit_map(w, &f, "contextExtensions", (void *const *)ac->context_extensions,
	    ac->n_context_extensions, emit_string_value);
	emit_metadata(w, &f, "metadataContext", ac->metadata_context);
	emit_metadata(w, &f, "routeMetadataContext", ac->route_metadata_context);
	if (ac->tls_session != NULL) {
		jw_key(w, &f, "tlsSession");
		jw_raw(w, "{", 1);
		str_field(w, &g, "sni", ac->tls_session->sni);
		jw_raw(w, "}", 1);
	}
	jw_raw(w, "}", 1);
}

/* ---------------------------------------------------------------------------
 * parsed_path, parsed_query, parsed_body.
 */

static void
emit_parsed_path(struct jw *w, bool *first, const char *path, size_t len)
{
	const char *q = memchr(path, '?', len);
	size_t plen = q != NULL ? (size_t)(q - path) : len, dlen, i, start;
	struct envoy_pair *pairs = NULL;
	size_t npairs = 0;
	char *dec;
	writ_rc rc;

	if (w->rc != WRIT_OK)
		return;
	if ((rc = envoy_unescape(w->a, path, plen, false, &dec, &dlen, w->err)) != WRIT_OK ||
	    (q != NULL &&
	        (rc = envoy_parse_query(w->a, q + 1, len - plen - 1, &pairs, &npairs, w->err)) !=
	            WRIT_OK)) {
		w->rc = rc;
		return;
	}
	for (start = 0; start < dlen && dec[start] == '/'; start++)
		;
	jw_key(w, first, "parsed_path");
	jw_raw(w, "[", 1);
	for (i = start; i <= dlen; i++) {
		if (i < dlen && dec[i] != '/')
			continue;
		jw_str_lossy(w, dec + start, i - start);
		if (i < dlen)
			jw_raw(w, ",", 1);
		start = i + 1;
	}
	jw_raw(w, "]", 1);
	jw_key(w, first, "parsed_query");
	envoy_emit_multimap(w, pairs, npairs);
}

/* The last value of a request header (Envoy sends them lower-case). */
static const char *
http_header(const void *arg, const char *name)
{
	const HttpReq *h = arg;
	const char *v = NULL;
	size_t i;

	for (i = 0; h != NULL && i < h->n_headers; i++)
		if (strcmp(h->headers[i]->key, name) == 0)
			v = h->headers[i]->value;
	return v;
}

/* ---------------------------------------------------------------------------
 * The document.
 */

static void
emit_input(struct jw *w, const Envoy__Service__Auth__V3__CheckRequest *req, bool skip_body)
{
	const AttrCtx *ac = req->attributes;
	const HttpReq *h = ac && ac->request ? ac->request->http : NULL;
	const char *path = h != NULL && h->path != NULL ? h->path : "";
	bool first = true;

	jw_raw(w, "{", 1);
	emit_attributes(w, &first, ac);
	jw_key(w, &first, "version");
	jw_lit(w, "{\"encoding\":\"protojson\",\"ext_authz\":\"v3\"}");
	emit_parsed_path(w, &first, path, strlen(path));
	if (!skip_body)
		envoy_emit_body(w, http_header, h, h != NULL ? h->body : "",
		    h != NULL ? strlen(h->body) : 0, h != NULL ? h->raw_body.data : NULL,
		    h != NULL ? h->raw_body.len : 0, &first);
	if (ac != NULL && ac->source != NULL && set(ac->source->principal)) {
		jw_key(w, &first, "source_principal");
		jw_str(w, ac->source->principal, strlen(ac->source->principal));
	}
	jw_raw(w, "}", 1);
}

writ_rc
writ_envoy_input(const void *msg, size_t len, const struct writ_envoy_opts *o, struct writ_arena *a,
    struct writ_buf *input, struct writ_err *err)
{
	ProtobufCAllocator alloc = {pb_alloc, pb_free, a};
	Envoy__Service__Auth__V3__CheckRequest *req;
	struct jw w = {input, a, err, ENVOY_DEF_MAX_INPUT, ENVOY_DEF_MAX_DEPTH, WRIT_OK};
	size_t start = input->len;
	writ_rc rc;

	if (o != NULL && o->max_input > 0)
		w.max = input->len + o->max_input;
	else
		w.max = input->len + ENVOY_DEF_MAX_INPUT;
	if (o != NULL && o->max_depth > 0)
		w.max_depth =
		    o->max_depth < ENVOY_MAX_JSON_DEPTH ? o->max_depth : ENVOY_MAX_JSON_DEPTH;
	if ((rc = wire_walk(&envoy__service__auth__v3__check_request__descriptor, msg, len, 1,
	         err)) != WRIT_OK)
		return rc;
	req = envoy__service__auth__v3__check_request__unpack(&alloc, len, msg);
	if (req == NULL)
		return writ_arena_over_cap(a)
		    ? WRIT_ERR(
		          err, WRIT_ELIMIT, "decoding the request needs more memory than allowed")
		    : WRIT_ERR(err, WRIT_EPARSE, "malformed CheckRequest");
	emit_input(&w, req, o != NULL && o->skip_body_parse);
	if (w.rc != WRIT_OK) {
		input->len = start;
		if (input->ptr != NULL)
			input->ptr[start] = '\0';
	}
	return w.rc;
}

/* ---------------------------------------------------------------------------
 * Plain HTTP requests (nginx auth_request, Envoy's HTTP mode).
 */

/* A header with its name lower-cased in the arena. */
struct hdr {
	char *name;
	const char *value;
	size_t value_len;
	size_t idx;
};

static int
hdr_cmp(const void *a, const void *b)
{
	const struct hdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* The headers, lower-cased and sorted by name (then by order); NULL on failure. */
static struct hdr *
sorted_headers(struct jw *w, const struct writ_envoy_http_req *r)
{
	struct hdr *h = writ_arena_calloc(w->a, r->nheaders ? r->nheaders : 1, sizeof(*h));
	size_t i, j;

	if (h == NULL) {
		jw_fail(w, WRIT_ENOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < r->nheaders; i++) {
		const struct writ_envoy_http_header *x = &r->headers[i];

		if ((h[i].name = writ_arena_strndup(w->a, x->name, x->name_len)) == NULL) {
			jw_fail(w, WRIT_ENOMEM, "out of memory");
			return NULL;
		}
		for (j = 0; j < x->name_len; j++)
			if (h[i].name[j] >= 'A' && h[i].name[j] <= 'Z')
				h[i].name[j] = (char)(h[i].name[j] - 'A' + 'a');
		h[i].value = x->value;
		h[i].value_len = x->value_len;
		h[i].idx = i;
	}
	qsort(h, r->nheaders, sizeof(*h), hdr_cmp);
	return h;
}

/* The values of h[0..n) joined with ",", in the arena; NULL when out of memory. */
static const char *
join_values(struct jw *w, const struct hdr *h, size_t n, size_t *len)
{
	size_t i, total = n - 1, off = 0;
	char *p;

	for (i = 0; i < n; i++)
		total += h[i].value_len;
	if ((p = writ_arena_alloc(w->a, total + 1)) == NULL) {
		jw_fail(w, WRIT_ENOMEM, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			p[off++] = ',';
		memcpy(p + off, h[i].value, h[i].value_len);
		off += h[i].value_len;
	}
	*len = off;
	return p;
}

/* "headers": {name: "v1,v2"}; *host gets the Host header's value, if any. */
static void
emit_http_headers(
    struct jw *w, bool *first, const struct hdr *h, size_t n, const char **host, size_t *hostlen)
{
	const char *v;
	size_t i, j, vlen = 0;

	*host = NULL;
	if (n == 0)
		return;
	jw_key(w, first, "headers");
	jw_raw(w, "{", 1);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(h[j].name, h[i].name) == 0; j++)
			;
		if ((v = j - i == 1 ? h[i].value : join_values(w, h + i, j - i, &vlen)) == NULL)
			return;
		if (j - i == 1)
			vlen = h[i].value_len;
		if (i > 0)
			jw_raw(w, ",", 1);
		jw_str_lossy(w, h[i].name, strlen(h[i].name));
		jw_raw(w, ":", 1);
		jw_str_lossy(w, v, vlen);
		if (strcmp(h[i].name, "host") == 0) {
			*host = v;
			*hostlen = vlen;
		}
	}
	jw_raw(w, "}", 1);
}

/* The last value of a header of the sorted array (envoy_header_fn for the body parsers). */
struct hdr_set {
	const struct hdr *h;
	size_t n;
	struct writ_arena *a;
};

static const char *
hdr_set_get(const void *arg, const char *name)
{
	const struct hdr_set *s = arg;
	const char *v = NULL;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->h[i].name, name) == 0)
			v = writ_arena_strndup(s->a, s->h[i].value, s->h[i].value_len);
	return v;
}

static void
emit_plain_http(struct jw *w, bool *first, const struct writ_envoy_http_req *r, const struct hdr *h)
{
	const char *host = NULL;
	size_t hostlen = 0;
	bool f = true;

	jw_key(w, first, "attributes");
	jw_lit(w, "{\"request\":{\"http\":{");
	str_field(w, &f, "method", r->method);
	emit_http_headers(w, &f, h, r->nheaders, &host, &hostlen);
	str_field(w, &f, "path", r->path);
	if (host != NULL && hostlen > 0) {
		jw_key(w, &f, "host");
		jw_str_lossy(w, host, hostlen);
	}
	str_field(w, &f, "scheme", r->scheme);
	if (r->body_len > 0) {
		jw_key(w, &f, "size");
		jw_u64(w, r->body_len);
		if (memchr(r->body, '\0', r->body_len) == NULL &&
		    envoy_utf8_valid(r->body, r->body_len)) {
			jw_key(w, &f, "body");
			jw_str(w, r->body, r->body_len);
		} else {
			jw_key(w, &f, "rawBody");
			jw_b64(w, r->body, r->body_len);
		}
	}
	jw_raw(w, "}}}", 3);
}

writ_rc
writ_envoy_http_input(const struct writ_envoy_http_req *r, const struct writ_envoy_opts *o,
    struct writ_arena *a, struct writ_buf *input, struct writ_err *err)
{
	struct jw w = {input, a, err, 0, ENVOY_DEF_MAX_DEPTH, WRIT_OK};
	struct hdr_set hs = {NULL, r->nheaders, a};
	const char *path = r->path != NULL ? r->path : "";
	size_t start = input->len;
	bool first = true;
	bool utf8 = r->body_len == 0 || envoy_utf8_valid(r->body, r->body_len);

	w.max = input->len + (o != NULL && o->max_input > 0 ? o->max_input : ENVOY_DEF_MAX_INPUT);
	if (o != NULL && o->max_depth > 0)
		w.max_depth =
		    o->max_depth < ENVOY_MAX_JSON_DEPTH ? o->max_depth : ENVOY_MAX_JSON_DEPTH;
	if ((hs.h = sorted_headers(&w, r)) != NULL) {
		jw_raw(&w, "{", 1);
		emit_plain_http(&w, &first, r, hs.h);
		jw_key(&w, &first, "version");
		jw_lit(&w, "{\"encoding\":\"protojson\",\"ext_authz\":\"v3\"}");
		emit_parsed_path(&w, &first, path, strlen(path));
		if (o == NULL || !o->skip_body_parse)
			envoy_emit_body(&w, hdr_set_get, &hs, utf8 ? r->body : "",
			    utf8 ? r->body_len : 0, utf8 ? NULL : r->body, utf8 ? 0 : r->body_len,
			    &first);
		jw_raw(&w, "}", 1);
	}
	if (w.rc != WRIT_OK) {
		input->len = start;
		if (input->ptr != NULL)
			input->ptr[start] = '\0';
	}
	return w.rc;
}
