#!/usr/bin/env bash
# vflowtop --attach: a second viewer reads vflowd's snapshots over its
# control socket instead of loading the BPF programs again. The socket is
# owner-only; a second vflowd on the same path is refused.
. "$(dirname "$0")/../lib.sh"

N=40009
NAMES=("control socket is owner-only" "attached vflowtop loads no BPF programs"
       "attached vflowtop sees the workload exactly" "other users cannot attach"
       "a second vflowd on the same socket is refused" "vflowd stopped cleanly"
       "attached vflowtop says vflowd times 1 syscall in 16" "sampled: vflowd stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
[ -n "$(cgroup2_root)" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
SOCK=$TMP/ctl/vflowd.sock
CGNAME=vflow-test-attach-$$
CG=$(new_cgroup "$CGNAME")
VFLOWTOP=$BUILD/san/vflowtop

start_vflowd "$TMP/out.jsonl" -i 0.5 --control "$SOCK" || fail_all "vflowd did not start" "${NAMES[@]}"
check "control socket is owner-only" test "$(stat -c '%a %U' "$SOCK")" = "600 root"

run_in_cgroup "$CG" "$BUILD/tests/sysloop" "$N"
"$VFLOWTOP" --attach "$SOCK" --json -d 0.3 -n 3 >"$TMP/top.jsonl" 2>"$TMP/top.err" &
TOP=$!
sleep 0.5
# A loaded program is an open file of its loader (anon_inode:bpf-prog),
# counted per process: other runs on this machine load their own. vflowd's
# show that the count sees them; vflowtop, alive, must hold none.
bpf_progs() { find "/proc/$1/fd" -lname 'anon_inode:bpf-prog' 2>/dev/null | wc -l; }
top_files=$(find "/proc/$TOP/fd" -mindepth 1 2>/dev/null | wc -l)
top_progs=$(bpf_progs "$TOP")
vflowd_progs=$(bpf_progs "$VFLOWD_PID")
wait "$TOP" || diag "vflowtop: $(cat "$TMP/top.err")"
if [ "$top_files" -gt 0 ] && [ "$vflowd_progs" -gt 0 ] && [ "$top_progs" -eq 0 ]; then
	ok "attached vflowtop loads no BPF programs"
else
	not_ok "attached vflowtop loads no BPF programs"
	diag "vflowtop: $top_files open files, $top_progs BPF programs; vflowd: $vflowd_progs BPF programs"
fi
python3 - "$TMP/top.jsonl" "/$CGNAME" "$N" <<'PY' && ok "attached vflowtop sees the workload exactly" || not_ok "attached vflowtop sees the workload exactly"
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
e = next(e for e in last["entities"] if e["path"] == sys.argv[2])
r = next(r for r in e["syscalls"] if r["name"] == "getppid")
sys.exit(0 if r["count"] == int(sys.argv[3]) and sum(r["hist"]) == int(sys.argv[3]) else 1)
PY
if setpriv --reuid=65534 --regid=65534 --clear-groups "$VFLOWTOP" --attach "$SOCK" -b -n 1 >/dev/null 2>"$TMP/nobody.err"; then
	not_ok "other users cannot attach"
else
	check "other users cannot attach" grep -q "Permission denied" "$TMP/nobody.err"
fi
"$VFLOWD" -q --control "$SOCK" -d 1 >/dev/null 2>"$TMP/second.err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q "another vflowd answers on" "$TMP/second.err"; then
	ok "a second vflowd on the same socket is refused"
else
	not_ok "a second vflowd on the same socket is refused"; diag "status $rc: $(cat "$TMP/second.err")"
fi
stop_vflowd

# A vflowd that times 1 syscall in 16: the viewer's latencies are that
# sample too, and it says so (the period travels in the control header)
start_vflowd "$TMP/sampled.jsonl" -i 0.5 --control "$SOCK" --syscall-timing sampled:16 ||
	fail_all "sampled vflowd did not start" "${NAMES[@]:6}"
run_in_cgroup "$CG" "$BUILD/tests/sysloop" "$N"
"$VFLOWTOP" --attach "$SOCK" --json -d 0.3 -n 2 >"$TMP/top2.jsonl" 2>"$TMP/top2.err" ||
	diag "vflowtop: $(cat "$TMP/top2.err")"
python3 - "$TMP/top2.jsonl" "/$CGNAME" <<'PY' && ok "${NAMES[6]}" || not_ok "${NAMES[6]}"
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
e = next(e for e in last["entities"] if e["path"] == sys.argv[2])
print("# %s, period %s, %s" % (last["syscall_timing"], last["syscall_time_period"], e["latency_provenance"]))
sys.exit(0 if last["syscall_timing"] == "sampled 1/16" and last["syscall_time_period"] == 16 and
         e["latency_provenance"] == "sampled 1/16" else 1)
PY
stop_vflowd "sampled"
