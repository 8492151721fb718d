#include "beta.h"

#include <float.h>
#include <math.h>

int
beta_moments(double a, double b, double m[3])
{
	if (!(a > 0 && b > 0))
		return 0;
	/* Each moment from the one before, in this order (tolerance 0). */
	m[0] = a / (a + b);
	m[1] = m[0] * (a + 1) / (a + b + 1);
	m[2] = m[1] * (a + 2) / (a + b + 2);
	return 1;
}

/* log B(a, b) for a, b > 0. */
static double
log_beta(double a, double b)
{
	return lgamma(a) + lgamma(b) - lgamma(a + b);
}

double
beta_pdf(double a, double b, double x)
{
	double r;

	if (!(a > 0 && b > 0) || !(x >= 0 && x <= 1))
		return 0;
	r = pow(x, a - 1) * pow(1 - x, b - 1) / exp(log_beta(a, b));
	return isnan(r) || r < 0 ? 0 : r;
}

/* One modified-Lentz step with partial numerator `num`: its factor. */
static double
lentz_step(double num, double *c, double *d)
{
	const double tiny = 1e-300;

	*d = 1 + num * *d;
	*c = 1 + num / *c;
	if (fabs(*d) < tiny)
		*d = tiny;
	if (fabs(*c) < tiny)
		*c = tiny;
	*d = 1 / *d;
	return *d * *c;
}

/*
 * The continued fraction of I_x(a, b) (DLMF 8.17.22), evaluated by the
 * modified Lentz method; it converges fast for x < (a + 1) / (a + b + 2).
 */
static double
incbeta_fraction(double a, double b, double x)
{
	const double eps = 4 * DBL_EPSILON;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;
	int m;

	if (fabs(d) < 1e-300)
		d = 1e-300;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 10000; m++) {
		double m2 = 2.0 * m, del;

		/* d_{2m} = m (b - m) x / ((a + 2m - 1)(a + 2m)) */
		h *= lentz_step(m * (b - m) * x / ((a + m2 - 1) * (a + m2)),
		    &c, &d);
		/* d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)) */
		del = lentz_step(-(a + m) * (a + b + m) * x /
		    ((a + m2) * (a + m2 + 1)), &c, &d);
		h *= del;
		if (fabs(del - 1) < eps)
			break;
	}
	return h;
}

double
beta_cdf(double a, double b, double x)
{
	double front;

	if (!(a > 0 && b > 0) || isnan(x))
		return NAN;
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	/* x^a (1-x)^b / B(a,b), in logs so that large a, b do not overflow */
	front = exp(a * log(x) + b * log1p(-x) - log_beta(a, b));
	if (x < (a + 1) / (a + b + 2))
		return front * incbeta_fraction(a, b, x) / a;
	/* I_x(a,b) = 1 - I_{1-x}(b,a): the fraction converges there */
	return 1 - front * incbeta_fraction(b, a, 1 - x) / b;
}

double
beta_max_variance(double mu)
{
	return mu > 0 && mu < 1 ? mu * (1 - mu) : 0;
}

int
beta_match_moments(double m1, double m2, double *alpha, double *beta)
{
	double v = m2 - m1 * m1, k;

	if (v < 0 || v >= beta_max_variance(m1))
		return 0;
	k = m1 * (1 - m1) / v - 1;
	if (k < DBL_TRUE_MIN)
		k = DBL_TRUE_MIN;	/* Go's math.SmallestNonzeroFloat64 */
	*alpha = m1 * k;
	*beta = (1 - m1) * k;
	return 1;
}

double
beta_probability(double mu, double sigma, double t, int *fitted,
    double *alpha, double *beta)
{
	double p;

	*fitted = 0;
	if (mu == 0 || (sigma == 0 && mu <= t))
		return 1;
	if (sigma == 0)
		return 0;
	if (!beta_match_moments(mu, sigma * sigma + mu * mu, alpha, beta))
		return 0;
	*fitted = 1;
	p = beta_cdf(*alpha, *beta, t);
	return isnan(p) || p < 0 || p > 1 ? 0 : p;
}
