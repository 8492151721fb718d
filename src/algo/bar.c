/*
 * BAR, balanced allocation (wca-original.md 3.4): Fit's filter
 * (cpu_scale_factor 1); priority 1 - variance of the requested
 * fractions: |f1 - f2| for two (weights ignored), sum(w (f - mean)^2) / k
 * for more, 0 for one.
 */
#include "algo.h"
#include "wca_common.h"

static const char *
bar_filter(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, struct filter_out *out)
{
	return wca_fit_filter(ctx, pod, nodes, n, out, 1.0);
}

static void
bar_prioritize(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, double *priority)
{
	wca_prioritize(ctx, pod, nodes, n, priority, WCA_PRIO_BAR);
}

const struct algo algo_bar = { ALGO_BAR, bar_filter, bar_prioritize, 0, 0 };
