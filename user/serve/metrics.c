// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's metrics (docs/metrics.md): vflow itself, the traps per
 * paradigm and the model's bands here, each entity type in its own file
 * (metrics_containers.c, metrics_vms.c, metrics_sandboxes.c), the model
 * per paradigm and entity in metrics_model.c; the exposition in
 * metrics_format.c, which entities are named and the series' ages in
 * metrics_series.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/trap.h"
#include "serve/metrics_internal.h"

/*
 * The paradigms whose L_trap band the exporter shows beside their measured
 * trap latency (vflow_trap_latency_seconds, classes vmexit and hypercall).
 * The sandbox's band is the filter's own cost (L_bpf), not a round trip,
 * and containers have none.
 */
static const enum vflow_paradigm banded[] = { VFLOW_PARADIGM_FULLVIRT, VFLOW_PARADIGM_PARAVIRT };

int metrics__init(struct metrics *m, size_t max_entities, __u64 ttl_ns)
{
	memset(m, 0, sizeof(*m));
	m->max_entities = max_entities ? max_entities : METRICS_DEFAULT_MAX_ENTITIES;
	m->ttl_ns = ttl_ns;
	return -pthread_mutex_init(&m->lock, NULL);
}

void metrics__free(struct metrics *m)
{
	free(m->ages);
	free(m->index);
	free(m->text);
	free(m->om);
	pthread_mutex_destroy(&m->lock);
}

char *metrics__body(void *ctx, bool openmetrics, size_t *len)
{
	struct metrics *m = ctx;
	char *copy = NULL;

	pthread_mutex_lock(&m->lock);
	if (openmetrics ? m->om : m->text) {
		*len = openmetrics ? m->om_len : m->text_len;
		copy = malloc(*len + 1);
		if (copy)
			memcpy(copy, openmetrics ? m->om : m->text, *len + 1);
	}
	pthread_mutex_unlock(&m->lock);
	return copy;
}

static void render_self(struct out *o, const struct report *r, const struct prog_stat *progs,
			size_t nr_progs, const struct metrics_names *names, double render_s)
{
	char buf[64];

	out_family(o, "vflow_build_info", "gauge", "vflow version, revision and syscall attach type.");
	out_sample(o, "vflow_build_info", (const char *const[]){ "version", VFLOW_VERSION, "revision",
		    VFLOW_GIT_REV, "syscall_via", r->syscall_via ? r->syscall_via : "none", NULL }, 1);
	out_family(o, "vflow_probe_live", "gauge", "1 if the attach point is live, 0 if absent or failed.");
	for (size_t i = 0; i < r->nr_probes; i++)
		out_sample(o, "vflow_probe_live", (const char *const[]){ "probe", r->probes[i].name, NULL },
			   r->probes[i].live);
	out_family(o, "vflow_lost_events_total", "counter", "Events vflow could not record, by reason.");
	for (int k = 0; k < VFLOW_CNT_MAX; k++)
		if (counter_is_loss(k))
			out_sample(o, "vflow_lost_events_total", (const char *const[]){ "reason",
				   counter_name(k), NULL }, r->cum->counters[k]);
	out_family(o, "vflow_kernel_events_total", "counter", "Informational in-kernel counters.");
	for (int k = 0; k < VFLOW_CNT_MAX; k++)
		if (!counter_is_loss(k))
			out_sample(o, "vflow_kernel_events_total", (const char *const[]){ "kind",
				   counter_name(k), NULL }, r->cum->counters[k]);
	out_family(o, "vflow_ringbuf_samples_total", "counter", "Samples received through the ring buffer.");
	out_sample(o, "vflow_ringbuf_samples_total", NULL, r->cum->events);
	out_family(o, "vflow_exported_entities", "gauge", "Entities exported by name, by type.");
	for (int t = 0; t < METRICS_TYPES; t++)
		out_sample(o, "vflow_exported_entities", (const char *const[]){ "type",
			   metrics_type_name(t), NULL }, names->exported[t]);
	out_family(o, "vflow_render_duration_seconds", "gauge", "Time to render the previous /metrics body.");
	out_sample(o, "vflow_render_duration_seconds", NULL, render_s);
	if (!nr_progs)
		return;
	out_family(o, "vflow_bpf_prog_run_seconds_total", "counter", "BPF program run time (bpf_stats_enabled).");
	for (size_t i = 0; i < nr_progs; i++)
		out_sample(o, "vflow_bpf_prog_run_seconds_total", (const char *const[]){ "prog", progs[i].name,
			   NULL }, progs[i].run_time_ns / NS_PER_SEC);
	out_family(o, "vflow_bpf_prog_runs_total", "counter", "BPF program runs (bpf_stats_enabled).");
	for (size_t i = 0; i < nr_progs; i++) {
		snprintf(buf, sizeof(buf), "%s", progs[i].name);
		out_sample(o, "vflow_bpf_prog_runs_total", (const char *const[]){ "prog", buf, NULL },
			   progs[i].run_cnt);
	}
}

/* Traps per paradigm and class: the dashboard's one row per paradigm. */
struct paradigm_class {
	const char *paradigm, *cls;
	struct trap_row row;
	bool timed;
};

static void render_paradigms(struct out *o, const struct report *r)
{
	struct paradigm_class pc[4 + VM_BUCKET_MAX + VFLOW_ACT_MAX] = {};
	size_t n = 0;

	pc[n++] = (struct paradigm_class){ paradigm_name(VFLOW_PARADIGM_HOST), "syscall", .timed = true };
	pc[n++] = (struct paradigm_class){ paradigm_name(VFLOW_PARADIGM_CONTAINER), "syscall",
					   .timed = true };
	for (size_t i = 0; i < r->nr_entities; i++)
		trap_row__add(&pc[r->entities[i].wl.paradigm == VFLOW_PARADIGM_CONTAINER].row,
			      &r->entities[i].total);
	static const struct { int bucket; enum vflow_paradigm paradigm; const char *cls; } vmmap[] = {
		{ VM_EXITS, VFLOW_PARADIGM_FULLVIRT, "vmexit" }, { VM_IDLE, VFLOW_PARADIGM_FULLVIRT, "idle" },
		{ VM_USERSPACE, VFLOW_PARADIGM_FULLVIRT, "userspace" },
		{ VM_HCALL, VFLOW_PARADIGM_PARAVIRT, "hypercall" },
		{ VM_NOTIFY, VFLOW_PARADIGM_PARAVIRT, "notify" },
	};
	for (size_t k = 0; k < sizeof(vmmap) / sizeof(vmmap[0]); k++, n++) {
		pc[n] = (struct paradigm_class){ paradigm_name(vmmap[k].paradigm), vmmap[k].cls,
						 .timed = true };
		for (size_t i = 0; i < r->nr_vms; i++)
			trap_row__add(&pc[n].row, &r->vms[i].total[vmmap[k].bucket]);
	}
	for (__u32 a = VFLOW_ACT_SKIPPED; a < VFLOW_ACT_MAX; a++, n++) {
		pc[n] = (struct paradigm_class){ .paradigm = paradigm_name(VFLOW_PARADIGM_SANDBOX),
						 .cls = sys_action_name(a) };
		pc[n].timed = a == VFLOW_ACT_USER_NOTIF || a == VFLOW_ACT_NOTIF_CONTINUE ||
			      a == VFLOW_ACT_PTRACE;
		for (size_t i = 0; i < r->nr_sandboxes; i++)
			for (size_t k = 0; k < r->sandboxes[i].nr_rows; k++)
				if (r->sandboxes[i].rows[k]->sub == a)
					trap_row__add(&pc[n].row, r->sandboxes[i].rows[k]);
	}
	out_family(o, "vflow_traps_total", "counter", "Traps out of the fast path, by paradigm and class.");
	for (size_t i = 0; i < n; i++)
		out_sample(o, "vflow_traps_total", (const char *const[]){ "paradigm", pc[i].paradigm,
			   "class", pc[i].cls, NULL }, pc[i].row.count);
	out_family(o, "vflow_trap_latency_seconds", "histogram", "Latency of timed traps, by paradigm and class.");
	for (size_t i = 0; i < n; i++)
		if (pc[i].timed)
			out_histogram(o, "vflow_trap_latency_seconds", (const char *const[]){ "paradigm",
				      pc[i].paradigm, "class", pc[i].cls, NULL }, &pc[i].row);
}

/*
 * The loaded model's bands (config/model.conf, reloaded on SIGHUP): L_trap
 * in seconds, and eta for each paradigm that has a band (the host has
 * none unless the config gives it one: its eta is shown, not judged).
 */
static void render_bands(struct out *o, const struct model_config *model)
{
	if (!model)
		return;
	out_family(o, "vflow_model_eta_band_ratio", "gauge",
		   "The model's efficiency band per paradigm (modelled, not measured).");
	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++) {
		if (!model_eta_banded(&model->p[p]))
			continue;
		out_sample(o, "vflow_model_eta_band_ratio", (const char *const[]){ "paradigm",
			   paradigm_name(p), "bound", "low", NULL }, model->p[p].eta_lo);
		out_sample(o, "vflow_model_eta_band_ratio", (const char *const[]){ "paradigm",
			   paradigm_name(p), "bound", "high", NULL }, model->p[p].eta_hi);
	}
	out_family(o, "vflow_model_trap_latency_seconds", "gauge",
		   "The model's trap latency band (modelled, not measured).");
	for (size_t i = 0; i < sizeof(banded) / sizeof(banded[0]); i++) {
		const struct model_paradigm *p = &model->p[banded[i]];
		const char *name = paradigm_name(banded[i]);

		out_sample(o, "vflow_model_trap_latency_seconds", (const char *const[]){ "paradigm",
			   name, "bound", "low", NULL }, p->trap_ns_lo / NS_PER_SEC);
		out_sample(o, "vflow_model_trap_latency_seconds", (const char *const[]){ "paradigm",
			   name, "bound", "high", NULL }, p->trap_ns_hi / NS_PER_SEC);
	}
}

static int render_one(struct metrics *m, const struct report *r, const struct prog_stat *progs,
		      size_t nr_progs, const struct metrics_names *names, bool om, char **body,
		      size_t *len)
{
	struct out o = { .om = om };

	o.f = open_memstream(body, len);
	if (!o.f)
		return -ENOMEM;
	render_paradigms(&o, r);
	render_bands(&o, r->model);
	metrics_render_containers(&o, r, names);
	metrics_render_vms(&o, r, names);
	metrics_render_sandboxes(m, &o, r, names);
	metrics_render_model(&o, r, names);
	render_self(&o, r, progs, nr_progs, names, m->render_s);
	if (om)
		fputs("# EOF\n", o.f);
	if (fclose(o.f)) {
		free(*body);
		*body = NULL;
		return -ENOMEM;
	}
	return 0;
}

int metrics__render(struct metrics *m, const struct report *r, const struct prog_stat *progs,
		    size_t nr_progs, __u64 now_ns)
{
	char *text = NULL, *om = NULL;
	size_t text_len = 0, om_len = 0;
	struct metrics_names names;
	struct timespec a, b;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &a);
	ret = metrics_names__pick(m, r, now_ns, &names);
	if (!ret)
		ret = render_one(m, r, progs, nr_progs, &names, false, &text, &text_len);
	if (!ret)
		ret = render_one(m, r, progs, nr_progs, &names, true, &om, &om_len);
	metrics_names__free(&names);
	if (ret) {
		free(text);
		return -ENOMEM;
	}
	series_prune(m, now_ns);
	clock_gettime(CLOCK_MONOTONIC, &b);
	pthread_mutex_lock(&m->lock);
	free(m->text);
	free(m->om);
	m->text = text;
	m->text_len = text_len;
	m->om = om;
	m->om_len = om_len;
	m->render_s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / NS_PER_SEC;
	pthread_mutex_unlock(&m->lock);
	return 0;
}
