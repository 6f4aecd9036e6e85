#!/usr/bin/env bash
# Basic auth that hostile clients cannot make expensive, on vflowd itself:
#  - a good scrape costs one bcrypt the first time and none after: the
#    exporter's bcrypt runs are counted (tests/http_serve prints them), and
#    vflowd's own CPU time over GOOD_SCRAPES cached scrapes stays below what
#    its first, uncached scrape cost (/proc/PID/stat);
#  - an unknown user costs a bcrypt as a known one does;
#  - with wrong passwords at ATTACK_RATE per second, a legitimate scrape's
#    latency stays below one bcrypt of its hash (measured here first): it
#    neither runs one nor waits for one. The latencies are reported.
# BCRYPT_COST is dear on purpose (about 250 ms here): the flood is then more
# than one CPU can check, the case the bounded queue and the cache are for.
. "$(dirname "$0")/../lib.sh"
. "$ROOT/tests/lib_tls.sh"

NAMES=("auth cost: one bcrypt for the first good scrape, none for the next ones"
       "auth cost: an unknown user costs one bcrypt, as a wrong password does"
       "auth cost: http_serve stopped cleanly"
       "auth cost: vflowd's CPU for cached good scrapes is below one uncached scrape's"
       "auth load: legitimate scrapes under wrong passwords at 20/s stay below one bcrypt's time"
       "auth load: every wrong password is refused (401, or 429 when checks queue up)"
       "auth load: vflowd stopped cleanly")
plan ${#NAMES[@]}
for tool in curl python3 htpasswd; do
	command -v "$tool" >/dev/null || skip_all "$tool is not installed (scripts/deps.sh)" "${NAMES[@]}"
done
SERVE=$BUILD/tests/http_serve
[ -x "$SERVE" ] || fail_all "$SERVE is not built: run make test-build" "${NAMES[@]}"
BCRYPT_COST=12
GOOD_SCRAPES=20
ATTACK_RATE=20		# wrong passwords per second, the issue's figure
LOAD_S=8		# how long the flood lasts
LEGIT_EVERY_S=0.25	# a scrape four times a second during it
PASSWORD=right-password
HASH=$(htpasswd -nbBC $BCRYPT_COST prometheus "$PASSWORD" | cut -d: -f2-)
printf "basic_auth_users:\n  prometheus: '%s'\n" "$HASH" >"$TMP/web.yml"
URL() { echo "http://127.0.0.1:$PORT/metrics"; }

# --- bcrypt runs, counted by the HTTP layer ---
# count_bcrypts USER:PASSWORD...: one request each to a new http_serve:
# their statuses in STATUSES, the bcrypts it ran in RUNS (empty when it did
# not start or did not stop cleanly)
count_bcrypts() {
	STATUSES='' RUNS=''
	serve count --web.config.file "$TMP/web.yml" || return
	for cred in "$@"; do STATUSES+="$(code -u "$cred" "$(URL)") "; done
	unserve && RUNS=$(sed -n 's/^bcrypt_runs //p' "$TMP/count.out")
}
good=()
for ((i = 0; i <= GOOD_SCRAPES; i++)); do good+=("prometheus:$PASSWORD"); done
count_bcrypts "${good[@]}"
good_statuses=$STATUSES good_runs=$RUNS
count_bcrypts "nobody:$PASSWORD"
unknown_status=$STATUSES unknown_runs=$RUNS
expect "auth cost: one bcrypt for the first good scrape, none for the next ones" \
	"$(printf '200 %.0s' $(seq 0 $GOOD_SCRAPES))1" "$good_statuses$good_runs"
expect "auth cost: an unknown user costs one bcrypt, as a wrong password does" "401 1" "$unknown_status$unknown_runs"
if [ -n "$good_runs" ] && [ -n "$unknown_runs" ]; then
	ok "auth cost: http_serve stopped cleanly"
else
	not_ok "auth cost: http_serve stopped cleanly"
	diag "$(tail -3 "$TMP/count.err")"
fi

if [ "$(id -u)" -ne 0 ]; then
	for t in "${NAMES[@]:3}"; do skip "$t" "needs root (vflowd loads BPF programs)"; done
	exit 0
fi
[ -x "$VFLOWD" ] || { for t in "${NAMES[@]:3}"; do not_ok "$t"; done; diag "$VFLOWD is not built"; exit 0; }

# --- vflowd's CPU: the first good scrape, then cached ones ---
# vflowd's user+system CPU in ms
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' "/proc/$PID/stat"
}
SERVE_CMD="$VFLOWD -q -i 60" SERVE_START_S=30
if serve vflowd --web.config.file "$TMP/web.yml"; then
	VPID=$PID
	code -u "nobody:x" "$(URL)" >/dev/null	# whatever start-up left, spent
	c0=$(cpu_ms)
	first=$(code -u "prometheus:$PASSWORD" "$(URL)")
	c1=$(cpu_ms)
	for ((i = 0; i < GOOD_SCRAPES; i++)); do code -u "prometheus:$PASSWORD" "$(URL)" >/dev/null; done
	c2=$(cpu_ms)
	uncached=$((c1 - c0)) cached=$((c2 - c1))
	diag "vflowd CPU per good scrape: the first $uncached ms (one bcrypt of cost $BCRYPT_COST), then $cached ms for $GOOD_SCRAPES cached ones ($(awk -v c=$cached -v n=$GOOD_SCRAPES 'BEGIN { printf "%.1f", c / n }') ms each; CLK_TCK $(getconf CLK_TCK))"
	# all cached scrapes together cost less than the one bcrypt; without the
	# cache each would cost one, $GOOD_SCRAPES times over
	if [ "$first" = 200 ] && [ "$cached" -lt "$uncached" ]; then
		ok "auth cost: vflowd's CPU for cached good scrapes is below one uncached scrape's"
	else
		not_ok "auth cost: vflowd's CPU for cached good scrapes is below one uncached scrape's"
	fi

	# one bcrypt of this hash, timed alone: the bound of a legitimate scrape
	bcrypt_s=$(curl -s --max-time 10 -o /dev/null -w '%{time_total}' -u "prometheus:wrong" "$(URL)")
	python3 - "$PORT" "$PASSWORD" "$ATTACK_RATE" "$LOAD_S" "$LEGIT_EVERY_S" >"$TMP/load.txt" 2>&1 <<'PY'
import base64, socket, sys, threading, time
port, password, rate, load_s, every = int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])

def get(user, pw):
    """One request on a new connection: (status, seconds)."""
    auth = base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()
    req = "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\nConnection: close\r\n\r\n" % auth
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(req.encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data.split(b" ", 2)[1]), time.perf_counter() - t0

wrong, lock = {}, threading.Lock()
def attack(i):
    try:
        code, _ = get("prometheus", "guess-%d" % i)
    except OSError:
        code = "error"
    with lock:
        wrong[code] = wrong.get(code, 0) + 1

threads, legit = [], []
start = time.perf_counter()
i = 0
next_legit = start + every
while time.perf_counter() - start < load_s:
    t = threading.Thread(target=attack, args=(i,))
    t.start()
    threads.append(t)
    i += 1
    if time.perf_counter() >= next_legit:
        t0 = time.perf_counter()
        try:
            legit.append(get("prometheus", password))
        except OSError:		# a timeout: no answer in 30 s
            legit.append(("none", time.perf_counter() - t0))
        next_legit = time.perf_counter() + every
    time.sleep(max(0, start + i / rate - time.perf_counter()))
for t in threads:
    t.join()
lat = sorted(s for _, s in legit)
print("legit_codes", " ".join(sorted(set(str(c) for c, _ in legit))))
print("legit_n %d p50_ms %.1f p95_ms %.1f max_ms %.1f" % (len(lat), lat[len(lat) // 2] * 1e3,
      lat[int(len(lat) * 0.95)] * 1e3, lat[-1] * 1e3))
print("wrong", " ".join("%s:%d" % kv for kv in sorted(wrong.items(), key=str)), "sent", i)
PY
	read -r _ legit_codes <<<"$(grep '^legit_codes' "$TMP/load.txt")"
	read -r _ n _ p50 _ p95 _ max <<<"$(grep '^legit_n' "$TMP/load.txt")"
	wrong=$(grep '^wrong' "$TMP/load.txt")
	diag "one bcrypt of cost $BCRYPT_COST alone: $(awk -v s="$bcrypt_s" 'BEGIN { printf "%.0f", s * 1000 }') ms"
	diag "legitimate scrapes during $LOAD_S s of wrong passwords at $ATTACK_RATE/s: n ${n:-0}, p50 ${p50:-?} ms, p95 ${p95:-?} ms, max ${max:-?} ms"
	diag "wrong-password requests, status:count: ${wrong#wrong }"
	if [ "$legit_codes" = 200 ] && awk -v m="${max:-x}" -v b="$bcrypt_s" 'BEGIN { exit !(m ~ /^[0-9.]+$/ && m / 1000 < b) }'; then
		ok "auth load: legitimate scrapes under wrong passwords at 20/s stay below one bcrypt's time"
	else
		not_ok "auth load: legitimate scrapes under wrong passwords at 20/s stay below one bcrypt's time"
		diag "codes '$legit_codes', max ${max:-?} ms, bound $bcrypt_s s; $(tail -3 "$TMP/load.txt")"
	fi
	if [[ $wrong =~ ^wrong\ (401:[0-9]+\ ?)?(429:[0-9]+\ )?sent\ [0-9]+$ ]] && [[ $wrong == *401:* ]]; then
		ok "auth load: every wrong password is refused (401, or 429 when checks queue up)"
	else
		not_ok "auth load: every wrong password is refused (401, or 429 when checks queue up)"
	fi
	PID=$VPID
	stopped_cleanly "auth load: vflowd stopped cleanly" "$TMP/vflowd.err"
else
	for t in "${NAMES[@]:3}"; do not_ok "$t"; done
fi
