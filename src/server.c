/*
 * Listeners and connections.
 *
 * A connection is a small state machine driven by poll() readiness:
 *
 *   IDLE ──first byte──► READ_HEAD ──head──► READ_BODY ──body──► (dispatch)
 *     ▲                                                             │
 *     └──────────── answer written (keep-alive) ◄── WRITE ◄─────────┘
 *
 * Requests are answered synchronously on the loop as soon as they are
 * complete, so pipelined requests are answered in order by construction.
 * While an answer is not fully written no further request is parsed and
 * nothing more is read: a client that does not read its answers is held
 * to one answer's worth of memory, then closed by the write timeout.
 *
 * Every connection has one timer whose meaning follows the state: idle
 * (idle_timeout), a request arriving (read_timeout from its first byte),
 * an answer leaving (read_timeout since the last progress).  conn_close()
 * is the only exit path and logs why, once.
 */
/* accept4(2) */
#define _GNU_SOURCE
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "algo.h"
#include "buf.h"
#include "capture.h"
#include "extender.h"
#include "http.h"
#include "log.h"
#include "router.h"
#include "stats.h"
#include "tls.h"

#define READ_CHUNK      (64 * 1024)
#define ACCEPT_BURST    64
#define HEALTH_CONNS_MAX 16u	/* health_listen's own, beside max_connections */
#define ACCEPT_PAUSE_MS 100
#define CONTINUE_LINE   "HTTP/1.1 100 Continue\r\n\r\n"
/* How often the TLS files' modification times are looked at. */
#define TLS_CHECK_MS    5000
/* Free room in c_in that a TLS read uses as it is (a record is 16 KiB). */
#define TLS_MIN_ROOM    (16 * 1024 + 512)

enum conn_state {
	CONN_IDLE,
	CONN_READ_HEAD,
	CONN_READ_BODY,
	CONN_WRITE
};

struct listener {
	int fd;
	int health;                     /* health_listen: see config.h */
	char text[80];
	struct server *srv;
	struct loop_timer pause;        /* EMFILE back-off */
};

struct conn {
	int c_fd;
	uint64_t c_id;
	enum conn_state c_state;
	struct server *c_srv;
	struct conn *c_prev, *c_next;
	char c_peer[64];
	struct loop_timer c_timer;

	struct buf c_in;                /* received, not yet consumed */
	size_t c_scan;                  /* head-end search resumes here */
	size_t c_head_len;
	struct http_request c_req;
	struct http_chunked c_chunk;
	size_t c_raw_off;               /* chunked: first undecoded byte */
	size_t c_body_len;              /* chunked: payload decoded so far */
	int c_sent_continue;
	int c_peer_eof;

	/*
	 * The answer goes out as c_out (interim lines and the head) followed
	 * by the first c_body_out bytes of c_body, in one writev, so a body
	 * of megabytes is never copied behind its head.  c_out_off counts
	 * bytes written across both.
	 */
	struct buf c_out;
	struct buf c_body;
	size_t c_body_out;
	size_t c_out_off;
	int c_close_after;              /* close once the answer is written */

	struct ext_scratch c_scratch;

	struct tls_conn *c_tls;         /* NULL: plain HTTP */
	int c_tls_checked;              /* handshake seen and judged */
	int c_health_only;              /* accepted on health_listen */
};

struct server {
	struct loop *loop;
	struct config *cfg;
	struct listener *ls;
	size_t nls;
	struct conn *conns;             /* doubly linked, newest first */
	size_t nconns;
	size_t nhealth;			/* of those, on health_listen */
	uint64_t next_id;
	int draining;
	const struct scraper *scraper;
	const struct ns_store *store;
	struct algo_memo memo;          /* cleared with each new config */
	struct dec_log *decisions;	/* [server] decisions; NULL: off */
	struct capture *capture;	/* [server] capture_dir; NULL: off */
	struct log_limit refused_log;	/* one line a second in a flood */

	struct tls_creds *tls;          /* NULL: plain HTTP */
	struct loop_timer tls_timer;    /* file checks */
	unsigned long long tls_bad_stamp;       /* files that failed */
};

static void conn_process(struct conn *c);
static void conn_on_io(struct loop *l, int fd, int revents, void *arg);

/* ---- connections ---- */

static void
conn_close(struct conn *c, const char *why)
{
	struct server *s = c->c_srv;

	log_debug(LOGGER_HTTP, "connection closed id=%llu peer=%s reason=\"%s\"",
	    (unsigned long long)c->c_id, c->c_peer, why);
	loop_timer_cancel(s->loop, &c->c_timer);
	loop_del(s->loop, c->c_fd);
	close(c->c_fd);
	if (c->c_prev)
		c->c_prev->c_next = c->c_next;
	else
		s->conns = c->c_next;
	if (c->c_next)
		c->c_next->c_prev = c->c_prev;
	s->nconns--;
	if (c->c_health_only)
		s->nhealth--;
	stats.open_conns--;
	buf_free(&c->c_in);
	buf_free(&c->c_out);
	buf_free(&c->c_body);
	ext_scratch_free(&c->c_scratch);
	tls_conn_free(c->c_tls);
	free(c);
}

static uint64_t
ms(double seconds)
{
	return (uint64_t)(seconds * 1000.0 + 0.5);
}

static void
conn_on_timer(struct loop *l, void *arg)
{
	struct conn *c = arg;

	(void)l;
	stats.conns_timed_out++;
	switch (c->c_state) {
	case CONN_IDLE:
		if (c->c_tls && !tls_conn_established(c->c_tls)) {
			log_info(LOGGER_TLS, "TLS handshake timed out id=%llu "
			    "peer=%s", (unsigned long long)c->c_id, c->c_peer);
			conn_close(c, "TLS handshake timeout");
			return;
		}
		conn_close(c, "idle timeout");
		return;
	case CONN_WRITE:
		conn_close(c, "write timeout: client is not reading");
		return;
	default:
		log_info(LOGGER_HTTP, "request timed out id=%llu peer=%s "
		    "received=%zu", (unsigned long long)c->c_id, c->c_peer,
		    c->c_in.len);
		conn_close(c, "read timeout");
		return;
	}
}

/* POLLIN, and POLLOUT while TLS records wait for the socket. */
static void
conn_poll_in(struct conn *c)
{
	int ev = POLLIN;

	if (c->c_tls && tls_conn_pending(c->c_tls))
		ev |= POLLOUT;
	loop_set_events(c->c_srv->loop, c->c_fd, ev);
}

static void
conn_set_state(struct conn *c, enum conn_state st)
{
	const struct config *cfg = c->c_srv->cfg;
	struct loop *l = c->c_srv->loop;

	switch (st) {
	case CONN_IDLE:
		/* A handshake must be over within read_timeout of the
		 * accept, however slowly its bytes come. */
		if (c->c_tls && !tls_conn_established(c->c_tls)) {
			if (!loop_timer_pending(&c->c_timer))
				loop_timer_after(l, &c->c_timer,
				    ms(cfg->read_timeout));
		} else
			loop_timer_after(l, &c->c_timer,
			    ms(cfg->idle_timeout));
		conn_poll_in(c);
		break;
	case CONN_READ_HEAD:
		/* read_timeout runs from the request's first byte. */
		if (c->c_state != CONN_READ_HEAD)
			loop_timer_after(l, &c->c_timer, ms(cfg->read_timeout));
		conn_poll_in(c);
		break;
	case CONN_READ_BODY:
		if (c->c_state == CONN_IDLE || !loop_timer_pending(&c->c_timer))
			loop_timer_after(l, &c->c_timer, ms(cfg->read_timeout));
		conn_poll_in(c);
		break;
	case CONN_WRITE:
		loop_timer_after(l, &c->c_timer, ms(cfg->read_timeout));
		loop_set_events(l, c->c_fd, POLLOUT);
		break;
	}
	c->c_state = st;
}

/* The transport: the socket itself, or TLS over it. */
static ssize_t
conn_recv(struct conn *c, void *p, size_t n)
{
	if (c->c_tls)
		return tls_conn_recv(c->c_tls, c->c_fd, p, n);
	return recv(c->c_fd, p, n, 0);
}

static ssize_t
conn_send(struct conn *c, const struct iovec *iov, int n)
{
	struct msghdr mh;

	if (c->c_tls)
		return tls_conn_send(c->c_tls, c->c_fd, iov, n);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = (struct iovec *)(uintptr_t)iov;
	mh.msg_iovlen = (size_t)n;
	return sendmsg(c->c_fd, &mh, MSG_NOSIGNAL);
}

/* A read or write failed with errno err: close; for TLS, say why once on
 * logger tls (EPROTO: the engine's own error). */
static void
conn_close_io_error(struct conn *c, int err)
{
	char why[160];

	if (c->c_tls == NULL) {
		conn_close(c, strerror(err));
		return;
	}
	if (err == EPROTO) {
		tls_conn_error(c->c_tls, why, sizeof(why));
		if (tls_conn_established(c->c_tls))
			log_info(LOGGER_TLS, "TLS error id=%llu peer=%s "
			    "error=\"%s\"", (unsigned long long)c->c_id,
			    c->c_peer, why);
		else {
			stats.tls_handshakes_failed++;
			log_info(LOGGER_TLS, "TLS handshake failed id=%llu "
			    "peer=%s error=\"%s\"", (unsigned long long)c->c_id,
			    c->c_peer, why);
		}
		conn_close(c, why);
		return;
	}
	if (!tls_conn_established(c->c_tls))
		stats.tls_handshakes_failed++;
	conn_close(c, strerror(err));
}

/* Once, after the handshake: who the client is and whether it may call. */
static void
conn_tls_judge(struct conn *c)
{
	char desc[96];

	if (c->c_tls == NULL || c->c_tls_checked ||
	    !tls_conn_established(c->c_tls))
		return;
	c->c_tls_checked = 1;
	stats.tls_handshakes++;
	tls_conn_describe(c->c_tls, desc, sizeof(desc));
	log_debug(LOGGER_TLS, "TLS established id=%llu peer=%s %s client=%s",
	    (unsigned long long)c->c_id, c->c_peer, desc,
	    tls_conn_identity(c->c_tls));
	if (!tls_conn_allowed(c->c_tls)) {
		stats.tls_clients_refused++;
		log_warn(LOGGER_TLS, "client not in client_names id=%llu "
		    "peer=%s client=\"%s\"", (unsigned long long)c->c_id,
		    c->c_peer, tls_conn_identity(c->c_tls));
	}
}

/*
 * Buffers stay allocated between requests: kube-scheduler sends request
 * after request of about the same size on one connection, and giving
 * megabytes back to the kernel only to fault them in again cost more than
 * parsing them.  Above RETAIN_MAX a buffer is freed once its request is
 * answered, so a rare huge call does not pin its size for the life of the
 * connection.  The sizes cover kube-scheduler's largest usual call, 781
 * full Nodes (about 7 MB of body and 300 000 tokens).
 */
#define RETAIN_MAX	(16u << 20)
#define RETAIN_TOKENS	(32u << 20)

static void
conn_trim(struct conn *c)
{
	buf_drop_above(&c->c_body, RETAIN_MAX);
	buf_drop_above(&c->c_out, RETAIN_MAX);
	if (c->c_in.len == 0)
		buf_drop_above(&c->c_in, RETAIN_MAX);
	json_doc_trim(&c->c_scratch.doc, RETAIN_TOKENS);
}

/*
 * Write what is queued.  Returns 1 when everything went out, 0 when the
 * socket is full (state WRITE, wait for POLLOUT), -1 after closing.
 */
static int
conn_flush(struct conn *c)
{
	size_t total = c->c_out.len + c->c_body_out;

	while (c->c_out_off < total) {
		struct iovec iov[2];
		int n_iov = 0;
		ssize_t n;

		if (c->c_out_off < c->c_out.len) {
			iov[n_iov].iov_base = c->c_out.p + c->c_out_off;
			iov[n_iov++].iov_len = c->c_out.len - c->c_out_off;
		}
		if (c->c_body_out > 0) {
			size_t boff = c->c_out_off > c->c_out.len ?
			    c->c_out_off - c->c_out.len : 0;

			iov[n_iov].iov_base = c->c_body.p + boff;
			iov[n_iov++].iov_len = c->c_body_out - boff;
		}
		n = conn_send(c, iov, n_iov);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				conn_set_state(c, CONN_WRITE);
				return 0;
			}
			conn_close_io_error(c, errno);
			return -1;
		}
		c->c_out_off += (size_t)n;
		if (c->c_state == CONN_WRITE)
			loop_timer_after(c->c_srv->loop, &c->c_timer,
			    ms(c->c_srv->cfg->read_timeout));
	}
	if (c->c_tls && tls_conn_pending(c->c_tls)) {
		/* The last records are still in the engine. */
		int r = tls_conn_push(c->c_tls, c->c_fd);

		if (r < 0) {
			conn_close_io_error(c, errno);
			return -1;
		}
		if (r == 0) {
			conn_set_state(c, CONN_WRITE);
			return 0;
		}
	}
	c->c_out.len = 0;
	c->c_body.len = 0;
	c->c_body_out = 0;
	c->c_out_off = 0;
	if (c->c_close_after) {
		/* close_notify (best effort), then half-close so the client
		 * reads the whole answer. */
		if (c->c_tls) {
			tls_conn_close(c->c_tls);
			tls_conn_push(c->c_tls, c->c_fd);
		}
		shutdown(c->c_fd, SHUT_WR);
		conn_close(c, "closed after answer");
		return -1;
	}
	conn_trim(c);
	return 1;
}

static void
log_access(const struct conn *c, const struct response *resp, size_t in,
    size_t out, uint64_t us)
{
	char pathbuf[256];
	const char *path;
	const struct http_request *r = &c->c_req;

	if (!log_on(LOGGER_HTTP, LOG_INFO))
		return;
	path = log_value(pathbuf, sizeof(pathbuf), r->path.p, r->path.n);
	if (resp->nodes >= 0)
		log_emit(LOGGER_HTTP, LOG_INFO, "request method=%.*s path=%s "
		    "status=%d in=%zu out=%zu nodes=%ld us=%llu peer=%s",
		    (int)r->method_name.n, r->method_name.p, path, resp->status,
		    in, out, resp->nodes, (unsigned long long)us, c->c_peer);
	else
		log_emit(LOGGER_HTTP, LOG_INFO, "request method=%.*s path=%s "
		    "status=%d in=%zu out=%zu us=%llu peer=%s",
		    (int)r->method_name.n, r->method_name.p, path, resp->status,
		    in, out, (unsigned long long)us, c->c_peer);
}

/* Queue the head of an answer; its body stays in c_body. */
static void
conn_queue_answer(struct conn *c, const struct response *resp, int head_only)
{
	int keep = !c->c_close_after;

	http_write_head(&c->c_out, c->c_req.minor, resp->status, resp->ctype,
	    c->c_body.len, keep);
	if (resp->allow) {
		/* Insert before the blank line that ends the head. */
		c->c_out.len -= 2;
		buf_printf(&c->c_out, "Allow: %s\r\n\r\n", resp->allow);
	}
	c->c_body_out = head_only ? 0 : c->c_body.len;
}

/*
 * An error found before a request could be routed (bad head, too large):
 * answer and close, since the byte stream can no longer be trusted.
 */
static void
conn_fail(struct conn *c, int status, const char *reason, int have_head)
{
	struct response resp = { 0, NULL, NULL, ROUTE_OTHER, -1 };

	if (!have_head) {
		memset(&c->c_req, 0, sizeof(c->c_req));
		c->c_req.minor = 1;
		c->c_req.method_name.p = "-";
		c->c_req.method_name.n = 1;
		c->c_req.path.p = "-";
		c->c_req.path.n = 1;
	}
	c->c_body.len = 0;
	router_error(status, reason, &c->c_body, &resp);
	c->c_close_after = 1;
	conn_queue_answer(c, &resp, 0);
	stats_request(ROUTE_OTHER, status, 0, 0, -1);
	log_access(c, &resp, c->c_in.len, c->c_out.len + c->c_body_out, 0);
	log_debug(LOGGER_HTTP, "bad request id=%llu peer=%s status=%d "
	    "reason=\"%s\"", (unsigned long long)c->c_id, c->c_peer, status,
	    reason);
	c->c_in.len = 0;
}

static void
conn_dispatch(struct conn *c, const char *body, size_t len, size_t consumed)
{
	struct server *s = c->c_srv;
	struct router_env env = { s->cfg, s->draining, s->nconns,
	    s->scraper, s->store, (double)loop_now(s->loop) / 1000.0,
	    &s->memo, c->c_health_only, loop_unix_now(), s->decisions,
	    s->capture, loop_now(s->loop) };
	struct response resp = { 0, NULL, NULL, ROUTE_OTHER, -1 };
	uint64_t t0 = loop_clock_us(), us;
	size_t out_before = c->c_out.len;

	stats.loop_busy_us = loop_busy_us(s->loop);

	if (!c->c_req.keep_alive || s->draining)
		c->c_close_after = 1;
	c->c_body.len = 0;
	/* A verified client whose names are not listed: every request.
	 * (Requests come only after the handshake, which set this.) */
	if (c->c_tls && !tls_conn_allowed(c->c_tls)) {
		char msg[700];

		snprintf(msg, sizeof(msg), "client certificate %s is not in "
		    "client_names", tls_conn_identity(c->c_tls));
		router_error(403, msg, &c->c_body, &resp);
		c->c_close_after = 1;
	} else
		router_dispatch(&env, &c->c_req, body, len, &c->c_scratch,
		    &c->c_body, &resp);
	conn_queue_answer(c, &resp, c->c_req.method == HTTP_HEAD);
	us = loop_clock_us() - t0;
	stats_request(resp.route, resp.status, us, len, resp.nodes);
	log_access(c, &resp, consumed,
	    c->c_out.len - out_before + c->c_body_out, us);
	/* A decision to record keeps the arena until conn_process has
	 * sent the answer (conn_record). */
	if (c->c_scratch.rec_log == NULL)
		arena_reset(&c->c_scratch.arena);
	buf_consume(&c->c_in, consumed);
	c->c_scan = 0;
	c->c_head_len = 0;
	c->c_sent_continue = 0;
}

/* Start on a parsed head: decide how the body is framed. */
static int
conn_begin_body(struct conn *c)
{
	const struct config *cfg = c->c_srv->cfg;

	if (c->c_req.chunked) {
		http_chunked_init(&c->c_chunk);
		c->c_raw_off = c->c_head_len;
		c->c_body_len = 0;
	} else if (c->c_req.has_length &&
	    c->c_req.content_length > cfg->max_body) {
		conn_fail(c, 413, "request body larger than max_body", 1);
		return -1;
	}
	if (c->c_req.expect_continue && !c->c_sent_continue &&
	    c->c_in.len == c->c_head_len &&
	    (c->c_req.chunked || c->c_req.content_length > 0)) {
		buf_add(&c->c_out, CONTINUE_LINE, sizeof(CONTINUE_LINE) - 1);
		c->c_sent_continue = 1;
	}
	c->c_state = CONN_READ_BODY;
	return 0;
}

/*
 * Returns 1 when the body is complete (*body, *len, *consumed set), 0 when
 * more bytes are needed, -1 after failing the request.
 */
static int
conn_read_body(struct conn *c, const char **body, size_t *len,
    size_t *consumed)
{
	const struct config *cfg = c->c_srv->cfg;
	size_t out, used;
	int r;

	if (!c->c_req.chunked) {
		uint64_t need = c->c_head_len + c->c_req.content_length;

		if (c->c_in.len < need)
			return 0;
		*body = c->c_in.p + c->c_head_len;
		*len = (size_t)c->c_req.content_length;
		*consumed = (size_t)need;
		return 1;
	}
	r = http_chunked_feed(&c->c_chunk, c->c_in.p + c->c_raw_off,
	    c->c_in.len - c->c_raw_off, &out, &used);
	if (r < 0) {
		conn_fail(c, 400, "malformed chunked body", 1);
		return -1;
	}
	/* Payload lands at c_raw_off; move it to follow what we have. */
	memmove(c->c_in.p + c->c_head_len + c->c_body_len,
	    c->c_in.p + c->c_raw_off, out);
	c->c_body_len += out;
	c->c_raw_off += used;
	if (c->c_chunk.total > cfg->max_body) {
		conn_fail(c, 413, "request body larger than max_body", 1);
		return -1;
	}
	if (r == 0)
		return 0;
	*body = c->c_in.p + c->c_head_len;
	*len = c->c_body_len;
	*consumed = c->c_raw_off;
	return 1;
}

/*
 * The decision of the call just answered, into the log once the answer
 * is on its way (what kube-scheduler waits for is not delayed by it).
 * A connection that closes after its answer records first, since the
 * flush ends it.  -1 when the flush closed the connection.
 */
static int
conn_record(struct conn *c)
{
	if (!c->c_close_after && c->c_out.len > 0 && conn_flush(c) < 0)
		return -1;
	ext_record(&c->c_scratch);
	arena_reset(&c->c_scratch.arena);
	return 0;
}

/* Parse and answer every complete request buffered, in order. */
static void
conn_process(struct conn *c)
{
	const struct config *cfg = c->c_srv->cfg;
	const char *reason, *body;
	size_t len, consumed;
	int status, r;
	long h;

	for (;;) {
		if (c->c_out.len > 0 && conn_flush(c) <= 0)
			return;
		if (c->c_head_len == 0) {
			if (c->c_in.len == 0) {
				if (c->c_peer_eof)
					conn_close(c, "peer closed");
				else if (c->c_srv->draining)
					conn_close(c, "draining");
				else
					conn_set_state(c, CONN_IDLE);
				return;
			}
			conn_set_state(c, CONN_READ_HEAD);
			h = http_parse_head(c->c_in.p, c->c_in.len, &c->c_scan,
			    cfg->max_header, &c->c_req, &status, &reason);
			if (h == HTTP_PARSE_ERROR) {
				conn_fail(c, status, reason, 0);
				continue;
			}
			if (h == HTTP_PARSE_MORE) {
				if (c->c_peer_eof)
					conn_close(c, "peer closed mid-request");
				return;
			}
			c->c_head_len = (size_t)h;
			if (conn_begin_body(c) < 0)
				continue;
		}
		r = conn_read_body(c, &body, &len, &consumed);
		if (r < 0)
			continue;
		if (r == 0) {
			/* Possibly a 100 Continue to send first. */
			if (c->c_out.len > 0 && conn_flush(c) <= 0)
				return;
			if (c->c_peer_eof)
				conn_close(c, "peer closed mid-body");
			else
				conn_set_state(c, CONN_READ_BODY);
			return;
		}
		conn_dispatch(c, body, len, consumed);
		if (c->c_scratch.rec_log != NULL && conn_record(c) < 0)
			return;
		if (c->c_close_after)
			c->c_in.len = 0;
	}
}

static size_t
conn_in_limit(const struct conn *c)
{
	const struct config *cfg = c->c_srv->cfg;

	/* A head, a body, and the start of a pipelined next request. */
	return (size_t)(cfg->max_header + cfg->max_body) + READ_CHUNK;
}

/*
 * Grow the input buffer.  A parsed head's spans point into it, so when the
 * bytes move the head is parsed again in place: it is small, unchanged, and
 * growth is geometric, so this is rare and cheap.
 */
static void
conn_reserve_in(struct conn *c, size_t want)
{
	uintptr_t before = (uintptr_t)c->c_in.p;
	size_t scan = 0;
	const char *reason;
	int status;

	buf_reserve(&c->c_in, want);
	if (c->c_head_len == 0 || (uintptr_t)c->c_in.p == before)
		return;
	if (http_parse_head(c->c_in.p, c->c_head_len, &scan,
	    SIZE_MAX, &c->c_req, &status, &reason) != (long)c->c_head_len)
		abort();  /* the same bytes parsed before */
}

static void
conn_read(struct conn *c)
{
	size_t limit = conn_in_limit(c);
	ssize_t n;

	while (c->c_in.len < limit) {
		size_t want = READ_CHUNK;

		/* Known body length: make room for all of it at once. */
		if (c->c_state == CONN_READ_BODY && !c->c_req.chunked &&
		    c->c_head_len + c->c_req.content_length > c->c_in.len)
			want = (size_t)(c->c_head_len + c->c_req.content_length -
			    c->c_in.len);
		if (want < READ_CHUNK)
			want = READ_CHUNK;
		/* TLS reads on after short reads (a record at a time): use
		 * the room there is rather than growing the buffer for each. */
		if (c->c_tls && want == READ_CHUNK &&
		    c->c_in.cap - c->c_in.len >= TLS_MIN_ROOM)
			want = c->c_in.cap - c->c_in.len;
		if (want > limit - c->c_in.len)
			want = limit - c->c_in.len;
		conn_reserve_in(c, want);
		n = conn_recv(c, c->c_in.p + c->c_in.len, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_close_io_error(c, errno);
			return;
		}
		if (n == 0) {
			c->c_peer_eof = 1;
			break;
		}
		c->c_in.len += (size_t)n;
		/* TLS hands out a record at a time: read on to EAGAIN, or
		 * plaintext would wait in the engine with the socket empty. */
		if ((size_t)n < want && c->c_tls == NULL)
			break;
	}
	conn_tls_judge(c);
	conn_process(c);
}

static void
conn_on_io(struct loop *l, int fd, int revents, void *arg)
{
	struct conn *c = arg;

	(void)l;
	(void)fd;
	if ((revents & POLLOUT) && c->c_state != CONN_WRITE && c->c_tls) {
		/* Handshake records waiting for room in the socket. */
		if (tls_conn_push(c->c_tls, c->c_fd) < 0) {
			conn_close_io_error(c, errno);
			return;
		}
		conn_poll_in(c);
		if (!(revents & (POLLIN | POLLHUP | POLLERR)))
			return;
	} else if (revents & POLLOUT) {
		if (conn_flush(c) < 0)
			return;
		conn_process(c);
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		conn_read(c);
}

/* ---- listeners ---- */

static void listener_on_io(struct loop *l, int fd, int revents, void *arg);

static void
listener_resume(struct loop *l, void *arg)
{
	struct listener *ls = arg;

	loop_set_events(l, ls->fd, POLLIN);
}

static void
accept_one(struct server *s, struct listener *ls, int fd,
    const struct sockaddr_storage *ss)
{
	struct conn *c;
	char host[INET6_ADDRSTRLEN] = "?";
	int one = 1, port = 0;

	/* Probes have their own few places, so that clients filling
	 * max_connections do not make a liveness probe fail. */
	if (s->draining || (ls->health ? s->nhealth >= HEALTH_CONNS_MAX :
	    s->nconns - s->nhealth >= s->cfg->max_connections)) {
		unsigned long skipped;

		stats.conns_rejected++;
		/* A flood must not become a flood of log lines. */
		if (log_limit_pass(&s->refused_log, loop_now(s->loop), &skipped))
			log_warn(LOGGER_SERVER, "connection refused reason=%s "
			    "limit=%u refused_since_last_line=%lu",
			    s->draining ? "draining" : ls->health ?
			    "health_listen" : "max_connections", ls->health ?
			    HEALTH_CONNS_MAX : s->cfg->max_connections,
			    skipped);
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = xcalloc(1, sizeof(*c));
	c->c_fd = fd;
	c->c_id = ++s->next_id;
	c->c_srv = s;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(c->c_peer, sizeof(c->c_peer), "%s:%d", host, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(c->c_peer, sizeof(c->c_peer), "[%s]:%d", host, port);
	} else
		snprintf(c->c_peer, sizeof(c->c_peer), "unknown");
	buf_init(&c->c_in);
	buf_init(&c->c_out);
	buf_init(&c->c_body);
	ext_scratch_init(&c->c_scratch);
	loop_timer_init(&c->c_timer, conn_on_timer, c);
	c->c_next = s->conns;
	if (s->conns)
		s->conns->c_prev = c;
	s->conns = c;
	s->nconns++;
	if (ls->health)
		s->nhealth++;
	stats.open_conns++;
	stats.conns_accepted++;
	c->c_health_only = ls->health;
	if (s->tls && !ls->health)
		c->c_tls = tls_conn_new(s->tls);
	loop_add(s->loop, fd, POLLIN, conn_on_io, c);
	if (ls->health)
		loop_set_priority(s->loop, fd, 1);
	c->c_state = CONN_IDLE;
	/* The handshake (TLS) or the first request must start in time. */
	loop_timer_after(s->loop, &c->c_timer, ms(c->c_tls ?
	    s->cfg->read_timeout : s->cfg->idle_timeout));
	log_debug(LOGGER_HTTP, "connection accepted id=%llu peer=%s listen=%s",
	    (unsigned long long)c->c_id, c->c_peer, ls->text);
}

static void
listener_on_io(struct loop *l, int fd, int revents, void *arg)
{
	struct listener *ls = arg;
	int i;

	(void)revents;
	for (i = 0; i < ACCEPT_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* Level-triggered poll would spin: back off. */
				log_warn(LOGGER_SERVER, "accept paused addr=%s "
				    "error=\"%s\"", ls->text, strerror(errno));
				loop_set_events(l, fd, 0);
				loop_timer_after(l, &ls->pause, ACCEPT_PAUSE_MS);
			}
			return;
		}
		accept_one(ls->srv, ls, cfd, &ss);
	}
}

static int
listener_open(const struct listen_addr *la, char *err, size_t errlen)
{
	int fd, one = 1;

	fd = socket(la->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket %s: %s", la->text, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::]:port serves IPv6 only; list 0.0.0.0:port for IPv4 too. */
	if (la->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&la->ss, la->sslen) < 0) {
		snprintf(err, errlen, "bind %s: %s", la->text, strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, 1024) < 0) {
		snprintf(err, errlen, "listen %s: %s", la->text,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void
listeners_close(struct server *s, struct listener *ls, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ls[i].fd < 0)
			continue;
		loop_timer_cancel(s->loop, &ls[i].pause);
		loop_del(s->loop, ls[i].fd);
		close(ls[i].fd);
		ls[i].fd = -1;
	}
}

/*
 * Build the listener set for `cfg`, reusing open sockets from the current
 * set by address.  On failure nothing changes.
 */
static int
listeners_apply(struct server *s, const struct config *cfg, char *err,
    size_t errlen)
{
	struct listener *next = xcalloc(cfg->nlisten, sizeof(*next));
	size_t i, j;

	for (i = 0; i < cfg->nlisten; i++) {
		next[i].fd = -1;
		next[i].health = cfg->listen[i].health;
		snprintf(next[i].text, sizeof(next[i].text), "%s",
		    cfg->listen[i].text);
		for (j = 0; j < s->nls; j++) {
			if (s->ls[j].fd >= 0 &&
			    strcmp(s->ls[j].text, next[i].text) == 0) {
				next[i].fd = s->ls[j].fd;
				break;
			}
		}
		if (next[i].fd >= 0)
			continue;
		next[i].fd = listener_open(&cfg->listen[i], err, errlen);
		if (next[i].fd < 0) {
			/* Close only what this attempt opened. */
			for (j = 0; j < i; j++) {
				size_t k;
				int reused = 0;

				for (k = 0; k < s->nls; k++)
					if (s->ls[k].fd == next[j].fd)
						reused = 1;
				if (!reused)
					close(next[j].fd);
			}
			free(next);
			return -1;
		}
	}
	/* Commit: retire listeners that are gone, register the new set. */
	for (j = 0; j < s->nls; j++) {
		int kept = 0;

		for (i = 0; i < cfg->nlisten; i++)
			if (next[i].fd == s->ls[j].fd)
				kept = 1;
		loop_timer_cancel(s->loop, &s->ls[j].pause);
		loop_del(s->loop, s->ls[j].fd);
		if (!kept) {
			log_info(LOGGER_SERVER, "stopped listening addr=%s",
			    s->ls[j].text);
			close(s->ls[j].fd);
		}
	}
	free(s->ls);
	s->ls = next;
	s->nls = cfg->nlisten;
	for (i = 0; i < s->nls; i++) {
		s->ls[i].srv = s;
		loop_timer_init(&s->ls[i].pause, listener_resume, &s->ls[i]);
		loop_add(s->loop, s->ls[i].fd, POLLIN, listener_on_io,
		    &s->ls[i]);
		if (s->ls[i].health)
			loop_set_priority(s->loop, s->ls[i].fd, 1);
		log_info(LOGGER_SERVER, "listening addr=%s tls=%s%s",
		    s->ls[i].text, cfg->tls_cert && !s->ls[i].health ? "on" :
		    "off", s->ls[i].health ? " role=health" : "");
	}
	return 0;
}

/* Serve with c (a reference the server now owns, or NULL) from now on:
 * new handshakes; open connections keep the credentials they were
 * accepted with. */
static void
tls_install(struct server *s, struct tls_creds *c)
{
	tls_creds_unref(s->tls);
	s->tls = c;
	s->tls_bad_stamp = 0;
	stats.tls_on = c != NULL;
	if (c == NULL) {
		loop_timer_cancel(s->loop, &s->tls_timer);
		return;
	}
	stats.tls_cert_not_after = tls_creds_not_after(c);
	if (!loop_timer_pending(&s->tls_timer))
		loop_timer_after(s->loop, &s->tls_timer, TLS_CHECK_MS);
	if ((double)time(NULL) > stats.tls_cert_not_after)
		log_error(LOGGER_TLS, "the serving certificate has expired "
		    "cert=%s", s->cfg ? s->cfg->tls_cert : "-");
}

/*
 * Every TLS_CHECK_MS: files that changed are loaded; what fails to load
 * is logged once per state of the files, and the old credentials serve
 * on.
 */
static void
tls_check_files(struct loop *l, void *arg)
{
	struct server *s = arg;
	const struct config *cfg = s->cfg;
	struct tls_creds *c;
	unsigned long long stamp;
	char err[512];

	loop_timer_after(l, &s->tls_timer, TLS_CHECK_MS);
	if (s->tls == NULL || !tls_creds_files_changed(s->tls))
		return;
	stamp = tls_creds_files_stamp(cfg->tls_cert, cfg->tls_key,
	    cfg->client_ca);
	if (stamp == s->tls_bad_stamp)
		return;
	c = tls_creds_load(cfg->tls_cert, cfg->tls_key, cfg->client_ca,
	    cfg->client_names, cfg->nclient_names, err, sizeof(err));
	if (c == NULL) {
		stats.tls_reloads_failed++;
		s->tls_bad_stamp = stamp;
		log_error(LOGGER_TLS, "TLS files changed but were rejected, the "
		    "old credentials keep serving: %s", err);
		return;
	}
	tls_install(s, c);
	stats.tls_reloads_ok++;
	log_info(LOGGER_TLS, "TLS files reloaded cert=%s not_after=%.0f",
	    cfg->tls_cert, stats.tls_cert_not_after);
}

/* The configured decision log; off, and said so, when it cannot be had. */
static struct dec_log *
decision_log(const struct config *cfg)
{
	struct dec_log *d = dec_log_new(cfg->decisions);

	if (d == NULL && cfg->decisions > 0)
		log_error(LOGGER_SERVER, "decision log off: cannot allocate "
		    "%u slots of %u KiB (decisions); /explain answers 404",
		    cfg->decisions, DEC_SLOT_BYTES / 1024);
	return d;
}

struct server *
server_new(struct loop *l, struct config *cfg, char *err, size_t errlen)
{
	struct server *s = xcalloc(1, sizeof(*s));

	s->loop = l;
	loop_timer_init(&s->tls_timer, tls_check_files, s);
	if (listeners_apply(s, cfg, err, errlen) < 0) {
		free(s);
		return NULL;
	}
	s->cfg = cfg;
	s->decisions = decision_log(cfg);
	s->capture = capture_new(cfg->capture_dir, cfg->capture_max);
	tls_install(s, cfg->tls ? tls_creds_ref(cfg->tls) : NULL);
	return s;
}

int
server_reload(struct server *s, struct config *cfg, char *err,
    size_t errlen)
{
	if (s->draining) {
		snprintf(err, errlen, "shutting down");
		return -1;
	}
	if (listeners_apply(s, cfg, err, errlen) < 0)
		return -1;
	algo_memo_clear(&s->memo);
	/* A new size starts an empty log; the same size keeps what it has. */
	if (cfg->decisions != dec_log_size(s->decisions)) {
		dec_log_free(s->decisions);
		s->decisions = decision_log(cfg);
	}
	if (!capture_same(s->capture, cfg->capture_dir, cfg->capture_max)) {
		capture_free(s->capture);
		s->capture = capture_new(cfg->capture_dir, cfg->capture_max);
	}
	config_free(s->cfg);
	s->cfg = cfg;
	if (cfg->tls != NULL)
		stats.tls_reloads_ok++;
	tls_install(s, cfg->tls ? tls_creds_ref(cfg->tls) : NULL);
	return 0;
}

const struct config *
server_config(const struct server *s)
{
	return s->cfg;
}

void
server_attach_metrics(struct server *s, const struct scraper *scraper,
    const struct ns_store *store)
{
	s->scraper = scraper;
	s->store = store;
	algo_memo_clear(&s->memo);
}

void
server_drain(struct server *s)
{
	struct conn *c, *next;

	if (s->draining)
		return;
	s->draining = 1;
	listeners_close(s, s->ls, s->nls);
	for (c = s->conns; c; c = next) {
		next = c->c_next;
		if (c->c_state == CONN_IDLE && c->c_in.len == 0 &&
		    c->c_out.len + c->c_body_out == 0)
			conn_close(c, "draining");
	}
}

int
server_draining(const struct server *s)
{
	return s->draining;
}

size_t
server_connections(const struct server *s)
{
	return s->nconns;
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	while (s->conns)
		conn_close(s->conns, "shutdown");
	listeners_close(s, s->ls, s->nls);
	free(s->ls);
	algo_memo_clear(&s->memo);
	dec_log_free(s->decisions);
	capture_free(s->capture);
	loop_timer_cancel(s->loop, &s->tls_timer);
	tls_creds_unref(s->tls);
	config_free(s->cfg);
	free(s);
}
