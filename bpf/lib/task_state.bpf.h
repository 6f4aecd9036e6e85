/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A thread's state on the syscall path: the syscall in progress (in the
 * CPU's slot, or parked in task storage when the thread leaves the CPU
 * inside it), and what a sandboxed thread went through since its last
 * syscall. Shared by the syscall pairing and the sandbox inference.
 */
#ifndef VFLOW_TASK_STATE_BPF_H
#define VFLOW_TASK_STATE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct task_state {
	__u64 enter_ns;		/* 0: no syscall in progress */
	__u32 nr;
	__u32 tid;		/* owner of a CPU slot */
	__u64 stop_ns;		/* slept or stopped outside an entered syscall; 0: no */
	__u16 stop_state;	/* its prev_state at that sched_switch (task states fit 16 bits) */
	__u16 sigsys_code;	/* pending SIGSYS si_code from seccomp, 0: none */
	__u32 sys_sampled;	/* CPU slot only: syscalls since the last sample */
};	/* 32 bytes: a CPU's slot never straddles a cache line */

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} task_states SEC(".maps");

#endif
