#!/bin/sh
# Run every suite against the normal build and against the AddressSanitizer
# + UndefinedBehaviorSanitizer build, and the end-to-end suite once more
# against the static musl release binary, then every fuzzer and the chaos
# soak briefly.  Each suite prints
# TAP lines ("ok N - name" / "not ok N - name" / "ok N - name # SKIP why");
# this script counts them and prints the one closing line
#   N passed, N failed, N skipped
# and exits non-zero when anything failed or a suite crashed.
set -u
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
LOG=build/test-logs
mkdir -p "$LOG"
pass=0 fail=0 skip=0 crashed=""

# ASan: fail on leaks too; UBSan: stop at the first report.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:exitcode=86"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87"

# A suite counts as failed when it exits non-zero without a failing test
# (a crash, a leak report, a sanitizer finding) or when its TAP plan
# "1..N" is missing or does not match the tests it reported: a suite that
# never ran must not look like a suite that passed.
run_suite() {
	name=$1; shift
	out="$LOG/$name.log"
	mkdir -p "$(dirname "$out")" || exit 2
	"$@" >"$out" 2>&1
	rc=$?
	p=$(grep -c '^ok [0-9]' "$out")
	s=$(grep -c '^ok [0-9].*# SKIP' "$out")
	f=$(grep -c '^not ok [0-9]' "$out")
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$out" | tail -1)
	ran=$((p + f))
	p=$((p - s))
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	grep -E '^(not ok|#)' "$out" | head -50
	why=""
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		why="exited with status $rc"
	elif [ -z "$plan" ]; then
		why="printed no TAP plan"
	elif [ "$plan" -ne "$ran" ]; then
		why="planned $plan tests but reported $ran"
	fi
	if [ -n "$why" ]; then
		fail=$((fail + 1))
		crashed="$crashed $name"
		echo "not ok - $name $why"
		tail -30 "$out"
	fi
	printf '%-28s %4d passed %4d failed %4d skipped\n' "$name" "$p" "$f" "$s"
}

for t in build/test/test_*; do
	[ -x "$t" ] || continue
	run_suite "unit/$(basename "$t")" "$t"
done
for t in build/san/test/test_*; do
	[ -x "$t" ] || continue
	run_suite "unit-san/$(basename "$t")" "$t"
done
run_suite e2e "$PYTHON" test/e2e/run.py --bin build/wca-scheduler
run_suite e2e-san "$PYTHON" test/e2e/run.py --bin build/san/wca-scheduler \
	--sanitized
# The release binary (static, musl) must behave the same.
run_suite e2e-static "$PYTHON" test/e2e/run.py --bin build/static/wca-scheduler
# Every fuzzer briefly, after replaying its regression inputs; `make fuzz`
# runs them for longer.
run_suite fuzz env FUZZ_SECONDS="${FUZZ_SECONDS:-5}" test/fuzz/run.sh

# The chaos soak, short (`make soak` runs 10 minutes alone and asserts the
# speed targets; here they are printed, met or MISSED).
run_suite soak env SOAK_SECONDS="${SOAK_SECONDS:-60}" SOAK_TARGETS=report \
	SOAK_VALGRIND_SECONDS="${SOAK_VALGRIND_SECONDS:-20}" "$PYTHON" test/soak/soak.py

[ -n "$crashed" ] && echo "suites that exited badly:$crashed (logs in $LOG)"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
