# Shared by the integration tests: TAP output, skips with reasons, cleanup.
# Each test prints "ok N - what", "not ok N - what" or "ok N - what # SKIP why".
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
VFLOWD=${VFLOWD:-$BUILD/san/vflowd}
TAP_N=0
TMP=$(mktemp -d /tmp/vflow-test.XXXXXX)
# tests/run.sh removes it (and the cgroups listed in it) after a file it
# had to kill before this file's EXIT trap could
[ -n "${VFLOW_TEST_TMP_LIST:-}" ] && echo "$TMP" >>"$VFLOW_TEST_TMP_LIST"
CLEANUP=()

cleanup() {
	local i cg
	for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[i]}" 2>/dev/null || true; done
	# cgroups made by new_cgroup, innermost (last made) first
	if [ -f "$TMP/cgroups" ]; then
		tac "$TMP/cgroups" | while read -r cg; do remove_cgroup "$cg"; done
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
on_exit() { CLEANUP+=("$*"); }

# plan N: the TAP plan, printed before any result; the runner fails a file
# whose results do not match it (a file that dies halfway, a lost check)
plan() { echo "1..$1"; }
ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); echo "not ok $TAP_N - $*"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
# check "description" command...: ok if the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# skip_all "reason" "test names...": the whole file cannot run here
skip_all() { local why=$1; shift; for t in "$@"; do skip "$t" "$why"; done; exit 0; }
# fail_all "what" "test names...": a precondition that should hold failed
fail_all() { local why=$1; shift; diag "$why"; for t in "$@"; do not_ok "$t"; done; exit 0; }
diag() { echo "# $*"; }
# tap_from: number the "ok - what" and "not ok - what" lines of a helper
# (a python check) like the rest; other lines pass through
tap_from() {
	local line
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) not_ok "${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done
}

cgroup2_root() { awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts; }

# start_prometheus: Debian's Prometheus with $TMP/prometheus.yml, its data
# in $TMP/tsdb, listening on 127.0.0.1:$PPORT; PROM_PID, stopped on exit
start_prometheus() {
	prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
		--web.listen-address="127.0.0.1:$PPORT" >"$TMP/prometheus.log" 2>&1 &
	PROM_PID=$!
	on_exit "kill $PROM_PID; wait $PROM_PID"
}

# free_port: a TCP port free on loopback now
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for SECONDS command...: poll until the command succeeds
wait_for() {
	local deadline=$((SECONDS + $1)); shift
	until "$@"; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.05
	done
}

# start_vflowd OUT ARGS...: vflowd --json in the background until its first report
start_vflowd() {
	local out=$1; shift
	VFLOWD_OUT=$out
	"$VFLOWD" --json "$@" >"$out" 2>"$out.err" &
	VFLOWD_PID=$!
	on_exit "kill $VFLOWD_PID; wait $VFLOWD_PID"
	wait_for 20 test -s "$out" || { diag "vflowd did not report: $(cat "$out.err")"; return 1; }
}

# stop_vflowd [LABEL]: SIGINT, wait for its final report; one TAP line on
# its exit status (a sanitizer or leak report makes it non-zero)
stop_vflowd() {
	local rc
	kill -INT "$VFLOWD_PID"
	wait "$VFLOWD_PID"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "${1:+$1: }vflowd stopped cleanly"
	else
		not_ok "${1:+$1: }vflowd stopped cleanly"
		diag "status $rc: $(tail -5 "$VFLOWD_OUT.err")"
	fi
	return "$rc"
}

# nr_of NAME: this architecture's number of syscall NAME
nr_of() {
	awk -v n="__NR_$1" '$1 == "#define" && $2 == n { print $3; exit }' \
		/usr/include/"$(uname -m)"-linux-gnu/asm/unistd_64.h /usr/include/asm/unistd_64.h 2>/dev/null
}

# remove_cgroup CG: end what is left in it, then remove it (exited tasks
# hold a cgroup until they are reaped: retry for a while)
remove_cgroup() {
	local cg=$1 i
	[ -d "$cg" ] || return 0
	[ -e "$cg/cgroup.kill" ] && echo 1 >"$cg/cgroup.kill" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		rmdir "$cg" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# new_cgroup NAME: create a child cgroup v2 (removed at exit); prints its path.
# Called as $(new_cgroup ...), a subshell: the cleanup is kept in a file.
new_cgroup() {
	local cg
	cg="$(cgroup2_root)/$1"
	mkdir -p "$cg" || return 1
	echo "$cg" >>"$TMP/cgroups"
	echo "$cg"
}

# run_in_cgroup CG CMD...: run CMD as a member of cgroup CG
run_in_cgroup() {
	local cg=$1; shift
	sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$cg" "$@"
}

# CLOCK_MONOTONIC in ns, the clock of vflowd's ts_ns
mono_ns() { python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC))'; }

# report_after T [LIMIT_S]: wait, up to LIMIT_S seconds (20), for a report
# in $VFLOWD_OUT whose snapshot was taken after T (mono_ns): a report is
# printed a while after its snapshot on busy cores, so counting lines is
# not enough. REPORT_INDEX: that report's line number, from 0.
report_after() {
	local deadline=$((SECONDS + ${2:-20}))
	until REPORT_INDEX=$(python3 - "$VFLOWD_OUT" "$1" <<'PY'
import json, sys
for i, line in enumerate(open(sys.argv[1])):
    try:
        if json.loads(line)["ts_ns"] > int(sys.argv[2]):
            print(i)
            sys.exit(0)
    except ValueError:
        pass	# a line being written
sys.exit(1)
PY
	); do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}
