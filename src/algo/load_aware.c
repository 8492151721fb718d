/*
 * Inputs of the load-aware family: the pod from the request, each node
 * from its Node object (when the request carries them) and the store.
 */
#include "load_aware.h"

#include <math.h>
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
fill_from_store(const struct ns_view *v, unsigned cpu_bit, unsigned mem_bit,
    const struct ns_res *from, unsigned *have, struct ns_res *to)
{
	if (!(*have & LA_CPU) && (v->have & cpu_bit)) {
		to->cpu_m = from->cpu_m;
		*have |= LA_CPU;
	}
	if (!(*have & LA_MEM) && (v->have & mem_bit)) {
		to->mem_b = from->mem_b;
		*have |= LA_MEM;
	}
}

static void
la_node_of(const struct algo_ctx *ctx, const struct ext_node *n,
    struct la_node *out)
{
	memset(out, 0, sizeof(*out));
	out->en = n;
	out->fresh = algo_node_metrics(ctx, n, &out->v, &out->reason) == 0;
	out->cap_have = node_status_list(ctx, n, "capacity", &out->capacity);
	out->alloc_have = node_status_list(ctx, n, "allocatable",
	    &out->allocatable);
	fill_from_store(&out->v, NS_HAVE_KCAP_CPU, NS_HAVE_KCAP_MEM,
	    &out->v.kcapacity, &out->cap_have, &out->capacity);
	fill_from_store(&out->v, NS_HAVE_ALLOC_CPU, NS_HAVE_ALLOC_MEM,
	    &out->v.allocatable, &out->alloc_have, &out->allocatable);
}

double
la_util_unix_time(const struct algo_ctx *ctx, const struct ns_util *u)
{
	return ctx->unix_now - (ctx->now - u->t);
}

static long
la_fallback(const struct algo_ctx *ctx, const struct la_pod *pod,
    const struct la_node *n)
{
	struct ns_res req = pod->nonzero_req;

	if (ctx->cfg->fallback == FALLBACK_ZERO)
		return 0;
	if (n->v.have & NS_HAVE_PODS) {
		req.cpu_m += n->v.pods_requests.cpu_m;
		req.mem_b += n->v.pods_requests.mem_b;
	}
	return tri_least_allocated(&req, &n->allocatable);
}

void
la_prioritize(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, double *priority,
    la_scorer scorer)
{
	const char *name = algo_name(ctx->cfg->algo);
	struct la_pod p;
	size_t i;

	la_pod_of(ctx->cfg, pod, &p);
	for (i = 0; i < n; i++) {
		struct la_node node;
		const char *why = NULL;
		long score;

		la_node_of(ctx, &nodes[i], &node);
		if (scorer(ctx, &p, &node, &score, &why)) {
			priority[i] = (double)score;
			continue;
		}
		score = la_fallback(ctx, &p, &node);
		priority[i] = (double)score;
		log_debug(LOGGER_ALGORITHM, "%s node=%s score=%ld fallback=%s "
		    "because=%s", name, nodes[i].name, score,
		    ctx->cfg->fallback == FALLBACK_ZERO ? "zero" :
		    "least_allocated", node.reason ? node.reason : why);
	}
}
