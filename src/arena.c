#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define CHUNK_MIN (64 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t off;
	_Alignas(16) unsigned char data[];
};

void
arena_init(struct arena *a)
{
	a->head = NULL;
	a->used = 0;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need = (n + 15) & ~(size_t)15;
	void *p;

	if (need < n)
		abort();
	if (c == NULL || c->size - c->off < need) {
		size_t size = need > CHUNK_MIN ? need : CHUNK_MIN;

		c = xmalloc(sizeof(*c) + size);
		c->size = size;
		c->off = 0;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->off;
	c->off += need;
	a->used += need;
	memset(p, 0, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (n <= 16)
		buf_copy_small(p, s, n);
	else
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * Several chunks are replaced by one that holds them all, so the next
 * request of the same size allocates nothing; above ARENA_RETAIN_MAX
 * nothing is kept, so one huge request does not pin its memory.
 */
void
arena_reset(struct arena *a)
{
	struct arena_chunk *c = a->head, *next;
	size_t total = 0;

	a->used = 0;
	if (c == NULL)
		return;
	if (c->next == NULL && c->size <= ARENA_RETAIN_MAX) {
		c->off = 0;
		return;
	}
	for (; c; c = next) {
		next = c->next;
		total += c->size;
		free(c);
	}
	a->head = NULL;
	if (total <= ARENA_RETAIN_MAX) {
		c = xmalloc(sizeof(*c) + total);
		c->size = total;
		c->off = 0;
		c->next = NULL;
		a->head = c;
	}
}

void
arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head, *next;

	while (c) {
		next = c->next;
		free(c);
		c = next;
	}
	arena_init(a);
}
