// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * floor_sched [--raw-tp]: attach an empty program to sched_switch, print
 * "attached", hold it until SIGINT/SIGTERM (bench/suite.sh, part 5).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "floor_sched.skel.h"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

int main(int argc, char **argv)
{
	struct floor_sched_bpf *skel = floor_sched_bpf__open();
	int raw = argc > 1 && !strcmp(argv[1], "--raw-tp"), err;

	if (!skel) {
		fprintf(stderr, "floor_sched: failed to open BPF object\n");
		return 1;
	}
	bpf_program__set_autoload(raw ? skel->progs.floor_switch_btf : skel->progs.floor_switch_raw, false);
	err = floor_sched_bpf__load(skel) ?: floor_sched_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "floor_sched: failed to load/attach: %s\n", strerror(-err));
		floor_sched_bpf__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!exiting)
		pause();
	floor_sched_bpf__destroy(skel);
	return 0;
}
