#!/usr/bin/env bash
# A cgroup made, used and removed while vflowd could not read (docs/IDENTITY.md):
#  - vflowd stopped (SIGSTOP): the BPF programs keep counting and the
#    kernel keeps the cgroup's mkdir and rmdir records in the identity
#    ring buffer; once vflowd runs again the cgroup is named from them
#    (podman:<id12>, learnt mkdir, gone) with exactly its N getppid;
#  - stopped while so many cgroups churned that the identity ring buffer
#    overflowed: the cgroup's records are lost, and it was gone before
#    vflowd could read its path. It is still counted exactly (N getppid,
#    its own row), named from what remains - its id: cgroup:<id> - and the
#    output says why: learnt "nothing", gone, and identity_events_lost > 0.
. "$(dirname "$0")/../lib.sh"

N=20011
CHURN=700	# mkdir + rmdir records, 536 bytes each: 1400 > the ring's 256 KiB (about 480)
SYSLOOP=$BUILD/tests/sysloop
CGCHURN=$BUILD/tests/cgchurn
NAMES=("stopped: named from its mkdir record after SIGCONT (podman:<id12>, learnt mkdir, gone, N getppid)"
       "ring overflowed: counted exactly under its id, learnt nothing, gone"
       "ring overflowed: identity_events_lost says records were lost"
       "vflowd stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
CG2=$(cgroup2_root)
[ -n "$CG2" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
for bin in "$VFLOWD" "$SYSLOOP" "$CGCHURN"; do
	[ -x "$bin" ] || fail_all "$bin is not built: run make test-build" "${NAMES[@]}"
done
hex64() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
TOP=$CG2/vflow-test-stopped-$$
mkdir -p "$TOP/libpod_parent" "$TOP/churn"
on_exit "find '$TOP' -depth -type d 2>/dev/null | while read -r d; do rmdir \"\$d\" 2>/dev/null; done"
# run_in CG: exactly N getppid from a process in CG (sysloop execs in it)
run_in() { sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" "$3"' sh "$1" "$SYSLOOP" "$N" >/dev/null; }

start_vflowd "$TMP/out.jsonl" -i 0.5 || fail_all "vflowd did not start" "${NAMES[@]}"

# ---- stopped: the records wait in the ring ---------------------------------
STOPPED_ID=$(hex64)
STOPPED=$TOP/libpod_parent/libpod-$STOPPED_ID
kill -STOP "$VFLOWD_PID"
mkdir "$STOPPED"
run_in "$STOPPED"
rmdir "$STOPPED"
kill -CONT "$VFLOWD_PID"
report_after "$(mono_ns)"

# ---- stopped while cgroups churned: the ring overflows ---------------------
LOST_ID=$(hex64)
LOST=$TOP/libpod_parent/libpod-$LOST_ID
kill -STOP "$VFLOWD_PID"
"$CGCHURN" "$TOP/churn" c "$CHURN" 0 remove 60 >"$TMP/churn.out"
mkdir "$LOST"
LOST_CGID=$(stat -c %i "$LOST")
run_in "$LOST"
rmdir "$LOST"
kill -CONT "$VFLOWD_PID"
report_after "$(mono_ns)"

python3 - "$TMP/out.jsonl" "$N" "$STOPPED_ID" "$LOST_CGID" "$(cat "$TMP/churn.out")" <<'PY' | tap_from
import json, sys
out, n, stopped_id, lost_cgid, churn = sys.argv[1:]
n, lost_cgid = int(n), int(lost_cgid)
last = {}
for line in open(out):
    try:
        last = json.loads(line)
    except ValueError:
        pass
def getppid(e):
    return sum(s["count"] for s in e.get("syscalls", []) if s["name"] == "getppid")
def check(cond, what, got):
    print(("ok - " if cond else "not ok - ") + what)
    if not cond:
        print("# got %s" % (got,))
ents = last.get("entities", [])
e = next((x for x in ents if x["name"] == "podman:" + stopped_id[:12]), {})
check(e.get("learnt") == "mkdir" and e.get("gone") is True and e.get("paradigm") == "container"
      and getppid(e) == n,
      "stopped: named from its mkdir record after SIGCONT (podman:<id12>, learnt mkdir, gone, N getppid)",
      {k: e.get(k) for k in ("name", "learnt", "gone", "paradigm")} | {"getppid": getppid(e)})
e = next((x for x in ents if x["cgroup_id"] == lost_cgid), {})
check(e.get("name") == "cgroup:%d" % lost_cgid and e.get("learnt") == "nothing" and e.get("gone") is True
      and getppid(e) == n,
      "ring overflowed: counted exactly under its id, learnt nothing, gone",
      {k: e.get(k) for k in ("name", "learnt", "gone", "paradigm")} | {"getppid": getppid(e), "churn": churn})
check(last.get("identity_events_lost", 0) > 0, "ring overflowed: identity_events_lost says records were lost",
      {"identity_events_lost": last.get("identity_events_lost"), "churn": churn})
PY
TAP_N=$((TAP_N + 3))
stop_vflowd
