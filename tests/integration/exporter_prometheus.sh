#!/usr/bin/env bash
# vflowd's exporter scraped by a real Prometheus (Debian's package): the
# counters of a known workload match what vflowd reports, histograms work
# with histogram_quantile, `promtool check metrics` accepts the live body,
# and every PromQL expression of the dashboard evaluates and returns data.
. "$(dirname "$0")/../lib.sh"

N=30011
NAMES=("promtool check metrics on live /metrics" "OpenMetrics body ends with # EOF"
       "Prometheus scraped vflowd" "workload counter exact in Prometheus" "Prometheus agrees with vflowd"
       "histogram_quantile over the syscall histogram" "every dashboard expression returns data"
       "vflowd stopped cleanly")
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
	skip_all "prometheus/promtool not installed: apt-get install prometheus" "${NAMES[@]}"
[ -n "$(cgroup2_root)" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port) PPORT=$(free_port)
CGNAME="vflow-test-prom-$$"
CG=$(new_cgroup "$CGNAME")
ENTITY="/$CGNAME"

start_vflowd "$TMP/out.jsonl" -i 0.5 --web.listen-address "127.0.0.1:$PORT" || fail_all "vflowd did not start" "${NAMES[@]}"
run_in_cgroup "$CG" "$BUILD/tests/sysloop" "$N"
# a VM and a sandbox, so their panels have data (where /dev/kvm exists)
[ -c /dev/kvm ] && "$BUILD/tests/kvm_guest" 200 >/dev/null 2>&1 && HAVE_VM=1
VFLOW_NOTIFY_DELAY_MS=1 "$BUILD/tests/seccomp_actions" notify 20 >/dev/null && HAVE_SANDBOX=1
sleep 1.2

curl -sf "http://127.0.0.1:$PORT/metrics" >"$TMP/metrics.txt"
if promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1; then
	ok "promtool check metrics on live /metrics"
else
	not_ok "promtool check metrics on live /metrics"
	diag "$(head -5 "$TMP/promtool.out")"
fi
curl -sf -H 'Accept: application/openmetrics-text; version=1.0.0' "http://127.0.0.1:$PORT/metrics" >"$TMP/om.txt"
check "OpenMetrics body ends with # EOF" test "$(tail -1 "$TMP/om.txt")" = "# EOF"

cat >"$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: vflow
    static_configs:
      - targets: ["127.0.0.1:$PORT"]
YML
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" >"$TMP/prometheus.log" 2>&1 &
PROM_PID=$!
on_exit "kill $PROM_PID; wait $PROM_PID"
prom_q() { curl -sf --data-urlencode "query=$1" "http://127.0.0.1:$PPORT/api/v1/query"; }
scraped() { prom_q "vflow_syscall_calls_total{entity=\"$ENTITY\",syscall=\"getppid\"}" | grep -q "\"$N\""; }
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
ok "workload counter exact in Prometheus"
# vflowd's own figure, from its last JSON report
python3 - "$TMP/out.jsonl" "$ENTITY" "$N" <<'PY' && ok "Prometheus agrees with vflowd" || not_ok "Prometheus agrees with vflowd"
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
e = next(e for e in last["entities"] if e["path"] == sys.argv[2])
r = next(r for r in e["syscalls"] if r["name"] == "getppid")
sys.exit(0 if r["count"] == int(sys.argv[3]) else 1)
PY
q=$(prom_q "histogram_quantile(0.5, sum by (le) (vflow_syscall_latency_seconds_bucket{entity=\"$ENTITY\"}))")
if echo "$q" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; v=float(r[0]["value"][1]); sys.exit(0 if 0 < v < 1 else 1)'; then
	ok "histogram_quantile over the syscall histogram"
else
	not_ok "histogram_quantile over the syscall histogram"; diag "$q"
fi

# every expression of the dashboard; VM and sandbox panels need such workloads
sleep 2
bad=0 total=0
while IFS=$'\t' read -r cond expr; do
	case $cond in ''|'#'*) continue ;; esac
	[ "$cond" = if_vm ] && [ -z "${HAVE_VM:-}" ] && continue
	[ "$cond" = if_sandbox ] && [ -z "${HAVE_SANDBOX:-}" ] && continue
	total=$((total + 1))
	res=$(prom_q "$expr")
	if ! echo "$res" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["status"]=="success" and d["data"]["result"] else 1)' 2>/dev/null; then
		bad=$((bad + 1))
		diag "no data or error: $expr -> $(echo "$res" | head -c 200)"
	fi
done <"$ROOT/dashboards/queries.txt"
if [ "$bad" -eq 0 ] && [ "$total" -gt 0 ]; then
	ok "every dashboard expression returns data"
else
	not_ok "every dashboard expression returns data"; diag "$bad of $total failed"
fi
stop_vflowd
