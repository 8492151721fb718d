/*
 * What algorithms share about node metrics: one place decides when a
 * node's data is too old to judge by, and how that is said.
 */
#include "algo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nodestore.h"

void
algo_memo_clear(struct algo_memo *m)
{
	if (m != NULL && m->p != NULL)
		m->free(m->p);
	if (m != NULL)
		m->p = NULL;
}

int
algo_node_metrics(const struct algo_ctx *ctx, const struct ext_node *n,
    struct ns_view *v, const char **reason)
{
	const struct ns_node *node = NULL;
	double staleness = ctx->cfg->staleness;
	char msg[320];

	if (ctx->store)
		node = ns_find(ctx->store, n->name, n->name_len);
	ns_view(ctx->store, node, ctx->now, staleness, v);
	if (v->state == NS_FRESH) {
		*reason = NULL;
		return 0;
	}
	if (v->state == NS_STALE)
		snprintf(msg, sizeof(msg), "metrics for node %s are %.0f s old "
		    "(staleness %g s)", n->name, floor(v->age), staleness);
	else
		snprintf(msg, sizeof(msg), "no metrics for node %s", n->name);
	*reason = arena_strndup(ctx->arena, msg, strlen(msg));
	return -1;
}
