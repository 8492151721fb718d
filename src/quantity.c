/*
 * Exact integer arithmetic throughout: a double would turn "0.1" into
 * 0.1000000000000000055 and MilliValue() into 101 after the ceil.
 */
#include "quantity.h"

#include <string.h>

#define MANT_DIGITS 18

static const struct {
	char c;
	int exp10;
} decimal_si[] = {
	{ 'n', -9 }, { 'u', -6 }, { 'm', -3 }, { 'k', 3 }, { 'M', 6 },
	{ 'G', 9 }, { 'T', 12 }, { 'P', 15 }, { 'E', 18 },
};

static int
parse_exponent(const char *s, size_t n, int *out)
{
	size_t i = 0;
	int neg = 0, e = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (e < 100000)		/* far beyond any int64 result */
			e = e * 10 + (s[i] - '0');
	}
	*out = neg ? -e : e;
	return 0;
}

static int
parse_suffix(const char *s, size_t n, struct quantity *q)
{
	static const char binary[] = "KMGTPE";
	size_t i;
	int e;

	if (n == 0)
		return 0;
	if (n == 2 && s[1] == 'i') {
		for (i = 0; binary[i]; i++)
			if (s[0] == binary[i]) {
				q->exp2 = 10 * (int)(i + 1);
				return 0;
			}
		return -1;
	}
	if (n == 1)
		for (i = 0; i < sizeof(decimal_si) / sizeof(decimal_si[0]); i++)
			if (s[0] == decimal_si[i].c) {
				q->exp10 += decimal_si[i].exp10;
				return 0;
			}
	if ((s[0] == 'e' || s[0] == 'E') && parse_exponent(s + 1, n - 1,
	    &e) == 0) {
		q->exp10 += e;
		return 0;
	}
	return -1;
}

int
quantity_parse(const char *s, size_t n, struct quantity *q)
{
	size_t i = 0;
	int digits = 0, sig = 0, seen_dot = 0;

	memset(q, 0, sizeof(*q));
	if (i < n && (s[i] == '+' || s[i] == '-'))
		q->neg = s[i++] == '-';
	for (; i < n; i++) {
		int d;

		if (s[i] == '.' && !seen_dot) {
			seen_dot = 1;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			break;
		d = s[i] - '0';
		digits++;
		if (sig == 0 && d == 0) {
			if (seen_dot)
				q->exp10--;
			continue;
		}
		if (sig < MANT_DIGITS) {
			q->mant = q->mant * 10 + (uint64_t)d;
			sig++;
			if (seen_dot)
				q->exp10--;
		} else {
			if (d)
				q->inexact = 1;
			if (!seen_dot)
				q->exp10++;
		}
	}
	if (digits == 0)
		return -1;
	if (q->mant == 0) {
		q->exp10 = 0;
		q->inexact = 0;
	}
	return parse_suffix(s + i, n - i, q);
}

int64_t
quantity_scaled(const struct quantity *q, int scale)
{
	typedef unsigned __int128 u128;
	const u128 max = (u128)INT64_MAX;
	long e = (long)q->exp10 + scale;
	u128 v = q->mant;
	int round_up;

	if (v == 0)
		return 0;
	/* mant < 10^18 < 2^60 and exp2 <= 60: the shift fits in 128 bits. */
	v <<= q->exp2;
	if (e >= 0) {
		for (; e > 0 && v <= max; e--)
			v *= 10;
		round_up = q->inexact;
	} else {
		u128 d = 1;

		if (e < -38) {
			/* 0 < |q| * 10^scale < 1 */
			return q->neg ? 0 : 1;
		}
		for (; e < 0; e++)
			d *= 10;
		round_up = v % d != 0 || q->inexact;
		v /= d;
	}
	if (q->neg)
		return v > max ? INT64_MIN : -(int64_t)v;
	if (round_up)
		v++;
	return v > max ? INT64_MAX : (int64_t)v;
}
