// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * seccomp_actions MODE N: a workload whose seccomp traps are known exactly,
 * for the tests of vflow's seccomp accounting. getpgid is the trapped call:
 *
 *   errno            SECCOMP_RET_ERRNO|EPERM, N calls, each fails with EPERM
 *   trap             SECCOMP_RET_TRAP, N calls, N SIGSYS to a counting handler
 *   kill             N children each killed by SECCOMP_RET_KILL_PROCESS on
 *                    their one call; then N getppid calls in the parent
 *   notify           SECCOMP_RET_USER_NOTIF: a forked target makes N calls,
 *                    the parent supervises and answers 4242 to each
 *   notify-continue  the same, answering SECCOMP_USER_NOTIF_FLAG_CONTINUE so
 *                    the real getpgid runs
 *
 * The supervisor waits until /proc shows the target blocked in the call,
 * then VFLOW_NOTIFY_DELAY_MS (default 2) before each answer. Both sides time
 * each notification (tests/helpers/call_bounds.h):
 *   round_trip  lower: the supervisor's clock from seeing the target blocked
 *               to just before NOTIF_SEND; upper: the target's own clock
 *               around the call
 *   handling    lower: the supervisor's clock from after NOTIF_RECV returned
 *               to just before NOTIF_SEND; upper: from after poll() said a
 *               notification was waiting to after NOTIF_SEND returned
 * Prints "<mode> ok <N>" on success (notify modes first print
 * "supervisor <pid> target <pid> notifications <N>" and the two "bounds"
 * lines), one error line and exit status 1 on failure, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "call_bounds.h"

#if defined(__x86_64__)
#define AUDIT_ARCH_NATIVE	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_NATIVE	AUDIT_ARCH_AARCH64
#else
#error "seccomp_actions: unsupported architecture"
#endif

#define TRAPPED_NR		SYS_getpgid
#define SI_CODE_SYS_SECCOMP	1	/* si_code of a SECCOMP_RET_TRAP SIGSYS */
#define NOTIFY_REPLY_VAL	4242
#define DELAY_ENV		"VFLOW_NOTIFY_DELAY_MS"
#define DELAY_MS_DEFAULT	2
#define DELAY_MS_MAX		10000
#define N_MAX			10000000UL
#define POLL_TIMEOUT_MS		10000	/* a target that makes no call for this long is stuck */
#define MSEC_PER_SEC		1000L

static const char *mode;

/* Filled by both processes of the notify modes (shared memory). */
struct notify_bounds {
	struct call_bounds round_trip;	/* the target's wait for its answer */
	struct call_bounds handling;	/* the supervisor's, NOTIF_RECV to NOTIF_SEND */
};

#define fail(fmt, ...)	do {							\
		fprintf(stderr, "seccomp_actions %s: " fmt "\n", mode, ##__VA_ARGS__); \
		return 1;							\
	} while (0)

/* Install a filter: @action for TRAPPED_NR, allow the rest; seccomp()'s result. */
static int install_filter(__u32 action, unsigned int flags)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_NATIVE, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TRAPPED_NR, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static int run_errno(unsigned long n)
{
	if (install_filter(SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA), 0))
		fail("seccomp: %s", strerror(errno));
	for (unsigned long i = 0; i < n; i++) {
		errno = 0;
		if (syscall(TRAPPED_NR, 0) != -1 || errno != EPERM)
			fail("call %lu: expected EPERM, got errno %d", i, errno);
	}
	return 0;
}

static volatile sig_atomic_t traps, bad_traps;

static void on_sigsys(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	if (sig != SIGSYS || si->si_code != SI_CODE_SYS_SECCOMP || si->si_syscall != TRAPPED_NR)
		bad_traps++;
	traps++;
}

static int run_trap(unsigned long n)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		fail("sigaction: %s", strerror(errno));
	if (install_filter(SECCOMP_RET_TRAP, 0))
		fail("seccomp: %s", strerror(errno));
	for (unsigned long i = 0; i < n; i++)
		syscall(TRAPPED_NR, 0);
	if (bad_traps)
		fail("%d SIGSYS with the wrong si_code or si_syscall", (int)bad_traps);
	if ((unsigned long)traps != n)
		fail("%lu SIGSYS for %lu calls", (unsigned long)traps, n);
	return 0;
}

static int run_kill(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			fail("fork: %s", strerror(errno));
		if (pid == 0) {
			/* no core file: core_pattern may write one into the cwd */
			prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
			if (install_filter(SECCOMP_RET_KILL_PROCESS, 0))
				_exit(2);
			syscall(TRAPPED_NR, 0);
			_exit(3);	/* survived */
		}
		if (waitpid(pid, &status, 0) != pid)
			fail("waitpid: %s", strerror(errno));
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
			fail("child %d: status 0x%x, not killed by SIGSYS", (int)pid, status);
	}
	for (unsigned long i = 0; i < n; i++)
		if (syscall(SYS_getppid) <= 0)
			fail("getppid: %s", strerror(errno));
	return 0;
}

/* One fd in an SCM_RIGHTS message, over a one-byte payload. */
union fd_cmsg {
	struct cmsghdr hdr;
	char buf[CMSG_SPACE(sizeof(int))];
};

#define FD_MSGHDR(iov, ctl)	((struct msghdr){ .msg_iov = &(iov), .msg_iovlen = 1,	\
				  .msg_control = (ctl).buf, .msg_controllen = sizeof((ctl).buf) })

/* Target: install the filter, hand the listener over @sock, make @n calls. */
static int notify_target(int sock, unsigned long n, int cont, struct call_bounds *round_trip)
{
	long pgid = syscall(SYS_getpgrp);	/* getpgrp: not the trapped call */
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union fd_cmsg ctl;
	struct msghdr msg = FD_MSGHDR(iov, ctl);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int fd = install_filter(SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER);

	if (fd < 0)
		fail("target: seccomp: %s", strerror(errno));
	memset(&ctl, 0, sizeof(ctl));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		fail("target: sendmsg: %s", strerror(errno));
	close(fd);
	close(sock);
	for (unsigned long i = 0; i < n; i++) {
		long want = cont ? pgid : NOTIFY_REPLY_VAL;
		uint64_t t0 = mono_ns();
		long got = syscall(TRAPPED_NR, 0);

		call_bounds_upper(round_trip, mono_ns() - t0);
		if (got != want)
			fail("target: call %lu returned %ld (errno %d), expected %ld", i, got,
			     got < 0 ? errno : 0, want);
	}
	return 0;
}

static int recv_fd(int sock)
{
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	union fd_cmsg ctl;
	struct msghdr msg = FD_MSGHDR(iov, ctl);
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int))) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static long notify_delay_ms(void)
{
	const char *s = getenv(DELAY_ENV);
	char *end;
	long ms;

	if (!s || !*s)
		return DELAY_MS_DEFAULT;
	errno = 0;
	ms = strtol(s, &end, 10);
	if (errno || *end || ms < 0 || ms > DELAY_MS_MAX)
		return -1;
	return ms;
}

/* Answer notification @i from @target on listener @fd after @delay, timing it. */
static int answer(int fd, int proc_fd, pid_t target, unsigned long i, int cont,
		  const struct timespec *delay, struct notify_bounds *nb)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	uint64_t polled, received, seen, sending;
	int r = poll(&pfd, 1, POLL_TIMEOUT_MS);

	polled = mono_ns();
	if (r <= 0 || !(pfd.revents & POLLIN))
		fail("notification %lu: target gone or stuck (poll %d, revents 0x%x)", i, r,
		     r > 0 ? pfd.revents : 0);
	memset(&req, 0, sizeof(req));
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req))
		fail("NOTIF_RECV: %s", strerror(errno));
	received = mono_ns();
	if (req.pid != (__u32)target || req.data.nr != TRAPPED_NR)
		fail("notification from pid %u for syscall %d", req.pid, req.data.nr);
	if (wait_blocked_in(proc_fd, TRAPPED_NR))
		fail("notification %lu: target not blocked in its call", i);
	seen = mono_ns();
	nanosleep(delay, NULL);
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	if (cont)
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	else
		resp.val = NOTIFY_REPLY_VAL;
	sending = mono_ns();
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp))
		fail("NOTIF_SEND: %s", strerror(errno));
	call_bounds_upper(&nb->handling, mono_ns() - polled);
	call_bounds_lower(&nb->handling, sending - received);
	call_bounds_lower(&nb->round_trip, sending - seen);
	return 0;
}

/* Supervisor: answer @n notifications from @target on listener @fd. */
static int supervise(int fd, pid_t target, unsigned long n, int cont, long delay_ms,
		     struct notify_bounds *nb)
{
	struct timespec delay = {
		.tv_sec = delay_ms / MSEC_PER_SEC,
		.tv_nsec = delay_ms % MSEC_PER_SEC * NSEC_PER_MSEC,
	};
	char path[64];
	int proc_fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)target);
	proc_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (proc_fd < 0)
		fail("%s: %s", path, strerror(errno));
	for (unsigned long i = 0; i < n && !err; i++)
		err = answer(fd, proc_fd, target, i, cont, &delay, nb);
	close(proc_fd);
	return err;
}

static int run_notify(unsigned long n, int cont)
{
	long delay_ms = notify_delay_ms();
	struct notify_bounds *nb;
	int sv[2], fd, err, status;
	pid_t pid;

	if (delay_ms < 0)
		fail("%s must be 0..%d ms", DELAY_ENV, DELAY_MS_MAX);
	nb = mmap(NULL, sizeof(*nb), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (nb == MAP_FAILED)
		fail("mmap: %s", strerror(errno));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fail("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		close(sv[0]);
		_exit(notify_target(sv[1], n, cont, &nb->round_trip));
	}
	close(sv[1]);
	fd = recv_fd(sv[0]);
	close(sv[0]);
	err = fd < 0 ? 1 : supervise(fd, pid, n, cont, delay_ms, nb);
	if (fd < 0)
		fprintf(stderr, "seccomp_actions %s: no listener from the target: %s\n", mode,
			strerror(errno));
	else
		close(fd);
	if (waitpid(pid, &status, 0) != pid)
		fail("waitpid: %s", strerror(errno));
	if (err)
		return 1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("target %d failed (status 0x%x)", (int)pid, status);
	printf("supervisor %d target %d notifications %lu\n", (int)getpid(), (int)pid, n);
	call_bounds_print("round_trip", &nb->round_trip);
	call_bounds_print("handling", &nb->handling);
	munmap(nb, sizeof(*nb));
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long n;
	char *end;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: seccomp_actions errno|trap|kill|notify|notify-continue N\n");
		return 2;
	}
	mode = argv[1];
	errno = 0;
	n = strtoul(argv[2], &end, 10);
	if (errno || end == argv[2] || *end || argv[2][0] == '-' || n > N_MAX) {
		fprintf(stderr, "seccomp_actions: bad count '%s' (0..%lu)\n", argv[2], N_MAX);
		return 2;
	}
	if (!strcmp(mode, "errno")) {
		err = run_errno(n);
	} else if (!strcmp(mode, "trap")) {
		err = run_trap(n);
	} else if (!strcmp(mode, "kill")) {
		err = run_kill(n);
	} else if (!strcmp(mode, "notify")) {
		err = run_notify(n, 0);
	} else if (!strcmp(mode, "notify-continue")) {
		err = run_notify(n, 1);
	} else {
		fprintf(stderr, "seccomp_actions: unknown mode '%s'\n", mode);
		return 2;
	}
	if (err)
		return 1;
	printf("%s ok %lu\n", mode, n);
	return 0;
}
