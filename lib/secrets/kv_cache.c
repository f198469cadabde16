/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A cache of KV v2 read responses ({"data": ..., "metadata": ...}), so that a
 * read of a hot secret costs neither two store reads nor two JSON parses.
 *
 * The same rule as the token cache: an entry is valid only while the store's
 * commit generation equals the one read before the secret was loaded, so any
 * commit invalidates everything and no stale value can be served after a
 * write's response.  Only versions with no deletion scheduled are cached, so
 * an entry's answer does not depend on the time.  Cached values are shared,
 * immutable jansson objects (atomic reference counts).
 */
#include <pthread.h>
#include <string.h>

#include "writ/store.h"

#include "kv_int.h"

#define KC_SLOTS  1024u
#define KC_KEYMAX 640u

struct kc_slot {
	pthread_mutex_t mu;
	const struct writ_store *store;
	uint64_t gen;
	char key[KC_KEYMAX];
	json_t *data;
};

static struct kc_slot slots[KC_SLOTS];
static pthread_once_t kc_once = PTHREAD_ONCE_INIT;

static void
kc_init(void)
{
	size_t i;

	for (i = 0; i < KC_SLOTS; i++)
		pthread_mutex_init(&slots[i].mu, NULL);
}

/* "<storage prefix><path>\n<version>" into key; false if it does not fit. */
static bool
make_key(const struct kv_ctx *c, uint64_t version, char key[KC_KEYMAX])
{
	int n = snprintf(key, KC_KEYMAX, "%s%s\n%llu", c->req->mount->storage_prefix, c->path,
	    (unsigned long long)version);

	return n > 0 && (size_t)n < KC_KEYMAX;
}

static struct kc_slot *
slot_for(const char *key)
{
	uint32_t h = 2166136261u;

	pthread_once(&kc_once, kc_init);
	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return &slots[h % KC_SLOTS];
}

json_t *
kv_cache_get(const struct kv_ctx *c, uint64_t gen, uint64_t version)
{
	char key[KC_KEYMAX];
	struct kc_slot *s;
	json_t *v = NULL;

	if (!make_key(c, version, key))
		return NULL;
	s = slot_for(key);
	pthread_mutex_lock(&s->mu);
	if (s->data != NULL && s->store == c->store && s->gen == gen && strcmp(s->key, key) == 0)
		v = json_incref(s->data);
	pthread_mutex_unlock(&s->mu);
	return v;
}

void
kv_cache_put(const struct kv_ctx *c, uint64_t gen, uint64_t version, json_t *data)
{
	char key[KC_KEYMAX];
	struct kc_slot *s;
	json_t *old;

	if (!make_key(c, version, key))
		return;
	s = slot_for(key);
	pthread_mutex_lock(&s->mu);
	old = s->data;
	s->data = json_incref(data);
	s->store = c->store;
	s->gen = gen;
	memcpy(s->key, key, sizeof(key));
	pthread_mutex_unlock(&s->mu);
	json_decref(old);
}
