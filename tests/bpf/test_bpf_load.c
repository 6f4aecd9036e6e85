// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Every BPF program the project builds goes through this kernel's verifier:
 * each object (the skeletons' own ELF bytes) is opened with every program
 * set to load, whatever the engine would choose on this host (tp_btf and
 * raw_tp variants, KVM and Xen programs, the test-run program, the
 * fentry/fexit enrichment, the cgroup identity programs). A refusal fails, quoting the verifier.
 *
 * A program is skipped only where this machine cannot load its kind of
 * program at all, probed directly: a minimal program of the same type,
 * attach type and attach target ("r0 = 0; exit") is refused too (fentry
 * on hosts that block it), or its classic tracepoint does not exist on
 * this kernel (the record type its CO-RE reads need is then absent).
 *
 * TAP: one line per program. VFLOW_BPF_VERBOSE=1 prints libbpf's log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "engine/load_diag.h"
#include "engine/probe.h"
#include "syscall.skel.h"
#include "kvm.skel.h"
#include "seccomp_cost.skel.h"
#include "identity.skel.h"

/* CAP_BPF and CAP_PERFMON appeared in 5.8; older UAPI headers lack them */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#define BTF_VMLINUX "/sys/kernel/btf/vmlinux"
#define MAX_PROGS 64
#define NAME_LEN 64
#define WHY_LEN 1024

struct object_src {
	const char *name;
	const void *(*elf_bytes)(size_t *sz);
};

static const struct object_src objects[] = {
	{ "syscall_bpf", syscall_bpf__elf_bytes },
	{ "kvm_bpf", kvm_bpf__elf_bytes },
	{ "seccomp_cost_bpf", seccomp_cost_bpf__elf_bytes },
	{ "identity_bpf", identity_bpf__elf_bytes },
};
#define NR_OBJECTS (sizeof(objects) / sizeof(objects[0]))

struct prog {
	const struct object_src *obj;
	char name[NAME_LEN];
	char sec[NAME_LEN * 2];
};

static struct prog progs[MAX_PROGS];
static size_t nr_progs;
static int tap_n;

/* Why this machine cannot load BPF at all (not root, no BTF), or NULL. */
static const char *machine_cannot_load(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};
	__u64 caps;

	if (syscall(SYS_capget, &hdr, d))
		return "cannot read this process's capabilities";
	caps = (__u64)d[1].effective << 32 | d[0].effective;
	if (!(caps & (1ULL << CAP_SYS_ADMIN)) &&
	    !((caps & (1ULL << CAP_BPF)) && (caps & (1ULL << CAP_PERFMON))))
		return "needs root, or CAP_BPF and CAP_PERFMON";
	if (access(BTF_VMLINUX, R_OK))
		return "no kernel BTF at " BTF_VMLINUX;
	return NULL;
}

static struct bpf_object *object_open(const struct object_src *src)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = src->name);
	size_t sz;
	const void *elf = src->elf_bytes(&sz);

	return bpf_object__open_mem(elf, sz, &opts);
}

/* Every program of every object, in object order. */
static int list_programs(void)
{
	for (size_t i = 0; i < NR_OBJECTS; i++) {
		struct bpf_object *obj = object_open(&objects[i]);
		struct bpf_program *p;

		if (!obj) {
			printf("Bail out! cannot open BPF object %s: %s\n", objects[i].name, strerror(errno));
			return -1;
		}
		bpf_object__for_each_program(p, obj) {
			struct prog *pr = &progs[nr_progs];

			if (nr_progs == MAX_PROGS) {
				printf("Bail out! more than %d programs: raise MAX_PROGS\n", MAX_PROGS);
				bpf_object__close(obj);
				return -1;
			}
			pr->obj = &objects[i];
			snprintf(pr->name, sizeof(pr->name), "%s", bpf_program__name(p));
			snprintf(pr->sec, sizeof(pr->sec), "%s", bpf_program__section_name(p));
			nr_progs++;
		}
		bpf_object__close(obj);
	}
	return 0;
}

/*
 * Load @src with only program @only set to load (every program when NULL).
 * 0, or -errno with the explanation in @why.
 */
static int object_load(const struct object_src *src, const char *only, char *why, size_t len)
{
	struct bpf_object *obj = object_open(src);
	struct bpf_program *p;
	int err;

	if (!obj) {
		err = -errno;
		snprintf(why, len, "cannot open BPF object %s: %s", src->name, strerror(-err));
		return err;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !only || !strcmp(bpf_program__name(p), only));
	load_diag_reset();
	err = bpf_object__load(obj);
	if (err)
		load_diag_explain(why, len, err, src->name);
	bpf_object__close(obj);
	return err;
}

/* The attach target of a tracing program ("fentry/NAME", "tp_btf/NAME"), or NULL. */
static const char *sec_target(const char *sec)
{
	const char *slash = strchr(sec, '/');

	return slash ? slash + 1 : NULL;
}

/*
 * Can this machine load a program of @p's type, attach type and target at
 * all? A minimal one ("r0 = 0; exit") answers. false: @why says why not.
 */
static bool kind_loadable(struct bpf_program *p, char *why, size_t len)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	enum bpf_attach_type eat = bpf_program__expected_attach_type(p);
	enum bpf_prog_type type = bpf_program__type(p);
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = eat,
		    .prog_flags = bpf_program__flags(p));
	const char *target = sec_target(bpf_program__section_name(p));
	struct btf *vmlinux = NULL;
	int fd;

	if (type == BPF_PROG_TYPE_TRACING) {
		char name[NAME_LEN * 2];
		bool tp = eat == BPF_TRACE_RAW_TP;
		int id = -ENOENT;

		vmlinux = btf__load_vmlinux_btf();
		if (!vmlinux || !target) {
			snprintf(why, len, "cannot read the kernel BTF");
			btf__free(vmlinux);
			return false;
		}
		snprintf(name, sizeof(name), "%s%s", tp ? "btf_trace_" : "", target);
		id = btf__find_by_name_kind(vmlinux, name, tp ? BTF_KIND_TYPEDEF : BTF_KIND_FUNC);
		btf__free(vmlinux);
		if (id <= 0) {
			snprintf(why, len, "the kernel BTF has no %s %s", tp ? "raw tracepoint" : "function",
				 target);
			return false;
		}
		opts.attach_btf_id = id;
	}
	fd = bpf_prog_load(type, NULL, "Dual BSD/GPL", insns, sizeof(insns) / sizeof(insns[0]), &opts);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	snprintf(why, len, "this kernel refuses even a minimal %s program (%s)%s%s: %s",
		 libbpf_bpf_prog_type_str(type), eat ? libbpf_bpf_attach_type_str(eat) : "no attach type",
		 target ? " at " : "", target ? target : "", strerror(errno));
	return false;
}

/* For "tracepoint/CAT/NAME": does that tracepoint exist on this kernel? */
static bool tracepoint_absent(const char *sec, char *why, size_t len)
{
	char cat[NAME_LEN], name[NAME_LEN];

	if (sscanf(sec, "tracepoint/%63[^/]/%63s", cat, name) != 2 &&
	    sscanf(sec, "tp/%63[^/]/%63s", cat, name) != 2)
		return false;
	if (probe_tracepoint(cat, name))
		return false;
	snprintf(why, len, "no tracepoint %s:%s on this kernel", cat, name);
	return true;
}

/* One program alone: ok, skipped for what the machine lacks, or failed. */
static bool prog_check(const struct prog *pr)
{
	char why[WHY_LEN], lacks[WHY_LEN];
	struct bpf_object *obj;
	struct bpf_program *p;
	bool loadable;

	if (!object_load(pr->obj, pr->name, why, sizeof(why))) {
		printf("ok %d - %s: %s (%s) loads\n", ++tap_n, pr->obj->name, pr->name, pr->sec);
		return true;
	}
	obj = object_open(pr->obj);
	p = obj ? bpf_object__find_program_by_name(obj, pr->name) : NULL;
	loadable = !p || kind_loadable(p, lacks, sizeof(lacks));
	bpf_object__close(obj);
	if (loadable && !tracepoint_absent(pr->sec, lacks, sizeof(lacks))) {
		printf("not ok %d - %s: %s (%s) loads\n# %s\n", ++tap_n, pr->obj->name, pr->name,
		       pr->sec, why);
		return false;
	}
	printf("ok %d - %s: %s (%s) loads # SKIP %s\n", ++tap_n, pr->obj->name, pr->name, pr->sec,
	       lacks);
	return true;
}

int main(void)
{
	const char *cannot = machine_cannot_load();
	char why[WHY_LEN];
	bool all_ok = true;
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	load_diag_set_verbose(getenv("VFLOW_BPF_VERBOSE") != NULL);
	libbpf_set_print(load_diag_print);
	if (list_programs())
		return 1;
	printf("1..%zu\n", nr_progs);
	if (!cannot && (ret = probe_tracefs())) {
		/* root that cannot mount tracefs: tracepoint checks would be wrong */
		printf("# tracefs is not mounted at %s and mounting it failed: %s\n", PROBE_TRACEFS,
		       strerror(-ret));
		all_ok = false;
	}
	for (size_t i = 0; i < nr_progs; ) {
		const struct object_src *src = progs[i].obj;
		size_t end = i;

		while (end < nr_progs && progs[end].obj == src)
			end++;
		if (cannot) {
			for (; i < end; i++)
				printf("ok %d - %s: %s (%s) loads # SKIP %s\n", ++tap_n, src->name,
				       progs[i].name, progs[i].sec, cannot);
			continue;
		}
		/* the whole object at once; one by one only to tell which program failed */
		if (!object_load(src, NULL, why, sizeof(why))) {
			for (; i < end; i++)
				printf("ok %d - %s: %s (%s) loads\n", ++tap_n, src->name, progs[i].name,
				       progs[i].sec);
			continue;
		}
		for (; i < end; i++)
			all_ok &= prog_check(&progs[i]);
	}
	return all_ok ? 0 : 1;
}
