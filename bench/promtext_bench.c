/*
 * promtext_bench: how fast the Prometheus text parser reads a scrape.
 * Each file given (default: the node_exporter corpus) is repeated whole
 * until the text is about 1 MB (10^6 bytes), then parsed with
 * prom_feed() until at least 0.5 s has passed, in one call and in calls
 * of 1000 lines as the scraper makes them; the callback touches every
 * sample so that nothing is optimised away.  Prints one markdown row a
 * file and mode, the best run counted.
 *
 *   build/bench/promtext_bench [FILE...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "buf.h"
#include "promtext.h"

#define DEFAULT_FILE	"test/data/promtext/node_exporter-1.5.0.txt"
#define TARGET_BYTES	1000000


struct sink {
	double sum;
	size_t labels;
};

static int
sink_fn(void *ctx, const struct prom_sample *s)
{
	struct sink *k = ctx;

	k->sum += s->value;
	k->labels += s->nlabels + s->name.n;
	return 0;
}

/* Seconds for one parse of text, best of the repetitions. */
static double
time_runs(struct prom_parser *p, const char *text, size_t len,
    size_t max_lines, struct sink *k)
{
	double t0, t, best = 1e9, start = bench_now();
	int runs = 0;

	do {
		size_t pos = 0;
		int r;

		t0 = bench_now();
		prom_parser_reset(p);
		do
			r = prom_feed(p, text, len, &pos, 1, max_lines, sink_fn,
			    k);
		while (r == PROM_FEED_BUDGET);
		t = bench_now() - t0;
		if (r != PROM_FEED_END || pos != len) {
			fprintf(stderr, "promtext_bench: feed stopped at %zu\n",
			    pos);
			exit(1);
		}
		if (t < best)
			best = t;
		runs++;
	} while (bench_now() - start < 0.5 || runs < 3);
	return best;
}

int
main(int argc, char **argv)
{
	static const size_t budgets[] = {0, 1000};
	struct prom_parser p;
	struct sink k = {0, 0};
	int i, first = 1;
	size_t j;

	printf("| file | mode | bytes | lines | samples | best ms per MB "
	    "| MB/s | ns per sample |\n");
	printf("|---|---|---:|---:|---:|---:|---:|---:|\n");
	prom_parser_init(&p);
	for (i = 1; i < argc || first; i++) {
		const char *path = i < argc ? argv[i] : DEFAULT_FILE;
		const char *base = strrchr(path, '/');
		struct buf text;
		size_t len;
		char *one = bench_slurp(path, &len);

		first = 0;
		if (len == 0) {
			fprintf(stderr, "promtext_bench: %s is empty\n", path);
			return 1;
		}
		buf_init(&text);
		do {
			buf_add(&text, one, len);
			/* A file without a final LF still gives whole lines. */
			if (one[len - 1] != '\n')
				buf_addc(&text, '\n');
		} while (text.len < TARGET_BYTES);
		for (j = 0; j < sizeof(budgets) / sizeof(budgets[0]); j++) {
			double best = time_runs(&p, text.p, text.len,
			    budgets[j], &k);
			double mb = (double)text.len / 1e6;

			if (p.st.malformed != 0)
				fprintf(stderr, "promtext_bench: %s: %llu "
				    "malformed lines, first at %llu: %s\n",
				    path, (unsigned long long)p.st.malformed,
				    (unsigned long long)p.st.bad[0].line,
				    p.st.bad[0].why);
			printf("| %s | %s | %zu | %llu | %llu | %.3f | %.0f | "
			    "%.1f |\n", base ? base + 1 : path,
			    budgets[j] ? "1000 lines a call" : "one call",
			    text.len, (unsigned long long)p.st.lines,
			    (unsigned long long)p.st.samples,
			    best * 1e3 / mb, mb / best,
			    best * 1e9 / (double)p.st.samples);
		}
		buf_free(&text);
		free(one);
	}
	prom_parser_free(&p);
	/* Keeps the sink alive; never true for real data. */
	if (k.labels == 0)
		printf("%g\n", k.sum);
	return 0;
}
