/*
 * json: strict validation, conversion of jsmn tokens, lookups, string
 * decoding and a writer.
 *
 * json_parse() makes three passes over a body:
 *
 *  1. our own validator, which walks the text once with an explicit
 *     stack.  jsmn 1.1.0 accepts invalid JSON even with JSMN_STRICT
 *     (missing or doubled commas, bad literals, raw control characters,
 *     several top-level values) and reports errors only roughly, so the
 *     validator is what decides and what names the offset.  Running it
 *     first also means jsmn never sees deep nesting: even with parent
 *     links jsmn walks up from the last token on every closing bracket,
 *     which costs O(depth) per bracket, so depth is capped here.
 *     The validator also counts the tokens, which sizes both arrays.
 *  2. jsmn, over a token array kept in the doc.
 *  3. a conversion of jsmn's tokens into struct json_tok, computing
 *     `next` with a stack bounded by the same depth cap.
 *
 * A root that is a bare number or literal never reaches jsmn: in strict
 * mode it reports JSMN_ERROR_PART for a primitive that ends the input,
 * although RFC 8259 allows it.
 *
 * Nothing here depends on the locale except strtod() and snprintf("%g")
 * in json_number() and json_write_num(); the server never calls
 * setlocale(), so they use '.' as the decimal point.
 */
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

/*
 * Deepest nesting of objects and arrays accepted.  Kubernetes objects
 * (managedFields included) stay below 20; the cap bounds both our stack
 * and jsmn's per-bracket cost on hostile bodies.
 */
#define JSON_MAX_DEPTH	512

/* jsmn keeps positions in int. */
#define JSON_MAX_LEN	((size_t)1 << 31)

/* First allocation of a token array; grown by doubling. */
#define JSON_MIN_CAP	256

/* Longest number json_number() converts from a stack copy. */
#define JSON_NUM_BUF	64

#define NONE		UINT32_MAX

struct perr {
	size_t off;
	const char *what;
};

static void
set_err(char *err, size_t off, const char *what)
{
	if (err != NULL)
		snprintf(err, JSON_ERR_LEN, "offset %zu: %s", off, what);
}

/* Records an error; returns SIZE_MAX so scanners can `return fail()`. */
static size_t
fail(struct perr *pe, size_t off, const char *what)
{
	pe->off = off;
	pe->what = what;
	return SIZE_MAX;
}

static size_t
fail_eof(struct perr *pe, size_t len)
{
	return fail(pe, len, "unexpected end of input");
}

static inline int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int
hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static inline size_t
skip_ws(const unsigned char *s, size_t p, size_t len)
{
	unsigned char c;

	/* Compact bodies have no white space: one compare per call. */
	while (p < len && (c = s[p]) <= ' ' &&
	    (c == ' ' || c == '\n' || c == '\r' || c == '\t'))
		p++;
	return p;
}

/*
 * Length of the well-formed UTF-8 sequence at s (n bytes available):
 * 1-4, or 0 when the bytes are not one (Unicode table 3-7: no overlongs,
 * no surrogates, nothing above U+10FFFF).  When the only fault is that
 * the buffer ends inside the sequence, *trunc is set as well.
 */
static size_t
utf8_len(const unsigned char *s, size_t n, int *trunc)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t k, need;

	*trunc = 0;
	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		need = 1;
	else if (c < 0xF0) {
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c < 0xF5) {
		need = 3;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < 2)
		goto short_buf;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (k = 2; k <= need; k++) {
		if (k >= n)
			goto short_buf;
		if ((s[k] & 0xC0) != 0x80)
			return 0;
	}
	return need + 1;
short_buf:
	*trunc = 1;
	return 0;
}

/* Decodes a sequence utf8_len() accepted. */
static uint32_t
utf8_dec(const unsigned char *s, size_t k)
{
	switch (k) {
	case 1:
		return s[0];
	case 2:
		return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
	case 3:
		return (uint32_t)(s[0] & 0x0F) << 12 |
		    (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
	default:
		return (uint32_t)(s[0] & 0x07) << 18 |
		    (uint32_t)(s[1] & 0x3F) << 12 |
		    (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
	}
}

static size_t
utf8_enc(uint32_t c, unsigned char *o)
{
	if (c < 0x80) {
		o[0] = (unsigned char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (unsigned char)(0xC0 | c >> 6);
		o[1] = (unsigned char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (unsigned char)(0xE0 | c >> 12);
		o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | c >> 18);
	o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (c & 0x3F));
	return 4;
}

/*
 * Eight bytes at a time: most of a Kubernetes body is plain ASCII inside
 * strings, and testing a word for "quote, backslash, control or
 * non-ASCII byte" costs about as much as testing one byte.
 */
#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

static inline uint64_t
load64(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/*
 * Nonzero when some byte of w needs a closer look.  Each term flags a
 * byte only when it or a byte below it matches (borrows run upward), so
 * on a little-endian load the lowest flag is the first such byte.
 */
static inline uint64_t
str_special(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

	return (((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) |
	    ((b - ONES) & ~b) | w) & HIGHS;
}

static inline int
str_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* How many bytes precede the first flagged one. */
static inline size_t
first_flag(uint64_t m)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(m) >> 3;
#else
	(void)m;
	return 0;	/* the byte loop finds it */
#endif
}

/*
 * Validates the \uXXXX escape whose backslash is at p, including the
 * second half of a surrogate pair.  Returns the offset after it.
 */
static size_t
scan_uescape(const unsigned char *s, size_t p, size_t len, struct perr *pe)
{
	uint32_t cp = 0, lo = 0;
	size_t k;
	int h;

	for (k = 2; k < 6; k++) {
		if (p + k >= len)
			return fail_eof(pe, len);
		if ((h = hex_val(s[p + k])) < 0)
			return fail(pe, p, "invalid escape");
		cp = cp << 4 | (uint32_t)h;
	}
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(pe, p, "lone surrogate");
	if (cp < 0xD800 || cp > 0xDBFF)
		return p + 6;
	if (p + 6 >= len)
		return fail_eof(pe, len);
	if (s[p + 6] != '\\')
		return fail(pe, p, "lone surrogate");
	if (p + 7 >= len)
		return fail_eof(pe, len);
	if (s[p + 7] != 'u')
		return fail(pe, p, "lone surrogate");
	for (k = 8; k < 12; k++) {
		if (p + k >= len)
			return fail_eof(pe, len);
		if ((h = hex_val(s[p + k])) < 0)
			return fail(pe, p + 6, "invalid escape");
		lo = lo << 4 | (uint32_t)h;
	}
	if (lo < 0xDC00 || lo > 0xDFFF)
		return fail(pe, p, "lone surrogate");
	return p + 12;
}

/*
 * Validates a string body starting at p (just after the opening quote).
 * Returns the offset of the closing quote.
 */
static size_t
scan_str(const unsigned char *s, size_t p, size_t len, int *esc,
    struct perr *pe)
{
	uint64_t m = 0;
	size_t k;
	int trunc;
	unsigned char c;

	for (;;) {
		while (len - p >= 8 && (m = str_special(load64(s + p))) == 0)
			p += 8;
		if (len - p >= 8)
			p += first_flag(m);
		while (p < len && str_plain(s[p]))
			p++;
		if (p >= len)
			return fail_eof(pe, len);
		c = s[p];
		if (c == '"')
			return p;
		if (c == '\\') {
			*esc = 1;
			if (p + 1 >= len)
				return fail_eof(pe, len);
			switch (s[p + 1]) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				p += 2;
				break;
			case 'u':
				if ((p = scan_uescape(s, p, len, pe)) == SIZE_MAX)
					return SIZE_MAX;
				break;
			default:
				return fail(pe, p, "invalid escape");
			}
			continue;
		}
		if (c < 0x20)
			return fail(pe, p, "control character in string");
		if ((k = utf8_len(s + p, len - p, &trunc)) == 0) {
			/*
			 * A sequence that only lacks bytes because the input
			 * ends is a truncation, not bad UTF-8.
			 */
			if (trunc)
				return fail_eof(pe, len);
			return fail(pe, p, "invalid UTF-8");
		}
		p += k;
	}
}

/* Returns the offset after a number that starts at p. */
static size_t
scan_num(const unsigned char *s, size_t p, size_t len, struct perr *pe)
{
	if (s[p] == '-')
		p++;
	if (p >= len)
		return fail_eof(pe, len);
	if (s[p] == '0') {
		p++;
		if (p < len && is_digit(s[p]))
			return fail(pe, p, "leading zero in number");
	} else if (is_digit(s[p])) {
		while (p < len && is_digit(s[p]))
			p++;
	} else
		return fail(pe, p, "invalid number");
	if (p < len && s[p] == '.') {
		p++;
		if (p >= len)
			return fail_eof(pe, len);
		if (!is_digit(s[p]))
			return fail(pe, p, "invalid number");
		while (p < len && is_digit(s[p]))
			p++;
	}
	if (p < len && (s[p] == 'e' || s[p] == 'E')) {
		p++;
		if (p < len && (s[p] == '+' || s[p] == '-'))
			p++;
		if (p >= len)
			return fail_eof(pe, len);
		if (!is_digit(s[p]))
			return fail(pe, p, "invalid number");
		while (p < len && is_digit(s[p]))
			p++;
	}
	return p;
}

static size_t
scan_lit(const unsigned char *s, size_t p, size_t len, const char *lit,
    struct perr *pe)
{
	for (; *lit != '\0'; lit++, p++) {
		if (p >= len)
			return fail_eof(pe, len);
		if (s[p] != (unsigned char)*lit)
			return fail(pe, p, "invalid literal");
	}
	return p;
}

struct vres {
	uint32_t ntok;
	size_t root_start;	/* first byte of the root value */
	size_t root_end;	/* just after it */
};

/*
 * The grammar of RFC 8259 as a loop over three states: a value is
 * expected, a key is expected, a value has just ended.  Anything after
 * the root value but white space is an error.  Every error names the
 * first offending byte, or the input length when the input stops early.
 */
/* Grows an array to hold at least `want` elements, doubling. */
static void
grow(void **p, uint32_t *cap, uint32_t want, size_t elem)
{
	uint64_t nc;

	if (*cap >= want)
		return;
	nc = *cap ? *cap : JSON_MIN_CAP;
	while (nc < want)
		nc *= 2;
	if (nc > UINT32_MAX)
		nc = want;
	*p = xrealloc(*p, (size_t)nc * elem);
	*cap = (uint32_t)nc;
}

/*
 * Remembers where a string with escapes starts (just past its quote), so
 * the tokens can say which strings are raw without a second scan.
 */
static void
note_escaped(struct json_doc *d, size_t start)
{
	grow((void **)&d->esc, &d->esc_cap, d->nesc + 1, sizeof(*d->esc));
	d->esc[d->nesc++] = (uint32_t)start;
}

static int
validate(struct json_doc *d, const unsigned char *s, size_t len,
    struct vres *vr, char *err)
{
	size_t str;
	int esc;
	unsigned char close[JSON_MAX_DEPTH];	/* '}' or ']' per level */
	struct perr pe;
	size_t pos, depth = 0;
	uint32_t ntok = 0;
	unsigned char c;

	pos = skip_ws(s, 0, len);
	vr->root_start = pos;

value:	/* pos is past white space */
	if (pos >= len)
		goto eof;
	c = s[pos];
	ntok++;
	switch (c) {
	case '"':
		str = ++pos;
		esc = 0;
		if ((pos = scan_str(s, pos, len, &esc, &pe)) == SIZE_MAX)
			goto bad;
		if (esc)
			note_escaped(d, str);
		pos++;
		goto after;
	case '{':
	case '[':
		if (depth == JSON_MAX_DEPTH) {
			fail(&pe, pos, "nesting deeper than 512 levels");
			goto bad;
		}
		close[depth++] = c == '{' ? '}' : ']';
		pos = skip_ws(s, pos + 1, len);
		if (pos < len && s[pos] == close[depth - 1]) {
			depth--;
			pos++;
			goto after;
		}
		if (c == '{')
			goto key;
		goto value;
	case 't':
		pos = scan_lit(s, pos, len, "true", &pe);
		break;
	case 'f':
		pos = scan_lit(s, pos, len, "false", &pe);
		break;
	case 'n':
		pos = scan_lit(s, pos, len, "null", &pe);
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		pos = scan_num(s, pos, len, &pe);
		break;
	default:
		fail(&pe, pos, "expected value");
		goto bad;
	}
	if (pos == SIZE_MAX)
		goto bad;
	goto after;

key:	/* pos is past white space */
	if (pos >= len)
		goto eof;
	if (s[pos] != '"') {
		fail(&pe, pos, "expected string");
		goto bad;
	}
	ntok++;
	str = ++pos;
	esc = 0;
	if ((pos = scan_str(s, pos, len, &esc, &pe)) == SIZE_MAX)
		goto bad;
	if (esc)
		note_escaped(d, str);
	pos = skip_ws(s, pos + 1, len);
	if (pos >= len)
		goto eof;
	if (s[pos] != ':') {
		fail(&pe, pos, "expected ':'");
		goto bad;
	}
	pos = skip_ws(s, pos + 1, len);
	goto value;

after:	/* pos is just past a value */
	if (depth == 0) {
		vr->root_end = pos;
		pos = skip_ws(s, pos, len);
		if (pos < len) {
			fail(&pe, pos, "unexpected data after value");
			goto bad;
		}
		vr->ntok = ntok;
		return 0;
	}
	pos = skip_ws(s, pos, len);
	if (pos >= len)
		goto eof;
	c = s[pos];
	if (c == ',') {
		pos = skip_ws(s, pos + 1, len);
		if (close[depth - 1] == '}')
			goto key;
		goto value;
	}
	if (c == close[depth - 1]) {
		depth--;
		pos++;
		goto after;
	}
	fail(&pe, pos, close[depth - 1] == '}' ? "expected ',' or '}'" :
	    "expected ',' or ']'");
	goto bad;

eof:
	fail_eof(&pe, len);
bad:
	set_err(err, pe.off, pe.what);
	return -1;
}

static uint8_t
prim_type(unsigned char c)
{
	switch (c) {
	case 't':
		return JSON_TRUE;
	case 'f':
		return JSON_FALSE;
	case 'n':
		return JSON_NULL;
	default:
		return JSON_NUMBER;
	}
}

/*
 * Tokenizes validated text with jsmn and converts the tokens.  jsmn is
 * presized from the validator's count, so JSMN_ERROR_NOMEM only happens
 * if the two ever disagree; the parser resumes where it stopped once
 * the array is bigger.
 */
static int
tokenize(struct json_doc *d, uint32_t want, char *err)
{
	uint32_t stack[JSON_MAX_DEPTH];
	jsmn_parser jp;
	jsmntok_t *jt;
	struct json_tok *o;
	uint32_t k, sp = 0, start, ei = 0;
	int r;

	grow(&d->jsmn_toks, &d->jsmn_cap, want, sizeof(jsmntok_t));
	jsmn_init(&jp);
	for (;;) {
		r = jsmn_parse(&jp, d->src, d->len, d->jsmn_toks, d->jsmn_cap);
		if (r != JSMN_ERROR_NOMEM)
			break;
		grow(&d->jsmn_toks, &d->jsmn_cap, d->jsmn_cap + 1,
		    sizeof(jsmntok_t));
	}
	if (r < 0 || (uint32_t)r != want) {
		set_err(err, jp.pos, "internal error: jsmn disagrees");
		return -1;
	}
	jt = d->jsmn_toks;
	for (k = 0; k < want; k++) {
		start = (uint32_t)jt[k].start;
		/* Containers that end before this token are complete. */
		while (sp > 0 && (uint32_t)jt[stack[sp - 1]].end <= start)
			d->tok[stack[--sp]].next = k;
		o = &d->tok[k];
		o->start = start;
		o->end = (uint32_t)jt[k].end;
		o->size = 0;
		o->next = k + 1;
		o->escaped = 0;
		switch (jt[k].type) {
		case JSMN_OBJECT:
		case JSMN_ARRAY:
			if (sp == JSON_MAX_DEPTH) {
				set_err(err, start,
				    "internal error: jsmn nesting");
				return -1;
			}
			o->type = jt[k].type == JSMN_OBJECT ? JSON_OBJECT :
			    JSON_ARRAY;
			o->size = (uint32_t)jt[k].size;
			stack[sp++] = k;
			break;
		case JSMN_STRING:
			o->type = JSON_STRING;
			/* Both passes see strings in document order. */
			if (ei < d->nesc && d->esc[ei] == start) {
				o->escaped = 1;
				ei++;
			}
			break;
		default:
			o->type = prim_type((unsigned char)d->src[start]);
			break;
		}
	}
	while (sp > 0)
		d->tok[stack[--sp]].next = want;
	return 0;
}

void
json_doc_init(struct json_doc *d)
{
	memset(d, 0, sizeof(*d));
}

void
json_doc_free(struct json_doc *d)
{
	free(d->tok);
	free(d->jsmn_toks);
	free(d->esc);
	json_doc_init(d);
}

void
json_doc_trim(struct json_doc *d, size_t max_bytes)
{
	size_t bytes = (size_t)d->cap * sizeof(struct json_tok) +
	    (size_t)d->jsmn_cap * sizeof(jsmntok_t);

	if (bytes > max_bytes)
		json_doc_free(d);
}

int
json_parse(struct json_doc *d, const char *src, size_t len,
    char err[JSON_ERR_LEN])
{
	const unsigned char *s = (const unsigned char *)src;
	struct vres vr;
	struct json_tok *o;

	d->src = src;
	d->len = len;
	d->ntok = 0;
	if (len == 0) {
		set_err(err, 0, "empty input");
		return -1;
	}
	if (len >= JSON_MAX_LEN) {
		set_err(err, JSON_MAX_LEN, "input of 2 GiB or more");
		return -1;
	}
	d->nesc = 0;
	if (validate(d, s, len, &vr, err) == -1)
		return -1;
	grow((void **)&d->tok, &d->cap, vr.ntok, sizeof(struct json_tok));
	if (s[vr.root_start] == '{' || s[vr.root_start] == '[') {
		if (tokenize(d, vr.ntok, err) == -1)
			return -1;
	} else {
		o = &d->tok[0];
		o->size = 0;
		o->next = 1;
		o->escaped = d->nesc > 0;
		if (s[vr.root_start] == '"') {
			o->type = JSON_STRING;
			o->start = (uint32_t)vr.root_start + 1;
			o->end = (uint32_t)vr.root_end - 1;
		} else {
			o->type = prim_type(s[vr.root_start]);
			o->start = (uint32_t)vr.root_start;
			o->end = (uint32_t)vr.root_end;
		}
	}
	d->ntok = vr.ntok;
	return 0;
}

static inline int
valid_tok(const struct json_doc *d, int i)
{
	return i >= 0 && (uint32_t)i < d->ntok;
}

static inline int
is_type(const struct json_doc *d, int i, uint8_t type)
{
	return valid_tok(d, i) && d->tok[i].type == type;
}

int
json_next(const struct json_doc *d, int parent, int i)
{
	const struct json_tok *p;
	uint32_t n;

	if (!valid_tok(d, parent) || !valid_tok(d, i) || i <= parent)
		return -1;
	p = &d->tok[parent];
	if (p->type == JSON_OBJECT) {
		if ((uint32_t)i + 1 >= d->ntok)
			return -1;
		n = d->tok[i + 1].next;
	} else if (p->type == JSON_ARRAY)
		n = d->tok[i].next;
	else
		return -1;
	return n < p->next ? (int)n : -1;
}

/*
 * One character of a validated string span at *pp: escapes decoded,
 * surrogate pairs joined, UTF-8 decoded.
 */
static uint32_t
span_rune(const unsigned char *s, size_t *pp)
{
	size_t p = *pp, k;
	uint32_t c = s[p], lo;
	int trunc;

	if (c == '\\') {
		c = s[p + 1];
		p += 2;
		switch (c) {
		case 'b':
			c = '\b';
			break;
		case 'f':
			c = '\f';
			break;
		case 'n':
			c = '\n';
			break;
		case 'r':
			c = '\r';
			break;
		case 't':
			c = '\t';
			break;
		case 'u':
			c = (uint32_t)(hex_val(s[p]) << 12 | hex_val(s[p + 1]) << 8 |
			    hex_val(s[p + 2]) << 4 | hex_val(s[p + 3]));
			p += 4;
			if (c >= 0xD800 && c <= 0xDBFF) {
				lo = (uint32_t)(hex_val(s[p + 2]) << 12 |
				    hex_val(s[p + 3]) << 8 |
				    hex_val(s[p + 4]) << 4 | hex_val(s[p + 5]));
				p += 6;
				c = 0x10000 + ((c - 0xD800) << 10) +
				    (lo - 0xDC00);
			}
			break;
		default:	/* '"', '\\' and '/' stand for themselves */
			break;
		}
		*pp = p;
		return c;
	}
	/* The validator accepted the span, so four bytes are enough. */
	k = utf8_len(s + p, 4, &trunc);
	*pp = p + k;
	return utf8_dec(s + p, k);
}

/*
 * Next character of a caller's key, leniently: a byte that does not
 * start well-formed UTF-8 becomes a value no JSON character has.
 */
static uint32_t
key_rune(const unsigned char *s, size_t n, size_t *pp)
{
	size_t p = *pp, k;
	int trunc;

	if ((k = utf8_len(s + p, n - p, &trunc)) == 0) {
		*pp = p + 1;
		return 0x80000000u | s[p];
	}
	*pp = p + k;
	return utf8_dec(s + p, k);
}

static int
span_has_escape(const struct json_tok *t)
{
	return t->escaped;
}

int
json_str_eq(const struct json_doc *d, int i, const char *str, size_t n)
{
	const unsigned char *s, *k = (const unsigned char *)str;
	const struct json_tok *t;
	unsigned char enc[4];
	size_t p, e, q = 0, m;

	if (!is_type(d, i, JSON_STRING))
		return 0;
	t = &d->tok[i];
	s = (const unsigned char *)d->src;
	if (!span_has_escape(t))
		return t->end - t->start == n && memcmp(s + t->start, k, n) == 0;
	for (p = t->start, e = t->end; p < e; ) {
		if (s[p] != '\\') {
			if (q >= n || s[p] != k[q])
				return 0;
			p++;
			q++;
			continue;
		}
		m = utf8_enc(span_rune(s, &p), enc);
		if (n - q < m || memcmp(enc, k + q, m) != 0)
			return 0;
		q += m;
	}
	return q == n;
}

int
json_str_is_raw(const struct json_doc *d, int i)
{
	return is_type(d, i, JSON_STRING) && !span_has_escape(&d->tok[i]);
}

/* Go's folding restricted to what can equal ASCII: a-z, KELVIN SIGN, LONG S. */
static inline uint32_t
fold(uint32_t c)
{
	if (c >= 'a' && c <= 'z')
		return c - ('a' - 'A');
	if (c == 0x212A)
		return 'K';
	if (c == 0x017F)
		return 'S';
	return c;
}

static int
key_fold_eq(const struct json_doc *d, int i, const char *key, size_t n)
{
	const unsigned char *s = (const unsigned char *)d->src;
	const unsigned char *k = (const unsigned char *)key;
	const struct json_tok *t = &d->tok[i];
	size_t p = t->start, q = 0;

	while (p < t->end && q < n) {
		if (s[p] < 0x80 && k[q] < 0x80 && s[p] != '\\') {
			if (fold(s[p]) != fold(k[q]))
				return 0;
			p++;
			q++;
			continue;
		}
		if (fold(span_rune(s, &p)) != fold(key_rune(k, n, &q)))
			return 0;
	}
	return p == t->end && q == n;
}

int
json_get(const struct json_doc *d, int obj, const char *key)
{
	const struct json_tok *o;
	uint32_t k;
	size_t n = strlen(key);
	int folded = -1;

	if (!is_type(d, obj, JSON_OBJECT))
		return -1;
	o = &d->tok[obj];
	for (k = (uint32_t)obj + 1; k < o->next; k = d->tok[k + 1].next) {
		if (json_str_eq(d, (int)k, key, n))
			return (int)k + 1;
		if (folded < 0 && key_fold_eq(d, (int)k, key, n))
			folded = (int)k + 1;
	}
	return folded;
}

int
json_path(const struct json_doc *d, int obj, const char *const *keys,
    size_t nkeys)
{
	size_t i;

	for (i = 0; i < nkeys && obj >= 0; i++)
		obj = json_get(d, obj, keys[i]);
	return obj;
}

/* Appends bytes to a bounded output, keeping room for the NUL. */
static void
out_add(char *out, size_t outcap, size_t at, const void *p, size_t n)
{
	if (at + 1 >= outcap)
		return;
	if (n > outcap - 1 - at)
		n = outcap - 1 - at;
	memcpy(out + at, p, n);
}

long
json_str(const struct json_doc *d, int i, char *out, size_t outcap)
{
	const unsigned char *s = (const unsigned char *)d->src;
	const struct json_tok *t;
	unsigned char enc[4];
	const unsigned char *bs;
	size_t p, e, run, n = 0, m;

	if (!is_type(d, i, JSON_STRING)) {
		if (outcap > 0)
			out[0] = '\0';
		return -1;
	}
	t = &d->tok[i];
	for (p = t->start, e = t->end; p < e; ) {
		bs = memchr(s + p, '\\', e - p);
		run = bs != NULL ? (size_t)(bs - s) - p : e - p;
		out_add(out, outcap, n, s + p, run);
		n += run;
		p += run;
		if (p < e) {
			m = utf8_enc(span_rune(s, &p), enc);
			out_add(out, outcap, n, enc, m);
			n += m;
		}
	}
	if (outcap > 0)
		out[n < outcap ? n : outcap - 1] = '\0';
	return (long)n;
}

int
json_number(const struct json_doc *d, int i, double *out)
{
	char buf[JSON_NUM_BUF], *p, *end;
	const struct json_tok *t;
	size_t n;
	double v;

	if (!is_type(d, i, JSON_NUMBER))
		return -1;
	t = &d->tok[i];
	n = t->end - t->start;
	/* The source is not NUL-terminated; long numbers are rare. */
	p = n < sizeof(buf) ? buf : xmalloc(n + 1);
	memcpy(p, d->src + t->start, n);
	p[n] = '\0';
	v = strtod(p, &end);
	if (p != buf)
		free(p);
	/*
	 * Overflow to infinity is refused, as Go refuses it; underflow to
	 * zero is a value.
	 */
	if (v > 1.7976931348623157e308 || v < -1.7976931348623157e308)
		return -1;
	*out = v;
	return 0;
}

/* Writer. */

/* Control characters with a two-character escape. */
static const char short_escape[0x20] = {
	['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'
};

void
json_write_str(struct buf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0, k = 0;
	unsigned char c;
	char esc[7];
	int trunc;

	buf_reserve(b, n + 2);
	buf_addc(b, '"');
	while (i < n) {
		c = s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80 && (k = utf8_len(s + i, n - i, &trunc)) != 0 &&
		    !(k == 3 && c == 0xE2 && s[i + 1] == 0x80 &&
		    (s[i + 2] == 0xA8 || s[i + 2] == 0xA9))) {
			i += k;
			continue;
		}
		buf_add(b, s + run, i - run);
		if (c >= 0x80) {
			if (k == 0) {
				/* One U+FFFD per bad byte, as Go does. */
				buf_add(b, "\xEF\xBF\xBD", 3);
				i++;
			} else {
				/* JavaScript forbids raw U+2028/9 in strings. */
				buf_adds(b, s[i + 2] == 0xA8 ? "\\u2028" :
				    "\\u2029");
				i += 3;
			}
			run = i;
			continue;
		}
		/* Here c < 0x20, or c is a quote or a backslash. */
		if (c == '"' || c == '\\' || short_escape[c]) {
			esc[0] = '\\';
			esc[1] = c < 0x20 ? short_escape[c] : (char)c;
			buf_add(b, esc, 2);
		} else {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xF];
			buf_add(b, esc, 6);
		}
		i++;
		run = i;
	}
	buf_add(b, s + run, i - run);
	buf_addc(b, '"');
}

/*
 * Integral values below 2^53 print as integers (-0 as "0": it is
 * integral and equal to 0, and readers that keep integers would not
 * keep the sign anyway).  Anything else gets the fewest of 15, 16 or 17
 * significant digits that read back as the same double; a subnormal,
 * which holds fewer than 15 digits, is searched from 1 so that it too
 * is written shortest (5e-324, not 4.94065645841247e-324).  JSON has no
 * NaN or infinity; they are written as null.
 */
void
json_write_num(struct buf *b, double v)
{
	char tmp[32];
	int prec;

	if (v != v || v > 1.7976931348623157e308 ||
	    v < -1.7976931348623157e308) {
		buf_add(b, "null", 4);
		return;
	}
	if (v > -9007199254740992.0 && v < 9007199254740992.0 &&
	    v == (double)(long long)v) {
		buf_printf(b, "%lld", (long long)v);
		return;
	}
	prec = v > -2.2250738585072014e-308 && v < 2.2250738585072014e-308 ?
	    1 : 15;
	for (; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(tmp, sizeof(tmp), "%.17g", v);
	buf_adds(b, tmp);
}

/* ---- typed access ---- */

static const char *const type_names[] = {
	"?", "an object", "an array", "a string", "a number", "a boolean",
	"a boolean", "null"
};

int
json_type_error(const struct json_doc *d, int tok, const char *what,
    const char *expected, char *err, size_t errcap)
{
	snprintf(err, errcap, "offset %u: %s: expected %s, got %s",
	    d->tok[tok].start, what, expected, type_names[d->tok[tok].type]);
	return -1;
}

int
json_opt_member(const struct json_doc *d, int obj, const char *key,
    enum json_type type, const char *what, int *out, char *err,
    size_t errcap)
{
	int v = obj < 0 ? -1 : json_get(d, obj, key);

	*out = -1;
	if (v < 0 || d->tok[v].type == JSON_NULL)
		return 0;
	if (d->tok[v].type != type)
		return json_type_error(d, v, what, type_names[type], err,
		    errcap);
	*out = v;
	return 0;
}

const char *
json_format_time(char out[JSON_TIME_LEN], double t)
{
	char ts[32];
	struct tm tm;
	time_t sec = (time_t)t;

	gmtime_r(&sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, JSON_TIME_LEN, "%.24s.%03dZ", ts,
	    (int)((t - (double)sec) * 1000));
	return out;
}

void
json_write_time(struct buf *out, const char *key, int have, double t)
{
	char ts[JSON_TIME_LEN];

	if (key != NULL)
		buf_printf(out, "\"%s\":", key);
	if (!have) {
		buf_adds(out, "null");
		return;
	}
	buf_printf(out, "\"%s\"", json_format_time(ts, t));
}
