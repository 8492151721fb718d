#include "snapshot.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "nodestore.h"
#include "promtext.h"
#include "scrape.h"

#define SNAPSHOT_TIME "wca_scheduler_snapshot_time_seconds"

/* ---- writing ---- */

struct writer {
	struct buf *out;
	double now, unix_now;
};

void
snapshot_label_value(struct buf *out, const char *s, size_t n)
{
	size_t i;

	buf_addc(out, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '\\' || s[i] == '"')
			buf_addc(out, '\\');
		if (s[i] == '\n') {
			buf_adds(out, "\\n");
			continue;
		}
		buf_addc(out, s[i]);
	}
	buf_addc(out, '"');
}

/* One label of a sample. */
struct lab {
	const char *k, *v;
	size_t vlen;
};

/* name{k="v",...} value timestamp_ms, t in the store's clock. */
static void
sample(struct writer *w, const char *name, const struct lab *l, size_t nl,
    double value, double t)
{
	size_t i;

	buf_adds(w->out, name);
	if (nl) {
		buf_addc(w->out, '{');
		for (i = 0; i < nl; i++) {
			if (i)
				buf_addc(w->out, ',');
			buf_adds(w->out, l[i].k);
			buf_addc(w->out, '=');
			snapshot_label_value(w->out, l[i].v, l[i].vlen);
		}
		buf_addc(w->out, '}');
	}
	/* %.17g reads back as the same double. */
	buf_printf(w->out, " %.17g %lld\n", value,
	    (long long)llround((w->unix_now - (w->now - t)) * 1000.0));
}

static struct lab
L(const char *k, const char *v)
{
	struct lab l = { k, v, strlen(v) };

	return l;
}

static struct lab
Ln(const char *k, const char *v, size_t n)
{
	struct lab l = { k, v, n };

	return l;
}

static void
util(struct writer *w, struct lab node, const char *res,
    const struct ns_util *u)
{
	static const char *const ops[3] = { "latest", "avg", "std" };
	const double vals[3] = { u->latest, u->avg, u->std };
	static const unsigned bits[3] = { NS_U_LATEST, NS_U_AVG, NS_U_STD };
	struct lab l[3];
	size_t i;

	l[0] = node;
	l[1] = L("resource", res);
	for (i = 0; i < 3; i++) {
		if (!(u->have & bits[i]))
			continue;
		l[2] = L("operator", ops[i]);
		sample(w, "wca_node_utilization", l, 3, vals[i], u->t);
	}
}

static void
kube_res(struct writer *w, const char *name, struct lab node,
    const struct ns_res *r, unsigned have, unsigned cpu_bit,
    unsigned mem_bit, double t)
{
	struct lab l[3];

	l[0] = node;
	if (have & cpu_bit) {
		l[1] = L("resource", "cpu");
		l[2] = L("unit", "core");
		sample(w, name, l, 3, r->cpu_m / 1000.0, t);
	}
	if (have & mem_bit) {
		l[1] = L("resource", "memory");
		l[2] = L("unit", "byte");
		sample(w, name, l, 3, r->mem_b, t);
	}
}

static void
pod(struct writer *w, struct lab node, const struct ns_pod *p, double t)
{
	struct lab l[5];
	size_t i;

	l[0] = L("namespace", p->ns);
	l[1] = L("pod", p->name);
	l[2] = node;
	sample(w, "kube_pod_info", l, 3, 1, t);
	if (isfinite(p->start_time))
		sample(w, "kube_pod_start_time", l, 2, p->start_time, t);
	for (i = 0; i < p->ncontainers; i++) {
		const struct ns_container *c = &p->containers[i];
		int init = (c->flags & NS_C_INIT) != 0;
		char cname[24];

		snprintf(cname, sizeof(cname), "c%zu", i);
		l[2] = L("container", cname);
		l[3] = node;
		l[4] = L("resource", "cpu");
		if (c->flags & NS_C_REQ_CPU)
			sample(w, init ? "kube_pod_init_container_resource_"
			    "requests" : "kube_pod_container_resource_requests",
			    l, 5, c->req.cpu_m / 1000.0, t);
		if (c->flags & NS_C_LIM_CPU)
			sample(w, init ? "kube_pod_init_container_resource_"
			    "limits" : "kube_pod_container_resource_limits",
			    l, 5, c->lim.cpu_m / 1000.0, t);
		l[4] = L("resource", "memory");
		if (c->flags & NS_C_REQ_MEM)
			sample(w, init ? "kube_pod_init_container_resource_"
			    "requests" : "kube_pod_container_resource_requests",
			    l, 5, c->req.mem_b, t);
		if (c->flags & NS_C_LIM_MEM)
			sample(w, init ? "kube_pod_init_container_resource_"
			    "limits" : "kube_pod_container_resource_limits",
			    l, 5, c->lim.mem_b, t);
	}
}

/* What node() writes: everything, or only what placements change. */
enum { SNAP_ALL, SNAP_SETS };

static void
node(struct writer *w, const struct ns_store *st, const struct ns_node *n,
    double staleness, int what)
{
	static const char *const types[] = { "unknown", "pmem", "dram" };
	struct ns_view v;
	struct lab l[2];
	size_t len, i;
	const char *name = ns_node_name(n, &len);
	double t;
	int d;

	ns_view(st, n, w->now, staleness, &v);
	if (v.state != NS_FRESH || v.have == 0)
		return;
	t = w->now - (v.age > 0 ? v.age : 0);
	l[0] = Ln("node", name, len);
	if (what == SNAP_SETS)
		goto sets;
	for (d = 0; d < DIM_COUNT; d++) {
		if (!(v.capacity_mask & (1u << d)))
			continue;
		l[1] = L("dim", dim_name((enum dim)d));
		sample(w, "wca_node_capacity", l, 2, v.capacity[d], t);
	}
	if (v.have & NS_HAVE_PMEM)
		sample(w, "wca_node_pmem", l, 1, v.pmem, t);
	if (v.have & NS_HAVE_TYPE) {
		l[1] = L("nodetype", types[v.type]);
		sample(w, "wca_node_type", l, 2, 1, t);
	}
	if (v.have & NS_HAVE_DRAM_HIT)
		sample(w, "wca_node_dram_hit_ratio", l, 1, v.dram_hit_ratio, t);
	if (v.have & NS_HAVE_CPU)
		util(w, l[0], "cpu", &v.cpu);
	if (v.have & NS_HAVE_MEM)
		util(w, l[0], "memory", &v.mem);
	kube_res(w, "kube_node_status_allocatable", l[0], &v.allocatable,
	    v.have, NS_HAVE_ALLOC_CPU, NS_HAVE_ALLOC_MEM, t);
	kube_res(w, "kube_node_status_capacity", l[0], &v.kcapacity, v.have,
	    NS_HAVE_KCAP_CPU, NS_HAVE_KCAP_MEM, t);
sets:
	for (i = 0; (v.have & NS_HAVE_ASSIGNED) && i < v.nassigned; i++) {
		size_t alen;
		const char *app = ns_app_name(v.assigned[i].app, &alen);

		l[1] = Ln("app", app, alen);
		sample(w, "wca_app_assigned", l, 2, v.assigned[i].count, t);
	}
	for (i = 0; (v.have & NS_HAVE_PODS) && i < v.npods; i++)
		pod(w, l[0], &v.pods[i], t);
}

static void
app(struct writer *w, const struct ns_store *st, const struct ns_app *a,
    double staleness)
{
	struct ns_app_view v;
	struct lab l[2];
	size_t len;
	const char *name = ns_app_name(a, &len);
	double t;
	int d;

	ns_app_view(st, a, w->now, staleness, &v);
	if (v.state != NS_FRESH)
		return;
	t = w->now - (v.age > 0 ? v.age : 0);
	l[0] = Ln("app", name, len);
	for (d = 0; d < DIM_COUNT; d++) {
		if (!(v.requested_mask & (1u << d)))
			continue;
		l[1] = L("dim", dim_name((enum dim)d));
		sample(w, "wca_app_requested", l, 2, v.requested[d], t);
	}
	if (v.has_profile)
		sample(w, "wca_app_profile", l, 1, v.profile, t);
}

void
snapshot_write(const struct ns_store *st, double now, double unix_now,
    double staleness, struct buf *out)
{
	struct writer w = { out, now, unix_now };
	const struct ns_node *n;
	const struct ns_app *a;

	buf_adds(out, "# wca-scheduler snapshot: what the algorithms see, "
	    "merged over every source; each sample's\n# timestamp is the time "
	    "of its data.  Read back by wca-scheduler explain and simulate "
	    "(--metrics).\n");
	buf_printf(out, "# TYPE " SNAPSHOT_TIME " gauge\n" SNAPSHOT_TIME
	    " %.3f\n", unix_now);
	if (st == NULL)
		return;
	for (n = ns_first(st); n != NULL; n = ns_next(n))
		node(&w, st, n, staleness, SNAP_ALL);
	for (a = ns_app_first(st); a != NULL; a = ns_app_next(a))
		app(&w, st, a, staleness);
}

void
snapshot_write_node_sets(const struct ns_store *st, const struct ns_node *n,
    double now, double unix_now, double staleness, struct buf *out)
{
	struct writer w = { out, now, unix_now };

	node(&w, st, n, staleness, SNAP_SETS);
}

void
snapshot_write_pod(struct buf *out, const char *node_name,
    const struct ns_pod *p, double t)
{
	struct writer w = { out, t, t };

	pod(&w, L("node", node_name), p, t);
}

/* ---- reading ---- */

struct line_ref {
	size_t off, len;
	int64_t ts;			/* ms; INT64_MIN: none */
	size_t seq;			/* file order, for a stable sort */
};

static int
cmp_ref(const void *x, const void *y)
{
	const struct line_ref *a = x, *b = y;

	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void
snapshot_commit(struct ns_store *st, size_t id, const char *text,
    size_t len, double t)
{
	struct prom_parser p;
	struct ns_builder *b = ns_builder_new(st, id);
	size_t pos = 0;

	prom_parser_init(&p);
	prom_feed(&p, text, len, &pos, 1, 0, scrape_add_sample, b);
	ns_commit(st, b, t);
	prom_parser_free(&p);
}

struct ns_store *
snapshot_read(const char *text, size_t len, const struct ns_opts *o,
    double *now, size_t *malformed, size_t *spare, char *err, size_t errlen)
{
	struct prom_parser p;
	struct prom_sample smp;
	struct line_ref *refs = NULL;
	struct ns_source_spec *specs;
	struct ns_store *st;
	size_t nrefs = 0, cap = 0, pos = 0, ngroups = 0, i, g;
	double snap_time = NAN, max_ts = -INFINITY;
	char (*urls)[32];

	*malformed = 0;
	prom_parser_init(&p);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *why;
		int r = prom_parse_line(&p, text + pos, end - pos, &smp, &why);

		if (r == PROM_ERROR)
			(*malformed)++;
		else if (r == PROM_SAMPLE) {
			if (smp.name.n == strlen(SNAPSHOT_TIME) &&
			    memcmp(smp.name.p, SNAPSHOT_TIME, smp.name.n) == 0)
				snap_time = smp.value;
			else {
				if (nrefs == cap) {
					cap = cap ? cap * 2 : 1024;
					refs = xrealloc(refs, cap * sizeof(*refs));
				}
				refs[nrefs].off = pos;
				refs[nrefs].len = end - pos;
				refs[nrefs].ts = smp.has_timestamp ?
				    smp.timestamp_ms : INT64_MIN;
				refs[nrefs].seq = nrefs;
				if (smp.has_timestamp &&
				    (double)smp.timestamp_ms / 1000.0 > max_ts)
					max_ts = (double)smp.timestamp_ms / 1000.0;
				nrefs++;
			}
		}
		pos = end + 1;
	}
	if (nrefs == 0) {
		snprintf(err, errlen, "no samples (%zu malformed lines)",
		    *malformed);
		prom_parser_free(&p);
		free(refs);
		return NULL;
	}
	/* The snapshot's time, else its newest sample's. */
	*now = isfinite(snap_time) ? snap_time : isfinite(max_ts) ? max_ts :
	    0;
	/* Untimed samples are as old as the snapshot: they sort (and commit)
	 * with its time, after the timed ones no newer. */
	for (i = 0; i < nrefs; i++)
		if (refs[i].ts == INT64_MIN)
			refs[i].ts = llround(*now * 1000.0);
	qsort(refs, nrefs, sizeof(*refs), cmp_ref);
	for (i = 0; i < nrefs; i++)
		if (i == 0 || refs[i].ts != refs[i - 1].ts)
			ngroups++;
	specs = xcalloc(ngroups + 1, sizeof(*specs));
	urls = xcalloc(ngroups + 1, sizeof(*urls));
	for (g = 0; g <= ngroups; g++) {
		snprintf(urls[g], sizeof(urls[g]), "snapshot:%zu", g);
		specs[g].url = urls[g];
	}
	st = ns_store_new();
	ns_configure(st, o);
	ns_set_sources(st, specs, ngroups + 1);
	if (spare != NULL)
		*spare = ngroups;
	for (i = 0, g = 0; i < nrefs; g++) {
		struct ns_builder *b = ns_builder_new(st, g);
		int64_t ts = refs[i].ts;
		const char *why;

		for (; i < nrefs && refs[i].ts == ts; i++)
			if (prom_parse_line(&p, text + refs[i].off, refs[i].len,
			    &smp, &why) == PROM_SAMPLE)
				scrape_add_sample(b, &smp);
		ns_commit(st, b, (double)ts / 1000.0);
	}
	free(specs);
	free(urls);
	free(refs);
	prom_parser_free(&p);
	return st;
}
