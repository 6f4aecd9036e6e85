// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor: empty programs on the tracepoints vflow uses, of the same
 * types. With clock set, each also reads bpf_ktime_get_ns() into a per-CPU
 * slot: the least any tracer that measures syscall latency must do.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

const volatile bool clock = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} stamp SEC(".maps");

static __always_inline void floor_work(void)
{
	__u32 zero = 0;
	__u64 *t;

	if (!clock)
		return;
	t = bpf_map_lookup_elem(&stamp, &zero);
	if (t)
		*t = bpf_ktime_get_ns() - *t;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_enter_btf) { floor_work(); return 0; }

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_exit_btf) { floor_work(); return 0; }

SEC("raw_tp/sys_enter")
int BPF_PROG(floor_enter_raw) { floor_work(); return 0; }

SEC("raw_tp/sys_exit")
int BPF_PROG(floor_exit_raw) { floor_work(); return 0; }

/*
 * with --sched: the floor for the other tracepoints vflow attaches to
 * (bench/suite.sh part 5, bench/syscall.sh mode floor-all): sched_switch
 * (parking, sandbox stops and scheduling counts share one program),
 * signal_generate, and cgroup_mkdir (rare: new cgroups' birth).
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(floor_switch_btf) { return 0; }

SEC("raw_tp/sched_switch")
int BPF_PROG(floor_switch_raw) { return 0; }

SEC("tp_btf/signal_generate")
int BPF_PROG(floor_signal_btf) { return 0; }

SEC("raw_tp/signal_generate")
int BPF_PROG(floor_signal_raw) { return 0; }

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(floor_mkdir_btf) { return 0; }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
