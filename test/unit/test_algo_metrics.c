/*
 * algo_node_metrics: when a node's metrics are too old to judge by, and
 * what FailedNodes then says (interface.md section 4).
 */
#include <string.h>

#include "algo.h"
#include "arena.h"
#include "config.h"
#include "nodestore.h"
#include "t.h"

static struct config *
load(const char *text)
{
	struct config_errors errs;
	struct config *c = config_load_string("t.ini", text, strlen(text),
	    &errs);

	if (c == NULL)
		config_errors_free(&errs);
	return c;
}

/* One source that says node `name` has 4 cpus, committed at time t. */
static void
feed(struct ns_store *st, const char *name, double t)
{
	struct ns_source_spec spec = { "http://127.0.0.1:9/metrics", NULL };
	struct ns_label l[2] = {
		{ "node", name, 4, strlen(name) },
		{ "dim", "cpu", 3, 3 },
	};
	struct ns_sample s = { "wca_node_capacity", 17, l, 2, 4.0 };
	struct ns_builder *b;

	ns_set_sources(st, &spec, 1);
	b = ns_builder_new(st, 0);
	T_EQ_INT(ns_builder_add(b, &s), NS_ADD_KEPT);
	T_EQ_INT(ns_commit(st, b, t), NS_OK);
}

static void
test_fresh_stale_unknown(void)
{
	struct config *cfg = load("[algorithm]\nname = NOP\n"
	    "[metrics]\nstaleness = 180\n");
	struct ns_store *st = ns_store_new();
	struct arena a;
	struct algo_ctx ctx;
	struct ext_node n1 = { "n1", 2, -1, -1 }, n9 = { "n9", 2, -1, -1 };
	struct ns_view v;
	const char *why = "unset";

	T_CHECK(cfg != NULL);
	if (cfg == NULL)
		return;
	arena_init(&a);
	feed(st, "n1", 100.0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	ctx.arena = &a;
	ctx.store = st;

	ctx.now = 150.0;
	T_EQ_INT(algo_node_metrics(&ctx, &n1, &v, &why), 0);
	T_CHECK(why == NULL);
	T_EQ_INT(v.state, NS_FRESH);
	T_CHECK(v.capacity_mask & (1u << DIM_CPU));
	T_CHECK(v.capacity[DIM_CPU] == 4.0);

	/* Exactly at the limit the data is still used; past it, not. */
	ctx.now = 280.0;
	T_EQ_INT(algo_node_metrics(&ctx, &n1, &v, &why), 0);
	ctx.now = 341.5;
	T_EQ_INT(algo_node_metrics(&ctx, &n1, &v, &why), -1);
	T_EQ_STR(why, "metrics for node n1 are 241 s old (staleness 180 s)");
	T_EQ_INT(v.state, NS_STALE);

	T_EQ_INT(algo_node_metrics(&ctx, &n9, &v, &why), -1);
	T_EQ_STR(why, "no metrics for node n9");
	T_EQ_INT(v.state, NS_UNKNOWN);

	/* No store at all (no [metrics] sources): every node is unknown. */
	ctx.store = NULL;
	T_EQ_INT(algo_node_metrics(&ctx, &n1, &v, &why), -1);
	T_EQ_STR(why, "no metrics for node n1");

	arena_free(&a);
	ns_store_free(st);
	config_free(cfg);
}

T_SUITE(
	{"fresh_stale_unknown", test_fresh_stale_unknown}
);
