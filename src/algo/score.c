/*
 * Score, PMEM-aware placement (wca-original.md 3.8).  Pass 1, per node:
 * Fit with cpu_scale_factor and, on nodes of type pmem, the DRAM hit
 * ratio check against `threshold`.  The app's type: with more than two
 * app profiles known, pmem when score_target is set (and not 0) and the
 * app's profile is at most score_target, or, without score_target, when
 * the app has the lowest profile (ties: the first app in feed order);
 * dram otherwise.  Pass 2 keeps the nodes that passed and whose type is
 * the app's ("unknown" never matches); when none is kept, every
 * candidate stays, or none with strict_mode_placement.  Priority 0.
 *
 * score_mode = wca keeps the original's answers: pass-1 messages are
 * "<fit> <dram>" with their stray spaces, and pass-2 rejections are left
 * out of FailedNodes (so kube-scheduler sees them filtered silently).
 * clamp fixes both (7.15): the messages are joined without stray spaces
 * and pass-2 rejections are listed with "'<app>' not preferred for <type>
 * type of node".  Both modes: a node without a fresh type, or a pmem
 * node without a fresh DRAM hit ratio, fails alone with the reason (the
 * original answered 500).  Node types are read from the store on every
 * call, not once at start-up.  Per call: linear in nodes plus apps.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "algo.h"
#include "nodestore.h"
#include "wca_common.h"

static const char *const type_names[] = { "unknown", "pmem", "dram" };

/* The app's type from the profiles of the store's apps. */
static enum ns_node_type
app_type(const struct algo_ctx *ctx, const char *app, size_t *nprofiles)
{
	const struct config *cfg = ctx->cfg;
	const struct ns_app *a, *min_app = NULL, *self = NULL;
	double min = 0, own = 0;
	struct ns_app_view av;
	size_t n = 0, len;

	for (a = ctx->store ? ns_app_first(ctx->store) : NULL; a;
	    a = ns_app_next(a)) {
		const char *name;

		ns_app_view(ctx->store, a, ctx->now, cfg->staleness, &av);
		if (av.state != NS_FRESH || !av.has_profile)
			continue;
		n++;
		if (min_app == NULL || av.profile < min) {
			min = av.profile;
			min_app = a;
		}
		name = ns_app_name(a, &len);
		if (len == strlen(app) && memcmp(name, app, len) == 0) {
			self = a;
			own = av.profile;
		}
	}
	*nprofiles = n;
	if (n <= 2 || self == NULL)
		return NS_TYPE_DRAM;
	if (cfg->has_score_target && cfg->score_target != 0)
		return own <= cfg->score_target ? NS_TYPE_PMEM : NS_TYPE_DRAM;
	return self == min_app ? NS_TYPE_PMEM : NS_TYPE_DRAM;
}

static const char *
adup(const struct algo_ctx *ctx, const char *s)
{
	return arena_strndup(ctx->arena, s, strlen(s));
}

/* Pass 1 for one node: NULL, or why it fails.  *type receives its type
 * (NS_TYPE_UNKNOWN when absent). */
static const char *
pass1(const struct algo_ctx *ctx, struct wca_apps *apps,
    const struct ext_node *n, const double *req, enum ns_node_type *type,
    double *ratio)
{
	const struct config *cfg = ctx->cfg;
	double free_[DIM_COUNT];
	struct wca_node w;
	const char *why, *fit, *dram = NULL;
	char m[1600];

	*type = NS_TYPE_UNKNOWN;
	*ratio = NAN;
	if (wca_node_load(ctx, apps, n, cfg->cpu_scale_factor, &w, &why) < 0)
		return why;
	if (!(w.v.have & NS_HAVE_TYPE)) {
		snprintf(m, sizeof(m), (w.v.stale & NS_HAVE_TYPE) ?
		    "node type of node %.200s is stale" :
		    "no node type for node %.200s", n->name);
		return adup(ctx, m);
	}
	*type = w.v.type;
	fit = wca_fit(ctx, &w, req, free_);
	if (*type == NS_TYPE_PMEM &&
	    wca_dram_hit(ctx, n, &w.v, ratio, &dram) < 0)
		return dram;
	if (fit == NULL && dram == NULL)
		return NULL;
	if (cfg->score_mode == SCORE_WCA || (fit && dram)) {
		snprintf(m, sizeof(m), "%s %s", fit ? fit : "",
		    dram ? dram : "");
		return adup(ctx, m);
	}
	return fit ? fit : dram;
}

static const char *
score_filter(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, struct filter_out *out)
{
	const struct config *cfg = ctx->cfg;
	double req[DIM_COUNT], *ratio;
	enum ns_node_type at, *type;
	struct wca_apps *apps;
	const char *app_why;
	size_t i, passed = 0, kept = 0, nprof = 0;
	char m[400];

	for (i = 0; i < n; i++) {
		out[i].v = VERDICT_PASS;
		out[i].reason = NULL;
	}
	if (wca_app_or_unknown(ctx, pod, req, "filter", &app_why) < 0)
		return cfg->unknown_app == UNKNOWN_APP_FAIL ? app_why : NULL;
	type = arena_alloc(ctx->arena, (n ? n : 1) * sizeof(*type));
	ratio = arena_alloc(ctx->arena, (n ? n : 1) * sizeof(*ratio));
	apps = wca_apps_new(ctx);
	for (i = 0; i < n; i++) {
		const char *why = pass1(ctx, apps, &nodes[i], req, &type[i],
		    &ratio[i]);

		if (why) {
			out[i].v = VERDICT_FAIL;
			out[i].reason = why;
		} else {
			passed++;
		}
	}
	at = app_type(ctx, pod->app, &nprof);
	for (i = 0; i < n; i++)
		if (out[i].v == VERDICT_PASS && type[i] == at)
			kept++;
	/* Pass 2: only when a node passed pass 1. */
	for (i = 0; passed && i < n; i++) {
		if (out[i].v != VERDICT_PASS ||
		    (kept ? type[i] == at : !cfg->strict_mode_placement))
			continue;
		if (cfg->score_mode == SCORE_WCA) {
			out[i].v = VERDICT_DROP;
			continue;
		}
		snprintf(m, sizeof(m), "'%.200s' not preferred for %s type of "
		    "node", pod->app, type_names[type[i]]);
		out[i].v = VERDICT_FAIL;
		out[i].reason = adup(ctx, m);
	}
	for (i = 0; i < n; i++) {
		wca_debug_verdict(ctx, pod, &nodes[i], out[i].v,
		    out[i].v == VERDICT_DROP ? "not the app's node type" :
		    out[i].reason, "node_type=%s app_type=%s profiles=%zu "
		    "dram_hit_ratio=%.17g kept=%zu", type_names[type[i]],
		    type_names[at], nprof, ratio[i], kept);
	}
	return NULL;
}

const struct algo algo_score = { ALGO_SCORE, score_filter,
    algo_prioritize_zero, 0, 0 };
