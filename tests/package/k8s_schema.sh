#!/usr/bin/env bash
# deploy/daemonset.yaml against the Kubernetes API schema and the
# Prometheus Operator's (ServiceMonitor): each object through the
# kubernetes-models validators (types, enums, required fields), installed
# from npm once into /var/cache/vflow/k8s-schema (tests/package/k8s/
# package.json pins them). They do not reject unknown field names;
# tests/integration/deploy_files.sh checks the fields that matter by name.
# A copy with a port given as text and a ServiceMonitor without endpoints
# must be refused. make test-package runs this.
. "$(dirname "$0")/../lib.sh"

KINDS=(Namespace ServiceAccount DaemonSet Service ServiceMonitor)
NAMES=()
for k in "${KINDS[@]}"; do NAMES+=("daemonset.yaml: the $k against its schema"); done
NAMES+=("negative control: a containerPort as text, a ServiceMonitor without endpoints, refused")
plan ${#NAMES[@]}
for tool in node npm; do
	command -v "$tool" >/dev/null ||
		skip_all "$tool not installed (scripts/deps.sh package installs it)" "${NAMES[@]}"
done

# the validators, installed again only when package.json changed
SRC=$ROOT/tests/package/k8s
DIR=${VFLOW_CACHE_DIR:-/var/cache/vflow}/k8s-schema
mkdir -p "$DIR"
exec 8>"$DIR/lock"
flock 8
if ! cmp -s "$SRC/package.json" "$DIR/package.json" || [ ! -d "$DIR/node_modules/kubernetes-models" ]; then
	rm -rf "$DIR/node_modules" "$DIR/package-lock.json"
	cp "$SRC/package.json" "$DIR/package.json.new"
	mv "$DIR/package.json.new" "$DIR/package.json"
	if ! (cd "$DIR" && npm install --no-audit --no-fund --silent) >"$TMP/npm.out" 2>&1; then
		rm -f "$DIR/package.json"
		fail_all "npm install of the schema validators failed: $(tail -3 "$TMP/npm.out")" "${NAMES[@]}"
	fi
fi
# node resolves the packages from the script's own folder
cp "$SRC/check.mjs" "$DIR/check.mjs"

node "$DIR/check.mjs" "$ROOT/deploy/daemonset.yaml" >"$TMP/check.out" 2>&1
for k in "${KINDS[@]}"; do
	line=$(grep -E "^(not )?ok - $k " "$TMP/check.out")
	if [[ $line == "ok - "* ]]; then
		ok "daemonset.yaml: the $k against its schema"
	else
		not_ok "daemonset.yaml: the $k against its schema"
		diag "${line:-no $k in deploy/daemonset.yaml: $(tail -2 "$TMP/check.out")}"
	fi
done

sed -e 's/containerPort: \([0-9]*\)/containerPort: "port \1"/' -e 's/^  endpoints:/  endpointz:/' \
	"$ROOT/deploy/daemonset.yaml" >"$TMP/bad.yaml"
node "$DIR/check.mjs" "$TMP/bad.yaml" >"$TMP/bad.out" 2>&1
if ! cmp -s "$ROOT/deploy/daemonset.yaml" "$TMP/bad.yaml" &&
   grep -q '^not ok - DaemonSet .*containerPort must be integer' "$TMP/bad.out" &&
   grep -q '^not ok - ServiceMonitor .*required property .\?endpoints' "$TMP/bad.out"; then
	ok "${NAMES[-1]}"
else
	not_ok "${NAMES[-1]}"
	{ grep '^not ok' "$TMP/bad.out" || tail -2 "$TMP/bad.out"; } | sed 's/^/# /'
fi
