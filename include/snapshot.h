/*
 * snapshot: the node store as the algorithms see it, written as
 * Prometheus text (GET /snapshot), and read back into a store for the
 * offline commands (explain, simulate).
 *
 * Written: every field some fresh source provides, merged per node and
 * app exactly as the request path reads them (ns_view, ns_app_view), in
 * the interface's own series (interface.md section 5); utilisation as
 * precomputed wca_node_utilization, which the store takes as it is.  Each
 * sample carries the time of the data it comes from (the node's newest
 * data; a utilisation its own source's commit) as a Prometheus
 * timestamp, and wca_scheduler_snapshot_time_seconds says when the
 * snapshot was taken.  Data that only stale sources have is not written.
 *
 * Read: the samples are grouped by timestamp, each group is committed as
 * one source at its time, in time order, and the reader's clock is the
 * snapshot's time: what was fresh then is fresh, ages and the times
 * TargetLoadPacking compares pod start times with are the original ones.
 */
#ifndef WCA_SNAPSHOT_H
#define WCA_SNAPSHOT_H

#include <stddef.h>

#include "buf.h"

struct ns_store;
struct ns_opts;

/* The store at `now` (its clock) = unix_now (Unix seconds). */
void snapshot_write(const struct ns_store *st, double now, double unix_now,
    double staleness, struct buf *out);

/* Only the series placements change: a fresh node's wca_app_assigned
 * and kube_pod_* (simulate keeps them and adds its own). */
struct ns_node;
void snapshot_write_node_sets(const struct ns_store *st,
    const struct ns_node *n, double now, double unix_now, double staleness,
    struct buf *out);

/* A label value, quoted and escaped as the text format wants it. */
void snapshot_label_value(struct buf *out, const char *s, size_t n);

/* One pod's kube_pod_* series on node_name, at Unix time t. */
struct ns_pod;
void snapshot_write_pod(struct buf *out, const char *node_name,
    const struct ns_pod *p, double t);

/*
 * A new store holding snapshot text[0..len), with options o.  *now gets
 * the snapshot's time (Unix seconds, the store's clock).  NULL with err
 * set when the text has no sample at all.  Malformed lines are counted
 * in *malformed and skipped.  The store has one source more than the
 * snapshot needs, empty, whose id goes to *spare (when not NULL): what
 * a caller commits there overrides the snapshot (simulate's placements).
 */
struct ns_store *snapshot_read(const char *text, size_t len,
    const struct ns_opts *o, double *now, size_t *malformed, size_t *spare,
    char *err, size_t errlen);

/* Commit text[0..len) (Prometheus text) as source `id` at time t. */
void snapshot_commit(struct ns_store *st, size_t id, const char *text,
    size_t len, double t);

#endif
