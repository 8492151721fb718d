/*
 * Fit (wca-original.md 3.2): a node passes iff the pod's app fits in
 * every dimension, membw read and write coupled; cpu capacity of PMEM
 * nodes is scaled by cpu_scale_factor.  Priority is always 0.
 */
#include "algo.h"
#include "wca_common.h"

static const char *
fit_filter(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, struct filter_out *out)
{
	return wca_fit_filter(ctx, pod, nodes, n, out,
	    ctx->cfg->cpu_scale_factor);
}

const struct algo algo_fit = { ALGO_FIT, fit_filter, algo_prioritize_zero, 0, 0 };
