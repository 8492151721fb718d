/*
 * promtext: Prometheus text exposition format 0.0.4 parser.
 *
 * Pure module: no I/O, no globals.  Line-oriented and resumable: the
 * scraper hands it a scrape in slices as the bytes arrive, with a budget
 * of lines per call, so that parsing a large target never stalls the
 * event loop.  Results are spans into the caller's buffer (borrowed,
 * valid until the next call on the same parser), except label values
 * that held escapes, which are unescaped into the parser's scratch.
 *
 * The grammar is what Prometheus's own parsers accept:
 *
 *   line    = [blanks] ( "#" anything | sample ) [blanks] [CR]
 *   sample  = name [blanks] ["{" [blanks] [label {[blanks] "," [blanks]
 *             label} [blanks] [","]] [blanks] "}"] [blanks] value
 *             [blanks timestamp]
 *   name    = [a-zA-Z_:][a-zA-Z0-9_:]*
 *   label   = lname [blanks] "=" [blanks] '"' escaped-utf8 '"'
 *   lname   = [a-zA-Z_][a-zA-Z0-9_]*, not "__name__"
 *   value   = what Go's strconv.ParseFloat takes, less hex and '_':
 *             [+-] (digits ["." [digits]] | "." digits) [(e|E) [+-] digits],
 *             NaN, [+-]Inf, [+-]Infinity (case-insensitive); a finite
 *             number too large for a double is an error, one too small
 *             rounds to 0 or a subnormal, as in Go
 *   timestamp = [+-] digits, milliseconds, fits int64
 *   blanks  = SP and HTAB
 *
 * Label value escapes are \\ \" and \n only; another escape, a raw LF or
 * invalid UTF-8 (overlong forms, surrogates, > U+10FFFF) is an error, as
 * are a repeated label name and more than PROM_MAX_LABELS labels.
 * Numbers are correctly rounded: bit-identical to strtod(), without its
 * locale dependence.
 *
 * Choices where the two Go parsers (expfmt, and the scrape path's
 * textparse) differ or where we differ from both:
 * - Like both, no blank is needed between the name or "}" and the value
 *   ("up+1" is up = 1); blanks are needed before the timestamp.
 * - Like textparse, blanks after the value or timestamp are accepted.
 * - Like expfmt, timestamps may carry a sign, and "__name__" is refused.
 * - A CR before the LF is dropped (neither Go parser accepts CR LF).
 * - Every line starting with "#" is skipped, HELP and TYPE included, and
 *   is never an error: the metric type does not change how a series is
 *   read.  Histograms and summaries come out as their plain series
 *   (name_bucket{le="+Inf"}, name{quantile="0.99"}, name_sum, ...); "le"
 *   and "quantile" are ordinary labels here, not checked to be numbers.
 */
#ifndef WCA_PROMTEXT_H
#define WCA_PROMTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define PROM_MAX_LABELS	64	/* more on one line: malformed */
#define PROM_BAD_KEPT	8	/* malformed lines prom_feed keeps */

struct prom_span {
	const char *p;
	size_t n;
};

struct prom_label {
	struct prom_span name;
	struct prom_span value;		/* unescaped */
};

struct prom_sample {
	struct prom_span name;		/* as written, with suffixes */
	struct prom_label labels[PROM_MAX_LABELS];  /* in line order */
	size_t nlabels;
	double value;			/* NaN and +-Inf included */
	int has_timestamp;
	int64_t timestamp_ms;
};

enum prom_line_result {
	PROM_ERROR = -1,
	PROM_SKIP = 0,			/* blank or comment line */
	PROM_SAMPLE = 1
};

struct prom_bad_line {
	uint64_t line;			/* 1-based */
	size_t col;			/* 1-based byte column */
	const char *why;		/* static string */
};

/* Counters kept by prom_feed() since init or reset. */
struct prom_stats {
	uint64_t lines;			/* consumed, of every kind */
	uint64_t samples;
	uint64_t skipped;		/* blank and comment lines */
	uint64_t malformed;
	struct prom_bad_line bad[PROM_BAD_KEPT];  /* the first ones */
};

struct prom_parser {
	struct buf scratch;		/* unescaped values of a line */
	struct prom_stats st;
	size_t col;			/* after PROM_ERROR: column */
	size_t scanned;			/* bytes past *pos without LF */
};

void prom_parser_init(struct prom_parser *p);
void prom_parser_free(struct prom_parser *p);
/*
 * Start a new document: counters to zero, the scratch memory kept.  Call
 * it before feeding a new scrape to a parser that has fed another.
 */
void prom_parser_reset(struct prom_parser *p);

/*
 * Parse one line, line[0..len) without its LF (a final CR is dropped).
 * Returns PROM_SAMPLE with *out filled, PROM_SKIP for a blank, white or
 * comment line, or PROM_ERROR with *why (a static string) and p->col
 * set.  *out is unspecified unless PROM_SAMPLE; its spans point into
 * line and p->scratch, valid until the next call on p.
 */
int prom_parse_line(struct prom_parser *p, const char *line, size_t len,
    struct prom_sample *out, const char **why);

/* Called by prom_feed() for each sample: 0 to go on, non-zero to stop. */
typedef int (*prom_sample_fn)(void *ctx, const struct prom_sample *s);

enum prom_feed_result {
	PROM_FEED_END = 0,	/* no complete line left at *pos */
	PROM_FEED_BUDGET,	/* max_lines consumed, a line is waiting */
	PROM_FEED_STOPPED	/* fn returned non-zero */
};

/*
 * Parse the complete lines of buf[0..len) from *pos on, at most
 * max_lines of them (0: no limit), and call fn (when non-NULL) with each
 * sample.  Blank and comment lines count against the budget too.
 * Malformed lines are counted in p->st (the first PROM_BAD_KEPT with
 * line number, column and reason) and skipped.  *pos advances past every
 * line consumed; after PROM_FEED_STOPPED it is past the line of the
 * sample fn refused.  A last line without LF is parsed only when final
 * is non-zero; otherwise it waits, and PROM_FEED_END leaves *pos at its
 * start.  With final set, PROM_FEED_END means the document is done
 * (*pos == len).
 *
 * Between calls the bytes from *pos on must stay as they were, though
 * they may move (the caller may drop consumed bytes and rebase *pos):
 * the parser remembers how far past *pos it has already looked for LF,
 * so that a long line arriving in small pieces is not rescanned (hence
 * prom_parser_reset() between documents).
 */
int prom_feed(struct prom_parser *p, const char *buf, size_t len,
    size_t *pos, int final, size_t max_lines, prom_sample_fn fn, void *ctx);

/* The value of the first label called name, or NULL. */
const struct prom_span *prom_label_get(const struct prom_sample *s,
    const char *name);

/* Does the span equal the C string s? */
int prom_span_eq(struct prom_span sp, const char *s);

#endif
