/*
 * test_http: the request-head parser, the chunked decoder and the
 * response-head writer.
 *
 * Every head that parses is also fed one byte at a time and split at
 * every point, because TLS and TCP hand us arbitrary pieces: each proper
 * prefix must say "more" and the final answer must not depend on the
 * cut.  Buffers are allocated at their exact length so that the
 * sanitizer build catches any read past what the parser was given.
 */
#include "http.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"

#define MAX_HEAD	8192

#define T_SPAN(s, str) do {						\
	struct http_span t_s_ = (s);					\
	const char *t_str_ = (str);					\
	T_EQ_MEM(t_s_.p, t_s_.n, t_str_, strlen(t_str_));		\
} while (0)

struct fx {
	char *buf;		/* the whole-parse copy the spans point into */
	size_t len;
	long r;
	int status;
	const char *reason;
	struct http_request req;
};

static char *
dup_mem(const char *p, size_t n)
{
	char *q = xmalloc(n);

	if (n > 0)
		memcpy(q, p, n);
	return q;
}

static int
span_same(struct http_span a, struct http_span b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

static int
req_same(const struct http_request *a, const struct http_request *b)
{
	size_t i;

	if (!span_same(a->method_name, b->method_name) ||
	    a->method != b->method || !span_same(a->target, b->target) ||
	    !span_same(a->path, b->path) || !span_same(a->query, b->query) ||
	    a->minor != b->minor || a->nheaders != b->nheaders ||
	    a->has_length != b->has_length ||
	    a->content_length != b->content_length ||
	    a->chunked != b->chunked || a->keep_alive != b->keep_alive ||
	    a->expect_continue != b->expect_continue)
		return 0;
	for (i = 0; i < a->nheaders; i++)
		if (!span_same(a->headers[i].name, b->headers[i].name) ||
		    !span_same(a->headers[i].value, b->headers[i].value))
			return 0;
	return 1;
}

/* Grow the buffer one byte per call, as a dripping client would. */
static void
check_drip(const struct fx *f, const char *raw, size_t n, size_t max_head)
{
	struct http_request *req = xmalloc(sizeof(*req));
	char *b = NULL;
	size_t len, scan = 0, prev_scan = 0;
	long r = HTTP_PARSE_MORE;
	int status = 0;
	const char *reason = NULL;

	for (len = 0; len <= n; len++) {
		b = xrealloc(b, len);
		if (len > 0)
			b[len - 1] = raw[len - 1];
		r = http_parse_head(b, len, &scan, max_head, req, &status,
		    &reason);
		if (r != HTTP_PARSE_MORE)
			break;
		T_CHECK(scan <= len);
		T_CHECK(scan >= prev_scan);
		prev_scan = scan;
	}
	if (f->r > 0) {
		T_EQ_INT(r, f->r);
		T_EQ_INT(len, f->r);
		if (r == f->r) {
			T_CHECK(req_same(req, &f->req));
			T_CHECK(memcmp(b, f->buf, (size_t)r) == 0);
		}
	} else if (f->r == HTTP_PARSE_ERROR) {
		T_EQ_INT(r, HTTP_PARSE_ERROR);
		T_EQ_INT(status, f->status);
		T_CHECK(reason != NULL);
	} else
		T_EQ_INT(r, HTTP_PARSE_MORE);
	free(b);
	free(req);
}

/* Two reads: raw[0..k) then all of it, for every k. */
static void
check_splits(const struct fx *f, const char *raw, size_t n, size_t max_head)
{
	struct http_request *req = xmalloc(sizeof(*req));
	char *b;
	size_t k, scan;
	long r;
	int status, ok;
	const char *reason;

	for (k = 0; k <= n; k++) {
		b = dup_mem(raw, k);
		scan = 0;
		ok = 1;
		r = http_parse_head(b, k, &scan, max_head, req, &status,
		    &reason);
		if ((long)k < f->r) {
			ok &= r == HTTP_PARSE_MORE;
			b = xrealloc(b, n);
			memcpy(b + k, raw + k, n - k);
			r = http_parse_head(b, n, &scan, max_head, req,
			    &status, &reason);
		}
		ok &= r == f->r;
		if (r == f->r)
			ok &= req_same(req, &f->req) &&
			    memcmp(b, f->buf, (size_t)r) == 0;
		if (!ok)
			printf("#   split at %zu of %zu\n", k, n);
		T_CHECK(ok);
		free(b);
	}
	free(req);
}

/* Three reads: raw[0..j), raw[0..k), all of it, for every j <= k. */
static void
check_splits3(const struct fx *f, const char *raw, size_t n, size_t max_head)
{
	struct http_request *req = xmalloc(sizeof(*req));
	char *b;
	size_t j, k, scan;
	long r;
	int status, ok, bad = 0;
	const char *reason;

	for (j = 0; j <= n; j++) {
		for (k = j; k <= n; k++) {
			b = dup_mem(raw, n);
			scan = 0;
			ok = 1;
			r = http_parse_head(b, j, &scan, max_head, req, &status,
			    &reason);
			if ((long)j < f->r) {
				ok &= r == HTTP_PARSE_MORE;
				r = http_parse_head(b, k, &scan, max_head, req,
				    &status, &reason);
				if ((long)k < f->r) {
					ok &= r == HTTP_PARSE_MORE;
					r = http_parse_head(b, n, &scan,
					    max_head, req, &status, &reason);
				}
			}
			ok &= r == f->r && req_same(req, &f->req);
			if (!ok && bad++ < 5)
				printf("#   splits at %zu, %zu of %zu\n", j, k,
				    n);
			T_CHECK(ok);
			free(b);
		}
	}
	free(req);
}

static long
fx_parse_n(struct fx *f, const char *raw, size_t n, size_t max_head)
{
	size_t scan = 0;

	f->buf = dup_mem(raw, n);
	f->len = n;
	f->status = 0;
	f->reason = NULL;
	f->r = http_parse_head(f->buf, n, &scan, max_head, &f->req,
	    &f->status, &f->reason);
	check_drip(f, raw, n, max_head);
	if (f->r > 0)
		check_splits(f, raw, n, max_head);
	return f->r;
}

static long
fx_parse(struct fx *f, const char *raw)
{
	return fx_parse_n(f, raw, strlen(raw), MAX_HEAD);
}

static void
fx_free(struct fx *f)
{
	free(f->buf);
	f->buf = NULL;
}

/* A head that must parse whole, and whose derived fields are checked. */
static void
ok_head(struct fx *f, const char *raw)
{
	long r = fx_parse(f, raw);

	if (r <= 0)
		printf("#   \"%s\": r=%ld status=%d reason=%s\n", raw, r,
		    f->status, f->reason ? f->reason : "(null)");
	T_EQ_INT(r, (long)strlen(raw));
}

/* A head (given with its length: it may hold NULs) that must fail. */
static void
bad_head_n(const char *raw, size_t n, int status)
{
	struct fx f;
	long r = fx_parse_n(&f, raw, n, MAX_HEAD);

	if (r != HTTP_PARSE_ERROR || f.status != status)
		printf("#   \"%.*s\": r=%ld status=%d, expected %d\n", (int)n,
		    raw, r, f.status, status);
	T_EQ_INT(r, HTTP_PARSE_ERROR);
	T_EQ_INT(f.status, status);
	fx_free(&f);
}

static void
bad_head(const char *raw, int status)
{
	bad_head_n(raw, strlen(raw), status);
}

static int
has_reason(const struct fx *f, const char *part)
{
	return f->reason != NULL && strstr(f->reason, part) != NULL;
}

/* ---- request line ---- */

static void
test_get_minimal(void)
{
	struct fx f;

	ok_head(&f, "GET / HTTP/1.1\r\n\r\n");
	T_SPAN(f.req.method_name, "GET");
	T_EQ_INT(f.req.method, HTTP_GET);
	T_SPAN(f.req.target, "/");
	T_SPAN(f.req.path, "/");
	T_EQ_INT(f.req.query.n, 0);
	T_EQ_INT(f.req.minor, 1);
	T_EQ_INT(f.req.nheaders, 0);
	T_EQ_INT(f.req.has_length, 0);
	T_EQ_INT(f.req.content_length, 0);
	T_EQ_INT(f.req.chunked, 0);
	T_EQ_INT(f.req.keep_alive, 1);
	T_EQ_INT(f.req.expect_continue, 0);
	/* Spans borrow the caller's buffer, they are not copies. */
	T_CHECK(f.req.method_name.p == f.buf);
	T_CHECK(f.req.target.p == f.buf + 4);
	fx_free(&f);
}

static void
test_get_metrics(void)
{
	struct fx f;

	ok_head(&f, "GET /metrics HTTP/1.1\r\n"
	    "Host: 10.0.0.1:31800\r\n"
	    "User-Agent: Prometheus/2.40.0\r\n"
	    "Accept: text/plain;version=0.0.4;q=1,*/*;q=0.1\r\n"
	    "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n"
	    "\r\n");
	T_EQ_INT(f.req.method, HTTP_GET);
	T_SPAN(f.req.path, "/metrics");
	T_EQ_INT(f.req.nheaders, 4);
	T_SPAN(f.req.headers[0].name, "Host");
	T_SPAN(f.req.headers[0].value, "10.0.0.1:31800");
	T_SPAN(f.req.headers[2].name, "Accept");
	T_SPAN(f.req.headers[2].value,
	    "text/plain;version=0.0.4;q=1,*/*;q=0.1");
	T_SPAN(f.req.headers[3].value, "10");
	T_EQ_INT(f.req.keep_alive, 1);
	T_EQ_INT(f.req.has_length, 0);
	fx_free(&f);
}

static void
test_post_filter(void)
{
	static const char head[] = "POST /scheduler/filter HTTP/1.1\r\n"
	    "Host: 10.0.0.1:31800\r\n"
	    "User-Agent: kube-scheduler/v1.24.0 (linux/amd64)\r\n"
	    "Content-Length: 1234\r\n"
	    "Content-Type: application/json\r\n"
	    "Accept-Encoding: gzip\r\n"
	    "\r\n";
	char raw[256];
	struct fx f;

	/* The body follows in the same read: the head length excludes it. */
	snprintf(raw, sizeof(raw), "%s{\"Pod\":{}}", head);
	T_EQ_INT(fx_parse(&f, raw), (long)strlen(head));
	T_SPAN(f.req.method_name, "POST");
	T_EQ_INT(f.req.method, HTTP_POST);
	T_SPAN(f.req.path, "/scheduler/filter");
	T_EQ_INT(f.req.minor, 1);
	T_EQ_INT(f.req.nheaders, 5);
	T_EQ_INT(f.req.has_length, 1);
	T_EQ_INT(f.req.content_length, 1234);
	T_EQ_INT(f.req.chunked, 0);
	T_EQ_INT(f.req.keep_alive, 1);
	T_EQ_INT(f.req.expect_continue, 0);
	T_SPAN(f.req.headers[1].value,
	    "kube-scheduler/v1.24.0 (linux/amd64)");
	T_CHECK(memcmp(f.buf + f.r, "{\"Pod\":{}}", 10) == 0);
	fx_free(&f);
}

static void
test_post_expect_continue(void)
{
	struct fx f;

	ok_head(&f, "POST /prioritize HTTP/1.1\r\n"
	    "Host: x\r\n"
	    "Content-Length: 10\r\n"
	    "Expect: 100-continue\r\n"
	    "\r\n");
	T_EQ_INT(f.req.expect_continue, 1);
	T_EQ_INT(f.req.has_length, 1);
	T_EQ_INT(f.req.content_length, 10);
	T_EQ_INT(f.req.keep_alive, 1);
	fx_free(&f);
}

static void
test_post_chunked(void)
{
	struct fx f;

	ok_head(&f, "POST /filter HTTP/1.1\r\n"
	    "Host: x\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "Connection: close\r\n"
	    "\r\n");
	T_EQ_INT(f.req.method, HTTP_POST);
	T_EQ_INT(f.req.chunked, 1);
	T_EQ_INT(f.req.has_length, 0);
	T_EQ_INT(f.req.keep_alive, 0);
	fx_free(&f);

	/* Codings are case-insensitive and the value is trimmed. */
	ok_head(&f, "POST / HTTP/1.1\r\nTransfer-Encoding:  Chunked \t\r\n"
	    "\r\n");
	T_EQ_INT(f.req.chunked, 1);
	fx_free(&f);
	ok_head(&f, "POST / HTTP/1.1\r\ntransfer-encoding: CHUNKED\r\n\r\n");
	T_EQ_INT(f.req.chunked, 1);
	fx_free(&f);
}

static void
test_query_split(void)
{
	struct fx f;

	ok_head(&f, "GET /status?verbose=1&x=%20y HTTP/1.1\r\n\r\n");
	T_SPAN(f.req.target, "/status?verbose=1&x=%20y");
	T_SPAN(f.req.path, "/status");
	T_SPAN(f.req.query, "verbose=1&x=%20y");
	fx_free(&f);

	ok_head(&f, "GET /a? HTTP/1.1\r\n\r\n");
	T_SPAN(f.req.path, "/a");
	T_EQ_INT(f.req.query.n, 0);
	fx_free(&f);

	/* Only the first '?' splits. */
	ok_head(&f, "GET /a?b?c HTTP/1.1\r\n\r\n");
	T_SPAN(f.req.path, "/a");
	T_SPAN(f.req.query, "b?c");
	fx_free(&f);
}

static void
test_http10_default_close(void)
{
	struct fx f;

	ok_head(&f, "GET /healthz HTTP/1.0\r\n\r\n");
	T_EQ_INT(f.req.minor, 0);
	T_EQ_INT(f.req.keep_alive, 0);
	fx_free(&f);

	ok_head(&f, "POST /filter HTTP/1.0\r\nContent-Length: 2\r\n\r\n");
	T_EQ_INT(f.req.minor, 0);
	T_EQ_INT(f.req.keep_alive, 0);
	T_EQ_INT(f.req.has_length, 1);
	T_EQ_INT(f.req.content_length, 2);
	fx_free(&f);

	/* An unrelated Connection option keeps the 1.0 default. */
	ok_head(&f, "GET / HTTP/1.0\r\nConnection: TE\r\n\r\n");
	T_EQ_INT(f.req.keep_alive, 0);
	fx_free(&f);
}

static void
test_http10_keep_alive(void)
{
	struct fx f;

	ok_head(&f, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	T_EQ_INT(f.req.minor, 0);
	T_EQ_INT(f.req.keep_alive, 1);
	fx_free(&f);

	ok_head(&f, "GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n");
	T_EQ_INT(f.req.keep_alive, 1);
	fx_free(&f);

	/* close wins, whatever the order. */
	ok_head(&f, "GET / HTTP/1.0\r\nConnection: close, keep-alive\r\n\r\n");
	T_EQ_INT(f.req.keep_alive, 0);
	fx_free(&f);
	ok_head(&f, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n"
	    "Connection: close\r\n\r\n");
	T_EQ_INT(f.req.keep_alive, 0);
	fx_free(&f);
}

static void
test_http11_connection(void)
{
	struct fx f;

	ok_head(&f, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
	T_EQ_INT(f.req.keep_alive, 0);
	fx_free(&f);

	ok_head(&f, "GET / HTTP/1.1\r\nConnection: CLOSE\r\n\r\n");
	T_EQ_INT(f.req.keep_alive, 0);
	fx_free(&f);

	ok_head(&f, "GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n");
	T_EQ_INT(f.req.keep_alive, 1);
	fx_free(&f);

	ok_head(&f, "GET / HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings"
	    "\r\n\r\n");
	T_EQ_INT(f.req.keep_alive, 1);
	fx_free(&f);

	/* Tokens spread over several fields, empty elements ignored. */
	ok_head(&f, "GET / HTTP/1.1\r\nConnection: te\r\n"
	    "Connection: ,, foo ,close ,\r\n\r\n");
	T_EQ_INT(f.req.keep_alive, 0);
	fx_free(&f);

	/* "closed" or "close-ish" are other tokens, not close. */
	ok_head(&f, "GET / HTTP/1.1\r\nConnection: closed, xclose\r\n\r\n");
	T_EQ_INT(f.req.keep_alive, 1);
	fx_free(&f);
}

static void
test_expect_variants(void)
{
	struct fx f;

	ok_head(&f, "POST / HTTP/1.1\r\nContent-Length: 1\r\n"
	    "Expect: 100-Continue\r\n\r\n");
	T_EQ_INT(f.req.expect_continue, 1);
	fx_free(&f);

	ok_head(&f, "POST / HTTP/1.1\r\nContent-Length: 1\r\n"
	    "EXPECT:100-CONTINUE   \r\n\r\n");
	T_EQ_INT(f.req.expect_continue, 1);
	fx_free(&f);

	/* Other expectations are ignored, not refused. */
	ok_head(&f, "POST / HTTP/1.1\r\nContent-Length: 1\r\n"
	    "Expect: 200-ok\r\n\r\n");
	T_EQ_INT(f.req.expect_continue, 0);
	fx_free(&f);

	ok_head(&f, "POST / HTTP/1.1\r\nContent-Length: 1\r\n"
	    "Expect: 100-continuex\r\n\r\n");
	T_EQ_INT(f.req.expect_continue, 0);
	fx_free(&f);

	/* A 1.0 client cannot expect a 100. */
	ok_head(&f, "POST / HTTP/1.0\r\nContent-Length: 1\r\n"
	    "Expect: 100-continue\r\n\r\n");
	T_EQ_INT(f.req.expect_continue, 0);
	fx_free(&f);
}

static void
test_header_names_case_insensitive(void)
{
	struct fx f;

	ok_head(&f, "POST / HTTP/1.1\r\ncontent-length: 7\r\n"
	    "CONNECTION: Close\r\n\r\n");
	T_EQ_INT(f.req.has_length, 1);
	T_EQ_INT(f.req.content_length, 7);
	T_EQ_INT(f.req.keep_alive, 0);
	fx_free(&f);

	ok_head(&f, "POST / HTTP/1.1\r\nCoNtEnT-LeNgTh: 8\r\n\r\n");
	T_EQ_INT(f.req.content_length, 8);
	fx_free(&f);

	ok_head(&f, "POST / HTTP/1.1\r\nTRANSFER-ENCODING: chunked\r\n\r\n");
	T_EQ_INT(f.req.chunked, 1);
	fx_free(&f);
}

static void
test_header_get(void)
{
	struct fx f;
	const struct http_header *h;

	ok_head(&f, "GET / HTTP/1.1\r\n"
	    "Host: a\r\n"
	    "X-Dup: first\r\n"
	    "Content-Type: application/json\r\n"
	    "x-dup: second\r\n"
	    "\r\n");
	h = http_header_get(&f.req, "content-type");
	T_CHECK(h != NULL);
	if (h != NULL)
		T_SPAN(h->value, "application/json");
	h = http_header_get(&f.req, "HOST");
	T_CHECK(h != NULL);
	if (h != NULL) {
		T_SPAN(h->name, "Host");
		T_SPAN(h->value, "a");
	}
	/* The first of several, whatever their case. */
	h = http_header_get(&f.req, "X-DUP");
	T_CHECK(h == &f.req.headers[1]);
	if (h != NULL)
		T_SPAN(h->value, "first");
	T_CHECK(http_header_get(&f.req, "Content-Length") == NULL);
	T_CHECK(http_header_get(&f.req, "Hos") == NULL);
	T_CHECK(http_header_get(&f.req, "Hostx") == NULL);
	T_CHECK(http_header_get(&f.req, "") == NULL);
	fx_free(&f);
}

/* ---- Content-Length ---- */

static void
test_content_length_duplicates_equal(void)
{
	struct fx f;

	ok_head(&f, "POST / HTTP/1.1\r\nContent-Length: 5\r\n"
	    "Content-Length: 5\r\n\r\n");
	T_EQ_INT(f.req.has_length, 1);
	T_EQ_INT(f.req.content_length, 5);
	fx_free(&f);

	ok_head(&f, "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n");
	T_EQ_INT(f.req.content_length, 5);
	fx_free(&f);

	ok_head(&f, "POST / HTTP/1.1\r\nContent-Length: 5,5 ,  5\r\n"
	    "content-length: 05\r\n\r\n");
	T_EQ_INT(f.req.content_length, 5);
	fx_free(&f);
}

static void
test_content_length_values(void)
{
	struct fx f;

	ok_head(&f, "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
	T_EQ_INT(f.req.has_length, 1);
	T_EQ_INT(f.req.content_length, 0);
	fx_free(&f);

	ok_head(&f, "POST / HTTP/1.1\r\nContent-Length: 007\r\n\r\n");
	T_EQ_INT(f.req.content_length, 7);
	fx_free(&f);

	/* 19 digits is the most we take, and it cannot overflow. */
	ok_head(&f, "POST / HTTP/1.1\r\nContent-Length: 9999999999999999999"
	    "\r\n\r\n");
	T_CHECK(f.req.content_length == UINT64_C(9999999999999999999));
	fx_free(&f);

	ok_head(&f, "POST / HTTP/1.1\r\nContent-Length: 2097152\r\n\r\n");
	T_EQ_INT(f.req.content_length, 2097152);
	fx_free(&f);
}

static void
test_content_length_invalid(void)
{
	static const char *const vals[] = {
		"", "abc", "-1", "+5", "5 5", "5,", ",5", "5,,5", "0x10",
		"1e3", "5.0", "5;", "\"5\"",
		"18446744073709551615", "18446744073709551616",
		"00000000000000000001", "99999999999999999999999"
	};
	char raw[128];
	size_t i;
	struct fx f;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		snprintf(raw, sizeof(raw),
		    "POST / HTTP/1.1\r\nContent-Length: %s\r\n\r\n", vals[i]);
		bad_head(raw, 400);
	}
	T_EQ_INT(fx_parse(&f, "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
	    HTTP_PARSE_ERROR);
	T_CHECK(has_reason(&f, "Content-Length"));
	fx_free(&f);
}

static void
test_content_length_conflict(void)
{
	bad_head("POST / HTTP/1.1\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n", 400);
	bad_head("POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", 400);
	bad_head("POST / HTTP/1.1\r\nContent-Length: 5\r\nHost: x\r\n"
	    "content-length: 50\r\n\r\n", 400);
	bad_head("POST / HTTP/1.1\r\nContent-Length: 5\r\n"
	    "Content-Length: 5, 4\r\n\r\n", 400);
}

/* ---- Transfer-Encoding ---- */

static void
test_cl_and_te(void)
{
	struct fx f;

	T_EQ_INT(fx_parse(&f, "POST / HTTP/1.1\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"), HTTP_PARSE_ERROR);
	T_EQ_INT(f.status, 400);
	T_EQ_STR(f.reason, "both Content-Length and Transfer-Encoding");
	fx_free(&f);

	T_EQ_INT(fx_parse(&f, "POST / HTTP/1.1\r\n"
	    "Transfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n"),
	    HTTP_PARSE_ERROR);
	T_EQ_INT(f.status, 400);
	T_EQ_STR(f.reason, "both Content-Length and Transfer-Encoding");
	fx_free(&f);
}

static void
test_te_unsupported(void)
{
	static const char *const vals[] = {
		"gzip", "chunked, chunked", "gzip, chunked", "chunked, gzip",
		"", " ", "chunked,", ",chunked", "chunked;q=1", "chunkedx",
		"identity", "\"chunked\""
	};
	char raw[128];
	size_t i;
	struct fx f;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		snprintf(raw, sizeof(raw),
		    "POST / HTTP/1.1\r\nTransfer-Encoding: %s\r\n\r\n",
		    vals[i]);
		bad_head(raw, 400);
	}
	/* Codings add up over repeated fields. */
	bad_head("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400);
	bad_head("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400);

	T_EQ_INT(fx_parse(&f, "POST / HTTP/1.1\r\nTransfer-Encoding: gzip"
	    "\r\n\r\n"), HTTP_PARSE_ERROR);
	T_EQ_STR(f.reason, "unsupported transfer coding");
	fx_free(&f);
}

static void
test_te_http10(void)
{
	struct fx f;

	T_EQ_INT(fx_parse(&f, "POST / HTTP/1.0\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"), HTTP_PARSE_ERROR);
	T_EQ_INT(f.status, 400);
	T_CHECK(has_reason(&f, "HTTP/1.0"));
	fx_free(&f);
}

/* ---- line ends and bytes ---- */

static void
test_bare_lf(void)
{
	struct fx f;

	/* LF without CR is a 400 wherever it is, request line, field or
	 * terminator: a proxy that reads it differently is how a second
	 * request hides inside the first. */
	bad_head("GET /a HTTP/1.1\nHost: x\nContent-Length: 3\n\n", 400);
	bad_head("GET / HTTP/1.1\r\nA: 1\nB: 2\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nA: 1\r\n\n", 400);
	bad_head("GET / HTTP/1.0\n\n", 400);
	bad_head("G\nET / HTTP/1.1\r\n\r\n", 400);
	bad_head("\nGET / HTTP/1.1\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nX-A: one\n\ttwo\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nContent-Length: 0\r\n\nGET /x "
	    "HTTP/1.1\r\n\r\n", 400);

	/* Caught as it arrives, not after waiting for a terminator. */
	T_EQ_INT(fx_parse(&f, "GET / HTTP/1.1\nHost: a"), HTTP_PARSE_ERROR);
	T_EQ_INT(f.status, 400);
	fx_free(&f);
}

static void
test_bare_cr(void)
{
	struct fx f;

	bad_head("GET / HTTP/1.1\rHost: x\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nHost: x\r\r\n\r\n", 400);
	bad_head("GET /\r HTTP/1.1\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nA: 1\r\n\r\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nA: 1\r\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\n\r\r\n", 400);
	bad_head("\r\rGET / HTTP/1.1\r\n\r\n", 400);
	bad_head("\r\n\rGET / HTTP/1.1\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nX\r: 1\r\n\r\n", 400);

	/* Caught as it arrives, not after waiting for a terminator. */
	T_EQ_INT(fx_parse(&f, "GET / HTTP/1.1\r\nHost: a\rb"),
	    HTTP_PARSE_ERROR);
	T_EQ_INT(f.status, 400);
	T_CHECK(has_reason(&f, "CR"));
	fx_free(&f);

	/* A CR at the end of what arrived may still be followed by LF. */
	T_EQ_INT(fx_parse(&f, "GET / HTTP/1.1\r\nHost: a\r"), HTTP_PARSE_MORE);
	fx_free(&f);
	T_EQ_INT(fx_parse(&f, "\r"), HTTP_PARSE_MORE);
	fx_free(&f);
}

static void
test_bad_value_bytes(void)
{
	static const char nul[] = "GET / HTTP/1.1\r\nX-A: a\0b\r\n\r\n";
	static const char nul_end[] = "GET / HTTP/1.1\r\nX-A: ab\0\r\n\r\n";
	struct fx f;

	bad_head_n(nul, sizeof(nul) - 1, 400);
	bad_head_n(nul_end, sizeof(nul_end) - 1, 400);
	bad_head("GET / HTTP/1.1\r\nX-A: a\x01" "b\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nX-A: a\x7f\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nX-A: \x1b[0m\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nX-A: a\x0b\r\n\r\n", 400);

	T_EQ_INT(fx_parse_n(&f, nul, sizeof(nul) - 1, MAX_HEAD),
	    HTTP_PARSE_ERROR);
	T_CHECK(has_reason(&f, "header value"));
	fx_free(&f);
}

static void
test_bad_target_bytes(void)
{
	static const char nul[] = "GET /a\0b HTTP/1.1\r\n\r\n";
	static const char nul_first[] = "GET \0 HTTP/1.1\r\n\r\n";
	struct fx f;

	bad_head_n(nul, sizeof(nul) - 1, 400);
	bad_head_n(nul_first, sizeof(nul_first) - 1, 400);
	bad_head("GET /a\tb HTTP/1.1\r\n\r\n", 400);
	bad_head("GET /a\x7f HTTP/1.1\r\n\r\n", 400);
	bad_head("GET /\x01 HTTP/1.1\r\n\r\n", 400);
	/* Not ASCII: invalid in a URI, unlike in a field value. */
	bad_head("GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n", 400);

	T_EQ_INT(fx_parse_n(&f, nul, sizeof(nul) - 1, MAX_HEAD),
	    HTTP_PARSE_ERROR);
	T_CHECK(has_reason(&f, "target"));
	fx_free(&f);
}

static void
test_space_before_colon(void)
{
	struct fx f;

	bad_head("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", 400);
	bad_head("POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nX Y: x\r\n\r\n", 400);

	T_EQ_INT(fx_parse(&f, "GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
	    HTTP_PARSE_ERROR);
	T_EQ_STR(f.reason, "white space before colon");
	fx_free(&f);
}

static void
test_empty_header_name(void)
{
	struct fx f;

	bad_head("GET / HTTP/1.1\r\n: x\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nHost: a\r\n:\r\n\r\n", 400);

	T_EQ_INT(fx_parse(&f, "GET / HTTP/1.1\r\n: x\r\n\r\n"),
	    HTTP_PARSE_ERROR);
	T_EQ_STR(f.reason, "empty header name");
	fx_free(&f);
}

static void
test_bad_header_name(void)
{
	static const char nul[] = "GET / HTTP/1.1\r\nHo\0st: x\r\n\r\n";

	bad_head("GET / HTTP/1.1\r\nHost\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nHost x\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nHo(st: x\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nHo\"st: x\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nHo/st: x\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nH\xc3\xa9: x\r\n\r\n", 400);
	bad_head_n(nul, sizeof(nul) - 1, 400);
}

static void
test_valid_header_names(void)
{
	struct fx f;

	/* Every tchar is allowed in a name. */
	ok_head(&f, "GET / HTTP/1.1\r\n"
	    "!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n");
	T_EQ_INT(f.req.nheaders, 1);
	T_SPAN(f.req.headers[0].name, "!#$%&'*+-.^_`|~09azAZ");
	T_SPAN(f.req.headers[0].value, "v");
	fx_free(&f);
}

static void
test_value_trim_and_bytes(void)
{
	struct fx f;

	ok_head(&f, "GET / HTTP/1.1\r\n"
	    "X-Empty:\r\n"
	    "X-Blank: \t \r\n"
	    "X-Trim: \t a b\t \r\n"
	    "X-Tight:v\r\n"
	    "X-Utf8: caf\xc3\xa9\r\n"
	    "X-Inner: a\t\tb  c\r\n"
	    "X-Quote: \"q\\\"x\" (c)\r\n"
	    "\r\n");
	T_EQ_INT(f.req.nheaders, 7);
	T_SPAN(f.req.headers[0].value, "");
	T_SPAN(f.req.headers[1].value, "");
	T_SPAN(f.req.headers[2].value, "a b");
	T_SPAN(f.req.headers[3].value, "v");
	T_SPAN(f.req.headers[4].value, "caf\xc3\xa9");
	T_SPAN(f.req.headers[5].value, "a\t\tb  c");
	T_SPAN(f.req.headers[6].value, "\"q\\\"x\" (c)");
	fx_free(&f);
}

/* ---- obs-fold ---- */

static void
test_obs_fold(void)
{
	struct fx f;
	char *at;

	ok_head(&f, "GET / HTTP/1.1\r\n"
	    "X-A: one\r\n"
	    "  two\r\n"
	    "X-B: b\r\n"
	    "\r\n");
	T_EQ_INT(f.req.nheaders, 2);
	T_SPAN(f.req.headers[0].name, "X-A");
	T_SPAN(f.req.headers[0].value, "one    two");
	T_SPAN(f.req.headers[1].value, "b");
	/* The CR LF was blanked in the buffer itself. */
	at = f.buf + strlen("GET / HTTP/1.1\r\nX-A: ");
	T_CHECK(memcmp(at, "one    two\r\nX-B", 15) == 0);
	fx_free(&f);


	ok_head(&f, "GET / HTTP/1.1\r\nX: a\r\n b\r\n\tc\r\nY: y\r\n\r\n");
	T_EQ_INT(f.req.nheaders, 2);
	T_SPAN(f.req.headers[0].value, "a   b  \tc");
	T_SPAN(f.req.headers[1].value, "y");
	fx_free(&f);

	/* An empty first line: the value is all continuation. */
	ok_head(&f, "GET / HTTP/1.1\r\nX:\r\n  v  \r\n\r\n");
	T_SPAN(f.req.headers[0].value, "v");
	fx_free(&f);

	/* Trailing blanks on both lines stay inside, then are trimmed. */
	ok_head(&f, "GET / HTTP/1.1\r\nX: a  \r\n b \r\n\r\n");
	T_SPAN(f.req.headers[0].value, "a     b");
	fx_free(&f);

	/* A folded field still feeds the derived values. */
	ok_head(&f, "POST / HTTP/1.1\r\nContent-Length:\r\n 42\r\n"
	    "Connection: keep-alive,\r\n close\r\n\r\n");
	T_EQ_INT(f.req.has_length, 1);
	T_EQ_INT(f.req.content_length, 42);
	T_EQ_INT(f.req.keep_alive, 0);
	fx_free(&f);

	/* A fold made only of blanks. */
	ok_head(&f, "GET / HTTP/1.1\r\nX: a\r\n \t \r\n\r\n");
	T_SPAN(f.req.headers[0].value, "a");
	fx_free(&f);
}

static void
test_obs_fold_errors(void)
{
	struct fx f;

	bad_head("GET / HTTP/1.1\r\n X: a\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\n\tX: a\r\nY: b\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nX: a\r\n b\x01\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\r\nX: a\r\n b\rc\r\n\r\n", 400);

	T_EQ_INT(fx_parse(&f, "GET / HTTP/1.1\r\n X: a\r\n\r\n"),
	    HTTP_PARSE_ERROR);
	T_CHECK(has_reason(&f, "obs-fold"));
	fx_free(&f);
}

/* ---- limits ---- */

static char *
many_headers(size_t n)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	buf_adds(&b, "GET / HTTP/1.1\r\n");
	for (i = 0; i < n; i++)
		buf_printf(&b, "X-H%zu: v%zu\r\n", i, i);
	buf_adds(&b, "\r\n");
	buf_addc(&b, '\0');
	return b.p;
}

static void
test_too_many_headers(void)
{
	struct fx f;
	char *raw;

	raw = many_headers(HTTP_MAX_HEADERS);
	ok_head(&f, raw);
	T_EQ_INT(f.req.nheaders, HTTP_MAX_HEADERS);
	T_SPAN(f.req.headers[HTTP_MAX_HEADERS - 1].name, "X-H99");
	T_SPAN(f.req.headers[HTTP_MAX_HEADERS - 1].value, "v99");
	fx_free(&f);
	free(raw);

	raw = many_headers(HTTP_MAX_HEADERS + 1);
	T_EQ_INT(fx_parse(&f, raw), HTTP_PARSE_ERROR);
	T_EQ_INT(f.status, 431);
	fx_free(&f);
	free(raw);

	raw = many_headers(1000);
	bad_head(raw, 431);
	free(raw);
}

static void
test_max_head(void)
{
	static const char raw[] = "GET / HTTP/1.1\r\nX: aaaa\r\n\r\n";
	size_t n = sizeof(raw) - 1, scan;
	struct fx f;
	struct http_request *req = xmalloc(sizeof(*req));
	struct buf b;
	int status;
	const char *reason;

	/* A head of exactly max_head bytes fits; one byte less does not. */
	T_EQ_INT(fx_parse_n(&f, raw, n, n), (long)n);
	fx_free(&f);
	T_EQ_INT(fx_parse_n(&f, raw, n, n - 1), HTTP_PARSE_ERROR);
	T_EQ_INT(f.status, 431);
	T_EQ_STR(f.reason, "request header fields too large");
	fx_free(&f);

	/* Short of max_head and unterminated: wait for more. */
	T_EQ_INT(fx_parse_n(&f, raw, n - 1, n), HTTP_PARSE_MORE);
	fx_free(&f);
	/* At max_head and unterminated: give up. */
	T_EQ_INT(fx_parse_n(&f, raw, n - 1, n - 1), HTTP_PARSE_ERROR);
	T_EQ_INT(f.status, 431);
	fx_free(&f);

	/* A request line longer than max_head is a 400 (not 414). */
	buf_init(&b);
	buf_adds(&b, "GET /");
	while (b.len < MAX_HEAD + 100)
		buf_addc(&b, 'a');
	buf_adds(&b, " HTTP/1.1\r\n\r\n");
	scan = 0;
	T_EQ_INT(http_parse_head(b.p, MAX_HEAD - 1, &scan, MAX_HEAD, req,
	    &status, &reason), HTTP_PARSE_MORE);
	T_EQ_INT(http_parse_head(b.p, MAX_HEAD, &scan, MAX_HEAD, req,
	    &status, &reason), HTTP_PARSE_ERROR);
	T_EQ_INT(status, 400);
	scan = 0;
	T_EQ_INT(http_parse_head(b.p, b.len, &scan, MAX_HEAD, req, &status,
	    &reason), HTTP_PARSE_ERROR);
	T_EQ_INT(status, 400);
	buf_free(&b);

	/* All of it arrived at once, but it ends past max_head. */
	buf_init(&b);
	buf_adds(&b, "GET / HTTP/1.1\r\nX: ");
	while (b.len < MAX_HEAD)
		buf_addc(&b, 'v');
	buf_adds(&b, "\r\n\r\n");
	scan = 0;
	T_EQ_INT(http_parse_head(b.p, b.len, &scan, MAX_HEAD, req, &status,
	    &reason), HTTP_PARSE_ERROR);
	T_EQ_INT(status, 431);
	scan = 0;
	T_EQ_INT(http_parse_head(b.p, b.len, &scan, b.len, req, &status,
	    &reason), (long)b.len);
	buf_free(&b);

	/* Empty lines alone count against the limit. */
	buf_init(&b);
	while (b.len < MAX_HEAD)
		buf_adds(&b, "\r\n");
	scan = 0;
	T_EQ_INT(http_parse_head(b.p, b.len, &scan, MAX_HEAD, req, &status,
	    &reason), HTTP_PARSE_ERROR);
	T_EQ_INT(status, 431);
	buf_free(&b);

	/* Nothing yet. */
	scan = 0;
	T_EQ_INT(http_parse_head(NULL, 0, &scan, MAX_HEAD, req, &status,
	    &reason), HTTP_PARSE_MORE);
	free(req);
}

/* ---- versions and request lines ---- */

static void
test_version_505(void)
{
	struct fx f;

	bad_head("GET / HTTP/2.0\r\n\r\n", 505);
	bad_head("GET / HTTP/1.2\r\n\r\n", 505);
	bad_head("GET / HTTP/0.9\r\n\r\n", 505);
	bad_head("GET / HTTP/3.0\r\nHost: x\r\n\r\n", 505);
	/* The HTTP/2 connection preface, sent in clear. */
	bad_head("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505);

	T_EQ_INT(fx_parse(&f, "GET / HTTP/2.0\r\n\r\n"), HTTP_PARSE_ERROR);
	T_EQ_STR(f.reason, "HTTP version not supported");
	fx_free(&f);
}

static void
test_version_garbage(void)
{
	bad_head("GET / http/1.1\r\n\r\n", 400);
	bad_head("GET / HTTP/1.10\r\n\r\n", 400);
	bad_head("GET / HTTP/1\r\n\r\n", 400);
	bad_head("GET / HTTP/2\r\n\r\n", 400);
	bad_head("GET / HTTP/1.x\r\n\r\n", 400);
	bad_head("GET / HTTP/a.1\r\n\r\n", 400);
	bad_head("GET / HTTP 1.1\r\n\r\n", 400);
	bad_head("GET / HTTPS/1.1\r\n\r\n", 400);
	bad_head("GET / HTTP/1.1 \r\n\r\n", 400);
	bad_head("GET / HTTP/1.1\t\r\n\r\n", 400);
	bad_head("GET / \r\n\r\n", 400);
	bad_head("GET / XTTP/1.1\r\n\r\n", 400);
}

static void
test_request_line_malformed(void)
{
	static const char nul[] = "G\0T / HTTP/1.1\r\n\r\n";

	bad_head("GET  / HTTP/1.1\r\n\r\n", 400);
	bad_head("GET /  HTTP/1.1\r\n\r\n", 400);
	bad_head(" GET / HTTP/1.1\r\n\r\n", 400);
	bad_head("GET\t/ HTTP/1.1\r\n\r\n", 400);
	bad_head("GET /\r\n\r\n", 400);
	bad_head("GET\r\n\r\n", 400);
	bad_head("G@T / HTTP/1.1\r\n\r\n", 400);
	bad_head("GET /a b HTTP/1.1\r\n\r\n", 400);
	bad_head("GET a HTTP/1.1\r\n\r\n", 400);
	bad_head("GET ?a HTTP/1.1\r\n\r\n", 400);
	bad_head("CONNECT example.com:443 HTTP/1.1\r\n\r\n", 400);
	bad_head("GET * HTTP/1.1\r\n\r\n", 400);
	bad_head("OPTIONS *x HTTP/1.1\r\n\r\n", 400);
	bad_head("GET http:// HTTP/1.1\r\n\r\n", 400);
	bad_head("GET http:///x HTTP/1.1\r\n\r\n", 400);
	bad_head("GET ftp://h/x HTTP/1.1\r\n\r\n", 400);
	bad_head("GET http:/h/x HTTP/1.1\r\n\r\n", 400);
	bad_head(": / HTTP/1.1\r\n\r\n", 400);
	bad_head_n(nul, sizeof(nul) - 1, 400);
	/* Empty lines skipped, a header line is no request line. */
	bad_head("\r\n\r\n\r\nX: y\r\n\r\n", 400);
}

static void
test_methods(void)
{
	static const struct {
		const char *line;
		enum http_method m;
		const char *name;
	} tab[] = {
		{ "GET / HTTP/1.1\r\n\r\n", HTTP_GET, "GET" },
		{ "HEAD / HTTP/1.1\r\n\r\n", HTTP_HEAD, "HEAD" },
		{ "POST / HTTP/1.1\r\n\r\n", HTTP_POST, "POST" },
		{ "PUT / HTTP/1.1\r\n\r\n", HTTP_PUT, "PUT" },
		{ "DELETE / HTTP/1.1\r\n\r\n", HTTP_DELETE, "DELETE" },
		{ "OPTIONS / HTTP/1.1\r\n\r\n", HTTP_OPTIONS, "OPTIONS" },
		{ "PATCH / HTTP/1.1\r\n\r\n", HTTP_PATCH, "PATCH" },
		{ "get / HTTP/1.1\r\n\r\n", HTTP_OTHER, "get" },
		{ "Post / HTTP/1.1\r\n\r\n", HTTP_OTHER, "Post" },
		{ "GETX / HTTP/1.1\r\n\r\n", HTTP_OTHER, "GETX" },
		{ "GE / HTTP/1.1\r\n\r\n", HTTP_OTHER, "GE" },
		{ "PROPFIND / HTTP/1.1\r\n\r\n", HTTP_OTHER, "PROPFIND" },
		{ "M-SEARCH / HTTP/1.1\r\n\r\n", HTTP_OTHER, "M-SEARCH" },
		{ "X / HTTP/1.1\r\n\r\n", HTTP_OTHER, "X" }
	};
	struct fx f;
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		ok_head(&f, tab[i].line);
		T_EQ_INT(f.req.method, tab[i].m);
		T_SPAN(f.req.method_name, tab[i].name);
		fx_free(&f);
	}
}

static void
test_absolute_form(void)
{
	struct fx f;

	ok_head(&f, "POST http://10.0.0.1:31800/scheduler/filter?x=1 HTTP/1.1"
	    "\r\n\r\n");
	T_SPAN(f.req.target, "http://10.0.0.1:31800/scheduler/filter?x=1");
	T_SPAN(f.req.path, "/scheduler/filter");
	T_SPAN(f.req.query, "x=1");
	fx_free(&f);

	ok_head(&f, "GET HTTPS://host/metrics HTTP/1.1\r\n\r\n");
	T_SPAN(f.req.path, "/metrics");
	T_EQ_INT(f.req.query.n, 0);
	fx_free(&f);

	/* No path at all names the root. */
	ok_head(&f, "GET http://host HTTP/1.1\r\n\r\n");
	T_SPAN(f.req.path, "/");
	T_EQ_INT(f.req.query.n, 0);
	fx_free(&f);

	ok_head(&f, "GET http://host?a=b HTTP/1.1\r\n\r\n");
	T_SPAN(f.req.path, "/");
	T_SPAN(f.req.query, "a=b");
	fx_free(&f);

	ok_head(&f, "GET http://user@host:80/a/b/ HTTP/1.0\r\n\r\n");
	T_SPAN(f.req.path, "/a/b/");
	fx_free(&f);
}

static void
test_asterisk_form(void)
{
	struct fx f;

	ok_head(&f, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
	T_EQ_INT(f.req.method, HTTP_OPTIONS);
	T_SPAN(f.req.target, "*");
	T_SPAN(f.req.path, "*");
	T_EQ_INT(f.req.query.n, 0);
	fx_free(&f);

	bad_head("GET * HTTP/1.1\r\n\r\n", 400);
	bad_head("POST * HTTP/1.1\r\n\r\n", 400);
	bad_head("options * HTTP/1.1\r\n\r\n", 400);
}

static void
test_leading_empty_lines(void)
{
	struct fx f;

	ok_head(&f, "\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n");
	T_EQ_INT(f.req.method, HTTP_GET);
	T_SPAN(f.req.path, "/a");
	T_EQ_INT(f.req.nheaders, 1);
	T_CHECK(f.req.method_name.p == f.buf + 4);
	fx_free(&f);

	ok_head(&f, "\r\nPOST / HTTP/1.0\r\n\r\n");
	T_EQ_INT(f.req.method, HTTP_POST);
	T_EQ_INT(f.req.minor, 0);
	fx_free(&f);

	/* Only empty lines so far: keep waiting. */
	T_EQ_INT(fx_parse(&f, "\r\n\r\n\r\n"), HTTP_PARSE_MORE);
	fx_free(&f);
	T_EQ_INT(fx_parse(&f, "\r\n\r"), HTTP_PARSE_MORE);
	fx_free(&f);
}

static void
test_pipelined_heads(void)
{
	static const char two[] = "GET /a HTTP/1.1\r\n\r\n"
	    "POST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"
	    "GET /c HTTP/1.1\r\n\r\n";
	struct fx f, g, h;
	size_t off;

	T_EQ_INT(fx_parse(&f, two), 19);
	T_SPAN(f.req.path, "/a");
	off = (size_t)f.r;
	T_EQ_INT(fx_parse(&g, two + off), 39);
	T_SPAN(g.req.path, "/b");
	T_EQ_INT(g.req.content_length, 2);
	off += (size_t)g.r + 2;
	ok_head(&h, two + off);
	T_SPAN(h.req.path, "/c");
	fx_free(&f);
	fx_free(&g);
	fx_free(&h);
}

static void
test_scan_from(void)
{
	static const char raw[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	size_t n = sizeof(raw) - 1, scan;
	struct http_request *req = xmalloc(sizeof(*req));
	char *b = dup_mem(raw, n);
	int status;
	const char *reason;

	/* The terminator straddles the end of the first read. */
	scan = 0;
	T_EQ_INT(http_parse_head(b, n - 1, &scan, MAX_HEAD, req, &status,
	    &reason), HTTP_PARSE_MORE);
	T_CHECK(scan > 0 && scan <= n - 1);
	T_EQ_INT(http_parse_head(b, n, &scan, MAX_HEAD, req, &status,
	    &reason), (long)n);
	scan = 0;
	T_EQ_INT(http_parse_head(b, n - 3, &scan, MAX_HEAD, req, &status,
	    &reason), HTTP_PARSE_MORE);
	T_EQ_INT(http_parse_head(b, n, &scan, MAX_HEAD, req, &status,
	    &reason), (long)n);

	/* The same length twice is harmless. */
	scan = 0;
	T_EQ_INT(http_parse_head(b, 10, &scan, MAX_HEAD, req, &status,
	    &reason), HTTP_PARSE_MORE);
	T_EQ_INT(http_parse_head(b, 10, &scan, MAX_HEAD, req, &status,
	    &reason), HTTP_PARSE_MORE);
	T_EQ_INT(http_parse_head(b, n, &scan, MAX_HEAD, req, &status,
	    &reason), (long)n);

	/* A hint past the data (a caller's mistake) restarts the scan. */
	scan = 1000;
	T_EQ_INT(http_parse_head(b, n, &scan, MAX_HEAD, req, &status,
	    &reason), (long)n);
	free(b);

	/* The terminator split as "\r\n\r" | "\n". */
	b = dup_mem("GET / HTTP/1.1\r\n\r\n", 18);
	scan = 0;
	T_EQ_INT(http_parse_head(b, 17, &scan, MAX_HEAD, req, &status,
	    &reason), HTTP_PARSE_MORE);
	T_EQ_INT(http_parse_head(b, 18, &scan, MAX_HEAD, req, &status,
	    &reason), 18);
	free(b);
	free(req);
}

static void
test_three_piece_splits(void)
{
	struct fx f;
	static const char raw[] = "POST /s/prioritize HTTP/1.1\r\n"
	    "Host: h\r\nContent-Length: 3\r\nX: a\r\n b\r\nConnection: close"
	    "\r\n\r\nabc";

	T_EQ_INT(fx_parse(&f, raw), (long)sizeof(raw) - 4);
	T_SPAN(f.req.headers[2].value, "a   b");
	T_EQ_INT(f.req.keep_alive, 0);
	check_splits3(&f, raw, sizeof(raw) - 1, MAX_HEAD);
	fx_free(&f);

	T_EQ_INT(fx_parse(&f, "\r\nGET / HTTP/1.0\r\nConnection: keep-alive"
	    "\r\n\r\n"), 44);
	check_splits3(&f, "\r\nGET / HTTP/1.0\r\nConnection: keep-alive"
	    "\r\n\r\n", 44, MAX_HEAD);
	fx_free(&f);
}

static void
test_path_last_segment(void)
{
	static const struct {
		const char *path, *want;
	} tab[] = {
		{ "/a/b/filter", "filter" },
		{ "/filter/", "filter" },
		{ "/filter", "filter" },
		{ "/", "" },
		{ "", "" },
		{ "filter", "filter" },
		{ "/scheduler/prioritize", "prioritize" },
		{ "/a/b//", "" },
		{ "//", "" },
		{ "/a/", "a" },
		{ "a/b", "b" }
	};
	struct http_span in, out;
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		in.p = tab[i].path;
		in.n = strlen(tab[i].path);
		out = http_path_last_segment(in);
		T_SPAN(out, tab[i].want);
		/* A view into the path, not a copy. */
		T_CHECK(out.p >= in.p && out.p + out.n <= in.p + in.n);
	}
	in.p = NULL;
	in.n = 0;
	out = http_path_last_segment(in);
	T_EQ_INT(out.n, 0);
}

/* ---- chunked ---- */

/*
 * Feed raw[0..n) to a fresh decoder in pieces ending at cuts[], each
 * piece in an allocation of its own length.  Returns the last result;
 * the payload is collected in *payload and, on 1, *end is the raw
 * offset just past the body.
 */
static int
chunked_pieces(const char *raw, size_t n, const size_t *cuts, size_t ncuts,
    struct buf *payload, size_t *end)
{
	struct http_chunked c;
	size_t a = 0, b, k, out, used;
	char *p;
	int rc = 0;

	http_chunked_init(&c);
	payload->len = 0;
	*end = SIZE_MAX;
	for (k = 0; k <= ncuts && rc == 0; k++) {
		b = k < ncuts ? cuts[k] : n;
		p = dup_mem(raw + a, b - a);
		out = used = SIZE_MAX;
		rc = http_chunked_feed(&c, p, b - a, &out, &used);
		T_CHECK(out <= used && used <= b - a);
		if (out <= used && used <= b - a) {
			buf_add(payload, p, out);
			if (rc == 0)
				T_EQ_INT(used, b - a);
			if (rc == 1) {
				*end = a + used;
				/* The next request's bytes are left alone. */
				T_CHECK(memcmp(p + used, raw + a + used,
				    b - a - used) == 0);
			}
		}
		free(p);
		a = b;
	}
	if (rc == 1)
		T_EQ_INT(c.total, payload->len);
	return rc;
}

static int
chunked_run_ok(const char *raw, size_t n, const size_t *cuts, size_t ncuts,
    const char *want, size_t want_n, size_t want_end)
{
	struct buf pl;
	size_t end;
	int rc, ok;

	buf_init(&pl);
	rc = chunked_pieces(raw, n, cuts, ncuts, &pl, &end);
	ok = rc == 1 && end == want_end && pl.len == want_n &&
	    (want_n == 0 || memcmp(pl.p, want, want_n) == 0);
	buf_free(&pl);
	return ok;
}

/* Whole, one byte at a time, at every split, and at every two splits. */
static void
chunked_ok(const char *raw, size_t n, const char *want, size_t want_end)
{
	size_t *cuts = xmalloc((n + 1) * sizeof(*cuts));
	size_t i, j, want_n = strlen(want);
	int bad = 0;

	T_CHECK(chunked_run_ok(raw, n, NULL, 0, want, want_n, want_end));
	for (i = 0; i + 1 < n; i++)
		cuts[i] = i + 1;
	T_CHECK(chunked_run_ok(raw, n, cuts, n > 0 ? n - 1 : 0, want, want_n,
	    want_end));
	for (i = 0; i <= n; i++) {
		cuts[0] = i;
		if (!chunked_run_ok(raw, n, cuts, 1, want, want_n,
		    want_end)) {
			printf("#   split at %zu\n", i);
			bad++;
		}
	}
	for (i = 0; i <= n && n <= 400; i++) {
		for (j = i; j <= n; j++) {
			cuts[0] = i;
			cuts[1] = j;
			if (!chunked_run_ok(raw, n, cuts, 2, want, want_n,
			    want_end) && bad++ < 5)
				printf("#   splits at %zu, %zu\n", i, j);
		}
	}
	T_EQ_INT(bad, 0);
	free(cuts);
}

/* A body that is all of raw. */
static void
chunked_ok_s(const char *raw, const char *want)
{
	chunked_ok(raw, strlen(raw), want, strlen(raw));
}

/* Rejected whole, one byte at a time and at every split. */
static void
chunked_bad(const char *raw, size_t n)
{
	size_t *cuts = xmalloc((n + 1) * sizeof(*cuts));
	size_t i, end;
	struct buf pl;
	int rc;

	buf_init(&pl);
	rc = chunked_pieces(raw, n, NULL, 0, &pl, &end);
	if (rc != -1)
		printf("#   \"%.*s\": %d\n", (int)(n > 60 ? 60 : n), raw, rc);
	T_EQ_INT(rc, -1);
	for (i = 0; i + 1 < n; i++)
		cuts[i] = i + 1;
	T_EQ_INT(chunked_pieces(raw, n, cuts, n > 0 ? n - 1 : 0, &pl, &end),
	    -1);
	for (i = 0; i <= n; i++) {
		cuts[0] = i;
		rc = chunked_pieces(raw, n, cuts, 1, &pl, &end);
		if (rc != -1)
			printf("#   split at %zu: %d\n", i, rc);
		T_EQ_INT(rc, -1);
	}
	buf_free(&pl);
	free(cuts);
}

static void
chunked_bad_s(const char *raw)
{
	chunked_bad(raw, strlen(raw));
}

static void
test_chunked_multi(void)
{
	static const char body[] =
	    "5;name=value;flag\r\n"
	    "hello\r\n"
	    "1A ; ext=\"quoted; value\"\r\n"
	    "abcdefghijklmnopqrstuvwxyz\r\n"
	    "001\r\n"
	    "!\r\n"
	    "0;last\r\n"
	    "X-Trailer: t1\r\n"
	    "X-Other: t2\r\n"
	    "\r\n";
	static const char next[] = "GET /next HTTP/1.1\r\n\r\n";
	char raw[sizeof(body) + sizeof(next)];

	snprintf(raw, sizeof(raw), "%s%s", body, next);
	chunked_ok(raw, strlen(raw), "helloabcdefghijklmnopqrstuvwxyz!",
	    sizeof(body) - 1);
	/* The body alone, with nothing after it. */
	chunked_ok(body, sizeof(body) - 1, "helloabcdefghijklmnopqrstuvwxyz!",
	    sizeof(body) - 1);
}

static void
test_chunked_in_place(void)
{
	char raw[] = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nNEXT";
	struct http_chunked c;
	size_t out, used;

	http_chunked_init(&c);
	T_EQ_INT(http_chunked_feed(&c, raw, strlen(raw), &out, &used), 1);
	T_EQ_INT(out, 5);
	T_EQ_INT(used, strlen(raw) - 4);
	T_EQ_MEM(raw, out, "abcde", 5);
	T_EQ_MEM(raw + used, 4, "NEXT", 4);
	T_EQ_INT(c.total, 5);
}

static void
test_chunked_bare_lf(void)
{
	/* Line ends in the framing are CR LF only, as in the head. */
	chunked_bad_s("3\nabc\r\n0\r\n\r\n");
	chunked_bad_s("3\r\nabc\n0\r\n\r\n");
	chunked_bad_s("3;x=y\nabc\r\n0\r\n\r\n");
	chunked_bad_s("3 \nabc\r\n0\r\n\r\n");
	chunked_bad_s("0\r\nT: 1\n\r\n");
	chunked_bad_s("0\r\n\n");
}

static void
test_chunked_empty_body(void)
{
	chunked_ok_s("0\r\n\r\n", "");
	chunked_ok("0\r\n\r\nGET / HTTP/1.1\r\n\r\n", 23, "", 5);
	chunked_ok_s("000;a=b\r\nTrailer: x\r\n\r\n", "");
}

static void
test_chunked_sizes(void)
{
	struct http_chunked c;
	char line[] = "fffffffffffffff\r\n";
	size_t out, used;

	chunked_ok_s("A\r\n0123456789\r\n0\r\n\r\n", "0123456789");
	chunked_ok_s("a\r\n0123456789\r\n0\r\n\r\n", "0123456789");
	chunked_ok_s("00000000000000a\r\n0123456789\r\n0\r\n\r\n",
	    "0123456789");
	chunked_ok_s("1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n", "abc");
	/* White space before the line end or an extension. */
	chunked_ok_s("3 \t\r\nabc\r\n0 ;x\r\n\r\n", "abc");

	/* 15 hex digits are accepted: the size is read, data awaited. */
	http_chunked_init(&c);
	T_EQ_INT(http_chunked_feed(&c, line, strlen(line), &out, &used), 0);
	T_EQ_INT(used, strlen(line));
	T_EQ_INT(out, 0);
	T_CHECK(c.chunk_left == UINT64_C(0xfffffffffffffff));
}

static void
test_chunked_big_chunk(void)
{
	struct buf raw, want;
	size_t i, n, *cuts;

	buf_init(&raw);
	buf_init(&want);
	buf_adds(&raw, "186a0\r\n");
	for (i = 0; i < 100000; i++) {
		buf_addc(&raw, (char)('a' + i % 26));
		buf_addc(&want, (char)('a' + i % 26));
	}
	buf_adds(&raw, "\r\n0\r\n\r\nX");
	buf_addc(&want, '\0');
	n = raw.len;
	T_CHECK(chunked_run_ok(raw.p, n, NULL, 0, want.p, want.len - 1,
	    n - 1));
	cuts = xmalloc(n * sizeof(*cuts));
	for (i = 0; i + 1 < n; i++)
		cuts[i] = i + 1;
	T_CHECK(chunked_run_ok(raw.p, n, cuts, n - 1, want.p, want.len - 1,
	    n - 1));
	for (i = 0; i < n; i += 997) {
		cuts[0] = i;
		T_CHECK(chunked_run_ok(raw.p, n, cuts, 1, want.p,
		    want.len - 1, n - 1));
	}
	free(cuts);
	buf_free(&raw);
	buf_free(&want);
}

static void
test_chunked_bad_hex(void)
{
	chunked_bad_s("g\r\nabc\r\n0\r\n\r\n");
	chunked_bad_s("\r\nabc\r\n0\r\n\r\n");
	chunked_bad_s("\nabc\n0\n\n");
	chunked_bad_s(";x\r\n");
	chunked_bad_s(" 3\r\nabc\r\n0\r\n\r\n");
	chunked_bad_s("-1\r\n");
	chunked_bad_s("+1\r\n");
	chunked_bad_s("0x3\r\nabc\r\n0\r\n\r\n");
	chunked_bad_s("3x\r\nabc\r\n0\r\n\r\n");
	chunked_bad_s("3 x\r\nabc\r\n0\r\n\r\n");
	chunked_bad_s("3\r\nabc\r\nz\r\n");
	chunked_bad_s("3;a\x01" "b\r\nabc\r\n0\r\n\r\n");
	chunked_bad_s("3;a\x7f\r\nabc\r\n0\r\n\r\n");
}

static void
test_chunked_overflow(void)
{
	chunked_bad_s("ffffffffffffffffff\r\n");
	chunked_bad_s("ffffffffffffffff\r\n");
	chunked_bad_s("10000000000000000\r\n");
	/* 16 digits even with leading zeros: the digit cap is simple. */
	chunked_bad_s("0000000000000001\r\nx\r\n0\r\n\r\n");
}

static void
test_chunked_bad_crlf(void)
{
	chunked_bad_s("3\r\nabcX\r\n0\r\n\r\n");
	chunked_bad_s("3\r\nabcd\r\n0\r\n\r\n");
	chunked_bad_s("3\r\nabc\rX0\r\n\r\n");
	chunked_bad_s("3\r\nabc\r\r\n0\r\n\r\n");
	chunked_bad_s("3\rabc\r\n0\r\n\r\n");
	chunked_bad_s("3;x\rabc\r\n0\r\n\r\n");
	chunked_bad_s("0\r\nX: 1\rY\r\n\r\n");
	chunked_bad_s("0\r\n\rX");
	chunked_bad_s("0\r\nX: \x01\r\n\r\n");
}

static void
test_chunked_long_lines(void)
{
	struct buf b;
	size_t i;

	/* A size line of exactly 4096 bytes (CR LF excluded) is fine. */
	buf_init(&b);
	buf_adds(&b, "1;");
	for (i = 2; i < 4096; i++)
		buf_addc(&b, 'e');
	buf_adds(&b, "\r\nx\r\n0\r\n\r\n");
	T_CHECK(chunked_run_ok(b.p, b.len, NULL, 0, "x", 1, b.len));
	buf_free(&b);

	/* One more byte is not. */
	buf_init(&b);
	buf_adds(&b, "1;");
	for (i = 2; i < 4097; i++)
		buf_addc(&b, 'e');
	buf_adds(&b, "\r\nx\r\n0\r\n\r\n");
	chunked_bad(b.p, b.len);
	buf_free(&b);

	/* An endless extension fails without waiting for its end. */
	buf_init(&b);
	buf_adds(&b, "1;");
	for (i = 0; i < 5000; i++)
		buf_addc(&b, 'e');
	chunked_bad(b.p, b.len);
	buf_free(&b);

	/* Trailer lines have the same limit, each on its own. */
	buf_init(&b);
	buf_adds(&b, "0\r\nA: ");
	for (i = 3; i < 4096; i++)
		buf_addc(&b, 'v');
	buf_adds(&b, "\r\nB: ");
	for (i = 3; i < 4096; i++)
		buf_addc(&b, 'v');
	buf_adds(&b, "\r\n\r\n");
	T_CHECK(chunked_run_ok(b.p, b.len, NULL, 0, "", 0, b.len));
	buf_free(&b);

	buf_init(&b);
	buf_adds(&b, "0\r\nA: ");
	for (i = 3; i < 4097; i++)
		buf_addc(&b, 'v');
	buf_adds(&b, "\r\n\r\n");
	chunked_bad(b.p, b.len);
	buf_free(&b);
}

static void
test_chunked_sticky(void)
{
	struct http_chunked c;
	char bad[] = "zz", good[] = "0\r\n\r\n", more[] = "MORE";
	size_t out, used;

	/* An error stays an error. */
	http_chunked_init(&c);
	T_EQ_INT(http_chunked_feed(&c, bad, 2, &out, &used), -1);
	T_EQ_INT(http_chunked_feed(&c, good, 5, &out, &used), -1);

	/* Done stays done and consumes nothing more. */
	http_chunked_init(&c);
	T_EQ_INT(http_chunked_feed(&c, good, 5, &out, &used), 1);
	T_EQ_INT(used, 5);
	T_EQ_INT(out, 0);
	T_EQ_INT(http_chunked_feed(&c, more, 4, &out, &used), 1);
	T_EQ_INT(used, 0);
	T_EQ_INT(out, 0);
	T_EQ_MEM(more, 4, "MORE", 4);

	/* Nothing fed, nothing done. */
	http_chunked_init(&c);
	T_EQ_INT(http_chunked_feed(&c, more, 0, &out, &used), 0);
	T_EQ_INT(used, 0);
	T_EQ_INT(out, 0);
	T_EQ_INT(c.total, 0);
}

/* ---- response heads ---- */

static void
head_is(int minor, int status, const char *ctype, size_t len, int ka,
    const char *want)
{
	struct buf b;

	buf_init(&b);
	buf_adds(&b, "prefix|");
	http_write_head(&b, minor, status, ctype, len, ka);
	T_CHECK(b.len >= 7 && memcmp(b.p, "prefix|", 7) == 0);
	if (b.len >= 7)
		T_EQ_MEM(b.p + 7, b.len - 7, want, strlen(want));
	buf_free(&b);
}

static void
test_write_head(void)
{
	head_is(1, 200, "application/json", 42, 1,
	    "HTTP/1.1 200 OK\r\n"
	    "Server: wca-scheduler\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 42\r\n"
	    "\r\n");
	head_is(1, 404, NULL, 0, 1,
	    "HTTP/1.1 404 Not Found\r\n"
	    "Server: wca-scheduler\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n");
	head_is(1, 503, "text/plain; version=0.0.4", 123456789, 1,
	    "HTTP/1.1 503 Service Unavailable\r\n"
	    "Server: wca-scheduler\r\n"
	    "Content-Type: text/plain; version=0.0.4\r\n"
	    "Content-Length: 123456789\r\n"
	    "\r\n");
}

static void
test_write_head_connection(void)
{
	head_is(1, 413, "application/json", 30, 0,
	    "HTTP/1.1 413 Content Too Large\r\n"
	    "Server: wca-scheduler\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 30\r\n"
	    "Connection: close\r\n"
	    "\r\n");
	/* The status line says 1.1 even to a 1.0 client. */
	head_is(0, 200, NULL, 2, 1,
	    "HTTP/1.1 200 OK\r\n"
	    "Server: wca-scheduler\r\n"
	    "Content-Length: 2\r\n"
	    "Connection: keep-alive\r\n"
	    "\r\n");
	head_is(0, 200, NULL, 2, 0,
	    "HTTP/1.1 200 OK\r\n"
	    "Server: wca-scheduler\r\n"
	    "Content-Length: 2\r\n"
	    "Connection: close\r\n"
	    "\r\n");
}

static void
test_write_head_interim_and_204(void)
{
	head_is(1, 100, NULL, 0, 1,
	    "HTTP/1.1 100 Continue\r\n"
	    "Server: wca-scheduler\r\n"
	    "\r\n");
	head_is(1, 100, "application/json", 10, 0,
	    "HTTP/1.1 100 Continue\r\n"
	    "Server: wca-scheduler\r\n"
	    "\r\n");
	head_is(1, 204, NULL, 0, 1,
	    "HTTP/1.1 204 No Content\r\n"
	    "Server: wca-scheduler\r\n"
	    "\r\n");
	head_is(1, 204, NULL, 0, 0,
	    "HTTP/1.1 204 No Content\r\n"
	    "Server: wca-scheduler\r\n"
	    "Connection: close\r\n"
	    "\r\n");
	head_is(1, 299, NULL, 0, 1,
	    "HTTP/1.1 299 Unknown\r\n"
	    "Server: wca-scheduler\r\n"
	    "Content-Length: 0\r\n"
	    "\r\n");
}

static void
test_status_text(void)
{
	T_EQ_STR(http_status_text(100), "Continue");
	T_EQ_STR(http_status_text(200), "OK");
	T_EQ_STR(http_status_text(204), "No Content");
	T_EQ_STR(http_status_text(400), "Bad Request");
	T_EQ_STR(http_status_text(403), "Forbidden");
	T_EQ_STR(http_status_text(404), "Not Found");
	T_EQ_STR(http_status_text(405), "Method Not Allowed");
	T_EQ_STR(http_status_text(408), "Request Timeout");
	T_EQ_STR(http_status_text(411), "Length Required");
	T_EQ_STR(http_status_text(413), "Content Too Large");
	T_EQ_STR(http_status_text(414), "URI Too Long");
	T_EQ_STR(http_status_text(415), "Unsupported Media Type");
	T_EQ_STR(http_status_text(417), "Expectation Failed");
	T_EQ_STR(http_status_text(429), "Too Many Requests");
	T_EQ_STR(http_status_text(431), "Request Header Fields Too Large");
	T_EQ_STR(http_status_text(500), "Internal Server Error");
	T_EQ_STR(http_status_text(501), "Not Implemented");
	T_EQ_STR(http_status_text(503), "Service Unavailable");
	T_EQ_STR(http_status_text(505), "HTTP Version Not Supported");
	T_EQ_STR(http_status_text(0), "Unknown");
	T_EQ_STR(http_status_text(-1), "Unknown");
	T_EQ_STR(http_status_text(201), "Unknown");
	T_EQ_STR(http_status_text(999), "Unknown");
}

/* ---- response heads (the scraper's side) ---- */

static long
parse_resp(const char *text, struct http_response *r, const char **why)
{
	static char buf[4096];
	size_t scan = 0, n = strlen(text);

	memcpy(buf, text, n);
	return http_parse_response_head(buf, n, &scan, sizeof(buf), r, why);
}

static void
test_response_framing(void)
{
	struct http_response r;
	const char *why = NULL;
	const char *t1 = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 12\r\n\r\nbody";

	T_EQ_INT(parse_resp(t1, &r, &why), (long)strlen(t1) - 4);
	T_EQ_INT(r.status, 200);
	T_EQ_INT(r.minor, 1);
	T_EQ_MEM(r.reason.p, r.reason.n, "OK", 2);
	T_EQ_INT(r.has_length, 1);
	T_EQ_INT(r.content_length, 12);
	T_EQ_INT(r.chunked, 0);
	T_CHECK(http_response_header(&r, "content-type") != NULL);

	T_CHECK(parse_resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n", &r, &why) > 0);
	T_EQ_INT(r.chunked, 1);
	T_EQ_INT(r.has_length, 0);

	/* Neither: the body runs until close. */
	T_CHECK(parse_resp("HTTP/1.0 200 OK\r\n\r\n", &r, &why) > 0);
	T_EQ_INT(r.minor, 0);
	T_EQ_INT(r.chunked, 0);
	T_EQ_INT(r.has_length, 0);

	/* No reason phrase at all is tolerated. */
	T_CHECK(parse_resp("HTTP/1.1 204\r\n\r\n", &r, &why) > 0);
	T_EQ_INT(r.status, 204);
	T_EQ_INT(r.reason.n, 0);

	T_CHECK(parse_resp("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
	    "\r\n", &r, &why) > 0);
	T_EQ_MEM(r.content_encoding.p, r.content_encoding.n, "gzip", 4);
}

static void
test_response_errors(void)
{
	struct http_response r;
	const char *why;
	static const char *const bad[] = {
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2"
		    "\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\r\n\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (parse_resp(bad[i], &r, &why) != HTTP_PARSE_ERROR) {
			T_CHECK(!"accepted a bad response head");
			printf("#   head: %s\n", bad[i]);
		}
		T_CHECK(why != NULL);
	}
}

static void
test_response_every_split(void)
{
	const char *t = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
	    "X-A: b\r\n\r\nabc";
	size_t n = strlen(t), head = n - 3, k;
	char buf[256];

	memcpy(buf, t, n);
	for (k = 0; k <= n; k++) {
		struct http_response r;
		const char *why;
		size_t scan = 0;
		long a = http_parse_response_head(buf, k, &scan, sizeof(buf),
		    &r, &why);
		long b = http_parse_response_head(buf, n, &scan, sizeof(buf),
		    &r, &why);

		T_EQ_INT(a, k < head ? HTTP_PARSE_MORE : (long)head);
		T_EQ_INT(b, (long)head);
		T_EQ_INT(r.content_length, 3);
	}
}

static void
test_response_too_large(void)
{
	char buf[600];
	struct http_response r;
	const char *why = NULL;
	size_t scan = 0;

	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "HTTP/1.1 200 OK\r\nX: ", 21);
	T_EQ_INT(http_parse_response_head(buf, sizeof(buf), &scan, 512, &r,
	    &why), HTTP_PARSE_ERROR);
	T_EQ_STR(why, "response head too large");
}

T_SUITE(
	{"get_minimal", test_get_minimal},
	{"get_metrics", test_get_metrics},
	{"post_filter", test_post_filter},
	{"post_expect_continue", test_post_expect_continue},
	{"post_chunked", test_post_chunked},
	{"query_split", test_query_split},
	{"http10_default_close", test_http10_default_close},
	{"http10_keep_alive", test_http10_keep_alive},
	{"http11_connection", test_http11_connection},
	{"expect_variants", test_expect_variants},
	{"header_names_case_insensitive", test_header_names_case_insensitive},
	{"header_get", test_header_get},
	{"content_length_duplicates_equal",
	    test_content_length_duplicates_equal},
	{"content_length_values", test_content_length_values},
	{"content_length_invalid", test_content_length_invalid},
	{"content_length_conflict", test_content_length_conflict},
	{"cl_and_te", test_cl_and_te},
	{"te_unsupported", test_te_unsupported},
	{"te_http10", test_te_http10},
	{"bare_lf", test_bare_lf},
	{"bare_cr", test_bare_cr},
	{"bad_value_bytes", test_bad_value_bytes},
	{"bad_target_bytes", test_bad_target_bytes},
	{"space_before_colon", test_space_before_colon},
	{"empty_header_name", test_empty_header_name},
	{"bad_header_name", test_bad_header_name},
	{"valid_header_names", test_valid_header_names},
	{"value_trim_and_bytes", test_value_trim_and_bytes},
	{"obs_fold", test_obs_fold},
	{"obs_fold_errors", test_obs_fold_errors},
	{"too_many_headers", test_too_many_headers},
	{"max_head", test_max_head},
	{"version_505", test_version_505},
	{"version_garbage", test_version_garbage},
	{"request_line_malformed", test_request_line_malformed},
	{"methods", test_methods},
	{"absolute_form", test_absolute_form},
	{"asterisk_form", test_asterisk_form},
	{"leading_empty_lines", test_leading_empty_lines},
	{"pipelined_heads", test_pipelined_heads},
	{"scan_from", test_scan_from},
	{"three_piece_splits", test_three_piece_splits},
	{"path_last_segment", test_path_last_segment},
	{"chunked_multi", test_chunked_multi},
	{"chunked_in_place", test_chunked_in_place},
	{"chunked_bare_lf", test_chunked_bare_lf},
	{"chunked_empty_body", test_chunked_empty_body},
	{"chunked_sizes", test_chunked_sizes},
	{"chunked_big_chunk", test_chunked_big_chunk},
	{"chunked_bad_hex", test_chunked_bad_hex},
	{"chunked_overflow", test_chunked_overflow},
	{"chunked_bad_crlf", test_chunked_bad_crlf},
	{"chunked_long_lines", test_chunked_long_lines},
	{"chunked_sticky", test_chunked_sticky},
	{"write_head", test_write_head},
	{"write_head_connection", test_write_head_connection},
	{"write_head_interim_and_204", test_write_head_interim_and_204},
	{"status_text", test_status_text},
	{"response_framing", test_response_framing},
	{"response_errors", test_response_errors},
	{"response_every_split", test_response_every_split},
	{"response_too_large", test_response_too_large}
);
