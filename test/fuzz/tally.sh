#!/bin/sh
# test/fuzz/tally.sh [--record] [FILE...]: total executions per harness,
# as the markdown table docs/robustness.md carries, with the findings
# counted.  The lines are those test/fuzz/run.sh appends ("date harness
# seconds executions result"), from the committed ledger
# test/fuzz/executions.tsv and this machine's build/fuzz/executions.tsv
# unless FILEs are named.  --record first moves this machine's lines into
# the ledger (build/ does not outlive a machine; the ledger is committed).
cd "$(dirname "$0")/../.."
LEDGER=test/fuzz/executions.tsv
LOCAL=build/fuzz/executions.tsv
if [ "${1:-}" = "--record" ]; then
	shift
	if [ -s "$LOCAL" ]; then
		cat "$LOCAL" >>"$LEDGER" && : >"$LOCAL" ||
		    { echo "tally: cannot move $LOCAL into $LEDGER" >&2; exit 1; }
	fi
fi
[ $# -gt 0 ] || set -- "$LEDGER" $( [ -s "$LOCAL" ] && echo "$LOCAL")
for f in "$@"; do
	[ -r "$f" ] || { echo "tally: no $f (run make fuzz first)" >&2; exit 1; }
done
awk -F '\t' '
	/^#/ || NF < 5 { next }
	{ runs[$2] += $4; secs[$2] += $3; if ($5 == "finding") bad[$2]++
	  if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
	END {
		print "| harness | seconds | executions | findings |"
		print "|---|---:|---:|---:|"
		for (i = 1; i <= n; i++) { h = order[i]
			printf "| fuzz_%s | %d | %d | %d |\n", h, secs[h], runs[h], bad[h] + 0 }
	}' "$@"
