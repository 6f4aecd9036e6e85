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
# vflowd's CPU in the syscall storm, in % of the CPU one of the two
# workloads had meanwhile (their cgroups' cpu.stat, a clock outside vflow).
# Its work there is draining the samples of both, every syscall: measured
# 10 % on the shared development machine under load (its fixed per-second
# work weighs more when the workloads get less CPU). A reader that polls
# instead of sleeping is one more always-runnable thread: the scheduler gives
# it as much CPU as each workload, however loaded the host is (106 % measured
# with ring_buffer__poll(rb, 0) planted). Half of that fails it, 5x above
# the healthy figure.
CPU_LIMIT_PCT=50
# the stall lasts until each workload has had this much CPU: at the 10 us
# a getppid takes at worst here, over 100 000 samples, twice what the 4 MiB
# ring buffer holds, so it must overflow (a fixed sleep did not under load)
STALL_CPU_US=500000
STALL_MAX_S=30
# syscalls the cgroup storm's children make (openat, write, close, getppid):
# a removed cgroup stays shown while a CPU's staging entry for one of them
# holds its last calls, so at most this many per CPU linger after the TTL
CHURN_SYSCALLS=4
NAMES=("overload: syscall storm: ring buffer drops counted" "overload: syscall storm: drops exported"
       "overload: syscall storm: aggregates exact" "overload: syscall storm: daemon CPU and memory bounded"
       "overload: syscall storm: vflowd stopped cleanly"
       "overload: cgroup storm: no syscall or scheduling key lost"
       "overload: cgroup storm: removed cgroups summed exactly after the TTL"
       "overload: cgroup storm: stale entities expire" "overload: cgroup storm: memory bounded"
       "overload: cgroup storm: exporter within its series limit" "overload: cgroup storm: vflowd stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
[ -n "$(cgroup2_root)" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
command -v curl >/dev/null || skip_all "curl not installed" "${NAMES[@]}"
for bin in "$VFLOWD" "$BUILD/tests/sysloop" "$BUILD/tests/cgchurn"; do
	[ -x "$bin" ] || fail_all "$bin is not built: run make test-build" "${NAMES[@]}"
done
CG=$(new_cgroup "vflow-test-storm-$$")
CG2=$(new_cgroup "vflow-test-storm2-$$")
PORT=$(free_port)

# /proc/PID/stat utime+stime in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
last_json() { tail -1 "$VFLOWD_OUT"; }
usage_us() { awk '$1 == "usage_usec" { print $2 }' "$1/cpu.stat"; }
# both workloads have had STALL_CPU_US of CPU
stalled_enough() { [ "$(usage_us "$CG")" -ge "$STALL_CPU_US" ] && [ "$(usage_us "$CG2")" -ge "$STALL_CPU_US" ]; }
# scrape NAME: /metrics into $TMP/NAME.prom; prints the HTTP status
scrape() { curl -s --max-time 10 -o "$TMP/$1.prom" -w '%{http_code}' "http://127.0.0.1:$PORT/metrics"; }

# --- syscall storm: every syscall streamed, two CPUs of getppid; the
# daemon is stopped for the first half (a stall), so the ring buffer fills
start_vflowd "$TMP/storm.jsonl" -i 0.5 --record-sample syscall=1 --web.listen-address "127.0.0.1:$PORT" ||
	fail_all "vflowd did not start" "${NAMES[@]}"
kill -STOP "$VFLOWD_PID"
run_in_cgroup "$CG" "$BUILD/tests/sysloop" "$N" >/dev/null & A=$!
run_in_cgroup "$CG2" "$BUILD/tests/sysloop" "$N" >/dev/null & B=$!
wait_for "$STALL_MAX_S" stalled_enough || diag "the workloads had $(usage_us "$CG") and $(usage_us "$CG2") us of CPU after ${STALL_MAX_S} s"
# its CPU from here: it had none while stopped
T0=$(cpu_ticks "$VFLOWD_PID") W0=$(date +%s%N) UA0=$(usage_us "$CG") UB0=$(usage_us "$CG2")
kill -CONT "$VFLOWD_PID"
wait "$A" "$B"
T1=$(cpu_ticks "$VFLOWD_PID") W1=$(date +%s%N) UA1=$(usage_us "$CG") UB1=$(usage_us "$CG2")
sleep 1.2
DROPS=$(last_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["ringbuf_drop"])')
check "overload: syscall storm: ring buffer drops counted" test "${DROPS:-0}" -gt 0
# a real scrape with the series in it, then its value: the same final count
# as the JSON report (no drops after the storm)
CODE=$(scrape drops)
EXPORTED=$(awk '/^vflow_lost_events_total\{reason="ringbuf_drop"\} / { print $2 }' "$TMP/drops.prom")
if [ "$CODE" = 200 ] && [ -n "$EXPORTED" ] && [ "${EXPORTED%.*}" = "${DROPS:-0}" ] && [ "${DROPS:-0}" -gt 0 ]; then
	ok "overload: syscall storm: drops exported"
else
	not_ok "overload: syscall storm: drops exported"
	diag "HTTP $CODE, exported '$EXPORTED', reported '$DROPS'"
fi
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
CORE_PCT=$(awk -v t="$((T1 - T0))" -v hz="$HZ" -v w="$((W1 - W0))" 'BEGIN { printf "%.1f", t / hz * 1e9 / w * 100 }')
CPU_PCT=$(awk -v t="$((T1 - T0))" -v hz="$HZ" -v wl="$(( (UA1 - UA0 + UB1 - UB0) / 2 ))" \
	'BEGIN { if (wl > 0) printf "%.1f", t / hz * 1e6 / wl * 100 }')
HWM=$(status_kb "$VFLOWD_PID" VmHWM)
diag "syscall storm: $DROPS drops; vflowd ${CPU_PCT:-?} % of a workload's CPU (bound $CPU_LIMIT_PCT %), ${CORE_PCT} % of one core; peak RSS ${HWM} kB"
check "overload: syscall storm: daemon CPU and memory bounded" \
	awk -v c="${CPU_PCT:-x}" -v cl="$CPU_LIMIT_PCT" -v m="${HWM:-x}" -v ml="$RSS_LIMIT_KB" \
	'BEGIN { exit !(c ~ /^[0-9.]+$/ && c < cl && m ~ /^[0-9]+$/ && m < ml) }'
stop_vflowd "overload: syscall storm"

# --- cgroup storm
start_vflowd "$TMP/churn.jsonl" -i 0.5 --web.series-ttl "$TTL" --max-entities "$MAX_ENTITIES" \
	--web.listen-address "127.0.0.1:$PORT" || fail_all "vflowd did not start" "${NAMES[@]:5}"
ROOTCG=$(cgroup2_root)
"$BUILD/tests/cgchurn" "$ROOTCG" "vflow-test-churn-$$-" "$CGROUPS" "$CALLS" remove 60 "$RATE" >"$TMP/churn.txt" ||
	diag "cgchurn failed: $(cat "$TMP/churn.txt")"
# series while the removed cgroups are still shown one by one: hundreds of
# them were live within the TTL, so the limit binds: exactly MAX_ENTITIES
# entities and the "other" series that sums the rest
CODE=$(scrape churn)
SERIES=$(awk -F'entity="' '/^vflow_syscalls_total\{/ { split($2, a, "\""); print a[1] }' "$TMP/churn.prom" | sort -u)
NSERIES=$(grep -c . <<<"$SERIES")
sleep $((TTL + 2))
python3 - "$TMP/churn.jsonl" "$CALLS" "/vflow-test-churn-$$-" >"$TMP/churn.res" <<'PY'
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
calls, prefix = int(sys.argv[2]), sys.argv[3]
c = last["counters"]
print("lost", c["keys_full"] + c["sched_keys_full"], "keys_full", c["keys_full"], "sched_keys_full", c["sched_keys_full"])
# the sum, and the few still shown one by one: a CPU's staging entry may
# hold a removed cgroup's last calls until another cgroup makes that call.
# A removed cgroup keeps the path it had (docs/IDENTITY.md): a straggler
# is one of this storm's by its path; or, when its name was forgotten as it
# was folded while a staging entry still held its last calls, an unnamed
# "cgroup:ID" with at most CALLS getppid (one with more is another test's)
def getppid(e):
    return sum(r["count"] for r in e["syscalls"] if r["name"] == "getppid")
ours = [e for e in last["entities"] if e["path"].startswith(prefix) or
        (e["path"].startswith("cgroup:") and getppid(e) <= calls)]
rem = ours + [e for e in last["entities"] if e["path"] == "(removed cgroups)"]
print("removed", sum(getppid(e) for e in rem))
print("entities", len(last["entities"]))
print("stragglers", len(ours))
print("detail", [(e["path"], getppid(e)) for e in last["entities"] if getppid(e)][:8])
print("stale", "identity_events_lost", last.get("identity_events_lost"),
      [(e["path"], e["cgroup_id"], e.get("gone"), getppid(e), sorted({k for k in e if isinstance(e[k], list) and e[k]}))
       for e in ours][:6])
PY
read -r _ LOST _ <<<"$(sed -n 1p "$TMP/churn.res")"
read -r _ REMOVED <<<"$(sed -n 2p "$TMP/churn.res")"
read -r _ ENTS <<<"$(sed -n 3p "$TMP/churn.res")"
read -r _ STRAGGLERS <<<"$(sed -n 4p "$TMP/churn.res")"
check "overload: cgroup storm: no syscall or scheduling key lost" test "$LOST" -eq 0
[ "$LOST" -eq 0 ] || diag "lost: $(tr "\n" " " <"$TMP/churn.res")"
check "overload: cgroup storm: removed cgroups summed exactly after the TTL" test "$REMOVED" -eq "$((CGROUPS * CALLS))"
[ "$REMOVED" -eq "$((CGROUPS * CALLS))" ] || diag "removed: $REMOVED; getppid per entity: $(sed -n 5p "$TMP/churn.res")"
# what may be left: the cgroups that exist (the test's two among them), the
# removed-cgroups sum, and removed cgroups a staging entry still holds
EXISTING=$(find "$ROOTCG" -type d | wc -l)
ENTS_MAX=$((EXISTING + 1 + $(nproc) * CHURN_SYSCALLS))
check "overload: cgroup storm: stale entities expire" test "$ENTS" -le "$ENTS_MAX"
[ "$ENTS" -le "$ENTS_MAX" ] || diag "$ENTS entities, $STRAGGLERS of them removed cgroups; $EXISTING cgroups exist; $(sed -n 6p "$TMP/churn.res")"
RSS=$(status_kb "$VFLOWD_PID" VmRSS) HWM=$(status_kb "$VFLOWD_PID" VmHWM)
diag "cgroup storm: $(cat "$TMP/churn.txt"); $ENTS entities after ($STRAGGLERS removed, bound $ENTS_MAX); RSS ${RSS} kB, peak ${HWM} kB; $NSERIES entity series"
check "overload: cgroup storm: memory bounded" test "$HWM" -lt "$PEAK_LIMIT_KB" -a "$RSS" -lt "$RSS_LIMIT_KB"
if [ "$CODE" = 200 ] && [ "$NSERIES" -eq "$((MAX_ENTITIES + 1))" ] && grep -qx other <<<"$SERIES"; then
	ok "overload: cgroup storm: exporter within its series limit"
else
	not_ok "overload: cgroup storm: exporter within its series limit"
	diag "HTTP $CODE, $NSERIES entity series, want $MAX_ENTITIES and \"other\": $(echo $SERIES | head -c 300)"
fi
stop_vflowd "overload: cgroup storm"
