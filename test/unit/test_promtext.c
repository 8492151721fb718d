/*
 * test_promtext: the Prometheus text format parser.
 *
 * Lines are parsed from heap copies of their exact length, so that the
 * sanitizer build catches any read past what the parser was given.
 * Samples are compared in a canonical rendering (labels in line order,
 * values re-escaped, the shortest number that reads back the same).
 * Documents are also fed in slices of every size, with and without the
 * caller compacting its buffer, and one line per call, and must give the
 * same samples and counters as in one piece.  Corpus files are read at
 * run time from test/data/promtext (the repository root is the working
 * directory).
 */
#include "promtext.h"

#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"

#define CORPUS "test/data/promtext/"

/* Print the case a failed check came from. */
#define T_CASE(before, fmt, ...) do {					\
	if (t_failed_checks != (before))				\
		printf("#     in case " fmt "\n", __VA_ARGS__);		\
} while (0)

static void
add_double(struct buf *b, double v)
{
	char tmp[64];
	int prec;

	if (isnan(v)) {
		buf_adds(b, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_adds(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e17) {
		snprintf(tmp, sizeof(tmp), "%.0f", v);
		buf_adds(b, tmp);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
	buf_adds(b, tmp);
}

static void
render(struct buf *b, const struct prom_sample *s)
{
	size_t i, j;

	buf_add(b, s->name.p, s->name.n);
	if (s->nlabels > 0) {
		buf_addc(b, '{');
		for (i = 0; i < s->nlabels; i++) {
			const struct prom_span *v = &s->labels[i].value;

			if (i > 0)
				buf_addc(b, ',');
			buf_add(b, s->labels[i].name.p, s->labels[i].name.n);
			buf_adds(b, "=\"");
			for (j = 0; j < v->n; j++) {
				if (v->p[j] == '\\')
					buf_adds(b, "\\\\");
				else if (v->p[j] == '"')
					buf_adds(b, "\\\"");
				else if (v->p[j] == '\n')
					buf_adds(b, "\\n");
				else
					buf_addc(b, v->p[j]);
			}
			buf_addc(b, '"');
		}
		buf_addc(b, '}');
	}
	buf_addc(b, ' ');
	add_double(b, s->value);
	if (s->has_timestamp)
		buf_printf(b, " %" PRId64, s->timestamp_ms);
}

/* The copy the last parse_copy() parsed: its spans stay valid till the
 * next call. */
static char *last_copy;

/* Parse line[0..n) from an exact-size copy; render a sample into out. */
static int
parse_copy(struct prom_parser *p, const char *line, size_t n,
    struct prom_sample *s, const char **why, struct buf *out)
{
	int r;

	free(last_copy);
	last_copy = xmalloc(n);
	if (n > 0)
		memcpy(last_copy, line, n);
	*why = NULL;
	r = prom_parse_line(p, last_copy, n, s, why);
	out->len = 0;
	if (r == PROM_SAMPLE)
		render(out, s);
	buf_addc(out, '\0');
	return r;
}

static void
parse_copy_done(void)
{
	free(last_copy);
	last_copy = NULL;
}

struct ok_case {
	const char *line;
	const char *want;
};

static void
check_ok_cases(const struct ok_case *c, size_t n)
{
	struct prom_parser p;
	struct prom_sample s;
	struct buf out;
	const char *why;
	size_t i;

	prom_parser_init(&p);
	buf_init(&out);
	for (i = 0; i < n; i++) {
		int before = t_failed_checks;
		int r = parse_copy(&p, c[i].line, strlen(c[i].line), &s, &why,
		    &out);

		T_EQ_INT(r, PROM_SAMPLE);
		if (r == PROM_SAMPLE)
			T_EQ_STR(out.p, c[i].want);
		else
			printf("#     error: %s at column %zu\n", why, p.col);
		T_CASE(before, "'%s'", c[i].line);
	}
	buf_free(&out);
	parse_copy_done();
	prom_parser_free(&p);
}

struct bad_case {
	const char *line;
	const char *why;
	size_t col;
};

static void
check_bad_cases(const struct bad_case *c, size_t n)
{
	struct prom_parser p;
	struct prom_sample s;
	struct buf out;
	const char *why;
	size_t i;

	prom_parser_init(&p);
	buf_init(&out);
	for (i = 0; i < n; i++) {
		int before = t_failed_checks;
		int r = parse_copy(&p, c[i].line, strlen(c[i].line), &s, &why,
		    &out);

		T_EQ_INT(r, PROM_ERROR);
		if (r == PROM_ERROR) {
			T_EQ_STR(why, c[i].why);
			T_EQ_INT(p.col, c[i].col);
		} else
			printf("#     parsed as: %s\n", out.p);
		T_CASE(before, "'%s'", c[i].line);
	}
	buf_free(&out);
	parse_copy_done();
	prom_parser_free(&p);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_names(void)
{
	static const struct ok_case ok[] = {
		{"m 1", "m 1"},
		{"metric_name_total 1", "metric_name_total 1"},
		{":m_1:x 2", ":m_1:x 2"},
		{"_ 3", "_ 3"},
		{"instance:node_cpu:ratio 0.5", "instance:node_cpu:ratio 0.5"},
		{"Up9 1", "Up9 1"},
		{"m{} 1", "m 1"},
		{"m {} 1", "m 1"},
		{"m{ \t } 1", "m 1"},
		/* As both Go parsers: no blank needed before the value. */
		{"m+1", "m 1"},
		{"m-1", "m -1"},
		{"m.5", "m 0.5"},
		{"m{a=\"b\"}1", "m{a=\"b\"} 1"},
		{"m{}NaN", "m NaN"},
	};
	static const struct bad_case bad[] = {
		{"1m 1", "invalid metric name", 1},
		{"-m 1", "invalid metric name", 1},
		{".m 1", "invalid metric name", 1},
		{"{a=\"b\"} 1", "invalid metric name", 1},
		{"\"m\" 1", "invalid metric name", 1},
		{"  \xc3\xa9t\xc3\xa9 1", "invalid metric name", 3},
		{"m", "missing value", 2},
		{"m   ", "missing value", 5},
		{"m1", "missing value", 3},
		{"m{a=\"b\"}", "missing value", 9},
		{"m{a=\"b\"} \t", "missing value", 11},
		{"m-name 1", "expected a number as value", 2},
		{"m.x 1", "expected a number as value", 2},
		{"m{} {} 1", "expected a number as value", 5},
	};

	check_ok_cases(ok, N(ok));
	check_bad_cases(bad, N(bad));
}

static void
test_labels(void)
{
	static const struct ok_case ok[] = {
		{"m{a=\"b\"} 1", "m{a=\"b\"} 1"},
		{"m{a=\"b\",c=\"d\"} 1", "m{a=\"b\",c=\"d\"} 1"},
		{"m{z=\"1\",a=\"2\",m=\"3\"} 1", "m{z=\"1\",a=\"2\",m=\"3\"} 1"},
		{"m{a=\"b\",} 1", "m{a=\"b\"} 1"},
		{"m{a=\"b\" , } 1", "m{a=\"b\"} 1"},
		{"m { a = \"b\" , c = \"d\" } 1", "m{a=\"b\",c=\"d\"} 1"},
		{"m\t{\ta\t=\t\"b\"\t,\tc=\"d\"\t}\t1\t2",
		    "m{a=\"b\",c=\"d\"} 1 2"},
		{"m{a=\"\"} 1", "m{a=\"\"} 1"},
		{"m{_a=\"x\",A9_b=\"y\"} 1", "m{_a=\"x\",A9_b=\"y\"} 1"},
		{"m{a=\"}\",b=\"{\",c=\"=,# \"} 1",
		    "m{a=\"}\",b=\"{\",c=\"=,# \"} 1"},
		{"m{a=\"b c\td\"} 1", "m{a=\"b c\td\"} 1"},
		{"m{a=\"b\r\"} 1", "m{a=\"b\r\"} 1"},
		{"m{__a=\"b\"} 1", "m{__a=\"b\"} 1"},
		{"m{le=\"+Inf\"} 3", "m{le=\"+Inf\"} 3"},
	};
	static const struct bad_case bad[] = {
		{"m{,} 1", "invalid label name", 3},
		{"m{a=\"b\",,} 1", "invalid label name", 9},
		{"m{1a=\"b\"} 1", "invalid label name", 3},
		{"m{:a=\"b\"} 1", "invalid label name", 3},
		{"m{\"a\"=\"b\"} 1", "invalid label name", 3},
		{"m{a-b=\"c\"} 1", "expected '=' after label name", 4},
		{"m{a:b=\"c\"} 1", "expected '=' after label name", 4},
		{"m{a} 1", "expected '=' after label name", 4},
		{"m{a b=\"c\"} 1", "expected '=' after label name", 5},
		{"m{a=b} 1", "expected '\"' to open the label value", 5},
		{"m{a='b'} 1", "expected '\"' to open the label value", 5},
		{"m{a=} 1", "expected '\"' to open the label value", 5},
		{"m{a=\"b\" c=\"d\"} 1", "expected ',' or '}' after label value",
		    9},
		{"m{a=\"b\"x} 1", "expected ',' or '}' after label value", 8},
		{"m{", "unterminated label set", 3},
		{"m{a=\"b\"", "unterminated label set", 8},
		{"m{a=\"b\",", "unterminated label set", 9},
		{"m{a=\"b\" ,  ", "unterminated label set", 12},
		{"m{a", "expected '=' after label name", 4},
		{"m{a=", "expected '\"' to open the label value", 5},
		{"m{a=\"b", "unterminated label value", 7},
		{"m{a=\"b} 1", "unterminated label value", 10},
		{"m{a=\"b\\\"} 1", "unterminated label value", 12},
		{"m{a=\"x\",a=\"y\"} 1", "duplicate label name", 9},
		{"m{a=\"x\",b=\"y\",a=\"z\"} 1", "duplicate label name", 15},
		{"m{ab=\"x\",a=\"y\",ab=\"z\"} 1", "duplicate label name", 16},
		{"m{__name__=\"x\"} 1", "label name __name__ is reserved", 3},
	};
	struct prom_parser p;
	struct prom_sample s;
	struct buf line, out;
	const char *why;
	size_t i;
	int r;

	check_ok_cases(ok, N(ok));
	check_bad_cases(bad, N(bad));

	/* PROM_MAX_LABELS labels are fine, one more is not. */
	prom_parser_init(&p);
	buf_init(&line);
	buf_init(&out);
	buf_adds(&line, "m{");
	for (i = 0; i < PROM_MAX_LABELS; i++)
		buf_printf(&line, "%sl%zu=\"v%zu\"", i ? "," : "", i, i);
	buf_adds(&line, "} 1");
	r = parse_copy(&p, line.p, line.len, &s, &why, &out);
	T_EQ_INT(r, PROM_SAMPLE);
	T_EQ_INT(s.nlabels, PROM_MAX_LABELS);
	T_CHECK(r == PROM_SAMPLE &&
	    prom_span_eq(s.labels[PROM_MAX_LABELS - 1].value, "v63"));
	line.len -= 3;
	buf_printf(&line, ",l%d=\"v\"} 1", PROM_MAX_LABELS);
	r = parse_copy(&p, line.p, line.len, &s, &why, &out);
	T_EQ_INT(r, PROM_ERROR);
	T_EQ_STR(why, "too many labels");
	buf_free(&out);
	buf_free(&line);
	parse_copy_done();
	prom_parser_free(&p);
}

static void
test_escapes(void)
{
	static const struct bad_case bad[] = {
		{"m{a=\"b\\t\"} 1", "invalid escape in label value", 7},
		{"m{a=\"b\\x41\"} 1", "invalid escape in label value", 7},
		{"m{a=\"\\N\"} 1", "invalid escape in label value", 6},
		{"m{a=\"\\'\"} 1", "invalid escape in label value", 6},
		{"m{a=\"b\\", "invalid escape in label value", 7},
		{"m{a=\"b\nc\"} 1", "raw newline in label value", 7},
		{"m{a=\"ok\",b=\"\\u00e9\"} 1", "invalid escape in label value",
		    13},
	};
	struct prom_parser p;
	struct prom_sample s;
	struct buf out;
	const char *why;
	const char *line =
	    "m{a=\"x\\\\y\",b=\"say \\\"hi\\\"\",c=\"l1\\nl2\",d=\"plain\","
	    "e=\"\\\\\\\\\\n\\\"\",f=\"tail\\\\\"} 1";
	int r;

	check_bad_cases(bad, N(bad));

	prom_parser_init(&p);
	buf_init(&out);
	r = parse_copy(&p, line, strlen(line), &s, &why, &out);
	T_EQ_INT(r, PROM_SAMPLE);
	T_EQ_INT(s.nlabels, 6);
	if (r == PROM_SAMPLE && s.nlabels == 6) {
		/* Several escaped values on one line must not move. */
		T_EQ_MEM(s.labels[0].value.p, s.labels[0].value.n, "x\\y", 3);
		T_EQ_MEM(s.labels[1].value.p, s.labels[1].value.n,
		    "say \"hi\"", 8);
		T_EQ_MEM(s.labels[2].value.p, s.labels[2].value.n,
		    "l1\nl2", 5);
		T_EQ_MEM(s.labels[3].value.p, s.labels[3].value.n, "plain", 5);
		T_EQ_MEM(s.labels[4].value.p, s.labels[4].value.n,
		    "\\\\\n\"", 4);
		T_EQ_MEM(s.labels[5].value.p, s.labels[5].value.n, "tail\\", 5);
		T_CHECK(prom_span_eq(s.labels[3].value, "plain"));
	}
	/* The rendering re-escapes: it must give the line back. */
	T_EQ_STR(out.p, line);
	buf_free(&out);
	parse_copy_done();
	prom_parser_free(&p);
}

/*
 * Every stop byte of the label value scan at every offset of a long
 * value, so that the word-at-a-time scan is checked at each position of
 * its words and in its byte-at-a-time tail.
 */
static void
test_value_scan_positions(void)
{
	static const struct {
		const char *ins;	/* inserted into the value */
		const char *want;	/* its unescaped form, or NULL: error */
		const char *why;
	} k[] = {
		{"\\n", "\n", NULL},
		{"\\\"", "\"", NULL},
		{"\\\\", "\\", NULL},
		{"\xc3\xa9", "\xc3\xa9", NULL},
		{"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", NULL},
		{"\n", NULL, "raw newline in label value"},
		{"\xff", NULL, "invalid UTF-8 in label value"},
		{"\x80", NULL, "invalid UTF-8 in label value"},
		{"\\t", NULL, "invalid escape in label value"},
		{"\"", NULL, NULL},	/* ends the value early */
	};
	struct prom_parser p;
	struct prom_sample s;
	struct buf line, out;
	const char *why;
	size_t i, at, len;
	int r;

	prom_parser_init(&p);
	buf_init(&line);
	buf_init(&out);
	for (i = 0; i < N(k); i++) {
		for (at = 0; at <= 20; at++) {
			for (len = at; len <= at + 20; len += 5) {
				int before = t_failed_checks;
				size_t j;

				line.len = 0;
				buf_adds(&line, "m{a=\"");
				for (j = 0; j < len; j++) {
					if (j == at)
						buf_adds(&line, k[i].ins);
					buf_addc(&line, (char)('a' + j % 26));
				}
				if (len == at)
					buf_adds(&line, k[i].ins);
				buf_adds(&line, "\"} 1");
				r = parse_copy(&p, line.p, line.len, &s, &why,
				    &out);
				if (k[i].ins[0] == '"') {
					/* The value stops there; what follows
					 * is neither ',' nor '}'. */
					T_EQ_INT(r, PROM_ERROR);
					T_EQ_STR(why, "expected ',' or '}' "
					    "after label value");
					T_EQ_INT(p.col, 7 + at);
				} else if (k[i].want != NULL) {
					T_EQ_INT(r, PROM_SAMPLE);
					T_CHECK(r == PROM_SAMPLE &&
					    s.labels[0].value.n ==
					    len + strlen(k[i].want) &&
					    memcmp(s.labels[0].value.p + at,
					    k[i].want, strlen(k[i].want)) == 0);
				} else {
					T_EQ_INT(r, PROM_ERROR);
					T_EQ_STR(why, k[i].why);
					T_EQ_INT(p.col, 6 + at);
				}
				T_CASE(before, "%zu: at %zu of %zu", i, at, len);
			}
		}
	}
	buf_free(&out);
	buf_free(&line);
	parse_copy_done();
	prom_parser_free(&p);
}

static void
test_utf8(void)
{
	static const struct ok_case ok[] = {
		{"m{a=\"caf\xc3\xa9\"} 1", "m{a=\"caf\xc3\xa9\"} 1"},
		{"m{a=\"\xc2\x80\xdf\xbf\"} 1", "m{a=\"\xc2\x80\xdf\xbf\"} 1"},
		{"m{a=\"\xe2\x82\xac\"} 1", "m{a=\"\xe2\x82\xac\"} 1"},
		{"m{a=\"\xe0\xa0\x80\"} 1", "m{a=\"\xe0\xa0\x80\"} 1"},
		{"m{a=\"\xed\x9f\xbf\"} 1", "m{a=\"\xed\x9f\xbf\"} 1"},
		{"m{a=\"\xee\x80\x80\xef\xbf\xbf\"} 1",
		    "m{a=\"\xee\x80\x80\xef\xbf\xbf\"} 1"},
		{"m{a=\"\xf0\x9f\x98\x80\"} 1", "m{a=\"\xf0\x9f\x98\x80\"} 1"},
		{"m{a=\"\xf4\x8f\xbf\xbf\"} 1", "m{a=\"\xf4\x8f\xbf\xbf\"} 1"},
		{"m{a=\"\xe6\x97\xa5\xe6\x9c\xac\\\"\xe8\xaa\x9e\"} 1",
		    "m{a=\"\xe6\x97\xa5\xe6\x9c\xac\\\"\xe8\xaa\x9e\"} 1"},
	};
	static const struct bad_case bad[] = {
		{"m{a=\"\x80\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"ab\xbf\"} 1", "invalid UTF-8 in label value", 8},
		{"m{a=\"\xc0\xaf\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"\xc1\xbf\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"\xc3\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"\xc3(\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"\xe0\x80\xaf\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"\xe0\x9f\xbf\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"\xed\xa0\x80\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"\xed\xbf\xbf\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"\xe2\x82\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"\xe2\x82(\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"\xf0\x80\x80\xaf\"} 1", "invalid UTF-8 in label value",
		    6},
		{"m{a=\"\xf0\x8f\xbf\xbf\"} 1", "invalid UTF-8 in label value",
		    6},
		{"m{a=\"\xf4\x90\x80\x80\"} 1", "invalid UTF-8 in label value",
		    6},
		{"m{a=\"\xf5\x80\x80\x80\"} 1", "invalid UTF-8 in label value",
		    6},
		{"m{a=\"\xf0\x9f\x98\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"\xfe\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"\xff\"} 1", "invalid UTF-8 in label value", 6},
		{"m{a=\"ok\\n\xe9t\xe9\"} 1", "invalid UTF-8 in label value", 10},
	};
	struct prom_parser p;
	struct prom_sample s;
	struct buf out;
	const char *why;
	/* A value cut in the middle of a sequence by the end of the line. */
	static const char cut[] = "m{a=\"\xe2\x82";
	static const char nul[] = "m{a=\"x\0y\"} 1";
	int r;

	check_ok_cases(ok, N(ok));
	check_bad_cases(bad, N(bad));

	prom_parser_init(&p);
	buf_init(&out);
	r = parse_copy(&p, cut, sizeof(cut) - 1, &s, &why, &out);
	T_EQ_INT(r, PROM_ERROR);
	T_EQ_STR(why, "invalid UTF-8 in label value");
	/* NUL is valid UTF-8, as in Go. */
	r = parse_copy(&p, nul, sizeof(nul) - 1, &s, &why, &out);
	T_EQ_INT(r, PROM_SAMPLE);
	T_CHECK(r == PROM_SAMPLE && s.labels[0].value.n == 3 &&
	    memcmp(s.labels[0].value.p, "x\0y", 3) == 0);
	buf_free(&out);
	parse_copy_done();
	prom_parser_free(&p);
}

static void
test_values(void)
{
	static const struct ok_case ok[] = {
		{"m 0", "m 0"},
		{"m -0", "m -0"},
		{"m +0.0e0", "m 0"},
		{"m 1", "m 1"},
		{"m +1", "m 1"},
		{"m -1", "m -1"},
		{"m 007", "m 7"},
		{"m 1.", "m 1"},
		{"m .5", "m 0.5"},
		{"m -.5", "m -0.5"},
		{"m +.25e1", "m 2.5"},
		{"m 1e3", "m 1000"},
		{"m 1E3", "m 1000"},
		{"m 1e+3", "m 1000"},
		{"m 1e-3", "m 0.001"},
		{"m 1.5e3", "m 1500"},
		{"m -2.5E-2", "m -0.025"},
		{"m 1.445641e+06", "m 1445641"},
		{"m 2.0379e-05", "m 2.0379e-05"},
		{"m 0.1", "m 0.1"},
		{"m 0.30000000000000004", "m 0.30000000000000004"},
		{"m 123456789012345678901234567890", "m 1.2345678901234568e+29"},
		{"m 1e22", "m 1e+22"},
		{"m 1e23", "m 1e+23"},
		{"m 1.5e30", "m 1.5e+30"},
		{"m 1e308", "m 1e+308"},
		{"m 1.7976931348623157e308", "m 1.7976931348623157e+308"},
		{"m 1e-400", "m 0"},
		{"m -1e-400", "m -0"},
		{"m 0e999999999999999999999", "m 0"},
		{"m 4.9e-324", "m 5e-324"},
		{"m 2.2250738585072011e-308", "m 2.225073858507201e-308"},
		{"m NaN", "m NaN"},
		{"m nan", "m NaN"},
		{"m nAN", "m NaN"},
		{"m Inf", "m +Inf"},
		{"m +Inf", "m +Inf"},
		{"m -Inf", "m -Inf"},
		{"m inf", "m +Inf"},
		{"m -INF", "m -Inf"},
		{"m Infinity", "m +Inf"},
		{"m +infinity", "m +Inf"},
		{"m -INFINITY", "m -Inf"},
	};
	static const struct bad_case bad[] = {
		{"m abc", "expected a number as value", 3},
		{"m +NaN", "expected a number as value", 3},
		{"m -nan", "expected a number as value", 3},
		{"m nan1", "expected a number as value", 3},
		{"m NaNa", "expected a number as value", 3},
		{"m Inf1", "expected a number as value", 3},
		{"m infi", "expected a number as value", 3},
		{"m Infinit", "expected a number as value", 3},
		{"m infinityy", "expected a number as value", 3},
		{"m 1e", "expected a number as value", 3},
		{"m 1e+", "expected a number as value", 3},
		{"m 1e-", "expected a number as value", 3},
		{"m e5", "expected a number as value", 3},
		{"m .", "expected a number as value", 3},
		{"m .e1", "expected a number as value", 3},
		{"m +", "expected a number as value", 3},
		{"m -", "expected a number as value", 3},
		{"m ++1", "expected a number as value", 3},
		{"m 1.2.3", "expected a number as value", 3},
		{"m 1,5", "expected a number as value", 3},
		{"m 1e5.5", "expected a number as value", 3},
		{"m 0x10", "expected a number as value", 3},
		{"m 0x1p3", "expected a number as value", 3},
		{"m 1_000", "expected a number as value", 3},
		{"m 1f", "expected a number as value", 3},
		{"m 1}", "expected a number as value", 3},
		{"m 1e400", "number out of range", 3},
		{"m -1e400", "number out of range", 3},
		{"m 1.7976931348623159e308", "number out of range", 3},
		{"m 1e99999999999999999999", "number out of range", 3},
		{"m 1\r\r", "expected a number as value", 3},
	};
	struct prom_parser p;
	struct prom_sample s;
	struct buf line, out;
	const char *why;
	double want;
	size_t i;
	int r;

	check_ok_cases(ok, N(ok));
	check_bad_cases(bad, N(bad));

	/* Beyond 800 significant digits: the sticky digit decides a tie. */
	prom_parser_init(&p);
	buf_init(&line);
	buf_init(&out);
	for (i = 0; i < 3; i++) {
		line.len = 0;
		/* 2^53 + 1 is a tie between 2^53 and 2^53 + 2. */
		buf_adds(&line, "m 9007199254740993");
		if (i > 0) {
			buf_addc(&line, '.');
			for (r = 0; r < 1500; r++)
				buf_addc(&line, '0');
			if (i == 2)
				buf_addc(&line, '1');
		}
		r = parse_copy(&p, line.p, line.len, &s, &why, &out);
		T_EQ_INT(r, PROM_SAMPLE);
		buf_addc(&line, '\0');
		want = strtod(line.p + 2, NULL);
		T_CHECK(r == PROM_SAMPLE && memcmp(&s.value, &want,
		    sizeof(want)) == 0);
		T_CHECK(r == PROM_SAMPLE && s.value == (i == 2 ?
		    9007199254740994.0 : 9007199254740992.0));
	}
	/* Many leading zeros, then the digits. */
	line.len = 0;
	buf_adds(&line, "m 0.");
	for (i = 0; i < 2000; i++)
		buf_addc(&line, '0');
	buf_adds(&line, "123e2010");
	r = parse_copy(&p, line.p, line.len, &s, &why, &out);
	T_EQ_INT(r, PROM_SAMPLE);
	T_CHECK(r == PROM_SAMPLE && s.value == 1.23e9);
	buf_free(&out);
	buf_free(&line);
	parse_copy_done();
	prom_parser_free(&p);
}

static void
test_timestamps(void)
{
	static const struct ok_case ok[] = {
		{"m 1 0", "m 1 0"},
		{"m 1 1732527624123", "m 1 1732527624123"},
		{"m 1 -1", "m 1 -1"},
		{"m 1 +7", "m 1 7"},
		{"m 1 0007", "m 1 7"},
		{"m 1 9223372036854775807", "m 1 9223372036854775807"},
		{"m 1 -9223372036854775808", "m 1 -9223372036854775808"},
		{"m NaN 5", "m NaN 5"},
		{"m{a=\"b\"} -Inf -5", "m{a=\"b\"} -Inf -5"},
		{"m 1 2 \t ", "m 1 2"},
		{"m\t1\t2", "m 1 2"},
		{"m 1   ", "m 1"},
	};
	static const struct bad_case bad[] = {
		{"m 1 x", "expected an integer timestamp in milliseconds", 5},
		{"m 1 1.5", "expected an integer timestamp in milliseconds", 5},
		{"m 1 1e3", "expected an integer timestamp in milliseconds", 5},
		{"m 1 12a", "expected an integer timestamp in milliseconds", 5},
		{"m 1 -", "expected an integer timestamp in milliseconds", 5},
		{"m 1 +", "expected an integer timestamp in milliseconds", 5},
		{"m 1 --1", "expected an integer timestamp in milliseconds", 5},
		{"m 1 9223372036854775808",
		    "expected an integer timestamp in milliseconds", 5},
		{"m 1 -9223372036854775809",
		    "expected an integer timestamp in milliseconds", 5},
		{"m 1 99999999999999999999",
		    "expected an integer timestamp in milliseconds", 5},
		{"m 1 NaN", "expected an integer timestamp in milliseconds", 5},
		{"m 1 2 3", "unexpected text after timestamp", 7},
		{"m 1 2 #c", "unexpected text after timestamp", 7},
		{"m 1 2\t\tx", "unexpected text after timestamp", 8},
	};
	struct prom_parser p;
	struct prom_sample s;
	struct buf out;
	const char *why;
	int r;

	check_ok_cases(ok, N(ok));
	check_bad_cases(bad, N(bad));

	prom_parser_init(&p);
	buf_init(&out);
	r = parse_copy(&p, "m 1", 3, &s, &why, &out);
	T_EQ_INT(r, PROM_SAMPLE);
	T_EQ_INT(s.has_timestamp, 0);
	r = parse_copy(&p, "m 1 -42", 7, &s, &why, &out);
	T_EQ_INT(r, PROM_SAMPLE);
	T_EQ_INT(s.has_timestamp, 1);
	T_EQ_INT(s.timestamp_ms, -42);
	buf_free(&out);
	parse_copy_done();
	prom_parser_free(&p);
}

static void
test_skipped(void)
{
	static const char *const skip[] = {
		"", " ", "\t", " \t ", "\r", " \t\r",
		"#", "#\r", "# a comment", "#no space", "  # indented", "\t#tab",
		"# HELP m Some help text.", "# HELP m bad \\q escape",
		"# TYPE m counter", "# TYPE m bogus", "# TYPE 1bad gauge",
		"# TYPE", "#HELP", "# EOF", "# m{a=\"b\"} 1",
	};
	struct prom_parser p;
	struct prom_sample s;
	struct buf out;
	const char *why;
	size_t i;

	prom_parser_init(&p);
	buf_init(&out);
	for (i = 0; i < N(skip); i++) {
		int before = t_failed_checks;

		T_EQ_INT(parse_copy(&p, skip[i], strlen(skip[i]), &s, &why,
		    &out), PROM_SKIP);
		T_CASE(before, "'%s'", skip[i]);
	}
	buf_free(&out);
	parse_copy_done();
	prom_parser_free(&p);
}

static void
test_crlf(void)
{
	static const struct ok_case ok[] = {
		{"m 1\r", "m 1"},
		{"m 1 2\r", "m 1 2"},
		{"m{a=\"b\"} 1\r", "m{a=\"b\"} 1"},
		{"m 1 \r", "m 1"},
	};
	static const struct bad_case bad[] = {
		{"m\r", "missing value", 2},
		{"m{a=\"b\r", "unterminated label value", 7},
		{"m 1 2\r\r", "expected an integer timestamp in milliseconds",
		    5},
	};

	check_ok_cases(ok, N(ok));
	check_bad_cases(bad, N(bad));
}

static void
test_label_get(void)
{
	struct prom_parser p;
	struct prom_sample s;
	struct buf out;
	const struct prom_span *v;
	const char *why;
	const char *line = "m{a=\"1\",ab=\"2\",b=\"\",c=\"x\\\\\"} 1";
	int r;

	prom_parser_init(&p);
	buf_init(&out);
	r = parse_copy(&p, line, strlen(line), &s, &why, &out);
	T_EQ_INT(r, PROM_SAMPLE);
	v = prom_label_get(&s, "a");
	T_CHECK(v != NULL && prom_span_eq(*v, "1"));
	v = prom_label_get(&s, "ab");
	T_CHECK(v != NULL && prom_span_eq(*v, "2"));
	v = prom_label_get(&s, "b");
	T_CHECK(v != NULL && v->n == 0 && prom_span_eq(*v, ""));
	v = prom_label_get(&s, "c");
	T_CHECK(v != NULL && prom_span_eq(*v, "x\\"));
	T_CHECK(prom_label_get(&s, "abc") == NULL);
	T_CHECK(prom_label_get(&s, "") == NULL);
	T_CHECK(prom_label_get(&s, "A") == NULL);
	T_CHECK(prom_span_eq(s.name, "m"));
	T_CHECK(!prom_span_eq(s.name, "mm"));
	T_CHECK(!prom_span_eq(s.name, ""));
	buf_free(&out);
	parse_copy_done();
	prom_parser_free(&p);
}

/* --- feeding documents ------------------------------------------------ */

struct collect {
	struct buf out;		/* rendered samples, one a line */
	size_t n;
	size_t stop_at;		/* refuse the n-th sample (1-based), 0: never */
};

static int
collect_fn(void *ctx, const struct prom_sample *s)
{
	struct collect *c = ctx;

	render(&c->out, s);
	buf_addc(&c->out, '\n');
	c->n++;
	return c->stop_at != 0 && c->n == c->stop_at;
}

static int
stats_same(const struct prom_stats *a, const struct prom_stats *b)
{
	size_t i;

	if (a->lines != b->lines || a->samples != b->samples ||
	    a->skipped != b->skipped || a->malformed != b->malformed)
		return 0;
	for (i = 0; i < PROM_BAD_KEPT && i < a->malformed; i++)
		if (a->bad[i].line != b->bad[i].line ||
		    a->bad[i].col != b->bad[i].col ||
		    strcmp(a->bad[i].why, b->bad[i].why) != 0)
			return 0;
	return 1;
}

/* The whole document at once. */
static void
feed_whole(const char *doc, size_t n, struct collect *c,
    struct prom_stats *st)
{
	struct prom_parser p;
	char *copy = xmalloc(n);
	size_t pos = 0;

	memcpy(copy, doc, n);
	prom_parser_init(&p);
	T_EQ_INT(prom_feed(&p, copy, n, &pos, 1, 0, collect_fn, c),
	    PROM_FEED_END);
	T_EQ_INT(pos, n);
	*st = p.st;
	prom_parser_free(&p);
	free(copy);
}

/*
 * In pieces of k bytes.  compact: the caller drops consumed bytes and
 * rebases pos, as a scraper with a bounded buffer does; else the buffer
 * only grows (reallocated at its exact length each time).  max_lines is
 * the budget per call.
 */
static int
feed_sliced(const char *doc, size_t n, size_t k, int compact,
    size_t max_lines, const struct collect *want,
    const struct prom_stats *want_st)
{
	struct prom_parser p;
	struct collect c;
	struct buf b;
	char *grow = NULL;
	size_t off = 0, pos = 0, base = 0;
	int r, final = 0, ok = 1;

	prom_parser_init(&p);
	buf_init(&c.out);
	c.n = 0;
	c.stop_at = 0;
	buf_init(&b);
	while (!final) {
		size_t take = n - off < k ? n - off : k;
		const char *data;
		size_t len;

		if (compact) {
			buf_add(&b, doc + off, take);
			data = b.p;
			len = b.len;
		} else {
			grow = xrealloc(grow, off + take);
			memcpy(grow + off, doc + off, take);
			data = grow;
			len = off + take;
		}
		off += take;
		final = off == n;
		do {
			size_t before = pos;

			r = prom_feed(&p, data, len, &pos, final, max_lines,
			    collect_fn, &c);
			if (pos < before || pos > len)
				ok = 0;
			if (r == PROM_FEED_BUDGET && max_lines == 0)
				ok = 0;
		} while (r == PROM_FEED_BUDGET);
		if (r != PROM_FEED_END)
			ok = 0;
		if (compact) {
			buf_consume(&b, pos);
			base += pos;
			pos = 0;
		}
	}
	if (base + pos != n)
		ok = 0;
	if (c.out.len != want->out.len ||
	    memcmp(c.out.p, want->out.p, c.out.len) != 0 ||
	    !stats_same(&p.st, want_st))
		ok = 0;
	free(grow);
	buf_free(&b);
	buf_free(&c.out);
	prom_parser_free(&p);
	return ok;
}

/*
 * Pieces of every size 1..maxk, and a few larger ones.  The growing
 * exact-size buffer is copied whole on every piece, so it is used only
 * where that stays cheap (up to 2000 pieces); the compacting caller and
 * the line budget are tried at every size.
 */
static int
slices_same(const char *doc, size_t n, size_t k, const struct collect *whole,
    const struct prom_stats *st)
{
	return (n / k > 2000 || feed_sliced(doc, n, k, 0, 0, whole, st)) &&
	    feed_sliced(doc, n, k, 1, 0, whole, st) &&
	    feed_sliced(doc, n, k, 1, 1 + k % 3, whole, st);
}

static void
check_slicing(const char *doc, size_t n, size_t maxk)
{
	static const size_t more[] = {61, 509, 4093};
	struct collect whole;
	struct prom_stats st;
	size_t k, i;
	int bad = 0;

	buf_init(&whole.out);
	whole.n = 0;
	whole.stop_at = 0;
	feed_whole(doc, n, &whole, &st);
	for (k = 1, i = 0; k <= n; ) {
		if (!slices_same(doc, n, k, &whole, &st)) {
			if (bad++ < 5)
				printf("#     pieces of %zu bytes differ\n", k);
			T_CHECK(!"sliced feed differs from the whole");
		}
		if (k < maxk)
			k++;
		else {
			while (i < N(more) && more[i] <= k)
				i++;
			if (i == N(more))
				break;
			k = more[i];
		}
	}
	/* One line per call over the whole buffer. */
	T_CHECK(feed_sliced(doc, n, n, 0, 1, &whole, &st));
	buf_free(&whole.out);
}

static const char doc_mixed[] =
	"# HELP http_requests_total The total number of HTTP requests.\n"
	"# TYPE http_requests_total counter\n"
	"http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
	"http_requests_total{method=\"post\",code=\"400\"}    3 1395066363000\r\n"
	"\n"
	"# Escaping in label values:\n"
	"msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\","
	    "error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
	"bad{a=\"\\q\"} 1\n"
	"   \t  \r\n"
	"metric_without_timestamp_and_labels 12.47\n"
	"something_weird{problem=\"division by zero\"} +Inf -3982045\n"
	"# TYPE http_request_duration_seconds histogram\n"
	"http_request_duration_seconds_bucket{le=\"0.05\"} 24054\n"
	"http_request_duration_seconds_bucket{le=\"0.1\"} 33444\n"
	"http_request_duration_seconds_bucket{le=\"+Inf\"} 144320\n"
	"http_request_duration_seconds_sum 53423\n"
	"http_request_duration_seconds_count 144320\n"
	"1bad 1\n"
	"# TYPE rpc_duration_seconds summary\n"
	"rpc_duration_seconds{quantile=\"0.01\"} 3102\n"
	"rpc_duration_seconds{quantile=\"0.99\"} 76656\n"
	"rpc_duration_seconds_sum 1.7560473e+07\n"
	"rpc_duration_seconds_count 2693\n"
	"caf\xc3\xa9{x=\"\xc3\xa9\"} 1\n"
	"ok{x=\"\xc3\xa9\"} NaN\n"
	"last_line_without_newline{a=\"b\"} 42";

static const char doc_mixed_want[] =
	"http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
	"http_requests_total{method=\"post\",code=\"400\"} 3 1395066363000\n"
	"msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\","
	    "error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1458255915\n"
	"metric_without_timestamp_and_labels 12.47\n"
	"something_weird{problem=\"division by zero\"} +Inf -3982045\n"
	"http_request_duration_seconds_bucket{le=\"0.05\"} 24054\n"
	"http_request_duration_seconds_bucket{le=\"0.1\"} 33444\n"
	"http_request_duration_seconds_bucket{le=\"+Inf\"} 144320\n"
	"http_request_duration_seconds_sum 53423\n"
	"http_request_duration_seconds_count 144320\n"
	"rpc_duration_seconds{quantile=\"0.01\"} 3102\n"
	"rpc_duration_seconds{quantile=\"0.99\"} 76656\n"
	"rpc_duration_seconds_sum 17560473\n"
	"rpc_duration_seconds_count 2693\n"
	"ok{x=\"\xc3\xa9\"} NaN\n"
	"last_line_without_newline{a=\"b\"} 42\n";

static void
test_feed_whole(void)
{
	struct collect c;
	struct prom_stats st;

	buf_init(&c.out);
	c.n = 0;
	c.stop_at = 0;
	feed_whole(doc_mixed, sizeof(doc_mixed) - 1, &c, &st);
	buf_addc(&c.out, '\0');
	T_EQ_STR(c.out.p, doc_mixed_want);
	T_EQ_INT(st.lines, 26);
	T_EQ_INT(st.samples, 16);
	T_EQ_INT(st.skipped, 7);
	T_EQ_INT(st.malformed, 3);
	T_EQ_INT(st.bad[0].line, 8);
	T_EQ_INT(st.bad[0].col, 8);
	T_EQ_STR(st.bad[0].why, "invalid escape in label value");
	T_EQ_INT(st.bad[1].line, 18);
	T_EQ_INT(st.bad[1].col, 1);
	T_EQ_STR(st.bad[1].why, "invalid metric name");
	T_EQ_INT(st.bad[2].line, 24);
	T_EQ_INT(st.bad[2].col, 4);
	T_EQ_STR(st.bad[2].why, "expected a number as value");
	buf_free(&c.out);
}

static void
test_feed_slices(void)
{
	check_slicing(doc_mixed, sizeof(doc_mixed) - 1,
	    sizeof(doc_mixed) - 1);
}

static void
test_feed_partial(void)
{
	struct prom_parser p;
	struct collect c;
	const char *doc = "a 1\nb 2\nc 3";
	size_t pos = 0, n = strlen(doc);

	prom_parser_init(&p);
	buf_init(&c.out);
	c.n = 0;
	c.stop_at = 0;
	/* Not final: the last line waits. */
	T_EQ_INT(prom_feed(&p, doc, n, &pos, 0, 0, collect_fn, &c),
	    PROM_FEED_END);
	T_EQ_INT(pos, 8);
	T_EQ_INT(c.n, 2);
	T_EQ_INT(p.st.lines, 2);
	/* The partial line is not searched for LF again. */
	T_EQ_INT(p.scanned, 3);
	/* Nothing new: still waiting, nothing parsed twice. */
	T_EQ_INT(prom_feed(&p, doc, n, &pos, 0, 0, collect_fn, &c),
	    PROM_FEED_END);
	T_EQ_INT(pos, 8);
	T_EQ_INT(c.n, 2);
	/* Final: the last line is parsed. */
	T_EQ_INT(prom_feed(&p, doc, n, &pos, 1, 0, collect_fn, &c),
	    PROM_FEED_END);
	T_EQ_INT(pos, n);
	T_EQ_INT(c.n, 3);
	T_EQ_INT(p.st.lines, 3);
	T_EQ_INT(prom_feed(&p, doc, n, &pos, 1, 0, collect_fn, &c),
	    PROM_FEED_END);
	T_EQ_INT(c.n, 3);
	buf_addc(&c.out, '\0');
	T_EQ_STR(c.out.p, "a 1\nb 2\nc 3\n");

	/* A NULL callback only counts. */
	prom_parser_reset(&p);
	T_EQ_INT(p.st.lines, 0);
	T_EQ_INT(p.scanned, 0);
	pos = 0;
	T_EQ_INT(prom_feed(&p, doc, n, &pos, 1, 0, NULL, NULL),
	    PROM_FEED_END);
	T_EQ_INT(p.st.samples, 3);

	/* An empty document. */
	prom_parser_reset(&p);
	pos = 0;
	T_EQ_INT(prom_feed(&p, "", 0, &pos, 1, 0, collect_fn, &c),
	    PROM_FEED_END);
	T_EQ_INT(p.st.lines, 0);
	T_EQ_INT(pos, 0);
	buf_free(&c.out);
	prom_parser_free(&p);
}

static void
test_feed_budget(void)
{
	struct prom_parser p;
	struct collect c;
	const char *doc = "# c\na 1\n\nb 2\nc 3\n";
	size_t pos = 0, n = strlen(doc);

	prom_parser_init(&p);
	buf_init(&c.out);
	c.n = 0;
	c.stop_at = 0;
	T_EQ_INT(prom_feed(&p, doc, n, &pos, 0, 2, collect_fn, &c),
	    PROM_FEED_BUDGET);
	T_EQ_INT(pos, 8);
	T_EQ_INT(p.st.lines, 2);
	T_EQ_INT(c.n, 1);
	T_EQ_INT(prom_feed(&p, doc, n, &pos, 0, 2, collect_fn, &c),
	    PROM_FEED_BUDGET);
	T_EQ_INT(pos, 13);
	T_EQ_INT(c.n, 2);
	/* One line left: it fits the budget, and then nothing waits. */
	T_EQ_INT(prom_feed(&p, doc, n, &pos, 0, 2, collect_fn, &c),
	    PROM_FEED_END);
	T_EQ_INT(pos, n);
	T_EQ_INT(c.n, 3);
	/* Exactly the budget and no more complete line: END, not BUDGET. */
	prom_parser_reset(&p);
	pos = 0;
	T_EQ_INT(prom_feed(&p, "a 1\nb 2\nc", 9, &pos, 0, 2, collect_fn, &c),
	    PROM_FEED_END);
	T_EQ_INT(pos, 8);
	T_EQ_INT(prom_feed(&p, "a 1\nb 2\nc", 9, &pos, 0, 2, collect_fn, &c),
	    PROM_FEED_END);
	T_EQ_INT(pos, 8);
	buf_free(&c.out);
	prom_parser_free(&p);
}

static void
test_feed_stop(void)
{
	struct prom_parser p;
	struct collect c;
	const char *doc = "a 1\n# x\nb 2\nc 3\nd 4\n";
	size_t pos = 0, n = strlen(doc);

	prom_parser_init(&p);
	buf_init(&c.out);
	c.n = 0;
	c.stop_at = 2;
	T_EQ_INT(prom_feed(&p, doc, n, &pos, 1, 0, collect_fn, &c),
	    PROM_FEED_STOPPED);
	T_EQ_INT(pos, 12);		/* past "b 2\n" */
	T_EQ_INT(c.n, 2);
	T_EQ_INT(p.st.samples, 2);
	T_EQ_INT(p.st.lines, 3);
	c.stop_at = 0;
	T_EQ_INT(prom_feed(&p, doc, n, &pos, 1, 0, collect_fn, &c),
	    PROM_FEED_END);
	T_EQ_INT(c.n, 4);
	T_EQ_INT(pos, n);
	buf_free(&c.out);
	prom_parser_free(&p);
}

static void
test_feed_malformed(void)
{
	struct prom_parser p;
	struct collect c;
	struct buf doc;
	size_t pos = 0, i;

	/* Twelve bad lines between good ones: all counted, 8 kept. */
	buf_init(&doc);
	for (i = 1; i <= 24; i++) {
		if (i % 2 == 0)
			buf_printf(&doc, "bad_%zu{x=1} 1\n", i);
		else
			buf_printf(&doc, "good_%zu %zu\n", i, i);
	}
	prom_parser_init(&p);
	buf_init(&c.out);
	c.n = 0;
	c.stop_at = 0;
	T_EQ_INT(prom_feed(&p, doc.p, doc.len, &pos, 1, 0, collect_fn, &c),
	    PROM_FEED_END);
	T_EQ_INT(p.st.lines, 24);
	T_EQ_INT(p.st.samples, 12);
	T_EQ_INT(p.st.malformed, 12);
	for (i = 0; i < PROM_BAD_KEPT; i++) {
		T_EQ_INT(p.st.bad[i].line, 2 * (i + 1));
		T_EQ_INT(p.st.bad[i].col, (2 * (i + 1) < 10 ? 9 : 10));
		T_EQ_STR(p.st.bad[i].why,
		    "expected '\"' to open the label value");
	}
	buf_addc(&c.out, '\0');
	T_CHECK(strncmp(c.out.p, "good_1 1\ngood_3 3\n", 18) == 0);
	T_CHECK(strstr(c.out.p, "good_23 23\n") != NULL);
	T_CHECK(strstr(c.out.p, "bad") == NULL);
	buf_free(&c.out);
	buf_free(&doc);
	prom_parser_free(&p);
}

static void
test_feed_crlf(void)
{
	struct collect c;
	struct prom_stats st;
	const char doc[] = "# HELP a x\r\n# TYPE a gauge\r\na{b=\"c\"} 1\r\n"
	    "\r\na 2 3\r\n";

	buf_init(&c.out);
	c.n = 0;
	c.stop_at = 0;
	feed_whole(doc, sizeof(doc) - 1, &c, &st);
	buf_addc(&c.out, '\0');
	T_EQ_STR(c.out.p, "a{b=\"c\"} 1\na 2 3\n");
	T_EQ_INT(st.malformed, 0);
	T_EQ_INT(st.lines, 5);
	check_slicing(doc, sizeof(doc) - 1, sizeof(doc) - 1);
	buf_free(&c.out);
}

/* A line much longer than the pieces it arrives in. */
static void
test_feed_long_line(void)
{
	struct buf doc;
	size_t i;

	buf_init(&doc);
	buf_adds(&doc, "x 1\nlong{");
	for (i = 0; i < 40; i++)
		buf_printf(&doc, "%sl%zu=\"%0*d\\\"\"", i ? "," : "", i, 90,
		    (int)i);
	buf_adds(&doc, "} 2\ny 3\n");
	check_slicing(doc.p, doc.len, 70);
	buf_free(&doc);
}

/* --- numbers against strtod() ------------------------------------------- */

/* Must equal strtod() bit for bit, or fail as out of range where
 * strtod() overflows. */
static int
check_number(struct prom_parser *p, const char *tok)
{
	char line[512];
	struct prom_sample s;
	const char *why;
	double want = strtod(tok, NULL);
	size_t n;
	int r;

	n = (size_t)snprintf(line, sizeof(line), "m %s", tok);
	r = prom_parse_line(p, line, n, &s, &why);
	/* A finite decimal that overflows: Go's ErrRange. */
	if (isinf(want) && strpbrk(tok, "iI") == NULL)
		return r == PROM_ERROR && strcmp(why, "number out of range") == 0;
	if (r != PROM_SAMPLE)
		return 0;
	if (isnan(want))
		return isnan(s.value);
	return memcmp(&s.value, &want, sizeof(want)) == 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static void
test_numbers_vs_strtod(void)
{
	static const char *const fixed[] = {
		"0", "1", "9007199254740992", "9007199254740993",
		"9007199254740994", "9007199254740995", "18014398509481985",
		"1e22", "1e23", "9007199254740992e22", "9007199254740993e22",
		"1e37", "9e37", "123456789e30", "1e-22", "1e-23",
		"9007199254740991e-22", "0.1", "0.2", "0.3", "1.1", "2.675",
		"5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
		"2.2250738585072011e-308", "2.2250738585072012e-308",
		"1.7976931348623157e308", "1.7976931348623158e308",
		"1.7976931348623159e308", "1e309", "-1e309",
		"0.000001", "1234567890123456789", "12345678901234567890",
		"123456789012345678901", "0.0000000000000000000000001",
		"4.35679e-05", "1.445641e+06", "3.3e-310",
		"7.2057594037927933e16", "1.00000000000000011102230246251565",
		"1.00000000000000011102230246251566",
		"8.98846567431158e307",
	};
	struct prom_parser p;
	char tok[64];
	size_t i;
	long fails = 0, runs = 0;

	prom_parser_init(&p);
	for (i = 0; i < N(fixed); i++) {
		int before = t_failed_checks;

		T_CHECK(check_number(&p, fixed[i]));
		T_CASE(before, "%s", fixed[i]);
	}
	for (i = 0; i < 300000; i++) {
		uint64_t r = rng(), bits;
		double v;
		int fmt = (int)(r % 8);

		switch (fmt) {
		case 0: case 1: case 2: case 3:
			/* Any finite double, in several precisions. */
			bits = rng();
			memcpy(&v, &bits, sizeof(v));
			if (isnan(v) || isinf(v))
				continue;
			snprintf(tok, sizeof(tok), "%.*g",
			    fmt == 0 ? 17 : fmt == 1 ? 16 : fmt == 2 ? 15 : 6,
			    v);
			break;
		case 4:
			/* Short decimals with small exponents (fast path
			 * edges: 2^53 and 10^22). */
			snprintf(tok, sizeof(tok), "%" PRIu64 "e%d",
			    rng() >> (r >> 8) % 64, (int)((r >> 16) % 81) - 40);
			break;
		case 5:
			snprintf(tok, sizeof(tok), "%" PRIu64 ".%0*" PRIu64,
			    rng() % 100000000, (int)((r >> 8) % 12) + 1,
			    rng() % (uint64_t)1000000000000);
			break;
		case 6:
			/* Values as the exporters write them. */
			bits = rng() % 100000000;
			snprintf(tok, sizeof(tok), "%.*e",
			    (int)((r >> 8) % 10), (double)bits *
			    pow(10, (double)((int)((r >> 16) % 40) - 20)));
			break;
		default:
			snprintf(tok, sizeof(tok), "-%" PRIu64 ".%" PRIu64
			    "e-%d", rng() % 1000, rng() % 100000,
			    (int)((r >> 8) % 330));
			break;
		}
		runs++;
		if (!check_number(&p, tok)) {
			if (fails++ < 10)
				printf("#     differs from strtod: %s\n", tok);
		}
	}
	T_EQ_INT(fails, 0);
	T_CHECK(runs > 250000);
	prom_parser_free(&p);
}

/* With a locale whose radix is a comma, numbers still read with '.'. */
static void
test_locale(void)
{
	static const char *const names[] = {
		"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8",
		"ru_RU.UTF-8", "nl_NL.UTF-8",
	};
	struct prom_parser p;
	struct prom_sample s;
	const char *why, *loc = NULL;
	const char *line = "m 0.30000000000000004";
	size_t i;
	int r;

	for (i = 0; i < N(names) && loc == NULL; i++)
		loc = setlocale(LC_NUMERIC, names[i]);
	if (loc == NULL) {
		printf("#     no comma-radix locale installed: "
		    "only the C locale checked\n");
	}
	prom_parser_init(&p);
	r = prom_parse_line(&p, line, strlen(line), &s, &why);
	T_EQ_INT(r, PROM_SAMPLE);
	T_CHECK(s.value == 0.1 + 0.2);
	r = prom_parse_line(&p, "m 1.5e400", 9, &s, &why);
	T_EQ_INT(r, PROM_ERROR);
	setlocale(LC_NUMERIC, "C");
	prom_parser_free(&p);
}

/* --- corpus ------------------------------------------------------------- */

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char tmp[65536];
	size_t n;

	if (f == NULL) {
		printf("#     cannot open %s (run from the repository root)\n",
		    path);
		*len = 0;
		return NULL;
	}
	buf_init(&b);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	*len = b.len;
	return b.p != NULL ? b.p : xmalloc(1);
}

/* Lines that are neither blank nor comments, counted independently. */
static size_t
count_sample_lines(const char *p, size_t n)
{
	size_t i = 0, count = 0;

	while (i < n) {
		size_t j = i, e;

		while (j < n && p[j] != '\n')
			j++;
		e = j;
		if (e > i && p[e - 1] == '\r')
			e--;
		while (i < e && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i < e && p[i] != '#')
			count++;
		i = j + 1;
	}
	return count;
}

struct corpus {
	struct prom_stats st;
	size_t n;
	/* per-test expectations, filled by the callbacks */
	size_t hits[8];
	double sum[8];
	int bad_labels;
	int values_differ;
	struct buf seen;
};

/* The value token of a sample line, found without the parser. */
static int
value_token(const char *line, size_t n, char *tok, size_t cap)
{
	size_t i = 0, j;
	int inq = 0;

	while (i < n && line[i] != ' ' && line[i] != '{')
		i++;
	if (i < n && line[i] == '{') {
		for (; i < n; i++) {
			if (inq && line[i] == '\\')
				i++;
			else if (line[i] == '"')
				inq = !inq;
			else if (!inq && line[i] == '}')
				break;
		}
		i++;
	}
	while (i < n && line[i] == ' ')
		i++;
	for (j = i; j < n && line[j] != ' ' && line[j] != '\r'; j++)
		;
	if (j - i >= cap)
		return -1;
	memcpy(tok, line + i, j - i);
	tok[j - i] = '\0';
	return 0;
}

/* Every value in the file parses exactly as strtod() reads its token. */
static void
check_corpus_values(const char *p, size_t n)
{
	struct prom_parser pp;
	struct prom_sample s;
	const char *why;
	char tok[128];
	size_t i = 0, checked = 0;
	long differ = 0;

	prom_parser_init(&pp);
	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (p + i)) : n - i;

		if (prom_parse_line(&pp, p + i, len, &s, &why) == PROM_SAMPLE) {
			double want;

			if (value_token(p + i, len, tok, sizeof(tok)) < 0)
				differ++;
			else {
				want = strtod(tok, NULL);
				if (isnan(want) ? !isnan(s.value) :
				    memcmp(&want, &s.value, sizeof(want)) != 0)
					differ++;
				checked++;
			}
		}
		i += len + 1;
	}
	T_EQ_INT(differ, 0);
	T_CHECK(checked > 0);
	prom_parser_free(&pp);
}

static int
load_corpus(const char *name, prom_sample_fn fn, struct corpus *c,
    char **text, size_t *len)
{
	struct prom_parser p;
	char path[256];
	size_t pos = 0;

	memset(c, 0, sizeof(*c));
	buf_init(&c->seen);
	snprintf(path, sizeof(path), CORPUS "%s", name);
	*text = slurp(path, len);
	T_CHECK(*text != NULL);
	if (*text == NULL)
		return -1;
	prom_parser_init(&p);
	T_EQ_INT(prom_feed(&p, *text, *len, &pos, 1, 0, fn, c),
	    PROM_FEED_END);
	c->st = p.st;
	prom_parser_free(&p);
	T_EQ_INT(c->st.malformed, 0);
	if (c->st.malformed > 0)
		printf("#     %s:%" PRIu64 ":%zu: %s\n", name,
		    c->st.bad[0].line, c->st.bad[0].col, c->st.bad[0].why);
	T_EQ_INT(c->st.samples, count_sample_lines(*text, *len));
	T_EQ_INT(c->st.samples + c->st.skipped, c->st.lines);
	check_corpus_values(*text, *len);
	return 0;
}

static int
has_labels(const struct prom_sample *s, const char *const *names)
{
	for (; *names != NULL; names++) {
		const struct prom_span *v = prom_label_get(s, *names);

		if (v == NULL)
			return 0;
	}
	return 1;
}

/* Remember a label value once, in c->seen ("v1\nv2\n"). */
static void
seen_add(struct corpus *c, const struct prom_span *v)
{
	size_t i = 0;

	while (i < c->seen.len) {
		const char *nl = memchr(c->seen.p + i, '\n', c->seen.len - i);
		size_t n = (size_t)(nl - (c->seen.p + i));

		if (n == v->n && memcmp(c->seen.p + i, v->p, n) == 0)
			return;
		i += n + 1;
	}
	buf_add(&c->seen, v->p, v->n);
	buf_addc(&c->seen, '\n');
}

static int
node_exporter_fn(void *ctx, const struct prom_sample *s)
{
	static const char *const cpu_mode[] = {"cpu", "mode", NULL};
	struct corpus *c = ctx;

	c->n++;
	if (prom_span_eq(s->name, "node_cpu_seconds_total")) {
		const struct prom_span *mode = prom_label_get(s, "mode");

		c->hits[0]++;
		if (!has_labels(s, cpu_mode) || s->nlabels != 2 ||
		    !(s->value >= 0))
			c->bad_labels++;
		else {
			seen_add(c, prom_label_get(s, "cpu"));
			if (prom_span_eq(*mode, "idle"))
				c->hits[1]++;
			if (prom_span_eq(*mode, "user") ||
			    prom_span_eq(*mode, "system"))
				c->hits[2]++;
		}
	} else if (prom_span_eq(s->name, "node_memory_MemTotal_bytes")) {
		c->hits[3]++;
		c->sum[3] = s->value;
	} else if (prom_span_eq(s->name, "node_memory_MemAvailable_bytes")) {
		c->hits[4]++;
		c->sum[4] = s->value;
	} else if (prom_span_eq(s->name, "go_gc_duration_seconds")) {
		if (prom_label_get(s, "quantile") != NULL)
			c->hits[5]++;
	} else if (s->name.n > 6 && memcmp(s->name.p, "go_gc_", 6) == 0)
		c->hits[6]++;
	if (s->has_timestamp)
		c->bad_labels++;
	return 0;
}

static void
test_corpus_node_exporter(void)
{
	struct corpus c;
	char *text;
	size_t len;

	if (load_corpus("node_exporter-1.5.0.txt", node_exporter_fn, &c,
	    &text, &len) < 0)
		return;
	T_EQ_INT(c.st.lines, 1069);
	T_EQ_INT(c.st.samples, 505);
	T_EQ_INT(c.n, c.st.samples);
	/* 2 cpus x 8 modes on the machine it was captured from. */
	T_EQ_INT(c.hits[0], 16);
	T_EQ_INT(c.hits[1], 2);
	T_EQ_INT(c.hits[2], 4);
	T_EQ_STR(c.seen.len == 4 ? "0\n1\n" : "other",
	    "0\n1\n");
	T_EQ_INT(c.bad_labels, 0);
	T_EQ_INT(c.hits[3], 1);
	T_EQ_INT(c.hits[4], 1);
	T_CHECK(c.sum[3] > 1e8 && c.sum[4] > 0 && c.sum[4] < c.sum[3]);
	/* The summary's quantiles are plain series, and so are _sum/_count. */
	T_EQ_INT(c.hits[5], 5);
	T_EQ_INT(c.hits[6], 2);
	check_slicing(text, len, 7);
	buf_free(&c.seen);
	free(text);
}

static int
ksm_fn(void *ctx, const struct prom_sample *s)
{
	static const char *const alloc[] = {"node", "resource", "unit", NULL};
	static const char *const req[] = {"namespace", "pod", "uid",
	    "container", "node", "resource", "unit", NULL};
	static const char *const info[] = {"namespace", "pod", "uid", "node",
	    NULL};
	static const char *const start[] = {"namespace", "pod", "uid", NULL};
	struct corpus *c = ctx;

	c->n++;
	if (prom_span_eq(s->name, "kube_node_status_allocatable")) {
		const struct prom_span *n = prom_label_get(s, "node"),
		    *r = prom_label_get(s, "resource");

		c->hits[0]++;
		if (!has_labels(s, alloc))
			c->bad_labels++;
		else if (prom_span_eq(*n, "worker-01.k8s.example.internal") &&
		    prom_span_eq(*r, "cpu"))
			c->sum[0] = s->value;
		else if (prom_span_eq(*n, "worker-05.k8s.example.internal") &&
		    prom_span_eq(*r, "memory"))
			c->sum[1] = s->value;
	} else if (prom_span_eq(s->name,
	    "kube_pod_container_resource_requests")) {
		c->hits[1]++;
		if (!has_labels(s, req) || s->nlabels != 7)
			c->bad_labels++;
		else if (prom_span_eq(*prom_label_get(s, "resource"), "cpu"))
			c->sum[2] += s->value;
	} else if (prom_span_eq(s->name, "kube_pod_info")) {
		c->hits[2]++;
		if (!has_labels(s, info))
			c->bad_labels++;
	} else if (prom_span_eq(s->name, "kube_pod_start_time")) {
		c->hits[3]++;
		if (!has_labels(s, start) || !(s->value > 1.7e9))
			c->bad_labels++;
	} else if (prom_span_eq(s->name, "kube_node_status_capacity"))
		c->hits[4]++;
	return 0;
}

static void
test_corpus_kube_state_metrics(void)
{
	struct corpus c;
	char *text;
	size_t len;

	if (load_corpus("kube-state-metrics.txt", ksm_fn, &c, &text,
	    &len) < 0)
		return;
	T_EQ_INT(c.st.samples, 490);
	T_EQ_INT(c.hits[0], 36);
	T_EQ_INT(c.hits[4], 36);
	T_EQ_INT(c.hits[1], 76);
	T_EQ_INT(c.hits[2], 32);
	T_EQ_INT(c.hits[3], 32);
	T_EQ_INT(c.bad_labels, 0);
	T_CHECK(c.sum[0] == 15.92);
	T_CHECK(c.sum[1] == 136260354048.0);
	T_CHECK(c.sum[2] > 0);
	check_slicing(text, len, 5);
	buf_free(&c.seen);
	free(text);
}

static int
wca_fn(void *ctx, const struct prom_sample *s)
{
	static const struct {
		const char *name;
		const char *labels[3];
	} fam[] = {
		{"wca_node_capacity", {"node", "dim", NULL}},
		{"wca_app_requested", {"app", "dim", NULL}},
		{"wca_app_assigned", {"node", "app", NULL}},
		{"wca_node_pmem", {"node", NULL, NULL}},
		{"wca_node_type", {"node", "nodetype", NULL}},
		{"wca_node_dram_hit_ratio", {"node", NULL, NULL}},
		{"wca_app_profile", {"app", NULL, NULL}},
	};
	struct corpus *c = ctx;
	size_t i;

	c->n++;
	for (i = 0; i < N(fam); i++) {
		if (!prom_span_eq(s->name, fam[i].name))
			continue;
		c->hits[i]++;
		if (!has_labels(s, fam[i].labels))
			c->bad_labels++;
		if (i == 5 && isnan(s->value))
			c->sum[5]++;
		return 0;
	}
	c->bad_labels++;	/* a family the file should not have */
	return 0;
}

static void
test_corpus_wca(void)
{
	struct corpus c;
	char *text;
	size_t len, i;

	if (load_corpus("wca.txt", wca_fn, &c, &text, &len) < 0)
		return;
	T_EQ_INT(c.st.samples, 94);
	T_EQ_INT(c.bad_labels, 0);
	for (i = 0; i < 7; i++) {
		int before = t_failed_checks;

		T_CHECK(c.hits[i] > 0);
		T_CASE(before, "family %zu", i);
	}
	T_EQ_INT(c.hits[0], 30);
	T_EQ_INT(c.hits[1], 36);
	T_CHECK(c.sum[5] == 1);		/* one NaN hit ratio */
	check_slicing(text, len, 5);
	buf_free(&c.seen);
	free(text);
}

static int
federate_fn(void *ctx, const struct prom_sample *s)
{
	struct corpus *c = ctx;

	c->n++;
	if (!s->has_timestamp || s->timestamp_ms < 1732527000000LL)
		c->bad_labels++;
	if (prom_span_eq(s->name, "node_capacity"))
		c->hits[0]++;
	else if (prom_span_eq(s->name, "app_req"))
		c->hits[1]++;
	else if (prom_span_eq(s->name, "platform_dram_hit_ratio")) {
		c->hits[2]++;
		if (prom_label_get(s, "socket") == NULL)
			c->bad_labels++;
	} else if (prom_span_eq(s->name, "instance:node_cpu:ratio")) {
		c->hits[3]++;
		if (prom_span_eq(*prom_label_get(s, "node"), "node101"))
			c->sum[3] = s->value;
	} else if (prom_span_eq(s->name, "wca_node_utilization")) {
		const struct prom_span *op = prom_label_get(s, "operator");

		c->hits[4]++;
		if (op == NULL || prom_label_get(s, "resource") == NULL)
			c->bad_labels++;
		else if (prom_span_eq(*op, "AVG"))
			c->hits[5]++;
	}
	return 0;
}

static void
test_corpus_wca_federate(void)
{
	struct corpus c;
	char *text;
	size_t len;

	if (load_corpus("wca-federate.txt", federate_fn, &c, &text,
	    &len) < 0)
		return;
	T_EQ_INT(c.st.samples, 121);
	T_EQ_INT(c.bad_labels, 0);
	T_EQ_INT(c.hits[0], 30);
	T_EQ_INT(c.hits[1], 36);
	T_EQ_INT(c.hits[2], 4);
	T_EQ_INT(c.hits[3], 5);
	T_CHECK(c.sum[3] == 0.4123456789012346);
	T_EQ_INT(c.hits[4], 30);
	T_EQ_INT(c.hits[5], 10);
	check_slicing(text, len, 5);
	buf_free(&c.seen);
	free(text);
}

T_SUITE(
	{"names", test_names},
	{"labels", test_labels},
	{"escapes", test_escapes},
	{"utf8", test_utf8},
	{"value_scan_positions", test_value_scan_positions},
	{"values", test_values},
	{"timestamps", test_timestamps},
	{"skipped", test_skipped},
	{"crlf", test_crlf},
	{"label_get", test_label_get},
	{"feed_whole", test_feed_whole},
	{"feed_slices", test_feed_slices},
	{"feed_partial", test_feed_partial},
	{"feed_budget", test_feed_budget},
	{"feed_stop", test_feed_stop},
	{"feed_malformed", test_feed_malformed},
	{"feed_crlf", test_feed_crlf},
	{"feed_long_line", test_feed_long_line},
	{"numbers_vs_strtod", test_numbers_vs_strtod},
	{"locale", test_locale},
	{"corpus_node_exporter", test_corpus_node_exporter},
	{"corpus_kube_state_metrics", test_corpus_kube_state_metrics},
	{"corpus_wca", test_corpus_wca},
	{"corpus_wca_federate", test_corpus_wca_federate}
)
