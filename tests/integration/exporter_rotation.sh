#!/usr/bin/env bash
# Rotation without a signal: vflowd's exporter behind mutual TLS and basic
# auth, its certificate, key and client CA in a directory laid out as a
# Kubernetes Secret volume (files behind a "..data" symbolic link that the
# kubelet swaps in one rename). No signal is sent and vflowd is never
# restarted:
#  - a renewed certificate and key serve new connections within 5 s
#    (RELOAD_BOUND_MS; each change's time taken is reported);
#  - a broken certificate keeps the old one serving and is reported once;
#    repaired, it serves;
#  - a new client CA lets its clients in and the old CA's out;
#  - a changed password (the config file itself replaced) works, the old
#    one not; exporter-toolkit's TestConfigReloading: a config that
#    requires client certificates swapped for one that does not;
#  - the listening socket never goes away: a client connecting every 2 ms
#    throughout is never refused.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib_tls.sh"

NAMES=("rotation: vflowd serves the first certificate"
       "rotation: a renewed certificate and key serve within 5 s, no signal"
       "rotation: a broken certificate keeps the old one serving"
       "rotation: the broken certificate is reported once"
       "rotation: the repaired certificate serves"
       "rotation: a new client CA lets its clients in and the old CA's out"
       "rotation: a changed password works, the old one is refused"
       "rotation: a config requiring client certificates swapped for one that does not"
       "rotation: the listening socket was never closed (a client every 2 ms, never refused)"
       "rotation: the same vflowd throughout, stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (vflowd loads BPF programs)" "${NAMES[@]}"
for tool in curl openssl python3 htpasswd; do
	command -v "$tool" >/dev/null || skip_all "$tool is not installed (scripts/deps.sh)" "${NAMES[@]}"
done
[ -x "$VFLOWD" ] || fail_all "$VFLOWD is not built: run make test-build" "${NAMES[@]}"
make_pki "${NAMES[@]}"
SECRET=$TMP/secret
mkdir -p "$SECRET"
# The bound a change must take effect within: the issue's acceptance bound.
# The design gives much less: user/serve/http_reload.c looks at the files
# every second (RELOAD_POLL_MS) and a load takes milliseconds, so a change
# serves within about 1 s; the rest leaves room for openssl and curl on 2
# busy cores, and the time taken is reported. Timed from the moment the
# change is on disk to the first client that sees it, to the millisecond.
RELOAD_BOUND_MS=5000
# how long a broken file is watched for repeated reports: several poll periods
BROKEN_WATCH_S=4
HASH_OLD=$(htpasswd -nbBC 5 prometheus first-password | cut -d: -f2-)
HASH_NEW=$(htpasswd -nbBC 5 prometheus second-password | cut -d: -f2-)

# publish CRT KEY CA: what the kubelet does to a Secret volume: the files in
# a new directory, then "..data" swapped to it in one rename
publish() {
	local gen
	gen=..$(date +%s%N)
	mkdir "$SECRET/$gen"
	cp "$1" "$SECRET/$gen/tls.crt"
	cp "$2" "$SECRET/$gen/tls.key"
	cp "$3" "$SECRET/$gen/ca.crt"
	ln -sfn "$gen" "$SECRET/..data_tmp"
	mv -T "$SECRET/..data_tmp" "$SECRET/..data"
	for f in tls.crt tls.key ca.crt; do
		[ -L "$SECRET/$f" ] || ln -s "..data/$f" "$SECRET/$f"
	done
}
# config HASH POLICY: the web config, replaced in one rename
config() {
	cat >"$TMP/web.yml.tmp" <<YML
tls_server_config:
  cert_file: $SECRET/tls.crt
  key_file: $SECRET/tls.key
  client_auth_type: $2
  client_ca_file: $SECRET/ca.crt
basic_auth_users:
  prometheus: '$1'
YML
	mv "$TMP/web.yml.tmp" "$TMP/web.yml"
}
fingerprint() { openssl x509 -noout -fingerprint -sha256 -in "$1" | cut -d= -f2; }
# served: the fingerprint of the certificate a new connection gets
served() {
	openssl s_client -connect "127.0.0.1:$PORT" -servername localhost -cert "$PKI/scraper.crt" \
		-key "$PKI/scraper.key" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 2>/dev/null |
		cut -d= -f2
}
as() { # CERT USER:PASSWORD: the status a client with CERT gets
	code --cacert "$PKI/ca.crt" --cert "$PKI/$1.crt" --key "$PKI/$1.key" -u "$2" "https://127.0.0.1:$PORT/metrics"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# within WHAT CHECK...: call it right after the change: ok when CHECK holds
# within RELOAD_BOUND_MS, else not ok (status 1); the time taken in TOOK_MS
within() {
	local what=$1 start deadline; shift
	start=$(now_ms)
	deadline=$((start + RELOAD_BOUND_MS))
	until "$@"; do
		if [ "$(now_ms)" -ge $deadline ]; then
			TOOK_MS=$(($(now_ms) - start))
			not_ok "$what"
			return 1
		fi
		sleep 0.05
	done
	TOOK_MS=$(($(now_ms) - start))
	ok "$what"
	diag "$what: after $TOOK_MS ms (bound $RELOAD_BOUND_MS ms)"
}
serves() { [ "$(served)" = "$1" ]; }

publish "$PKI/server.crt" "$PKI/server.key" "$PKI/ca.crt"
config "$HASH_OLD" RequireAndVerifyClientCert
FIRST=$(fingerprint "$PKI/server.crt") RENEWED=$(fingerprint "$PKI/server2.crt")
SERVE_CMD="$VFLOWD -q" SERVE_START_S=30
serve vflowd --web.config.file "$TMP/web.yml" || fail_all "vflowd did not start" "${NAMES[@]}"
VPID=$PID
expect "rotation: vflowd serves the first certificate" "$FIRST 200" \
	"$(served) $(as scraper prometheus:first-password)"

# a client connecting every 2 ms until told to stop: how many were refused
python3 - "$PORT" "$TMP/knock" <<'PY' &
import signal, socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
done, tries, refused = False, 0, 0
def stop(*_):
    global done
    done = True
signal.signal(signal.SIGTERM, stop)
while not done:
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        refused += 1
    s.close()
    tries += 1
    time.sleep(0.002)
open(out, "w").write("%d %d\n" % (tries, refused))
PY
KNOCK_PID=$!
on_exit "kill $KNOCK_PID"

# --- the certificate and key renewed: served within the bound ---
publish "$PKI/server2.crt" "$PKI/server2.key" "$PKI/ca.crt"
within "rotation: a renewed certificate and key serve within 5 s, no signal" serves "$RENEWED" ||
	diag "still serving $(served), want $RENEWED; $(tail -2 "$TMP/vflowd.err")"

# --- a broken certificate: the renewed one keeps serving, one report ---
echo "this is not a certificate" >"$TMP/broken.crt"
publish "$TMP/broken.crt" "$PKI/server.key" "$PKI/ca.crt"
sleep "$BROKEN_WATCH_S"
expect "rotation: a broken certificate keeps the old one serving" "$RENEWED 200" \
	"$(served) $(as scraper prometheus:first-password)"
reports=$(grep -c "reload failed: .*tls.crt.*keeping the previous web configuration" "$TMP/vflowd.err")
expect "rotation: the broken certificate is reported once" 1 "$reports"
publish "$PKI/server.crt" "$PKI/server.key" "$PKI/ca.crt"
within "rotation: the repaired certificate serves" serves "$FIRST" || diag "serving $(served), want $FIRST"

# --- a new client CA: the stranger CA's client in, the old CA's out ---
publish "$PKI/server.crt" "$PKI/server.key" "$PKI/stranger-ca.crt"
ca_switched() { [ "$(as stranger prometheus:first-password) $(as scraper prometheus:first-password)" = "200 000" ]; }
within "rotation: a new client CA lets its clients in and the old CA's out" ca_switched ||
	diag "stranger $(as stranger prometheus:first-password), scraper $(as scraper prometheus:first-password)"
publish "$PKI/server.crt" "$PKI/server.key" "$PKI/ca.crt"

# --- the password changed in the config file ---
config "$HASH_NEW" RequireAndVerifyClientCert
pw_switched() { [ "$(as scraper prometheus:second-password) $(as scraper prometheus:first-password)" = "200 401" ]; }
within "rotation: a changed password works, the old one is refused" pw_switched ||
	diag "new $(as scraper prometheus:second-password), old $(as scraper prometheus:first-password)"

# --- exporter-toolkit's TestConfigReloading: a blocking policy relaxed ---
no_cert() { code --cacert "$PKI/ca.crt" -u prometheus:second-password "https://127.0.0.1:$PORT/metrics"; }
relaxed() { [ "$before" = 000 ] && [ "$(no_cert)" = 200 ]; }
before=$(no_cert)
config "$HASH_NEW" VerifyClientCertIfGiven
within "rotation: a config requiring client certificates swapped for one that does not" relaxed ||
	diag "without a certificate: before $before, after $(no_cert)"

kill -TERM "$KNOCK_PID"
wait "$KNOCK_PID"
read -r tries refused <"$TMP/knock" 2>/dev/null
if [ "${tries:-0}" -gt 0 ] && [ "${refused:-x}" = 0 ]; then
	ok "rotation: the listening socket was never closed (a client every 2 ms, never refused)"
	diag "$tries connections during the rotations, none refused"
else
	not_ok "rotation: the listening socket was never closed (a client every 2 ms, never refused)"
	diag "$refused of $tries connections refused"
fi
PID=$VPID
if kill -0 "$VPID" 2>/dev/null; then
	stopped_cleanly "rotation: the same vflowd throughout, stopped cleanly" "$TMP/vflowd.err"
else
	not_ok "rotation: the same vflowd throughout, stopped cleanly"
	diag "vflowd is gone: $(tail -3 "$TMP/vflowd.err")"
fi
diag "vflowd said: $(grep -c 'web configuration reloaded' "$TMP/vflowd.err") reloads, $(grep -c 'reload failed' "$TMP/vflowd.err") failure"
