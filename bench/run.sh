#!/usr/bin/env bash
# bench/run.sh: load-test build/wca-scheduler with wrk the way kube-scheduler
# calls it, print a markdown report and keep a copy in bench/last-run.md.
# `make bench` runs it from the repository root after building; see
# bench/README.md for what is measured and how to read the table.
#
# Environment (all optional):
#   BENCH_SECONDS  seconds per wrk run (default 3)
#   BENCH_NODES    node counts (default "10 100 500 781 5000")
#   BENCH_VERBS    default "filter prioritize"
#   BENCH_FORMS    default "names nodes"
#   BENCH_CONNS    wrk connection counts, exactly two (default "1 16")
#   BENCH_PORT     first port tried on 127.0.0.1 (default 31899)
#   BENCH_OUT      report copy (default bench/last-run.md)
#   WCA_BIN        server binary (default build/wca-scheduler)
#   BENCH_SCRAPE_LOAD, BENCH_ALGO_LOAD, BENCH_TLS_LOAD, BENCH_OVERLOAD
#                  0 skips that part (default 1)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD

BIN=${WCA_BIN:-build/wca-scheduler}
DECODE_BENCH=${DECODE_BENCH:-build/bench/decode_bench}
PROMTEXT_BENCH=${PROMTEXT_BENCH:-build/bench/promtext_bench}
NODESTORE_BENCH=${NODESTORE_BENCH:-build/bench/nodestore_bench}
RUN_SCRAPE_LOAD=${BENCH_SCRAPE_LOAD:-1}
RUN_ALGO_LOAD=${BENCH_ALGO_LOAD:-1}
RUN_TLS_LOAD=${BENCH_TLS_LOAD:-1}
RUN_OVERLOAD=${BENCH_OVERLOAD:-1}
SECS=${BENCH_SECONDS:-3}
NODE_COUNTS=${BENCH_NODES:-"10 100 500 781 5000"}
VERBS=${BENCH_VERBS:-"filter prioritize"}
FORMS=${BENCH_FORMS:-"names nodes"}
read -r -a CONNS <<<"${BENCH_CONNS:-1 16}"
PORT_BASE=${BENCH_PORT:-31899}
OUT=${BENCH_OUT:-bench/last-run.md}
LUA=$ROOT/bench/wrk-post.lua
GEN=$ROOT/test/lib/k8sgen.py
PYTHON=${PYTHON:-python3}

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# ---- preconditions --------------------------------------------------------

command -v wrk >/dev/null 2>&1 || die "wrk not found in PATH.
  Install it (Debian/Ubuntu: sudo apt-get install wrk) and run 'make bench' again."
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (needed by test/lib/k8sgen.py)"
[[ -x $BIN ]] || die "$BIN is missing or not executable; run 'make' first"
[[ $SECS =~ ^[1-9][0-9]*$ ]] || die "BENCH_SECONDS must be a positive integer, got '$SECS'"
[[ ${#CONNS[@]} -eq 2 ]] || die "BENCH_CONNS must hold exactly two counts, got '${CONNS[*]}'"
for c in "${CONNS[@]}"; do
	[[ $c =~ ^[1-9][0-9]*$ ]] || die "bad connection count '$c' in BENCH_CONNS"
done
for n in $NODE_COUNTS; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || die "bad node count '$n' in BENCH_NODES"
done
for v in $VERBS; do
	[[ $v == filter || $v == prioritize ]] || die "bad verb '$v' in BENCH_VERBS"
done
for f in $FORMS; do
	[[ $f == names || $f == nodes ]] || die "bad form '$f' in BENCH_FORMS"
done
[[ $PORT_BASE =~ ^[0-9]+$ ]] || die "BENCH_PORT must be a number"

HAVE_CURL=0
command -v curl >/dev/null 2>&1 && HAVE_CURL=1

# ---- temp dir, server process, cleanup ----------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/wca-bench.XXXXXX")
SERVER_PID=

# shellcheck disable=SC2317  # invoked through the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [[ -n $SERVER_PID ]]; then
		if kill -0 "$SERVER_PID" 2>/dev/null; then
			kill -TERM "$SERVER_PID" 2>/dev/null || true
			local i
			for ((i = 0; i < 50; i++)); do
				kill -0 "$SERVER_PID" 2>/dev/null || break
				sleep 0.1
			done
			if kill -0 "$SERVER_PID" 2>/dev/null; then
				log "server $SERVER_PID ignored SIGTERM for 5 s; sending SIGKILL"
				kill -KILL "$SERVER_PID" 2>/dev/null || true
			fi
		fi
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# HTTP GET; prints the status code (000 when nothing answered).
http_status() {
	if ((HAVE_CURL)); then
		curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" || true
	else
		"$PYTHON" - "$1" <<'EOF' || true
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).status, end="")
except urllib.error.HTTPError as e:
    print(e.code, end="")
except Exception:
    print("000", end="")
EOF
	fi
}

# A port nobody listens on: a refused connect means free.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

PORT=
for ((p = PORT_BASE; p < PORT_BASE + 50; p++)); do
	if port_free "$p"; then PORT=$p; break; fi
done
[[ -n $PORT ]] || die "no free port in $PORT_BASE..$((PORT_BASE + 49)) on 127.0.0.1"
BASE_URL=http://127.0.0.1:$PORT

# CPU pinning: server on one CPU, wrk on another, when both are ours to use.
SERVER_CPU=${BENCH_SERVER_CPU:-0}
CLIENT_CPU=${BENCH_CLIENT_CPU:-1}
PIN_SERVER=()
PIN_CLIENT=()
PINNING="none (taskset missing or fewer than 2 usable CPUs)"
if command -v taskset >/dev/null 2>&1 &&
	taskset -c "$SERVER_CPU" true 2>/dev/null &&
	taskset -c "$CLIENT_CPU" true 2>/dev/null &&
	[[ $SERVER_CPU != "$CLIENT_CPU" ]]; then
	PIN_SERVER=(taskset -c "$SERVER_CPU")
	PIN_CLIENT=(taskset -c "$CLIENT_CPU")
	PINNING="server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU (taskset)"
fi

# ---- request bodies (before the server starts, so they do not disturb it) --

log "generating bodies for $NODE_COUNTS nodes ($FORMS) into $TMP"
"$PYTHON" "$GEN" bodies --out-dir "$TMP/bodies" \
	--nodes "$(tr -s ' ' ',' <<<"$NODE_COUNTS" | sed 's/^,//; s/,$//')" \
	--forms "$(tr -s ' ' ',' <<<"$FORMS" | sed 's/^,//; s/,$//')" >/dev/null

body_file() { printf '%s/bodies/args-%s-%s.json' "$TMP" "$1" "$2"; }

# ---- start the server ----------------------------------------------------

CONF=$TMP/bench.ini
cat >"$CONF" <<EOF
[server]
listen = 127.0.0.1:$PORT
max_connections = 512
max_body = 64M
[loggers]
* = warn
[algorithm]
name = NOP
EOF

SERVER_LOG=$TMP/server.log
log "starting $BIN on 127.0.0.1:$PORT"
${PIN_SERVER[@]+"${PIN_SERVER[@]}"} "$BIN" -c "$CONF" $([ "$(id -u)" -eq 0 ] && echo --allow-root) >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

# kill -0 succeeds on an exited but unreaped child, so look at its state too.
server_alive() {
	kill -0 "$SERVER_PID" 2>/dev/null || return 1
	[[ -r /proc/$SERVER_PID/status ]] || return 0
	! grep -q '^State:[[:space:]]*Z' "/proc/$SERVER_PID/status"
}
server_log_tail() { tail -n 20 "$SERVER_LOG" | sed 's/^/  server: /' >&2; }

up=0
for ((i = 0; i < 50; i++)); do # about 5 s
	if ! server_alive; then
		server_log_tail
		die "server exited during startup"
	fi
	if [[ $(http_status "$BASE_URL/healthz") == 200 ]]; then up=1; break; fi
	sleep 0.1
done
if ((!up)); then
	server_log_tail
	die "GET /healthz did not answer 200 within 5 s"
fi

proc_kb() { # field of /proc/PID/status in kB, or empty
	awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || true
}
IDLE_RSS_KB=$(proc_kb VmRSS)
log "server $SERVER_PID up, idle RSS ${IDLE_RSS_KB:-?} kB; $SECS s per run, pinning: $PINNING"

# ---- the runs ------------------------------------------------------------

# One request with curl first: its status and answer are checked, so a table
# of fast 400s cannot pass for a fast server.
probe() { # verb form n -> prints a note on problems
	local verb=$1 form=$2 n=$3 body code
	body=$(body_file "$form" "$n")
	((HAVE_CURL)) || return 0
	code=$(curl -s -o "$TMP/probe.out" -m 60 -w '%{http_code}' \
		-H 'Content-Type: application/json' -H 'Accept-Encoding: gzip' \
		--data-binary "@$body" "$BASE_URL/$verb" || true)
	if [[ $code != 200 ]]; then
		printf -- '- %s %s %s: probe answered HTTP %s: %s\n' "$verb" "$form" "$n" \
			"$code" "$(head -c 200 "$TMP/probe.out" 2>/dev/null | tr -d '\n')"
		return 0
	fi
	"$PYTHON" - "$verb" "$form" "$n" "$TMP/probe.out" <<'EOF' || true
import json, sys
verb, form, n, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
try:
    r = json.load(open(path, "rb"))
except Exception as e:
    print("- %s %s %d: answer is not JSON (%s)" % (verb, form, n, e)); sys.exit()
def lower(d):
    return {k.lower(): v for k, v in d.items()} if isinstance(d, dict) else {}
got = None
if verb == "prioritize":
    got = len(r) if isinstance(r, list) else None
else:
    d = lower(r)
    if d.get("error"):
        print("- %s %s %d: Error in answer: %s" % (verb, form, n, str(d["error"])[:200])); sys.exit()
    if form == "names":
        got = len(d.get("nodenames") or [])
    else:
        got = len(lower(d.get("nodes")).get("items") or [])
if got != n:
    print("- %s %s %d: NOP answer carries %s nodes, expected %d" % (verb, form, n, got, n))
EOF
}

run_wrk() { # verb form n conns -> RESULT fields on stdout, or "FAILED ..."
	local verb=$1 form=$2 n=$3 c=$4 out line
	if ! out=$(BODY_FILE=$(body_file "$form" "$n") \
		${PIN_CLIENT[@]+"${PIN_CLIENT[@]}"} wrk -t1 -c"$c" -d"${SECS}s" \
		--timeout 30s -s "$LUA" "$BASE_URL/$verb" 2>&1); then
		printf 'FAILED %s\n' "$(tail -n 2 <<<"$out" | tr '\n' ' ')"
		return 0
	fi
	line=$(sed -n 's/^RESULT //p' <<<"$out" | tail -n 1)
	if [[ -z $line ]]; then
		printf 'FAILED no RESULT line: %s\n' "$(tail -n 2 <<<"$out" | tr '\n' ' ')"
	else
		printf '%s\n' "$line"
	fi
}

# server_time VERB -> "sum count" of the server's own duration histogram
server_time() {
	curl -s -m 5 "$BASE_URL/metrics" 2>/dev/null | awk -v v="$1" '
		index($0, "wca_scheduler_request_duration_seconds_sum{verb=\"" v "\"}") == 1 { s = $2 }
		index($0, "wca_scheduler_request_duration_seconds_count{verb=\"" v "\"}") == 1 { c = $2 }
		END { printf "%s %s\n", s + 0, c + 0 }'
}

# mean_us "sum0 count0" "sum1 count1" -> mean microseconds between the two
mean_us() {
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
		n = y[2] - x[2]; if (n <= 0) print "-"; else printf "%.0f", (y[1] - x[1]) * 1e6 / n }'
}

# get KEY "k=v k=v ..." -> v
get() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p" | head -n 1; }

fmt_rps() { awk -v r="$1" 'BEGIN { if (r == "") print "-"; else if (r >= 100) printf "%.0f", r; else printf "%.1f", r }'; }

ROWS=$TMP/rows.md
NOTES=$TMP/notes.md
THRU=$TMP/throughput.txt
: >"$ROWS"
: >"$NOTES"
: >"$THRU"
SERVER_DIED=0

for verb in $VERBS; do
	for form in $FORMS; do
		for n in $NODE_COUNTS; do
			body=$(body_file "$form" "$n")
			bytes=$(wc -c <"$body")
			kb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1000 }')
			probe "$verb" "$form" "$n" >>"$NOTES"
			cells=()
			errs=0
			rps1=
			srv_us=-
			for c in "${CONNS[@]}"; do
				log "$verb $form $n nodes (${kb} KB), $c conn: ${SECS} s"
				t0=$( ((HAVE_CURL)) && server_time "$verb" || true)
				r=$(run_wrk "$verb" "$form" "$n" "$c")
				if [[ $c == "${CONNS[0]}" ]]; then
					srv_us=$( ((HAVE_CURL)) && mean_us "$t0" "$(server_time "$verb")" || echo -)
				fi
				if [[ $r == FAILED* ]]; then
					printf -- '- %s %s %s, %s conn: wrk %s\n' "$verb" "$form" "$n" "$c" "$r" >>"$NOTES"
					cells+=("-" "-" "-")
					errs=$((errs + 1))
				else
					rps=$(get rps "$r")
					[[ -z $rps1 ]] && rps1=$rps
					cells+=("$(fmt_rps "$rps")" "$(get p50_us "$r")" "$(get p99_us "$r")")
					e=$(get errors "$r")
					errs=$((errs + ${e:-0}))
					if [[ ${e:-0} != 0 ]]; then
						printf -- '- %s %s %s, %s conn: %s non-200 (first: HTTP %s), %s socket errors/timeouts\n' \
							"$verb" "$form" "$n" "$c" "$(get non200 "$r")" \
							"$(get first_non200 "$r")" "$(get socket_errors "$r")" >>"$NOTES"
					fi
				fi
				if ! server_alive; then
					SERVER_DIED=1
					break
				fi
			done
			while ((${#cells[@]} < 6)); do cells+=("-"); done
			printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
				"$verb" "$form" "$n" "$kb" "$srv_us" "${cells[@]}" "$errs" >>"$ROWS"
			if [[ $form == nodes && -n $rps1 ]]; then
				awk -v v="$verb" -v n="$n" -v b="$bytes" -v r="$rps1" \
					'BEGIN { printf "%s %s %.1f\n", v, n, b * r / 1e6 }' >>"$THRU"
			fi
			((SERVER_DIED)) && break 3
		done
	done
done

PEAK_RSS_KB=
if ((SERVER_DIED)); then
	{
		printf -- '- **the server exited during the run** (see its log below); the table stops there\n'
		tail -n 20 "$SERVER_LOG" | sed 's/^/      /'
	} >>"$NOTES"
else
	PEAK_RSS_KB=$(proc_kb VmHWM)
fi

# ---- machine and binary facts --------------------------------------------

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
[[ -n $cpu_model ]] || cpu_model=$(uname -m)
cores_online=$(nproc 2>/dev/null || echo "?")
cores_all=$(grep -c '^processor' /proc/cpuinfo 2>/dev/null || echo "?")
kernel=$(uname -sr)
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
bin_size=$(wc -c <"$BIN")
if command -v strip >/dev/null 2>&1 && strip -o "$TMP/stripped" "$BIN" 2>/dev/null; then
	stripped="$(wc -c <"$TMP/stripped") bytes"
else
	stripped="n/a (strip failed or missing)"
fi
version=$(timeout 2 "$BIN" --version 2>/dev/null </dev/null | head -n 1 || true)
rev=$(git describe --always --dirty --abbrev=7 2>/dev/null || echo "no commit")

kb_to_mib() { awk -v k="$1" 'BEGIN { if (k == "") print "n/a"; else printf "%.1f MiB (%d kB)", k / 1024, k }'; }

thru_line() { # verb -> "n nodes X MB/s, ..."
	awk -v v="$1" '$1 == v { printf "%s%s nodes %s MB/s", sep, $2, $3; sep = ", " }' "$THRU"
}

# ---- report --------------------------------------------------------------

REPORT=$TMP/report.md
{
	printf '# wca-scheduler benchmark\n\n'
	printf 'NOP algorithm, plain HTTP on loopback, one keep-alive connection per wrk connection, '
	printf '%s s per cell, wrk 1 thread. Latencies in µs; body KB = 1000 bytes.\n\n' "$SECS"
	printf '"server µs" is the mean time the server spent on one request (its own\n'
	printf 'duration histogram, from parsed head to queued answer) during the %s-conn run;\n' "${CONNS[0]}"
	printf 'the rest of the latency is loopback TCP, the kernel and wrk.\n\n'
	printf '| verb | form | nodes | body KB | server µs | req/s (%s conn) | p50 µs | p99 µs | req/s (%s conn) | p50 µs | p99 µs | errors |\n' \
		"${CONNS[0]}" "${CONNS[1]}"
	printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
	cat "$ROWS"
	printf '\n'
	printf -- '- machine: %s, %s cores online (%s in /proc/cpuinfo), %s, %s\n' \
		"$cpu_model" "$cores_online" "$cores_all" "$kernel" "$now"
	printf -- '- pinning: %s\n' "$PINNING"
	printf -- '- binary: %s%s, rev %s\n' "$BIN" "${version:+ ($version)}" "$rev"
	printf -- '- idle RSS (after start, before load): %s\n' "$(kb_to_mib "$IDLE_RSS_KB")"
	printf -- '- peak RSS (VmHWM after all runs): %s\n' "$(kb_to_mib "$PEAK_RSS_KB")"
	printf -- '- binary size: %s bytes, stripped %s\n' "$bin_size" "$stripped"
	for verb in $VERBS; do
		t=$(thru_line "$verb")
		[[ -n $t ]] && printf -- '- end-to-end body rate, %s, full Nodes, %s conn (body bytes × req/s, MB = 10^6 B): %s\n' \
			"$verb" "${CONNS[0]}" "$t"
	done
	if [[ -x $DECODE_BENCH ]]; then
		printf '\nIn-process decode (build/bench/decode_bench: json_parse alone, then the whole\n'
		printf 'filter and prioritize handlers on warm buffers, best of repeated runs; MB = 10^6 B):\n\n'
		decode_files=()
		for n in $NODE_COUNTS; do
			for form in $FORMS; do decode_files+=("$(body_file "$form" "$n")"); done
		done
		${PIN_SERVER[@]+"${PIN_SERVER[@]}"} "$DECODE_BENCH" "${decode_files[@]}" || true
	fi
	if [[ -x $PROMTEXT_BENCH ]]; then
		printf '\nPrometheus text parsing (build/bench/promtext_bench: each corpus file repeated to\n'
		printf 'about 1 MB, parsed whole and in 1000-line slices as the scraper does):\n\n'
		${PIN_SERVER[@]+"${PIN_SERVER[@]}"} "$PROMTEXT_BENCH" test/data/promtext/*.txt || true
	fi
	if [[ -x $NODESTORE_BENCH ]]; then
		printf '\nNode store (build/bench/nodestore_bench, development build):\n\n'
		${PIN_SERVER[@]+"${PIN_SERVER[@]}"} "$NODESTORE_BENCH" || true
	fi
	if [[ $RUN_SCRAPE_LOAD == 1 ]]; then
		printf '\nRequests while a large source is scraped (bench/scrape_load.py, %s;\n' "$BIN"
		printf 'filter, NodeNames of 500, one connection, %s s per row):\n\n' "$((SECS + 2))"
		sl_body=$(body_file names 500)
		[[ -f $sl_body ]] || "$PYTHON" "$GEN" args --form names --nodes 500 -o "$sl_body"
		"$PYTHON" bench/scrape_load.py "$BIN" "$sl_body" "$((SECS + 2))" || true
	fi
	if [[ $RUN_ALGO_LOAD == 1 ]]; then
		printf '\nAlgorithms, server-side (bench/algo_load.py, %s: 781 nodes in four\n' "$BIN"
		printf 'dimensions served by a fake exporter, NodeNames of all 781, one connection,\n'
		printf 'times from the access log):\n\n'
		"$PYTHON" bench/algo_load.py "$BIN" "$SECS" || true
	fi
	if [[ $RUN_TLS_LOAD == 1 ]]; then
		printf '\nTLS (bench/tls_load.py, %s: filter with 500 NodeNames over HTTP and\n' "$BIN"
		printf 'HTTPS on one connection; full handshakes with openssl s_time; RSS of\n'
		printf 'idle TLS connections; BearSSL: %s):\n\n' "$(if [[ -f build/vendor/bearssl.a ]]; then
			echo "Debian's source rebuilt -O3 by make vendor-src"
		else
			echo "Debian's libbearssl.a"
		fi)"
		"$PYTHON" bench/tls_load.py "$BIN" "$SECS" || true
	fi
	if [[ $RUN_OVERLOAD == 1 ]]; then
		printf '\nOverload (bench/overload_load.py, %s: max_connections = 16, wrk with 32\n' "$BIN"
		printf 'then 128 connections sending 500 full Nodes per filter call, 5 s each):\n\n'
		"$PYTHON" bench/overload_load.py "$BIN" || true
	fi
	if [[ -s $NOTES ]]; then
		printf '\nNotes:\n\n'
		cat "$NOTES"
	fi
} >"$REPORT"

cat "$REPORT"
mkdir -p "$(dirname "$OUT")"
cp "$REPORT" "$OUT"
log "report written to $OUT"
((SERVER_DIED)) && exit 1
exit 0
