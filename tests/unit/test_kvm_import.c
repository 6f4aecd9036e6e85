// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * KVM exit names and classes, and the ftrace text import: each fixture in
 * tests/fixtures/ftrace has its expected rows, computed by hand, in its
 * header comment; the tables below are the same numbers.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>
#include "source/ftrace_import.h"
#include "core/kvm_reasons.h"
#include "core/trap.h"
#include "core/kvm_reason_history.h"

#define NAME_LEN	64
#define NO_SLOT		-1
/* hist slots of the paired events of a row: one entry per event */
#define H0		{ NO_SLOT, NO_SLOT }
#define H1(a)		{ (a), NO_SLOT }
#define H2(a, b)	{ (a), (b) }

#define VMX	VFLOW_TRAP_VMEXIT_VMX
#define SVM	VFLOW_TRAP_VMEXIT_SVM
#define UEXIT	VFLOW_TRAP_USERSPACE_EXIT

struct want_row {
	__u32 kind;
	__u64 owner;
	__u32 sub;
	__u64 code;
	__u64 count, total_ns, skipped;
	int slots[2];
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- kvm_reasons ---- */

static void expect_name(__u32 kind, __u64 code, const char *want)
{
	char buf[NAME_LEN];

	assert_string_equal(kvm_exit_reason_name(kind, code, buf, sizeof(buf)), want);
}

static void test_reason_names(void **state)
{
	(void)state;
	expect_name(VMX, 0, "EXCEPTION_NMI");
	expect_name(VMX, 1, "EXTERNAL_INTERRUPT");
	expect_name(VMX, 12, "HLT");
	expect_name(VMX, 30, "IO_INSTRUCTION");
	expect_name(VMX, 48, "EPT_VIOLATION");
	expect_name(VMX, 85, "MSR_WRITE_IMM");
	expect_name(SVM, 0x000, "read_cr0");
	expect_name(SVM, 0x040, "DE excp");
	expect_name(SVM, 0x053, "XF excp");
	expect_name(SVM, 0x078, "hlt");
	expect_name(SVM, 0x0a6, "idle-halt");
	expect_name(SVM, 0x400, "npf");
	expect_name(SVM, 0x403, "vmgexit");
	expect_name(SVM, 0x80000001, "vmgexit_mmio_read");
	expect_name(SVM, 0x8000fffd, "vmgexit_hypervisor_feature");
	expect_name(SVM, 0xffffffff, "invalid_guest_state");
}

static void test_reason_failed_and_unknown(void **state)
{
	char tiny[4];

	(void)state;
	expect_name(VMX, 0x80000021, "INVALID_STATE FAILED_VMENTRY");
	expect_name(VMX, 0x80000056, "reason_0x56 FAILED_VMENTRY");
	expect_name(VMX, 0x56, "reason_0x56");
	expect_name(VMX, 0x0800001e, "IO_INSTRUCTION");	/* unnamed upper bit 27 */
	expect_name(SVM, 0x8c, "reason_0x8c");
	expect_name(SVM, 0x80000021, "reason_0x80000021");
	/* no VMX masking or failed bit outside VMX */
	expect_name(VFLOW_TRAP_VMEXIT_UNKNOWN, 12, "reason_0xc");
	expect_name(VFLOW_TRAP_PIO, 0x80000030, "reason_0x80000030");
	/* truncated, never unterminated */
	assert_string_equal(kvm_exit_reason_name(VMX, 0x56, tiny, sizeof(tiny)), "rea");
}

static void expect_code(const char *name, int err, __u32 kind, __u64 code)
{
	__u32 k = UINT32_MAX;
	__u64 c = UINT64_MAX;

	assert_int_equal(kvm_exit_reason_code(name, &k, &c), err);
	if (err)
		return;
	assert_int_equal(k, kind);
	assert_int_equal(c, code);
}

static void test_reason_codes(void **state)
{
	char buf[NAME_LEN];
	__u64 code;

	(void)state;
	expect_code("EPT_VIOLATION", 0, VMX, 48);
	expect_code("HLT", 0, VMX, 12);
	expect_code("hlt", 0, SVM, 0x78);
	expect_code("npf", 0, SVM, 0x400);
	expect_code("DE excp", 0, SVM, 0x40);
	expect_code("invalid_guest_state", 0, SVM, 0xffffffff);
	expect_code("vmgexit_ap_creation", 0, SVM, 0x80000013);
	expect_code("FOO", -ENOENT, 0, 0);
	expect_code("", -ENOENT, 0, 0);
	expect_code("Hlt", -ENOENT, 0, 0);
	expect_code(NULL, -ENOENT, 0, 0);
	/* every named code maps back to itself */
	for (__u32 k = VMX; k <= SVM; k++) {
		for (code = 0; code < 0x500; code++) {
			const char *n = kvm_exit_reason_name(k, code, buf, sizeof(buf));

			if (!strncmp(n, "reason_", strlen("reason_")))
				continue;
			expect_code(n, 0, k, code);
		}
	}
}

static void expect_parse(const char *text, int err, __u32 kind, __u64 code)
{
	__u32 k = UINT32_MAX;
	__u64 c = UINT64_MAX;

	assert_int_equal(kvm_exit_reason_parse(text, strlen(text), &k, &c), err);
	if (err)
		return;
	assert_int_equal(k, kind);
	assert_int_equal(c, code);
}

static void test_reason_parse(void **state)
{
	(void)state;
	expect_parse("EPT_VIOLATION", 0, VMX, 48);
	expect_parse("HLT  ", 0, VMX, 12);
	expect_parse("INVALID_STATE FAILED_VMENTRY", 0, VMX, 0x80000021);
	expect_parse("EPT_VIOLATION 0x8000000", 0, VMX, 0x8000030);
	expect_parse("0x56 FAILED_VMENTRY", 0, VMX, 0x80000056);
	expect_parse("DE excp", 0, SVM, 0x40);
	expect_parse("idle-halt", 0, SVM, 0xa6);
	expect_parse("0x56", 0, VFLOW_TRAP_VMEXIT_UNKNOWN, 0x56);
	expect_parse("hlt FAILED_VMENTRY", -EINVAL, 0, 0);
	expect_parse("EPT_VIOLATION 0x30", -EINVAL, 0, 0);
	expect_parse("FOO_BAR", -EINVAL, 0, 0);
	expect_parse("56", -EINVAL, 0, 0);
	expect_parse("0x", -EINVAL, 0, 0);
	expect_parse("0x1ffffffff", -EINVAL, 0, 0);
	expect_parse("", -EINVAL, 0, 0);
	/* only len bytes count: the rest of the line is not the reason */
	assert_int_equal(kvm_exit_reason_parse("HLT rip 0x0", strlen("HLT"), &(__u32){ 0 },
					       &(__u64){ 0 }), 0);
}

static void test_reason_classes(void **state)
{
	static const struct {
		__u32 kind;
		__u64 code;
		enum kvm_exit_class cls;
	} cases[] = {
		{ VMX, 12, KVM_EXIT_CLASS_IDLE },
		{ VMX, 36, KVM_EXIT_CLASS_IDLE },
		{ VMX, 18, KVM_EXIT_CLASS_HYPERCALL },
		{ VMX, 30, KVM_EXIT_CLASS_IO },
		{ VMX, 44, KVM_EXIT_CLASS_IO },
		{ VMX, 48, KVM_EXIT_CLASS_IO },
		{ VMX, 49, KVM_EXIT_CLASS_IO },
		{ VMX, 1, KVM_EXIT_CLASS_TRAP },
		{ VMX, 10, KVM_EXIT_CLASS_TRAP },
		{ VMX, 0x8000000c, KVM_EXIT_CLASS_TRAP },	/* failed entry, HLT */
		{ VMX, 0x56, KVM_EXIT_CLASS_TRAP },		/* unknown */
		{ SVM, 0x78, KVM_EXIT_CLASS_IDLE },
		{ SVM, 0x8b, KVM_EXIT_CLASS_IDLE },
		{ SVM, 0xa6, KVM_EXIT_CLASS_IDLE },
		{ SVM, 0x81, KVM_EXIT_CLASS_HYPERCALL },
		{ SVM, 0x403, KVM_EXIT_CLASS_HYPERCALL },
		{ SVM, 0x7b, KVM_EXIT_CLASS_IO },
		{ SVM, 0x400, KVM_EXIT_CLASS_IO },
		{ SVM, 0x402, KVM_EXIT_CLASS_IO },
		{ SVM, 0x401, KVM_EXIT_CLASS_TRAP },
		{ SVM, 0x7c, KVM_EXIT_CLASS_TRAP },
		{ SVM, 12, KVM_EXIT_CLASS_TRAP },		/* VMX's HLT number */
		{ VFLOW_TRAP_VMEXIT_UNKNOWN, 12, KVM_EXIT_CLASS_TRAP },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(kvm_exit_class(cases[i].kind, cases[i].code), cases[i].cls);
	assert_string_equal(kvm_exit_class_name(KVM_EXIT_CLASS_TRAP), "trap");
	assert_string_equal(kvm_exit_class_name(KVM_EXIT_CLASS_IDLE), "idle");
	assert_string_equal(kvm_exit_class_name(KVM_EXIT_CLASS_HYPERCALL), "hypercall");
	assert_string_equal(kvm_exit_class_name(KVM_EXIT_CLASS_IO), "io");
	assert_string_equal(kvm_exit_class_name((enum kvm_exit_class)99), "unknown");
}

static void test_userspace_exit_names(void **state)
{
	char buf[NAME_LEN];

	(void)state;
	/* numbers from this machine's uapi header */
	assert_string_equal(kvm_userspace_exit_name(KVM_EXIT_UNKNOWN, buf, sizeof(buf)), "UNKNOWN");
	assert_string_equal(kvm_userspace_exit_name(KVM_EXIT_IO, buf, sizeof(buf)), "IO");
	assert_string_equal(kvm_userspace_exit_name(KVM_EXIT_HLT, buf, sizeof(buf)), "HLT");
	assert_string_equal(kvm_userspace_exit_name(KVM_EXIT_MMIO, buf, sizeof(buf)), "MMIO");
	assert_string_equal(kvm_userspace_exit_name(KVM_EXIT_INTR, buf, sizeof(buf)), "INTR");
	assert_string_equal(kvm_userspace_exit_name(KVM_EXIT_INTERNAL_ERROR, buf, sizeof(buf)),
			    "INTERNAL_ERROR");
	assert_string_equal(kvm_userspace_exit_name(KVM_EXIT_SYSTEM_EVENT, buf, sizeof(buf)),
			    "SYSTEM_EVENT");
	assert_string_equal(kvm_userspace_exit_name(KVM_EXIT_X86_WRMSR, buf, sizeof(buf)),
			    "X86_WRMSR");
	assert_string_equal(kvm_userspace_exit_name(KVM_EXIT_XEN, buf, sizeof(buf)), "XEN");
	assert_string_equal(kvm_userspace_exit_name(KVM_EXIT_NOTIFY, buf, sizeof(buf)), "NOTIFY");
	/* newer than Debian 12's header: 38, 39, 40 */
	assert_string_equal(kvm_userspace_exit_name(38, buf, sizeof(buf)), "LOONGARCH_IOCSR");
	assert_string_equal(kvm_userspace_exit_name(39, buf, sizeof(buf)), "MEMORY_FAULT");
	assert_string_equal(kvm_userspace_exit_name(40, buf, sizeof(buf)), "TDX");
	assert_string_equal(kvm_userspace_exit_name(1000, buf, sizeof(buf)), "1000");
}

static void test_trap_kind_names(void **state)
{
	static const char *const want[VFLOW_TRAP_KIND_MAX] = {
		"syscall", "vmx", "svm", "vmexit", "userspace", "hcall_kvm", "hcall_xen",
		"hcall_hv", "fast_mmio", "mmio", "pio", "irq_set", "irq_msi", "irq_inj", "xen_mc",
		"sandbox", "notif_handling", "filter_cost", "sched_oncpu", "sched_runq",
	};

	(void)state;
	for (int k = 0; k < VFLOW_TRAP_KIND_MAX; k++)
		assert_string_equal(trap_kind_name(k), want[k]);
	assert_string_equal(trap_kind_name(VFLOW_TRAP_KIND_MAX), "unknown");
	assert_string_equal(trap_kind_name((enum vflow_trap_kind)-1), "unknown");
}

/* ---- ftrace import ---- */

static FILE *fixture_open(const char *name)
{
	const char *dir = getenv("VFLOW_FIXTURES");
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/ftrace/%s", dir ? dir : "tests/fixtures", name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: %s (run from the source tree or set VFLOW_FIXTURES)", path,
			 strerror(errno));
	return f;
}

static void expect_stats(const struct import_stats *st, const struct import_stats *want)
{
	unsigned long by_why = 0;

	assert_int_equal(st->lines, want->lines);
	assert_int_equal(st->events, want->events);
	assert_int_equal(st->skipped, want->skipped);
	assert_int_equal(st->exits, want->exits);
	assert_int_equal(st->unknown_reason_exits, want->unknown_reason_exits);
	assert_int_equal(st->unpaired_exits, want->unpaired_exits);
	assert_int_equal(st->unpaired_entries, want->unpaired_entries);
	assert_int_equal(st->first_ns, want->first_ns);
	assert_int_equal(st->last_ns, want->last_ns);
	assert_int_equal(st->lines, st->events + st->skipped);
	/* every skipped line has its why, and the fixtures' are comments unless said */
	for (int w = 0; w < IMPORT_SKIP_MAX; w++) {
		by_why += st->skipped_by[w];
		if (w != IMPORT_SKIP_COMMENT)
			assert_int_equal(st->skipped_by[w], want->skipped_by[w]);
	}
	assert_int_equal(by_why, st->skipped);
	/* each fixture names its threads: paired by thread, but for the lines that say otherwise */
	assert_int_equal(st->by_key[IMPORT_KEY_THREAD], want->by_key[IMPORT_KEY_THREAD]);
	assert_int_equal(st->by_key[IMPORT_KEY_CPU], want->by_key[IMPORT_KEY_CPU]);
}

static void expect_rows(const struct snapshot *s, const struct want_row *want, size_t n)
{
	/* every expected row, found by key (so rows are sorted), and no other */
	assert_int_equal(s->nr_rows, n);
	for (size_t i = 0; i < n; i++) {
		const struct want_row *w = &want[i];
		struct trap_row key = { .kind = w->kind, .owner = w->owner, .sub = w->sub,
					.code = w->code };
		const struct trap_row *r = snapshot__find(s, &key);
		__u64 hist[VFLOW_HIST_SLOTS] = {};

		if (!r)
			fail_msg("no row %s owner %llu sub %u code 0x%llx", trap_kind_name(w->kind),
				 (unsigned long long)w->owner, w->sub, (unsigned long long)w->code);
		for (int j = 0; j < 2; j++) {
			if (w->slots[j] != NO_SLOT)
				hist[w->slots[j]]++;
		}
		assert_int_equal(r->count, w->count);
		assert_int_equal(r->total_ns, w->total_ns);
		assert_int_equal(r->skipped, w->skipped);
		assert_int_equal(hist_count(r->hist), w->count);
		assert_memory_equal(r->hist, hist, sizeof(hist));
	}
}

/* The snapshot goes to *state, freed by snapshot_teardown even if a check fails. */
static void check_fixture(void **state, const char *name, const struct import_stats *want_st,
			  const struct want_row *want, size_t n)
{
	FILE *f = fixture_open(name);
	struct import_stats st;
	struct snapshot *s;
	int err = ftrace_import(f, &s, &st);

	fclose(f);
	assert_int_equal(err, 0);
	*state = s;
	import_stats__free(&st);
	expect_stats(&st, want_st);
	expect_rows(s, want, n);
	assert_int_equal(s->ts_ns, want_st->last_ns);
}

static int snapshot_teardown(void **state)
{
	snapshot__free(*state);
	*state = NULL;
	return 0;
}

static void test_import_trace_pipe(void **state)
{
	static const struct want_row want[] = {
		{ VMX, 4242, 0, 48, 2, 5000, 0, H2(11, 12) },
		{ VMX, 4242, 0, 12, 1, 500000, 0, H1(19) },
		{ VMX, 4242, 0, 18, 1, 4000, 0, H1(12) },
		{ VMX, 4242, 0, 30, 1, 20000, 0, H1(15) },
		{ VFLOW_TRAP_HCALL_KVM, 4242, 0, 0x5, 1, 4000, 0, H1(12) },
		{ VFLOW_TRAP_PIO, 4242, 0, 0xcf8, 1, 20000, 0, H1(15) },
		{ UEXIT, 4242, 0, KVM_EXIT_IO, 1, 18000, 0, H1(15) },
		{ VMX, 4243, 1, 1, 1, 1000, 0, H1(10) },
		{ VMX, 4243, 1, 0x80000021, 1, 1000, 0, H1(10) },
		{ VMX, 4243, 1, 0x56, 1, 7000, 0, H1(13) },
		{ VMX, 4243, 1, 32, 1, 1000, 0, H1(10) },
		{ VMX, 4243, 1, 49, 1, 10000, 0, H1(14) },
		{ VFLOW_TRAP_MMIO, 4243, 1, 0xfebf1000, 1, 10000, 0, H1(14) },
		{ UEXIT, 4243, 1, KVM_EXIT_MMIO, 1, 8000, 0, H1(13) },
	};
	static const struct import_stats st = {
		.lines = 48, .events = 25, .skipped = 23, .exits = 10,
		.by_key[IMPORT_KEY_THREAD] = 25,
		.first_ns = 5142100000000ULL, .last_ns = 5142100710000ULL,
	};

	check_fixture(state, "vmx_trace_pipe.txt", &st, want, ARRAY_SIZE(want));
}

static void test_import_trace_tgid(void **state)
{
	static const struct want_row want[] = {
		{ VMX, 4240, 0, 12, 1, 1000000, 0, H1(20) },
		{ VMX, 4240, 1, 12, 1, 500000, 0, H1(19) },
		{ VMX, 4240, 0, 1, 1, 1000, 0, H1(10) },
		{ UEXIT, 4240, 0, KVM_EXIT_INTR, 1, 1000, 0, H1(10) },
		{ VMX, 4240, 1, 10, 1, 2000, 0, H1(11) },
		{ VMX, 5000, 0, 18, 1, 4000, 0, H1(12) },
		{ VFLOW_TRAP_HCALL_HV, 5000, 0, 0x2, 1, 4000, 0, H1(12) },
		{ VMX, 5000, 0, 49, 1, 3000, 0, H1(12) },
		{ VFLOW_TRAP_FAST_MMIO, 5000, 0, 0xfe003000, 1, 3000, 0, H1(12) },
		{ VMX, 5003, 1, 12, 1, 2000, 0, H1(11) },
	};
	static const struct import_stats st = {
		.lines = 47, .events = 17, .skipped = 30, .exits = 7,
		.by_key[IMPORT_KEY_THREAD] = 17,
		.first_ns = 100000000000ULL, .last_ns = 100005002000ULL,
	};

	check_fixture(state, "vmx_trace_tgid.txt", &st, want, ARRAY_SIZE(want));
}

static void test_import_old_format(void **state)
{
	static const struct want_row want[] = {
		{ VMX, 4243, 0, 1, 1, 1000, 0, H1(10) },
		{ VMX, 4243, 1, 1, 1, 2000, 0, H1(11) },
		{ VMX, 4243, 1, 12, 1, 500000, 0, H1(19) },
		{ VMX, 4242, 0, 0x80000021, 1, 1000, 0, H1(10) },
		{ VMX, 4242, 0, 18, 1, 3000, 0, H1(12) },
		{ VFLOW_TRAP_HCALL_XEN, 4242, 0, 0x18, 1, 3000, 0, H1(12) },
		{ VMX, 4242, 0, 30, 1, 5000, 0, H1(13) },
		{ VFLOW_TRAP_PIO, 4242, 0, 0x70, 1, 5000, 0, H1(13) },
		{ VMX, 4242, 0, 0x45, 1, 1000, 0, H1(10) },
	};
	static const struct import_stats st = {
		.lines = 41, .events = 17, .skipped = 24, .exits = 7, .unpaired_entries = 1,
		.by_key[IMPORT_KEY_THREAD] = 17,
		.first_ns = 1999999990000ULL, .last_ns = 2000000520000ULL,
	};

	check_fixture(state, "vmx_old.txt", &st, want, ARRAY_SIZE(want));
}

static void test_import_trace_cmd(void **state)
{
	static const struct want_row want[] = {
		{ VMX, 4242, 0, 12, 1, 250000, 0, H1(18) },
		{ VMX, 4242, 0, 48, 2, 900, 0, H2(10, 7) },
		{ VMX, 4243, 1, 32, 1, 1000, 0, H1(10) },
		{ VMX, 4243, 1, 18, 1, 900, 0, H1(10) },
		{ VFLOW_TRAP_HCALL_KVM, 4243, 1, 0x1, 1, 900, 0, H1(10) },
		{ VMX, 4243, 1, 52, 1, 1, 0, H1(1) },
	};
	static const struct import_stats st = {
		.lines = 29, .events = 13, .skipped = 16, .exits = 6,
		.by_key[IMPORT_KEY_THREAD] = 13,
		.first_ns = 300000000000ULL, .last_ns = 300000600001ULL,
	};

	check_fixture(state, "vmx_trace_cmd.txt", &st, want, ARRAY_SIZE(want));
}

static void test_import_perf_script(void **state)
{
	static const struct want_row want[] = {
		{ VMX, 4240, 0, 49, 1, 32000, 0, H1(15) },
		{ VFLOW_TRAP_MMIO, 4240, 0, 0xfed00000, 1, 32000, 0, H1(15) },
		{ UEXIT, 4240, 0, KVM_EXIT_MMIO, 1, 30000, 0, H1(15) },
		{ VMX, 4240, 1, 12, 1, 100000, 0, H1(17) },
		{ VMX, 4240, 1, 1, 1, 100000, 0, H1(17) },
		{ UEXIT, 4240, 1, KVM_EXIT_INTR, 1, 99000, 0, H1(17) },
		{ VMX, 4245, 2, 30, 1, 10000, 0, H1(14) },
		{ VFLOW_TRAP_PIO, 4245, 2, 0x3f8, 1, 10000, 0, H1(14) },
		{ UEXIT, 4245, 2, KVM_EXIT_IO, 1, 8000, 0, H1(13) },
	};
	static const struct import_stats st = {
		.lines = 36, .events = 14, .skipped = 22, .exits = 4,
		.skipped_by[IMPORT_SKIP_OTHER_EVENT] = 1, .by_key[IMPORT_KEY_THREAD] = 14,
		.first_ns = 700000000000ULL, .last_ns = 700000410000ULL,
	};

	check_fixture(state, "vmx_perf_script.txt", &st, want, ARRAY_SIZE(want));
}

static void test_import_svm(void **state)
{
	static const struct want_row want[] = {
		{ SVM, 6000, 0, 0x400, 1, 3000, 0, H1(12) },
		{ VFLOW_TRAP_MMIO, 6000, 0, 0xfee00000, 1, 3000, 0, H1(12) },
		{ SVM, 6000, 0, 0x78, 1, 200000, 0, H1(18) },
		{ SVM, 6000, 0, 0x81, 1, 2000, 0, H1(11) },
		{ VFLOW_TRAP_HCALL_KVM, 6000, 0, 0xc, 1, 2000, 0, H1(11) },
		{ SVM, 6000, 0, 0x40, 1, 1000, 0, H1(10) },
		{ SVM, 6000, 1, 0x7b, 1, 15000, 0, H1(14) },
		{ VFLOW_TRAP_PIO, 6000, 1, 0x64, 1, 15000, 0, H1(14) },
		{ UEXIT, 6000, 1, KVM_EXIT_IO, 1, 13000, 0, H1(14) },
		{ SVM, 6000, 1, 0xa7, 1, 1000, 0, H1(10) },
		{ SVM, 6000, 1, 0xa6, 1, 500000, 0, H1(19) },
		{ SVM, 6000, 1, 0x7c, 1, 1000, 0, H1(10) },
	};
	static const struct import_stats st = {
		.lines = 41, .events = 20, .skipped = 21, .exits = 8,
		.by_key[IMPORT_KEY_THREAD] = 20,
		.first_ns = 50000000000ULL, .last_ns = 50000801000ULL,
	};

	check_fixture(state, "svm_trace_pipe.txt", &st, want, ARRAY_SIZE(want));
}

static void test_import_malformed(void **state)
{
	static const struct want_row want[] = {
		{ VFLOW_TRAP_VMEXIT_UNKNOWN, 4242, 0, KVM_EXIT_REASON_NONE, 0, 0, 3, H0 },
		{ VMX, 4242, 0, 12, 0, 0, 1, H0 },
		{ VMX, 4242, 0, 10, 1, 1000, 0, H1(10) },
		{ VMX, 4243, 1, 18, 0, 0, 1, H0 },
		{ VMX, 4243, 1, 12, 1, 1000, 0, H1(10) },
		{ VMX, 4244, 2, 48, 0, 0, 1, H0 },
		{ VMX, 4246, 5, 1, 1, 0, 0, H1(0) },
		{ VMX, 4246, 5, 12, 0, 0, 1, H0 },
		{ VMX, 4250, 3, 10, 1, 2000, 0, H1(11) },
	};
	static const struct import_stats st = {
		.lines = 64, .events = 21, .skipped = 43, .exits = 11, .unknown_reason_exits = 3,
		.unpaired_exits = 7, .unpaired_entries = 3,
		.skipped_by = { [IMPORT_SKIP_BLANK] = 1, [IMPORT_SKIP_LOST] = 1,
				[IMPORT_SKIP_OTHER_EVENT] = 1, [IMPORT_SKIP_BAD_FIELDS] = 1,
				[IMPORT_SKIP_UNPARSED] = 4 },
		/* "CPU 3/KVM-abc" names no tid: its CPU pairs it */
		.by_key = { [IMPORT_KEY_THREAD] = 20, [IMPORT_KEY_CPU] = 1 },
		.first_ns = 10000000000ULL, .last_ns = 10001100000ULL,
	};

	check_fixture(state, "malformed.txt", &st, want, ARRAY_SIZE(want));
}

#define GEN_THREADS	200	/* past the initial thread table */
#define GEN_TID_BASE	10000
#define GEN_TID_SPAN	1000
#define GEN_TID_STRIDE	919	/* coprime to GEN_TID_SPAN: tids arrive out of order */
#define VMX_HLT		12
#define VMX_EPT_VIOLATION 48

static int gen_tid(int i)
{
	return GEN_TID_BASE + i * GEN_TID_STRIDE % GEN_TID_SPAN;
}

/* More threads and keys than the initial tables hold; 200 exits open at once. */
static void test_import_many_threads(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *w = open_memstream(&text, &len), *f;
	struct import_stats st;
	struct snapshot *s;

	assert_non_null(w);
	/* per thread: EPT_VIOLATION 1000 ns twice, HLT 2000 ns once */
	for (int round = 0; round < 3; round++) {
		const char *reason = round == 2 ? "HLT" : "EPT_VIOLATION";
		unsigned int lat_us = round == 2 ? 2 : 1;

		for (int i = 0; i < GEN_THREADS; i++)
			fprintf(w, "CPU %d/KVM-%d [000] d..1. %d.%06d: kvm_exit: vcpu %d reason %s rip 0x0\n",
				i, gen_tid(i), round + 1, i, i, reason);
		for (int i = 0; i < GEN_THREADS; i++)
			fprintf(w, "CPU %d/KVM-%d [000] d..1. %d.%06u: kvm_entry: vcpu %d, rip 0x0\n",
				i, gen_tid(i), round + 1, i + lat_us, i);
	}
	assert_int_equal(fclose(w), 0);
	f = fmemopen(text, len, "r");
	assert_non_null(f);
	assert_int_equal(ftrace_import(f, &s, &st), 0);
	fclose(f);
	free(text);
	*state = s;
	assert_int_equal(st.events, 6 * GEN_THREADS);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(s->nr_rows, 2 * GEN_THREADS);
	for (int i = 0; i < GEN_THREADS; i++) {
		struct trap_row key = { .kind = VMX, .owner = gen_tid(i), .sub = i,
					.code = VMX_EPT_VIOLATION };
		const struct trap_row *r = snapshot__find(s, &key);

		assert_non_null(r);
		assert_int_equal(r->count, 2);
		assert_int_equal(r->total_ns, 2000);
		assert_int_equal(r->hist[vflow_hist_slot(1000)], 2);
		key.code = VMX_HLT;
		r = snapshot__find(s, &key);
		assert_non_null(r);
		assert_int_equal(r->count, 1);
		assert_int_equal(r->total_ns, 2000);
	}
}

static void test_import_empty_and_errors(void **state)
{
	static struct snapshot sentinel;
	char empty[1] = "";
	struct import_stats st;
	struct snapshot *s = NULL;
	FILE *f;

	(void)state;
	/* no stats wanted: NULL is fine */
	f = fmemopen(empty, 0, "r");
	assert_non_null(f);
	assert_int_equal(ftrace_import(f, &s, NULL), 0);
	fclose(f);
	assert_non_null(s);
	assert_int_equal(s->nr_rows, 0);
	assert_int_equal(s->ts_ns, 0);
	snapshot__free(s);

	/* a stream that cannot be read: the error, and no snapshot */
	f = fopen("/dev/null", "w");
	assert_non_null(f);
	s = &sentinel;
	assert_true(ftrace_import(f, &s, &st) < 0);
	assert_null(s);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_reason_failed_and_unknown),
		cmocka_unit_test(test_reason_codes),
		cmocka_unit_test(test_reason_parse),
		cmocka_unit_test(test_reason_classes),
		cmocka_unit_test(test_userspace_exit_names),
		cmocka_unit_test(test_trap_kind_names),
		cmocka_unit_test_teardown(test_import_trace_pipe, snapshot_teardown),
		cmocka_unit_test_teardown(test_import_trace_tgid, snapshot_teardown),
		cmocka_unit_test_teardown(test_import_old_format, snapshot_teardown),
		cmocka_unit_test_teardown(test_import_trace_cmd, snapshot_teardown),
		cmocka_unit_test_teardown(test_import_perf_script, snapshot_teardown),
		cmocka_unit_test_teardown(test_import_svm, snapshot_teardown),
		cmocka_unit_test_teardown(test_import_malformed, snapshot_teardown),
		cmocka_unit_test_teardown(test_import_many_threads, snapshot_teardown),
		cmocka_unit_test(test_import_empty_and_errors),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
