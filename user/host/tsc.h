/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * This host's TSC rate, as the kernel or /proc/cpuinfo tell it: for the
 * model's cycles <-> ns (model_files.c) and for calibration, which also
 * asks CPUID and measures (calibrate_tsc.c).
 */
#ifndef VFLOW_TSC_H
#define VFLOW_TSC_H

#include <stdbool.h>

/* The rate the kernel exports (x86: cpu0's tsc_freq_khz), in Hz: true and @hz, or false. */
bool tsc_rate_kernel(double *hz);
/*
 * The kernel's rate, else /proc/cpuinfo's "cpu MHz" (the current clock, a
 * close stand-in for the invariant TSC on the hosts vflow targets), in Hz;
 * 0: neither can be read.
 */
double tsc_rate_host(void);

#endif
