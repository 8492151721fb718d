/*
 * The arithmetic shared by TargetLoadPacking, LoadVariationRiskBalancing
 * and LowRiskOverCommitment (load-aware.md 1.1-1.4, 3.1).
 */
#include "trimaran.h"

#include <math.h>

#include "beta.h"

#define MEBI_FACTOR (1.0 / 1024.0 / 1024.0)	/* Trimaran's MegaFactor */
#define MAX_VARIANCE_ALLOWANCE 0.99
#define REPORTING_INTERVAL 60			/* s, TargetLoadPacking */

static double
clamp(double v, double lo, double hi)
{
	return fmax(fmin(v, hi), lo);
}

void
tri_usage_of(const struct ns_util *u, struct tri_usage *out)
{
	out->valid = u->have != 0;
	out->avg = 0;
	out->std = 0;
	if (u->have & NS_U_AVG)
		out->avg = u->avg;
	else if (u->have & NS_U_LATEST)
		out->avg = u->latest;
	if (u->have & NS_U_STD)
		out->std = u->std;
}

int
tri_tlp_cpu(const struct ns_util *u, double *pct)
{
	if (u->have & NS_U_AVG)
		*pct = u->avg;
	else if (u->have & NS_U_LATEST)
		*pct = u->latest;
	else
		return 0;
	return 1;
}

void
tri_resource_stats(enum tri_resource r, double allocatable, double request,
    const struct tri_usage *u, struct tri_stats *out)
{
	if (r == TRI_CPU) {
		out->capacity = allocatable;
		out->req = request;
	} else {
		out->capacity = allocatable * MEBI_FACTOR;
		out->req = request * MEBI_FACTOR;
	}
	out->used_avg = u->avg * out->capacity / 100;
	out->used_std = u->std * out->capacity / 100;
}

void
tri_mu_sigma(const struct tri_stats *s, double *mu, double *sigma)
{
	double req, avg, std;

	*mu = 0;
	*sigma = 0;
	if (s->capacity <= 0)
		return;
	req = fmax(s->req, 0);
	avg = clamp(s->used_avg, 0, s->capacity);
	std = clamp(s->used_std, 0, s->capacity);
	*mu = clamp((avg + req) / s->capacity, 0, 1);
	*sigma = clamp(std / s->capacity, 0, 1);
}

void
tri_node_requests_limits(const struct ns_res *pods_req,
    const struct ns_res *pods_lim, const struct ns_res *pod_req,
    const struct ns_res *pod_lim, const struct ns_res *allocatable,
    struct tri_node_rl *out)
{
	out->cap = *allocatable;
	out->req_mp = *pods_req;
	out->lim_mp = *pods_lim;
	out->req.cpu_m = pods_req->cpu_m + pod_req->cpu_m;
	out->req.mem_b = pods_req->mem_b + pod_req->mem_b;
	out->lim.cpu_m = pods_lim->cpu_m + pod_lim->cpu_m;
	out->lim.mem_b = pods_lim->mem_b + pod_lim->mem_b;
	out->req.cpu_m = fmin(out->req.cpu_m, allocatable->cpu_m);
	out->req.mem_b = fmin(out->req.mem_b, allocatable->mem_b);
	out->req_mp.cpu_m = fmin(out->req_mp.cpu_m, allocatable->cpu_m);
	out->req_mp.mem_b = fmin(out->req_mp.mem_b, allocatable->mem_b);
}

/*
 * Go's math.Pow: special cases, then x^yf by Exp(yf * Log(x)) and x^yi by
 * squaring the mantissa.  Only 1/2 takes the square root, and integer
 * exponents are products, so LVRB's sigma^(1/s) matches Go for s = 1, 2.
 */
double
tri_go_pow(double x, double y)
{
	double yi, yf, a1 = 1, x1;
	int ae = 0, xe;
	long long i;

	if (y == 0 || x == 1)
		return 1;
	if (y == 1)
		return x;
	if (isnan(x) || isnan(y))
		return NAN;
	if (x == 0) {
		if (y < 0)
			return signbit(x) && fmod(y, 2) == 1 ? -INFINITY :
			    INFINITY;
		return signbit(x) && fmod(y, 2) == 1 ? x : 0;
	}
	if (isinf(y)) {
		if (x == -1)
			return 1;
		if ((fabs(x) < 1) == (y > 0))
			return 0;
		return INFINITY;
	}
	if (isinf(x))
		return pow(x, y);	/* no rounding left to match */
	if (y == 0.5)
		return sqrt(x);
	if (y == -0.5)
		return 1 / sqrt(x);
	yf = modf(fabs(y), &yi);
	if (yf != 0 && x < 0)
		return NAN;
	if (yi >= 9.2e18)
		return pow(x, y);
	if (yf != 0) {
		if (yf > 0.5) {
			yf--;
			yi++;
		}
		a1 = exp(yf * log(x));
	}
	x1 = frexp(x, &xe);
	for (i = (long long)yi; i != 0; i >>= 1) {
		if (xe < -(1 << 12) || (1 << 12) < xe) {
			ae += xe;
			break;
		}
		if (i & 1) {
			a1 *= x1;
			ae += xe;
		}
		x1 *= x1;
		xe <<= 1;
		if (x1 < .5) {
			x1 += x1;
			xe--;
		}
	}
	if (y < 0) {
		a1 = 1 / a1;
		ae = -ae;
	}
	return ldexp(a1, ae);
}

/* ---- TargetLoadPacking ---- */

static double
tlp_target(const struct tlp_args *a)
{
	return a->target > 0 ? a->target : 40;
}

double
tlp_predict_cpu(const struct tlp_args *a, const struct ns_container *c,
    size_t n, const struct ns_container *overhead)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (c[i].flags & NS_C_INIT)
			continue;
		if (c[i].flags & NS_C_LIM_CPU)
			sum += c[i].lim.cpu_m;
		else if (c[i].flags & NS_C_REQ_CPU)
			sum += round(c[i].req.cpu_m * a->multiplier);
		else
			sum += a->default_cpu_m;
	}
	if (overhead != NULL)
		sum += overhead->req.cpu_m;
	return sum;
}

int
tlp_recent(double bound, double window_end)
{
	/* Go compares whole Unix seconds: Timestamp.Unix() truncates */
	double t = floor(bound), end = floor(window_end);

	return t > end || end - t < REPORTING_INTERVAL;
}

long
tlp_score(const struct tlp_args *a, double capacity_m, double util_pct,
    double pod_m, double missing_m, struct tlp_detail *d)
{
	double x = tlp_target(a), used, u = 0;

	used = (util_pct / 100) * capacity_m;
	if (capacity_m != 0)
		u = 100 * (used + pod_m + missing_m) / capacity_m;
	if (d != NULL) {
		d->used_m = used;
		d->predicted = u;
	}
	if (u > x) {
		if (u > 100)
			return 0;
		return (long)round(x * (100 - u) / (100 - x));
	}
	return (long)round((100 - x) * u / x + x);
}

/* ---- LoadVariationRiskBalancing ---- */

double
lvrb_compute_score(const struct tri_stats *s, double margin,
    double sensitivity)
{
	double mu, sigma;

	if (s->capacity <= 0)
		return 0;
	tri_mu_sigma(s, &mu, &sigma);
	if (sensitivity >= 0)
		sigma = tri_go_pow(sigma, 1 / sensitivity);
	sigma = clamp(sigma * margin, 0, 1);
	return (1 - (mu + sigma) / 2) * 100;
}

long
lvrb_combine(int cpu_ok, double cpu, int mem_ok, double mem)
{
	double total;

	if (cpu_ok && mem_ok)
		total = fmin(mem, cpu);
	else
		total = fmax(mem_ok ? mem : 0, cpu_ok ? cpu : 0);
	return (long)round(total);
}

/* ---- LowRiskOverCommitment ---- */

static double
res_of(enum tri_resource r, const struct ns_res *x)
{
	return r == TRI_CPU ? x->cpu_m : x->mem_b;
}

double
lroc_risk_limit(enum tri_resource r, const struct tri_node_rl *rl)
{
	double req = res_of(r, &rl->req), lim = res_of(r, &rl->lim);
	double cap = res_of(r, &rl->cap);

	/* the limits' overcommitment: integer differences, then a ratio */
	return lim > cap ? (lim - cap) / (lim - req) : 0;
}

double
lroc_risk_load(enum tri_resource r, long window, const struct tri_usage *u,
    const struct tri_node_rl *rl, struct lroc_detail *d)
{
	double cap = res_of(r, &rl->cap), req_mp = res_of(r, &rl->req_mp);
	double lim_mp = res_of(r, &rl->lim_mp), p;
	struct tri_stats s;

	d->mu = d->sigma = d->threshold = d->prob = 0;
	d->fitted = 0;
	d->alpha = d->beta = 0;
	d->risk_load = 0;
	if (!u->valid)
		return 0;
	/* the measured load, with no request added */
	tri_resource_stats(r, cap, 0, u, &s);
	tri_mu_sigma(&s, &d->mu, &d->sigma);
	d->sigma *= sqrt((double)window);	/* undo the smoothing */
	d->sigma = fmin(d->sigma, sqrt(beta_max_variance(d->mu) *
	    MAX_VARIANCE_ALLOWANCE));
	d->threshold = clamp(req_mp / cap, 0, 1);
	p = beta_probability(d->mu, d->sigma, d->threshold, &d->fitted,
	    &d->alpha, &d->beta);
	if (lim_mp < cap && req_mp <= lim_mp) {
		double tl = lim_mp / cap;

		if (tl == 0) {
			p = 1;	/* zero over zero */
		} else if (d->fitted) {
			double q = beta_cdf(d->alpha, d->beta, tl);

			if (q > 0)
				p = clamp(p / q, 0, 1);
		}
	}
	d->prob = p;
	d->risk_load = 1 - p;
	return d->risk_load;
}

double
lroc_combine_risk(double weight, double risk_limit, double risk_load)
{
	return clamp(weight * risk_limit + (1 - weight) * risk_load, 0, 1);
}

double
lroc_compute_risk(enum tri_resource r, long window, double weight,
    const struct tri_usage *u, const struct tri_node_rl *rl,
    struct lroc_detail *d)
{
	struct lroc_detail local;

	if (d == NULL)
		d = &local;
	d->risk_limit = lroc_risk_limit(r, rl);
	lroc_risk_load(r, window, u, rl, d);
	return lroc_combine_risk(weight, d->risk_limit, d->risk_load);
}

long
lroc_score(double risk_cpu, double risk_memory)
{
	return (long)round((1 - fmax(risk_cpu, risk_memory)) * 100);
}

/* ---- fallback ---- */

/*
 * kube-scheduler's integer arithmetic where it fits; requests summed from
 * saturated quantities (9.2e18) do not fit an int64 product, and
 * converting them would be undefined (found by fuzz_extender), so those
 * are done in doubles, clamped to 0..100.
 */
static void
least_allocated_add(double req, double alloc, long *sum, long *weights)
{
	double s;

	if (!(alloc > 0))
		return;
	if (!(req <= alloc))
		s = 0;
	else if (req >= 0 && alloc < 9e16) {
		long long r = (long long)req, a = (long long)alloc;

		s = (double)((a - r) * 100 / a);
	} else
		s = fmin(fmax(floor((alloc - req) * 100 / alloc), 0), 100);
	*sum += (long)s;
	(*weights)++;
}

long
tri_least_allocated(const struct ns_res *requested,
    const struct ns_res *allocatable)
{
	long sum = 0, weights = 0;

	least_allocated_add(requested->cpu_m, allocatable->cpu_m, &sum,
	    &weights);
	least_allocated_add(requested->mem_b, allocatable->mem_b, &sum,
	    &weights);
	return weights ? sum / weights : 0;
}
