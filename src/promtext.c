#include "promtext.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * Choices not fixed by promtext.h:
 *
 * - Numbers: a fast path for decimals whose significant digits fit in
 *   2^53 and whose power of ten is exact in a double (Clinger: one
 *   correctly rounded IEEE operation gives the correctly rounded result);
 *   everything else goes to strtod() on a rewritten copy that holds only
 *   digits and an exponent ("12.5e3" becomes "125e2"), so the locale's
 *   radix character never matters.  Significant digits past 800 are
 *   folded into one sticky digit: a double's rounding boundaries have at
 *   most 767, so the result is unchanged and the copy fits on the stack.
 * - The fast path needs FLT_EVAL_METHOD 0 (no x87 excess precision);
 *   elsewhere every number takes strtod().
 * - Label values are scanned a byte class at a time from one table; the
 *   scan stops only at '"', '\\', LF and bytes >= 0x80 (UTF-8 checked
 *   there).  Values without escapes are spans into the line; the first
 *   escape on a line reserves the line's length in the scratch buffer,
 *   so that later values on the line never move earlier ones.
 */

#define C_NAME0		0x01	/* [a-zA-Z_:] */
#define C_NAME		0x02	/* [a-zA-Z0-9_:] */
#define C_LNAME0	0x04	/* [a-zA-Z_] */
#define C_LNAME		0x08	/* [a-zA-Z0-9_] */
#define C_BLANK		0x10	/* SP HTAB */
#define C_VSTOP		0x20	/* '"' '\\' LF >= 0x80: stop a value */
#define C_DIGIT		0x40

static const unsigned char ctab[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x00 */
	0x00, 0x10, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x10 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x10, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,	/* 0x20 */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x4a, 0x4a, 0x4a, 0x4a, 0x4a, 0x4a, 0x4a, 0x4a,	/* 0x30 */
	0x4a, 0x4a, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,	/* 0x40 */
	0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,
	0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,	/* 0x50 */
	0x0f, 0x0f, 0x0f, 0x00, 0x20, 0x00, 0x00, 0x0f,
	0x00, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,	/* 0x60 */
	0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,
	0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,	/* 0x70 */
	0x0f, 0x0f, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,	/* 0x80 */
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,	/* 0x90 */
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,	/* 0xa0 */
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,	/* 0xb0 */
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,	/* 0xc0 */
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,	/* 0xd0 */
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,	/* 0xe0 */
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,	/* 0xf0 */
	0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
};

#define IS(c, cls)	(ctab[(unsigned char)(c)] & (cls))

/* Significant digits handed to strtod(), before the sticky one. */
#define SLOW_DIGITS	800
/* |exponent| handed to strtod(): far past any double with SLOW_DIGITS. */
#define SLOW_EXP_MAX	100000
/* Exponent digits are read up to this, then saturate. */
#define EXP_SAT		1000000000000000LL

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

static const uint64_t pow10_u64[] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
	10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
	100000000000ULL, 1000000000000ULL, 10000000000000ULL,
	100000000000000ULL, 1000000000000000ULL
};

#define TWO53		9007199254740992ULL

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Does s[0..n) equal the lower-case word w, ignoring ASCII case? */
static int
word_ieq(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' ||
		    lower((unsigned char)s[i]) != (unsigned char)w[i])
			return 0;
	return w[n] == '\0';
}

/*
 * The slow path: the significant digits of int[ip..ipe) and
 * frac[fp..fpe) with decimal exponent exp, through strtod() on a copy
 * made of digits and an exponent only.
 */
static double
slow_decimal(const char *ip, const char *ipe, const char *fp,
    const char *fpe, long long exp)
{
	char tmp[SLOW_DIGITS + 32], *q;
	size_t k = 0;
	long long e = exp;
	int sticky = 0;
	unsigned long long u;
	const char *d;

	for (d = ip; d < ipe; d++) {
		if (k == 0 && *d == '0')
			continue;
		if (k < SLOW_DIGITS)
			tmp[k++] = *d;
		else {
			e++;
			sticky |= *d != '0';
		}
	}
	for (d = fp; d < fpe; d++) {
		if (k == 0 && *d == '0') {
			e--;
			continue;
		}
		if (k < SLOW_DIGITS) {
			tmp[k++] = *d;
			e--;
		} else
			sticky |= *d != '0';
	}
	if (k == 0)
		return 0.0;
	if (sticky) {
		tmp[k++] = '1';
		e--;
	}
	if (e > SLOW_EXP_MAX)
		e = SLOW_EXP_MAX;
	if (e < -SLOW_EXP_MAX)
		e = -SLOW_EXP_MAX;
	tmp[k++] = 'e';
	if (e < 0) {
		tmp[k++] = '-';
		e = -e;
	}
	/* At most 6 exponent digits, written backwards then in place. */
	q = tmp + sizeof(tmp) - 1;
	*q = '\0';
	u = (unsigned long long)e;
	do
		*--q = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	memmove(tmp + k, q, (size_t)(tmp + sizeof(tmp) - q));
	return strtod(tmp, NULL);
}

/*
 * Parse the value token s[0..n).  Returns 0, or -1 with *why set: not a
 * number, or a finite number beyond the double range (Go's ErrRange).
 */
static int
parse_value(const char *s, size_t n, double *out, const char **why)
{
	const char *e = s + n, *ip, *ipe, *fp = NULL, *fpe = NULL;
	uint64_t w = 0;
	long long e10 = 0, x = 0;
	int neg = 0, nsig = 0, trunc = 0, eneg = 0;
	unsigned d;
	double v;

	*why = "expected a number as value";
	if (s < e && (*s == '+' || *s == '-')) {
		neg = *s == '-';
		s++;
	}
	if (s < e && !IS(*s, C_DIGIT) && *s != '.') {
		size_t m = (size_t)(e - s);

		if (word_ieq(s, m, "inf") || word_ieq(s, m, "infinity")) {
			*out = neg ? -HUGE_VAL : HUGE_VAL;
			return 0;
		}
		/* Go takes no sign on NaN. */
		if (m == n && word_ieq(s, m, "nan")) {
			*out = NAN;
			return 0;
		}
		return -1;
	}
	ip = s;
	while (s < e && IS(*s, C_DIGIT)) {
		d = (unsigned)(*s - '0');
		if (nsig < 19) {
			if (w != 0 || d != 0) {
				w = w * 10 + d;
				nsig++;
			}
		} else {
			e10++;
			trunc |= d != 0;
		}
		s++;
	}
	ipe = s;
	if (s < e && *s == '.') {
		fp = ++s;
		while (s < e && IS(*s, C_DIGIT)) {
			d = (unsigned)(*s - '0');
			if (nsig < 19) {
				if (w != 0 || d != 0) {
					w = w * 10 + d;
					nsig++;
				}
				e10--;
			} else
				trunc |= d != 0;
			s++;
		}
		fpe = s;
	}
	if (ipe == ip && fpe == fp)
		return -1;		/* no digit: "", ".", "+", "e5" */
	if (s < e && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < e && (*s == '+' || *s == '-')) {
			eneg = *s == '-';
			s++;
		}
		if (s == e || !IS(*s, C_DIGIT))
			return -1;
		while (s < e && IS(*s, C_DIGIT)) {
			if (x < EXP_SAT)
				x = x * 10 + (*s - '0');
			s++;
		}
		e10 += eneg ? -x : x;
	}
	if (s != e)
		return -1;
	if (w == 0) {
		*out = neg ? -0.0 : 0.0;
		return 0;
	}
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
	if (!trunc && w <= TWO53) {
		if (e10 >= 0 && e10 <= 22) {
			v = (double)w * pow10_exact[e10];
			*out = neg ? -v : v;
			return 0;
		}
		if (e10 < 0 && e10 >= -22) {
			v = (double)w / pow10_exact[-e10];
			*out = neg ? -v : v;
			return 0;
		}
		/* 1.5e30: 15e29 = 15e7 * 1e22, both exact. */
		if (e10 > 22 && e10 <= 22 + 15 &&
		    w <= TWO53 / pow10_u64[e10 - 22]) {
			v = (double)(w * pow10_u64[e10 - 22]) * 1e22;
			*out = neg ? -v : v;
			return 0;
		}
	}
#endif
	if (fp == NULL)
		fp = fpe = ipe;
	v = slow_decimal(ip, ipe, fp, fpe, eneg ? -x : x);
	if (isinf(v)) {
		*why = "number out of range";
		return -1;
	}
	*out = neg ? -v : v;
	return 0;
}

/* [+-]digits within int64. */
static int
parse_timestamp(const char *s, size_t n, int64_t *out)
{
	const char *e = s + n;
	uint64_t u = 0, lim;
	int neg = 0;

	if (s < e && (*s == '+' || *s == '-')) {
		neg = *s == '-';
		s++;
	}
	if (s == e)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; s < e; s++) {
		unsigned d;

		if (!IS(*s, C_DIGIT))
			return -1;
		d = (unsigned)(*s - '0');
		if (u > (lim - d) / 10)
			return -1;
		u = u * 10 + d;
	}
	if (!neg)
		*out = (int64_t)u;
	else if (u == (uint64_t)INT64_MAX + 1)
		*out = INT64_MIN;
	else
		*out = -(int64_t)u;
	return 0;
}

/*
 * Length of the valid UTF-8 sequence at s (s[0] >= 0x80), or 0.  The
 * rules are Go's utf8.ValidString: no overlong form, no surrogate,
 * nothing past U+10FFFF.
 */
static size_t
utf8_len(const unsigned char *s, const unsigned char *e)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if ((size_t)(e - s) < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static int
fail(struct prom_parser *p, const char *line, const char *at,
    const char **why, const char *reason)
{
	p->col = (size_t)(at - line) + 1;
	*why = reason;
	return PROM_ERROR;
}

static const char *
skip_blanks(const char *s, const char *e)
{
	while (s < e && IS(*s, C_BLANK))
		s++;
	return s;
}

/*
 * The first byte of s[0..e) that stops a label value scan ('"', '\\',
 * LF, >= 0x80), or e.  Eight bytes at a time where loads may be
 * unaligned and little-endian: a byte equal to c is a zero byte of
 * x ^ c*0x01..01, and the lowest bit of the classic zero-byte test is
 * exact (its false positives sit only above a true zero byte).
 */
static const char *
scan_value(const char *s, const char *e)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    (defined(__x86_64__) || defined(__i386__) || defined(__aarch64__))
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;

	while (e - s >= 8) {
		uint64_t x, q, b, n, m;

		memcpy(&x, s, 8);
		q = x ^ (ones * '"');
		b = x ^ (ones * '\\');
		n = x ^ (ones * '\n');
		m = ((q - ones) & ~q) | ((b - ones) & ~b) | ((n - ones) & ~n) |
		    x;
		m &= high;
		if (m != 0)
			return s + (__builtin_ctzll(m) >> 3);
		s += 8;
	}
#endif
	while (s < e && !IS(*s, C_VSTOP))
		s++;
	return s;
}

/* Copy the escaped value v[0..n) unescaped to the scratch buffer. */
static struct prom_span
unescape(struct buf *b, const char *v, size_t n)
{
	struct prom_span r;
	char *q = b->p + b->len;
	size_t i;

	r.p = q;
	for (i = 0; i < n; i++) {
		if (v[i] == '\\') {
			i++;
			*q++ = v[i] == 'n' ? '\n' : v[i];
		} else
			*q++ = v[i];
	}
	r.n = (size_t)(q - r.p);
	b->len += r.n;
	return r;
}

int
prom_parse_line(struct prom_parser *p, const char *line, size_t len,
    struct prom_sample *out, const char **why)
{
	const char *s = line, *e = line + len, *t;
	int scratch_ready = 0;

	if (len > 0 && e[-1] == '\r')
		e--;
	s = skip_blanks(s, e);
	if (s == e || *s == '#')
		return PROM_SKIP;

	if (!IS(*s, C_NAME0))
		return fail(p, line, s, why, "invalid metric name");
	t = s++;
	while (s < e && IS(*s, C_NAME))
		s++;
	out->name.p = t;
	out->name.n = (size_t)(s - t);
	out->nlabels = 0;
	out->has_timestamp = 0;
	s = skip_blanks(s, e);

	if (s < e && *s == '{') {
		s++;
		for (;;) {
			struct prom_label *l;
			const char *v;
			size_t i;
			int esc = 0;

			s = skip_blanks(s, e);
			if (s < e && *s == '}')
				break;
			if (s == e)
				return fail(p, line, s, why,
				    "unterminated label set");
			if (!IS(*s, C_LNAME0))
				return fail(p, line, s, why,
				    "invalid label name");
			if (out->nlabels == PROM_MAX_LABELS)
				return fail(p, line, s, why, "too many labels");
			l = &out->labels[out->nlabels];
			t = s++;
			while (s < e && IS(*s, C_LNAME))
				s++;
			l->name.p = t;
			l->name.n = (size_t)(s - t);
			if (l->name.n == 8 && memcmp(t, "__name__", 8) == 0)
				return fail(p, line, t, why,
				    "label name __name__ is reserved");
			for (i = 0; i < out->nlabels; i++)
				if (out->labels[i].name.n == l->name.n &&
				    out->labels[i].name.p[0] == t[0] &&
				    memcmp(out->labels[i].name.p, t,
				    l->name.n) == 0)
					return fail(p, line, t, why,
					    "duplicate label name");
			s = skip_blanks(s, e);
			if (s == e || *s != '=')
				return fail(p, line, s, why,
				    "expected '=' after label name");
			s = skip_blanks(s + 1, e);
			if (s == e || *s != '"')
				return fail(p, line, s, why,
				    "expected '\"' to open the label value");
			v = ++s;
			for (;;) {
				size_t k;

				s = scan_value(s, e);
				if (s == e)
					return fail(p, line, s, why,
					    "unterminated label value");
				if (*s == '"')
					break;
				if (*s == '\\') {
					if (s + 1 == e || (s[1] != '\\' &&
					    s[1] != '"' && s[1] != 'n'))
						return fail(p, line, s, why,
						    "invalid escape in label "
						    "value");
					esc = 1;
					s += 2;
					continue;
				}
				if (*s == '\n')
					return fail(p, line, s, why,
					    "raw newline in label value");
				k = utf8_len((const unsigned char *)s,
				    (const unsigned char *)e);
				if (k == 0)
					return fail(p, line, s, why,
					    "invalid UTF-8 in label value");
				s += k;
			}
			if (esc) {
				if (!scratch_ready) {
					p->scratch.len = 0;
					buf_reserve(&p->scratch, len);
					scratch_ready = 1;
				}
				l->value = unescape(&p->scratch, v,
				    (size_t)(s - v));
			} else {
				l->value.p = v;
				l->value.n = (size_t)(s - v);
			}
			s++;
			out->nlabels++;
			s = skip_blanks(s, e);
			if (s < e && *s == ',') {
				s++;
				continue;
			}
			if (s < e && *s == '}')
				break;
			return fail(p, line, s, why, s == e ?
			    "unterminated label set" :
			    "expected ',' or '}' after label value");
		}
		s = skip_blanks(s + 1, e);
	}

	t = s;
	while (s < e && !IS(*s, C_BLANK))
		s++;
	if (s == t)
		return fail(p, line, s, why, "missing value");
	if (parse_value(t, (size_t)(s - t), &out->value, why) < 0)
		return fail(p, line, t, why, *why);
	s = skip_blanks(s, e);
	if (s == e)
		return PROM_SAMPLE;

	t = s;
	while (s < e && !IS(*s, C_BLANK))
		s++;
	if (parse_timestamp(t, (size_t)(s - t), &out->timestamp_ms) < 0)
		return fail(p, line, t, why,
		    "expected an integer timestamp in milliseconds");
	out->has_timestamp = 1;
	s = skip_blanks(s, e);
	if (s != e)
		return fail(p, line, s, why, "unexpected text after timestamp");
	return PROM_SAMPLE;
}

void
prom_parser_init(struct prom_parser *p)
{
	buf_init(&p->scratch);
	prom_parser_reset(p);
}

void
prom_parser_reset(struct prom_parser *p)
{
	memset(&p->st, 0, sizeof(p->st));
	p->scratch.len = 0;
	p->col = 0;
	p->scanned = 0;
}

void
prom_parser_free(struct prom_parser *p)
{
	buf_free(&p->scratch);
}

int
prom_feed(struct prom_parser *p, const char *buf, size_t len, size_t *pos,
    int final, size_t max_lines, prom_sample_fn fn, void *ctx)
{
	struct prom_sample s;
	size_t done = 0;

	while (*pos < len) {
		const char *start = buf + *pos, *nl, *why;
		size_t avail = len - *pos, skip, n, next;
		int r;

		skip = p->scanned < avail ? p->scanned : avail;
		nl = memchr(start + skip, '\n', avail - skip);
		if (nl != NULL) {
			n = (size_t)(nl - start);
			next = *pos + n + 1;
		} else if (final) {
			n = avail;
			next = len;
		} else {
			p->scanned = avail;
			return PROM_FEED_END;
		}
		if (max_lines != 0 && done == max_lines)
			return PROM_FEED_BUDGET;
		p->scanned = 0;
		r = prom_parse_line(p, start, n, &s, &why);
		*pos = next;
		p->st.lines++;
		done++;
		if (r == PROM_SAMPLE) {
			p->st.samples++;
			if (fn != NULL && fn(ctx, &s) != 0)
				return PROM_FEED_STOPPED;
		} else if (r == PROM_SKIP)
			p->st.skipped++;
		else {
			if (p->st.malformed < PROM_BAD_KEPT) {
				struct prom_bad_line *b =
				    &p->st.bad[p->st.malformed];

				b->line = p->st.lines;
				b->col = p->col;
				b->why = why;
			}
			p->st.malformed++;
		}
	}
	return PROM_FEED_END;
}

const struct prom_span *
prom_label_get(const struct prom_sample *s, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < s->nlabels; i++)
		if (s->labels[i].name.n == n &&
		    memcmp(s->labels[i].name.p, name, n) == 0)
			return &s->labels[i].value;
	return NULL;
}

int
prom_span_eq(struct prom_span sp, const char *s)
{
	size_t n = strlen(s);

	return sp.n == n && (n == 0 || memcmp(sp.p, s, n) == 0);
}
