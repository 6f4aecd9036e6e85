#!/usr/bin/env bash
# The flight recorder end to end: a real workload in its own cgroup, every
# syscall recorded (--record-sample syscall=1), dumps triggered by SIGUSR1,
# by a request on the control socket, by the slow-trap rule and at
# shutdown; each read back with vflowdump: the workload's getppid calls are
# all in the dump, the Chrome trace is valid JSON with exactly that many
# events. A dump directory that is full or cannot be written is reported
# and the daemon keeps recording.
. "$(dirname "$0")/../lib.sh"

N=3000
VFLOWDUMP=${VFLOWDUMP:-$BUILD/san/vflowdump}
NAMES=("SIGUSR1: dump written" "SIGUSR1: every getppid of the workload in the dump"
       "SIGUSR1: vflowdump reads it clean" "chrome trace: valid JSON, one event per getppid"
       "summary: getppid row counts the workload" "model: from the dump's exact aggregates, the workload's count"
       "vflowtop --replay: the workload's getppid count"
       "control request: a second dump, new name"
       "rule: a slow syscall triggers a dump naming it" "shutdown: --dump-on-exit writes a dump"
       "vflowd stopped cleanly" "no temporary files left" "fault: full disk: error reported, still recording"
       "fault: full disk: nothing left under a final name" "fault: full disk: vflowd stopped cleanly"
       "eta rule: an entity below its band triggers a dump naming it" "eta rule: vflowd stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
[ -n "$(cgroup2_root)" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
for bin in "$VFLOWD" "$VFLOWDUMP" "$BUILD/san/vflowtop" "$BUILD/tests/sysloop"; do
	[ -x "$bin" ] || fail_all "$bin is not built: run make test-build" "${NAMES[@]}"
done
CG=$(new_cgroup "vflow-test-dump-$$")
DUMPS=$TMP/dumps
SOCK=$TMP/ctl.sock

# every syscall recorded: the ring buffer and the recorder hold this test's load
start_vflowd "$TMP/out.jsonl" -i 0.2 --record-sample syscall=1 --record-events 400000 \
	--dump-dir "$DUMPS" --control "$SOCK" --dump-on-slow syscall=400ms --dump-cooldown 3600 \
	--dump-on-exit || fail_all "vflowd did not start" "${NAMES[@]}"

# the workload's own pid (it execs sysloop), for the filters below
sh -c 'echo $$ >"$1/cgroup.procs" && echo $$ >"$2" && exec "$3" "$4"' sh "$CG" "$TMP/wl.pid" \
	"$BUILD/tests/sysloop" "$N" >/dev/null
WL=$(cat "$TMP/wl.pid")
sleep 0.3
kill -USR1 "$VFLOWD_PID"
wait_for 10 grep -q "dump (SIGUSR1) written" "$VFLOWD_OUT.err"
D1=$(sed -n 's/.*dump (SIGUSR1) written to \(.*\)$/\1/p' "$VFLOWD_OUT.err" | head -1)
check "SIGUSR1: dump written" test -s "$D1"

# the cgroup's events (dash's own getppid before it joined is not among them)
"$VFLOWDUMP" chrome "$D1" >"$TMP/d1.json" 2>"$TMP/d1.err"; RC=$?
"$VFLOWDUMP" chrome -e "vflow-test-dump-$$" "$D1" >"$TMP/d1cg.json" 2>/dev/null
python3 - "$TMP/d1.json" "$TMP/d1cg.json" "$WL" <<'PY' >"$TMP/chrome.txt"
import json, sys
try:
    doc, cg = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
except Exception as e:
    print("invalid", e); sys.exit(0)
evs = [e for e in doc.get("traceEvents", []) if e.get("ph") == "X"]
inst = [e for e in doc.get("traceEvents", []) if e.get("ph") == "i"]
mine = [e for e in cg.get("traceEvents", []) if e.get("ph") == "X" and e.get("name") == "getppid"
        and e.get("pid") == int(sys.argv[3])]
print("valid", len(mine), len(evs), len(inst))
PY
read -r VALID MINE ALL INSTANT <"$TMP/chrome.txt"
if [ "$VALID" = valid ] && [ "$MINE" -eq "$N" ]; then
	ok "SIGUSR1: every getppid of the workload in the dump"
else
	not_ok "SIGUSR1: every getppid of the workload in the dump"
	diag "chrome: $(cat "$TMP/chrome.txt"); dropped: $(grep -o '"ringbuf_drop":[0-9]*' "$VFLOWD_OUT" | tail -1)"
fi
if [ "$RC" -eq 0 ] && [ ! -s "$TMP/d1.err" ]; then
	ok "SIGUSR1: vflowdump reads it clean"
else
	not_ok "SIGUSR1: vflowdump reads it clean"
	diag "exit $RC: $(head -3 "$TMP/d1.err")"
fi
# the whole trace: one complete event per timed event of the dump, one
# instant per untimed one, as the CSV of the same dump lists them
"$VFLOWDUMP" csv "$D1" >"$TMP/d1.csv" 2>/dev/null
read -r TIMED UNTIMED < <(python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
timed = sum(1 for r in rows if int(r["latency_ns"]) != 0)
print(timed, len(rows) - timed)' "$TMP/d1.csv" 2>/dev/null)
if [ "$VALID" = valid ] && [ "$MINE" -eq "$N" ] && [ "$ALL" = "${TIMED:-x}" ] && [ "$INSTANT" = "${UNTIMED:-x}" ]; then
	ok "chrome trace: valid JSON, one event per getppid"
else
	not_ok "chrome trace: valid JSON, one event per getppid"
	diag "chrome: $VALID, $MINE getppid of the workload, $ALL complete and ${INSTANT:-?} instant events; csv: ${TIMED:-?} timed, ${UNTIMED:-?} untimed"
fi
"$VFLOWDUMP" summary -e "vflow-test-dump-$$" -t getppid "$D1" >"$TMP/sum.txt" 2>&1
if grep -Eq "getppid +$N( |$)" "$TMP/sum.txt"; then
	ok "summary: getppid row counts the workload"
else
	not_ok "summary: getppid row counts the workload"
	diag "$(head -20 "$TMP/sum.txt")"
fi

# the aggregates in the dump: exact totals, the model over them
"$VFLOWDUMP" model -j "$D1" >"$TMP/model.json" 2>"$TMP/model.err"
GOT=$(python3 - "$TMP/model.json" "$(stat -c %i "$CG")" <<'PY'
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except Exception as e:
    print("invalid"); sys.exit(0)
ent = next((e for e in doc["report"]["entities"] if e.get("cgroup_id") == int(sys.argv[2])), {"syscalls": []})
print(doc.get("estimated_from_samples"), next((r["count"] for r in ent["syscalls"] if r["name"] == "getppid"), 0),
      "model" in ent)
PY
)
if [ "$GOT" = "False $N True" ]; then
	ok "model: from the dump's exact aggregates, the workload's count"
else
	not_ok "model: from the dump's exact aggregates, the workload's count"
	diag "got '$GOT': $(head -3 "$TMP/model.err")"
fi

# played back at a speed that reaches the end in one interval
"$BUILD/san/vflowtop" --replay "$D1" --json -d 0.1 --speed 100000 >"$TMP/replay.jsonl" 2>"$TMP/replay.err"
GOT=$(python3 - "$TMP/replay.jsonl" "$(stat -c %i "$CG")" <<'PY'
import json, sys
try:
    last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
except Exception as e:
    print("none"); sys.exit(0)
ent = next((e for e in last["entities"] if e.get("cgroup_id") == int(sys.argv[2])), {"syscalls": []})
print(next((r["count"] for r in ent["syscalls"] if r["name"] == "getppid"), 0))
PY
)
if [ "$GOT" = "$N" ]; then
	ok "vflowtop --replay: the workload's getppid count"
else
	not_ok "vflowtop --replay: the workload's getppid count"
	diag "got $GOT: $(head -3 "$TMP/replay.err")"
fi

D2=$("$VFLOWD" --dump-request "$SOCK" 2>"$TMP/req.err")
if [ -s "$D2" ] && [ "$D2" != "$D1" ] && [ -s "$D1" ] && "$VFLOWDUMP" info "$D2" 2>/dev/null | grep -q "control"; then
	ok "control request: a second dump, new name"
else
	not_ok "control request: a second dump, new name"
	diag "got '$D2': $(cat "$TMP/req.err")"
fi

# a 500 ms nanosleep is a syscall slower than the rule's 400 ms (whichever
# slow syscall comes first fires it: the dump must hold that trap)
run_in_cgroup "$CG" sleep 0.5
wait_for 10 grep -q "dump (rule: " "$VFLOWD_OUT.err"
D3=$(sed -n 's/.*dump (rule: .*) written to \(.*\)$/\1/p' "$VFLOWD_OUT.err" | head -1)
"$VFLOWDUMP" csv -t syscall "$D3" 2>/dev/null >"$TMP/d3.csv"
SLOW=$(awk -F, 'NR > 1 && $3 >= 400000000' "$TMP/d3.csv" | wc -l)
if [ -s "$D3" ] && [ "$SLOW" -ge 1 ] && "$VFLOWDUMP" info "$D3" 2>/dev/null | grep -q "rule: syscall .* took .* >= 400.00ms"; then
	ok "rule: a slow syscall triggers a dump naming it"
else
	not_ok "rule: a slow syscall triggers a dump naming it"
	diag "$SLOW slow events; $(grep dump "$VFLOWD_OUT.err")"
fi

stop_vflowd
D4=$(sed -n 's/.*dump (shutdown) written to \(.*\)$/\1/p' "$VFLOWD_OUT.err" | head -1)
check "shutdown: --dump-on-exit writes a dump" test -s "$D4"
# the dumps are there, and nothing else
check "no temporary files left" test -s "$D1" -a -z "$(find "$DUMPS" -name '*.tmp')"

# a dump directory with no space: the dump fails, recording goes on
FULL=$TMP/full
mkdir -p "$FULL"
if mount -t tmpfs -o size=8k none "$FULL" 2>/dev/null; then
	on_exit "umount $FULL"
	dd if=/dev/zero of="$FULL/filler" bs=4k count=2 2>/dev/null
	if ! start_vflowd "$TMP/full.jsonl" -i 0.2 --record-sample syscall=1 --dump-dir "$FULL"; then
		not_ok "fault: full disk: error reported, still recording"
		not_ok "fault: full disk: nothing left under a final name"
		stop_vflowd "fault: full disk"
	else
		run_in_cgroup "$CG" "$BUILD/tests/sysloop" "$N" >/dev/null
		kill -USR1 "$VFLOWD_PID"
		wait_for 10 grep -q "dump (SIGUSR1) failed" "$VFLOWD_OUT.err"
		LINES=$(wc -l <"$VFLOWD_OUT")
		sleep 0.6
		if grep -q "dump (SIGUSR1) failed: .*space" "$VFLOWD_OUT.err" && kill -0 "$VFLOWD_PID" &&
		   [ "$(wc -l <"$VFLOWD_OUT")" -gt "$LINES" ]; then
			ok "fault: full disk: error reported, still recording"
		else
			not_ok "fault: full disk: error reported, still recording"
			diag "$(grep dump "$VFLOWD_OUT.err")"
		fi
		check "fault: full disk: nothing left under a final name" \
			test -z "$(find "$FULL" -name '*.vfd' -o -name '*.tmp')"
		stop_vflowd "fault: full disk"
	fi
else
	skip "fault: full disk: error reported, still recording" "cannot mount a tmpfs here"
	skip "fault: full disk: nothing left under a final name" "cannot mount a tmpfs here"
	skip "fault: full disk: vflowd stopped cleanly" "cannot mount a tmpfs here"
fi

# the eta rule, with a model whose band nothing meets: the busy cgroup falls below it
sed -e 's/^host.eta_lo = .*/host.eta_lo = 0.999/' -e 's/^host.eta_hi = .*/host.eta_hi = 1/' \
	-e 's/^container.eta_lo = .*/container.eta_lo = 0.999/' -e 's/^container.eta_hi = .*/container.eta_hi = 1/' \
	"$ROOT/config/model.conf" >"$TMP/strict.conf"
if ! start_vflowd "$TMP/eta.jsonl" -i 0.2 --model-config "$TMP/strict.conf" --dump-dir "$TMP/eta" \
	--dump-on-eta-below-band; then
	not_ok "eta rule: an entity below its band triggers a dump naming it"
	stop_vflowd "eta rule"
	exit 0
fi
run_in_cgroup "$CG" "$BUILD/tests/sysloop" 300000 >/dev/null
wait_for 10 grep -q "dump (rule: eta of " "$VFLOWD_OUT.err"
if grep -q "dump (rule: eta of .* below the band 0.999-1.000 (.*)) written to" "$VFLOWD_OUT.err" &&
   [ -n "$(find "$TMP/eta" -name '*.vfd')" ]; then
	ok "eta rule: an entity below its band triggers a dump naming it"
else
	not_ok "eta rule: an entity below its band triggers a dump naming it"
	diag "$(grep -v probe "$VFLOWD_OUT.err")"
fi
stop_vflowd "eta rule"
