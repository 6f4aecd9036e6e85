/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the engine tells about itself, as plain data: its attach points
 * and its BPF programs' run times (its counters are named by core/trap.h).
 * Kept apart from engine.h so that reports, dumps and the exporter
 * describe an engine (this host's, or another's from a dump or a control
 * socket) without linking the BPF loader.
 */
#ifndef VFLOW_ENGINE_STATUS_H
#define VFLOW_ENGINE_STATUS_H

#include <linux/types.h>
#include <stdbool.h>
#include "vflow.h"

#define ENGINE_MAX_PROBES 32
#define ENGINE_PROBE_NAME_LEN 64
#define ENGINE_PROG_NAME_LEN 64

/* One attach point and whether it is live. */
struct engine_probe {
	char name[ENGINE_PROBE_NAME_LEN];	/* "raw_syscalls:sys_enter" */
	const char *via;		/* "tp_btf", "raw_tp" or "" */
	bool live;
	const char *why;		/* why not, when !live */
};

/* Run time and count of one loaded BPF program (kernel.bpf_stats_enabled=1). */
struct prog_stat {
	char name[ENGINE_PROG_NAME_LEN];
	__u64 run_time_ns;
	__u64 run_cnt;
};

#endif
