#!/usr/bin/env bash
# Bash completion (bash-completion/vflow), driven as readline drives it
# (tests/complete.bash) against the programs built here: every long option
# of each program's --help is offered, and nothing else; each value offered
# for a paradigm, a trap class, a sandbox action or a duration is one the
# program accepts (a wrong value is exit status 2, as the negative control
# shows); vflowdump's commands until one is given, then dump files; files,
# directories, cgroups and pids where an option takes them.
. "$(dirname "$0")/../lib.sh"
COMP=$ROOT/bash-completion/vflow
PROGS=(vflowd vflowtop vflowdump)

NAMES=()
for p in "${PROGS[@]}"; do NAMES+=("$p: completion registered" "$p: every long option of --help, nothing else"); done
NAMES+=("vflowd --web.: the dotted options whole, no space after"
	"vflowd --paradigm: container host vm sandbox, each accepted"
	"vflowd --paradigm=container,s: the list's last item"
	"vflowtop --paradigm: each value accepted"
	"vflowdump -p and -t: each value accepted"
	"negative control: a value the programs refuse exits 2"
	"vflowd --dump-on-slow: units after a number, classes, each accepted"
	"vflowdump: its --help commands first, dump files, no command after one"
	"files: --import any file, --replay *.vfd, --dump-dir directories"
	"vflowtop --pid: this shell's pid"
	"vflowd --cgroup: a cgroup of the cgroup2 hierarchy")
plan ${#NAMES[@]}
[ -r /usr/share/bash-completion/bash_completion ] ||
	skip_all "bash-completion not installed (scripts/deps.sh installs it)" "${NAMES[@]}"
for p in "${PROGS[@]}"; do
	[ -x "$BUILD/$p" ] || fail_all "$BUILD/$p not built: make WERROR=1 test-build" "${NAMES[@]}"
done
# the programs as a shell finds them
export PATH="$BUILD:$PATH"

# offers LINE: the candidates, one per line (and "# nospace")
offers() { bash "$ROOT/tests/complete.bash" "$COMP" "$1"; }
# set_eq A B: the two newline lists hold the same words
set_eq() { [ "$(sort -u <<<"$1")" = "$(sort -u <<<"$2")" ]; }
# accepted PROG OPTION VALUE...: PROG parses OPTION=VALUE for each (argp
# parses in order: --help after it runs only if the value was good)
accepted() {
	local p=$1 o=$2 v
	shift 2
	[ $# -gt 0 ] || return 1
	for v in "$@"; do
		"$p" "$o=$v" --help >/dev/null 2>"$TMP/err" || { diag "$p $o=$v: $(cat "$TMP/err")"; return 1; }
	done
}
# is_only LIST WORD...: LIST holds exactly these words
is_only() { local l=$1; shift; set_eq "$(grep -v '^# ' <<<"$l")" "$(printf '%s\n' "$@")"; }

for p in "${PROGS[@]}"; do
	if bash "$ROOT/tests/complete.bash" "$COMP" "$p " >/dev/null; then
		ok "$p: completion registered"
	else
		not_ok "$p: completion registered"
	fi
	# the options as --help lists them, read here independently: each
	# "--name" in an option line's option column, "=" when it takes a value
	want=$("$p" --help | python3 -c '
import re, sys
for line in sys.stdin:
    if re.match(r"^ +-", line):
        col = re.split(r"  +", line.strip())[0]
        for name, val in re.findall(r"(--[a-z][a-z0-9.-]*)(\[?=)?", col):
            print(name + ("=" if val else ""))')
	got=$(offers "$p --" | grep -v '^# ')
	if [ -n "$want" ] && set_eq "$got" "$want"; then
		ok "$p: every long option of --help, nothing else"
	else
		not_ok "$p: every long option of --help, nothing else"
		diag "missing: $(comm -13 <(sort -u <<<"$got") <(sort -u <<<"$want") | tr '\n' ' ')"
		diag "extra: $(comm -23 <(sort -u <<<"$got") <(sort -u <<<"$want") | tr '\n' ' ')"
	fi
done

got=$(offers "vflowd --web.")
check "vflowd --web.: the dotted options whole, no space after" \
	eval 'is_only "$got" --web.config.file= --web.listen-address= --web.max-connections= \
	      --web.series-ttl= --web.telemetry-path= && grep -qx "# nospace" <<<"$got"'

got=$(offers "vflowd --paradigm ")
# shellcheck disable=SC2046 # one value per word
check "vflowd --paradigm: container host vm sandbox, each accepted" \
	eval 'is_only "$got" container host vm sandbox && accepted vflowd --paradigm $(grep -v "^# " <<<"$got")'
got=$(offers "vflowd --paradigm=container,s")
check "vflowd --paradigm=container,s: the list's last item" is_only "$got" container,sandbox

got=$(offers "vflowtop --paradigm " | grep -v '^# ')
# shellcheck disable=SC2086
check "vflowtop --paradigm: each value accepted" accepted vflowtop --paradigm $got
got_p=$(offers "vflowdump -p " | grep -v '^# ')
got_t=$(offers "vflowdump -t " | grep -v '^# ')
# shellcheck disable=SC2086
check "vflowdump -p and -t: each value accepted" \
	eval 'accepted vflowdump --paradigm $got_p && accepted vflowdump --trap $got_t &&
	      [ "$(wc -l <<<"$got_t")" -ge 15 ]'

# the oracle above must be able to say no
refused() { "$@" --help >/dev/null 2>&1; [ $? -eq 2 ]; }
check "negative control: a value the programs refuse exits 2" \
	eval 'refused vflowd --paradigm=bogus && refused vflowtop --paradigm=vm &&
	      refused vflowdump --trap=nosuchtrap && refused vflowd --dump-on-slow=vm=5xs'

units=$(offers "vflowd --dump-on-slow 50" | grep -v '^# ')
classed=$(offers "vflowd --dump-on-slow vm=5" | grep -v '^# ')
classes=$(offers "vflowd --record-slow " | grep -v '^# ')
# shellcheck disable=SC2086
check "vflowd --dump-on-slow: units after a number, classes, each accepted" \
	eval 'is_only "$units" 50ns 50us 50ms 50s && is_only "$classed" vm=5ns vm=5us vm=5ms vm=5s &&
	      is_only "$classes" syscall= vm= sandbox= && accepted vflowd --dump-on-slow $units $classed &&
	      accepted vflowd --record-slow $(sed "s/=\$/=1ms/" <<<"$classes")'

# a folder of files to complete against
mkdir -p "$TMP/f/sub" && touch "$TMP/f/a.vfd" "$TMP/f/trace.dat" "$TMP/f/notes.txt"
cd "$TMP/f" || exit 1
cmds=$(vflowdump --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }')
first=$(offers "vflowdump ")
after=$(offers "vflowdump summary ")
check "vflowdump: its --help commands first, dump files, no command after one" \
	eval '[ "$(wc -l <<<"$cmds")" -ge 6 ] && is_only "$first" $cmds a.vfd sub && is_only "$after" a.vfd sub'
check "files: --import any file, --replay *.vfd, --dump-dir directories" \
	eval 'is_only "$(offers "vflowd --import ")" a.vfd trace.dat notes.txt sub &&
	      is_only "$(offers "vflowtop --replay ")" a.vfd sub && is_only "$(offers "vflowd --dump-dir ")" sub'
cd "$ROOT" || exit 1

check "vflowtop --pid: this shell's pid" eval 'offers "vflowtop --pid $$" | grep -qx "$$"'

CGROOT=$(cgroup2_root)
if [ "$(id -u)" -ne 0 ] || [ -z "$CGROOT" ]; then
	skip "vflowd --cgroup: a cgroup of the cgroup2 hierarchy" "needs root and a cgroup2 hierarchy to make a cgroup in"
else
	new_cgroup "vflow-test-comp-$$" >/dev/null
	check "vflowd --cgroup: a cgroup of the cgroup2 hierarchy" \
		eval 'offers "vflowd --cgroup /vflow-test-comp-" | grep -qx "/vflow-test-comp-$$"'
fi
