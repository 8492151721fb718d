/*
 * server: listeners, accepted connections and their lifecycle (one
 * state machine per connection), limits and timeouts.  Requests are
 * handed to the router once complete.
 */
#ifndef WCA_SERVER_H
#define WCA_SERVER_H

#include <stddef.h>

#include "config.h"
#include "loop.h"

struct server;

/*
 * Bind every listen address of `cfg` and start accepting.  On success the
 * server owns `cfg`; on failure returns NULL with err set and `cfg` is
 * still the caller's.
 */
struct server *server_new(struct loop *l, struct config *cfg, char *err,
    size_t errlen);

/*
 * Swap in a new configuration: listeners that stay are kept, new ones are
 * bound first, so a failing bind leaves everything as it was (returns -1,
 * err set, `cfg` still the caller's).  On success takes `cfg` and frees
 * the old one.
 */
int server_reload(struct server *s, struct config *cfg, char *err,
    size_t errlen);

const struct config *server_config(const struct server *s);

/* Stop accepting, close idle connections, finish the others. */
struct scraper;
struct ns_store;
/* What /readyz, /status, /metrics, /nodes and the algorithms read. */
void server_attach_metrics(struct server *s, const struct scraper *scraper,
    const struct ns_store *store);

void server_drain(struct server *s);
int server_draining(const struct server *s);
size_t server_connections(const struct server *s);

void server_free(struct server *s);

#endif
