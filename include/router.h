/*
 * router: a complete request to a route and its answer.  The extender
 * verbs go to extender.c; the server's own endpoints live here.
 */
#ifndef WCA_ROUTER_H
#define WCA_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "extender.h"
#include "http.h"
#include "stats.h"

struct response {
	int status;
	const char *ctype;
	const char *allow;      /* for 405 */
	enum route route;
	long nodes;             /* -1 when not an extender call */
};

struct scraper;
struct ns_store;

struct algo_memo;

struct router_env {
	const struct config *cfg;
	int draining;
	size_t connections;
	const struct scraper *scraper;  /* NULL: no metrics sources */
	const struct ns_store *store;
	double now;                     /* loop clock, seconds */
	struct algo_memo *memo;         /* the server's algorithm memo */
	int health_only;                /* a health_listen connection */
	double unix_now;                /* `now` as Unix seconds */
	struct dec_log *decisions;	/* recorded and shown; NULL: off */
	struct capture *capture;	/* request bodies to files; NULL: off */
	uint64_t now_ms;		/* loop_now() */
};

/* Answer `req` with body[0..len): the body bytes go to `body`. */
void router_dispatch(const struct router_env *env,
    const struct http_request *req, const char *reqbody, size_t len,
    struct ext_scratch *scratch, struct buf *body, struct response *resp);

/* A JSON {"Error": msg} answer, for errors found before routing. */
void router_error(int status, const char *msg, struct buf *body,
    struct response *resp);

#endif
