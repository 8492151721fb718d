/*
 * The TLS server side fed a byte stream, as a client's socket would:
 * the input (seeded with ClientHellos recorded from openssl s_client) is
 * written to one end of a socketpair and read by a server connection
 * (BearSSL's engine under src/tls.c, with client certificates requested)
 * until it ends or fails; what the server answers is drained.  The
 * server's key and certificate are made by `make fuzz` (build/fuzz/pki,
 * or $WCA_FUZZ_PKI).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"
#include "tls.h"

static struct tls_creds *creds;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *d = getenv("WCA_FUZZ_PKI");
	char cert[512], key[512], ca[512], err[512];

	(void)argc;
	(void)argv;
	fuzz_quiet();
	if (d == NULL)
		d = "build/fuzz/pki";
	snprintf(cert, sizeof(cert), "%s/server.crt", d);
	snprintf(key, sizeof(key), "%s/server.key", d);
	snprintf(ca, sizeof(ca), "%s/ca.crt", d);
	creds = tls_creds_load(cert, key, ca, NULL, 0, err, sizeof(err));
	if (creds == NULL) {
		fprintf(stderr, "fuzz_tls: %s (run make fuzz)\n", err);
		abort();
	}
	return 0;
}

static void
drain(int fd)
{
	char junk[4096];

	while (read(fd, junk, sizeof(junk)) > 0)
		;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_conn *t;
	char buf[4096];
	int sv[2], i, e;
	ssize_t n;

	if (size > 65536)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	if (size > 0 && write(sv[1], data, size) != (ssize_t)size)
		abort();
	shutdown(sv[1], SHUT_WR);
	t = tls_conn_new(creds);
	for (i = 0; i < 64; i++) {
		n = tls_conn_recv(t, sv[0], buf, sizeof(buf));
		e = errno;	/* before push and drain set it again */
		(void)tls_conn_push(t, sv[0]);
		drain(sv[1]);
		if (n == 0 || (n < 0 && e != EAGAIN && e != EINTR))
			break;
	}
	tls_conn_free(t);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
