// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "proc_cache.h"

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
