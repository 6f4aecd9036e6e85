// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The exporter's containers (cgroups): syscalls, skips and latency per entity, the busiest syscalls. */
#define _GNU_SOURCE
#include <stdlib.h>
#include "core/trap.h"
#include "serve/metrics_internal.h"

static int row_ptr_count_cmp(const void *a, const void *b)
{
	const struct trap_row *x = *(const struct trap_row *const *)a;
	const struct trap_row *y = *(const struct trap_row *const *)b;

	return x->count != y->count ? (x->count > y->count ? -1 : 1) : 0;
}

/* The busiest syscalls of each entity exported by name, the rest of them as "other". */
static void render_calls(struct out *o, const struct report *r, const bool *named)
{
	char nbuf[32];

	out_family(o, "vflow_syscall_calls_total", "counter", "Syscalls per entity and syscall (busiest 10).");
	for (size_t i = 0; i < r->nr_entities; i++) {
		const struct entity *en = &r->entities[i];
		const struct trap_row *top[VFLOW_MAX_SYSCALL_NR];
		__u64 rest = 0;
		size_t n = 0;

		if (!named[i])
			continue;
		for (size_t k = 0; k < en->nr_rows && n < VFLOW_MAX_SYSCALL_NR; k++)
			top[n++] = &en->rows[k];
		qsort(top, n, sizeof(const struct trap_row *), row_ptr_count_cmp);
		for (size_t k = 0; k < n; k++) {
			if (k >= TOP_PER_ENTITY) {
				rest += top[k]->count;
				continue;
			}
			out_sample(o, "vflow_syscall_calls_total", (const char *const[]){ "entity", en->wl.name,
				   "syscall", trap_name(top[k]->kind, top[k]->code, nbuf, sizeof(nbuf)), NULL },
				   top[k]->count);
		}
		if (n > TOP_PER_ENTITY)
			out_sample(o, "vflow_syscall_calls_total", (const char *const[]){ "entity", en->wl.name,
				   "syscall", "other", NULL }, rest);
	}
}

void metrics_render_containers(struct out *o, const struct report *r, const struct metrics_names *names)
{
	const bool *named = names->named[METRICS_CONTAINER];
	const char *rt, *par;
	struct trap_row other = {};
	bool any_other = false;

	/* a family's samples must follow its TYPE line: one pass per family */
	for (int pass = 0; pass < 3; pass++) {
		any_other = false;
		if (pass == 0)
			out_family(o, "vflow_syscalls_total", "counter",
				   "Syscalls that entered and exited, per entity.");
		else if (pass == 1)
			out_family(o, "vflow_syscalls_skipped_total", "counter",
				   "Syscalls that exited without entering.");
		else
			out_family(o, "vflow_syscall_latency_seconds", "histogram", "Syscall latency per entity.");
		for (size_t i = 0; i < r->nr_entities; i++) {
			const struct entity *en = &r->entities[i];
			const char *name = en->wl.name;

			if (!named[i]) {
				if (pass == 0)
					trap_row__add(&other, &en->total);
				any_other = true;
				continue;
			}
			rt = workload_runtime_name(en->wl.runtime);
			par = paradigm_name(en->wl.paradigm);
			const char *const kv[] = { "entity", name, "paradigm", par, "runtime", rt, NULL };

			if (pass == 0)
				out_sample(o, "vflow_syscalls_total", kv, en->total.count);
			else if (pass == 1)
				out_sample(o, "vflow_syscalls_skipped_total", kv, en->total.skipped);
			else
				out_histogram(o, "vflow_syscall_latency_seconds", kv, &en->total);
		}
		if (any_other) {
			const char *const kv[] = { "entity", "other", "paradigm",
						   paradigm_name(VFLOW_PARADIGM_HOST), "runtime",
						   workload_runtime_name(WORKLOAD_RT_HOST), NULL };

			if (pass == 0)
				out_sample(o, "vflow_syscalls_total", kv, other.count);
			else if (pass == 1)
				out_sample(o, "vflow_syscalls_skipped_total", kv, other.skipped);
			else
				out_histogram(o, "vflow_syscall_latency_seconds", kv, &other);
		}
	}
	render_calls(o, r, named);
}
