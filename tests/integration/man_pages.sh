#!/usr/bin/env bash
# The man pages make builds (build/man, scripts/gen-man.sh: help2man over
# the program built here, man/PROGRAM.h2m): in their sections, readable
# by man without a warning, their NAME line --help's description (what
# whatis and apropos index), every option of --help in the page, and the
# include file's sections there.
. "$(dirname "$0")/../lib.sh"
declare -A SECTION=([vflowd]=8 [vflowtop]=8 [vflowdump]=1)
PROGS=(vflowd vflowtop vflowdump)
PER_PROG=4
plan $((${#PROGS[@]} * PER_PROG))
command -v man >/dev/null && command -v lexgrog >/dev/null ||
	skip_all "man-db not installed (man, lexgrog)" $(seq $((${#PROGS[@]} * PER_PROG)))

for p in "${PROGS[@]}"; do
	page=$BUILD/man/$p.${SECTION[$p]}
	if [ ! -s "$page" ] || [ ! -x "$BUILD/$p" ]; then
		for _ in $(seq "$PER_PROG"); do not_ok "$p: $page built (make WERROR=1 test-build)"; done
		continue
	fi
	up=${p^^}
	check "$p: section ${SECTION[$p]}, its version" \
		eval 'grep -q "^\.TH $up \"${SECTION[$p]}\" .*\"$("$BUILD/$p" --version)\"" "$page"'

	# groff's warnings as man shows them (fonts, escapes, line breaks)
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" >"$TMP/$p.txt" 2>"$TMP/$p.warn"
	if [ -s "$TMP/$p.txt" ] && [ ! -s "$TMP/$p.warn" ]; then
		ok "$p: man renders it without a warning"
	else
		not_ok "$p: man renders it without a warning"; sed 's/^/# /' "$TMP/$p.warn" | head -5
	fi

	# whatis: "vflowd - <the description line of --help>"
	want=$("$BUILD/$p" --help | awk '/^Usage: |^  or:  / { next } { print; exit }' | sed -E 's/[.:]$//')
	got=$(lexgrog "$page" 2>&1)
	if grep -qiF -- "$p - $want" <<<"$(tr -s ' ' <<<"$got")"; then
		ok "$p: whatis entry is --help's description"
	else
		not_ok "$p: whatis entry is --help's description"; diag "lexgrog: $got"; diag "--help: $want"
	fi

	# every long option --help lists, in the rendered page; the include's sections
	missing=''
	for o in $("$BUILD/$p" --help | grep -E '^ +-' | grep -oE -- '--[a-z][a-z0-9.-]*' | sort -u); do
		grep -qF -- "$o" "$TMP/$p.txt" || missing+=" $o"
	done
	sections=$(grep -E '^[A-Z][A-Z ]+$' "$TMP/$p.txt" | tr '\n' ,)
	if [ -z "$missing" ] && [[ $sections == *FILES,* ]] && [[ $sections == *"SEE ALSO,"* ]]; then
		ok "$p: every option of --help, FILES and SEE ALSO"
	else
		not_ok "$p: every option of --help, FILES and SEE ALSO"; diag "missing:$missing; sections: $sections"
	fi
done
