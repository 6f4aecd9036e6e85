// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
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
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "host/calibrate_internal.h"

#define REP_NS		(120 * 1000 * 1000.0)	/* one repetition: ~0.12 s */
#define PROBE_NS	(3 * 1000 * 1000.0)	/* sizing probe: at least 3 ms */
#define MAX_ITERS	(1L << 28)
#define CALL_TIMEOUT_S	10.0			/* one repetition (~0.12 s) gives up after this */

struct wmsg {
	int status;		/* 0, or -errno */
	long n;			/* iterations run */
	double ns;		/* elapsed */
	char msg[112];		/* what failed, when status < 0 */
};

/* the whole run's deadline, on CLOCK_MONOTONIC */
static double run_deadline_ns;

void cal_workers_deadline(double deadline_ns)
{
	run_deadline_ns = deadline_ns;
}

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

int cal_pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static void worker_main(int fd, pid_t parent, int cpu, cal_worker_setup_fn setup,
			cal_worker_loop_fn loop, void *arg)
{
	struct wmsg m = {};
	char msg[sizeof(m.msg)] = "";
	int ret;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(1);
	if (cpu >= 0 && (ret = cal_pin_self(cpu)))
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
		t0 = cal_now_ns();
		loop(arg, n);
		m.ns = cal_now_ns() - t0;
		m.n = n;
		if (send(fd, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
			_exit(1);
	}
}

void cal_reap(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	*pid = 0;
}

void cal_worker_stop(struct cal_worker *w)
{
	cal_reap(&w->pid);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

/* why a worker went away, as text */
static void worker_death(struct cal_worker *w, char *buf, size_t len)
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
static int worker_recv(struct cal_worker *w, struct wmsg *m, char *err, size_t err_len)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };
	char why[96];
	ssize_t r;

	double call_deadline = cal_now_ns() + CALL_TIMEOUT_S * NSEC_PER_SEC;

	if (call_deadline > run_deadline_ns)
		call_deadline = run_deadline_ns;
	for (;;) {
		double left = call_deadline - cal_now_ns();
		int ret;

		if (left <= 0) {
			cal_set_err(err, err_len, "%s: no answer within %.0f s (machine overloaded, or the "
				"benchmark is stuck); the whole run may take %.0f s", w->name,
				CALL_TIMEOUT_S, RUN_BUDGET_S);
			return -ETIMEDOUT;
		}
		ret = poll(&p, 1, (int)(left / 1e6) + 1);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			cal_set_err(err, err_len, "%s: poll failed: %s", w->name, strerror(errno));
			return -errno;
		}
		if (ret > 0)
			break;
	}
	r = recv(w->fd, m, sizeof(*m), 0);
	if (r == sizeof(*m))
		return 0;
	if (r < 0) {
		cal_set_err(err, err_len, "%s: reading its result failed: %s", w->name, strerror(errno));
		return -errno;
	}
	worker_death(w, why, sizeof(why));
	cal_set_err(err, err_len, "%s: the benchmark process stopped: %s", w->name, why);
	return -ECHILD;
}

int cal_worker_start(struct cal_worker *w, const char *name, int cpu, cal_worker_setup_fn setup,
		     cal_worker_loop_fn loop, void *arg, char *err, size_t err_len)
{
	pid_t parent = getpid();
	struct wmsg m = {};
	int sv[2], ret;

	w->name = name;
	w->pid = 0;
	w->fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		cal_set_err(err, err_len, "%s: socketpair failed: %s", name, strerror(errno));
		return -errno;
	}
	fflush(NULL);
	w->pid = fork();
	if (w->pid < 0) {
		ret = -errno;
		cal_set_err(err, err_len, "%s: fork failed: %s", name, strerror(errno));
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
		cal_set_err(err, err_len, "%s: %s", name, m.msg);
	}
	if (ret)
		cal_worker_stop(w);
	return ret;
}

int cal_worker_run(struct cal_worker *w, long n, double *ns, char *err, size_t err_len)
{
	struct wmsg m = {};
	int ret;

	if (send(w->fd, &n, sizeof(n), MSG_NOSIGNAL) != sizeof(n)) {
		char why[96];

		ret = -errno;
		worker_death(w, why, sizeof(why));
		cal_set_err(err, err_len, "%s: the benchmark process stopped: %s", w->name, why);
		return ret ? ret : -ECHILD;
	}
	ret = worker_recv(w, &m, err, err_len);
	if (ret)
		return ret;
	*ns = m.ns;
	return 0;
}

/* about REP_NS a repetition */
int cal_worker_size(struct cal_worker *w, long *iters, char *err, size_t err_len)
{
	double ns = 0, per;
	long n = 1;
	int ret;

	for (;;) {
		ret = cal_worker_run(w, n, &ns, err, err_len);
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

int cal_worker_median(struct cal_worker *w, double *per_iter, char *err, size_t err_len)
{
	double v[CALIBRATE_REPS], ns;
	long n;
	int ret;

	ret = cal_worker_size(w, &n, err, err_len);
	if (!ret)
		ret = cal_worker_run(w, n, &ns, err, err_len);	/* warm-up */
	for (int i = 0; !ret && i < CALIBRATE_REPS; i++) {
		ret = cal_worker_run(w, n, &ns, err, err_len);
		v[i] = ns / n;
	}
	if (!ret)
		*per_iter = cal_median(v, CALIBRATE_REPS);
	return ret;
}

int cal_bench_one(const char *name, int cpu, cal_worker_setup_fn setup, cal_worker_loop_fn loop,
		  void *arg, double *out, char *err, size_t err_len)
{
	struct cal_worker w;
	int ret;

	ret = cal_worker_start(&w, name, cpu, setup, loop, arg, err, err_len);
	if (ret)
		return ret;
	ret = cal_worker_median(&w, out, err, err_len);
	cal_worker_stop(&w);
	return ret;
}
