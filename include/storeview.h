/*
 * storeview: the node store as operators see it, for GET /nodes and the
 * store's series in /metrics.  Read only; `now` is the loop's monotonic
 * clock in seconds, the clock the scraper commits with.
 */
#ifndef WCA_STOREVIEW_H
#define WCA_STOREVIEW_H

#include "buf.h"
#include "nodestore.h"

/* {"staleness":..,"nodes":[...],"apps":[...]} */
void storeview_nodes_json(const struct ns_store *st, double now,
    double staleness, struct buf *out);

/* Node, app and memory gauges. */
void storeview_metrics(const struct ns_store *st, struct buf *out);

#endif
