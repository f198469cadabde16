/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rego.metadata.rule() and rego.metadata.chain(): the METADATA annotations
 * of the rule being evaluated and of the documents and packages above it,
 * as OPA reports them (scope filled in, authors as {name, email} objects).
 * The YAML of a block is read with the registry's yaml.unmarshal.
 */
#include <string.h>

#include "writ/base.h"

#include "rego/eval.h"

/* Parse a YAML block into an object, or NULL (no YAML support or bad YAML). */
static int
yaml_obj(struct rego_ev *e, const char *text, size_t len, const struct rego_val **out)
{
	const struct rego_builtin *bi = rego_builtin_lookup("yaml.unmarshal", 14);
	struct writ_rego_error berr = {0};
	struct rego_bctx c = {.arena = e->a, .name = "yaml.unmarshal", .err = &berr, .eval = e};
	const struct rego_val *arg = NULL;
	struct writ_err we = {0};

	*out = NULL;
	if (bi == NULL)
		return EV_OK;
	if (rego_string(e->a, text, len, &arg, &we) != WRIT_OK)
		return rego_ev_oom(e, WRIT_ELIMIT, &we);
	if (bi->fn(&c, &arg, out) != REGO_B_OK || *out == NULL || (*out)->type != REGO_OBJECT)
		*out = NULL;
	return EV_OK;
}

static int
str_val(struct rego_ev *e, const char *s, size_t len, const struct rego_val **out)
{
	struct writ_err we = {0};

	return rego_string(e->a, s, len, out, &we) == WRIT_OK ? EV_OK
	                                                      : rego_ev_oom(e, WRIT_ELIMIT, &we);
}

/* "Name <email>" as {"name": ..., "email": ...}; other strings as {"name": ...}. */
static int
author(struct rego_ev *e, const struct rego_val *a, const struct rego_val **out)
{
	const struct rego_val *k = NULL, *v = NULL;
	const char *s = a->u.s, *lt = memchr(a->u.s, '<', a->len);
	struct rego_builder b;
	struct writ_err we = {0};
	size_t nlen = lt != NULL ? (size_t)(lt - s) : a->len;
	int rc;

	*out = a;
	if (a->type != REGO_STRING)
		return EV_OK;
	rego_builder_init(&b, e->a, REGO_OBJECT);
	while (nlen > 0 && s[nlen - 1] == ' ')
		nlen--;
	if (lt != NULL && a->len > 0 && s[a->len - 1] == '>') {
		if ((rc = str_val(e, "email", 5, &k)) != EV_OK ||
		    (rc = str_val(e, lt + 1, a->len - (size_t)(lt - s) - 2, &v)) != EV_OK)
			return rc;
		if (rego_builder_put(&b, k, v, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	}
	if (nlen > 0) {
		if ((rc = str_val(e, "name", 4, &k)) != EV_OK ||
		    (rc = str_val(e, s, nlen, &v)) != EV_OK)
			return rc;
		if (rego_builder_put(&b, k, v, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	}
	return rego_builder_finish(&b, out, &we) == WRIT_OK ? EV_OK
	                                                    : rego_ev_oom(e, WRIT_ELIMIT, &we);
}

/* The annotations of a block: scope defaulted, authors normalised; *scope gets the scope. */
static int
annotations(struct rego_ev *e, const char *yaml, size_t len, const char *dflt,
    const struct rego_val **out, const char **scope)
{
	const struct rego_val *obj = NULL, *sc, *k = NULL;
	struct rego_builder b;
	struct writ_err we = {0};
	size_t i, j;
	int rc;

	*out = NULL;
	if ((rc = yaml_obj(e, yaml, len, &obj)) != EV_OK || obj == NULL)
		return rc;
	rego_builder_init(&b, e->a, REGO_OBJECT);
	for (i = 0; i < obj->len; i++) {
		const struct rego_val *key = obj->u.kvs[i].key, *v = obj->u.kvs[i].val;

		if (key->type == REGO_STRING && strcmp(key->u.s, "authors") == 0 &&
		    v->type == REGO_ARRAY) {
			const struct rego_val **el =
			    writ_arena_calloc(e->a, v->len + 1, sizeof(*el));

			if (el == NULL)
				return rego_ev_oom(e, WRIT_ELIMIT, NULL);
			for (j = 0; j < v->len; j++)
				if ((rc = author(e, v->u.elems[j], &el[j])) != EV_OK)
					return rc;
			if (rego_array(e->a, el, v->len, &v, &we) != WRIT_OK)
				return rego_ev_oom(e, WRIT_ELIMIT, &we);
		}
		if (rego_builder_put(&b, key, v, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	}
	if ((sc = rego_object_get_str(obj, "scope", 5)) == NULL || sc->type != REGO_STRING) {
		if ((rc = str_val(e, "scope", 5, &k)) != EV_OK ||
		    (rc = str_val(e, dflt, strlen(dflt), &sc)) != EV_OK)
			return rc;
		if (rego_builder_put(&b, k, sc, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	}
	*scope = sc->u.s;
	return rego_builder_finish(&b, out, &we) == WRIT_OK ? EV_OK
	                                                    : rego_ev_oom(e, WRIT_ELIMIT, &we);
}

/* The path of node n below data as an array of strings. */
static int
node_path(struct rego_ev *e, const struct rego_node *n, const struct rego_val **out)
{
	const struct rego_node *p;
	const struct rego_val **el;
	struct writ_err we = {0};
	size_t depth = 0, i;

	for (p = n; p->parent != NULL; p = p->parent)
		depth++;
	if ((el = writ_arena_calloc(e->a, depth + 1, sizeof(*el))) == NULL)
		return rego_ev_oom(e, WRIT_ELIMIT, NULL);
	for (p = n, i = depth; p->parent != NULL; p = p->parent)
		el[--i] = p->key;
	return rego_array(e->a, el, depth, out, &we) == WRIT_OK ? EV_OK
	                                                        : rego_ev_oom(e, WRIT_ELIMIT, &we);
}

/* {"annotations": ann, "path": path} (annotations left out when NULL) into the array builder. */
static int
entry(struct rego_ev *e, struct rego_builder *arr, const struct rego_val *ann,
    const struct rego_node *n)
{
	const struct rego_val *path = NULL, *k = NULL, *o = NULL;
	struct rego_builder b;
	struct writ_err we = {0};
	int rc;

	rego_builder_init(&b, e->a, REGO_OBJECT);
	if ((rc = node_path(e, n, &path)) != EV_OK || (rc = str_val(e, "path", 4, &k)) != EV_OK)
		return rc;
	if (rego_builder_put(&b, k, path, &we) != WRIT_OK)
		return rego_ev_oom(e, WRIT_ELIMIT, &we);
	if (ann != NULL) {
		if ((rc = str_val(e, "annotations", 11, &k)) != EV_OK)
			return rc;
		if (rego_builder_put(&b, k, ann, &we) != WRIT_OK)
			return rego_ev_oom(e, WRIT_ELIMIT, &we);
	}
	if (rego_builder_finish(&b, &o, &we) != WRIT_OK ||
	    rego_builder_push(arr, o, &we) != WRIT_OK)
		return rego_ev_oom(e, WRIT_ELIMIT, &we);
	return EV_OK;
}

/* The node that holds rule r. */
static const struct rego_node *
rule_node(const struct rego_ev *e)
{
	return e->cur_node;
}

int
rego_ev_meta_rule(struct rego_ev *e, const struct rego_val **out)
{
	const struct rego_rule *r = e->cur_rule;
	const char *scope = NULL;
	int rc;

	*out = &rego_empty_object_val;
	if (r == NULL || r->metadata == NULL)
		return EV_OK;
	if ((rc = annotations(e, r->metadata, r->metadatalen, "rule", out, &scope)) != EV_OK)
		return rc;
	if (*out == NULL)
		*out = &rego_empty_object_val;
	return EV_OK;
}

/* Document-scope annotations of any rule of node n, or NULL. */
static int
doc_annotations(struct rego_ev *e, const struct rego_node *n, const struct rego_val **out)
{
	const char *scope = NULL;
	size_t i;
	int rc;

	*out = NULL;
	for (i = 0; i <= n->nrules; i++) {
		const struct rego_crule *cr = i < n->nrules ? n->rules[i] : n->deflt;
		const struct rego_rule *r = cr != NULL ? cr->r : NULL;

		if (r == NULL || r->metadata == NULL)
			continue;
		if ((rc = annotations(e, r->metadata, r->metadatalen, "rule", out, &scope)) !=
		    EV_OK)
			return rc;
		if (*out != NULL && strcmp(scope, "document") == 0)
			return EV_OK;
		*out = NULL;
	}
	return EV_OK;
}

/* Package annotations for package node p (own: the rule's package). */
static int
pkg_entries(struct rego_ev *e, struct rego_builder *arr, const struct rego_node *p, bool own)
{
	const struct rego_val *ann = NULL;
	const char *scope = NULL;
	size_t i;
	int rc;

	for (i = 0; i < e->b->nmods; i++) {
		const struct rego_module *m = e->b->mods[i].m;

		if (e->b->mods[i].pkg != p || m->metadata == NULL)
			continue;
		if ((rc = annotations(e, m->metadata, m->metadatalen, "package", &ann, &scope)) !=
		    EV_OK)
			return rc;
		if (ann == NULL || (!own && strcmp(scope, "subpackages") != 0))
			continue;
		return entry(e, arr, ann, p);
	}
	return EV_OK;
}

int
rego_ev_meta_chain(struct rego_ev *e, const struct rego_val **out)
{
	const struct rego_node *n = rule_node(e), *p;
	const struct rego_val *ann = NULL;
	const char *scope = "rule";
	struct rego_builder arr;
	struct writ_err we = {0};
	int rc;

	*out = &rego_empty_array_val;
	if (n == NULL || e->cur_rule == NULL)
		return EV_OK;
	rego_builder_init(&arr, e->a, REGO_ARRAY);
	if (e->cur_rule->metadata != NULL &&
	    (rc = annotations(e, e->cur_rule->metadata, e->cur_rule->metadatalen, "rule", &ann,
	         &scope)) != EV_OK)
		return rc;
	if ((rc = entry(e, &arr, ann != NULL && strcmp(scope, "rule") == 0 ? ann : NULL, n)) !=
	    EV_OK)
		return rc;
	if ((rc = doc_annotations(e, n, &ann)) != EV_OK)
		return rc;
	if (ann != NULL && (rc = entry(e, &arr, ann, n)) != EV_OK)
		return rc;
	for (p = e->cur_mod_pkg; p != NULL && p->parent != NULL; p = p->parent)
		if ((rc = pkg_entries(e, &arr, p, p == e->cur_mod_pkg)) != EV_OK)
			return rc;
	return rego_builder_finish(&arr, out, &we) == WRIT_OK ? EV_OK
	                                                      : rego_ev_oom(e, WRIT_ELIMIT, &we);
}
