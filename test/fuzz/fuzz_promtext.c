/*
 * The Prometheus text parser as the scraper drives it: the exposition
 * arrives in pieces (split where the first byte says) and every sample
 * goes into a node store builder, which is committed in steps and read
 * back for each node, on top of the previous input's snapshot (so the
 * rates and histories of one input meet the next).
 */
#include <math.h>
#include <stdlib.h>

#include "fuzz.h"
#include "nodestore.h"
#include "promtext.h"
#include "scrape.h"

static struct ns_store *store;
static struct prom_parser parser;
static double clock_s;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct ns_source_spec spec = { "http://127.0.0.1:9/metrics", NULL };
	struct ns_opts o = { NULL, 60, 20, 10 };

	(void)argc;
	(void)argv;
	fuzz_quiet();
	store = ns_store_new();
	ns_configure(store, &o);
	ns_set_sources(store, &spec, 1);
	prom_parser_init(&parser);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_builder *b;
	const struct ns_node *n;
	struct ns_view v;
	size_t step, have, pos = 0;
	int r;

	if (size < 1)
		return 0;
	step = 1 + data[0] % 128;
	data++;
	size--;
	prom_parser_reset(&parser);
	b = ns_builder_new(store, 0);
	for (have = 0; have < size;) {
		have = have + step > size ? size : have + step;
		prom_feed(&parser, (const char *)data, have, &pos, have == size,
		    0, scrape_add_sample, b);
	}
	if (size == 0)
		prom_feed(&parser, "", 0, &pos, 1, 0, scrape_add_sample, b);
	clock_s += 5;
	ns_commit_begin(b, clock_s);
	do
		r = ns_commit_step(store, b, 64);
	while (r == NS_MORE);
	for (n = ns_first(store); n != NULL; n = ns_next(n))
		ns_view(store, n, clock_s, 30, &v);
	return 0;
}
