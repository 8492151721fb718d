/*
 * beta: the Beta distribution LowRiskOverCommitment fits to a node's
 * load (load-aware.md 1.4), with the semantics of Trimaran's beta.go.
 */
#ifndef WCA_BETA_H
#define WCA_BETA_H

/* The first three raw moments; 0 (invalid: alpha or beta <= 0) or 1. */
int beta_moments(double alpha, double beta, double m[3]);
/* Density at x; 0 outside [0,1] and for invalid parameters. */
double beta_pdf(double alpha, double beta, double x);
/*
 * P(X <= x): 0 for x <= 0, 1 for x >= 1, else the regularised incomplete
 * beta function I_x(alpha, beta) (continued fraction; NaN for invalid
 * parameters).
 */
double beta_cdf(double alpha, double beta, double x);
/* mu (1 - mu) for 0 < mu < 1, else 0: the largest variance possible. */
double beta_max_variance(double mu);
/* The parameters with mean m1 and second moment m2; 0 if there are none. */
int beta_match_moments(double m1, double m2, double *alpha, double *beta);
/*
 * P(X <= t) for the Beta with mean mu and standard deviation sigma
 * (Trimaran's ComputeProbability).  *fitted says whether a distribution
 * was fitted (then *alpha, *beta are set): without one there is nothing
 * to condition on.
 */
double beta_probability(double mu, double sigma, double t, int *fitted,
    double *alpha, double *beta);

#endif
