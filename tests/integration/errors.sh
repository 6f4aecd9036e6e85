#!/usr/bin/env bash
# Each way vflowd cannot start gives one line on stderr that says what to
# do, and a non-zero exit.
. "$(dirname "$0")/../lib.sh"
plan 9

# expect_error "what" STATUS PATTERN command...
expect_error() {
	local what=$1 want=$2 pattern=$3; shift 3
	local rc lines
	"$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	lines=$(grep -vc '^==' "$TMP/err")	# ASan banners would be a failure anyway
	if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && grep -qE "$pattern" "$TMP/err" && [ ! -s "$TMP/out" ]; then
		ok "$what"
	else
		not_ok "$what"
		diag "status $rc (want $want), stderr: $(cat "$TMP/err")"
	fi
}

expect_error "unknown option" 2 "^vflowd: unknown option '--bogus': see vflowd --help$" "$VFLOWD" --bogus
expect_error "option without its value" 2 "needs a value" "$VFLOWD" --interval
expect_error "interval out of range" 2 "^vflowd: invalid value '0' for --interval: give a number" "$VFLOWD" -i 0
expect_error "interval not a number" 2 "invalid value 'abc'" "$VFLOWD" --interval abc
expect_error "stray argument" 2 "unexpected argument 'foo'" "$VFLOWD" foo

if [ "$(id -u)" -ne 0 ]; then
	for t in "fault: not root" "fault: tracefs unmountable" "fault: no kernel BTF" "fault: bpf() denied"; do
		skip "$t" "needs root to set up the failure"
	done
	exit 0
fi

expect_error "fault: not root" 1 "needs root, or CAP_BPF and CAP_PERFMON: run it with sudo" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$VFLOWD" -d 1

# tracefs unmounted in a private mount namespace, and no CAP_SYS_ADMIN to mount it
if unshare -m true 2>/dev/null; then
	expect_error "fault: tracefs unmountable" 1 "tracefs is not mounted at /sys/kernel/tracing and mounting it failed .*mount -t tracefs" \
		unshare -m sh -c 'umount -l /sys/kernel/tracing 2>/dev/null; exec setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin "$0" -d 1' "$VFLOWD"
	expect_error "fault: no kernel BTF" 1 "no kernel BTF at /sys/kernel/btf/vmlinux: .*CONFIG_DEBUG_INFO_BTF" \
		unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$0" -d 1' "$VFLOWD"
else
	skip "fault: tracefs unmountable" "unshare -m refused"
	skip "fault: no kernel BTF" "unshare -m refused"
fi
# a real seccomp filter fails bpf() with EPERM while vflowd holds every
# capability: the message must name that filter, not sysctls or lockdown
expect_error "fault: bpf() denied" 1 "^vflowd: bpf\(\) was denied \(Operation not permitted\) although this process holds the capabilities it needs: it runs under a seccomp filter" \
	"$BUILD/tests/seccomp_errno" "$(nr_of bpf)" "$VFLOWD" -d 1
