/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What this kernel and this process can do, found out before loading. */
#ifndef VFLOW_PROBE_H
#define VFLOW_PROBE_H

#include <stdbool.h>
#include <stddef.h>

#define PROBE_TRACEFS "/sys/kernel/tracing"
#define PROBE_BTF_VMLINUX "/sys/kernel/btf/vmlinux"

/* Does the process hold what loading and attaching needs? 0, or -EPERM. */
int probe_privileges(char *why, size_t why_len);
/* Is kernel BTF present? */
bool probe_btf(void);
/* Make sure tracefs is mounted (mount it if not); 0 or -errno. */
int probe_tracefs(void);
/* Does tracepoint "category/name" exist (tracefs must be mounted)? */
bool probe_tracepoint(const char *category, const char *name);
struct btf;
/*
 * Can a tp_btf program attach to raw tracepoint @name ("sys_enter")?
 * @vmlinux: the kernel's BTF, parsed once by the caller (it takes ~0.1 s).
 */
bool probe_tp_btf(const struct btf *vmlinux, const char *name);

/*
 * Does the kernel know BPF helper @name ("BPF_FUNC_loop")? From its BTF's
 * enum bpf_func_id: no program is loaded (libbpf_probe_bpf_helper() loads
 * one, and parses a verifier log that valgrind cannot see written).
 */
bool probe_helper_btf(const struct btf *vmlinux, const char *name);

#endif
