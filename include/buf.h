/*
 * buf: a growable byte buffer.  The struct's owner frees it; growth
 * aborts on out-of-memory (xalloc discipline), so callers never check.
 */
#ifndef WCA_BUF_H
#define WCA_BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
	char *p;
	size_t len;
	size_t cap;
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
/* Free b when its capacity is above max (a rare large use should not pin
 * its size); otherwise leave it as it is. */
static inline void
buf_drop_above(struct buf *b, size_t max)
{
	if (b->cap > max)
		buf_free(b);
}
void buf_grow(struct buf *b, size_t extra);
/* A decimal integer, without printf's cost on the hot path. */
void buf_add_long(struct buf *b, long v);

/*
 * The appends are inline: answers are built from many short pieces and a
 * call per byte showed in profiles.  Growth stays out of line.
 */
static inline void
buf_reserve(struct buf *b, size_t extra)
{
	if (extra > b->cap - b->len)
		buf_grow(b, extra);
}

/*
 * Copies of up to 16 bytes are done with fixed-size moves (two that may
 * overlap): answers are mostly short names and punctuation, and a libc
 * memcpy call (musl's especially) costs more than the copy.
 */
static inline void
buf_copy_small(char *d, const char *s, size_t n)
{
	if (n >= 8) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n > 0) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

static inline void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	buf_reserve(b, n);
	if (n <= 16)
		buf_copy_small(b->p + b->len, p, n);
	else
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static inline void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static inline void
buf_addc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->p[b->len++] = c;
}
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (consumed output). */
void buf_consume(struct buf *b, size_t n);

/* Append everything fd holds, at most max bytes: 0, or -1 with errno
 * (EFBIG past max).  fd is not closed. */
int buf_read_fd(struct buf *b, int fd, size_t max);
/* The same for a file by name (opened and closed here); errno is the
 * open's or the read's. */
int buf_read_path(struct buf *b, const char *path, size_t max);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
