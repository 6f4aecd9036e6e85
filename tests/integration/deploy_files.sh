#!/usr/bin/env bash
# The files under dashboards/ and deploy/ are what operators install: the
# Prometheus rules load and their unit tests pass, the Grafana dashboard is
# valid JSON whose every query is listed in queries.txt (which the exporter
# test evaluates against a live Prometheus) and parses as PromQL, the
# systemd unit verifies, and the DaemonSet asks for exactly the documented
# privileges. Nothing here needs root or BPF.
. "$(dirname "$0")/../lib.sh"
DASH=$ROOT/dashboards
DEPLOY=$ROOT/deploy
CAPS="BPF DAC_READ_SEARCH PERFMON SYS_PTRACE"	# sorted; the unit's and the DaemonSet's

# diag_head N FILE: the first N lines of FILE as TAP comments
diag_head() { head -n "$1" "$2" | grep -v '^ *$' | sed 's/^/# /'; }
diag_tail() { tail -n "$1" "$2" | grep -v '^ *$' | sed 's/^/# /'; }

# rules 2, dashboard 3, PromQL 1, systemd unit 3, DaemonSet 3 (the python
# checks print "ok - what" lines, which tap_from numbers)
plan 12

# --- Prometheus rules -------------------------------------------------------
if command -v promtool >/dev/null; then
	if promtool check rules "$DASH/rules.yml" >"$TMP/check.out" 2>&1; then
		ok "promtool check rules dashboards/rules.yml"
	else
		not_ok "promtool check rules dashboards/rules.yml"; diag_tail 5 "$TMP/check.out"
	fi
	# rules_test.yml names rules.yml relative to itself
	if (cd "$DASH" && promtool test rules rules_test.yml) >"$TMP/test.out" 2>&1; then
		ok "promtool test rules dashboards/rules_test.yml"
	else
		not_ok "promtool test rules dashboards/rules_test.yml"; diag_head 30 "$TMP/test.out"
	fi
else
	skip "promtool check rules dashboards/rules.yml" "promtool not installed: apt-get install prometheus"
	skip "promtool test rules dashboards/rules_test.yml" "promtool not installed: apt-get install prometheus"
fi

# --- Grafana dashboard and queries.txt ---------------------------------------
# Writes every queries.txt expression as a recording rule to $TMP/queries.rules.yml
# so that promtool parses each one.
tap_from < <(python3 - "$DASH/vflow.json" "$DASH/queries.txt" "$ROOT/docs/metrics.md" "$TMP/queries.rules.yml" <<'PY'
import json, re, sys
dash_path, queries_path, metrics_md, rules_out = sys.argv[1:5]
problems = []

try:
    d = json.load(open(dash_path))
except Exception as e:
    print("not ok - dashboard JSON parses")
    print("# %s" % e)
    print("not ok - dashboard: variables, rows, datasource, only documented metrics, $host on every selector")
    print("not ok - queries.txt lists every dashboard expression, and only those")
    sys.exit(0)
print("ok - dashboard JSON parses")

# structure: variables, one row per paradigm, model and self rows
var = {v["name"]: v for v in d.get("templating", {}).get("list", [])}
def q_of(v):
    q = v.get("query")
    return q.get("query") if isinstance(q, dict) else q
if not (16 <= d.get("schemaVersion", 0) <= 41):
    problems.append("schemaVersion %r" % d.get("schemaVersion"))
if var.get("datasource", {}).get("type") != "datasource" or var["datasource"].get("query") != "prometheus":
    problems.append("no prometheus datasource variable")
if q_of(var.get("host", {})) != "label_values(vflow_build_info, instance)":
    problems.append("host variable: %r" % q_of(var.get("host", {})))
if q_of(var.get("entity", {})) != 'label_values(vflow_syscalls_total{instance=~"$host"}, entity)':
    problems.append("entity variable: %r" % q_of(var.get("entity", {})))
if q_of(var.get("paradigm", {})) != 'label_values(vflow_paradigm_work_seconds_total{instance=~"$host"}, paradigm)':
    problems.append("paradigm variable: %r" % q_of(var.get("paradigm", {})))
rows = [p["title"].lower() for p in d["panels"] if p["type"] == "row"]
for want in ("container", "full virtualization", "paravirtualization", "sandbox", "model vs measured",
             "overhead model", "scheduling", "vflow itself"):
    if not any(want in r for r in rows):
        problems.append("no row for %s" % want)
ids = [p["id"] for p in d["panels"]]
if len(ids) != len(set(ids)):
    problems.append("duplicate panel ids")

# metric names from docs/metrics.md; histograms come with _bucket/_sum/_count
allowed = set()
for line in open(metrics_md):
    m = re.match(r"\|\s*`(vflow_[a-z0-9_]+)`\s*\|\s*([a-z]+)", line)
    if m:
        allowed.add(m.group(1))
        if m.group(2) == "histogram":
            allowed.update(m.group(1) + s for s in ("_bucket", "_sum", "_count"))

exprs = []
for p in d["panels"]:
    if p["type"] == "row":
        continue
    if p.get("datasource", {}).get("uid") != "${datasource}":
        problems.append("panel %r: datasource is not ${datasource}" % p["title"])
    for t in p.get("targets", []):
        e = t["expr"]
        exprs.append(e)
        names = re.findall(r"\b(vflow_[a-z0-9_]+)\b", e)
        for n in names:
            if n not in allowed:
                problems.append("panel %r: %s is not in docs/metrics.md" % (p["title"], n))
        # every selector filters on the host variable
        sels = re.findall(r"\bvflow_[a-z0-9_]+(\{[^}]*\})?", e)
        if not names or any('instance=~"$host"' not in s for s in sels):
            problems.append("panel %r: a selector without instance=~\"$host\": %s" % (p["title"], e))
        if "$__rate_interval" not in e and "[5m]" not in e and "rate(" in e:
            problems.append("panel %r: rate without $__rate_interval or 5m" % p["title"])

print(("ok" if not problems else "not ok") + " - dashboard: variables, rows, datasource, only documented metrics, $host on every selector")
for pr in problems:
    print("# " + pr)

def sub(e):
    return (e.replace("$__rate_interval", "1m").replace("$host", ".*").replace("$entity", ".*")
             .replace("$paradigm", ".*"))
listed, bad = {}, []
for n, line in enumerate(open(queries_path), 1):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    cond, _, e = line.partition("\t")
    if cond not in ("always", "if_vm", "if_sandbox") or not e:
        bad.append("queries.txt:%d: want CONDITION<TAB>EXPR, CONDITION always, if_vm or if_sandbox" % n)
    listed[e] = cond
missing = sorted({sub(e) for e in exprs} - set(listed))
extra = sorted(set(listed) - {sub(e) for e in exprs})
ok = not (missing or extra or bad)
print(("ok" if ok else "not ok") + " - queries.txt lists every dashboard expression, and only those")
for m in missing:
    print("# not in queries.txt: " + m)
for m in extra:
    print("# not in the dashboard: " + m)
for b in bad:
    print("# " + b)

with open(rules_out, "w") as f:
    f.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, e in enumerate(listed):
        f.write("      - record: q%d\n        expr: %s\n" % (i, json.dumps(e)))
PY
)
if ! command -v promtool >/dev/null; then
	skip "every dashboard expression parses as PromQL" "promtool not installed: apt-get install prometheus"
elif [ ! -s "$TMP/queries.rules.yml" ]; then
	not_ok "every dashboard expression parses as PromQL"; diag "no expressions extracted"
elif promtool check rules "$TMP/queries.rules.yml" >"$TMP/pq.out" 2>&1; then
	ok "every dashboard expression parses as PromQL"
else
	not_ok "every dashboard expression parses as PromQL"; diag_head 8 "$TMP/pq.out"
fi

# --- systemd unit -------------------------------------------------------------
UNIT=$DEPLOY/vflowd.service
want_exec='ExecStart=/usr/local/sbin/vflowd -q --web.listen-address=127.0.0.1:9477 --control=/run/vflow/vflowd.sock --dump-dir=/var/lib/vflow/dumps $VFLOWD_ARGS'
unit_caps() { sed -n "s/^$1=//p" "$UNIT" | tr ' ' '\n' | sed 's/^CAP_//' | sort | tr '\n' ' ' | sed 's/ $//'; }
if grep -qxF "$want_exec" "$UNIT" && [ "$(unit_caps CapabilityBoundingSet)" = "$CAPS" ] &&
   [ "$(unit_caps AmbientCapabilities)" = "$CAPS" ] && ! grep -q 'SYS_ADMIN' <(grep -v '^#' "$UNIT") &&
   grep -qx 'RequiresMountsFor=/sys/kernel/tracing' "$UNIT"; then
	ok "vflowd.service: ExecStart on loopback, capabilities $CAPS only, after tracefs"
else
	not_ok "vflowd.service: ExecStart on loopback, capabilities $CAPS only, after tracefs"
	diag "bounding: $(unit_caps CapabilityBoundingSet); ambient: $(unit_caps AmbientCapabilities)"
fi
# systemd-analyze verify rejects a unit whose ExecStart binary does not
# exist, and /usr/local/sbin/vflowd is only there once installed: verify a
# copy whose ExecStart points at the vflowd built in this tree instead (the
# rest of the unit is byte for byte the same). Likewise its Documentation=
# man page: man finds the one built here. It only warns about unknown or
# misspelt settings, so any output at all is a failure.
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify deploy/vflowd.service" "systemd-analyze not installed"
	skip "vflowd.service exposure (systemd-analyze security)" "systemd-analyze not installed"
else
	BIN=$BUILD/vflowd
	[ -x "$BIN" ] || BIN=$BUILD/san/vflowd
	mkdir -p "$TMP/unit"
	sed "s|^ExecStart=/usr/local/sbin/vflowd |ExecStart=$BIN |" "$UNIT" >"$TMP/unit/vflowd.service"
	mkdir -p "$TMP/man/man8"
	ln -s "$BUILD/man/vflowd.8" "$TMP/man/man8/vflowd.8"
	if [ ! -x "$BIN" ]; then
		not_ok "systemd-analyze verify deploy/vflowd.service"
		diag "no built vflowd in $BUILD to stand in for /usr/local/sbin/vflowd: make WERROR=1 test-build"
	elif SYSTEMD_LOG_COLOR=0 MANPATH=$TMP/man systemd-analyze verify "$TMP/unit/vflowd.service" \
		>"$TMP/verify.out" 2>&1 && [ ! -s "$TMP/verify.out" ]; then
		ok "systemd-analyze verify deploy/vflowd.service"
	else
		not_ok "systemd-analyze verify deploy/vflowd.service"; diag_head 5 "$TMP/verify.out"
	fi
	# 0 (locked down) .. 10 (unprotected); the unit is at 2.6 with systemd 252
	if ! systemd-analyze security --help 2>/dev/null | grep -q -- '--threshold'; then
		skip "vflowd.service exposure (systemd-analyze security)" "this systemd-analyze has no --offline/--threshold"
	elif systemd-analyze security --offline=yes --threshold=35 "$TMP/unit/vflowd.service" >"$TMP/sec.out" 2>&1; then
		ok "vflowd.service exposure (systemd-analyze security) at most 3.5"
	else
		not_ok "vflowd.service exposure (systemd-analyze security) at most 3.5"; diag_tail 1 "$TMP/sec.out"
	fi
fi

# --- Kubernetes DaemonSet -----------------------------------------------------
if ! python3 -c 'import yaml' 2>/dev/null; then
	skip "daemonset.yaml: valid YAML, DaemonSet, Service, ServiceMonitor" "python3-yaml not installed"
	skip "daemonset.yaml: hostPID, capabilities, drop ALL, not privileged" "python3-yaml not installed"
	skip "daemonset.yaml: host mounts read-only, probes on /healthz, limits" "python3-yaml not installed"
else
	tap_from < <(python3 - "$DEPLOY/daemonset.yaml" "$CAPS" <<'PY'
import sys, yaml
path, caps = sys.argv[1], sorted(sys.argv[2].split())
def tap(ok, what, why=()):
    print(("ok" if ok else "not ok") + " - daemonset.yaml: " + what)
    for w in why:
        print("# " + w)
try:
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
except Exception as e:
    for what in ("valid YAML, DaemonSet, Service, ServiceMonitor",
                 "hostPID, capabilities, drop ALL, not privileged",
                 "host mounts read-only, probes on /healthz, limits"):
        tap(False, what, [str(e)])
    sys.exit(0)
kinds = {d.get("kind"): d for d in docs}
why = ["missing kind %s" % k for k in ("Namespace", "DaemonSet", "Service", "ServiceMonitor") if k not in kinds]
why += ["%s %s not in namespace vflow" % (d["kind"], d["metadata"].get("name")) for d in docs
        if d["kind"] != "Namespace" and d["metadata"].get("namespace") != "vflow"]
tap(not why, "valid YAML, DaemonSet, Service, ServiceMonitor", why)

ds = kinds.get("DaemonSet", {})
pod = ds.get("spec", {}).get("template", {}).get("spec", {})
ctrs = pod.get("containers", [])
c = ctrs[0] if ctrs else {}
sc = c.get("securityContext", {})
why = []
if pod.get("hostPID") is not True:
    why.append("hostPID is not true")
if pod.get("hostNetwork"):
    why.append("hostNetwork set")
if sc.get("privileged") is not False:
    why.append("privileged is not false")
if sc.get("allowPrivilegeEscalation") is not False:
    why.append("allowPrivilegeEscalation is not false")
if sc.get("readOnlyRootFilesystem") is not True:
    why.append("readOnlyRootFilesystem is not true")
if sc.get("runAsUser") != 0:
    why.append("runAsUser is not 0")
if sc.get("capabilities", {}).get("drop") != ["ALL"]:
    why.append("capabilities drop is %r, not [ALL]" % sc.get("capabilities", {}).get("drop"))
if sorted(sc.get("capabilities", {}).get("add", [])) != caps:
    why.append("capabilities add %r, want %r" % (sc.get("capabilities", {}).get("add"), caps))
if len(ctrs) != 1 or pod.get("initContainers"):
    why.append("want exactly one container and no init containers")
tap(not why, "hostPID, capabilities, drop ALL, not privileged", why)

why = []
vols = {v["name"]: v for v in pod.get("volumes", [])}
mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
for path in ("/sys/kernel/btf", "/sys/kernel/tracing", "/sys/fs/cgroup"):
    m = mounts.get(path)
    if not m:
        why.append("no mount at " + path)
        continue
    hp = vols.get(m["name"], {}).get("hostPath", {}).get("path")
    if hp != path:
        why.append("%s is not hostPath %s (%r)" % (path, path, hp))
    if m.get("readOnly") is not True:
        why.append(path + " not readOnly")
# the only writable mounts: the dumps' directory and the control socket's
writable = {"/var/lib/vflow": "hostPath", "/run/vflow": "emptyDir"}
for path, m in mounts.items():
    if m.get("readOnly") is not True and path not in writable:
        why.append("writable mount " + path)
    if path in writable and writable[path] not in vols.get(m["name"], {}):
        why.append("%s is not a %s" % (path, writable[path]))
for probe in ("livenessProbe", "readinessProbe"):
    if c.get(probe, {}).get("httpGet", {}).get("path") != "/healthz":
        why.append(probe + " is not an httpGet on /healthz")
args = c.get("args", [])
if "-q" not in args or "--web.listen-address=0.0.0.0:9477" not in args:
    why.append("args %r" % args)
lim = c.get("resources", {}).get("limits", {})
if not lim.get("memory") or not lim.get("cpu"):
    why.append("no memory and cpu limits")
if not any(t.get("operator") == "Exists" and "key" not in t for t in pod.get("tolerations", [])):
    why.append("no toleration of every taint")
if pod.get("automountServiceAccountToken") is not False:
    why.append("service account token mounted")
tap(not why, "host mounts read-only, probes on /healthz, limits", why)
PY
)
fi
