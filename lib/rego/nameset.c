/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sets of variable names for the compiler's safety analysis and the query's
 * bindings: insertion order kept for iteration, an open-addressing hash
 * index once a set outgrows a few names, so that bodies and queries with
 * many thousands of variables stay linear.
 */
#include <string.h>

#include "writ/base.h"

#include "rego/eval.h"

/* Sets up to this size are searched linearly. */
#define LINEAR_MAX 8

static uint64_t
name_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* Put index i (stored as i + 1; 0 is empty) into the hash index. */
static void
put(size_t *h, size_t cap, const char *name, size_t i)
{
	size_t j = name_hash(name) & (cap - 1);

	while (h[j] != 0)
		j = (j + 1) & (cap - 1);
	h[j] = i + 1;
}

static bool
rehash(struct rego_nameset *s, size_t cap)
{
	size_t *h = writ_arena_calloc(s->a, cap, sizeof(*h));
	size_t i;

	if (h == NULL)
		return false;
	for (i = 0; i < s->n; i++)
		put(h, cap, s->v[i], i);
	s->h = h;
	s->hcap = cap;
	return true;
}

void
rego_ns_init(struct rego_nameset *s, struct writ_arena *a)
{
	memset(s, 0, sizeof(*s));
	s->a = a;
}

long
rego_ns_index(const struct rego_nameset *s, const char *name)
{
	size_t i, j;

	if (s->hcap == 0) {
		for (i = 0; i < s->n; i++)
			if (strcmp(s->v[i], name) == 0)
				return (long)i;
		return -1;
	}
	for (j = name_hash(name) & (s->hcap - 1); s->h[j] != 0; j = (j + 1) & (s->hcap - 1))
		if (strcmp(s->v[s->h[j] - 1], name) == 0)
			return (long)(s->h[j] - 1);
	return -1;
}

bool
rego_ns_has(const struct rego_nameset *s, const char *name)
{
	return rego_ns_index(s, name) >= 0;
}

bool
rego_ns_add(struct rego_nameset *s, const char *name)
{
	if (rego_ns_has(s, name))
		return true;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		const char **nv = writ_arena_calloc(s->a, ncap, sizeof(*nv));

		if (nv == NULL)
			return false;
		if (s->n > 0)
			memcpy(nv, s->v, s->n * sizeof(*nv));
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = name;
	if (s->n <= LINEAR_MAX)
		return true;
	if (s->n * 2 > s->hcap)
		return rehash(s, s->hcap ? s->hcap * 2 : 64);
	put(s->h, s->hcap, name, s->n - 1);
	return true;
}
