/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The parts of host calibration (calibrate.h), private to user/host:
 * calibrate.c runs them in turn; calibrate_worker.c times a loop in a
 * forked process; one file per family of micro-benchmarks
 * (calibrate_seccomp.c: a filter, a SIGSYS trap, a user-notify round
 * trip; calibrate_switch.c: a context switch; calibrate_tsc.c: the TSC
 * rate); calibrate_self.c: where vflow itself runs; calibrate_tracers.c:
 * other tracers on the paths measured; calibrate_print.c: the table.
 */
#ifndef VFLOW_CALIBRATE_INTERNAL_H
#define VFLOW_CALIBRATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "host/calibrate.h"

#if defined(__x86_64__) || defined(__i386__)
#define CAL_X86 1
#endif

#define NSEC_PER_SEC	1000000000.0
#define RUN_BUDGET_S	45.0			/* the whole run gives up after this */

/* ---- calibrate.c: small helpers ---- */

/* CLOCK_MONOTONIC in ns */
double cal_now_ns(void);
/* the median of @n values (n <= CALIBRATE_REPS) */
double cal_median(const double *v, int n);
/* printf into @err, keeping errno: "cal_set_err(...); return -errno;" returns the cause */
void cal_set_err(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "WHAT failed: strerror" in @buf; -errno */
int cal_sys_fail(char *buf, size_t len, const char *what);
/* append to a fixed buffer, truncating quietly */
void cal_appendf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* the first line of a file, without its newline; false when missing or empty */
bool cal_read_line(const char *path, char *buf, size_t len);

/* ---- calibrate_worker.c: a timed loop in a forked process ---- */

typedef int (*cal_worker_setup_fn)(void *arg, char *msg, size_t len);	/* in the child */
typedef void (*cal_worker_loop_fn)(void *arg, long n);			/* in the child */

struct cal_worker {
	const char *name;	/* for messages: "seccomp filter" */
	pid_t pid;
	int fd;			/* our end of the socketpair */
};

/* Every wait of the run ends by then (CLOCK_MONOTONIC ns). */
void cal_workers_deadline(double deadline_ns);
/* Fork a worker pinned to @cpu (-1: anywhere) that runs @setup, then @loop on request. */
int cal_worker_start(struct cal_worker *w, const char *name, int cpu, cal_worker_setup_fn setup,
		     cal_worker_loop_fn loop, void *arg, char *err, size_t err_len);
void cal_worker_stop(struct cal_worker *w);
/* one timed loop of @n iterations: elapsed ns in @ns */
int cal_worker_run(struct cal_worker *w, long n, double *ns, char *err, size_t err_len);
/* iterations for one repetition of about a tenth of a second */
int cal_worker_size(struct cal_worker *w, long *iters, char *err, size_t err_len);
/* median ns per iteration over CALIBRATE_REPS repetitions (after one warm-up) */
int cal_worker_median(struct cal_worker *w, double *per_iter, char *err, size_t err_len);
/* a worker started, measured and stopped: its median ns per iteration in @out */
int cal_bench_one(const char *name, int cpu, cal_worker_setup_fn setup, cal_worker_loop_fn loop,
		  void *arg, double *out, char *err, size_t err_len);
/* pin the calling process to @cpu; 0 or -errno */
int cal_pin_self(int cpu);
/* kill and wait for a child; *pid becomes 0 */
void cal_reap(pid_t *pid);

/* ---- the micro-benchmarks, each 0 or -errno with a one-line @err ---- */

/* calibrate_seccomp.c: null syscall and seccomp filter (cal->null_syscall_ns, seccomp_filter_ns) */
int cal_bench_filter(struct calibration *cal, int cpu, char *err, size_t err_len);
/* a SECCOMP_RET_TRAP round trip through a SIGSYS handler */
int cal_bench_sigsys(int cpu, double *out, char *err, size_t err_len);
/* a SECCOMP_RET_USER_NOTIF round trip, the target on @cpu, its supervisor on @sup_cpu */
int cal_bench_notif(const char *name, int cpu, int sup_cpu, double *out, char *err, size_t err_len);
/* calibrate_switch.c: one context switch (pipe ping-pong on one CPU) */
int cal_bench_pingpong(int cpu, double *out, char *err, size_t err_len);
/* calibrate_tsc.c: cal->tsc_hz and where it came from */
void cal_tsc(struct calibration *cal);

/* ---- calibrate_self.c ---- */

/* CPUID.1:ECX[31]: a hypervisor says it is there (false off x86) */
bool cal_hypervisor_bit(void);

/* What calibrate_detect_self found, each piece of evidence apart. */
struct cal_self_evidence {
	bool hv_bit;		/* CPUID.1:ECX[31] */
	bool hv_flag;		/* /proc/cpuinfo flag "hypervisor" */
	bool kvm, xen, pvm;	/* a KVM / Xen signature, a PVM guest */
	const char *vendor;	/* the first signature's hypervisor, NULL: unknown */
	char first_sig[13];	/* the first hypervisor CPUID signature, "" none */
	char xen_guest_type[32];/* /sys/hypervisor/guest_type: PV, HVM, PVH; "" unknown */
};

/* The paradigm the evidence shows: "bare metal", "KVM guest", ... (pure). */
void cal_self_verdict(const struct cal_self_evidence *ev, char *buf, size_t len);

/* ---- calibrate_tracers.c ---- */

/* the tracepoints a syscall, a SIGSYS and a context switch cross */
#define CAL_WATCHED_TPS 5

struct cal_tracers {
	int links[CAL_WATCHED_TPS];	/* BPF links on each watched tracepoint */
	int tracing;			/* fentry/tp_btf links (their targets unnamed) */
};

/* count BPF links now (silent without privileges) */
void cal_tracers_count(struct cal_tracers *t);
/* the larger of two counts (tracers come and go during the run), as text; "" none */
void cal_tracers_describe(const struct cal_tracers *a, const struct cal_tracers *b, char *buf,
			  size_t len);

#endif
