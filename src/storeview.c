/*
 * GET /nodes: every node and app of the store, with only the fields some
 * source has, so an operator can see what the algorithms will read and
 * how old it is.
 */
#include "storeview.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "stats.h"

static const char *const type_names[] = { "unknown", "pmem", "dram" };
static const char *const state_names[] = { "unknown", "stale", "fresh" };

static void
key(struct buf *out, const char *k)
{
	buf_addc(out, ',');
	json_write_str(out, k, strlen(k));
	buf_addc(out, ':');
}

static void
num(struct buf *out, const char *k, double v)
{
	key(out, k);
	json_write_num(out, v);
}

static void
dims(struct buf *out, const char *k, const double *v, unsigned mask)
{
	int d, first = 1;

	key(out, k);
	buf_addc(out, '{');
	for (d = 0; d < DIM_COUNT; d++) {
		if (!(mask & (1u << d)))
			continue;
		if (!first)
			buf_addc(out, ',');
		first = 0;
		json_write_str(out, dim_name((enum dim)d),
		    strlen(dim_name((enum dim)d)));
		buf_addc(out, ':');
		json_write_num(out, v[d]);
	}
	buf_addc(out, '}');
}

/* "cpu_util", "cpu_avg", "cpu_std" (and precomputed) for one resource. */
static void
util(struct buf *out, const char *res, const struct ns_util *u)
{
	char k[32];

	if (u->have & NS_U_LATEST) {
		snprintf(k, sizeof(k), "%s_util", res);
		num(out, k, u->latest);
	}
	if (u->have & NS_U_AVG) {
		snprintf(k, sizeof(k), "%s_avg", res);
		num(out, k, u->avg);
	}
	if (u->have & NS_U_STD) {
		snprintf(k, sizeof(k), "%s_std", res);
		num(out, k, u->std);
	}
	if (u->have) {
		snprintf(k, sizeof(k), "%s_precomputed", res);
		key(out, k);
		buf_adds(out, u->precomputed ? "true" : "false");
	}
}

static void
res(struct buf *out, const char *k, const struct ns_res *r)
{
	key(out, k);
	buf_adds(out, "{\"cpu_millicores\":");
	json_write_num(out, r->cpu_m);
	buf_adds(out, ",\"memory_bytes\":");
	json_write_num(out, r->mem_b);
	buf_addc(out, '}');
}

static void
node_json(const struct ns_store *st, const struct ns_node *n, double now,
    double staleness, struct buf *out)
{
	struct ns_view v;
	size_t len, i;
	const char *name = ns_node_name(n, &len);

	ns_view(st, n, now, staleness, &v);
	buf_adds(out, "{\"name\":");
	json_write_str(out, name, len);
	key(out, "state");
	json_write_str(out, state_names[v.state], strlen(state_names[v.state]));
	key(out, "age_seconds");
	if (v.age >= 0)
		json_write_num(out, floor(v.age * 1000) / 1000);
	else
		buf_adds(out, "null");
	if (v.have & NS_HAVE_CAPACITY)
		dims(out, "capacity", v.capacity, v.capacity_mask);
	if (v.have & NS_HAVE_PMEM) {
		key(out, "pmem");
		buf_adds(out, v.pmem ? "true" : "false");
	}
	if (v.have & NS_HAVE_TYPE) {
		key(out, "node_type");
		json_write_str(out, type_names[v.type],
		    strlen(type_names[v.type]));
	}
	if (v.have & NS_HAVE_DRAM_HIT)
		num(out, "dram_hit_ratio", v.dram_hit_ratio);
	if (v.have & NS_HAVE_ASSIGNED) {
		key(out, "assigned");
		buf_addc(out, '{');
		for (i = 0; i < v.nassigned; i++) {
			size_t al;
			const char *an = ns_app_name(v.assigned[i].app, &al);

			if (i)
				buf_addc(out, ',');
			json_write_str(out, an, al);
			buf_addc(out, ':');
			json_write_num(out, v.assigned[i].count);
		}
		buf_addc(out, '}');
	}
	if (v.have & NS_HAVE_CPU)
		util(out, "cpu", &v.cpu);
	if (v.have & NS_HAVE_MEM)
		util(out, "mem", &v.mem);
	if (v.have & (NS_HAVE_ALLOC_CPU | NS_HAVE_ALLOC_MEM))
		res(out, "allocatable", &v.allocatable);
	if (v.have & (NS_HAVE_KCAP_CPU | NS_HAVE_KCAP_MEM))
		res(out, "kube_capacity", &v.kcapacity);
	if (v.have & NS_HAVE_PODS) {
		key(out, "pods");
		buf_printf(out, "%zu", v.npods);
		res(out, "pods_requests", &v.pods_requests);
		res(out, "pods_limits", &v.pods_limits);
	}
	buf_addc(out, '}');
}

static void
app_json(const struct ns_store *st, const struct ns_app *a, double now,
    double staleness, struct buf *out)
{
	struct ns_app_view v;
	size_t len;
	const char *name = ns_app_name(a, &len);

	ns_app_view(st, a, now, staleness, &v);
	buf_adds(out, "{\"name\":");
	json_write_str(out, name, len);
	key(out, "state");
	json_write_str(out, state_names[v.state], strlen(state_names[v.state]));
	if (v.requested_mask)
		dims(out, "requested", v.requested, v.requested_mask);
	if (v.has_profile)
		num(out, "profile", v.profile);
	buf_addc(out, '}');
}

void
storeview_nodes_json(const struct ns_store *st, double now, double staleness,
    struct buf *out)
{
	const struct ns_node *n;
	const struct ns_app *a;
	int first = 1;

	buf_adds(out, "{\"staleness\":");
	json_write_num(out, staleness);
	buf_adds(out, ",\"nodes\":[");
	for (n = ns_first(st); n; n = ns_next(n)) {
		if (!first)
			buf_addc(out, ',');
		first = 0;
		node_json(st, n, now, staleness, out);
	}
	buf_adds(out, "],\"apps\":[");
	first = 1;
	for (a = ns_app_first(st); a; a = ns_app_next(a)) {
		if (!first)
			buf_addc(out, ',');
		first = 0;
		app_json(st, a, now, staleness, out);
	}
	buf_adds(out, "]}");
}

void
storeview_metrics(const struct ns_store *st, struct buf *out)
{
	stats_metric_head(out, "wca_scheduler_store_nodes", "gauge",
	    "Nodes in the metrics store.");
	buf_printf(out, "wca_scheduler_store_nodes %zu\n", ns_node_count(st));
	stats_metric_head(out, "wca_scheduler_store_apps", "gauge",
	    "Apps in the metrics store.");
	buf_printf(out, "wca_scheduler_store_apps %zu\n", ns_app_count(st));
	stats_metric_head(out, "wca_scheduler_store_memory_bytes", "gauge",
	    "Memory held by the metrics store.");
	buf_printf(out, "wca_scheduler_store_memory_bytes %zu\n",
	    ns_memory_bytes(st));
}
