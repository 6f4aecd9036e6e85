#!/usr/bin/env bash
# The plain (non-sanitizer) vflowd under Memcheck for a session with real
# work: the exporter scraped, a snapshot served to vflowtop --attach, a dump
# requested over the control socket, SIGUSR1 and SIGHUP, a workload; then
# SIGINT. No memory error, no definite or indirect leak, little heap left
# at exit; a second, longer session (-d 12) ends by itself the same way.
# tests/valgrind.supp silences what Memcheck gets wrong about libbpf's
# bpf() calls; tests/valgrind/bpf_defined.c (preloaded) marks what the
# kernel writes in map reads Memcheck does not model. Slow: VALGRIND_S
# (vflowd's -d) bounds the first session.
. "$(dirname "$0")/../lib.sh"

VFLOWD_PLAIN=$BUILD/vflowd
VFLOWTOP_PLAIN=$BUILD/vflowtop
VALGRIND_S=${VALGRIND_S:-180}
IN_USE_MAX=${IN_USE_MAX:-65536}	# bytes still allocated at exit
NAMES=("valgrind: exporter scraped" "valgrind: vflowtop --attach served"
       "valgrind: dump request answered" "valgrind: SIGUSR1 dump and SIGHUP reload"
       "valgrind: vflowd stopped cleanly on SIGINT" "valgrind: no memory errors"
       "valgrind: no definite or indirect leaks" "valgrind: heap in use at exit is bounded"
       "valgrind -d 12: stopped cleanly, no errors, no leaks, heap bounded")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (vflowd loads BPF programs)" "${NAMES[@]}"
command -v valgrind >/dev/null || skip_all "valgrind is not installed (scripts/deps.sh)" "${NAMES[@]}"
command -v curl >/dev/null || skip_all "curl is not installed" "${NAMES[@]}"
command -v python3 >/dev/null || skip_all "python3 is not installed (free port)" "${NAMES[@]}"
# valgrind.h comes with Debian's valgrind package, which scripts/deps.sh installs
[ -r /usr/include/valgrind/valgrind.h ] ||
	skip_all "valgrind's headers are missing (/usr/include/valgrind)" "${NAMES[@]}"
# what the build makes is a dependency: missing, it is a failure
for bin in "$VFLOWD_PLAIN" "$VFLOWTOP_PLAIN" "$BUILD/tests/sysloop"; do
	[ -x "$bin" ] || fail_all "$bin is not built: run make test-build" "${NAMES[@]}"
done

# the map-read wrappers, built for this run only
${CC:-cc} -shared -fPIC -O1 -g -Wall -Wextra -o "$TMP/bpf_defined.so" \
	"$ROOT/tests/valgrind/bpf_defined.c" -lbpf 2>"$TMP/cc.err" ||
	fail_all "cannot build tests/valgrind/bpf_defined.c: $(head -3 "$TMP/cc.err")" "${NAMES[@]}"

VG=(valgrind --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no
    --suppressions="$ROOT/tests/valgrind.supp" --num-callers=30)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SOCK=$TMP/ctl/vflowd.sock
mkdir -p "$TMP/dumps1" "$TMP/dumps2"

# vg_start NAME ARGS...: vflowd under valgrind (pid in VG_PID), log NAME.vg
vg_start() {
	local name=$1; shift
	LD_PRELOAD=$TMP/bpf_defined.so "${VG[@]}" \
		--log-file="$TMP/$name.vg" "$VFLOWD_PLAIN" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	VG_PID=$!
	on_exit "kill -KILL $VG_PID; wait $VG_PID"
}

# valgrind's summary in NAME.vg: with blocks left at exit, --leak-check=full
# always prints a LEAK SUMMARY with every kind, so a missing line is a cut log
vg_errors() { grep -q "ERROR SUMMARY: 0 errors" "$TMP/$1.vg"; }
vg_no_leaks() {
	grep -q "HEAP SUMMARY:" "$TMP/$1.vg" || return 1
	grep -q "All heap blocks were freed" "$TMP/$1.vg" ||
		{ grep -q "definitely lost: 0 bytes" "$TMP/$1.vg" &&
		  grep -q "indirectly lost: 0 bytes" "$TMP/$1.vg"; }
}
vg_in_use() { sed -n 's/.*in use at exit: \([0-9,]*\) bytes.*/\1/p' "$TMP/$1.vg" | tr -d , | tail -1; }
vg_show() { diag "valgrind log $1:"; grep -vE "unhandled eBPF command" "$TMP/$1.vg" | tail -40 | sed 's/^/#   /'; }
scrape() { curl -sf --max-time 30 "http://127.0.0.1:$PORT/metrics" >"$TMP/scrape.$1"; }

# Session 1: the work, then SIGINT
T0=$SECONDS
vg_start s1 -i 0.2 -d "$VALGRIND_S" --json --web.listen-address "127.0.0.1:$PORT" \
	--control "$SOCK" --dump-dir "$TMP/dumps1"
if ! wait_for 120 test -s "$TMP/s1.out"; then
	vg_show s1
	fail_all "vflowd under valgrind did not report within 120 s: $(tail -3 "$TMP/s1.err")" "${NAMES[@]}"
fi
wait_for 30 scrape 0
"$BUILD/tests/sysloop" 10000
n=0
for i in 1 2 3; do scrape "$i" && grep -q '^vflow_build_info' "$TMP/scrape.$i" && n=$((n + 1)); done
check "valgrind: exporter scraped" test "$n" -eq 3
timeout 60 "$VFLOWTOP_PLAIN" --attach "$SOCK" -b -n 1 >"$TMP/top.out" 2>"$TMP/top.err"
rc=$?
# a frame: its entity table's column header, not just any output
if [ "$rc" -eq 0 ] && grep -qE '^NAME +PARADIGM ' "$TMP/top.out"; then
	ok "valgrind: vflowtop --attach served"
else
	not_ok "valgrind: vflowtop --attach served"; diag "status $rc: $(tail -3 "$TMP/top.err")"
fi
DUMP=$(timeout 60 "$VFLOWD_PLAIN" --dump-request "$SOCK" 2>"$TMP/req.err")
if [ -n "$DUMP" ] && [ -s "$DUMP" ]; then
	ok "valgrind: dump request answered"
else
	not_ok "valgrind: dump request answered"; diag "got '$DUMP': $(tail -3 "$TMP/req.err")"
fi
kill -USR1 "$VG_PID"
wait_for 60 grep -q "dump (SIGUSR1) written" "$TMP/s1.err"
usr1=$?
kill -HUP "$VG_PID"
wait_for 60 grep -q "configuration reloaded" "$TMP/s1.err"
hup=$?
if [ "$usr1" -eq 0 ] && [ "$hup" -eq 0 ]; then
	ok "valgrind: SIGUSR1 dump and SIGHUP reload"
else
	not_ok "valgrind: SIGUSR1 dump and SIGHUP reload"; diag "$(tail -3 "$TMP/s1.err")"
fi
"$BUILD/tests/sysloop" 10000
sleep 1
kill -INT "$VG_PID"
wait "$VG_PID"
rc=$?
diag "session 1: $((SECONDS - T0)) s under valgrind, status $rc"
if [ "$rc" -eq 0 ]; then
	ok "valgrind: vflowd stopped cleanly on SIGINT"
else
	not_ok "valgrind: vflowd stopped cleanly on SIGINT"
	diag "status $rc (99: valgrind found errors): $(tail -3 "$TMP/s1.err")"
fi
check "valgrind: no memory errors" vg_errors s1
check "valgrind: no definite or indirect leaks" vg_no_leaks s1
used=$(vg_in_use s1)
diag "session 1: ${used:-?} bytes in use at exit (bound $IN_USE_MAX)"
check "valgrind: heap in use at exit is bounded" test "${used:-999999999}" -le "$IN_USE_MAX"
{ vg_errors s1 && vg_no_leaks s1; } || vg_show s1

# Session 2: longer, with a workload, to its own end (-d)
T0=$SECONDS
vg_start s2 -i 0.2 -d 12 --json --dump-dir "$TMP/dumps2"
for i in 1 2 3 4; do "$BUILD/tests/sysloop" 10000; sleep 1; done
wait "$VG_PID"
rc=$?
used=$(vg_in_use s2)
diag "session 2: $((SECONDS - T0)) s under valgrind, status $rc, ${used:-?} bytes in use at exit"
if [ "$rc" -eq 0 ] && vg_errors s2 && vg_no_leaks s2 && [ "${used:-999999999}" -le "$IN_USE_MAX" ]; then
	ok "valgrind -d 12: stopped cleanly, no errors, no leaks, heap bounded"
else
	not_ok "valgrind -d 12: stopped cleanly, no errors, no leaks, heap bounded"
	vg_show s2
fi
