/*
 * offline: the commands that run the server's decision code without
 * serving (no socket, no scrape), on a saved snapshot (snapshot.h).
 *
 *   wca-scheduler explain -c FILE --metrics SNAPSHOT.prom REQUEST.json
 *   wca-scheduler simulate -c FILE --metrics CLUSTER.prom --pods PODS
 *                          [--csv]
 *
 * argv[0] is the command's name.  Returns the exit status.
 */
#ifndef WCA_OFFLINE_H
#define WCA_OFFLINE_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "extender.h"

int offline_explain(int argc, char **argv);
int offline_simulate(int argc, char **argv);

/* What both commands run on: a configuration and a store read from a
 * snapshot, whose time is the clock. */
struct offline {
	struct config *cfg;
	struct ns_store *store;
	double now;			/* Unix seconds, the store's clock */
	size_t spare;			/* the store's source for additions */
	struct ext_scratch scratch;
};

/* 0, or the exit status after saying why on stderr (then nothing is
 * left to free). */
int offline_load(struct offline *o, const char *cmd, const char *config_path,
    const char *metrics_path);
void offline_free(struct offline *o);

/* The command line of explain (simulate = 0: one REQUEST argument) or
 * simulate (--pods, --csv).  0; -1 after --help (exit 0); or the exit
 * status after printing usage. */
struct offline_args {
	const char *config, *metrics, *pods, *request;
	int csv;
};
int offline_args(int argc, char **argv, int simulate, struct offline_args *a,
    void (*usage)(FILE *));

/* The whole of path ("-": standard input) appended to out; -1 (errno). */
int offline_read(const char *path, struct buf *out);

/* One extender call through the server's path; the HTTP status. */
int offline_call(struct offline *o, enum route verb, const char *body,
    size_t len, struct dec_log *log, struct buf *out);

#endif
