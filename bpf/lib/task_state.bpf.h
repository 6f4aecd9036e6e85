/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A thread's state on the syscall path: the syscall in progress and what
 * a sandboxed thread went through since its last syscall, in task
 * storage; and each CPU's slot, which holds the syscall in progress of
 * the thread on that CPU when pairing goes through the CPU (the default:
 * no map lookup), and the CPU's sampling state. Shared by the syscall
 * pairing and the sandbox inference.
 */
#ifndef VFLOW_TASK_STATE_BPF_H
#define VFLOW_TASK_STATE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* enter_ns of a syscall entered but not timed (sampled timing): no clock reads at 1 ns */
#define ENTER_UNTIMED 1ULL

struct task_state {
	__u64 enter_ns;		/* 0: no syscall in progress; ENTER_UNTIMED: not timed */
	__u32 nr;
	__u32 pad;
	__u64 stop_ns;		/* slept or stopped outside an entered syscall; 0: no */
	__u16 stop_state;	/* its prev_state at that sched_switch (task states fit 16 bits) */
	__u16 sigsys_code;	/* pending SIGSYS si_code from seccomp, 0: none */
	__u32 pad2;
};

struct cpu_slot {
	__u64 enter_ns;		/* as in struct task_state, for the thread tid */
	__u32 nr;
	__u32 tid;		/* owner of the syscall in the slot */
	__u32 sys_sampled;	/* the flight recorder: syscalls since its last sample */
	__u32 time_countdown;	/* sampled timing: syscalls until the next timed one */
	__u32 time_rng;		/* sampled timing: xorshift32 state, 0: not seeded */
	__u32 pad;
};	/* 32 bytes: a CPU's slot never straddles a cache line */

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} task_states SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_slot);
} cpu_slot SEC(".maps");

static __always_inline struct cpu_slot *slot_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&cpu_slot, &zero);
}

#endif
