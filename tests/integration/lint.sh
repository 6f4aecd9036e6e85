#!/usr/bin/env bash
# Static analysis: scripts/lint.sh (clang-tidy with .clang-tidy, cppcheck)
# over the user-space C, one TAP line per tool. A missing tool is skipped
# with the reason; the findings are shown as diagnostics.
. "$(dirname "$0")/../lib.sh"
plan 2	# clang-tidy, cppcheck

args=()
tools=()
for t in clang-tidy cppcheck; do
	if command -v "$t" >/dev/null; then
		tools+=("$t")
	else
		args+=("--no-$t")
	fi
done
[ ${#tools[@]} -gt 0 ] || skip_all "neither clang-tidy nor cppcheck is installed (scripts/deps.sh)" \
	"clang-tidy: no findings" "cppcheck: no findings"

T0=$SECONDS
BUILD=$BUILD bash "$ROOT/scripts/lint.sh" "${args[@]}" >"$TMP/lint.out" 2>"$TMP/lint.err"
rc=$?
summary=$(grep '^# lint: [0-9]* files' "$TMP/lint.out")
diag "${summary#\# }, $((SECONDS - T0)) s"
if [ -z "$summary" ]; then
	diag "scripts/lint.sh failed (status $rc): $(tail -5 "$TMP/lint.err")"
fi
for t in clang-tidy cppcheck; do
	if ! command -v "$t" >/dev/null; then
		skip "$t: no findings" "$t is not installed (scripts/deps.sh)"
		continue
	fi
	n=$(echo "$summary" | sed -n "s/.* \([0-9]*\) $t findings.*/\1/p")
	if [ "${n:-x}" = 0 ]; then
		ok "$t: no findings"
	else
		not_ok "$t: no findings"
		grep -E "^[^#].*: $t: " "$TMP/lint.out" | sed 's/^/# /'
	fi
done
grep '^# suppressed' "$TMP/lint.out"
exit 0
