/*
 * wca_common: the resource arithmetic the original WCA algorithms share
 * (wca-original.md 3.0, 3.2 to 3.5), and the filter and prioritize
 * drivers of the Fit family.  Per request: linear in nodes times
 * dimensions times apps assigned to a node; allocations from ctx->arena.
 */
#ifndef WCA_WCA_COMMON_H
#define WCA_WCA_COMMON_H

#include <stddef.h>

#include "algo.h"
#include "config.h"
#include "nodestore.h"

/* What one node offers and carries, in the configured dimensions. */
struct wca_node {
	struct ns_view v;
	double cap[DIM_COUNT];		/* after Fit's cpu scaling */
	double used[DIM_COUNT];		/* sum of requests of assigned pods */
	int has_ratio;			/* membw_read and membw_write coupled */
	double ratio;			/* cap[membw_read] / cap[membw_write] */
	double data_t;			/* store clock of the oldest data used */
};

/*
 * The pod's app requests in every configured dimension.  0 with req
 * filled, or -1 with *why (arena) when the app is unknown or lacks a
 * dimension (interface.md: unknown_app).
 */
int wca_app_requests(const struct algo_ctx *ctx, const char *app,
    double req[DIM_COUNT], const char **why);

/*
 * The apps' views one call reads, each taken from the store once: every
 * node lists the same few apps, and a view costs more than a lookup.
 * In the call's arena; valid for that call only.
 */
struct wca_apps;
struct wca_apps *wca_apps_new(const struct algo_ctx *ctx);

/*
 * Capacity and use of node n, with the assigned apps' views from `apps`.
 * 0, or -1 with *why (arena) when its data is missing or stale, a
 * dimension has no capacity, an assigned app has no requests, or
 * membw_write capacity is 0 with membw_read coupled.
 */
int wca_node_load(const struct algo_ctx *ctx, struct wca_apps *apps,
    const struct ext_node *n, double cpu_scale, struct wca_node *w,
    const char **why);

/*
 * Fit: NULL when the pod fits (every free >= 0), else the original's
 * "Could not fit node for dimensions: missing (d: x),... ." (arena).
 * free[] receives cap - (req + used), coupled for membw read/write.
 */
const char *wca_fit(const struct algo_ctx *ctx, const struct wca_node *w,
    const double req[DIM_COUNT], double free_[DIM_COUNT]);

/*
 * Requested fractions (req + used) / cap after flattening membw read
 * and write into membw_flat.  Returns the number of keys k (keys[],
 * f[]), or -1 with *why (arena) on a zero capacity.
 */
int wca_fractions(const struct algo_ctx *ctx, const struct wca_node *w,
    const double req[DIM_COUNT], enum dim keys[DIM_COUNT],
    double f[DIM_COUNT], const char **why);

/* LeastUsed: sum((1 - f) * weight) / W (3.3; the default weights depend
 * on score_mode, see least_used.c). */
double wca_least_used(const struct config *cfg, const enum dim *keys,
    const double *f, size_t k);
/* BAR: 1 - variance (3.4). */
double wca_bar(const struct config *cfg, const enum dim *keys,
    const double *f, size_t k);

/*
 * statistics.stdev(): the sample standard deviation (n - 1) of x[0..k),
 * two-pass; 0 for fewer than two values (the original raised).
 */
double wca_stdev(const double *x, size_t k);

/* Whether membw_read and membw_write are both dimensions (coupled). */
int wca_coupled(const struct config *cfg);

/* Python's repr() of a float: shortest round trip, "8.0", "1e-05". */
void wca_float_repr(char *out, size_t cap, double v);

/* The Fit filter, shared by Fit, LeastUsed, BAR and LeastUsedBAR. */
const char *wca_fit_filter(const struct algo_ctx *ctx,
    const struct ext_pod *pod, const struct ext_node *nodes, size_t n,
    struct filter_out *out, double cpu_scale);
/* The same, with found[i] the store's node for nodes[i] (NULL: none),
 * for a second pass that would otherwise look each one up again. */
struct ns_node;
const char *wca_fit_filter_found(const struct algo_ctx *ctx,
    const struct ext_pod *pod, const struct ext_node *nodes, size_t n,
    struct filter_out *out, double cpu_scale, const struct ns_node **found);

#define WCA_PRIO_LU	1u
#define WCA_PRIO_BAR	2u
/*
 * Priority = LeastUsed * least_used_weight (when WCA_PRIO_LU and BAR
 * both), LeastUsed alone, or BAR alone.  Nodes whose data is missing
 * score 0; an unknown app scores 0 everywhere.
 */
void wca_prioritize(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, double *priority,
    unsigned what);

/*
 * The DRAM hit ratio check of DramHitRatioProvision and Score (3.7):
 * 1 when the node's ratio is at least cfg->threshold, 0 when below (*why
 * is the original's message), -1 when the node has no fresh ratio (*why
 * from the arena).  *ratio receives the ratio (NaN when absent).
 */
int wca_dram_hit(const struct algo_ctx *ctx, const struct ext_node *n,
    const struct ns_view *v, double *ratio, const char **why);

/*
 * The node's assigned apps are usable: 0, or -1 with *why (arena) when
 * only stale sources have them (the same message as wca_node_load).
 */
int wca_assigned_fresh(const struct algo_ctx *ctx, const struct ext_node *n,
    const struct ns_view *v, const char **why);

/* One debug line on logger "algorithm" for a node's filter verdict:
 * "filter algorithm=A node=N app=P <detail> verdict=pass|fail|drop[: why]".
 * The detail is formatted only when that logger is at debug: a filter
 * over hundreds of nodes must not pay for lines nobody reads. */
void wca_debug_verdict(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *n, enum verdict verdict, const char *why,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * The pod's app requests (wca_app_requests), with a debug line when the
 * app is unknown: 0, or -1 with *why; the caller then lets every node
 * pass and returns *why as the call's Error when unknown_app = fail.
 */
int wca_app_or_unknown(const struct algo_ctx *ctx, const struct ext_pod *pod,
    double req[DIM_COUNT], const char *verb, const char **why);

#endif
