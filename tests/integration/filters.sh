#!/usr/bin/env bash
# In-kernel filters. vflowd --cgroup PATH: the cgroup's syscalls (and its
# child's) are counted exactly, nothing of any other cgroup is recorded, and
# a cgroup that does not exist is a one-line error. (A task's write into
# cgroup.procs enters outside the filter and exits inside it: counted as
# in flight when it came into view, never as a skipped syscall.)
# vflowd --paradigm container loads no KVM or sandbox programs: a seccomp
# ERRNO workload is still counted (as skipped syscalls), but no sandbox.
. "$(dirname "$0")/../lib.sh"

NAMES=("filtered cgroup: exact count" "its child cgroup: exact count" "other cgroups: nothing recorded"
       "no skipped or lost syscalls" "vflowd stopped cleanly" "missing cgroup: one-line error"
       "--paradigm container: KVM and sandbox probes not loaded, said why"
       "--paradigm container: seccomp ERRNO counted as skipped, no sandbox" "--paradigm container: vflowd stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
ROOTCG=$(cgroup2_root)
[ -n "$ROOTCG" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
A=$(new_cgroup "vflow-test-filter-$$")
CHILD=$(new_cgroup "vflow-test-filter-$$/child")
B=$(new_cgroup "vflow-test-other-$$")

start_vflowd "$TMP/out.jsonl" -i 0.2 --cgroup "/vflow-test-filter-$$" || fail_all "vflowd did not start" "${NAMES[@]}"
run_in_cgroup "$A" "$BUILD/tests/sysloop" 12345 >/dev/null
run_in_cgroup "$CHILD" "$BUILD/tests/sysloop" 678 >/dev/null
run_in_cgroup "$B" "$BUILD/tests/sysloop" 999 >/dev/null
sleep 0.5
stop_vflowd
python3 - "$TMP/out.jsonl" "$(stat -c %i "$A")" "$(stat -c %i "$CHILD")" >"$TMP/res" <<'PY'
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
a, child = int(sys.argv[2]), int(sys.argv[3])
def getppid(cg):
    e = next((e for e in last["entities"] if e["cgroup_id"] == cg), {"syscalls": []})
    return next((r["count"] for r in e["syscalls"] if r["name"] == "getppid"), 0)
print(getppid(a), getppid(child), len([e for e in last["entities"] if e["cgroup_id"] not in (a, child)]),
      sum(r.get("skipped", 0) for e in last["entities"] for r in e["syscalls"]) + last["lost"])
PY
read -r GA GC OTHERS SKIPPED <"$TMP/res"
check "filtered cgroup: exact count" test "$GA" = 12345
check "its child cgroup: exact count" test "$GC" = 678
check "other cgroups: nothing recorded" test "$OTHERS" = 0
check "no skipped or lost syscalls" test "$SKIPPED" = 0
"$VFLOWD" --cgroup "/vflow-test-nowhere-$$" -d 1 >"$TMP/err.out" 2>"$TMP/err"
RC=$?
if [ "$RC" -eq 1 ] && [ "$(grep -vc '^==' "$TMP/err")" -eq 1 ] && grep -q "cannot open cgroup .*: give a directory of the cgroup2 hierarchy" "$TMP/err"; then
	ok "missing cgroup: one-line error"
else
	not_ok "missing cgroup: one-line error"
	diag "status $RC: $(cat "$TMP/err")"
fi

# the paradigm filter
start_vflowd "$TMP/par.jsonl" -i 0.2 --paradigm container || fail_all "vflowd did not start" "${NAMES[@]:6}"
run_in_cgroup "$B" "$BUILD/tests/seccomp_actions" errno 50 >/dev/null
sleep 0.5
stop_vflowd "--paradigm container"
python3 - "$TMP/par.jsonl" "$(stat -c %i "$B")" >"$TMP/par" <<'PY'
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
absent = {p["name"]: p.get("why", "") for p in last["probes"] if not p["live"]}
e = next((e for e in last["entities"] if e["cgroup_id"] == int(sys.argv[2])), {"syscalls": []})
skipped = next((r.get("skipped", 0) for r in e["syscalls"] if r["name"] == "getpgid"), 0)
print("not traced" in absent.get("kvm:*, xen:*", "") and "not traced" in absent.get("signal:signal_generate", ""),
      skipped, len(last["sandboxes"]))
PY
read -r PROBES SKIP SANDBOXES <"$TMP/par"
check "--paradigm container: KVM and sandbox probes not loaded, said why" test "$PROBES" = True
check "--paradigm container: seccomp ERRNO counted as skipped, no sandbox" test "$SKIP" = 50 -a "$SANDBOXES" = 0
[ "$SKIP" = 50 ] && [ "$SANDBOXES" = 0 ] || diag "skipped $SKIP, sandboxes $SANDBOXES"
