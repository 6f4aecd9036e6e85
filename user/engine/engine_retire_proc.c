// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Exited processes, retired as removed cgroups are (engine_retire.c):
 * their rows (sandbox traps, user-notify handling, filter cost, KVM)
 * leave the BPF maps, are kept in user space unchanged for
 * retire_ttl_ns, then are summed into owner VFLOW_OWNER_GONE: the
 * totals never change, and the maps hold the living.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "core/trap.h"
#include "engine/engine_internal.h"

int engine__retire_processes(struct engine *e, const __u32 *pids, size_t n)
{
	__u64 now = engine_now_ns();
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++)
		if (pids[i] && pids[i] < VFLOW_OWNER_NO_PID)
			ret = retired_add(&e->procs, pids[i], now);
	retired_sort(&e->procs);
	return ret;
}

size_t engine__expired_processes(struct engine *e, __u32 *pids, size_t max)
{
	size_t n = e->procs.nr_expired < max ? e->procs.nr_expired : max;

	for (size_t i = 0; i < n; i++)
		pids[i] = (__u32)e->procs.expired[i];
	retired_consume(&e->procs, n);
	return n;
}

/* The map of a process row and its key, or -1 where the row is no process's. */
static int row_key(const struct engine *e, const struct trap_row *row, void *key)
{
	if (row->kind == VFLOW_TRAP_SANDBOX && e->skel) {
		*(struct vflow_sandbox_key *)key = (struct vflow_sandbox_key){
			.pid = (__u32)row->owner, .nr = (__u32)row->code, .action = row->sub,
		};
		return bpf_map__fd(e->skel->maps.sandbox_stats);
	}
	if (row->kind == VFLOW_TRAP_NOTIF_HANDLING && e->skel) {
		*(struct vflow_notif_key *)key = (struct vflow_notif_key){
			.sup_pid = (__u32)row->owner, .target_pid = row->sub,
		};
		return bpf_map__fd(e->skel->maps.notif_stats);
	}
	if (row->kind == VFLOW_TRAP_FILTER_COST && e->filter) {
		*(__u32 *)key = (__u32)row->owner;
		return bpf_map__fd(e->filter->maps.filter_cost);
	}
	if (is_kvm_kind(row->kind) && e->kvm) {
		*(struct vflow_kvm_key *)key = (struct vflow_kvm_key){
			.pid = (__u32)row->owner, .vcpu = row->sub, .kind = row->kind, .code = row->code,
		};
		return bpf_map__fd(e->kvm->maps.kvm_stats);
	}
	return -1;
}

/* Row @row of an exited process: out of its map, into e->rt_proc; dropped from the snapshot. */
static void retire_row(struct engine *e, struct trap_row *row)
{
	char key[BATCH_KEY_MAX];
	struct trap_row fresh;
	int fd = row_key(e, row, key);

	if (fd < 0 || engine_take_key(fd, key, e->rt_vals))
		return;		/* left in the map: tried again next time */
	engine_row_from_percpu(&fresh, e->rt_vals, e->nr_cpus, e->val_stride);
	fresh.kind = row->kind;
	fresh.owner = row->owner;
	fresh.sub = row->sub;
	fresh.code = row->code;
	if (engine_rows_grow(e->rt_proc, &e->rt_proc_cap, e->rt_proc->nr_rows + 1))
		return;		/* out of memory: lost from the map, as a map full would lose it */
	e->rt_proc->rows[e->rt_proc->nr_rows++] = fresh;
	row->kind = VFLOW_TRAP_KIND_MAX;
}

/* Retired processes past the TTL: their kept rows become VFLOW_OWNER_GONE rows. */
static int expire(struct engine *e)
{
	__u64 now = engine_now_ns();
	size_t out = 0;
	bool changed = false;

	for (size_t i = 0; i < e->procs.nr; i++) {
		struct retired *r = &e->procs.ret[i];

		if (now - r->since_ns < e->opts.retire_ttl_ns) {
			e->procs.ret[out++] = *r;
			continue;
		}
		for (size_t k = 0; k < e->rt_proc->nr_rows; k++)
			if (e->rt_proc->rows[k].owner == r->id)
				trap_row_to_gone(&e->rt_proc->rows[k]);
		if (retired_expire(&e->procs, r->id))
			return -ENOMEM;
		changed = true;
	}
	e->procs.nr = e->procs.nr_sorted = out;
	if (changed) {
		snapshot__sort(e->rt_proc);
		snapshot__merge(e->rt_proc);
	}
	return 0;
}

int engine_retire_proc_apply(struct engine *e, struct snapshot *s, size_t *cap)
{
	size_t before, out = 0;

	if (!e->procs.nr && !e->rt_proc)
		return 0;
	if (!e->rt_proc) {
		e->rt_proc_cap = RETIRED_ROWS_INITIAL;
		e->rt_proc = snapshot__new(e->rt_proc_cap);
		if (!e->rt_proc)
			return -ENOMEM;
	}
	before = e->rt_proc->nr_rows;
	for (size_t i = 0; e->procs.nr && i < s->nr_rows; i++)
		if (!trap_kind_by_cgroup(s->rows[i].kind) && s->rows[i].owner != VFLOW_OWNER_GONE &&
		    retired_find(&e->procs, s->rows[i].owner))
			retire_row(e, &s->rows[i]);
	if (e->rt_proc->nr_rows != before) {
		snapshot__sort(e->rt_proc);
		snapshot__merge(e->rt_proc);
	}
	if (e->procs.nr && expire(e))
		return -ENOMEM;
	for (size_t i = 0; i < s->nr_rows; i++)
		if (s->rows[i].kind != VFLOW_TRAP_KIND_MAX)
			s->rows[out++] = s->rows[i];
	s->nr_rows = out;
	if (engine_rows_grow(s, cap, s->nr_rows + e->rt_proc->nr_rows))
		return -ENOMEM;
	memcpy(s->rows + s->nr_rows, e->rt_proc->rows, e->rt_proc->nr_rows * sizeof(*s->rows));
	s->nr_rows += e->rt_proc->nr_rows;
	return 0;
}

void engine_retire_proc_free(struct engine *e)
{
	snapshot__free(e->rt_proc);
	e->rt_proc = NULL;
	retired_set_free(&e->procs);
}
