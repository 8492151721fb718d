/*
 * wca-scheduler simulate: place pods one at a time through the server's
 * filter and prioritize, as kube-scheduler would with this extender
 * alone (highest score wins, ties to the first name), and report the
 * cluster after.  Each placement is committed to the store as the
 * scheduler's binding would show up in the metrics: the pod counted in
 * wca_app_assigned on its node and, for pod-aware algorithms, as a
 * running pod started now (kube_pod_info, kube_pod_start_time and its
 * containers' requests and limits).
 */
#include "offline.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "buf.h"
#include "json.h"
#include "nodestore.h"
#include "podres.h"
#include "snapshot.h"

#define EXIT_RUNTIME 1
#define EXIT_CONFIG  2

struct sim_pod {
	char *name, *ns, *app;		/* app may be NULL */
	char *json;			/* the Pod object */
	char *node;			/* where it went; NULL: unschedulable */
	char *why;			/* why not, when unschedulable */
};

struct sim_node {
	const char *name;		/* NUL-terminated copy of the store's */
	size_t placed;
	/* Once a pod lands here, the node's assigned apps and pods come
	 * from the simulation's source: the snapshot's, then the added. */
	struct buf base, added;
};

struct sim {
	struct offline o;
	struct sim_pod *pods;
	size_t npods, cappods;
	struct sim_node *nodes;
	size_t nnodes;
	int pod_series;			/* placements add kube_pod_* too */
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: wca-scheduler simulate -c FILE --metrics CLUSTER.prom "
	    "--pods PODS [--csv]\n"
	    "  Places the pods of PODS (lines 'app count', or a JSON list of "
	    "Pods) one by one\n  through filter and prioritize as the server "
	    "configured by FILE would on the\n  cluster of CLUSTER.prom (GET "
	    "/snapshot), and prints per node the pods placed\n  and the "
	    "utilisation per dimension, then the totals; --csv for "
	    "plotting.\n");
}

static char *
dup_n(const char *s, size_t n)
{
	return xstrndup(s, n);
}

static void
add_pod(struct sim *s, char *name, char *ns, char *app, char *json)
{
	struct sim_pod *p;

	if (s->npods == s->cappods) {
		s->cappods = s->cappods ? s->cappods * 2 : 64;
		s->pods = xrealloc(s->pods, s->cappods * sizeof(*s->pods));
	}
	p = &s->pods[s->npods++];
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->ns = ns;
	p->app = app;
	p->json = json;
}

/* The namespace pods of an "app count" line go to: a judged one. */
static const char *
sim_namespace(const struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nnamespaces; i++)
		if (strcmp(cfg->namespaces[i], "*") != 0)
			return cfg->namespaces[i];
	return "default";
}

static size_t
pods_of_app(const struct sim *s, const char *app)
{
	size_t i, n = 0;

	for (i = 0; i < s->npods; i++)
		n += s->pods[i].app && !strcmp(s->pods[i].app, app);
	return n;
}

/* "app count" lines; '#' comments and blank lines are skipped. */
static int
pods_from_lines(struct sim *s, const char *text, size_t len, const char *path)
{
	const char *ns = sim_namespace(s->o.cfg);
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		char line[512], *app, *num, *rest, *stop;
		long count, k;
		size_t before;

		lineno++;
		if (end - pos >= sizeof(line)) {
			fprintf(stderr, "%s:%zu: line too long\n", path, lineno);
			return -1;
		}
		memcpy(line, text + pos, end - pos);
		line[end - pos] = '\0';
		pos = end + 1;
		if (strchr(line, '#'))
			*strchr(line, '#') = '\0';
		app = line + strspn(line, " \t\r");
		if (*app == '\0')
			continue;
		num = app + strcspn(app, " \t\r");
		rest = num + strspn(num, " \t\r");
		*num = '\0';
		errno = 0;
		count = strtol(rest, &stop, 10);
		stop += strspn(stop, " \t\r");
		if (rest == stop || *stop != '\0' || errno || count < 0 ||
		    count > 1000000 || strlen(app) > 253) {
			fprintf(stderr, "%s:%zu: expected 'app count', got '%s%s%s'"
			    "\n", path, lineno, app, *rest ? " " : "", rest);
			return -1;
		}
		/* Numbered per app over the whole file: two lines of one app
		 * must not make two pods of one name (the store keys pods by
		 * namespace and name).  Counted once per line, not per pod:
		 * a line may ask for a million. */
		before = pods_of_app(s, app);
		for (k = 1; k <= count; k++) {
			struct buf j;
			char name[300];

			snprintf(name, sizeof(name), "%s-%zu", app,
			    before + (size_t)k);
			buf_init(&j);
			buf_adds(&j, "{\"metadata\":{\"name\":");
			json_write_str(&j, name, strlen(name));
			buf_adds(&j, ",\"namespace\":");
			json_write_str(&j, ns, strlen(ns));
			buf_adds(&j, ",\"labels\":{\"app\":");
			json_write_str(&j, app, strlen(app));
			buf_adds(&j, "}}}");
			buf_addc(&j, '\0');
			add_pod(s, xstrdup(name), xstrdup(ns), xstrdup(app), j.p);
		}
	}
	return 0;
}

static char *
str_member(const struct json_doc *d, int obj, const char *const *path,
    size_t n, const char *dflt)
{
	char buf[512];
	int t = json_path(d, obj, path, n);

	if (t < 0 || json_str(d, t, buf, sizeof(buf)) < 0)
		return dflt ? xstrdup(dflt) : NULL;
	return xstrdup(buf);
}

/* A JSON list of Pod objects. */
static int
pods_from_json(struct sim *s, const char *text, size_t len, const char *path)
{
	static const char *const k_name[] = { "metadata", "name" };
	static const char *const k_ns[] = { "metadata", "namespace" };
	static const char *const k_app[] = { "metadata", "labels", "app" };
	struct json_doc d;
	char err[JSON_ERR_LEN];
	int i, n = 0;

	json_doc_init(&d);
	if (json_parse(&d, text, len, err) < 0) {
		fprintf(stderr, "%s: %s\n", path, err);
		json_doc_free(&d);
		return -1;
	}
	if (d.tok[0].type != JSON_ARRAY) {
		fprintf(stderr, "%s: expected a JSON list of Pods\n", path);
		json_doc_free(&d);
		return -1;
	}
	for (i = json_first(&d, 0); i > 0; i = json_next(&d, 0, i)) {
		char dflt[32];

		n++;
		if (d.tok[i].type != JSON_OBJECT) {
			fprintf(stderr, "%s: item %d is not a Pod object\n", path,
			    n);
			json_doc_free(&d);
			return -1;
		}
		snprintf(dflt, sizeof(dflt), "pod-%d", n);
		add_pod(s, str_member(&d, i, k_name, 2, dflt),
		    str_member(&d, i, k_ns, 2, "default"),
		    str_member(&d, i, k_app, 3, NULL),
		    dup_n(text + d.tok[i].start, d.tok[i].end - d.tok[i].start));
	}
	json_doc_free(&d);
	return 0;
}

static int
cmp_node(const void *x, const void *y)
{
	const struct sim_node *a = x, *b = y;

	return strcmp(a->name, b->name);
}

/* Candidates: every node some fresh source describes, by name. */
static void
collect_nodes(struct sim *s)
{
	const struct ns_node *n;
	size_t k = 0;

	s->nodes = xcalloc(ns_node_count(s->o.store) + 1, sizeof(*s->nodes));
	for (n = ns_first(s->o.store); n != NULL; n = ns_next(n)) {
		struct ns_view v;
		size_t len;
		const char *name = ns_node_name(n, &len);

		ns_view(s->o.store, n, s->o.now, s->o.cfg->staleness, &v);
		if (v.state != NS_FRESH)
			continue;
		s->nodes[k].name = xstrndup(name, len);
		buf_init(&s->nodes[k].base);
		buf_init(&s->nodes[k].added);
		snapshot_write_node_sets(s->o.store, n, s->o.now, s->o.now,
		    s->o.cfg->staleness, &s->nodes[k].base);
		k++;
	}
	s->nnodes = k;
	qsort(s->nodes, k, sizeof(*s->nodes), cmp_node);
}

static void
request(const struct sim_pod *p, const char *const *names, size_t n,
    struct buf *out)
{
	size_t i;

	out->len = 0;
	buf_adds(out, "{\"Pod\":");
	buf_adds(out, p->json);
	buf_adds(out, ",\"Nodes\":null,\"NodeNames\":[");
	for (i = 0; i < n; i++) {
		if (i)
			buf_addc(out, ',');
		json_write_str(out, names[i], strlen(names[i]));
	}
	buf_adds(out, "]}");
}

/*
 * The placement shows up in the metrics: the nodes that received pods,
 * each with its assigned apps and pods whole (a source gives a node its
 * sets entire), committed as the simulation's source.  Repeated
 * wca_app_assigned series of one node and app add up.
 */
static void
place(struct sim *s, struct sim_pod *p, size_t node)
{
	struct sim_node *sn = &s->nodes[node];
	struct buf all;
	size_t i;

	p->node = xstrdup(sn->name);
	sn->placed++;
	if (p->app) {
		buf_adds(&sn->added, "wca_app_assigned{node=");
		snapshot_label_value(&sn->added, p->node, strlen(p->node));
		buf_adds(&sn->added, ",app=");
		snapshot_label_value(&sn->added, p->app, strlen(p->app));
		buf_adds(&sn->added, "} 1\n");
	}
	if (s->pod_series) {
		struct json_doc d;
		struct arena a;
		struct pod_spec spec;
		struct ns_pod np;
		char err[JSON_ERR_LEN + 256];

		json_doc_init(&d);
		arena_init(&a);
		memset(&np, 0, sizeof(np));
		np.ns = p->ns;
		np.name = p->name;
		np.start_time = s->o.now;
		if (json_parse(&d, p->json, strlen(p->json), err) == 0 &&
		    pod_spec_decode(&d, 0, &a, &spec, err, sizeof(err)) == 0) {
			np.containers = spec.containers;
			np.ncontainers = spec.ncontainers;
		}
		snapshot_write_pod(&sn->added, p->node, &np, s->o.now);
		arena_free(&a);
		json_doc_free(&d);
	}
	buf_init(&all);
	for (i = 0; i < s->nnodes; i++) {
		if (s->nodes[i].placed == 0)
			continue;
		buf_add(&all, s->nodes[i].base.p, s->nodes[i].base.len);
		buf_add(&all, s->nodes[i].added.p, s->nodes[i].added.len);
	}
	snapshot_commit(s->o.store, s->o.spare, all.p, all.len, s->o.now);
	buf_free(&all);
}

/* The answer's NodeNames (filter) into names[]; count, or -1 with *why. */
static long
passed(const struct buf *ans, const char **names, size_t max, char *why,
    size_t whylen, struct json_doc *d, struct sim *s)
{
	char err[JSON_ERR_LEN], msg[256];
	int list, i, t;
	long n = 0;
	size_t k;

	if (json_parse(d, ans->p, ans->len, err) < 0)
		return snprintf(why, whylen, "filter: %s", err), -1;
	t = json_get(d, 0, "Error");
	if (t >= 0 && json_str(d, t, msg, sizeof(msg)) > 0)
		return snprintf(why, whylen, "filter error: %s", msg), -1;
	list = json_get(d, 0, "NodeNames");
	for (i = list >= 0 ? json_first(d, list) : -1; i > 0;
	    i = json_next(d, list, i)) {
		for (k = 0; k < s->nnodes && (size_t)n < max; k++)
			if (json_str_eq(d, i, s->nodes[k].name,
			    strlen(s->nodes[k].name))) {
				names[n++] = s->nodes[k].name;
				break;
			}
	}
	if (n == 0) {
		int f = json_get(d, 0, "FailedNodes");
		int first = f >= 0 ? json_first(d, f) : -1;

		if (first > 0 && json_str(d, first + 1, msg, sizeof(msg)) >= 0)
			snprintf(why, whylen, "no node passed (e.g. %.*s: %s)",
			    (int)(d->tok[first].end - d->tok[first].start),
			    ans->p + d->tok[first].start, msg);
		else
			snprintf(why, whylen, "no node passed");
		return -1;
	}
	return n;
}

/* The highest score, ties to the first name; index into s->nodes. */
static long
best(const struct buf *ans, struct json_doc *d, struct sim *s, char *why,
    size_t whylen)
{
	char err[JSON_ERR_LEN];
	long bi = -1;
	double bs = -INFINITY;
	int i;
	size_t k;

	if (json_parse(d, ans->p, ans->len, err) < 0)
		return snprintf(why, whylen, "prioritize: %s", err), -1;
	if (d->tok[0].type != JSON_ARRAY)
		return snprintf(why, whylen, "prioritize: not a list"), -1;
	for (i = json_first(d, 0); i > 0; i = json_next(d, 0, i)) {
		int h = json_get(d, i, "Host"), sc = json_get(d, i, "Score");
		double v;

		if (h < 0 || sc < 0 || json_number(d, sc, &v) < 0)
			continue;
		for (k = 0; k < s->nnodes; k++)
			if (json_str_eq(d, h, s->nodes[k].name,
			    strlen(s->nodes[k].name)))
				break;
		if (k == s->nnodes)
			continue;
		if (v > bs || (v == bs && strcmp(s->nodes[k].name,
		    s->nodes[bi].name) < 0)) {
			bs = v;
			bi = (long)k;
		}
	}
	if (bi < 0)
		snprintf(why, whylen, "prioritize scored no node");
	return bi;
}

static void
run(struct sim *s)
{
	const char **all = xcalloc(s->nnodes + 1, sizeof(*all));
	const char **ok = xcalloc(s->nnodes + 1, sizeof(*ok));
	struct buf req, ans;
	struct json_doc d;
	size_t i;

	for (i = 0; i < s->nnodes; i++)
		all[i] = s->nodes[i].name;
	buf_init(&req);
	buf_init(&ans);
	json_doc_init(&d);
	for (i = 0; i < s->npods; i++) {
		struct sim_pod *p = &s->pods[i];
		char why[512];
		long n, b;
		int st;

		request(p, all, s->nnodes, &req);
		st = offline_call(&s->o, ROUTE_FILTER, req.p, req.len, NULL, &ans);
		if (st != 200) {
			snprintf(why, sizeof(why), "filter answered %d: %.*s", st,
			    (int)(ans.len > 300 ? 300 : ans.len), ans.p);
			p->why = xstrdup(why);
			continue;
		}
		n = passed(&ans, ok, s->nnodes, why, sizeof(why), &d, s);
		if (n < 0) {
			p->why = xstrdup(why);
			continue;
		}
		request(p, ok, (size_t)n, &req);
		st = offline_call(&s->o, ROUTE_PRIORITIZE, req.p, req.len, NULL,
		    &ans);
		b = st == 200 ? best(&ans, &d, s, why, sizeof(why)) : -1;
		if (st != 200)
			snprintf(why, sizeof(why), "prioritize answered %d", st);
		else if (b < 0 && ans.len >= 2 && !memcmp(ans.p, "[]", 2)) {
			/* A pod outside `namespaces`: passed through unscored,
			 * the scheduler places it by its own scores; here the
			 * first node that passed. */
			for (b = 0; (size_t)b < s->nnodes &&
			    strcmp(s->nodes[b].name, ok[0]); b++)
				continue;
		}
		if (b < 0) {
			p->why = xstrdup(why);
			continue;
		}
		place(s, p, (size_t)b);
	}
	json_doc_free(&d);
	buf_free(&req);
	buf_free(&ans);
	free(all);
	free(ok);
}

/* ---- the report ---- */

/* Utilisation per dimension of a node after the placements: WCA, the
 * configured dimensions (assigned pods' requests over capacity); pod
 * aware, cpu and memory (pod requests over allocatable). */
struct util_row {
	double u[DIM_COUNT];
	int have[DIM_COUNT];
};

static size_t
dims_of(const struct sim *s, const char **names)
{
	size_t i;

	if (s->pod_series) {
		names[0] = "cpu";
		names[1] = "mem";
		return 2;
	}
	for (i = 0; i < s->o.cfg->ndims; i++)
		names[i] = dim_name(s->o.cfg->dims[i]);
	return s->o.cfg->ndims;
}

static void
node_util(const struct sim *s, const char *name, struct util_row *r)
{
	const struct config *cfg = s->o.cfg;
	const struct ns_node *n = ns_find(s->o.store, name, strlen(name));
	struct ns_view v;
	size_t i, j;

	memset(r, 0, sizeof(*r));
	ns_view(s->o.store, n, s->o.now, cfg->staleness, &v);
	if (s->pod_series) {
		const struct ns_res *cap = (v.have & NS_HAVE_ALLOC_CPU) ?
		    &v.allocatable : &v.kcapacity;

		if (cap->cpu_m > 0) {
			r->u[0] = v.pods_requests.cpu_m / cap->cpu_m;
			r->have[0] = 1;
		}
		if (cap->mem_b > 0) {
			r->u[1] = v.pods_requests.mem_b / cap->mem_b;
			r->have[1] = 1;
		}
		return;
	}
	for (i = 0; i < cfg->ndims; i++) {
		enum dim d = cfg->dims[i];
		double used = 0;

		if (!(v.capacity_mask & (1u << d)) || v.capacity[d] <= 0)
			continue;
		for (j = 0; j < v.nassigned; j++) {
			struct ns_app_view av;

			ns_app_view(s->o.store, v.assigned[j].app, s->o.now,
			    cfg->staleness, &av);
			if (av.requested_mask & (1u << d))
				used += v.assigned[j].count * av.requested[d];
		}
		r->u[i] = used / v.capacity[d];
		r->have[i] = 1;
	}
}

/* "a:2 b:1": the apps placed on a node, in first-placement order. */
static void
placed_apps(const struct sim *s, const char *node, struct buf *out)
{
	size_t i, j;

	out->len = 0;
	for (i = 0; i < s->npods; i++) {
		const struct sim_pod *p = &s->pods[i];
		const char *app = p->app ? p->app : p->name;
		size_t count = 0;
		int seen = 0;

		if (!p->node || strcmp(p->node, node))
			continue;
		for (j = 0; j < i && !seen; j++)
			seen = s->pods[j].node && !strcmp(s->pods[j].node, node) &&
			    !strcmp(s->pods[j].app ? s->pods[j].app :
			    s->pods[j].name, app);
		if (seen)
			continue;
		for (j = i; j < s->npods; j++)
			if (s->pods[j].node && !strcmp(s->pods[j].node, node) &&
			    !strcmp(s->pods[j].app ? s->pods[j].app :
			    s->pods[j].name, app))
				count++;
		buf_printf(out, "%s%s:%zu", out->len ? " " : "", app, count);
	}
	if (out->len == 0)
		buf_addc(out, '-');
}

static void
report(const struct sim *s, int csv, FILE *f)
{
	const char *dn[DIM_COUNT];
	size_t nd = dims_of(s, dn), i, k, placed = 0, used = 0;
	double sum[DIM_COUNT] = { 0 }, sq[DIM_COUNT] = { 0 };
	size_t cnt[DIM_COUNT] = { 0 };
	struct buf apps;

	buf_init(&apps);
	if (csv) {
		fprintf(f, "node,pods");
		for (k = 0; k < nd; k++)
			fprintf(f, ",%s", dn[k]);
		fprintf(f, "\n");
	} else {
		fprintf(f, "algorithm %s, %zu nodes, %zu pods\n\n",
		    algo_name(s->o.cfg->algo), s->nnodes, s->npods);
		fprintf(f, "%-24s %5s", "node", "pods");
		for (k = 0; k < nd; k++)
			fprintf(f, " %8s", dn[k]);
		fprintf(f, "  placed\n");
	}
	for (i = 0; i < s->nnodes; i++) {
		struct util_row r;

		node_util(s, s->nodes[i].name, &r);
		placed += s->nodes[i].placed;
		used += s->nodes[i].placed > 0;
		fprintf(f, csv ? "%s,%zu" : "%-24s %5zu", s->nodes[i].name,
		    s->nodes[i].placed);
		for (k = 0; k < nd; k++) {
			if (!r.have[k]) {
				fprintf(f, csv ? "," : " %8s", "-");
				continue;
			}
			fprintf(f, csv ? ",%.6f" : " %7.1f%%", csv ? r.u[k] :
			    r.u[k] * 100);
			sum[k] += r.u[k];
			sq[k] += r.u[k] * r.u[k];
			cnt[k]++;
		}
		if (!csv) {
			placed_apps(s, s->nodes[i].name, &apps);
			fprintf(f, "  %.*s", (int)apps.len, apps.p);
		}
		fprintf(f, "\n");
	}
	buf_free(&apps);
	if (csv)
		return;
	fprintf(f, "\npods placed %zu, unschedulable %zu; nodes used %zu of "
	    "%zu\n", placed, s->npods - placed, used, s->nnodes);
	for (k = 0; k < nd; k++) {
		double mean = cnt[k] ? sum[k] / (double)cnt[k] : 0;
		double var = cnt[k] ? sq[k] / (double)cnt[k] - mean * mean : 0;

		fprintf(f, "utilisation %s: mean %.1f%%, standard deviation "
		    "%.1f%%\n", dn[k], mean * 100, sqrt(var > 0 ? var : 0) * 100);
	}
	for (i = 0; i < s->npods; i++)
		if (s->pods[i].node == NULL)
			fprintf(f, "unschedulable %s/%s: %s\n", s->pods[i].ns,
			    s->pods[i].name, s->pods[i].why ? s->pods[i].why :
			    "-");
}

static void
sim_free(struct sim *s)
{
	size_t i;

	for (i = 0; i < s->npods; i++) {
		free(s->pods[i].name);
		free(s->pods[i].ns);
		free(s->pods[i].app);
		free(s->pods[i].json);
		free(s->pods[i].node);
		free(s->pods[i].why);
	}
	free(s->pods);
	for (i = 0; i < s->nnodes; i++) {
		free((char *)s->nodes[i].name);
		buf_free(&s->nodes[i].base);
		buf_free(&s->nodes[i].added);
	}
	free(s->nodes);
	offline_free(&s->o);
}

int
offline_simulate(int argc, char **argv)
{
	struct offline_args args;
	const char *pods;
	const struct algo *algo;
	struct sim s;
	struct buf text;
	int rc, csv;
	size_t k;

	rc = offline_args(argc, argv, 1, &args, usage);
	if (rc)
		return rc < 0 ? 0 : rc;
	pods = args.pods;
	csv = args.csv;
	memset(&s, 0, sizeof(s));
	rc = offline_load(&s.o, "simulate", args.config, args.metrics);
	if (rc)
		return rc;
	buf_init(&text);
	if (offline_read(pods, &text) < 0) {
		fprintf(stderr, "wca-scheduler simulate: %s: %s\n", pods,
		    strerror(errno));
		buf_free(&text);
		sim_free(&s);
		return EXIT_RUNTIME;
	}
	for (k = 0; k < text.len && text.p[k] && strchr(" \t\r\n", text.p[k]);
	    k++)
		continue;
	rc = k < text.len && text.p[k] == '[' ?
	    pods_from_json(&s, text.p, text.len, pods) :
	    pods_from_lines(&s, text.p, text.len, pods);
	buf_free(&text);
	if (rc < 0) {
		sim_free(&s);
		return EXIT_CONFIG;
	}
	algo = algo_for(s.o.cfg->algo);
	collect_nodes(&s);
	/* Pod-aware algorithms see placements as running pods. */
	s.pod_series = algo != NULL && (algo->needs & ALGO_NEEDS_POD_SPEC);
	run(&s);
	report(&s, csv, stdout);
	sim_free(&s);
	return 0;
}
