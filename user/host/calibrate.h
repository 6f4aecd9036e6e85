/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Host calibration (`vflowd --calibrate`): micro-benchmarks of the costs the
 * document's model only estimates — a null syscall, a seccomp filter, a
 * SIGSYS trap, a user-notify round trip, a context switch — measured on this
 * host, next to the document's values; and where vflow itself runs (bare
 * metal or which hypervisor), from CPUID and sysfs.
 *
 * Every figure is the median of 5 repetitions of a timed loop
 * (CLOCK_MONOTONIC), each repetition sized to take about 0.1 s. The
 * benchmarks run in forked children (seccomp filters cannot be removed), so
 * the calling process is left as it was. No BPF needed.
 */
#ifndef VFLOW_CALIBRATE_H
#define VFLOW_CALIBRATE_H

#include <stddef.h>
#include <stdio.h>

#define CALIBRATE_REPS 5

struct calibration {
	double tsc_hz;			/* 0: no TSC (not x86) */
	const char *tsc_source;		/* "tsc_freq_khz", "CPUID leaf 0x15", "CPUID leaf 0x40000010",
					 * "measured rdtsc vs CLOCK_MONOTONIC", "none" (static string) */
	double null_syscall_ns;		/* round trip of syscall(SYS_getppid), tight loop */
	double seccomp_filter_ns;	/* extra per syscall under a one-rule seccomp filter (ALLOW)
					 * that the kernel must run on every call (it reads the
					 * syscall's first argument, so its constant-action cache
					 * cannot skip it): loop with filter minus loop without, in
					 * forked children on the same CPU, interleaved */
	double sigsys_trap_ns;		/* SECCOMP_RET_TRAP round trip: syscall -> SIGSYS handler -> back */
	double user_notif_ns;		/* SECCOMP_RET_USER_NOTIF round trip, a supervisor process
					 * replying at once (blocking RECV/SEND loop), both pinned
					 * to one CPU: the mechanism's own cost */
	double user_notif_xcpu_ns;	/* the same with target and supervisor on two CPUs: adds
					 * cross-CPU wake-ups (0: only one CPU allowed) */
	double context_switch_ns;	/* pipe ping-pong between two processes pinned to one CPU,
					 * per switch (half a round trip, the pipe write+read included) */
	double syscall_in_kernel_ns;	/* 0: not measurable without BPF (not measured) */
	char self_paradigm[64];		/* "bare metal", "KVM guest", "Xen PV guest", "Xen HVM guest",
					 * "PVM guest", "hypervisor: <name>" */
	char self_evidence[160];	/* how it was found (CPUID leaves, /sys/hypervisor, cpuinfo) */
	char tracers[160];		/* tracers seen on the paths measured ("BPF on sys_enter x2,
					 * sched_switch x1; ..."), "" none or not visible: they
					 * inflate the figures */
	double elapsed_s;		/* how long calibrate_run took */
	double cpu_pressure;		/* share of the run during which other tasks waited for a
					 * CPU (/proc/pressure/cpu "some"), -1 unknown; above 0.2
					 * the table notes that the host was busy */
};

/*
 * Run every micro-benchmark (a few seconds; bounded: gives up with
 * -ETIMEDOUT well before 60 s). 0, or -errno with a one-line reason in
 * @err (e.g. seccomp unavailable). @cal is filled as far as it got.
 */
int calibrate_run(struct calibration *cal, char *err, size_t err_len);

/*
 * The table: each figure, the document's value for it, measured here and
 * the ratio; figures that need a VM (L_exit, L_hcall) as "n/a here"; then a
 * "runs in:" line with the self paradigm and its evidence.
 */
void calibrate_print(const struct calibration *cal, FILE *f);

/*
 * Copy into a model config as calibrated values: cal_context_switch_ns,
 * cal_seccomp_filter_ns, and tsc_hz with tsc_prov = PROV_CALIBRATED (each
 * only when it was measured, > 0).
 */
struct model_config;
void calibrate_apply(const struct calibration *cal, struct model_config *c);

/* Where this process runs (fills self_paradigm and self_evidence); reads CPUID and sysfs only. */
void calibrate_detect_self(struct calibration *cal);

#endif
