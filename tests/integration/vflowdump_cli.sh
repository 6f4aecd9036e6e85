#!/usr/bin/env bash
# vflowdump on the dumps in tests/fixtures/dumps (written by test_dumptool
# with VFLOW_DUMP_FIXTURES_OUT): every command's output, the filters, and
# the exit codes scripts rely on: 0 clean, 1 unusable, 2 bad usage,
# 3 damaged (problems on stderr, output from what was salvaged).
. "$(dirname "$0")/../lib.sh"
VFLOWDUMP=${VFLOWDUMP:-$BUILD/san/vflowdump}
FIX=${VFLOW_FIXTURES:-$ROOT/tests/fixtures}/dumps
MIXED=$FIX/mixed.vfd
DAMAGED=$FIX/damaged.vfd
EMPTY=$FIX/empty.vfd
# the fixtures' times are shown in UTC
export TZ=UTC

# without these nothing below can run: one failed result, planned as such
[ -x "$VFLOWDUMP" ] || { plan 1; fail_all "no $VFLOWDUMP: build it with 'make WERROR=1 $VFLOWDUMP'" "vflowdump built"; }
[ -f "$MIXED" ] || { plan 1; fail_all "no fixture $MIXED" "fixtures present"; }
# print 6, filters 16, summary 5, chrome 3, csv 5, info 2, model 3, empty 2,
# damaged 8, truncated 2, unusable 3, bad usage 11, --help/--version 2,
# /dev/full 2, zcat 1
plan 71

# run ARGS...: output in $TMP/out, stderr in $TMP/err, status in $RC
run() { "$VFLOWDUMP" "$@" >"$TMP/out" 2>"$TMP/err"; RC=$?; }
# expect_rc WHAT CODE: one TAP line on $RC
expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1 (exit $2)"; else not_ok "$1 (exit $2)"; diag "exit $RC: $(head -3 "$TMP/err")"; fi
}
lines() { wc -l <"$1" | tr -d ' '; }
# when DESC CONDITION: ok if the shell condition (evaluated) holds
when() { local d=$1; shift; if eval "$*"; then ok "$d"; else not_ok "$d"; diag "exit $RC: $(head -3 "$TMP/err")"; fi; }

# print: one line per event, the default command
run "$MIXED"
expect_rc "print: clean dump" 0
check "print: 116 lines" [ "$(lines "$TMP/out")" -eq 116 ]
check "print: nothing on stderr for a clean dump" [ ! -s "$TMP/err" ]
check "print: wall time, entity, comm, paradigm, reason, latency, flags" \
	grep -qE '^2023-11-14T22:30:00\.000000 docker:4f3a9c2e1b7d +1234/1234 +sysloop +container +getppid +100ns +ret=0 sampled$' "$TMP/out"
check "print: a VM exit with its hypercall" \
	grep -qE 'web1 +4000/4002 +CPU 1/KVM +paravirt +VMCALL +3\.00us +vcpu=1 hcall_kvm 5 sampled$' "$TMP/out"
run print "$MIXED"
when "print named: the same output" '[ "$RC" -eq 0 ] && [ "$(lines "$TMP/out")" -eq 116 ]'

# filters, each and combined
count() { "$VFLOWDUMP" "$@" "$MIXED" 2>/dev/null | wc -l | tr -d ' '; }
check "filter: -e entity name" [ "$(count -e docker:4f3a9c2e1b7d)" -eq 100 ]
check "filter: -e VM name" [ "$(count -e web1)" -eq 7 ]
check "filter: --entity runtime type" [ "$(count --entity docker)" -eq 100 ]
check "filter: -e pid" [ "$(count -e 5000)" -eq 4 ]
check "filter: -p container" [ "$(count -p container)" -eq 100 ]
check "filter: -p vm takes paravirt too" [ "$(count -p vm)" -eq 7 ]
check "filter: --paradigm paravirt" [ "$(count --paradigm paravirt)" -eq 2 ]
check "filter: -t syscall" [ "$(count -t syscall)" -eq 105 ]
check "filter: -t hlt (any case)" [ "$(count -t hlt)" -eq 3 ]
check "filter: -t errno (sandbox action)" [ "$(count -t errno)" -eq 3 ]
check "filter: -t io" [ "$(count --trap io)" -eq 2 ]
check "filter: --pid thread" [ "$(count --pid 4002)" -eq 2 ]
check "filter: --from/--to relative seconds" [ "$(count --from 0.010 --to 0.019)" -eq 10 ]
check "filter: --from wall clock with Z" [ "$(count --from 2023-11-14T22:30:00.100Z)" -eq 16 ]
check "filter: --to time of day" [ "$(count --to 22:30:00.009)" -eq 10 ]
check "filter: combined" [ "$(count -p host -t read --to 0.2)" -eq 4 ]

# summary
run summary "$MIXED"
expect_rc "summary" 0
check "summary: getppid row with exact p99" \
	grep -qE '^container +getppid +100 +86\.21% +100ns +5\.05us +10\.00us +9\.90us$' "$TMP/out"
check "summary: total line" grep -qE '^total +116 +100\.00%' "$TMP/out"
check "summary: says counts are samples" grep -q 'sampled 1 in 1000 (syscall).*counts are samples, not totals' "$TMP/out"
run summary -j "$MIXED"
if [ "$RC" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
r = [x for x in d["rows"] if x["reason"] == "getppid"][0]
assert (r["samples"], r["min_ns"], r["max_ns"], r["p99_ns"]) == (100, 100, 10000, 9900), r
assert d["total"]["samples"] == 116 and d["counts_are_samples"]' "$TMP/out"; then
	ok "summary --json: valid, exact figures"
else
	not_ok "summary --json: valid, exact figures"
fi

# chrome: valid JSON that Perfetto opens, one X event per timed event
run chrome "$MIXED"
expect_rc "chrome" 0
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
x = [e for e in ev if e["ph"] == "X"]
i = [e for e in ev if e["ph"] == "i"]
m = [e for e in ev if e["ph"] == "M"]
assert (len(x), len(i)) == (112, 4), (len(x), len(i))
assert {e["args"]["name"] for e in m if e["name"] == "process_name"} >= {"web1", "seccomp:filt:5000"}
assert d["displayTimeUnit"] == "ns" and d["otherData"]["trigger"] == "SIGUSR1"' "$TMP/out" 2>"$TMP/py"; then
	ok "chrome: valid JSON, 112 complete and 4 instant events, named processes"
else
	not_ok "chrome: valid JSON, 112 complete and 4 instant events, named processes"
	diag "$(tail -2 "$TMP/py")"
fi
run chrome -p vm -o "$TMP/vm.json" "$MIXED"
if [ "$RC" -eq 0 ] && [ ! -s "$TMP/out" ] && python3 -c '
import json, sys
assert len([e for e in json.load(open(sys.argv[1]))["traceEvents"] if e["ph"] == "X"]) == 7' "$TMP/vm.json"; then
	ok "chrome -p vm -o FILE: 7 events in the file, nothing on stdout"
else
	not_ok "chrome -p vm -o FILE: 7 events in the file, nothing on stdout"
fi

# csv: a header and a row per event, RFC 4180 quoting
run csv "$MIXED"
expect_rc "csv" 0
check "csv: header and 116 rows" [ "$(lines "$TMP/out")" -eq 117 ]
check "csv: header" grep -q '^time,ts_ns,latency_ns,paradigm,entity,pid,tid,comm,kind,code,trap,sub,ret,annotation,flags$' "$TMP/out"
check "csv: quoted field with a comma and a doubled quote" grep -q ',"a,b""c",' "$TMP/out"
check "csv: python reads 116 rows" python3 -c '
import csv, sys
r = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(r) == 116 and r[-1]["comm"] == "a,b\"c", len(r)' "$TMP/out"

# info
run info "$MIXED"
expect_rc "info" 0
check "info: host, trigger, probes, entities, blocks" \
	bash -c 'grep -q "^host            testhost$" "$1" && grep -q "^trigger         SIGUSR1$" "$1" &&
		 grep -q "^  kvm:kvm_exit tracepoint live$" "$1" && grep -q "^entities        4$" "$1" &&
		 grep -q "^blocks          5 ok, 0 bad" "$1" && grep -q "^problems        0$" "$1"' _ "$TMP/out"

# model: the overhead model over the weighted samples
run model "$MIXED"
expect_rc "model" 0
check "model: estimated from samples, entities named from the dump" \
	bash -c 'grep -q "estimated from 116 recorded events" "$1" && grep -q "^web1 " "$1" &&
		 grep -q "^docker:4f3a9c2e1b7d " "$1"' _ "$TMP/out"
run model -j "$MIXED"
if [ "$RC" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["estimated_from_samples"] and d["report"]["vms"][0]["name"] == "web1"' "$TMP/out"; then
	ok "model --json: valid JSON"
else
	not_ok "model --json: valid JSON"
fi

# an empty dump: every command runs, nothing to show
run summary "$EMPTY"
when "empty dump: summary runs, total 0" '[ "$RC" -eq 0 ] && grep -qE "^total +0 " "$TMP/out"'
run chrome "$EMPTY"
when "empty dump: chrome is valid JSON" '[ "$RC" -eq 0 ] && python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$TMP/out"'

# damaged: problems on stderr, the salvaged events shown, exit 3
for cmd in print summary chrome csv info; do
	run "$cmd" "$DAMAGED"
	expect_rc "damaged dump: $cmd still runs" 3
done
run print "$DAMAGED"
check "damaged: problem lines prefixed with the file" grep -q "^vflowdump: $DAMAGED: .*16 of 116 events lost" "$TMP/err"
check "damaged: every stderr line is a problem line" [ "$(grep -vc "^vflowdump: $DAMAGED: " "$TMP/err")" -eq 0 ]
check "damaged: the 100 salvaged events printed" [ "$(lines "$TMP/out")" -eq 100 ]
# truncated (no END block): also damaged
head -c "$(($(stat -c %s "$MIXED") - 40))" "$MIXED" >"$TMP/truncated.vfd"
run info "$TMP/truncated.vfd"
expect_rc "truncated dump" 3
check "truncated: said on stderr" grep -q "truncated" "$TMP/err"

# unusable: not a dump, missing file
echo "not a dump" >"$TMP/text.vfd"
run "$TMP/text.vfd"
expect_rc "not a dump" 1
check "not a dump: one line saying so" bash -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -q "not a vflow dump" "$1"' _ "$TMP/err"
run "$TMP/missing.vfd"
expect_rc "missing file" 1

# bad usage: one line that says what to do, exit 2
for args in "-x $MIXED" "-p cloud $MIXED" "-t frobnicate $MIXED" "--pid abc $MIXED" \
	    "--from yesterday $MIXED" "--from 0.5 --to 0.1 $MIXED" "frob $MIXED" "summary" "" \
	    "-j csv $MIXED" "-e"; do
	# shellcheck disable=SC2086
	run $args
	if [ "$RC" -eq 2 ] && [ "$(lines "$TMP/err")" -eq 1 ] && [ ! -s "$TMP/out" ]; then
		ok "bad usage '$args': exit 2, one line"
	else
		not_ok "bad usage '$args': exit 2, one line"
		diag "exit $RC: $(cat "$TMP/err")"
	fi
done
run --help
when "--help: exit 0, usage on stdout" '[ "$RC" -eq 0 ] && grep -q "^Usage: vflowdump" "$TMP/out"'
run --version
when "--version" '[ "$RC" -eq 0 ] && grep -q "^vflowdump " "$TMP/out"'

# a full disk is an error, never silent
if [ -w /dev/full ]; then
	run chrome -o /dev/full "$MIXED"
	when "-o /dev/full: exit 1 with the reason" '[ "$RC" -eq 1 ] && grep -q "No space left" "$TMP/err"'
	"$VFLOWDUMP" csv "$MIXED" >/dev/full 2>"$TMP/err"
	RC=$?
	check "stdout on /dev/full: exit 1" [ "$RC" -eq 1 ]
else
	skip "-o /dev/full: exit 1 with the reason" "no writable /dev/full"
	skip "stdout on /dev/full: exit 1" "no writable /dev/full"
fi

# the file format: gzip members, so zcat reads it
check "zcat reads a dump" bash -c 'zcat "$1" | head -c 4 | grep -q VFBK' _ "$MIXED"
