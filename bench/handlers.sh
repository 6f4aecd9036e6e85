#!/usr/bin/env bash
# Per-handler BPF cost by the kernel's own accounting (a benchmark, not a
# test): kernel.bpf_stats_enabled=1, vflowd and the empty twins of its
# programs (bench/floor --sched) attached at once, plus the clock twins
# (bench/floor --clock: one bpf_ktime_get_ns() per syscall program), so
# that every program sees the same events; then a getppid() storm with a
# sleeping loop beside it, pipe ping-pong (context switches), signals and
# forks, all on CPU BENCH_CPU. Per program: run_time_ns / run_cnt over the
# window, and vflow's program over its empty twin of the same type on the
# same tracepoint (target <= 1.5x).
#
# Programs are told apart by when they appeared (vflowd's, then the twins',
# then the clock twins'): run it on a quiet machine, where no one else loads
# BPF programs meanwhile.
#
# Each vflowd variant (VARIANTS, "name:vflowd options" separated by ";")
# runs in turn, under every clocksource (CLOCKSOURCES, bench/lib.sh); the
# original clocksource and kernel.bpf_stats_enabled are restored at exit.
#
#   bench/handlers.sh [CALLS]     (as root; bench/suite.sh part 5 is its one-variant,
#                                 one-clocksource form)
#   VARIANTS='exact:;sampled:--syscall-timing sampled' CLOCKSOURCES=tsc bench/handlers.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
. "$ROOT/bench/lib.sh"
CALLS=${1:-${CALLS:-4000000}}
CPU=${BENCH_CPU:-1}
VARIANTS=${VARIANTS:-"exact:;sampled:--syscall-timing sampled;task pairing:--syscall-pairing task;no sched stats:--no-sched-stats"}
TMP=$(mktemp -d /tmp/vflow-handlers.XXXXXX)
PIDS=()
OLD_STATS=

die() { echo "handlers: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (BPF, kernel.bpf_stats_enabled): run it with sudo"
for f in "$BUILD/vflowd" "$BUILD/bench/floor" "$BUILD/bench/workload" "$BUILD/tests/sysloop"; do
	[ -x "$f" ] || die "$f missing: run 'make bench'"
done
[[ $CALLS =~ ^[1-9][0-9]*$ ]] || die "'$CALLS' is not a positive count"
command -v bpftool >/dev/null || die "bpftool not installed"

stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill -INT "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PIDS=()
}
cleanup() {
	stop_all
	[ -n "$OLD_STATS" ] && sysctl -q -w kernel.bpf_stats_enabled="$OLD_STATS"
	bench_restore
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# the loaded programs as JSON; bpftool can fail while others load or unload
# programs: tried again, and the measurement stops rather than misattribute
progs_json() {
	local i out
	for ((i = 0; i < 5; i++)); do
		out=$(bpftool -j prog show 2>/dev/null) && [ -n "$out" ] && { echo "$out"; return 0; }
		sleep 0.2
	done
	die "bpftool -j prog show failed 5 times"
}
wait_file() {	# file pattern pid: at most 30 s
	local i
	for ((i = 0; i < 300; i++)); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
start() {	# log pattern cmd...: started and attached, its pid in PIDS
	local log=$1 pat=$2
	shift 2
	"$@" >"$log" 2>&1 &
	PIDS+=($!)
	wait_file "$log" "$pat" $! || die "$1 did not start: $(tail -1 "$log")"
}

# one variant under the current clocksource: the per-program figures into $R
measure() {	# tag vflowd-options
	local tag=$1 opts=$2 raw=
	progs_json >"$TMP/p0.json"
	# shellcheck disable=SC2086 # the variant's options are words
	start "$TMP/v.log" "tracing syscalls" "$BUILD/vflowd" -q -i 1 $opts
	grep -q "tracing syscalls via raw_tp" "$TMP/v.log" && raw=--raw-tp
	progs_json >"$TMP/p1.json"
	start "$TMP/f.log" attached "$BUILD/bench/floor" $raw --sched
	progs_json >"$TMP/p2.json"
	start "$TMP/c.log" attached "$BUILD/bench/floor" $raw --clock
	sleep 1.5
	progs_json >"$TMP/p3.json"
	taskset -c "$CPU" "$BUILD/tests/sysloop" 0 0 2000 &
	local sleeper=$!
	taskset -c "$CPU" "$BUILD/tests/sysloop" -t "$CALLS" >/dev/null
	wait "$sleeper"
	for w in "pipe $((CALLS / 40))" "signal $((CALLS / 80))" "fork $((CALLS / 4000))"; do
		taskset -c "$CPU" "$BUILD/bench/workload" $w >/dev/null || die "workload $w failed"
	done
	progs_json >"$TMP/p4.json"
	stop_all
	python3 - "$TMP" "$tag" >>"$R" <<'PY'
import json, sys
d, tag = sys.argv[1], sys.argv[2]
load = lambda n: {p["id"]: p for p in json.load(open("%s/%s.json" % (d, n)))}
p = [load("p%d" % i) for i in range(5)]
owner = lambda i: "vflow" if i in p[1] and i not in p[0] else "floor" if i in p[2] and i not in p[1] \
    else "clock" if i in p[3] and i not in p[2] else None
for pid, x in p[4].items():
    who = owner(pid)
    if not who or pid not in p[3]:
        continue
    runs = x.get("run_cnt", 0) - p[3][pid].get("run_cnt", 0)
    ns = x.get("run_time_ns", 0) - p[3][pid].get("run_time_ns", 0)
    print("%s\t%s\t%s\t%d\t%d" % (tag, who, x.get("name", "?"), runs, ns))
PY
}

OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -q -w kernel.bpf_stats_enabled=1
make -s -C "$ROOT" build/vflowd build/bench/floor build/bench/workload build/tests/sysloop >/dev/null ||
	die "build failed"
R=$TMP/results
: >"$R"
echo "per-handler cost, kernel $(uname -r), $(nproc) CPUs, workloads on CPU $CPU, $CALLS getppid()"
for cs in $(bench_clocksources); do
	bench_clocksource_set "$cs" || { echo "handlers: cannot switch to clocksource $cs: skipped" >&2; continue; }
	IFS=';' read -ra vs <<<"$VARIANTS"
	for v in "${vs[@]}"; do
		echo "  $cs, ${v%%:*}: $(bench_machine_state)" >&2
		echo "#state	$cs	${v%%:*}	$(bench_load)" >>"$R"
		measure "$cs/${v%%:*}" "${v#*:}"
	done
done
bench_restore
python3 - "$R" <<'PY'
import sys
rows, state = {}, {}
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[0] == "#state":
        state["%s/%s" % (f[1], f[2])] = f[3]
        continue
    tag, who, name, runs, ns = f[0], f[1], f[2], int(f[3]), int(f[4])
    rows.setdefault(tag, {})[(who, name)] = (runs, ns)
# vflow program -> its tracepoint and the prefix of its twin (names are cut at 15 characters)
TP = (("sys_enter", "sys_enter", "floor_enter"), ("sys_exit", "sys_exit", "floor_exit"),
      ("sched_switch", "sched_switch", "floor_switch"), ("signal_gen", "signal_generate", "floor_signal"),
      ("cgroup_mkdir", "cgroup_mkdir", "floor_mkdir"))
def twin(name):
    for key, tp, fp in TP:
        if name.startswith(key):
            return tp, fp
    return None, None
def find(progs, who, prefix):
    for (w, n), v in sorted(progs.items()):
        if w == who and n.startswith(prefix) and v[0]:
            return v
    return None
by_cs = {}
for tag in rows:
    by_cs.setdefault(tag.split("/")[0], []).append(tag)
for cs, tags in by_cs.items():
    print("\n### Per-handler cost, clocksource %s (kernel.bpf_stats_enabled=1)\n" % cs)
    print("| variant (load) | vflow program | tracepoint | runs | ns/run | empty twin ns/run | added ns | ratio | clock twin ns/run | target <= 1.5x |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for tag in tags:
        progs, variant = rows[tag], tag.split("/", 1)[1]
        silent = []
        for (w, n), (runs, ns) in sorted(progs.items()):
            if w != "vflow":
                continue
            tp, fp = twin(n)
            if not tp:
                continue
            if not runs:
                silent.append(n)
                continue
            per = ns / runs
            tw, ck = find(progs, "floor", fp), find(progs, "clock", fp)
            tper = tw[1] / tw[0] if tw else float("nan")
            cper = ck[1] / ck[0] if ck else None
            ratio = per / tper if tw else float("nan")
            if not tw:
                verdict = "no empty twin ran in the window"
            elif ratio <= 1.5:
                verdict = "met"
            else:
                verdict = "missed by %.2fx (%.1f ns over 1.5x)" % (ratio - 1.5, per - 1.5 * tper)
            print("| %s (%s) | %s | %s | %d | %.1f | %.1f | %.1f | %.2fx | %s | %s |" % (
                variant, state.get(tag, "?"), n, tp, runs, per, tper, per - tper, ratio,
                "%.1f" % cper if cper else "-", verdict))
        if silent:
            print("| %s | %s | | 0 | | | | | | did not run |" % (variant, ", ".join(silent)))
print("\nratio = vflow's program / its empty twin (bench/floor --sched) of the same type on the same "
      "tracepoint, both attached in the same window; the clock twin is the empty program plus one "
      "bpf_ktime_get_ns(). The kernel's accounting adds its own clock reads around every run, to "
      "both sides alike. (load) = the 1-minute load average before the variant's window.")
PY
