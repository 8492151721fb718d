/*
 * LoadVariationRiskBalancing (load-aware.md 1.3): per resource, risk =
 * (mu + margin * sigma^(1/sensitivity)) / 2 of the node's allocatable,
 * mu counting the pod's request; the node scores (1 - risk) * 100 of
 * its worse resource.
 */
#include "algo.h"
#include "config.h"
#include "load_aware.h"
#include "log.h"
#include "trimaran.h"

/* One resource: 1 with *score when its usage and allocatable are known. */
static int
resource_score(const struct algo_ctx *ctx, enum tri_resource r,
    const struct ns_util *util, int have_alloc, double alloc, double req,
    struct tri_stats *s, double *score)
{
	struct tri_usage u;

	tri_usage_of(util, &u);
	if (!u.valid || !have_alloc)
		return 0;
	tri_resource_stats(r, alloc, req, &u, s);
	*score = lvrb_compute_score(s, ctx->cfg->safe_variance_margin,
	    ctx->cfg->safe_variance_sensitivity);
	return 1;
}

static int
lvrb_node(const struct algo_ctx *ctx, const struct la_pod *pod,
    struct la_node *node, long *score, const char **why)
{
	struct tri_stats cs = { 0, 0, 0, 0 }, ms = { 0, 0, 0, 0 };
	double cpu = 0, mem = 0;
	int cpu_ok, mem_ok;

	if (!node->d.fresh)
		return 0;
	cpu_ok = resource_score(ctx, TRI_CPU, &node->d.cpu,
	    (node->alloc_have & LA_CPU) != 0, node->allocatable.cpu_m,
	    pod->req.cpu_m, &cs, &cpu);
	mem_ok = resource_score(ctx, TRI_MEMORY, &node->d.mem,
	    (node->alloc_have & LA_MEM) != 0, node->allocatable.mem_b,
	    pod->req.mem_b, &ms, &mem);
	if (!cpu_ok && !mem_ok) {
		*why = "no cpu or memory utilisation with allocatable";
		return 0;
	}
	*score = lvrb_combine(cpu_ok, cpu, mem_ok, mem);
	log_debug(LOGGER_ALGORITHM, "LoadVariationRiskBalancing node=%s "
	    "score=%ld cpu=%s%g (avg %g std %g req %g of %g) memory=%s%g "
	    "(avg %g std %g req %g of %g MiB)", node->en->name, *score,
	    cpu_ok ? "" : "unused ", cpu, cs.used_avg, cs.used_std, cs.req,
	    cs.capacity, mem_ok ? "" : "unused ", mem, ms.used_avg,
	    ms.used_std, ms.req, ms.capacity);
	return 1;
}

static void
lvrb_prioritize(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, double *priority)
{
	la_prioritize(ctx, pod, nodes, n, priority, lvrb_node);
}

const struct algo algo_load_variation_risk = { ALGO_LOAD_VARIATION_RISK,
    algo_filter_pass, lvrb_prioritize, ALGO_NEEDS_POD_SPEC, 100 };
