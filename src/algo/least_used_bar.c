/*
 * LeastUsedBAR (wca-original.md 3.5): Fit's filter (cpu_scale_factor 1);
 * priority LeastUsed * least_used_weight + BAR (up to 2, so a score of
 * 20 in score_mode = wca).
 */
#include "algo.h"
#include "wca_common.h"

static const char *
lubar_filter(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, struct filter_out *out)
{
	return wca_fit_filter(ctx, pod, nodes, n, out, 1.0);
}

static void
lubar_prioritize(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, double *priority)
{
	wca_prioritize(ctx, pod, nodes, n, priority,
	    WCA_PRIO_LU | WCA_PRIO_BAR);
}

const struct algo algo_least_used_bar = { ALGO_LEAST_USED_BAR, lubar_filter,
    lubar_prioritize, 0, 0 };
