/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names and classes of KVM trap codes: VMX and SVM exit reasons (the
 * kernel's own tables, from the kvm_exit tracepoint's format), KVM_EXIT_*
 * user-space exit reasons, and which exits are idle rather than overhead.
 * The name of any trap, KVM or not, is core/trap.h's trap_name().
 */
#ifndef VFLOW_KVM_REASONS_H
#define VFLOW_KVM_REASONS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "vflow.h"

/* kvm_exit's isa field */
#define KVM_ISA_VMX 1
#define KVM_ISA_SVM 2
/* VMX: basic exit reason in the low 16 bits; bit 31 = VM-entry failure */
#define VMX_EXIT_REASON_MASK 0xffffU
#define VMX_EXIT_FAILED_VMENTRY 0x80000000U

/* How an exit counts in the overhead model. */
enum kvm_exit_class {
	KVM_EXIT_CLASS_TRAP = 0,	/* overhead: the guest wanted to run */
	KVM_EXIT_CLASS_IDLE,		/* HLT, MWAIT, idle-halt: the vCPU had nothing to do */
	KVM_EXIT_CLASS_HYPERCALL,	/* VMCALL / VMMCALL: paravirtual trap */
	KVM_EXIT_CLASS_IO,		/* port I/O, MMIO / EPT misconfig / NPF: device access */
};

/*
 * Name of exit @code for trap kind @kind (VFLOW_TRAP_VMEXIT_VMX/_SVM/_UNKNOWN):
 * "EPT_VIOLATION", "hlt", ... ; unknown codes come back as a number
 * ("reason_0x1234"); the VMX failed-entry bit adds " FAILED_VMENTRY".
 * Always returns a NUL-terminated string (buf or a constant).
 */
const char *kvm_exit_reason_name(__u32 kind, __u64 code, char *buf, size_t len);
/* The code of an exit reason name ("EPT_VIOLATION" -> 48 with *kind = VMX,
 * "npf" -> 0x400 with *kind = SVM); 0 or -ENOENT. */
int kvm_exit_reason_code(const char *name, __u32 *kind, __u64 *code);
/*
 * The reason of a kvm_exit line as the tracepoint prints it (@len bytes of
 * @text): a name (today's, or one an older kernel or the kvm plugin printed:
 * core/kvm_reason_history.h), VMX flags after it ("INVALID_STATE
 * FAILED_VMENTRY"), or a number the kernel has no name for (hex, or the
 * plugin's "UNKNOWN (N)"), whose *kind is VFLOW_TRAP_VMEXIT_UNKNOWN unless
 * a VMX flag says VMX. 0 or -EINVAL.
 */
int kvm_exit_reason_parse(const char *text, size_t len, __u32 *kind, __u64 *code);
enum kvm_exit_class kvm_exit_class(__u32 kind, __u64 code);
const char *kvm_exit_class_name(enum kvm_exit_class c);	/* "trap", "idle", "hypercall", "io" */
/* KVM_EXIT_* name of a user-space exit reason ("IO", "MMIO", "HLT", ...), or a number. */
const char *kvm_userspace_exit_name(__u64 reason, char *buf, size_t len);

#endif
