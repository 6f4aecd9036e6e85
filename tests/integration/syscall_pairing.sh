#!/usr/bin/env bash
# How sys_enter and sys_exit are paired, beyond the fast path:
# - syscalls that block (the thread switches out, maybe to another CPU) are
#   paired exactly, with their real latency;
# - syscalls seccomp fails with ERRNO exit without entering: counted as
#   skipped, never as latency;
# - a syscall already in progress when tracing starts gives no latency.
. "$(dirname "$0")/../lib.sh"

NAMES=("blocking syscalls paired exactly" "blocking latency is real (>= 1 ms)"
       "ERRNO'd syscalls counted as skipped" "ERRNO'd syscalls give no latency"
       "allowed syscalls still counted beside skipped ones"
       "in-flight syscall at start gives no latency" "in-flight syscall at start counted"
       "vflowd stopped cleanly")
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
[ -n "$(cgroup2_root)" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"

SLEEPS=200 N=5000 M=300
CG_SLEEP=$(new_cgroup "vflow-test-sleep-$$")
CG_ERRNO=$(new_cgroup "vflow-test-errno-$$")
CG_INFLIGHT=$(new_cgroup "vflow-test-inflight-$$")

# in flight before vflowd starts: a 3 s sleep, entered now
run_in_cgroup "$CG_INFLIGHT" sleep 3 &
INFLIGHT_PID=$!
sleep 0.5

start_vflowd "$TMP/out.jsonl" -i 0.2 || fail_all "vflowd did not start" "${NAMES[@]}"
run_in_cgroup "$CG_SLEEP" "$BUILD/tests/sysloop" 0 0 "$SLEEPS" &
SLEEP_PID=$!
run_in_cgroup "$CG_ERRNO" "$BUILD/tests/seccomp_errno" "$(nr_of getpgid)" "$BUILD/tests/sysloop" "$N" "$M"
wait "$SLEEP_PID"
wait "$INFLIGHT_PID"
sleep 0.3
stop_vflowd

python3 - "$TMP/out.jsonl" "$(stat -c %i "$CG_SLEEP")" "$(stat -c %i "$CG_ERRNO")" \
	"$(stat -c %i "$CG_INFLIGHT")" "$SLEEPS" "$N" "$M" <<'PY'
import json, sys
out = sys.argv[1]
cg_sleep, cg_errno, cg_inflight, sleeps, n, m = map(int, sys.argv[2:])
last = json.loads(open(out).read().splitlines()[-1])
ents = {e["cgroup_id"]: e for e in last["entities"]}
def rows(cg):
    return {r["name"]: r for r in ents.get(cg, {"syscalls": []})["syscalls"]}
def tap(ok, what, got):
    print(("ok" if ok else "not ok") + " - %s%s" % (what, "" if ok else " (got %s)" % (got,)))
ns = rows(cg_sleep).get("nanosleep", {})
tap(ns.get("count") == sleeps and ns.get("skipped") == 0, "blocking syscalls paired exactly",
    (ns.get("count"), ns.get("skipped")))
# 1 ms = 1e6 ns lies in slot 20 ([2^19, 2^20)) or above
tap(sum(ns.get("hist", [1])[:20]) == 0 and ns.get("mean_ns", 0) >= 1e6,
    "blocking latency is real (>= 1 ms)", (ns.get("hist"), ns.get("mean_ns")))
e = rows(cg_errno)
pg, pp = e.get("getpgid", {}), e.get("getppid", {})
tap(pg.get("skipped") == m, "ERRNO'd syscalls counted as skipped", pg.get("skipped"))
tap(pg.get("count") == 0 and sum(pg.get("hist", [1])) == 0, "ERRNO'd syscalls give no latency",
    (pg.get("count"), pg.get("hist")))
tap(pp.get("count") == n and pp.get("skipped") == 0, "allowed syscalls still counted beside skipped ones",
    (pp.get("count"), pp.get("skipped")))
inf = rows(cg_inflight)
cn = inf.get("clock_nanosleep", {})
tap(cn.get("count", 0) == 0 and cn.get("skipped", 0) == 0, "in-flight syscall at start gives no latency", cn)
tap(last["counters"]["inflight_at_start"] >= 1, "in-flight syscall at start counted", last["counters"])
PY
