/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Scheduling figures of a whole process (all its threads) from /proc: the
 * scheduler's own accounting (schedstat: on-CPU and run-queue ns) and
 * context switches. Used for VMs and sandboxes, which are processes; the
 * per-cgroup figures come from the cgroup's own files (cgroup_cpu.h) and
 * the BPF sched_switch program.
 */
#ifndef VFLOW_PROC_SCHED_H
#define VFLOW_PROC_SCHED_H

#include <linux/types.h>
#include <sys/types.h>

struct proc_sched {
	__u64 oncpu_ns;		/* sum of /proc/PID/task/TID/schedstat field 1 */
	__u64 runq_ns;		/* field 2: time waiting on a run queue */
	__u64 switches_vol, switches_invol;
};

/* Under procfs_root() (procfs.h). 0, or -ENOENT when the process is gone. */
int proc_sched_read(pid_t pid, struct proc_sched *out);

#endif
