/*
 * Inputs of the load-aware family: the pod from the request, each node
 * from its Node object (when the request carries them) and the store.
 */
#include "load_aware.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "podres.h"
#include "trimaran.h"

#define NONZERO_CPU_M	100.0			/* kube-scheduler defaults */
#define NONZERO_MEM_B	(200.0 * 1024 * 1024)

void
la_tlp_args(const struct config *c, struct tlp_args *out)
{
	out->target = c->target_utilization;
	out->default_cpu_m = c->default_cpu_request;
	out->multiplier = c->default_requests_multiplier;
}

static void
la_pod_of(const struct config *cfg, const struct ext_pod *p,
    struct la_pod *out)
{
	struct tlp_args tlp;
	const struct pod_spec *s = p->spec;
	struct ns_res init = { 0, 0 };
	size_t i;

	memset(out, 0, sizeof(*out));
	out->spec = s;
	if (s == NULL) {
		out->best_effort = 1;
		return;
	}
	pod_effective(s->containers, s->ncontainers,
	    s->has_overhead ? &s->overhead.req : NULL, &out->req, &out->lim);
	la_tlp_args(cfg, &tlp);
	out->tlp_cpu_m = tlp_predict_cpu(&tlp, s->containers, s->ncontainers,
	    s->has_overhead ? &s->overhead : NULL);
	out->lim.cpu_m = fmax(out->lim.cpu_m, out->req.cpu_m);
	out->lim.mem_b = fmax(out->lim.mem_b, out->req.mem_b);
	out->best_effort = out->req.cpu_m == 0 && out->req.mem_b == 0 &&
	    out->lim.cpu_m == 0 && out->lim.mem_b == 0;
	for (i = 0; i < s->ncontainers; i++) {
		const struct ns_container *c = &s->containers[i];
		double cpu = (c->flags & NS_C_REQ_CPU) ? c->req.cpu_m :
		    NONZERO_CPU_M;
		double mem = (c->flags & NS_C_REQ_MEM) ? c->req.mem_b :
		    NONZERO_MEM_B;

		if (c->flags & NS_C_INIT) {
			init.cpu_m = fmax(init.cpu_m, cpu);
			init.mem_b = fmax(init.mem_b, mem);
		} else {
			out->nonzero_req.cpu_m += cpu;
			out->nonzero_req.mem_b += mem;
		}
	}
	out->nonzero_req.cpu_m = fmax(out->nonzero_req.cpu_m, init.cpu_m);
	out->nonzero_req.mem_b = fmax(out->nonzero_req.mem_b, init.mem_b);
	if (s->has_overhead) {
		out->nonzero_req.cpu_m += s->overhead.req.cpu_m;
		out->nonzero_req.mem_b += s->overhead.req.mem_b;
	}
}

/* status.capacity or status.allocatable of a Node object in the request. */
static unsigned
node_status_list(const struct algo_ctx *ctx, const struct ext_node *n,
    const char *list, struct ns_res *out)
{
	const struct json_doc *d = ctx->doc;
	char err[160];
	unsigned have = 0;
	int status, obj;

	if (n->tok < 0 || d == NULL)
		return 0;
	status = json_get(d, n->tok, "status");
	if (status < 0 || d->tok[status].type != JSON_OBJECT)
		return 0;
	obj = json_get(d, status, list);
	if (obj < 0 || d->tok[obj].type != JSON_OBJECT)
		return 0;
	if (podres_resource_list(d, obj, list, out, &have, LA_CPU, LA_MEM,
	    err, sizeof(err)) < 0) {
		log_debug(LOGGER_ALGORITHM, "node %s: status.%s not used: %s",
		    n->name, list, err);
		return 0;
	}
	return have;
}

/* What the request does not say, from kube-state-metrics in the store. */
static void
fill_from_store(unsigned have_bits, unsigned cpu_bit, unsigned mem_bit,
    const struct ns_res *from, unsigned *have, struct ns_res *to)
{
	if (!(*have & LA_CPU) && (have_bits & cpu_bit)) {
		to->cpu_m = from->cpu_m;
		*have |= LA_CPU;
	}
	if (!(*have & LA_MEM) && (have_bits & mem_bit)) {
		to->mem_b = from->mem_b;
		*have |= LA_MEM;
	}
}

/*
 * TargetLoadPacking's recent placements: the pods on the node that
 * started less than 60 s before the utilisation was taken (a Unix time:
 * the store's clock mapped through the request's), or after, or not yet.
 */
static void
recent_pods(const struct algo_ctx *ctx, const struct ns_view *v,
    struct la_data *d)
{
	double window_end = ctx->unix_now - (ctx->now - v->cpu.t);
	struct tlp_args a;
	size_t i, end = v->npods;

	la_tlp_args(ctx->cfg, &a);
	/* newest start first, pods without a start time last */
	for (i = 0; i < end && !isnan(v->pods[i].start_time); i++) {
		if (!tlp_recent(v->pods[i].start_time, window_end))
			break;
		d->recent_m += tlp_predict_cpu(&a, v->pods[i].containers,
		    v->pods[i].ncontainers, NULL);
		d->nrecent++;
	}
	for (; end > i && isnan(v->pods[end - 1].start_time); end--) {
		d->recent_m += tlp_predict_cpu(&a, v->pods[end - 1].containers,
		    v->pods[end - 1].ncontainers, NULL);
		d->nrecent++;
	}
}

/*
 * LowRiskOverCommitment's measured-load risk reads only the node (its
 * pods, usage and allocatable), not the pod: computed once per node for
 * the store's allocatable, which a request's Node object may override.
 */
static void
lroc_loads(const struct algo_ctx *ctx, struct la_data *d)
{
	struct ns_res none = { 0, 0 }, zero = { 0, 0 };
	int pods = (d->have & NS_HAVE_PODS) != 0;
	struct tri_usage cu, mu;
	struct tri_node_rl rl;
	struct lroc_detail det;

	tri_usage_of(&d->cpu, &cu);
	tri_usage_of(&d->mem, &mu);
	tri_node_requests_limits(pods ? &d->pods_requests : &none,
	    pods ? &d->pods_limits : &none, &zero, &zero, &d->allocatable, &rl);
	d->lroc_cap = d->allocatable;
	d->lroc_load[TRI_CPU] = lroc_risk_load(TRI_CPU,
	    ctx->cfg->smoothing_window, &cu, &rl, &det);
	d->lroc_load[TRI_MEMORY] = lroc_risk_load(TRI_MEMORY,
	    ctx->cfg->smoothing_window, &mu, &rl, &det);
	d->lroc_have = 1;
}

/* The node's data from the store, as of ctx->now. */
static void
data_of(const struct algo_ctx *ctx, const struct ext_node *n,
    struct la_data *d, const char **reason)
{
	struct ns_view v;

	memset(d, 0, sizeof(*d));
	d->fresh = algo_node_metrics(ctx, n, &v, reason) == 0;
	d->have = v.have;
	d->cpu = v.cpu;
	d->mem = v.mem;
	d->kcapacity = v.kcapacity;
	d->allocatable = v.allocatable;
	d->pods_requests = v.pods_requests;
	d->pods_limits = v.pods_limits;
	if (d->fresh && ctx->cfg->algo == ALGO_TARGET_LOAD_PACKING &&
	    (v.cpu.have & (NS_U_AVG | NS_U_LATEST)))
		recent_pods(ctx, &v, d);
	if (d->fresh && ctx->cfg->algo == ALGO_LOW_RISK_OVERCOMMIT &&
	    (v.have & NS_HAVE_ALLOC_CPU) && (v.have & NS_HAVE_ALLOC_MEM))
		lroc_loads(ctx, d);
}

/* Owner tag of the per-node memo (algo_node_memo). */
static const char LA_MEMO[] = "load-aware";

/*
 * Between two commits, and until some source's data turns stale, a
 * node's la_data stays what it was: it is kept in the memo by node id
 * and a request only looks the node up.
 */
static void
la_node_of(const struct algo_ctx *ctx, struct algo_node_memo *m,
    const struct ext_node *n, struct la_node *out)
{
	const struct ns_node *sn;

	memset(out, 0, sizeof(*out));
	out->en = n;
	if (m == NULL ||
	    (sn = ns_find(ctx->store, n->name, n->name_len)) == NULL) {
		data_of(ctx, n, &out->d, &out->reason);
	} else {
		size_t id = ns_node_id(sn);
		struct la_data *d = algo_node_slot(m, id);

		if (!algo_node_slot_valid(m, id)) {
			data_of(ctx, n, d, &out->reason);
			algo_node_slot_fill(m, id);
		}
		out->d = *d;
	}
	out->cap_have = node_status_list(ctx, n, "capacity", &out->capacity);
	out->alloc_have = node_status_list(ctx, n, "allocatable",
	    &out->allocatable);
	fill_from_store(out->d.have, NS_HAVE_KCAP_CPU, NS_HAVE_KCAP_MEM,
	    &out->d.kcapacity, &out->cap_have, &out->capacity);
	fill_from_store(out->d.have, NS_HAVE_ALLOC_CPU, NS_HAVE_ALLOC_MEM,
	    &out->d.allocatable, &out->alloc_have, &out->allocatable);
}

static long
la_fallback(const struct algo_ctx *ctx, const struct la_pod *pod,
    const struct la_node *n)
{
	struct ns_res req = pod->nonzero_req;

	if (ctx->cfg->fallback == FALLBACK_ZERO)
		return 0;
	if (n->d.have & NS_HAVE_PODS) {
		req.cpu_m += n->d.pods_requests.cpu_m;
		req.mem_b += n->d.pods_requests.mem_b;
	}
	return tri_least_allocated(&req, &n->allocatable);
}

/* The decision log's view of one node: what the three algorithms read. */
static void
note_node(const struct algo_ctx *ctx, struct dec_terms *t,
    const struct la_node *node)
{
	static const enum term cpu[3] = { TERM_CPU_UTIL, TERM_CPU_AVG,
	    TERM_CPU_STD };
	static const enum term mem[3] = { TERM_MEM_UTIL, TERM_MEM_AVG,
	    TERM_MEM_STD };
	const struct ns_util *u[2] = { &node->d.cpu, &node->d.mem };
	const enum term *ids[2] = { cpu, mem };
	size_t r;

	for (r = 0; r < 2; r++) {
		if (u[r]->have & NS_U_LATEST)
			dec_term(t, ids[r][0], u[r]->latest);
		if (u[r]->have & NS_U_AVG)
			dec_term(t, ids[r][1], u[r]->avg);
		if (u[r]->have & NS_U_STD)
			dec_term(t, ids[r][2], u[r]->std);
	}
	if (node->cap_have & LA_CPU)
		dec_term(t, TERM_CPU_CAPACITY_M, node->capacity.cpu_m);
	if (node->cap_have & LA_MEM)
		dec_term(t, TERM_MEM_CAPACITY_B, node->capacity.mem_b);
	if (node->d.have & NS_HAVE_PODS) {
		dec_term(t, TERM_PODS_CPU_M, node->d.pods_requests.cpu_m);
		dec_term(t, TERM_PODS_MEM_B, node->d.pods_requests.mem_b);
	}
	if (node->d.nrecent)
		dec_term(t, TERM_RECENT_CPU_M, node->d.recent_m);
	if (node->d.cpu.have)
		dec_term(t, TERM_AGE, ctx->now - node->d.cpu.t);
}

void
la_prioritize(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, double *priority,
    la_scorer scorer)
{
	const char *name = algo_name(ctx->cfg->algo);
	struct algo_node_memo *m = algo_node_memo(ctx, LA_MEMO,
	    sizeof(struct la_data));
	struct la_pod p;
	struct dec_terms *t;
	size_t i;

	la_pod_of(ctx->cfg, pod, &p);
	if ((t = algo_terms(ctx, n)) != NULL) {
		dec_term(t, TERM_POD_CPU_M, p.req.cpu_m);
		dec_term(t, TERM_POD_MEM_B, p.req.mem_b);
	}
	for (i = 0; i < n; i++) {
		struct la_node node;
		const char *why = NULL;
		long score;

		la_node_of(ctx, m, &nodes[i], &node);
		if ((t = algo_terms(ctx, i)) != NULL)
			note_node(ctx, t, &node);
		if (scorer(ctx, &p, &node, &score, &why)) {
			priority[i] = (double)score;
			continue;
		}
		score = la_fallback(ctx, &p, &node);
		priority[i] = (double)score;
		if (t != NULL)
			dec_term(t, TERM_FALLBACK, 1);
		log_debug(LOGGER_ALGORITHM, "%s node=%s score=%ld fallback=%s "
		    "because=%s", name, nodes[i].name, score,
		    ctx->cfg->fallback == FALLBACK_ZERO ? "zero" :
		    "least_allocated", node.reason ? node.reason : why);
	}
}
