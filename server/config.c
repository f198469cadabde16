/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading of `writ server -config FILE`.  The HCL parser (lib/base/hcl.c)
 * turns the file into a jansson document; this file walks it with one sorted
 * keyword table per section, searched with bsearch (OpenBSD parse.y), each
 * entry saying the type of the value, where it goes and its bounds.  Every
 * error names the file and line: "writ.hcl:7: unknown key \"adress\" in
 * listener".  Checks that span keys (TLS files, TTL order, duplicate
 * addresses, a storage block and a listener exist) run once everything is
 * read.
 */
#include <sys/stat.h>
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "writ/base.h"
#include "writ/hcl.h"

#include "config.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

#define DEFAULT_TTL       (768 * 3600)
#define MAX_TTL           (100LL * 365 * 86400)
#define DEFAULT_CHECKPOINT 1000
#define DEFAULT_RELOAD    5

enum kind {
	K_STR,
	K_BOOL,
	K_NUM,   /* uint64_t in [min, max] */
	K_DUR,   /* int64_t seconds in [min, max] */
	K_LEVEL, /* enum writ_log_level */
	K_TLSVER,
	K_ADDR,
	K_BLOCK, /* top level only: handled by a block function */
};

struct kw {
	const char *name;
	enum kind kind;
	size_t off; /* offset of the field in the section's struct */
	uint64_t min, max;
};

#define CF(f)  offsetof(struct writ_config, f)
#define LF(f)  offsetof(struct writ_config_listener, f)
#define AF(f)  offsetof(struct writ_config_audit, f)
#define MF(f)  offsetof(struct writ_config_limits, f)
#define PF(f)  offsetof(struct writ_config_policy, f)
#define XF(f)  offsetof(struct writ_config_ext_authz, f)
#define GF(f)  offsetof(struct writ_config_governing, f)

/* Every table is sorted by name (checked in debug builds). */
static const struct kw top_kw[] = {
	{"api_addr", K_STR, CF(api_addr), 0, 0},
	{"audit", K_BLOCK, 0, 0, 0},
	{"cluster_name", K_STR, CF(cluster_name), 0, 0},
	{"decision_listener", K_BLOCK, 0, 0, 0},
	{"default_lease_ttl", K_DUR, CF(default_lease_ttl), 1, MAX_TTL},
	{"disable_mlock", K_BOOL, CF(disable_mlock), 0, 0},
	{"ext_authz", K_BLOCK, 0, 0, 0},
	{"governing", K_BLOCK, 0, 0, 0},
	{"limits", K_BLOCK, 0, 0, 0},
	{"listener", K_BLOCK, 0, 0, 0},
	{"log_level", K_LEVEL, CF(log_level), 0, 0},
	{"max_lease_ttl", K_DUR, CF(max_lease_ttl), 1, MAX_TTL},
	{"pid_file", K_STR, CF(pid_file), 0, 0},
	{"policy", K_BLOCK, 0, 0, 0},
	{"storage", K_BLOCK, 0, 0, 0},
	{"ui", K_BOOL, CF(ui), 0, 0},
};

static const struct kw listener_kw[] = {
	{"address", K_ADDR, LF(address), 0, 0},
	{"max_request_duration", K_DUR, LF(max_request_duration), 1, 86400},
	{"max_request_size", K_NUM, LF(max_request_size), 1, GIB},
	{"tls_cert_file", K_STR, LF(tls_cert_file), 0, 0},
	{"tls_client_ca_file", K_STR, LF(tls_client_ca_file), 0, 0},
	{"tls_disable", K_BOOL, LF(tls_disable), 0, 0},
	{"tls_key_file", K_STR, LF(tls_key_file), 0, 0},
	{"tls_min_version", K_TLSVER, LF(tls_min_version), 0, 0},
	{"tls_require_and_verify_client_cert", K_BOOL, LF(tls_require_and_verify_client_cert), 0,
	    0},
};

static const struct kw ext_authz_kw[] = {
	{"address", K_ADDR, XF(l.address), 0, 0},
	{"dry_run", K_BOOL, XF(dry_run), 0, 0},
	{"max_recv_msg_size", K_NUM, XF(max_recv_msg_size), 1 * KIB, 64 * MIB},
	{"path", K_STR, XF(path), 0, 0},
	{"skip_request_body_parse", K_BOOL, XF(skip_request_body_parse), 0, 0},
	{"tls_cert_file", K_STR, XF(l.tls_cert_file), 0, 0},
	{"tls_client_ca_file", K_STR, XF(l.tls_client_ca_file), 0, 0},
	{"tls_disable", K_BOOL, XF(l.tls_disable), 0, 0},
	{"tls_key_file", K_STR, XF(l.tls_key_file), 0, 0},
	{"tls_min_version", K_TLSVER, XF(l.tls_min_version), 0, 0},
	{"tls_require_and_verify_client_cert", K_BOOL, XF(l.tls_require_and_verify_client_cert), 0,
	    0},
};

static const struct kw audit_kw[] = {
	{"checkpoint_every", K_NUM, AF(checkpoint_every), 1, 1000000000},
	{"path", K_STR, AF(path), 0, 0},
};

static const struct kw limits_kw[] = {
	{"arena_cap", K_NUM, MF(arena_cap), 64 * KIB, 16 * GIB},
	{"http_threads", K_NUM, MF(http_threads), 1, 1024},
	{"max_header_bytes", K_NUM, MF(max_header_bytes), 1 * KIB, 1 * MIB},
	{"max_json_depth", K_NUM, MF(max_json_depth), 1, 1000},
	{"max_request_bytes", K_NUM, MF(max_request_bytes), 1, GIB},
	{"max_string_bytes", K_NUM, MF(max_string_bytes), 1, GIB},
};

static const struct kw policy_kw[] = {
	{"authz_decision", K_STR, PF(authz_decision), 0, 0},
	{"bundle_dir", K_STR, PF(bundle_dir), 0, 0},
	{"decision_log_input", K_STR, PF(decision_log_input), 0, 0},
	{"default_decision", K_STR, PF(default_decision), 0, 0},
	{"mask_decision", K_STR, PF(mask_decision), 0, 0},
	{"reload_interval", K_DUR, PF(reload_interval), 0, 86400},
};

static const struct kw governing_kw[] = {
	{"bundle_dir", K_STR, GF(bundle_dir), 0, 0},
	{"decision", K_STR, GF(decision), 0, 0},
	{"reload_interval", K_DUR, GF(reload_interval), 0, 86400},
};

static const struct kw sqlite_kw[] = {
	{"path", K_STR, CF(storage_path), 0, 0},
};

static const struct {
	const char *name;
	enum writ_log_level level;
} level_names[] = {
	{"debug", WRIT_LOG_DEBUG},
	{"error", WRIT_LOG_ERROR},
	{"info", WRIT_LOG_INFO},
	{"trace", WRIT_LOG_TRACE},
	{"warn", WRIT_LOG_WARN},
};

/* State of one parse: the text (for JSON lines), the name, the error sink. */
struct ctx {
	const char *text;
	size_t len;
	const char *fname;
	struct writ_err *err;
	struct writ_config *cfg;
	int line_default_ttl; /* where default_lease_ttl was set, 0 if not */
};

static writ_rc cerr(struct ctx *c, int line, writ_rc code, const char *fmt, ...)
    WRIT_PRINTF(4, 5);

/* "FILE:LINE: message". */
static writ_rc
cerr(struct ctx *c, int line, writ_rc code, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return WRIT_ERR(c->err, code, "%s:%d: %s", c->fname, line > 0 ? line : 1, msg);
}

/* Line of key in obj; JSON documents have none, so find the key in the text. */
static int
key_line(const struct ctx *c, json_t *obj, const char *key)
{
	int line = writ_hcl_line(obj, key);

	return line > 0 ? line : writ_hcl_text_line(c->text, c->len, key);
}

/* Printable, bounded copy of user text for a message. */
static const char *
shown(char *buf, size_t buflen, const char *s)
{
	size_t i, n = 0;

	for (i = 0; s[i] != '\0' && n + 4 < buflen; i++)
		buf[n++] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"') ? s[i] : '?';
	if (s[i] != '\0') {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static int
kw_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

#ifndef NDEBUG
static bool
sorted(const struct kw *t, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++) {
		if (strcmp(t[i - 1].name, t[i].name) >= 0)
			return false;
	}
	return true;
}
#endif

void
writ_config_init(struct writ_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = WRIT_LOG_INFO;
	cfg->default_lease_ttl = DEFAULT_TTL;
	cfg->max_lease_ttl = DEFAULT_TTL;
	cfg->limits.max_request_bytes = 32 * MIB;
	cfg->limits.max_header_bytes = 64 * KIB;
	cfg->limits.max_json_depth = 64;
	cfg->limits.max_string_bytes = 1 * MIB;
	cfg->limits.arena_cap = 64 * MIB;
	cfg->limits.http_threads = 0; /* auto: one per online CPU, at least 2 */
	cfg->policy.reload_interval = DEFAULT_RELOAD;
	cfg->governing.reload_interval = DEFAULT_RELOAD;
}

void
writ_config_free(struct writ_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nlisteners; i++) {
		writ_free(cfg->listeners[i].address);
		writ_free(cfg->listeners[i].tls_cert_file);
		writ_free(cfg->listeners[i].tls_key_file);
		writ_free(cfg->listeners[i].tls_client_ca_file);
	}
	for (i = 0; i < cfg->naudits; i++)
		writ_free(cfg->audits[i].path);
	writ_free(cfg->ext_authz.l.address);
	writ_free(cfg->ext_authz.l.tls_cert_file);
	writ_free(cfg->ext_authz.l.tls_key_file);
	writ_free(cfg->ext_authz.l.tls_client_ca_file);
	writ_free(cfg->ext_authz.path);
	writ_free(cfg->listeners);
	writ_free(cfg->audits);
	writ_free(cfg->storage_path);
	writ_free(cfg->api_addr);
	writ_free(cfg->cluster_name);
	writ_free(cfg->pid_file);
	writ_free(cfg->policy.bundle_dir);
	writ_free(cfg->policy.default_decision);
	writ_free(cfg->policy.decision_log_input);
	writ_free(cfg->policy.mask_decision);
	writ_free(cfg->governing.bundle_dir);
	writ_free(cfg->governing.decision);
	writ_free(cfg->policy.authz_decision);
	writ_config_init(cfg);
}

/* ---------------------------------------------------------------------------
 * Values.
 */

/* A number of bytes or a count: a JSON integer or a string of digits. */
static writ_rc
get_num(struct ctx *c, const struct kw *k, json_t *v, int line, uint64_t *out)
{
	const char *s = json_string_value(v);
	uint64_t u = 0;
	bool ok = false;

	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		u = (uint64_t)json_integer_value(v);
		ok = true;
	} else if (s != NULL) {
		ok = writ_parse_u64(s, strlen(s), &u) == WRIT_OK;
	}
	if (!ok || u < k->min || u > k->max)
		return cerr(c, line, WRIT_EINVAL, "%s must be a number between %llu and %llu",
		    k->name, (unsigned long long)k->min, (unsigned long long)k->max);
	*out = u;
	return WRIT_OK;
}

/* A duration: "90s", "1h30m", or whole seconds (number or string). */
static writ_rc
get_dur(struct ctx *c, const struct kw *k, json_t *v, int line, int64_t *out)
{
	const char *s = json_string_value(v);
	int64_t d = -1;

	if (json_is_integer(v))
		d = json_integer_value(v);
	else if (s == NULL || writ_parse_duration(s, strlen(s), &d) != WRIT_OK)
		d = -1;
	if (d < 0)
		return cerr(c, line, WRIT_EINVAL, "%s must be a duration such as \"90s\" or \"768h\"",
		    k->name);
	if ((uint64_t)d < k->min || (uint64_t)d > k->max)
		return cerr(c, line, WRIT_EINVAL, "%s must be between %llus and %llus", k->name,
		    (unsigned long long)k->min, (unsigned long long)k->max);
	*out = d;
	return WRIT_OK;
}

/* true/false, or the strings "true"/"false" as Vault also takes. */
static writ_rc
get_bool(struct ctx *c, const struct kw *k, json_t *v, int line, bool *out)
{
	const char *s = json_string_value(v);

	if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (s != NULL && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0))
		*out = s[0] == 't';
	else
		return cerr(c, line, WRIT_EINVAL, "%s must be true or false", k->name);
	return WRIT_OK;
}

/* host:port with a numeric port; IPv6 hosts in brackets. */
static bool
valid_address(const char *s)
{
	const char *colon = strrchr(s, ':');
	uint64_t port;

	if (colon == NULL || colon == s || colon[1] == '\0')
		return false;
	if (writ_parse_u64(colon + 1, strlen(colon + 1), &port) != WRIT_OK || port > 65535)
		return false;
	if (s[0] == '[')
		return colon[-1] == ']' && colon - s > 2;
	return memchr(s, ':', (size_t)(colon - s)) == NULL;
}

/* A string value, checked for its kind (address, log level, TLS version). */
static writ_rc
set_string_kind(struct ctx *c, const struct kw *k, const char *s, int line, void *dst)
{
	char b[60];
	size_t i;

	switch (k->kind) {
	case K_LEVEL:
		for (i = 0; i < WRIT_ARRAY_LEN(level_names); i++) {
			if (strcmp(s, level_names[i].name) == 0) {
				*(enum writ_log_level *)dst = level_names[i].level;
				return WRIT_OK;
			}
		}
		return cerr(c, line, WRIT_EINVAL,
		    "invalid log_level \"%s\" (trace, debug, info, warn, error)",
		    shown(b, sizeof(b), s));
	case K_TLSVER:
		if (strcmp(s, "tls12") != 0 && strcmp(s, "tls13") != 0)
			return cerr(c, line, WRIT_EINVAL,
			    "invalid tls_min_version \"%s\" (tls12 or tls13)", shown(b, sizeof(b), s));
		*(int *)dst = s[4] == '2' ? 12 : 13;
		return WRIT_OK;
	default:
		if (k->kind == K_ADDR && !valid_address(s))
			return cerr(c, line, WRIT_EINVAL, "invalid address \"%s\" (host:port)",
			    shown(b, sizeof(b), s));
		writ_free(*(char **)dst);
		if ((*(char **)dst = writ_strdup(s)) == NULL)
			return cerr(c, line, WRIT_ENOMEM, "out of memory");
		return WRIT_OK;
	}
}

/* Store value v of keyword k into the section struct at base. */
static writ_rc
set_value(struct ctx *c, const struct kw *k, json_t *v, int line, void *base)
{
	void *dst = (char *)base + k->off;
	const char *s;

	switch (k->kind) {
	case K_BOOL:
		return get_bool(c, k, v, line, dst);
	case K_NUM:
		return get_num(c, k, v, line, dst);
	case K_DUR:
		return get_dur(c, k, v, line, dst);
	case K_BLOCK:
		break;
	case K_STR:
	case K_ADDR:
	case K_LEVEL:
	case K_TLSVER:
		if ((s = json_string_value(v)) == NULL)
			return cerr(c, line, WRIT_EINVAL, "%s must be a string", k->name);
		if (s[0] == '\0')
			return cerr(c, line, WRIT_EINVAL, "%s must not be empty", k->name);
		return set_string_kind(c, k, s, line, dst);
	}
	return cerr(c, line, WRIT_EINTERNAL, "%s: bad keyword table", k->name);
}

/*
 * Every member of obj through table into base; section names the block in
 * messages (NULL at the top level, whose K_BLOCK keys are left to the caller).
 */
static writ_rc
apply(struct ctx *c, json_t *obj, const struct kw *table, size_t n, void *base,
    const char *section)
{
	const struct kw *k;
	const char *key;
	char b[60];
	json_t *v;
	writ_rc rc;

	assert(sorted(table, n));
	json_object_foreach (obj, key, v) {
		int line;

		if (key[0] == '_' && key[1] == '_')
			continue;
		line = key_line(c, obj, key);
		if ((k = bsearch(key, table, n, sizeof(*table), kw_cmp)) == NULL)
			return cerr(c, line, WRIT_EINVAL, "unknown key \"%s\"%s%s",
			    shown(b, sizeof(b), key), section ? " in " : "", section ? section : "");
		if (k->kind == K_BLOCK)
			continue;
		if ((rc = set_value(c, k, v, line, base)) != WRIT_OK)
			return rc;
		if (base == c->cfg && strcmp(key, "default_lease_ttl") == 0)
			c->line_default_ttl = line;
	}
	return WRIT_OK;
}

/* ---------------------------------------------------------------------------
 * Blocks.
 */

/* Turn the parser's "line N: message" into "FILE:N: message". */
static writ_rc
syntax_error(struct ctx *c, writ_rc rc, const struct writ_err *herr)
{
	const char *m = strchr(herr->msg, ':');
	uint64_t line = 1;

	if (strncmp(herr->msg, "line ", 5) != 0 || m == NULL ||
	    writ_parse_u64(herr->msg + 5, (size_t)(m - herr->msg - 5), &line) != WRIT_OK ||
	    line > INT32_MAX)
		return cerr(c, 1, rc, "%s", herr->msg);
	return cerr(c, (int)line, rc, "%s", m + 2);
}

/* The blocks called name, at most max of them. */
static writ_rc
get_blocks(struct ctx *c, json_t *doc, const char *name, size_t nlabels, size_t max,
    json_t **out)
{
	struct writ_err herr = {0};
	json_t *arr = NULL;
	writ_rc rc;
	int line;

	if ((rc = writ_hcl_blocks(doc, name, nlabels, &arr, &herr)) != WRIT_OK)
		return syntax_error(c, rc, &herr);
	if (json_array_size(arr) > max) {
		line = writ_hcl_line(json_array_get(arr, max), NULL);
		if (max == 1)
			rc = cerr(c, line, WRIT_EINVAL, "only one %s block allowed", name);
		else
			rc = cerr(c, line, WRIT_EINVAL, "more than %zu %s blocks", max, name);
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return WRIT_OK;
}

static const char *
block_label(json_t *blk)
{
	return json_string_value(json_array_get(json_object_get(blk, "__labels"), 0));
}

static int
block_line(const struct ctx *c, json_t *blk, const char *needle)
{
	int line = writ_hcl_line(blk, NULL);

	return line > 0 ? line : writ_hcl_text_line(c->text, c->len, needle);
}

static writ_rc
do_storage(struct ctx *c, json_t *doc)
{
	json_t *arr = NULL, *blk;
	const char *type;
	char b[60];
	writ_rc rc;
	int line;

	if ((rc = get_blocks(c, doc, "storage", 1, 1, &arr)) != WRIT_OK)
		return rc;
	if ((blk = json_array_get(arr, 0)) == NULL)
		goto out;
	type = block_label(blk);
	line = block_line(c, blk, type);
	if (strcmp(type, "postgresql") == 0) {
		rc = cerr(c, line, WRIT_EUNSUPPORTED, "storage type not supported yet");
	} else if (strcmp(type, "sqlite") != 0) {
		rc = cerr(c, line, WRIT_EINVAL, "unknown storage type \"%s\"",
		    shown(b, sizeof(b), type));
	} else if ((rc = apply(c, blk, sqlite_kw, WRIT_ARRAY_LEN(sqlite_kw), c->cfg,
			"storage")) == WRIT_OK) {
		c->cfg->storage = WRIT_CONFIG_STORAGE_SQLITE;
		if (c->cfg->storage_path == NULL)
			rc = cerr(c, line, WRIT_EINVAL, "storage \"sqlite\" needs a path");
	}
out:
	json_decref(arr);
	return rc;
}

/* TLS settings that only make sense together. */
static writ_rc
check_listener(struct ctx *c, const struct writ_config_listener *l)
{
	if (!l->tls_disable && (l->tls_cert_file == NULL || l->tls_key_file == NULL))
		return cerr(c, l->line, WRIT_EINVAL,
		    "listener needs tls_cert_file and tls_key_file unless tls_disable = true");
	if (l->tls_require_and_verify_client_cert && l->tls_disable)
		return cerr(c, l->line, WRIT_EINVAL,
		    "tls_require_and_verify_client_cert needs TLS (tls_disable is true)");
	if (l->tls_require_and_verify_client_cert && l->tls_client_ca_file == NULL)
		return cerr(c, l->line, WRIT_EINVAL,
		    "tls_require_and_verify_client_cert needs tls_client_ca_file");
	return WRIT_OK;
}

/* The blocks called name (listener or decision_listener), added to cfg->listeners. */
static writ_rc
do_listeners(struct ctx *c, json_t *doc, const char *name, bool decision)
{
	struct writ_config *cfg = c->cfg;
	size_t i, n, base = cfg->nlisteners;
	json_t *arr = NULL, *blk;
	void *grown;
	char b[60];
	writ_rc rc;

	rc = get_blocks(c, doc, name, 1, WRIT_CONFIG_MAX_LISTENERS - base, &arr);
	if (rc != WRIT_OK)
		return rc;
	n = json_array_size(arr);
	if (n > 0 && (grown = writ_realloc(cfg->listeners, (base + n) * sizeof(*cfg->listeners))) ==
	        NULL) {
		rc = cerr(c, 1, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	if (n > 0) {
		cfg->listeners = grown;
		memset(cfg->listeners + base, 0, n * sizeof(*cfg->listeners));
	}
	json_array_foreach (arr, i, blk) {
		struct writ_config_listener *l = &cfg->listeners[base + i];
		const char *type = block_label(blk);

		cfg->nlisteners = base + i + 1;
		l->decision = decision;
		l->line = block_line(c, blk, type);
		l->tls_min_version = 12;
		l->max_request_duration = 90;
		if (strcmp(type, "tcp") != 0) {
			rc = cerr(c, l->line, WRIT_EINVAL, "unknown %s type \"%s\"", name,
			    shown(b, sizeof(b), type));
			goto out;
		}
		if ((rc = apply(c, blk, listener_kw, WRIT_ARRAY_LEN(listener_kw), l, name)) !=
		    WRIT_OK)
			goto out;
		if (l->address == NULL &&
		    (l->address = writ_strdup(decision ? "127.0.0.1:8181" : "127.0.0.1:8200")) ==
		        NULL) {
			rc = cerr(c, l->line, WRIT_ENOMEM, "out of memory");
			goto out;
		}
		if ((rc = check_listener(c, l)) != WRIT_OK)
			goto out;
	}
out:
	json_decref(arr);
	return rc;
}

static writ_rc
do_audits(struct ctx *c, json_t *doc)
{
	struct writ_config *cfg = c->cfg;
	json_t *arr = NULL, *blk;
	char b[60];
	writ_rc rc;
	size_t i, n;

	if ((rc = get_blocks(c, doc, "audit", 1, WRIT_CONFIG_MAX_AUDITS, &arr)) != WRIT_OK)
		return rc;
	n = json_array_size(arr);
	if (n > 0 && (cfg->audits = writ_calloc(n, sizeof(*cfg->audits))) == NULL) {
		rc = cerr(c, 1, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach (arr, i, blk) {
		struct writ_config_audit *a = &cfg->audits[i];
		const char *type = block_label(blk);

		cfg->naudits = i + 1;
		a->line = block_line(c, blk, type);
		a->checkpoint_every = DEFAULT_CHECKPOINT;
		if (strcmp(type, "file") != 0) {
			rc = cerr(c, a->line, WRIT_EINVAL, "unknown audit type \"%s\"",
			    shown(b, sizeof(b), type));
			goto out;
		}
		if ((rc = apply(c, blk, audit_kw, WRIT_ARRAY_LEN(audit_kw), a, "audit")) != WRIT_OK)
			goto out;
		if (a->path == NULL) {
			rc = cerr(c, a->line, WRIT_EINVAL, "audit \"file\" needs a path");
			goto out;
		}
	}
out:
	json_decref(arr);
	return rc;
}

static writ_rc
do_policy(struct ctx *c, json_t *doc)
{
	json_t *arr = NULL, *blk;
	writ_rc rc;

	if ((rc = get_blocks(c, doc, "policy", 0, 1, &arr)) != WRIT_OK)
		return rc;
	if ((blk = json_array_get(arr, 0)) != NULL) {
		const char *in;

		c->cfg->policy.line = block_line(c, blk, "policy");
		rc = apply(c, blk, policy_kw, WRIT_ARRAY_LEN(policy_kw), &c->cfg->policy, "policy");
		in = c->cfg->policy.decision_log_input;
		if (rc == WRIT_OK && in != NULL && strcmp(in, "full") != 0 &&
		    strcmp(in, "hmac") != 0 && strcmp(in, "none") != 0)
			rc = cerr(c, c->cfg->policy.line, WRIT_EINVAL,
			    "decision_log_input must be \"full\", \"hmac\" or \"none\"");
	}
	json_decref(arr);
	return rc;
}

static writ_rc
do_governing(struct ctx *c, json_t *doc)
{
	struct writ_config_governing *g = &c->cfg->governing;
	json_t *arr = NULL, *blk;
	writ_rc rc;

	if ((rc = get_blocks(c, doc, "governing", 0, 1, &arr)) != WRIT_OK)
		return rc;
	if ((blk = json_array_get(arr, 0)) != NULL) {
		g->line = block_line(c, blk, "governing");
		rc = apply(c, blk, governing_kw, WRIT_ARRAY_LEN(governing_kw), g, "governing");
		if (rc == WRIT_OK && g->bundle_dir == NULL)
			rc = cerr(c, g->line, WRIT_EINVAL, "governing needs a bundle_dir");
	}
	json_decref(arr);
	return rc;
}

static writ_rc
do_limits(struct ctx *c, json_t *doc)
{
	json_t *arr = NULL, *blk;
	writ_rc rc;

	if ((rc = get_blocks(c, doc, "limits", 0, 1, &arr)) != WRIT_OK)
		return rc;
	if ((blk = json_array_get(arr, 0)) != NULL)
		rc = apply(c, blk, limits_kw, WRIT_ARRAY_LEN(limits_kw), &c->cfg->limits, "limits");
	json_decref(arr);
	return rc;
}

static writ_rc
do_ext_authz(struct ctx *c, json_t *doc)
{
	struct writ_config_ext_authz *x = &c->cfg->ext_authz;
	json_t *arr = NULL, *blk;
	const char *type;
	char b[60];
	writ_rc rc;

	if ((rc = get_blocks(c, doc, "ext_authz", 1, 1, &arr)) != WRIT_OK)
		return rc;
	if ((blk = json_array_get(arr, 0)) == NULL)
		goto out;
	type = block_label(blk);
	x->enabled = true;
	x->l.line = block_line(c, blk, type);
	x->l.tls_min_version = 12;
	if (strcmp(type, "grpc") != 0) {
		rc = cerr(c, x->l.line, WRIT_EINVAL, "unknown ext_authz type \"%s\" (grpc)",
		    shown(b, sizeof(b), type));
		goto out;
	}
	if ((rc = apply(c, blk, ext_authz_kw, WRIT_ARRAY_LEN(ext_authz_kw), x, "ext_authz")) !=
	    WRIT_OK)
		goto out;
	if ((x->l.address == NULL && (x->l.address = writ_strdup("127.0.0.1:9191")) == NULL) ||
	    (x->path == NULL && (x->path = writ_strdup("envoy/authz/allow")) == NULL)) {
		rc = cerr(c, x->l.line, WRIT_ENOMEM, "out of memory");
		goto out;
	}
	if (x->path[0] == '/' || x->path[strlen(x->path) - 1] == '/' ||
	    strstr(x->path, "//") != NULL) {
		rc = cerr(c, key_line(c, blk, "path"), WRIT_EINVAL,
		    "invalid ext_authz path \"%s\" (like envoy/authz/allow)",
		    shown(b, sizeof(b), x->path));
		goto out;
	}
	if (x->max_recv_msg_size == 0)
		x->max_recv_msg_size = 4 * MIB;
	rc = check_listener(c, &x->l);
out:
	json_decref(arr);
	return rc;
}

/* ---------------------------------------------------------------------------
 * Whole file.
 */

/* Settings that depend on each other, once everything is read. */
static writ_rc
check_all(struct ctx *c)
{
	struct writ_config *cfg = c->cfg;
	size_t i, j;
	char b[60];

	if (cfg->storage == WRIT_CONFIG_STORAGE_NONE)
		return cerr(c, 1, WRIT_EINVAL, "no storage block");
	for (i = 0; i < cfg->nlisteners && cfg->listeners[i].decision; i++)
		;
	if (i == cfg->nlisteners)
		return cerr(c, 1, WRIT_EINVAL, "no listener block");
	if (cfg->default_lease_ttl > cfg->max_lease_ttl)
		return cerr(c, c->line_default_ttl, WRIT_EINVAL,
		    "default_lease_ttl must not exceed max_lease_ttl");
	for (i = 0; i < cfg->nlisteners; i++) {
		struct writ_config_listener *l = &cfg->listeners[i];
		size_t alen = strlen(l->address);
		bool any_port = alen > 2 && strcmp(l->address + alen - 2, ":0") == 0;

		/* Port 0 picks a free port each time: never the same twice. */
		for (j = 0; j < i && !any_port; j++) {
			if (strcmp(cfg->listeners[j].address, l->address) == 0)
				return cerr(c, l->line, WRIT_EINVAL,
				    "listener address \"%s\" used twice", shown(b, sizeof(b), l->address));
		}
		if (l->max_request_size == 0)
			l->max_request_size = cfg->limits.max_request_bytes;
		/* Port 0 picks a free port each time: never the same address. */
		if (cfg->ext_authz.enabled && strcmp(cfg->ext_authz.l.address, l->address) == 0 &&
		    strcmp(strrchr(l->address, ':'), ":0") != 0)
			return cerr(c, cfg->ext_authz.l.line, WRIT_EINVAL,
			    "ext_authz address \"%s\" is also a listener's",
			    shown(b, sizeof(b), l->address));
	}
	return WRIT_OK;
}

writ_rc
writ_config_parse(const char *text, size_t len, const char *fname, struct writ_config *cfg,
    struct writ_err *err)
{
	struct writ_config tmp;
	struct writ_err herr = {0};
	struct ctx c = {.text = text, .len = len, .fname = fname, .err = err, .cfg = &tmp};
	json_t *doc = NULL;
	writ_rc rc;

	writ_config_init(&tmp);
	if (fname == NULL)
		c.fname = "config";
	if ((rc = writ_hcl_parse(text, len, &doc, &herr)) != WRIT_OK) {
		rc = syntax_error(&c, rc, &herr);
		goto out;
	}
	if ((rc = apply(&c, doc, top_kw, WRIT_ARRAY_LEN(top_kw), &tmp, NULL)) != WRIT_OK ||
	    (rc = do_storage(&c, doc)) != WRIT_OK ||
	    (rc = do_listeners(&c, doc, "listener", false)) != WRIT_OK ||
	    (rc = do_listeners(&c, doc, "decision_listener", true)) != WRIT_OK ||
	    (rc = do_audits(&c, doc)) != WRIT_OK || (rc = do_limits(&c, doc)) != WRIT_OK ||
	    (rc = do_policy(&c, doc)) != WRIT_OK || (rc = do_ext_authz(&c, doc)) != WRIT_OK ||
	    (rc = do_governing(&c, doc)) != WRIT_OK ||
	    (rc = check_all(&c)) != WRIT_OK)
		goto out;
	*cfg = tmp;
	writ_config_init(&tmp);
out:
	json_decref(doc);
	writ_config_free(&tmp);
	return rc;
}

/* Read at most WRIT_CONFIG_MAX_FILE bytes of fd into a new buffer. */
static writ_rc
read_all(int fd, const char *path, char **out, size_t *outlen, struct writ_err *err)
{
	size_t cap = WRIT_CONFIG_MAX_FILE + 1, len = 0;
	char *buf = writ_malloc(cap);
	ssize_t n;

	if (buf == NULL)
		return WRIT_ERR(err, WRIT_ENOMEM, "%s: out of memory", path);
	while (len < cap) {
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			WRIT_ERR(err, WRIT_EIO, "%s: cannot read: %s", path, strerror(errno));
			writ_free(buf);
			return WRIT_EIO;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > WRIT_CONFIG_MAX_FILE) {
		writ_free(buf);
		return WRIT_ERR(err, WRIT_ELIMIT, "%s: larger than %u bytes", path,
		    WRIT_CONFIG_MAX_FILE);
	}
	*out = buf;
	*outlen = len;
	return WRIT_OK;
}

writ_rc
writ_config_load(const char *path, struct writ_config *cfg, struct writ_err *err)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	writ_rc rc;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return WRIT_ERR(err, WRIT_EIO, "%s: cannot open: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = WRIT_ERR(err, WRIT_EIO, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > WRIT_CONFIG_MAX_FILE) {
		rc = WRIT_ERR(err, WRIT_ELIMIT, "%s: larger than %u bytes", path,
		    WRIT_CONFIG_MAX_FILE);
		goto out;
	}
	if ((rc = read_all(fd, path, &text, &len, err)) != WRIT_OK)
		goto out;
	rc = writ_config_parse(text, len, path, cfg, err);
out:
	writ_free(text);
	close(fd);
	return rc;
}
