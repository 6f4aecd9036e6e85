#!/usr/bin/env bash
# vflowd's exporter scraped by a real Prometheus (Debian's package): the
# counters of a known workload, as Prometheus's HTTP API answers them, match
# the workload and what vflowd reports; histogram_quantile gives vflowd's own
# median, within what the workload timed itself; `promtool check metrics`
# accepts the live body; every PromQL expression of the dashboard returns data.
. "$(dirname "$0")/../lib.sh"

N=30011
NAMES=("promtool check metrics on live /metrics" "OpenMetrics body ends with # EOF"
       "Prometheus scraped vflowd" "workload counter exact in Prometheus" "Prometheus agrees with vflowd"
       "histogram_quantile over the syscall histogram" "every dashboard expression returns data"
       "vflowd stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
	skip_all "prometheus/promtool not installed: apt-get install prometheus" "${NAMES[@]}"
[ -n "$(cgroup2_root)" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
for bin in "$VFLOWD" "$BUILD/tests/sysloop" "$BUILD/tests/kvm_guest" "$BUILD/tests/seccomp_actions"; do
	[ -x "$bin" ] || fail_all "$bin is not built: run make test-build" "${NAMES[@]}"
done

PORT=$(free_port) PPORT=$(free_port)
CGNAME="vflow-test-prom-$$"
CG=$(new_cgroup "$CGNAME")
ENTITY="/$CGNAME"
SERIES="vflow_syscall_calls_total{entity=\"$ENTITY\",syscall=\"getppid\"}"
# histogram_quantile and vflowd's p50 interpolate the same way inside the
# same log2 slot, and both print every digit (the shortest exact form):
# they differ only by the order of their floating-point operations, a few
# units in the last place, far below this relative tolerance
SAME_QUANTILE_REL=0.000000001
# a log2 slot spans a factor of two: the median's estimate is less than
# twice the true median, which is at most the workload's own time per call
LOG2_SLOT=2

start_vflowd "$TMP/out.jsonl" -i 0.5 --web.listen-address "127.0.0.1:$PORT" || fail_all "vflowd did not start" "${NAMES[@]}"
# the workload times its own getppid calls (CLOCK_MONOTONIC, outside vflow)
run_in_cgroup "$CG" "$BUILD/tests/sysloop" -t "$N" >"$TMP/sysloop.out"
NS_PER_CALL=$(awk '$1 == "ns_per_call" { print $2 }' "$TMP/sysloop.out")
# a VM and a sandbox, so their panels have data: the VM where the machine
# has /dev/kvm; both helpers are built by the project, so they must work
WORKLOAD_ERR=
if [ -c /dev/kvm ]; then
	"$BUILD/tests/kvm_guest" 200 >"$TMP/kvm.out" 2>&1 ||
		WORKLOAD_ERR="kvm_guest failed: $(tail -1 "$TMP/kvm.out"); "
fi
VFLOW_NOTIFY_DELAY_MS=1 "$BUILD/tests/seccomp_actions" notify 20 >"$TMP/notify.out" 2>&1 ||
	WORKLOAD_ERR+="seccomp_actions notify failed: $(tail -1 "$TMP/notify.out")"
sleep 1.2

# a real scrape, with the workload's series in it, before promtool judges it
CODE=$(curl -s --max-time 10 -o "$TMP/metrics.txt" -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")
if [ "$CODE" != 200 ] || ! grep -qxF "$SERIES $N" "$TMP/metrics.txt"; then
	not_ok "promtool check metrics on live /metrics"
	diag "HTTP $CODE, $(cat "$TMP/metrics.txt" 2>/dev/null | wc -c) bytes, no line \"$SERIES $N\""
elif promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1; then
	ok "promtool check metrics on live /metrics"
else
	not_ok "promtool check metrics on live /metrics"
	diag "$(head -5 "$TMP/promtool.out")"
fi
CODE=$(curl -s --max-time 10 -o "$TMP/om.txt" -w '%{http_code}' \
	-H 'Accept: application/openmetrics-text; version=1.0.0' "http://127.0.0.1:$PORT/metrics")
check "OpenMetrics body ends with # EOF" test "$CODE $(tail -1 "$TMP/om.txt")" = "200 # EOF"

cat >"$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: vflow
    static_configs:
      - targets: ["127.0.0.1:$PORT"]
YML
start_prometheus
prom_q() { curl -sf --max-time 10 --data-urlencode "query=$1" "http://127.0.0.1:$PPORT/api/v1/query"; }
# prom_values EXPR: Prometheus's answer, one "LABEL-VALUES<TAB>VALUE" line per series (nothing on error)
prom_values() {
	prom_q "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["status"] == "success"
for r in d["data"]["result"]:
    print(",".join("%s=%s" % kv for kv in sorted(r["metric"].items()) if kv[0] not in ("__name__", "instance", "job")) +
          "\t" + r["value"][1])' 2>/dev/null
}
scraped() {
	[ "$(prom_values "up{job=\"vflow\"}" | cut -f2)" = 1 ] && [ -n "$(prom_values "$SERIES")" ]
}
counted() { [ "$(prom_values "$SERIES" | cut -f2)" = "$N" ]; }
if ! wait_for 60 scraped; then
	diag "prometheus: $(tail -3 "$TMP/prometheus.log")"
	for t in "Prometheus scraped vflowd" "workload counter exact in Prometheus" "Prometheus agrees with vflowd" \
		 "histogram_quantile over the syscall histogram" "every dashboard expression returns data"; do
		not_ok "$t"
	done
	stop_vflowd
	exit 0
fi
ok "Prometheus scraped vflowd"
if wait_for 30 counted; then
	ok "workload counter exact in Prometheus"
else
	not_ok "workload counter exact in Prometheus"; diag "Prometheus: $(prom_values "$SERIES"), want $N"
fi

# Prometheus's own answers, per syscall and for the entity, against vflowd's last JSON report
prom_values "vflow_syscall_calls_total{entity=\"$ENTITY\"}" >"$TMP/prom.calls"
prom_values "vflow_syscalls_total{entity=\"$ENTITY\"}" >"$TMP/prom.total"
python3 - "$TMP/out.jsonl" "$ENTITY" "$N" "$TMP/prom.calls" "$TMP/prom.total" <<'PY' >"$TMP/agree.txt" 2>&1
import json, sys
out, entity, n, calls_f, total_f = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
last = json.loads(open(out).read().splitlines()[-1])
e = next(e for e in last["entities"] if e["path"] == entity)
mine = {r["name"]: r["count"] for r in e["syscalls"]}
prom = {}
for line in open(calls_f):
    labels, value = line.rstrip("\n").split("\t")
    prom[dict(kv.split("=", 1) for kv in labels.split(","))["syscall"]] = float(value)
total = [float(l.split("\t")[1]) for l in open(total_f)]
bad = []
if not prom:
    bad.append("Prometheus has no vflow_syscall_calls_total for %s" % entity)
if prom.get("getppid") != n or mine.get("getppid") != n:
    bad.append("getppid: Prometheus %s, vflowd %s, want %d" % (prom.get("getppid"), mine.get("getppid"), n))
bad += ["%s: Prometheus %s, vflowd %s" % (k, v, mine.get(k)) for k, v in prom.items()
        if k != "other" and v != mine.get(k)]
# the busiest syscalls one by one, the rest as "other": together the entity's total
if sum(prom.values()) != sum(mine.values()) or total != [e["count"]] or e["count"] != sum(mine.values()):
    bad.append("totals: Prometheus %s (sum of its series %s), vflowd %s (sum of its rows %s)" %
               (total, sum(prom.values()), e["count"], sum(mine.values())))
print("; ".join(bad) if bad else "agree on %d syscalls" % len(prom))
sys.exit(1 if bad else 0)
PY
RC=$?
if [ "$RC" -eq 0 ]; then ok "Prometheus agrees with vflowd"; else not_ok "Prometheus agrees with vflowd"; fi
diag "$(tail -1 "$TMP/agree.txt")"

# the median: Prometheus's histogram_quantile against vflowd's own p50, and
# against the workload's own time per call
Q=$(prom_values "histogram_quantile(0.5, sum by (le) (vflow_syscall_latency_seconds_bucket{entity=\"$ENTITY\"}))" | cut -f2)
P50=$(python3 -c '
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
print(next(e["p50_ns"] for e in last["entities"] if e["path"] == sys.argv[2]))' "$TMP/out.jsonl" "$ENTITY" 2>/dev/null)
if awk -v q="${Q:-x}" -v p="${P50:-x}" -v c="${NS_PER_CALL:-x}" -v tol="$SAME_QUANTILE_REL" -v slot="$LOG2_SLOT" '
	function num(v) { return v ~ /^[0-9.e+-]+$/ }
	BEGIN { if (!num(q) || !num(p) || !num(c)) exit 1
		q *= 1e9; d = q - p; if (d < 0) d = -d
		exit !(q > 0 && d <= tol * p && q <= slot * c) }'; then
	ok "histogram_quantile over the syscall histogram"
else
	not_ok "histogram_quantile over the syscall histogram"
fi
diag "median: Prometheus ${Q:-none} s, vflowd p50 ${P50:-none} ns, the workload's own ${NS_PER_CALL:-none} ns per call"

# every expression of the dashboard; VM panels need a VM (where /dev/kvm exists)
sleep 2
bad=0 total=0
while IFS=$'\t' read -r cond expr; do
	case $cond in ''|'#'*) continue ;; esac
	[ "$cond" = if_vm ] && [ ! -c /dev/kvm ] && continue
	total=$((total + 1))
	res=$(prom_q "$expr")
	if ! echo "$res" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["status"]=="success" and d["data"]["result"] else 1)' 2>/dev/null; then
		bad=$((bad + 1))
		diag "no data or error: $expr -> $(echo "$res" | head -c 200)"
	fi
done <"$ROOT/dashboards/queries.txt"
if [ "$bad" -eq 0 ] && [ "$total" -gt 0 ] && [ -z "$WORKLOAD_ERR" ]; then
	ok "every dashboard expression returns data"
else
	not_ok "every dashboard expression returns data"; diag "$bad of $total failed; ${WORKLOAD_ERR}"
fi
stop_vflowd
