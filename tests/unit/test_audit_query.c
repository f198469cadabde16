/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the audit query filter (writ_audit_filter_match) and its
 * time bounds (writ_audit_time_bound): each criterion alone and together,
 * identities found anywhere in "auth" or "caller" but not in a request's
 * data, decisions and refused responses as outcomes, time bounds in every
 * accepted form and the malformed ones refused, and lines that are not
 * objects matching nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "writ/audit.h"
#include "writ/base.h"

static const char req_root[] =
    "{\"seq\":2,\"prev\":\"x\",\"time\":\"2026-11-23T10:00:00.000000001Z\",\"type\":\"request\","
    "\"auth\":{\"accessor\":\"hmac-sha256:aa\",\"display_name\":\"root\",\"policies\":[\"root\"],"
    "\"metadata\":{}},\"request\":{\"id\":\"r-1\",\"operation\":\"read\",\"path\":\"secret/data/"
    "app\",\"remote_address\":\"10.0.0.9\",\"client_token\":\"hmac-sha256:tt\"}}";

static const char resp_denied[] =
    "{\"seq\":5,\"prev\":\"x\",\"time\":\"2026-11-23T11:30:00.000000000Z\",\"type\":\"response\","
    "\"auth\":{\"display_name\":\"token-agent-7\",\"metadata\":{\"task\":\"returns\"}},"
    "\"request\":{\"id\":\"r-2\",\"path\":\"secret/data/payroll\",\"remote_address\":\"127.0.0.1\","
    "\"data\":{\"note\":\"spiffe://corp/agent/x\"}},\"response\":{},\"error\":\"permission denied\"}";

static const char decision_allow[] =
    "{\"seq\":9,\"prev\":\"x\",\"time\":\"2026-11-24T00:00:00.000000000Z\",\"type\":\"decision\","
    "\"caller\":{\"spiffe_id\":\"spiffe://corp/agent/returns\",\"sub\":\"partner-1\"},"
    "\"decision\":{\"decision_id\":\"d-1\",\"path\":\"envoy/authz/allow\",\"allowed\":true}}";

static bool
match(const struct writ_audit_filter *f, const char *line)
{
	return writ_audit_filter_match(f, line, strlen(line));
}

static void
test_types_paths(void **state)
{
	const char *types[] = {"response", "decision"};
	struct writ_audit_filter f = {.outcome = -1};

	(void)state;
	assert_true(match(&f, req_root)); /* no criteria: everything */
	f.types = types;
	f.ntypes = 2;
	assert_false(match(&f, req_root));
	assert_true(match(&f, resp_denied));
	assert_true(match(&f, decision_allow));
	f.ntypes = 0;
	f.path = "secret/*";
	assert_true(match(&f, req_root));
	assert_true(match(&f, resp_denied));
	assert_false(match(&f, decision_allow));
	f.path = "/secret/data/app";
	assert_true(match(&f, req_root));
	assert_false(match(&f, resp_denied));
	f.path = "envoy/authz/allow";
	assert_true(match(&f, decision_allow));
	f.path = "secret/data/ap"; /* exact unless it ends in * */
	assert_false(match(&f, req_root));
}

static void
test_identity(void **state)
{
	struct writ_audit_filter f = {.outcome = -1};

	(void)state;
	f.identity = "root";
	assert_true(match(&f, req_root));
	assert_false(match(&f, resp_denied));
	f.identity = "hmac-sha256:aa"; /* the accessor's HMAC */
	assert_true(match(&f, req_root));
	f.identity = "hmac-sha256:tt"; /* the token's HMAC */
	assert_true(match(&f, req_root));
	f.identity = "10.0.0.9";
	assert_true(match(&f, req_root));
	f.identity = "returns"; /* a metadata value */
	assert_true(match(&f, resp_denied));
	f.identity = "spiffe://corp/agent/returns";
	assert_true(match(&f, decision_allow));
	f.identity = "partner-1";
	assert_true(match(&f, decision_allow));
	/* A string in the request's data is not an identity. */
	f.identity = "spiffe://corp/agent/x";
	assert_false(match(&f, resp_denied));
	f.identity = "agent";
	assert_false(match(&f, decision_allow)); /* whole values only */
	f.identity = NULL;
	f.request_id = "r-2";
	assert_true(match(&f, resp_denied));
	assert_false(match(&f, req_root));
	f.request_id = "d-1";
	assert_true(match(&f, decision_allow));
}

static void
test_outcome(void **state)
{
	struct writ_audit_filter f = {.outcome = 0};

	(void)state;
	assert_true(match(&f, resp_denied));
	assert_false(match(&f, decision_allow));
	assert_false(match(&f, req_root)); /* a request entry has no outcome */
	f.outcome = 1;
	assert_false(match(&f, resp_denied));
	assert_true(match(&f, decision_allow));
}

static void
test_time(void **state)
{
	struct writ_audit_filter f = {.outcome = -1};
	int64_t t;

	(void)state;
	assert_int_equal(writ_audit_time_bound("2026-11-23T11:00:00Z", 0, &f.since_ns), WRIT_OK);
	assert_true(f.since_ns == (int64_t)1795431600 * 1000000000);
	assert_false(match(&f, req_root));
	assert_true(match(&f, resp_denied));
	assert_int_equal(writ_audit_time_bound("2026-11-24", 0, &f.until_ns), WRIT_OK);
	assert_true(match(&f, resp_denied));
	assert_false(match(&f, decision_allow)); /* until is exclusive */
	/* An entry's time without a fraction (writ_time_rfc3339 at a whole second). */
	assert_true(match(&f, "{\"time\":\"2026-11-23T11:00:00Z\"}"));
	assert_false(match(&f, "{\"time\":\"2026-11-23T10:59:59.999999999Z\"}"));
	assert_false(match(&f, "{\"time\":\"soon\"}"));
	assert_false(match(&f, "{}"));
	/* An offset, and a fraction. */
	assert_int_equal(writ_audit_time_bound("2026-11-23T12:30:00.5+01:00", 0, &t), WRIT_OK);
	assert_true(t == (int64_t)1795433400 * 1000000000 + 500000000);
	assert_int_equal(writ_audit_time_bound("2026-11-23T00:15:00-01:30", 0, &t), WRIT_OK);
	assert_true(t == (int64_t)1795398300 * 1000000000);
	/* A duration before now. */
	assert_int_equal(writ_audit_time_bound("1h", 1795424400, &t), WRIT_OK);
	assert_true(t == (int64_t)1795420800 * 1000000000);
	/* Refused. */
	assert_int_equal(writ_audit_time_bound("yesterday", 0, &t), WRIT_EINVAL);
	assert_int_equal(writ_audit_time_bound("2026-13-01", 0, &t), WRIT_EINVAL);
	assert_int_equal(writ_audit_time_bound("2026-11-23T25:00:00Z", 0, &t), WRIT_EINVAL);
	assert_int_equal(writ_audit_time_bound("2026-11-23T10:00:00", 0, &t), WRIT_EINVAL);
	assert_int_equal(writ_audit_time_bound("2026-11-23T10:00:00.Z", 0, &t), WRIT_EINVAL);
	assert_int_equal(writ_audit_time_bound("2026-11-23x", 0, &t), WRIT_EINVAL);
	assert_int_equal(writ_audit_time_bound("", 0, &t), WRIT_EINVAL);
	assert_int_equal(writ_audit_time_bound("9999-12-31", 0, &t), WRIT_EINVAL); /* past 2262 */
	assert_int_equal(writ_audit_time_bound("1h", 60, &t), WRIT_EINVAL); /* before 1970 */
}

static void
test_bad_lines(void **state)
{
	struct writ_audit_filter f = {.outcome = -1};

	(void)state;
	assert_false(match(&f, ""));
	assert_false(match(&f, "[1,2]"));
	assert_false(match(&f, "{\"type\":"));
	assert_false(match(&f, "{\"a\":1,\"a\":2}")); /* duplicate keys */
	assert_true(match(&f, "{}"));
	f.path = "x";
	assert_false(match(&f, "{\"request\":{\"path\":7}}"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_types_paths),
	    cmocka_unit_test(test_identity),
	    cmocka_unit_test(test_outcome),
	    cmocka_unit_test(test_time),
	    cmocka_unit_test(test_bad_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
