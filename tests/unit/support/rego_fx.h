/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixture shared by the Rego unit tests: one arena per test case (rfx_setup,
 * rfx_teardown), JSON constants parsed into it, and compiling a module or
 * failing the test.
 */
#ifndef WRIT_TESTS_SUPPORT_REGO_FX_H
#define WRIT_TESTS_SUPPORT_REGO_FX_H

#include <stddef.h>

#include "writ/base.h"
#include "writ/rego.h"
#include "rego/value.h"

/* The running test's arena (NULL outside a test). */
extern struct writ_arena *rfx_arena;

/* cmocka setup and teardown: create and free rfx_arena; 0 on success. */
int rfx_setup(void **state);
int rfx_teardown(void **state);

/* The JSON text (s, len) as a value in rfx_arena; the test fails when it does not parse. */
const struct rego_val *rfx_json(const char *s, size_t len);

/*
 * Compile one module mod (none when NULL) with data (JSON text, none when
 * NULL) into a bundle the caller frees with writ_rego_bundle_free; a compile
 * error fails the test with its formatted message.
 */
struct writ_rego_bundle *fx_rego_compile(const char *mod, const char *data);

#endif /* WRIT_TESTS_SUPPORT_REGO_FX_H */
