/*
 * test_nodestore: the node store, fed with exposition-like text through
 * a tiny line reader of its own (name{k="v",...} value, no escapes), so
 * that the store is tested without the Prometheus parser.
 *
 * Times are synthetic seconds; every check compares with a value worked
 * out by hand in the comment next to it.
 */
#include "nodestore.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "t.h"

#define T_NEAR(a, b) do {						\
	double t_a_ = (a), t_b_ = (b);					\
	if (!(fabs(t_a_ - t_b_) <= 1e-9 * (1 + fabs(t_b_)))) {		\
		t_failed_checks++;					\
		printf("#   %s:%d: %s == %.17g, expected %.17g\n",	\
		    __FILE__, __LINE__, #a, t_a_, t_b_);		\
	}								\
} while (0)

#define MAXL	16

struct counts {
	int kept, ignored, dropped;
};

/*
 * Feed each line of text: `name{k="v",k2="v2"} value`.  Labels and the
 * name are copied into exactly sized heap blocks (no NUL after them),
 * so ASan catches a store that reads past a span.
 */
static struct counts
feed(struct ns_builder *b, const char *text)
{
	struct counts c = { 0, 0, 0 };
	const char *p = text;

	while (*p) {
		const char *eol = strchr(p, '\n'), *q;
		struct ns_label lab[MAXL];
		char *copies[2 * MAXL + 1];
		size_t nl = 0, nc = 0, i;
		struct ns_sample s;
		char num[64];
		size_t n;
		int r;

		if (eol == NULL)
			eol = p + strlen(p);
		while (p < eol && *p == ' ')
			p++;
		if (p == eol) {
			p = *eol ? eol + 1 : eol;
			continue;
		}
		for (q = p; q < eol && *q != '{' && *q != ' '; q++)
			;
		n = (size_t)(q - p);
		copies[nc] = xmalloc(n ? n : 1);
		memcpy(copies[nc], p, n);
		s.name = copies[nc++];
		s.name_len = n;
		if (*q == '{') {
			q++;
			while (*q != '}') {
				const char *k = q, *v;
				size_t kl, vl;

				while (*q != '=')
					q++;
				kl = (size_t)(q - k);
				v = q + 2;		/* past =" */
				for (q = v; *q != '"'; q++)
					;
				vl = (size_t)(q - v);
				q++;
				if (*q == ',')
					q++;
				copies[nc] = xmalloc(kl ? kl : 1);
				memcpy(copies[nc], k, kl);
				lab[nl].name = copies[nc++];
				lab[nl].name_len = kl;
				copies[nc] = xmalloc(vl ? vl : 1);
				memcpy(copies[nc], v, vl);
				lab[nl].value = copies[nc++];
				lab[nl].value_len = vl;
				nl++;
			}
			q++;
		}
		n = (size_t)(eol - q);
		if (n >= sizeof(num))
			n = sizeof(num) - 1;
		memcpy(num, q, n);
		num[n] = '\0';
		s.labels = lab;
		s.nlabels = nl;
		s.value = strtod(num, NULL);
		r = ns_builder_add(b, &s);
		if (r == NS_ADD_KEPT)
			c.kept++;
		else if (r == NS_ADD_IGNORED)
			c.ignored++;
		else
			c.dropped++;
		for (i = 0; i < nc; i++)
			free(copies[i]);
		p = *eol ? eol + 1 : eol;
	}
	return c;
}

/* Build and commit one scrape of source id. */
static struct counts
scrape(struct ns_store *st, size_t id, double now, const char *text)
{
	struct ns_builder *b = ns_builder_new(st, id);
	struct counts c = feed(b, text);

	T_EQ_INT(ns_commit(st, b, now), NS_OK);
	return c;
}

static struct ns_store *
store_with(size_t n, const struct ns_source_spec *specs,
    const struct ns_opts *o)
{
	struct ns_store *st = ns_store_new();

	if (o)
		ns_configure(st, o);
	ns_set_sources(st, specs, n);
	return st;
}

static const struct ns_source_spec one_src[] = {
	{ "http://prom:9090/federate", NULL },
};

static void
view_of(const struct ns_store *st, const char *node, double now,
    double staleness, struct ns_view *v)
{
	ns_view(st, ns_find(st, node, strlen(node)), now, staleness, v);
}

/* ------------------------------------------------------------------ */

static void
test_dims(void)
{
	static const struct { const char *s; enum dim d; } cases[] = {
		{ "cpu", DIM_CPU }, { "mem", DIM_MEM },
		{ "membw_read", DIM_MEMBW_READ },
		{ "mbw_read", DIM_MEMBW_READ },
		{ "membw_write", DIM_MEMBW_WRITE },
		{ "mbw_write", DIM_MEMBW_WRITE }, { "wss", DIM_WSS },
		{ "membw", DIM_MEMBW }, { "membw_flat", DIM_MEMBW_FLAT },
		{ "mbw_flat", DIM_MEMBW_FLAT }, { "mbw", DIM_COUNT },
		{ "CPU", DIM_COUNT }, { "", DIM_COUNT },
		{ "membw_flatx", DIM_COUNT },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_EQ_INT(ns_dim_parse(cases[i].s, strlen(cases[i].s)),
		    cases[i].d);
	/* A prefix of a name is not the name. */
	T_EQ_INT(ns_dim_parse("membw_read", 5), DIM_MEMBW);
}

static void
test_aliases(void)
{
	struct ns_store *st = store_with(1, one_src, NULL);
	struct ns_view v;
	struct ns_app_view av;
	const struct ns_app *a;
	struct counts c;

	c = scrape(st, 0, 100,
	    "node_capacity{dim=\"cpu\",node=\"n1\"} 72\n"
	    "node_capacity{dim=\"mbw_read\",node=\"n1\"} 40\n"
	    "node_capacity{dim=\"mbw_write\",node=\"n1\"} 10\n"
	    "wca_node_capacity{node=\"n1\",dim=\"mbw_flat\"} 25\n"
	    "wca_node_capacity{node=\"n1\",dim=\"membw\"} 7\n"
	    "wca_node_capacity{node=\"n1\",dim=\"wss\"} 460\n"
	    "wca_node_capacity{node=\"n1\",dim=\"mem\"} 1000\n"
	    "wca_node_capacity{node=\"n1\",dim=\"bogus\"} 1\n"
	    "node_type{node=\"n1\",nodetype=\"pmem\"} 1\n"
	    "platform_dram_hit_ratio{node=\"n1\",socket=\"0\"} 0.9123\n"
	    "platform_dram_hit_ratio{node=\"n1\",socket=\"1\"} 0.8876\n"
	    "platform_dram_hit_ratio{node=\"n1\",socket=\"2\"} NaN\n"
	    "platform_dram_hit_ratio{node=\"n1\",socket=\"3\"} 0.95\n"
	    "app_req{app=\"memc\",dim=\"mbw_flat\"} 2.9\n"
	    "app_req{app=\"memc\",dim=\"cpu\"} 10\n"
	    "wca_app_requested{app=\"memc\",dim=\"mbw_write\"} 0.4\n"
	    "app_profile{app=\"memc\"} -1.8397\n"
	    "node_load1 0.5\n"
	    "wca_node_capacity_other{node=\"n1\",dim=\"cpu\"} 1\n");
	T_EQ_INT(c.kept, 15);
	T_EQ_INT(c.dropped, 2);		/* dim="bogus", the NaN ratio */
	T_EQ_INT(c.ignored, 2);
	view_of(st, "n1", 100, 180, &v);
	T_EQ_INT(v.state, NS_FRESH);
	T_NEAR(v.capacity[DIM_CPU], 72);
	T_NEAR(v.capacity[DIM_MEMBW_READ], 40);
	T_NEAR(v.capacity[DIM_MEMBW_WRITE], 10);
	T_NEAR(v.capacity[DIM_MEMBW_FLAT], 25);
	T_NEAR(v.capacity[DIM_MEMBW], 7);
	T_NEAR(v.capacity[DIM_WSS], 460);
	T_NEAR(v.capacity[DIM_MEM], 1000);
	T_EQ_INT(v.capacity_mask, (1u << DIM_COUNT) - 1);
	T_CHECK(v.have & NS_HAVE_TYPE);
	T_EQ_INT(v.type, NS_TYPE_PMEM);
	T_CHECK(v.have & NS_HAVE_DRAM_HIT);
	T_NEAR(v.dram_hit_ratio, 0.8876);	/* min over sockets */
	T_CHECK(!(v.have & NS_HAVE_PMEM));
	T_CHECK(!(v.have & NS_HAVE_ASSIGNED));
	a = ns_app_find(st, "memc", 4);
	T_CHECK(a != NULL);
	ns_app_view(st, a, 100, 180, &av);
	T_EQ_INT(av.state, NS_FRESH);
	T_EQ_INT(av.requested_mask, (1u << DIM_MEMBW_FLAT) |
	    (1u << DIM_CPU) | (1u << DIM_MEMBW_WRITE));
	T_NEAR(av.requested[DIM_MEMBW_FLAT], 2.9);
	T_NEAR(av.requested[DIM_MEMBW_WRITE], 0.4);
	T_CHECK(av.has_profile);
	T_NEAR(av.profile, -1.8397);
	ns_store_free(st);
}

static void
test_wca_fields(void)
{
	struct ns_store *st = store_with(1, one_src, NULL);
	const struct ns_app *big, *small, *none;
	struct ns_view v;

	scrape(st, 0, 10,
	    "wca_node_pmem{node=\"n1\"} 1\n"
	    "wca_node_pmem{node=\"n2\"} 0\n"
	    "platform_mem_mode_size_bytes{node=\"n3\",socket=\"0\"} 0\n"
	    "platform_mem_mode_size_bytes{node=\"n3\",socket=\"1\"} 5e11\n"
	    "platform_mem_mode_size_bytes{node=\"n4\",socket=\"0\"} 0\n"
	    "platform_mem_mode_size_bytes{node=\"n2\",socket=\"0\"} 9\n"
	    "wca_node_type{node=\"n2\",nodetype=\"dram\"} 1\n"
	    "wca_node_type{node=\"n3\",nodetype=\"weird\"} 1\n"
	    "wca_app_assigned{node=\"n1\",app=\"big\"} 3\n"
	    "wca_app_assigned{node=\"n1\",app=\"small\"} 1\n"
	    "wca_app_assigned{node=\"n1\",app=\"big\",ns=\"other\"} 2\n"
	    "wca_app_assigned{node=\"n2\",app=\"small\"} 4\n"
	    "wca_app_unassigned{app=\"small\"} 1\n"
	    "wca_node_dram_hit_ratio{node=\"n2\"} 0.99\n");
	big = ns_app_find(st, "big", 3);
	small = ns_app_find(st, "small", 5);
	T_CHECK(big != NULL && small != NULL);
	T_EQ_INT(ns_app_count(st), 2);

	view_of(st, "n1", 10, 180, &v);
	T_CHECK(v.have & NS_HAVE_PMEM);
	T_EQ_INT(v.pmem, 1);
	T_CHECK(v.have & NS_HAVE_ASSIGNED);
	T_EQ_INT(v.nassigned, 2);		/* big (summed), small */
	T_NEAR(ns_view_assigned(&v, big), 5);
	T_NEAR(ns_view_assigned(&v, small), 1);
	T_CHECK(v.nassigned > 0 && v.assigned[0].app == big);	/* feed order */

	view_of(st, "n2", 10, 180, &v);
	T_EQ_INT(v.pmem, 0);		/* wca_node_pmem beats the sum */
	T_EQ_INT(v.type, NS_TYPE_DRAM);
	T_NEAR(ns_view_assigned(&v, big), 0);
	T_NEAR(ns_view_assigned(&v, small), 4);
	T_NEAR(v.dram_hit_ratio, 0.99);

	view_of(st, "n3", 10, 180, &v);
	T_EQ_INT(v.pmem, 1);		/* memory-mode size sum != 0 */
	T_CHECK(v.have & NS_HAVE_TYPE);
	T_EQ_INT(v.type, NS_TYPE_UNKNOWN);
	/* The feed has assignments: a node without any has an empty set. */
	T_CHECK(v.have & NS_HAVE_ASSIGNED);
	T_EQ_INT(v.nassigned, 0);
	T_CHECK(!(v.have & NS_HAVE_DRAM_HIT));

	view_of(st, "n4", 10, 180, &v);
	T_CHECK(v.have & NS_HAVE_PMEM);
	T_EQ_INT(v.pmem, 0);

	/* Apps no source mentions any more are gone. */
	scrape(st, 0, 20, "wca_app_assigned{node=\"n1\",app=\"big\"} 1\n");
	T_EQ_INT(ns_app_count(st), 1);
	T_CHECK(ns_app_find(st, "small", 5) == NULL);
	none = ns_app_find(st, "big", 3);
	T_CHECK(none != NULL);
	T_EQ_INT(ns_node_count(st), 1);
	ns_store_free(st);
}

static void
test_node_resolution(void)
{
	static const struct ns_source_spec specs[] = {
		{ "http://a:9100/metrics", "worker-1" },
		{ "http://ksm:8080/metrics", NULL },
	};
	struct ns_opts o = { "kubernetes_node", 0, 0, 0 };
	struct ns_store *st = store_with(2, specs, &o);
	struct counts c;
	struct ns_view v;

	/* node= wins over every label. */
	c = scrape(st, 0, 1,
	    "wca_node_capacity{node=\"x\",instance=\"y:1\",dim=\"cpu\"} 1\n"
	    "node_memory_MemTotal_bytes 100\n");
	T_EQ_INT(c.kept, 2);
	T_CHECK(ns_find(st, "worker-1", 8) != NULL);
	T_CHECK(ns_find(st, "x", 1) == NULL);
	T_CHECK(ns_find(st, "y", 1) == NULL);

	/* node_label, then instance without its port. */
	c = scrape(st, 1, 1,
	    "wca_node_capacity{kubernetes_node=\"kn\",node=\"no\",dim=\"cpu\"} 1\n"
	    "wca_node_capacity{node=\"no\",instance=\"host-a:9100\",dim=\"cpu\"} 2\n"
	    "wca_node_capacity{instance=\"[fd00::1]:9100\",dim=\"cpu\"} 3\n"
	    "wca_node_capacity{instance=\"fe80::2\",dim=\"cpu\"} 4\n"
	    "wca_node_capacity{instance=\"host-b\",dim=\"cpu\"} 5\n"
	    "wca_node_capacity{kubernetes_node=\"\",instance=\"10.0.0.7:9100\",dim=\"cpu\"} 6\n"
	    "wca_node_capacity{dim=\"cpu\"} 7\n"
	    "wca_node_capacity{instance=\":9100\",dim=\"cpu\"} 8\n"
	    "wca_node_capacity{instance=\"\",dim=\"cpu\"} 9\n");
	T_EQ_INT(c.kept, 6);
	T_EQ_INT(c.dropped, 3);
	view_of(st, "kn", 1, 60, &v);
	T_NEAR(v.capacity[DIM_CPU], 1);
	T_CHECK(ns_find(st, "no", 2) == NULL);
	view_of(st, "host-a", 1, 60, &v);
	T_NEAR(v.capacity[DIM_CPU], 2);
	view_of(st, "fd00::1", 1, 60, &v);
	T_NEAR(v.capacity[DIM_CPU], 3);
	view_of(st, "fe80::2", 1, 60, &v);
	T_NEAR(v.capacity[DIM_CPU], 4);
	view_of(st, "host-b", 1, 60, &v);
	T_NEAR(v.capacity[DIM_CPU], 5);
	view_of(st, "10.0.0.7", 1, 60, &v);
	T_NEAR(v.capacity[DIM_CPU], 6);
	T_EQ_INT(ns_node_count(st), 7);

	/* Pod series never fall back to instance (it names the exporter). */
	c = scrape(st, 1, 2,
	    "kube_pod_info{namespace=\"d\",pod=\"p\",instance=\"ksm:8080\"} 1\n"
	    "kube_pod_container_resource_requests{namespace=\"d\",pod=\"p\",container=\"c\",resource=\"cpu\",instance=\"ksm:8080\"} 1\n");
	T_CHECK(ns_find(st, "ksm", 3) == NULL);
	ns_store_free(st);

	/* The default label is "node". */
	st = store_with(1, one_src, NULL);
	scrape(st, 0, 1,
	    "wca_node_capacity{node=\"n9\",instance=\"i:1\",dim=\"cpu\"} 1\n");
	T_CHECK(ns_find(st, "n9", 2) != NULL);
	T_CHECK(ns_find(st, "i", 1) == NULL);
	ns_store_free(st);
}

/* node_exporter text for 2 cpus: user, system and idle given per cpu. */
static char *
cpu_text(double u0, double s0, double i0, double u1, double s1, double i1,
    double total, double avail)
{
	struct buf b;

	buf_init(&b);
	buf_printf(&b,
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} %.17g\n"
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"iowait\"} %.17g\n"
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"steal\"} %.17g\n"
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"system\"} %.17g\n"
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} %.17g\n"
	    "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} %.17g\n"
	    "node_cpu_seconds_total{cpu=\"1\",mode=\"iowait\"} %.17g\n"
	    "node_cpu_seconds_total{cpu=\"1\",mode=\"steal\"} %.17g\n"
	    "node_cpu_seconds_total{cpu=\"1\",mode=\"system\"} %.17g\n"
	    "node_cpu_seconds_total{cpu=\"1\",mode=\"user\"} %.17g\n"
	    "node_memory_MemTotal_bytes %.17g\n"
	    "node_memory_MemAvailable_bytes %.17g\n"
	    "node_load1 3\n",
	    i0, i0 / 2, i0 / 3, s0, u0, i1, i1 / 2, i1 / 3, s1, u1, total,
	    avail);
	buf_addc(&b, '\0');
	return b.p;
}

static void
scrape_cpu(struct ns_store *st, size_t id, double now, double u0, double s0,
    double i0, double u1, double s1, double i1, double total, double avail)
{
	char *t = cpu_text(u0, s0, i0, u1, s1, i1, total, avail);

	scrape(st, id, now, t);
	free(t);
}

static const struct ns_source_spec ne_src[] = {
	{ "http://10.0.0.1:9100/metrics", "w1" },
};

static void
test_cpu_rate(void)
{
	struct ns_opts o = { NULL, 1000, -1, 0 };	/* raw rates for std */
	struct ns_store *st = store_with(1, ne_src, &o);
	struct ns_view v;

	/* First scrape: no rate yet, memory at once. */
	scrape_cpu(st, 0, 100, 50, 20, 1000, 60, 30, 1000, 1000, 250);
	view_of(st, "w1", 100, 60, &v);
	T_EQ_INT(v.state, NS_FRESH);
	T_CHECK(!(v.have & NS_HAVE_CPU));
	T_EQ_INT(v.cpu.have, 0);
	T_CHECK(v.have & NS_HAVE_MEM);
	T_NEAR(v.mem.latest, 75);		/* 100 * (1 - 250/1000) */

	/*
	 * 10 s later: cpu0 user +4 system +2, cpu1 user +1 system +1 = 8 s
	 * busy over 2 cpus x 10 s = 40 %.  idle (and so iowait, steal)
	 * grows by 500 s a cpu: not busy, and never checked against time.
	 */
	scrape_cpu(st, 0, 110, 54, 22, 1500, 61, 31, 1500, 1000, 500);
	view_of(st, "w1", 110, 60, &v);
	T_CHECK(v.have & NS_HAVE_CPU);
	T_EQ_INT(v.cpu.have, NS_U_LATEST | NS_U_AVG | NS_U_STD);
	T_EQ_INT(v.cpu.precomputed, 0);
	T_NEAR(v.cpu.latest, 40);
	T_NEAR(v.cpu.avg, 40);
	T_NEAR(v.cpu.std, 0);
	T_NEAR(v.cpu.t, 110);
	T_NEAR(v.mem.latest, 50);

	/* 20 s later, 4 s busy: 4 / (2 * 20) = 10 %.  avg is weighted by
	 * duration: (40*10 + 10*20) / 30 = 20; std of {40, 10} = 15. */
	scrape_cpu(st, 0, 130, 56, 23, 1600, 61.5, 23.5 + 8, 1600, 1000, 500);
	view_of(st, "w1", 130, 60, &v);
	T_NEAR(v.cpu.latest, 10);
	T_NEAR(v.cpu.avg, 20);
	T_NEAR(v.cpu.std, 15);
	T_EQ_INT(v.cpu.samples, 2);

	/* A counter went down (cpu1 user 61.5 -> 1): no rate this round;
	 * the window still has the earlier ones. */
	scrape_cpu(st, 0, 140, 70, 30, 1700, 1, 40, 1700, 1000, 500);
	view_of(st, "w1", 140, 60, &v);
	T_CHECK(v.have & NS_HAVE_CPU);
	T_EQ_INT(v.cpu.have, NS_U_AVG | NS_U_STD);
	T_NEAR(v.cpu.avg, 20);
	T_CHECK(v.cpu.latest == 0);

	/* Next round rates again from the reset values: cpu0 +1 +1,
	 * cpu1 +2 +0 = 4 s over 2 x 10 s = 20 %. */
	scrape_cpu(st, 0, 150, 71, 31, 1800, 3, 40, 1800, 1000, 500);
	view_of(st, "w1", 150, 60, &v);
	T_NEAR(v.cpu.latest, 20);
	T_NEAR(v.cpu.avg, (40 * 10 + 10 * 20 + 20 * 10) / 40.0);

	/* Busy beyond the wall time is clamped to 100 %. */
	scrape_cpu(st, 0, 151, 171, 31, 1800, 3, 40, 1800, 1000, 500);
	view_of(st, "w1", 151, 60, &v);
	T_NEAR(v.cpu.latest, 100);
	ns_store_free(st);
}

static void
test_cpu_series_change(void)
{
	struct ns_store *st = store_with(1, ne_src, NULL);
	struct ns_view v;

	scrape(st, 0, 0,
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 10\n"
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 10\n");
	/* A cpu appears: ncpu changes, no rate. */
	scrape(st, 0, 10,
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 15\n"
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 10\n"
	    "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 10\n");
	view_of(st, "w1", 10, 60, &v);
	T_CHECK(!(v.have & NS_HAVE_CPU));
	/* Same cpus, another busy mode: the series set changed, no rate. */
	scrape(st, 0, 20,
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"system\"} 15\n"
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 10\n"
	    "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 10\n");
	view_of(st, "w1", 20, 60, &v);
	T_CHECK(!(v.have & NS_HAVE_CPU));
	/* Stable again: (25 - 15) / (10 * 2) = 50 %. */
	scrape(st, 0, 30,
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"system\"} 25\n"
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 10\n"
	    "node_cpu_seconds_total{cpu=\"1\",mode=\"idle\"} 10\n");
	view_of(st, "w1", 30, 60, &v);
	T_NEAR(v.cpu.latest, 50);
	ns_store_free(st);
}

static void
test_memory(void)
{
	struct ns_store *st = store_with(1, ne_src, NULL);
	struct ns_view v;

	scrape(st, 0, 0,
	    "node_memory_MemTotal_bytes 8e9\n"
	    "node_memory_MemAvailable_bytes 6e9\n");
	view_of(st, "w1", 0, 60, &v);
	T_NEAR(v.mem.latest, 25);
	T_NEAR(v.mem.avg, 25);
	T_NEAR(v.mem.std, 0);
	T_EQ_INT(v.mem.have, NS_U_LATEST | NS_U_AVG | NS_U_STD);
	/* MemTotal 0 or missing: no value this round. */
	scrape(st, 0, 10,
	    "node_memory_MemTotal_bytes 0\n"
	    "node_memory_MemAvailable_bytes 6e9\n");
	view_of(st, "w1", 10, 60, &v);
	T_EQ_INT(v.mem.have, NS_U_AVG | NS_U_STD);	/* the window's */
	T_NEAR(v.mem.avg, 25);
	scrape(st, 0, 20, "node_memory_MemAvailable_bytes 6e9\n");
	view_of(st, "w1", 20, 60, &v);
	T_EQ_INT(v.mem.have, NS_U_AVG | NS_U_STD);
	ns_store_free(st);
}

static void
test_window(void)
{
	struct ns_opts o = { NULL, 30, -1, 0 };
	struct ns_store *st = store_with(1, ne_src, &o);
	static const double mem[] = { 10, 20, 30, 40, 50 };
	struct ns_view v;
	size_t i;
	char text[256];

	for (i = 0; i < 5; i++) {
		snprintf(text, sizeof(text),
		    "node_memory_MemTotal_bytes 100\n"
		    "node_memory_MemAvailable_bytes %g\n", 100 - mem[i]);
		scrape(st, 0, 10.0 * (double)i, text);
	}
	/* At t = 40 the window (10, 40] holds 30, 40, 50. */
	view_of(st, "w1", 40, 60, &v);
	T_NEAR(v.mem.latest, 50);
	T_NEAR(v.mem.avg, 40);
	T_NEAR(v.mem.std, sqrt(200.0 / 3));	/* population std */
	T_EQ_INT(v.mem.samples, 3);

	/* A long gap evicts everything but the new sample. */
	snprintf(text, sizeof(text),
	    "node_memory_MemTotal_bytes 100\n"
	    "node_memory_MemAvailable_bytes 90\n");
	scrape(st, 0, 1000, text);
	view_of(st, "w1", 1000, 60, &v);
	T_EQ_INT(v.mem.samples, 1);
	T_NEAR(v.mem.avg, 10);
	T_NEAR(v.mem.std, 0);
	ns_store_free(st);
}

/* Statistics use the window even when the history keeps more (for the
 * rate smoothing). */
/* One scrape of a 1-cpu node_exporter (user seconds) with 100 bytes of
 * memory, `avail` of them available, into source 0 at t. */
static void
scrape_cpu_mem(struct ns_store *st, double t, double busy, double avail)
{
	char text[256];

	snprintf(text, sizeof(text),
	    "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} %g\n"
	    "node_memory_MemTotal_bytes 100\n"
	    "node_memory_MemAvailable_bytes %g\n", busy, avail);
	scrape(st, 0, t, text);
}

static void
test_window_long_rate(void)
{
	struct ns_opts o = { NULL, 15, 60, 0 };
	struct ns_store *st = store_with(1, ne_src, &o);
	static const double busy[] = { 0, 1, 2, 8, 9 };	/* 1 cpu */
	static const double mem[] = { 10, 20, 30, 40, 50 };
	struct ns_view v;
	size_t i;

	for (i = 0; i < 5; i++)
		scrape_cpu_mem(st, 10.0 * (double)i, busy[i], 100 - mem[i]);
	/*
	 * Rates 10, 10, 60, 10 % at t = 10..40; the window (25, 40] has
	 * t = 30, 40: avg (60 + 10) / 2 = 35; smoothed over 60 s: t=30:
	 * (10+10+60)/3 = 80/3, t=40: (10+10+60+10)/4 = 22.5.  Memory 40, 50.
	 */
	view_of(st, "w1", 40, 60, &v);
	T_EQ_INT(v.cpu.samples, 2);
	T_NEAR(v.cpu.avg, 35);
	T_NEAR(v.cpu.std, (80.0 / 3 - 22.5) / 2);
	T_EQ_INT(v.mem.samples, 2);
	T_NEAR(v.mem.avg, 45);
	T_NEAR(v.mem.std, 5);
	ns_store_free(st);
}

/* The history holds the window (and no more), at most NS_HIST_MAX. */
static void
test_history_bounded(void)
{
	struct ns_opts o = { NULL, 30, -1, 0 };
	struct ns_store *st = store_with(1, ne_src, &o);
	struct ns_view v;
	size_t i, at20 = 0;
	char text[256];

	for (i = 0; i < 200; i++) {
		snprintf(text, sizeof(text),
		    "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} %zu\n"
		    "node_memory_MemTotal_bytes 100\n"
		    "node_memory_MemAvailable_bytes 50\n", i);
		scrape(st, 0, 10.0 * (double)i, text);
		if (i == 20)
			at20 = ns_memory_bytes(st);
	}
	T_EQ_INT(ns_memory_bytes(st), at20);
	view_of(st, "w1", 1990, 60, &v);
	T_EQ_INT(v.mem.samples, 3);
	T_NEAR(v.cpu.avg, 10);
	ns_store_free(st);

	/* A window longer than NS_HIST_MAX scrapes keeps the newest. */
	o.window = 1e9;
	st = store_with(1, ne_src, &o);
	for (i = 0; i < NS_HIST_MAX + 10; i++)
		scrape(st, 0, (double)i,
		    "node_memory_MemTotal_bytes 100\n"
		    "node_memory_MemAvailable_bytes 50\n");
	view_of(st, "w1", (double)i, 60, &v);
	T_EQ_INT(v.mem.samples, NS_HIST_MAX);
	T_NEAR(v.mem.avg, 50);
	ns_store_free(st);
}

static void
test_rate_window(void)
{
	/* cpu std over the rate smoothed on 20 s, window 100 s. */
	struct ns_opts o = { NULL, 100, 20, 0 };
	struct ns_store *st = store_with(1, ne_src, &o);
	static const double busy[] = { 0, 2, 4, 10, 12 };	/* 1 cpu */
	struct ns_view v;
	char text[256];
	size_t i;

	for (i = 0; i < 5; i++) {
		snprintf(text, sizeof(text),
		    "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} %g\n",
		    busy[i]);
		scrape(st, 0, 10.0 * (double)i, text);
	}
	/*
	 * Interval rates (t=10..40): 20, 20, 60, 20 %.  Smoothed over the
	 * intervals ending in (t-20, t]: t=10: 20; t=20: (20+20)/2 = 20;
	 * t=30: (20+60)/2 = 40; t=40: (60+20)/2 = 40.  std{20,20,40,40}
	 * = 10; avg = duration-weighted mean of the raw rates = 30.
	 */
	view_of(st, "w1", 40, 60, &v);
	T_NEAR(v.cpu.latest, 20);
	T_NEAR(v.cpu.avg, 30);
	T_NEAR(v.cpu.std, 10);
	T_EQ_INT(v.cpu.samples, 4);
	ns_store_free(st);
}

static void
test_rate_step(void)
{
	/*
	 * The same feed with rate_step 20: history entries of 20 s, and
	 * the std over the entries' smoothed rates (at their last scrape).
	 * Entries: [t=0,10] (rate 20, smoothed 20), [20,30] (rates 20, 60;
	 * smoothed at 30 over the entries ending after 10: (20+60)/2 = 40),
	 * [40] (rate 20, smoothed over the entries ending after 20, whole:
	 * (200 + 800) / 30 = 33.3: entry-sized steps, as a recording rule's
	 * evaluations are).  The average still weighs every interval.
	 */
	struct ns_opts o = { NULL, 100, 20, 20 };
	struct ns_store *st = store_with(1, ne_src, &o);
	static const double busy[] = { 0, 2, 4, 10, 12 };	/* 1 cpu */
	const double s[3] = { 20, 40, 100.0 / 3 };
	double mean = (s[0] + s[1] + s[2]) / 3;
	struct ns_view v;
	size_t i;

	for (i = 0; i < 5; i++)
		scrape_cpu_mem(st, 10.0 * (double)i, busy[i],
		    100.0 - 10.0 * (double)i);
	view_of(st, "w1", 40, 60, &v);
	T_NEAR(v.cpu.latest, 20);
	T_NEAR(v.cpu.avg, 30);
	T_NEAR(v.cpu.std, sqrt(((s[0] - mean) * (s[0] - mean) +
	    (s[1] - mean) * (s[1] - mean) + (s[2] - mean) * (s[2] - mean)) / 3));
	T_EQ_INT(v.cpu.samples, 3);
	/* memory: each entry's last sample (t=10, 30, 40: 10 30 40) */
	T_EQ_INT(v.mem.samples, 3);
	T_NEAR(v.mem.avg, 80.0 / 3);
	T_NEAR(v.mem.std, sqrt(((10 - 80.0 / 3) * (10 - 80.0 / 3) +
	    (30 - 80.0 / 3) * (30 - 80.0 / 3) +
	    (40 - 80.0 / 3) * (40 - 80.0 / 3)) / 3));
	ns_store_free(st);
}

static void
test_precedence(void)
{
	static const struct ns_source_spec specs[] = {
		{ "http://prom:9090/federate", NULL },
		{ "http://10.0.0.1:9100/metrics", "w1" },
	};
	struct ns_opts o = { NULL, 1000, -1, 0 };
	struct ns_store *st = store_with(2, specs, &o);
	struct ns_view v;

	scrape(st, 0, 100,
	    "wca_node_utilization{node=\"w1\",operator=\"Latest\",resource=\"cpu\"} 41.2\n"
	    "wca_node_utilization{node=\"w1\",operator=\"AVG\",resource=\"CPU\"} 37.95\n"
	    "wca_node_utilization{node=\"w1\",operator=\"std\",resource=\"cpu\"} 4.125\n"
	    "wca_node_utilization{node=\"w1\",operator=\"P95\",resource=\"cpu\"} 1\n"
	    "wca_node_utilization{node=\"w1\",operator=\"AVG\",resource=\"Bandwidth\"} 1\n"
	    "wca_node_utilization{node=\"w2\",operator=\"\",resource=\"Memory\"} 33\n");
	/* node_exporter, committed later, computes both resources. */
	scrape_cpu(st, 1, 105, 0, 0, 0, 0, 0, 0, 100, 90);
	scrape_cpu(st, 1, 110, 1, 1, 0, 1, 1, 0, 100, 80);
	view_of(st, "w1", 110, 60, &v);
	/* cpu: the precomputed triple, although older. */
	T_EQ_INT(v.cpu.precomputed, 1);
	T_EQ_INT(v.cpu.have, NS_U_LATEST | NS_U_AVG | NS_U_STD);
	T_NEAR(v.cpu.latest, 41.2);
	T_NEAR(v.cpu.avg, 37.95);
	T_NEAR(v.cpu.std, 4.125);
	T_NEAR(v.cpu.t, 100);
	/* memory: only computed values exist. */
	T_EQ_INT(v.mem.precomputed, 0);
	T_NEAR(v.mem.latest, 20);
	T_NEAR(v.mem.avg, 15);
	T_NEAR(v.used_age, 10);		/* the federate data is 10 s old */

	/* An empty operator is load-watcher's Latest. */
	view_of(st, "w2", 110, 60, &v);
	T_EQ_INT(v.mem.have, NS_U_LATEST);
	T_NEAR(v.mem.latest, 33);
	T_EQ_INT(v.cpu.have, 0);

	/* Once the federate data is stale, the computed cpu is used. */
	view_of(st, "w1", 170, 60, &v);
	T_EQ_INT(v.cpu.precomputed, 0);
	T_NEAR(v.cpu.latest, 40);	/* 4 s busy / (2 cpus x 5 s) */
	ns_store_free(st);
}

static void
test_merge_staleness(void)
{
	static const struct ns_source_spec specs[] = {
		{ "http://a/metrics", NULL },
		{ "http://b/metrics", NULL },
	};
	struct ns_store *st = store_with(2, specs, NULL);
	struct ns_view v;

	scrape(st, 0, 100,
	    "wca_node_capacity{node=\"n1\",dim=\"cpu\"} 10\n"
	    "wca_node_capacity{node=\"n1\",dim=\"mem\"} 100\n"
	    "wca_node_pmem{node=\"n1\"} 1\n");
	scrape(st, 1, 150,
	    "wca_node_capacity{node=\"n1\",dim=\"mem\"} 200\n"
	    "wca_node_capacity{node=\"n2\",dim=\"cpu\"} 4\n");

	/* Both fresh: mem from the newer source b, cpu only a has. */
	view_of(st, "n1", 160, 180, &v);
	T_EQ_INT(v.state, NS_FRESH);
	T_NEAR(v.age, 10);
	T_NEAR(v.used_age, 60);
	T_NEAR(v.capacity[DIM_CPU], 10);
	T_NEAR(v.capacity[DIM_MEM], 200);
	T_EQ_INT(v.capacity_mask, (1u << DIM_CPU) | (1u << DIM_MEM));
	T_EQ_INT(v.stale, 0);
	T_CHECK(v.stale_age < 0);

	/* a commits again, later than b: its mem wins now. */
	scrape(st, 0, 170,
	    "wca_node_capacity{node=\"n1\",dim=\"cpu\"} 11\n"
	    "wca_node_capacity{node=\"n1\",dim=\"mem\"} 101\n"
	    "wca_node_pmem{node=\"n1\"} 1\n");
	view_of(st, "n1", 170, 180, &v);
	T_NEAR(v.capacity[DIM_MEM], 101);

	/* At 340, a (170) is fresh, b (150) is 190 s old: stale. */
	view_of(st, "n1", 340, 180, &v);
	T_EQ_INT(v.state, NS_FRESH);
	T_NEAR(v.capacity[DIM_MEM], 101);
	view_of(st, "n2", 340, 180, &v);
	T_EQ_INT(v.state, NS_STALE);
	T_NEAR(v.age, 190);
	T_EQ_INT(v.have, 0);
	T_EQ_INT(v.capacity_mask, 0);
	T_EQ_INT(v.stale, NS_HAVE_CAPACITY);
	T_EQ_INT(v.capacity_stale_mask, 1u << DIM_CPU);
	T_NEAR(v.stale_age, 190);

	/* b alone refreshes n1's mem; a's cpu and pmem are stale. */
	scrape(st, 1, 400,
	    "wca_node_capacity{node=\"n1\",dim=\"mem\"} 202\n");
	view_of(st, "n1", 400, 180, &v);
	T_EQ_INT(v.state, NS_FRESH);
	T_NEAR(v.capacity[DIM_MEM], 202);
	T_EQ_INT(v.capacity_mask, 1u << DIM_MEM);
	T_EQ_INT(v.capacity_stale_mask, 1u << DIM_CPU);
	T_EQ_INT(v.stale, NS_HAVE_PMEM);	/* capacity is not all stale */
	T_NEAR(v.stale_age, 230);
	T_EQ_INT(v.pmem, 0);

	/* Every source stale: "241 s old". */
	view_of(st, "n1", 641, 180, &v);
	T_EQ_INT(v.state, NS_STALE);
	T_NEAR(v.age, 241);
	T_NEAR(v.stale_age, 241);	/* the newer of a (471 s), b (241 s) */
	T_EQ_INT(v.stale, NS_HAVE_CAPACITY | NS_HAVE_PMEM);
	T_EQ_INT(v.capacity_stale_mask, (1u << DIM_CPU) | (1u << DIM_MEM));
	/* n2 is gone: b no longer names it and a never did. */
	T_CHECK(ns_find(st, "n2", 2) == NULL);
	ns_view(st, NULL, 641, 180, &v);
	T_EQ_INT(v.state, NS_UNKNOWN);
	T_CHECK(v.age < 0);
	ns_store_free(st);
}

static void
test_abort(void)
{
	struct ns_store *st = store_with(1, one_src, NULL);
	struct ns_builder *b;
	struct ns_builder_stats bs;
	struct ns_source_stats ss;
	struct ns_view v;

	scrape(st, 0, 10, "wca_node_capacity{node=\"n1\",dim=\"cpu\"} 8\n");
	b = ns_builder_new(st, 0);
	feed(b, "wca_node_capacity{node=\"n1\",dim=\"cpu\"} 99\n"
	    "wca_node_capacity{node=\"n2\",dim=\"cpu\"} 99\n"
	    "other 1\n");
	ns_builder_stats(b, &bs);
	T_EQ_INT(bs.samples, 3);
	T_EQ_INT(bs.kept, 2);
	T_EQ_INT(bs.ignored, 1);
	T_EQ_INT(bs.nodes, 2);
	T_CHECK(bs.bytes > 0);
	/* Nothing of a scrape in progress is visible. */
	T_CHECK(ns_find(st, "n2", 2) == NULL);
	view_of(st, "n1", 20, 180, &v);
	T_NEAR(v.capacity[DIM_CPU], 8);
	ns_builder_abort(b);
	view_of(st, "n1", 20, 180, &v);
	T_NEAR(v.capacity[DIM_CPU], 8);
	T_NEAR(v.age, 10);
	T_CHECK(ns_find(st, "n2", 2) == NULL);
	T_EQ_INT(ns_source_stats(st, 0, &ss), 0);
	T_EQ_INT(ss.has_data, 1);
	T_NEAR(ss.success_time, 10);
	T_EQ_INT(ss.last.kept, 1);
	T_EQ_INT(ss.last.nodes, 1);
	T_EQ_INT(ns_source_stats(st, 1, &ss), -1);
	T_CHECK(ns_builder_new(st, 1) == NULL);
	ns_store_free(st);
}

static void
test_reload(void)
{
	static const struct ns_source_spec v1[] = {
		{ "http://a/metrics", "w1" },
		{ "http://b/metrics", NULL },
		{ "http://c/metrics", "w3" },
	};
	static const struct ns_source_spec v2[] = {
		{ "http://d/metrics", NULL },		/* new */
		{ "http://a/metrics", "w1" },		/* kept, moved */
		{ "http://c/metrics", "w3b" },		/* node= changed */
	};
	struct ns_opts o = { NULL, 1000, -1, 0 };
	struct ns_store *st = store_with(3, v1, &o);
	struct ns_builder *late;
	struct ns_source_stats ss;
	struct ns_view v;

	scrape_cpu(st, 0, 0, 0, 0, 0, 0, 0, 0, 100, 50);
	scrape(st, 1, 0, "wca_node_capacity{node=\"nb\",dim=\"cpu\"} 1\n");
	scrape(st, 2, 0, "node_memory_MemTotal_bytes 1\n");
	T_EQ_INT(ns_node_count(st), 3);
	late = ns_builder_new(st, 1);		/* b's scrape in flight */
	feed(late, "wca_node_capacity{node=\"nb\",dim=\"cpu\"} 2\n");

	ns_set_sources(st, v2, 3);
	T_EQ_INT(ns_source_count(st), 3);
	T_CHECK(ns_find(st, "nb", 2) == NULL);	/* b dropped with its data */
	T_CHECK(ns_find(st, "w3", 2) == NULL);
	T_CHECK(ns_find(st, "w1", 2) != NULL);
	T_EQ_INT(ns_node_count(st), 1);
	T_EQ_INT(ns_source_stats(st, 0, &ss), 0);
	T_EQ_INT(ss.has_data, 0);
	T_EQ_INT(ns_source_stats(st, 1, &ss), 0);
	T_EQ_INT(ss.has_data, 1);
	T_EQ_STR(ss.url, "http://a/metrics");
	T_EQ_STR(ss.node, "w1");
	T_EQ_INT(ns_source_stats(st, 2, &ss), 0);
	T_EQ_INT(ss.has_data, 0);
	T_EQ_STR(ss.node, "w3b");
	T_EQ_INT(ns_commit(st, late, 5), NS_ERR_GONE);
	T_CHECK(ns_find(st, "nb", 2) == NULL);

	/* a (now id 1) keeps its counters: the next scrape has a rate. */
	scrape_cpu(st, 1, 10, 5, 0, 0, 5, 0, 0, 100, 50);
	view_of(st, "w1", 10, 60, &v);
	T_NEAR(v.cpu.latest, 50);		/* 10 s busy / (2 x 10 s) */

	/* A builder started before a reload that keeps its source commits. */
	late = ns_builder_new(st, 1);
	scrape_cpu(st, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0);
	ns_set_sources(st, v2 + 1, 1);		/* only a, now id 0 */
	feed(late, "wca_node_capacity{dim=\"cpu\"} 7\n");
	T_EQ_INT(ns_commit(st, late, 12), NS_OK);
	view_of(st, "w1", 12, 60, &v);
	T_NEAR(v.capacity[DIM_CPU], 7);
	T_EQ_INT(ns_source_count(st), 1);

	ns_set_sources(st, NULL, 0);
	T_EQ_INT(ns_node_count(st), 0);
	T_EQ_INT(ns_app_count(st), 0);
	ns_store_free(st);
}

static void
node_names(const struct ns_store *st, char *out, size_t cap)
{
	const struct ns_node *n;

	out[0] = '\0';
	for (n = ns_first(st); n != NULL; n = ns_next(n)) {
		size_t len, used = strlen(out);
		const char *name = ns_node_name(n, &len);

		snprintf(out + used, cap - used, "%s%.*s", used ? "," : "",
		    (int)len, name);
	}
}

static void
test_order(void)
{
	static const struct ns_source_spec specs[] = {
		{ "http://a/metrics", NULL },
		{ "http://b/metrics", NULL },
	};
	struct ns_store *st = store_with(2, specs, NULL);
	char names[256];

	scrape(st, 0, 1,
	    "wca_node_capacity{node=\"zeta\",dim=\"cpu\"} 1\n"
	    "wca_node_capacity{node=\"alpha\",dim=\"cpu\"} 1\n"
	    "wca_node_capacity{node=\"mid\",dim=\"cpu\"} 1\n"
	    "wca_node_capacity{node=\"zeta\",dim=\"mem\"} 1\n");
	node_names(st, names, sizeof(names));
	T_EQ_STR(names, "zeta,alpha,mid");
	/* Another source adds a node at the end and knows an old one. */
	scrape(st, 1, 2,
	    "wca_node_capacity{node=\"mid\",dim=\"cpu\"} 1\n"
	    "wca_node_capacity{node=\"beta\",dim=\"cpu\"} 1\n");
	node_names(st, names, sizeof(names));
	T_EQ_STR(names, "zeta,alpha,mid,beta");
	/* A new feed order does not reorder known nodes; mid stays while
	 * b names it; alpha goes. */
	scrape(st, 0, 3,
	    "wca_node_capacity{node=\"gamma\",dim=\"cpu\"} 1\n"
	    "wca_node_capacity{node=\"zeta\",dim=\"cpu\"} 1\n");
	node_names(st, names, sizeof(names));
	T_EQ_STR(names, "zeta,mid,beta,gamma");
	/* A node that comes back starts at the end. */
	scrape(st, 0, 4,
	    "wca_node_capacity{node=\"alpha\",dim=\"cpu\"} 1\n"
	    "wca_node_capacity{node=\"zeta\",dim=\"cpu\"} 1\n"
	    "wca_node_capacity{node=\"gamma\",dim=\"cpu\"} 1\n");
	node_names(st, names, sizeof(names));
	T_EQ_STR(names, "zeta,mid,beta,gamma,alpha");
	T_EQ_INT(ns_node_count(st), 5);
	ns_store_free(st);
}

static const struct ns_source_spec ksm_src[] = {
	{ "http://ksm:8080/metrics", NULL },
};

static void
test_pods(void)
{
	struct ns_store *st = store_with(1, ksm_src, NULL);
	struct ns_view v;
	const struct ns_pod *p;

	scrape(st, 0, 1,
	    "kube_node_status_allocatable{node=\"k1\",resource=\"cpu\",unit=\"core\"} 15.92\n"
	    "kube_node_status_allocatable{node=\"k1\",resource=\"memory\",unit=\"byte\"} 6.8e10\n"
	    "kube_node_status_allocatable{node=\"k1\",resource=\"pods\",unit=\"integer\"} 110\n"
	    "kube_node_status_capacity{node=\"k1\",resource=\"cpu\",unit=\"core\"} 16\n"
	    "kube_node_status_capacity{node=\"k1\",resource=\"memory\",unit=\"byte\"} 6.9e10\n"
	    "kube_node_status_allocatable{node=\"k2\",resource=\"cpu\",unit=\"core\"} 2\n"
	    /* web: two containers and an init container */
	    "kube_pod_info{namespace=\"d\",pod=\"web\",node=\"k1\",host_ip=\"10.0.0.1\"} 1\n"
	    "kube_pod_start_time{namespace=\"d\",pod=\"web\"} 1700000100\n"
	    "kube_pod_container_resource_requests{namespace=\"d\",pod=\"web\",container=\"a\",node=\"k1\",resource=\"cpu\",unit=\"core\"} 0.1\n"
	    "kube_pod_container_resource_requests{namespace=\"d\",pod=\"web\",container=\"a\",node=\"k1\",resource=\"memory\",unit=\"byte\"} 1e8\n"
	    "kube_pod_container_resource_limits{namespace=\"d\",pod=\"web\",container=\"a\",node=\"k1\",resource=\"cpu\",unit=\"core\"} 0.5\n"
	    "kube_pod_container_resource_requests{namespace=\"d\",pod=\"web\",container=\"b\",node=\"k1\",resource=\"cpu\",unit=\"core\"} 0.2\n"
	    "kube_pod_container_resource_requests{namespace=\"d\",pod=\"web\",container=\"b\",node=\"k1\",resource=\"nvidia_com_gpu\",unit=\"integer\"} 1\n"
	    "kube_pod_init_container_resource_requests{namespace=\"d\",pod=\"web\",container=\"i\",node=\"k1\",resource=\"cpu\",unit=\"core\"} 0.4\n"
	    "kube_pod_init_container_resource_requests{namespace=\"d\",pod=\"web\",container=\"i\",node=\"k1\",resource=\"memory\",unit=\"byte\"} 5e7\n"
	    /* db: newer, one container with a memory limit only */
	    "kube_pod_info{namespace=\"d\",pod=\"db\",node=\"k1\"} 1\n"
	    "kube_pod_start_time{namespace=\"d\",pod=\"db\"} 1700000200\n"
	    "kube_pod_container_resource_limits{namespace=\"d\",pod=\"db\",container=\"m\",node=\"k1\",resource=\"memory\",unit=\"byte\"} 2e8\n"
	    /* done: a finished Job pod, not on the node any more */
	    "kube_pod_info{namespace=\"d\",pod=\"done\",node=\"k1\"} 1\n"
	    "kube_pod_container_resource_requests{namespace=\"d\",pod=\"done\",container=\"j\",node=\"k1\",resource=\"cpu\",unit=\"core\"} 4\n"
	    "kube_pod_status_phase{namespace=\"d\",pod=\"done\",phase=\"Running\"} 0\n"
	    "kube_pod_status_phase{namespace=\"d\",pod=\"done\",phase=\"Succeeded\"} 1\n"
	    "kube_pod_status_phase{namespace=\"d\",pod=\"web\",phase=\"Succeeded\"} 0\n"
	    "kube_pod_status_phase{namespace=\"d\",pod=\"web\",phase=\"Running\"} 1\n"
	    /* pending: no node yet */
	    "kube_pod_info{namespace=\"d\",pod=\"pending\",node=\"\"} 1\n"
	    "kube_pod_container_resource_requests{namespace=\"d\",pod=\"pending\",container=\"c\",node=\"\",resource=\"cpu\",unit=\"core\"} 1\n"
	    /* same pod name in another namespace, no start time */
	    "kube_pod_container_resource_requests{namespace=\"e\",pod=\"web\",container=\"a\",node=\"k1\",resource=\"cpu\",unit=\"core\"} 1.005\n"
	    "kube_node_status_capacity{node=\"k2\",resource=\"cpu\",unit=\"core\"} 1.005\n");

	view_of(st, "k1", 1, 60, &v);
	T_EQ_INT(v.have & (NS_HAVE_ALLOC_CPU | NS_HAVE_ALLOC_MEM |
	    NS_HAVE_KCAP_CPU | NS_HAVE_KCAP_MEM | NS_HAVE_PODS),
	    NS_HAVE_ALLOC_CPU | NS_HAVE_ALLOC_MEM | NS_HAVE_KCAP_CPU |
	    NS_HAVE_KCAP_MEM | NS_HAVE_PODS);
	T_CHECK(v.allocatable.cpu_m == 15920);	/* 15.92 * 1000 rounded */
	T_NEAR(v.allocatable.mem_b, 6.8e10);
	T_NEAR(v.kcapacity.cpu_m, 16000);
	T_NEAR(v.kcapacity.mem_b, 6.9e10);
	T_EQ_INT(v.npods, 3);
	if (v.npods != 3) {
		ns_store_free(st);
		return;
	}
	p = &v.pods[0];			/* newest first */
	T_EQ_STR(p->ns, "d");
	T_EQ_STR(p->name, "db");
	T_NEAR(p->start_time, 1700000200);
	T_NEAR(p->req.cpu_m, 0);
	T_NEAR(p->lim.mem_b, 2e8);
	p = &v.pods[1];
	T_EQ_STR(p->name, "web");
	/* cpu: max(100 + 200, 400) = 400 m; memory: max(1e8, 5e7) */
	T_NEAR(p->req.cpu_m, 400);
	T_NEAR(p->req.mem_b, 1e8);
	T_NEAR(p->lim.cpu_m, 500);
	T_EQ_INT(p->ncontainers, 3);
	T_EQ_INT(p->containers[0].flags, NS_C_REQ_CPU | NS_C_REQ_MEM |
	    NS_C_LIM_CPU);
	T_CHECK(p->containers[0].req.cpu_m == 100);	/* not 100.00000000000001 */
	T_EQ_INT(p->containers[1].flags, NS_C_REQ_CPU);
	T_EQ_INT(p->containers[2].flags, NS_C_INIT | NS_C_REQ_CPU |
	    NS_C_REQ_MEM);
	p = &v.pods[2];
	T_EQ_STR(p->ns, "e");
	T_EQ_STR(p->name, "web");
	T_CHECK(isnan(p->start_time));
	T_CHECK(p->req.cpu_m == 1005);		/* 1.005 * 1000 = 1004.99... */
	/* requests 0 + 400 + 1005; limits max(lim, req) per pod:
	 * db 0 cpu / 2e8 mem, web 500 / 1e8, e/web 1005 / 0. */
	T_NEAR(v.pods_requests.cpu_m, 1405);
	T_NEAR(v.pods_requests.mem_b, 1e8);
	T_NEAR(v.pods_limits.cpu_m, 1505);
	T_NEAR(v.pods_limits.mem_b, 3e8);

	/* k2: known to the pod-bearing feed, with no pods. */
	view_of(st, "k2", 1, 60, &v);
	T_CHECK(v.have & NS_HAVE_PODS);
	T_EQ_INT(v.npods, 0);
	T_CHECK(v.pods == NULL);
	T_NEAR(v.allocatable.cpu_m, 2000);
	T_CHECK(v.kcapacity.cpu_m == 1005);
	T_CHECK(!(v.have & NS_HAVE_ALLOC_MEM));
	T_EQ_INT(ns_node_count(st), 2);
	ns_store_free(st);
}

/* The WCA feed of n nodes, as the bench builds it. */
static char *
wca_feed(size_t n, double scale)
{
	static const char *const dims[] = {
		"cpu", "mem", "mbw_read", "mbw_write", "wss", "membw",
		"mbw_flat",
	};
	struct buf b;
	size_t i, d, a;

	buf_init(&b);
	for (a = 0; a < 10; a++)
		for (d = 0; d < 7; d++)
			buf_printf(&b,
			    "app_req{app=\"app-%zu\",dim=\"%s\"} %g\n", a,
			    dims[d], (double)(a + d + 1));
	for (i = 0; i < n; i++) {
		for (d = 0; d < 7; d++)
			buf_printf(&b, "wca_node_capacity{node=\"node-%05zu\","
			    "dim=\"%s\"} %g\n", i, dims[d],
			    scale * (double)(i + d));
		buf_printf(&b, "wca_node_type{node=\"node-%05zu\","
		    "nodetype=\"%s\"} 1\n", i, i % 2 ? "dram" : "pmem");
		buf_printf(&b, "wca_node_pmem{node=\"node-%05zu\"} %d\n", i,
		    i % 2 == 0);
		buf_printf(&b, "wca_node_dram_hit_ratio{node=\"node-%05zu\"} "
		    "%g\n", i, 0.9 + (double)(i % 10) / 100);
		for (a = 0; a < 10; a++)
			buf_printf(&b, "wca_app_assigned{node=\"node-%05zu\","
			    "app=\"app-%zu\"} %zu\n", i, a, (i + a) % 4);
	}
	buf_addc(&b, '\0');
	return b.p;
}

static void
test_big_feed(void)
{
	struct ns_store *st = store_with(1, one_src, NULL);
	char *text = wca_feed(5000, 1);
	struct ns_source_stats ss;
	struct ns_view v;
	const struct ns_app *a7;
	size_t i, bad = 0, bytes1, bytes2;
	struct counts c;
	char name[32];

	c = scrape(st, 0, 100, text);
	T_EQ_INT(c.kept, 70 + 5000 * 20);
	T_EQ_INT(c.ignored + c.dropped, 0);
	T_EQ_INT(ns_node_count(st), 5000);
	T_EQ_INT(ns_app_count(st), 10);
	a7 = ns_app_find(st, "app-7", 5);
	T_CHECK(a7 != NULL);
	for (i = 0; i < 5000; i++) {
		int n = snprintf(name, sizeof(name), "node-%05zu", i);

		view_of(st, name, 100, 180, &v);
		if (v.state != NS_FRESH || v.node == NULL ||
		    v.capacity[DIM_WSS] != (double)(i + 4) ||
		    v.capacity_mask != (1u << DIM_COUNT) - 1 ||
		    v.type != (i % 2 ? NS_TYPE_DRAM : NS_TYPE_PMEM) ||
		    v.pmem != (i % 2 == 0) || v.nassigned != 10 ||
		    ns_view_assigned(&v, a7) != (double)((i + 7) % 4) ||
		    fabs(v.dram_hit_ratio - (0.9 + (double)(i % 10) / 100))
		    > 1e-12)
			bad++;
		(void)n;
	}
	T_EQ_INT(bad, 0);
	T_CHECK(ns_find(st, "node-05000", 10) == NULL);
	T_CHECK(ns_find(st, "node-0000", 9) == NULL);
	/* First-appearance order is the feed's. */
	T_EQ_STR(ns_node_name(ns_first(st), NULL), "node-00000");
	T_EQ_STR(ns_node_name(ns_next(ns_first(st)), NULL), "node-00001");

	T_EQ_INT(ns_source_stats(st, 0, &ss), 0);
	T_EQ_INT(ss.last.nodes, 5000);
	T_EQ_INT(ss.last.kept, 100070);
	bytes1 = ns_memory_bytes(st);
	T_CHECK(ss.bytes > 5000 * 100 && ss.bytes < bytes1);
	T_CHECK(bytes1 < 20u << 20);

	/* The same feed again: values replaced.  From the second scrape on,
	 * the source also keeps the replaced snapshot's arrays for the
	 * next one (at most twice what the feed needs); then memory is
	 * steady. */
	free(text);
	text = wca_feed(5000, 2);
	scrape(st, 0, 110, text);
	view_of(st, "node-04999", 110, 180, &v);
	T_NEAR(v.capacity[DIM_CPU], 2 * 4999);
	bytes2 = ns_memory_bytes(st);
	T_CHECK(bytes2 > bytes1 && bytes2 < 3 * bytes1);
	T_EQ_INT(ns_node_count(st), 5000);
	scrape(st, 0, 120, text);
	T_EQ_INT(ns_memory_bytes(st), bytes2);
	scrape(st, 0, 130, text);
	T_EQ_INT(ns_memory_bytes(st), bytes2);
	view_of(st, "node-04999", 130, 180, &v);
	T_NEAR(v.capacity[DIM_CPU], 2 * 4999);
	T_NEAR(ns_view_assigned(&v, a7), (double)((4999 + 7) % 4));
	free(text);
	ns_store_free(st);
}

static void
test_counts(void)
{
	struct ns_store *st = store_with(1, one_src, NULL);
	struct ns_builder *b = ns_builder_new(st, 0);
	struct ns_builder_stats bs;
	struct counts c;

	c = feed(b,
	    "go_gc_duration_seconds{quantile=\"0\"} 0\n"
	    "wca_node_capacity{node=\"n\",dim=\"cpu\"} +Inf\n"
	    "wca_node_capacity{node=\"n\",dim=\"cpu\"} 2\n"
	    "wca_app_requested{dim=\"cpu\"} 2\n"
	    "wca_app_assigned{app=\"x\"} 2\n"
	    "wca_node_type{node=\"n\",nodetype=\"dram\"} NaN\n"
	    "kube_node_status_capacity{node=\"n\",resource=\"pods\"} 110\n"
	    "kube_pod_status_phase{namespace=\"d\",pod=\"p\",phase=\"Running\"} 1\n"
	    "kube_pod_info{pod=\"p\",node=\"n\"} 1\n"
	    "node_cpu_seconds_total{mode=\"user\"} 1\n");
	T_EQ_INT(c.kept, 2);
	T_EQ_INT(c.ignored, 3);
	T_EQ_INT(c.dropped, 5);
	ns_builder_stats(b, &bs);
	T_EQ_INT(bs.samples, 10);
	T_EQ_INT(bs.kept, 2);
	T_EQ_INT(bs.ignored, 3);
	T_EQ_INT(bs.dropped, 5);
	T_EQ_INT(bs.apps, 0);
	T_EQ_INT(ns_commit(st, b, 1), NS_OK);
	T_CHECK(ns_memory_bytes(st) > 0);
	ns_store_free(st);
}

static void
test_app_merge(void)
{
	static const struct ns_source_spec specs[] = {
		{ "http://a/metrics", NULL },
		{ "http://b/metrics", NULL },
	};
	struct ns_store *st = store_with(2, specs, NULL);
	struct ns_app_view av;
	const struct ns_app *a;

	scrape(st, 0, 10,
	    "app_req{app=\"x\",dim=\"cpu\"} 1\n"
	    "app_req{app=\"x\",dim=\"mem\"} 2\n"
	    "app_profile{app=\"x\"} 0.5\n");
	scrape(st, 1, 20,
	    "wca_app_requested{app=\"x\",dim=\"mem\"} 3\n"
	    "wca_app_requested{app=\"y\",dim=\"mem\"} 4\n");
	a = ns_app_find(st, "x", 1);
	ns_app_view(st, a, 20, 180, &av);
	T_EQ_INT(av.state, NS_FRESH);
	T_NEAR(av.requested[DIM_CPU], 1);
	T_NEAR(av.requested[DIM_MEM], 3);	/* the newer source */
	T_NEAR(av.profile, 0.5);
	T_NEAR(av.age, 0);
	/* a is stale at 195: only b's mem is left. */
	ns_app_view(st, a, 195, 180, &av);
	T_EQ_INT(av.state, NS_FRESH);
	T_EQ_INT(av.requested_mask, 1u << DIM_MEM);
	T_EQ_INT(av.has_profile, 0);
	ns_app_view(st, a, 201, 180, &av);
	T_EQ_INT(av.state, NS_STALE);
	T_NEAR(av.age, 181);
	T_EQ_INT(av.requested_mask, 0);
	ns_app_view(st, NULL, 201, 180, &av);
	T_EQ_INT(av.state, NS_UNKNOWN);
	/* App order: first appearance. */
	T_EQ_STR(ns_app_name(ns_app_first(st), NULL), "x");
	T_EQ_STR(ns_app_name(ns_app_next(ns_app_first(st)), NULL), "y");
	T_CHECK(ns_app_next(ns_app_next(ns_app_first(st))) == NULL);
	ns_store_free(st);
}

/* ------------------------------------------------------------------ */
/* Recycling: a source's arrays are reused from scrape to scrape. */

/* Everything the read side says, as text: equal texts, equal data. */
static char *
digest(const struct ns_store *st, double now)
{
	const struct ns_node *n;
	const struct ns_app *a;
	struct ns_view v;
	struct ns_app_view av;
	struct buf b;
	size_t i;
	int d;

	buf_init(&b);
	for (n = ns_first(st); n != NULL; n = ns_next(n)) {
		ns_view(st, n, now, 60, &v);
		buf_printf(&b, "%s state %d have %x stale %x age %g used %g",
		    ns_node_name(n, NULL), (int)v.state, v.have, v.stale,
		    v.age, v.used_age);
		for (d = 0; d < DIM_COUNT; d++)
			if (v.capacity_mask & (1u << d))
				buf_printf(&b, " cap%d %.17g", d,
				    v.capacity[d]);
		buf_printf(&b, " pmem %d type %d hit %.17g", v.pmem,
		    (int)v.type, v.dram_hit_ratio);
		for (i = 0; i < v.nassigned; i++)
			buf_printf(&b, " asg %s=%.17g",
			    ns_app_name(v.assigned[i].app, NULL),
			    v.assigned[i].count);
		buf_printf(&b, " cpu %x %d %.17g %.17g %.17g %u",
		    v.cpu.have, v.cpu.precomputed, v.cpu.latest, v.cpu.avg,
		    v.cpu.std, v.cpu.samples);
		buf_printf(&b, " mem %x %.17g %.17g %.17g %u", v.mem.have,
		    v.mem.latest, v.mem.avg, v.mem.std, v.mem.samples);
		buf_printf(&b, " alloc %.17g %.17g kcap %.17g %.17g",
		    v.allocatable.cpu_m, v.allocatable.mem_b,
		    v.kcapacity.cpu_m, v.kcapacity.mem_b);
		for (i = 0; i < v.npods; i++) {
			const struct ns_pod *p = &v.pods[i];
			size_t j;

			buf_printf(&b, " pod %s/%s %.17g req %.17g %.17g "
			    "lim %.17g %.17g", p->ns, p->name, p->start_time,
			    p->req.cpu_m, p->req.mem_b, p->lim.cpu_m,
			    p->lim.mem_b);
			for (j = 0; j < p->ncontainers; j++)
				buf_printf(&b, " c%x %.17g %.17g %.17g %.17g",
				    p->containers[j].flags,
				    p->containers[j].req.cpu_m,
				    p->containers[j].req.mem_b,
				    p->containers[j].lim.cpu_m,
				    p->containers[j].lim.mem_b);
		}
		buf_printf(&b, " preq %.17g %.17g plim %.17g %.17g\n",
		    v.pods_requests.cpu_m, v.pods_requests.mem_b,
		    v.pods_limits.cpu_m, v.pods_limits.mem_b);
	}
	for (a = ns_app_first(st); a != NULL; a = ns_app_next(a)) {
		ns_app_view(st, a, now, 60, &av);
		buf_printf(&b, "app %s %d %x", ns_app_name(a, NULL),
		    (int)av.state, av.requested_mask);
		for (d = 0; d < DIM_COUNT; d++)
			if (av.requested_mask & (1u << d))
				buf_printf(&b, " %.17g", av.requested[d]);
		buf_printf(&b, " profile %d %.17g\n", av.has_profile,
		    av.profile);
	}
	buf_addc(&b, '\0');
	return b.p;
}

/*
 * Scrape k of a feed with a bit of everything, nodes n0.. n<nodes>: WCA
 * series (assignments summed over repeats, app-major order as from
 * /federate), cpu counters of every node interleaved (cpu-major, as
 * /federate orders them) that advance by the same amount each scrape,
 * memory, and pods.
 */
static char *
mixed_feed(size_t nodes, size_t k)
{
	static const char *const modes[] = { "idle", "system", "user" };
	struct buf b;
	size_t i, a, c, m;

	buf_init(&b);
	for (a = 0; a < 3; a++) {
		buf_printf(&b, "app_req{app=\"app%zu\",dim=\"cpu\"} %zu\n", a,
		    a + 1);
		buf_printf(&b, "app_profile{app=\"app%zu\"} 0.%zu\n", a, a);
		for (i = 0; i < nodes; i++)
			buf_printf(&b, "wca_app_assigned{app=\"app%zu\","
			    "node=\"n%zu\"} %zu\n", a, i, (i + a) % 3);
	}
	for (i = 0; i < nodes; i++) {
		buf_printf(&b, "wca_node_capacity{node=\"n%zu\",dim=\"mem\"} "
		    "%zu\n", i, 100 + i);
		buf_printf(&b, "wca_app_assigned{app=\"app0\",node=\"n%zu\"} "
		    "1\n", i);			/* summed with the first */
		buf_printf(&b, "wca_node_type{node=\"n%zu\",nodetype=\"%s\"} "
		    "1\n", i, i % 2 ? "dram" : "pmem");
	}
	for (c = 0; c < 2; c++)
		for (i = 0; i < nodes; i++)
			for (m = 0; m < 3; m++)
				buf_printf(&b, "node_cpu_seconds_total{cpu=\""
				    "%zu\",node=\"n%zu\",mode=\"%s\"} %zu\n", c,
				    i, modes[m], (k + 1) * (m + 1) * (i + 1));
	for (i = 0; i < nodes; i++) {
		buf_printf(&b, "node_memory_MemTotal_bytes{node=\"n%zu\"} "
		    "1000\n", i);
		buf_printf(&b, "node_memory_MemAvailable_bytes{node=\"n%zu\"} "
		    "%zu\n", i, 100 * (i % 10));
		buf_printf(&b, "kube_node_status_allocatable{node=\"n%zu\","
		    "resource=\"cpu\"} 4\n", i);
		buf_printf(&b, "kube_pod_info{namespace=\"d\",pod=\"p%zu\","
		    "node=\"n%zu\"} 1\n", i, i);
		buf_printf(&b, "kube_pod_start_time{namespace=\"d\","
		    "pod=\"p%zu\"} %zu\n", i, 1000 + i);
		buf_printf(&b, "kube_pod_container_resource_requests{namespace="
		    "\"d\",pod=\"p%zu\",container=\"c\",node=\"n%zu\","
		    "resource=\"cpu\"} 0.5\n", i, i);
		buf_printf(&b, "kube_pod_init_container_resource_limits{"
		    "namespace=\"d\",pod=\"p%zu\",container=\"i\","
		    "node=\"n%zu\",resource=\"memory\"} 1e6\n", i, i);
		buf_printf(&b, "kube_pod_container_resource_limits{namespace="
		    "\"d\",pod=\"p%zu\",container=\"c\",node=\"n%zu\","
		    "resource=\"cpu\"} 1\n", i, i);
	}
	buf_addc(&b, '\0');
	return b.p;
}

static size_t
source_bytes(const struct ns_store *st, size_t id)
{
	struct ns_source_stats ss;

	return ns_source_stats(st, id, &ss) == 0 ? ss.bytes : 0;
}

/* Repeated scrapes of one size: the same results, the same memory. */
static void
test_recycle_steady(void)
{
	/* The window keeps two entries: from scrape 2 on, every derived
	 * value is the same too. */
	struct ns_opts o = { NULL, 15, -1, 0 };
	struct ns_store *st = store_with(1, one_src, &o);
	char *first = NULL, *d, *text;
	size_t k, bytes = 0, sbytes = 0;
	struct ns_view v;

	for (k = 0; k < 12; k++) {
		text = mixed_feed(40, k);
		scrape(st, 0, 10.0 * (double)k, text);
		free(text);
		d = digest(st, 10.0 * (double)k);
		if (k < 2) {
			free(d);
			continue;
		}
		if (k == 2) {
			first = d;
			bytes = ns_memory_bytes(st);
			sbytes = source_bytes(st, 0);
			continue;
		}
		T_EQ_STR(d, first);
		T_EQ_INT(ns_memory_bytes(st), bytes);
		T_EQ_INT(source_bytes(st, 0), sbytes);
		free(d);
	}
	/* And they are right.  n<i>'s busy counters grow by (system 2 +
	 * user 3) * (i + 1) s a cpu and scrape: n0 10 s over 2 cpus x 10 s
	 * = 50 %, n1 100 %, n3 200 % clamped to 100. */
	view_of(st, "n3", 110, 60, &v);
	T_NEAR(v.cpu.latest, 100);
	view_of(st, "n0", 110, 60, &v);
	T_NEAR(v.cpu.latest, 50);
	T_EQ_INT(v.cpu.samples, 2);
	T_NEAR(v.mem.latest, 100);	/* available 0 */
	T_EQ_INT(v.nassigned, 3);
	T_NEAR(ns_view_assigned(&v, ns_app_find(st, "app0", 4)), 1);
	T_NEAR(ns_view_assigned(&v, ns_app_find(st, "app1", 4)), 1);
	T_NEAR(ns_view_assigned(&v, ns_app_find(st, "app2", 4)), 2);
	T_CHECK(v.nassigned == 3 &&
	    v.assigned[0].app == ns_app_find(st, "app0", 4));
	T_EQ_INT(v.npods, 1);
	T_NEAR(v.pods_requests.cpu_m, 500);
	T_NEAR(v.pods_limits.mem_b, 1e6);
	view_of(st, "n1", 110, 60, &v);
	T_NEAR(ns_view_assigned(&v, ns_app_find(st, "app0", 4)), 2);
	free(first);
	ns_store_free(st);
}

/* A feed that shrinks gives memory back; one that grows again gets it. */
static void
test_recycle_shrink(void)
{
	struct ns_store *st = store_with(1, one_src, NULL), *small;
	char *big_text = wca_feed(2000, 1), *small_text = wca_feed(10, 1);
	size_t k, big, small_bytes, fresh, regrown;

	for (k = 0; k < 3; k++)
		scrape(st, 0, (double)k, big_text);
	big = ns_memory_bytes(st);
	for (k = 3; k < 6; k++)
		scrape(st, 0, (double)k, small_text);
	small_bytes = ns_memory_bytes(st);

	/* The same small feed in a store that never saw the big one. */
	small = store_with(1, one_src, NULL);
	for (k = 0; k < 3; k++)
		scrape(small, 0, (double)k, small_text);
	fresh = ns_memory_bytes(small);
	ns_store_free(small);

	T_CHECK(small_bytes < big / 20);
	/* The node index keeps its buckets (16 KiB for 2000 names); the
	 * fresh store frees its spare arrays (under 16 KiB in all), the
	 * shrunk one keeps them cut to twice what the small feed needs. */
	if (!(small_bytes <= 2 * fresh + (32u << 10)))
		printf("#   shrunk %zu, fresh %zu\n", small_bytes, fresh);
	T_CHECK(small_bytes <= 2 * fresh + (32u << 10));
	T_EQ_INT(ns_node_count(st), 10);

	/* Grown again from the cut capacities: not the same sizes as the
	 * first time, but as bounded, and steady. */
	for (k = 6; k < 9; k++)
		scrape(st, 0, (double)k, big_text);
	regrown = ns_memory_bytes(st);
	T_CHECK(regrown > big / 2 && regrown < 2 * big);
	scrape(st, 0, 9, big_text);
	scrape(st, 0, 10, big_text);
	T_EQ_INT(ns_memory_bytes(st), regrown);
	T_EQ_INT(ns_node_count(st), 2000);
	free(big_text);
	free(small_text);
	ns_store_free(st);
}

/* Sources dropped, scrapes aborted, two builders at once. */
static void
test_recycle_sources(void)
{
	static const struct ns_source_spec specs[] = {
		{ "http://a/metrics", NULL },
		{ "http://b/metrics", NULL },
	};
	struct ns_store *st = store_with(2, specs, NULL), *alone;
	char *ta = wca_feed(300, 1), *tb = mixed_feed(200, 0), *d1, *d2;
	struct ns_builder *b1, *b2, *late;
	size_t k, steady, before, bytes_b;

	for (k = 0; k < 3; k++) {
		scrape(st, 0, (double)k, ta);
		scrape(st, 1, (double)k, tb);
	}
	steady = ns_memory_bytes(st);

	/* An aborted scrape gives its arrays back. */
	b1 = ns_builder_new(st, 0);
	T_CHECK(ns_memory_bytes(st) < steady);	/* the builder holds them */
	feed(b1, ta);
	ns_builder_abort(b1);
	T_EQ_INT(ns_memory_bytes(st), steady);
	scrape(st, 0, 3, ta);
	T_EQ_INT(ns_memory_bytes(st), steady);

	/* Two builders of one source: the second starts with nothing kept,
	 * the last commit wins, memory settles where it was. */
	b1 = ns_builder_new(st, 0);
	b2 = ns_builder_new(st, 0);
	feed(b1, ta);
	feed(b2, ta);
	T_EQ_INT(ns_commit(st, b1, 4), NS_OK);
	T_EQ_INT(ns_commit(st, b2, 5), NS_OK);
	for (k = 6; k < 9; k++)
		scrape(st, 0, (double)k, ta);
	T_EQ_INT(ns_memory_bytes(st), steady);

	/* Dropping b frees its snapshot and its kept arrays; a builder of
	 * b in flight fails at commit and frees its own. */
	late = ns_builder_new(st, 1);
	feed(late, tb);
	bytes_b = source_bytes(st, 1);
	before = ns_memory_bytes(st);
	ns_set_sources(st, specs, 1);
	T_CHECK(bytes_b > 0);
	T_CHECK(ns_memory_bytes(st) <= before - bytes_b);
	T_EQ_INT(ns_commit(st, late, 9), NS_ERR_GONE);
	T_EQ_INT(ns_node_count(st), 300);
	scrape(st, 0, 10, ta);
	/* What is left is what a store of a alone says. */
	alone = store_with(1, specs, NULL);
	scrape(alone, 0, 10, ta);
	d1 = digest(st, 10);
	d2 = digest(alone, 10);
	T_EQ_STR(d1, d2);
	free(d1);
	free(d2);
	ns_store_free(alone);
	free(ta);
	free(tb);
	ns_store_free(st);
}

/* The lines of a mixed_feed() with its cpu series node by node, last. */
static char *
cpu_node_major(const char *text, size_t nodes)
{
	const char *p, *q, *cpu = "node_cpu_seconds_total";
	struct buf b;
	char pat[32];
	size_t i;

	buf_init(&b);
	for (p = text; *p; p = q) {
		q = strchr(p, '\n') + 1;
		if (strncmp(p, cpu, strlen(cpu)) != 0)
			buf_add(&b, p, (size_t)(q - p));
	}
	for (i = 0; i < nodes; i++) {
		snprintf(pat, sizeof(pat), "node=\"n%zu\"", i);
		for (p = text; *p; p = q) {
			const char *m = strstr(p, pat);

			q = strchr(p, '\n') + 1;
			if (strncmp(p, cpu, strlen(cpu)) == 0 && m != NULL &&
			    m < q)
				buf_add(&b, p, (size_t)(q - p));
		}
	}
	buf_addc(&b, '\0');
	return b.p;
}

/* Busy counters interleaved across nodes (grouped at commit) give what
 * the same counters node by node (kept as fed) give. */
static void
test_cpu_interleaved(void)
{
	struct ns_opts o = { NULL, 1000, -1, 0 };
	struct ns_store *x = store_with(1, one_src, &o),
	    *y = store_with(1, one_src, &o);
	struct ns_view v;
	char *dx, *dy;
	size_t k;

	for (k = 0; k < 3; k++) {
		char *t1 = mixed_feed(5, k), *t2 = cpu_node_major(t1, 5);

		scrape(x, 0, 10.0 * (double)k, t1);
		scrape(y, 0, 10.0 * (double)k, t2);
		free(t1);
		free(t2);
	}
	dx = digest(x, 20);
	dy = digest(y, 20);
	T_EQ_STR(dx, dy);
	view_of(x, "n0", 20, 60, &v);
	T_NEAR(v.cpu.latest, 50);	/* see test_recycle_steady */
	T_EQ_INT(v.cpu.samples, 2);
	free(dx);
	free(dy);
	ns_store_free(x);
	ns_store_free(y);
}

/* ------------------------------------------------------------------ */
/* Commits in steps */

/* Begin a commit of text into source id; the builder, not yet stepped. */
static struct ns_builder *
begin(struct ns_store *st, size_t id, double now, const char *text)
{
	struct ns_builder *b = ns_builder_new(st, id);

	feed(b, text);
	ns_commit_begin(b, now);
	return b;
}

/* Step b with `budget` until it is through; the steps it took. */
static size_t
step_all(struct ns_store *st, struct ns_builder *b, long budget, int *result)
{
	size_t steps = 0;

	do
		*result = ns_commit_step(st, b, budget);
	while (++steps < 1000000 && *result == NS_MORE);
	return steps;
}

/*
 * Every budget gives what one whole commit gives, round after round
 * (rates, windows, recycled arrays), with nodes coming and going: the
 * phases resume exactly where they stopped.
 */
static void
test_steps_equal_whole(void)
{
	static const size_t sizes[] = { 5, 7, 7, 3, 6 };
	static const long budgets[] = { 1, 2, 7, 50, 1000 };
	struct ns_opts o = { NULL, 1000, 30, 0 };
	size_t bi, k, steps;
	int r;

	for (bi = 0; bi < sizeof(budgets) / sizeof(budgets[0]); bi++) {
		struct ns_store *x = store_with(1, one_src, &o),
		    *y = store_with(1, one_src, &o);

		for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			char *text = mixed_feed(sizes[k], k), *dx, *dy;
			struct ns_builder *b;

			scrape(x, 0, 10.0 * (double)k, text);
			b = begin(y, 0, 10.0 * (double)k, text);
			steps = step_all(y, b, budgets[bi], &r);
			T_EQ_INT(r, NS_OK);
			/* 1 unit per element at least: many steps at 1 */
			if (budgets[bi] == 1)
				T_CHECK(steps > 10 * sizes[k]);
			dx = digest(x, 10.0 * (double)k);
			dy = digest(y, 10.0 * (double)k);
			T_EQ_STR(dy, dx);
			T_EQ_INT(ns_node_count(y), ns_node_count(x));
			T_EQ_INT(ns_memory_bytes(y), ns_memory_bytes(x));
			free(dx);
			free(dy);
			free(text);
		}
		ns_store_free(x);
		ns_store_free(y);
	}
}

/* mixed_feed(n, k) and then `extra`. */
static char *
feed_plus(size_t n, size_t k, const char *extra)
{
	char *t = mixed_feed(n, k);
	struct buf x;

	buf_init(&x);
	buf_adds(&x, t);
	buf_adds(&x, extra);
	buf_addc(&x, '\0');
	free(t);
	return x.p;
}

/*
 * Between steps readers see the last published data or the new data,
 * nothing in between (names, counts, iteration and values alike), and
 * switch once.  Source 0 goes from mixed_feed(4) with nodes "gone" and
 * "shared" and app "oldapp" to mixed_feed(7) with n0's cpu and app
 * "new": n4..n6 and "new" come, "gone" and "oldapp" go, "shared" stays
 * (source 1 names it too).  `after` is what whole commits give.
 */
static void
test_steps_invisible(void)
{
	static const struct ns_source_spec two[] = {
		{ "http://a/metrics", NULL }, { "http://b/metrics", NULL },
	};
	struct ns_store *st = store_with(2, two, NULL),
	    *twin = store_with(2, two, NULL);
	char *before, *after, *d;
	char *t1 = feed_plus(4, 0,
	    "wca_node_capacity{node=\"gone\",dim=\"cpu\"} 1\n"
	    "wca_node_capacity{node=\"shared\",dim=\"cpu\"} 1\n"
	    "app_req{app=\"oldapp\",dim=\"cpu\"} 1\n");
	char *t2 = feed_plus(7, 1,
	    "wca_node_capacity{node=\"n0\",dim=\"cpu\"} 64\n"
	    "app_req{app=\"new\",dim=\"mem\"} 3\n");
	const char *other = "wca_node_capacity{node=\"shared\",dim=\"mem\"} 5\n";
	struct ns_builder *b;
	size_t steps = 0, switched = 0;
	int r;

	scrape(st, 1, 1, other);
	scrape(st, 0, 1, t1);
	scrape(twin, 1, 1, other);
	scrape(twin, 0, 1, t1);
	scrape(twin, 0, 2, t2);
	before = digest(st, 2);
	after = digest(twin, 2);
	T_CHECK(strcmp(after, before) != 0);
	b = begin(st, 0, 2, t2);
	do {
		int is_after;

		r = ns_commit_step(st, b, 3);
		steps++;
		d = digest(st, 2);
		is_after = strcmp(d, after) == 0;
		if (!is_after)
			T_EQ_STR(d, before);
		free(d);
		if (is_after && switched == 0)
			switched = steps;
		T_CHECK(is_after || switched == 0);	/* never back */
		T_CHECK((ns_find(st, "n5", 2) != NULL) == is_after);
		T_CHECK((ns_find(st, "gone", 4) == NULL) == is_after);
		T_CHECK(ns_find(st, "shared", 6) != NULL);
		T_CHECK((ns_app_find(st, "new", 3) != NULL) == is_after);
		T_CHECK((ns_app_find(st, "oldapp", 6) == NULL) == is_after);
		T_EQ_INT(ns_node_count(st), is_after ? 8 : 6);
		T_EQ_INT(ns_app_count(st), 4);
	} while (r == NS_MORE && t_failed_checks == 0);
	if (r == NS_MORE)
		ns_builder_abort(b);
	T_EQ_INT(r, NS_OK);
	T_CHECK(switched > 20 && switched < steps);	/* then the drop */
	free(before);
	free(after);
	free(t1);
	free(t2);
	ns_store_free(st);
	ns_store_free(twin);
}

/*
 * One commit at a time: a second source's steps wait (and a whole
 * ns_commit is refused) until the first is published; then the second
 * is the newer and wins where both have a field.
 */
static void
test_steps_one_at_a_time(void)
{
	static const struct ns_source_spec two[] = {
		{ "http://a/metrics", NULL }, { "http://b/metrics", NULL },
	};
	struct ns_store *st = store_with(2, two, NULL);
	struct ns_builder *a, *b, *c;
	struct ns_view v;
	int r;

	a = begin(st, 0, 1,
	    "wca_node_capacity{node=\"n1\",dim=\"cpu\"} 8\n"
	    "wca_node_capacity{node=\"n1\",dim=\"mem\"} 16\n");
	b = begin(st, 1, 1, "wca_node_capacity{node=\"n1\",dim=\"cpu\"} 4\n");
	T_EQ_INT(ns_commit_step(st, a, 1), NS_MORE);	/* a has the turn */
	T_EQ_INT(ns_commit_step(st, b, 1000), NS_MORE);	/* b waits */
	T_EQ_INT(ns_commit_step(st, b, 1000), NS_MORE);
	c = ns_builder_new(st, 1);
	T_EQ_INT(ns_commit(st, c, 1), NS_ERR_BUSY);
	ns_builder_abort(c);
	T_CHECK(ns_find(st, "n1", 2) == NULL);
	step_all(st, a, 1, &r);
	T_EQ_INT(r, NS_OK);
	view_of(st, "n1", 1, 60, &v);
	T_NEAR(v.capacity[DIM_CPU], 8);
	step_all(st, b, 1000, &r);
	T_EQ_INT(r, NS_OK);
	view_of(st, "n1", 1, 60, &v);
	T_NEAR(v.capacity[DIM_CPU], 4);		/* b published last */
	T_NEAR(v.capacity[DIM_MEM], 16);	/* only a has it */
	ns_store_free(st);
}

/* text without its node_exporter series (no history to lose). */
static char *
without_load(char *text)
{
	struct buf x;
	const char *p, *eol;

	buf_init(&x);
	for (p = text; *p; p = eol + 1) {
		eol = strchr(p, '\n');
		if (strncmp(p, "node_", 5) != 0)
			buf_add(&x, p, (size_t)(eol - p + 1));
	}
	buf_addc(&x, '\0');
	free(text);
	return x.p;
}

/* A commit aborted half way, or whose source a reload removes, leaves
 * the store as it was before it (minus the removed source) if it was
 * not published yet, else as a whole commit would.  (An unpublished
 * abort loses the utilisation history, as documented: not tested.) */
static void
test_steps_abort(void)
{
	static const struct ns_source_spec two[] = {
		{ "http://a/metrics", NULL }, { "http://b/metrics", NULL },
	};
	struct ns_store *st = store_with(2, two, NULL),
	    *twin = store_with(2, two, NULL);
	char *t0 = without_load(mixed_feed(3, 0));
	char *t1 = without_load(mixed_feed(6, 1)), *before, *after, *d;
	struct ns_builder *b;
	size_t cut, i, aborted[2] = { 0, 0 };
	int r, published;

	scrape(st, 0, 1, t0);
	scrape(st, 1, 1, "wca_node_capacity{node=\"other\",dim=\"cpu\"} 2\n");
	scrape(twin, 0, 1, t0);
	scrape(twin, 1, 1, "wca_node_capacity{node=\"other\",dim=\"cpu\"} 2\n");
	scrape(twin, 0, 2, t1);
	before = digest(st, 2);
	after = digest(twin, 2);
	/* Abort after every number of steps: undone before the new data
	 * is published, finished after. */
	for (cut = 1; cut < 400; cut += 3) {
		b = begin(st, 0, 2, t1);
		for (i = 0, r = NS_MORE; i < cut && r == NS_MORE; i++)
			r = ns_commit_step(st, b, 2);
		if (r != NS_MORE)
			break;			/* through: nothing to abort */
		published = ns_find(st, "n4", 2) != NULL;
		ns_builder_abort(b);
		d = digest(st, 2);
		T_EQ_STR(d, published ? after : before);
		free(d);
		aborted[published]++;
		if (published) {		/* back to the old data */
			ns_store_free(st);
			st = store_with(2, two, NULL);
			scrape(st, 0, 1, t0);
			scrape(st, 1, 1, "wca_node_capacity{node=\"other\","
			    "dim=\"cpu\"} 2\n");
		}
	}
	T_CHECK(aborted[0] > 5 && aborted[1] > 0);
	/* The source still commits; then a reload removes it mid-commit. */
	scrape(st, 0, 3, t1);
	T_CHECK(ns_find(st, "n4", 2) != NULL);
	b = begin(st, 0, 4, t0);
	for (i = 0; i < 30; i++)
		T_EQ_INT(ns_commit_step(st, b, 2), NS_MORE);
	ns_set_sources(st, two + 1, 1);
	T_CHECK(ns_find(st, "n0", 2) == NULL);
	T_EQ_INT(ns_node_count(st), 1);
	T_EQ_INT(ns_app_count(st), 0);
	T_EQ_INT(ns_commit_step(st, b, 2), NS_ERR_GONE);
	/* The store takes a new commit of the remaining source. */
	scrape(st, 0, 5, "wca_node_capacity{node=\"other\",dim=\"cpu\"} 3\n");
	T_EQ_INT(ns_node_count(st), 1);
	free(before);
	free(after);
	free(t0);
	free(t1);
	ns_store_free(st);
	ns_store_free(twin);
}

T_SUITE(
	{ "dims", test_dims },
	{ "aliases", test_aliases },
	{ "wca_fields", test_wca_fields },
	{ "node_resolution", test_node_resolution },
	{ "cpu_rate", test_cpu_rate },
	{ "cpu_series_change", test_cpu_series_change },
	{ "memory", test_memory },
	{ "window", test_window },
	{ "rate_window", test_rate_window },
	{ "rate_step", test_rate_step },
	{ "window_long_rate", test_window_long_rate },
	{ "history_bounded", test_history_bounded },
	{ "precedence", test_precedence },
	{ "merge_staleness", test_merge_staleness },
	{ "abort", test_abort },
	{ "reload", test_reload },
	{ "order", test_order },
	{ "pods", test_pods },
	{ "big_feed", test_big_feed },
	{ "counts", test_counts },
	{ "app_merge", test_app_merge },
	{ "recycle_steady", test_recycle_steady },
	{ "recycle_shrink", test_recycle_shrink },
	{ "recycle_sources", test_recycle_sources },
	{ "cpu_interleaved", test_cpu_interleaved },
	{ "steps_equal_whole", test_steps_equal_whole },
	{ "steps_invisible", test_steps_invisible },
	{ "steps_one_at_a_time", test_steps_one_at_a_time },
	{ "steps_abort", test_steps_abort },
)
