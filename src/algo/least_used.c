/*
 * LeastUsed (wca-original.md 3.3): Fit's filter (cpu_scale_factor 1);
 * priority sum((1 - f[d]) * weight[d]) / W over the requested fractions.
 * Without [least_used_weights], score_mode = wca keeps the original's
 * default weights (1 per dimension plus a phantom membw_flat, all in W);
 * clamp weighs each fraction 1, so an empty node scores 1 (7.4).
 */
#include "algo.h"
#include "wca_common.h"

static const char *
lu_filter(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, struct filter_out *out)
{
	return wca_fit_filter(ctx, pod, nodes, n, out, 1.0);
}

static void
lu_prioritize(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, double *priority)
{
	wca_prioritize(ctx, pod, nodes, n, priority, WCA_PRIO_LU);
}

const struct algo algo_least_used = { ALGO_LEAST_USED, lu_filter,
    lu_prioritize, 0, 0 };
