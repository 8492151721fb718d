/*
 * The JSON validator and tokenizer wrapper, the ExtenderArgs and
 * ExtenderPreemptionArgs decoders and the pod-resources decoder, through
 * ext_handle() as a connection uses it: one scratch kept from input to
 * input, every verb, under a WCA configuration and the load-aware ones
 * (which decode the pod's resources), with and without a node store.
 */
#include <stdlib.h>

#include "buf.h"
#include "config.h"
#include "extender.h"
#include "fuzz.h"
#include "nodestore.h"

static struct config *cfgs[3];
static struct ns_store *store;
static struct ext_scratch scratch;

static struct config *
load(const char *text)
{
	struct config_errors errs;
	struct config *c = config_load_string("fuzz.ini", text, strlen(text),
	    &errs);

	if (c == NULL)
		abort();
	return c;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ns_source_spec spec = { "http://127.0.0.1:9/metrics", NULL };
	struct ns_builder *b;
	struct ns_label l[2] = { { "node", "n1", 4, 2 }, { "dim", "cpu", 3,
	    3 } };
	struct ns_sample s = { "wca_node_capacity", 17, l, 2, 8 };

	(void)argc;
	(void)argv;
	fuzz_quiet();
	cfgs[0] = load("[algorithm]\nname = LeastUsedBAR\n"
	    "dimensions = cpu\n[server]\nnamespaces = *\n");
	cfgs[1] = load("[algorithm]\nname = TargetLoadPacking\n"
	    "[server]\nnamespaces = *\n");
	cfgs[2] = load("[algorithm]\nname = LowRiskOverCommitment\n"
	    "max_node_score = 100\n[server]\nnamespaces = *\n");
	store = ns_store_new();
	ns_set_sources(store, &spec, 1);
	b = ns_builder_new(store, 0);
	ns_builder_add(b, &s);
	if (ns_commit(store, b, 1.0) != NS_OK)
		abort();
	ext_scratch_init(&scratch);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum route routes[3] = {
		ROUTE_FILTER, ROUTE_PRIORITIZE, ROUTE_PREEMPT
	};
	struct buf out;
	long nodes;
	size_t i;

	if (size < 1)
		return 0;
	buf_init(&out);
	/* the first byte picks the configuration and whether there is a
	 * store; every verb sees the same body */
	for (i = 0; i < 3; i++) {
		out.len = 0;
		(void)ext_handle(routes[i], cfgs[data[0] % 3],
		    (data[0] & 4) ? store : NULL, 2.0, 1.7e9, NULL, &scratch,
		    (const char *)data + 1, size - 1, &out, &nodes);
	}
	buf_free(&out);
	return 0;
}
