// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The calibration table: each figure beside the document's value, and the notes. */
#include <stdio.h>
#include "host/calibrate_internal.h"

#define CAL_BUSY_PRESSURE 0.2			/* note a busy host above this PSI share */

/* decimals for a ratio: 0.42, 3.1, 615 */
#define RATIO_PREC(x) ((x) < 1 ? 2 : (x) < 10 ? 1 : 0)

/* document's band [lo, hi] in ns (lo == hi: one value); lo < 0: none */
static void print_row(FILE *f, const char *figure, const char *doc, double lo, double hi, double meas,
		      const char *meas_text)
{
	char m[32], r[48];

	if (meas_text)
		snprintf(m, sizeof(m), "%s", meas_text);
	else
		snprintf(m, sizeof(m), "%.1f ns", meas);
	if (meas_text || lo <= 0 || meas <= 0)
		snprintf(r, sizeof(r), "-");
	else if (lo == hi)
		snprintf(r, sizeof(r), "%.*fx", RATIO_PREC(meas / lo), meas / lo);
	else
		snprintf(r, sizeof(r), "%.*f-%.*fx (%s)", RATIO_PREC(meas / hi), meas / hi,
			 RATIO_PREC(meas / lo), meas / lo,
			 meas < lo ? "below" : meas > hi ? "above" : "in band");
	fprintf(f, "  %-34s %-36s %-12s %s\n", figure, doc, m, r);
}

void calibrate_print(const struct calibration *cal, FILE *f)
{
	double ns_per_cycle = cal->tsc_hz > 0 ? NSEC_PER_SEC / cal->tsc_hz : 0;
	char doc[64];

	fprintf(f, "vflow host calibration: median of %d runs per figure, %.1f s in all\n",
		CALIBRATE_REPS, cal->elapsed_s);
	if (cal->tsc_hz > 0)
		fprintf(f, "TSC: %.3f MHz (%s)\n", cal->tsc_hz / 1e6, cal->tsc_source);
	else
		fprintf(f, "TSC: none (cycles are not converted)\n");
	fprintf(f, "  %-34s %-36s %-12s %s\n", "figure", "document", "measured", "ratio");
	print_row(f, "null syscall (getppid)", "-", -1, -1, cal->null_syscall_ns, NULL);
	print_row(f, "seccomp filter, per syscall", "L_bpf 10-50 ns (6.5)", 10, 50, cal->seccomp_filter_ns,
		  NULL);
	if (ns_per_cycle > 0) {
		snprintf(doc, sizeof(doc), "C_trap 10-50 cycles = %.1f-%.1f ns", 10 * ns_per_cycle,
			 50 * ns_per_cycle);
		print_row(f, "SIGSYS trap round trip", doc, 10 * ns_per_cycle, 50 * ns_per_cycle,
			  cal->sigsys_trap_ns, NULL);
	} else {
		print_row(f, "SIGSYS trap round trip", "C_trap 10-50 cycles", -1, -1, cal->sigsys_trap_ns, NULL);
	}
	print_row(f, "user-notify round trip (one CPU)", "- (beyond the BPF filter)", -1, -1,
		  cal->user_notif_ns, NULL);
	if (cal->user_notif_xcpu_ns > 0)
		print_row(f, "user-notify round trip (two CPUs)", "-", -1, -1, cal->user_notif_xcpu_ns, NULL);
	else
		print_row(f, "user-notify round trip (two CPUs)", "-", -1, -1, 0, "n/a: one CPU");
	if (ns_per_cycle > 0) {
		snprintf(doc, sizeof(doc), "C_schedule 500 cycles = %.1f ns", 500 * ns_per_cycle);
		print_row(f, "context switch (pipe, one CPU)", doc, 500 * ns_per_cycle, 500 * ns_per_cycle,
			  cal->context_switch_ns, NULL);
	} else {
		print_row(f, "context switch (pipe, one CPU)", "C_schedule 500 cycles", -1, -1,
			  cal->context_switch_ns, NULL);
	}
	if (cal->syscall_in_kernel_ns > 0)
		print_row(f, "syscall time in kernel", "-", -1, -1, cal->syscall_in_kernel_ns, NULL);
	else
		print_row(f, "syscall time in kernel", "-", -1, -1, 0, "not measured (needs BPF)");
	print_row(f, "VM exit round trip", "L_exit 1600-3100 ns", 1600, 3100, 0, "n/a here");
	print_row(f, "hypercall round trip", "L_hcall 250-850 ns", 250, 850, 0, "n/a here");
	fprintf(f, "runs in: %s (%s)\n", cal->self_paradigm, cal->self_evidence);
	if (cal->tracers[0])
		fprintf(f, "note: tracers were attached (%s): the syscall, trap and switch figures include "
			"their cost; calibrate with no tracer running\n", cal->tracers);
	if (cal->cpu_pressure > CAL_BUSY_PRESSURE)
		fprintf(f, "note: other tasks waited for a CPU %.0f%% of the run (PSI): the figures include "
			"their interference; calibrate on an idle host\n", cal->cpu_pressure * 100);
}
