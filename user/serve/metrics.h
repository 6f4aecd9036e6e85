/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Prometheus exposition of a report (docs/metrics.md): rendered once per
 * interval into both the text format 0.0.4 and OpenMetrics 1.0, kept until
 * the next rendering; scrapes copy the latest body under a lock, so a scrape
 * costs a memcpy and never touches the engine.
 */
#ifndef VFLOW_METRICS_H
#define VFLOW_METRICS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include "core/engine_status.h"
#include "report/report.h"

#define METRICS_DEFAULT_MAX_ENTITIES 100
#define METRICS_DEFAULT_TTL_S 300

/* When a named series last changed, to expire the gone and idle. */
struct series_age {
	char name[WORKLOAD_NAME_LEN + 16];	/* "<type>:<name>" */
	__u64 last_total;
	__u64 last_change_ns;
	__u64 seen_ns;				/* last report that had it */
};

struct metrics {
	size_t max_entities;		/* per type: containers, VMs, sandboxes */
	__u64 ttl_ns;			/* gone and idle this long: folded into "other" */
	struct series_age *ages;
	size_t nr_ages, cap_ages;
	size_t *index;			/* open addressing over ages by name: i + 1, 0 empty */
	size_t index_cap;		/* a power of two, at least twice nr_ages */
	pthread_mutex_t lock;		/* guards the bodies */
	char *text, *om;
	size_t text_len, om_len;
	double render_s;		/* how long the last rendering took */
};

int metrics__init(struct metrics *m, size_t max_entities, __u64 ttl_ns);
void metrics__free(struct metrics *m);
/*
 * Render @r (with the engine's probes and, where bpf_stats_enabled, its
 * program run times @progs) as the new bodies. 0 or -ENOMEM (the old
 * bodies stay).
 */
int metrics__render(struct metrics *m, const struct report *r, const struct prog_stat *progs,
		    size_t nr_progs, __u64 now_ns);
/* A malloc'd copy of the latest body (the http_metrics_fn of the exporter). */
char *metrics__body(void *m, bool openmetrics, size_t *len);

#endif
