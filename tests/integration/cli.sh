#!/usr/bin/env bash
# The three programs' command lines (argp, core/cli.c): --help and
# --version in the shape help2man reads (usage lines, a one-line
# description, every option with its argument, a bug-report line), the
# defaults --help shows all filled in, help2man's page listing every
# option, and a bad option or a missing value: one line on stderr that
# says what to do, nothing on stdout, exit status 2.
. "$(dirname "$0")/../lib.sh"
PROGS=(vflowd vflowtop vflowdump)
VERSION=$(cat "$ROOT/VERSION")
PER_PROG=9	# --help 4, --version 1, help2man 2, bad option 1, missing value 1
plan $((${#PROGS[@]} * PER_PROG))

# run PROG ARGS...: stdout in $TMP/out, stderr in $TMP/err, status in $RC
run() { local p=$1; shift; "$BUILD/san/$p" "$@" >"$TMP/out" 2>"$TMP/err"; RC=$?; }
# when WHAT CONDITION: one TAP line on a shell condition, the output behind a failure
when() {
	local d=$1; shift
	if eval "$*"; then ok "$d"; else not_ok "$d"; diag "exit $RC: $(head -c 400 "$TMP/err") | $(head -c 400 "$TMP/out")"; fi
}
# the usage lines ("Usage: p [OPTION...]", "  or:  p ..."), then a description line
usage_then_description() {
	awk -v p="$1" 'NR == 1 { if (index($0, "Usage: " p " [OPTION...]") != 1) exit 1; next }
		       /^  or:  / { next }
		       { exit !($0 ~ /^[A-Z].*[.:]$/) }' "$2"
}
# option lines whose text runs into their description with one space: help2man
# needs two, or the description on the next line
merged_option_lines() {
	awk '/^ +-/ { line = $0; sub(/^ +/, ""); split($0, a, "  "); opt = a[1]
		      gsub(/, /, ",", opt); if (opt ~ / /) print line }' "$1"
}
# the options --help lists that are not the tag of an entry of the man page
options_missing_from() {
	local o
	# the page's entry tags as text: .TP, then the tag on the next line, fonts dropped
	awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' "$2" |
		sed -E 's/\\f[BIR]//g; s/\\[,\/]//g; s/\\-/-/g' >"$2.tags"
	for o in $(awk '/^ +-/ { sub(/^ +/, ""); split($0, a, "  "); print a[1] }' "$1" |
		   grep -oE -- '--[a-z][a-z.-]*[a-z]' | sort -u); do
		grep -qE -- "(^|, )$o(=|\[|\$)" "$2.tags" || printf ' %s' "$o"
	done
}

for p in "${PROGS[@]}"; do
	if [ ! -x "$BUILD/san/$p" ]; then
		for _ in $(seq "$PER_PROG"); do not_ok "$p: built ($BUILD/san/$p: make WERROR=1 test-build)"; done
		continue
	fi

	run "$p" --help
	cp "$TMP/out" "$TMP/$p.help"
	when "$p --help: exit 0, nothing on stderr" '[ "$RC" -eq 0 ] && [ ! -s "$TMP/err" ]'
	when "$p --help: usage lines, then a one-line description" 'usage_then_description "$p" "$TMP/out"'
	# groups (" Output:"), -h and -V, arguments named in capitals (--interval=SECONDS),
	# each option apart from its description
	merged=$(merged_option_lines "$TMP/out")
	when "$p --help: options grouped, their arguments named${merged:+ (merged: $merged)}" \
		'grep -qE "^ [A-Z][^:]*:\$" "$TMP/out" && grep -qE "^  -h, --help +give" "$TMP/out" &&
		 grep -qE "^  -V, --version +print" "$TMP/out" && ! grep -qE -- "--[a-z.-]+=[a-z]" "$TMP/out" &&
		 [ -z "$merged" ]'
	# a default that help_filter left out would show as a printf conversion
	when "$p --help: every default filled in, the bug-report line last" \
		'! grep -E "%[-0-9.]*[a-zA-Z]" "$TMP/out" && tail -1 "$TMP/out" | grep -q "^Report bugs to "'

	run "$p" --version
	when "$p --version: '$p $VERSION (rev)', exit 0" \
		'[ "$RC" -eq 0 ] && [ "$(wc -l <"$TMP/out")" -eq 1 ] && grep -qE "^$p $VERSION \([0-9a-z]+\)\$" "$TMP/out"'

	if ! command -v help2man >/dev/null; then
		skip "$p: help2man page has its sections" "help2man not installed (scripts/deps.sh installs it)"
		skip "$p: help2man page lists every option" "help2man not installed (scripts/deps.sh installs it)"
	else
		help2man --no-info "$BUILD/san/$p" >"$TMP/$p.1" 2>"$TMP/err"
		when "$p: help2man page has its sections" \
			'grep -q "^\.SH NAME" "$TMP/$p.1" && grep -q "^\.SH SYNOPSIS" "$TMP/$p.1" &&
			 grep -q "^\.SH DESCRIPTION" "$TMP/$p.1" && grep -q "^\.SH \"REPORTING BUGS\"" "$TMP/$p.1"'
		missing=$(options_missing_from "$TMP/$p.help" "$TMP/$p.1")
		when "$p: help2man page lists every option${missing:+ (missing:$missing)}" '[ -z "$missing" ]'
	fi

	run "$p" --bogus
	when "$p --bogus: one line, exit 2" \
		'[ "$RC" -eq 2 ] && [ ! -s "$TMP/out" ] && [ "$(grep -vc "^==" "$TMP/err")" -eq 1 ] &&
		 grep -qx "$p: unknown option '"'"'--bogus'"'"': see $p --help" "$TMP/err"'

	# the last option with a short letter that takes a value, given none
	opt=$(grep -oE -- '^  -[a-zA-Z], --[a-z.-]+=' "$TMP/$p.help" | tail -1 | sed -E 's/^  -[a-zA-Z], //; s/=$//')
	run "$p" "$opt"
	when "$p ${opt:-(an option with a value)} without it: one line, exit 2" \
		'[ -n "$opt" ] && [ "$RC" -eq 2 ] && [ ! -s "$TMP/out" ] && [ "$(grep -vc "^==" "$TMP/err")" -eq 1 ] &&
		 grep -qx "$p: option '"'"'$opt'"'"' needs a value: see $p --help" "$TMP/err"'
done
