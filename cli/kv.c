/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `writ kv`: the KV version 2 secrets engine, as `vault kv` drives it.  The
 * first segment of PATH is the mount ("secret/app/db" is "app/db" in the
 * "secret" mount) unless -mount names it; the commands then call
 * /v1/<mount>/data|metadata|delete|undelete|destroy/<path>.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "writ/base.h"

#include "cli.h"
#include "client.h"

/* State shared by the kv subcommands. */
struct kv_ctx {
	struct cli_opts o;
	const char *mount;
	struct cli_pos pos;
	struct cli_conn c;
	struct cli_resp r;
	struct writ_buf path;
};

#define KV_FLAGS(k)                                   \
	CLI_COMMON_FLAGS(&(k)->o),                    \
	{                                             \
		"mount", CLI_F_STR, &(k)->mount, NULL \
	}

enum kv_versions_op {
	KV_DELETE,
	KV_UNDELETE,
	KV_DESTROY,
};

static void kv_init(struct kv_ctx *k);
static void kv_free(struct kv_ctx *k);
static int kv_path(struct kv_ctx *k, const char *usage, const char *kind, bool list);
static int kv_write(int argc, char **argv, bool patch);
static int kv_put(int argc, char **argv);
static int kv_patch(int argc, char **argv);
static int kv_get(int argc, char **argv);
static int kv_get_field(json_t *secret, const char *field);
static void kv_print_secret(const char *path, json_t *secret);
static void kv_print_table(const char *title, json_t *obj);
static int kv_list(int argc, char **argv);
static int kv_versions(int argc, char **argv, enum kv_versions_op op);
static int kv_delete(int argc, char **argv);
static int kv_undelete(int argc, char **argv);
static int kv_destroy(int argc, char **argv);
static int kv_metadata(int argc, char **argv);
static int kv_meta_get(int argc, char **argv);
static int cmp_version(const void *a, const void *b);
static void kv_meta_print(const char *path, json_t *data);
static int kv_meta_put(int argc, char **argv);
static json_t *kv_meta_body(uint64_t max_versions, bool max_set, bool cas_req, bool cas_set,
    const char *dva, const struct cli_list *custom);
static int kv_meta_delete(int argc, char **argv);

#define KV_MOUNT_HELP                                                                           \
	"  -mount MOUNT    the KV v2 mount; PATH is then relative to it\n"                      \
	"\nPATH starts with the mount (\"secret/app/db\" is \"app/db\" in \"secret\") unless\n" \
	"-mount is given.\n"

static const char put_usage[] =
    "usage: writ kv put [-cas N] [-mount M] PATH KEY=VALUE... [flags]\n"
    "\n"
    "Write a new version of a secret (POST /v1/<mount>/data/<path>).  VALUE may be\n"
    "@FILE (read the file), - (read stdin), or \\@... for a literal '@'.  A lone \"-\"\n"
    "or \"@FILE\" argument merges a JSON object.  Repeated keys make a list.\n"
    "\n"
    "  -cas N          check-and-set: write only if the current version is N\n"
    "                  (0: only if the secret does not exist)\n" KV_MOUNT_HELP CLI_USAGE_COMMON;

static const char patch_usage[] =
    "usage: writ kv patch [-cas N] [-mount M] PATH KEY=VALUE... [flags]\n"
    "\n"
    "Merge keys into the latest version of a secret (PATCH /v1/<mount>/data/<path>,\n"
    "JSON merge patch).  Values as for `writ kv put`.\n"
    "\n"
    "  -cas N          check-and-set: patch only if the current version is N\n" KV_MOUNT_HELP
        CLI_USAGE_COMMON;

static const char get_usage[] =
    "usage: writ kv get [-version N] [-field F] [-mount M] PATH [flags]\n"
    "\n"
    "Read a secret (GET /v1/<mount>/data/<path>).\n"
    "\n"
    "  -version N      read version N instead of the latest\n"
    "  -field F        print only the value of key F (no newline unless a terminal)\n" KV_MOUNT_HELP
        CLI_USAGE_COMMON;

static const char list_usage[] =
    "usage: writ kv list [-mount M] PATH [flags]\n"
    "\n"
    "List the keys below PATH (LIST /v1/<mount>/metadata/<path>/); names ending in\n"
    "'/' are folders.\n\n" KV_MOUNT_HELP CLI_USAGE_COMMON;

static const char delete_usage[] =
    "usage: writ kv delete [-versions 1,2] [-mount M] PATH [flags]\n"
    "\n"
    "Soft-delete the latest version of a secret (DELETE /v1/<mount>/data/<path>) or\n"
    "the versions given (POST /v1/<mount>/delete/<path>); undelete restores them.\n"
    "\n"
    "  -versions LIST  comma-separated version numbers\n" KV_MOUNT_HELP CLI_USAGE_COMMON;

static const char undelete_usage[] =
    "usage: writ kv undelete -versions 1,2 [-mount M] PATH [flags]\n"
    "\n"
    "Restore soft-deleted versions (POST /v1/<mount>/undelete/<path>).\n"
    "\n"
    "  -versions LIST  comma-separated version numbers (required)\n" KV_MOUNT_HELP CLI_USAGE_COMMON;

static const char destroy_usage[] =
    "usage: writ kv destroy -versions 1,2 [-mount M] PATH [flags]\n"
    "\n"
    "Destroy versions for good (PUT /v1/<mount>/destroy/<path>).\n"
    "\n"
    "  -versions LIST  comma-separated version numbers (required)\n" KV_MOUNT_HELP CLI_USAGE_COMMON;

static const char meta_get_usage[] =
    "usage: writ kv metadata get [-mount M] PATH [flags]\n"
    "\n"
    "Show a secret's metadata and versions (GET /v1/<mount>/metadata/<path>).\n\n" KV_MOUNT_HELP
        CLI_USAGE_COMMON;

static const char meta_put_usage[] =
    "usage: writ kv metadata put [-max-versions N] [-cas-required[=false]]\n"
    "       [-delete-version-after D] [-custom-metadata K=V]... [-mount M] PATH [flags]\n"
    "\n"
    "Create or update a secret's metadata (POST /v1/<mount>/metadata/<path>).\n"
    "\n"
    "  -max-versions N           versions to keep (0: the mount's setting)\n"
    "  -cas-required             require -cas on every write\n"
    "  -delete-version-after D   soft-delete versions this long after writing\n"
    "  -custom-metadata K=V      a custom metadata pair (repeatable)\n" KV_MOUNT_HELP
        CLI_USAGE_COMMON;

static const char meta_delete_usage[] =
    "usage: writ kv metadata delete [-mount M] PATH [flags]\n"
    "\n"
    "Delete a secret's metadata and every version (DELETE /v1/<mount>/metadata/<path>).\n"
    "\n" KV_MOUNT_HELP CLI_USAGE_COMMON;

static const struct cli_sub kv_subs[] = {
    {"put", kv_put, "write a new version of a secret"},
    {"get", kv_get, "read a secret"},
    {"patch", kv_patch, "merge keys into a secret"},
    {"list", kv_list, "list keys below a path"},
    {"delete", kv_delete, "soft-delete versions"},
    {"undelete", kv_undelete, "restore soft-deleted versions"},
    {"destroy", kv_destroy, "destroy versions for good"},
    {"metadata", kv_metadata, "get, put or delete a secret's metadata"},
};

static const struct cli_sub kv_meta_subs[] = {
    {"get", kv_meta_get, "show metadata and versions"},
    {"put", kv_meta_put, "create or update metadata"},
    {"delete", kv_meta_delete, "delete metadata and all versions"},
};

int
cli_kv(int argc, char **argv)
{
	cli_json_init();
	return cli_dispatch("kv", kv_subs, WRIT_ARRAY_LEN(kv_subs), argc, argv);
}

static int
kv_metadata(int argc, char **argv)
{
	return cli_dispatch("kv metadata", kv_meta_subs, WRIT_ARRAY_LEN(kv_meta_subs), argc, argv);
}

/* ---------------------------------------------------------------------------
 * Shared steps.
 */

static void
kv_init(struct kv_ctx *k)
{
	memset(k, 0, sizeof(*k));
	writ_buf_init(&k->path, 0);
}

static void
kv_free(struct kv_ctx *k)
{
	cli_resp_free(&k->r);
	cli_conn_close(&k->c);
	writ_buf_free(&k->path);
}

/* Build k->path from the first positional argument; -1 or an exit status. */
static int
kv_path(struct kv_ctx *k, const char *usage, const char *kind, bool list)
{
	struct writ_err err = {0};

	if (cli_kv_path(&k->path, k->mount, k->pos.v[0], kind, list, list, &err) != WRIT_OK)
		return err.code == WRIT_EINVAL ? cli_usage_error(usage, "%s", err.msg)
		                               : (warnx("%s", err.msg), CLI_EXIT_ERR);
	return -1;
}

static void
kv_print_table(const char *title, json_t *obj)
{
	struct cli_table t = {0};

	cli_print_section(stdout, title, false);
	if (cli_table_add_obj(&t, obj, NULL) != WRIT_OK)
		warnx("out of memory");
	cli_table_print(stdout, &t);
	cli_table_free(&t);
}

/* ---------------------------------------------------------------------------
 * put, patch
 */

static int
kv_write(int argc, char **argv, bool patch)
{
	const char *usage = patch ? patch_usage : put_usage;
	struct writ_err err = {0};
	struct kv_ctx k;
	uint64_t cas = 0;
	bool cas_set = false;
	struct cli_flag flags[] = {KV_FLAGS(&k), {"cas", CLI_F_U64, &cas, &cas_set}};
	json_t *body = NULL, *data = NULL;
	int ret;

	kv_init(&k);
	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &k.pos, usage)) >= 0 ||
	    (k.pos.n < 2 && (ret = cli_usage_error(usage, "expected PATH and KEY=VALUE"))) ||
	    (ret = kv_path(&k, usage, "data", false)) >= 0)
		goto out;
	ret = CLI_EXIT_ERR;
	if ((data = json_object()) == NULL || (body = json_pack("{s:O}", "data", data)) == NULL ||
	    (cas_set &&
	        json_object_set_new(body, "options", json_pack("{s:I}", "cas", (json_int_t)cas)) !=
	            0)) {
		warnx("out of memory");
		goto out;
	}
	if (cli_kv_pairs(data, k.pos.v + 1, k.pos.n - 1, &err) != WRIT_OK) {
		ret = err.code == WRIT_EINVAL ? cli_usage_error(usage, "%s", err.msg)
		                              : (warnx("%s", err.msg), CLI_EXIT_ERR);
		goto out;
	}
	if ((ret = cli_conn_open(&k.c, &k.o, true)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if (cli_http(&k.c, patch ? "PATCH" : "POST", k.path.ptr, body,
	        patch ? CLI_HTTP_MERGE_PATCH : 0, &k.r) != CLI_HTTP_OK)
		goto out;
	if (k.c.format == CLI_FMT_JSON) {
		cli_print_json(stdout, k.r.json);
	} else {
		cli_print_section(stdout, "Secret Path", true);
		puts(k.path.ptr);
		kv_print_table("Metadata", cli_resp_data(k.r.json));
	}
	ret = CLI_EXIT_OK;
out:
	json_decref(data);
	json_decref(body);
	kv_free(&k);
	return ret;
}

static int
kv_put(int argc, char **argv)
{
	return kv_write(argc, argv, false);
}

static int
kv_patch(int argc, char **argv)
{
	return kv_write(argc, argv, true);
}

/* ---------------------------------------------------------------------------
 * get, list
 */

static void
kv_print_secret(const char *path, json_t *secret)
{
	json_t *meta = json_object_get(secret, "metadata");
	json_t *data = json_object_get(secret, "data");

	cli_print_section(stdout, "Secret Path", true);
	puts(path);
	if (json_is_object(meta))
		kv_print_table("Metadata", meta);
	if (json_is_object(data))
		kv_print_table("Data", data);
}

static int
kv_get_field(json_t *secret, const char *field)
{
	json_t *v = json_object_get(json_object_get(secret, "data"), field);

	if (v == NULL) {
		warnx("field \"%s\" not present in the secret", field);
		return CLI_EXIT_ERR;
	}
	cli_print_field(stdout, v, isatty(STDOUT_FILENO));
	return CLI_EXIT_OK;
}

static int
kv_get(int argc, char **argv)
{
	struct kv_ctx k;
	uint64_t version = 0;
	bool version_set = false;
	const char *field = NULL;
	struct cli_flag flags[] = {KV_FLAGS(&k), {"version", CLI_F_U64, &version, &version_set},
	    {"field", CLI_F_STR, &field, NULL}};
	enum cli_http_rc hr;
	json_t *secret;
	bool gone;
	int ret;

	kv_init(&k);
	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &k.pos, get_usage)) >= 0 ||
	    (k.pos.n != 1 && (ret = cli_usage_error(get_usage, "expected one PATH"))) ||
	    (ret = kv_path(&k, get_usage, "data", false)) >= 0)
		goto out;
	ret = CLI_EXIT_ERR;
	if (version_set &&
	    writ_buf_appendf(&k.path, "?version=%llu", (unsigned long long)version) != WRIT_OK)
		goto out;
	if ((ret = cli_conn_open(&k.c, &k.o, true)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if ((hr = cli_http(&k.c, "GET", k.path.ptr, NULL, CLI_HTTP_QUIET_404, &k.r)) ==
	    CLI_HTTP_FAIL)
		goto out;
	secret = json_object_get(k.r.json, "data");
	if (field != NULL && hr == CLI_HTTP_OK) {
		ret = kv_get_field(secret, field);
		goto out;
	}
	/* A deleted or destroyed version is a 404 that still carries its metadata. */
	if (hr == CLI_HTTP_OK ||
	    (field == NULL && json_is_object(json_object_get(secret, "metadata")))) {
		if (k.c.format == CLI_FMT_JSON)
			cli_print_json(stdout, k.r.json);
		else
			kv_print_secret(k.path.ptr, secret);
	}
	if (hr == CLI_HTTP_NOTFOUND) {
		/* A deleted or destroyed version still has its metadata. */
		gone = json_is_object(json_object_get(secret, "metadata"));
		fprintf(stderr, "No value found at %.*s%s\n", (int)strcspn(k.path.ptr, "?"),
		    k.path.ptr, gone ? " (the version is deleted or destroyed)" : "");
		goto out;
	}
	ret = CLI_EXIT_OK;
out:
	kv_free(&k);
	return ret;
}

static int
kv_list(int argc, char **argv)
{
	struct kv_ctx k;
	struct cli_flag flags[] = {KV_FLAGS(&k)};
	enum cli_http_rc hr;
	int ret;

	kv_init(&k);
	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &k.pos, list_usage)) >= 0 ||
	    (k.pos.n != 1 && (ret = cli_usage_error(list_usage, "expected one PATH"))) ||
	    (ret = kv_path(&k, list_usage, "metadata", true)) >= 0)
		goto out;
	if ((ret = cli_conn_open(&k.c, &k.o, true)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	hr = cli_http(&k.c, "LIST", k.path.ptr, NULL, CLI_HTTP_QUIET_404, &k.r);
	if (hr == CLI_HTTP_NOTFOUND)
		fprintf(stderr, "No value found at %s\n", k.path.ptr);
	if (hr != CLI_HTTP_OK)
		goto out;
	if (k.c.format == CLI_FMT_JSON)
		cli_print_json(stdout, k.r.json);
	else
		cli_print_keys(stdout, json_object_get(cli_resp_data(k.r.json), "keys"));
	ret = CLI_EXIT_OK;
out:
	kv_free(&k);
	return ret;
}

/* ---------------------------------------------------------------------------
 * delete, undelete, destroy
 */

static int
kv_versions(int argc, char **argv, enum kv_versions_op op)
{
	static const char *const usages[] = {delete_usage, undelete_usage, destroy_usage};
	static const char *const kinds[] = {"delete", "undelete", "destroy"};
	const char *usage = usages[op], *versions = NULL;
	struct writ_err err = {0};
	struct kv_ctx k;
	struct cli_flag flags[] = {KV_FLAGS(&k), {"versions", CLI_F_STR, &versions, NULL}};
	json_t *list = NULL, *body = NULL;
	int ret;

	kv_init(&k);
	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &k.pos, usage)) >= 0 ||
	    (k.pos.n != 1 && (ret = cli_usage_error(usage, "expected one PATH"))) ||
	    (op != KV_DELETE && versions == NULL &&
	        (ret = cli_usage_error(usage, "-versions is required"))) ||
	    (versions != NULL && cli_versions_parse(versions, &list, &err) != WRIT_OK &&
	        (ret = cli_usage_error(usage, "%s", err.msg))) ||
	    (ret = kv_path(&k, usage, list != NULL ? kinds[op] : "data", false)) >= 0)
		goto out;
	ret = CLI_EXIT_ERR;
	if (list != NULL && (body = json_pack("{s:O}", "versions", list)) == NULL) {
		warnx("out of memory");
		goto out;
	}
	if ((ret = cli_conn_open(&k.c, &k.o, true)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if (cli_http(&k.c,
	        list == NULL           ? "DELETE"
	            : op == KV_DESTROY ? "PUT"
	                               : "POST",
	        k.path.ptr, body, 0, &k.r) != CLI_HTTP_OK)
		goto out;
	printf(op == KV_DELETE ? "Success! Data deleted (if it existed) at: %s\n"
	                       : "Success! Data written to: %s\n",
	    k.path.ptr);
	ret = CLI_EXIT_OK;
out:
	json_decref(list);
	json_decref(body);
	kv_free(&k);
	return ret;
}

static int
kv_delete(int argc, char **argv)
{
	return kv_versions(argc, argv, KV_DELETE);
}

static int
kv_undelete(int argc, char **argv)
{
	return kv_versions(argc, argv, KV_UNDELETE);
}

static int
kv_destroy(int argc, char **argv)
{
	return kv_versions(argc, argv, KV_DESTROY);
}

/* ---------------------------------------------------------------------------
 * metadata get, put, delete
 */

static int
cmp_version(const void *a, const void *b)
{
	uint64_t x = 0, y = 0;
	const char *sa = *(const char *const *)a, *sb = *(const char *const *)b;

	if (writ_parse_u64(sa, strlen(sa), &x) != WRIT_OK ||
	    writ_parse_u64(sb, strlen(sb), &y) != WRIT_OK)
		return strcmp(sa, sb);
	return x < y ? -1 : x > y;
}

static void
kv_meta_print(const char *path, json_t *data)
{
	json_t *versions = json_incref(json_object_get(data, "versions")), *v;
	const char **keys = NULL, *key;
	char title[64];
	size_t i = 0, n = json_object_size(versions);

	cli_print_section(stdout, "Metadata Path", true);
	puts(path);
	json_object_del(data, "versions");
	kv_print_table("Metadata", data);
	if (n > 0 && (keys = writ_calloc(n, sizeof(*keys))) != NULL) {
		json_object_foreach(versions, key, v)
		{
			(void)v;
			keys[i++] = key;
		}
		qsort(keys, n, sizeof(*keys), cmp_version);
		for (i = 0; i < n; i++) {
			snprintf(title, sizeof(title), "Version %.40s", keys[i]);
			kv_print_table(title, json_object_get(versions, keys[i]));
		}
	}
	writ_free(keys);
	json_decref(versions);
}

static int
kv_meta_get(int argc, char **argv)
{
	struct kv_ctx k;
	struct cli_flag flags[] = {KV_FLAGS(&k)};
	enum cli_http_rc hr;
	int ret;

	kv_init(&k);
	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &k.pos, meta_get_usage)) >=
	        0 ||
	    (k.pos.n != 1 && (ret = cli_usage_error(meta_get_usage, "expected one PATH"))) ||
	    (ret = kv_path(&k, meta_get_usage, "metadata", false)) >= 0)
		goto out;
	if ((ret = cli_conn_open(&k.c, &k.o, true)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	hr = cli_http(&k.c, "GET", k.path.ptr, NULL, CLI_HTTP_QUIET_404, &k.r);
	if (hr == CLI_HTTP_NOTFOUND)
		fprintf(stderr, "No value found at %s\n", k.path.ptr);
	if (hr != CLI_HTTP_OK)
		goto out;
	if (k.c.format == CLI_FMT_JSON)
		cli_print_json(stdout, k.r.json);
	else
		kv_meta_print(k.path.ptr, cli_resp_data(k.r.json));
	ret = CLI_EXIT_OK;
out:
	kv_free(&k);
	return ret;
}

static json_t *
kv_meta_body(uint64_t max_versions, bool max_set, bool cas_req, bool cas_set, const char *dva,
    const struct cli_list *custom)
{
	json_t *body = json_object(), *cm = NULL;
	const char *key, *val;
	size_t i, keylen;
	int bad = body == NULL;

	if (!bad && max_set)
		bad |= json_object_set_new(
		    body, "max_versions", json_integer((json_int_t)max_versions));
	if (!bad && cas_set)
		bad |= json_object_set_new(body, "cas_required", json_boolean(cas_req));
	if (!bad && dva != NULL)
		bad |= json_object_set_new(body, "delete_version_after", json_string(dva));
	if (!bad && custom->n > 0) {
		bad |= (cm = json_object()) == NULL ||
		    json_object_set_new(body, "custom_metadata", cm) != 0;
		for (i = 0; i < custom->n && !bad; i++) {
			if (cli_kv_split(custom->v[i], &key, &keylen, &val) != WRIT_OK) {
				warnx("-custom-metadata wants KEY=VALUE");
				bad = 1;
			} else {
				bad |= json_object_setn_new(cm, key, keylen, json_string(val));
			}
		}
	}
	if (bad) {
		json_decref(body);
		return NULL;
	}
	return body;
}

static int
kv_meta_put(int argc, char **argv)
{
	struct kv_ctx k;
	uint64_t max_versions = 0;
	bool max_set = false, cas_req = false, cas_set = false;
	const char *dva = NULL;
	struct cli_list custom = {0};
	struct cli_flag flags[] = {KV_FLAGS(&k),
	    {"max-versions", CLI_F_U64, &max_versions, &max_set},
	    {"cas-required", CLI_F_BOOL, &cas_req, &cas_set},
	    {"delete-version-after", CLI_F_DUR, &dva, NULL},
	    {"custom-metadata", CLI_F_LIST, &custom, NULL}};
	json_t *body = NULL;
	int ret;

	kv_init(&k);
	if ((ret = cli_parse(flags, WRIT_ARRAY_LEN(flags), argc, argv, &k.pos, meta_put_usage)) >=
	        0 ||
	    (k.pos.n != 1 && (ret = cli_usage_error(meta_put_usage, "expected one PATH"))) ||
	    (ret = kv_path(&k, meta_put_usage, "metadata", false)) >= 0)
		goto out;
	if ((body = kv_meta_body(max_versions, max_set, cas_req, cas_set, dva, &custom)) == NULL) {
		ret = cli_usage_error(meta_put_usage, "invalid metadata flags");
		goto out;
	}
	if ((ret = cli_conn_open(&k.c, &k.o, true)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if (cli_http(&k.c, "POST", k.path.ptr, body, 0, &k.r) != CLI_HTTP_OK)
		goto out;
	printf("Success! Data written to: %s\n", k.path.ptr);
	ret = CLI_EXIT_OK;
out:
	json_decref(body);
	kv_free(&k);
	return ret;
}

static int
kv_meta_delete(int argc, char **argv)
{
	struct kv_ctx k;
	struct cli_flag flags[] = {KV_FLAGS(&k)};
	int ret;

	kv_init(&k);
	if ((ret = cli_parse(
	         flags, WRIT_ARRAY_LEN(flags), argc, argv, &k.pos, meta_delete_usage)) >= 0 ||
	    (k.pos.n != 1 && (ret = cli_usage_error(meta_delete_usage, "expected one PATH"))) ||
	    (ret = kv_path(&k, meta_delete_usage, "metadata", false)) >= 0)
		goto out;
	if ((ret = cli_conn_open(&k.c, &k.o, true)) != CLI_EXIT_OK)
		goto out;
	ret = CLI_EXIT_ERR;
	if (cli_http(&k.c, "DELETE", k.path.ptr, NULL, 0, &k.r) != CLI_HTTP_OK)
		goto out;
	printf("Success! Data deleted (if it existed) at: %s\n", k.path.ptr);
	ret = CLI_EXIT_OK;
out:
	kv_free(&k);
	return ret;
}
