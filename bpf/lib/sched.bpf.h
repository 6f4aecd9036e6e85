/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The scheduling half of the model (syscall.bpf.c calls it from its
 * sched_switch program): per cgroup, on-CPU time, voluntary and
 * involuntary context switches, and the run-queue wait from
 * sched_wakeup(_new) to sched_switch-in as a log2 histogram. For a VM
 * this is the host half of the document's two-level scheduling. tp_btf
 * only: it needs the next task, which raw_tp cannot hand to task storage.
 */
#ifndef VFLOW_SCHED_BPF_H
#define VFLOW_SCHED_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vflow.h"
#include "lib/events.bpf.h"
#include "lib/trap.bpf.h"

struct sched_task {
	__u64 wakeup_ns;	/* 0: no wakeup pending */
};

/* When the task now on this CPU switched in (0: idle, or not seen): its on-CPU time starts there. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} sched_cpu_since SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sched_task);
} sched_tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VFLOW_MAX_SCHED_KEYS);
	__type(key, __u64);	/* cgroup v2 id */
	__type(value, struct vflow_sched_val);
} sched_stats SEC(".maps");

static const struct vflow_sched_val sched_zero;

static __always_inline struct vflow_sched_val *sched_val_get(struct task_struct *t)
{
	__u64 cgid = t->cgroups->dfl_cgrp->kn->id;
	struct vflow_sched_val *v = bpf_map_lookup_elem(&sched_stats, &cgid);

	if (v)
		return v;
	bpf_map_update_elem(&sched_stats, &cgid, &sched_zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(&sched_stats, &cgid);
	if (!v)
		counter_inc(VFLOW_CNT_SCHED_KEYS_FULL);
	return v;
}

static __always_inline void sched_on_wakeup(struct task_struct *p)
{
	struct sched_task *st = bpf_task_storage_get(&sched_tasks, p, 0,
						     BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (st)
		st->wakeup_ns = bpf_ktime_get_ns();
}

/*
 * Called from the syscall path's sched_switch program (one program per
 * switch, not two). prev's on-CPU time runs from the switch that brought
 * it in, kept per CPU; next's run-queue wait from its wakeup, kept in its
 * task storage (created at the wakeup, never here).
 */
static __always_inline void sched_on_switch(bool preempt, struct task_struct *prev,
					    struct task_struct *next, __u32 prev_state)
{
	struct sched_task *st;
	struct vflow_sched_val *v;
	__u32 zero = 0;
	__u64 now, *since = bpf_map_lookup_elem(&sched_cpu_since, &zero);

	if (!since)
		return;
	now = bpf_ktime_get_ns();
	/* the idle task (pid 0) is not a workload */
	if (prev->pid) {
		v = sched_val_get(prev);
		if (v) {
			if (*since && now > *since)
				v->oncpu_ns += now - *since;
			if (preempt || !prev_state)
				v->switches_invol += 1;
			else
				v->switches_vol += 1;
		}
	}
	*since = next->pid ? now : 0;
	if (!next->pid)
		return;
	st = bpf_task_storage_get(&sched_tasks, next, 0, 0);
	if (!st || !st->wakeup_ns)
		return;
	if (now > st->wakeup_ns) {
		v = sched_val_get(next);
		if (v)
			trap_val_account(&v->runq, now - st->wakeup_ns);
	}
	st->wakeup_ns = 0;
}

#endif
