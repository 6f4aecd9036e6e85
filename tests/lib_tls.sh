# shellcheck shell=bash
# The exporter's TLS tests share these (source after tests/lib.sh): a test
# PKI made with Debian's openssl at test time, nothing downloaded; an
# exporter started on a free port; clients (curl, openssl s_client).

# make_test_certs DIR: in DIR (RSA for the server, so the ECDHE_RSA suites
# apply; EC P-256 for the clients, quicker to make):
#   ca.crt ca.key          "vflow test CA"
#   server.crt server.key  localhost and 127.0.0.1, signed by the CA
#   server2.crt server2.key  the same names, a new key: the renewed one
#   scraper.crt scraper.key  a client certificate of the CA, SAN DNS:scraper.example
#   intruder.crt intruder.key  one of the CA too, SAN DNS:intruder.example
#   client1.crt client1.key  a self-signed client certificate
#   client2.crt client2.key  self-signed, SANs DNS:scraper-two.example,
#                            IP:192.0.2.7, email:scraper@example.org, URI:spiffe://vflow.test/scraper
#   stranger-ca.crt stranger.crt stranger.key  another CA, and a client of it
#                                               with SAN DNS:scraper.example
#   no-cert.pem            PEM armour around no certificate
# Returns non-zero with openssl's message in DIR/openssl.log.
make_test_certs() {
	local d=$1 ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
	(
		set -e
		cd "$d"
		exec 2>openssl.log
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=vflow test CA" \
			-keyout ca.key -out ca.crt
		for s in server server2; do
			openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$s.key" -out "$s.csr"
			openssl x509 -req -in "$s.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
				-extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') \
				-out "$s.crt"
		done
		for c in scraper intruder; do
			openssl req "${ec[@]}" -subj "/CN=$c" -keyout "$c.key" -out "$c.csr"
			openssl x509 -req -in "$c.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
				-extfile <(printf 'subjectAltName=DNS:%s.example\nextendedKeyUsage=clientAuth\n' "$c") \
				-out "$c.crt"
		done
		openssl req -x509 "${ec[@]}" -days 2 -subj /CN=client1 -keyout client1.key -out client1.crt
		openssl req -x509 "${ec[@]}" -days 2 -subj /CN=client2 -keyout client2.key -out client2.crt \
			-addext "subjectAltName=DNS:scraper-two.example,IP:192.0.2.7,email:scraper@example.org,URI:spiffe://vflow.test/scraper"
		openssl req -x509 "${ec[@]}" -days 2 -subj "/CN=stranger CA" -keyout stranger-ca.key \
			-out stranger-ca.crt
		openssl req "${ec[@]}" -subj /CN=stranger -keyout stranger.key -out stranger.csr
		openssl x509 -req -in stranger.csr -CA stranger-ca.crt -CAkey stranger-ca.key -CAcreateserial \
			-days 2 -extfile <(printf 'subjectAltName=DNS:scraper.example\nextendedKeyUsage=clientAuth\n') \
			-out stranger.crt
		printf -- '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n' >no-cert.pem
	)
}

# make_pki NAMES...: the test PKI in PKI ($TMP/pki); if openssl fails,
# every test NAME fails and the script ends
make_pki() {
	PKI=$TMP/pki
	mkdir -p "$PKI"
	make_test_certs "$PKI" ||
		fail_all "openssl could not make the test PKI: $(tail -2 "$PKI/openssl.log")" "$@"
}

# fill_template IN OUT DIR: @SERVER_CRT@ and @SERVER_KEY@ lines of IN become
# DIR's server.crt and server.key, indented for a YAML block scalar
fill_template() {
	local line
	while IFS= read -r line; do
		case $line in
		@SERVER_CRT@) sed 's/^/    /' "$3/server.crt" ;;
		@SERVER_KEY@) sed 's/^/    /' "$3/server.key" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$1" >"$2"
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# serve NAME ARGS...: the exporter (SERVE_CMD, default the HTTP layer alone)
# on a free port: PORT, PID; its output in $TMP/NAME.{out,err}. Returns
# non-zero when it exits or does not listen within SERVE_START_S.
serve() {
	local name=$1 deadline; shift
	deadline=$((SECONDS + ${SERVE_START_S:-20}))
	PORT=$(free_port)
	# shellcheck disable=SC2086 # SERVE_CMD is a command line
	${SERVE_CMD:-$BUILD/tests/http_serve} --web.listen-address "127.0.0.1:$PORT" "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	PID=$!
	on_exit "kill $PID 2>/dev/null; wait $PID 2>/dev/null"
	until port_open "$PORT"; do
		if ! kill -0 "$PID" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
			diag "$name: did not listen: $(tail -3 "$TMP/$name.err")"
			return 1
		fi
		sleep 0.05
	done
}

# unserve: SIGTERM to PID, its exit status
unserve() {
	kill -TERM "$PID" 2>/dev/null
	wait "$PID"
}

# stopped_cleanly WHAT [ERR_FILE]: unserve; one TAP line on its exit status,
# with the end of ERR_FILE when it failed
stopped_cleanly() {
	local rc
	unserve
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$1"
	else
		not_ok "$1"
		diag "status $rc${2:+: $(tail -3 "$2" 2>/dev/null)}"
	fi
}

# expect WHAT WANT GOT: ok when equal, else not ok with the difference
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "want '$2', got '$3'"; fi
}

# code ARGS...: curl's HTTP status (000: no response, e.g. a refused handshake)
code() { curl -s --max-time "${CURL_S:-5}" -o /dev/null -w '%{http_code}' "$@"; }

# cipher_of PORT ARGS...: the suite openssl s_client negotiates (empty when refused)
cipher_of() {
	local port=$1; shift
	openssl s_client -connect "127.0.0.1:$port" "$@" </dev/null 2>/dev/null |
		sed -n 's/^New, [^,]*, Cipher is \(.*\)$/\1/p' | grep -v NONE
}
