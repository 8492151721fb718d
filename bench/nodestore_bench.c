/*
 * nodestore_bench: how fast the node store takes a scrape and answers
 * lookups, and what it costs in memory.  Samples are prepared in memory
 * (struct ns_sample with spans), so the Prometheus parser is not
 * measured here (see promtext_bench).
 *
 * Feeds, N nodes each (default 5000):
 *   wca       one /federate source: capacity for 7 dims, type, pmem, DRAM
 *             hit ratio and 10 assigned apps per node, requests and
 *             profiles of the 10 apps
 *   ne-fed    one source with node_exporter-like series of every node,
 *             named by a node label: 8 cpus x 8 modes, MemTotal,
 *             MemAvailable and IGNORED other series per node
 *   ne-node   the same as N sources with node= (one node_exporter per
 *             node), each committed on its own
 *
 * Every feed is scraped ROUNDS times, 5 s apart (so cpu rates and
 * history are live); the builder rate is the best round, the commit time
 * the median of the rounds after the first (derived values computed, old
 * snapshot replaced), "worst" the slowest commit from the third round on
 * (steady state: by then a source reuses the arrays of its replaced
 * snapshot and of its last builder), for ne-node the 99th percentile of
 * those per-source commits.  Memory is ns_memory_bytes() after the last
 * round (snapshots, histories, and the arrays kept for the next scrape);
 * "with history" runs ne-node for 61 more rounds so that each node holds
 * a full 300 s window at 5 s.  First, the memory of 15-minute windows
 * (window_memory).  Prints markdown tables.
 *
 *   build/bench/nodestore_bench [NODES [IGNORED]]
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "buf.h"
#include "nodestore.h"

#define ROUNDS		8
#define STEADY		2	/* rounds before the steady state */
#define NAPPS		10
#define NCPU		8
#define MAXLAB		3

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A feed: samples with their labels; label values live in an arena. */
struct feed {
	struct ns_sample *s;
	struct ns_label *l;
	size_t n, cap;
	struct arena strs;
};

static const char *
str(struct feed *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *
str(struct feed *f, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	return arena_strndup(&f->strs, tmp, (size_t)n);
}

static void
add(struct feed *f, const char *name, double v, size_t nl, ...)
{
	struct ns_sample *s;
	va_list ap;
	size_t i;

	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 1024;
		f->s = xrealloc(f->s, f->cap * sizeof(*f->s));
		f->l = xrealloc(f->l, f->cap * MAXLAB * sizeof(*f->l));
	}
	s = &f->s[f->n];
	s->name = name;
	s->name_len = strlen(name);
	s->labels = NULL;		/* set in finish */
	s->nlabels = nl;
	s->value = v;
	va_start(ap, nl);
	for (i = 0; i < nl; i++) {
		struct ns_label *l = &f->l[f->n * MAXLAB + i];

		l->name = va_arg(ap, const char *);
		l->name_len = strlen(l->name);
		l->value = va_arg(ap, const char *);
		l->value_len = va_arg(ap, size_t);
	}
	va_end(ap);
	f->n++;
}

/* The label arrays are final: point the samples at them. */
static void
finish(struct feed *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		f->s[i].labels = &f->l[i * MAXLAB];
}

static void
feed_free(struct feed *f)
{
	free(f->s);
	free(f->l);
	arena_free(&f->strs);
}

/* Label value: an interned string of known length. */
#define V(f, len, ...)	str(f, __VA_ARGS__), (size_t)(len)

static const char *const dims[] = {
	"cpu", "mem", "mbw_read", "mbw_write", "wss", "membw", "mbw_flat",
};

static void
wca_feed(struct feed *f, size_t nodes)
{
	size_t i, d, a;

	for (a = 0; a < NAPPS; a++) {
		for (d = 0; d < 7; d++)
			add(f, "app_req", (double)(a + d + 1), 2,
			    "app", V(f, 6, "app-%02zu", a),
			    "dim", V(f, strlen(dims[d]), "%s", dims[d]));
		add(f, "app_profile", (double)a / 10, 1,
		    "app", V(f, 6, "app-%02zu", a));
	}
	for (i = 0; i < nodes; i++) {
		for (d = 0; d < 7; d++)
			add(f, "wca_node_capacity", (double)(i % 97 + d), 2,
			    "node", V(f, 10, "node-%05zu", i),
			    "dim", V(f, strlen(dims[d]), "%s", dims[d]));
		add(f, "wca_node_type", 1, 2, "node", V(f, 10, "node-%05zu", i),
		    "nodetype", V(f, 4, "%s", i % 2 ? "dram" : "pmem"));
		add(f, "wca_node_pmem", i % 2 == 0, 1,
		    "node", V(f, 10, "node-%05zu", i));
		add(f, "wca_node_dram_hit_ratio", 0.99, 1,
		    "node", V(f, 10, "node-%05zu", i));
		for (a = 0; a < NAPPS; a++)
			add(f, "wca_app_assigned", (double)((i + a) % 4), 2,
			    "node", V(f, 10, "node-%05zu", i),
			    "app", V(f, 6, "app-%02zu", a));
	}
	finish(f);
}

static const char *const modes[] = {
	"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user",
};

/* node_exporter-like series of one node (named by label when named). */
static void
ne_node(struct feed *f, size_t i, int named, size_t ignored, double t)
{
	size_t c, m, k;

	for (c = 0; c < NCPU; c++)
		for (m = 0; m < 8; m++) {
			double v = t * (m == 0 ? 0.6 : 0.05) * (double)(c + 1);

			if (named)
				add(f, "node_cpu_seconds_total", v, 3,
				    "cpu", V(f, 1, "%zu", c),
				    "mode", V(f, strlen(modes[m]), "%s",
				    modes[m]),
				    "node", V(f, 10, "node-%05zu", i));
			else
				add(f, "node_cpu_seconds_total", v, 2,
				    "cpu", V(f, 1, "%zu", c),
				    "mode", V(f, strlen(modes[m]), "%s",
				    modes[m]));
		}
	if (named) {
		add(f, "node_memory_MemTotal_bytes", 6.4e10, 1,
		    "node", V(f, 10, "node-%05zu", i));
		add(f, "node_memory_MemAvailable_bytes", 3.2e10, 1,
		    "node", V(f, 10, "node-%05zu", i));
	} else {
		add(f, "node_memory_MemTotal_bytes", 6.4e10, 0);
		add(f, "node_memory_MemAvailable_bytes", 3.2e10, 0);
	}
	/* Other series node_exporter serves: the store skips them. */
	for (k = 0; k < ignored; k++) {
		static const char *const other[] = {
			"node_network_receive_bytes_total",
			"node_filesystem_avail_bytes",
			"node_disk_read_bytes_total", "go_memstats_alloc_bytes",
			"node_vmstat_pgfault", "process_cpu_seconds_total",
		};
		add(f, other[k % 6], (double)k, named ? 2 : 1,
		    "device", V(f, 4, "d%03zu", k % 1000),
		    "node", V(f, 10, "node-%05zu", i));
	}
}

struct result {
	const char *name;
	size_t nodes, samples, kept;
	double add_s;		/* best builder time for the whole feed */
	double first_s;		/* the first commit (creates the nodes) */
	double commit_s;	/* median commit after the first */
	double worst_s;		/* worst (ne-node: p99) from round STEADY */
	double step_p50_s, step_p99_s, step_max_s;	/* commit steps from
							   round STEADY */
	size_t steps;		/* steps of the last commit */
	double lookup_ns, view_ns;
	size_t bytes;
};

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Durations of commit steps, for percentiles. */
struct step_log {
	double *d;
	size_t n, cap;
};

static void
step_log_add(struct step_log *l, double s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->d = xrealloc(l->d, l->cap * sizeof(*l->d));
	}
	l->d[l->n++] = s;
}

/* A commit, as the scraper makes it: steps of NS_COMMIT_BUDGET, each
 * logged in `log` when that is not NULL. */
struct commit_time {
	double total_s;
	size_t steps;
	struct step_log *log;
};

/* Scrape `f` into source id at time t; returns add and commit times. */
static void
scrape(struct ns_store *st, size_t id, const struct feed *f, double t,
    double *add_s, struct commit_time *c, size_t *kept)
{
	struct ns_builder *b = ns_builder_new(st, id);
	struct ns_builder_stats bs;
	double t0 = now(), t1, t2;
	size_t i;
	int r;

	for (i = 0; i < f->n; i++)
		ns_builder_add(b, &f->s[i]);
	t1 = now();
	ns_builder_stats(b, &bs);
	*kept = bs.kept;
	*add_s = t1 - t0;
	c->total_s = 0;
	c->steps = 0;
	ns_commit_begin(b, t);
	do {
		t2 = now();
		r = ns_commit_step(st, b, NS_COMMIT_BUDGET);
		t2 = now() - t2;
		c->total_s += t2;
		c->steps++;
		if (c->log != NULL)
			step_log_add(c->log, t2);
	} while (r == NS_MORE);
	if (r != NS_OK) {
		fprintf(stderr, "commit failed\n");
		exit(1);
	}
}

/* Percentiles of the logged steps into r; frees the log. */
static void
step_stats(struct step_log *l, struct result *r)
{
	if (l->n == 0)
		return;
	qsort(l->d, l->n, sizeof(double), cmp_double);
	r->step_p50_s = l->d[l->n / 2];
	r->step_p99_s = l->d[l->n * 99 / 100];
	r->step_max_s = l->d[l->n - 1];
	free(l->d);
	l->d = NULL;
	l->n = l->cap = 0;
}

static void
measure_reads(struct ns_store *st, size_t nodes, struct result *r,
    double t)
{
	char (*names)[32] = xmalloc(nodes * sizeof(*names));
	size_t i, k, rounds = 20, found = 0;
	struct ns_view v;
	double t0, acc = 0;

	for (i = 0; i < nodes; i++)
		snprintf(names[i], sizeof(names[i]), "node-%05zu", i);
	t0 = now();
	for (k = 0; k < rounds; k++)
		for (i = 0; i < nodes; i++)
			found += ns_find(st, names[i], 10) != NULL;
	r->lookup_ns = (now() - t0) * 1e9 / (double)(rounds * nodes);
	t0 = now();
	for (k = 0; k < rounds; k++)
		for (i = 0; i < nodes; i++) {
			ns_view(st, ns_find(st, names[i], 10), t, 180, &v);
			acc += v.capacity[0] + v.cpu.latest + v.age;
		}
	r->view_ns = (now() - t0) * 1e9 / (double)(rounds * nodes);
	if (found != rounds * nodes || acc < 0) {
		fprintf(stderr, "lookup failed: %zu of %zu\n", found,
		    rounds * nodes);
		exit(1);
	}
	free(names);
}

static void
one_source(const char *name, struct feed *f, size_t nodes, struct result *r)
{
	static const struct ns_source_spec spec = { "http://bench/", NULL };
	struct ns_store *st = ns_store_new();
	double commits[ROUNDS], a, best = 1e9;
	struct step_log log = { NULL, 0, 0 };
	struct commit_time c;
	size_t k, kept = 0;

	ns_set_sources(st, &spec, 1);
	r->worst_s = 0;
	for (k = 0; k < ROUNDS; k++) {
		c.log = k >= STEADY ? &log : NULL;
		scrape(st, 0, f, 5.0 * (double)k, &a, &c, &kept);
		commits[k] = c.total_s;
		if (a < best)
			best = a;
		if (k >= STEADY && c.total_s > r->worst_s)
			r->worst_s = c.total_s;
		r->steps = c.steps;
	}
	step_stats(&log, r);
	qsort(commits + 1, ROUNDS - 1, sizeof(double), cmp_double);
	r->name = name;
	r->nodes = ns_node_count(st);
	r->samples = f->n;
	r->kept = kept;
	r->add_s = best;
	r->first_s = commits[0];
	r->commit_s = commits[1 + (ROUNDS - 1) / 2];
	r->bytes = ns_memory_bytes(st);
	measure_reads(st, nodes, r, 5.0 * (ROUNDS - 1));
	ns_store_free(st);
}

/* N sources, one node each: commit is per source. */
/* One node_exporter source per node: "node-NNNNN" at 10.NET.x.y. */
struct node_sources {
	struct ns_source_spec *specs;
	char (*urls)[64];
	char (*names)[32];
};

static void
node_sources(struct node_sources *ns, size_t nodes, int net)
{
	size_t i;

	ns->specs = xcalloc(nodes, sizeof(*ns->specs));
	ns->urls = xmalloc(nodes * sizeof(*ns->urls));
	ns->names = xmalloc(nodes * sizeof(*ns->names));
	for (i = 0; i < nodes; i++) {
		snprintf(ns->urls[i], sizeof(ns->urls[i]),
		    "http://10.%d.%zu.%zu:9100/", net, i / 250, i % 250);
		snprintf(ns->names[i], sizeof(ns->names[i]), "node-%05zu", i);
		ns->specs[i].url = ns->urls[i];
		ns->specs[i].node = ns->names[i];
	}
}

static void
node_sources_free(struct node_sources *ns)
{
	free(ns->specs);
	free(ns->urls);
	free(ns->names);
}

static void
per_node(const struct feed *f, size_t nodes, struct result *r,
    struct result *rh, const struct feed *small)
{
	struct ns_store *st = ns_store_new();
	double add_total, commit_total, best_add = 1e9, *commits, a;
	double *steady;
	struct step_log log = { NULL, 0, 0 };
	struct commit_time c;
	struct node_sources srcs;
	size_t i, k, kept = 0, kept_total = 0, nc = 0, ns = 0;

	commits = xmalloc(nodes * ROUNDS * sizeof(*commits));
	steady = xmalloc(nodes * ROUNDS * sizeof(*steady));
	node_sources(&srcs, nodes, 0);
	ns_set_sources(st, srcs.specs, nodes);
	for (k = 0; k < ROUNDS; k++) {
		add_total = commit_total = 0;
		kept_total = 0;
		for (i = 0; i < nodes; i++) {
			/* Every node's scrape is the same text: one feed. */
			c.log = k >= STEADY ? &log : NULL;
			scrape(st, i, f, 5.0 * (double)k +
			    (double)i / (double)nodes, &a, &c, &kept);
			add_total += a;
			commit_total += c.total_s;
			kept_total += kept;
			if (k > 0)
				commits[nc++] = c.total_s;
			if (k >= STEADY)
				steady[ns++] = c.total_s;
			r->steps = c.steps;
		}
		if (add_total < best_add)
			best_add = add_total;
		if (k == 0)
			r->first_s = commit_total / (double)nodes;
	}
	qsort(commits, nc, sizeof(double), cmp_double);
	qsort(steady, ns, sizeof(double), cmp_double);
	step_stats(&log, r);
	r->worst_s = steady[ns * 99 / 100];
	r->name = "ne-node";
	r->nodes = ns_node_count(st);
	r->samples = f->n * nodes;
	r->kept = kept_total;
	r->add_s = best_add;
	r->commit_s = commits[nc / 2];
	r->bytes = ns_memory_bytes(st);
	measure_reads(st, nodes, r, 5.0 * (ROUNDS - 1) + 1);

	/* Fill every node's 300 s history with the kept series only. */
	c.log = NULL;
	for (k = ROUNDS; k < ROUNDS + 61; k++)
		for (i = 0; i < nodes; i++)
			scrape(st, i, small, 5.0 * (double)k, &a, &c, &kept);
	*rh = *r;
	rh->name = "ne-node, 300 s history";
	rh->bytes = ns_memory_bytes(st);
	ns_store_free(st);
	free(commits);
	free(steady);
	node_sources_free(&srcs);
}

static size_t
rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%lu %lu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * 4096;
}

/*
 * The load-aware memory target: one node_exporter source per node, the
 * kept series only, 15-minute windows at a 5 s interval with the
 * configuration's default rate_window (300 s) and rate_step (30 s),
 * scraped until every window is full.  The store's own count and the
 * process's resident growth (malloc's overhead included).
 */
static void
window_memory(const struct feed *small, size_t nodes)
{
	struct ns_opts o = { NULL, 900, 300, 30 };
	size_t rss0, i, k, kept, bytes;
	struct ns_store *st;
	struct commit_time c = { 0, 0, NULL };
	struct node_sources srcs;
	double a;

	node_sources(&srcs, nodes, 1);
	rss0 = rss_bytes();
	st = ns_store_new();
	ns_configure(st, &o);
	ns_set_sources(st, srcs.specs, nodes);
	for (k = 0; k < 900 / 5 + 2; k++)
		for (i = 0; i < nodes; i++)
			scrape(st, i, small, 5.0 * (double)k +
			    (double)i / (double)nodes, &a, &c, &kept);
	bytes = ns_memory_bytes(st);
	printf("| %zu node_exporter sources, %d cpus, 15-minute windows at "
	    "5 s (rate_step 30 s) | %zu | %.1f MiB | %.0f | %.1f MiB |\n",
	    nodes, NCPU, bytes, (double)bytes / 1048576.0,
	    (double)bytes / (double)nodes,
	    (double)(rss_bytes() - rss0) / 1048576.0);
	ns_store_free(st);
	node_sources_free(&srcs);
}

static void
row(const struct result *r, int per_source)
{
	if (per_source)
		printf("| %s | %zu | %zu | %zu | %.1f | %.1f µs a source | "
		    "%.1f µs a source | %.1f µs (p99) |", r->name, r->nodes,
		    r->samples, r->kept, (double)r->samples / r->add_s / 1e6,
		    r->first_s * 1e6, r->commit_s * 1e6, r->worst_s * 1e6);
	else
		printf("| %s | %zu | %zu | %zu | %.1f | %.2f | %.2f | %.2f |",
		    r->name, r->nodes, r->samples, r->kept,
		    (double)r->samples / r->add_s / 1e6, r->first_s * 1e3,
		    r->commit_s * 1e3, r->worst_s * 1e3);
	printf(" %zu | %.1f / %.1f / %.1f |", r->steps, r->step_p50_s * 1e6,
	    r->step_p99_s * 1e6, r->step_max_s * 1e6);
	printf(" %.0f | %.0f | %zu | %.0f | %.0f |\n", r->lookup_ns,
	    r->view_ns, r->bytes, (double)r->bytes / (double)r->nodes,
	    (double)r->bytes / (double)r->kept);
}

int
main(int argc, char **argv)
{
	size_t nodes = argc > 1 ? strtoul(argv[1], NULL, 10) : 5000;
	size_t ignored = argc > 2 ? strtoul(argv[2], NULL, 10) : 400;
	struct feed wca, fed, one, small;
	struct result r[4];
	size_t i;

	if (nodes == 0 || nodes > 99999) {
		fprintf(stderr, "usage: nodestore_bench [NODES [IGNORED]]\n");
		return 2;
	}
	memset(&wca, 0, sizeof(wca));
	fed = one = small = wca;
	arena_init(&wca.strs);
	arena_init(&fed.strs);
	arena_init(&one.strs);
	arena_init(&small.strs);
	wca_feed(&wca, nodes);
	for (i = 0; i < nodes; i++)
		ne_node(&fed, i, 1, ignored, 1000);
	finish(&fed);
	/* Per-node sources: counters that advance between rounds would
	 * need one feed per round; equal counters give a 0 % rate, which
	 * costs the same. */
	ne_node(&one, 0, 0, ignored, 1000);
	finish(&one);
	ne_node(&small, 0, 0, 0, 1000);
	finish(&small);

	printf("| store | ns_memory_bytes | MiB | bytes/node | resident "
	    "growth |\n|---|---|---|---|---|\n");
	window_memory(&small, nodes);
	printf("\n");

	memset(r, 0, sizeof(r));
	one_source("wca", &wca, nodes, &r[0]);
	one_source("ne-fed", &fed, nodes, &r[1]);
	per_node(&one, nodes, &r[2], &r[3], &small);

	printf("| feed | nodes | samples | kept | builder (M samples/s) | "
	    "first commit (ms) | commit (ms) | worst steady commit (ms) | "
	    "steps | step p50 / p99 / max (µs) | "
	    "ns_find (ns/node) | ns_view (ns/node) | memory (bytes) | "
	    "bytes/node | bytes/kept series |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	    "\n");
	row(&r[0], 0);
	row(&r[1], 0);
	row(&r[2], 1);
	row(&r[3], 1);
	printf("\n%zu nodes; ne feeds: %d cpus x 8 modes + 2 memory series "
	    "kept, %zu other series ignored per node; %d rounds 5 s apart "
	    "(commit: median after the first, all its steps; worst: from "
	    "round %d on); commits in steps of NS_COMMIT_BUDGET = %d units, "
	    "as the scraper makes them, one loop turn each.\n",
	    nodes, NCPU, ignored, ROUNDS, STEADY + 1, NS_COMMIT_BUDGET);
	feed_free(&wca);
	feed_free(&fed);
	feed_free(&one);
	feed_free(&small);
	return 0;
}
