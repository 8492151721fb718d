#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 4096

enum log_level log_levels[LOGGER_COUNT] = {
	LOG_INFO, LOG_INFO, LOG_INFO, LOG_INFO, LOG_INFO
};

static const char *const level_names[] = {
	"trace", "debug", "info", "warn", "error", "off"
};

static const char *const logger_names[LOGGER_COUNT] = {
	"server", "tls", "http", "algorithm", "metrics"
};

const char *
log_level_name(enum log_level l)
{
	return level_names[l];
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (strcasecmp(s, "warning") == 0) {
		*out = LOG_WARN;
		return 0;
	}
	return -1;
}

const char *
logger_name(enum logger g)
{
	return logger_names[g];
}

int
logger_parse(const char *s, enum logger *out)
{
	int i;

	for (i = 0; i < LOGGER_COUNT; i++) {
		if (strcmp(s, logger_names[i]) == 0) {
			*out = (enum logger)i;
			return 0;
		}
	}
	return -1;
}

void
log_set_levels(const enum log_level levels[LOGGER_COUNT])
{
	memcpy(log_levels, levels, sizeof(log_levels));
}

void
log_emit(enum logger g, enum log_level l, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	size_t n;
	int r;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	r = snprintf(line + n, sizeof(line) - n, ".%03ldZ %s %s: ",
	    ts.tv_nsec / 1000000L, level_names[l], logger_names[g]);
	n += (size_t)r;
	va_start(ap, fmt);
	r = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (r < 0)
		r = 0;
	if ((size_t)r >= sizeof(line) - n - 1) {
		/* Truncated: say so rather than silently cutting a field. */
		n = sizeof(line) - 5;
		memcpy(line + n, "...", 3);
		n += 3;
	} else
		n += (size_t)r;
	line[n++] = '\n';
	/* A failing stderr has nowhere to report to. */
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}

const char *
log_value(char *out, size_t outcap, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 1;
	int quote = n == 0;

	if (outcap < 12) {
		if (outcap)
			out[0] = '\0';
		return out;
	}
	for (i = 0; i < n; i++)
		if (s[i] == ' ')
			quote = 1;
	for (i = 0; i < n && o + 9 < outcap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[o++] = (char)c;
		else if (c == ' ')
			out[o++] = ' ';
		else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (i < n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	if (quote) {
		out[0] = '"';
		out[o++] = '"';
		out[o] = '\0';
		return out;
	}
	out[o] = '\0';
	return out + 1;
}

int
log_limit_pass(struct log_limit *l, uint64_t now_ms, unsigned long *skipped)
{
	if (l->last_ms != 0 && now_ms - l->last_ms < 1000) {
		l->skipped++;
		return 0;
	}
	*skipped = l->skipped;
	l->skipped = 0;
	l->last_ms = now_ms ? now_ms : 1;
	return 1;
}
