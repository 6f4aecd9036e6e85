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
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
