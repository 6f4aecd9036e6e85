#!/usr/bin/env bash
# A program's man page from its own --help and --version (help2man), plus
# the sections --help has no room for (FILES, SIGNALS, EXIT STATUS, SEE
# ALSO) from an include file: the options can never drift from the
# program. The NAME line is --help's description line.
#   scripts/gen-man.sh PROGRAM SECTION INCLUDE OUT
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: scripts/gen-man.sh PROGRAM SECTION INCLUDE OUT" >&2; exit 2; }
prog=$1 section=$2 include=$3 out=$4
command -v help2man >/dev/null || { echo "gen-man: help2man is missing: scripts/deps.sh installs it" >&2; exit 1; }

# the first line after "Usage: ..." and its "  or:  ..." lines, as a whatis
# entry: lowercase first letter, no final stop or colon
help=$("$prog" --help)
desc=$(awk '/^Usage: |^  or:  / { next } { print; exit }' <<<"$help")
[ -n "$desc" ] || { echo "gen-man: $prog --help has no description line after its usage" >&2; exit 1; }
desc=$(printf '%s\n' "$desc" | sed -E 's/[.:]$//; s/^(.)/\L\1/')

mkdir -p "$(dirname "$out")"
# C locale: the page does not depend on who builds it
LC_ALL=C help2man --no-info --section="$section" --name="$desc" --include="$include" \
	--output="$out.tmp" "$prog"
mv "$out.tmp" "$out"
