/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * trace-cmd's binary capture, trace.dat, read through libtracecmd and
 * libtraceevent: the records' own fields (exit_reason, isa, vcpu_id),
 * never their printed text, so no name table or print format of any
 * kernel is needed. Only vflowd links this (and libtracecmd).
 */
#ifndef VFLOW_TRACEDAT_IMPORT_H
#define VFLOW_TRACEDAT_IMPORT_H

#include <stddef.h>
#include "core/snapshot.h"
#include "source/import.h"

struct tep_handle;
struct tep_event;
struct tep_record;
struct import_record;

/* The magic of every trace.dat version: "\027\010\104tracing". */
#define TRACEDAT_MAGIC		"\027\010\104tracing"
#define TRACEDAT_MAGIC_LEN	10

/*
 * Read the trace.dat at @path as ftrace_import_events reads text (@fn may
 * be NULL). 0, or -errno with a one-line @err (the file cannot be opened or
 * is not a trace.dat libtracecmd can read).
 */
int tracedat_import(const char *path, struct snapshot **out, struct import_stats *st,
		    import_event_fn fn, void *ctx, char *err, size_t err_len);

/*
 * One record of @event (found by the caller) as an import_record: 1 when it
 * is a KVM event vflow pairs, 0 when it is another event (*@why says why it
 * is skipped). Exposed for the tests, which build records from the
 * kernel's format files.
 */
int tracedat_record(struct tep_handle *tep, struct tep_event *event, struct tep_record *record,
		    struct import_record *rec, enum import_skip *why);

#endif
