/* NOP: accepts every node, scores every node 0 (wca-original.md 3.1). */
#include "algo.h"

const char *
algo_filter_pass(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, struct filter_out *out)
{
	size_t i;

	(void)ctx;
	(void)pod;
	(void)nodes;
	for (i = 0; i < n; i++) {
		out[i].v = VERDICT_PASS;
		out[i].reason = NULL;
	}
	return NULL;
}

void
algo_prioritize_zero(const struct algo_ctx *ctx, const struct ext_pod *pod,
    const struct ext_node *nodes, size_t n, double *priority)
{
	size_t i;

	(void)ctx;
	(void)pod;
	(void)nodes;
	for (i = 0; i < n; i++)
		priority[i] = 0;
}

const struct algo algo_nop = { ALGO_NOP, algo_filter_pass,
    algo_prioritize_zero, 0, 0 };
