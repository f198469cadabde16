/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The net.* builtins: CIDR containment, intersection, merging, expansion and
 * validation with Go's net.ParseIP / net.ParseCIDR syntax and net.IP's
 * printing, as OPA's topdown/cidr.go does.  net.lookup_ip_addr answers IP
 * literals itself and refuses names: policies never reach the network.
 *
 * Addresses are 4 bytes (IPv4, also IPv4-mapped IPv6 as Go's To4 sees them)
 * or 16 bytes, held as 128-bit integers for range arithmetic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "ext_int.h"

__extension__ typedef unsigned __int128 u128;

/* The most addresses net.cidr_expand produces (OPA has no limit). */
#define NET_EXPAND_MAX 65536u
/* The most elements net.cidr_merge / cidr_contains_matches accept. */
#define NET_MAX_ELEMS 100000u

struct addr {
	u128 v;        /* big-endian value; IPv4 in the low 32 bits */
	unsigned bits; /* 32 or 128 */
};

struct cidr {
	struct addr ip; /* as written (not masked) */
	unsigned prefix;
};

/* ---------------------------------------------------------------------------
 * Parsing (Go's netip rules: no leading zeros in IPv4 fields, no zones).
 */

static bool
parse_v4(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;
	size_t i = 0, field;

	for (field = 0; field < 4; field++) {
		unsigned n = 0, nd = 0;

		if (field > 0) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			if (nd > 0 && n == 0)
				return false; /* leading zero */
			n = n * 10 + (unsigned)(s[i] - '0');
			if (n > 255)
				return false;
			nd++;
			i++;
		}
		if (nd == 0)
			return false;
		v = v << 8 | n;
	}
	if (i != len)
		return false;
	*out = v;
	return true;
}

static bool
parse_v6(const char *s, size_t len, u128 *out)
{
	uint16_t g[8];
	int ng = 0, ellipsis = -1, k;
	size_t i = 0;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		ellipsis = 0;
		i = 2;
	}
	while (i < len) {
		unsigned n = 0, nd = 0;
		size_t start = i;

		while (i < len && writ_hex_digit(s[i]) >= 0 && nd < 5) {
			n = n << 4 | (unsigned)writ_hex_digit(s[i]);
			nd++;
			i++;
		}
		if (nd == 0 || nd > 4) {
			return false;
		}
		if (i < len && s[i] == '.') {
			uint32_t v4;

			if (ng > 6 || !parse_v4(s + start, len - start, &v4))
				return false;
			g[ng++] = (uint16_t)(v4 >> 16);
			g[ng++] = (uint16_t)v4;
			i = len;
			break;
		}
		if (ng >= 8)
			return false;
		g[ng++] = (uint16_t)n;
		if (i == len)
			break;
		if (s[i] != ':' || i + 1 == len)
			return false;
		i++;
		if (s[i] == ':') {
			if (ellipsis >= 0)
				return false;
			ellipsis = ng;
			i++;
		}
	}
	if (ellipsis < 0 && ng != 8)
		return false;
	if (ellipsis >= 0) {
		int n = 8 - ng;

		if (n < 1)
			return false;
		for (k = ng - 1; k >= ellipsis; k--)
			g[k + n] = g[k];
		for (k = ellipsis; k < ellipsis + n; k++)
			g[k] = 0;
	}
	*out = 0;
	for (k = 0; k < 8; k++)
		*out = *out << 16 | g[k];
	return true;
}

/* Go's net.ParseIP: IPv4 and IPv4-mapped IPv6 become 4-byte addresses. */
static bool
parse_ip(const char *s, size_t len, struct addr *out)
{
	uint32_t v4;
	u128 v6;

	if (parse_v4(s, len, &v4)) {
		out->v = v4;
		out->bits = 32;
		return true;
	}
	if (memchr(s, ':', len) == NULL || !parse_v6(s, len, &v6))
		return false;
	if ((v6 >> 32) == 0xffff) {
		out->v = v6 & 0xffffffffu;
		out->bits = 32;
	} else {
		out->v = v6;
		out->bits = 128;
	}
	return true;
}

/* Go's net.ParseCIDR: "addr/prefix", prefix in decimal up to the address width. */
static bool
parse_cidr(const char *s, size_t len, struct cidr *out)
{
	const char *slash = memchr(s, '/', len);
	size_t alen, i;
	unsigned n = 0;
	uint32_t v4;

	if (slash == NULL)
		return false;
	alen = (size_t)(slash - s);
	if (parse_v4(s, alen, &v4)) {
		out->ip.v = v4;
		out->ip.bits = 32;
	} else if (memchr(s, ':', alen) != NULL && parse_v6(s, alen, &out->ip.v)) {
		out->ip.bits = 128;
	} else {
		return false;
	}
	if (alen + 1 == len)
		return false;
	for (i = alen + 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		n = n * 10 + (unsigned)(s[i] - '0');
		if (n > 1000)
			return false;
	}
	if (n > out->ip.bits)
		return false;
	out->prefix = n;
	return true;
}

static u128
hostmask(unsigned bits, unsigned prefix)
{
	unsigned host = bits - prefix;

	if (host >= 128)
		return ~(u128)0;
	return ((u128)1 << host) - 1;
}

static u128
first_ip(const struct cidr *c)
{
	return c->ip.v & ~hostmask(c->ip.bits, c->prefix);
}

static u128
last_ip(const struct cidr *c)
{
	return first_ip(c) | hostmask(c->ip.bits, c->prefix);
}

/* IPNet.Contains: the address must have the network's width. */
static bool
contains(const struct cidr *c, const struct addr *a)
{
	if (a->bits != c->ip.bits)
		return false;
	return (a->v & ~hostmask(c->ip.bits, c->prefix)) == first_ip(c);
}

/* ---------------------------------------------------------------------------
 * Printing as net.IP.String and IPNet.String do.
 */

static void
fmt_ip(u128 v, unsigned bits, char *buf, size_t len)
{
	uint16_t g[8];
	int k, best = -1, bestn = 0, run = 0;
	size_t o = 0;

	if (bits == 32 || (v >> 32) == 0xffff) {
		uint32_t x = (uint32_t)v;

		snprintf(
		    buf, len, "%u.%u.%u.%u", x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255);
		return;
	}
	for (k = 7; k >= 0; k--) {
		g[k] = (uint16_t)v;
		v >>= 16;
	}
	for (k = 0; k < 8; k++) {
		run = g[k] == 0 ? run + 1 : 0;
		if (run > bestn) {
			bestn = run;
			best = k - run + 1;
		}
	}
	if (bestn < 2)
		best = -1;
	for (k = 0; k < 8 && o < len; k++) {
		if (k == best) {
			o += (size_t)snprintf(buf + o, len - o, "::");
			k += bestn - 1;
			continue;
		}
		if (k > 0 && !(best >= 0 && k == best + bestn) && o < len)
			o += (size_t)snprintf(buf + o, len - o, ":");
		if (o < len)
			o += (size_t)snprintf(buf + o, len - o, "%x", g[k]);
	}
	if (o == 0)
		snprintf(buf, len, "::");
}

static enum rego_bres
cidr_str(struct rego_bctx *c, u128 ip, unsigned bits, unsigned prefix, const struct rego_val **out)
{
	char buf[64];
	size_t n;

	fmt_ip(ip, bits, buf, sizeof(buf));
	n = strlen(buf);
	snprintf(buf + n, sizeof(buf) - n, "/%u", prefix);
	return ext_str(c, buf, strlen(buf), out);
}

/* ---------------------------------------------------------------------------
 * Builtins.
 */

static enum rego_bres
net_operand(struct rego_bctx *c, const struct rego_val *v, unsigned pos, struct cidr *out)
{
	if (v->type != REGO_STRING)
		return rego_berr_operand(c, pos, "string", v);
	if (!parse_cidr(v->u.s, v->len, out))
		return rego_berr(
		    c, "invalid CIDR address: %.*s", v->len > 200 ? 200 : (int)v->len, v->u.s);
	return REGO_B_OK;
}

/* net.cidr_contains(cidr, cidr_or_ip) as a C result; REGO_B_ERR with c->err filled. */
static enum rego_bres
contains_eval(struct rego_bctx *c, const struct rego_val *a, const struct rego_val *b, bool *res)
{
	struct cidr na, nb;
	struct addr ip;
	enum rego_bres r;

	if ((r = net_operand(c, a, 1, &na)) != REGO_B_OK)
		return r;
	if (b->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", b);
	if (parse_ip(b->u.s, b->len, &ip)) {
		*res = contains(&na, &ip);
		return REGO_B_OK;
	}
	if (!parse_cidr(b->u.s, b->len, &nb))
		return rego_berr(c,
		    "not a valid textual representation of an IP address or CIDR: %.*s",
		    b->len > 200 ? 200 : (int)b->len, b->u.s);
	ip.bits = nb.ip.bits;
	ip.v = first_ip(&nb);
	*res = contains(&na, &ip);
	if (*res) {
		ip.v = last_ip(&nb);
		*res = contains(&na, &ip);
	}
	return REGO_B_OK;
}

static enum rego_bres
bi_cidr_contains(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	bool res = false;
	enum rego_bres r = contains_eval(c, args[0], args[1], &res);

	if (r == REGO_B_OK)
		*out = rego_bool(res);
	return r;
}

static enum rego_bres
bi_cidr_intersects(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct cidr a, b;
	struct addr fa, fb;
	enum rego_bres r;

	if ((r = net_operand(c, args[0], 1, &a)) != REGO_B_OK ||
	    (r = net_operand(c, args[1], 1, &b)) != REGO_B_OK)
		return r;
	fa.bits = a.ip.bits;
	fa.v = first_ip(&a);
	fb.bits = b.ip.bits;
	fb.v = first_ip(&b);
	*out = rego_bool(contains(&a, &fb) || contains(&b, &fa));
	return REGO_B_OK;
}

static enum rego_bres
bi_cidr_is_valid(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct cidr n;

	*out =
	    rego_bool(args[0]->type == REGO_STRING && parse_cidr(args[0]->u.s, args[0]->len, &n));
	return REGO_B_OK;
}

static enum rego_bres
bi_cidr_expand(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct rego_builder b;
	struct writ_err e;
	struct cidr n;
	enum rego_bres r;
	u128 ip, last;

	if ((r = net_operand(c, args[0], 1, &n)) != REGO_B_OK)
		return r;
	if (n.ip.bits - n.prefix > 16)
		return rego_berr(c, "CIDR %.*s has more than %u addresses",
		    args[0]->len > 200 ? 200 : (int)args[0]->len, args[0]->u.s, NET_EXPAND_MAX);
	rego_builder_init(&b, c->arena, REGO_SET);
	last = last_ip(&n);
	for (ip = first_ip(&n);; ip++) {
		char buf[64];
		const struct rego_val *s;

		fmt_ip(ip, n.ip.bits, buf, sizeof(buf));
		if ((r = ext_str(c, buf, strlen(buf), &s)) != REGO_B_OK)
			return r;
		EXT_TRY(c, rego_builder_push(&b, s, &e));
		if (ip == last)
			break;
	}
	EXT_TRY(c, rego_builder_finish(&b, out, &e));
	return REGO_B_OK;
}

/* ---------------------------------------------------------------------------
 * net.cidr_merge (the netaddr algorithm OPA uses: sort ranges by last then
 * first address, fold overlapping or adjacent ones, cover each folded range
 * with the fewest CIDRs).
 */

struct range {
	u128 first, last;
	unsigned bits;
	bool merged;
	struct cidr net; /* when !merged: printed as written */
};

static int
range_cmp(const void *x, const void *y)
{
	const struct range *a = x, *b = y;

	if (a->bits != b->bits)
		return a->bits < b->bits ? -1 : 1;
	if (a->last != b->last)
		return a->last < b->last ? -1 : 1;
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return 0;
}

static enum rego_bres
merge_elem(struct rego_bctx *c, const struct rego_val *v, struct range *r)
{
	struct addr ip;

	if (v->type != REGO_STRING)
		return rego_berr(c, "element must be string");
	if (parse_ip(v->u.s, v->len, &ip)) {
		uint32_t top = (uint32_t)(ip.v >> 24);

		if (ip.bits != 32)
			return rego_berr(c, "IPv6 invalid: needs prefix length");
		r->net.ip = ip;
		/* net.IP.DefaultMask: the classful mask (class D and E: none, taken as /32). */
		r->net.prefix = top < 0x80 ? 8 : top < 0xc0 ? 16 : top < 0xe0 ? 24 : 32;
	} else if (!parse_cidr(v->u.s, v->len, &r->net)) {
		return rego_berr(
		    c, "invalid CIDR address: %.*s", v->len > 200 ? 200 : (int)v->len, v->u.s);
	}
	r->bits = r->net.ip.bits;
	r->first = first_ip(&r->net);
	r->last = last_ip(&r->net);
	r->merged = false;
	return REGO_B_OK;
}

/* Push the fewest CIDRs covering [first, last]. */
static enum rego_bres
push_range(struct rego_bctx *c, struct rego_builder *b, u128 first, u128 last, unsigned bits)
{
	struct writ_err e;
	enum rego_bres r;

	for (;;) {
		unsigned host = 0;
		const struct rego_val *s;

		while (host < bits) {
			u128 m = hostmask(bits, bits - host - 1);

			if ((first & m) != 0 || (first | m) > last)
				break;
			host++;
		}
		if ((r = cidr_str(c, first, bits, bits - host, &s)) != REGO_B_OK)
			return r;
		EXT_TRY(c, rego_builder_push(b, s, &e));
		first |= hostmask(bits, bits - host);
		if (first >= last)
			return REGO_B_OK;
		first++;
	}
}

static enum rego_bres
bi_cidr_merge(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *v = args[0];
	struct rego_builder b;
	struct range *rs;
	struct writ_err e;
	enum rego_bres r;
	size_t i, n;

	if (v->type != REGO_ARRAY && v->type != REGO_SET)
		return rego_berr_operand(c, 1, "one of {array, set}", v);
	if (v->len > NET_MAX_ELEMS)
		return rego_berr(c, "more than %u networks", NET_MAX_ELEMS);
	if ((rs = writ_arena_calloc(c->arena, v->len + 1, sizeof(*rs))) == NULL)
		return ext_oom(c);
	for (i = 0; i < v->len; i++)
		if ((r = merge_elem(c, v->u.elems[i], &rs[i])) != REGO_B_OK)
			return r;
	qsort(rs, v->len, sizeof(*rs), range_cmp);
	n = v->len;
	for (i = n; i-- > 1;) {
		struct range *p = &rs[i - 1], *q = &rs[i];

		if (p->bits != q->bits || (q->first != 0 && q->first - 1 > p->last))
			continue;
		p->first = p->first < q->first ? p->first : q->first;
		p->last = q->last;
		p->merged = true;
		memmove(q, q + 1, (n - i - 1) * sizeof(*q));
		n--;
	}
	rego_builder_init(&b, c->arena, REGO_SET);
	for (i = 0; i < n; i++) {
		const struct rego_val *s;

		if (!rs[i].merged) {
			if ((r = cidr_str(c, rs[i].net.ip.v, rs[i].bits, rs[i].net.prefix, &s)) !=
			    REGO_B_OK)
				return r;
			EXT_TRY(c, rego_builder_push(&b, s, &e));
		} else if ((r = push_range(c, &b, rs[i].first, rs[i].last, rs[i].bits)) !=
		    REGO_B_OK) {
			return r;
		}
	}
	EXT_TRY(c, rego_builder_finish(&b, out, &e));
	return REGO_B_OK;
}

/* ---------------------------------------------------------------------------
 * net.cidr_contains_matches.
 */

struct match_ctx {
	struct rego_builder *b;
};

/* The CIDR term of one element (string, or first element of a non-empty array). */
static enum rego_bres
match_term(struct rego_bctx *c, unsigned pos, const struct rego_val *v, const struct rego_val **out)
{
	if (v->type == REGO_STRING) {
		*out = v;
		return REGO_B_OK;
	}
	if (v->type == REGO_ARRAY && v->len > 0) {
		*out = v->u.elems[0];
		return REGO_B_OK;
	}
	return rego_berr(c, "operand %u: element must be string or non-empty array", pos);
}

/* The (cidr, key) pairs of an operand: a string, or an array, set or object of them. */
static enum rego_bres
match_items(struct rego_bctx *c, unsigned pos, const struct rego_val *v,
    const struct rego_val ***cidrs, const struct rego_val ***keys, size_t *n)
{
	size_t i, cnt = v->type == REGO_STRING ? 1 : v->len;
	enum rego_bres r;

	if (v->type != REGO_STRING && v->type != REGO_ARRAY && v->type != REGO_SET &&
	    v->type != REGO_OBJECT) {
		*n = 0;
		return REGO_B_OK;
	}
	if (cnt > NET_MAX_ELEMS)
		return rego_berr(c, "operand %u: more than %u elements", pos, NET_MAX_ELEMS);
	*cidrs = writ_arena_calloc(c->arena, cnt + 1, sizeof(**cidrs));
	*keys = writ_arena_calloc(c->arena, cnt + 1, sizeof(**keys));
	if (*cidrs == NULL || *keys == NULL)
		return ext_oom(c);
	for (i = 0; i < cnt; i++) {
		const struct rego_val *el, *key;

		if (v->type == REGO_STRING) {
			el = key = v;
		} else if (v->type == REGO_OBJECT) {
			el = v->u.kvs[i].val;
			key = v->u.kvs[i].key;
		} else {
			el = v->u.elems[i];
			key = el;
			if (v->type == REGO_ARRAY)
				EXT_TRY(c, rego_int(c->arena, (int64_t)i, &key, &ext_e_));
		}
		if ((r = match_term(c, pos, el, &(*cidrs)[i])) != REGO_B_OK)
			return r;
		(*keys)[i] = key;
	}
	*n = cnt;
	return REGO_B_OK;
}

static enum rego_bres
bi_cidr_contains_matches(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val **c1, **k1, **c2, **k2;
	struct rego_builder b;
	struct writ_err e;
	enum rego_bres r;
	size_t n1, n2, i, j;

	if ((r = match_items(c, 1, args[0], &c1, &k1, &n1)) != REGO_B_OK ||
	    (r = match_items(c, 2, args[1], &c2, &k2, &n2)) != REGO_B_OK)
		return r;
	rego_builder_init(&b, c->arena, REGO_SET);
	for (i = 0; i < n1; i++) {
		for (j = 0; j < n2; j++) {
			const struct rego_val *pair[2], *t;
			bool res = false;

			if ((r = contains_eval(c, c1[i], c2[j], &res)) != REGO_B_OK)
				return r;
			if (!res)
				continue;
			pair[0] = k1[i];
			pair[1] = k2[j];
			EXT_TRY(c, rego_array(c->arena, pair, 2, &t, &e));
			EXT_TRY(c, rego_builder_push(&b, t, &e));
		}
	}
	EXT_TRY(c, rego_builder_finish(&b, out, &e));
	return REGO_B_OK;
}

static enum rego_bres
bi_lookup_ip_addr(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *v = args[0], *s;
	struct rego_builder b;
	struct writ_err e;
	struct addr ip;
	char buf[64];
	enum rego_bres r;

	if (v->type != REGO_STRING)
		return rego_berr_operand(c, 1, "string", v);
	if (!parse_ip(v->u.s, v->len, &ip))
		return rego_berr(c, "DNS lookups are disabled: policies may not use the network");
	fmt_ip(ip.v, ip.bits, buf, sizeof(buf));
	if ((r = ext_str(c, buf, strlen(buf), &s)) != REGO_B_OK)
		return r;
	rego_builder_init(&b, c->arena, REGO_SET);
	EXT_TRY(c, rego_builder_push(&b, s, &e));
	EXT_TRY(c, rego_builder_finish(&b, out, &e));
	return REGO_B_OK;
}

static const struct rego_builtin net_builtins[] = {
    {"net.cidr_contains", 2, bi_cidr_contains, 0},
    {"net.cidr_contains_matches", 2, bi_cidr_contains_matches, 0},
    {"net.cidr_expand", 1, bi_cidr_expand, 0},
    {"net.cidr_intersects", 2, bi_cidr_intersects, 0},
    {"net.cidr_is_valid", 1, bi_cidr_is_valid, 0},
    {"net.cidr_merge", 1, bi_cidr_merge, 0},
    {"net.cidr_overlap", 2, bi_cidr_contains, 0}, /* deprecated alias of cidr_contains */
    {"net.lookup_ip_addr", 1, bi_lookup_ip_addr, REGO_BI_NONDET},
};

const struct rego_builtin_family rego_family_net = {
    "net", net_builtins, WRIT_ARRAY_LEN(net_builtins)};
