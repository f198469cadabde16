/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target for Envoy ext_authz messages (lib/policy/envoy_*.c).  The first
 * byte picks the path:
 *
 *   even  the rest is a serialized CheckRequest: writ_envoy_input must return
 *         one of its documented codes, and on success the document must be
 *         JSON the Rego engine accepts as input (rego_json_parse, the parser
 *         evaluation uses) and the same on a second run;
 *   odd   the rest is a decision (JSON text): writ_envoy_response must return
 *         one of its codes, and on success the bytes must decode as a
 *         CheckResponse whose status agrees with the verdict.
 *
 * The limits are small so that the depth and size checks are reached.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envoy/service/auth/v3/external_auth.pb-c.h"
#include "rego/value.h"
#include "writ/base.h"
#include "writ/envoy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct writ_envoy_opts opts = {.max_input = 1u << 20, .max_depth = 16};

static void
check_input(const uint8_t *msg, size_t len)
{
	struct writ_arena *a = writ_arena_new(32u << 20, 0);
	struct writ_buf b1, b2;
	struct writ_err err = {0};
	const struct rego_val *v;
	writ_rc rc, rc2;

	if (a == NULL)
		abort();
	writ_buf_init(&b1, 0);
	writ_buf_init(&b2, 0);
	rc = writ_envoy_input(msg, len, &opts, a, &b1, &err);
	if (rc != WRIT_OK && rc != WRIT_EPARSE && rc != WRIT_EINVAL && rc != WRIT_ELIMIT)
		abort();
	if (rc != WRIT_OK && (b1.len != 0 || err.msg[0] == '\0'))
		abort(); /* a failure leaves nothing behind and says why */
	if (rc == WRIT_OK && rego_json_parse(a, b1.ptr, b1.len, NULL, &v, &err) != WRIT_OK)
		abort();
	writ_arena_reset(a);
	rc2 = writ_envoy_input(msg, len, &opts, a, &b2, &err);
	if (rc2 != rc || b1.len != b2.len || (b1.len > 0 && memcmp(b1.ptr, b2.ptr, b1.len) != 0))
		abort();
	writ_buf_free(&b1);
	writ_buf_free(&b2);
	writ_arena_free(a);
}

static void
check_response(const uint8_t *decision, size_t len)
{
	struct writ_arena *a = writ_arena_new(32u << 20, 0);
	struct writ_envoy_verdict v;
	struct writ_buf b;
	struct writ_err err = {0};
	Envoy__Service__Auth__V3__CheckResponse *r;
	writ_rc rc;

	if (a == NULL)
		abort();
	writ_buf_init(&b, 0);
	rc = writ_envoy_response((const char *)decision, len, &opts, "id", a, &b, &v, &err);
	if (rc != WRIT_OK && rc != WRIT_EINVAL && rc != WRIT_ELIMIT)
		abort();
	if (rc == WRIT_OK) {
		r = envoy__service__auth__v3__check_response__unpack(
		    NULL, b.len, (const uint8_t *)b.ptr);
		if (r == NULL || r->status == NULL || (r->status->code == 0) != v.allowed)
			abort();
		envoy__service__auth__v3__check_response__free_unpacked(r, NULL);
	}
	writ_buf_free(&b);
	writ_arena_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		check_input(data + 1, size - 1);
	else
		check_response(data + 1, size - 1);
	return 0;
}
