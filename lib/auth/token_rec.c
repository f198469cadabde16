/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stored form of a token record.  Every authenticated request reads one
 * and every token creation reads the parent's and writes its own, so the
 * format is a flat binary layout rather than JSON (decoding JSON with jansson
 * cost ~100k instructions a record; this costs a few hundred):
 *
 *   u8  version (TOKREC_V1 = 0x02; JSON records, which begin with '{', are
 *       the format before it and are still read)
 *   u8  flags (TOKREC_RENEWABLE | TOKREC_REVOKED | TOKREC_BATCH)
 *   9 x i64 little endian: creation_time, creation_ttl, expire_time,
 *       explicit_max_ttl, period, issue_time, num_uses, max_ttl,
 *       last_renewal_time
 *   8 x str: accessor, parent hash, display_name, path, role, entity_id,
 *       meta (JSON text or empty), bound_cidrs (JSON text or empty)
 *   u16 npolicies, then npolicies x str
 *
 * where str is a u32 little-endian length and that many bytes.  The decoder
 * checks every length against what is left, so a truncated or corrupt
 * record is WRIT_EPARSE, never a read past the end.
 */
#include <string.h>

#include "auth_int.h"

#define TOKREC_V1        0x02
#define TOKREC_RENEWABLE 0x01u
#define TOKREC_REVOKED   0x02u
#define TOKREC_BATCH     0x04u
#define TOKREC_NINT      9
#define TOKREC_NSTR      8
#define TOKREC_POL_MAX   1024 /* policies on one token */
#define TOKREC_STR_MAX   (1u << 20)

struct rd {
	const unsigned char *p;
	size_t left;
};

static writ_rc put_u32(struct writ_buf *b, uint32_t v);
static writ_rc put_str(struct writ_buf *b, const char *s, size_t len);
static writ_rc put_json(struct writ_buf *b, const json_t *v);
static bool get_bytes(struct rd *r, void *out, size_t n);
static bool get_str(struct rd *r, const unsigned char **s, size_t *len);
static writ_rc get_astr(struct rd *r, struct writ_arena *a, char **out);
static writ_rc get_json(struct rd *r, json_t **out, bool (*is)(const json_t *));
static bool is_object(const json_t *v);
static bool is_array(const json_t *v);

static writ_rc
put_u32(struct writ_buf *b, uint32_t v)
{
	unsigned char le[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
	    (unsigned char)(v >> 24)};

	return writ_buf_append(b, le, sizeof(le));
}

static writ_rc
put_str(struct writ_buf *b, const char *s, size_t len)
{
	writ_rc rc;

	if (len > TOKREC_STR_MAX)
		return WRIT_ETOOBIG;
	if ((rc = put_u32(b, (uint32_t)len)) != WRIT_OK || len == 0)
		return rc;
	return writ_buf_append(b, s, len);
}

/* A JSON value as compact text, or an empty string for NULL. */
static writ_rc
put_json(struct writ_buf *b, const json_t *v)
{
	char *text;
	writ_rc rc;

	if (v == NULL)
		return put_str(b, "", 0);
	if ((text = json_dumps(v, JSON_COMPACT)) == NULL)
		return WRIT_ENOMEM;
	rc = put_str(b, text, strlen(text));
	free(text);
	return rc;
}

writ_rc
tok_rec_encode(const struct tok_rec *r, struct writ_buf *b)
{
	const struct writ_token *t = &r->t;
	const int64_t ints[TOKREC_NINT] = {t->creation_time, t->creation_ttl, t->expire_time,
	    t->explicit_max_ttl, t->period, t->issue_time, t->num_uses, t->max_ttl,
	    t->last_renewal_time};
	const char *strs[] = {t->accessor, t->parent_hash, t->display_name, t->path, t->role,
	    t->entity_id};
	unsigned char head[2 + 8 * TOKREC_NINT], *p = head;
	size_t i, j;
	writ_rc rc = WRIT_OK;

	if (t->npolicies > TOKREC_POL_MAX)
		return WRIT_ETOOBIG;
	*p++ = TOKREC_V1;
	*p++ = (unsigned char)((t->renewable ? TOKREC_RENEWABLE : 0) |
	    (r->revoked ? TOKREC_REVOKED : 0) | (t->batch ? TOKREC_BATCH : 0));
	for (i = 0; i < TOKREC_NINT; i++) {
		uint64_t u = (uint64_t)ints[i];

		for (j = 0; j < 8; j++)
			*p++ = (unsigned char)(u >> (8 * j));
	}
	if ((rc = writ_buf_append(b, head, sizeof(head))) != WRIT_OK)
		return rc;
	for (i = 0; i < WRIT_ARRAY_LEN(strs) && rc == WRIT_OK; i++)
		rc = put_str(b, strs[i] ? strs[i] : "", strs[i] ? strlen(strs[i]) : 0);
	if (rc != WRIT_OK || (rc = put_json(b, t->meta)) != WRIT_OK ||
	    (rc = put_json(b, t->bound_cidrs)) != WRIT_OK)
		return rc;
	p = head;
	*p++ = (unsigned char)t->npolicies;
	*p++ = (unsigned char)(t->npolicies >> 8);
	if ((rc = writ_buf_append(b, head, 2)) != WRIT_OK)
		return rc;
	for (i = 0; i < t->npolicies && rc == WRIT_OK; i++)
		rc = put_str(b, t->policies[i], strlen(t->policies[i]));
	return rc;
}

static bool
get_bytes(struct rd *r, void *out, size_t n)
{
	if (r->left < n)
		return false;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

static bool
get_str(struct rd *r, const unsigned char **s, size_t *len)
{
	unsigned char le[4];
	uint32_t n;

	if (!get_bytes(r, le, sizeof(le)))
		return false;
	n = (uint32_t)le[0] | (uint32_t)le[1] << 8 | (uint32_t)le[2] << 16 | (uint32_t)le[3] << 24;
	if (n > r->left || n > TOKREC_STR_MAX)
		return false;
	*s = r->p;
	*len = n;
	r->p += n;
	r->left -= n;
	return true;
}

/* A string field copied into the arena; embedded NULs are corruption. */
static writ_rc
get_astr(struct rd *r, struct writ_arena *a, char **out)
{
	const unsigned char *s;
	size_t len;

	if (!get_str(r, &s, &len) || memchr(s, '\0', len) != NULL)
		return WRIT_EPARSE;
	return (*out = writ_arena_strndup(a, (const char *)s, len)) != NULL ? WRIT_OK : WRIT_ENOMEM;
}

static bool
is_object(const json_t *v)
{
	return json_is_object(v);
}

static bool
is_array(const json_t *v)
{
	return json_is_array(v);
}

/* An optional JSON field: empty means NULL; otherwise it must have the right type. */
static writ_rc
get_json(struct rd *r, json_t **out, bool (*is)(const json_t *))
{
	const unsigned char *s;
	size_t len;
	json_t *v;

	*out = NULL;
	if (!get_str(r, &s, &len))
		return WRIT_EPARSE;
	if (len == 0)
		return WRIT_OK;
	v = json_loadb((const char *)s, len, JSON_REJECT_DUPLICATES, NULL);
	if (!is(v)) {
		json_decref(v);
		return WRIT_EPARSE;
	}
	*out = v;
	return WRIT_OK;
}

bool
tok_rec_is_binary(const unsigned char *val, size_t len)
{
	return len > 0 && val[0] == TOKREC_V1;
}

writ_rc
tok_rec_decode_binary(struct writ_arena *a, const char *hash, const unsigned char *val, size_t len,
    struct tok_rec *out)
{
	struct writ_token *t = &out->t;
	struct rd r = {val, len};
	int64_t *ints[TOKREC_NINT] = {&t->creation_time, &t->creation_ttl, &t->expire_time,
	    &t->explicit_max_ttl, &t->period, &t->issue_time, &t->num_uses, &t->max_ttl,
	    &t->last_renewal_time};
	unsigned char head[2 + 8 * TOKREC_NINT], np[2];
	char *acc = NULL, *parent = NULL, *display = NULL, *path = NULL, *role = NULL, *entity = NULL;
	size_t i, j, n;
	writ_rc rc = WRIT_EPARSE;

	memset(out, 0, sizeof(*out));
	if (!get_bytes(&r, head, sizeof(head)) || head[0] != TOKREC_V1 ||
	    (head[1] & ~(TOKREC_RENEWABLE | TOKREC_REVOKED | TOKREC_BATCH)) != 0)
		goto fail;
	for (i = 0; i < TOKREC_NINT; i++) {
		uint64_t u = 0;

		for (j = 0; j < 8; j++)
			u |= (uint64_t)head[2 + 8 * i + j] << (8 * j);
		*ints[i] = (int64_t)u;
	}
	if ((rc = get_astr(&r, a, &acc)) != WRIT_OK || (rc = get_astr(&r, a, &parent)) != WRIT_OK ||
	    (rc = get_astr(&r, a, &display)) != WRIT_OK || (rc = get_astr(&r, a, &path)) != WRIT_OK ||
	    (rc = get_astr(&r, a, &role)) != WRIT_OK || (rc = get_astr(&r, a, &entity)) != WRIT_OK)
		goto fail;
	rc = WRIT_EPARSE;
	if (strlen(acc) >= sizeof(t->accessor) || strlen(parent) >= sizeof(t->parent_hash) ||
	    strlen(hash) >= sizeof(t->id_hash))
		goto fail;
	if ((rc = get_json(&r, &t->meta, is_object)) != WRIT_OK ||
	    (rc = get_json(&r, &t->bound_cidrs, is_array)) != WRIT_OK)
		goto fail;
	rc = WRIT_EPARSE;
	if (!get_bytes(&r, np, sizeof(np)) || (n = (size_t)np[0] | (size_t)np[1] << 8) > TOKREC_POL_MAX)
		goto fail;
	rc = WRIT_ENOMEM;
	if (n > 0 && (t->policies = writ_arena_calloc(a, n, sizeof(char *))) == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if ((rc = get_astr(&r, a, &t->policies[i])) != WRIT_OK)
			goto fail;
	rc = WRIT_EPARSE;
	if (r.left != 0)
		goto fail;
	t->npolicies = n;
	memcpy(t->id_hash, hash, strlen(hash) + 1);
	memcpy(t->accessor, acc, strlen(acc) + 1);
	memcpy(t->parent_hash, parent, strlen(parent) + 1);
	t->display_name = display;
	t->path = path;
	t->role = role;
	t->entity_id = entity;
	t->renewable = (head[1] & TOKREC_RENEWABLE) != 0;
	t->batch = (head[1] & TOKREC_BATCH) != 0;
	out->revoked = (head[1] & TOKREC_REVOKED) != 0;
	t->orphan = t->parent_hash[0] == '\0';
	t->root = auth_strv_contains(t->policies, t->npolicies, "root");
	return WRIT_OK;
fail:
	tok_rec_clear(out);
	memset(out, 0, sizeof(*out));
	return rc;
}

/* ---------------------------------------------------------------------------
 * Record keys.
 *
 * A token's record lives at its id, and the id used to be the SHA-256 of the
 * token: random, so the records, accessors and parent-index entries of one
 * group commit fell on as many B-tree leaves as there were tokens, and each
 * dirty leaf is a 4 KiB page in the log (measured: ~20 KiB written a token).
 * Tokens now carry a time-ordered locator in clear, "hvs.<16 hex><43 b64url>":
 * 12 hex digits of milliseconds since the epoch and 4 random ones, then 32
 * random bytes.  The id is the locator followed by the first 24 bytes of the
 * token's SHA-256 (still 64 hex digits), so new records sort by creation
 * time and a batch lands on a few leaves; a lookup computes the id from the
 * token as before and nothing but the token gives the digest part.
 * Accessors get the same time prefix.  Tokens without a locator (custom ids,
 * tokens made before) keep the whole SHA-256 as their id.
 */
#define LOC_HEX   16
#define RAND_B64  43 /* 32 random bytes in unpadded base64url */
#define TOKEN_LEN (4 + LOC_HEX + RAND_B64)

static void time_hex(char out[12]);
static bool is_b64url(char c);
static bool has_locator(const char *token, size_t len);

static void
time_hex(char out[12])
{
	static const char hex[] = "0123456789abcdef";
	int64_t sec;
	long nsec;
	uint64_t ms;
	int i;

	writ_time_now_ns(&sec, &nsec);
	ms = sec > 0 ? (uint64_t)sec * 1000u + (uint64_t)nsec / 1000000u : 0;
	for (i = 11; i >= 0; i--, ms >>= 4)
		out[i] = hex[ms & 0xf];
}

static bool
is_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '_';
}

static bool
has_locator(const char *token, size_t len)
{
	size_t i;

	if (len != TOKEN_LEN || (memcmp(token, "hvs.", 4) != 0 && memcmp(token, "hvb.", 4) != 0))
		return false;
	for (i = 4; i < 4 + LOC_HEX; i++)
		if (!((token[i] >= '0' && token[i] <= '9') || (token[i] >= 'a' && token[i] <= 'f')))
			return false;
	for (; i < len; i++)
		if (!is_b64url(token[i]))
			return false;
	return true;
}

void
tok_id_of(const char *token, size_t len, char out[AUTH_HASH_HEX])
{
	unsigned char h[WRIT_SHA256_LEN];

	if (!has_locator(token, len)) {
		auth_sha256_hex(token, len, out);
		return;
	}
	writ_sha256(token, len, h);
	memcpy(out, token + 4, LOC_HEX);
	writ_hex_encode(h, (AUTH_HASH_HEX - 1 - LOC_HEX) / 2, out + LOC_HEX);
	out[AUTH_HASH_HEX - 1] = '\0';
	writ_memzero(h, sizeof(h));
}

char *
tok_new_text(struct writ_arena *a, bool batch)
{
	unsigned char raw[2 + 32];
	char *out = writ_arena_alloc(a, TOKEN_LEN + 4); /* the encoders' NULs */

	if (out == NULL || writ_random(raw, sizeof(raw)) != WRIT_OK) {
		writ_memzero(raw, sizeof(raw));
		return NULL;
	}
	memcpy(out, batch ? "hvb." : "hvs.", 4);
	time_hex(out + 4);
	writ_hex_encode(raw, 2, out + 16);
	writ_b64url_encode(raw + 2, 32, out + 4 + LOC_HEX);
	out[TOKEN_LEN] = '\0';
	writ_memzero(raw, sizeof(raw));
	return out;
}

char *
tok_new_accessor(struct writ_arena *a)
{
	unsigned char raw[12];
	char *out = writ_arena_alloc(a, 12 + 16 + 4);

	if (out == NULL || writ_random(raw, sizeof(raw)) != WRIT_OK)
		return NULL;
	time_hex(out);
	writ_b64url_encode(raw, sizeof(raw), out + 12);
	out[28] = '\0';
	return out;
}
