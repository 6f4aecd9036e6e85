// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loading and attaching: the syscall path (with the sandbox inference and
 * the scheduling counts), the KVM and Xen programs where their tracepoints
 * exist, the seccomp filter's cost where fentry is allowed; the ring
 * buffer they share.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "engine/engine_internal.h"
#include "engine/load_diag.h"
#include "engine/probe.h"

static int ringbuf_cb(void *ctx, void *data, size_t size)
{
	struct engine *e = ctx;

	if (size < sizeof(struct vflow_event))
		return 0;
	e->events++;
	if (e->opts.on_event)
		e->opts.on_event(e->opts.ctx, data);
	return 0;
}

/*
 * Attach order matters for pairing (see bpf/syscall.bpf.c): sched_switch
 * first, so no syscall in progress loses its slot; then sys_enter; then the
 * start time, after which a thread cannot enter unseen; then sys_exit.
 * sched_switch is left out only where nothing needs it: pairing in task
 * storage, no sandbox inference, no scheduling counts.
 */
struct attach_point {
	const char *name;
	size_t prog_btf, prog_raw;	/* offsets in struct syscall_bpf */
	size_t link_btf, link_raw;
	bool sets_start;
	bool sandbox_only;		/* only for the sandbox paradigm */
	bool is_switch;			/* sched_switch: see switch_needed() */
};

#define AP(tp, fn, start, sandbox, sw) { tp, offsetof(struct syscall_bpf, progs.fn##_btf), \
	offsetof(struct syscall_bpf, progs.fn##_raw), offsetof(struct syscall_bpf, links.fn##_btf), \
	offsetof(struct syscall_bpf, links.fn##_raw), start, sandbox, sw }
static const struct attach_point attach_order[] = {
	AP("sched:sched_switch", sched_switch, false, false, true),
	AP("signal:signal_generate", signal_generate, false, true, false),
	AP("raw_syscalls:sys_enter", sys_enter, false, false, false),
	AP("raw_syscalls:sys_exit", sys_exit, true, false, false),
};

/* Does anything need a sched_switch program (parking, sandbox stops, scheduling counts)? */
static bool switch_needed(const struct engine *e, bool btf_tp)
{
	return !e->opts.pair_in_task || !e->opts.no_sandbox || (btf_tp && !e->opts.no_sched_stats);
}

/* Why an attach point is not attached, or NULL when it is. */
static const char *ap_skipped(const struct engine *e, const struct attach_point *ap, bool btf_tp)
{
	if (ap->sandbox_only && e->opts.no_sandbox)
		return "not traced: --paradigm without sandbox";
	if (ap->is_switch && !switch_needed(e, btf_tp))
		return "not needed: syscalls paired in task storage, no sandbox or scheduling counts";
	return NULL;
}

static struct bpf_program **prog_of(struct syscall_bpf *skel, const struct attach_point *ap, bool btf)
{
	return (struct bpf_program **)((char *)skel + (btf ? ap->prog_btf : ap->prog_raw));
}

static struct bpf_link **link_of(struct syscall_bpf *skel, const struct attach_point *ap, bool btf)
{
	return (struct bpf_link **)((char *)skel + (btf ? ap->link_btf : ap->link_raw));
}

/*
 * The scheduling counts (they ride on the syscall path's sched_switch
 * program) and the birth of cgroups (for their on-CPU time): optional, a
 * failure is an absent probe.
 */
static void sched_attach(struct engine *e, bool btf_tp)
{
	const char *name = "sched:sched_switch (switches, run-queue waits)";

	if (!btf_tp)
		engine_probe_add(e, name, "raw_tp", false, "scheduling counts need tp_btf");
	else if (e->opts.no_sched_stats)
		engine_probe_add(e, name, "tp_btf", false, "not traced: --no-sched-stats");
	else
		engine_probe_add(e, name, "tp_btf", true, NULL);
	if (e->skel->rodata->trace_sched) {
		/* once now, with nothing named: whether the kernel runs it */
		int ret = engine_sched_drain_cpus(e);

		engine_probe_add(e, "removed cgroups out of idle CPUs' scheduling staging",
				 "test run on each CPU", !ret,
				 ret == -ENOENT ? "needs bpf_loop (Linux 5.17)" : ret ? strerror(-ret) : NULL);
	}
	name = "cgroup:cgroup_mkdir";
	if (!btf_tp) {
		engine_probe_add(e, name, "raw_tp", false, "tp_btf only: new cgroups' on-CPU time "
				 "counts from when vflow first sees them");
		return;
	}
	e->skel->links.cgroup_mkdir_btf = bpf_program__attach(e->skel->progs.cgroup_mkdir_btf);
	engine_probe_add(e, name, "tp_btf", e->skel->links.cgroup_mkdir_btf != NULL,
			 e->skel->links.cgroup_mkdir_btf ? NULL : strerror(errno));
}

/*
 * Each CPU folds the staging entries named in sched_evict now: a test run
 * of sched_drain_cpu on it (lib/sched.bpf.h). A CPU's own switches would,
 * but an idle CPU may not switch for seconds. 0, or -errno of the first
 * CPU that refused; then only the switches drain from there on.
 */
int engine_sched_drain_cpus(struct engine *e)
{
	int fd = bpf_program__fd(e->skel->progs.sched_drain_cpu);
	__u64 args[1] = { 0 };

	if (fd < 0)
		return -ENOENT;
	if (e->sched_drain_refused)
		return -EPERM;
	for (int cpu = 0; cpu < e->nr_cpus; cpu++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args, .ctx_size_in = sizeof(args),
			    .flags = BPF_F_TEST_RUN_ON_CPU, .cpu = (__u32)cpu);

		/* ENXIO: an offline CPU, whose entries stay as they are */
		if (bpf_prog_test_run_opts(fd, &o) && errno != ENXIO) {
			e->sched_drain_refused = true;
			return -errno;
		}
	}
	return 0;
}

/*
 * Where the kernel refused to load @obj: the refused program and the end of
 * its verifier log, or which checked cause denied bpf() (load_diag.h).
 */
static int load_error(char *err, size_t err_len, int ret, const struct bpf_object *obj)
{
	size_t n;

	load_diag_explain(err, err_len, ret, bpf_object__name(obj));
	n = strlen(err);
	if (load_diag_refused_prog() || (ret != -EPERM && ret != -EACCES))
		snprintf(err + n, err_len - n, " (vflowd -v prints libbpf's whole log)");
	return ret;
}

/* Slot 0 of an object's cgroup array: the --cgroup filter's directory, if one was given. */
static int set_filter(struct engine *e, const struct bpf_map *map, char *err, size_t err_len)
{
	__u32 zero = 0;

	if (e->filter_fd < 0 || !bpf_map_update_elem(bpf_map__fd(map), &zero, &e->filter_fd, BPF_ANY))
		return 0;
	return engine_fail(err, err_len, -errno, "cannot set the cgroup filter: %s", strerror(errno));
}

/* The syscall path: sched_switch, sys_enter, sys_exit, ring buffer. */
int engine_syscall_open(struct engine *e, char *err, size_t err_len)
{
	bool btf_tp = false, has_loop = false;
	int ret;

	e->skel = syscall_bpf__open();
	if (!e->skel) {
		ret = engine_fail(err, err_len, -errno, "failed to open BPF object: %s", strerror(errno));
		return ret;
	}
	for (int c = 0; c < VFLOW_REC_MAX; c++) {
		e->skel->rodata->rec_sample[c] = e->opts.rec.sample[c];
		e->skel->rodata->rec_slow_ns[c] = e->opts.rec.slow_ns[c];
	}
	e->skel->rodata->filter_cgroup = e->filter_fd >= 0;
	e->skel->rodata->trace_sandbox = !e->opts.no_sandbox;
	e->skel->rodata->pair_in_task = e->opts.pair_in_task;
	e->skel->data->sys_time_period = e->time_period;

	if (!e->opts.force_raw_tp) {
		struct btf *vmlinux = btf__load_vmlinux_btf();

		btf_tp = probe_tp_btf(vmlinux, "sys_enter") && probe_tp_btf(vmlinux, "sys_exit") &&
			 probe_tp_btf(vmlinux, "sched_switch") &&
			 probe_tp_btf(vmlinux, "signal_generate");
		has_loop = probe_helper_btf(vmlinux, "BPF_FUNC_loop");
		btf__free(vmlinux);
	}
	e->syscall_via = btf_tp ? "tp_btf" : "raw_tp";
	for (size_t i = 0; i < ARRAY_SIZE(attach_order); i++) {
		const struct attach_point *ap = &attach_order[i];

		bpf_program__set_autoload(*prog_of(e->skel, ap, !btf_tp), false);
		if (ap_skipped(e, ap, btf_tp))
			bpf_program__set_autoload(*prog_of(e->skel, ap, btf_tp), false);
	}
	/* the scheduling counts read next's fields directly: tp_btf only */
	e->skel->rodata->trace_sched = btf_tp && !e->opts.no_sched_stats;
	bpf_program__set_autoload(e->skel->progs.cgroup_mkdir_btf, btf_tp);
	bpf_program__set_autoload(e->skel->progs.clock_cost, e->opts.time_budget > 0);
	/* the drain user space runs on each CPU: bpf_loop (5.17) */
	bpf_program__set_autoload(e->skel->progs.sched_drain_cpu,
				  e->skel->rodata->trace_sched && has_loop);

	load_diag_reset();
	ret = syscall_bpf__load(e->skel);
	if (ret)
		return load_error(err, err_len, ret, e->skel->obj);
	ret = set_filter(e, e->skel->maps.cgroup_filter, err, err_len);
	if (ret)
		return ret;

	for (size_t i = 0; i < ARRAY_SIZE(attach_order); i++) {
		const struct attach_point *ap = &attach_order[i];
		struct bpf_link **link = link_of(e->skel, ap, btf_tp);

		if (ap_skipped(e, ap, btf_tp)) {
			engine_probe_add(e, ap->name, "", false, ap_skipped(e, ap, btf_tp));
			continue;
		}
		if (ap->sets_start)
			e->skel->bss->trace_start_ns = engine_now_ns();
		*link = bpf_program__attach(*prog_of(e->skel, ap, btf_tp));
		if (!*link) {
			ret = -errno;
			return engine_fail(err, err_len, ret, "failed to attach %s: %s", ap->name,
					   strerror(-ret));
		}
		engine_probe_add(e, ap->name, e->syscall_via, true, NULL);
	}

	sched_attach(e, btf_tp);
	e->rb = ring_buffer__new(bpf_map__fd(e->skel->maps.events), ringbuf_cb, e, NULL);
	if (!e->rb)
		return engine_fail(err, err_len, -errno, "failed to create ring buffer: %s", strerror(errno));
	return 0;
}

/* KVM and Xen programs: each loads only where its tracepoint exists. */
struct kvm_prog {
	const char *category, *name;
	size_t prog, link;		/* offsets in struct kvm_bpf */
};

#define KP(cat, fn) { #cat, #fn, offsetof(struct kvm_bpf, progs.fn), offsetof(struct kvm_bpf, links.fn) }
static const struct kvm_prog kvm_progs[] = {
	/* entry before exit: an exit is only timed once its entry can be seen */
	KP(kvm, kvm_entry), KP(kvm, kvm_exit), KP(kvm, kvm_userspace_exit),
	KP(kvm, kvm_hypercall), KP(kvm, kvm_xen_hypercall), KP(kvm, kvm_hv_hypercall),
	KP(kvm, kvm_pio), KP(kvm, kvm_mmio), KP(kvm, kvm_fast_mmio),
	KP(kvm, kvm_set_irq), KP(kvm, kvm_msi_set_irq), KP(kvm, kvm_inj_virq),
	KP(xen, xen_mc_entry), KP(xen, xen_mc_flush),
};

static struct bpf_program **kvm_prog_of(struct kvm_bpf *skel, const struct kvm_prog *kp)
{
	return (struct bpf_program **)((char *)skel + kp->prog);
}

/*
 * Open, load and (unless test_run) attach the KVM object. Missing
 * tracepoints are reported as absent probes, never an error.
 */
int engine_kvm_open(struct engine *e, char *err, size_t err_len)
{
	bool present[ARRAY_SIZE(kvm_progs)];
	int ret;

	e->kvm = kvm_bpf__open();
	if (!e->kvm)
		return engine_fail(err, err_len, -errno, "failed to open the KVM BPF object: %s",
				   strerror(errno));
	bpf_program__set_autoload(e->kvm->progs.kvm_test_event, e->opts.test_run);
	for (size_t i = 0; i < ARRAY_SIZE(kvm_progs); i++) {
		const struct kvm_prog *kp = &kvm_progs[i];

		present[i] = !e->opts.test_run && probe_tracepoint(kp->category, kp->name);
		bpf_program__set_autoload(*kvm_prog_of(e->kvm, kp), present[i]);
	}
	e->kvm->rodata->filter_cgroup = e->filter_fd >= 0;
	for (int c = 0; c < VFLOW_REC_MAX; c++) {
		e->kvm->rodata->rec_sample[c] = e->opts.rec.sample[c];
		e->kvm->rodata->rec_slow_ns[c] = e->opts.rec.slow_ns[c];
	}
	/* one ring buffer for every sample: the syscall object's */
	if (e->skel) {
		ret = bpf_map__reuse_fd(e->kvm->maps.events, bpf_map__fd(e->skel->maps.events));
		if (ret)
			return engine_fail(err, err_len, ret, "failed to share the ring buffer: %s",
					   strerror(-ret));
	}
	load_diag_reset();
	ret = kvm_bpf__load(e->kvm);
	if (ret)
		return load_error(err, err_len, ret, e->kvm->obj);
	ret = set_filter(e, e->kvm->maps.cgroup_filter, err, err_len);
	if (ret)
		return ret;
	if (!e->rb) {
		/* test-run engines: the KVM object's own ring buffer */
		e->rb = ring_buffer__new(bpf_map__fd(e->kvm->maps.events), ringbuf_cb, e, NULL);
		if (!e->rb)
			return engine_fail(err, err_len, -errno, "failed to create ring buffer: %s",
					   strerror(errno));
	}
	for (size_t i = 0; i < ARRAY_SIZE(kvm_progs) && !e->opts.test_run; i++) {
		const struct kvm_prog *kp = &kvm_progs[i];
		struct bpf_link **link = (struct bpf_link **)((char *)e->kvm + kp->link);

		char name[ENGINE_PROBE_NAME_LEN];

		snprintf(name, sizeof(name), "%s:%s", kp->category, kp->name);
		if (!present[i]) {
			engine_probe_add(e, name, "tracepoint", false, "tracepoint absent on this kernel");
			continue;
		}
		*link = bpf_program__attach(*kvm_prog_of(e->kvm, kp));
		engine_probe_add(e, name, "tracepoint", *link != NULL, *link ? NULL : strerror(errno));
	}
	return 0;
}

/*
 * The seccomp filter's own cost through fentry/fexit: optional. Kernels
 * (or hosts) that refuse fentry get an absent probe, never an error.
 */
void engine_filter_cost_open(struct engine *e)
{
	const char *name = "fexit:__seccomp_filter";
	int ret;

	e->filter = seccomp_cost_bpf__open();
	load_diag_reset();
	ret = e->filter ? seccomp_cost_bpf__load(e->filter) : -errno;
	if (!ret)
		ret = seccomp_cost_bpf__attach(e->filter);
	if (ret) {
		seccomp_cost_bpf__destroy(e->filter);
		e->filter = NULL;
		/* a verifier log means the kernel takes fentry but not this program: a bug here */
		engine_probe_add(e, name, "fentry", false, load_diag_refused_prog() ?
				 "the verifier refused the program (vflowd -v shows its log): filter cost "
				 "not measured" : ret == -EPERM || ret == -EACCES ?
				 "fentry/fexit refused by this kernel: filter cost not measured" :
				 "fentry/fexit unavailable: filter cost not measured");
		return;
	}
	engine_probe_add(e, name, "fentry", true, NULL);
}
