// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Old and plugin exit reason names (see core/kvm_reason_history.h), each
 * table from the source that printed it: arch/x86/kvm/vmx.c's
 * vmx_exit_reasons_str (2.6.29 to 3.x), the uapi asm/vmx.h VMX_EXIT_REASONS
 * (3.x to 5.5), and asm/svm.h's SVM_EXIT_* constants, whose names the
 * libtraceevent kvm plugin prints.
 */
#include <errno.h>
#include <string.h>
#include "core/kvm_reason_history.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct reason_alias {
	const char *name;
	__u32 kind;
	__u64 code;
};

#define VMX(n, c)	{ .name = (n), .kind = VFLOW_TRAP_VMEXIT_VMX, .code = (c) }
#define SVM(n, c)	{ .name = (n), .kind = VFLOW_TRAP_VMEXIT_SVM, .code = (c) }
/* a 2.6.3x name both isas printed: the VMX and the SVM code */
#define BOTH(n, v, s)	{ .name = (n), .kind = VFLOW_TRAP_VMEXIT_UNKNOWN,			\
			  .code = KVM_EXIT_REASON_AMBIGUOUS |					\
				  ((__u64)(s) << KVM_AMBIGUOUS_SVM_SHIFT) | (v) }
/* SVM exception intercepts are SVM_EXIT_EXCP_BASE + vector */
#define SVM_EXCP(n, vec) SVM(n, 0x040 + (vec))

static const struct reason_alias aliases[] = {
	/* VMX, 2.6.29 to 3.x: vmx_exit_reasons_str */
	VMX("exception", 0),		VMX("ext_irq", 1),
	VMX("triple_fault", 2),		VMX("interrupt_window", 7),
	VMX("nmi_window", 8),		VMX("halt", 12),
	VMX("cr_access", 28),		VMX("dr_access", 29),
	VMX("io_instruction", 30),	VMX("rdmsr", 31),
	VMX("wrmsr", 32),		VMX("tpr_below_thres", 43),
	VMX("apic_access", 44),		VMX("ept_violation", 48),
	BOTH("task_switch", 9, 0x07d),	BOTH("cpuid", 10, 0x072),
	BOTH("invlpg", 14, 0x079),	BOTH("hypercall", 18, 0x081),
	BOTH("wbinvd", 54, 0x089),
	/* VMX, 3.x to 5.5 uapi (and the kvm plugin): renamed INTERRUPT_WINDOW in 5.6 */
	VMX("PENDING_INTERRUPT", 7),
	/* SVM as the kvm plugin prints it: asm/svm.h's SVM_EXIT_* without "SVM_" */
	SVM("EXIT_READ_CR0", 0x000),	SVM("EXIT_READ_CR2", 0x002),
	SVM("EXIT_READ_CR3", 0x003),	SVM("EXIT_READ_CR4", 0x004),
	SVM("EXIT_READ_CR8", 0x008),	SVM("EXIT_WRITE_CR0", 0x010),
	SVM("EXIT_WRITE_CR2", 0x012),	SVM("EXIT_WRITE_CR3", 0x013),
	SVM("EXIT_WRITE_CR4", 0x014),	SVM("EXIT_WRITE_CR8", 0x018),
	SVM("EXIT_READ_DR0", 0x020),	SVM("EXIT_READ_DR1", 0x021),
	SVM("EXIT_READ_DR2", 0x022),	SVM("EXIT_READ_DR3", 0x023),
	SVM("EXIT_READ_DR4", 0x024),	SVM("EXIT_READ_DR5", 0x025),
	SVM("EXIT_READ_DR6", 0x026),	SVM("EXIT_READ_DR7", 0x027),
	SVM("EXIT_WRITE_DR0", 0x030),	SVM("EXIT_WRITE_DR1", 0x031),
	SVM("EXIT_WRITE_DR2", 0x032),	SVM("EXIT_WRITE_DR3", 0x033),
	SVM("EXIT_WRITE_DR4", 0x034),	SVM("EXIT_WRITE_DR5", 0x035),
	SVM("EXIT_WRITE_DR6", 0x036),	SVM("EXIT_WRITE_DR7", 0x037),
	SVM_EXCP("EXIT_EXCP_DE", 0),	SVM_EXCP("EXIT_EXCP_DB", 1),
	SVM_EXCP("EXIT_EXCP_BP", 3),	SVM_EXCP("EXIT_EXCP_OF", 4),
	SVM_EXCP("EXIT_EXCP_BR", 5),	SVM_EXCP("EXIT_EXCP_UD", 6),
	SVM_EXCP("EXIT_EXCP_NM", 7),	SVM_EXCP("EXIT_EXCP_DF", 8),
	SVM_EXCP("EXIT_EXCP_TS", 10),	SVM_EXCP("EXIT_EXCP_NP", 11),
	SVM_EXCP("EXIT_EXCP_SS", 12),	SVM_EXCP("EXIT_EXCP_GP", 13),
	SVM_EXCP("EXIT_EXCP_PF", 14),	SVM_EXCP("EXIT_EXCP_MF", 16),
	SVM_EXCP("EXIT_EXCP_AC", 17),	SVM_EXCP("EXIT_EXCP_MC", 18),
	SVM_EXCP("EXIT_EXCP_XF", 19),
	SVM("EXIT_INTR", 0x060),	SVM("EXIT_NMI", 0x061),
	SVM("EXIT_SMI", 0x062),		SVM("EXIT_INIT", 0x063),
	SVM("EXIT_VINTR", 0x064),	SVM("EXIT_CR0_SEL_WRITE", 0x065),
	SVM("EXIT_IDTR_READ", 0x066),	SVM("EXIT_GDTR_READ", 0x067),
	SVM("EXIT_LDTR_READ", 0x068),	SVM("EXIT_TR_READ", 0x069),
	SVM("EXIT_IDTR_WRITE", 0x06a),	SVM("EXIT_GDTR_WRITE", 0x06b),
	SVM("EXIT_LDTR_WRITE", 0x06c),	SVM("EXIT_TR_WRITE", 0x06d),
	SVM("EXIT_RDTSC", 0x06e),	SVM("EXIT_RDPMC", 0x06f),
	SVM("EXIT_PUSHF", 0x070),	SVM("EXIT_POPF", 0x071),
	SVM("EXIT_CPUID", 0x072),	SVM("EXIT_RSM", 0x073),
	SVM("EXIT_IRET", 0x074),	SVM("EXIT_SWINT", 0x075),
	SVM("EXIT_INVD", 0x076),	SVM("EXIT_PAUSE", 0x077),
	SVM("EXIT_HLT", 0x078),		SVM("EXIT_INVLPG", 0x079),
	SVM("EXIT_INVLPGA", 0x07a),	SVM("EXIT_IOIO", 0x07b),
	SVM("EXIT_MSR", 0x07c),		SVM("EXIT_TASK_SWITCH", 0x07d),
	SVM("EXIT_FERR_FREEZE", 0x07e),	SVM("EXIT_SHUTDOWN", 0x07f),
	SVM("EXIT_VMRUN", 0x080),	SVM("EXIT_VMMCALL", 0x081),
	SVM("EXIT_VMLOAD", 0x082),	SVM("EXIT_VMSAVE", 0x083),
	SVM("EXIT_STGI", 0x084),	SVM("EXIT_CLGI", 0x085),
	SVM("EXIT_SKINIT", 0x086),	SVM("EXIT_RDTSCP", 0x087),
	SVM("EXIT_ICEBP", 0x088),	SVM("EXIT_WBINVD", 0x089),
	SVM("EXIT_MONITOR", 0x08a),	SVM("EXIT_MWAIT", 0x08b),
	SVM("EXIT_MWAIT_COND", 0x08c),	SVM("EXIT_XSETBV", 0x08d),
	SVM("EXIT_RDPRU", 0x08e),	SVM("EXIT_NPF", 0x400),
	SVM("EXIT_AVIC_INCOMPLETE_IPI", 0x401),
	SVM("EXIT_AVIC_UNACCELERATED_ACCESS", 0x402),
	SVM("EXIT_ERR", 0xffffffff),	/* SVM_EXIT_ERR, -1 in 32 bits */
};

int kvm_exit_reason_alias(const char *name, __u32 *kind, __u64 *code)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(aliases); i++) {
		if (strcmp(aliases[i].name, name))
			continue;
		*kind = aliases[i].kind;
		*code = aliases[i].code;
		return 0;
	}
	return -ENOENT;
}

__u64 kvm_exit_reason_resolve(__u64 code, __u32 kind)
{
	if (!(code & KVM_EXIT_REASON_AMBIGUOUS))
		return code;
	if (kind == VFLOW_TRAP_VMEXIT_SVM)
		return (code >> KVM_AMBIGUOUS_SVM_SHIFT) & KVM_AMBIGUOUS_CODE_MASK;
	return code & KVM_AMBIGUOUS_CODE_MASK;
}

const char *kvm_exit_reason_ambiguous_name(__u64 code)
{
	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (aliases[i].kind == VFLOW_TRAP_VMEXIT_UNKNOWN && aliases[i].code == code)
			return aliases[i].name;
	return NULL;
}
