// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * floor [--raw-tp]: attach empty programs to sys_enter/sys_exit, print
 * "attached", and hold them until SIGINT/SIGTERM. What any syscall tracer
 * pays before doing any work.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "floor.skel.h"

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

int main(int argc, char **argv)
{
	int raw = argc > 1 && !strcmp(argv[1], "--raw-tp");
	struct floor_bpf *skel = floor_bpf__open();
	int err;

	if (!skel) {
		fprintf(stderr, "floor: failed to open BPF object\n");
		return 1;
	}
	bpf_program__set_autoload(raw ? skel->progs.floor_enter_btf : skel->progs.floor_enter_raw, false);
	bpf_program__set_autoload(raw ? skel->progs.floor_exit_btf : skel->progs.floor_exit_raw, false);
	err = floor_bpf__load(skel) ?: floor_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "floor: failed to load/attach: %s\n", strerror(-err));
		floor_bpf__destroy(skel);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("attached\n");
	fflush(stdout);
	while (!exiting)
		pause();
	floor_bpf__destroy(skel);
	return 0;
}
