/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Immutable copies of the kernel aggregates, and the arithmetic on them:
 * deltas between two snapshots, rates, histogram percentiles. Front-ends
 * read snapshots; they never touch BPF maps.
 */
#ifndef VFLOW_SNAPSHOT_H
#define VFLOW_SNAPSHOT_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "vflow.h"

/*
 * One aggregate, summed over CPUs. Key (kind, owner, sub, code): for
 * syscalls (cgroup id, 0, nr), for KVM traps (VMM tgid, vCPU, reason).
 */
struct trap_row {
	__u32 kind;			/* enum vflow_trap_kind */
	__u32 sub;
	__u64 owner;
	__u64 code;
	__u64 count;
	__u64 total_ns;
	__u64 skipped;
	__u64 hist[VFLOW_HIST_SLOTS];
};

struct snapshot {
	__u64 ts_ns;			/* CLOCK_MONOTONIC when read */
	size_t nr_rows;
	struct trap_row *rows;		/* sorted by (kind, owner, sub, code) */
	__u64 counters[VFLOW_CNT_MAX];	/* enum vflow_counter, summed over CPUs */
	__u64 events;			/* ring-buffer samples received */
	/*
	 * Syscall timing when read: 1 in time_period syscalls was timed, all
	 * counted (0 or 1: every one). A syscall row's latency figures are
	 * then over its timed syscalls (its histogram's sum), not its count.
	 */
	__u32 time_period;
};

struct snapshot *snapshot__new(size_t cap_rows);
void snapshot__free(struct snapshot *s);
/* Sort rows by key; the engine calls it once after filling. */
void snapshot__sort(struct snapshot *s);
const struct trap_row *snapshot__find(const struct snapshot *s, const struct trap_row *key);
/* Fold rows with equal keys into one (after snapshot__sort). */
void snapshot__merge(struct snapshot *s);

/*
 * cur - prev, row by row: rows only in cur are new (taken whole); a row
 * whose counts went down was reset in between, and is taken whole too.
 * A per-cgroup row in prev but not in cur was summed into the
 * VFLOW_OWNER_GONE row of its kind and code: not new there. Rows with no
 * change are left out. prev may be NULL. NULL on ENOMEM.
 */
struct snapshot *snapshot__delta(const struct snapshot *prev, const struct snapshot *cur);

/* Rows of this kind are keyed by cgroup (syscalls, scheduling). */
bool trap_kind_by_cgroup(__u32 kind);
/*
 * @row summed with the rows of other removed cgroups or exited processes:
 * owner VFLOW_OWNER_GONE, and a user-notify row's target pid dropped (it
 * named a process of the supervisor's, gone too), so that the sums stay
 * one row per key whatever the churn.
 */
void trap_row_to_gone(struct trap_row *row);

/* Events per second over dt_ns; 0 when dt_ns is 0. */
double rate_per_sec(__u64 delta, __u64 dt_ns);

/* Add src's counts into dst (same key or not: an entity total). */
void trap_row__add(struct trap_row *dst, const struct trap_row *src);

/* Sum of the histogram slots. */
__u64 hist_count(const __u64 hist[VFLOW_HIST_SLOTS]);
/* Lower/upper bound in ns of slot i: [2^(i-1), 2^i) and [0, 1) for slot 0. */
__u64 hist_slot_low_ns(unsigned int slot);
__u64 hist_slot_high_ns(unsigned int slot);
/*
 * Estimated p-quantile (0 < q <= 1) in ns, interpolated linearly inside the
 * log2 slot that holds it; 0 for an empty histogram.
 */
double hist_quantile_ns(const __u64 hist[VFLOW_HIST_SLOTS], double q);

#endif
