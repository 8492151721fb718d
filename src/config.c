/*
 * INI loading on top of inih.
 *
 * Debian's inih is built with a 200-byte line buffer, no line numbers in
 * the handler and multi-line continuations on.  We feed it through our
 * own reader (ini_parse_stream) over the file held in memory, which lets
 * us (a) know the line number of every key, (b) strip indentation so an
 * indented key is never taken for a continuation of the previous one,
 * (c) see section headers even when a section has no keys, and (d) keep
 * lines longer than inih's buffer: the reader hands inih a stand-in and
 * the handler takes the key and value from the full line it kept.
 */
#include "config.h"
#include "quantity.h"
#include "tls.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <math.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "buf.h"

#define LINE_MAX_BYTES 4096
#define MAX_LISTEN     16
#define MAX_SOURCES    1024

enum section {
	SEC_NONE,
	SEC_SERVER,
	SEC_LOGGERS,
	SEC_ALGORITHM,
	SEC_LEAST_USED_WEIGHTS,
	SEC_BAR_WEIGHTS,
	SEC_STATIC_ASSIGNER,
	SEC_TRIMARAN,
	SEC_METRICS,
	SEC_UNKNOWN
};

struct loader {
	const char *name;
	const char *text;
	size_t len;
	size_t pos;
	int lineno;
	char line[LINE_MAX_BYTES];      /* current line, indentation removed */
	enum section sec;
	char static_node[256];
	int sec_line[SEC_UNKNOWN];
	struct config *c;
	struct config_errors *errs;
	int listen_line;
	char *listen_value;
	int health_line;
	char *health_value;
	uint64_t seen[4];               /* keys met, by key table index */
	int seen_lines[256];
	int seen_logger[LOGGER_COUNT + 1];
	int seen_dim_lu[DIM_COUNT], seen_dim_bar[DIM_COUNT];
};

static const char *const algo_names[ALGO_COUNT] = {
	"NOP", "Fit", "LeastUsed", "BAR", "LeastUsedBAR", "HierBAR",
	"DramHitRatioProvision", "Score", "StaticAssigner",
	"TargetLoadPacking", "LoadVariationRiskBalancing",
	"LowRiskOverCommitment"
};

static const char *const dim_names[DIM_COUNT] = {
	"cpu", "mem", "membw_read", "membw_write", "wss", "membw",
	"membw_flat"
};

const char *
algo_name(enum algo_id a)
{
	return algo_names[a];
}

const char *
dim_name(enum dim d)
{
	return dim_names[d];
}


/* [static_assigner:NODE] targets ordered by node, then app, so that
 * StaticAssigner looks them up by binary search (static_assigner.c). */
static int
static_target_cmp(const void *a, const void *b)
{
	const struct static_target *x = a, *y = b;
	int c = strcmp(x->node, y->node);

	return c ? c : strcmp(x->app, y->app);
}

static void
errorf(struct loader *L, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
errorf(struct loader *L, int line, const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	char msg[512];

	if (L->errs->n >= CONFIG_ERR_MAX) {
		L->errs->dropped++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_init(&b);
	buf_printf(&b, "%s:%d: %s", L->name, line, msg);
	buf_addc(&b, '\0');
	L->errs->msg[L->errs->n++] = b.p;
}

/* ---- value parsers: each returns 0, or -1 after reporting ---- */

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int
parse_double(struct loader *L, const char *key, const char *v, double lo,
    double hi, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || errno != 0 || !isfinite(d)) {
		errorf(L, L->lineno, "%s: '%s' is not a number", key, v);
		return -1;
	}
	if (d < lo || d > hi) {
		errorf(L, L->lineno, "%s: %s is out of range (%g to %g)", key,
		    v, lo, hi);
		return -1;
	}
	*out = d;
	return 0;
}

static int
parse_duration(struct loader *L, const char *key, const char *v,
    double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (*end == 's' && end[1] == '\0')
		end++;
	if (*v == '\0' || *end != '\0' || errno != 0 || !isfinite(d) ||
	    d <= 0 || d > 86400 * 366) {
		errorf(L, L->lineno,
		    "%s: '%s' is not a duration in seconds (e.g. 10 or 0.5)",
		    key, v);
		return -1;
	}
	*out = d;
	return 0;
}

static int
parse_long(struct loader *L, const char *key, const char *v, long lo,
    long hi, long *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0) {
		errorf(L, L->lineno, "%s: '%s' is not a whole number", key, v);
		return -1;
	}
	if (n < lo || n > hi) {
		errorf(L, L->lineno, "%s: %ld is out of range (%ld to %ld)",
		    key, n, lo, hi);
		return -1;
	}
	*out = n;
	return 0;
}

static int
parse_size(struct loader *L, const char *key, const char *v, uint64_t lo,
    uint64_t hi, uint64_t *out)
{
	unsigned long long n;
	uint64_t mul = 1;
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		goto bad;
	n = strtoull(v, &end, 10);
	if (errno != 0)
		goto bad;
	switch (*end) {
	case 'k': case 'K': mul = 1024ULL; end++; break;
	case 'm': case 'M': mul = 1024ULL * 1024; end++; break;
	case 'g': case 'G': mul = 1024ULL * 1024 * 1024; end++; break;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end != '\0')
		goto bad;
	if (n > hi / mul || n * mul < lo || n * mul > hi) {
		errorf(L, L->lineno,
		    "%s: %s is out of range (%llu to %llu bytes)", key, v,
		    (unsigned long long)lo, (unsigned long long)hi);
		return -1;
	}
	*out = n * mul;
	return 0;
bad:
	errorf(L, L->lineno, "%s: '%s' is not a size (e.g. 64M, 512K, 1G)",
	    key, v);
	return -1;
}

static int
parse_bool(struct loader *L, const char *key, const char *v, int *out)
{
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on") || !strcmp(v, "1")) {
		*out = 1;
		return 0;
	}
	if (!strcasecmp(v, "false") || !strcasecmp(v, "no") ||
	    !strcasecmp(v, "off") || !strcmp(v, "0")) {
		*out = 0;
		return 0;
	}
	errorf(L, L->lineno, "%s: '%s' is not a boolean (true or false)",
	    key, v);
	return -1;
}

static int
parse_dim(const char *s, enum dim *out)
{
	int i;

	for (i = 0; i < DIM_COUNT; i++) {
		if (strcmp(s, dim_names[i]) == 0) {
			*out = (enum dim)i;
			return 0;
		}
	}
	return -1;
}

/* Comma list into a NULL-free array of fresh strings; empty items fail. */
static int
parse_list(struct loader *L, const char *key, const char *v, char ***out,
    size_t *nout)
{
	char *copy = xstrdup(v), *p = copy, *item;
	char **items = NULL;
	size_t n = 0;

	for (;;) {
		char *comma = strchr(p, ',');

		if (comma)
			*comma = '\0';
		item = trim(p);
		if (*item == '\0') {
			errorf(L, L->lineno, "%s: empty item in list '%s'", key,
			    v);
			goto fail;
		}
		items = xrealloc(items, (n + 1) * sizeof(*items));
		items[n++] = xstrdup(item);
		if (!comma)
			break;
		p = comma + 1;
	}
	free(copy);
	*out = items;
	*nout = n;
	return 0;
fail:
	while (n)
		free(items[--n]);
	free(items);
	free(copy);
	return -1;
}

static void
free_list(char **items, size_t n)
{
	while (n)
		free(items[--n]);
	free(items);
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = *v ? xstrdup(v) : NULL;
}

/* A Kubernetes cpu quantity ("1000m", "1", "0.5") in millicores. */
static int
parse_millicores(struct loader *L, const char *key, const char *v,
    double *out)
{
	struct quantity q;

	if (quantity_parse(v, strlen(v), &q) < 0 || q.neg) {
		errorf(L, L->lineno,
		    "%s: '%s' is not a cpu quantity (e.g. 1000m or 1)", key, v);
		return -1;
	}
	*out = (double)quantity_milli(&q);
	return 0;
}

/* ---- [server] ---- */

static int
split_hostport(const char *s, char *host, size_t hostcap, char *port,
    size_t portcap)
{
	const char *colon;
	size_t hl;

	if (*s == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return -1;
		hl = (size_t)(rb - s - 1);
		if (hl == 0 || hl >= hostcap)
			return -1;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || strchr(s, ':') != colon)
			return -1;
		hl = (size_t)(colon - s);
		if (hl >= hostcap)
			return -1;
		memcpy(host, s, hl);
		host[hl] = '\0';
	}
	if (strlen(colon + 1) == 0 || strlen(colon + 1) >= portcap)
		return -1;
	strcpy(port, colon + 1);
	return 0;
}

static int
valid_port(const char *p)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)*p))
		return 0;
	n = strtol(p, &end, 10);
	return *end == '\0' && n >= 1 && n <= 65535;
}

/* The addresses of `key` (listen or health_listen) into c->listen. */
static void
resolve_listen(struct loader *L, const char *key, const char *value,
    int line, int health)
{
	char **items = NULL;
	size_t n = 0, i;
	struct config *c = L->c;
	int saved = L->lineno;

	L->lineno = line;
	if (parse_list(L, key, value, &items, &n) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		char host[256], port[16];
		struct addrinfo hints, *res = NULL, *ai;
		size_t j;
		int rc;

		if (split_hostport(items[i], host, sizeof(host), port,
		    sizeof(port)) < 0 || !valid_port(port)) {
			errorf(L, L->lineno, "%s: '%s' is not host:port or "
			    "[v6]:port with a port from 1 to 65535", key,
			    items[i]);
			continue;
		}
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		rc = getaddrinfo(*host && strcmp(host, "*") ? host : NULL,
		    port, &hints, &res);
		if (rc != 0) {
			errorf(L, L->lineno, "%s: cannot resolve '%s': %s",
			    key, host, gai_strerror(rc));
			continue;
		}
		for (ai = res; ai; ai = ai->ai_next) {
			struct listen_addr *la;
			char h[NI_MAXHOST], p[NI_MAXSERV];

			if (c->nlisten >= MAX_LISTEN) {
				errorf(L, L->lineno, "%s: more than %d "
				    "addresses", key, MAX_LISTEN);
				break;
			}
			c->listen = xrealloc(c->listen,
			    (c->nlisten + 1) * sizeof(*c->listen));
			la = &c->listen[c->nlisten++];
			memset(la, 0, sizeof(*la));
			memcpy(&la->ss, ai->ai_addr, ai->ai_addrlen);
			la->sslen = ai->ai_addrlen;
			getnameinfo(ai->ai_addr, ai->ai_addrlen, h, sizeof(h),
			    p, sizeof(p), NI_NUMERICHOST | NI_NUMERICSERV);
			snprintf(la->text, sizeof(la->text),
			    ai->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
			la->health = health;
			for (j = 0; j + 1 < c->nlisten; j++)
				if (strcmp(c->listen[j].text, la->text) == 0) {
					errorf(L, L->lineno, "%s: %s is already "
					    "a listen address", key, la->text);
					break;
				}
		}
		freeaddrinfo(res);
	}
out:
	free_list(items, n);
	L->lineno = saved;
}

/* ---- key table ---- */

typedef void (*key_fn)(struct loader *, const char *key, const char *v);

struct key {
	enum section sec;
	const char *name;
	key_fn fn;
	int repeatable;
};

#define C (L->c)

static void
k_listen(struct loader *L, const char *k, const char *v)
{
	(void)k;
	free(L->listen_value);
	L->listen_value = xstrdup(v);
	L->listen_line = L->lineno;
}

static void
k_health_listen(struct loader *L, const char *k, const char *v)
{
	(void)k;
	free(L->health_value);
	L->health_value = *v ? xstrdup(v) : NULL;
	L->health_line = L->lineno;
}

static void k_tls_cert(struct loader *L, const char *k, const char *v)
{ (void)k; set_str(&C->tls_cert, v); }
static void k_tls_key(struct loader *L, const char *k, const char *v)
{ (void)k; set_str(&C->tls_key, v); }
static void k_client_ca(struct loader *L, const char *k, const char *v)
{ (void)k; set_str(&C->client_ca, v); }

static void
k_client_names(struct loader *L, const char *k, const char *v)
{
	free_list(C->client_names, C->nclient_names);
	C->client_names = NULL;
	C->nclient_names = 0;
	if (*v)
		parse_list(L, k, v, &C->client_names, &C->nclient_names);
}

/* A whole number in lo..hi into *out (unchanged on error). */
static void
parse_count(struct loader *L, const char *k, const char *v, long lo, long hi,
    unsigned *out)
{
	long n;

	if (parse_long(L, k, v, lo, hi, &n) == 0)
		*out = (unsigned)n;
}

static void
k_max_connections(struct loader *L, const char *k, const char *v)
{
	parse_count(L, k, v, 1, 1000000, &C->max_connections);
}

static void
k_decisions(struct loader *L, const char *k, const char *v)
{
	/* 128 KiB of address space a slot: 4096 is 512 MiB. */
	parse_count(L, k, v, 0, 4096, &C->decisions);
}

static void
k_capture_dir(struct loader *L, const char *k, const char *v)
{
	struct stat sb;

	if (*v == '\0')
		return;
	if (stat(v, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		errorf(L, L->lineno, "%s: '%s' is not a directory", k, v);
		return;
	}
	if (access(v, W_OK) < 0) {
		errorf(L, L->lineno, "%s: cannot write to '%s': %s", k, v,
		    strerror(errno));
		return;
	}
	set_str(&C->capture_dir, v);
}

static void
k_capture_max(struct loader *L, const char *k, const char *v)
{
	parse_count(L, k, v, 1, 100000, &C->capture_max);
}

static void
k_max_body(struct loader *L, const char *k, const char *v)
{
	/* jsmn offsets are ints: stay well below 2 GiB. */
	parse_size(L, k, v, 1024, 1024ULL * 1024 * 1024, &C->max_body);
}

static void
k_max_header(struct loader *L, const char *k, const char *v)
{
	parse_size(L, k, v, 1024, 1024ULL * 1024, &C->max_header);
}

static void k_read_timeout(struct loader *L, const char *k, const char *v)
{ parse_duration(L, k, v, &C->read_timeout); }
static void k_idle_timeout(struct loader *L, const char *k, const char *v)
{ parse_duration(L, k, v, &C->idle_timeout); }
static void k_drain_timeout(struct loader *L, const char *k, const char *v)
{ parse_duration(L, k, v, &C->drain_timeout); }

static void
k_namespaces(struct loader *L, const char *k, const char *v)
{
	size_t i;

	free_list(C->namespaces, C->nnamespaces);
	C->namespaces = NULL;
	C->nnamespaces = 0;
	C->all_namespaces = 0;
	if (parse_list(L, k, v, &C->namespaces, &C->nnamespaces) < 0)
		return;
	for (i = 0; i < C->nnamespaces; i++)
		if (strcmp(C->namespaces[i], "*") == 0)
			C->all_namespaces = 1;
}

/* The account is looked up here, so a typo fails --check-config. */
static void
k_user(struct loader *L, const char *k, const char *v)
{
	struct passwd *pw;

	if (*v == '\0')
		return;
	errno = 0;
	pw = getpwnam(v);
	if (pw == NULL) {
		errorf(L, L->lineno, "%s: no such user '%s'%s%s", k, v,
		    errno ? ": " : "", errno ? strerror(errno) : "");
		return;
	}
	set_str(&C->user, v);
	C->user_uid = (unsigned long)pw->pw_uid;
	C->user_gid = (unsigned long)pw->pw_gid;
}

static void
k_score_mode(struct loader *L, const char *k, const char *v)
{
	if (strcmp(v, "clamp") == 0)
		C->score_mode = SCORE_CLAMP;
	else if (strcmp(v, "wca") == 0)
		C->score_mode = SCORE_WCA;
	else
		errorf(L, L->lineno, "%s: '%s' is not clamp or wca", k, v);
}

static void
k_logger(struct loader *L, const char *k, const char *v)
{
	enum log_level lvl;
	enum logger g;
	int i;

	if (log_level_parse(v, &lvl) < 0) {
		errorf(L, L->lineno, "logger '%s': unknown level '%s' (trace, "
		    "debug, info, warn, error, off)", k, v);
		return;
	}
	if (strcmp(k, "*") == 0) {
		if (L->seen_logger[LOGGER_COUNT])
			errorf(L, L->lineno, "duplicate key '*' in [loggers] "
			    "(first at line %d)", L->seen_logger[LOGGER_COUNT]);
		L->seen_logger[LOGGER_COUNT] = L->lineno;
		for (i = 0; i < LOGGER_COUNT; i++)
			if (!L->seen_logger[i])
				C->levels[i] = lvl;
		return;
	}
	if (logger_parse(k, &g) < 0) {
		errorf(L, L->lineno, "unknown logger '%s' in [loggers] (known: "
		    "*, server, tls, http, algorithm, metrics)", k);
		return;
	}
	if (L->seen_logger[g])
		errorf(L, L->lineno, "duplicate key '%s' in [loggers] (first at "
		    "line %d)", k, L->seen_logger[g]);
	L->seen_logger[g] = L->lineno;
	C->levels[g] = lvl;
}

static void
k_algo_name(struct loader *L, const char *k, const char *v)
{
	int i;

	for (i = 0; i < ALGO_COUNT; i++) {
		if (strcmp(v, algo_names[i]) == 0) {
			C->algo = (enum algo_id)i;
			return;
		}
	}
	if (strcmp(v, "NOPAlgorithm") == 0) {
		C->algo = ALGO_NOP;
		return;
	}
	errorf(L, L->lineno, "%s: unknown algorithm '%s' (NOP, Fit, LeastUsed, "
	    "BAR, LeastUsedBAR, HierBAR, DramHitRatioProvision, Score, "
	    "StaticAssigner, TargetLoadPacking, LoadVariationRiskBalancing, "
	    "LowRiskOverCommitment)", k, v);
	C->algo = ALGO_COUNT;
}

static void
k_dimensions(struct loader *L, const char *k, const char *v)
{
	char **items;
	size_t n, i, j;

	if (parse_list(L, k, v, &items, &n) < 0)
		return;
	C->ndims = 0;
	for (i = 0; i < n; i++) {
		enum dim d;

		if (parse_dim(items[i], &d) < 0) {
			errorf(L, L->lineno, "%s: unknown dimension '%s' (cpu, "
			    "mem, membw_read, membw_write, wss, membw, "
			    "membw_flat)", k, items[i]);
			continue;
		}
		for (j = 0; j < C->ndims; j++)
			if (C->dims[j] == d)
				break;
		if (j < C->ndims) {
			errorf(L, L->lineno, "%s: '%s' is listed twice", k,
			    items[i]);
			continue;
		}
		C->dims[C->ndims++] = d;
	}
	free_list(items, n);
}

static void
k_max_node_score(struct loader *L, const char *k, const char *v)
{
	double d;

	if (parse_double(L, k, v, 0, 1e9, &d) == 0) {
		if (d <= 0)
			errorf(L, L->lineno, "%s: must be above 0", k);
		else
			C->max_node_score = d;
	}
}

static void k_cpu_scale_factor(struct loader *L, const char *k, const char *v)
{ parse_double(L, k, v, 0, 1e6, &C->cpu_scale_factor); }
static void k_least_used_weight(struct loader *L, const char *k, const char *v)
{ parse_double(L, k, v, 0, 1e6, &C->least_used_weight); }
static void k_threshold(struct loader *L, const char *k, const char *v)
{ parse_double(L, k, v, 0, 1, &C->threshold); }

static void
k_merge_threshold(struct loader *L, const char *k, const char *v)
{
	C->has_merge_threshold = 0;
	if (*v && parse_double(L, k, v, 0, 1e9, &C->merge_threshold) == 0)
		C->has_merge_threshold = 1;
}

static void
k_score_target(struct loader *L, const char *k, const char *v)
{
	C->has_score_target = 0;
	if (*v && parse_double(L, k, v, -1e9, 1e9, &C->score_target) == 0)
		C->has_score_target = 1;
}

static void k_strict(struct loader *L, const char *k, const char *v)
{ parse_bool(L, k, v, &C->strict_mode_placement); }

static void
k_unknown_app(struct loader *L, const char *k, const char *v)
{
	if (strcmp(v, "pass") == 0)
		C->unknown_app = UNKNOWN_APP_PASS;
	else if (strcmp(v, "fail") == 0)
		C->unknown_app = UNKNOWN_APP_FAIL;
	else
		errorf(L, L->lineno, "%s: '%s' is not pass or fail", k, v);
}

/* [least_used_weights], [bar_weights]: dim = weight. */
static void
dim_weight(struct loader *L, const char *k, const char *v, double *w,
    int *has, int *seen)
{
	enum dim d;

	if (parse_dim(k, &d) < 0) {
		errorf(L, L->lineno, "unknown dimension '%s' (cpu, mem, "
		    "membw_read, membw_write, wss, membw, membw_flat)", k);
		return;
	}
	if (seen[d]) {
		errorf(L, L->lineno, "duplicate key '%s' (first at line %d)", k,
		    seen[d]);
		return;
	}
	seen[d] = L->lineno;
	if (parse_double(L, k, v, 0, 1e9, &w[d]) == 0)
		has[d] = 1;
}

static void
k_static(struct loader *L, const char *k, const char *v)
{
	struct static_target *t;
	size_t i;
	long n;

	if (parse_long(L, k, v, 0, 1000000, &n) < 0)
		return;
	for (i = 0; i < C->nstatic_targets; i++) {
		if (strcmp(C->static_targets[i].node, L->static_node) == 0 &&
		    strcmp(C->static_targets[i].app, k) == 0) {
			errorf(L, L->lineno, "duplicate app '%s' for node '%s'",
			    k, L->static_node);
			return;
		}
	}
	C->static_targets = xrealloc(C->static_targets,
	    (C->nstatic_targets + 1) * sizeof(*C->static_targets));
	t = &C->static_targets[C->nstatic_targets++];
	t->node = xstrdup(L->static_node);
	t->app = xstrdup(k);
	t->count = n;
}

static void k_target_util(struct loader *L, const char *k, const char *v)
{ parse_double(L, k, v, 0, 100, &C->target_utilization); }
static void k_default_cpu(struct loader *L, const char *k, const char *v)
{ parse_millicores(L, k, v, &C->default_cpu_request); }
static void k_multiplier(struct loader *L, const char *k, const char *v)
{ parse_double(L, k, v, 0, 1e6, &C->default_requests_multiplier); }
static void k_margin(struct loader *L, const char *k, const char *v)
{ parse_double(L, k, v, 0, 1e6, &C->safe_variance_margin); }
static void k_sensitivity(struct loader *L, const char *k, const char *v)
{ parse_double(L, k, v, 0, 1e6, &C->safe_variance_sensitivity); }
static void k_smoothing(struct loader *L, const char *k, const char *v)
{ parse_long(L, k, v, 1, 1000000, &C->smoothing_window); }

static void
k_risk_weights(struct loader *L, const char *k, const char *v)
{
	char **items;
	size_t n, i;
	double cpu = -1, mem = -1;

	if (parse_list(L, k, v, &items, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		char *colon = strchr(items[i], ':');
		double w;

		if (colon == NULL) {
			errorf(L, L->lineno, "%s: '%s' is not resource:weight",
			    k, items[i]);
			continue;
		}
		*colon = '\0';
		if (parse_double(L, k, trim(colon + 1), 0, 1, &w) < 0)
			continue;
		if (strcmp(trim(items[i]), "cpu") == 0)
			cpu = w;
		else if (strcmp(trim(items[i]), "memory") == 0)
			mem = w;
		else
			errorf(L, L->lineno, "%s: unknown resource '%s' (cpu, "
			    "memory)", k, items[i]);
	}
	free_list(items, n);
	if (cpu >= 0)
		C->risk_limit_cpu = cpu;
	if (mem >= 0)
		C->risk_limit_memory = mem;
}

static void
k_fallback(struct loader *L, const char *k, const char *v)
{
	if (strcmp(v, "least_allocated") == 0)
		C->fallback = FALLBACK_LEAST_ALLOCATED;
	else if (strcmp(v, "zero") == 0)
		C->fallback = FALLBACK_ZERO;
	else
		errorf(L, L->lineno, "%s: '%s' is not least_allocated or zero",
		    k, v);
}

/* "http[s]://host[:port][/path] [node=NAME]" */
/*
 * Sources are resolved here, once, so the event loop never waits on DNS;
 * a reload (SIGHUP) resolves again.  The first address is used.
 */
static int
resolve_source(struct loader *L, const char *k, const char *host,
    const char *port, struct metrics_source *s)
{
	struct addrinfo hints, *res = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || res == NULL) {
		errorf(L, L->lineno, "%s: cannot resolve '%s': %s", k, host,
		    rc ? gai_strerror(rc) : "no address");
		return -1;
	}
	memcpy(&s->addr, res->ai_addr, res->ai_addrlen);
	s->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void
k_source(struct loader *L, const char *k, const char *v)
{
	struct metrics_source s;
	char *copy = xstrdup(v), *url, *rest, *hp, *slash;
	char host[256], port[16];

	memset(&s, 0, sizeof(s));
	url = copy;
	rest = url + strcspn(url, " \t");
	if (*rest)
		*rest++ = '\0';
	rest = trim(rest);
	while (*rest) {
		char *tok = rest, *end = rest + strcspn(rest, " \t");

		if (*end)
			*end++ = '\0';
		rest = trim(end);
		if (strncmp(tok, "node=", 5) == 0 && tok[5] && !s.node)
			s.node = xstrdup(tok + 5);
		else {
			errorf(L, L->lineno, "%s: unexpected '%s' after the URL "
			    "(only node=NAME, once)", k, tok);
			goto fail;
		}
	}
	if (strncmp(url, "http://", 7) == 0)
		hp = url + 7;
	else if (strncmp(url, "https://", 8) == 0) {
		hp = url + 8;
		s.https = 1;
	} else {
		errorf(L, L->lineno, "%s: '%s' must start with http:// or "
		    "https://", k, url);
		goto fail;
	}
	slash = strchr(hp, '/');
	s.path = xstrdup(slash ? slash : "/");
	if (slash)
		*slash = '\0';
	if (strchr(hp, '@') || *hp == '\0') {
		errorf(L, L->lineno, "%s: '%s' has no host (or has user info, "
		    "which is not supported)", k, url);
		goto fail;
	}
	if ((*hp == '[' ? strstr(hp, "]:") : strchr(hp, ':')) != NULL) {
		if (split_hostport(hp, host, sizeof(host), port,
		    sizeof(port)) < 0 || !valid_port(port)) {
			errorf(L, L->lineno, "%s: bad host:port '%s'", k, hp);
			goto fail;
		}
	} else {
		size_t hl = strlen(hp);

		if (*hp == '[' && hl > 2 && hp[hl - 1] == ']') {
			hp[hl - 1] = '\0';
			hp++;
		}
		snprintf(host, sizeof(host), "%s", hp);
		strcpy(port, s.https ? "443" : "80");
	}
	if (C->nsources >= MAX_SOURCES) {
		errorf(L, L->lineno, "%s: more than %d sources", k, MAX_SOURCES);
		goto fail;
	}
	if (resolve_source(L, k, host, port, &s) < 0)
		goto fail;
	s.url = xstrndup(v, strcspn(v, " \t"));
	s.host = xstrdup(host);
	s.port = xstrdup(port);
	s.line = L->lineno;
	C->sources = xrealloc(C->sources, (C->nsources + 1) * sizeof(s));
	C->sources[C->nsources++] = s;
	free(copy);
	return;
fail:
	free(s.node);
	free(s.path);
	free(copy);
}

static void k_interval(struct loader *L, const char *k, const char *v)
{ parse_duration(L, k, v, &C->interval); }
static void k_timeout(struct loader *L, const char *k, const char *v)
{ parse_duration(L, k, v, &C->timeout); }
static void k_staleness(struct loader *L, const char *k, const char *v)
{ parse_duration(L, k, v, &C->staleness); }
static void k_window(struct loader *L, const char *k, const char *v)
{ parse_duration(L, k, v, &C->window); }
static void k_rate_window(struct loader *L, const char *k, const char *v)
{ parse_double(L, k, v, 0, 86400, &C->rate_window); }
static void k_rate_step(struct loader *L, const char *k, const char *v)
{ parse_double(L, k, v, 0, 86400, &C->rate_step); }

static void
k_max_scrape_size(struct loader *L, const char *k, const char *v)
{
	parse_size(L, k, v, 1024, 4ULL * 1024 * 1024 * 1024,
	    &C->max_scrape_size);
}

static void
k_node_label(struct loader *L, const char *k, const char *v)
{
	const char *p;

	for (p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			break;
	if (*v == '\0' || *p || isdigit((unsigned char)*v)) {
		errorf(L, L->lineno, "%s: '%s' is not a Prometheus label name",
		    k, v);
		return;
	}
	set_str(&C->node_label, v);
}

static void k_mca(struct loader *L, const char *k, const char *v)
{ (void)k; set_str(&C->metrics_ca, v); }
static void k_mcert(struct loader *L, const char *k, const char *v)
{ (void)k; set_str(&C->metrics_cert, v); }
static void k_mkey(struct loader *L, const char *k, const char *v)
{ (void)k; set_str(&C->metrics_key, v); }

#undef C

static const struct key keys[] = {
	{ SEC_SERVER, "listen", k_listen, 0 },
	{ SEC_SERVER, "health_listen", k_health_listen, 0 },
	{ SEC_SERVER, "tls_cert", k_tls_cert, 0 },
	{ SEC_SERVER, "tls_key", k_tls_key, 0 },
	{ SEC_SERVER, "client_ca", k_client_ca, 0 },
	{ SEC_SERVER, "client_names", k_client_names, 0 },
	{ SEC_SERVER, "max_connections", k_max_connections, 0 },
	{ SEC_SERVER, "max_body", k_max_body, 0 },
	{ SEC_SERVER, "decisions", k_decisions, 0 },
	{ SEC_SERVER, "capture_dir", k_capture_dir, 0 },
	{ SEC_SERVER, "capture_max", k_capture_max, 0 },
	{ SEC_SERVER, "max_header", k_max_header, 0 },
	{ SEC_SERVER, "read_timeout", k_read_timeout, 0 },
	{ SEC_SERVER, "idle_timeout", k_idle_timeout, 0 },
	{ SEC_SERVER, "drain_timeout", k_drain_timeout, 0 },
	{ SEC_SERVER, "namespaces", k_namespaces, 0 },
	{ SEC_SERVER, "score_mode", k_score_mode, 0 },
	{ SEC_SERVER, "user", k_user, 0 },
	{ SEC_ALGORITHM, "name", k_algo_name, 0 },
	{ SEC_ALGORITHM, "dimensions", k_dimensions, 0 },
	{ SEC_ALGORITHM, "max_node_score", k_max_node_score, 0 },
	{ SEC_ALGORITHM, "cpu_scale_factor", k_cpu_scale_factor, 0 },
	{ SEC_ALGORITHM, "least_used_weight", k_least_used_weight, 0 },
	{ SEC_ALGORITHM, "merge_threshold", k_merge_threshold, 0 },
	{ SEC_ALGORITHM, "threshold", k_threshold, 0 },
	{ SEC_ALGORITHM, "score_target", k_score_target, 0 },
	{ SEC_ALGORITHM, "strict_mode_placement", k_strict, 0 },
	{ SEC_ALGORITHM, "unknown_app", k_unknown_app, 0 },
	{ SEC_TRIMARAN, "target_utilization", k_target_util, 0 },
	{ SEC_TRIMARAN, "default_cpu_request", k_default_cpu, 0 },
	{ SEC_TRIMARAN, "default_requests_multiplier", k_multiplier, 0 },
	{ SEC_TRIMARAN, "safe_variance_margin", k_margin, 0 },
	{ SEC_TRIMARAN, "safe_variance_sensitivity", k_sensitivity, 0 },
	{ SEC_TRIMARAN, "smoothing_window", k_smoothing, 0 },
	{ SEC_TRIMARAN, "risk_limit_weights", k_risk_weights, 0 },
	{ SEC_TRIMARAN, "fallback", k_fallback, 0 },
	{ SEC_METRICS, "source", k_source, 1 },
	{ SEC_METRICS, "interval", k_interval, 0 },
	{ SEC_METRICS, "timeout", k_timeout, 0 },
	{ SEC_METRICS, "staleness", k_staleness, 0 },
	{ SEC_METRICS, "window", k_window, 0 },
	{ SEC_METRICS, "rate_window", k_rate_window, 0 },
	{ SEC_METRICS, "rate_step", k_rate_step, 0 },
	{ SEC_METRICS, "max_scrape_size", k_max_scrape_size, 0 },
	{ SEC_METRICS, "node_label", k_node_label, 0 },
	{ SEC_METRICS, "ca", k_mca, 0 },
	{ SEC_METRICS, "cert", k_mcert, 0 },
	{ SEC_METRICS, "key", k_mkey, 0 },
};

static const char *const section_names[SEC_UNKNOWN] = {
	"", "server", "loggers", "algorithm", "least_used_weights",
	"bar_weights", "static_assigner", "trimaran", "metrics"
};

/* ---- inih glue ---- */

/* Strip an inline comment: ';' or '#' preceded by white space. */
static void
strip_inline_comment(char *v)
{
	char *p;

	for (p = v; *p; p++) {
		if ((*p == ';' || *p == '#') && p > v &&
		    (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
}

static void
handle_kv(struct loader *L, char *key, char *value)
{
	size_t i;

	strip_inline_comment(value);
	key = trim(key);
	value = trim(value);
	switch (L->sec) {
	case SEC_NONE:
		errorf(L, L->lineno, "key '%s' outside of any section", key);
		return;
	case SEC_UNKNOWN:
		return;         /* reported once at the section header */
	case SEC_LOGGERS:
		k_logger(L, key, value);
		return;
	case SEC_LEAST_USED_WEIGHTS:
		dim_weight(L, key, value, L->c->least_used_weights,
		    L->c->has_least_used_weight_for, L->seen_dim_lu);
		return;
	case SEC_BAR_WEIGHTS:
		dim_weight(L, key, value, L->c->bar_weights,
		    L->c->has_bar_weight_for, L->seen_dim_bar);
		return;
	case SEC_STATIC_ASSIGNER:
		k_static(L, key, value);
		return;
	default:
		break;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (keys[i].sec != L->sec || strcmp(keys[i].name, key) != 0)
			continue;
		if (!keys[i].repeatable && (L->seen[i / 64] >> (i % 64)) & 1) {
			errorf(L, L->lineno, "duplicate key '%s' in [%s] (first "
			    "at line %d)", key, section_names[L->sec],
			    L->seen_lines[i]);
			return;
		}
		L->seen[i / 64] |= 1ULL << (i % 64);
		L->seen_lines[i] = L->lineno;
		keys[i].fn(L, key, value);
		return;
	}
	errorf(L, L->lineno, "unknown key '%s' in [%s]", key,
	    section_names[L->sec]);
}

/* inih calls this for every key line; the full line is in L->line. */
static int
on_kv(void *user, const char *section, const char *name, const char *value)
{
	struct loader *L = user;
	char *eq, *line;

	(void)section;
	(void)name;
	(void)value;
	/* Take key and value from the kept line: it is never cut short. */
	line = xstrdup(L->line);
	eq = line + strcspn(line, "=:");
	if (*eq) {
		*eq = '\0';
		handle_kv(L, line, eq + 1);
	}
	free(line);
	return 1;
}

static void
enter_section(struct loader *L, char *name)
{
	int i;

	name = trim(name);
	L->sec = SEC_UNKNOWN;
	if (strncmp(name, "static_assigner:", 16) == 0 ||
	    strncmp(name, "static_assigner.", 16) == 0) {
		char *node = trim(name + 16);

		if (*node == '\0' || strlen(node) >= sizeof(L->static_node)) {
			errorf(L, L->lineno, "section [%s] needs a node name, as "
			    "[static_assigner:NODE]", name);
			return;
		}
		snprintf(L->static_node, sizeof(L->static_node), "%s", node);
		L->sec = SEC_STATIC_ASSIGNER;
		return;
	}
	for (i = SEC_SERVER; i < SEC_UNKNOWN; i++) {
		if (i != SEC_STATIC_ASSIGNER &&
		    strcmp(name, section_names[i]) == 0) {
			if (L->sec_line[i])
				errorf(L, L->lineno, "section [%s] appears twice "
				    "(first at line %d)", name, L->sec_line[i]);
			L->sec = (enum section)i;
			L->sec_line[i] = L->lineno;
			/* Present, even empty, replaces the original's defaults. */
			if (i == SEC_LEAST_USED_WEIGHTS)
				L->c->has_least_used_weights = 1;
			return;
		}
	}
	errorf(L, L->lineno, "unknown section [%s] (known: server, loggers, "
	    "algorithm, least_used_weights, bar_weights, static_assigner:NODE, "
	    "trimaran, metrics)", name);
}

/*
 * The reader inih pulls lines from.  Everything but key lines is handled
 * here and handed to inih as an empty line; key lines go through as a
 * short stand-in ("k=v") because on_kv reads the real text from L->line.
 */
static char *
reader(char *str, int num, void *stream)
{
	struct loader *L = stream;
	const char *start, *nl;
	size_t n;
	char *p;

	if (L->pos >= L->len || num < 4)
		return NULL;
	start = L->text + L->pos;
	nl = memchr(start, '\n', L->len - L->pos);
	n = nl ? (size_t)(nl - start) : L->len - L->pos;
	L->pos += n + (nl != NULL);
	L->lineno++;
	strcpy(str, "\n");
	if (memchr(start, '\0', n) != NULL) {
		errorf(L, L->lineno, "NUL byte in the line");
		return str;
	}
	if (n >= sizeof(L->line)) {
		errorf(L, L->lineno, "line too long (%zu bytes, at most %zu)",
		    n, sizeof(L->line) - 1);
		return str;
	}
	memcpy(L->line, start, n);
	L->line[n] = '\0';
	p = trim(L->line);
	memmove(L->line, p, strlen(p) + 1);
	if (L->lineno == 1 && memcmp(L->line, "\xef\xbb\xbf", 3) == 0)
		memmove(L->line, L->line + 3, strlen(L->line + 3) + 1);
	p = L->line;
	if (*p == '\0' || *p == ';' || *p == '#')
		return str;
	if (*p == '[') {
		char *rb = strchr(p, ']'), *after;

		if (rb == NULL) {
			errorf(L, L->lineno, "section header without ']'");
			L->sec = SEC_UNKNOWN;
			return str;
		}
		*rb = '\0';
		after = trim(rb + 1);
		if (*after && *after != ';' && *after != '#')
			errorf(L, L->lineno, "unexpected text after section "
			    "header: '%s'", after);
		enter_section(L, p + 1);
		return str;
	}
	if (strcspn(p, "=:") == strlen(p)) {
		errorf(L, L->lineno, "expected 'key = value', got '%s'", p);
		return str;
	}
	if (strcspn(p, "=:") == 0) {
		errorf(L, L->lineno, "missing key before '='");
		return str;
	}
	strcpy(str, "k=v\n");
	return str;
}

static void
set_defaults(struct config *c)
{
	int i;

	c->max_connections = 512;
	c->decisions = 256;
	c->capture_max = 100;
	c->max_body = 64ULL * 1024 * 1024;
	c->max_header = 64 * 1024;
	c->read_timeout = 10;
	c->idle_timeout = 60;
	c->drain_timeout = 10;
	c->namespaces = xmalloc(sizeof(char *));
	c->namespaces[0] = xstrdup("default");
	c->nnamespaces = 1;
	c->score_mode = SCORE_CLAMP;
	for (i = 0; i < LOGGER_COUNT; i++)
		c->levels[i] = LOG_INFO;
	c->algo = ALGO_COUNT;
	c->dims[0] = DIM_CPU;
	c->dims[1] = DIM_MEM;
	c->ndims = 2;
	c->max_node_score = 10.0;
	c->cpu_scale_factor = 1.0;
	c->least_used_weight = 1.0;
	c->threshold = 0.97;
	c->unknown_app = UNKNOWN_APP_PASS;
	for (i = 0; i < DIM_COUNT; i++)
		c->bar_weights[i] = 1.0;
	c->target_utilization = 40;
	c->default_cpu_request = 1000;
	c->default_requests_multiplier = 1.5;
	c->safe_variance_margin = 1;
	c->safe_variance_sensitivity = 1;
	c->smoothing_window = 5;
	c->risk_limit_cpu = 0.5;
	c->risk_limit_memory = 0.5;
	c->fallback = FALLBACK_LEAST_ALLOCATED;
	c->interval = 5;
	c->timeout = 2;
	c->staleness = 180;
	c->window = 300;
	c->rate_window = 300;	/* kube-prometheus: rate(...[5m]) */
	c->rate_step = 30;	/* its rule evaluation interval */
	c->max_scrape_size = 64ULL * 1024 * 1024;
	c->node_label = xstrdup("node");
}

static int
key_line(const struct loader *L, enum section sec, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].sec == sec && strcmp(keys[i].name, name) == 0)
			return ((L->seen[i / 64] >> (i % 64)) & 1) ?
			    L->seen_lines[i] : 0;
	return 0;
}

static int
line_or(int line, int fallback)
{
	return line ? line : fallback;
}

/* Checks that involve several keys, after the whole file is read. */
static void
validate(struct loader *L)
{
	struct config *c = L->c;
	int sl = L->sec_line[SEC_SERVER] ? L->sec_line[SEC_SERVER] : 1;
	int al = L->sec_line[SEC_ALGORITHM] ? L->sec_line[SEC_ALGORITHM] :
	    L->lineno > 0 ? L->lineno : 1;
	int ml = L->sec_line[SEC_METRICS] ? L->sec_line[SEC_METRICS] : 1;
	size_t i;

	if (L->listen_value == NULL) {
		L->listen_value = xstrdup("0.0.0.0:31800");
		L->listen_line = sl;
	}
	resolve_listen(L, "listen", L->listen_value, L->listen_line, 0);
	if (L->health_value)
		resolve_listen(L, "health_listen", L->health_value,
		    L->health_line, 1);
	if (!c->tls_cert != !c->tls_key)
		errorf(L, line_or(key_line(L, SEC_SERVER, c->tls_cert ? "tls_cert" :
		    "tls_key"), sl), "tls_cert and tls_key must be set "
		    "together");
	if (c->client_ca && !c->tls_cert)
		errorf(L, line_or(key_line(L, SEC_SERVER, "client_ca"), sl),
		    "client_ca needs tls_cert and tls_key");
	if (c->nclient_names && !c->client_ca)
		errorf(L, line_or(key_line(L, SEC_SERVER, "client_names"), sl),
		    "client_names needs client_ca (names are checked on "
		    "verified client certificates)");
	if (c->tls_cert && c->tls_key) {
		char err[512];

		c->tls = tls_creds_load(c->tls_cert, c->tls_key, c->client_ca,
		    c->client_names, c->nclient_names, err, sizeof(err));
		if (c->tls == NULL)
			errorf(L, line_or(key_line(L, SEC_SERVER, "tls_cert"),
			    sl), "%s", err);
	}
	if (c->algo == ALGO_COUNT) {
		if (!key_line(L, SEC_ALGORITHM, "name"))
			errorf(L, al, "missing key 'name' in [algorithm] "
			    "(e.g. name = NOP)");
	}
	if (c->nstatic_targets > 1)
		qsort(c->static_targets, c->nstatic_targets,
		    sizeof(*c->static_targets), static_target_cmp);
	if (c->timeout > c->interval)
		errorf(L, line_or(key_line(L, SEC_METRICS, "timeout"), ml),
		    "timeout (%g s) must not exceed interval (%g s)",
		    c->timeout, c->interval);
	if (c->staleness < c->interval)
		errorf(L, line_or(key_line(L, SEC_METRICS, "staleness"), ml),
		    "staleness (%g s) must be at least interval (%g s)",
		    c->staleness, c->interval);
	if (!c->metrics_cert != !c->metrics_key)
		errorf(L, line_or(key_line(L, SEC_METRICS, c->metrics_cert ? "cert" :
		    "key"), ml), "cert and key must be set together");
	for (i = 0; i < c->nsources; i++)
		if (c->sources[i].https) {
			/* The files for https sources must load. */
			char err[512];

			c->metrics_tls = tls_client_creds_load(c->metrics_ca,
			    c->metrics_cert, c->metrics_key, err, sizeof(err));
			if (c->metrics_tls == NULL)
				errorf(L, line_or(key_line(L, SEC_METRICS,
				    c->metrics_ca ? "ca" : c->metrics_cert ?
				    "cert" : "source"), c->sources[i].line),
				    "%s", err);
			break;
		}
}

static struct config *
load(const char *name, const char *text, size_t len,
    struct config_errors *errs)
{
	struct loader *L = xcalloc(1, sizeof(*L));
	struct config *c = xcalloc(1, sizeof(*c));

	memset(errs, 0, sizeof(*errs));
	set_defaults(c);
	c->path = xstrdup(name);
	L->name = name;
	L->text = text;
	L->len = len;
	L->c = c;
	L->errs = errs;
	ini_parse_stream(reader, L, on_kv, L);
	validate(L);
	free(L->listen_value);
	free(L->health_value);
	free(L);
	if (errs->n) {
		config_free(c);
		return NULL;
	}
	return c;
}

struct config *
config_load_string(const char *name, const char *text, size_t len,
    struct config_errors *errs)
{
	return load(name, text, len, errs);
}

#define CONFIG_FILE_MAX	(1 << 20)

/* A whole-file problem: reported as line 0 of the file. */
static struct config *
file_error(struct config_errors *errs, const char *path, const char *what,
    int e)
{
	struct buf m;

	buf_init(&m);
	buf_printf(&m, "%s:0: %s", path, e == EFBIG ?
	    "file larger than 1 MiB" : what);
	if (e != EFBIG)
		buf_printf(&m, ": %s", strerror(e));
	buf_addc(&m, '\0');
	errs->msg[errs->n++] = m.p;
	return NULL;
}

struct config *
config_load(const char *path, struct config_errors *errs)
{
	struct config *c;
	struct buf b;
	int fd, r, e;

	memset(errs, 0, sizeof(*errs));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return file_error(errs, path, "cannot open", errno);
	buf_init(&b);
	/* a directory opens but does not read: EISDIR, not an empty file */
	r = buf_read_fd(&b, fd, CONFIG_FILE_MAX);
	e = errno;
	close(fd);
	if (r < 0) {
		buf_free(&b);
		return file_error(errs, path, "cannot read", e);
	}
	c = load(path, b.p ? b.p : "", b.len, errs);
	buf_free(&b);
	return c;
}

void
config_errors_free(struct config_errors *e)
{
	while (e->n)
		free(e->msg[--e->n]);
}

void
config_free(struct config *c)
{
	size_t i;

	if (c == NULL)
		return;
	tls_creds_unref(c->tls);
	tls_creds_unref(c->metrics_tls);
	free(c->path);
	free(c->listen);
	free(c->user);
	free(c->capture_dir);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->client_ca);
	free_list(c->client_names, c->nclient_names);
	free_list(c->namespaces, c->nnamespaces);
	for (i = 0; i < c->nstatic_targets; i++) {
		free(c->static_targets[i].node);
		free(c->static_targets[i].app);
	}
	free(c->static_targets);
	for (i = 0; i < c->nsources; i++) {
		free(c->sources[i].url);
		free(c->sources[i].node);
		free(c->sources[i].host);
		free(c->sources[i].port);
		free(c->sources[i].path);
	}
	free(c->sources);
	free(c->node_label);
	free(c->metrics_ca);
	free(c->metrics_cert);
	free(c->metrics_key);
	free(c);
}

int
config_namespace_judged(const struct config *c, const char *ns, size_t n)
{
	size_t i;

	if (c->all_namespaces)
		return 1;
	for (i = 0; i < c->nnamespaces; i++)
		if (strlen(c->namespaces[i]) == n &&
		    memcmp(c->namespaces[i], ns, n) == 0)
			return 1;
	return 0;
}

void
config_errors_print(FILE *f, const struct config_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		fprintf(f, "%s\n", e->msg[i]);
	if (e->dropped)
		fprintf(f, "(%zu more problems not shown)\n", e->dropped);
}
