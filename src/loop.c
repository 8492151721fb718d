#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"

struct fd_entry {
	loop_io_fn fn;
	void *arg;
	size_t pidx;            /* index in pfds + 1; 0 = not registered */
	uint64_t gen;           /* bumps on every add: detects fd reuse */
	int prio;               /* served first, and between long callbacks */
};

struct ready {
	int fd;
	short revents;
	uint64_t gen;
};

struct loop {
	struct pollfd *pfds;
	size_t npfds, cappfds;
	struct fd_entry *fds;   /* indexed by fd */
	size_t capfds;
	struct ready *ready;
	uint64_t gen;
	struct loop_timer **heap;
	size_t nheap, capheap;
	uint64_t now;
	uint64_t woke_us;	/* when the last poll() returned; 0 before */
	uint64_t busy_us;	/* time between a poll()'s return and the next */
	size_t nprio;		/* priority fds registered */
	struct pollfd *ppfds;	/* their poll set, for loop_serve_priority */
	struct ready *pready;
	size_t capp;
};

/*
 * A round whose callbacks have run this long looks at the priority fds
 * again before going on, so that a health probe waits for one callback,
 * not for every busy connection's.
 */
#define PRIO_CHECK_US 2000

uint64_t
loop_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

double
loop_unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t
refresh_now(struct loop *l)
{
	uint64_t us = loop_clock_us();

	l->now = us / 1000u;
	return us;
}

uint64_t
loop_busy_us(const struct loop *l)
{
	return l->busy_us;
}

uint64_t
loop_now(const struct loop *l)
{
	return l->now;
}

struct loop *
loop_new(void)
{
	struct loop *l = xcalloc(1, sizeof(*l));

	refresh_now(l);
	return l;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	free(l->pfds);
	free(l->fds);
	free(l->ready);
	free(l->ppfds);
	free(l->pready);
	free(l->heap);
	free(l);
}

int
loop_add(struct loop *l, int fd, int events, loop_io_fn fn, void *arg)
{
	struct fd_entry *e;

	if (fd < 0)
		return -1;
	if ((size_t)fd >= l->capfds) {
		size_t cap = l->capfds ? l->capfds : 64;

		while (cap <= (size_t)fd)
			cap *= 2;
		l->fds = xrealloc(l->fds, cap * sizeof(*l->fds));
		memset(l->fds + l->capfds, 0,
		    (cap - l->capfds) * sizeof(*l->fds));
		l->capfds = cap;
	}
	e = &l->fds[fd];
	if (e->pidx)
		return -1;
	if (l->npfds == l->cappfds) {
		l->cappfds = l->cappfds ? l->cappfds * 2 : 64;
		l->pfds = xrealloc(l->pfds, l->cappfds * sizeof(*l->pfds));
		l->ready = xrealloc(l->ready, l->cappfds * sizeof(*l->ready));
	}
	l->pfds[l->npfds].fd = fd;
	l->pfds[l->npfds].events = (short)events;
	l->pfds[l->npfds].revents = 0;
	e->pidx = ++l->npfds;
	e->fn = fn;
	e->arg = arg;
	e->gen = ++l->gen;
	e->prio = 0;
	return 0;
}

void
loop_set_events(struct loop *l, int fd, int events)
{
	if (fd >= 0 && (size_t)fd < l->capfds && l->fds[fd].pidx)
		l->pfds[l->fds[fd].pidx - 1].events = (short)events;
}

void
loop_del(struct loop *l, int fd)
{
	struct fd_entry *e;
	size_t i;

	if (fd < 0 || (size_t)fd >= l->capfds || !l->fds[fd].pidx)
		return;
	e = &l->fds[fd];
	i = e->pidx - 1;
	/* Swap-remove keeps the pollfd array dense. */
	if (i != l->npfds - 1) {
		l->pfds[i] = l->pfds[l->npfds - 1];
		l->fds[l->pfds[i].fd].pidx = i + 1;
	}
	l->npfds--;
	e->pidx = 0;
	e->fn = NULL;
	e->arg = NULL;
	if (e->prio)
		l->nprio--;
	e->prio = 0;
}

void
loop_set_priority(struct loop *l, int fd, int on)
{
	struct fd_entry *e;

	if (fd < 0 || (size_t)fd >= l->capfds || !l->fds[fd].pidx)
		return;
	e = &l->fds[fd];
	if (!e->prio != !on)
		l->nprio += on ? 1 : (size_t)-1;
	e->prio = on != 0;
}

/* Poll the priority fds without waiting and run what is ready. */
static void
loop_serve_priority(struct loop *l)
{
	size_t i, k = 0;

	if (l->capp < l->nprio) {
		l->capp = l->nprio;
		l->ppfds = xrealloc(l->ppfds, l->capp * sizeof(*l->ppfds));
		l->pready = xrealloc(l->pready, l->capp * sizeof(*l->pready));
	}
	for (i = 0; i < l->npfds && k < l->nprio; i++) {
		const struct fd_entry *e = &l->fds[l->pfds[i].fd];

		if (!e->prio)
			continue;
		l->ppfds[k] = l->pfds[i];
		l->ppfds[k].revents = 0;
		l->pready[k].gen = e->gen;
		k++;
	}
	if (k == 0 || poll(l->ppfds, (nfds_t)k, 0) <= 0)
		return;
	refresh_now(l);
	for (i = 0; i < k; i++) {
		struct fd_entry *e = &l->fds[l->ppfds[i].fd];

		if (l->ppfds[i].revents == 0 || !e->pidx ||
		    e->gen != l->pready[i].gen)
			continue;
		e->fn(l, l->ppfds[i].fd, l->ppfds[i].revents, e->arg);
	}
}

size_t
loop_fd_count(const struct loop *l)
{
	return l->npfds;
}

/* ---- timers: binary min-heap on `when` ---- */

void
loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *arg)
{
	t->when = 0;
	t->slot = 0;
	t->fn = fn;
	t->arg = arg;
}

static void
heap_place(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void
heap_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (l->heap[p]->when <= t->when)
			break;
		heap_place(l, i, l->heap[p]);
		i = p;
	}
	heap_place(l, i, t);
}

static void
heap_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && l->heap[c + 1]->when < l->heap[c]->when)
			c++;
		if (t->when <= l->heap[c]->when)
			break;
		heap_place(l, i, l->heap[c]);
		i = c;
	}
	heap_place(l, i, t);
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	struct loop_timer *moved;
	size_t i;

	if (!t->slot)
		return;
	i = t->slot - 1;
	t->slot = 0;
	if (i == --l->nheap)
		return;
	moved = l->heap[l->nheap];
	heap_place(l, i, moved);
	heap_up(l, i);
	heap_down(l, moved->slot - 1);
}

void
loop_timer_after(struct loop *l, struct loop_timer *t, uint64_t ms)
{
	loop_timer_cancel(l, t);
	t->when = l->now + ms;
	if (l->nheap == l->capheap) {
		l->capheap = l->capheap ? l->capheap * 2 : 64;
		l->heap = xrealloc(l->heap, l->capheap * sizeof(*l->heap));
	}
	l->nheap++;
	heap_place(l, l->nheap - 1, t);
	heap_up(l, l->nheap - 1);
}

static void
run_timers(struct loop *l)
{
	/* Timers armed by callbacks for "now" run on the next round. */
	uint64_t now = l->now;

	while (l->nheap && l->heap[0]->when <= now) {
		struct loop_timer *t = l->heap[0];

		loop_timer_cancel(l, t);
		t->fn(l, t->arg);
	}
}

int
loop_run_once(struct loop *l, int max_wait_ms)
{
	size_t i, nready = 0;
	int timeout = max_wait_ms, n, pass;
	uint64_t t = refresh_now(l);

	if (l->woke_us)
		l->busy_us += t - l->woke_us;
	if (l->nheap) {
		uint64_t when = l->heap[0]->when;
		int wait = when <= l->now ? 0 :
		    when - l->now > 3600000 ? 3600000 : (int)(when - l->now);

		if (timeout < 0 || wait < timeout)
			timeout = wait;
	}
	n = poll(l->pfds, (nfds_t)l->npfds, timeout);
	if (n < 0 && errno != EINTR)
		return -1;
	l->woke_us = refresh_now(l);
	/*
	 * Collect first, dispatch second: a callback may close and reuse
	 * fds, which reorders pfds; the generation check skips events for
	 * an fd that was closed (and perhaps reopened) meanwhile.
	 */
	for (i = 0; n > 0 && i < l->npfds; i++) {
		if (l->pfds[i].revents == 0)
			continue;
		l->ready[nready].fd = l->pfds[i].fd;
		l->ready[nready].revents = l->pfds[i].revents;
		l->ready[nready].gen = l->fds[l->pfds[i].fd].gen;
		nready++;
	}
	/* Priority fds first; the rest, with a look at them now and then. */
	for (pass = 0; pass < 2; pass++) {
		uint64_t mark = l->woke_us;

		for (i = 0; i < nready; i++) {
			struct fd_entry *e = &l->fds[l->ready[i].fd];

			if (!e->pidx || e->gen != l->ready[i].gen ||
			    !e->prio != (pass == 1))
				continue;
			e->fn(l, l->ready[i].fd, l->ready[i].revents, e->arg);
			if (pass == 1 && l->nprio &&
			    loop_clock_us() - mark >= PRIO_CHECK_US) {
				loop_serve_priority(l);
				mark = loop_clock_us();
			}
		}
	}
	run_timers(l);
	return 0;
}
