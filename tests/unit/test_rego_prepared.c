/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of prepared Rego queries (writ_rego_prepare,
 * writ_rego_eval_prepared): one prepared query reused across many inputs
 * with one result buffer, the same answers as writ_rego_eval, use from
 * several threads at once, errors at preparation and at evaluation (result
 * left as it was), limits enforced per decision although the thread's
 * arena is reused, no allocation per decision once warm, the thread's
 * cache of resolved call sites (with `with`, and across bundles), and
 * allocation failures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "writ/base.h"
#include "writ/rego.h"

#include "support/rego_fx.h"

static const char *const rbac_mod = "package rbac\n"
                                    "import rego.v1\n"
                                    "default allow := false\n"
                                    "allow if {\n"
                                    "\tsome role in data.bindings[input.user]\n"
                                    "\tsome grant in data.roles[role]\n"
                                    "\tgrant.action == input.action\n"
                                    "}\n"
                                    "roles_of contains r if some r in data.bindings[input.user]\n";

static const char *const rbac_data =
    "{\"bindings\":{\"alice\":[\"admin\"],\"bob\":[\"reader\"]},"
    "\"roles\":{\"admin\":[{\"action\":\"read\"},{\"action\":\"write\"}],"
    "\"reader\":[{\"action\":\"read\"}]}}";

static struct writ_rego_prepared *
prepare1(const struct writ_rego_bundle *b, const char *query)
{
	struct writ_rego_prepared *p = NULL;
	struct writ_rego_error err;
	char msg[1024];

	if (writ_rego_prepare(b, query, &p, &err) != WRIT_OK) {
		writ_rego_error_format(&err, msg, sizeof(msg));
		fail_msg("prepare %s: %s", query, msg);
	}
	return p;
}

/* Evaluate p with input (JSON) into out, after resetting it. */
static writ_rc
run(const struct writ_rego_prepared *p, const char *input, const struct writ_rego_limits *lim,
    struct writ_buf *out, struct writ_rego_error *err)
{
	struct writ_rego_eval_opts o = {0};

	o.input_json = input;
	o.input_len = input != NULL ? strlen(input) : 0;
	if (lim != NULL)
		o.limits = *lim;
	writ_buf_reset(out);
	return writ_rego_eval_prepared(p, &o, out, err);
}

struct rbac_case {
	const char *input;
	const char *want; /* a substring of the result */
};

static const struct rbac_case rbac_cases[] = {
    {"{\"user\":\"alice\",\"action\":\"write\"}", "\"value\":true"},
    {"{\"user\":\"bob\",\"action\":\"write\"}", "\"value\":false"},
    {"{\"user\":\"bob\",\"action\":\"read\"}", "\"value\":true"},
    {"{\"user\":\"carol\",\"action\":\"read\"}", "\"value\":false"},
    {"{}", "\"value\":false"},
};
#define NCASES (sizeof(rbac_cases) / sizeof(rbac_cases[0]))

/* ---------------------------------------------------------------------------
 * Reuse.
 */

/* Many inputs through one prepared query and one buffer: the answers of writ_rego_eval. */
static void
test_reuse(void **state)
{
	struct writ_rego_bundle *b = fx_rego_compile(rbac_mod, rbac_data);
	struct writ_rego_prepared *p = prepare1(b, "data.rbac.allow");
	struct writ_rego_prepared *q = prepare1(b, "x := data.rbac.roles_of; y = 1");
	struct writ_rego_error err;
	struct writ_buf out, ref;
	size_t i;

	(void)state;
	writ_buf_init(&out, 0);
	writ_buf_init(&ref, 0);
	for (i = 0; i < 2000; i++) {
		const struct rbac_case *c = &rbac_cases[i % NCASES];
		struct writ_rego_eval_opts o = {.query = "data.rbac.allow", .input_json = c->input};

		assert_int_equal(run(p, c->input, NULL, &out, &err), WRIT_OK);
		assert_non_null(strstr(out.ptr, c->want));
		if (i < NCASES) {
			o.input_len = strlen(c->input);
			writ_buf_reset(&ref);
			assert_int_equal(writ_rego_eval(b, &o, &ref, &err), WRIT_OK);
			assert_string_equal(out.ptr, ref.ptr);
		}
	}
	assert_int_equal(run(q, rbac_cases[0].input, NULL, &out, &err), WRIT_OK);
	assert_string_equal(out.ptr,
	    "[{\"expressions\":[{\"value\":true,\"text\":\"x := data.rbac.roles_of\","
	    "\"location\":{\"row\":1,\"col\":1}},{\"value\":true,\"text\":\"y = 1\","
	    "\"location\":{\"row\":1,\"col\":26}}],\"bindings\":{\"x\":[\"admin\"],\"y\":1}}]");
	/* The result is appended: a caller may collect several. */
	assert_int_equal(
	    writ_rego_eval_prepared(p, &(struct writ_rego_eval_opts){0}, &out, &err), WRIT_OK);
	assert_non_null(strstr(out.ptr, "}}][{\"expressions\""));
	writ_buf_free(&out);
	writ_buf_free(&ref);
	writ_rego_prepared_free(q);
	writ_rego_prepared_free(p);
	writ_rego_bundle_free(b);
}

/* Once a thread is warm, a decision allocates nothing from the heap. */
static void
test_no_alloc(void **state)
{
	struct writ_rego_bundle *b = fx_rego_compile(rbac_mod, rbac_data);
	struct writ_rego_prepared *p = prepare1(b, "data.rbac.allow");
	struct writ_rego_error err;
	struct writ_buf out;
	uint64_t a0;
	int i;

	(void)state;
	writ_buf_init(&out, 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(run(p, rbac_cases[i % NCASES].input, NULL, &out, &err), WRIT_OK);
	a0 = writ_alloc_count();
	for (i = 0; i < 100; i++)
		assert_int_equal(run(p, rbac_cases[i % NCASES].input, NULL, &out, &err), WRIT_OK);
	assert_int_equal(writ_alloc_count() - a0, 0);
	writ_buf_free(&out);
	writ_rego_prepared_free(p);
	writ_rego_bundle_free(b);
}

/*
 * A thread caches what each call site of a bundle's rules resolves to: a
 * `with` replacement must still win over it, and a bundle compiled after
 * another is freed (perhaps at the same addresses) must resolve afresh.
 */
static void
test_call_cache(void **state)
{
	static const char *const mods[] = {
	    "package a\nf(x) := x + 1\np := f(1)\nq := count([1, 2, 3])\n",
	    "package a\nf(x) := x * 10\np := f(1)\nq := count([1])\n",
	    "package a\nf(x, y) := x - y\np := f(1, 5)\nq := abs(-4)\n",
	};
	static const char *const want[] = {"\"x\":[2,3]", "\"x\":[10,1]", "\"x\":[-4,4]"};
	struct writ_rego_error err;
	struct writ_buf out;
	size_t i;
	int k;

	(void)state;
	writ_buf_init(&out, 0);
	for (k = 0; k < 20; k++) {
		for (i = 0; i < 3; i++) {
			struct writ_rego_bundle *b = fx_rego_compile(mods[i], NULL);
			struct writ_rego_prepared *p = prepare1(b, "x := [data.a.p, data.a.q]");
			struct writ_rego_prepared *w =
			    prepare1(b, "x := [data.a.p, data.a.q] with count as 7");

			assert_int_equal(run(p, NULL, NULL, &out, &err), WRIT_OK);
			assert_non_null(strstr(out.ptr, want[i]));
			if (i < 2) {
				assert_int_equal(run(w, NULL, NULL, &out, &err), WRIT_OK);
				assert_non_null(strstr(out.ptr, ",7]"));
				assert_int_equal(run(p, NULL, NULL, &out, &err), WRIT_OK);
				assert_non_null(strstr(out.ptr, want[i]));
			}
			writ_rego_prepared_free(w);
			writ_rego_prepared_free(p);
			writ_rego_bundle_free(b);
		}
	}
	writ_buf_free(&out);
}

/* ---------------------------------------------------------------------------
 * Threads.
 */

struct thr {
	const struct writ_rego_prepared *p;
	int id;
	int ok;
};

static void *
thr_main(void *arg)
{
	struct thr *t = arg;
	struct writ_rego_error err;
	struct writ_buf out;
	int i;

	writ_buf_init(&out, 0);
	for (i = 0; i < 500; i++) {
		const struct rbac_case *c = &rbac_cases[(size_t)(i + t->id) % NCASES];

		if (run(t->p, c->input, NULL, &out, &err) == WRIT_OK &&
		    strstr(out.ptr, c->want) != NULL)
			t->ok++;
	}
	writ_buf_free(&out);
	return NULL;
}

static void
test_threads(void **state)
{
	struct writ_rego_bundle *b = fx_rego_compile(rbac_mod, rbac_data);
	struct writ_rego_prepared *p = prepare1(b, "data.rbac.allow");
	pthread_t th[4];
	struct thr t[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		t[i] = (struct thr){p, i, 0};
		assert_int_equal(pthread_create(&th[i], NULL, thr_main, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].ok, 500);
	}
	writ_rego_prepared_free(p);
	writ_rego_bundle_free(b);
}

/* ---------------------------------------------------------------------------
 * Errors.
 */

static void
test_prepare_errors(void **state)
{
	struct writ_rego_bundle *b = fx_rego_compile(rbac_mod, rbac_data);
	struct writ_rego_prepared *p = (struct writ_rego_prepared *)&p;
	struct writ_rego_error err;

	(void)state;
	assert_int_not_equal(writ_rego_prepare(b, "data.rbac.allow = = 1", &p, &err), WRIT_OK);
	assert_string_equal(err.code, "rego_parse_error");
	assert_string_equal(err.file, "query");
	assert_int_not_equal(writ_rego_prepare(b, "x > 1", &p, &err), WRIT_OK);
	assert_string_equal(err.code, "rego_unsafe_var_error");
	assert_int_equal(writ_rego_prepare(NULL, "true", &p, &err), WRIT_EINVAL);
	assert_int_equal(writ_rego_prepare(b, NULL, &p, &err), WRIT_EINVAL);
	assert_ptr_equal(p, (struct writ_rego_prepared *)&p); /* unchanged on failure */
	writ_rego_prepared_free(NULL);
	writ_rego_bundle_free(b);
}

static void
test_eval_errors(void **state)
{
	struct writ_rego_bundle *b =
	    fx_rego_compile("package c\np := 1 if input.x\np := 2 if input.y\n", NULL);
	struct writ_rego_prepared *p = prepare1(b, "data.c.p");
	struct writ_rego_eval_opts o = {0};
	struct writ_rego_error err;
	struct writ_buf out;

	(void)state;
	writ_buf_init(&out, 0);
	assert_int_equal(writ_buf_appends(&out, "kept"), WRIT_OK);
	o.input_json = "{\"x\":true,\"y\":true}";
	o.input_len = strlen(o.input_json);
	assert_int_equal(writ_rego_eval_prepared(p, &o, &out, &err), WRIT_EINVAL);
	assert_string_equal(err.code, "eval_conflict_error");
	assert_string_equal(out.ptr, "kept");
	o.input_json = "{\"x\":";
	o.input_len = strlen(o.input_json);
	assert_int_not_equal(writ_rego_eval_prepared(p, &o, &out, &err), WRIT_OK);
	assert_string_equal(err.code, "invalid_input");
	assert_string_equal(out.ptr, "kept");
	assert_int_equal(writ_rego_eval_prepared(NULL, &o, &out, &err), WRIT_EINVAL);
	assert_int_equal(writ_rego_eval_prepared(p, NULL, &out, &err), WRIT_EINVAL);
	/* And the next decision is not affected. */
	o.input_json = "{\"y\":true}";
	o.input_len = strlen(o.input_json);
	writ_buf_reset(&out);
	assert_int_equal(writ_rego_eval_prepared(p, &o, &out, &err), WRIT_OK);
	assert_non_null(strstr(out.ptr, "\"value\":2"));
	writ_buf_free(&out);
	writ_rego_prepared_free(p);
	writ_rego_bundle_free(b);
}

/* ---------------------------------------------------------------------------
 * Limits, per decision.
 */

static void
test_limits(void **state)
{
	const char *mod = "package a\nxs := [i | some i in numbers.range(0, input.n)]\n"
	                  "p := [[a, b, c] | some a in xs; some b in xs; some c in xs]\n"
	                  "q := count(p)\n";
	struct writ_rego_bundle *b = fx_rego_compile(mod, NULL);
	struct writ_rego_prepared *p = prepare1(b, "data.a.q");
	struct writ_rego_limits small = {.max_bytes = 64 << 10};
	struct writ_rego_limits steps = {.max_steps = 3000};
	struct writ_rego_error err;
	struct writ_buf out;
	int i;

	(void)state;
	writ_buf_init(&out, 0);
	for (i = 0; i < 20; i++) {
		/* Over the memory cap, whatever the previous decisions left in the arena. */
		assert_int_equal(run(p, "{\"n\":40}", &small, &out, &err), WRIT_ELIMIT);
		assert_string_equal(err.code, "eval_cancel_error");
		assert_non_null(strstr(err.message, "memory"));
		/* A decision within the cap passes, after one that was over it. */
		assert_int_equal(run(p, "{\"n\":2}", &small, &out, &err), WRIT_OK);
		assert_non_null(strstr(out.ptr, "\"value\":27"));
		/* No cap: the big decision passes, and grows the thread's arena. */
		assert_int_equal(run(p, "{\"n\":40}", NULL, &out, &err), WRIT_OK);
		assert_non_null(strstr(out.ptr, "\"value\":68921"));
	}
	/* Steps are counted per decision: many small ones under a small limit. */
	for (i = 0; i < 200; i++)
		assert_int_equal(run(p, "{\"n\":2}", &steps, &out, &err), WRIT_OK);
	assert_int_equal(run(p, "{\"n\":40}", &steps, &out, &err), WRIT_ELIMIT);
	assert_non_null(strstr(err.message, "step"));
	writ_buf_free(&out);
	writ_rego_prepared_free(p);
	writ_rego_bundle_free(b);
}

/* Allocation failures in prepare and in a prepared evaluation: clean errors. */
static void
test_faults(void **state)
{
	struct writ_rego_bundle *b = fx_rego_compile(rbac_mod, rbac_data);
	long n;

	(void)state;
	for (n = 1; n < 5000; n++) {
		struct writ_rego_prepared *p = NULL;
		struct writ_rego_error err;
		struct writ_buf out;
		bool fired;
		writ_rc rc;

		writ_buf_init(&out, 0);
		writ_fault_set(n);
		rc = writ_rego_prepare(b, "x := data.rbac.roles_of", &p, &err);
		if (rc == WRIT_OK)
			rc = run(p, rbac_cases[0].input, NULL, &out, &err);
		fired = writ_fault_fired();
		writ_fault_set(0);
		if (rc != WRIT_OK)
			assert_true(rc == WRIT_ENOMEM || rc == WRIT_ELIMIT);
		writ_buf_free(&out);
		writ_rego_prepared_free(p);
		if (!fired) {
			assert_int_equal(rc, WRIT_OK);
			break;
		}
	}
	assert_true(n < 5000);
	writ_rego_bundle_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reuse),
	    cmocka_unit_test(test_no_alloc),
	    cmocka_unit_test(test_call_cache),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_prepare_errors),
	    cmocka_unit_test(test_eval_errors),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
