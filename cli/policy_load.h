/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading Rego modules and data files for `writ policy eval` and `writ policy
 * test`, the way opa's loader does: .rego files are modules; .json, .yaml and
 * .yml files are data, placed at the root when named directly and at their
 * directory's path (relative to the argument) when found under a directory;
 * other files and dot-files are skipped.
 */
#ifndef WRIT_CLI_POLICY_LOAD_H
#define WRIT_CLI_POLICY_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "writ/base.h"
#include "writ/rego.h"

#define POLICY_MAX_FILE_LEN ((size_t)256 << 20)

struct policy_files {
	struct writ_rego_source *mods;
	struct writ_rego_doc *docs;
	size_t nmods, ndocs, cap;
	struct writ_buf *bufs; /* file contents, one per module or document */
	size_t nbufs;
};

/*
 * Call fn for path if it is not a directory (named: true), else for every
 * file under it in name order, dot-files skipped, at most 32 directories
 * deep; rel is the file's directory relative to path ("" at the top).
 * "-" is stdin, named.  Goes on after a failing file; 0, or -1 if fn or the
 * walk failed (the walk prints why).  The walk is writ_policy_walk
 * (lib/policy), which the server's bundle loader shares.
 */
typedef int (*policy_file_fn)(const char *path, const char *rel, bool named, void *arg);
int policy_walk(const char *path, policy_file_fn fn, void *arg);

/* Load a file or a directory tree into l; 0, or -1 after printing why. */
int policy_load(struct policy_files *l, const char *arg);
void policy_files_free(struct policy_files *l);

/*
 * --http-send-allow HOST (repeatable) and --http-send-timeout DUR, shared by
 * policy eval and policy test (policy_http.c): http.send enabled for the
 * hosts named, each request bounded by DUR (default 5s), the evaluation's
 * time limit raised by DUR so that a request may use it.
 */
#define POLICY_HTTP_MAX_HOSTS 64

struct policy_http {
	const char *hosts[POLICY_HTTP_MAX_HOSTS];
	size_t nhosts;
	uint64_t timeout_ms; /* 0: not given */
	struct writ_rego_http cfg;
	struct writ_rego_http_cache *cache;
};

/*
 * If argv[*i] is one of the flags, take it and its value (*i moves on):
 * 1; 0 when it is not one; -1 after printing why its value is bad.
 */
int policy_http_flag(struct policy_http *h, int argc, char **argv, int *i);
/* Make h's configuration once the flags are read: 0, or -1 after printing why. */
int policy_http_setup(struct policy_http *h);
/* Give o h's configuration (none unless a host was allowed). */
void policy_http_apply(const struct policy_http *h, struct writ_rego_eval_opts *o);
void policy_http_free(struct policy_http *h);

#endif /* WRIT_CLI_POLICY_LOAD_H */
