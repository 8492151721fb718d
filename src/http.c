#include "http.h"


#include <string.h>

/*
 * Limits and choices not fixed by http.h:
 *
 * - A head that has not ended within max_head bytes fails with 431 when
 *   its request line ended, and with 400 when the request line alone is
 *   that long (not 414: the only client we serve never sends long targets,
 *   and every framing error is one 400 that closes).  Leading empty lines
 *   count against max_head too, since they occupy the same buffer.
 * - Line ends are CR LF only: a CR not followed by LF and a LF not
 *   preceded by CR are a 400 anywhere, so that no two parsers on the path
 *   can disagree about where a line ends (RFC 9112 2.2 lets a recipient
 *   accept a bare LF; a proxy in front that does not is how requests are
 *   smuggled, and kube-scheduler always sends CR LF).
 * - Only "HTTP/1.0" and "HTTP/1.1" are served; any other well-formed
 *   HTTP/x.y (including an HTTP/2 preface sent in clear) is 505.
 * - The request target must be printable ASCII: bytes >= 0x80 are not
 *   valid in a URI, so they are a 400 there (they are allowed in values).
 * - An Expect value other than 100-continue is ignored rather than
 *   answered with 417: nothing we serve depends on it.
 * - A transfer coding we do not implement is a 400, not a 501: the only
 *   client we serve never sends one, and a 400 closes the connection.
 */

/* Longest chunk-size or trailer line, CR LF excluded. */
#define CHUNK_LINE_MAX		4096
/* 15 hex digits are 60 bits: a chunk size that cannot overflow. */
#define CHUNK_DIGITS_MAX	15
/* 19 decimal digits stay below 2^64: a length that cannot overflow. */
#define CL_DIGITS_MAX		19

enum chunk_state {
	CH_SIZE = 1,	/* hex digits of chunk-size (line_len counts them) */
	CH_SIZE_WS,	/* white space after the size, before ';' or EOL */
	CH_EXT,		/* chunk extensions, skipped up to the line end */
	CH_SIZE_LF,	/* CR seen on the size line: LF must follow */
	CH_DATA,	/* chunk_left payload bytes to copy */
	CH_DATA_END,	/* the CR LF that closes the chunk data */
	CH_DATA_LF,
	CH_TRAILER,	/* trailer lines, skipped up to an empty one */
	CH_TRAILER_LF,
	CH_DONE,
	CH_ERROR
};

static const char slash[] = "/";

static long
fail(int *status, const char **reason, int code, const char *why)
{
	*status = code;
	*reason = why;
	return HTTP_PARSE_ERROR;
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 9110 5.6.2 token characters. */
static int
is_tchar(unsigned char c)
{
	if (is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'':
	case '*': case '+': case '-': case '.': case '^': case '_':
	case '`': case '|': case '~':
		return 1;
	default:
		return 0;
	}
}

/* field-vchar, SP, HTAB and obs-text; DEL counts as a control. */
static int
is_field_byte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
is_target_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static int
hex_value(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned char
to_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* Does p[0..n) equal the C string s, ignoring ASCII case? */
static int
span_ieq(const char *p, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '\0' ||
		    to_lower((unsigned char)p[i]) != to_lower((unsigned char)s[i]))
			return 0;
	return s[n] == '\0';
}

static struct http_span
span_make(const char *p, size_t n)
{
	struct http_span s;

	s.p = p;
	s.n = n;
	return s;
}

static struct http_span
span_trim(const char *p, const char *end)
{
	while (p < end && is_ows(*p))
		p++;
	while (end > p && is_ows(end[-1]))
		end--;
	return span_make(p, (size_t)(end - p));
}

/*
 * Next element of a comma-separated field value, trimmed of OWS.  Empty
 * elements are returned too ("a,,b" gives "a", "", "b"): whether they
 * are harmless depends on the field.  rest->p == NULL marks the end.
 */
static int
list_next(struct http_span *rest, struct http_span *elem)
{
	const char *p, *end, *comma;

	if (rest->p == NULL)
		return 0;
	p = rest->p;
	end = p + rest->n;
	comma = memchr(p, ',', rest->n);
	if (comma == NULL) {
		comma = end;
		rest->p = NULL;
		rest->n = 0;
	} else {
		rest->p = comma + 1;
		rest->n = (size_t)(end - comma - 1);
	}
	*elem = span_trim(p, comma);
	return 1;
}

/*
 * Split the line that starts at pos: *le is where its content ends
 * (before CR LF or LF), *next where the following line starts.  The head
 * end was found first, so a LF always exists before end.  Returns -1 on
 * a CR that does not end the line.
 */
static int
line_split(const char *buf, size_t pos, size_t end, size_t *le, size_t *next)
{
	const char *nl;

	nl = memchr(buf + pos, '\n', end - pos);
	*next = (size_t)(nl - buf) + 1;
	*le = (size_t)(nl - buf);
	if (*le == pos || buf[*le - 1] != '\r')
		return -1;			/* a bare LF */
	(*le)--;
	if (memchr(buf + pos, '\r', *le - pos) != NULL)
		return -1;
	return 0;
}

static enum http_method
method_of(const char *p, size_t n)
{
	static const struct {
		const char *name;
		enum http_method m;
	} tab[] = {
		{ "GET", HTTP_GET }, { "HEAD", HTTP_HEAD },
		{ "POST", HTTP_POST }, { "PUT", HTTP_PUT },
		{ "DELETE", HTTP_DELETE }, { "OPTIONS", HTTP_OPTIONS },
		{ "PATCH", HTTP_PATCH }
	};
	size_t i;

	/* Methods are case-sensitive (RFC 9110 9.1): "get" is not GET. */
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strlen(tab[i].name) == n && memcmp(tab[i].name, p, n) == 0)
			return tab[i].m;
	return HTTP_OTHER;
}

static void
split_query(struct http_request *req, const char *p, const char *end)
{
	const char *q;

	q = memchr(p, '?', (size_t)(end - p));
	if (q == NULL) {
		req->path = span_make(p, (size_t)(end - p));
		req->query = span_make(end, 0);
	} else {
		req->path = span_make(p, (size_t)(q - p));
		req->query = span_make(q + 1, (size_t)(end - q - 1));
	}
}

/* Length of an "http://" or "https://" prefix (any case), else 0. */
static size_t
scheme_len(const char *p, size_t n)
{
	if (n >= 7 && span_ieq(p, 7, "http://"))
		return 7;
	if (n >= 8 && span_ieq(p, 8, "https://"))
		return 8;
	return 0;
}

/* Derive path and query from the target's form (RFC 9112 3.2). */
static long
parse_target_form(struct http_request *req, int *status, const char **reason)
{
	const char *t = req->target.p, *end = t + req->target.n, *a, *k;
	size_t sl;

	if (*t == '/') {
		split_query(req, t, end);
		return 0;
	}
	if (req->target.n == 1 && *t == '*') {
		if (req->method != HTTP_OPTIONS)
			return fail(status, reason, 400,
			    "asterisk target outside OPTIONS");
		req->path = req->target;
		req->query = span_make(end, 0);
		return 0;
	}
	if ((sl = scheme_len(t, req->target.n)) == 0)
		return fail(status, reason, 400, "malformed request target");
	a = t + sl;
	for (k = a; k < end && *k != '/' && *k != '?'; k++)
		continue;
	if (k == a)
		return fail(status, reason, 400, "empty authority in target");
	split_query(req, k, end);
	/* "http://host" and "http://host?q" name the root (RFC 9112 3.2.2). */
	if (req->path.n == 0)
		req->path = span_make(slash, 1);
	return 0;
}

static long
parse_request_line(const char *buf, size_t pos, size_t le,
    struct http_request *req, int *status, const char **reason)
{
	size_t m = pos, t, v;
	const unsigned char *vp;

	while (pos < le && is_tchar((unsigned char)buf[pos]))
		pos++;
	if (pos == m || pos == le || buf[pos] != ' ')
		return fail(status, reason, 400, "malformed request line");
	req->method_name = span_make(buf + m, pos - m);
	req->method = method_of(buf + m, pos - m);

	t = ++pos;
	while (pos < le && buf[pos] != ' ') {
		if (!is_target_byte((unsigned char)buf[pos]))
			return fail(status, reason, 400,
			    "invalid byte in request target");
		pos++;
	}
	if (pos == t || pos == le)
		return fail(status, reason, 400, "malformed request line");
	req->target = span_make(buf + t, pos - t);

	/*
	 * The version is checked before the target's form so that an
	 * HTTP/2 preface ("PRI * HTTP/2.0") gets its 505, not a 400.
	 */
	v = pos + 1;
	vp = (const unsigned char *)buf + v;
	if (le - v != 8 || memcmp(vp, "HTTP/", 5) != 0 || !is_digit(vp[5]) ||
	    vp[6] != '.' || !is_digit(vp[7]))
		return fail(status, reason, 400, "malformed HTTP version");
	if (vp[5] != '1' || (vp[7] != '0' && vp[7] != '1'))
		return fail(status, reason, 505, "HTTP version not supported");
	req->minor = vp[7] - '0';

	return parse_target_form(req, status, reason);
}

/* Content-Length: a list of 1*DIGIT that must all agree (RFC 9110 8.6). */
static int
parse_content_length(struct http_span v, int *have, uint64_t *len)
{
	struct http_span rest = v, e;
	uint64_t n;
	size_t i;

	while (list_next(&rest, &e)) {
		if (e.n == 0 || e.n > CL_DIGITS_MAX)
			return -1;
		n = 0;
		for (i = 0; i < e.n; i++) {
			if (!is_digit((unsigned char)e.p[i]))
				return -1;
			if (n > (UINT64_MAX - (uint64_t)(e.p[i] - '0')) / 10)
				return -1;
			n = n * 10 + (uint64_t)(e.p[i] - '0');
		}
		if (*have && n != *len)
			return -1;
		*have = 1;
		*len = n;
	}
	return 0;
}

static long
derive_fields(struct http_request *req, int *status, const char **reason)
{
	const struct http_header *h;
	struct http_span rest, e;
	size_t i, te_codings = 0;
	int has_te = 0, te_bad = 0, conn_close = 0, conn_ka = 0;

	for (i = 0; i < req->nheaders; i++) {
		h = &req->headers[i];
		if (span_ieq(h->name.p, h->name.n, "content-length")) {
			if (parse_content_length(h->value, &req->has_length,
			    &req->content_length) == -1)
				return fail(status, reason, 400,
				    "invalid Content-Length");
		} else if (span_ieq(h->name.p, h->name.n,
		    "transfer-encoding")) {
			/*
			 * Codings add up over repeated fields, so
			 * "gzip" then "chunked" is two codings.  Empty
			 * elements are refused here rather than skipped:
			 * a framing header gets no leniency.
			 */
			has_te = 1;
			rest = h->value;
			while (list_next(&rest, &e)) {
				te_codings++;
				if (!span_ieq(e.p, e.n, "chunked"))
					te_bad = 1;
			}
		} else if (span_ieq(h->name.p, h->name.n, "connection")) {
			rest = h->value;
			while (list_next(&rest, &e)) {
				if (span_ieq(e.p, e.n, "close"))
					conn_close = 1;
				else if (span_ieq(e.p, e.n, "keep-alive"))
					conn_ka = 1;
			}
		} else if (span_ieq(h->name.p, h->name.n, "expect")) {
			/* 1.0 clients cannot wait for a 100 (RFC 9110 10.1.1). */
			if (req->minor == 1 &&
			    span_ieq(h->value.p, h->value.n, "100-continue"))
				req->expect_continue = 1;
		}
	}

	if (has_te) {
		if (req->minor == 0)
			return fail(status, reason, 400,
			    "Transfer-Encoding in an HTTP/1.0 request");
		/* Two framings invite request smuggling: refuse both. */
		if (req->has_length)
			return fail(status, reason, 400,
			    "both Content-Length and Transfer-Encoding");
		if (te_bad || te_codings != 1)
			return fail(status, reason, 400,
			    "unsupported transfer coding");
		req->chunked = 1;
	}
	if (req->minor == 1)
		req->keep_alive = !conn_close;
	else
		req->keep_alive = conn_ka && !conn_close;
	return 0;
}

/* Header fields of a request or response head, into hs[0..*nh). */
static long
parse_fields(char *buf, size_t pos, size_t end, struct http_header *hs,
    size_t *nh, int *status, const char **reason)
{
	struct http_header *h;
	size_t le, next, prev_le = pos, n0, i;

	for (;; pos = next) {
		if (line_split(buf, pos, end, &le, &next) == -1)
			return fail(status, reason, 400, "bare CR or LF in head");
		if (le == pos)
			break;
		for (i = pos; i < le; i++)
			if (!is_field_byte((unsigned char)buf[i]))
				break;

		if (is_ows(buf[pos])) {
			if (*nh == 0)
				return fail(status, reason, 400,
				    "obs-fold before any header field");
			if (i < le)
				return fail(status, reason, 400,
				    "invalid byte in header value");
			/*
			 * Blank out the line break so that the previous value
			 * becomes one contiguous span (RFC 9112 5.2 allows a
			 * recipient to replace obs-fold with SP).
			 */
			memset(buf + prev_le, ' ', pos - prev_le);
			h = &hs[*nh - 1];
			h->value.n = (size_t)(buf + le - h->value.p);
			prev_le = le;
			continue;
		}

		n0 = pos;
		while (pos < le && is_tchar((unsigned char)buf[pos]))
			pos++;
		if (pos == le)
			return fail(status, reason, 400,
			    "header field without a colon");
		if (buf[pos] != ':') {
			if (is_ows(buf[pos]))
				return fail(status, reason, 400,
				    "white space before colon");
			return fail(status, reason, 400,
			    "invalid byte in header name");
		}
		if (pos == n0)
			return fail(status, reason, 400, "empty header name");
		if (i < le)
			return fail(status, reason, 400,
			    "invalid byte in header value");
		if (*nh == HTTP_MAX_HEADERS)
			return fail(status, reason, 431, "too many header fields");
		h = &hs[(*nh)++];
		h->name = span_make(buf + n0, pos - n0);
		/* Trimmed below, once folds may have extended it. */
		h->value = span_make(buf + pos + 1, le - pos - 1);
		prev_le = le;
	}

	for (i = 0; i < *nh; i++) {
		h = &hs[i];
		h->value = span_trim(h->value.p, h->value.p + h->value.n);
	}
	return 0;
}

/*
 * Find the end of the head: the LF of the first empty line after the
 * request line, which starts at `start`.  Returns the head length, 0 if
 * it has not ended within min(len, max_head), or -1 on a bare CR or LF
 * (caught here, not only by the line parser, as they arrive: a CR CR LF
 * would otherwise hide the empty line and leave us waiting for a
 * terminator that came).
 *
 * Only positions at or after *scan_from are examined.  Each test looks
 * back at most two bytes, so a terminator that straddles the previous
 * end of the buffer is still found, and every earlier position stays
 * decided.
 */
static long
find_head_end(const char *buf, size_t len, size_t start, size_t *scan_from,
    size_t max_head)
{
	size_t i, lim;

	lim = len < max_head ? len : max_head;
	i = *scan_from;
	/* Below start + 2 there cannot be a request line and an empty one. */
	if (i < start + 2)
		i = start + 2;
	for (; i < lim; i++) {
		if (buf[i] != '\n') {
			if (buf[i - 1] == '\r')
				return -1;
			continue;
		}
		if (buf[i - 1] != '\r')
			return -1;
		if (buf[i - 2] == '\n')
			return (long)i + 1;
	}
	if (lim > *scan_from)
		*scan_from = lim;
	return 0;
}

long
http_parse_head(char *buf, size_t len, size_t *scan_from, size_t max_head,
    struct http_request *req, int *status, const char **reason)
{
	size_t start, end, le, next;
	long r;

	if (*scan_from > len)
		*scan_from = 0;

	/*
	 * Skip empty lines before the request line (RFC 9112 2.2).  This is
	 * redone on every call, but costs one comparison unless the client
	 * really sent such lines, and those are bounded by max_head.
	 */
	start = 0;
	while (start < len && start < max_head) {
		if (buf[start] == '\n') {
			return fail(status, reason, 400, "bare LF in head");
		} else if (buf[start] == '\r') {
			if (start + 1 == len)
				break;
			if (buf[start + 1] != '\n')
				return fail(status, reason, 400,
				    "bare CR or LF in head");
			start += 2;
		} else
			break;
	}

	r = find_head_end(buf, len, start, scan_from, max_head);
	if (r == -1)
		return fail(status, reason, 400, "bare CR or LF in head");
	if (r == 0) {
		if (len >= max_head && start < max_head &&
		    !memchr(buf + start, '\n', max_head - start))
			return fail(status, reason, 400,
			    "request line too long");
		if (len >= max_head)
			return fail(status, reason, 431,
			    "request header fields too large");
		return HTTP_PARSE_MORE;
	}
	end = (size_t)r;

	req->nheaders = 0;
	req->has_length = 0;
	req->content_length = 0;
	req->chunked = 0;
	req->keep_alive = 0;
	req->expect_continue = 0;

	if (line_split(buf, start, end, &le, &next) == -1)
		return fail(status, reason, 400, "bare CR or LF in head");
	if ((r = parse_request_line(buf, start, le, req, status, reason)) != 0)
		return r;
	if ((r = parse_fields(buf, next, end, req->headers, &req->nheaders,
	    status, reason)) != 0)
		return r;
	if ((r = derive_fields(req, status, reason)) != 0)
		return r;
	return (long)end;
}

const struct http_header *
http_header_get(const struct http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++)
		if (span_ieq(req->headers[i].name.p, req->headers[i].name.n,
		    name))
			return &req->headers[i];
	return NULL;
}

static long
parse_status_line(const char *buf, size_t le, struct http_response *r,
    const char **why)
{
	size_t p = 9;

	/* "HTTP/1.x 200 OK": a missing reason phrase is tolerated. */
	if (le < 12 || memcmp(buf, "HTTP/1.", 7) != 0 ||
	    (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ' ||
	    !is_digit((unsigned char)buf[9]) ||
	    !is_digit((unsigned char)buf[10]) ||
	    !is_digit((unsigned char)buf[11]) ||
	    (le > 12 && buf[12] != ' ')) {
		*why = "malformed status line";
		return -1;
	}
	r->minor = buf[7] - '0';
	r->status = (buf[p] - '0') * 100 + (buf[p + 1] - '0') * 10 +
	    (buf[p + 2] - '0');
	r->reason = le > 13 ? span_make(buf + 13, le - 13) : span_make(buf, 0);
	return 0;
}

long
http_parse_response_head(char *buf, size_t len, size_t *scan_from,
    size_t max_head, struct http_response *r, const char **why)
{
	const struct http_header *h;
	struct http_span rest, e;
	size_t le, next, end, i, codings = 0;
	int status, bad_coding = 0;
	long n;

	n = find_head_end(buf, len, 0, scan_from, max_head);
	if (n == -1) {
		*why = "bare CR or LF in response head";
		return HTTP_PARSE_ERROR;
	}
	if (n == 0) {
		if (len >= max_head) {
			*why = "response head too large";
			return HTTP_PARSE_ERROR;
		}
		return HTTP_PARSE_MORE;
	}
	end = (size_t)n;
	memset(r, 0, sizeof(*r));
	r->content_encoding = span_make(buf, 0);
	*why = NULL;
	if (line_split(buf, 0, end, &le, &next) == -1 ||
	    parse_status_line(buf, le, r, why) == -1) {
		if (*why == NULL)
			*why = "bare CR or LF in response head";
		return HTTP_PARSE_ERROR;
	}
	if (parse_fields(buf, next, end, r->headers, &r->nheaders, &status,
	    why) != 0)
		return HTTP_PARSE_ERROR;
	for (i = 0; i < r->nheaders; i++) {
		h = &r->headers[i];
		if (span_ieq(h->name.p, h->name.n, "content-length")) {
			if (parse_content_length(h->value, &r->has_length,
			    &r->content_length) == -1) {
				*why = "invalid Content-Length";
				return HTTP_PARSE_ERROR;
			}
		} else if (span_ieq(h->name.p, h->name.n,
		    "transfer-encoding")) {
			rest = h->value;
			while (list_next(&rest, &e)) {
				codings++;
				if (!span_ieq(e.p, e.n, "chunked"))
					bad_coding = 1;
			}
		} else if (span_ieq(h->name.p, h->name.n,
		    "content-encoding"))
			r->content_encoding = h->value;
	}
	if (codings > 0) {
		if (bad_coding || codings != 1) {
			*why = "unsupported transfer coding";
			return HTTP_PARSE_ERROR;
		}
		r->chunked = 1;
		r->has_length = 0;  /* RFC 9112 6.3: chunked wins */
	}
	return (long)end;
}

const struct http_header *
http_response_header(const struct http_response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (span_ieq(r->headers[i].name.p, r->headers[i].name.n, name))
			return &r->headers[i];
	return NULL;
}

struct http_span
http_path_last_segment(struct http_span path)
{
	size_t n = path.n, i;

	if (n == 0)
		return path;
	/* "/scheduler/filter/" still routes as "filter". */
	if (path.p[n - 1] == '/')
		n--;
	for (i = n; i > 0 && path.p[i - 1] != '/'; i--)
		continue;
	return span_make(path.p + i, n - i);
}

void
http_chunked_init(struct http_chunked *c)
{
	c->state = CH_SIZE;
	c->chunk_left = 0;
	c->total = 0;
	c->line_len = 0;
}

/* The size line ended: start the data, or the trailers after chunk 0. */
static int
chunk_size_done(struct http_chunked *c)
{
	c->line_len = 0;
	if (c->chunk_left == 0) {
		c->state = CH_TRAILER;
		return 0;
	}
	if (c->chunk_left > UINT64_MAX - c->total)
		return -1;
	c->state = CH_DATA;
	return 0;
}

/* A trailer line ended: an empty one ends the body. */
static void
chunk_trailer_done(struct http_chunked *c)
{
	if (c->line_len == 0)
		c->state = CH_DONE;
	else {
		c->line_len = 0;
		c->state = CH_TRAILER;
	}
}

/* Count a byte of a size or trailer line against the line limit. */
static int
chunk_line_byte(struct http_chunked *c, unsigned char ch)
{
	if (!is_field_byte(ch))
		return -1;
	return ++c->line_len > CHUNK_LINE_MAX ? -1 : 0;
}

int
http_chunked_feed(struct http_chunked *c, char *p, size_t n, size_t *out,
    size_t *used)
{
	size_t i = 0, o = 0, take;
	unsigned char ch;
	int d, bad = 0;

	while (i < n && !bad) {
		if (c->state == CH_DONE || c->state == CH_ERROR)
			break;
		if (c->state == CH_DATA) {
			take = n - i;
			if ((uint64_t)take > c->chunk_left)
				take = (size_t)c->chunk_left;
			/* In place: the payload only ever moves left. */
			memmove(p + o, p + i, take);
			o += take;
			i += take;
			c->chunk_left -= take;
			c->total += take;
			if (c->chunk_left == 0)
				c->state = CH_DATA_END;
			continue;
		}
		ch = (unsigned char)p[i++];
		switch (c->state) {
		case CH_SIZE:
			if ((d = hex_value(ch)) >= 0) {
				if (c->line_len == CHUNK_DIGITS_MAX) {
					bad = 1;
					break;
				}
				c->chunk_left = c->chunk_left << 4 |
				    (uint64_t)d;
				c->line_len++;
				break;
			}
			if (c->line_len == 0)
				bad = 1;
			else if (ch == ';') {
				c->state = CH_EXT;
				bad = chunk_line_byte(c, ch);
			} else if (is_ows((char)ch)) {
				c->state = CH_SIZE_WS;
				bad = chunk_line_byte(c, ch);
			} else if (ch == '\r')
				c->state = CH_SIZE_LF;
			else
				bad = 1;	/* a bare LF too */
			break;
		case CH_SIZE_WS:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == ';' || is_ows((char)ch)) {
				if (ch == ';')
					c->state = CH_EXT;
				bad = chunk_line_byte(c, ch);
			} else
				bad = 1;
			break;
		case CH_EXT:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == '\n')
				bad = 1;
			else
				bad = chunk_line_byte(c, ch);
			break;
		case CH_SIZE_LF:
			if (ch == '\n')
				bad = chunk_size_done(c);
			else
				bad = 1;
			break;
		case CH_DATA_END:
			if (ch == '\r')
				c->state = CH_DATA_LF;
			else
				bad = 1;
			break;
		case CH_DATA_LF:
			if (ch == '\n')
				c->state = CH_SIZE;
			else
				bad = 1;
			break;
		case CH_TRAILER:
			if (ch == '\r')
				c->state = CH_TRAILER_LF;
			else if (ch == '\n')
				bad = 1;
			else
				bad = chunk_line_byte(c, ch);
			break;
		case CH_TRAILER_LF:
			if (ch == '\n')
				chunk_trailer_done(c);
			else
				bad = 1;
			break;
		default:
			bad = 1;
			break;
		}
	}

	*out = o;
	*used = i;
	if (bad)
		c->state = CH_ERROR;
	if (c->state == CH_ERROR)
		return -1;
	if (c->state == CH_DONE)
		return 1;
	return 0;
}

const char *
http_status_text(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

void
http_write_head(struct buf *out, int minor, int status, const char *ctype,
    size_t content_length, int keep_alive)
{
	buf_printf(out, "HTTP/1.1 %d %s\r\nServer: wca-scheduler\r\n", status,
	    http_status_text(status));
	/*
	 * An interim 1xx carries no framing or connection options of its
	 * own: the final response that follows does.
	 */
	if (status >= 100 && status < 200) {
		buf_adds(out, "\r\n");
		return;
	}
	if (ctype != NULL)
		buf_printf(out, "Content-Type: %s\r\n", ctype);
	/* A 204 must not carry Content-Length (RFC 9110 8.6). */
	if (status != 204)
		buf_printf(out, "Content-Length: %zu\r\n", content_length);
	if (!keep_alive)
		buf_adds(out, "Connection: close\r\n");
	else if (minor == 0)
		buf_adds(out, "Connection: keep-alive\r\n");
	buf_adds(out, "\r\n");
}
