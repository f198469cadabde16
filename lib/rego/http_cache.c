/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inter-query cache of http.send responses (struct
 * writ_rego_http_cache): entries keyed by the request's text, each one
 * block (the entry, then key, status line, headers and body) in a hash
 * table of chains and on a recency list, bounded in entries and bytes, the
 * least recently used evicted first.  One mutex guards it all; a lookup
 * copies the entry into the evaluation's arena before the lock is let go,
 * so an entry may be evicted while a value built from it is in use.
 * Entries are wiped when freed: responses may carry tokens.
 */
#include <pthread.h>
#include <string.h>

#include "writ/base.h"
#include "writ/rego.h"

#include "rego/http_send.h"
#include "rego/value.h"

#define DEFAULT_MAX_ENTRIES ((size_t)1024)
#define DEFAULT_MAX_BYTES   ((size_t)16 << 20)
#define MAX_BUCKETS         ((size_t)1 << 16)

struct hc_ent {
	struct hc_ent *hnext;       /* the next entry of its bucket */
	struct hc_ent *prev, *next; /* recency: head is the most recently used */
	uint64_t hash;
	int64_t expires_ns;
	size_t size; /* what it is charged: the whole block */
	long code;
	size_t keylen, statuslen, hdrslen, nhdrs, bodylen;
	char data[]; /* key, status, headers, body */
};

struct writ_rego_http_cache {
	pthread_mutex_t mu;
	struct hc_ent **buckets;
	size_t nbuckets; /* a power of two */
	struct hc_ent *head, *tail;
	size_t n, bytes;
	size_t max_entries, max_bytes;
};

static struct hc_ent *find(
    const struct writ_rego_http_cache *c, const char *key, size_t keylen, uint64_t hash);
static void list_remove(struct writ_rego_http_cache *c, struct hc_ent *x);
static void unlink_ent(struct writ_rego_http_cache *c, struct hc_ent *x);
static void free_ent(struct hc_ent *x);
static void push_head(struct writ_rego_http_cache *c, struct hc_ent *x);

writ_rc
writ_rego_http_cache_new(size_t max_entries, size_t max_bytes, struct writ_rego_http_cache **out)
{
	struct writ_rego_http_cache *c;
	size_t nb = 16;

	if ((c = writ_calloc(1, sizeof(*c))) == NULL)
		return WRIT_ENOMEM;
	c->max_entries = max_entries != 0 ? max_entries : DEFAULT_MAX_ENTRIES;
	c->max_bytes = max_bytes != 0 ? max_bytes : DEFAULT_MAX_BYTES;
	while (nb < c->max_entries && nb < MAX_BUCKETS)
		nb *= 2;
	c->nbuckets = nb;
	if ((c->buckets = writ_calloc(nb, sizeof(*c->buckets))) == NULL) {
		writ_free(c);
		return WRIT_ENOMEM;
	}
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		writ_free(c->buckets);
		writ_free(c);
		return WRIT_ENOMEM;
	}
	*out = c;
	return WRIT_OK;
}

void
writ_rego_http_cache_free(struct writ_rego_http_cache *c)
{
	struct hc_ent *x, *next;

	if (c == NULL)
		return;
	for (x = c->head; x != NULL; x = next) {
		next = x->next;
		free_ent(x);
	}
	pthread_mutex_destroy(&c->mu);
	writ_free(c->buckets);
	writ_free(c);
}

static struct hc_ent *
find(const struct writ_rego_http_cache *c, const char *key, size_t keylen, uint64_t hash)
{
	struct hc_ent *x;

	for (x = c->buckets[hash & (c->nbuckets - 1)]; x != NULL; x = x->hnext)
		if (x->hash == hash && x->keylen == keylen && memcmp(x->data, key, keylen) == 0)
			return x;
	return NULL;
}

/* Take x off the recency list. */
static void
list_remove(struct writ_rego_http_cache *c, struct hc_ent *x)
{
	if (x->prev != NULL)
		x->prev->next = x->next;
	else
		c->head = x->next;
	if (x->next != NULL)
		x->next->prev = x->prev;
	else
		c->tail = x->prev;
}

/* Take x out of the cache (the caller frees it). */
static void
unlink_ent(struct writ_rego_http_cache *c, struct hc_ent *x)
{
	struct hc_ent **pp = &c->buckets[x->hash & (c->nbuckets - 1)];

	while (*pp != x)
		pp = &(*pp)->hnext;
	*pp = x->hnext;
	list_remove(c, x);
	c->n--;
	c->bytes -= x->size;
}

static void
free_ent(struct hc_ent *x)
{
	writ_memzero(x, x->size);
	writ_free(x);
}

static void
push_head(struct writ_rego_http_cache *c, struct hc_ent *x)
{
	x->prev = NULL;
	x->next = c->head;
	if (c->head != NULL)
		c->head->prev = x;
	c->head = x;
	if (c->tail == NULL)
		c->tail = x;
}

/* Copy entry x into a as *out (the block after the key, in one allocation). */
static bool
copy_out(const struct hc_ent *x, struct writ_arena *a, struct rego_http_resp *out)
{
	size_t len = x->size - sizeof(*x) - x->keylen;
	char *p = writ_arena_alloc(a, len + 1);

	if (p == NULL)
		return false;
	memcpy(p, x->data + x->keylen, len);
	p[len] = '\0';
	out->code = x->code;
	out->status = p;
	out->statuslen = x->statuslen;
	out->hdrs = p + x->statuslen;
	out->hdrslen = x->hdrslen;
	out->nhdrs = x->nhdrs;
	out->body = out->hdrs + x->hdrslen;
	out->bodylen = x->bodylen;
	return true;
}

enum rego_hc
rego_http_cache_get(struct writ_rego_http_cache *c, const char *key, size_t keylen, int64_t now_ns,
    struct writ_arena *a, struct rego_http_resp *out)
{
	uint64_t hash = rego_hash_bytes(key, keylen, 0);
	enum rego_hc res = REGO_HC_MISS;
	struct hc_ent *x;

	pthread_mutex_lock(&c->mu);
	if ((x = find(c, key, keylen, hash)) != NULL) {
		list_remove(c, x);
		push_head(c, x);
		if (!copy_out(x, a, out))
			res = REGO_HC_NOMEM;
		else
			res = now_ns < x->expires_ns ? REGO_HC_FRESH : REGO_HC_STALE;
	}
	pthread_mutex_unlock(&c->mu);
	return res;
}

/* The size of an entry for key and r, overflow checked: false when it does not fit a size_t. */
static bool
ent_size(size_t keylen, const struct rego_http_resp *r, size_t *out)
{
	size_t n = sizeof(struct hc_ent);

	return !__builtin_add_overflow(n, keylen, &n) &&
	    !__builtin_add_overflow(n, r->statuslen, &n) &&
	    !__builtin_add_overflow(n, r->hdrslen, &n) &&
	    !__builtin_add_overflow(n, r->bodylen, &n) && (*out = n, true);
}

static struct hc_ent *
make_ent(const char *key, size_t keylen, const struct rego_http_resp *r, size_t size)
{
	struct hc_ent *x = writ_malloc(size);
	char *p;

	if (x == NULL)
		return NULL;
	memset(x, 0, sizeof(*x));
	x->size = size;
	x->hash = rego_hash_bytes(key, keylen, 0);
	x->code = r->code;
	x->keylen = keylen;
	x->statuslen = r->statuslen;
	x->hdrslen = r->hdrslen;
	x->nhdrs = r->nhdrs;
	x->bodylen = r->bodylen;
	p = x->data;
	memcpy(p, key, keylen);
	p += keylen;
	if (r->statuslen > 0)
		memcpy(p, r->status, r->statuslen);
	p += r->statuslen;
	if (r->hdrslen > 0)
		memcpy(p, r->hdrs, r->hdrslen);
	p += r->hdrslen;
	if (r->bodylen > 0)
		memcpy(p, r->body, r->bodylen);
	return x;
}

writ_rc
rego_http_cache_put(struct writ_rego_http_cache *c, const char *key, size_t keylen,
    const struct rego_http_resp *r, int64_t expires_ns)
{
	struct hc_ent *x, *old;
	size_t size;

	if (!ent_size(keylen, r, &size) || size > c->max_bytes) {
		rego_http_cache_drop(c, key, keylen);
		return WRIT_ETOOBIG;
	}
	if ((x = make_ent(key, keylen, r, size)) == NULL)
		return WRIT_ENOMEM;
	x->expires_ns = expires_ns;
	pthread_mutex_lock(&c->mu);
	if ((old = find(c, key, keylen, x->hash)) != NULL) {
		unlink_ent(c, old);
		free_ent(old);
	}
	while (c->tail != NULL && (c->n >= c->max_entries || c->bytes > c->max_bytes - size)) {
		old = c->tail;
		unlink_ent(c, old);
		free_ent(old);
	}
	x->hnext = c->buckets[x->hash & (c->nbuckets - 1)];
	c->buckets[x->hash & (c->nbuckets - 1)] = x;
	push_head(c, x);
	c->n++;
	c->bytes += size;
	pthread_mutex_unlock(&c->mu);
	return WRIT_OK;
}

void
rego_http_cache_drop(struct writ_rego_http_cache *c, const char *key, size_t keylen)
{
	uint64_t hash = rego_hash_bytes(key, keylen, 0);
	struct hc_ent *x;

	pthread_mutex_lock(&c->mu);
	if ((x = find(c, key, keylen, hash)) != NULL)
		unlink_ent(c, x);
	pthread_mutex_unlock(&c->mu);
	if (x != NULL)
		free_ent(x);
}
