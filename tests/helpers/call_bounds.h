/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Bounds on the latencies vflow reports, from clocks outside vflow.
 *
 * For each call of a workload the helper knows two durations read on
 * CLOCK_MONOTONIC (bpf_ktime_get_ns() reads the same clock): a lower bound,
 * an interval known to lie inside what vflow times (the delay that was
 * asked, or a delay timed by the other party after it saw the thread
 * blocked), and an upper bound, an interval known to contain it (the
 * thread's own clock read before and after the call). The tests compare
 * vflow's total, count and histogram against the sums, the smallest lower
 * and the largest upper bound. Static, vDSO clock reads: no syscalls.
 */
#ifndef CALL_BOUNDS_H
#define CALL_BOUNDS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_MSEC	1000000ULL
/* between two looks at another task's state: short against a call of milliseconds */
#define BLOCKED_POLL_NS		20000L
/* a task that is not blocked in the expected syscall for this long is stuck */
#define BLOCKED_TIMEOUT_NS	(10 * NSEC_PER_SEC)
#define PROC_SYSCALL_LEN	256

/* Each side is kept apart: in the notify workload two processes fill them. */
struct call_bounds {
	unsigned long lower_calls, upper_calls;
	uint64_t lower_total_ns, upper_total_ns;
	uint64_t lower_min_ns, upper_max_ns;
};

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* vDSO: not a syscall */
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static inline void call_bounds_lower(struct call_bounds *b, uint64_t ns)
{
	if (!b->lower_calls++ || ns < b->lower_min_ns)
		b->lower_min_ns = ns;
	b->lower_total_ns += ns;
}

static inline void call_bounds_upper(struct call_bounds *b, uint64_t ns)
{
	if (ns > b->upper_max_ns)
		b->upper_max_ns = ns;
	b->upper_total_ns += ns;
	b->upper_calls++;
}

/* One line the tests parse: "bounds NAME lower_calls N upper_calls N lower_total_ns ..." */
static inline void call_bounds_print(const char *name, const struct call_bounds *b)
{
	printf("bounds %s lower_calls %lu upper_calls %lu lower_total_ns %llu upper_total_ns %llu "
	       "lower_min_ns %llu upper_max_ns %llu\n", name, b->lower_calls, b->upper_calls,
	       (unsigned long long)b->lower_total_ns, (unsigned long long)b->upper_total_ns,
	       (unsigned long long)b->lower_min_ns, (unsigned long long)b->upper_max_ns);
}

/* The syscall /proc/<pid>/syscall (open as @proc_fd) shows blocked, -1 while it runs. */
static inline long proc_blocked_in(int proc_fd)
{
	char buf[PROC_SYSCALL_LEN];
	ssize_t len = pread(proc_fd, buf, sizeof(buf) - 1, 0);	/* pread: no read() row */
	char *end;
	long nr;

	if (len <= 0)
		return -1;
	buf[len] = '\0';
	nr = strtol(buf, &end, 10);	/* "running" parses as nothing */
	return end == buf ? -1 : nr;
}

/*
 * Wait until the task of @proc_fd is blocked in syscall @nr; 0, or -1 after
 * BLOCKED_TIMEOUT_NS. The kernel shows a syscall there only once the task is
 * off its CPU (wait_task_inactive()): its sched_switch has happened, so a
 * clock read after this returns is later than any timestamp vflow took on
 * the way into the wait.
 */
static inline int wait_blocked_in(int proc_fd, long nr)
{
	struct timespec gap = { .tv_nsec = BLOCKED_POLL_NS };
	uint64_t start = mono_ns();

	while (proc_blocked_in(proc_fd) != nr) {
		if (mono_ns() - start > BLOCKED_TIMEOUT_NS)
			return -1;
		clock_nanosleep(CLOCK_MONOTONIC, 0, &gap, NULL);
	}
	return 0;
}

#endif /* CALL_BOUNDS_H */
