/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for the HCL parser and the server configuration reader.
 * Invariants checked (abort on violation):
 *  - a failed parse always says "line N: ..." (HCL layer) or
 *    "fuzz.hcl:N: ..." (configuration layer);
 *  - an HCL document, stripped of its "__" position keys and written out as
 *    JSON, parses again through the JSON path to an equal document;
 *  - a configuration that parses has one storage, 1..8 listeners, and every
 *    TLS listener has a certificate and key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "writ/base.h"
#include "writ/hcl.h"

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Remove the "__" members that the HCL parser adds, in place. */
static void
strip(json_t *v)
{
	const char *key;
	json_t *m;
	void *tmp;
	size_t i;

	json_object_foreach_safe (v, tmp, key, m) {
		if (key[0] == '_' && key[1] == '_')
			json_object_del(v, key);
		else
			strip(m);
	}
	json_array_foreach (v, i, m)
		strip(m);
}

static void
check_roundtrip(json_t *doc)
{
	struct writ_err err;
	json_t *copy = json_deep_copy(doc), *again = NULL;
	char *text;

	if (copy == NULL)
		return;
	strip(copy);
	text = json_dumps(copy, JSON_COMPACT);
	if (text != NULL && strlen(text) <= WRIT_HCL_MAX_INPUT) {
		if (writ_hcl_parse(text, strlen(text), &again, &err) != WRIT_OK ||
		    !json_equal(copy, again))
			abort();
		json_decref(again);
	}
	free(text);
	json_decref(copy);
}

static void
check_config(const struct writ_config *cfg)
{
	size_t i;

	if (cfg->storage != WRIT_CONFIG_STORAGE_SQLITE || cfg->storage_path == NULL)
		abort();
	if (cfg->nlisteners < 1 || cfg->nlisteners > WRIT_CONFIG_MAX_LISTENERS)
		abort();
	for (i = 0; i < cfg->nlisteners; i++) {
		const struct writ_config_listener *l = &cfg->listeners[i];

		if (l->address == NULL || l->max_request_size == 0)
			abort();
		if (!l->tls_disable && (l->tls_cert_file == NULL || l->tls_key_file == NULL))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct writ_config cfg;
	struct writ_err err;
	json_t *doc = NULL;

	if (writ_hcl_parse(text, size, &doc, &err) == WRIT_OK) {
		check_roundtrip(doc);
		json_decref(doc);
	} else if (strncmp(err.msg, "line ", 5) != 0) {
		abort();
	}
	if (writ_config_parse(text, size, "fuzz.hcl", &cfg, &err) == WRIT_OK) {
		check_config(&cfg);
		writ_config_free(&cfg);
	} else if (strncmp(err.msg, "fuzz.hcl:", 9) != 0) {
		abort();
	}
	return 0;
}
