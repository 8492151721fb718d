/*
 * bench.h: what the in-process benchmarks share: a monotonic clock and
 * reading a whole input file.  Header-only, since every bench/NAME.c is
 * its own program.
 */
#ifndef WCA_BENCH_H
#define WCA_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "buf.h"

static inline double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The whole file, NUL-terminated; exits with a message on failure. */
static inline char *
bench_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		perror(path);
		exit(1);
	}
	rewind(f);
	p = xmalloc((size_t)n + 1);
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

#endif
