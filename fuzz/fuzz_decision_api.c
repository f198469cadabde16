/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz OPA's REST API on the decision listener below HTTP
 * (writ_policy_serve, lib/policy/api.c): routing, query parameters (pretty,
 * metrics, provenance, explain), decisions with their inputs, the data API's
 * PUT, PATCH and DELETE, the policy API's compilations, and the decision log
 * hook, on a store holding a small policy and data.  The store is made
 * again after any request but a GET or a POST (which only fill its
 * prepared-query cache), so a crash replays from its file alone.
 *
 * Input: line 1 "METHOD /path?query", line 2 If-None-Match ("" for none),
 * the rest is the body.  Invariants: a status between 200 and 599; a body
 * that is empty or valid JSON, and empty for 204 and 304; every logged
 * decision has a decision id and a path.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "writ/base.h"
#include "writ/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy[] =
    "package authz\n\nimport rego.v1\n\ndefault allow := false\n\n"
    "allow if data.roles[input.user] == \"admin\"\n\n"
    "allow if {\n\ttrace(\"alice?\")\n\tinput.user == \"alice\"\n}\n\n"
    "reasons contains r if {\n\tsome r in input.reasons\n\tis_string(r)\n}\n\n"
    "double(x) := x * 2\n";
static const char main_policy[] = "package system\n\nmain := {\"allowed\": data.authz.allow}\n";
static const char roles[] = "{\"alice\":\"viewer\",\"bob\":\"admin\"}";

static char *
line(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t len = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s = malloc(len + 1);

	if (s == NULL)
		abort();
	memcpy(s, *p, len);
	s[len] = '\0';
	*p += len + (nl != NULL);
	return s;
}

static writ_rc
log_check(void *arg, const struct writ_policy_decision *d)
{
	(void)arg;
	assert(d->decision_id != NULL && d->path != NULL && d->revision != NULL);
	assert(d->input == NULL || d->input_len > 0);
	assert(d->result == NULL || d->error == NULL);
	return WRIT_OK;
}

/* Serve one request; the status. */
static int
serve(struct writ_policy_store *ps, const char *method, const char *path, const char *query,
    const char *inm, const char *body, size_t len)
{
	struct writ_policy_in in = {0};
	struct writ_policy_out out;
	json_t *j;
	int status;

	in.method = method;
	in.path = path;
	in.query = query;
	in.if_none_match = inm;
	in.body = body;
	in.bodylen = len;
	in.remote_addr = "127.0.0.1";
	writ_policy_serve(ps, &in, &out);
	status = out.status;
	assert(status >= 200 && status <= 599);
	assert(out.body.len == 0 || (status != 204 && status != 304));
	if (out.body.len > 0) {
		j = json_loadb(out.body.ptr, out.body.len, JSON_DECODE_ANY, NULL);
		assert(j != NULL);
		json_decref(j);
	}
	writ_buf_free(&out.body);
	return status;
}

static struct writ_policy_store *
store_new(void)
{
	struct writ_policy_opts o = {.log = log_check};
	struct writ_policy_store *ps = NULL;
	struct writ_err err = {0};

	o.limits.max_steps = 100000;
	o.limits.max_bytes = (size_t)16 << 20;
	o.limits.timeout_ms = 1000;
	if (writ_policy_store_new(&o, &ps, &err) != WRIT_OK ||
	    serve(ps, "PUT", "/v1/policies/authz.rego", NULL, NULL, policy, sizeof(policy) - 1) !=
	        200 ||
	    serve(ps, "PUT", "/v1/policies/main.rego", NULL, NULL, main_policy,
	        sizeof(main_policy) - 1) != 200 ||
	    serve(ps, "PUT", "/v1/data/roles", NULL, NULL, roles, sizeof(roles) - 1) != 204)
		abort();
	return ps;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct writ_policy_store *ps;
	const uint8_t *p = data, *end = data + size;
	char *first, *inm, *sp, *q;

	first = line(&p, end);
	inm = line(&p, end);
	if ((sp = strchr(first, ' ')) == NULL) {
		free(first);
		free(inm);
		return 0;
	}
	*sp = '\0';
	if ((q = strchr(sp + 1, '?')) != NULL)
		*q++ = '\0';
	if (ps == NULL)
		ps = store_new();
	(void)serve(
	    ps, first, sp + 1, q, inm[0] != '\0' ? inm : NULL, (const char *)p, (size_t)(end - p));
	/* The store still answers after whatever the request changed. */
	(void)serve(ps, "POST", "/v1/data/authz/allow", "explain=full", NULL,
	    "{\"input\":{\"user\":\"bob\"}}", 25);
	(void)serve(ps, "GET", "/v1/policies", NULL, NULL, NULL, 0);
	/* Only GET and POST leave it as it was (but for the prepared-query cache). */
	if (strcmp(first, "GET") != 0 && strcmp(first, "POST") != 0) {
		writ_policy_store_free(ps);
		ps = NULL;
	}
	free(first);
	free(inm);
	return 0;
}
