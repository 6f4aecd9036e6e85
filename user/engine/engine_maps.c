// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading the maps into a snapshot: every per-CPU hash in batches, the
 * staging arrays, the scheduling aggregate, the counters; summed over
 * CPUs; then the cgroups' own on-CPU and pressure figures (engine_cpu.c);
 * sorted and merged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "engine/engine_internal.h"

int engine_batch_alloc(struct engine *e, size_t keys)
{
	void *k = realloc(e->keys, keys * BATCH_KEY_MAX);

	if (!k)
		return -ENOMEM;
	e->keys = k;
	k = realloc(e->vals, keys * e->nr_cpus * e->val_stride);
	if (!k)
		return -ENOMEM;
	e->vals = k;
	e->batch_keys = keys;
	return 0;
}

void engine_row_add_val(struct trap_row *row, const struct vflow_trap_val *v)
{
	row->count += v->count;
	row->total_ns += v->total_ns;
	row->skipped += v->skipped;
	for (int i = 0; i < VFLOW_HIST_SLOTS; i++)
		row->hist[i] += v->hist[i];
}

void engine_row_from_percpu(struct trap_row *row, const void *vals, int nr_cpus, size_t stride)
{
	memset(row, 0, sizeof(*row));
	for (int cpu = 0; cpu < nr_cpus; cpu++)
		engine_row_add_val(row, (const void *)((const char *)vals + cpu * stride));
}

int engine_rows_grow(struct snapshot *s, size_t *cap, size_t need)
{
	struct trap_row *rows;
	size_t n = *cap;

	if (need <= n)
		return 0;
	while (n < need)
		n *= 2;
	rows = realloc(s->rows, n * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	s->rows = rows;
	*cap = n;
	return 0;
}

static void sys_key_to_row(const void *k, struct trap_row *row)
{
	const struct vflow_sys_key *key = k;

	row->kind = VFLOW_TRAP_SYSCALL;
	row->owner = key->cgroup_id;
	row->code = key->nr;
}

static void sandbox_key_to_row(const void *k, struct trap_row *row)
{
	const struct vflow_sandbox_key *key = k;

	row->kind = VFLOW_TRAP_SANDBOX;
	row->owner = key->pid;
	row->sub = key->action;
	row->code = key->nr;
}

static void notif_key_to_row(const void *k, struct trap_row *row)
{
	const struct vflow_notif_key *key = k;

	row->kind = VFLOW_TRAP_NOTIF_HANDLING;
	row->owner = key->sup_pid;
	row->sub = key->target_pid;
}

static void kvm_key_to_row(const void *k, struct trap_row *row)
{
	const struct vflow_kvm_key *key = k;

	row->kind = key->kind;
	row->owner = key->pid;
	row->sub = key->vcpu;
	row->code = key->code;
}

static void filter_key_to_row(const void *k, struct trap_row *row)
{
	row->kind = VFLOW_TRAP_FILTER_COST;
	row->owner = *(const __u32 *)k;
}

/*
 * A whole per-CPU hash of trap values through bpf_map_lookup_batch(): one
 * syscall per batch of keys.
 */
static int read_trap_hash(struct engine *e, struct snapshot *s, size_t *cap, int fd,
			  size_t key_size, void (*key_to_row)(const void *, struct trap_row *))
{
	__u64 token = 0;	/* hash maps use a u32 bucket cursor */
	bool first = true;
	int err;

	for (;;) {
		__u32 count = e->batch_keys;

		err = bpf_map_lookup_batch(fd, first ? NULL : &token, &token, e->keys, e->vals,
					   &count, NULL);
		if (err && errno == ENOSPC && !count) {
			/* one bucket holds more keys than fit: grow and retry */
			if (engine_batch_alloc(e, e->batch_keys * 2))
				return -ENOMEM;
			continue;
		}
		if (err && errno != ENOENT)
			return -errno;
		if (engine_rows_grow(s, cap, s->nr_rows + count))
			return -ENOMEM;
		for (__u32 i = 0; i < count; i++) {
			struct trap_row *row = &s->rows[s->nr_rows++];

			engine_row_from_percpu(row, (char *)e->vals + (size_t)i * e->nr_cpus * e->val_stride,
					       e->nr_cpus, e->val_stride);
			key_to_row((char *)e->keys + i * key_size, row);
		}
		if (err)	/* ENOENT: that was the last batch */
			return 0;
		first = false;
	}
}

void engine_sched_rows_add(struct trap_row *oncpu, struct trap_row *runq, const struct vflow_sched_val *v)
{
	oncpu->count += v->switches_vol;
	oncpu->skipped += v->switches_invol;
	engine_row_add_val(runq, &v->runq);
}

void engine_sched_rows(struct trap_row *oncpu, struct trap_row *runq, const void *vals, int nr_cpus)
{
	size_t stride = PERCPU_STRIDE(sizeof(struct vflow_sched_val));

	oncpu->count = oncpu->total_ns = oncpu->skipped = 0;
	memset(oncpu->hist, 0, sizeof(oncpu->hist));
	runq->count = runq->total_ns = runq->skipped = 0;
	memset(runq->hist, 0, sizeof(runq->hist));
	for (int cpu = 0; cpu < nr_cpus; cpu++)
		engine_sched_rows_add(oncpu, runq, (const void *)((const char *)vals + cpu * stride));
}

/* Room for and the start of one cgroup's pair of scheduling rows; NULL on ENOMEM. */
static struct trap_row *sched_pair_new(struct snapshot *s, size_t *cap, __u64 cgid)
{
	struct trap_row *on;

	if (engine_rows_grow(s, cap, s->nr_rows + 2))
		return NULL;
	on = &s->rows[s->nr_rows];
	s->nr_rows += 2;
	memset(on, 0, 2 * sizeof(*on));
	on[0].kind = VFLOW_TRAP_SCHED_ONCPU;
	on[1].kind = VFLOW_TRAP_SCHED_RUNQ;
	on[0].owner = on[1].owner = cgid;
	return on;
}

/* Per-cgroup scheduling aggregates: two rows each (see VFLOW_TRAP_SCHED_*). */
static int read_sched(struct engine *e, struct snapshot *s, size_t *cap)
{
	int fd = bpf_map__fd(e->skel->maps.sched_stats);
	__u64 key, next, *prev = NULL;
	void *vals = e->rt_vals;	/* one per-CPU value: the largest map's room */

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct trap_row *on;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;	/* removed meanwhile */
		on = sched_pair_new(s, cap, key);
		if (!on)
			return -ENOMEM;
		engine_sched_rows(on, on + 1, vals, e->nr_cpus);
	}
	return 0;
}

/*
 * The scheduling staging array (spill entries included): a pair of rows
 * per CPU's entry that holds a cgroup (merged with the hash's by snapshot__merge). Read after the
 * hash, as the syscall path's.
 */
static int read_sched_stage(struct engine *e, struct snapshot *s, size_t *cap)
{
	int fd = bpf_map__fd(e->skel->maps.sched_stage);
	size_t stride = PERCPU_STRIDE(sizeof(struct vflow_sched_stage));

	for (__u32 k = 0; k < VFLOW_SCHED_STAGE_ENTRIES; k++) {
		if (bpf_map_lookup_elem(fd, &k, e->sched_stage_vals))
			continue;
		for (int cpu = 0; cpu < e->nr_cpus; cpu++) {
			const struct vflow_sched_stage *st = (const void *)((char *)e->sched_stage_vals +
									    cpu * stride);
			struct trap_row *on;

			if (!st->cgroup_id)
				continue;
			on = sched_pair_new(s, cap, st->cgroup_id);
			if (!on)
				return -ENOMEM;
			engine_sched_rows_add(on, on + 1, &st->val);
		}
	}
	return 0;
}

/* Sum a per-CPU counter array into s->counters. */
static void read_counters(struct engine *e, struct snapshot *s, int fd)
{
	for (__u32 k = 0; k < VFLOW_CNT_MAX; k++) {
		if (bpf_map_lookup_elem(fd, &k, e->counter_vals))
			continue;
		for (int cpu = 0; cpu < e->nr_cpus; cpu++)
			s->counters[k] += e->counter_vals[cpu];
	}
}

/*
 * The per-CPU staging entries hold counts not yet folded into the hash:
 * one row each, merged with the hash's rows by snapshot_merge(). Read
 * after the hash, so a fold in between is missed once (and seen next
 * time) rather than counted twice.
 */
static int read_sys_stage(struct engine *e, struct snapshot *s, size_t *cap)
{
	int fd = bpf_map__fd(e->skel->maps.sys_stage);
	size_t stride = PERCPU_STRIDE(sizeof(struct vflow_sys_stage));
	__u32 count = VFLOW_STAGE_NR, token = 0;

	/* the whole array in one call */
	if (bpf_map_lookup_batch(fd, NULL, &token, e->stage_keys, e->stage_vals, &count, NULL) &&
	    errno != ENOENT)
		return -errno;
	for (__u32 i = 0; i < count; i++) {
		for (int cpu = 0; cpu < e->nr_cpus; cpu++) {
			const struct vflow_sys_stage *st = (const void *)((char *)e->stage_vals +
				((size_t)i * e->nr_cpus + cpu) * stride);
			struct trap_row *row;

			if (!st->cgroup_id || (!st->val.count && !st->val.skipped))
				continue;
			if (engine_rows_grow(s, cap, s->nr_rows + 1))
				return -ENOMEM;
			row = &s->rows[s->nr_rows++];
			memset(row, 0, sizeof(*row));
			row->kind = VFLOW_TRAP_SYSCALL;
			row->owner = st->cgroup_id;
			row->code = e->stage_keys[i];
			engine_row_add_val(row, &st->val);
		}
	}
	return 0;
}

/*
 * The syscall object's maps into @s, then the rows of retired cgroups out
 * of them: retirement needs to know where each map's rows start and end.
 */
static int read_syscall_maps(struct engine *e, struct snapshot *s, size_t *cap)
{
	struct map_rows m = { .sys_lo = s->nr_rows };
	int err;

	err = read_trap_hash(e, s, cap, bpf_map__fd(e->skel->maps.sys_stats),
			     sizeof(struct vflow_sys_key), sys_key_to_row);
	if (err)
		return err;
	m.sys_hi = m.st_lo = s->nr_rows;
	err = read_sys_stage(e, s, cap);
	if (err)
		return err;
	m.st_hi = s->nr_rows;
	err = read_trap_hash(e, s, cap, bpf_map__fd(e->skel->maps.sandbox_stats),
			     sizeof(struct vflow_sandbox_key), sandbox_key_to_row);
	if (!err)
		err = read_trap_hash(e, s, cap, bpf_map__fd(e->skel->maps.notif_stats),
				     sizeof(struct vflow_notif_key), notif_key_to_row);
	if (err)
		return err;
	m.sc_lo = s->nr_rows;
	err = read_sched(e, s, cap);
	if (err)
		return err;
	m.sc_hi = m.sst_lo = s->nr_rows;
	err = read_sched_stage(e, s, cap);
	if (err)
		return err;
	m.sst_hi = s->nr_rows;
	err = engine_retire_apply(e, s, cap, &m);
	return err ? err : engine_cpu_rows(e, s, cap);
}

struct snapshot *engine__snapshot(struct engine *e)
{
	size_t cap = BATCH_KEYS_INITIAL;
	struct snapshot *s = snapshot__new(cap);

	if (!s)
		return NULL;
	s->ts_ns = engine_now_ns();
	if ((e->skel && read_syscall_maps(e, s, &cap)) ||
	    (e->kvm && read_trap_hash(e, s, &cap, bpf_map__fd(e->kvm->maps.kvm_stats),
				      sizeof(struct vflow_kvm_key), kvm_key_to_row)) ||
	    (e->filter && read_trap_hash(e, s, &cap, bpf_map__fd(e->filter->maps.filter_cost),
					 sizeof(__u32), filter_key_to_row))) {
		snapshot__free(s);
		return NULL;
	}
	if (engine_retire_proc_apply(e, s, &cap)) {
		snapshot__free(s);
		return NULL;
	}
	snapshot__sort(s);
	snapshot__merge(s);
	if (e->skel)
		read_counters(e, s, bpf_map__fd(e->skel->maps.counters));
	if (e->kvm)
		read_counters(e, s, bpf_map__fd(e->kvm->maps.counters));
	s->events = e->events;
	s->time_period = e->time_period;
	if (e->skel)
		engine_timing_adapt(e, s);
	return s;
}
