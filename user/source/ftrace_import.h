/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Import KVM events from text captures into the same trap rows the BPF
 * programs produce, so the same report and model apply to them. Every
 * line has the shape
 *	[task] [[CPU]] [flags] <seconds>.<fraction>: [system:]<event>: <fields>
 * and the families differ in what they put in front (docs/vflowd.md):
 * ftrace's trace and trace_pipe of every kernel since 2.6.3x ("comm-tid",
 * "comm-tid (tgid)", "<...>-tid"), `trace-cmd report` (with or without the
 * kvm plugin's names), `perf script` (comm, "pid/tid" or tid, [cpu], any
 * of them left out), perf-prof (a wall-clock date, then "comm tid flags
 * [cpu]"), and lines with a timestamp only.
 */
#ifndef VFLOW_FTRACE_IMPORT_H
#define VFLOW_FTRACE_IMPORT_H

#include <stdio.h>
#include "core/snapshot.h"
#include "source/import.h"

/*
 * Read all of @f; on success *out is a new snapshot (ts_ns = last event's
 * timestamp) holding sorted, merged trap rows and 0 is returned. Lines that
 * are not KVM events, or do not parse, are counted by why in @st, never
 * fatal. -ENOMEM or -errno of a read error. @st (may be NULL) is filled
 * either way; free it with import_stats__free.
 */
int ftrace_import(FILE *f, struct snapshot **out, struct import_stats *st);

/*
 * The same, and each VM exit as a struct vflow_event (VFLOW_EVF_IMPORTED;
 * latency 0 when its entry was lost) to @fn, in the order they end. A
 * non-zero return from @fn stops the import with that error.
 */
typedef import_event_fn ftrace_event_fn;
int ftrace_import_events(FILE *f, struct snapshot **out, struct import_stats *st,
			 ftrace_event_fn fn, void *ctx);

#endif
