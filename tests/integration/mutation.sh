#!/usr/bin/env bash
# The suite goes red for planted faults: a copy of the source tree and of
# the existing build folder (timestamps kept, so make rebuilds only the BPF
# object, its skeleton, the engine, the library and the binaries a fault
# touches) gets one fault at a time, and the tests that guard against it
# must fail, never skip. The unmutated copy must pass first, or the check
# would prove nothing. Faults:
#  - lat = lat * 3 / 2 in on_kvm_entry: the KVM programs still load (the
#    histogram bound stays in the object) and test_kvm_handlers catches
#    the latency on its exact totals;
#  - a load from a scalar in on_kvm_exit, which the verifier refuses:
#    test_kvm_handlers and test_bpf_load fail quoting the verifier, and
#    vflowd names the refused program in its one-line error;
#  - every staged syscall counted twice in sys_account: vflowd's count of
#    a known workload is wrong.
# About 30 s here, most of it the three rebuilds.
. "$(dirname "$0")/../lib.sh"

N=10007
NAMES=("build folder to copy"
       "unmutated copy: test_kvm_handlers passes"
       "unmutated copy: test_bpf_load passes"
       "unmutated copy: vflowd counts a known workload exactly"
       "lat * 3 / 2 in on_kvm_entry: the KVM programs still load"
       "lat * 3 / 2 in on_kvm_entry: test_kvm_handlers fails, not skips"
       "verifier-refused load in on_kvm_exit: test_kvm_handlers fails, not skips, quoting the verifier"
       "verifier-refused load in on_kvm_exit: test_bpf_load fails, naming kvm_exit"
       "verifier-refused load in on_kvm_exit: vflowd names the program and quotes the verifier"
       "syscall counted twice in sys_account: vflowd's count is wrong")
plan ${#NAMES[@]}

# What the copy needs from the build: the project makes all of it, so a
# missing piece is a failure, never a skip.
NEEDED=(kvm.skel.h syscall.skel.h kvm.tmp.bpf.o syscall.tmp.bpf.o san/lib/libvflow_engine.a san/vflowd
	tests/test_kvm_handlers tests/test_bpf_load tests/sysloop)
for f in "${NEEDED[@]}"; do
	[ -e "$BUILD/$f" ] || fail_all "$BUILD/$f is missing: run make test-build first" "${NAMES[@]}"
done
ok "${NAMES[0]}"
NAMES=("${NAMES[@]:1}")
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF)" "${NAMES[@]}"
[ -r /sys/kernel/btf/vmlinux ] || skip_all "no kernel BTF at /sys/kernel/btf/vmlinux" "${NAMES[@]}"
CG2=$(cgroup2_root)
[ -n "$CG2" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"

# The copy: the tree's files (tracked and untracked, not ignored) and the build, mtimes kept
SRC=$TMP/src
mkdir -p "$SRC"
if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$ROOT" && git ls-files -co --exclude-standard -z | tar --null -T - --ignore-failed-read -cf -) |
		tar -C "$SRC" -xpf -
else
	tar -C "$ROOT" --exclude=./build -cf - . | tar -C "$SRC" -xpf -
fi
cp -a "$BUILD" "$SRC/build"
TARGETS=(build/tests/test_kvm_handlers build/tests/test_bpf_load build/san/vflowd build/tests/sysloop)

# rebuild LABEL: make what the faults touch in the copy; false (with its log) on failure
rebuild() {
	if ! make -C "$SRC" --no-print-directory WERROR=1 "${TARGETS[@]}" >"$TMP/make.log" 2>&1; then
		diag "$1: make failed: $(tail -5 "$TMP/make.log")"
		return 1
	fi
	diag "$1: rebuilt: $(awk '$1 ~ /^(BPF|GEN-OBJ|GEN-SKEL|CC|CC-SAN|CC-TEST|AR|LINK)$/ { sub(/^build\//, "", $2); printf "%s ", $2 }' "$TMP/make.log")"
}

# mutate FILE OLD NEW: replace the one occurrence of OLD in the copy's FILE
mutate() {
	cp -p "$SRC/$1" "$TMP/orig"
	python3 - "$SRC/$1" "$2" "$3" <<'PY'
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
if text.count(old) != 1:
    sys.exit("mutation anchor found %d times in %s: %r" % (text.count(old), path, old))
open(path, "w").write(text.replace(old, new))
PY
}
# unmutate FILE: the copy's FILE as it was (a new mtime: make rebuilds from it)
unmutate() { cp "$TMP/orig" "$SRC/$1"; }

# run_test NAME: run the copy's unit binary NAME; output in $TMP/NAME.out, status in RC
run_test() {
	(cd "$SRC" && timeout 120 "build/tests/$1") >"$TMP/$1.out" 2>&1
	RC=$?
}
failures() { grep -E '^not ok' "$TMP/$1.out" | grep -cvE '# *SKIP'; }
skips() { grep -cE '^(not )?ok.*# *SKIP' "$TMP/$1.out"; }
# passes NAME: exit 0 and no failure; red NAME: non-zero, failures, and no skip at all
passes() { [ "$RC" -eq 0 ] && [ "$(failures "$1")" -eq 0 ]; }
red() { [ "$RC" -ne 0 ] && [ "$(failures "$1")" -gt 0 ] && [ "$(skips "$1")" -eq 0 ]; }
show() { diag "status $RC: $(grep -vE '^ok ' "$TMP/$1.out" | head -8 | tr '\n' ' ')"; }

# count_getppid LABEL: the copy's vflowd, filtered to a new cgroup in which
# sysloop makes exactly N getppid calls; GOT is the count it reported
count_getppid() {
	local cg cgid out=$TMP/$1.jsonl pid
	GOT="no report"
	cg=$(new_cgroup "vflow-mutation-$$-$1") || return 1
	cgid=$(stat -c %i "$cg")
	"$SRC/build/san/vflowd" --json -i 0.2 --cgroup "${cg#"$CG2"}" >"$out" 2>"$out.err" &
	pid=$!
	on_exit "kill $pid; wait $pid"
	# until the first report, or until vflowd gives up
	wait_for 20 eval "test -s '$out' || ! kill -0 $pid 2>/dev/null"
	if [ ! -s "$out" ]; then
		diag "$1: vflowd did not report: $(head -3 "$out.err")"
		return 1
	fi
	run_in_cgroup "$cg" "$SRC/build/tests/sysloop" "$N"
	kill -INT "$pid"
	wait "$pid" || { diag "$1: vflowd exited with $?: $(tail -3 "$out.err")"; return 1; }
	GOT=$(python3 - "$out" "$cgid" <<'PY'
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
ent = next((e for e in last["entities"] if e["cgroup_id"] == int(sys.argv[2])), {"syscalls": []})
print(next((r["count"] for r in ent["syscalls"] if r["name"] == "getppid"), "none"))
PY
)
}

# -- the unmutated copy: green, or nothing below means anything
if ! rebuild "unmutated"; then
	fail_all "the unmutated copy does not build" "${NAMES[@]}"
fi
run_test test_kvm_handlers
# root and BTF are here (probed above): a skip would make the check vacuous
if passes test_kvm_handlers && [ "$(skips test_kvm_handlers)" -eq 0 ]; then ok "${NAMES[0]}"; else
	not_ok "${NAMES[0]}"; show test_kvm_handlers; fi
run_test test_bpf_load
if passes test_bpf_load; then ok "${NAMES[1]}"; else not_ok "${NAMES[1]}"; show test_bpf_load; fi
count_getppid unmutated
if [ "$GOT" = "$N" ]; then ok "${NAMES[2]}"; else not_ok "${NAMES[2]}"; diag "getppid: got $GOT, want $N"; fi

# -- an error in the exit latency
if mutate bpf/kvm.bpf.c $'\tlat = now - st->exit_ns;\n' $'\tlat = now - st->exit_ns;\n\tlat = lat * 3 / 2;\n' &&
   rebuild "lat * 3 / 2"; then
	run_test test_bpf_load
	if passes test_bpf_load; then ok "${NAMES[3]}"; else not_ok "${NAMES[3]}"; show test_bpf_load; fi
	run_test test_kvm_handlers
	if red test_kvm_handlers; then ok "${NAMES[4]}"; else not_ok "${NAMES[4]}"; show test_kvm_handlers; fi
else
	not_ok "${NAMES[3]}"; not_ok "${NAMES[4]}"
fi
unmutate bpf/kvm.bpf.c

# -- a program the verifier refuses
if mutate bpf/kvm.bpf.c $'\tst->code = reason;\n' $'\tst->code = *(__u64 *)(unsigned long)reason;\n' &&
   rebuild "verifier-refused load"; then
	run_test test_kvm_handlers
	if red test_kvm_handlers && grep -q "verifier refused BPF program kvm_test_event of kvm_bpf .*invalid mem access" \
		"$TMP/test_kvm_handlers.out"; then ok "${NAMES[5]}"; else not_ok "${NAMES[5]}"; show test_kvm_handlers; fi
	run_test test_bpf_load
	if [ "$RC" -ne 0 ] && grep -q "^not ok [0-9]* - kvm_bpf: kvm_exit " "$TMP/test_bpf_load.out" &&
	   grep -q "^# the kernel's verifier refused BPF program kvm_exit of kvm_bpf .*invalid mem access" \
		"$TMP/test_bpf_load.out"; then ok "${NAMES[6]}"; else not_ok "${NAMES[6]}"; show test_bpf_load; fi
	"$SRC/build/san/vflowd" -d 1 >"$TMP/vflowd.out" 2>"$TMP/vflowd.err"
	RC=$?
	# one line, naming the program, with the verifier's reason and the source line
	if [ "$RC" -eq 1 ] && [ "$(grep -vc '^==' "$TMP/vflowd.err")" -eq 1 ] &&
	   grep -qE "^vflowd: the kernel's verifier refused BPF program kvm_exit of kvm_bpf \(Permission denied\); its log ends: kvm\.bpf\.c:[0-9]+: st->code = .* \| [0-9]+: .* \| R[0-9] invalid mem access 'scalar'" \
		"$TMP/vflowd.err"; then ok "${NAMES[7]}"; else
		not_ok "${NAMES[7]}"; diag "status $RC, stderr: $(cat "$TMP/vflowd.err")"; fi
else
	not_ok "${NAMES[5]}"; not_ok "${NAMES[6]}"; not_ok "${NAMES[7]}"
fi
unmutate bpf/kvm.bpf.c

# -- a wrong count on the syscall path
if mutate bpf/syscall.bpf.c $'\t\tst->val.count += 1;\n}\n' $'\t\tst->val.count += 1;\n\tst->val.count += 1;\n}\n' &&
   rebuild "syscall counted twice"; then
	count_getppid counted-twice
	# a number, and not N: the exact-count check sees the fault
	if [[ $GOT =~ ^[0-9]+$ ]] && [ "$GOT" -ne "$N" ]; then ok "${NAMES[8]}"; diag "getppid: reported $GOT for $N calls"
	else not_ok "${NAMES[8]}"; diag "getppid: got '$GOT' for $N calls"; fi
else
	not_ok "${NAMES[8]}"
fi
