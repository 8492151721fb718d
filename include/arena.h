/*
 * arena: per-request bump allocation.  Everything a request allocates
 * comes from its connection's arena and is released at once by
 * arena_reset() when the answer is queued; up to ARENA_RETAIN_MAX bytes
 * stay allocated in one chunk, so a steady stream of similar requests
 * allocates nothing.
 */
#ifndef WCA_ARENA_H
#define WCA_ARENA_H

#include <stddef.h>

#define ARENA_RETAIN_MAX	(8u << 20)

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t used;            /* bytes handed out since the last reset */
};

void arena_init(struct arena *a);
/* 16-byte aligned, zeroed; aborts on out-of-memory like xmalloc. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif
