#!/usr/bin/env bash
# The KVM programs on a real kernel: they attach where the kvm tracepoints
# exist, the xen ones are reported absent (not an error) where those do not,
# and a real KVM guest (tests/helpers/kvm_guest: a real-mode loop of CPUID,
# OUT to port 0x3f8 and HLT) shows up as a VM with exact counts.
#
# Every skip is a fact of this machine, probed here: no root, no /dev/kvm,
# or a KVM that runs guests without hardware VM exits. Never vflowd's own
# report: a broken exit path also reports no exits.
. "$(dirname "$0")/../lib.sh"

N=500
NAMES=("vflowd stopped cleanly" "kvm programs attached" "xen programs reported absent"
       "guest VM in the report" "port I/O to 0x3f8 counted exactly"
       "exits to user space counted exactly (IO and HLT)" "per-vCPU rows"
       "CPUID, IO and HLT VM exits counted exactly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF)" "${NAMES[@]}"

# Why KVM here takes no hardware VM exits (empty: it does). Without vmx/svm
# a KVM such as PVM (kvm_pvm) emulates the real-mode guest: kvm_exit and
# kvm_entry never fire. With them, kvm_intel or kvm_amd runs the guest.
no_hw_exits_reason() {
	local kvm_mods
	kvm_mods=$(ls /sys/module 2>/dev/null | grep '^kvm' | paste -sd ' ')
	if ! grep -qwE 'vmx|svm' /proc/cpuinfo; then
		echo "no vmx/svm flag in /proc/cpuinfo (KVM modules: ${kvm_mods:-none}): guests run without hardware VM exits"
	elif [ ! -d /sys/module/kvm_intel ] && [ ! -d /sys/module/kvm_amd ]; then
		echo "neither kvm_intel nor kvm_amd is loaded (KVM modules: ${kvm_mods:-none}): guests run without hardware VM exits"
	fi
}

# tap_lines: "PASS<TAB>what", "FAIL<TAB>what<TAB>got", "SKIP<TAB>what<TAB>why" -> TAP
tap_lines() {
	local verdict what detail
	while IFS=$'\t' read -r verdict what detail; do
		case $verdict in
		PASS) ok "$what" ;;
		FAIL) not_ok "$what"; diag "got: $detail" ;;
		SKIP) skip "$what" "$detail" ;;
		*) diag "$verdict $what $detail" ;;
		esac
	done
}

start_vflowd "$TMP/out.jsonl" -i 0.2 || fail_all "vflowd did not start" "${NAMES[@]}"
GUEST_PID= GUEST_RC=
if [ -c /dev/kvm ]; then
	"$BUILD/tests/kvm_guest" "$N" >"$TMP/guest.out" 2>"$TMP/guest.err"
	GUEST_RC=$?
	GUEST_PID=$(awk '/^pid/ { print $2 }' "$TMP/guest.out")
	sleep 0.3
fi
stop_vflowd

tap_lines < <(python3 - "$TMP/out.jsonl" <<'PY'
import json, os, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
probes = {p["name"]: p["live"] for p in last["probes"]}
def tap(ok, what, got=None):
    print("%s\t%s\t%s" % ("PASS" if ok else "FAIL", what, got))
kvm = [n for n in probes if n.startswith("kvm:")]
if os.path.exists("/sys/kernel/tracing/events/kvm/kvm_exit"):
    tap(kvm and all(probes[n] for n in kvm), "kvm programs attached", probes)
else:
    print("SKIP\tkvm programs attached\tno kvm tracepoints on this kernel")
xen = [n for n in probes if n.startswith("xen:")]
if os.path.exists("/sys/kernel/tracing/events/xen"):
    print("SKIP\txen programs reported absent\tthis kernel has xen tracepoints")
else:
    tap(len(xen) == 2 and not any(probes[n] for n in xen), "xen programs reported absent", probes)
PY
)

NAMES=("${NAMES[@]:3}")
[ -c /dev/kvm ] || skip_all "no /dev/kvm on this machine" "${NAMES[@]}"
if [ "$GUEST_RC" -ne 0 ]; then
	fail_all "kvm_guest failed: $(cat "$TMP/guest.err")" "${NAMES[@]}"
fi
tap_lines < <(python3 - "$TMP/out.jsonl" "$GUEST_PID" "$N" "$(no_hw_exits_reason)" <<'PY'
import json, sys
last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
pid, n, no_hw_exits = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def tap(ok, what, got=None):
    print("%s\t%s\t%s" % ("PASS" if ok else "FAIL", what, got))
vm = next((v for v in last["vms"] if v["pid"] == pid), None)
tap(vm is not None, "guest VM in the report", [v["pid"] for v in last["vms"]])
vm = vm or {"reasons": [], "vcpus": []}
rows = {(r["kind"], r["name"]): r for r in vm["reasons"]}
pio = rows.get(("pio", "pio port 0x3f8"), {})
tap(pio.get("count") == n, "port I/O to 0x3f8 counted exactly", pio.get("count"))
io, hlt = rows.get(("userspace", "userspace IO"), {}), rows.get(("userspace", "userspace HLT"), {})
tap(io.get("count") == n and hlt.get("count") == n, "exits to user space counted exactly (IO and HLT)",
    (io.get("count"), hlt.get("count")))
# the guest has one vCPU: rows there must be, every one of them on vCPU 0
vcpus = [r["vcpu"] for r in vm["reasons"]]
tap(len(vcpus) > 0 and all(v == 0 for v in vcpus), "per-vCPU rows", vcpus)
if no_hw_exits:
    print("SKIP\tCPUID, IO and HLT VM exits counted exactly\t%s" % no_hw_exits)
else:
    exits = [r for r in vm["reasons"] if r["kind"] in ("vmx", "svm", "vmexit")]
    by = {r["name"]: r["count"] for r in exits}
    want = [("CPUID", "cpuid"), ("IO_INSTRUCTION", "io"), ("HLT", "hlt")]
    got = [by.get(a, by.get(b)) for a, b in want]
    tap(got == [n, n, n], "CPUID, IO and HLT VM exits counted exactly", by)
PY
)
