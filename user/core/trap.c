// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The trap vocabulary (core/trap.h): one table or one rule for each name,
 * class, paradigm and latency figure that the outputs show.
 */
#include <stdio.h>
#include <string.h>
#include "core/kvm_reasons.h"
#include "core/syscalls.h"
#include "core/trap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* room for a KVM_EXIT_* name or number */
#define USERSPACE_NAME_LEN 32
/* room for a syscall name or "sys_<nr>" */
#define SYSCALL_NAME_LEN 32

static const char *const trap_kinds[VFLOW_TRAP_KIND_MAX] = {
	[VFLOW_TRAP_SYSCALL] = "syscall",
	[VFLOW_TRAP_VMEXIT_VMX] = "vmx",
	[VFLOW_TRAP_VMEXIT_SVM] = "svm",
	[VFLOW_TRAP_VMEXIT_UNKNOWN] = "vmexit",
	[VFLOW_TRAP_USERSPACE_EXIT] = "userspace",
	[VFLOW_TRAP_HCALL_KVM] = "hcall_kvm",
	[VFLOW_TRAP_HCALL_XEN] = "hcall_xen",
	[VFLOW_TRAP_HCALL_HV] = "hcall_hv",
	[VFLOW_TRAP_FAST_MMIO] = "fast_mmio",
	[VFLOW_TRAP_MMIO] = "mmio",
	[VFLOW_TRAP_PIO] = "pio",
	[VFLOW_TRAP_IRQ_SET] = "irq_set",
	[VFLOW_TRAP_IRQ_MSI] = "irq_msi",
	[VFLOW_TRAP_IRQ_INJ] = "irq_inj",
	[VFLOW_TRAP_XEN_MC] = "xen_mc",
	[VFLOW_TRAP_SANDBOX] = "sandbox",
	[VFLOW_TRAP_NOTIF_HANDLING] = "notif_handling",
	[VFLOW_TRAP_FILTER_COST] = "filter_cost",
	[VFLOW_TRAP_SCHED_ONCPU] = "sched_oncpu",
	[VFLOW_TRAP_SCHED_RUNQ] = "sched_runq",
};

static const char *const class_names[VFLOW_REC_MAX] = {
	[VFLOW_REC_SYSCALL] = "syscall", [VFLOW_REC_VM] = "vm", [VFLOW_REC_SANDBOX] = "sandbox",
};

static const char *const paradigm_names[VFLOW_PARADIGM_MAX] = {
	[VFLOW_PARADIGM_HOST] = "host",
	[VFLOW_PARADIGM_FULLVIRT] = "fullvirt",
	[VFLOW_PARADIGM_PARAVIRT] = "paravirt",
	[VFLOW_PARADIGM_CONTAINER] = "container",
	[VFLOW_PARADIGM_SANDBOX] = "sandbox",
};

static const char *const action_names[VFLOW_ACT_MAX] = {
	[VFLOW_ACT_NONE] = "none", [VFLOW_ACT_SKIPPED] = "skipped", [VFLOW_ACT_ERRNO] = "errno",
	[VFLOW_ACT_TRAP] = "trap", [VFLOW_ACT_KILL] = "kill", [VFLOW_ACT_USER_NOTIF] = "user_notif",
	[VFLOW_ACT_NOTIF_CONTINUE] = "notif_continue", [VFLOW_ACT_PTRACE] = "ptrace",
	[VFLOW_ACT_USER_DISPATCH] = "user_dispatch",
};

static const char *const counter_names[VFLOW_CNT_MAX] = {
	[VFLOW_CNT_KEYS_FULL] = "keys_full",
	[VFLOW_CNT_TASK_STORAGE_FAIL] = "task_storage_fail",
	[VFLOW_CNT_RINGBUF_DROP] = "ringbuf_drop",
	[VFLOW_CNT_INFLIGHT_AT_START] = "inflight_at_start",
	[VFLOW_CNT_FORK_RETURN] = "fork_return",
	[VFLOW_CNT_NR_OUT_OF_RANGE] = "nr_out_of_range",
	[VFLOW_CNT_KVM_KEYS_FULL] = "kvm_keys_full",
	[VFLOW_CNT_KVM_LOST_ENTRY] = "kvm_lost_entry",
	[VFLOW_CNT_KVM_UNPAIRED_ENTRY] = "kvm_unpaired_entry",
	[VFLOW_CNT_KVM_VCPU_FULL] = "kvm_vcpu_full",
	[VFLOW_CNT_SANDBOX_KEYS_FULL] = "sandbox_keys_full",
	[VFLOW_CNT_NOTIF_UNMATCHED] = "notif_unmatched",
	[VFLOW_CNT_NOTIF_FULL] = "notif_full",
	[VFLOW_CNT_SCHED_KEYS_FULL] = "sched_keys_full",
};

/* A name from a table indexed by an enum, "unknown" out of range or unnamed. */
static const char *table_name(const char *const *names, size_t n, unsigned int i)
{
	return i < n && names[i] ? names[i] : "unknown";
}

const char *trap_kind_name(enum vflow_trap_kind kind)
{
	return table_name(trap_kinds, ARRAY_SIZE(trap_kinds), kind);
}

/*
 * FILTER_COST is the seccomp filter's own run time, keyed by the filtered
 * process: the sandbox paradigm's S_trap (docs/DESIGN.md), so the sandbox
 * class's period and threshold apply to it, not the VM class's.
 */
enum vflow_rec_class trap_rec_class(__u32 kind)
{
	if (kind == VFLOW_TRAP_SYSCALL)
		return VFLOW_REC_SYSCALL;
	if (is_sandbox_kind(kind))
		return VFLOW_REC_SANDBOX;
	/* the KVM kinds; nothing else is streamed (scheduling rows never are) */
	return VFLOW_REC_VM;
}

const char *trap_rec_class_name(enum vflow_rec_class c)
{
	return table_name(class_names, ARRAY_SIZE(class_names), c);
}

enum vflow_paradigm trap_paradigm(__u32 kind, __u64 code)
{
	switch (kind) {
	case VFLOW_TRAP_SYSCALL:
	case VFLOW_TRAP_SCHED_ONCPU:
	case VFLOW_TRAP_SCHED_RUNQ:
		return VFLOW_PARADIGM_HOST;
	case VFLOW_TRAP_HCALL_KVM:
	case VFLOW_TRAP_HCALL_XEN:
	case VFLOW_TRAP_HCALL_HV:
	case VFLOW_TRAP_FAST_MMIO:	/* a virtio kick: the paravirtual device's doorbell */
		return VFLOW_PARADIGM_PARAVIRT;
	case VFLOW_TRAP_VMEXIT_VMX:
	case VFLOW_TRAP_VMEXIT_SVM:
	case VFLOW_TRAP_VMEXIT_UNKNOWN:
		return kvm_exit_class(kind, code) == KVM_EXIT_CLASS_HYPERCALL ?
		       VFLOW_PARADIGM_PARAVIRT : VFLOW_PARADIGM_FULLVIRT;
	default:
		if (is_sandbox_kind(kind))
			return VFLOW_PARADIGM_SANDBOX;
		return kind < VFLOW_TRAP_KIND_MAX ? VFLOW_PARADIGM_FULLVIRT : VFLOW_PARADIGM_HOST;
	}
}

const char *paradigm_name(enum vflow_paradigm p)
{
	return table_name(paradigm_names, ARRAY_SIZE(paradigm_names), p);
}

int paradigm_parse(const char *name)
{
	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++)
		if (!strcmp(paradigm_names[p], name))
			return p;
	return -1;
}

const char *sys_action_name(__u32 action)
{
	return table_name(action_names, ARRAY_SIZE(action_names), action);
}

const char *trap_name(__u32 kind, __u64 code, char *buf, size_t len)
{
	char tmp[USERSPACE_NAME_LEN];

	switch (kind) {
	case VFLOW_TRAP_SYSCALL:
	case VFLOW_TRAP_SANDBOX:
		return syscall_name((__u32)code, buf, len);
	case VFLOW_TRAP_VMEXIT_VMX:
	case VFLOW_TRAP_VMEXIT_SVM:
	case VFLOW_TRAP_VMEXIT_UNKNOWN:
		return kvm_exit_reason_name(kind, code, buf, len);
	case VFLOW_TRAP_USERSPACE_EXIT:
		snprintf(buf, len, "%s %s", trap_kind_name(kind),
			 kvm_userspace_exit_name(code, tmp, sizeof(tmp)));
		return buf;
	case VFLOW_TRAP_PIO:
		snprintf(buf, len, "%s port 0x%llx", trap_kind_name(kind), (unsigned long long)code);
		return buf;
	case VFLOW_TRAP_MMIO:
	case VFLOW_TRAP_FAST_MMIO:
		snprintf(buf, len, "%s gpa 0x%llx", trap_kind_name(kind), (unsigned long long)code);
		return buf;
	default:
		snprintf(buf, len, "%s %llu", trap_kind_name(kind), (unsigned long long)code);
		return buf;
	}
}

const char *trap_event_name(const struct vflow_event *ev, char *buf, size_t len)
{
	char nr[SYSCALL_NAME_LEN];

	if (ev->trap != VFLOW_TRAP_SANDBOX)
		return trap_name(ev->trap, ev->code, buf, len);
	snprintf(buf, len, "%s %s", trap_name(ev->trap, ev->code, nr, sizeof(nr)),
		 sys_action_name(ev->sub));
	return buf;
}

double trap_row_mean_ns(const struct trap_row *row)
{
	__u64 timed = hist_count(row->hist);

	return timed ? (double)row->total_ns / (double)timed : TRAP_UNTIMED_NS;
}

double trap_row_quantile_ns(const struct trap_row *row, double q)
{
	return hist_count(row->hist) ? hist_quantile_ns(row->hist, q) : TRAP_UNTIMED_NS;
}

const char *counter_name(enum vflow_counter c)
{
	return table_name(counter_names, ARRAY_SIZE(counter_names), c);
}

bool counter_is_loss(enum vflow_counter c)
{
	return c == VFLOW_CNT_KEYS_FULL || c == VFLOW_CNT_TASK_STORAGE_FAIL ||
	       c == VFLOW_CNT_RINGBUF_DROP || c == VFLOW_CNT_NR_OUT_OF_RANGE ||
	       c == VFLOW_CNT_KVM_KEYS_FULL || c == VFLOW_CNT_KVM_VCPU_FULL ||
	       c == VFLOW_CNT_SANDBOX_KEYS_FULL || c == VFLOW_CNT_NOTIF_FULL ||
	       c == VFLOW_CNT_SCHED_KEYS_FULL;
}
