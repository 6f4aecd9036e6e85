/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The trap vocabulary: what a trap is called, which recorder class and
 * which paradigm it belongs to, and what a row of traps says about
 * latency; with the names of the paradigms, the sandbox actions and the
 * engine's counters. Every output (vflowd's text and JSON, the exporter,
 * vflowtop, the dumps) takes these from here, so that one trap reads the
 * same everywhere (docs/ARCHITECTURE.md).
 */
#ifndef VFLOW_TRAP_H
#define VFLOW_TRAP_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "vflow.h"
#include "core/snapshot.h"

/*
 * The latency of a row none of whose traps was timed (counted-only kinds,
 * sandbox errno actions, VM exits whose entry was lost): no figure, which
 * text prints as "-" and JSON as null. Never a real latency: those are >= 0.
 */
#define TRAP_UNTIMED_NS (-1.0)

/* What kind of trap a kind is. */
static inline bool is_sandbox_kind(__u32 k)
{
	return k == VFLOW_TRAP_SANDBOX || k == VFLOW_TRAP_NOTIF_HANDLING || k == VFLOW_TRAP_FILTER_COST;
}

static inline bool is_kvm_kind(__u32 k)
{
	return k >= VFLOW_TRAP_VMEXIT_VMX && k <= VFLOW_TRAP_XEN_MC;
}

static inline bool is_exit_kind(__u32 k)
{
	return k == VFLOW_TRAP_VMEXIT_VMX || k == VFLOW_TRAP_VMEXIT_SVM || k == VFLOW_TRAP_VMEXIT_UNKNOWN;
}

static inline bool is_hcall_kind(__u32 k)
{
	return k == VFLOW_TRAP_HCALL_KVM || k == VFLOW_TRAP_HCALL_XEN || k == VFLOW_TRAP_HCALL_HV;
}

static inline bool is_io_kind(__u32 k)
{
	return k == VFLOW_TRAP_PIO || k == VFLOW_TRAP_MMIO || k == VFLOW_TRAP_FAST_MMIO;
}

/* Short name of a trap kind: "syscall", "vmx", "svm", "hcall_kvm", "pio", ... */
const char *trap_kind_name(enum vflow_trap_kind kind);

/*
 * The recorder class of a trap kind, which picks its sampling period and
 * slow threshold: syscalls; the sandbox's traps (seccomp actions, user-notify
 * handling, the seccomp filter's own run time); and VM traps (every KVM kind).
 */
enum vflow_rec_class trap_rec_class(__u32 kind);
const char *trap_rec_class_name(enum vflow_rec_class c);	/* "syscall", "vm", "sandbox" */

/*
 * The paradigm a trap belongs to. Hypercalls, ioeventfd kicks and VMCALL /
 * VMMCALL exits are paravirtual; other KVM traps full virtualization;
 * seccomp, user-notify and filter rows the sandbox. A syscall's (and a
 * scheduling row's) paradigm is its cgroup's, which the trap alone does not
 * tell: VFLOW_PARADIGM_HOST here, CONTAINER where the workload says so.
 */
enum vflow_paradigm trap_paradigm(__u32 kind, __u64 code);
const char *paradigm_name(enum vflow_paradigm p);	/* "host", "fullvirt", ...; "unknown" */
/* The paradigm called @name ("container", ...), or -1. */
int paradigm_parse(const char *name);

/* Name of a sandbox action (enum vflow_sys_action): "errno", "trap", "user_notif", ... */
const char *sys_action_name(__u32 action);

/*
 * Name of trap @code of @kind: a syscall ("getppid"; sandbox rows are
 * keyed by syscall too), a VM exit reason ("EPT_VIOLATION"), or the kind
 * and its code for the rest, so that a name stands on its own in any
 * column or label ("pio port 0x3f8", "mmio gpa 0xfee00000", "userspace IO",
 * "hcall_kvm 5"). Returns buf or a constant.
 */
const char *trap_name(__u32 kind, __u64 code, char *buf, size_t len);
/* Name of a streamed trap: trap_name(), and a sandbox trap's action ("getppid errno"). */
const char *trap_event_name(const struct vflow_event *ev, char *buf, size_t len);

/*
 * Mean latency of a row's timed traps: total_ns over the histogram's count,
 * not over count (counts include traps that were not timed).
 * TRAP_UNTIMED_NS when none was.
 */
double trap_row_mean_ns(const struct trap_row *row);
/* Its q-quantile (0 < q <= 1) from the histogram; TRAP_UNTIMED_NS when none was timed. */
double trap_row_quantile_ns(const struct trap_row *row, double q);

/* Name of an enum vflow_counter slot, for output ("keys_full", ...). */
const char *counter_name(enum vflow_counter c);
/* Is this counter a loss (something not recorded) rather than information? */
bool counter_is_loss(enum vflow_counter c);

#endif
