/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A capture file of any kind vflowd --import reads, told by its first
 * bytes: trace-cmd's trace.dat (libtracecmd, source/tracedat_import.h),
 * perf.data (through `perf script`: no C library in Debian reads it), or
 * text (source/ftrace_import.h).
 */
#ifndef VFLOW_CAPTURE_IMPORT_H
#define VFLOW_CAPTURE_IMPORT_H

#include <stddef.h>
#include "core/snapshot.h"
#include "source/import.h"

/* perf.data's magic (perf's header, version 2) */
#define PERFDATA_MAGIC		"PERFILE2"
#define PERFDATA_MAGIC_LEN	8
/* how perf script prints what the text importer reads best: every field there is */
#define PERF_SCRIPT_FIELDS	"comm,pid,tid,cpu,time,event,trace"

/*
 * Import @path ("-": text on stdin). 0, or -errno with a one-line @err that
 * says what to do. @st is filled either way (import_stats__free).
 */
int capture_import(const char *path, struct snapshot **out, struct import_stats *st,
		   import_event_fn fn, void *ctx, char *err, size_t err_len);

#endif
