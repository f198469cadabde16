/* SPDX-License-Identifier: Apache-2.0 */
/*
 * KV version 2 engine: request routing, path validation, the storage helpers
 * every endpoint uses (keys, JSON records through a wiping buffer, the
 * engine configuration and per-secret metadata records) and the formats
 * Vault's clients read (RFC 3339 times with nanoseconds, Go durations, the
 * per-version metadata object).  The endpoints live in kv_data.c and
 * kv_meta.c.
 *
 * A metadata record is JSON:
 *   {"v":1, "current_version":N, "oldest_version":N, "max_versions":N,
 *    "cas_required":b, "delete_version_after":secs, "created_ns":ns,
 *    "updated_ns":ns, "custom_metadata":{..}|null,
 *    "versions":{"<n>":{"created_ns":ns,"deletion_ns":ns,"destroyed":b}}}
 * and the configuration {"max_versions":N,"cas_required":b,
 * "delete_version_after":secs}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "writ/core.h"
#include "writ/kv.h"
#include "writ/store.h"

#include "secrets/kv_int.h"

typedef writ_rc (*kv_fn)(struct kv_ctx *c);

static writ_rc record_parse(struct kv_ctx *c, const unsigned char *val, size_t len, json_t **out);
static writ_rc unpack_fail(struct kv_ctx *c, const json_error_t *jerr, const char *what);
static writ_rc meta_parse(struct kv_ctx *c, json_t *root, struct kv_meta *meta);
static writ_rc versions_parse(struct kv_ctx *c, json_t *obj, struct kv_meta *meta);
static json_t *versions_json(const struct kv_meta *meta);
static int version_cmp(const void *a, const void *b);
static writ_rc route_path(struct kv_ctx *c, const char *name, enum writ_op op);

/* ---------------------------------------------------------------------------
 * Routing.
 */

static const struct kv_route {
	const char *name;
	enum writ_op op;
	kv_fn fn;
} routes[] = {
    {"config", WRIT_OP_READ, kv_config_read},
    {"config", WRIT_OP_CREATE, kv_config_write},
    {"config", WRIT_OP_UPDATE, kv_config_write},
    {"data", WRIT_OP_READ, kv_data_read},
    {"data", WRIT_OP_CREATE, kv_data_write},
    {"data", WRIT_OP_UPDATE, kv_data_write},
    {"data", WRIT_OP_PATCH, kv_data_patch},
    {"data", WRIT_OP_DELETE, kv_data_delete},
    {"delete", WRIT_OP_CREATE, kv_delete_versions},
    {"delete", WRIT_OP_UPDATE, kv_delete_versions},
    {"destroy", WRIT_OP_CREATE, kv_destroy_versions},
    {"destroy", WRIT_OP_UPDATE, kv_destroy_versions},
    {"metadata", WRIT_OP_READ, kv_meta_read},
    {"metadata", WRIT_OP_CREATE, kv_meta_write},
    {"metadata", WRIT_OP_UPDATE, kv_meta_write},
    {"metadata", WRIT_OP_PATCH, kv_meta_patch},
    {"metadata", WRIT_OP_DELETE, kv_meta_delete},
    {"metadata", WRIT_OP_LIST, kv_list},
    {"subkeys", WRIT_OP_READ, kv_subkeys_read},
    {"undelete", WRIT_OP_CREATE, kv_undelete_versions},
    {"undelete", WRIT_OP_UPDATE, kv_undelete_versions},
};

writ_rc
writ_kv_handle(struct writ_req *req, struct writ_resp *resp)
{
	struct kv_ctx c = {.req = req, .resp = resp};
	const char *rel, *slash;
	const struct kv_route *r = NULL;
	bool known = false;
	size_t i, namelen;
	char name[16];

	if (WRIT_NEVER(req->core == NULL || req->core->store == NULL || req->mount == NULL ||
	        req->arena == NULL || req->body == NULL))
		return writ_resp_err(resp, WRIT_EINTERNAL, 500, "internal error");
	c.store = req->core->store;
	rel = req->rel != NULL ? req->rel : "";
	slash = strchr(rel, '/');
	namelen = slash != NULL ? (size_t)(slash - rel) : strlen(rel);
	c.path = slash != NULL ? slash + 1 : "";
	if (namelen >= sizeof(name))
		return writ_resp_err(resp, WRIT_ENOTFOUND, 404, "unsupported path");
	memcpy(name, rel, namelen);
	name[namelen] = '\0';
	for (i = 0; i < WRIT_ARRAY_LEN(routes); i++) {
		if (strcmp(routes[i].name, name) != 0)
			continue;
		known = true;
		if (routes[i].op == req->op)
			r = &routes[i];
	}
	if (!known)
		return writ_resp_err(resp, WRIT_ENOTFOUND, 404, "unsupported path");
	if (r == NULL)
		return writ_resp_err(resp, WRIT_EUNSUPPORTED, 405, "unsupported operation");
	if (route_path(&c, name, req->op) != WRIT_OK)
		return resp->rc;
	return r->fn(&c);
}

/*
 * Check the path part of the route.  "config" takes none; LIST takes the
 * folder with or without its trailing '/' ("" = the root, as Vault adds the
 * slash before listing); everything else takes a secret path.
 */
static writ_rc
route_path(struct kv_ctx *c, const char *name, enum writ_op op)
{
	size_t len = strlen(c->path);
	char *p;

	if (strcmp(name, "config") == 0) {
		if (c->req->rel[strlen(name)] != '\0')
			return writ_resp_err(c->resp, WRIT_ENOTFOUND, 404, "unsupported path");
		return WRIT_OK;
	}
	if (op != WRIT_OP_LIST)
		return kv_path_check(c, c->path);
	if (len == 0)
		return WRIT_OK;
	if (c->path[len - 1] == '/') {
		if ((p = writ_arena_strndup(c->req->arena, c->path, len - 1)) == NULL)
			return kv_fail(c, WRIT_ENOMEM, "list path");
		c->path = p;
	}
	return kv_path_check(c, c->path);
}

bool
kv_utf8_ok(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k, n;
	uint32_t cp, min;

	while (i < len) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		if ((u[i] & 0xe0) == 0xc0) {
			n = 1, cp = u[i] & 0x1fu, min = 0x80;
		} else if ((u[i] & 0xf0) == 0xe0) {
			n = 2, cp = u[i] & 0x0fu, min = 0x800;
		} else if ((u[i] & 0xf8) == 0xf0) {
			n = 3, cp = u[i] & 0x07u, min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (u[i + k] & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

writ_rc
kv_path_check(struct kv_ctx *c, const char *path)
{
	size_t len = strlen(path), seg = 0, i, slen;

	if (len == 0)
		return kv_bad(c, "missing path");
	if (len > WRIT_KV_PATH_MAX)
		return kv_bad(c, "path is longer than %d bytes", WRIT_KV_PATH_MAX);
	if (!kv_utf8_ok(path, len))
		return kv_bad(c, "path is not valid UTF-8");
	for (i = 0; i <= len; i++) {
		if (i < len && ((unsigned char)path[i] < 0x20 || path[i] == 0x7f))
			return kv_bad(c, "path contains a control character");
		if (i < len && path[i] != '/')
			continue;
		slen = i - seg;
		if (slen == 0)
			return kv_bad(c, "path contains an empty segment");
		if ((slen == 1 && path[seg] == '.') ||
		    (slen == 2 && path[seg] == '.' && path[seg + 1] == '.'))
			return kv_bad(c, "path contains a '.' or '..' segment");
		seg = i + 1;
	}
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Responses.
 */

writ_rc
kv_bad(struct kv_ctx *c, const char *fmt, ...)
{
	struct writ_resp *resp = c->resp;
	va_list ap;

	resp->rc = WRIT_EINVAL;
	resp->status = 400;
	va_start(ap, fmt);
	vsnprintf(resp->msg, sizeof(resp->msg), fmt, ap);
	va_end(ap);
	return WRIT_EINVAL;
}

writ_rc
kv_not_found(struct kv_ctx *c)
{
	struct writ_resp *resp = c->resp;
	json_t *body;

	body = json_pack("{s:[]}", "errors");
	if (body == NULL)
		return kv_fail(c, WRIT_ENOMEM, "not-found body");
	json_decref(resp->raw);
	resp->raw = body;
	resp->rc = WRIT_ENOTFOUND;
	resp->status = 404;
	resp->msg[0] = '\0';
	return WRIT_ENOTFOUND;
}

writ_rc
kv_gone(struct kv_ctx *c, json_t *body)
{
	struct writ_resp *resp = c->resp;

	if (body == NULL)
		return kv_fail(c, WRIT_ENOMEM, "not-found body");
	json_decref(resp->data);
	resp->data = body;
	resp->rc = WRIT_ENOTFOUND;
	resp->status = 404;
	resp->msg[0] = '\0';
	return WRIT_ENOTFOUND;
}

writ_rc
kv_fail(struct kv_ctx *c, writ_rc rc, const char *what)
{
	const char *detail = c->err.msg[0] != '\0' ? c->err.msg : writ_rc_name(rc);

	writ_log(rc == WRIT_ESEALED ? WRIT_LOG_INFO : WRIT_LOG_ERROR, "kv %s%s: %s: %s",
	    c->req->mount->path, c->path, what, detail);
	c->err.msg[0] = '\0';
	switch (rc) {
	case WRIT_ESEALED:
		return writ_resp_err(c->resp, rc, 503, "Vault is sealed");
	case WRIT_ETOOBIG:
		return writ_resp_err(c->resp, rc, 413, "secret too large");
	case WRIT_ELIMIT:
		return writ_resp_err(c->resp, rc, 400, "request exceeds a resource limit");
	default:
		return writ_resp_err(
		    c->resp, rc == WRIT_OK ? WRIT_EINTERNAL : rc, 500, "internal error");
	}
}

/* ---------------------------------------------------------------------------
 * Storage.
 */

char *
kv_key(struct kv_ctx *c, const char *kind, const char *path)
{
	return writ_arena_printf(
	    c->req->arena, "%s%s%s", c->req->mount->storage_prefix, kind, path);
}

char *
kv_ver_key(struct kv_ctx *c, const char *path, uint64_t num)
{
	return writ_arena_printf(c->req->arena, "%sver/%s/%016llu", c->req->mount->storage_prefix,
	    path, (unsigned long long)num);
}

/*
 * Parse a stored record.  jansson reports some allocation failures as syntax
 * errors; a record that passed the barrier's authentication was written by
 * this module, so a failed parse is retried once before it is called corrupt.
 */
static writ_rc
record_parse(struct kv_ctx *c, const unsigned char *val, size_t len, json_t **out)
{
	json_error_t jerr = {0};
	json_t *v = NULL;
	int attempt;

	for (attempt = 0; attempt < 2 && v == NULL; attempt++)
		v = json_loadb((const char *)val, len, JSON_ALLOW_NUL, &jerr);
	if (v == NULL &&
	    (json_error_code(&jerr) == json_error_out_of_memory || jerr.text[0] == '\0'))
		return kv_fail(c, WRIT_ENOMEM, "parse stored record");
	if (v == NULL || !json_is_object(v)) {
		json_decref(v);
		return kv_fail(c, WRIT_EINTERNAL, "stored record does not parse");
	}
	*out = v;
	return WRIT_OK;
}

writ_rc
kv_get(struct kv_ctx *c, struct writ_txn *txn, const char *key, json_t **out)
{
	unsigned char *val = NULL;
	size_t len = 0;
	writ_rc rc;

	if (key == NULL)
		return kv_fail(c, WRIT_ENOMEM, "key");
	if (txn != NULL)
		rc = writ_txn_get(txn, c->req->arena, key, &val, &len, &c->err);
	else
		rc = writ_store_get(c->store, c->req->arena, key, &val, &len, &c->err);
	if (rc == WRIT_ENOTFOUND) {
		c->err.msg[0] = '\0';
		return rc;
	}
	if (rc != WRIT_OK)
		return kv_fail(c, rc, "read");
	rc = record_parse(c, val, len, out);
	writ_memzero(val, len);
	return rc;
}

/* Serialise v (writ_json_append: no printf, no jansson dump) and put it at key. */
writ_rc
kv_put(struct kv_ctx *c, struct writ_txn *txn, const char *key, json_t *v)
{
	struct writ_buf buf;
	writ_rc rc;

	writ_buf_init(&buf, WRIT_STORE_VALUE_MAX);
	buf.secret = true;
	if (key == NULL) {
		rc = kv_fail(c, WRIT_ENOMEM, "key");
		goto out;
	}
	if ((rc = writ_json_append(&buf, v)) != WRIT_OK) {
		rc = kv_fail(c, rc, "serialise");
		goto out;
	}
	rc = writ_txn_put(txn, key, buf.ptr, buf.len, &c->err);
	if (rc != WRIT_OK)
		rc = kv_fail(c, rc, "write");
out:
	writ_buf_free(&buf);
	return rc;
}

writ_rc
kv_del(struct kv_ctx *c, struct writ_txn *txn, const char *key)
{
	writ_rc rc;

	if (key == NULL)
		return kv_fail(c, WRIT_ENOMEM, "key");
	rc = writ_txn_delete(txn, key, &c->err);
	if (rc == WRIT_ENOTFOUND) {
		c->err.msg[0] = '\0';
		return WRIT_OK;
	}
	return rc == WRIT_OK ? rc : kv_fail(c, rc, "delete");
}

writ_rc
kv_begin(struct kv_ctx *c, struct writ_txn **out)
{
	writ_rc rc = writ_txn_begin(c->store, out, &c->err);

	return rc == WRIT_OK ? rc : kv_fail(c, rc, "begin");
}

writ_rc
kv_commit(struct kv_ctx *c, struct writ_txn **txn)
{
	uint64_t seq = 0;
	writ_rc rc;

	rc = writ_txn_commit(*txn, &seq, &c->err);
	*txn = NULL;
	if (rc != WRIT_OK)
		return kv_fail(c, rc, "commit");
	c->resp->store_seq = seq;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Configuration and metadata records.
 */

/* A record that does not unpack: out of memory, or corrupt. */
static writ_rc
unpack_fail(struct kv_ctx *c, const json_error_t *jerr, const char *what)
{
	return kv_fail(c,
	    json_error_code(jerr) == json_error_out_of_memory ? WRIT_ENOMEM : WRIT_EINTERNAL, what);
}

writ_rc
kv_config_load(struct kv_ctx *c, struct writ_txn *txn, struct kv_config *out)
{
	json_int_t maxv = 0, dva = 0;
	json_error_t jerr = {0};
	int cas = 0, bad;
	json_t *root = NULL;
	writ_rc rc;

	memset(out, 0, sizeof(*out));
	rc = kv_get(c, txn, kv_key(c, "config", ""), &root);
	if (rc == WRIT_ENOTFOUND)
		return WRIT_OK;
	if (rc != WRIT_OK)
		return rc;
	bad = json_unpack_ex(root, &jerr, 0, "{s:I,s:b,s:I}", "max_versions", &maxv, "cas_required",
	    &cas, "delete_version_after", &dva);
	json_decref(root);
	if (bad != 0)
		return unpack_fail(c, &jerr, "config record is malformed");
	if (maxv < 0 || maxv > UINT32_MAX)
		return kv_fail(c, WRIT_EINTERNAL, "config record is malformed");
	out->max_versions = (uint32_t)maxv;
	out->cas_required = cas != 0;
	out->dva = dva;
	return WRIT_OK;
}

writ_rc
kv_config_save(struct kv_ctx *c, struct writ_txn *txn, const struct kv_config *cfg)
{
	json_t *root;
	writ_rc rc;

	root = json_pack("{s:I,s:b,s:I}", "max_versions", (json_int_t)cfg->max_versions,
	    "cas_required", cfg->cas_required, "delete_version_after", (json_int_t)cfg->dva);
	if (root == NULL)
		return kv_fail(c, WRIT_ENOMEM, "config record");
	rc = kv_put(c, txn, kv_key(c, "config", ""), root);
	json_decref(root);
	return rc;
}

writ_rc
kv_meta_load(struct kv_ctx *c, struct writ_txn *txn, struct kv_meta *meta)
{
	json_t *root = NULL;
	writ_rc rc;

	memset(meta, 0, sizeof(*meta));
	rc = kv_get(c, txn, kv_key(c, "meta/", c->path), &root);
	if (rc == WRIT_ENOTFOUND)
		return WRIT_OK;
	if (rc != WRIT_OK)
		return rc;
	rc = meta_parse(c, root, meta);
	json_decref(root);
	if (rc != WRIT_OK)
		kv_meta_clear(meta);
	return rc;
}

static writ_rc
meta_parse(struct kv_ctx *c, json_t *root, struct kv_meta *meta)
{
	json_int_t cur = 0, old = 0, maxv = 0, dva = 0, ct = 0, ut = 0;
	json_t *custom = NULL, *vers = NULL;
	json_error_t jerr = {0};
	int cas = 0;

	if (json_unpack_ex(root, &jerr, 0, "{s:I,s:I,s:I,s:b,s:I,s:I,s:I,s:o,s:o}",
	        "current_version", &cur, "oldest_version", &old, "max_versions", &maxv,
	        "cas_required", &cas, "delete_version_after", &dva, "created_ns", &ct, "updated_ns",
	        &ut, "custom_metadata", &custom, "versions", &vers) != 0)
		return unpack_fail(c, &jerr, "metadata record is malformed");
	if (cur < 0 || old < 0 || maxv < 0 || maxv > UINT32_MAX || dva < 0 ||
	    !json_is_object(vers) || !(json_is_object(custom) || json_is_null(custom)))
		return kv_fail(c, WRIT_EINTERNAL, "metadata record is malformed");
	meta->exists = true;
	meta->current = (uint64_t)cur;
	meta->oldest = (uint64_t)old;
	meta->max_versions = (uint32_t)maxv;
	meta->cas_required = cas != 0;
	meta->dva = dva;
	meta->ctime = ct;
	meta->utime = ut;
	if (json_is_object(custom) && json_object_size(custom) > 0)
		meta->custom = json_incref(custom);
	return versions_parse(c, vers, meta);
}

static writ_rc
versions_parse(struct kv_ctx *c, json_t *obj, struct kv_meta *meta)
{
	size_t n = json_object_size(obj), i = 0;
	const char *k;
	json_t *v;

	if (n == 0)
		return WRIT_OK;
	meta->vers = writ_arena_calloc(c->req->arena, n, sizeof(*meta->vers));
	if (meta->vers == NULL)
		return kv_fail(c, WRIT_ENOMEM, "metadata versions");
	json_object_foreach(obj, k, v)
	{
		json_int_t ct = 0, dt = 0;
		json_error_t jerr = {0};
		int destroyed = 0;
		uint64_t num = 0;

		if (WRIT_NEVER(i >= n) || writ_parse_u64(k, strlen(k), &num) != WRIT_OK || num == 0)
			return kv_fail(c, WRIT_EINTERNAL, "metadata version is malformed");
		if (json_unpack_ex(v, &jerr, 0, "{s:I,s:I,s:b}", "created_ns", &ct, "deletion_ns",
		        &dt, "destroyed", &destroyed) != 0)
			return unpack_fail(c, &jerr, "metadata version is malformed");
		meta->vers[i].num = num;
		meta->vers[i].ctime = ct;
		meta->vers[i].dtime = dt;
		meta->vers[i].destroyed = destroyed != 0;
		i++;
	}
	meta->nvers = i;
	qsort(meta->vers, meta->nvers, sizeof(*meta->vers), version_cmp);
	return WRIT_OK;
}

static int
version_cmp(const void *a, const void *b)
{
	const struct kv_version *x = a, *y = b;

	return x->num < y->num ? -1 : x->num > y->num;
}

writ_rc
kv_meta_save(struct kv_ctx *c, struct writ_txn *txn, const struct kv_meta *meta)
{
	json_t *root, *vers;
	writ_rc rc;

	if ((vers = versions_json(meta)) == NULL)
		return kv_fail(c, WRIT_ENOMEM, "metadata record");
	root = json_pack("{s:i,s:I,s:I,s:I,s:b,s:I,s:I,s:I,s:O?,s:o}", "v", 1, "current_version",
	    (json_int_t)meta->current, "oldest_version", (json_int_t)meta->oldest, "max_versions",
	    (json_int_t)meta->max_versions, "cas_required", meta->cas_required,
	    "delete_version_after", (json_int_t)meta->dva, "created_ns", (json_int_t)meta->ctime,
	    "updated_ns", (json_int_t)meta->utime, "custom_metadata", meta->custom, "versions",
	    vers);
	if (root == NULL)
		return kv_fail(c, WRIT_ENOMEM, "metadata record");
	rc = kv_put(c, txn, kv_key(c, "meta/", c->path), root);
	json_decref(root);
	return rc;
}

static json_t *
versions_json(const struct kv_meta *meta)
{
	json_t *obj = json_object();
	char num[24];
	size_t i;

	for (i = 0; obj != NULL && i < meta->nvers; i++) {
		const struct kv_version *v = &meta->vers[i];

		snprintf(num, sizeof(num), "%llu", (unsigned long long)v->num);
		if (json_object_set_new(obj, num,
		        json_pack("{s:I,s:I,s:b}", "created_ns", (json_int_t)v->ctime,
		            "deletion_ns", (json_int_t)v->dtime, "destroyed", v->destroyed)) != 0) {
			json_decref(obj);
			return NULL;
		}
	}
	return obj;
}

void
kv_meta_clear(struct kv_meta *meta)
{
	json_decref(meta->custom);
	meta->custom = NULL;
}

struct kv_version *
kv_meta_find(const struct kv_meta *meta, uint64_t num)
{
	size_t lo = 0, hi = meta->nvers;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (meta->vers[mid].num == num)
			return &meta->vers[mid];
		if (meta->vers[mid].num < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---------------------------------------------------------------------------
 * Values and formats.
 */

int64_t
kv_now(void)
{
	int64_t sec;
	long nsec;

	writ_time_now_ns(&sec, &nsec);
	return sec * KV_NS + nsec;
}

bool
kv_version_gone(const struct kv_version *v, int64_t now)
{
	return v->destroyed || (v->dtime != 0 && v->dtime <= now);
}

/*
 * Vault's rule: the smaller non-zero of the mount's and the secret's
 * delete_version_after applies, unless the mount disabled it.
 */
int64_t
kv_deletion_time(const struct kv_config *cfg, const struct kv_meta *meta, int64_t from)
{
	int64_t d = 0;

	if (cfg->dva == KV_DVA_DISABLED)
		return 0;
	if (meta->dva > 0)
		d = meta->dva;
	if (cfg->dva > 0 && (d == 0 || cfg->dva < d))
		d = cfg->dva;
	if (d == 0)
		return 0;
	return from + d * KV_NS;
}

void
kv_time_str(int64_t ns, char buf[KV_TIME_LEN])
{
	if (ns <= 0) {
		buf[0] = '\0';
		return;
	}
	writ_time_rfc3339(buf, KV_TIME_LEN, ns / KV_NS, (long)(ns % KV_NS));
}

void
kv_duration_str(int64_t secs, char buf[KV_DUR_LEN])
{
	const char *sign = secs < 0 ? "-" : "";
	uint64_t s = secs < 0 ? (uint64_t)0 - (uint64_t)secs : (uint64_t)secs;
	unsigned long long h = s / 3600, m = (s % 3600) / 60, r = s % 60;

	if (h > 0)
		snprintf(buf, KV_DUR_LEN, "%s%lluh%llum%llus", sign, h, m, r);
	else if (m > 0)
		snprintf(buf, KV_DUR_LEN, "%s%llum%llus", sign, m, r);
	else
		snprintf(buf, KV_DUR_LEN, "%s%llus", sign, r);
}

json_t *
kv_custom_json(const struct kv_meta *meta)
{
	return meta->custom != NULL ? json_incref(meta->custom) : json_null();
}

json_t *
kv_version_json(const struct kv_meta *meta, const struct kv_version *v)
{
	char ct[KV_TIME_LEN], dt[KV_TIME_LEN];

	kv_time_str(v->ctime, ct);
	kv_time_str(v->dtime, dt);
	return json_pack("{s:s,s:o,s:s,s:b,s:I}", "created_time", ct, "custom_metadata",
	    kv_custom_json(meta), "deletion_time", dt, "destroyed", v->destroyed, "version",
	    (json_int_t)v->num);
}

writ_rc
kv_query_u64(struct kv_ctx *c, const char *name, uint64_t *out)
{
	const char *s = writ_req_query(c->req, name);
	uint64_t v;

	*out = 0;
	if (s == NULL || s[0] == '\0')
		return WRIT_OK;
	if (s[0] == '-') {
		if (writ_parse_u64(s + 1, strlen(s + 1), &v) != WRIT_OK)
			return kv_bad(c, "invalid %s parameter", name);
		return WRIT_OK;
	}
	if (writ_parse_u64(s, strlen(s), &v) != WRIT_OK || v > INT64_MAX)
		return kv_bad(c, "invalid %s parameter", name);
	*out = v;
	return WRIT_OK;
}
