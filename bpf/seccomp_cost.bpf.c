// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Optional enrichment where the kernel allows fentry/fexit (production
 * hosts usually do; the development machines do not): the cost of running
 * the seccomp filters themselves, per process, as a log2 histogram, and
 * the number of user-notify ioctls. The engine probes by loading; where it
 * fails, the syscall path's inferences stand alone.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "vflow.h"
#include "lib/trap.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} filter_start SEC(".maps");

/* key: tgid; value: count, time and histogram of filter runs */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VFLOW_MAX_SANDBOX_KEYS);
	__type(key, __u32);
	__type(value, struct vflow_trap_val);
} filter_cost SEC(".maps");

SEC("fentry/__seccomp_filter")
int BPF_PROG(seccomp_filter_enter)
{
	__u32 zero = 0;
	__u64 *t = bpf_map_lookup_elem(&filter_start, &zero);

	if (t)
		*t = bpf_ktime_get_ns();
	return 0;
}

/* __seccomp_filter() runs with preemption possible only around user
 * notification, which the per-CPU start would then misattribute: such
 * runs are the notify round trips, timed on the syscall path instead. */
SEC("fexit/__seccomp_filter")
int BPF_PROG(seccomp_filter_exit)
{
	__u32 zero = 0, pid = bpf_get_current_pid_tgid() >> 32;
	__u64 *t = bpf_map_lookup_elem(&filter_start, &zero), lat;
	struct vflow_trap_val *v;

	if (!t || !*t)
		return 0;
	lat = bpf_ktime_get_ns() - *t;
	*t = 0;
	v = trap_val_get(&filter_cost, &pid);
	if (v)
		trap_val_account(v, lat);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
