#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

#define NAME_LEN 48

struct capture {
	char *dir;
	unsigned max;
	uint64_t seq;			/* requests captured */
	char (*names)[NAME_LEN];	/* by seq % max: the file kept there */
	struct log_limit fail_log;	/* one line a second */
};

struct capture *
capture_new(const char *dir, unsigned max)
{
	struct capture *c;

	if (dir == NULL || *dir == '\0' || max == 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->dir = xstrdup(dir);
	c->max = max;
	c->names = xcalloc(max, sizeof(*c->names));
	return c;
}

void
capture_free(struct capture *c)
{
	if (c == NULL)
		return;
	free(c->names);
	free(c->dir);
	free(c);
}

int
capture_same(const struct capture *c, const char *dir, unsigned max)
{
	if (c == NULL || dir == NULL || *dir == '\0')
		return c == NULL && (dir == NULL || *dir == '\0');
	return c->max == max && strcmp(c->dir, dir) == 0;
}

static int
write_file(const char *path, const char *body, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t n = write(fd, body + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = errno;

			close(fd);
			errno = n < 0 ? e : EIO;
			return -1;
		}
		off += (size_t)n;
	}
	return close(fd);
}

void
capture_request(struct capture *c, enum route r, const char *body,
    size_t len, uint64_t now_ms)
{
	char path[4096];
	unsigned long skipped;
	char *slot;

	if (c == NULL)
		return;
	slot = c->names[c->seq % c->max];
	if (slot[0] != '\0') {
		snprintf(path, sizeof(path), "%s/%s", c->dir, slot);
		unlink(path);
	}
	c->seq++;
	snprintf(slot, NAME_LEN, "%08llu-%s.json", (unsigned long long)c->seq,
	    route_name(r));
	snprintf(path, sizeof(path), "%s/%s", c->dir, slot);
	if (write_file(path, body, len) == 0)
		return;
	/* Nothing half-written stays behind to look like a capture. */
	{
		int e = errno;

		unlink(path);
		errno = e;
	}
	slot[0] = '\0';
	if (log_limit_pass(&c->fail_log, now_ms, &skipped))
		log_warn(LOGGER_SERVER, "capture failed path=%s error=\"%s\" "
		    "failed_since_last_line=%lu", path, strerror(errno),
		    skipped);
}
