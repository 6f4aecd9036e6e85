/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Private to the exporter's metrics (serve/metrics*.c): the exposition
 * writer, the ages of named series, and one renderer per entity type.
 * Nothing outside them includes it.
 */
#ifndef VFLOW_METRICS_INTERNAL_H
#define VFLOW_METRICS_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>
#include "serve/metrics.h"

/*
 * The body is written to a memory stream only the rendering thread uses:
 * the unlocked stdio calls save a lock per character, and numbers are
 * formatted by hand where printf's floating point would dominate (a
 * thousand entities make ~100 000 lines). The includer defines
 * _GNU_SOURCE for them.
 */
#define fputc fputc_unlocked
#define fputs fputs_unlocked
#define fwrite fwrite_unlocked

#define NS_PER_SEC 1e9
/* rows shown one by one per entity (syscalls, exit reasons); the rest as "other" */
#define TOP_PER_ENTITY 10

/* One body being written: the text format, or OpenMetrics. */
struct out {
	FILE *f;
	bool om;
};

/* "# HELP" and "# TYPE" of a family; its samples follow. */
void out_family(struct out *o, const char *name, const char *type, const char *help);
/* One sample; @kv: NULL-terminated key, value, key, value, ... (NULL: no labels). */
void out_sample(struct out *o, const char *name, const char *const *kv, double v);
/* A row's log2 histogram in seconds: cumulative le buckets, _sum, _count. */
void out_histogram(struct out *o, const char *name, const char *const *kv, const struct trap_row *row);

/* The entity types, each with its own label ("entity", "vm", "sandbox") and limit. */
enum metrics_type { METRICS_CONTAINER, METRICS_VM, METRICS_SANDBOX, METRICS_TYPES };

/*
 * Which entities a rendering exports by name, one flag per entity of the
 * report in its order (busiest first): those not gone and idle past the
 * TTL, up to --max-entities per type. The rest are summed as "other".
 */
struct metrics_names {
	bool *named[METRICS_TYPES];
	size_t exported[METRICS_TYPES];
};

/* Pick them, noting each series' activity; 0 or -ENOMEM. */
int metrics_names__pick(struct metrics *m, const struct report *r, __u64 now,
			struct metrics_names *n);
void metrics_names__free(struct metrics_names *n);
/* Forget series no report has had for a TTL: their names are in "other". */
void series_prune(struct metrics *m, __u64 now);
/* "container", "vm", "sandbox": the model families' type label */
const char *metrics_type_name(enum metrics_type t);

/* The families of each entity type. */
void metrics_render_containers(struct out *o, const struct report *r, const struct metrics_names *n);
/* The labels a container's runtime gave (@n may be NULL) into @kv, known values only; how many strings. */
#define RUNTIME_KV_MAX (2 * RUNTIME_LABEL_MAX)
size_t metrics_runtime_labels(const struct runtime_names *n, const char **kv);
void metrics_render_vms(struct out *o, const struct report *r, const struct metrics_names *n);
void metrics_render_sandboxes(struct metrics *m, struct out *o, const struct report *r,
			      const struct metrics_names *n);
/* The model per paradigm and per entity, and the entities' scheduling (metrics_model.c). */
void metrics_render_model(struct out *o, const struct report *r, const struct metrics_names *n);

#endif
