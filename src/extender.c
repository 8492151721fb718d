/*
 * The extender verbs.  Requests are Go structs without json tags, so keys
 * are matched the way encoding/json does (exact, then case-insensitive),
 * which json_get implements.  Answers follow the original server's byte
 * layout (sorted keys, compact, trailing newline) so that parity tests
 * can compare bodies.
 */
#include "extender.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decisions.h"
#include "log.h"
#include "nodestore.h"
#include "podres.h"

void
ext_scratch_init(struct ext_scratch *s)
{
	json_doc_init(&s->doc);
	arena_init(&s->arena);
	s->rec_log = NULL;
}

void
ext_scratch_free(struct ext_scratch *s)
{
	json_doc_free(&s->doc);
	arena_free(&s->arena);
}

static int
type_error(const struct json_doc *d, int tok, const char *what,
    const char *expected, char err[EXT_ERR_LEN])
{
	return json_type_error(d, tok, what, expected, err, EXT_ERR_LEN);
}

/* A string token as a NUL-terminated string (arena), decoded if needed. */
static const char *
tok_str(const struct json_doc *d, int i, struct arena *a, size_t *lenp)
{
	const struct json_tok *t = &d->tok[i];
	size_t n;
	char *p;

	if (json_str_is_raw(d, i)) {
		n = t->end - t->start;
		p = arena_strndup(a, d->src + t->start, n);
	} else {
		n = (size_t)json_str(d, i, NULL, 0);
		p = arena_alloc(a, n + 1);
		json_str(d, i, p, n + 1);
	}
	if (lenp)
		*lenp = n;
	return p;
}

/* Optional string member: NULL when absent or null. */
static int
opt_str(const struct json_doc *d, int obj, const char *key, const char *what,
    struct arena *a, const char **out, char err[EXT_ERR_LEN])
{
	int v;

	*out = NULL;
	if (json_opt_member(d, obj, key, JSON_STRING, what, &v, err,
	    EXT_ERR_LEN) < 0)
		return -1;
	if (v >= 0)
		*out = tok_str(d, v, a, NULL);
	return 0;
}

static int
opt_obj(const struct json_doc *d, int obj, const char *key, const char *what,
    int *out, char err[EXT_ERR_LEN])
{
	return json_opt_member(d, obj, key, JSON_OBJECT, what, out, err,
	    EXT_ERR_LEN);
}

static int
decode_pod(const struct json_doc *d, int root, struct arena *a,
    struct ext_pod *pod, char err[EXT_ERR_LEN])
{
	int p, meta, labels;

	p = json_get(d, root, "Pod");
	if (p < 0 || d->tok[p].type == JSON_NULL) {
		snprintf(err, EXT_ERR_LEN, "offset %u: Pod: missing",
		    d->tok[root].start);
		return -1;
	}
	if (d->tok[p].type != JSON_OBJECT)
		return type_error(d, p, "Pod", "an object", err);
	pod->tok = p;
	if (opt_obj(d, p, "metadata", "Pod.metadata", &meta, err) < 0 ||
	    opt_str(d, meta, "namespace", "Pod.metadata.namespace", a,
	    &pod->ns, err) < 0 ||
	    opt_str(d, meta, "name", "Pod.metadata.name", a, &pod->name,
	    err) < 0 ||
	    opt_obj(d, meta, "labels", "Pod.metadata.labels", &labels,
	    err) < 0 ||
	    opt_str(d, labels, "app", "Pod.metadata.labels.app", a, &pod->app,
	    err) < 0)
		return -1;
	/* An empty namespace means "default" in the Kubernetes API. */
	if (pod->ns == NULL || *pod->ns == '\0')
		pod->ns = "default";
	if (pod->name == NULL)
		pod->name = "";
	return 0;
}

static int
decode_full_nodes(const struct json_doc *d, int list, struct arena *a,
    struct ext_args *out, char err[EXT_ERR_LEN])
{
	char what[64];
	int items, it, meta, name;
	size_t i = 0;

	out->full = 1;
	out->nodelist_tok = list;
	items = json_get(d, list, "items");
	if (items < 0 || d->tok[items].type == JSON_NULL)
		return 0;
	if (d->tok[items].type != JSON_ARRAY)
		return type_error(d, items, "Nodes.items", "an array", err);
	out->nodes = arena_alloc(a, d->tok[items].size * sizeof(*out->nodes));
	for (it = json_first(d, items); it >= 0; it = json_next(d, items, it)) {
		if (d->tok[it].type != JSON_OBJECT) {
			snprintf(what, sizeof(what), "Nodes.items[%zu]", i);
			return type_error(d, it, what, "an object", err);
		}
		meta = json_get(d, it, "metadata");
		if (meta < 0 || d->tok[meta].type != JSON_OBJECT) {
			snprintf(err, EXT_ERR_LEN, "offset %u: Nodes.items[%zu]."
			    "metadata: missing or not an object",
			    d->tok[it].start, i);
			return -1;
		}
		name = json_get(d, meta, "name");
		if (name < 0 || d->tok[name].type != JSON_STRING) {
			snprintf(err, EXT_ERR_LEN, "offset %u: Nodes.items[%zu]."
			    "metadata.name: missing or not a string",
			    d->tok[meta].start, i);
			return -1;
		}
		out->nodes[i].name = tok_str(d, name, a, &out->nodes[i].name_len);
		out->nodes[i].name_tok = name;
		out->nodes[i].tok = it;
		i++;
	}
	out->nnodes = i;
	return 0;
}

int
ext_decode_args(const struct json_doc *d, struct arena *a,
    struct ext_args *out, char err[EXT_ERR_LEN])
{
	int nodes, names, it;
	size_t i = 0;

	memset(out, 0, sizeof(*out));
	out->nodelist_tok = -1;
	if (d->tok[0].type != JSON_OBJECT)
		return type_error(d, 0, "ExtenderArgs", "an object", err);
	if (decode_pod(d, 0, a, &out->pod, err) < 0)
		return -1;
	nodes = json_get(d, 0, "Nodes");
	if (nodes >= 0 && d->tok[nodes].type != JSON_NULL) {
		if (d->tok[nodes].type != JSON_OBJECT)
			return type_error(d, nodes, "Nodes", "a NodeList object",
			    err);
		return decode_full_nodes(d, nodes, a, out, err);
	}
	names = json_get(d, 0, "NodeNames");
	if (names < 0 || d->tok[names].type == JSON_NULL)
		return 0;
	if (d->tok[names].type != JSON_ARRAY)
		return type_error(d, names, "NodeNames", "an array", err);
	out->nodes = arena_alloc(a, d->tok[names].size * sizeof(*out->nodes));
	for (it = json_first(d, names); it >= 0; it = json_next(d, names, it)) {
		if (d->tok[it].type != JSON_STRING) {
			char what[48];

			snprintf(what, sizeof(what), "NodeNames[%zu]", i);
			return type_error(d, it, what, "a string", err);
		}
		out->nodes[i].name = tok_str(d, it, a, &out->nodes[i].name_len);
		out->nodes[i].name_tok = it;
		out->nodes[i].tok = -1;
		i++;
	}
	out->nnodes = i;
	return 0;
}

/* ---- answers ---- */

static void
write_error_body(struct buf *out, const char *msg)
{
	buf_adds(out, "{\"Error\":");
	json_write_str(out, msg, strlen(msg));
	buf_adds(out, "}\n");
}

/*
 * A node name as JSON.  A name without escapes is copied from the request
 * as it came (it was validated as JSON there); only escaped names are
 * written out again.
 */
static void
write_node_name(struct buf *out, const struct json_doc *d,
    const struct ext_node *n)
{
	const struct json_tok *t = &d->tok[n->name_tok];

	if (!t->escaped) {
		buf_reserve(out, t->end - t->start + 2);
		buf_addc(out, '"');
		buf_add(out, d->src + t->start, t->end - t->start);
		buf_addc(out, '"');
	} else
		json_write_str(out, n->name, n->name_len);
}

static void
write_span(struct buf *out, const struct json_doc *d, int tok)
{
	const struct json_tok *t = &d->tok[tok];

	buf_add(out, d->src + t->start, t->end - t->start);
}

/* Accepted nodes in the form asked: names, or the request's own bytes. */
static void
write_accepted(struct buf *out, const struct json_doc *d,
    const struct ext_args *a, const struct filter_out *v)
{
	size_t i;
	int first = 1, meta;

	if (!a->full) {
		buf_adds(out, "\"NodeNames\":[");
		for (i = 0; i < a->nnodes; i++) {
			if (v && v[i].v != VERDICT_PASS)
				continue;
			if (!first)
				buf_addc(out, ',');
			first = 0;
			write_node_name(out, d, &a->nodes[i]);
		}
		buf_adds(out, "],\"Nodes\":null");
		return;
	}
	buf_adds(out, "\"NodeNames\":null,\"Nodes\":{");
	meta = json_get(d, a->nodelist_tok, "metadata");
	if (meta >= 0 && d->tok[meta].type == JSON_OBJECT) {
		buf_adds(out, "\"metadata\":");
		write_span(out, d, meta);
		buf_addc(out, ',');
	}
	buf_adds(out, "\"items\":[");
	for (i = 0; i < a->nnodes; i++) {
		if (v && v[i].v != VERDICT_PASS)
			continue;
		if (!first)
			buf_addc(out, ',');
		first = 0;
		write_span(out, d, a->nodes[i].tok);
	}
	buf_adds(out, "]}");
}

static void
write_filter(struct buf *out, const struct json_doc *d,
    const struct ext_args *a, const struct filter_out *v, const char *error)
{
	size_t i;
	int first = 1;

	buf_reserve(out, a->full ? d->len + 256 : a->nnodes * 24 + 64);
	buf_adds(out, "{\"Error\":");
	json_write_str(out, error ? error : "", error ? strlen(error) : 0);
	buf_adds(out, ",\"FailedNodes\":{");
	for (i = 0; v && i < a->nnodes; i++) {
		if (v[i].v != VERDICT_FAIL)
			continue;
		if (!first)
			buf_addc(out, ',');
		first = 0;
		write_node_name(out, d, &a->nodes[i]);
		buf_addc(out, ':');
		json_write_str(out, v[i].reason ? v[i].reason : "",
		    v[i].reason ? strlen(v[i].reason) : 0);
	}
	buf_adds(out, "},");
	if (error) {
		buf_adds(out, "\"NodeNames\":null,\"Nodes\":null}\n");
		return;
	}
	write_accepted(out, d, a, v);
	buf_adds(out, "}\n");
}

/*
 * The score kube-scheduler gets.  wca: the original's int(), which
 * truncates and may leave 0..max.  clamp: rounded to the nearest integer
 * and limited to 0..max_node_score, so 0.99 and 0.0 no longer tie.
 */
static long
score_of(const struct config *cfg, const struct algo *algo, double priority)
{
	double s = priority * cfg->max_node_score;

	if (algo->scale > 0)
		s /= algo->scale;	/* round(score * max / 100), always */
	if (!isfinite(s))
		return 0;
	if (cfg->score_mode == SCORE_WCA && algo->scale <= 0) {
		if (s > 1e15 || s < -1e15)
			return s > 0 ? (long)1e15 : (long)-1e15;
		return (long)s;
	}
	s = floor(s + 0.5);
	if (s < 0)
		return 0;
	if (s > floor(cfg->max_node_score))
		return (long)floor(cfg->max_node_score);
	return (long)s;
}

static int
cmp_node_name(const void *x, const void *y)
{
	const struct ext_node *a = *(const struct ext_node *const *)x;
	const struct ext_node *b = *(const struct ext_node *const *)y;
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);

	if (c)
		return c;
	return a->name_len < b->name_len ? -1 : a->name_len > b->name_len;
}

static void
write_priorities(struct buf *out, const struct config *cfg,
    const struct algo *algo, const struct json_doc *d, const struct ext_args *a, const double *prio,
    long *scores, struct arena *ar)
{
	const struct ext_node **order;
	size_t i;

	order = arena_alloc(ar, (a->nnodes + 1) * sizeof(*order));
	for (i = 0; i < a->nnodes; i++)
		order[i] = &a->nodes[i];
	/* The original answers in node-name order; keep that in wca mode. */
	if (cfg->score_mode == SCORE_WCA)
		qsort(order, a->nnodes, sizeof(*order), cmp_node_name);
	buf_reserve(out, a->nnodes * 40 + 4);
	buf_addc(out, '[');
	for (i = 0; i < a->nnodes; i++) {
		size_t k = (size_t)(order[i] - a->nodes);
		long score = score_of(cfg, algo, prio[k]);

		if (i)
			buf_addc(out, ',');
		buf_adds(out, "{\"Host\":");
		write_node_name(out, d, order[i]);
		buf_add(out, ",\"Score\":", 9);
		buf_add_long(out, score);
		if (scores)
			scores[k] = score;
		buf_addc(out, '}');
	}
	buf_adds(out, "]\n");
}

/* Seconds since the newest commit of any source; -1 when none. */
static double
data_age(const struct ns_store *store, double now)
{
	struct ns_source_stats st;
	double newest = -1;
	size_t i;

	for (i = 0; store && i < ns_source_count(store); i++)
		if (ns_source_stats(store, i, &st) == 0 && st.has_data &&
		    st.success_time > newest)
			newest = st.success_time;
	return newest < 0 ? -1 : now - newest;
}

/* The decision, kept for ext_record() (when there is a log). */
static void
record(struct dec_log *log, struct ext_scratch *s, enum route r,
    const struct algo_ctx *ctx, const struct ext_args *a,
    const char *algorithm, int status, const char *error,
    const struct filter_out *v, const double *prio, const long *scores)
{
	struct dec_input in;

	if (log == NULL)
		return;
	memset(&in, 0, sizeof(in));
	in.verb = r;
	in.ns = a->pod.ns;
	in.pod = a->pod.name;
	in.app = a->pod.app;
	in.algorithm = algorithm;
	in.unix_now = ctx->unix_now;
	in.data_age = data_age(ctx->store, ctx->now);
	in.status = status;
	in.error = error;
	in.nodes = a->nodes;
	in.n = a->nnodes;
	in.verdicts = v;
	in.priority = prio;
	in.score = scores;
	in.terms = ctx->terms;
	in.pod_terms = ctx->terms ? &ctx->terms[a->nnodes] : NULL;
	s->rec = in;
	s->rec_log = log;
}

int
ext_record(struct ext_scratch *s)
{
	if (s->rec_log == NULL)
		return 0;
	dec_record(s->rec_log, &s->rec);
	s->rec_log = NULL;
	return 1;
}

static int
handle_filter_or_prioritize(enum route r, const struct config *cfg,
    const struct ns_store *store, double now, double unix_now,
    struct algo_memo *memo, struct dec_log *log,
    struct ext_scratch *s, struct buf *out, long *nodes)
{
	const struct algo *algo = algo_for(cfg->algo);
	struct algo_ctx ctx = { cfg, &s->doc, &s->arena, store, now, memo,
	    unix_now, NULL };
	struct ext_args a;
	struct pod_spec spec;
	char err[EXT_ERR_LEN];

	if (ext_decode_args(&s->doc, &s->arena, &a, err) < 0) {
		write_error_body(out, err);
		return 400;
	}
	*nodes = (long)a.nnodes;
	if (!config_namespace_judged(cfg, a.pod.ns, strlen(a.pod.ns))) {
		stats.passed_through[r]++;
		log_debug(LOGGER_ALGORITHM, "pod passed through namespace=%s "
		    "pod=%s verb=%s", a.pod.ns, a.pod.name, route_name(r));
		if (r == ROUTE_FILTER)
			write_filter(out, &s->doc, &a, NULL, NULL);
		else
			buf_adds(out, "[]\n");
		if (r == ROUTE_FILTER)
			record(log, s, r, &ctx, &a, "none (namespace not judged)",
			    200, NULL, NULL, NULL, NULL);
		return 200;
	}
	if (algo->needs & ALGO_NEEDS_POD_SPEC) {
		if (pod_spec_decode(&s->doc, a.pod.tok, &s->arena, &spec, err,
		    sizeof(err)) < 0) {
			write_error_body(out, err);
			return 400;
		}
		a.pod.spec = &spec;
	}
	if (log != NULL) {
		size_t i;

		/* Only the counts need clearing: a term is read below its n. */
		ctx.terms = arena_alloc(&s->arena,
		    (a.nnodes + 1) * sizeof(*ctx.terms));
		for (i = 0; i <= a.nnodes; i++)
			ctx.terms[i].n = 0;
	}
	if (r == ROUTE_FILTER) {
		struct filter_out *v = arena_alloc(&s->arena,
		    (a.nnodes + 1) * sizeof(*v));
		const char *error = algo->filter(&ctx, &a.pod, a.nodes,
		    a.nnodes, v);

		write_filter(out, &s->doc, &a, v, error);
		record(log, s, r, &ctx, &a, algo_name(cfg->algo), 200, error,
		    error ? NULL : v, NULL, NULL);
	} else {
		double *prio = arena_alloc(&s->arena,
		    (a.nnodes + 1) * sizeof(*prio));
		long *scores = log ? arena_alloc(&s->arena,
		    (a.nnodes + 1) * sizeof(*scores)) : NULL;

		algo->prioritize(&ctx, &a.pod, a.nodes, a.nnodes, prio);
		write_priorities(out, cfg, algo, &s->doc, &a, prio, scores,
		    &s->arena);
		record(log, s, r, &ctx, &a, algo_name(cfg->algo), 200, NULL,
		    NULL, prio, scores);
	}
	return 200;
}

/* One victims entry in the MetaVictims form. */
static int
write_meta_victims(struct buf *out, const struct json_doc *d, int victims,
    int meta_form, struct arena *a, char err[EXT_ERR_LEN])
{
	int pods, pdb, p, first = 1;

	if (d->tok[victims].type == JSON_NULL) {
		buf_adds(out, "null");
		return 0;
	}
	if (d->tok[victims].type != JSON_OBJECT)
		return type_error(d, victims, "victims", "an object", err);
	if (meta_form) {
		write_span(out, d, victims);
		return 0;
	}
	pods = json_get(d, victims, "Pods");
	pdb = json_get(d, victims, "NumPDBViolations");
	buf_adds(out, "{\"Pods\":[");
	if (pods >= 0 && d->tok[pods].type == JSON_ARRAY) {
		for (p = json_first(d, pods); p >= 0; p = json_next(d, pods, p)) {
			const char *uid = NULL;
			int meta = -1;

			if (d->tok[p].type != JSON_OBJECT)
				return type_error(d, p, "victim pod",
				    "an object", err);
			if (opt_obj(d, p, "metadata", "victim.metadata", &meta,
			    err) < 0 || opt_str(d, meta, "uid",
			    "victim.metadata.uid", a, &uid, err) < 0)
				return -1;
			if (!first)
				buf_addc(out, ',');
			first = 0;
			buf_adds(out, "{\"UID\":");
			json_write_str(out, uid ? uid : "", uid ? strlen(uid) : 0);
			buf_addc(out, '}');
		}
	} else if (pods >= 0 && d->tok[pods].type != JSON_NULL)
		return type_error(d, pods, "victims.Pods", "an array", err);
	buf_adds(out, "],\"NumPDBViolations\":");
	if (pdb >= 0 && d->tok[pdb].type == JSON_NUMBER)
		write_span(out, d, pdb);
	else
		buf_addc(out, '0');
	buf_addc(out, '}');
	return 0;
}

/* NOP preemption: every proposed victim set is accepted as it is. */
static int
handle_preempt(struct ext_scratch *s, struct buf *out, long *nodes)
{
	const struct json_doc *d = &s->doc;
	char err[EXT_ERR_LEN];
	int map, k, meta_form = 1, first = 1;
	long n = 0;

	if (d->tok[0].type != JSON_OBJECT) {
		type_error(d, 0, "ExtenderPreemptionArgs", "an object", err);
		goto bad;
	}
	map = json_get(d, 0, "NodeNameToMetaVictims");
	if (map < 0 || d->tok[map].type == JSON_NULL) {
		map = json_get(d, 0, "NodeNameToVictims");
		meta_form = 0;
	}
	buf_adds(out, "{\"NodeNameToMetaVictims\":{");
	if (map >= 0 && d->tok[map].type != JSON_NULL) {
		if (d->tok[map].type != JSON_OBJECT) {
			type_error(d, map, meta_form ? "NodeNameToMetaVictims" :
			    "NodeNameToVictims", "an object", err);
			goto bad;
		}
		for (k = json_first(d, map); k >= 0; k = json_next(d, map, k)) {
			size_t len;
			const char *name = tok_str(d, k, &s->arena, &len);

			if (!first)
				buf_addc(out, ',');
			first = 0;
			json_write_str(out, name, len);
			buf_addc(out, ':');
			if (write_meta_victims(out, d, k + 1, meta_form,
			    &s->arena, err) < 0)
				goto bad;
			n++;
		}
	}
	buf_adds(out, "}}\n");
	*nodes = n;
	return 200;
bad:
	out->len = 0;
	write_error_body(out, err);
	return 400;
}

int
ext_handle(enum route r, const struct config *cfg,
    const struct ns_store *store, double now, double unix_now,
    struct algo_memo *memo,
    struct ext_scratch *s, const char *body, size_t len, struct buf *out,
    long *nodes)
{
	return ext_handle_recorded(r, cfg, store, now, unix_now, memo, NULL,
	    s, body, len, out, nodes);
}

int
ext_handle_recorded(enum route r, const struct config *cfg,
    const struct ns_store *store, double now, double unix_now,
    struct algo_memo *memo, struct dec_log *log,
    struct ext_scratch *s, const char *body, size_t len, struct buf *out,
    long *nodes)
{
	char err[JSON_ERR_LEN];
	int status;

	*nodes = -1;
	s->rec_log = NULL;	/* a decision not recorded by now never is */
	arena_reset(&s->arena);
	if (json_parse(&s->doc, body, len, err) < 0) {
		write_error_body(out, err);
		return 400;
	}
	if (r == ROUTE_PREEMPT)
		status = handle_preempt(s, out, nodes);
	else
		status = handle_filter_or_prioritize(r, cfg, store, now, unix_now,
		    memo, log, s, out, nodes);
	return status;
}
