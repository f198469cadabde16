/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The token store's record layer.  A token is a record (token_rec.c) at
 * "auth/token/id/<sha256 hex>", an accessor index "auth/token/accessor/<acc>"
 * holding the hash, and for non-orphans a parent index
 * "auth/token/parent/<parent hash>/<child hash>", all written in one
 * transaction.
 *
 * Revocation walks the parent index depth first with an explicit stack, one
 * bounded transaction per step: a node is marked revoked (refused from then
 * on) when it is discovered and deleted only once it has no children left, so
 * a crash part-way leaves a consistent tree that tidy or the next revocation
 * finishes.  Creation re-reads the parent inside its transaction, so a child
 * cannot be attached to a parent whose revocation has begun.
 */
#include <stdlib.h>
#include <string.h>

#include "writ/crypto.h"

#include "auth_int.h"

#define KEY_LEN 256

/* The revocation stack: hashes, grown with writ_realloc. */
struct hstack {
	char (*v)[AUTH_HASH_HEX];
	size_t n;
	size_t cap;
};

static const char *jstr(const json_t *o, const char *k);
static int64_t jint(const json_t *o, const char *k);
static writ_rc rec_decode(struct writ_arena *a, const char *hash, const unsigned char *val,
    size_t len, struct tok_rec *out);
static writ_rc rec_fill(struct writ_arena *a, const struct tok_spec *spec, const char *text,
    int64_t now, struct tok_rec *r);
static writ_rc create_txn(struct writ_core *core, struct writ_arena *a, const struct tok_rec *r,
    bool custom_id, uint64_t *seq, struct writ_err *err);
static writ_rc txn_del(struct writ_txn *t, const char *key, struct writ_err *err);
static writ_rc txn_absent(
    struct writ_txn *t, struct writ_arena *a, const char *key, struct writ_err *err);
static writ_rc find_hash(struct writ_core *core, struct writ_arena *a, const char *hash,
    struct tok_rec *out, uint64_t *seq, struct writ_err *err);
static writ_rc hs_push(struct hstack *s, const char *h);
static writ_rc mark_revoked(
    struct writ_txn *t, struct writ_arena *a, const char *hash, bool *found, struct writ_err *err);
static writ_rc delete_leaf(struct writ_txn *t, struct writ_arena *a, const char *hash,
    const char *known_parent, struct writ_err *err);
static writ_rc revoke_start(struct writ_core *core, struct writ_arena *a, const char *hash,
    bool *found, uint64_t *seq, struct writ_err *err);
static writ_rc revoke_step(struct writ_core *core, struct writ_arena *a, struct hstack *st,
    uint64_t *seq, struct writ_err *err);
static writ_rc orphan_step(struct writ_core *core, struct writ_arena *a, const char *hash,
    bool *done, uint64_t *seq, struct writ_err *err);
static bool hash_valid(const char *h);

/* ---------------------------------------------------------------------------
 * Records.
 */

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "";
}

static int64_t
jint(const json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

static bool
hash_valid(const char *h)
{
	size_t i;

	for (i = 0; i < AUTH_HASH_HEX - 1; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return h[i] == '\0';
}

static writ_rc
rec_decode(struct writ_arena *a, const char *hash, const unsigned char *val, size_t len,
    struct tok_rec *out)
{
	json_t *o, *v;
	struct writ_token *t = &out->t;
	writ_rc rc = WRIT_EPARSE;

	if (tok_rec_is_binary(val, len))
		return tok_rec_decode_binary(a, hash, val, len, out);
	o = auth_json_load(val, len);
	memset(out, 0, sizeof(*out));
	if (!json_is_object(o) || strlen(jstr(o, "accessor")) >= sizeof(t->accessor) ||
	    strlen(jstr(o, "parent")) >= sizeof(t->parent_hash))
		goto out;
	snprintf(t->id_hash, sizeof(t->id_hash), "%s", hash);
	snprintf(t->accessor, sizeof(t->accessor), "%s", jstr(o, "accessor"));
	snprintf(t->parent_hash, sizeof(t->parent_hash), "%s", jstr(o, "parent"));
	if ((rc = auth_json_strv(a, json_object_get(o, "policies"), &t->policies, &t->npolicies)) !=
	    WRIT_OK)
		goto out;
	rc = WRIT_ENOMEM;
	if ((t->display_name = writ_arena_strdup(a, jstr(o, "display_name"))) == NULL ||
	    (t->path = writ_arena_strdup(a, jstr(o, "path"))) == NULL ||
	    (t->role = writ_arena_strdup(a, jstr(o, "role"))) == NULL ||
	    (t->entity_id = writ_arena_strdup(a, jstr(o, "entity_id"))) == NULL)
		goto out;
	t->creation_time = jint(o, "creation_time");
	t->creation_ttl = jint(o, "creation_ttl");
	t->expire_time = jint(o, "expire_time");
	t->explicit_max_ttl = jint(o, "explicit_max_ttl");
	t->period = jint(o, "period");
	t->issue_time = jint(o, "issue_time");
	t->num_uses = jint(o, "num_uses");
	t->max_ttl = jint(o, "max_ttl");
	t->last_renewal_time = jint(o, "last_renewal_time");
	t->renewable = json_is_true(json_object_get(o, "renewable"));
	t->batch = strcmp(jstr(o, "type"), "batch") == 0;
	t->orphan = t->parent_hash[0] == '\0';
	t->root = auth_strv_contains(t->policies, t->npolicies, "root");
	out->revoked = json_is_true(json_object_get(o, "revoked"));
	v = json_object_get(o, "meta");
	if (json_is_object(v))
		t->meta = json_incref(v);
	v = json_object_get(o, "bound_cidrs");
	if (json_is_array(v))
		t->bound_cidrs = json_incref(v);
	rc = WRIT_OK;
out:
	json_decref(o);
	if (rc != WRIT_OK)
		tok_rec_clear(out);
	return rc;
}

void
tok_rec_clear(struct tok_rec *r)
{
	if (r == NULL)
		return;
	writ_token_release(&r->t);
}

void
writ_token_release(struct writ_token *t)
{
	if (t == NULL)
		return;
	json_decref(t->meta);
	json_decref(t->bound_cidrs);
	t->meta = NULL;
	t->bound_cidrs = NULL;
}

writ_rc
tok_rec_get(struct writ_store *s, struct writ_txn *t, struct writ_arena *a, const char *hash,
    struct tok_rec *out, struct writ_err *err)
{
	char key[KEY_LEN];
	unsigned char *val;
	size_t len;
	writ_rc rc;

	/* Cleared first, so that tok_rec_clear is safe on every path. */
	memset(out, 0, sizeof(*out));
	if (!hash_valid(hash))
		return WRIT_ENOTFOUND;
	snprintf(key, sizeof(key), "%s%s", TOK_ID_PREFIX, hash);
	rc = t != NULL ? writ_txn_get(t, a, key, &val, &len, err)
	               : writ_store_get(s, a, key, &val, &len, err);
	if (rc != WRIT_OK)
		return rc;
	if ((rc = rec_decode(a, hash, val, len, out)) == WRIT_EPARSE)
		rc = WRIT_ERR(err, WRIT_EINTERNAL, "token record %.12s... is corrupt", hash);
	return rc;
}

/*
 * Write a token record.  Changing an existing record tells the token cache
 * (writ_txn_touch); a new one (fresh) cannot be cached anywhere yet.
 */
static writ_rc
rec_put(struct writ_txn *t, const struct tok_rec *r, bool fresh, struct writ_err *err)
{
	char key[KEY_LEN];
	struct writ_buf b;
	writ_rc rc;

	if (!fresh)
		writ_txn_touch(t, WRIT_WATCH_TOKENS);
	writ_buf_init(&b, 0);
	if ((rc = tok_rec_encode(r, &b)) != WRIT_OK) {
		writ_buf_free(&b);
		return WRIT_ERR(err, rc, "cannot encode the token record");
	}
	snprintf(key, sizeof(key), "%s%s", TOK_ID_PREFIX, r->t.id_hash);
	rc = writ_txn_put(t, key, b.ptr, b.len, err);
	writ_buf_free(&b);
	return rc;
}

writ_rc
tok_rec_put(struct writ_txn *t, const struct tok_rec *r, struct writ_err *err)
{
	return rec_put(t, r, false, err);
}

bool
tok_rec_expired(const struct tok_rec *r, int64_t now)
{
	return r->t.expire_time != 0 && now >= r->t.expire_time;
}

static writ_rc
txn_del(struct writ_txn *t, const char *key, struct writ_err *err)
{
	writ_rc rc;

	if (strncmp(key, TOK_ID_PREFIX, strlen(TOK_ID_PREFIX)) == 0)
		writ_txn_touch(t, WRIT_WATCH_TOKENS); /* a record the cache may hold */
	rc = writ_txn_delete(t, key, err);

	return rc == WRIT_ENOTFOUND ? WRIT_OK : rc;
}

static writ_rc
txn_absent(struct writ_txn *t, struct writ_arena *a, const char *key, struct writ_err *err)
{
	unsigned char *val;
	size_t len;
	writ_rc rc = writ_txn_get(t, a, key, &val, &len, err);

	if (rc == WRIT_OK)
		return WRIT_ERR(err, WRIT_ECONFLICT, "key exists");
	return rc == WRIT_ENOTFOUND ? WRIT_OK : rc;
}

/* ---------------------------------------------------------------------------
 * Creation.
 */

static writ_rc
rec_fill(struct writ_arena *a, const struct tok_spec *spec, const char *text, int64_t now,
    struct tok_rec *r)
{
	struct writ_token *t = &r->t;
	char *acc;

	memset(r, 0, sizeof(*r));
	if ((acc = tok_new_accessor(a)) == NULL)
		return WRIT_ENOMEM;
	tok_id_of(text, strlen(text), t->id_hash);
	snprintf(t->accessor, sizeof(t->accessor), "%s", acc);
	snprintf(t->parent_hash, sizeof(t->parent_hash), "%s",
	    spec->parent_hash != NULL ? spec->parent_hash : "");
	t->policies = spec->policies;
	t->npolicies = spec->npolicies;
	t->display_name = spec->display_name;
	t->path = spec->path;
	t->role = spec->role != NULL ? spec->role : "";
	t->entity_id = "";
	t->creation_time = t->issue_time = now;
	t->creation_ttl = spec->ttl;
	t->expire_time = spec->ttl > 0 ? now + spec->ttl : 0;
	t->explicit_max_ttl = spec->explicit_max_ttl;
	t->period = spec->period;
	t->max_ttl = spec->max_ttl;
	t->num_uses = spec->num_uses;
	t->renewable = spec->renewable;
	t->batch = spec->batch;
	t->orphan = t->parent_hash[0] == '\0';
	t->root = auth_strv_contains(t->policies, t->npolicies, "root");
	t->meta = json_is_object(spec->meta) ? json_incref(spec->meta) : NULL;
	t->bound_cidrs = json_is_array(spec->bound_cidrs) && json_array_size(spec->bound_cidrs) > 0
	    ? json_incref(spec->bound_cidrs)
	    : NULL;
	return WRIT_OK;
}

/*
 * The record and its indexes in one transaction.  A custom id may collide
 * with an existing token, so it is checked; a random one (256 bits, with a
 * 144-bit random accessor) cannot, and is not looked up first.
 */
static writ_rc
create_txn(struct writ_core *core, struct writ_arena *a, const struct tok_rec *r, bool custom_id,
    uint64_t *seq, struct writ_err *err)
{
	struct writ_txn *t = NULL;
	struct tok_rec parent = {0};
	char idkey[KEY_LEN], acckey[KEY_LEN], pkey[KEY_LEN];
	const char *p = r->t.parent_hash;
	writ_rc rc;

	snprintf(idkey, sizeof(idkey), "%s%s", TOK_ID_PREFIX, r->t.id_hash);
	snprintf(acckey, sizeof(acckey), "%s%s", TOK_ACC_PREFIX, r->t.accessor);
	snprintf(pkey, sizeof(pkey), "%s%s/%s", TOK_PARENT_PREFIX, p, r->t.id_hash);
	if ((rc = writ_txn_begin(core->store, &t, err)) != WRIT_OK)
		goto out;
	if (p[0] != '\0') {
		rc = tok_rec_get(NULL, t, a, p, &parent, err);
		if (rc == WRIT_ENOTFOUND ||
		    (rc == WRIT_OK &&
		        (parent.revoked || parent.t.num_uses < 0 ||
		            tok_rec_expired(&parent, auth_now()))))
			rc = WRIT_ERR(err, WRIT_EDENIED, "parent token is no longer valid");
		if (rc != WRIT_OK)
			goto out;
	}
	if (custom_id && ((rc = txn_absent(t, a, idkey, err)) != WRIT_OK ||
	                     (rc = txn_absent(t, a, acckey, err)) != WRIT_OK))
		goto out;
	if ((rc = rec_put(t, r, true, err)) != WRIT_OK ||
	    (rc = writ_txn_put(t, acckey, r->t.id_hash, strlen(r->t.id_hash), err)) != WRIT_OK)
		goto out;
	if (p[0] != '\0' && (rc = writ_txn_put(t, pkey, "1", 1, err)) != WRIT_OK)
		goto out;
	rc = writ_txn_commit(t, seq, err);
	t = NULL;
out:
	writ_txn_abort(t);
	tok_rec_clear(&parent);
	return rc;
}

writ_rc
tok_create(struct writ_core *core, struct writ_arena *a, const struct tok_spec *spec, char **token,
    struct tok_rec *out, uint64_t *seq, struct writ_err *err)
{
	struct tok_rec r = {0};
	char *text = NULL;
	writ_rc rc = WRIT_ENOMEM;

	if (spec->custom_id != NULL) {
		text = writ_arena_strdup(a, spec->custom_id);
	} else {
		text = tok_new_text(a, spec->batch);
	}
	if (text == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = rec_fill(a, spec, text, auth_now(), &r)) != WRIT_OK) {
		rc = WRIT_ERR(err, rc, "cannot make token identifiers");
		goto out;
	}
	if ((rc = create_txn(core, a, &r, spec->custom_id != NULL, seq, err)) != WRIT_OK)
		goto out;
	*token = text;
	*out = r;
	memset(&r, 0, sizeof(r));
out:
	tok_rec_clear(&r);
	if (rc != WRIT_OK && text != NULL)
		writ_memzero(text, strlen(text));
	return rc;
}

/* ---------------------------------------------------------------------------
 * Lookup.
 */

static writ_rc
find_hash(struct writ_core *core, struct writ_arena *a, const char *hash, struct tok_rec *out,
    uint64_t *seq, struct writ_err *err)
{
	struct tok_rec r;
	writ_rc rc;

	if ((rc = tok_rec_get(core->store, NULL, a, hash, &r, err)) != WRIT_OK)
		return rc;
	if (r.revoked) {
		tok_rec_clear(&r);
		return WRIT_ENOTFOUND;
	}
	if (r.t.num_uses < 0 || tok_rec_expired(&r, auth_now())) {
		/* Lazy expiry: the token and its subtree go now. */
		tok_rec_clear(&r);
		rc = tok_revoke_tree(core, hash, seq, err);
		return rc == WRIT_OK ? WRIT_ENOTFOUND : rc;
	}
	*out = r;
	return WRIT_OK;
}

writ_rc
tok_find_token(struct writ_core *core, struct writ_arena *a, const char *token, struct tok_rec *out,
    uint64_t *seq, struct writ_err *err)
{
	char hash[AUTH_HASH_HEX];
	size_t len = token != NULL ? strlen(token) : 0;

	if (len == 0 || len > AUTH_TOKEN_MAX)
		return WRIT_ENOTFOUND;
	tok_id_of(token, len, hash);
	return find_hash(core, a, hash, out, seq, err);
}

writ_rc
tok_find_accessor(struct writ_core *core, struct writ_arena *a, const char *accessor,
    struct tok_rec *out, uint64_t *seq, struct writ_err *err)
{
	char key[KEY_LEN], hash[AUTH_HASH_HEX];
	unsigned char *val;
	size_t len, i, alen = accessor != NULL ? strlen(accessor) : 0;
	writ_rc rc;

	if (alen == 0 || alen >= sizeof(out->t.accessor))
		return WRIT_ENOTFOUND;
	for (i = 0; i < alen; i++)
		if (accessor[i] == '/')
			return WRIT_ENOTFOUND;
	snprintf(key, sizeof(key), "%s%s", TOK_ACC_PREFIX, accessor);
	if ((rc = writ_store_get(core->store, a, key, &val, &len, err)) != WRIT_OK)
		return rc;
	if (len != AUTH_HASH_HEX - 1)
		return WRIT_ENOTFOUND;
	memcpy(hash, val, len);
	hash[len] = '\0';
	return find_hash(core, a, hash, out, seq, err);
}

/* ---------------------------------------------------------------------------
 * Revocation.
 */

static writ_rc
hs_push(struct hstack *s, const char *h)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		void *v;

		if (cap > AUTH_STACK_MAX)
			return WRIT_ELIMIT;
		if ((v = writ_realloc(s->v, cap * sizeof(*s->v))) == NULL)
			return WRIT_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	snprintf(s->v[s->n++], AUTH_HASH_HEX, "%s", h);
	return WRIT_OK;
}

static writ_rc
mark_revoked(
    struct writ_txn *t, struct writ_arena *a, const char *hash, bool *found, struct writ_err *err)
{
	struct tok_rec r;
	writ_rc rc = tok_rec_get(NULL, t, a, hash, &r, err);

	*found = rc == WRIT_OK;
	if (rc == WRIT_ENOTFOUND)
		return WRIT_OK;
	if (rc != WRIT_OK)
		return rc;
	if (!r.revoked) {
		r.revoked = true;
		rc = tok_rec_put(t, &r, err);
	}
	tok_rec_clear(&r);
	return rc;
}

static writ_rc
delete_leaf(struct writ_txn *t, struct writ_arena *a, const char *hash, const char *known_parent,
    struct writ_err *err)
{
	struct tok_rec r;
	char key[KEY_LEN];
	writ_rc rc = tok_rec_get(NULL, t, a, hash, &r, err);

	if (rc == WRIT_OK) {
		/*
		 * Lease hook: when the lease manager lands (a later issue), the
		 * leases issued to this token are revoked here, before its record
		 * goes, so that revoking a token tree also revokes every secret
		 * leased by any token in it.
		 */
		snprintf(key, sizeof(key), "%s%s", TOK_ID_PREFIX, hash);
		rc = txn_del(t, key, err);
		snprintf(key, sizeof(key), "%s%s", TOK_ACC_PREFIX, r.t.accessor);
		if (rc == WRIT_OK && r.t.accessor[0] != '\0')
			rc = txn_del(t, key, err);
		snprintf(key, sizeof(key), "%s%s/%s", TOK_PARENT_PREFIX, r.t.parent_hash, hash);
		if (rc == WRIT_OK && r.t.parent_hash[0] != '\0')
			rc = txn_del(t, key, err);
		tok_rec_clear(&r);
	} else if (rc == WRIT_ENOTFOUND) {
		rc = WRIT_OK;
	}
	snprintf(key, sizeof(key), "%s%s/%s", TOK_PARENT_PREFIX,
	    known_parent != NULL ? known_parent : "", hash);
	if (rc == WRIT_OK && known_parent != NULL)
		rc = txn_del(t, key, err);
	return rc;
}

static writ_rc
revoke_start(struct writ_core *core, struct writ_arena *a, const char *hash, bool *found,
    uint64_t *seq, struct writ_err *err)
{
	struct writ_txn *t = NULL;
	uint64_t s = 0;
	writ_rc rc;

	if ((rc = writ_txn_begin(core->store, &t, err)) != WRIT_OK)
		return rc;
	if ((rc = mark_revoked(t, a, hash, found, err)) != WRIT_OK) {
		writ_txn_abort(t);
		return rc;
	}
	rc = writ_txn_commit(t, &s, err);
	auth_seq_max(seq, s);
	return rc;
}

static writ_rc
revoke_step(struct writ_core *core, struct writ_arena *a, struct hstack *st, uint64_t *seq,
    struct writ_err *err)
{
	char top[AUTH_HASH_HEX], parent[AUTH_HASH_HEX], prefix[KEY_LEN], key[KEY_LEN];
	struct writ_txn *t = NULL;
	char **keys;
	size_t nkeys, i, plen;
	uint64_t s = 0;
	bool found, leaf;
	writ_rc rc;

	snprintf(top, sizeof(top), "%s", st->v[st->n - 1]);
	snprintf(parent, sizeof(parent), "%s", st->n > 1 ? st->v[st->n - 2] : "");
	plen = (size_t)snprintf(prefix, sizeof(prefix), "%s%s/", TOK_PARENT_PREFIX, top);
	if ((rc = writ_txn_begin(core->store, &t, err)) != WRIT_OK)
		return rc;
	rc = writ_txn_list(t, a, prefix, NULL, AUTH_TXN_BATCH, &keys, &nkeys, err);
	leaf = rc == WRIT_OK && nkeys == 0;
	if (leaf)
		rc = delete_leaf(t, a, top, parent[0] != '\0' ? parent : NULL, err);
	for (i = 0; rc == WRIT_OK && !leaf && i < nkeys; i++) {
		const char *child = keys[i] + plen;

		snprintf(key, sizeof(key), "%s", keys[i]);
		found = false;
		if (hash_valid(child) && strcmp(child, top) != 0)
			rc = mark_revoked(t, a, child, &found, err);
		if (rc == WRIT_OK && found)
			rc = hs_push(st, child);
		else if (rc == WRIT_OK)
			rc = txn_del(t, key, err); /* dangling index key */
	}
	if (rc != WRIT_OK) {
		writ_txn_abort(t);
		return rc == WRIT_ELIMIT ? WRIT_ERR(err, rc, "token tree too deep") : rc;
	}
	if ((rc = writ_txn_commit(t, &s, err)) == WRIT_OK && leaf)
		st->n--;
	auth_seq_max(seq, s);
	return rc;
}

writ_rc
tok_revoke_tree(struct writ_core *core, const char *hash, uint64_t *seq, struct writ_err *err)
{
	struct hstack st = {0};
	struct writ_arena *a = writ_arena_new(0, 0);
	bool found;
	writ_rc rc;

	if (a == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	if (!hash_valid(hash)) {
		rc = WRIT_OK;
		goto out;
	}
	/* The root is refused from here on, before its subtree is walked. */
	if ((rc = revoke_start(core, a, hash, &found, seq, err)) != WRIT_OK)
		goto out;
	if ((rc = hs_push(&st, hash)) != WRIT_OK) {
		rc = WRIT_ERR(err, rc, "out of memory");
		goto out;
	}
	while (rc == WRIT_OK && st.n > 0) {
		writ_arena_reset(a);
		rc = revoke_step(core, a, &st, seq, err);
		if (rc == WRIT_ENOMEM)
			rc = WRIT_ERR(err, rc, "out of memory");
	}
out:
	writ_free(st.v);
	writ_arena_free(a);
	return rc;
}

writ_rc
writ_token_revoke_hash(struct writ_core *core, const char *id_hash, struct writ_err *err)
{
	uint64_t seq = 0;
	writ_rc rc = tok_revoke_tree(core, id_hash, &seq, err);

	if (rc == WRIT_OK && seq != 0)
		rc = writ_store_sync(core->store, seq, err);
	return rc;
}

static writ_rc
orphan_step(struct writ_core *core, struct writ_arena *a, const char *hash, bool *done,
    uint64_t *seq, struct writ_err *err)
{
	char prefix[KEY_LEN];
	struct writ_txn *t = NULL;
	struct tok_rec r;
	char **keys;
	size_t nkeys, i, plen;
	uint64_t s = 0;
	writ_rc rc;

	plen = (size_t)snprintf(prefix, sizeof(prefix), "%s%s/", TOK_PARENT_PREFIX, hash);
	if ((rc = writ_txn_begin(core->store, &t, err)) != WRIT_OK)
		return rc;
	rc = writ_txn_list(t, a, prefix, NULL, AUTH_TXN_BATCH, &keys, &nkeys, err);
	*done = rc == WRIT_OK && nkeys == 0;
	if (*done)
		rc = delete_leaf(t, a, hash, NULL, err);
	for (i = 0; rc == WRIT_OK && !*done && i < nkeys; i++) {
		rc = tok_rec_get(NULL, t, a, keys[i] + plen, &r, err);
		if (rc == WRIT_OK) {
			r.t.parent_hash[0] = '\0';
			r.t.orphan = true;
			rc = tok_rec_put(t, &r, err);
			tok_rec_clear(&r);
		} else if (rc == WRIT_ENOTFOUND) {
			rc = WRIT_OK;
		}
		if (rc == WRIT_OK)
			rc = txn_del(t, keys[i], err);
	}
	if (rc != WRIT_OK) {
		writ_txn_abort(t);
		return rc;
	}
	rc = writ_txn_commit(t, &s, err);
	auth_seq_max(seq, s);
	return rc;
}

writ_rc
tok_revoke_orphan(struct writ_core *core, const char *hash, uint64_t *seq, struct writ_err *err)
{
	struct writ_arena *a = writ_arena_new(0, 0);
	bool found, done = false;
	writ_rc rc;

	if (a == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	if ((rc = revoke_start(core, a, hash, &found, seq, err)) != WRIT_OK)
		goto out;
	if (!found) {
		rc = WRIT_ENOTFOUND;
		goto out;
	}
	while (rc == WRIT_OK && !done) {
		writ_arena_reset(a);
		rc = orphan_step(core, a, hash, &done, seq, err);
	}
out:
	writ_arena_free(a);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Renewal.
 */

static int64_t
cap_from(int64_t start, int64_t max, int64_t now)
{
	int64_t end;

	if (max <= 0 || max == INT64_MAX || __builtin_add_overflow(start, max, &end))
		return INT64_MAX;
	return end - now;
}

static writ_rc
renew_ttl(struct writ_core *core, const struct writ_mount *m, struct writ_txn *t,
    struct writ_arena *a, const struct tok_rec *r, int64_t increment, int64_t now, int64_t *out,
    struct writ_err *err)
{
	const struct writ_token *tk = &r->t;
	int64_t sysmax = writ_core_ttl(core, m, INT64_MAX), max, ttl, rem;
	struct tok_rec parent;
	writ_rc rc;

	if (tk->period > 0) {
		ttl = tk->period;
		rem = cap_from(tk->creation_time, tk->explicit_max_ttl, now);
	} else {
		ttl = increment > 0        ? increment
		    : tk->creation_ttl > 0 ? tk->creation_ttl
		                           : writ_core_ttl(core, m, 0);
		max = tk->max_ttl > 0 && tk->max_ttl < sysmax ? tk->max_ttl : sysmax;
		if (tk->explicit_max_ttl > 0 && tk->explicit_max_ttl < max)
			max = tk->explicit_max_ttl;
		rem = cap_from(tk->creation_time, max, now);
	}
	if (!tk->orphan) {
		rc = tok_rec_get(NULL, t, a, tk->parent_hash, &parent, err);
		if (rc != WRIT_OK && rc != WRIT_ENOTFOUND)
			return rc;
		if (rc == WRIT_OK && parent.t.expire_time != 0 && parent.t.expire_time - now < rem)
			rem = parent.t.expire_time - now;
		if (rc == WRIT_OK)
			tok_rec_clear(&parent);
	}
	if (rem <= 0)
		return WRIT_ERR(err, WRIT_EINVAL, "past the max TTL, cannot renew");
	*out = ttl < rem ? ttl : rem;
	return WRIT_OK;
}

writ_rc
tok_renew(struct writ_core *core, const struct writ_mount *m, struct writ_arena *a,
    const char *hash, int64_t increment, struct tok_rec *out, uint64_t *seq, char *msg,
    size_t msglen, struct writ_err *err)
{
	struct writ_txn *t = NULL;
	struct tok_rec r = {0};
	int64_t now = auth_now(), ttl = 0;
	writ_rc rc;

	if ((rc = writ_txn_begin(core->store, &t, err)) != WRIT_OK)
		goto out;
	if ((rc = tok_rec_get(NULL, t, a, hash, &r, err)) != WRIT_OK)
		goto out;
	rc = WRIT_EINVAL;
	if (r.revoked || r.t.num_uses < 0 || tok_rec_expired(&r, now)) {
		rc = WRIT_ENOTFOUND;
		goto out;
	} else if (r.t.batch) {
		snprintf(msg, msglen, "batch tokens cannot be renewed");
		goto out;
	} else if (!r.t.renewable || r.t.expire_time == 0) {
		snprintf(msg, msglen, "lease is not renewable");
		goto out;
	}
	if ((rc = renew_ttl(core, m, t, a, &r, increment, now, &ttl, err)) != WRIT_OK) {
		snprintf(msg, msglen, "%s", err != NULL ? err->msg : "cannot renew");
		goto out;
	}
	r.t.expire_time = now + ttl;
	r.t.last_renewal_time = now;
	if ((rc = tok_rec_put(t, &r, err)) != WRIT_OK)
		goto out;
	rc = writ_txn_commit(t, seq, err);
	t = NULL;
	if (rc == WRIT_OK) {
		*out = r;
		memset(&r, 0, sizeof(r));
	}
out:
	writ_txn_abort(t);
	tok_rec_clear(&r);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Tidy: pages of keys, each checked in its own small transaction.
 */

typedef writ_rc (*tidy_fn)(struct writ_core *core, struct writ_arena *a, const char *key,
    uint64_t *seq, struct writ_err *err);

static writ_rc
tidy_walk(
    struct writ_core *core, const char *prefix, tidy_fn fn, uint64_t *seq, struct writ_err *err)
{
	struct writ_arena *a = writ_arena_new(0, 0), *ka = writ_arena_new(0, 0);
	char after[WRIT_STORE_KEY_MAX + 1] = "";
	char **keys;
	size_t n, i;
	writ_rc rc = WRIT_OK;

	if (a == NULL || ka == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		writ_arena_reset(ka);
		rc = writ_store_list(
		    core->store, ka, prefix, after[0] ? after : NULL, 128, &keys, &n, err);
		if (rc != WRIT_OK || n == 0)
			break;
		for (i = 0; rc == WRIT_OK && i < n; i++) {
			writ_arena_reset(a);
			rc = fn(core, a, keys[i], seq, err);
		}
		if (rc != WRIT_OK)
			break;
		snprintf(after, sizeof(after), "%s", keys[n - 1]);
	}
out:
	writ_arena_free(a);
	writ_arena_free(ka);
	return rc;
}

/* Delete the key in its own transaction when check() says it dangles. */
static writ_rc
tidy_delete_key(struct writ_core *core, const char *key, uint64_t *seq, struct writ_err *err)
{
	struct writ_txn *t = NULL;
	uint64_t s = 0;
	writ_rc rc;

	if ((rc = writ_txn_begin(core->store, &t, err)) != WRIT_OK)
		return rc;
	if ((rc = txn_del(t, key, err)) != WRIT_OK) {
		writ_txn_abort(t);
		return rc;
	}
	rc = writ_txn_commit(t, &s, err);
	auth_seq_max(seq, s);
	return rc;
}

static writ_rc
tidy_exists(struct writ_core *core, struct writ_arena *a, const char *hash, bool *exists,
    struct writ_err *err)
{
	struct tok_rec r;
	writ_rc rc = tok_rec_get(core->store, NULL, a, hash, &r, err);

	*exists = rc == WRIT_OK;
	if (rc == WRIT_OK)
		tok_rec_clear(&r);
	return rc == WRIT_ENOTFOUND ? WRIT_OK : rc;
}

static writ_rc
tidy_accessor(struct writ_core *core, struct writ_arena *a, const char *key, uint64_t *seq,
    struct writ_err *err)
{
	char hash[AUTH_HASH_HEX] = "";
	unsigned char *val;
	size_t len;
	bool exists = false;
	writ_rc rc = writ_store_get(core->store, a, key, &val, &len, err);

	if (rc == WRIT_ENOTFOUND)
		return WRIT_OK;
	if (rc != WRIT_OK)
		return rc;
	if (len == AUTH_HASH_HEX - 1) {
		memcpy(hash, val, len);
		hash[len] = '\0';
		if ((rc = tidy_exists(core, a, hash, &exists, err)) != WRIT_OK)
			return rc;
	}
	return exists ? WRIT_OK : tidy_delete_key(core, key, seq, err);
}

static writ_rc
tidy_parent(struct writ_core *core, struct writ_arena *a, const char *key, uint64_t *seq,
    struct writ_err *err)
{
	const char *rest = key + strlen(TOK_PARENT_PREFIX), *slash = strchr(rest, '/');
	char parent[AUTH_HASH_HEX] = "";
	bool child_ok = false, parent_ok = false;
	writ_rc rc;

	if (slash != NULL && (size_t)(slash - rest) == AUTH_HASH_HEX - 1) {
		memcpy(parent, rest, AUTH_HASH_HEX - 1);
		parent[AUTH_HASH_HEX - 1] = '\0';
		if ((rc = tidy_exists(core, a, slash + 1, &child_ok, err)) != WRIT_OK ||
		    (rc = tidy_exists(core, a, parent, &parent_ok, err)) != WRIT_OK)
			return rc;
	}
	if (!child_ok)
		return tidy_delete_key(core, key, seq, err);
	/* A live child of a vanished parent must not outlive it: fail closed. */
	return parent_ok ? WRIT_OK : tok_revoke_tree(core, slash + 1, seq, err);
}

static writ_rc
tidy_record(struct writ_core *core, struct writ_arena *a, const char *key, uint64_t *seq,
    struct writ_err *err)
{
	const char *hash = key + strlen(TOK_ID_PREFIX);
	struct tok_rec r;
	bool due, parent_ok = true;
	writ_rc rc = tok_rec_get(core->store, NULL, a, hash, &r, err);

	if (rc == WRIT_ENOTFOUND)
		return WRIT_OK;
	if (rc != WRIT_OK)
		return rc == WRIT_EINTERNAL ? tidy_delete_key(core, key, seq, err) : rc;
	due = r.revoked || r.t.num_uses < 0 || tok_rec_expired(&r, auth_now());
	if (!due && !r.t.orphan)
		rc = tidy_exists(core, a, r.t.parent_hash, &parent_ok, err);
	tok_rec_clear(&r);
	if (rc != WRIT_OK)
		return rc;
	return due || !parent_ok ? tok_revoke_tree(core, hash, seq, err) : WRIT_OK;
}

writ_rc
tok_tidy(struct writ_core *core, uint64_t *seq, struct writ_err *err)
{
	writ_rc rc;

	if ((rc = tidy_walk(core, TOK_ID_PREFIX, tidy_record, seq, err)) != WRIT_OK ||
	    (rc = tidy_walk(core, TOK_PARENT_PREFIX, tidy_parent, seq, err)) != WRIT_OK)
		return rc;
	return tidy_walk(core, TOK_ACC_PREFIX, tidy_accessor, seq, err);
}

/* ---------------------------------------------------------------------------
 * JSON views.
 */

json_t *
tok_auth_json(const struct tok_rec *r, const char *client_token, int64_t ttl)
{
	const struct writ_token *t = &r->t;
	json_t *pols = auth_strv_json(t->policies, t->npolicies);

	if (pols == NULL)
		return NULL;
	return json_pack("{s:s, s:s, s:O, s:o, s:O?, s:I, s:b, s:s, s:s, s:b, s:n, s:I}",
	    "client_token", client_token != NULL ? client_token : "", "accessor", t->accessor,
	    "policies", pols, "token_policies", pols, "metadata", t->meta, "lease_duration",
	    (json_int_t)ttl, "renewable", t->renewable, "entity_id", "", "token_type",
	    t->batch ? "batch" : "service", "orphan", t->orphan, "mfa_requirement", "num_uses",
	    (json_int_t)(t->num_uses > 0 ? t->num_uses : 0));
}

static writ_rc
lookup_extras(struct writ_arena *a, const struct writ_token *t, json_t *o)
{
	char *s;
	int bad = 0;

	if (t->period != 0)
		bad |= json_object_set_new(o, "period", json_integer(t->period));
	if (t->role != NULL && t->role[0] != '\0')
		bad |= json_object_set_new(o, "role", json_string(t->role));
	if (t->bound_cidrs != NULL)
		bad |= json_object_set(o, "bound_cidrs", t->bound_cidrs);
	if (t->last_renewal_time != 0) {
		if ((s = auth_rfc3339(a, t->last_renewal_time)) == NULL)
			return WRIT_ENOMEM;
		bad |=
		    json_object_set_new(o, "last_renewal_time", json_integer(t->last_renewal_time));
		bad |= json_object_set_new(o, "last_renewal", json_string(s));
	}
	return bad ? WRIT_ENOMEM : WRIT_OK;
}

json_t *
tok_lookup_json(struct writ_arena *a, const struct tok_rec *r, const char *id, int64_t now)
{
	const struct writ_token *t = &r->t;
	char *issue = auth_rfc3339(a, t->issue_time);
	char *expire = t->expire_time != 0 ? auth_rfc3339(a, t->expire_time) : NULL;
	int64_t ttl = t->expire_time > now ? t->expire_time - now : 0;
	json_t *o;

	if (issue == NULL || (t->expire_time != 0 && expire == NULL))
		return NULL;
	o = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s?, s:I, s:s, s:s, s:O?, s:I, s:b, s:s, "
	              "s:o, s:b, s:I, s:s}",
	    "accessor", t->accessor, "creation_time", (json_int_t)t->creation_time, "creation_ttl",
	    (json_int_t)t->creation_ttl, "display_name", t->display_name ? t->display_name : "",
	    "entity_id", "", "expire_time", expire, "explicit_max_ttl",
	    (json_int_t)t->explicit_max_ttl, "id", id, "issue_time", issue, "meta", t->meta,
	    "num_uses", (json_int_t)(t->num_uses > 0 ? t->num_uses : 0), "orphan", t->orphan,
	    "path", t->path ? t->path : "", "policies", auth_strv_json(t->policies, t->npolicies),
	    "renewable", t->renewable, "ttl", (json_int_t)ttl, "type",
	    t->batch ? "batch" : "service");
	if (o != NULL && lookup_extras(a, t, o) != WRIT_OK) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* ---------------------------------------------------------------------------
 * Authentication and the entry points used outside the token store.
 */

static writ_rc
consume_use(struct writ_core *core, struct writ_arena *a, struct tok_rec *r, bool *last,
    uint64_t *seq, struct writ_err *err)
{
	struct writ_txn *t = NULL;
	struct tok_rec cur = {0};
	writ_rc rc;

	if ((rc = writ_txn_begin(core->store, &t, err)) != WRIT_OK)
		goto out;
	if ((rc = tok_rec_get(NULL, t, a, r->t.id_hash, &cur, err)) != WRIT_OK)
		goto out;
	if (cur.revoked || cur.t.num_uses < 0) {
		rc = WRIT_EDENIED;
		goto out;
	}
	if (cur.t.num_uses == 1) {
		cur.t.num_uses = -1; /* used up: refused until the revocation lands */
		*last = true;
	} else if (cur.t.num_uses > 1) {
		cur.t.num_uses--;
	}
	if ((rc = tok_rec_put(t, &cur, err)) != WRIT_OK)
		goto out;
	rc = writ_txn_commit(t, seq, err);
	t = NULL;
	r->t.num_uses = cur.t.num_uses;
out:
	writ_txn_abort(t);
	tok_rec_clear(&cur);
	return rc;
}

static writ_rc
auth_check(struct writ_core *core, struct writ_arena *a, const char *hash, const char *remote_addr,
    struct tok_rec *r, bool *last_use, uint64_t *seq, struct writ_err *err)
{
	/* Read the generation before the record, so a change in between invalidates it. */
	uint64_t gen = writ_store_watch_gen(core->store, WRIT_WATCH_TOKENS);
	writ_rc rc;

	if (tok_cache_get(core->store, gen, hash, a, r)) {
		if (!tok_rec_expired(r, auth_now()))
			return auth_cidrs_allow(r->t.bound_cidrs, remote_addr) ? WRIT_OK : WRIT_EDENIED;
		tok_rec_clear(r); /* expired: the slow path revokes it */
	}
	if ((rc = tok_rec_get(core->store, NULL, a, hash, r, err)) != WRIT_OK)
		return rc;
	if (r->revoked || r->t.num_uses < 0)
		return WRIT_EDENIED;
	if (tok_rec_expired(r, auth_now())) {
		if ((rc = tok_revoke_tree(core, hash, seq, err)) != WRIT_OK)
			writ_log(WRIT_LOG_WARN, "auth: lazy revocation of an expired token failed");
		return WRIT_EDENIED;
	}
	if (!auth_cidrs_allow(r->t.bound_cidrs, remote_addr))
		return WRIT_EDENIED;
	if (r->t.num_uses > 0)
		return consume_use(core, a, r, last_use, seq, err);
	tok_cache_put(core->store, gen, r);
	return WRIT_OK;
}

writ_rc
writ_token_depth(struct writ_core *core, struct writ_arena *a, const struct writ_token *t,
    unsigned *depth, struct writ_err *err)
{
	char hash[AUTH_HASH_HEX];
	unsigned d = 0;
	writ_rc rc = WRIT_OK;

	snprintf(hash, sizeof(hash), "%s", t->parent_hash);
	while (hash[0] != '\0' && d < 64) {
		uint64_t gen = writ_store_watch_gen(core->store, WRIT_WATCH_TOKENS);
		struct tok_rec r;

		memset(&r, 0, sizeof(r)); /* tok_cache_get clears it on a miss */
		if (!tok_cache_get(core->store, gen, hash, a, &r)) {
			rc = tok_rec_get(core->store, NULL, a, hash, &r, err);
			if (rc == WRIT_ENOTFOUND) {
				rc = WRIT_OK;
				break;
			}
			if (rc != WRIT_OK)
				break;
		}
		d++;
		snprintf(hash, sizeof(hash), "%s", r.t.parent_hash);
		tok_rec_clear(&r);
	}
	*depth = d;
	return rc;
}

void
writ_token_cache_flush(struct writ_core *core)
{
	tok_cache_flush(core->store);
}

writ_rc
writ_token_authenticate(struct writ_core *core, struct writ_arena *a, const char *token,
    const char *remote_addr, struct writ_token **out, bool *last_use, struct writ_err *err)
{
	char hash[AUTH_HASH_HEX];
	struct tok_rec r = {0};
	struct writ_token *t;
	size_t len = token != NULL ? strlen(token) : 0;
	uint64_t seq = 0;
	writ_rc rc = WRIT_EDENIED, src;

	*last_use = false;
	if (len > 0 && len <= AUTH_TOKEN_MAX) {
		tok_id_of(token, len, hash);
		rc = auth_check(core, a, hash, remote_addr, &r, last_use, &seq, err);
	}
	if (seq != 0 && (src = writ_store_sync(core->store, seq, err)) != WRIT_OK && rc == WRIT_OK)
		rc = src;
	if (rc == WRIT_ENOTFOUND || rc == WRIT_EDENIED) {
		rc = WRIT_ERR(err, WRIT_EDENIED, "permission denied");
		goto out;
	}
	if (rc != WRIT_OK)
		goto out;
	if ((t = writ_arena_alloc(a, sizeof(*t))) == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	*t = r.t;
	memset(&r, 0, sizeof(r));
	*out = t;
out:
	tok_rec_clear(&r);
	writ_memzero(hash, sizeof(hash));
	return rc;
}

writ_rc
writ_token_lookup(struct writ_core *core, struct writ_arena *a, const char *token,
    struct writ_token **out, struct writ_err *err)
{
	struct tok_rec r = {0};
	struct writ_token *t;
	uint64_t seq = 0;
	writ_rc rc = tok_find_token(core, a, token, &r, &seq, err), src;

	if (seq != 0 && (src = writ_store_sync(core->store, seq, err)) != WRIT_OK && rc == WRIT_OK)
		rc = src;
	if (rc == WRIT_ENOTFOUND)
		rc = WRIT_ERR(err, WRIT_EDENIED, "permission denied");
	if (rc != WRIT_OK)
		goto out;
	if ((t = writ_arena_alloc(a, sizeof(*t))) == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	*t = r.t;
	memset(&r, 0, sizeof(r));
	*out = t;
out:
	tok_rec_clear(&r);
	return rc;
}

writ_rc
writ_token_create_root(
    struct writ_core *core, struct writ_arena *a, char **token, struct writ_err *err)
{
	static char *root_policies[] = {"root", NULL};
	struct tok_spec spec = {
	    .policies = root_policies,
	    .npolicies = 1,
	    .display_name = "root",
	    .path = "auth/token/root",
	};
	struct tok_rec r = {0};
	uint64_t seq = 0;
	char *text = NULL;
	writ_rc rc;

	if ((rc = tok_create(core, a, &spec, &text, &r, &seq, err)) != WRIT_OK)
		goto out;
	if ((rc = writ_store_sync(core->store, seq, err)) != WRIT_OK) {
		writ_memzero(text, strlen(text));
		goto out;
	}
	*token = text;
out:
	tok_rec_clear(&r);
	return rc;
}

/* Vault's framework.CalculateTTL for a login against the mount's limits. */
static int64_t
issue_ttl(struct writ_core *core, const struct writ_token_template *tpl, int64_t *max_out)
{
	int64_t sysmax = writ_core_ttl(core, tpl->mount, INT64_MAX), max, ttl;

	max = tpl->max_ttl > 0 && tpl->max_ttl < sysmax ? tpl->max_ttl : sysmax;
	*max_out = max == INT64_MAX ? 0 : max;
	if (tpl->period > 0) {
		ttl = tpl->period;
		if (tpl->explicit_max_ttl > 0 && ttl > tpl->explicit_max_ttl)
			ttl = tpl->explicit_max_ttl;
		return ttl;
	}
	ttl = tpl->ttl > 0 ? tpl->ttl : writ_core_ttl(core, tpl->mount, 0);
	if (tpl->explicit_max_ttl > 0 && tpl->explicit_max_ttl < max)
		max = tpl->explicit_max_ttl;
	return ttl < max ? ttl : max;
}

static writ_rc
issue_check(const struct writ_token_template *tpl, struct writ_err *err)
{
	if (tpl->ttl < 0 || tpl->max_ttl < 0 || tpl->explicit_max_ttl < 0 || tpl->period < 0 ||
	    tpl->num_uses < 0)
		return WRIT_ERR(err, WRIT_EINVAL, "negative TTL or use count");
	if (tpl->batch && (tpl->period > 0 || tpl->num_uses > 0 || tpl->explicit_max_ttl > 0))
		return WRIT_ERR(err, WRIT_EINVAL,
		    "batch tokens cannot have period, num_uses or explicit_max_ttl set");
	if (auth_cidrs_validate(tpl->bound_cidrs) != WRIT_OK)
		return WRIT_ERR(err, WRIT_EINVAL, "invalid token_bound_cidrs");
	return WRIT_OK;
}

writ_rc
writ_token_issue(struct writ_core *core, struct writ_arena *a,
    const struct writ_token_template *tpl, json_t **auth, uint64_t *seqp,
    struct writ_err *err)
{
	struct tok_spec spec = {0};
	struct tok_rec r = {0};
	uint64_t seq = 0;
	char *text = NULL;
	json_t *o = NULL;
	writ_rc rc;

	if ((rc = issue_check(tpl, err)) != WRIT_OK)
		goto out;
	if ((rc = auth_policies_sanitize(a, tpl->policies, tpl->npolicies, !tpl->no_default_policy,
	         &spec.policies, &spec.npolicies)) != WRIT_OK) {
		rc = WRIT_ERR(err, rc, "out of memory");
		goto out;
	}
	if (tpl->no_default_policy)
		auth_strv_remove(spec.policies, &spec.npolicies, "default");
	if (auth_strv_contains(spec.policies, spec.npolicies, "root")) {
		rc = WRIT_ERR(err, WRIT_EINVAL, "logins cannot issue root tokens");
		goto out;
	}
	spec.meta = tpl->meta;
	spec.display_name = tpl->display_name != NULL ? tpl->display_name : "";
	spec.path = tpl->path != NULL ? tpl->path : "";
	spec.ttl = issue_ttl(core, tpl, &spec.max_ttl);
	spec.explicit_max_ttl = tpl->explicit_max_ttl;
	spec.period = tpl->period;
	spec.num_uses = tpl->num_uses;
	spec.batch = tpl->batch;
	spec.renewable = tpl->renewable && !tpl->batch && spec.ttl > 0;
	spec.bound_cidrs = tpl->bound_cidrs;
	if ((rc = tok_create(core, a, &spec, &text, &r, &seq, err)) != WRIT_OK)
		goto out;
	if (seqp != NULL)
		*seqp = seq; /* the caller's response waits for this batch */
	else if ((rc = writ_store_sync(core->store, seq, err)) != WRIT_OK)
		goto out;
	if ((o = tok_auth_json(&r, text, spec.ttl)) == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	*auth = o;
out:
	/* A token nobody will receive must not stay valid. */
	if (rc != WRIT_OK && text != NULL &&
	    writ_token_revoke_hash(core, r.t.id_hash, NULL) != WRIT_OK)
		writ_log(WRIT_LOG_WARN, "auth: could not revoke an undelivered token");
	if (text != NULL)
		writ_memzero(text, strlen(text));
	tok_rec_clear(&r);
	return rc;
}
