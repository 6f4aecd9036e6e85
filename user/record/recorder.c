// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/trap.h"
#include "record/recorder.h"

int recorder__init(struct recorder *r, size_t cap, __u64 window_ns)
{
	memset(r, 0, sizeof(*r));
	r->window_ns = window_ns;
	if (!cap)
		return 0;
	r->ev = calloc(cap, sizeof(*r->ev));
	if (!r->ev)
		return -ENOMEM;
	r->cap = cap;
	return 0;
}

void recorder__free(struct recorder *r)
{
	free(r->ev);
	r->ev = NULL;
	r->cap = r->nr = r->tail = 0;
}

static void drop_oldest(struct recorder *r)
{
	r->tail = (r->tail + 1) % r->cap;
	r->nr--;
	r->evicted++;
}

void recorder__add(struct recorder *r, const struct vflow_event *ev)
{
	r->received++;
	if (!r->cap) {
		r->evicted++;
		return;
	}
	if (r->nr == r->cap)
		drop_oldest(r);
	r->ev[(r->tail + r->nr) % r->cap] = *ev;
	r->nr++;
	/* CPUs deliver slightly out of order: age out against this event only */
	while (r->window_ns && r->nr > 1 && ev->ts_ns > r->window_ns &&
	       r->ev[r->tail].ts_ns < ev->ts_ns - r->window_ns)
		drop_oldest(r);
}

static int cmp_ts(const void *a, const void *b)
{
	const struct vflow_event *x = a, *y = b;

	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	/* equal times: a fixed order, so two copies of the same events agree */
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->code < y->code ? -1 : x->code > y->code;
}

long recorder__copy(const struct recorder *r, struct vflow_event **out)
{
	size_t first;

	*out = NULL;
	if (!r->nr)
		return 0;
	*out = malloc(r->nr * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	first = r->cap - r->tail < r->nr ? r->cap - r->tail : r->nr;
	memcpy(*out, r->ev + r->tail, first * sizeof(**out));
	memcpy(*out + first, r->ev, (r->nr - first) * sizeof(**out));
	qsort(*out, r->nr, sizeof(**out), cmp_ts);
	return (long)r->nr;
}
