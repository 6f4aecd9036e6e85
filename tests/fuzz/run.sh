#!/usr/bin/env bash
# Every built fuzz target (build/fuzz/fuzz_NAME from fuzz/fuzz_NAME.c), one
# after the other: first the crash regressions in tests/fuzz/regress/NAME/
# replayed once each, then FUZZ_TIME seconds (default 8) of libFuzzer on a
# scratch copy of tests/fuzz/corpus/NAME/ (the repository is never written).
# The seed is the day's date unless FUZZ_SEED is given, so a day's runs
# repeat. A crash is copied to ${TMPDIR:-/tmp}/vflow-fuzz-artifacts/ and
# named in the TAP line; once fixed, it belongs in tests/fuzz/regress/NAME/.
# A target not built fails, unless clang has no libFuzzer here (skipped).
# Ends with "# fuzz: T targets, E executions, C crashes"; exit status 1 if
# anything failed. `make fuzz FUZZ_TIME=3600` runs it long.
. "$(dirname "$0")/../lib.sh"

FUZZ_TIME=${FUZZ_TIME:-8}
SEED=${FUZZ_SEED:-$(date -u +%Y%m%d)}
CORPUS=$ROOT/tests/fuzz/corpus
REGRESS=$ROOT/tests/fuzz/regress
ARTIFACTS=${TMPDIR:-/tmp}/vflow-fuzz-artifacts
RSS_MB=1024
UNIT_TIMEOUT_S=10
# beyond -max_total_time: start-up, the last unit, the final stats
GRACE_S=$((UNIT_TIMEOUT_S * 3))
FUZZ_FLAGS=(-rss_limit_mb=$RSS_MB -timeout=$UNIT_TIMEOUT_S)

case $FUZZ_TIME in
'' | *[!0-9]*) echo "tests/fuzz/run.sh: FUZZ_TIME must be a number of seconds" >&2; exit 2 ;;
esac
case $SEED in
'' | *[!0-9]*) echo "tests/fuzz/run.sh: FUZZ_SEED must be a number" >&2; exit 2 ;;
esac

# the TAP plan: per target, its regression replay (when it has inputs)
# and its run; one line for a target not built
sources=() nr_results=0 missing=0
declare -A nr_regress
for src in "$ROOT"/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	sources+=("$name")
	nr_regress[$name]=0
	for f in "$REGRESS/$name"/*; do
		[ -f "$f" ] && nr_regress[$name]=$((nr_regress[$name] + 1))
	done
	if [ -x "$BUILD/fuzz/fuzz_$name" ]; then
		nr_results=$((nr_results + 1 + (nr_regress[$name] > 0)))
	else
		nr_results=$((nr_results + 1)) missing=$((missing + 1))
	fi
done
if [ ${#sources[@]} -eq 0 ]; then
	echo "1..0 # SKIP no fuzz/fuzz_*.c"
	echo "# fuzz: 0 targets, 0 executions, 0 crashes"
	exit 0
fi
plan "$nr_results"

# A target not built is a failure (make test-build builds them all),
# unless this machine's clang cannot build any: probed here
no_toolchain=
if [ "$missing" -gt 0 ]; then
	if ! command -v clang >/dev/null; then
		no_toolchain="clang is not installed (libFuzzer comes with it)"
	elif ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
		clang -x c -fsanitize=fuzzer - -o "$TMP/probe" 2>/dev/null; then
		no_toolchain="clang has no libFuzzer (-fsanitize=fuzzer)"
	fi
fi

mkdir -p "$ARTIFACTS" || exit 1
diag "seed $SEED, $FUZZ_TIME s per target, artifacts under $ARTIFACTS"
nr_targets=0 executions=0 crashes=0 failed=0

# report LOG: the first line that says what went wrong, without the pid
report() {
	local line
	line=$(grep -m1 -E '^fuzz_[a-z_]+: |runtime error: |^==[0-9]+== ?ERROR: |^ALARM: ' "$1")
	[ -n "$line" ] || line=$(grep -m1 -iE 'error|abort|killed' "$1")
	line=${line#==*==}
	line=${line# }
	line=${line//"$ROOT"\//}
	line=${line%% at pc 0x*}
	echo "${line:-no report (exit status $2)}" | cut -c1-300
}

# keep LOG NAME: the log and the input that failed, out of the scratch dir
keep() {
	local log=$1 name=$2 unit stamp kept
	stamp=$(date -u +%Y%m%dT%H%M%S)
	cp "$log" "$ARTIFACTS/$name-$stamp-$(basename "$log")"
	unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	if [ -n "$unit" ] && [ -f "$unit" ]; then
		kept=$ARTIFACTS/$name-$(basename "$unit")
		cp "$unit" "$kept"
		echo "$kept"
	fi
}

for name in "${sources[@]}"; do
	bin=$BUILD/fuzz/fuzz_$name
	if [ ! -x "$bin" ]; then
		if [ -n "$no_toolchain" ]; then
			skip "fuzz $name" "$no_toolchain"
		else
			not_ok "fuzz $name: not built: make build/fuzz/fuzz_$name (make test-build builds it)"
			failed=1
		fi
		continue
	fi
	nr_targets=$((nr_targets + 1))
	work=$(mktemp -d "${TMPDIR:-/tmp}/vflow-fuzz-$name.XXXXXX") || exit 1
	on_exit "rm -rf '$work'"
	mkdir -p "$work/corpus" "$work/artifacts"

	# (a) every regression input, once
	regress=()
	for f in "$REGRESS/$name"/*; do
		[ -f "$f" ] && regress+=("$f")
	done
	if [ ${#regress[@]} -gt 0 ]; then
		timeout -k 5 $((UNIT_TIMEOUT_S * ${#regress[@]} + GRACE_S)) \
			"$bin" "${FUZZ_FLAGS[@]}" -artifact_prefix="$work/artifacts/" "${regress[@]}" \
			>"$work/regress.log" 2>&1 </dev/null
		rc=$?
		if [ $rc -eq 0 ]; then
			ok "fuzz $name: ${#regress[@]} regression input(s) replayed"
		else
			input=$(sed -n 's/^Running: //p' "$work/regress.log" | tail -1)
			not_ok "fuzz $name: regression ${input#"$ROOT"/}: $(report "$work/regress.log" $rc)"
			keep "$work/regress.log" "$name" >/dev/null
			diag "log: $(ls -t "$ARTIFACTS/$name"-*.log | head -1)"
			crashes=$((crashes + 1)) failed=1
		fi
	fi

	# (b) FUZZ_TIME seconds on a scratch corpus: the seeds and the regressions
	[ -d "$CORPUS/$name" ] && cp -p "$CORPUS/$name"/* "$work/corpus/" 2>/dev/null
	[ ${#regress[@]} -gt 0 ] && cp -p "${regress[@]}" "$work/corpus/"
	start=$SECONDS
	timeout -k 5 $((FUZZ_TIME + GRACE_S)) \
		"$bin" "${FUZZ_FLAGS[@]}" -max_total_time="$FUZZ_TIME" -seed="$SEED" \
		-print_final_stats=1 -artifact_prefix="$work/artifacts/" "$work/corpus" \
		>"$work/fuzz.log" 2>&1 </dev/null
	rc=$?
	took=$((SECONDS - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$work/fuzz.log" | tail -1)
	executions=$((executions + ${execs:-0}))
	if [ $rc -eq 0 ] && [ -n "$execs" ]; then
		ok "fuzz $name: $execs executions in $took s, 0 crashes"
		continue
	fi
	crashes=$((crashes + 1)) failed=1
	kept=$(keep "$work/fuzz.log" "$name")
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		what="did not stop within $((FUZZ_TIME + GRACE_S)) s (hung outside libFuzzer's -timeout)"
	else
		what="crash: $(report "$work/fuzz.log" $rc)"
	fi
	if [ -n "$kept" ]; then
		not_ok "fuzz $name: $what; input saved to $kept (add it to tests/fuzz/regress/$name/ once fixed)"
	else
		not_ok "fuzz $name: $what; no input saved"
	fi
	diag "after ${execs:-?} executions in $took s; log: $(ls -t "$ARTIFACTS/$name"-*.log | head -1)"
	diag "reproduce: $bin $kept"
done

echo "# fuzz: $nr_targets targets, $executions executions, $crashes crashes"
exit $failed
