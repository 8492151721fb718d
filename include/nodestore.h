/*
 * nodestore: what the scrapes say about nodes and apps, kept for the
 * request path.
 *
 * Pure module: no I/O, no clock, no globals.  Times are seconds (double)
 * in whatever clock the caller uses for every call (the scraper passes
 * the loop's monotonic clock); only kube_pod_start_time is a Unix time,
 * as exported.
 *
 * Write side.  Each configured source has an id (its index in the last
 * ns_set_sources() call).  A scrape streams its samples into a builder:
 *
 *     struct ns_builder *b = ns_builder_new(st, id);
 *     for each sample:  ns_builder_add(b, &sample);
 *     ns_commit_begin(b, now);
 *     while (ns_commit_step(st, b, NS_COMMIT_BUDGET) == NS_MORE)
 *             let the loop run;
 *     or at any point, on failure:    ns_builder_abort(b);
 *
 * The builder keeps only the series listed below and ignores everything
 * else after a length-and-memcmp check of the name.  The commit's work
 * (grouping, derived values, linking the source's nodes into the index)
 * is proportional to what the source delivered, never to the cluster,
 * and runs in steps of about `budget` units each (one unit: one element
 * moved, a few nanoseconds), so that a large scrape never holds the
 * event loop longer than a request does.  Readers see none of it until
 * one step publishes it: from then on they see the new snapshot and not
 * the old one, new names appear and names no source has any more are
 * gone, all at once, so a request (handled within one loop callback)
 * never sees half a scrape.  Later steps unlink the old snapshot, which
 * readers no longer see; the last returns NS_OK.  One commit is in
 * progress at a time: a step of another builder returns NS_MORE without
 * working until it is through.  An aborted scrape leaves the source's
 * last good data in place; so does a commit aborted before it was
 * published, which loses the source's utilisation history, though (the
 * scraper aborts one only when its source is removed); a commit aborted
 * after that is finished at once.
 *
 * Which node a node series belongs to: the source's node= if set, else
 * the label named node_label (default "node"), else the instance label
 * without its port ("host:port" -> host, "[v6]:port" -> v6, a bare IPv6
 * address stays whole).  An empty label counts as absent.  Pod series
 * (kube_pod_*) use node= or node_label only (their instance label names
 * kube-state-metrics, not the pod's node); app series have no node.
 *
 * Series kept (interface.md section 5; [aliases] of the original's
 * Prometheus rules):
 *   wca_node_capacity{node,dim} [node_capacity]    capacity[dim]
 *   wca_app_requested{app,dim}  [app_req]          app requested[dim]
 *   wca_app_assigned{node,app}                     assigned count; series
 *                                                  repeated for one node
 *                                                  and app are summed
 *   wca_node_pmem{node}                            pmem = value != 0
 *   [platform_mem_mode_size_bytes{node,...}]       the original's PMEM
 *                                                  query: pmem = sum != 0,
 *                                                  unless wca_node_pmem
 *   wca_node_type{node,nodetype} [node_type]       pmem|dram|unknown; the
 *                                                  value is not read
 *   wca_node_dram_hit_ratio{node}
 *     [platform_dram_hit_ratio{node,socket,...}]   min over all series
 *   wca_app_profile{app} [app_profile]             Score's profile
 *   wca_node_utilization{node,resource,operator}   precomputed percent
 *   node_cpu_seconds_total{cpu,mode}               cpu utilisation (rate)
 *   node_memory_MemTotal_bytes,
 *   node_memory_MemAvailable_bytes                 memory utilisation
 *   kube_node_status_allocatable{node,resource},
 *   kube_node_status_capacity{node,resource}       cpu, memory only
 *   kube_pod_container_resource_requests / _limits,
 *   kube_pod_init_container_resource_requests / _limits
 *     {node,namespace,pod,container,resource}      cpu, memory only
 *   kube_pod_info{namespace,pod,node}              the pod's node
 *   kube_pod_start_time{namespace,pod}             Unix seconds
 *   kube_pod_status_phase{namespace,pod,phase}     extension: a pod whose
 *                                                  phase Succeeded or Failed
 *                                                  is 1 is not on its node
 *                                                  (kube-scheduler does not
 *                                                  count terminated pods)
 * Dimension labels: cpu mem membw_read membw_write wss membw membw_flat,
 * and mbw_read mbw_write mbw_flat for the three membw_ ones.
 * wca_node_utilization: resource cpu|memory, operator latest|avg|std,
 * both case-insensitive (load-watcher's Latest, AVG, STD); an empty
 * operator means latest, as in load-watcher's GetResourceData.
 * Values that are NaN or infinite are dropped, except for the series
 * whose value is not read (wca_node_type, kube_pod_info).
 *
 * Derived at commit, per node and source (load-aware.md 2.3 and 2.4):
 *   cpu latest = 100 * sum over cpus and modes not in {idle, iowait,
 *     steal} of the counter's increase / (dt * ncpu), dt = time between
 *     this commit and the source's previous one, ncpu = distinct cpu
 *     labels; clamped to 0..100.  No rate this round (the field is
 *     absent) when there is no previous snapshot, when any of those
 *     counters went down (reset, reboot), or when the set of series
 *     (cpus, modes, their order) or ncpu changed.
 *   mem latest = 100 * (1 - MemAvailable / MemTotal), MemTotal > 0.
 *   Over the window (entries newer than now - window):
 *     cpu avg = duration-weighted mean of the interval rates (the
 *       counter slope over the window; across a reset, the weighted
 *       mean of the valid intervals);
 *     cpu std = population std of the rate smoothed over rate_window
 *       (load-watcher's stddev_over_time of the 5-minute rate rule),
 *       sampled at entries at least rate_step apart walking back from
 *       the newest (the rule's evaluations); with rate_window < 0, of
 *       the raw interval rates;
 *     mem avg, std = mean and population std of the samples (with
 *       rate_step, of the last sample of each step).
 *   A source's wca_node_utilization for a resource replaces the
 *   computed values of that resource (see merging).
 *
 * Read side.  Several sources may describe one node.  Each field is taken
 * from the most recently committed source that has it and whose data is
 * no older than `staleness`; fields only stale sources have are absent
 * (and flagged in `stale`).  Utilisation merges per resource as a unit
 * (latest, avg and std together): a fresh source with precomputed
 * wca_node_utilization for the resource wins over every computed value.
 * Capacity and app requests merge per dimension; the assigned apps and
 * the pods of a node each come whole from one source.  A scrape with any
 * wca_app_assigned series (any kube_pod_* series) gives every node it
 * names an assigned set (a pod list), empty where it has none, so "no
 * pods" and "no pod data" differ.  "Most recently committed" is commit
 * order: commits come one at a time, so there are no ties.
 *
 * Nodes keep the order of their first appearance (first commit that
 * named them, then feed order); a node no source mentions any more is
 * dropped, and starts at the end if it comes back.  Apps likewise.
 *
 * Lifetime: everything returned (nodes, apps, views' arrays) stays valid
 * until the next commit step, ns_set_sources or ns_store_free; the event
 * loop never runs one of them while a request is being handled.  The read
 * side never allocates.
 *
 * Memory: a snapshot is proportional to the samples its source kept (and
 * a scrape is bounded by max_scrape_size), a builder likewise; the history
 * holds the entries of max(window, rate_window), one per rate_step (or
 * per scrape when rate_step is 0), at most NS_HIST_MAX per node and
 * source (40 bytes each); nodes and apps no source names are
 * freed.  Each source also keeps the arrays of its replaced snapshot and
 * of its last builder for its next builder, so that a source of stable
 * size scrapes and commits without allocating (or returning) large
 * blocks; at each commit, a kept array more than twice the size that
 * scrape needed is cut to twice that size (freed if unused), a kept set
 * under 16 KiB in all is freed (small blocks are cheap to get back), and
 * a source dropped by ns_set_sources frees them.  ns_memory_bytes() counts
 * all of it except builders in flight (ns_builder_stats() reports those;
 * a builder holds its source's kept arrays while it runs).  A builder is
 * committed or aborted before ns_store_free.
 *
 * Not used: sample timestamps (ages are commit times), and containers
 * that have neither requests nor limits (kube-state-metrics exports no
 * resource series for them, so TargetLoadPacking's default request cannot
 * be applied to them).
 */
#ifndef WCA_NODESTORE_H
#define WCA_NODESTORE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"		/* enum dim only */

/* One input sample: spans are not NUL-terminated, valid during the call. */
struct ns_label {
	const char *name, *value;
	size_t name_len, value_len;
};

struct ns_sample {
	const char *name;
	size_t name_len;
	const struct ns_label *labels;
	size_t nlabels;
	double value;
};

struct ns_opts {
	const char *node_label;	/* NULL or "": "node" */
	double window;		/* avg/std window, s; <= 0: 300 */
	double rate_window;	/* cpu rate smoothing for std, s; 0: default
				   (NS_RATE_WINDOW_DEFAULT), < 0: none */
	double rate_step;	/* cpu std samples at least this far apart
				   (load-watcher: the rule's 30 s
				   evaluations), s; 0: every entry */
};
#define NS_RATE_WINDOW_DEFAULT	300.0	/* kube-prometheus' rate(...[5m]) */
#define NS_HIST_MAX		1024	/* history entries per node and source */

struct ns_source_spec {
	const char *url;	/* identity: url and node together */
	const char *node;	/* node= option, or NULL */
};

struct ns_store;
struct ns_builder;
struct ns_node;			/* opaque; ns_node_name() */
struct ns_app;			/* opaque; ns_app_name() */

enum ns_state {
	NS_UNKNOWN,		/* no source has data for it */
	NS_STALE,		/* every source's data is older than staleness */
	NS_FRESH
};

enum ns_node_type { NS_TYPE_UNKNOWN, NS_TYPE_PMEM, NS_TYPE_DRAM };

/* Bits of ns_view.have and .stale. */
#define NS_HAVE_CAPACITY	0x001u	/* at least one dim; see capacity_mask */
#define NS_HAVE_PMEM		0x002u
#define NS_HAVE_TYPE		0x004u
#define NS_HAVE_DRAM_HIT	0x008u
#define NS_HAVE_ASSIGNED	0x010u
#define NS_HAVE_CPU		0x020u	/* cpu utilisation, see cpu.have */
#define NS_HAVE_MEM		0x040u	/* memory utilisation, see mem.have */
#define NS_HAVE_ALLOC_CPU	0x080u
#define NS_HAVE_ALLOC_MEM	0x100u
#define NS_HAVE_KCAP_CPU	0x200u
#define NS_HAVE_KCAP_MEM	0x400u
#define NS_HAVE_PODS		0x800u

/* Bits of ns_util.have. */
#define NS_U_LATEST	1u
#define NS_U_AVG	2u
#define NS_U_STD	4u

struct ns_util {
	unsigned have;		/* NS_U_*; 0: absent */
	int precomputed;	/* from wca_node_utilization */
	double latest, avg, std;	/* percent of the node: computed
					   0..100, precomputed as served */
	double t;		/* commit time of the source used */
	unsigned samples;	/* computed: history entries in the window */
};

/* cpu in millicores (kube-state-metrics' cores * 1000, rounded: exactly
 * the quantity's MilliValue), memory in bytes. */
struct ns_res {
	double cpu_m;
	double mem_b;
};

#define NS_C_INIT	1u	/* an init container */
#define NS_C_REQ_CPU	2u	/* the request / limit is set */
#define NS_C_REQ_MEM	4u
#define NS_C_LIM_CPU	8u
#define NS_C_LIM_MEM	16u

struct ns_container {
	struct ns_res req, lim;	/* 0 where the flag is not set */
	unsigned flags;
};

struct ns_pod {
	const char *ns, *name;	/* NUL-terminated */
	double start_time;	/* Unix s; NaN: unknown */
	struct ns_res req;	/* effective: sum of containers, max with
				   each init container (Trimaran effective()) */
	struct ns_res lim;	/* the same for limits (not max'ed with req) */
	const struct ns_container *containers;	/* feed order */
	size_t ncontainers;
};

struct ns_assigned {
	const struct ns_app *app;
	double count;		/* pods of app on the node */
};

struct ns_view {
	const struct ns_node *node;	/* NULL: unknown */
	enum ns_state state;
	double age;		/* s since the node's newest data; -1 unknown */
	double used_age;	/* age of the oldest source data used */
	unsigned have;		/* NS_HAVE_*, from fresh sources */
	unsigned stale;		/* NS_HAVE_* that only stale sources have */
	double stale_age;	/* newest of those stale sources; -1: none */

	/* WCA: units as fed (cpu cores, mem and wss GB, membw* GB/s). */
	double capacity[DIM_COUNT];
	unsigned capacity_mask;		/* 1u << dim */
	unsigned capacity_stale_mask;	/* dims only stale sources have */
	int pmem;			/* 0 or 1 */
	enum ns_node_type type;
	double dram_hit_ratio;		/* 0..1, min over sockets */
	const struct ns_assigned *assigned;	/* feed order */
	size_t nassigned;

	/* Load-aware. */
	struct ns_util cpu, mem;
	struct ns_res allocatable;	/* kube_node_status_allocatable */
	struct ns_res kcapacity;	/* kube_node_status_capacity */
	const struct ns_pod *pods;	/* on the node, newest start first */
	size_t npods;
	struct ns_res pods_requests;	/* sum of the pods' effective requests */
	struct ns_res pods_limits;	/* sum of max(limits, requests) per pod
					   (Trimaran SetMaxLimits) */
};

struct ns_app_view {
	const struct ns_app *app;	/* NULL: unknown */
	enum ns_state state;
	double age;
	double requested[DIM_COUNT];	/* units as capacity */
	unsigned requested_mask;	/* 1u << dim, fresh sources only */
	int has_profile;
	double profile;
};

struct ns_builder_stats {
	size_t samples;		/* given to ns_builder_add */
	size_t kept;		/* stored */
	size_t ignored;		/* series or label values the store does not use */
	size_t dropped;		/* a kept series without node, with an unknown
				   dim or resource label, or not finite */
	size_t nodes, apps;
	size_t pods;		/* builder: pods seen; ns_source_stats: pods
				   on nodes (not terminated, node known) */
	size_t bytes;		/* memory held by the builder */
};

struct ns_source_stats {
	const char *url, *node;
	int has_data;
	double success_time;	/* last commit; valid with has_data */
	struct ns_builder_stats last;	/* of the scrape committed last */
	size_t bytes;		/* memory held by its snapshot, histories and
				   arrays kept for its next scrape */
};

/* ns_builder_add() results. */
enum ns_add { NS_ADD_IGNORED = 0, NS_ADD_KEPT = 1, NS_ADD_DROPPED = -1 };

/* ns_commit() and ns_commit_step() results. */
#define NS_OK		0	/* published; the builder is consumed */
#define NS_MORE		1	/* call ns_commit_step() again */
#define NS_ERR_GONE	(-1)	/* the source was removed by ns_set_sources;
				   the builder is consumed */
#define NS_ERR_BUSY	(-2)	/* ns_commit(): another commit is in
				   progress; the builder is untouched */

/* A step's budget: some 25 µs of work (bench/nodestore_bench). */
#define NS_COMMIT_BUDGET	4096

/* An empty store with the default options (node_label "node", window
 * 300 s, rate_window NS_RATE_WINDOW_DEFAULT) and no sources. */
struct ns_store *ns_store_new(void);
void ns_store_free(struct ns_store *st);
/* New node_label, window or rate_window (start-up, reload); data is kept.
 * Fields left 0/NULL take the defaults. */
void ns_configure(struct ns_store *st, const struct ns_opts *o);
/*
 * The sources, in configuration order: ids are indices into specs.  A
 * source whose url and node both match a current one keeps its data and
 * history; the others start empty; sources no longer listed are dropped
 * with their data.  Builders of dropped sources fail at commit.
 */
void ns_set_sources(struct ns_store *st, const struct ns_source_spec *specs,
    size_t n);
size_t ns_source_count(const struct ns_store *st);
/*
 * Changes whenever what readers see may change other than by the clock:
 * a commit published, sources or options set.  What is derived from the
 * store at one version and one time stays true at that version until
 * the data it used goes stale.
 */
uint64_t ns_version(const struct ns_store *st);
/* Returns 0, or -1 for a bad id. */
int ns_source_stats(const struct ns_store *st, size_t id,
    struct ns_source_stats *out);
/*
 * When what readers see at `now` may change by the clock alone: the
 * earliest time a source whose data is fresh at `now` (no older than
 * staleness) turns stale; INFINITY when none is.  Stale data stays stale.
 */
double ns_fresh_until(const struct ns_store *st, double now,
    double staleness);
/* Every byte the store holds (builders excluded). */
size_t ns_memory_bytes(const struct ns_store *st);

/* NULL for a bad id.  The builder copies node= and node_label. */
struct ns_builder *ns_builder_new(struct ns_store *st, size_t source_id);
int ns_builder_add(struct ns_builder *b, const struct ns_sample *s);
void ns_builder_stats(const struct ns_builder *b, struct ns_builder_stats *out);
/* The feed is over; the commit's time is `now`.  No more samples. */
void ns_commit_begin(struct ns_builder *b, double now);
/* About `budget` units of the commit's work (the first step of the one
 * commit in progress waits for the one before to finish): NS_MORE, or
 * NS_OK / NS_ERR_GONE with b consumed. */
int ns_commit_step(struct ns_store *st, struct ns_builder *b, long budget);
/* ns_commit_begin() and every step at once (tests, tools). */
int ns_commit(struct ns_store *st, struct ns_builder *b, double now);
/* Drop b, whatever its state (a commit in progress is undone). */
void ns_builder_abort(struct ns_builder *b);

/* Nodes: lookup by name, iteration in first-appearance order. */
const struct ns_node *ns_find(const struct ns_store *st, const char *name,
    size_t len);
size_t ns_node_count(const struct ns_store *st);
/*
 * Dense ids, below ns_*_id_limit(): for per-node or per-app arrays in
 * what a reader derives.  An id stays with its name while the store can
 * return it, and is given to a new name only by a later commit (so a new
 * ns_version()).
 */
size_t ns_node_id(const struct ns_node *n);
size_t ns_node_id_limit(const struct ns_store *st);
size_t ns_app_id(const struct ns_app *a);
size_t ns_app_id_limit(const struct ns_store *st);
const struct ns_node *ns_first(const struct ns_store *st);
const struct ns_node *ns_next(const struct ns_node *n);
const char *ns_node_name(const struct ns_node *n, size_t *len);
/* Fill *v for node n (may be NULL: unknown) as seen at `now`. */
void ns_view(const struct ns_store *st, const struct ns_node *n, double now,
    double staleness, struct ns_view *v);
/* Pods of app on the viewed node (0 if none). */
double ns_view_assigned(const struct ns_view *v, const struct ns_app *app);

/* Apps: the same. */
const struct ns_app *ns_app_find(const struct ns_store *st, const char *name,
    size_t len);
size_t ns_app_count(const struct ns_store *st);
const struct ns_app *ns_app_first(const struct ns_store *st);
const struct ns_app *ns_app_next(const struct ns_app *a);
const char *ns_app_name(const struct ns_app *a, size_t *len);
void ns_app_view(const struct ns_store *st, const struct ns_app *a,
    double now, double staleness, struct ns_app_view *v);

/* "cpu", "mem", ... with the mbw_ aliases: DIM_COUNT if unknown. */
enum dim ns_dim_parse(const char *s, size_t n);

#endif
