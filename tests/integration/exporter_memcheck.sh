#!/usr/bin/env bash
# The exporter's HTTP layer (tests/http_serve, a plain build) under
# Memcheck, through what the web config brings: mutual TLS handshakes (one
# let in, one refused for its SAN), a TLS 1.2 handshake (the suite picked
# from the client's hello), basic auth on the worker and from its cache, a
# wrong password, the headers, the rate limit, a reload when the
# certificate changes on disk, SIGTERM. No memory error, no definite or
# indirect leak, nothing in use at exit.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib_tls.sh"

NAMES=("memcheck: served under valgrind (mTLS, TLS 1.2, auth, cache, refusals)"
       "memcheck: a changed certificate reloaded under valgrind"
       "memcheck: stopped cleanly" "memcheck: no memory errors"
       "memcheck: no definite or indirect leaks, nothing in use at exit")
plan ${#NAMES[@]}
for tool in valgrind curl openssl python3 htpasswd; do
	command -v "$tool" >/dev/null || skip_all "$tool is not installed (scripts/deps.sh)" "${NAMES[@]}"
done
[ -x "$BUILD/tests/http_serve" ] || fail_all "$BUILD/tests/http_serve is not built: run make test-build" "${NAMES[@]}"
make_pki "${NAMES[@]}"
cat >"$PKI/web.yml" <<YML
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
  client_allowed_sans: [scraper.example]
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]
http_server_config:
  headers:
    X-Frame-Options: deny
basic_auth_users:
  prometheus: '$(htpasswd -nbBC 5 prometheus secret | cut -d: -f2-)'
rate_limit:
  interval: 10ms
  burst: 100
YML
# Memcheck slows start-up (GnuTLS's self-tests, the key) down many times
SERVE_CMD="valgrind --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file=$TMP/vg.log $BUILD/tests/http_serve"
SERVE_START_S=120 CURL_S=30
if ! serve vg --web.config.file "$PKI/web.yml"; then
	fail_all "http_serve did not start under valgrind: $(tail -3 "$TMP/vg.log")" "${NAMES[@]}"
fi
as() { code --cacert "$PKI/ca.crt" --cert "$PKI/$1.crt" --key "$PKI/$1.key" "${@:2}" "https://127.0.0.1:$PORT/metrics"; }
got="$(as scraper -u prometheus:secret) $(as scraper -u prometheus:secret) $(as intruder -u prometheus:secret)"
got+=" $(as scraper -u prometheus:wrong) $(as scraper -u prometheus:secret --tls-max 1.2)"
if [ "$got" = "200 200 000 401 200" ]; then
	ok "memcheck: served under valgrind (mTLS, TLS 1.2, auth, cache, refusals)"
else
	not_ok "memcheck: served under valgrind (mTLS, TLS 1.2, auth, cache, refusals)"
	diag "want '200 200 000 401 200', got '$got'"
fi
touch "$PKI/server.crt"
if wait_for 30 grep -q "web configuration reloaded" "$TMP/vg.err" && [ "$(as scraper -u prometheus:secret)" = 200 ]; then
	ok "memcheck: a changed certificate reloaded under valgrind"
else
	not_ok "memcheck: a changed certificate reloaded under valgrind"
	diag "$(tail -2 "$TMP/vg.err")"
fi
stopped_cleanly "memcheck: stopped cleanly" "$TMP/vg.err"
if grep -q "ERROR SUMMARY: 0 errors" "$TMP/vg.log"; then
	ok "memcheck: no memory errors"
else
	not_ok "memcheck: no memory errors"
	diag "$(grep -A12 -m1 "Invalid\|uninitialised\|Mismatched" "$TMP/vg.log" | sed 's/^/#   /')"
fi
if grep -q "in use at exit: 0 bytes in 0 blocks" "$TMP/vg.log"; then
	ok "memcheck: no definite or indirect leaks, nothing in use at exit"
else
	not_ok "memcheck: no definite or indirect leaks, nothing in use at exit"
	diag "$(grep -E "in use at exit|definitely|indirectly" "$TMP/vg.log")"
fi
