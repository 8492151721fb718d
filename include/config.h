/*
 * config: the INI file (interface.md section 2) as a typed, validated
 * value.  A config is built whole by config_load() and never changed
 * afterwards; a reload builds a new one and the caller swaps.
 */
#ifndef WCA_CONFIG_H
#define WCA_CONFIG_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/socket.h>

#include "log.h"

#define CONFIG_DEFAULT_PATH "/etc/wca-scheduler/wca-scheduler.ini"
#define CONFIG_ERR_MAX 64

enum dim {
	DIM_CPU,
	DIM_MEM,
	DIM_MEMBW_READ,
	DIM_MEMBW_WRITE,
	DIM_WSS,
	DIM_MEMBW,
	DIM_MEMBW_FLAT,
	DIM_COUNT
};

enum algo_id {
	ALGO_NOP,
	ALGO_FIT,
	ALGO_LEAST_USED,
	ALGO_BAR,
	ALGO_LEAST_USED_BAR,
	ALGO_HIER_BAR,
	ALGO_DRAM_HIT_RATIO,
	ALGO_SCORE,
	ALGO_STATIC_ASSIGNER,
	ALGO_TARGET_LOAD_PACKING,
	ALGO_LOAD_VARIATION_RISK,
	ALGO_LOW_RISK_OVERCOMMIT,
	ALGO_COUNT
};

enum score_mode { SCORE_CLAMP, SCORE_WCA };
enum unknown_app { UNKNOWN_APP_PASS, UNKNOWN_APP_FAIL };
enum fallback { FALLBACK_LEAST_ALLOCATED, FALLBACK_ZERO };

struct listen_addr {
	char text[80];                  /* as configured, normalised */
	int health;                     /* health_listen: plain HTTP, health
	                                   and metrics routes only */
	struct sockaddr_storage ss;
	socklen_t sslen;
};

struct metrics_source {
	char *url;                      /* as configured */
	char *node;                     /* node= label, or NULL */
	int https;
	char *host;                     /* without brackets */
	char *port;
	char *path;                     /* starts with '/' */
	int line;
	/* Resolved when the configuration is loaded: the loop never does. */
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

struct static_target {
	char *node;
	char *app;
	long count;
};

struct config {
	char *path;

	/* [server] */
	struct listen_addr *listen;
	size_t nlisten;
	char *tls_cert, *tls_key, *client_ca;
	char *user;			/* extension: drop to it when started as
					   root; NULL: none */
	unsigned long user_uid, user_gid;
	char **client_names;
	size_t nclient_names;
	unsigned max_connections;
	unsigned decisions;		/* kept for /explain; 0: off */
	char *capture_dir;		/* request bodies written there; NULL: off */
	unsigned capture_max;		/* files kept */
	uint64_t max_body;
	uint64_t max_header;
	double read_timeout, idle_timeout, drain_timeout;
	char **namespaces;
	size_t nnamespaces;
	int all_namespaces;
	enum score_mode score_mode;

	/* [loggers] */
	enum log_level levels[LOGGER_COUNT];

	/* [algorithm] */
	enum algo_id algo;
	enum dim dims[DIM_COUNT];
	size_t ndims;
	double max_node_score;
	double cpu_scale_factor;
	double least_used_weight;
	int has_merge_threshold;
	double merge_threshold;
	double threshold;
	int has_score_target;
	double score_target;
	int strict_mode_placement;
	enum unknown_app unknown_app;
	int has_least_used_weights;
	double least_used_weights[DIM_COUNT];
	int has_least_used_weight_for[DIM_COUNT];
	double bar_weights[DIM_COUNT];
	int has_bar_weight_for[DIM_COUNT];
	struct static_target *static_targets;	/* by node, then app */
	size_t nstatic_targets;

	/* [trimaran] */
	double target_utilization;
	double default_cpu_request;     /* millicores */
	double default_requests_multiplier;
	double safe_variance_margin;
	double safe_variance_sensitivity;
	long smoothing_window;
	double risk_limit_cpu, risk_limit_memory;
	enum fallback fallback;

	/* [metrics] */
	struct metrics_source *sources;
	size_t nsources;
	double interval, timeout, staleness, window;
	double rate_window;		/* extension: cpu rate smoothing for the
					   std, s; 0: none (raw interval rates) */
	double rate_step;		/* extension: std sample spacing, s;
					   0: every scrape */
	uint64_t max_scrape_size;       /* extension: body limit per scrape */
	char *node_label;
	char *metrics_ca, *metrics_cert, *metrics_key;

	/*
	 * The TLS files, loaded while the file is checked, so the server and
	 * the scraper use what was validated and nothing is read twice:
	 * tls (tls_cert, tls_key, client_ca, client_names) and metrics_tls
	 * ([metrics] ca, cert, key; only with an https:// source).  NULL when
	 * not configured.  Counted: take a tls_creds_ref() to keep one.
	 */
	struct tls_creds *tls, *metrics_tls;
};

/* Problems found while loading, each "FILE:LINE: message". */
struct config_errors {
	char *msg[CONFIG_ERR_MAX];
	size_t n;
	size_t dropped;
};

/*
 * Load and validate `path`.  Returns a new config, or NULL with every
 * problem found in `errs` (the caller prints them and calls
 * config_errors_free).  Listen addresses are resolved here, so the event
 * loop never resolves names.
 */
struct config *config_load(const char *path, struct config_errors *errs);
/* The same from memory; `name` is used in messages (tests, fuzzing). */
struct config *config_load_string(const char *name, const char *text,
    size_t len, struct config_errors *errs);
void config_free(struct config *c);
void config_errors_free(struct config_errors *e);
/* Each message on its own line, and how many were not kept. */
void config_errors_print(FILE *f, const struct config_errors *e);

const char *algo_name(enum algo_id a);
const char *dim_name(enum dim d);

/* Whether pods of `ns` are judged (else passed through). */
int config_namespace_judged(const struct config *c, const char *ns,
    size_t n);

#endif
