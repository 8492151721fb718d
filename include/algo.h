/*
 * algo: the interface every scheduling algorithm implements, one file
 * per algorithm under src/algo/.  Algorithms read the request and the
 * metrics store; the one shared state they write is ctx->memo (below).
 * Everything else they allocate comes from ctx->arena.
 */
#ifndef WCA_ALGO_H
#define WCA_ALGO_H

#include <stddef.h>

#include "arena.h"
#include "config.h"
#include "decisions.h"

struct pod_spec;

struct ext_pod {
	const char *ns;         /* NUL-terminated, arena or static */
	const char *name;
	const char *app;        /* metadata.labels.app, NULL when absent */
	int tok;                /* the Pod object in the request doc */
	const struct pod_spec *spec;	/* its resources (podres.h), decoded
					   for algorithms that ask for them
					   (ALGO_NEEDS_POD_SPEC); else NULL */
};

struct ext_node {
	const char *name;       /* NUL-terminated, decoded */
	size_t name_len;
	int name_tok;           /* the request's string token of the name */
	int tok;                /* the Node object, or -1 (NodeNames form) */
};

struct ns_store;
struct ns_view;

/*
 * What an algorithm derives from the store alone and keeps between
 * requests (HierBAR's node classes), so a request does not redo work
 * that only a commit or the clock can change.  The server owns it and
 * clears it when the configuration changes; only the algorithm that
 * filled it reads it, and checks that it still holds (ns_version and
 * the clock) before it does.
 */
struct algo_memo {
	void *p;			/* a table (HierBAR's classes) */
	void (*free)(void *p);
	void *nodes;			/* per-node inputs, by node id (the WCA
					   family's loads, the load-aware
					   family's data) */
	void (*nodes_free)(void *p);
};

void algo_memo_clear(struct algo_memo *m);


struct algo_ctx {
	const struct config *cfg;
	const struct json_doc *doc;     /* the request, for Node objects */
	struct arena *arena;
	const struct ns_store *store;   /* node metrics, read only; or NULL */
	double now;                     /* the store's clock, seconds */
	struct algo_memo *memo;         /* the server's, or NULL: none */
	double unix_now;                /* `now` as Unix seconds */
	struct dec_terms *terms;	/* per node, for the decision log;
					   NULL: nothing is recorded */
};

/* Where node i's terms go (decisions.h), or NULL when not recorded;
 * i = n (the call's node count): the pod's own (its requests). */
static inline struct dec_terms *
algo_terms(const struct algo_ctx *ctx, size_t i)
{
	return ctx->terms ? &ctx->terms[i] : NULL;
}

/*
 * Per-node inputs kept between requests in the memo's node slot, by node
 * id: what an algorithm derives from the store for one node that only a
 * commit or the clock changes.  algo_node_memo() returns the slots for
 * `owner` (a tag naming the algorithm family) of `size` bytes each, valid
 * for this call: still the same configuration, store version and no data
 * gone stale since they were made (ns_fresh_until()); else emptied.
 * NULL when there is no memo or store, or the algorithm logger is at
 * debug (its lines come from the store's views).  A slot holds data for
 * this call when algo_node_slot_valid(); algo_node_slot_fill() marks it
 * so after the caller filled it.
 */
struct algo_node_memo;
struct algo_node_memo *algo_node_memo(const struct algo_ctx *ctx,
    const char *owner, size_t size);
void *algo_node_slot(struct algo_node_memo *m, size_t node_id);
int algo_node_slot_valid(const struct algo_node_memo *m, size_t node_id);
void algo_node_slot_fill(struct algo_node_memo *m, size_t node_id);

enum verdict {
	VERDICT_PASS,
	VERDICT_FAIL,           /* listed in FailedNodes with `reason` */
	VERDICT_DROP            /* left out silently (the original's Score) */
};

struct filter_out {
	enum verdict v;
	const char *reason;
};

struct algo {
	enum algo_id id;
	/*
	 * Judge every node: out[i] for nodes[i].  Returns NULL, or a message
	 * that fails the whole call through ExtenderFilterResult.Error.
	 */
	const char *(*filter)(const struct algo_ctx *ctx,
	    const struct ext_pod *pod, const struct ext_node *nodes, size_t n,
	    struct filter_out *out);
	/* Raw priority per node; the extender scales it to a score. */
	void (*prioritize)(const struct algo_ctx *ctx,
	    const struct ext_pod *pod, const struct ext_node *nodes, size_t n,
	    double *priority);
	unsigned needs;		/* ALGO_NEEDS_* */
	/*
	 * The scale its priorities are on: 0 for the WCA family (0..1,
	 * times max_node_score, score_mode decides the rounding); 100 for
	 * Trimaran's 0..100 integers, answered as round(score *
	 * max_node_score / 100) whatever the score_mode.
	 */
	double scale;
};

#define ALGO_NEEDS_POD_SPEC	1u	/* ext_pod.spec */

/*
 * The metrics of one candidate node, for algorithms that judge nodes by
 * them.  Returns 0 with *v filled when some source has fresh data for the
 * node; otherwise -1, *v still filled, and `reason` (from ctx->arena) says
 * why, e.g. "metrics for node n3 are 241 s old (staleness 180 s)" or "no
 * metrics for node n3": filter lists the node in FailedNodes with it,
 * prioritize scores it 0.
 */
int algo_node_metrics(const struct algo_ctx *ctx, const struct ext_node *n,
    struct ns_view *v, const char **reason);

/* A filter for algorithms that only score: every node passes. */
const char *algo_filter_pass(const struct algo_ctx *ctx,
    const struct ext_pod *pod, const struct ext_node *nodes, size_t n,
    struct filter_out *out);

/* A prioritize for algorithms that only filter: every node scores 0. */
void algo_prioritize_zero(const struct algo_ctx *ctx,
    const struct ext_pod *pod, const struct ext_node *nodes, size_t n,
    double *priority);

/* The configured algorithm's effective parameters, as a JSON object. */
struct buf;
void algo_params_json(const struct config *c, struct buf *out);

/* NULL when the algorithm is not part of this build. */
const struct algo *algo_for(enum algo_id id);

extern const struct algo algo_nop;
extern const struct algo algo_fit;
extern const struct algo algo_least_used;
extern const struct algo algo_bar;
extern const struct algo algo_least_used_bar;
extern const struct algo algo_hier_bar;
extern const struct algo algo_dram_hit_ratio;
extern const struct algo algo_score;
extern const struct algo algo_static_assigner;
extern const struct algo algo_target_load_packing;
extern const struct algo algo_load_variation_risk;
extern const struct algo algo_low_risk_overcommit;

#endif
