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

/*
 * Note activity of series @name of entity type @type (its count @total);
 * false if it is gone and has been idle past the TTL: fold it into "other".
 */
bool series_live(struct metrics *m, const char *type, const char *name, __u64 total, bool gone,
		 __u64 now);
/* Forget series no report has had for a TTL: their names are in "other". */
void series_prune(struct metrics *m, __u64 now);

/* The families of each entity type; @exported: how many were exported by name. */
void metrics_render_containers(struct metrics *m, struct out *o, const struct report *r, __u64 now,
			       size_t *exported);
void metrics_render_vms(struct metrics *m, struct out *o, const struct report *r, __u64 now,
			size_t *exported);
void metrics_render_sandboxes(struct metrics *m, struct out *o, const struct report *r, __u64 now,
			      size_t *exported);

#endif
