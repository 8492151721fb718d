/*
 * decode_bench: how fast request bodies are decoded and answered, without
 * the network.  For each body file given: json_parse() alone, then the
 * whole filter and prioritize handlers (parse, decode, NOP, write), each
 * repeated until at least 0.5 s has passed, on buffers that stay warm the
 * way a keep-alive connection keeps them.  Prints one markdown row a file.
 *
 *   build/bench/decode_bench FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "buf.h"
#include "config.h"
#include "extender.h"
#include "json.h"


/* Seconds per run of `what` on the body, best of the repetitions. */
static double
time_runs(int what, const struct config *cfg, struct ext_scratch *s,
    struct buf *out, const char *body, size_t len, uint32_t *ntok)
{
	char err[JSON_ERR_LEN];
	double t0, t, best = 1e9, start = bench_now();
	long nodes;
	int runs = 0;

	do {
		t0 = bench_now();
		out->len = 0;
		if (what == 0) {
			if (json_parse(&s->doc, body, len, err) < 0) {
				fprintf(stderr, "decode_bench: %s\n", err);
				exit(1);
			}
			*ntok = s->doc.ntok;
		} else if (ext_handle(what == 1 ? ROUTE_FILTER :
		    ROUTE_PRIORITIZE, cfg, NULL, 0, 0, NULL, s, body, len, out,
		    &nodes) != 200) {
			fprintf(stderr, "decode_bench: status not 200: %.*s\n",
			    (int)(out->len < 200 ? out->len : 200), out->p);
			exit(1);
		}
		t = bench_now() - t0;
		if (t < best)
			best = t;
		runs++;
	} while (bench_now() - start < 0.5 || runs < 3);
	return best;
}

int
main(int argc, char **argv)
{
	struct config_errors errs = { 0 };
	struct config *cfg;
	struct ext_scratch s;
	struct buf out;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: decode_bench BODY.json...\n");
		return 2;
	}
	static const char conf[] = "[algorithm]\nname = NOP\n";

	cfg = config_load_string("decode_bench", conf, sizeof(conf) - 1,
	    &errs);
	if (cfg == NULL) {
		fprintf(stderr, "decode_bench: built-in config rejected\n");
		return 1;
	}
	ext_scratch_init(&s);
	buf_init(&out);
	printf("| body | MB | tokens | json_parse MB/s | filter MB/s | "
	    "filter ms | prioritize MB/s | prioritize ms |\n"
	    "|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 1; i < argc; i++) {
		size_t len;
		char *body = bench_slurp(argv[i], &len);
		const char *name = strrchr(argv[i], '/');
		uint32_t ntok = 0;
		double mb = (double)len / 1e6, tp, tf, tr;

		tp = time_runs(0, cfg, &s, &out, body, len, &ntok);
		tf = time_runs(1, cfg, &s, &out, body, len, &ntok);
		tr = time_runs(2, cfg, &s, &out, body, len, &ntok);
		printf("| %s | %.2f | %u | %.0f | %.0f | %.3f | %.0f | %.3f |\n",
		    name ? name + 1 : argv[i], mb, ntok, mb / tp, mb / tf,
		    tf * 1e3, mb / tr, tr * 1e3);
		fflush(stdout);
		free(body);
	}
	buf_free(&out);
	ext_scratch_free(&s);
	config_free(cfg);
	config_errors_free(&errs);
	return 0;
}
