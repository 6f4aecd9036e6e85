// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * timed_syscalls MODE N MS: syscalls of a known duration, each timed by the
 * workload itself, to bound the syscall latency vflow reports:
 *
 *   nanosleep  N nanosleep() calls of MS ms each. Lower bound of a call: MS
 *              (an hrtimer never fires early, and it is armed after
 *              sys_enter); upper bound: the caller's clock around the call.
 *   pipe       N one-byte read()s of a pipe. A forked writer waits until
 *              /proc/<reader>/syscall shows the reader blocked in read(),
 *              then sleeps MS ms and writes one byte. Lower bound of a read:
 *              the writer's clock from seeing it blocked (so after its
 *              sys_enter) to just before its write (so before its sys_exit);
 *              upper bound: the reader's clock around the call.
 *
 * In the pipe mode the writer makes no read(): it polls with pread(), so
 * the cgroup's read() rows are the reader's N calls. Prints one line
 * "bounds MODE lower_calls ..." (tests/helpers/call_bounds.h); one error
 * line and status 1 on failure, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "call_bounds.h"

#define N_MAX		100000UL
#define MS_MAX		1000UL
static const char *mode;

#define fail(fmt, ...)	do {							\
		fprintf(stderr, "timed_syscalls %s: " fmt "\n", mode, ##__VA_ARGS__); \
		return 1;							\
	} while (0)

static struct timespec ms_to_ts(unsigned long ms)
{
	return (struct timespec){ .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * NSEC_PER_MSEC };
}

static int run_nanosleep(unsigned long n, unsigned long ms)
{
	struct timespec d = ms_to_ts(ms);
	struct call_bounds b = { 0 };

	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = mono_ns();

		/* syscall(2): glibc's nanosleep() would be clock_nanosleep */
		if (syscall(SYS_nanosleep, &d, NULL))
			fail("nanosleep: %s", strerror(errno));
		call_bounds_upper(&b, mono_ns() - t0);
		call_bounds_lower(&b, ms * NSEC_PER_MSEC);
	}
	call_bounds_print(mode, &b);
	return 0;
}

/* Writer: answer each of @n reads of @reader on @fd after @ms, timing it. */
static int pipe_writer(pid_t reader, int fd, unsigned long n, unsigned long ms,
		       struct call_bounds *b)
{
	struct timespec d = ms_to_ts(ms);
	char path[64];
	int proc_fd;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)reader);
	proc_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (proc_fd < 0)
		fail("writer: %s: %s", path, strerror(errno));
	for (unsigned long i = 0; i < n; i++) {
		uint64_t seen;

		if (wait_blocked_in(proc_fd, SYS_read))
			fail("writer: reader not blocked in read() at call %lu", i);
		seen = mono_ns();
		clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL);
		call_bounds_lower(b, mono_ns() - seen);
		if (write(fd, "x", 1) != 1)
			fail("writer: write: %s", strerror(errno));
	}
	close(proc_fd);
	return 0;
}

static int run_pipe(unsigned long n, unsigned long ms)
{
	struct call_bounds *b;
	int fds[2], status;
	pid_t pid;
	char c;

	/* shared: the writer fills the lower bounds, the reader the upper ones */
	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	if (pipe(fds))
		fail("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		_exit(pipe_writer(getppid(), fds[1], n, ms, b));
	}
	close(fds[1]);
	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = mono_ns();
		ssize_t got = read(fds[0], &c, 1);

		call_bounds_upper(b, mono_ns() - t0);
		if (got != 1) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			fail("read %lu: %s", i, got < 0 ? strerror(errno) : "writer gone");
		}
	}
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("writer failed (status 0x%x)", status);
	call_bounds_print(mode, b);
	munmap(b, sizeof(*b));
	return 0;
}

static int parse_ul(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || end == s || *end || s[0] == '-' || *out > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	unsigned long n, ms;

	if (argc != 4) {
		fprintf(stderr, "usage: timed_syscalls nanosleep|pipe N MS\n");
		return 2;
	}
	mode = argv[1];
	if (parse_ul(argv[2], N_MAX, &n) || parse_ul(argv[3], MS_MAX, &ms)) {
		fprintf(stderr, "timed_syscalls: N must be 0..%lu and MS 0..%lu\n", N_MAX, MS_MAX);
		return 2;
	}
	if (!strcmp(mode, "nanosleep"))
		return run_nanosleep(n, ms);
	if (!strcmp(mode, "pipe"))
		return run_pipe(n, ms);
	fprintf(stderr, "timed_syscalls: unknown mode '%s' (nanosleep or pipe)\n", mode);
	return 2;
}
