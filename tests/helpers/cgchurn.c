// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgchurn CGROOT PREFIX N CALLS keep|remove MAXSECS [RATE]
 *
 * For i in 0..N-1: create CGROOT/PREFIX<i>, fork a child that moves itself
 * into it and makes CALLS getppid() calls, wait for it; with "remove", rmdir
 * the cgroup again at once (short-lived cgroups). Stops early after MAXSECS.
 * Prints "cgroups <created> removed <n> secs <s>". With "keep" the caller
 * removes the cgroups (bench/suite.sh does, in its EXIT trap). RATE: at most
 * that many cgroups per second (default: as fast as it goes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n, calls, created = 0, removed = 0;
	double maxsecs, t0 = now();
	int rm;
	char path[4096];

	double rate = argc == 8 ? atof(argv[7]) : 0;

	if (argc != 7 && argc != 8) {
		fprintf(stderr, "usage: cgchurn CGROOT PREFIX N CALLS keep|remove MAXSECS [RATE]\n");
		return 2;
	}
	n = atol(argv[3]);
	calls = atol(argv[4]);
	rm = !strcmp(argv[5], "remove");
	maxsecs = atof(argv[6]);
	for (long i = 0; i < n && now() - t0 < maxsecs; i++) {
		pid_t pid;
		int st;

		while (rate > 0 && now() - t0 < i / rate)
			usleep(1000);
		snprintf(path, sizeof(path), "%s/%s%ld", argv[1], argv[2], i);
		if (mkdir(path, 0755) && errno != EEXIST) {
			fprintf(stderr, "cgchurn: mkdir %s: %s\n", path, strerror(errno));
			return 1;
		}
		created++;
		pid = fork();
		if (pid < 0) {
			perror("cgchurn: fork");
			return 1;
		}
		if (pid == 0) {
			char procs[4200];
			int fd;

			snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
			fd = open(procs, O_WRONLY);
			if (fd < 0 || write(fd, "0", 1) != 1)
				_exit(3);
			close(fd);
			for (long k = 0; k < calls; k++)
				syscall(SYS_getppid);
			_exit(0);
		}
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "cgchurn: child in %s failed\n", path);
			rmdir(path);
			return 1;
		}
		if (rm) {
			/* the exited child may linger in the cgroup for a moment */
			for (int k = 0; k < 100 && rmdir(path) && errno == EBUSY; k++)
				usleep(1000);
			removed += access(path, F_OK) != 0;
		}
	}
	printf("cgroups %ld removed %ld secs %.3f\n", created, removed, now() - t0);
	return 0;
}
