// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What an event of a dump is, in words: its paradigm, the entity it
 * belongs to (from the dump's entity table), the name of its trap and of
 * what a VM exit carried, its flags; and the recorder class it was
 * sampled in. Every renderer and the filter name events through these.
 */
#include <stdio.h>
#include <string.h>
#include "core/trap.h"
#include "record/dumptool.h"
#include "record/dumptool_internal.h"
#include "core/kvm_reasons.h"
#include "core/syscalls.h"
#include "report/report.h"

enum vflow_rec_class dump_event_rec_class(const struct vflow_event *ev)
{
	return trap_rec_class(ev->trap);
}

enum vflow_paradigm dump_event_paradigm(const struct dump *d, const struct vflow_event *ev)
{
	const struct dump_entity *en;

	if (ev->trap == VFLOW_TRAP_SYSCALL) {
		en = dump__entity(d, DUMP_ENT_CGROUP, ev->cgroup_id);
		if (!en || !en->type[0] || !strcmp(en->type, "host") || !strcmp(en->type, "unknown"))
			return VFLOW_PARADIGM_HOST;
		return VFLOW_PARADIGM_CONTAINER;
	}
	if (is_sandbox_kind(ev->trap))
		return VFLOW_PARADIGM_SANDBOX;
	if (is_kvm_kind(ev->trap))
		return is_hcall_kind(ev->trap) || is_hcall_kind(ev->aux_trap) ?
		       VFLOW_PARADIGM_PARAVIRT : VFLOW_PARADIGM_FULLVIRT;
	return VFLOW_PARADIGM_HOST;
}

const char *dump_event_entity(const struct dump *d, const struct vflow_event *ev, char *buf,
			      size_t len)
{
	const struct dump_entity *en;

	if (ev->trap == VFLOW_TRAP_SYSCALL) {
		en = dump__entity(d, DUMP_ENT_CGROUP, ev->cgroup_id);
		if (en && en->name[0])
			return en->name;
		snprintf(buf, len, "cgroup:%llu", (unsigned long long)ev->cgroup_id);
		return buf;
	}
	en = dump__entity(d, DUMP_ENT_PROC, ev->pid);
	if (en && en->name[0])
		return en->name;
	snprintf(buf, len, "pid:%u", ev->pid);
	return buf;
}

const char *dump_event_trap_name(const struct vflow_event *ev, char *buf, size_t len)
{
	return trap_event_name(ev, buf, len);
}

const char *dump_event_annotation(const struct vflow_event *ev, char *buf, size_t len)
{
	if (!is_exit_kind(ev->trap) || !ev->aux_trap) {
		buf[0] = '\0';
		return buf;
	}
	return trap_name(ev->aux_trap, (__u64)ev->ret, buf, len);
}

const char *dump_event_flags_name(__u16 flags)
{
	static const char *const names[] = { "", "sampled", "slow", "sampled,slow" };

	if (flags & VFLOW_EVF_IMPORTED)
		return "imported";
	return names[flags & (VFLOW_EVF_SAMPLED | VFLOW_EVF_SLOW)];
}

void dump_event_comm(const struct vflow_event *ev, char out[sizeof(ev->comm) + 1])
{
	memcpy(out, ev->comm, sizeof(ev->comm));
	out[sizeof(ev->comm)] = '\0';
}
