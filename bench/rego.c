/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decision latency of the Rego engine on one core.
 *
 *   bench_rego DIR INPUT.json QUERY [SECONDS]   (bench/rego.sh runs it)
 *
 * Loads the .rego and .json files of DIR (data files at the root), compiles
 * them and prepares QUERY once, then evaluates it with INPUT for SECONDS
 * (default 3), timing every decision (one result buffer, reset each time,
 * as a server reuses its response buffer).  Prints one line of key=value pairs:
 *   decisions, median_ns, p99_ns, allocs (writ allocator calls per decision),
 *   compile_ms, compiled_kb (resident memory added by compiling), result
 * so bench/rego.sh can build its table.  The first decision's result is
 * printed so a wrong policy cannot pass for a fast one.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "writ/rego.h"

#define MAX_FILES   64
#define MAX_SAMPLES (1u << 24)

/* Resident memory in KiB (VmRSS), 0 when unknown. */
static long
rss_kb(void)
{
	char line[256];
	long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	if (f != NULL)
		fclose(f);
	return kb;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (p = malloc((size_t)n + 1)) == NULL ||
	    fread(p, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "bench_rego: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
fail(const char *what, const struct writ_rego_error *e)
{
	char msg[1024];

	writ_rego_error_format(e, msg, sizeof(msg));
	fprintf(stderr, "bench_rego: %s: %s\n", what, msg);
	exit(1);
}

int
main(int argc, char **argv)
{
	struct writ_rego_source mods[MAX_FILES];
	struct writ_rego_doc docs[MAX_FILES];
	struct writ_rego_compile_opts co = {0};
	struct writ_rego_eval_opts eo = {0};
	struct writ_rego_bundle *b = NULL;
	struct writ_rego_prepared *pq = NULL;
	struct writ_rego_error e = {0};
	struct writ_buf data, out;
	char path[4096];
	size_t nmods = 0, ndocs = 0, n = 0, len;
	uint64_t *lat, t_end, c0, a0, a1;
	double secs = argc > 4 ? atof(argv[4]) : 3.0;
	struct dirent *de;
	long rss0, rss1;
	DIR *d;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_rego DIR INPUT.json QUERY [SECONDS]\n");
		return 2;
	}
	if ((d = opendir(argv[1])) == NULL) {
		perror(argv[1]);
		return 1;
	}
	while ((de = readdir(d)) != NULL && nmods < MAX_FILES && ndocs < MAX_FILES) {
		size_t l = strlen(de->d_name);

		if (snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name) >= (int)sizeof(path))
			continue;
		if (l > 5 && strcmp(de->d_name + l - 5, ".rego") == 0) {
			mods[nmods].name = strdup(de->d_name);
			mods[nmods].text = slurp(path, &mods[nmods].len);
			nmods++;
		} else if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0) {
			docs[ndocs] = (struct writ_rego_doc){strdup(de->d_name), "", NULL, 0, false};
			docs[ndocs].text = slurp(path, &len);
			docs[ndocs].len = len;
			ndocs++;
		}
	}
	closedir(d);
	writ_buf_init(&data, 0);
	writ_buf_init(&out, 0);
	if (writ_rego_data_merge(docs, ndocs, &data, &e) != WRIT_OK)
		fail("data", &e);
	rss0 = rss_kb();
	c0 = writ_time_mono_ns();
	co = (struct writ_rego_compile_opts){mods, nmods, data.ptr, data.len, true};
	if (writ_rego_compile(&co, &b, &e) != WRIT_OK)
		fail("compile", &e);
	c0 = writ_time_mono_ns() - c0;
	writ_buf_free(&data); /* what stays resident is the bundle's */
	rss1 = rss_kb();
	eo.query = argv[3];
	eo.input_json = slurp(argv[2], &eo.input_len);
	if (writ_rego_eval(b, &eo, &out, &e) != WRIT_OK)
		fail("eval", &e);
	if (writ_rego_prepare(b, eo.query, &pq, &e) != WRIT_OK)
		fail("prepare", &e);
	if ((lat = malloc(MAX_SAMPLES * sizeof(*lat))) == NULL)
		return 1;
	a0 = writ_alloc_count();
	t_end = writ_time_mono_ns() + (uint64_t)(secs * 1e9);
	while (n < MAX_SAMPLES) {
		uint64_t t0 = writ_time_mono_ns();

		writ_buf_reset(&out);
		if (writ_rego_eval_prepared(pq, &eo, &out, &e) != WRIT_OK)
			fail("eval", &e);
		lat[n++] = writ_time_mono_ns() - t0;
		if (lat[n - 1] + t0 >= t_end)
			break;
	}
	a1 = writ_alloc_count();
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("decisions=%zu median_ns=%llu p99_ns=%llu allocs=%.1f compile_ms=%.1f "
	       "compiled_kb=%ld result=%s\n",
	    n, (unsigned long long)lat[n / 2], (unsigned long long)lat[n * 99 / 100],
	    (double)(a1 - a0) / (double)n, (double)c0 / 1e6, rss1 - rss0, out.ptr);
	writ_rego_prepared_free(pq);
	writ_rego_bundle_free(b);
	writ_buf_free(&out);
	free(lat);
	return 0;
}
