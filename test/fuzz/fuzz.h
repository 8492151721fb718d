/*
 * fuzz.h: what every libFuzzer harness shares (test/fuzz/README.md).
 *
 * The configuration loader resolves listen and source hosts; under the
 * fuzzer that would be a DNS query per input, so getaddrinfo() is taken
 * over here and only resolves numeric hosts and ports.  Logging is off:
 * the parsers report through return values, and lines on stderr would
 * only slow the run down.
 */
#ifndef WCA_FUZZ_H
#define WCA_FUZZ_H

#include <dlfcn.h>
#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	typedef int (*gai_fn)(const char *, const char *,
	    const struct addrinfo *, struct addrinfo **);
	static gai_fn real;
	struct addrinfo h;

	if (real == NULL)
		real = (gai_fn)(uintptr_t)dlsym(RTLD_NEXT, "getaddrinfo");
	memset(&h, 0, sizeof(h));
	if (hints != NULL)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
	return real(node, service, &h, res);
}

static void
fuzz_quiet(void)
{
	enum log_level off[LOGGER_COUNT];
	int i;

	for (i = 0; i < LOGGER_COUNT; i++)
		off[i] = LOG_OFF;
	log_set_levels(off);
}

/* The initialisation of a harness that needs nothing but quiet. */
#define FUZZ_QUIET_INIT()						\
int									\
LLVMFuzzerInitialize(int *argc, char ***argv)				\
{									\
	(void)argc;							\
	(void)argv;							\
	fuzz_quiet();							\
	return 0;							\
}

#endif
