#!/usr/bin/env bash
# The overhead model live: a container-like cgroup (a docker-style scope
# running a syscall loop) beside a seccomp-trapping sandbox. Both must show
# eta, C_trap and C_schedule with their provenance, and the sandbox's trap
# share (C_trap / on-CPU time) must be larger than the container's. The
# exporter shows the L_trap bands of the model vflowd loaded (a model.conf
# with other bands), and those of the one a SIGHUP reloads. A capture has
# no on-CPU time: its VMs' eta is unknown (null in JSON), never 0.
. "$(dirname "$0")/../lib.sh"

NAMES=("container: eta, C_trap, C_schedule with provenance" "sandbox: eta, C_trap, C_schedule with provenance"
       "sandbox trap share larger than the container's" "paradigm rows carry the document's bands, the host none"
       "exporter: the bands of the loaded model.conf" "exporter: the bands of the model.conf SIGHUP reloaded"
       "vflowd stopped cleanly" "an imported capture's VMs: eta and C_workload unknown (null), not 0")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
[ -n "$(cgroup2_root)" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
CID=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
SLICE=$(new_cgroup "vflow-test-model-$$.slice")
CG="$SLICE/docker-$CID.scope"
mkdir "$CG" && on_exit "remove_cgroup '$CG'"

# the document's VM bands moved (ns), so that the exporter can only show them from the file
CONF=$TMP/model.conf
sed -e 's/^fullvirt.trap_ns_lo = .*/fullvirt.trap_ns_lo = 1234/' \
    -e 's/^paravirt.trap_ns_hi = .*/paravirt.trap_ns_hi = 987/' "$ROOT/config/model.conf" >"$CONF"
PORT=$(free_port)
start_vflowd "$TMP/out.jsonl" -i 1 --model-config "$CONF" --web.listen-address "127.0.0.1:$PORT" ||
	fail_all "vflowd did not start" "${NAMES[@]}"
# both run for ~3 s, side by side, bounded
run_in_cgroup "$CG" sh -c "for i in 1 2 3 4 5 6; do '$BUILD/tests/sysloop' 300000; done" &
W1=$!
VFLOW_NOTIFY_DELAY_MS=1 "$BUILD/tests/seccomp_actions" notify 1500 >"$TMP/sb.out" &
W2=$!
wait "$W1" "$W2"
sleep 1.2

# band FILE PARADIGM BOUND: the exporter's band in ns, from a /metrics body
band() {
	awk -v s="vflow_model_trap_latency_seconds{paradigm=\"$2\",bound=\"$3\"}" \
		'$1 == s { printf "%.0f\n", $2 * 1e9 }' "$1"
}
scrape() { curl -sf --max-time 10 -o "$1" "http://127.0.0.1:$PORT/metrics"; }
scrape "$TMP/m1.txt"
GOT="$(band "$TMP/m1.txt" fullvirt low) $(band "$TMP/m1.txt" fullvirt high) $(band "$TMP/m1.txt" paravirt high)"
check "exporter: the bands of the loaded model.conf" test "$GOT" = "1234 3100 987"
diag "fullvirt low, fullvirt high, paravirt high: $GOT ns"
sed -i -e 's/^fullvirt.trap_ns_hi = .*/fullvirt.trap_ns_hi = 5678/' "$CONF"
kill -HUP "$VFLOWD_PID"
wait_for 5 grep -q "configuration reloaded" "$VFLOWD_OUT.err"
# the exporter renders before each report: one more report is one rendering after the reload
LINES=$(wc -l <"$VFLOWD_OUT")
wait_for 5 test "$(wc -l <"$VFLOWD_OUT")" -gt "$LINES"
scrape "$TMP/m2.txt"
GOT="$(band "$TMP/m2.txt" fullvirt low) $(band "$TMP/m2.txt" fullvirt high) $(band "$TMP/m2.txt" paravirt high)"
check "exporter: the bands of the model.conf SIGHUP reloaded" test "$GOT" = "1234 5678 987"
diag "after SIGHUP: $GOT ns; $(grep -c reload "$VFLOWD_OUT.err") reload lines"
stop_vflowd

tap_from < <(python3 - "$TMP/out.jsonl" "$CID" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()]
cid = sys.argv[2]
def tap(ok, what, got):
    print(("ok" if ok else "not ok") + " - %s%s" % (what, "" if ok else " (got %s)" % (got,)))
PROV = {"measured", "calibrated", "modelled"}
def complete(m):
    return m and all(k in m and m[k]["provenance"] in PROV for k in ("eta", "c_trap_ns", "c_schedule_ns")) \
        and 0 <= m["eta"]["value"] <= 1
# the interval where each was busiest (an interval with no on-CPU time measured has none)
best_c = max((e["model"] for l in lines for e in l["entities"] if e.get("id") == cid and e["model"]),
             key=lambda m: m["oncpu_ns"] or 0, default=None)
best_s = max((s["model"] for l in lines for s in l["sandboxes"] if s["model"] and
              s["by_action"].get("user_notif", 0) > 0), key=lambda m: m["oncpu_ns"] or 0, default=None)
tap(complete(best_c) and best_c["c_trap_ns"]["provenance"] == "modelled" and best_c["oncpu_ns"] > 0,
    "container: eta, C_trap, C_schedule with provenance", best_c)
tap(complete(best_s) and best_s["c_trap_ns"]["value"] > 0, "sandbox: eta, C_trap, C_schedule with provenance", best_s)
tap(best_c and best_s and best_s["trap_share"] > best_c["trap_share"],
    "sandbox trap share larger than the container's",
    (best_s and best_s["trap_share"], best_c and best_c["trap_share"]))
par = {p["paradigm"]: p["model"] for p in lines[-1]["paradigms"]}
# the host has no band in the document: its eta is shown, never judged
tap(par.get("container") and par["container"]["eta_band"] == [0.85, 0.95] and
    par.get("sandbox") and par["sandbox"]["eta_band"] == [0.9, 0.98] and
    par.get("host") and par["host"]["eta_band"] is None and not par["host"]["eta_out_of_band"],
    "paradigm rows carry the document's bands, the host none", {k: v and v["eta_band"] for k, v in par.items()})
PY
)

# an imported capture (tests/fixtures/ftrace): exits and their times, no on-CPU time
F=$ROOT/tests/fixtures/ftrace/vmx_trace_cmd.txt
"$VFLOWD" --import "$F" --json >"$TMP/import.json" 2>"$TMP/import.err" || diag "import: $(tail -1 "$TMP/import.err")"
tap_from < <(python3 - "$TMP/import.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]).read().splitlines() if l.strip()]
vms = [v["model"] for l in lines for v in l["vms"]]
fv = [p["model"] for l in lines for p in l["paradigms"] if p["paradigm"] == "fullvirt"]
unknown = lambda m: m and all(m[k] == {"value": None, "provenance": "unknown"} for k in ("eta", "work_ns"))
# a VM's on-CPU time is null too (the paradigm's is a sum of the known ones: 0)
ok = vms and fv and all(unknown(m) for m in vms + fv) and all(m["oncpu_ns"] is None for m in vms) \
    and any(m["f_trap"]["value"] for m in vms)
print(("ok" if ok else "not ok") + " - an imported capture's VMs: eta and C_workload unknown (null), not 0")
if not ok:
    print("# %r" % [(m and m["eta"], m and m["oncpu_ns"]) for m in vms + fv][:4])
PY
)
