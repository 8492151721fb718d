/*
 * wca-scheduler: a Kubernetes scheduler extender.
 *
 * Start-up, signals and exit codes.  Signals are turned into loop events
 * through a self-pipe, so reload and shutdown run on the loop between
 * requests, never inside a handler.
 */
#include <errno.h>
#include <grp.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "loop.h"
#include "nodestore.h"
#include "notify.h"
#include "offline.h"
#include "scrape.h"
#include "server.h"
#include "stats.h"
#include "tls.h"
#include "version.h"

#define EXIT_RUNTIME 1
#define EXIT_CONFIG  2

static int sig_pipe[2] = { -1, -1 };

struct app {
	struct loop *loop;
	struct server *srv;
	struct ns_store *store;
	struct scraper *scraper;
	const char *config_path;
	struct loop_timer drain_timer;
	int stop;
	int exit_code;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: wca-scheduler [-c FILE] [--check-config] [--allow-root] [--version]\n"
"                     [--help]\n"
"       wca-scheduler explain -c FILE --metrics SNAPSHOT.prom REQUEST.json\n"
"       wca-scheduler simulate -c FILE --metrics CLUSTER.prom --pods PODS\n"
"                     [--csv]\n"
"\n"
"A Kubernetes scheduler extender: kube-scheduler calls POST .../filter,\n"
".../prioritize and .../preempt; the server answers with the configured\n"
"algorithm.  It runs in the foreground and logs to stderr.\n"
"\n"
"  -c FILE, --config FILE  configuration (INI), default\n"
"                          " CONFIG_DEFAULT_PATH "\n"
"  --check-config          validate FILE, print 'ok' or one\n"
"                          'FILE:LINE: message' per problem; exit 0 or 2\n"
"  --allow-root            run as root without [server] user (as root,\n"
"                          it otherwise drops to that user after binding,\n"
"                          or refuses to start without one)\n"
"  --version               print the version and exit\n"
"  -h, --help              this text\n"
"\n"
"Routes: POST filter, prioritize, preempt (matched on the last path\n"
"segment); GET /healthz, /readyz, /status, /metrics, /nodes, and\n"
"/explain[?pod=NS/NAME] (the last [server] decisions, default 256) and\n"
"/snapshot (the metrics store as the algorithms see it, Prometheus text).\n"
"explain answers a saved request (capture_dir) on a saved snapshot\n"
"without serving; simulate places pods ('app count' lines or a JSON list\n"
"of Pods) one by one and reports the cluster (docs/algorithms.md).\n"
"Algorithms: NOP Fit LeastUsed BAR LeastUsedBAR HierBAR\n"
"DramHitRatioProvision Score StaticAssigner (WCA), and TargetLoadPacking\n"
"LoadVariationRiskBalancing LowRiskOverCommitment (Trimaran, [trimaran];\n"
"scores round(score * max_node_score / 100)).  Node metrics are scraped\n"
"from the [metrics] sources (Prometheus text endpoints).\n"
"HTTPS with tls_cert and tls_key (mTLS with client_ca, client_names);\n"
"the TLS files are re-read on SIGHUP and when they change.\n"
"Signals: SIGHUP reloads the configuration (a bad file is rejected and\n"
"the old one keeps serving); SIGTERM or SIGINT stop accepting, finish\n"
"requests in flight (at most drain_timeout seconds) and exit 0.\n"
"Exit status: 0 clean shutdown, 1 runtime failure, 2 configuration error.\n");
}

static void
on_signal(int signo)
{
	unsigned char b = (unsigned char)signo;
	int saved = errno;

	/* A full pipe already holds a wake-up; dropping this one is fine. */
	if (write(sig_pipe[1], &b, 1) < 0)
		(void)0;
	errno = saved;
}

static int
signals_setup(char *err, size_t errlen)
{
	struct sigaction sa;
	int i;

	if (pipe(sig_pipe) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) |
		    O_NONBLOCK);
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}

/*
 * Started as root with [server] user: the listeners are bound and the
 * keys read, so become that account for good (its group, no other
 * groups) before anything touches the network.  Not root: nothing to do.
 */
static int
drop_privileges(const struct config *cfg, char *err, size_t errlen)
{
	uid_t uid = (uid_t)cfg->user_uid;
	gid_t gid = (gid_t)cfg->user_gid;

	if (cfg->user == NULL)
		return 0;
	if (geteuid() != 0) {
		log_info(LOGGER_SERVER, "user=%s ignored: not started as root",
		    cfg->user);
		return 0;
	}
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		snprintf(err, errlen, "cannot become user %s: %s", cfg->user,
		    strerror(errno));
		return -1;
	}
	if (uid != 0 && (setuid(0) == 0 || geteuid() == 0)) {
		snprintf(err, errlen, "still root after becoming %s", cfg->user);
		return -1;
	}
	log_info(LOGGER_SERVER, "running as user=%s uid=%lu gid=%lu",
	    cfg->user, cfg->user_uid, cfg->user_gid);
	return 0;
}

static void
reload(struct app *a)
{
	struct config_errors errs;
	struct config *cfg;
	char err[256];
	size_t i;

	stats.last_reload_time = loop_unix_now();
	log_info(LOGGER_SERVER, "reloading configuration path=%s",
	    a->config_path);
	notify_send("RELOADING=1");
	cfg = config_load(a->config_path, &errs);
	if (cfg == NULL) {
		for (i = 0; i < errs.n; i++)
			log_error(LOGGER_SERVER, "reload rejected, the old "
			    "configuration keeps serving: %s", errs.msg[i]);
		config_errors_free(&errs);
		stats.reloads_failed++;
		stats.last_reload_ok = 0;
		notify_send("READY=1\nSTATUS=reload rejected, the old "
		    "configuration serves");
		return;
	}
	if ((cfg->user == NULL) != (server_config(a->srv)->user == NULL) ||
	    (cfg->user && strcmp(cfg->user, server_config(a->srv)->user)))
		log_warn(LOGGER_SERVER, "a change of [server] user takes effect "
		    "at the next start");
	if (server_reload(a->srv, cfg, err, sizeof(err)) < 0) {
		log_error(LOGGER_SERVER, "reload rejected, the old configuration "
		    "keeps serving: %s", err);
		config_free(cfg);
		stats.reloads_failed++;
		stats.last_reload_ok = 0;
		notify_send("READY=1\nSTATUS=reload rejected, the old "
		    "configuration serves");
		return;
	}
	log_set_levels(cfg->levels);
	scraper_reconfigure(a->scraper, cfg);
	stats.reloads_ok++;
	stats.last_reload_ok = 1;
	notify_send("READY=1\nSTATUS=serving");
	log_info(LOGGER_SERVER, "configuration reloaded path=%s algorithm=%s",
	    a->config_path, algo_name(cfg->algo));
}

static void
on_drain_timeout(struct loop *l, void *arg)
{
	struct app *a = arg;

	(void)l;
	log_warn(LOGGER_SERVER, "drain_timeout reached, closing connections=%zu",
	    server_connections(a->srv));
	a->stop = 1;
}

static void
start_drain(struct app *a, int signo)
{
	if (server_draining(a->srv))
		return;
	log_info(LOGGER_SERVER, "shutting down signal=%s connections=%zu",
	    signo == SIGINT ? "SIGINT" : "SIGTERM", server_connections(a->srv));
	server_drain(a->srv);
	notify_send("STOPPING=1");
	loop_timer_after(a->loop, &a->drain_timer,
	    (uint64_t)(server_config(a->srv)->drain_timeout * 1000.0));
}

static void
on_signal_pipe(struct loop *l, int fd, int revents, void *arg)
{
	struct app *a = arg;
	unsigned char sigs[64];
	ssize_t n, i;

	(void)l;
	(void)revents;
	while ((n = read(fd, sigs, sizeof(sigs))) > 0) {
		for (i = 0; i < n; i++) {
			if (sigs[i] == SIGHUP)
				reload(a);
			else
				start_drain(a, sigs[i]);
		}
	}
}

static int
check_config(const char *path)
{
	struct config_errors errs;
	struct config *cfg = config_load(path, &errs);

	if (cfg == NULL) {
		config_errors_print(stdout, &errs);
		config_errors_free(&errs);
		return EXIT_CONFIG;
	}
	config_free(cfg);
	printf("ok\n");
	return 0;
}

int
main(int argc, char **argv)
{
	const char *path = CONFIG_DEFAULT_PATH;
	struct config_errors errs;
	struct config *cfg;
	struct app a;
	char err[256];
	int i, check = 0, allow_root = 0;

	/* The offline commands (offline.h) run without serving. */
	if (argc > 1 && !strcmp(argv[1], "explain"))
		return offline_explain(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "simulate"))
		return offline_simulate(argc - 1, argv + 1);
	for (i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) &&
		    i + 1 < argc)
			path = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			path = argv[i] + 9;
		else if (!strcmp(argv[i], "--check-config"))
			check = 1;
		else if (!strcmp(argv[i], "--allow-root"))
			allow_root = 1;
		else if (!strcmp(argv[i], "--version")) {
			printf("wca-scheduler %s (%s)\n", wca_version,
			    wca_revision);
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "wca-scheduler: unknown argument '%s'\n\n",
			    argv[i]);
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (check)
		return check_config(path);

	stats.start_time = loop_unix_now();
	stats.last_reload_time = stats.start_time;
	cfg = config_load(path, &errs);
	if (cfg == NULL) {
		config_errors_print(stderr, &errs);
		config_errors_free(&errs);
		return EXIT_CONFIG;
	}
	log_set_levels(cfg->levels);
	if (geteuid() == 0 && cfg->user == NULL && !allow_root) {
		fprintf(stderr, "wca-scheduler: refusing to run as root: set "
		    "[server] user = to the account to drop to after binding, "
		    "or pass --allow-root\n");
		config_free(cfg);
		return EXIT_CONFIG;
	}
	stats.last_reload_ok = 1;
	memset(&a, 0, sizeof(a));
	a.config_path = path;
	a.loop = loop_new();
	if (signals_setup(err, sizeof(err)) < 0) {
		log_error(LOGGER_SERVER, "cannot start: %s", err);
		return EXIT_RUNTIME;
	}
	loop_add(a.loop, sig_pipe[0], POLLIN, on_signal_pipe, &a);
	loop_timer_init(&a.drain_timer, on_drain_timeout, &a);
	log_info(LOGGER_SERVER, "starting version=%s config=%s algorithm=%s "
	    "score_mode=%s", wca_version, path, algo_name(cfg->algo),
	    cfg->score_mode == SCORE_WCA ? "wca" : "clamp");
	a.srv = server_new(a.loop, cfg, err, sizeof(err));
	if (a.srv == NULL) {
		log_error(LOGGER_SERVER, "cannot start: %s", err);
		config_free(cfg);
		loop_free(a.loop);
		return EXIT_RUNTIME;
	}
	if (drop_privileges(cfg, err, sizeof(err)) < 0) {
		log_error(LOGGER_SERVER, "cannot start: %s", err);
		server_free(a.srv);
		loop_free(a.loop);
		return EXIT_RUNTIME;
	}
	a.store = ns_store_new();
	a.scraper = scraper_new(a.loop, a.store, cfg);
	server_attach_metrics(a.srv, a.scraper, a.store);
	/* Listening now: systemd (Type=notify) may start what depends on it. */
	notify_send("READY=1\nSTATUS=serving");
	while (!a.stop) {
		if (server_draining(a.srv) && server_connections(a.srv) == 0)
			break;
		if (loop_run_once(a.loop, -1) < 0) {
			log_error(LOGGER_SERVER, "poll: %s", strerror(errno));
			a.exit_code = EXIT_RUNTIME;
			break;
		}
	}
	log_info(LOGGER_SERVER, "stopped");
	scraper_free(a.scraper);
	server_free(a.srv);
	ns_store_free(a.store);
	loop_free(a.loop);
	tls_release_buffers();
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	return a.exit_code;
}
