#!/bin/sh
# contrib/plot/heatmap.sh: compare algorithms on one cluster as pictures.
#
#   contrib/plot/heatmap.sh -c BASE.ini --metrics CLUSTER.prom --pods PODS \
#       -o OUTDIR [ALGORITHM...]
#
# For each ALGORITHM (default: Fit LeastUsed BAR LeastUsedBAR HierBAR),
# BASE.ini with its [algorithm] name set to it, `wca-scheduler simulate
# --csv` places PODS on CLUSTER.prom (a GET /snapshot), and gnuplot
# (Debian: gnuplot-nox) draws OUTDIR/ALGORITHM.png: utilisation per node
# and dimension.  OUTDIR/ALGORITHM.txt keeps simulate's report.
# WCA_SCHEDULER names the binary (default: wca-scheduler on PATH, else
# build/wca-scheduler).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${WCA_SCHEDULER:-$(command -v wca-scheduler || echo "$here/../../build/wca-scheduler")}
base= metrics= pods= out=
while [ $# -gt 0 ]; do
	case $1 in
	-c) base=$2; shift 2 ;;
	--metrics) metrics=$2; shift 2 ;;
	--pods) pods=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	-*) echo "heatmap.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ -z "$base" ] || [ -z "$metrics" ] || [ -z "$pods" ] || [ -z "$out" ]; then
	sed -n '2,14s/^# \{0,1\}//p' "$0" >&2
	exit 2
fi
command -v gnuplot >/dev/null || { echo "heatmap.sh: gnuplot not installed (apt-get install gnuplot-nox)" >&2; exit 1; }
[ $# -gt 0 ] || set -- Fit LeastUsed BAR LeastUsedBAR HierBAR
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for algo in "$@"; do
	# [algorithm] name = ALGO; every other key as in BASE.ini.
	awk -v a="$algo" '
		/^\[/ { sec = $0 }
		sec == "[algorithm]" && /^[ \t]*name[ \t]*=/ { print "name = " a; next }
		{ print }' "$base" >"$tmp/$algo.ini"
	grep -q "^name = $algo\$" "$tmp/$algo.ini" ||
		{ echo "heatmap.sh: $base has no [algorithm] name line" >&2; exit 2; }
	"$bin" simulate -c "$tmp/$algo.ini" --metrics "$metrics" --pods "$pods" \
	    >"$out/$algo.txt"
	"$bin" simulate -c "$tmp/$algo.ini" --metrics "$metrics" --pods "$pods" \
	    --csv >"$tmp/$algo.csv"
	# node,pods,dim... -> "node dim..." (the pods column left out)
	awk -F, '{ printf "%s", $1; for (i = 3; i <= NF; i++) printf " %s", ($i == "-" ? "NaN" : $i); print "" }' \
	    "$tmp/$algo.csv" >"$tmp/$algo.dat"
	gnuplot -e "in='$tmp/$algo.dat'; out='$out/$algo.png'; title='$algo'" \
	    "$here/heatmap.gp"
	echo "$out/$algo.png"
done
