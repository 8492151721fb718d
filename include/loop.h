/*
 * loop: the one poll() loop.  File events are (fd, events, callback,
 * arg); timers are intrusive structs kept in a binary min-heap, so the
 * nearest deadline sets the poll timeout and nothing scans every
 * connection per tick.  Nothing protocol-specific lives here.
 */
#ifndef WCA_LOOP_H
#define WCA_LOOP_H

#include <stddef.h>
#include <stdint.h>

struct loop;

typedef void (*loop_io_fn)(struct loop *l, int fd, int revents, void *arg);
typedef void (*loop_timer_fn)(struct loop *l, void *arg);

/* Embedded in its owner; zero-initialise, then loop_timer_init. */
struct loop_timer {
	uint64_t when;          /* loop_now() milliseconds */
	size_t slot;            /* heap position + 1; 0 = not scheduled */
	loop_timer_fn fn;
	void *arg;
};

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Register fd (non-blocking) for POLLIN/POLLOUT; one registration per fd. */
int loop_add(struct loop *l, int fd, int events, loop_io_fn fn, void *arg);
void loop_set_events(struct loop *l, int fd, int events);
void loop_del(struct loop *l, int fd);
/* A priority fd's callbacks run before the others' in each round, and
 * between them when a round runs long (health probes under load). */
void loop_set_priority(struct loop *l, int fd, int on);
size_t loop_fd_count(const struct loop *l);

void loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *arg);
/* Schedule (or move) `t` to fire `ms` milliseconds from now. */
void loop_timer_after(struct loop *l, struct loop_timer *t, uint64_t ms);
void loop_timer_cancel(struct loop *l, struct loop_timer *t);
static inline int
loop_timer_pending(const struct loop_timer *t)
{
	return t->slot != 0;
}

/* Monotonic milliseconds, refreshed once per iteration. */
uint64_t loop_now(const struct loop *l);
/* Monotonic microseconds, read from the clock (for latencies). */
uint64_t loop_clock_us(void);

/* Microseconds the loop has spent working (outside poll()) since it was
 * made: its share of a core is the rate of this. */
uint64_t loop_busy_us(const struct loop *l);
/* Wall-clock Unix seconds, read from the clock (for what is dated in
 * Unix time: start times, pod start times). */
double loop_unix_now(void);

/* One wait and dispatch; at most `max_wait_ms` (-1: until something). */
int loop_run_once(struct loop *l, int max_wait_ms);

#endif
