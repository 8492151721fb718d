/*
 * test_json: the validating parser, the token layout, lookups, string
 * decoding, numbers and the writer.
 *
 * Every parsed input lives in a heap buffer of exactly its length, so
 * the sanitizer build catches any read past what the parser was given
 * (request bodies are not NUL-terminated in the server either).
 *
 * Two oracles written independently of src/json.c back the table tests:
 * walk() recomputes `next`, the spans and the child iteration of a
 * parsed document from the sizes alone, and ref_parse() is a recursive
 * RFC 8259 validator that also names the offending offset, which the
 * fuzz tests compare with json_parse() on every input.
 */
#include "json.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "buf.h"
#include "t.h"

/*
 * jsmn's token type, configured as src/json.c configures it, for the
 * byte count json_doc_trim() compares (declarations only).
 */
#define JSMN_HEADER
#define JSMN_PARENT_LINKS
#include <jsmn.h>

/* A string literal and its length, embedded NULs included. */
#define L(s)	(s), (sizeof(s) - 1)

#define MAX_DEPTH	512	/* JSON_MAX_DEPTH in src/json.c */

/* ---- fixtures and helpers ---------------------------------------- */

static char *
dup_mem(const char *p, size_t n)
{
	char *q = xmalloc(n);

	if (n > 0)
		memcpy(q, p, n);
	return q;
}

struct fx {
	struct json_doc d;
	char *src;		/* exact-length copy the doc borrows */
	size_t len;
	int r;
	char err[JSON_ERR_LEN];
};

static void
fx_init(struct fx *f)
{
	json_doc_init(&f->d);
	f->src = NULL;
	f->len = 0;
	f->r = 0;
	f->err[0] = '\0';
}

static void
fx_done(struct fx *f)
{
	json_doc_free(&f->d);
	free(f->src);
	f->src = NULL;
}

/* Parses a fresh exact-length copy of s, reusing the doc. */
static int
fx_parse(struct fx *f, const char *s, size_t n)
{
	free(f->src);
	f->src = dup_mem(s, n);
	f->len = n;
	strcpy(f->err, "(err untouched)");
	f->r = json_parse(&f->d, f->src, n, f->err);
	return f->r;
}

/* Prints bytes as a TAP comment, escaping anything unprintable. */
static void
show(const char *label, const char *s, size_t n)
{
	size_t i;

	printf("#   %s: \"", label);
	for (i = 0; i < n && i < 240; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	printf("%s\" (%zu bytes)\n", n > 240 ? "..." : "", n);
}

/* The error message for s, or "OK" when it parses. */
static const char *
parse_msg(const char *s, size_t n)
{
	static char msg[JSON_ERR_LEN];
	struct fx f;

	fx_init(&f);
	if (fx_parse(&f, s, n) == 0)
		strcpy(msg, "OK");
	else
		snprintf(msg, sizeof(msg), "%s", f.err);
	fx_done(&f);
	return msg;
}

#define T_BAD(lit, want)	T_EQ_STR(parse_msg(L(lit)), want)
#define T_GOOD(lit)		T_EQ_STR(parse_msg(L(lit)), "OK")

/* "offset N: what" -> N; -1 when the message is not of that form. */
static int
err_offset(const char *err, size_t *off)
{
	char *end;
	unsigned long long v;

	if (strncmp(err, "offset ", 7) != 0 || err[7] < '0' || err[7] > '9')
		return -1;
	v = strtoull(err + 7, &end, 10);
	if (strncmp(end, ": ", 2) != 0 || end[2] == '\0')
		return -1;
	*off = (size_t)v;
	return 0;
}

/* Decoded string token i, NUL-terminated, in a static buffer. */
static const char *
str_of(const struct json_doc *d, int i)
{
	static char out[4096];

	if (json_str(d, i, out, sizeof(out)) < 0)
		return "(not a string)";
	return out;
}

static double
num_of(const struct json_doc *d, int i)
{
	double v = -12345.678;

	if (json_number(d, i, &v) != 0)
		return -999999.5;
	return v;
}

/* Deterministic PRNG (xorshift64*); each test reseeds it. */
static uint64_t rng_state;

static void
rng_seed(uint64_t s)
{
	rng_state = s ? s : 1;
}

static uint32_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t
rnd_below(uint32_t n)
{
	return rnd() % n;
}

/* ---- reference UTF-8 (Unicode table 3-7), independent of json.c ---- */

/*
 * 1 when a well-formed sequence of *k bytes starts at s[p], 0 when the
 * bytes there are ill-formed, -1 when the input ends inside a sequence
 * whose bytes so far are fine.
 */
static int
ref_utf8(const unsigned char *s, size_t n, size_t p, size_t *k)
{
	unsigned char c = s[p], lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c <= 0x7F) {
		*k = 1;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;
		if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	for (i = 1; i < len; i++) {
		if (p + i >= n)
			return -1;
		if (s[p + i] < (i == 1 ? lo : 0x80) ||
		    s[p + i] > (i == 1 ? hi : 0xBF))
			return 0;
	}
	*k = len;
	return 1;
}

static int
valid_utf8(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t p = 0, k;

	while (p < n) {
		if (ref_utf8(s, n, p, &k) != 1)
			return 0;
		p += k;
	}
	return 1;
}

/* Test-side UTF-8 encoder. */
static void
put_utf8(struct buf *b, uint32_t c)
{
	unsigned char o[4];
	size_t n;

	if (c < 0x80) {
		o[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		o[0] = (unsigned char)(0xC0 | (c >> 6));
		o[1] = (unsigned char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (c >> 12));
		o[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		o[0] = (unsigned char)(0xF0 | (c >> 18));
		o[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
		o[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
		o[3] = (unsigned char)(0x80 | (c & 0x3F));
		n = 4;
	}
	buf_add(b, o, n);
}

/* ---- reference validator (recursive descent, RFC 8259) ------------ */

/*
 * Offsets follow the documented rule "the first offending byte, or the
 * input length when the input stops early": an escape is judged from
 * its backslash (the low half of a pair from its own backslash when its
 * hex digits are bad), an ill-formed UTF-8 sequence from its lead byte.
 */
struct ref {
	const unsigned char *s;
	size_t n, p, err;
	uint32_t ntok;
};

static int
ref_fail(struct ref *r, size_t off)
{
	r->err = off;
	return 0;
}

static void
ref_ws(struct ref *r)
{
	while (r->p < r->n && (r->s[r->p] == ' ' || r->s[r->p] == '\t' ||
	    r->s[r->p] == '\n' || r->s[r->p] == '\r'))
		r->p++;
}

/* Four hex digits at `at`; errors are charged to the backslash `bs`. */
static int
ref_hex4(struct ref *r, size_t at, size_t bs, unsigned *v)
{
	size_t i;
	unsigned char c;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if (at + i >= r->n)
			return ref_fail(r, r->n);
		c = r->s[at + i];
		if (c >= '0' && c <= '9')
			*v = *v * 16 + (c - '0');
		else if (c >= 'a' && c <= 'f')
			*v = *v * 16 + (c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v = *v * 16 + (c - 'A' + 10);
		else
			return ref_fail(r, bs);
	}
	return 1;
}

static int
ref_string(struct ref *r)
{
	size_t bs, k;
	unsigned hi, lo;
	int u;

	r->p++;
	for (;;) {
		if (r->p >= r->n)
			return ref_fail(r, r->n);
		if (r->s[r->p] == '"') {
			r->p++;
			return 1;
		}
		if (r->s[r->p] == '\\') {
			bs = r->p;
			if (bs + 1 >= r->n)
				return ref_fail(r, r->n);
			if (strchr("\"\\/bfnrt", r->s[bs + 1]) != NULL &&
			    r->s[bs + 1] != '\0') {
				r->p += 2;
				continue;
			}
			if (r->s[bs + 1] != 'u')
				return ref_fail(r, bs);
			if (!ref_hex4(r, bs + 2, bs, &hi))
				return 0;
			if (hi >= 0xDC00 && hi <= 0xDFFF)
				return ref_fail(r, bs);
			if (hi < 0xD800 || hi > 0xDBFF) {
				r->p = bs + 6;
				continue;
			}
			if (bs + 6 >= r->n)
				return ref_fail(r, r->n);
			if (r->s[bs + 6] != '\\')
				return ref_fail(r, bs);
			if (bs + 7 >= r->n)
				return ref_fail(r, r->n);
			if (r->s[bs + 7] != 'u')
				return ref_fail(r, bs);
			if (!ref_hex4(r, bs + 8, bs + 6, &lo))
				return 0;
			if (lo < 0xDC00 || lo > 0xDFFF)
				return ref_fail(r, bs);
			r->p = bs + 12;
			continue;
		}
		if (r->s[r->p] < 0x20)
			return ref_fail(r, r->p);
		u = ref_utf8(r->s, r->n, r->p, &k);
		if (u == -1)
			return ref_fail(r, r->n);
		if (u == 0)
			return ref_fail(r, r->p);
		r->p += k;
	}
}

static int
ref_digits(struct ref *r)
{
	if (r->p >= r->n)
		return ref_fail(r, r->n);
	if (r->s[r->p] < '0' || r->s[r->p] > '9')
		return ref_fail(r, r->p);
	while (r->p < r->n && r->s[r->p] >= '0' && r->s[r->p] <= '9')
		r->p++;
	return 1;
}

static int
ref_number(struct ref *r)
{
	if (r->s[r->p] == '-')
		r->p++;
	if (r->p >= r->n)
		return ref_fail(r, r->n);
	if (r->s[r->p] == '0') {
		r->p++;
		if (r->p < r->n && r->s[r->p] >= '0' && r->s[r->p] <= '9')
			return ref_fail(r, r->p);
	} else if (!ref_digits(r))
		return 0;
	if (r->p < r->n && r->s[r->p] == '.') {
		r->p++;
		if (!ref_digits(r))
			return 0;
	}
	if (r->p < r->n && (r->s[r->p] == 'e' || r->s[r->p] == 'E')) {
		r->p++;
		if (r->p < r->n && (r->s[r->p] == '+' || r->s[r->p] == '-'))
			r->p++;
		if (!ref_digits(r))
			return 0;
	}
	return 1;
}

static int
ref_lit(struct ref *r, const char *lit)
{
	for (; *lit != '\0'; lit++, r->p++) {
		if (r->p >= r->n)
			return ref_fail(r, r->n);
		if (r->s[r->p] != (unsigned char)*lit)
			return ref_fail(r, r->p);
	}
	return 1;
}

static int
ref_value(struct ref *r, int depth)
{
	unsigned char close;

	if (r->p >= r->n)
		return ref_fail(r, r->n);
	r->ntok++;
	switch (r->s[r->p]) {
	case '{':
	case '[':
		close = r->s[r->p] == '{' ? '}' : ']';
		if (depth == MAX_DEPTH)
			return ref_fail(r, r->p);
		r->p++;
		ref_ws(r);
		if (r->p < r->n && r->s[r->p] == close) {
			r->p++;
			return 1;
		}
		for (;;) {
			if (close == '}') {
				if (r->p >= r->n)
					return ref_fail(r, r->n);
				if (r->s[r->p] != '"')
					return ref_fail(r, r->p);
				r->ntok++;
				if (!ref_string(r))
					return 0;
				ref_ws(r);
				if (r->p >= r->n)
					return ref_fail(r, r->n);
				if (r->s[r->p] != ':')
					return ref_fail(r, r->p);
				r->p++;
				ref_ws(r);
			}
			if (!ref_value(r, depth + 1))
				return 0;
			ref_ws(r);
			if (r->p >= r->n)
				return ref_fail(r, r->n);
			if (r->s[r->p] == close) {
				r->p++;
				return 1;
			}
			if (r->s[r->p] != ',')
				return ref_fail(r, r->p);
			r->p++;
			ref_ws(r);
		}
	case '"':
		return ref_string(r);
	case 't':
		return ref_lit(r, "true");
	case 'f':
		return ref_lit(r, "false");
	case 'n':
		return ref_lit(r, "null");
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return ref_number(r);
	default:
		return ref_fail(r, r->p);
	}
}

static int
ref_parse(const char *s, size_t n, struct ref *r)
{
	r->s = (const unsigned char *)s;
	r->n = n;
	r->p = 0;
	r->err = 0;
	r->ntok = 0;
	if (n == 0)
		return ref_fail(r, 0);
	ref_ws(r);
	if (!ref_value(r, 0))
		return 0;
	ref_ws(r);
	if (r->p < n)
		return ref_fail(r, r->p);
	return 1;
}

/* ---- structural oracle ------------------------------------------- */

/*
 * Checks one decoded string: json_str agrees with itself at any
 * capacity, the result is valid UTF-8, json_str_eq accepts it and a raw
 * token's value is its span.
 */
static int
string_faults(const struct json_doc *d, int i)
{
	char small[1024], *out = small;
	const struct json_tok *t = &d->tok[i];
	long n = json_str(d, i, NULL, 0);
	int bad = 0;

	if (n < 0)
		return 1;
	if ((size_t)n >= sizeof(small))
		out = xmalloc((size_t)n + 1);
	if (json_str(d, i, out, (size_t)n + 1) != n || out[n] != '\0')
		bad++;
	if (!valid_utf8(out, (size_t)n))
		bad++;
	if (json_str_eq(d, i, out, (size_t)n) != 1)
		bad++;
	if (json_str_is_raw(d, i) && ((size_t)n != t->end - t->start ||
	    memcmp(out, d->src + t->start, (size_t)n) != 0))
		bad++;
	/* An escape always decodes to fewer bytes than it takes. */
	if (!json_str_is_raw(d, i) && (size_t)n >= t->end - t->start)
		bad++;
	if (out != small)
		free(out);
	return bad;
}

/*
 * Walks the subtree at i by sizes alone and returns the index after it,
 * counting in *bad every disagreement with `next`, the spans, the types
 * or json_first()/json_next().  With `deep`, strings are decoded and
 * every key is looked up with json_get().
 */
static uint32_t
walk(const struct json_doc *d, uint32_t i, int deep, int *bad)
{
	const struct json_tok *t;
	const char *s = d->src;
	uint32_t j = i + 1, k, key;
	int c, obj, v;
	char kb[256];
	long kl;

	if (i >= d->ntok) {
		(*bad)++;
		return d->ntok;
	}
	t = &d->tok[i];
	if (t->start > t->end || t->end > d->len) {
		(*bad)++;
		return d->ntok;
	}
	switch (t->type) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		obj = t->type == JSON_OBJECT;
		if (t->end - t->start < 2 || s[t->start] != (obj ? '{' : '[') ||
		    s[t->end - 1] != (obj ? '}' : ']'))
			(*bad)++;
		c = json_first(d, (int)i);
		if ((t->size == 0) != (c == -1))
			(*bad)++;
		for (k = 0; k < t->size; k++) {
			if (j >= d->ntok) {
				(*bad)++;
				break;
			}
			if (c != (int)j)
				(*bad)++;
			if (obj) {
				key = j;
				if (d->tok[j].type != JSON_STRING)
					(*bad)++;
				j = walk(d, j, deep, bad);
				if (j != key + 1)
					(*bad)++;
				if (deep && (kl = json_str(d, (int)key, kb,
				    sizeof(kb))) >= 0 && (size_t)kl < sizeof(kb) &&
				    strlen(kb) == (size_t)kl) {
					/* First exact match: this key or one before. */
					v = json_get(d, (int)i, kb);
					if (v < 0 || v > (int)key + 1 ||
					    !json_str_eq(d, v - 1, kb, (size_t)kl))
						(*bad)++;
				}
			}
			j = walk(d, j, deep, bad);
			c = c >= 0 ? json_next(d, (int)i, c) : -1;
		}
		if (c != -1)
			(*bad)++;
		break;
	case JSON_STRING:
		if (t->start == 0 || s[t->start - 1] != '"' ||
		    t->end >= d->len || s[t->end] != '"' || t->size != 0)
			(*bad)++;
		else if (deep)
			*bad += string_faults(d, (int)i);
		break;
	case JSON_NUMBER:
		if (t->end == t->start || !(s[t->start] == '-' ||
		    (s[t->start] >= '0' && s[t->start] <= '9')) ||
		    s[t->end - 1] < '0' || s[t->end - 1] > '9')
			(*bad)++;
		break;
	case JSON_TRUE:
		if (t->end - t->start != 4 || memcmp(s + t->start, "true", 4))
			(*bad)++;
		break;
	case JSON_FALSE:
		if (t->end - t->start != 5 || memcmp(s + t->start, "false", 5))
			(*bad)++;
		break;
	case JSON_NULL:
		if (t->end - t->start != 4 || memcmp(s + t->start, "null", 4))
			(*bad)++;
		break;
	default:
		(*bad)++;
		break;
	}
	if (t->type != JSON_OBJECT && t->type != JSON_ARRAY && t->size != 0)
		(*bad)++;
	/* Set exactly on the strings whose span holds a backslash. */
	if (t->escaped != (t->type == JSON_STRING &&
	    memchr(s + t->start, '\\', t->end - t->start) != NULL))
		(*bad)++;
	if (t->next != j)
		(*bad)++;
	return j;
}

static int
doc_faults(const struct json_doc *d, int deep)
{
	int bad = 0;

	if (d->ntok == 0)
		return 1;
	if (walk(d, 0, deep, &bad) != d->ntok)
		bad++;
	return bad;
}

/*
 * Parses s with json_parse() and the reference; 0 when they agree on
 * acceptance, the token count or the error offset, and the doc passes
 * the structural oracle.
 */
static int
disagree(const char *s, size_t n, int *accepted)
{
	struct fx f;
	struct ref r;
	size_t off = 0;
	int ok_ref, bad = 0;

	fx_init(&f);
	fx_parse(&f, s, n);
	ok_ref = ref_parse(f.src, n, &r);
	if ((f.r == 0) != ok_ref)
		bad = 1;
	else if (ok_ref) {
		if (f.d.ntok != r.ntok || doc_faults(&f.d, 1) != 0)
			bad = 2;
	} else if (err_offset(f.err, &off) != 0 || off != r.err ||
	    strstr(f.err, "internal") != NULL)
		bad = 3;
	if (bad) {
		show("input", s, n);
		printf("#   json_parse: %s (ntok %u); reference: %s at %zu "
		    "(ntok %u)\n", f.r == 0 ? "ok" : f.err, f.d.ntok,
		    ok_ref ? "ok" : "error", r.err, r.ntok);
	}
	*accepted = f.r == 0;
	fx_done(&f);
	return bad;
}

/* ---- valid documents --------------------------------------------- */

struct want_tok {
	uint8_t type;
	uint32_t start, end, size, next;
};

static void
check_toks(const struct fx *f, const struct want_tok *w, size_t n)
{
	int before = t_failed_checks;
	size_t k;

	T_EQ_INT(f->r, 0);
	T_EQ_INT(f->d.ntok, n);
	for (k = 0; k < n && k < f->d.ntok; k++) {
		T_EQ_INT(f->d.tok[k].type, w[k].type);
		T_EQ_INT(f->d.tok[k].start, w[k].start);
		T_EQ_INT(f->d.tok[k].end, w[k].end);
		T_EQ_INT(f->d.tok[k].size, w[k].size);
		T_EQ_INT(f->d.tok[k].next, w[k].next);
	}
	T_EQ_INT(doc_faults(&f->d, 1), 0);
	if (t_failed_checks != before)
		show("in", f->src, f->len);
}

static void
test_root_scalars(void)
{
	static const struct {
		const char *s;
		struct want_tok t;
	} c[] = {
		{"42", {JSON_NUMBER, 0, 2, 0, 1}},
		{" \t\r\n-1.5e+10 \n", {JSON_NUMBER, 4, 12, 0, 1}},
		{"0", {JSON_NUMBER, 0, 1, 0, 1}},
		{"-0", {JSON_NUMBER, 0, 2, 0, 1}},
		{"1E-7", {JSON_NUMBER, 0, 4, 0, 1}},
		{"0.25e0", {JSON_NUMBER, 0, 6, 0, 1}},
		{"\"hi\"", {JSON_STRING, 1, 3, 0, 1}},
		{"\"\"", {JSON_STRING, 1, 1, 0, 1}},
		{" \"a\\nb\" ", {JSON_STRING, 2, 6, 0, 1}},
		{"true", {JSON_TRUE, 0, 4, 0, 1}},
		{"false", {JSON_FALSE, 0, 5, 0, 1}},
		{"null", {JSON_NULL, 0, 4, 0, 1}},
		{"\n\nnull\t", {JSON_NULL, 2, 6, 0, 1}},
		{"[]", {JSON_ARRAY, 0, 2, 0, 1}},
		{"{}", {JSON_OBJECT, 0, 2, 0, 1}},
		{" [ ] ", {JSON_ARRAY, 1, 4, 0, 1}},
		{"\r{\n\t}\r", {JSON_OBJECT, 1, 5, 0, 1}},
	};
	struct fx f;
	size_t k;

	fx_init(&f);
	for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		fx_parse(&f, c[k].s, strlen(c[k].s));
		check_toks(&f, &c[k].t, 1);
		T_EQ_INT(json_first(&f.d, 0), -1);
	}
	/* Values of the root scalars. */
	fx_parse(&f, L("  -1.5e+10 "));
	T_CHECK(num_of(&f.d, 0) == -1.5e10);
	fx_parse(&f, L(" \"a\\nb\" "));
	T_EQ_STR(str_of(&f.d, 0), "a\nb");
	fx_parse(&f, L("\"\""));
	T_EQ_INT(json_str(&f.d, 0, NULL, 0), 0);
	fx_done(&f);
}

static void
test_token_layout(void)
{
	/*          0         1         2
	 *          0123456789012345678901234567 */
	static const char a[] = "{\"a\":[1,{\"b\":null}],\"c\":\"x\"}";
	static const struct want_tok wa[] = {
		{JSON_OBJECT, 0, 28, 2, 9},
		{JSON_STRING, 2, 3, 0, 2},
		{JSON_ARRAY, 5, 19, 2, 7},
		{JSON_NUMBER, 6, 7, 0, 4},
		{JSON_OBJECT, 8, 18, 1, 7},
		{JSON_STRING, 10, 11, 0, 6},
		{JSON_NULL, 13, 17, 0, 7},
		{JSON_STRING, 21, 22, 0, 8},
		{JSON_STRING, 25, 26, 0, 9},
	};
	/*          0         1         2
	 *          012345678901234567890123456 */
	static const char b[] = "[ {\"k\" : [ ] } , \"v\" , -3 ]";
	static const struct want_tok wb[] = {
		{JSON_ARRAY, 0, 27, 3, 6},
		{JSON_OBJECT, 2, 14, 1, 4},
		{JSON_STRING, 4, 5, 0, 3},
		{JSON_ARRAY, 9, 12, 0, 4},
		{JSON_STRING, 18, 19, 0, 5},
		{JSON_NUMBER, 23, 25, 0, 6},
	};
	/* Empty containers at every level, then siblings after them. */
	static const char c[] = "[[],[[]],{},{\"\":{}},[[[]]],0]";
	static const struct want_tok wc[] = {
		{JSON_ARRAY, 0, 29, 6, 12},
		{JSON_ARRAY, 1, 3, 0, 2},
		{JSON_ARRAY, 4, 8, 1, 4},
		{JSON_ARRAY, 5, 7, 0, 4},
		{JSON_OBJECT, 9, 11, 0, 5},
		{JSON_OBJECT, 12, 19, 1, 8},
		{JSON_STRING, 14, 14, 0, 7},
		{JSON_OBJECT, 16, 18, 0, 8},
		{JSON_ARRAY, 20, 26, 1, 11},
		{JSON_ARRAY, 21, 25, 1, 11},
		{JSON_ARRAY, 22, 24, 0, 11},
		{JSON_NUMBER, 27, 28, 0, 12},
	};
	struct fx f;

	fx_init(&f);
	fx_parse(&f, L(a));
	check_toks(&f, wa, sizeof(wa) / sizeof(wa[0]));
	fx_parse(&f, L(b));
	check_toks(&f, wb, sizeof(wb) / sizeof(wb[0]));
	fx_parse(&f, L(c));
	check_toks(&f, wc, sizeof(wc) / sizeof(wc[0]));
	fx_done(&f);
}

static void
test_iterate(void)
{
	static const char doc[] =
	    "{\"a\":[1,[2,3],{\"x\":{}},[]],"
	    "\"b\":{\"c\":{\"d\":[true,false,null]}},\"e\":\"s\"}";
	static const char *const keys[] = {"a", "b", "e"};
	static const uint8_t vtypes[] = {JSON_ARRAY, JSON_OBJECT, JSON_STRING};
	static const uint8_t atypes[] = {JSON_NUMBER, JSON_ARRAY, JSON_OBJECT,
	    JSON_ARRAY};
	static const uint8_t dtypes[] = {JSON_TRUE, JSON_FALSE, JSON_NULL};
	struct fx f;
	struct buf b;
	int k, n, a, x, d, inner, prev;

	fx_init(&f);
	T_EQ_INT(fx_parse(&f, L(doc)), 0);
	T_EQ_INT(f.d.ntok, 22);
	T_EQ_INT(f.d.tok[0].size, 3);

	/* Root keys in order, each value of the expected type. */
	for (n = 0, k = json_first(&f.d, 0); k >= 0 && n < 10;
	    k = json_next(&f.d, 0, k), n++) {
		T_EQ_STR(str_of(&f.d, k), keys[n < 3 ? n : 0]);
		T_EQ_INT(f.d.tok[k + 1].type, vtypes[n < 3 ? n : 0]);
	}
	T_EQ_INT(n, 3);

	/* "a": an array whose members are containers too. */
	a = json_get(&f.d, 0, "a");
	T_EQ_INT(a, 2);
	for (n = 0, k = json_first(&f.d, a), prev = a; k >= 0 && n < 10;
	    prev = k, k = json_next(&f.d, a, k), n++) {
		T_CHECK(k > prev);
		T_EQ_INT(f.d.tok[k].type, atypes[n < 4 ? n : 0]);
	}
	T_EQ_INT(n, 4);
	/* Its second member [2,3]. */
	inner = json_next(&f.d, a, json_first(&f.d, a));
	T_EQ_INT(f.d.tok[inner].size, 2);
	k = json_first(&f.d, inner);
	T_CHECK(num_of(&f.d, k) == 2.0);
	k = json_next(&f.d, inner, k);
	T_CHECK(num_of(&f.d, k) == 3.0);
	T_EQ_INT(json_next(&f.d, inner, k), -1);
	/* Its third member {"x":{}} and the empty object inside. */
	inner = json_next(&f.d, a, inner);
	x = json_get(&f.d, inner, "x");
	T_EQ_INT(f.d.tok[x].type, JSON_OBJECT);
	T_EQ_INT(json_first(&f.d, x), -1);
	T_EQ_INT(json_next(&f.d, inner, json_first(&f.d, inner)), -1);
	/* Its last member [] */
	inner = json_next(&f.d, a, inner);
	T_EQ_INT(json_first(&f.d, inner), -1);
	T_EQ_INT(json_next(&f.d, a, inner), -1);

	/* b.c.d: three literals, reached by iteration only. */
	k = json_next(&f.d, 0, json_first(&f.d, 0));
	k = json_first(&f.d, k + 1);		/* key "c" */
	T_EQ_STR(str_of(&f.d, k), "c");
	k = json_first(&f.d, k + 1);		/* key "d" */
	T_EQ_STR(str_of(&f.d, k), "d");
	d = k + 1;
	for (n = 0, k = json_first(&f.d, d); k >= 0 && n < 10;
	    k = json_next(&f.d, d, k), n++)
		T_EQ_INT(f.d.tok[k].type, dtypes[n < 3 ? n : 0]);
	T_EQ_INT(n, 3);

	/* Bad arguments are refused, not followed. */
	T_EQ_INT(json_next(&f.d, 0, 0), -1);		/* i <= parent */
	T_EQ_INT(json_next(&f.d, 2, 1), -1);
	T_EQ_INT(json_next(&f.d, -1, 1), -1);
	T_EQ_INT(json_next(&f.d, 0, (int)f.d.ntok), -1);
	T_EQ_INT(json_next(&f.d, 0, 1000), -1);
	T_EQ_INT(json_next(&f.d, (int)f.d.ntok, 1), -1);
	T_EQ_INT(json_next(&f.d, 3, 4), -1);		/* parent is a number */
	T_EQ_INT(json_next(&f.d, 21, 21), -1);
	T_EQ_INT(doc_faults(&f.d, 1), 0);

	/* A long flat array: every element visited once, in order. */
	buf_init(&b);
	buf_addc(&b, '[');
	for (k = 0; k < 3000; k++)
		buf_printf(&b, "%s%d", k ? "," : "", k % 7 == 0 ? -k : k);
	buf_addc(&b, ']');
	T_EQ_INT(fx_parse(&f, b.p, b.len), 0);
	T_EQ_INT(f.d.ntok, 3001);
	T_EQ_INT(f.d.tok[0].size, 3000);
	for (n = 0, k = json_first(&f.d, 0); k >= 0;
	    k = json_next(&f.d, 0, k), n++)
		if (num_of(&f.d, k) != (n % 7 == 0 ? -n : n))
			break;
	T_EQ_INT(n, 3000);
	buf_free(&b);
	fx_done(&f);
}

static void
test_whitespace(void)
{
	struct fx f;

	/* The four JSON white-space bytes, anywhere between tokens. */
	T_GOOD(" \t\n\r[ \t\n\r1 \t\n\r, \t\n\r{ \t\n\r\"a\" \t\n\r: \t\n\r"
	    "true \t\n\r} \t\n\r] \t\n\r");
	T_GOOD("\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n0\n\n\n\n\n\n\n\n\n");
	fx_init(&f);
	T_EQ_INT(fx_parse(&f, L("\t[\r\n\"x\"\t,\tnull\r]\n")), 0);
	T_EQ_INT(f.d.ntok, 3);
	T_EQ_INT(f.d.tok[0].start, 1);
	T_EQ_INT(f.d.tok[0].end, 16);
	T_EQ_STR(str_of(&f.d, 1), "x");
	T_EQ_INT(f.d.tok[2].type, JSON_NULL);
	fx_done(&f);

	/* Other blanks are not white space. */
	T_BAD("\f[]", "offset 0: expected value");
	T_BAD("[]\v", "offset 2: unexpected data after value");
	T_BAD("[1,\f2]", "offset 3: expected value");
	T_BAD("\xc2\xa0[]", "offset 0: expected value");	/* NBSP */
	T_BAD("\xef\xbb\xbf[]", "offset 0: expected value");	/* BOM */
	T_BAD("\x00[]", "offset 0: expected value");
	T_BAD("[]\x00", "offset 2: unexpected data after value");
	T_BAD("[\x00]", "offset 1: expected value");
	T_BAD("{\"a\"\f:1}", "offset 4: expected ':'");
}

/* ---- lookups ------------------------------------------------------ */

static void
test_get_exact_and_fold(void)
{
	struct fx f;

	fx_init(&f);
	/* An exact match wins wherever it is; otherwise the first fold. */
	T_EQ_INT(fx_parse(&f, L("{\"Name\":1,\"name\":2,\"NAME\":3,"
	    "\"other\":4}")), 0);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "name")) == 2);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "Name")) == 1);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "NAME")) == 3);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "nAmE")) == 1);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "OTHER")) == 4);
	T_EQ_INT(json_get(&f.d, 0, "names"), -1);
	T_EQ_INT(json_get(&f.d, 0, "nam"), -1);
	T_EQ_INT(json_get(&f.d, 0, "NAM"), -1);
	T_EQ_INT(json_get(&f.d, 0, "NAMES"), -1);
	T_EQ_INT(json_get(&f.d, 0, ""), -1);
	T_EQ_INT(json_get(&f.d, 0, "1"), -1);	/* values are not keys */

	T_EQ_INT(fx_parse(&f, L("{\"name\":1,\"Name\":2}")), 0);
	T_EQ_INT(json_get(&f.d, 0, "Name"), 4);		/* later, but exact */
	T_EQ_INT(json_get(&f.d, 0, "name"), 2);
	T_EQ_INT(json_get(&f.d, 0, "NAME"), 2);		/* first fold */

	/* Folding is a-z <-> A-Z only, not "flip bit 5". */
	T_EQ_INT(fx_parse(&f, L("{\"a[\":1,\"@\":2,\"_\":3,\"1\":4,"
	    "\"^\":5}")), 0);
	T_EQ_INT(json_get(&f.d, 0, "A["), 2);
	T_EQ_INT(json_get(&f.d, 0, "A{"), -1);
	T_EQ_INT(json_get(&f.d, 0, "a{"), -1);
	T_EQ_INT(json_get(&f.d, 0, "@"), 4);
	T_EQ_INT(json_get(&f.d, 0, "`"), -1);
	T_EQ_INT(json_get(&f.d, 0, "_"), 6);
	T_EQ_INT(json_get(&f.d, 0, "\x7f"), -1);
	T_EQ_INT(json_get(&f.d, 0, "\x11"), -1);	/* '1' ^ 0x20 */
	T_EQ_INT(json_get(&f.d, 0, "~"), -1);		/* '^' ^ 0x20 */

	/* The empty key. */
	T_EQ_INT(fx_parse(&f, L("{\"x\":0,\"\":5}")), 0);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "")) == 5);

	/* Values are never taken for keys. */
	T_EQ_INT(fx_parse(&f, L("{\"a\":\"b\",\"c\":[\"b\"]}")), 0);
	T_EQ_INT(json_get(&f.d, 0, "b"), -1);
	T_EQ_INT(json_get(&f.d, 0, "c"), 4);

	/* Only objects have members. */
	T_EQ_INT(fx_parse(&f, L("[\"a\",{\"a\":1}]")), 0);
	T_EQ_INT(json_get(&f.d, 0, "a"), -1);
	T_EQ_INT(json_get(&f.d, 1, "a"), -1);
	T_EQ_INT(json_get(&f.d, 2, "a"), 4);
	T_EQ_INT(json_get(&f.d, -1, "a"), -1);
	T_EQ_INT(json_get(&f.d, 5, "a"), -1);
	T_EQ_INT(json_get(&f.d, 99, "a"), -1);
	T_EQ_INT(fx_parse(&f, L("\"a\"")), 0);
	T_EQ_INT(json_get(&f.d, 0, "a"), -1);
	T_EQ_INT(fx_parse(&f, L("{}")), 0);
	T_EQ_INT(json_get(&f.d, 0, ""), -1);
	T_EQ_INT(json_get(&f.d, 0, "a"), -1);
	fx_done(&f);
}

static void
test_get_unicode_fold(void)
{
	static const char *const docs[] = {
		/* KELVIN SIGN and LONG S, escaped (both hex cases) ... */
		"{\"\\u212aind\":\"Pod\",\"\\u017Fpec\":1}",
		/* ... and as raw UTF-8 */
		"{\"\xe2\x84\xaa" "ind\":\"Pod\",\"\xc5\xbf" "pec\":1}",
	};
	struct fx f;
	size_t k;

	fx_init(&f);
	for (k = 0; k < 2; k++) {
		T_EQ_INT(fx_parse(&f, docs[k], strlen(docs[k])), 0);
		T_EQ_INT(json_get(&f.d, 0, "kind"), 2);
		T_EQ_INT(json_get(&f.d, 0, "KIND"), 2);
		T_EQ_INT(json_get(&f.d, 0, "Kind"), 2);
		T_EQ_INT(json_get(&f.d, 0, "jind"), -1);
		T_EQ_INT(json_get(&f.d, 0, "lind"), -1);
		T_EQ_INT(json_get(&f.d, 0, "kin"), -1);
		T_EQ_INT(json_get(&f.d, 0, "ind"), -1);
		T_EQ_INT(json_get(&f.d, 0, "spec"), 4);
		T_EQ_INT(json_get(&f.d, 0, "SPEC"), 4);
		T_EQ_INT(json_get(&f.d, 0, "tpec"), -1);
		T_EQ_INT(json_get(&f.d, 0, "rpec"), -1);
		/* Exact, through the escape. */
		T_EQ_INT(json_get(&f.d, 0, "\xe2\x84\xaa" "ind"), 2);
		T_EQ_INT(json_get(&f.d, 0, "\xc5\xbf" "pec"), 4);
		/* Kelvin to Kelvin-or-k in the caller's key as well. */
		T_EQ_INT(json_get(&f.d, 0, "\xe2\x84\xaa" "IND"), 2);
		/* U+212B ANGSTROM SIGN is not K; U+0131 dotless i is not s. */
		T_EQ_INT(json_get(&f.d, 0, "\xe2\x84\xab" "ind"), -1);
		T_EQ_INT(json_get(&f.d, 0, "\xc4\xb1" "pec"), -1);
		T_EQ_STR(str_of(&f.d, json_get(&f.d, 0, "KIND")), "Pod");
	}

	/* The other direction: ASCII in the doc, specials in the key. */
	T_EQ_INT(fx_parse(&f, L("{\"kind\":1,\"spec\":2,\"sk\":3}")), 0);
	T_EQ_INT(json_get(&f.d, 0, "\xe2\x84\xaa" "ind"), 2);
	T_EQ_INT(json_get(&f.d, 0, "\xc5\xbf" "PEC"), 4);
	T_EQ_INT(json_get(&f.d, 0, "\xc5\xbf\xe2\x84\xaa"), 6);
	T_EQ_INT(json_get(&f.d, 0, "\xe2\x84\xaa\xc5\xbf"), -1);

	/* Exact beats an earlier Kelvin fold, and vice versa. */
	T_EQ_INT(fx_parse(&f, L("{\"\\u212Aey\":1,\"key\":2}")), 0);
	T_EQ_INT(json_get(&f.d, 0, "key"), 4);
	T_EQ_INT(json_get(&f.d, 0, "KEY"), 2);
	T_EQ_INT(json_get(&f.d, 0, "\xe2\x84\xaa" "ey"), 2);
	T_EQ_INT(fx_parse(&f, L("{\"key\":1,\"\xe2\x84\xaa" "ey\":2}")), 0);
	T_EQ_INT(json_get(&f.d, 0, "\xe2\x84\xaa" "ey"), 4);
	T_EQ_INT(json_get(&f.d, 0, "KEY"), 2);

	/* A caller's key that is not UTF-8 matches nothing, safely. */
	T_EQ_INT(fx_parse(&f, L("{\"\xc3\xa9\":1,\"a\":2}")), 0);
	T_EQ_INT(json_get(&f.d, 0, "\xc3\xa9"), 2);
	T_EQ_INT(json_get(&f.d, 0, "\xc3"), -1);
	T_EQ_INT(json_get(&f.d, 0, "\xc3\xa9\xff"), -1);
	T_EQ_INT(json_get(&f.d, 0, "\xe2\x84"), -1);
	T_EQ_INT(json_get(&f.d, 0, "\xe1"), -1);
	fx_done(&f);
}

static void
test_get_escaped_keys(void)
{
	struct fx f;

	fx_init(&f);
	T_EQ_INT(fx_parse(&f, L("{\"n\\u0061me\":1,\"a\\\"b\":2,\"c\\\\d\":3,"
	    "\"e\\/f\":4,\"t\\tab\":5,\"\\u00e9t\\u00E9\":6,\"x\\u0000y\":7,"
	    "\"\\ud83d\\ude00\":8}")), 0);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "name")) == 1);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "NAME")) == 1);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "a\"b")) == 2);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "A\"B")) == 2);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "c\\d")) == 3);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "e/f")) == 4);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "t\tab")) == 5);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "T\tAB")) == 5);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "\xc3\xa9t\xc3\xa9")) == 6);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "\xc3\xa9T\xc3\xa9")) == 6);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "\xf0\x9f\x98\x80")) == 8);
	/* The raw spelling of an escaped key is not the key. */
	T_EQ_INT(json_get(&f.d, 0, "n\\u0061me"), -1);
	T_EQ_INT(json_get(&f.d, 0, "e\\/f"), -1);
	T_EQ_INT(json_get(&f.d, 0, "a\\\"b"), -1);
	T_EQ_INT(json_get(&f.d, 0, "t\\tab"), -1);
	/* A NUL inside a key ends no comparison early. */
	T_EQ_INT(json_get(&f.d, 0, "x"), -1);
	T_EQ_INT(json_str_eq(&f.d, 13, L("x\0y")), 1);
	T_EQ_INT(json_get(&f.d, 0, "\xf0\x9f\x98"), -1);
	fx_done(&f);
}

static void
test_get_skips_nested(void)
{
	struct fx f;
	int a;

	fx_init(&f);
	T_EQ_INT(fx_parse(&f, L("{\"a\":{\"b\":1,\"c\":[{\"b\":5}]},"
	    "\"x\":[{\"b\":6},{\"c\":7},[[{\"b\":8}]]],\"b\":2}")), 0);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "b")) == 2);
	T_CHECK(num_of(&f.d, json_get(&f.d, 0, "B")) == 2);
	T_EQ_INT(json_get(&f.d, 0, "c"), -1);
	a = json_get(&f.d, 0, "a");
	T_CHECK(num_of(&f.d, json_get(&f.d, a, "b")) == 1);
	T_EQ_INT(f.d.tok[json_get(&f.d, a, "c")].type, JSON_ARRAY);
	T_EQ_INT(json_get(&f.d, a, "x"), -1);

	T_EQ_INT(fx_parse(&f, L("{\"a\":{\"b\":1}}")), 0);
	T_EQ_INT(json_get(&f.d, 0, "b"), -1);
	fx_done(&f);
}

static void
test_path(void)
{
	static const char *const p_app[] = {"metadata", "labels", "app"};
	static const char *const p_name[] = {"metadata", "name"};
	static const char *const p_miss[] = {"metadata", "missing"};
	static const char *const p_arr[] = {"spec", "x"};
	static const char *const p_deep[] = {"metadata", "labels", "app", "z"};
	static const char *const p_fold[] = {"METADATA", "Labels", "APP"};
	static const char *const p_first[] = {"nope", "labels"};
	static const char *const p_lbl[] = {"labels", "app"};
	struct fx f;
	int md;

	fx_init(&f);
	T_EQ_INT(fx_parse(&f, L("{\"metadata\":{\"labels\":{\"app\":\"web\"},"
	    "\"name\":\"p\"},\"spec\":[{\"x\":1}]}")), 0);
	T_EQ_STR(str_of(&f.d, json_path(&f.d, 0, p_app, 3)), "web");
	T_EQ_STR(str_of(&f.d, json_path(&f.d, 0, p_name, 2)), "p");
	T_EQ_STR(str_of(&f.d, json_path(&f.d, 0, p_fold, 3)), "web");
	T_EQ_INT(json_path(&f.d, 0, p_miss, 2), -1);
	T_EQ_INT(json_path(&f.d, 0, p_arr, 2), -1);
	T_EQ_INT(json_path(&f.d, 0, p_deep, 4), -1);
	T_EQ_INT(json_path(&f.d, 0, p_first, 2), -1);
	T_EQ_INT(json_path(&f.d, 0, p_app, 0), 0);
	T_EQ_INT(json_path(&f.d, 0, p_app, 1), json_get(&f.d, 0, "metadata"));
	md = json_get(&f.d, 0, "metadata");
	T_EQ_STR(str_of(&f.d, json_path(&f.d, md, p_lbl, 2)), "web");
	T_EQ_INT(json_path(&f.d, -1, p_lbl, 2), -1);
	fx_done(&f);
}

/* ---- invalid documents ------------------------------------------- */

static void
test_err_structure(void)
{
	T_BAD("[1,,2]", "offset 3: expected value");
	T_BAD("[,1]", "offset 1: expected value");
	T_BAD("[,]", "offset 1: expected value");
	T_BAD("[1,]", "offset 3: expected value");
	T_BAD("[1 , ]", "offset 5: expected value");
	T_BAD("[1 2]", "offset 3: expected ',' or ']'");
	T_BAD("[\"a\"\"b\"]", "offset 4: expected ',' or ']'");
	T_BAD("[[] []]", "offset 4: expected ',' or ']'");
	T_BAD("[1:2]", "offset 2: expected ',' or ']'");
	T_BAD("{\"a\":1,}", "offset 7: expected string");
	T_BAD("{\"a\":1,,\"b\":2}", "offset 7: expected string");
	T_BAD("{,}", "offset 1: expected string");
	T_BAD("{,\"a\":1}", "offset 1: expected string");
	T_BAD("{\"a\":1 \"b\":2}", "offset 7: expected ',' or '}'");
	T_BAD("{\"a\":1;\"b\":2}", "offset 6: expected ',' or '}'");
	T_BAD("{\"a\" 1}", "offset 5: expected ':'");
	T_BAD("{\"a\",1}", "offset 4: expected ':'");
	T_BAD("{\"a\"::1}", "offset 5: expected value");
	T_BAD("{\"a\":}", "offset 5: expected value");
	T_BAD("{1:2}", "offset 1: expected string");
	T_BAD("{a:2}", "offset 1: expected string");
	T_BAD("{'a':2}", "offset 1: expected string");
	T_BAD("{null:2}", "offset 1: expected string");
	T_BAD("{\"a\":1,\"b\"}", "offset 10: expected ':'");
	T_BAD("[\"a\":1]", "offset 4: expected ',' or ']'");
	/* Unbalanced brackets. */
	T_BAD("[", "offset 1: unexpected end of input");
	T_BAD("{", "offset 1: unexpected end of input");
	T_BAD("[[]", "offset 3: unexpected end of input");
	T_BAD("[1,2", "offset 4: unexpected end of input");
	T_BAD("{\"a\"", "offset 4: unexpected end of input");
	T_BAD("{\"a\":", "offset 5: unexpected end of input");
	T_BAD("{\"a\":1", "offset 6: unexpected end of input");
	T_BAD("{\"a\":1,", "offset 7: unexpected end of input");
	T_BAD("[ \n", "offset 3: unexpected end of input");
	T_BAD("]", "offset 0: expected value");
	T_BAD("}", "offset 0: expected value");
	T_BAD("[}", "offset 1: expected value");
	T_BAD("{]", "offset 1: expected string");
	T_BAD("[1}", "offset 2: expected ',' or ']'");
	T_BAD("{\"a\":1]", "offset 6: expected ',' or '}'");
	T_BAD("[{]}", "offset 2: expected string");
	T_BAD("[[1]}", "offset 4: expected ',' or ']'");
	T_BAD("[]]", "offset 2: unexpected data after value");
	T_BAD("{}}", "offset 2: unexpected data after value");
	T_BAD("[] ]", "offset 3: unexpected data after value");
}

static void
test_err_top_level(void)
{
	T_BAD("", "offset 0: empty input");
	T_BAD(" ", "offset 1: unexpected end of input");
	T_BAD("   ", "offset 3: unexpected end of input");
	T_BAD(" \t\r\n", "offset 4: unexpected end of input");
	T_BAD("1 2", "offset 2: unexpected data after value");
	T_BAD("{} {}", "offset 3: unexpected data after value");
	T_BAD("[][]", "offset 2: unexpected data after value");
	T_BAD("\"a\"\"b\"", "offset 3: unexpected data after value");
	T_BAD("true false", "offset 5: unexpected data after value");
	T_BAD("null,", "offset 4: unexpected data after value");
	T_BAD("0 ,", "offset 2: unexpected data after value");
	T_BAD("[1]x", "offset 3: unexpected data after value");
	T_BAD("x", "offset 0: expected value");
	T_BAD("'a'", "offset 0: expected value");
	T_BAD("undefined", "offset 0: expected value");
	T_BAD("NaN", "offset 0: expected value");
	T_BAD("Infinity", "offset 0: expected value");
	T_BAD(",", "offset 0: expected value");
	T_BAD(":", "offset 0: expected value");
	T_BAD("  /* c */ 1", "offset 2: expected value");
}

static void
test_err_literals(void)
{
	T_BAD("tru", "offset 3: unexpected end of input");
	T_BAD("nul", "offset 3: unexpected end of input");
	T_BAD("f", "offset 1: unexpected end of input");
	T_BAD("[tru]", "offset 4: invalid literal");
	T_BAD("[nul]", "offset 4: invalid literal");
	T_BAD("[fals,1]", "offset 5: invalid literal");
	T_BAD("trUe", "offset 2: invalid literal");
	T_BAD("nill", "offset 1: invalid literal");
	T_BAD("True", "offset 0: expected value");
	T_BAD("NULL", "offset 0: expected value");
	T_BAD("nulll", "offset 4: unexpected data after value");
	T_BAD("truefalse", "offset 4: unexpected data after value");
	T_BAD("[truex]", "offset 5: expected ',' or ']'");
	T_BAD("{\"a\":nul}", "offset 8: invalid literal");
	T_BAD("{\"a\":t", "offset 6: unexpected end of input");
	T_GOOD("[true,false,null]");
}

static void
test_err_numbers(void)
{
	T_BAD("01", "offset 1: leading zero in number");
	T_BAD("-01", "offset 2: leading zero in number");
	T_BAD("[00]", "offset 2: leading zero in number");
	T_BAD("[1,007]", "offset 4: leading zero in number");
	T_BAD("1.", "offset 2: unexpected end of input");
	T_BAD("[1.]", "offset 3: invalid number");
	T_BAD("1.e5", "offset 2: invalid number");
	T_BAD("-", "offset 1: unexpected end of input");
	T_BAD("[-]", "offset 2: invalid number");
	T_BAD("-a", "offset 1: invalid number");
	T_BAD("--1", "offset 1: invalid number");
	T_BAD("- 1", "offset 1: invalid number");
	T_BAD("-.5", "offset 1: invalid number");
	T_BAD(".5", "offset 0: expected value");
	T_BAD("[.5]", "offset 1: expected value");
	T_BAD("+1", "offset 0: expected value");
	T_BAD("1e", "offset 2: unexpected end of input");
	T_BAD("1e+", "offset 3: unexpected end of input");
	T_BAD("1E-", "offset 3: unexpected end of input");
	T_BAD("[1e]", "offset 3: invalid number");
	T_BAD("1e+a", "offset 3: invalid number");
	T_BAD("1e++1", "offset 3: invalid number");
	T_BAD("1.5.5", "offset 3: unexpected data after value");
	T_BAD("1e5e5", "offset 3: unexpected data after value");
	T_BAD("0x10", "offset 1: unexpected data after value");
	T_BAD("1_000", "offset 1: unexpected data after value");
	T_BAD("[1.0e]", "offset 5: invalid number");
	T_BAD("{\"a\":-}", "offset 6: invalid number");
	T_GOOD("[0,-0,0.0,-0.0e-0,1E+2,1e-2,10,1234567890.0987654321e+99]");
	T_GOOD("0e0");
	T_GOOD("-0.5");
	T_GOOD("100");
}

static void
test_err_strings(void)
{
	T_BAD("\"abc", "offset 4: unexpected end of input");
	T_BAD("\"", "offset 1: unexpected end of input");
	T_BAD("[\"abc]", "offset 6: unexpected end of input");
	T_BAD("{\"abc:1}", "offset 8: unexpected end of input");
	T_BAD("\"abc\\\"", "offset 6: unexpected end of input");
	/* Raw control characters, every one of them. */
	T_BAD("\"a\x01" "b\"", "offset 2: control character in string");
	T_BAD("\"a\nb\"", "offset 2: control character in string");
	T_BAD("\"\t\"", "offset 1: control character in string");
	T_BAD("\"\x1f\"", "offset 1: control character in string");
	T_BAD("\"\x00\"", "offset 1: control character in string");
	T_BAD("{\"k\r\":1}", "offset 3: control character in string");
	T_GOOD("\"\x7f\"");	/* DEL is not a control character in JSON */
	T_GOOD("\" ~!#$%&'()*+,-./:;<=>?@[]^_`{|}\"");
	/* Escapes. */
	T_BAD("\"\\x41\"", "offset 1: invalid escape");
	T_BAD("\"ab\\'\"", "offset 3: invalid escape");
	T_BAD("\"\\a\"", "offset 1: invalid escape");
	T_BAD("\"\\U0041\"", "offset 1: invalid escape");
	T_BAD("\"\\0\"", "offset 1: invalid escape");
	T_BAD("\"\\ \"", "offset 1: invalid escape");
	T_BAD("\"\\\n\"", "offset 1: invalid escape");
	T_BAD("\"\\", "offset 2: unexpected end of input");
	T_BAD("\"\\u12G4\"", "offset 1: invalid escape");
	T_BAD("\"\\u12\"", "offset 1: invalid escape");
	T_BAD("\"\\u\"", "offset 1: invalid escape");
	T_BAD("\"x\\u-123\"", "offset 2: invalid escape");
	T_BAD("\"\\u00", "offset 5: unexpected end of input");
	T_BAD("\"\\u0041", "offset 7: unexpected end of input");
	/* Surrogates must come in pairs, high then low. */
	T_BAD("\"\\uDC00\"", "offset 1: lone surrogate");
	T_BAD("\"\\udfff\"", "offset 1: lone surrogate");
	T_BAD("\"x\\uD800\"", "offset 2: lone surrogate");
	T_BAD("\"\\uD800x\\uDC00\"", "offset 1: lone surrogate");
	T_BAD("\"\\uD800\\n\"", "offset 1: lone surrogate");
	T_BAD("\"\\uD800\\u0041\"", "offset 1: lone surrogate");
	T_BAD("\"\\uDBFF\\uD800\"", "offset 1: lone surrogate");
	T_BAD("\"\\uDBFF\\uE000\"", "offset 1: lone surrogate");
	T_BAD("\"\\uD800\\uDG00\"", "offset 7: invalid escape");
	T_BAD("\"\\uDC00\\uD800\"", "offset 1: lone surrogate");
	T_BAD("\"\\uD800", "offset 7: unexpected end of input");
	T_BAD("\"\\uD800\\", "offset 8: unexpected end of input");
	T_BAD("\"\\uD800\\u", "offset 9: unexpected end of input");
	T_BAD("\"\\uD800\\uDC0", "offset 12: unexpected end of input");
	T_GOOD("\"\\uD800\\uDC00\\udbff\\udfff\\uD7FF\\uE000\\uFFFF\\u0000\"");
	T_GOOD("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"");
}

static void
test_err_utf8(void)
{
	/* Overlong forms. */
	T_BAD("\"\xc0\xaf\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xc1\xbf\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xe0\x80\xaf\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xe0\x9f\xbf\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xf0\x80\x80\xaf\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xf0\x8f\xbf\xbf\"", "offset 1: invalid UTF-8");
	/* UTF-16 surrogates encoded in UTF-8. */
	T_BAD("\"\xed\xa0\x80\"", "offset 1: invalid UTF-8");
	T_BAD("\"ab\xed\xbf\xbf\"", "offset 3: invalid UTF-8");
	/* Above U+10FFFF, and bytes that never occur. */
	T_BAD("\"\xf4\x90\x80\x80\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xf5\x80\x80\x80\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xf7\xbf\xbf\xbf\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xf8\x88\x80\x80\x80\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xfc\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xfe\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xff\"", "offset 1: invalid UTF-8");
	/* Continuation bytes without a lead, leads without enough of them. */
	T_BAD("\"\x80\"", "offset 1: invalid UTF-8");
	T_BAD("\"ab\xbf\"", "offset 3: invalid UTF-8");
	T_BAD("\"\xc3\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xc3" "A\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xe2\x82\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xe2\x82" "A\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xf0\x9f\x98\"", "offset 1: invalid UTF-8");
	T_BAD("\"\xc3\xa9\xc3\xc3\xa9\"", "offset 3: invalid UTF-8");
	T_BAD("\"\xe2\x82\xac\xac\"", "offset 4: invalid UTF-8");
	/* Cut off by the end of input: a truncation, not bad UTF-8. */
	T_BAD("\"\xc3", "offset 2: unexpected end of input");
	T_BAD("\"\xe2\x82", "offset 3: unexpected end of input");
	T_BAD("\"\xf0\x9f\x98", "offset 4: unexpected end of input");
	/* ... unless the bytes so far are wrong already. */
	T_BAD("\"\xe0\x80", "offset 1: invalid UTF-8");
	T_BAD("\"\xed\xa0", "offset 1: invalid UTF-8");
	T_BAD("\"\xf4\x90", "offset 1: invalid UTF-8");
	T_BAD("\"\xf5", "offset 1: invalid UTF-8");
	T_BAD("\"\xc0", "offset 1: invalid UTF-8");
	/* In keys, and outside strings. */
	T_BAD("{\"\xff\":1}", "offset 2: invalid UTF-8");
	T_BAD("\xc3\xa9", "offset 0: expected value");
	T_BAD("[1,\xff]", "offset 3: expected value");
	/* The edges of each well-formed range. */
	T_GOOD("\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xe1\x80\x80\xec\xbf\xbf\"");
	T_GOOD("\"\xed\x80\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\"");
	T_GOOD("\"\xf0\x90\x80\x80\xf1\x80\x80\x80\xf3\xbf\xbf\xbf\"");
	T_GOOD("\"\xf4\x80\x80\x80\xf4\x8f\xbf\xbf\"");
}

/*
 * The string scanner looks at eight bytes at a time; a special byte
 * must be found at every position of a word, in strings of every
 * length, with the scan starting at every alignment.
 */
static void
test_err_every_position(void)
{
	static const struct {
		char byte;
		const char *what;
	} bad_bytes[] = {
		{'\x01', "control character in string"},
		{'\x1f', "control character in string"},
		{'\xff', "invalid UTF-8"},
		{'\x80', "invalid UTF-8"},
	};
	char s[80], want[JSON_ERR_LEN];
	size_t len, pos, lead, n, at, b;
	int bad = 0, before;
	struct fx f;

	fx_init(&f);
	for (lead = 0; lead < 3; lead++) {
		for (len = 1; len <= 40; len++) {
			for (pos = 0; pos < len; pos++) {
				before = bad;
				/* lead spaces, '"', len 'a's, '"' */
				memset(s, ' ', lead);
				s[lead] = '"';
				memset(s + lead + 1, 'a', len);
				s[lead + 1 + len] = '"';
				n = lead + len + 2;
				at = lead + 1 + pos;

				for (b = 0; b < 4; b++) {
					s[at] = bad_bytes[b].byte;
					snprintf(want, sizeof(want), "offset %zu: %s",
					    at, bad_bytes[b].what);
					if (strcmp(parse_msg(s, n), want) != 0)
						bad++;
				}

				/* An early quote ends the string early. */
				s[at] = '"';
				snprintf(want, sizeof(want), "offset %zu: "
				    "unexpected data after value", at + 1);
				if (strcmp(parse_msg(s, n), want) != 0)
					bad++;

				/* \a is no escape; \" at the end is one. */
				s[at] = '\\';
				if (pos + 1 < len)
					snprintf(want, sizeof(want), "offset %zu: "
					    "invalid escape", at);
				else
					snprintf(want, sizeof(want), "offset %zu: "
					    "unexpected end of input", n);
				if (strcmp(parse_msg(s, n), want) != 0)
					bad++;

				/* A valid two-byte character is just text. */
				memmove(s + at + 1, s + at, n - at);
				s[at] = '\xc3';
				s[at + 1] = '\xa9';
				if (fx_parse(&f, s, n + 1) != 0 ||
				    json_str(&f.d, 0, NULL, 0) != (long)len + 1 ||
				    !json_str_is_raw(&f.d, 0) ||
				    memcmp(str_of(&f.d, 0) + pos, "\xc3\xa9", 2))
					bad++;
				if (bad != before && bad < 4)
					printf("#   lead %zu len %zu pos %zu\n",
					    lead, len, pos);
			}
		}
	}
	T_EQ_INT(bad, 0);
	fx_done(&f);
}

static void
test_depth(void)
{
	struct buf b;
	struct fx f;
	int k, bad;

	fx_init(&f);
	buf_init(&b);

	/* Exactly the cap: accepted, and every level is linked right. */
	for (k = 0; k < MAX_DEPTH; k++)
		buf_addc(&b, '[');
	for (k = 0; k < MAX_DEPTH; k++)
		buf_addc(&b, ']');
	T_EQ_INT(fx_parse(&f, b.p, b.len), 0);
	T_EQ_INT(f.d.ntok, MAX_DEPTH);
	if (f.d.ntok == MAX_DEPTH) {
		T_EQ_INT(f.d.tok[MAX_DEPTH - 1].size, 0);
		T_EQ_INT(f.d.tok[MAX_DEPTH - 1].start, MAX_DEPTH - 1);
		T_EQ_INT(f.d.tok[0].next, MAX_DEPTH);
		T_EQ_INT(f.d.tok[MAX_DEPTH / 2].next, MAX_DEPTH);
		T_EQ_INT(doc_faults(&f.d, 1), 0);
	}

	/* One more level: refused at the bracket that opens it. */
	b.len = 0;
	for (k = 0; k < MAX_DEPTH + 1; k++)
		buf_addc(&b, '[');
	for (k = 0; k < MAX_DEPTH + 1; k++)
		buf_addc(&b, ']');
	T_EQ_INT(fx_parse(&f, b.p, b.len), -1);
	T_EQ_STR(f.err, "offset 512: nesting deeper than 512 levels");

	/* Objects count as levels too. */
	b.len = 0;
	for (k = 0; k < MAX_DEPTH; k++)
		buf_adds(&b, "{\"a\":");
	buf_adds(&b, "1");
	for (k = 0; k < MAX_DEPTH; k++)
		buf_addc(&b, '}');
	T_EQ_INT(fx_parse(&f, b.p, b.len), 0);
	T_EQ_INT(f.d.ntok, 2 * MAX_DEPTH + 1);
	T_EQ_INT(doc_faults(&f.d, 1), 0);
	b.len = 0;
	for (k = 0; k < MAX_DEPTH + 1; k++)
		buf_adds(&b, "{\"a\":");
	buf_adds(&b, "1");
	for (k = 0; k < MAX_DEPTH + 1; k++)
		buf_addc(&b, '}');
	T_EQ_INT(fx_parse(&f, b.p, b.len), -1);
	T_EQ_STR(f.err, "offset 2560: nesting deeper than 512 levels");

	/* Mixed, with white space: the 513th opener at offset 2*512. */
	b.len = 0;
	for (k = 0; k < MAX_DEPTH + 1; k++)
		buf_adds(&b, k % 2 ? " [" : "\n[");
	T_EQ_INT(fx_parse(&f, b.p, b.len), -1);
	T_EQ_STR(f.err, "offset 1025: nesting deeper than 512 levels");

	/* A hostile body: the cap trips long before the end. */
	b.len = 0;
	for (k = 0; k < 200000; k++)
		buf_addc(&b, '[');
	T_EQ_INT(fx_parse(&f, b.p, b.len), -1);
	T_EQ_STR(f.err, "offset 512: nesting deeper than 512 levels");

	/* Many siblings at the deepest level: depth never accumulates. */
	b.len = 0;
	for (k = 0; k < MAX_DEPTH - 1; k++)
		buf_addc(&b, '[');
	for (k = 0; k < 2000; k++)
		buf_adds(&b, k ? ",[]" : "[]");
	buf_adds(&b, ",{},{}");
	for (k = 0; k < MAX_DEPTH - 1; k++)
		buf_addc(&b, ']');
	T_EQ_INT(fx_parse(&f, b.p, b.len), 0);
	T_EQ_INT(f.d.ntok, MAX_DEPTH - 1 + 2002);
	if (f.d.ntok == MAX_DEPTH - 1 + 2002) {
		T_EQ_INT(f.d.tok[MAX_DEPTH - 2].size, 2002);
		bad = doc_faults(&f.d, 1);
		T_EQ_INT(bad, 0);
	}
	buf_adds(&b, "]");	/* one closer too many */
	T_EQ_INT(fx_parse(&f, b.p, b.len), -1);
	T_EQ_STR(strchr(f.err, ':'), ": unexpected data after value");

	buf_free(&b);
	fx_done(&f);
}

/*
 * Every proper prefix of a document is refused with "unexpected end of
 * input" at its own length (the empty one as empty input), except the
 * prefixes listed as valid in their own right.
 */
static void
test_truncation(void)
{
	static const struct {
		const char *s;
		size_t valid[4];	/* besides the whole; 0 ends */
	} c[] = {
		{" {\"a\" : [1, -2.5e+3, true, false, null, "
		    "\"s\\u00e9\\ud83d\\ude00\\n\\\"\", {}, [ ]],\n \""
		    "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\": "
		    "{\"k\":[0, \"\\/\"]}}", {0}},
		{"[[],{}]\n\t ", {7, 8, 9, 0}},
		{"-12.5e+3", {2, 3, 5, 0}},
		{"0", {0}},
		{"123 ", {1, 2, 3, 0}},
		{"true", {0}},
		{"null", {0}},
		{"\"ab\\u00e9\\uD834\\uDD1E\xf0\x9f\x98\x80\"", {0}},
		{"{\"\\\\\":\"\\/\"}", {0}},
	};
	char want[JSON_ERR_LEN];
	size_t k, n, len, v;
	int ok, bad;

	for (k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		len = strlen(c[k].s);
		bad = 0;
		for (n = 0; n <= len; n++) {
			ok = n == len;
			for (v = 0; v < 4 && c[k].valid[v] != 0; v++)
				if (c[k].valid[v] == n)
					ok = 1;
			if (ok)
				strcpy(want, "OK");
			else if (n == 0)
				strcpy(want, "offset 0: empty input");
			else
				snprintf(want, sizeof(want),
				    "offset %zu: unexpected end of input", n);
			if (strcmp(parse_msg(c[k].s, n), want) != 0) {
				if (bad++ < 3) {
					show("prefix", c[k].s, n);
					printf("#   got \"%s\", expected \"%s\"\n",
					    parse_msg(c[k].s, n), want);
				}
			}
		}
		T_EQ_INT(bad, 0);
	}
}

/* ---- fuzzing against the reference -------------------------------- */

static const char *const fuzz_seeds[] = {
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
	    "\"a\\u00e9\\ud83d\\ude00\",\"labels\":{}},\"spec\":[1,-2.5e+3,0,"
	    "true,false,null,[],[[]],\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]}",
	" [ 0.5 , -0 , 1E9 , \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\" ] ",
	"\"\\uD834\\uDD1E x\"",
	"-12.5e-3",
	"true",
	"{\"a\":{\"b\":{\"c\":[{\"d\":null}]}}}",
	"[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	    "\"\\u0041bcdefghijklmnopqrstuvwxyz0123456789\"]",
	"{\"Nodes\":{\"items\":[{\"metadata\":{\"name\":\"n1\"}}]},"
	    "\"NodeNames\":null}",
};

static const char fuzz_alphabet[] =
    "{}[],:\"\\u0123456789-+.eEtrufalsn \t\n\r"
    "\x00\x01\x1f\x7f\x80\xbf\xc2\xc3\xdf\xe0\xe2\xed\xef\xf0\xf4\xf5\xff"
    "DdCcAa/bxX";

static unsigned char
fuzz_byte(void)
{
	if (rnd_below(4) == 0)
		return (unsigned char)rnd();
	return (unsigned char)fuzz_alphabet[rnd_below(
	    sizeof(fuzz_alphabet) - 1)];
}

static size_t
mutate(char *s, size_t n, size_t cap)
{
	size_t p, q, k, m;
	char c;

	p = n ? rnd_below((uint32_t)n) : 0;
	switch (rnd_below(6)) {
	case 0:		/* replace */
		if (n)
			s[p] = (char)fuzz_byte();
		break;
	case 1:		/* insert */
		if (n < cap) {
			memmove(s + p + 1, s + p, n - p);
			s[p] = (char)fuzz_byte();
			n++;
		}
		break;
	case 2:		/* delete */
		if (n) {
			memmove(s + p, s + p + 1, n - p - 1);
			n--;
		}
		break;
	case 3:		/* duplicate a slice */
		m = 1 + rnd_below(8);
		if (n && p + m <= n && n + m <= cap) {
			q = rnd_below((uint32_t)n + 1);
			memmove(s + q + m, s + q, n - q);
			for (k = 0; k < m; k++)
				s[q + k] = s[(p + k) < q ? p + k : p + k + m];
			n += m;
		}
		break;
	case 4:		/* truncate */
		n = p;
		break;
	default:	/* swap */
		if (n) {
			q = rnd_below((uint32_t)n);
			c = s[p];
			s[p] = s[q];
			s[q] = c;
		}
		break;
	}
	return n;
}

static void
test_fuzz_mutations(void)
{
	char s[700];
	size_t n, k, m, nseed = sizeof(fuzz_seeds) / sizeof(fuzz_seeds[0]);
	int bad = 0, acc, accepted = 0, rejected = 0, it;

	rng_seed(0x5eed1234);
	for (k = 0; k < nseed; k++) {
		T_EQ_INT(disagree(fuzz_seeds[k], strlen(fuzz_seeds[k]), &acc), 0);
		T_EQ_INT(acc, 1);
	}
	for (it = 0; it < 40000; it++) {
		k = rnd_below((uint32_t)nseed);
		n = strlen(fuzz_seeds[k]);
		memcpy(s, fuzz_seeds[k], n);
		for (m = 1 + rnd_below(3); m > 0; m--)
			n = mutate(s, n, sizeof(s));
		if (disagree(s, n, &acc) != 0 && ++bad >= 10)
			break;
		if (acc)
			accepted++;
		else
			rejected++;
	}
	T_EQ_INT(bad, 0);
	/* The fuzz must exercise both outcomes to mean anything. */
	T_CHECK(accepted > 1000);
	T_CHECK(rejected > 10000);
}

/* Random code point, biased toward the interesting ones. */
static uint32_t
rand_cp(void)
{
	static const uint32_t special[] = {'"', '\\', '/', 0x2028, 0x2029,
	    0x212A, 0x17F, 0xFFFD, 0xFEFF, 0x10FFFF, 0, 0x7F, 0x80, 0x7FF,
	    0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000};
	uint32_t c;

	switch (rnd_below(7)) {
	case 0:
		return rnd_below(0x20);
	case 1:
	case 2:
		return 0x20 + rnd_below(0x60);
	case 3:
		return 0x80 + rnd_below(0x780);
	case 4:
		c = 0x800 + rnd_below(0x10000 - 0x800);
		if (c >= 0xD800 && c <= 0xDFFF)
			c -= 0x800;
		return c;
	case 5:
		return 0x10000 + rnd_below(0x100000);
	default:
		return special[rnd_below(sizeof(special) / sizeof(special[0]))];
	}
}

static void
put_u(struct buf *b, uint32_t u)
{
	const char *hex = rnd_below(2) ? "0123456789abcdef" : "0123456789ABCDEF";
	char e[6];

	e[0] = '\\';
	e[1] = 'u';
	e[2] = hex[(u >> 12) & 15];
	e[3] = hex[(u >> 8) & 15];
	e[4] = hex[(u >> 4) & 15];
	e[5] = hex[u & 15];
	buf_add(b, e, 6);
}

/*
 * Appends a random JSON string (quotes included) to `json` and its
 * decoded UTF-8 to `want` (when not NULL); *escaped says whether any
 * escape was used.
 */
static void
gen_string(struct buf *json, struct buf *want, int *escaped, size_t maxlen)
{
	size_t len = rnd_below(4) == 0 ? rnd_below((uint32_t)maxlen + 1) :
	    rnd_below(8);
	uint32_t c;
	char sh;
	int must, mode;

	*escaped = 0;
	buf_addc(json, '"');
	while (len-- > 0) {
		c = rand_cp();
		if (want != NULL)
			put_utf8(want, c);
		switch (c) {
		case '"': sh = '"'; break;
		case '\\': sh = '\\'; break;
		case '/': sh = '/'; break;
		case '\b': sh = 'b'; break;
		case '\f': sh = 'f'; break;
		case '\n': sh = 'n'; break;
		case '\r': sh = 'r'; break;
		case '\t': sh = 't'; break;
		default: sh = 0; break;
		}
		must = c < 0x20 || c == '"' || c == '\\';
		mode = (int)rnd_below(3);
		if (!must && mode == 0) {
			put_utf8(json, c);
			continue;
		}
		*escaped = 1;
		if (sh != 0 && mode != 2) {
			buf_addc(json, '\\');
			buf_addc(json, sh);
		} else if (c >= 0x10000) {
			put_u(json, 0xD800 + ((c - 0x10000) >> 10));
			put_u(json, 0xDC00 + ((c - 0x10000) & 0x3FF));
		} else
			put_u(json, c);
	}
	buf_addc(json, '"');
}

static void
gen_ws(struct buf *b)
{
	static const char ws[] = " \t\n\r";
	uint32_t k;

	if (rnd_below(3) != 0)
		return;
	for (k = 1 + rnd_below(3); k > 0; k--)
		buf_addc(b, ws[rnd_below(4)]);
}

static void
gen_digits(struct buf *b, uint32_t n)
{
	while (n-- > 0)
		buf_addc(b, (char)('0' + rnd_below(10)));
}

static void
gen_number(struct buf *b)
{
	uint32_t r;

	if (rnd_below(3) == 0)
		buf_addc(b, '-');
	if (rnd_below(4) == 0)
		buf_addc(b, '0');
	else {
		buf_addc(b, (char)('1' + rnd_below(9)));
		gen_digits(b, rnd_below(8));
	}
	if (rnd_below(3) == 0) {
		buf_addc(b, '.');
		gen_digits(b, 1 + rnd_below(6));
	}
	if (rnd_below(3) == 0) {
		buf_addc(b, rnd_below(2) ? 'e' : 'E');
		r = rnd_below(3);
		if (r)
			buf_addc(b, r == 1 ? '+' : '-');
		gen_digits(b, 1 + rnd_below(3));
	}
}

static void
gen_value(struct buf *b, int depth, uint32_t *ntok)
{
	uint32_t k, n;
	int obj, esc;

	gen_ws(b);
	(*ntok)++;
	switch (depth >= 6 ? 2 + rnd_below(5) : rnd_below(7)) {
	case 0:
	case 1:
		obj = rnd_below(2);
		buf_addc(b, obj ? '{' : '[');
		n = rnd_below(5);
		for (k = 0; k < n; k++) {
			if (k > 0)
				buf_addc(b, ',');
			if (obj) {
				gen_ws(b);
				gen_string(b, NULL, &esc, 12);
				(*ntok)++;
				gen_ws(b);
				buf_addc(b, ':');
			}
			gen_value(b, depth + 1, ntok);
		}
		gen_ws(b);
		buf_addc(b, obj ? '}' : ']');
		break;
	case 2:
		gen_string(b, NULL, &esc, 30);
		break;
	case 3:
	case 4:
		gen_number(b);
		break;
	default:
		buf_adds(b, rnd_below(3) == 0 ? "true" :
		    rnd_below(2) ? "false" : "null");
		break;
	}
	gen_ws(b);
}

/* Random valid documents: accepted, counted and laid out right. */
static void
test_fuzz_generated(void)
{
	struct buf b;
	uint32_t ntok;
	int it, bad = 0, acc;
	struct fx f;

	rng_seed(42);
	buf_init(&b);
	fx_init(&f);
	for (it = 0; it < 3000 && bad < 5; it++) {
		b.len = 0;
		ntok = 0;
		gen_value(&b, 0, &ntok);
		if (disagree(b.p, b.len, &acc) != 0 || !acc) {
			bad++;
			continue;
		}
		fx_parse(&f, b.p, b.len);
		if (f.d.ntok != ntok) {
			show("generated", b.p, b.len);
			bad++;
		}
	}
	T_EQ_INT(bad, 0);
	buf_free(&b);
	fx_done(&f);
}

/* ---- big documents and reuse ------------------------------------- */

#define BIG_N		100000
#define BIG_TOKS	23	/* tokens per element, see big_elem() */

static void
big_elem(struct buf *b, uint32_t i, const char *pad, size_t padlen)
{
	buf_printf(b, "{\"name\":\"pod-%06u\",\"namespace\":\"ns-%u\","
	    "\"cpu\":%u.25,\"labels\":{\"app\":\"web\",\"tier\":\"t%u\"},"
	    "\"ready\":%s,\"node\":null,\"ports\":[80,%u],\"pad\":\"",
	    i, i % 97, i % 64, i, i % 3 ? "true" : "false", 1000 + i % 50000);
	buf_add(b, pad, padlen);
	buf_adds(b, "\"}");
}

static void
test_big_document(void)
{
	char pad[1024], want[32];
	struct buf b;
	struct fx f;
	size_t k, padlen = 380;
	uint32_t i;
	int e, last, mid, n, bad = 0;
	const char *const tier[] = {"labels", "tier"};
	struct json_tok *tok_before;
	uint32_t cap_before;

	/*
	 * Text with escapes and multi-byte characters in it: four groups
	 * of "\n" "é" "\u00e9", 10 bytes that decode to 5.
	 */
	for (k = 0; k < padlen; k++)
		pad[k] = (char)('a' + k % 26);
	for (k = 40; k < padlen; k += 97)
		memcpy(pad + k, "\\n\xc3\xa9\\u00e9", 10);
	buf_init(&b);
	buf_reserve(&b, (size_t)BIG_N * 560 + 16);
	buf_addc(&b, '[');
	for (i = 0; i < BIG_N; i++) {
		if (i)
			buf_addc(&b, ',');
		big_elem(&b, i, pad, padlen);
	}
	buf_addc(&b, ']');
	T_CHECK(b.len >= 50u * 1000 * 1000);

	fx_init(&f);
	T_EQ_INT(fx_parse(&f, b.p, b.len), 0);
	T_EQ_INT(f.d.ntok, 1 + (uint32_t)BIG_N * BIG_TOKS);
	T_EQ_INT(f.d.tok[0].type, JSON_ARRAY);
	T_EQ_INT(f.d.tok[0].size, BIG_N);
	T_EQ_INT(f.d.tok[0].end, b.len);
	T_EQ_INT(f.d.tok[0].next, f.d.ntok);

	/* Every element, in order, by iteration. */
	n = 0;
	last = mid = -1;
	for (e = json_first(&f.d, 0); e >= 0; e = json_next(&f.d, 0, e)) {
		if (f.d.tok[e].type != JSON_OBJECT || f.d.tok[e].size != 8 ||
		    e != 1 + n * BIG_TOKS) {
			bad++;
			break;
		}
		snprintf(want, sizeof(want), "pod-%06d", n);
		if (!json_str_eq(&f.d, json_get(&f.d, e, "name"), want,
		    strlen(want)))
			bad++;
		if (n == BIG_N / 2)
			mid = e;
		last = e;
		n++;
	}
	T_EQ_INT(bad, 0);
	T_EQ_INT(n, BIG_N);
	T_EQ_INT(last, 1 + (BIG_N - 1) * BIG_TOKS);

	/* The last element, by path, with its values decoded. */
	snprintf(want, sizeof(want), "t%d", BIG_N - 1);
	T_EQ_STR(str_of(&f.d, json_path(&f.d, last, tier, 2)), want);
	T_EQ_STR(str_of(&f.d, json_get(&f.d, last, "name")), "pod-099999");
	T_CHECK(num_of(&f.d, json_get(&f.d, last, "cpu")) ==
	    (BIG_N - 1) % 64 + 0.25);
	T_EQ_INT(f.d.tok[json_get(&f.d, last, "ready")].type,
	    (BIG_N - 1) % 3 ? JSON_TRUE : JSON_FALSE);
	T_EQ_INT(f.d.tok[json_get(&f.d, last, "node")].type, JSON_NULL);
	T_EQ_INT(json_get(&f.d, last, "pad") + 1, (int)f.d.ntok);
	T_EQ_INT(f.d.tok[f.d.ntok - 1].end, b.len - 3);
	T_EQ_STR(str_of(&f.d, json_get(&f.d, mid, "name")), "pod-050000");
	/* pad: 380 raw bytes with four 10-byte groups that decode to 5. */
	T_EQ_INT(json_str(&f.d, json_get(&f.d, last, "pad"), NULL, 0),
	    padlen - 4 * 5);
	T_EQ_INT(json_str_is_raw(&f.d, json_get(&f.d, last, "pad")), 0);
	T_EQ_INT(doc_faults(&f.d, 0), 0);

	/* The same doc then parses a small body without reallocating. */
	tok_before = f.d.tok;
	cap_before = f.d.cap;
	T_EQ_INT(fx_parse(&f, L("[1,[2]]")), 0);
	T_EQ_INT(f.d.ntok, 4);
	T_CHECK(f.d.tok == tok_before);
	T_EQ_INT(f.d.cap, cap_before);
	buf_free(&b);
	fx_done(&f);
}

static void
test_doc_reuse(void)
{
	struct json_doc d;
	struct buf bodies[3];
	char err[JSON_ERR_LEN];
	struct json_tok *tok;
	void *jt;
	uint32_t cap, jcap, want, maxseen = 0;
	int it, k, n, r, bad = 0, slot;

	rng_seed(7);
	json_doc_init(&d);
	for (k = 0; k < 3; k++)
		buf_init(&bodies[k]);

	/* The first parse allocates; later smaller ones do not. */
	T_EQ_INT(json_parse(&d, L("[1,2,3]"), err), 0);
	T_EQ_INT(d.ntok, 4);
	T_CHECK(d.cap >= 4);
	T_CHECK(d.jsmn_cap >= 4);
	tok = d.tok;
	cap = d.cap;
	T_EQ_INT(json_parse(&d, L("{\"a\":[true]}"), err), 0);
	T_EQ_INT(d.ntok, 4);
	T_CHECK(d.tok == tok);
	T_EQ_INT(d.cap, cap);
	T_EQ_INT(json_parse(&d, L("7"), err), 0);
	T_EQ_INT(d.ntok, 1);
	T_CHECK(d.tok == tok);

	/* A failed parse leaves the doc usable. */
	T_EQ_INT(json_parse(&d, L("[1,2,"), err), -1);
	T_EQ_STR(err, "offset 5: unexpected end of input");
	T_EQ_INT(json_parse(&d, L("{\"k\":\"v\"}"), err), 0);
	T_EQ_STR(str_of(&d, json_get(&d, 0, "k")), "v");

	/*
	 * Many bodies of random sizes: the arrays grow only when a body
	 * needs more tokens than any before, and each parse is right.
	 */
	for (it = 0; it < 400; it++) {
		slot = it % 3;		/* earlier bodies stay alive a while */
		bodies[slot].len = 0;
		n = (int)(rnd_below(8) == 0 ? rnd_below(5000) : rnd_below(200));
		buf_addc(&bodies[slot], '[');
		for (k = 0; k < n; k++)
			buf_printf(&bodies[slot], "%s{\"i\":%d}", k ? "," : "", k);
		buf_addc(&bodies[slot], ']');
		if (rnd_below(10) == 0)
			bodies[slot].len--;	/* unterminated */
		want = 1 + 3 * (uint32_t)n;
		tok = d.tok;
		jt = d.jsmn_toks;
		cap = d.cap;
		jcap = d.jsmn_cap;
		/* Exact-length copy so ASan sees any overread. */
		{
			char *copy = dup_mem(bodies[slot].p, bodies[slot].len);

			r = json_parse(&d, copy, bodies[slot].len, err);
			if (bodies[slot].p[bodies[slot].len - 1] != ']') {
				if (r != -1)
					bad++;
			} else if (r != 0 || d.ntok != want ||
			    doc_faults(&d, 0) != 0 ||
			    (n > 0 && num_of(&d, json_get(&d, (int)want - 3,
			    "i")) != n - 1))
				bad++;
			if (r == 0 && want > maxseen)
				maxseen = want;
			/* Capacity never shrinks; no reallocation if it fit. */
			if (d.cap < cap || d.jsmn_cap < jcap)
				bad++;
			if (r == 0 && want <= cap &&
			    (d.tok != tok || d.cap != cap))
				bad++;
			if (r == 0 && n > 0 && want <= jcap &&
			    (d.jsmn_toks != jt || d.jsmn_cap != jcap))
				bad++;
			if (r == 0 && d.cap < want)
				bad++;
			free(copy);
		}
	}
	T_EQ_INT(bad, 0);
	T_CHECK(maxseen > 1000);
	T_CHECK(d.cap >= maxseen);
	json_doc_free(&d);
	/* A freed doc can be initialized and used again. */
	json_doc_init(&d);
	T_EQ_INT(json_parse(&d, L("[[[]]]"), err), 0);
	T_EQ_INT(d.ntok, 3);
	json_doc_free(&d);
	for (k = 0; k < 3; k++)
		buf_free(&bodies[k]);
}

/*
 * The per-string "escaped" flag comes from a list the validator fills
 * and the doc keeps between parses: nothing may leak from an earlier
 * body, a failed one included, into the next.
 */
static void
test_escaped_flags(void)
{
	struct fx f;

	fx_init(&f);
	T_EQ_INT(fx_parse(&f, L("[\"a\\n\",\"b\",\"\\u0041\",\"\\\\\"]")), 0);
	T_EQ_INT(f.d.tok[0].escaped, 0);
	T_EQ_INT(f.d.tok[1].escaped, 1);
	T_EQ_INT(f.d.tok[2].escaped, 0);
	T_EQ_INT(f.d.tok[3].escaped, 1);
	T_EQ_INT(f.d.tok[4].escaped, 1);
	/* A raw string where the last body had an escaped one. */
	T_EQ_INT(fx_parse(&f, L("[\"ab\"]")), 0);
	T_EQ_INT(f.d.tok[1].start, 2);
	T_EQ_INT(f.d.tok[1].escaped, 0);
	T_EQ_INT(json_str_is_raw(&f.d, 1), 1);
	/* A failed body noted escapes at 2 and 9 before it failed ... */
	T_EQ_INT(fx_parse(&f, L("[\"q\\n\", \"r\\t\", x]")), -1);
	T_EQ_STR(f.err, "offset 15: expected value");
	/* ... and raw strings at those very offsets stay raw. */
	T_EQ_INT(fx_parse(&f, L("[\"ab\",  \"cd\"]")), 0);
	T_EQ_INT(f.d.tok[1].start, 2);
	T_EQ_INT(f.d.tok[2].start, 9);
	T_EQ_INT(f.d.tok[1].escaped, 0);
	T_EQ_INT(f.d.tok[2].escaped, 0);
	T_EQ_INT(json_str_eq(&f.d, 2, L("cd")), 1);
	/* Keys and values, in order. */
	T_EQ_INT(fx_parse(&f, L("{\"k\\n\":\"v\",\"w\":\"\\/\",\"x\":{\"\\\"\":1}}")),
	    0);
	T_EQ_INT(f.d.tok[1].escaped, 1);
	T_EQ_INT(f.d.tok[2].escaped, 0);
	T_EQ_INT(f.d.tok[3].escaped, 0);
	T_EQ_INT(f.d.tok[4].escaped, 1);
	T_EQ_INT(f.d.tok[5].escaped, 0);
	T_EQ_INT(f.d.tok[7].escaped, 1);
	T_EQ_INT(f.d.tok[8].escaped, 0);
	T_EQ_INT(json_get(&f.d, 0, "k\n"), 2);
	T_EQ_STR(str_of(&f.d, json_get(&f.d, 0, "K\n")), "v");
	T_EQ_STR(str_of(&f.d, json_get(&f.d, 0, "w")), "/");
	/* Root strings. */
	T_EQ_INT(fx_parse(&f, L("\"a\\nb\"")), 0);
	T_EQ_INT(f.d.tok[0].escaped, 1);
	T_EQ_INT(json_str_is_raw(&f.d, 0), 0);
	T_EQ_INT(fx_parse(&f, L("\"a\\\\")), -1);
	T_EQ_INT(fx_parse(&f, L("\"ab\"")), 0);
	T_EQ_INT(f.d.tok[0].escaped, 0);
	T_EQ_INT(json_str_is_raw(&f.d, 0), 1);
	T_EQ_INT(fx_parse(&f, L("12")), 0);
	T_EQ_INT(f.d.tok[0].escaped, 0);
	/* Many escaped strings: the list grows past its first size. */
	{
		struct buf b;
		int k, e, bad = 0;

		buf_init(&b);
		buf_addc(&b, '[');
		for (k = 0; k < 2000; k++)
			buf_adds(&b, k % 3 ? "\"pl\"," : "\"e\\t\",");
		buf_adds(&b, "\"\\u0041\"]");
		T_EQ_INT(fx_parse(&f, b.p, b.len), 0);
		for (k = 0, e = json_first(&f.d, 0); e >= 0;
		    k++, e = json_next(&f.d, 0, e))
			if (f.d.tok[e].escaped != (k % 3 == 0 || k == 2000))
				bad++;
		T_EQ_INT(k, 2001);
		T_EQ_INT(bad, 0);
		buf_free(&b);
	}
	fx_done(&f);
}

/*
 * json_doc_trim() frees the token arrays only when together they take
 * more than the limit; a doc it leaves alone is untouched, and one it
 * frees parses again.
 */
static void
test_doc_trim(void)
{
	struct json_doc d;
	struct buf b;
	char err[JSON_ERR_LEN];
	size_t bytes;
	struct json_tok *tok;
	int k;

	json_doc_init(&d);
	buf_init(&b);
	buf_addc(&b, '[');
	for (k = 0; k < 1000; k++)
		buf_printf(&b, "%s{\"k\":\"v\\n%d\"}", k ? "," : "", k);
	buf_addc(&b, ']');
	T_EQ_INT(json_parse(&d, b.p, b.len, err), 0);
	T_EQ_INT(d.ntok, 3001);
	bytes = (size_t)d.cap * sizeof(struct json_tok) +
	    (size_t)d.jsmn_cap * sizeof(jsmntok_t);
	T_CHECK(d.cap >= 3001 && d.jsmn_cap >= 3001);

	/* At the limit: kept, and the parse is still there. */
	tok = d.tok;
	json_doc_trim(&d, bytes);
	T_CHECK(d.tok == tok);
	T_CHECK(d.cap >= 3001 && d.jsmn_cap >= 3001);
	T_EQ_INT(d.ntok, 3001);
	T_EQ_STR(str_of(&d, json_get(&d, (int)d.ntok - 3, "k")), "v\n999");
	json_doc_trim(&d, (size_t)-1);
	T_CHECK(d.tok == tok);

	/* One byte over: freed. */
	json_doc_trim(&d, bytes - 1);
	T_CHECK(d.tok == NULL);
	T_EQ_INT(d.cap, 0);
	T_EQ_INT(d.jsmn_cap, 0);
	T_EQ_INT(d.ntok, 0);
	T_EQ_INT(json_get(&d, 0, "k"), -1);

	/* And usable again, escapes and all. */
	T_EQ_INT(json_parse(&d, L("{\"a\":\"\\u00e9\"}"), err), 0);
	T_EQ_STR(str_of(&d, json_get(&d, 0, "a")), "\xc3\xa9");
	T_EQ_INT(json_str_is_raw(&d, 2), 0);
	json_doc_trim(&d, 0);
	T_CHECK(d.tok == NULL);
	json_doc_trim(&d, 0);		/* trimming an empty doc is fine */
	T_EQ_INT(json_parse(&d, L("[\"x\"]"), err), 0);
	T_EQ_INT(json_str_is_raw(&d, 1), 1);
	json_doc_free(&d);
	buf_free(&b);
}

/* Inputs of 2 GiB or more are refused before a byte is read. */
static void
test_huge_length(void)
{
	size_t big = (size_t)1 << 31;
	struct json_doc d;
	char err[JSON_ERR_LEN];
	void *m;

	m = mmap(NULL, big, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
	    MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		printf("# skipped: cannot map 2 GiB\n");
		return;
	}
	json_doc_init(&d);
	T_EQ_INT(json_parse(&d, m, big, err), -1);
	T_EQ_STR(err, "offset 2147483648: input of 2 GiB or more");
	T_EQ_INT(json_parse(&d, m, big + 12345, err), -1);
	T_EQ_STR(err, "offset 2147483648: input of 2 GiB or more");
	/* One byte less is parsed, and fails on its first (NUL) byte. */
	T_EQ_INT(json_parse(&d, m, big - 1, err), -1);
	T_EQ_STR(err, "offset 0: expected value");
	json_doc_free(&d);
	munmap(m, big);
}

/* ---- string decoding --------------------------------------------- */

static void
test_str_escapes(void)
{
	static const struct {
		const char *json;	/* one array element */
		const char *want;
		size_t n;
	} c[] = {
		{"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8},
		{"\"\\u0041\\u00e9\\u00E9\\u20AC\\uFFFF\"",
		    "A\xc3\xa9\xc3\xa9\xe2\x82\xac\xef\xbf\xbf", 11},
		{"\"\\u0000\"", "", 1},
		{"\"\\ud83d\\ude00\\uD800\\uDC00\\uDBFF\\uDFFF\"",
		    "\xf0\x9f\x98\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 12},
		{"\"plain\"", "plain", 5},
		{"\"\"", "", 0},
		{"\"mix\\u0020\xc3\xa9\\\\\"", "mix \xc3\xa9\\", 7},
		{"\"\\u007f\\u0080\\u07ff\\u0800\\ud7ff\\ue000\"",
		    "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80",
		    14},
		{"\"a\\u0000b\\u0001\\u001F\"", "a\0b\x01\x1f", 5},
		{"\"\\/\\/\\\\/\"", "//\\/", 4},
		{"\"tab\\there\\r\\nend\"", "tab\there\r\nend", 13},
		{"\"\\u212a\\u017f\"", "\xe2\x84\xaa\xc5\xbf", 5},
	};
	struct buf b;
	struct fx f;
	char out[64];
	size_t k;
	int e;

	buf_init(&b);
	buf_addc(&b, '[');
	for (k = 0; k < sizeof(c) / sizeof(c[0]); k++)
		buf_printf(&b, "%s%s", k ? "," : "", c[k].json);
	buf_addc(&b, ']');
	fx_init(&f);
	T_EQ_INT(fx_parse(&f, b.p, b.len), 0);
	for (k = 0, e = json_first(&f.d, 0); k < sizeof(c) / sizeof(c[0]) &&
	    e >= 0; k++, e = json_next(&f.d, 0, e)) {
		memset(out, 'Z', sizeof(out));
		T_EQ_INT(json_str(&f.d, e, out, sizeof(out)), c[k].n);
		T_EQ_MEM(out, c[k].n, c[k].want, c[k].n);
		T_EQ_INT(out[c[k].n], '\0');
		T_EQ_INT(json_str_eq(&f.d, e, c[k].want, c[k].n), 1);
	}
	T_EQ_INT(k, sizeof(c) / sizeof(c[0]));
	/* Keys decode the same way. */
	T_EQ_INT(fx_parse(&f, L("{\"\\u00e9\\n\":1}")), 0);
	T_EQ_INT(json_str(&f.d, 1, out, sizeof(out)), 3);
	T_EQ_STR(out, "\xc3\xa9\n");
	buf_free(&b);
	fx_done(&f);
}

static void
test_str_small_buffer(void)
{
	static const char full[] = "A\xc3\xa9\xc3\xa9\xe2\x82\xac\xef\xbf\xbf";
	char out[32];
	size_t cap, k, keep;
	struct fx f;
	int bad = 0;

	fx_init(&f);
	T_EQ_INT(fx_parse(&f, L("[\"\\u0041\\u00e9\xc3\xa9\\u20AC\\uFFFF\","
	    "12]")), 0);
	/* No buffer at all: the length only. */
	T_EQ_INT(json_str(&f.d, 1, NULL, 0), 11);
	memset(out, 'Z', sizeof(out));
	T_EQ_INT(json_str(&f.d, 1, out, 0), 11);
	T_EQ_INT(out[0], 'Z');
	/* Every capacity: a NUL-terminated prefix, nothing past outcap. */
	for (cap = 1; cap < 16; cap++) {
		memset(out, 'Z', sizeof(out));
		if (json_str(&f.d, 1, out, cap) != 11)
			bad++;
		keep = cap - 1 < 11 ? cap - 1 : 11;
		if (memcmp(out, full, keep) != 0 || out[keep] != '\0')
			bad++;
		for (k = cap; k < sizeof(out); k++)
			if (out[k] != 'Z')
				bad++;
	}
	T_EQ_INT(bad, 0);
	/* Not a string: -1, with an empty result when there is room. */
	memset(out, 'Z', sizeof(out));
	T_EQ_INT(json_str(&f.d, 2, out, sizeof(out)), -1);
	T_EQ_INT(out[0], '\0');
	memset(out, 'Z', sizeof(out));
	T_EQ_INT(json_str(&f.d, 0, out, 1), -1);
	T_EQ_INT(out[0], '\0');
	T_EQ_INT(out[1], 'Z');
	memset(out, 'Z', sizeof(out));
	T_EQ_INT(json_str(&f.d, 0, out, 0), -1);
	T_EQ_INT(out[0], 'Z');
	T_EQ_INT(json_str(&f.d, -1, out, sizeof(out)), -1);
	T_EQ_INT(json_str(&f.d, 3, out, sizeof(out)), -1);
	fx_done(&f);
}

static void
test_str_eq_and_raw(void)
{
	struct fx f;

	fx_init(&f);
	T_EQ_INT(fx_parse(&f, L("[\"abc\",\"a\\nb\",\"\\u0041BC\","
	    "\"caf\\u00e9\",\"caf\xc3\xa9\",\"\",\"x\\u0000y\",\"\\/\",1,"
	    "null,\"\\\\\"]")), 0);
	/* 1 "abc" (raw) */
	T_EQ_INT(json_str_eq(&f.d, 1, L("abc")), 1);
	T_EQ_INT(json_str_eq(&f.d, 1, L("abd")), 0);
	T_EQ_INT(json_str_eq(&f.d, 1, L("ab")), 0);
	T_EQ_INT(json_str_eq(&f.d, 1, L("abcd")), 0);
	T_EQ_INT(json_str_eq(&f.d, 1, L("ABC")), 0);	/* no folding here */
	T_EQ_INT(json_str_eq(&f.d, 1, "abcdef", 3), 1);	/* n, not strlen */
	/* 2 "a\nb" */
	T_EQ_INT(json_str_eq(&f.d, 2, L("a\nb")), 1);
	T_EQ_INT(json_str_eq(&f.d, 2, L("a\\nb")), 0);
	T_EQ_INT(json_str_eq(&f.d, 2, L("a\n")), 0);
	T_EQ_INT(json_str_eq(&f.d, 2, L("a\nbc")), 0);
	T_EQ_INT(json_str_eq(&f.d, 2, L("a\rb")), 0);
	/* 3 "\u0041BC" */
	T_EQ_INT(json_str_eq(&f.d, 3, L("ABC")), 1);
	T_EQ_INT(json_str_eq(&f.d, 3, L("aBC")), 0);
	T_EQ_INT(json_str_eq(&f.d, 3, L("BC")), 0);
	/* 4, 5: the same text, escaped and raw */
	T_EQ_INT(json_str_eq(&f.d, 4, L("caf\xc3\xa9")), 1);
	T_EQ_INT(json_str_eq(&f.d, 5, L("caf\xc3\xa9")), 1);
	T_EQ_INT(json_str_eq(&f.d, 4, L("caf\xc3")), 0);
	T_EQ_INT(json_str_eq(&f.d, 4, L("caf\xc3\xa9!")), 0);
	T_EQ_INT(json_str_eq(&f.d, 4, L("cafe")), 0);
	T_EQ_INT(json_str_eq(&f.d, 4, L("caf\xc3\xa8")), 0);
	/* 6 "" */
	T_EQ_INT(json_str_eq(&f.d, 6, "", 0), 1);
	T_EQ_INT(json_str_eq(&f.d, 6, L("a")), 0);
	/* 7 "x\0y" */
	T_EQ_INT(json_str_eq(&f.d, 7, L("x\0y")), 1);
	T_EQ_INT(json_str_eq(&f.d, 7, L("x")), 0);
	T_EQ_INT(json_str_eq(&f.d, 7, L("x\0z")), 0);
	/* 8 "\/" */
	T_EQ_INT(json_str_eq(&f.d, 8, L("/")), 1);
	T_EQ_INT(json_str_eq(&f.d, 8, L("\\/")), 0);
	/* 11 "\\" */
	T_EQ_INT(json_str_eq(&f.d, 11, L("\\")), 1);
	/* Not strings. */
	T_EQ_INT(json_str_eq(&f.d, 9, L("1")), 0);
	T_EQ_INT(json_str_eq(&f.d, 10, L("null")), 0);
	T_EQ_INT(json_str_eq(&f.d, 0, "", 0), 0);
	T_EQ_INT(json_str_eq(&f.d, -1, "", 0), 0);
	T_EQ_INT(json_str_eq(&f.d, 12, "", 0), 0);

	T_EQ_INT(json_str_is_raw(&f.d, 1), 1);
	T_EQ_INT(json_str_is_raw(&f.d, 2), 0);
	T_EQ_INT(json_str_is_raw(&f.d, 3), 0);
	T_EQ_INT(json_str_is_raw(&f.d, 4), 0);
	T_EQ_INT(json_str_is_raw(&f.d, 5), 1);
	T_EQ_INT(json_str_is_raw(&f.d, 6), 1);
	T_EQ_INT(json_str_is_raw(&f.d, 7), 0);
	T_EQ_INT(json_str_is_raw(&f.d, 8), 0);	/* identity, still escaped */
	T_EQ_INT(json_str_is_raw(&f.d, 11), 0);
	T_EQ_INT(json_str_is_raw(&f.d, 9), 0);
	T_EQ_INT(json_str_is_raw(&f.d, 10), 0);
	T_EQ_INT(json_str_is_raw(&f.d, 0), 0);
	T_EQ_INT(json_str_is_raw(&f.d, -1), 0);
	T_EQ_INT(json_str_is_raw(&f.d, 12), 0);
	fx_done(&f);
}

/*
 * Random strings in every spelling JSON allows: decoded exactly, equal
 * under json_str_eq, found as object keys, raw only without escapes,
 * and unchanged by a trip through the writer.
 */
static void
test_str_fuzz(void)
{
	struct buf json, want, obj, w;
	struct fx f, g;
	int it, esc, bad = 0;
	long n;
	char *out;

	rng_seed(99);
	buf_init(&json);
	buf_init(&want);
	buf_init(&obj);
	buf_init(&w);
	fx_init(&f);
	fx_init(&g);
	for (it = 0; it < 3000 && bad < 5; it++) {
		json.len = want.len = obj.len = w.len = 0;
		gen_string(&json, &want, &esc, 60);
		buf_addc(&want, '\0');
		want.len--;
		if (fx_parse(&f, json.p, json.len) != 0) {
			show("json", json.p, json.len);
			printf("#   %s\n", f.err);
			bad++;
			continue;
		}
		n = json_str(&f.d, 0, NULL, 0);
		out = xmalloc((size_t)n + 1);
		json_str(&f.d, 0, out, (size_t)n + 1);
		if ((size_t)n != want.len || memcmp(out, want.p, want.len) ||
		    json_str_eq(&f.d, 0, want.p, want.len) != 1 ||
		    json_str_is_raw(&f.d, 0) == esc)
			bad++;
		if (want.len > 0) {
			want.p[want.len - 1] ^= 1;
			if (json_str_eq(&f.d, 0, want.p, want.len) != 0 ||
			    json_str_eq(&f.d, 0, want.p, want.len - 1) != 0)
				bad++;
			want.p[want.len - 1] ^= 1;
		}
		/* As a key. */
		buf_adds(&obj, "{ \"x\":0, ");
		buf_add(&obj, json.p, json.len);
		buf_adds(&obj, " : 1 }");
		if (fx_parse(&g, obj.p, obj.len) != 0 ||
		    (strlen(want.p) == want.len &&
		    json_get(&g.d, 0, want.p) != (strcmp(want.p, "x") ? 4 : 2)))
			bad++;
		/* Through the writer and back. */
		json_write_str(&w, want.p, want.len);
		if (fx_parse(&g, w.p, w.len) != 0 ||
		    json_str(&g.d, 0, NULL, 0) != (long)want.len ||
		    json_str_eq(&g.d, 0, want.p, want.len) != 1)
			bad++;
		if (bad)
			show("json", json.p, json.len);
		free(out);
	}
	T_EQ_INT(bad, 0);
	buf_free(&json);
	buf_free(&want);
	buf_free(&obj);
	buf_free(&w);
	fx_done(&f);
	fx_done(&g);
}

/* ---- numbers ------------------------------------------------------ */

static void
test_number(void)
{
	static const struct {
		const char *s;
		double v;
	} c[] = {
		{"0", 0.0},
		{"1", 1.0},
		{"-1", -1.0},
		{"123456789", 123456789.0},
		{"-123456789", -123456789.0},
		{"1e3", 1000.0},
		{"1E+3", 1000.0},
		{"1e-3", 0.001},
		{"-1.5e-2", -0.015},
		{"0.1", 0.1},
		{"2.5E0", 2.5},
		{"12345678901234567890", 12345678901234567890.0},
		{"9007199254740993", 9007199254740992.0},
		{"1.7976931348623157e308", DBL_MAX},
		{"1.7976931348623158e308", DBL_MAX},
		{"-1.7976931348623157e308", -DBL_MAX},
		{"2.2250738585072014e-308", DBL_MIN},
		{"5e-324", 4.9406564584124654e-324},
		{"1e-400", 0.0},
		{"0.30000000000000004", 0.30000000000000004},
		{"100e-2", 1.0},
	};
	struct buf b;
	struct fx f;
	double v;
	size_t k;
	int e;

	fx_init(&f);
	buf_init(&b);
	buf_addc(&b, '[');
	for (k = 0; k < sizeof(c) / sizeof(c[0]); k++)
		buf_printf(&b, "%s%s", k ? ", " : "", c[k].s);
	buf_addc(&b, ']');
	T_EQ_INT(fx_parse(&f, b.p, b.len), 0);
	for (k = 0, e = json_first(&f.d, 0); e >= 0;
	    k++, e = json_next(&f.d, 0, e)) {
		v = -42.0;
		T_EQ_INT(json_number(&f.d, e, &v), 0);
		if (v != c[k].v)
			printf("#   %s read as %.17g\n", c[k].s, v);
		T_CHECK(v == c[k].v);
	}
	T_EQ_INT(k, sizeof(c) / sizeof(c[0]));

	/* -0 keeps its sign. */
	T_EQ_INT(fx_parse(&f, L("-0")), 0);
	T_EQ_INT(json_number(&f.d, 0, &v), 0);
	T_CHECK(v == 0.0 && signbit(v));
	T_EQ_INT(fx_parse(&f, L(" \n 7 \t")), 0);
	T_CHECK(num_of(&f.d, 0) == 7.0);

	/* Overflow to infinity is refused. */
	T_EQ_INT(fx_parse(&f, L("[1e309,-1e400,1.7976931348623159e308,"
	    "123e999999999999999999]")), 0);
	for (e = json_first(&f.d, 0); e >= 0; e = json_next(&f.d, 0, e))
		T_EQ_INT(json_number(&f.d, e, &v), -1);

	/* Longer than the stack copy: 63, 64 and 300+ bytes. */
	b.len = 0;
	buf_adds(&b, "[0.");
	for (k = 0; k < 60; k++)
		buf_addc(&b, '0');
	buf_adds(&b, "1,0.");		/* 63 bytes: 1e-61 */
	for (k = 0; k < 61; k++)
		buf_addc(&b, '0');
	buf_adds(&b, "1,-3.");		/* 64 bytes: 1e-62 */
	for (k = 0; k < 300; k++)
		buf_addc(&b, '0');
	buf_adds(&b, "5e2,");		/* -300.0...05 -> -300 */
	for (k = 0; k < 300; k++)
		buf_addc(&b, k ? '0' : '4');
	buf_adds(&b, "e-299]");		/* 4e299 * 1e-299 = 4 */
	T_EQ_INT(fx_parse(&f, b.p, b.len), 0);
	e = json_first(&f.d, 0);
	T_EQ_INT(f.d.tok[e].end - f.d.tok[e].start, 63);
	T_CHECK(num_of(&f.d, e) == 1e-61);
	e = json_next(&f.d, 0, e);
	T_EQ_INT(f.d.tok[e].end - f.d.tok[e].start, 64);
	T_CHECK(num_of(&f.d, e) == 1e-62);
	e = json_next(&f.d, 0, e);
	T_CHECK(num_of(&f.d, e) == -300.0);
	e = json_next(&f.d, 0, e);
	T_CHECK(num_of(&f.d, e) == 4.0);

	/* Tokens that are not numbers. */
	T_EQ_INT(fx_parse(&f, L("{\"1\":\"2\",\"t\":[true,false,null]}")), 0);
	v = 5.0;
	T_EQ_INT(json_number(&f.d, 0, &v), -1);
	T_EQ_INT(json_number(&f.d, 1, &v), -1);	/* key "1" */
	T_EQ_INT(json_number(&f.d, 2, &v), -1);	/* value "2" */
	T_EQ_INT(json_number(&f.d, 4, &v), -1);	/* array */
	T_EQ_INT(json_number(&f.d, 5, &v), -1);
	T_EQ_INT(json_number(&f.d, 6, &v), -1);
	T_EQ_INT(json_number(&f.d, 7, &v), -1);
	T_EQ_INT(json_number(&f.d, 8, &v), -1);	/* past the end */
	T_EQ_INT(json_number(&f.d, -1, &v), -1);
	T_CHECK(v == 5.0);
	buf_free(&b);
	fx_done(&f);
}

/* ---- writer ------------------------------------------------------- */

/* Writes s into a fresh buffer and compares with the expected text. */
#define T_WRITES(s, n, want) do {					\
	struct buf t_w_;						\
	buf_init(&t_w_);						\
	json_write_str(&t_w_, (s), (n));				\
	T_EQ_MEM(t_w_.p, t_w_.len, want, sizeof(want) - 1);		\
	buf_free(&t_w_);						\
} while (0)

static void
test_write_str_controls(void)
{
	static const char hex[] = "0123456789abcdef";
	char in, want[16];
	struct buf b;
	struct fx f;
	int c, bad = 0;

	fx_init(&f);
	buf_init(&b);
	for (c = 0; c < 0x20; c++) {
		in = (char)c;
		switch (c) {
		case '\b': strcpy(want, "\"\\b\""); break;
		case '\f': strcpy(want, "\"\\f\""); break;
		case '\n': strcpy(want, "\"\\n\""); break;
		case '\r': strcpy(want, "\"\\r\""); break;
		case '\t': strcpy(want, "\"\\t\""); break;
		default:
			snprintf(want, sizeof(want), "\"\\u00%c%c\"",
			    hex[c >> 4], hex[c & 15]);
			break;
		}
		b.len = 0;
		json_write_str(&b, &in, 1);
		if (b.len != strlen(want) || memcmp(b.p, want, b.len) != 0) {
			show("wrote", b.p, b.len);
			bad++;
		}
		/* And it reads back as that one byte. */
		if (fx_parse(&f, b.p, b.len) != 0 ||
		    json_str_eq(&f.d, 0, &in, 1) != 1)
			bad++;
	}
	T_EQ_INT(bad, 0);
	T_WRITES("\x00\x1f", 2, "\"\\u0000\\u001f\"");
	T_WRITES("a\nb\tc", 5, "\"a\\nb\\tc\"");
	T_WRITES("\"", 1, "\"\\\"\"");
	T_WRITES("\\", 1, "\"\\\\\"");
	T_WRITES("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	T_WRITES("", 0, "\"\"");
	T_WRITES("/</script>", 10, "\"/</script>\"");
	T_WRITES("\x7f", 1, "\"\x7f\"");
	T_WRITES("x\0y", 3, "\"x\\u0000y\"");

	/* Printable ASCII other than '"' and '\\' passes through. */
	b.len = 0;
	for (c = 0x20; c < 0x7f; c++)
		if (c != '"' && c != '\\')
			buf_addc(&b, (char)c);
	{
		struct buf w;
		buf_init(&w);
		json_write_str(&w, b.p, b.len);
		T_EQ_INT(w.len, b.len + 2);
		T_CHECK(w.len == b.len + 2 && memcmp(w.p + 1, b.p, b.len) == 0);
		buf_free(&w);
	}

	/* The writer appends. */
	b.len = 0;
	buf_adds(&b, "{\"k\":");
	json_write_str(&b, "v\n", 2);
	buf_addc(&b, '}');
	T_EQ_MEM(b.p, b.len, "{\"k\":\"v\\n\"}", 11);
	buf_free(&b);
	fx_done(&f);
}

static void
test_write_str_utf8(void)
{
	/* Valid UTF-8 passes through as is, range edges included ... */
	T_WRITES("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
	    "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	T_WRITES("\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80", 13,
	    "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\"");
	T_WRITES("\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 11,
	    "\"\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"");
	T_WRITES("\xe2\x84\xaa\xef\xbf\xbd", 6, "\"\xe2\x84\xaa\xef\xbf\xbd\"");
	/* ... except U+2028 and U+2029, which JavaScript forbids. */
	T_WRITES("\xe2\x80\xa8", 3, "\"\\u2028\"");
	T_WRITES("\xe2\x80\xa9", 3, "\"\\u2029\"");
	T_WRITES("a\xe2\x80\xa8" "b\xe2\x80\xa9" "c", 9,
	    "\"a\\u2028b\\u2029c\"");
	T_WRITES("\xe2\x80\xa7\xe2\x80\xaa\xe2\x80\xaf", 9,
	    "\"\xe2\x80\xa7\xe2\x80\xaa\xe2\x80\xaf\"");
}

static void
test_write_str_invalid_utf8(void)
{
#define FFFD	"\xef\xbf\xbd"
	/* One U+FFFD per byte that does not start a valid sequence. */
	T_WRITES("\xff", 1, "\"" FFFD "\"");
	T_WRITES("a\x80" "b", 3, "\"a" FFFD "b\"");
	T_WRITES("\xc0\xaf", 2, "\"" FFFD FFFD "\"");
	T_WRITES("\xe0\x80\xaf", 3, "\"" FFFD FFFD FFFD "\"");
	T_WRITES("\xed\xa0\x80", 3, "\"" FFFD FFFD FFFD "\"");
	T_WRITES("\xf4\x90\x80\x80", 4, "\"" FFFD FFFD FFFD FFFD "\"");
	T_WRITES("\xf5\xfe\xff", 3, "\"" FFFD FFFD FFFD "\"");
	T_WRITES("\xe2\x82", 2, "\"" FFFD FFFD "\"");
	T_WRITES("\xe2\x82" "A", 3, "\"" FFFD FFFD "A\"");
	T_WRITES("\xf0\x9f\x98\xf0\x9f\x98\x80", 7,
	    "\"" FFFD FFFD FFFD "\xf0\x9f\x98\x80\"");
	T_WRITES("\xc3", 1, "\"" FFFD "\"");
	T_WRITES("\xc3\xa9\xc3", 3, "\"\xc3\xa9" FFFD "\"");
	T_WRITES("\"\xff\\", 3, "\"\\\"" FFFD "\\\\\"");
	T_WRITES("\xe2\x80", 2, "\"" FFFD FFFD "\"");	/* cut U+2028 */
	T_WRITES("\xe2\x80\n", 3, "\"" FFFD FFFD "\\n\"");
#undef FFFD
}

static const struct {
	const char *s;
	size_t n;
} tricky[] = {
	{L("")},
	{L("\"")},
	{L("\\")},
	{L("\0")},
	{L("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
	    "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f")},
	{L("</script><!--")},
	{L("\\u0041")},
	{L("\\\"\\\"\"\"\\\\")},
	{L("\xe2\x80\xa8\xe2\x80\xa9")},
	{L("\xef\xbb\xbf" "bom")},
	{L("\xf4\x8f\xbf\xbf\xf0\x90\x80\x80")},
	{L("tab\there and a long run of plain text past eight bytes\n")},
	{L("\xed\x9f\xbf\xee\x80\x80")},
	{L("x\0y\0z")},
	{L("\x7f\xc2\x80")},
	{L("\xe2\x84\xaa\xc5\xbf")},
};

static void
test_write_str_roundtrip(void)
{
	struct buf w, w2;
	struct fx f;
	char out[128];
	size_t k, i;
	int bad, it;

	fx_init(&f);
	buf_init(&w);
	buf_init(&w2);
	for (k = 0; k < sizeof(tricky) / sizeof(tricky[0]); k++) {
		w.len = 0;
		json_write_str(&w, tricky[k].s, tricky[k].n);
		T_EQ_INT(fx_parse(&f, w.p, w.len), 0);
		T_EQ_INT(json_str(&f.d, 0, out, sizeof(out)), tricky[k].n);
		T_EQ_MEM(out, tricky[k].n, tricky[k].s, tricky[k].n);
		/* No raw control byte and no raw U+2028/9 in the output. */
		for (i = 0, bad = 0; i < w.len; i++)
			if ((unsigned char)w.p[i] < 0x20 || (i + 2 < w.len &&
			    memcmp(w.p + i, "\xe2\x80", 2) == 0 &&
			    (w.p[i + 2] == '\xa8' || w.p[i + 2] == '\xa9')))
				bad++;
		T_EQ_INT(bad, 0);
	}

	/*
	 * Random bytes: the output always parses, decodes to valid UTF-8,
	 * equals the input when that was valid UTF-8, and writing the
	 * decoded text again gives the same output.
	 */
	rng_seed(1234);
	bad = 0;
	for (it = 0; it < 3000 && bad < 5; it++) {
		size_t n = rnd_below(40);
		char in[40], *dec;
		long dl;

		for (i = 0; i < n; i++)
			in[i] = rnd_below(3) ? (char)fuzz_byte() :
			    (char)(0x80 + rnd_below(0x80));
		w.len = w2.len = 0;
		json_write_str(&w, in, n);
		if (fx_parse(&f, w.p, w.len) != 0) {
			show("in", in, n);
			bad++;
			continue;
		}
		dl = json_str(&f.d, 0, NULL, 0);
		dec = xmalloc((size_t)dl + 1);
		json_str(&f.d, 0, dec, (size_t)dl + 1);
		if (!valid_utf8(dec, (size_t)dl))
			bad++;
		if (valid_utf8(in, n) && ((size_t)dl != n ||
		    memcmp(dec, in, n) != 0))
			bad++;
		if (!valid_utf8(in, n) && ((size_t)dl == n &&
		    memcmp(dec, in, n) == 0))
			bad++;
		json_write_str(&w2, dec, (size_t)dl);
		if (w2.len != w.len || memcmp(w2.p, w.p, w.len) != 0)
			bad++;
		if (bad)
			show("in", in, n);
		free(dec);
	}
	T_EQ_INT(bad, 0);
	buf_free(&w);
	buf_free(&w2);
	fx_done(&f);
}

#define T_NUM(v, want) do {						\
	struct buf t_w_;						\
	buf_init(&t_w_);						\
	json_write_num(&t_w_, (v));					\
	T_EQ_MEM(t_w_.p, t_w_.len, want, sizeof(want) - 1);		\
	buf_free(&t_w_);						\
} while (0)

static void
test_write_num(void)
{
	volatile double third = 1.0, tenth = 0.1;
	struct buf b;

	T_NUM(0.0, "0");
	T_NUM(-0.0, "0");
	T_NUM(1.0, "1");
	T_NUM(-1.0, "-1");
	T_NUM(42.0, "42");
	T_NUM(1e15, "1000000000000000");
	T_NUM(9007199254740991.0, "9007199254740991");
	T_NUM(-9007199254740991.0, "-9007199254740991");
	T_NUM(9007199254740992.0, "9007199254740992");
	T_NUM(0.1, "0.1");
	T_NUM(0.5, "0.5");
	T_NUM(-2.5, "-2.5");
	T_NUM(123.456, "123.456");
	T_NUM(1e300, "1e+300");
	T_NUM(1e21, "1e+21");
	T_NUM(1e-7, "1e-07");
	T_NUM(third / 3.0, "0.3333333333333333");
	T_NUM(2.0 / 3.0, "0.6666666666666666");
	T_NUM(tenth + 0.2, "0.30000000000000004");
	T_NUM(DBL_MAX, "1.7976931348623157e+308");
	T_NUM(-DBL_MAX, "-1.7976931348623157e+308");
	T_NUM(DBL_MIN, "2.2250738585072014e-308");
	/* Subnormals too get their shortest form. */
	T_NUM(4.9406564584124654e-324, "5e-324");
	T_NUM(1e-320, "1e-320");
	/* JSON has no NaN or infinities. */
	T_NUM(NAN, "null");
	T_NUM(INFINITY, "null");
	T_NUM(-INFINITY, "null");

	/* It appends, and what it writes is a JSON number. */
	buf_init(&b);
	buf_adds(&b, "[");
	json_write_num(&b, 0.1);
	buf_adds(&b, ",");
	json_write_num(&b, -1e-300);
	buf_adds(&b, "]");
	T_EQ_MEM(b.p, b.len, "[0.1,-1e-300]", 13);
	buf_free(&b);
}

/* The fewest %.*g digits that read back as v. */
static void
shortest(double v, char *out, size_t cap)
{
	int p;

	for (p = 1; p <= 17; p++) {
		snprintf(out, cap, "%.*g", p, v);
		if (strtod(out, NULL) == v)
			return;
	}
}

static double
rand_double(void)
{
	uint64_t bits;
	double v;

	switch (rnd_below(4)) {
	case 0:		/* any bit pattern */
		bits = (uint64_t)rnd() << 32 | rnd();
		memcpy(&v, &bits, sizeof(v));
		return v;
	case 1:		/* short decimals */
		return (double)((int32_t)rnd() % 100000) /
		    pow(10.0, rnd_below(8));
	case 2:		/* integers around 2^53 and below */
		return (double)(int64_t)(((uint64_t)rnd() << 32 | rnd()) >>
		    (10 + rnd_below(50))) * (rnd_below(2) ? 1 : -1);
	default:	/* subnormals */
		bits = ((uint64_t)rnd() << 32 | rnd()) & 0x000FFFFFFFFFFFFFULL;
		memcpy(&v, &bits, sizeof(v));
		return v;
	}
}

static void
test_write_num_roundtrip(void)
{
	struct buf b;
	struct fx f;
	char want[40];
	double v, back;
	int it, bad = 0, before, finite = 0;

	rng_seed(2024);
	buf_init(&b);
	fx_init(&f);
	for (it = 0; it < 6000 && bad < 5; it++) {
		v = rand_double();
		before = bad;
		b.len = 0;
		json_write_num(&b, v);
		buf_addc(&b, '\0');
		b.len--;
		if (isnan(v) || isinf(v)) {
			if (strcmp(b.p, "null") != 0)
				bad++;
			continue;
		}
		finite++;
		if (v == 0.0)
			strcpy(want, "0");
		else if (fabs(v) < 9007199254740992.0 && v == floor(v))
			snprintf(want, sizeof(want), "%.0f", v);
		else
			shortest(v, want, sizeof(want));
		if (strcmp(b.p, want) != 0)
			bad++;
		/* It reads back exactly, as JSON and through strtod. */
		if (strtod(b.p, NULL) != v ||
		    fx_parse(&f, b.p, b.len) != 0 ||
		    f.d.tok[0].type != JSON_NUMBER ||
		    json_number(&f.d, 0, &back) != 0 || back != v)
			bad++;
		if (bad != before)
			printf("#   %.17g written as \"%s\", expected \"%s\"\n",
			    v, b.p, want);
	}
	T_EQ_INT(bad, 0);
	T_CHECK(finite > 5000);
	buf_free(&b);
	fx_done(&f);
}

T_SUITE(
	{"root_scalars", test_root_scalars},
	{"token_layout", test_token_layout},
	{"iterate", test_iterate},
	{"whitespace", test_whitespace},
	{"get_exact_and_fold", test_get_exact_and_fold},
	{"get_unicode_fold", test_get_unicode_fold},
	{"get_escaped_keys", test_get_escaped_keys},
	{"get_skips_nested", test_get_skips_nested},
	{"path", test_path},
	{"err_structure", test_err_structure},
	{"err_top_level", test_err_top_level},
	{"err_literals", test_err_literals},
	{"err_numbers", test_err_numbers},
	{"err_strings", test_err_strings},
	{"err_utf8", test_err_utf8},
	{"err_every_position", test_err_every_position},
	{"depth", test_depth},
	{"truncation", test_truncation},
	{"fuzz_mutations", test_fuzz_mutations},
	{"fuzz_generated", test_fuzz_generated},
	{"big_document", test_big_document},
	{"doc_reuse", test_doc_reuse},
	{"escaped_flags", test_escaped_flags},
	{"doc_trim", test_doc_trim},
	{"huge_length", test_huge_length},
	{"str_escapes", test_str_escapes},
	{"str_small_buffer", test_str_small_buffer},
	{"str_eq_and_raw", test_str_eq_and_raw},
	{"str_fuzz", test_str_fuzz},
	{"number", test_number},
	{"write_str_controls", test_write_str_controls},
	{"write_str_utf8", test_write_str_utf8},
	{"write_str_invalid_utf8", test_write_str_invalid_utf8},
	{"write_str_roundtrip", test_write_str_roundtrip},
	{"write_num", test_write_num},
	{"write_num_roundtrip", test_write_num_roundtrip}
);
