/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The sandbox paradigm, on the syscall path (syscall.bpf.c calls it).
 *
 * seccomp runs before the sys_enter tracepoint and sys_exit always fires
 * (docs/DESIGN.md), so a sandbox trap is a sys_exit without sys_enter.
 * What the thread went through since its last syscall says which one it
 * was:
 *  - a SIGSYS with si_code SYS_SECCOMP (signal_generate): TRAP, or KILL when
 *    seccomp has marked the thread dead;
 *  - a sleep during which a user-notify supervisor answered a notification
 *    for the thread: USER_NOTIF, its round trip from the sleep to the exit;
 *  - a ptrace tracer (gVisor's ptrace platform, PTRACE_SYSEMU): PTRACE,
 *    timed from the stop in TASK_TRACED where there was one;
 *  - otherwise a negative errno: ERRNO.
 * A USER_NOTIF answered with CONTINUE enters after the round trip: counted
 * at sys_enter, once. Sleeps are only recorded for threads under seccomp or
 * ptrace, so ordinary threads pay nothing. Supervisors are seen through
 * their ioctl()s: NOTIF_RECV at sys_exit, NOTIF_SEND at sys_enter, paired
 * by notification id.
 */
#ifndef VFLOW_SANDBOX_BPF_H
#define VFLOW_SANDBOX_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "vflow.h"
#include "lib/events.bpf.h"
#include "lib/task_state.bpf.h"
#include "lib/trap.bpf.h"

#define NR_IOCTL 16
#define SECCOMP_IOCTL_NOTIF_RECV_CMD 0xc0502100U
#define SECCOMP_IOCTL_NOTIF_SEND_CMD 0xc0182101U
#define SIGSYS_NR 31
#define SYS_SECCOMP_CODE 1
#define SYS_USER_DISPATCH_CODE 2
#define SECCOMP_MODE_DEAD_NR 3
#define TASK_TRACED_BIT 0x8
#define MAX_ERRNO_NR 4095

/* Sandbox traps since the last sample, per CPU (off the syscall hot path). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sb_sampled SEC(".maps");

struct notif_inflight {
	__u64 recv_ns;
	__u32 sup_pid;
	__u32 target_pid;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VFLOW_MAX_SANDBOX_KEYS);
	__type(key, struct vflow_sandbox_key);
	__type(value, struct vflow_trap_val);
} sandbox_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VFLOW_MAX_SANDBOX_KEYS);
	__type(key, struct vflow_notif_key);
	__type(value, struct vflow_trap_val);
} notif_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VFLOW_MAX_NOTIF_INFLIGHT);
	__type(key, __u64);	/* notification id */
	__type(value, struct notif_inflight);
} notif_inflight SEC(".maps");

/*
 * Targets whose notification a supervisor answered (NOTIF_SEND), by the pid
 * the notification named: a sleep is a user-notify round trip only if one
 * was answered for the thread. (Equal to the thread id when the supervisor
 * lives in the initial pid namespace; elsewhere no round trip is inferred.)
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VFLOW_MAX_NOTIF_INFLIGHT);
	__type(key, __u32);
	__type(value, __u64);
} notif_answered SEC(".maps");

static __always_inline bool notif_answered_take(struct task_struct *task)
{
	__u32 tid = task->pid;

	return bpf_map_delete_elem(&notif_answered, &tid) == 0;
}

static __always_inline bool task_sandboxed(struct task_struct *task)
{
	return task->seccomp.mode || task->ptrace;
}

/* A time read already, or the clock now: at most one read where one suffices. */
static __always_inline __u64 time_or_now(__u64 t)
{
	return t > ENTER_UNTIMED ? t : bpf_ktime_get_ns();
}

/* One sandbox trap of the current process at @now (0: not known); lat 0: not timed. */
static __always_inline void sandbox_account(__u32 nr, __u32 action, __u64 lat, long ret, __u64 now)
{
	__u32 zero = 0, flags, *sampled;
	struct vflow_sandbox_key key = {
		.pid = bpf_get_current_pid_tgid() >> 32, .nr = nr, .action = action,
	};
	struct vflow_trap_val *v = bpf_map_lookup_elem(&sandbox_stats, &key);

	if (!v) {
		v = trap_val_get(&sandbox_stats, &key);
		if (!v) {
			counter_inc(VFLOW_CNT_SANDBOX_KEYS_FULL);
			return;
		}
		/* short-lived sandbox processes (gVisor stubs) must be named before they exit */
		emit_event(VFLOW_EV_SANDBOX_PROC, VFLOW_TRAP_SANDBOX, 0, nr, 0, 0, 0, 0, action);
	}
	sampled = bpf_map_lookup_elem(&sb_sampled, &zero);
	if (sampled) {
		flags = rec_flags(VFLOW_REC_SANDBOX, sampled, lat);
		if (flags)
			emit_event(VFLOW_EV_TRAP, VFLOW_TRAP_SANDBOX, flags, nr,
				   bpf_get_current_cgroup_id(), time_or_now(now), lat, ret, action);
	}
	/* count: traps; total_ns and hist: the timed round trips among them */
	if (!lat) {
		v->count += 1;
		return;
	}
	trap_val_account(v, lat);
}

/*
 * A sandboxed thread leaves the CPU, maybe outside any syscall it entered
 * (the caller checked the CPU's slot).
 */
static __always_inline void sandbox_on_stop(struct task_struct *task, bool preempt, __u32 state)
{
	struct task_state *st;

	/* preempted or yielding while runnable: not waiting for anyone */
	if (preempt || !state || !task_sandboxed(task))
		return;
	st = bpf_task_storage_get(&task_states, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st) {
		counter_inc(VFLOW_CNT_TASK_STORAGE_FAIL);
		return;
	}
	/* inside a syscall it entered (parked, or paired in task storage): a sleep in it */
	if (st->enter_ns)
		return;
	st->stop_ns = bpf_ktime_get_ns();
	st->stop_state = (__u16)state;
}

/* Which action intercepted this unpaired exit, and its round trip if any. */
static __always_inline __u32 sandbox_action(struct task_struct *task, struct task_state *st,
					    long ret, __u64 now, __u64 *lat)
{
	__u32 action = VFLOW_ACT_SKIPPED;

	*lat = 0;
	if (st && st->sigsys_code == SYS_SECCOMP_CODE)
		action = task->seccomp.mode == SECCOMP_MODE_DEAD_NR ? VFLOW_ACT_KILL : VFLOW_ACT_TRAP;
	else if (task->ptrace)
		/*
		 * A tracer skipped the syscall (PTRACE_SYSEMU). The stop is
		 * timed when the thread slept in it; a tracer quick enough to
		 * resume it before it slept leaves no stop to time.
		 */
		action = VFLOW_ACT_PTRACE;
	else if (st && st->stop_ns && task->seccomp.mode && notif_answered_take(task))
		action = VFLOW_ACT_USER_NOTIF;
	else if (ret < 0 && ret >= -MAX_ERRNO_NR)
		action = VFLOW_ACT_ERRNO;
	if (action == VFLOW_ACT_PTRACE && !(st && st->stop_ns && (st->stop_state & TASK_TRACED_BIT)))
		;	/* no stop seen: counted, not timed */
	else if ((action == VFLOW_ACT_PTRACE || action == VFLOW_ACT_USER_NOTIF) && now > st->stop_ns)
		*lat = now - st->stop_ns;
	if (st) {
		st->stop_ns = 0;
		st->sigsys_code = 0;
	}
	return action;
}

/*
 * sys_enter of a sandboxed thread (@st: its task storage when the caller
 * has it, else NULL; @stamp: the entry's time, or ENTER_UNTIMED): a sleep
 * since its last syscall ended that led into this entry was a user-notify
 * round trip answered CONTINUE.
 */
static __always_inline void sandbox_on_enter(struct task_struct *task, struct task_state *st,
					     __u32 nr, __u64 stamp)
{
	__u64 now;

	if (!st)
		st = bpf_task_storage_get(&task_states, task, 0, 0);
	if (!st || !st->stop_ns)
		return;
	now = time_or_now(stamp);
	if (!(st->stop_state & TASK_TRACED_BIT) && now > st->stop_ns && notif_answered_take(task))
		sandbox_account(nr, VFLOW_ACT_NOTIF_CONTINUE, now - st->stop_ns, 0, now);
	st->stop_ns = 0;
}

/* signal_generate: SIGSYS from seccomp marks the pending trap; user dispatch is counted. */
static __always_inline void sandbox_on_signal(struct task_struct *task, int sig,
					      struct kernel_siginfo *info)
{
	struct task_state *st;
	int code;

	if (sig != SIGSYS_NR || !info)
		return;
	code = BPF_CORE_READ(info, si_code);
	if (code == SYS_USER_DISPATCH_CODE) {
		/* no sys_exit follows: this is the only trace of the trap */
		sandbox_account(BPF_CORE_READ(info, _sifields._sigsys._syscall),
				VFLOW_ACT_USER_DISPATCH, 0, 0, 0);
		return;
	}
	if (code != SYS_SECCOMP_CODE)
		return;
	st = bpf_task_storage_get(&task_states, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (st)
		st->sigsys_code = code;
	else
		counter_inc(VFLOW_CNT_TASK_STORAGE_FAIL);
}

/* Supervisor side: ioctl(listener, NOTIF_RECV, &notif) returned 0 (@now: 0 if not read). */
static __always_inline void sandbox_on_ioctl_exit(__u64 cmd, __u64 uptr, __u64 now)
{
	struct notif_inflight in = {};
	struct { __u64 id; __u32 pid; } notif;

	if ((__u32)cmd != SECCOMP_IOCTL_NOTIF_RECV_CMD)
		return;
	in.recv_ns = time_or_now(now);
	in.sup_pid = bpf_get_current_pid_tgid() >> 32;
	/* struct seccomp_notif: id@0, pid@8 */
	if (bpf_probe_read_user(&notif, sizeof(notif), (void *)uptr))
		return;
	in.target_pid = notif.pid;
	if (bpf_map_update_elem(&notif_inflight, &notif.id, &in, BPF_ANY))
		counter_inc(VFLOW_CNT_NOTIF_FULL);
}

/* Supervisor side: ioctl(listener, NOTIF_SEND, &resp) entered (@stamp: its time, or ENTER_UNTIMED). */
static __always_inline void sandbox_on_ioctl_enter(__u64 cmd, __u64 uptr, __u64 stamp)
{
	struct vflow_notif_key key = {};
	struct notif_inflight *in;
	struct vflow_trap_val *v;
	__u64 id, lat, now;

	if ((__u32)cmd != SECCOMP_IOCTL_NOTIF_SEND_CMD)
		return;
	now = time_or_now(stamp);
	/* struct seccomp_notif_resp: id@0 */
	if (bpf_probe_read_user(&id, sizeof(id), (void *)uptr))
		return;
	in = bpf_map_lookup_elem(&notif_inflight, &id);
	if (!in) {
		counter_inc(VFLOW_CNT_NOTIF_UNMATCHED);
		return;
	}
	key.sup_pid = in->sup_pid;
	key.target_pid = in->target_pid;
	lat = now > in->recv_ns ? now - in->recv_ns : 0;
	bpf_map_delete_elem(&notif_inflight, &id);
	if (bpf_map_update_elem(&notif_answered, &key.target_pid, &now, BPF_ANY))
		counter_inc(VFLOW_CNT_NOTIF_FULL);
	v = trap_val_get(&notif_stats, &key);
	if (v)
		trap_val_account(v, lat);
	else
		counter_inc(VFLOW_CNT_SANDBOX_KEYS_FULL);
}

#endif /* VFLOW_SANDBOX_BPF_H */
