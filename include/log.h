/*
 * log: named loggers with levels, one line per event on stderr:
 *   2026-11-25T03:40:24.123Z info server: listening addr=0.0.0.0:31800
 * Each line is written with a single write(2) so lines from the server
 * and from a supervisor never interleave mid-line.
 */
#ifndef WCA_LOG_H
#define WCA_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_TRACE,
	LOG_DEBUG,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
	LOG_OFF
};

enum logger {
	LOGGER_SERVER,
	LOGGER_TLS,
	LOGGER_HTTP,
	LOGGER_ALGORITHM,
	LOGGER_METRICS,
	LOGGER_COUNT
};

extern enum log_level log_levels[LOGGER_COUNT];

const char *log_level_name(enum log_level l);
int log_level_parse(const char *s, enum log_level *out);
const char *logger_name(enum logger g);
int logger_parse(const char *s, enum logger *out);

void log_set_levels(const enum log_level levels[LOGGER_COUNT]);

static inline int
log_on(enum logger g, enum log_level l)
{
	return l >= log_levels[g] && l != LOG_OFF;
}

void log_emit(enum logger g, enum log_level l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The check comes first so that disabled levels cost no formatting. */
#define LOG(g, l, ...) do {						\
	if (log_on((g), (l)))						\
		log_emit((g), (l), __VA_ARGS__);			\
} while (0)
#define log_trace(g, ...) LOG(g, LOG_TRACE, __VA_ARGS__)
#define log_debug(g, ...) LOG(g, LOG_DEBUG, __VA_ARGS__)
#define log_info(g, ...)  LOG(g, LOG_INFO, __VA_ARGS__)
#define log_warn(g, ...)  LOG(g, LOG_WARN, __VA_ARGS__)
#define log_error(g, ...) LOG(g, LOG_ERROR, __VA_ARGS__)

/*
 * A repeated event (a refused connection in a flood, a failing disk)
 * logged at most once a second: log_limit_pass() says whether to log
 * now and, if so, how many were passed over since the last line.  The
 * clock is the caller's, in milliseconds; a zeroed struct is ready.
 */
struct log_limit {
	uint64_t last_ms;	/* 0: never logged */
	unsigned long skipped;
};

int log_limit_pass(struct log_limit *l, uint64_t now_ms,
    unsigned long *skipped);

/*
 * Render untrusted bytes (a request path, a node name) as a field value
 * that cannot break the line: printable ASCII is kept, anything else
 * (and '"', '\\') becomes \xHH; the result is quoted when it contains a
 * space or is empty.  Output is truncated to fit `outcap`.
 */
const char *log_value(char *out, size_t outcap, const char *s, size_t n);

#endif
