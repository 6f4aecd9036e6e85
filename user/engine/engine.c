// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "engine/engine.h"
#include "engine/load_diag.h"
#include "engine/probe.h"
#include "syscall.skel.h"
#include "kvm.skel.h"
#include "seccomp_cost.skel.h"

/* Keys read per bpf_map_lookup_batch() call; doubled on -ENOSPC. */
#define BATCH_KEYS_INITIAL 1024
/* the largest map key read in batches */
#define BATCH_KEY_MAX (sizeof(struct vflow_kvm_key) > sizeof(struct vflow_sys_key) ? \
		       sizeof(struct vflow_kvm_key) : sizeof(struct vflow_sys_key))

struct engine {
	struct engine_opts opts;
	struct syscall_bpf *skel;	/* NULL in test-run mode */
	struct kvm_bpf *kvm;
	struct seccomp_cost_bpf *filter;	/* NULL where fentry/fexit are refused */
	struct ring_buffer *rb;
	int nr_cpus;
	size_t val_stride;		/* per-CPU value size, rounded to 8 */
	size_t batch_keys;
	void *keys;			/* batch of keys, BATCH_KEY_MAX bytes each */
	void *vals;
	__u32 *stage_keys;		/* the staging array, all CPUs */
	void *stage_vals;
	const char *syscall_via;
	struct engine_probe probes[ENGINE_MAX_PROBES];
	size_t nr_probes;
	__u64 events;
	/*
	 * Removed cgroups: their rows leave the BPF maps (room for new
	 * cgroups) and are kept here; after retire_ttl_ns they are summed
	 * into owner VFLOW_OWNER_GONE.
	 */
	struct snapshot *rt;		/* sorted and merged */
	size_t rt_cap;
	struct retired *ret;		/* sorted by id */
	size_t nr_ret, cap_ret;
	__u64 *expired;			/* summed into GONE since engine__expired() */
	size_t nr_expired, cap_expired;
	void *rt_vals;			/* one per-CPU value, the largest map's */
	int filter_fd;			/* the --cgroup filter's directory, or -1 */
};

struct retired {
	__u64 id;
	__u64 since_ns;
};

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void probe_add(struct engine *e, const char *name, const char *via, bool live, const char *why)
{
	if (e->nr_probes >= ENGINE_MAX_PROBES)
		return;
	e->probes[e->nr_probes] = (struct engine_probe){
		.via = via, .live = live, .why = why ? why : "",
	};
	snprintf(e->probes[e->nr_probes++].name, ENGINE_PROBE_NAME_LEN, "%s", name);
}

void engine_rec__defaults(struct engine_rec *r)
{
	r->sample[VFLOW_REC_SYSCALL] = VFLOW_DEFAULT_SAMPLE_SYSCALL;
	r->sample[VFLOW_REC_VM] = VFLOW_DEFAULT_SAMPLE_VM;
	r->sample[VFLOW_REC_SANDBOX] = VFLOW_DEFAULT_SAMPLE_SANDBOX;
	r->slow_ns[VFLOW_REC_SYSCALL] = VFLOW_DEFAULT_SLOW_NS;
	r->slow_ns[VFLOW_REC_VM] = VFLOW_DEFAULT_SLOW_VM_NS;
	r->slow_ns[VFLOW_REC_SANDBOX] = VFLOW_DEFAULT_SLOW_SANDBOX_NS;
}

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
 */
struct attach_point {
	const char *name;
	size_t prog_btf, prog_raw;	/* offsets in struct syscall_bpf */
	size_t link_btf, link_raw;
	bool sets_start;
	bool sandbox_only;		/* only for the sandbox paradigm */
};

#define AP(tp, fn, start, sandbox) { tp, offsetof(struct syscall_bpf, progs.fn##_btf), \
	offsetof(struct syscall_bpf, progs.fn##_raw), offsetof(struct syscall_bpf, links.fn##_btf), \
	offsetof(struct syscall_bpf, links.fn##_raw), start, sandbox }
static const struct attach_point attach_order[] = {
	AP("sched:sched_switch", sched_switch, false, false),
	AP("signal:signal_generate", signal_generate, false, true),
	AP("raw_syscalls:sys_enter", sys_enter, false, false),
	AP("raw_syscalls:sys_exit", sys_exit, true, false),
};
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct bpf_program **prog_of(struct syscall_bpf *skel, const struct attach_point *ap, bool btf)
{
	return (struct bpf_program **)((char *)skel + (btf ? ap->prog_btf : ap->prog_raw));
}

static struct bpf_link **link_of(struct syscall_bpf *skel, const struct attach_point *ap, bool btf)
{
	return (struct bpf_link **)((char *)skel + (btf ? ap->link_btf : ap->link_raw));
}

static int fail(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return ret;
}

static int batch_bufs_alloc(struct engine *e, size_t keys)
{
	void *k = realloc(e->keys, keys * BATCH_KEY_MAX);

	if (!k)
		return -ENOMEM;
	e->keys = k;
	k = realloc(e->vals, keys * e->nr_cpus * e->val_stride);
	if (!k)
		return -ENOMEM;
	e->vals = k;
	e->batch_keys = keys;
	return 0;
}

/* Scheduling statistics: optional, a failure is an absent probe. */
static void sched_attach(struct engine *e, bool btf_tp)
{
	static const char *const names[] = {
		"sched:sched_switch (stats)", "sched:sched_wakeup", "sched:sched_wakeup_new",
	};
	/* the switch's part rides on the syscall path's sched_switch program */
	struct bpf_program *progs[] = {
		NULL, e->skel->progs.sched_stats_wakeup, e->skel->progs.sched_stats_wakeup_new,
	};
	struct bpf_link **links[] = {
		NULL, &e->skel->links.sched_stats_wakeup, &e->skel->links.sched_stats_wakeup_new,
	};

	for (size_t i = 0; i < ARRAY_SIZE(progs); i++) {
		if (!btf_tp) {
			probe_add(e, names[i], "raw_tp", false, "scheduling costs need tp_btf");
			continue;
		}
		if (!progs[i]) {
			probe_add(e, names[i], "tp_btf", true, NULL);
			continue;
		}
		*links[i] = bpf_program__attach(progs[i]);
		probe_add(e, names[i], "tp_btf", *links[i] != NULL, *links[i] ? NULL : strerror(errno));
	}
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

/* Slot 0 of a cgroup array: the --cgroup filter's directory. */
static int set_filter(int map_fd, int cgroup_fd)
{
	__u32 zero = 0;

	return bpf_map_update_elem(map_fd, &zero, &cgroup_fd, BPF_ANY);
}

/* The syscall path: sched_switch, sys_enter, sys_exit, ring buffer. */
static int syscall_open(struct engine *e, char *err, size_t err_len)
{
	bool btf_tp = false;
	int ret;

	e->skel = syscall_bpf__open();
	if (!e->skel) {
		ret = fail(err, err_len, -errno, "failed to open BPF object: %s", strerror(errno));
		return ret;
	}
	for (int c = 0; c < VFLOW_REC_MAX; c++) {
		e->skel->rodata->rec_sample[c] = e->opts.rec.sample[c];
		e->skel->rodata->rec_slow_ns[c] = e->opts.rec.slow_ns[c];
	}
	e->skel->rodata->filter_cgroup = e->filter_fd >= 0;
	e->skel->rodata->trace_sandbox = !e->opts.no_sandbox;

	if (!e->opts.force_raw_tp) {
		struct btf *vmlinux = btf__load_vmlinux_btf();

		btf_tp = probe_tp_btf(vmlinux, "sys_enter") && probe_tp_btf(vmlinux, "sys_exit") &&
			 probe_tp_btf(vmlinux, "sched_switch") &&
			 probe_tp_btf(vmlinux, "signal_generate");
		btf__free(vmlinux);
	}
	e->syscall_via = btf_tp ? "tp_btf" : "raw_tp";
	for (size_t i = 0; i < ARRAY_SIZE(attach_order); i++) {
		const struct attach_point *ap = &attach_order[i];

		bpf_program__set_autoload(*prog_of(e->skel, ap, !btf_tp), false);
		if (ap->sandbox_only && e->opts.no_sandbox)
			bpf_program__set_autoload(*prog_of(e->skel, ap, btf_tp), false);
	}
	/* scheduling costs need the next task in task storage: tp_btf only */
	bpf_program__set_autoload(e->skel->progs.sched_stats_wakeup, btf_tp);
	bpf_program__set_autoload(e->skel->progs.sched_stats_wakeup_new, btf_tp);

	load_diag_reset();
	ret = syscall_bpf__load(e->skel);
	if (ret)
		return load_error(err, err_len, ret, e->skel->obj);
	if (e->filter_fd >= 0 && set_filter(bpf_map__fd(e->skel->maps.cgroup_filter), e->filter_fd))
		return fail(err, err_len, -errno, "cannot set the cgroup filter: %s", strerror(errno));

	for (size_t i = 0; i < ARRAY_SIZE(attach_order); i++) {
		const struct attach_point *ap = &attach_order[i];
		struct bpf_link **link = link_of(e->skel, ap, btf_tp);

		if (ap->sandbox_only && e->opts.no_sandbox) {
			probe_add(e, ap->name, "", false, "not traced: --paradigm without sandbox");
			continue;
		}
		if (ap->sets_start)
			e->skel->bss->trace_start_ns = now_ns();
		*link = bpf_program__attach(*prog_of(e->skel, ap, btf_tp));
		if (!*link) {
			ret = -errno;
			ret = fail(err, err_len, ret, "failed to attach %s: %s", ap->name, strerror(-ret));
			return ret;
		}
		probe_add(e, ap->name, e->syscall_via, true, NULL);
	}

	sched_attach(e, btf_tp);
	e->rb = ring_buffer__new(bpf_map__fd(e->skel->maps.events), ringbuf_cb, e, NULL);
	if (!e->rb)
		return fail(err, err_len, -errno, "failed to create ring buffer: %s", strerror(errno));
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
static int kvm_open(struct engine *e, char *err, size_t err_len)
{
	bool present[ARRAY_SIZE(kvm_progs)];
	int ret;

	e->kvm = kvm_bpf__open();
	if (!e->kvm)
		return fail(err, err_len, -errno, "failed to open the KVM BPF object: %s", strerror(errno));
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
			return fail(err, err_len, ret, "failed to share the ring buffer: %s",
				    strerror(-ret));
	}
	load_diag_reset();
	ret = kvm_bpf__load(e->kvm);
	if (ret)
		return load_error(err, err_len, ret, e->kvm->obj);
	if (e->filter_fd >= 0 && set_filter(bpf_map__fd(e->kvm->maps.cgroup_filter), e->filter_fd))
		return fail(err, err_len, -errno, "cannot set the cgroup filter: %s", strerror(errno));
	if (!e->rb) {
		/* test-run engines: the KVM object's own ring buffer */
		e->rb = ring_buffer__new(bpf_map__fd(e->kvm->maps.events), ringbuf_cb, e, NULL);
		if (!e->rb)
			return fail(err, err_len, -errno, "failed to create ring buffer: %s",
				    strerror(errno));
	}
	for (size_t i = 0; i < ARRAY_SIZE(kvm_progs) && !e->opts.test_run; i++) {
		const struct kvm_prog *kp = &kvm_progs[i];
		struct bpf_link **link = (struct bpf_link **)((char *)e->kvm + kp->link);

		char name[ENGINE_PROBE_NAME_LEN];

		snprintf(name, sizeof(name), "%s:%s", kp->category, kp->name);
		if (!present[i]) {
			probe_add(e, name, "tracepoint", false, "tracepoint absent on this kernel");
			continue;
		}
		*link = bpf_program__attach(*kvm_prog_of(e->kvm, kp));
		probe_add(e, name, "tracepoint", *link != NULL, *link ? NULL : strerror(errno));
	}
	return 0;
}

/*
 * The seccomp filter's own cost through fentry/fexit: optional. Kernels
 * (or hosts) that refuse fentry get an absent probe, never an error.
 */
static void filter_cost_open(struct engine *e)
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
		probe_add(e, name, "fentry", false, load_diag_refused_prog() ?
			  "the verifier refused the program (vflowd -v shows its log): filter cost "
			  "not measured" : ret == -EPERM || ret == -EACCES ?
			  "fentry/fexit refused by this kernel: filter cost not measured" :
			  "fentry/fexit unavailable: filter cost not measured");
		return;
	}
	probe_add(e, name, "fentry", true, NULL);
}

static void filter_key_to_row(const void *k, struct trap_row *row)
{
	row->kind = VFLOW_TRAP_FILTER_COST;
	row->owner = *(const __u32 *)k;
}

int engine__kvm_test_event(struct engine *e, const struct vflow_kvm_test_event *ev)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ev, .ctx_size_in = sizeof(*ev));
	int err;

	if (!e->kvm || !e->opts.test_run)
		return -EINVAL;
	err = bpf_prog_test_run_opts(bpf_program__fd(e->kvm->progs.kvm_test_event), &opts);
	if (err)
		return -errno;
	return opts.retval ? -EINVAL : 0;
}

int engine__open(struct engine **out, const struct engine_opts *opts, char *err, size_t err_len)
{
	struct engine *e;
	int ret;

	*out = NULL;
	ret = probe_privileges(err, err_len);
	if (ret)
		return ret;
	if (!probe_btf())
		return fail(err, err_len, -ENOENT, "no kernel BTF at %s: vflow needs a kernel built "
			    "with CONFIG_DEBUG_INFO_BTF=y", PROBE_BTF_VMLINUX);
	ret = probe_tracefs();
	if (ret)
		return fail(err, err_len, ret, "tracefs is not mounted at %s and mounting it failed "
			    "(%s): mount it with 'mount -t tracefs nodev %s'",
			    PROBE_TRACEFS, strerror(-ret), PROBE_TRACEFS);

	e = calloc(1, sizeof(*e));
	if (!e)
		return fail(err, err_len, -ENOMEM, "out of memory");
	e->opts = *opts;
	e->filter_fd = -1;
	if (opts->cgroup_filter) {
		e->filter_fd = open(opts->cgroup_filter, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (e->filter_fd < 0) {
			ret = fail(err, err_len, -errno, "cannot open cgroup %s: %s: give a directory of "
				   "the cgroup2 hierarchy", opts->cgroup_filter, strerror(errno));
			goto cleanup;
		}
	}
	if (!e->opts.rec_set)
		engine_rec__defaults(&e->opts.rec);
	if (!e->opts.retire_ttl_ns)
		e->opts.retire_ttl_ns = ENGINE_DEFAULT_RETIRE_TTL_NS;
	/* libbpf's messages are kept for load_error(); printed only with -v */
	load_diag_set_verbose(opts->verbose);
	libbpf_set_print(load_diag_print);

	e->nr_cpus = libbpf_num_possible_cpus();
	if (e->nr_cpus <= 0) {
		ret = fail(err, err_len, e->nr_cpus ? e->nr_cpus : -EINVAL,
			   "cannot count the possible CPUs from /sys/devices/system/cpu/possible");
		goto cleanup;
	}
	e->val_stride = (sizeof(struct vflow_trap_val) + 7) & ~7UL;

	ret = batch_bufs_alloc(e, BATCH_KEYS_INITIAL);
	e->rt = snapshot__new(e->rt_cap = 64);
	e->rt_vals = calloc(e->nr_cpus, ((sizeof(struct vflow_sched_val) > sizeof(struct vflow_trap_val) ?
				 sizeof(struct vflow_sched_val) : sizeof(struct vflow_trap_val)) + 7) & ~7UL);
	if (!e->rt || !e->rt_vals)
		ret = -ENOMEM;
	e->stage_keys = calloc(VFLOW_STAGE_NR, sizeof(*e->stage_keys));
	e->stage_vals = calloc((size_t)VFLOW_STAGE_NR * e->nr_cpus,
			       (sizeof(struct vflow_sys_stage) + 7) & ~7UL);
	if (ret || !e->stage_keys || !e->stage_vals) {
		ret = fail(err, err_len, -ENOMEM, "out of memory");
		goto cleanup;
	}
	if (!opts->test_run) {
		ret = syscall_open(e, err, err_len);
		if (ret)
			goto cleanup;
	}
	if (opts->no_vm && !opts->test_run)
		probe_add(e, "kvm:*, xen:*", "", false, "not traced: --paradigm without vm");
	else
		ret = kvm_open(e, err, err_len);
	if (ret)
		goto cleanup;
	if (!opts->test_run && !opts->no_sandbox)
		filter_cost_open(e);
	*out = e;
	return 0;

cleanup:
	engine__destroy(e);
	return ret;
}

void engine__destroy(struct engine *e)
{
	if (!e)
		return;
	ring_buffer__free(e->rb);
	syscall_bpf__destroy(e->skel);
	kvm_bpf__destroy(e->kvm);
	seccomp_cost_bpf__destroy(e->filter);
	free(e->keys);
	free(e->vals);
	free(e->stage_keys);
	free(e->stage_vals);
	if (e->filter_fd >= 0)
		close(e->filter_fd);
	snapshot__free(e->rt);
	free(e->ret);
	free(e->expired);
	free(e->rt_vals);
	free(e);
}

int engine__poll(struct engine *e, int timeout_ms)
{
	int n, m;

	if (!e->rb)
		return 0;
	n = ring_buffer__poll(e->rb, timeout_ms);
	if (n < 0 && n != -EINTR)
		return n;
	/* samples wake us only in bulk (VFLOW_EVENTS_WAKEUP_BYTES): take the rest now */
	m = ring_buffer__consume(e->rb);
	if (m < 0)
		return m;
	return (n > 0 ? n : 0) + m;
}

size_t engine__probes(const struct engine *e, const struct engine_probe **probes)
{
	*probes = e->probes;
	return e->nr_probes;
}

const char *engine__syscall_via(const struct engine *e)
{
	return e->syscall_via ? e->syscall_via : "none";
}

static void row_add_val(struct trap_row *row, const struct vflow_trap_val *v)
{
	row->count += v->count;
	row->total_ns += v->total_ns;
	row->skipped += v->skipped;
	for (int i = 0; i < VFLOW_HIST_SLOTS; i++)
		row->hist[i] += v->hist[i];
}

static void row_from_percpu(struct trap_row *row, const void *vals, int nr_cpus, size_t stride)
{
	memset(row, 0, sizeof(*row));
	for (int cpu = 0; cpu < nr_cpus; cpu++)
		row_add_val(row, (const void *)((const char *)vals + cpu * stride));
}

static int snapshot_grow(struct snapshot *s, size_t *cap, size_t need)
{
	struct trap_row *rows;
	size_t n = *cap;

	if (need <= n)
		return 0;
	while (n < need)
		n *= 2;
	rows = realloc(s->rows, n * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	s->rows = rows;
	*cap = n;
	return 0;
}

static void sys_key_to_row(const void *k, struct trap_row *row)
{
	const struct vflow_sys_key *key = k;

	row->kind = VFLOW_TRAP_SYSCALL;
	row->owner = key->cgroup_id;
	row->code = key->nr;
}

static void sandbox_key_to_row(const void *k, struct trap_row *row)
{
	const struct vflow_sandbox_key *key = k;

	row->kind = VFLOW_TRAP_SANDBOX;
	row->owner = key->pid;
	row->sub = key->action;
	row->code = key->nr;
}

static void notif_key_to_row(const void *k, struct trap_row *row)
{
	const struct vflow_notif_key *key = k;

	row->kind = VFLOW_TRAP_NOTIF_HANDLING;
	row->owner = key->sup_pid;
	row->sub = key->target_pid;
}

static void kvm_key_to_row(const void *k, struct trap_row *row)
{
	const struct vflow_kvm_key *key = k;

	row->kind = key->kind;
	row->owner = key->pid;
	row->sub = key->vcpu;
	row->code = key->code;
}

/*
 * A whole per-CPU hash of trap values through bpf_map_lookup_batch(): one
 * syscall per batch of keys.
 */
static int read_trap_hash(struct engine *e, struct snapshot *s, size_t *cap, int fd,
			  size_t key_size, void (*key_to_row)(const void *, struct trap_row *))
{
	__u64 token = 0;	/* hash maps use a u32 bucket cursor */
	bool first = true;
	int err;

	for (;;) {
		__u32 count = e->batch_keys;

		err = bpf_map_lookup_batch(fd, first ? NULL : &token, &token, e->keys, e->vals,
					   &count, NULL);
		if (err && errno == ENOSPC && !count) {
			/* one bucket holds more keys than fit: grow and retry */
			if (batch_bufs_alloc(e, e->batch_keys * 2))
				return -ENOMEM;
			continue;
		}
		if (err && errno != ENOENT)
			return -errno;
		if (snapshot_grow(s, cap, s->nr_rows + count))
			return -ENOMEM;
		for (__u32 i = 0; i < count; i++) {
			struct trap_row *row = &s->rows[s->nr_rows++];

			row_from_percpu(row, (char *)e->vals + (size_t)i * e->nr_cpus * e->val_stride,
					e->nr_cpus, e->val_stride);
			key_to_row((char *)e->keys + i * key_size, row);
		}
		if (err)	/* ENOENT: that was the last batch */
			return 0;
		first = false;
	}
}

/* Per-cgroup scheduling aggregates: two rows each (see VFLOW_TRAP_SCHED_*). */
static int read_sched(struct engine *e, struct snapshot *s, size_t *cap)
{
	int fd = bpf_map__fd(e->skel->maps.sched_stats);
	size_t stride = (sizeof(struct vflow_sched_val) + 7) & ~7UL;
	__u64 key, next, *prev = NULL;
	void *vals = calloc(e->nr_cpus, stride);

	if (!vals)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct trap_row *on, *rq;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;	/* removed meanwhile */
		if (snapshot_grow(s, cap, s->nr_rows + 2)) {
			free(vals);
			return -ENOMEM;
		}
		on = &s->rows[s->nr_rows++];
		rq = &s->rows[s->nr_rows++];
		memset(on, 0, sizeof(*on));
		memset(rq, 0, sizeof(*rq));
		on->kind = VFLOW_TRAP_SCHED_ONCPU;
		rq->kind = VFLOW_TRAP_SCHED_RUNQ;
		on->owner = rq->owner = key;
		for (int cpu = 0; cpu < e->nr_cpus; cpu++) {
			const struct vflow_sched_val *v = (const void *)((char *)vals + cpu * stride);

			on->total_ns += v->oncpu_ns;
			on->count += v->switches_vol;
			on->skipped += v->switches_invol;
			row_add_val(rq, &v->runq);
		}
	}
	free(vals);
	return 0;
}

/* Sum a per-CPU counter array into s->counters. */
static void read_counters(struct engine *e, struct snapshot *s, int fd)
{
	__u64 vals[e->nr_cpus];

	for (__u32 k = 0; k < VFLOW_CNT_MAX; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (int cpu = 0; cpu < e->nr_cpus; cpu++)
			s->counters[k] += vals[cpu];
	}
}

/*
 * The per-CPU staging entries hold counts not yet folded into the hash:
 * one row each, merged with the hash's rows by snapshot_merge(). Read
 * after the hash, so a fold in between is missed once (and seen next
 * time) rather than counted twice.
 */
static int read_sys_stage(struct engine *e, struct snapshot *s, size_t *cap)
{
	int fd = bpf_map__fd(e->skel->maps.sys_stage);
	size_t stride = (sizeof(struct vflow_sys_stage) + 7) & ~7UL;
	__u32 count = VFLOW_STAGE_NR, token = 0;

	/* the whole array in one call */
	if (bpf_map_lookup_batch(fd, NULL, &token, e->stage_keys, e->stage_vals, &count, NULL) &&
	    errno != ENOENT)
		return -errno;
	for (__u32 i = 0; i < count; i++) {
		for (int cpu = 0; cpu < e->nr_cpus; cpu++) {
			const struct vflow_sys_stage *st = (const void *)((char *)e->stage_vals +
				((size_t)i * e->nr_cpus + cpu) * stride);
			struct trap_row *row;

			if (!st->cgroup_id || (!st->val.count && !st->val.skipped))
				continue;
			if (snapshot_grow(s, cap, s->nr_rows + 1))
				return -ENOMEM;
			row = &s->rows[s->nr_rows++];
			memset(row, 0, sizeof(*row));
			row->kind = VFLOW_TRAP_SYSCALL;
			row->owner = st->cgroup_id;
			row->code = e->stage_keys[i];
			row_add_val(row, &st->val);
		}
	}
	return 0;
}

static int retired_cmp(const void *a, const void *b)
{
	const struct retired *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static struct retired *retired_find(struct engine *e, __u64 id)
{
	struct retired key = { .id = id };

	return e->nr_ret ? bsearch(&key, e->ret, e->nr_ret, sizeof(*e->ret), retired_cmp) : NULL;
}

int engine__retire_cgroups(struct engine *e, const __u64 *ids, size_t n)
{
	size_t added = 0;

	for (size_t i = 0; i < n; i++) {
		if (!ids[i] || ids[i] == VFLOW_OWNER_GONE || retired_find(e, ids[i]))
			continue;
		if (e->nr_ret + added == e->cap_ret) {
			size_t cap = e->cap_ret ? e->cap_ret * 2 : 64;
			struct retired *p = realloc(e->ret, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			e->ret = p;
			e->cap_ret = cap;
		}
		e->ret[e->nr_ret + added++] = (struct retired){ .id = ids[i], .since_ns = now_ns() };
	}
	e->nr_ret += added;
	if (added)
		qsort(e->ret, e->nr_ret, sizeof(*e->ret), retired_cmp);
	return 0;
}

size_t engine__expired(struct engine *e, __u64 *ids, size_t max)
{
	size_t n = e->nr_expired < max ? e->nr_expired : max;

	if (!n)
		return 0;
	memcpy(ids, e->expired, n * sizeof(*ids));
	memmove(e->expired, e->expired + n, (e->nr_expired - n) * sizeof(*ids));
	e->nr_expired -= n;
	return n;
}

static int rt_add(struct engine *e, const struct trap_row *row)
{
	if (snapshot_grow(e->rt, &e->rt_cap, e->rt->nr_rows + 1))
		return -ENOMEM;
	e->rt->rows[e->rt->nr_rows++] = *row;
	return 0;
}

/* Take a key out of a per-CPU hash with its values; the fallback is not atomic (before 5.14). */
static int take_key(int fd, const void *key, void *vals)
{
	if (!bpf_map_lookup_and_delete_elem(fd, key, vals))
		return 0;
	/* kernels before 5.14 answer ENOTSUPP (524, kernel-internal) for hash maps */
	if (errno != EINVAL && errno != 524 && errno != EOPNOTSUPP)
		return -errno;
	if (bpf_map_lookup_elem(fd, key, vals) || bpf_map_delete_elem(fd, key))
		return -errno;
	return 0;
}

/* Row @i of @s came from a BPF map and its cgroup is gone: move it into e->rt. */
static void retire_sys_row(struct engine *e, struct trap_row *row)
{
	struct vflow_sys_key key = { .cgroup_id = row->owner, .nr = (__u32)row->code };
	struct trap_row fresh = { .kind = row->kind, .owner = row->owner, .code = row->code };

	if (take_key(bpf_map__fd(e->skel->maps.sys_stats), &key, e->rt_vals))
		return;		/* left in the map: tried again next time */
	row_from_percpu(&fresh, e->rt_vals, e->nr_cpus, e->val_stride);
	fresh.kind = row->kind;
	fresh.owner = row->owner;
	fresh.code = row->code;
	if (rt_add(e, &fresh))
		return;		/* out of memory: the map keeps it, nothing lost */
	row->kind = VFLOW_TRAP_KIND_MAX;	/* dropped below: e->rt has it now */
}

static void retire_sched_rows(struct engine *e, struct trap_row *on, struct trap_row *rq)
{
	size_t stride = (sizeof(struct vflow_sched_val) + 7) & ~7UL;
	struct trap_row fon = *on, frq = *rq;
	__u64 key = on->owner;

	if (take_key(bpf_map__fd(e->skel->maps.sched_stats), &key, e->rt_vals))
		return;
	memset(fon.hist, 0, sizeof(fon.hist));
	fon.count = fon.total_ns = fon.skipped = 0;
	memset(&frq, 0, sizeof(frq));
	frq.kind = rq->kind;
	frq.owner = rq->owner;
	for (int cpu = 0; cpu < e->nr_cpus; cpu++) {
		const struct vflow_sched_val *v = (const void *)((char *)e->rt_vals + cpu * stride);

		fon.total_ns += v->oncpu_ns;
		fon.count += v->switches_vol;
		fon.skipped += v->switches_invol;
		row_add_val(&frq, &v->runq);
	}
	if (rt_add(e, &fon) || rt_add(e, &frq))
		return;
	on->kind = rq->kind = VFLOW_TRAP_KIND_MAX;
}

/*
 * Retired cgroups past the TTL: their rows become VFLOW_OWNER_GONE rows
 * (snapshot__delta knows), unless a per-CPU staging entry still holds
 * one of them: it can be folded into the hash later, under its own id.
 */
static int retired_expire(struct engine *e, const struct snapshot *s, size_t st_lo, size_t st_hi)
{
	__u64 now = now_ns();
	size_t out = 0;
	bool changed = false;

	for (size_t i = 0; i < e->nr_ret; i++) {
		struct retired *r = &e->ret[i];
		bool staged = false;

		for (size_t k = st_lo; k < st_hi && !staged; k++)
			staged = s->rows[k].owner == r->id;
		if (now - r->since_ns < e->opts.retire_ttl_ns || staged) {
			e->ret[out++] = *r;
			continue;
		}
		for (size_t k = 0; k < e->rt->nr_rows; k++)
			if (e->rt->rows[k].owner == r->id)
				e->rt->rows[k].owner = VFLOW_OWNER_GONE;
		if (e->nr_expired == e->cap_expired) {
			size_t cap = e->cap_expired ? e->cap_expired * 2 : 64;
			__u64 *p = realloc(e->expired, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			e->expired = p;
			e->cap_expired = cap;
		}
		e->expired[e->nr_expired++] = r->id;
		changed = true;
	}
	e->nr_ret = out;
	if (changed) {
		snapshot__sort(e->rt);
		snapshot__merge(e->rt);
	}
	return 0;
}

/* Move the rows of retired cgroups out of the maps, then add e->rt to @s. */
static int retired_apply(struct engine *e, struct snapshot *s, size_t *cap, size_t sys_lo,
			 size_t sys_hi, size_t st_lo, size_t st_hi, size_t sc_lo, size_t sc_hi)
{
	size_t before = e->rt->nr_rows, out = 0;

	for (size_t i = sys_lo; e->nr_ret && i < sys_hi; i++)
		if (retired_find(e, s->rows[i].owner))
			retire_sys_row(e, &s->rows[i]);
	for (size_t i = sc_lo; e->nr_ret && i + 1 < sc_hi; i += 2)
		if (retired_find(e, s->rows[i].owner))
			retire_sched_rows(e, &s->rows[i], &s->rows[i + 1]);
	if (e->rt->nr_rows != before) {
		snapshot__sort(e->rt);
		snapshot__merge(e->rt);
	}
	if (e->nr_ret && retired_expire(e, s, st_lo, st_hi))
		return -ENOMEM;
	for (size_t i = 0; i < s->nr_rows; i++)
		if (s->rows[i].kind != VFLOW_TRAP_KIND_MAX)
			s->rows[out++] = s->rows[i];
	s->nr_rows = out;
	if (snapshot_grow(s, cap, s->nr_rows + e->rt->nr_rows))
		return -ENOMEM;
	memcpy(s->rows + s->nr_rows, e->rt->rows, e->rt->nr_rows * sizeof(*s->rows));
	s->nr_rows += e->rt->nr_rows;
	return 0;
}

struct snapshot *engine__snapshot(struct engine *e)
{
	size_t cap = BATCH_KEYS_INITIAL, sys_lo = 0, sys_hi = 0, st_hi = 0, sc_lo = 0, sc_hi = 0;
	struct snapshot *s = snapshot__new(cap);

	if (!s)
		return NULL;
	s->ts_ns = now_ns();
	if ((e->skel && (read_trap_hash(e, s, &cap, bpf_map__fd(e->skel->maps.sys_stats),
					sizeof(struct vflow_sys_key), sys_key_to_row) ||
			 (sys_hi = s->nr_rows, read_sys_stage(e, s, &cap)) ||
			 (st_hi = s->nr_rows, read_trap_hash(e, s, &cap, bpf_map__fd(e->skel->maps.sandbox_stats),
					sizeof(struct vflow_sandbox_key), sandbox_key_to_row)) ||
			 read_trap_hash(e, s, &cap, bpf_map__fd(e->skel->maps.notif_stats),
					sizeof(struct vflow_notif_key), notif_key_to_row) ||
			 (sc_lo = s->nr_rows, read_sched(e, s, &cap)) ||
			 (sc_hi = s->nr_rows, retired_apply(e, s, &cap, sys_lo, sys_hi, sys_hi, st_hi,
							    sc_lo, sc_hi)))) ||
	    (e->kvm && read_trap_hash(e, s, &cap, bpf_map__fd(e->kvm->maps.kvm_stats),
				      sizeof(struct vflow_kvm_key), kvm_key_to_row)) ||
	    (e->filter && read_trap_hash(e, s, &cap, bpf_map__fd(e->filter->maps.filter_cost),
					 sizeof(__u32), filter_key_to_row))) {
		snapshot__free(s);
		return NULL;
	}
	snapshot__sort(s);
	snapshot__merge(s);
	if (e->skel)
		read_counters(e, s, bpf_map__fd(e->skel->maps.counters));
	if (e->kvm)
		read_counters(e, s, bpf_map__fd(e->kvm->maps.counters));
	s->events = e->events;
	return s;
}

static bool bpf_stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");
	int on = 0;

	if (f) {
		if (fscanf(f, "%d", &on) != 1)
			on = 0;
		fclose(f);
	}
	return on == 1;
}

static size_t obj_prog_stats(struct bpf_object *obj, struct prog_stat *out, size_t n, size_t max)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		if (n >= max || fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%s", bpf_program__name(p));
		out[n].run_time_ns = info.run_time_ns;
		out[n].run_cnt = info.run_cnt;
		n++;
	}
	return n;
}

size_t engine__prog_stats(const struct engine *e, struct prog_stat *out, size_t max)
{
	size_t n = 0;

	if (!bpf_stats_enabled())
		return 0;
	if (e->skel)
		n = obj_prog_stats(e->skel->obj, out, n, max);
	if (e->kvm)
		n = obj_prog_stats(e->kvm->obj, out, n, max);
	if (e->filter)
		n = obj_prog_stats(e->filter->obj, out, n, max);
	return n;
}
