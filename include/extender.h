/*
 * extender: kube-scheduler's extender protocol.  Decodes ExtenderArgs
 * and ExtenderPreemptionArgs, runs the configured algorithm and writes
 * the answer in the form that was asked (NodeNames, or Nodes echoed
 * byte-for-byte from the request).
 */
#ifndef WCA_EXTENDER_H
#define WCA_EXTENDER_H

#include <stddef.h>

#include "algo.h"
#include "arena.h"
#include "buf.h"
#include "config.h"
#include "decisions.h"
#include "json.h"
#include "stats.h"

struct ext_args {
	struct ext_pod pod;
	struct ext_node *nodes;
	size_t nnodes;
	int full;               /* Nodes (NodeList) form, else NodeNames */
	int nodelist_tok;       /* the NodeList, when full */
};

#define EXT_ERR_LEN 256

/* Per-connection scratch, reused from request to request. */
struct ext_scratch {
	struct json_doc doc;
	struct arena arena;
	/* The last call's decision, until ext_record() (its pointers are
	 * into the arena: valid until the next call resets it). */
	struct dec_input rec;
	struct dec_log *rec_log;	/* NULL: nothing pending */
};

void ext_scratch_init(struct ext_scratch *s);
void ext_scratch_free(struct ext_scratch *s);

/* Decode ExtenderArgs from a parsed doc.  0, or -1 with err set. */
int ext_decode_args(const struct json_doc *d, struct arena *a,
    struct ext_args *out, char err[EXT_ERR_LEN]);

/*
 * Answer one extender call (route filter, prioritize or preempt) with
 * body[0..len) at `now` (the store's clock) = `unix_now` (Unix
 * seconds).  Writes the JSON answer to `out`, returns the HTTP
 * status; *nodes is the node count of the request (-1 if not decoded).
 */
struct ns_store;
struct algo_memo;
int ext_handle(enum route r, const struct config *cfg,
    const struct ns_store *store, double now, double unix_now,
    struct algo_memo *memo,
    struct ext_scratch *s, const char *body, size_t len, struct buf *out,
    long *nodes);

/*
 * ext_handle(), noting every filter and prioritize decision for `log`
 * (decisions.h; NULL: none).  The decision is copied into the log by
 * ext_record(), which the server calls once the answer is on its way,
 * so that recording is not part of the call's latency.
 */
int ext_handle_recorded(enum route r, const struct config *cfg,
    const struct ns_store *store, double now, double unix_now,
    struct algo_memo *memo, struct dec_log *log,
    struct ext_scratch *s, const char *body, size_t len, struct buf *out,
    long *nodes);

/* Copy the pending decision (if any) into its log; 1 if there was one. */
int ext_record(struct ext_scratch *s);

#endif
