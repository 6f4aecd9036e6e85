// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What the kernel already counts, taken instead of traced: each cgroup's
 * on-CPU time (cpu.stat usage_usec) and run-queue pressure (cpu.pressure,
 * PSI "some"), as ONCPU and PSI rows of the snapshot; and the period of
 * sampled syscall timing, adapted to a CPU budget when one is set.
 *
 * A cgroup's files are read only when it did something in the interval (a
 * syscall or a context switch in the BPF counts): its on-CPU time cannot
 * grow otherwise, short of a thread that spins on an otherwise idle CPU
 * without a syscall or a switch for a whole interval, which shows at its
 * next one. Figures count from vflow's start: every cgroup is read once
 * when the engine opens (the baseline, up to CGROUP_BASELINE_MAX of
 * them); a cgroup made since counts from zero (the first cgroup_mkdir
 * seen gives the first such id); any other from when vflow first reads it.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "engine/engine_internal.h"
#include "host/cgroup.h"

/* clock_cost test-runs: loop steps per run, runs per variant (the fastest counts) */
#define CLOCK_COST_READS 100000
#define CLOCK_COST_RUNS 5
/* a timed syscall reads the clock at sys_enter and sys_exit */
#define CLOCK_READS_PER_TIMED 2
#define NS_PER_SEC 1e9
/* cgroups read at start, their base: beyond, a cgroup counts from when it is first read */
#define CGROUP_BASELINE_MAX 16384

void engine_cpu_open(struct engine *e)
{
	const char *stat_name = "cgroup cpu.stat (on-CPU time)";
	const char *psi_name = "cgroup cpu.pressure (run-queue pressure)";
	char root_path[PATH_MAX];
	struct cgroup_resolver r;
	struct cgroup_cpu root;
	int err;

	err = cgroup_resolver__init(&r);
	if (!err) {
		snprintf(root_path, sizeof(root_path), "%s", r.root);
		err = cgroup_cpu_cache__init(&e->cpu, root_path);
		if (!err)
			err = cgroup_cpu_read(root_path, "/", &root);
		cgroup_resolver__free(&r);
	}
	if (err) {
		engine_probe_add(e, stat_name, "cgroup2", false, err == -ENOENT ?
				 "no cgroup2 hierarchy mounted: no on-CPU time per cgroup" :
				 "cannot read cpu.stat: no on-CPU time per cgroup");
		engine_probe_add(e, psi_name, "cgroup2", false, "no cgroup2 hierarchy");
		return;
	}
	e->cpu_live = true;
	engine_probe_add(e, stat_name, "cgroup2", true, NULL);
	/* what every cgroup has used so far is not vflow's to show */
	if (cgroup_cpu_cache__baseline(&e->cpu, root_path, CGROUP_BASELINE_MAX) == -ENOMEM)
		e->cpu_live = false;
	engine_probe_add(e, psi_name, "cgroup2", root.has_psi,
			 root.has_psi ? NULL : "this kernel runs without PSI (psi=1 turns it on)");
}

void engine_cpu_entry_rows(const struct cgroup_cpu_entry *c, struct trap_row *on, struct trap_row *psi)
{
	memset(on, 0, sizeof(*on));
	memset(psi, 0, sizeof(*psi));
	on->kind = VFLOW_TRAP_SCHED_ONCPU;
	psi->kind = VFLOW_TRAP_SCHED_PSI;
	on->owner = psi->owner = c->id;
	if (c->last.self_ns > c->base.self_ns)
		on->total_ns = c->last.self_ns - c->base.self_ns;
	if (c->last.has_psi && c->last.psi_some_ns > c->base.psi_some_ns)
		psi->total_ns = c->last.psi_some_ns - c->base.psi_some_ns;
}

/* Sum each live cgroup's activity (syscalls, switches) in @s into its entry's pending count. */
static int sum_activity(struct engine *e, const struct snapshot *s, __u32 gen)
{
	for (size_t i = 0; i < s->nr_rows; i++) {
		const struct trap_row *row = &s->rows[i];
		struct cgroup_cpu_entry *c;

		if (row->kind != VFLOW_TRAP_SYSCALL && row->kind != VFLOW_TRAP_SCHED_ONCPU)
			continue;
		if (row->owner == VFLOW_OWNER_GONE || retired_find(&e->cgroups, row->owner))
			continue;
		/* only cgroups with syscalls are entities; their switches count too */
		c = row->kind == VFLOW_TRAP_SYSCALL ? cgroup_cpu_cache__get(&e->cpu, row->owner)
						    : cgroup_cpu_cache__find(&e->cpu, row->owner);
		if (!c) {
			if (row->kind == VFLOW_TRAP_SYSCALL)
				return -ENOMEM;
			continue;
		}
		if (c->gen != gen) {
			c->gen = gen;
			c->pending = 0;
		}
		c->pending += row->count + row->skipped;
	}
	return 0;
}

/* Read @c if it did something since its last read; the first read sets its base. */
static void refresh(struct engine *e, struct cgroup_cpu_entry *c)
{
	__u64 first_new = e->skel->bss->first_new_cgroup_id;
	bool first = !c->read;

	if (c->read && c->pending == c->activity)
		return;
	if (cgroup_cpu_cache__read(&e->cpu, c))
		return;		/* gone, or refused: its last figures stay */
	c->activity = c->pending;
	/* made since the baseline: from zero; older, unseen then: from now */
	if (first && !c->based && !(first_new && c->id >= first_new))
		c->base = c->last;
}

int engine_cpu_rows(struct engine *e, struct snapshot *s, size_t *cap)
{
	static __u32 gen;
	int err;

	if (!e->cpu_live)
		return 0;
	if (!++gen)
		gen = 1;	/* 0 is a new entry's */
	err = sum_activity(e, s, gen);
	if (err)
		return err;
	for (size_t i = 0; i < e->cpu.cap; i++) {
		struct cgroup_cpu_entry *c = &e->cpu.slots[i];
		struct trap_row on, psi;

		if (!c->id || c->gen != gen)
			continue;
		refresh(e, c);
		if (!c->read)
			continue;
		engine_cpu_entry_rows(c, &on, &psi);
		if (engine_rows_grow(s, cap, s->nr_rows + 2))
			return -ENOMEM;
		s->rows[s->nr_rows++] = on;
		if (c->last.has_psi)
			s->rows[s->nr_rows++] = psi;
	}
	return 0;
}

/* ns of one bpf_loop run of @reads steps, with or without a clock read; < 0: failed. */
static double clock_cost_run(int fd, bool with_clock)
{
	struct vflow_clock_cost c = { .reads = CLOCK_COST_READS, .with_clock = with_clock };
	LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = &c, .ctx_size_in = sizeof(c));
	double best = -1;

	for (int i = 0; i < CLOCK_COST_RUNS; i++) {
		__u64 t0 = engine_now_ns(), t;

		if (bpf_prog_test_run_opts(fd, &o))
			return -1;
		t = engine_now_ns() - t0;
		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

void engine_timing_open(struct engine *e)
{
	double with, without;
	int fd;

	if (!e->skel || e->opts.time_budget <= 0)
		return;
	fd = bpf_program__fd(e->skel->progs.clock_cost);
	with = fd < 0 ? -1 : clock_cost_run(fd, true);
	without = fd < 0 ? -1 : clock_cost_run(fd, false);
	if (with > 0 && without >= 0 && with > without)
		e->clock_read_ns = (with - without) / CLOCK_COST_READS;
}

/*
 * The budget mode: from the syscall rate of the interval just read, the
 * smallest power-of-two period whose clock reads stay within the budget
 * (a share of one CPU). Without a measured clock cost it keeps its period.
 */
void engine_timing_adapt(struct engine *e, const struct snapshot *s)
{
	__u64 calls = 0, n = 1;
	double rate, want;

	if (e->opts.time_budget <= 0 || e->clock_read_ns <= 0)
		return;
	for (size_t i = 0; i < s->nr_rows && s->rows[i].kind == VFLOW_TRAP_SYSCALL; i++)
		calls += s->rows[i].count;
	if (e->timing_ts && s->ts_ns > e->timing_ts && calls >= e->timing_calls) {
		rate = (double)(calls - e->timing_calls) * NS_PER_SEC / (double)(s->ts_ns - e->timing_ts);
		want = ceil(rate * CLOCK_READS_PER_TIMED * e->clock_read_ns /
			    (e->opts.time_budget * NS_PER_SEC));
		while (n < want && n < VFLOW_TIME_PERIOD_MAX)
			n <<= 1;
		e->time_period = (__u32)n;
		e->skel->data->sys_time_period = e->time_period;
	}
	e->timing_calls = calls;
	e->timing_ts = s->ts_ns;
}

__u32 engine__time_period(const struct engine *e)
{
	return e->time_period ? e->time_period : 1;
}

double engine__clock_read_ns(const struct engine *e)
{
	return e->clock_read_ns;
}
