// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Host calibration: see calibrate.h.
 *
 * Each benchmark runs in a forked "worker" process that the caller drives
 * over a SOCK_SEQPACKET socketpair: the worker pins itself (when asked),
 * runs its setup (installs a seccomp filter, forks a partner...), says it is
 * ready, then for each request "run N iterations" answers the elapsed
 * CLOCK_MONOTONIC time of its loop. The caller sizes N so that a repetition
 * takes about REP_NS, runs one warm-up and CALIBRATE_REPS repetitions and
 * keeps the median. Every wait has a deadline; a worker that dies or hangs
 * is killed and reported in one line. Workers die with their parent
 * (PR_SET_PDEATHSIG) and leave through _exit (no atexit handlers, no stdio,
 * no sanitizer leak check in a child).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#define CAL_X86 1
#endif

#include "host/calibrate.h"
#include "core/model.h"

#define NSEC_PER_SEC	1000000000.0
#define REP_NS		(120 * 1000 * 1000.0)	/* one repetition: ~0.12 s */
#define PROBE_NS	(3 * 1000 * 1000.0)	/* sizing probe: at least 3 ms */
#define MAX_ITERS	(1L << 28)
#define RUN_BUDGET_S	45.0			/* the whole run gives up after this */
#define CALL_TIMEOUT_S	10.0			/* one repetition (~0.12 s) gives up after this */
#define CAL_BUSY_PRESSURE 0.2			/* note a busy host above this PSI share */
#define TSC_REP_NS	(40 * 1000 * 1000L)	/* one TSC repetition: 40 ms */

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

/* ---- small helpers ---- */

static double now_ns(void)
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

static double median(const double *v, int n)
{
	double s[CALIBRATE_REPS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void set_err(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* keeps errno, so that "set_err(...); return -errno;" returns the cause */
static void set_err(char *err, size_t len, const char *fmt, ...)
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

/* "WHAT failed: strerror" in @buf; -errno */
static int sys_fail(char *buf, size_t len, const char *what)
{
	int e = errno;

	snprintf(buf, len, "%s failed: %s", what, strerror(e));
	return -e;
}

/* append to a fixed buffer, truncating quietly */
static void appendf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strnlen(buf, len);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static long raw_getppid(void)
{
	return syscall(SYS_getppid);
}

static long raw_getppid_arg(long a0)
{
	return syscall(SYS_getppid, a0);
}

/* ---- workers ---- */

struct wmsg {
	int status;		/* 0, or -errno */
	long n;			/* iterations run */
	double ns;		/* elapsed */
	char msg[112];		/* what failed, when status < 0 */
};

struct worker;
typedef int (*worker_setup_fn)(void *arg, char *msg, size_t len);	/* in the child */
typedef void (*worker_loop_fn)(void *arg, long n);			/* in the child */

struct worker {
	const char *name;	/* for messages: "seccomp filter" */
	pid_t pid;
	int fd;			/* our end of the socketpair */
};

/* the whole run's deadline, on CLOCK_MONOTONIC */
static double run_deadline_ns;

static void child_exit_msg(int fd, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void child_exit_msg(int fd, int status, const char *fmt, ...)
{
	struct wmsg m = { .status = status };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m.msg, sizeof(m.msg), fmt, ap);
	va_end(ap);
	if (send(fd, &m, sizeof(m), MSG_NOSIGNAL) < 0) {
		/* nobody to tell */
	}
	_exit(1);
}

static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static void worker_main(int fd, pid_t parent, int cpu, worker_setup_fn setup, worker_loop_fn loop,
			void *arg)
{
	struct wmsg m = {};
	char msg[sizeof(m.msg)] = "";
	int ret;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	if (cpu >= 0 && (ret = pin_self(cpu)))
		child_exit_msg(fd, ret, "sched_setaffinity(CPU %d) failed: %s", cpu, strerror(-ret));
	if (setup && (ret = setup(arg, msg, sizeof(msg))))
		child_exit_msg(fd, ret, "%s", msg);
	if (send(fd, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
		_exit(1);
	for (;;) {
		long n;
		double t0;
		ssize_t r = recv(fd, &n, sizeof(n), 0);

		if (r != sizeof(n))
			_exit(0);	/* the caller is done */
		t0 = now_ns();
		loop(arg, n);
		m.ns = now_ns() - t0;
		m.n = n;
		if (send(fd, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
			_exit(1);
	}
}

static void reap(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	*pid = 0;
}

static void worker_stop(struct worker *w)
{
	reap(&w->pid);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

/* why a worker went away, as text */
static void worker_death(struct worker *w, char *buf, size_t len)
{
	int st;
	pid_t r;

	/* it closed its end: give it a moment to be reaped */
	for (int i = 0; i < 100; i++) {
		r = waitpid(w->pid, &st, WNOHANG);
		if (r == w->pid)
			break;
		if (r < 0) {
			snprintf(buf, len, "it went away");
			return;
		}
		usleep(2000);
	}
	if (r != w->pid) {
		snprintf(buf, len, "it closed its socket");
		return;
	}
	w->pid = 0;
	if (WIFSIGNALED(st))
		snprintf(buf, len, "it was killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, len, "it exited with status %d", WEXITSTATUS(st));
}

/* receive one message before the run's deadline */
static int worker_recv(struct worker *w, struct wmsg *m, char *err, size_t err_len)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };
	char why[96];
	ssize_t r;

	double call_deadline = now_ns() + CALL_TIMEOUT_S * NSEC_PER_SEC;

	if (call_deadline > run_deadline_ns)
		call_deadline = run_deadline_ns;
	for (;;) {
		double left = call_deadline - now_ns();
		int ret;

		if (left <= 0) {
			set_err(err, err_len, "%s: no answer within %.0f s (machine overloaded, or the "
				"benchmark is stuck); the whole run may take %.0f s", w->name,
				CALL_TIMEOUT_S, RUN_BUDGET_S);
			return -ETIMEDOUT;
		}
		ret = poll(&p, 1, (int)(left / 1e6) + 1);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			set_err(err, err_len, "%s: poll failed: %s", w->name, strerror(errno));
			return -errno;
		}
		if (ret > 0)
			break;
	}
	r = recv(w->fd, m, sizeof(*m), 0);
	if (r == sizeof(*m))
		return 0;
	if (r < 0) {
		set_err(err, err_len, "%s: reading its result failed: %s", w->name, strerror(errno));
		return -errno;
	}
	worker_death(w, why, sizeof(why));
	set_err(err, err_len, "%s: the benchmark process stopped: %s", w->name, why);
	return -ECHILD;
}

static int worker_start(struct worker *w, const char *name, int cpu, worker_setup_fn setup,
			worker_loop_fn loop, void *arg, char *err, size_t err_len)
{
	pid_t parent = getpid();
	struct wmsg m;
	int sv[2], ret;

	w->name = name;
	w->pid = 0;
	w->fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		set_err(err, err_len, "%s: socketpair failed: %s", name, strerror(errno));
		return -errno;
	}
	fflush(NULL);
	w->pid = fork();
	if (w->pid < 0) {
		ret = -errno;
		set_err(err, err_len, "%s: fork failed: %s", name, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		w->pid = 0;
		return ret;
	}
	if (w->pid == 0) {
		close(sv[0]);
		worker_main(sv[1], parent, cpu, setup, loop, arg);
		_exit(0);
	}
	close(sv[1]);
	w->fd = sv[0];
	ret = worker_recv(w, &m, err, err_len);
	if (!ret && m.status) {
		ret = m.status;
		set_err(err, err_len, "%s: %s", name, m.msg);
	}
	if (ret)
		worker_stop(w);
	return ret;
}

/* one timed loop of @n iterations: elapsed ns in @ns */
static int worker_run(struct worker *w, long n, double *ns, char *err, size_t err_len)
{
	struct wmsg m;
	int ret;

	if (send(w->fd, &n, sizeof(n), MSG_NOSIGNAL) != sizeof(n)) {
		char why[96];

		ret = -errno;
		worker_death(w, why, sizeof(why));
		set_err(err, err_len, "%s: the benchmark process stopped: %s", w->name, why);
		return ret ? ret : -ECHILD;
	}
	ret = worker_recv(w, &m, err, err_len);
	if (ret)
		return ret;
	*ns = m.ns;
	return 0;
}

/* iterations for one repetition of about REP_NS */
static int worker_size(struct worker *w, long *iters, char *err, size_t err_len)
{
	double ns = 0, per;
	long n = 1;
	int ret;

	for (;;) {
		ret = worker_run(w, n, &ns, err, err_len);
		if (ret)
			return ret;
		if (ns >= PROBE_NS || n >= MAX_ITERS)
			break;
		n *= ns < PROBE_NS / 64 ? 16 : 4;
	}
	per = ns > 0 ? ns / n : 1;
	*iters = REP_NS / per;
	if (*iters < 1)
		*iters = 1;
	if (*iters > MAX_ITERS)
		*iters = MAX_ITERS;
	return 0;
}

/* median ns per iteration over CALIBRATE_REPS repetitions (after one warm-up) */
static int worker_median(struct worker *w, double *per_iter, char *err, size_t err_len)
{
	double v[CALIBRATE_REPS], ns;
	long n;
	int ret;

	ret = worker_size(w, &n, err, err_len);
	if (!ret)
		ret = worker_run(w, n, &ns, err, err_len);	/* warm-up */
	for (int i = 0; !ret && i < CALIBRATE_REPS; i++) {
		ret = worker_run(w, n, &ns, err, err_len);
		v[i] = ns / n;
	}
	if (!ret)
		*per_iter = median(v, CALIBRATE_REPS);
	return ret;
}

/* ---- seccomp ---- */

static int install_filter(struct sock_filter *insns, unsigned short len, unsigned int flags,
			  char *msg, size_t msg_len)
{
	struct sock_fprog prog = { .len = len, .filter = insns };
	long ret;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		return sys_fail(msg, msg_len, "prctl(PR_SET_NO_NEW_PRIVS)");
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
		return sys_fail(msg, len, "sigaction(SIGSYS)");
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

static int send_fd(int sock, int fd)
{
	char c = 'f';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u = {};
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u = {};
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
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
	if (cpu >= 0 && pin_self(cpu))
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
		return sys_fail(msg, len, "the first round trip to the supervisor");
	}
	return 0;
}

/* ---- context switch: pipe ping-pong on one CPU ---- */

struct pingpong {
	int to_partner[2], from_partner[2];
};

/* the partner: echo each byte back until EOF */
static void partner_main(struct pingpong *pp, pid_t parent, int cpu)
{
	char c;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent || pin_self(cpu))
		_exit(1);
	close(pp->to_partner[1]);
	close(pp->from_partner[0]);
	while (read(pp->to_partner[0], &c, 1) == 1)
		if (write(pp->from_partner[1], &c, 1) != 1)
			break;
	_exit(0);
}

static int setup_pingpong(void *arg, char *msg, size_t len)
{
	struct pingpong *pp = arg;

	(void)msg;
	(void)len;
	close(pp->to_partner[0]);
	close(pp->from_partner[1]);
	return 0;
}

static void loop_pingpong(void *arg, long n)
{
	struct pingpong *pp = arg;
	char c = 'x';

	for (long i = 0; i < n; i++) {
		if (write(pp->to_partner[1], &c, 1) != 1 || read(pp->from_partner[0], &c, 1) != 1)
			_exit(1);
	}
}

/* ---- TSC ---- */

#ifdef CAL_X86
static bool read_tsc_khz_sysfs(double *hz)
{
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/tsc_freq_khz", "re");
	unsigned long khz = 0;
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%lu", &khz) == 1 && khz > 0;
	fclose(f);
	if (ok)
		*hz = khz * 1e3;
	return ok;
}

/* a (CLOCK_MONOTONIC, TSC) pair read as close together as we can */
static void tsc_pair(double *mono, double *tsc)
{
	double best = 1e18;

	*mono = *tsc = 0;
	for (int i = 0; i < 16; i++) {
		double m0 = now_ns();
		unsigned long long t = __rdtsc();
		double m1 = now_ns();

		if (m1 - m0 < best) {
			best = m1 - m0;
			*mono = (m0 + m1) / 2;
			*tsc = (double)t;
		}
	}
}

static bool hypervisor_bit(void)
{
	unsigned int a, b, c, d;

	return __get_cpuid(1, &a, &b, &c, &d) && (c >> 31) & 1;
}
#endif

static void calibrate_tsc(struct calibration *cal)
{
	cal->tsc_hz = 0;
	cal->tsc_source = "none";
#ifdef CAL_X86
	unsigned int a, b, c, d;
	double v[CALIBRATE_REPS];

	if (read_tsc_khz_sysfs(&cal->tsc_hz)) {
		cal->tsc_source = "tsc_freq_khz";
		return;
	}
	/* Intel: TSC = crystal * EBX / EAX */
	if (__get_cpuid_max(0, NULL) >= 0x15) {
		__cpuid(0x15, a, b, c, d);
		if (a && b && c) {
			cal->tsc_hz = (double)c * b / a;
			cal->tsc_source = "CPUID leaf 0x15";
			return;
		}
	}
	/* the hypervisor timing leaf (VMware, some KVM VMMs): EAX = TSC kHz */
	if (hypervisor_bit()) {
		__cpuid(0x40000000, a, b, c, d);
		if (a >= 0x40000010) {
			__cpuid(0x40000010, a, b, c, d);
			if (a) {
				cal->tsc_hz = a * 1e3;
				cal->tsc_source = "CPUID leaf 0x40000010";
				return;
			}
		}
	}
	for (int i = 0; i < CALIBRATE_REPS; i++) {
		struct timespec ts = { 0, TSC_REP_NS };
		double m0, t0, m1, t1;

		tsc_pair(&m0, &t0);
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		tsc_pair(&m1, &t1);
		v[i] = m1 > m0 ? (t1 - t0) / (m1 - m0) * NSEC_PER_SEC : 0;
	}
	cal->tsc_hz = median(v, CALIBRATE_REPS);
	cal->tsc_source = "measured rdtsc vs CLOCK_MONOTONIC";
#endif
}

/* ---- where we run ---- */

static bool read_line(const char *path, char *buf, size_t len)
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

static bool cpuinfo_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[8192];
	size_t fl = strlen(flag);
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p;

		if (strncmp(line, "flags", 5))
			continue;
		for (p = strstr(line, flag); p; p = strstr(p + 1, flag))
			if (p[-1] == ' ' && (p[fl] == ' ' || p[fl] == '\n' || !p[fl])) {
				found = true;
				break;
			}
		break;	/* the first CPU's flags say it */
	}
	fclose(f);
	return found;
}

#ifdef CAL_X86
static const char *hv_vendor_name(const char *sig)
{
	static const struct { const char *sig, *name; } known[] = {
		{ "KVMKVMKVM", "KVM" },
		{ "XenVMMXenVMM", "Xen" },
		{ "Microsoft Hv", "Microsoft Hyper-V" },
		{ "VMwareVMware", "VMware" },
		{ "TCGTCGTCGTCG", "QEMU TCG" },
		{ "VBoxVBoxVBox", "VirtualBox" },
		{ " lrpepyh  vr", "Parallels" },
		{ "bhyve bhyve ", "bhyve" },
		{ "ACRNACRNACRN", "ACRN" },
		{ "Linux KVM Hv", "KVM (Hyper-V interface)" },
		{ "QNXQVMBSQG", "QNX hypervisor" },
		{ "EVMMEVMMEVMM", "Intel KGT" },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(sig, known[i].sig))
			return known[i].name;
	return NULL;
}

static void cpuid_signature(unsigned int leaf, unsigned int *max, char sig[13])
{
	unsigned int a, b, c, d;
	size_t j = 0;

	__cpuid(leaf, a, b, c, d);
	*max = a;
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	/* printable only, trailing NULs dropped */
	for (size_t i = 0; i < 12 && sig[i]; i++)
		sig[j++] = (sig[i] >= 0x20 && sig[i] < 0x7f) ? sig[i] : '?';
	sig[j] = 0;
}
#endif

void calibrate_detect_self(struct calibration *cal)
{
	char *ev = cal->self_evidence, xen_type[32] = "", guest_type[32] = "";
	size_t evl = sizeof(cal->self_evidence);
	const char *vendor = NULL;
	bool kvm = false, xen = false, pvm = false, hv_flag;

	ev[0] = 0;
	snprintf(cal->self_paradigm, sizeof(cal->self_paradigm), "bare metal");
#ifdef CAL_X86
	bool hv_bit = hypervisor_bit();
	char first_sig[13] = "";

	appendf(ev, evl, "CPUID.1:ECX[31]=%d", hv_bit);
	if (hv_bit) {
		/* hypervisors may stack interfaces: Hyper-V at 0x40000000, KVM or Xen at 0x40000100... */
		for (unsigned int base = 0x40000000; base < 0x40010000; base += 0x100) {
			unsigned int max;
			char sig[13];

			cpuid_signature(base, &max, sig);
			if (!sig[0] || max < base || max > base + 0xff)
				continue;
			if (!first_sig[0]) {
				snprintf(first_sig, sizeof(first_sig), "%s", sig);
				appendf(ev, evl, "; CPUID %#x \"%s\"", base, sig);
				vendor = hv_vendor_name(sig);
			} else {
				appendf(ev, evl, ", %#x \"%s\"", base, sig);
			}
			if (!strcmp(sig, "KVMKVMKVM") && !kvm) {
				unsigned int a, b, c, d;

				kvm = true;
				/* a PVM hypervisor that intercepts CPUID marks KVM's
				 * vendor-features leaf with "PVM" */
				if (max >= base + 2) {
					__cpuid(base + 2, a, b, c, d);
					if (b == 0x4d5650)
						pvm = true;
				}
			}
			if (!strcmp(sig, "XenVMMXenVMM"))
				xen = true;
		}
		if (!first_sig[0])
			appendf(ev, evl, "; no hypervisor CPUID signature");
	}
#endif
	if (read_line("/sys/hypervisor/type", xen_type, sizeof(xen_type))) {
		appendf(ev, evl, "; /sys/hypervisor/type %s", xen_type);
		if (!strcmp(xen_type, "xen")) {
			xen = true;
			if (read_line("/sys/hypervisor/guest_type", guest_type, sizeof(guest_type)))
				appendf(ev, evl, " (guest_type %s)", guest_type);
		}
	}
	hv_flag = cpuinfo_flag("hypervisor");
	if (hv_flag)
		appendf(ev, evl, "; cpuinfo flag hypervisor");
	/*
	 * A PVM guest runs in hardware ring 3 under a host that is itself a
	 * VM: a plain CPUID goes past the PVM hypervisor to the outer one (PVM
	 * guest kernels use a synthetic CPUID), so its user space sees that
	 * one's signature. The guest kernel's feature flag says it.
	 */
	if (cpuinfo_flag("kvm_pvm_guest")) {
		pvm = true;
		appendf(ev, evl, "; cpuinfo flag kvm_pvm_guest");
	}

	if (xen) {
		/* guest_type is PV, HVM or PVH; a PV guest without it has no Xen CPUID leaf */
		bool is_pv = guest_type[0] ? !strcmp(guest_type, "PV") : vendor == NULL;

		snprintf(cal->self_paradigm, sizeof(cal->self_paradigm), "%s",
			 is_pv ? "Xen PV guest" : "Xen HVM guest");
	} else if (pvm) {
		snprintf(cal->self_paradigm, sizeof(cal->self_paradigm), "PVM guest");
	} else if (kvm) {
		snprintf(cal->self_paradigm, sizeof(cal->self_paradigm), "KVM guest");
	} else if (vendor) {
		snprintf(cal->self_paradigm, sizeof(cal->self_paradigm), "hypervisor: %s", vendor);
#ifdef CAL_X86
	} else if (first_sig[0]) {
		snprintf(cal->self_paradigm, sizeof(cal->self_paradigm), "hypervisor: \"%s\"", first_sig);
	} else if (hv_bit || hv_flag) {
#else
	} else if (hv_flag) {
#endif
		snprintf(cal->self_paradigm, sizeof(cal->self_paradigm), "hypervisor: unknown");
	}
	/* this kernel can itself host VMs */
	if (!access("/sys/module/kvm_pvm", F_OK))
		appendf(ev, evl, "; kvm_pvm loaded: hosts PVM guests");
	else if (!access("/dev/kvm", F_OK))
		appendf(ev, evl, "; /dev/kvm present: hosts KVM guests");
}

/* ---- other tracers: BPF on the tracepoints our figures cross ---- */

/* the tracepoints a syscall, a SIGSYS and a context switch cross */
static const char *const watched_tp[] = { "sys_enter", "sys_exit", "sched_switch", "sched_wakeup",
					   "signal_generate" };
#define N_WATCHED (sizeof(watched_tp) / sizeof(watched_tp[0]))

/* bpf_link_info as the kernel lays it out (perf_event info is newer than some headers) */
struct cal_link_info {
	__u32 type, id, prog_id, pad;
	union {
		struct { __u64 tp_name; __u32 tp_name_len; } raw_tp;
		struct { __u32 type, pad; __u64 tp_name; __u32 name_len; } perf;
		__u8 space[64];
	};
};
#define CAL_PERF_EVENT_TRACEPOINT 5	/* enum bpf_perf_event_type */

static int link_info(int fd, struct cal_link_info *info)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (__u64)(uintptr_t)info;
	return syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)) ? -errno : 0;
}

/* count BPF links on the watched tracepoints, and fentry/tp_btf links (targets unnamed); silent without privileges */
static void count_bpf_links(int counts[N_WATCHED], int *tracing)
{
	union bpf_attr attr;
	__u32 id = 0;

	for (int guard = 0; guard < 65536; guard++) {
		struct cal_link_info info;
		char name[64] = "";
		int fd;

		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		if (syscall(SYS_bpf, BPF_LINK_GET_NEXT_ID, &attr, sizeof(attr)))
			break;
		id = attr.next_id;
		memset(&attr, 0, sizeof(attr));
		attr.link_id = id;
		fd = syscall(SYS_bpf, BPF_LINK_GET_FD_BY_ID, &attr, sizeof(attr));
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!link_info(fd, &info)) {
			__u32 type = info.type, ptype = info.perf.type;

			memset(&info, 0, sizeof(info));
			if (type == BPF_LINK_TYPE_RAW_TRACEPOINT) {
				info.raw_tp.tp_name = (__u64)(uintptr_t)name;
				info.raw_tp.tp_name_len = sizeof(name);
				if (link_info(fd, &info))
					name[0] = 0;
			} else if (type == BPF_LINK_TYPE_PERF_EVENT && ptype == CAL_PERF_EVENT_TRACEPOINT) {
				info.perf.tp_name = (__u64)(uintptr_t)name;
				info.perf.name_len = sizeof(name);
				if (link_info(fd, &info))
					name[0] = 0;
			} else if (type == BPF_LINK_TYPE_TRACING) {
				(*tracing)++;
			}
			name[sizeof(name) - 1] = 0;
			for (size_t i = 0; i < N_WATCHED; i++)
				if (!strcmp(name, watched_tp[i]))
					counts[i]++;
		}
		close(fd);
	}
}

/* the larger of two samples (tracers come and go during the run), as text */
static void describe_tracers(const int a[N_WATCHED], int ta, const int b[N_WATCHED], int tb, char *buf,
			     size_t len)
{
	char tf[16] = "";
	int t = ta > tb ? ta : tb;

	buf[0] = 0;
	for (size_t i = 0; i < N_WATCHED; i++) {
		int n = a[i] > b[i] ? a[i] : b[i];

		if (n)
			appendf(buf, len, "%s%s x%d", buf[0] ? ", " : "BPF on ", watched_tp[i], n);
	}
	if (t)
		appendf(buf, len, "%s%d fentry/tp_btf link%s", buf[0] ? "; " : "", t, t > 1 ? "s" : "");
	/* ftrace (trace-cmd, perf trace) on the syscall events */
	for (const char *const *path = (const char *const[]){
		     "/sys/kernel/tracing/events/raw_syscalls/enable",
		     "/sys/kernel/debug/tracing/events/raw_syscalls/enable", NULL };
	     *path; path++) {
		if (read_line(*path, tf, sizeof(tf))) {
			if (strcmp(tf, "0"))
				appendf(buf, len, "%sftrace raw_syscalls events on", buf[0] ? "; " : "");
			break;
		}
	}
}

/* ---- the run ---- */

/* cumulative µs during which some task waited for a CPU (PSI), or -1 */
static double cpu_pressure_us(void)
{
	char line[256];
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
 * null syscall and seccomp filter: two workers on one CPU, one plain, one
 * filtered, their repetitions interleaved; the filter's cost is the median of
 * the paired differences (each pair close in time, so they share any
 * interference). A difference lost in noise (<= 0) is measured again, twice
 * at most.
 */
static int bench_filter(struct calibration *cal, int cpu, char *err, size_t err_len)
{
	struct worker plain, filtered;
	double vp[CALIBRATE_REPS], vd[CALIBRATE_REPS], ns, nsf;
	long n = 0;
	int ret;

	ret = worker_start(&plain, "null syscall", cpu, NULL, loop_getppid, NULL, err, err_len);
	if (ret)
		return ret;
	ret = worker_start(&filtered, "seccomp filter", cpu, setup_filter, loop_getppid, NULL, err, err_len);
	if (ret) {
		worker_stop(&plain);
		return ret;
	}
	ret = worker_size(&filtered, &n, err, err_len);
	/* warm-up both */
	if (!ret)
		ret = worker_run(&plain, n, &ns, err, err_len);
	if (!ret)
		ret = worker_run(&filtered, n, &ns, err, err_len);
	for (int attempt = 0; !ret && attempt < 3; attempt++) {
		for (int i = 0; !ret && i < CALIBRATE_REPS; i++) {
			ret = worker_run(&plain, n, &ns, err, err_len);
			if (!ret)
				ret = worker_run(&filtered, n, &nsf, err, err_len);
			vp[i] = ns / n;
			vd[i] = (nsf - ns) / n;
		}
		if (ret)
			break;
		cal->null_syscall_ns = median(vp, CALIBRATE_REPS);
		cal->seccomp_filter_ns = median(vd, CALIBRATE_REPS);
		if (cal->seccomp_filter_ns > 0)
			break;
	}
	worker_stop(&plain);
	worker_stop(&filtered);
	return ret;
}

static int bench_one(const char *name, int cpu, worker_setup_fn setup, worker_loop_fn loop, void *arg,
		     double *out, char *err, size_t err_len)
{
	struct worker w;
	int ret;

	ret = worker_start(&w, name, cpu, setup, loop, arg, err, err_len);
	if (ret)
		return ret;
	ret = worker_median(&w, out, err, err_len);
	worker_stop(&w);
	return ret;
}

/*
 * The target (a worker) on @cpu, its supervisor on @sup_cpu: the same CPU
 * gives the mechanism's cost (two switches and the notification), two CPUs
 * add what cross-CPU wake-ups cost on this host.
 */
static int bench_notif(const char *name, int cpu, int sup_cpu, double *out, char *err, size_t err_len)
{
	struct notif_arg na;
	pid_t parent = getpid(), sup;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		set_err(err, err_len, "%s: socketpair failed: %s", name, strerror(errno));
		return -errno;
	}
	fflush(NULL);
	sup = fork();
	if (sup < 0) {
		ret = -errno;
		set_err(err, err_len, "%s: fork failed: %s", name, strerror(errno));
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
	ret = bench_one(name, cpu, setup_notif, loop_getppid, &na, out, err, err_len);
	close(sv[1]);
	reap(&sup);
	return ret;
}

/* a worker and its partner (both our children, so we reap both) on one CPU */
static int bench_pingpong(int cpu, double *out, char *err, size_t err_len)
{
	struct pingpong pp;
	pid_t parent = getpid(), partner;
	int ret;

	if (pipe2(pp.to_partner, O_CLOEXEC)) {
		set_err(err, err_len, "context switch: pipe failed: %s", strerror(errno));
		return -errno;
	}
	if (pipe2(pp.from_partner, O_CLOEXEC)) {
		ret = -errno;
		set_err(err, err_len, "context switch: pipe failed: %s", strerror(errno));
		close(pp.to_partner[0]);
		close(pp.to_partner[1]);
		return ret;
	}
	fflush(NULL);
	partner = fork();
	if (partner == 0)
		partner_main(&pp, parent, cpu);
	if (partner < 0) {
		ret = -errno;
		set_err(err, err_len, "context switch: fork failed: %s", strerror(errno));
	} else {
		ret = bench_one("context switch", cpu, setup_pingpong, loop_pingpong, &pp, out, err, err_len);
		*out /= 2;	/* a round trip is two switches */
	}
	close(pp.to_partner[0]);
	close(pp.to_partner[1]);
	close(pp.from_partner[0]);
	close(pp.from_partner[1]);
	reap(&partner);
	return ret;
}

int calibrate_run(struct calibration *cal, char *err, size_t err_len)
{
	double t0 = now_ns(), psi0, psi1, t1;
	int cpu, other, ret;

	int links0[N_WATCHED] = {}, links1[N_WATCHED] = {}, tracing0 = 0, tracing1 = 0;

	memset(cal, 0, sizeof(*cal));
	run_deadline_ns = t0 + RUN_BUDGET_S * NSEC_PER_SEC;
	count_bpf_links(links0, &tracing0);
	set_err(err, err_len, "calibration failed");
	calibrate_detect_self(cal);
	calibrate_tsc(cal);
	cpu = pick_cpus(&other);

	/* other tasks' demand for CPU, over a phase that makes none itself (one runnable worker) */
	psi0 = cpu_pressure_us();
	t1 = now_ns();
	ret = bench_filter(cal, cpu, err, err_len);
	psi1 = cpu_pressure_us();
	cal->cpu_pressure = psi0 >= 0 && psi1 >= psi0 && now_ns() > t1 ?
			    (psi1 - psi0) * 1e3 / (now_ns() - t1) : -1;	/* µs / ns */
	if (cal->cpu_pressure > 1)
		cal->cpu_pressure = 1;
	if (!ret)
		ret = bench_one("SIGSYS trap", cpu, setup_trap, loop_getppid, NULL, &cal->sigsys_trap_ns,
				err, err_len);
	if (!ret)
		ret = bench_notif("user-notify round trip", cpu, cpu, &cal->user_notif_ns, err, err_len);
	if (!ret && other >= 0)
		ret = bench_notif("user-notify round trip across CPUs", cpu, other, &cal->user_notif_xcpu_ns,
				  err, err_len);
	if (!ret)
		ret = bench_pingpong(cpu, &cal->context_switch_ns, err, err_len);
	cal->syscall_in_kernel_ns = 0;	/* needs BPF timestamps at sys_enter/sys_exit */
	count_bpf_links(links1, &tracing1);
	describe_tracers(links0, tracing0, links1, tracing1, cal->tracers, sizeof(cal->tracers));
	cal->elapsed_s = (now_ns() - t0) / NSEC_PER_SEC;
	if (!ret && err && err_len)
		err[0] = 0;
	return ret;
}

/* ---- the table ---- */

/* decimals for a ratio: 0.42, 3.1, 615 */
#define RATIO_PREC(x) ((x) < 1 ? 2 : (x) < 10 ? 1 : 0)

/* document's band [lo, hi] in ns (lo == hi: one value); lo < 0: none */
static void print_row(FILE *f, const char *figure, const char *doc, double lo, double hi, double meas,
		      const char *meas_text)
{
	char m[32], r[48];

	if (meas_text)
		snprintf(m, sizeof(m), "%s", meas_text);
	else
		snprintf(m, sizeof(m), "%.1f ns", meas);
	if (meas_text || lo <= 0 || meas <= 0)
		snprintf(r, sizeof(r), "-");
	else if (lo == hi)
		snprintf(r, sizeof(r), "%.*fx", RATIO_PREC(meas / lo), meas / lo);
	else
		snprintf(r, sizeof(r), "%.*f-%.*fx (%s)", RATIO_PREC(meas / hi), meas / hi,
			 RATIO_PREC(meas / lo), meas / lo,
			 meas < lo ? "below" : meas > hi ? "above" : "in band");
	fprintf(f, "  %-34s %-36s %-12s %s\n", figure, doc, m, r);
}

void calibrate_print(const struct calibration *cal, FILE *f)
{
	double ns_per_cycle = cal->tsc_hz > 0 ? NSEC_PER_SEC / cal->tsc_hz : 0;
	char doc[64];

	fprintf(f, "vflow host calibration: median of %d runs per figure, %.1f s in all\n",
		CALIBRATE_REPS, cal->elapsed_s);
	if (cal->tsc_hz > 0)
		fprintf(f, "TSC: %.3f MHz (%s)\n", cal->tsc_hz / 1e6, cal->tsc_source);
	else
		fprintf(f, "TSC: none (cycles are not converted)\n");
	fprintf(f, "  %-34s %-36s %-12s %s\n", "figure", "document", "measured", "ratio");
	print_row(f, "null syscall (getppid)", "-", -1, -1, cal->null_syscall_ns, NULL);
	print_row(f, "seccomp filter, per syscall", "L_bpf 10-50 ns (6.5)", 10, 50, cal->seccomp_filter_ns,
		  NULL);
	if (ns_per_cycle > 0) {
		snprintf(doc, sizeof(doc), "C_trap 10-50 cycles = %.1f-%.1f ns", 10 * ns_per_cycle,
			 50 * ns_per_cycle);
		print_row(f, "SIGSYS trap round trip", doc, 10 * ns_per_cycle, 50 * ns_per_cycle,
			  cal->sigsys_trap_ns, NULL);
	} else {
		print_row(f, "SIGSYS trap round trip", "C_trap 10-50 cycles", -1, -1, cal->sigsys_trap_ns, NULL);
	}
	print_row(f, "user-notify round trip (one CPU)", "- (beyond the BPF filter)", -1, -1,
		  cal->user_notif_ns, NULL);
	if (cal->user_notif_xcpu_ns > 0)
		print_row(f, "user-notify round trip (two CPUs)", "-", -1, -1, cal->user_notif_xcpu_ns, NULL);
	else
		print_row(f, "user-notify round trip (two CPUs)", "-", -1, -1, 0, "n/a: one CPU");
	if (ns_per_cycle > 0) {
		snprintf(doc, sizeof(doc), "C_schedule 500 cycles = %.1f ns", 500 * ns_per_cycle);
		print_row(f, "context switch (pipe, one CPU)", doc, 500 * ns_per_cycle, 500 * ns_per_cycle,
			  cal->context_switch_ns, NULL);
	} else {
		print_row(f, "context switch (pipe, one CPU)", "C_schedule 500 cycles", -1, -1,
			  cal->context_switch_ns, NULL);
	}
	if (cal->syscall_in_kernel_ns > 0)
		print_row(f, "syscall time in kernel", "-", -1, -1, cal->syscall_in_kernel_ns, NULL);
	else
		print_row(f, "syscall time in kernel", "-", -1, -1, 0, "not measured (needs BPF)");
	print_row(f, "VM exit round trip", "L_exit 1600-3100 ns", 1600, 3100, 0, "n/a here");
	print_row(f, "hypercall round trip", "L_hcall 250-850 ns", 250, 850, 0, "n/a here");
	fprintf(f, "runs in: %s (%s)\n", cal->self_paradigm, cal->self_evidence);
	if (cal->tracers[0])
		fprintf(f, "note: tracers were attached (%s): the syscall, trap and switch figures include "
			"their cost; calibrate with no tracer running\n", cal->tracers);
	if (cal->cpu_pressure > CAL_BUSY_PRESSURE)
		fprintf(f, "note: other tasks waited for a CPU %.0f%% of the run (PSI): the figures include "
			"their interference; calibrate on an idle host\n", cal->cpu_pressure * 100);
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
