/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pieces the unit tests' fixtures share: a fresh, unsealed SQLite store in
 * $WRIT_TEST_TMP, its removal, and the JSON accessors response checks use.
 * Failures abort the calling test through cmocka's asserts.
 */
#ifndef WRIT_TESTS_FIXTURE_H
#define WRIT_TESTS_FIXTURE_H

#include <stddef.h>

#include <jansson.h>

#include "writ/core.h"
#include "writ/req.h"
#include "writ/store.h"

/*
 * Open a new store at a unique path "<tmp>/<name>_<pid>_<n>.db" (written to
 * path), initialised with one key share and unsealed.
 */
struct writ_store *fx_store_open(const char *name, char *path, size_t pathlen);
/*
 * Make core serve on store s with Vault's default lease TTLs (32 days) and
 * create a root token; returns its text (malloc).
 */
char *fx_core_root(struct writ_core *core, struct writ_store *s);
/* Close s (may be NULL) and remove the database and its -wal and -shm files. */
void fx_store_close(struct writ_store *s, const char *path);
/* Where and as whom fx_serve runs a request. */
struct fx_target {
	struct writ_core *core;
	const struct writ_mount *mount; /* may be NULL */
	writ_handler_fn handle;
	const char *remote;
	unsigned caps; /* caps of a non-root caller (root gets ROOT|SUDO) */
};

/*
 * Serve one request the way the pipeline does: authenticate token (none when
 * NULL), run the handler, make its writes durable, revoke a token whose last
 * use this was.  resp is zeroed first; free it with fx_resp_free.
 */
writ_rc fx_serve(const struct fx_target *t, const char *token, enum writ_op op, const char *rel,
    const char *body, struct writ_resp *resp);
/* Drop the JSON a handler left in r and zero it. */
void fx_resp_free(struct writ_resp *r);
/* o[k] as a string / integer; the test fails when it is missing or mistyped. */
const char *fx_jstr(json_t *o, const char *k);
json_int_t fx_jint(json_t *o, const char *k);

#endif /* WRIT_TESTS_FIXTURE_H */
