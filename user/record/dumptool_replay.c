// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A dump's events put back into trap rows keyed as the engine keys them:
 * what vflowtop replays and what the offline model runs on when the dump's
 * exact aggregates do not answer the question.
 */
#include <stdlib.h>
#include <string.h>
#include "record/dumptool.h"
#include "record/dumptool_internal.h"

/* The first capacity of the rows: equal keys are folded when it fills. */
#define SNAP_ROWS_MIN 1024

struct row_buf {
	struct snapshot *s;
	size_t cap;
};

/* A row per event would not fit a big dump: fold equal keys whenever full. */
static struct trap_row *row_next(struct row_buf *b)
{
	struct snapshot *s = b->s;

	if (s->nr_rows == b->cap) {
		snapshot__sort(s);
		snapshot__merge(s);
		if (s->nr_rows * 2 > b->cap) {
			void *p = realloc(s->rows, b->cap * 2 * sizeof(*s->rows));

			if (!p)
				return NULL;
			s->rows = p;
			b->cap *= 2;
		}
	}
	memset(&s->rows[s->nr_rows], 0, sizeof(s->rows[0]));
	return &s->rows[s->nr_rows++];
}

static void row_account(struct trap_row *r, __u64 lat, __u64 w, bool untimed_skipped)
{
	if (lat) {
		r->count = w;
		r->total_ns = lat * w;
		r->hist[vflow_hist_slot(lat)] = w;
	} else if (untimed_skipped) {
		r->skipped = w;
	} else {
		r->count = w;
	}
}

struct snapshot *dumptool_snapshot(const struct dump *d, const struct dump_filter *f, bool weighted)
{
	struct row_buf b = { .cap = SNAP_ROWS_MIN };
	struct trap_row *r;

	b.s = snapshot__new(b.cap);
	if (!b.s)
		return NULL;
	for (size_t i = 0; i < d->nr_ev; i++) {
		const struct vflow_event *ev = &d->ev[i];
		__u32 period = d->info.sample_period[dump_event_rec_class(ev)];
		__u64 w = 1;

		if (!dump_filter__match(d, f, ev))
			continue;
		/* a slow event is there because it was slow: it stands for itself */
		if (weighted && (ev->flags & (VFLOW_EVF_SAMPLED | VFLOW_EVF_SLOW)) == VFLOW_EVF_SAMPLED &&
		    period)
			w = period;
		b.s->events++;
		b.s->ts_ns = ev->ts_ns > b.s->ts_ns ? ev->ts_ns : b.s->ts_ns;
		r = row_next(&b);
		if (!r)
			goto nomem;
		r->kind = ev->trap;
		if (ev->trap == VFLOW_TRAP_SYSCALL) {
			r->owner = ev->cgroup_id;
			r->code = ev->code;
			/* a syscall with no latency exited without entering */
			row_account(r, ev->latency_ns, w, true);
			continue;
		}
		r->owner = ev->pid;
		r->sub = ev->sub;
		r->code = ev->code;
		row_account(r, ev->latency_ns, w, false);
		if (!is_exit_kind(ev->trap) || !ev->aux_trap || ev->aux_trap >= VFLOW_TRAP_KIND_MAX)
			continue;
		/*
		 * As the kernel does: what the exit carried gets the exit's
		 * latency; an exit to the VMM was timed apart, which the event
		 * does not hold, so it is counted only.
		 */
		r = row_next(&b);
		if (!r)
			goto nomem;
		r->kind = ev->aux_trap;
		r->owner = ev->pid;
		r->sub = ev->sub;
		r->code = (__u64)ev->ret;
		row_account(r, ev->aux_trap == VFLOW_TRAP_USERSPACE_EXIT ? 0 : ev->latency_ns, w, false);
	}
	snapshot__sort(b.s);
	snapshot__merge(b.s);
	return b.s;
nomem:
	snapshot__free(b.s);
	return NULL;
}
