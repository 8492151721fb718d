/*
 * The arithmetic of the original WCA algorithms (wca-original.md 3.0 to
 * 3.5), reproduced operation for operation so that score_mode = wca gives
 * the original's integers and messages.  Where the original raised (and
 * answered 500), the node fails with a reason or scores 0 instead
 * (interface.md section 4).
 */
#include "wca_common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

#define BIT(d)	(1u << (d))

static int
has_dim(const struct config *cfg, enum dim d)
{
	size_t i;

	for (i = 0; i < cfg->ndims; i++)
		if (cfg->dims[i] == d)
			return 1;
	return 0;
}

static const char *
adup(const struct algo_ctx *ctx, const char *s)
{
	return arena_strndup(ctx->arena, s, strlen(s));
}

/* membw_read and membw_write are coupled when both are dimensions. */
int
wca_coupled(const struct config *cfg)
{
	return has_dim(cfg, DIM_MEMBW_READ) && has_dim(cfg, DIM_MEMBW_WRITE);
}

double
wca_stdev(const double *x, size_t k)
{
	double mean = 0, ss = 0;
	size_t i;

	if (k < 2)
		return 0;
	for (i = 0; i < k; i++)
		mean += x[i];
	mean /= (double)k;
	for (i = 0; i < k; i++)
		ss += (x[i] - mean) * (x[i] - mean);
	return sqrt(ss / (double)(k - 1));
}

void
wca_float_repr(char *out, size_t cap, double v)
{
	char buf[48], digits[24];
	const char *s, *e;
	size_t nd = 0;
	int p, exp10, decpt, neg;

	if (cap == 0)
		return;
	if (isnan(v)) {
		snprintf(out, cap, "nan");
		return;
	}
	if (isinf(v)) {
		snprintf(out, cap, "%sinf", v < 0 ? "-" : "");
		return;
	}
	if (v == 0) {
		snprintf(out, cap, "%s0.0", signbit(v) ? "-" : "");
		return;
	}
	for (p = 1; p <= 17; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	neg = buf[0] == '-';
	s = buf + neg;
	e = strchr(s, 'e');
	for (; s < e; s++)
		if (*s >= '0' && *s <= '9' && nd < sizeof(digits) - 1)
			digits[nd++] = *s;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	exp10 = atoi(e + 1);
	decpt = exp10 + 1;
	if (decpt > -4 && decpt <= 16) {
		char fx[64];
		size_t o = 0, q;
		int z;

		if (neg)
			fx[o++] = '-';
		if (decpt <= 0) {
			fx[o++] = '0';
			fx[o++] = '.';
			for (z = 0; z < -decpt; z++)
				fx[o++] = '0';
			for (q = 0; q < nd; q++)
				fx[o++] = digits[q];
		} else {
			for (q = 0; q < (size_t)decpt; q++)
				fx[o++] = q < nd ? digits[q] : '0';
			fx[o++] = '.';
			if ((size_t)decpt >= nd)
				fx[o++] = '0';
			for (q = (size_t)decpt; q < nd; q++)
				fx[o++] = digits[q];
		}
		fx[o] = '\0';
		snprintf(out, cap, "%s", fx);
		return;
	}
	snprintf(out, cap, "%s%c%s%.*se%c%02d", neg ? "-" : "", digits[0],
	    nd > 1 ? "." : "", (int)(nd - 1), digits + 1,
	    exp10 < 0 ? '-' : '+', abs(exp10));
}

int
wca_app_requests(const struct algo_ctx *ctx, const char *app,
    double req[DIM_COUNT], const char **why)
{
	const struct config *cfg = ctx->cfg;
	const struct ns_app *a = NULL;
	struct ns_app_view av;
	char msg[400];
	size_t i;

	memset(req, 0, DIM_COUNT * sizeof(*req));
	if (app == NULL) {
		*why = "pod has no app label";
		return -1;
	}
	if (ctx->store)
		a = ns_app_find(ctx->store, app, strlen(app));
	ns_app_view(ctx->store, a, ctx->now, cfg->staleness, &av);
	for (i = 0; i < cfg->ndims; i++) {
		enum dim d = cfg->dims[i];

		if (av.requested_mask & BIT(d)) {
			req[d] = av.requested[d];
			continue;
		}
		if (a == NULL || av.state == NS_UNKNOWN)
			snprintf(msg, sizeof(msg), "no requested resources "
			    "for app %.200s", app);
		else if (av.state == NS_STALE)
			snprintf(msg, sizeof(msg), "requested resources of app "
			    "%.200s are %.0f s old (staleness %g s)", app,
			    floor(av.age), cfg->staleness);
		else
			snprintf(msg, sizeof(msg), "no requested %s for app "
			    "%.200s", dim_name(d), app);
		*why = adup(ctx, msg);
		return -1;
	}
	*why = NULL;
	return 0;
}

int
wca_assigned_fresh(const struct algo_ctx *ctx, const struct ext_node *n,
    const struct ns_view *v, const char **why)
{
	char msg[320];

	*why = NULL;
	if (!(v->have & NS_HAVE_ASSIGNED) && (v->stale & NS_HAVE_ASSIGNED)) {
		snprintf(msg, sizeof(msg), "assigned apps of node %.200s are "
		    "stale (staleness %g s)", n->name, ctx->cfg->staleness);
		*why = adup(ctx, msg);
		return -1;
	}
	return 0;
}

int
wca_dram_hit(const struct algo_ctx *ctx, const struct ext_node *n,
    const struct ns_view *v, double *ratio, const char **why)
{
	char msg[320];

	*ratio = NAN;
	if (!(v->have & NS_HAVE_DRAM_HIT)) {
		if (v->stale & NS_HAVE_DRAM_HIT)
			snprintf(msg, sizeof(msg), "dram hit ratio of node "
			    "%.200s is stale (staleness %g s)", n->name,
			    ctx->cfg->staleness);
		else
			snprintf(msg, sizeof(msg), "no dram hit ratio for node "
			    "%.200s", n->name);
		*why = adup(ctx, msg);
		return -1;
	}
	*ratio = v->dram_hit_ratio;
	if (v->dram_hit_ratio < ctx->cfg->threshold) {
		*why = "Could not fit node because of dram hit ratio violation.";
		return 0;
	}
	*why = NULL;
	return 1;
}

void
wca_debug_verdict(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *n, enum verdict verdict, const char *why,
    const char *fmt, ...)
{
	static const char *const names[] = { "pass", "fail", "drop" };

	char nn[96], an[96], detail[256];
	va_list ap;

	if (!log_on(LOGGER_ALGORITHM, LOG_DEBUG))
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	log_debug(LOGGER_ALGORITHM, "filter algorithm=%s node=%s app=%s %s "
	    "verdict=%s%s%s", algo_name(ctx->cfg->algo),
	    log_value(nn, sizeof(nn), n->name, n->name_len),
	    pod->app ? log_value(an, sizeof(an), pod->app, strlen(pod->app)) :
	    "-", detail, names[verdict], why ? ": " : "", why ? why : "");
}

/* A call's app views, by ns_app_id; filled the first time asked. */
struct wca_app_slot {
	int filled;
	struct ns_app_view v;
};

struct wca_apps {
	struct wca_app_slot *slot;
	size_t n;
};

struct wca_apps *
wca_apps_new(const struct algo_ctx *ctx)
{
	struct wca_apps *c = arena_alloc(ctx->arena, sizeof(*c));

	c->n = ctx->store ? ns_app_id_limit(ctx->store) : 0;
	c->slot = arena_alloc(ctx->arena, (c->n ? c->n : 1) *
	    sizeof(*c->slot));
	return c;
}

/* The view of app a, from the store the first time. */
static const struct ns_app_view *
app_view(const struct algo_ctx *ctx, struct wca_apps *c,
    const struct ns_app *a)
{
	struct wca_app_slot *s = &c->slot[ns_app_id(a)];

	if (!s->filled) {
		ns_app_view(ctx->store, a, ctx->now, ctx->cfg->staleness,
		    &s->v);
		s->filled = 1;
	}
	return &s->v;
}

int
wca_node_load(const struct algo_ctx *ctx, struct wca_apps *apps,
    const struct ext_node *n, double cpu_scale, struct wca_node *w,
    const char **why)
{
	const struct config *cfg = ctx->cfg;
	struct ns_view *v = &w->v;
	char msg[400];
	size_t i, j;

	memset(w->cap, 0, sizeof(w->cap));
	memset(w->used, 0, sizeof(w->used));
	w->has_ratio = 0;
	w->ratio = 0;
	if (algo_node_metrics(ctx, n, v, why) < 0)
		return -1;
	w->data_t = ctx->now - (v->used_age > 0 ? v->used_age : 0);
	for (i = 0; i < cfg->ndims; i++) {
		enum dim d = cfg->dims[i];

		if (!(v->capacity_mask & BIT(d))) {
			if (v->capacity_stale_mask & BIT(d))
				snprintf(msg, sizeof(msg), "capacity %s of node "
				    "%.200s is stale (staleness %g s)",
				    dim_name(d), n->name, cfg->staleness);
			else
				snprintf(msg, sizeof(msg), "no capacity %s for "
				    "node %.200s", dim_name(d), n->name);
			*why = adup(ctx, msg);
			return -1;
		}
		w->cap[d] = v->capacity[d];
	}
	if (cpu_scale != 1.0 && v->pmem)
		w->cap[DIM_CPU] *= cpu_scale;
	if (wca_assigned_fresh(ctx, n, v, why) < 0)
		return -1;
	for (j = 0; j < v->nassigned; j++) {
		const struct ns_assigned *as = &v->assigned[j];
		const struct ns_app_view *av;
		size_t alen;
		const char *aname;

		if (as->count <= 0)
			continue;
		av = app_view(ctx, apps, as->app);
		for (i = 0; i < cfg->ndims; i++) {
			enum dim d = cfg->dims[i];

			if (!(av->requested_mask & BIT(d))) {
				aname = ns_app_name(as->app, &alen);
				snprintf(msg, sizeof(msg), "no requested %s for "
				    "app %.*s assigned to node %.200s",
				    dim_name(d), (int)(alen > 200 ? 200 : alen),
				    aname, n->name);
				*why = adup(ctx, msg);
				return -1;
			}
			w->used[d] += av->requested[d] * as->count;
		}
	}
	if (wca_coupled(cfg)) {
		/* The read/write ratio and its inverse must exist. */
		if (w->cap[DIM_MEMBW_WRITE] == 0 ||
		    w->cap[DIM_MEMBW_READ] == 0) {
			snprintf(msg, sizeof(msg), "capacity %s of node %.200s "
			    "is 0", w->cap[DIM_MEMBW_WRITE] == 0 ?
			    "membw_write" : "membw_read", n->name);
			*why = adup(ctx, msg);
			return -1;
		}
		w->has_ratio = 1;
		w->ratio = w->cap[DIM_MEMBW_READ] / w->cap[DIM_MEMBW_WRITE];
	}
	*why = NULL;
	return 0;
}

/* The original's capacity dict order: cpu, mem, then the others. */
static size_t
report_order(const struct config *cfg, enum dim out[DIM_COUNT])
{
	size_t i, k = 0;

	if (has_dim(cfg, DIM_CPU))
		out[k++] = DIM_CPU;
	if (has_dim(cfg, DIM_MEM))
		out[k++] = DIM_MEM;
	for (i = 0; i < cfg->ndims; i++)
		if (cfg->dims[i] != DIM_CPU && cfg->dims[i] != DIM_MEM)
			out[k++] = cfg->dims[i];
	return k;
}

const char *
wca_fit(const struct algo_ctx *ctx, const struct wca_node *w,
    const double req[DIM_COUNT], double free_[DIM_COUNT])
{
	const struct config *cfg = ctx->cfg;
	double y[DIM_COUNT] = { 0 };
	enum dim order[DIM_COUNT];
	char msg[1024], num[40];
	size_t i, k, len;
	int bad = 0;

	memset(free_, 0, DIM_COUNT * sizeof(*free_));
	for (i = 0; i < cfg->ndims; i++) {
		enum dim d = cfg->dims[i];

		y[d] = req[d] + w->used[d];
		free_[d] = w->cap[d] - y[d];
	}
	if (w->has_ratio) {
		free_[DIM_MEMBW_READ] = w->cap[DIM_MEMBW_READ] -
		    (y[DIM_MEMBW_READ] + y[DIM_MEMBW_WRITE] * w->ratio);
		free_[DIM_MEMBW_WRITE] = w->cap[DIM_MEMBW_WRITE] -
		    (y[DIM_MEMBW_WRITE] + y[DIM_MEMBW_READ] / w->ratio);
	}
	k = report_order(cfg, order);
	len = (size_t)snprintf(msg, sizeof(msg),
	    "Could not fit node for dimensions: missing ");
	for (i = 0; i < k; i++) {
		enum dim d = order[i];

		if (!(free_[d] < 0))
			continue;
		wca_float_repr(num, sizeof(num), fabs(free_[d]));
		if (len < sizeof(msg))
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
			    "%s(%s: %s)", bad ? "," : "", dim_name(d), num);
		bad = 1;
	}
	if (!bad)
		return NULL;
	if (len < sizeof(msg))
		snprintf(msg + len, sizeof(msg) - len, ".");
	return adup(ctx, msg);
}

static int
zero_capacity(const struct algo_ctx *ctx, const struct wca_node *w,
    enum dim d, const char **why)
{
	char msg[320];
	size_t len = 0;
	const char *name = w->v.node ? ns_node_name(w->v.node, &len) : "";

	snprintf(msg, sizeof(msg), "capacity %s of node %.*s is 0",
	    dim_name(d), (int)(len > 200 ? 200 : len), name);
	*why = adup(ctx, msg);
	return -1;
}

int
wca_fractions(const struct algo_ctx *ctx, const struct wca_node *w,
    const double req[DIM_COUNT], enum dim keys[DIM_COUNT],
    double f[DIM_COUNT], const char **why)
{
	const struct config *cfg = ctx->cfg;
	size_t i;
	int k = 0, flat_at = -1;

	for (i = 0; i < cfg->ndims; i++) {
		enum dim d = cfg->dims[i];
		double num, den;

		if (w->has_ratio &&
		    (d == DIM_MEMBW_READ || d == DIM_MEMBW_WRITE))
			continue;
		num = req[d] + w->used[d];
		den = w->cap[d];
		if (d == DIM_MEMBW_FLAT && w->has_ratio) {
			flat_at = k;	/* replaced by the flattened value */
			keys[k] = d;
			f[k++] = 0;
			continue;
		}
		if (den == 0)
			return zero_capacity(ctx, w, d, why);
		keys[k] = d;
		f[k++] = num / den;
	}
	if (w->has_ratio) {
		double yr = req[DIM_MEMBW_READ] + w->used[DIM_MEMBW_READ];
		double yw = req[DIM_MEMBW_WRITE] + w->used[DIM_MEMBW_WRITE];
		double num = yr + w->ratio * yw;
		double den = w->cap[DIM_MEMBW_READ] +
		    w->ratio * w->cap[DIM_MEMBW_WRITE];

		if (den == 0)
			return zero_capacity(ctx, w, DIM_MEMBW_FLAT, why);
		if (flat_at < 0)
			flat_at = k++;
		keys[flat_at] = DIM_MEMBW_FLAT;
		f[flat_at] = num / den;
	}
	*why = NULL;
	return k;
}

/*
 * A node's load (its capacities, what its assigned apps request, the
 * bandwidth ratio) changes only with a commit or when some source's data
 * turns stale, and every filter and prioritize of a scheduling cycle
 * asks for the same nodes: the loads that succeeded are kept in the
 * memo by node id (algo_node_memo), and a call then costs a lookup per
 * node.  Failures are not kept (their messages say how old the data is).
 */
struct wca_cached {
	const struct ns_node *node;
	int pmem;
	double cap[DIM_COUNT];		/* before Fit's cpu scaling */
	double used[DIM_COUNT];
	int has_ratio;
	double ratio;
	double data_t;
};

static const char WCA_MEMO[] = "wca";

/* wca_node_load(), through the memo when there is one. */
static int
node_load(const struct algo_ctx *ctx, struct algo_node_memo *m,
    struct wca_apps *apps, const struct ext_node *n, double cpu_scale,
    struct wca_node *w, const char **why)
{
	const struct ns_node *sn;
	struct wca_cached *c;
	size_t id;
	int d;

	if (m == NULL ||
	    (sn = ns_find(ctx->store, n->name, n->name_len)) == NULL)
		return wca_node_load(ctx, apps, n, cpu_scale, w, why);
	id = ns_node_id(sn);
	c = algo_node_slot(m, id);
	if (!algo_node_slot_valid(m, id)) {
		if (wca_node_load(ctx, apps, n, 1.0, w, why) < 0)
			return -1;
		c->node = w->v.node;
		c->pmem = w->v.pmem;
		memcpy(c->cap, w->cap, sizeof(c->cap));
		memcpy(c->used, w->used, sizeof(c->used));
		c->has_ratio = w->has_ratio;
		c->ratio = w->ratio;
		c->data_t = w->data_t;
		algo_node_slot_fill(m, id);
	}
	w->v.node = c->node;
	for (d = 0; d < DIM_COUNT; d++) {
		w->cap[d] = c->cap[d];
		w->used[d] = c->used[d];
	}
	if (cpu_scale != 1.0 && c->pmem)
		w->cap[DIM_CPU] *= cpu_scale;
	w->has_ratio = c->has_ratio;
	w->ratio = c->ratio;
	w->data_t = c->data_t;
	*why = NULL;
	return 0;
}

/* The decision log's view of a loaded node and of the pod's requests. */
static void
note_node(const struct algo_ctx *ctx, size_t i, const struct wca_node *w)
{
	struct dec_terms *t = algo_terms(ctx, i);
	size_t k;

	if (t == NULL)
		return;
	for (k = 0; k < ctx->cfg->ndims; k++) {
		enum dim d = ctx->cfg->dims[k];

		dec_term(t, (enum term)(TERM_CAPACITY + d), w->cap[d]);
		dec_term(t, (enum term)(TERM_USED + d), w->used[d]);
	}
	if (w->has_ratio)
		dec_term(t, TERM_MEMBW_RATIO, w->ratio);
	dec_term(t, TERM_AGE, ctx->now - w->data_t);
}

static void
note_pod(const struct algo_ctx *ctx, size_t n, const double req[DIM_COUNT])
{
	struct dec_terms *t = algo_terms(ctx, n);
	size_t k;

	for (k = 0; t && k < ctx->cfg->ndims; k++)
		dec_term(t, (enum term)(TERM_REQUESTED + ctx->cfg->dims[k]),
		    req[ctx->cfg->dims[k]]);
}

double
wca_least_used(const struct config *cfg, const enum dim *keys,
    const double *f, size_t k)
{
	double wsum = 0, sum = 0, wt[DIM_COUNT];
	size_t i;
	int d;

	for (d = 0; d < DIM_COUNT; d++)
		wt[d] = 0;
	if (cfg->has_least_used_weights) {
		/* Given weights: unlisted dimensions weigh nothing. */
		for (d = 0; d < DIM_COUNT; d++)
			if (cfg->has_least_used_weight_for[d]) {
				wt[d] = cfg->least_used_weights[d];
				wsum += wt[d];
			}
	} else if (cfg->score_mode == SCORE_WCA) {
		/*
		 * The original's defaults: 1 per configured dimension plus
		 * a membw_flat weight, which counts in W even when no
		 * fraction has that key (wca-original.md 3.3, 7.4).
		 */
		for (i = 0; i < cfg->ndims; i++)
			wt[cfg->dims[i]] = 1;
		wt[DIM_MEMBW_FLAT] = 1;
		for (d = 0; d < DIM_COUNT; d++)
			wsum += wt[d];
	} else {
		/* clamp: 1 per fraction, so an empty node scores 1. */
		for (i = 0; i < k; i++)
			wt[keys[i]] = 1;
		wsum = (double)k;
	}
	for (i = 0; i < k; i++)
		sum += (1.0 - f[i]) * wt[keys[i]];
	if (wsum == 0)
		return 0;
	return sum / wsum;
}

double
wca_bar(const struct config *cfg, const enum dim *keys, const double *f,
    size_t k)
{
	double mean = 0, var = 0;
	size_t i;

	if (k == 2)
		var = fabs(f[0] - f[1]);
	else if (k > 2) {
		for (i = 0; i < k; i++)
			mean += f[i];
		mean /= (double)k;
		for (i = 0; i < k; i++) {
			double wd = cfg->has_bar_weight_for[keys[i]] ?
			    cfg->bar_weights[keys[i]] : 1.0;

			var += wd * (f[i] - mean) * (f[i] - mean);
		}
		var /= (double)k;
	}
	return 1.0 - var;
}

/* "cpu=16,mem=64" for the debug lines. */
static const char *
vec(char *out, size_t cap, const struct config *cfg, const double *x)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < cfg->ndims && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s=%.15g",
		    i ? "," : "", dim_name(cfg->dims[i]), x[cfg->dims[i]]);
	return out;
}

int
wca_app_or_unknown(const struct algo_ctx *ctx, const struct ext_pod *pod,
    double req[DIM_COUNT], const char *verb, const char **why_out)
{
	const char *why;

	*why_out = NULL;
	if (wca_app_requests(ctx, pod->app, req, &why) == 0)
		return 0;
	if (log_on(LOGGER_ALGORITHM, LOG_DEBUG)) {
		char pn[96], an[96];

		log_debug(LOGGER_ALGORITHM, "%s algorithm=%s pod=%s app=%s: %s "
		    "(unknown_app=%s)", verb, algo_name(ctx->cfg->algo),
		    log_value(pn, sizeof(pn), pod->name, strlen(pod->name)),
		    pod->app ? log_value(an, sizeof(an), pod->app,
		    strlen(pod->app)) : "-", why,
		    ctx->cfg->unknown_app == UNKNOWN_APP_FAIL ? "fail" : "pass");
	}
	*why_out = why;
	return -1;
}

const char *
wca_fit_filter(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, struct filter_out *out,
    double cpu_scale)
{
	return wca_fit_filter_found(ctx, pod, nodes, n, out, cpu_scale, NULL);
}

const char *
wca_fit_filter_found(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, struct filter_out *out,
    double cpu_scale, const struct ns_node **found)
{
	double req[DIM_COUNT], free_[DIM_COUNT];
	struct wca_apps *apps = wca_apps_new(ctx);
	struct algo_node_memo *m = algo_node_memo(ctx, WCA_MEMO,
	    sizeof(struct wca_cached));
	struct wca_node w;
	const char *app_why;
	size_t i;

	for (i = 0; i < n; i++) {
		out[i].v = VERDICT_PASS;
		out[i].reason = NULL;
	}
	if (wca_app_or_unknown(ctx, pod, req, "filter", &app_why) < 0)
		return ctx->cfg->unknown_app == UNKNOWN_APP_FAIL ? app_why :
		    NULL;
	note_pod(ctx, n, req);
	for (i = 0; i < n; i++) {
		const char *why = NULL;

		/* free = capacity - used - requested is not kept: the three
		 * are, and recording is on every call's path. */
		if (node_load(ctx, m, apps, &nodes[i], cpu_scale, &w,
		    &why) == 0) {
			why = wca_fit(ctx, &w, req, free_);
			note_node(ctx, i, &w);
		} else
			memset(free_, 0, sizeof(free_));
		if (found != NULL)
			found[i] = w.v.node;
		if (why) {
			out[i].v = VERDICT_FAIL;
			out[i].reason = why;
		}
		if (log_on(LOGGER_ALGORITHM, LOG_DEBUG)) {
			char nn[96], an[96], b1[160], b2[160], b3[160];
			char b4[160];

			log_debug(LOGGER_ALGORITHM, "filter algorithm=%s "
			    "node=%s app=%s capacity=%s used=%s requested=%s "
			    "free=%s membw_ratio=%.15g verdict=%s%s%s",
			    algo_name(ctx->cfg->algo), log_value(nn, sizeof(nn),
			    nodes[i].name, nodes[i].name_len),
			    log_value(an, sizeof(an), pod->app,
			    strlen(pod->app)),
			    vec(b1, sizeof(b1), ctx->cfg, w.cap),
			    vec(b2, sizeof(b2), ctx->cfg, w.used),
			    vec(b3, sizeof(b3), ctx->cfg, req),
			    vec(b4, sizeof(b4), ctx->cfg, free_),
			    w.has_ratio ? w.ratio : NAN,
			    why ? "fail" : "pass", why ? ": " : "",
			    why ? why : "");
		}
	}
	return NULL;
}

void
wca_prioritize(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, double *priority,
    unsigned what)
{
	const struct config *cfg = ctx->cfg;
	double req[DIM_COUNT], f[DIM_COUNT];
	enum dim keys[DIM_COUNT];
	struct wca_apps *apps = wca_apps_new(ctx);
	struct algo_node_memo *m = algo_node_memo(ctx, WCA_MEMO,
	    sizeof(struct wca_cached));
	struct wca_node w;
	const char *app_why;
	size_t i;

	for (i = 0; i < n; i++)
		priority[i] = 0;
	if (wca_app_or_unknown(ctx, pod, req, "prioritize", &app_why) < 0)
		return;
	note_pod(ctx, n, req);
	for (i = 0; i < n; i++) {
		const char *why = NULL;
		double lu = 0, bar = 0, p = 0;
		int k = -1, j;
		struct dec_terms *t = algo_terms(ctx, i);

		if (node_load(ctx, m, apps, &nodes[i], 1.0, &w, &why) == 0) {
			k = wca_fractions(ctx, &w, req, keys, f, &why);
			note_node(ctx, i, &w);
		}
		if (k >= 0) {
			if (what & WCA_PRIO_LU)
				lu = wca_least_used(cfg, keys, f, (size_t)k);
			if (what & WCA_PRIO_BAR)
				bar = wca_bar(cfg, keys, f, (size_t)k);
			if (what == (WCA_PRIO_LU | WCA_PRIO_BAR))
				p = lu * cfg->least_used_weight + bar;
			else
				p = (what & WCA_PRIO_LU) ? lu : bar;
			priority[i] = p;
			for (j = 0; t && j < k; j++)
				dec_term(t, (enum term)(TERM_FRACTION + keys[j]),
				    f[j]);
			if (t && (what & WCA_PRIO_LU))
				dec_term(t, TERM_LEAST_USED, lu);
			if (t && (what & WCA_PRIO_BAR))
				dec_term(t, TERM_BAR, bar);
		}
		if (log_on(LOGGER_ALGORITHM, LOG_DEBUG)) {
			char nn[96], an[96], b1[160], b2[160], b3[160];
			char fr[200];
			size_t len = 0;

			fr[0] = '\0';
			for (j = 0; j < k && len < sizeof(fr); j++)
				len += (size_t)snprintf(fr + len,
				    sizeof(fr) - len, "%s%s=%.17g", j ? "," : "",
				    dim_name(keys[j]), f[j]);
			log_debug(LOGGER_ALGORITHM, "prioritize algorithm=%s "
			    "node=%s app=%s capacity=%s used=%s requested=%s "
			    "fractions=%s least_used=%.17g bar=%.17g "
			    "priority=%.17g%s%s", algo_name(cfg->algo),
			    log_value(nn, sizeof(nn), nodes[i].name,
			    nodes[i].name_len), log_value(an, sizeof(an),
			    pod->app, strlen(pod->app)),
			    vec(b1, sizeof(b1), cfg, w.cap),
			    vec(b2, sizeof(b2), cfg, w.used),
			    vec(b3, sizeof(b3), cfg, req), fr, lu, bar,
			    priority[i], why ? " scored 0: " : "",
			    why ? why : "");
		}
	}
}
