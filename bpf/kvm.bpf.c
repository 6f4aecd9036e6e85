// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Full and paravirtualization: VM exits, hypercalls, virtio kicks and
 * interrupt injection, per VMM process (tgid), vCPU and reason.
 *
 * kvm_exit -> the next kvm_entry on the same vCPU thread is the time KVM
 * (and, for exits to user space, the VMM) took to handle the exit. The exit
 * reason exists only in the classic tracepoint record (docs/DESIGN.md), so all
 * KVM events use classic tracepoints, read through CO-RE. Hypercall, PIO and
 * MMIO events fire while an exit is handled: they annotate it and get its
 * latency too. Programs whose tracepoint is missing are not loaded.
 *
 * Per-vCPU state lives in an LRU hash keyed by thread id, not task storage,
 * so that the test-run program kvm_test_event can drive the same handlers
 * with synthetic threads (there is no /dev/kvm on the development machines).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vflow.h"
#include "lib/events.bpf.h"
#include "lib/filter.bpf.h"
#include "lib/trap.bpf.h"

#define KVM_ISA_VMX 1
#define KVM_ISA_SVM 2

struct vflow_vcpu {
	__u64 exit_ns;		/* 0: in the guest (or unknown) */
	__u64 code;
	__u64 ann_code;
	__u64 uexit_ns;		/* exit to the VMM in user space, 0 if none */
	__u64 uexit_reason;
	__u32 kind;
	__u32 ann_kind;		/* 0: no annotation */
	__u32 pid;
	__u32 vcpu;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VFLOW_MAX_VCPU_THREADS);
	__type(key, __u32);
	__type(value, struct vflow_vcpu);
} vcpu_states SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VFLOW_MAX_KVM_KEYS);
	__type(key, struct vflow_kvm_key);
	__type(value, struct vflow_trap_val);
} kvm_stats SEC(".maps");

/* VM exits since the last sample, per CPU (the flight recorder's VM class) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} vm_sampled SEC(".maps");

#define FILTER_OUT() \
	do { \
		if (filtered_out()) \
			return 0; \
	} while (0)

static const struct vflow_vcpu zero_state;

/* VMM @pid's first trap of a key: name it (the key's pid: test-run events have no VMM as current). */
static __always_inline void vm_proc_event(__u32 pid, __u32 vcpu, __u32 kind, __u64 code)
{
	struct vflow_event *e = event_reserve();

	if (!e)
		return;
	__builtin_memset(e, 0, sizeof(*e));
	e->kind = VFLOW_EV_VM_PROC;
	e->trap = kind;
	e->pid = pid;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->code = code;
	e->sub = vcpu;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	event_submit(e, true);
}

static __always_inline struct vflow_trap_val *kvm_val_get(__u32 pid, __u32 vcpu, __u32 kind, __u64 code)
{
	struct vflow_kvm_key key = { .pid = pid, .vcpu = vcpu, .kind = kind, .code = code };
	struct vflow_trap_val *v = bpf_map_lookup_elem(&kvm_stats, &key);

	if (v)
		return v;
	v = trap_val_get(&kvm_stats, &key);
	if (!v) {
		counter_inc(VFLOW_CNT_KVM_KEYS_FULL);
		return NULL;
	}
	/*
	 * A new key: the VMM (current: KVM runs in its vCPU thread) is named
	 * now, while it lives; a guest shorter than a report interval too.
	 * Once per key, a few per VM: nothing on the path of a known key.
	 */
	vm_proc_event(pid, vcpu, kind, code);
	return v;
}

static __always_inline void kvm_account(__u32 pid, __u32 vcpu, __u32 kind, __u64 code, __u64 lat)
{
	struct vflow_trap_val *v = kvm_val_get(pid, vcpu, kind, code);

	if (v)
		trap_val_account(v, lat);
}

static __always_inline void on_kvm_exit(__u32 pid, __u32 tid, __u32 vcpu, __u32 isa, __u64 reason,
					__u64 now)
{
	struct vflow_vcpu *st = bpf_map_lookup_elem(&vcpu_states, &tid);
	struct vflow_trap_val *v;

	if (!st) {
		bpf_map_update_elem(&vcpu_states, &tid, &zero_state, BPF_ANY);
		st = bpf_map_lookup_elem(&vcpu_states, &tid);
		if (!st) {
			counter_inc(VFLOW_CNT_KVM_VCPU_FULL);
			return;
		}
	}
	if (st->exit_ns) {
		/* the previous exit's entry was lost: count it, time nothing */
		counter_inc(VFLOW_CNT_KVM_LOST_ENTRY);
		v = kvm_val_get(st->pid, st->vcpu, st->kind, st->code);
		if (v)
			v->skipped += 1;
	}
	st->kind = isa == KVM_ISA_VMX ? VFLOW_TRAP_VMEXIT_VMX :
		   isa == KVM_ISA_SVM ? VFLOW_TRAP_VMEXIT_SVM : VFLOW_TRAP_VMEXIT_UNKNOWN;
	st->code = reason;
	st->pid = pid;
	st->vcpu = vcpu;
	st->ann_kind = 0;
	st->uexit_ns = 0;	/* a user-space exit belongs to the exit before it */
	st->exit_ns = now;
}

/* Interrupt injection, Xen multicalls, emulated I/O: counted, not timed. */
static __always_inline void on_kvm_count(__u32 pid, __u32 vcpu, __u32 kind, __u64 code)
{
	struct vflow_trap_val *v = kvm_val_get(pid, vcpu, kind, code);

	if (v)
		v->count += 1;
}

/*
 * A hypercall, PIO or MMIO event: during the exit being handled it gets
 * that exit's latency; with no exit pending (an instruction KVM emulated
 * without a hardware exit, as in real mode or on PVM hosts) it is counted.
 */
static __always_inline void on_kvm_annotate(__u32 pid, __u32 tid, __u32 kind, __u64 code)
{
	struct vflow_vcpu *st = bpf_map_lookup_elem(&vcpu_states, &tid);

	if (!st || !st->exit_ns) {
		on_kvm_count(pid, st ? st->vcpu : 0, kind, code);
		return;
	}
	st->ann_kind = kind;
	st->ann_code = code;
}

/* Timed to the next kvm_entry when an exit is pending, else counted. */
static __always_inline void on_kvm_userspace_exit(__u32 pid, __u32 tid, __u64 reason, __u64 now)
{
	struct vflow_vcpu *st = bpf_map_lookup_elem(&vcpu_states, &tid);

	if (!st || !st->exit_ns) {
		on_kvm_count(pid, st ? st->vcpu : 0, VFLOW_TRAP_USERSPACE_EXIT, reason);
		return;
	}
	st->uexit_ns = now;
	st->uexit_reason = reason;
}

/* Stream the exit that just ended when it is the CPU's sample or slow. */
static __always_inline void kvm_record(const struct vflow_vcpu *st, __u32 tid, __u64 now, __u64 lat)
{
	struct vflow_event *e;
	__u32 zero = 0, flags;

	flags = rec_flags(VFLOW_REC_VM, bpf_map_lookup_elem(&vm_sampled, &zero), lat);
	if (!flags)
		return;
	e = event_reserve();
	if (!e)
		return;
	e->kind = VFLOW_EV_TRAP;
	e->trap = st->kind;
	e->flags = flags;
	e->pid = st->pid;
	e->tid = tid;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->ts_ns = now;
	e->latency_ns = lat;
	e->code = st->code;
	e->ret = st->ann_kind ? st->ann_code : (st->uexit_ns ? st->uexit_reason : 0);
	e->sub = st->vcpu;
	e->aux_trap = st->ann_kind ? st->ann_kind : (st->uexit_ns ? VFLOW_TRAP_USERSPACE_EXIT : 0);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	event_submit(e, false);
}

static __always_inline void on_kvm_entry(__u32 tid, __u64 now)
{
	struct vflow_vcpu *st = bpf_map_lookup_elem(&vcpu_states, &tid);
	__u64 lat;

	if (!st || !st->exit_ns) {
		counter_inc(VFLOW_CNT_KVM_UNPAIRED_ENTRY);
		if (st)
			st->uexit_ns = 0;
		return;
	}
	lat = now - st->exit_ns;
	kvm_account(st->pid, st->vcpu, st->kind, st->code, lat);
	kvm_record(st, tid, now, lat);
	if (st->ann_kind)
		kvm_account(st->pid, st->vcpu, st->ann_kind, st->ann_code, lat);
	if (st->uexit_ns && now >= st->uexit_ns)
		kvm_account(st->pid, st->vcpu, VFLOW_TRAP_USERSPACE_EXIT, st->uexit_reason,
			    now - st->uexit_ns);
	st->uexit_ns = 0;
	st->ann_kind = 0;
	st->exit_ns = 0;
}

static __always_inline __u32 cur_pid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

static __always_inline __u32 cur_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

/* The vCPU a thread last exited from (for events that do not carry it). */
static __always_inline __u32 cur_vcpu(void)
{
	__u32 tid = cur_tid();
	struct vflow_vcpu *st = bpf_map_lookup_elem(&vcpu_states, &tid);

	return st ? st->vcpu : 0;
}

SEC("tracepoint/kvm/kvm_exit")
int kvm_exit(struct trace_event_raw_kvm_exit *ctx)
{
	__u32 vcpu = 0;

	FILTER_OUT();
	/* vcpu_id joined the record in 5.14 (commit d6e7d2a6ad0a) */
	if (bpf_core_field_exists(ctx->vcpu_id))
		vcpu = BPF_CORE_READ(ctx, vcpu_id);
	on_kvm_exit(cur_pid(), cur_tid(), vcpu, BPF_CORE_READ(ctx, isa), BPF_CORE_READ(ctx, exit_reason),
		    bpf_ktime_get_ns());
	return 0;
}

SEC("tracepoint/kvm/kvm_entry")
int kvm_entry(void *ctx)
{
	FILTER_OUT();
	on_kvm_entry(cur_tid(), bpf_ktime_get_ns());
	return 0;
}

SEC("tracepoint/kvm/kvm_userspace_exit")
int kvm_userspace_exit(struct trace_event_raw_kvm_userspace_exit *ctx)
{
	FILTER_OUT();
	on_kvm_userspace_exit(cur_pid(), cur_tid(), BPF_CORE_READ(ctx, reason), bpf_ktime_get_ns());
	return 0;
}

SEC("tracepoint/kvm/kvm_hypercall")
int kvm_hypercall(struct trace_event_raw_kvm_hypercall *ctx)
{
	FILTER_OUT();
	on_kvm_annotate(cur_pid(), cur_tid(), VFLOW_TRAP_HCALL_KVM, BPF_CORE_READ(ctx, nr));
	return 0;
}

SEC("tracepoint/kvm/kvm_xen_hypercall")
int kvm_xen_hypercall(struct trace_event_raw_kvm_xen_hypercall *ctx)
{
	FILTER_OUT();
	on_kvm_annotate(cur_pid(), cur_tid(), VFLOW_TRAP_HCALL_XEN, BPF_CORE_READ(ctx, nr));
	return 0;
}

SEC("tracepoint/kvm/kvm_hv_hypercall")
int kvm_hv_hypercall(struct trace_event_raw_kvm_hv_hypercall *ctx)
{
	FILTER_OUT();
	on_kvm_annotate(cur_pid(), cur_tid(), VFLOW_TRAP_HCALL_HV, BPF_CORE_READ(ctx, code));
	return 0;
}

SEC("tracepoint/kvm/kvm_pio")
int kvm_pio(struct trace_event_raw_kvm_pio *ctx)
{
	FILTER_OUT();
	on_kvm_annotate(cur_pid(), cur_tid(), VFLOW_TRAP_PIO, BPF_CORE_READ(ctx, port));
	return 0;
}

SEC("tracepoint/kvm/kvm_mmio")
int kvm_mmio(struct trace_event_raw_kvm_mmio *ctx)
{
	FILTER_OUT();
	on_kvm_annotate(cur_pid(), cur_tid(), VFLOW_TRAP_MMIO, BPF_CORE_READ(ctx, gpa) & VFLOW_GPA_PAGE_MASK);
	return 0;
}

SEC("tracepoint/kvm/kvm_fast_mmio")
int kvm_fast_mmio(struct trace_event_raw_kvm_fast_mmio *ctx)
{
	FILTER_OUT();
	on_kvm_annotate(cur_pid(), cur_tid(), VFLOW_TRAP_FAST_MMIO, BPF_CORE_READ(ctx, gpa) & VFLOW_GPA_PAGE_MASK);
	return 0;
}

/* kvm_set_irq and kvm_msi_set_irq may fire on the VMM's I/O thread or an
 * irqfd worker: attributed to the current process and its last vCPU. */
SEC("tracepoint/kvm/kvm_set_irq")
int kvm_set_irq(struct trace_event_raw_kvm_set_irq *ctx)
{
	FILTER_OUT();
	on_kvm_count(cur_pid(), cur_vcpu(), VFLOW_TRAP_IRQ_SET, BPF_CORE_READ(ctx, gsi));
	return 0;
}

SEC("tracepoint/kvm/kvm_msi_set_irq")
int kvm_msi_set_irq(void *ctx)
{
	FILTER_OUT();
	on_kvm_count(cur_pid(), cur_vcpu(), VFLOW_TRAP_IRQ_MSI, 0);
	return 0;
}

SEC("tracepoint/kvm/kvm_inj_virq")
int kvm_inj_virq(struct trace_event_raw_kvm_inj_virq *ctx)
{
	FILTER_OUT();
	on_kvm_count(cur_pid(), cur_vcpu(), VFLOW_TRAP_IRQ_INJ, BPF_CORE_READ(ctx, vector));
	return 0;
}

/* Xen PV guests and dom0: multicall batches. Not in every kernel's BTF. */
struct trace_event_raw_xen_mc_entry___vflow {
	struct trace_entry ent;
	unsigned int op;
	unsigned int nargs;
} __attribute__((preserve_access_index));

SEC("tracepoint/xen/xen_mc_entry")
int xen_mc_entry(struct trace_event_raw_xen_mc_entry___vflow *ctx)
{
	FILTER_OUT();
	on_kvm_count(cur_pid(), 0, VFLOW_TRAP_XEN_MC, BPF_CORE_READ(ctx, op));
	return 0;
}

SEC("tracepoint/xen/xen_mc_flush")
int xen_mc_flush(void *ctx)
{
	FILTER_OUT();
	on_kvm_count(cur_pid(), 0, VFLOW_TRAP_XEN_MC, VFLOW_XEN_MC_FLUSH_CODE);
	return 0;
}

/* Test-run entry point: one synthetic event through the same handlers. */
SEC("syscall")
int kvm_test_event(struct vflow_kvm_test_event *ev)
{
	switch (ev->type) {
	case VFLOW_KVM_TEST_EXIT:
		on_kvm_exit(ev->pid, ev->tid, ev->vcpu, ev->isa, ev->code, ev->ts_ns);
		break;
	case VFLOW_KVM_TEST_ENTRY:
		on_kvm_entry(ev->tid, ev->ts_ns);
		break;
	case VFLOW_KVM_TEST_ANNOTATE:
		on_kvm_annotate(ev->pid, ev->tid, ev->kind, ev->code);
		break;
	case VFLOW_KVM_TEST_USERSPACE_EXIT:
		on_kvm_userspace_exit(ev->pid, ev->tid, ev->code, ev->ts_ns);
		break;
	case VFLOW_KVM_TEST_COUNT:
		on_kvm_count(ev->pid, ev->vcpu, ev->kind, ev->code);
		break;
	default:
		return 1;
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
