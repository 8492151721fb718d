#include "decisions.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "json.h"

/* Room put_row() may write past a row's end (whole pieces of terms). */
#define ROW_SLACK 32

_Static_assert(DEC_TERMS_MAX % 8 == 0 && DEC_TERMS_MAX * sizeof(float) % 16
    == 0, "terms are copied in whole 8- and 16-byte pieces");

/* Row kinds in a slot. */
enum { ROW_PASS, ROW_FAIL, ROW_DROP, ROW_SCORE, ROW_NONE };

struct slot {
	uint64_t seq;			/* 0: never filled */
	double unix_time, data_age;
	enum route verb;
	int status;
	char ns[DEC_NAME_MAX + 1], pod[DEC_NAME_MAX + 1];
	char app[DEC_NAME_MAX + 1];
	int has_app;
	char algorithm[40];
	char error[256];
	int has_error;
	uint32_t nnodes, kept;
	struct dec_terms pod_terms;
	size_t used;
	unsigned char rows[DEC_SLOT_BYTES];
};

struct dec_log {
	struct slot *slots;
	size_t n;
	uint64_t seq;			/* decisions recorded */
};

static const char *const fixed_terms[] = {
	"least_used", "bar", "membw_ratio", "cpu_util", "cpu_avg", "cpu_std",
	"mem_util", "mem_avg", "mem_std", "cpu_capacity_m",
	"mem_capacity_bytes", "pods_cpu_m", "pods_mem_bytes", "recent_cpu_m",
	"pod_cpu_m", "pod_mem_bytes", "fallback", "age_seconds"
};

_Static_assert(sizeof(fixed_terms) / sizeof(fixed_terms[0]) ==
    TERM_COUNT - TERM_LEAST_USED, "a name for every fixed term");

const char *
dec_term_name(enum term id)
{
	/* "capacity.cpu" and the like, made once. */
	static char per_dim[5][DIM_COUNT][32];
	static const char *const prefix[5] = { "capacity", "used", "free",
	    "fraction", "requested" };
	static int made;
	size_t g, d;

	if (!made) {
		for (g = 0; g < 5; g++)
			for (d = 0; d < DIM_COUNT; d++)
				snprintf(per_dim[g][d], sizeof(per_dim[g][d]),
				    "%s.%s", prefix[g], dim_name((enum dim)d));
		made = 1;
	}
	if ((int)id < TERM_LEAST_USED)
		return per_dim[id / DIM_COUNT][id % DIM_COUNT];
	if (id < TERM_COUNT)
		return fixed_terms[id - TERM_LEAST_USED];
	return "?";
}

struct dec_log *
dec_log_new(size_t n)
{
	struct dec_log *d;

	if (n == 0)
		return NULL;
	d = xcalloc(1, sizeof(*d));
	/* calloc: the kernel's zero pages, resident only once written.  Not
	 * xcalloc: a ring the machine cannot map is refused, not fatal. */
	d->slots = calloc(n, sizeof(*d->slots));
	if (d->slots == NULL) {
		free(d);
		return NULL;
	}
	d->n = n;
	return d;
}

void
dec_log_free(struct dec_log *d)
{
	if (d == NULL)
		return;
	free(d->slots);
	free(d);
}

size_t
dec_log_size(const struct dec_log *d)
{
	return d ? d->n : 0;
}

uint64_t
dec_log_recorded(const struct dec_log *d)
{
	return d ? d->seq : 0;
}

/* ---- recording ---- */

static void
copy_str(char *dst, size_t cap, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s ? s : "", n);
	dst[n] = '\0';
}

/*
 * Names in fixed 16-byte moves (the last one overlapping): a small
 * memcpy of variable length compiles to `rep movsb`, whose start-up cost
 * was most of a decision's recording time (27 of 30 us for 781 nodes).
 */
static void
copy_name(unsigned char *d, const char *s, size_t n)
{
	size_t k;

	if (n <= 16) {
		buf_copy_small((char *)d, s, n);
		return;
	}
	for (k = 0; k + 16 < n; k += 16)
		memcpy(d + k, s + k, 16);
	memcpy(d + n - 16, s + n - 16, 16);
}

static size_t
row_size(const struct ext_node *nd, size_t reason_len, int kind,
    const struct dec_terms *t)
{
	size_t name = nd->name_len > 255 ? 255 : nd->name_len;

	return 1 + name + 1 + (kind == ROW_FAIL ? 1 + reason_len : 0) +
	    (kind == ROW_SCORE ? 16 : 0) + 1 + (t ? t->n * 5u : 0);
}

static void
put_row(struct slot *s, const struct ext_node *nd, int kind,
    const char *reason, size_t reason_len, long score, double prio,
    const struct dec_terms *t)
{
	unsigned char *p = s->rows + s->used;
	size_t name = nd->name_len > 255 ? 255 : nd->name_len;
	int64_t sc = score;

	*p++ = (unsigned char)name;
	copy_name(p, nd->name, name);
	p += name;
	*p++ = (unsigned char)kind;
	if (kind == ROW_FAIL) {
		*p++ = (unsigned char)reason_len;
		copy_name(p, reason, reason_len);
		p += reason_len;
	} else if (kind == ROW_SCORE) {
		memcpy(p, &sc, 8);
		memcpy(p + 8, &prio, 8);
		p += 16;
	}
	*p++ = t ? t->n : 0;
	if (t && t->n) {
		/* Whole 8- and 16-byte pieces (single moves; small memcpy of a
		 * variable length is not): past the n-th term stays inside t,
		 * lands in the slot's ROW_SLACK, and the next row overwrites
		 * it. */
		size_t k, nv = t->n * sizeof(float);

		for (k = 0; k < t->n; k += 8)
			memcpy(p + k, t->id + k, 8);
		p += t->n;
		for (k = 0; k < nv; k += 16)
			memcpy(p + k, (const unsigned char *)t->v + k, 16);
		p += nv;
	}
	s->used = (size_t)(p - s->rows);
}

void
dec_record(struct dec_log *d, const struct dec_input *in)
{
	struct slot *s;
	size_t i;

	if (d == NULL)
		return;
	s = &d->slots[d->seq % d->n];
	s->seq = ++d->seq;
	s->unix_time = in->unix_now;
	s->data_age = in->data_age;
	s->verb = in->verb;
	s->status = in->status;
	copy_str(s->ns, sizeof(s->ns), in->ns);
	copy_str(s->pod, sizeof(s->pod), in->pod);
	s->has_app = in->app != NULL;
	copy_str(s->app, sizeof(s->app), in->app);
	copy_str(s->algorithm, sizeof(s->algorithm), in->algorithm);
	s->has_error = in->error != NULL;
	copy_str(s->error, sizeof(s->error), in->error);
	s->nnodes = (uint32_t)in->n;
	s->kept = 0;
	s->used = 0;
	if (in->pod_terms)
		s->pod_terms = *in->pod_terms;
	else
		s->pod_terms.n = 0;
	for (i = 0; i < in->n; i++) {
		const struct dec_terms *t = in->terms ? &in->terms[i] : NULL;
		const char *reason = NULL;
		size_t rlen = 0;
		int kind;

		if (in->priority) {
			kind = ROW_SCORE;
		} else if (in->error != NULL) {
			kind = ROW_NONE;
		} else if (in->verdicts == NULL) {
			kind = ROW_PASS;
		} else {
			kind = in->verdicts[i].v == VERDICT_FAIL ? ROW_FAIL :
			    in->verdicts[i].v == VERDICT_DROP ? ROW_DROP :
			    ROW_PASS;
			reason = in->verdicts[i].reason;
			rlen = reason ? strlen(reason) : 0;
			if (rlen > 255)
				rlen = 255;
		}
		if (s->used + row_size(&in->nodes[i], rlen, kind, t) +
		    ROW_SLACK > sizeof(s->rows))
			break;
		put_row(s, &in->nodes[i], kind, reason, rlen,
		    in->score ? in->score[i] : 0,
		    in->priority ? in->priority[i] : 0, t);
		s->kept++;
	}
}

/* ---- reading ---- */

struct row {
	const char *name;
	size_t name_len;
	int kind;
	const char *reason;
	size_t reason_len;
	int64_t score;
	double prio;
	struct dec_terms t;
};

/* The row at *pos; advances it. */
static void
get_row(const struct slot *s, size_t *pos, struct row *r)
{
	const unsigned char *p = s->rows + *pos;

	r->name_len = *p++;
	r->name = (const char *)p;
	p += r->name_len;
	r->kind = *p++;
	r->reason = NULL;
	r->reason_len = 0;
	r->score = 0;
	r->prio = 0;
	if (r->kind == ROW_FAIL) {
		r->reason_len = *p++;
		r->reason = (const char *)p;
		p += r->reason_len;
	} else if (r->kind == ROW_SCORE) {
		memcpy(&r->score, p, 8);
		memcpy(&r->prio, p + 8, 8);
		p += 16;
	}
	r->t.n = *p++;
	memcpy(r->t.id, p, r->t.n);
	memcpy(r->t.v, p + r->t.n, r->t.n * sizeof(float));
	p += r->t.n * (1 + sizeof(float));
	*pos = (size_t)(p - s->rows);
}

/* none: the filter answered Error, no node was accepted. */
static const char *const kind_names[] = { "pass", "fail", "drop", "score",
	"none" };

/* Slots newest first: the k-th newest, or NULL. */
static const struct slot *
nth_newest(const struct dec_log *d, size_t k)
{
	const struct slot *s;

	if (d == NULL || k >= d->n || k >= d->seq)
		return NULL;
	s = &d->slots[(d->seq - 1 - k) % d->n];
	return s->seq ? s : NULL;
}

static void
terms_json(struct buf *out, const struct dec_terms *t)
{
	size_t i;

	buf_addc(out, '{');
	for (i = 0; i < t->n; i++) {
		const char *nm = dec_term_name((enum term)t->id[i]);

		if (i)
			buf_addc(out, ',');
		json_write_str(out, nm, strlen(nm));
		buf_addc(out, ':');
		/* Kept as floats: their 7 digits, not the double's noise. */
		if (isfinite(t->v[i]))
			buf_printf(out, "%.7g", (double)t->v[i]);
		else
			buf_adds(out, "null");
	}
	buf_addc(out, '}');
}

static void
decision_json(struct buf *out, const struct slot *s)
{
	size_t pos = 0, i;

	buf_printf(out, "{\"seq\":%llu,", (unsigned long long)s->seq);
	json_write_time(out, "time", 1, s->unix_time);
	buf_printf(out, ",\"verb\":\"%s\",\"namespace\":", route_name(s->verb));
	json_write_str(out, s->ns, strlen(s->ns));
	buf_adds(out, ",\"pod\":");
	json_write_str(out, s->pod, strlen(s->pod));
	buf_adds(out, ",\"app\":");
	if (s->has_app)
		json_write_str(out, s->app, strlen(s->app));
	else
		buf_adds(out, "null");
	buf_adds(out, ",\"algorithm\":");
	json_write_str(out, s->algorithm, strlen(s->algorithm));
	buf_printf(out, ",\"status\":%d,\"error\":", s->status);
	if (s->has_error)
		json_write_str(out, s->error, strlen(s->error));
	else
		buf_adds(out, "null");
	buf_adds(out, ",\"data_age_seconds\":");
	if (s->data_age >= 0)
		json_write_num(out, floor(s->data_age * 1000) / 1000);
	else
		buf_adds(out, "null");
	buf_printf(out, ",\"nodes\":%u,\"nodes_not_kept\":%u,\"pod_terms\":",
	    s->nnodes, s->nnodes - s->kept);
	terms_json(out, &s->pod_terms);
	buf_adds(out, ",\"results\":[");
	for (i = 0; i < s->kept; i++) {
		struct row r;

		get_row(s, &pos, &r);
		if (i)
			buf_addc(out, ',');
		buf_adds(out, "{\"node\":");
		json_write_str(out, r.name, r.name_len);
		buf_printf(out, ",\"result\":\"%s\"", kind_names[r.kind]);
		if (r.kind == ROW_FAIL) {
			buf_adds(out, ",\"reason\":");
			json_write_str(out, r.reason, r.reason_len);
		} else if (r.kind == ROW_SCORE) {
			buf_printf(out, ",\"score\":%lld,\"priority\":",
			    (long long)r.score);
			json_write_num(out, r.prio);
		}
		buf_adds(out, ",\"terms\":");
		terms_json(out, &r.t);
		buf_addc(out, '}');
	}
	buf_adds(out, "]}");
}

size_t
dec_explain_json(const struct dec_log *d, const char *ns, size_t nslen,
    const char *pod, size_t podlen, struct buf *out)
{
	const struct slot *s;
	size_t k, found = 0;

	buf_adds(out, "{\"namespace\":");
	json_write_str(out, ns, nslen);
	buf_adds(out, ",\"pod\":");
	json_write_str(out, pod, podlen);
	buf_adds(out, ",\"decisions\":[");
	for (k = 0; (s = nth_newest(d, k)) != NULL; k++) {
		if (strlen(s->ns) != nslen || memcmp(s->ns, ns, nslen) ||
		    strlen(s->pod) != podlen || memcmp(s->pod, pod, podlen))
			continue;
		if (found++)
			buf_addc(out, ',');
		decision_json(out, s);
	}
	buf_adds(out, "]}\n");
	return found;
}

/* ---- the plain-text table ---- */

static void
text_cell(struct buf *out, const char *s, size_t n, size_t width)
{
	size_t i;

	buf_add(out, s, n);
	for (i = n; i < width; i++)
		buf_addc(out, ' ');
	buf_adds(out, "  ");
}

/* End a table line, without the blanks after its last cell. */
static void
trim_line(struct buf *out)
{
	while (out->len && out->p[out->len - 1] == ' ')
		out->len--;
	buf_addc(out, '\n');
}

static size_t
fmt_num(char *b, size_t cap, double v)
{
	int n = snprintf(b, cap, "%.6g", v);

	return n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
}

int
dec_explain_text(const struct dec_log *d, struct buf *out)
{
	const struct slot *s = nth_newest(d, 0);
	unsigned char present[TERM_COUNT];
	size_t width[2 + TERM_COUNT + 1], pos, i, j;
	char num[64], ts[JSON_TIME_LEN];

	if (s == NULL)
		return 0;
	buf_printf(out, "decision %llu: %s of pod %s/%s (app %s), "
	    "algorithm %s, answered %d\n", (unsigned long long)s->seq,
	    route_name(s->verb), s->ns, s->pod, s->has_app ? s->app : "-",
	    s->algorithm, s->status);
	buf_printf(out, "time %s", json_format_time(ts, s->unix_time));
	if (s->data_age >= 0)
		buf_printf(out, ", newest metrics %.3f s old", s->data_age);
	buf_printf(out, ", %u nodes", s->nnodes);
	if (s->kept < s->nnodes)
		buf_printf(out, " (%u not kept: the slot is full)",
		    s->nnodes - s->kept);
	buf_addc(out, '\n');
	if (s->has_error)
		buf_printf(out, "error: %s\n", s->error);
	for (i = 0; i < s->pod_terms.n; i++)
		buf_printf(out, "%s%s %.6g%s", i ? ", " : "pod: ",
		    dec_term_name((enum term)s->pod_terms.id[i]),
		    (double)s->pod_terms.v[i], i + 1 == s->pod_terms.n ?
		    "\n" : "");
	/* Columns: node, result, then every term some row has. */
	memset(present, 0, sizeof(present));
	width[0] = 4;
	width[1] = 6;
	for (i = 0, pos = 0; i < s->kept; i++) {
		struct row r;
		size_t w;

		get_row(s, &pos, &r);
		if (r.name_len > width[0])
			width[0] = r.name_len;
		if (r.kind == ROW_SCORE)
			w = (size_t)snprintf(num, sizeof(num), "%lld",
			    (long long)r.score);
		else
			w = strlen(kind_names[r.kind]);
		if (w > width[1])
			width[1] = w;
		for (j = 0; j < r.t.n; j++)
			present[r.t.id[j]] = 1;
	}
	for (j = 0; j < TERM_COUNT; j++)
		width[2 + j] = strlen(dec_term_name((enum term)j));
	for (i = 0, pos = 0; i < s->kept; i++) {
		struct row r;

		get_row(s, &pos, &r);
		for (j = 0; j < r.t.n; j++) {
			size_t w = fmt_num(num, sizeof(num), (double)r.t.v[j]);

			if (w > width[2 + r.t.id[j]])
				width[2 + r.t.id[j]] = w;
		}
	}
	text_cell(out, "node", 4, width[0]);
	text_cell(out, s->verb == ROUTE_FILTER ? "result" : "score", s->verb ==
	    ROUTE_FILTER ? 6 : 5, width[1]);
	for (j = 0; j < TERM_COUNT; j++)
		if (present[j]) {
			const char *nm = dec_term_name((enum term)j);

			text_cell(out, nm, strlen(nm), width[2 + j]);
		}
	if (s->verb == ROUTE_FILTER)
		buf_adds(out, "reason");
	trim_line(out);
	for (i = 0, pos = 0; i < s->kept; i++) {
		struct row r;
		size_t w;

		get_row(s, &pos, &r);
		text_cell(out, r.name, r.name_len, width[0]);
		if (r.kind == ROW_SCORE) {
			w = (size_t)snprintf(num, sizeof(num), "%lld",
			    (long long)r.score);
			text_cell(out, num, w, width[1]);
		} else
			text_cell(out, kind_names[r.kind],
			    strlen(kind_names[r.kind]), width[1]);
		for (j = 0; j < TERM_COUNT; j++) {
			size_t k;

			if (!present[j])
				continue;
			for (k = 0; k < r.t.n && r.t.id[k] != j; k++)
				continue;
			if (k < r.t.n) {
				w = fmt_num(num, sizeof(num), (double)r.t.v[k]);
				text_cell(out, num, w, width[2 + j]);
			} else
				text_cell(out, "-", 1, width[2 + j]);
		}
		if (r.kind == ROW_FAIL)
			buf_add(out, r.reason, r.reason_len);
		trim_line(out);
	}
	return 1;
}
