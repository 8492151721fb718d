/*
 * The scraper: one client state machine per metrics source.
 *
 *   IDLE --timer--> CONNECTING --writable--> SENDING --sent--> READ_HEAD
 *     ^                                                            |
 *     |<-- fail: close, schedule next ------------------------ READ_BODY
 *     |                                                            | end
 *     +<-- published: schedule next --- COMMITTING <---------------+
 *
 * Every state from CONNECTING to READ_BODY runs under one deadline
 * (`timeout`); a failure ends in source_fail(), which closes the socket
 * and schedules the next attempt `interval` after this one started.  Body
 * bytes are parsed as they arrive, whole lines only, so the buffer holds
 * at most one partial line plus one read.  Once the body is complete the
 * socket is closed and the commit into the node store runs in steps of
 * NS_COMMIT_BUDGET, one per loop turn (a 0 ms timer: requests that are
 * ready run between steps), so that a large scrape never holds the loop
 * longer than a request does; requests see the new data from the step
 * that publishes it, and the attempt counts as a success once the old
 * data is unlinked too.
 */
#include "scrape.h"

#include <errno.h>
#include <stdarg.h>
#include <strings.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "json.h"
#include "log.h"
#include "promtext.h"
#include "stats.h"
#include "tls.h"
#include "version.h"

/* Bytes read per recv(); also what one wake-up may parse per source. */
#define SCRAPE_READ_CHUNK	(8 * 1024)
/* Reads per wake-up before yielding to other fds (fairness). */
#define SCRAPE_READS_PER_WAKE	1
#define SCRAPE_KEEP_BUF		(4 * SCRAPE_READ_CHUNK)
#define SCRAPE_MAX_HEAD		(64 * 1024)
#define SCRAPE_MAX_LINE		(1024 * 1024)
#define SCRAPE_ERR_LEN		160

enum scrape_state {
	SCRAPE_IDLE,
	SCRAPE_CONNECTING,
	SCRAPE_SENDING,
	SCRAPE_READ_HEAD,
	SCRAPE_READ_BODY,
	SCRAPE_COMMITTING
};

/* Why an attempt failed: the `reason` label of the error counter. */
enum scrape_error {
	SERR_CONNECT,
	SERR_TIMEOUT,
	SERR_IO,
	SERR_HTTP_STATUS,
	SERR_PROTOCOL,
	SERR_TOO_LARGE,
	SERR_TLS,
	SERR_COUNT
};

static const char *const serr_names[SERR_COUNT] = {
	"connect", "timeout", "io", "http_status", "protocol", "too_large", "tls"
};

enum body_framing { BODY_LENGTH, BODY_CHUNKED, BODY_CLOSE };

struct source {
	struct scraper *sc;
	/* Identity and target, copied from the configuration. */
	char *url, *node, *host_header, *path;
	char *host;                     /* for TLS: name or IP to verify */
	int https;
	struct tls_client *tls;         /* this attempt's, https only */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	size_t index;                   /* position in [metrics]: store id */

	enum scrape_state state;
	int fd;
	struct loop_timer timer;        /* next attempt, or the deadline */
	uint64_t started_ms;            /* loop clock, this attempt */

	struct buf out;                 /* the request */
	size_t out_off;
	struct buf in;                  /* head, then unparsed body bytes */
	size_t scan;
	struct http_response resp;
	enum body_framing framing;
	struct http_chunked chunk;
	uint64_t body_bytes;            /* payload bytes received */
	uint64_t body_left;             /* BODY_LENGTH: still to come */

	struct prom_parser parser;      /* its counters describe this attempt */
	struct ns_builder *builder;

	/* Status, for /status, /readyz, /metrics and the log. */
	int ever_ok;
	double last_success_wall;       /* Unix seconds */
	uint64_t last_success_ms;       /* loop clock */
	double last_duration;           /* seconds, last attempt */
	uint64_t commit_begin_ms;       /* loop clock: the body was complete */
	uint64_t commit_max_us;         /* longest step of this commit */
	uint64_t read_max_us;           /* longest read + parse of this one */
	uint64_t commit_steps;
	uint64_t last_commit_us;        /* longest step of the last commit */
	uint64_t last_commit_steps;
	uint64_t last_read_us;          /* longest read + parse, last scrape */
	uint64_t last_samples;
	uint64_t last_malformed;
	char last_error[SCRAPE_ERR_LEN];
	double last_error_wall;
	int failing;                    /* last attempt failed */
	enum scrape_error last_reason;
	uint64_t ok_total;
	uint64_t err_total[SERR_COUNT];
};

struct scraper {
	struct loop *loop;
	struct ns_store *store;
	struct source **src;
	size_t nsrc;
	double interval, timeout, staleness;
	uint64_t max_size;
	struct tls_creds *tls;          /* the configuration's metrics_tls */
};

static void source_on_io(struct loop *l, int fd, int revents, void *arg);
static void source_on_timer(struct loop *l, void *arg);

static uint64_t
ms_of(double seconds)
{
	return (uint64_t)(seconds * 1000.0 + 0.5);
}

static void
source_close_fd(struct source *s)
{
	tls_client_free(s->tls);
	s->tls = NULL;
	if (s->fd < 0)
		return;
	loop_del(s->sc->loop, s->fd);
	close(s->fd);
	s->fd = -1;
}

/* The events an attempt waits for: `want`, plus POLLOUT while TLS records
 * wait for the socket and POLLIN while the handshake needs the server. */
static void
source_poll(struct source *s, int want)
{
	if (s->tls && tls_client_pending(s->tls))
		want |= POLLOUT;
	if (s->tls)
		want |= POLLIN;
	loop_set_events(s->sc->loop, s->fd, want);
}

/*
 * Between scrapes the buffers keep their memory: a buffer freed and
 * allocated again faults its pages in again on the next scrape's reads,
 * and a page fault costs tens of microseconds on some VMs.  A buffer
 * that grew past SCRAPE_KEEP_BUF (a long line) is given back.
 */
static void
source_bufs_reset(struct source *s)
{
	buf_drop_above(&s->in, SCRAPE_KEEP_BUF);
	buf_drop_above(&s->out, SCRAPE_KEEP_BUF);
	s->in.len = s->out.len = 0;
}

/* Back to IDLE; the next attempt starts `interval` after this one did. */
static void
source_schedule_next(struct source *s)
{
	uint64_t now = loop_now(s->sc->loop), due, wait = 0;

	source_close_fd(s);
	s->state = SCRAPE_IDLE;
	source_bufs_reset(s);
	due = s->started_ms + ms_of(s->sc->interval);
	if (due > now)
		wait = due - now;
	loop_timer_after(s->sc->loop, &s->timer, wait);
}

static void
source_fail(struct source *s, enum scrape_error reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
source_fail(struct source *s, enum scrape_error reason, const char *fmt, ...)
{
	char msg[SCRAPE_ERR_LEN];
	va_list ap;
	int changed;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->builder) {
		ns_builder_abort(s->builder);
		s->builder = NULL;
	}
	s->last_duration = (double)(loop_now(s->sc->loop) - s->started_ms) /
	    1000.0;
	/* Log a failure once, and again only when it changes. */
	changed = !s->failing || s->last_reason != reason ||
	    strcmp(s->last_error, msg) != 0;
	snprintf(s->last_error, sizeof(s->last_error), "%s", msg);
	s->last_error_wall = loop_unix_now();
	s->last_reason = reason;
	s->failing = 1;
	s->err_total[reason]++;
	if (changed)
		log_warn(LOGGER_METRICS, "scrape failed source=%s reason=%s "
		    "error=\"%s\" keeping=%s", s->url, serr_names[reason], msg,
		    s->ever_ok ? "last good data until stale" : "nothing");
	source_schedule_next(s);
}

/* The commit is published: the data is the source's from now on. */
static void
source_succeed(struct source *s)
{
	const struct prom_stats *st = &s->parser.st;
	uint64_t now = s->commit_begin_ms, i;

	s->last_commit_us = s->commit_max_us;
	s->last_commit_steps = s->commit_steps;
	s->last_read_us = s->read_max_us;
	s->last_duration = (double)(now - s->started_ms) / 1000.0;
	s->last_success_wall = loop_unix_now();
	s->last_success_ms = now;
	s->last_samples = st->samples;
	s->last_malformed = st->malformed;
	if (s->failing || !s->ever_ok)
		log_info(LOGGER_METRICS, "scrape ok source=%s samples=%llu "
		    "malformed=%llu duration=%.3f%s", s->url,
		    (unsigned long long)st->samples,
		    (unsigned long long)st->malformed, s->last_duration,
		    s->failing ? " recovered=yes" : "");
	else
		log_debug(LOGGER_METRICS, "scrape ok source=%s samples=%llu "
		    "malformed=%llu duration=%.3f commit_steps=%llu "
		    "commit_max_us=%llu read_max_us=%llu", s->url,
		    (unsigned long long)st->samples,
		    (unsigned long long)st->malformed, s->last_duration,
		    (unsigned long long)s->last_commit_steps,
		    (unsigned long long)s->last_commit_us,
		    (unsigned long long)s->last_read_us);
	/* The rest of the scrape is kept; the first bad lines are named. */
	for (i = 0; i < st->malformed && i < PROM_BAD_KEPT; i++)
		log_debug(LOGGER_METRICS, "malformed line source=%s line=%llu "
		    "column=%zu why=\"%s\"%s", s->url,
		    (unsigned long long)st->bad[i].line, st->bad[i].col,
		    st->bad[i].why, i == 0 && st->malformed > 1 ?
		    " (first of several)" : "");
	s->ever_ok = 1;
	s->failing = 0;
	s->ok_total++;
	source_schedule_next(s);
}

/*
 * One step of the commit, then back to the loop; the source's timer
 * brings the next (0 ms timers run after the I/O of the next turn).
 */
static void
source_commit_step(struct source *s)
{
	uint64_t t0 = loop_clock_us(), dt;
	int r = ns_commit_step(s->sc->store, s->builder, NS_COMMIT_BUDGET);

	dt = loop_clock_us() - t0;
	s->commit_steps++;
	if (dt > s->commit_max_us)
		s->commit_max_us = dt;
	if (r == NS_MORE) {
		loop_timer_after(s->sc->loop, &s->timer, 0);
		return;
	}
	s->builder = NULL;		/* consumed */
	if (r == NS_OK) {
		source_succeed(s);
		return;
	}
	/* The store no longer has the source (a reload is replacing it):
	 * nothing to count. */
	source_schedule_next(s);
}

/* The body is complete: the socket is done with, the data goes into the
 * store in steps. */
static void
source_commit_begin(struct source *s)
{
	source_close_fd(s);
	source_bufs_reset(s);
	s->state = SCRAPE_COMMITTING;
	s->commit_begin_ms = loop_now(s->sc->loop);
	s->commit_steps = s->commit_max_us = 0;
	ns_commit_begin(s->builder, (double)s->commit_begin_ms / 1000.0);
	loop_timer_after(s->sc->loop, &s->timer, 0);	/* after this parse */
}

/* ---- request ---- */

static void
source_start(struct source *s)
{
	int fd;

	s->started_ms = loop_now(s->sc->loop);
	s->body_bytes = 0;
	s->read_max_us = 0;
	s->scan = 0;
	s->out_off = 0;
	source_bufs_reset(s);
	buf_printf(&s->out, "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: wca-scheduler/%s\r\n"
	    "Accept: text/plain;version=0.0.4\r\n"
	    "Accept-Encoding: identity\r\nConnection: close\r\n\r\n",
	    s->path, s->host_header, wca_version);
	s->builder = ns_builder_new(s->sc->store, s->index);
	prom_parser_reset(&s->parser);

	fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		source_fail(s, SERR_CONNECT, "socket: %s", strerror(errno));
		return;
	}
	s->fd = fd;
	loop_add(s->sc->loop, fd, POLLOUT, source_on_io, s);
	if (s->https) {
		if (s->sc->tls == NULL) {	/* the configuration loads
						   them for https sources */
			source_fail(s, SERR_TLS, "no TLS credentials");
			return;
		}
		s->tls = tls_client_new(s->sc->tls, s->host);
	}
	loop_timer_after(s->sc->loop, &s->timer, ms_of(s->sc->timeout));
	s->state = SCRAPE_CONNECTING;
	if (connect(fd, (struct sockaddr *)&s->addr, s->addrlen) < 0 &&
	    errno != EINPROGRESS) {
		source_fail(s, SERR_CONNECT, "connect: %s", strerror(errno));
		return;
	}
	/* Even an immediate success is reported through POLLOUT. */
}

/*
 * An I/O error of `op`, or the TLS error behind it.  A server that
 * refuses the handshake (a client certificate it wants and does not
 * get) may close before its alert is read: the next write fails with
 * EPIPE, or the read with ECONNRESET, and that is a TLS failure too.
 */
static void
source_fail_io(struct source *s, const char *op)
{
	char why[160];

	if (s->tls && errno == EPROTO)
		source_fail(s, SERR_TLS, "TLS: %s",
		    tls_client_error(s->tls, why, sizeof(why)));
	else if (s->tls && (errno == ECONNRESET || errno == EPIPE) &&
	    s->state <= SCRAPE_SENDING)
		source_fail(s, SERR_TLS, "TLS: the server closed the "
		    "connection during the handshake");
	else
		source_fail(s, SERR_IO, "%s: %s", op, strerror(errno));
}

static void
source_send(struct source *s)
{
	if (s->tls) {
		int r = tls_client_handshake(s->tls, s->fd);

		if (r < 0) {
			source_fail_io(s, "handshake");
			return;
		}
		if (r == 0) {
			source_poll(s, 0);
			return;
		}
	}
	while (s->out_off < s->out.len) {
		ssize_t n = s->tls ? tls_client_send(s->tls, s->fd,
		    s->out.p + s->out_off, s->out.len - s->out_off) :
		    send(s->fd, s->out.p + s->out_off,
		    s->out.len - s->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				source_poll(s, POLLOUT);
				return;
			}
			source_fail_io(s, "send");
			return;
		}
		s->out_off += (size_t)n;
	}
	s->state = SCRAPE_READ_HEAD;
	source_poll(s, POLLIN);
}

/* ---- body ---- */

int
scrape_add_sample(void *builder, const struct prom_sample *smp)
{
	struct ns_label labels[PROM_MAX_LABELS];
	struct ns_sample ns;
	size_t i;

	for (i = 0; i < smp->nlabels; i++) {
		labels[i].name = smp->labels[i].name.p;
		labels[i].name_len = smp->labels[i].name.n;
		labels[i].value = smp->labels[i].value.p;
		labels[i].value_len = smp->labels[i].value.n;
	}
	ns.name = smp->name.p;
	ns.name_len = smp->name.n;
	ns.labels = labels;
	ns.nlabels = smp->nlabels;
	ns.value = smp->value;
	ns_builder_add(builder, &ns);
	return 0;
}

static int
source_take_sample(void *arg, const struct prom_sample *smp)
{
	struct source *s = arg;

	return scrape_add_sample(s->builder, smp);
}

/*
 * Parse the complete lines in `in` (all of it when `final`) and keep the
 * partial last line.  Returns -1 after failing the source.
 */
static int
source_parse_lines(struct source *s, int final)
{
	size_t pos = 0;

	prom_feed(&s->parser, s->in.p, s->in.len, &pos, final, 0,
	    source_take_sample, s);
	buf_consume(&s->in, pos);
	if (s->in.len > SCRAPE_MAX_LINE) {
		source_fail(s, SERR_PROTOCOL, "line %llu longer than %d bytes",
		    (unsigned long long)s->parser.st.lines + 1,
		    SCRAPE_MAX_LINE);
		return -1;
	}
	return 0;
}

/* Payload bytes just appended at in[from..len): account and parse. */
static int
source_body_bytes(struct source *s, size_t n)
{
	s->body_bytes += n;
	if (s->body_bytes > s->sc->max_size) {
		source_fail(s, SERR_TOO_LARGE, "body larger than %llu bytes "
		    "(max_size)", (unsigned long long)s->sc->max_size);
		return -1;
	}
	return source_parse_lines(s, 0);
}

/*
 * Raw bytes in in[from..len) belong to the body.  Returns 1 when the body
 * is complete, 0 for more, -1 after failing the source.
 */
static int
source_feed_body(struct source *s, size_t from)
{
	size_t raw = s->in.len - from, out, used;
	int r;

	switch (s->framing) {
	case BODY_LENGTH:
		if (raw > s->body_left) {
			/* Bytes past Content-Length: ignore them. */
			s->in.len -= raw - (size_t)s->body_left;
			raw = (size_t)s->body_left;
		}
		s->body_left -= raw;
		if (source_body_bytes(s, raw) < 0)
			return -1;
		return s->body_left == 0;
	case BODY_CHUNKED:
		r = http_chunked_feed(&s->chunk, s->in.p + from, raw, &out,
		    &used);
		if (r < 0) {
			source_fail(s, SERR_PROTOCOL, "malformed chunked body");
			return -1;
		}
		s->in.len = from + out;
		if (source_body_bytes(s, out) < 0)
			return -1;
		return r == 1;
	case BODY_CLOSE:
		if (source_body_bytes(s, raw) < 0)
			return -1;
		return 0;
	}
	return -1;
}

static int
source_begin_body(struct source *s, size_t head_len)
{
	struct http_response *r = &s->resp;
	const struct http_header *loc;

	if (r->status != 200) {
		loc = http_response_header(r, "location");
		if (r->status >= 300 && r->status < 400 && loc)
			source_fail(s, SERR_HTTP_STATUS, "HTTP %d redirect to "
			    "%.*s not followed", r->status,
			    (int)(loc->value.n < 100 ? loc->value.n : 100),
			    loc->value.p);
		else
			source_fail(s, SERR_HTTP_STATUS, "HTTP %d %.*s",
			    r->status,
			    (int)(r->reason.n < 60 ? r->reason.n : 60),
			    r->reason.p);
		return -1;
	}
	if (r->content_encoding.n > 0 &&
	    !(r->content_encoding.n == 8 &&
	    strncasecmp(r->content_encoding.p, "identity", 8) == 0)) {
		source_fail(s, SERR_PROTOCOL, "Content-Encoding %.*s not "
		    "supported (identity was asked for)",
		    (int)(r->content_encoding.n < 40 ? r->content_encoding.n :
		    40), r->content_encoding.p);
		return -1;
	}
	if (r->chunked) {
		s->framing = BODY_CHUNKED;
		http_chunked_init(&s->chunk);
	} else if (r->has_length) {
		if (r->content_length > s->sc->max_size) {
			source_fail(s, SERR_TOO_LARGE, "Content-Length %llu "
			    "over max_size %llu",
			    (unsigned long long)r->content_length,
			    (unsigned long long)s->sc->max_size);
			return -1;
		}
		s->framing = BODY_LENGTH;
		s->body_left = r->content_length;
	} else
		s->framing = BODY_CLOSE;
	/* The head's bytes are done with; the body follows at offset 0. */
	buf_consume(&s->in, head_len);
	s->state = SCRAPE_READ_BODY;
	return 0;
}

/* Drive READ_HEAD / READ_BODY with the bytes now in `in`. */
static void
source_process(struct source *s, size_t new_from, int eof)
{
	const char *why;
	long h;
	int r;

	if (s->state == SCRAPE_READ_HEAD) {
		h = http_parse_response_head(s->in.p, s->in.len, &s->scan,
		    SCRAPE_MAX_HEAD, &s->resp, &why);
		if (h == HTTP_PARSE_ERROR) {
			source_fail(s, SERR_PROTOCOL, "bad response: %s", why);
			return;
		}
		if (h == HTTP_PARSE_MORE) {
			if (eof)
				source_fail(s, SERR_IO, "connection closed "
				    "before the response head");
			return;
		}
		if (source_begin_body(s, (size_t)h) < 0)
			return;
		new_from = 0;
	}
	r = source_feed_body(s, new_from);
	if (r < 0)
		return;
	if (r == 0 && eof) {
		if (s->framing != BODY_CLOSE) {
			source_fail(s, SERR_IO, "connection closed after %llu "
			    "body bytes", (unsigned long long)s->body_bytes);
			return;
		}
		r = 1;
	}
	if (r == 1) {
		source_parse_lines(s, 1);
		source_commit_begin(s);
	}
}

static void
source_read(struct source *s)
{
	int i;

	for (i = 0; i < SCRAPE_READS_PER_WAKE; i++) {
		size_t from;
		ssize_t n;

		buf_reserve(&s->in, SCRAPE_READ_CHUNK);
		from = s->in.len;
		n = s->tls ? tls_client_recv(s->tls, s->fd, s->in.p + from,
		    SCRAPE_READ_CHUNK) :
		    recv(s->fd, s->in.p + from, SCRAPE_READ_CHUNK, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				source_poll(s, POLLIN);
				return;
			}
			source_fail_io(s, "recv");
			return;
		}
		s->in.len += (size_t)n;
		source_process(s, from, n == 0);
		if (n == 0 || s->fd < 0)	/* done, failed or complete */
			return;
	}
}

static void
source_on_io(struct loop *l, int fd, int revents, void *arg)
{
	struct source *s = arg;
	int err = 0;
	socklen_t elen = sizeof(err);

	(void)l;
	(void)fd;
	switch (s->state) {
	case SCRAPE_CONNECTING:
		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err != 0) {
			source_fail(s, SERR_CONNECT, "connect: %s",
			    strerror(err));
			return;
		}
		s->state = SCRAPE_SENDING;
		/* fall through */
	case SCRAPE_SENDING:
		source_send(s);
		return;
	case SCRAPE_READ_HEAD:
	case SCRAPE_READ_BODY:
		if ((revents & POLLOUT) && s->tls &&
		    tls_client_push(s->tls, s->fd) < 0) {
			source_fail_io(s, "send");
			return;
		}
		if (revents & (POLLIN | POLLHUP | POLLERR)) {
			uint64_t t0 = loop_clock_us(), dt;

			source_read(s);
			dt = loop_clock_us() - t0;
			if (dt > s->read_max_us)
				s->read_max_us = dt;
		}
		return;
	case SCRAPE_IDLE:
	case SCRAPE_COMMITTING:
		return;
	}
}

static void
source_on_timer(struct loop *l, void *arg)
{
	struct source *s = arg;

	(void)l;
	if (s->state == SCRAPE_IDLE) {
		source_start(s);
		return;
	}
	if (s->state == SCRAPE_COMMITTING) {
		source_commit_step(s);
		return;
	}
	source_fail(s, SERR_TIMEOUT, "no complete answer within %g s "
	    "(timeout)%s", s->sc->timeout,
	    s->state == SCRAPE_CONNECTING ? " while connecting" : "");
}

/* ---- sources ---- */

/*
 * Drop an attempt in flight without counting it as a failure (its store
 * id changed in a reload); the next attempt starts at once.  A commit
 * goes on: its builder names the source by identity, not by id.
 */
static void
source_restart(struct source *s)
{
	if (s->state == SCRAPE_IDLE || s->state == SCRAPE_COMMITTING)
		return;
	if (s->builder) {
		ns_builder_abort(s->builder);
		s->builder = NULL;
	}
	source_close_fd(s);
	s->state = SCRAPE_IDLE;
	source_bufs_reset(s);
	loop_timer_after(s->sc->loop, &s->timer, 0);
}

static int
same_identity(const struct source *s, const struct metrics_source *m)
{
	if (strcmp(s->url, m->url) != 0)
		return 0;
	if (!s->node || !m->node)
		return s->node == m->node;
	return strcmp(s->node, m->node) == 0;
}

/*
 * The request target as sent: bytes that may not appear in one (RFC 3986:
 * quotes, braces, '|', spaces, non-ASCII...) are percent-encoded, so a
 * readable /federate?match[]={__name__=~"wca_.*"} works as written.
 */
static char *
request_target(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	static const char ok[] = "-._~:/?#[]@!$&'()*+,;=%";
	struct buf b;
	const unsigned char *p;

	buf_init(&b);
	for (p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr(ok, *p) != NULL)
			buf_addc(&b, (char)*p);
		else {
			buf_addc(&b, '%');
			buf_addc(&b, hex[*p >> 4]);
			buf_addc(&b, hex[*p & 15]);
		}
	}
	buf_addc(&b, '\0');
	return b.p;
}

static struct source *
source_new(struct scraper *sc, const struct metrics_source *m, size_t index)
{
	struct source *s = xcalloc(1, sizeof(*s));
	int v6 = strchr(m->host, ':') != NULL;
	size_t n = strlen(m->host) + strlen(m->port) + 4;

	s->sc = sc;
	s->url = xstrdup(m->url);
	s->host = xstrdup(m->host);
	s->https = m->https;
	s->node = m->node ? xstrdup(m->node) : NULL;
	s->path = request_target(m->path);
	s->host_header = xmalloc(n);
	snprintf(s->host_header, n, v6 ? "[%s]:%s" : "%s:%s", m->host,
	    m->port);
	memcpy(&s->addr, &m->addr, m->addrlen);
	s->addrlen = m->addrlen;
	s->index = index;
	s->fd = -1;
	s->state = SCRAPE_IDLE;
	prom_parser_init(&s->parser);
	loop_timer_init(&s->timer, source_on_timer, s);
	return s;
}

static void
source_free(struct source *s)
{
	loop_timer_cancel(s->sc->loop, &s->timer);
	source_close_fd(s);
	if (s->builder)
		ns_builder_abort(s->builder);
	prom_parser_free(&s->parser);
	buf_free(&s->in);
	buf_free(&s->out);
	free(s->url);
	free(s->node);
	free(s->path);
	free(s->host_header);
	free(s->host);
	free(s);
}

/* The configuration's credentials for https:// sources (loaded and
 * checked with it), or none. */
static void
scraper_take_tls(struct scraper *sc, const struct config *cfg)
{
	tls_creds_unref(sc->tls);
	sc->tls = cfg->metrics_tls ? tls_creds_ref(cfg->metrics_tls) : NULL;
}

/*
 * Settings and the store's view of the sources: ids are positions in
 * [metrics]; the store keeps the data of a source whose URL and node= are
 * unchanged and drops the rest.
 */
static void
scraper_take_settings(struct scraper *sc, const struct config *cfg)
{
	struct ns_source_spec *specs = xcalloc(cfg->nsources + 1,
	    sizeof(*specs));
	struct ns_opts o;
	size_t i;

	sc->interval = cfg->interval;
	sc->timeout = cfg->timeout;
	sc->staleness = cfg->staleness;
	sc->max_size = cfg->max_scrape_size;
	memset(&o, 0, sizeof(o));
	o.node_label = cfg->node_label;
	o.window = cfg->window;
	o.rate_window = cfg->rate_window > 0 ? cfg->rate_window : -1;
	o.rate_step = cfg->rate_step;
	ns_configure(sc->store, &o);
	for (i = 0; i < cfg->nsources; i++) {
		specs[i].url = cfg->sources[i].url;
		specs[i].node = cfg->sources[i].node;
	}
	ns_set_sources(sc->store, specs, cfg->nsources);
	free(specs);
	scraper_take_tls(sc, cfg);
}

/* Spread first scrapes over one interval so sources do not all fire at once. */
static void
source_kick(struct scraper *sc, struct source *s, size_t i, size_t n)
{
	loop_timer_after(sc->loop, &s->timer,
	    n > 1 ? ms_of(sc->interval) * i / n : 0);
}

struct scraper *
scraper_new(struct loop *l, struct ns_store *store, const struct config *cfg)
{
	struct scraper *sc = xcalloc(1, sizeof(*sc));
	size_t i;

	sc->loop = l;
	sc->store = store;
	scraper_take_settings(sc, cfg);
	sc->src = xcalloc(cfg->nsources + 1, sizeof(*sc->src));
	for (i = 0; i < cfg->nsources; i++) {
		sc->src[i] = source_new(sc, &cfg->sources[i], i);
		source_kick(sc, sc->src[i], i, cfg->nsources);
	}
	sc->nsrc = cfg->nsources;
	return sc;
}

void
scraper_reconfigure(struct scraper *sc, const struct config *cfg)
{
	struct source **next = xcalloc(cfg->nsources + 1, sizeof(*next));
	size_t i, j, kept = 0, added = 0, removed = 0;

	scraper_take_settings(sc, cfg);
	for (i = 0; i < cfg->nsources; i++) {
		for (j = 0; j < sc->nsrc; j++) {
			if (sc->src[j] && same_identity(sc->src[j],
			    &cfg->sources[i])) {
				next[i] = sc->src[j];
				sc->src[j] = NULL;
				if (next[i]->index != i)
					source_restart(next[i]);
				next[i]->index = i;
				kept++;
				break;
			}
		}
		if (next[i] == NULL) {
			next[i] = source_new(sc, &cfg->sources[i], i);
			source_kick(sc, next[i], 0, 1);
			added++;
		}
	}
	for (j = 0; j < sc->nsrc; j++) {
		if (sc->src[j]) {
			source_free(sc->src[j]);
			removed++;
		}
	}
	free(sc->src);
	sc->src = next;
	sc->nsrc = cfg->nsources;
	if (added || removed)
		log_info(LOGGER_METRICS, "sources changed kept=%zu added=%zu "
		    "removed=%zu", kept, added, removed);
}

void
scraper_free(struct scraper *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nsrc; i++)
		source_free(sc->src[i]);
	free(sc->src);
	tls_creds_unref(sc->tls);
	free(sc);
}

/* ---- reporting ---- */

/* Seconds since the last success, or -1 when never. */
static double
source_age(const struct source *s, uint64_t now_ms)
{
	if (!s->ever_ok)
		return -1;
	return (double)(now_ms - s->last_success_ms) / 1000.0;
}

int
scraper_ready(const struct scraper *sc, struct buf *why)
{
	uint64_t now = loop_now(sc->loop);
	size_t i;
	int ready = 1;

	for (i = 0; i < sc->nsrc; i++) {
		const struct source *s = sc->src[i];
		double age = source_age(s, now);

		if (age >= 0 && age <= sc->staleness)
			continue;
		buf_adds(why, ready ? "" : "; ");
		ready = 0;
		if (age < 0)
			buf_printf(why, "source %s never scraped", s->url);
		else
			buf_printf(why, "source %s data %.0f s old (staleness "
			    "%g s)", s->url, age, sc->staleness);
		if (s->failing)
			buf_printf(why, " (last error: %s)", s->last_error);
	}
	return ready;
}

void
scraper_status_json(const struct scraper *sc, struct buf *out)
{
	uint64_t now = loop_now(sc->loop);
	struct ns_source_stats info;
	size_t i;

	buf_addc(out, '[');
	for (i = 0; i < sc->nsrc; i++) {
		const struct source *s = sc->src[i];
		double age = source_age(s, now);

		memset(&info, 0, sizeof(info));
		ns_source_stats(sc->store, s->index, &info);
		if (i)
			buf_addc(out, ',');
		buf_adds(out, "{\"url\":");
		json_write_str(out, s->url, strlen(s->url));
		buf_adds(out, ",\"node\":");
		if (s->node)
			json_write_str(out, s->node, strlen(s->node));
		else
			buf_adds(out, "null");
		buf_adds(out, ",\"fresh\":");
		buf_adds(out, age >= 0 && age <= sc->staleness ? "true" :
		    "false");
		buf_addc(out, ',');
		json_write_time(out, "last_success", s->ever_ok,
		    s->last_success_wall);
		buf_adds(out, ",\"age_seconds\":");
		if (age >= 0)
			json_write_num(out, floor(age * 1000) / 1000);
		else
			buf_adds(out, "null");
		buf_adds(out, ",\"last_error\":");
		if (s->failing)
			json_write_str(out, s->last_error,
			    strlen(s->last_error));
		else
			buf_adds(out, "null");
		buf_addc(out, ',');
		json_write_time(out, "last_error_time", s->failing,
		    s->last_error_wall);
		buf_adds(out, ",\"duration_seconds\":");
		json_write_num(out, s->last_duration);
		buf_adds(out, ",\"commit_seconds\":");
		json_write_num(out, (double)s->last_commit_us / 1e6);
		buf_printf(out, ",\"commit_steps\":%llu",
		    (unsigned long long)s->last_commit_steps);
		buf_adds(out, ",\"read_seconds\":");
		json_write_num(out, (double)s->last_read_us / 1e6);
		buf_printf(out, ",\"samples\":%llu,\"malformed_lines\":%llu,"
		    "\"series_kept\":%zu,\"nodes\":%zu,\"apps\":%zu,"
		    "\"pods\":%zu,\"memory_bytes\":%zu,\"scrapes_ok\":%llu}",
		    (unsigned long long)s->last_samples,
		    (unsigned long long)s->last_malformed, info.last.kept,
		    info.last.nodes, info.last.apps, info.last.pods,
		    info.bytes, (unsigned long long)s->ok_total);
	}
	buf_addc(out, ']');
}

/* A label value for the exposition format: \\, \" and \n escaped. */
static void
prom_label_value(struct buf *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_addc(out, '\\');
		if (*v == '\n') {
			buf_adds(out, "\\n");
			continue;
		}
		buf_addc(out, *v);
	}
}

static void
metric_source(struct buf *out, const char *name, const struct source *s)
{
	buf_adds(out, name);
	buf_adds(out, "{source=\"");
	prom_label_value(out, s->url);
	buf_adds(out, "\"");
}

static double
m_ok(const struct scraper *sc, const struct source *s, uint64_t now)
{
	(void)sc;
	(void)now;
	return (double)s->ok_total;
}

static double
m_duration(const struct scraper *sc, const struct source *s, uint64_t now)
{
	(void)sc;
	(void)now;
	return s->last_duration;
}

static double
m_commit(const struct scraper *sc, const struct source *s, uint64_t now)
{
	(void)sc;
	(void)now;
	return (double)s->last_commit_us / 1e6;
}

static double
m_commit_steps(const struct scraper *sc, const struct source *s, uint64_t now)
{
	(void)sc;
	(void)now;
	return (double)s->last_commit_steps;
}

static double
m_read(const struct scraper *sc, const struct source *s, uint64_t now)
{
	(void)sc;
	(void)now;
	return (double)s->last_read_us / 1e6;
}

static double
m_samples(const struct scraper *sc, const struct source *s, uint64_t now)
{
	(void)sc;
	(void)now;
	return (double)s->last_samples;
}

static double
m_malformed(const struct scraper *sc, const struct source *s, uint64_t now)
{
	(void)sc;
	(void)now;
	return (double)s->last_malformed;
}

static double
m_age(const struct scraper *sc, const struct source *s, uint64_t now)
{
	double age = source_age(s, now);

	(void)sc;
	return age < 0 ? INFINITY : age;
}

static double
m_up(const struct scraper *sc, const struct source *s, uint64_t now)
{
	double age = source_age(s, now);

	return age >= 0 && age <= sc->staleness;
}

/* The per-source series of /metrics, one row each. */
static const struct {
	const char *name, *type, *help;
	double (*value)(const struct scraper *, const struct source *,
	    uint64_t);
} source_series[] = {
	{ "wca_scheduler_scrapes_total", "counter",
	    "Successful scrapes per source.", m_ok },
	{ "wca_scheduler_scrape_duration_seconds", "gauge",
	    "Duration of the last scrape attempt.", m_duration },
	{ "wca_scheduler_scrape_commit_seconds", "gauge",
	    "Longest time one step of the last commit into the node store "
	    "held the event loop.", m_commit },
	{ "wca_scheduler_scrape_commit_steps", "gauge",
	    "Loop turns the last commit into the node store was spread over.",
	    m_commit_steps },
	{ "wca_scheduler_scrape_read_seconds", "gauge",
	    "Longest time one read of the last scrape, with its parse, held "
	    "the event loop.", m_read },
	{ "wca_scheduler_scrape_samples", "gauge",
	    "Samples in the last successful scrape.", m_samples },
	{ "wca_scheduler_scrape_malformed_lines", "gauge",
	    "Malformed lines skipped in the last successful scrape.",
	    m_malformed },
	{ "wca_scheduler_source_age_seconds", "gauge",
	    "Seconds since the source's last successful scrape (+Inf: never).",
	    m_age },
	{ "wca_scheduler_source_up", "gauge",
	    "1 when the source's data is younger than staleness.", m_up },
};

void
scraper_metrics(const struct scraper *sc, struct buf *out)
{
	uint64_t now = loop_now(sc->loop);
	size_t i, k;
	double v;
	int r;

	if (sc->nsrc == 0)
		return;
	for (k = 0; k < sizeof(source_series) / sizeof(source_series[0]);
	    k++) {
		stats_metric_head(out, source_series[k].name, source_series[k].type,
		    source_series[k].help);
		for (i = 0; i < sc->nsrc; i++) {
			metric_source(out, source_series[k].name, sc->src[i]);
			v = source_series[k].value(sc, sc->src[i], now);
			if (isinf(v))
				buf_adds(out, "} +Inf\n");
			else
				buf_printf(out, "} %.9g\n", v);
		}
	}
	stats_metric_head(out, "wca_scheduler_scrape_errors_total", "counter",
	    "Failed scrapes per source and reason.");
	for (i = 0; i < sc->nsrc; i++)
		for (r = 0; r < SERR_COUNT; r++) {
			metric_source(out, "wca_scheduler_scrape_errors_total",
			    sc->src[i]);
			buf_printf(out, ",reason=\"%s\"} %llu\n", serr_names[r],
			    (unsigned long long)sc->src[i]->err_total[r]);
		}
}
