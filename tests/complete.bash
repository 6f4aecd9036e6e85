#!/usr/bin/env bash
# Complete a command line as bash's readline would, through
# bash-completion, and print the candidates one per line.
#   bash tests/complete.bash FILE|- 'LINE'
# FILE is the completion file to source; "-" lets bash-completion's loader
# find the command's file where it is installed (as in an interactive
# shell). The cursor is at the end of LINE; a LINE ending in a space
# completes a new word. A last line "# nospace" says the function asked
# readline not to add a space. Exit 1 if no function completes the command.
set -u
[ $# -eq 2 ] || { echo "usage: tests/complete.bash FILE|- 'LINE'" >&2; exit 2; }
file=$1 line=$2
# shellcheck source=/dev/null
. /usr/share/bash-completion/bash_completion || exit 1

# compopt works only inside readline's completion: record what it is asked
NOSPACE=false
compopt() { [[ " $* " == *" -o nospace "* ]] && NOSPACE=true; return 0; }

read -ra COMP_WORDS <<<"$line"
[[ $line == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
cmd=${COMP_WORDS[0]}

if [ "$file" = - ]; then
	_completion_loader "$cmd"
else
	# shellcheck source=/dev/null
	. "$file" || exit 1
fi
spec=$(complete -p "$cmd" 2>/dev/null) || exit 1
func=$(sed -nE 's/.* -F ([^ ]+) .*/\1/p' <<<"$spec")
[ -n "$func" ] || exit 1
COMPREPLY=()
"$func" "$cmd" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}"
! $NOSPACE || echo "# nospace"
exit 0
