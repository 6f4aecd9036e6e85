#!/usr/bin/env bash
# vflowd --import: ftrace text captures of KVM events go through the same
# rows and report as live tracing; the report shows VMs with per-vCPU and
# per-reason rows; malformed lines are counted, never fatal.
. "$(dirname "$0")/../lib.sh"
VFLOWD_PLAIN=$BUILD/san/vflowd
FIX=$ROOT/tests/fixtures/ftrace
CAPTURES=("$FIX"/*.txt)
# the three checks on each capture's report
REPORT_CHECKS=("VMs in the report" "per-vCPU and per-reason rows" "histograms and means consistent")
# then: the dump (2), the malformed capture, the missing one
plan $((${#CAPTURES[@]} * ${#REPORT_CHECKS[@]} + 4))

for f in "${CAPTURES[@]}"; do
	name=$(basename "$f" .txt)
	if ! "$VFLOWD_PLAIN" --import "$f" --json >"$TMP/$name.json" 2>"$TMP/$name.err"; then
		diag "$name: not imported: $(cat "$TMP/$name.err")"
		for t in "${REPORT_CHECKS[@]}"; do not_ok "$name: $t"; done
		continue
	fi
	tap_from < <(python3 - "$TMP/$name.json" "$name" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
name = sys.argv[2]
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
PY
)
done

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

# the malformed capture: lines skipped and counted on stderr, exit 0
grep -qE "[1-9][0-9]* lines skipped" "$TMP/malformed.err" && ok "malformed lines counted" || { not_ok "malformed lines counted"; diag "$(cat "$TMP/malformed.err")"; }

"$VFLOWD_PLAIN" --import "$TMP/does-not-exist" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "cannot open" "$TMP/err"; then
	ok "missing capture: one-line error"
else
	not_ok "missing capture: one-line error"
	diag "status $rc: $(cat "$TMP/err")"
fi
