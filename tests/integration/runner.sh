#!/usr/bin/env bash
# shellcheck disable=SC2016 # verdict's conditions are evaluated when it runs
# tests/run.sh trusts no file: it runs small TAP files written here and
# must fail the one that prints fewer results than its plan, the one with
# no plan or two, the one that exits 1 after all-ok results, and the ones
# that never end (killed past VFLOW_TEST_TIMEOUT, with what they left
# behind); it must pass a correct file with skips and list them by reason;
# it runs only the files named (by path or by name) and refuses an unknown
# name in one line.
. "$(dirname "$0")/../lib.sh"
RUN=$ROOT/tests/run.sh
TIMEOUT_S=3	# VFLOW_TEST_TIMEOUT for the fixtures that never end
# the runner's SIGTERM-to-SIGKILL grace, read from it so the two agree
KILL_GRACE_S=$(sed -n 's/^KILL_GRACE_S=\([0-9][0-9]*\).*/\1/p' "$RUN")
# beyond the runner's promise (SIGTERM at VFLOW_TEST_TIMEOUT, SIGKILL
# KILL_GRACE_S later): starting bash and the runner's cleanup, on a shared
# and loaded 2-core machine
SLACK_S=5
# a killed process is reaped by init shortly after: wait that long for it
REAP_S=5
# a runner that does not kill a file that never ends is itself stopped
# after this long, so that this test ends and says so
BOUND_S=$((TIMEOUT_S + KILL_GRACE_S + 2 * SLACK_S))

NAMES=("1..3 and one result: failed" "no plan: failed" "two plans: failed"
       "exit 1 after all-ok results: failed"
       "sleeps forever: failed within VFLOW_TEST_TIMEOUT" "sleeps forever: its processes are gone"
       "ignores SIGTERM: killed KILL_GRACE_S after the timeout" "ignores SIGTERM: its processes are gone"
       "ignores SIGTERM: its temporary directory is gone" "ignores SIGTERM: its cgroup is gone"
       "correct file with skips: passed, skips grouped by reason" "summary keeps its reliability and last lines"
       "unknown name: one line, exit 2" "bad VFLOW_TEST_TIMEOUT: one line, exit 2"
       "integration script by name, NAME.sh and path: that file only"
       "unit binary by name and path: that file only" "no argument: every file, an unbuilt unit test failed")
plan ${#NAMES[@]}
[ -n "$KILL_GRACE_S" ] || fail_all "no KILL_GRACE_S=N line in tests/run.sh" "${NAMES[@]}"

F=$TMP/fixtures
mkdir -p "$F"

# run_runner ARGS...: tests/run.sh, its output in $TMP/out, its status in
# RC, its wall time in ELAPSED (seconds)
run_runner() {
	local t0=$EPOCHREALTIME
	timeout -k $((KILL_GRACE_S + SLACK_S)) "$BOUND_S" "$RUN" "$@" >"$TMP/out" 2>&1
	RC=$?
	ELAPSED=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
}
says() { grep -qF -- "$1" "$TMP/out"; }
# verdict WHAT CONDITION...: ok when every condition (a shell command) holds,
# else the runner's output as diagnostics
verdict() {
	local what=$1 c; shift
	for c in "$@"; do
		if ! eval "$c"; then
			not_ok "$what"
			diag "failed: $c (status $RC, $ELAPSED s); the runner said:"
			sed 's/^/#   /' "$TMP/out" | tail -n 25
			return
		fi
	done
	ok "$what"
}
# gone PIDFILE...: every process named in the files has ended
gone() {
	local f
	for f in "$@"; do
		[ -s "$f" ] || return 1
		wait_for "$REAP_S" test ! -e "/proc/$(cat "$f")" || return 1
	done
}
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# tap_file FILE LINE... [exit N]: a script that prints the lines (and exits N)
tap_file() {
	local f=$1 line; shift
	{
		for line in "$@"; do
			case $line in
			"exit "*) echo "$line" ;;
			*) printf 'echo %q\n' "$line" ;;
			esac
		done
	} >"$f"
}

# --- files that break their promise ----------------------------------------
tap_file "$F/short.sh" "1..3" "ok 1 - one"
run_runner "$F/short.sh"
verdict "${NAMES[0]}" '[ "$RC" -eq 1 ]' 'says "planned 3 results, printed 1"' \
	'[ "$(tail -n 1 "$TMP/out")" = "1 passed, 1 failed, 0 skipped" ]'
tap_file "$F/noplan.sh" "ok 1 - one" "ok 2 - two"
run_runner "$F/noplan.sh"
verdict "${NAMES[1]}" '[ "$RC" -eq 1 ]' 'says "printed no TAP plan"'
tap_file "$F/twoplans.sh" "1..1" "ok 1 - one" "1..1" "ok 1 - one"
run_runner "$F/twoplans.sh"
verdict "${NAMES[2]}" '[ "$RC" -eq 1 ]' 'says "printed 2 TAP plans"'
tap_file "$F/exit1.sh" "1..2" "ok 1 - one" "ok 2 - two" "exit 1"
run_runner "$F/exit1.sh"
verdict "${NAMES[3]}" '[ "$RC" -eq 1 ]' 'says "exited with status 1"' \
	'[ "$(tail -n 1 "$TMP/out")" = "2 passed, 1 failed, 0 skipped" ]'

# --- files that never end ----------------------------------------------------
# honours SIGTERM: tests/lib.sh's EXIT trap runs
cat >"$F/sleeper.sh" <<EOF
. "$ROOT/tests/lib.sh"
plan 1
echo \$\$ >"$F/sleeper.pid"
sleep 1000 &
echo \$! >"$F/sleeper-child.pid"
diag "sleeping forever"
sleep 1000
EOF
VFLOW_TEST_TIMEOUT=$TIMEOUT_S run_runner "$F/sleeper.sh"
verdict "${NAMES[4]}" '[ "$RC" -eq 1 ]' "says \"ran past VFLOW_TEST_TIMEOUT=$TIMEOUT_S s\"" \
	'says "| # sleeping forever"' "! lt $ELAPSED $TIMEOUT_S" "lt $ELAPSED $((TIMEOUT_S + SLACK_S))"
verdict "${NAMES[5]}" 'gone "$F/sleeper.pid" "$F/sleeper-child.pid"'

# ignores SIGTERM, so its EXIT trap never runs: the runner kills it and
# removes its temporary directory and its cgroup (with a task in it that
# left the file's session)
CG2=$(cgroup2_root)
cat >"$F/stubborn.sh" <<EOF
. "$ROOT/tests/lib.sh"
plan 1
trap '' TERM
echo "\$TMP" >"$F/stubborn.tmp"
if [ "\$(id -u)" -eq 0 ] && [ -n "$CG2" ]; then
	CG=\$(new_cgroup "vflow-test-runner-\$\$")
	echo "\$CG" >"$F/stubborn.cg"
	run_in_cgroup "\$CG" setsid sh -c 'echo \$\$ >"$F/stubborn-cg.pid"; exec sleep 1000' &
fi
sleep 1000 &
echo \$! >"$F/stubborn-child.pid"
echo \$\$ >"$F/stubborn.pid"
while :; do sleep 1; done
EOF
VFLOW_TEST_TIMEOUT=$TIMEOUT_S run_runner "$F/stubborn.sh"
verdict "${NAMES[6]}" '[ "$RC" -eq 1 ]' "says \"ran past VFLOW_TEST_TIMEOUT=$TIMEOUT_S s\"" \
	"! lt $ELAPSED $((TIMEOUT_S + KILL_GRACE_S))" "lt $ELAPSED $((TIMEOUT_S + KILL_GRACE_S + SLACK_S))"
verdict "${NAMES[7]}" 'gone "$F/stubborn.pid" "$F/stubborn-child.pid"'
verdict "${NAMES[8]}" '[ -s "$F/stubborn.tmp" ]' '[ ! -e "$(cat "$F/stubborn.tmp")" ]'
if [ "$(id -u)" -ne 0 ]; then
	skip "${NAMES[9]}" "needs root (cgroups)"
elif [ -z "$CG2" ]; then
	skip "${NAMES[9]}" "no cgroup v2 hierarchy mounted"
else
	verdict "${NAMES[9]}" '[ -s "$F/stubborn.cg" ]' '[ ! -e "$(cat "$F/stubborn.cg")" ]' \
		'gone "$F/stubborn-cg.pid"'
fi

# --- a correct file with skips -----------------------------------------------
cat >"$F/skipper.sh" <<EOF
. "$ROOT/tests/lib.sh"
plan 4
ok "fine"
skip "frobnicate" "no frobnicator on this machine"
skip "frobnicate twice" "no frobnicator on this machine"
skip "defrobnicate" "no defrobnicator either"
EOF
# cmocka's skip names the test; its reason is the comment before it
tap_file "$F/cmocka-skip.sh" "1..1" "# SKIP no widget here" "not ok 1 # SKIP test_widget"
# a whole file skipped by its plan
tap_file "$F/skip-all.sh" "1..0 # SKIP no frobnicator on this machine"
run_runner "$F/skipper.sh" "$F/cmocka-skip.sh" "$F/skip-all.sh"
verdict "${NAMES[10]}" '[ "$RC" -eq 0 ]' 'says "skipped, by reason"' \
	'grep -qxE " +3  no frobnicator on this machine" "$TMP/out"' \
	'grep -qxE " +$F/skipper.sh: frobnicate twice" "$TMP/out"' \
	'grep -qxE " +1  no defrobnicator either" "$TMP/out"' \
	'grep -qxE " +1  no widget here" "$TMP/out"' \
	'grep -qxE " +$F/cmocka-skip.sh: test_widget" "$TMP/out"' \
	'[ "$(tail -n 1 "$TMP/out")" = "1 passed, 0 failed, 5 skipped" ]'
verdict "${NAMES[11]}" 'tail -n 2 "$TMP/out" | head -n 1 | grep -q "^reliability: .* fuzz executions over "'

# --- which files -------------------------------------------------------------
run_runner no_such_test
verdict "${NAMES[12]}" '[ "$RC" -eq 2 ]' '[ "$(wc -l <"$TMP/out")" -eq 1 ]' 'says "no_such_test"'
VFLOW_TEST_TIMEOUT=soon run_runner "$F/short.sh"
verdict "${NAMES[13]}" '[ "$RC" -eq 2 ]' '[ "$(wc -l <"$TMP/out")" -eq 1 ]' 'says "VFLOW_TEST_TIMEOUT"'

# A tree of its own: the runner, one integration script, one built unit
# test and one whose binary was never built
T=$TMP/tree
mkdir -p "$T/tests/integration" "$T/tests/unit" "$T/build/tests"
cp "$RUN" "$T/tests/run.sh"
tap_file "$T/tests/integration/alpha.sh" "1..1" "ok 1 - alpha ran"
touch "$T/tests/unit/test_beta.c" "$T/tests/unit/test_gamma.c"
printf '#!/bin/sh\necho 1..1\necho ok 1 - beta ran\n' >"$T/build/tests/test_beta"
chmod +x "$T/build/tests/test_beta"
RUN=$T/tests/run.sh
export BUILD=$T/build
# files_run: the files the last run ran, one line
files_run() { sed -n 's/^== //p' "$TMP/out" | tr '\n' ' '; }
all_alpha=1
for arg in alpha alpha.sh tests/integration/alpha.sh; do
	(cd "$T" && run_runner "$arg" && echo "$RC|$(files_run)" >"$TMP/res")
	[ "$(cat "$TMP/res")" = "0|integration/alpha " ] || { all_alpha=0; diag "tests/run.sh $arg: $(cat "$TMP/res")"; }
done
check "${NAMES[14]}" [ "$all_alpha" -eq 1 ]
all_beta=1
for arg in test_beta build/tests/test_beta "$T/build/tests/test_beta"; do
	(cd "$T" && run_runner "$arg" && echo "$RC|$(files_run)" >"$TMP/res")
	[ "$(cat "$TMP/res")" = "0|unit/test_beta " ] || { all_beta=0; diag "tests/run.sh $arg: $(cat "$TMP/res")"; }
done
check "${NAMES[15]}" [ "$all_beta" -eq 1 ]
run_runner
verdict "${NAMES[16]}" '[ "$RC" -eq 1 ]' \
	'[ "$(files_run)" = "unit/test_beta unit/test_gamma integration/alpha " ]' \
	'says "unit/test_gamma not built"' '[ "$(tail -n 1 "$TMP/out")" = "2 passed, 1 failed, 0 skipped" ]'
