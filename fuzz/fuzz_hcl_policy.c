/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for ACL policies (HCL and JSON).  A policy that parses is
 * combined with the default policy into an ACL, which is queried on paths
 * made from each pattern (the pattern itself, its globs filled in, cut
 * short, extended); the indexed lookup must agree with the linear reference
 * lookup on every one (abort otherwise).  A policy that fails must say
 * "line N: ...".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "writ/acl.h"

#include "acl/acl_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_path(const struct writ_acl *acl, const char *path)
{
	if (writ_acl_capabilities(acl, path) != acl_capabilities_naive(acl, path))
		abort();
}

/* The pattern with every '+' and '*' replaced by fill, then variants. */
static void
check_pattern(const struct writ_acl *acl, const char *pat, size_t len)
{
	static const char *const fills[] = {"", "x", "x/y", "+"};
	char path[512];
	size_t f, i, k;

	if (len > 200)
		return;
	check_path(acl, pat);
	for (f = 0; f < WRIT_ARRAY_LEN(fills); f++) {
		for (i = 0, k = 0; i < len; i++) {
			if (pat[i] == '+' || pat[i] == '*') {
				memcpy(path + k, fills[f], strlen(fills[f]));
				k += strlen(fills[f]);
			} else {
				path[k++] = pat[i];
			}
		}
		path[k] = '\0';
		check_path(acl, path);
		if (k > 0) {
			path[k - 1] = '\0';
			check_path(acl, path);
		}
		memcpy(path + k, "/z", 3);
		check_path(acl, path);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *def = writ_acl_default_policy_text();
	struct writ_acl_policy *p[2] = {NULL, NULL};
	struct writ_acl *acl = NULL;
	struct writ_err err;
	size_t i;

	if (writ_acl_policy_parse("fuzz", (const char *)data, size, &p[0], &err) != WRIT_OK) {
		if (strncmp(err.msg, "line ", 5) != 0)
			abort();
		return 0;
	}
	if (writ_acl_policy_parse("default", def, strlen(def), &p[1], &err) != WRIT_OK ||
	    writ_acl_new((const struct writ_acl_policy *const *)p, 2, &acl, &err) != WRIT_OK)
		abort();
	for (i = 0; i < p[0]->nrules; i++)
		check_pattern(acl, p[0]->rules[i].pattern, p[0]->rules[i].len);
	check_path(acl, "");
	check_path(acl, "secret/data/x");
	check_path(acl, "cubbyhole/a");
	writ_acl_free(acl);
	writ_acl_policy_free(p[0]);
	writ_acl_policy_free(p[1]);
	return 0;
}
