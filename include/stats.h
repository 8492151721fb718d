/*
 * stats: the server's own counters and histograms, rendered as
 * Prometheus text for GET /metrics.  Plain integers updated on the one
 * loop thread; no locking, no allocation on the request path.
 */
#ifndef WCA_STATS_H
#define WCA_STATS_H

#include <stdint.h>

#include "buf.h"

enum route {
	ROUTE_FILTER,
	ROUTE_PRIORITIZE,
	ROUTE_PREEMPT,
	ROUTE_METRICS,
	ROUTE_HEALTHZ,
	ROUTE_READYZ,
	ROUTE_STATUS,
	ROUTE_NODES,
	ROUTE_EXPLAIN,
	ROUTE_SNAPSHOT,
	ROUTE_OTHER,
	ROUTE_COUNT
};

/* The verbs timed in histograms are the first three routes. */
#define VERB_COUNT 3
#define LAT_BUCKETS 16
#define NODE_BUCKETS 9
#define CODE_SLOTS 20

struct stats {
	uint64_t requests[ROUTE_COUNT][CODE_SLOTS];
	uint64_t lat_bucket[VERB_COUNT][LAT_BUCKETS + 1];   /* last = +Inf */
	uint64_t lat_count[VERB_COUNT];
	double lat_sum[VERB_COUNT];                        /* seconds */
	uint64_t node_bucket[VERB_COUNT][NODE_BUCKETS + 1];
	uint64_t node_count[VERB_COUNT];
	uint64_t node_sum[VERB_COUNT];
	uint64_t body_bytes[VERB_COUNT];
	uint64_t passed_through[VERB_COUNT];
	uint64_t conns_accepted, conns_rejected, conns_timed_out;
	uint64_t open_conns;
	uint64_t loop_busy_us;		/* loop_busy_us(), as of the request */
	uint64_t reloads_ok, reloads_failed;
	/* TLS serving. */
	int tls_on;
	double tls_cert_not_after;                         /* unix seconds */
	uint64_t tls_handshakes, tls_handshakes_failed, tls_clients_refused;
	uint64_t tls_reloads_ok, tls_reloads_failed;
	int last_reload_ok;
	double last_reload_time;                           /* unix seconds */
	double start_time;
};

extern struct stats stats;

const char *route_name(enum route r);
enum route route_from_segment(const char *seg, size_t n);

void stats_request(enum route r, int status, uint64_t us, uint64_t body,
    long nodes);

/* The "# HELP" and "# TYPE" lines of one metric family. */
void stats_metric_head(struct buf *o, const char *name, const char *type,
    const char *help);

/* Append the exposition; `algorithm` labels build_info. */
void stats_render(struct buf *out, const char *algorithm);

#endif
