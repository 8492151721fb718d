/*
 * nodestore: per-source snapshots of node and app data, merged per field
 * on the read side.  See include/nodestore.h for the contract.
 *
 * Shape:
 *   store ── sources[] ── snap (one per source, replaced whole at commit)
 *                        │  ├── recs[]     one per node the source named
 *                        │  ├── apprecs[]  one per app the source named
 *                        │  └── assigned[], pods[], containers[],
 *                        │      busy[], pool
 *                        └─ spare: arrays for the next builder (see
 *                           "Recycling")
 *         ── node index (hash + first-appearance list) ── ns_node
 *                                    └── recs: every source's rec for
 *                                        the node, newest commit first
 *         ── app index, the same with apprecs
 *
 * A commit links the new snapshot's recs at the head of their nodes'
 * lists and unlinks the old snapshot's, so the work is proportional to
 * the source's own nodes, and each list stays ordered by commit: the
 * read side takes each field from the first fresh rec that has it.  The
 * old snapshot's arrays are not freed but kept for the source's next
 * builder, so that steady scrapes allocate nothing large (musl's malloc
 * returns large blocks to the kernel at once, and faults them in again).
 *
 * A commit runs in steps between requests.  Its recs are linked while it
 * runs but carry the snapshot's seq, which is above the store's until
 * a step publishes them by incrementing it; the old snapshot carries
 * the same seq as `gone`, so it is not seen from then on.  Names the
 * commit adds wait in a pending list of their index, and names only the
 * old snapshot had are marked to die at that seq.  Readers skip all of
 * these by comparing seqs, so publishing is one increment, a list
 * splice and taking the dead names out of the order; later steps unlink
 * the old snapshot.  One commit is in progress at a time, which keeps
 * every list in publication order.
 */
#include "nodestore.h"
#include "podres.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

#define NONE		UINT32_MAX
#define DEFAULT_WINDOW	300.0

/* Merged fields of a node rec: capacity dims first. */
enum field {
	F_CAP0 = 0,
	F_PMEM = F_CAP0 + DIM_COUNT,
	F_TYPE,
	F_HIT,
	F_ASSIGNED,
	F_CPU_PRE,		/* wca_node_utilization resource=cpu */
	F_MEM_PRE,
	F_CPU,			/* computed from node_exporter */
	F_MEM,
	F_ALLOC_CPU,
	F_ALLOC_MEM,
	F_KCAP_CPU,
	F_KCAP_MEM,
	F_PODS,
	F_COUNT
};
#define FB(f)		(1u << (f))
#define F_CAP_ALL	((1u << DIM_COUNT) - 1)
#define F_ALL		((1u << F_COUNT) - 1)

/* What a rec saw while building. */
#define RAW_CPU		1u
#define RAW_MEMTOTAL	2u
#define RAW_MEMAVAIL	4u
#define RAW_PMEM	8u	/* wca_node_pmem */
#define RAW_PMEM_SUM	16u	/* platform_mem_mode_size_bytes */

/* ns_rec.util[] */
enum { U_CPU_PRE, U_MEM_PRE, U_CPU, U_MEM };

#define APP_PROFILE	(1u << DIM_COUNT)

/* ------------------------------------------------------------------ */
/* Types */

/*
 * One history entry: the scrapes of one rate_step (each scrape its own
 * entry when rate_step is 0), so that a 15-minute window at a 5 s
 * interval keeps 31 entries, not 180.  An entry is what a recording rule
 * evaluated at its end would see: the smoothed cpu rate and the memory
 * utilisation of its last scrape; the average weighs every interval.
 * The window statistics take whole entries (those whose last scrape is
 * inside the window), as avg_over_time takes whole evaluations.
 */
struct hent {
	double t;		/* its last scrape */
	double cpu_dt, dt;	/* sum of rate * interval, of intervals (s);
				   dt 0: no valid interval */
	double cpu5;		/* rate smoothed over rate_window at t; NaN */
	double mem;		/* memory utilisation at t; NaN: none */
};

struct hist {
	uint32_t start, n, cap;
	double open_t0;		/* first scrape of the newest entry */
	struct hent e[];
};

/* A name in the index: node or app. */
struct ent {
	uint64_t born;			/* seq of the commit that named it */
	uint64_t dies;			/* seq of the commit it dies at, or 0 */
	struct ent *dnext;		/* a commit's names that die with it */
	struct ent *hnext;		/* hash chain */
	struct ent *onext, *oprev;	/* first-appearance order */
	void *recs;			/* ns_rec / ns_apprec list head */
	uint64_t hash;
	size_t len;
	uint32_t id;			/* dense, reused once the name is gone */
	char *name;			/* right after the struct */
};

struct ns_node { struct ent e; };
struct ns_app { struct ent e; };

struct index {
	struct ent **b;
	size_t nb, n;
	struct ent *first, *last;	/* published names, in order */
	struct ent *pfirst, *plast;	/* named by the commit in progress */
	size_t npending;
	uint64_t seed;
	uint32_t next_id;		/* ids handed out: 0..next_id-1 */
	uint32_t *free_ids;		/* of names deleted, for reuse */
	size_t nfree, cfree;
};

struct ns_snap;

struct ns_rec {
	struct ns_rec *next, *prev;	/* the node's list */
	struct ns_node *node;		/* NULL: not linked (no fields) */
	struct ns_snap *snap;
	uint32_t fields;		/* FB(F_*) */
	uint32_t raw;			/* RAW_* */
	uint32_t name_off, name_len;	/* in the pool */
	uint32_t asg_off, asg_n;
	uint32_t pod_off, pod_n;
	uint32_t ncpu, nbusy, busy_off;	/* busy counters: snap's busy[] */
	enum ns_node_type type;
	double cap[DIM_COUNT];
	double pmem, pmem_sum, hit;
	double memtotal, memavail;
	struct ns_util util[4];
	struct ns_res alloc, kcap, preq, plim;
	uint64_t busy_sig;
	struct hist *hist;
};

struct ns_apprec {
	struct ns_apprec *next, *prev;
	struct ns_app *app;
	struct ns_snap *snap;
	uint32_t name_off, name_len;
	uint32_t fields;		/* 1 << dim, APP_PROFILE */
	double req[DIM_COUNT];
	double profile;
};

/* Builder-only records. */
struct bkey {			/* a slot of the builder's hash table */
	uint32_t h;		/* hash, low 32 bits */
	uint32_t gen;		/* == bufs.gen: in use; anything else: empty */
	uint32_t kind, a, b, off, len, val;
};

struct basg {
	uint32_t node, app;
	double count;
};

#define P_TERMINATED	1u
#define P_NODE_INFO	2u	/* node from kube_pod_info */
#define P_START		4u

struct bpod {
	uint32_t off, ns_len, name_len;
	uint32_t node;
	uint32_t flags;
	uint32_t ncont, cont_off;
	double start;
};

struct bcont {
	uint32_t pod;
	struct ns_container c;
};

struct bbusy {			/* a busy-mode cpu counter, feed order */
	uint32_t rec;
	double v;
};

struct podkey {
	uint32_t node, idx;
	int has_start;
	double start;
};

struct amark {			/* commit: see group_assigned */
	uint32_t rec, pos;
};

enum { K_NODE = 1, K_APP, K_POD, K_CONT, K_ICONT, K_CPU };

/*
 * Recycling.  Every array a scrape needs, whatever its size, lives in a
 * struct bufs: the arrays that become the snapshot's, and the builder's
 * working arrays.  A source keeps a spare set for its next builder:
 * after a commit, the replaced snapshot's arrays and the builder's
 * working arrays, with their capacities (the contents are dead; every
 * element is written before it is read).  So from the third scrape of
 * a source of stable size on, a scrape and its commit allocate nothing
 * but the builder and snapshot structs and two short strings: the
 * builder fills recycled arrays and the commit hands them to the
 * snapshot as they are (no shrinking copy), and histories move from
 * the old rec to the new one.  What is kept is bounded: at each commit,
 * a spare array more than twice the size that scrape needed (and above
 * TRIM_FLOOR bytes) is cut to twice that size, or freed when that
 * scrape did not use it; a spare set smaller than SPARE_KEEP_MIN in all
 * is freed (a node_exporter's scrape needs a few small arrays).  The hash table is never cleared: a slot is in
 * use only when it carries the current builder's generation.
 *
 * X(name, type, need): the array `type *name` holds n_name elements in
 * c_name; need(n) is the capacity n elements want (key_slots for the
 * hash table: a power of two, at most half full).
 */
#define SNAP_BUFS(X)	/* asg, pods first: ns_view reads them */	\
	X(asg, struct ns_assigned, elems)				\
	X(pods, struct ns_pod, elems)					\
	X(pool, char, elems)		/* names, NUL-terminated */	\
	X(recs, struct ns_rec, elems)					\
	X(apps, struct ns_apprec, elems)				\
	X(busy, double, elems)		/* ns_rec busy_off, nbusy */	\
	X(conts, struct ns_container, elems)
#define BUILDER_BUFS(X)							\
	X(keys, struct bkey, key_slots)					\
	X(basg, struct basg, elems)					\
	X(bpods, struct bpod, elems)					\
	X(bconts, struct bcont, elems)					\
	X(bbusy, struct bbusy, elems)					\
	X(tmp, uint32_t, elems)		/* commit: app of asg[i] */	\
	X(amark, struct amark, elems)	/* commit: per app */		\
	X(order, struct podkey, elems)	/* commit: pod order */
#define ALL_BUFS(X)	SNAP_BUFS(X) BUILDER_BUFS(X)

#define TRIM_FLOOR	1024	/* bytes: smaller arrays are kept as they are */
#define SPARE_KEEP_MIN	16384	/* bytes: a smaller spare set is freed */
#define KEYS_MIN	16	/* hash table slots */

#define X(name, type, need)	type *name; size_t n_##name, c_##name;
struct bufs {
	ALL_BUFS(X)
	uint32_t gen;		/* of the keys in use */
};

struct snap_bufs {		/* a snapshot's: SNAP_BUFS only */
	SNAP_BUFS(X)
};
#undef X

struct ns_snap {
	uint64_t seq;			/* published once st->seq reaches it */
	uint64_t gone;			/* replaced once st->seq reaches it;
					   0: not being replaced */
	double t;			/* commit time */
	struct snap_bufs m;
	size_t bytes;
	struct ns_builder_stats stats;
};

struct ns_source {
	uint64_t uid;
	char *url, *node;
	struct ns_snap *snap;
	struct bufs *spare;		/* for the next builder, or NULL */
	size_t spare_bytes;
};

struct ns_store {
	struct ns_source **src;
	size_t nsrc;
	uint64_t next_uid;
	char *label;
	size_t label_len;
	double window, rate_window, rate_step;
	struct index nodes, apps;
	uint64_t seq;			/* commits published */
	uint64_t version;		/* any change readers can see */
	struct ns_builder *preparing;	/* the commit in progress */
	double *scratch;		/* NS_HIST_MAX, for derive() */
	size_t bytes;			/* index, entries, snapshots, spares,
					   scratch */
};

struct ns_builder {
	struct ns_store *st;
	uint64_t uid;
	size_t hint;
	char *fixed;			/* node=, or NULL */
	size_t fixed_len;
	char *label;
	size_t label_len;
	struct bufs m;
	uint32_t key_off;		/* of the key bh_get() inserted last */
	uint32_t last_node;
	int saw_assigned, saw_pods;
	int busy_mixed;			/* counters in bbusy, not busy */
	struct ns_builder_stats stats;

	/* The commit (see "Commit: phases"), once it has the store. */
	double now;			/* its time */
	size_t phase, cur, acc;		/* phase, its cursor and running sum */
	size_t linked_recs, linked_apps;	/* of snap, for a rollback */
	int moved;			/* snap has the snapshot arrays */
	int published;
	struct ns_source *src;
	struct ns_snap *snap, *old;	/* being made; being replaced */
	struct ent *dying_nodes, *dying_apps;	/* die when published */
	struct bufs used;		/* the sizes, for bufs_trim() */
};

/* ------------------------------------------------------------------ */
/* Small helpers */

static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static uint64_t
hash_bytes(const char *p, size_t n, uint64_t seed)
{
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL), w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x9fb21c651e98df25ULL;
		h ^= h >> 29;
		p += 8;
		n -= 8;
	}
	w = 0;
	if (n > 0)
		memcpy(&w, p, n);
	return mix(h ^ w);
}

/*
 * A capacity of at least `need` elements of `size` bytes for p (capacity
 * *cap, updated): doubling, from 64 bytes' worth.  GROW is the typed
 * call for an array of a struct bufs.
 */
static void *
grow_to(void *p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : (64 + size - 1) / size;

	if (need <= *cap)
		return p;
	while (c < need)
		c *= 2;
	*cap = c;
	return xrealloc(p, c * size);
}

#define GROW(m, name, need)						\
	do {								\
		if ((need) > (m)->c_##name)				\
			(m)->name = grow_to((m)->name, &(m)->c_##name,	\
			    (need), sizeof(*(m)->name));		\
	} while (0)

static size_t
elems(size_t n)
{
	return n;
}

/* Hash table slots for n keys: bh_get() keeps it at most half full. */
static size_t
key_slots(size_t n)
{
	size_t c = KEYS_MIN;

	while ((n + 1) * 2 > c)
		c *= 2;
	return c;
}

static size_t
bufs_bytes(const struct bufs *m)
{
	size_t n = 0;

#define X(name, type, need)	n += m->c_##name * sizeof(type);
	ALL_BUFS(X)
#undef X
	return n;
}

static size_t
snap_bufs_bytes(const struct snap_bufs *m)
{
	size_t n = 0;

#define X(name, type, need)	n += m->c_##name * sizeof(type);
	SNAP_BUFS(X)
#undef X
	return n;
}

static void
bufs_free(struct bufs *m)
{
#define X(name, type, need)	free(m->name);
	ALL_BUFS(X)
#undef X
	memset(m, 0, sizeof(*m));
}

static void
snap_bufs_free(struct snap_bufs *m)
{
#define X(name, type, need)	free(m->name);
	SNAP_BUFS(X)
#undef X
}

/* Move the snapshot's arrays from a full set to a snapshot's, or back;
 * those of `to` are empty. */
#define MOVE(to, from, name)						\
	do {								\
		(to)->name = (from)->name;				\
		(to)->n_##name = (from)->n_##name;			\
		(to)->c_##name = (from)->c_##name;			\
		(from)->name = NULL;					\
		(from)->n_##name = (from)->c_##name = 0;		\
	} while (0)

static void
bufs_to_snap(struct snap_bufs *to, struct bufs *from)
{
#define X(name, type, need)	MOVE(to, from, name);
	SNAP_BUFS(X)
#undef X
}

static void
bufs_from_snap(struct bufs *to, struct snap_bufs *from)
{
#define X(name, type, need)	MOVE(to, from, name);
	SNAP_BUFS(X)
#undef X
}

/* Every array of `from` into `to`: of two, the larger stays. */
static void
bufs_merge(struct bufs *to, struct bufs *from)
{
	if (from->c_keys > to->c_keys)
		to->gen = from->gen;
#define X(name, type, need)						\
	if (from->c_##name > to->c_##name) {				\
		free(to->name);						\
		to->name = from->name;					\
		to->c_##name = from->c_##name;				\
	} else								\
		free(from->name);					\
	to->n_##name = 0;
	ALL_BUFS(X)
#undef X
	memset(from, 0, sizeof(*from));
}

/*
 * An array of capacity *cap where `want` would do: above twice that
 * (and TRIM_FLOOR), cut to twice, or freed if want is 0.  The contents
 * are dead (a cut hash table keeps stale generations: empty slots).
 */
static void *
trim_to(void *p, size_t *cap, size_t want, size_t size)
{
	if (*cap <= 2 * want || *cap * size <= TRIM_FLOOR)
		return p;
	if (want == 0) {
		free(p);
		*cap = 0;
		return NULL;
	}
	*cap = 2 * want;
	return xrealloc(p, *cap * size);
}

/* Trim spare arrays to what the scrape that filled `used` needed. */
static void
bufs_trim(struct bufs *m, const struct bufs *used)
{
#define X(name, type, need)						\
	m->name = trim_to(m->name, &m->c_##name, need(used->n_##name),	\
	    sizeof(type));
	ALL_BUFS(X)
#undef X
}

static int
span_eq(const char *p, size_t n, const char *s)
{
	size_t m = strlen(s);

	return n == m && memcmp(p, s, n) == 0;
}

static int
span_ieq(const char *p, size_t n, const char *s)
{
	size_t m = strlen(s);

	return n == m && strncasecmp(p, s, n) == 0;
}

static char *
dup_span(const char *p, size_t n)
{
	return xstrndup(p, n);
}

enum dim
ns_dim_parse(const char *s, size_t n)
{
	static const struct { const char *name; enum dim d; } names[] = {
		{ "cpu", DIM_CPU }, { "mem", DIM_MEM },
		{ "membw_read", DIM_MEMBW_READ }, { "mbw_read", DIM_MEMBW_READ },
		{ "membw_write", DIM_MEMBW_WRITE },
		{ "mbw_write", DIM_MEMBW_WRITE },
		{ "wss", DIM_WSS }, { "membw", DIM_MEMBW },
		{ "membw_flat", DIM_MEMBW_FLAT }, { "mbw_flat", DIM_MEMBW_FLAT },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (span_eq(s, n, names[i].name))
			return names[i].d;
	return DIM_COUNT;
}

/* ------------------------------------------------------------------ */
/* The name index (nodes, apps) */

static void
index_init(struct index *x, uint64_t seed)
{
	memset(x, 0, sizeof(*x));
	x->seed = seed;
}

static struct ent *
index_find(const struct index *x, const char *name, size_t len)
{
	uint64_t h;
	struct ent *e;

	if (x->nb == 0)
		return NULL;
	h = hash_bytes(name, len, x->seed);
	for (e = x->b[h & (x->nb - 1)]; e != NULL; e = e->hnext)
		if (e->hash == h && e->len == len &&
		    memcmp(e->name, name, len) == 0)
			return e;
	return NULL;
}

static void
index_rehash(struct ns_store *st, struct index *x, size_t nb)
{
	struct ent **b = xcalloc(nb, sizeof(*b)), *e;
	int pending;

	for (pending = 0; pending < 2; pending++)
		for (e = pending ? x->pfirst : x->first; e; e = e->onext) {
			size_t i = e->hash & (nb - 1);

			e->hnext = b[i];
			b[i] = e;
		}
	st->bytes -= x->nb * sizeof(*x->b);
	st->bytes += nb * sizeof(*b);
	free(x->b);
	x->b = b;
	x->nb = nb;
}

/* Find name, or add it for the commit in progress: readers do not see
 * it until index_publish(). */
static struct ent *
index_get(struct ns_store *st, struct index *x, const char *name, size_t len)
{
	struct ent *e = index_find(x, name, len);
	size_t i;

	if (e != NULL)
		return e;
	if (x->n + x->npending + 1 > x->nb)
		index_rehash(st, x, x->nb ? x->nb * 2 : 64);
	e = xmalloc(sizeof(*e) + len + 1);
	e->name = (char *)(e + 1);
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	e->len = len;
	e->hash = hash_bytes(name, len, x->seed);
	e->id = x->nfree ? x->free_ids[--x->nfree] : x->next_id++;
	e->recs = NULL;
	e->born = st->seq + 1;
	e->dies = 0;
	e->dnext = NULL;
	i = e->hash & (x->nb - 1);
	e->hnext = x->b[i];
	x->b[i] = e;
	e->onext = NULL;
	e->oprev = x->plast;
	if (x->plast)
		x->plast->onext = e;
	else
		x->pfirst = e;
	x->plast = e;
	x->npending++;
	st->bytes += sizeof(*e) + len + 1;
	return e;
}

/* A name leaves one of the order lists. */
static void
order_unlink(struct ent **first, struct ent **last, size_t *n, struct ent *e)
{
	if (e->oprev)
		e->oprev->onext = e->onext;
	else
		*first = e->onext;
	if (e->onext)
		e->onext->oprev = e->oprev;
	else
		*last = e->oprev;
	(*n)--;
}

/* A name that just died leaves the order (see ph_publish). */
static void
index_retire(struct index *x, struct ent *e)
{
	order_unlink(&x->first, &x->last, &x->n, e);
	e->onext = e->oprev = NULL;
}

/* The names of the commit just published join the order, after the
 * others. */
static void
index_publish(struct index *x)
{
	if (x->pfirst == NULL)
		return;
	x->pfirst->oprev = x->last;
	if (x->last)
		x->last->onext = x->pfirst;
	else
		x->first = x->pfirst;
	x->last = x->plast;
	x->n += x->npending;
	x->pfirst = x->plast = NULL;
	x->npending = 0;
}

/* A snapshot readers see: published, not yet replaced. */
static int
snap_live(const struct ns_store *st, const struct ns_snap *s)
{
	return s->seq <= st->seq && (s->gone == 0 || s->gone > st->seq);
}

static int
ent_published(const struct ns_store *st, const struct ent *e)
{
	return e->born <= st->seq;
}

/* Out of the order, waiting for its last recs to be unlinked. */
static int
ent_dead(const struct ns_store *st, const struct ent *e)
{
	return e->dies != 0 && e->dies <= st->seq;
}

/* A name readers see. */
static int
ent_live(const struct ns_store *st, const struct ent *e)
{
	return ent_published(st, e) && !ent_dead(st, e);
}

static void
index_del(struct ns_store *st, struct index *x, struct ent *e)
{
	struct ent **pp = &x->b[e->hash & (x->nb - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (!ent_published(st, e))
		order_unlink(&x->pfirst, &x->plast, &x->npending, e);
	else if (!ent_dead(st, e))
		order_unlink(&x->first, &x->last, &x->n, e);
	if (x->nfree == x->cfree) {
		x->cfree = x->cfree ? 2 * x->cfree : 64;
		x->free_ids = xrealloc(x->free_ids,
		    x->cfree * sizeof(*x->free_ids));
	}
	x->free_ids[x->nfree++] = e->id;
	st->bytes -= sizeof(*e) + e->len + 1;
	free(e);
}

static void
index_free(struct index *x)
{
	struct ent *e, *next;
	int pending;

	for (pending = 0; pending < 2; pending++)
		for (e = pending ? x->pfirst : x->first; e; e = next) {
			next = e->onext;
			free(e);
		}
	free(x->b);
	free(x->free_ids);
	memset(x, 0, sizeof(*x));
}

/* ------------------------------------------------------------------ */
/* Snapshots */

/* Push rec r at the head of its name's list (newest commit first). */
#define LIST_PUSH(head, r)						\
	do {								\
		(r)->prev = NULL;					\
		(r)->next = (head);					\
		if ((r)->next)						\
			(r)->next->prev = (r);				\
		(head) = (r);						\
	} while (0)
#define LIST_UNLINK(head, r)						\
	do {								\
		if ((r)->prev)						\
			(r)->prev->next = (r)->next;			\
		else							\
			(head) = (r)->next;				\
		if ((r)->next)						\
			(r)->next->prev = (r)->prev;			\
	} while (0)

static size_t
hist_bytes(const struct hist *h)
{
	return h ? sizeof(*h) + h->cap * sizeof(h->e[0]) : 0;
}

/* Unlink r from its node (which goes with its last rec); free its
 * history. */
static void
rec_unlink(struct ns_store *st, struct ns_rec *r)
{
	if (r->node != NULL) {
		LIST_UNLINK(r->node->e.recs, r);
		if (r->node->e.recs == NULL)
			index_del(st, &st->nodes, &r->node->e);
	}
	free(r->hist);
	r->hist = NULL;
}

static void
apprec_unlink(struct ns_store *st, struct ns_apprec *a)
{
	LIST_UNLINK(a->app->e.recs, a);
	if (a->app->e.recs == NULL)
		index_del(st, &st->apps, &a->app->e);
}

/*
 * Unlink the first nrecs recs and napps apprecs of s from the index
 * (names left with no rec go) and free those recs' histories.
 */
static void
snap_unlink(struct ns_store *st, struct ns_snap *s, size_t nrecs,
    size_t napps)
{
	size_t i;

	for (i = 0; i < nrecs; i++)
		rec_unlink(st, &s->m.recs[i]);
	for (i = 0; i < napps; i++)
		apprec_unlink(st, &s->m.apps[i]);
}

/* Unlink all of a published s and free it; its arrays go to *keep when
 * keep is not NULL. */
static void
snap_drop(struct ns_store *st, struct ns_snap *s, struct bufs *keep)
{
	if (s == NULL)
		return;
	snap_unlink(st, s, s->m.n_recs, s->m.n_apps);
	st->bytes -= s->bytes;
	if (keep != NULL)
		bufs_from_snap(keep, &s->m);
	else
		snap_bufs_free(&s->m);
	free(s);
}

/* Hand m's arrays to src's next builder; `used`: the scrape's sizes. */
static void
spare_put(struct ns_store *st, struct ns_source *src, struct bufs *m,
    const struct bufs *used)
{
	st->bytes -= src->spare_bytes;
	if (src->spare == NULL)
		src->spare = xcalloc(1, sizeof(*src->spare));
	bufs_merge(src->spare, m);
	if (used != NULL)
		bufs_trim(src->spare, used);
	/* Small arrays come back from malloc's free lists without page
	 * faults: keeping them per source (thousands of node_exporters)
	 * would only double the store. */
	if (bufs_bytes(src->spare) < SPARE_KEEP_MIN) {
		bufs_free(src->spare);
		free(src->spare);
		src->spare = NULL;
	}
	src->spare_bytes = src->spare ? sizeof(*src->spare) +
	    bufs_bytes(src->spare) : 0;
	st->bytes += src->spare_bytes;
}

/* ------------------------------------------------------------------ */
/* Store */

static void
set_opts(struct ns_store *st, const struct ns_opts *o)
{
	const char *nl = o && o->node_label && *o->node_label ?
	    o->node_label : "node";

	free(st->label);
	st->label = xstrdup(nl);
	st->label_len = strlen(nl);
	st->window = o && o->window > 0 ? o->window : DEFAULT_WINDOW;
	if (o == NULL || o->rate_window == 0)
		st->rate_window = NS_RATE_WINDOW_DEFAULT;
	else
		st->rate_window = o->rate_window > 0 ? o->rate_window : 0;
	st->rate_step = o && o->rate_step > 0 ? o->rate_step : 0;
}

struct ns_store *
ns_store_new(void)
{
	struct ns_store *st = xcalloc(1, sizeof(*st));

	index_init(&st->nodes, 0x6e6f6465ULL);
	index_init(&st->apps, 0x61707073ULL);
	set_opts(st, NULL);
	st->scratch = xmalloc(NS_HIST_MAX * sizeof(*st->scratch));
	st->bytes = NS_HIST_MAX * sizeof(*st->scratch);
	return st;
}

void
ns_configure(struct ns_store *st, const struct ns_opts *o)
{
	set_opts(st, o);
	st->version++;
}

uint64_t
ns_version(const struct ns_store *st)
{
	return st->version;
}

static void commit_detach(struct ns_store *st, struct ns_builder *b);

static void
source_free(struct ns_store *st, struct ns_source *s)
{
	if (st->preparing != NULL && st->preparing->uid == s->uid)
		commit_detach(st, st->preparing);
	snap_drop(st, s->snap, NULL);
	st->bytes -= s->spare_bytes;
	if (s->spare != NULL) {
		bufs_free(s->spare);
		free(s->spare);
	}
	free(s->url);
	free(s->node);
	free(s);
}

void
ns_store_free(struct ns_store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nsrc; i++)
		source_free(st, st->src[i]);
	free(st->src);
	index_free(&st->nodes);
	index_free(&st->apps);
	free(st->scratch);
	free(st->label);
	free(st);
}

static int
str_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

void
ns_set_sources(struct ns_store *st, const struct ns_source_spec *specs,
    size_t n)
{
	struct ns_source **src = xcalloc(n ? n : 1, sizeof(*src));
	size_t i, j;

	for (i = 0; i < n; i++) {
		const char *node = specs[i].node && *specs[i].node ?
		    specs[i].node : NULL;
		const char *url = specs[i].url ? specs[i].url : "";

		for (j = 0; j < st->nsrc; j++)
			if (st->src[j] != NULL &&
			    str_same(st->src[j]->url, url) &&
			    str_same(st->src[j]->node, node)) {
				src[i] = st->src[j];
				st->src[j] = NULL;
				break;
			}
		if (src[i] == NULL) {
			src[i] = xcalloc(1, sizeof(*src[i]));
			src[i]->uid = ++st->next_uid;
			src[i]->url = xstrdup(url);
			src[i]->node = node ? xstrdup(node) : NULL;
		}
	}
	for (j = 0; j < st->nsrc; j++)
		if (st->src[j] != NULL)
			source_free(st, st->src[j]);
	free(st->src);
	st->src = src;
	st->nsrc = n;
	st->version++;
}

size_t
ns_source_count(const struct ns_store *st)
{
	return st->nsrc;
}

int
ns_source_stats(const struct ns_store *st, size_t id,
    struct ns_source_stats *out)
{
	const struct ns_source *s;

	memset(out, 0, sizeof(*out));
	if (id >= st->nsrc)
		return -1;
	s = st->src[id];
	out->url = s->url;
	out->node = s->node;
	if (s->snap != NULL) {
		out->has_data = 1;
		out->success_time = s->snap->t;
		out->last = s->snap->stats;
		out->bytes = s->snap->bytes;
	}
	out->bytes += s->spare_bytes;
	return 0;
}

double
ns_fresh_until(const struct ns_store *st, double now, double staleness)
{
	double until = INFINITY;
	size_t i;

	for (i = 0; i < st->nsrc; i++) {
		const struct ns_snap *s = st->src[i]->snap;

		if (s != NULL && s->t + staleness >= now &&
		    s->t + staleness < until)
			until = s->t + staleness;
	}
	return until;
}

size_t
ns_memory_bytes(const struct ns_store *st)
{
	return sizeof(*st) + st->nsrc * sizeof(st->src[0]) + st->bytes;
}

static struct ns_source *
source_by_uid(const struct ns_store *st, uint64_t uid, size_t hint)
{
	size_t i;

	if (hint < st->nsrc && st->src[hint]->uid == uid)
		return st->src[hint];
	for (i = 0; i < st->nsrc; i++)
		if (st->src[i]->uid == uid)
			return st->src[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Builder: keys */

static uint32_t
pool_add(struct ns_builder *b, const char *p1, size_t n1, const char *p2,
    size_t n2)
{
	size_t need = n1 + 1 + (p2 ? n2 + 1 : 0);
	uint32_t off = (uint32_t)b->m.n_pool;
	char *d;

	GROW(&b->m, pool, b->m.n_pool + need);
	d = b->m.pool + off;
	memcpy(d, p1, n1);
	d[n1] = '\0';
	if (p2) {
		memcpy(d + n1 + 1, p2, n2);
		d[n1 + 1 + n2] = '\0';
	}
	b->m.n_pool += need;
	return off;
}

/* Twice the slots (KEYS_MIN at first), the keys in use moved over. */
static void
bh_rehash(struct ns_builder *b)
{
	size_t cap = b->m.c_keys ? b->m.c_keys * 2 : KEYS_MIN, i;
	struct bkey *h = xcalloc(cap, sizeof(*h));	/* gen 0: empty */

	for (i = 0; i < b->m.c_keys; i++) {
		size_t j;

		if (b->m.keys[i].gen != b->m.gen)
			continue;
		for (j = b->m.keys[i].h & (cap - 1); h[j].gen == b->m.gen;
		    j = (j + 1) & (cap - 1))
			;
		h[j] = b->m.keys[i];
	}
	free(b->m.keys);
	b->m.keys = h;
	b->m.c_keys = cap;
}

/*
 * Look up the key (kind, a, c, p1 [NUL p2]).  Found: *val is its value,
 * returns 1.  Missing: it is inserted with value newval (the bytes go to
 * the pool, at b->key_off), returns 0.
 */
static int
bh_get(struct ns_builder *b, uint32_t kind, uint32_t a, uint32_t c,
    const char *p1, size_t n1, const char *p2, size_t n2, uint32_t newval,
    uint32_t *val)
{
	uint64_t h64 = hash_bytes(p1, n1, mix(((uint64_t)kind << 56) ^
	    ((uint64_t)a << 24) ^ c ^ 0x5bd1e995ULL));
	size_t len = n1 + (p2 ? n2 + 1 : 0), i, mask;
	uint32_t h, gen = b->m.gen;
	struct bkey *k;

	if (p2)
		h64 = hash_bytes(p2, n2, h64);
	h = (uint32_t)h64;
	if ((b->m.n_keys + 1) * 2 > b->m.c_keys)
		bh_rehash(b);
	mask = b->m.c_keys - 1;
	for (i = h & mask; (k = &b->m.keys[i])->gen == gen;
	    i = (i + 1) & mask) {
		const char *kp = b->m.pool + k->off;

		if (k->h == h && k->kind == kind && k->a == a && k->b == c &&
		    k->len == len && memcmp(kp, p1, n1) == 0 &&
		    (p2 == NULL || memcmp(kp + n1 + 1, p2, n2) == 0)) {
			*val = k->val;
			return 1;
		}
	}
	b->key_off = pool_add(b, p1, n1, p2, n2);
	k->h = h;
	k->gen = gen;
	k->kind = kind;
	k->a = a;
	k->b = c;
	k->off = b->key_off;
	k->len = (uint32_t)len;
	k->val = newval;
	b->m.n_keys++;
	*val = newval;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Builder: records */

static uint32_t
rec_for(struct ns_builder *b, const char *name, size_t len)
{
	uint32_t idx;
	struct ns_rec *r;

	if (b->last_node != NONE) {
		r = &b->m.recs[b->last_node];
		if (r->name_len == len &&
		    memcmp(b->m.pool + r->name_off, name, len) == 0)
			return b->last_node;
	}
	if (bh_get(b, K_NODE, 0, 0, name, len, NULL, 0, (uint32_t)b->m.n_recs,
	    &idx) == 0) {
		GROW(&b->m, recs, b->m.n_recs + 1);
		r = &b->m.recs[b->m.n_recs++];
		memset(r, 0, sizeof(*r));
		r->name_off = b->key_off;
		r->name_len = (uint32_t)len;
		r->hit = INFINITY;
		b->stats.nodes++;
	}
	b->last_node = idx;
	return idx;
}

static uint32_t
app_for(struct ns_builder *b, const char *name, size_t len)
{
	uint32_t idx;

	if (bh_get(b, K_APP, 0, 0, name, len, NULL, 0, (uint32_t)b->m.n_apps,
	    &idx) == 0) {
		struct ns_apprec *a;

		GROW(&b->m, apps, b->m.n_apps + 1);
		a = &b->m.apps[b->m.n_apps++];
		memset(a, 0, sizeof(*a));
		a->name_off = b->key_off;
		a->name_len = (uint32_t)len;
		b->stats.apps++;
	}
	return idx;
}

static uint32_t
pod_for(struct ns_builder *b, const struct ns_label *ns,
    const struct ns_label *pod)
{
	uint32_t idx;

	if (bh_get(b, K_POD, 0, 0, ns->value, ns->value_len, pod->value,
	    pod->value_len, (uint32_t)b->m.n_bpods, &idx) == 0) {
		struct bpod *p;

		GROW(&b->m, bpods, b->m.n_bpods + 1);
		p = &b->m.bpods[b->m.n_bpods++];
		memset(p, 0, sizeof(*p));
		p->off = b->key_off;
		p->ns_len = (uint32_t)ns->value_len;
		p->name_len = (uint32_t)pod->value_len;
		p->node = NONE;
		p->start = NAN;
	}
	return idx;
}

/* ------------------------------------------------------------------ */
/* Builder: series */

enum series {
	S_NONE,
	S_CAPACITY, S_APP_REQ, S_ASSIGNED, S_PMEM, S_PMEM_SIZE, S_TYPE,
	S_HIT, S_PROFILE, S_UTIL, S_CPU, S_MEMTOTAL, S_MEMAVAIL,
	S_KALLOC, S_KCAP, S_CREQ, S_CLIM, S_ICREQ, S_ICLIM,
	S_POD_INFO, S_POD_START, S_POD_PHASE
};

#define SN(name, s)	{ name, sizeof(name) - 1, s }
static const struct series_name {
	const char *name;
	size_t len;
	enum series s;
} series_names[] = {
	SN("wca_node_capacity", S_CAPACITY),
	SN("node_capacity", S_CAPACITY),
	SN("wca_app_requested", S_APP_REQ),
	SN("app_req", S_APP_REQ),
	SN("wca_app_assigned", S_ASSIGNED),
	SN("wca_node_pmem", S_PMEM),
	SN("platform_mem_mode_size_bytes", S_PMEM_SIZE),
	SN("wca_node_type", S_TYPE),
	SN("node_type", S_TYPE),
	SN("wca_node_dram_hit_ratio", S_HIT),
	SN("platform_dram_hit_ratio", S_HIT),
	SN("wca_app_profile", S_PROFILE),
	SN("app_profile", S_PROFILE),
	SN("wca_node_utilization", S_UTIL),
	SN("node_cpu_seconds_total", S_CPU),
	SN("node_memory_MemTotal_bytes", S_MEMTOTAL),
	SN("node_memory_MemAvailable_bytes", S_MEMAVAIL),
	SN("kube_node_status_allocatable", S_KALLOC),
	SN("kube_node_status_capacity", S_KCAP),
	SN("kube_pod_container_resource_requests", S_CREQ),
	SN("kube_pod_container_resource_limits", S_CLIM),
	SN("kube_pod_init_container_resource_requests", S_ICREQ),
	SN("kube_pod_init_container_resource_limits", S_ICLIM),
	SN("kube_pod_info", S_POD_INFO),
	SN("kube_pod_start_time", S_POD_START),
	SN("kube_pod_status_phase", S_POD_PHASE),
};
#define NSERIES (sizeof(series_names) / sizeof(series_names[0]))

static enum series
series_of(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < NSERIES; i++) {
		const struct series_name *e = &series_names[i];

		if (e->len == n && e->name[0] == p[0] &&
		    memcmp(e->name, p, n) == 0)
			return e->s;
	}
	return S_NONE;
}

static const struct ns_label *
label(const struct ns_sample *s, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < s->nlabels; i++)
		if (s->labels[i].name_len == n &&
		    memcmp(s->labels[i].name, name, n) == 0)
			return &s->labels[i];
	return NULL;
}

/* A label with a non-empty value (Prometheus: empty = absent). */
static const struct ns_label *
label_v(const struct ns_sample *s, const char *name)
{
	const struct ns_label *l = label(s, name, strlen(name));

	return l && l->value_len > 0 ? l : NULL;
}

/* The node a sample belongs to; pod series do not use instance. */
static int
node_of(const struct ns_builder *b, const struct ns_sample *s, int pod,
    const char **p, size_t *n)
{
	const struct ns_label *l;
	const char *v, *c;
	size_t len;

	if (b->fixed) {
		*p = b->fixed;
		*n = b->fixed_len;
		return 1;
	}
	l = label(s, b->label, b->label_len);
	if (l && l->value_len > 0) {
		*p = l->value;
		*n = l->value_len;
		return 1;
	}
	if (pod || (l = label_v(s, "instance")) == NULL)
		return 0;
	v = l->value;
	len = l->value_len;
	if (v[0] == '[') {
		c = memchr(v, ']', len);
		if (c != NULL && c > v + 1) {
			*p = v + 1;
			*n = (size_t)(c - v - 1);
			return 1;
		}
	} else if ((c = memchr(v, ':', len)) != NULL &&
	    memchr(c + 1, ':', len - (size_t)(c - v) - 1) == NULL) {
		if (c == v)
			return 0;
		*p = v;
		*n = (size_t)(c - v);
		return 1;
	}
	*p = v;			/* no port, or a bare IPv6 address */
	*n = len;
	return 1;
}

static int
node_rec(struct ns_builder *b, const struct ns_sample *s, struct ns_rec **r)
{
	const char *p;
	size_t n;
	uint32_t i;

	if (!node_of(b, s, 0, &p, &n))
		return 0;
	i = rec_for(b, p, n);		/* may move b->m.recs */
	*r = &b->m.recs[i];
	return 1;
}

static uint64_t
fnv(uint64_t h, const char *p, size_t n)
{
	while (n-- > 0)
		h = (h ^ (unsigned char)*p++) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL;
}

/* The busy counters so far from their runs in busy to bbusy. */
static void
busy_mix(struct ns_builder *b)
{
	struct bufs *m = &b->m;
	size_t i, j;

	GROW(m, bbusy, m->n_busy + 1);
	for (i = 0; i < m->n_recs; i++)
		for (j = 0; j < m->recs[i].nbusy; j++) {
			struct bbusy *e = &m->bbusy[m->recs[i].busy_off + j];

			e->rec = (uint32_t)i;
			e->v = m->busy[m->recs[i].busy_off + j];
		}
	m->n_bbusy = m->n_busy;
	m->n_busy = 0;
	b->busy_mixed = 1;
}

static int
add_cpu(struct ns_builder *b, const struct ns_sample *s)
{
	const struct ns_label *cpu = label_v(s, "cpu"),
	    *mode = label_v(s, "mode");
	struct ns_rec *r;
	uint32_t ri, dummy;

	if (cpu == NULL || mode == NULL || !node_rec(b, s, &r))
		return -1;
	ri = (uint32_t)(r - b->m.recs);
	r->raw |= RAW_CPU;
	if (bh_get(b, K_CPU, ri, 0, cpu->value, cpu->value_len, NULL, 0, 0,
	    &dummy) == 0)
		b->m.recs[ri].ncpu++;
	r = &b->m.recs[ri];
	if (span_eq(mode->value, mode->value_len, "idle") ||
	    span_eq(mode->value, mode->value_len, "iowait") ||
	    span_eq(mode->value, mode->value_len, "steal"))
		return 1;
	/* A rec's counters are one run of busy[] while the feed gives
	 * them together, else they are grouped at commit (group_busy). */
	if (!b->busy_mixed && r->nbusy > 0 &&
	    r->busy_off + r->nbusy != b->m.n_busy)
		busy_mix(b);
	if (b->busy_mixed) {
		GROW(&b->m, bbusy, b->m.n_bbusy + 1);
		b->m.bbusy[b->m.n_bbusy].rec = ri;
		b->m.bbusy[b->m.n_bbusy].v = s->value;
		b->m.n_bbusy++;
	} else {
		if (r->nbusy == 0)
			r->busy_off = (uint32_t)b->m.n_busy;
		GROW(&b->m, busy, b->m.n_busy + 1);
		b->m.busy[b->m.n_busy++] = s->value;
	}
	r->nbusy++;
	r->busy_sig = fnv(fnv(r->busy_sig ? r->busy_sig :
	    0xcbf29ce484222325ULL, cpu->value, cpu->value_len), mode->value,
	    mode->value_len);
	return 1;
}

static int
add_util(struct ns_builder *b, const struct ns_sample *s)
{
	const struct ns_label *res = label_v(s, "resource"),
	    *op = label(s, "operator", 8);
	struct ns_util *u;
	struct ns_rec *r;
	int mem;

	if (res == NULL)
		return -1;
	if (span_ieq(res->value, res->value_len, "cpu"))
		mem = 0;
	else if (span_ieq(res->value, res->value_len, "memory"))
		mem = 1;
	else
		return 0;
	if (op == NULL || !node_rec(b, s, &r))
		return -1;
	u = &r->util[mem ? U_MEM_PRE : U_CPU_PRE];
	if (op->value_len == 0 ||
	    span_ieq(op->value, op->value_len, "latest")) {
		u->latest = s->value;
		u->have |= NS_U_LATEST;
	} else if (span_ieq(op->value, op->value_len, "avg")) {
		u->avg = s->value;
		u->have |= NS_U_AVG;
	} else if (span_ieq(op->value, op->value_len, "std")) {
		u->std = s->value;
		u->have |= NS_U_STD;
	} else
		return -1;
	u->precomputed = 1;
	r->fields |= FB(mem ? F_MEM_PRE : F_CPU_PRE);
	return 1;
}

static int
add_kube_node(struct ns_builder *b, const struct ns_sample *s, int alloc)
{
	const struct ns_label *res = label_v(s, "resource");
	struct ns_rec *r;
	struct ns_res *x;

	if (res == NULL)
		return -1;
	if (!span_eq(res->value, res->value_len, "cpu") &&
	    !span_eq(res->value, res->value_len, "memory"))
		return 0;
	if (!node_rec(b, s, &r))
		return -1;
	x = alloc ? &r->alloc : &r->kcap;
	if (res->value[0] == 'c') {
		x->cpu_m = round(s->value * 1000);
		r->fields |= FB(alloc ? F_ALLOC_CPU : F_KCAP_CPU);
	} else {
		x->mem_b = s->value;
		r->fields |= FB(alloc ? F_ALLOC_MEM : F_KCAP_MEM);
	}
	return 1;
}

/* Set the pod's node from a pod series, unless kube_pod_info did. */
static void
pod_node(struct ns_builder *b, const struct ns_sample *s, uint32_t pi,
    int info)
{
	const char *p;
	size_t n;
	uint32_t node = NONE;

	if (!info && (b->m.bpods[pi].flags & P_NODE_INFO))
		return;
	if (node_of(b, s, 1, &p, &n))
		node = rec_for(b, p, n);
	else if (!info)
		return;
	b->m.bpods[pi].node = node;
	if (info)
		b->m.bpods[pi].flags |= P_NODE_INFO;
}

static int
add_container(struct ns_builder *b, const struct ns_sample *s, int init,
    int lim)
{
	const struct ns_label *ns = label_v(s, "namespace"),
	    *pod = label_v(s, "pod"), *cont = label_v(s, "container"),
	    *res = label_v(s, "resource");
	struct ns_container *c;
	uint32_t pi, ci;
	int cpu;

	if (ns == NULL || pod == NULL || cont == NULL || res == NULL)
		return -1;
	if (span_eq(res->value, res->value_len, "cpu"))
		cpu = 1;
	else if (span_eq(res->value, res->value_len, "memory"))
		cpu = 0;
	else
		return 0;
	b->saw_pods = 1;
	pi = pod_for(b, ns, pod);
	pod_node(b, s, pi, 0);
	if (bh_get(b, init ? K_ICONT : K_CONT, pi, 0, cont->value,
	    cont->value_len, NULL, 0, (uint32_t)b->m.n_bconts, &ci) == 0) {
		struct bcont *bc;

		GROW(&b->m, bconts, b->m.n_bconts + 1);
		bc = &b->m.bconts[b->m.n_bconts++];
		memset(bc, 0, sizeof(*bc));
		bc->pod = pi;
		bc->c.flags = init ? NS_C_INIT : 0;
		b->m.bpods[pi].ncont++;
	}
	c = &b->m.bconts[ci].c;
	if (lim && cpu) {
		c->lim.cpu_m = round(s->value * 1000);
		c->flags |= NS_C_LIM_CPU;
	} else if (lim) {
		c->lim.mem_b = s->value;
		c->flags |= NS_C_LIM_MEM;
	} else if (cpu) {
		c->req.cpu_m = round(s->value * 1000);
		c->flags |= NS_C_REQ_CPU;
	} else {
		c->req.mem_b = s->value;
		c->flags |= NS_C_REQ_MEM;
	}
	return 1;
}

static int
add_pod(struct ns_builder *b, const struct ns_sample *s, enum series k)
{
	const struct ns_label *ns = label_v(s, "namespace"),
	    *pod = label_v(s, "pod"), *phase;
	uint32_t pi;

	if (ns == NULL || pod == NULL)
		return -1;
	if (k == S_POD_PHASE) {
		phase = label_v(s, "phase");
		if (phase == NULL)
			return -1;
		if (s->value != 1 ||
		    (!span_eq(phase->value, phase->value_len, "Succeeded") &&
		    !span_eq(phase->value, phase->value_len, "Failed")))
			return 0;
	}
	b->saw_pods = 1;
	pi = pod_for(b, ns, pod);
	switch (k) {
	case S_POD_INFO:
		pod_node(b, s, pi, 1);
		break;
	case S_POD_START:
		b->m.bpods[pi].start = s->value;
		b->m.bpods[pi].flags |= P_START;
		break;
	default:
		b->m.bpods[pi].flags |= P_TERMINATED;
		break;
	}
	return 1;
}

static int
add_sample(struct ns_builder *b, const struct ns_sample *s, enum series k)
{
	const struct ns_label *l, *app;
	struct ns_rec *r;
	enum dim d;
	uint32_t ai, ni;

	if (k != S_TYPE && k != S_POD_INFO && !isfinite(s->value))
		return -1;
	switch (k) {
	case S_CAPACITY:
		if ((l = label_v(s, "dim")) == NULL ||
		    (d = ns_dim_parse(l->value, l->value_len)) == DIM_COUNT ||
		    !node_rec(b, s, &r))
			return -1;
		r->cap[d] = s->value;
		r->fields |= FB(F_CAP0 + d);
		return 1;
	case S_APP_REQ:
		if ((app = label_v(s, "app")) == NULL ||
		    (l = label_v(s, "dim")) == NULL ||
		    (d = ns_dim_parse(l->value, l->value_len)) == DIM_COUNT)
			return -1;
		ai = app_for(b, app->value, app->value_len);
		b->m.apps[ai].req[d] = s->value;
		b->m.apps[ai].fields |= 1u << d;
		return 1;
	case S_PROFILE:
		if ((app = label_v(s, "app")) == NULL)
			return -1;
		ai = app_for(b, app->value, app->value_len);
		b->m.apps[ai].profile = s->value;
		b->m.apps[ai].fields |= APP_PROFILE;
		return 1;
	case S_ASSIGNED:
		if ((app = label_v(s, "app")) == NULL || !node_rec(b, s, &r))
			return -1;
		b->saw_assigned = 1;
		ni = (uint32_t)(r - b->m.recs);
		ai = app_for(b, app->value, app->value_len);
		/* Repeats are summed at commit (group_assigned). */
		r->asg_n++;
		GROW(&b->m, basg, b->m.n_basg + 1);
		b->m.basg[b->m.n_basg].node = ni;
		b->m.basg[b->m.n_basg].app = ai;
		b->m.basg[b->m.n_basg].count = s->value;
		b->m.n_basg++;
		return 1;
	case S_PMEM:
		if (!node_rec(b, s, &r))
			return -1;
		r->pmem = s->value != 0;
		r->raw |= RAW_PMEM;
		r->fields |= FB(F_PMEM);
		return 1;
	case S_PMEM_SIZE:
		if (!node_rec(b, s, &r))
			return -1;
		r->pmem_sum += s->value;
		r->raw |= RAW_PMEM_SUM;
		return 1;
	case S_TYPE:
		if ((l = label_v(s, "nodetype")) == NULL || !node_rec(b, s, &r))
			return -1;
		r->type = span_eq(l->value, l->value_len, "pmem") ?
		    NS_TYPE_PMEM : span_eq(l->value, l->value_len, "dram") ?
		    NS_TYPE_DRAM : NS_TYPE_UNKNOWN;
		r->fields |= FB(F_TYPE);
		return 1;
	case S_HIT:
		if (!node_rec(b, s, &r))
			return -1;
		if (s->value < r->hit)
			r->hit = s->value;
		r->fields |= FB(F_HIT);
		return 1;
	case S_UTIL:
		return add_util(b, s);
	case S_CPU:
		return add_cpu(b, s);
	case S_MEMTOTAL:
	case S_MEMAVAIL:
		if (!node_rec(b, s, &r))
			return -1;
		if (k == S_MEMTOTAL) {
			r->memtotal = s->value;
			r->raw |= RAW_MEMTOTAL;
		} else {
			r->memavail = s->value;
			r->raw |= RAW_MEMAVAIL;
		}
		return 1;
	case S_KALLOC:
	case S_KCAP:
		return add_kube_node(b, s, k == S_KALLOC);
	case S_CREQ:
	case S_CLIM:
	case S_ICREQ:
	case S_ICLIM:
		return add_container(b, s, k == S_ICREQ || k == S_ICLIM,
		    k == S_CLIM || k == S_ICLIM);
	case S_POD_INFO:
	case S_POD_START:
	case S_POD_PHASE:
		return add_pod(b, s, k);
	case S_NONE:
		break;
	}
	return 0;
}

struct ns_builder *
ns_builder_new(struct ns_store *st, size_t source_id)
{
	struct ns_builder *b;
	struct ns_source *src;

	if (source_id >= st->nsrc)
		return NULL;
	src = st->src[source_id];
	b = xcalloc(1, sizeof(*b));
	b->st = st;
	b->uid = src->uid;
	b->hint = source_id;
	if (src->node) {
		b->fixed = xstrdup(src->node);
		b->fixed_len = strlen(src->node);
	}
	b->label = dup_span(st->label, st->label_len);
	b->label_len = st->label_len;
	b->last_node = NONE;
	/* The source's spare arrays: counts 0, a new key generation. */
	if (src->spare != NULL) {
		b->m = *src->spare;
		free(src->spare);
		src->spare = NULL;
	}
	st->bytes -= src->spare_bytes;
	src->spare_bytes = 0;
#define X(name, type, need)	b->m.n_##name = 0;
	ALL_BUFS(X)
#undef X
	if (++b->m.gen == 0) {		/* wrapped: clear the old ones */
		if (b->m.keys != NULL)
			memset(b->m.keys, 0, b->m.c_keys * sizeof(*b->m.keys));
		b->m.gen = 1;
	}
	return b;
}

int
ns_builder_add(struct ns_builder *b, const struct ns_sample *s)
{
	enum series k = series_of(s->name, s->name_len);
	int r;

	b->stats.samples++;
	if (k == S_NONE) {
		b->stats.ignored++;
		return NS_ADD_IGNORED;
	}
	r = add_sample(b, s, k);
	if (r > 0) {
		b->stats.kept++;
		return NS_ADD_KEPT;
	}
	if (r == 0) {
		b->stats.ignored++;
		return NS_ADD_IGNORED;
	}
	b->stats.dropped++;
	return NS_ADD_DROPPED;
}

static size_t
builder_bytes(const struct ns_builder *b)
{
	return sizeof(*b) + bufs_bytes(&b->m);
}

void
ns_builder_stats(const struct ns_builder *b, struct ns_builder_stats *out)
{
	*out = b->stats;
	out->pods = b->m.n_bpods;
	out->bytes = builder_bytes(b);
}

/* Free b; its arrays too, unless they were moved out. */
static void
builder_free(struct ns_builder *b)
{
	bufs_free(&b->m);
	free(b->fixed);
	free(b->label);
	free(b);
}

/*
 * An aborted scrape's arrays go back to its source (untrimmed: their
 * sizes say nothing about the source's), unless it was removed.  Needs
 * the store: a builder is consumed before ns_store_free().
 */
void
ns_builder_abort(struct ns_builder *b)
{
	struct ns_source *src;

	if (b == NULL)
		return;
	if (b->st->preparing == b)
		commit_detach(b->st, b);
	src = source_by_uid(b->st, b->uid, b->hint);
	if (src != NULL)
		spare_put(b->st, src, &b->m, NULL);
	builder_free(b);
}

/* ------------------------------------------------------------------ */
/* Commit: phases */

/*
 * A commit runs as a list of phases, each a loop over some array of the
 * builder with its cursor in b->cur, so that ns_commit_step() can stop
 * anywhere when its budget is spent and go on at the next call.  A
 * phase returns 1 when it is through, 0 when the budget ran out.  Units:
 * one per element moved; more where an element costs more (a derive
 * walks the node's history, a pod sort is n log n).
 *
 * The groupings are counting sorts: a first pass gives each rec (pod)
 * the end of its range, and the items, taken in reverse feed order,
 * fill the ranges from their ends, so that each range ends at its start
 * and keeps feed order.
 */

/* for (; b->cur < n && budget > 0; budget -= cost, b->cur++): the
 * cost of the item just done, with the cursor still on it. */
#define EACH(b, n, budget, cost)					\
	for (; (b)->cur < (n) && *(budget) > 0;				\
	    *(budget) -= (cost), (b)->cur++)
/* A pass over recs: 448 bytes each, a cache miss per rec. */
#define REC_COST	3
/* The item of a reverse pass over n items. */
#define BACK(b, n)	((n) - 1 - (b)->cur)

/* Assigned apps: each rec's range of asg (asg_n series so far). */
static int
ph_asg_ranges(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct bufs *m = &b->m;

	(void)st;
	EACH(b, m->n_recs, budget, REC_COST) {
		b->acc += m->recs[b->cur].asg_n;
		m->recs[b->cur].asg_off = (uint32_t)b->acc;
	}
	return b->cur == m->n_recs;
}

/* tmp[j] is the builder's app index of asg[j]; the app is linked later. */
static int
ph_asg_scatter(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct bufs *m = &b->m;

	(void)st;
	EACH(b, m->n_basg, budget, 1) {
		const struct basg *a = &m->basg[BACK(b, m->n_basg)];
		size_t j = --m->recs[a->node].asg_off;

		m->asg[j].app = NULL;
		m->asg[j].count = a->count;
		m->tmp[j] = a->app;
	}
	return b->cur == m->n_basg;
}

static int
ph_amark_clear(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct bufs *m = &b->m;

	(void)st;
	EACH(b, m->n_apps, budget, 1)
		m->amark[b->cur].rec = m->amark[b->cur].pos = 0;
	m->n_amark = m->n_apps;
	return b->cur == m->n_apps;
}

/*
 * The series of one app on one node summed into the first, compacting
 * (b->acc: write index): amark[app] is the last rec (+ 1) that had the
 * app, and where its entry went.  Each rec keeps the order of its apps'
 * first series.
 */
static int
ph_asg_compact(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct bufs *m = &b->m;

	(void)st;
	EACH(b, m->n_recs, budget, REC_COST + m->recs[b->cur].asg_n) {
		struct ns_rec *r = &m->recs[b->cur];
		size_t j, start = b->acc, end = (size_t)r->asg_off + r->asg_n;

		for (j = r->asg_off; j < end; j++) {
			struct amark *a = &m->amark[m->tmp[j]];

			if (a->rec == b->cur + 1) {
				m->asg[a->pos].count += m->asg[j].count;
				continue;
			}
			a->rec = (uint32_t)(b->cur + 1);
			a->pos = (uint32_t)b->acc;
			m->asg[b->acc] = m->asg[j];
			m->tmp[b->acc] = m->tmp[j];
			b->acc++;
		}
		r->asg_off = (uint32_t)start;
		r->asg_n = (uint32_t)(b->acc - start);
	}
	m->n_asg = m->n_tmp = b->acc;
	return b->cur == m->n_recs;
}

/* Busy-mode counters grouped by rec, when the feed mixed them (see
 * add_cpu); feed order within a rec. */
static int
ph_busy_ranges(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct bufs *m = &b->m;
	size_t n = b->busy_mixed ? m->n_recs : 0;

	(void)st;
	EACH(b, n, budget, REC_COST) {
		b->acc += m->recs[b->cur].nbusy;
		m->recs[b->cur].busy_off = (uint32_t)b->acc;
	}
	return b->cur == n;
}

static int
ph_busy_scatter(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct bufs *m = &b->m;
	size_t n = b->busy_mixed ? m->n_bbusy : 0;

	(void)st;
	EACH(b, n, budget, 1) {
		const struct bbusy *e = &m->bbusy[BACK(b, n)];

		m->busy[--m->recs[e->rec].busy_off] = e->v;
	}
	if (b->busy_mixed)
		m->n_busy = m->n_bbusy;
	return b->cur == n;
}

/* A pod that is on a node: kept in the snapshot. */
static int
pod_kept(const struct bpod *p)
{
	return p->node != NONE && !(p->flags & P_TERMINATED);
}

/* Pods per rec (pod_n) and each kept pod's end of containers; b->acc
 * counts containers, n_pods pods. */
static int
ph_pods_count(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct bufs *m = &b->m;

	(void)st;
	EACH(b, m->n_bpods, budget, 1) {
		struct bpod *p = &m->bpods[b->cur];

		if (!pod_kept(p))
			continue;
		m->recs[p->node].pod_n++;
		m->n_pods++;
		b->acc += p->ncont;
		p->cont_off = (uint32_t)b->acc;
	}
	m->n_conts = b->acc;
	return b->cur == m->n_bpods;
}

static int
ph_pods_ranges(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct bufs *m = &b->m;

	(void)st;
	EACH(b, m->n_recs, budget, REC_COST) {
		b->acc += m->recs[b->cur].pod_n;
		m->recs[b->cur].pod_off = (uint32_t)b->acc;
	}
	m->n_order = b->acc;
	return b->cur == m->n_recs;
}

static int
ph_pods_scatter(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct bufs *m = &b->m;

	(void)st;
	EACH(b, m->n_bpods, budget, 1) {
		size_t i = BACK(b, m->n_bpods);
		const struct bpod *p = &m->bpods[i];
		struct podkey *k;

		if (!pod_kept(p))
			continue;
		k = &m->order[--m->recs[p->node].pod_off];
		k->idx = (uint32_t)i;
		k->has_start = (p->flags & P_START) != 0;
		k->start = p->start;
	}
	return b->cur == m->n_bpods;
}

/* Newest start first (unknown last), then feed order. */
static int
pod_cmp(const void *x, const void *y)
{
	const struct podkey *a = x, *c = y;

	if (a->has_start != c->has_start)
		return a->has_start ? -1 : 1;
	if (a->has_start && a->start != c->start)
		return a->start > c->start ? -1 : 1;
	return a->idx < c->idx ? -1 : 1;
}

static int
ph_pods_sort(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct bufs *m = &b->m;

	(void)st;
	EACH(b, m->n_recs, budget,
	    REC_COST + 4 * (long)m->recs[b->cur].pod_n) {
		const struct ns_rec *r = &m->recs[b->cur];

		if (r->pod_n > 1)
			qsort(m->order + r->pod_off, r->pod_n,
			    sizeof(*m->order), pod_cmp);
	}
	return b->cur == m->n_recs;
}

static int
ph_conts_scatter(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct bufs *m = &b->m;

	(void)st;
	EACH(b, m->n_bconts, budget, 1) {
		const struct bcont *c = &m->bconts[BACK(b, m->n_bconts)];
		struct bpod *p = &m->bpods[c->pod];

		if (pod_kept(p))
			m->conts[--p->cont_off] = c->c;
	}
	return b->cur == m->n_bconts;
}

/* The pods in node order, and each node's sums. */
static int
ph_pods_build(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct bufs *m = &b->m;

	(void)st;
	EACH(b, m->n_pods, budget, 2 + (long)m->pods[b->cur].ncontainers) {
		const struct bpod *p = &m->bpods[m->order[b->cur].idx];
		struct ns_pod *o = &m->pods[b->cur];
		struct ns_rec *r = &m->recs[p->node];

		memset(o, 0, sizeof(*o));
		o->ns = m->pool + p->off;	/* the snapshot's pool */
		o->name = o->ns + p->ns_len + 1;
		o->start_time = (p->flags & P_START) ? p->start : NAN;
		o->containers = p->ncont ? m->conts + p->cont_off : NULL;
		o->ncontainers = p->ncont;
		pod_effective(o->containers, o->ncontainers, NULL, &o->req,
		    &o->lim);
		r->preq.cpu_m += o->req.cpu_m;
		r->preq.mem_b += o->req.mem_b;
		r->plim.cpu_m += fmax(o->lim.cpu_m, o->req.cpu_m);
		r->plim.mem_b += fmax(o->lim.mem_b, o->req.mem_b);
	}
	return b->cur == m->n_pods;
}

/* Fields a rec has because of the whole scrape, not one series. */
static int
ph_rec_fields(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct bufs *m = &b->m;

	(void)st;
	EACH(b, m->n_recs, budget, REC_COST) {
		struct ns_rec *r = &m->recs[b->cur];

		if (!(r->raw & RAW_PMEM) && (r->raw & RAW_PMEM_SUM)) {
			r->pmem = r->pmem_sum != 0;
			r->fields |= FB(F_PMEM);
		}
		if (b->saw_assigned)
			r->fields |= FB(F_ASSIGNED);
		if (b->saw_pods)
			r->fields |= FB(F_PODS);
	}
	return b->cur == m->n_recs;
}

/* ------------------------------------------------------------------ */
/* Commit: derived load values */

static struct hent *
hist_at(struct hist *h, uint32_t i)
{
	return &h->e[(h->start + i) % h->cap];
}

static struct hist *
hist_push(struct hist *h, const struct hent *e)
{
	if (h == NULL || h->n == h->cap) {
		uint32_t cap = h ? h->cap * 2 : 8, i;
		struct hist *g;

		if (h != NULL && h->cap >= NS_HIST_MAX) {
			h->start = (h->start + 1) % h->cap;	/* drop oldest */
			h->n--;
		} else {
			if (cap > NS_HIST_MAX)
				cap = NS_HIST_MAX;
			g = xmalloc(sizeof(*g) + cap * sizeof(g->e[0]));
			g->start = 0;
			g->n = h ? h->n : 0;
			g->cap = cap;
			g->open_t0 = h ? h->open_t0 : 0;
			for (i = 0; h && i < h->n; i++)
				g->e[i] = *hist_at(h, i);
			free(h);
			h = g;
		}
	}
	*hist_at(h, h->n++) = *e;
	return h;
}

/* Population mean and std (two passes) of x[0..n). */
static void
mean_std(const double *x, size_t n, double *mean, double *std)
{
	double m = 0, v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		m += x[i];
	m /= (double)n;
	for (i = 0; i < n; i++)
		v += (x[i] - m) * (x[i] - m);
	*mean = m;
	*std = sqrt(v / (double)n);
}

static double
clamp100(double x)
{
	return x < 0 ? 0 : x > 100 ? 100 : x;
}

/*
 * Rates, memory, history and window statistics of rec r, whose previous
 * version (same source) is o (or NULL), committed at prev_t.
 */
static void
derive(const struct ns_store *st, struct ns_rec *r, struct ns_rec *o,
    double prev_t, double now, double *scratch)
{
	double rate = NAN, dt = 0, mem = NAN, cpu5 = NAN;
	double keep = fmax(st->window, st->rate_window);
	double wsum = 0, wdt = 0, mean, std;
	struct hist *h;
	struct hent *last;
	size_t ncpu = 0, nmem = 0;
	uint32_t i;

	if (!(r->raw & (RAW_CPU | RAW_MEMTOTAL | RAW_MEMAVAIL)))
		return;
	if ((r->raw & RAW_CPU) && r->ncpu > 0 && o != NULL &&
	    (o->raw & RAW_CPU) && o->ncpu == r->ncpu &&
	    o->nbusy == r->nbusy && o->busy_sig == r->busy_sig &&
	    now > prev_t) {
		const double *rb = r->snap->m.busy, *ob = o->snap->m.busy;
		double d = 0;

		for (i = 0; i < r->nbusy; i++) {
			double x = rb[r->busy_off + i], y = ob[o->busy_off + i];

			if (x < y)
				break;			/* a counter reset */
			d += x - y;
		}
		if (i == r->nbusy) {
			dt = now - prev_t;
			rate = clamp100(100 * d / (dt * r->ncpu));
		}
	}
	if ((r->raw & RAW_MEMTOTAL) && (r->raw & RAW_MEMAVAIL) &&
	    r->memtotal > 0)
		mem = clamp100(100 * (1 - r->memavail / r->memtotal));

	/* The history moves from the old rec to the new one. */
	h = o ? o->hist : NULL;
	if (o)
		o->hist = NULL;
	while (h && h->n > 0 && hist_at(h, 0)->t <= now - keep) {
		h->start = (h->start + 1) % h->cap;
		h->n--;
	}
	if (!isnan(rate)) {
		/* the rate smoothed over the entries ending in the last
		 * rate_window, this interval included */
		double sm = rate * dt, t = dt;

		for (i = h ? h->n : 0; st->rate_window > 0 && i-- > 0;) {
			const struct hent *x = hist_at(h, i);

			if (x->t <= now - st->rate_window)
				break;
			sm += x->cpu_dt;
			t += x->dt;
		}
		cpu5 = sm / t;
	}
	/* This scrape joins the newest entry while that one is younger
	 * than rate_step, else starts one. */
	last = h && h->n > 0 ? hist_at(h, h->n - 1) : NULL;
	if (last == NULL || st->rate_step <= 0 ||
	    now - h->open_t0 >= st->rate_step - 1e-3) {
		struct hent e = { now, 0, 0, NAN, NAN };

		h = hist_push(h, &e);
		h->open_t0 = now;
		last = hist_at(h, h->n - 1);
	}
	last->t = now;
	if (!isnan(rate)) {
		last->cpu_dt += rate * dt;
		last->dt += dt;
		last->cpu5 = cpu5;
	}
	if (!isnan(mem))
		last->mem = mem;
	r->hist = h;

	/* Window statistics, over the entries whose last scrape is in it. */
	for (i = h->n; i-- > 0;) {
		const struct hent *x = hist_at(h, i);

		if (x->t <= now - st->window)
			break;
		if (x->dt > 0) {
			wsum += x->cpu_dt;
			wdt += x->dt;
			scratch[ncpu++] = st->rate_window > 0 ? x->cpu5 :
			    x->cpu_dt / x->dt;
		}
	}
	if (ncpu > 0) {
		struct ns_util *u = &r->util[U_CPU];

		mean_std(scratch, ncpu, &mean, &std);
		u->avg = wsum / wdt;
		u->std = std;
		u->have = NS_U_AVG | NS_U_STD;
		if (!isnan(rate)) {
			u->latest = rate;
			u->have |= NS_U_LATEST;
		}
		u->samples = (unsigned)ncpu;
		r->fields |= FB(F_CPU);
	}
	for (i = h->n; i-- > 0;) {
		const struct hent *x = hist_at(h, i);

		if (x->t <= now - st->window)
			break;
		if (!isnan(x->mem))
			scratch[nmem++] = x->mem;
	}
	if (nmem > 0) {
		struct ns_util *u = &r->util[U_MEM];

		mean_std(scratch, nmem, &u->avg, &u->std);
		u->have = NS_U_AVG | NS_U_STD;
		if (!isnan(mem)) {
			u->latest = mem;
			u->have |= NS_U_LATEST;
		}
		u->samples = (unsigned)nmem;
		r->fields |= FB(F_MEM);
	}
}

/* ------------------------------------------------------------------ */
/* Commit: linking, publishing */

/*
 * A small snapshot's arrays cut to their contents: a small source keeps
 * no spare set, so nothing is gained by headroom.  Only the arrays
 * nothing points into yet (recs and apprecs are linked later; busy
 * counters are found by offset); pods point into the pool and at their
 * containers.
 */
static void
snap_fit(struct snap_bufs *m)
{
#define FIT(name)							\
	if (m->c_##name > m->n_##name) {				\
		m->name = m->n_##name ? xrealloc(m->name,		\
		    m->n_##name * sizeof(*m->name)) : (free(m->name), NULL); \
		m->c_##name = m->n_##name;				\
	}
	FIT(recs)
	FIT(apps)
	FIT(busy)
#undef FIT
}

/* The arrays become the snapshot's as they are (pods point into the
 * pool, which is final). */
static int
ph_to_snap(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct ns_snap *s = b->snap;

	(void)st;
	s->stats.pods = b->m.n_pods;
	s->stats.nodes = b->m.n_recs;
	s->stats.apps = b->m.n_apps;
	b->used = b->m;			/* the sizes, for bufs_trim() */
	bufs_to_snap(&s->m, &b->m);
	if (snap_bufs_bytes(&s->m) < SPARE_KEEP_MIN)
		snap_fit(&s->m);
	b->moved = 1;
	s->bytes = sizeof(*s) + snap_bufs_bytes(&s->m);
	*budget -= 1;
	return 1;
}

static int
ph_apps_link(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct ns_snap *s = b->snap;

	EACH(b, s->m.n_apps, budget, 4) {
		struct ns_apprec *a = &s->m.apps[b->cur];

		a->snap = s;
		a->app = (struct ns_app *)index_get(st, &st->apps,
		    s->m.pool + a->name_off, a->name_len);
		LIST_PUSH(a->app->e.recs, a);
	}
	b->linked_apps = b->cur;
	return b->cur == s->m.n_apps;
}

static int
ph_asg_apps(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct ns_snap *s = b->snap;

	(void)st;
	EACH(b, s->m.n_asg, budget, 1)
		s->m.asg[b->cur].app = s->m.apps[b->m.tmp[b->cur]].app;
	return b->cur == s->m.n_asg;
}

/* Link rec i of s to its node; the old snapshot's rec for the node, or
 * NULL. */
static struct ns_rec *
rec_link(struct ns_store *st, const struct ns_snap *old, struct ns_snap *s,
    size_t i)
{
	struct ns_rec *r = &s->m.recs[i], *o;

	/* Feeds keep their order: the old rec at the same index is most
	 * often the node's, which saves the index lookup. */
	if (old != NULL && i < old->m.n_recs && old->m.recs[i].node != NULL &&
	    old->m.recs[i].name_len == r->name_len &&
	    memcmp(old->m.pool + old->m.recs[i].name_off,
	    s->m.pool + r->name_off, r->name_len) == 0) {
		o = &old->m.recs[i];
		r->node = o->node;
	} else {
		r->node = (struct ns_node *)index_get(st, &st->nodes,
		    s->m.pool + r->name_off, r->name_len);
		for (o = r->node->e.recs; old && o && o->snap != old;
		    o = o->next)
			;
		if (old == NULL)
			o = NULL;
	}
	LIST_PUSH(r->node->e.recs, r);
	return o;
}

/* Budget units of derive(): a fixed part, the counters it compares and
 * two passes over the history (measured: ~6 ns a unit, like a move). */
static long
derive_cost(const struct ns_rec *r, const struct ns_rec *o)
{
	return 16 + (long)r->nbusy +
	    (o != NULL && o->hist != NULL ? 2 * (long)o->hist->n : 0);
}

/* Nodes into the index, with the values derived from the old rec. */
static int
ph_nodes_link(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct ns_snap *s = b->snap, *old = b->old;

	for (; b->cur < s->m.n_recs && *budget > 0; b->cur++) {
		struct ns_rec *r = &s->m.recs[b->cur], *o;

		r->snap = s;
		*budget -= 4;			/* a lookup, a link */
		if (r->fields == 0 && !(r->raw & (RAW_CPU | RAW_MEMTOTAL |
		    RAW_MEMAVAIL))) {
			r->node = NULL;		/* nothing to say */
			continue;
		}
		o = rec_link(st, old, s, b->cur);
		if (r->raw & (RAW_CPU | RAW_MEMTOTAL | RAW_MEMAVAIL))
			*budget -= derive_cost(r, o);
		derive(st, r, o, old ? old->t : s->t, s->t, st->scratch);
		s->bytes += hist_bytes(r->hist);
	}
	b->linked_recs = b->cur;
	return b->cur == s->m.n_recs;
}

/*
 * A name the old snapshot had and the new one has not: does it still
 * have another source's live rec?  If not, it dies when the commit is
 * published (chained in b, to be taken out of the order then).
 */
static void
mark_if_orphaned(struct ns_builder *b, struct ent *e, int has_other,
    struct ent **chain)
{
	if (has_other || e->dies != 0)
		return;
	e->dies = b->snap->seq;
	e->dnext = *chain;
	*chain = e;
}

static int
ph_node_orphans(struct ns_store *st, struct ns_builder *b, long *budget)
{
	const struct ns_snap *old = b->old;
	size_t n = old ? old->m.n_recs : 0;

	EACH(b, n, budget, 2) {
		const struct ns_rec *o = &old->m.recs[b->cur], *r;
		int other = 0;

		if (o->node == NULL)
			continue;
		for (r = o->node->e.recs; r != NULL && !other; r = r->next)
			other = r->snap == b->snap ||
			    (r != o && snap_live(st, r->snap));
		mark_if_orphaned(b, &o->node->e, other, &b->dying_nodes);
	}
	return b->cur == n;
}

static int
ph_app_orphans(struct ns_store *st, struct ns_builder *b, long *budget)
{
	const struct ns_snap *old = b->old;
	size_t n = old ? old->m.n_apps : 0;

	EACH(b, n, budget, 2) {
		const struct ns_apprec *o = &old->m.apps[b->cur], *a;
		int other = 0;

		for (a = o->app->e.recs; a != NULL && !other; a = a->next)
			other = a->snap == b->snap ||
			    (a != o && snap_live(st, a->snap));
		mark_if_orphaned(b, &o->app->e, other, &b->dying_apps);
	}
	return b->cur == n;
}

/*
 * The commit becomes the source's data, all at once: by the store's seq
 * readers now see the new snapshot and not the old one, and the new
 * names; the names that died leave the order (they stay in the hash,
 * unseen, until their last rec is unlinked).
 */
static int
ph_publish(struct ns_store *st, struct ns_builder *b, long *budget)
{
	struct ent *e;

	st->seq++;
	st->version++;
	index_publish(&st->nodes);
	index_publish(&st->apps);
	for (e = b->dying_nodes; e != NULL; e = e->dnext, *budget -= 1)
		index_retire(&st->nodes, e);
	for (e = b->dying_apps; e != NULL; e = e->dnext, *budget -= 1)
		index_retire(&st->apps, e);
	b->dying_nodes = b->dying_apps = NULL;
	st->bytes += b->snap->bytes;
	b->src->snap = b->snap;
	b->published = 1;
	*budget -= 1;
	return 1;
}

/* The old snapshot, unseen since the publication, leaves the lists. */
static int
ph_drop_recs(struct ns_store *st, struct ns_builder *b, long *budget)
{
	size_t n = b->old ? b->old->m.n_recs : 0;

	EACH(b, n, budget, 2)
		rec_unlink(st, &b->old->m.recs[b->cur]);
	return b->cur == n;
}

static int
ph_drop_apps(struct ns_store *st, struct ns_builder *b, long *budget)
{
	size_t n = b->old ? b->old->m.n_apps : 0;

	EACH(b, n, budget, 2)
		apprec_unlink(st, &b->old->m.apps[b->cur]);
	return b->cur == n;
}

typedef int (*commit_phase_fn)(struct ns_store *, struct ns_builder *,
    long *);

/* In order; see "Commit: phases". */
static const commit_phase_fn commit_phases[] = {
	ph_asg_ranges, ph_asg_scatter, ph_amark_clear, ph_asg_compact,
	ph_busy_ranges, ph_busy_scatter,
	ph_pods_count, ph_pods_ranges, ph_pods_scatter, ph_pods_sort,
	ph_conts_scatter, ph_pods_build,
	ph_rec_fields, ph_to_snap, ph_apps_link, ph_asg_apps, ph_nodes_link,
	ph_node_orphans, ph_app_orphans,
	ph_publish,
	ph_drop_recs, ph_drop_apps
};
#define N_PHASES	(sizeof(commit_phases) / sizeof(commit_phases[0]))

/* Run phases until the budget is spent; 1 when all are done. */
static int
commit_run(struct ns_store *st, struct ns_builder *b, long budget)
{
	while (b->phase < N_PHASES) {
		if (budget <= 0)
			return 0;
		if (commit_phases[b->phase](st, b, &budget)) {
			b->phase++;
			b->cur = b->acc = 0;
		}
	}
	return 1;
}

/*
 * The store's one commit in progress: the arrays its phases fill, at
 * their final sizes (upper bounds where the count is known later), and
 * the new snapshot, whose seq makes it invisible until published, and
 * from when the old one is not seen.
 */
static void
commit_claim(struct ns_store *st, struct ns_builder *b, struct ns_source *src)
{
	struct bufs *m = &b->m;
	struct ns_snap *s = xcalloc(1, sizeof(*s));

	s->t = b->now;
	s->seq = st->seq + 1;
	s->stats = b->stats;
	s->stats.bytes = builder_bytes(b);
	GROW(m, asg, m->n_basg);
	GROW(m, tmp, m->n_basg);
	GROW(m, amark, m->n_apps);
	if (b->busy_mixed)
		GROW(m, busy, m->n_bbusy);
	GROW(m, order, m->n_bpods);
	GROW(m, pods, m->n_bpods);
	GROW(m, conts, m->n_bconts);
	b->snap = s;
	b->src = src;
	b->old = src->snap;
	if (b->old != NULL)
		b->old->gone = s->seq;
	b->phase = 0;
	b->cur = b->acc = 0;
	st->preparing = b;
}

/* The store forgets b (its arrays stay with b). */
static void
commit_release(struct ns_store *st, struct ns_builder *b)
{
	b->snap = b->old = NULL;
	b->src = NULL;
	st->preparing = NULL;
}

/* A published commit, through: the rest of its phases at once, and the
 * old snapshot's arrays and the builder's to the source's next scrape. */
static void
commit_finish(struct ns_store *st, struct ns_builder *b)
{
	struct ns_snap *old = b->old;

	commit_run(st, b, LONG_MAX);
	if (old != NULL) {
		st->bytes -= old->bytes;
		bufs_from_snap(&b->m, &old->m);
		free(old);
	}
	spare_put(st, b->src, &b->m, &b->used);
	commit_release(st, b);
}

/*
 * Undo an unpublished commit: unlink what its phases linked (names only
 * it had go), spare the names it doomed, hand its arrays back to b.
 * Histories it took over from the old snapshot's recs are lost with it.
 */
static void
commit_rollback(struct ns_store *st, struct ns_builder *b)
{
	struct ns_snap *s = b->snap;
	struct ent *e;

	for (e = b->dying_nodes; e != NULL; e = e->dnext)
		e->dies = 0;
	for (e = b->dying_apps; e != NULL; e = e->dnext)
		e->dies = 0;
	b->dying_nodes = b->dying_apps = NULL;
	if (b->old != NULL)
		b->old->gone = 0;
	snap_unlink(st, s, b->linked_recs, b->linked_apps);
	if (b->moved)
		bufs_from_snap(&b->m, &s->m);
	b->moved = 0;
	free(s);
	commit_release(st, b);
}

/* The commit in progress stops here: undone if it was not published,
 * else finished at once. */
static void
commit_detach(struct ns_store *st, struct ns_builder *b)
{
	if (b->published)
		commit_finish(st, b);
	else
		commit_rollback(st, b);
}

void
ns_commit_begin(struct ns_builder *b, double now)
{
	b->now = now;
}

int
ns_commit_step(struct ns_store *st, struct ns_builder *b, long budget)
{
	struct ns_source *src = NULL;

	if (b->st == st)
		src = source_by_uid(st, b->uid, b->hint);
	if (src == NULL) {
		if (st->preparing == b)
			commit_detach(st, b);
		builder_free(b);
		return NS_ERR_GONE;
	}
	if (st->preparing != b) {
		if (st->preparing != NULL)
			return NS_MORE;		/* another source's turn */
		commit_claim(st, b, src);
	}
	if (!commit_run(st, b, budget))
		return NS_MORE;
	commit_finish(st, b);
	builder_free(b);
	return NS_OK;
}

int
ns_commit(struct ns_store *st, struct ns_builder *b, double now)
{
	int r;

	if (st->preparing != NULL && st->preparing != b)
		return NS_ERR_BUSY;
	ns_commit_begin(b, now);
	while ((r = ns_commit_step(st, b, LONG_MAX)) == NS_MORE)
		;
	return r;
}

/* ------------------------------------------------------------------ */
/* Read side */

const struct ns_node *
ns_find(const struct ns_store *st, const char *name, size_t len)
{
	const struct ent *e = index_find(&st->nodes, name, len);

	return e && ent_live(st, e) ? (const struct ns_node *)e : NULL;
}

size_t
ns_node_count(const struct ns_store *st)
{
	return st->nodes.n;
}

size_t
ns_node_id(const struct ns_node *n)
{
	return n->e.id;
}

size_t
ns_node_id_limit(const struct ns_store *st)
{
	return st->nodes.next_id;
}

size_t
ns_app_id(const struct ns_app *a)
{
	return a->e.id;
}

size_t
ns_app_id_limit(const struct ns_store *st)
{
	return st->apps.next_id;
}

const struct ns_node *
ns_first(const struct ns_store *st)
{
	return (const struct ns_node *)st->nodes.first;
}

const struct ns_node *
ns_next(const struct ns_node *n)
{
	return (const struct ns_node *)n->e.onext;
}

const char *
ns_node_name(const struct ns_node *n, size_t *len)
{
	if (len)
		*len = n->e.len;
	return n->e.name;
}

const struct ns_app *
ns_app_find(const struct ns_store *st, const char *name, size_t len)
{
	const struct ent *e = index_find(&st->apps, name, len);

	return e && ent_live(st, e) ? (const struct ns_app *)e : NULL;
}

size_t
ns_app_count(const struct ns_store *st)
{
	return st->apps.n;
}

const struct ns_app *
ns_app_first(const struct ns_store *st)
{
	return (const struct ns_app *)st->apps.first;
}

const struct ns_app *
ns_app_next(const struct ns_app *a)
{
	return (const struct ns_app *)a->e.onext;
}

const char *
ns_app_name(const struct ns_app *a, size_t *len)
{
	if (len)
		*len = a->e.len;
	return a->e.name;
}

/* The public NS_HAVE_* bits of internal fields. */
static unsigned
public_bits(uint32_t f)
{
	unsigned p = 0;

	if (f & F_CAP_ALL)
		p |= NS_HAVE_CAPACITY;
	if (f & FB(F_PMEM))
		p |= NS_HAVE_PMEM;
	if (f & FB(F_TYPE))
		p |= NS_HAVE_TYPE;
	if (f & FB(F_HIT))
		p |= NS_HAVE_DRAM_HIT;
	if (f & FB(F_ASSIGNED))
		p |= NS_HAVE_ASSIGNED;
	if (f & (FB(F_CPU_PRE) | FB(F_CPU)))
		p |= NS_HAVE_CPU;
	if (f & (FB(F_MEM_PRE) | FB(F_MEM)))
		p |= NS_HAVE_MEM;
	if (f & FB(F_ALLOC_CPU))
		p |= NS_HAVE_ALLOC_CPU;
	if (f & FB(F_ALLOC_MEM))
		p |= NS_HAVE_ALLOC_MEM;
	if (f & FB(F_KCAP_CPU))
		p |= NS_HAVE_KCAP_CPU;
	if (f & FB(F_KCAP_MEM))
		p |= NS_HAVE_KCAP_MEM;
	if (f & FB(F_PODS))
		p |= NS_HAVE_PODS;
	return p;
}

static void
take_util(struct ns_util *dst, const struct ns_rec *pre,
    const struct ns_rec *comp, int upre, int ucomp,
    const struct ns_rec **used)
{
	const struct ns_rec *r = pre ? pre : comp;

	if (r == NULL)
		return;
	*dst = r->util[pre ? upre : ucomp];
	dst->t = r->snap->t;
	*used = r;
}

void
ns_view(const struct ns_store *st, const struct ns_node *n, double now,
    double staleness, struct ns_view *v)
{
	const struct ns_rec *from[F_COUNT], *r, *used[F_COUNT + 2];
	uint32_t want = F_ALL, got = 0;
	size_t nused = 0, i;
	int d;

	memset(v, 0, sizeof(*v));
	v->node = n;
	v->age = -1;
	v->stale_age = -1;
	v->state = NS_UNKNOWN;
	if (n == NULL || n->e.recs == NULL)
		return;
	memset(from, 0, sizeof(from));
	for (r = n->e.recs; r != NULL; r = r->next) {
		double age = now - r->snap->t;
		uint32_t take;

		if (!snap_live(st, r->snap))
			continue;
		if (v->age < 0 || age < v->age)
			v->age = age;
		if (age > staleness)
			continue;
		v->state = NS_FRESH;
		take = r->fields & want;
		want &= ~take;
		got |= take;
		while (take) {
			from[__builtin_ctz(take)] = r;
			take &= take - 1;
		}
	}
	if (v->state != NS_FRESH && v->age >= 0)
		v->state = NS_STALE;

	for (d = 0; d < DIM_COUNT; d++)
		if ((r = from[F_CAP0 + d]) != NULL) {
			v->capacity[d] = r->cap[d];
			v->capacity_mask |= 1u << d;
			used[nused++] = r;
		}
	if ((r = from[F_PMEM]) != NULL) {
		v->pmem = r->pmem != 0;
		used[nused++] = r;
	}
	if ((r = from[F_TYPE]) != NULL) {
		v->type = r->type;
		used[nused++] = r;
	}
	if ((r = from[F_HIT]) != NULL) {
		v->dram_hit_ratio = r->hit;
		used[nused++] = r;
	}
	if ((r = from[F_ASSIGNED]) != NULL) {
		v->assigned = r->asg_n ? r->snap->m.asg + r->asg_off : NULL;
		v->nassigned = r->asg_n;
		used[nused++] = r;
	}
	take_util(&v->cpu, from[F_CPU_PRE], from[F_CPU], U_CPU_PRE, U_CPU,
	    &used[nused]);
	if (v->cpu.have)
		nused++;
	take_util(&v->mem, from[F_MEM_PRE], from[F_MEM], U_MEM_PRE, U_MEM,
	    &used[nused]);
	if (v->mem.have)
		nused++;
	if ((r = from[F_ALLOC_CPU]) != NULL) {
		v->allocatable.cpu_m = r->alloc.cpu_m;
		used[nused++] = r;
	}
	if ((r = from[F_ALLOC_MEM]) != NULL) {
		v->allocatable.mem_b = r->alloc.mem_b;
		used[nused++] = r;
	}
	if ((r = from[F_KCAP_CPU]) != NULL) {
		v->kcapacity.cpu_m = r->kcap.cpu_m;
		used[nused++] = r;
	}
	if ((r = from[F_KCAP_MEM]) != NULL) {
		v->kcapacity.mem_b = r->kcap.mem_b;
		used[nused++] = r;
	}
	if ((r = from[F_PODS]) != NULL) {
		v->pods = r->pod_n ? r->snap->m.pods + r->pod_off : NULL;
		v->npods = r->pod_n;
		v->pods_requests = r->preq;
		v->pods_limits = r->plim;
		used[nused++] = r;
	}
	v->have = public_bits(got);
	for (i = 0; i < nused; i++)
		if (now - used[i]->snap->t > v->used_age)
			v->used_age = now - used[i]->snap->t;

	/* What only stale sources have. */
	for (r = n->e.recs; r != NULL; r = r->next) {
		double age = now - r->snap->t;
		unsigned s;

		if (age <= staleness || !snap_live(st, r->snap))
			continue;
		s = public_bits(r->fields) & ~v->have;
		v->capacity_stale_mask |= r->fields & F_CAP_ALL &
		    ~v->capacity_mask;
		if ((s || (r->fields & F_CAP_ALL & ~v->capacity_mask)) &&
		    (v->stale_age < 0 || age < v->stale_age))
			v->stale_age = age;
		v->stale |= s;
	}
}

double
ns_view_assigned(const struct ns_view *v, const struct ns_app *app)
{
	size_t i;

	for (i = 0; i < v->nassigned; i++)
		if (v->assigned[i].app == app)
			return v->assigned[i].count;
	return 0;
}

void
ns_app_view(const struct ns_store *st, const struct ns_app *a, double now,
    double staleness, struct ns_app_view *v)
{
	const struct ns_apprec *r;
	uint32_t want = (1u << DIM_COUNT) - 1 + APP_PROFILE;

	memset(v, 0, sizeof(*v));
	v->app = a;
	v->age = -1;
	v->state = NS_UNKNOWN;
	if (a == NULL || a->e.recs == NULL)
		return;
	for (r = a->e.recs; r != NULL; r = r->next) {
		double age = now - r->snap->t;
		uint32_t take;
		int d;

		if (!snap_live(st, r->snap))
			continue;
		if (v->state == NS_UNKNOWN)
			v->state = NS_STALE;
		if (v->age < 0 || age < v->age)
			v->age = age;
		if (age > staleness)
			continue;
		v->state = NS_FRESH;
		take = r->fields & want;
		want &= ~take;
		for (d = 0; d < DIM_COUNT; d++)
			if (take & (1u << d)) {
				v->requested[d] = r->req[d];
				v->requested_mask |= 1u << d;
			}
		if (take & APP_PROFILE) {
			v->has_profile = 1;
			v->profile = r->profile;
		}
	}
}
