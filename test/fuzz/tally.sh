#!/bin/sh
# test/fuzz/tally.sh [FILE]: total executions per harness from the lines
# test/fuzz/run.sh appends (default build/fuzz/executions.tsv), as the
# markdown table docs/robustness.md carries, with the findings counted.
f=${1:-build/fuzz/executions.tsv}
[ -r "$f" ] || { echo "tally: no $f (run make fuzz first)" >&2; exit 1; }
awk -F '\t' '
	{ runs[$2] += $4; secs[$2] += $3; if ($5 == "finding") bad[$2]++
	  if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
	END {
		print "| harness | seconds | executions | findings |"
		print "|---|---:|---:|---:|"
		for (i = 1; i <= n; i++) { h = order[i]
			printf "| fuzz_%s | %d | %d | %d |\n", h, secs[h], runs[h], bad[h] + 0 }
	}' "$f"
