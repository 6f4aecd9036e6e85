// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Host calibration: see calibrate.h. The run: where vflow runs, the TSC
 * rate, then each micro-benchmark in turn on one CPU (calibrate_internal.h
 * names the parts), the tracers seen before and after, and how busy the
 * host was meanwhile.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "host/calibrate_internal.h"
#include "core/model.h"

/* a share of the run: PSI's total may run a hair past the elapsed time */
#define MAX_PRESSURE 1.0
#define NS_PER_US 1e3	/* PSI counts µs */
#define PSI_LINE_LEN 256

/* ---- small helpers ---- */

double cal_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double cal_median(const double *v, int n)
{
	double s[CALIBRATE_REPS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

void cal_set_err(char *err, size_t len, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	errno = saved;
}

int cal_sys_fail(char *buf, size_t len, const char *what)
{
	int e = errno;

	snprintf(buf, len, "%s failed: %s", what, strerror(e));
	return -e;
}

void cal_appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

bool cal_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok && buf[0];
}

/* ---- the run ---- */

/* cumulative µs during which some task waited for a CPU (PSI), or -1 */
static double cpu_pressure_us(void)
{
	char line[PSI_LINE_LEN];
	double total = -1;
	FILE *f = fopen("/proc/pressure/cpu", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *t = strstr(line, "total=");

		if (!strncmp(line, "some ", 5) && t)
			total = strtod(t + 6, NULL);
	}
	fclose(f);
	return total;
}

/* the CPU the benchmarks run on (the last allowed one: CPU 0 usually takes more
 * interrupts) and another allowed one in @other (-1 if there is none) */
static int pick_cpus(int *other)
{
	cpu_set_t set;
	int cpu = -1;

	*other = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return sched_getcpu() >= 0 ? sched_getcpu() : 0;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set)) {
			if (cpu >= 0 && *other < 0)
				*other = cpu;
			cpu = i;
		}
	return cpu < 0 ? 0 : cpu;
}

/*
 * The null syscall and the seccomp filter, with other tasks' demand for
 * CPU over that phase: it makes none itself (one runnable worker).
 */
static int bench_filter_busy(struct calibration *cal, int cpu, char *err, size_t err_len)
{
	double psi0, psi1, t1;
	int ret;

	psi0 = cpu_pressure_us();
	t1 = cal_now_ns();
	ret = cal_bench_filter(cal, cpu, err, err_len);
	psi1 = cpu_pressure_us();
	cal->cpu_pressure = psi0 >= 0 && psi1 >= psi0 && cal_now_ns() > t1 ?
			    (psi1 - psi0) * NS_PER_US / (cal_now_ns() - t1) : -1;
	if (cal->cpu_pressure > MAX_PRESSURE)
		cal->cpu_pressure = MAX_PRESSURE;
	return ret;
}

int calibrate_run(struct calibration *cal, char *err, size_t err_len)
{
	double t0 = cal_now_ns();
	struct cal_tracers before = {}, after = {};
	int cpu, other, ret;

	memset(cal, 0, sizeof(*cal));
	cal_workers_deadline(t0 + RUN_BUDGET_S * NSEC_PER_SEC);
	cal_tracers_count(&before);
	cal_set_err(err, err_len, "calibration failed");
	calibrate_detect_self(cal);
	cal_tsc(cal);
	cpu = pick_cpus(&other);

	ret = bench_filter_busy(cal, cpu, err, err_len);
	if (!ret)
		ret = cal_bench_sigsys(cpu, &cal->sigsys_trap_ns, err, err_len);
	if (!ret)
		ret = cal_bench_notif("user-notify round trip", cpu, cpu, &cal->user_notif_ns, err,
				      err_len);
	if (!ret && other >= 0)
		ret = cal_bench_notif("user-notify round trip across CPUs", cpu, other,
				      &cal->user_notif_xcpu_ns, err, err_len);
	if (!ret)
		ret = cal_bench_pingpong(cpu, &cal->context_switch_ns, err, err_len);
	cal->syscall_in_kernel_ns = 0;	/* needs BPF timestamps at sys_enter/sys_exit */
	cal_tracers_count(&after);
	cal_tracers_describe(&before, &after, cal->tracers, sizeof(cal->tracers));
	cal->elapsed_s = (cal_now_ns() - t0) / NSEC_PER_SEC;
	if (!ret && err && err_len)
		err[0] = 0;
	return ret;
}

void calibrate_apply(const struct calibration *cal, struct model_config *c)
{
	if (cal->context_switch_ns > 0)
		c->cal_context_switch_ns = cal->context_switch_ns;
	if (cal->seccomp_filter_ns > 0)
		c->cal_seccomp_filter_ns = cal->seccomp_filter_ns;
	if (cal->tsc_hz > 0) {
		c->tsc_hz = cal->tsc_hz;
		c->tsc_prov = PROV_CALIBRATED;
	}
}
