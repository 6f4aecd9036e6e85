/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The engine: probes the kernel, loads and attaches the BPF programs the
 * kernel supports, polls the ring buffer and takes snapshots of the
 * aggregates: the only user of libbpf. vflowd and vflowtop link it;
 * nothing else touches a BPF map, and vflowdump does without it.
 */
#ifndef VFLOW_ENGINE_H
#define VFLOW_ENGINE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "vflow.h"
#include "core/engine_status.h"
#include "core/snapshot.h"

#define ENGINE_ERR_LEN 1024	/* room for a verifier log's last lines */

typedef void (*engine_event_fn)(void *ctx, const struct vflow_event *ev);
/* A cgroup made, removed or renamed (bpf/identity.bpf.c); its path is terminated. */
typedef void (*engine_cgroup_fn)(void *ctx, const struct vflow_cgroup_event *ev);

/* What the flight recorder streams, per enum vflow_rec_class. */
struct engine_rec {
	__u32 sample[VFLOW_REC_MAX];	/* 1 in N traps per CPU; 0: no sampling */
	__u64 slow_ns[VFLOW_REC_MAX];	/* every trap at least this long; 0: none */
};

/* The defaults (VFLOW_DEFAULT_SAMPLE_*, VFLOW_DEFAULT_SLOW_*). */
void engine_rec__defaults(struct engine_rec *r);

#define ENGINE_DEFAULT_RETIRE_TTL_NS (300ULL * 1000000000ULL)

struct engine_opts {
	struct engine_rec rec;		/* used when rec_set, else the defaults */
	__u64 retire_ttl_ns;		/* removed cgroups shown one by one this long; 0: default */
	const char *cgroup_filter;	/* absolute path: trace only tasks in this cgroup subtree */
	bool no_vm;			/* paradigm filter: no KVM/Xen programs */
	bool no_sandbox;		/* paradigm filter: no sandbox inference */
	bool rec_set;
	bool force_raw_tp;		/* skip tp_btf even where it works */
	/*
	 * Syscall timing: 1 in time_period syscalls per CPU is timed, all are
	 * counted (0 or 1: every one). With time_budget > 0 the period adapts
	 * at each snapshot so that timing costs at most that share of one CPU
	 * (0.01: 1 %), starting from time_period.
	 */
	__u32 time_period;
	double time_budget;
	bool pair_in_task;		/* pair syscalls in task storage, not the CPU's slot */
	bool no_sched_stats;		/* no per-cgroup switch counts and run-queue waits */
	bool verbose;			/* libbpf's debug output, verifier logs */
	bool test_run;			/* load test-run programs only, attach nothing */
	engine_event_fn on_event;	/* called from engine__poll for each sample */
	/* called from engine__poll for each cgroup event; NULL: the identity object is not loaded */
	engine_cgroup_fn on_cgroup;
	void *ctx;			/* both callbacks' */
};

struct engine;

/*
 * Probe, load, attach. On error returns -errno and a one-line message that
 * says what to do in @err.
 */
int engine__open(struct engine **out, const struct engine_opts *opts, char *err, size_t err_len);
void engine__destroy(struct engine *e);
/* Deliver ring-buffer samples for up to timeout_ms. Events handled, or -errno. */
int engine__poll(struct engine *e, int timeout_ms);
/* A copy of the aggregates now. NULL on ENOMEM or a failed map read. */
struct snapshot *engine__snapshot(struct engine *e);
/*
 * Cgroups that were removed: from the next snapshot on, their syscall and
 * scheduling rows leave the BPF maps (so that new cgroups find room) and
 * are kept in user space, unchanged, for retire_ttl_ns; then they are
 * summed into owner VFLOW_OWNER_GONE. Totals never change. 0 or -ENOMEM.
 */
int engine__retire_cgroups(struct engine *e, const __u64 *ids, size_t n);
/* Ids summed into VFLOW_OWNER_GONE since the last call (up to @max): forget them. */
size_t engine__expired(struct engine *e, __u64 *ids, size_t max);

/*
 * Processes that exited (pids): from the next snapshot on, their rows
 * (sandbox, user-notify, filter cost, KVM) leave the BPF maps and are
 * kept, unchanged, for retire_ttl_ns; then they are summed into owner
 * VFLOW_OWNER_GONE, as removed cgroups are. 0 or -ENOMEM.
 */
int engine__retire_processes(struct engine *e, const __u32 *pids, size_t n);
/* Pids summed into VFLOW_OWNER_GONE since the last call (up to @max): forget them. */
size_t engine__expired_processes(struct engine *e, __u32 *pids, size_t max);

/* The identity object streams cgroup events (on_cgroup is called for each). */
bool engine__streams_cgroups(const struct engine *e);
/* The identity object reports the exit of followed processes (VFLOW_PROC_EXIT). */
bool engine__streams_exits(const struct engine *e);
/*
 * Report @pid's exit on the identity ring (once). 0, -EOPNOTSUPP (no exit
 * program here) or -errno (E2BIG: VFLOW_FOLLOWED_PROCS are followed).
 */
int engine__follow_process(struct engine *e, __u32 pid);
/* cgroup events the identity object could not stream (its ring buffer was full). */
__u64 engine__cgroup_events_lost(const struct engine *e);

/* Run one synthetic KVM event through the KVM handlers (test_run engines). */
int engine__kvm_test_event(struct engine *e, const struct vflow_kvm_test_event *ev);
/* The attach points and their state. */
size_t engine__probes(const struct engine *e, const struct engine_probe **probes);
/* Where syscall events come from: "tp_btf" or "raw_tp". */
const char *engine__syscall_via(const struct engine *e);
/* Syscalls timed now: 1 in N per CPU (1: every one). */
__u32 engine__time_period(const struct engine *e);
/* One clock read in the BPF programs, ns, measured at open in budget mode (0: not measured). */
double engine__clock_read_ns(const struct engine *e);

/*
 * Run time and count of each loaded BPF program, where the kernel keeps
 * them (kernel.bpf_stats_enabled=1); 0 programs otherwise.
 */
size_t engine__prog_stats(const struct engine *e, struct prog_stat *out, size_t max);

#endif
