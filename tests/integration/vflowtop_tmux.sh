#!/usr/bin/env bash
# vflowtop on a real terminal: driven in a detached tmux session (120x40)
# against workloads this test starts (a busy cgroup, a process whose
# seccomp filter fails its getpgid calls), keys sent with send-keys, the
# screen read with capture-pane. Then batch (-b) and --json output, and a
# bad flag.
. "$(dirname "$0")/../lib.sh"

VFLOWTOP=${VFLOWTOP:-$BUILD/san/vflowtop}
NAMES=("busy cgroup shown with a non-zero rate" "sandbox row shown" "s/S: sort indicator moves"
       "s/S: rows reordered by NAME" "/: regex shows only the busy cgroup" "Enter: syscalls with histogram bars"
       "Esc: back to the entity table" "p: sandbox rows only" "q: vflowtop exits, status 0"
       "q: terminal restored, shell prompt back" "no sanitizer report" "SIGTERM: exits and restores the terminal"
       "-b: 3 frames with header and columns" "-b: the host's eta without a band, never a !"
       "--json: 2 objects with entities" "bad flag: one line, status 2")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
command -v tmux >/dev/null || skip_all "tmux is not installed" "${NAMES[@]}"
CG2=$(cgroup2_root)
[ -n "$CG2" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
for bin in "$VFLOWTOP" "$BUILD/tests/sysloop" "$BUILD/tests/seccomp_actions"; do
	[ -x "$bin" ] || fail_all "$bin is not built: run make test-build" "${NAMES[@]}"
done

WORK_S=90		# the workloads stop by themselves after this long at most
WORK_RUNS=200		# and after this many runs
WAIT_S=30		# for the first frames: loading the BPF programs under ASan takes a while
KEY_S=5			# for the screen to show what a key asked for
BUSY=vflowtop-test-busy-$$
AUX=vflowtop-test-aux-$$	# the seccomp workload's cgroup: sorts before BUSY by NAME
PROMPT='vt-test$ '	# capture-pane drops the trailing space

CG_BUSY=$(new_cgroup "$BUSY") && CG_AUX=$(new_cgroup "$AUX") ||
	fail_all "cannot create a cgroup under $CG2" "${NAMES[@]}"
# bounded loops, in count and in time
run_in_cgroup "$CG_BUSY" bash -c 'for ((i = 0; i < $1 && SECONDS < $2; i++)); do "$3" 3000000; done' \
	loop "$WORK_RUNS" "$WORK_S" "$BUILD/tests/sysloop" &
BUSY_LOOP=$!
run_in_cgroup "$CG_AUX" bash -c 'for ((i = 0; i < $1 && SECONDS < $2; i++)); do "$3" errno 2000000; done >/dev/null' \
	loop "$WORK_RUNS" "$WORK_S" "$BUILD/tests/seccomp_actions" &
AUX_LOOP=$!
on_exit "kill $BUSY_LOOP $AUX_LOOP; wait $BUSY_LOOP $AUX_LOOP"

TM=(tmux -L "vflowtop-test-$$")
"${TM[@]}" new-session -d -x 120 -y 40 -s top "PS1='$PROMPT' exec bash --norc --noprofile" ||
	fail_all "tmux cannot start a session" "${NAMES[@]}"
on_exit "${TM[*]} kill-server"

pane() { "${TM[@]}" capture-pane -p -t top; }
keys() { "${TM[@]}" send-keys -t top "$@"; }
# the entity table: the rows between its NAME header and the first blank line
rows() { pane | awk '/^NAME\*? /{on = 1; next} on && (NF == 0 || /^q quit/) {exit} on'; }
names() { rows | awk '{print $1}'; }
rate_of() { rows | awk -v n="$1" '$1 == n {print $4}'; }
busy_busy() { awk -v r="$(rate_of "/$BUSY")" 'BEGIN {exit !(r + 0 > 0)}'; }
has_sandbox() { rows | awk '$2 == "sandbox" {f = 1} END {exit !f}'; }
pane_has() { pane | grep -qE -- "$1"; }
pane_lacks() { ! pane | grep -qE -- "$1"; }
# before BEFORE AFTER: row BEFORE is listed above row AFTER
before() { names | awk -v a="$1" -v b="$2" '$1 == a {ia = NR} $1 == b {ib = NR} END {exit !(ia && ib && ia < ib)}'; }
only_sandboxes() { rows | awk '$2 != "sandbox" {bad = 1} NF {n++} END {exit bad || !n}'; }
only_busy() { [ "$(names)" = "/$BUSY" ]; }
top_gone() { ! kill -0 "$(cat "$TMP/top.pid")" 2>/dev/null; }
# check_pane "description" command...: as check, and the screen as diagnostics on failure
check_pane() {
	local d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; pane | sed 's/^/# /'; fi
}

# start_top: vflowtop in the pane, its pid, stderr and status in $TMP
start_top() {
	rm -f "$TMP/top.pid" "$TMP/top.rc"
	keys "sh -c 'echo \$\$ >$TMP/top.pid; exec $VFLOWTOP -d 0.5 2>$TMP/top.err'; echo \$? >$TMP/top.rc" Enter
	wait_for "$WAIT_S" pane_has '^PARADIGM '
}

# the screen tests: keys in, what the pane shows out
screen_tests() {
	check "busy cgroup shown with a non-zero rate" wait_for "$WAIT_S" busy_busy
	check "sandbox row shown" wait_for "$WAIT_S" has_sandbox
	wait_for "$WAIT_S" pane_has "^/$AUX " || diag "no row for /$AUX"

	# default sort TRAPS/s; S walks back: KIND, PARADIGM, NAME
	wait_for "$KEY_S" before "/$BUSY" "/$AUX" || diag "by TRAPS/s: $(names | tr '\n' ' ')"
	by_rate=$(names)
	keys S S S
	check_pane "s/S: sort indicator moves" wait_for "$KEY_S" eval 'pane_has "^NAME\* " && pane_lacks "TRAPS/s\*"'
	if wait_for "$KEY_S" before "/$AUX" "/$BUSY" && [ "$(names)" != "$by_rate" ]; then
		ok "s/S: rows reordered by NAME"
	else
		not_ok "s/S: rows reordered by NAME"
		diag "by TRAPS/s: $(echo $by_rate)"
		diag "by NAME: $(names | tr '\n' ' ')"
	fi

	keys / "busy-$$" Enter
	check_pane "/: regex shows only the busy cgroup" wait_for "$KEY_S" only_busy
	keys Enter
	if wait_for "$KEY_S" pane_has '^getppid ' && pane_has '^\[ *[0-9.]+[nums]+, *[0-9.]+[nums]+\) #+ +[0-9]+$'; then
		ok "Enter: syscalls with histogram bars"
	else
		not_ok "Enter: syscalls with histogram bars"
		pane | sed 's/^/# /'
	fi
	keys Escape
	check_pane "Esc: back to the entity table" wait_for "$KEY_S" eval 'pane_has "^NAME" && only_busy'
	keys / Escape			# the empty filter: everything again
	wait_for "$KEY_S" eval '[ "$(names | wc -l)" -gt 1 ]' || diag "filter not cleared: $(names | tr '\n' ' ')"

	keys p p p p p			# all -> host -> container -> fullvirt -> paravirt -> sandbox
	check_pane "p: sandbox rows only" wait_for "$KEY_S" eval 'pane_has "paradigm sandbox" && only_sandboxes'
	keys p

	keys q
	check_pane "q: vflowtop exits, status 0" wait_for "$KEY_S" eval 'top_gone && [ "$(cat "$TMP/top.rc" 2>/dev/null)" = 0 ]'
	check_pane "q: terminal restored, shell prompt back" \
		wait_for "$KEY_S" eval 'pane_lacks "^PARADIGM " && pane | grep -v "^$" | tail -1 | grep -qxF "${PROMPT% }"'
	if [ ! -s "$TMP/top.err" ]; then ok "no sanitizer report"; else not_ok "no sanitizer report"; sed 's/^/# /' "$TMP/top.err"; fi

	keys clear Enter
	start_top || diag "vflowtop did not draw again"
	kill -TERM "$(cat "$TMP/top.pid")"
	check_pane "SIGTERM: exits and restores the terminal" \
		wait_for "$KEY_S" eval 'top_gone && [ "$(cat "$TMP/top.rc" 2>/dev/null)" = 0 ] && pane_lacks "^PARADIGM "'
}

SCREEN_NAMES=("${NAMES[@]:0:12}")
if start_top; then
	screen_tests
else
	# one diagnosis, not a cascade: vflowtop never drew
	diag "vflowtop did not draw: $(cat "$TMP/top.err" 2>/dev/null)"
	pane | sed 's/^/# /'
	for t in "${SCREEN_NAMES[@]}"; do not_ok "$t"; done
fi

"$VFLOWTOP" -b -d 0.3 -n 3 >"$TMP/batch.out" 2>"$TMP/batch.err"
rc=$?
frames=$(grep -c '^vflow .* kernel ' "$TMP/batch.out")
cols=$(grep -cE '^NAME +PARADIGM +KIND +TRAPS/s\* +TOP REASON +MEAN +P99 +TRAP CPU%' "$TMP/batch.out")
pars=$(grep -c '^PARADIGM ' "$TMP/batch.out")
blanks=$(grep -c '^$' "$TMP/batch.out")
if [ "$rc" -eq 0 ] && [ "$frames" -eq 3 ] && [ "$cols" -eq 3 ] && [ "$pars" -eq 3 ] && [ "$blanks" -eq 2 ] &&
   [ ! -s "$TMP/batch.err" ]; then
	ok "-b: 3 frames with header and columns"
else
	not_ok "-b: 3 frames with header and columns"
	diag "status $rc, headers $frames, column lines $cols, paradigm tables $pars, blank lines $blanks"
	sed 's/^/# /' "$TMP/batch.err"
fi
# the document gives native processes no band: the host row shows its eta, unjudged
hosts=$(grep -cE '^host +.* [0-9.]+% / no band$' "$TMP/batch.out")
check "-b: the host's eta without a band, never a !" \
	eval '[ "$hosts" -eq 3 ] && ! grep -qE "^host .*!" "$TMP/batch.out"'
[ "$hosts" -eq 3 ] || diag "host rows: $(grep -E '^host ' "$TMP/batch.out" | tr '\n' '|')"

# the busy cgroup busy for the whole run (its first loop may have ended by now)
run_in_cgroup "$CG_BUSY" bash -c 'for ((i = 0; i < $1 && SECONDS < $2; i++)); do "$3" 3000000; done' \
	loop "$WORK_RUNS" "$WORK_S" "$BUILD/tests/sysloop" &
JSON_LOOP=$!
on_exit "kill $JSON_LOOP; wait $JSON_LOOP"
"$VFLOWTOP" --json -d 0.3 -n 2 >"$TMP/json.out" 2>"$TMP/json.err"
rc=$?
kill "$JSON_LOOP"
# two objects, each with a non-empty entity list; the busy cgroup among them with its getppid calls
if [ "$rc" -eq 0 ] && python3 - "$TMP/json.out" "/$BUSY" <<'PY' 2>"$TMP/json.check"; then
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, "%d objects" % len(lines)
for l in lines:
    ents = json.loads(l)["entities"]
    assert isinstance(ents, list) and ents, "no entities"
busy = [e for e in ents if e.get("path") == sys.argv[2]]
assert busy, "no entity %s among %s" % (sys.argv[2], [e.get("path") for e in ents])
calls = sum(r["count"] for r in busy[0]["syscalls"] if r["name"] == "getppid")
assert calls > 0, "%s made no getppid" % sys.argv[2]
PY
	ok "--json: 2 objects with entities"
else
	not_ok "--json: 2 objects with entities"
	diag "status $rc: $(tail -1 "$TMP/json.check") $(head -c 300 "$TMP/json.err")"
fi

"$VFLOWTOP" --bogus >"$TMP/bad.out" 2>"$TMP/bad.err"
rc=$?
if [ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/bad.err")" -eq 1 ] && [ ! -s "$TMP/bad.out" ] &&
   grep -qx "vflowtop: unknown option '--bogus': see vflowtop --help" "$TMP/bad.err"; then
	ok "bad flag: one line, status 2"
else
	not_ok "bad flag: one line, status 2"
	diag "status $rc: $(cat "$TMP/bad.err")"
fi
