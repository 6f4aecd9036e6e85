#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# The shape of the tree, checked (tests/integration/layers.sh runs it):
#  - user/LAYERS lists the layers of user/, lowest first. A file includes
#    headers of its own layer and of the layers listed before it, never
#    one listed after it; folders on one line (the programs) never include
#    each other. Every folder of user/ is listed.
#  - Every project include names its layer ("core/snapshot.h"), or is
#    include/vflow.h or a generated header (BPF skeletons: user/engine
#    only; the syscall table: user/core only). BPF objects include their
#    helpers as "lib/NAME.bpf.h".
#  - A library's headers only where that library is linked: libbpf in
#    user/engine, libmicrohttpd, GnuTLS, libyaml and libcrypt in user/serve, zlib
#    in user/record, libtracecmd and libtraceevent in user/source,
#    ncurses in user/vflowtop, libcurl and json-c in user/host (its
#    runtime_*.c files, which only vflowd and vflowtop link).
#  - docs/ARCHITECTURE.md describes every folder of user/LAYERS.
#  - A header NAME_internal.h is private to its folder.
#  - No include cycle.
#  - user/core opens no file, socket or process.
#  - No source file over MAX_FILE_LINES lines and no function body over
#    MAX_FUNC_LINES lines in user/, bpf/ and include/.
#  - Each bpf/lib/ header compiles on its own.
# scripts/check-layers.allow lists what is allowed anyway, each with its
# reason; an entry that no longer matches anything is an error too, so the
# list only shrinks.
#
# One line per problem, "FILE:LINE: what: what to do", then
#   # layers: N files, N includes, N problems
# and status 1 on any problem.
#
# usage: scripts/check-layers.sh [--root DIR] [--no-compile]
#   --root DIR    check the tree at DIR (default: this script's tree)
#   --no-compile  skip compiling the bpf/lib headers (no clang needed)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
compile=1
while [ $# -gt 0 ]; do
	case $1 in
	--root) ROOT=$(cd "$2" && pwd) || exit 2; shift ;;
	--no-compile) compile=0 ;;
	-h|--help) sed -n '3,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "check-layers: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
cd "$ROOT" || exit 2

MAX_FILE_LINES=600
MAX_FUNC_LINES=80
LAYERS_FILE=user/LAYERS
ALLOW_FILE=scripts/check-layers.allow
ARCH_DOC=docs/ARCHITECTURE.md
# "HEADER-PATTERN FOLDER": a library's headers, and the one folder whose
# objects the Makefile links with that library
LIBRARY_HEADERS=(
	"bpf/* engine"
	"microhttpd.h serve"
	"gnutls/* serve"
	"yaml.h serve"
	"crypt.h serve"
	"zlib.h record"
	"curl/* host"
	"json-c/* host"
	"trace-cmd.h source"
	"event-parse.h source"
	"curses.h vflowtop"
	"ncurses*.h vflowtop"
)

problems=0
nr_includes=0
problem() {
	echo "$1: $2"
	problems=$((problems + 1))
}

# ---- the declared order: rank of each folder ----
declare -A rank
r=0
[ -r "$LAYERS_FILE" ] || { echo "$LAYERS_FILE: missing: it declares the layers" ; exit 1; }
# shellcheck disable=SC2094 # problem() writes to stdout, not to the file read
while read -r line; do
	line=${line%%#*}
	[ -n "${line// /}" ] || continue
	for folder in $line; do
		[ -z "${rank[$folder]:-}" ] || problem "$LAYERS_FILE" "$folder listed twice: list each folder once"
		rank[$folder]=$r
		[ -d "user/$folder" ] || problem "$LAYERS_FILE" "user/$folder does not exist: remove it or create it"
	done
	r=$((r + 1))
done <"$LAYERS_FILE"
for d in user/*/; do
	d=${d%/}
	[ -n "${rank[${d#user/}]:-}" ] ||
		problem "$d" "a folder not in $LAYERS_FILE: add it at its place in the order"
done
# the architecture page describes every layer
for folder in "${!rank[@]}"; do
	grep -q "\`user/$folder\`" "$ARCH_DOC" 2>/dev/null ||
		problem "$ARCH_DOC" "user/$folder is not described: add it to the table of layers"
done

# ---- the allow-list: "KIND WHAT reason"; KIND is size, function (WHAT is FILE:NAME) or io ----
declare -A allowed used
if [ -r "$ALLOW_FILE" ]; then
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		line=${line%%#*}
		read -r kind what reason <<<"$line"
		[ -n "${kind:-}" ] || continue
		case $kind in
		size|function|io) ;;
		*) problem "$ALLOW_FILE:$n" "unknown kind '$kind': size, function or io"; continue ;;
		esac
		if [ -z "${reason:-}" ]; then
			problem "$ALLOW_FILE:$n" "$kind $what has no reason: say why it is allowed"
			continue
		fi
		allowed["$kind $what"]=$n
	done <"$ALLOW_FILE"
fi
# allow KIND WHAT: is this violation listed? (and mark the entry used)
allow() {
	[ -n "${allowed["$1 $2"]:-}" ] || return 1
	used["$1 $2"]=1
}

# ---- includes ----
mapfile -t sources < <(find user bpf include -name '*.[ch]' | sort)
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
layer_of() { local p=${1#user/}; echo "${p%%/*}"; }

declare -A outside
for f in "${sources[@]}"; do
	case $f in
	user/*/*) ;;
	user/*) outside[$f]=1; problem "$f" "a file outside every layer: move it into the folder of its layer" ;;
	esac
done
while IFS=: read -r f ln inc; do
	[ -z "${outside[$f]:-}" ] || continue
	case $f in
	user/*) own=$(layer_of "$f") ;;
	*) own= ;;
	esac
	nr_includes=$((nr_includes + 1))
	where="$f:$ln"
	case $inc in
	\<*)
		hdr=${inc#<}; hdr=${hdr%>}
		for entry in "${LIBRARY_HEADERS[@]}"; do
			read -r pat lib_folder <<<"$entry"
			# shellcheck disable=SC2053 # a glob on purpose
			if [[ $hdr == $pat ]] && [[ $f == user/* ]] && [ "$own" != "$lib_folder" ]; then
				problem "$where" "<$hdr> outside user/$lib_folder: only user/$lib_folder links its library; call through that layer"
			fi
		done
		continue ;;
	esac
	hdr=${inc#\"}; hdr=${hdr%\"}
	case $f in
	bpf/*)
		case $hdr in
		vmlinux.h|vflow.h) ;;
		lib/*.bpf.h) [ -f "bpf/$hdr" ] || problem "$where" "no bpf/$hdr" ;;
		*) problem "$where" "\"$hdr\": BPF code includes vmlinux.h, vflow.h and \"lib/NAME.bpf.h\"" ;;
		esac
		[[ $hdr == lib/* ]] && echo "$f bpf/$hdr" >>"$edges"
		continue ;;
	include/*)
		problem "$where" "include/ is the header BPF and user space share: it includes nothing of the project"
		continue ;;
	esac
	case $hdr in
	vflow.h) continue ;;
	*.skel.h)
		[ "$own" = engine ] ||
			problem "$where" "a BPF skeleton outside user/engine: the engine is the only libbpf user"
		continue ;;
	syscall_names.h)
		[ "$own" = core ] ||
			problem "$where" "the generated syscall table outside user/core: use core/syscalls.h"
		continue ;;
	*/*) ;;
	*)
		hint=$(cd user && find . -mindepth 2 -maxdepth 2 -name "$hdr" -printf '%P\n' | sort | head -1)
		problem "$where" "\"$hdr\" does not name its layer: write \"${hint:-LAYER/$hdr}\""
		continue ;;
	esac
	if [ ! -f "user/$hdr" ]; then
		problem "$where" "no such header user/$hdr"
		continue
	fi
	echo "$f user/$hdr" >>"$edges"
	to=${hdr%%/*}
	if [ "${rank[$to]}" -gt "${rank[$own]}" ]; then
		problem "$where" "\"$hdr\" points up the layers ($own may not include $to, see $LAYERS_FILE): move what is needed down, or this code up"
	elif [ "${rank[$to]}" -eq "${rank[$own]}" ] && [ "$to" != "$own" ]; then
		problem "$where" "\"$hdr\": $own and $to are peers and never include each other: move what both need down a layer"
	fi
	if [[ $hdr == *_internal.h ]] && [ "$to" != "$own" ]; then
		problem "$where" "\"$hdr\" is private to user/$to: include its public header"
	fi
done < <(grep -nHE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "${sources[@]}" |
	 sed -E 's/^([^:]*):([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*([<"][^>"]*[>"]).*/\1:\2:\3/')

# cycles: tsort names the files of a loop
if ! tsort "$edges" >/dev/null 2>"$edges.err"; then
	loop=$(grep -v 'input contains a loop' "$edges.err" | sed 's/^tsort: //' | tr '\n' ' ')
	problem "${loop%% *}" "an include cycle: ${loop% }: break it (move what both need into a third header)"
fi
rm -f "$edges.err"

# ---- user/core opens no file, socket or process ----
io_re='\b(fopen|fdopen|freopen|open|openat|opendir|readlink|socket|fork|vfork|popen|execv|execvp|execve|stat|lstat)[[:space:]]*\('
for f in $(find user/core -name '*.c' 2>/dev/null | sort); do
	if grep -qE "$io_re" "$f"; then
		allow io "$f" && continue
		ln=$(grep -nE "$io_re" "$f" | head -1 | cut -d: -f1)
		problem "$f:$ln" "I/O in user/core: core computes on what it is given; read in user/host and pass the data in"
	fi
done

# ---- sizes ----
while read -r n f; do
	[ "$f" != total ] || continue
	if [ "$n" -gt "$MAX_FILE_LINES" ] && ! allow size "$f"; then
		problem "$f" "$n lines, over $MAX_FILE_LINES: split it by concern, or give the reason in $ALLOW_FILE"
	fi
done < <(wc -l "${sources[@]}")
# a function's body: from "{" alone on a line to the next "}" alone on a line (kernel style)
while read -r f ln name n; do
	if [ "$n" -gt "$MAX_FUNC_LINES" ] && ! allow function "$f:$name"; then
		problem "$f:$ln" "$name() is $n lines, over $MAX_FUNC_LINES: split it, or give the reason in $ALLOW_FILE"
	fi
done < <(awk '
	FNR == 1 { sig = ""; sigline = 0; infn = 0 }
	!infn && /^[A-Za-z_].*\(/ { sig = $0; sigline = FNR }
	!infn && /^\{$/ && sig != "" {
		name = sig
		sub(/\(.*/, "", name); sub(/.*[^A-Za-z0-9_]/, "", name)
		if (name ~ /^[A-Z0-9_]+$/) {	# BPF_PROG(name, ...): the program
			arg = sig; sub(/^[^(]*\(/, "", arg); sub(/[,)].*/, "", arg); name = arg
		}
		infn = 1; start = FNR; next
	}
	infn && /^\}$/ { print FILENAME, sigline, name, FNR - start - 1; infn = 0; sig = "" }
' "${sources[@]}")

for key in "${!allowed[@]}"; do
	[ -n "${used[$key]:-}" ] ||
		problem "$ALLOW_FILE:${allowed[$key]}" "'$key' no longer applies: remove the line"
done

# ---- bpf/lib headers compile on their own ----
if ((compile)); then
	CLANG=${CLANG:-clang}
	ARCH=${ARCH:-$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')}
	if ! command -v "$CLANG" >/dev/null; then
		problem "bpf/lib" "$CLANG is not installed (scripts/deps.sh): it builds the BPF objects"
	else
		for h in bpf/lib/*.bpf.h; do
			[ -e "$h" ] || continue
			if ! out=$(echo "#include \"${h#bpf/}\"" | "$CLANG" -target bpf -D__TARGET_ARCH_"$ARCH" \
				   -Ivmlinux/"$ARCH" -Iinclude -Ibpf -Wall -Wextra -Wno-unused-parameter -Werror -fsyntax-only -x c - 2>&1); then
				problem "$h" "does not compile on its own: include what it uses: $(echo "$out" | grep -m1 'error:')"
			fi
		done
	fi
fi

echo "# layers: ${#sources[@]} files, $nr_includes includes, $problems problems"
[ "$problems" -eq 0 ]
