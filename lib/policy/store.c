/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The policy store: its sources (a bundle directory, the API's modules and
 * data document), the compiled snapshots built from them, and persistence.
 *
 * Writers (API changes, bundle reloads, loading what was persisted) hold mu
 * while they build a new snapshot, so changes apply in order and one at a
 * time; a change that does not compile leaves both the sources and the
 * active snapshot as they were.  API changes are written to the store
 * (durably, through the barrier) before they are activated.
 *
 * Readers never take mu.  The current snapshot is read and its count bumped
 * under cur_mu, which nothing holds for longer than that; whoever drops the
 * last reference frees the snapshot, its prepared queries and its bundle
 * (WireGuard's kref pattern, with the lock closing the window between
 * reading the pointer and taking the reference).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "writ/policy.h"
#include "writ/rego.h"
#include "writ/store.h"

#include "policy/policy_int.h"

static void snap_free(struct writ_policy_snapshot *s);

/* ---------------------------------------------------------------------------
 * Snapshots.
 */

struct writ_policy_snapshot *
writ_policy_acquire(struct writ_policy_store *ps)
{
	struct writ_policy_snapshot *s;

	pthread_mutex_lock(&ps->cur_mu);
	s = ps->cur;
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&ps->cur_mu);
	return s;
}

void
writ_policy_release(struct writ_policy_snapshot *s)
{
	if (s != NULL && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
		snap_free(s);
}

const char *
writ_policy_revision(const struct writ_policy_snapshot *s)
{
	return s->revision;
}

static void
snap_free(struct writ_policy_snapshot *s)
{
	pol_pq_free(s);
	writ_rego_bundle_free(s->rb);
	writ_free(s->revision);
	writ_free(s->bundle_name);
	pthread_rwlock_destroy(&s->pq_lock);
	writ_free(s);
}

/* Make snap the current snapshot; the old one goes when its last reader does. */
static void
activate(struct writ_policy_store *ps, struct writ_policy_snapshot *snap)
{
	struct writ_policy_snapshot *old;

	pthread_mutex_lock(&ps->cur_mu);
	old = ps->cur;
	ps->cur = snap;
	pthread_mutex_unlock(&ps->cur_mu);
	writ_policy_release(old);
}

static writ_rc
snap_new(
    struct writ_policy_store *ps, struct writ_rego_bundle *rb, struct writ_policy_snapshot **out)
{
	struct writ_policy_snapshot *s = writ_calloc(1, sizeof(*s));

	if (s == NULL)
		return WRIT_ENOMEM;
	if (pthread_rwlock_init(&s->pq_lock, NULL) != 0) {
		writ_free(s);
		return WRIT_ENOMEM;
	}
	atomic_init(&s->refs, 1);
	s->limits = ps->limits;
	s->revision = writ_strdup(ps->has_bundle ? ps->bundle.revision : "");
	s->bundle_name = ps->has_bundle ? writ_strdup(ps->bundle_dir) : NULL;
	if (s->revision == NULL || (ps->has_bundle && s->bundle_name == NULL)) {
		snap_free(s);
		return WRIT_ENOMEM;
	}
	s->rb = rb;
	*out = s;
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Building.
 */

static void
rerr_set(struct writ_rego_error *rerr, const char *code, const char *msg)
{
	memset(rerr, 0, sizeof(*rerr));
	snprintf(rerr->code, sizeof(rerr->code), "%s", code);
	snprintf(rerr->message, sizeof(rerr->message), "%s", msg);
}

static writ_rc
add_sources(struct writ_rego_source *v, size_t *n, const struct pol_modules *m, const char *skip)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		if (skip != NULL && strcmp(m->v[i].id, skip) == 0)
			continue;
		v[(*n)++] = (struct writ_rego_source){m->v[i].id, m->v[i].text, m->v[i].len};
	}
	return WRIT_OK;
}

/*
 * Compile the bundle's modules and the API's (without skip, with extra)
 * over the bundle's data merged with data[dlen] into a new snapshot.
 */
static writ_rc
build(struct writ_policy_store *ps, const char *skip, const struct writ_rego_source *extra,
    const char *data, size_t dlen, struct writ_policy_snapshot **out, struct writ_rego_error *rerr)
{
	struct writ_rego_doc docs[2] = {
	    {"bundle", "", ps->bundle.data.ptr, ps->bundle.data.len, false},
	    {"api", "", data, dlen, false}};
	struct writ_rego_compile_opts o = {.data_conflicts = true}; /* as OPA's server */
	struct writ_rego_source *src;
	struct writ_rego_bundle *rb = NULL;
	struct writ_buf merged;
	size_t n = 0;
	writ_rc rc;

	src = writ_calloc(ps->bundle.mods.n + ps->api.n + 1, sizeof(*src));
	writ_buf_init(&merged, 0);
	if (src == NULL) {
		rerr_set(rerr, "internal_error", "out of memory");
		return WRIT_ENOMEM;
	}
	(void)add_sources(src, &n, &ps->bundle.mods, NULL);
	(void)add_sources(src, &n, &ps->api, skip);
	if (extra != NULL)
		src[n++] = *extra;
	rc = ps->has_bundle ? writ_rego_data_merge(docs, 2, &merged, rerr)
	                    : writ_rego_data_merge(docs + 1, 1, &merged, rerr);
	if (rc == WRIT_OK) {
		o.modules = src;
		o.nmodules = n;
		o.data_json = merged.ptr;
		o.data_len = merged.len;
		rc = writ_rego_compile(&o, &rb, rerr);
	}
	if (rc == WRIT_OK && (rc = snap_new(ps, rb, out)) != WRIT_OK) {
		writ_rego_bundle_free(rb);
		rerr_set(rerr, "internal_error", "out of memory");
	}
	writ_buf_free(&merged);
	writ_free(src);
	return rc;
}

static writ_rc
rerr_to_err(writ_rc rc, const struct writ_rego_error *rerr, struct writ_err *err)
{
	char msg[600];

	writ_rego_error_format(rerr, msg, sizeof(msg));
	return WRIT_ERR(err, rc, "%s", msg);
}

/* ---------------------------------------------------------------------------
 * Life cycle.
 */

static writ_rc
set_default_decision(struct writ_policy_store *ps, const char *d)
{
	size_t len;

	if (d == NULL)
		d = "/system/main";
	while (*d == '/')
		d++;
	len = strlen(d);
	while (len > 0 && d[len - 1] == '/')
		len--;
	if ((ps->default_decision = writ_malloc(len + 1)) == NULL)
		return WRIT_ENOMEM;
	memcpy(ps->default_decision, d, len);
	ps->default_decision[len] = '\0';
	return WRIT_OK;
}

writ_rc
writ_policy_store_new(
    const struct writ_policy_opts *o, struct writ_policy_store **out, struct writ_err *err)
{
	struct writ_policy_store *ps = writ_calloc(1, sizeof(*ps));
	struct writ_policy_snapshot *snap = NULL;
	struct writ_rego_error rerr;
	writ_rc rc;

	if (ps == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	pthread_mutex_init(&ps->mu, NULL);
	pthread_mutex_init(&ps->cur_mu, NULL);
	writ_buf_init(&ps->api_data, WRIT_STORE_VALUE_MAX);
	ps->st = o->store;
	ps->limits = o->limits;
	ps->log = o->log;
	ps->log_arg = o->log_arg;
	atomic_init(&ps->loaded, o->store == NULL);
	rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	if (writ_buf_append(&ps->api_data, "{}", 2) != WRIT_OK ||
	    set_default_decision(ps, o->default_decision) != WRIT_OK ||
	    (o->bundle_dir != NULL && (ps->bundle_dir = writ_strdup(o->bundle_dir)) == NULL))
		goto out;
	if (o->bundle_dir != NULL) {
		if ((rc = pol_bundle_load(o->bundle_dir, &ps->bundle, &ps->bundle_sig, err)) !=
		    WRIT_OK)
			goto out;
		ps->has_bundle = true;
	}
	if ((rc = build(ps, NULL, NULL, ps->api_data.ptr, ps->api_data.len, &snap, &rerr)) !=
	    WRIT_OK) {
		rc = rerr_to_err(rc, &rerr, err);
		goto out;
	}
	ps->cur = snap;
	if (ps->has_bundle)
		writ_log(WRIT_LOG_INFO,
		    "policy: bundle %s activated (revision \"%s\", %zu modules)", ps->bundle_dir,
		    ps->bundle.revision, ps->bundle.mods.n);
	*out = ps;
	return WRIT_OK;
out:
	writ_policy_store_free(ps);
	return rc;
}

void
writ_policy_store_free(struct writ_policy_store *ps)
{
	if (ps == NULL)
		return;
	writ_policy_release(ps->cur);
	pol_bundle_free(&ps->bundle);
	pol_modules_free(&ps->api);
	writ_buf_free(&ps->api_data);
	writ_free(ps->bundle_dir);
	writ_free(ps->default_decision);
	pthread_mutex_destroy(&ps->mu);
	pthread_mutex_destroy(&ps->cur_mu);
	writ_free(ps);
}

/* ---------------------------------------------------------------------------
 * Bundle reloads.
 */

/* Activate bundle nb (loaded with signature sig), or leave everything as it was. */
static writ_rc
swap_bundle(struct writ_policy_store *ps, struct pol_bundle *nb, uint64_t sig, struct writ_err *err)
{
	struct writ_policy_snapshot *snap = NULL;
	struct writ_rego_error rerr;
	struct pol_bundle old;
	writ_rc rc;

	pthread_mutex_lock(&ps->mu);
	old = ps->bundle;
	ps->bundle = *nb;
	rc = build(ps, NULL, NULL, ps->api_data.ptr, ps->api_data.len, &snap, &rerr);
	if (rc != WRIT_OK) {
		ps->bundle = old;
		pthread_mutex_unlock(&ps->mu);
		pol_bundle_free(nb);
		return rerr_to_err(rc, &rerr, err);
	}
	ps->bundle_sig = sig;
	activate(ps, snap);
	pthread_mutex_unlock(&ps->mu);
	pol_bundle_free(&old);
	writ_log(WRIT_LOG_INFO, "policy: bundle %s reloaded (revision \"%s\", %zu modules)",
	    ps->bundle_dir, ps->bundle.revision, ps->bundle.mods.n);
	return WRIT_OK;
}

writ_rc
writ_policy_store_poll(struct writ_policy_store *ps, bool *reloaded, struct writ_err *err)
{
	struct pol_bundle nb;
	uint64_t sig = 0;
	writ_rc rc;

	if (reloaded != NULL)
		*reloaded = false;
	if (!ps->has_bundle)
		return WRIT_OK;
	if ((rc = pol_bundle_signature(ps->bundle_dir, &sig, err)) != WRIT_OK)
		goto fail;
	if (sig == ps->bundle_sig || sig == ps->reported_sig)
		return WRIT_OK; /* unchanged, or its failure already reported */
	if ((rc = pol_bundle_load(ps->bundle_dir, &nb, &sig, err)) != WRIT_OK ||
	    (rc = swap_bundle(ps, &nb, sig, err)) != WRIT_OK)
		goto fail;
	ps->reported_sig = 0;
	if (reloaded != NULL)
		*reloaded = true;
	return WRIT_OK;
fail:
	ps->reported_sig = sig;
	return rc;
}

/* ---------------------------------------------------------------------------
 * Persistence.
 */

static writ_rc
load_modules(struct writ_policy_store *ps, struct writ_arena *a, struct writ_err *err)
{
	const size_t plen = strlen(POL_KEY_MODULE);
	unsigned char *val;
	char **keys = NULL;
	size_t i, n = 0, len;
	writ_rc rc;

	rc = writ_store_list(ps->st, a, POL_KEY_MODULE, NULL, POL_MAX_MODULES, &keys, &n, err);
	for (i = 0; rc == WRIT_OK && i < n; i++) {
		if ((rc = writ_store_get(ps->st, a, keys[i], &val, &len, err)) == WRIT_OK &&
		    (rc = pol_modules_set(&ps->api, keys[i] + plen, (const char *)val, len)) !=
		        WRIT_OK)
			rc = WRIT_ERR(err, rc, "out of memory");
	}
	return rc;
}

static writ_rc
load_data(struct writ_policy_store *ps, struct writ_arena *a, struct writ_err *err)
{
	unsigned char *val;
	size_t len;
	writ_rc rc;

	rc = writ_store_get(ps->st, a, POL_KEY_DATA, &val, &len, err);
	if (rc == WRIT_ENOTFOUND)
		return WRIT_OK;
	if (rc != WRIT_OK)
		return rc;
	if (pol_json_check((const char *)val, len, NULL) != WRIT_OK)
		return WRIT_ERR(err, WRIT_EINVAL, "%s: not JSON", POL_KEY_DATA);
	writ_buf_reset(&ps->api_data);
	if (writ_buf_append(&ps->api_data, val, len) != WRIT_OK)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	return WRIT_OK;
}

/* Read what the API stored and activate it; holds mu. */
static writ_rc
load_persisted(struct writ_policy_store *ps, struct writ_err *err)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	struct writ_policy_snapshot *snap = NULL;
	struct writ_rego_error rerr;
	writ_rc rc;

	if (a == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	if ((rc = load_modules(ps, a, err)) == WRIT_OK && (rc = load_data(ps, a, err)) == WRIT_OK) {
		atomic_store(&ps->loaded, true);
		if (build(ps, NULL, NULL, ps->api_data.ptr, ps->api_data.len, &snap, &rerr) ==
		    WRIT_OK) {
			activate(ps, snap);
			writ_log(WRIT_LOG_INFO, "policy: %zu stored modules and stored data loaded",
			    ps->api.n);
		} else {
			rerr_to_err(rerr.code[0] ? WRIT_EINVAL : WRIT_ENOMEM, &rerr, err);
			writ_log(
			    WRIT_LOG_ERROR, "policy: stored policies do not compile: %s", err->msg);
		}
	}
	writ_arena_free(a);
	return rc;
}

/*
 * Make sure what the API stored is in memory.  WRIT_OK when it is, or when
 * nothing can have been stored (no store, or not initialised); WRIT_ESEALED
 * while the store is sealed.
 */
writ_rc
pol_store_ready(struct writ_policy_store *ps, struct writ_err *err)
{
	struct writ_seal_status ss;
	writ_rc rc = WRIT_OK;

	if (atomic_load_explicit(&ps->loaded, memory_order_acquire))
		return WRIT_OK;
	writ_store_seal_status(ps->st, &ss);
	if (!ss.initialized)
		return WRIT_OK;
	if (ss.sealed)
		return WRIT_ERR(err, WRIT_ESEALED, "writ is sealed");
	pthread_mutex_lock(&ps->mu);
	if (!atomic_load(&ps->loaded))
		rc = load_persisted(ps, err);
	pthread_mutex_unlock(&ps->mu);
	return rc;
}

writ_rc
writ_policy_ready(struct writ_policy_store *ps, struct writ_err *err)
{
	return pol_store_ready(ps, err);
}

/* Changes need somewhere to be kept; holds mu. */
static writ_rc
writable(struct writ_policy_store *ps, struct writ_err *err)
{
	if (atomic_load(&ps->loaded))
		return WRIT_OK;
	return WRIT_ERR(err, WRIT_ESEALED, "writ is not initialised: policies cannot be stored");
}

static writ_rc
module_key(const char *id, struct writ_buf *key, struct writ_err *err)
{
	writ_buf_init(key, WRIT_STORE_KEY_MAX);
	if (writ_buf_appendf(key, "%s%s", POL_KEY_MODULE, id) != WRIT_OK)
		return WRIT_ERR(err, WRIT_EINVAL, "policy id too long");
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Changes through the API.
 */

/* A module whose package lies where the bundle owns data may not be added. */
static writ_rc
check_scope(struct writ_policy_store *ps, const char *id, const char *text, size_t len,
    struct writ_err *err)
{
	struct writ_arena *a;
	struct pol_path pkg;
	struct writ_buf t;
	writ_rc rc = WRIT_OK;

	if (!ps->has_bundle)
		return WRIT_OK;
	if (pol_modules_find(&ps->bundle.mods, id) != NULL)
		return WRIT_ERR(err, WRIT_EDENIED, "policy id \"%.200s\" is owned by bundle", id);
	if ((a = writ_arena_new(0, 0)) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	if (pol_package_path(a, text, len, &pkg) == WRIT_OK &&
	    pol_path_owned(ps->bundle.roots, ps->bundle.nroots, &pkg)) {
		writ_buf_init(&t, 0);
		rc = pol_path_text(&pkg, pkg.n, &t);
		rc = WRIT_ERR(err, rc == WRIT_OK ? WRIT_EDENIED : rc,
		    "path %.200s is owned by bundle \"%.200s\"", t.ptr ? t.ptr + 1 : "",
		    ps->bundle_dir);
		writ_buf_free(&t);
	}
	writ_arena_free(a);
	return rc;
}

writ_rc
pol_store_module_put(struct writ_policy_store *ps, const char *id, const char *text, size_t len,
    bool *unchanged, struct writ_rego_error *rerr, struct writ_err *err)
{
	struct writ_rego_source src = {id, text, len};
	struct writ_policy_snapshot *snap = NULL;
	const struct pol_module *m;
	struct writ_buf key;
	writ_rc rc;

	*unchanged = false;
	writ_buf_init(&key, 0);
	pthread_mutex_lock(&ps->mu);
	if ((rc = check_scope(ps, id, text, len, err)) != WRIT_OK ||
	    (rc = writable(ps, err)) != WRIT_OK)
		goto out;
	if ((m = pol_modules_find(&ps->api, id)) != NULL && m->len == len &&
	    memcmp(m->text, text, len) == 0) {
		*unchanged = true;
		goto out;
	}
	if (ps->api.n >= POL_MAX_MODULES && m == NULL) {
		rc = WRIT_ERR(err, WRIT_ELIMIT, "more than %d policies", POL_MAX_MODULES);
		goto out;
	}
	if ((rc = build(ps, id, &src, ps->api_data.ptr, ps->api_data.len, &snap, rerr)) !=
	    WRIT_OK) {
		rc = WRIT_ERR(err, rc, "compile");
		goto out;
	}
	if (ps->st != NULL &&
	    ((rc = module_key(id, &key, err)) != WRIT_OK ||
	        (rc = writ_store_put(ps->st, key.ptr, text, len, err)) != WRIT_OK))
		goto out;
	if ((rc = pol_modules_set(&ps->api, id, text, len)) != WRIT_OK) {
		rc = WRIT_ERR(err, rc, "out of memory");
		goto out;
	}
	activate(ps, snap);
	snap = NULL;
out:
	pthread_mutex_unlock(&ps->mu);
	writ_policy_release(snap);
	writ_buf_free(&key);
	return rc;
}

writ_rc
pol_store_module_delete(struct writ_policy_store *ps, const char *id, struct writ_rego_error *rerr,
    struct writ_err *err)
{
	struct writ_policy_snapshot *snap = NULL;
	struct writ_buf key;
	writ_rc rc;

	writ_buf_init(&key, 0);
	pthread_mutex_lock(&ps->mu);
	if (ps->has_bundle && pol_modules_find(&ps->bundle.mods, id) != NULL) {
		rc = WRIT_ERR(err, WRIT_EDENIED, "policy id \"%.200s\" is owned by bundle", id);
		goto out;
	}
	if (pol_modules_find(&ps->api, id) == NULL) {
		rc = WRIT_ERR(
		    err, WRIT_ENOTFOUND, "storage_not_found_error: policy id \"%.200s\"", id);
		goto out;
	}
	if ((rc = writable(ps, err)) != WRIT_OK)
		goto out;
	if ((rc = build(ps, id, NULL, ps->api_data.ptr, ps->api_data.len, &snap, rerr)) !=
	    WRIT_OK) {
		rc = WRIT_ERR(err, rc, "compile");
		goto out;
	}
	if (ps->st != NULL &&
	    ((rc = module_key(id, &key, err)) != WRIT_OK ||
	        (rc = writ_store_delete(ps->st, key.ptr, err)) != WRIT_OK))
		goto out;
	(void)pol_modules_remove(&ps->api, id);
	activate(ps, snap);
	snap = NULL;
out:
	pthread_mutex_unlock(&ps->mu);
	writ_policy_release(snap);
	writ_buf_free(&key);
	return rc;
}

writ_rc
pol_store_data_edit(struct writ_policy_store *ps, pol_edit_fn edit, void *arg,
    struct writ_rego_error *rerr, struct writ_err *err)
{
	struct writ_policy_snapshot *snap = NULL;
	struct writ_buf doc;
	writ_rc rc;

	writ_buf_init(&doc, WRIT_STORE_VALUE_MAX);
	pthread_mutex_lock(&ps->mu);
	if (writ_buf_append(&doc, ps->api_data.ptr, ps->api_data.len) != WRIT_OK) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	/* What is wrong with the request is said before that it cannot be kept. */
	if ((rc = edit(&doc, ps->bundle.roots, ps->bundle.nroots, arg, err)) != WRIT_OK ||
	    (rc = writable(ps, err)) != WRIT_OK)
		goto out;
	if ((rc = build(ps, NULL, NULL, doc.ptr, doc.len, &snap, rerr)) != WRIT_OK) {
		rc = WRIT_ERR(err, rc, "compile");
		goto out;
	}
	if (ps->st != NULL &&
	    (rc = writ_store_put(ps->st, POL_KEY_DATA, doc.ptr, doc.len, err)) != WRIT_OK)
		goto out;
	writ_buf_free(&ps->api_data);
	ps->api_data = doc;
	writ_buf_init(&doc, 0);
	activate(ps, snap);
	snap = NULL;
out:
	pthread_mutex_unlock(&ps->mu);
	writ_policy_release(snap);
	writ_buf_free(&doc);
	return rc;
}

bool
pol_store_data_exists(struct writ_policy_store *ps, const struct pol_path *p)
{
	struct pol_span v;
	bool found;

	pthread_mutex_lock(&ps->mu);
	found = pol_data_locate(ps->api_data.ptr, ps->api_data.len, p, &v);
	pthread_mutex_unlock(&ps->mu);
	return found;
}

writ_rc
pol_store_modules(struct writ_policy_store *ps, struct pol_modules *out)
{
	const struct pol_modules *src[2] = {&ps->bundle.mods, &ps->api};
	size_t i, k;
	writ_rc rc = WRIT_OK;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&ps->mu);
	for (k = 0; k < 2; k++)
		for (i = 0; i < src[k]->n && rc == WRIT_OK; i++)
			rc = pol_modules_set(
			    out, src[k]->v[i].id, src[k]->v[i].text, src[k]->v[i].len);
	pthread_mutex_unlock(&ps->mu);
	if (rc != WRIT_OK)
		pol_modules_free(out);
	return rc;
}
