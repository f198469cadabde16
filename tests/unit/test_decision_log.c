/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of decision logging (lib/core/audit_decision.c): the mask
 * policy's operations as OPA defines them (erase by pointer, remove and
 * upsert objects, escapes, pointers to nothing, arrays, invalid entries
 * skipped and counted, "erased" and "masked" recorded), and decisions
 * appended to a real audit device with the input in full, as an HMAC or
 * left out, an oversized input replaced by its HMAC, and the lines found
 * again by the audit query filter and verified by the chain checker.
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

#include "writ/audit.h"
#include "writ/core.h"

#include "support/fixture.h"

static json_t *
js(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);

	if (v == NULL)
		fail_msg("bad JSON in test: %s: %s", text, e.text);
	return v;
}

/* Mask event (JSON text) with mask (JSON text); compare with want (JSON text). */
static void
expect_mask(const char *event, const char *mask, const char *want, size_t want_ignored)
{
	json_t *ev = js(event), *m = js(mask), *w = js(want);
	size_t ignored = 99;

	assert_int_equal(writ_decision_mask(ev, m, &ignored), WRIT_OK);
	if (!json_equal(ev, w)) {
		char *got = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);

		fail_msg("mask %s on %s: got %s, want %s", mask, event, got, want);
	}
	assert_int_equal(ignored, want_ignored);
	json_decref(ev);
	json_decref(m);
	json_decref(w);
}

static void
test_mask(void **state)
{
	(void)state;
	/* OPA's own example: erase two fields. */
	expect_mask("{\"input\":{\"resource\":\"user\",\"name\":\"bob\",\"password\":\"p\",\"ssn\":\"1\"}}",
	    "[\"/input/password\",\"/input/ssn\"]",
	    "{\"input\":{\"resource\":\"user\",\"name\":\"bob\"},"
	    "\"erased\":[\"/input/password\",\"/input/ssn\"]}",
	    0);
	/* Upsert over an existing field, and remove by object. */
	expect_mask("{\"input\":{\"password\":\"p\",\"ssn\":\"1\"}}",
	    "[{\"op\":\"upsert\",\"path\":\"/input/password\",\"value\":\"**REDACTED**\"},"
	    "{\"op\":\"remove\",\"path\":\"/input/ssn\"}]",
	    "{\"input\":{\"password\":\"**REDACTED**\"},\"masked\":[\"/input/password\"],"
	    "\"erased\":[\"/input/ssn\"]}",
	    0);
	/* An upsert adds what is missing, objects on the way included. */
	expect_mask("{\"input\":{}}", "[{\"op\":\"upsert\",\"path\":\"/input/a/b\",\"value\":1}]",
	    "{\"input\":{\"a\":{\"b\":1}},\"masked\":[\"/input/a/b\"]}", 0);
	/* Pointers to nothing are skipped, not counted. */
	expect_mask("{\"input\":{\"name\":\"bob\"}}", "[\"/input/name/first\",\"/input/x\"]",
	    "{\"input\":{\"name\":\"bob\"}}", 0);
	/* Array elements are not keys: /input/emails/0 names nothing. */
	expect_mask("{\"input\":{\"emails\":[{\"value\":\"a\"}]}}",
	    "[\"/input/emails/0\",\"/input/emails/0/value\"]",
	    "{\"input\":{\"emails\":[{\"value\":\"a\"}]}}", 0);
	/* Escapes: ~1 is "/", ~0 is "~". */
	expect_mask("{\"input\":{\"a/b\":1,\"c~d\":2,\"e\":3}}", "[\"/input/a~1b\",\"/input/c~0d\"]",
	    "{\"input\":{\"e\":3},\"erased\":[\"/input/a~1b\",\"/input/c~0d\"]}", 0);
	/* The result may be masked; the whole input may go. */
	expect_mask("{\"input\":{\"k\":1},\"result\":{\"token\":\"t\",\"allow\":true}}",
	    "[\"/result/token\",\"/input\"]",
	    "{\"result\":{\"allow\":true},\"erased\":[\"/result/token\",\"/input\"]}", 0);
	/* Invalid entries are skipped and counted; the valid ones still apply. */
	expect_mask("{\"input\":{\"k\":1},\"path\":\"p\"}",
	    "[\"/path\",\"input/k\",\"/input/~2\",\"\",7,{\"op\":\"upsert\",\"path\":\"/input/k\"},"
	    "{\"op\":\"replace\",\"path\":\"/input/k\",\"value\":1},{\"path\":\"/input/k\"},"
	    "\"/input/k\"]",
	    "{\"input\":{},\"path\":\"p\",\"erased\":[\"/input/k\"]}", 8);
	/* A mask that is not a set is one invalid entry. */
	expect_mask("{\"input\":{\"k\":1}}", "{\"/input/k\":true}", "{\"input\":{\"k\":1}}", 1);
	expect_mask("{\"input\":{\"k\":1}}", "null", "{\"input\":{\"k\":1}}", 1);
}

/* The decision lines of an audit log, parsed. */
static json_t *
read_decisions(const char *path)
{
	json_t *all = json_array();
	char line[1 << 16];
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		json_t *e = js(line);

		if (strcmp(fx_jstr(e, "type"), "decision") == 0)
			json_array_append(all, e);
		json_decref(e);
	}
	fclose(f);
	return all;
}

static void
test_audit(void **state)
{
	struct writ_core_opts o = {0};
	struct writ_core *core = NULL;
	struct writ_err err = {0};
	struct writ_store *s;
	uint64_t seqs[WRIT_CORE_MAX_AUDIT];
	char dbpath[512], logpath[600];
	json_t *ev, *all, *d;
	struct writ_audit_filter f = {.outcome = 1};
	char *big, *text;
	size_t i;

	(void)state;
	s = fx_store_open("declog", dbpath, sizeof(dbpath));
	snprintf(logpath, sizeof(logpath), "%s.audit.log", dbpath);
	snprintf(o.audit[0].name, sizeof(o.audit[0].name), "file");
	snprintf(o.audit[0].path, sizeof(o.audit[0].path), "%s", logpath);
	o.naudit = 1;
	assert_int_equal(writ_core_new(&o, s, &core, &err), WRIT_OK);
	assert_int_equal(writ_core_post_unseal(core, &err), WRIT_OK);

	ev = js("{\"decision_id\":\"d-1\",\"path\":\"envoy/authz/allow\",\"input\":{\"user\":\"agent-7\","
		"\"password\":\"hunter2\"},\"result\":true,\"allowed\":true,\"revision\":\"r1\","
		"\"latency_ns\":1200,\"caller\":{\"spiffe_id\":\"spiffe://corp/agent/returns\"}}");
	assert_int_equal(writ_core_audit_decision(core, ev, WRIT_DECISION_INPUT_FULL, seqs, &err), WRIT_OK);
	assert_true(seqs[0] > 0);
	assert_int_equal(writ_core_audit_decision(core, ev, WRIT_DECISION_INPUT_HMAC, seqs, &err), WRIT_OK);
	assert_int_equal(writ_core_audit_decision(core, ev, WRIT_DECISION_INPUT_NONE, seqs, &err), WRIT_OK);
	/* An input larger than an audit line: logged as its HMAC. */
	big = malloc(WRIT_AUDIT_LINE_MAX + 16);
	assert_non_null(big);
	memset(big, 'x', WRIT_AUDIT_LINE_MAX + 15);
	big[WRIT_AUDIT_LINE_MAX + 15] = '\0';
	json_object_set_new(json_object_get(ev, "input"), "blob", json_string(big));
	free(big);
	assert_int_equal(writ_core_audit_decision(core, ev, WRIT_DECISION_INPUT_FULL, seqs, &err), WRIT_OK);
	json_decref(ev);
	assert_int_equal(writ_core_audit_decision(core, json_null(), WRIT_DECISION_INPUT_FULL, seqs, &err),
	    WRIT_EINVAL);
	writ_core_free(core);

	all = read_decisions(logpath);
	assert_int_equal(json_array_size(all), 4);
	d = json_object_get(json_array_get(all, 0), "decision");
	assert_string_equal(fx_jstr(json_object_get(d, "input"), "password"), "hunter2");
	assert_string_equal(fx_jstr(d, "decision_id"), "d-1");
	assert_true(json_is_true(json_object_get(d, "allowed")));
	assert_null(json_object_get(d, "caller"));
	assert_string_equal(fx_jstr(json_object_get(json_array_get(all, 0), "caller"), "spiffe_id"),
	    "spiffe://corp/agent/returns");
	d = json_object_get(json_array_get(all, 1), "decision");
	assert_null(json_object_get(d, "input"));
	assert_memory_equal(fx_jstr(d, "input_hmac"), "hmac-sha256:", 12);
	d = json_object_get(json_array_get(all, 2), "decision");
	assert_null(json_object_get(d, "input"));
	assert_null(json_object_get(d, "input_hmac"));
	d = json_object_get(json_array_get(all, 3), "decision");
	assert_null(json_object_get(d, "input"));
	assert_memory_equal(fx_jstr(d, "input_hmac"), "hmac-sha256:", 12);
	assert_true(json_is_true(json_object_get(d, "input_truncated")));
	/* Found again by who asked and by outcome. */
	f.identity = "spiffe://corp/agent/returns";
	for (i = 0; i < json_array_size(all); i++) {
		text = json_dumps(json_array_get(all, i), JSON_COMPACT);
		assert_true(writ_audit_filter_match(&f, text, strlen(text)));
		free(text);
	}
	json_decref(all);
	unlink(logpath);
	snprintf(logpath + strlen(logpath), sizeof(logpath) - strlen(logpath), ".pub");
	unlink(logpath);
	fx_store_close(s, dbpath);
}

/* Log e by the text path and its equivalent event ev by the general one; both lines must agree. */
static void
expect_same(struct writ_core *core, const struct writ_decision_entry *e, const char *ev_text,
    enum writ_decision_input mode)
{
	uint64_t seqs[WRIT_CORE_MAX_AUDIT];
	struct writ_err err = {0};
	json_t *ev = js(ev_text);

	assert_int_equal(writ_core_audit_decision_text(core, e, mode, seqs, &err), WRIT_OK);
	assert_true(seqs[0] > 0);
	assert_int_equal(writ_core_audit_decision(core, ev, mode, seqs, &err), WRIT_OK);
	json_decref(ev);
}

static void
test_audit_text(void **state)
{
	static const char *const refused[] = {
	    "{\"s\":\"a\\u0000b\"}",        /* NUL: jansson readers refuse it */
	    "{\"s\":\"\\ud83d\\ude00\"}",    /* surrogates, even paired */
	    "{\"s\":\"\\uDC00\"}",
	    "{\"n\":1234567890123456}",      /* 16 characters: may not fit */
	    "{\"n\":-1.5e-300000000000}",
	};
	struct writ_core_opts o = {0};
	struct writ_core *core = NULL;
	struct writ_err err = {0};
	struct writ_store *s;
	uint64_t seqs[WRIT_CORE_MAX_AUDIT];
	char dbpath[512], logpath[600];
	struct writ_decision_entry e = {0};
	json_t *all, *a, *b;
	char *big;
	size_t i, n;

	(void)state;
	s = fx_store_open("dectext", dbpath, sizeof(dbpath));
	snprintf(logpath, sizeof(logpath), "%s.audit.log", dbpath);
	snprintf(o.audit[0].name, sizeof(o.audit[0].name), "file");
	snprintf(o.audit[0].path, sizeof(o.audit[0].path), "%s", logpath);
	o.naudit = 1;
	assert_int_equal(writ_core_new(&o, s, &core, &err), WRIT_OK);
	assert_int_equal(writ_core_post_unseal(core, &err), WRIT_OK);

	/* Blanks and newlines of the input go; escapes and strings stay as they are. */
	e.decision_id = "d-1";
	e.path = "rbac/allow";
	e.input = "{ \"user\" : \"agent \\\"7\\\"\",\n\t\"n\": [1, -2.25 , true],\r\n \"u\":\"\\u00e9\\n\" }";
	e.input_len = strlen(e.input);
	e.result = "true";
	e.result_len = 4;
	e.allowed = 1;
	e.revision = "r1";
	e.latency_ns = 1200;
	e.remote_addr = "127.0.0.1";
	e.spiffe_id = "spiffe://corp/agent/returns";
	expect_same(core, &e,
	    "{\"decision_id\":\"d-1\",\"path\":\"rbac/allow\",\"input\":{\"user\":\"agent \\\"7\\\"\","
	    "\"n\":[1,-2.25,true],\"u\":\"\\u00e9\\n\"},\"allowed\":true,\"result\":true,"
	    "\"revision\":\"r1\",\"latency_ns\":1200,\"caller\":{\"remote_address\":\"127.0.0.1\","
	    "\"spiffe_id\":\"spiffe://corp/agent/returns\"}}",
	    WRIT_DECISION_INPUT_FULL);
	/* An object result that says nothing of allowed, no caller, input left out. */
	e.result = "{\"headers\":{\"x\":\"1\"}}";
	e.result_len = strlen(e.result);
	e.allowed = -1;
	e.remote_addr = NULL;
	e.spiffe_id = NULL;
	expect_same(core, &e,
	    "{\"decision_id\":\"d-1\",\"path\":\"rbac/allow\",\"input\":{},"
	    "\"result\":{\"headers\":{\"x\":\"1\"}},\"revision\":\"r1\",\"latency_ns\":1200,"
	    "\"caller\":{}}",
	    WRIT_DECISION_INPUT_NONE);
	/* An error: no result; its message escaped. */
	e.result = NULL;
	e.input = NULL;
	e.error_code = "eval_conflict_error";
	e.error_message = "complete rules \"must\" not\nconflict";
	expect_same(core, &e,
	    "{\"decision_id\":\"d-1\",\"path\":\"rbac/allow\",\"error\":{\"code\":"
	    "\"eval_conflict_error\",\"message\":\"complete rules \\\"must\\\" not\\nconflict\"},"
	    "\"revision\":\"r1\",\"latency_ns\":1200,\"caller\":{}}",
	    WRIT_DECISION_INPUT_FULL);
	e.error_code = NULL;

	/* What the general path must take: nothing written. */
	e.result = "true";
	e.result_len = 4;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		e.input = refused[i];
		e.input_len = strlen(refused[i]);
		assert_int_equal(writ_core_audit_decision_text(core, &e, WRIT_DECISION_INPUT_FULL, seqs, &err),
		    WRIT_EUNSUPPORTED);
		assert_int_equal(seqs[0], 0);
		/* ... unless the input is left out. */
		assert_int_equal(writ_core_audit_decision_text(core, &e, WRIT_DECISION_INPUT_NONE, seqs, &err),
		    WRIT_OK);
	}
	e.input = "{\"a\":1}";
	e.input_len = 7;
	assert_int_equal(writ_core_audit_decision_text(core, &e, WRIT_DECISION_INPUT_HMAC, seqs, &err),
	    WRIT_EUNSUPPORTED);
	big = malloc(WRIT_AUDIT_LINE_MAX + 16);
	assert_non_null(big);
	memset(big, ' ', WRIT_AUDIT_LINE_MAX + 15);
	memcpy(big, "[\"", 2);
	memcpy(big + WRIT_AUDIT_LINE_MAX + 13, "\"]", 2);
	e.input = big;
	e.input_len = WRIT_AUDIT_LINE_MAX + 15;
	assert_int_equal(writ_core_audit_decision_text(core, &e, WRIT_DECISION_INPUT_FULL, seqs, &err),
	    WRIT_EUNSUPPORTED);
	free(big);
	writ_core_free(core);

	/* Pairs of lines that agree but for the time; then the five input-less ones. */
	all = read_decisions(logpath);
	n = json_array_size(all);
	assert_int_equal(n, 6 + sizeof(refused) / sizeof(refused[0]));
	for (i = 0; i < 6; i += 2) {
		a = json_array_get(all, i);
		b = json_array_get(all, i + 1);
		json_object_del(a, "time");
		json_object_del(b, "time");
		json_object_del(a, "seq");
		json_object_del(b, "seq");
		json_object_del(a, "prev");
		json_object_del(b, "prev");
		if (!json_equal(a, b)) {
			char *ta = json_dumps(a, JSON_COMPACT), *tb = json_dumps(b, JSON_COMPACT);

			fail_msg("text path wrote %s, general path %s", ta, tb);
		}
	}
	for (; i < n; i++)
		assert_null(json_object_get(json_object_get(json_array_get(all, i), "decision"), "input"));
	json_decref(all);
	unlink(logpath);
	snprintf(logpath + strlen(logpath), sizeof(logpath) - strlen(logpath), ".pub");
	unlink(logpath);
	fx_store_close(s, dbpath);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mask),
	    cmocka_unit_test(test_audit),
	    cmocka_unit_test(test_audit_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
