/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bundle directories in OPA's layout, and the directory walk they share
 * with `writ policy`.
 *
 * A bundle directory holds *.rego modules (their id is the path relative to
 * the directory), data files named data.json, data.yaml or data.yml whose
 * document is placed at their directory's path (a/b/data.json is data.a.b),
 * and an optional .manifest ({"revision": "...", "roots": ["a", "x/y"]}).
 * Other files and names starting with '.' are skipped.  The roots are the
 * parts of data the bundle owns: every package and data path must lie
 * within one, and the API may write nowhere under or above one; without a
 * manifest, or without "roots" in it, the bundle owns all of data, as in
 * OPA.
 *
 * A change is noticed by a signature: a hash of every file's relative path,
 * size, modification time and inode (.manifest included).  The loader
 * takes the signature before and after reading and only reports a stable
 * load, so a directory caught half-written is read again at the next poll.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "writ/base.h"
#include "writ/policy.h"
#include "writ/rego.h"

#include "policy/policy_int.h"

#define MAX_DEPTH 32

/* ---------------------------------------------------------------------------
 * The walk.
 */

struct walk {
	writ_policy_file_fn fn;
	writ_policy_walk_err_fn on_error;
	void *arg;
	struct writ_err *err;
	writ_rc first;
};

static writ_rc walk_dir(struct walk *w, const char *dir, const char *rel, int depth);

/* An error of the walk itself: reported and passed over, or the end of the walk. */
static writ_rc
walk_fail(struct walk *w, writ_rc rc, const char *what, const char *why)
{
	struct writ_err e = {0};

	WRIT_ERR(&e, rc, "%s: %s", what, why);
	if (w->first == WRIT_OK) {
		w->first = rc;
		if (w->err != NULL)
			*w->err = e;
	}
	if (w->on_error == NULL)
		return rc;
	w->on_error(&e, w->arg);
	return WRIT_OK;
}

/* fn failed on a file (fn said why): passed over when going on, else the end. */
static writ_rc
file_fail(struct walk *w, writ_rc rc)
{
	if (w->first == WRIT_OK)
		w->first = rc;
	return w->on_error == NULL ? rc : WRIT_OK;
}

static writ_rc
walk_entry(struct walk *w, const char *dir, const char *rel, const char *name, int depth)
{
	struct writ_buf path, sub;
	struct stat st;
	writ_rc rc = WRIT_OK;

	writ_buf_init(&path, 0);
	writ_buf_init(&sub, 0);
	if (writ_buf_appendf(&path, "%s/%s", dir, name) != WRIT_OK ||
	    writ_buf_appendf(&sub, "%s%s%s", rel, rel[0] ? "/" : "", name) != WRIT_OK)
		rc = walk_fail(w, WRIT_ENOMEM, name, "out of memory");
	else if (stat(path.ptr, &st) != 0)
		rc = walk_fail(w, WRIT_EIO, path.ptr, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = walk_dir(w, path.ptr, sub.ptr, depth + 1);
	else if (S_ISREG(st.st_mode) && (rc = w->fn(path.ptr, rel, false, w->arg)) != WRIT_OK)
		rc = file_fail(w, rc);
	writ_buf_free(&path);
	writ_buf_free(&sub);
	return rc;
}

/* The entries of dir in name order; rel is its path under the walk's root. */
static writ_rc
walk_dir(struct walk *w, const char *dir, const char *rel, int depth)
{
	struct dirent **ents = NULL;
	writ_rc rc = WRIT_OK;
	int i, n;

	if (depth > MAX_DEPTH)
		return walk_fail(w, WRIT_ELIMIT, dir, "directories nested too deep");
	if ((n = scandir(dir, &ents, NULL, alphasort)) < 0)
		return walk_fail(w, WRIT_EIO, dir, strerror(errno));
	for (i = 0; i < n; i++) {
		/* ., .. and hidden files, as opa's loader skips them */
		if (rc == WRIT_OK && ents[i]->d_name[0] != '.')
			rc = walk_entry(w, dir, rel, ents[i]->d_name, depth);
		free(ents[i]);
	}
	free(ents);
	return rc;
}

writ_rc
writ_policy_walk(const char *path, writ_policy_file_fn fn, writ_policy_walk_err_fn on_error,
    void *arg, struct writ_err *err)
{
	struct walk w = {fn, on_error, arg, err, WRIT_OK};
	struct stat st;
	writ_rc rc;

	if (stat(path, &st) != 0)
		rc = walk_fail(&w, WRIT_EIO, path, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = walk_dir(&w, path, "", 0);
	else if ((rc = fn(path, "", true, arg)) != WRIT_OK)
		rc = file_fail(&w, rc);
	return rc != WRIT_OK ? rc : w.first;
}

/* ---------------------------------------------------------------------------
 * Module lists.
 */

const struct pol_module *
pol_modules_find(const struct pol_modules *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->v[i].id, id) == 0)
			return &m->v[i];
	return NULL;
}

/* Add or replace module id with a copy of text[len]. */
writ_rc
pol_modules_set(struct pol_modules *m, const char *id, const char *text, size_t len)
{
	struct pol_module *mod = (struct pol_module *)(uintptr_t)pol_modules_find(m, id);
	char *t = writ_malloc(len + 1), *i = NULL;

	if (t == NULL || (mod == NULL && (i = writ_strdup(id)) == NULL))
		goto nomem;
	memcpy(t, text, len);
	t[len] = '\0';
	if (mod == NULL) {
		if (m->n == m->cap) {
			size_t cap = m->cap ? 2 * m->cap : 8;
			void *v = writ_realloc(m->v, cap * sizeof(*m->v));

			if (v == NULL)
				goto nomem;
			m->v = v;
			m->cap = cap;
		}
		mod = &m->v[m->n++];
		mod->id = i;
	} else {
		writ_free(mod->text);
	}
	mod->text = t;
	mod->len = len;
	return WRIT_OK;
nomem:
	writ_free(t);
	writ_free(i);
	return WRIT_ENOMEM;
}

bool
pol_modules_remove(struct pol_modules *m, const char *id)
{
	struct pol_module *mod = (struct pol_module *)(uintptr_t)pol_modules_find(m, id);

	if (mod == NULL)
		return false;
	writ_free(mod->id);
	writ_free(mod->text);
	*mod = m->v[--m->n];
	return true;
}

void
pol_modules_free(struct pol_modules *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		writ_free(m->v[i].id);
		writ_free(m->v[i].text);
	}
	writ_free(m->v);
	memset(m, 0, sizeof(*m));
}

/* ---------------------------------------------------------------------------
 * Loading.
 */

struct load {
	const char *dir;
	struct pol_bundle *b;
	struct writ_rego_doc *docs;
	struct writ_buf *texts; /* data file contents, one per doc */
	size_t ndocs, cap, nfiles;
	struct writ_err *err;
};

/* Read the regular file path, at most max bytes, into b. */
static writ_rc
read_file(const char *path, size_t max, struct writ_buf *b, struct writ_err *err)
{
	char chunk[16384];
	struct stat st;
	ssize_t n;
	writ_rc rc = WRIT_OK;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return WRIT_ERR(err, WRIT_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
		close(fd);
		return WRIT_ERR(
		    err, WRIT_EIO, "%s: not a regular file of at most %zu bytes", path, max);
	}
	while (rc == WRIT_OK && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = WRIT_ERR(err, WRIT_EIO, "%s: %s", path, strerror(errno));
		else if (b->len + (size_t)n > max)
			rc = WRIT_ERR(err, WRIT_ELIMIT, "%s: larger than %zu bytes", path, max);
		else if (writ_buf_append(b, chunk, (size_t)n) != WRIT_OK)
			rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	}
	close(fd);
	if (rc == WRIT_OK && b->ptr == NULL && writ_buf_append(b, "", 0) != WRIT_OK)
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	return rc;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static writ_rc
add_doc(struct load *l, const char *path, const char *rel, bool yaml)
{
	struct writ_buf *t;
	writ_rc rc;

	if (l->ndocs == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		void *d = writ_realloc(l->docs, cap * sizeof(*l->docs));
		void *tx = d != NULL ? writ_realloc(l->texts, cap * sizeof(*l->texts)) : NULL;

		if (d != NULL)
			l->docs = d;
		if (tx == NULL)
			return WRIT_ERR(l->err, WRIT_ENOMEM, "out of memory");
		l->texts = tx;
		l->cap = cap;
	}
	t = &l->texts[l->ndocs];
	writ_buf_init(t, 0);
	l->docs[l->ndocs] = (struct writ_rego_doc){NULL, NULL, NULL, 0, yaml};
	l->ndocs++;
	if ((rc = read_file(path, POL_MAX_FILE_LEN, t, l->err)) != WRIT_OK)
		return rc;
	l->docs[l->ndocs - 1].name = writ_strdup(path + strlen(l->dir) + 1);
	l->docs[l->ndocs - 1].path = writ_strdup(rel);
	l->docs[l->ndocs - 1].text = t->ptr;
	l->docs[l->ndocs - 1].len = t->len;
	if (l->docs[l->ndocs - 1].name == NULL || l->docs[l->ndocs - 1].path == NULL)
		return WRIT_ERR(l->err, WRIT_ENOMEM, "out of memory");
	return WRIT_OK;
}

static writ_rc
add_module(struct load *l, const char *path)
{
	struct writ_buf t;
	writ_rc rc;

	writ_buf_init(&t, 0);
	if ((rc = read_file(path, POL_MAX_FILE_LEN, &t, l->err)) == WRIT_OK &&
	    pol_modules_set(&l->b->mods, path + strlen(l->dir) + 1, t.ptr, t.len) != WRIT_OK)
		rc = WRIT_ERR(l->err, WRIT_ENOMEM, "out of memory");
	writ_buf_free(&t);
	return rc;
}

static writ_rc
load_cb(const char *path, const char *rel, bool named, void *arg)
{
	struct load *l = arg;
	const char *name = base_name(path);

	(void)named;
	if (++l->nfiles > POL_MAX_FILES)
		return WRIT_ERR(
		    l->err, WRIT_ELIMIT, "%s: more than %d files", l->dir, POL_MAX_FILES);
	if (ends_with(name, ".rego"))
		return add_module(l, path);
	if (strcmp(name, "data.json") == 0)
		return add_doc(l, path, rel, false);
	if (strcmp(name, "data.yaml") == 0 || strcmp(name, "data.yml") == 0)
		return add_doc(l, path, rel, true);
	return WRIT_OK; /* not part of a bundle */
}

/* The roots of the manifest text: paths in b's arena; absent means [""]. */
static writ_rc
manifest_roots(
    struct pol_bundle *b, const char *m, size_t len, struct pol_span roots, struct writ_err *err)
{
	struct pol_json_it it;
	struct pol_span k, v;
	struct writ_buf s;
	size_t n = 0;
	writ_rc rc = WRIT_OK;

	pol_json_it_init(&it, m, len, roots.off);
	while (pol_json_it_next(&it, &k, &v))
		n++;
	b->roots = writ_arena_calloc(b->a, n + 1, sizeof(*b->roots));
	if (b->roots == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	pol_json_it_init(&it, m, len, roots.off);
	while (rc == WRIT_OK && pol_json_it_next(&it, &k, &v)) {
		if (m[v.off] != '"')
			return WRIT_ERR(err, WRIT_EINVAL, ".manifest: roots must be strings");
		writ_buf_init(&s, 0);
		if ((rc = pol_json_unquote(m, v, &s)) == WRIT_OK)
			rc = pol_path_parse(b->a, s.ptr, s.len, false, &b->roots[b->nroots++]);
		writ_buf_free(&s);
	}
	return rc != WRIT_OK ? WRIT_ERR(err, rc, "out of memory") : WRIT_OK;
}

/* .manifest: revision and roots, when the file exists. */
static writ_rc
load_manifest(const char *dir, struct pol_bundle *b, struct writ_err *err)
{
	struct writ_buf path, text, rev;
	struct pol_span all, v, roots = {0, 0};
	writ_rc rc;

	writ_buf_init(&path, 0);
	writ_buf_init(&text, 0);
	writ_buf_init(&rev, 0);
	if ((rc = writ_buf_appendf(&path, "%s/.manifest", dir)) != WRIT_OK) {
		rc = WRIT_ERR(err, rc, "out of memory");
		goto out;
	}
	if (access(path.ptr, F_OK) != 0)
		goto roots; /* no manifest: no revision, all of data */
	if ((rc = read_file(path.ptr, 1u << 20, &text, err)) != WRIT_OK)
		goto out;
	if (pol_json_check(text.ptr, text.len, &all) != WRIT_OK || text.ptr[all.off] != '{') {
		rc = WRIT_ERR(err, WRIT_EINVAL, "%s: not a JSON object", path.ptr);
		goto out;
	}
	if (pol_json_member(text.ptr, text.len, all.off, "revision", 8, &v) &&
	    (text.ptr[v.off] != '"' || pol_json_unquote(text.ptr, v, &rev) != WRIT_OK)) {
		rc = WRIT_ERR(err, WRIT_EINVAL, "%s: revision must be a string", path.ptr);
		goto out;
	}
	if (pol_json_member(text.ptr, text.len, all.off, "roots", 5, &roots) &&
	    text.ptr[roots.off] != '[') {
		rc = WRIT_ERR(err, WRIT_EINVAL, "%s: roots must be an array", path.ptr);
		goto out;
	}
roots:
	if (roots.len > 0) {
		rc = manifest_roots(b, text.ptr, text.len, roots, err);
	} else if ((b->roots = writ_arena_calloc(b->a, 1, sizeof(*b->roots))) != NULL) {
		b->nroots = 1; /* [""]: one empty path owns everything */
	} else {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	}
	if (rc == WRIT_OK && (b->revision = writ_strdup(rev.ptr != NULL ? rev.ptr : "")) == NULL)
		rc = WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
out:
	writ_buf_free(&path);
	writ_buf_free(&text);
	writ_buf_free(&rev);
	return rc;
}

/* Every module's package lies within the roots. */
static writ_rc
check_module_roots(struct pol_bundle *b, struct writ_err *err)
{
	struct pol_path pkg;
	struct writ_buf t;
	size_t i;
	writ_rc rc = WRIT_OK;

	for (i = 0; i < b->mods.n && rc == WRIT_OK; i++) {
		if (pol_package_path(b->a, b->mods.v[i].text, b->mods.v[i].len, &pkg) != WRIT_OK ||
		    pol_path_within(b->roots, b->nroots, &pkg))
			continue;
		writ_buf_init(&t, 0);
		rc = pol_path_text(&pkg, pkg.n, &t);
		rc = WRIT_ERR(err, rc == WRIT_OK ? WRIT_EINVAL : rc,
		    "%s: manifest roots do not permit package path %.200s", b->mods.v[i].id,
		    t.ptr != NULL ? t.ptr : "");
		writ_buf_free(&t);
	}
	return rc;
}

static void
load_free(struct load *l)
{
	size_t i;

	for (i = 0; i < l->ndocs; i++) {
		writ_free((char *)(uintptr_t)l->docs[i].name);
		writ_free((char *)(uintptr_t)l->docs[i].path);
		writ_buf_free(&l->texts[i]);
	}
	writ_free(l->docs);
	writ_free(l->texts);
}

/* Merge the data files into b->data and check them against the roots. */
static writ_rc
merge_data(struct load *l, struct writ_err *err)
{
	struct writ_rego_error rerr;
	char msg[600];

	if (writ_rego_data_merge(l->docs, l->ndocs, &l->b->data, &rerr) != WRIT_OK) {
		writ_rego_error_format(&rerr, msg, sizeof(msg));
		return WRIT_ERR(err, WRIT_EINVAL, "%s", msg);
	}
	if (l->b->data.ptr == NULL && writ_buf_append(&l->b->data, "{}", 2) != WRIT_OK)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	return pol_data_roots_check(
	    l->b->data.ptr, l->b->data.len, l->b->roots, l->b->nroots, l->b->a, err);
}

/* Load once; *sig gets the signature the directory had before the reading. */
static writ_rc
load_once(const char *dir, struct pol_bundle *b, uint64_t *sig, struct writ_err *err)
{
	struct load l = {.dir = dir, .b = b, .err = err};
	writ_rc rc;

	memset(b, 0, sizeof(*b));
	writ_buf_init(&b->data, 0);
	if ((b->a = writ_arena_new(0, 0)) == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	if ((rc = pol_bundle_signature(dir, sig, err)) != WRIT_OK ||
	    (rc = writ_policy_walk(dir, load_cb, NULL, &l, err)) != WRIT_OK ||
	    (rc = load_manifest(dir, b, err)) != WRIT_OK ||
	    (rc = check_module_roots(b, err)) != WRIT_OK)
		goto out;
	rc = merge_data(&l, err);
out:
	load_free(&l);
	return rc;
}

writ_rc
pol_bundle_load(const char *dir, struct pol_bundle *out, uint64_t *sig, struct writ_err *err)
{
	struct stat st;
	uint64_t after = 0;
	int tries;
	writ_rc rc = WRIT_OK;

	if (stat(dir, &st) != 0)
		return WRIT_ERR(err, WRIT_EIO, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return WRIT_ERR(err, WRIT_EIO,
		    "%s: not a directory (bundle tarballs are not supported yet: unpack it)", dir);
	for (tries = 0; tries < 3; tries++) {
		if ((rc = load_once(dir, out, sig, err)) == WRIT_OK)
			rc = pol_bundle_signature(dir, &after, err);
		if (rc == WRIT_OK && after == *sig)
			return WRIT_OK;
		pol_bundle_free(out);
		if (rc != WRIT_OK)
			return rc;
		/* changed while we read it: read it again */
	}
	return WRIT_ERR(err, WRIT_EIO, "%s: keeps changing while it is read", dir);
}

void
pol_bundle_free(struct pol_bundle *b)
{
	pol_modules_free(&b->mods);
	writ_buf_free(&b->data);
	writ_free(b->revision);
	writ_arena_free(b->a);
	memset(b, 0, sizeof(*b));
}

/* ---------------------------------------------------------------------------
 * Signatures.
 */

static void
mix(uint64_t *h, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < len; i++) {
		*h ^= s[i];
		*h *= 1099511628211ULL; /* FNV-1a */
	}
}

static void
mix_stat(uint64_t *h, const char *name, const struct stat *st)
{
	int64_t v[5] = {(int64_t)st->st_size, (int64_t)st->st_mtim.tv_sec,
	    (int64_t)st->st_mtim.tv_nsec, (int64_t)st->st_ino, (int64_t)st->st_ctim.tv_nsec};

	mix(h, name, strlen(name) + 1);
	mix(h, v, sizeof(v));
}

static writ_rc
sig_cb(const char *path, const char *rel, bool named, void *arg)
{
	struct stat st;

	(void)rel;
	(void)named;
	if (stat(path, &st) == 0)
		mix_stat(arg, path, &st);
	return WRIT_OK;
}

writ_rc
pol_bundle_signature(const char *dir, uint64_t *sig, struct writ_err *err)
{
	uint64_t h = 14695981039346656037ULL;
	struct writ_buf m;
	struct stat st;
	writ_rc rc;

	if ((rc = writ_policy_walk(dir, sig_cb, NULL, &h, err)) != WRIT_OK)
		return rc;
	writ_buf_init(&m, 0);
	if (writ_buf_appendf(&m, "%s/.manifest", dir) != WRIT_OK) {
		writ_buf_free(&m);
		return WRIT_ERR(err, WRIT_ENOMEM, "out of memory");
	}
	if (stat(m.ptr, &st) == 0)
		mix_stat(&h, m.ptr, &st);
	writ_buf_free(&m);
	*sig = h;
	return WRIT_OK;
}
