/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsing of Vault ACL policies, HCL or JSON, into lists of path rules:
 *
 *   path "secret/data/app" { capabilities = ["read", "list"] }
 *   path "auth/token/lookup-self" { policy = "read" }     (legacy shorthand)
 *   {"path": {"secret/data/app": {"capabilities": ["read"]}}}
 *
 * The rule keys Vault knows but writ does not enforce yet (parameter
 * constraints, wrapping TTLs, MFA, control groups) are accepted, and the
 * first one is kept as a warning for the policy API to return;
 * any other key is an error, as in Vault, so that a misspelt "capabilites"
 * is reported instead of silently granting nothing.  The capability names
 * live in one sorted table searched with bsearch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "writ/base.h"
#include "writ/acl.h"
#include "writ/hcl.h"

#include "acl_int.h"

#define ALL_CAPS                                                                           \
	(WRIT_CAP_CREATE | WRIT_CAP_READ | WRIT_CAP_UPDATE | WRIT_CAP_PATCH | WRIT_CAP_DELETE | \
	    WRIT_CAP_LIST | WRIT_CAP_SUDO)

struct name_bits {
	const char *name;
	unsigned bits;
};

/* Capability names, sorted (the order capabilities are reported in). */
static const struct name_bits cap_table[] = {
	{"create", WRIT_CAP_CREATE},
	{"delete", WRIT_CAP_DELETE},
	{"deny", WRIT_CAP_DENY},
	{"list", WRIT_CAP_LIST},
	{"patch", WRIT_CAP_PATCH},
	{"read", WRIT_CAP_READ},
	{"root", WRIT_CAP_ROOT},
	{"sudo", WRIT_CAP_SUDO},
	{"update", WRIT_CAP_UPDATE},
};

/* Capabilities Vault or OpenBao define that grant nothing in writ (yet). */
static const struct name_bits noop_caps[] = {
	{"recover", 0},
	{"scan", 0},
	{"subscribe", 0},
};

/* The legacy `policy = "..."` values (Vault's expansion). */
static const struct name_bits legacy_table[] = {
	{"deny", WRIT_CAP_DENY},
	{"read", WRIT_CAP_READ | WRIT_CAP_LIST},
	{"sudo", WRIT_CAP_CREATE | WRIT_CAP_READ | WRIT_CAP_UPDATE | WRIT_CAP_DELETE |
	    WRIT_CAP_LIST | WRIT_CAP_SUDO},
	{"write",
	    WRIT_CAP_CREATE | WRIT_CAP_READ | WRIT_CAP_UPDATE | WRIT_CAP_DELETE | WRIT_CAP_LIST},
};

enum rule_key {
	RK_CAPS,
	RK_POLICY,
	RK_COMMENT,
	RK_UNENFORCED,
};

/* Keys of a path rule, sorted. */
static const struct rule_key_ent {
	const char *name;
	enum rule_key key;
} rule_keys[] = {
	{"allowed_parameters", RK_UNENFORCED},
	{"capabilities", RK_CAPS},
	{"comment", RK_COMMENT},
	{"control_group", RK_UNENFORCED},
	{"denied_parameters", RK_UNENFORCED},
	{"max_wrapping_ttl", RK_UNENFORCED},
	{"mfa_methods", RK_UNENFORCED},
	{"min_wrapping_ttl", RK_UNENFORCED},
	{"policy", RK_POLICY},
	{"required_parameters", RK_UNENFORCED},
	{"subscribe_event_types", RK_UNENFORCED},
};

static int
name_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

static const struct name_bits *
find_name(const char *name, const struct name_bits *table, size_t n)
{
	return bsearch(name, table, n, sizeof(table[0]), name_cmp);
}

unsigned
writ_acl_cap_from_name(const char *name)
{
	const struct name_bits *nb;

	if (name == NULL)
		return 0;
	nb = find_name(name, cap_table, WRIT_ARRAY_LEN(cap_table));
	return nb != NULL ? nb->bits : 0;
}

const char *
writ_acl_cap_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(cap_table); i++) {
		if (cap_table[i].bits == bit)
			return cap_table[i].name;
	}
	return NULL;
}

size_t
writ_acl_cap_names(unsigned caps, const char **out, size_t nout)
{
	size_t i, n = 0;

	if (caps & WRIT_CAP_ROOT)
		caps = WRIT_CAP_ROOT;
	else if ((caps & WRIT_CAP_DENY) || (caps & ALL_CAPS) == 0)
		caps = WRIT_CAP_DENY;
	for (i = 0; i < WRIT_ARRAY_LEN(cap_table); i++) {
		if ((caps & cap_table[i].bits) && n < nout)
			out[n++] = cap_table[i].name;
	}
	return n;
}

unsigned
acl_caps_merge(unsigned a, unsigned b)
{
	if ((a | b) & WRIT_CAP_DENY)
		return WRIT_CAP_DENY;
	return a | b;
}

/* Copy s into buf for an error message: printable ASCII only, bounded. */
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

/* ---------------------------------------------------------------------------
 * One path rule.
 */

struct rule_ctx {
	const char *polname;
	const char *text; /* the policy text, to place JSON errors */
	size_t textlen;
	struct writ_err *err;
	struct writ_acl_policy *pol;
};

/* Line of key in a rule block; JSON blocks have none, so look for the pattern. */
static int
rule_line(const struct rule_ctx *c, json_t *blk, const char *key, const char *pattern)
{
	int line = writ_hcl_line(blk, key);

	return line > 0 ? line : writ_hcl_text_line(c->text, c->textlen, pattern);
}

static writ_rc
rule_caps(const struct rule_ctx *c, json_t *blk, json_t *v, struct acl_rule *r)
{
	char b1[100], b2[40];
	json_t *e;
	size_t i;
	unsigned bit;

	if (!json_is_array(v))
		goto bad;
	json_array_foreach (v, i, e) {
		const char *name = json_string_value(e);

		if (name == NULL)
			goto bad;
		bit = writ_acl_cap_from_name(name);
		if ((bit == 0 || bit == WRIT_CAP_ROOT) &&
		    find_name(name, noop_caps, WRIT_ARRAY_LEN(noop_caps)) == NULL)
			return WRIT_ERR(c->err, WRIT_EINVAL,
			    "line %d: path \"%s\": invalid capability \"%s\"",
			    rule_line(c, blk, "capabilities", r->pattern),
			    shown(b1, sizeof(b1), r->pattern), shown(b2, sizeof(b2), name));
		r->caps = acl_caps_merge(r->caps, bit == WRIT_CAP_ROOT ? 0 : bit);
	}
	return WRIT_OK;
bad:
	return WRIT_ERR(c->err, WRIT_EINVAL,
	    "line %d: path \"%s\": capabilities must be a list of strings",
	    rule_line(c, blk, "capabilities", r->pattern), shown(b1, sizeof(b1), r->pattern));
}

static writ_rc
rule_legacy(const struct rule_ctx *c, json_t *blk, json_t *v, struct acl_rule *r)
{
	const struct name_bits *nb = NULL;
	char b1[100], b2[40];

	if (json_is_string(v))
		nb = find_name(json_string_value(v), legacy_table, WRIT_ARRAY_LEN(legacy_table));
	if (nb == NULL)
		return WRIT_ERR(c->err, WRIT_EINVAL, "line %d: path \"%s\": invalid policy \"%s\"",
		    rule_line(c, blk, "policy", r->pattern), shown(b1, sizeof(b1), r->pattern),
		    json_is_string(v) ? shown(b2, sizeof(b2), json_string_value(v)) : "?");
	r->caps = acl_caps_merge(r->caps, nb->bits);
	return WRIT_OK;
}

/* Dispatch one key of a rule block. */
static writ_rc
rule_member(const struct rule_ctx *c, json_t *blk, const char *key, json_t *v,
    struct acl_rule *r)
{
	char b1[100], b2[40];
	const struct rule_key_ent *rk;

	rk = bsearch(key, rule_keys, WRIT_ARRAY_LEN(rule_keys), sizeof(rule_keys[0]), name_cmp);
	if (rk == NULL)
		return WRIT_ERR(c->err, WRIT_EINVAL, "line %d: path \"%s\": invalid key \"%s\"",
		    rule_line(c, blk, key, r->pattern), shown(b1, sizeof(b1), r->pattern),
		    shown(b2, sizeof(b2), key));
	switch (rk->key) {
	case RK_CAPS:
		return rule_caps(c, blk, v, r);
	case RK_POLICY:
		return rule_legacy(c, blk, v, r);
	case RK_UNENFORCED:
		if (c->pol->warning[0] == '\0')
			snprintf(c->pol->warning, sizeof(c->pol->warning),
			    "path \"%s\": %s is accepted but not enforced by writ",
			    shown(b1, sizeof(b1), r->pattern), key);
		writ_log(WRIT_LOG_DEBUG, "policy %s: path \"%s\": %s is not enforced",
		    c->polname, shown(b1, sizeof(b1), r->pattern), key);
		return WRIT_OK;
	case RK_COMMENT:
		return WRIT_OK;
	}
	return WRIT_OK;
}

/* A path block: its label is the pattern, its members the rule. */
static writ_rc
parse_rule(const struct rule_ctx *c, json_t *blk, struct acl_rule *r)
{
	const char *pattern = json_string_value(json_array_get(json_object_get(blk, "__labels"), 0));
	const char *key;
	char b1[100];
	json_t *v;
	writ_rc rc;

	if (pattern == NULL)
		return WRIT_ERR(c->err, WRIT_EINVAL, "line %d: path needs a pattern",
		    writ_hcl_line(blk, NULL));
	r->line = rule_line(c, blk, NULL, pattern);
	/* As in Vault: request paths start after the '/' of the API path. */
	if (pattern[0] == '/')
		pattern++;
	if ((r->pattern = writ_strdup(pattern)) == NULL)
		return WRIT_ERR(c->err, WRIT_ENOMEM, "line %d: out of memory", r->line);
	r->len = strlen(pattern);
	if (strstr(pattern, "+*") != NULL)
		return WRIT_ERR(c->err, WRIT_EINVAL,
		    "line %d: path \"%s\": invalid use of wildcards ('+*' is forbidden)", r->line,
		    shown(b1, sizeof(b1), pattern));
	json_object_foreach (blk, key, v) {
		if (key[0] == '_' && key[1] == '_')
			continue;
		if ((rc = rule_member(c, blk, key, v, r)) != WRIT_OK)
			return rc;
	}
	return WRIT_OK;
}

/* Vault allows only "path" (and an ignored "name") at the top of a policy. */
static writ_rc
check_top(const struct rule_ctx *c, json_t *doc)
{
	const char *key;
	char b1[40];
	json_t *v;

	json_object_foreach (doc, key, v) {
		if ((key[0] == '_' && key[1] == '_') || strcmp(key, "path") == 0 ||
		    strcmp(key, "name") == 0)
			continue;
		return WRIT_ERR(c->err, WRIT_EINVAL, "line %d: invalid key \"%s\"",
		    writ_hcl_line(doc, key) > 0 ? writ_hcl_line(doc, key)
						: writ_hcl_text_line(c->text, c->textlen, key),
		    shown(b1, sizeof(b1), key));
	}
	return WRIT_OK;
}

void
writ_acl_policy_free(struct writ_acl_policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nrules; i++)
		writ_free(p->rules[i].pattern);
	writ_free(p->rules);
	writ_free(p->name);
	writ_free(p);
}

const char *
writ_acl_policy_name(const struct writ_acl_policy *p)
{
	return p != NULL ? p->name : NULL;
}

const char *
writ_acl_policy_warning(const struct writ_acl_policy *p)
{
	return p != NULL && p->warning[0] != '\0' ? p->warning : NULL;
}

/* Fill p->rules from the path blocks of doc. */
static writ_rc
parse_rules(const struct rule_ctx *c, json_t *doc, struct writ_acl_policy *p)
{
	json_t *blocks = NULL, *blk;
	writ_rc rc;
	size_t i, n;

	if ((rc = check_top(c, doc)) != WRIT_OK ||
	    (rc = writ_hcl_blocks(doc, "path", 1, &blocks, c->err)) != WRIT_OK)
		goto out;
	n = json_array_size(blocks);
	if (n > WRIT_ACL_MAX_RULES) {
		rc = WRIT_ERR(c->err, WRIT_ELIMIT, "line %d: more than %u path rules",
		    writ_hcl_line(json_array_get(blocks, WRIT_ACL_MAX_RULES), NULL),
		    WRIT_ACL_MAX_RULES);
		goto out;
	}
	if (n > 0 && (p->rules = writ_calloc(n, sizeof(*p->rules))) == NULL) {
		rc = WRIT_ERR(c->err, WRIT_ENOMEM, "line 1: out of memory");
		goto out;
	}
	json_array_foreach (blocks, i, blk) {
		p->nrules = i + 1;
		if ((rc = parse_rule(c, blk, &p->rules[i])) != WRIT_OK)
			goto out;
	}
out:
	json_decref(blocks);
	return rc;
}

writ_rc
writ_acl_policy_parse(const char *name, const char *text, size_t len,
    struct writ_acl_policy **out, struct writ_err *err)
{
	struct rule_ctx c = {.polname = name, .text = text, .textlen = len, .err = err};
	struct writ_acl_policy *p = NULL;
	json_t *doc = NULL;
	writ_rc rc;

	if (name == NULL || (text == NULL && len > 0))
		return WRIT_ERR(err, WRIT_EINVAL, "line 1: no policy");
	if (len > WRIT_ACL_MAX_POLICY_BYTES)
		return WRIT_ERR(err, WRIT_ELIMIT, "line 1: policy larger than %u bytes",
		    WRIT_ACL_MAX_POLICY_BYTES);
	if ((p = writ_calloc(1, sizeof(*p))) == NULL || (p->name = writ_strdup(name)) == NULL) {
		rc = WRIT_ERR(err, WRIT_ENOMEM, "line 1: out of memory");
		goto out;
	}
	c.pol = p;
	if ((rc = writ_hcl_parse(text, len, &doc, err)) != WRIT_OK ||
	    (rc = parse_rules(&c, doc, p)) != WRIT_OK)
		goto out;
	*out = p;
	p = NULL;
out:
	json_decref(doc);
	writ_acl_policy_free(p);
	return rc;
}
