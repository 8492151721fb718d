/*
 * HierBAR (wca-original.md 3.6): Fit's filter (cpu_scale_factor 1), then
 * a second pass over the nodes that passed.  Every node the store knows
 * with fresh capacities in all dimensions is put in a class by its shape
 * (its capacities truncated to integers); with merge_threshold, shapes
 * whose truncated membw_read / membw_write ratio is above the threshold
 * form one class and those at or below it another.  A class scores the
 * sample standard deviation of the pod's request against its average
 * capacities (flattened membw); the class with the lowest one among
 * those holding candidates wins, the other candidates fail with "Not
 * best class (best_variance=B this=T)".  Priority is LeastUsedBAR's with
 * the default weights.
 *
 * Fixes (7.6): a shape whose ratio cannot be computed (no membw_read or
 * membw_write dimension, or a truncated write capacity of 0) is not
 * merged but stays a class of its own, so no node is lost; a class with
 * a zero average capacity scores +inf instead of dividing by zero; fewer
 * than two fractions give a standard deviation of 0; a candidate always
 * has a class, so there is no assertion; accepted nodes keep request
 * order.  Per call: linear in the nodes of the store (a hash of shapes).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "algo.h"
#include "nodestore.h"
#include "wca_common.h"

/* A shape and the nodes that have it. */
struct hb_shape {
	double shape[DIM_COUNT];	/* truncated capacities */
	double sum[DIM_COUNT];		/* of the members' capacities */
	size_t count;
	int cls;			/* its class (after merging) */
};

/* A class: one shape, or merged shapes. */
struct hb_class {
	double sum[DIM_COUNT];
	size_t count;
	double stdev;
	int has_cand;
};

struct hb {
	const struct algo_ctx *ctx;
	struct hb_shape *s;
	size_t ns, cap;
	int *slot;			/* hash: shape index + 1, 0 empty */
	size_t nslot;
	struct hb_class *c;
	size_t nc;
};

static uint64_t
shape_hash(const struct config *cfg, const double *shape)
{
	uint64_t h = 1469598103934665603ull;
	size_t i, j;

	for (i = 0; i < cfg->ndims; i++) {
		double x = shape[cfg->dims[i]];
		unsigned char b[sizeof(x)];

		memcpy(b, &x, sizeof(x));
		for (j = 0; j < sizeof(b); j++)
			h = (h ^ b[j]) * 1099511628211ull;
	}
	return h;
}

/* Shape of a view with every dimension fresh: 0, else -1. */
static int
shape_of(const struct config *cfg, const struct ns_view *v,
    double shape[DIM_COUNT])
{
	size_t i;

	memset(shape, 0, DIM_COUNT * sizeof(*shape));
	if (v->state != NS_FRESH)
		return -1;
	for (i = 0; i < cfg->ndims; i++) {
		enum dim d = cfg->dims[i];

		if (!(v->capacity_mask & (1u << d)))
			return -1;
		shape[d] = trunc(v->capacity[d]) + 0.0;	/* no -0.0 */
	}
	return 0;
}

/* The index of a shape, added when `add` (else -1 if none). */
static int
shape_index(struct hb *h, const double *shape, int add)
{
	const struct config *cfg = h->ctx->cfg;
	size_t mask = h->nslot - 1, at, i;

	at = (size_t)shape_hash(cfg, shape) & mask;
	for (;; at = (at + 1) & mask) {
		int k = h->slot[at] - 1;
		int same = k >= 0;

		if (k < 0)
			break;
		for (i = 0; same && i < cfg->ndims; i++)
			same = h->s[k].shape[cfg->dims[i]] ==
			    shape[cfg->dims[i]];
		if (same)
			return k;
	}
	if (!add || h->ns == h->cap)
		return -1;
	memcpy(h->s[h->ns].shape, shape, sizeof(h->s[h->ns].shape));
	h->slot[at] = (int)++h->ns;
	return (int)h->ns - 1;
}

/* The shapes of every node of the store, in first-appearance order. */
static void
build_shapes(struct hb *h)
{
	const struct algo_ctx *ctx = h->ctx;
	const struct config *cfg = ctx->cfg;
	const struct ns_node *node;
	double shape[DIM_COUNT];
	struct ns_view v;
	size_t i;

	h->cap = ctx->store ? ns_node_count(ctx->store) : 0;
	for (h->nslot = 16; h->nslot < 2 * h->cap; h->nslot *= 2)
		;
	h->s = arena_alloc(ctx->arena, (h->cap ? h->cap : 1) * sizeof(*h->s));
	h->slot = arena_alloc(ctx->arena, h->nslot * sizeof(*h->slot));
	h->ns = 0;
	for (node = ctx->store ? ns_first(ctx->store) : NULL; node;
	    node = ns_next(node)) {
		int k;

		ns_view(ctx->store, node, ctx->now, cfg->staleness, &v);
		if (shape_of(cfg, &v, shape) < 0 ||
		    (k = shape_index(h, shape, 1)) < 0)
			continue;
		for (i = 0; i < cfg->ndims; i++)
			h->s[k].sum[cfg->dims[i]] += v.capacity[cfg->dims[i]];
		h->s[k].count++;
	}
}

/* Shape k joins class c. */
static void
join(struct hb *h, size_t k, size_t c)
{
	const struct config *cfg = h->ctx->cfg;
	size_t i;

	h->s[k].cls = (int)c;
	for (i = 0; i < cfg->ndims; i++)
		h->c[c].sum[cfg->dims[i]] += h->s[k].sum[cfg->dims[i]];
	h->c[c].count += h->s[k].count;
}

/*
 * The classes: one per shape; with merge_threshold and two shapes or
 * more, the shapes whose truncated read / write ratio is above the
 * threshold form the first class, those at or below it the next, and
 * shapes without a ratio follow, one class each.
 */
static void
build_classes(struct hb *h)
{
	const struct config *cfg = h->ctx->cfg;
	int merge = cfg->has_merge_threshold && h->ns >= 2;
	size_t k, g;

	h->c = arena_alloc(h->ctx->arena, (h->ns + 2) * sizeof(*h->c));
	h->nc = 0;
	for (k = 0; k < h->ns; k++)
		h->s[k].cls = -1;
	for (g = 0; merge && g < 2; g++) {
		size_t at = h->nc;

		for (k = 0; k < h->ns; k++) {
			double r = h->s[k].shape[DIM_MEMBW_READ];
			double w = h->s[k].shape[DIM_MEMBW_WRITE];

			if (!wca_coupled(cfg) || w == 0 ||
			    (r / w > cfg->merge_threshold) != (g == 0))
				continue;
			if (h->nc == at)
				h->nc++;
			join(h, k, at);
		}
	}
	for (k = 0; k < h->ns; k++)
		if (h->s[k].cls < 0)
			join(h, k, h->nc++);
}

/* statistics.stdev of the request against the class's average node;
 * +inf when an average capacity is 0. */
static void
score_class(const struct hb *h, struct hb_class *c, const double *req)
{
	const struct algo_ctx *ctx = h->ctx;
	const struct config *cfg = ctx->cfg;
	struct wca_node w;
	enum dim keys[DIM_COUNT];
	double f[DIM_COUNT];
	const char *why;
	size_t i;
	int k;

	memset(&w, 0, sizeof(w));
	for (i = 0; i < cfg->ndims; i++)
		w.cap[cfg->dims[i]] = c->sum[cfg->dims[i]] / (double)c->count;
	if (wca_coupled(cfg)) {
		if (w.cap[DIM_MEMBW_WRITE] == 0) {
			c->stdev = INFINITY;
			return;
		}
		w.has_ratio = 1;
		w.ratio = w.cap[DIM_MEMBW_READ] / w.cap[DIM_MEMBW_WRITE];
	}
	k = wca_fractions(ctx, &w, req, keys, f, &why);
	c->stdev = k < 0 ? INFINITY : wca_stdev(f, (size_t)k);
}

/* The class of a request node, or -1. */
static int
node_class(struct hb *h, const struct ext_node *n)
{
	const struct algo_ctx *ctx = h->ctx;
	double shape[DIM_COUNT];
	struct ns_view v;
	int k;

	if (ctx->store == NULL)
		return -1;
	ns_view(ctx->store, ns_find(ctx->store, n->name, n->name_len),
	    ctx->now, ctx->cfg->staleness, &v);
	if (shape_of(ctx->cfg, &v, shape) < 0 ||
	    (k = shape_index(h, shape, 0)) < 0)
		return -1;
	return h->s[k].cls;
}

static const char *
hb_filter(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, struct filter_out *out)
{
	double req[DIM_COUNT];
	const char *err, *why;
	struct hb h;
	int *cls, best = -1;
	size_t i, passed = 0;

	err = wca_fit_filter(ctx, pod, nodes, n, out, 1.0);
	if (err || wca_app_requests(ctx, pod->app, req, &why) < 0)
		return err;	/* unknown app: pass 2 does not run */
	for (i = 0; i < n; i++)
		passed += out[i].v == VERDICT_PASS;
	if (passed == 0)
		return NULL;
	memset(&h, 0, sizeof(h));
	h.ctx = ctx;
	build_shapes(&h);
	build_classes(&h);
	for (i = 0; i < h.nc; i++)
		score_class(&h, &h.c[i], req);
	cls = arena_alloc(ctx->arena, n * sizeof(*cls));
	for (i = 0; i < n; i++) {
		cls[i] = -1;
		if (out[i].v != VERDICT_PASS)
			continue;
		cls[i] = node_class(&h, &nodes[i]);
		if (cls[i] >= 0)
			h.c[cls[i]].has_cand = 1;
	}
	/* The lowest stdev among classes with candidates; ties: first. */
	for (i = 0; i < h.nc; i++)
		if (h.c[i].has_cand && (best < 0 ||
		    h.c[i].stdev < h.c[best].stdev))
			best = (int)i;
	for (i = 0; i < n; i++) {
		char m[160], detail[200];

		if (out[i].v != VERDICT_PASS)
			continue;
		why = NULL;
		if (cls[i] < 0) {
			snprintf(m, sizeof(m), "node %.100s has no capacity "
			    "shape", nodes[i].name);
			why = arena_strndup(ctx->arena, m, strlen(m));
		} else if (cls[i] != best) {
			snprintf(m, sizeof(m), "Not best class "
			    "(best_variance=%.2f this=%.2f)", h.c[best].stdev,
			    h.c[cls[i]].stdev);
			why = arena_strndup(ctx->arena, m, strlen(m));
		}
		if (why) {
			out[i].v = VERDICT_FAIL;
			out[i].reason = why;
		}
		snprintf(detail, sizeof(detail), "pass=2 class=%d nodes=%zu "
		    "stdev=%.17g best_class=%d best_stdev=%.17g classes=%zu",
		    cls[i], cls[i] >= 0 ? h.c[cls[i]].count : 0,
		    cls[i] >= 0 ? h.c[cls[i]].stdev : NAN, best,
		    best >= 0 ? h.c[best].stdev : NAN, h.nc);
		wca_debug_verdict(ctx, pod, &nodes[i], detail, out[i].v, why);
	}
	return NULL;
}

/* LeastUsedBAR's priority with the default weights (3.6). */
static void
hb_prioritize(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, double *priority)
{
	struct config cfg = *ctx->cfg;
	struct algo_ctx c2 = *ctx;

	cfg.has_least_used_weights = 0;
	memset(cfg.has_bar_weight_for, 0, sizeof(cfg.has_bar_weight_for));
	cfg.least_used_weight = 1;
	c2.cfg = &cfg;
	wca_prioritize(&c2, pod, nodes, n, priority,
	    WCA_PRIO_LU | WCA_PRIO_BAR);
}

const struct algo algo_hier_bar = { ALGO_HIER_BAR, hb_filter,
    hb_prioritize };
