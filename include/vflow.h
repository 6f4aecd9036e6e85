/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one header shared by the BPF programs and user space.
 *
 * Fixed-width kernel types only and no includes of its own: the BPF side
 * sees __u32/__u64 from vmlinux.h, user space from <linux/types.h>, which
 * the includer must provide first.
 */
#ifndef VFLOW_H
#define VFLOW_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Execution paradigms of the source document (section 2). */
enum vflow_paradigm {
	VFLOW_PARADIGM_HOST = 0,	/* not isolated: the host itself */
	VFLOW_PARADIGM_FULLVIRT = 1,
	VFLOW_PARADIGM_PARAVIRT = 2,
	VFLOW_PARADIGM_CONTAINER = 3,
	VFLOW_PARADIGM_SANDBOX = 4,
	VFLOW_PARADIGM_MAX,
};

/*
 * What a trap row counts. Syscalls are keyed by cgroup; everything KVM
 * reports by the VMM process (tgid) and vCPU.
 */
enum vflow_trap_kind {
	VFLOW_TRAP_SYSCALL = 0,		/* code: syscall nr; owner: cgroup id */
	VFLOW_TRAP_VMEXIT_VMX,		/* code: VMX exit_reason (bit 31: failed entry) */
	VFLOW_TRAP_VMEXIT_SVM,		/* code: SVM exit code */
	VFLOW_TRAP_VMEXIT_UNKNOWN,	/* code: exit_reason of an unknown isa */
	VFLOW_TRAP_USERSPACE_EXIT,	/* code: KVM_EXIT_* to the VMM in user space */
	VFLOW_TRAP_HCALL_KVM,		/* code: hypercall nr */
	VFLOW_TRAP_HCALL_XEN,		/* code: Xen hypercall nr (KVM's Xen emulation) */
	VFLOW_TRAP_HCALL_HV,		/* code: Hyper-V hypercall code */
	VFLOW_TRAP_FAST_MMIO,		/* code: guest physical address (ioeventfd kick) */
	VFLOW_TRAP_MMIO,		/* code: guest physical address */
	VFLOW_TRAP_PIO,			/* code: port */
	VFLOW_TRAP_IRQ_SET,		/* counts only; code: gsi */
	VFLOW_TRAP_IRQ_MSI,		/* counts only; code: 0 */
	VFLOW_TRAP_IRQ_INJ,		/* counts only; code: vector */
	VFLOW_TRAP_XEN_MC,		/* code: Xen multicall op (xen:xen_mc_entry) */
	VFLOW_TRAP_SANDBOX,		/* owner: tgid; sub: enum vflow_sys_action; code: nr */
	VFLOW_TRAP_NOTIF_HANDLING,	/* owner: supervisor tgid; sub: target pid (its ns) */
	VFLOW_TRAP_FILTER_COST,		/* owner: tgid; seccomp filter runs (fexit, where allowed) */
	/*
	 * Scheduling per cgroup (owner), not traps but kept in the same rows:
	 * ONCPU: total_ns = on-CPU time (the cgroup's cpu.stat), count =
	 * voluntary switches, skipped = involuntary ones; RUNQ: count,
	 * total_ns and hist of the run-queue wait (queued -> running); PSI:
	 * total_ns = the cgroup's cpu.pressure "some" time (some task
	 * runnable, waiting), where the kernel has PSI.
	 */
	VFLOW_TRAP_SCHED_ONCPU,
	VFLOW_TRAP_SCHED_RUNQ,
	VFLOW_TRAP_SCHED_PSI,
	VFLOW_TRAP_KIND_MAX,
};

/*
 * Owner of the rows that sum up removed cgroups once vflow stops showing
 * them one by one (syscall and scheduling rows; see engine__retire_cgroups).
 */
#define VFLOW_OWNER_GONE 0xffffffffffffffffULL
/*
 * First owner of the VMs an import names by comm (or not at all) because
 * its capture has no pid: above any pid (PID_MAX_LIMIT is 2^22).
 */
#define VFLOW_OWNER_NO_PID 0x80000000U

/*
 * Latency histograms: slot i counts values v (ns) with
 * 2^(i-1) <= v < 2^i, slot 0 counts v == 0 (v < 1 ns). The last slot is
 * open-ended: 2^(VFLOW_HIST_SLOTS-2) ns = 17.2 s and above.
 */
#define VFLOW_HIST_SLOTS 36

/* Highest syscall number + 1 that is aggregated (x86-64 ends at ~470). */
#define VFLOW_MAX_SYSCALL_NR 1024

/*
 * Syscall numbers below this have a per-CPU staging entry (one cgroup at a
 * time) in front of the hash; the rest go to the hash directly.
 */
#define VFLOW_STAGE_NR 512

/* (cgroup, syscall) pairs aggregated in the kernel before updates fail. */
#define VFLOW_MAX_SYSCALL_KEYS 16384

/* Ring buffer for the flight recorder's samples, bytes (power of two, >= page). */
#define VFLOW_EVENTS_RINGBUF_BYTES (4U << 20)
/*
 * Samples wake the reader only once this much is waiting: a wakeup costs
 * the traced CPU microseconds; below it the reader finds them when its
 * poll times out (every 100 ms at most).
 */
#define VFLOW_EVENTS_WAKEUP_BYTES (VFLOW_EVENTS_RINGBUF_BYTES / 4)

/* Default threshold above which a syscall is streamed as a sample. */
#define VFLOW_DEFAULT_SLOW_NS 10000000ULL /* 10 ms */

/* Key of the per-CPU syscall aggregate. */
struct vflow_sys_key {
	__u64 cgroup_id;	/* cgroup v2 id: inode of its directory */
	__u32 nr;		/* syscall number */
	__u32 pad;		/* zero: keys are hashed as bytes */
};

/*
 * What intercepted a syscall before it ran (or around it). Inferred at
 * sys_exit from what the thread went through since its last syscall.
 */
enum vflow_sys_action {
	VFLOW_ACT_NONE = 0,		/* entered and exited: not a trap */
	VFLOW_ACT_SKIPPED,		/* exited without entering, cause unknown */
	VFLOW_ACT_ERRNO,		/* seccomp ERRNO (or a tracer's error) */
	VFLOW_ACT_TRAP,			/* seccomp TRAP: SIGSYS si_code SYS_SECCOMP */
	VFLOW_ACT_KILL,			/* seccomp KILL_PROCESS / KILL_THREAD */
	VFLOW_ACT_USER_NOTIF,		/* answered by a user-notify supervisor */
	VFLOW_ACT_NOTIF_CONTINUE,	/* supervisor said CONTINUE: the syscall then ran */
	VFLOW_ACT_PTRACE,		/* emulated by a ptrace tracer (gVisor ptrace platform) */
	VFLOW_ACT_USER_DISPATCH,	/* syscall user dispatch: SIGSYS si_code SYS_USER_DISPATCH */
	VFLOW_ACT_MAX,
};

/* Key of the per-CPU sandbox trap aggregate: per process, syscall, action. */
struct vflow_sandbox_key {
	__u32 pid;		/* tgid */
	__u32 nr;
	__u32 action;		/* enum vflow_sys_action */
	__u32 pad;
};

/* Key of the user-notify supervisor aggregate. */
struct vflow_notif_key {
	__u32 sup_pid;		/* supervisor tgid */
	__u32 target_pid;	/* target as the notification names it (supervisor's pid ns) */
};

/* sandbox threads, and notifications in flight, followed at once */
#define VFLOW_MAX_SANDBOX_KEYS 16384
#define VFLOW_MAX_NOTIF_INFLIGHT 4096

/* Per-CPU value of the syscall aggregate, summed by user space. */
struct vflow_trap_val {
	__u64 count;		/* syscalls that entered and exited */
	__u64 total_ns;		/* sum of their enter->exit time */
	__u64 skipped;		/* sys_exit with no sys_enter: seccomp/ptrace */
	__u64 hist[VFLOW_HIST_SLOTS];	/* log2 ns of the paired ones */
};

/*
 * Per-CPU staging entry for syscall nr: counts of cgroup_id not yet folded
 * into the hash. User space adds it to the hash's (cgroup_id, nr) row.
 */
struct vflow_sys_stage {
	__u64 cgroup_id;	/* 0: empty */
	struct vflow_trap_val val;
};

/* Key of the per-CPU KVM trap aggregate. */
struct vflow_kvm_key {
	__u32 pid;		/* VMM process (tgid) */
	__u32 vcpu;		/* vcpu_id */
	__u32 kind;		/* enum vflow_trap_kind */
	__u32 pad;		/* zero: keys are hashed as bytes */
	__u64 code;		/* exit reason, hypercall nr, port, page of a gpa */
};

/* vCPU threads followed at once before the least recently used is dropped */
#define VFLOW_MAX_VCPU_THREADS 16384
/* (VM, vCPU, kind, code) keys aggregated before updates fail */
#define VFLOW_MAX_KVM_KEYS 16384
/* MMIO addresses are kept per guest page: one key per device region */
#define VFLOW_GPA_PAGE_MASK (~0xfffULL)
/* xen_mc_flush has no op: counted as XEN_MC with this code */
#define VFLOW_XEN_MC_FLUSH_CODE 0xffffffffULL

/* A synthetic KVM event, for the test-run program kvm_test_event. */
enum vflow_kvm_test_type {
	VFLOW_KVM_TEST_EXIT = 1,	/* isa, code = exit_reason */
	VFLOW_KVM_TEST_ENTRY,
	VFLOW_KVM_TEST_ANNOTATE,	/* kind (HCALL_*, PIO, MMIO, FAST_MMIO), code */
	VFLOW_KVM_TEST_USERSPACE_EXIT,	/* code = KVM_EXIT_* */
	VFLOW_KVM_TEST_COUNT,		/* kind (IRQ_*, XEN_MC), code */
};

struct vflow_kvm_test_event {
	__u32 type;		/* enum vflow_kvm_test_type */
	__u32 pid;
	__u32 tid;
	__u32 vcpu;
	__u32 isa;
	__u32 kind;
	__u64 code;
	__u64 ts_ns;
};

/*
 * Per-cgroup scheduling aggregate (per CPU). On-CPU time is not here: the
 * kernel keeps it per cgroup (cpu.stat usage_usec), user space reads it.
 */
struct vflow_sched_val {
	__u64 switches_vol;	/* prev left the CPU to wait (prev_state != running) */
	__u64 switches_invol;	/* prev was preempted */
	struct vflow_trap_val runq;	/* queued (woken or preempted) -> on CPU */
};

/* cgroups followed by the scheduling aggregate */
#define VFLOW_MAX_SCHED_KEYS 4096

/*
 * Per-CPU staging entries of the scheduling aggregate, indexed by the
 * cgroup id's low bits (a power of two): one cgroup each, folded into the
 * hash when another takes the entry. User space adds them to the hash's.
 */
#define VFLOW_SCHED_STAGE_SLOTS 64
/*
 * After them, a few spill entries per CPU: where an entry goes whose fold
 * into the hash failed (no element to be had in the switch's context, or
 * the hash full for now), to be folded at a later switch, so that the
 * cgroup taking its place is counted. The array holds both.
 */
#define VFLOW_SCHED_SPILL_SLOTS 4
#define VFLOW_SCHED_STAGE_ENTRIES (VFLOW_SCHED_STAGE_SLOTS + VFLOW_SCHED_SPILL_SLOTS)

struct vflow_sched_stage {
	__u64 cgroup_id;	/* 0: empty */
	struct vflow_sched_val val;
};

/*
 * Sampled timing of syscalls: 1 in N timed (all counted). The largest N
 * accepted, and the default of the sampled mode (docs/PERFORMANCE.md:
 * the measurements that chose it).
 */
#define VFLOW_TIME_PERIOD_MAX 65536
#define VFLOW_DEFAULT_TIME_PERIOD 64

/* The test-run context of clock_cost: @reads loop steps, each reading the clock or not. */
struct vflow_clock_cost {
	__u32 reads;
	__u32 with_clock;
	__u64 sink;		/* out: keeps the reads from being optimised away */
};

/* Indexes of the per-CPU counters of things the programs could not record. */
enum vflow_counter {
	VFLOW_CNT_KEYS_FULL = 0,	/* aggregate map full: syscall not counted */
	VFLOW_CNT_TASK_STORAGE_FAIL,	/* no per-thread state: syscall not counted */
	VFLOW_CNT_RINGBUF_DROP,		/* sample not streamed: ring buffer full */
	VFLOW_CNT_INFLIGHT_AT_START,	/* exits of syscalls entered before attach */
	VFLOW_CNT_FORK_RETURN,		/* child's first exit from fork/clone */
	VFLOW_CNT_NR_OUT_OF_RANGE,	/* syscall number >= VFLOW_MAX_SYSCALL_NR */
	VFLOW_CNT_KVM_KEYS_FULL,	/* KVM aggregate map full: trap not counted */
	VFLOW_CNT_KVM_LOST_ENTRY,	/* kvm_exit with no kvm_entry before the next exit */
	VFLOW_CNT_KVM_UNPAIRED_ENTRY,	/* kvm_entry with no exit: first entry, or lost exit */
	VFLOW_CNT_KVM_VCPU_FULL,	/* no vCPU state: exit not timed */
	VFLOW_CNT_SANDBOX_KEYS_FULL,	/* sandbox aggregate map full: trap not counted */
	VFLOW_CNT_NOTIF_UNMATCHED,	/* NOTIF_SEND for an id never seen received */
	VFLOW_CNT_NOTIF_FULL,		/* too many notifications in flight: one not timed */
	VFLOW_CNT_SCHED_KEYS_FULL,	/* scheduling aggregate map full: a switch not counted */
	VFLOW_CNT_MAX,
};

/* Event kinds streamed through the ring buffer. */
enum vflow_event_kind {
	VFLOW_EV_TRAP = 1,		/* a trap for the flight recorder: sampled or slow */
	VFLOW_EV_SANDBOX_PROC,		/* a process's first sandbox trap: name it while it lives */
	VFLOW_EV_VM_PROC,		/* a VMM's first trap of a new kind, vCPU or code: name it while it lives */
};

/* Why a trap was streamed (both may be set). */
#define VFLOW_EVF_SAMPLED 0x1		/* the 1-in-N sample of its class on its CPU */
#define VFLOW_EVF_SLOW 0x2		/* at least its class's latency threshold */
#define VFLOW_EVF_IMPORTED 0x4		/* read from a trace capture: every event, not sampled */

/* Classes of traps the recorder samples, each with its own period and threshold. */
enum vflow_rec_class {
	VFLOW_REC_SYSCALL = 0,		/* syscalls (container and host paradigm) */
	VFLOW_REC_VM,			/* VM exits (full and paravirtualization) */
	VFLOW_REC_SANDBOX,		/* seccomp / ptrace / user-notify traps */
	VFLOW_REC_MAX,
};

/* Recorder defaults: 1 in N traps per CPU, and every trap this slow or slower. */
#define VFLOW_DEFAULT_SAMPLE_SYSCALL 1000
#define VFLOW_DEFAULT_SAMPLE_VM 100
#define VFLOW_DEFAULT_SAMPLE_SANDBOX 10
#define VFLOW_DEFAULT_SLOW_VM_NS 100000ULL	/* 100 us */
#define VFLOW_DEFAULT_SLOW_SANDBOX_NS 1000000ULL	/* 1 ms */

/*
 * A sample streamed through the ring buffer. For VFLOW_EV_TRAP:
 *   syscall: trap SYSCALL, code nr, ret the return value;
 *   VM exit: trap VMEXIT_*, code reason, sub vCPU, aux_trap/ret the
 *            annotation (hypercall, PIO, MMIO...) kind and code, if any;
 *   sandbox: trap SANDBOX, code nr, sub enum vflow_sys_action.
 */
struct vflow_event {
	__u32 kind;		/* enum vflow_event_kind */
	__u16 trap;		/* enum vflow_trap_kind */
	__u16 flags;		/* VFLOW_EVF_* */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u64 cgroup_id;	/* cgroup v2 id of the thread */
	__u64 ts_ns;		/* CLOCK_MONOTONIC at the end of the trap */
	__u64 latency_ns;	/* 0: not timed */
	__u64 code;
	__s64 ret;
	__u32 sub;
	__u32 aux_trap;
	char comm[16];
};

/*
 * The identity object's records (bpf/identity.bpf.c): a cgroup of the
 * cgroup v2 hierarchy made, removed or renamed, as the kernel's cgroup
 * tracepoints give it. The path is relative to the cgroup2 root, cut at
 * VFLOW_CGROUP_PATH_LEN - 1 bytes.
 */
#define VFLOW_CGROUP_RINGBUF_BYTES (256U << 10)	/* about 450 records */
#define VFLOW_CGROUP_PATH_LEN 512

enum vflow_cgroup_op {
	VFLOW_CGROUP_MKDIR = 1,
	VFLOW_CGROUP_RMDIR,
	VFLOW_CGROUP_RENAME,
	/* a followed process's last thread exited: id is its pid, path its comm */
	VFLOW_PROC_EXIT,
};

/*
 * Processes whose exit the identity object reports (sched_process_exit):
 * those user space named (sandboxes, VMMs, supervisors), put in its
 * followed_procs map. Any other exit costs a hash lookup and nothing more.
 */
#define VFLOW_FOLLOWED_PROCS 4096

struct vflow_cgroup_event {
	__u32 op;		/* enum vflow_cgroup_op */
	__s32 level;		/* depth below the root (the root is 0) */
	__u64 id;		/* cgroup v2 id: its directory's inode */
	__u64 ts_ns;		/* CLOCK_MONOTONIC */
	char path[VFLOW_CGROUP_PATH_LEN];
};

/*
 * log2 slot of a value in ns, clamped to the last slot. Branch-light so it
 * costs the same on both sides; the BPF side must see it inlined.
 */
static __always_inline __u32 vflow_hist_slot(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xFFFFFFFFULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xFFFF) << 4; v >>= shift; r |= shift;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	/* r = floor(log2(v)) for v > 0; slot = r + 1, slot 0 for v == 0 */
	r += (v != 0);
	return r < VFLOW_HIST_SLOTS ? r : VFLOW_HIST_SLOTS - 1;
}

#endif /* VFLOW_H */
