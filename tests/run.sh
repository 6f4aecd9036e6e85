#!/usr/bin/env bash
# Run every test: the unit test binaries (cmocka, ASan/UBSan build) and the
# integration scripts. Each speaks TAP; a test that cannot run here says why
# and counts as skipped. Ends with "N passed, N failed, N skipped".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
export BUILD
export VFLOW_FIXTURES=${VFLOW_FIXTURES:-$ROOT/tests/fixtures}
cd "$ROOT" || exit 1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
pass=0 fail=0 skipped=0
failed_names=()
# the reliability figures: faults injected, overload cases, least-privilege
# checks (by test name prefix), fuzz executions (the fuzz runner's line)
declare -A rel_run rel_bad
fuzz_targets=0 fuzz_execs=0 fuzz_crashes=0

count_reliability() {
	local log=$1 kind n bad line
	for kind in fault overload "least privilege"; do
		n=$(grep -cE "^(not )?ok( [0-9]+)? - $kind:" "$log")
		bad=$(grep -E "^not ok( [0-9]+)? - $kind:" "$log" | grep -cvE '# *SKIP')
		rel_run[$kind]=$(( ${rel_run[$kind]:-0} + n - $(grep -E "^(not )?ok( [0-9]+)? - $kind:" "$log" | grep -cE '# *SKIP') ))
		rel_bad[$kind]=$(( ${rel_bad[$kind]:-0} + bad ))
	done
	line=$(grep -E '^# fuzz: [0-9]+ targets, [0-9]+ executions, [0-9]+ crashes' "$log" | tail -1)
	if [ -n "$line" ]; then
		read -r _ _ t _ e _ c _ <<<"${line//,/}"
		fuzz_targets=$((fuzz_targets + t)) fuzz_execs=$((fuzz_execs + e)) fuzz_crashes=$((fuzz_crashes + c))
	fi
}

run_one() {
	local name=$1; shift
	local log rc tap_pass tap_fail tap_skip
	log=$(mktemp)
	echo "== $name"
	"$@" >"$log" 2>&1
	rc=$?
	sed 's/^/   /' "$log"
	# "ok N # SKIP why", or cmocka's "not ok N # SKIP name": both skipped
	tap_skip=$(grep -cE '^(not )?ok( [0-9]+)?.*# *SKIP' "$log")
	tap_pass=$(grep -E '^ok( |$)' "$log" | grep -cvE '# *SKIP')
	tap_fail=$(grep -E '^not ok( |$)' "$log" | grep -cvE '# *SKIP')
	if [ "$rc" -ne 0 ] && [ "$tap_fail" -eq 0 ]; then
		# a crash or an error outside any test case still fails the file
		tap_fail=1
		echo "   not ok - $name exited with status $rc"
	fi
	[ "$tap_fail" -gt 0 ] && failed_names+=("$name")
	count_reliability "$log"
	pass=$((pass + tap_pass)) fail=$((fail + tap_fail)) skipped=$((skipped + tap_skip))
	rm -f "$log"
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
done
for t in "$ROOT"/tests/integration/*.sh; do
	run_one "integration/$(basename "$t" .sh)" bash "$t"
done

[ ${#failed_names[@]} -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "reliability: ${rel_run[fault]:-0} faults injected (${rel_bad[fault]:-0} found problems)," \
	"${rel_run[overload]:-0} overload cases (${rel_bad[overload]:-0})," \
	"${rel_run[least privilege]:-0} least-privilege checks (${rel_bad[least privilege]:-0})," \
	"$fuzz_execs fuzz executions over $fuzz_targets targets ($fuzz_crashes crashes)"
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
