// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where vflow itself runs (bare metal, or which hypervisor's guest), one
 * function per piece of evidence: CPUID, /sys/hypervisor, /proc/cpuinfo;
 * then the verdict, and whether this kernel can itself host VMs.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "host/calibrate_internal.h"
#ifdef CAL_X86
#include <cpuid.h>
#endif

#define CPUID_FEATURES		1
#define CPUID_HV_PRESENT_BIT	31		/* CPUID.1:ECX[31] */
#define CPUID_HV_FIRST		0x40000000	/* hypervisor leaves: a signature every 0x100 */
#define CPUID_HV_END		0x40010000
#define CPUID_HV_STRIDE		0x100
#define CPUID_KVM_FEATURES	2		/* KVM's vendor-features leaf: base + 2 */
#define PVM_SIGNATURE		0x4d5650	/* "PVM" in EBX of KVM's features leaf under PVM */
#define SIG_LEN			12		/* a signature: EBX, ECX, EDX */
#define CPUINFO_LINE_LEN	8192
#define SYSFS_VALUE_LEN		32

bool cal_hypervisor_bit(void)
{
#ifdef CAL_X86
	unsigned int a, b, c, d;

	return __get_cpuid(CPUID_FEATURES, &a, &b, &c, &d) && (c >> CPUID_HV_PRESENT_BIT) & 1;
#else
	return false;
#endif
}

/* the first CPU's flags in /proc/cpuinfo hold @flag */
static bool cpuinfo_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[CPUINFO_LINE_LEN];
	size_t fl = strlen(flag);
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, "flags", 5))
			continue;
		for (p = strstr(line, flag); p; p = strstr(p + 1, flag))
			if (p[-1] == ' ' && (p[fl] == ' ' || p[fl] == '\n' || !p[fl])) {
				found = true;
				break;
			}
		break;	/* the first CPU's flags say it */
	}
	fclose(f);
	return found;
}

#ifdef CAL_X86
static const char *hv_vendor_name(const char *sig)
{
	static const struct { const char *sig, *name; } known[] = {
		{ "KVMKVMKVM", "KVM" },
		{ "XenVMMXenVMM", "Xen" },
		{ "Microsoft Hv", "Microsoft Hyper-V" },
		{ "VMwareVMware", "VMware" },
		{ "TCGTCGTCGTCG", "QEMU TCG" },
		{ "VBoxVBoxVBox", "VirtualBox" },
		{ " lrpepyh  vr", "Parallels" },
		{ "bhyve bhyve ", "bhyve" },
		{ "ACRNACRNACRN", "ACRN" },
		{ "Linux KVM Hv", "KVM (Hyper-V interface)" },
		{ "QNXQVMBSQG", "QNX hypervisor" },
		{ "EVMMEVMMEVMM", "Intel KGT" },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(sig, known[i].sig))
			return known[i].name;
	return NULL;
}

static void cpuid_signature(unsigned int leaf, unsigned int *max, char sig[SIG_LEN + 1])
{
	unsigned int a, b, c, d;
	size_t j = 0;

	__cpuid(leaf, a, b, c, d);
	*max = a;
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[SIG_LEN] = 0;
	/* printable only, trailing NULs dropped */
	for (size_t i = 0; i < SIG_LEN && sig[i]; i++)
		sig[j++] = (sig[i] >= 0x20 && sig[i] < 0x7f) ? sig[i] : '?';
	sig[j] = 0;
}

/* One hypervisor interface found at @base: what its signature says. */
static void note_signature(struct cal_self_evidence *e, unsigned int base, unsigned int max,
			   const char *sig, char *ev, size_t evl)
{
	unsigned int a, b, c, d;

	if (!e->first_sig[0]) {
		snprintf(e->first_sig, sizeof(e->first_sig), "%s", sig);
		cal_appendf(ev, evl, "; CPUID %#x \"%s\"", base, sig);
		e->vendor = hv_vendor_name(sig);
	} else {
		cal_appendf(ev, evl, ", %#x \"%s\"", base, sig);
	}
	if (!strcmp(sig, "KVMKVMKVM") && !e->kvm) {
		e->kvm = true;
		/* a PVM hypervisor that intercepts CPUID marks KVM's vendor-features leaf with "PVM" */
		if (max >= base + CPUID_KVM_FEATURES) {
			__cpuid(base + CPUID_KVM_FEATURES, a, b, c, d);
			if (b == PVM_SIGNATURE)
				e->pvm = true;
		}
	}
	if (!strcmp(sig, "XenVMMXenVMM"))
		e->xen = true;
}
#endif

/* CPUID: the hypervisor bit, then every hypervisor signature (they may stack interfaces). */
static void evidence_cpuid(struct cal_self_evidence *e, char *ev, size_t evl)
{
#ifdef CAL_X86
	e->hv_bit = cal_hypervisor_bit();
	cal_appendf(ev, evl, "CPUID.1:ECX[31]=%d", e->hv_bit);
	if (!e->hv_bit)
		return;
	/* Hyper-V at 0x40000000, KVM or Xen at 0x40000100... */
	for (unsigned int base = CPUID_HV_FIRST; base < CPUID_HV_END; base += CPUID_HV_STRIDE) {
		unsigned int max;
		char sig[SIG_LEN + 1];

		cpuid_signature(base, &max, sig);
		if (sig[0] && max >= base && max < base + CPUID_HV_STRIDE)
			note_signature(e, base, max, sig, ev, evl);
	}
	if (!e->first_sig[0])
		cal_appendf(ev, evl, "; no hypervisor CPUID signature");
#else
	(void)e, (void)ev, (void)evl;
#endif
}

/* /sys/hypervisor: Xen says it is there, and which kind of guest this is. */
static void evidence_sysfs(struct cal_self_evidence *e, char *ev, size_t evl)
{
	char type[SYSFS_VALUE_LEN] = "";

	if (!cal_read_line("/sys/hypervisor/type", type, sizeof(type)))
		return;
	cal_appendf(ev, evl, "; /sys/hypervisor/type %s", type);
	if (strcmp(type, "xen"))
		return;
	e->xen = true;
	if (cal_read_line("/sys/hypervisor/guest_type", e->xen_guest_type, sizeof(e->xen_guest_type)))
		cal_appendf(ev, evl, " (guest_type %s)", e->xen_guest_type);
}

/*
 * /proc/cpuinfo: the kernel's flags. A PVM guest runs in hardware ring 3
 * under a host that is itself a VM: a plain CPUID goes past the PVM
 * hypervisor to the outer one (PVM guest kernels use a synthetic CPUID),
 * so its user space sees that one's signature. The guest kernel's feature
 * flag says it.
 */
static void evidence_cpuinfo(struct cal_self_evidence *e, char *ev, size_t evl)
{
	e->hv_flag = cpuinfo_flag("hypervisor");
	if (e->hv_flag)
		cal_appendf(ev, evl, "; cpuinfo flag hypervisor");
	if (cpuinfo_flag("kvm_pvm_guest")) {
		e->pvm = true;
		cal_appendf(ev, evl, "; cpuinfo flag kvm_pvm_guest");
	}
}

void cal_self_verdict(const struct cal_self_evidence *e, char *buf, size_t len)
{
	if (e->xen) {
		/* guest_type is PV, HVM or PVH; a PV guest without it has no Xen CPUID leaf */
		bool is_pv = e->xen_guest_type[0] ? !strcmp(e->xen_guest_type, "PV") : e->vendor == NULL;

		snprintf(buf, len, "%s", is_pv ? "Xen PV guest" : "Xen HVM guest");
	} else if (e->pvm) {
		snprintf(buf, len, "PVM guest");
	} else if (e->kvm) {
		snprintf(buf, len, "KVM guest");
	} else if (e->vendor) {
		snprintf(buf, len, "hypervisor: %s", e->vendor);
	} else if (e->first_sig[0]) {
		snprintf(buf, len, "hypervisor: \"%s\"", e->first_sig);
	} else if (e->hv_bit || e->hv_flag) {
		snprintf(buf, len, "hypervisor: unknown");
	} else {
		snprintf(buf, len, "bare metal");
	}
}

/* this kernel can itself host VMs */
static void evidence_hosting(char *ev, size_t evl)
{
	if (!access("/sys/module/kvm_pvm", F_OK))
		cal_appendf(ev, evl, "; kvm_pvm loaded: hosts PVM guests");
	else if (!access("/dev/kvm", F_OK))
		cal_appendf(ev, evl, "; /dev/kvm present: hosts KVM guests");
}

void calibrate_detect_self(struct calibration *cal)
{
	struct cal_self_evidence e = {};
	char *ev = cal->self_evidence;
	size_t evl = sizeof(cal->self_evidence);

	ev[0] = 0;
	evidence_cpuid(&e, ev, evl);
	evidence_sysfs(&e, ev, evl);
	evidence_cpuinfo(&e, ev, evl);
	cal_self_verdict(&e, cal->self_paradigm, sizeof(cal->self_paradigm));
	evidence_hosting(ev, evl);
}
