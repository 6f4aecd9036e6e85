/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Name VMs the way operators do, from the VMM process: qemu -name, libvirt
 * machine scopes, firecracker --id, cloud-hypervisor, crosvm; and vCPU
 * threads from their names ("CPU 0/KVM", "fc_vcpu 1", "vcpu0", ...).
 */
#ifndef VFLOW_VMIDENT_H
#define VFLOW_VMIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define VMIDENT_NAME_LEN 128

enum vmm_kind {
	VMM_UNKNOWN = 0,	/* a process using KVM that we do not recognise */
	VMM_QEMU,
	VMM_FIRECRACKER,
	VMM_CLOUD_HYPERVISOR,
	VMM_CROSVM,
	VMM_KVMTOOL,		/* lkvm */
};

struct vmident {
	enum vmm_kind vmm;
	bool libvirt;			/* started by libvirt (machine.slice scope) */
	char name[VMIDENT_NAME_LEN];	/* "web1", or "qemu:<pid>" / "pid:<pid>" when the VMM gives none */
};

/*
 * Identify from the VMM's argv (NUL-separated, as /proc/PID/cmdline, @len
 * bytes), its comm, and its cgroup path (may be NULL). @pid names unnamed
 * VMs. Pure: reads nothing.
 */
void vmident_parse(const char *cmdline, size_t len, const char *comm, const char *cgroup_path,
		   pid_t pid, struct vmident *out);
/* The same, reading /proc/PID/{cmdline,comm,cgroup}; 0 or -errno (process gone). */
int vmident_read(pid_t pid, struct vmident *out);
/* vCPU index from a thread name ("CPU 3/KVM" -> 3, "fc_vcpu 1" -> 1, "vcpu2" -> 2), or -1. */
int vmident_vcpu_index(const char *thread_name);
const char *vmm_kind_name(enum vmm_kind k);	/* "unknown", "qemu", "firecracker", ... */

#endif
