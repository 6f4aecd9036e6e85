// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Host calibration's pure parts: the verdict on where vflow runs from each
 * combination of evidence, the median of the repetitions, and the
 * evidence text that never overflows its buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include "host/calibrate_internal.h"

static const char *verdict(const struct cal_self_evidence *e)
{
	static char buf[64];

	cal_self_verdict(e, buf, sizeof(buf));
	return buf;
}

static void test_self_verdict(void **state)
{
	struct cal_self_evidence e = {};

	(void)state;
	assert_string_equal(verdict(&e), "bare metal");
	e.hv_flag = true;
	assert_string_equal(verdict(&e), "hypervisor: unknown");
	e = (struct cal_self_evidence){ .hv_bit = true };
	assert_string_equal(verdict(&e), "hypervisor: unknown");
	snprintf(e.first_sig, sizeof(e.first_sig), "NoSuchHv");
	assert_string_equal(verdict(&e), "hypervisor: \"NoSuchHv\"");
	e.vendor = "Microsoft Hyper-V";
	assert_string_equal(verdict(&e), "hypervisor: Microsoft Hyper-V");
	/* KVM stacked on a Hyper-V interface: the KVM guest is what counts */
	e.kvm = true;
	assert_string_equal(verdict(&e), "KVM guest");
	/* PVM answers KVM's CPUID, or only the guest kernel's flag says it */
	e.pvm = true;
	assert_string_equal(verdict(&e), "PVM guest");
	e = (struct cal_self_evidence){ .pvm = true, .hv_flag = true };
	assert_string_equal(verdict(&e), "PVM guest");
	/* Xen wins; PV or HVM from guest_type, else from whether a CPUID leaf was seen */
	e = (struct cal_self_evidence){ .xen = true, .kvm = true };
	assert_string_equal(verdict(&e), "Xen PV guest");
	e.vendor = "Xen";
	assert_string_equal(verdict(&e), "Xen HVM guest");
	snprintf(e.xen_guest_type, sizeof(e.xen_guest_type), "PV");
	assert_string_equal(verdict(&e), "Xen PV guest");
	snprintf(e.xen_guest_type, sizeof(e.xen_guest_type), "PVH");
	assert_string_equal(verdict(&e), "Xen HVM guest");
}

static void test_median(void **state)
{
	(void)state;
	assert_true(cal_median((const double[]){ 5, 1, 4, 2, 3 }, 5) == 3);
	assert_true(cal_median((const double[]){ 4, 1, 3, 2 }, 4) == 2.5);
	assert_true(cal_median((const double[]){ 7 }, 1) == 7);
}

static void test_appendf(void **state)
{
	char buf[16] = "";

	(void)state;
	cal_appendf(buf, sizeof(buf), "CPUID=%d", 1);
	cal_appendf(buf, sizeof(buf), "; %s", "kvm");
	assert_string_equal(buf, "CPUID=1; kvm");
	/* full: truncated, never past the end */
	cal_appendf(buf, sizeof(buf), "; %s", "a long piece of evidence");
	assert_string_equal(buf, "CPUID=1; kvm; a");
	cal_appendf(buf, sizeof(buf), "more");
	assert_string_equal(buf, "CPUID=1; kvm; a");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_verdict),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_appendf),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
