/*
 * scrape: the metrics sources of [metrics], scraped inside the event loop.
 *
 * Each source is a small HTTP/1.1 client state machine driven by the loop:
 * non-blocking connect to an address resolved when the configuration was
 * loaded, one GET with "Connection: close", a response read in slices and
 * parsed line by line as it arrives, so a large scrape never holds the
 * loop for long and a slow or dead source delays nothing.  A complete
 * scrape is committed to the node store at once; a failed one is dropped
 * and the source keeps its last good data until it is stale.
 */
#ifndef WCA_SCRAPE_H
#define WCA_SCRAPE_H

#include <stddef.h>

#include "buf.h"
#include "config.h"
#include "loop.h"
#include "nodestore.h"

struct scraper;
struct prom_sample;

/*
 * Hand one parsed sample to an ns_builder (`builder`): the scraper's
 * glue between promtext and nodestore, a prom_sample_fn (always 0).
 */
int scrape_add_sample(void *builder, const struct prom_sample *s);

/* Starts scraping every source of cfg (the first scrape right away). */
struct scraper *scraper_new(struct loop *l, struct ns_store *store,
    const struct config *cfg);
void scraper_free(struct scraper *s);

/*
 * Adopt the sources of a new configuration: sources whose URL and node=
 * are unchanged keep running and keep their data; removed ones stop and
 * their data goes; new ones start at once.  Nothing is kept from cfg.
 */
void scraper_reconfigure(struct scraper *s, const struct config *cfg);

/*
 * 1 when every source has data younger than `staleness`; otherwise 0 and
 * `why` gets one clause per source that is stale or was never scraped.
 */
int scraper_ready(const struct scraper *s, struct buf *why);

/* The "sources" array of /status. */
void scraper_status_json(const struct scraper *s, struct buf *out);

/* Scrape series for /metrics. */
void scraper_metrics(const struct scraper *s, struct buf *out);

#endif
