#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Static analysis of the user-space C: clang-tidy (checks in .clang-tidy)
# and cppcheck (options below, macros in scripts/lint-cppcheck.cfg) over
# user/*/*.c, fuzz/*.c, tests/helpers/*.c and tests/drivers/*.c; not bpf/,
# which is BPF C.
# One line per finding, "FILE:LINE:COL: TOOL: MESSAGE [CHECK]", then
#   # lint: N files, N clang-tidy findings, N cppcheck findings
# and a non-zero status on any finding. Findings listed in
# scripts/lint.suppress ("FILE:CHECK  # why", globs allowed) are shown as
# "# suppressed ..." and not counted.
#
# usage: scripts/lint.sh [--no-clang-tidy] [--no-cppcheck] [-j N] [FILE.c...]
# The generated headers (skeletons, syscall table) must exist in $BUILD:
# they are made with "make all" when missing.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
BUILD=${BUILD:-build}
BUILD=${BUILD#"$ROOT"/}
JOBS=$(nproc 2>/dev/null || echo 2)
TIDY=${CLANG_TIDY:-clang-tidy}
CPPCHECK=${CPPCHECK:-cppcheck}
SUPPRESS=$ROOT/scripts/lint.suppress
do_tidy=1 do_cppcheck=1
files=()

while [ $# -gt 0 ]; do
	case $1 in
	--no-clang-tidy) do_tidy=0 ;;
	--no-cppcheck) do_cppcheck=0 ;;
	-j) JOBS=$2; shift ;;
	-j*) JOBS=${1#-j} ;;
	-h|--help) sed -n '3,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "lint: unknown option $1 (see --help)" >&2; exit 2 ;;
	*) files+=("${1#"$ROOT"/}") ;;
	esac
	shift
done
[ ${#files[@]} -gt 0 ] || files=(user/*/*.c fuzz/*.c tests/helpers/*.c tests/drivers/*.c)

for t in $( ((do_tidy)) && echo "$TIDY") $( ((do_cppcheck)) && echo "$CPPCHECK"); do
	command -v "$t" >/dev/null ||
		{ echo "lint: $t is not installed: apt-get install ${t##*/} (or scripts/deps.sh)" >&2; exit 2; }
done

if ! ls "$BUILD"/*.skel.h "$BUILD"/syscall_names.h >/dev/null 2>&1; then
	echo "# lint: generated headers missing in $BUILD: make all" >&2
	make -s -j"$JOBS" OUT="$BUILD" all >&2 || { echo "lint: make all failed" >&2; exit 2; }
fi

WORK=$(mktemp -d /tmp/vflow-lint.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
CFLAGS=(-std=gnu11 -Iinclude -Iuser -I"$BUILD" -DVFLOW_VERSION='"x"' -DVFLOW_GIT_REV='"x"')
# libtracecmd's headers include their siblings by their bare names (user/source/tracedat_import.c)
read -ra tracecmd_cflags <<<"$(pkg-config --cflags libtracecmd libtraceevent 2>/dev/null)"
CFLAGS+=("${tracecmd_cflags[@]}")

# Suppressions: "FILE:CHECK" patterns, comments and blank lines ignored
patterns=()
if [ -r "$SUPPRESS" ]; then
	while read -r line; do
		line=${line%%#*}
		line=${line//[[:space:]]/}
		[ -n "$line" ] && patterns+=("$line")
	done <"$SUPPRESS"
fi

# report TOOL: findings on stdin ("FILE:LINE:COL: sev: MSG [CHECK]"),
# printed and counted unless suppressed; the count goes to $WORK/TOOL.n
report() {
	local tool=$1 line file check p n=0 s=0
	while IFS= read -r line; do
		file=${line%%:*}
		check=${line##*[}
		check=${check%]}
		[ "$check" = "$line" ] && check=$tool
		for p in "${patterns[@]}"; do
			# shellcheck disable=SC2053 # the pattern is a glob on purpose
			if [[ "$file:$check" == $p ]]; then
				echo "# suppressed $tool: $line"
				s=$((s + 1))
				continue 2
			fi
		done
		echo "${line/: /: $tool: }"
		n=$((n + 1))
	done
	echo "$n" >"$WORK/$tool.n"
	echo "$s" >"$WORK/$tool.s"
}

# clang-tidy: one process per file, $JOBS at a time, each into its own log
tidy_n=0 tidy_s=0
if ((do_tidy)); then
	printf '%s\n' "${files[@]}" |
		WORK=$WORK TIDY=$TIDY xargs -P"$JOBS" -I{} bash -c \
			'log=$WORK/tidy.$(echo "$1" | tr / _).log
			 "$TIDY" --quiet "$1" -- "${@:2}" >"$log" 2>&1 || echo "$1" >>"$WORK/tidy.failed"' \
			_ {} "${CFLAGS[@]}"
	cat "$WORK"/tidy.*.log 2>/dev/null |
		grep -E '^[^ :]+:[0-9]+:[0-9]+: (warning|error): ' |
		sed -e "s|^$ROOT/||" | sort -u -t: -k1,1 -k2,2n -k3,3n | report clang-tidy
	tidy_n=$(cat "$WORK/clang-tidy.n") tidy_s=$(cat "$WORK/clang-tidy.s")
	# a run that failed without a finding (a crash) still fails the lint
	if [ -s "$WORK/tidy.failed" ] && [ "$tidy_n" -eq 0 ] && [ "$tidy_s" -eq 0 ]; then
		sed 's/^/# clang-tidy failed on /' "$WORK/tidy.failed"
		tidy_n=1
	fi
fi

cppcheck_n=0 cppcheck_s=0
if ((do_cppcheck)); then
	"$CPPCHECK" --quiet -j"$JOBS" --std=c11 -D__x86_64__ \
		--enable=warning,performance,portability --inline-suppr --error-exitcode=1 \
		--suppress=missingIncludeSystem --library="$ROOT/scripts/lint-cppcheck.cfg" \
		-Iinclude -Iuser -I"$BUILD" \
		--template='{file}:{line}:{column}: {severity}: {message} [{id}]' \
		"${files[@]}" >"$WORK/cppcheck.out" 2>&1
	grep -E '^[^ :]+:[0-9]+:[0-9]+: ' "$WORK/cppcheck.out" | sed -e "s|^$ROOT/||" |
		sort -u -t: -k1,1 -k2,2n -k3,3n | report cppcheck
	cppcheck_n=$(cat "$WORK/cppcheck.n") cppcheck_s=$(cat "$WORK/cppcheck.s")
	# anything else it printed (a bad option, a crash) is shown and fails
	if grep -vqE '^[^ :]+:[0-9]+:[0-9]+: ' "$WORK/cppcheck.out"; then
		grep -vE '^[^ :]+:[0-9]+:[0-9]+: ' "$WORK/cppcheck.out" | sed 's/^/# cppcheck: /'
		[ "$cppcheck_n" -eq 0 ] && cppcheck_n=1
	fi
fi

[ $((tidy_s + cppcheck_s)) -gt 0 ] &&
	echo "# lint: $((tidy_s + cppcheck_s)) findings suppressed by scripts/lint.suppress"
echo "# lint: ${#files[@]} files, $tidy_n clang-tidy findings, $cppcheck_n cppcheck findings"
[ $((tidy_n + cppcheck_n)) -eq 0 ]
