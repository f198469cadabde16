/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the whole API request path below HTTP: JSON body parsing and limits,
 * query strings, routing, authentication, ACL checks, the sys, token, AppRole
 * and KV handlers, audit formatting and the response envelope.
 *
 * Input: line 1 "METHOD /v1/path?query", line 2 the token ("root" for the
 * root token, "" for none, anything else as given), the rest is the body.
 * Invariants: a status between 200 and 599, and a body that is either empty
 * or valid JSON.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "writ/core.h"
#include "writ/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct writ_core *core;
static char root[128];

static void
setup(void)
{
	char dir[] = "/tmp/writ-fuzz-api-XXXXXX", path[64];
	struct writ_core_opts opts = {0};
	struct writ_core_init_result r = {0};
	struct writ_store *store;
	struct writ_arena *a = writ_arena_new(0, 0);

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/writ.db", dir);
	opts.dev = true;
	opts.naudit = 1;
	snprintf(opts.audit[0].name, sizeof(opts.audit[0].name), "file");
	snprintf(opts.audit[0].path, sizeof(opts.audit[0].path), "%s/audit.log", dir);
	if (writ_store_open_sqlite(path, &store, NULL) != WRIT_OK ||
	    writ_core_new(&opts, store, &core, NULL) != WRIT_OK ||
	    writ_core_init(core, a, 1, 1, true, &r, NULL) != WRIT_OK)
		abort();
	snprintf(root, sizeof(root), "%s", r.root_token);
	writ_arena_free(a);
}

static char *
line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t len = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(len + 1);

	memcpy(s, *p, len);
	s[len] = '\0';
	*p += len + (nl != NULL);
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct writ_core_in in = {0};
	struct writ_core_out out = {0};
	char *first, *tok, *sp, *q;

	if (core == NULL)
		setup();
	first = line(&p, end);
	tok = line(&p, end);
	sp = strchr(first, ' ');
	if (sp == NULL || memchr(first, '\0', strlen(first)) == NULL) {
		free(first);
		free(tok);
		return 0;
	}
	*sp = '\0';
	in.method = first;
	in.path = sp + 1;
	if ((q = strchr(sp + 1, '?')) != NULL) {
		*q = '\0';
		in.query = q + 1;
	}
	in.token = strcmp(tok, "root") == 0 ? root : (tok[0] ? tok : NULL);
	in.body = (const char *)p;
	in.bodylen = (size_t)(end - p);
	in.remote_addr = "127.0.0.1";
	writ_core_serve(core, &in, &out);
	assert(out.status >= 200 && out.status <= 599);
	if (out.body.len > 0) {
		json_t *j = json_loadb(out.body.ptr, out.body.len, 0, NULL);

		assert(j != NULL);
		json_decref(j);
	}
	writ_buf_free(&out.body);
	free(first);
	free(tok);
	return 0;
}
