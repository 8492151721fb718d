#include "algo.h"

const struct algo *
algo_for(enum algo_id id)
{
	switch (id) {
	case ALGO_NOP:
		return &algo_nop;
	case ALGO_FIT:
		return &algo_fit;
	case ALGO_LEAST_USED:
		return &algo_least_used;
	case ALGO_BAR:
		return &algo_bar;
	case ALGO_LEAST_USED_BAR:
		return &algo_least_used_bar;
	case ALGO_HIER_BAR:
		return &algo_hier_bar;
	case ALGO_DRAM_HIT_RATIO:
		return &algo_dram_hit_ratio;
	case ALGO_SCORE:
		return &algo_score;
	case ALGO_STATIC_ASSIGNER:
		return &algo_static_assigner;
	case ALGO_TARGET_LOAD_PACKING:
		return &algo_target_load_packing;
	case ALGO_LOAD_VARIATION_RISK:
		return &algo_load_variation_risk;
	case ALGO_LOW_RISK_OVERCOMMIT:
		return &algo_low_risk_overcommit;
	default:
		return NULL;
	}
}
