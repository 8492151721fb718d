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
 * order.  The shapes and classes depend on the store alone: they are
 * built once per store version (linear in its nodes, a hash of shapes)
 * and kept in the server's memo; a call then costs a lookup per
 * candidate and a score per class.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "buf.h"		/* xcalloc */
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
};

/*
 * Everything HierBAR derives from the store whatever the pod: shapes,
 * classes and each node's class.  It holds for one store version until
 * the first data it used goes stale (valid_until), so it is kept in the
 * server's memo between requests and rebuilt only after a commit.
 */
struct hb_table {
	const struct config *cfg;
	uint64_t version;		/* ns_version it was built at */
	double built, valid_until;	/* store clock */
	struct hb_shape *s;
	size_t ns, cap;
	int *slot;			/* shape hash: index + 1, 0 empty */
	size_t nslot;
	struct hb_class *c;
	size_t nc;
	int *cls_of;			/* by ns_node_id: class, -1 none */
	size_t nids;
};

/* Per request: the pod's score of each class. */
struct hb_score {
	double stdev;
	int has_cand;
	const char *why;		/* "Not best class ...", made once */
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

/* The index of a shape, added if new; -1 when full. */
static int
shape_index(struct hb_table *t, const double *shape)
{
	const struct config *cfg = t->cfg;
	size_t mask = t->nslot - 1, at, i;

	at = (size_t)shape_hash(cfg, shape) & mask;
	for (;; at = (at + 1) & mask) {
		int k = t->slot[at] - 1;
		int same = k >= 0;

		if (k < 0)
			break;
		for (i = 0; same && i < cfg->ndims; i++)
			same = t->s[k].shape[cfg->dims[i]] ==
			    shape[cfg->dims[i]];
		if (same)
			return k;
	}
	if (t->ns == t->cap)
		return -1;
	memcpy(t->s[t->ns].shape, shape, sizeof(t->s[t->ns].shape));
	t->slot[at] = (int)++t->ns;
	return (int)t->ns - 1;
}

static size_t
pow2_above(size_t n)
{
	size_t p = 16;

	while (p < 2 * n)
		p *= 2;
	return p;
}

/*
 * The shapes of every node of the store, in first-appearance order, and
 * each node's shape by its id (its class once classes exist).  The
 * table is valid until the oldest data a shape used goes stale: a node
 * without a shape cannot get one without a commit.
 */
static void
build_shapes(struct hb_table *t, const struct algo_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	const struct ns_node *node;
	double shape[DIM_COUNT];
	struct ns_view v;
	size_t i, members = 0;

	t->cap = ns_node_count(ctx->store);
	t->nslot = pow2_above(t->cap);
	t->nids = ns_node_id_limit(ctx->store);
	t->s = xcalloc(t->cap ? t->cap : 1, sizeof(*t->s));
	t->slot = xcalloc(t->nslot, sizeof(*t->slot));
	t->cls_of = xmalloc((t->nids ? t->nids : 1) * sizeof(*t->cls_of));
	for (i = 0; i < t->nids; i++)
		t->cls_of[i] = -1;
	t->valid_until = INFINITY;
	for (node = ns_first(ctx->store); node && members < t->cap;
	    node = ns_next(node)) {
		int k;

		ns_view(ctx->store, node, ctx->now, cfg->staleness, &v);
		if (shape_of(cfg, &v, shape) < 0 ||
		    (k = shape_index(t, shape)) < 0)
			continue;
		/* Fresh while its oldest data used is at most staleness old. */
		if (ctx->now + cfg->staleness - v.used_age < t->valid_until)
			t->valid_until = ctx->now + cfg->staleness -
			    v.used_age;
		members++;
		for (i = 0; i < cfg->ndims; i++)
			t->s[k].sum[cfg->dims[i]] += v.capacity[cfg->dims[i]];
		t->s[k].count++;
		t->cls_of[ns_node_id(node)] = k;	/* a shape until
							   build_classes */
	}
}

/* Shape k joins class c. */
static void
join(struct hb_table *t, size_t k, size_t c)
{
	const struct config *cfg = t->cfg;
	size_t i;

	t->s[k].cls = (int)c;
	for (i = 0; i < cfg->ndims; i++)
		t->c[c].sum[cfg->dims[i]] += t->s[k].sum[cfg->dims[i]];
	t->c[c].count += t->s[k].count;
}

/*
 * The classes: one per shape; with merge_threshold and two shapes or
 * more, the shapes whose truncated read / write ratio is above the
 * threshold form the first class, those at or below it the next, and
 * shapes without a ratio follow, one class each.  Then each node's
 * shape in the map becomes its class.
 */
static void
build_classes(struct hb_table *t)
{
	const struct config *cfg = t->cfg;
	int merge = cfg->has_merge_threshold && t->ns >= 2;
	size_t k, g;

	t->c = xcalloc(t->ns + 2, sizeof(*t->c));
	t->nc = 0;
	for (k = 0; k < t->ns; k++)
		t->s[k].cls = -1;
	for (g = 0; merge && g < 2; g++) {
		size_t at = t->nc;

		for (k = 0; k < t->ns; k++) {
			double r = t->s[k].shape[DIM_MEMBW_READ];
			double w = t->s[k].shape[DIM_MEMBW_WRITE];

			if (!wca_coupled(cfg) || w == 0 ||
			    (r / w > cfg->merge_threshold) != (g == 0))
				continue;
			if (t->nc == at)
				t->nc++;
			join(t, k, at);
		}
	}
	for (k = 0; k < t->ns; k++)
		if (t->s[k].cls < 0)
			join(t, k, t->nc++);
	for (k = 0; k < t->nids; k++)
		if (t->cls_of[k] >= 0)
			t->cls_of[k] = t->s[t->cls_of[k]].cls;
}

static void
table_free(void *p)
{
	struct hb_table *t = p;

	free(t->s);
	free(t->slot);
	free(t->c);
	free(t->cls_of);
	free(t);
}

static struct hb_table *
table_build(const struct algo_ctx *ctx)
{
	struct hb_table *t = xcalloc(1, sizeof(*t));

	t->cfg = ctx->cfg;
	t->version = ns_version(ctx->store);
	t->built = ctx->now;
	build_shapes(t, ctx);
	build_classes(t);
	return t;
}

/* The memo's table while it still describes the store, else a new one
 * (kept in the memo when there is one; *own: the caller frees it). */
static struct hb_table *
table_get(const struct algo_ctx *ctx, int *own)
{
	struct algo_memo *memo = ctx->memo;
	struct hb_table *t = memo && memo->free == table_free ? memo->p : NULL;

	*own = 0;
	if (t != NULL && t->cfg == ctx->cfg &&
	    t->version == ns_version(ctx->store) && ctx->now >= t->built &&
	    ctx->now < t->valid_until)
		return t;
	t = table_build(ctx);
	if (memo == NULL) {
		*own = 1;
		return t;
	}
	if (memo->p != NULL)
		memo->free(memo->p);	/* its own slot only: not the nodes' */
	memo->p = t;
	memo->free = table_free;
	return t;
}

/* The class of a store node, or -1. */
static int
node_class(const struct hb_table *t, const struct ns_node *node)
{
	return node != NULL && ns_node_id(node) < t->nids ?
	    t->cls_of[ns_node_id(node)] : -1;
}

/* statistics.stdev of the request against the class's average node;
 * +inf when an average capacity is 0. */
static double
score_class(const struct algo_ctx *ctx, const struct hb_class *c,
    const double *req)
{
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
		if (w.cap[DIM_MEMBW_WRITE] == 0)
			return INFINITY;
		w.has_ratio = 1;
		w.ratio = w.cap[DIM_MEMBW_READ] / w.cap[DIM_MEMBW_WRITE];
	}
	k = wca_fractions(ctx, &w, req, keys, f, &why);
	return k < 0 ? INFINITY : wca_stdev(f, (size_t)k);
}

static const char *
no_shape(const struct algo_ctx *ctx, const struct ext_node *n)
{
	char m[160];

	snprintf(m, sizeof(m), "node %.100s has no capacity shape", n->name);
	return arena_strndup(ctx->arena, m, strlen(m));
}

/* The failure of every candidate of class c: the same text for each, so
 * it is made once per class. */
static const char *
not_best(const struct algo_ctx *ctx, struct hb_score *sc, int best, int c)
{
	char m[160];

	if (sc[c].why == NULL) {
		snprintf(m, sizeof(m), "Not best class (best_variance=%.2f "
		    "this=%.2f)", sc[best].stdev, sc[c].stdev);
		sc[c].why = arena_strndup(ctx->arena, m, strlen(m));
	}
	return sc[c].why;
}

static const char *
hb_filter(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, struct filter_out *out)
{
	double req[DIM_COUNT];
	const char *err, *why;
	struct hb_table *t;
	struct hb_score *sc;
	const struct ns_node **found;
	int *cls, best = -1, own;
	size_t i, passed = 0;

	found = arena_alloc(ctx->arena, (n ? n : 1) * sizeof(*found));
	err = wca_fit_filter_found(ctx, pod, nodes, n, out, 1.0, found);
	if (err || wca_app_requests(ctx, pod->app, req, &why) < 0)
		return err;	/* unknown app: pass 2 does not run */
	for (i = 0; i < n; i++)
		passed += out[i].v == VERDICT_PASS;
	if (passed == 0 || ctx->store == NULL)
		return NULL;	/* (no store: Fit failed every node) */
	t = table_get(ctx, &own);
	sc = arena_alloc(ctx->arena, (t->nc + 1) * sizeof(*sc));
	for (i = 0; i < t->nc; i++)
		sc[i].stdev = score_class(ctx, &t->c[i], req);
	cls = arena_alloc(ctx->arena, n * sizeof(*cls));
	for (i = 0; i < n; i++) {
		cls[i] = -1;
		if (out[i].v != VERDICT_PASS)
			continue;
		cls[i] = node_class(t, found[i]);
		if (cls[i] >= 0)
			sc[cls[i]].has_cand = 1;
	}
	/* The lowest stdev among classes with candidates; ties: first. */
	for (i = 0; i < t->nc; i++)
		if (sc[i].has_cand && (best < 0 || sc[i].stdev < sc[best].stdev))
			best = (int)i;
	for (i = 0; i < n; i++) {
		if (out[i].v != VERDICT_PASS)
			continue;
		why = cls[i] < 0 ? no_shape(ctx, &nodes[i]) :
		    cls[i] != best ? not_best(ctx, sc, best, cls[i]) : NULL;
		if (why) {
			out[i].v = VERDICT_FAIL;
			out[i].reason = why;
		}
		wca_debug_verdict(ctx, pod, &nodes[i], out[i].v, why,
		    "pass=2 class=%d nodes=%zu stdev=%.17g best_class=%d "
		    "best_stdev=%.17g classes=%zu", cls[i],
		    cls[i] >= 0 ? t->c[cls[i]].count : 0,
		    cls[i] >= 0 ? sc[cls[i]].stdev : NAN, best,
		    best >= 0 ? sc[best].stdev : NAN, t->nc);
	}
	if (own)
		table_free(t);
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
    hb_prioritize, 0, 0 };
