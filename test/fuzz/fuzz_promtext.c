/*
 * The Prometheus text parser as the scraper drives it: each exposition
 * arrives in pieces (split where the first byte says) and every sample
 * goes into a node store builder, which is committed in steps and read
 * back for each node.  The input holds up to eight scrapes of one source
 * separated by "\f\f", committed 5 s apart into a fresh store, so rates
 * and histories meet within the input.  Nothing is carried from one
 * input to the next: a finding replays from its input alone, and
 * libFuzzer's per-input leak check sees every allocation freed (state
 * kept across inputs made it scan the whole heap after most inputs).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nodestore.h"
#include "promtext.h"
#include "scrape.h"

#define SCRAPES_MAX	8

FUZZ_QUIET_INIT()

/* The next "\f\f" in [p, end), or NULL (memmem is a GNU extension). */
static const char *
next_sep(const char *p, const char *end)
{
	while ((p = memchr(p, '\f', (size_t)(end - p))) != NULL) {
		if (end - p >= 2 && p[1] == '\f')
			return p;
		p++;
	}
	return NULL;
}

static void
scrape_once(struct ns_store *store, struct prom_parser *parser,
    const char *text, size_t size, size_t step, double now)
{
	struct ns_builder *b;
	const struct ns_node *n;
	struct ns_view v;
	size_t have, pos = 0;
	int r;

	prom_parser_reset(parser);
	b = ns_builder_new(store, 0);
	for (have = 0; have < size;) {
		have = have + step > size ? size : have + step;
		prom_feed(parser, text, have, &pos, have == size, 0,
		    scrape_add_sample, b);
	}
	if (size == 0)
		prom_feed(parser, "", 0, &pos, 1, 0, scrape_add_sample, b);
	ns_commit_begin(b, now);
	do
		r = ns_commit_step(store, b, 64);
	while (r == NS_MORE);
	for (n = ns_first(store); n != NULL; n = ns_next(n))
		ns_view(store, n, now, 30, &v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ns_source_spec spec = { "http://127.0.0.1:9/metrics", NULL };
	struct ns_opts o = { NULL, 60, 20, 10 };
	struct prom_parser parser;
	struct ns_store *store;
	const char *p, *end, *sep;
	size_t step;
	double now = 1.7e9;
	int i;

	if (size < 1)
		return 0;
	step = 1 + data[0] % 128;
	p = (const char *)data + 1;
	end = (const char *)data + size;
	store = ns_store_new();
	ns_configure(store, &o);
	ns_set_sources(store, &spec, 1);
	prom_parser_init(&parser);
	for (i = 0; i < SCRAPES_MAX; i++) {
		sep = i + 1 < SCRAPES_MAX ? next_sep(p, end) : NULL;
		scrape_once(store, &parser, p, (size_t)((sep ? sep : end) - p),
		    step, now);
		now += 5;
		if (sep == NULL)
			break;
		p = sep + 2;
	}
	prom_parser_free(&parser);
	ns_store_free(store);
	return 0;
}
