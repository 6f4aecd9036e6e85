// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * floor [--raw-tp] [--clock] [--sched]: attach empty programs to sys_enter/sys_exit
 * (and with --sched to every other tracepoint vflow attaches to by
 * default: sched_switch, signal_generate, cgroup_mkdir),
 * print "attached", and hold them until SIGINT/SIGTERM: what any syscall
 * tracer pays before doing any work. --clock adds one bpf_ktime_get_ns()
 * per syscall program: what any tracer that times syscalls pays at least.
 * The programs follow vflow's: tp_btf, or with --raw-tp the raw_tp set
 * (vflow's cgroup_mkdir program is tp_btf only).
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
	struct floor_bpf *skel = floor_bpf__open();
	int raw = 0, sched = 0, err;

	if (!skel) {
		fprintf(stderr, "floor: failed to open BPF object\n");
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--raw-tp"))
			raw = 1;
		else if (!strcmp(argv[i], "--clock"))
			skel->rodata->clock = true;
		else if (!strcmp(argv[i], "--sched"))
			sched = 1;
	}
	bpf_program__set_autoload(skel->progs.floor_switch_btf, sched && !raw);
	bpf_program__set_autoload(skel->progs.floor_switch_raw, sched && raw);
	bpf_program__set_autoload(skel->progs.floor_signal_btf, sched && !raw);
	bpf_program__set_autoload(skel->progs.floor_signal_raw, sched && raw);
	/* vflow's cgroup birth program is tp_btf only */
	bpf_program__set_autoload(skel->progs.floor_mkdir_btf, sched && !raw);
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
