/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * vflowd's parts, one concern a file: the command line (args.c), the
 * exporter and its reload on SIGHUP (exporter.c), the model and advice
 * files and their reload (config.c), the dump rules and requests
 * (dumps.c), the one-shot modes --import (import.c), --calibrate
 * (calibrate_mode.c) and --dump-request, one interval's report (tick.c),
 * and main with its loop (vflowd.c).
 */
#ifndef VFLOWD_H
#define VFLOWD_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "engine/engine.h"

#define DEFAULT_INTERVAL_S 1.0
#define DEFAULT_TOP 20
#define DEFAULT_MAX_CONNECTIONS 64
#define DEFAULT_DUMP_COOLDOWN_S 60
#define NS_PER_SEC 1000000000ULL
#define NS_PER_MS 1000000ULL

struct args {
	double interval_s;
	double duration_s;	/* 0: until a signal */
	bool json;
	const char *import;	/* ftrace text capture to report on, "-" for stdin */
	bool quiet;		/* no table/JSON output (an exporter-only daemon) */
	const char *listen;	/* --web.listen-address: serve /metrics */
	const char *telemetry_path;
	const char *web_config;
	double max_connections;
	double max_entities;
	double series_ttl_s;
	const char *model_config;	/* NULL: the shipped default, if found */
	const char *advice_rules;
	bool calibrate;
	const char *calibrate_out;
	const char *control;		/* --control: serve snapshots to vflowtop --attach */
	size_t top;
	size_t syscalls;
	struct engine_opts eopts;
	double record_events, record_seconds;
	const char *dump_dir;
	bool dump_dir_set;		/* given: --import writes its events there too */
	bool dump_on_exit;
	__u64 dump_on_slow[VFLOW_REC_MAX];	/* the rule: a trap this slow; 0: off */
	bool dump_on_eta;			/* the rule: an entity's eta below the model's band */
	double dump_cooldown_s;
	const char *dump_request;	/* --dump-request SOCKET: ask a running vflowd, exit */
	bool keep_caps;			/* --keep-caps: do not drop capabilities after attaching */
	const char *cgroup;		/* --cgroup: trace only this subtree (in the kernel) */
};

/* args.c: 0, or -EINVAL after one line on stderr; exits for --help and --version */
int vflowd_args__parse(int argc, char **argv, struct args *a);

#endif
