#!/usr/bin/env bash
# A real Chromium (Debian's), headless, with its own sandbox: its renderers
# run under Chromium's seccomp-bpf policy, which answers some syscalls with
# SIGSYS (SECCOMP_RET_TRAP: the sched_* calls its handler rewrites) and
# denies others with an errno (clone3: ENOSYS, so that glibc falls back to
# clone). vflowd must name each process that trapped as a Chromium sandbox
# by the role Chromium gave it, and count its traps exactly; and a dump of
# the run, played back by vflowtop --replay, must show them the same way.
#
# What is counted is checked against bpftrace on the same run, per process:
# its count of seccomp SIGSYS (signal_generate, si_code SYS_SECCOMP), and
# of clone3 returning ENOSYS with no clone3 entry in that process (the
# kernel implements clone3, so only the filter gives that answer).
. "$(dirname "$0")/../lib.sh"

NAMES=("chromium: each trapping process a chromium sandbox, a renderer among them"
       "chromium: seccomp SIGSYS traps counted exactly per process"
       "chromium: clone3 denied (errno) counted exactly per process"
       "chromium: vflowtop --replay of a dump shows them by name, kind and role"
       "vflowd stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF)" "${NAMES[@]}"
command -v chromium >/dev/null || skip_all "chromium not installed: apt-get install chromium" "${NAMES[@]}"
command -v bpftrace >/dev/null || skip_all "bpftrace not installed: apt-get install bpftrace" "${NAMES[@]}"
id nobody >/dev/null 2>&1 || skip_all "no user nobody to run Chromium as (it refuses to sandbox as root)" "${NAMES[@]}"

# Chromium refuses its sandbox as root: it runs as the user nobody, from a
# directory that user can read, with a page that keeps the renderer busy
WEB=$(mktemp -d /tmp/vflow-test-chromium.XXXXXX)
on_exit "rm -rf $WEB"
chmod 755 "$WEB"
mkdir "$WEB/home" && chown nobody "$WEB/home"
cat >"$WEB/page.html" <<'EOF'
<html><body><script>
let s = 0; for (let i = 0; i < 2000000; i++) s += Math.sqrt(i);
document.body.innerText = "sum " + s;
</script></body></html>
EOF
chmod 644 "$WEB/page.html"
chromium_run() {
	timeout 60 runuser -u nobody -- env HOME="$WEB/home" chromium --headless=new --disable-gpu \
		--no-first-run --dump-dom "file://$WEB/page.html"
}
# the machine can run it, sandbox included (user namespaces): probed alone
chromium_run >"$TMP/probe.out" 2>"$TMP/probe.err" && grep -q "sum " "$TMP/probe.out" ||
	skip_all "Chromium cannot run its sandbox here: $(grep -v dbus "$TMP/probe.err" | tail -1)" "${NAMES[@]}"

cat >"$TMP/truth.bt" <<'EOF'
tracepoint:signal:signal_generate /args->sig == 31 && args->code == 1/ { @sigsys[pid] = count(); }
tracepoint:raw_syscalls:sys_enter /args->id == 435/ { @clone3_enter[pid] = count(); }
tracepoint:raw_syscalls:sys_exit /args->id == 435 && args->ret == -38/ { @clone3_enosys[pid] = count(); }
BEGIN { printf("attached\n"); }
EOF

VFLOWTOP=$BUILD/san/vflowtop
[ -x "$VFLOWTOP" ] || fail_all "$VFLOWTOP is not built: run make test-build" "${NAMES[@]}"
start_vflowd "$TMP/out.jsonl" -i 0.2 --dump-dir "$TMP/dumps" || fail_all "vflowd did not start" "${NAMES[@]}"
bpftrace "$TMP/truth.bt" >"$TMP/truth.out" 2>"$TMP/truth.err" &
BT=$!
on_exit "kill $BT 2>/dev/null; wait $BT 2>/dev/null"
wait_for 30 grep -qs attached "$TMP/truth.out" || diag "bpftrace did not attach: $(tail -2 "$TMP/truth.err")"
chromium_run >"$TMP/run.out" 2>"$TMP/run.err" || diag "chromium failed: $(grep -v dbus "$TMP/run.err" | tail -2)"
sleep 0.5
kill -INT "$BT"; wait "$BT"
kill -USR1 "$VFLOWD_PID"
wait_for 20 grep -q "dump (SIGUSR1) written" "$VFLOWD_OUT.err" || diag "no dump: $(tail -2 "$VFLOWD_OUT.err")"
stop_vflowd
DUMP=$(sed -n 's/.*dump (SIGUSR1) written to \(.*\)$/\1/p' "$VFLOWD_OUT.err" | head -1)
"$VFLOWTOP" --replay "$DUMP" --json -d 0.1 --speed 100000 >"$TMP/replay.jsonl" 2>"$TMP/replay.err"

PYTHONPATH=$ROOT/tests python3 - "$TMP/out.jsonl" "$TAP_N" "$TMP/truth.out" "$TMP/run.out" "$TMP/replay.jsonl" <<'PY'
import re, sys
from bounds import Tap, last_report
out, tap_n, truth_out, run_out, replay = sys.argv[1:6]
tap = Tap(int(tap_n))
truth = {}
for m in re.finditer(r"^@(\w+)\[(\d+)\]: (\d+)$", open(truth_out).read(), re.M):
    truth.setdefault(m[1], {})[int(m[2])] = int(m[3])
sigsys, enter = truth.get("sigsys", {}), truth.get("clone3_enter", {})
enosys = {p: n for p, n in truth.get("clone3_enosys", {}).items() if p not in enter}
ran = "sum " in open(run_out).read()

last = last_report(out)
by_pid = {}
for s in last.get("sandboxes", []):
    for p in s.get("pids", []):
        by_pid[p] = s
trapping = sorted(set(sigsys) | set(enosys))
missing = [p for p in trapping if p not in by_pid or by_pid[p]["kind"] != "chromium"]
roles = sorted({by_pid[p].get("role") for p in trapping if p in by_pid})
names_ok = all(by_pid[p]["name"] == "chromium:%s:%d" % (by_pid[p].get("role"), p)
               for p in trapping if p in by_pid)
print("# chromium: %d processes trapped (%s); roles %s; %d SIGSYS, %d clone3 ENOSYS (bpftrace)"
      % (len(trapping), " ".join(map(str, trapping)), ",".join(map(str, roles)),
         sum(sigsys.values()), sum(enosys.values())))
tap(ran and trapping and not missing and names_ok and "renderer" in roles,
    "chromium: each trapping process a chromium sandbox, a renderer among them",
    {"page rendered": ran, "not a chromium sandbox": missing,
     "sandboxes": [(s["name"], s["kind"], s["pids"]) for s in last.get("sandboxes", [])][:8]})

def counted(pid, action, syscall=None):
    s = by_pid.get(pid)
    if not s:
        return 0
    return sum(r["count"] for r in s.get("syscalls", [])
               if r["action"] == action and (syscall is None or r["name"] == syscall))

got = {p: counted(p, "trap") for p in sigsys}
tap(sigsys and got == sigsys, "chromium: seccomp SIGSYS traps counted exactly per process",
    {"vflow": got, "bpftrace": sigsys})
got = {p: counted(p, "errno", "clone3") for p in enosys}
tap(enosys and got == enosys, "chromium: clone3 denied (errno) counted exactly per process",
    {"vflow": got, "bpftrace": enosys})
# the dump's events are sampled (1 in 10 for sandboxes): which processes
# appear may differ; those that do must read as the live report named them
replayed = [s for s in last_report(replay).get("sandboxes", []) if set(s["pids"]) & set(trapping)]
wrong = [(s["name"], s["kind"], s.get("role")) for s in replayed
         if any((s["name"], s["kind"], s.get("role")) !=
                (by_pid[p]["name"], by_pid[p]["kind"], by_pid[p].get("role")) for p in s["pids"] if p in by_pid)]
tap(replayed and not wrong and any(s.get("role") == "renderer" for s in replayed),
    "chromium: vflowtop --replay of a dump shows them by name, kind and role",
    {"differ from live": wrong, "replayed": [(s["name"], s["kind"], s.get("role")) for s in replayed]})
PY
