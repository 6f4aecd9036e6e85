// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The seccomp micro-benchmarks: a null syscall with and without a filter
 * the kernel must run, a SECCOMP_RET_TRAP round trip through a SIGSYS
 * handler, and a SECCOMP_RET_USER_NOTIF round trip to a supervisor
 * process. Filters cannot be removed: each runs in its own worker.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include "host/calibrate_internal.h"

#if defined(__x86_64__)
#define CAL_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define CAL_AUDIT_ARCH AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define CAL_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif
/* the raw numbers, for headers older than the running kernel */
#ifndef SECCOMP_IOCTL_NOTIF_RECV
#define SECCOMP_IOCTL_NOTIF_RECV 0xC0502100UL
#define SECCOMP_IOCTL_NOTIF_SEND 0xC0182101UL
struct seccomp_notif {
	__u64 id;
	__u32 pid;
	__u32 flags;
	struct seccomp_data data;
};
struct seccomp_notif_resp {
	__u64 id;
	__s64 val;
	__s32 error;
	__u32 flags;
};
#endif

static long raw_getppid(void)
{
	return syscall(SYS_getppid);
}

static long raw_getppid_arg(long a0)
{
	return syscall(SYS_getppid, a0);
}

static int install_filter(struct sock_filter *insns, unsigned short len, unsigned int flags,
			  char *msg, size_t msg_len)
{
	struct sock_fprog prog = { .len = len, .filter = insns };
	long ret;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		return cal_sys_fail(msg, msg_len, "prctl(PR_SET_NO_NEW_PRIVS)");
	}
	ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
	if (ret < 0) {
		int e = errno;

		snprintf(msg, msg_len, "seccomp(SET_MODE_FILTER%s) failed: %s%s",
			 flags & SECCOMP_FILTER_FLAG_NEW_LISTENER ? ", NEW_LISTENER" : "", strerror(e),
			 e == ENOSYS || e == EINVAL ? ": the kernel needs CONFIG_SECCOMP_FILTER "
			 "(and 5.0+ for user notification)" :
			 e == EPERM || e == EACCES ? ": a seccomp filter or LSM around vflowd forbids it" : "");
		return -e;
	}
	return (int)ret;	/* the listener fd with NEW_LISTENER, else 0 */
}

/* null syscall: nothing to set up */
static void loop_getppid(void *arg, long n)
{
	(void)arg;
	for (long i = 0; i < n; i++)
		raw_getppid();
}

/* the filter: one rule the kernel must evaluate on every syscall (it reads args[0]) */
static int setup_filter(void *arg, char *msg, size_t len)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	int ret;

	(void)arg;
	ret = install_filter(f, sizeof(f) / sizeof(f[0]), 0, msg, len);
	return ret < 0 ? ret : 0;
}

/* getppid -> SECCOMP_RET_TRAP; everything else allowed */
#define TRAP_GETPPID_FILTER(action)							\
	{										\
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),	\
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CAL_AUDIT_ARCH, 0, 3),		\
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),	\
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),			\
		BPF_STMT(BPF_RET | BPF_K, (action)),					\
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),				\
	}

static volatile sig_atomic_t sigsys_count;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	sigsys_count++;
}

static int setup_trap(void *arg, char *msg, size_t len)
{
	struct sock_filter f[] = TRAP_GETPPID_FILTER(SECCOMP_RET_TRAP);
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	int ret;

	(void)arg;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL)) {
		return cal_sys_fail(msg, len, "sigaction(SIGSYS)");
	}
	ret = install_filter(f, sizeof(f) / sizeof(f[0]), 0, msg, len);
	if (ret < 0)
		return ret;
	sigsys_count = 0;
	raw_getppid();
	if (sigsys_count != 1) {
		snprintf(msg, len, "SECCOMP_RET_TRAP raised no SIGSYS");
		return -ENOTSUP;
	}
	return 0;
}

struct notif_arg {
	int sock;	/* the target's end of the socketpair to the supervisor */
};

/* One byte and room for one fd: what an SCM_RIGHTS message carries. */
struct fd_msg {
	char c;
	struct iovec iov;
	struct msghdr mh;
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;	/* last: clang sizes CMSG_SPACE at run time */
};

static void fd_msg_init(struct fd_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->c = 'f';
	m->iov = (struct iovec){ .iov_base = &m->c, .iov_len = 1 };
	m->mh = (struct msghdr){ .msg_iov = &m->iov, .msg_iovlen = 1, .msg_control = m->u.buf,
				 .msg_controllen = sizeof(m->u.buf) };
}

static int send_fd(int sock, int fd)
{
	struct fd_msg m;
	struct cmsghdr *cm;

	fd_msg_init(&m);
	cm = CMSG_FIRSTHDR(&m.mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m.mh, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	struct fd_msg m;
	struct cmsghdr *cm;
	int fd;

	fd_msg_init(&m);
	if (recvmsg(sock, &m.mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m.mh);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* The supervisor: receive the listener, answer every notification at once. */
static void supervisor_main(int sock, pid_t parent, int cpu)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	int fd;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	alarm((unsigned int)RUN_BUDGET_S + 10);	/* never outlive the run */
	if (cpu >= 0 && cal_pin_self(cpu))
		_exit(1);
	fd = recv_fd(sock);
	if (fd < 0)
		_exit(1);
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req)) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			_exit(1);
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.val = parent;
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) && errno != ENOENT)
			_exit(1);
	}
}

static int setup_notif(void *arg, char *msg, size_t len)
{
	struct sock_filter f[] = TRAP_GETPPID_FILTER(SECCOMP_RET_USER_NOTIF);
	struct notif_arg *na = arg;
	int fd, ret;

	fd = install_filter(f, sizeof(f) / sizeof(f[0]), SECCOMP_FILTER_FLAG_NEW_LISTENER, msg, len);
	if (fd < 0)
		return fd;
	ret = send_fd(na->sock, fd);
	if (ret) {
		snprintf(msg, len, "passing the listener to the supervisor failed: %s", strerror(-ret));
		return ret;
	}
	close(fd);
	close(na->sock);
	/* one round trip proves the supervisor answers (the caller's deadline bounds it) */
	if (raw_getppid_arg(0) < 0) {
		return cal_sys_fail(msg, len, "the first round trip to the supervisor");
	}
	return 0;
}

/*
 * null syscall and seccomp filter: two workers on one CPU, one plain, one
 * filtered, their repetitions interleaved; the filter's cost is the median of
 * the paired differences (each pair close in time, so they share any
 * interference). A difference lost in noise (<= 0) is measured again, twice
 * at most.
 */
int cal_bench_filter(struct calibration *cal, int cpu, char *err, size_t err_len)
{
	struct cal_worker plain, filtered;
	double vp[CALIBRATE_REPS], vd[CALIBRATE_REPS], ns = 0, nsf = 0;
	long n = 0;
	int ret;

	ret = cal_worker_start(&plain, "null syscall", cpu, NULL, loop_getppid, NULL, err, err_len);
	if (ret)
		return ret;
	ret = cal_worker_start(&filtered, "seccomp filter", cpu, setup_filter, loop_getppid, NULL, err, err_len);
	if (ret) {
		cal_worker_stop(&plain);
		return ret;
	}
	ret = cal_worker_size(&filtered, &n, err, err_len);
	/* warm-up both */
	if (!ret)
		ret = cal_worker_run(&plain, n, &ns, err, err_len);
	if (!ret)
		ret = cal_worker_run(&filtered, n, &ns, err, err_len);
	for (int attempt = 0; !ret && attempt < 3; attempt++) {
		for (int i = 0; !ret && i < CALIBRATE_REPS; i++) {
			ret = cal_worker_run(&plain, n, &ns, err, err_len);
			if (!ret)
				ret = cal_worker_run(&filtered, n, &nsf, err, err_len);
			vp[i] = ns / n;
			vd[i] = (nsf - ns) / n;
		}
		if (ret)
			break;
		cal->null_syscall_ns = cal_median(vp, CALIBRATE_REPS);
		cal->seccomp_filter_ns = cal_median(vd, CALIBRATE_REPS);
		if (cal->seccomp_filter_ns > 0)
			break;
	}
	cal_worker_stop(&plain);
	cal_worker_stop(&filtered);
	return ret;
}

int cal_bench_sigsys(int cpu, double *out, char *err, size_t err_len)
{
	return cal_bench_one("SIGSYS trap", cpu, setup_trap, loop_getppid, NULL, out, err, err_len);
}

/*
 * The target (a worker) on @cpu, its supervisor on @sup_cpu: the same CPU
 * gives the mechanism's cost (two switches and the notification), two CPUs
 * add what cross-CPU wake-ups cost on this host.
 */
int cal_bench_notif(const char *name, int cpu, int sup_cpu, double *out, char *err, size_t err_len)
{
	struct notif_arg na;
	pid_t parent = getpid(), sup;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		cal_set_err(err, err_len, "%s: socketpair failed: %s", name, strerror(errno));
		return -errno;
	}
	fflush(NULL);
	sup = fork();
	if (sup < 0) {
		ret = -errno;
		cal_set_err(err, err_len, "%s: fork failed: %s", name, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return ret;
	}
	if (sup == 0) {
		close(sv[1]);
		supervisor_main(sv[0], parent, sup_cpu);
		_exit(0);
	}
	close(sv[0]);
	na.sock = sv[1];
	ret = cal_bench_one(name, cpu, setup_notif, loop_getppid, &na, out, err, err_len);
	close(sv[1]);
	cal_reap(&sup);
	return ret;
}
