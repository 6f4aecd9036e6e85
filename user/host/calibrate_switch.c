// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The context-switch micro-benchmark: a pipe ping-pong between a worker and
 * its partner, both pinned to one CPU; a round trip is two switches (the
 * pipe's write and read included).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include "host/calibrate_internal.h"

struct pingpong {
	int to_partner[2], from_partner[2];
};

/* the partner: echo each byte back until EOF */
static void partner_main(struct pingpong *pp, pid_t parent, int cpu)
{
	char c;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent || cal_pin_self(cpu))
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

/* a worker and its partner (both our children, so we reap both) on one CPU */
int cal_bench_pingpong(int cpu, double *out, char *err, size_t err_len)
{
	struct pingpong pp;
	pid_t parent = getpid(), partner;
	int ret;

	if (pipe2(pp.to_partner, O_CLOEXEC)) {
		cal_set_err(err, err_len, "context switch: pipe failed: %s", strerror(errno));
		return -errno;
	}
	if (pipe2(pp.from_partner, O_CLOEXEC)) {
		ret = -errno;
		cal_set_err(err, err_len, "context switch: pipe failed: %s", strerror(errno));
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
		cal_set_err(err, err_len, "context switch: fork failed: %s", strerror(errno));
	} else {
		ret = cal_bench_one("context switch", cpu, setup_pingpong, loop_pingpong, &pp, out, err, err_len);
		*out /= 2;	/* a round trip is two switches */
	}
	close(pp.to_partner[0]);
	close(pp.to_partner[1]);
	close(pp.from_partner[0]);
	close(pp.from_partner[1]);
	cal_reap(&partner);
	return ret;
}
