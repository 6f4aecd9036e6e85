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

size_t metrics_runtime_labels(const struct runtime_names *names, const char **kv)
{
	size_t n = 0;

	/* a value a runtime never gave is no label: "" and absent are one series to Prometheus */
	for (int l = 0; names && l < RUNTIME_LABEL_MAX; l++) {
		const char *v = runtime_label_value(names, l);

		if (v[0]) {
			kv[n++] = runtime_label_name(l);
			kv[n++] = v;
		}
	}
	return n;
}

/* "entity", its key; then @k1/@v1 and @k2/@v2 where not NULL; then the runtime's names that are known. */
#define ENTITY_KV_MAX (2 * 3 + RUNTIME_KV_MAX + 1)

static void entity_labels(const struct entity *en, const char *k1, const char *v1, const char *k2,
			  const char *v2, const char *kv[ENTITY_KV_MAX])
{
	size_t n = 0;

	kv[n++] = "entity";
	kv[n++] = en->wl.name;
	if (k1) {
		kv[n++] = k1;
		kv[n++] = v1;
	}
	if (k2) {
		kv[n++] = k2;
		kv[n++] = v2;
	}
	n += metrics_runtime_labels(en->names, kv + n);
	kv[n] = NULL;
}

/* The busiest syscalls of each entity exported by name, the rest of them as "other". */
static void render_calls(struct out *o, const struct report *r, const bool *named)
{
	const char *kv[ENTITY_KV_MAX];
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
			entity_labels(en, "syscall", trap_name(top[k]->kind, top[k]->code, nbuf, sizeof(nbuf)),
				      NULL, NULL, kv);
			out_sample(o, "vflow_syscall_calls_total", kv, top[k]->count);
		}
		if (n > TOP_PER_ENTITY) {
			entity_labels(en, "syscall", "other", NULL, NULL, kv);
			out_sample(o, "vflow_syscall_calls_total", kv, rest);
		}
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
			const char *kv[ENTITY_KV_MAX];

			if (!named[i]) {
				if (pass == 0)
					trap_row__add(&other, &en->total);
				any_other = true;
				continue;
			}
			rt = workload_runtime_name(en->wl.runtime);
			par = paradigm_name(en->wl.paradigm);
			entity_labels(en, "paradigm", par, "runtime", rt, kv);

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
