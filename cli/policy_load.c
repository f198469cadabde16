/* SPDX-License-Identifier: Apache-2.0 */
/* Loading modules and data files for writ policy eval and test (policy_load.h). */
#include <sys/stat.h>
#include <dirent.h>
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "policy_load.h"

#define MAX_FILES    10000
#define MAX_DEPTH    32

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

static int walk_dir(const char *dir, const char *rel, int depth, policy_file_fn fn, void *arg);

static int
walk_entry(const char *dir, const char *rel, const char *name, int depth, policy_file_fn fn,
    void *arg)
{
	struct writ_buf path, sub;
	struct stat st;
	int rc = -1;

	writ_buf_init(&path, 0);
	writ_buf_init(&sub, 0);
	if (writ_buf_appendf(&path, "%s/%s", dir, name) != WRIT_OK ||
	    writ_buf_appendf(&sub, "%s%s%s", rel, rel[0] ? "/" : "", name) != WRIT_OK)
		warnx("%s/%s: out of memory", dir, name);
	else if (stat(path.ptr, &st) != 0)
		warn("%s", path.ptr);
	else if (S_ISDIR(st.st_mode))
		rc = walk_dir(path.ptr, sub.ptr, depth + 1, fn, arg);
	else
		rc = S_ISREG(st.st_mode) ? fn(path.ptr, rel, false, arg) : 0;
	writ_buf_free(&path);
	writ_buf_free(&sub);
	return rc;
}

/* The entries of dir in name order; rel is its path under the walk's root. */
static int
walk_dir(const char *dir, const char *rel, int depth, policy_file_fn fn, void *arg)
{
	struct dirent **ents = NULL;
	int i, n, rc = 0;

	if (depth > MAX_DEPTH) {
		warnx("%s: directories nested too deep", dir);
		return -1;
	}
	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0) {
		warn("%s", dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		/* ., .. and hidden files, as opa's loader skips them */
		if (ents[i]->d_name[0] != '.' &&
		    walk_entry(dir, rel, ents[i]->d_name, depth, fn, arg) != 0)
			rc = -1;
		free(ents[i]);
	}
	free(ents);
	return rc;
}

int
policy_walk(const char *path, policy_file_fn fn, void *arg)
{
	struct stat st;

	if (strcmp(path, "-") == 0)
		return fn(path, "", true, arg);
	if (stat(path, &st) != 0) {
		warn("%s", path);
		return -1;
	}
	return S_ISDIR(st.st_mode) ? walk_dir(path, "", 0, fn, arg) : fn(path, "", true, arg);
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

