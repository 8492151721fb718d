#!/bin/sh
# test/fuzz/run.sh: run every libFuzzer harness (built by `make fuzz`)
# for FUZZ_SECONDS each, from its seeds (test/fuzz/corpus/NAME) and what
# earlier runs found (build/fuzz/corpus/NAME), after replaying the
# regression inputs (test/fuzz/regressions/NAME: every crash ever found).
# Prints TAP, one line per harness with its executions, and a markdown
# table; a crash leaves its input in build/fuzz/artifacts/NAME/ and fails.
#
#   FUZZ_SECONDS  per harness (default 60)
#   FUZZ_ONLY     harness names to run (default: all)
#   FUZZ_LOG      log directory (default build/fuzz/logs)
#   FUZZ_TIMEOUT  seconds one input may take (default 10; libFuzzer counts
#                 wall time, so a run at nice 19 on a busy machine needs more)
#   FUZZ_TALLY    file each run appends "date harness seconds executions
#                 result" to (default build/fuzz/executions.tsv; the
#                 totals in docs/robustness.md are summed from it by
#                 test/fuzz/tally.sh)
set -u
cd "$(dirname "$0")/../.."
SECS=${FUZZ_SECONDS:-60}
NAMES=${FUZZ_ONLY:-"http extender promtext ini pem tls snapshot"}
OUT=build/fuzz
LOG=${FUZZ_LOG:-$OUT/logs}
TALLY=${FUZZ_TALLY:-$OUT/executions.tsv}
mkdir -p "$LOG"
export WCA_FUZZ_PKI=$PWD/$OUT/pki
# A 16 MiB quarantine (ASan's default is 256): freed memory is still held
# back far longer than one input lives (inputs are at most 64 KiB), so a
# use after free is still caught, and the harnesses that allocate much
# stop paying page faults for always-fresh memory (1.6x for fuzz_promtext).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:quarantine_size_mb=16"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# The TLS harness's server key and certificate (a private CA, P-256).
if [ ! -f "$WCA_FUZZ_PKI/server.crt" ]; then
	mkdir -p "$WCA_FUZZ_PKI"
	(cd "$WCA_FUZZ_PKI" &&
	openssl ecparam -name prime256v1 -genkey -noout -out ca.key &&
	openssl req -x509 -new -key ca.key -subj /CN=fuzz-ca -days 3650 \
	    -out ca.crt &&
	openssl ecparam -name prime256v1 -genkey -noout -out server.key &&
	openssl req -new -key server.key -subj /CN=localhost -out server.csr &&
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -days 3650 -out server.crt) >"$LOG/pki.log" 2>&1 ||
	    { echo "not ok 1 - fuzz: cannot make the TLS harness's keys"; exit 1; }
fi

n=0 bad=0 table=""
for name in $NAMES; do
	n=$((n + 1))
	bin=$OUT/fuzz_$name
	corpus=$OUT/corpus/$name
	art=$OUT/artifacts/$name
	mkdir -p "$corpus" "$art"
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz_$name: $bin not built (make fuzz)"
		bad=$((bad + 1))
		continue
	fi
	regress=""
	if [ -d test/fuzz/regressions/$name ] &&
	   [ -n "$(ls test/fuzz/regressions/$name)" ]; then
		regress=test/fuzz/regressions/$name
		if ! "$bin" $regress/* >"$LOG/$name.regress.log" 2>&1; then
			echo "not ok $n - fuzz_$name: a regression input fails again"
			grep -m5 'ERROR\|runtime error' "$LOG/$name.regress.log" |
			    sed 's/^/#   /'
			bad=$((bad + 1))
			continue
		fi
	fi
	# Inputs up to 64 KiB, but the PEM loaders' at most 12 KiB: three
	# files of a real size (an RSA-4096 key, its certificate and a CA)
	# fit, a corpus grown to 25 KiB inputs reaches no edge more at 64 KiB
	# than at 12 (8 loses two), and longer inputs only add base64 lines
	# for BearSSL's decoder (at 24 KiB a run was 1.5 k inputs/s, 48% of
	# it in that decoder).
	maxlen=65536
	[ "$name" = pem ] && maxlen=12288
	t0=$(date +%s)
	"$bin" -max_total_time="$SECS" -max_len="$maxlen" -timeout="${FUZZ_TIMEOUT:-10}" \
	    -rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$art/" \
	    "$corpus" test/fuzz/corpus/$name >"$LOG/$name.log" 2>&1
	rc=$?
	took=$(($(date +%s) - t0))	# less than SECS when stopped by SIGUSR1
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$LOG/$name.log")
	runs=${runs:-0}
	rate=$((runs / (took > 0 ? took : 1)))
	files=$(ls "$corpus" | wc -l)
	# crash-, leak-, timeout-, oom- inputs are findings; slow-unit- ones
	# only say an input took over 10 s of wall time (a stopped process)
	found=$(ls "$art" | grep -v '^slow-unit-')
	result=clean
	if [ "$rc" -ne 0 ] || [ -n "$found" ]; then result=finding; fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	    "$name" "$took" "$runs" "$result" >>"$TALLY"
	if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
		echo "not ok $n - fuzz_$name: finding after $runs runs (exit $rc); input in $art"
		grep -m5 'ERROR\|runtime error\|SUMMARY' "$LOG/$name.log" | sed 's/^/#   /'
		bad=$((bad + 1))
	else
		echo "ok $n - fuzz_$name: $runs runs in $took s ($rate/s), corpus $files"
	fi
	table="$table| fuzz_$name | $took | $runs | $rate | $files |
"
done
echo "1..$n"
printf '\n| harness | seconds | executions | per second | corpus |\n|---|---:|---:|---:|---:|\n%s' "$table"
[ "$bad" -eq 0 ]
