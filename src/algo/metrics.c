/*
 * What algorithms share about node metrics: one place decides when a
 * node's data is too old to judge by, and how that is said.
 */
#include "algo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
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

struct algo_node_memo {
	const char *owner;
	const struct config *cfg;
	uint64_t version;
	double built, expires;		/* store clock */
	uint64_t gen;			/* a slot is valid when it has it */
	size_t n, size;
	uint64_t *gens;			/* per slot */
	unsigned char *slots;		/* n * size bytes */
};

static void
node_memo_free(void *p)
{
	struct algo_node_memo *m = p;

	free(m->gens);
	free(m->slots);
	free(m);
}

struct algo_node_memo *
algo_node_memo(const struct algo_ctx *ctx, const char *owner, size_t size)
{
	struct algo_memo *am = ctx->memo;
	struct algo_node_memo *m;
	size_t limit;

	if (am == NULL || ctx->store == NULL ||
	    log_on(LOGGER_ALGORITHM, LOG_DEBUG))
		return NULL;
	m = am->nodes_free == node_memo_free ? am->nodes : NULL;
	if (m != NULL && (m->owner != owner || m->size != size)) {
		node_memo_free(m);
		am->nodes = m = NULL;
	}
	if (m != NULL && m->cfg == ctx->cfg &&
	    m->version == ns_version(ctx->store) && ctx->now >= m->built &&
	    ctx->now < m->expires)
		return m;
	if (m == NULL) {
		if (am->nodes != NULL)
			am->nodes_free(am->nodes);
		m = xcalloc(1, sizeof(*m));
		m->owner = owner;
		m->size = size;
		am->nodes = m;
		am->nodes_free = node_memo_free;
	}
	limit = ns_node_id_limit(ctx->store);
	if (limit > m->n) {
		free(m->gens);
		free(m->slots);
		m->gens = xcalloc(limit, sizeof(*m->gens));
		m->slots = xcalloc(limit, size);
		m->n = limit;
	}
	m->cfg = ctx->cfg;
	m->version = ns_version(ctx->store);
	m->built = ctx->now;
	m->expires = ns_fresh_until(ctx->store, ctx->now,
	    ctx->cfg->staleness);
	m->gen++;
	return m;
}

void *
algo_node_slot(struct algo_node_memo *m, size_t node_id)
{
	return m->slots + node_id * m->size;
}

int
algo_node_slot_valid(const struct algo_node_memo *m, size_t node_id)
{
	return m->gens[node_id] == m->gen;
}

void
algo_node_slot_fill(struct algo_node_memo *m, size_t node_id)
{
	m->gens[node_id] = m->gen;
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
