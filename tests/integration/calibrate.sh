#!/usr/bin/env bash
# vflowd --calibrate: the host micro-benchmarks (null syscall, seccomp
# filter, SIGSYS trap, user-notify round trip, context switch) finish in
# under 60 s and print each figure as a positive number beside the
# document's value, and a "runs in:" line saying where vflowd runs;
# --calibrate-out FILE writes a model config with the calibrated values;
# where seccomp is forbidden the run fails in one line. No BPF needed.
. "$(dirname "$0")/../lib.sh"

LIMIT_S=60
NAMES=("calibrate: exits 0 in under ${LIMIT_S} s" "calibrate: every figure a positive number"
       "calibrate: a runs in: line" "calibrate-out: model config with the calibrated values"
       "calibrate: seccomp forbidden fails in one line")
FIGURES=("null syscall" "seccomp filter" "SIGSYS trap" "user-notify round trip" "context switch")
SE=$BUILD/tests/seccomp_errno
plan ${#NAMES[@]}
# what the build makes is a dependency, never a reason to skip
for bin in "$VFLOWD" "$SE"; do
	[ -x "$bin" ] || fail_all "$bin is not built: run make test-build" "${NAMES[@]}"
done
# the option is part of vflowd's interface (README.md): its absence is a failure
"$VFLOWD" --help 2>&1 | grep -q -- '--calibrate' ||
	fail_all "vflowd --help does not mention --calibrate" "${NAMES[@]}"

# run_timed OUT ARGS...: vflowd ARGS with stdout in OUT, stderr in OUT.err; sets RC and ELAPSED (s)
run_timed() {
	local out=$1 t0 t1; shift
	t0=$(date +%s.%N)
	timeout $((LIMIT_S + 30)) "$VFLOWD" "$@" >"$out" 2>"$out.err"
	RC=$?
	t1=$(date +%s.%N)
	ELAPSED=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
}

run_timed "$TMP/cal" --calibrate

if [ "$RC" -eq 0 ] && awk -v e="$ELAPSED" -v l="$LIMIT_S" 'BEGIN { exit !(e < l) }'; then
	ok "${NAMES[0]} (${ELAPSED} s)"
else
	not_ok "${NAMES[0]}"
	diag "status $RC after ${ELAPSED} s; stderr: $(tail -3 "$TMP/cal.err")"
fi

# the measured value is the last "<number> ns" on the figure's line (the
# document's column may hold numbers in ns too; the ratio column has none)
measured() {
	grep -m1 -F "$1" "$TMP/cal" | grep -oE '[0-9]+(\.[0-9]+)? ns' | tail -1 | awk '{ print $1 }'
}
bad=()
for fig in "${FIGURES[@]}"; do
	v=$(measured "$fig")
	if [ -z "$v" ] || ! awk -v v="$v" 'BEGIN { exit !(v > 0) }'; then
		bad+=("$fig='${v:-missing}'")
	else
		diag "$fig: $v ns"
	fi
done
if [ ${#bad[@]} -eq 0 ]; then
	ok "${NAMES[1]}"
else
	not_ok "${NAMES[1]}"
	diag "not positive: ${bad[*]}"
	sed 's/^/# /' "$TMP/cal"
fi

if grep -qE '^runs in: .+' "$TMP/cal"; then
	ok "${NAMES[2]}"
	diag "$(grep -m1 '^runs in:' "$TMP/cal")"
else
	not_ok "${NAMES[2]}"
	sed 's/^/# /' "$TMP/cal"
fi

# a model config file: "key = value" lines
run_timed "$TMP/cal2" --calibrate --calibrate-out "$TMP/model.conf"
cfg_value() {
	awk -v k="$1" -F= '{ gsub(/[ \t]/, "", $1) } $1 == k { gsub(/[ \t]/, "", $2); print $2; exit }' \
		"$TMP/model.conf" 2>/dev/null
}
cs=$(cfg_value calibrated.context_switch_ns)
sf=$(cfg_value calibrated.seccomp_filter_ns)
if [ "$RC" -eq 0 ] && awk -v a="$cs" -v b="$sf" 'BEGIN { exit !(a + 0 > 0 && b + 0 > 0) }'; then
	ok "${NAMES[3]}"
else
	not_ok "${NAMES[3]}"
	diag "status $RC, context_switch_ns='$cs' seccomp_filter_ns='$sf'; stderr: $(tail -3 "$TMP/cal2.err")"
	[ -f "$TMP/model.conf" ] && sed 's/^/# /' "$TMP/model.conf"
fi

# seccomp() refused (as in a locked-down container): non-zero, one line on stderr that names it
NR=$(nr_of seccomp)
if [ -z "$NR" ]; then
	# the build reads the same header (scripts/gen-syscall-names.sh): it cannot be missing here
	not_ok "${NAMES[4]}"
	diag "no syscall number for seccomp in <asm/unistd_64.h>: apt-get install linux-libc-dev"
else
	"$SE" "$NR" "$VFLOWD" --calibrate >"$TMP/noseccomp" 2>"$TMP/noseccomp.err"
	rc=$?
	lines=$(grep -vc '^==' "$TMP/noseccomp.err")
	if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ] && grep -qi 'seccomp' "$TMP/noseccomp.err"; then
		ok "${NAMES[4]}"
		diag "$(cat "$TMP/noseccomp.err")"
	else
		not_ok "${NAMES[4]}"
		diag "status $rc, stderr: $(cat "$TMP/noseccomp.err")"
	fi
fi
