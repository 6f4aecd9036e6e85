// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "host/proc_cache.h"

int proc_cache__init(struct proc_cache *c)
{
	c->slots = calloc(PROC_CACHE_SLOTS, sizeof(*c->slots));
	return c->slots ? 0 : -ENOMEM;
}

void proc_cache__free(struct proc_cache *c)
{
	free(c->slots);
	c->slots = NULL;
}

/* The slot for @pid, emptied if another pid held it (pids are reused). */
static struct proc_cache_entry *slot_of(struct proc_cache *c, __u32 pid)
{
	struct proc_cache_entry *e = &c->slots[pid % PROC_CACHE_SLOTS];

	if (e->pid != pid) {
		memset(e, 0, sizeof(*e));
		e->pid = pid;
	}
	return e;
}

int proc_cache__vm(struct proc_cache *c, __u32 pid, struct vmident *out)
{
	struct proc_cache_entry *e;

	if (!c || !c->slots)
		return vmident_read(pid, out);
	e = &c->slots[pid % PROC_CACHE_SLOTS];
	if (!vmident_read(pid, out)) {
		e = slot_of(c, pid);
		e->vm = *out;
		e->has_vm = true;
		return 0;
	}
	if (e->pid != pid || !e->has_vm)
		return -ENOENT;
	*out = e->vm;
	return 0;
}

int proc_cache__sandbox(struct proc_cache *c, __u32 pid, struct sandbox_info *out)
{
	struct proc_cache_entry *e;

	if (!c || !c->slots)
		return sandbox_read(pid, out);
	e = &c->slots[pid % PROC_CACHE_SLOTS];
	if (!sandbox_read(pid, out)) {
		e = slot_of(c, pid);
		/*
		 * An exiting process reads as less than it was (no argv, no
		 * exe): keep a more specific identity read earlier.
		 */
		if (e->has_sandbox && e->sandbox.kind > SANDBOX_SECCOMP && out->kind <= SANDBOX_SECCOMP) {
			*out = e->sandbox;
			return 0;
		}
		e->sandbox = *out;
		e->has_sandbox = true;
		return 0;
	}
	if (e->pid != pid || !e->has_sandbox)
		return -ENOENT;
	*out = e->sandbox;
	return 0;
}

int proc_cache__sched_delta(struct proc_cache *c, __u32 pid, struct proc_sched *delta)
{
	struct proc_cache_entry *e;
	struct proc_sched now;
	int ret;

	memset(delta, 0, sizeof(*delta));
	if (!c || !c->slots)
		return -EINVAL;
	ret = proc_sched_read(pid, &now);
	if (ret)
		return ret;
	e = slot_of(c, pid);
	/*
	 * Sums over live threads: one that exits takes its share with it, and
	 * a reused pid starts over. A sum that went down gives no interval.
	 */
	if (e->has_sched && now.oncpu_ns >= e->sched.oncpu_ns && now.runq_ns >= e->sched.runq_ns &&
	    now.switches_vol >= e->sched.switches_vol && now.switches_invol >= e->sched.switches_invol) {
		delta->oncpu_ns = now.oncpu_ns - e->sched.oncpu_ns;
		delta->runq_ns = now.runq_ns - e->sched.runq_ns;
		delta->switches_vol = now.switches_vol - e->sched.switches_vol;
		delta->switches_invol = now.switches_invol - e->sched.switches_invol;
	}
	e->sched = now;
	e->has_sched = true;
	return 0;
}

void proc_cache__sched_begin(struct proc_cache *c)
{
	if (c && ++c->gen == 0)
		c->gen = 1;	/* 0 means "never sampled" */
}

void proc_cache__sched_sample(struct proc_cache *c, __u32 pid)
{
	struct proc_sched d;
	struct proc_cache_entry *e;

	if (!c || !c->slots || !pid)
		return;
	e = &c->slots[pid % PROC_CACHE_SLOTS];
	if (e->pid == pid && e->delta_gen == c->gen)
		return;		/* sampled already this time */
	if (proc_cache__sched_delta(c, pid, &d))
		return;		/* gone */
	e->delta = d;	/* sched_delta made the slot @pid's */
	e->delta_gen = c->gen;
}

int proc_cache__sched_last(const struct proc_cache *c, __u32 pid, struct proc_sched *delta)
{
	const struct proc_cache_entry *e;

	memset(delta, 0, sizeof(*delta));
	if (!c || !c->slots)
		return -EINVAL;
	e = &c->slots[pid % PROC_CACHE_SLOTS];
	if (e->pid != pid || !c->gen || e->delta_gen != c->gen)
		return -ENOENT;
	*delta = e->delta;
	return 0;
}
