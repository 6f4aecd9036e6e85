#!/usr/bin/env bash
# Syscall hot-path benchmark (a benchmark, not a test: it reports figures).
#
# A workload runs under each tracer in turn: nothing, the floor (empty
# programs on the same tracepoints, same program type as vflow), the floor
# plus one clock read per program (the least a latency tracer pays), vflowd
# (exact timing, and sampled timing at its default), libbpf-tools `syscount
# -L`, bpftrace keeping per-cgroup, per-syscall latency histograms, `strace
# -c -f` and `perf trace -s` (per-syscall summaries; the workload runs under
# them, as a user runs them). Rounds are interleaved (the order rotates every
# round) so drift hits every mode alike; one table per workload gives
# medians and min-max of ns per operation, the cost each tracer adds over
# nothing, and that added cost as a ratio of the floor's; then the targets
# (docs/PERFORMANCE.md), met or missed, by wall time and by CPU time.
#
# All of it under every clocksource the machine offers (CLOCKSOURCES, see
# bench/lib.sh): the clocksource is switched, and the original one always
# restored at exit, interrupt or error. The 1-minute load average and the
# syscall programs others have attached are printed before each clocksource
# and with the tables: figures from a loaded machine say so.
#
# Workloads (WORKLOADS, default "getppid pipe"):
#   getppid  CALLS getppid() in a tight loop (tests/helpers/sysloop -t)
#   pipe     OPS 64-byte round trips between two processes over pipes
#            (bench/workload pipe: 4 syscalls, 2 context switches per op)
#   file     OPS open/fstat/read/close of a 64-byte file (bench/workload file)
# Each reports its wall time per op and its CPU time per op (the time its
# processes ran: waiting for the CPU on a loaded machine does not count).
# The workload is pinned to CPU BENCH_CPU (default 1); tracers' user space
# may use the other CPUs. strace and perf trace cost 25-160 us per op here,
# so they run CALLS/PEER_DIV and OPS/PEER_DIV ops (PEER_DIV default 50): the
# figure is a mean per op either way.
#
# Modes (MODES, default below): none floor floor-all clock vflow
# vflow-sampled syscount bpftrace strace perftrace, and on request
# vflow-sN (sampled 1 in N), vflow-task (pairing in task storage),
# vflow-task-nosched (task storage, no sandbox inference, no scheduling
# counts: no sched_switch program at all), vflow-nosched (--no-sched-stats).
#
#   bench/syscall.sh [ROUNDS] [CALLS] [OPS]     (make bench runs it with defaults)
#   ROUNDS=3 CALLS=200000 OPS=20000 WORKLOADS=file make bench    (the same, by environment)
#   MODES='none floor clock vflow vflow-task' CLOCKSOURCES=tsc bench/syscall.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
. "$ROOT/bench/lib.sh"
ROUNDS=${1:-${ROUNDS:-5}}
CALLS=${2:-${CALLS:-1000000}}
OPS=${3:-${OPS:-100000}}
PEER_DIV=${PEER_DIV:-50}
WORKLOADS=${WORKLOADS:-getppid pipe}
CPU=${BENCH_CPU:-1}		# the loop's CPU; tracers' user space may use the other
read -ra MODES <<<"${MODES:-none floor floor-all clock vflow vflow-sampled syscount bpftrace strace perftrace}"
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

# SIGINT (the tracers print their summaries and detach), then, if it is
# still there after STOP_GRACE_S (a tracer that took the signal while still
# attaching can miss it), SIGTERM and SIGKILL: the benchmark never hangs
STOP_GRACE_S=10
stop_tracer() {
	local sig i
	if [ -n "$TRACER_PID" ]; then
		for sig in INT TERM KILL; do
			kill -"$sig" "$TRACER_PID" 2>/dev/null || break
			for ((i = 0; i < STOP_GRACE_S * 10; i++)); do
				kill -0 "$TRACER_PID" 2>/dev/null || break 2
				sleep 0.1
			done
			echo "bench: tracer $TRACER_PID still running $STOP_GRACE_S s after SIG$sig" >&2
		done
		wait "$TRACER_PID" 2>/dev/null
		TRACER_PID=
	fi
	WRAP=()
}
trap 'stop_tracer; bench_restore; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

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

# bpftrace prints "Attaching N probes" before it attaches them, and attaches
# them in the program's order: the interval probe, last, says "ready" once
# the two syscall probes are attached (once: a 20 Hz timer on one CPU)
BPFTRACE_PROG='tracepoint:raw_syscalls:sys_enter { @start[tid] = nsecs; }
tracepoint:raw_syscalls:sys_exit /@start[tid]/ {
	@lat[cgroup, args->id] = hist(nsecs - @start[tid]); delete(@start[tid]); }
interval:ms:50 /!@ready/ { @ready = 1; printf("ready\n"); }'

# vflowd's options for a vflow mode
vflow_opts() {
	case $1 in
	vflow) echo "" ;;
	vflow-sampled) echo "--syscall-timing sampled" ;;
	vflow-s[0-9]*) echo "--syscall-timing sampled:${1#vflow-s}" ;;
	vflow-task) echo "--syscall-pairing task" ;;
	vflow-task-nosched) echo "--syscall-pairing task --paradigm container,vm --no-sched-stats" ;;
	vflow-nosched) echo "--no-sched-stats" ;;
	*) return 1 ;;
	esac
}

start_tracer() {
	local log="$TMP/tracer.log" opts
	: >"$log"
	case $1 in
	none) return 0 ;;
	floor) "$BUILD/bench/floor" $FLOOR_ARGS >"$log" 2>&1 & TRACER_PID=$!; wait_ready "$log" attached ;;
	floor-all) "$BUILD/bench/floor" $FLOOR_ARGS --sched >"$log" 2>&1 & TRACER_PID=$!; wait_ready "$log" attached ;;
	clock) "$BUILD/bench/floor" $FLOOR_ARGS --clock >"$log" 2>&1 & TRACER_PID=$!; wait_ready "$log" attached ;;
	vflow*)
		opts=$(vflow_opts "$1") || { echo "bench: unknown mode $1" >&2; return 1; }
		# shellcheck disable=SC2086 # options are words
		"$BUILD/vflowd" -i 1 $opts >/dev/null 2>"$log" & TRACER_PID=$!
		wait_ready "$log" "tracing syscalls" ;;
	syscount) stdbuf -oL syscount -L >"$log" 2>&1 & TRACER_PID=$!; wait_ready "$log" "Tracing syscalls" ;;
	bpftrace) bpftrace -e "$BPFTRACE_PROG" >"$log" 2>&1 & TRACER_PID=$!; wait_ready "$log" "^ready" ;;
	strace) WRAP=(strace -c -f -o "$TMP/summary.txt"); return 0 ;;
	perftrace) WRAP=(perf trace -s -o "$TMP/summary.txt" --); return 0 ;;
	*) echo "bench: unknown mode $1" >&2; return 1 ;;
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
has_mode() { local m; for m in "${MODES[@]}"; do [ "$m" = "$1" ] && return 0; done; return 1; }
has_mode syscount && ! command -v syscount >/dev/null && skip "syscount (libbpf-tools) not installed" syscount
has_mode bpftrace && ! command -v bpftrace >/dev/null && skip "bpftrace not installed" bpftrace
if has_mode strace; then
	if ! command -v strace >/dev/null; then
		skip "strace not installed" strace
	elif ! out=$(strace -c -f -o /dev/null true 2>&1); then
		skip "strace -c -f fails here: ${out##*$'\n'}" strace
	fi
fi
if has_mode perftrace; then
	if ! command -v perf >/dev/null; then
		skip "perf (linux-perf) not installed" perftrace
	elif ! out=$(perf trace -s -o /dev/null -- true 2>&1); then
		skip "perf trace -s fails here (tracefs, perf_event_paranoid?): ${out##*$'\n'}" perftrace
	fi
fi

# one workload's rounds under the current clocksource, appended to $TMP/results
run_workload() {	# clocksource workload
	local cs=$1 w=$2 n_all n_peer r i n m k out ns cpu
	case $w in
	getppid) n_all=$CALLS ;;
	pipe | file) n_all=$OPS ;;
	*) die "unknown workload '$w' (getppid, pipe, file)" ;;
	esac
	n_peer=$((n_all / PEER_DIV)); ((n_peer < 1000)) && n_peer=1000
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
			out=$("${WRAP[@]}" taskset -c "$CPU" "${CMD[@]}")
			ns=$(awk '/^ns_per_/ { print $2 }' <<<"$out")
			cpu=$(awk '/^cpu_ns_per_/ { print $2 }' <<<"$out")
			if [ ${#WRAP[@]} -gt 0 ] && ! check_summary "$m" "$w" "$k"; then
				ns=
			fi
			stop_tracer
			if [ -z "$ns" ]; then
				echo "bench: $w under $m gave no figure" >&2
				continue
			fi
			echo "$cs $w $m $ns ${cpu:-nan} $k $(bench_load)" >>"$TMP/results"
			printf '  %s %s round %d/%d %-9s %10.1f ns/op %10.1f cpu ns/op (%d ops)\n' "$cs" "$w" \
				$((r + 1)) "$ROUNDS" "$m" "$ns" "${cpu:-0}" "$k" >&2
		done
	done
}

: >"$TMP/results"
: >"$TMP/state"
echo "$ROUNDS interleaved rounds per workload, kernel $(uname -r), $(nproc) CPUs, workload on CPU $CPU"
for cs in $(bench_clocksources); do
	if ! bench_clocksource_set "$cs"; then
		echo "bench: cannot switch to clocksource $cs: skipped" >&2
		continue
	fi
	echo "$cs before: $(bench_machine_state)" >>"$TMP/state"
	echo "clocksource $cs: $(bench_machine_state)" >&2
	for w in $WORKLOADS; do
		run_workload "$cs" "$w"
	done
	echo "$cs after: $(bench_machine_state)" >>"$TMP/state"
done
bench_restore
python3 "$ROOT/bench/tables.py" syscall "$TMP/results" "$TMP/state" "$ROUNDS" "$CALLS" "$OPS" "${MODES[@]}"
