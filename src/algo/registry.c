#include "algo.h"

const struct algo *
algo_for(enum algo_id id)
{
	switch (id) {
	case ALGO_NOP:
		return &algo_nop;
	default:
		return NULL;
	}
}
