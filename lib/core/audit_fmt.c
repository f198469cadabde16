/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Audit devices of the core: their keys, opening them after unseal, the
 * request and response entries (Vault's audit format, every string value in
 * request and response data replaced by its HMAC), fail-closed delivery and
 * the sys/audit and sys/audit-hash endpoints.
 *
 * A device's HMAC key and Ed25519 signing seed live at "core/audit/<name>"
 * behind the barrier; the public key is also written next to the log as
 * "<path>.pub" (base64) so an investigator can run `writ audit verify`.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "writ/crypto.h"
#include "writ/store.h"
#include "writ/token.h"

#include "core_int.h"

#define DEVICE_PREFIX "core/audit/"

static const char *const op_names[] = {
	[WRIT_OP_READ] = "read",
	[WRIT_OP_CREATE] = "create",
	[WRIT_OP_UPDATE] = "update",
	[WRIT_OP_PATCH] = "patch",
	[WRIT_OP_DELETE] = "delete",
	[WRIT_OP_LIST] = "list",
};

const char *
core_op_name(enum writ_op op)
{
	return (unsigned)op < WRIT_ARRAY_LEN(op_names) && op_names[op] != NULL ? op_names[op] : "";
}

bool
core_audit_enabled(struct writ_core *core)
{
	return core->priv->ndevices > 0;
}

/* ---------------------------------------------------------------------------
 * Device keys and lifecycle.
 */

static writ_rc
device_keys_load(struct writ_core *core, struct audit_device *d, struct writ_key **key,
    struct writ_err *err)
{
	struct writ_arena *a = writ_arena_new(0, WRIT_ARENA_SECRET);
	char skey[sizeof(DEVICE_PREFIX) + 64];
	unsigned char seed[32], *val;
	size_t len;
	json_t *rec = NULL;
	char *dump = NULL;
	writ_rc rc;

	if (a == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	snprintf(skey, sizeof(skey), "%s%s", DEVICE_PREFIX, d->name);
	rc = writ_store_get(core->store, a, skey, &val, &len, err);
	if (rc == WRIT_OK) {
		rec = json_loadb((const char *)val, len, 0, NULL);
		const char *h = json_string_value(json_object_get(rec, "hmac_key"));
		const char *s = json_string_value(json_object_get(rec, "seed"));

		if (h == NULL || s == NULL || strlen(h) != 64 || strlen(s) != 64 ||
		    writ_hex_decode(h, 64, d->hmac_key) != WRIT_OK ||
		    writ_hex_decode(s, 64, seed) != WRIT_OK) {
			rc = WRIT_ERR(err, WRIT_EDB, "audit device keys are malformed");
			goto out;
		}
		rc = writ_key_ed25519_from_seed(seed, key);
		goto out;
	}
	if (rc != WRIT_ENOTFOUND)
		goto out;
	/* First use of this device: make its keys. */
	char hx[65], sx[65];

	if ((rc = writ_random(d->hmac_key, sizeof(d->hmac_key))) != WRIT_OK ||
	    (rc = writ_key_ed25519_generate(key)) != WRIT_OK ||
	    (rc = writ_key_export_private(*key, seed)) != WRIT_OK)
		goto out;
	writ_hex_encode(d->hmac_key, 32, hx);
	writ_hex_encode(seed, 32, sx);
	rec = json_pack("{s:s, s:s, s:s, s:i, s:b}", "hmac_key", hx, "seed", sx, "path", d->path,
	    "checkpoint_every", (int)d->checkpoint_every, "from_config", d->from_config);
	writ_memzero(hx, sizeof(hx));
	writ_memzero(sx, sizeof(sx));
	if (rec == NULL || (dump = json_dumps(rec, JSON_COMPACT)) == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	rc = writ_store_put(core->store, skey, dump, strlen(dump), err);
out:
	if (dump != NULL) {
		writ_memzero(dump, strlen(dump));
		free(dump);
	}
	json_decref(rec);
	writ_memzero(seed, sizeof(seed));
	writ_arena_free(a);
	return rc;
}

static void
write_pubkey_file(const struct audit_device *d)
{
	char path[1100];
	int fd;

	snprintf(path, sizeof(path), "%s.pub", d->path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		writ_log(WRIT_LOG_WARN, "audit: cannot write %s", path);
		return;
	}
	if (write(fd, d->pubkey_b64, strlen(d->pubkey_b64)) < 0 || write(fd, "\n", 1) < 0)
		writ_log(WRIT_LOG_WARN, "audit: cannot write %s", path);
	close(fd);
}

static writ_rc
device_open(struct writ_core *core, struct audit_device *d, struct writ_err *err)
{
	struct writ_audit_opts o = {0};
	struct writ_key *key = NULL;
	unsigned char pub[32];
	writ_rc rc;

	if ((rc = device_keys_load(core, d, &key, err)) != WRIT_OK)
		return rc;
	if ((rc = writ_key_public_raw(key, pub)) != WRIT_OK)
		goto out;
	writ_b64_encode(pub, sizeof(pub), d->pubkey_b64);
	o.path = d->path;
	o.hmac_key = d->hmac_key;
	o.sign_key = key;
	o.checkpoint_every = d->checkpoint_every;
	if ((rc = writ_audit_open(&o, &d->log, err)) != WRIT_OK)
		goto out;
	d->sign_key = key;
	key = NULL;
	write_pubkey_file(d);
out:
	writ_key_free(key);
	return rc;
}

static writ_rc
devices_from_store(struct writ_core *core, struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	struct writ_arena *a = writ_arena_new(0, WRIT_ARENA_SECRET);
	char **keys;
	size_t n, i, j;
	writ_rc rc;

	if (a == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	rc = writ_store_list(core->store, a, DEVICE_PREFIX, NULL, 0, &keys, &n, err);
	for (i = 0; rc == WRIT_OK && i < n && p->ndevices < CORE_MAX_DEVICES; i++) {
		const char *name = keys[i] + strlen(DEVICE_PREFIX);
		unsigned char *val;
		size_t len;
		json_t *rec;

		for (j = 0; j < p->ndevices && strcmp(p->devices[j].name, name) != 0; j++)
			;
		if (j < p->ndevices)
			continue;
		if (writ_store_get(core->store, a, keys[i], &val, &len, err) != WRIT_OK)
			continue;
		rec = json_loadb((const char *)val, len, 0, NULL);
		if (!json_is_true(json_object_get(rec, "from_config")) &&
		    json_is_string(json_object_get(rec, "path"))) {
			struct audit_device *d = &p->devices[p->ndevices++];

			memset(d, 0, sizeof(*d));
			snprintf(d->name, sizeof(d->name), "%s", name);
			snprintf(d->path, sizeof(d->path), "%s",
			    json_string_value(json_object_get(rec, "path")));
			d->checkpoint_every =
			    (unsigned)json_integer_value(json_object_get(rec, "checkpoint_every"));
		}
		json_decref(rec);
	}
	writ_arena_free(a);
	return rc;
}

writ_rc
core_audit_open_devices(struct writ_core *core, struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	size_t i;
	writ_rc rc;

	pthread_rwlock_wrlock(&p->lock);
	p->ndevices = 0;
	for (i = 0; i < p->opts.naudit && i < CORE_MAX_DEVICES; i++) {
		struct audit_device *d = &p->devices[p->ndevices++];

		memset(d, 0, sizeof(*d));
		snprintf(d->name, sizeof(d->name), "%s", p->opts.audit[i].name);
		snprintf(d->path, sizeof(d->path), "%s", p->opts.audit[i].path);
		d->checkpoint_every = p->opts.audit[i].checkpoint_every;
		d->from_config = true;
	}
	rc = devices_from_store(core, err);
	for (i = 0; rc == WRIT_OK && i < p->ndevices; i++)
		rc = device_open(core, &p->devices[i], err);
	pthread_rwlock_unlock(&p->lock);
	if (rc != WRIT_OK)
		core_audit_close_devices(core);
	return rc;
}

void
core_audit_close_devices(struct writ_core *core)
{
	struct writ_core_priv *p = core->priv;
	size_t i;

	pthread_rwlock_wrlock(&p->lock);
	for (i = 0; i < p->ndevices; i++) {
		writ_audit_close(p->devices[i].log);
		writ_key_free(p->devices[i].sign_key);
		writ_memzero(p->devices[i].hmac_key, sizeof(p->devices[i].hmac_key));
		p->devices[i].log = NULL;
		p->devices[i].sign_key = NULL;
	}
	p->ndevices = 0;
	pthread_rwlock_unlock(&p->lock);
}

/* ---------------------------------------------------------------------------
 * Entries.
 */

/*
 * Entries are written straight into a buffer, each string of request and
 * response data replaced by its HMAC on the way (Vault's audit salting),
 * without building a second JSON tree.  An emitter stops at the first error.
 */
struct emit {
	struct writ_buf *b;
	const struct writ_audit *log;
	writ_rc rc;
	/* The caller's token and accessor appear twice in an entry: HMAC them once. */
	char h_token[WRIT_AUDIT_HMAC_STR_LEN];
	char h_accessor[WRIT_AUDIT_HMAC_STR_LEN];
};

static void
e_raw(struct emit *e, const char *s)
{
	if (e->rc == WRIT_OK)
		e->rc = writ_buf_appends(e->b, s);
}

static void
e_str(struct emit *e, const char *s)
{
	if (e->rc == WRIT_OK)
		e->rc = writ_buf_append_json_str(e->b, s ? s : "", s ? strlen(s) : 0);
}

/* ,"key": (the comma unless first) */
static void
e_key(struct emit *e, const char *k, bool first)
{
	if (!first)
		e_raw(e, ",");
	e_str(e, k);
	e_raw(e, ":");
}

/* A value verbatim (compact JSON). */
static void
e_json(struct emit *e, const json_t *v)
{
	if (e->rc == WRIT_OK)
		e->rc = writ_json_append(e->b, v);
}

static void
e_hmac(struct emit *e, const char *s, size_t len)
{
	char h[WRIT_AUDIT_HMAC_STR_LEN];

	if (len == 0) {
		e_raw(e, "\"\"");
		return;
	}
	writ_audit_hmac(e->log, s, len, h);
	e_raw(e, "\"");
	e_raw(e, h);
	e_raw(e, "\"");
}

static void
e_hmac_json(struct emit *e, json_t *v, unsigned depth)
{
	const char *k;
	json_t *x;
	size_t i;
	bool first = true;

	if (depth > 128) {
		e_raw(e, "\"[elided]\"");
	} else if (json_is_string(v)) {
		e_hmac(e, json_string_value(v), json_string_length(v));
	} else if (json_is_object(v)) {
		e_raw(e, "{");
		json_object_foreach(v, k, x) {
			e_key(e, k, first);
			e_hmac_json(e, x, depth + 1);
			first = false;
		}
		e_raw(e, "}");
	} else if (json_is_array(v)) {
		e_raw(e, "[");
		json_array_foreach(v, i, x) {
			if (i > 0)
				e_raw(e, ",");
			e_hmac_json(e, x, depth + 1);
		}
		e_raw(e, "]");
	} else if (json_is_integer(v)) {
		if (e->rc == WRIT_OK)
			e->rc = writ_buf_appendf(e->b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	} else if (json_is_real(v)) {
		if (e->rc == WRIT_OK)
			e->rc = writ_buf_appendf(e->b, "%.17g", json_real_value(v));
	} else {
		e_raw(e, json_is_true(v) ? "true" : json_is_false(v) ? "false" : "null");
	}
}

static void
e_policies(struct emit *e, const struct writ_token *t)
{
	size_t i;

	e_raw(e, "[");
	for (i = 0; i < t->npolicies; i++) {
		if (i > 0)
			e_raw(e, ",");
		e_str(e, t->policies[i]);
	}
	e_raw(e, "]");
}

static void
e_auth(struct emit *e, const struct writ_req *req)
{
	const struct writ_token *t = req->token;

	if (t == NULL) {
		e_raw(e, "{}");
		return;
	}
	e_raw(e, "{\"client_token\":\"");
	e_raw(e, e->h_token);
	e_raw(e, "\",\"accessor\":\"");
	e_raw(e, e->h_accessor);
	e_raw(e, "\"");
	e_key(e, "display_name", false);
	e_str(e, t->display_name);
	e_raw(e, ",\"policies\":");
	e_policies(e, t);
	e_raw(e, ",\"token_policies\":");
	e_policies(e, t);
	e_raw(e, ",\"metadata\":");
	if (t->meta != NULL)
		e_json(e, t->meta);
	else
		e_raw(e, "{}");
	e_raw(e, ",\"entity_id\":\"\",\"token_type\":\"service\"");
	if (e->rc == WRIT_OK)
		e->rc = writ_buf_appendf(e->b, ",\"token_ttl\":%lld}", (long long)t->creation_ttl);
}

static void
e_request(struct emit *e, const struct writ_req *req)
{
	e_raw(e, "{\"id\":");
	e_str(e, req->id);
	e_key(e, "operation", false);
	e_str(e, op_names[req->op]);
	e_key(e, "path", false);
	e_str(e, req->path);
	e_key(e, "remote_address", false);
	e_str(e, req->remote_addr);
	e_raw(e, ",\"client_token\":\"");
	e_raw(e, e->h_token);
	e_raw(e, "\",\"client_token_accessor\":\"");
	e_raw(e, e->h_accessor);
	e_raw(e, "\"");
	e_raw(e, ",\"namespace\":{\"id\":\"root\"}");
	if (req->mount != NULL) {
		e_key(e, "mount_type", false);
		e_str(e, req->mount->type);
		e_key(e, "mount_point", false);
		e_str(e, req->mount->path);
		e_key(e, "mount_accessor", false);
		e_str(e, req->mount->accessor);
	}
	if (json_object_size(req->body) > 0) {
		e_raw(e, ",\"data\":");
		e_hmac_json(e, req->body, 0);
	}
	e_raw(e, "}");
}

/*
 * The auth object of a response, as Vault's audit hashing treats it: the
 * new token and its accessor become HMACs; policies, metadata, TTLs and the
 * token type stay readable, since they are what an investigator searches by.
 */
static void
e_resp_auth(struct emit *e, json_t *auth)
{
	const char *k;
	json_t *x;
	bool first = true;

	if (!json_is_object(auth)) {
		e_hmac_json(e, auth, 0);
		return;
	}
	e_raw(e, "{");
	json_object_foreach(auth, k, x) {
		e_key(e, k, first);
		if ((strcmp(k, "client_token") == 0 || strcmp(k, "accessor") == 0) && json_is_string(x))
			e_hmac(e, json_string_value(x), json_string_length(x));
		else
			e_json(e, x);
		first = false;
	}
	e_raw(e, "}");
}

static void
e_response(struct emit *e, const struct writ_req *req, const struct writ_resp *resp)
{
	bool first = true;

	e_raw(e, "{");
	if (req->mount != NULL) {
		e_key(e, "mount_type", first);
		e_str(e, req->mount->type);
		first = false;
	}
	if (resp->data != NULL || resp->raw != NULL) {
		e_key(e, "data", first);
		e_hmac_json(e, resp->data != NULL ? resp->data : resp->raw, 0);
		first = false;
	}
	if (resp->auth != NULL) {
		e_key(e, "auth", first);
		e_resp_auth(e, resp->auth);
		first = false;
	}
	if (resp->lease_id != NULL) {
		e_key(e, "secret", first);
		e_raw(e, "{\"lease_id\":");
		e_str(e, resp->lease_id);
		e_raw(e, "}");
		first = false;
	}
	e_key(e, "status", first);
	if (e->rc == WRIT_OK)
		e->rc = writ_buf_appendf(e->b, "%d}", resp->status ? resp->status : 200);
}

/*
 * One entry.  The "auth" and "request" members are the same in a request's
 * two entries, so the request entry leaves them in frag (request arena) and
 * the response entry copies them: half the HMACs and formatting of a
 * request, and the two entries cannot disagree about what was asked.
 */
static writ_rc
entry_format(struct writ_buf *b, const struct writ_audit *log, struct writ_req *req,
    bool response, const struct writ_resp *resp, struct core_audit_frag *frag)
{
	struct emit e = {b, log, WRIT_OK, "", ""};
	const char *acc = req->token != NULL ? req->token->accessor : NULL;
	bool reuse = frag != NULL && frag->log == log && frag->p != NULL;
	char now[48];
	int64_t sec;
	long nsec;
	size_t start;

	writ_time_now_ns(&sec, &nsec);
	writ_time_rfc3339(now, sizeof(now), sec, nsec);
	e_raw(&e, "{\"time\":\"");
	e_raw(&e, now);
	e_raw(&e, response ? "\",\"type\":\"response\"," : "\",\"type\":\"request\",");
	start = b->len;
	if (reuse) {
		if (e.rc == WRIT_OK)
			e.rc = writ_buf_append(b, frag->p, frag->len);
	} else {
		if (req->client_token != NULL && req->client_token[0] != '\0')
			writ_audit_hmac(log, req->client_token, strlen(req->client_token), e.h_token);
		if (acc != NULL && acc[0] != '\0')
			writ_audit_hmac(log, acc, strlen(acc), e.h_accessor);
		e_raw(&e, "\"auth\":");
		e_auth(&e, req);
		e_raw(&e, ",\"request\":");
		e_request(&e, req);
		if (e.rc == WRIT_OK && frag != NULL && !response) {
			frag->p = writ_arena_strndup(req->arena, b->ptr + start, b->len - start);
			frag->len = frag->p != NULL ? b->len - start : 0;
			frag->log = frag->p != NULL ? log : NULL;
		}
	}
	if (response) {
		e_raw(&e, ",\"response\":");
		e_response(&e, req, resp);
	}
	/* A refused request's request entry carries the error too, as Vault's does. */
	if (resp != NULL && resp->rc != WRIT_OK) {
		e_key(&e, "error", false);
		e_str(&e, resp->msg);
	}
	e_raw(&e, "}");
	return e.rc;
}

writ_rc
core_audit_request(struct writ_core *core, struct writ_req *req, bool response,
    const struct writ_resp *resp, uint64_t *seqs, struct core_audit_frag *frags,
    struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	struct writ_buf b;
	size_t i, ok = 0;

	writ_buf_init(&b, WRIT_AUDIT_LINE_MAX);
	pthread_rwlock_rdlock(&p->lock);
	for (i = 0; i < p->ndevices; i++) {
		struct audit_device *d = &p->devices[i];

		seqs[i] = 0;
		writ_buf_reset(&b);
		if (entry_format(&b, d->log, req, response, resp, frags ? &frags[i] : NULL) != WRIT_OK)
			WRIT_ERR(err, WRIT_ENOMEM, "cannot format the audit entry");
		else if (writ_audit_append(d->log, b.ptr, b.len, &seqs[i], err) == WRIT_OK)
			ok++;
		if (seqs[i] == 0)
			writ_log(WRIT_LOG_ERROR, "audit device \"%s\" failed to record a %s: %s",
			    d->name, response ? "response" : "request", err ? err->msg : "");
	}
	pthread_rwlock_unlock(&p->lock);
	writ_buf_free(&b);
	if (i > 0 && ok == 0)
		return WRIT_ERR(err, WRIT_EIO, "no audit device recorded the request");
	return WRIT_OK;
}

writ_rc
core_audit_sync(struct writ_core *core, const uint64_t *seqs, struct writ_err *err)
{
	struct writ_core_priv *p = core->priv;
	size_t i, ok = 0, need = 0;

	pthread_rwlock_rdlock(&p->lock);
	for (i = 0; i < p->ndevices; i++) {
		if (seqs[i] == 0)
			continue;
		need++;
		if (writ_audit_sync(p->devices[i].log, seqs[i], err) == WRIT_OK)
			ok++;
	}
	pthread_rwlock_unlock(&p->lock);
	if (need > 0 && ok == 0)
		return WRIT_ERR(err, WRIT_EIO, "no audit device could sync");
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * sys/audit and sys/audit-hash.
 */

static writ_rc
audit_list(struct writ_req *req, struct writ_resp *resp)
{
	struct writ_core_priv *p = req->core->priv;
	json_t *o = json_object();
	size_t i;

	pthread_rwlock_rdlock(&p->lock);
	for (i = 0; i < p->ndevices; i++) {
		const struct audit_device *d = &p->devices[i];
		char key[80];

		snprintf(key, sizeof(key), "%s/", d->name);
		json_object_set_new(o, key,
		    json_pack("{s:s, s:s, s:s, s:{s:s}, s:s, s:b}", "type", "file", "description",
			"", "path", key, "options", "file_path", d->path, "public_key",
			d->pubkey_b64, "local", 0));
	}
	pthread_rwlock_unlock(&p->lock);
	resp->data = o;
	resp->data_to_top = true;
	return WRIT_OK;
}

static writ_rc
audit_hash(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	struct writ_core_priv *p = req->core->priv;
	char h[WRIT_AUDIT_HMAC_STR_LEN];
	const char *input;
	size_t i;

	if (writ_req_str(req, "input", &input) != WRIT_OK)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", "missing \"input\"");
	pthread_rwlock_rdlock(&p->lock);
	for (i = 0; i < p->ndevices && strcmp(p->devices[i].name, name) != 0; i++)
		;
	if (i < p->ndevices)
		writ_audit_hmac(p->devices[i].log, input, strlen(input), h);
	pthread_rwlock_unlock(&p->lock);
	if (i == p->ndevices)
		return writ_resp_err(resp, WRIT_ENOTFOUND, 400, "%s", "unknown audit backend");
	resp->data = json_pack("{s:s}", "hash", h);
	resp->data_to_top = true;
	return WRIT_OK;
}

static writ_rc
audit_enable(struct writ_req *req, struct writ_resp *resp, const char *name)
{
	struct writ_core_priv *p = req->core->priv;
	json_t *opts = json_object_get(req->body, "options");
	const char *type = NULL, *path;
	struct audit_device *d;
	struct writ_err err = {0};
	writ_rc rc;

	if (writ_req_str(req, "type", &type) != WRIT_OK || strcmp(type, "file") != 0)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", "only audit type \"file\" is supported");
	path = json_string_value(json_object_get(opts, "file_path"));
	if (path == NULL || path[0] != '/' || strlen(path) >= sizeof(d->path) ||
	    strlen(name) >= sizeof(d->name) || strchr(name, '/') != NULL)
		return writ_resp_err(resp, WRIT_EINVAL, 400, "%s", "options.file_path must be an absolute path");
	pthread_rwlock_wrlock(&p->lock);
	if (p->ndevices == CORE_MAX_DEVICES) {
		pthread_rwlock_unlock(&p->lock);
		return writ_resp_err(resp, WRIT_ELIMIT, 400, "%s", "too many audit devices");
	}
	d = &p->devices[p->ndevices];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->path, sizeof(d->path), "%s", path);
	if ((rc = device_open(req->core, d, &err)) == WRIT_OK)
		p->ndevices++;
	pthread_rwlock_unlock(&p->lock);
	if (rc != WRIT_OK) {
		writ_log(WRIT_LOG_ERROR, "audit enable: %s", err.msg);
		return writ_resp_err(resp, rc, 400, "%s", "cannot enable audit device");
	}
	resp->status = 204;
	return WRIT_OK;
}

writ_rc
core_audit_handle(struct writ_req *req, struct writ_resp *resp, const char *sub)
{
	if (strncmp(sub, "audit-hash/", 11) == 0)
		return audit_hash(req, resp, sub + 11);
	if (strcmp(sub, "audit") == 0 && req->op == WRIT_OP_READ)
		return audit_list(req, resp);
	if (strncmp(sub, "audit/", 6) == 0 && sub[6] != '\0' &&
	    (req->op == WRIT_OP_UPDATE || req->op == WRIT_OP_CREATE))
		return audit_enable(req, resp, sub + 6);
	return writ_resp_err(resp, WRIT_EUNSUPPORTED, 405, "%s", "unsupported operation");
}
