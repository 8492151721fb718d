/*
 * load_aware: what TargetLoadPacking, LoadVariationRiskBalancing and
 * LowRiskOverCommitment read from a request and the node store, and the
 * loop they share: judge each node from fresh utilisation, or give it
 * the [trimaran] fallback when there is none.
 */
#ifndef WCA_LOAD_AWARE_H
#define WCA_LOAD_AWARE_H

#include "algo.h"
#include "nodestore.h"

/* The pending pod. */
struct la_pod {
	const struct pod_spec *spec;
	struct ns_res req;		/* effective() requests */
	struct ns_res lim;		/* effective() limits, max'ed with req */
	int best_effort;		/* req and lim all 0 */
	double tlp_cpu_m;		/* TargetLoadPacking's prediction */
	struct ns_res nonzero_req;	/* kube-scheduler's NonZeroRequested
					   (100m / 200 MiB per container
					   without the key), for the fallback */
};

#define LA_CPU 1u
#define LA_MEM 2u

/*
 * What the store says about a node that these algorithms read: a subset
 * of its ns_view (and TargetLoadPacking's recent placements), small
 * enough to keep per node between requests (see load_aware.c).
 */
struct la_data {
	int fresh;			/* some source has fresh data */
	unsigned have;			/* NS_HAVE_*, fresh sources */
	struct ns_util cpu, mem;
	struct ns_res kcapacity, allocatable;	/* kube-state-metrics */
	struct ns_res pods_requests, pods_limits;
	double recent_m;		/* TargetLoadPacking: predicted cpu of the
					   pods placed since the utilisation */
	size_t nrecent;
	int lroc_have;			/* LowRiskOverCommitment: lroc_load is */
	struct ns_res lroc_cap;		/* the measured-load risk (cpu, memory)
					   for this allocatable */
	double lroc_load[2];
};

/* One candidate node. */
struct la_node {
	const struct ext_node *en;
	struct la_data d;
	const char *reason;		/* why not fresh; NULL when not asked */
	unsigned cap_have;		/* LA_*: status.capacity, else
					   kube_node_status_capacity */
	struct ns_res capacity;
	unsigned alloc_have;		/* LA_*: status.allocatable, else
					   kube_node_status_allocatable */
	struct ns_res allocatable;
};

/*
 * Judge one node: 1 with *score (0..100) when its data allows, 0 (with
 * *why, a static string) when the fallback decides.
 */
typedef int (*la_scorer)(const struct algo_ctx *ctx, const struct la_pod *pod,
    struct la_node *node, long *score, const char **why);

void la_prioritize(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, double *priority,
    la_scorer scorer);

/* [trimaran]'s TargetLoadPacking arguments. */
struct tlp_args;
void la_tlp_args(const struct config *c, struct tlp_args *out);

#endif
