/*
 * http: HTTP/1.1 request-head parser, chunked body decoder, response
 * head writer.
 *
 * Pure module: no I/O, no globals.  The parser is restartable: it is
 * given the whole buffer received so far each time, and a scan hint so
 * that a client dripping one byte at a time does not make us rescan the
 * whole head on every read.  Results are spans into the caller's buffer
 * (borrowed, valid while that buffer is unchanged).
 */
#ifndef WCA_HTTP_H
#define WCA_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define HTTP_MAX_HEADERS 100

struct http_span {
	const char *p;
	size_t n;
};

struct http_header {
	struct http_span name;
	struct http_span value;  /* trimmed of surrounding SP / HTAB */
};

enum http_method {
	HTTP_OTHER = 0,
	HTTP_GET,
	HTTP_HEAD,
	HTTP_POST,
	HTTP_PUT,
	HTTP_DELETE,
	HTTP_OPTIONS,
	HTTP_PATCH
};

struct http_request {
	struct http_span method_name;
	enum http_method method;
	struct http_span target;    /* as sent */
	struct http_span path;      /* target up to '?' */
	struct http_span query;     /* after '?', may be empty */
	int minor;                  /* HTTP/1.<minor>: 0 or 1 */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;

	/* Derived from the headers. */
	int has_length;             /* Content-Length present */
	uint64_t content_length;
	int chunked;                /* Transfer-Encoding: chunked */
	int keep_alive;             /* per version default and Connection */
	int expect_continue;        /* Expect: 100-continue */
};

enum http_parse_result {
	HTTP_PARSE_ERROR = -1,
	HTTP_PARSE_MORE = 0
	/* > 0: the length of the head, including the final empty line */
};

/*
 * Parse the request head at the start of buf[0..len).  `*scan_from` is a
 * hint kept by the caller between calls on the same request (start it at
 * 0): where the search for the end of the head resumes.  A head that has
 * not ended within `max_head` bytes fails with status 431.  Leading empty
 * lines before the request line are skipped (RFC 9112 2.2).
 *
 * Returns the head length (> 0), HTTP_PARSE_MORE, or HTTP_PARSE_ERROR
 * with *status (400, 431, 501, 505) and *reason (a static string) set.
 *
 * Rejected with 400: bare CR, NUL or other control bytes in the head,
 * an empty or malformed header name, white space before the colon,
 * Content-Length that is not a decimal number or several that differ,
 * Content-Length together with Transfer-Encoding, a transfer coding
 * other than a single "chunked", more than HTTP_MAX_HEADERS headers,
 * HTTP/1.1 without Host is accepted (kube-scheduler always sends it).
 * Obsolete line folding is accepted: the continuation joins the value,
 * the CR LF bytes are overwritten with spaces (hence the mutable buf).
 */
long http_parse_head(char *buf, size_t len, size_t *scan_from,
    size_t max_head, struct http_request *req, int *status,
    const char **reason);

/* Case-insensitive header lookup; the first one, or NULL. */
const struct http_header *http_header_get(const struct http_request *req,
    const char *name);

/* The last '/'-separated segment of the path ("/a/b/filter" -> "filter"). */
struct http_span http_path_last_segment(struct http_span path);

/*
 * A response head, for the scraper's client side.  Framing: chunked when
 * Transfer-Encoding is exactly "chunked", else Content-Length when
 * present, else the body runs until the server closes.
 */
struct http_response {
	int minor;
	int status;
	struct http_span reason;
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
	int has_length;
	uint64_t content_length;
	int chunked;
	struct http_span content_encoding;  /* empty when absent */
};

/*
 * Parse a response head at the start of buf[0..len), like
 * http_parse_head().  Returns the head length, HTTP_PARSE_MORE, or
 * HTTP_PARSE_ERROR with *why set (a static string).
 */
long http_parse_response_head(char *buf, size_t len, size_t *scan_from,
    size_t max_head, struct http_response *r, const char **why);
const struct http_header *http_response_header(const struct http_response *r,
    const char *name);

/*
 * Incremental chunked-body decoder.  Feed it raw bytes as they arrive;
 * it rewrites them in place to the payload.
 */
struct http_chunked {
	int state;
	uint64_t chunk_left;   /* payload bytes left in the current chunk */
	uint64_t total;        /* payload bytes produced so far */
	size_t line_len;       /* bytes of the current size / trailer line */
};

void http_chunked_init(struct http_chunked *c);

/*
 * Decode raw bytes p[0..n).  Payload is written to p[0..*out) (in place;
 * *out <= *used), *used is the number of raw bytes consumed.  Returns 1
 * when the last chunk and its trailers are complete (bytes after *used
 * belong to the next request), 0 when all n bytes were consumed and more
 * are needed, -1 on a malformed or overflowing chunk size, a line longer
 * than 4 KiB, or a bad CRLF.
 */
int http_chunked_feed(struct http_chunked *c, char *p, size_t n,
    size_t *out, size_t *used);

const char *http_status_text(int status);

/*
 * Append a response head: status line, Date-less fixed headers
 * (Content-Type when ctype is non-NULL, Content-Length, Connection:
 * close when !keep_alive, keep-alive for HTTP/1.0 clients that asked).
 */
void http_write_head(struct buf *out, int minor, int status,
    const char *ctype, size_t content_length, int keep_alive);

#endif
