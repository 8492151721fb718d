/*
 * The WCA algorithms (Fit, LeastUsed, BAR, LeastUsedBAR, HierBAR,
 * DramHitRatioProvision, Score, StaticAssigner) against the golden
 * vectors recorded from the original server
 * (../shared/golden/wca, schema: wca-original.md section 6).  Each case's
 * cluster is fed into a node store as the interface's series
 * (interface.md section 5), its recorded requests go through
 * ext_handle(), and the answers are compared with the recorded ones in
 * score_mode = wca.  Cases the original answered with 500 get the
 * interface's answers instead (per-node failures, scores 0, unknown_app).
 *
 * Run from the repository root: the golden directory must be there.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "algo.h"
#include "arena.h"
#include "buf.h"
#include "config.h"
#include "extender.h"
#include "json.h"
#include "log.h"
#include "nodestore.h"
#include "stats.h"
#include "t.h"
#include "wca_common.h"

#define GOLDEN_DIR "../shared/golden/wca"
#include "golden.h"

/* ---- config and store from a case ---- */

/* The case's config; `extra` lines go to [algorithm] after its params. */
static struct config *
case_config_x(const struct golden *g, const char *score_mode,
    const char *unknown_app, const char *extra)
{
	const struct json_doc *d = &g->d;
	int params = at(d, 0, "algorithm", "params"), k, it;
	char cls[64], key[64], s[64];
	struct config *c;
	struct buf b;

	buf_init(&b);
	str(d, at(d, 0, "algorithm", "class"), cls, sizeof(cls));
	buf_printf(&b, "[server]\nscore_mode = %s\n[algorithm]\nname = %s\n"
	    "unknown_app = %s\n", score_mode, cls, unknown_app);
	for (k = params >= 0 ? json_first(d, params) : -1; k >= 0;
	    k = json_next(d, params, k)) {
		str(d, k, key, sizeof(key));
		if (strcmp(key, "dimensions") == 0) {
			buf_adds(&b, "dimensions = ");
			for (it = json_first(d, k + 1); it >= 0;
			    it = json_next(d, k + 1, it))
				buf_printf(&b, "%s%s", it == k + 2 ? "" : ", ",
				    str(d, it, s, sizeof(s)));
			buf_adds(&b, "\n");
		} else if (strcmp(key, "max_node_score") == 0 ||
		    strcmp(key, "cpu_scale_factor") == 0 ||
		    strcmp(key, "least_used_weight") == 0 ||
		    strcmp(key, "threshold") == 0 ||
		    strcmp(key, "merge_threshold") == 0 ||
		    strcmp(key, "score_target") == 0) {
			buf_printf(&b, "%s = %.17g\n", key, num(d, k + 1));
		} else if (strcmp(key, "strict_mode_placement") == 0) {
			buf_printf(&b, "%s = %s\n", key,
			    d->tok[k + 1].type == JSON_TRUE ? "true" : "false");
		} else if (strcmp(key, "targeted_assigned_apps_counts") == 0) {
			continue;	/* sections, below */
		} else {
			printf("#   params.%s is not handled by this test\n",
			    key);
			T_CHECK(!"unhandled algorithm param");
		}
	}
	if (extra)
		buf_adds(&b, extra);
	for (k = params >= 0 ? json_first(d, params) : -1; k >= 0;
	    k = json_next(d, params, k)) {
		str(d, k, key, sizeof(key));
		if (strcmp(key, "targeted_assigned_apps_counts") != 0)
			continue;
		/* {node: {app: count}} as [static_assigner:NODE] sections */
		for (it = json_first(d, k + 1); it >= 0;
		    it = json_next(d, k + 1, it)) {
			int a;

			buf_printf(&b, "[static_assigner:%s]\n",
			    str(d, it, s, sizeof(s)));
			for (a = json_first(d, it + 1); a >= 0;
			    a = json_next(d, it + 1, a))
				buf_printf(&b, "%s = %.17g\n",
				    str(d, a, s, sizeof(s)), num(d, a + 1));
		}
	}
	for (k = params >= 0 ? json_first(d, params) : -1; k >= 0;
	    k = json_next(d, params, k)) {
		str(d, k, key, sizeof(key));
		if (strcmp(key, "least_used_weights") != 0 &&
		    strcmp(key, "bar_weights") != 0)
			continue;
		buf_printf(&b, "[%s]\n", key);
		for (it = json_first(d, k + 1); it >= 0;
		    it = json_next(d, k + 1, it))
			buf_printf(&b, "%s = %.17g\n",
			    str(d, it, s, sizeof(s)), num(d, it + 1));
	}
	c = golden_config(&b);
	T_CHECK(c != NULL);
	buf_free(&b);
	return c;
}

static struct config *
case_config(const struct golden *g, const char *score_mode,
    const char *unknown_app)
{
	return case_config_x(g, score_mode, unknown_app, NULL);
}

static void
add(struct ns_builder *bd, const char *name, const char *l1,
    const char *v1, const char *l2, const char *v2, double value)
{
	struct ns_label l[2] = {
		{ l1, v1, strlen(l1), strlen(v1) },
		{ l2 ? l2 : "", v2 ? v2 : "", l2 ? strlen(l2) : 0,
		    v2 ? strlen(v2) : 0 },
	};
	struct ns_sample s = { name, strlen(name), l, l2 ? 2 : 1, value };

	T_EQ_INT(ns_builder_add(bd, &s), NS_ADD_KEPT);
}

/* The case's cluster as one source's scrape, committed at t = 0. */
static struct ns_store *
case_store(const struct golden *g)
{
	const struct json_doc *d = &g->d;
	struct ns_source_spec spec = { "http://127.0.0.1:9/metrics", NULL };
	struct ns_store *st = ns_store_new();
	struct ns_builder *bd;
	int nodes = at(d, 0, "cluster", "nodes");
	int apps = at(d, 0, "cluster", "apps");
	int asg = at(d, 0, "cluster", "assignments");
	int it, k, a;
	char node[128], dim[64], app[128];

	ns_set_sources(st, &spec, 1);
	bd = ns_builder_new(st, 0);
	T_CHECK(nodes >= 0 && apps >= 0 && asg >= 0);
	for (it = nodes >= 0 ? json_first(d, nodes) : -1; it >= 0;
	    it = json_next(d, nodes, it)) {
		int cap = json_get(d, it, "capacity");
		int pm = json_get(d, it, "pmem");

		str(d, json_get(d, it, "name"), node, sizeof(node));
		for (k = json_first(d, cap); k >= 0; k = json_next(d, cap, k))
			add(bd, "wca_node_capacity", "node", node, "dim",
			    str(d, k, dim, sizeof(dim)), num(d, k + 1));
		if (pm >= 0)
			add(bd, "wca_node_pmem", "node", node, NULL, NULL,
			    d->tok[pm].type == JSON_TRUE ? 1 : 0);
		if (json_get(d, it, "node_type") >= 0)
			add(bd, "wca_node_type", "node", node, "nodetype",
			    str(d, json_get(d, it, "node_type"), dim,
			    sizeof(dim)), 1);
		if (json_get(d, it, "dram_hit_ratio") >= 0)
			add(bd, "wca_node_dram_hit_ratio", "node", node, NULL,
			    NULL, num(d, json_get(d, it, "dram_hit_ratio")));
	}
	for (a = apps >= 0 ? json_first(d, apps) : -1; a >= 0;
	    a = json_next(d, apps, a)) {
		int req = at(d, a + 1, "requested", NULL);

		str(d, a, app, sizeof(app));
		if (json_get(d, a + 1, "profile") >= 0)
			add(bd, "wca_app_profile", "app", app, NULL, NULL,
			    num(d, json_get(d, a + 1, "profile")));
		for (k = req >= 0 ? json_first(d, req) : -1; k >= 0;
		    k = json_next(d, req, k))
			add(bd, "wca_app_requested", "app", app, "dim",
			    str(d, k, dim, sizeof(dim)), num(d, k + 1));
	}
	for (k = asg >= 0 ? json_first(d, asg) : -1; k >= 0;
	    k = json_next(d, asg, k)) {
		str(d, k, node, sizeof(node));
		for (a = json_first(d, k + 1); a >= 0;
		    a = json_next(d, k + 1, a))
			add(bd, "wca_app_assigned", "node", node, "app",
			    str(d, a, app, sizeof(app)),
			    (double)d->tok[a + 1].size);
	}
	T_EQ_INT(ns_commit(st, bd, 0.0), NS_OK);
	return st;
}

/* ---- calls and answers ---- */

struct answer {
	int status;
	struct buf body;
	struct json_doc d;
	int parsed;
};

static void
call(enum route r, const struct config *cfg, const struct ns_store *st,
    const struct golden *g, const char *verb, struct answer *ans)
{
	int req = at(&g->d, 0, verb, "request");
	struct ext_scratch s;
	char err[JSON_ERR_LEN];
	long nodes;

	buf_init(&ans->body);
	json_doc_init(&ans->d);
	ans->parsed = 0;
	ans->status = -1;
	T_CHECK(req >= 0);
	if (req < 0)
		return;
	ext_scratch_init(&s);
	ans->status = ext_handle(r, cfg, st, 1.0, 0, NULL, &s,
	    g->text + g->d.tok[req].start,
	    g->d.tok[req].end - g->d.tok[req].start, &ans->body, &nodes);
	ext_scratch_free(&s);
	if (json_parse(&ans->d, ans->body.p, ans->body.len, err) == 0)
		ans->parsed = 1;
	else
		printf("#   answer is not JSON: %s\n", err);
	T_CHECK(ans->parsed);
}

static void
answer_free(struct answer *a)
{
	buf_free(&a->body);
	json_doc_free(&a->d);
}

/* Decoded string tokens equal (both strings). */
static int
same_str(const struct json_doc *a, int ta, const struct json_doc *b, int tb)
{
	char x[1024], y[1024];

	if (ta < 0 || tb < 0 || a->tok[ta].type != JSON_STRING ||
	    b->tok[tb].type != JSON_STRING)
		return 0;
	str(a, ta, x, sizeof(x));
	str(b, tb, y, sizeof(y));
	if (strcmp(x, y) != 0) {
		printf("#   \"%s\" != expected \"%s\"\n", x, y);
		return 0;
	}
	return 1;
}

/* Array of strings `want` contains string token t. */
static int
array_has(const struct json_doc *w, int arr, const struct json_doc *d, int t)
{
	char x[256], y[256];
	int it;

	str(d, t, x, sizeof(x));
	for (it = json_first(w, arr); it >= 0; it = json_next(w, arr, it))
		if (strcmp(str(w, it, y, sizeof(y)), x) == 0)
			return 1;
	return 0;
}

/* Our filter answer against the recorded ExtenderFilterResult. */
static void
check_filter(const struct golden *g, const struct answer *ans)
{
	const struct json_doc *w = &g->d, *d = &ans->d;
	int want = at(w, 0, "filter", "response");
	int order = at(w, 0, "filter", "node_names_order_significant");
	int wf = at(w, want, "FailedNodes", NULL);
	int wn = at(w, want, "NodeNames", NULL);
	int gf, gn, k, it, jt;
	char key[256];

	T_EQ_INT(ans->status, 200);
	if (!ans->parsed || want < 0)
		return;
	gf = json_get(d, 0, "FailedNodes");
	gn = json_get(d, 0, "NodeNames");
	T_CHECK(same_str(d, json_get(d, 0, "Error"), w, json_get(w, want,
	    "Error")));
	T_CHECK(json_get(d, 0, "Nodes") >= 0 &&
	    d->tok[json_get(d, 0, "Nodes")].type == JSON_NULL);
	/* FailedNodes: the same keys, the same messages. */
	T_CHECK(gf >= 0 && d->tok[gf].type == JSON_OBJECT);
	T_CHECK(wf >= 0 && w->tok[wf].type == JSON_OBJECT);
	if (gf < 0 || wf < 0)
		return;
	T_EQ_INT(d->tok[gf].size, w->tok[wf].size);
	for (k = json_first(w, wf); k >= 0; k = json_next(w, wf, k)) {
		int v = json_get(d, gf, str(w, k, key, sizeof(key)));

		if (v < 0)
			printf("#   FailedNodes lacks %s\n", key);
		T_CHECK(v >= 0 && same_str(d, v, w, k + 1));
	}
	/* NodeNames: as a list, or as a set. */
	T_CHECK(gn >= 0 && d->tok[gn].type == JSON_ARRAY);
	if (gn < 0 || d->tok[gn].type != JSON_ARRAY)
		return;
	T_EQ_INT(d->tok[gn].size, w->tok[wn].size);
	if (order >= 0 && w->tok[order].type == JSON_FALSE) {
		for (it = json_first(d, gn); it >= 0; it = json_next(d, gn, it))
			T_CHECK(array_has(w, wn, d, it));
	} else {
		for (it = json_first(d, gn), jt = json_first(w, wn);
		    it >= 0 && jt >= 0; it = json_next(d, gn, it),
		    jt = json_next(w, wn, jt))
			T_CHECK(same_str(d, it, w, jt));
	}
}

/* Our prioritize answer against the recorded HostPriorityList. */
static void
check_prioritize(const struct golden *g, const struct answer *ans)
{
	const struct json_doc *w = &g->d, *d = &ans->d;
	int want = at(w, 0, "prioritize", "response");
	int it, jt;

	T_EQ_INT(ans->status, 200);
	if (!ans->parsed || want < 0)
		return;
	T_CHECK(d->tok[0].type == JSON_ARRAY);
	T_EQ_INT(d->tok[0].size, w->tok[want].size);
	for (it = json_first(d, 0), jt = json_first(w, want);
	    it >= 0 && jt >= 0; it = json_next(d, 0, it),
	    jt = json_next(w, want, jt)) {
		T_CHECK(same_str(d, json_get(d, it, "Host"), w,
		    json_get(w, jt, "Host")));
		T_EQ_INT((long)num(d, json_get(d, it, "Score")),
		    (long)num(w, json_get(w, jt, "Score")));
	}
}

/*
 * The raw priorities before scaling, from the algorithm itself, against
 * prioritize.raw_priority (relative tolerance 1e-12).
 */
static void
check_raw(const struct golden *g, const struct config *cfg,
    const struct ns_store *st)
{
	const struct json_doc *w = &g->d;
	int raw = at(w, 0, "prioritize", "raw_priority");
	int names = at(w, at(w, 0, "prioritize", "request"), "NodeNames", NULL);
	struct ext_node nodes[64];
	double prio[64];
	struct ext_pod pod;
	struct arena ar;
	struct algo_ctx ctx = { cfg, NULL, &ar, st, 1.0, NULL, 0, NULL };
	char buf[64][128], app[128];
	size_t n = 0, i;
	int it;

	T_CHECK(raw >= 0 && names >= 0);
	if (raw < 0 || names < 0)
		return;
	T_CHECK(w->tok[names].size <= 64);
	arena_init(&ar);
	memset(&pod, 0, sizeof(pod));
	pod.ns = "default";
	pod.name = "p";
	pod.app = str(w, at(w, 0, "pod", "app"), app, sizeof(app));
	for (it = json_first(w, names); it >= 0 && n < 64;
	    it = json_next(w, names, it), n++) {
		nodes[n].name = str(w, it, buf[n], sizeof(buf[n]));
		nodes[n].name_len = strlen(buf[n]);
		nodes[n].name_tok = -1;
		nodes[n].tok = -1;
	}
	algo_for(cfg->algo)->prioritize(&ctx, &pod, nodes, n, prio);
	for (i = 0; i < n; i++) {
		double want = num(w, json_get(w, raw, nodes[i].name));
		double tol = 1e-12 * (fabs(want) > 1 ? fabs(want) : 1);

		if (!(fabs(prio[i] - want) <= tol))
			printf("#   %s raw priority %.17g, expected %.17g\n",
			    nodes[i].name, prio[i], want);
		T_CHECK(fabs(prio[i] - want) <= tol);
	}
	arena_free(&ar);
}

/* A case whose original answers were both 200. */
static void
run_case(const char *name)
{
	struct golden g;
	struct config *cfg;
	struct ns_store *st;
	struct answer f, p;

	T_CHECK(golden_load(&g, name) == 0);
	if (!g.ok) {
		golden_free(&g);
		return;
	}
	T_EQ_INT((long)num(&g.d, at(&g.d, 0, "filter", "http_status")), 200);
	T_EQ_INT((long)num(&g.d, at(&g.d, 0, "prioritize", "http_status")),
	    200);
	cfg = case_config(&g, "wca", "pass");
	if (cfg) {
		st = case_store(&g);
		call(ROUTE_FILTER, cfg, st, &g, "filter", &f);
		check_filter(&g, &f);
		call(ROUTE_PRIORITIZE, cfg, st, &g, "prioritize", &p);
		check_prioritize(&g, &p);
		check_raw(&g, cfg, st);
		answer_free(&f);
		answer_free(&p);
		ns_store_free(st);
		config_free(cfg);
	}
	golden_free(&g);
}

static void test_fit_cpu_mem(void) { run_case("fit_cpu_mem"); }
static void test_fit_membw_rw(void) { run_case("fit_membw_rw"); }
static void test_fit_flat_production_dims(void)
{ run_case("fit_flat_production_dims"); }
static void test_least_used_default(void) { run_case("least_used_default"); }
static void test_bar_2d(void) { run_case("bar_2d"); }
static void test_lubar_default_10(void) { run_case("lubar_default_10"); }
static void test_lubar_flat_production_dims(void)
{ run_case("lubar_flat_production_dims"); }
static void test_hierbar_two_classes_mem(void)
{ run_case("hierbar_two_classes_mem"); }
static void test_hierbar_two_classes_bw(void)
{ run_case("hierbar_two_classes_bw"); }
static void test_hierbar_best_class_full(void)
{ run_case("hierbar_best_class_full"); }
static void test_score_lowest_profile(void)
{ run_case("score_lowest_profile"); }
static void test_score_lowest_profile_dram_app(void)
{ run_case("score_lowest_profile_dram_app"); }
static void test_score_target_fallback(void)
{ run_case("score_target_fallback"); }
static void test_dram_hit_ratio(void) { run_case("dram_hit_ratio"); }
static void test_static_assigner(void) { run_case("static_assigner"); }

/* Every score in a prioritize answer is 0, in name order. */
static void
check_all_zero(const struct golden *g, const struct answer *ans)
{
	const struct json_doc *d = &ans->d;
	int names = at(&g->d, at(&g->d, 0, "prioritize", "request"),
	    "NodeNames", NULL);
	char prev[256] = "", cur[256];
	int it;

	T_EQ_INT(ans->status, 200);
	if (!ans->parsed)
		return;
	T_CHECK(d->tok[0].type == JSON_ARRAY);
	T_EQ_INT(d->tok[0].size, g->d.tok[names].size);
	for (it = json_first(d, 0); it >= 0; it = json_next(d, 0, it)) {
		T_EQ_INT((long)num(d, json_get(d, it, "Score")), 0);
		str(d, json_get(d, it, "Host"), cur, sizeof(cur));
		T_CHECK(strcmp(prev, cur) < 0);
		T_CHECK(array_has(&g->d, names, d, json_get(d, it, "Host")));
		snprintf(prev, sizeof(prev), "%s", cur);
	}
}

/*
 * The pod's app has no data: the original answered 500 (KeyError).
 * unknown_app = pass: every node passes, every score is 0; fail: filter
 * answers with Error set and no nodes, prioritize scores 0.
 */
static void
run_unknown_app(const char *name)
{
	struct golden g;
	struct config *cfg;
	struct ns_store *st;
	struct answer f, p;
	int names, it, jt, gn, e;
	const char *mode[2] = { "pass", "fail" };
	size_t m;

	T_CHECK(golden_load(&g, name) == 0);
	if (!g.ok) {
		golden_free(&g);
		return;
	}
	T_EQ_INT((long)num(&g.d, at(&g.d, 0, "filter", "http_status")), 500);
	names = at(&g.d, at(&g.d, 0, "filter", "request"), "NodeNames", NULL);
	for (m = 0; m < 2; m++) {
		cfg = case_config(&g, "wca", mode[m]);
		if (cfg == NULL)
			continue;
		st = case_store(&g);
		call(ROUTE_FILTER, cfg, st, &g, "filter", &f);
		T_EQ_INT(f.status, 200);
		if (f.parsed) {
			const struct json_doc *d = &f.d;
			int fn = json_get(d, 0, "FailedNodes");

			gn = json_get(d, 0, "NodeNames");
			e = json_get(d, 0, "Error");
			T_CHECK(fn >= 0 && d->tok[fn].type == JSON_OBJECT &&
			    d->tok[fn].size == 0);
			if (m == 0) {
				/* pass: all nodes, request order, no Error */
				T_CHECK(e >= 0 && d->tok[e].type ==
				    JSON_STRING && d->tok[e].end ==
				    d->tok[e].start);
				T_CHECK(gn >= 0 && d->tok[gn].type ==
				    JSON_ARRAY);
				T_EQ_INT(gn >= 0 ? d->tok[gn].size : 0,
				    g.d.tok[names].size);
				for (it = gn >= 0 ? json_first(d, gn) : -1,
				    jt = json_first(&g.d, names);
				    it >= 0 && jt >= 0;
				    it = json_next(d, gn, it),
				    jt = json_next(&g.d, names, jt))
					T_CHECK(same_str(d, it, &g.d, jt));
			} else {
				char msg[256];

				str(d, e, msg, sizeof(msg));
				T_EQ_STR(msg, "no requested resources for "
				    "app ghost");
				T_CHECK(gn >= 0 && d->tok[gn].type ==
				    JSON_NULL);
			}
		}
		call(ROUTE_PRIORITIZE, cfg, st, &g, "prioritize", &p);
		check_all_zero(&g, &p);
		answer_free(&f);
		answer_free(&p);
		ns_store_free(st);
		config_free(cfg);
	}
	golden_free(&g);
}

static void test_error_unknown_app(void) { run_unknown_app("error_unknown_app"); }
static void test_error_unknown_app_lubar(void)
{ run_unknown_app("error_unknown_app_lubar"); }

/*
 * A non-empty "Nodes" array: the original's UnsupportedCase (500); here
 * a wrong type, answered 400 with the place (interface.md section 4).
 */
static void
test_error_nodes_not_null(void)
{
	struct golden g;
	struct config *cfg;
	struct ns_store *st;
	struct answer a;
	const char *verbs[2] = { "filter", "prioritize" };
	enum route routes[2] = { ROUTE_FILTER, ROUTE_PRIORITIZE };
	char msg[256];
	size_t i;

	T_CHECK(golden_load(&g, "error_nodes_not_null") == 0);
	if (!g.ok) {
		golden_free(&g);
		return;
	}
	cfg = case_config(&g, "wca", "pass");
	if (cfg) {
		st = case_store(&g);
		for (i = 0; i < 2; i++) {
			T_EQ_INT((long)num(&g.d, at(&g.d, 0, verbs[i],
			    "http_status")), 500);
			call(routes[i], cfg, st, &g, verbs[i], &a);
			T_EQ_INT(a.status, 400);
			if (a.parsed) {
				str(&a.d, json_get(&a.d, 0, "Error"), msg,
				    sizeof(msg));
				T_CHECK(strstr(msg, "Nodes: expected a NodeList "
				    "object, got an array") != NULL);
			}
			answer_free(&a);
		}
		ns_store_free(st);
		config_free(cfg);
	}
	golden_free(&g);
}

/*
 * Data the original crashed on fails only the node it concerns: a node
 * nobody reports, a node without one dimension's capacity, a node with
 * an app that has no requests.  Built on fit_cpu_mem's cluster.
 */
static void
test_missing_node_data(void)
{
	static const char filt[] = "{\"Nodes\":null,\"Pod\":{\"metadata\":"
	    "{\"name\":\"db-new\",\"namespace\":\"default\",\"labels\":"
	    "{\"app\":\"db\"}}},\"NodeNames\":[\"node-a\",\"node-z\","
	    "\"node-m\",\"node-q\"]}";
	struct golden g;
	struct config *cfg;
	struct ns_store *st;
	struct ns_builder *bd;
	struct ext_scratch s;
	struct buf out;
	long nodes;
	int status;

	T_CHECK(golden_load(&g, "fit_cpu_mem") == 0);
	if (!g.ok) {
		golden_free(&g);
		return;
	}
	cfg = case_config(&g, "wca", "pass");
	if (cfg == NULL) {
		golden_free(&g);
		return;
	}
	st = case_store(&g);
	/* A second commit replaces the source's data: feed it all again
	 * with node-m lacking mem and node-q running an app without data. */
	bd = ns_builder_new(st, 0);
	add(bd, "wca_node_capacity", "node", "node-a", "dim", "cpu", 16);
	add(bd, "wca_node_capacity", "node", "node-a", "dim", "mem", 64);
	add(bd, "wca_node_capacity", "node", "node-m", "dim", "cpu", 16);
	add(bd, "wca_node_capacity", "node", "node-q", "dim", "cpu", 16);
	add(bd, "wca_node_capacity", "node", "node-q", "dim", "mem", 64);
	add(bd, "wca_app_requested", "app", "db", "dim", "cpu", 4);
	add(bd, "wca_app_requested", "app", "db", "dim", "mem", 16);
	add(bd, "wca_app_requested", "app", "nodata", "dim", "cpu", 1);
	add(bd, "wca_app_assigned", "node", "node-q", "app", "nodata", 1);
	T_EQ_INT(ns_commit(st, bd, 0.0), NS_OK);

	ext_scratch_init(&s);
	buf_init(&out);
	status = ext_handle(ROUTE_FILTER, cfg, st, 1.0, 0, NULL, &s, filt,
	    sizeof(filt) - 1, &out, &nodes);
	T_EQ_INT(status, 200);
	T_EQ_MEM(out.p, out.len, "{\"Error\":\"\",\"FailedNodes\":{"
	    "\"node-z\":\"no metrics for node node-z\","
	    "\"node-m\":\"no capacity mem for node node-m\","
	    "\"node-q\":\"no requested mem for app nodata assigned to node "
	    "node-q\"},\"NodeNames\":[\"node-a\"],\"Nodes\":null}\n",
	    strlen("{\"Error\":\"\",\"FailedNodes\":{"
	    "\"node-z\":\"no metrics for node node-z\","
	    "\"node-m\":\"no capacity mem for node node-m\","
	    "\"node-q\":\"no requested mem for app nodata assigned to node "
	    "node-q\"},\"NodeNames\":[\"node-a\"],\"Nodes\":null}\n"));
	out.len = 0;
	config_free(cfg);
	/* LeastUsedBAR in wca mode: node-a (16 cpu, 64 mem, nothing
	 * assigned in this feed) has fractions 4/16 and 16/64: LU
	 * (0.75 + 0.75) / 3 = 0.5 plus BAR 1 - |0.25 - 0.25| = 1, score 15;
	 * the nodes with missing data score 0. */
	{
		static const char cf[] = "[server]\nscore_mode = wca\n"
		    "[algorithm]\nname = LeastUsedBAR\n";
		struct config_errors errs;

		cfg = config_load_string("t.ini", cf, sizeof(cf) - 1, &errs);
		T_CHECK(cfg != NULL);
	}
	if (cfg) {
		status = ext_handle(ROUTE_PRIORITIZE, cfg, st, 1.0, 0, NULL, &s, filt,
		    sizeof(filt) - 1, &out, &nodes);
		T_EQ_INT(status, 200);
		T_EQ_MEM(out.p, out.len, "[{\"Host\":\"node-a\",\"Score\":15},"
		    "{\"Host\":\"node-m\",\"Score\":0},"
		    "{\"Host\":\"node-q\",\"Score\":0},"
		    "{\"Host\":\"node-z\",\"Score\":0}]\n",
		    strlen("[{\"Host\":\"node-a\",\"Score\":15},"
		    "{\"Host\":\"node-m\",\"Score\":0},"
		    "{\"Host\":\"node-q\",\"Score\":0},"
		    "{\"Host\":\"node-z\",\"Score\":0}]\n"));
		config_free(cfg);
	}
	buf_free(&out);
	ext_scratch_free(&s);
	ns_store_free(st);
	golden_free(&g);
}

/*
 * score_mode = clamp fixes the LeastUsed default weights (no phantom
 * membw_flat weight): least_used_default's empty n1 (fractions 0.25,
 * 0.25) has priority 0.75, score 8 (rounded), not 5.
 */
static void
test_clamp_least_used_weights(void)
{
	struct golden g;
	struct config *cfg;
	struct ns_store *st;
	struct answer p;

	T_CHECK(golden_load(&g, "least_used_default") == 0);
	if (!g.ok) {
		golden_free(&g);
		return;
	}
	cfg = case_config(&g, "clamp", "pass");
	if (cfg) {
		st = case_store(&g);
		call(ROUTE_PRIORITIZE, cfg, st, &g, "prioritize", &p);
		T_EQ_INT(p.status, 200);
		if (p.parsed) {
			int first = json_first(&p.d, 0);
			char host[64];

			/* clamp keeps request order: n1 first */
			str(&p.d, json_get(&p.d, first, "Host"), host,
			    sizeof(host));
			T_EQ_STR(host, "n1");
			T_EQ_INT((long)num(&p.d, json_get(&p.d, first,
			    "Score")), 8);
		}
		answer_free(&p);
		ns_store_free(st);
		config_free(cfg);
	}
	golden_free(&g);
}

/*
 * Coupled membw with a zero read or write capacity (the original's
 * ZeroDivisionError) fails that node; a zero cpu capacity fails Fit
 * normally and scores 0 (no fraction) in prioritize.
 */
static void
test_zero_capacity(void)
{
	static const char cf[] = "[server]\nscore_mode = wca\n"
	    "[algorithm]\nname = LeastUsedBAR\n"
	    "dimensions = cpu, membw_read, membw_write\n";
	static const char req[] = "{\"Pod\":{\"metadata\":{\"name\":\"p\","
	    "\"namespace\":\"default\",\"labels\":{\"app\":\"s\"}}},"
	    "\"NodeNames\":[\"r0\",\"w0\",\"c0\",\"ok\"]}";
	static const char want_f[] = "{\"Error\":\"\",\"FailedNodes\":{"
	    "\"r0\":\"capacity membw_read of node r0 is 0\","
	    "\"w0\":\"capacity membw_write of node w0 is 0\","
	    "\"c0\":\"Could not fit node for dimensions: missing "
	    "(cpu: 1.0).\"},\"NodeNames\":[\"ok\"],\"Nodes\":null}\n";
	/* ok: cpu 1/4, flat (1 + 4 * 1) / (40 + 4 * 10) = 1/16:
	 * LU (0.75 + 0.9375) / 4 (cpu, r, w, flat weights) = 0.421875,
	 * BAR 1 - 0.1875, total 1.234375 -> 12. */
	static const char want_p[] = "[{\"Host\":\"c0\",\"Score\":0},"
	    "{\"Host\":\"ok\",\"Score\":12},{\"Host\":\"r0\",\"Score\":0},"
	    "{\"Host\":\"w0\",\"Score\":0}]\n";
	struct ns_source_spec spec = { "http://127.0.0.1:9/metrics", NULL };
	struct config_errors errs;
	struct config *cfg = config_load_string("t.ini", cf, sizeof(cf) - 1,
	    &errs);
	struct ns_store *st = ns_store_new();
	struct ns_builder *bd;
	struct ext_scratch s;
	struct buf out;
	long nodes;

	T_CHECK(cfg != NULL);
	if (cfg == NULL) {
		ns_store_free(st);
		return;
	}
	ns_set_sources(st, &spec, 1);
	bd = ns_builder_new(st, 0);
	add(bd, "wca_node_capacity", "node", "r0", "dim", "cpu", 4);
	add(bd, "wca_node_capacity", "node", "r0", "dim", "membw_read", 0);
	add(bd, "wca_node_capacity", "node", "r0", "dim", "membw_write", 10);
	add(bd, "wca_node_capacity", "node", "w0", "dim", "cpu", 4);
	add(bd, "wca_node_capacity", "node", "w0", "dim", "mbw_read", 40);
	add(bd, "wca_node_capacity", "node", "w0", "dim", "mbw_write", 0);
	add(bd, "wca_node_capacity", "node", "c0", "dim", "cpu", 0);
	add(bd, "wca_node_capacity", "node", "c0", "dim", "membw_read", 40);
	add(bd, "wca_node_capacity", "node", "c0", "dim", "membw_write", 10);
	add(bd, "wca_node_capacity", "node", "ok", "dim", "cpu", 4);
	add(bd, "wca_node_capacity", "node", "ok", "dim", "membw_read", 40);
	add(bd, "wca_node_capacity", "node", "ok", "dim", "membw_write", 10);
	add(bd, "wca_app_requested", "app", "s", "dim", "cpu", 1);
	add(bd, "wca_app_requested", "app", "s", "dim", "membw_read", 1);
	add(bd, "wca_app_requested", "app", "s", "dim", "membw_write", 1);
	T_EQ_INT(ns_commit(st, bd, 0.0), NS_OK);
	ext_scratch_init(&s);
	buf_init(&out);
	T_EQ_INT(ext_handle(ROUTE_FILTER, cfg, st, 1.0, 0, NULL, &s, req,
	    sizeof(req) - 1, &out, &nodes), 200);
	T_EQ_MEM(out.p, out.len, want_f, sizeof(want_f) - 1);
	out.len = 0;
	T_EQ_INT(ext_handle(ROUTE_PRIORITIZE, cfg, st, 1.0, 0, NULL, &s, req,
	    sizeof(req) - 1, &out, &nodes), 200);
	T_EQ_MEM(out.p, out.len, want_p, sizeof(want_p) - 1);
	buf_free(&out);
	ext_scratch_free(&s);
	ns_store_free(st);
	config_free(cfg);
}

/* ---- targeted tests: a config, a feed, one call, the exact answer ---- */

struct feed {
	const char *name, *l1, *v1, *l2, *v2;
	double value;
};

/* The answer of `route` for `req` with config `cf` and one scrape. */
static void
expect(const char *cf, const struct feed *fd, size_t nfd, enum route route,
    const char *req, int want_status, const char *want)
{
	struct ns_source_spec spec = { "http://127.0.0.1:9/metrics", NULL };
	struct config_errors errs;
	struct config *cfg = config_load_string("t.ini", cf, strlen(cf), &errs);
	struct ns_store *st;
	struct ns_builder *bd;
	struct ext_scratch s;
	struct buf out;
	long nodes;
	size_t i;

	if (cfg == NULL) {
		for (i = 0; i < errs.n; i++)
			printf("#   %s\n", errs.msg[i]);
		config_errors_free(&errs);
	}
	T_CHECK(cfg != NULL);
	if (cfg == NULL)
		return;
	st = ns_store_new();
	ns_set_sources(st, &spec, 1);
	bd = ns_builder_new(st, 0);
	for (i = 0; i < nfd; i++)
		add(bd, fd[i].name, fd[i].l1, fd[i].v1, fd[i].l2, fd[i].v2,
		    fd[i].value);
	T_EQ_INT(ns_commit(st, bd, 0.0), NS_OK);
	ext_scratch_init(&s);
	buf_init(&out);
	T_EQ_INT(ext_handle(route, cfg, st, 1.0, 0, NULL, &s, req, strlen(req), &out,
	    &nodes), want_status);
	T_EQ_MEM(out.p, out.len, want, strlen(want));
	buf_free(&out);
	ext_scratch_free(&s);
	ns_store_free(st);
	config_free(cfg);
}

#define NFEED(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * DramHitRatioProvision: a node without a ratio (the original's
 * KeyError, 500) fails alone; the threshold is configurable; the app
 * plays no part (an app nobody knows is judged like any other).
 */
static void
test_dram_hit_missing(void)
{
	static const struct feed fd[] = {
		{ "wca_node_dram_hit_ratio", "node", "h1", NULL, NULL, 0.95 },
		{ "wca_node_dram_hit_ratio", "node", "h2", NULL, NULL, 0.9 },
		{ "wca_node_capacity", "node", "h3", "dim", "cpu", 4 },
	};
	static const char req[] = "{\"Nodes\":null,\"Pod\":{\"metadata\":"
	    "{\"name\":\"p\",\"namespace\":\"default\",\"labels\":"
	    "{\"app\":\"ghost\"}}},\"NodeNames\":[\"h1\",\"h2\",\"h3\","
	    "\"h4\"]}";

	expect("[server]\nscore_mode = wca\n[algorithm]\n"
	    "name = DramHitRatioProvision\nthreshold = 0.95\n", fd, NFEED(fd),
	    ROUTE_FILTER, req, 200, "{\"Error\":\"\",\"FailedNodes\":{"
	    "\"h2\":\"Could not fit node because of dram hit ratio "
	    "violation.\",\"h3\":\"no dram hit ratio for node h3\","
	    "\"h4\":\"no metrics for node h4\"},\"NodeNames\":[\"h1\"],"
	    "\"Nodes\":null}\n");
	expect("[server]\nscore_mode = wca\n[algorithm]\n"
	    "name = DramHitRatioProvision\n", fd, NFEED(fd),
	    ROUTE_PRIORITIZE, req, 200, "[{\"Host\":\"h1\",\"Score\":0},"
	    "{\"Host\":\"h2\",\"Score\":0},{\"Host\":\"h3\",\"Score\":0},"
	    "{\"Host\":\"h4\",\"Score\":0}]\n");
}

/*
 * StaticAssigner: more pods than the target (the original's assert,
 * 500) fails that node; a node without data fails alone; targets are
 * found whatever order the sections come in; a pod without an app
 * label follows unknown_app.
 */
static void
test_static_assigner_defects(void)
{
	static const char cf[] = "[server]\nscore_mode = wca\n[algorithm]\n"
	    "name = StaticAssigner\nunknown_app = fail\n"
	    "[static_assigner:z9]\nb = 1\na = 5\n"
	    "[static_assigner:n1]\nb = 2\na = 3\n"
	    "[static_assigner:n2]\na = 2\n"
	    "[static_assigner:n3]\na = 1\n"
	    "[static_assigner:a0]\nb = 4\na = 2\n";
	static const struct feed fd[] = {
		{ "wca_app_assigned", "node", "n1", "app", "a", 5 },
		{ "wca_app_assigned", "node", "n2", "app", "a", 1 },
		{ "wca_app_assigned", "node", "n2", "app", "b", 7 },
		{ "wca_app_assigned", "node", "a0", "app", "a", 1 },
		{ "wca_app_assigned", "node", "a0", "app", "a", 1 },
		{ "wca_node_capacity", "node", "z9", "dim", "cpu", 4 },
	};
	static const char req[] = "{\"Nodes\":null,\"Pod\":{\"metadata\":"
	    "{\"name\":\"p\",\"namespace\":\"default\",\"labels\":"
	    "{\"app\":\"a\"}}},\"NodeNames\":[\"n1\",\"n2\",\"n3\",\"z9\","
	    "\"a0\"]}";
	static const char nolabel[] = "{\"Nodes\":null,\"Pod\":{\"metadata\":"
	    "{\"name\":\"p\",\"namespace\":\"default\"}},\"NodeNames\":"
	    "[\"n1\",\"n2\"]}";

	/* n1: 5 > 3; n2: 1 < 2; n3: no data; z9: nothing assigned (0 < 5);
	 * a0: two series summed, 2 == 2. */
	expect(cf, fd, NFEED(fd), ROUTE_FILTER, req, 200,
	    "{\"Error\":\"\",\"FailedNodes\":{"
	    "\"n1\":\"app a count on node n1 (5) exceeds "
	    "self.targeted_assigned_apps_counts (3)\","
	    "\"n3\":\"no metrics for node n3\","
	    "\"a0\":\"app a count on node a0 already matching "
	    "self.targeted_assigned_apps_counts\"},"
	    "\"NodeNames\":[\"n2\",\"z9\"],\"Nodes\":null}\n");
	expect(cf, fd, NFEED(fd), ROUTE_FILTER, nolabel, 200,
	    "{\"Error\":\"pod has no app label\",\"FailedNodes\":{},"
	    "\"NodeNames\":null,\"Nodes\":null}\n");
}

#define HB_NODE(n, c, m, r, w) \
	{ "wca_node_capacity", "node", n, "dim", "cpu", c }, \
	{ "wca_node_capacity", "node", n, "dim", "mem", m }, \
	{ "wca_node_capacity", "node", n, "dim", "membw_read", r }, \
	{ "wca_node_capacity", "node", n, "dim", "membw_write", w }
#define HB_APP(a, c, m, r, w) \
	{ "wca_app_requested", "app", a, "dim", "cpu", c }, \
	{ "wca_app_requested", "app", a, "dim", "mem", m }, \
	{ "wca_app_requested", "app", a, "dim", "membw_read", r }, \
	{ "wca_app_requested", "app", a, "dim", "membw_write", w }
#define HB_REQ(app, names) "{\"Nodes\":null,\"Pod\":{\"metadata\":" \
	"{\"name\":\"p\",\"namespace\":\"default\",\"labels\":{\"app\":\"" \
	app "\"}}},\"NodeNames\":[" names "]}"
#define HB_CF(extra) "[server]\nscore_mode = wca\n[algorithm]\n" \
	"name = HierBAR\ndimensions = cpu, mem, membw_read, membw_write\n" extra

/*
 * HierBAR merging: shapes above merge_threshold (p1, ratio 4) and at or
 * below it (d1, d2, ratio 1 and 1.07) form one class each; z1's
 * truncated write capacity is 0 (the original divided by zero), so it
 * stays a class of its own and is still chosen when it is the best.
 * Accepted nodes keep request order.
 */
static void
test_hierbar_merge(void)
{
	static const struct feed fd[] = {
		HB_NODE("p1", 96, 1000, 40, 10),
		HB_NODE("d1", 96, 192, 150, 150),
		HB_NODE("d2", 96, 256, 150, 140),
		HB_NODE("z1", 96, 192, 10, 0.5),
		HB_APP("bw", 4, 8, 20, 20),
		HB_APP("tiny", 1, 2, 0.2, 0),
	};
	static const char fit_fail[] = "\"z1\":\"Could not fit node for "
	    "dimensions: missing (membw_read: 410.0),(membw_write: 20.5).\","
	    "\"p1\":\"Could not fit node for dimensions: missing "
	    "(membw_read: 60.0),(membw_write: 15.0).\"";
	char want[1024];

	/* merged: d1 and d2 are one class (stdev 0.06) */
	snprintf(want, sizeof(want), "{\"Error\":\"\",\"FailedNodes\":{%s},"
	    "\"NodeNames\":[\"d2\",\"d1\"],\"Nodes\":null}\n", fit_fail);
	expect(HB_CF("merge_threshold = 2\n"), fd, NFEED(fd), ROUTE_FILTER,
	    HB_REQ("bw", "\"z1\",\"d2\",\"p1\",\"d1\""), 200, want);
	/* not merged: d1 (0.05) beats d2 (0.06) */
	expect(HB_CF(""), fd, NFEED(fd), ROUTE_FILTER,
	    HB_REQ("bw", "\"z1\",\"p1\",\"d2\",\"d1\""), 200,
	    "{\"Error\":\"\",\"FailedNodes\":{\"z1\":\"Could not fit node "
	    "for dimensions: missing (membw_read: 410.0),(membw_write: "
	    "20.5).\",\"p1\":\"Could not fit node for dimensions: missing "
	    "(membw_read: 60.0),(membw_write: 15.0).\","
	    "\"d2\":\"Not best class (best_variance=0.05 this=0.06)\"},"
	    "\"NodeNames\":[\"d1\"],\"Nodes\":null}\n");
	/* z1 unmerged and best (0.00024 against 0.0047 and 0.0053) */
	expect(HB_CF("merge_threshold = 2\n"), fd, NFEED(fd), ROUTE_FILTER,
	    HB_REQ("tiny", "\"d1\",\"p1\",\"z1\",\"d2\""), 200,
	    "{\"Error\":\"\",\"FailedNodes\":{"
	    "\"d1\":\"Not best class (best_variance=0.00 this=0.01)\","
	    "\"p1\":\"Not best class (best_variance=0.00 this=0.00)\","
	    "\"d2\":\"Not best class (best_variance=0.00 this=0.01)\"},"
	    "\"NodeNames\":[\"z1\"],\"Nodes\":null}\n");
}

/*
 * HierBAR without membw dimensions and merge_threshold set: the
 * original dropped every shape (AssertionError); here nothing is merged
 * and the classes stand.  A class with a zero average capacity (the
 * original's ZeroDivisionError) ranks last with +inf (no merging: q0 and
 * q1 have the same ratio).
 */
static void
test_hierbar_no_loss(void)
{
	static const struct feed fd[] = {
		{ "wca_node_capacity", "node", "a", "dim", "cpu", 10 },
		{ "wca_node_capacity", "node", "a", "dim", "mem", 10 },
		{ "wca_node_capacity", "node", "b", "dim", "cpu", 10 },
		{ "wca_node_capacity", "node", "b", "dim", "mem", 100 },
		{ "wca_app_requested", "app", "x", "dim", "cpu", 1 },
		{ "wca_app_requested", "app", "x", "dim", "mem", 1 },
	};
	static const struct feed fz[] = {
		HB_NODE("q0", 0, 64, 10, 10),
		HB_NODE("q1", 8, 64, 10, 10),
		HB_APP("zr", 0, 1, 0, 0),
	};

	expect("[server]\nscore_mode = wca\n[algorithm]\nname = HierBAR\n"
	    "dimensions = cpu, mem\nmerge_threshold = 1.5\n", fd, NFEED(fd),
	    ROUTE_FILTER, HB_REQ("x", "\"b\",\"a\""), 200,
	    "{\"Error\":\"\",\"FailedNodes\":{\"b\":\"Not best class "
	    "(best_variance=0.00 this=0.06)\"},\"NodeNames\":[\"a\"],"
	    "\"Nodes\":null}\n");
	expect(HB_CF(""), fz, NFEED(fz), ROUTE_FILTER,
	    HB_REQ("zr", "\"q0\",\"q1\""), 200,
	    "{\"Error\":\"\",\"FailedNodes\":{\"q0\":\"Not best class "
	    "(best_variance=0.01 this=inf)\"},\"NodeNames\":[\"q1\"],"
	    "\"Nodes\":null}\n");
}

/*
 * Equal class scores: the class that comes first wins (a stable sort):
 * first appearance without merging (y), the above-threshold class
 * before the below one with merging (x).
 */
static void
test_hierbar_ties(void)
{
	static const struct feed fd[] = {
		HB_NODE("y", 10, 10, 10, 10),
		HB_NODE("x", 10, 10, 40, 10),
		HB_APP("t", 1, 1, 0, 0),
	};

	expect(HB_CF(""), fd, NFEED(fd), ROUTE_FILTER,
	    HB_REQ("t", "\"x\",\"y\""), 200,
	    "{\"Error\":\"\",\"FailedNodes\":{\"x\":\"Not best class "
	    "(best_variance=0.06 this=0.06)\"},\"NodeNames\":[\"y\"],"
	    "\"Nodes\":null}\n");
	expect(HB_CF("merge_threshold = 2\n"), fd, NFEED(fd), ROUTE_FILTER,
	    HB_REQ("t", "\"x\",\"y\""), 200,
	    "{\"Error\":\"\",\"FailedNodes\":{\"y\":\"Not best class "
	    "(best_variance=0.06 this=0.06)\"},\"NodeNames\":[\"x\"],"
	    "\"Nodes\":null}\n");
}

/*
 * HierBAR's priority always uses the default weights (3.6): configured
 * least_used_weight, [least_used_weights] and [bar_weights] change
 * nothing.
 */
static void
test_hierbar_default_weights(void)
{
	struct golden g;
	struct config *cfg;
	struct ns_store *st;
	struct answer p;

	T_CHECK(golden_load(&g, "hierbar_two_classes_mem") == 0);
	cfg = g.ok ? case_config_x(&g, "wca", "pass", "least_used_weight = 2\n"
	    "[least_used_weights]\ncpu = 7\nmem = 1\nmembw_flat = 1\n"
	    "[bar_weights]\ncpu = 3\n") : NULL;
	if (cfg) {
		st = case_store(&g);
		call(ROUTE_PRIORITIZE, cfg, st, &g, "prioritize", &p);
		check_prioritize(&g, &p);
		check_raw(&g, cfg, st);
		answer_free(&p);
		ns_store_free(st);
		config_free(cfg);
	}
	golden_free(&g);
}

/* HierBAR's filter answer at `now`, with `memo` or none. */
static void
hb_answer(const struct config *cfg, const struct ns_store *st, double now,
    struct algo_memo *memo, const char *req, struct buf *out)
{
	struct ext_scratch s;
	long nodes;

	ext_scratch_init(&s);
	out->len = 0;
	T_EQ_INT(ext_handle(ROUTE_FILTER, cfg, st, now, 0, memo, &s, req,
	    strlen(req), out, &nodes), 200);
	buf_addc(out, '\0');
	ext_scratch_free(&s);
}

/* One scrape at time t: source 0 serves a1, a2 (cpu 4, mem 8), c1 (cpu
 * c1_cpu, mem twice that) and app s (1, 1); source 1 serves b1 (4.9,
 * 8.9: a's shape, but it moves a's class average). */
static void
hb_scrape(struct ns_store *st, size_t id, double t, double c1_cpu)
{
	struct ns_builder *bd = ns_builder_new(st, id);

	if (id == 0) {
		add(bd, "wca_node_capacity", "node", "a1", "dim", "cpu", 4);
		add(bd, "wca_node_capacity", "node", "a1", "dim", "mem", 8);
		add(bd, "wca_node_capacity", "node", "a2", "dim", "cpu", 4);
		add(bd, "wca_node_capacity", "node", "a2", "dim", "mem", 8);
		add(bd, "wca_node_capacity", "node", "c1", "dim", "cpu",
		    c1_cpu);
		add(bd, "wca_node_capacity", "node", "c1", "dim", "mem",
		    2 * c1_cpu);
		add(bd, "wca_app_requested", "app", "s", "dim", "cpu", 1);
		add(bd, "wca_app_requested", "app", "s", "dim", "mem", 1);
	} else {
		add(bd, "wca_node_capacity", "node", "b1", "dim", "cpu", 4.9);
		add(bd, "wca_node_capacity", "node", "b1", "dim", "mem", 8.9);
	}
	T_EQ_INT(ns_commit(st, bd, t), NS_OK);
}

/* What the memo tests share: a configuration, a store of two sources,
 * a memo, and the answers with and without it. */
struct memo_case {
	struct config *cfg;
	struct ns_store *st;
	struct algo_memo memo;
	struct buf with, without;
};

static int
memo_case_init(struct memo_case *m, const char *cf,
    const struct ns_source_spec spec[2])
{
	struct config_errors errs;

	memset(m, 0, sizeof(*m));
	m->cfg = config_load_string("t.ini", cf, strlen(cf), &errs);
	T_CHECK(m->cfg != NULL);
	if (m->cfg == NULL) {
		config_errors_free(&errs);
		return -1;
	}
	m->st = ns_store_new();
	ns_set_sources(m->st, spec, 2);
	buf_init(&m->with);
	buf_init(&m->without);
	return 0;
}

/* The filter answer at `now` with the memo and without, compared. */
static void
memo_case_answer(struct memo_case *m, double now, const char *req)
{
	hb_answer(m->cfg, m->st, now, &m->memo, req, &m->with);
	hb_answer(m->cfg, m->st, now, NULL, req, &m->without);
	if (getenv("T_VERBOSE"))
		printf("# t=%g %s", now, m->with.p);
	T_EQ_STR(m->with.p, m->without.p);
}

static void
memo_case_free(struct memo_case *m)
{
	algo_memo_clear(&m->memo);
	T_CHECK(m->memo.p == NULL && m->memo.nodes == NULL);
	buf_free(&m->with);
	buf_free(&m->without);
	ns_store_free(m->st);
	config_free(m->cfg);
}

/*
 * HierBAR's table kept in the memo between calls gives exactly the
 * answer of a table built for the call: reused while the store is
 * unchanged (t=7), rebuilt after a commit (c1 grows: best_variance
 * 0.04 -> 0.02) and once data it used goes stale (b1's source, scraped
 * at 0 with staleness 10, is stale at 10.5: a's class average loses b1,
 * this=0.08 -> 0.09, although the table was built at 7 from the same
 * store version).  Each step changes the answer, so a table kept too
 * long would be seen.
 */
static void
test_hierbar_memo(void)
{
	static const char cf[] = "[algorithm]\nname = HierBAR\n"
	    "dimensions = cpu, mem\n[metrics]\nstaleness = 10\n";
	static const char req[] = HB_REQ("s", "\"a1\",\"a2\",\"b1\",\"c1\"");
	static const double when[] = { 6.0, 7.0, 7.0, 10.5 };
	static const char *const want[] = {
		"best_variance=0.04 this=0.08", "best_variance=0.04 this=0.08",
		"best_variance=0.02 this=0.08", "best_variance=0.02 this=0.09"
	};
	struct ns_source_spec spec[2] = {
		{ "http://127.0.0.1:9/a", NULL }, { "http://127.0.0.1:9/b", NULL }
	};
	struct memo_case m;
	const void *kept = NULL;
	size_t k;

	if (memo_case_init(&m, cf, spec) < 0)
		return;
	hb_scrape(m.st, 1, 0.0, 0);
	hb_scrape(m.st, 0, 5.0, 8);
	for (k = 0; k < 4; k++) {
		if (k == 2)
			hb_scrape(m.st, 0, 6.0, 16);
		memo_case_answer(&m, when[k], req);
		T_CHECK(strstr(m.with.p, want[k]) != NULL);
		T_CHECK(m.memo.p != NULL);
		if (k == 1)
			T_CHECK(m.memo.p == kept);	/* reused */
		kept = m.memo.p;
	}
	memo_case_free(&m);
}

/* statistics.stdev of the spec's worked example (3.6). */
static void
test_stdev(void)
{
	double f[3] = { 4.0 / 96, 0.2, 6.0 / 80 }, one = 0.5;
	double want = 0.08347210667398178;

	T_CHECK(fabs(wca_stdev(f, 3) - want) <= 1e-12 * want);
	T_CHECK(wca_stdev(&one, 1) == 0);
}

/* A golden case's filter answer with another config, exactly. */
static void
golden_filter(const char *name, const char *mode, const char *extra,
    const char *want)
{
	struct golden g;
	struct config *cfg;
	struct ns_store *st;
	struct answer f;

	T_CHECK(golden_load(&g, name) == 0);
	cfg = g.ok ? case_config_x(&g, mode, "pass", extra) : NULL;
	if (cfg) {
		st = case_store(&g);
		call(ROUTE_FILTER, cfg, st, &g, "filter", &f);
		T_EQ_INT(f.status, 200);
		T_EQ_MEM(f.body.p, f.body.len, want, strlen(want));
		answer_free(&f);
		ns_store_free(st);
		config_free(cfg);
	}
	golden_free(&g);
}

/*
 * Score in score_mode = clamp: pass-1 messages without stray spaces,
 * pass-2 rejections listed in FailedNodes (7.15); wca keeps the
 * original's answers (the golden cases above).
 */
static void
test_score_clamp(void)
{
	golden_filter("score_lowest_profile", "clamp", NULL,
	    "{\"Error\":\"\",\"FailedNodes\":{"
	    "\"pmem2\":\"Could not fit node because of dram hit ratio "
	    "violation.\","
	    "\"pmem3\":\"Could not fit node for dimensions: missing "
	    "(cpu: 48.0).\","
	    "\"dram1\":\"'a' not preferred for dram type of node\","
	    "\"dram2\":\"'a' not preferred for dram type of node\","
	    "\"dram3\":\"'a' not preferred for dram type of node\","
	    "\"odd1\":\"'a' not preferred for unknown type of node\"},"
	    "\"NodeNames\":[\"pmem1\"],\"Nodes\":null}\n");
	/* wca, for contrast: the golden answer byte for byte */
	golden_filter("score_lowest_profile", "wca", NULL,
	    "{\"Error\":\"\",\"FailedNodes\":{"
	    "\"pmem2\":\" Could not fit node because of dram hit ratio "
	    "violation.\","
	    "\"pmem3\":\"Could not fit node for dimensions: missing "
	    "(cpu: 48.0). \"},\"NodeNames\":[\"pmem1\"],\"Nodes\":null}\n");
}

/*
 * strict_mode_placement: no candidate of the app's type leaves none
 * (wca: silently; clamp: listed).  score_target = 0 means unset: the
 * lowest profile decides.
 */
static void
test_score_strict_and_target(void)
{
	golden_filter("score_target_fallback", "wca",
	    "strict_mode_placement = true\n",
	    "{\"Error\":\"\",\"FailedNodes\":{},\"NodeNames\":[],"
	    "\"Nodes\":null}\n");
	golden_filter("score_target_fallback", "clamp",
	    "strict_mode_placement = true\n",
	    "{\"Error\":\"\",\"FailedNodes\":{"
	    "\"dram1\":\"'b' not preferred for dram type of node\","
	    "\"dram2\":\"'b' not preferred for dram type of node\","
	    "\"dram3\":\"'b' not preferred for dram type of node\","
	    "\"odd1\":\"'b' not preferred for unknown type of node\"},"
	    "\"NodeNames\":[],\"Nodes\":null}\n");
	/* a (0.2) would be DRAM-type if 0 were a target */
	golden_filter("score_lowest_profile", "wca", "score_target = 0\n",
	    "{\"Error\":\"\",\"FailedNodes\":{"
	    "\"pmem2\":\" Could not fit node because of dram hit ratio "
	    "violation.\","
	    "\"pmem3\":\"Could not fit node for dimensions: missing "
	    "(cpu: 48.0). \"},\"NodeNames\":[\"pmem1\"],\"Nodes\":null}\n");
}

/*
 * Score: a node without a type, a PMEM node without a DRAM hit ratio
 * (the original's KeyError, 500) fail alone; with two profiles or fewer
 * every app is DRAM-type.
 */
static void
test_score_missing_data(void)
{
	static const struct feed fd[] = {
		{ "wca_node_capacity", "node", "p", "dim", "cpu", 8 },
		{ "wca_node_capacity", "node", "p", "dim", "mem", 8 },
		{ "wca_node_type", "node", "p", "nodetype", "pmem", 1 },
		{ "wca_node_capacity", "node", "q", "dim", "cpu", 8 },
		{ "wca_node_capacity", "node", "q", "dim", "mem", 8 },
		{ "wca_node_type", "node", "q", "nodetype", "pmem", 1 },
		{ "wca_node_dram_hit_ratio", "node", "q", NULL, NULL, 1 },
		{ "wca_node_capacity", "node", "t", "dim", "cpu", 8 },
		{ "wca_node_capacity", "node", "t", "dim", "mem", 8 },
		{ "wca_node_capacity", "node", "d", "dim", "cpu", 8 },
		{ "wca_node_capacity", "node", "d", "dim", "mem", 8 },
		{ "wca_node_type", "node", "d", "nodetype", "dram", 1 },
		{ "wca_app_requested", "app", "x", "dim", "cpu", 1 },
		{ "wca_app_requested", "app", "x", "dim", "mem", 1 },
		{ "wca_app_profile", "app", "x", NULL, NULL, 0.1 },
		{ "wca_app_profile", "app", "y", NULL, NULL, 5 },
	};
	static const char req[] = "{\"Nodes\":null,\"Pod\":{\"metadata\":"
	    "{\"name\":\"p\",\"namespace\":\"default\",\"labels\":"
	    "{\"app\":\"x\"}}},\"NodeNames\":[\"p\",\"q\",\"t\",\"d\"]}";

	/* x has the lowest profile but only two are known: DRAM-type */
	expect("[server]\nscore_mode = clamp\n[algorithm]\nname = Score\n",
	    fd, NFEED(fd), ROUTE_FILTER, req, 200,
	    "{\"Error\":\"\",\"FailedNodes\":{"
	    "\"p\":\"no dram hit ratio for node p\","
	    "\"q\":\"'x' not preferred for pmem type of node\","
	    "\"t\":\"no node type for node t\"},"
	    "\"NodeNames\":[\"d\"],\"Nodes\":null}\n");
}

/* Lines of `text` that contain both a and b. */
static int
count_lines(const char *text, const char *a, const char *b)
{
	const char *p = text, *e;
	int n = 0;

	while (*p) {
		char line[2048];
		size_t len;

		e = strchr(p, '\n');
		len = e ? (size_t)(e - p) : strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		if (strstr(line, a) && strstr(line, b))
			n++;
		p += len + (e != NULL);
	}
	return n;
}

/*
 * With logger algorithm at debug, one line per node and verb with the
 * inputs and the score terms (stderr captured in a temporary file).
 */
static void
test_debug_lines(void)
{
	enum log_level saved[LOGGER_COUNT], lv[LOGGER_COUNT];
	char path[] = "/tmp/test_algo_wca.XXXXXX", text[16384];
	struct golden g;
	struct config *cfg;
	struct ns_store *st;
	struct answer f, p;
	int fd, old, i;
	ssize_t n;

	T_CHECK(golden_load(&g, "lubar_flat_production_dims") == 0);
	cfg = g.ok ? case_config(&g, "wca", "pass") : NULL;
	if (cfg == NULL) {
		golden_free(&g);
		return;
	}
	st = case_store(&g);
	memcpy(saved, log_levels, sizeof(saved));
	for (i = 0; i < LOGGER_COUNT; i++)
		lv[i] = LOG_OFF;
	lv[LOGGER_ALGORITHM] = LOG_DEBUG;
	fd = mkstemp(path);
	T_CHECK(fd >= 0);
	if (fd >= 0) {
		fflush(stderr);
		old = dup(STDERR_FILENO);
		dup2(fd, STDERR_FILENO);
		log_set_levels(lv);
		call(ROUTE_FILTER, cfg, st, &g, "filter", &f);
		call(ROUTE_PRIORITIZE, cfg, st, &g, "prioritize", &p);
		log_set_levels(saved);
		dup2(old, STDERR_FILENO);
		close(old);
		lseek(fd, 0, SEEK_SET);
		n = read(fd, text, sizeof(text) - 1);
		text[n > 0 ? n : 0] = '\0';
		close(fd);
		unlink(path);
		check_filter(&g, &f);
		check_prioritize(&g, &p);
		T_EQ_INT(count_lines(text, "debug algorithm: filter", "node="),
		    4);
		T_EQ_INT(count_lines(text, "node=pm1 ", "verdict=fail: Could "
		    "not fit node for dimensions: missing (membw_flat: 12.0)."),
		    1);
		T_EQ_INT(count_lines(text, "debug algorithm: prioritize",
		    "node="), 4);
		T_EQ_INT(count_lines(text, "node=dr1 app=st ", "capacity=cpu=96,"
		    "mem=384,membw_flat=105,wss=345 used=cpu=10,mem=68,"
		    "membw_flat=25,wss=14 requested=cpu=2,mem=4,membw_flat=14,"
		    "wss=2 fractions=cpu=0.125,mem=0.1875,"), 1);
		answer_free(&f);
		answer_free(&p);
	}
	ns_store_free(st);
	config_free(cfg);
	golden_free(&g);
}

/* The debug lines of logger algorithm while a golden case's filter runs. */
static void
filter_log(const char *name, char *text, size_t cap)
{
	enum log_level saved[LOGGER_COUNT], lv[LOGGER_COUNT];
	char path[] = "/tmp/test_algo_wca.XXXXXX";
	struct golden g;
	struct config *cfg;
	struct ns_store *st;
	struct answer f;
	int fd, old, i;
	ssize_t n;

	text[0] = '\0';
	T_CHECK(golden_load(&g, name) == 0);
	cfg = g.ok ? case_config(&g, "wca", "pass") : NULL;
	if (cfg == NULL) {
		golden_free(&g);
		return;
	}
	st = case_store(&g);
	memcpy(saved, log_levels, sizeof(saved));
	for (i = 0; i < LOGGER_COUNT; i++)
		lv[i] = LOG_OFF;
	lv[LOGGER_ALGORITHM] = LOG_DEBUG;
	fd = mkstemp(path);
	T_CHECK(fd >= 0);
	if (fd >= 0) {
		fflush(stderr);
		old = dup(STDERR_FILENO);
		dup2(fd, STDERR_FILENO);
		log_set_levels(lv);
		call(ROUTE_FILTER, cfg, st, &g, "filter", &f);
		log_set_levels(saved);
		dup2(old, STDERR_FILENO);
		close(old);
		lseek(fd, 0, SEEK_SET);
		n = read(fd, text, cap - 1);
		text[n > 0 ? n : 0] = '\0';
		close(fd);
		unlink(path);
		check_filter(&g, &f);
		answer_free(&f);
	}
	ns_store_free(st);
	config_free(cfg);
	golden_free(&g);
}

/*
 * One debug line per node for DramHitRatioProvision, StaticAssigner and
 * Score; HierBAR adds one line per candidate of its second pass.
 */
static void
test_debug_lines_new(void)
{
	char text[16384];

	filter_log("dram_hit_ratio", text, sizeof(text));
	T_EQ_INT(count_lines(text, "debug algorithm: filter algorithm="
	    "DramHitRatioProvision", "node="), 5);
	T_EQ_INT(count_lines(text, "node=h3 ", "dram_hit_ratio=0.96999990000000003 "
	    "threshold=0.96999999999999997 verdict=fail: Could not fit node "
	    "because of dram hit ratio violation."), 1);
	filter_log("static_assigner", text, sizeof(text));
	T_EQ_INT(count_lines(text, "debug algorithm: filter algorithm="
	    "StaticAssigner", "node="), 4);
	T_EQ_INT(count_lines(text, "node=s1 app=a count=1 target=2 ",
	    "verdict=pass"), 1);
	filter_log("score_lowest_profile", text, sizeof(text));
	T_EQ_INT(count_lines(text, "debug algorithm: filter algorithm=Score",
	    "node="), 7);
	T_EQ_INT(count_lines(text, "node=dram1 app=a node_type=dram "
	    "app_type=pmem profiles=4 ", "verdict=drop"), 1);
	T_EQ_INT(count_lines(text, "node=pmem1 ", "verdict=pass"), 1);
	filter_log("hierbar_best_class_full", text, sizeof(text));
	T_EQ_INT(count_lines(text, "debug algorithm: filter algorithm=HierBAR",
	    "node="), 7);
	T_EQ_INT(count_lines(text, "node=s3-0 app=bigmem pass=2 class=2 "
	    "nodes=1 ", "verdict=fail: Not best class"), 1);
	T_EQ_INT(count_lines(text, "node=s2-0 app=bigmem pass=2 class=1 ",
	    "verdict=pass"), 1);
}

/* Python's repr() of floats, as the original's messages print them. */
static void
test_float_repr(void)
{
	static const struct { double v; const char *s; } cases[] = {
		{ 8.0, "8.0" }, { 0.27, "0.27" }, { 8.75, "8.75" },
		{ 12.0, "12.0" }, { 0.20000000000000284, "0.20000000000000284" },
		{ 0.1, "0.1" }, { 1.0 / 3, "0.3333333333333333" },
		{ 1e-05, "1e-05" }, { 2.5e-05, "2.5e-05" },
		{ 0.0001, "0.0001" }, { 1e16, "1e+16" },
		{ 1e15, "1000000000000000.0" }, { 1234.5, "1234.5" },
		{ -8.75, "-8.75" }, { 0.0, "0.0" },
		{ 1.2345678901234568e17, "1.2345678901234568e+17" },
		{ 5e-324, "5e-324" }, { 1.7976931348623157e308,
		    "1.7976931348623157e+308" }, { 35.0, "35.0" },
		{ 100.5, "100.5" }, { 0.001234, "0.001234" },
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wca_float_repr(out, sizeof(out), cases[i].v);
		T_EQ_STR(out, cases[i].s);
	}
}

/*
 * The WCA family's node loads kept in the memo between calls: the same
 * answers as without it while nothing changes (t=2, 3), and after the
 * nodes' source (scraped at 0, staleness 10) turns stale at t=10.5 with
 * no commit in between, the nodes fail as they do without the memo
 * (the apps' source, scraped at 5, is still fresh then).
 */
static void
test_node_memo_expires(void)
{
	static const char cf[] = "[algorithm]\nname = LeastUsedBAR\n"
	    "dimensions = cpu, mem\n[metrics]\nstaleness = 10\n";
	static const char req[] = HB_REQ("s", "\"n1\",\"n2\"");
	static const double when[] = { 2.0, 3.0, 10.5, 11.0 };
	struct ns_source_spec spec[2] = {
		{ "http://127.0.0.1:9/nodes", NULL },
		{ "http://127.0.0.1:9/apps", NULL }
	};
	struct memo_case m;
	struct ns_builder *bd;
	const void *kept = NULL;
	size_t k;

	if (memo_case_init(&m, cf, spec) < 0)
		return;
	bd = ns_builder_new(m.st, 0);
	add(bd, "wca_node_capacity", "node", "n1", "dim", "cpu", 4);
	add(bd, "wca_node_capacity", "node", "n1", "dim", "mem", 8);
	add(bd, "wca_node_capacity", "node", "n2", "dim", "cpu", 8);
	add(bd, "wca_node_capacity", "node", "n2", "dim", "mem", 8);
	T_EQ_INT(ns_commit(m.st, bd, 0.0), NS_OK);
	bd = ns_builder_new(m.st, 1);
	add(bd, "wca_app_requested", "app", "s", "dim", "cpu", 1);
	add(bd, "wca_app_requested", "app", "s", "dim", "mem", 1);
	T_EQ_INT(ns_commit(m.st, bd, 5.0), NS_OK);
	for (k = 0; k < 4; k++) {
		memo_case_answer(&m, when[k], req);
		T_CHECK(m.memo.nodes != NULL);
		if (k == 1 || k == 3)
			T_CHECK(m.memo.nodes == kept);	/* kept, not rebuilt */
		kept = m.memo.nodes;
		/* fresh: both pass; stale: both fail with the reason */
		T_CHECK((strstr(m.with.p, "\"NodeNames\":[\"n1\",\"n2\"]") !=
		    NULL) == (when[k] < 10));
		T_CHECK((strstr(m.with.p, "metrics for node n2 are 1") !=
		    NULL) == (when[k] > 10));
	}
	memo_case_free(&m);
}

T_SUITE(
	{ "float_repr", test_float_repr },
	{ "fit_cpu_mem", test_fit_cpu_mem },
	{ "fit_membw_rw", test_fit_membw_rw },
	{ "fit_flat_production_dims", test_fit_flat_production_dims },
	{ "least_used_default", test_least_used_default },
	{ "bar_2d", test_bar_2d },
	{ "lubar_default_10", test_lubar_default_10 },
	{ "lubar_flat_production_dims", test_lubar_flat_production_dims },
	{ "hierbar_two_classes_mem", test_hierbar_two_classes_mem },
	{ "hierbar_two_classes_bw", test_hierbar_two_classes_bw },
	{ "hierbar_best_class_full", test_hierbar_best_class_full },
	{ "dram_hit_ratio", test_dram_hit_ratio },
	{ "score_lowest_profile", test_score_lowest_profile },
	{ "score_lowest_profile_dram_app",
	    test_score_lowest_profile_dram_app },
	{ "score_target_fallback", test_score_target_fallback },
	{ "static_assigner", test_static_assigner },
	{ "error_unknown_app", test_error_unknown_app },
	{ "error_unknown_app_lubar", test_error_unknown_app_lubar },
	{ "error_nodes_not_null", test_error_nodes_not_null },
	{ "missing_node_data", test_missing_node_data },
	{ "clamp_least_used_weights", test_clamp_least_used_weights },
	{ "zero_capacity", test_zero_capacity },
	{ "debug_lines", test_debug_lines },
	{ "dram_hit_missing", test_dram_hit_missing },
	{ "static_assigner_defects", test_static_assigner_defects },
	{ "hierbar_merge", test_hierbar_merge },
	{ "hierbar_no_loss", test_hierbar_no_loss },
	{ "hierbar_ties", test_hierbar_ties },
	{ "hierbar_default_weights", test_hierbar_default_weights },
	{ "hierbar_memo", test_hierbar_memo },
	{ "node_memo_expires", test_node_memo_expires },
	{ "stdev", test_stdev },
	{ "score_clamp", test_score_clamp },
	{ "score_strict_and_target", test_score_strict_and_target },
	{ "score_missing_data", test_score_missing_data },
	{ "debug_lines_new", test_debug_lines_new },
)
