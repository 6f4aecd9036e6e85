#!/usr/bin/env bash
# vflowd's exporter behind mutual TLS and basic auth, with real clients:
#  - Debian's Prometheus scrapes it over mutual TLS (tls_config cert_file,
#    key_file, ca_file) with basic auth; its jobs without a client
#    certificate, without the password, or with a certificate whose SAN is
#    not on client_allowed_sans get no metrics (up == 0);
#  - curl proves each refusal next to a client that differs in that one
#    thing and is served: no client certificate, one from another CA, a SAN
#    not on the list, a suite not offered, a curve not offered, a version
#    below and above the range;
#  - a second vflowd (TLS and basic auth, no client certificates) is
#    scraped by Prometheus over basic auth, and the DaemonSet's probes
#    (deploy/daemonset.yaml, scheme HTTPS as its comment says for TLS) get
#    /healthz without credentials while /metrics asks for them.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib_tls.sh"

NAMES=("mTLS: vflowd serves over mutual TLS" "mTLS: a client certificate of the CA, SAN on the list, password: 200"
       "mTLS: no client certificate refused" "mTLS: a certificate from another CA refused"
       "mTLS: a SAN not on the list refused" "mTLS: the right certificate without the password: 401"
       "mTLS: a suite not offered refused, one offered served" "mTLS: a curve not offered refused, one offered served"
       "mTLS: TLS 1.1 (below min_version) refused, TLS 1.2 served" "mTLS: TLS 1.3 (above max_version) refused"
       "Prometheus scrapes vflowd over mutual TLS and basic auth"
       "Prometheus gets no metrics without a client certificate, the password, or a SAN on the list"
       "basic auth: vflowd serves over TLS with basic auth"
       "Prometheus scrapes vflowd over basic auth"
       "DaemonSet probes: /healthz answered without credentials, /metrics asks for them"
       "mTLS: vflowd stopped cleanly" "basic auth: vflowd stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (vflowd loads BPF programs)" "${NAMES[@]}"
for tool in prometheus curl openssl python3 htpasswd; do
	command -v "$tool" >/dev/null || skip_all "$tool is not installed (scripts/deps.sh)" "${NAMES[@]}"
done
python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml is not installed (scripts/deps.sh)" "${NAMES[@]}"
[ -x "$VFLOWD" ] || fail_all "$VFLOWD is not built: run make test-build" "${NAMES[@]}"
make_pki "${NAMES[@]}"
SCRAPE_WAIT_S=60	# Prometheus starts, then scrapes every second
PASSWORD=metrics-please
HASH=$(htpasswd -nbBC 5 prometheus "$PASSWORD" | cut -d: -f2-)
OLD_TLS=(--tlsv1.1 --tls-max 1.1 --ciphers 'DEFAULT@SECLEVEL=0')

cat >"$PKI/mtls.yml" <<YML
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  client_allowed_sans: [scraper.example]
  min_version: TLS12
  max_version: TLS12
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]
  curve_preferences: [X25519, CurveP256]
basic_auth_users:
  prometheus: '$HASH'
YML
cat >"$PKI/basic.yml" <<YML
tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  prometheus: '$HASH'
YML

SERVE_CMD="$VFLOWD -q" SERVE_START_S=30
mtls_ok=0 basic_ok=0
if serve mtls --web.config.file "$PKI/mtls.yml"; then
	MPORT=$PORT MPID=$PID mtls_ok=1
	ok "mTLS: vflowd serves over mutual TLS"
else
	not_ok "mTLS: vflowd serves over mutual TLS"
fi
if serve basic --web.config.file "$PKI/basic.yml"; then
	BPORT=$PORT BPID=$PID basic_ok=1
fi

# as CERT ARGS...: a request to the mTLS vflowd with CERT's certificate ("-": none)
as() {
	local who=$1; shift
	if [ "$who" = - ]; then
		code --cacert "$PKI/ca.crt" "$@" "https://127.0.0.1:$MPORT/metrics"
	else
		code --cacert "$PKI/ca.crt" --cert "$PKI/$who.crt" --key "$PKI/$who.key" "$@" \
			"https://127.0.0.1:$MPORT/metrics"
	fi
}
AUTH=(-u "prometheus:$PASSWORD")

if [ $mtls_ok = 1 ]; then
	expect "mTLS: a client certificate of the CA, SAN on the list, password: 200" 200 "$(as scraper "${AUTH[@]}")"
	expect "mTLS: no client certificate refused" 000 "$(as - "${AUTH[@]}")"
	expect "mTLS: a certificate from another CA refused" 000 "$(as stranger "${AUTH[@]}")"
	expect "mTLS: a SAN not on the list refused" 000 "$(as intruder "${AUTH[@]}")"
	expect "mTLS: the right certificate without the password: 401" 401 "$(as scraper)"
	expect "mTLS: a suite not offered refused, one offered served" "000 200" \
		"$(as scraper "${AUTH[@]}" --ciphers ECDHE-RSA-CHACHA20-POLY1305) $(as scraper "${AUTH[@]}" --ciphers ECDHE-RSA-AES256-GCM-SHA384)"
	expect "mTLS: a curve not offered refused, one offered served" "000 200" \
		"$(as scraper "${AUTH[@]}" --curves P-384) $(as scraper "${AUTH[@]}" --curves X25519)"
	expect "mTLS: TLS 1.1 (below min_version) refused, TLS 1.2 served" "000 200" \
		"$(as scraper "${AUTH[@]}" "${OLD_TLS[@]}") $(as scraper "${AUTH[@]}" --tlsv1.2 --tls-max 1.2)"
	expect "mTLS: TLS 1.3 (above max_version) refused" 000 "$(as scraper "${AUTH[@]}" --tlsv1.3)"
else
	for t in "${NAMES[@]:1:9}"; do not_ok "$t"; done
fi
if [ $basic_ok = 1 ]; then
	ok "basic auth: vflowd serves over TLS with basic auth"
else
	not_ok "basic auth: vflowd serves over TLS with basic auth"
fi

# --- Prometheus: one job per kind of client ---
PPORT=$(free_port)
job() { # NAME PORT [CERT] [basic]
	printf '  - job_name: %s\n    scheme: https\n    static_configs: [{targets: ["127.0.0.1:%s"]}]\n' "$1" "$2"
	printf '    tls_config:\n      ca_file: %s/ca.crt\n      server_name: localhost\n' "$PKI"
	[ -n "$3" ] && printf '      cert_file: %s/%s.crt\n      key_file: %s/%s.key\n' "$PKI" "$3" "$PKI" "$3"
	[ "$4" = basic ] && printf '    basic_auth: {username: prometheus, password: %s}\n' "$PASSWORD"
}
{
	printf 'global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n'
	job vflow_mtls "${MPORT:-1}" scraper basic
	job vflow_no_cert "${MPORT:-1}" "" basic
	job vflow_no_password "${MPORT:-1}" scraper ""
	job vflow_wrong_san "${MPORT:-1}" intruder basic
	job vflow_basic "${BPORT:-1}" "" basic
} >"$TMP/prometheus.yml"
start_prometheus
# prom JOB EXPR: the values of EXPR, space-separated ("" while it has none)
prom() {
	curl -sf --max-time 5 --data-urlencode "query=$1" "http://127.0.0.1:$PPORT/api/v1/query" |
		python3 -c 'import json, sys; print(" ".join(r["value"][1] for r in json.load(sys.stdin)["data"]["result"]))' 2>/dev/null
}
up_is() { [ "$(prom "up{job=\"$1\"}")" = "$2" ]; }
served() { up_is "$1" 1 && [ -n "$(prom "vflow_build_info{job=\"$1\"}")" ]; }
if [ $mtls_ok = 1 ] && wait_for $SCRAPE_WAIT_S served vflow_mtls; then
	ok "Prometheus scrapes vflowd over mutual TLS and basic auth"
else
	not_ok "Prometheus scrapes vflowd over mutual TLS and basic auth"
	diag "up: $(prom 'up{job="vflow_mtls"}'); $(grep -m2 'vflow_mtls' "$TMP/prometheus.log")"
fi
refused_all() { up_is vflow_no_cert 0 && up_is vflow_no_password 0 && up_is vflow_wrong_san 0; }
if [ $mtls_ok = 1 ] && wait_for $SCRAPE_WAIT_S refused_all &&
   [ -z "$(prom 'vflow_build_info{job=~"vflow_no_cert|vflow_no_password|vflow_wrong_san"}')" ]; then
	ok "Prometheus gets no metrics without a client certificate, the password, or a SAN on the list"
else
	not_ok "Prometheus gets no metrics without a client certificate, the password, or a SAN on the list"
	diag "up: no_cert $(prom 'up{job="vflow_no_cert"}'), no_password $(prom 'up{job="vflow_no_password"}'), wrong_san $(prom 'up{job="vflow_wrong_san"}')"
fi
if [ $basic_ok = 1 ] && wait_for $SCRAPE_WAIT_S served vflow_basic; then
	ok "Prometheus scrapes vflowd over basic auth"
else
	not_ok "Prometheus scrapes vflowd over basic auth"
	diag "up: $(prom 'up{job="vflow_basic"}')"
fi

# --- the DaemonSet's probes, as the kubelet sends them: no credentials ---
python3 - "$ROOT/deploy/daemonset.yaml" >"$TMP/probes" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d.get("kind") == "DaemonSet"]
c = docs[0]["spec"]["template"]["spec"]["containers"][0]
for probe in ("livenessProbe", "readinessProbe"):
    g = c[probe]["httpGet"]
    # credentials in a probe would be a secret in the pod spec: there must be none
    print(probe, g["path"], "headers" if g.get("httpHeaders") else "-")
PY
probe_codes=
while read -r probe path headers; do
	# TLS is on: the scheme HTTPS, and the kubelet does not verify the certificate
	probe_codes+="$probe:$headers:$(code -k "https://127.0.0.1:${BPORT:-1}$path") "
done <"$TMP/probes"
metrics_code=$(code -k "https://127.0.0.1:${BPORT:-1}/metrics")
expect "DaemonSet probes: /healthz answered without credentials, /metrics asks for them" \
	"livenessProbe:-:200 readinessProbe:-:200 401" "$probe_codes$metrics_code"

# stop_one LABEL PID NAME: SIGTERM, one TAP line on its exit status
stop_one() {
	PID=$2
	if [ -n "$PID" ]; then
		stopped_cleanly "$1: vflowd stopped cleanly" "$TMP/$3.err"
	else
		not_ok "$1: vflowd stopped cleanly"
		diag "it did not start"
	fi
}
stop_one mTLS "${MPID:-}" mtls
stop_one "basic auth" "${BPID:-}" basic
