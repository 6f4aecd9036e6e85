#!/usr/bin/env bash
# The exporter's HTTP side, spoken to with curl on 127.0.0.1: routes and
# content types, refusing what it should (methods, huge headers, too many
# connections, bad credentials), slow clients not holding up a scrape, TLS
# and basic auth from a web config, and one-line errors for a taken port or
# a bad config. Runs tests/http_serve (a fixed metrics body), or whatever
# EXPORTER_CMD names, e.g. EXPORTER_CMD="build/vflowd -q": it must take
# --web.listen-address, --web.config.file and --web.max-connections.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib_tls.sh"

read -ra CMD <<<"${EXPORTER_CMD:-$BUILD/tests/http_serve}"
CT_TEXT="text/plain; version=0.0.4; charset=utf-8"
CT_OM="application/openmetrics-text; version=1.0.0; charset=utf-8"
ACCEPT_OM="Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
START_S=20		# vflowd loads BPF before it listens
CURL_S=5		# any single request
HOLD_S=8		# idle sockets held open, below the 10 s idle timeout
FAST_S=1.0		# a scrape next to slow clients answers within this
MAX_CONN=8
NAMES=("metrics: 200 text 0.0.4" "metrics: OpenMetrics on Accept" "metrics: HEAD" "landing page"
       "healthz" "unknown path 404" "POST 405 with Allow" "64 KiB header refused"
       "scrape after the huge header" "scrape next to 10 slow clients" "plain: stopped cleanly"
       "connections beyond --web.max-connections not served" "scrape once they close"
       "limit: stopped cleanly" "taken port: one-line error"
       "TLS: https scrape" "TLS: plain http refused" "TLS: TLS 1.2 by default" "TLS: stopped cleanly"
       "TLS13: TLS 1.2 refused, 1.3 served" "TLS13: stopped cleanly"
       "auth: no credentials 401" "auth: wrong password or user 401" "auth: right password 200"
       "auth: stopped cleanly" "bad config: unknown key at its line" "bad config: invalid YAML")
plan ${#NAMES[@]}

command -v curl >/dev/null || skip_all "curl is not installed" "${NAMES[@]}"
command -v python3 >/dev/null || skip_all "python3 is not installed (free ports, idle sockets)" "${NAMES[@]}"
# the build makes http_serve (and vflowd): missing, it is a failure, not a skip
[ -x "${CMD[0]}" ] || fail_all "${CMD[0]} is not built: run make test-build" "${NAMES[@]}"

# start_exporter NAME ARGS...: on a free port (PORT), pid in PID
start_exporter() { SERVE_CMD="${CMD[*]}" SERVE_START_S=$START_S serve "$@"; }

# stop_exporter NAME: SIGTERM; one TAP line on its exit status
stop_exporter() { stopped_cleanly "$1: stopped cleanly" "$TMP/$1.err"; }

# fetch NAME URL CURL-ARGS...: prints "CODE CONTENT-TYPE"; body and headers in $TMP/NAME.{body,hdr}
fetch() {
	local name=$1; shift
	curl -s --max-time "$CURL_S" -o "$TMP/$name.body" -D "$TMP/$name.hdr" \
		-w '%{http_code} %{content_type}' "$@"
}

has_type() { grep -q '^# TYPE ' "$TMP/$1.body"; }

# hold_sockets N PAYLOAD: N connections to PORT, PAYLOAD sent on each, held
# for HOLD_S at most (HOLD_PID); $TMP/held gets how many connected
hold_sockets() {
	rm -f "$TMP/held"
	python3 - "$PORT" "$1" "$2" "$TMP/held" "$HOLD_S" <<'PY' &
import socket, sys, time
port, n, payload, ready, hold = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode(), sys.argv[4], float(sys.argv[5])
socks = []
for _ in range(n):
    s = socket.socket()
    s.settimeout(1)
    try:
        s.connect(("127.0.0.1", port))
        if payload:
            s.sendall(payload)
        socks.append(s)
    except OSError:
        pass  # refused or dropped: what a limit may do
with open(ready + ".tmp", "w") as f:
    f.write("%d\n" % len(socks))
import os; os.rename(ready + ".tmp", ready)
time.sleep(hold)
PY
	HOLD_PID=$!
	on_exit "kill $HOLD_PID"
	wait_for "$HOLD_S" test -s "$TMP/held"
}

release_sockets() { kill "$HOLD_PID" 2>/dev/null; wait "$HOLD_PID" 2>/dev/null; }

# expect_fail "what" PATTERN ARGS...: the exporter exits non-zero with one
# line on stderr (sanitizer banners aside) matching PATTERN
expect_fail() {
	local what=$1 pattern=$2 rc lines; shift 2
	timeout "$START_S" "${CMD[@]}" "$@" >"$TMP/fail.out" 2>"$TMP/fail.err"
	rc=$?
	lines=$(grep -vc '^==' "$TMP/fail.err")
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$lines" -eq 1 ] && grep -qE "$pattern" "$TMP/fail.err"; then
		ok "$what"
	else
		not_ok "$what"
		diag "status $rc, stderr: $(cat "$TMP/fail.err")"
	fi
}

# --- plain HTTP ---
if start_exporter plain; then
	URL="http://127.0.0.1:$PORT"
	r=$(fetch m "$URL/metrics")
	has_type m || r="$r (no # TYPE line)"
	expect "metrics: 200 text 0.0.4" "200 $CT_TEXT" "$r"
	r=$(fetch om "$URL/metrics" -H "$ACCEPT_OM")
	has_type om || r="$r (no # TYPE line)"
	[ "$(tail -n 1 "$TMP/om.body")" = "# EOF" ] || r="$r (no # EOF at the end)"
	expect "metrics: OpenMetrics on Accept" "200 $CT_OM" "$r"
	r=$(curl -s --max-time "$CURL_S" -I -o /dev/null -w '%{http_code} %{content_type}' "$URL/metrics")
	expect "metrics: HEAD" "200 $CT_TEXT" "$r"
	r=$(fetch land "$URL/")
	grep -q 'href="/metrics"' "$TMP/land.body" || r="$r (no link to /metrics)"
	expect "landing page" "200 text/html; charset=utf-8" "$r"
	r=$(fetch hz "$URL/healthz")
	expect "healthz" "200 ok" "${r%% *} $(cat "$TMP/hz.body")"
	r=$(fetch nope "$URL/nope")
	expect "unknown path 404" "404" "${r%% *}"
	r=$(fetch post "$URL/metrics" -d 'x=1')
	grep -qiE '^Allow: .*GET' "$TMP/post.hdr" || r="$r (no Allow: GET)"
	expect "POST 405 with Allow" "405" "${r%% *}"

	r=$(curl -s --max-time "$CURL_S" -o /dev/null -w '%{http_code}' \
		-H "X-Big: $(head -c 65536 /dev/zero | tr '\0' a)" "$URL/metrics")
	# refused with a status, or the connection closed (000) by an exporter that is still running
	case $r in
	431 | 400 | 413 | 000) kill -0 "$PID" 2>/dev/null && ok "64 KiB header refused" ||
		{ not_ok "64 KiB header refused"; diag "status $r, and the exporter is gone"; } ;;
	*) not_ok "64 KiB header refused"; diag "status $r" ;;
	esac
	r=$(fetch m2 "$URL/metrics")
	expect "scrape after the huge header" "200 $CT_TEXT" "$r"

	# half a request line each, then nothing: MHD polls, so they block no one
	hold_sockets 10 "GET /metr"
	r=$(curl -s --max-time "$CURL_S" -o /dev/null -w '%{http_code} %{time_total}' "$URL/metrics")
	release_sockets
	# all 10 connected: otherwise the slow clients were not there to hold anything up
	if [ "$(cat "$TMP/held" 2>/dev/null)" = 10 ] && [ "${r%% *}" = 200 ] &&
	   awk -v t="${r#* }" -v max="$FAST_S" 'BEGIN { exit !(t < max) }'; then
		ok "scrape next to 10 slow clients"
	else
		not_ok "scrape next to 10 slow clients"
		diag "status and seconds: $r ($(cat "$TMP/held" 2>/dev/null) slow clients connected)"
	fi

	# the same address again: taken
	expect_fail "taken port: one-line error" \
		"cannot listen on 127\.0\.0\.1:$PORT: Address already in use" \
		--web.listen-address "127.0.0.1:$PORT"
	stop_exporter plain
else
	for t in "${NAMES[@]:0:11}" "taken port: one-line error"; do not_ok "$t"; done
fi

# --- connection limit ---
if start_exporter limit --web.max-connections "$MAX_CONN"; then
	r0=$(curl -s --max-time "$CURL_S" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")
	hold_sockets 20 ""
	r=$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")
	# beyond the limit MHD leaves connections unaccepted (or they are refused);
	# "000" means that only from an exporter that served before, still runs,
	# and had at least its limit of connections held open
	held=$(cat "$TMP/held" 2>/dev/null)
	kill -0 "$PID" 2>/dev/null && alive=running || alive=gone
	[ "${held:-0}" -ge "$MAX_CONN" ] && held=enough
	expect "connections beyond --web.max-connections not served" "200 000 enough running" "$r0 $r $held $alive"
	release_sockets
	if wait_for "$CURL_S" sh -c "[ \"\$(curl -s --max-time 1 -o /dev/null -w '%{http_code}' \
			http://127.0.0.1:$PORT/metrics)\" = 200 ]"; then
		ok "scrape once they close"
	else
		not_ok "scrape once they close"
	fi
	stop_exporter limit
else
	for t in "${NAMES[@]:11:3}"; do not_ok "$t"; done
fi

# --- TLS ---
TLS_NAMES=("${NAMES[@]:15:6}")
if ! command -v openssl >/dev/null; then
	for t in "${TLS_NAMES[@]}"; do skip "$t" "openssl is not installed"; done
elif ! openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$TMP/server.key" \
		-out "$TMP/server.crt" 2>"$TMP/openssl.err"; then
	diag "openssl: $(tail -1 "$TMP/openssl.err")"
	for t in "${TLS_NAMES[@]}"; do not_ok "$t"; done
else
	printf 'tls_server_config:\n  cert_file: %s\n  key_file: %s\n' \
		"$TMP/server.crt" "$TMP/server.key" >"$TMP/tls.yml"
	if start_exporter TLS --web.config.file "$TMP/tls.yml"; then
		r=$(fetch tls "https://127.0.0.1:$PORT/metrics" --cacert "$TMP/server.crt")
		has_type tls || r="$r (no # TYPE line)"
		expect "TLS: https scrape" "200 $CT_TEXT" "$r"
		r=$(curl -s --max-time "$CURL_S" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/metrics")
		# refused by an exporter that still serves https (not one that is gone)
		r2=$(curl -s --max-time "$CURL_S" -o /dev/null -w '%{http_code}' --cacert "$TMP/server.crt" \
			"https://127.0.0.1:$PORT/metrics")
		if [ "$r" != 200 ] && [ "$r2" = 200 ]; then
			ok "TLS: plain http refused"
		else
			not_ok "TLS: plain http refused"; diag "http $r, https after it $r2"
		fi
		r=$(curl -s --max-time "$CURL_S" -o /dev/null -w '%{http_code}' --cacert "$TMP/server.crt" \
			--tlsv1.2 --tls-max 1.2 "https://127.0.0.1:$PORT/metrics")
		expect "TLS: TLS 1.2 by default" "200" "$r"
		stop_exporter TLS
	else
		for t in "${TLS_NAMES[@]:0:4}"; do not_ok "$t"; done
	fi
	cp "$TMP/tls.yml" "$TMP/tls13.yml"
	echo "  min_version: TLS13" >>"$TMP/tls13.yml"
	if start_exporter TLS13 --web.config.file "$TMP/tls13.yml"; then
		v12=$(curl -s --max-time "$CURL_S" -o /dev/null -w '%{http_code}' --cacert "$TMP/server.crt" \
			--tlsv1.2 --tls-max 1.2 "https://127.0.0.1:$PORT/metrics")
		v13=$(curl -s --max-time "$CURL_S" -o /dev/null -w '%{http_code}' --cacert "$TMP/server.crt" \
			--tlsv1.3 "https://127.0.0.1:$PORT/metrics")
		expect "TLS13: TLS 1.2 refused, 1.3 served" "000 200" "$v12 $v13"
		stop_exporter TLS13
	else
		for t in "${TLS_NAMES[@]:4:2}"; do not_ok "$t"; done
	fi
fi

# --- basic auth ---
AUTH_NAMES=("${NAMES[@]:21:4}")
if ! command -v htpasswd >/dev/null; then
	for t in "${AUTH_NAMES[@]}"; do skip "$t" "htpasswd (apache2-utils) is not installed"; done
else
	HASH=$(htpasswd -nbBC 10 alice secret | head -1 | cut -d: -f2-)
	printf "basic_auth_users:\n  alice: '%s'\n" "$HASH" >"$TMP/auth.yml"
	if start_exporter auth --web.config.file "$TMP/auth.yml"; then
		URL="http://127.0.0.1:$PORT/metrics"
		r=$(fetch a0 "$URL")
		grep -qi '^WWW-Authenticate: Basic realm="vflow"' "$TMP/a0.hdr" || r="$r (no WWW-Authenticate)"
		expect "auth: no credentials 401" "401" "${r%% *}"
		r1=$(fetch a1 "$URL" -u alice:wrong)
		r2=$(fetch a2 "$URL" -u bob:secret)
		expect "auth: wrong password or user 401" "401 401" "${r1%% *} ${r2%% *}"
		r=$(fetch a3 "$URL" -u alice:secret)
		has_type a3 || r="$r (no # TYPE line)"
		expect "auth: right password 200" "200 $CT_TEXT" "$r"
		stop_exporter auth
	else
		for t in "${AUTH_NAMES[@]}"; do not_ok "$t"; done
	fi
fi

# --- bad configs: FILE:LINE: in one line, non-zero exit ---
printf 'tls_server_config:\n  cert_file: x.crt\n  bogus: 1\n' >"$TMP/bad.yml"
expect_fail "bad config: unknown key at its line" "$TMP/bad\.yml:3: .*bogus" \
	--web.listen-address "127.0.0.1:$(free_port)" --web.config.file "$TMP/bad.yml"
printf 'basic_auth_users:\n  alice: [\n' >"$TMP/bad2.yml"
expect_fail "bad config: invalid YAML" "$TMP/bad2\.yml:[0-9]+: " \
	--web.listen-address "127.0.0.1:$(free_port)" --web.config.file "$TMP/bad2.yml"
