#!/usr/bin/env bash
# A real gVisor sandbox (runsc, ptrace platform): its application's
# syscalls are emulated by the Sentry through PTRACE_SYSEMU, so each shows
# as a sys_exit without sys_enter on a stub thread. vflowd must show a
# gVisor sandbox entity with at least as many ptrace traps of the
# workload's syscall as it made, with their latency.
. "$(dirname "$0")/../lib.sh"

N=5000
NAMES=("gvisor: sandbox entity" "gvisor: ptrace traps at least N" "gvisor: traps timed" "vflowd stopped cleanly")
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF)" "${NAMES[@]}"
command -v runsc >/dev/null || skip_all "runsc (gVisor) not installed: apt-get install runsc" "${NAMES[@]}"
RUNSC=(runsc --rootless --network=none --platform=ptrace do)
"${RUNSC[@]}" true >"$TMP/probe.out" 2>&1 || skip_all "runsc cannot run here: $(tail -1 "$TMP/probe.out")" "${NAMES[@]}"

start_vflowd "$TMP/out.jsonl" -i 0.2 || fail_all "vflowd did not start" "${NAMES[@]}"
"${RUNSC[@]}" "$BUILD/tests/sysloop" "$N" >"$TMP/runsc.out" 2>&1 || diag "runsc failed: $(tail -3 "$TMP/runsc.out")"
sleep 0.3
stop_vflowd

python3 - "$TMP/out.jsonl" "$N" <<'PY'
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
n = int(sys.argv[2])
def tap(ok, what, got):
    print(("ok" if ok else "not ok") + " - %s%s" % (what, "" if ok else " (got %s)" % (got,)))
gv = [s for s in last["sandboxes"] if s["kind"] == "gvisor"]
tap(bool(gv), "gvisor: sandbox entity", [(s["name"], s["kind"]) for s in last["sandboxes"]][:5])
rows = [r for s in gv for r in s["syscalls"] if r["name"] == "getppid" and r["action"] == "ptrace"]
traps = sum(r["count"] for r in rows)
tap(traps >= n, "gvisor: ptrace traps at least N", traps)
timed = sum(r["timed"] for r in rows)
tap(timed > 0 and all(r["mean_ns"] > 0 for r in rows if r["timed"]), "gvisor: traps timed",
    [(r["timed"], r["mean_ns"]) for r in rows])
PY
