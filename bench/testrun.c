// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * testrun probe
 *   What BPF_PROG_TEST_RUN answers on this kernel for an empty program of
 *   each type vflow uses (tp_btf, raw_tp, classic tracepoint, syscall) and
 *   for XDP (a type that accepts repeat), with repeat 0, 1 and 1000: one
 *   markdown table, each cell "ok (duration D ns)" or the error.
 *
 * testrun kvm KVM_OBJ [CYCLES [ROUNDS]]
 *   The KVM handlers' cost through the engine's test-run program
 *   kvm_test_event (KVM_OBJ: build/kvm.bpf.o, the object vflowd embeds;
 *   only that program is loaded), against an empty SEC("syscall") program
 *   run the same way with the same context. Four event cycles: an exit
 *   and its entry; an exit, a hypercall annotation and the entry; an
 *   exit, a user-space exit and the entry; an interrupt injection (a
 *   count). CYCLES of each (default 20000) on 4 vCPU threads.
 *   (a) ns per test-run call from user space (the syscall included),
 *       medians of ROUNDS (default 5) interleaved rounds, kernel stats off;
 *   (b) the kernel's own accounting (BPF_ENABLE_STATS: run_time_ns and
 *       run_cnt read after every call) per event, against the empty
 *       program's, with the ratio and the 1.5x target.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vflow.h"
#include "testrun.skel.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524	/* the kernel's internal "not supported" */
#endif

#define KVM_ISA_VMX 1
#define VMX_VMCALL 18
#define VMX_IO 30
#define VMX_EPT_VIOLATION 48
#define KVM_EXIT_IO_REASON 2
#define HCALL_KICK_CPU 5
#define VCPUS 4
#define MAX_EVENTS 3
#define MAX_ROUNDS 99

static const char *err_name(int e)
{
	switch (e) {
	case EINVAL: return "EINVAL";
	case ENOTSUPP: return "ENOTSUPP";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case E2BIG: return "E2BIG";
	case EFAULT: return "EFAULT";
	case ENOSPC: return "ENOSPC";
	default: return "?";
	}
}

static void probe_cell(int fd, const char *type, __u32 repeat)
{
	__u64 args[2] = { 0, 0 };
	char pkt[64] = { 0 }, out[64];
	LIBBPF_OPTS(bpf_test_run_opts, o, .repeat = repeat);
	int err;

	if (!strcmp(type, "xdp")) {
		o.data_in = pkt;
		o.data_size_in = sizeof(pkt);
		o.data_out = out;
		o.data_size_out = sizeof(out);
	} else if (strcmp(type, "tracepoint")) {
		o.ctx_in = args;
		o.ctx_size_in = sizeof(args);
	}
	err = bpf_prog_test_run_opts(fd, &o);
	if (err)
		printf(" -%s (%d) |", err_name(errno), -errno);
	else
		printf(" ok (duration %u ns) |", o.duration);
}

static int probe(void)
{
	static const struct {
		const char *type, *sec;
	} rows[] = {
		{ "tp_btf", "tp_btf/sys_enter" },
		{ "raw_tp", "raw_tp/sys_enter" },
		{ "tracepoint", "tracepoint/raw_syscalls/sys_enter" },
		{ "syscall", "syscall" },
		{ "xdp", "xdp" },
	};
	static const __u32 repeats[] = { 0, 1, 1000 };
	struct testrun_bpf *skel = testrun_bpf__open_and_load();
	struct bpf_program *progs[5];

	if (!skel) {
		fprintf(stderr, "testrun: failed to load the empty programs: %s\n", strerror(errno));
		return 1;
	}
	progs[0] = skel->progs.empty_tp_btf;
	progs[1] = skel->progs.empty_raw_tp;
	progs[2] = skel->progs.empty_tracepoint;
	progs[3] = skel->progs.empty_syscall;
	progs[4] = skel->progs.empty_xdp;
	printf("| program type (empty program) | SEC | repeat=0 | repeat=1 | repeat=1000 |\n");
	printf("| --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		printf("| %s | `%s` |", rows[i].type, rows[i].sec);
		for (size_t r = 0; r < sizeof(repeats) / sizeof(repeats[0]); r++)
			probe_cell(bpf_program__fd(progs[i]), rows[i].type, repeats[r]);
		printf("\n");
	}
	testrun_bpf__destroy(skel);
	return 0;
}

struct cycle {
	const char *name;
	int n;
	struct {
		const char *name;
		__u32 type, kind, isa;
		__u64 code;
	} ev[MAX_EVENTS];
};

static const struct cycle cycles[] = {
	{ "exit (EPT violation) + entry", 2, {
		{ "kvm_exit", VFLOW_KVM_TEST_EXIT, 0, KVM_ISA_VMX, VMX_EPT_VIOLATION },
		{ "kvm_entry (times the exit)", VFLOW_KVM_TEST_ENTRY, 0, 0, 0 } } },
	{ "exit (VMCALL) + hypercall + entry", 3, {
		{ "kvm_exit", VFLOW_KVM_TEST_EXIT, 0, KVM_ISA_VMX, VMX_VMCALL },
		{ "kvm_hypercall (annotates)", VFLOW_KVM_TEST_ANNOTATE, VFLOW_TRAP_HCALL_KVM, 0, HCALL_KICK_CPU },
		{ "kvm_entry (exit + hypercall)", VFLOW_KVM_TEST_ENTRY, 0, 0, 0 } } },
	{ "exit (I/O) + user-space exit + entry", 3, {
		{ "kvm_exit", VFLOW_KVM_TEST_EXIT, 0, KVM_ISA_VMX, VMX_IO },
		{ "kvm_userspace_exit", VFLOW_KVM_TEST_USERSPACE_EXIT, 0, 0, KVM_EXIT_IO_REASON },
		{ "kvm_entry (exit + user space)", VFLOW_KVM_TEST_ENTRY, 0, 0, 0 } } },
	{ "interrupt injection (count)", 1, {
		{ "kvm_inj_virq", VFLOW_KVM_TEST_COUNT, VFLOW_TRAP_IRQ_INJ, 0, 0x20 } } },
};
#define NCYCLES (sizeof(cycles) / sizeof(cycles[0]))

static __u64 ts_now = 1000000;

static void make_event(struct vflow_kvm_test_event *x, const struct cycle *c, int e, long i)
{
	__u32 vcpu = i % VCPUS;

	memset(x, 0, sizeof(*x));
	x->type = c->ev[e].type;
	x->pid = 4242;
	x->tid = 4250 + vcpu;
	x->vcpu = vcpu;
	x->isa = c->ev[e].isa;
	x->kind = c->ev[e].kind;
	x->code = c->ev[e].code;
	ts_now += 1500;		/* 1.5 us between events: exits of 1.5-3 us */
	x->ts_ns = ts_now;
}

static int run_once(int fd, struct vflow_kvm_test_event *x)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = x, .ctx_size_in = sizeof(*x));

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	return o.retval ? -EINVAL : 0;
}

static double mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* one cycle kind, CYCLES times: ns per test-run call */
static double time_cycle(int fd, const struct cycle *c, long n, struct ring_buffer *rb)
{
	struct vflow_kvm_test_event x;
	double t0, t1;

	t0 = mono_ns();
	for (long i = 0; i < n; i++)
		for (int e = 0; e < c->n; e++) {
			make_event(&x, c, e, i);
			if (run_once(fd, &x)) {
				fprintf(stderr, "testrun: test run failed: %s\n", strerror(errno));
				exit(1);
			}
		}
	t1 = mono_ns();
	if (rb)
		ring_buffer__consume(rb);
	return (t1 - t0) / ((double)n * c->n);
}

static int prog_stats(int fd, __u64 *ns, __u64 *cnt)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*ns = info.run_time_ns;
	*cnt = info.run_cnt;
	return 0;
}

/* per event of a cycle: the kernel's run_time_ns / run_cnt */
static void stats_cycle(int fd, const struct cycle *c, long n, struct ring_buffer *rb,
			double *per_event)
{
	__u64 sum_ns[MAX_EVENTS] = { 0 }, sum_cnt[MAX_EVENTS] = { 0 };
	__u64 ns0 = 0, cnt0 = 0, ns1 = 0, cnt1 = 0;
	struct vflow_kvm_test_event x;

	for (long i = 0; i < n; i++)
		for (int e = 0; e < c->n; e++) {
			make_event(&x, c, e, i);
			if (prog_stats(fd, &ns0, &cnt0) || run_once(fd, &x) ||
			    prog_stats(fd, &ns1, &cnt1)) {
				fprintf(stderr, "testrun: test run failed: %s\n", strerror(errno));
				exit(1);
			}
			sum_ns[e] += ns1 - ns0;
			sum_cnt[e] += cnt1 - cnt0;
		}
	if (rb)
		ring_buffer__consume(rb);
	for (int e = 0; e < c->n; e++)
		per_event[e] = sum_cnt[e] ? (double)sum_ns[e] / sum_cnt[e] : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

static int kvm(const char *path, long n, int rounds)
{
	double user_kvm[NCYCLES][MAX_ROUNDS], user_empty[NCYCLES][MAX_ROUNDS];
	double st_kvm[NCYCLES][MAX_EVENTS], st_empty[NCYCLES][MAX_EVENTS];
	struct testrun_bpf *skel = NULL;
	struct bpf_object *obj = NULL;
	struct ring_buffer *rb = NULL;
	struct bpf_program *p, *test = NULL;
	struct bpf_map *events;
	int kfd, efd, stats_fd, err = 1;
	cpu_set_t set;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "testrun: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		int is_test = !strcmp(bpf_program__name(p), "kvm_test_event");

		bpf_program__set_autoload(p, is_test);
		if (is_test)
			test = p;
	}
	if (!test) {
		fprintf(stderr, "testrun: %s has no kvm_test_event program\n", path);
		goto out;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "testrun: cannot load kvm_test_event: %s\n", strerror(errno));
		goto out;
	}
	skel = testrun_bpf__open();
	if (!skel)
		goto out;
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, p == skel->progs.empty_syscall);
	if (testrun_bpf__load(skel)) {
		fprintf(stderr, "testrun: cannot load the empty syscall program: %s\n", strerror(errno));
		goto out;
	}
	/* the flight recorder's samples (1 in 100 exits) are drained like vflowd does */
	events = bpf_object__find_map_by_name(obj, "events");
	if (events)
		rb = ring_buffer__new(bpf_map__fd(events), on_event, NULL, NULL);
	kfd = bpf_program__fd(test);
	efd = bpf_program__fd(skel->progs.empty_syscall);
	/* test runs run on the calling CPU: keep it on one */
	CPU_ZERO(&set);
	CPU_SET(sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0, &set);
	sched_setaffinity(0, sizeof(set), &set);

	/* warm-up: every vCPU state exists, every key is in the map */
	for (size_t c = 0; c < NCYCLES; c++)
		time_cycle(kfd, &cycles[c], 1000, rb);
	for (int r = 0; r < rounds; r++)
		for (size_t c = 0; c < NCYCLES; c++) {
			if (r % 2) {
				user_empty[c][r] = time_cycle(efd, &cycles[c], n, NULL);
				user_kvm[c][r] = time_cycle(kfd, &cycles[c], n, rb);
			} else {
				user_kvm[c][r] = time_cycle(kfd, &cycles[c], n, rb);
				user_empty[c][r] = time_cycle(efd, &cycles[c], n, NULL);
			}
		}
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "testrun: BPF_ENABLE_STATS refused: %s\n", strerror(errno));
		goto out;
	}
	for (size_t c = 0; c < NCYCLES; c++) {
		stats_cycle(kfd, &cycles[c], n, rb, st_kvm[c]);
		stats_cycle(efd, &cycles[c], n, NULL, st_empty[c]);
	}
	close(stats_fd);

	printf("(a) ns per BPF_PROG_TEST_RUN call from user space, syscall included "
	       "(%ld cycles per round, medians of %d interleaved rounds)\n\n", n, rounds);
	printf("| event cycle | calls per cycle | kvm_test_event ns/call | min-max | "
	       "empty SEC(\"syscall\") ns/call | min-max | difference ns/call |\n");
	printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (size_t c = 0; c < NCYCLES; c++) {
		double k, e, kmin, kmax, emin, emax;

		k = median(user_kvm[c], rounds);
		e = median(user_empty[c], rounds);
		kmin = user_kvm[c][0];
		kmax = user_kvm[c][rounds - 1];
		emin = user_empty[c][0];
		emax = user_empty[c][rounds - 1];
		printf("| %s | %d | %.1f | %.1f-%.1f | %.1f | %.1f-%.1f | %.1f |\n", cycles[c].name,
		       cycles[c].n, k, kmin, kmax, e, emin, emax, k - e);
	}
	printf("\n(b) the kernel's accounting per run (BPF_ENABLE_STATS, run_time_ns / run_cnt, "
	       "%ld runs each)\n\n", n);
	printf("| handler (event) | kvm_test_event ns/run | empty SEC(\"syscall\") ns/run | "
	       "added ns | ratio | target <= 1.5x |\n");
	printf("| --- | ---: | ---: | ---: | ---: | --- |\n");
	for (size_t c = 0; c < NCYCLES; c++)
		for (int e = 0; e < cycles[c].n; e++) {
			double k = st_kvm[c][e], z = st_empty[c][e], ratio = k / z;
			char verdict[64];

			if (ratio <= 1.5)
				snprintf(verdict, sizeof(verdict), "met");
			else
				snprintf(verdict, sizeof(verdict), "missed by %.2fx (%.1f ns over 1.5x)",
					 ratio - 1.5, k - 1.5 * z);
			printf("| %s, in: %s | %.1f | %.1f | %.1f | %.2fx | %s |\n", cycles[c].ev[e].name,
			       cycles[c].name, k, z, k - z, ratio, verdict);
		}
	err = 0;
out:
	ring_buffer__free(rb);
	testrun_bpf__destroy(skel);
	bpf_object__close(obj);
	return err;
}

int main(int argc, char **argv)
{
	long n = 20000;
	int rounds = 5;

	if (argc >= 2 && !strcmp(argv[1], "probe"))
		return probe();
	if (argc >= 3 && !strcmp(argv[1], "kvm")) {
		if (argc > 3)
			n = atol(argv[3]);
		if (argc > 4)
			rounds = atoi(argv[4]);
		if (n < 1 || rounds < 1 || rounds > MAX_ROUNDS) {
			fprintf(stderr, "testrun: CYCLES >= 1, 1 <= ROUNDS <= %d\n", MAX_ROUNDS);
			return 2;
		}
		return kvm(argv[2], n, rounds);
	}
	fprintf(stderr, "usage: testrun probe | testrun kvm KVM_OBJ [CYCLES [ROUNDS]]\n");
	return 2;
}
