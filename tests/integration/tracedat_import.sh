#!/usr/bin/env bash
# vflowd --import of the binary captures people record, made here:
#  - trace.dat, written by trace-cmd from a tracing instance of this
#    kernel, read through libtracecmd: KVM events where the machine takes
#    hardware VM exits (tests/helpers/kvm_guest's exits, counted exactly),
#    sched events always, to prove the reader: every record read, each
#    event as many times as `trace-cmd report` shows it;
#  - perf.data, through `perf script`: every sample read, as perf shows it;
#  - a damaged trace.dat: one line that says what to do;
#  - only vflowd links libtracecmd (readelf -d).
# Skips are facts of this machine, probed here: not root (tracefs
# instances), trace-cmd or perf not installed, no hardware VM exits.
. "$(dirname "$0")/../lib.sh"
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
TRACEFS=/sys/kernel/tracing
# sched_process_exec events the workload makes, one per /bin/true
EXECS=20
GUEST_LOOPS=200
NAMES=("trace.dat of sched events: every record read" "trace.dat of sched events: each event as trace-cmd report counts it"
       "trace.dat of sched events: no KVM exit made up"
       "trace.dat of KVM events: the guest's IO and HLT exits counted and timed"
       "perf.data: every sample read, each event as perf script counts it"
       "damaged trace.dat: one-line error" "only vflowd links libtracecmd and libtraceevent")
plan ${#NAMES[@]}

# Why this machine takes no hardware VM exits (empty: it does), as kvm_live.sh probes it.
no_hw_exits_reason() {
	if [ ! -c /dev/kvm ]; then
		echo "no /dev/kvm"
	elif ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
		echo "no vmx/svm flag in /proc/cpuinfo (KVM modules: $(ls /sys/module | grep '^kvm' | paste -sd ' ')): guests run without hardware VM exits"
	elif [ ! -d /sys/module/kvm_intel ] && [ ! -d /sys/module/kvm_amd ]; then
		echo "neither kvm_intel nor kvm_amd is loaded: guests run without hardware VM exits"
	fi
}

# record_tracedat OUT EVENT... -- COMMAND...: the events of a tracing
# instance of our own while COMMAND runs, written by `trace-cmd extract`
# (trace-cmd record needs the function tracer's files, which this kernel
# refuses; extract only reads the instance's ring buffer)
record_tracedat() {
	local out=$1 inst=vflow-import-$$-$RANDOM ev
	shift
	mkdir "$TRACEFS/instances/$inst" || return 1
	on_exit "rmdir $TRACEFS/instances/$inst"
	while [ "$1" != -- ]; do
		echo 1 >"$TRACEFS/instances/$inst/events/$1/enable" || return 1
		shift
	done
	shift
	"$@" >"$TMP/workload.out" 2>&1 || return 1
	echo 0 >"$TRACEFS/instances/$inst/tracing_on"
	trace-cmd extract -B "$inst" -o "$out" >"$TMP/extract.log" 2>&1
	[ -s "$out" ]
}

# the events trace-cmd report shows, by name, and their number: "name count" lines
report_counts() {
	trace-cmd report -i "$1" 2>/dev/null | python3 -c '
import re, sys
counts = {}
for line in sys.stdin:
    m = re.search(r"\s\d+\.\d+:\s+(\w+):", line)
    if m:
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
print(" ".join("%s=%d" % kv for kv in sorted(counts.items())))'
}

# vflowd's reading: lines, exits and skipped events by name, as "name=count"
import_counts() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["import"]
names = {n["name"]: n["count"] for n in d["skipped_names"] if n["why"] == "other_event"}
print(d["format"], d["lines"], d["exits"], d["events"], " ".join("%s=%d" % kv for kv in sorted(names.items())))' "$1"
}

execs() { for _ in $(seq "$EXECS"); do /bin/true; done; }

# ---- readelf: no program but vflowd takes libtracecmd ----
if command -v readelf >/dev/null; then
	bad=
	readelf -d "$BUILD/vflowd" | grep -q 'NEEDED.*libtracecmd' || bad="vflowd lacks libtracecmd"
	for p in vflowdump vflowtop san/vflowdump san/vflowtop; do
		readelf -d "$BUILD/$p" | grep -qE 'NEEDED.*lib(tracecmd|traceevent|tracefs)' && bad+=" $p links it"
	done
	check "only vflowd links libtracecmd and libtraceevent" test -z "$bad"
	[ -z "$bad" ] || diag "$bad"
else
	skip "only vflowd links libtracecmd and libtraceevent" "readelf (binutils) not installed"
fi

# ---- perf.data through perf script ----
if ! command -v perf >/dev/null; then
	skip "perf.data: every sample read, each event as perf script counts it" "perf not installed (Debian: linux-perf)"
elif ! perf record -q -e sched:sched_process_exec -o "$TMP/perf.data" -- bash -c "$(declare -f execs); EXECS=$EXECS execs" \
	>"$TMP/perf.log" 2>&1; then
	skip "perf.data: every sample read, each event as perf script counts it" "perf record refused: $(tail -1 "$TMP/perf.log")"
else
	want=$(perf script -i "$TMP/perf.data" 2>/dev/null | grep -c 'sched:sched_process_exec:')
	"$VFLOWD" --import "$TMP/perf.data" --json >"$TMP/perf.json" 2>"$TMP/perf.err"
	got=$(import_counts "$TMP/perf.json" 2>&1)
	check "perf.data: every sample read, each event as perf script counts it" \
		test "$got" = "perf.data (perf script) $want 0 0 sched_process_exec=$want" -a "$want" -ge "$EXECS"
	diag "perf.data: perf script shows $want sched_process_exec; vflowd: $got"
fi

if [ "$(id -u)" -ne 0 ]; then
	for t in "${NAMES[@]:0:4}" "${NAMES[5]}"; do skip "$t" "needs root (a tracing instance)"; done
	exit 0
fi
if ! command -v trace-cmd >/dev/null; then
	for t in "${NAMES[@]:0:4}" "${NAMES[5]}"; do skip "$t" "trace-cmd not installed (scripts/deps.sh installs it)"; done
	exit 0
fi
[ -d "$TRACEFS/instances" ] || mount -t tracefs nodev "$TRACEFS" 2>/dev/null

# ---- trace.dat of sched events: the reader, on any machine ----
if record_tracedat "$TMP/sched.dat" sched/sched_process_exec sched/sched_process_exit -- \
	bash -c "$(declare -f execs); EXECS=$EXECS execs"; then
	"$VFLOWD" --import "$TMP/sched.dat" --json >"$TMP/sched.json" 2>"$TMP/sched.err"
	want=$(report_counts "$TMP/sched.dat")
	read -r fmt lines exits events names < <(import_counts "$TMP/sched.json" 2>/dev/null)
	total=$(echo "$want" | tr ' ' '\n' | awk -F= '{ s += $2 } END { print s + 0 }')
	execd=$(echo "$want" | tr ' ' '\n' | sed -n 's/^sched_process_exec=//p')
	check "trace.dat of sched events: every record read" \
		test "$fmt" = "trace.dat" -a "$lines" = "$total" -a "${execd:-0}" -ge "$EXECS"
	check "trace.dat of sched events: each event as trace-cmd report counts it" test "$names" = "$want"
	check "trace.dat of sched events: no KVM exit made up" test "$exits" = 0 -a "$events" = 0
	diag "trace.dat: trace-cmd report shows $want; vflowd read $lines records: $names"
else
	for t in "${NAMES[@]:0:3}"; do not_ok "$t"; done
	diag "recording failed: $(cat "$TMP/workload.out" "$TMP/extract.log" 2>/dev/null | tail -3)"
fi

# ---- trace.dat of KVM events, where hardware VM exits happen ----
why=$(no_hw_exits_reason)
if [ -n "$why" ]; then
	skip "${NAMES[3]}" "$why"
elif record_tracedat "$TMP/kvm.dat" kvm/kvm_exit kvm/kvm_entry kvm/kvm_userspace_exit kvm/kvm_pio -- \
	"$BUILD/tests/kvm_guest" "$GUEST_LOOPS"; then
	"$VFLOWD" --import "$TMP/kvm.dat" --json >"$TMP/kvm.json" 2>"$TMP/kvm.err"
	tap_from < <(python3 - "$TMP/kvm.json" "$TMP/workload.out" "${NAMES[3]}" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
m = re.search(r"exits io (\d+) hlt (\d+)", open(sys.argv[2]).read())
io, hlt = (int(m.group(1)), int(m.group(2))) if m else (-1, -1)
rows = [r for v in d["vms"] for r in v["reasons"]]
def timed(kind, names):
    return sum(r["count"] for r in rows if r["kind"] == kind and r["name"] in names)
got = (timed("userspace", ("IO",)), timed("userspace", ("HLT",)),
       timed("vmx", ("IO_INSTRUCTION",)) + timed("svm", ("io",)))
ok = got == (io, hlt, io) and io > 0
print(("ok" if ok else "not ok") + " - " + sys.argv[3] + ("" if ok else " (got %s, the guest made io %d hlt %d)" % (got, io, hlt)))
PY
)
else
	not_ok "${NAMES[3]}"
	diag "recording failed: $(tail -3 "$TMP/extract.log" 2>/dev/null)"
fi

# ---- a damaged trace.dat: the plain build, as libtracecmd 3.1.6 leaks on
# this failure path (its own allocation, not vflowd's) ----
if [ -s "$TMP/sched.dat" ]; then
	head -c 4096 "$TMP/sched.dat" >"$TMP/cut.dat"
	"$BUILD/vflowd" --import "$TMP/cut.dat" >/dev/null 2>"$TMP/cut.err"
	rc=$?
	if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/cut.err")" -eq 1 ] && grep -q "trace-cmd report -i" "$TMP/cut.err"; then
		ok "damaged trace.dat: one-line error"
	else
		not_ok "damaged trace.dat: one-line error"
		diag "status $rc: $(cat "$TMP/cut.err")"
	fi
else
	not_ok "damaged trace.dat: one-line error"
	diag "no trace.dat was recorded to damage"
fi
