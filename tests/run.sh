#!/usr/bin/env bash
# Run the tests: every unit test binary (cmocka, ASan/UBSan build) and
# integration script, or only the FILEs named.
#
#   tests/run.sh [FILE...]
#
# FILE is a unit binary (build/tests/test_x) or its name (test_x), an
# integration script (tests/integration/x.sh) or its name (x, x.sh), or the
# path of any other file that speaks TAP: *.sh runs with bash, anything
# else must be executable. An unknown FILE is a one-line error, exit 2.
#
# Each file promises its number of results with exactly one TAP plan,
# "1..N". A file fails when a result is "not ok", when it prints no plan or
# several, when its results do not match its plan (it died halfway, a check
# got lost), when it exits non-zero, or when it runs longer than
# VFLOW_TEST_TIMEOUT seconds (default 600). Then its process group gets
# SIGTERM (tests/lib.sh's EXIT trap cleans up), SIGKILL KILL_GRACE_S later,
# and the runner removes what it left: the processes of its session, the
# cgroups and temporary directories tests/lib.sh made for it. A test that
# cannot run here says why and counts as skipped; the summary lists the
# skips grouped by reason. Ends with "N passed, N failed, N skipped".
set -u
# setsid must run each file as the leader of a new session and process
# group, not fork first: true while job control is off
set +m
ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
BUILD=${BUILD:-$ROOT/build}
export BUILD
export VFLOW_FIXTURES=${VFLOW_FIXTURES:-$ROOT/tests/fixtures}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
# leaks inside libraries, each with its reason there
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# the slowest file (lint.sh) takes under 4 minutes on 2 busy cores; one
# hung file still leaves CI (the suite takes about 6) under its 20 minutes
TIMEOUT_DEFAULT_S=600
# after SIGTERM: lib.sh's cleanup waits up to 5 s for each cgroup to empty
KILL_GRACE_S=10
# how much of a killed file's output the verdict repeats
LAST_LINES=10
# the files named, slowest first, before the summary
SLOWEST_SHOWN=8
# remove_tree retries: a cgroup stays busy until its killed tasks are reaped
RMDIR_TRIES=50

usage() { echo "usage: tests/run.sh [FILE...]: unit binaries (build/tests/test_x, test_x), integration scripts (tests/integration/x.sh, x) or TAP files"; }

TIMEOUT_S=${VFLOW_TEST_TIMEOUT:-$TIMEOUT_DEFAULT_S}
case $TIMEOUT_S in
'' | *[!0-9]* | 0*) echo "tests/run.sh: VFLOW_TEST_TIMEOUT must be a whole number of seconds above 0, not '$TIMEOUT_S'" >&2; exit 2 ;;
esac

# --- which files -------------------------------------------------------------
# FILES holds one entry per file: "LABEL<TAB>KIND<TAB>PATH", KIND unit
# (run directly, must be built), script (run with bash) or exec.
FILES=()
add() { FILES+=("$1"$'\t'"$2"$'\t'"$3"); }
unit_src() { [ -f "$ROOT/tests/unit/$1.c" ] || [ -f "$ROOT/tests/bpf/$1.c" ]; }

# resolve ARG: add the file ARG names, or fail. A bare name is a test's
# name first (test_x, x, x.sh), a file here only if no test has it.
resolve() {
	local arg=$1 path dir base
	if [[ $arg != */* ]]; then
		if [[ $arg == test_* ]] && { unit_src "$arg" || [ -x "$BUILD/tests/$arg" ]; }; then
			# one not built yet is run, and fails as such
			add "unit/$arg" unit "$BUILD/tests/$arg"
			return 0
		elif [ -f "$ROOT/tests/integration/${arg%.sh}.sh" ]; then
			add "integration/${arg%.sh}" script "$ROOT/tests/integration/${arg%.sh}.sh"
			return 0
		fi
	fi
	if [ -f "$arg" ]; then
		path=$(realpath "$arg")
		dir=$(dirname "$path") base=$(basename "$path")
		if [ "$dir" = "$(realpath -m "$BUILD/tests")" ] && [[ $base == test_* ]]; then
			add "unit/$base" unit "$path"
		elif [ "$dir" = "$ROOT/tests/integration" ] && [[ $base == *.sh ]]; then
			add "integration/${base%.sh}" script "$path"
		elif [[ $base == *.sh ]]; then
			add "$arg" script "$path"
		elif [ -x "$path" ]; then
			add "$arg" exec "$path"
		else
			echo "tests/run.sh: $arg is neither a .sh script nor executable" >&2
			return 1
		fi
		return 0
	fi
	base=$(basename "$arg")
	# the path of a unit test not built yet: run, it fails as such
	if [[ $base == test_* ]] && unit_src "$base" &&
	   [ "$(realpath -m "$(dirname "$arg")")" = "$(realpath -m "$BUILD/tests")" ]; then
		add "unit/$base" unit "$BUILD/tests/$base"
	else
		echo "tests/run.sh: no test file '$arg': give a unit binary (build/tests/test_x, test_x), an integration script (tests/integration/x.sh, x) or a TAP file's path" >&2
		return 1
	fi
}

case ${1:-} in
-h | --help) usage; exit 0 ;;
-*) usage >&2; exit 2 ;;
esac
if [ $# -gt 0 ]; then
	for arg in "$@"; do resolve "$arg" || exit 2; done
else
	# every unit test the sources define (one not built is a failure),
	# then every integration script
	mapfile -t units < <(for src in "$ROOT"/tests/unit/test_*.c "$ROOT"/tests/bpf/test_*.c; do
		[ -f "$src" ] && basename "$src" .c; done | sort)
	for name in "${units[@]}"; do add "unit/$name" unit "$BUILD/tests/$name"; done
	for t in "$ROOT"/tests/integration/*.sh; do add "integration/$(basename "$t" .sh)" script "$t"; done
fi
cd "$ROOT" || exit 1

RUN_DIR=$(mktemp -d /tmp/vflow-run.XXXXXX) || exit 1
CUR_PID='' CUR_NAME='' WATCHDOG=''
trap 'rm -rf "$RUN_DIR"' EXIT

pass=0 fail=0 skipped=0
failures=()
# skips by reason, in the order first seen: SKIP_REASONS, and per reason a
# count and the "file: test" lines
SKIP_REASONS=()
declare -A skip_count skip_tests
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

# parse_tap LOG SKIPS: prints "PLANS PLANNED RESULTS PASSED FAILED SKIPPED
# BAILED"; one "REASON<TAB>TEST" line per skip into SKIPS. A skip is "ok N
# - test # SKIP why", or cmocka's "not ok N # SKIP test" whose why is the
# comment printed just before it.
parse_tap() {
	awk -v skips="$2" '
	function trim(s) { sub(/^[ \t-]+/, "", s); sub(/[ \t]+$/, "", s); return s }
	/^1\.\.[0-9]+/ {
		plans++
		match($0, /^1\.\.[0-9]+/)
		planned = substr($0, 4, RLENGTH - 3) + 0
		if (planned == 0 && match($0, /# *SKIP/)) {
			skip++
			print trim(substr($0, RSTART + RLENGTH)) "\t(the whole file)" >skips
		}
		next
	}
	/^Bail out!/ { bailed = 1; next }
	/^# / { comment = substr($0, 3); next }
	/^(not )?ok( |$)/ {
		results++
		line = $0
		sub(/^(not )?ok( [0-9]+)?/, "", line)
		if (match(line, /# *SKIP/)) {
			skip++
			test = trim(substr(line, 1, RSTART - 1))
			why = trim(substr(line, RSTART + RLENGTH))
			if (test == "") {
				test = why
				why = comment
				sub(/^SKIP:? */, "", why)
			}
			if (why == "")
				why = "(no reason given)"
			print why "\t" test >skips
		} else if ($0 ~ /^ok/) {
			passed++
		} else {
			failed++
		}
		comment = ""
	}
	END { printf "%d %d %d %d %d %d %d\n", plans, planned, results, passed, failed, skip, bailed }
	' "$1"
}

# remove_tree CG: the cgroup and those below it, innermost first, their
# tasks killed (cgroup.kill)
remove_tree() {
	local dir i
	find "$1" -depth -type d 2>/dev/null | while read -r dir; do
		[ -e "$dir/cgroup.kill" ] && echo 1 >"$dir/cgroup.kill" 2>/dev/null
		for ((i = 0; i < RMDIR_TRIES; i++)); do
			rmdir "$dir" 2>/dev/null && break
			sleep 0.1
		done
	done
	[ ! -d "$1" ]
}

# clean_leftovers SID: what the file that ran as session SID left behind:
# processes still in its session, the cgroups and temporary directories
# its tests/lib.sh recorded, cgroups under the cgroup2 root named
# vflow-test-*-SID (the scripts name theirs by $$). Prints what it removed.
clean_leftovers() {
	local sid=$1 p dir cg root procs=0 cgroups=() gone=0 dirs=0
	for p in $(pgrep -s "$sid"); do
		kill -KILL "$p" 2>/dev/null && procs=$((procs + 1))
	done
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	while read -r dir; do
		[ -f "$dir/cgroups" ] && mapfile -t -O ${#cgroups[@]} cgroups <"$dir/cgroups"
	done <"$RUN_DIR/tmp-dirs"
	if [ -n "$root" ]; then
		for cg in "$root"/vflow-test-*; do
			case ${cg##*/} in *-"$sid" | *-"$sid"[.-]*) cgroups+=("$cg") ;; esac
		done
	fi
	# the innermost (last made) first
	for ((p = ${#cgroups[@]} - 1; p >= 0; p--)); do
		cg=${cgroups[p]}
		case $cg in "$root"/?*) ;; *) continue ;; esac
		[ -d "$cg" ] && remove_tree "$cg" && gone=$((gone + 1))
	done
	while read -r dir; do
		case $dir in /tmp/vflow-test.?*) ;; *) continue ;; esac
		[ -d "$dir" ] && rm -rf "$dir" && dirs=$((dirs + 1))
	done <"$RUN_DIR/tmp-dirs"
	if [ $((procs + gone + dirs)) -gt 0 ]; then
		echo "$procs processes, $gone cgroups, $dirs temporary directories"
	fi
}

# stop_file: SIGTERM to the running file's process group, SIGKILL if it
# has not ended after KILL_GRACE_S
stop_file() {
	local i
	# the pid too: the group exists only once setsid has run
	kill -TERM "$CUR_PID" 2>/dev/null
	kill -TERM -- "-$CUR_PID" 2>/dev/null
	for ((i = 0; i < KILL_GRACE_S * 10; i++)); do
		kill -0 "$CUR_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$CUR_PID" 2>/dev/null
}

# stop_watchdog: the process first (it may not have called setsid yet, so
# that its group does not exist), then its group (its sleep)
stop_watchdog() {
	kill -KILL "$WATCHDOG" 2>/dev/null
	kill -KILL -- "-$WATCHDOG" 2>/dev/null
}

interrupted() {
	trap - INT TERM
	if [ -n "$CUR_PID" ]; then
		[ -n "$WATCHDOG" ] && stop_watchdog && wait "$WATCHDOG" 2>/dev/null
		echo "   interrupted: stopping $CUR_NAME"
		stop_file
		wait "$CUR_PID" 2>/dev/null
		clean_leftovers "$CUR_PID" >/dev/null
	fi
	echo "interrupted"
	exit 130
}
trap interrupted INT TERM

# run_one LABEL KIND PATH: run one file, check what it promised, count
run_one() {
	local name=$1 kind=$2 path=$3
	local log=$RUN_DIR/log rc=0 timed_out=0 ran=0 started cleaned=
	local plans planned results tap_pass tap_fail tap_skip bailed why test not_oks
	local problems=() cmd=()
	echo "== $name"
	: >"$log"
	: >"$RUN_DIR/tmp-dirs"
	: >"$RUN_DIR/skips"
	rm -f "$RUN_DIR/timed-out"
	case $kind in
	script) cmd=(bash "$path") ;;
	*) cmd=("$path") ;;
	esac
	if [ "$kind" = unit ] && [ ! -x "$path" ]; then
		problems+=("not built: make WERROR=1 test-build")
	else
		ran=1 started=$SECONDS
		CUR_NAME=$name
		VFLOW_TEST_TMP_LIST=$RUN_DIR/tmp-dirs setsid "${cmd[@]}" >"$log" 2>&1 </dev/null &
		CUR_PID=$!
		# its own session, so that killing it kills its sleep too
		# shellcheck disable=SC2016 # the watchdog's own arguments
		setsid bash -c 'sleep "$1" || exit 0; : >"$2"; kill -TERM -- "-$3"; sleep "$4"; kill -KILL -- "-$3"' \
			watchdog "$TIMEOUT_S" "$RUN_DIR/timed-out" "$CUR_PID" "$KILL_GRACE_S" 2>/dev/null &
		WATCHDOG=$!
		wait "$CUR_PID" 2>/dev/null
		rc=$?
		stop_watchdog
		wait "$WATCHDOG" 2>/dev/null
		WATCHDOG=''
		[ -e "$RUN_DIR/timed-out" ] && timed_out=1
		cleaned=$(clean_leftovers "$CUR_PID")
		CUR_PID=''
	fi
	sed 's/^/   /' "$log"
	[ -n "$cleaned" ] && echo "   # runner: removed what $name left behind: $cleaned"

	read -r plans planned results tap_pass tap_fail tap_skip bailed < <(parse_tap "$log" "$RUN_DIR/skips")
	if [ "$timed_out" -eq 1 ]; then
		problems+=("killed after $((SECONDS - started)) s: ran past VFLOW_TEST_TIMEOUT=$TIMEOUT_S s")
	elif [ "$rc" -ne 0 ]; then
		problems+=("exited with status $rc")
	fi
	if [ "$ran" -eq 1 ]; then
		if [ "$plans" -eq 0 ]; then
			problems+=("printed no TAP plan (1..N)")
		elif [ "$plans" -gt 1 ]; then
			problems+=("printed $plans TAP plans, not one")
		elif [ "$results" -ne "$planned" ]; then
			problems+=("planned $planned results, printed $results")
		fi
	fi
	[ "$bailed" -eq 1 ] && problems+=("bailed out")
	for why in "${problems[@]}"; do echo "   not ok - $name $why"; done
	if [ "$timed_out" -eq 1 ]; then
		echo "   last lines before it was killed:"
		tail -n "$LAST_LINES" "$log" | sed 's/^/   | /'
	fi

	# a failing file counts one failure more, unless its only problem is
	# the non-zero exit that its failed results already explain (cmocka
	# exits with the number of failed tests)
	not_oks=$tap_fail
	if [ ${#problems[@]} -gt 0 ] &&
	   ! { [ ${#problems[@]} -eq 1 ] && [ "$rc" -ne 0 ] && [ "$timed_out" -eq 0 ] && [ "$not_oks" -gt 0 ]; }; then
		tap_fail=$((tap_fail + 1))
	fi
	if [ "$not_oks" -gt 0 ] || [ ${#problems[@]} -gt 0 ]; then
		why=
		[ "$not_oks" -gt 0 ] && why="$not_oks not ok"
		for test in "${problems[@]}"; do why+="${why:+; }$test"; done
		failures+=("$name: $why")
	fi
	while IFS=$'\t' read -r why test; do
		[ -n "${skip_count[$why]+x}" ] || SKIP_REASONS+=("$why")
		skip_count[$why]=$(( ${skip_count[$why]:-0} + 1 ))
		skip_tests[$why]+="$name: $test"$'\n'
	done <"$RUN_DIR/skips"
	count_reliability "$log"
	[ "$ran" -eq 1 ] && printf '%s\t%s\n' "$((SECONDS - started))" "$name" >>"$RUN_DIR/durations"
	pass=$((pass + tap_pass)) fail=$((fail + tap_fail)) skipped=$((skipped + tap_skip))
}

for entry in "${FILES[@]}"; do
	IFS=$'\t' read -r label kind path <<<"$entry"
	run_one "$label" "$kind" "$path"
done

if [ ${#SKIP_REASONS[@]} -gt 0 ]; then
	echo "skipped, by reason (what this machine did not test):"
	for why in "${SKIP_REASONS[@]}"; do
		printf '  %4d  %s\n' "${skip_count[$why]}" "$why"
		printf '%s' "${skip_tests[$why]}" | sed 's/^/          /'
	done
fi
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed:"
	printf '  %s\n' "${failures[@]}"
fi
# where the time went: what to shorten when the suite nears CI's limit
if [ -s "$RUN_DIR/durations" ]; then
	echo "slowest: $(sort -t$'\t' -k1,1nr "$RUN_DIR/durations" | head -n "$SLOWEST_SHOWN" |
		awk -F'\t' '{ printf "%s%s %d s", (NR > 1 ? ", " : ""), $2, $1 }')"
fi
echo "reliability: ${rel_run[fault]:-0} faults injected (${rel_bad[fault]:-0} found problems)," \
	"${rel_run[overload]:-0} overload cases (${rel_bad[overload]:-0})," \
	"${rel_run[least privilege]:-0} least-privilege checks (${rel_bad[least privilege]:-0})," \
	"$fuzz_execs fuzz executions over $fuzz_targets targets ($fuzz_crashes crashes)"
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
