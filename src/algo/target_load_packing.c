/*
 * TargetLoadPacking (load-aware.md 1.2): packs nodes up to the target
 * cpu utilisation X, then spreads.  The measured utilisation (AVG, else
 * Latest) plus the pod's predicted cpu plus the predicted cpu of pods
 * placed on the node since the metrics were taken, against
 * status.capacity.cpu.
 *
 * The recent-placements window replaces Trimaran's assign cache (the
 * scheduler's own bindings of the last 60 s) with what kube-state-metrics
 * says: a pod counts when its kube_pod_start_time is less than 60 s
 * before the utilisation was taken, or after, or when it has none yet
 * (bound, not started by the kubelet).
 */
#include "algo.h"
#include "config.h"
#include "load_aware.h"
#include "log.h"
#include "podres.h"
#include "trimaran.h"

static int
tlp_node(const struct algo_ctx *ctx, const struct la_pod *pod,
    struct la_node *node, long *score, const char **why)
{
	struct tlp_args a;
	struct tlp_detail d;
	double util;

	if (!node->d.fresh)
		return 0;
	if (!tri_tlp_cpu(&node->d.cpu, &util)) {
		*why = "no cpu utilisation (avg or latest)";
		return 0;
	}
	if (!(node->cap_have & LA_CPU)) {
		*why = "no cpu capacity (Node status or "
		    "kube_node_status_capacity)";
		return 0;
	}
	la_tlp_args(ctx->cfg, &a);
	*score = tlp_score(&a, node->capacity.cpu_m, util, pod->tlp_cpu_m,
	    node->d.recent_m, &d);
	log_debug(LOGGER_ALGORITHM, "TargetLoadPacking node=%s score=%ld "
	    "cpu=%g%% (%s, %.0f s old) capacity=%.0fm pod=%.0fm "
	    "recent=%.0fm (%zu pods) predicted=%g%% target=%g%%",
	    node->en->name, *score, util,
	    (node->d.cpu.have & NS_U_AVG) ? "avg" : "latest",
	    ctx->now - node->d.cpu.t, node->capacity.cpu_m, pod->tlp_cpu_m,
	    node->d.recent_m, node->d.nrecent, d.predicted,
	    a.target > 0 ? a.target : 40);
	return 1;
}

static void
tlp_prioritize(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, double *priority)
{
	la_prioritize(ctx, pod, nodes, n, priority, tlp_node);
}

const struct algo algo_target_load_packing = { ALGO_TARGET_LOAD_PACKING,
    algo_filter_pass, tlp_prioritize, ALGO_NEEDS_POD_SPEC, 100 };
