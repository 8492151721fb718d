/*
 * DramHitRatioProvision (wca-original.md 3.7): a node fails iff its DRAM
 * hit ratio is below `threshold` (exactly the threshold passes), with
 * the original's message.  The pod's app and the nodes' capacities play
 * no part.  A node without a fresh ratio (the original's KeyError, 500)
 * fails alone with the reason.  Priority is always 0.
 */
#include <math.h>
#include <stdio.h>

#include "algo.h"
#include "nodestore.h"
#include "wca_common.h"

static const char *
dhr_filter(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, struct filter_out *out)
{
	struct ns_view v;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *why = NULL;
		double ratio = NAN;
		if (algo_node_metrics(ctx, &nodes[i], &v, &why) == 0)
			wca_dram_hit(ctx, &nodes[i], &v, &ratio, &why);
		out[i].v = why ? VERDICT_FAIL : VERDICT_PASS;
		out[i].reason = why;
		wca_debug_verdict(ctx, pod, &nodes[i], out[i].v, why,
		    "dram_hit_ratio=%.17g threshold=%.17g", ratio,
		    ctx->cfg->threshold);
	}
	return NULL;
}

const struct algo algo_dram_hit_ratio = { ALGO_DRAM_HIT_RATIO, dhr_filter,
    algo_prioritize_zero, 0, 0 };
