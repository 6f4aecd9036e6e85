// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "snapshot.h"

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

static int key_cmp(__u64 ca, __u32 na, __u64 cb, __u32 nb)
{
	if (ca != cb)
		return ca < cb ? -1 : 1;
	if (na != nb)
		return na < nb ? -1 : 1;
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct sys_row *x = a, *y = b;

	return key_cmp(x->cgroup_id, x->nr, y->cgroup_id, y->nr);
}

void snapshot__sort(struct snapshot *s)
{
	qsort(s->rows, s->nr_rows, sizeof(*s->rows), row_cmp);
}

const struct sys_row *snapshot__find(const struct snapshot *s, __u64 cgroup_id, __u32 nr)
{
	struct sys_row key = { .cgroup_id = cgroup_id, .nr = nr };

	return bsearch(&key, s->rows, s->nr_rows, sizeof(*s->rows), row_cmp);
}

void sys_row__add(struct sys_row *dst, const struct sys_row *src)
{
	dst->count += src->count;
	dst->total_ns += src->total_ns;
	dst->skipped += src->skipped;
	for (int i = 0; i < VFLOW_HIST_SLOTS; i++)
		dst->hist[i] += src->hist[i];
}

/* d = c - p, or false if any count went down (the row was reset) */
static bool row_sub(struct sys_row *d, const struct sys_row *c, const struct sys_row *p)
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

struct snapshot *snapshot__delta(const struct snapshot *prev, const struct snapshot *cur)
{
	struct snapshot *d = snapshot__new(cur->nr_rows);
	size_t i = 0, j = 0;

	if (!d)
		return NULL;
	d->ts_ns = cur->ts_ns;
	for (int k = 0; k < VFLOW_CNT_MAX; k++)
		d->counters[k] = cur->counters[k] - (prev && prev->counters[k] <= cur->counters[k] ?
						     prev->counters[k] : 0);
	d->events = cur->events - (prev && prev->events <= cur->events ? prev->events : 0);

	/* merge join: both sides are sorted by key */
	for (; i < cur->nr_rows; i++) {
		const struct sys_row *c = &cur->rows[i];
		struct sys_row *out = &d->rows[d->nr_rows];

		while (prev && j < prev->nr_rows &&
		       key_cmp(prev->rows[j].cgroup_id, prev->rows[j].nr, c->cgroup_id, c->nr) < 0)
			j++;
		*out = *c;
		if (prev && j < prev->nr_rows &&
		    !key_cmp(prev->rows[j].cgroup_id, prev->rows[j].nr, c->cgroup_id, c->nr) &&
		    !row_sub(out, c, &prev->rows[j]))
			*out = *c;
		if (out->count || out->skipped)
			d->nr_rows++;
	}
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
