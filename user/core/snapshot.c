// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "core/snapshot.h"

struct snapshot *snapshot__new(size_t cap_rows)
{
	struct snapshot *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->rows = calloc(cap_rows ? cap_rows : 1, sizeof(*s->rows));
	if (!s->rows) {
		free(s);
		return NULL;
	}
	return s;
}

void snapshot__free(struct snapshot *s)
{
	if (!s)
		return;
	free(s->rows);
	free(s);
}

#define CMP(a, b) ((a) < (b) ? -1 : (a) > (b))

static int key_cmp(const struct trap_row *x, const struct trap_row *y)
{
	if (x->kind != y->kind)
		return CMP(x->kind, y->kind);
	if (x->owner != y->owner)
		return CMP(x->owner, y->owner);
	if (x->sub != y->sub)
		return CMP(x->sub, y->sub);
	return CMP(x->code, y->code);
}

static int row_cmp(const void *a, const void *b)
{
	return key_cmp(a, b);
}

void snapshot__sort(struct snapshot *s)
{
	qsort(s->rows, s->nr_rows, sizeof(*s->rows), row_cmp);
}

const struct trap_row *snapshot__find(const struct snapshot *s, const struct trap_row *key)
{
	return bsearch(key, s->rows, s->nr_rows, sizeof(*s->rows), row_cmp);
}

void snapshot__merge(struct snapshot *s)
{
	size_t out = 0;

	for (size_t i = 0; i < s->nr_rows; i++) {
		if (out && !key_cmp(&s->rows[out - 1], &s->rows[i]))
			trap_row__add(&s->rows[out - 1], &s->rows[i]);
		else
			s->rows[out++] = s->rows[i];
	}
	s->nr_rows = out;
}

void trap_row__add(struct trap_row *dst, const struct trap_row *src)
{
	dst->count += src->count;
	dst->total_ns += src->total_ns;
	dst->skipped += src->skipped;
	for (int i = 0; i < VFLOW_HIST_SLOTS; i++)
		dst->hist[i] += src->hist[i];
}

/* d = c - p, or false if any count went down (the row was reset) */
static bool row_sub(struct trap_row *d, const struct trap_row *c, const struct trap_row *p)
{
	if (c->count < p->count || c->total_ns < p->total_ns || c->skipped < p->skipped)
		return false;
	for (int i = 0; i < VFLOW_HIST_SLOTS; i++) {
		if (c->hist[i] < p->hist[i])
			return false;
		d->hist[i] = c->hist[i] - p->hist[i];
	}
	d->count = c->count - p->count;
	d->total_ns = c->total_ns - p->total_ns;
	d->skipped = c->skipped - p->skipped;
	return true;
}

bool trap_kind_by_cgroup(__u32 kind)
{
	return kind == VFLOW_TRAP_SYSCALL || kind == VFLOW_TRAP_SCHED_ONCPU ||
	       kind == VFLOW_TRAP_SCHED_RUNQ || kind == VFLOW_TRAP_SCHED_PSI;
}

void trap_row_to_gone(struct trap_row *row)
{
	row->owner = VFLOW_OWNER_GONE;
	if (row->kind == VFLOW_TRAP_NOTIF_HANDLING)
		row->sub = 0;
}

/*
 * Rows of removed cgroups and exited processes leave the snapshots once
 * they are summed into owner VFLOW_OWNER_GONE (see engine__retire_cgroups,
 * engine__retire_processes): what such a row held
 * in @prev is in cur's GONE row already, not new. Those rows of @prev,
 * summed per GONE key; NULL with *oom set when out of memory.
 */
static struct snapshot *moved_rows(const struct snapshot *prev, const struct snapshot *cur, bool *oom)
{
	struct snapshot *m = NULL;
	size_t j = 0;

	*oom = false;
	for (size_t i = 0; i < prev->nr_rows; i++) {
		const struct trap_row *p = &prev->rows[i];

		/* cgroups' rows and exited processes' alike (engine__retire_processes) */
		if (p->owner == VFLOW_OWNER_GONE)
			continue;
		while (j < cur->nr_rows && key_cmp(&cur->rows[j], p) < 0)
			j++;
		if (j < cur->nr_rows && !key_cmp(&cur->rows[j], p))
			continue;
		if (!m && !(m = snapshot__new(prev->nr_rows - i))) {
			*oom = true;
			return NULL;
		}
		m->rows[m->nr_rows] = *p;
		trap_row_to_gone(&m->rows[m->nr_rows++]);
	}
	if (m) {
		snapshot__sort(m);
		snapshot__merge(m);
	}
	return m;
}

struct snapshot *snapshot__delta(const struct snapshot *prev, const struct snapshot *cur)
{
	struct snapshot *d = snapshot__new(cur->nr_rows), *moved = NULL;
	size_t i = 0, j = 0;
	bool oom = false;

	if (!d)
		return NULL;
	if (prev)
		moved = moved_rows(prev, cur, &oom);
	if (oom) {
		snapshot__free(d);
		return NULL;
	}
	d->ts_ns = cur->ts_ns;
	d->time_period = cur->time_period;
	for (int k = 0; k < VFLOW_CNT_MAX; k++)
		d->counters[k] = cur->counters[k] - (prev && prev->counters[k] <= cur->counters[k] ?
						     prev->counters[k] : 0);
	d->events = cur->events - (prev && prev->events <= cur->events ? prev->events : 0);

	/* merge join: both sides are sorted by key */
	for (; i < cur->nr_rows; i++) {
		const struct trap_row *c = &cur->rows[i];
		struct trap_row *out = &d->rows[d->nr_rows], base;
		const struct trap_row *mv = NULL;
		bool have = false;

		while (prev && j < prev->nr_rows && key_cmp(&prev->rows[j], c) < 0)
			j++;
		memset(&base, 0, sizeof(base));
		if (prev && j < prev->nr_rows && !key_cmp(&prev->rows[j], c)) {
			trap_row__add(&base, &prev->rows[j]);
			have = true;
		}
		if (moved && c->owner == VFLOW_OWNER_GONE && (mv = snapshot__find(moved, c))) {
			trap_row__add(&base, mv);
			have = true;
		}
		*out = *c;
		if (have && !row_sub(out, c, &base))
			*out = *c;
		if (out->count || out->skipped)
			d->nr_rows++;
	}
	snapshot__free(moved);
	return d;
}

double rate_per_sec(__u64 delta, __u64 dt_ns)
{
	return dt_ns ? (double)delta * 1e9 / (double)dt_ns : 0.0;
}

__u64 hist_count(const __u64 hist[VFLOW_HIST_SLOTS])
{
	__u64 n = 0;

	for (int i = 0; i < VFLOW_HIST_SLOTS; i++)
		n += hist[i];
	return n;
}

__u64 hist_slot_low_ns(unsigned int slot)
{
	return slot ? 1ULL << (slot - 1) : 0;
}

__u64 hist_slot_high_ns(unsigned int slot)
{
	return 1ULL << slot;
}

double hist_quantile_ns(const __u64 hist[VFLOW_HIST_SLOTS], double q)
{
	__u64 n = hist_count(hist), seen = 0;
	double rank;

	if (!n || q <= 0)
		return 0;
	if (q > 1)
		q = 1;
	rank = q * (double)n;
	for (int i = 0; i < VFLOW_HIST_SLOTS; i++) {
		if (!hist[i])
			continue;
		if ((double)(seen + hist[i]) >= rank) {
			double lo = hist_slot_low_ns(i), hi = hist_slot_high_ns(i);

			return lo + (hi - lo) * (rank - (double)seen) / (double)hist[i];
		}
		seen += hist[i];
	}
	return hist_slot_high_ns(VFLOW_HIST_SLOTS - 1);
}
