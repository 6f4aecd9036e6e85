#!/usr/bin/env bash
# vflowd --import: text captures of KVM events, every family operators
# have, go through the same rows and report as live tracing. Each capture's
# exits, pairs, mean latency, reasons (by today's names) and pairing keys
# equal what tests/import_reference.py, a second reading of the formats
# written apart from the importer, computes; the report shows VMs with
# per-vCPU and per-reason rows; an imported VM's eta is unknown, never a
# measured 0; malformed lines are counted, never fatal.
. "$(dirname "$0")/../lib.sh"
VFLOWD_PLAIN=$BUILD/san/vflowd
FIX=$ROOT/tests/fixtures/ftrace
REF=$ROOT/tests/import_reference.py
CAPTURES=("$FIX"/*.txt)
# the families vflowd reads, each with the fixture written for it
FAMILIES=(
	"ftrace trace_pipe, 6.x formats:vmx_trace_pipe"
	"ftrace trace with record-tgid:vmx_trace_tgid"
	"ftrace before 5.14 (no vcpu in kvm_exit):vmx_old"
	"2.6.3x ftrace, lower-case reasons, no info:vmx_2635_lowercase"
	"trace-cmd report:vmx_trace_cmd"
	"trace-cmd report, kvm plugin SVM names, <...>-PID:svm_trace_cmd_plugin"
	"SVM, 5.14+ records (vcpu, info1, intr_info):svm_vcpu_newer"
	"SVM trace_pipe with record-tgid:svm_trace_pipe"
	"timestamp only:timestamp_only"
	"perf script, comm pid/tid cpu time:vmx_perf_script"
	"perf script, cpu and time only:perf_cpu_time"
	"perf script, comm and time only:perf_comm_time"
	"perf-prof:perf_prof"
	"reasons renamed between kernels:vmx_renamed"
	"truncated last line:truncated_last_line"
	"malformed lines:malformed"
)
# the checks on each capture's report
REPORT_CHECKS=("VMs in the report" "per-vCPU and per-reason rows" "histograms and means consistent"
	       "exits, pairs and mean latency as the reference" "reasons and pairing keys as the reference"
	       "eta unknown, named by pid or comm")
# then: every family has its fixture, the dumps (3), the malformed capture,
# the missing one, the text table's eta
plan $((${#CAPTURES[@]} * ${#REPORT_CHECKS[@]} + 7))

for f in "${CAPTURES[@]}"; do
	name=$(basename "$f" .txt)
	if ! "$VFLOWD_PLAIN" --import "$f" --json >"$TMP/$name.json" 2>"$TMP/$name.err" ||
	   ! python3 "$REF" "$f" >"$TMP/$name.ref" 2>"$TMP/$name.referr"; then
		diag "$name: not imported: $(cat "$TMP/$name.err" "$TMP/$name.referr")"
		for t in "${REPORT_CHECKS[@]}"; do not_ok "$name: $t"; done
		continue
	fi
	tap_from < <(python3 - "$TMP/$name.json" "$TMP/$name.ref" "$name" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ref = json.load(open(sys.argv[2]))
name = sys.argv[3]
vms = d["vms"]
def tap(ok, what, got):
    print(("ok" if ok else "not ok") + " - %s: %s%s" % (name, what, "" if ok else " (got %s)" % (got,)))
tap(len(vms) >= 1, "VMs in the report", len(vms))
tap(all(v["vcpus"] and v["reasons"] for v in vms), "per-vCPU and per-reason rows",
    [(len(v["vcpus"]), len(v["reasons"])) for v in vms])
# every timed row's histogram holds its count, and the mean is total/count
bad = [r for v in vms for r in v["reasons"] if r["kind"] in ("vmx", "svm", "vmexit")
       and (sum(r["hist"]) != r["count"] or (r["count"] and abs(r["mean_ns"] - r["total_ns"] / r["count"]) > 0.1))]
tap(not bad, "histograms and means consistent", bad[:2])
# the exit rows of every VM, by today's name: [timed, untimed, total_ns]
reasons = {}
for v in vms:
    for r in v["reasons"]:
        if r["kind"] in ("vmx", "svm", "vmexit"):
            x = reasons.setdefault("%s %s" % (r["kind"], r["name"]), [0, 0, 0])
            x[0] += r["count"]; x[1] += r["skipped"]; x[2] += r["total_ns"]
exits = sum(x[0] + x[1] for x in reasons.values())
pairs = sum(x[0] for x in reasons.values())
total = sum(x[2] for x in reasons.values())
imp = d["import"]
got = (exits, pairs, total, imp["exits"], imp["unknown_reason_exits"])
want = (ref["exits"], ref["pairs"], ref["total_ns"], ref["exits"], ref["unknown"])
tap(got == want, "exits, pairs and mean latency as the reference",
    "exits/pairs/total_ns/stats exits/unknown %s, reference %s" % (got, want))
print("# %s: reference %d exits, %d pairs, mean %.1f ns; importer %d, %d, %.1f ns; paired by %s"
      % (name, ref["exits"], ref["pairs"], ref["mean_ns"], exits, pairs, total / pairs if pairs else 0,
         "+".join(sorted(imp["paired_by"]))))
tap(reasons == ref["reasons"] and imp["paired_by"] == ref["keys"],
    "reasons and pairing keys as the reference",
    "%s %s, reference %s %s" % (reasons, imp["paired_by"], ref["reasons"], ref["keys"]))
# a capture has no on-CPU time: eta unknown (null, not measured); a VM is
# its pid, or its comm (pid null) when the capture names no pid
named = all((v["pid"] is not None and v["name"] == "pid:%d" % v["pid"]) or
            (v["pid"] is None and v["name"]) for v in vms)
eta = [v["model"]["eta"] for v in vms if v["model"]] + \
      [p["model"]["eta"] for p in d["paradigms"] if p["paradigm"] in ("fullvirt", "paravirt") and p["model"]]
tap(named and eta and all(e["value"] is None and e["provenance"] == "unknown" for e in eta),
    "eta unknown, named by pid or comm", ([(v["pid"], v["name"]) for v in vms], eta[:3]))
PY
)
done

# every family has its fixture, and that fixture is one of the captures checked above
missing=()
for fam in "${FAMILIES[@]}"; do
	[ -f "$FIX/${fam##*:}.txt" ] || missing+=("${fam%%:*} (${fam##*:}.txt)")
done
check "every family has its fixture (${#FAMILIES[@]} families)" test ${#missing[@]} -eq 0
[ ${#missing[@]} -eq 0 ] || diag "missing: ${missing[*]}"

# the same capture as a dump (--dump-dir): one event per exit, read back by vflowdump
F=$FIX/vmx_trace_pipe.txt
if "$VFLOWD_PLAIN" --import "$F" --dump-dir "$TMP/dumps" >/dev/null 2>"$TMP/dump.err" &&
   D=$(sed -n 's/.* exits written to \(.*\)$/\1/p' "$TMP/dump.err") && [ -s "$D" ]; then
	WANT=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(r["count"] + r.get("skipped", 0) for v in d["vms"] for r in v["reasons"] if r["kind"] in ("vmx", "svm", "vmexit")))' \
		"$TMP/vmx_trace_pipe.json")
	GOT=$("$BUILD/san/vflowdump" csv "$D" 2>/dev/null | awk -F, 'NR > 1 && $15 == "imported"' | wc -l)
	check "import as a dump: one imported event per exit ($WANT)" test "$GOT" = "$WANT" -a "$WANT" -gt 0
	"$BUILD/san/vflowdump" info "$D" 2>/dev/null | grep -q "clock offset    unknown" &&
		ok "import as a dump: no host clock claimed" || not_ok "import as a dump: no host clock claimed"
else
	not_ok "import as a dump: one imported event per exit"
	not_ok "import as a dump: no host clock claimed"
	diag "$(cat "$TMP/dump.err")"
fi

# a capture with comms and no pid: its dump names each VM by its comm
if "$VFLOWD_PLAIN" --import "$FIX/perf_comm_time.txt" --dump-dir "$TMP/commdump" >/dev/null 2>"$TMP/comm.err" &&
   D=$(sed -n 's/.* exits written to \(.*\)$/\1/p' "$TMP/comm.err") && [ -s "$D" ]; then
	names=$("$BUILD/san/vflowdump" info "$D" 2>/dev/null | awk '$1 == "process" && $3 == "vm"' |
		sed 's/^ *process *[0-9]* *vm *//; s/ *$//' | sort | paste -sd ',')
	check "import as a dump: a VM with no pid named by its comm ($names)" \
		test "$names" = "CPU 0/KVM,CPU 1/KVM,preempt_test"
else
	not_ok "import as a dump: a VM with no pid named by its comm"
	diag "$(cat "$TMP/comm.err")"
fi

# the malformed capture: lines skipped and counted by why on stderr, exit 0
if grep -qE "[1-9][0-9]* lines skipped: .*[0-9]+ not event lines \(first: line [0-9]+\)" "$TMP/malformed.err" &&
   grep -q "3 of unknown reason" "$TMP/malformed.err"; then
	ok "malformed lines counted by why"
else
	not_ok "malformed lines counted by why"
	diag "$(cat "$TMP/malformed.err")"
fi

"$VFLOWD_PLAIN" --import "$TMP/does-not-exist" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "cannot open" "$TMP/err"; then
	ok "missing capture: one-line error"
else
	not_ok "missing capture: one-line error"
	diag "status $rc: $(cat "$TMP/err")"
fi

# the text table: an unknown eta is "-" with its provenance, never "0.0%"
"$VFLOWD_PLAIN" --import "$FIX/vmx_trace_tgid.txt" >"$TMP/table" 2>/dev/null
if grep -qE "^fullvirt .* - +[0-9]+- *[0-9]+%  unknown$" "$TMP/table" && ! grep -q "measured" "$TMP/table"; then
	ok "text table: imported eta shown as -, provenance unknown"
else
	not_ok "text table: imported eta shown as -, provenance unknown"
	diag "$(head -4 "$TMP/table")"
fi
