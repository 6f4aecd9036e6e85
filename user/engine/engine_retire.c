// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Removed cgroups: their syscall and scheduling rows leave the BPF maps
 * (room for new cgroups), their last on-CPU figures leave the cgroup
 * file cache, and all are kept in user space, unchanged, for
 * retire_ttl_ns; then they are summed into owner VFLOW_OWNER_GONE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "engine/engine_internal.h"

static int retired_cmp(const void *a, const void *b)
{
	const struct retired *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

struct retired *retired_find(const struct retired_set *rs, __u64 id)
{
	struct retired key = { .id = id };

	return rs->nr_sorted ? bsearch(&key, rs->ret, rs->nr_sorted, sizeof(*rs->ret), retired_cmp)
			     : NULL;
}

int retired_add(struct retired_set *rs, __u64 id, __u64 now_ns)
{
	if (retired_find(rs, id))
		return 0;
	if (rs->nr == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : RETIRED_ROWS_INITIAL;
		struct retired *p = realloc(rs->ret, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		rs->ret = p;
		rs->cap = cap;
	}
	rs->ret[rs->nr++] = (struct retired){ .id = id, .since_ns = now_ns };
	return 0;
}

void retired_sort(struct retired_set *rs)
{
	if (rs->nr != rs->nr_sorted)
		qsort(rs->ret, rs->nr, sizeof(*rs->ret), retired_cmp);
	rs->nr_sorted = rs->nr;
}

int retired_expire(struct retired_set *rs, __u64 id)
{
	if (rs->nr_expired == rs->cap_expired) {
		size_t cap = rs->cap_expired ? rs->cap_expired * 2 : RETIRED_ROWS_INITIAL;
		__u64 *p = realloc(rs->expired, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		rs->expired = p;
		rs->cap_expired = cap;
	}
	rs->expired[rs->nr_expired++] = id;
	return 0;
}

void retired_consume(struct retired_set *rs, size_t n)
{
	if (!n)
		return;		/* rs->expired may be NULL */
	memmove(rs->expired, rs->expired + n, (rs->nr_expired - n) * sizeof(*rs->expired));
	rs->nr_expired -= n;
}

void retired_set_free(struct retired_set *rs)
{
	free(rs->ret);
	free(rs->expired);
	*rs = (struct retired_set){ 0 };
}

int engine__retire_cgroups(struct engine *e, const __u64 *ids, size_t n)
{
	__u64 now = engine_now_ns();
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++)
		if (ids[i] && ids[i] != VFLOW_OWNER_GONE)
			ret = retired_add(&e->cgroups, ids[i], now);
	retired_sort(&e->cgroups);
	return ret;
}

size_t engine__expired(struct engine *e, __u64 *ids, size_t max)
{
	size_t n = e->cgroups.nr_expired < max ? e->cgroups.nr_expired : max;

	if (n)
		memcpy(ids, e->cgroups.expired, n * sizeof(*ids));
	retired_consume(&e->cgroups, n);
	return n;
}

int engine_rt_add(struct engine *e, const struct trap_row *row)
{
	if (engine_rows_grow(e->rt, &e->rt_cap, e->rt->nr_rows + 1))
		return -ENOMEM;
	e->rt->rows[e->rt->nr_rows++] = *row;
	return 0;
}

/* The fallback is not atomic (before 5.14). */
int engine_take_key(int fd, const void *key, void *vals)
{
	if (!bpf_map_lookup_and_delete_elem(fd, key, vals))
		return 0;
	/* kernels before 5.14 answer ENOTSUPP (524, kernel-internal) for hash maps */
	if (errno != EINVAL && errno != 524 && errno != EOPNOTSUPP)
		return -errno;
	if (bpf_map_lookup_elem(fd, key, vals) || bpf_map_delete_elem(fd, key))
		return -errno;
	return 0;
}

/* Row @i of @s came from a BPF map and its cgroup is gone: move it into e->rt. */
static void retire_sys_row(struct engine *e, struct trap_row *row)
{
	struct vflow_sys_key key = { .cgroup_id = row->owner, .nr = (__u32)row->code };
	struct trap_row fresh = { .kind = row->kind, .owner = row->owner, .code = row->code };

	if (engine_take_key(bpf_map__fd(e->skel->maps.sys_stats), &key, e->rt_vals))
		return;		/* left in the map: tried again next time */
	engine_row_from_percpu(&fresh, e->rt_vals, e->nr_cpus, e->val_stride);
	fresh.kind = row->kind;
	fresh.owner = row->owner;
	fresh.code = row->code;
	if (engine_rt_add(e, &fresh))
		return;		/* out of memory: the map keeps it, nothing lost */
	row->kind = VFLOW_TRAP_KIND_MAX;	/* dropped below: e->rt has it now */
}

static void retire_sched_rows(struct engine *e, struct trap_row *on, struct trap_row *rq)
{
	struct trap_row fon = *on, frq = *rq;
	__u64 key = on->owner;

	if (engine_take_key(bpf_map__fd(e->skel->maps.sched_stats), &key, e->rt_vals))
		return;
	engine_sched_rows(&fon, &frq, e->rt_vals, e->nr_cpus);
	if (engine_rt_add(e, &fon) || engine_rt_add(e, &frq))
		return;
	on->kind = rq->kind = VFLOW_TRAP_KIND_MAX;
}

/* Is cgroup @id held by a row of @s in [lo, hi)? */
static bool held(const struct snapshot *s, size_t lo, size_t hi, __u64 id)
{
	for (size_t k = lo; k < hi; k++)
		if (s->rows[k].owner == id)
			return true;
	return false;
}

/* A retired cgroup's last on-CPU figures: out of the file cache, into e->rt (once). */
static void retire_cpu(struct engine *e, struct retired *r)
{
	struct cgroup_cpu_entry *c;
	struct trap_row on, psi;

	if (r->cpu_done)
		return;
	c = e->cpu.slots ? cgroup_cpu_cache__find(&e->cpu, r->id) : NULL;
	if (c && c->read) {
		engine_cpu_entry_rows(c, &on, &psi);
		if (engine_rt_add(e, &on) || (psi.total_ns && engine_rt_add(e, &psi)))
			return;		/* out of memory: tried again next time */
	}
	if (e->cpu.slots)
		cgroup_cpu_cache__forget(&e->cpu, r->id);
	r->cpu_done = true;
}

/*
 * Retired cgroups past the TTL: their rows become VFLOW_OWNER_GONE rows
 * (snapshot__delta knows), unless a per-CPU staging entry still holds
 * one of them: it can be folded into the hash later, under its own id.
 */
static int expire_past_ttl(struct engine *e, const struct snapshot *s, const struct map_rows *m)
{
	__u64 now = engine_now_ns();
	size_t out = 0;
	bool changed = false, drain = false;

	for (size_t i = 0; i < e->cgroups.nr; i++) {
		struct retired *r = &e->cgroups.ret[i];
		bool sched_staged = held(s, m->sst_lo, m->sst_hi, r->id);
		bool staged = held(s, m->st_lo, m->st_hi, r->id) || sched_staged;

		/*
		 * The scheduling staging array holds a cgroup until another one
		 * with the same low bits switches on that CPU, which may never
		 * come: name it for eviction, and have every CPU look. At once:
		 * a removed cgroup has no task left to switch, so what its entry
		 * holds is final, and it is out of the entry well before the TTL.
		 */
		if (sched_staged) {
			__u32 idx = r->id & (VFLOW_SCHED_STAGE_SLOTS - 1);

			/*
			 * Its key first, zero: a fold then finds it, where one
			 * that had to allocate it would often fail (the hash is
			 * not preallocated). The next snapshot takes it, as any.
			 */
			memset(e->rt_vals, 0, e->nr_cpus * PERCPU_STRIDE(sizeof(struct vflow_sched_val)));
			bpf_map_update_elem(bpf_map__fd(e->skel->maps.sched_stats), &r->id, e->rt_vals,
					    BPF_NOEXIST);
			if (!bpf_map_update_elem(bpf_map__fd(e->skel->maps.sched_evict), &idx, &r->id,
						 BPF_ANY))
				drain = true;
		}
		if (now - r->since_ns < e->opts.retire_ttl_ns || staged) {
			e->cgroups.ret[out++] = *r;
			continue;
		}
		for (size_t k = 0; k < e->rt->nr_rows; k++)
			if (e->rt->rows[k].owner == r->id)
				e->rt->rows[k].owner = VFLOW_OWNER_GONE;
		if (retired_expire(&e->cgroups, r->id))
			return -ENOMEM;
		changed = true;
	}
	e->cgroups.nr = e->cgroups.nr_sorted = out;
	if (drain) {
		e->skel->bss->sched_drain_gen++;
		engine_sched_drain_cpus(e);
	}
	if (changed) {
		snapshot__sort(e->rt);
		snapshot__merge(e->rt);
	}
	return 0;
}

/* Move the rows of retired cgroups out of the maps, then add e->rt to @s. */
int engine_retire_apply(struct engine *e, struct snapshot *s, size_t *cap, const struct map_rows *m)
{
	size_t before = e->rt->nr_rows, out = 0;

	for (size_t i = m->sys_lo; e->cgroups.nr && i < m->sys_hi; i++)
		if (retired_find(&e->cgroups, s->rows[i].owner))
			retire_sys_row(e, &s->rows[i]);
	for (size_t i = m->sc_lo; e->cgroups.nr && i + 1 < m->sc_hi; i += 2)
		if (retired_find(&e->cgroups, s->rows[i].owner))
			retire_sched_rows(e, &s->rows[i], &s->rows[i + 1]);
	for (size_t i = 0; i < e->cgroups.nr; i++)
		retire_cpu(e, &e->cgroups.ret[i]);
	if (e->rt->nr_rows != before) {
		snapshot__sort(e->rt);
		snapshot__merge(e->rt);
	}
	if (e->cgroups.nr && expire_past_ttl(e, s, m))
		return -ENOMEM;
	for (size_t i = 0; i < s->nr_rows; i++)
		if (s->rows[i].kind != VFLOW_TRAP_KIND_MAX)
			s->rows[out++] = s->rows[i];
	s->nr_rows = out;
	if (engine_rows_grow(s, cap, s->nr_rows + e->rt->nr_rows))
		return -ENOMEM;
	memcpy(s->rows + s->nr_rows, e->rt->rows, e->rt->nr_rows * sizeof(*s->rows));
	s->nr_rows += e->rt->nr_rows;
	return 0;
}
