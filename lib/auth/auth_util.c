/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the token store and the auth methods: the clock with its
 * test hook, hashing and random names, Vault's policy-list sanitising, body
 * list fields, IPv4/IPv6 CIDR parsing, matching and subset checks, and the
 * error replies every handler uses.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "writ/crypto.h"

#include "auth_int.h"

struct cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned bits;
};

static int64_t (*test_clock)(void);

static int cmp_str(const void *a, const void *b);
static bool parse_addr(const char *s, size_t len, struct cidr *out);
static bool parse_cidr(const char *s, struct cidr *out);
static bool cidr_contains(const struct cidr *net, const struct cidr *ip);
static char *trim_lower(struct writ_arena *a, const char *s);

/* ---------------------------------------------------------------------------
 * Clock, hashes, names.
 */

int64_t
auth_now(void)
{
	return test_clock != NULL ? test_clock() : writ_time_now();
}

void
auth_clock_set(int64_t (*fn)(void))
{
	test_clock = fn;
}

void
auth_sha256_hex(const char *s, size_t len, char out[AUTH_HASH_HEX])
{
	unsigned char h[WRIT_SHA256_LEN];

	writ_sha256(s, len, h);
	writ_hex_encode(h, sizeof(h), out);
	writ_memzero(h, sizeof(h));
}

char *
auth_random_b64url(struct writ_arena *a, size_t len)
{
	unsigned char raw[64];
	char *out = NULL;

	if (len > sizeof(raw) || writ_random(raw, len) != WRIT_OK)
		goto out;
	if ((out = writ_arena_alloc(a, 4 * ((len + 2) / 3) + 1)) == NULL)
		goto out;
	writ_b64url_encode(raw, len, out);
out:
	writ_memzero(raw, sizeof(raw));
	return out;
}

bool
auth_name_valid(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > AUTH_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		        c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------------------
 * String vectors and policies.
 */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
trim_lower(struct writ_arena *a, const char *s)
{
	const char *e;
	char *out;
	size_t i;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	if ((out = writ_arena_strndup(a, s, (size_t)(e - s))) == NULL)
		return NULL;
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (char)(out[i] - 'A' + 'a');
	return out;
}

writ_rc
auth_policies_sanitize(
    struct writ_arena *a, char *const *in, size_t n, bool add_default, char ***out, size_t *nout)
{
	char **v;
	size_t i, k = 0, uniq, total;

	if (__builtin_add_overflow(n, 2, &total))
		return WRIT_EINVAL;
	if ((v = writ_arena_calloc(a, total, sizeof(*v))) == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < n; i++) {
		char *p = trim_lower(a, in[i]);

		if (p == NULL)
			return WRIT_ENOMEM;
		if (p[0] != '\0')
			v[k++] = p;
	}
	if (auth_strv_contains(v, k, "root")) {
		v[0] = "root";
		k = 1;
	} else if (add_default && !auth_strv_contains(v, k, "default")) {
		v[k++] = "default";
	}
	qsort(v, k, sizeof(*v), cmp_str);
	for (i = 0, uniq = 0; i < k; i++)
		if (uniq == 0 || strcmp(v[uniq - 1], v[i]) != 0)
			v[uniq++] = v[i];
	v[uniq] = NULL;
	*out = v;
	*nout = uniq;
	return WRIT_OK;
}

void
auth_strv_remove(char **v, size_t *n, const char *name)
{
	size_t i, k = 0;

	for (i = 0; i < *n; i++)
		if (strcmp(v[i], name) != 0)
			v[k++] = v[i];
	if (k < *n)
		v[k] = NULL;
	*n = k;
}

bool
auth_strv_contains(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

bool
auth_strv_subset(char *const *super, size_t nsuper, char *const *sub, size_t nsub)
{
	size_t i;

	for (i = 0; i < nsub; i++)
		if (!auth_strv_contains(super, nsuper, sub[i]))
			return false;
	return true;
}

json_t *
auth_strv_json(char *const *v, size_t n)
{
	json_t *arr = json_array();
	size_t i;

	if (arr == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (json_array_append_new(arr, json_string(v[i])) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

writ_rc
auth_json_strv(struct writ_arena *a, const json_t *arr, char ***out, size_t *n)
{
	if (arr == NULL || json_is_null(arr)) {
		if ((*out = writ_arena_calloc(a, 1, sizeof(char *))) == NULL)
			return WRIT_ENOMEM;
		*n = 0;
		return WRIT_OK;
	}
	return writ_json_as_strlist(a, arr, out, n);
}

writ_rc
auth_body_list(const struct writ_req *req, const char *name, json_t **out)
{
	char **v;
	size_t n, i;
	json_t *arr;
	writ_rc rc;

	if ((rc = writ_req_strlist(req, name, &v, &n)) != WRIT_OK)
		return rc;
	if ((arr = json_array()) == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < n; i++) {
		const char *s = v[i];
		size_t len;

		while (*s == ' ')
			s++;
		len = strlen(s);
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (len > 0 && json_array_append_new(arr, json_stringn(s, len)) != 0) {
			json_decref(arr);
			return WRIT_ENOMEM;
		}
	}
	*out = arr;
	return WRIT_OK;
}

const char *
auth_body_pick(const struct writ_req *req, const char *name, const char *alias)
{
	json_t *v = json_object_get(req->body, name);

	if (v != NULL && !json_is_null(v))
		return name;
	v = alias != NULL ? json_object_get(req->body, alias) : NULL;
	if (v != NULL && !json_is_null(v))
		return alias;
	return name;
}

/* ---------------------------------------------------------------------------
 * CIDR blocks.
 */

static bool
parse_addr(const char *s, size_t len, struct cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out->addr, 0, sizeof(out->addr));
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		out->bits = 32;
		return true;
	}
	if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

		out->family = AF_INET6;
		out->bits = 128;
		/* An IPv4-mapped address is matched as IPv4. */
		if (memcmp(out->addr, mapped, sizeof(mapped)) == 0) {
			memmove(out->addr, out->addr + 12, 4);
			memset(out->addr + 4, 0, 12);
			out->family = AF_INET;
			out->bits = 32;
		}
		return true;
	}
	return false;
}

static bool
parse_cidr(const char *s, struct cidr *out)
{
	const char *slash = strchr(s, '/');
	uint64_t bits;
	unsigned max;
	bool mapped;

	if (!parse_addr(s, slash ? (size_t)(slash - s) : strlen(s), out))
		return false;
	if (slash == NULL)
		return true;
	mapped = out->family == AF_INET && memchr(s, ':', (size_t)(slash - s)) != NULL;
	max = out->family == AF_INET && !mapped ? 32 : 128;
	if (writ_parse_u64(slash + 1, strlen(slash + 1), &bits) != WRIT_OK || bits > max)
		return false;
	/* A mapped prefix ("::ffff:10.0.0.0/104") keeps its meaning as IPv4. */
	if (mapped) {
		if (bits < 96)
			return false;
		bits -= 96;
	}
	out->bits = (unsigned)bits;
	return true;
}

static bool
cidr_contains(const struct cidr *net, const struct cidr *ip)
{
	unsigned full = net->bits / 8, rest = net->bits % 8;

	if (net->family != ip->family || ip->bits < net->bits)
		return false;
	if (memcmp(net->addr, ip->addr, full) != 0)
		return false;
	if (rest != 0) {
		unsigned char mask = (unsigned char)(0xffu << (8 - rest));

		if ((net->addr[full] & mask) != (ip->addr[full] & mask))
			return false;
	}
	return true;
}

writ_rc
auth_cidrs_validate(const json_t *cidrs)
{
	struct cidr c;
	size_t i;

	if (cidrs == NULL || json_is_null(cidrs))
		return WRIT_OK;
	if (!json_is_array(cidrs) || json_array_size(cidrs) > AUTH_CIDR_MAX)
		return WRIT_EINVAL;
	for (i = 0; i < json_array_size(cidrs); i++) {
		const json_t *e = json_array_get(cidrs, i);

		if (!json_is_string(e) || !parse_cidr(json_string_value(e), &c))
			return WRIT_EINVAL;
	}
	return WRIT_OK;
}

bool
auth_cidrs_allow(const json_t *cidrs, const char *addr)
{
	struct cidr ip, net;
	size_t i;

	if (cidrs == NULL || !json_is_array(cidrs) || json_array_size(cidrs) == 0)
		return true;
	if (addr == NULL || !parse_addr(addr, strlen(addr), &ip))
		return false;
	for (i = 0; i < json_array_size(cidrs); i++) {
		const json_t *e = json_array_get(cidrs, i);

		if (json_is_string(e) && parse_cidr(json_string_value(e), &net) &&
		    cidr_contains(&net, &ip))
			return true;
	}
	return false;
}

bool
auth_cidrs_subset(const json_t *outer, const json_t *inner)
{
	struct cidr in, out;
	size_t i, j;
	bool found;

	if (outer == NULL || !json_is_array(outer) || json_array_size(outer) == 0)
		return true;
	for (i = 0; inner != NULL && i < json_array_size(inner); i++) {
		if (!parse_cidr(json_string_value(json_array_get(inner, i)), &in))
			return false;
		found = false;
		for (j = 0; j < json_array_size(outer) && !found; j++)
			found = parse_cidr(json_string_value(json_array_get(outer, j)), &out) &&
			    cidr_contains(&out, &in);
		if (!found)
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------------------
 * Replies, JSON and store glue.
 */

char *
auth_rfc3339(struct writ_arena *a, int64_t t)
{
	char buf[48];

	writ_time_rfc3339(buf, sizeof(buf), t, 0);
	return writ_arena_strdup(a, buf);
}

writ_rc
auth_store_fail(struct writ_resp *resp, writ_rc rc, const struct writ_err *err, const char *what)
{
	writ_log(WRIT_LOG_ERROR, "auth: %s: %s", what,
	    err != NULL && err->msg[0] != '\0' ? err->msg : writ_rc_name(rc));
	if (rc == WRIT_ESEALED)
		return writ_resp_err(resp, rc, 503, "Vault is sealed");
	if (rc == WRIT_ENOMEM || rc == WRIT_ELIMIT)
		return writ_resp_err(resp, rc, 500, "out of memory");
	return writ_resp_err(resp, rc == WRIT_OK ? WRIT_EINTERNAL : rc, 500, "internal error");
}

writ_rc
auth_bad(struct writ_resp *resp, const char *msg)
{
	return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", msg);
}

writ_rc
auth_denied(struct writ_resp *resp)
{
	return writ_resp_err(resp, WRIT_EDENIED, 403, "permission denied");
}

writ_rc
auth_no_path(struct writ_resp *resp)
{
	return writ_resp_err(resp, WRIT_ENOTFOUND, 404, "unsupported path");
}

writ_rc
auth_no_op(struct writ_resp *resp)
{
	return writ_resp_err(resp, WRIT_EUNSUPPORTED, 405, "unsupported operation");
}

json_t *
auth_json_load(const unsigned char *val, size_t len)
{
	json_error_t jerr;

	return json_loadb((const char *)val, len, JSON_REJECT_DUPLICATES, &jerr);
}

writ_rc
auth_txn_put_json(struct writ_txn *t, const char *key, const json_t *v, struct writ_err *err)
{
	struct writ_buf b;
	writ_rc rc;

	writ_buf_init(&b, WRIT_STORE_VALUE_MAX);
	b.secret = true; /* records hold token metadata and secret_id hashes */
	if ((rc = writ_json_append(&b, v)) != WRIT_OK) {
		writ_buf_free(&b);
		return WRIT_ERR(err, rc == WRIT_ENOMEM ? WRIT_ENOMEM : WRIT_ETOOBIG,
		    "cannot encode a record");
	}
	rc = writ_txn_put(t, key, b.ptr, b.len, err);
	writ_buf_free(&b);
	return rc;
}

void
auth_seq_max(uint64_t *acc, uint64_t seq)
{
	if (seq > *acc)
		*acc = seq;
}
