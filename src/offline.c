#include "offline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "decisions.h"
#include "extender.h"
#include "log.h"
#include "nodestore.h"
#include "snapshot.h"
#include "stats.h"

#define EXIT_RUNTIME 1
#define EXIT_CONFIG  2
#define OFFLINE_FILE_MAX ((size_t)1 << 30)	/* snapshots, requests, pods */

int
offline_read(const char *path, struct buf *out)
{
	return strcmp(path, "-") ? buf_read_path(out, path, OFFLINE_FILE_MAX)
	    : buf_read_fd(out, 0, OFFLINE_FILE_MAX);
}

int
offline_load(struct offline *o, const char *cmd, const char *config_path,
    const char *metrics_path)
{
	struct config_errors errs;
	struct ns_opts opts;
	struct buf text;
	char err[256];
	size_t malformed;

	memset(o, 0, sizeof(*o));
	o->cfg = config_load(config_path, &errs);
	if (o->cfg == NULL) {
		config_errors_print(stderr, &errs);
		config_errors_free(&errs);
		return EXIT_CONFIG;
	}
	/* What the algorithms would log goes to stderr, as the server's. */
	log_set_levels(o->cfg->levels);
	buf_init(&text);
	if (offline_read(metrics_path, &text) < 0) {
		fprintf(stderr, "wca-scheduler %s: %s: %s\n", cmd, metrics_path,
		    strerror(errno));
		buf_free(&text);
		config_free(o->cfg);
		return EXIT_RUNTIME;
	}
	memset(&opts, 0, sizeof(opts));
	opts.node_label = "node";	/* what snapshot_write() uses */
	opts.window = o->cfg->window;
	opts.rate_window = o->cfg->rate_window > 0 ? o->cfg->rate_window : -1;
	opts.rate_step = o->cfg->rate_step;
	o->store = snapshot_read(text.p, text.len, &opts, &o->now, &malformed,
	    &o->spare, err, sizeof(err));
	buf_free(&text);
	if (o->store == NULL) {
		fprintf(stderr, "wca-scheduler %s: %s: %s\n", cmd, metrics_path,
		    err);
		config_free(o->cfg);
		return EXIT_RUNTIME;
	}
	if (malformed)
		fprintf(stderr, "wca-scheduler %s: %s: %zu malformed lines "
		    "skipped\n", cmd, metrics_path, malformed);
	ext_scratch_init(&o->scratch);
	return 0;
}

void
offline_free(struct offline *o)
{
	ext_scratch_free(&o->scratch);
	ns_store_free(o->store);
	config_free(o->cfg);
}

int
offline_call(struct offline *o, enum route verb, const char *body,
    size_t len, struct dec_log *log, struct buf *out)
{
	long nodes;

	out->len = 0;
	return ext_handle_recorded(verb, o->cfg, o->store, o->now, o->now,
	    NULL, log, &o->scratch, body, len, out, &nodes);
}

static void
explain_usage(FILE *f)
{
	fprintf(f, "usage: wca-scheduler explain -c FILE --metrics SNAPSHOT.prom "
	    "REQUEST.json\n"
	    "  Answers REQUEST.json (ExtenderArgs; - for standard input) with "
	    "filter and\n  prioritize as the server configured by FILE would on "
	    "the metrics in SNAPSHOT.prom\n  (GET /snapshot), and prints each "
	    "answer and its per-node table.\n");
}

int
offline_args(int argc, char **argv, int simulate, struct offline_args *a,
    void (*usage)(FILE *))
{
	int i;

	memset(a, 0, sizeof(*a));
	a->config = CONFIG_DEFAULT_PATH;
	for (i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) &&
		    i + 1 < argc)
			a->config = argv[++i];
		else if (!strcmp(argv[i], "--metrics") && i + 1 < argc)
			a->metrics = argv[++i];
		else if (simulate && !strcmp(argv[i], "--pods") && i + 1 < argc)
			a->pods = argv[++i];
		else if (simulate && !strcmp(argv[i], "--csv"))
			a->csv = 1;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return -1;
		} else if (!simulate && a->request == NULL &&
		    (argv[i][0] != '-' || !strcmp(argv[i], "-")))
			a->request = argv[i];
		else {
			fprintf(stderr, "wca-scheduler %s: unexpected argument "
			    "'%s'\n", argv[0], argv[i]);
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (a->metrics == NULL || (simulate ? a->pods : a->request) == NULL) {
		usage(stderr);
		return EXIT_CONFIG;
	}
	if (!strcmp(a->metrics, "-") && !strcmp(simulate ? a->pods :
	    a->request, "-")) {
		fprintf(stderr, "wca-scheduler %s: only one of the files can be "
		    "standard input (-)\n", argv[0]);
		return EXIT_CONFIG;
	}
	return 0;
}

int
offline_explain(int argc, char **argv)
{
	static const enum route verbs[2] = { ROUTE_FILTER, ROUTE_PRIORITIZE };
	struct offline_args args;
	struct offline o;
	struct dec_log *log;
	struct buf body, out;
	int i, rc, worst = 200;
	const char *request;

	rc = offline_args(argc, argv, 0, &args, explain_usage);
	if (rc)
		return rc < 0 ? 0 : rc;
	request = args.request;
	rc = offline_load(&o, "explain", args.config, args.metrics);
	if (rc)
		return rc;
	buf_init(&body);
	buf_init(&out);
	if (offline_read(request, &body) < 0) {
		fprintf(stderr, "wca-scheduler explain: %s: %s\n", request,
		    strerror(errno));
		offline_free(&o);
		buf_free(&body);
		return EXIT_RUNTIME;
	}
	log = dec_log_new(1);
	for (i = 0; i < 2; i++) {
		int status = offline_call(&o, verbs[i], body.p, body.len, log,
		    &out);

		printf("%s: %d\n%.*s", route_name(verbs[i]), status,
		    (int)out.len, out.p);
		if (ext_record(&o.scratch)) {
			out.len = 0;
			dec_explain_text(log, &out);
			printf("%.*s", (int)out.len, out.p);
		}
		if (i == 0)
			printf("\n");
		if (status != 200)
			worst = status;
	}
	dec_log_free(log);
	buf_free(&body);
	buf_free(&out);
	offline_free(&o);
	return worst == 200 ? 0 : EXIT_RUNTIME;
}
