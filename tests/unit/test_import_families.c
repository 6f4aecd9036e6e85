// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What the text importer makes of each family's line shape and of reason
 * names from other kernels and tools: the reason tables of
 * core/kvm_reason_history.c, which key pairs each shape (thread, CPU,
 * comm, vcpu, none), which owner and name a VM gets, and the exits that
 * must be counted even when their line says little. Each capture here is
 * a few lines written for the case; the whole-fixture counts are checked
 * against tests/import_reference.py by tests/integration/kvm_import.sh.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source/ftrace_import.h"
#include "core/kvm_reasons.h"
#include "core/kvm_reason_history.h"

#define VMX	VFLOW_TRAP_VMEXIT_VMX
#define SVM	VFLOW_TRAP_VMEXIT_SVM
#define UNK	VFLOW_TRAP_VMEXIT_UNKNOWN
#define NAME_LEN 64

/* ---- reason names of other kernels and tools ---- */

static void expect_parse(const char *text, __u32 kind, __u64 code)
{
	__u32 k = UINT32_MAX;
	__u64 c = UINT64_MAX;

	if (kvm_exit_reason_parse(text, strlen(text), &k, &c))
		fail_msg("'%s' did not parse", text);
	if (k != kind || c != code)
		fail_msg("'%s': kind %u code 0x%llx, want %u 0x%llx", text, k,
			 (unsigned long long)c, kind, (unsigned long long)code);
}

static void test_renamed_reasons(void **state)
{
	(void)state;
	/* 3.x to 5.5 uapi, and the kvm plugin: INTERRUPT_WINDOW since 5.6 */
	expect_parse("PENDING_INTERRUPT", VMX, 7);
	expect_parse("INTERRUPT_WINDOW", VMX, 7);
	expect_parse("PENDING_INTERRUPT FAILED_VMENTRY", VMX, 0x80000007);
	/* 2.6.3x VMX, lower case */
	expect_parse("apic_access", VMX, 44);
	expect_parse("ext_irq", VMX, 1);
	expect_parse("halt", VMX, 12);
	expect_parse("rdmsr", VMX, 31);
	expect_parse("wrmsr", VMX, 32);
	expect_parse("tpr_below_thres", VMX, 43);
	expect_parse("exception", VMX, 0);
	expect_parse("interrupt_window", VMX, 7);
	/* the kvm plugin's SVM names: svm.h's constants */
	expect_parse("EXIT_MSR", SVM, 0x7c);
	expect_parse("EXIT_EXCP_GP", SVM, 0x4d);
	expect_parse("EXIT_IOIO", SVM, 0x7b);
	expect_parse("EXIT_VMMCALL", SVM, 0x81);
	expect_parse("EXIT_NPF", SVM, 0x400);
	expect_parse("EXIT_TR_READ", SVM, 0x69);
	expect_parse("EXIT_ERR", SVM, 0xffffffff);
	/* what the plugin has no name for: the number, isa left to the capture */
	expect_parse("UNKNOWN (166)", UNK, 166);
	expect_parse("UNKNOWN-ISA", UNK, KVM_EXIT_REASON_NONE);
	/* today's names are unchanged */
	expect_parse("hlt", SVM, 0x78);
	expect_parse("HLT", VMX, 12);
}

static void test_ambiguous_reasons(void **state)
{
	static const struct {
		const char *name;
		__u64 vmx, svm;
	} both[] = {
		{ "cpuid", 10, 0x72 }, { "invlpg", 14, 0x79 }, { "hypercall", 18, 0x81 },
		{ "wbinvd", 54, 0x89 }, { "task_switch", 9, 0x7d },
	};
	char buf[NAME_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		__u32 k;
		__u64 c;

		assert_int_equal(kvm_exit_reason_parse(both[i].name, strlen(both[i].name), &k, &c), 0);
		assert_int_equal(k, UNK);
		assert_true(c & KVM_EXIT_REASON_AMBIGUOUS);
		assert_int_equal(kvm_exit_reason_resolve(c, VMX), both[i].vmx);
		assert_int_equal(kvm_exit_reason_resolve(c, SVM), both[i].svm);
		/* before the capture tells: named as printed, of the class both isas give it */
		assert_string_equal(kvm_exit_reason_name(UNK, c, buf, sizeof(buf)), both[i].name);
		assert_int_equal(kvm_exit_class(UNK, c), kvm_exit_class(VMX, both[i].vmx));
		assert_int_equal(kvm_exit_class(UNK, c), kvm_exit_class(SVM, both[i].svm));
	}
	assert_int_equal(kvm_exit_reason_resolve(12, SVM), 12);
	assert_string_equal(kvm_exit_reason_name(UNK, KVM_EXIT_REASON_NONE, buf, sizeof(buf)),
			    "unknown");
	assert_null(kvm_exit_reason_ambiguous_name(10));
}

/* Every plugin SVM name stands for an exit today's kernel names the same way, or no name. */
static void test_plugin_names_match_today(void **state)
{
	static const char *const pairs[][2] = {
		{ "EXIT_READ_CR0", "read_cr0" }, { "EXIT_WRITE_DR7", "write_dr7" },
		{ "EXIT_EXCP_DE", "DE excp" }, { "EXIT_EXCP_XF", "XF excp" },
		{ "EXIT_INTR", "interrupt" }, { "EXIT_IDTR_READ", "read_idtr" },
		{ "EXIT_TR_WRITE", "write_rt" }, { "EXIT_HLT", "hlt" }, { "EXIT_IOIO", "io" },
		{ "EXIT_VMMCALL", "hypercall" }, { "EXIT_AVIC_UNACCELERATED_ACCESS",
		"avic_unaccelerated_access" }, { "EXIT_ERR", "invalid_guest_state" },
		{ "EXIT_MWAIT_COND", "reason_0x8c" }, { "PENDING_INTERRUPT", "INTERRUPT_WINDOW" },
		{ "halt", "HLT" }, { "ept_violation", "EPT_VIOLATION" },
	};
	char buf[NAME_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		__u32 k;
		__u64 c;

		assert_int_equal(kvm_exit_reason_alias(pairs[i][0], &k, &c), 0);
		assert_string_equal(kvm_exit_reason_name(k, c, buf, sizeof(buf)), pairs[i][1]);
	}
	assert_int_equal(kvm_exit_reason_alias("EXIT_FOO", &(__u32){ 0 }, &(__u64){ 0 }), -ENOENT);
}

/* ---- line shapes: one capture per case ---- */

struct imported {
	struct snapshot *s;
	struct import_stats st;
	struct vflow_event ev[8];
	size_t nr_ev;
};

static int keep_event(void *ctx, const struct vflow_event *ev)
{
	struct imported *im = ctx;

	if (im->nr_ev < sizeof(im->ev) / sizeof(im->ev[0]))
		im->ev[im->nr_ev++] = *ev;
	return 0;
}

static void import_text(struct imported *im, const char *text)
{
	char *copy = strdup(text);
	FILE *f;

	assert_non_null(copy);
	memset(im, 0, sizeof(*im));
	f = fmemopen(copy, strlen(copy), "r");
	assert_non_null(f);
	assert_int_equal(ftrace_import_events(f, &im->s, &im->st, keep_event, im), 0);
	fclose(f);
	free(copy);
	assert_int_equal(im->st.lines, im->st.events + im->st.skipped);
}

static int imported_teardown(void **state)
{
	struct imported *im = *state;

	if (im) {
		snapshot__free(im->s);
		import_stats__free(&im->st);
		free(im);
	}
	return 0;
}

static struct imported *imported_new(void **state)
{
	struct imported *im = calloc(1, sizeof(*im));

	assert_non_null(im);
	*state = im;
	return im;
}

static const struct trap_row *row_of(const struct snapshot *s, __u32 kind, __u64 owner, __u32 sub,
				     __u64 code)
{
	struct trap_row key = { .kind = kind, .owner = owner, .sub = sub, .code = code };
	const struct trap_row *r = snapshot__find(s, &key);

	if (!r)
		fail_msg("no row kind %u owner %llu sub %u code 0x%llx", kind,
			 (unsigned long long)owner, sub, (unsigned long long)code);
	return r;
}

/* perf script -F cpu,time,event,trace: no task, paired by CPU, one nameless VM. */
static void test_perf_cpu_only(void **state)
{
	struct imported *im = imported_new(state);
	const struct trap_row *r;

	import_text(im,
		"[001]   770.850287:   kvm:kvm_exit: vcpu 0 reason TRIPLE_FAULT rip 0xfff0 info1 0x0 info2 0x0\n"
		"[002]   770.850288:   kvm:kvm_exit: vcpu 1 reason HLT rip 0x1000 info1 0x0 info2 0x0\n"
		"[001]   770.850290:   kvm:kvm_entry: vcpu 0, rip 0xfff0\n"
		"[002]   770.850298:   kvm:kvm_entry: vcpu 1, rip 0x1001\n");
	assert_int_equal(im->st.by_key[IMPORT_KEY_CPU], 4);
	assert_int_equal(im->st.nr_owners, 1);
	assert_string_equal(im->st.owners[0].name, "");
	r = row_of(im->s, VMX, IMPORT_OWNER_SYNTHETIC, 0, 2);
	assert_int_equal(r->count, 1);
	assert_int_equal(r->total_ns, 3000);
	r = row_of(im->s, VMX, IMPORT_OWNER_SYNTHETIC, 1, 12);
	assert_int_equal(r->total_ns, 10000);
	assert_null(import_stats__owner_name(&im->st, 4242));
	assert_string_equal(import_stats__owner_name(&im->st, IMPORT_OWNER_SYNTHETIC), "");
}

/* The vCPU that entered on a CPU is not the one that left: that exit's entry was lost. */
static void test_cpu_key_other_vcpu(void **state)
{
	struct imported *im = imported_new(state);
	const struct trap_row *r;

	import_text(im,
		"[001]   10.000000: kvm:kvm_exit: vcpu 0 reason HLT rip 0x1 info1 0x0 info2 0x0\n"
		"[001]   10.000100: kvm:kvm_entry: vcpu 1, rip 0x2\n");
	r = row_of(im->s, VMX, IMPORT_OWNER_SYNTHETIC, 0, 12);
	assert_int_equal(r->count, 0);
	assert_int_equal(r->skipped, 1);
	assert_int_equal(im->st.unpaired_exits, 1);
	assert_int_equal(im->st.unpaired_entries, 1);
}

/* perf script -F comm,time,event,trace: paired and named by comm. */
static void test_perf_comm_only(void **state)
{
	struct imported *im = imported_new(state);
	const struct trap_row *r;
	__u64 owner;

	import_text(im,
		"    preempt_test  20677.199579:      kvm:kvm_exit: reason PREEMPTION_TIMER rip 0x40274d info 0 0 intr 0\n"
		"       CPU 0/KVM  20677.199580:      kvm:kvm_exit: reason EPT_VIOLATION rip 0x1 info 0 0\n"
		"    preempt_test  20677.199581:      kvm:kvm_entry: vcpu 0\n"
		"       CPU 0/KVM  20677.199600:      kvm:kvm_entry: vcpu 0\n");
	assert_int_equal(im->st.by_key[IMPORT_KEY_COMM], 4);
	assert_int_equal(im->st.nr_owners, 2);
	owner = im->st.owners[0].owner;
	assert_string_equal(import_stats__owner_name(&im->st, owner), "preempt_test");
	assert_string_equal(import_stats__owner_name(&im->st, im->st.owners[1].owner), "CPU 0/KVM");
	r = row_of(im->s, VMX, owner, 0, 52);
	assert_int_equal(r->total_ns, 2000);
	r = row_of(im->s, VMX, im->st.owners[1].owner, 0, 48);
	assert_int_equal(r->total_ns, 20000);
	/* the events say the comm: a dump names its VM */
	assert_int_equal(im->nr_ev, 2);
	assert_string_equal(im->ev[0].comm, "preempt_test");
	assert_int_equal(im->ev[0].tid, 0);
}

/* Timestamps only: the vcpu field pairs; an old exit without one waits in the one stream. */
static void test_timestamp_only(void **state)
{
	struct imported *im = imported_new(state);
	const struct trap_row *r;

	import_text(im,
		" 220.696200: kvm_exit: vcpu 0 reason IO_INSTRUCTION rip 0x406a87 info1 0x0 info2 0x0\n"
		" 220.696210: kvm_exit: vcpu 1 reason CPUID rip 0x406a87 info1 0x0 info2 0x0\n"
		" 220.696238: kvm_entry: vcpu 0, rip 0x406a89\n"
		" 220.696240: kvm_entry: vcpu 1, rip 0x406a89\n"
		" 220.696300: kvm_exit: reason HLT rip 0x406a90 info 0 0\n"
		" 220.696400: kvm_entry: vcpu 1, rip 0x406a91\n");
	assert_int_equal(im->st.by_key[IMPORT_KEY_VCPU], 5);
	assert_int_equal(im->st.by_key[IMPORT_KEY_NONE], 1);
	r = row_of(im->s, VMX, IMPORT_OWNER_SYNTHETIC, 0, 30);
	assert_int_equal(r->total_ns, 38000);
	r = row_of(im->s, VMX, IMPORT_OWNER_SYNTHETIC, 1, 10);
	assert_int_equal(r->total_ns, 30000);
	/* the HLT had no vcpu: it takes the one-stream's last, none yet, so 0 */
	r = row_of(im->s, VMX, IMPORT_OWNER_SYNTHETIC, 0, 12);
	assert_int_equal(r->count, 1);
	assert_int_equal(r->total_ns, 100000);
	assert_int_equal(im->st.unpaired_exits, 0);
}

/* perf-prof: the wall clock, "comm tid flags [cpu]"; the trace-cmd plugin's "<...>-tid". */
static void test_perf_prof_and_plugin(void **state)
{
	struct imported *im = imported_new(state);
	const struct trap_row *r;

	import_text(im,
		"2021-12-12 16:11:10.214139            <...> 206966 .N.. [017] 15504452.408994: kvm:kvm_exit: reason EXTERNAL_INTERRUPT rip 0xffffffff81a0f2c2 info 0 800000fd\n"
		"2021-12-12 16:11:10.214140            <...> 206966 d... [017] 15504452.408996: kvm:kvm_entry: vcpu 3\n"
		"           <...>-43752 [001]  3615.602298: kvm_exit:             reason EXIT_MSR rip 0x4015c2 info 0 0\n"
		"           <...>-43752 [001]  3615.602300: kvm_entry:            vcpu 0 rip 0x4015c4\n"
		"           <...>-43752 [001]  3615.602400: kvm_exit:             reason EXIT_EXCP_GP rip 0x4015c2 info 0 0\n");
	assert_int_equal(im->st.by_key[IMPORT_KEY_THREAD], 5);
	assert_int_equal(im->st.nr_owners, 0);
	r = row_of(im->s, VMX, 206966, 0, 1);
	assert_int_equal(r->total_ns, 2000);
	r = row_of(im->s, SVM, 43752, 0, 0x7c);
	assert_int_equal(r->total_ns, 2000);
	r = row_of(im->s, SVM, 43752, 0, 0x4d);
	assert_int_equal(r->skipped, 1);
	/* "<...>" is no comm */
	assert_string_equal(im->ev[0].comm, "");
}

/* A last line cut after "kvm_exit": an exit of unknown reason, counted and reported. */
static void test_truncated_last_line(void **state)
{
	struct imported *im = imported_new(state);
	const struct trap_row *r;

	import_text(im,
		"       CPU 0/KVM-4242    [001] d..1.    10.000000: kvm_exit: vcpu 0 reason HLT rip 0x1 info1 0x0 info2 0x0\n"
		"       CPU 0/KVM-4242    [001] d..1.    10.000100: kvm_entry: vcpu 0, rip 0x2\n"
		"       CPU 0/KVM-4242    [001] d..1.    10.000200: kvm_exit");
	assert_int_equal(im->st.exits, 2);
	assert_int_equal(im->st.unknown_reason_exits, 1);
	assert_int_equal(im->st.skipped, 0);
	r = row_of(im->s, UNK, 4242, 0, KVM_EXIT_REASON_NONE);
	assert_int_equal(r->skipped, 1);
	/* the named ones are VMX: the unnamed one stays unknown, not VMX */
	assert_int_equal(row_of(im->s, VMX, 4242, 0, 12)->count, 1);
}

/* 2.6.3x names both isas printed take the capture's isa; modern lines are SVM's. */
static void test_ambiguous_in_captures(void **state)
{
	struct imported *im = imported_new(state);

	import_text(im,
		"kvm-5664  [000] 11906.220181: kvm_exit: reason cpuid rip 0xc011518c\n"
		"kvm-5664  [000] 11906.220183: kvm_entry: vcpu 0\n"
		"kvm-5664  [000] 11906.220190: kvm_exit: reason apic_access rip 0xc011518c\n"
		"kvm-5664  [000] 11906.220195: kvm_entry: vcpu 0\n");
	assert_int_equal(row_of(im->s, VMX, 5664, 0, 10)->total_ns, 2000);
	assert_int_equal(row_of(im->s, VMX, 5664, 0, 44)->total_ns, 5000);
	snapshot__free(im->s);
	import_stats__free(&im->st);

	import_text(im,
		"kvm-5664  [000] 11906.220181: kvm_exit: reason cpuid rip 0xc011518c\n"
		"kvm-5664  [000] 11906.220183: kvm_entry: vcpu 0\n"
		"kvm-5664  [000] 11906.220190: kvm_exit: reason npf rip 0xc011518c\n");
	assert_int_equal(row_of(im->s, SVM, 5664, 0, 0x72)->count, 1);
	snapshot__free(im->s);
	import_stats__free(&im->st);

	/* nothing tells: unknown isa, named as printed */
	import_text(im, "kvm-5664  [000] 11906.220181: kvm_exit: reason cpuid rip 0xc011518c\n");
	assert_int_equal(row_of(im->s, UNK, 5664, 0, KVM_EXIT_REASON_AMBIGUOUS |
				(0x72ULL << KVM_AMBIGUOUS_SVM_SHIFT) | 10)->skipped, 1);
	snapshot__free(im->s);
	import_stats__free(&im->st);

	/* 5.14's "vcpu N reason": a lower case name is SVM's */
	import_text(im, "CPU 0/KVM-7 [000] d..1. 1.000000: kvm_exit: vcpu 0 reason cpuid rip 0x1 "
			"info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0\n");
	assert_int_equal(row_of(im->s, SVM, 7, 0, 0x72)->skipped, 1);
}

/* Skipped lines are counted by why, and events by name. */
static void test_skips_named(void **state)
{
	struct imported *im = imported_new(state);

	import_text(im,
		"version = 6\n"
		"cpus=2\n"
		"CPU 1 is empty\n"
		"CPU:0 [LOST 7 EVENTS]\n"
		"\n"
		"garbage\n"
		"  <idle>-0     [000] d..2.   1.000000: sched_switch: prev_comm=swapper/0 prev_pid=0\n"
		"  <idle>-0     [000] d..2.   1.000001: sched_switch: prev_comm=swapper/0 prev_pid=0\n"
		"  qemu-9       [000] d..2.   1.000002: kvm:kvm_pio: pio_write size 1\n");
	assert_int_equal(im->st.skipped_by[IMPORT_SKIP_COMMENT], 3);
	assert_int_equal(im->st.skipped_by[IMPORT_SKIP_LOST], 1);
	assert_int_equal(im->st.lost_events, 7);
	assert_int_equal(im->st.skipped_by[IMPORT_SKIP_BLANK], 1);
	assert_int_equal(im->st.skipped_by[IMPORT_SKIP_UNPARSED], 1);
	assert_int_equal(im->st.first_unparsed, 6);
	assert_int_equal(im->st.skipped_by[IMPORT_SKIP_OTHER_EVENT], 2);
	assert_int_equal(im->st.skipped_by[IMPORT_SKIP_BAD_FIELDS], 1);
	assert_int_equal(im->st.nr_names, 2);
	assert_string_equal(im->st.names[0].name, "sched_switch");
	assert_int_equal(im->st.names[0].count, 2);
	assert_string_equal(im->st.names[1].name, "kvm_pio");
	assert_int_equal(im->st.names[1].why, IMPORT_SKIP_BAD_FIELDS);
	assert_int_equal(im->st.events, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_renamed_reasons),
		cmocka_unit_test(test_ambiguous_reasons),
		cmocka_unit_test(test_plugin_names_match_today),
		cmocka_unit_test_teardown(test_perf_cpu_only, imported_teardown),
		cmocka_unit_test_teardown(test_cpu_key_other_vcpu, imported_teardown),
		cmocka_unit_test_teardown(test_perf_comm_only, imported_teardown),
		cmocka_unit_test_teardown(test_timestamp_only, imported_teardown),
		cmocka_unit_test_teardown(test_perf_prof_and_plugin, imported_teardown),
		cmocka_unit_test_teardown(test_truncated_last_line, imported_teardown),
		cmocka_unit_test_teardown(test_ambiguous_in_captures, imported_teardown),
		cmocka_unit_test_teardown(test_skips_named, imported_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
