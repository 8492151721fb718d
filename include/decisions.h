/*
 * decisions: the last N filter and prioritize decisions, for GET
 * /explain ([server] decisions = N; 0 turns it off).
 *
 * A ring of fixed-size slots, allocated once when the configuration sets
 * N (the pages of a slot become resident when a decision first fills
 * it).  Recording copies the decision into the oldest slot: the pod, the
 * verb, the times, and per node its name, its result (passed, failed
 * with the reason, or the score and raw priority) and the numbers the
 * algorithm used ("terms": capacities, requests, utilisation, data age,
 * score parts).  Nothing is allocated and nothing is formatted on the
 * request path; formatting happens when /explain asks.  A slot holds
 * DEC_SLOT_BYTES of node rows: every node of a 781-node call (the most
 * kube-scheduler sends) when rows stay under about 167 bytes, i.e. names
 * up to 28 bytes with all DEC_TERMS_MAX terms, longer ones with fewer;
 * rows past that are counted, not kept.
 *
 * While an algorithm runs, it notes terms per node into an array the
 * extender hands it (algo_ctx.terms, NULL when nothing is recorded).
 */
#ifndef WCA_DECISIONS_H
#define WCA_DECISIONS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "stats.h"

/* The numbers an algorithm can report per node (and for the pod). */
enum term {
	TERM_CAPACITY = 0,				/* + dim */
	TERM_USED = TERM_CAPACITY + DIM_COUNT,		/* + dim */
	TERM_FREE = TERM_USED + DIM_COUNT,		/* + dim */
	TERM_FRACTION = TERM_FREE + DIM_COUNT,		/* + dim */
	TERM_REQUESTED = TERM_FRACTION + DIM_COUNT,	/* + dim: the pod's */
	TERM_LEAST_USED = TERM_REQUESTED + DIM_COUNT,
	TERM_BAR,
	TERM_MEMBW_RATIO,
	TERM_CPU_UTIL,		/* percent */
	TERM_CPU_AVG,
	TERM_CPU_STD,
	TERM_MEM_UTIL,
	TERM_MEM_AVG,
	TERM_MEM_STD,
	TERM_CPU_CAPACITY_M,
	TERM_MEM_CAPACITY_B,
	TERM_PODS_CPU_M,	/* requests of the pods on the node */
	TERM_PODS_MEM_B,
	TERM_RECENT_CPU_M,	/* TargetLoadPacking's recent placements */
	TERM_POD_CPU_M,		/* the pod's own requests */
	TERM_POD_MEM_B,
	TERM_FALLBACK,		/* 1: scored by the fallback */
	TERM_AGE,		/* seconds since the node's data */
	TERM_COUNT
};

#define DEC_TERMS_MAX 24

struct dec_terms {
	uint8_t n;
	uint8_t id[DEC_TERMS_MAX];
	float v[DEC_TERMS_MAX];
};

/* Note term `id` = v for one node; each term once (past DEC_TERMS_MAX
 * they are dropped).  Inline: the request path calls it per node. */
static inline void
dec_term(struct dec_terms *t, enum term id, double v)
{
	if (t->n >= DEC_TERMS_MAX)
		return;
	t->id[t->n] = (uint8_t)id;
	t->v[t->n] = (float)v;
	t->n++;
}
const char *dec_term_name(enum term id);

#define DEC_SLOT_BYTES (128u * 1024u)
#define DEC_NAME_MAX 253		/* a pod or node name */

struct ext_node;
struct filter_out;

/* One decision as the extender hands it over. */
struct dec_input {
	enum route verb;
	const char *ns, *pod, *app;	/* app may be NULL */
	const char *algorithm;
	double unix_now;
	double data_age;		/* s since the newest commit; <0: none */
	int status;			/* HTTP status answered */
	const char *error;		/* filter's Error, or NULL */
	const struct ext_node *nodes;
	size_t n;
	const struct filter_out *verdicts;	/* filter */
	const double *priority;		/* prioritize: raw */
	const long *score;		/* prioritize: answered */
	const struct dec_terms *terms;	/* per node, or NULL */
	const struct dec_terms *pod_terms;	/* the pod's requests, or NULL */
};

struct dec_log;

/* NULL when n == 0, or when the ring cannot be allocated. */
struct dec_log *dec_log_new(size_t n);
void dec_log_free(struct dec_log *d);
size_t dec_log_size(const struct dec_log *d);
uint64_t dec_log_recorded(const struct dec_log *d);

void dec_record(struct dec_log *d, const struct dec_input *in);

/*
 * GET /explain?pod=NS/NAME: every kept decision about that pod, newest
 * first, as JSON.  Returns how many were written (0: none kept).
 */
size_t dec_explain_json(const struct dec_log *d, const char *ns, size_t nslen,
    const char *pod, size_t podlen, struct buf *out);

/* GET /explain: the latest decision as a plain-text table; 0 if none. */
int dec_explain_text(const struct dec_log *d, struct buf *out);

#endif
