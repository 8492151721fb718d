/*
 * trimaran: the arithmetic of Trimaran's load-aware scorers
 * (load-aware.md 1.1-1.4), kept apart from where the numbers come from
 * so that the golden vectors can check it directly.  Every function is
 * pure and follows the Go code's order of operations (IEEE doubles, no
 * contraction: the Makefile builds with -ffp-contract=off).
 *
 * Units: cpu in millicores, memory in bytes, utilisation in percent of
 * the node, scores 0..100.
 */
#ifndef WCA_TRIMARAN_H
#define WCA_TRIMARAN_H

#include <stddef.h>

#include "nodestore.h"		/* ns_util, ns_res, ns_container */

enum tri_resource { TRI_CPU, TRI_MEMORY };

/* GetResourceData: one resource's usage, percent. */
struct tri_usage {
	int valid;		/* some record of the resource, even STD only */
	double avg, std;	/* AVG, else Latest; a missing STD is 0 */
};

void tri_usage_of(const struct ns_util *u, struct tri_usage *out);
/*
 * TargetLoadPacking's cpu percentage: an AVG or Latest value (AVG when
 * both, as load-watcher's Prometheus provider serves AVG).  0 when there
 * is none (a STD-only list counts as missing).
 */
int tri_tlp_cpu(const struct ns_util *u, double *pct);

/* ResourceStats (CreateResourceStats): memory in MiB as a float. */
struct tri_stats {
	double capacity, req, used_avg, used_std;
};

void tri_resource_stats(enum tri_resource r, double allocatable,
    double request, const struct tri_usage *u, struct tri_stats *out);
void tri_mu_sigma(const struct tri_stats *s, double *mu, double *sigma);

/* NodeRequestsAndLimits, in millicores and bytes. */
struct tri_node_rl {
	struct ns_res req, lim;		/* with the pod; req capped */
	struct ns_res req_mp, lim_mp;	/* without it; req capped */
	struct ns_res cap;		/* allocatable */
};

/*
 * `pods_req` and `pods_lim` are the sums over the pods on the node of
 * their effective requests and of max(limits, requests); pod_req and
 * pod_lim the pending pod's, its limits already max'ed.
 */
void tri_node_requests_limits(const struct ns_res *pods_req,
    const struct ns_res *pods_lim, const struct ns_res *pod_req,
    const struct ns_res *pod_lim, const struct ns_res *allocatable,
    struct tri_node_rl *out);

/* Go's math.Pow for the exponents Trimaran uses (integers, 1/2, +Inf). */
double tri_go_pow(double x, double y);

/* ---- TargetLoadPacking ---- */

struct tlp_args {
	double target;		/* percent; <= 0 means 40 */
	double default_cpu_m;	/* D */
	double multiplier;	/* M */
};

/* PredictUtilisation summed over the containers (not init containers),
 * plus the overhead's cpu when `overhead` is not NULL. */
double tlp_predict_cpu(const struct tlp_args *a, const struct ns_container *c,
    size_t n, const struct ns_container *overhead);
/* Whether a pod bound at `bound` (Unix s) counts as not yet in metrics
 * whose window ended at `window_end`. */
int tlp_recent(double bound, double window_end);

struct tlp_detail {
	double used_m, predicted;	/* percent */
};
/* The score from capacity C, utilisation u, the pod's P and missing Q. */
long tlp_score(const struct tlp_args *a, double capacity_m, double util_pct,
    double pod_m, double missing_m, struct tlp_detail *d);

/* ---- LoadVariationRiskBalancing ---- */

/* computeScore: 0..100 as a float. */
double lvrb_compute_score(const struct tri_stats *s, double margin,
    double sensitivity);
/* The node's score from the two resources' (valid, score). */
long lvrb_combine(int cpu_ok, double cpu, int mem_ok, double mem);

/* ---- LowRiskOverCommitment ---- */

struct lroc_detail {
	double mu, sigma, threshold, prob, risk_limit, risk_load;
	int fitted;
	double alpha, beta;
};

/*
 * computeRisk for one resource, 0..1: weight * lroc_risk_limit() +
 * (1 - weight) * lroc_risk_load(), clamped.  The load part reads only
 * what is on the node without the pod (req_mp, lim_mp, cap) and the
 * usage, so it is the same for every pod.
 */
double lroc_compute_risk(enum tri_resource r, long window, double weight,
    const struct tri_usage *u, const struct tri_node_rl *rl,
    struct lroc_detail *d);
double lroc_risk_limit(enum tri_resource r, const struct tri_node_rl *rl);
double lroc_risk_load(enum tri_resource r, long window,
    const struct tri_usage *u, const struct tri_node_rl *rl,
    struct lroc_detail *d);
double lroc_combine_risk(double weight, double risk_limit, double risk_load);
/* rank = 1 - max(risks), times 100, rounded. */
long lroc_score(double risk_cpu, double risk_memory);

/* ---- the fallback: kube-scheduler's LeastAllocated on requests ---- */

/* (allocatable - requested) * 100 / allocatable per resource, integers,
 * averaged with weight 1; resources with allocatable 0 are skipped. */
long tri_least_allocated(const struct ns_res *requested,
    const struct ns_res *allocatable);

#endif
