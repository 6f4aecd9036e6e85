// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Process identities: a sandboxed process, a VMM, a notify supervisor,
 * named from what /proc said at its first trap and kept after it exits
 * (the exit is a flag and a time, streamed by bpf/identity.bpf.c or
 * looked for before a report). The report reads only this.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "identity/identity_internal.h"

/* A process of a reused pid: what was known of the exited one goes. */
static void relearn(struct identity *e, enum identity_origin origin, __u64 now_ns)
{
	memset(e->proc, 0, sizeof(*e->proc));
	e->origin = origin;
	e->first_seen_ns = e->last_seen_ns = now_ns;
	e->gone = false;
	e->gone_since_ns = 0;
}

/* The identity of process @pid, added with its process facts if new; NULL with errno set. */
static struct identity *process_get(struct identity_table *t, __u32 pid, enum identity_origin origin,
				    __u64 now_ns)
{
	struct identity *e;
	bool added;

	if (!pid) {
		errno = EINVAL;
		return NULL;
	}
	e = slot_add(t, IDENTITY_PROCESS, pid, origin, now_ns, &added);
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	if (!e->proc)
		e->proc = calloc(1, sizeof(*e->proc));
	if (!e->proc) {
		if (added)
			identity__forget(t, IDENTITY_PROCESS, pid);
		errno = ENOMEM;
		return NULL;
	}
	return e;
}

int identity__process_seen(struct identity_table *t, __u32 pid, const struct sandbox_info *sb,
			   const struct vmident *vm, enum identity_origin origin, __u64 now_ns)
{
	struct identity *e;

	e = process_get(t, pid, origin, now_ns);
	if (!e)
		return -errno;
	if (e->gone && now_ns > e->gone_since_ns && (sb || vm))
		relearn(e, origin, now_ns);
	if (now_ns > e->last_seen_ns && !e->gone)
		e->last_seen_ns = now_ns;
	if (e->origin == IDENTITY_FROM_NOTHING && (sb || vm))
		e->origin = origin;	/* first recorded by its exit, named now */
	if (sb && !e->proc->has_sandbox) {
		e->proc->sandbox = *sb;
		e->proc->has_sandbox = true;
	}
	if (vm && !e->proc->has_vm) {
		e->proc->vm = *vm;
		e->proc->has_vm = true;
	}
	return 0;
}

int identity__process_exited(struct identity_table *t, __u32 pid, __u64 now_ns)
{
	struct identity *e;

	e = process_get(t, pid, IDENTITY_FROM_NOTHING, now_ns);
	if (!e)
		return -errno;
	if (!e->gone) {
		e->gone = true;
		e->gone_since_ns = now_ns;
	}
	return 0;
}

int identity__process_exit_followed(struct identity_table *t, __u32 pid)
{
	struct identity *e = slot_find(t, IDENTITY_PROCESS, pid);

	if (!e || !e->proc)
		return -ENOENT;
	e->proc->exit_followed = true;
	return 0;
}
