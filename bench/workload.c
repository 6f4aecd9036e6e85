// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * workload MODE N: a realistic syscall mix with a known count, timed.
 *   pipe N    N round trips of 64 bytes between this process and a forked
 *             child over two pipes: write, the child's read and write back,
 *             read (4 syscalls and, on one CPU, 2 context switches per op)
 *   file N    N times open, fstat, read 64 bytes, close of a 64-byte file
 *             (4 syscalls per op; the file lives in $TMPDIR or /tmp)
 *   signal N  N times kill(getpid(), SIGUSR1) caught by a handler
 *             (kill and rt_sigreturn per op; signal_generate fires)
 *   fork N    N times fork, the child _exits, waitpid (sched_wakeup_new)
 * Prints "ns_per_op <float>" on stdout (wall time of the N ops / N, like
 * sysloop -t) and "cpu_ns_per_op <float>" (the CPU time of the processes
 * doing them / N: the pipe child's and the fork children's included; time
 * spent waiting for the CPU on a loaded machine does not count). Pin it
 * with taskset: the pipe child inherits the CPU mask.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define MSG 64

static volatile sig_atomic_t caught;

static void on_usr1(int sig)
{
	(void)sig;
	caught++;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* vDSO: no syscall */
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* CPU time of this process (all threads), ns */
static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* CPU time of the children waited for, ns (the kernel sums their exact run time) */
static double children_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_CHILDREN, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
}

/* CPU time of the ops, ns: set by each run_*() */
static double ops_cpu_ns;

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int xfer(int fd, char *buf, int write_it)
{
	ssize_t n = write_it ? write(fd, buf, MSG) : read(fd, buf, MSG);

	return n == MSG ? 0 : -1;
}

static double run_pipe(long n)
{
	int to_child[2], to_parent[2], status;
	char buf[MSG];
	double t0, t1, c0, child_cpu;
	pid_t pid;

	memset(buf, 'x', sizeof(buf));
	if (pipe(to_child) || pipe(to_parent))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		double c0 = 0, c1;

		close(to_child[1]);
		close(to_parent[0]);
		/* one warm-up round trip, then n timed ones */
		for (long i = 0; i <= n; i++) {
			if (xfer(to_child[0], buf, 0) || xfer(to_parent[1], buf, 1))
				_exit(1);
			if (!i)
				c0 = cpu_ns();
		}
		/* the child's CPU time for the n ops, back to the parent */
		c1 = cpu_ns() - c0;
		_exit(write(to_parent[1], &c1, sizeof(c1)) == sizeof(c1) ? 0 : 1);
	}
	close(to_child[0]);
	close(to_parent[1]);
	if (xfer(to_child[1], buf, 1) || xfer(to_parent[0], buf, 0))
		die("pipe warm-up");
	c0 = cpu_ns();
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (xfer(to_child[1], buf, 1) || xfer(to_parent[0], buf, 0))
			die("pipe round trip");
	t1 = now_ns();
	ops_cpu_ns = cpu_ns() - c0;
	close(to_child[1]);
	if (read(to_parent[0], &child_cpu, sizeof(child_cpu)) != sizeof(child_cpu))
		die("pipe child's CPU time");
	close(to_parent[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		die("pipe child");
	ops_cpu_ns += child_cpu;
	return t1 - t0;
}

static double run_file(long n)
{
	const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char path[4096], buf[MSG];
	struct stat st;
	double t0, t1;
	int fd;

	snprintf(path, sizeof(path), "%s/vflow-workload.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp");
	memset(buf, 'x', sizeof(buf));
	if (write(fd, buf, MSG) != MSG)
		die("write");
	close(fd);
	ops_cpu_ns = cpu_ns();
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) || read(fd, buf, MSG) != MSG)
			die("open/fstat/read");
		close(fd);
	}
	t1 = now_ns();
	ops_cpu_ns = cpu_ns() - ops_cpu_ns;
	unlink(path);
	return t1 - t0;
}

static double run_signal(long n)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	pid_t self = getpid();
	double t0, t1;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		die("sigaction");
	ops_cpu_ns = cpu_ns();
	t0 = now_ns();
	for (long i = 0; i < n; i++)
		kill(self, SIGUSR1);
	t1 = now_ns();
	ops_cpu_ns = cpu_ns() - ops_cpu_ns;
	if (caught != n) {
		fprintf(stderr, "workload: %ld signals sent, %d caught\n", n, (int)caught);
		exit(1);
	}
	return t1 - t0;
}

static double run_fork(long n)
{
	double t0, t1;
	int status;
	pid_t pid;

	ops_cpu_ns = cpu_ns() + children_cpu_ns();
	t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid)
			die("waitpid");
	}
	t1 = now_ns();
	ops_cpu_ns = cpu_ns() + children_cpu_ns() - ops_cpu_ns;
	return t1 - t0;
}

int main(int argc, char **argv)
{
	double ns;
	char *end;
	long n;

	if (argc != 3) {
		fprintf(stderr, "usage: workload pipe|file|signal|fork N\n");
		return 2;
	}
	n = strtol(argv[2], &end, 10);
	if (*end || n <= 0) {
		fprintf(stderr, "workload: '%s' is not a count\n", argv[2]);
		return 2;
	}
	if (!strcmp(argv[1], "pipe"))
		ns = run_pipe(n);
	else if (!strcmp(argv[1], "file"))
		ns = run_file(n);
	else if (!strcmp(argv[1], "signal"))
		ns = run_signal(n);
	else if (!strcmp(argv[1], "fork"))
		ns = run_fork(n);
	else {
		fprintf(stderr, "workload: unknown mode '%s'\n", argv[1]);
		return 2;
	}
	printf("ns_per_op %.2f\n", ns / n);
	printf("cpu_ns_per_op %.2f\n", ops_cpu_ns / n);
	return 0;
}
