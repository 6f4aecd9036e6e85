#!/usr/bin/env bash
# Syscall hot-path benchmark (a benchmark, not a test: it reports figures).
#
# A tight getppid() loop runs under each tracer in turn: nothing, the floor
# (empty programs on the same tracepoints, same program type as vflow), the
# floor plus one clock read per program (the least a latency tracer pays),
# vflowd, libbpf-tools `syscount -L`, and bpftrace keeping per-cgroup,
# per-syscall latency histograms. Rounds are interleaved (the order rotates
# every round) so drift hits every mode alike; the table gives medians and
# min-max of ns per syscall, the cost each tracer adds over nothing, and that
# added cost as a ratio of the floor's.
#
#   bench/syscall.sh [ROUNDS] [CALLS]     (make bench runs it with defaults)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
ROUNDS=${1:-5}
CALLS=${2:-1000000}
CPU=${BENCH_CPU:-1}		# the loop's CPU; tracers' user space may use the other
MODES=(none floor clock vflow syscount bpftrace)
TMP=$(mktemp -d /tmp/vflow-bench.XXXXXX)
TRACER_PID=

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root to attach BPF programs: run it with sudo"
for f in "$BUILD/vflowd" "$BUILD/bench/floor" "$BUILD/tests/sysloop"; do
	[ -x "$f" ] || die "$f missing: run 'make bench'"
done

stop_tracer() {
	if [ -n "$TRACER_PID" ]; then
		kill -INT "$TRACER_PID" 2>/dev/null
		wait "$TRACER_PID" 2>/dev/null
		TRACER_PID=
	fi
}
trap 'stop_tracer; rm -rf "$TMP"' EXIT

# wait until FILE contains PATTERN (the tracer is attached), at most 30 s
wait_ready() {
	local i
	for ((i = 0; i < 600; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$TRACER_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

BPFTRACE_PROG='tracepoint:raw_syscalls:sys_enter { @start[tid] = nsecs; }
tracepoint:raw_syscalls:sys_exit /@start[tid]/ {
	@lat[cgroup, args->id] = hist(nsecs - @start[tid]); delete(@start[tid]); }'

start_tracer() {
	local log="$TMP/tracer.log"
	: >"$log"
	case $1 in
	none) return 0 ;;
	floor) "$BUILD/bench/floor" $FLOOR_ARGS >"$log" 2>&1 & TRACER_PID=$!; wait_ready "$log" attached ;;
	clock) "$BUILD/bench/floor" $FLOOR_ARGS --clock >"$log" 2>&1 & TRACER_PID=$!; wait_ready "$log" attached ;;
	vflow) "$BUILD/vflowd" -i 1 >/dev/null 2>"$log" & TRACER_PID=$!; wait_ready "$log" "tracing syscalls" ;;
	syscount) stdbuf -oL syscount -L >"$log" 2>&1 & TRACER_PID=$!; wait_ready "$log" "Tracing syscalls" ;;
	bpftrace) bpftrace -e "$BPFTRACE_PROG" >"$log" 2>&1 & TRACER_PID=$!; wait_ready "$log" "Attaching" ;;
	esac
	local rc=$?
	sleep 0.3	# let the tracer's own start-up syscalls settle
	return $rc
}

# vflow's syscall programs are tp_btf where the kernel allows: floor matches
"$BUILD/vflowd" -d 0.01 -j 2>/dev/null | grep -q '"syscall_via":"raw_tp"' && FLOOR_ARGS=--raw-tp || FLOOR_ARGS=
command -v syscount >/dev/null || { echo "bench: syscount (libbpf-tools) not installed: skipping it" >&2; MODES=(${MODES[@]/syscount}); }
command -v bpftrace >/dev/null || { echo "bench: bpftrace not installed: skipping it" >&2; MODES=(${MODES[@]/bpftrace}); }

echo "syscall path: $ROUNDS interleaved rounds of $CALLS getppid() on CPU $CPU, kernel $(uname -r), $(nproc) CPUs"
for ((r = 0; r < ROUNDS; r++)); do
	n=${#MODES[@]}
	for ((i = 0; i < n; i++)); do
		m=${MODES[(i + r) % n]}
		if ! start_tracer "$m"; then
			echo "bench: $m failed to start: $(tail -1 "$TMP/tracer.log")" >&2
			stop_tracer
			continue
		fi
		ns=$(taskset -c "$CPU" "$BUILD/tests/sysloop" -t "$CALLS" | awk '/^ns_per_call/ { print $2 }')
		stop_tracer
		echo "$m $ns" >>"$TMP/results"
		printf '  round %d/%d %-9s %8.1f ns/call\n' $((r + 1)) "$ROUNDS" "$m" "$ns" >&2
	done
done

python3 - "$TMP/results" "${MODES[@]}" <<'PY'
import statistics, sys
res = {}
for line in open(sys.argv[1]):
    m, v = line.split()
    res.setdefault(m, []).append(float(v))
modes = [m for m in sys.argv[2:] if m in res]
med = {m: statistics.median(res[m]) for m in modes}
base = med.get("none")
floor_add = med["floor"] - base if base is not None and "floor" in med else None
print()
print("| mode | ns/syscall (median) | min-max | added ns | added / floor's added |")
print("| --- | ---: | ---: | ---: | ---: |")
for m in modes:
    add = med[m] - base if base is not None else float("nan")
    ratio = add / floor_add if floor_add and m != "none" else float("nan")
    print("| %s | %.1f | %.1f-%.1f | %s | %s |" % (
        m, med[m], min(res[m]), max(res[m]),
        "-" if m == "none" else "%.1f" % add,
        "-" if m == "none" or ratio != ratio else "%.2fx" % ratio))
PY
