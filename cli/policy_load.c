/* SPDX-License-Identifier: Apache-2.0 */
/* Loading modules and data files for writ policy eval and test (policy_load.h). */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/policy.h"

#include "client.h"
#include "policy_load.h"

#define MAX_FILES 10000

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Read path and record it as a module or a data document at dpath. */
static int
load_file(struct policy_files *l, const char *path, const char *dpath)
{
	bool rego = ends_with(path, ".rego");
	bool yaml = ends_with(path, ".yaml") || ends_with(path, ".yml");
	struct writ_err err = {0};
	struct writ_buf *b;

	if (!rego && !yaml && !ends_with(path, ".json"))
		return 0; /* not ours: skipped, as opa does */
	if (l->nbufs == MAX_FILES) {
		warnx("more than %d files", MAX_FILES);
		return -1;
	}
	if (l->nbufs == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *m = writ_realloc(l->mods, cap * sizeof(*l->mods));
		void *d = m ? writ_realloc(l->docs, cap * sizeof(*l->docs)) : NULL;
		void *bb = d ? writ_realloc(l->bufs, cap * sizeof(*l->bufs)) : NULL;

		if (m != NULL)
			l->mods = m;
		if (d != NULL)
			l->docs = d;
		if (bb == NULL) {
			warnx("out of memory");
			return -1;
		}
		l->bufs = bb;
		l->cap = cap;
	}
	b = &l->bufs[l->nbufs];
	writ_buf_init(b, POLICY_MAX_FILE_LEN);
	l->nbufs++;
	if (cli_read_file(path, POLICY_MAX_FILE_LEN, b, &err) != WRIT_OK) {
		warnx("%s: %s", path, err.msg);
		return -1;
	}
	if (rego) {
		l->mods[l->nmods++] = (struct writ_rego_source){writ_strdup(path), b->ptr ? b->ptr : "",
		    b->len};
		return l->mods[l->nmods - 1].name != NULL ? 0 : -1;
	}
	l->docs[l->ndocs++] = (struct writ_rego_doc){writ_strdup(path), writ_strdup(dpath),
	    b->ptr ? b->ptr : "", b->len, yaml};
	return l->docs[l->ndocs - 1].name != NULL && l->docs[l->ndocs - 1].path != NULL ? 0 : -1;
}

/* policy_walk over writ_policy_walk: the CLI's callbacks return 0 or -1 and errors are printed. */
struct cli_walk {
	policy_file_fn fn;
	void *arg;
};

static writ_rc
walk_file(const char *path, const char *rel, bool named, void *arg)
{
	struct cli_walk *w = arg;

	return w->fn(path, rel, named, w->arg) == 0 ? WRIT_OK : WRIT_EINVAL;
}

static void
walk_error(const struct writ_err *e, void *arg)
{
	(void)arg;
	warnx("%s", e->msg);
}

int
policy_walk(const char *path, policy_file_fn fn, void *arg)
{
	struct cli_walk w = {fn, arg};

	if (strcmp(path, "-") == 0)
		return fn(path, "", true, arg);
	return writ_policy_walk(path, walk_file, walk_error, &w, NULL) == WRIT_OK ? 0 : -1;
}

static int
load_cb(const char *path, const char *rel, bool named, void *arg)
{
	(void)named;
	return load_file(arg, path, rel);
}

int
policy_load(struct policy_files *l, const char *arg)
{
	return policy_walk(arg, load_cb, l);
}

void
policy_files_free(struct policy_files *l)
{
	size_t i;

	for (i = 0; i < l->nmods; i++)
		writ_free((char *)(uintptr_t)l->mods[i].name);
	for (i = 0; i < l->ndocs; i++) {
		writ_free((char *)(uintptr_t)l->docs[i].name);
		writ_free((char *)(uintptr_t)l->docs[i].path);
	}
	for (i = 0; i < l->nbufs; i++)
		writ_buf_free(&l->bufs[i]);
	writ_free(l->mods);
	writ_free(l->docs);
	writ_free(l->bufs);
}

