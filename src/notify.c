#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

int
notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t n, len = strlen(state);
	socklen_t salen;
	ssize_t r;
	int fd;

	if (path == NULL || *path == '\0')
		return 0;
	n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path)) {
		log_warn(LOGGER_SERVER, "NOTIFY_SOCKET '%s' is not a unix socket "
		    "path or @name; systemd is not told", path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';		/* abstract namespace */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	/* A datagram to a local socket: it does not block the loop. */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		log_warn(LOGGER_SERVER, "notify: socket: %s", strerror(errno));
		return -1;
	}
	r = sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	close(fd);
	if (r < 0) {
		log_warn(LOGGER_SERVER, "notify: sendto %s: %s", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}
