#!/usr/bin/env bash
# The overhead model where operators look: a real Prometheus, with
# dashboards/rules.yml loaded, scrapes vflowd while a container workload (a
# syscall loop that also sleeps, in a cgroup named the way docker names
# its containers) and a user-notify sandbox (its supervisor answers each
# call after 1 ms) run side by side. Then PromQL's eta over a 30 s window
# must equal vflowd's own eta over the same window, for both entities and
# for their paradigms (container, sandbox).
#
# "The same window": Prometheus samples counters that vflowd renders from
# the same report it prints as JSON, once per interval. The test asks
# Prometheus for the raw samples of the window (the range [30s] at the
# evaluation time) and finds the two reports whose running sums
# (model.totals) are its first and last samples; vflowd's own eta over the
# window is then sum(work) / sum(work + C_trap + C_schedule + C_isolation)
# over the intervals of the reports between them, each as vflowd printed it
# for its interval. PromQL computes eta from the counters with the
# recording rule's expression (dashboards/rules.yml, its [5m] made [30s]).
# Both see the same numbers (rate() extrapolates work and overhead by the
# same factor, their samples share a scrape): the 1 % bound is the issue's
# acceptance bound, and the agreement measured is printed.
#
# With the same workloads: the eta bands Prometheus scraped are those of the
# model.conf vflowd loaded (one edited here) and the host has none; every
# rule of rules.yml evaluates without error and every recording rule has
# series; every dashboard expression returns data. Last, the figures: the
# scrape's size and the model's series per entity.
. "$(dirname "$0")/../lib.sh"

NAMES=("promtool check metrics: the live body with the model's families"
       "Prometheus loaded rules.yml and scraped vflowd"
       "the window's samples are two reports of vflowd's"
       "container entity: PromQL eta over 30 s = vflowd's eta over the same intervals, within 1 %"
       "sandbox entity: PromQL eta over 30 s = vflowd's eta over the same intervals, within 1 %"
       "container paradigm: PromQL eta over 30 s = vflowd's, within 1 %"
       "sandbox paradigm: PromQL eta over 30 s = vflowd's, within 1 %"
       "the recording rules give each entity's and paradigm's eta from live data"
       "Prometheus has model.conf's eta bands, and none for the host"
       "every rule of rules.yml evaluates in Prometheus, every recording rule has data"
       "every dashboard expression returns data, in range where it is a ratio"
       "vflowd stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
	skip_all "prometheus/promtool not installed: apt-get install prometheus" "${NAMES[@]}"
python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml not installed" "${NAMES[@]}"
[ -n "$(cgroup2_root)" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
for bin in "$VFLOWD" "$BUILD/tests/sysloop" "$BUILD/tests/seccomp_actions"; do
	[ -x "$bin" ] || fail_all "$bin is not built: run make test-build" "${NAMES[@]}"
done

WINDOW_S=30		# the issue's window
# the workloads run this long: the window ends after the sandbox has been
# seen for WINDOW_S + SETTLE_S seconds, so that its counters are well above
# 0 at the window's start (rate() extrapolates a counter that starts near 0
# differently, series by series)
SETTLE_S=8
WORK_S=75		# the container loop stops by itself after this long at most
NOTIFY_CALLS=200000	# ~1 ms each: more than WORK_S; ended with its cgroup
REL_TOL=0.01		# the issue's bound: within 1 %

# vflowd loads a model.conf whose container band is not the document's: the
# bands in Prometheus must be the loaded file's, not defaults compiled in
sed -e 's/^container\.eta_lo = .*/container.eta_lo = 0.81/' \
    -e 's/^container\.eta_hi = .*/container.eta_hi = 0.97/' "$ROOT/config/model.conf" >"$TMP/model.conf"
cp "$ROOT/config/advice.rules" "$TMP/advice.rules"
grep -q '^container.eta_lo = 0.81$' "$TMP/model.conf" ||
	fail_all "config/model.conf has no container.eta_lo line to change" "${NAMES[@]}"

CID=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
SLICE=$(new_cgroup "vflow-test-modelprom-$$.slice")
CG="$SLICE/docker-$CID.scope"
mkdir "$CG" && on_exit "remove_cgroup '$CG'"
SB_CG=$(new_cgroup "vflow-test-modelprom-sb-$$")

PORT=$(free_port) PPORT=$(free_port)
start_vflowd "$TMP/out.jsonl" -i 1 --web.listen-address "127.0.0.1:$PORT" --model-config "$TMP/model.conf" ||
	fail_all "vflowd did not start" "${NAMES[@]}"
# the container: getppid and getpgid calls, and 1 ms sleeps (context switches)
run_in_cgroup "$CG" bash -c 'end=$((SECONDS + $1)); while [ $SECONDS -lt $end ]; do "$2" 100000 20000 50; done' \
	loop "$WORK_S" "$BUILD/tests/sysloop" >/dev/null 2>"$TMP/loop.err" &
LOOP=$!
on_exit "kill $LOOP; wait $LOOP"
VFLOW_NOTIFY_DELAY_MS=1 run_in_cgroup "$SB_CG" "$BUILD/tests/seccomp_actions" notify "$NOTIFY_CALLS" \
	>"$TMP/notify.out" 2>&1 &
SB=$!
on_exit "kill $SB; wait $SB"
START=$SECONDS

cat >"$TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $ROOT/dashboards/rules.yml
scrape_configs:
  - job_name: vflow
    static_configs:
      - targets: ["127.0.0.1:$PORT"]
YML
start_prometheus
API="http://127.0.0.1:$PPORT/api/v1"

# names: the container's and the sandbox's entity names in vflowd's last report
names() {
	tail -1 "$TMP/out.jsonl" | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = [e["name"] for e in d["entities"] if e["id"] == sys.argv[1]]
s = [s["name"] for s in d["sandboxes"] if s["by_action"].get("user_notif", 0) > 0 and s["model"]
     and s["model"]["eta"]["value"] is not None]
print(c[0] if c else "", s[0] if s else "")' "$CID" 2>/dev/null
}
both_seen() { read -r C_NAME S_NAME < <(names); [ -n "$C_NAME" ] && [ -n "$S_NAME" ]; }
if ! wait_for 60 both_seen; then
	diag "vflowd never reported both workloads: $(tail -2 "$TMP/notify.out" "$TMP/loop.err")"
	fail_all "no container and sandbox entity" "${NAMES[@]:0:11}"
	stop_vflowd
	exit 0
fi
SEEN=$SECONDS
diag "container ${C_NAME}, sandbox ${S_NAME}, seen after $((SEEN - START)) s"

curl -s --max-time 10 -o "$TMP/metrics.txt" "http://127.0.0.1:$PORT/metrics"
if grep -q "^vflow_entity_work_seconds_total{type=\"sandbox\",entity=\"$S_NAME\"" "$TMP/metrics.txt" &&
   grep -q "^vflow_paradigm_eta_ratio{paradigm=\"container\"" "$TMP/metrics.txt" &&
   promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1; then
	ok "promtool check metrics: the live body with the model's families"
else
	not_ok "promtool check metrics: the live body with the model's families"
	diag "$(head -5 "$TMP/promtool.out")"
fi

prom_q() { curl -sf --max-time 10 --data-urlencode "query=$1" ${2:+--data-urlencode "time=$2"} "$API/query"; }
rules_loaded() {
	curl -sf --max-time 10 "$API/rules" | python3 -c '
import json, sys
d = json.load(sys.stdin)
names = {r["name"] for g in d["data"]["groups"] for r in g["rules"]}
sys.exit(0 if {"vflow:entity_eta:ratio5m", "VflowEtaBelowBand"} <= names else 1)' 2>/dev/null &&
	prom_q "up{job=\"vflow\"} == 1" | grep -q '"value"'
}
check "Prometheus loaded rules.yml and scraped vflowd" wait_for 60 rules_loaded

# the window ends WINDOW_S + SETTLE_S after both were first reported, and a
# scrape or two before now: Prometheus has every sample of it
while [ $((SECONDS - SEEN)) -lt $((WINDOW_S + SETTLE_S)) ]; do sleep 1; done
T=$(python3 -c 'import time; print("%.3f" % (time.time() - 2))')

# the recording rules' expressions, their [5m] made the window
python3 - "$ROOT/dashboards/rules.yml" "$WINDOW_S" >"$TMP/exprs" <<'PY'
import sys, yaml
rules = {r.get("record"): r["expr"] for g in yaml.safe_load(open(sys.argv[1]))["groups"] for r in g["rules"]}
for name in ("vflow:entity_eta:ratio5m", "vflow:paradigm_eta:ratio5m"):
    print(" ".join(rules[name].replace("[5m]", "[%ss]" % sys.argv[2]).split()))
PY
ENTITY_ETA=$(sed -n 1p "$TMP/exprs") PARADIGM_ETA=$(sed -n 2p "$TMP/exprs")
prom_q "$ENTITY_ETA" "$T" >"$TMP/q.entity_eta"
prom_q "$PARADIGM_ETA" "$T" >"$TMP/q.paradigm_eta"
prom_q "vflow_entity_work_seconds_total{entity=~\"$C_NAME|$S_NAME\"}[${WINDOW_S}s]" "$T" >"$TMP/q.entity_work"
prom_q "vflow_paradigm_work_seconds_total{paradigm=~\"container|sandbox\"}[${WINDOW_S}s]" "$T" >"$TMP/q.paradigm_work"
# the rules Prometheus itself evaluates, over 5m (as much of it as there is)
prom_q "vflow:entity_eta:ratio5m{entity=~\"$C_NAME|$S_NAME\"} and vflow:entity_eta:ratio5m >= 0" >"$TMP/q.rule_entity"
prom_q "vflow:paradigm_eta:ratio5m{paradigm=~\"container|sandbox\"} >= 0" >"$TMP/q.rule_paradigm"

tap_from < <(python3 - "$TMP" "$C_NAME" "$S_NAME" "$REL_TOL" <<'PY'
import json, sys
tmp, c_name, s_name, tol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
reports = [json.loads(l) for l in open(tmp + "/out.jsonl") if l.strip()]

def result(name):
    d = json.load(open("%s/q.%s" % (tmp, name)))
    assert d["status"] == "success"
    return d["data"]["result"]

def model_of(report, key):
    kind, name = key
    if kind == "paradigm":
        return next(p["model"] for p in report["paradigms"] if p["paradigm"] == name)
    group = report["entities"] if kind == "container" else report["sandboxes"]
    return next((e["model"] for e in group if e["name"] == name), None)

def window(key, samples):
    """The reports whose running sums are the window's first and last samples,
    and vflowd's eta over the intervals between them, from each interval's figures."""
    first, last = float(samples[0][1]), float(samples[-1][1])
    at = {}
    for i, r in enumerate(reports):
        m = model_of(r, key)
        if m and m["totals"]:
            at.setdefault(m["totals"]["work_ns"] / 1e9, i)
    if first not in at or last not in at or at[last] <= at[first]:
        return None, "samples %r..%r are not two reports' sums" % (first, last)
    work = cost = 0.0
    for r in reports[at[first] + 1:at[last] + 1]:
        m = model_of(r, key)
        if m is None or m["eta"]["value"] is None:
            continue
        w = m["work_ns"]["value"]
        work += w
        cost += w + m["c_trap_ns"]["value"] + m["c_schedule_ns"]["value"] + m["c_isolation_ns"]["value"]
    return (work / cost if cost else None), "reports %d..%d" % (at[first], at[last])

def samples_of(name, label, value):
    return next((r["values"] for r in result(name) if r["metric"].get(label) == value), None)

def eta_of(name, label, value):
    v = next((r["value"][1] for r in result(name) if r["metric"].get(label) == value), None)
    return float(v) if v is not None else None

keys = [("container", c_name, "entity_work", "entity_eta", "entity", "container entity"),
        ("sandbox", s_name, "entity_work", "entity_eta", "entity", "sandbox entity"),
        ("paradigm", "container", "paradigm_work", "paradigm_eta", "paradigm", "container paradigm"),
        ("paradigm", "sandbox", "paradigm_work", "paradigm_eta", "paradigm", "sandbox paradigm")]
found = []
for kind, name, work_q, eta_q, label, what in keys:
    samples = samples_of(work_q, label, name)
    mine, how = window((kind, name), samples) if samples and len(samples) >= 2 else (None, "no samples")
    prom = eta_of(eta_q, label, name)
    found.append((what, mine, prom, how, len(samples or [])))
print(("ok" if all(f[1] is not None for f in found) else "not ok") +
      " - the window's samples are two reports of vflowd's")
for what, mine, prom, how, n in found:
    good = mine is not None and prom is not None and abs(prom - mine) <= tol * mine
    rel = abs(prom - mine) / mine if good or (mine and prom is not None) else None
    print("%s - %s: PromQL eta over 30 s = vflowd's eta over the same intervals, within 1 %%" %
          ("ok" if good else "not ok", what) if "entity" in what else
          "%s - %s: PromQL eta over 30 s = vflowd's, within 1 %%" % ("ok" if good else "not ok", what))
    print("# %s: PromQL %r, vflowd %r (%s, %d samples), relative difference %s" %
          (what, prom, mine, how, n, "%.3g" % rel if rel is not None else "-"))
rules = [r for r in result("rule_entity")] + [r for r in result("rule_paradigm")]
print(("ok" if len(rules) == 4 else "not ok") +
      " - the recording rules give each entity's and paradigm's eta from live data")
for r in rules:
    print("# %s %s" % (r["metric"].get("entity", r["metric"].get("paradigm")), r["value"][1]))
PY
)

# the eta bands as Prometheus scraped them, against the loaded model.conf
prom_q 'vflow_model_eta_band_ratio{job="vflow"}' >"$TMP/q.bands"
tap_from < <(python3 - "$TMP/q.bands" "$TMP/model.conf" <<'PY'
import json, sys
got = {(r["metric"]["paradigm"], r["metric"]["bound"]): float(r["value"][1])
       for r in json.load(open(sys.argv[1]))["data"]["result"]}
conf = dict(l.split(" = ") for l in open(sys.argv[2]).read().splitlines()
            if " = " in l and not l.startswith("#"))
want = {}
for p in ("host", "fullvirt", "paravirt", "container", "sandbox"):
    lo, hi = float(conf[p + ".eta_lo"]), float(conf[p + ".eta_hi"])
    if hi > 0:			# the host's 0 0: no band (docs/MODEL.md)
        want[(p, "low")], want[(p, "high")] = lo, hi
print(("ok" if got == want and "host" not in {p for p, _ in got} else "not ok") +
      " - Prometheus has model.conf's eta bands, and none for the host")
for k in sorted(set(got) | set(want)):
    if got.get(k) != want.get(k):
        print("# %s %s: Prometheus %r, model.conf %r" % (k + (got.get(k), want.get(k))))
PY
)

# every rule as Prometheus evaluates it: no error, and a recording rule's
# series present (those of VMs need a KVM guest: left out)
curl -sf --max-time 10 "$API/rules" >"$TMP/rules.json"
prom_q '{__name__=~"vflow:.*"}' >"$TMP/q.recorded"
tap_from < <(python3 - "$TMP/rules.json" "$TMP/q.recorded" <<'PY'
import json, sys
rules = [r for g in json.load(open(sys.argv[1]))["data"]["groups"] for r in g["rules"]]
recorded = {r["metric"]["__name__"] for r in json.load(open(sys.argv[2]))["data"]["result"]}
bad = ["%s: %s %s" % (r["name"], r["health"], r.get("lastError", "")) for r in rules
       if r["health"] != "ok"]
bad += ["%s: no series" % r["name"] for r in rules
        if r["type"] == "recording" and "vflow_vm_" not in r["query"] and r["name"] not in recorded]
print(("ok" if rules and not bad else "not ok") +
      " - every rule of rules.yml evaluates in Prometheus, every recording rule has data")
print("# %d rules (%d recording)" % (len(rules), sum(r["type"] == "recording" for r in rules)))
for b in bad:
    print("# " + b)
PY
)

# every expression of the dashboard, the model's and scheduling panels among
# them: each returns a sample with a finite value, and where it is a ratio
# (an eta, a band, an overhead or trap share: the expressions that name
# them) every finite value lies in [0, 1]. VM panels need a KVM guest; the
# fullvirt and paravirt trap latency quantiles have their series here but
# no observation without one (NaN): they must return data, not a number.
tap_from < <(python3 - "$ROOT/dashboards/queries.txt" "$API/query" <<'PY'
import json, math, re, sys, urllib.parse, urllib.request
ratio = re.compile(r"eta_ratio|eta_band_ratio|overhead_seconds_total.*/|/.*oncpu_seconds_total")
guest_only = re.compile(r'histogram_quantile.*paradigm=~?"(fullvirt|paravirt)[|"]')
total, bad = 0, []
for line in open(sys.argv[1]):
    cond, _, expr = line.rstrip("\n").partition("\t")
    if not expr or cond.startswith("#") or cond == "if_vm":
        continue
    total += 1
    url = sys.argv[2] + "?" + urllib.parse.urlencode({"query": expr})
    try:
        d = json.load(urllib.request.urlopen(url, timeout=10))
    except Exception as e:
        bad.append("%s: %s" % (expr, e)); continue
    values = [float(r["value"][1]) for r in d["data"]["result"]]
    finite = [v for v in values if math.isfinite(v)]
    if not values or not finite and not guest_only.search(expr):
        bad.append("%s: %s" % (expr, "no data" if not values else "only %r" % values[:3]))
    elif ratio.search(expr) and not all(0 <= v <= 1 for v in finite):
        bad.append("%s: a ratio out of [0, 1]: %r" % (expr, finite[:5]))
print(("ok" if total and not bad else "not ok") +
      " - every dashboard expression returns data, in range where it is a ratio")
print("# %d expressions (VM panels need a VM: left out), %d bad" % (total, len(bad)))
for b in bad:
    print("# " + b)
PY
)

# figures: the scrape's size, and the series the model adds per entity
curl -s --max-time 10 -o "$TMP/metrics.end.txt" "http://127.0.0.1:$PORT/metrics"
diag "the model's families: $(grep -E '^vflow_(entity|paradigm)_' "$TMP/metrics.end.txt" | wc -l) samples," \
	"$(grep -E '^(# (HELP|TYPE) )?vflow_(entity|paradigm)_' "$TMP/metrics.end.txt" | wc -c) bytes;" \
	"run-queue histogram of $C_NAME: $(grep -c "^vflow_entity_runq_latency_seconds_.*entity=\"$C_NAME\"" "$TMP/metrics.end.txt") samples"
diag "scrape: $(wc -c <"$TMP/metrics.end.txt") bytes, $(grep -vc '^#' "$TMP/metrics.end.txt") samples;" \
	"model series of container $C_NAME: $(grep -E "^vflow_(entity|paradigm)_" "$TMP/metrics.end.txt" | grep -c "entity=\"$C_NAME\""),"\
	"of sandbox $S_NAME: $(grep -E "^vflow_(entity|paradigm)_" "$TMP/metrics.end.txt" | grep -c "entity=\"$S_NAME\"")"
# the workloads end here, every process of theirs. The loop's sysloop and
# the notify target are not this shell's children: killed with their
# parents they are reaped by init, which the test waits for (else they
# outlive it as zombies in its session)
WORKLOAD_PIDS=$(cat "$CG/cgroup.procs" "$SB_CG/cgroup.procs" 2>/dev/null)
for cg in "$CG" "$SB_CG"; do [ -e "$cg/cgroup.kill" ] && echo 1 >"$cg/cgroup.kill"; done
wait "$LOOP" "$SB" 2>/dev/null
all_gone() { local p; for p in $WORKLOAD_PIDS; do [ -e "/proc/$p" ] && return 1; done; return 0; }
wait_for 10 all_gone || diag "workload processes not reaped yet: $WORKLOAD_PIDS"
stop_vflowd
