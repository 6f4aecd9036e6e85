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

#include <limits.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "core/advice.h"
#include "core/model.h"
#include "engine/engine.h"
#include "report/report.h"
#include "record/flight.h"
#include "record/recorder.h"
#include "source/attach.h"
#include "source/source.h"
#include "source/tick.h"
#include "serve/control.h"
#include "serve/http.h"
#include "serve/metrics.h"
#include "serve/webconfig.h"

#define NS_PER_SEC 1000000000ULL
#define NS_PER_MS 1000000ULL
#define RULE_TRIGGER_LEN 256

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
	struct runtime_config runtime;	/* --runtime: where containers' names are asked for */
	bool no_runtime_names;		/* --runtime off */
};

/* args.c: 0, or -EINVAL after one line on stderr; exits for --help and --version */
int vflowd_args__parse(int argc, char **argv, struct args *a);

/* The model's constants and the advice rules in use (config.c). */
struct model_in_use {
	struct model_config mc;
	struct advice_rules ar;
	bool have_advice;
};

/* Load them (--model-config, --advice-rules or the shipped files): 0, or -errno after one line. */
int model_in_use__load(struct model_in_use *m, const struct args *a);
/* SIGHUP: load them again; any error keeps what is loaded. */
void model_in_use__reload(struct model_in_use *m, const struct args *a);
/* The rules, or NULL where none are loaded. */
const struct advice_rules *model_in_use__advice(const struct model_in_use *m);
void model_in_use__free(struct model_in_use *m);

/* What the daemon keeps: the engine, what it serves and records. */
struct daemon {
	const struct args *a;
	struct model_in_use model;
	struct source src;		/* the engine, and the names of what it counts */
	struct tick t;			/* the last report and its cumulative snapshot (t.snap) */
	struct report_ledger *ledger;	/* the model's running sums, for the counters */
	char cgroup_filter[PATH_MAX + 64];	/* --cgroup below the cgroup2 mount */
	struct recorder rec;
	struct flight fl;
	__u64 rule_due_ns;		/* a rule fired: dump at this time; 0: none */
	__u64 rule_last_ns;
	char rule_trigger[RULE_TRIGGER_LEN];
	__u64 start_ns;			/* tracing started: what the aggregates cover */
	/* the exporter; its web config as checked at start (the server loads its own) */
	struct web_config web;
	struct metrics mt;
	bool have_metrics;
	struct http_server *http;
	struct control_server *ctl;
};

/* tick.c: one interval, and what every part needs */
__u64 mono_ns(void);
/* Report the interval since the last (print it unless quiet; render the metrics when serving). */
void daemon_tick(struct daemon *d, bool print);
/* One line per probe that is not live, so nothing is missing silently. */
void print_absent_probes(const struct engine *e);

/* exporter.c: the Prometheus exporter */
int exporter_prepare(const struct args *a, struct web_config *web, struct metrics *m,
		     char *err, size_t err_len);
int exporter_start(const struct args *a, const struct web_config *web, struct metrics *m,
		   struct http_server **http, char *err, size_t err_len);
void reload_web(struct http_server *http);

/* dumps.c: the recorder's events, the dump rules, dumps asked for */
void on_event(void *ctx, const struct vflow_event *ev);
void rule_eta(struct daemon *d, const struct report *r, __u64 now);
int write_dump(struct daemon *d, const struct snapshot *last, const char *trigger,
	       char *path, size_t path_len, char *err, size_t err_len);
/* the control socket's DUMP request: answered by dumps_service() */
void control_dump(void *ctx, char *reply, size_t len);
/* Dumps due now: @signalled (SIGUSR1), control requests, a rule whose delay ran out. */
void dumps_service(struct daemon *d, const struct snapshot *last, __u64 now, bool signalled);
/* No more dumps: a request still waiting is answered "vflowd is stopping". */
void dumps_close(void);
/* --dump-request: ask a running vflowd for a dump; the exit status. */
int run_dump_request(const char *sock);

/* import.c: --import, one report over a capture; the exit status */
int run_import(const struct args *a, const struct model_in_use *m);

/* calibrate_mode.c: --calibrate; the exit status */
int run_calibrate(const struct args *a);

#endif
