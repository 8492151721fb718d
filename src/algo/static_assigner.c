/*
 * StaticAssigner (wca-original.md 3.9): a node passes while the pods of
 * the pod's app on it are fewer than its [static_assigner:NODE] target,
 * with the original's messages.  A node already above its target (the
 * original's assert, 500) fails with a reason of its own (7.16).  The
 * targets are sorted by node and app at load (config.c), so a lookup is
 * a binary search: O(nodes log targets) per call.  Priority is always 0.
 */
#include <stdio.h>
#include <string.h>

#include "algo.h"
#include "nodestore.h"
#include "wca_common.h"

/* The first target of `node` (and of `app` when given), or NULL. */
static const struct static_target *
target_find(const struct config *cfg, const char *node, const char *app)
{
	size_t lo = 0, hi = cfg->nstatic_targets;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct static_target *t = &cfg->static_targets[mid];
		int c = strcmp(t->node, node);

		if (c == 0 && app)
			c = strcmp(t->app, app);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < cfg->nstatic_targets &&
	    strcmp(cfg->static_targets[lo].node, node) == 0 &&
	    (app == NULL || strcmp(cfg->static_targets[lo].app, app) == 0))
		return &cfg->static_targets[lo];
	return NULL;
}

static const char *
msg(const struct algo_ctx *ctx, const char *s)
{
	return arena_strndup(ctx->arena, s, strlen(s));
}

static const char *
sa_filter(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, struct filter_out *out)
{
	const struct config *cfg = ctx->cfg;
	const struct ns_app *app = NULL;
	struct ns_view v;
	size_t i;

	for (i = 0; i < n; i++) {
		out[i].v = VERDICT_PASS;
		out[i].reason = NULL;
	}
	if (pod->app == NULL) {
		/* No app label: unknown_app decides (interface.md 4). */
		return cfg->unknown_app == UNKNOWN_APP_FAIL ?
		    "pod has no app label" : NULL;
	}
	if (ctx->store)
		app = ns_app_find(ctx->store, pod->app, strlen(pod->app));
	for (i = 0; i < n; i++) {
		const struct static_target *t;
		const char *why = NULL;
		double count = 0;
		long target = -1;
		char m[600];

		if (target_find(cfg, nodes[i].name, NULL) == NULL) {
			snprintf(m, sizeof(m), "node %.200s not specified in "
			    "self.targeted_assigned_apps_counts",
			    nodes[i].name);
			why = msg(ctx, m);
		} else if ((t = target_find(cfg, nodes[i].name,
		    pod->app)) == NULL) {
			snprintf(m, sizeof(m), "app %.200s not specified in "
			    "self.targeted_assigned_apps_counts", pod->app);
			why = msg(ctx, m);
		} else if (algo_node_metrics(ctx, &nodes[i], &v, &why) < 0 ||
		    wca_assigned_fresh(ctx, &nodes[i], &v, &why) < 0) {
			/* why set: no data about what runs there */
		} else {
			target = t->count;
			count = app ? ns_view_assigned(&v, app) : 0;
			if (count > (double)target) {
				snprintf(m, sizeof(m), "app %.200s count on node "
				    "%.200s (%.15g) exceeds "
				    "self.targeted_assigned_apps_counts (%ld)",
				    pod->app, nodes[i].name, count, target);
				why = msg(ctx, m);
			} else if (!(count < (double)target)) {
				snprintf(m, sizeof(m), "app %.200s count on node "
				    "%.200s already matching "
				    "self.targeted_assigned_apps_counts",
				    pod->app, nodes[i].name);
				why = msg(ctx, m);
			}
		}
		out[i].v = why ? VERDICT_FAIL : VERDICT_PASS;
		out[i].reason = why;
		wca_debug_verdict(ctx, pod, &nodes[i], out[i].v, why,
		    "count=%.15g target=%ld", count, target);
	}
	return NULL;
}

const struct algo algo_static_assigner = { ALGO_STATIC_ASSIGNER, sa_filter,
    algo_prioritize_zero, 0, 0 };
