#!/usr/bin/env bash
# Every case of exporter-toolkit's own web config tests, mirrored in
# tests/fixtures/webconfig/ with this project's certificates and words
# (its README.md maps each file to the case and says what exporter-toolkit
# does with it): a file exporter-toolkit refuses is refused with one line
# that names the file, the line and the key; a file it accepts starts, and
# each client of its case is let in or refused as exporter-toolkit does.
# Clients are curl and openssl s_client; certificates are made by openssl
# at test time. Runs the exporter's HTTP layer (tests/http_serve) unless
# SERVE_CMD names another exporter, e.g. SERVE_CMD="build/vflowd -q" (as root).
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib_tls.sh"

FIX=$ROOT/tests/fixtures/webconfig
read -ra SERVE_ARGV <<<"${SERVE_CMD:-$BUILD/tests/http_serve}"
# openssl 3 will not offer TLS 1.1 at its default security level: lowered,
# so that a refusal is the server's doing
OLD_TLS=(--tlsv1.1 --tls-max 1.1 --ciphers 'DEFAULT@SECLEVEL=0')
RATE_REQUESTS=11	# exporter-toolkit's rate limit cases send 1 + 10

# "FILE|KEY|PATTERN": refused, at the line of KEY's first occurrence ("-":
# no line, the file itself), the message matching PATTERN
REFUSED=(
	"missing.yml|-|cannot open: No such file or directory"
	"junk.yml|this file|expected a mapping"
	"unknown_key.yml|cert_flie|unknown key \"cert_flie\""
	"cert_file_empty.yml|tls_server_config|missing one of cert or cert_file"
	"cert_empty.yml|tls_server_config|missing one of cert or cert_file"
	"key_file_empty.yml|tls_server_config|missing one of key or key_file"
	"key_empty.yml|tls_server_config|missing one of key or key_file"
	"cert_and_key_empty.yml|tls_server_config|missing one of cert or cert_file"
	"cert_file_missing.yml|cert_file|nowhere/server.crt: No such file or directory"
	"key_file_missing.yml|key_file|nowhere/server.key: No such file or directory"
	"cert_and_key_missing.yml|cert_file|nowhere/server.crt: No such file or directory"
	"ca_without_policy.yml|client_ca_file|client CA without a client_auth_type"
	"client_ca_missing.yml|client_ca_file|nowhere/ca.crt: No such file or directory"
	"client_ca_no_cert.yml|client_ca_file|no CA certificate in it"
	"client_ca_inline_no_cert.yml|client_ca|no CA certificate in it"
	"user_not_bcrypt.yml|erin|not a bcrypt hash"
	"cipher_unknown.yml|- TLS_ECDHE_RSA_WITH_AES_512|unknown cipher \"TLS_ECDHE_RSA_WITH_AES_512_GCM_SHA256\""
	"curve_unknown.yml|- CurveP128|unknown curve \"CurveP128\""
	"version_unknown.yml|min_version|unknown TLS version \"TLS14\""
	"http2_without_gcm.yml|cipher_suites|HTTP/2 requires"
	"header_nosniff_only.yml|X-Content-Type-Options|invalid value for X-Content-Type-Options"
	"header_frame_value.yml|X-Frame-Options|invalid value for X-Frame-Options"
	"header_not_allowed.yml|Server|HTTP header \"Server\" can not be configured"
	"sans_without_policy.yml|client_allowed_sans|needs client_auth_type"
	"sans_optional_cert.yml|client_allowed_sans|needs client_auth_type"
	"excluded_paths.yml|auth_excluded_paths|unknown key \"auth_excluded_paths\""
)
# accepted files; each has a check_NAME below with its clients
STARTED=(empty tls_verify_if_given tls_inline ciphers_all ciphers_some ciphers_client_order
	 curves_all curves_p521 http2_off headers require_any require_any_key_inline require_verify
	 require_verify_no_ca sans_match sans_no_match users users_tls rate_off rate_burst0)
# results per started file: "starts", then its client checks
declare -A NR_CHECKS=(
	[empty]=2 [tls_verify_if_given]=3 [tls_inline]=1 [ciphers_all]=1 [ciphers_some]=3
	[ciphers_client_order]=2 [curves_all]=1 [curves_p521]=2 [http2_off]=1 [headers]=1
	[require_any]=2 [require_any_key_inline]=1 [require_verify]=3 [require_verify_no_ca]=1
	[sans_match]=1 [sans_no_match]=1 [users]=2 [users_tls]=5 [rate_off]=1 [rate_burst0]=1
)
total=${#REFUSED[@]}
for f in "${STARTED[@]}"; do total=$((total + 1 + NR_CHECKS[$f])); done
plan "$total"

all_names() {
	local e f
	for e in "${REFUSED[@]}"; do echo "refused: ${e%%|*}"; done
	for f in "${STARTED[@]}"; do
		echo "$f.yml: starts"
		for ((i = 1; i <= NR_CHECKS[$f]; i++)); do echo "$f.yml: client $i"; done
	done
}
# need_all FUNC [WHY]: FUNC (skip_all, fail_all, make_pki) given every test's name
need_all() {
	local names
	mapfile -t names < <(all_names)
	if [ $# -gt 1 ]; then "$1" "$2" "${names[@]}"; else "$1" "${names[@]}"; fi
}
for tool in curl openssl python3; do
	command -v "$tool" >/dev/null || need_all skip_all "$tool is not installed (scripts/deps.sh)"
done
[ -x "${SERVE_ARGV[0]}" ] || need_all fail_all "${SERVE_ARGV[0]} is not built: run make test-build"
need_all make_pki
for f in "$FIX"/*.yml; do cp "$f" "$PKI/"; done
for f in "$FIX"/*.yml.in; do
	b=$(basename "$f" .in)
	fill_template "$f" "$PKI/$b" "$PKI"
done

# --- files exporter-toolkit refuses: one line, FILE:LINE:, the key ---
for e in "${REFUSED[@]}"; do
	IFS='|' read -r file key pattern <<<"$e"
	where=$PKI/$file
	if [ "$key" != - ]; then
		line=$(grep -n -m1 -F -- "$key" "$PKI/$file" | cut -d: -f1)
		where="$where:$line"
	fi
	timeout 20 "${SERVE_ARGV[@]}" --web.listen-address "127.0.0.1:$(free_port)" \
		--web.config.file "$PKI/$file" >"$TMP/refused.out" 2>"$TMP/refused.err"
	rc=$?
	lines=$(grep -vc '^==' "$TMP/refused.err")
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$lines" -eq 1 ] &&
	   grep -qF -- "$where: " "$TMP/refused.err" && grep -qF -- "$pattern" "$TMP/refused.err"; then
		ok "refused: $file"
	else
		not_ok "refused: $file"
		diag "want exit != 0 and one line with '$where: ' and '$pattern'; got status $rc: $(cat "$TMP/refused.err")"
	fi
done

# expect WHAT WANT GOT

URL() { echo "https://127.0.0.1:$PORT/metrics"; }
tls() { code --cacert "$PKI/ca.crt" "$@" "$(URL)"; }
as() { tls --cert "$PKI/$1.crt" --key "$PKI/$1.key" "${@:2}"; }

# --- the clients of each accepted file (exporter-toolkit's TestServerBehaviour, TestUsers) ---
check_empty() {
	expect "empty.yml: plain HTTP served" 200 "$(code "http://127.0.0.1:$PORT/metrics")"
	expect "empty.yml: a TLS client gets no answer" 000 "$(tls)"
}
check_tls_verify_if_given() {
	expect "tls_verify_if_given.yml: plain HTTP gets no metrics" no "$([ "$(code "http://127.0.0.1:$PORT/metrics")" = 200 ] && echo yes || echo no)"
	expect "tls_verify_if_given.yml: TLS client served" 200 "$(tls)"
	expect "tls_verify_if_given.yml: TLS 1.1 client refused" 000 "$(tls "${OLD_TLS[@]}")"
}
check_tls_inline() { expect "tls_inline.yml: inline cert and key serve" 200 "$(tls)"; }
check_ciphers_all() { expect "ciphers_all.yml: TLS client served" 200 "$(tls)"; }
check_ciphers_some() {
	expect "ciphers_some.yml: client with ECDHE-RSA-AES128-GCM served" 200 \
		"$(tls --ciphers ECDHE-RSA-AES128-GCM-SHA256)"
	expect "ciphers_some.yml: client with only ECDHE-RSA-AES256-SHA refused" 000 \
		"$(tls --ciphers ECDHE-RSA-AES256-SHA)"
	expect "ciphers_some.yml: the server's order wins (client prefers AES256)" ECDHE-RSA-AES128-GCM-SHA256 \
		"$(cipher_of "$PORT" -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256)"
}
check_ciphers_client_order() {
	expect "ciphers_client_order.yml: the client's order wins" ECDHE-RSA-AES128-GCM-SHA256 \
		"$(cipher_of "$PORT" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384)"
	expect "ciphers_client_order.yml: ...either way round" ECDHE-RSA-AES256-GCM-SHA384 \
		"$(cipher_of "$PORT" -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256)"
}
check_curves_all() { expect "curves_all.yml: TLS client served" 200 "$(tls)"; }
check_curves_p521() {
	expect "curves_p521.yml: client with P-521 served" 200 "$(tls --curves P-521)"
	expect "curves_p521.yml: client with only P-384 refused" 000 "$(tls --curves P-384)"
}
check_http2_off() {
	# HTTP/2 asked for, HTTP/1.1 given: vflowd speaks no HTTP/2 (docs/web-config.md)
	expect "http2_off.yml: served over HTTP/1.1" "200 1.1" \
		"$(curl -s --max-time 5 -o /dev/null -w '%{http_code} %{http_version}' --http2 --cacert "$PKI/ca.crt" "$(URL)")"
}
check_headers() {
	curl -s --max-time 5 -D "$TMP/headers.hdr" -o /dev/null "http://127.0.0.1:$PORT/metrics"
	got=$(grep -ciE '^(X-Frame-Options: sameorigin|Strict-Transport-Security: max-age=63072000|X-Content-Type-Options: nosniff|X-XSS-Protection: 0|Content-Security-Policy: default-src .none.; frame-ancestors .none.)' "$TMP/headers.hdr")
	expect "headers.yml: the five headers on the response" 5 "$got"
}
check_require_any() {
	expect "require_any.yml: a self-signed client certificate is let in" 200 "$(as client1)"
	expect "require_any.yml: no client certificate refused" 000 "$(tls)"
}
check_require_any_key_inline() { expect "require_any_key_inline.yml: served" 200 "$(as client1)"; }
check_require_verify() {
	expect "require_verify.yml: the CA's client served" 200 "$(as client1)"
	expect "require_verify.yml: another client's certificate refused" 000 "$(as client2)"
	expect "require_verify.yml: no client certificate refused" 000 "$(tls)"
}
check_require_verify_no_ca() { expect "require_verify_no_ca.yml: no client certificate refused" 000 "$(tls)"; }
check_sans_match() { expect "sans_match.yml: a SAN on the list served" 200 "$(as client2)"; }
check_sans_no_match() { expect "sans_no_match.yml: no SAN on the list refused" 000 "$(as client2)"; }
check_users() {
	expect "users.yml: no credentials 401" 401 "$(code "http://127.0.0.1:$PORT/metrics")"
	expect "users.yml: dave served" 200 "$(code -u dave:riverbank "http://127.0.0.1:$PORT/metrics")"
}
check_users_tls() {
	expect "users_tls.yml: no credentials 401" 401 "$(tls)"
	expect "users_tls.yml: dave served" 200 "$(tls -u dave:riverbank)"
	expect "users_tls.yml: carol served" 200 "$(tls -u carol:pinecone)"
	expect "users_tls.yml: a bad password 401" 401 "$(tls -u dave:bad)"
	expect "users_tls.yml: an unknown user 401" 401 "$(tls -u nonexistent:nonexistent)"
}
check_rate_off() {
	local codes=() i
	for ((i = 0; i < RATE_REQUESTS; i++)); do codes+=("$(code "http://127.0.0.1:$PORT/metrics")"); done
	expect "rate_off.yml: interval 0 limits nothing" "$(printf '200 %.0s' $(seq $RATE_REQUESTS))" \
		"$(printf '%s ' "${codes[@]}")"
}
check_rate_burst0() {
	expect "rate_burst0.yml: burst 0 refuses (429)" 429 "$(code "http://127.0.0.1:$PORT/metrics")"
}

for f in "${STARTED[@]}"; do
	if serve "$f" --web.config.file "$PKI/$f.yml"; then
		ok "$f.yml: starts"
		"check_$f"
		unserve
	else
		not_ok "$f.yml: starts"
		for ((i = 1; i <= NR_CHECKS[$f]; i++)); do not_ok "$f.yml: client $i"; done
	fi
done
