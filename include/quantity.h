/*
 * quantity: Kubernetes resource quantities ("100m", "1.5", "2Gi",
 * "5e3"), as resource.ParseQuantity reads them, and the two integer views
 * the scheduler uses: MilliValue() and Value(), both rounded up
 * (ceil(q * 1000), ceil(q)), so "0.5m" cpu is 1 millicore and "1.5" bytes
 * is 2 (load-aware.md 1.1).
 *
 * Grammar: [+-] (digits [. [digits]] | . digits) suffix, suffix one of
 * "" n u m k M G T P E (decimal), Ki Mi Gi Ti Pi Ei (binary), or
 * e|E [+-] digits (decimal exponent).  Up to 18 significant digits are
 * kept exactly; digits after those only make the value round up.
 * Results saturate at INT64_MAX / INT64_MIN, as Kubernetes' do.
 */
#ifndef WCA_QUANTITY_H
#define WCA_QUANTITY_H

#include <stddef.h>
#include <stdint.h>

struct quantity {
	int neg;
	uint64_t mant;		/* significant digits */
	int inexact;		/* non-zero digits beyond those were dropped */
	int exp10;		/* value = mant * 10^exp10 * 2^exp2 */
	int exp2;
};

/* 0, or -1 when `s` (length n, no NUL needed) is not a quantity. */
int quantity_parse(const char *s, size_t n, struct quantity *q);

/* ceil(q * 10^scale), saturated to int64. */
int64_t quantity_scaled(const struct quantity *q, int scale);

static inline int64_t
quantity_milli(const struct quantity *q)
{
	return quantity_scaled(q, 3);
}

static inline int64_t
quantity_value(const struct quantity *q)
{
	return quantity_scaled(q, 0);
}

#endif
