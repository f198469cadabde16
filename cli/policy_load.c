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

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
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

/* Load a directory tree; rel is its path under the -d argument ("" at the top). */
static int
load_dir(struct policy_files *l, const char *dir, const char *rel, int depth)
{
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (depth > MAX_DEPTH) {
		warnx("%s: directories nested too deep", dir);
		return -1;
	}
	if ((d = opendir(dir)) == NULL) {
		warn("%s", dir);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue; /* ., .. and hidden files, as opa's loader skips them */
		if (n == cap) {
			char **m = writ_realloc(names, (cap = cap ? 2 * cap : 32) * sizeof(*names));

			if (m == NULL) {
				rc = -1;
				break;
			}
			names = m;
		}
		if ((names[n] = writ_strdup(de->d_name)) == NULL)
			rc = -1;
		else
			n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n && rc == 0; i++) {
		char path[4096], sub[4096];
		struct stat st;
		int n1 = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		int n2 = snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "", names[i]);

		if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(path) || (size_t)n2 >= sizeof(sub)) {
			warnx("%s/%s: path too long", dir, names[i]);
			rc = -1;
		} else if (stat(path, &st) != 0) {
			warn("%s", path);
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			rc = load_dir(l, path, sub, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			rc = load_file(l, path, rel);
		}
	}
	for (i = 0; i < n; i++)
		writ_free(names[i]);
	writ_free(names);
	return rc;
}

int
policy_load(struct policy_files *l, const char *arg)
{
	struct stat st;

	if (stat(arg, &st) != 0) {
		warn("%s", arg);
		return -1;
	}
	return S_ISDIR(st.st_mode) ? load_dir(l, arg, "", 0) : load_file(l, arg, "");
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

