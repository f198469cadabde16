/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of server/config.c: good configurations (HCL and JSON) with every
 * value checked, defaults, a table of bad configurations each with its exact
 * "file:line: message", reading files (size limit, errors) and allocation
 * failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "writ/base.h"

#include "config.h"

static const char full_config[] =
    "# writ server configuration\n"
    "storage \"sqlite\" {\n"
    "  path = \"/var/lib/writ/writ.db\"\n"
    "}\n"
    "\n"
    "listener \"tcp\" {\n"
    "  address = \"0.0.0.0:8200\"\n"
    "  tls_cert_file = \"/etc/writ/tls.crt\"\n"
    "  tls_key_file = \"/etc/writ/tls.key\"\n"
    "  tls_client_ca_file = \"/etc/writ/ca.crt\"\n"
    "  tls_require_and_verify_client_cert = true\n"
    "  tls_min_version = \"tls13\"\n"
    "  max_request_size = 1048576\n"
    "  max_request_duration = \"2m\"\n"
    "}\n"
    "\n"
    "listener \"tcp\" {\n"
    "  address = \"[::1]:8201\"\n"
    "  tls_disable = \"true\"\n"
    "}\n"
    "\n"
    "audit \"file\" {\n"
    "  path = \"/var/log/writ/audit.log\"\n"
    "  checkpoint_every = 500\n"
    "}\n"
    "audit \"file\" {\n"
    "  path = \"/var/log/writ/audit2.log\"\n"
    "}\n"
    "\n"
    "limits {\n"
    "  max_request_bytes = 2097152\n"
    "  max_header_bytes = \"32768\"\n"
    "  max_json_depth = 32\n"
    "  max_string_bytes = 65536\n"
    "  arena_cap = 8388608\n"
    "  http_threads = 4\n"
    "}\n"
    "\n"
    "log_level = \"debug\"\n"
    "default_lease_ttl = \"1h\"\n"
    "max_lease_ttl = 86400\n"
    "ui = true\n"
    "disable_mlock = true\n"
    "api_addr = \"https://writ.example:8200\"\n"
    "cluster_name = \"prod\"\n"
    "pid_file = \"/run/writ.pid\"\n";

static void
must_parse(const char *text, struct writ_config *cfg)
{
	struct writ_err err = {0};

	if (writ_config_parse(text, strlen(text), "writ.hcl", cfg, &err) != WRIT_OK)
		fail_msg("%s", err.msg);
}

static void
check_full(const struct writ_config *cfg)
{
	const struct writ_config_listener *l = cfg->listeners;

	assert_int_equal(cfg->storage, WRIT_CONFIG_STORAGE_SQLITE);
	assert_string_equal(cfg->storage_path, "/var/lib/writ/writ.db");
	assert_int_equal(cfg->nlisteners, 2);
	assert_string_equal(l[0].address, "0.0.0.0:8200");
	assert_false(l[0].tls_disable);
	assert_string_equal(l[0].tls_cert_file, "/etc/writ/tls.crt");
	assert_string_equal(l[0].tls_key_file, "/etc/writ/tls.key");
	assert_string_equal(l[0].tls_client_ca_file, "/etc/writ/ca.crt");
	assert_true(l[0].tls_require_and_verify_client_cert);
	assert_int_equal(l[0].tls_min_version, 13);
	assert_int_equal(l[0].max_request_size, 1048576);
	assert_int_equal(l[0].max_request_duration, 120);
	assert_string_equal(l[1].address, "[::1]:8201");
	assert_true(l[1].tls_disable);
	assert_null(l[1].tls_cert_file);
	assert_int_equal(l[1].tls_min_version, 12);
	assert_int_equal(l[1].max_request_size, 2097152); /* from limits */
	assert_int_equal(l[1].max_request_duration, 90);
	assert_int_equal(cfg->naudits, 2);
	assert_string_equal(cfg->audits[0].path, "/var/log/writ/audit.log");
	assert_int_equal(cfg->audits[0].checkpoint_every, 500);
	assert_int_equal(cfg->audits[1].checkpoint_every, 1000);
	assert_int_equal(cfg->limits.max_request_bytes, 2097152);
	assert_int_equal(cfg->limits.max_header_bytes, 32768);
	assert_int_equal(cfg->limits.max_json_depth, 32);
	assert_int_equal(cfg->limits.max_string_bytes, 65536);
	assert_int_equal(cfg->limits.arena_cap, 8388608);
	assert_int_equal(cfg->limits.http_threads, 4);
	assert_int_equal(cfg->log_level, WRIT_LOG_DEBUG);
	assert_int_equal(cfg->default_lease_ttl, 3600);
	assert_int_equal(cfg->max_lease_ttl, 86400);
	assert_true(cfg->ui);
	assert_true(cfg->disable_mlock);
	assert_string_equal(cfg->api_addr, "https://writ.example:8200");
	assert_string_equal(cfg->cluster_name, "prod");
	assert_string_equal(cfg->pid_file, "/run/writ.pid");
}

static void
test_full(void **state)
{
	struct writ_config cfg;

	(void)state;
	must_parse(full_config, &cfg);
	check_full(&cfg);
	writ_config_free(&cfg);
	assert_null(cfg.listeners);
	writ_config_free(NULL);
}

static void
test_defaults(void **state)
{
	static const char min_hcl[] = "storage \"sqlite\" { path = \"writ.db\" }\n"
				      "listener \"tcp\" { tls_disable = true }\n";
	static const char min_json[] = "{\"storage\": {\"sqlite\": {\"path\": \"writ.db\"}},\n"
				       " \"listener\": [{\"tcp\": {\"tls_disable\": true}}]}";
	const char *texts[] = {min_hcl, min_json};
	struct writ_config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		must_parse(texts[i], &cfg);
		assert_string_equal(cfg.storage_path, "writ.db");
		assert_int_equal(cfg.nlisteners, 1);
		assert_string_equal(cfg.listeners[0].address, "127.0.0.1:8200");
		assert_int_equal(cfg.listeners[0].max_request_size, 32u << 20);
		assert_int_equal(cfg.listeners[0].max_request_duration, 90);
		assert_int_equal(cfg.listeners[0].tls_min_version, 12);
		assert_int_equal(cfg.naudits, 0);
		assert_int_equal(cfg.log_level, WRIT_LOG_INFO);
		assert_int_equal(cfg.default_lease_ttl, 768 * 3600);
		assert_int_equal(cfg.max_lease_ttl, 768 * 3600);
		assert_false(cfg.ui);
		assert_null(cfg.api_addr);
		assert_int_equal(cfg.limits.max_request_bytes, 32u << 20);
		assert_int_equal(cfg.limits.max_header_bytes, 64u << 10);
		assert_int_equal(cfg.limits.max_json_depth, 64);
		assert_int_equal(cfg.limits.max_string_bytes, 1u << 20);
		assert_int_equal(cfg.limits.arena_cap, 64u << 20);
		assert_int_equal(cfg.limits.http_threads, 0); /* auto */
		writ_config_free(&cfg);
	}
}

#define S "storage \"sqlite\" {\n  path = \"db\"\n}\n"    /* lines 1-3 */
#define L "listener \"tcp\" {\n  tls_disable = true\n}\n" /* 3 lines */
#define L4 "listener \"tcp\" {\n  tls_disable = true\n" /* a listener at line 4, key on 5 */

static void
test_decision(void **state)
{
	struct writ_config cfg;

	(void)state;
	must_parse(S L "decision_listener \"tcp\" {\n  tls_disable = true\n}\n"
	             "decision_listener \"tcp\" {\n  address = \"0.0.0.0:9181\"\n"
	             "  tls_disable = true\n}\n"
	             "policy {\n  bundle_dir = \"/etc/writ/policy\"\n"
	             "  default_decision = \"/envoy/authz/allow\"\n  reload_interval = \"0\"\n}\n",
	    &cfg);
	assert_int_equal(cfg.nlisteners, 3);
	assert_false(cfg.listeners[0].decision);
	assert_true(cfg.listeners[1].decision);
	assert_string_equal(cfg.listeners[1].address, "127.0.0.1:8181");
	assert_string_equal(cfg.listeners[2].address, "0.0.0.0:9181");
	assert_string_equal(cfg.policy.bundle_dir, "/etc/writ/policy");
	assert_string_equal(cfg.policy.default_decision, "/envoy/authz/allow");
	assert_int_equal(cfg.policy.reload_interval, 0);
	writ_config_free(&cfg);
	must_parse(S L, &cfg);
	assert_null(cfg.policy.bundle_dir);
	assert_int_equal(cfg.policy.reload_interval, 5);
	writ_config_free(&cfg);
}

static void
test_bad(void **state)
{
	static const struct {
		const char *text;
		writ_rc rc;
		const char *msg;
	} cases[] = {
		{S "listener \"tcp\" {\n  adress = \"x\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:5: unknown key \"adress\" in listener"},
		{S L "foo = 1\n", WRIT_EINVAL, "writ.hcl:7: unknown key \"foo\""},
		{S L "telemetry {\n}\n", WRIT_EINVAL, "writ.hcl:7: unknown key \"telemetry\""},
		{"storage \"postgresql\" {\n connection_url = \"x\"\n}\n" L, WRIT_EUNSUPPORTED,
		    "writ.hcl:1: storage type not supported yet"},
		{"storage \"consul\" {}\n" L, WRIT_EINVAL, "writ.hcl:1: unknown storage type \"consul\""},
		{"storage \"sqlite\" {}\n" L, WRIT_EINVAL, "writ.hcl:1: storage \"sqlite\" needs a path"},
		{"storage \"sqlite\" {\n  path = 1\n}\n" L, WRIT_EINVAL,
		    "writ.hcl:2: path must be a string"},
		{"storage \"sqlite\" {\n  path = \"a\"\n  ha = true\n}\n" L, WRIT_EINVAL,
		    "writ.hcl:3: unknown key \"ha\" in storage"},
		{S "storage \"sqlite\" {\n path = \"b\"\n}\n" L, WRIT_EINVAL,
		    "writ.hcl:4: only one storage block allowed"},
		{L, WRIT_EINVAL, "writ.hcl:1: no storage block"},
		{S, WRIT_EINVAL, "writ.hcl:1: no listener block"},
		{S "listener \"tcp\" {\n}\n", WRIT_EINVAL,
		    "writ.hcl:4: listener needs tls_cert_file and tls_key_file unless tls_disable = true"},
		{S "listener \"tcp\" {\n  tls_cert_file = \"c\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:4: listener needs tls_cert_file and tls_key_file unless tls_disable = true"},
		{S "listener \"tcp\" {\n  tls_cert_file = \"c\"\n  tls_key_file = \"k\"\n"
		   "  tls_require_and_verify_client_cert = true\n}\n",
		    WRIT_EINVAL, "writ.hcl:4: tls_require_and_verify_client_cert needs tls_client_ca_file"},
		{S L4 "  tls_require_and_verify_client_cert = true\n  tls_client_ca_file = \"ca\"\n}\n",
		    WRIT_EINVAL,
		    "writ.hcl:4: tls_require_and_verify_client_cert needs TLS (tls_disable is true)"},
		{S "listener \"tcp\" {\n  tls_disable = \"yes\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:5: tls_disable must be true or false"},
		{S L4 "  tls_min_version = \"tls11\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:6: invalid tls_min_version \"tls11\" (tls12 or tls13)"},
		{S L4 "  address = \"localhost\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:6: invalid address \"localhost\" (host:port)"},
		{S L4 "  address = \"1.2.3.4:99999\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:6: invalid address \"1.2.3.4:99999\" (host:port)"},
		{S L4 "  address = \"::1:8200\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:6: invalid address \"::1:8200\" (host:port)"},
		{S L4 "  address = \"127.0.0.1:\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:6: invalid address \"127.0.0.1:\" (host:port)"},
		{S L4 "  address = 8200\n}\n", WRIT_EINVAL, "writ.hcl:6: address must be a string"},
		{S L4 "  max_request_size = 0\n}\n", WRIT_EINVAL,
		    "writ.hcl:6: max_request_size must be a number between 1 and 1073741824"},
		{S L4 "  max_request_size = -5\n}\n", WRIT_EINVAL,
		    "writ.hcl:6: max_request_size must be a number between 1 and 1073741824"},
		{S L4 "  max_request_size = 1.5\n}\n", WRIT_EINVAL,
		    "writ.hcl:6: max_request_size must be a number between 1 and 1073741824"},
		{S L4 "  max_request_size = \"32MB\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:6: max_request_size must be a number between 1 and 1073741824"},
		{S L4 "  max_request_duration = \"5x\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:6: max_request_duration must be a duration such as \"90s\" or \"768h\""},
		{S L4 "  max_request_duration = \"48h\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:6: max_request_duration must be between 1s and 86400s"},
		{S L4 "  max_request_duration = -1\n}\n", WRIT_EINVAL,
		    "writ.hcl:6: max_request_duration must be a duration such as \"90s\" or \"768h\""},
		{S "listener \"udp\" {}\n", WRIT_EINVAL, "writ.hcl:4: unknown listener type \"udp\""},
		{S "listener {\n}\n", WRIT_EPARSE, "writ.hcl:4: listener block needs 1 label"},
		{S "listener = \"tcp\"\n", WRIT_EPARSE, "writ.hcl:4: listener must be a block"},
		{S L "log_level = \"verbose\"\n", WRIT_EINVAL,
		    "writ.hcl:7: invalid log_level \"verbose\" (trace, debug, info, warn, error)"},
		{S L "default_lease_ttl = \"48h\"\nmax_lease_ttl = \"24h\"\n", WRIT_EINVAL,
		    "writ.hcl:7: default_lease_ttl must not exceed max_lease_ttl"},
		{S L "max_lease_ttl = 0\n", WRIT_EINVAL,
		    "writ.hcl:7: max_lease_ttl must be between 1s and 3153600000s"},
		{S L "audit \"syslog\" {}\n", WRIT_EINVAL, "writ.hcl:7: unknown audit type \"syslog\""},
		{S L "audit \"file\" {\n  checkpoint_every = 0\n  path = \"a\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:8: checkpoint_every must be a number between 1 and 1000000000"},
		{S L "audit \"file\" {}\n", WRIT_EINVAL, "writ.hcl:7: audit \"file\" needs a path"},
		{S L "limits {\n  http_threads = 0\n}\n", WRIT_EINVAL,
		    "writ.hcl:8: http_threads must be a number between 1 and 1024"},
		{S L "limits {\n  max_body = 1\n}\n", WRIT_EINVAL,
		    "writ.hcl:8: unknown key \"max_body\" in limits"},
		{S L "limits {}\nlimits {}\n", WRIT_EINVAL, "writ.hcl:8: only one limits block allowed"},
		{S L "limits \"x\" {}\n", WRIT_EPARSE, "writ.hcl:7: limits block needs 0 labels"},
		{S L L, WRIT_EINVAL, "writ.hcl:7: listener address \"127.0.0.1:8200\" used twice"},
		{S L "ui = \"maybe\"\n", WRIT_EINVAL, "writ.hcl:7: ui must be true or false"},
		{S "decision_listener \"tcp\" {\n  tls_disable = true\n}\n", WRIT_EINVAL,
		    "writ.hcl:1: no listener block"},
		{S L "decision_listener \"udp\" {}\n", WRIT_EINVAL,
		    "writ.hcl:7: unknown decision_listener type \"udp\""},
		{S L "decision_listener \"tcp\" {\n  adress = 1\n}\n", WRIT_EINVAL,
		    "writ.hcl:8: unknown key \"adress\" in decision_listener"},
		{S L "decision_listener \"tcp\" {\n}\n", WRIT_EINVAL,
		    "writ.hcl:7: listener needs tls_cert_file and tls_key_file unless tls_disable = true"},
		{S L "decision_listener \"tcp\" {\n  address = \"127.0.0.1:8200\"\n  tls_disable = true\n}\n",
		    WRIT_EINVAL, "writ.hcl:7: listener address \"127.0.0.1:8200\" used twice"},
		{S L "policy {\n  bundle = \"x\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:8: unknown key \"bundle\" in policy"},
		{S L "policy {\n  reload_interval = \"2d\"\n}\n", WRIT_EINVAL,
		    "writ.hcl:8: reload_interval must be between 0s and 86400s"},
		{S L "policy {}\npolicy {}\n", WRIT_EINVAL, "writ.hcl:8: only one policy block allowed"},
		{S L "api_addr = \"\"\n", WRIT_EINVAL, "writ.hcl:7: api_addr must not be empty"},
		{S L "cluster_name = [\"a\"]\n", WRIT_EINVAL, "writ.hcl:7: cluster_name must be a string"},
		{S L "storage = 5\n", WRIT_EPARSE, "writ.hcl:7: duplicate key \"storage\""},
		{S L4, WRIT_EPARSE, "writ.hcl:6: missing '}'"},
		{S L "x = \"\\q\"\n", WRIT_EPARSE, "writ.hcl:7: invalid escape \\q"},
		{"{\n\"storage\": {\"sqlite\": {\"path\": \"x\"}},\n"
		 "\"listener\": {\"tcp\": {\"adress\": \"y\"}}\n}",
		    WRIT_EINVAL, "writ.hcl:3: unknown key \"adress\" in listener"},
		{"{\"storage\": {\"sqlite\": {\"path\": \"x\"}}, \"listener\": 1}", WRIT_EPARSE,
		    "writ.hcl:1: listener must be a block"},
		{"{\"a\": }", WRIT_EPARSE, "writ.hcl:1: unexpected token near '}'"},
	};
	struct writ_err err = {0};
	struct writ_config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < WRIT_ARRAY_LEN(cases); i++) {
		writ_rc rc;

		memset(&cfg, 0x5a, sizeof(cfg));
		rc = writ_config_parse(cases[i].text, strlen(cases[i].text), "writ.hcl", &cfg, &err);
		if (rc != cases[i].rc || strcmp(err.msg, cases[i].msg) != 0)
			fail_msg("case %zu: rc %d msg %s\n want rc %d msg %s", i, rc, err.msg,
			    cases[i].rc, cases[i].msg);
		assert_int_equal(cfg.nlisteners, 0x5a5a5a5a5a5a5a5aull); /* untouched */
	}
}

/* The ext_authz "grpc" block: defaults, every key, and its errors. */
static void
test_ext_authz(void **state)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{S L "ext_authz \"http\" {\n  tls_disable = true\n}\n",
		    "writ.hcl:7: unknown ext_authz type \"http\" (grpc)"},
		{S L "ext_authz \"grpc\" {\n  adress = \"x\"\n}\n",
		    "writ.hcl:8: unknown key \"adress\" in ext_authz"},
		{S L "ext_authz \"grpc\" {\n}\n",
		    "writ.hcl:7: listener needs tls_cert_file and tls_key_file unless tls_disable = true"},
		{S L "ext_authz \"grpc\" {\n  tls_disable = true\n  path = \"/envoy\"\n}\n",
		    "writ.hcl:9: invalid ext_authz path \"/envoy\" (like envoy/authz/allow)"},
		{S L "ext_authz \"grpc\" {\n  tls_disable = true\n  max_recv_msg_size = 10\n}\n",
		    "writ.hcl:9: max_recv_msg_size must be a number between 1024 and 67108864"},
		{S L "ext_authz \"grpc\" {\n  tls_disable = true\n  address = \"127.0.0.1:8200\"\n}\n",
		    "writ.hcl:7: ext_authz address \"127.0.0.1:8200\" is also a listener's"},
		{S L "ext_authz \"grpc\" {\n  tls_disable = true\n}\next_authz \"grpc\" {\n}\n",
		    "writ.hcl:10: only one ext_authz block allowed"},
	};
	static const char full[] = S L
	    "ext_authz \"grpc\" {\n"
	    "  address = \"0.0.0.0:9191\"\n"
	    "  path = \"my-app/authz/decision\"\n"
	    "  dry_run = true\n"
	    "  skip_request_body_parse = true\n"
	    "  max_recv_msg_size = 1048576\n"
	    "  tls_cert_file = \"/etc/writ/tls.crt\"\n"
	    "  tls_key_file = \"/etc/writ/tls.key\"\n"
	    "  tls_min_version = \"tls13\"\n"
	    "}\n";
	const struct writ_config_ext_authz *x;
	struct writ_err err = {0};
	struct writ_config cfg;
	size_t i;

	(void)state;
	must_parse(S L, &cfg);
	assert_false(cfg.ext_authz.enabled);
	writ_config_free(&cfg);
	must_parse(S L "ext_authz \"grpc\" {\n  tls_disable = true\n}\n", &cfg);
	x = &cfg.ext_authz;
	assert_true(x->enabled);
	assert_string_equal(x->l.address, "127.0.0.1:9191");
	assert_string_equal(x->path, "envoy/authz/allow");
	assert_false(x->dry_run);
	assert_false(x->skip_request_body_parse);
	assert_int_equal(x->max_recv_msg_size, 4u << 20);
	writ_config_free(&cfg);
	must_parse(full, &cfg);
	assert_string_equal(x->l.address, "0.0.0.0:9191");
	assert_string_equal(x->path, "my-app/authz/decision");
	assert_true(x->dry_run);
	assert_true(x->skip_request_body_parse);
	assert_int_equal(x->max_recv_msg_size, 1u << 20);
	assert_false(x->l.tls_disable);
	assert_string_equal(x->l.tls_cert_file, "/etc/writ/tls.crt");
	assert_int_equal(x->l.tls_min_version, 13);
	writ_config_free(&cfg);
	for (i = 0; i < WRIT_ARRAY_LEN(bad); i++) {
		writ_rc rc = writ_config_parse(bad[i].text, strlen(bad[i].text), "writ.hcl", &cfg, &err);

		if (rc == WRIT_OK || strcmp(err.msg, bad[i].msg) != 0)
			fail_msg("case %zu: rc %d msg %s\n want %s", i, rc, err.msg, bad[i].msg);
	}
}

static void
test_too_many(void **state)
{
	struct writ_err err = {0};
	struct writ_config cfg;
	struct writ_buf b;
	int i;

	(void)state;
	writ_buf_init(&b, 0);
	assert_int_equal(writ_buf_appends(&b, S), WRIT_OK);
	for (i = 0; i < WRIT_CONFIG_MAX_LISTENERS + 1; i++)
		assert_int_equal(writ_buf_appendf(&b,
				     "listener \"tcp\" { address = \"127.0.0.1:%d\", tls_disable = true }\n",
				     8200 + i),
		    WRIT_OK);
	assert_int_equal(writ_config_parse(b.ptr, b.len, "w", &cfg, &err), WRIT_EINVAL);
	assert_string_equal(err.msg, "w:12: more than 8 listener blocks");
	writ_buf_free(&b);
}

/* A file under the test directory with the given contents. */
static char *
temp_file(const char *data, size_t len)
{
	const char *dir = getenv("WRIT_TEST_TMP");
	char *path = malloc(4096);
	int fd;

	assert_non_null(path);
	snprintf(path, 4096, "%s/writ-config-XXXXXX", dir != NULL && dir[0] ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0) {
		snprintf(path, 4096, "/tmp/writ-config-XXXXXX");
		fd = mkstemp(path);
	}
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void
test_load(void **state)
{
	struct writ_err err = {0};
	struct writ_config cfg;
	char *path, *big, want[4200];

	(void)state;
	path = temp_file(full_config, strlen(full_config));
	assert_int_equal(writ_config_load(path, &cfg, &err), WRIT_OK);
	check_full(&cfg);
	writ_config_free(&cfg);
	unlink(path);
	/* Errors name the path given. */
	path[strlen(path) - 1] ^= 1;
	assert_int_equal(writ_config_load(path, &cfg, &err), WRIT_EIO);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	assert_string_equal(err.msg, want);
	free(path);
	path = temp_file(S "listener \"tcp\" {\n  adress = 1\n}\n",
	    strlen(S "listener \"tcp\" {\n  adress = 1\n}\n"));
	assert_int_equal(writ_config_load(path, &cfg, &err), WRIT_EINVAL);
	snprintf(want, sizeof(want), "%s:5: unknown key \"adress\" in listener", path);
	assert_string_equal(err.msg, want);
	unlink(path);
	free(path);
	/* 1 MiB passes the size check, one byte more does not. */
	big = malloc(WRIT_CONFIG_MAX_FILE + 1);
	assert_non_null(big);
	memset(big, '\n', WRIT_CONFIG_MAX_FILE + 1);
	memcpy(big, S L, strlen(S L));
	path = temp_file(big, WRIT_CONFIG_MAX_FILE);
	assert_int_equal(writ_config_load(path, &cfg, &err), WRIT_OK);
	writ_config_free(&cfg);
	unlink(path);
	free(path);
	path = temp_file(big, WRIT_CONFIG_MAX_FILE + 1);
	assert_int_equal(writ_config_load(path, &cfg, &err), WRIT_ELIMIT);
	snprintf(want, sizeof(want), "%s: larger than 1048576 bytes", path);
	assert_string_equal(err.msg, want);
	unlink(path);
	free(path);
	free(big);
	assert_int_equal(writ_config_load("/", &cfg, &err), WRIT_EIO);
	assert_string_equal(err.msg, "/: not a regular file");
}

static void
test_enomem(void **state)
{
	struct writ_err err = {0};
	struct writ_config cfg;
	long n;
	writ_rc rc;

	(void)state;
	json_set_alloc_funcs(writ_malloc, writ_free);
	for (n = 1;; n++) {
		writ_fault_set(n);
		rc = writ_config_parse(full_config, strlen(full_config), "w", &cfg, &err);
		if (rc == WRIT_OK)
			writ_config_free(&cfg);
		if (!writ_fault_fired()) {
			assert_int_equal(rc, WRIT_OK);
			break;
		}
		if (rc != WRIT_ENOMEM)
			fail_msg("fault %ld: rc %d (%s)", n, rc, err.msg);
	}
	writ_fault_set(0);
	json_set_alloc_funcs(malloc, free);
	assert_true(n > 50);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_decision),
		cmocka_unit_test(test_ext_authz),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
