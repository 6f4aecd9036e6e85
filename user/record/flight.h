/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Dumps of a live engine's flight recorder: the recorder's events, named
 * while the workloads still exist (cgroup paths, VMs, sandboxes), with the
 * host, the probes and the model they were taken with (docs/DUMP.md).
 */
#ifndef VFLOW_FLIGHT_H
#define VFLOW_FLIGHT_H

#include <stddef.h>
#include "host/cgroup.h"
#include "record/dump.h"
#include "engine/engine.h"
#include "core/model.h"
#include "host/proc_cache.h"
#include "identity/identity.h"
#include "record/recorder.h"

#define FLIGHT_DEFAULT_DIR "/var/lib/vflow/dumps"
#define FLIGHT_PREFIX "vflow"

struct flight {
	const char *dir;			/* where dumps go; created owner-only if missing */
	struct recorder *rec;			/* NULL: flight_dump_events only */
	struct engine *e;			/* probes and loss counters; may be NULL */
	struct cgroup_resolver *cg;		/* may be NULL */
	const struct identity_table *ident;	/* who each cgroup is, first; may be NULL */
	struct proc_cache *procs;		/* may be NULL */
	const struct model_config *model;	/* may be NULL */
	struct engine_rec rec_cfg;		/* the sampling it was recorded with */
	__u64 dropped;				/* ring-buffer losses so far */
	bool imported;				/* events from a capture of another time or host */
	const struct snapshot *rows;		/* the exact aggregates to add, or NULL */
	__u64 rows_elapsed_ns;			/* the time they cover */
};

/* Write a dump of everything recorded; 0 and its path, or -errno and a one-line @err. */
int flight_dump(const struct flight *f, const char *trigger, char *path, size_t path_len,
		char *err, size_t err_len);

/* The same for events from elsewhere (an import): @f->rec may be NULL. */
int flight_dump_events(const struct flight *f, const struct vflow_event *ev, size_t n,
		       const char *trigger, char *path, size_t path_len, char *err, size_t err_len);

/*
 * The entity table of @ev and @rows (may be NULL): each cgroup and process
 * named as well as this host can, a cgroup by its identity (@f->ident)
 * first, even gone, else by what @f->cg finds now.
 */
int flight_entities(const struct flight *f, const struct vflow_event *ev, size_t n,
		    const struct snapshot *rows, struct dump_entity **out, size_t *nr_out);

/* Remove temporary files that a killed vflowd left in @dir; how many. */
int flight_clean_stale(const char *dir);

#endif
