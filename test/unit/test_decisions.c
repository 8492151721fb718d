/*
 * The decision log (src/decisions.c): what a recorded decision says in
 * /explain's JSON and text, the ring's bound, a full slot, and that
 * recording allocates nothing (malloc, calloc and realloc are wrapped at
 * link time for this binary and counted).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "algo.h"
#include "decisions.h"
#include "json.h"
#include "t.h"

static long allocations;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

void *
__wrap_malloc(size_t n)
{
	allocations++;
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t m)
{
	allocations++;
	return __real_calloc(n, m);
}

void *
__wrap_realloc(void *p, size_t n)
{
	allocations++;
	return __real_realloc(p, n);
}

#define NODES 3

static struct ext_node nodes[NODES] = {
	{ "n1", 2, 0, -1 }, { "n2", 2, 0, -1 }, { "n3", 2, 0, -1 }
};

static void
filter_input(struct dec_input *in, struct filter_out *v, struct dec_terms *t,
    const char *pod)
{
	size_t i;

	memset(in, 0, sizeof(*in));
	memset(t, 0, sizeof(*t) * (NODES + 1));
	v[0].v = VERDICT_PASS;
	v[0].reason = NULL;
	v[1].v = VERDICT_FAIL;
	v[1].reason = "Could not fit node because of cpu";
	v[2].v = VERDICT_DROP;
	v[2].reason = NULL;
	for (i = 0; i < NODES; i++) {
		dec_term(&t[i], (enum term)(TERM_CAPACITY + DIM_CPU),
		    16.0 * (double)(i + 1));
		dec_term(&t[i], TERM_AGE, 1.5);
	}
	dec_term(&t[NODES], (enum term)(TERM_REQUESTED + DIM_CPU), 2);
	in->verb = ROUTE_FILTER;
	in->ns = "default";
	in->pod = pod;
	in->app = "web";
	in->algorithm = "Fit";
	in->unix_now = 1796000000.25;
	in->data_age = 0.5;
	in->status = 200;
	in->nodes = nodes;
	in->n = NODES;
	in->verdicts = v;
	in->terms = t;
	in->pod_terms = &t[NODES];
}

/* The parsed JSON of /explain?pod=default/POD. */
static int
explain(const struct dec_log *log, const char *pod, struct json_doc *d,
    struct buf *out)
{
	char err[JSON_ERR_LEN];
	size_t n;

	out->len = 0;
	n = dec_explain_json(log, "default", 7, pod, strlen(pod), out);
	if (json_parse(d, out->p, out->len, err) < 0) {
		printf("#   not JSON (%s): %.*s\n", err, (int)out->len, out->p);
		return -1;
	}
	return (int)n;
}

static size_t
path_len(const char *const *path)
{
	size_t n = 0;

	while (path[n] != NULL)
		n++;
	return n;
}

static double
num_at(const struct json_doc *d, int obj, const char *const *path)
{
	double v = NAN;
	int t = json_path(d, obj, path, path_len(path));

	if (t >= 0)
		json_number(d, t, &v);
	return v;
}

static int
str_at(const struct json_doc *d, int obj, const char *const *path,
    const char *want)
{
	int t = json_path(d, obj, path, path_len(path));

	return t >= 0 && json_str_eq(d, t, want, strlen(want));
}

static void
test_filter_decision_json(void)
{
	struct dec_log *log = dec_log_new(4);
	struct dec_input in;
	struct filter_out v[NODES];
	struct dec_terms t[NODES + 1];
	struct json_doc d;
	struct buf out;
	int dec, res;
	static const char *const k_verb[] = { "verb", NULL };
	static const char *const k_app[] = { "app", NULL };
	static const char *const k_age[] = { "data_age_seconds", NULL };
	static const char *const k_time[] = { "time", NULL };
	static const char *const k_req[] = { "pod_terms", "requested.cpu",
	    NULL };
	static const char *const k_result[] = { "result", NULL };
	static const char *const k_reason[] = { "reason", NULL };
	static const char *const k_cap[] = { "terms", "capacity.cpu", NULL };

	json_doc_init(&d);
	buf_init(&out);
	filter_input(&in, v, t, "web-1");
	dec_record(log, &in);
	T_EQ_INT(explain(log, "web-1", &d, &out), 1);
	dec = json_first(&d, json_get(&d, 0, "decisions"));
	T_CHECK(dec > 0);
	T_CHECK(str_at(&d, dec, k_verb, "filter"));
	T_CHECK(str_at(&d, dec, k_app, "web"));
	T_CHECK(str_at(&d, dec, k_time, "2026-11-30T00:53:20.250Z"));
	T_CHECK(num_at(&d, dec, k_age) == 0.5);
	T_CHECK(num_at(&d, dec, k_req) == 2);
	res = json_first(&d, json_get(&d, dec, "results"));
	T_CHECK(str_at(&d, res, k_result, "pass"));
	T_CHECK(num_at(&d, res, k_cap) == 16);
	res = json_next(&d, json_get(&d, dec, "results"), res);
	T_CHECK(str_at(&d, res, k_result, "fail"));
	T_CHECK(str_at(&d, res, k_reason, "Could not fit node because of cpu"));
	T_CHECK(num_at(&d, res, k_cap) == 32);
	res = json_next(&d, json_get(&d, dec, "results"), res);
	T_CHECK(str_at(&d, res, k_result, "drop"));
	/* A filter that answered Error accepted no node: "none". */
	in.error = "no requested resources for app web";
	dec_record(log, &in);
	T_EQ_INT(explain(log, "web-1", &d, &out), 2);
	dec = json_first(&d, json_get(&d, 0, "decisions"));
	res = json_first(&d, json_get(&d, dec, "results"));
	T_CHECK(str_at(&d, res, k_result, "none"));
	/* Another pod: nothing kept about it. */
	T_EQ_INT(explain(log, "web-2", &d, &out), 0);
	json_doc_free(&d);
	buf_free(&out);
	dec_log_free(log);
}

static void
test_prioritize_decision_and_text(void)
{
	struct dec_log *log = dec_log_new(2);
	struct dec_input in;
	struct filter_out v[NODES];
	struct dec_terms t[NODES + 1];
	double prio[NODES] = { 0.5, 0.25, 1.0 };
	long score[NODES] = { 5, 3, 10 };
	struct buf out;
	const char *line;

	buf_init(&out);
	T_EQ_INT(dec_explain_text(log, &out), 0);
	filter_input(&in, v, t, "web-1");
	dec_record(log, &in);
	in.verb = ROUTE_PRIORITIZE;
	in.verdicts = NULL;
	in.priority = prio;
	in.score = score;
	dec_record(log, &in);
	T_EQ_INT(dec_explain_text(log, &out), 1);
	buf_addc(&out, '\0');
	T_CHECK(strstr(out.p, "decision 2: prioritize of pod default/web-1 "
	    "(app web), algorithm Fit, answered 200\n") == out.p);
	T_CHECK(strstr(out.p, "time 2026-11-30T00:53:20.250Z, newest metrics "
	    "0.500 s old, 3 nodes\n") != NULL);
	T_CHECK(strstr(out.p, "pod: requested.cpu 2\n") != NULL);
	line = strstr(out.p, "\nnode");
	T_CHECK(line != NULL && strncmp(line, "\nnode  score   capacity.cpu  "
	    "age_seconds\n", 41) == 0);
	T_CHECK(strstr(out.p, "\nn3    10      48            1.5\n") != NULL);
	T_CHECK(strstr(out.p, " \n") == NULL);	/* no trailing blanks */
	/* The filter's table lists the reason last. */
	{
		struct dec_log *one = dec_log_new(1);

		out.len = 0;
		filter_input(&in, v, t, "web-1");
		dec_record(one, &in);
		dec_explain_text(one, &out);
		buf_addc(&out, '\0');
		T_CHECK(strstr(out.p, "\nn2    fail    32            1.5"
		    "          Could not fit node because of cpu\n") != NULL);
		dec_log_free(one);
	}
	buf_free(&out);
	dec_log_free(log);
}

static void
test_ring_keeps_the_last_n(void)
{
	struct dec_log *log = dec_log_new(3);
	struct dec_input in;
	struct filter_out v[NODES];
	struct dec_terms t[NODES + 1];
	struct json_doc d;
	struct buf out;
	char pod[16];
	int i, first;
	static const char *const k_seq[] = { "seq", NULL };

	json_doc_init(&d);
	buf_init(&out);
	for (i = 0; i < 5; i++) {
		snprintf(pod, sizeof(pod), "p%d", i % 4);
		filter_input(&in, v, t, pod);
		dec_record(log, &in);
	}
	T_EQ_INT(dec_log_recorded(log), 5);
	T_EQ_INT(dec_log_size(log), 3);
	/* Kept: seq 3 (p2), 4 (p3), 5 (p0); p1 (seq 2) and seq 1 are gone. */
	T_EQ_INT(explain(log, "p1", &d, &out), 0);
	T_EQ_INT(explain(log, "p2", &d, &out), 1);
	T_EQ_INT(explain(log, "p0", &d, &out), 1);
	first = json_first(&d, json_get(&d, 0, "decisions"));
	T_CHECK(num_at(&d, first, k_seq) == 5);
	/* Two about one pod: newest first. */
	filter_input(&in, v, t, "p3");
	dec_record(log, &in);
	T_EQ_INT(explain(log, "p3", &d, &out), 2);
	first = json_first(&d, json_get(&d, 0, "decisions"));
	T_CHECK(num_at(&d, first, k_seq) == 6);
	T_CHECK(num_at(&d, json_next(&d, json_get(&d, 0, "decisions"), first),
	    k_seq) == 4);
	T_CHECK(dec_log_new(0) == NULL);
	json_doc_free(&d);
	buf_free(&out);
	dec_log_free(log);
}

#define MANY 5000

static void
test_full_slot_counts_the_rest(void)
{
	static struct ext_node many[MANY];
	static char names[MANY][40];
	static struct dec_terms t[MANY + 1];
	static struct filter_out v[MANY];
	struct dec_log *log = dec_log_new(1);
	struct dec_input in;
	struct json_doc d;
	struct buf out;
	size_t i;
	int dec, res, kept = 0;
	static const char *const k_n[] = { "nodes", NULL };
	static const char *const k_not[] = { "nodes_not_kept", NULL };

	json_doc_init(&d);
	buf_init(&out);
	for (i = 0; i < MANY; i++) {
		size_t k;

		snprintf(names[i], sizeof(names[i]), "worker-%05zu.example", i);
		many[i].name = names[i];
		many[i].name_len = strlen(names[i]);
		v[i].v = VERDICT_PASS;
		/* As many terms as a node can have. */
		for (k = 0; k < DEC_TERMS_MAX; k++)
			dec_term(&t[i], (enum term)k, (double)k);
	}
	memset(&in, 0, sizeof(in));
	in.verb = ROUTE_FILTER;
	in.ns = "default";
	in.pod = "big";
	in.algorithm = "Fit";
	in.nodes = many;
	in.n = MANY;
	in.verdicts = v;
	in.terms = t;
	in.data_age = -1;
	dec_record(log, &in);
	T_EQ_INT(explain(log, "big", &d, &out), 1);
	dec = json_first(&d, json_get(&d, 0, "decisions"));
	T_CHECK(num_at(&d, dec, k_n) == MANY);
	for (res = json_first(&d, json_get(&d, dec, "results")); res > 0;
	    res = json_next(&d, json_get(&d, dec, "results"), res))
		kept++;
	/* 781 nodes (kube-scheduler's most), all terms each, fit; 5000
	 * do not. */
	T_CHECK(kept >= 781 && kept < MANY);
	T_EQ_INT((long)num_at(&d, dec, k_not), MANY - kept);
	json_doc_free(&d);
	buf_free(&out);
	dec_log_free(log);
}

static void
test_recording_allocates_nothing(void)
{
	struct dec_log *log = dec_log_new(8);
	struct dec_input in;
	struct filter_out v[NODES];
	struct dec_terms t[NODES + 1];
	long before;
	int i;

	filter_input(&in, v, t, "web-1");
	before = allocations;
	for (i = 0; i < 1000; i++)
		dec_record(log, &in);
	T_EQ_INT(allocations - before, 0);
	/* The wrapper counts: the log itself was allocated through it. */
	before = allocations;
	dec_log_free(log);
	log = dec_log_new(8);
	T_CHECK(allocations > before);
	dec_log_free(log);
}

static void
test_term_names(void)
{
	struct dec_terms t;

	T_EQ_STR(dec_term_name((enum term)(TERM_CAPACITY + DIM_MEM)),
	    "capacity.mem");
	T_EQ_STR(dec_term_name((enum term)(TERM_REQUESTED + DIM_CPU)),
	    "requested.cpu");
	T_EQ_STR(dec_term_name(TERM_LEAST_USED), "least_used");
	T_EQ_STR(dec_term_name(TERM_AGE), "age_seconds");
	memset(&t, 0, sizeof(t));
	for (size_t k = 0; k < DEC_TERMS_MAX + 3; k++)
		dec_term(&t, TERM_BAR, (double)k);
	T_EQ_INT(t.n, DEC_TERMS_MAX);		/* the rest dropped */
	T_CHECK(t.v[DEC_TERMS_MAX - 1] == DEC_TERMS_MAX - 1);
}

T_SUITE(
	{"filter_decision_json", test_filter_decision_json},
	{"prioritize_decision_and_text", test_prioritize_decision_and_text},
	{"ring_keeps_the_last_n", test_ring_keeps_the_last_n},
	{"full_slot_counts_the_rest", test_full_slot_counts_the_rest},
	{"recording_allocates_nothing", test_recording_allocates_nothing},
	{"term_names", test_term_names}
);
