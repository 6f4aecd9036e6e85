// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Feature probes, after libbpf-tools' trace_helpers.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "engine/probe.h"

/* CAP_BPF and CAP_PERFMON appeared in 5.8; older UAPI headers lack them */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#define TRACEFS_MAGIC_NR 0x74726163

static bool cap_effective(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1U << (cap % 32));
}

int probe_privileges(char *why, size_t why_len)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data)) {
		snprintf(why, why_len, "cannot read capabilities: %s", strerror(errno));
		return -errno;
	}
	if (cap_effective(data, CAP_SYS_ADMIN))
		return 0;
	if (cap_effective(data, CAP_BPF) && cap_effective(data, CAP_PERFMON))
		return 0;
	snprintf(why, why_len, "needs root, or CAP_BPF and CAP_PERFMON: run it with sudo");
	return -EPERM;
}

bool probe_btf(void)
{
	return access(PROBE_BTF_VMLINUX, R_OK) == 0;
}

int probe_tracefs(void)
{
	struct statfs st;

	if (statfs(PROBE_TRACEFS, &st) == 0 && st.f_type == TRACEFS_MAGIC_NR)
		return 0;
	if (mount("nodev", PROBE_TRACEFS, "tracefs", 0, NULL))
		return -errno;
	return 0;
}

bool probe_tracepoint(const char *category, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), PROBE_TRACEFS "/events/%s/%s/format", category, name);
	/* effective ids and capabilities: CAP_DAC_READ_SEARCH opens tracefs to non-root */
	return faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) == 0;
}

bool probe_helper_btf(const struct btf *vmlinux, const char *name)
{
	int id = vmlinux ? btf__find_by_name_kind(vmlinux, "bpf_func_id", BTF_KIND_ENUM) : -1;
	const struct btf_type *t = id > 0 ? btf__type_by_id(vmlinux, id) : NULL;
	const struct btf_enum *v = t ? btf_enum(t) : NULL;

	for (int i = 0; v && i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(vmlinux, v[i].name_off), name))
			return true;
	return false;
}

bool probe_tp_btf(const struct btf *vmlinux, const char *name)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char tp_name[128];
	int id, fd;

	if (!vmlinux)
		return false;
	snprintf(tp_name, sizeof(tp_name), "btf_trace_%s", name);
	id = btf__find_by_name_kind(vmlinux, tp_name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return false;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns,
			   sizeof(insns) / sizeof(insns[0]), &opts);
	if (fd >= 0)
		close(fd);
	return fd >= 0;
}
