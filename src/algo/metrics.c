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
	if (m == NULL)
		return;
	if (m->p != NULL)
		m->free(m->p);
	if (m->nodes != NULL)
		m->nodes_free(m->nodes);
	m->p = NULL;
	m->nodes = NULL;
}

double
algo_store_expiry(const struct algo_ctx *ctx)
{
	double expires = INFINITY, staleness = ctx->cfg->staleness;
	struct ns_source_stats s;
	size_t i;

	for (i = 0; ctx->store && i < ns_source_count(ctx->store); i++)
		if (ns_source_stats(ctx->store, i, &s) == 0 && s.has_data &&
		    s.success_time + staleness >= ctx->now &&
		    s.success_time + staleness < expires)
			expires = s.success_time + staleness;
	return expires;
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
