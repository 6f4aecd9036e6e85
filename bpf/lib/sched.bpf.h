/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The scheduling half of the model, where the kernel keeps no per-cgroup
 * counter (syscall.bpf.c calls it from its sched_switch program): per
 * cgroup, voluntary and involuntary context switches, and the run-queue
 * wait of each switch-in as a log2 histogram. On-CPU time and run-queue
 * pressure per cgroup are the kernel's own (cpu.stat, cpu.pressure),
 * read by user space (docs/PERFORMANCE.md says why).
 *
 * The wait is the scheduler's own: sched_info.last_queued is when the
 * task was put on a run queue (woken, or preempted while runnable), in
 * the run queue's clock; at the switch that runs it the kernel adds
 * rq->clock - last_queued to its run_delay (/proc/PID/schedstat). Taking
 * the same difference here needs no wakeup program, no task storage and
 * no clock read. tp_btf only: it reads next's fields directly.
 *
 * The aggregate goes to a small per-CPU array indexed by the cgroup id's
 * low bits, each entry holding one cgroup, folded into the per-CPU hash
 * when another cgroup takes the entry: switches between the same few
 * cgroups cost no hash lookup. A fold that fails (the switch's context
 * may find no free hash element: the allocator refills its per-CPU cache
 * only once interrupts are back on) moves the entry to a spill entry,
 * folded at a later switch. A removed cgroup can sit in an entry for as
 * long as no other cgroup takes it: user space names such cgroups in
 * sched_evict (at their entry's index) as soon as they are removed, and
 * bumps sched_drain_gen; each CPU then looks at a few entries per switch,
 * from its own program (racing nothing), and folds one that holds a
 * named cgroup. At most one fold per switch, for the allocator's sake.
 * An idle CPU may not switch for seconds: user space also runs
 * sched_drain_all() on each CPU itself (a test run of syscall.bpf.c's
 * sched_drain_cpu, BPF_F_TEST_RUN_ON_CPU), which folds them all at once.
 * A fold into a key not in the hash allocates, which fails often in
 * these contexts (the hash is not preallocated: per-CPU values for every
 * key on every CPU would be too big); user space adds each named cgroup's
 * key, zero, before naming it, so that its fold finds the key there.
 */
#ifndef VFLOW_SCHED_BPF_H
#define VFLOW_SCHED_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "vflow.h"
#include "lib/events.bpf.h"
#include "lib/trap.bpf.h"

/* Set by user space before load: switches and run-queue waits per cgroup. */
const volatile bool trace_sched = true;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VFLOW_MAX_SCHED_KEYS);
	__type(key, __u64);	/* cgroup v2 id */
	__type(value, struct vflow_sched_val);
} sched_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VFLOW_SCHED_STAGE_ENTRIES);	/* the spill entries last */
	__type(key, __u32);
	__type(value, struct vflow_sched_stage);
} sched_stage SEC(".maps");

/* Bumped by user space: every CPU looks through its staging array for the cgroups in sched_evict. */
__u32 sched_drain_gen;

/* The cgroups to fold out of the staging array, each at its entry's index. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VFLOW_SCHED_STAGE_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} sched_evict SEC(".maps");

struct sched_drain_state {
	__u32 gen;		/* the drain generation this CPU finished last */
	__u32 next;		/* the next entry to fold */
	__u32 spilled;		/* spill entries in use */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sched_drain_state);
} sched_drained SEC(".maps");

static const struct vflow_sched_val sched_zero;

static __always_inline void sched_val_add(struct vflow_sched_val *dst, const struct vflow_sched_val *src)
{
	dst->switches_vol += src->switches_vol;
	dst->switches_invol += src->switches_invol;
	dst->runq.count += src->runq.count;
	dst->runq.total_ns += src->runq.total_ns;
	for (int i = 0; i < VFLOW_HIST_SLOTS; i++)
		dst->runq.hist[i] += src->runq.hist[i];
}

/* Fold staging entry @st into the hash and empty it: 0, or -1 (hash full, or no memory now). */
static __always_inline int sched_fold(struct vflow_sched_stage *st)
{
	struct vflow_sched_val *v;
	__u64 old = st->cgroup_id;

	if (!old)
		return 0;
	v = bpf_map_lookup_elem(&sched_stats, &old);
	if (!v) {
		bpf_map_update_elem(&sched_stats, &old, &sched_zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&sched_stats, &old);
	}
	if (!v)
		return -1;	/* the entry keeps its cgroup: nothing is lost */
	sched_val_add(v, &st->val);
	__builtin_memset(&st->val, 0, sizeof(st->val));
	st->cgroup_id = 0;
	return 0;
}

/* Move entry @st into a free spill entry of this CPU: 0, or -1 (none free). */
static __always_inline int sched_spill(struct vflow_sched_stage *st)
{
	__u32 zero = 0;
	struct sched_drain_state *d = bpf_map_lookup_elem(&sched_drained, &zero);

	if (!d)
		return -1;
#pragma unroll
	for (__u32 k = VFLOW_SCHED_STAGE_SLOTS; k < VFLOW_SCHED_STAGE_ENTRIES; k++) {
		__u32 key = k;	/* k stays a constant: the key goes to the stack */
		struct vflow_sched_stage *sp = bpf_map_lookup_elem(&sched_stage, &key);

		if (!sp || sp->cgroup_id)
			continue;
		*sp = *st;
		__builtin_memset(&st->val, 0, sizeof(st->val));
		st->cgroup_id = 0;
		d->spilled++;
		return 0;
	}
	return -1;
}

/* This CPU's aggregate of cgroup @cgid, or NULL (the hash and the spill entries full: counted). */
static __always_inline struct vflow_sched_val *sched_val_get(__u64 cgid)
{
	__u32 idx = cgid & (VFLOW_SCHED_STAGE_SLOTS - 1);
	struct vflow_sched_stage *st = bpf_map_lookup_elem(&sched_stage, &idx);

	if (!st)
		return NULL;
	if (st->cgroup_id == cgid)
		return &st->val;
	/* another cgroup's: fold it into the hash (or spill it), then take the entry */
	if (sched_fold(st) && sched_spill(st)) {
		counter_inc(VFLOW_CNT_SCHED_KEYS_FULL);	/* @cgid's event is not counted */
		return NULL;
	}
	st->cgroup_id = cgid;
	return &st->val;
}

/* Entries looked at per switch while a drain is under way */
#define SCHED_DRAIN_STEP 8

/*
 * Each switch: a spilled entry, if any, is folded (one at a time); and
 * while user space has asked for a drain this CPU has not finished, the
 * next few entries are looked at, and folded if they hold a cgroup named
 * in sched_evict.
 */
static __always_inline void sched_drain(void)
{
	__u32 zero = 0, gen = sched_drain_gen;
	struct sched_drain_state *d = bpf_map_lookup_elem(&sched_drained, &zero);
	bool folded = false;

	if (!d)
		return;
	if (d->spilled) {
#pragma unroll
		for (__u32 k = VFLOW_SCHED_STAGE_SLOTS; k < VFLOW_SCHED_STAGE_ENTRIES; k++) {
			__u32 key = k;
			struct vflow_sched_stage *sp = bpf_map_lookup_elem(&sched_stage, &key);

			if (!sp || !sp->cgroup_id)
				continue;
			/* one that cannot be folded now stays: a later switch tries again */
			if (!sched_fold(sp))
				d->spilled--;
			folded = true;
			break;
		}
		if (!folded)
			d->spilled = 0;
	}
	for (int i = 0; i < SCHED_DRAIN_STEP && d->gen != gen; i++) {
		__u32 idx = d->next;
		struct vflow_sched_stage *st = bpf_map_lookup_elem(&sched_stage, &idx);
		__u64 *evict = bpf_map_lookup_elem(&sched_evict, &idx);

		if (st && evict && st->cgroup_id && st->cgroup_id == *evict) {
			/* one fold per switch: the next waits for the next switch */
			if (folded)
				break;
			sched_fold(st);
			folded = true;
		}
		if (++d->next >= VFLOW_SCHED_STAGE_SLOTS) {
			d->next = 0;
			d->gen = gen;
		}
	}
}

/* One staging entry of the whole drain; *failed counts the folds that failed. */
static long sched_drain_step(__u32 i, void *failed)
{
	__u32 idx = i;
	struct vflow_sched_stage *st = bpf_map_lookup_elem(&sched_stage, &idx);
	__u64 *evict;

	if (!st || !st->cgroup_id)
		return 0;
	/* a spill entry, whichever cgroup it holds; or one named */
	evict = idx < VFLOW_SCHED_STAGE_SLOTS ? bpf_map_lookup_elem(&sched_evict, &idx) : NULL;
	if ((idx >= VFLOW_SCHED_STAGE_SLOTS || (evict && st->cgroup_id == *evict)) && sched_fold(st))
		*(__u32 *)failed += 1;	/* it stays: tried again */
	return 0;
}

static long sched_spill_count(__u32 i, void *count)
{
	__u32 idx = VFLOW_SCHED_STAGE_SLOTS + i;
	struct vflow_sched_stage *sp = bpf_map_lookup_elem(&sched_stage, &idx);

	if (sp && sp->cgroup_id)
		*(__u32 *)count += 1;
	return 0;
}

/*
 * The whole drain on this CPU at once: every entry that holds a cgroup
 * named in sched_evict, and every spill entry. Only from a context that
 * no switch on this CPU can interleave with (preemption or interrupts
 * off). A fold that would allocate may fail here as at a switch (user
 * space adds the named cgroups' keys first, so that none needs to); then
 * this generation is left to the switches, which try each entry again.
 */
static __always_inline void sched_drain_all(void)
{
	__u32 zero = 0, gen = sched_drain_gen, spilled = 0, failed = 0;
	struct sched_drain_state *d = bpf_map_lookup_elem(&sched_drained, &zero);

	if (!d)
		return;
	bpf_loop(VFLOW_SCHED_STAGE_ENTRIES, sched_drain_step, &failed, 0);
	bpf_loop(VFLOW_SCHED_SPILL_SLOTS, sched_spill_count, &spilled, 0);
	d->spilled = spilled;
	if (!failed) {
		d->gen = gen;
		d->next = 0;
	}
}

static __always_inline __u64 task_cgroup_id(struct task_struct *t)
{
	return t->cgroups->dfl_cgrp->kn->id;
}

/*
 * prev leaves the CPU, next takes it. The idle task (pid 0) is not a
 * workload. prev_state 0 (or preempt) is an involuntary switch.
 */
static __always_inline void sched_on_switch(bool preempt, struct task_struct *prev,
					    struct task_struct *next, __u32 prev_state)
{
	struct vflow_sched_val *v;
	__u64 queued, now;

	sched_drain();
	if (prev->pid) {
		v = sched_val_get(task_cgroup_id(prev));
		if (v) {
			if (preempt || !prev_state)
				v->switches_invol += 1;
			else
				v->switches_vol += 1;
		}
	}
	/* sched_info needs CONFIG_SCHED_INFO; se.cfs_rq, CONFIG_FAIR_GROUP_SCHED */
	if (!next->pid || !bpf_core_field_exists(next->sched_info) ||
	    !bpf_core_field_exists(next->se.cfs_rq))
		return;
	queued = next->sched_info.last_queued;
	if (!queued)
		return;
	/* every task's se.cfs_rq is on the CPU it runs on: this one's run queue */
	now = next->se.cfs_rq->rq->clock;
	if (now <= queued)
		return;
	v = sched_val_get(task_cgroup_id(next));
	if (v)
		trap_val_account(&v->runq, now - queued);
}

#endif
