/* SPDX-License-Identifier: Apache-2.0 */
/*
 * graph.reachable and graph.reachable_paths over a graph given as an object
 * from node to its neighbours (an array or a set; anything else counts as no
 * edges), with OPA's semantics:
 *   - reachable: breadth-first from the initial nodes; a node is reached
 *     when it is in the graph;
 *   - reachable_paths: from each initial node in the graph, every path
 *     followed until a node without edges, a node outside the graph (the
 *     path ends before it) or a node already visited in this walk; the
 *     visited set is shared by the walk from one initial node's neighbour,
 *     as in OPA.
 * Work is bounded (GRAPH_MAX_STEPS, GRAPH_MAX_DEPTH nodes) so a dense graph
 * cannot run away; visited lists are searched linearly, which the bound
 * keeps affordable.
 */
#include <string.h>

#include "ext_int.h"
#include "families_ext.h"

#define GRAPH_MAX_STEPS 1000000u
#define GRAPH_MAX_DEPTH 10000u

struct walk {
	struct rego_bctx *c;
	const struct rego_val *graph;
	struct rego_builder out;    /* set of paths */
	const struct rego_val **path; /* current path, GRAPH_MAX_DEPTH entries */
	const struct rego_val **vis; /* the same, as a flat list */
	size_t nvis, visroom;
	unsigned steps;
	bool over;
};

/* Number of neighbours in edges (0 for anything but an array or set). */
static size_t
n_edges(const struct rego_val *edges)
{
	return edges != NULL && (edges->type == REGO_ARRAY || edges->type == REGO_SET) ? edges->len
	                                                                               : 0;
}

static enum rego_bres
check_args(struct rego_bctx *c, const struct rego_val *const *args)
{
	if (args[0]->type != REGO_OBJECT)
		return rego_berr_operand(c, 1, "object", args[0]);
	if (args[1]->type != REGO_ARRAY && args[1]->type != REGO_SET)
		return rego_berr_operand(c, 2, "one of {array, set}", args[1]);
	return REGO_B_OK;
}

static bool
in_list(const struct rego_val *const *v, size_t n, const struct rego_val *x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rego_equal(v[i], x))
			return true;
	return false;
}

static enum rego_bres
bi_reachable(struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	const struct rego_val *graph = args[0], **queue;
	struct rego_builder reached;
	size_t head = 0, n = 0, room, i;
	enum rego_bres r;

	if ((r = check_args(c, args)) != REGO_B_OK)
		return r;
	if (graph->len > GRAPH_MAX_DEPTH || args[1]->len > GRAPH_MAX_DEPTH)
		return ext_err_code(c, "eval_cancel_error", "graph too large to walk");
	room = args[1]->len + graph->len + 1;
	/* Each node enters the queue at most once per edge into it: bounded by all edges. */
	for (i = 0; i < graph->len; i++)
		room += n_edges(graph->u.kvs[i].val);
	if ((queue = writ_arena_calloc(c->arena, room, sizeof(*queue))) == NULL)
		return ext_oom(c);
	for (i = 0; i < args[1]->len; i++)
		queue[n++] = args[1]->u.elems[i];
	rego_builder_init(&reached, c->arena, REGO_SET);
	{
		const struct rego_val **done = writ_arena_calloc(c->arena, room, sizeof(*done));
		size_t ndone = 0;

		if (done == NULL)
			return ext_oom(c);
		while (head < n) {
			const struct rego_val *node = queue[head++];
			const struct rego_val *edges = rego_object_get(graph, node);

			if (edges == NULL || in_list(done, ndone, node))
				continue;
			for (i = 0; i < n_edges(edges) && n < room; i++)
				if (!in_list(done, ndone, edges->u.elems[i]))
					queue[n++] = edges->u.elems[i];
			done[ndone++] = node;
			EXT_TRY(c, rego_builder_push(&reached, node, &ext_e_));
		}
	}
	EXT_TRY(c, rego_builder_finish(&reached, out, &ext_e_));
	return REGO_B_OK;
}

/* Add path[0..len) to the result set. */
static enum rego_bres
emit(struct walk *w, size_t len)
{
	const struct rego_val *arr;

	EXT_TRY(w->c, rego_array(w->c->arena, w->path, len, &arr, &ext_e_));
	EXT_TRY(w->c, rego_builder_push(&w->out, arr, &ext_e_));
	return REGO_B_OK;
}

static enum rego_bres
visit_add(struct walk *w, const struct rego_val *node)
{
	if (in_list(w->vis, w->nvis, node))
		return REGO_B_OK;
	if (w->nvis == w->visroom) {
		size_t room = w->visroom ? 2 * w->visroom : 16;
		const struct rego_val **v = writ_arena_calloc(w->c->arena, room, sizeof(*v));

		if (v == NULL)
			return ext_oom(w->c);
		if (w->nvis > 0)
			memcpy(v, w->vis, w->nvis * sizeof(*v));
		w->vis = v;
		w->visroom = room;
	}
	w->vis[w->nvis++] = node;
	return REGO_B_OK;
}

/* OPA's pathBuilder: path[0..len) so far, root the next node. */
static enum rego_bres
build(struct walk *w, const struct rego_val *root, size_t len)
{
	const struct rego_val *edges = rego_object_get(w->graph, root);
	enum rego_bres r;
	size_t i;

	if (++w->steps > GRAPH_MAX_STEPS || w->nvis > GRAPH_MAX_DEPTH || len + 1 >= GRAPH_MAX_DEPTH)
		return ext_err_code(w->c, "eval_cancel_error", "graph too large to walk");
	if (edges == NULL)
		return emit(w, len); /* not in the graph: the path ends before it */
	w->path[len++] = root;
	if (n_edges(edges) == 0)
		return emit(w, len);
	for (i = 0; i < n_edges(edges); i++) {
		const struct rego_val *nb = edges->u.elems[i];

		if (in_list(w->vis, w->nvis, nb)) {
			r = emit(w, len);
		} else {
			if ((r = visit_add(w, root)) == REGO_B_OK)
				r = build(w, nb, len);
		}
		if (r != REGO_B_OK)
			return r;
	}
	return REGO_B_OK;
}

static enum rego_bres
bi_reachable_paths(
    struct rego_bctx *c, const struct rego_val *const *args, const struct rego_val **out)
{
	struct walk w = {.c = c, .graph = args[0]};
	size_t i, j;
	enum rego_bres r;

	if ((r = check_args(c, args)) != REGO_B_OK)
		return r;
	if ((w.path = writ_arena_calloc(c->arena, GRAPH_MAX_DEPTH, sizeof(*w.path))) == NULL)
		return ext_oom(c);
	rego_builder_init(&w.out, c->arena, REGO_SET);
	for (i = 0; i < args[1]->len; i++) {
		const struct rego_val *node = args[1]->u.elems[i];
		const struct rego_val *edges = rego_object_get(w.graph, node);

		if (edges == NULL)
			continue;
		w.path[0] = node;
		if (n_edges(edges) == 0) {
			if ((r = emit(&w, 1)) != REGO_B_OK)
				return r;
			continue;
		}
		for (j = 0; j < n_edges(edges); j++) {
			w.nvis = 0; /* a new visited set, holding the start node, per neighbour */
			if ((r = visit_add(&w, node)) != REGO_B_OK ||
			    (r = build(&w, edges->u.elems[j], 1)) != REGO_B_OK)
				return r;
		}
	}
	EXT_TRY(c, rego_builder_finish(&w.out, out, &ext_e_));
	return REGO_B_OK;
}

static const struct rego_builtin graph_builtins[] = {
    {"graph.reachable", 2, bi_reachable, 0},
    {"graph.reachable_paths", 2, bi_reachable_paths, 0},
};

const struct rego_builtin_family rego_family_graph = {
    "graph", graph_builtins, WRIT_ARRAY_LEN(graph_builtins)};
