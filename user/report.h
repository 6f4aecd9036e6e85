/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-entity view of two snapshots (cumulative and this interval), and its
 * plain-text and JSON renderings. Front-ends build a report and print it.
 */
#ifndef VFLOW_REPORT_H
#define VFLOW_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "snapshot.h"
#include "cgroup.h"
#include "workload.h"
#include "engine.h"

struct entity {
	__u64 cgroup_id;
	bool gone;			/* the cgroup no longer exists */
	char path[PATH_MAX];
	struct workload wl;
	struct trap_row total;		/* since start, all syscalls */
	struct trap_row delta;		/* this interval */
	const struct trap_row *rows;	/* its rows in the cumulative snapshot */
	size_t nr_rows;
};

struct report {
	__u64 dt_ns;			/* length of the interval */
	__u64 elapsed_ns;		/* since the engine started */
	const struct snapshot *cum;	/* cumulative */
	const struct snapshot *delta;	/* this interval */
	struct entity *entities;	/* sorted by interval syscall rate, then total */
	size_t nr_entities;
	const struct engine_probe *probes;
	size_t nr_probes;
	const char *syscall_via;
};

/*
 * Build the entity view of @cum and @delta (both outlive the report).
 * 0 or -ENOMEM.
 */
int report__build(struct report *r, const struct snapshot *cum, const struct snapshot *delta,
		  struct cgroup_resolver *cg, __u64 dt_ns, __u64 elapsed_ns);
void report__free(struct report *r);

/* Events not recorded (sum of the loss counters), cumulative. */
__u64 report__lost(const struct report *r);

struct report_text_opts {
	size_t top;			/* entity rows at most; 0: all */
	size_t per_entity_syscalls;	/* syscall rows under each entity; 0: none */
};
void report__print_text(const struct report *r, const struct report_text_opts *o, FILE *f);
/* One JSON object on one line (schema in docs/vflowd.md). */
void report__print_json(const struct report *r, FILE *f);

/* "1.23us", "456ns", "7.8ms" into buf */
const char *fmt_ns(double ns, char *buf, size_t len);

#endif
