/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Import KVM events from existing ftrace text captures (trace / trace_pipe,
 * `trace-cmd report`, `perf script`) into the same trap rows the BPF
 * programs produce, so the same report and model apply to them.
 */
#ifndef VFLOW_FTRACE_IMPORT_H
#define VFLOW_FTRACE_IMPORT_H

#include <stdio.h>
#include "core/snapshot.h"

struct import_stats {
	unsigned long lines;		/* lines read */
	unsigned long events;		/* KVM events understood */
	unsigned long skipped;		/* lines that were not KVM events or did not parse */
	unsigned long unpaired_exits;	/* a kvm_exit followed by another exit, or at the end */
	unsigned long unpaired_entries;	/* a kvm_entry with no exit before it */
	__u64 first_ns, last_ns;	/* timestamps of the first and last event */
};

/*
 * Read all of @f; on success *out is a new snapshot (ts_ns = last event's
 * timestamp) holding sorted, merged trap rows and 0 is returned. Unknown or
 * malformed lines are counted in st->skipped, never fatal. -ENOMEM or
 * -errno of a read error.
 */
int ftrace_import(FILE *f, struct snapshot **out, struct import_stats *st);

/*
 * The same, and each VM exit as a struct vflow_event (VFLOW_EVF_IMPORTED;
 * latency 0 when its entry was lost) to @fn, in the order they end. A
 * non-zero return from @fn stops the import with that error.
 */
typedef int (*ftrace_event_fn)(void *ctx, const struct vflow_event *ev);
int ftrace_import_events(FILE *f, struct snapshot **out, struct import_stats *st,
			 ftrace_event_fn fn, void *ctx);

#endif
