// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ptrace_stops N MS: a tracer that emulates its child's syscalls with
 * PTRACE_SYSEMU, as gVisor's ptrace platform does, and holds each stop MS ms.
 *
 * The child makes N getppid() calls, each skipped by PTRACE_SYSEMU and
 * answered by the tracer (with its own pid), then one getpid() at whose
 * stop the tracer answers and detaches; the child then exits untraced.
 * Each stop is timed on both sides (tests/helpers/call_bounds.h):
 *   stop  lower: the tracer's clock from after PTRACE_GETREGS returned to
 *         just before PTRACE_SYSEMU resumed the child. A ptrace request waits
 *         until the tracee is off its CPU (ptrace_check_attach() ->
 *         wait_task_inactive()), so after its sched_switch into the stop;
 *         the resume comes before its sys_exit.
 *         upper: the child's own clock around the call.
 * Prints "tracer <pid> tracee <pid> stops <N>" and the "bounds stop" line;
 * one error line and status 1 on failure, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include "call_bounds.h"

#if !defined(__x86_64__)
#error "ptrace_stops: PTRACE_SYSEMU with x86-64 registers only"
#endif

#define N_MAX		100000UL
#define MS_MAX		1000UL
#define EMULATED_NR	SYS_getppid
#define LAST_NR		SYS_getpid	/* the call at which the tracer lets go */
#define SYSCALL_STOP	(SIGTRAP | 0x80)	/* with PTRACE_O_TRACESYSGOOD */
#define TRACEE_FAILED	3

#define fail(fmt, ...)	do {							\
		fprintf(stderr, "ptrace_stops: " fmt "\n", ##__VA_ARGS__);	\
		return 1;							\
	} while (0)

static void tracee(unsigned long n, struct call_bounds *b)
{
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
		_exit(TRACEE_FAILED);
	/* kill(2), not raise(3): glibc's raise() makes more syscalls after the stop */
	syscall(SYS_kill, syscall(SYS_getpid), SIGSTOP);
	for (unsigned long i = 0; i < n; i++) {
		uint64_t t0 = mono_ns();

		syscall(EMULATED_NR);
		call_bounds_upper(b, mono_ns() - t0);
	}
	syscall(LAST_NR);
	_exit(0);
}

/* Wait for the next syscall-entry stop of @pid; its registers in @regs. */
static int next_stop(pid_t pid, struct user_regs_struct *regs)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SYSCALL_STOP)
		fail("tracee status 0x%x, not a syscall stop", status);
	if (ptrace(PTRACE_GETREGS, pid, NULL, regs))
		fail("PTRACE_GETREGS: %s", strerror(errno));
	return 0;
}

static int trace(pid_t pid, unsigned long n, unsigned long ms, struct call_bounds *b)
{
	struct timespec d = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * NSEC_PER_MSEC };
	struct user_regs_struct regs;
	int status;

	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	if (!WIFSTOPPED(status) || WSTOPSIG(status) != SIGSTOP)
		fail("tracee status 0x%x, not stopped by its SIGSTOP", status);
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD))
		fail("PTRACE_SETOPTIONS: %s", strerror(errno));
	if (ptrace(PTRACE_SYSEMU, pid, NULL, NULL))
		fail("PTRACE_SYSEMU: %s", strerror(errno));
	for (unsigned long i = 0; i < n; i++) {
		uint64_t seen, resuming;

		if (next_stop(pid, &regs))
			return 1;
		seen = mono_ns();
		if (regs.orig_rax != EMULATED_NR)
			fail("stop %lu: syscall %llu, expected %d", i, regs.orig_rax, EMULATED_NR);
		clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL);
		regs.rax = getpid();	/* the tracee's parent */
		if (ptrace(PTRACE_SETREGS, pid, NULL, &regs))
			fail("PTRACE_SETREGS: %s", strerror(errno));
		resuming = mono_ns();
		if (ptrace(PTRACE_SYSEMU, pid, NULL, NULL))
			fail("PTRACE_SYSEMU: %s", strerror(errno));
		call_bounds_lower(b, resuming - seen);
	}
	if (next_stop(pid, &regs))
		return 1;
	if (regs.orig_rax != LAST_NR)
		fail("last stop: syscall %llu, expected %d", regs.orig_rax, LAST_NR);
	regs.rax = pid;
	if (ptrace(PTRACE_SETREGS, pid, NULL, &regs) || ptrace(PTRACE_DETACH, pid, NULL, NULL))
		fail("letting go: %s", strerror(errno));
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("tracee status 0x%x after the tracer let go", status);
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
	struct call_bounds *b;
	unsigned long n, ms;
	pid_t pid;

	if (argc != 3) {
		fprintf(stderr, "usage: ptrace_stops N MS\n");
		return 2;
	}
	if (parse_ul(argv[1], N_MAX, &n) || parse_ul(argv[2], MS_MAX, &ms)) {
		fprintf(stderr, "ptrace_stops: N must be 0..%lu and MS 0..%lu\n", N_MAX, MS_MAX);
		return 2;
	}
	/* shared: the tracer fills the lower bounds, the tracee the upper ones */
	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0)
		tracee(n, b);
	if (trace(pid, n, ms, b)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 1;
	}
	printf("tracer %d tracee %d stops %lu\n", (int)getpid(), (int)pid, n);
	call_bounds_print("stop", b);
	munmap(b, sizeof(*b));
	return 0;
}
