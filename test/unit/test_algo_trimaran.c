/*
 * The load-aware family (TargetLoadPacking, LoadVariationRiskBalancing,
 * LowRiskOverCommitment) against the golden vectors in
 * ../shared/golden/trimaran (schema: load-aware.md section 4).
 *
 * "score" cases go the way a request goes: the case's watcher payload
 * becomes wca_node_utilization series, its assign cache or podsOnNode
 * kube-state-metrics pod series, both parsed by promtext into a node
 * store; the Node and Pod are sent to ext_handle() as ExtenderArgs with
 * max_node_score = 100 and fallback = zero (Trimaran's answer for a node
 * without metrics), and the answered score must equal the expected one.
 * computeScore / computeRisk / beta / common cases call the arithmetic
 * directly.  schedule_sequence cases run end to end (test/e2e).
 * peaks.json is not read: Peaks is not one of this server's algorithms.
 *
 * Run from the repository root: the golden directory must be there.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "arena.h"
#include "beta.h"
#include "buf.h"
#include "config.h"
#include "extender.h"
#include "json.h"
#include "nodestore.h"
#include "podres.h"
#include "promtext.h"
#include "quantity.h"
#include "scrape.h"
#include "t.h"
#include "trimaran.h"

#define GOLDEN_DIR "../shared/golden/trimaran"
#include "golden.h"

/* The request's Unix time and store clock; data is committed at NOW. */
#define UNIX_NOW 1.8e9
#define NOW 1000.0

static const char *
case_id(const struct json_doc *d, int c)
{
	static char id[128];

	return str(d, json_get(d, c, "id"), id, sizeof(id));
}

static char kind_buf[64];

static const char *
case_kind(const struct json_doc *d, int c)
{
	return str(d, json_get(d, c, "kind"), kind_buf, sizeof(kind_buf));
}

/* A failed comparison names the case. */
#define CASE_EQ(id, got, want) do {					\
	double g_ = (got), w_ = (want);					\
	if (!(g_ == w_)) {						\
		printf("#   %s: %s = %.17g, expected %.17g\n", (id), #got, \
		    g_, w_);						\
		t_failed_checks++;					\
	}								\
} while (0)

#define CASE_NEAR(id, got, want, tol) do {				\
	double g_ = (got), w_ = (want);					\
	if (!(fabs(g_ - w_) <= (tol))) {				\
		printf("#   %s: %s = %.17g, expected %.17g (+-%g)\n",	\
		    (id), #got, g_, w_, (double)(tol));			\
		t_failed_checks++;					\
	}								\
} while (0)

static double
member_num(const struct json_doc *d, int obj, const char *k)
{
	return num(d, obj >= 0 ? json_get(d, obj, k) : -1);
}

/* A quantity string member ("2", "1Gi") in millicores or bytes. */
static double
quantity_of(const struct json_doc *d, int obj, const char *k, int milli)
{
	char s[64];
	struct quantity q;
	int v = obj >= 0 ? json_get(d, obj, k) : -1;

	if (v < 0 || quantity_parse(s, strlen(str(d, v, s, sizeof(s))),
	    &q) < 0)
		return NAN;
	return (double)(milli ? quantity_milli(&q) : quantity_value(&q));
}

/* ---- Prometheus text from a case ---- */

/* The watcher's records of one node as wca_node_utilization series. */
static void
records_text(struct buf *b, const struct json_doc *d, int records,
    const char *node)
{
	char type[32], op[32];
	int r;

	for (r = json_first(d, records); r >= 0; r = json_next(d, records, r)) {
		str(d, json_get(d, r, "type"), type, sizeof(type));
		str(d, json_get(d, r, "operator"), op, sizeof(op));
		/* only cpu and memory are kept by the store */
		if (strcmp(type, "CPU") != 0 && strcmp(type, "Memory") != 0)
			continue;
		buf_printf(b, "wca_node_utilization{node=\"%s\",resource=\"%s\","
		    "operator=\"%s\"} %.17g\n", node,
		    strcmp(type, "CPU") == 0 ? "cpu" : "memory", op,
		    member_num(d, r, "value"));
	}
}

static void
watcher_text(struct buf *b, const struct json_doc *d, int watcher)
{
	int map = -1, k;
	char node[128];

	if (watcher >= 0 && d->tok[watcher].type == JSON_OBJECT)
		map = at(d, watcher, "data", "NodeMetricsMap");
	if (map < 0 || d->tok[map].type != JSON_OBJECT)
		return;		/* never fetched, or "404": no nodes */
	for (k = json_first(d, map); k >= 0; k = json_next(d, map, k))
		records_text(b, d, json_get(d, k + 1, "metrics"),
		    str(d, k, node, sizeof(node)));
}

/* One container's requests or limits as kube-state-metrics series. */
static void
container_text(struct buf *b, const struct json_doc *d, int c, int init,
    const char *ns, const char *pod, const char *node)
{
	static const char *const lists[2] = { "requests", "limits" };
	char cname[128];
	int i, list;

	str(d, json_get(d, c, "name"), cname, sizeof(cname));
	for (i = 0; i < 2; i++) {
		list = at(d, c, "resources", lists[i]);
		if (list < 0 || d->tok[list].type != JSON_OBJECT)
			continue;
		if (json_get(d, list, "cpu") >= 0)
			buf_printf(b, "kube_pod_%scontainer_resource_%s{namespace="
			    "\"%s\",pod=\"%s\",container=\"%s\",node=\"%s\","
			    "resource=\"cpu\",unit=\"core\"} %.17g\n",
			    init ? "init_" : "", lists[i], ns, pod, cname, node,
			    quantity_of(d, list, "cpu", 1) / 1000);
		if (json_get(d, list, "memory") >= 0)
			buf_printf(b, "kube_pod_%scontainer_resource_%s{namespace="
			    "\"%s\",pod=\"%s\",container=\"%s\",node=\"%s\","
			    "resource=\"memory\",unit=\"byte\"} %.17g\n",
			    init ? "init_" : "", lists[i], ns, pod, cname, node,
			    quantity_of(d, list, "memory", 0));
	}
}

/* A Pod on `node` as kube_pod_info, start time and resource series. */
static void
pod_text(struct buf *b, const struct json_doc *d, int pod, const char *node,
    double start)
{
	static const char *const lists[2] = { "containers", "initContainers" };
	char ns[128], name[128];
	int i, arr, c;

	str(d, at(d, pod, "metadata", "namespace"), ns, sizeof(ns));
	str(d, at(d, pod, "metadata", "name"), name, sizeof(name));
	buf_printf(b, "kube_pod_info{namespace=\"%s\",pod=\"%s\",node=\"%s\"} "
	    "1\n", ns, name, node);
	if (!isnan(start))
		buf_printf(b, "kube_pod_start_time{namespace=\"%s\",pod=\"%s\"} "
		    "%.17g\n", ns, name, start);
	for (i = 0; i < 2; i++) {
		arr = at(d, pod, "spec", lists[i]);
		for (c = arr >= 0 ? json_first(d, arr) : -1; c >= 0;
		    c = json_next(d, arr, c))
			container_text(b, d, c, i, ns, name, node);
	}
}

/* A store holding `text`, as one source's scrape committed at NOW. */
static struct ns_store *
store_of(const struct buf *text)
{
	struct ns_source_spec spec = { "http://127.0.0.1:9/metrics", NULL };
	struct ns_store *st = ns_store_new();
	struct prom_parser p;
	struct ns_builder *bd;
	size_t pos = 0;

	ns_set_sources(st, &spec, 1);
	bd = ns_builder_new(st, 0);
	prom_parser_init(&p);
	T_EQ_INT(prom_feed(&p, text->p, text->len, &pos, 1, 0,
	    scrape_add_sample, bd), PROM_FEED_END);
	T_EQ_INT(p.st.malformed, 0);
	prom_parser_free(&p);
	T_EQ_INT(ns_commit(st, bd, NOW), NS_OK);
	return st;
}

/* ---- configuration from a case's args ---- */

static struct config *
args_config(const struct json_doc *d, int args, const char *algo)
{
	struct config *c;
	struct buf b;
	int w;

	buf_init(&b);
	buf_printf(&b, "[server]\nnamespaces = *\n[algorithm]\nname = %s\n"
	    "max_node_score = 100\n[trimaran]\nfallback = zero\n", algo);
	if (args >= 0 && json_get(d, args, "targetUtilization") >= 0)
		buf_printf(&b, "target_utilization = %.17g\n",
		    member_num(d, args, "targetUtilization"));
	if (args >= 0 && at(d, args, "defaultRequests", "cpu") >= 0)
		buf_printf(&b, "default_cpu_request = %.17gm\n",
		    quantity_of(d, json_get(d, args, "defaultRequests"), "cpu",
		    1));
	if (args >= 0 && json_get(d, args, "defaultRequestsMultiplier") >= 0) {
		char m[32];

		buf_printf(&b, "default_requests_multiplier = %s\n", str(d,
		    json_get(d, args, "defaultRequestsMultiplier"), m,
		    sizeof(m)));
	}
	if (args >= 0 && json_get(d, args, "safeVarianceMargin") >= 0)
		buf_printf(&b, "safe_variance_margin = %.17g\n",
		    member_num(d, args, "safeVarianceMargin"));
	if (args >= 0 && json_get(d, args, "safeVarianceSensitivity") >= 0)
		buf_printf(&b, "safe_variance_sensitivity = %.17g\n",
		    member_num(d, args, "safeVarianceSensitivity"));
	if (args >= 0 && json_get(d, args, "smoothingWindowSize") >= 0)
		buf_printf(&b, "smoothing_window = %.17g\n",
		    member_num(d, args, "smoothingWindowSize"));
	w = args >= 0 ? json_get(d, args, "riskLimitWeights") : -1;
	if (w >= 0)
		buf_printf(&b, "risk_limit_weights = cpu:%.17g, memory:%.17g\n",
		    member_num(d, w, "cpu"), member_num(d, w, "memory"));
	c = golden_config(&b);
	buf_free(&b);
	return c;
}

/* ---- score cases ---- */

static void
span(struct buf *b, const struct json_doc *d, int tok)
{
	buf_add(b, d->src + d->tok[tok].start,
	    d->tok[tok].end - d->tok[tok].start);
}

/* A string token with its quotes (jsmn's span excludes them). */
static void
span_str(struct buf *b, const struct json_doc *d, int tok)
{
	buf_addc(b, '"');
	span(b, d, tok);
	buf_addc(b, '"');
}

/* The Node's capacity and allocatable as kube-state-metrics series. */
static void
node_status_text(struct buf *b, const struct json_doc *d, int node)
{
	static const char *const lists[2] = { "capacity", "allocatable" };
	char name[128];
	int i, list;

	str(d, at(d, node, "metadata", "name"), name, sizeof(name));
	for (i = 0; i < 2; i++) {
		list = at(d, node, "status", lists[i]);
		if (json_get(d, list, "cpu") >= 0)
			buf_printf(b, "kube_node_status_%s{node=\"%s\",resource="
			    "\"cpu\",unit=\"core\"} %.17g\n", lists[i], name,
			    quantity_of(d, list, "cpu", 1) / 1000);
		if (json_get(d, list, "memory") >= 0)
			buf_printf(b, "kube_node_status_%s{node=\"%s\",resource="
			    "\"memory\",unit=\"byte\"} %.17g\n", lists[i], name,
			    quantity_of(d, list, "memory", 0));
	}
}

/*
 * The score ext_handle() answers for the case's node, or -1: with the
 * Node object in the request (names_form 0), or only its name (1), the
 * store then holding its status as kube-state-metrics series.
 */
static long
answer_score(const struct config *cfg, const struct ns_store *st,
    const struct json_doc *d, int pod, int node, int names_form)
{
	struct ext_scratch s;
	struct json_doc ans;
	struct buf req, out;
	char err[JSON_ERR_LEN];
	long nodes, score = -1;
	double v;
	int status;

	buf_init(&req);
	buf_init(&out);
	buf_adds(&req, "{\"Pod\":");
	span(&req, d, pod);
	if (names_form) {
		buf_adds(&req, ",\"Nodes\":null,\"NodeNames\":[");
		span_str(&req, d, at(d, node, "metadata", "name"));
		buf_adds(&req, "]}");
	} else {
		buf_adds(&req, ",\"Nodes\":{\"items\":[");
		span(&req, d, node);
		buf_adds(&req, "]},\"NodeNames\":null}");
	}
	ext_scratch_init(&s);
	status = ext_handle(ROUTE_PRIORITIZE, cfg, st, NOW, UNIX_NOW, NULL, &s,
	    req.p, req.len, &out, &nodes);
	T_EQ_INT(status, 200);
	json_doc_init(&ans);
	if (status == 200 && json_parse(&ans, out.p, out.len, err) == 0 &&
	    ans.tok[0].type == JSON_ARRAY && ans.tok[0].size == 1 &&
	    json_number(&ans, json_get(&ans, 1, "Score"), &v) == 0)
		score = (long)v;
	else
		printf("#   answer: %.*s\n", (int)out.len, out.p);
	json_doc_free(&ans);
	ext_scratch_free(&s);
	buf_free(&req);
	buf_free(&out);
	return score;
}

static void
run_score_form(const struct json_doc *d, int c, const char *algo,
    int names_form)
{
	const char *id = case_id(d, c);
	int node = json_get(d, c, "node"), pod = json_get(d, c, "pod");
	int cache = json_get(d, c, "scheduledPodsCache");
	int on_node = json_get(d, c, "podsOnNode");
	double end = num(d, at(d, json_get(d, c, "watcher"), "window", "end"));
	char name[128];
	struct config *cfg;
	struct ns_store *st;
	struct buf text;
	int e;

	if (isnan(end))
		end = 0;
	str(d, at(d, node, "metadata", "name"), name, sizeof(name));
	buf_init(&text);
	watcher_text(&text, d, json_get(d, c, "watcher"));
	/* the assign cache: pods started `timestamp - window.end` seconds
	 * from when the metrics were taken (UNIX_NOW here) */
	for (e = cache >= 0 ? json_first(d, cache) : -1; e >= 0;
	    e = json_next(d, cache, e)) {
		char on[128];

		str(d, json_get(d, e, "nodeName"), on, sizeof(on));
		pod_text(&text, d, json_get(d, e, "pod"), on,
		    member_num(d, e, "timestamp") - end + UNIX_NOW);
	}
	/* pods long running on the node */
	for (e = on_node >= 0 ? json_first(d, on_node) : -1; e >= 0;
	    e = json_next(d, on_node, e))
		pod_text(&text, d, e, name, UNIX_NOW - 86400);
	if (names_form)
		node_status_text(&text, d, node);
	st = store_of(&text);
	cfg = args_config(d, json_get(d, c, "args"), algo);
	T_CHECK(cfg != NULL);
	if (cfg != NULL && names_form)
		CASE_EQ(id, answer_score(cfg, st, d, pod, node, 1),
		    member_num(d, json_get(d, c, "expected"), "score"));
	else if (cfg != NULL)
		CASE_EQ(id, answer_score(cfg, st, d, pod, node, 0),
		    member_num(d, json_get(d, c, "expected"), "score"));
	config_free(cfg);
	ns_store_free(st);
	buf_free(&text);
}

/*
 * A score case in both request forms: the Node object in the request,
 * and only its name with its status in the store (kube-state-metrics),
 * the path on which LowRiskOverCommitment keeps each node's load risk.
 */
static void
run_score_case(const struct json_doc *d, int c, const char *algo)
{
	run_score_form(d, c, algo, 0);
	run_score_form(d, c, algo, 1);
}

/* The usage the store derives from a list of watcher records. */
static void
usage_of_records(const struct json_doc *d, int records, struct tri_usage *cpu,
    struct tri_usage *mem)
{
	struct ns_store *st;
	struct ns_view v;
	struct buf text;

	buf_init(&text);
	records_text(&text, d, records, "n");
	st = store_of(&text);
	ns_view(st, ns_find(st, "n", 1), NOW, 180, &v);
	tri_usage_of(&v.cpu, cpu);
	tri_usage_of(&v.mem, mem);
	ns_store_free(st);
	buf_free(&text);
}

/* Pod object `pod` decoded as the extender decodes it. */
static int
decode_pod(const struct json_doc *d, int pod, struct arena *a,
    struct pod_spec *spec)
{
	char err[256];

	if (pod_spec_decode(d, pod, a, spec, err, sizeof(err)) < 0) {
		printf("#   %s\n", err);
		return -1;
	}
	return 0;
}

static void
effective_of(const struct json_doc *d, int pod, struct arena *a,
    struct ns_res *req, struct ns_res *lim)
{
	struct pod_spec s;

	memset(req, 0, sizeof(*req));
	memset(lim, 0, sizeof(*lim));
	if (decode_pod(d, pod, a, &s) == 0)
		pod_effective(s.containers, s.ncontainers,
		    s.has_overhead ? &s.overhead.req : NULL, req, lim);
}

static void
res_of(const struct json_doc *d, int obj, struct ns_res *r)
{
	r->cpu_m = member_num(d, obj, "cpu_milli");
	r->mem_b = member_num(d, obj, "memory_bytes");
}

static void
check_res(const char *id, const char *what, const struct ns_res *got,
    const struct json_doc *d, int want)
{
	struct ns_res w;

	res_of(d, want, &w);
	if (got->cpu_m != w.cpu_m || got->mem_b != w.mem_b) {
		printf("#   %s: %s = {%.17g m, %.17g B}, expected {%.17g m, "
		    "%.17g B}\n", id, what, got->cpu_m, got->mem_b, w.cpu_m,
		    w.mem_b);
		t_failed_checks++;
	}
}

/* ---- the files ---- */

static int
load(struct golden *g, const char *name)
{
	int r = golden_load(g, name);

	T_CHECK(r == 0);
	T_CHECK(r < 0 || g->d.tok[0].type == JSON_ARRAY);
	return r == 0 && g->d.tok[0].type == JSON_ARRAY ? 0 : -1;
}

/* Cases run per kind; every case must be of a kind this suite knows. */
struct tally {
	int run, sequences;
};

static void
unknown_kind(const struct json_doc *d, int c)
{
	printf("#   %s: kind %s is not handled\n", case_id(d, c),
	    case_kind(d, c));
	t_failed_checks++;
}

static void
test_target_load_packing(void)
{
	struct golden g;
	struct tally t = { 0, 0 };
	int c;

	if (load(&g, "targetloadpacking") < 0)
		return;
	for (c = json_first(&g.d, 0); c >= 0; c = json_next(&g.d, 0, c)) {
		const char *kind = case_kind(&g.d, c);

		if (strcmp(kind, "score") == 0) {
			run_score_case(&g.d, c, "TargetLoadPacking");
			t.run++;
		} else if (strcmp(kind, "schedule_sequence") == 0) {
			t.sequences++;	/* test/e2e/test_golden_trimaran.py */
		} else {
			unknown_kind(&g.d, c);
		}
	}
	printf("#   TargetLoadPacking: %d score cases, %d sequences (e2e)\n",
	    t.run, t.sequences);
	T_CHECK(t.run > 0);
	golden_free(&g);
}

static void
compute_score_case(const struct json_doc *d, int c)
{
	int in = json_get(d, c, "input");
	int rs = json_get(d, in, "resourceStats");
	struct tri_stats s;

	s.capacity = member_num(d, rs, "Capacity");
	s.req = member_num(d, rs, "Req");
	s.used_avg = member_num(d, rs, "UsedAvg");
	s.used_std = member_num(d, rs, "UsedStdev");
	CASE_EQ(case_id(d, c), round(lvrb_compute_score(&s,
	    member_num(d, in, "margin"), member_num(d, in, "sensitivity"))),
	    member_num(d, json_get(d, c, "expected"), "score"));
}

static void
test_load_variation_risk(void)
{
	struct golden g;
	struct tally t = { 0, 0 };
	int c;

	if (load(&g, "loadvariationriskbalancing") < 0)
		return;
	for (c = json_first(&g.d, 0); c >= 0; c = json_next(&g.d, 0, c)) {
		const char *kind = case_kind(&g.d, c);

		if (strcmp(kind, "score") == 0)
			run_score_case(&g.d, c, "LoadVariationRiskBalancing");
		else if (strcmp(kind, "computeScore") == 0)
			compute_score_case(&g.d, c);
		else if (strcmp(kind, "schedule_sequence") == 0)
			t.sequences++;
		else
			unknown_kind(&g.d, c);
		t.run += strcmp(kind, "schedule_sequence") != 0;
	}
	printf("#   LoadVariationRiskBalancing: %d cases, %d sequences (e2e)\n",
	    t.run, t.sequences);
	T_CHECK(t.run > 0);
	golden_free(&g);
}

static void
compute_risk_case(const struct json_doc *d, int c)
{
	int in = json_get(d, c, "input");
	int rl_tok = json_get(d, in, "nodeRequestsAndLimits");
	struct tri_usage cpu, mem;
	struct tri_node_rl rl;
	char res[32];
	int is_cpu;

	str(d, json_get(d, in, "resource"), res, sizeof(res));
	is_cpu = strcmp(res, "cpu") == 0;
	usage_of_records(d, json_get(d, in, "metrics"), &cpu, &mem);
	res_of(d, json_get(d, rl_tok, "NodeRequest"), &rl.req);
	res_of(d, json_get(d, rl_tok, "NodeLimit"), &rl.lim);
	res_of(d, json_get(d, rl_tok, "NodeRequestMinusPod"), &rl.req_mp);
	res_of(d, json_get(d, rl_tok, "NodeLimitMinusPod"), &rl.lim_mp);
	res_of(d, json_get(d, rl_tok, "NodeCapacity"), &rl.cap);
	CASE_EQ(case_id(d, c), lroc_compute_risk(is_cpu ? TRI_CPU : TRI_MEMORY,
	    (long)member_num(d, in, "smoothingWindowSize"),
	    member_num(d, in, "riskLimitWeight"), is_cpu ? &cpu : &mem, &rl,
	    NULL), member_num(d, json_get(d, c, "expected"), "risk"));
}

static void
beta_case(const struct json_doc *d, int c, const char *kind)
{
	const char *id = case_id(d, c);
	int in = json_get(d, c, "input"), want = json_get(d, c, "expected");
	double a = member_num(d, in, "alpha"), b = member_num(d, in, "beta");
	double x = member_num(d, in, "x"), tol = member_num(d, c, "tolerance");

	if (isnan(tol))
		tol = 0;
	if (strcmp(kind, "beta.moments") == 0) {
		double m[3];
		int valid = beta_moments(a, b, m), i;
		int wm = json_get(d, want, "moments");

		CASE_EQ(id, valid, d->tok[json_get(d, want, "valid")].type ==
		    JSON_TRUE);
		for (i = 0; valid && i < 3; i++)
			CASE_NEAR(id, m[i], num(d, wm + 1 + i), tol);
	} else if (strcmp(kind, "beta.cdf") == 0) {
		CASE_NEAR(id, beta_cdf(a, b, x), member_num(d, want, "value"),
		    tol);
	} else if (strcmp(kind, "beta.pdf") == 0) {
		CASE_NEAR(id, beta_pdf(a, b, x), member_num(d, want, "value"),
		    tol);
	} else if (strcmp(kind, "beta.matchMoments") == 0) {
		double fa, fb;
		int ok = beta_match_moments(member_num(d, in, "m1"),
		    member_num(d, in, "m2"), &fa, &fb);

		CASE_EQ(id, ok, d->tok[json_get(d, want, "ok")].type ==
		    JSON_TRUE);
	} else {
		CASE_NEAR(id, beta_max_variance(member_num(d, in, "m1")),
		    member_num(d, want, "value"), tol);
	}
}

static void
test_low_risk_overcommit(void)
{
	struct golden g;
	struct tally t = { 0, 0 };
	int c;

	if (load(&g, "lowriskovercommitment") < 0)
		return;
	for (c = json_first(&g.d, 0); c >= 0; c = json_next(&g.d, 0, c)) {
		const char *kind = case_kind(&g.d, c);

		if (strcmp(kind, "score") == 0)
			run_score_case(&g.d, c, "LowRiskOverCommitment");
		else if (strcmp(kind, "computeRisk") == 0)
			compute_risk_case(&g.d, c);
		else if (strncmp(kind, "beta.", 5) == 0 &&
		    (strcmp(kind + 5, "moments") == 0 ||
		    strcmp(kind + 5, "cdf") == 0 ||
		    strcmp(kind + 5, "pdf") == 0 ||
		    strcmp(kind + 5, "matchMoments") == 0 ||
		    strcmp(kind + 5, "maxVariance") == 0))
			beta_case(&g.d, c, kind);
		else if (strcmp(kind, "schedule_sequence") == 0)
			t.sequences++;
		else
			unknown_kind(&g.d, c);
		t.run += strcmp(kind, "schedule_sequence") != 0;
	}
	printf("#   LowRiskOverCommitment: %d cases, %d sequences (e2e)\n",
	    t.run, t.sequences);
	T_CHECK(t.run > 0);
	golden_free(&g);
}

/* ---- trimaran_common ---- */

static void
resource_stats_case(const struct json_doc *d, int c)
{
	const char *id = case_id(d, c);
	int in = json_get(d, c, "input"), want = json_get(d, c, "expected");
	int node = json_get(d, in, "node"), rs = json_get(d, want,
	    "resourceStats");
	int alloc = at(d, node, "status", "allocatable");
	struct tri_usage cpu, mem, *u;
	struct tri_stats s;
	struct ns_res req;
	char res[32];
	int is_cpu;

	str(d, json_get(d, in, "resource"), res, sizeof(res));
	is_cpu = strcmp(res, "cpu") == 0;
	usage_of_records(d, json_get(d, in, "metrics"), &cpu, &mem);
	u = is_cpu ? &cpu : &mem;
	res_of(d, json_get(d, in, "podRequest"), &req);
	CASE_EQ(id, u->valid, d->tok[json_get(d, want, "valid")].type ==
	    JSON_TRUE);
	if (!u->valid)
		return;
	tri_resource_stats(is_cpu ? TRI_CPU : TRI_MEMORY, quantity_of(d, alloc,
	    is_cpu ? "cpu" : "memory", is_cpu), is_cpu ? req.cpu_m : req.mem_b,
	    u, &s);
	CASE_EQ(id, s.capacity, member_num(d, rs, "Capacity"));
	CASE_EQ(id, s.req, member_num(d, rs, "Req"));
	CASE_EQ(id, s.used_avg, member_num(d, rs, "UsedAvg"));
	CASE_EQ(id, s.used_std, member_num(d, rs, "UsedStdev"));
}

static void
mu_sigma_case(const struct json_doc *d, int c)
{
	int rs = at(d, c, "input", "resourceStats");
	int want = json_get(d, c, "expected");
	struct tri_stats s;
	double mu, sigma;

	s.capacity = member_num(d, rs, "Capacity");
	s.req = member_num(d, rs, "Req");
	s.used_avg = member_num(d, rs, "UsedAvg");
	s.used_std = member_num(d, rs, "UsedStdev");
	tri_mu_sigma(&s, &mu, &sigma);
	CASE_EQ(case_id(d, c), mu, member_num(d, want, "mu"));
	CASE_EQ(case_id(d, c), sigma, member_num(d, want, "sigma"));
}

static void
node_rl_case(const struct json_doc *d, int c, struct arena *a)
{
	const char *id = case_id(d, c);
	int in = json_get(d, c, "input"), want = json_get(d, c, "expected");
	int pods = json_get(d, in, "podsOnNode"), p;
	int alloc = at(d, json_get(d, in, "node"), "status", "allocatable");
	struct ns_res sum_req = { 0, 0 }, sum_lim = { 0, 0 }, req, lim, cap;
	struct tri_node_rl rl;

	for (p = json_first(d, pods); p >= 0; p = json_next(d, pods, p)) {
		effective_of(d, p, a, &req, &lim);
		sum_req.cpu_m += req.cpu_m;
		sum_req.mem_b += req.mem_b;
		sum_lim.cpu_m += fmax(lim.cpu_m, req.cpu_m);
		sum_lim.mem_b += fmax(lim.mem_b, req.mem_b);
	}
	effective_of(d, json_get(d, in, "pod"), a, &req, &lim);
	lim.cpu_m = fmax(lim.cpu_m, req.cpu_m);
	lim.mem_b = fmax(lim.mem_b, req.mem_b);
	cap.cpu_m = quantity_of(d, alloc, "cpu", 1);
	cap.mem_b = quantity_of(d, alloc, "memory", 0);
	tri_node_requests_limits(&sum_req, &sum_lim, &req, &lim, &cap, &rl);
	check_res(id, "NodeRequest", &rl.req, d, json_get(d, want,
	    "NodeRequest"));
	check_res(id, "NodeLimit", &rl.lim, d, json_get(d, want, "NodeLimit"));
	check_res(id, "NodeRequestMinusPod", &rl.req_mp, d, json_get(d, want,
	    "NodeRequestMinusPod"));
	check_res(id, "NodeLimitMinusPod", &rl.lim_mp, d, json_get(d, want,
	    "NodeLimitMinusPod"));
	check_res(id, "NodeCapacity", &rl.cap, d, json_get(d, want,
	    "NodeCapacity"));
}

/*
 * Trimaran's argument defaulting against [trimaran]: unset keys take the
 * same defaults; values Trimaran silently replaces (a risk-limit weight
 * outside [0,1]) are configuration errors here, naming file:line.
 */
static void
args_defaults_case(const struct json_doc *d, int c)
{
	const char *id = case_id(d, c);
	int in = json_get(d, c, "input"), want = json_get(d, c, "expected");
	char plugin[64];
	struct config *cfg;
	int w = json_get(d, in, "riskLimitWeights");
	int out_of_range = 0;

	str(d, json_get(d, c, "plugin"), plugin, sizeof(plugin));
	if (w >= 0) {
		double wc = member_num(d, w, "cpu"), wm = member_num(d, w,
		    "memory");

		out_of_range = wc < 0 || wc > 1 || wm < 0 || wm > 1;
	}
	cfg = args_config(d, in, plugin);
	if (out_of_range) {
		CASE_EQ(id, cfg == NULL, 1);
		config_free(cfg);
		return;
	}
	CASE_EQ(id, cfg != NULL, 1);
	if (cfg == NULL)
		return;
	if (json_get(d, want, "targetUtilization") >= 0)
		CASE_EQ(id, cfg->target_utilization, member_num(d, want,
		    "targetUtilization"));
	if (json_get(d, want, "defaultRequests") >= 0)
		CASE_EQ(id, cfg->default_cpu_request, quantity_of(d,
		    json_get(d, want, "defaultRequests"), "cpu", 1));
	if (json_get(d, want, "defaultRequestsMultiplier") >= 0) {
		char m[32];

		CASE_EQ(id, cfg->default_requests_multiplier, strtod(str(d,
		    json_get(d, want, "defaultRequestsMultiplier"), m,
		    sizeof(m)), NULL));
	}
	if (json_get(d, want, "safeVarianceMargin") >= 0)
		CASE_EQ(id, cfg->safe_variance_margin, member_num(d, want,
		    "safeVarianceMargin"));
	if (json_get(d, want, "safeVarianceSensitivity") >= 0)
		CASE_EQ(id, cfg->safe_variance_sensitivity, member_num(d, want,
		    "safeVarianceSensitivity"));
	if (json_get(d, want, "smoothingWindowSize") >= 0)
		CASE_EQ(id, cfg->smoothing_window, member_num(d, want,
		    "smoothingWindowSize"));
	if (json_get(d, want, "riskLimitWeights") >= 0) {
		int ww = json_get(d, want, "riskLimitWeights");

		CASE_EQ(id, cfg->risk_limit_cpu, member_num(d, ww, "cpu"));
		CASE_EQ(id, cfg->risk_limit_memory, member_num(d, ww,
		    "memory"));
	}
	config_free(cfg);
}

static void
test_common(void)
{
	struct golden g;
	struct arena a;
	int c, n = 0;

	if (load(&g, "trimaran_common") < 0)
		return;
	arena_init(&a);
	for (c = json_first(&g.d, 0); c >= 0; c = json_next(&g.d, 0, c)) {
		const struct json_doc *d = &g.d;
		const char *kind = case_kind(d, c);
		struct ns_res req, lim;

		n++;
		if (strcmp(kind, "createResourceStats") == 0) {
			resource_stats_case(d, c);
		} else if (strcmp(kind, "getMuSigma") == 0) {
			mu_sigma_case(d, c);
		} else if (strcmp(kind, "effectiveRequests") == 0) {
			effective_of(d, at(d, c, "input", "pod"), &a, &req,
			    &lim);
			check_res(case_id(d, c), "requests", &req, d,
			    json_get(d, c, "expected"));
		} else if (strcmp(kind, "effectiveLimits") == 0) {
			effective_of(d, at(d, c, "input", "pod"), &a, &req,
			    &lim);
			check_res(case_id(d, c), "limits", &lim, d,
			    json_get(d, c, "expected"));
		} else if (strcmp(kind, "getNodeRequestsAndLimits") == 0) {
			node_rl_case(d, c, &a);
		} else if (strcmp(kind, "argsDefaults") == 0) {
			args_defaults_case(d, c);
		} else {
			unknown_kind(d, c);
		}
	}
	printf("#   trimaran_common: %d cases\n", n);
	T_CHECK(n > 0);
	arena_free(&a);
	golden_free(&g);
}

/* ---- quantities (load-aware.md 1.1: MilliValue and Value round up) ---- */

static void
test_quantity(void)
{
	static const struct {
		const char *s;
		int64_t milli, value;
	} ok[] = {
		{ "0.5m", 1, 1 }, { "1.5", 1500, 2 }, { "100m", 100, 1 },
		{ "0.1", 100, 1 }, { "1", 1000, 1 }, { "2", 2000, 2 },
		{ "1Gi", 1073741824000LL, 1073741824 }, { "4Ki", 4096000, 4096 },
		{ "1e3", 1000000, 1000 }, { "1E3", 1000000, 1000 },
		{ "2.5k", 2500000, 2500 }, { "1M", 1000000000, 1000000 },
		{ "1n", 1, 1 }, { "1u", 1, 1 }, { ".5", 500, 1 }, { "5.", 5000, 5 },
		{ "+3", 3000, 3 }, { "-1", -1000, -1 }, { "-0.5m", 0, 0 },
		{ "0", 0, 0 }, { "0.000", 0, 0 }, { "1e-3", 1, 1 },
		{ "1.0001m", 2, 1 }, { "0.0000000000000000000001", 1, 1 },
		{ "1E", INT64_MAX, 1000000000000000000LL },
		{ "9E", INT64_MAX, 9000000000000000000LL },
		{ "10E", INT64_MAX, INT64_MAX }, { "1Ei", INT64_MAX,
		    1152921504606846976LL },
		{ "123456789012345678901", INT64_MAX, INT64_MAX },
		{ "1.23456789012345678901", 1235, 2 },
		{ "536870912", 536870912000LL, 536870912 },
	};
	static const char *const bad[] = {
		"", "m", "1.2.3", "1Ki2", "1e", "1 Gi", "0x10", "Gi", "1i",
		"1mi", "e3", "-", "1e+", "1K",
	};
	struct quantity q;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int r = quantity_parse(ok[i].s, strlen(ok[i].s), &q);

		if (r < 0) {
			printf("#   '%s' rejected\n", ok[i].s);
			t_failed_checks++;
			continue;
		}
		if (quantity_milli(&q) != ok[i].milli ||
		    quantity_value(&q) != ok[i].value) {
			printf("#   '%s': milli %lld value %lld, expected %lld "
			    "%lld\n", ok[i].s, (long long)quantity_milli(&q),
			    (long long)quantity_value(&q),
			    (long long)ok[i].milli, (long long)ok[i].value);
			t_failed_checks++;
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (quantity_parse(bad[i], strlen(bad[i]), &q) == 0) {
			printf("#   '%s' accepted\n", bad[i]);
			t_failed_checks++;
		}
}

/* ---- the pod's resources from ExtenderArgs ---- */

static void
test_pod_spec(void)
{
	static const char pod[] = "{\"spec\":{\"containers\":["
	    "{\"resources\":{\"requests\":{\"cpu\":\"250m\",\"memory\":1024},"
	    "\"limits\":{\"cpu\":\"0\"}}},"
	    "{\"resources\":{\"requests\":{\"CPU\":\"9\"}}},"
	    "{\"name\":\"x\"}],"
	    "\"initContainers\":[{\"resources\":{\"requests\":"
	    "{\"cpu\":\" 1 \"}}}],\"overhead\":{\"memory\":\"1Ki\"}}}";
	static const char *const bad[] = {
		"{\"spec\":{\"containers\":[{\"resources\":{\"limits\":"
		    "{\"cpu\":\"1x\"}}}]}}",
		"{\"spec\":{\"containers\":{}}}",
		"{\"spec\":{\"containers\":[{\"resources\":{\"requests\":"
		    "{\"memory\":true}}}]}}",
		"{\"spec\":[]}",
	};
	static const char *const where[] = {
		"Pod.spec.containers[0].resources.limits.cpu: '1x' is not "
		    "a quantity",
		"Pod.spec.containers: expected an array, got an object",
		"Pod.spec.containers[0].resources.requests.memory: expected a "
		    "quantity string, got a boolean",
		"Pod.spec: expected an object, got an array",
	};
	struct json_doc d;
	struct arena a;
	struct pod_spec s;
	struct ns_res req, lim;
	char err[256];
	size_t i;

	json_doc_init(&d);
	arena_init(&a);
	T_EQ_INT(json_parse(&d, pod, strlen(pod), err), 0);
	T_EQ_INT(pod_spec_decode(&d, 0, &a, &s, err, sizeof(err)), 0);
	T_EQ_INT(s.ncontainers, 4);
	/* key presence: a limit of "0" is set, an absent one is not */
	T_EQ_INT(s.containers[0].flags, NS_C_REQ_CPU | NS_C_REQ_MEM |
	    NS_C_LIM_CPU);
	T_EQ_INT(s.containers[0].lim.cpu_m, 0);
	T_EQ_INT(s.containers[1].flags, 0);	/* "CPU" is not "cpu" */
	T_EQ_INT(s.containers[2].flags, 0);
	T_EQ_INT(s.containers[3].flags, NS_C_INIT | NS_C_REQ_CPU);
	T_EQ_INT(s.has_overhead, 1);
	pod_effective(s.containers, s.ncontainers, &s.overhead.req, &req,
	    &lim);
	T_EQ_INT(req.cpu_m, 1000);		/* max(250, init 1000) */
	T_EQ_INT(req.mem_b, 1024 + 1024);
	T_EQ_INT(lim.cpu_m, 0);
	T_EQ_INT(lim.mem_b, 1024);		/* overhead on limits too */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T_EQ_INT(json_parse(&d, bad[i], strlen(bad[i]), err), 0);
		err[0] = '\0';
		T_EQ_INT(pod_spec_decode(&d, 0, &a, &s, err, sizeof(err)), -1);
		if (strstr(err, where[i]) == NULL) {
			printf("#   error '%s' lacks '%s'\n", err, where[i]);
			t_failed_checks++;
		}
	}
	arena_free(&a);
	json_doc_free(&d);
}

/* kube-scheduler's LeastAllocated, and values past int64 products. */
static void
test_least_allocated(void)
{
	struct ns_res req = { 1000, 2.0 * 1024 * 1024 * 1024 };
	struct ns_res alloc = { 4000, 8.0 * 1024 * 1024 * 1024 };
	struct ns_res huge = { 9.3e18, 9.3e18 }, bigger = { 1e19, 1e19 };
	struct ns_res zero = { 0, 0 };

	T_EQ_INT(tri_least_allocated(&req, &alloc), 75);
	T_EQ_INT(tri_least_allocated(&alloc, &req), 0);	/* over: 0 */
	T_EQ_INT(tri_least_allocated(&req, &zero), 0);	/* skipped */
	T_EQ_INT(tri_least_allocated(&huge, &bigger), 7);
	T_EQ_INT(tri_least_allocated(&zero, &bigger), 100);
}

T_SUITE(
	{ "quantity", test_quantity },
	{ "least_allocated", test_least_allocated },
	{ "pod_spec", test_pod_spec },
	{ "target_load_packing", test_target_load_packing },
	{ "load_variation_risk", test_load_variation_risk },
	{ "low_risk_overcommit", test_low_risk_overcommit },
	{ "common", test_common },
)
