// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The TSC rate for calibration: what the kernel exports, else what CPUID
 * says (Intel's crystal leaf, a hypervisor's timing leaf), else measured
 * against CLOCK_MONOTONIC. Not x86: none.
 */
#include <errno.h>
#include <time.h>
#include "host/calibrate_internal.h"
#include "host/tsc.h"
#ifdef CAL_X86
#include <cpuid.h>
#include <x86intrin.h>
#endif

#define TSC_REP_NS	(40 * 1000 * 1000L)	/* one TSC repetition: 40 ms */
#define PAIR_TRIES	16			/* reads of a (CLOCK_MONOTONIC, TSC) pair */
#define HZ_PER_KHZ	1e3
#define CPUID_TSC_LEAF	0x15			/* Intel: TSC = crystal * EBX / EAX */
#define CPUID_HV_BASE	0x40000000		/* EAX: the hypervisor's highest leaf */
#define CPUID_HV_TIMING	0x40000010		/* VMware, some KVM VMMs: EAX = TSC kHz */

#ifdef CAL_X86
/* a (CLOCK_MONOTONIC, TSC) pair read as close together as we can */
static void tsc_pair(double *mono, double *tsc)
{
	double best = 1e18;

	*mono = *tsc = 0;
	for (int i = 0; i < PAIR_TRIES; i++) {
		double m0 = cal_now_ns();
		unsigned long long t = __rdtsc();
		double m1 = cal_now_ns();

		if (m1 - m0 < best) {
			best = m1 - m0;
			*mono = (m0 + m1) / 2;
			*tsc = (double)t;
		}
	}
}

/* The rate CPUID gives, and which leaf: true, or false when it gives none. */
static bool tsc_cpuid(double *hz, const char **source)
{
	unsigned int a, b, c, d;

	if (__get_cpuid_max(0, NULL) >= CPUID_TSC_LEAF) {
		__cpuid(CPUID_TSC_LEAF, a, b, c, d);
		if (a && b && c) {
			*hz = (double)c * b / a;
			*source = "CPUID leaf 0x15";
			return true;
		}
	}
	if (!cal_hypervisor_bit())
		return false;
	__cpuid(CPUID_HV_BASE, a, b, c, d);
	if (a < CPUID_HV_TIMING)
		return false;
	__cpuid(CPUID_HV_TIMING, a, b, c, d);
	if (!a)
		return false;
	*hz = a * HZ_PER_KHZ;
	*source = "CPUID leaf 0x40000010";
	return true;
}

/* TSC ticks per second of CLOCK_MONOTONIC, the median of CALIBRATE_REPS sleeps */
static double tsc_measured(void)
{
	double v[CALIBRATE_REPS];

	for (int i = 0; i < CALIBRATE_REPS; i++) {
		struct timespec ts = { 0, TSC_REP_NS };
		double m0, t0, m1, t1;

		tsc_pair(&m0, &t0);
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		tsc_pair(&m1, &t1);
		v[i] = m1 > m0 ? (t1 - t0) / (m1 - m0) * NSEC_PER_SEC : 0;
	}
	return cal_median(v, CALIBRATE_REPS);
}
#endif

void cal_tsc(struct calibration *cal)
{
	cal->tsc_hz = 0;
	cal->tsc_source = "none";
#ifdef CAL_X86
	if (tsc_rate_kernel(&cal->tsc_hz)) {
		cal->tsc_source = "tsc_freq_khz";
		return;
	}
	if (tsc_cpuid(&cal->tsc_hz, &cal->tsc_source))
		return;
	cal->tsc_hz = tsc_measured();
	cal->tsc_source = "measured rdtsc vs CLOCK_MONOTONIC";
#endif
}
