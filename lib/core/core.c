/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core object: creation, initialisation of a new store, the post-unseal
 * setup (mount table, default policy, audit devices) and the mount table
 * itself.
 *
 * The mount table is stored as one JSON document at "core/mounts" and kept in
 * memory as an array sorted by path.  Mount objects are never freed while the
 * core lives (a removed mount moves to a retired list), so a handler that
 * looked one up keeps a valid pointer without holding the lock.
 */
#include <stdio.h>
#include <string.h>

#include "writ/approle.h"
#include "writ/crypto.h"
#include "writ/kv.h"
#include "writ/store.h"
#include "writ/token.h"

#include "core_int.h"

#define MOUNTS_KEY "core/mounts"


static void limits_defaults(struct writ_core_limits *l);
static void mount_free(struct writ_mount *m);
static writ_rc mounts_save(struct writ_core *core, struct writ_err *err);
static writ_rc mounts_load(struct writ_core *core, bool *found, struct writ_err *err);
static writ_rc mounts_defaults(struct writ_core *core, struct writ_err *err);

static const struct {
	const char *type;
	writ_handler_fn fn;
	bool auth;
} backend_types[] = {
	{"approle", writ_approle_handle, true},
	{"kv", writ_kv_handle, false},
	{"system", core_sys_handle, false},
	{"token", writ_token_handle, true},
};

writ_handler_fn
core_handler_for_type(const char *type)
{
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(backend_types); i++) {
		if (strcmp(backend_types[i].type, type) == 0)
			return backend_types[i].fn;
	}
	return NULL;
}

static void
limits_defaults(struct writ_core_limits *l)
{
	if (l->max_request_bytes == 0)
		l->max_request_bytes = 32u << 20;
	if (l->max_header_bytes == 0)
		l->max_header_bytes = 64u << 10;
	if (l->max_json_depth == 0)
		l->max_json_depth = 64;
	if (l->max_string_bytes == 0)
		l->max_string_bytes = 16u << 20;
	if (l->arena_cap == 0)
		l->arena_cap = 64u << 20;
}

writ_rc
writ_core_new(const struct writ_core_opts *opts, struct writ_store *store,
    struct writ_core **out, struct writ_err *err)
{
	struct writ_core *core = writ_calloc(1, sizeof(*core));
	struct writ_core_priv *p = writ_calloc(1, sizeof(*p));
	writ_rc rc = WRIT_ENOMEM;

	if (core == NULL || p == NULL)
		goto fail;
	p->opts = *opts;
	limits_defaults(&p->opts.limits);
	core->store = store;
	core->limits = p->opts.limits;
	core->default_lease_ttl = opts->default_lease_ttl ? opts->default_lease_ttl : 768 * 3600;
	core->max_lease_ttl = opts->max_lease_ttl ? opts->max_lease_ttl : 768 * 3600;
	core->dev = opts->dev;
	core->priv = p;
	if ((rc = writ_acl_new_root(&p->root_acl)) != WRIT_OK)
		goto fail;
	pthread_rwlock_init(&p->lock, NULL);
	pthread_mutex_init(&p->acl_lock, NULL);
	pthread_mutex_init(&p->unseal_lock, NULL);
	*out = core;
	return WRIT_OK;
fail:
	writ_free(p);
	writ_free(core);
	return WRIT_ERR(err, rc, "cannot create core");
}

void
writ_core_free(struct writ_core *core)
{
	struct writ_core_priv *p;
	size_t i;

	if (core == NULL)
		return;
	p = core->priv;
	core_pre_seal(core);
	for (i = 0; i < p->nmounts; i++)
		mount_free(p->mounts[i]);
	for (i = 0; i < p->nretired; i++)
		mount_free(p->retired[i]);
	writ_acl_free(p->root_acl);
	pthread_rwlock_destroy(&p->lock);
	pthread_mutex_destroy(&p->acl_lock);
	pthread_mutex_destroy(&p->unseal_lock);
	writ_free(p);
	writ_free(core);
}

/* ---------------------------------------------------------------------------
 * Initialisation and unseal.
 */

static writ_rc
init_encode_shares(struct writ_arena *a, const unsigned char *shares, unsigned n,
    struct writ_core_init_result *out)
{
	unsigned i;

	out->keys_hex = writ_arena_calloc(a, n, sizeof(char *));
	out->keys_b64 = writ_arena_calloc(a, n, sizeof(char *));
	if (out->keys_hex == NULL || out->keys_b64 == NULL)
		return WRIT_ENOMEM;
	for (i = 0; i < n; i++) {
		const unsigned char *sh = shares + (size_t)i * WRIT_SHARE_LEN;

		out->keys_hex[i] = writ_arena_alloc(a, 2 * WRIT_SHARE_LEN + 1);
		out->keys_b64[i] = writ_arena_alloc(a, 4 * ((WRIT_SHARE_LEN + 2) / 3) + 1);
		if (out->keys_hex[i] == NULL || out->keys_b64[i] == NULL)
			return WRIT_ENOMEM;
		writ_hex_encode(sh, WRIT_SHARE_LEN, out->keys_hex[i]);
		writ_b64_encode(sh, WRIT_SHARE_LEN, out->keys_b64[i]);
	}
	out->nkeys = n;
	return WRIT_OK;
}

static writ_rc
init_unseal_with(struct writ_core *core, const unsigned char *shares, unsigned t,
    struct writ_err *err)
{
	bool done = false;
	unsigned i;
	writ_rc rc = WRIT_OK;

	for (i = 0; i < t && !done; i++) {
		rc = writ_store_unseal(core->store, shares + (size_t)i * WRIT_SHARE_LEN,
		    WRIT_SHARE_LEN, &done, err);
		if (rc != WRIT_OK)
			return rc;
	}
	return done ? WRIT_OK : WRIT_ERR(err, WRIT_EINTERNAL, "unseal after init failed");
}

writ_rc
writ_core_init(struct writ_core *core, struct writ_arena *a, unsigned shares,
    unsigned threshold, bool unseal, struct writ_core_init_result *out, struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	unsigned char *buf = NULL;
	size_t buflen = 0;
	writ_rc rc;

	if (shares < 1 || shares > 255 || threshold < 1 || threshold > shares)
		return WRIT_ERR(err, WRIT_EINVAL,
		    "invalid seal configuration: need 1 <= threshold <= shares <= 255");
	pthread_mutex_lock(&p->unseal_lock);
	buflen = (size_t)shares * WRIT_SHARE_LEN;
	if ((buf = writ_secmem_alloc(buflen)) == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = writ_store_init(core->store, shares, threshold, buf, err)) != WRIT_OK)
		goto out;
	if ((rc = init_encode_shares(a, buf, shares, out)) != WRIT_OK)
		goto out;
	if ((rc = init_unseal_with(core, buf, threshold, err)) != WRIT_OK)
		goto out;
	pthread_mutex_unlock(&p->unseal_lock);
	rc = writ_core_post_unseal(core, err);
	pthread_mutex_lock(&p->unseal_lock);
	if (rc == WRIT_OK)
		rc = writ_token_create_root(core, a, &out->root_token, err);
	if (!unseal || rc != WRIT_OK) {
		core_pre_seal(core);
		writ_store_seal(core->store);
	}
out:
	pthread_mutex_unlock(&p->unseal_lock);
	writ_secmem_free(buf, buflen);
	return rc;
}

writ_rc
writ_core_post_unseal(struct writ_core *core, struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	writ_rc rc;

	pthread_mutex_lock(&p->unseal_lock);
	rc = core_post_unseal(core, err);
	pthread_mutex_unlock(&p->unseal_lock);
	return rc;
}

writ_rc
core_post_unseal(struct writ_core *core, struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	bool found = false;
	writ_rc rc;

	if (p->ready)
		return WRIT_OK;
	if ((rc = mounts_load(core, &found, err)) != WRIT_OK)
		return rc;
	if (!found && (rc = mounts_defaults(core, err)) != WRIT_OK)
		return rc;
	if ((rc = core_policy_ensure_default(core, err)) != WRIT_OK)
		return rc;
	if ((rc = core_audit_open_devices(core, err)) != WRIT_OK)
		return rc;
	p->ready = true;
	return WRIT_OK;
}

void
core_pre_seal(struct writ_core *core)
{
	struct writ_core_priv *p = core->priv;

	core_audit_close_devices(core);
	core_acl_cache_clear(core);
	writ_token_cache_flush(core);
	p->ready = false;
}

/* ---------------------------------------------------------------------------
 * Mount table.
 */

static void
mount_free(struct writ_mount *m)
{
	if (m == NULL)
		return;
	json_decref(m->options);
	writ_free(m);
}

static int
mount_cmp(const void *a, const void *b)
{
	const struct writ_mount *const *x = a, *const *y = b;

	return strcmp((*x)->path, (*y)->path);
}

static bool
mount_is_auth(const struct writ_mount *m)
{
	return strncmp(m->path, "auth/", 5) == 0;
}

static writ_rc
mount_make(const char *path, const char *type, const char *desc, json_t *options,
    const char *uuid, const char *accessor, struct writ_mount **out, struct writ_err *err)
{
	struct writ_mount *m;
	writ_handler_fn fn = core_handler_for_type(type);
	size_t len = strlen(path);

	if (fn == NULL)
		return WRIT_ERR(err, WRIT_EINVAL, "unknown backend type \"%s\"", type);
	if (len == 0 || len >= sizeof(m->path) - 1 || strstr(path, "..") != NULL ||
	    path[0] == '/' || strlen(type) >= sizeof(m->type))
		return WRIT_ERR(err, WRIT_EINVAL, "invalid mount path");
	if ((m = writ_calloc(1, sizeof(*m))) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	snprintf(m->path, sizeof(m->path), "%s%s", path, path[len - 1] == '/' ? "" : "/");
	snprintf(m->type, sizeof(m->type), "%s", type);
	snprintf(m->description, sizeof(m->description), "%s", desc ? desc : "");
	snprintf(m->uuid, sizeof(m->uuid), "%s", uuid);
	snprintf(m->accessor, sizeof(m->accessor), "%s", accessor);
	m->options = options ? json_incref(options) : json_object();
	m->handle = fn;
	snprintf(m->storage_prefix, sizeof(m->storage_prefix), "%s/%s/",
	    mount_is_auth(m) ? "auth" : "logical", uuid);
	*out = m;
	return WRIT_OK;
}

static writ_rc
mount_new(const char *path, const char *type, const char *desc, json_t *options,
    struct writ_mount **out, struct writ_err *err)
{
	char uuid[37], accessor[48];
	unsigned char r[4];

	if (writ_uuid(uuid) != WRIT_OK || writ_random(r, sizeof(r)) != WRIT_OK)
		return WRIT_ERR(err, WRIT_ECRYPTO, "random source failed");
	snprintf(accessor, sizeof(accessor), "%.16s_%02x%02x%02x%02x", type, r[0], r[1], r[2],
	    r[3]);
	/* The token store keeps its fixed storage location. */
	if (strcmp(type, "token") == 0)
		snprintf(uuid, sizeof(uuid), "token");
	return mount_make(path, type, desc, options, uuid, accessor, out, err);
}

static json_t *
mount_to_json(const struct writ_mount *m)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:I, s:I, s:b}", "path", m->path, "type",
	    m->type, "uuid", m->uuid, "accessor", m->accessor, "description", m->description,
	    "options", m->options, "default_lease_ttl", (json_int_t)m->default_lease_ttl,
	    "max_lease_ttl", (json_int_t)m->max_lease_ttl, "local", m->local);
}

static writ_rc
mounts_save(struct writ_core *core, struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	json_t *arr = json_array();
	char *text = NULL;
	size_t i;
	writ_rc rc = WRIT_ENOMEM;

	if (arr == NULL)
		goto out;
	for (i = 0; i < p->nmounts; i++) {
		if (json_array_append_new(arr, mount_to_json(p->mounts[i])) != 0)
			goto out;
	}
	if ((text = json_dumps(arr, JSON_COMPACT)) == NULL)
		goto out;
	rc = writ_store_put(core->store, MOUNTS_KEY, text, strlen(text), err);
out:
	if (rc == WRIT_ENOMEM)
		WRIT_ERR(err, rc, "out of memory");
	free(text);
	json_decref(arr);
	return rc;
}

static writ_rc
mount_from_json(json_t *o, struct writ_mount **out, struct writ_err *err)
{
	const char *path = json_string_value(json_object_get(o, "path"));
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *uuid = json_string_value(json_object_get(o, "uuid"));
	const char *acc = json_string_value(json_object_get(o, "accessor"));
	const char *desc = json_string_value(json_object_get(o, "description"));
	writ_rc rc;

	if (path == NULL || type == NULL || uuid == NULL || acc == NULL)
		return WRIT_ERR(err, WRIT_EDB, "mount table entry is malformed");
	rc = mount_make(path, type, desc, json_object_get(o, "options"), uuid, acc, out, err);
	if (rc != WRIT_OK)
		return rc;
	(*out)->default_lease_ttl = json_integer_value(json_object_get(o, "default_lease_ttl"));
	(*out)->max_lease_ttl = json_integer_value(json_object_get(o, "max_lease_ttl"));
	(*out)->local = json_is_true(json_object_get(o, "local"));
	return WRIT_OK;
}

static writ_rc
mounts_load(struct writ_core *core, bool *found, struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	struct writ_arena *a = writ_arena_new(0, 0);
	unsigned char *val;
	size_t len, i;
	json_t *arr = NULL;
	writ_rc rc;

	if (a == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	rc = writ_store_get(core->store, a, MOUNTS_KEY, &val, &len, err);
	if (rc == WRIT_ENOTFOUND) {
		*found = false;
		rc = WRIT_OK;
		goto out;
	}
	if (rc != WRIT_OK)
		goto out;
	*found = true;
	arr = json_loadb((const char *)val, len, 0, NULL);
	if (!json_is_array(arr) || json_array_size(arr) > CORE_MAX_MOUNTS) {
		rc = WRIT_ERR(err, WRIT_EDB, "mount table is malformed");
		goto out;
	}
	pthread_rwlock_wrlock(&p->lock);
	for (i = 0; i < p->nmounts; i++)
		mount_free(p->mounts[i]);
	p->nmounts = 0;
	for (i = 0; i < json_array_size(arr) && rc == WRIT_OK; i++) {
		rc = mount_from_json(json_array_get(arr, i), &p->mounts[p->nmounts], err);
		if (rc == WRIT_OK)
			p->nmounts++;
	}
	qsort(p->mounts, p->nmounts, sizeof(p->mounts[0]), mount_cmp);
	pthread_rwlock_unlock(&p->lock);
out:
	json_decref(arr);
	writ_arena_free(a);
	return rc;
}

static writ_rc
mounts_defaults(struct writ_core *core, struct writ_err *err)
{
	static const struct {
		const char *path, *type, *desc;
		bool dev_only;
	} defs[] = {
		{"sys/", "system", "system endpoints used for control, policy and debugging", false},
		{"auth/token/", "token", "token based credentials", false},
		{"secret/", "kv", "key/value secret storage", true},
	};
	struct writ_core_priv *p = core->priv;
	size_t i;
	writ_rc rc = WRIT_OK;

	pthread_rwlock_wrlock(&p->lock);
	for (i = 0; i < WRIT_ARRAY_LEN(defs) && rc == WRIT_OK; i++) {
		json_t *opts;

		if (defs[i].dev_only && !core->dev)
			continue;
		opts = strcmp(defs[i].type, "kv") == 0 ? json_pack("{s:s}", "version", "2") : NULL;
		rc = mount_new(defs[i].path, defs[i].type, defs[i].desc, opts,
		    &p->mounts[p->nmounts], err);
		json_decref(opts);
		if (rc == WRIT_OK)
			p->nmounts++;
	}
	qsort(p->mounts, p->nmounts, sizeof(p->mounts[0]), mount_cmp);
	if (rc == WRIT_OK)
		rc = mounts_save(core, err);
	pthread_rwlock_unlock(&p->lock);
	return rc;
}

const struct writ_mount *
writ_core_mount_for(struct writ_core *core, const char *path)
{
	struct writ_core_priv *p = core->priv;
	const struct writ_mount *best = NULL;
	size_t i, bestlen = 0, plen = strlen(path);

	pthread_rwlock_rdlock(&p->lock);
	for (i = 0; i < p->nmounts; i++) {
		const struct writ_mount *m = p->mounts[i];
		size_t mlen = strlen(m->path);

		/* "secret" (no slash) also names the mount "secret/". */
		if (plen + 1 == mlen && strncmp(path, m->path, plen) == 0) {
			best = m;
			break;
		}
		if (mlen > bestlen && strncmp(path, m->path, mlen) == 0) {
			best = m;
			bestlen = mlen;
		}
	}
	pthread_rwlock_unlock(&p->lock);
	return best;
}

writ_rc
core_mount_add(struct writ_core *core, const char *path, const char *type,
    const char *description, json_t *options, struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	struct writ_mount *m = NULL;
	size_t i;
	writ_rc rc;

	if ((rc = mount_new(path, type, description, options, &m, err)) != WRIT_OK)
		return rc;
	pthread_rwlock_wrlock(&p->lock);
	for (i = 0; i < p->nmounts; i++) {
		size_t a = strlen(p->mounts[i]->path), b = strlen(m->path);

		if (strncmp(p->mounts[i]->path, m->path, a < b ? a : b) == 0) {
			rc = WRIT_ERR(err, WRIT_ECONFLICT, "path is already in use at %s",
			    p->mounts[i]->path);
			goto out;
		}
	}
	if (p->nmounts == CORE_MAX_MOUNTS) {
		rc = WRIT_ERR(err, WRIT_ELIMIT, "too many mounts");
		goto out;
	}
	p->mounts[p->nmounts++] = m;
	qsort(p->mounts, p->nmounts, sizeof(p->mounts[0]), mount_cmp);
	if ((rc = mounts_save(core, err)) != WRIT_OK) {
		for (i = 0; i < p->nmounts && p->mounts[i] != m; i++)
			;
		memmove(&p->mounts[i], &p->mounts[i + 1], (p->nmounts - i - 1) * sizeof(m));
		p->nmounts--;
		goto out;
	}
	m = NULL;
out:
	pthread_rwlock_unlock(&p->lock);
	mount_free(m);
	return rc;
}

writ_rc
core_mount_remove(struct writ_core *core, const char *path, struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	struct writ_mount *m;
	char want[258];
	size_t i, len = strlen(path);
	writ_rc rc;

	if (len == 0 || len > 255)
		return WRIT_ERR(err, WRIT_EINVAL, "invalid mount path");
	snprintf(want, sizeof(want), "%s%s", path, path[len - 1] == '/' ? "" : "/");
	if (strcmp(want, "sys/") == 0 || strcmp(want, "auth/token/") == 0)
		return WRIT_ERR(err, WRIT_EINVAL, "cannot unmount \"%s\"", want);
	pthread_rwlock_wrlock(&p->lock);
	for (i = 0; i < p->nmounts && strcmp(p->mounts[i]->path, want) != 0; i++)
		;
	if (i == p->nmounts) {
		pthread_rwlock_unlock(&p->lock);
		return WRIT_OK; /* Vault: unmounting a missing path succeeds */
	}
	if (p->nretired == CORE_MAX_RETIRED) {
		/* Freeing it could pull it from under a handler; keeping it has to be bounded. */
		pthread_rwlock_unlock(&p->lock);
		return WRIT_ERR(err, WRIT_ELIMIT, "too many unmounts since start; restart the server");
	}
	m = p->mounts[i];
	memmove(&p->mounts[i], &p->mounts[i + 1], (p->nmounts - i - 1) * sizeof(m));
	p->nmounts--;
	rc = mounts_save(core, err);
	if (rc != WRIT_OK) {
		p->mounts[p->nmounts++] = m;
		qsort(p->mounts, p->nmounts, sizeof(p->mounts[0]), mount_cmp);
	} else {
		p->retired[p->nretired++] = m;
	}
	pthread_rwlock_unlock(&p->lock);
	/* The mount's data stays in storage under its uuid; a purge job is later work. */
	return rc;
}

json_t *
core_mounts_json(struct writ_core *core, bool auth)
{
	struct writ_core_priv *p = core->priv;
	json_t *obj = json_object();
	size_t i;

	pthread_rwlock_rdlock(&p->lock);
	for (i = 0; obj != NULL && i < p->nmounts; i++) {
		const struct writ_mount *m = p->mounts[i];
		const char *name = m->path;

		if (mount_is_auth(m) != auth)
			continue;
		if (auth)
			name += 5;
		json_object_set_new(obj, name,
		    json_pack("{s:s, s:s, s:s, s:O, s:{s:I, s:I, s:b}, s:b, s:b, s:s}", "type",
			m->type, "description", m->description, "accessor", m->accessor,
			"options", m->options, "config", "default_lease_ttl",
			(json_int_t)m->default_lease_ttl, "max_lease_ttl",
			(json_int_t)m->max_lease_ttl, "force_no_cache", 0, "local", m->local,
			"seal_wrap", 0, "uuid", m->uuid));
	}
	pthread_rwlock_unlock(&p->lock);
	return obj;
}
