// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * KVM exit reason tables. The VMX and SVM lists are the ones the kernel
 * prints in the kvm_exit tracepoint (events/kvm/kvm_exit/format, 6.18), so
 * names here match ftrace text byte for byte; KVM_EXIT_* follow the uapi
 * <linux/kvm.h> numbering.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/kvm_reasons.h"
#include "core/kvm_reason_history.h"

struct kvm_reason {
	__u32 code;
	enum kvm_exit_class cls;
	const char *name;
};

#define TRAP(c, n)	{ .code = (c), .cls = KVM_EXIT_CLASS_TRAP, .name = (n) }
#define IDLE(c, n)	{ .code = (c), .cls = KVM_EXIT_CLASS_IDLE, .name = (n) }
#define HCALL(c, n)	{ .code = (c), .cls = KVM_EXIT_CLASS_HYPERCALL, .name = (n) }
#define IO(c, n)	{ .code = (c), .cls = KVM_EXIT_CLASS_IO, .name = (n) }

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* longest reason text: a name and its flags, with room */
#define REASON_TEXT_MAX 64

/* VMX basic exit reasons (exit_reason & VMX_EXIT_REASON_MASK). */
static const struct kvm_reason vmx_reasons[] = {
	TRAP(0, "EXCEPTION_NMI"),	TRAP(1, "EXTERNAL_INTERRUPT"),
	TRAP(2, "TRIPLE_FAULT"),	TRAP(3, "INIT_SIGNAL"),
	TRAP(4, "SIPI_SIGNAL"),		TRAP(7, "INTERRUPT_WINDOW"),
	TRAP(8, "NMI_WINDOW"),		TRAP(9, "TASK_SWITCH"),
	TRAP(10, "CPUID"),		IDLE(12, "HLT"),
	TRAP(13, "INVD"),		TRAP(14, "INVLPG"),
	TRAP(15, "RDPMC"),		TRAP(16, "RDTSC"),
	HCALL(18, "VMCALL"),		TRAP(19, "VMCLEAR"),
	TRAP(20, "VMLAUNCH"),		TRAP(21, "VMPTRLD"),
	TRAP(22, "VMPTRST"),		TRAP(23, "VMREAD"),
	TRAP(24, "VMRESUME"),		TRAP(25, "VMWRITE"),
	TRAP(26, "VMOFF"),		TRAP(27, "VMON"),
	TRAP(28, "CR_ACCESS"),		TRAP(29, "DR_ACCESS"),
	IO(30, "IO_INSTRUCTION"),	TRAP(31, "MSR_READ"),
	TRAP(32, "MSR_WRITE"),		TRAP(33, "INVALID_STATE"),
	TRAP(34, "MSR_LOAD_FAIL"),	IDLE(36, "MWAIT_INSTRUCTION"),
	TRAP(37, "MONITOR_TRAP_FLAG"),	TRAP(39, "MONITOR_INSTRUCTION"),
	TRAP(40, "PAUSE_INSTRUCTION"),	TRAP(41, "MCE_DURING_VMENTRY"),
	TRAP(43, "TPR_BELOW_THRESHOLD"), IO(44, "APIC_ACCESS"),
	TRAP(45, "EOI_INDUCED"),	TRAP(46, "GDTR_IDTR"),
	TRAP(47, "LDTR_TR"),		IO(48, "EPT_VIOLATION"),
	IO(49, "EPT_MISCONFIG"),	TRAP(50, "INVEPT"),
	TRAP(51, "RDTSCP"),		TRAP(52, "PREEMPTION_TIMER"),
	TRAP(53, "INVVPID"),		TRAP(54, "WBINVD"),
	TRAP(55, "XSETBV"),		TRAP(56, "APIC_WRITE"),
	TRAP(57, "RDRAND"),		TRAP(58, "INVPCID"),
	TRAP(59, "VMFUNC"),		TRAP(60, "ENCLS"),
	TRAP(61, "RDSEED"),		TRAP(62, "PML_FULL"),
	TRAP(63, "XSAVES"),		TRAP(64, "XRSTORS"),
	TRAP(67, "UMWAIT"),		TRAP(68, "TPAUSE"),
	TRAP(74, "BUS_LOCK"),		TRAP(75, "NOTIFY"),
	TRAP(77, "TDCALL"),		TRAP(84, "MSR_READ_IMM"),
	TRAP(85, "MSR_WRITE_IMM"),
};

/* SVM exception intercepts are SVM_EXIT_EXCP_BASE + vector. */
#define SVM_EXCP(vec, n) TRAP(0x040 + (vec), n)

/* SVM exit codes; the tracepoint's exit_reason is 32 bits wide. */
static const struct kvm_reason svm_reasons[] = {
	TRAP(0x000, "read_cr0"),	TRAP(0x002, "read_cr2"),
	TRAP(0x003, "read_cr3"),	TRAP(0x004, "read_cr4"),
	TRAP(0x008, "read_cr8"),	TRAP(0x010, "write_cr0"),
	TRAP(0x012, "write_cr2"),	TRAP(0x013, "write_cr3"),
	TRAP(0x014, "write_cr4"),	TRAP(0x018, "write_cr8"),
	TRAP(0x020, "read_dr0"),	TRAP(0x021, "read_dr1"),
	TRAP(0x022, "read_dr2"),	TRAP(0x023, "read_dr3"),
	TRAP(0x024, "read_dr4"),	TRAP(0x025, "read_dr5"),
	TRAP(0x026, "read_dr6"),	TRAP(0x027, "read_dr7"),
	TRAP(0x030, "write_dr0"),	TRAP(0x031, "write_dr1"),
	TRAP(0x032, "write_dr2"),	TRAP(0x033, "write_dr3"),
	TRAP(0x034, "write_dr4"),	TRAP(0x035, "write_dr5"),
	TRAP(0x036, "write_dr6"),	TRAP(0x037, "write_dr7"),
	SVM_EXCP(0, "DE excp"),		SVM_EXCP(1, "DB excp"),
	SVM_EXCP(3, "BP excp"),		SVM_EXCP(4, "OF excp"),
	SVM_EXCP(5, "BR excp"),		SVM_EXCP(6, "UD excp"),
	SVM_EXCP(7, "NM excp"),		SVM_EXCP(8, "DF excp"),
	SVM_EXCP(10, "TS excp"),	SVM_EXCP(11, "NP excp"),
	SVM_EXCP(12, "SS excp"),	SVM_EXCP(13, "GP excp"),
	SVM_EXCP(14, "PF excp"),	SVM_EXCP(16, "MF excp"),
	SVM_EXCP(17, "AC excp"),	SVM_EXCP(18, "MC excp"),
	SVM_EXCP(19, "XF excp"),
	TRAP(0x060, "interrupt"),	TRAP(0x061, "nmi"),
	TRAP(0x062, "smi"),		TRAP(0x063, "init"),
	TRAP(0x064, "vintr"),		TRAP(0x065, "cr0_sel_write"),
	TRAP(0x066, "read_idtr"),	TRAP(0x067, "read_gdtr"),
	TRAP(0x068, "read_ldtr"),	TRAP(0x069, "read_rt"),
	TRAP(0x06a, "write_idtr"),	TRAP(0x06b, "write_gdtr"),
	TRAP(0x06c, "write_ldtr"),	TRAP(0x06d, "write_rt"),
	TRAP(0x06e, "rdtsc"),		TRAP(0x06f, "rdpmc"),
	TRAP(0x070, "pushf"),		TRAP(0x071, "popf"),
	TRAP(0x072, "cpuid"),		TRAP(0x073, "rsm"),
	TRAP(0x074, "iret"),		TRAP(0x075, "swint"),
	TRAP(0x076, "invd"),		TRAP(0x077, "pause"),
	IDLE(0x078, "hlt"),		TRAP(0x079, "invlpg"),
	TRAP(0x07a, "invlpga"),		IO(0x07b, "io"),
	TRAP(0x07c, "msr"),		TRAP(0x07d, "task_switch"),
	TRAP(0x07e, "ferr_freeze"),	TRAP(0x07f, "shutdown"),
	TRAP(0x080, "vmrun"),		HCALL(0x081, "hypercall"),
	TRAP(0x082, "vmload"),		TRAP(0x083, "vmsave"),
	TRAP(0x084, "stgi"),		TRAP(0x085, "clgi"),
	TRAP(0x086, "skinit"),		TRAP(0x087, "rdtscp"),
	TRAP(0x088, "icebp"),		TRAP(0x089, "wbinvd"),
	TRAP(0x08a, "monitor"),		IDLE(0x08b, "mwait"),
	TRAP(0x08d, "xsetbv"),		TRAP(0x08f, "write_efer_trap"),
	TRAP(0x090, "write_cr0_trap"),	TRAP(0x094, "write_cr4_trap"),
	TRAP(0x098, "write_cr8_trap"),	TRAP(0x0a2, "invpcid"),
	TRAP(0x0a5, "buslock"),		IDLE(0x0a6, "idle-halt"),
	IO(0x400, "npf"),		TRAP(0x401, "avic_incomplete_ipi"),
	IO(0x402, "avic_unaccelerated_access"),
	HCALL(0x403, "vmgexit"),
	TRAP(0x80000001, "vmgexit_mmio_read"),
	TRAP(0x80000002, "vmgexit_mmio_write"),
	TRAP(0x80000003, "vmgexit_nmi_complete"),
	TRAP(0x80000004, "vmgexit_ap_hlt_loop"),
	TRAP(0x80000005, "vmgexit_ap_jump_table"),
	TRAP(0x80000010, "vmgexit_page_state_change"),
	TRAP(0x80000011, "vmgexit_guest_request"),
	TRAP(0x80000012, "vmgexit_ext_guest_request"),
	TRAP(0x80000013, "vmgexit_ap_creation"),
	TRAP(0x8000fffd, "vmgexit_hypervisor_feature"),
	TRAP(0xffffffff, "invalid_guest_state"),	/* SVM_EXIT_ERR, -1 */
};

/* KVM_EXIT_* of <linux/kvm.h>, indexed by number (uapi as of 6.18). */
static const char *const userspace_exits[] = {
	"UNKNOWN", "EXCEPTION", "IO", "HYPERCALL", "DEBUG", "HLT", "MMIO",
	"IRQ_WINDOW_OPEN", "SHUTDOWN", "FAIL_ENTRY", "INTR", "SET_TPR",
	"TPR_ACCESS", "S390_SIEIC", "S390_RESET", "DCR", "NMI",
	"INTERNAL_ERROR", "OSI", "PAPR_HCALL", "S390_UCONTROL", "WATCHDOG",
	"S390_TSCH", "EPR", "SYSTEM_EVENT", "S390_STSI", "IOAPIC_EOI",
	"HYPERV", "ARM_NISV", "X86_RDMSR", "X86_WRMSR", "DIRTY_RING_FULL",
	"AP_RESET_HOLD", "X86_BUS_LOCK", "XEN", "RISCV_SBI", "RISCV_CSR",
	"NOTIFY", "LOONGARCH_IOCSR", "MEMORY_FAULT", "TDX",
};

static const char *const class_names[] = {
	[KVM_EXIT_CLASS_TRAP] = "trap",
	[KVM_EXIT_CLASS_IDLE] = "idle",
	[KVM_EXIT_CLASS_HYPERCALL] = "hypercall",
	[KVM_EXIT_CLASS_IO] = "io",
};

/* Linear scans: under 200 short entries, cheap next to parsing a line of text. */
static const struct kvm_reason *reason_by_code(const struct kvm_reason *tab, size_t n,
					       __u64 code)
{
	for (size_t i = 0; i < n; i++)
		if (tab[i].code == code)
			return &tab[i];
	return NULL;
}

static const struct kvm_reason *reason_by_name(const struct kvm_reason *tab, size_t n,
					       const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(tab[i].name, name))
			return &tab[i];
	return NULL;
}

/* The table entry of an exit, NULL if unknown or of a failed VMX entry. */
static const struct kvm_reason *reason_lookup(__u32 kind, __u64 code)
{
	switch (kind) {
	case VFLOW_TRAP_VMEXIT_VMX:
		return reason_by_code(vmx_reasons, ARRAY_SIZE(vmx_reasons),
				      code & VMX_EXIT_REASON_MASK);
	case VFLOW_TRAP_VMEXIT_SVM:
		return reason_by_code(svm_reasons, ARRAY_SIZE(svm_reasons), code);
	default:
		return NULL;
	}
}

const char *kvm_exit_reason_name(__u32 kind, __u64 code, char *buf, size_t len)
{
	const struct kvm_reason *r = reason_lookup(kind, code);
	bool failed = kind == VFLOW_TRAP_VMEXIT_VMX && (code & VMX_EXIT_FAILED_VMENTRY);
	/* a VMX name says nothing of the upper bits but the failed-entry one */
	__u64 shown = kind == VFLOW_TRAP_VMEXIT_VMX ? code & VMX_EXIT_REASON_MASK : code;

	/* what an import could not name, or named as two isas did */
	if (kind == VFLOW_TRAP_VMEXIT_UNKNOWN && code == KVM_EXIT_REASON_NONE)
		return "unknown";
	if (kind == VFLOW_TRAP_VMEXIT_UNKNOWN && kvm_exit_reason_ambiguous_name(code))
		return kvm_exit_reason_ambiguous_name(code);
	if (!buf || !len)
		return r && !failed ? r->name : "";
	if (r && !failed)
		return r->name;
	if (r)
		snprintf(buf, len, "%s FAILED_VMENTRY", r->name);
	else
		snprintf(buf, len, "reason_0x%llx%s", (unsigned long long)shown,
			 failed ? " FAILED_VMENTRY" : "");
	return buf;
}

int kvm_exit_reason_code(const char *name, __u32 *kind, __u64 *code)
{
	const struct kvm_reason *r;
	__u32 k = VFLOW_TRAP_VMEXIT_VMX;

	if (!name)
		return -ENOENT;
	r = reason_by_name(vmx_reasons, ARRAY_SIZE(vmx_reasons), name);
	if (!r) {
		k = VFLOW_TRAP_VMEXIT_SVM;
		r = reason_by_name(svm_reasons, ARRAY_SIZE(svm_reasons), name);
	}
	if (!r)
		return -ENOENT;
	if (kind)
		*kind = k;
	if (code)
		*code = r->code;
	return 0;
}

/*
 * Older kernels' and the kvm plugin's names first: they shadow today's only
 * where 2.6.3x VMX printed an SVM name too ("cpuid"), which is ambiguous.
 */
static int name_or_alias(const char *name, __u32 *kind, __u64 *code)
{
	unsigned long long n;
	int used = 0;

	if (!kvm_exit_reason_alias(name, kind, code) || !kvm_exit_reason_code(name, kind, code))
		return 0;
	/* the kvm plugin: "UNKNOWN (166)" for a code it has no name for */
	if (sscanf(name, "UNKNOWN (%llu)%n", &n, &used) == 1 && used && !name[used] &&
	    n <= UINT32_MAX) {
		*kind = VFLOW_TRAP_VMEXIT_UNKNOWN;
		*code = n;
		return 0;
	}
	if (!strcmp(name, "UNKNOWN-ISA")) {
		*kind = VFLOW_TRAP_VMEXIT_UNKNOWN;
		*code = KVM_EXIT_REASON_NONE;
		return 0;
	}
	return -ENOENT;
}

int kvm_exit_reason_parse(const char *text, size_t len, __u32 *kind, __u64 *code)
{
	char name[REASON_TEXT_MAX], *sp, *tok, *end;
	__u64 flags = 0, c, v;
	__u32 k;

	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	if (!len || len >= sizeof(name))
		return -EINVAL;
	memcpy(name, text, len);
	name[len] = '\0';
	/* peel flags off the end until what is left is a name or a number */
	while (name_or_alias(name, &k, &c)) {
		sp = strrchr(name, ' ');
		if (sp && !strcmp(sp + 1, "FAILED_VMENTRY")) {
			flags |= VMX_EXIT_FAILED_VMENTRY;
			*sp = '\0';
			continue;
		}
		/* __print_symbolic/__print_flags show what they cannot name in hex */
		tok = sp ? sp + 1 : name;
		if (strncmp(tok, "0x", strlen("0x")))
			return -EINVAL;
		errno = 0;
		v = strtoull(tok, &end, 16);
		if (errno || *end || v > UINT32_MAX)
			return -EINVAL;
		if (!sp) {
			k = flags ? VFLOW_TRAP_VMEXIT_VMX : VFLOW_TRAP_VMEXIT_UNKNOWN;
			c = v;
			break;
		}
		/* unnamed flags are upper bits of a VMX exit_reason */
		if (v & VMX_EXIT_REASON_MASK)
			return -EINVAL;
		flags |= v;
		*sp = '\0';
	}
	if (flags && k != VFLOW_TRAP_VMEXIT_VMX)
		return -EINVAL;
	*kind = k;
	*code = c | flags;
	return 0;
}

enum kvm_exit_class kvm_exit_class(__u32 kind, __u64 code)
{
	const struct kvm_reason *r;

	/* a failed VM entry never ran the guest: pure overhead */
	if (kind == VFLOW_TRAP_VMEXIT_VMX && (code & VMX_EXIT_FAILED_VMENTRY))
		return KVM_EXIT_CLASS_TRAP;
	/* an ambiguous 2.6.3x name is of the same class on both isas */
	if (kind == VFLOW_TRAP_VMEXIT_UNKNOWN && (code & KVM_EXIT_REASON_AMBIGUOUS))
		return kvm_exit_class(VFLOW_TRAP_VMEXIT_VMX,
				      kvm_exit_reason_resolve(code, VFLOW_TRAP_VMEXIT_VMX));
	r = reason_lookup(kind, code);
	return r ? r->cls : KVM_EXIT_CLASS_TRAP;
}

const char *kvm_exit_class_name(enum kvm_exit_class c)
{
	if ((unsigned int)c >= ARRAY_SIZE(class_names))
		return "unknown";
	return class_names[c];
}

const char *kvm_userspace_exit_name(__u64 reason, char *buf, size_t len)
{
	if (reason < ARRAY_SIZE(userspace_exits))
		return userspace_exits[reason];
	if (!buf || !len)
		return "";
	snprintf(buf, len, "%llu", (unsigned long long)reason);
	return buf;
}
