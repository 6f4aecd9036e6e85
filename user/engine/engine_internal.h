/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Private to the engine (user/engine/engine*.c): the engine's state and
 * what its parts share. engine.c opens and closes it, engine_load.c loads
 * and attaches the BPF objects, engine_maps.c reads the maps into
 * snapshots, engine_retire.c moves removed cgroups out of the maps.
 */
#ifndef VFLOW_ENGINE_INTERNAL_H
#define VFLOW_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>
#include "engine/engine.h"
#include "host/cgroup_cpu.h"
#include "syscall.skel.h"
#include "kvm.skel.h"
#include "seccomp_cost.skel.h"
#include "identity.skel.h"

/* Keys read per bpf_map_lookup_batch() call; doubled on -ENOSPC. */
#define BATCH_KEYS_INITIAL 1024
/* the largest map key read in batches */
#define BATCH_KEY_MAX (sizeof(struct vflow_kvm_key) > sizeof(struct vflow_sys_key) ? \
		       sizeof(struct vflow_kvm_key) : sizeof(struct vflow_sys_key))
/* libbpf lays a per-CPU value out per CPU, each rounded up to 8 bytes */
#define PERCPU_STRIDE(size) (((size) + 7) & ~7UL)
/* rows of removed cgroups kept in user space, at first; doubled as needed */
#define RETIRED_ROWS_INITIAL 64
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct retired {
	__u64 id;
	__u64 since_ns;
	bool cpu_done;			/* its last on-CPU figures are in e->rt */
};

/*
 * Removed cgroups, or exited processes: each kept for the TTL from when
 * it was retired, then queued as expired until the source takes it.
 */
struct retired_set {
	struct retired *ret;		/* sorted by id up to nr_sorted, then appended */
	size_t nr, nr_sorted, cap;
	__u64 *expired;			/* summed into GONE, not taken yet */
	size_t nr_expired, cap_expired;
};

struct retired *retired_find(const struct retired_set *rs, __u64 id);
/* Append @id unless it is there; retired_sort() after a batch. 0 or -ENOMEM. */
int retired_add(struct retired_set *rs, __u64 id, __u64 now_ns);
void retired_sort(struct retired_set *rs);
/* @id past the TTL, into the expired queue; 0 or -ENOMEM. */
int retired_expire(struct retired_set *rs, __u64 id);
/* Forget the first @n of the expired queue (taken). */
void retired_consume(struct retired_set *rs, size_t n);
void retired_set_free(struct retired_set *rs);

struct engine {
	struct engine_opts opts;
	struct syscall_bpf *skel;	/* NULL in test-run mode */
	struct kvm_bpf *kvm;
	struct seccomp_cost_bpf *filter;	/* NULL where fentry/fexit are refused */
	struct identity_bpf *ident;	/* NULL where the cgroup tracepoints are not traced */
	struct ring_buffer *rb;
	int nr_cpus;
	size_t val_stride;		/* per-CPU value size, rounded to 8 */
	size_t batch_keys;
	void *keys;			/* batch of keys, BATCH_KEY_MAX bytes each */
	void *vals;
	__u32 *stage_keys;		/* the staging array, all CPUs */
	void *stage_vals;
	__u64 *counter_vals;		/* one counter, all CPUs */
	const char *syscall_via;
	struct engine_probe probes[ENGINE_MAX_PROBES];
	size_t nr_probes;
	__u64 events;
	/*
	 * Removed cgroups: their rows leave the BPF maps (room for new
	 * cgroups) and are kept here; after retire_ttl_ns they are summed
	 * into owner VFLOW_OWNER_GONE.
	 */
	struct snapshot *rt;		/* sorted and merged */
	size_t rt_cap;
	struct retired_set cgroups;	/* by cgroup id */
	/* exited processes, the same way (engine_retire_proc.c) */
	struct snapshot *rt_proc;	/* sorted and merged */
	size_t rt_proc_cap;
	struct retired_set procs;	/* by pid */
	void *rt_vals;			/* one per-CPU value, the largest map's */
	int filter_fd;			/* the --cgroup filter's directory, or -1 */
	void *sched_stage_vals;		/* the scheduling staging array, all CPUs */
	/* sched_drain_cpu test-runs refused: only the CPUs' own switches drain */
	bool sched_drain_refused;
	/* on-CPU time and run-queue pressure from the cgroups' own files */
	struct cgroup_cpu_cache cpu;
	bool cpu_live;			/* the root cgroup's cpu.stat could be read */
	/* sampled timing: the period now, and what the adaptive mode last saw */
	__u32 time_period;
	double clock_read_ns;		/* one bpf_ktime_get_ns(), measured in budget mode */
	__u64 timing_calls, timing_ts;	/* syscalls counted, and when, at the last adaptation */
};


/* CLOCK_MONOTONIC in ns, the clock of the BPF programs' timestamps. */
__u64 engine_now_ns(void);
/* Fold the staging entries named in sched_evict on every CPU now: 0 or -errno (engine_load.c). */
int engine_sched_drain_cpus(struct engine *e);
/* List an attach point and its state (why, when not live). */
void engine_probe_add(struct engine *e, const char *name, const char *via, bool live, const char *why);
/* Write the message into @err; returns @ret. */
int engine_fail(char *err, size_t len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* engine_load.c: each BPF object opened, loaded and attached; 0 or -errno with @err. */
int engine_syscall_open(struct engine *e, char *err, size_t err_len);
int engine_kvm_open(struct engine *e, char *err, size_t err_len);
/* Optional (fentry/fexit): a failure is an absent probe. */
void engine_filter_cost_open(struct engine *e);
/* engine_identity.c: optional (the cgroup tracepoints): a failure is an absent probe. */
void engine_identity_open(struct engine *e);

/* engine_maps.c: buffers for @keys keys per batch read; 0 or -ENOMEM. */
int engine_batch_alloc(struct engine *e, size_t keys);
void engine_row_add_val(struct trap_row *row, const struct vflow_trap_val *v);
/* A row's counts: the sum of @nr_cpus per-CPU values @stride bytes apart. */
void engine_row_from_percpu(struct trap_row *row, const void *vals, int nr_cpus, size_t stride);
/* The two scheduling rows (VFLOW_TRAP_SCHED_*) of one cgroup's per-CPU values; keys are kept. */
void engine_sched_rows(struct trap_row *oncpu, struct trap_row *runq, const void *vals, int nr_cpus);
/* The two rows of one struct vflow_sched_val (keys are kept), added to what they hold. */
void engine_sched_rows_add(struct trap_row *oncpu, struct trap_row *runq, const struct vflow_sched_val *v);
/* Room in s->rows (capacity *cap) for @need rows; 0 or -ENOMEM. */
int engine_rows_grow(struct snapshot *s, size_t *cap, size_t need);

/* Where each map's rows are in a snapshot just read: [lo, hi) each. */
struct map_rows {
	size_t sys_lo, sys_hi;		/* the syscall hash */
	size_t st_lo, st_hi;		/* the syscall staging array */
	size_t sc_lo, sc_hi;		/* the scheduling hash, in (ONCPU, RUNQ) pairs */
	size_t sst_lo, sst_hi;		/* the scheduling staging array, in pairs */
};

/*
 * engine_retire.c: in snapshot @s just read, move the rows of retired
 * cgroups out of the maps (and their last on-CPU figures out of e->cpu),
 * then add the kept rows of retired cgroups. 0 or -ENOMEM.
 */
int engine_retire_apply(struct engine *e, struct snapshot *s, size_t *cap, const struct map_rows *m);
/* Take a key out of a per-CPU hash with its values (into @vals); 0 or -errno. */
int engine_take_key(int fd, const void *key, void *vals);
/*
 * engine_retire_proc.c: the rows of @s of exited processes out of the
 * maps (into e->rt_proc), those past the TTL summed into GONE, and
 * e->rt_proc added to @s. 0 or -ENOMEM.
 */
int engine_retire_proc_apply(struct engine *e, struct snapshot *s, size_t *cap);
void engine_retire_proc_free(struct engine *e);
/* Append @row to the kept rows of retired cgroups; 0 or -ENOMEM. */
int engine_rt_add(struct engine *e, const struct trap_row *row);

/*
 * engine_cpu.c: the rows of the cgroups' own counters (ONCPU total_ns,
 * PSI) for the cgroups with syscall rows in @s; the probes that say
 * whether they can be read; the adaptive period of sampled timing.
 */
void engine_cpu_open(struct engine *e);
int engine_cpu_rows(struct engine *e, struct snapshot *s, size_t *cap);
/* The ONCPU and PSI rows of cgroup entry @c since its base, into @on and @psi. */
void engine_cpu_entry_rows(const struct cgroup_cpu_entry *c, struct trap_row *on, struct trap_row *psi);
void engine_timing_open(struct engine *e);
void engine_timing_adapt(struct engine *e, const struct snapshot *s);

#endif
