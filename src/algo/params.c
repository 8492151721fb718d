/*
 * The effective parameters of the configured algorithm, for /status:
 * only the keys that algorithm reads, with defaults filled in, so an
 * operator sees what is applied rather than what was typed.
 */
#include "algo.h"

#include <string.h>

#include "json.h"

#define A(x)	(1u << (x))
#define WCA_ALL	(A(ALGO_FIT) | A(ALGO_LEAST_USED) | A(ALGO_BAR) | \
		 A(ALGO_LEAST_USED_BAR) | A(ALGO_HIER_BAR) | \
		 A(ALGO_DRAM_HIT_RATIO) | A(ALGO_SCORE) | A(ALGO_STATIC_ASSIGNER))
#define LOAD_ALL (A(ALGO_TARGET_LOAD_PACKING) | A(ALGO_LOAD_VARIATION_RISK) | \
		 A(ALGO_LOW_RISK_OVERCOMMIT))

static void
key(struct buf *b, int *first, const char *k)
{
	if (!*first)
		buf_addc(b, ',');
	*first = 0;
	json_write_str(b, k, strlen(k));
	buf_addc(b, ':');
}

static void
weights(struct buf *b, const double *w, const int *given)
{
	int d, first = 1;

	buf_addc(b, '{');
	for (d = 0; d < DIM_COUNT; d++) {
		if (!given[d])
			continue;
		key(b, &first, dim_name((enum dim)d));
		json_write_num(b, w[d]);
	}
	buf_addc(b, '}');
}

static void
static_targets(struct buf *b, const struct config *c)
{
	const char *node = NULL;
	size_t i;
	int first = 1, inner = 1;

	buf_addc(b, '{');
	for (i = 0; i < c->nstatic_targets; i++) {
		const struct static_target *t = &c->static_targets[i];

		if (node == NULL || strcmp(node, t->node) != 0) {
			if (node)
				buf_addc(b, '}');
			key(b, &first, t->node);
			buf_addc(b, '{');
			node = t->node;
			inner = 1;
		}
		key(b, &inner, t->app);
		buf_add_long(b, t->count);
	}
	if (node)
		buf_addc(b, '}');
	buf_addc(b, '}');
}

void
algo_params_json(const struct config *c, struct buf *b)
{
	unsigned me = A(c->algo);
	int first = 1;
	size_t i;

	buf_addc(b, '{');
	key(b, &first, "score_mode");
	if (me & LOAD_ALL)	/* always round(score * max_node_score / 100) */
		buf_adds(b, "\"round(score * max_node_score / 100)\"");
	else
		buf_adds(b, c->score_mode == SCORE_WCA ? "\"wca\"" :
		    "\"clamp\"");
	key(b, &first, "max_node_score");
	json_write_num(b, c->max_node_score);
	if (me & WCA_ALL) {
		key(b, &first, "dimensions");
		buf_addc(b, '[');
		for (i = 0; i < c->ndims; i++) {
			if (i)
				buf_addc(b, ',');
			json_write_str(b, dim_name(c->dims[i]),
			    strlen(dim_name(c->dims[i])));
		}
		buf_addc(b, ']');
	}
	if (me & (WCA_ALL & ~A(ALGO_DRAM_HIT_RATIO))) {
		key(b, &first, "unknown_app");
		buf_adds(b, c->unknown_app == UNKNOWN_APP_FAIL ? "\"fail\"" :
		    "\"pass\"");
	}
	if (me & (A(ALGO_FIT) | A(ALGO_SCORE))) {
		key(b, &first, "cpu_scale_factor");
		json_write_num(b, c->cpu_scale_factor);
	}
	if (me & A(ALGO_LEAST_USED_BAR)) {
		key(b, &first, "least_used_weight");
		json_write_num(b, c->least_used_weight);
	}
	if (me & (A(ALGO_LEAST_USED) | A(ALGO_LEAST_USED_BAR))) {
		key(b, &first, "least_used_weights");
		if (c->has_least_used_weights)
			weights(b, c->least_used_weights,
			    c->has_least_used_weight_for);
		else
			buf_adds(b, c->score_mode == SCORE_WCA ?
			    "\"default: 1 per dimension, plus membw_flat\"" :
			    "\"default: 1 per dimension\"");
	}
	if (me & (A(ALGO_BAR) | A(ALGO_LEAST_USED_BAR))) {
		key(b, &first, "bar_weights");
		weights(b, c->bar_weights, c->has_bar_weight_for);
	}
	if (me & A(ALGO_HIER_BAR)) {
		key(b, &first, "merge_threshold");
		if (c->has_merge_threshold)
			json_write_num(b, c->merge_threshold);
		else
			buf_adds(b, "null");
	}
	if (me & (A(ALGO_DRAM_HIT_RATIO) | A(ALGO_SCORE))) {
		key(b, &first, "threshold");
		json_write_num(b, c->threshold);
	}
	if (me & A(ALGO_SCORE)) {
		key(b, &first, "score_target");
		if (c->has_score_target)
			json_write_num(b, c->score_target);
		else
			buf_adds(b, "null");
		key(b, &first, "strict_mode_placement");
		buf_adds(b, c->strict_mode_placement ? "true" : "false");
	}
	if (me & A(ALGO_STATIC_ASSIGNER)) {
		key(b, &first, "targeted_assigned_apps_counts");
		static_targets(b, c);
	}
	if (me & A(ALGO_TARGET_LOAD_PACKING)) {
		key(b, &first, "target_utilization");
		json_write_num(b, c->target_utilization > 0 ?
		    c->target_utilization : 40);
		key(b, &first, "default_cpu_request_millicores");
		json_write_num(b, c->default_cpu_request);
		key(b, &first, "default_requests_multiplier");
		json_write_num(b, c->default_requests_multiplier);
	}
	if (me & A(ALGO_LOAD_VARIATION_RISK)) {
		key(b, &first, "safe_variance_margin");
		json_write_num(b, c->safe_variance_margin);
		key(b, &first, "safe_variance_sensitivity");
		json_write_num(b, c->safe_variance_sensitivity);
	}
	if (me & A(ALGO_LOW_RISK_OVERCOMMIT)) {
		key(b, &first, "smoothing_window");
		buf_add_long(b, c->smoothing_window);
		key(b, &first, "risk_limit_weights");
		buf_adds(b, "{\"cpu\":");
		json_write_num(b, c->risk_limit_cpu);
		buf_adds(b, ",\"memory\":");
		json_write_num(b, c->risk_limit_memory);
		buf_addc(b, '}');
	}
	if (me & LOAD_ALL) {
		key(b, &first, "fallback");
		buf_adds(b, c->fallback == FALLBACK_ZERO ? "\"zero\"" :
		    "\"least_allocated\"");
		key(b, &first, "window");
		json_write_num(b, c->window);
	}
	buf_addc(b, '}');
}
