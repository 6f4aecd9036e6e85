// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The engine's life: probe the kernel, open it (engine_load.c loads and
 * attaches), poll the ring buffer, report its probes and its programs'
 * run times, close it. Snapshots are engine_maps.c's, removed cgroups
 * engine_retire.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "engine/engine_internal.h"
#include "engine/load_diag.h"
#include "engine/probe.h"

__u64 engine_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

void engine_probe_add(struct engine *e, const char *name, const char *via, bool live, const char *why)
{
	if (e->nr_probes >= ENGINE_MAX_PROBES)
		return;
	e->probes[e->nr_probes] = (struct engine_probe){
		.via = via, .live = live, .why = why ? why : "",
	};
	snprintf(e->probes[e->nr_probes++].name, ENGINE_PROBE_NAME_LEN, "%s", name);
}

int engine_fail(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return ret;
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

/* What reading the maps needs, sized for this host's CPUs. 0 or -ENOMEM. */
static int buffers_alloc(struct engine *e)
{
	size_t largest = sizeof(struct vflow_sched_val) > sizeof(struct vflow_trap_val) ?
			 sizeof(struct vflow_sched_val) : sizeof(struct vflow_trap_val);

	e->val_stride = PERCPU_STRIDE(sizeof(struct vflow_trap_val));
	if (engine_batch_alloc(e, BATCH_KEYS_INITIAL))
		return -ENOMEM;
	e->rt_cap = RETIRED_ROWS_INITIAL;
	e->rt = snapshot__new(e->rt_cap);
	e->rt_vals = calloc(e->nr_cpus, PERCPU_STRIDE(largest));
	e->stage_keys = calloc(VFLOW_STAGE_NR, sizeof(*e->stage_keys));
	e->stage_vals = calloc((size_t)VFLOW_STAGE_NR * e->nr_cpus,
			       PERCPU_STRIDE(sizeof(struct vflow_sys_stage)));
	e->counter_vals = calloc(e->nr_cpus, sizeof(*e->counter_vals));
	e->sched_stage_vals = calloc(e->nr_cpus, PERCPU_STRIDE(sizeof(struct vflow_sched_stage)));
	return e->rt && e->rt_vals && e->stage_keys && e->stage_vals && e->counter_vals &&
	       e->sched_stage_vals ? 0 : -ENOMEM;
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
		return engine_fail(err, err_len, -ENOENT, "no kernel BTF at %s: vflow needs a kernel built "
				   "with CONFIG_DEBUG_INFO_BTF=y", PROBE_BTF_VMLINUX);
	ret = probe_tracefs();
	if (ret)
		return engine_fail(err, err_len, ret, "tracefs is not mounted at %s and mounting it failed "
				   "(%s): mount it with 'mount -t tracefs nodev %s'",
				   PROBE_TRACEFS, strerror(-ret), PROBE_TRACEFS);

	e = calloc(1, sizeof(*e));
	if (!e)
		return engine_fail(err, err_len, -ENOMEM, "out of memory");
	e->opts = *opts;
	e->filter_fd = -1;
	e->cpu.root_fd = -1;
	e->time_period = opts->time_period ? opts->time_period : 1;
	if (e->time_period > VFLOW_TIME_PERIOD_MAX)
		e->time_period = VFLOW_TIME_PERIOD_MAX;
	if (opts->cgroup_filter) {
		e->filter_fd = open(opts->cgroup_filter, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (e->filter_fd < 0) {
			ret = engine_fail(err, err_len, -errno, "cannot open cgroup %s: %s: give a "
					  "directory of the cgroup2 hierarchy", opts->cgroup_filter,
					  strerror(errno));
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
		ret = engine_fail(err, err_len, e->nr_cpus ? e->nr_cpus : -EINVAL,
				  "cannot count the possible CPUs from /sys/devices/system/cpu/possible");
		goto cleanup;
	}
	if (buffers_alloc(e)) {
		ret = engine_fail(err, err_len, -ENOMEM, "out of memory");
		goto cleanup;
	}
	if (!opts->test_run) {
		ret = engine_syscall_open(e, err, err_len);
		if (ret)
			goto cleanup;
		engine_timing_open(e);
		engine_cpu_open(e);
	}
	if (opts->no_vm && !opts->test_run)
		engine_probe_add(e, "kvm:*, xen:*", "", false, "not traced: --paradigm without vm");
	else
		ret = engine_kvm_open(e, err, err_len);
	if (ret)
		goto cleanup;
	if (!opts->test_run && !opts->no_sandbox)
		engine_filter_cost_open(e);
	if (!opts->test_run)
		engine_identity_open(e);
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
	identity_bpf__destroy(e->ident);
	free(e->keys);
	free(e->vals);
	free(e->stage_keys);
	free(e->stage_vals);
	free(e->counter_vals);
	free(e->sched_stage_vals);
	cgroup_cpu_cache__free(&e->cpu);
	if (e->filter_fd >= 0)
		close(e->filter_fd);
	snapshot__free(e->rt);
	retired_set_free(&e->cgroups);
	engine_retire_proc_free(e);
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
