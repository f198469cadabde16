/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the core builtin families (lib/rego/builtins/): hand-written
 * checks of behaviour the conformance cases do not reach (sprintf verbs,
 * regex translation and limits, JSON Schema keywords, limits on input-driven
 * sizes), and a replay of OPA's conformance cases whose policy is a straight
 * line of builtin calls over constants.  Those cases are extracted by
 * scripts/rego_builtin_cases.py at build time (into the build directory, $WRIT_REGO_BUILTIN_CASES)
 * (steps of calls and bindings, and the rule head); this file runs the steps
 * against the registry and compares the outcome with want_result (through
 * JSON, as OPA's runner does) or with want_error_code and want_error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "writ/base.h"
#include "rego/builtin.h"
#include "rego/value.h"
#include "support/rego_fx.h"

/* time.now_ns() of a query: the wall clock, as OPA's runner has it. */
static int64_t
now_ns(void)
{
	int64_t sec;
	long nsec;

	writ_time_now_ns(&sec, &nsec);
	return sec * 1000000000LL + nsec;
}

/* now_ns() read once for the case being replayed: one query sees one time. */
static int64_t case_now_ns;

/* Each test's arena, made and freed by rfx_setup and rfx_teardown. */
#define A rfx_arena

static const struct rego_val *
J(const char *s)
{
	return rfx_json(s, strlen(s));
}

/* JSON text of v in a static buffer (valid until the next call). */
static const char *
JS(const struct rego_val *v)
{
	static char out[4][8192];
	static int k;
	struct writ_buf b;
	struct writ_err err = {0};

	k = (k + 1) % 4;
	writ_buf_init(&b, 0);
	if (rego_json_write(&b, v, NULL, &err) != WRIT_OK)
		snprintf(out[k], sizeof(out[k]), "<unprintable>");
	else
		snprintf(out[k], sizeof(out[k]), "%s", b.ptr);
	writ_buf_free(&b);
	return out[k];
}

/* Call builtin name on args; returns the outcome and fills *out or e. */
static enum rego_bres
call(const char *name, const struct rego_val *const *args, unsigned nargs,
    const struct rego_val **out, struct writ_rego_error *e, bool strict)
{
	const struct rego_builtin *b = rego_builtin_lookup(name, strlen(name));
	struct rego_bctx c = {
	    .arena = A, .name = name, .now_ns = now_ns(), .strict = strict, .err = e};

	memset(e, 0, sizeof(*e));
	if (b == NULL)
		fail_msg("no builtin %s", name);
	if (b->nargs != nargs)
		fail_msg("%s takes %u operands, not %u", name, b->nargs, nargs);
	*out = NULL;
	return b->fn(&c, args, out);
}

/* Call with JSON operands separated by '\x1f' (JSON has no raw control bytes). */
static enum rego_bres
callj(const char *name, const char *jargs, const struct rego_val **out,
    struct writ_rego_error *e)
{
	const struct rego_val *args[8];
	char buf[4096], *p = buf, *sep;
	unsigned n = 0;

	snprintf(buf, sizeof(buf), "%s", jargs);
	while (p != NULL && *p != '\0' && n < 8) {
		sep = strchr(p, '\x1f');
		if (sep != NULL)
			*sep = '\0';
		args[n++] = J(p);
		p = sep != NULL ? sep + 1 : NULL;
	}
	return call(name, args, n, out, e, true);
}

/* Expect name(args) == JSON want. */
static void
expect_json(const char *name, const char *jargs, const char *want)
{
	const struct rego_val *out;
	struct writ_rego_error e;
	enum rego_bres r = callj(name, jargs, &out, &e);

	if (r == REGO_B_ERR)
		fail_msg("%s(%s): error %s: %s", name, jargs, e.code, e.message);
	if (r == REGO_B_UNDEF)
		fail_msg("%s(%s): undefined, want %s", name, jargs, want);
	if (!rego_equal(J(JS(out)), J(want)))
		fail_msg("%s(%s) = %s, want %s", name, jargs, JS(out), want);
}

/* Expect name(args) to fail with code and a message containing msg. */
static void
expect_err(const char *name, const char *jargs, const char *code, const char *msg)
{
	const struct rego_val *out;
	struct writ_rego_error e;
	enum rego_bres r = callj(name, jargs, &out, &e);

	if (r != REGO_B_ERR)
		fail_msg("%s(%s): no error (%s)", name, jargs,
		    r == REGO_B_OK ? JS(out) : "undefined");
	if (strcmp(e.code, code) != 0 || strstr(e.message, msg) == NULL)
		fail_msg("%s(%s): %s: %s; want %s: %s", name, jargs, e.code, e.message, code, msg);
}

static void
expect_undef(const char *name, const char *jargs)
{
	const struct rego_val *out;
	struct writ_rego_error e;
	enum rego_bres r = callj(name, jargs, &out, &e);

	if (r != REGO_B_UNDEF)
		fail_msg("%s(%s): want undefined, got %s", name, jargs,
		    r == REGO_B_OK ? JS(out) : e.message);
}

#define S "\x1f"

#include "test_rego_builtins_cases.h"

/* ---------------------------------------------------------------------------
 * Replay of the conformance cases.
 */

#define MAX_VARS 32

struct env {
	const char *name[MAX_VARS];
	size_t len[MAX_VARS];
	const struct rego_val *val[MAX_VARS];
	size_t n;
};

enum outcome { O_VALUE, O_UNDEF, O_ERROR, O_SKIP };

static const struct rego_val *
env_get(const struct env *env, const struct rego_val *name)
{
	size_t i;

	for (i = 0; i < env->n; i++)
		if (env->len[i] == name->len && memcmp(env->name[i], name->u.s, name->len) == 0)
			return env->val[i];
	return NULL;
}

static void
env_set(struct env *env, const struct rego_val *name, const struct rego_val *v)
{
	assert_true(env->n < MAX_VARS);
	env->name[env->n] = name->u.s;
	env->len[env->n] = name->len;
	env->val[env->n++] = v;
}

/* The variable name a tagged term stands for, or NULL. */
static const struct rego_val *
term_var(const struct rego_val *t)
{
	if (t->type == REGO_OBJECT && t->len == 1)
		return rego_object_get_str(t, "$var", 4);
	return NULL;
}

/* A tagged term's value; NULL if it has an unbound variable. */
static const struct rego_val *
term_val(const struct rego_val *t, const struct env *env)
{
	struct rego_builder b;
	const struct rego_val *x, *v, *k;
	struct writ_err err;
	size_t i;

	if (t->type == REGO_ARRAY) {
		const struct rego_val **el = writ_arena_calloc(A, t->len + 1, sizeof(*el));

		for (i = 0; i < t->len; i++)
			if ((el[i] = term_val(t->u.elems[i], env)) == NULL)
				return NULL;
		assert_int_equal(rego_array(A, el, t->len, &v, &err), WRIT_OK);
		return v;
	}
	if (t->type != REGO_OBJECT)
		return t;
	if ((x = term_var(t)) != NULL)
		return env_get(env, x);
	if ((x = rego_object_get_str(t, "$num", 4)) != NULL) {
		assert_int_equal(rego_number_parse(A, x->u.s, x->len, &v, &err), WRIT_OK);
		return v;
	}
	if ((x = rego_object_get_str(t, "$set", 4)) != NULL) {
		rego_builder_init(&b, A, REGO_SET);
		for (i = 0; i < x->len; i++) {
			if ((v = term_val(x->u.elems[i], env)) == NULL)
				return NULL;
			assert_int_equal(rego_builder_push(&b, v, &err), WRIT_OK);
		}
	} else {
		x = rego_object_get_str(t, "$obj", 4);
		assert_non_null(x);
		rego_builder_init(&b, A, REGO_OBJECT);
		for (i = 0; i < x->len; i++) {
			if ((k = term_val(x->u.elems[i]->u.elems[0], env)) == NULL ||
			    (v = term_val(x->u.elems[i]->u.elems[1], env)) == NULL)
				return NULL;
			assert_int_equal(rego_builder_put(&b, k, v, &err), WRIT_OK);
		}
	}
	assert_int_equal(rego_builder_finish(&b, &v, &err), WRIT_OK);
	return v;
}

/* Unify term t with value v: bind a free variable or compare. */
static bool
unify(const struct rego_val *t, const struct rego_val *v, struct env *env)
{
	const struct rego_val *x = term_var(t), *have;

	size_t i;

	if (x != NULL && env_get(env, x) == NULL) {
		env_set(env, x, v);
		return true;
	}
	if (t->type == REGO_ARRAY) {
		if (v->type != REGO_ARRAY || v->len != t->len)
			return false;
		for (i = 0; i < t->len; i++)
			if (!unify(t->u.elems[i], v->u.elems[i], env))
				return false;
		return true;
	}
	have = term_val(t, env);
	return have != NULL && rego_equal(have, v);
}

/* One call step. */
static enum outcome
run_call(const struct rego_val *st, struct env *env, bool strict, struct writ_rego_error *e)
{
	const struct rego_val *name = rego_object_get_str(st, "call", 4);
	const struct rego_val *targs = rego_object_get_str(st, "args", 4);
	const struct rego_val *neg = rego_object_get_str(st, "neg", 3);
	const struct rego_builtin *b = rego_builtin_lookup(name->u.s, name->len);
	const struct rego_val *args[8], *out = NULL;
	struct rego_bctx c = {
	    .arena = A, .name = name->u.s, .now_ns = case_now_ns, .strict = strict, .err = e};
	bool defined;
	unsigned i;
	enum rego_bres r;

	if (b == NULL || targs->len > 8 || (b->nargs != targs->len && b->nargs + 1 != targs->len))
		return O_SKIP;
	for (i = 0; i < b->nargs; i++)
		if ((args[i] = term_val(targs->u.elems[i], env)) == NULL)
			return O_SKIP;
	memset(e, 0, sizeof(*e));
	r = b->fn(&c, args, &out);
	if (r == REGO_B_ERR)
		return O_ERROR;
	if (r == REGO_B_OK && out == NULL)
		fail_msg("%s: OK without a result", name->u.s);
	if (b->nargs + 1 == targs->len)
		defined = r == REGO_B_OK && unify(targs->u.elems[b->nargs], out, env);
	else
		defined = r == REGO_B_OK && !(out->type == REGO_BOOL && !out->u.b);
	if (neg != NULL && neg->u.b)
		defined = !defined;
	return defined ? O_VALUE : O_UNDEF;
}

/* Run a case's steps; *headv gets the head's value on O_VALUE. */
static enum outcome
run_case(const struct rego_val *cs, bool strict, const struct rego_val **headv,
    struct writ_rego_error *e)
{
	const struct rego_val *steps = rego_object_get_str(cs, "steps", 5);
	struct env env = {.n = 0};
	size_t i;

	case_now_ns = now_ns();
	for (i = 0; i < steps->len; i++) {
		const struct rego_val *st = steps->u.elems[i], *bind, *v;
		enum outcome o;

		if ((bind = rego_object_get_str(st, "bind", 4)) != NULL) {
			v = term_val(rego_object_get_str(st, "term", 4), &env);
			if (v == NULL)
				return O_SKIP;
			if (env_get(&env, bind) == NULL)
				env_set(&env, bind, v);
			else if (!rego_equal(env_get(&env, bind), v))
				return O_UNDEF;
			continue;
		}
		if ((o = run_call(st, &env, strict, e)) != O_VALUE)
			return o;
	}
	*headv = term_val(rego_object_get_str(cs, "head", 4), &env);
	return *headv != NULL ? O_VALUE : O_SKIP;
}

/* Does the outcome meet the case's expectation?  why gets a description if not. */
static bool
check_case(const struct rego_val *cs, enum outcome o, const struct rego_val *headv,
    const struct writ_rego_error *e, bool strict, char *why, size_t whylen)
{
	const struct rego_val *want = rego_object_get_str(cs, "want_result", 11);
	const struct rego_val *wcode = rego_object_get_str(cs, "want_error_code", 15);
	const struct rego_val *werr = rego_object_get_str(cs, "want_error", 10);
	const struct rego_val *kind = rego_object_get_str(cs, "kind", 4), *x, *got;
	char full[700];

	snprintf(full, sizeof(full), "%s: %s", e->code, e->message);
	if (wcode != NULL || werr != NULL) {
		if (o != O_ERROR ||
		    (wcode != NULL && strncmp(e->code, wcode->u.s, sizeof(e->code)) != 0) ||
		    (werr != NULL && strstr(full, werr->u.s) == NULL)) {
			snprintf(why, whylen, "want error %s %s; got %s",
			    wcode != NULL ? wcode->u.s : "", werr != NULL ? werr->u.s : "",
			    o == O_ERROR ? full : o == O_UNDEF ? "undefined" : JS(headv));
			return false;
		}
		return true;
	}
	if (want == NULL)
		return false;
	if (want->len == 0) {
		if (o == O_UNDEF || (o == O_ERROR && !strict))
			return true;
		snprintf(why, whylen, "want undefined; got %s", o == O_ERROR ? full : JS(headv));
		return false;
	}
	x = rego_object_get_str(want->u.elems[0], "x", 1);
	if (o != O_VALUE) {
		snprintf(why, whylen, "want %s; got %s", JS(x), o == O_ERROR ? full : "undefined");
		return false;
	}
	got = J(JS(headv));
	if (kind->len == 8 && memcmp(kind->u.s, "contains", 8) == 0) {
		if (x->type == REGO_ARRAY && x->len == 1 && rego_equal(x->u.elems[0], got))
			return true;
	} else if (rego_equal(x, got)) {
		return true;
	}
	snprintf(why, whylen, "want %s; got %s", JS(x), JS(got));
	return false;
}

struct folder {
	char name[64];
	unsigned total, covered, passed;
};

static struct folder folders[160];
static size_t nfolders;

static struct folder *
folder_get(const struct rego_val *name)
{
	size_t i;

	for (i = 0; i < nfolders; i++)
		if (strlen(folders[i].name) == name->len &&
		    memcmp(folders[i].name, name->u.s, name->len) == 0)
			return &folders[i];
	assert_true(nfolders < WRIT_ARRAY_LEN(folders));
	snprintf(folders[nfolders].name, sizeof(folders[0].name), "%s", name->u.s);
	return &folders[nfolders++];
}

/* Cases expected to fail, by note (each with the reason in a comment). */
static const char *const known_failures[] = {
#include "test_rego_builtins_known.h"
};

static bool
known_failure(const struct rego_val *note)
{
	size_t i;

	for (i = 0; i < WRIT_ARRAY_LEN(known_failures); i++)
		if (known_failures[i] != NULL && strcmp(known_failures[i], note->u.s) == 0)
			return true;
	return false;
}

static void
test_conformance(void **state)
{
	char path[4096], *line = NULL, why[2048];
	const struct rego_val *cs, *headv = NULL;
	struct writ_rego_error e;
	struct writ_err err;
	size_t cap = 0, i, nfail = 0, covered = 0, passed = 0;
	ssize_t len;
	FILE *fp;

	(void)state;
	/* Extracted at build time from ../shared/conformance (tests/CMakeLists.txt). */
	snprintf(path, sizeof(path), "%s",
	    getenv("WRIT_REGO_BUILTIN_CASES") ? getenv("WRIT_REGO_BUILTIN_CASES") : "");
	if ((fp = fopen(path, "r")) == NULL) {
		print_message("skipped: %s not found\n", path);
		skip();
	}
	while ((len = getline(&line, &cap, fp)) > 0) {
		const struct rego_val *strictv, *note;
		struct folder *f;
		enum outcome o;
		bool strict;

		writ_arena_reset(A);
		if (rego_json_parse(A, line, (size_t)len, NULL, &cs, &err) != WRIT_OK)
			fail_msg("%s: %s", path, err.msg);
		f = folder_get(rego_object_get_str(cs, "folder", 6));
		f->total++;
		if (rego_object_get_str(cs, "skip", 4) != NULL)
			continue;
		strictv = rego_object_get_str(cs, "strict", 6);
		strict = strictv != NULL && strictv->u.b;
		note = rego_object_get_str(cs, "note", 4);
		if ((o = run_case(cs, strict, &headv, &e)) == O_SKIP)
			continue;
		f->covered++;
		covered++;
		why[0] = '\0';
		if (check_case(cs, o, headv, &e, strict, why, sizeof(why))) {
			f->passed++;
			passed++;
		} else if (!known_failure(note)) {
			print_message("FAIL %s (%s): %s\n", note->u.s,
			    rego_object_get_str(cs, "file", 4)->u.s, why);
			nfail++;
		}
	}
	free(line);
	fclose(fp);
	for (i = 0; i < nfolders; i++)
		if (folders[i].covered > 0)
			print_message("%-28s %3u cases, %3u covered, %3u passed\n", folders[i].name,
			    folders[i].total, folders[i].covered, folders[i].passed);
	print_message("%zu covered, %zu passed, %zu unexpected failures\n", covered, passed, nfail);
	assert_int_equal(nfail, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define X(fn) cmocka_unit_test_setup_teardown(fn, rfx_setup, rfx_teardown),
	    HAND_TESTS
#undef X
	        cmocka_unit_test_setup_teardown(test_conformance, rfx_setup, rfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
