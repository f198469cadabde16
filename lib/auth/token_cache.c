/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A cache of decoded token records for writ_token_authenticate, so that a
 * request with a known token costs neither a store read nor a JSON parse.
 *
 * Correctness rests on one rule: an entry is valid only while the store's
 * token generation (writ_store_watch_gen(WRIT_WATCH_TOKENS)) is the one read
 * *before* the record was loaded.  The commit of any batch that changed or
 * deleted a token record (a revocation, a renewal, a use counted: token_store.c
 * touches the batch in its only two writers of existing records, rec_put and
 * txn_del) moves the generation and so invalidates every entry; a reader that
 * loaded a record before such a commit became visible tagged it with the
 * older generation and can never serve it afterwards.  Commits that change no
 * token record (KV writes, new tokens) leave the cache alone.  Only records that authentication does
 * not change are cached: not revoked, unlimited uses.  Expiry and bound CIDRs
 * are still checked on every hit by the caller.
 *
 * Direct-mapped slots chosen by the token hash, each with its own lock.
 */
#include <pthread.h>
#include <string.h>

#include "writ/store.h"

#include "auth_int.h"

#define TC_SLOTS 1024u

struct tc_slot {
	pthread_mutex_t mu;
	const struct writ_store *store;
	uint64_t gen;
	char hash[AUTH_HASH_HEX];
	struct writ_token t; /* strings and policies owned by the slot (writ_malloc) */
	bool used;
};

static struct tc_slot slots[TC_SLOTS];
static pthread_once_t tc_once = PTHREAD_ONCE_INIT;

static void
tc_init(void)
{
	size_t i;

	for (i = 0; i < TC_SLOTS; i++)
		pthread_mutex_init(&slots[i].mu, NULL);
}

static struct tc_slot *
slot_for(const char *hash)
{
	unsigned v = 0;
	size_t i;

	pthread_once(&tc_once, tc_init);
	for (i = 0; i < 6; i++)
		v = v * 16u + (unsigned)(hash[i] <= '9' ? hash[i] - '0' : hash[i] - 'a' + 10);
	return &slots[v % TC_SLOTS];
}

static void
slot_clear(struct tc_slot *s)
{
	size_t i;

	if (!s->used)
		return;
	for (i = 0; s->t.policies != NULL && i < s->t.npolicies; i++)
		writ_free(s->t.policies[i]);
	writ_free(s->t.policies);
	writ_free((void *)(uintptr_t)s->t.display_name);
	writ_free((void *)(uintptr_t)s->t.path);
	writ_free((void *)(uintptr_t)s->t.role);
	writ_free((void *)(uintptr_t)s->t.entity_id);
	json_decref(s->t.meta);
	json_decref(s->t.bound_cidrs);
	memset(&s->t, 0, sizeof(s->t));
	s->used = false;
}

static char *
dup_or_empty(const char *s)
{
	return writ_strdup(s != NULL ? s : "");
}

/* Copy t into the slot (malloc-owned); false on allocation failure. */
static bool
slot_fill(struct tc_slot *s, const struct writ_token *t)
{
	size_t i;

	s->t = *t;
	s->t.policies = writ_calloc(t->npolicies + 1, sizeof(char *));
	s->t.display_name = dup_or_empty(t->display_name);
	s->t.path = dup_or_empty(t->path);
	s->t.role = dup_or_empty(t->role);
	s->t.entity_id = dup_or_empty(t->entity_id);
	s->t.meta = t->meta != NULL ? json_incref(t->meta) : NULL;
	s->t.bound_cidrs = t->bound_cidrs != NULL ? json_incref(t->bound_cidrs) : NULL;
	s->used = true;
	if (s->t.policies == NULL || s->t.display_name == NULL || s->t.path == NULL ||
	    s->t.role == NULL || s->t.entity_id == NULL)
		return false;
	for (i = 0; i < t->npolicies; i++) {
		if ((s->t.policies[i] = writ_strdup(t->policies[i])) == NULL)
			return false;
	}
	return true;
}

void
tok_cache_put(const struct writ_store *store, uint64_t gen, const struct tok_rec *r)
{
	struct tc_slot *s;

	if (r->revoked || r->t.num_uses != 0)
		return;
	s = slot_for(r->t.id_hash);
	pthread_mutex_lock(&s->mu);
	slot_clear(s);
	if (slot_fill(s, &r->t)) {
		s->store = store;
		s->gen = gen;
		memcpy(s->hash, r->t.id_hash, sizeof(s->hash));
	} else {
		slot_clear(s);
	}
	pthread_mutex_unlock(&s->mu);
}

static bool
copy_out(struct writ_arena *a, const struct writ_token *src, struct tok_rec *out)
{
	struct writ_token *t = &out->t;
	size_t i;

	memset(out, 0, sizeof(*out));
	*t = *src;
	t->meta = NULL;
	t->bound_cidrs = NULL;
	t->policies = writ_arena_calloc(a, src->npolicies + 1, sizeof(char *));
	if (t->policies == NULL || (t->display_name = writ_arena_strdup(a, src->display_name)) ==
	    NULL || (t->path = writ_arena_strdup(a, src->path)) == NULL ||
	    (t->role = writ_arena_strdup(a, src->role)) == NULL ||
	    (t->entity_id = writ_arena_strdup(a, src->entity_id)) == NULL)
		return false;
	for (i = 0; i < src->npolicies; i++) {
		if ((t->policies[i] = writ_arena_strdup(a, src->policies[i])) == NULL)
			return false;
	}
	t->meta = src->meta != NULL ? json_incref(src->meta) : NULL;
	t->bound_cidrs = src->bound_cidrs != NULL ? json_incref(src->bound_cidrs) : NULL;
	return true;
}

bool
tok_cache_get(const struct writ_store *store, uint64_t gen, const char *hash,
    struct writ_arena *a, struct tok_rec *out)
{
	struct tc_slot *s = slot_for(hash);
	bool hit = false;

	pthread_mutex_lock(&s->mu);
	if (s->used && s->store == store && s->gen == gen &&
	    writ_ct_eq(s->hash, hash, AUTH_HASH_HEX - 1))
		hit = copy_out(a, &s->t, out);
	pthread_mutex_unlock(&s->mu);
	if (!hit)
		tok_rec_clear(out);
	return hit;
}

void
tok_cache_flush(const struct writ_store *store)
{
	size_t i;

	pthread_once(&tc_once, tc_init);
	for (i = 0; i < TC_SLOTS; i++) {
		pthread_mutex_lock(&slots[i].mu);
		if (store == NULL || slots[i].store == store)
			slot_clear(&slots[i]);
		pthread_mutex_unlock(&slots[i].mu);
	}
}
