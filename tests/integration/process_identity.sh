#!/usr/bin/env bash
# Process identities outlive their processes (docs/IDENTITY.md): a
# sandboxed process, its user-notify supervisor and a KVM guest's VMM are
# named at their first trap, from /proc, and keep that name after they
# exit; the exit comes from the kernel (sched:sched_process_exit, for
# followed pids only), not from a look at /proc while the report is built.
#  - a seccomp user-notify pair (tests/helpers/seccomp_actions notify):
#    after both exited, the sandbox is still seccomp:seccomp_actions:<pid>,
#    kind seccomp, paradigm sandbox, gone, in the JSON, and its supervisor
#    is named too;
#  - the exit time is the kernel's: it lies between the start of the pair
#    and the moment the test reaped it (kill(pid, 0) before a report finds
#    a process gone only once it is reaped, so later than that);
#  - the exporter keeps the sandbox's series (same labels) after its exit,
#    then folds them after --web.series-ttl;
#  - a KVM guest process started as qemu-system-x86_64 -name guest=<name>
#    (tests/helpers/kvm_guest; PVM emulates it: no hardware exits, but its
#    exits to user space are traced) keeps its name and VMM after it exits;
#  - a dump taken after both exits names them in its entity table, and
#    vflowtop --replay of it shows the sandbox by that name and kind (the
#    guest's few exits are sampled out of the dump's events: no VM row);
#  - after the TTL, the rows of both leave the JSON, summed into
#    "(exited processes)" (the sandbox's and the VM's).
. "$(dirname "$0")/../lib.sh"

INTERVAL_S=0.3
TTL_S=4		# --web.series-ttl: long enough for a scrape after the exit, short for the test
NOTIFS=8 DELAY_MS=150	# the pair lives about 1.2 s: across several reports and a scrape
GUEST_N=300
SA=$BUILD/tests/seccomp_actions
GUEST=$BUILD/tests/kvm_guest
VFLOWDUMP=${VFLOWDUMP:-$BUILD/san/vflowdump}
VFLOWTOP=$BUILD/san/vflowtop
NAMES=("probe sched:sched_process_exit attached"
       "sandbox: named at its first trap, kept after its exit (name, kind, paradigm, gone)"
       "sandbox: its exit time is the kernel's (between start and reaping)"
       "supervisor: named, gone, after its exit"
       "exporter: the sandbox's series keep their labels after its exit"
       "exporter: folded after the TTL"
       "kvm guest: named qemu VM with its -name, gone, after its exit"
       "after the TTL: the sandbox's traps summed into (exited processes), its own row gone"
       "after the TTL: the VM's exits summed into (exited processes), its own row gone"
       "dump after the exits: the sandbox and the VM named in its entity table"
       "vflowtop --replay of that dump: the sandbox by its name and kind"
       "vflowd stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF)" "${NAMES[@]}"
for bin in "$VFLOWD" "$VFLOWDUMP" "$VFLOWTOP" "$SA" "$GUEST"; do
	[ -x "$bin" ] || fail_all "$bin is not built: run make test-build" "${NAMES[@]}"
done
PORT=$(free_port)
scrape() { curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics"; }
# the label sets of vflow_sandbox_traps_total for sandbox $1, sorted
labels_of() { grep "^vflow_sandbox_traps_total{" | grep "sandbox=\"$1\"" | sed 's/}.*/}/' | sort; }

start_vflowd "$TMP/out.jsonl" -i "$INTERVAL_S" --web.listen-address "127.0.0.1:$PORT" \
	--web.series-ttl "$TTL_S" --dump-dir "$TMP/dumps" --dump-cooldown 0 || fail_all "vflowd did not start" "${NAMES[@]}"

# ---- a user-notify pair: the supervisor forks the sandboxed target -------
# reaped by python, which reads the clock right after waitpid(): bash reaps
# a background job when SIGCHLD comes, long before `wait` is called
T_START=$(mono_ns)
VFLOW_NOTIFY_DELAY_MS=$DELAY_MS python3 -c '
import subprocess, sys, time
base = sys.argv[1]
p = subprocess.Popen(sys.argv[2:], stdout=open(base + ".out", "w"))
open(base + ".pid", "w").write("%d\n" % p.pid)
rc = p.wait()
open(base + ".reaped", "w").write("%d\n" % time.clock_gettime_ns(time.CLOCK_MONOTONIC))
sys.exit(rc)' "$TMP/notify" "$SA" notify "$NOTIFS" & RUNNER=$!
wait_for 10 test -s "$TMP/notify.pid"
SUP_PID=$(cat "$TMP/notify.pid")
# while it lives: its sandbox's series (named from the JSON, which has its pid)
TARGET=
for _ in $(seq 50); do
	TARGET=$(python3 - "$TMP/out.jsonl" "$SUP_PID" <<'PY'
import json, sys
for line in reversed(open(sys.argv[1]).readlines()):
    try:
        rep = json.loads(line)
    except ValueError:
        continue
    for s in rep.get("supervisors", []):
        if s["pid"] == int(sys.argv[2]):
            print(s["target_pid"])
            sys.exit(0)
    break
PY
)
	[ -n "$TARGET" ] && break
	sleep 0.1
done
SB_NAME="seccomp:seccomp_actions:${TARGET:-none}"
scrape | labels_of "$SB_NAME" >"$TMP/labels.before"
wait "$RUNNER" || diag "notify workload failed: $(cat "$TMP/notify.out")"
T_REAPED=$(cat "$TMP/notify.reaped")

# ---- a KVM guest under a VMM's name ----------------------------------------
ln -s "$GUEST" "$TMP/qemu-system-x86_64"
GUEST_NAME="vflow-vm-$$"
"$TMP/qemu-system-x86_64" "$GUEST_N" -name "guest=$GUEST_NAME" >"$TMP/guest.out" 2>&1 & GUEST_PID=$!
wait "$GUEST_PID" || diag "kvm guest failed: $(cat "$TMP/guest.out")"

# after both exits, before the TTL: a report taken after them, and a scrape
wait_for 10 python3 -c 'import json,sys; l=open(sys.argv[1]).readlines(); sys.exit(json.loads(l[-2])["ts_ns"] <= int(sys.argv[2]))' \
	"$TMP/out.jsonl" "$(mono_ns)"
scrape | labels_of "$SB_NAME" >"$TMP/labels.after"
# a dump now: its entity table names the exited processes as the report does
kill -USR1 "$VFLOWD_PID"
wait_for 20 grep -q "dump (SIGUSR1) written" "$VFLOWD_OUT.err"
DUMP=$(sed -n 's/.*dump (SIGUSR1) written to \(.*\)$/\1/p' "$VFLOWD_OUT.err" | head -1)
"$VFLOWDUMP" info "$DUMP" >"$TMP/dump.txt" 2>"$TMP/dump.err"
"$VFLOWTOP" --replay "$DUMP" --json -d 0.1 --speed 100000 >"$TMP/replay.jsonl" 2>"$TMP/replay.err"
cp "$TMP/out.jsonl" "$TMP/before_ttl.jsonl"
# past the TTL: the exporter folds the gone sandbox's series
sleep $((TTL_S + 1))
scrape >"$TMP/metrics.ttl"
# and a report taken after that: the exited processes' rows summed
wait_for 10 python3 -c 'import json,sys; l=open(sys.argv[1]).readlines(); sys.exit(json.loads(l[-2])["ts_ns"] <= int(sys.argv[2]))' \
	"$TMP/out.jsonl" "$(mono_ns)"
cp "$TMP/out.jsonl" "$TMP/after_ttl.jsonl"
python3 - "$TMP/before_ttl.jsonl" "$TMP/after_ttl.jsonl" "$SUP_PID" "${TARGET:-0}" "$SB_NAME" "$T_START" "$T_REAPED" \
	"$GUEST_PID" "$GUEST_NAME" "$TMP/labels.before" "$TMP/labels.after" "$TMP/metrics.ttl" "$TMP/dump.txt" \
	"$TMP/replay.jsonl" <<'PY' | tap_from
import json, sys
out, out_ttl, sup, target, sb_name, t0, t1, guest, guest_name, lb, la, mttl, dump, replay = sys.argv[1:]
sup, target, t0, t1, guest = int(sup), int(target), int(t0), int(t1), int(guest)
def check(cond, what, got):
    print(("ok - " if cond else "not ok - ") + what)
    if not cond:
        print("# got %s" % (got,))
def last_of(path):
    last = {}
    for line in open(path):
        try:
            last = json.loads(line)
        except ValueError:
            pass	# the line being written when it was copied
    return last
last, after = last_of(out), last_of(out_ttl)
probes = {p["name"]: p for p in last.get("probes", [])}
p = probes.get("sched:sched_process_exit", {})
check(p.get("live") is True, "probe sched:sched_process_exit attached", p)
sb = next((s for s in last.get("sandboxes", []) if target in s["pids"]), {})
check(sb.get("name") == sb_name and sb.get("kind") == "seccomp" and sb.get("paradigm") == "sandbox"
      and sb.get("gone") is True and sb.get("learnt") == "lookup",
      "sandbox: named at its first trap, kept after its exit (name, kind, paradigm, gone)",
      {k: sb.get(k) for k in ("name", "kind", "paradigm", "gone", "learnt", "pids")})
g = sb.get("gone_since_ns") or 0
check(t0 < g <= t1, "sandbox: its exit time is the kernel's (between start and reaping)",
      {"start": t0, "gone_since_ns": g, "reaped": t1})
su = next((s for s in last.get("supervisors", []) if s["pid"] == sup), {})
check(su.get("name") == "seccomp_actions:%d" % sup and su.get("gone") is True
      and t0 < (su.get("gone_since_ns") or 0) <= t1,
      "supervisor: named, gone, after its exit",
      {k: su.get(k) for k in ("name", "gone", "learnt", "gone_since_ns")})
lbefore, lafter = open(lb).read(), open(la).read()
check(lbefore != "" and lbefore == lafter,
      "exporter: the sandbox's series keep their labels after its exit", {"before": lbefore, "after": lafter})
ttl = open(mttl).read()
# the exited processes' sum, or "other" once that sum is idle past the TTL too
check('sandbox="%s"' % sb_name not in ttl and
      ('vflow_sandbox_traps_total{sandbox="(exited processes)"' in ttl or
       'vflow_sandbox_traps_total{sandbox="other"' in ttl),
      'exporter: folded after the TTL',
      [l for l in ttl.splitlines() if l.startswith("vflow_sandbox_traps_total")])
vm = next((v for v in last.get("vms", []) if v.get("pid") == guest), {})
check(vm.get("name") == guest_name and vm.get("vmm") == "qemu" and vm.get("gone") is True,
      "kvm guest: named qemu VM with its -name, gone, after its exit",
      {k: vm.get(k) for k in ("name", "vmm", "gone", "learnt", "gone_since_ns")})
# the totals never change: what the exited rows held is in the summed row
EXITED = "(exited processes)"
sx = next((s for s in after.get("sandboxes", []) if s["name"] == EXITED), {})
check(not any(target in s["pids"] for s in after.get("sandboxes", []))
      and sx.get("traps", {}).get("count", 0) >= sb.get("traps", {}).get("count", 1) > 0,
      "after the TTL: the sandbox's traps summed into (exited processes), its own row gone",
      {"exited": sx.get("traps"), "before": sb.get("traps"),
       "names": [s["name"] for s in after.get("sandboxes", [])]})
vx = next((v for v in after.get("vms", []) if v["name"] == EXITED), {})
check(not any(v.get("pid") == guest for v in after.get("vms", []))
      and vx.get("userspace", {}).get("count", 0) >= vm.get("userspace", {}).get("count", 1) > 0,
      "after the TTL: the VM's exits summed into (exited processes), its own row gone",
      {"exited": vx.get("userspace"), "before": vm.get("userspace"),
       "names": [v["name"] for v in after.get("vms", [])]})
# vflowdump info: "  process   ID   TYPE   NAME" per process entity
procs = {int(r[1]): r[2:4] for r in (l.split() for l in open(dump) if l.startswith("  process "))
         if len(r) >= 4 and r[1].isdigit()}
check(procs.get(target) == ["sandbox", sb_name] and procs.get(guest) == ["vm", guest_name],
      "dump after the exits: the sandbox and the VM named in its entity table",
      {"sandbox": procs.get(target), "vm": procs.get(guest)})
# the replay's last report: named from the dump, as the live report named them
rl = last_of(replay)
rsb = next((s for s in rl.get("sandboxes", []) if target in s["pids"]), {})
check(rsb.get("name") == sb_name and rsb.get("kind") == "seccomp",
      "vflowtop --replay of that dump: the sandbox by its name and kind",
      {"sandbox": {k: rsb.get(k) for k in ("name", "kind", "pids")},
       "sandboxes": [s["name"] for s in rl.get("sandboxes", [])]})
PY
TAP_N=$((TAP_N + 11))
stop_vflowd
