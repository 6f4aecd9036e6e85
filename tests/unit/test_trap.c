// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The trap vocabulary (core/trap.h): classes, paradigms, names and the
 * latency of a row; and that the report prints an untimed row as "-" in
 * text and null in JSON.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/trap.h"
#include "report/report.h"

#define VMX_HLT 12
#define VMX_VMCALL 18
#define VMX_EPT_MISCONFIG 49
#define KVM_EXIT_IO_NR 2
#define KVM_EXIT_HLT_NR 5
#define NR_GETPPID 110
#define SERIAL_PORT 0x3f8
#define LAPIC_GPA 0xfee00300ULL
#define VMM_PID 4242
#define P99 0.99
#define NS_PER_SEC 1000000000ULL

static void test_rec_class(void **state)
{
	(void)state;
	assert_int_equal(trap_rec_class(VFLOW_TRAP_SYSCALL), VFLOW_REC_SYSCALL);
	assert_int_equal(trap_rec_class(VFLOW_TRAP_SANDBOX), VFLOW_REC_SANDBOX);
	assert_int_equal(trap_rec_class(VFLOW_TRAP_NOTIF_HANDLING), VFLOW_REC_SANDBOX);
	/* the seccomp filter's own run time is the sandbox's cost, not a VM's */
	assert_int_equal(trap_rec_class(VFLOW_TRAP_FILTER_COST), VFLOW_REC_SANDBOX);
	for (__u32 k = VFLOW_TRAP_VMEXIT_VMX; k <= VFLOW_TRAP_XEN_MC; k++)
		assert_int_equal(trap_rec_class(k), VFLOW_REC_VM);
	assert_string_equal(trap_rec_class_name(VFLOW_REC_SYSCALL), "syscall");
	assert_string_equal(trap_rec_class_name(VFLOW_REC_VM), "vm");
	assert_string_equal(trap_rec_class_name(VFLOW_REC_SANDBOX), "sandbox");
	assert_string_equal(trap_rec_class_name(VFLOW_REC_MAX), "unknown");
}

static void test_paradigm(void **state)
{
	(void)state;
	/* a syscall's paradigm is its cgroup's: the trap alone says host */
	assert_int_equal(trap_paradigm(VFLOW_TRAP_SYSCALL, NR_GETPPID), VFLOW_PARADIGM_HOST);
	assert_int_equal(trap_paradigm(VFLOW_TRAP_SCHED_RUNQ, 0), VFLOW_PARADIGM_HOST);
	assert_int_equal(trap_paradigm(VFLOW_TRAP_SCHED_PSI, 0), VFLOW_PARADIGM_HOST);
	assert_int_equal(trap_paradigm(VFLOW_TRAP_VMEXIT_VMX, VMX_HLT), VFLOW_PARADIGM_FULLVIRT);
	assert_int_equal(trap_paradigm(VFLOW_TRAP_VMEXIT_VMX, VMX_VMCALL), VFLOW_PARADIGM_PARAVIRT);
	assert_int_equal(trap_paradigm(VFLOW_TRAP_HCALL_KVM, 5), VFLOW_PARADIGM_PARAVIRT);
	assert_int_equal(trap_paradigm(VFLOW_TRAP_HCALL_XEN, 1), VFLOW_PARADIGM_PARAVIRT);
	assert_int_equal(trap_paradigm(VFLOW_TRAP_FAST_MMIO, 0), VFLOW_PARADIGM_PARAVIRT);
	assert_int_equal(trap_paradigm(VFLOW_TRAP_PIO, SERIAL_PORT), VFLOW_PARADIGM_FULLVIRT);
	assert_int_equal(trap_paradigm(VFLOW_TRAP_USERSPACE_EXIT, 2), VFLOW_PARADIGM_FULLVIRT);
	assert_int_equal(trap_paradigm(VFLOW_TRAP_SANDBOX, NR_GETPPID), VFLOW_PARADIGM_SANDBOX);
	assert_int_equal(trap_paradigm(VFLOW_TRAP_FILTER_COST, 0), VFLOW_PARADIGM_SANDBOX);
	assert_int_equal(trap_paradigm(VFLOW_TRAP_KIND_MAX, 0), VFLOW_PARADIGM_HOST);
}

static void test_paradigm_names(void **state)
{
	static const char *const want[VFLOW_PARADIGM_MAX] = {
		"host", "fullvirt", "paravirt", "container", "sandbox",
	};

	(void)state;
	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++) {
		assert_string_equal(paradigm_name(p), want[p]);
		assert_int_equal(paradigm_parse(want[p]), p);
	}
	assert_string_equal(paradigm_name(VFLOW_PARADIGM_MAX), "unknown");
	assert_string_equal(paradigm_name((enum vflow_paradigm)-1), "unknown");
	assert_int_equal(paradigm_parse("vm"), -1);
	assert_int_equal(paradigm_parse("Host"), -1);
}

static void test_trap_names(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(trap_name(VFLOW_TRAP_SYSCALL, NR_GETPPID, buf, sizeof(buf)), "getppid");
	assert_string_equal(trap_name(VFLOW_TRAP_SANDBOX, NR_GETPPID, buf, sizeof(buf)), "getppid");
	assert_string_equal(trap_name(VFLOW_TRAP_SYSCALL, 9999, buf, sizeof(buf)), "sys_9999");
	assert_string_equal(trap_name(VFLOW_TRAP_VMEXIT_VMX, VMX_HLT, buf, sizeof(buf)), "HLT");
	assert_string_equal(trap_name(VFLOW_TRAP_VMEXIT_VMX, VMX_EPT_MISCONFIG, buf, sizeof(buf)),
			    "EPT_MISCONFIG");
	/* every other kind names itself: the name stands alone in any column */
	assert_string_equal(trap_name(VFLOW_TRAP_PIO, SERIAL_PORT, buf, sizeof(buf)), "pio port 0x3f8");
	assert_string_equal(trap_name(VFLOW_TRAP_MMIO, LAPIC_GPA, buf, sizeof(buf)),
			    "mmio gpa 0xfee00300");
	assert_string_equal(trap_name(VFLOW_TRAP_FAST_MMIO, LAPIC_GPA, buf, sizeof(buf)),
			    "fast_mmio gpa 0xfee00300");
	assert_string_equal(trap_name(VFLOW_TRAP_USERSPACE_EXIT, KVM_EXIT_IO_NR, buf, sizeof(buf)),
			    "userspace IO");
	assert_string_equal(trap_name(VFLOW_TRAP_USERSPACE_EXIT, KVM_EXIT_HLT_NR, buf, sizeof(buf)),
			    "userspace HLT");
	assert_string_equal(trap_name(VFLOW_TRAP_HCALL_KVM, 5, buf, sizeof(buf)), "hcall_kvm 5");
	assert_string_equal(trap_name(VFLOW_TRAP_IRQ_INJ, 32, buf, sizeof(buf)), "irq_inj 32");
	assert_string_equal(trap_name(VFLOW_TRAP_KIND_MAX, 1, buf, sizeof(buf)), "unknown 1");
	/* a short buffer is cut, never overrun */
	assert_string_equal(trap_name(VFLOW_TRAP_PIO, SERIAL_PORT, buf, 5), "pio ");
}

static void test_event_names(void **state)
{
	struct vflow_event ev = { .kind = VFLOW_EV_TRAP, .trap = VFLOW_TRAP_SANDBOX,
				  .code = NR_GETPPID, .sub = VFLOW_ACT_ERRNO };
	char buf[64];

	(void)state;
	assert_string_equal(trap_event_name(&ev, buf, sizeof(buf)), "getppid errno");
	ev.sub = VFLOW_ACT_USER_NOTIF;
	assert_string_equal(trap_event_name(&ev, buf, sizeof(buf)), "getppid user_notif");
	ev.trap = VFLOW_TRAP_SYSCALL;
	assert_string_equal(trap_event_name(&ev, buf, sizeof(buf)), "getppid");
	ev.trap = VFLOW_TRAP_VMEXIT_VMX;
	ev.code = VMX_HLT;
	assert_string_equal(trap_event_name(&ev, buf, sizeof(buf)), "HLT");
	assert_string_equal(sys_action_name(VFLOW_ACT_PTRACE), "ptrace");
	assert_string_equal(sys_action_name(VFLOW_ACT_MAX), "unknown");
	assert_string_equal(trap_kind_name(VFLOW_TRAP_FILTER_COST), "filter_cost");
}

static void test_counter_names(void **state)
{
	(void)state;
	for (int c = 0; c < VFLOW_CNT_MAX; c++)
		assert_string_not_equal(counter_name(c), "unknown");
	assert_string_equal(counter_name(VFLOW_CNT_RINGBUF_DROP), "ringbuf_drop");
	assert_string_equal(counter_name(VFLOW_CNT_MAX), "unknown");
	assert_true(counter_is_loss(VFLOW_CNT_RINGBUF_DROP));
	assert_false(counter_is_loss(VFLOW_CNT_INFLIGHT_AT_START));
}

static void test_row_latency(void **state)
{
	struct trap_row row = { .kind = VFLOW_TRAP_VMEXIT_VMX, .code = VMX_HLT };
	char buf[32];

	(void)state;
	/* counted, never timed (an entry lost, or a counted-only kind): no figure */
	row.count = 7;
	assert_true(trap_row_mean_ns(&row) == TRAP_UNTIMED_NS);
	assert_true(trap_row_quantile_ns(&row, P99) == TRAP_UNTIMED_NS);
	assert_string_equal(fmt_ns(trap_row_mean_ns(&row), buf, sizeof(buf)), "-");
	/* 4 timed of 7: the mean is over the timed ones, not the count */
	row.total_ns = 4000;
	row.hist[vflow_hist_slot(1000)] = 4;
	assert_true(trap_row_mean_ns(&row) == 1000.0);
	assert_true(trap_row_quantile_ns(&row, P99) == hist_quantile_ns(row.hist, P99));
	assert_string_equal(fmt_ns(trap_row_mean_ns(&row), buf, sizeof(buf)), "1.00us");
	/* a timed zero-length trap is a figure, 0 */
	memset(&row, 0, sizeof(row));
	row.count = 1;
	row.hist[0] = 1;
	assert_true(trap_row_mean_ns(&row) == 0.0);
	assert_string_equal(fmt_ns(trap_row_mean_ns(&row), buf, sizeof(buf)), "0ns");
}

/* The JSON of @r's one VM, as vflowd prints it. */
static char *vm_json(const struct report *r)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	report__print_json(r, f);
	assert_int_equal(fclose(f), 0);
	return out;
}

/* vflowd's text and JSON of a VM with a timed exit row and an untimed one. */
static void test_report_untimed_row(void **state)
{
	struct trap_row rows[2] = {
		{ .kind = VFLOW_TRAP_VMEXIT_VMX, .owner = VMM_PID, .code = VMX_HLT, .count = 3,
		  .total_ns = 3000 },
		{ .kind = VFLOW_TRAP_PIO, .owner = VMM_PID, .code = SERIAL_PORT, .count = 5 },
	};
	struct snapshot *cum = snapshot__new(2);
	struct report_text_opts o = { .per_entity_syscalls = 10 };
	struct report r = { .offline = true };
	char *json, *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_non_null(cum);
	rows[0].hist[vflow_hist_slot(1000)] = 3;
	memcpy(cum->rows, rows, sizeof(rows));
	cum->nr_rows = 2;
	cum->ts_ns = NS_PER_SEC;
	snapshot__sort(cum);
	assert_int_equal(report__build(&r, cum, cum, NULL, NS_PER_SEC, NS_PER_SEC), 0);
	r.syscall_via = "raw_tp";
	cum->time_period = 8;
	json = vm_json(&r);
	assert_non_null(strstr(json, "\"syscall_timing\":\"sampled 1/8\",\"syscall_time_period\":8,"));
	assert_non_null(strstr(json, "\"name\":\"pio port 0x3f8\""));
	assert_non_null(strstr(json, "\"total_ns\":0,\"mean_ns\":null,\"p50_ns\":null,\"p99_ns\":null"));
	/* the shortest form that reads back (core/fmtnum.h): 1000, not 1000.0 */
	assert_non_null(strstr(json, "\"total_ns\":3000,\"mean_ns\":1000,"));
	f = open_memstream(&text, &len);
	assert_non_null(f);
	report__print_text(&r, &o, f);
	assert_int_equal(fclose(f), 0);
	/* the PIO row: no mean, no p99; never "0ns" */
	assert_non_null(strstr(text, "pio port 0x3f8"));
	assert_non_null(strstr(text, "  timing sampled 1/8\n"));
	assert_null(strstr(text, "0ns"));
	assert_non_null(strstr(strstr(text, "pio port 0x3f8"), "        -         -\n"));
	free(text);
	free(json);
	report__free(&r);
	snapshot__free(cum);
}

/* --syscall-timing specs, and the label every latency figure carries */
static void test_timing_spec(void **state)
{
	char buf[TRAP_TIMING_NAME_LEN];
	__u32 period = 0;
	double budget = -1;

	(void)state;
	assert_string_equal(trap_timing_name(0, buf, sizeof(buf)), "exact");
	assert_string_equal(trap_timing_name(1, buf, sizeof(buf)), "exact");
	assert_string_equal(trap_timing_name(64, buf, sizeof(buf)), "sampled 1/64");
	assert_int_equal(trap_timing_parse("exact", &period, &budget), 0);
	assert_int_equal(period, 1);
	assert_true(budget == 0);
	assert_int_equal(trap_timing_parse("sampled", &period, &budget), 0);
	assert_int_equal(period, VFLOW_DEFAULT_TIME_PERIOD);
	assert_int_equal(trap_timing_parse("sampled:8", &period, &budget), 0);
	assert_int_equal(period, 8);
	assert_int_equal(trap_timing_parse("1/16", &period, &budget), 0);
	assert_int_equal(period, 16);
	assert_int_equal(trap_timing_parse("budget:2%", &period, &budget), 0);
	assert_true(budget > 0.0199 && budget < 0.0201);
	assert_int_equal(period, VFLOW_DEFAULT_TIME_PERIOD);
	assert_int_equal(trap_timing_parse("budget:0.5", &period, &budget), 0);
	assert_true(budget > 0.00499 && budget < 0.00501);
	/* bad input: refused, never a silent default */
	assert_int_equal(trap_timing_parse("sampled:0", &period, &budget), -EINVAL);
	assert_int_equal(trap_timing_parse("sampled:-4", &period, &budget), -EINVAL);
	assert_int_equal(trap_timing_parse("sampled:65537", &period, &budget), -EINVAL);
	assert_int_equal(trap_timing_parse("sampled:4x", &period, &budget), -EINVAL);
	assert_int_equal(trap_timing_parse("budget:0%", &period, &budget), -EINVAL);
	assert_int_equal(trap_timing_parse("budget:101%", &period, &budget), -EINVAL);
	assert_int_equal(trap_timing_parse("budget:1%%", &period, &budget), -EINVAL);
	assert_int_equal(trap_timing_parse("fast", &period, &budget), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rec_class),
		cmocka_unit_test(test_paradigm),
		cmocka_unit_test(test_paradigm_names),
		cmocka_unit_test(test_trap_names),
		cmocka_unit_test(test_event_names),
		cmocka_unit_test(test_counter_names),
		cmocka_unit_test(test_row_latency),
		cmocka_unit_test(test_report_untimed_row),
		cmocka_unit_test(test_timing_spec),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
