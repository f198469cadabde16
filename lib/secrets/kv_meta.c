/* SPDX-License-Identifier: Apache-2.0 */
/*
 * KV v2 engine configuration and per-secret metadata: config read/write,
 * metadata read, write (replace given fields), patch (JSON merge patch of
 * the patchable fields, null removes), delete (the secret and every version
 * in one transaction), and LIST of one folder level.
 *
 * LIST walks "meta/<folder>/" in pages through a scratch arena reset between
 * pages, and skips a whole subfolder with one store call once its name is
 * known, so memory stays bounded by one page however many secrets exist.
 */
#include <stdio.h>
#include <string.h>

#include "writ/base.h"
#include "writ/kv.h"
#include "writ/store.h"

#include "secrets/kv_int.h"

/* The settings shared by config and metadata writes, as parsed from a body. */
struct settings {
	bool has_max, has_cas, has_dva;
	uint32_t max_versions;
	bool cas_required;
	int64_t dva;
};

/* State of one LIST walk. */
struct list_walk {
	char prefix[WRIT_STORE_KEY_MAX + 1];
	size_t plen;
	char after[WRIT_STORE_KEY_MAX + 2];
	bool has_after;
	size_t limit;
	bool capped; /* limit is WRIT_KV_LIST_MAX, not the caller's */
	json_t *keys;
	bool done;
};

static writ_rc settings_parse(struct kv_ctx *c, bool patch, bool signed_dva, struct settings *s);
static writ_rc dva_parse(struct kv_ctx *c, json_t *v, bool signed_dva, int64_t *out);
static bool custom_given(struct kv_ctx *c, bool patch);
static writ_rc custom_parse(struct kv_ctx *c, bool patch, json_t *base, json_t **out);
static writ_rc custom_value(struct kv_ctx *c, const char *k, json_t *v, json_t **out);
static writ_rc custom_check(struct kv_ctx *c, json_t *obj);
static writ_rc meta_update(struct kv_ctx *c, bool patch);
static writ_rc meta_apply(
    struct kv_ctx *c, struct kv_meta *meta, const struct settings *s, bool patch);
static json_t *meta_json(const struct kv_meta *meta);
static writ_rc list_init(struct kv_ctx *c, struct list_walk *w);
static writ_rc list_page(struct kv_ctx *c, struct writ_arena *scratch, struct list_walk *w);
static writ_rc list_take(struct kv_ctx *c, struct list_walk *w, const char *key);

static const char cas_warning[] =
    "\"cas_required\" set to false, but is mandated by backend config. This value will be "
    "ignored.";

static const char list_warning[] =
    "list truncated: continue with the after parameter set to the last key";

/* ---------------------------------------------------------------------------
 * Settings.
 */

/*
 * delete_version_after: seconds or a duration ("1h30m").  On the mount a
 * negative value disables the feature; on a secret it is an error.
 */
static writ_rc
dva_parse(struct kv_ctx *c, json_t *v, bool signed_dva, int64_t *out)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	bool neg = (json_is_integer(v) && json_integer_value(v) < 0) || (s != NULL && s[0] == '-');
	json_t *abs = NULL;
	int64_t d = 0;
	writ_rc rc;

	if (neg && !signed_dva)
		return kv_bad(c, "delete_version_after cannot be negative");
	if (neg && s != NULL) {
		if ((abs = json_string(s + 1)) == NULL)
			return kv_fail(c, WRIT_ENOMEM, "delete_version_after");
		rc = writ_json_as_duration(abs, &d);
		json_decref(abs);
		if (rc != WRIT_OK)
			return kv_bad(c, "invalid delete_version_after");
	} else if (!neg && writ_json_as_duration(v, &d) != WRIT_OK) {
		return kv_bad(c, "invalid delete_version_after");
	}
	if (d > KV_DVA_MAX)
		return kv_bad(c, "delete_version_after is too large");
	*out = neg ? KV_DVA_DISABLED : d;
	return WRIT_OK;
}

/*
 * Parse max_versions, cas_required and delete_version_after from the body.
 * A JSON null is "not given" on write and "reset to the default" on patch.
 */
static writ_rc
settings_parse(struct kv_ctx *c, bool patch, bool signed_dva, struct settings *s)
{
	json_t *body = c->req->body, *v;
	int64_t n;

	memset(s, 0, sizeof(*s));
	v = json_object_get(body, "max_versions");
	if (v != NULL && (!json_is_null(v) || patch)) {
		s->has_max = true;
		if (!json_is_null(v) && writ_json_as_int(v, &n) != WRIT_OK)
			return kv_bad(c, "invalid max_versions");
		if (!json_is_null(v) && (n < 0 || n > WRIT_KV_MAX_VERSIONS))
			return kv_bad(
			    c, "max_versions must be between 0 and %d", WRIT_KV_MAX_VERSIONS);
		s->max_versions = json_is_null(v) ? 0 : (uint32_t)n;
	}
	v = json_object_get(body, "cas_required");
	if (v != NULL && (!json_is_null(v) || patch)) {
		s->has_cas = true;
		if (!json_is_null(v) && writ_json_as_bool(v, &s->cas_required) != WRIT_OK)
			return kv_bad(c, "invalid cas_required");
	}
	v = json_object_get(body, "delete_version_after");
	if (v != NULL && (!json_is_null(v) || patch)) {
		s->has_dva = true;
		if (!json_is_null(v))
			return dva_parse(c, v, signed_dva, &s->dva);
	}
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Engine configuration.
 */

writ_rc
kv_config_read(struct kv_ctx *c)
{
	struct kv_config cfg;
	char dva[KV_DUR_LEN];
	writ_rc rc;

	if ((rc = kv_config_load(c, NULL, &cfg)) != WRIT_OK)
		return rc;
	kv_duration_str(cfg.dva, dva);
	c->resp->data = json_pack("{s:b,s:s,s:I}", "cas_required", cfg.cas_required,
	    "delete_version_after", dva, "max_versions", (json_int_t)cfg.max_versions);
	if (c->resp->data == NULL)
		return kv_fail(c, WRIT_ENOMEM, "config response");
	return WRIT_OK;
}

writ_rc
kv_config_write(struct kv_ctx *c)
{
	struct writ_txn *txn = NULL;
	struct kv_config cfg;
	struct settings s;
	writ_rc rc;

	if ((rc = settings_parse(c, false, true, &s)) != WRIT_OK)
		goto out;
	c->resp->status = 204;
	if (!s.has_max && !s.has_cas && !s.has_dva)
		goto out;
	if ((rc = kv_begin(c, &txn)) != WRIT_OK)
		goto out;
	if ((rc = kv_config_load(c, txn, &cfg)) != WRIT_OK)
		goto out;
	if (s.has_max)
		cfg.max_versions = s.max_versions;
	if (s.has_cas)
		cfg.cas_required = s.cas_required;
	if (s.has_dva)
		cfg.dva = s.dva;
	if ((rc = kv_config_save(c, txn, &cfg)) != WRIT_OK)
		goto out;
	rc = kv_commit(c, &txn);
out:
	writ_txn_abort(txn);
	return rc;
}

/* ---------------------------------------------------------------------------
 * custom_metadata.
 */

/* One value as Vault's weak decoding to string would give it. */
static writ_rc
custom_value(struct kv_ctx *c, const char *k, json_t *v, json_t **out)
{
	char num[40];

	if (json_is_string(v)) {
		*out = json_incref(v);
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		*out = json_string(num);
	} else if (json_is_real(v)) {
		snprintf(num, sizeof(num), "%.17g", json_real_value(v));
		*out = json_string(num);
	} else if (json_is_boolean(v)) {
		*out = json_string(json_is_true(v) ? "1" : "0");
	} else {
		return kv_bad(c,
		    "custom_metadata validation failed: value for key \"%.128s\" "
		    "must be a string",
		    k);
	}
	return *out != NULL ? WRIT_OK : kv_fail(c, WRIT_ENOMEM, "custom_metadata");
}

static writ_rc
custom_check(struct kv_ctx *c, json_t *obj)
{
	const char *k, *p;
	json_t *v;
	size_t klen, vlen;

	if (json_object_size(obj) > WRIT_KV_CM_MAX_KEYS)
		return kv_bad(c,
		    "custom_metadata validation failed: payload must contain at most "
		    "%d keys, provided %zu",
		    WRIT_KV_CM_MAX_KEYS, json_object_size(obj));
	json_object_foreach(obj, k, v)
	{
		klen = strlen(k);
		vlen = json_string_length(v);
		if (klen == 0 || klen > WRIT_KV_CM_KEY_MAX)
			return kv_bad(c,
			    "custom_metadata validation failed: length of key "
			    "\"%.128s\" is %zu but must be 0 < len(key) <= %d",
			    k, klen, WRIT_KV_CM_KEY_MAX);
		if (vlen == 0 || vlen > WRIT_KV_CM_VALUE_MAX)
			return kv_bad(c,
			    "custom_metadata validation failed: length of value for "
			    "key \"%.128s\" is %zu but must be 0 < len(value) <= %d",
			    k, vlen, WRIT_KV_CM_VALUE_MAX);
		for (p = k; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return kv_bad(c,
				    "custom_metadata validation failed: key "
				    "contains unprintable characters");
		for (p = json_string_value(v); p < json_string_value(v) + vlen; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return kv_bad(c,
				    "custom_metadata validation failed: value for "
				    "key \"%.128s\" contains unprintable characters",
				    k);
	}
	return WRIT_OK;
}

/* Whether the body sets custom_metadata (null only counts on patch). */
static bool
custom_given(struct kv_ctx *c, bool patch)
{
	json_t *v = json_object_get(c->req->body, "custom_metadata");

	return v != NULL && (patch || !json_is_null(v));
}

/*
 * The custom_metadata that results from the body: on write the given object
 * replaces the old one; on patch it is merged into base (null removes a key,
 * a null object removes all).  *out is NULL when the result is empty.
 */
static writ_rc
custom_parse(struct kv_ctx *c, bool patch, json_t *base, json_t **out)
{
	json_t *in = json_object_get(c->req->body, "custom_metadata"), *res = NULL, *v, *sv = NULL;
	const char *k;
	writ_rc rc = WRIT_OK;

	*out = NULL;
	if (json_is_null(in))
		return WRIT_OK;
	if (!json_is_object(in))
		return kv_bad(c, "custom_metadata must be a JSON object");
	res = patch && base != NULL ? json_copy(base) : json_object();
	if (res == NULL)
		return kv_fail(c, WRIT_ENOMEM, "custom_metadata");
	json_object_foreach(in, k, v)
	{
		if (json_is_null(v)) {
			if (!patch)
				rc = kv_bad(c,
				    "custom_metadata validation failed: value for key "
				    "\"%.128s\" must be a string",
				    k);
			else
				(void)json_object_del(res, k);
		} else if ((rc = custom_value(c, k, v, &sv)) == WRIT_OK &&
		    json_object_set_new(res, k, sv) != 0) {
			rc = kv_fail(c, WRIT_ENOMEM, "custom_metadata");
		}
		if (rc != WRIT_OK)
			break;
	}
	if (rc == WRIT_OK)
		rc = custom_check(c, res);
	if (rc != WRIT_OK || json_object_size(res) == 0) {
		json_decref(res);
		return rc;
	}
	*out = res;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Metadata endpoints.
 */

static json_t *
meta_json(const struct kv_meta *meta)
{
	char ct[KV_TIME_LEN], ut[KV_TIME_LEN], dt[KV_TIME_LEN], dva[KV_DUR_LEN], num[24];
	json_t *vers = json_object();
	size_t i;

	for (i = 0; vers != NULL && i < meta->nvers; i++) {
		const struct kv_version *v = &meta->vers[i];

		kv_time_str(v->ctime, ct);
		kv_time_str(v->dtime, dt);
		snprintf(num, sizeof(num), "%llu", (unsigned long long)v->num);
		if (json_object_set_new(vers, num,
		        json_pack("{s:s,s:s,s:b}", "created_time", ct, "deletion_time", dt,
		            "destroyed", v->destroyed)) != 0) {
			json_decref(vers);
			vers = NULL;
		}
	}
	kv_time_str(meta->ctime, ct);
	kv_time_str(meta->utime, ut);
	kv_duration_str(meta->dva, dva);
	return json_pack("{s:b,s:s,s:I,s:o,s:s,s:I,s:I,s:s,s:o}", "cas_required",
	    meta->cas_required, "created_time", ct, "current_version", (json_int_t)meta->current,
	    "custom_metadata", kv_custom_json(meta), "delete_version_after", dva, "max_versions",
	    (json_int_t)meta->max_versions, "oldest_version", (json_int_t)meta->oldest,
	    "updated_time", ut, "versions", vers);
}

writ_rc
kv_meta_read(struct kv_ctx *c)
{
	struct kv_meta meta = {0};
	writ_rc rc;

	if ((rc = kv_meta_load(c, NULL, &meta)) != WRIT_OK)
		goto out;
	if (!meta.exists) {
		rc = kv_not_found(c);
		goto out;
	}
	if ((c->resp->data = meta_json(&meta)) == NULL)
		rc = kv_fail(c, WRIT_ENOMEM, "metadata response");
out:
	kv_meta_clear(&meta);
	return rc;
}

writ_rc
kv_meta_write(struct kv_ctx *c)
{
	return meta_update(c, false);
}

writ_rc
kv_meta_patch(struct kv_ctx *c)
{
	return meta_update(c, true);
}

/* Apply parsed settings and the body's custom_metadata to meta. */
static writ_rc
meta_apply(struct kv_ctx *c, struct kv_meta *meta, const struct settings *s, bool patch)
{
	json_t *custom = NULL;
	writ_rc rc;

	if (s->has_max)
		meta->max_versions = s->max_versions;
	if (s->has_cas)
		meta->cas_required = s->cas_required;
	if (s->has_dva)
		meta->dva = s->dva;
	if (!custom_given(c, patch))
		return WRIT_OK;
	if ((rc = custom_parse(c, patch, meta->custom, &custom)) != WRIT_OK)
		return rc;
	json_decref(meta->custom);
	meta->custom = custom;
	return WRIT_OK;
}

/*
 * Write (replace the given fields; creates the record, as Vault does, only
 * when some field is given) or patch (the record must exist).
 */
static writ_rc
meta_update(struct kv_ctx *c, bool patch)
{
	struct kv_meta meta = {0};
	struct kv_config cfg;
	struct writ_txn *txn = NULL;
	struct settings s;
	int64_t now = kv_now();
	writ_rc rc;

	if ((rc = settings_parse(c, patch, false, &s)) != WRIT_OK)
		goto out;
	c->resp->status = 204;
	if (!patch && !s.has_max && !s.has_cas && !s.has_dva && !custom_given(c, false))
		goto out;
	if ((rc = kv_begin(c, &txn)) != WRIT_OK)
		goto out;
	if ((rc = kv_config_load(c, txn, &cfg)) != WRIT_OK ||
	    (rc = kv_meta_load(c, txn, &meta)) != WRIT_OK)
		goto out;
	if (patch && !meta.exists) {
		rc = kv_not_found(c);
		goto out;
	}
	if (!meta.exists) {
		meta.exists = true;
		meta.ctime = meta.utime = now;
	}
	if ((rc = meta_apply(c, &meta, &s, patch)) != WRIT_OK ||
	    (rc = kv_meta_save(c, txn, &meta)) != WRIT_OK)
		goto out;
	if (s.has_cas && !s.cas_required && cfg.cas_required &&
	    (c->resp->warnings = json_pack("[s]", cas_warning)) == NULL) {
		rc = kv_fail(c, WRIT_ENOMEM, "warning");
		goto out;
	}
	if ((rc = kv_commit(c, &txn)) != WRIT_OK)
		goto out;
	if (c->resp->warnings != NULL)
		c->resp->status = 200;
out:
	writ_txn_abort(txn);
	kv_meta_clear(&meta);
	return rc;
}

writ_rc
kv_meta_delete(struct kv_ctx *c)
{
	struct kv_meta meta = {0};
	struct writ_txn *txn = NULL;
	size_t i;
	writ_rc rc;

	if ((rc = kv_begin(c, &txn)) != WRIT_OK)
		goto out;
	if ((rc = kv_meta_load(c, txn, &meta)) != WRIT_OK)
		goto out;
	c->resp->status = 204;
	if (!meta.exists)
		goto out;
	for (i = 0; i < meta.nvers; i++) {
		if (meta.vers[i].destroyed)
			continue;
		rc = kv_del(c, txn, kv_ver_key(c, c->path, meta.vers[i].num));
		if (rc != WRIT_OK)
			goto out;
	}
	if ((rc = kv_del(c, txn, kv_key(c, "meta/", c->path))) != WRIT_OK)
		goto out;
	rc = kv_commit(c, &txn);
out:
	writ_txn_abort(txn);
	kv_meta_clear(&meta);
	return rc;
}

/* ---------------------------------------------------------------------------
 * LIST.
 */

/* Prefix "<mount>meta/<folder>/", ?after= (a name in the folder) and ?limit=. */
static writ_rc
list_init(struct kv_ctx *c, struct list_walk *w)
{
	const char *after = writ_req_query(c->req, "after");
	uint64_t limit;
	int n;
	writ_rc rc;

	n = snprintf(w->prefix, sizeof(w->prefix), "%smeta/%s%s", c->req->mount->storage_prefix,
	    c->path, c->path[0] != '\0' ? "/" : "");
	if (n < 0 || (size_t)n >= sizeof(w->prefix))
		return kv_bad(c, "path is too long");
	w->plen = (size_t)n;
	if ((rc = kv_query_u64(c, "limit", &limit)) != WRIT_OK)
		return rc;
	w->capped = limit == 0 || limit > WRIT_KV_LIST_MAX;
	w->limit = w->capped ? WRIT_KV_LIST_MAX : (size_t)limit;
	if (after == NULL || after[0] == '\0')
		return WRIT_OK;
	if (!kv_utf8_ok(after, strlen(after)))
		return kv_bad(c, "invalid after parameter");
	/* A folder name skips its whole subtree (0xff never occurs in UTF-8). */
	n = snprintf(w->after, sizeof(w->after), "%s%s%s", w->prefix, after,
	    after[strlen(after) - 1] == '/' ? "\xff" : "");
	if (n < 0 || (size_t)n >= sizeof(w->after))
		return kv_bad(c, "invalid after parameter");
	w->has_after = true;
	return WRIT_OK;
}

/*
 * Take one listed key: a direct child is a key; a deeper one names a folder
 * ("child/"), after which the walk jumps past the folder's subtree.  Returns
 * WRIT_EPARSE (resp untouched) to ask for a new page after a jump.
 */
static writ_rc
list_take(struct kv_ctx *c, struct list_walk *w, const char *key)
{
	const char *name = key + w->plen, *slash = strchr(name, '/');
	size_t len = slash != NULL ? (size_t)(slash - name) + 1 : strlen(name);
	int n;

	if (json_array_append_new(w->keys, json_stringn(name, len)) != 0)
		return kv_fail(c, WRIT_ENOMEM, "list");
	if (json_array_size(w->keys) >= w->limit)
		w->done = true;
	if (slash == NULL) {
		n = snprintf(w->after, sizeof(w->after), "%s", key);
	} else {
		n = snprintf(w->after, sizeof(w->after), "%.*s\xff", (int)(w->plen + len), key);
	}
	if (n < 0 || (size_t)n >= sizeof(w->after))
		return kv_fail(c, WRIT_EINTERNAL, "list key too long");
	w->has_after = true;
	return slash != NULL ? WRIT_EPARSE : WRIT_OK;
}

static writ_rc
list_page(struct kv_ctx *c, struct writ_arena *scratch, struct list_walk *w)
{
	char **keys = NULL;
	size_t nkeys = 0, i;
	writ_rc rc;

	writ_arena_reset(scratch);
	rc = writ_store_list(c->store, scratch, w->prefix, w->has_after ? w->after : NULL,
	    KV_LIST_PAGE, &keys, &nkeys, &c->err);
	if (rc != WRIT_OK)
		return kv_fail(c, rc, "list");
	for (i = 0; i < nkeys && !w->done; i++) {
		if (WRIT_NEVER(strncmp(keys[i], w->prefix, w->plen) != 0))
			return kv_fail(c, WRIT_EINTERNAL, "list returned a foreign key");
		rc = list_take(c, w, keys[i]);
		if (rc == WRIT_EPARSE)
			return WRIT_OK;
		if (rc != WRIT_OK)
			return rc;
	}
	if (nkeys < KV_LIST_PAGE)
		w->done = true;
	return WRIT_OK;
}

writ_rc
kv_list(struct kv_ctx *c)
{
	struct list_walk *w;
	struct writ_arena *scratch = NULL;
	writ_rc rc;

	if ((w = writ_arena_calloc(c->req->arena, 1, sizeof(*w))) == NULL) {
		rc = kv_fail(c, WRIT_ENOMEM, "list");
		goto out;
	}
	if ((rc = list_init(c, w)) != WRIT_OK)
		goto out;
	scratch = writ_arena_new(0, 0);
	if (scratch == NULL || (w->keys = json_array()) == NULL) {
		rc = kv_fail(c, WRIT_ENOMEM, "list");
		goto out;
	}
	while (!w->done && rc == WRIT_OK)
		rc = list_page(c, scratch, w);
	if (rc != WRIT_OK)
		goto out;
	if (json_array_size(w->keys) == 0) {
		rc = kv_not_found(c);
		goto out;
	}
	if (w->capped && json_array_size(w->keys) >= WRIT_KV_LIST_MAX &&
	    (c->resp->warnings = json_pack("[s]", list_warning)) == NULL) {
		rc = kv_fail(c, WRIT_ENOMEM, "list warning");
		goto out;
	}
	if ((c->resp->data = json_pack("{s:O}", "keys", w->keys)) == NULL)
		rc = kv_fail(c, WRIT_ENOMEM, "list response");
out:
	if (w != NULL)
		json_decref(w->keys);
	writ_arena_free(scratch);
	return rc;
}
