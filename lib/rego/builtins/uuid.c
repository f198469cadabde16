/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uuid.rfc4122 and uuid.parse.  uuid.parse accepts what Go's
 * github.com/google/uuid Parse accepts (36-character form, {braced},
 * urn:uuid: prefixed, 32 hex digits) and answers OPA's object: version and
 * variant always, and for versions 1 and 2 the time (Unix ns), clock
 * sequence, node id and MAC address kind, plus domain and id for version 2.
 *
 * uuid.rfc4122(k) is a fresh random version 4 UUID on every call.  OPA
 * answers the same UUID for the same k within one query through a
 * per-query cache; struct rego_bctx offers no such cache yet, so the
 * evaluator must memoise REGO_BI_NONDET calls by (name, operands) per query
 * to keep that guarantee.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "writ/crypto.h"

#include "core_int.h"
#include "ext_int.h"

/* 100 ns ticks between 1582-10-15 and 1970-01-01. */
#define G1582NS100 122192928000000000LL

static bool
uuid_parse(const char *s, size_t len, unsigned char u[16])
{
	static const size_t offs[16] = {0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34};
	size_t i;

	if (len == 36 + 9) {
		if (strncasecmp(s, "urn:uuid:", 9) != 0)
			return false;
		s += 9;
		len = 36;
	} else if (len == 38) {
		if (s[0] != '{' || s[37] != '}')
			return false;
		s++;
		len = 36;
	} else if (len == 32) {
		for (i = 0; i < 16; i++) {
			int h = writ_hex_digit(s[2 * i]), l = writ_hex_digit(s[2 * i + 1]);

			if (h < 0 || l < 0)
				return false;
			u[i] = (unsigned char)(h << 4 | l);
		}
		return true;
	}
	if (len != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
		return false;
	for (i = 0; i < 16; i++) {
		int h = writ_hex_digit(s[offs[i]]), l = writ_hex_digit(s[offs[i] + 1]);

		if (h < 0 || l < 0)
			return false;
		u[i] = (unsigned char)(h << 4 | l);
	}
	return true;
}

static const char *
variant_name(unsigned char b)
{
	if ((b & 0xc0) == 0x80)
		return "RFC4122";
	if ((b & 0xe0) == 0xe0)
		return "Future";
	if ((b & 0xe0) == 0xc0)
		return "Microsoft";
	return "Reserved";
}

static const char *
mac_vars(unsigned char b)
{
	if ((b & 3) == 3)
		return "local:multicast";
	if (b & 1)
		return "global:multicast";
	if (b & 2)
		return "local:unicast";
	return "global:unicast";
}

static enum rego_bres
put_str(struct rego_bctx *c, struct rego_builder *b, const char *k, const char *v)
{
	const struct rego_val *kv, *vv;
	struct writ_err e;

	EXT_TRY(c, rego_string(c->arena, k, strlen(k), &kv, &e));
	EXT_TRY(c, rego_string(c->arena, v, strlen(v), &vv, &e));
	EXT_TRY(c, rego_builder_put(b, kv, vv, &e));
	return REGO_B_OK;
}

static enum rego_bres
put_int(struct rego_bctx *c, struct rego_builder *b, const char *k, int64_t v)
{
	const struct rego_val *kv, *vv;
	struct writ_err e;

	EXT_TRY(c, rego_string(c->arena, k, strlen(k), &kv, &e));
	EXT_TRY(c, rego_int(c->arena, v, &vv, &e));
	EXT_TRY(c, rego_builder_put(b, kv, vv, &e));
	return REGO_B_OK;
}

/* The version 1 and 2 fields. */
static enum rego_bres
put_time_fields(struct rego_bctx *c, struct rego_builder *b, const unsigned char *u, int ver)
{
	int64_t t =
	    (int64_t)((uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3]);
	char node[18], dom[32];
	enum rego_bres r;

	t |= (int64_t)(u[4] << 8 | u[5]) << 32;
	t |= (int64_t)((u[6] << 8 | u[7]) & 0xfff) << 48;
	t -= G1582NS100;
	snprintf(node, sizeof(node), "%02x-%02x-%02x-%02x-%02x-%02x", u[10], u[11], u[12], u[13],
	    u[14], u[15]);
	if ((r = put_int(c, b, "time", (t / 10000000) * 1000000000 + (t % 10000000) * 100)) ||
	    (r = put_int(c, b, "clocksequence", (u[8] << 8 | u[9]) & 0x3fff)) ||
	    (r = put_str(c, b, "nodeid", node)) ||
	    (r = put_str(c, b, "macvariables", mac_vars(u[10]))))
		return r;
	if (ver != 2)
		return REGO_B_OK;
	if (u[9] <= 2)
		snprintf(dom, sizeof(dom), "%s",
		    u[9] == 0       ? "Person"
		        : u[9] == 1 ? "Group"
		                    : "Org");
	else
		snprintf(dom, sizeof(dom), "Domain%d", u[9]);
	if ((r = put_str(c, b, "domain", dom)) != REGO_B_OK)
		return r;
	return put_int(c, b, "id",
	    (int64_t)((uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3]));
}

static enum rego_bres
bi_parse(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct rego_builder b;
	struct writ_err e;
	unsigned char u[16];
	enum rego_bres r;
	int ver;

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (!uuid_parse(args[0]->u.s, args[0]->len, u))
		return REGO_B_UNDEF;
	ver = u[6] >> 4;
	rego_builder_init(&b, c->arena, REGO_OBJECT);
	if ((r = put_int(c, &b, "version", ver)) != REGO_B_OK ||
	    (r = put_str(c, &b, "variant", variant_name(u[8]))) != REGO_B_OK)
		return r;
	if ((ver == 1 || ver == 2) && (r = put_time_fields(c, &b, u, ver)) != REGO_B_OK)
		return r;
	EXT_TRY(c, rego_builder_finish(&b, out, &e));
	return REGO_B_OK;
}

static enum rego_bres
bi_rfc4122(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	unsigned char u[16];
	char s[37];

	if (args[0]->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", args[0]);
	if (writ_random(u, sizeof(u)) != WRIT_OK)
		return rego_berr(c, "no random bytes");
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	snprintf(s, sizeof(s),
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
	    u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
	    u[15]);
	return ext_str(c, s, 36, out);
}

static const struct rego_builtin uuid_builtins[] = {
    {"uuid.parse", 1, bi_parse, 0},
    {"uuid.rfc4122", 1, bi_rfc4122, REGO_BI_NONDET},
};

const struct rego_builtin_family rego_family_uuid = {
    "uuid", uuid_builtins, WRIT_ARRAY_LEN(uuid_builtins)};
