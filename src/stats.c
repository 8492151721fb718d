#include "stats.h"

#include <string.h>

#include "config.h"
#include "version.h"

struct stats stats;

static const char *const route_names[ROUTE_COUNT] = {
	"filter", "prioritize", "preempt", "metrics", "healthz", "readyz",
	"status", "nodes", "explain", "snapshot", "other"
};

/* Status codes the server can answer; the last slot counts the rest. */
static const int codes[CODE_SLOTS - 1] = {
	100, 200, 204, 400, 403, 404, 405, 408, 411, 413, 414, 415, 417,
	431, 500, 501, 503, 505, 429
};

/* Latency bucket bounds in microseconds: 10 us .. 1 s. */
static const uint64_t lat_bounds[LAT_BUCKETS] = {
	10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
	100000, 250000, 500000, 1000000
};

static const uint64_t node_bounds[NODE_BUCKETS] = {
	1, 5, 10, 50, 100, 250, 500, 1000, 5000
};

const char *
route_name(enum route r)
{
	return route_names[r];
}

enum route
route_from_segment(const char *seg, size_t n)
{
	int i;

	for (i = 0; i < ROUTE_OTHER; i++)
		if (strlen(route_names[i]) == n &&
		    memcmp(route_names[i], seg, n) == 0)
			return (enum route)i;
	return ROUTE_OTHER;
}

static int
code_slot(int status)
{
	int i;

	for (i = 0; i < CODE_SLOTS - 1; i++)
		if (codes[i] == status)
			return i;
	return CODE_SLOTS - 1;
}

void
stats_request(enum route r, int status, uint64_t us, uint64_t body,
    long nodes)
{
	int i;

	stats.requests[r][code_slot(status)]++;
	if (r >= VERB_COUNT)
		return;
	for (i = 0; i < LAT_BUCKETS && us > lat_bounds[i]; i++)
		;
	stats.lat_bucket[r][i]++;
	stats.lat_count[r]++;
	stats.lat_sum[r] += (double)us / 1e6;
	stats.body_bytes[r] += body;
	if (nodes >= 0) {
		for (i = 0; i < NODE_BUCKETS &&
		    (uint64_t)nodes > node_bounds[i]; i++)
			;
		stats.node_bucket[r][i]++;
		stats.node_count[r]++;
		stats.node_sum[r] += (uint64_t)nodes;
	}
}

void
stats_metric_head(struct buf *o, const char *name, const char *type,
    const char *help)
{
	buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A metric with one unlabelled sample. */
static void
stats_scalar(struct buf *o, const char *name, const char *type,
    const char *help, uint64_t v)
{
	stats_metric_head(o, name, type, help);
	buf_printf(o, "%s %llu\n", name, (unsigned long long)v);
}


void
stats_render(struct buf *o, const char *algorithm)
{
	uint64_t cum;
	int r, i;

	stats_metric_head(o, "wca_scheduler_requests_total", "counter",
	    "HTTP requests answered, by route and status code.");
	for (r = 0; r < ROUTE_COUNT; r++) {
		for (i = 0; i < CODE_SLOTS; i++) {
			if (!stats.requests[r][i])
				continue;
			if (i < CODE_SLOTS - 1)
				buf_printf(o, "wca_scheduler_requests_total"
				    "{route=\"%s\",code=\"%d\"} %llu\n",
				    route_names[r], codes[i],
				    (unsigned long long)stats.requests[r][i]);
			else
				buf_printf(o, "wca_scheduler_requests_total"
				    "{route=\"%s\",code=\"other\"} %llu\n",
				    route_names[r],
				    (unsigned long long)stats.requests[r][i]);
		}
	}
	stats_metric_head(o, "wca_scheduler_request_duration_seconds", "histogram",
	    "Time from the complete request to the queued answer, by verb.");
	for (r = 0; r < VERB_COUNT; r++) {
		cum = 0;
		for (i = 0; i <= LAT_BUCKETS; i++) {
			cum += stats.lat_bucket[r][i];
			if (i < LAT_BUCKETS)
				buf_printf(o, "wca_scheduler_request_duration_"
				    "seconds_bucket{verb=\"%s\",le=\"%g\"} "
				    "%llu\n", route_names[r],
				    (double)lat_bounds[i] / 1e6,
				    (unsigned long long)cum);
			else
				buf_printf(o, "wca_scheduler_request_duration_"
				    "seconds_bucket{verb=\"%s\",le=\"+Inf\"} "
				    "%llu\n", route_names[r],
				    (unsigned long long)cum);
		}
		buf_printf(o, "wca_scheduler_request_duration_seconds_sum"
		    "{verb=\"%s\"} %.9g\n", route_names[r], stats.lat_sum[r]);
		buf_printf(o, "wca_scheduler_request_duration_seconds_count"
		    "{verb=\"%s\"} %llu\n", route_names[r],
		    (unsigned long long)stats.lat_count[r]);
	}
	stats_metric_head(o, "wca_scheduler_request_nodes", "histogram",
	    "Nodes per extender request, by verb.");
	for (r = 0; r < VERB_COUNT; r++) {
		cum = 0;
		for (i = 0; i <= NODE_BUCKETS; i++) {
			cum += stats.node_bucket[r][i];
			if (i < NODE_BUCKETS)
				buf_printf(o, "wca_scheduler_request_nodes_bucket"
				    "{verb=\"%s\",le=\"%llu\"} %llu\n",
				    route_names[r],
				    (unsigned long long)node_bounds[i],
				    (unsigned long long)cum);
			else
				buf_printf(o, "wca_scheduler_request_nodes_bucket"
				    "{verb=\"%s\",le=\"+Inf\"} %llu\n",
				    route_names[r], (unsigned long long)cum);
		}
		buf_printf(o, "wca_scheduler_request_nodes_sum{verb=\"%s\"} "
		    "%llu\n", route_names[r],
		    (unsigned long long)stats.node_sum[r]);
		buf_printf(o, "wca_scheduler_request_nodes_count{verb=\"%s\"} "
		    "%llu\n", route_names[r],
		    (unsigned long long)stats.node_count[r]);
	}
	stats_metric_head(o, "wca_scheduler_request_body_bytes_total", "counter",
	    "Request body bytes received, by verb.");
	for (r = 0; r < VERB_COUNT; r++)
		buf_printf(o, "wca_scheduler_request_body_bytes_total"
		    "{verb=\"%s\"} %llu\n", route_names[r],
		    (unsigned long long)stats.body_bytes[r]);
	stats_metric_head(o, "wca_scheduler_pods_passed_through_total", "counter",
	    "Pods outside the configured namespaces, passed through unjudged.");
	for (r = 0; r < 2; r++)
		buf_printf(o, "wca_scheduler_pods_passed_through_total"
		    "{verb=\"%s\"} %llu\n", route_names[r],
		    (unsigned long long)stats.passed_through[r]);
	stats_scalar(o, "wca_scheduler_open_connections", "gauge",
	    "Client connections open now.", stats.open_conns);
	stats_scalar(o, "wca_scheduler_connections_total", "counter",
	    "Client connections accepted.", stats.conns_accepted);
	stats_scalar(o, "wca_scheduler_connections_rejected_total", "counter",
	    "Connections closed at once because max_connections was reached.", stats.conns_rejected);
	stats_metric_head(o, "wca_scheduler_event_loop_busy_seconds_total",
	    "counter", "Time the event loop spent working rather than waiting "
	    "in poll(); a rate near 1 means its core is saturated.");
	buf_printf(o, "wca_scheduler_event_loop_busy_seconds_total %.6f\n",
	    (double)stats.loop_busy_us / 1e6);
	stats_scalar(o, "wca_scheduler_connections_timed_out_total", "counter",
	    "Connections closed by read_timeout or idle_timeout.", stats.conns_timed_out);
	stats_metric_head(o, "wca_scheduler_config_reloads_total", "counter",
	    "Configuration reloads (SIGHUP), by result.");
	buf_printf(o, "wca_scheduler_config_reloads_total{result=\"success\"} "
	    "%llu\n", (unsigned long long)stats.reloads_ok);
	buf_printf(o, "wca_scheduler_config_reloads_total{result=\"failure\"} "
	    "%llu\n", (unsigned long long)stats.reloads_failed);
	stats_metric_head(o, "wca_scheduler_config_last_reload_successful", "gauge",
	    "1 when the last reload (or the start) loaded the file.");
	buf_printf(o, "wca_scheduler_config_last_reload_successful %d\n",
	    stats.last_reload_ok);
	stats_metric_head(o, "wca_scheduler_config_last_reload_timestamp_seconds", "gauge",
	    "Unix time of the last reload attempt (or the start).");
	buf_printf(o, "wca_scheduler_config_last_reload_timestamp_seconds "
	    "%.3f\n", stats.last_reload_time);
	if (stats.tls_on) {
		stats_metric_head(o, "wca_scheduler_tls_certificate_expiry_timestamp_seconds",
		    "gauge", "notAfter of the serving certificate, Unix time.");
		buf_printf(o, "wca_scheduler_tls_certificate_expiry_timestamp_seconds "
		    "%.0f\n", stats.tls_cert_not_after);
		stats_scalar(o, "wca_scheduler_tls_handshakes_total", "counter",
		    "TLS handshakes completed (full or resumed).",
		    stats.tls_handshakes);
		stats_scalar(o, "wca_scheduler_tls_handshake_failures_total",
		    "counter", "TLS handshakes that failed or were abandoned.",
		    stats.tls_handshakes_failed);
		stats_scalar(o, "wca_scheduler_tls_clients_refused_total",
		    "counter", "Verified clients whose name is not in "
		    "client_names (answered 403).", stats.tls_clients_refused);
		stats_metric_head(o, "wca_scheduler_tls_reloads_total", "counter",
		    "Loads of changed TLS files (SIGHUP or a file change), by "
		    "result.");
		buf_printf(o, "wca_scheduler_tls_reloads_total{result=\"success\"} "
		    "%llu\n", (unsigned long long)stats.tls_reloads_ok);
		buf_printf(o, "wca_scheduler_tls_reloads_total{result=\"failure\"} "
		    "%llu\n", (unsigned long long)stats.tls_reloads_failed);
	}
	stats_metric_head(o, "wca_scheduler_start_time_seconds", "gauge",
	    "Unix time the process started.");
	buf_printf(o, "wca_scheduler_start_time_seconds %.3f\n",
	    stats.start_time);
	stats_metric_head(o, "wca_scheduler_build_info", "gauge",
	    "Always 1; the labels describe the build and the algorithm.");
	buf_printf(o, "wca_scheduler_build_info{version=\"%s\",revision=\"%s\","
	    "algorithm=\"%s\"} 1\n", wca_version, wca_revision, algorithm);
}
