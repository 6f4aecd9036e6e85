// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The processes that own rows (sandboxed processes, VMMs, notify
 * supervisors, filter-cost owners), known before the report is built,
 * which then reads no /proc: one the identity layer has not named is
 * named now, at its first trap seen in a snapshot, from /proc; one whose
 * exit is not an event (no sched_process_exit program here, or the
 * followed set is full) is looked for with kill(pid, 0). A sandboxed
 * process is usually named earlier, at its first trap's ring-buffer
 * event (source.c).
 */
#include <errno.h>
#include <signal.h>
#include "core/trap.h"
#include "source/source.h"

/* What a row of @kind says its owner is: a VM (1), a sandboxed process (2), or a process (0). */
static int owner_role(__u32 kind)
{
	if (is_kvm_kind(kind))
		return 1;
	return kind == VFLOW_TRAP_SANDBOX ? 2 : 0;
}

static bool owned_by_process(__u32 kind)
{
	return is_kvm_kind(kind) || kind == VFLOW_TRAP_SANDBOX || kind == VFLOW_TRAP_NOTIF_HANDLING ||
	       kind == VFLOW_TRAP_FILTER_COST;
}

static void learn_one(struct source *s, __u32 pid, int role, __u64 now)
{
	const struct identity *known = identity__find(&s->ident, IDENTITY_PROCESS, pid);
	struct sandbox_info sb;
	struct vmident vm;
	bool named;

	if (known && known->gone)
		return;		/* named as it was; a reused pid is relearnt at its own first trap */
	named = known && (role == 1 ? known->proc->has_vm : role == 2 ? known->proc->has_sandbox : true);
	if (!named) {
		if (role == 1 ? !vmident_read(pid, &vm) : !sandbox_read(pid, &sb)) {
			source__process_seen(s, pid, role == 1 ? NULL : &sb, role == 1 ? &vm : NULL, now);
			return;
		}
		if (!known)	/* gone before it could be read: nothing of it remained */
			identity__process_exited(&s->ident, pid, now);
	}
	known = identity__find(&s->ident, IDENTITY_PROCESS, pid);
	if (known && !known->gone && !known->proc->exit_followed && kill((pid_t)pid, 0) &&
	    errno == ESRCH)
		identity__process_exited(&s->ident, pid, now);
}

void source__learn_processes(struct source *s, const struct snapshot *cur, __u64 now)
{
	__u64 last = 0;
	int last_role = -1;

	if (s->offline)
		return;
	/* the report's scheduling figures of processes: read here, once each */
	proc_cache__sched_begin(&s->pc);
	/* rows are sorted by kind, then owner: one look per owner and role */
	for (size_t i = 0; i < cur->nr_rows; i++) {
		const struct trap_row *row = &cur->rows[i];
		int role = owner_role(row->kind);

		if (!owned_by_process(row->kind) || !row->owner || row->owner >= VFLOW_OWNER_NO_PID)
			continue;
		if (row->owner == last && role == last_role)
			continue;
		last = row->owner;
		last_role = role;
		learn_one(s, (__u32)row->owner, role, now);
		proc_cache__sched_sample(&s->pc, (__u32)row->owner);
	}
}
