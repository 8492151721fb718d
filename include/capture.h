/*
 * capture: every filter and prioritize request body written to a file
 * ([server] capture_dir, capture_max), for `wca-scheduler explain`.
 * Off by default.  The last capture_max are kept: the file of the
 * capture_max-th request before is removed when a new one is written.
 * The writes are ordinary blocking file writes on the loop thread, a
 * debugging aid: a local disk takes them in microseconds, a slow one
 * slows every call.
 */
#ifndef WCA_CAPTURE_H
#define WCA_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

struct capture;

/* NULL when dir is NULL (capture off). */
struct capture *capture_new(const char *dir, unsigned max);
void capture_free(struct capture *c);
int capture_same(const struct capture *c, const char *dir, unsigned max);

/* Write one body; a failure is logged (at most once a second) and
 * counted, never fails the call. */
void capture_request(struct capture *c, enum route r, const char *body,
    size_t len, uint64_t now_ms);

#endif
