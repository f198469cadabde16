/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.send for writ policy eval and writ policy test (policy_load.h):
 * --http-send-allow HOST enables it for HOST (a name, an address,
 * "*.example.com" or "*"), --http-send-timeout DUR bounds each request
 * (Go's duration syntax, as the policy's own timeout).  Without
 * --http-send-allow http.send stays refused, as in the server by default.
 * One inter-query cache serves every evaluation of the command.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "writ/rego.h"

#include "policy_load.h"
#include "rego/builtins/families_ext.h"

/* The evaluation's default time limit (docs/CONFIGURATION.md), raised by the request timeout. */
#define EVAL_TIMEOUT_MS ((uint64_t)5000)

int
policy_http_flag(struct policy_http *h, int argc, char **argv, int *i)
{
	const char *s = argv[*i];
	int64_t ns;

	if (*i + 1 >= argc)
		return 0;
	if (strcmp(s, "--http-send-allow") == 0) {
		if (h->nhosts == POLICY_HTTP_MAX_HOSTS) {
			warnx(
			    "too many --http-send-allow flags (at most %d)", POLICY_HTTP_MAX_HOSTS);
			return -1;
		}
		h->hosts[h->nhosts++] = argv[++*i];
		return 1;
	}
	if (strcmp(s, "--http-send-timeout") == 0) {
		s = argv[++*i];
		if (!rego_go_duration(s, strlen(s), &ns) || ns <= 0) {
			warnx(
			    "invalid duration \"%s\" for --http-send-timeout (e.g. 500ms, 10s)", s);
			return -1;
		}
		h->timeout_ms = ((uint64_t)ns + 999999) / 1000000;
		return 1;
	}
	return 0;
}

int
policy_http_setup(struct policy_http *h)
{
	if (h->nhosts == 0) {
		if (h->timeout_ms != 0) {
			warnx("--http-send-timeout needs --http-send-allow");
			return -1;
		}
		return 0;
	}
	if (writ_rego_http_cache_new(0, 0, &h->cache) != WRIT_OK) {
		warnx("out of memory");
		return -1;
	}
	if (h->timeout_ms == 0)
		h->timeout_ms = WRIT_REGO_HTTP_TIMEOUT_MS;
	h->cfg.enabled = true;
	h->cfg.allow_hosts = h->hosts;
	h->cfg.nallow_hosts = h->nhosts;
	h->cfg.timeout_ms = h->timeout_ms;
	h->cfg.max_timeout_ms = h->timeout_ms;
	h->cfg.cache = h->cache;
	return 0;
}

void
policy_http_apply(const struct policy_http *h, struct writ_rego_eval_opts *o)
{
	if (!h->cfg.enabled)
		return;
	o->http = &h->cfg;
	if (o->limits.timeout_ms == 0)
		o->limits.timeout_ms = EVAL_TIMEOUT_MS + h->timeout_ms;
}

void
policy_http_free(struct policy_http *h)
{
	writ_rego_http_cache_free(h->cache);
	h->cache = NULL;
}
