// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The KVM handlers, driven through test-run with synthetic kvm_exit /
 * kvm_entry / hypercall / PIO / user-space-exit events (these machines have
 * no /dev/kvm), checked through the engine's own snapshot code. On a
 * machine that can load BPF (root or CAP_BPF + CAP_PERFMON, kernel BTF,
 * probed here), an engine that does not open fails every test with the
 * verifier's words; only a machine without those skips.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "engine/engine.h"
#include "core/kvm_reasons.h"

#define PID 4242
#define TID0 4250
#define TID1 4251

/* VMX and SVM exit codes used below (the kernel's tables) */
#define VMX_HLT 12
#define VMX_VMCALL 18
#define VMX_IO 30
#define VMX_INVALID_STATE 33
#define VMX_EPT_VIOLATION 48
#define SVM_HLT 0x78
#define SVM_IO 0x7b
#define SVM_NPF 0x400
#define KVM_EXIT_IO_REASON 2
#define PORT_VIRTIO 0xc050
#define HCALL_KICK_CPU 5

/* CAP_BPF and CAP_PERFMON appeared in 5.8; older UAPI headers lack them */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#define BTF_VMLINUX "/sys/kernel/btf/vmlinux"

/*
 * Why this machine cannot load BPF programs at all, probed here and not
 * through the code under test; NULL when it can. Then an engine that does
 * not open is a failure, with the verifier's words, never a skip.
 */
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

static char why[ENGINE_ERR_LEN];
static const char *skip_why;	/* set: skip every test, for this reason */
static bool open_failed;	/* the machine can load, the engine did not open */
static struct snapshot *snap;	/* freed by teardown, also after a failed assertion */
static struct engine *rec_engine;

/* An engine in test-run mode, or a skip or failure that says why. */
static struct engine *engine_or_skip(const struct engine_opts *o)
{
	struct engine *e;

	if (skip_why) {
		print_message("# SKIP %s\n", skip_why);
		skip();
	}
	if (!open_failed && !engine__open(&e, o, why, sizeof(why)))
		return e;
	open_failed = true;
	/* on stdout, a TAP diagnostic next to the failure */
	print_message("# engine__open failed on a machine that can load BPF: %s\n", why);
	fail();
	return NULL;
}

static int setup(void **state)
{
	skip_why = machine_cannot_load();
	*state = NULL;
	return 0;
}

static int teardown(void **state)
{
	engine__destroy(*state);
	*state = NULL;
	snapshot__free(snap);
	snap = NULL;
	engine__destroy(rec_engine);
	rec_engine = NULL;
	return 0;
}

#define NEED_ENGINE(state)						\
	do {								\
		struct engine_opts o_ = { .test_run = true };		\
									\
		*(state) = engine_or_skip(&o_);				\
	} while (0)

/* The aggregates now, freed by teardown. */
static struct snapshot *take_snapshot(struct engine *e)
{
	snap = engine__snapshot(e);
	assert_non_null(snap);
	return snap;
}

static void ev(struct engine *e, __u32 type, __u32 tid, __u32 vcpu, __u32 isa, __u32 kind,
	       __u64 code, __u64 ts)
{
	struct vflow_kvm_test_event x = { .type = type, .pid = PID, .tid = tid, .vcpu = vcpu,
					  .isa = isa, .kind = kind, .code = code, .ts_ns = ts };

	assert_int_equal(engine__kvm_test_event(e, &x), 0);
}

#define EXIT(e, tid, vcpu, isa, code, ts) ev(e, VFLOW_KVM_TEST_EXIT, tid, vcpu, isa, 0, code, ts)
#define ENTRY(e, tid, ts) ev(e, VFLOW_KVM_TEST_ENTRY, tid, 0, 0, 0, 0, ts)
#define ANNOTATE(e, tid, kind, code) ev(e, VFLOW_KVM_TEST_ANNOTATE, tid, 0, 0, kind, code, 0)

static const struct trap_row *row(const struct snapshot *s, __u32 kind, __u32 vcpu, __u64 code)
{
	struct trap_row key = { .kind = kind, .owner = PID, .sub = vcpu, .code = code };

	return snapshot__find(s, &key);
}

/* count, total and histogram of one row, exactly (count-only rows have no histogram) */
static void assert_row(const struct snapshot *s, __u32 kind, __u32 vcpu, __u64 code,
		       __u64 count, __u64 total_ns, __u64 skipped)
{
	const struct trap_row *r = row(s, kind, vcpu, code);

	if (!r)
		fail_msg("no row for kind %u vcpu %u code 0x%llx", kind, vcpu, (unsigned long long)code);
	assert_int_equal(r->count, count);
	assert_int_equal(r->total_ns, total_ns);
	assert_int_equal(r->skipped, skipped);
	assert_int_equal(hist_count(r->hist), total_ns ? count : 0);
}

static void test_vmx_sequence(void **state)
{
	struct engine *e;
	struct snapshot *s;

	NEED_ENGINE(state);
	e = *state;
	/* vCPU 0: EPT violation 2000 ns, HLT 100 us, VMCALL (kick) 700 ns */
	EXIT(e, TID0, 0, KVM_ISA_VMX, VMX_EPT_VIOLATION, 1000);
	ENTRY(e, TID0, 3000);
	EXIT(e, TID0, 0, KVM_ISA_VMX, VMX_HLT, 5000);
	ENTRY(e, TID0, 105000);
	EXIT(e, TID0, 0, KVM_ISA_VMX, VMX_VMCALL, 200000);
	ANNOTATE(e, TID0, VFLOW_TRAP_HCALL_KVM, HCALL_KICK_CPU);
	ENTRY(e, TID0, 200700);
	/* port I/O that goes out to the VMM: 10 us, 9.8 us of it in user space */
	EXIT(e, TID0, 0, KVM_ISA_VMX, VMX_IO, 300000);
	ANNOTATE(e, TID0, VFLOW_TRAP_PIO, PORT_VIRTIO);
	ev(e, VFLOW_KVM_TEST_USERSPACE_EXIT, TID0, 0, 0, 0, KVM_EXIT_IO_REASON, 300200);
	ENTRY(e, TID0, 310000);
	/* a second EPT violation on vCPU 0, and one on vCPU 1 */
	EXIT(e, TID0, 0, KVM_ISA_VMX, VMX_EPT_VIOLATION, 400000);
	ENTRY(e, TID0, 403000);
	EXIT(e, TID1, 1, KVM_ISA_VMX, VMX_EPT_VIOLATION, 1500);
	ENTRY(e, TID1, 2500);

	s = take_snapshot(e);
	assert_row(s, VFLOW_TRAP_VMEXIT_VMX, 0, VMX_EPT_VIOLATION, 2, 5000, 0);
	assert_row(s, VFLOW_TRAP_VMEXIT_VMX, 1, VMX_EPT_VIOLATION, 1, 1000, 0);
	assert_row(s, VFLOW_TRAP_VMEXIT_VMX, 0, VMX_HLT, 1, 100000, 0);
	assert_row(s, VFLOW_TRAP_VMEXIT_VMX, 0, VMX_VMCALL, 1, 700, 0);
	assert_row(s, VFLOW_TRAP_HCALL_KVM, 0, HCALL_KICK_CPU, 1, 700, 0);
	assert_row(s, VFLOW_TRAP_VMEXIT_VMX, 0, VMX_IO, 1, 10000, 0);
	assert_row(s, VFLOW_TRAP_PIO, 0, PORT_VIRTIO, 1, 10000, 0);
	assert_row(s, VFLOW_TRAP_USERSPACE_EXIT, 0, KVM_EXIT_IO_REASON, 1, 9800, 0);
	assert_int_equal(s->nr_rows, 8);
	/* 2000 ns lies in [2^10, 2^11): slot 11; 3000 ns in slot 12 */
	assert_int_equal(row(s, VFLOW_TRAP_VMEXIT_VMX, 0, VMX_EPT_VIOLATION)->hist[11], 1);
	assert_int_equal(row(s, VFLOW_TRAP_VMEXIT_VMX, 0, VMX_EPT_VIOLATION)->hist[12], 1);
	assert_int_equal(kvm_exit_class(VFLOW_TRAP_VMEXIT_VMX, VMX_HLT), KVM_EXIT_CLASS_IDLE);
}

static void test_svm_and_failed_entry(void **state)
{
	struct engine *e;
	struct snapshot *s;

	NEED_ENGINE(state);
	e = *state;
	EXIT(e, TID0, 0, KVM_ISA_SVM, SVM_NPF, 1000);
	ENTRY(e, TID0, 4000);
	EXIT(e, TID0, 0, KVM_ISA_SVM, SVM_NPF, 10000);
	ENTRY(e, TID0, 11000);
	EXIT(e, TID0, 0, KVM_ISA_SVM, SVM_HLT, 20000);
	ENTRY(e, TID0, 520000);
	EXIT(e, TID0, 0, KVM_ISA_SVM, SVM_IO, 600000);
	ENTRY(e, TID0, 602500);
	/* VMX failed entry: the flag stays in the code; an unknown isa and code by number */
	EXIT(e, TID1, 1, KVM_ISA_VMX, VMX_EXIT_FAILED_VMENTRY | VMX_INVALID_STATE, 1000);
	ENTRY(e, TID1, 1300);
	EXIT(e, TID1, 1, 7, 0x1234, 2000);
	ENTRY(e, TID1, 2100);

	s = take_snapshot(e);
	assert_row(s, VFLOW_TRAP_VMEXIT_SVM, 0, SVM_NPF, 2, 4000, 0);
	assert_row(s, VFLOW_TRAP_VMEXIT_SVM, 0, SVM_HLT, 1, 500000, 0);
	assert_row(s, VFLOW_TRAP_VMEXIT_SVM, 0, SVM_IO, 1, 2500, 0);
	assert_row(s, VFLOW_TRAP_VMEXIT_VMX, 1, VMX_EXIT_FAILED_VMENTRY | VMX_INVALID_STATE, 1, 300, 0);
	assert_row(s, VFLOW_TRAP_VMEXIT_UNKNOWN, 1, 0x1234, 1, 100, 0);
}

/* Exits of two vCPUs interleaved; a lost entry; an entry with no exit. */
static void test_out_of_order_and_missing(void **state)
{
	struct engine *e;
	struct snapshot *s;

	NEED_ENGINE(state);
	e = *state;
	ENTRY(e, TID0, 50);				/* first entry: nothing to pair */
	EXIT(e, TID0, 0, KVM_ISA_VMX, VMX_EPT_VIOLATION, 100);
	EXIT(e, TID1, 1, KVM_ISA_VMX, VMX_EPT_VIOLATION, 150);
	ENTRY(e, TID1, 400);				/* 250 */
	ENTRY(e, TID0, 600);				/* 500 */
	EXIT(e, TID0, 0, KVM_ISA_VMX, VMX_HLT, 1000);	/* its entry is lost ... */
	EXIT(e, TID0, 0, KVM_ISA_VMX, VMX_IO, 2000);	/* ... before this exit */
	ENTRY(e, TID0, 2500);				/* 500 */

	s = take_snapshot(e);
	assert_row(s, VFLOW_TRAP_VMEXIT_VMX, 0, VMX_EPT_VIOLATION, 1, 500, 0);
	assert_row(s, VFLOW_TRAP_VMEXIT_VMX, 1, VMX_EPT_VIOLATION, 1, 250, 0);
	assert_row(s, VFLOW_TRAP_VMEXIT_VMX, 0, VMX_HLT, 0, 0, 1);
	assert_row(s, VFLOW_TRAP_VMEXIT_VMX, 0, VMX_IO, 1, 500, 0);
	assert_int_equal(s->counters[VFLOW_CNT_KVM_LOST_ENTRY], 1);
	assert_int_equal(s->counters[VFLOW_CNT_KVM_UNPAIRED_ENTRY], 1);
}

/*
 * Interrupt injection is counted, not timed; so are annotations and
 * user-space exits with no exit pending (emulated instructions).
 */
static void test_counts_and_stray_annotations(void **state)
{
	struct engine *e;
	struct snapshot *s;

	NEED_ENGINE(state);
	e = *state;
	for (int i = 0; i < 3; i++)
		ev(e, VFLOW_KVM_TEST_COUNT, TID0, 0, 0, VFLOW_TRAP_IRQ_INJ, 0x20, 0);
	ANNOTATE(e, TID1, VFLOW_TRAP_PIO, PORT_VIRTIO);		/* no exit pending */
	EXIT(e, TID1, 1, KVM_ISA_VMX, VMX_VMCALL, 100);
	ENTRY(e, TID1, 900);
	ANNOTATE(e, TID1, VFLOW_TRAP_PIO, PORT_VIRTIO);		/* after the entry: vCPU 1 */
	ev(e, VFLOW_KVM_TEST_USERSPACE_EXIT, TID1, 0, 0, 0, KVM_EXIT_IO_REASON, 1000);

	s = take_snapshot(e);
	assert_row(s, VFLOW_TRAP_IRQ_INJ, 0, 0x20, 3, 0, 0);
	assert_row(s, VFLOW_TRAP_PIO, 0, PORT_VIRTIO, 1, 0, 0);
	assert_row(s, VFLOW_TRAP_PIO, 1, PORT_VIRTIO, 1, 0, 0);
	assert_row(s, VFLOW_TRAP_USERSPACE_EXIT, 1, KVM_EXIT_IO_REASON, 1, 0, 0);
	assert_row(s, VFLOW_TRAP_VMEXIT_VMX, 1, VMX_VMCALL, 1, 800, 0);
}

static struct vflow_event got[16];
static size_t nr_got;

static size_t nr_vm_proc;
static __u32 vm_proc_pid;

static void on_event(void *ctx, const struct vflow_event *e)
{
	(void)ctx;
	/* a VMM's first trap of a key: user space names it then */
	if (e->kind == VFLOW_EV_VM_PROC) {
		nr_vm_proc++;
		vm_proc_pid = e->pid;
		return;
	}
	if (nr_got < sizeof(got) / sizeof(got[0]))
		got[nr_got++] = *e;
}

/*
 * The flight recorder: 1 in 2 exits per CPU and every exit of 50 us or
 * more are streamed, with the annotation of the exit they belong to.
 */
static void test_recorded_events(void **state)
{
	struct engine_opts o = { .test_run = true, .rec_set = true, .on_event = on_event };
	struct engine *e;
	cpu_set_t one;

	(void)state;
	/* the sample counter is per CPU: stay on one */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	engine_rec__defaults(&o.rec);
	o.rec.sample[VFLOW_REC_VM] = 2;
	o.rec.slow_ns[VFLOW_REC_VM] = 50000;
	e = rec_engine = engine_or_skip(&o);
	nr_got = nr_vm_proc = 0;
	EXIT(e, TID0, 0, KVM_ISA_VMX, VMX_EPT_VIOLATION, 1000);
	ENTRY(e, TID0, 2000);		/* 1st: not sampled, fast */
	EXIT(e, TID0, 0, KVM_ISA_VMX, VMX_VMCALL, 5000);
	ANNOTATE(e, TID0, VFLOW_TRAP_HCALL_KVM, HCALL_KICK_CPU);
	ENTRY(e, TID0, 5700);		/* 2nd: the sample */
	EXIT(e, TID1, 1, KVM_ISA_VMX, VMX_HLT, 10000);
	ENTRY(e, TID1, 110000);		/* 3rd: slow (100 us) */
	EXIT(e, TID0, 0, KVM_ISA_VMX, VMX_IO, 200000);
	ev(e, VFLOW_KVM_TEST_USERSPACE_EXIT, TID0, 0, 0, 0, KVM_EXIT_IO_REASON, 200200);
	ENTRY(e, TID0, 210000);		/* 4th: the sample, gone out to user space */
	assert_true(engine__poll(e, 100) >= 0);
	/*
	 * one naming event per new (vCPU, kind, code) key: EPT, VMCALL, the
	 * hypercall, HLT on vCPU 1, IO and its exit to user space
	 */
	assert_int_equal(nr_vm_proc, 6);
	assert_int_equal(vm_proc_pid, PID);
	assert_int_equal(nr_got, 3);
	assert_int_equal(got[0].kind, VFLOW_EV_TRAP);
	assert_int_equal(got[0].trap, VFLOW_TRAP_VMEXIT_VMX);
	assert_int_equal(got[0].flags, VFLOW_EVF_SAMPLED);
	assert_int_equal(got[0].pid, PID);
	assert_int_equal(got[0].tid, TID0);
	assert_int_equal(got[0].code, VMX_VMCALL);
	assert_int_equal(got[0].latency_ns, 700);
	assert_int_equal(got[0].ts_ns, 5700);
	assert_int_equal(got[0].aux_trap, VFLOW_TRAP_HCALL_KVM);
	assert_int_equal(got[0].ret, HCALL_KICK_CPU);
	assert_int_equal(got[1].flags, VFLOW_EVF_SLOW);
	assert_int_equal(got[1].code, VMX_HLT);
	assert_int_equal(got[1].sub, 1);
	assert_int_equal(got[1].latency_ns, 100000);
	assert_int_equal(got[1].aux_trap, 0);
	assert_int_equal(got[2].flags, VFLOW_EVF_SAMPLED);
	assert_int_equal(got[2].code, VMX_IO);
	assert_int_equal(got[2].aux_trap, VFLOW_TRAP_USERSPACE_EXIT);
	assert_int_equal(got[2].ret, KVM_EXIT_IO_REASON);
	assert_int_equal(got[2].latency_ns, 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vmx_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_svm_and_failed_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts_and_stray_annotations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recorded_events, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
