// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The container paradigm's trap path: every syscall of the host, aggregated
 * per cgroup and per syscall number in per-CPU maps.
 *
 * Pairing sys_enter with sys_exit is the hot path, so by default it avoids
 * maps with lookups: sys_enter writes {tid, nr, time} into a per-CPU slot;
 * sys_exit on the same thread and CPU finds it there. A thread that sleeps
 * or is preempted inside a syscall passes through sched_switch, which moves
 * its slot into task local storage, where its sys_exit (on any CPU) finds
 * it. With pair_in_task, both ends use task storage instead and pairing
 * needs no sched_switch program (docs/PERFORMANCE.md compares the two).
 * Count, time and a log2 histogram slot then go to a per-CPU staging array
 * indexed by nr, which holds one cgroup per (CPU, nr) and is folded into a
 * per-CPU hash keyed by (cgroup v2 id, nr) when another cgroup makes that
 * syscall on that CPU: the common case costs no hash lookup.
 *
 * Timing can be sampled (lib/timing.bpf.h): every syscall is paired and
 * counted, 1 in N reads the clock at both ends; the others add to the
 * count only, so a row's latency figures are over its timed syscalls
 * (the histogram's sum), its count over all.
 *
 * A sys_exit with no sys_enter is a syscall that seccomp or ptrace
 * intercepted before the sys_enter tracepoint (docs/DESIGN.md): counted as
 * skipped, never mixed into latency.
 *
 * Each tracepoint has a tp_btf program and a raw_tp fallback; user space
 * loads whichever the kernel supports. The handlers are inline so a test
 * program can drive the same code with synthetic arguments.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vflow.h"
#include "lib/events.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/sandbox.bpf.h"
#include "lib/sched.bpf.h"
#include "lib/task_state.bpf.h"
#include "lib/timing.bpf.h"
#include "lib/trap.bpf.h"

/* Syscalls through which a new task returns to user space for the first time. */
#define NR_CLONE 56
#define NR_FORK 57
#define NR_VFORK 58
#define NR_CLONE3 435

/* Paradigm filter (vflowd --paradigm without sandbox): no sandbox inference. */
const volatile bool trace_sandbox = true;
/* Pair sys_enter and sys_exit through task storage rather than the CPU's slot. */
const volatile bool pair_in_task = false;

/*
 * Set by user space after sys_enter is attached and before sys_exit is:
 * a thread started after this cannot have entered a syscall unseen.
 */
__u64 trace_start_ns;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VFLOW_MAX_SYSCALL_KEYS);
	__type(key, struct vflow_sys_key);
	__type(value, struct vflow_trap_val);
} sys_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VFLOW_STAGE_NR);
	__type(key, __u32);
	__type(value, struct vflow_sys_stage);
} sys_stage SEC(".maps");

static __always_inline struct vflow_trap_val *sys_val_get(struct vflow_sys_key *key)
{
	struct vflow_trap_val *v = trap_val_get(&sys_stats, key);

	if (!v)
		counter_inc(VFLOW_CNT_KEYS_FULL);
	return v;
}

static __always_inline bool nr_is_fork(__u32 nr)
{
	return nr == NR_CLONE || nr == NR_CLONE3 || nr == NR_FORK || nr == NR_VFORK;
}

static __always_inline void sys_val_add(struct vflow_trap_val *dst, const struct vflow_trap_val *src)
{
	dst->count += src->count;
	dst->total_ns += src->total_ns;
	dst->skipped += src->skipped;
	for (int i = 0; i < VFLOW_HIST_SLOTS; i++)
		dst->hist[i] += src->hist[i];
}

/* Account one paired syscall of key->cgroup_id: timed (@lat ns) or only counted. */
static __always_inline void sys_account(struct vflow_sys_key *key, bool timed, __u64 lat)
{
	struct vflow_sys_stage *st = NULL;
	struct vflow_trap_val *v;
	__u64 cgid = key->cgroup_id;

	if (key->nr < VFLOW_STAGE_NR)
		st = bpf_map_lookup_elem(&sys_stage, &key->nr);
	if (!st) {
		v = sys_val_get(key);
		if (v && timed)
			trap_val_account(v, lat);
		else if (v)
			v->count += 1;
		return;
	}
	if (st->cgroup_id != cgid) {
		/* another cgroup's: fold it into the hash, then take the entry */
		if (st->cgroup_id) {
			key->cgroup_id = st->cgroup_id;
			v = sys_val_get(key);
			if (!v)
				return;	/* counted as keys_full; keep the entry */
			sys_val_add(v, &st->val);
			key->cgroup_id = cgid;
		}
		__builtin_memset(&st->val, 0, sizeof(st->val));
		st->cgroup_id = cgid;
	}
	if (timed)
		trap_val_account(&st->val, lat);
	else
		st->val.count += 1;
}

/* x86-64 passes syscall arguments 2 and 3 in si and dx, arm64 in regs[1..2] */
#if defined(__TARGET_ARCH_arm64)
#define REGS_ARG2(regs) ((regs)->regs[1])
#define REGS_ARG3(regs) ((regs)->regs[2])
#else
#define REGS_ARG2(regs) ((regs)->si)
#define REGS_ARG3(regs) ((regs)->dx)
#endif
/* tp_btf arguments are trusted pointers; raw_tp ones are read through CO-RE */
#define ARG2(regs, btf) ((btf) ? REGS_ARG2(regs) : BPF_CORE_READ(regs, si))
#define ARG3(regs, btf) ((btf) ? REGS_ARG3(regs) : BPF_CORE_READ(regs, dx))

static __always_inline void on_sys_enter(struct task_struct *task, long id, struct pt_regs *regs,
					 const bool btf)
{
	struct task_state *st = NULL;
	struct cpu_slot *slot;
	__u64 stamp;

	if (filtered_out())
		return;
	slot = slot_get();
	if (!slot)
		return;
	stamp = sys_time_this(slot) ? bpf_ktime_get_ns() : ENTER_UNTIMED;
	if (pair_in_task) {
		st = bpf_task_storage_get(&task_states, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (!st) {
			counter_inc(VFLOW_CNT_TASK_STORAGE_FAIL);
			return;
		}
		st->nr = id;
		st->enter_ns = stamp;
	} else {
		slot->tid = task->pid;
		slot->nr = id;
		slot->enter_ns = stamp;
	}
	if (trace_sandbox && id == NR_IOCTL)
		sandbox_on_ioctl_enter(ARG2(regs, btf), ARG3(regs, btf), stamp);
	if (trace_sandbox && task->seccomp.mode)
		sandbox_on_enter(task, st, id, stamp);
}

/*
 * @task (current, about to switch out) may be inside a syscall: park its
 * slot in task storage, since another thread will use this CPU's slot and
 * the syscall may end on another CPU.
 */
static __always_inline void on_sched_switch(struct task_struct *task, bool preempt, __u32 state)
{
	struct cpu_slot *slot;
	struct task_state *parked;

	if (pair_in_task) {
		/* nothing to park: only the sandbox inference's stops */
		if (trace_sandbox)
			sandbox_on_stop(task, preempt, state);
		return;
	}
	slot = slot_get();
	if (!slot)
		return;
	if (!slot->enter_ns || slot->tid != (__u32)task->pid) {
		/* not inside an entered syscall: maybe inside a seccomp/ptrace trap */
		if (trace_sandbox)
			sandbox_on_stop(task, preempt, state);
		return;
	}
	parked = bpf_task_storage_get(&task_states, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (parked) {
		parked->enter_ns = slot->enter_ns;
		parked->nr = slot->nr;
	} else {
		counter_inc(VFLOW_CNT_TASK_STORAGE_FAIL);
	}
	slot->enter_ns = 0;
}

/*
 * A sys_exit with no sys_enter. Seccomp or ptrace skipped the entry, except
 * for a thread's first exit seen by vflow, which may also be a new task
 * leaving fork or a syscall entered before tracing started.
 */
static __always_inline void on_unpaired_exit(struct task_struct *task, struct task_state *parked,
					     __u32 nr, long ret, __u64 now, struct vflow_sys_key *key)
{
	struct vflow_trap_val *v;
	__u64 lat;

	if (!parked) {
		/* remember the thread: its next unpaired exit is a real skip */
		if (!bpf_task_storage_get(&task_states, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE))
			counter_inc(VFLOW_CNT_TASK_STORAGE_FAIL);
		if (nr_is_fork(nr) && ret == 0) {
			counter_inc(VFLOW_CNT_FORK_RETURN);
			return;
		}
		/*
		 * A thread older than the trace may have entered before it:
		 * its latency would be garbage. (Its first real skip is
		 * counted here too: one per thread, documented.)
		 */
		/* with --cgroup, a thread may also have entered before it joined the cgroup */
		if (task->start_time <= trace_start_ns || filter_cgroup) {
			counter_inc(VFLOW_CNT_INFLIGHT_AT_START);
			return;
		}
	}
	key->nr = nr;
	v = sys_val_get(key);
	if (v)
		v->skipped += 1;
	if (trace_sandbox)
		sandbox_account(nr, sandbox_action(task, parked, ret, now, &lat), lat, ret, now);
}

static __always_inline void on_sys_exit(struct task_struct *task, __u32 exit_nr, long ret,
					struct pt_regs *regs, const bool btf)
{
	struct task_state *parked;
	struct vflow_sys_key key = {};
	struct cpu_slot *slot;
	__u64 now = 0, enter_ns;
	__u32 flags;

	if (filtered_out())
		return;
	slot = slot_get();
	if (!slot)
		return;
	key.cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	if (!pair_in_task && slot->enter_ns && slot->tid == (__u32)task->pid) {
		enter_ns = slot->enter_ns;
		key.nr = slot->nr;
		slot->enter_ns = 0;
	} else {
		/* in task storage: paired there, parked at a context switch, or never entered */
		parked = bpf_task_storage_get(&task_states, task, 0, 0);
		if (!parked || !parked->enter_ns) {
			/* rt_sigreturn exits with orig_ax == -1: paired exits use the entry's nr */
			if (exit_nr >= VFLOW_MAX_SYSCALL_NR) {
				counter_inc(VFLOW_CNT_NR_OUT_OF_RANGE);
				return;
			}
			on_unpaired_exit(task, parked, exit_nr, ret, bpf_ktime_get_ns(), &key);
			return;
		}
		enter_ns = parked->enter_ns;
		key.nr = parked->nr;
		parked->enter_ns = 0;
	}
	/* the number seen at entry: ptrace may rewrite it, seccomp ran before */
	if (key.nr >= VFLOW_MAX_SYSCALL_NR)
		return;
	if (enter_ns == ENTER_UNTIMED) {
		/* sampled timing, not this one: counted; the recorder samples timed ones */
		sys_account(&key, false, 0);
		slot->sys_sampled += 1;
	} else {
		now = bpf_ktime_get_ns();
		sys_account(&key, true, now - enter_ns);
		flags = rec_flags(VFLOW_REC_SYSCALL, &slot->sys_sampled, now - enter_ns);
		if (flags)
			emit_event(VFLOW_EV_TRAP, VFLOW_TRAP_SYSCALL, flags, key.nr, key.cgroup_id,
				   now, now - enter_ns, ret, 0);
	}
	if (trace_sandbox && key.nr == NR_IOCTL && ret == 0)
		sandbox_on_ioctl_exit(ARG2(regs, btf), ARG3(regs, btf), now);
}

/* x86-64 keeps the syscall number in orig_ax, arm64 in syscallno */
#if defined(__TARGET_ARCH_arm64)
#define REGS_NR_FIELD syscallno
#else
#define REGS_NR_FIELD orig_ax
#endif
#define REGS_NR(regs) ((regs)->REGS_NR_FIELD)

/*
 * bpf_get_current_task_btf() is a trusted pointer in both program types;
 * at sched_switch, current is still prev.
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	on_sys_enter(bpf_get_current_task_btf(), id, regs, true);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	on_sys_exit(bpf_get_current_task_btf(), REGS_NR(regs), ret, regs, true);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	/* prev is current, and a trusted argument here: no helper call for it */
	on_sched_switch(prev, preempt, prev_state);
	if (trace_sched)
		sched_on_switch(preempt, prev, next, prev_state);
	return 0;
}

/*
 * The first cgroup v2 made after tracing started: kernfs ids only grow, so
 * every cgroup from this id on was made since, and all of its on-CPU time
 * (cpu.stat, read by user space) is vflow's to show; an older cgroup's
 * counts from when vflow first saw it. Hierarchy 0 is cgroup v2 (hybrid
 * hosts make v1 cgroups too, numbered apart).
 */
__u64 first_new_cgroup_id;

SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(cgroup_mkdir_btf, struct cgroup *cgrp, const char *path)
{
	if (!first_new_cgroup_id && !cgrp->root->hierarchy_id)
		first_new_cgroup_id = cgrp->kn->id;
	return 0;
}

/*
 * What one bpf_ktime_get_ns() costs here, for the adaptive sampled timing:
 * user space times test-runs of @reads loop steps with and without a
 * clock read (struct vflow_clock_cost).
 */
static long clock_cost_step(__u64 i, struct vflow_clock_cost *c)
{
	c->sink += c->with_clock ? bpf_ktime_get_ns() : i;
	return 0;
}

SEC("syscall")
int clock_cost(struct vflow_clock_cost *ctx)
{
	struct vflow_clock_cost c = { .with_clock = ctx->with_clock };

	bpf_loop(ctx->reads, clock_cost_step, &c, 0);
	ctx->sink = c.sink;
	return 0;
}

/*
 * Not attached: user space runs it on each CPU in turn (a test run with
 * BPF_F_TEST_RUN_ON_CPU: preemption off on that CPU, or in an IPI to it)
 * after naming removed cgroups in sched_evict (lib/sched.bpf.h).
 */
SEC("raw_tp")
int sched_drain_cpu(void *ctx)
{
	sched_drain_all();
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(signal_generate_btf, int sig, struct kernel_siginfo *info)
{
	/* seccomp and user dispatch signal the current thread itself */
	sandbox_on_signal(bpf_get_current_task_btf(), sig, info);
	return 0;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	on_sys_enter(bpf_get_current_task_btf(), id, regs, false);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	/* raw_tp arguments are untrusted pointers: read through CO-RE */
	on_sys_exit(bpf_get_current_task_btf(), BPF_CORE_READ(regs, REGS_NR_FIELD), ret, regs, false);
	return 0;
}

/* prev_state became the 4th argument in 5.18 (commit fa2c3254d7cf) */
SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	on_sched_switch(bpf_get_current_task_btf(), preempt, prev_state);
	return 0;
}

SEC("raw_tp/signal_generate")
int BPF_PROG(signal_generate_raw, int sig, struct kernel_siginfo *info)
{
	sandbox_on_signal(bpf_get_current_task_btf(), sig, info);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
