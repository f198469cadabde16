/* SPDX-License-Identifier: Apache-2.0 */
/*
 * KV v2 secret data: read (latest or ?version=N), write with check-and-set,
 * JSON merge patch (RFC 7386) of the latest version, soft delete of the
 * latest version, delete / undelete / destroy of listed versions, and
 * subkeys.  Every mutation runs in one store transaction: the metadata is
 * read through it, checked, and the new version, the metadata and the
 * pruning of versions beyond max_versions are committed together, so a
 * failure anywhere leaves the secret exactly as it was.
 */
#include <string.h>

#include "writ/base.h"
#include "writ/kv.h"
#include "writ/store.h"

#include "secrets/kv_int.h"

enum vop {
	VOP_DELETE,
	VOP_UNDELETE,
	VOP_DESTROY,
};

static writ_rc cas_check(struct kv_ctx *c, const struct kv_config *cfg, const struct kv_meta *meta);
static writ_rc body_data(struct kv_ctx *c, json_t **out);
static writ_rc patch_build(
    struct kv_ctx *c, struct writ_txn *txn, struct kv_meta *meta, json_t *patch, json_t **out);
static int merge_patch(json_t *target, json_t *patch, int depth);
static writ_rc version_add(struct kv_ctx *c, struct writ_txn *txn, const struct kv_config *cfg,
    struct kv_meta *meta, json_t *data);
static writ_rc prune(
    struct kv_ctx *c, struct writ_txn *txn, const struct kv_config *cfg, struct kv_meta *meta);
static writ_rc data_write(struct kv_ctx *c, bool patch);
static writ_rc int_str(const char *s, int64_t *out);
static writ_rc versions_arg(struct kv_ctx *c, uint64_t **out, size_t *n, const char *missing);
static writ_rc versions_op(struct kv_ctx *c, enum vop op);
static void vop_apply(const struct kv_config *cfg, struct kv_meta *meta, struct kv_version *v,
    enum vop op, int64_t now);
static json_t *subkeys_of(json_t *obj, uint64_t depth, uint64_t max);
static writ_rc version_lookup(
    struct kv_ctx *c, struct kv_meta *meta, const char *field, struct kv_version **out);

/* ---------------------------------------------------------------------------
 * Read.
 */

/*
 * Find the version a read asks for (?version=N, else the latest) and answer
 * the 404 cases: no such secret or version ({"errors": []}); deleted or
 * destroyed ({"data": {field: null, "metadata": {...}}}).
 */
static writ_rc
version_lookup(struct kv_ctx *c, struct kv_meta *meta, const char *field, struct kv_version **out)
{
	struct kv_version *v;
	uint64_t num;
	writ_rc rc;

	if ((rc = kv_query_u64(c, "version", &num)) != WRIT_OK)
		return rc;
	if ((rc = kv_meta_load(c, NULL, meta)) != WRIT_OK)
		return rc;
	if (!meta->exists)
		return kv_not_found(c);
	if (num == 0)
		num = meta->current;
	if ((v = kv_meta_find(meta, num)) == NULL)
		return kv_not_found(c);
	if (kv_version_gone(v, kv_now()))
		return kv_gone(
		    c, json_pack("{s:n,s:o}", field, "metadata", kv_version_json(meta, v)));
	*out = v;
	return WRIT_OK;
}

writ_rc
kv_data_read(struct kv_ctx *c)
{
	struct kv_meta meta = {0};
	struct kv_version *v = NULL;
	json_t *rec = NULL;
	uint64_t gen = writ_store_commit_gen(c->store), want = 0;
	writ_rc rc;

	/* The generation is read before loading, so a later commit invalidates the entry. */
	if (kv_query_u64(c, "version", &want) == WRIT_OK &&
	    (c->resp->data = kv_cache_get(c, gen, want)) != NULL)
		return WRIT_OK;
	if ((rc = version_lookup(c, &meta, "data", &v)) != WRIT_OK)
		goto out;
	rc = kv_get(c, NULL, kv_ver_key(c, c->path, v->num), &rec);
	if (rc == WRIT_ENOTFOUND) {
		/* Destroyed or pruned between the two reads. */
		rc = kv_not_found(c);
		goto out;
	}
	if (rc != WRIT_OK)
		goto out;
	c->resp->data = json_pack("{s:O,s:o}", "data", json_object_get(rec, "data"), "metadata",
	    kv_version_json(&meta, v));
	if (c->resp->data == NULL)
		rc = kv_fail(c, WRIT_ENOMEM, "read response");
	else if (v->dtime == 0)
		kv_cache_put(c, gen, want, c->resp->data);
out:
	json_decref(rec);
	kv_meta_clear(&meta);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Write and patch.
 */

static writ_rc
body_data(struct kv_ctx *c, json_t **out)
{
	json_t *data = json_object_get(c->req->body, "data");

	if (data == NULL || json_is_null(data))
		return kv_bad(c, "no data provided");
	if (!json_is_object(data))
		return kv_bad(c, "data must be a JSON object");
	*out = data;
	return WRIT_OK;
}

/*
 * Vault's check-and-set: options.cas given must equal the current version
 * (0 when the secret has none); absent is refused when the mount or the
 * secret requires it.  A JSON null cas counts as 0, as in Vault.
 */
static writ_rc
cas_check(struct kv_ctx *c, const struct kv_config *cfg, const struct kv_meta *meta)
{
	json_t *opts = json_object_get(c->req->body, "options"), *cas = NULL;
	int64_t v = 0;

	if (opts != NULL && !json_is_null(opts) && !json_is_object(opts))
		return kv_bad(c, "options must be a JSON object");
	if (json_is_object(opts))
		cas = json_object_get(opts, "cas");
	if (cas == NULL) {
		if (cfg->cas_required || meta->cas_required)
			return kv_bad(c, "check-and-set parameter required for this call");
		return WRIT_OK;
	}
	if (!json_is_null(cas) && writ_json_as_int(cas, &v) != WRIT_OK)
		return kv_bad(c, "error parsing check-and-set parameter");
	if (v < 0 || (uint64_t)v != meta->current)
		return writ_resp_err(c->resp, WRIT_ECONFLICT, 400,
		    "check-and-set parameter did not match the current version");
	return WRIT_OK;
}

writ_rc
kv_data_write(struct kv_ctx *c)
{
	return data_write(c, false);
}

writ_rc
kv_data_patch(struct kv_ctx *c)
{
	return data_write(c, true);
}

static writ_rc
data_write(struct kv_ctx *c, bool patch)
{
	struct kv_config cfg;
	struct kv_meta meta = {0};
	struct writ_txn *txn = NULL;
	json_t *data = NULL, *in, *reply = NULL;
	writ_rc rc;

	if ((rc = body_data(c, &in)) != WRIT_OK)
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
	if ((rc = cas_check(c, &cfg, &meta)) != WRIT_OK)
		goto out;
	if (patch)
		rc = patch_build(c, txn, &meta, in, &data);
	else
		data = json_incref(in);
	if (rc != WRIT_OK)
		goto out;
	if ((rc = version_add(c, txn, &cfg, &meta, data)) != WRIT_OK)
		goto out;
	/* Build the reply first: once committed, the write must not report failure. */
	reply = kv_version_json(&meta, kv_meta_find(&meta, meta.current));
	if (reply == NULL) {
		rc = kv_fail(c, WRIT_ENOMEM, "write response");
		goto out;
	}
	if ((rc = kv_commit(c, &txn)) != WRIT_OK)
		goto out;
	c->resp->data = reply;
	reply = NULL;
out:
	writ_txn_abort(txn);
	json_decref(reply);
	json_decref(data);
	kv_meta_clear(&meta);
	return rc;
}

/*
 * The patched data: the latest version's data with the merge patch applied.
 * 404 without body when there is no latest version; 404 with the version's
 * metadata (flat, as Vault answers a patch) when it is deleted or destroyed.
 */
static writ_rc
patch_build(
    struct kv_ctx *c, struct writ_txn *txn, struct kv_meta *meta, json_t *patch, json_t **out)
{
	struct kv_version *v = kv_meta_find(meta, meta->current);
	json_t *rec = NULL, *data = NULL;
	writ_rc rc;

	if (v == NULL)
		return kv_not_found(c);
	if (kv_version_gone(v, kv_now()))
		return kv_gone(c, kv_version_json(meta, v));
	rc = kv_get(c, txn, kv_ver_key(c, c->path, v->num), &rec);
	if (rc == WRIT_ENOTFOUND)
		rc = kv_fail(c, WRIT_EINTERNAL, "could not find version data");
	if (rc != WRIT_OK)
		goto out;
	data = json_deep_copy(json_object_get(rec, "data"));
	if (data == NULL || !json_is_object(data)) {
		rc = kv_fail(c, data == NULL ? WRIT_ENOMEM : WRIT_EINTERNAL, "patch target");
		goto out;
	}
	if (merge_patch(data, patch, 0) != 0) {
		rc = kv_fail(c, WRIT_ENOMEM, "merge patch");
		goto out;
	}
	*out = data;
	data = NULL;
out:
	json_decref(data);
	json_decref(rec);
	return rc;
}

/*
 * RFC 7386 on an object target, in place: null removes a member, an object
 * merges recursively (into {} when the member is not an object), anything
 * else replaces.  Returns -1 on allocation failure or excessive depth.
 */
static int
merge_patch(json_t *target, json_t *patch, int depth)
{
	const char *k;
	json_t *pv, *tv;

	if (depth > KV_JSON_DEPTH)
		return -1;
	json_object_foreach(patch, k, pv)
	{
		if (json_is_null(pv)) {
			(void)json_object_del(target, k);
			continue;
		}
		if (!json_is_object(pv)) {
			if (json_object_set(target, k, pv) != 0)
				return -1;
			continue;
		}
		tv = json_object_get(target, k);
		if (!json_is_object(tv)) {
			if (json_object_set_new(target, k, json_object()) != 0)
				return -1;
			tv = json_object_get(target, k);
		}
		if (merge_patch(tv, pv, depth + 1) != 0)
			return -1;
	}
	return 0;
}

/*
 * Append version current + 1 holding data (borrowed), store it, prune and
 * save the metadata, all in txn.
 */
static writ_rc
version_add(struct kv_ctx *c, struct writ_txn *txn, const struct kv_config *cfg,
    struct kv_meta *meta, json_t *data)
{
	struct kv_version *vers, *v;
	int64_t now = kv_now();
	json_t *rec;
	writ_rc rc;

	if (WRIT_NEVER(meta->current == UINT64_MAX || meta->nvers == SIZE_MAX))
		return kv_fail(c, WRIT_EINTERNAL, "version overflow");
	vers = writ_arena_calloc(c->req->arena, meta->nvers + 1, sizeof(*vers));
	if (vers == NULL)
		return kv_fail(c, WRIT_ENOMEM, "versions");
	if (meta->nvers > 0)
		memcpy(vers, meta->vers, meta->nvers * sizeof(*vers));
	v = &vers[meta->nvers];
	v->num = meta->current + 1;
	v->ctime = now;
	v->dtime = kv_deletion_time(cfg, meta, now);
	meta->vers = vers;
	meta->nvers++;
	meta->current = v->num;
	meta->utime = now;
	if (!meta->exists || meta->ctime == 0)
		meta->ctime = now;
	meta->exists = true;
	if ((rec = json_pack("{s:O}", "data", data)) == NULL)
		return kv_fail(c, WRIT_ENOMEM, "version record");
	rc = kv_put(c, txn, kv_ver_key(c, c->path, v->num), rec);
	json_decref(rec);
	if (rc != WRIT_OK)
		return rc;
	if ((rc = prune(c, txn, cfg, meta)) != WRIT_OK)
		return rc;
	return kv_meta_save(c, txn, meta);
}

/*
 * Vault's sliding window: with max = the larger of the secret's and the
 * mount's max_versions (10 when both are 0), once current - oldest >= max
 * every version up to current - max is removed and oldest moves past it.
 */
static writ_rc
prune(struct kv_ctx *c, struct writ_txn *txn, const struct kv_config *cfg, struct kv_meta *meta)
{
	uint64_t maxv =
	    meta->max_versions > cfg->max_versions ? meta->max_versions : cfg->max_versions;
	uint64_t last;
	size_t i = 0;
	writ_rc rc;

	if (maxv == 0)
		maxv = WRIT_KV_DEFAULT_VERSIONS;
	if (meta->current - meta->oldest < maxv)
		return WRIT_OK;
	last = meta->current - maxv;
	for (i = 0; i < meta->nvers && meta->vers[i].num <= last; i++) {
		if (meta->vers[i].destroyed)
			continue;
		rc = kv_del(c, txn, kv_ver_key(c, c->path, meta->vers[i].num));
		if (rc != WRIT_OK)
			return rc;
	}
	meta->vers += i;
	meta->nvers -= i;
	meta->oldest = last + 1;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Delete, undelete, destroy.
 */

writ_rc
kv_data_delete(struct kv_ctx *c)
{
	struct kv_meta meta = {0};
	struct writ_txn *txn = NULL;
	struct kv_version *v;
	int64_t now = kv_now();
	writ_rc rc;

	if ((rc = kv_begin(c, &txn)) != WRIT_OK)
		goto out;
	if ((rc = kv_meta_load(c, txn, &meta)) != WRIT_OK)
		goto out;
	c->resp->status = 204;
	v = meta.exists ? kv_meta_find(&meta, meta.current) : NULL;
	if (v == NULL || kv_version_gone(v, now))
		goto out;
	v->dtime = now;
	if ((rc = kv_meta_save(c, txn, &meta)) != WRIT_OK)
		goto out;
	rc = kv_commit(c, &txn);
out:
	writ_txn_abort(txn);
	kv_meta_clear(&meta);
	return rc;
}

/* A decimal integer with an optional '-' sign. */
static writ_rc
int_str(const char *s, int64_t *out)
{
	bool neg = s[0] == '-';
	uint64_t u;

	if (writ_parse_u64(s + neg, strlen(s + neg), &u) != WRIT_OK || u > INT64_MAX)
		return WRIT_EINVAL;
	*out = neg ? -(int64_t)u : (int64_t)u;
	return WRIT_OK;
}

/*
 * "versions" as Vault's TypeCommaIntSlice: an array of numbers or numeric
 * strings, one number, or a comma-separated string.  Numbers that are not
 * positive name no version and are dropped.
 */
static writ_rc
versions_arg(struct kv_ctx *c, uint64_t **out, size_t *n, const char *missing)
{
	json_t *v = json_object_get(c->req->body, "versions");
	char **strs = NULL;
	size_t i, cnt = 0, k = 0;
	uint64_t *vec;
	int64_t num;
	writ_rc rc;

	if (json_is_string(v)) {
		if (writ_json_as_strlist(c->req->arena, v, &strs, &cnt) != WRIT_OK)
			return kv_fail(c, WRIT_ENOMEM, "versions");
	} else if (json_is_array(v)) {
		cnt = json_array_size(v);
	} else if (json_is_number(v)) {
		cnt = 1;
	} else if (v != NULL && !json_is_null(v)) {
		return kv_bad(c, "invalid versions parameter");
	}
	if (cnt == 0)
		return kv_bad(c, "%s", missing);
	if ((vec = writ_arena_calloc(c->req->arena, cnt, sizeof(*vec))) == NULL)
		return kv_fail(c, WRIT_ENOMEM, "versions");
	for (i = 0; i < cnt; i++) {
		if (strs != NULL)
			rc = int_str(strs[i], &num);
		else
			rc = writ_json_as_int(json_is_array(v) ? json_array_get(v, i) : v, &num);
		if (rc != WRIT_OK)
			return kv_bad(c, "invalid versions parameter");
		if (num > 0)
			vec[k++] = (uint64_t)num;
	}
	*out = vec;
	*n = k;
	return WRIT_OK;
}

static void
vop_apply(const struct kv_config *cfg, struct kv_meta *meta, struct kv_version *v, enum vop op,
    int64_t now)
{
	switch (op) {
	case VOP_DELETE:
		if (!kv_version_gone(v, now))
			v->dtime = now;
		break;
	case VOP_UNDELETE:
		v->dtime = kv_deletion_time(cfg, meta, now);
		break;
	case VOP_DESTROY:
		v->destroyed = true;
		break;
	}
}

static writ_rc
versions_op(struct kv_ctx *c, enum vop op)
{
	static const char *const missing[] = {"No version number provided",
	    "No version number provided", "no version number provided"};
	struct kv_meta meta = {0};
	struct kv_config cfg;
	struct writ_txn *txn = NULL;
	struct kv_version *v;
	uint64_t *nums = NULL;
	size_t n = 0, i;
	int64_t now = kv_now();
	writ_rc rc;

	if ((rc = versions_arg(c, &nums, &n, missing[op])) != WRIT_OK)
		goto out;
	if ((rc = kv_begin(c, &txn)) != WRIT_OK)
		goto out;
	if ((rc = kv_config_load(c, txn, &cfg)) != WRIT_OK ||
	    (rc = kv_meta_load(c, txn, &meta)) != WRIT_OK)
		goto out;
	c->resp->status = 204;
	if (!meta.exists)
		goto out;
	for (i = 0; i < n; i++) {
		if ((v = kv_meta_find(&meta, nums[i])) == NULL || v->destroyed)
			continue;
		vop_apply(&cfg, &meta, v, op, now);
		if (op == VOP_DESTROY &&
		    (rc = kv_del(c, txn, kv_ver_key(c, c->path, v->num))) != WRIT_OK)
			goto out;
	}
	if ((rc = kv_meta_save(c, txn, &meta)) != WRIT_OK)
		goto out;
	rc = kv_commit(c, &txn);
out:
	writ_txn_abort(txn);
	kv_meta_clear(&meta);
	return rc;
}

writ_rc
kv_delete_versions(struct kv_ctx *c)
{
	return versions_op(c, VOP_DELETE);
}

writ_rc
kv_undelete_versions(struct kv_ctx *c)
{
	return versions_op(c, VOP_UNDELETE);
}

writ_rc
kv_destroy_versions(struct kv_ctx *c)
{
	return versions_op(c, VOP_DESTROY);
}

/* ---------------------------------------------------------------------------
 * Subkeys.
 */

/*
 * A copy of obj's keys with every leaf (non-object or empty object) and
 * every object at depth max (0 = no limit) replaced by null.  NULL on ENOMEM.
 */
static json_t *
subkeys_of(json_t *obj, uint64_t depth, uint64_t max)
{
	json_t *out = json_object(), *v, *sub;
	const char *k;

	json_object_foreach(obj, k, v)
	{
		if (out == NULL)
			break;
		if (json_is_object(v) && json_object_size(v) > 0 &&
		    (max == 0 || depth + 1 <= max) && depth < KV_JSON_DEPTH)
			sub = subkeys_of(v, depth + 1, max);
		else
			sub = json_null();
		if (json_object_set_new(out, k, sub) != 0) {
			json_decref(out);
			out = NULL;
		}
	}
	return out;
}

writ_rc
kv_subkeys_read(struct kv_ctx *c)
{
	struct kv_meta meta = {0};
	struct kv_version *v = NULL;
	json_t *rec = NULL;
	uint64_t depth;
	writ_rc rc;

	if ((rc = kv_query_u64(c, "depth", &depth)) != WRIT_OK)
		goto out;
	if ((rc = version_lookup(c, &meta, "subkeys", &v)) != WRIT_OK)
		goto out;
	rc = kv_get(c, NULL, kv_ver_key(c, c->path, v->num), &rec);
	if (rc == WRIT_ENOTFOUND) {
		rc = kv_not_found(c);
		goto out;
	}
	if (rc != WRIT_OK)
		goto out;
	c->resp->data =
	    json_pack("{s:o,s:o}", "subkeys", subkeys_of(json_object_get(rec, "data"), 1, depth),
	        "metadata", kv_version_json(&meta, v));
	if (c->resp->data == NULL)
		rc = kv_fail(c, WRIT_ENOMEM, "subkeys response");
out:
	json_decref(rec);
	kv_meta_clear(&meta);
	return rc;
}
