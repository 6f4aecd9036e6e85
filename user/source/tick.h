/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * One interval of any front-end: a snapshot from its source, its
 * difference to the last one, the report of both, and for a live engine
 * the removed cgroups retired from the maps. vflowd and vflowtop both run
 * it; what they do with the report (print, serve, draw) is theirs.
 */
#ifndef VFLOW_TICK_H
#define VFLOW_TICK_H

#include <stdbool.h>
#include <stddef.h>
#include "report/report.h"
#include "source/source.h"

#define TICK_MSG_LEN 256

struct tick {
	struct source *src;
	/* set by the program, read at each report: the model and rules in use (may change) */
	const struct model_config *model;
	const struct advice_rules *advice;
	/* the model's running sums each interval adds to (the exporter's counters); may be NULL */
	struct report_ledger *ledger;
	struct snapshot *snap;		/* the latest read, cumulative */
	struct snapshot *rate_ref;	/* where the next interval starts: snap, or a read at resume */
	struct snapshot *base;		/* totals since this one (tick__rebase); NULL: since the start */
	struct snapshot *cum, *delta;	/* what the report points at; cum NULL: snap */
	struct report r;		/* the latest report, valid while have_report */
	bool have_report;
	char warning[TICK_MSG_LEN];	/* something the last tick could not do, that changed nothing shown */
};

void tick__init(struct tick *t, struct source *src);
/*
 * The next interval: a snapshot (a replay moves on by @advance_ns of its
 * dump), the report of it since the last one, removed cgroups retired
 * from a live engine. 0, or -errno with a one-line @err; the last report
 * stays as it was.
 */
int tick__next(struct tick *t, __u64 advance_ns, char *err, size_t err_len);
/*
 * Totals start again at the latest snapshot (vflowtop's "r"): the report
 * shows nothing until the next interval. 0, or -errno with a one-line @err.
 */
int tick__rebase(struct tick *t, char *err, size_t err_len);
/* The next interval starts now, not at the last report (after a pause). */
void tick__restart(struct tick *t);
void tick__free(struct tick *t);

#endif
