#!/usr/bin/env bash
# Real seccomp filters installed by a test program (tests/helpers/
# seccomp_actions): each action is reported exactly, per sandbox and
# syscall; a user-notify supervisor that delays each reply by 2 ms gives a
# round trip within tolerance of that delay; ordinary processes show no
# sandbox traps. (kill mode: K children die on getpgid, then the parent makes K getppid.)
. "$(dirname "$0")/../lib.sh"

N=200 KILLS=20 NOTIFS=50 DELAY_MS=2
# round trips must lie in [delay, delay + tolerance]: a wakeup on a busy
# 2-CPU machine takes well under the tolerance
TOL_MS=3
NAMES=("errno: exact count" "trap: exact count" "kill: every killed process counted"
       "kill: later counts not confused" "user_notif: exact count" "user_notif: round trip within tolerance"
       "supervisor: notifications and handling time" "notif_continue: counted once, with its round trip"
       "no sandbox traps for ordinary processes" "vflowd stopped cleanly")
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
[ -n "$(cgroup2_root)" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
SA=$BUILD/tests/seccomp_actions
CG_KILL=$(new_cgroup "vflow-test-kill-$$")
CG_BUSY=$(new_cgroup "vflow-test-busy-$$")

start_vflowd "$TMP/out.jsonl" -i 0.2 || fail_all "vflowd did not start" "${NAMES[@]}"
"$SA" errno "$N" >/dev/null & ERRNO_PID=$!
"$SA" trap "$N" >/dev/null & TRAP_PID=$!
wait "$ERRNO_PID" "$TRAP_PID" || diag "errno/trap workload failed"
run_in_cgroup "$CG_KILL" "$SA" kill "$KILLS" >/dev/null || diag "kill workload failed"
VFLOW_NOTIFY_DELAY_MS=$DELAY_MS "$SA" notify "$NOTIFS" >"$TMP/notify.out" || diag "notify workload failed"
VFLOW_NOTIFY_DELAY_MS=$DELAY_MS "$SA" notify-continue "$NOTIFS" >"$TMP/cont.out" || diag "notify-continue workload failed"
# a busy ordinary workload: syscalls, file I/O, forks, no filters
run_in_cgroup "$CG_BUSY" sh -c "'$BUILD/tests/sysloop' 200000 100; ls -R /usr/include >/dev/null; for i in 1 2 3 4 5; do cat /proc/self/status >/dev/null; done"
sleep 0.3
stop_vflowd

python3 - "$TMP/out.jsonl" "$ERRNO_PID" "$TRAP_PID" "$(stat -c %i "$CG_KILL")" "$(stat -c %i "$CG_BUSY")" \
	"$TMP/notify.out" "$TMP/cont.out" "$N" "$KILLS" "$NOTIFS" "$DELAY_MS" "$TOL_MS" <<'PY'
import json, sys
out, errno_pid, trap_pid, cg_kill, cg_busy, notify_out, cont_out = sys.argv[1:8]
n, kills, notifs, delay_ms, tol_ms = map(int, sys.argv[8:])
last = json.loads(open(out).read().splitlines()[-1])
def tap(ok, what, got):
    print(("ok" if ok else "not ok") + " - %s%s" % (what, "" if ok else " (got %s)" % (got,)))
def rows(pid):
    return [r for s in last["sandboxes"] for r in s["syscalls"] if r["pid"] == int(pid)]
def row(pid, name, action):
    return next((r for r in rows(pid) if r["name"] == name and r["action"] == action), {})
def sup_line(path):
    w = open(path).read().split()
    i = w.index("supervisor")
    return int(w[i + 1]), int(w[i + 3])
tap(row(errno_pid, "getpgid", "errno").get("count") == n and len(rows(errno_pid)) == 1,
    "errno: exact count", rows(errno_pid))
tap(row(trap_pid, "getpgid", "trap").get("count") == n and len(rows(trap_pid)) == 1,
    "trap: exact count", rows(trap_pid))
killed = [r for s in last["sandboxes"] for r in s["syscalls"] if r["action"] == "kill" and r["name"] == "getpgid"]
tap(len(killed) == kills and all(r["count"] == 1 for r in killed), "kill: every killed process counted",
    len(killed))
ents = {e["cgroup_id"]: e for e in last["entities"]}
kr = {r["name"]: r for r in ents.get(int(cg_kill), {"syscalls": []})["syscalls"]}
tap(kr.get("getppid", {}).get("count") == kills and kr.get("getppid", {}).get("skipped") == 0
    and kr.get("getpgid", {}).get("skipped") == kills, "kill: later counts not confused",
    (kr.get("getppid"), kr.get("getpgid", {}).get("skipped")))
sup, target = sup_line(notify_out)
un = row(target, "getpgid", "user_notif")
lo, hi = delay_ms * 1e6, (delay_ms + tol_ms) * 1e6
tap(un.get("count") == notifs and un.get("timed") == notifs, "user_notif: exact count", un)
tap(lo <= un.get("mean_ns", 0) <= hi, "user_notif: round trip within tolerance",
    (un.get("mean_ns"), lo, hi))
sv = next((s for s in last["supervisors"] if s["pid"] == sup and s["target_pid"] == target), {})
tap(sv.get("count") == notifs and lo <= sv.get("mean_ns", 0) <= hi and sv.get("mean_ns", 0) <= un.get("mean_ns", 0),
    "supervisor: notifications and handling time", sv)
sup2, target2 = sup_line(cont_out)
cr = rows(target2)
tap(len(cr) == 1 and cr[0]["action"] == "notif_continue" and cr[0]["count"] == notifs
    and lo <= cr[0]["mean_ns"] <= hi, "notif_continue: counted once, with its round trip", cr)
busy = ents.get(int(cg_busy), {"skipped": -1})
tap(busy["skipped"] == 0 and busy.get("count", 0) >= n, "no sandbox traps for ordinary processes",
    (busy["skipped"], busy.get("count")))
PY
