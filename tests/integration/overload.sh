#!/usr/bin/env bash
# Overload (docs/RELIABILITY.md). A syscall storm on both CPUs while every
# syscall is streamed: the ring buffer overflows, the drops are counted and
# exported, the aggregates (which do not go through it) stay exact, and
# the daemon's CPU and memory stay bounded. A cgroup storm: 10 000 cgroups
# created and removed, each making 100 getppid: nothing lost, removed
# cgroups leave the BPF maps and, after the TTL, are summed into one
# "(removed cgroups)" entity holding exactly their 1 000 000 calls; memory
# stays bounded and the exporter within its series limit. Test names start
# with "overload:" so that the runner can count them. The plain build is
# measured (the sanitizer build's memory is not the daemon's).
. "$(dirname "$0")/../lib.sh"

VFLOWD=$BUILD/vflowd
N=3000000 CGROUPS=10000 CALLS=100 RATE=1500 MAX_ENTITIES=20 TTL=2
RSS_LIMIT_KB=$((64 * 1024))	# steady state, and the syscall storm's peak
PEAK_LIMIT_KB=$((160 * 1024))	# the cgroup storm's: bounded by rate x TTL, not by the total
NAMES=("overload: syscall storm: ring buffer drops counted" "overload: syscall storm: drops exported"
       "overload: syscall storm: aggregates exact" "overload: syscall storm: daemon CPU and memory bounded"
       "overload: syscall storm: vflowd stopped cleanly"
       "overload: cgroup storm: no syscall or scheduling key lost"
       "overload: cgroup storm: removed cgroups summed exactly after the TTL"
       "overload: cgroup storm: stale entities expire" "overload: cgroup storm: memory bounded"
       "overload: cgroup storm: exporter within its series limit" "overload: cgroup storm: vflowd stopped cleanly")
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
[ -n "$(cgroup2_root)" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
command -v curl >/dev/null || skip_all "curl not installed" "${NAMES[@]}"
CG=$(new_cgroup "vflow-test-storm-$$")
CG2=$(new_cgroup "vflow-test-storm2-$$")
PORT=$((20000 + $$ % 20000))

# /proc/PID/stat utime+stime in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
last_json() { tail -1 "$VFLOWD_OUT"; }

# --- syscall storm: every syscall streamed, two CPUs of getppid; the
# daemon is stopped for the first half (a stall), so the ring buffer fills
start_vflowd "$TMP/storm.jsonl" -i 0.5 --record-sample syscall=1 --web.listen-address "127.0.0.1:$PORT" ||
	fail_all "vflowd did not start" "${NAMES[@]}"
T0=$(cpu_ticks "$VFLOWD_PID") W0=$(date +%s%N)
kill -STOP "$VFLOWD_PID"
run_in_cgroup "$CG" "$BUILD/tests/sysloop" "$N" >/dev/null & A=$!
run_in_cgroup "$CG2" "$BUILD/tests/sysloop" "$N" >/dev/null & B=$!
sleep 0.3
kill -CONT "$VFLOWD_PID"
wait "$A" "$B"
T1=$(cpu_ticks "$VFLOWD_PID") W1=$(date +%s%N)
sleep 1.2
DROPS=$(last_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["ringbuf_drop"])')
check "overload: syscall storm: ring buffer drops counted" test "${DROPS:-0}" -gt 0
EXPORTED=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^vflow_lost_events_total\{reason="ringbuf_drop"\}/ { print $2 }')
check "overload: syscall storm: drops exported" test "${EXPORTED%.*}" -gt 0 2>/dev/null
GOT=$(last_json | python3 -c '
import json, sys
d = json.load(sys.stdin)
def count(cg):
    e = next((e for e in d["entities"] if e["cgroup_id"] == cg), {"syscalls": []})
    return next((r["count"] for r in e["syscalls"] if r["name"] == "getppid"), 0)
print(count(int(sys.argv[1])), count(int(sys.argv[2])))' "$(stat -c %i "$CG")" "$(stat -c %i "$CG2")")
check "overload: syscall storm: aggregates exact" test "$GOT" = "$N $N"
[ "$GOT" = "$N $N" ] || diag "getppid counts $GOT, want $N each"
HZ=$(getconf CLK_TCK)
CPU_PCT=$(( (T1 - T0) * 100 * 1000000000 / HZ / (W1 - W0) ))
HWM=$(status_kb "$VFLOWD_PID" VmHWM)
diag "syscall storm: $DROPS drops, vflowd ${CPU_PCT}% of one CPU, peak RSS ${HWM} kB"
check "overload: syscall storm: daemon CPU and memory bounded" test "$CPU_PCT" -lt 100 -a "$HWM" -lt "$RSS_LIMIT_KB"
stop_vflowd "overload: syscall storm"

# --- cgroup storm
start_vflowd "$TMP/churn.jsonl" -i 0.5 --web.series-ttl "$TTL" --max-entities "$MAX_ENTITIES" \
	--web.listen-address "127.0.0.1:$PORT" || fail_all "vflowd did not start" "${NAMES[@]:5}"
ROOTCG=$(cgroup2_root)
"$BUILD/tests/cgchurn" "$ROOTCG" "vflow-test-churn-$$-" "$CGROUPS" "$CALLS" remove 60 "$RATE" >"$TMP/churn.txt" ||
	diag "cgchurn failed: $(cat "$TMP/churn.txt")"
# series while the removed cgroups are still shown one by one
SERIES=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk -F'entity="' '/^vflow_syscalls_total\{/ { split($2, a, "\""); print a[1] }' | sort -u | wc -l)
sleep $((TTL + 2))
python3 - "$TMP/churn.jsonl" "$((CGROUPS * CALLS))" >"$TMP/churn.res" <<'PY'
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
want = int(sys.argv[2])
c = last["counters"]
print("lost", c["keys_full"] + c["sched_keys_full"])
# the sum, and the few still shown one by one: a CPU's staging entry may
# hold a removed cgroup's last calls until another cgroup makes that call
rem = [e for e in last["entities"] if e["path"] == "(removed cgroups)" or e["path"].startswith("cgroup:")]
print("removed", sum(r["count"] for e in rem for r in e["syscalls"] if r["name"] == "getppid"))
print("entities", len(last["entities"]))
PY
read -r _ LOST <<<"$(sed -n 1p "$TMP/churn.res")"
read -r _ REMOVED <<<"$(sed -n 2p "$TMP/churn.res")"
read -r _ ENTS <<<"$(sed -n 3p "$TMP/churn.res")"
check "overload: cgroup storm: no syscall or scheduling key lost" test "$LOST" -eq 0
[ "$LOST" -eq 0 ] || diag "lost: $(cat "$TMP/churn.res")"
check "overload: cgroup storm: removed cgroups summed exactly after the TTL" test "$REMOVED" -eq "$((CGROUPS * CALLS))"
[ "$REMOVED" -eq "$((CGROUPS * CALLS))" ] || diag "removed: $REMOVED; $(python3 -c "import json,sys; d=json.loads(open(sys.argv[1]).read().splitlines()[-1]); print([(e[\"path\"], [(r[\"name\"], r[\"count\"]) for r in e[\"syscalls\"]][:4]) for e in d[\"entities\"]])" "$TMP/churn.jsonl")"
# what is left: the host's own cgroups, the test's two, the removed-cgroups sum
check "overload: cgroup storm: stale entities expire" test "$ENTS" -lt 50
RSS=$(status_kb "$VFLOWD_PID" VmRSS) HWM=$(status_kb "$VFLOWD_PID" VmHWM)
diag "cgroup storm: $(cat "$TMP/churn.txt"); $ENTS entities after; RSS ${RSS} kB, peak ${HWM} kB; $SERIES entity series"
check "overload: cgroup storm: memory bounded" test "$HWM" -lt "$PEAK_LIMIT_KB" -a "$RSS" -lt "$RSS_LIMIT_KB"
check "overload: cgroup storm: exporter within its series limit" test "$SERIES" -le "$((MAX_ENTITIES + 1))"
stop_vflowd "overload: cgroup storm"
