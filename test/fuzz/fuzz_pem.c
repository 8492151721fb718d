/*
 * The credential loaders: PEM decoding, certificate chains, EC and RSA
 * keys in SEC1, PKCS#1 and PKCS#8, trust anchors and the client-name
 * checks, for the server (tls_creds_load) and the scraper
 * (tls_client_creds_load).  The input is cut into a certificate file, a
 * key file and a CA file (the first bytes give the lengths), written to
 * a private directory, as the loaders only read files.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"
#include "tls.h"

static char dir[64], cert[96], key[96], ca[96];

static void
put(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || (n > 0 && write(fd, p, n) != (ssize_t)n))
		abort();
	close(fd);
}

static void
cleanup(void)
{
	unlink(cert);
	unlink(key);
	unlink(ca);
	rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	/* tmpfs when there is one: three small files per input */
	snprintf(dir, sizeof(dir), "%s/wca-fuzz-pem-%ld",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (long)getpid());
	if (mkdir(dir, 0700) < 0)
		abort();
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *const names[1] = { "client.example" };
	struct tls_creds *c;
	char err[512];
	size_t a, b;

	int how;

	if (size < 5)
		return 0;
	a = (size_t)data[0] << 8 | data[1];
	b = (size_t)data[2] << 8 | data[3];
	how = data[4] % 3;
	data += 5;
	size -= 5;
	a %= size + 1;			/* a + b <= size */
	b %= size - a + 1;
	put(cert, data, a);
	put(key, data + a, b);
	put(ca, data + a + b, size - a - b);
	if (how == 0)		/* a server with client_ca and client names */
		c = tls_creds_load(cert, key, ca, names, 1, err, sizeof(err));
	else if (how == 1)	/* a server without client authentication */
		c = tls_creds_load(cert, key, NULL, NULL, 0, err, sizeof(err));
	else			/* the scraper's CA and client certificate */
		c = tls_client_creds_load(ca, cert, key, err, sizeof(err));
	if (c != NULL)
		tls_creds_unref(c);
	return 0;
}
