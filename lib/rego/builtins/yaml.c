/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaml.marshal, yaml.unmarshal and yaml.is_valid through libyaml.
 *
 * OPA goes through sigs.k8s.io/yaml (YAML to JSON with go-yaml v2), so
 * plain scalars resolve as go-yaml v2 resolves them: null (~, null, empty),
 * booleans (true/false and yes/no/on/off/y/n in their usual cases),
 * integers (decimal, 0x, 0o, leading-zero octal, underscores) and floats
 * (including .inf and .nan, which JSON cannot hold: an error), everything
 * else a string; quoted scalars and !!str are strings.  Only the first
 * document is read.  Input size, nesting depth and alias expansion (the
 * "billion laughs") are bounded.
 */
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "ext_int.h"
#include "families_ext.h"

#define YAML_MAX_INPUT   (4u << 20)
#define YAML_MAX_DEPTH   256
#define YAML_MAX_NODES   1000000u
#define YAML_MAX_ANCHORS 1024u

struct anchor {
	char *name;
	const struct rego_val *v;
};

struct yctx {
	struct rego_bctx *c;
	yaml_parser_t p;
	struct anchor anchors[YAML_MAX_ANCHORS];
	size_t nanchors;
	size_t nodes;
	char msg[200];
};

static void
anchors_free(struct yctx *y)
{
	size_t i;

	for (i = 0; i < y->nanchors; i++)
		writ_free(y->anchors[i].name);
	y->nanchors = 0;
}

static bool
remember(struct yctx *y, const yaml_char_t *anchor, const struct rego_val *v)
{
	if (anchor == NULL)
		return true;
	if (y->nanchors == YAML_MAX_ANCHORS) {
		snprintf(y->msg, sizeof(y->msg), "more than %u anchors", YAML_MAX_ANCHORS);
		return false;
	}
	if ((y->anchors[y->nanchors].name = writ_strdup((const char *)anchor)) == NULL) {
		snprintf(y->msg, sizeof(y->msg), "out of memory");
		return false;
	}
	y->anchors[y->nanchors++].v = v;
	return true;
}

static bool
word_in(const char *s, size_t len, const char *const *words, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(words[i]) == len && memcmp(words[i], s, len) == 0)
			return true;
	return false;
}

/* go-yaml v2's resolution of a plain scalar. */
static bool
resolve(struct yctx *y, const char *s, size_t len, const struct rego_val **out)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	static const char *const trues[] = {
	    "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"};
	static const char *const falses[] = {
	    "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"};
	static const char *const specials[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
	    "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"};
	struct writ_err e;
	char num[128];
	size_t i, o = 0;
	bool digits = len > 0, dot = false, exp = false;

	if (word_in(s, len, nulls, WRIT_ARRAY_LEN(nulls))) {
		*out = &rego_null_val;
		return true;
	}
	if (word_in(s, len, trues, WRIT_ARRAY_LEN(trues)) ||
	    word_in(s, len, falses, WRIT_ARRAY_LEN(falses))) {
		*out = rego_bool(word_in(s, len, trues, WRIT_ARRAY_LEN(trues)));
		return true;
	}
	if (word_in(s, len, specials, WRIT_ARRAY_LEN(specials))) {
		snprintf(y->msg, sizeof(y->msg),
		    "error converting YAML to JSON: json: unsupported value: %.*s", (int)len, s);
		return false;
	}
	/* Numbers: [-+]digits[.digits][e[-+]digits] with underscores dropped. */
	for (i = 0; i < len && o + 1 < sizeof(num); i++) {
		char ch = s[i];

		if (ch == '_')
			continue;
		if ((ch == '-' || ch == '+') &&
		    (o == 0 || num[o - 1] == 'e' || num[o - 1] == 'E')) {
			if (ch == '-')
				num[o++] = ch;
			continue;
		}
		if (ch == '.' && !dot && !exp)
			dot = true;
		else if ((ch == 'e' || ch == 'E') && !exp && o > 0)
			exp = true;
		else if (ch < '0' || ch > '9')
			digits = false;
		num[o++] = ch;
	}
	num[o] = '\0';
	if (digits && i == len && o > 0) {
		const char *d = num[0] == '-' ? num + 1 : num;

		/* JSON forbids leading zeros and bare dots; Go's ParseFloat takes them. */
		if (!dot && !exp && strlen(d) > 1 && d[0] == '0') {
			uint64_t v = 0;
			const char *p;

			for (p = d + 1; *p >= '0' && *p <= '7' && v < (1ull << 60); p++)
				v = v * 8 + (uint64_t)(*p - '0');
			if (*p == '\0')
				return rego_int(y->c->arena,
				           num[0] == '-' ? -(int64_t)v : (int64_t)v, out,
				           &e) == WRIT_OK;
		}
		if (rego_number_parse(y->c->arena, num, o, out, &e) == WRIT_OK)
			return true;
	}
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o')) {
		uint64_t v = 0;
		int base = s[1] == 'x' ? 16 : 8;

		for (i = 2; i < len && v < (1ull << 58); i++) {
			int dv = s[i] >= '0' && s[i] <= '9' ? s[i] - '0'
			    : s[i] >= 'a' && s[i] <= 'f'    ? s[i] - 'a' + 10
			    : s[i] >= 'A' && s[i] <= 'F'    ? s[i] - 'A' + 10
			                                    : 99;

			if (s[i] == '_')
				continue;
			if (dv >= base)
				break;
			v = v * (uint64_t)base + (uint64_t)dv;
		}
		if (i == len)
			return rego_int(y->c->arena, (int64_t)v, out, &e) == WRIT_OK;
	}
	return rego_string(y->c->arena, s, len, out, &e) == WRIT_OK;
}

static bool parse_node(struct yctx *y, yaml_event_t *ev, int depth, const struct rego_val **out);

static bool
next_event(struct yctx *y, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&y->p, ev)) {
		/*
		 * The line as Go's yaml package reports it: the problem's line
		 * (one more for scanner errors, which stop before counting the
		 * line), else the context's, else none.
		 */
		size_t line = y->p.problem_mark.line;

		if (line != 0 && y->p.error == YAML_SCANNER_ERROR)
			line++;
		else if (line == 0)
			line = y->p.context_mark.line;
		if (line != 0)
			snprintf(y->msg, sizeof(y->msg), "yaml: line %zu: %s", line,
			    y->p.problem != NULL ? y->p.problem : "error");
		else
			snprintf(y->msg, sizeof(y->msg), "yaml: %s",
			    y->p.problem != NULL ? y->p.problem : "error");
		return false;
	}
	return true;
}

static bool
parse_collection(struct yctx *y, yaml_event_t *start, int depth, const struct rego_val **out)
{
	bool map = start->type == YAML_MAPPING_START_EVENT;
	yaml_char_t *anchor =
	    map ? start->data.mapping_start.anchor : start->data.sequence_start.anchor;
	char *name = anchor != NULL ? writ_strdup((const char *)anchor) : NULL;
	struct rego_builder b;
	struct writ_err e;
	bool ok = true;

	if (anchor != NULL && name == NULL)
		return false;
	rego_builder_init(&b, y->c->arena, map ? REGO_OBJECT : REGO_ARRAY);
	for (;;) {
		const struct rego_val *k, *v;
		yaml_event_t ev;

		if (!(ok = next_event(y, &ev)))
			break;
		if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (!(ok = parse_node(y, &ev, depth + 1, &k)))
			break;
		if (map) {
			struct writ_buf kb;

			if (!(ok = next_event(y, &ev)) || !(ok = parse_node(y, &ev, depth + 1, &v)))
				break;
			/* JSON keys are strings: non-string keys become their JSON text. */
			if (k->type != REGO_STRING) {
				writ_buf_init(&kb, 0);
				ok = rego_json_write(&kb, k, NULL, &e) == WRIT_OK &&
				    rego_string(y->c->arena, kb.ptr, kb.len, &k, &e) == WRIT_OK;
				writ_buf_free(&kb);
			}
			ok = ok && rego_builder_put(&b, k, v, &e) == WRIT_OK;
		} else {
			ok = rego_builder_push(&b, k, &e) == WRIT_OK;
		}
		if (!ok)
			break;
	}
	ok = ok && rego_builder_finish(&b, out, &e) == WRIT_OK;
	if (ok && name != NULL)
		ok = remember(y, (const yaml_char_t *)name, *out);
	writ_free(name);
	return ok;
}

/* Parse the node that starts with ev (consumed). */
static bool
parse_node(struct yctx *y, yaml_event_t *ev, int depth, const struct rego_val **out)
{
	bool ok = false;
	size_t i;

	if (depth > YAML_MAX_DEPTH || ++y->nodes > YAML_MAX_NODES) {
		snprintf(y->msg, sizeof(y->msg), "document deeper than %d or larger than %u nodes",
		    YAML_MAX_DEPTH, YAML_MAX_NODES);
		yaml_event_delete(ev);
		return false;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		const char *s = (const char *)ev->data.scalar.value;
		size_t len = ev->data.scalar.length;
		const char *tag = (const char *)ev->data.scalar.tag;
		struct writ_err e;

		if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
		    (tag != NULL && strcmp(tag, YAML_STR_TAG) == 0))
			ok = rego_string(y->c->arena, s, len, out, &e) == WRIT_OK;
		else
			ok = resolve(y, s, len, out);
		ok = ok && remember(y, ev->data.scalar.anchor, *out);
		break;
	}
	case YAML_ALIAS_EVENT:
		for (i = y->nanchors; i-- > 0 && !ok;) {
			if (strcmp(y->anchors[i].name, (const char *)ev->data.alias.anchor) == 0) {
				*out = y->anchors[i].v;
				ok = true;
			}
		}
		if (!ok)
			snprintf(y->msg, sizeof(y->msg), "yaml: unknown anchor '%s' referenced",
			    (const char *)ev->data.alias.anchor);
		/* Each use of an alias counts its whole value against the node limit. */
		y->nodes += 1000;
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		ok = parse_collection(y, ev, depth, out);
		break;
	default:
		snprintf(y->msg, sizeof(y->msg), "yaml: unexpected event");
		break;
	}
	yaml_event_delete(ev);
	return ok;
}

/* The first document of (s, len); *out is null for an empty stream. */
bool
rego_yaml_to_value(struct rego_bctx *c, const char *s, size_t len, const struct rego_val **out,
    char *msg, size_t msglen)
{
	struct yctx *y = writ_calloc(1, sizeof(*y));
	yaml_event_t ev;
	bool ok = false;

	if (y == NULL) {
		snprintf(msg, msglen, "out of memory");
		return false;
	}
	y->c = c;
	*out = &rego_null_val;
	if (!yaml_parser_initialize(&y->p)) {
		writ_free(y);
		snprintf(msg, msglen, "out of memory");
		return false;
	}
	yaml_parser_set_input_string(&y->p, (const unsigned char *)s, len);
	for (;;) {
		if (!next_event(y, &ev))
			break;
		if (ev.type == YAML_STREAM_END_EVENT || ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			ok = true;
			break;
		}
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		ok = parse_node(y, &ev, 0, out);
		if (!ok)
			break;
	}
	if (!ok)
		snprintf(msg, msglen, "%s", y->msg[0] ? y->msg : "yaml: invalid document");
	anchors_free(y);
	yaml_parser_delete(&y->p);
	writ_free(y);
	return ok;
}

static enum rego_bres
bi_unmarshal(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	char msg[256];

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (args[0]->len > YAML_MAX_INPUT)
		return rego_berr(c, "document longer than %u bytes", YAML_MAX_INPUT);
	if (!rego_yaml_to_value(c, args[0]->u.s, args[0]->len, out, msg, sizeof(msg)))
		return rego_berr(c, "%s", msg);
	return REGO_B_OK;
}

static enum rego_bres
bi_is_valid(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *v;
	char msg[256];

	*out = rego_bool(args[0]->type == REGO_STRING && args[0]->len <= YAML_MAX_INPUT &&
	    rego_yaml_to_value(c, args[0]->u.s, args[0]->len, &v, msg, sizeof(msg)));
	return REGO_B_OK;
}

/* ---------------------------------------------------------------------------
 * Marshalling: block style as go-yaml v2 writes it, keys sorted.
 */

static int
emit_scalar(yaml_emitter_t *em, const char *s, size_t len, bool quote)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)(uintptr_t)s, (int)len, 1,
	        1, quote ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE))
		return 0;
	return yaml_emitter_emit(em, &ev);
}

/* A string that would read back as something else must be quoted. */
static bool
needs_quote(struct rego_bctx *c, const char *s, size_t len)
{
	const struct rego_val *v;
	struct yctx y = {.c = c};

	return !resolve(&y, s, len, &v) || v->type != REGO_STRING;
}

static int
emit_value(struct rego_bctx *c, yaml_emitter_t *em, const struct rego_val *v, int depth)
{
	yaml_event_t ev;
	struct writ_buf b;
	struct writ_err e;
	size_t i;
	int ok;

	if (depth > YAML_MAX_DEPTH)
		return 0;
	switch (v->type) {
	case REGO_NULL:
		return emit_scalar(em, "null", 4, false);
	case REGO_BOOL:
		return emit_scalar(em, v->u.b ? "true" : "false", v->u.b ? 4 : 5, false);
	case REGO_NUMBER:
		writ_buf_init(&b, 0);
		ok = rego_num_append(&b, v) == WRIT_OK && emit_scalar(em, b.ptr, b.len, false);
		writ_buf_free(&b);
		return ok;
	case REGO_STRING:
		return emit_scalar(em, v->u.s, v->len, needs_quote(c, v->u.s, v->len));
	case REGO_ARRAY:
	case REGO_SET:
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		        v->len == 0 ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return 0;
		for (i = 0; i < v->len; i++)
			if (!emit_value(c, em, v->u.elems[i], depth + 1))
				return 0;
		return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
	case REGO_OBJECT:
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		        v->len == 0 ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return 0;
		for (i = 0; i < v->len; i++) {
			const struct rego_val *k = v->u.kvs[i].key;

			if (k->type != REGO_STRING) {
				writ_buf_init(&b, 0);
				ok = rego_json_write(&b, k, NULL, &e) == WRIT_OK &&
				    emit_scalar(em, b.ptr, b.len, true);
				writ_buf_free(&b);
			} else {
				ok = emit_value(c, em, k, depth + 1);
			}
			if (!ok || !emit_value(c, em, v->u.kvs[i].val, depth + 1))
				return 0;
		}
		return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
	}
	return 0;
}

static int
write_buf(void *data, unsigned char *buffer, size_t size)
{
	return writ_buf_append(data, buffer, size) == WRIT_OK;
}

static enum rego_bres
bi_marshal(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	struct writ_buf b;
	enum rego_bres r;
	int ok;

	writ_buf_init(&b, 64u << 20);
	if (!yaml_emitter_initialize(&em))
		return ext_oom(c);
	yaml_emitter_set_output(&em, write_buf, &b);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	    yaml_emitter_emit(&em, &ev) &&
	    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	    yaml_emitter_emit(&em, &ev) && emit_value(c, &em, args[0], 0) &&
	    yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&em, &ev) &&
	    yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev);
	yaml_emitter_delete(&em);
	if (!ok)
		r = rego_berr(c, "cannot marshal the value to YAML");
	else
		r = ext_str(c, b.ptr != NULL ? b.ptr : "", b.len, out);
	writ_buf_free(&b);
	return r;
}

static const struct rego_builtin yaml_builtins[] = {
    {"yaml.is_valid", 1, bi_is_valid, 0},
    {"yaml.marshal", 1, bi_marshal, 0},
    {"yaml.unmarshal", 1, bi_unmarshal, 0},
};

const struct rego_builtin_family rego_family_yaml = {
    "yaml", yaml_builtins, WRIT_ARRAY_LEN(yaml_builtins)};
