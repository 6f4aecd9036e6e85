/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What vflow learnt about a process while it was alive (its VM or sandbox
 * identity), so that a report made after it exited still names it.
 */
#ifndef VFLOW_PROC_CACHE_H
#define VFLOW_PROC_CACHE_H

#include <linux/types.h>
#include "host/sandbox.h"
#include "host/vmident.h"
#include "host/proc_sched.h"

#define PROC_CACHE_SLOTS 4096

struct proc_cache_entry {
	__u32 pid;		/* 0: empty */
	bool has_vm, has_sandbox;
	struct vmident vm;
	struct sandbox_info sandbox;
	bool has_sched;
	struct proc_sched sched;	/* at the previous interval */
	__u32 delta_gen;		/* the sampling that measured delta; 0: none */
	struct proc_sched delta;	/* over the interval before it */
};

struct proc_cache {
	struct proc_cache_entry *slots;	/* direct-mapped by pid */
	__u32 gen;			/* the current sampling, from 1 */
};

int proc_cache__init(struct proc_cache *c);
void proc_cache__free(struct proc_cache *c);
/* Identity of @pid: read from /proc while it lives, else the last one read. 0 or -ENOENT. */
int proc_cache__vm(struct proc_cache *c, __u32 pid, struct vmident *out);
int proc_cache__sandbox(struct proc_cache *c, __u32 pid, struct sandbox_info *out);
/*
 * Scheduling figures of @pid since the previous call for it (zero the first
 * time: there is no interval yet). 0 or -ENOENT (gone) / -EINVAL (no cache).
 */
int proc_cache__sched_delta(struct proc_cache *c, __u32 pid, struct proc_sched *delta);
/*
 * Once per interval, before a report: a new sampling, then each process
 * of the snapshot sampled once (proc_cache__sched_delta, kept). The report
 * then takes what was kept with proc_cache__sched_last, reading nothing:
 * 0, or -ENOENT when @pid was not sampled this time (gone, or not asked).
 */
void proc_cache__sched_begin(struct proc_cache *c);
void proc_cache__sched_sample(struct proc_cache *c, __u32 pid);
int proc_cache__sched_last(const struct proc_cache *c, __u32 pid, struct proc_sched *delta);

#endif
