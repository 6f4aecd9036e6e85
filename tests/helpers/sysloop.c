// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sysloop: a workload with a known syscall count.
 *   sysloop N [M [S]]  exactly N getppid(), M getpgid(0) and S nanosleep(1 ms)
 *                      calls (the sleeps block, so the thread switches out)
 *   sysloop -p N       N times the period (getppid, getppid, getppid, getpgid):
 *                      a periodic pattern, for sampling that must not alias
 *   sysloop -t N       N getppid() calls, then "ns_per_call <float>" (wall
 *                      time) and "cpu_ns_per_call <float>" (the process's
 *                      CPU time, which time spent waiting for the CPU on a
 *                      loaded machine does not inflate) on stdout
 * Calls go through syscall(2), so libc caching cannot elide any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static long parse_count(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	if (*end || n < 0) {
		fprintf(stderr, "sysloop: '%s' is not a count\n", s);
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	struct timespec a, b, ca, cb;
	int timed = argc > 1 && argv[1][0] == '-' && argv[1][1] == 't';
	int period = argc > 1 && argv[1][0] == '-' && argv[1][1] == 'p';
	struct timespec ms = { 0, 1000000 };
	long n, m, sleeps;

	if (argc < 2 + timed + period) {
		fprintf(stderr, "usage: sysloop [-t] N [M [S]] | sysloop -p N\n");
		return 2;
	}
	if (period) {
		n = parse_count(argv[2]);
		for (long i = 0; i < n; i++) {
			syscall(SYS_getppid);
			syscall(SYS_getppid);
			syscall(SYS_getppid);
			syscall(SYS_getpgid, 0);
		}
		return 0;
	}
	n = parse_count(argv[1 + timed]);
	m = argc > 2 + timed ? parse_count(argv[2 + timed]) : 0;
	sleeps = argc > 3 + timed ? parse_count(argv[3 + timed]) : 0;
	if (timed) {
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
		clock_gettime(CLOCK_MONOTONIC, &a);	/* vDSO: no syscall */
	}
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	if (timed) {
		clock_gettime(CLOCK_MONOTONIC, &b);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
		printf("ns_per_call %.2f\n",
		       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (n ? n : 1));
		printf("cpu_ns_per_call %.2f\n",
		       ((cb.tv_sec - ca.tv_sec) * 1e9 + (cb.tv_nsec - ca.tv_nsec)) / (n ? n : 1));
	}
	for (long i = 0; i < m; i++)
		syscall(SYS_getpgid, 0);
	for (long i = 0; i < sleeps; i++)
		syscall(SYS_nanosleep, &ms, NULL);
	return 0;
}
