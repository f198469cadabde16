/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request arenas (after h2o's mem pool): bump allocation from chunks, freed all
 * at once.  The byte cap turns a hostile request's memory use into
 * WRIT_ELIMIT instead of an exhausted machine.  Secret arenas are wiped.
 */
#include <stdio.h>
#include <string.h>

#include "writ/base.h"

#define CHUNK_MIN 4096u
#define ALIGN     16u

struct chunk {
	struct chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	_Alignas(16) unsigned char data[];
};

struct writ_arena {
	struct chunk *head;
	size_t cap;
	size_t used;
	unsigned flags;
	bool over_cap;
};

static void
chunk_release(struct chunk *c, bool secret)
{
	if (secret)
		writ_memzero(c->data, c->used);
#ifndef NDEBUG
	else
		memset(c->data, 0xaa, c->used);
#endif
	writ_free(c);
}

struct writ_arena *
writ_arena_new(size_t cap, unsigned flags)
{
	struct writ_arena *a = writ_calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->cap = cap;
	a->flags = flags;
	return a;
}

void
writ_arena_reset(struct writ_arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		if (next == NULL) {
			/* Keep the oldest chunk for reuse. */
			if (a->flags & WRIT_ARENA_SECRET)
				writ_memzero(c->data, c->used);
			c->used = 0;
			a->head = c;
			break;
		}
		chunk_release(c, a->flags & WRIT_ARENA_SECRET);
	}
	a->used = 0;
	a->over_cap = false;
}

void
writ_arena_free(struct writ_arena *a)
{
	struct chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		chunk_release(c, a->flags & WRIT_ARENA_SECRET);
	}
	writ_free(a);
}

void *
writ_arena_alloc(struct writ_arena *a, size_t len)
{
	struct chunk *c;
	size_t need, size;
	void *p;

	if (__builtin_add_overflow(len, ALIGN - 1, &need))
		return NULL;
	need &= ~(size_t)(ALIGN - 1);
	if (need == 0)
		need = ALIGN;
	if (a->cap != 0 && (need > a->cap || a->used > a->cap - need)) {
		a->over_cap = true;
		return NULL;
	}
	c = a->head;
	if (c == NULL || c->size - c->used < need) {
		size = need > CHUNK_MIN ? need : CHUNK_MIN;
		if (c != NULL && c->size * 2 > size && c->size < (1u << 20))
			size = c->size * 2;
		if (size > SIZE_MAX - sizeof(*c))
			return NULL;
		c = writ_malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += need;
	a->used += need;
	return p;
}

void *
writ_arena_calloc(struct writ_arena *a, size_t n, size_t len)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, len, &total))
		return NULL;
	p = writ_arena_alloc(a, total);
	if (p != NULL)
		memset(p, 0, total);
	return p;
}

char *
writ_arena_strndup(struct writ_arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = writ_arena_alloc(a, len + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
writ_arena_strdup(struct writ_arena *a, const char *s)
{
	return writ_arena_strndup(a, s, strlen(s));
}

char *
writ_arena_printf(struct writ_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = writ_arena_alloc(a, (size_t)n + 1);
	if (p == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t
writ_arena_used(const struct writ_arena *a)
{
	return a->used;
}

bool
writ_arena_over_cap(const struct writ_arena *a)
{
	return a->over_cap;
}
