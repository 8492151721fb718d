/*
 * LowRiskOverCommitment (load-aware.md 1.4): per resource, the risk that
 * the limits overcommit the node, weighed with the probability (a Beta
 * fitted to the measured load) that the load exceeds what is requested;
 * the node scores (1 - the worse risk) * 100.  Pods already on the node
 * come from kube-state-metrics.
 */
#include "algo.h"
#include "config.h"
#include "load_aware.h"
#include "log.h"
#include "trimaran.h"

static int
lroc_node(const struct algo_ctx *ctx, const struct la_pod *pod,
    struct la_node *node, long *score, const char **why)
{
	const struct config *c = ctx->cfg;
	struct ns_res none = { 0, 0 };
	struct tri_usage cu, mu;
	struct tri_node_rl rl;
	struct lroc_detail dc, dm;
	double rc, rm;
	int pods = (node->d.have & NS_HAVE_PODS) != 0;

	if (pod->best_effort) {
		/* Trimaran does not score best-effort pods: all nodes tie */
		*score = 0;
		return 1;
	}
	if (!node->d.fresh)
		return 0;
	tri_usage_of(&node->d.cpu, &cu);
	tri_usage_of(&node->d.mem, &mu);
	if (!cu.valid && !mu.valid) {
		*why = "no cpu or memory utilisation";
		return 0;
	}
	if (node->alloc_have != (LA_CPU | LA_MEM)) {
		*why = "no cpu and memory allocatable (Node status or "
		    "kube_node_status_allocatable)";
		return 0;
	}
	tri_node_requests_limits(pods ? &node->d.pods_requests : &none,
	    pods ? &node->d.pods_limits : &none, &pod->req, &pod->lim,
	    &node->allocatable, &rl);
	if (node->d.lroc_have && !log_on(LOGGER_ALGORITHM, LOG_DEBUG) &&
	    node->d.lroc_cap.cpu_m == node->allocatable.cpu_m &&
	    node->d.lroc_cap.mem_b == node->allocatable.mem_b) {
		/* the load part was computed with the node's data */
		rc = lroc_combine_risk(c->risk_limit_cpu,
		    lroc_risk_limit(TRI_CPU, &rl), node->d.lroc_load[TRI_CPU]);
		rm = lroc_combine_risk(c->risk_limit_memory,
		    lroc_risk_limit(TRI_MEMORY, &rl),
		    node->d.lroc_load[TRI_MEMORY]);
		*score = lroc_score(rc, rm);
		return 1;
	}
	rc = lroc_compute_risk(TRI_CPU, c->smoothing_window, c->risk_limit_cpu,
	    &cu, &rl, &dc);
	rm = lroc_compute_risk(TRI_MEMORY, c->smoothing_window,
	    c->risk_limit_memory, &mu, &rl, &dm);
	*score = lroc_score(rc, rm);
	log_debug(LOGGER_ALGORITHM, "LowRiskOverCommitment node=%s score=%ld "
	    "cpu risk=%g (limit %g load %g: mu %g sigma %g P(<=%g)=%g) "
	    "memory risk=%g (limit %g load %g: mu %g sigma %g P(<=%g)=%g) "
	    "pods=%s", node->en->name, *score, rc, dc.risk_limit,
	    dc.risk_load, dc.mu, dc.sigma, dc.threshold, dc.prob, rm,
	    dm.risk_limit, dm.risk_load, dm.mu, dm.sigma, dm.threshold,
	    dm.prob, pods ? "known" : "unknown (counted as none)");
	return 1;
}

static void
lroc_prioritize(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, double *priority)
{
	la_prioritize(ctx, pod, nodes, n, priority, lroc_node);
}

const struct algo algo_low_risk_overcommit = { ALGO_LOW_RISK_OVERCOMMIT,
    algo_filter_pass, lroc_prioritize, ALGO_NEEDS_POD_SPEC, 100 };
