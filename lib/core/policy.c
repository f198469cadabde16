/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACL policy storage and the policy endpoints (sys/policy, sys/policies/acl),
 * and the cache of built ACLs keyed by policy set.
 *
 * Policies are stored at "sys/policy/<name>" as {"name","policy","version",
 * "modified"}.  "root" is built in and cannot be read, written or deleted;
 * "default" is created on first unseal and may be edited but not deleted.
 */
#include <stdio.h>
#include <string.h>

#include "writ/store.h"

#include "core_int.h"

#define POLICY_PREFIX   "sys/policy/"
#define POLICY_NAME_MAX 128

static bool
policy_name_ok(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > POLICY_NAME_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			c == '.' || c == '@'))
			return false;
	}
	return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* Lower-case a name in place as Vault does. */
static void
name_lower(char *s)
{
	for (; *s; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

static writ_rc
policy_load(struct writ_core *core, struct writ_arena *a, const char *name, json_t **out,
    struct writ_err *err)
{
	char key[sizeof(POLICY_PREFIX) + POLICY_NAME_MAX];
	unsigned char *val;
	size_t len;
	writ_rc rc;

	snprintf(key, sizeof(key), "%s%s", POLICY_PREFIX, name);
	if ((rc = writ_store_get(core->store, a, key, &val, &len, err)) != WRIT_OK)
		return rc;
	*out = json_loadb((const char *)val, len, 0, NULL);
	if (!json_is_object(*out)) {
		json_decref(*out);
		return WRIT_ERR(err, WRIT_EDB, "stored policy \"%s\" is malformed", name);
	}
	return WRIT_OK;
}

static writ_rc
policy_store(struct writ_core *core, const char *name, const char *text, uint64_t *seq,
    struct writ_err *err)
{
	char key[sizeof(POLICY_PREFIX) + POLICY_NAME_MAX], now[48];
	struct writ_acl_policy *pol = NULL;
	json_t *rec = NULL;
	char *dump = NULL;
	struct writ_txn *t = NULL;
	writ_rc rc;

	if ((rc = writ_acl_policy_parse(name, text, strlen(text), &pol, err)) != WRIT_OK)
		goto out;
	/* A constraint writ would not enforce must not silently widen a policy. */
	if (writ_acl_policy_warning(pol) != NULL) {
		rc = WRIT_ERR(err, WRIT_EINVAL, "%s; writ refuses a constraint it would ignore",
		    writ_acl_policy_warning(pol));
		goto out;
	}
	writ_time_rfc3339(now, sizeof(now), writ_time_now(), 0);
	snprintf(key, sizeof(key), "%s%s", POLICY_PREFIX, name);
	rec = json_pack("{s:s, s:s, s:s}", "name", name, "policy", text, "modified", now);
	if (rec == NULL || (dump = json_dumps(rec, JSON_COMPACT)) == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = writ_txn_begin(core->store, &t, err)) != WRIT_OK)
		goto out;
	if ((rc = writ_txn_put(t, key, dump, strlen(dump), err)) != WRIT_OK) {
		writ_txn_abort(t);
		goto out;
	}
	/*
	 * Clear the ACL cache only once the new policy is visible to readers:
	 * cleared earlier, a request could rebuild an ACL from the old text and
	 * cache it until the next policy change.  Policy writes are rare, so the
	 * worker waits for this sync; *seq still makes the reply wait for the
	 * request's audit entries.
	 */
	rc = writ_txn_commit(t, seq, err);
	if (rc == WRIT_OK)
		rc = writ_store_sync(core->store, *seq, err);
	core_acl_cache_clear(core);
out:
	free(dump);
	json_decref(rec);
	writ_acl_policy_free(pol);
	return rc;
}

writ_rc
core_policy_ensure_default(struct writ_core *core, struct writ_err *err)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	json_t *p = NULL;
	uint64_t seq = 0;
	writ_rc rc;

	if (a == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	rc = policy_load(core, a, "default", &p, err);
	if (rc == WRIT_ENOTFOUND) {
		/* policy_store makes it durable. */
		rc = policy_store(core, "default", writ_acl_default_policy_text(), &seq, err);
	}
	json_decref(p);
	writ_arena_free(a);
	return rc;
}

/* ---------------------------------------------------------------------------
 * ACL cache.
 */

void
core_acl_cache_clear(struct writ_core *core)
{
	struct writ_core_priv *p = core->priv;
	size_t i;

	pthread_mutex_lock(&p->acl_lock);
	for (i = 0; i < CORE_ACL_CACHE; i++) {
		writ_free(p->acl_cache[i].names);
		writ_acl_free(p->acl_cache[i].acl);
		p->acl_cache[i].names = NULL;
		p->acl_cache[i].acl = NULL;
	}
	p->policy_generation++;
	pthread_mutex_unlock(&p->acl_lock);
}

static writ_rc
acl_build(struct writ_core *core, char *const *names, size_t n, struct writ_acl **out,
    struct writ_err *err)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_acl_policy **pols = NULL;
	size_t i, npols = 0;
	writ_rc rc = WRIT_ENOMEM;

	if (a == NULL || (pols = writ_calloc(n + 1, sizeof(*pols))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		json_t *rec = NULL;
		const char *text;

		rc = policy_load(core, a, names[i], &rec, err);
		if (rc == WRIT_ENOTFOUND)
			continue; /* a token may name a deleted policy: it grants nothing */
		if (rc != WRIT_OK)
			goto out;
		text = json_string_value(json_object_get(rec, "policy"));
		rc = writ_acl_policy_parse(names[i], text ? text : "", text ? strlen(text) : 0,
		    &pols[npols], err);
		json_decref(rec);
		if (rc != WRIT_OK)
			goto out;
		npols++;
	}
	rc = writ_acl_new((const struct writ_acl_policy *const *)pols, npols, out, err);
out:
	for (i = 0; pols != NULL && i < npols; i++)
		writ_acl_policy_free(pols[i]);
	writ_free(pols);
	writ_arena_free(a);
	return rc;
}

static char *
names_key(char *const *names, size_t n)
{
	struct writ_buf b;
	size_t i;

	writ_buf_init(&b, 1u << 20);
	for (i = 0; i < n; i++) {
		if (writ_buf_appends(&b, names[i]) != WRIT_OK ||
		    writ_buf_append(&b, "\n", 1) != WRIT_OK) {
			writ_buf_free(&b);
			return NULL;
		}
	}
	if (b.ptr == NULL && writ_buf_append(&b, "", 0) != WRIT_OK)
		return NULL;
	return writ_buf_steal(&b, NULL);
}

static struct acl_cache_entry *
cache_slot(struct writ_core_priv *p, const char *key, bool *hit)
{
	struct acl_cache_entry *victim = &p->acl_cache[0];
	size_t i;

	for (i = 0; i < CORE_ACL_CACHE; i++) {
		struct acl_cache_entry *e = &p->acl_cache[i];

		if (e->names != NULL && strcmp(e->names, key) == 0) {
			*hit = true;
			return e;
		}
		if (e->names == NULL || e->last_used < victim->last_used)
			victim = e;
	}
	*hit = false;
	return victim;
}

writ_rc
writ_core_capabilities(struct writ_core *core, char *const *policies, size_t npolicies,
    const char *path, unsigned *caps, struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	struct acl_cache_entry *e;
	struct writ_acl *acl = NULL;
	char *key;
	bool hit;
	size_t i;
	writ_rc rc = WRIT_OK;

	for (i = 0; i < npolicies; i++) {
		if (strcmp(policies[i], "root") == 0) {
			*caps = writ_acl_capabilities(p->root_acl, path);
			return WRIT_OK;
		}
	}
	if ((key = names_key(policies, npolicies)) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	pthread_mutex_lock(&p->acl_lock);
	e = cache_slot(p, key, &hit);
	if (!hit) {
		uint64_t gen = p->policy_generation;

		/* Build without the lock: it reads the store. */
		pthread_mutex_unlock(&p->acl_lock);
		rc = acl_build(core, policies, npolicies, &acl, err);
		pthread_mutex_lock(&p->acl_lock);
		if (rc != WRIT_OK)
			goto out;
		*caps = writ_acl_capabilities(acl, path);
		if (gen != p->policy_generation)
			goto out; /* a policy changed meanwhile: do not cache */
		e = cache_slot(p, key, &hit);
		if (hit)
			goto out;
		writ_free(e->names);
		writ_acl_free(e->acl);
		e->names = key;
		e->acl = acl;
		key = NULL;
		acl = NULL;
	} else {
		*caps = writ_acl_capabilities(e->acl, path);
	}
	e->last_used = ++p->acl_clock;
out:
	pthread_mutex_unlock(&p->acl_lock);
	writ_acl_free(acl);
	writ_free(key);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Endpoints.
 */

static writ_rc
policy_list(struct writ_req *req, struct writ_resp *resp, bool acl_api)
{
	char **keys;
	size_t n, i;
	json_t *arr = json_array();
	struct writ_err err = {0};
	writ_rc rc;

	rc = writ_store_list(req->core->store, req->arena, POLICY_PREFIX, NULL, 0, &keys, &n,
	    &err);
	if (rc != WRIT_OK) {
		json_decref(arr);
		return writ_resp_err(resp, rc, 0, "%s", "internal error");
	}
	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_string(keys[i] + strlen(POLICY_PREFIX)));
	if (!acl_api)
		json_array_append_new(arr, json_string("root"));
	resp->data = json_pack("{s:O, s:O}", "keys", arr, "policies", arr);
	if (acl_api)
		json_object_del(resp->data, "policies");
	resp->data_to_top = !acl_api;
	json_decref(arr);
	return WRIT_OK;
}

static writ_rc
policy_read(struct writ_req *req, struct writ_resp *resp, const char *name, bool acl_api)
{
	json_t *rec = NULL;
	struct writ_err err = {0};
	const char *text;
	writ_rc rc;

	if (strcmp(name, "root") == 0 && !acl_api) {
		resp->data = json_pack("{s:s, s:s}", "name", "root", "rules", "");
		resp->data_to_top = true;
		return WRIT_OK;
	}
	rc = policy_load(req->core, req->arena, name, &rec, &err);
	if (rc == WRIT_ENOTFOUND)
		return writ_resp_err(resp, rc, 404, "%s", "");
	if (rc != WRIT_OK)
		return writ_resp_err(resp, rc, 0, "%s", "internal error");
	text = json_string_value(json_object_get(rec, "policy"));
	resp->data = json_pack("{s:s, s:s}", "name", name, acl_api ? "policy" : "rules",
	    text ? text : "");
	resp->data_to_top = !acl_api;
	json_decref(rec);
	return WRIT_OK;
}

static writ_rc
policy_write(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	const char *text = NULL;
	struct writ_err err = {0};
	writ_rc rc;

	if (strcmp(name, "root") == 0)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", "cannot update \"root\" policy");
	if (writ_req_str(req, "policy", &text) != WRIT_OK &&
	    writ_req_str(req, "rules", &text) != WRIT_OK)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", "'policy' parameter not supplied or empty");
	if (strlen(text) > WRIT_ACL_MAX_POLICY_BYTES)
		return writ_resp_err(resp, WRIT_ETOOBIG, 400, "%s", "policy is too large");
	rc = policy_store(req->core, name, text, &resp->store_seq, &err);
	if (rc == WRIT_EPARSE || rc == WRIT_EINVAL || rc == WRIT_ELIMIT)
		return writ_resp_err(resp, rc, 400, "failed to parse policy: %s", err.msg);
	if (rc != WRIT_OK)
		return writ_resp_err(resp, rc, 0, "%s", "internal error");
	resp->status = 204;
	return WRIT_OK;
}

static writ_rc
policy_delete(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	char key[sizeof(POLICY_PREFIX) + POLICY_NAME_MAX];
	struct writ_err err = {0};
	struct writ_txn *t = NULL;
	writ_rc rc;

	if (strcmp(name, "root") == 0 || strcmp(name, "default") == 0)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "cannot delete \"%s\" policy", name);
	snprintf(key, sizeof(key), "%s%s", POLICY_PREFIX, name);
	if ((rc = writ_txn_begin(req->core->store, &t, &err)) != WRIT_OK)
		return writ_resp_err(resp, rc, 0, "%s", "internal error");
	if ((rc = writ_txn_delete(t, key, &err)) != WRIT_OK) {
		writ_txn_abort(t);
		return writ_resp_err(resp, rc, 0, "%s", "internal error");
	}
	/* Visible first, then forget cached ACLs (see policy_store). */
	if ((rc = writ_txn_commit(t, &resp->store_seq, &err)) != WRIT_OK ||
	    (rc = writ_store_sync(req->core->store, resp->store_seq, &err)) != WRIT_OK) {
		core_acl_cache_clear(req->core);
		return writ_resp_err(resp, rc, 0, "%s", "internal error");
	}
	core_acl_cache_clear(req->core);
	resp->status = 204;
	return WRIT_OK;
}

writ_rc
core_policy_handle(struct writ_req *req, struct writ_resp *resp, const char *name,
    bool acl_api)
{
	char lname[POLICY_NAME_MAX + 1];

	if (name == NULL || name[0] == '\0') {
		if (req->op == WRIT_OP_READ || req->op == WRIT_OP_LIST)
			return policy_list(req, resp, acl_api);
		return writ_resp_err(resp, WRIT_EUNSUPPORTED, 405, "%s", "unsupported operation");
	}
	if (strlen(name) > POLICY_NAME_MAX)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", "policy name is too long");
	snprintf(lname, sizeof(lname), "%s", name);
	name_lower(lname);
	if (!policy_name_ok(lname))
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", "invalid policy name");
	switch (req->op) {
	case WRIT_OP_READ:
		return policy_read(req, resp, lname, acl_api);
	case WRIT_OP_CREATE:
	case WRIT_OP_UPDATE:
		return policy_write(req, resp, lname);
	case WRIT_OP_DELETE:
		return policy_delete(req, resp, lname);
	default:
		return writ_resp_err(resp, WRIT_EUNSUPPORTED, 405, "%s", "unsupported operation");
	}
}
