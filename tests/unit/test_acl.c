/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of lib/acl: Vault's documented matching and priority examples
 * (table-driven), HCL and JSON syntax, the legacy shorthand, merging of
 * several policies, deny, the root ACL, the default policy, parse errors with
 * their exact "line N: message", limits, allocation failures, index shapes
 * (many '+' globs under one key, a trie deeper than the lookup's stack), and a
 * differential test of the index against the linear reference lookup and
 * against an independent transcription of Vault's algorithm (split on '/',
 * sort the candidates), on generated policies (WireGuard's allowedips habit).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "writ/base.h"
#include "writ/acl.h"

#include "acl/acl_int.h"

#define CRUDL                                                                             \
	(WRIT_CAP_CREATE | WRIT_CAP_READ | WRIT_CAP_UPDATE | WRIT_CAP_DELETE | WRIT_CAP_LIST)
#define ALL_CAPS (CRUDL | WRIT_CAP_PATCH | WRIT_CAP_SUDO)

static struct writ_acl_policy *
must_parse(const char *name, const char *text)
{
	struct writ_err err = {0};
	struct writ_acl_policy *p = NULL;

	if (writ_acl_policy_parse(name, text, strlen(text), &p, &err) != WRIT_OK)
		fail_msg("policy %s: %s", name, err.msg);
	return p;
}

static struct writ_acl *
must_acl(struct writ_acl_policy **pols, size_t n)
{
	struct writ_err err = {0};
	struct writ_acl *acl = NULL;

	if (writ_acl_new((const struct writ_acl_policy *const *)pols, n, &acl, &err) != WRIT_OK)
		fail_msg("acl: %s", err.msg);
	return acl;
}

struct query {
	const char *path;
	unsigned caps;
};

static void
check_queries(const struct writ_acl *acl, const struct query *q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned got = writ_acl_capabilities(acl, q[i].path);

		if (got != q[i].caps)
			fail_msg("path %s: caps 0x%x want 0x%x", q[i].path, got, q[i].caps);
		assert_int_equal(acl_capabilities_naive(acl, q[i].path), got);
	}
}

/* One policy text, then the paths and the capabilities they get. */
static void
check_policy(const char *text, const struct query *q, size_t n)
{
	struct writ_acl_policy *p = must_parse("t", text);
	struct writ_acl *acl = must_acl(&p, 1);

	check_queries(acl, q, n);
	writ_acl_free(acl);
	writ_acl_policy_free(p);
}

/* The examples of Vault's policy documentation, and the priority rules one by one. */
static void
test_vault_examples(void **state)
{
	static const char policy[] =
	    "path \"secret/*\" { capabilities = [\"create\"] }\n"
	    "path \"secret/foo\" { capabilities = [\"read\"] }\n"
	    "path \"secret/bar/*\" { capabilities = [\"list\"] }\n"
	    "path \"secret/zip-*\" { capabilities = [\"update\"] }\n"
	    "path \"secret/+/teamb\" { capabilities = [\"delete\"] }\n"
	    "path \"secret/+/+/teamb\" { capabilities = [\"patch\"] }\n"
	    "path \"secret/+/teamb/*\" { capabilities = [\"sudo\"] }\n"
	    "path \"secret/+/*\" { capabilities = [\"read\", \"list\"] }\n"
	    "path \"secret/super-secret\" { capabilities = [\"deny\", \"read\"] }\n"
	    "path \"foo/+/bar/b*\" { capabilities = [\"read\"] }\n"
	    "path \"foo/+/bar/ba*\" { capabilities = [\"update\"] }\n"
	    "path \"foo/bar/+/baz\" { capabilities = [\"create\"] }\n"
	    "path \"foo/+/+/baz\" { capabilities = [\"delete\"] }\n"
	    "path \"foo/+/qux\" { capabilities = [\"list\"] }\n"
	    "path \"foo/+/*\" { capabilities = [\"sudo\"] }\n"
	    "path \"+/x\" { capabilities = [\"patch\"] }\n"
	    "path \"+\" { capabilities = [\"read\"] }\n"
	    "path \"empty\" { capabilities = [] }\n"
	    "path \"empty*\" { capabilities = [\"read\"] }\n";
	static const struct query q[] = {
		/* Exact beats every glob. */
		{"secret/foo", WRIT_CAP_READ},
		/* "secret/" + '*' and "secret/+/" + '*' tie on the first wildcard and on
		 * the '*': fewer '+' wins. */
		{"secret/foo/bar", WRIT_CAP_CREATE},
		/* A later first wildcard wins. */
		{"secret/bar/zip", WRIT_CAP_LIST},
		{"secret/bar/zip/zap", WRIT_CAP_LIST},
		{"secret/bar", WRIT_CAP_CREATE},
		{"secret/zip-zap", WRIT_CAP_UPDATE},
		{"secret/zip-zap/zong", WRIT_CAP_UPDATE},
		/* No trailing '*' beats a trailing '*'. */
		{"secret/foo/teamb", WRIT_CAP_DELETE},
		{"secret/foo/bar/teamb", WRIT_CAP_PATCH},
		{"secret/foo/teamb/x", WRIT_CAP_CREATE},
		/* Deny wins on its pattern, and only there. */
		{"secret/super-secret", WRIT_CAP_DENY},
		{"secret/super-secret/x", WRIT_CAP_CREATE},
		{"secret/", WRIT_CAP_CREATE},
		{"secret", WRIT_CAP_READ},
		/* Longer wins (same first wildcard, both '*', same '+' count). */
		{"foo/x/bar/bazz", WRIT_CAP_UPDATE},
		/* ... but foo/+/+/baz has no '*' and beats them both. */
		{"foo/x/bar/baz", WRIT_CAP_DELETE},
		{"foo/x/bar/bz", WRIT_CAP_READ},
		/* First wildcard later wins: foo/bar/+/baz over foo/+/+/baz. */
		{"foo/bar/q/baz", WRIT_CAP_CREATE},
		/* Fewer '+' wins when both have no '*'... and no '*' beats '*'. */
		{"foo/bar/qux", WRIT_CAP_LIST},
		{"foo/z/q/baz", WRIT_CAP_DELETE},
		{"foo/z/q/other", WRIT_CAP_SUDO},
		{"foo/z", 0},
		{"foo/z/", WRIT_CAP_SUDO},
		/* '+' takes exactly one segment, empty ones included. */
		{"a/x", WRIT_CAP_PATCH},
		{"a/b/x", 0},
		{"/x", WRIT_CAP_PATCH},
		{"anything", WRIT_CAP_READ},
		{"", WRIT_CAP_READ},
		/* An empty capability list still decides its path. */
		{"empty", 0},
		{"emptyx", WRIT_CAP_READ},
		{"nothing/here", 0},
	};

	(void)state;
	check_policy(policy, q, WRIT_ARRAY_LEN(q));
}

static void
test_syntaxes(void **state)
{
	static const struct {
		const char *text;
		const char *path;
		unsigned caps;
	} cases[] = {
		{"path \"a/*\" { policy = \"read\" }", "a/b", WRIT_CAP_READ | WRIT_CAP_LIST},
		{"path \"a/*\" { policy = \"write\" }", "a/b", CRUDL},
		{"path \"a/*\" { policy = \"sudo\" }", "a/b", CRUDL | WRIT_CAP_SUDO},
		{"path \"a/*\" { policy = \"deny\" }", "a/b", WRIT_CAP_DENY},
		{"path \"a/*\" {\n policy = \"read\"\n capabilities = [\"update\"] }", "a/b",
		    WRIT_CAP_READ | WRIT_CAP_LIST | WRIT_CAP_UPDATE},
		{"path \"a/*\" { capabilities = [\"sudo\", \"deny\"] }", "a/b", WRIT_CAP_DENY},
		{"path \"a/*\" { capabilities = [\"subscribe\", \"read\"] }", "a/b", WRIT_CAP_READ},
		{"path \"a\" { capabilities = [\"read\"] }\npath \"a\" { capabilities = [\"list\"] }",
		    "a", WRIT_CAP_READ | WRIT_CAP_LIST},
		{"path \"a\" {\n capabilities = [\"read\"]\n allowed_parameters = { \"*\" = [] }\n"
		 " denied_parameters = { \"x\" = [] }\n required_parameters = [\"y\"]\n"
		 " min_wrapping_ttl = \"1s\"\n max_wrapping_ttl = \"90s\"\n comment = \"c\"\n}",
		    "a", WRIT_CAP_READ},
		{"# comment\npath \"a\" {\n  capabilities = [\n    \"create\",\n    \"patch\",\n  ]\n}",
		    "a", WRIT_CAP_CREATE | WRIT_CAP_PATCH},
		{"{\"path\": {\"a/*\": {\"capabilities\": [\"read\"]}, \"b\": {\"policy\": \"write\"}}}",
		    "a/x", WRIT_CAP_READ},
		{"{\"path\": {\"a/*\": {\"capabilities\": [\"read\"]}, \"b\": {\"policy\": \"write\"}}}",
		    "b", CRUDL},
		{"{\"path\": [{\"a\": {\"capabilities\": [\"list\"]}}]}", "a", WRIT_CAP_LIST},
		{"name = \"legacy\"\npath \"a\" { capabilities = [\"read\"] }", "a", WRIT_CAP_READ},
		/* A leading '/' is dropped, as in Vault. */
		{"path \"/a/*\" { capabilities = [\"read\"] }", "a/b", WRIT_CAP_READ},
		{"path \"/a/*\" { capabilities = [\"read\"] }\npath \"a/*\" { policy = \"deny\" }",
		    "a/b", WRIT_CAP_DENY},
		{"", "a", 0},
		{"{}", "a", 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		struct query q = {cases[i].path, cases[i].caps};

		check_policy(cases[i].text, &q, 1);
	}
}

static void
test_warning(void **state)
{
	struct writ_acl_policy *p;

	(void)state;
	p = must_parse("w", "path \"a\" { capabilities = [\"read\"] }\n"
			    "path \"b/+\" {\n capabilities = [\"read\"]\n comment = \"c\"\n"
			    " denied_parameters = { \"x\" = [] }\n required_parameters = [\"y\"]\n}\n");
	assert_string_equal(writ_acl_policy_warning(p),
	    "path \"b/+\": denied_parameters is accepted but not enforced by writ");
	writ_acl_policy_free(p);
	p = must_parse("w", "path \"a\" { capabilities = [\"read\"], comment = \"c\" }\n");
	assert_null(writ_acl_policy_warning(p));
	writ_acl_policy_free(p);
	assert_null(writ_acl_policy_warning(NULL));
}

static void
test_merge(void **state)
{
	static const char *const texts[] = {
		"path \"secret/*\" { capabilities = [\"read\"] }\n"
		"path \"secret/x\" { capabilities = [\"read\"] }\n",
		"path \"secret/*\" { capabilities = [\"list\"] }\n"
		"path \"sys/+/x\" { capabilities = [\"update\"] }\n",
		"path \"secret/a\" { capabilities = [\"deny\"] }\n"
		"path \"sys/+/x\" { capabilities = [\"create\"] }\n",
		"path \"secret/*\" { capabilities = [\"deny\"] }\n",
	};
	static const struct query q3[] = {
		{"secret/b", WRIT_CAP_READ | WRIT_CAP_LIST},
		{"secret/x", WRIT_CAP_READ},
		{"secret/a", WRIT_CAP_DENY},
		{"sys/q/x", WRIT_CAP_UPDATE | WRIT_CAP_CREATE},
	};
	static const struct query q4[] = {
		{"secret/b", WRIT_CAP_DENY},
		{"secret/x", WRIT_CAP_READ},
		{"secret/a", WRIT_CAP_DENY},
	};
	struct writ_acl_policy *p[4];
	struct writ_acl *acl;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		p[i] = must_parse("p", texts[i]);
	acl = must_acl(p, 3);
	check_queries(acl, q3, WRIT_ARRAY_LEN(q3));
	writ_acl_free(acl);
	acl = must_acl(p, 4);
	check_queries(acl, q4, WRIT_ARRAY_LEN(q4));
	writ_acl_free(acl);
	/* The order of the policies does not matter. */
	{
		struct writ_acl_policy *rev[4] = {p[3], p[2], p[1], p[0]};

		acl = must_acl(rev, 4);
		check_queries(acl, q4, WRIT_ARRAY_LEN(q4));
		writ_acl_free(acl);
	}
	/* No policies: nothing is allowed. */
	acl = must_acl(NULL, 0);
	assert_int_equal(writ_acl_capabilities(acl, "secret/a"), 0);
	writ_acl_free(acl);
	for (i = 0; i < 4; i++)
		writ_acl_policy_free(p[i]);
}

static void
test_root(void **state)
{
	struct writ_err err = {0};
	struct writ_acl_policy *p[2];
	struct writ_acl *acl = NULL;

	(void)state;
	assert_int_equal(writ_acl_new_root(&acl), WRIT_OK);
	assert_int_equal(writ_acl_capabilities(acl, "sys/seal"), ALL_CAPS | WRIT_CAP_ROOT);
	writ_acl_free(acl);
	p[0] = must_parse("root", "");
	p[1] = must_parse("default", writ_acl_default_policy_text());
	acl = must_acl(p, 1);
	assert_int_equal(writ_acl_capabilities(acl, "anything"), ALL_CAPS | WRIT_CAP_ROOT);
	writ_acl_free(acl);
	acl = NULL;
	assert_int_equal(writ_acl_new((const struct writ_acl_policy *const *)p, 2, &acl, &err),
	    WRIT_EINVAL);
	assert_string_equal(err.msg, "other policies present along with root");
	assert_null(acl);
	writ_acl_policy_free(p[0]);
	writ_acl_policy_free(p[1]);
	assert_int_equal(writ_acl_capabilities(NULL, "x"), 0);
	writ_acl_free(NULL);
	writ_acl_policy_free(NULL);
}

static void
test_default_policy(void **state)
{
	static const struct query q[] = {
		{"auth/token/lookup-self", WRIT_CAP_READ},
		{"auth/token/renew-self", WRIT_CAP_UPDATE},
		{"auth/token/revoke-self", WRIT_CAP_UPDATE},
		{"auth/token/create", 0},
		{"sys/capabilities-self", WRIT_CAP_UPDATE},
		{"sys/leases/lookup", WRIT_CAP_UPDATE},
		{"sys/leases/renew", WRIT_CAP_UPDATE},
		{"sys/renew", WRIT_CAP_UPDATE},
		{"sys/leases/revoke", 0},
		{"cubbyhole/foo", CRUDL},
		{"cubbyhole/foo/bar", CRUDL},
		{"cubbyhole", 0},
		{"sys/wrapping/wrap", WRIT_CAP_UPDATE},
		{"sys/wrapping/lookup", WRIT_CAP_UPDATE},
		{"sys/wrapping/unwrap", WRIT_CAP_UPDATE},
		{"sys/wrapping/rewrap", 0},
		{"sys/tools/hash", WRIT_CAP_UPDATE},
		{"sys/tools/hash/sha2-256", WRIT_CAP_UPDATE},
		{"sys/control-group/request", WRIT_CAP_UPDATE},
		{"sys/internal/ui/resultant-acl", WRIT_CAP_READ},
		{"secret/data/x", 0},
		{"sys/policy/default", 0},
	};
	struct writ_acl_policy *p = must_parse("default", writ_acl_default_policy_text());
	struct writ_acl *acl = must_acl(&p, 1);

	(void)state;
	assert_string_equal(writ_acl_policy_name(p), "default");
	check_queries(acl, q, WRIT_ARRAY_LEN(q));
	writ_acl_free(acl);
	writ_acl_policy_free(p);
}

static void
test_errors(void **state)
{
	static const struct {
		const char *text;
		writ_rc rc;
		const char *msg;
	} cases[] = {
		{"path \"a\" {\n  capabilities = [\"reed\"]\n}", WRIT_EINVAL,
		    "line 2: path \"a\": invalid capability \"reed\""},
		{"path \"a\" {\n  capabilities = [\"root\"]\n}", WRIT_EINVAL,
		    "line 2: path \"a\": invalid capability \"root\""},
		{"{\n \"path\": {\n  \"a/b\": {\"capabilities\": [\"x\"]}}}", WRIT_EINVAL,
		    "line 3: path \"a/b\": invalid capability \"x\""},
		{"\npath \"a\" {\n  policy = \"admin\"\n}", WRIT_EINVAL,
		    "line 3: path \"a\": invalid policy \"admin\""},
		{"path \"a\" { policy = 1 }", WRIT_EINVAL, "line 1: path \"a\": invalid policy \"?\""},
		{"path \"a/+*\" { capabilities = [\"read\"] }", WRIT_EINVAL,
		    "line 1: path \"a/+*\": invalid use of wildcards ('+*' is forbidden)"},
		{"\npath \"/+*\" { capabilities = [\"read\"] }", WRIT_EINVAL,
		    "line 2: path \"+*\": invalid use of wildcards ('+*' is forbidden)"},
		{"path \"a\" {\n  capabilites = [\"read\"]\n}", WRIT_EINVAL,
		    "line 2: path \"a\": invalid key \"capabilites\""},
		{"path \"a\" { capabilities = \"read\" }", WRIT_EINVAL,
		    "line 1: path \"a\": capabilities must be a list of strings"},
		{"path \"a\" { capabilities = [1] }", WRIT_EINVAL,
		    "line 1: path \"a\": capabilities must be a list of strings"},
		{"\n\nfoo = 1", WRIT_EINVAL, "line 3: invalid key \"foo\""},
		{"{\"path\": {}, \n\"paths\": {}}", WRIT_EINVAL, "line 2: invalid key \"paths\""},
		{"path { }", WRIT_EPARSE, "line 1: path block needs 1 label"},
		{"path \"a\" \"b\" { }", WRIT_EPARSE, "line 1: path block needs 1 label"},
		{"path = \"a\"", WRIT_EPARSE, "line 1: path must be a block"},
		{"path \"a\" {", WRIT_EPARSE, "line 1: missing '}'"},
		{"path \"a\" { capabilities = [\"read\" }", WRIT_EPARSE,
		    "line 1: expected ',' or ']', found '}'"},
	};
	struct writ_err err = {0};
	struct writ_acl_policy *p;
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		writ_rc rc;

		p = NULL;
		rc = writ_acl_policy_parse("t", cases[i].text, strlen(cases[i].text), &p, &err);
		if (rc != cases[i].rc || strcmp(err.msg, cases[i].msg) != 0)
			fail_msg("case %zu: rc %d msg %s\n want rc %d msg %s", i, rc, err.msg,
			    cases[i].rc, cases[i].msg);
		assert_null(p);
	}
	assert_int_equal(writ_acl_policy_parse(NULL, "", 0, &p, &err), WRIT_EINVAL);
}

static void
test_limits(void **state)
{
	struct writ_err err = {0};
	struct writ_acl_policy *p = NULL;
	struct writ_buf b;
	struct writ_acl *acl;
	char *big;
	size_t i;

	(void)state;
	big = malloc(WRIT_ACL_MAX_POLICY_BYTES + 1);
	assert_non_null(big);
	memset(big, ' ', WRIT_ACL_MAX_POLICY_BYTES + 1);
	assert_int_equal(writ_acl_policy_parse("t", big, WRIT_ACL_MAX_POLICY_BYTES + 1, &p, &err),
	    WRIT_ELIMIT);
	assert_string_equal(err.msg, "line 1: policy larger than 262144 bytes");
	assert_int_equal(writ_acl_policy_parse("t", big, WRIT_ACL_MAX_POLICY_BYTES, &p, &err),
	    WRIT_OK);
	writ_acl_policy_free(p);
	free(big);

	writ_buf_init(&b, 0);
	for (i = 0; i < WRIT_ACL_MAX_RULES; i++)
		assert_int_equal(writ_buf_appendf(&b, "path \"p/%zu/+/*\" { policy = \"read\" }\n", i),
		    WRIT_OK);
	p = NULL;
	assert_int_equal(writ_acl_policy_parse("t", b.ptr, b.len, &p, &err), WRIT_OK);
	acl = must_acl(&p, 1);
	assert_int_equal(writ_acl_capabilities(acl, "p/4095/x/y"), WRIT_CAP_READ | WRIT_CAP_LIST);
	assert_int_equal(writ_acl_capabilities(acl, "p/4096/x/y"), 0);
	writ_acl_free(acl);
	writ_acl_policy_free(p);
	assert_int_equal(writ_buf_appends(&b, "path \"last\" { policy = \"read\" }\n"), WRIT_OK);
	p = NULL;
	assert_int_equal(writ_acl_policy_parse("t", b.ptr, b.len, &p, &err), WRIT_ELIMIT);
	assert_string_equal(err.msg, "line 4097: more than 4096 path rules");
	writ_buf_free(&b);
}

static void
test_cap_names(void **state)
{
	static const char *const names[] = {"create", "read", "update", "patch", "delete",
	    "list", "sudo", "deny", "root"};
	const char *out[9];
	size_t i, n;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(names); i++) {
		unsigned bit = writ_acl_cap_from_name(names[i]);

		assert_int_not_equal(bit, 0);
		assert_string_equal(writ_acl_cap_name(bit), names[i]);
	}
	assert_int_equal(writ_acl_cap_from_name("reed"), 0);
	assert_int_equal(writ_acl_cap_from_name(NULL), 0);
	assert_null(writ_acl_cap_name(WRIT_CAP_READ | WRIT_CAP_LIST));
	n = writ_acl_cap_names(WRIT_CAP_READ | WRIT_CAP_LIST | WRIT_CAP_CREATE, out, 9);
	assert_int_equal(n, 3);
	assert_string_equal(out[0], "create");
	assert_string_equal(out[1], "list");
	assert_string_equal(out[2], "read");
	n = writ_acl_cap_names(0, out, 9);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "deny");
	n = writ_acl_cap_names(WRIT_CAP_DENY, out, 9);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "deny");
	n = writ_acl_cap_names(ALL_CAPS | WRIT_CAP_ROOT, out, 9);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "root");
	assert_int_equal(writ_acl_cap_names(ALL_CAPS, out, 2), 2);
}

/* ---------------------------------------------------------------------------
 * Differential test.  ref_* is a separate transcription of Vault's algorithm:
 * split both strings on '/', collect every matching glob with its priority
 * keys, pick the best with the documented comparison.
 */

struct ref_rule {
	char pat[64];
	unsigned caps;
};

static size_t
split(const char *s, char parts[][64], size_t max)
{
	size_t n = 0, k = 0;

	for (;; s++) {
		if (*s == '/' || *s == '\0') {
			parts[n][k] = '\0';
			if (++n == max || *s == '\0')
				return n;
			k = 0;
		} else {
			parts[n][k++] = *s;
		}
	}
}

struct ref_cand {
	size_t first, plus, len;
	bool prefix;
	const char *wc;
	unsigned caps;
};

static bool
ref_better(const struct ref_cand *a, const struct ref_cand *b)
{
	if (a->first != b->first)
		return a->first > b->first;
	if (a->prefix != b->prefix)
		return !a->prefix;
	if (a->plus != b->plus)
		return a->plus < b->plus;
	if (a->len != b->len)
		return a->len > b->len;
	return strcmp(a->wc, b->wc) > 0;
}

/* Vault's segment-wildcard test on one rule; fills c when it matches. */
static bool
ref_seg_match(const char *wc, bool prefix, const char *path, struct ref_cand *c)
{
	char pp[16][64], sp[16][64];
	size_t np = split(wc, pp, 16), ns = split(path, sp, 16), i;

	if (ns < np || (!prefix && ns != np))
		return false;
	c->plus = 0;
	for (i = 0; i < np; i++) {
		if (strcmp(pp[i], "+") == 0)
			c->plus++;
		else if (strcmp(pp[i], sp[i]) == 0)
			;
		else if (prefix && i == np - 1 && strncmp(sp[i], pp[i], strlen(pp[i])) == 0)
			;
		else
			return false;
	}
	return true;
}

static unsigned
ref_caps(const struct ref_rule *rules, size_t n, const char *path)
{
	struct ref_cand best = {0}, c;
	static char wcbuf[64][64];
	bool have = false;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *p = rules[i].pat;
		size_t len = strlen(p);
		bool seg = strcmp(p, "+") == 0 || strncmp(p, "+/", 2) == 0 || strstr(p, "/+") != NULL;
		bool prefix = len > 0 && p[len - 1] == '*';

		if (!seg && !prefix) {
			if (strcmp(p, path) == 0)
				return rules[i].caps;
			continue;
		}
		memcpy(wcbuf[i], p, len + 1);
		if (prefix)
			wcbuf[i][len - 1] = '\0';
		c = (struct ref_cand){.prefix = prefix, .wc = wcbuf[i], .caps = rules[i].caps};
		c.len = strlen(c.wc);
		if (seg) {
			c.first = (size_t)(strchr(p, '+') - p);
			if (!ref_seg_match(c.wc, prefix, path, &c))
				continue;
		} else {
			c.first = c.len;
			if (strncmp(path, c.wc, c.len) != 0)
				continue;
		}
		if (!have || ref_better(&c, &best)) {
			best = c;
			have = true;
		}
	}
	return have ? best.caps : 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static unsigned
rng(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* A path or pattern of 1-4 segments from a small alphabet, so that they collide. */
static void
gen_path(char *out, size_t outlen, bool pattern)
{
	static const char *const segs[] = {"a", "b", "ab", "ba", "", "abc", "+a", "+"};
	size_t k = 0, nseg = 1 + rng(5), i;

	out[0] = '\0';
	for (i = 0; i < nseg; i++) {
		const char *s = segs[rng(pattern ? 8 : 7)];

		k += (size_t)snprintf(out + k, outlen - k, "%s%s", i ? "/" : "", s);
	}
	if (pattern && rng(2) == 0 && strstr(out, "+") == NULL && k > 0 && rng(2))
		out[k - 1] = '*'; /* a literal prefix glob cut inside a segment */
	else if (pattern && rng(2) == 0 && (k == 0 || out[k - 1] != '+'))
		snprintf(out + k, outlen - k, "*");
}

static void
test_differential(void **state)
{
	static const char *const capnames[] = {"create", "read", "update", "delete", "list",
	    "deny"};
	struct ref_rule rules[48];
	struct writ_buf b;
	int round, i;

	(void)state;
	for (round = 0; round < 300; round++) {
		struct writ_acl_policy *p;
		struct writ_acl *acl;
		size_t n = 1 + rng(48);

		writ_buf_init(&b, 0);
		for (i = 0; i < (int)n; i++) {
			unsigned c = rng(6);

			gen_path(rules[i].pat, sizeof(rules[i].pat), true);
			rules[i].caps = writ_acl_cap_from_name(capnames[c]);
			assert_int_equal(writ_buf_appendf(&b, "path \"%s\" { capabilities = [\"%s\"] }\n",
					     rules[i].pat, capnames[c]),
			    WRIT_OK);
			/* Vault drops a leading '/' of a pattern. */
			if (rules[i].pat[0] == '/')
				memmove(rules[i].pat, rules[i].pat + 1, strlen(rules[i].pat));
		}
		/* Merge duplicates the way the ACL does, for the reference. */
		for (i = 0; i < (int)n; i++) {
			for (int j = 0; j < i; j++) {
				if (strcmp(rules[i].pat, rules[j].pat) == 0) {
					rules[j].caps = acl_caps_merge(rules[j].caps, rules[i].caps);
					rules[i].caps = rules[j].caps;
				}
			}
		}
		p = must_parse("gen", b.ptr);
		acl = must_acl(&p, 1);
		for (i = 0; i < 200; i++) {
			char path[64];
			unsigned want, got;

			gen_path(path, sizeof(path), false);
			want = ref_caps(rules, n, path);
			got = writ_acl_capabilities(acl, path);
			if (got != want || acl_capabilities_naive(acl, path) != want)
				fail_msg("round %d path \"%s\": got 0x%x want 0x%x\n%s", round, path, got,
				    want, b.ptr);
		}
		writ_acl_free(acl);
		writ_acl_policy_free(p);
		writ_buf_free(&b);
	}
}

/* Many '+' globs under one literal key, and a trie deeper than the walk's stack. */
static void
test_index_shapes(void **state)
{
	static const struct query q[] = {
		{"secret/data/team4000/foo/bar", WRIT_CAP_READ},
		{"secret/data/team4001/q/x", WRIT_CAP_UPDATE},
		{"secret/data/team4001/q/y", 0},
		{"kv/app4002/config", WRIT_CAP_READ},
		{"zz/app4003/y", WRIT_CAP_LIST},
		{"zz/app4003", 0},
		{"zz/app4002/y", 0},
		{"nothing/at/all", 0},
	};
	struct writ_acl_policy *p;
	struct writ_acl *acl;
	struct writ_buf b;
	char path[300];
	int i, k;

	(void)state;
	writ_buf_init(&b, 0);
	for (i = 0; i < 4096; i++) {
		static const char *const pat[][3] = {
			{"secret/data/team", "/*", "read"},
			{"secret/data/team", "/+/x", "update"},
			{"kv/app", "/config", "read"},
			{"+/app", "/*", "list"},
		};

		assert_int_equal(writ_buf_appendf(&b, "path \"%s%d%s\" { capabilities = [\"%s\"] }\n",
				     pat[i % 4][0], i, pat[i % 4][1], pat[i % 4][2]),
		    WRIT_OK);
	}
	p = must_parse("many", b.ptr);
	acl = must_acl(&p, 1);
	check_queries(acl, q, WRIT_ARRAY_LEN(q));
	writ_acl_free(acl);
	writ_acl_policy_free(p);
	writ_buf_reset(&b);
	/* 70 "+" segments: deeper than ACL_MAX_DEPTH, answered by the linear scan. */
	assert_int_equal(writ_buf_appends(&b, "path \"d"), WRIT_OK);
	for (i = 0; i < 70; i++)
		assert_int_equal(writ_buf_appends(&b, "/+"), WRIT_OK);
	assert_int_equal(writ_buf_appends(&b, "\" { capabilities = [\"read\"] }\n"
					      "path \"d/+/x*\" { capabilities = [\"list\"] }\n"),
	    WRIT_OK);
	p = must_parse("deep", b.ptr);
	acl = must_acl(&p, 1);
	assert_true(acl->depth > ACL_MAX_DEPTH);
	for (k = 0, i = 0; i < 70; i++)
		k += snprintf(path + k, sizeof(path) - (size_t)k, i ? "/x" : "d/x");
	{
		const struct query dq[] = {{path, WRIT_CAP_READ}, {"d/q/xy", WRIT_CAP_LIST}, {"d", 0}};

		check_queries(acl, dq, WRIT_ARRAY_LEN(dq));
	}
	writ_acl_free(acl);
	writ_acl_policy_free(p);
	writ_buf_free(&b);
}

/* Every allocation failure in parsing and building gives WRIT_ENOMEM cleanly. */
static void
test_enomem(void **state)
{
	static const char *const texts[] = {
		"path \"a/*\" { capabilities = [\"read\"] }\npath \"b/+/c\" { policy = \"write\" }\n"
		"path \"b\" { capabilities = [\"list\"] }\n",
		"{\"path\": {\"a/*\": {\"capabilities\": [\"read\"]}}}",
	};
	struct writ_err err = {0};
	struct writ_acl_policy *p[2];
	struct writ_acl *acl;
	size_t i;
	long n;
	writ_rc rc;

	(void)state;
	json_set_alloc_funcs(writ_malloc, writ_free);
	for (n = 1;; n++) {
		p[0] = p[1] = NULL;
		acl = NULL;
		writ_fault_set(n);
		rc = WRIT_OK;
		for (i = 0; i < 2 && rc == WRIT_OK; i++)
			rc = writ_acl_policy_parse("p", texts[i], strlen(texts[i]), &p[i], &err);
		if (rc == WRIT_OK)
			rc = writ_acl_new((const struct writ_acl_policy *const *)p, 2, &acl, &err);
		if (rc == WRIT_OK)
			assert_int_equal(writ_acl_capabilities(acl, "b/x/c"), CRUDL);
		writ_acl_free(acl);
		writ_acl_policy_free(p[0]);
		writ_acl_policy_free(p[1]);
		if (!writ_fault_fired()) {
			assert_int_equal(rc, WRIT_OK);
			break;
		}
		/* jansson reports some failed allocations as syntax errors (JSON text). */
		if (rc != WRIT_ENOMEM && rc != WRIT_EPARSE)
			fail_msg("fault %ld: rc %d (%s)", n, rc, err.msg);
	}
	writ_fault_set(0);
	json_set_alloc_funcs(malloc, free);
	assert_true(n > 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vault_examples),
		cmocka_unit_test(test_syntaxes),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_warning),
		cmocka_unit_test(test_root),
		cmocka_unit_test(test_default_policy),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_cap_names),
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_index_shapes),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
