#!/usr/bin/env bash
# Syscall hot-path benchmark (a benchmark, not a test: it reports figures).
#
# A workload runs under each tracer in turn: nothing, the floor (empty
# programs on the same tracepoints, same program type as vflow), the floor
# plus one clock read per program (the least a latency tracer pays), vflowd,
# libbpf-tools `syscount -L`, bpftrace keeping per-cgroup, per-syscall
# latency histograms, `strace -c -f` and `perf trace -s` (per-syscall
# summaries; the workload runs under them, as a user runs them). Rounds are
# interleaved (the order rotates every round) so drift hits every mode
# alike; one table per workload gives medians and min-max of ns per
# operation, the cost each tracer adds over nothing, and that added cost as
# a ratio of the floor's.
#
# Workloads (WORKLOADS, default "getppid pipe"):
#   getppid  CALLS getppid() in a tight loop (tests/helpers/sysloop -t)
#   pipe     OPS 64-byte round trips between two processes over pipes
#            (bench/workload pipe: 4 syscalls, 2 context switches per op)
#   file     OPS open/fstat/read/close of a 64-byte file (bench/workload file)
# The workload is pinned to CPU BENCH_CPU (default 1); tracers' user space
# may use the other CPUs. strace and perf trace cost 25-160 us per op here,
# so they run CALLS/PEER_DIV and OPS/PEER_DIV ops (PEER_DIV default 50): the
# figure is a mean per op either way.
#
#   bench/syscall.sh [ROUNDS] [CALLS] [OPS]     (make bench runs it with defaults)
#   ROUNDS=3 CALLS=200000 OPS=20000 WORKLOADS=file make bench    (the same, by environment)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
ROUNDS=${1:-${ROUNDS:-5}}
CALLS=${2:-${CALLS:-1000000}}
OPS=${3:-${OPS:-100000}}
PEER_DIV=${PEER_DIV:-50}
WORKLOADS=${WORKLOADS:-getppid pipe}
CPU=${BENCH_CPU:-1}		# the loop's CPU; tracers' user space may use the other
MODES=(none floor floor-all clock vflow syscount bpftrace strace perftrace)
TMP=$(mktemp -d /tmp/vflow-bench.XXXXXX)
TRACER_PID=
WRAP=()				# strace / perf trace: the workload runs under them

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root to attach BPF programs: run it with sudo"
for f in "$BUILD/vflowd" "$BUILD/bench/floor" "$BUILD/bench/workload" "$BUILD/tests/sysloop"; do
	[ -x "$f" ] || die "$f missing: run 'make bench'"
done
for v in "$ROUNDS" "$CALLS" "$OPS" "$PEER_DIV"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || die "'$v' is not a positive count (ROUNDS CALLS OPS PEER_DIV)"
done

stop_tracer() {
	if [ -n "$TRACER_PID" ]; then
		kill -INT "$TRACER_PID" 2>/dev/null
		wait "$TRACER_PID" 2>/dev/null
		TRACER_PID=
	fi
	WRAP=()
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
	floor-all) "$BUILD/bench/floor" $FLOOR_ARGS --sched >"$log" 2>&1 & TRACER_PID=$!; wait_ready "$log" attached ;;
	clock) "$BUILD/bench/floor" $FLOOR_ARGS --clock >"$log" 2>&1 & TRACER_PID=$!; wait_ready "$log" attached ;;
	vflow) "$BUILD/vflowd" -i 1 >/dev/null 2>"$log" & TRACER_PID=$!; wait_ready "$log" "tracing syscalls" ;;
	syscount) stdbuf -oL syscount -L >"$log" 2>&1 & TRACER_PID=$!; wait_ready "$log" "Tracing syscalls" ;;
	bpftrace) bpftrace -e "$BPFTRACE_PROG" >"$log" 2>&1 & TRACER_PID=$!; wait_ready "$log" "Attaching" ;;
	strace) WRAP=(strace -c -f -o "$TMP/summary.txt"); return 0 ;;
	perftrace) WRAP=(perf trace -s -o "$TMP/summary.txt" --); return 0 ;;
	esac
	local rc=$?
	sleep 0.3	# let the tracer's own start-up syscalls settle
	return $rc
}

# the workload's command for N ops, into CMD
workload_cmd() {	# workload n
	case $1 in
	getppid) CMD=("$BUILD/tests/sysloop" -t "$2") ;;
	*) CMD=("$BUILD/bench/workload" "$1" "$2") ;;
	esac
}

# the summary strace / perf trace wrote must show the workload's calls (0: it traced nothing)
check_summary() {	# mode workload n
	local sc=getppid want=$3 got
	[ "$2" = getppid ] || { sc="read"; [ "$2" = file ] && sc="fstat"; }
	[ "$2" = pipe ] && want=$((2 * $3))
	# strace: "% time seconds usecs/call calls errors syscall", one table;
	# perf trace: "syscall calls errors ...", one table per thread: summed
	got=$(awk -v sc="$sc" '
		$1 ~ /^[0-9.]+$/ && ($NF == sc || $NF == "new" sc "at") { n += $4 }
		$1 !~ /^[0-9.]+$/ && ($1 == sc || $1 == "new" sc "at") { n += $2 }
		END { print n + 0 }' "$TMP/summary.txt" 2>/dev/null)
	[ "${got:-0}" -ge "$want" ] && return 0
	# perf trace drops events when its buffer overruns: say so, keep the figure
	echo "bench: $2 under $1: its summary shows ${got:-0} $sc calls of >= $want" >&2
	[ "${got:-0}" -gt 0 ]
}

# vflow's syscall programs are tp_btf where the kernel allows: floor matches
"$BUILD/vflowd" -d 0.01 -j 2>/dev/null | grep -q '"syscall_via":"raw_tp"' && FLOOR_ARGS=--raw-tp || FLOOR_ARGS=
skip() {	# reason mode
	local m keep=()
	echo "bench: $1: skipping $2" >&2
	for m in "${MODES[@]}"; do [ "$m" = "$2" ] || keep+=("$m"); done
	MODES=("${keep[@]}")
}
command -v syscount >/dev/null || skip "syscount (libbpf-tools) not installed" syscount
command -v bpftrace >/dev/null || skip "bpftrace not installed" bpftrace
if ! command -v strace >/dev/null; then
	skip "strace not installed" strace
elif ! out=$(strace -c -f -o /dev/null true 2>&1); then
	skip "strace -c -f fails here: ${out##*$'\n'}" strace
fi
if ! command -v perf >/dev/null; then
	skip "perf (linux-perf) not installed" perftrace
elif ! out=$(perf trace -s -o /dev/null -- true 2>&1); then
	skip "perf trace -s fails here (tracefs, perf_event_paranoid?): ${out##*$'\n'}" perftrace
fi

echo "$ROUNDS interleaved rounds per workload, kernel $(uname -r), $(nproc) CPUs, workload on CPU $CPU"
for w in $WORKLOADS; do
	case $w in
	getppid) n_all=$CALLS; what="$CALLS getppid() (sysloop -t)" ;;
	pipe) n_all=$OPS; what="$OPS 64-byte pipe round trips between two processes (workload pipe)" ;;
	file) n_all=$OPS; what="$OPS open/fstat/read/close of a 64-byte file (workload file)" ;;
	*) die "unknown workload '$w' (getppid, pipe, file)" ;;
	esac
	n_peer=$((n_all / PEER_DIV)); ((n_peer < 1000)) && n_peer=1000
	: >"$TMP/results"
	for ((r = 0; r < ROUNDS; r++)); do
		n=${#MODES[@]}
		for ((i = 0; i < n; i++)); do
			m=${MODES[(i + r) % n]}
			if ! start_tracer "$m"; then
				echo "bench: $m failed to start: $(tail -1 "$TMP/tracer.log")" >&2
				stop_tracer
				continue
			fi
			k=$n_all; [ ${#WRAP[@]} -gt 0 ] && k=$n_peer
			: >"$TMP/summary.txt"
			workload_cmd "$w" "$k"
			ns=$("${WRAP[@]}" taskset -c "$CPU" "${CMD[@]}" | awk '/^ns_per_/ { print $2 }')
			if [ ${#WRAP[@]} -gt 0 ] && ! check_summary "$m" "$w" "$k"; then
				ns=
			fi
			stop_tracer
			if [ -z "$ns" ]; then
				echo "bench: $w under $m gave no figure" >&2
				continue
			fi
			echo "$m $ns $k" >>"$TMP/results"
			printf '  %s round %d/%d %-9s %10.1f ns/op (%d ops)\n' "$w" $((r + 1)) "$ROUNDS" "$m" "$ns" "$k" >&2
		done
	done
	echo
	echo "### $w: $what, medians of $ROUNDS interleaved rounds"
	python3 - "$TMP/results" "$w" "${MODES[@]}" <<'PY'
import statistics, sys
res, ops = {}, {}
for line in open(sys.argv[1]):
    m, v, k = line.split()
    res.setdefault(m, []).append(float(v))
    ops[m] = int(k)
unit = "ns/syscall" if sys.argv[2] == "getppid" else "ns/op"
modes = [m for m in sys.argv[3:] if m in res]
med = {m: statistics.median(res[m]) for m in modes}
base = med.get("none")
def added_over(f):
    return med[f] - base if base is not None and f in med and med[f] > base else None
floor_add, all_add = added_over("floor"), added_over("floor-all")
ratio = lambda m, d: "-" if m == "none" or not d else "%.2fx" % ((med[m] - base) / d)
print()
print("| mode | ops per run | %s (median) | min-max | added ns | added / floor's | added / floor-all's | x none |" % unit)
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for m in modes:
    print("| %s | %d | %.1f | %.1f-%.1f | %s | %s | %s | %s |" % (
        m, ops[m], med[m], min(res[m]), max(res[m]),
        "-" if m == "none" or base is None else "%.1f" % (med[m] - base),
        ratio(m, floor_add), ratio(m, all_add),
        "-" if m == "none" or base is None else "%.2f" % (med[m] / base)))
missing = [m for m in sys.argv[3:] if m not in res]
if missing:
    print("\nno figure for: %s (see the messages above)" % ", ".join(missing))
PY
done
