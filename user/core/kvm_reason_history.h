/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Exit reason names that kvm_exit printed in older kernels, and those that
 * trace-cmd's and perf's kvm plugin print, mapped to the codes the kernel
 * names today (core/kvm_reasons.c). An old name is the same exit: it is
 * counted under today's code, never as an unknown reason.
 *
 *  - 2.6.3x: VMX printed its own lowercase table ("ext_irq", "halt",
 *    "apic_access"), SVM the lowercase one it still prints. Five names were
 *    in both ("cpuid", "invlpg", "hypercall", "wbinvd", "task_switch"):
 *    such a name is ambiguous until the capture says which it is.
 *  - 3.x to 5.5: the uapi VMX_EXIT_REASONS named exit 7 PENDING_INTERRUPT
 *    (INTERRUPT_WINDOW since 5.6).
 *  - libtraceevent's kvm plugin (trace-cmd report, perf script): VMX names
 *    as the 3.x uapi ones, SVM names as svm.h's constants without "SVM_"
 *    ("EXIT_MSR", "EXIT_EXCP_GP"), "UNKNOWN (N)" for the rest.
 */
#ifndef VFLOW_KVM_REASON_HISTORY_H
#define VFLOW_KVM_REASON_HISTORY_H

#include <linux/types.h>
#include "vflow.h"

/*
 * Codes of VFLOW_TRAP_VMEXIT_UNKNOWN beyond the 32 bits of any exit_reason:
 *  - AMBIGUOUS: a 2.6.3x name both isas printed; bits 0-15 hold its VMX
 *    code, bits 16-31 its SVM code (kvm_exit_reason_resolve picks one);
 *  - NONE: the record named no reason (a line cut short, "UNKNOWN-ISA").
 */
#define KVM_EXIT_REASON_AMBIGUOUS	(1ULL << 40)
#define KVM_EXIT_REASON_NONE		(1ULL << 41)
#define KVM_AMBIGUOUS_SVM_SHIFT		16
#define KVM_AMBIGUOUS_CODE_MASK		0xffffULL

/*
 * The exit an old or plugin name stands for: *kind VMX or SVM and today's
 * code, or VFLOW_TRAP_VMEXIT_UNKNOWN with an AMBIGUOUS code. 0 or -ENOENT.
 */
int kvm_exit_reason_alias(const char *name, __u32 *kind, __u64 *code);
/* The code of an AMBIGUOUS exit on @kind (VMX or SVM); other codes unchanged. */
__u64 kvm_exit_reason_resolve(__u64 code, __u32 kind);
/* The name an AMBIGUOUS code was printed with ("cpuid"), or NULL. */
const char *kvm_exit_reason_ambiguous_name(__u64 code);

#endif
