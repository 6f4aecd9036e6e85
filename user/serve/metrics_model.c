// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The overhead model in the exporter (docs/MODEL.md): per paradigm and per
 * entity, its inputs and terms as counters (the report's running sums, so
 * that PromQL's work / (work + overhead) over any window is the model's
 * eta over that window), the last interval's eta with its provenance, and
 * each entity's scheduling: on-CPU time, run-queue wait, and the run-queue
 * latency histogram where the report has one. An unknown eta is no sample.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include "core/trap.h"
#include "serve/metrics_internal.h"

/* One series of the entity families: an entity exported by name, or the "other" of a type and paradigm. */
struct model_series {
	enum metrics_type type;
	const char *entity, *paradigm;
	struct model_totals sums;
	const struct entity_model *m;	/* NULL for "other": no eta of its own */
	const struct runtime_names *names;	/* a container's runtime's; NULL: none */
	struct trap_row runq;		/* run-queue latency (containers) */
	bool has_runq_hist;
};

/* The terms of S(p), as the `term` label names them. */
enum term { TERM_TRAP, TERM_SCHEDULE, TERM_ISOLATION, NR_TERMS };
static const char *const term_names[NR_TERMS] = { "trap", "schedule", "isolation" };

static double term_ns(const struct model_totals *t, enum term k)
{
	return k == TERM_TRAP ? t->trap_ns : k == TERM_SCHEDULE ? t->schedule_ns : t->isolation_ns;
}

/* The sums exported beside the terms, per entity (vflow_entity_*) and per paradigm (vflow_paradigm_*). */
enum sum { SUM_WORK, SUM_ONCPU, SUM_RUNQ, NR_SUMS };
static const struct {
	const char *suffix, *help;
} sum_families[NR_SUMS] = {
	[SUM_WORK] = { "work_seconds_total", "C_workload: on-CPU time less the timed traps that ran on it." },
	[SUM_ONCPU] = { "oncpu_seconds_total", "On-CPU time of the threads." },
	[SUM_RUNQ] = { "runq_wait_seconds_total", "Time the threads waited on a run queue." },
};

static double sum_ns(const struct model_totals *t, enum sum k)
{
	return k == SUM_WORK ? t->work_ns : k == SUM_ONCPU ? t->oncpu_ns : t->runq_ns;
}

/* "vflow_<scope>_<suffix>" into @buf */
static const char *family(char *buf, size_t len, const char *scope, enum sum k)
{
	snprintf(buf, len, "vflow_%s_%s", scope, sum_families[k].suffix);
	return buf;
}

/* The entity @i of type @t: its name, paradigm, model and run-queue row (NULL if none). */
static const struct entity_model *entity_at(const struct report *r, enum metrics_type t, size_t i,
					    const char **name, enum vflow_paradigm *p,
					    const struct trap_row **runq, const struct runtime_names **names)
{
	*runq = NULL;
	*names = NULL;
	switch (t) {
	case METRICS_CONTAINER:
		*name = r->entities[i].wl.name;
		*names = r->entities[i].names;
		*p = r->entities[i].wl.paradigm;
		*runq = &r->entities[i].runq;
		return &r->entities[i].model;
	case METRICS_VM:
		*name = r->vms[i].id.name;
		*p = VFLOW_PARADIGM_FULLVIRT;
		return &r->vms[i].model;
	default:
		*name = r->sandboxes[i].info.name;
		*p = VFLOW_PARADIGM_SANDBOX;
		return &r->sandboxes[i].model;
	}
}

/*
 * The series of every entity with running sums: one per entity exported
 * by name, and per type one "other" per paradigm for the rest (so that
 * their sums by paradigm stay whole and only grow). *nr set; NULL on ENOMEM.
 */
static struct model_series *series_list(const struct report *r, const struct metrics_names *n,
					size_t *nr)
{
	const size_t count[METRICS_TYPES] = { r->nr_entities, r->nr_vms, r->nr_sandboxes };
	struct model_series *s, *other[METRICS_TYPES][VFLOW_PARADIGM_MAX] = {};
	size_t cap = VFLOW_PARADIGM_MAX * METRICS_TYPES;

	for (int t = 0; t < METRICS_TYPES; t++)
		cap += count[t];
	s = calloc(cap, sizeof(*s));
	*nr = 0;
	for (int t = 0; s && t < METRICS_TYPES; t++) {
		for (size_t i = 0; i < count[t]; i++) {
			const struct trap_row *runq;
			enum vflow_paradigm p;
			const struct runtime_names *names;
			const char *name;
			const struct entity_model *m = entity_at(r, t, i, &name, &p, &runq, &names);
			struct model_series *x;

			if (!m->has_totals)
				continue;
			if (n->named[t][i]) {
				x = &s[(*nr)++];
				x->entity = name;
				x->m = m;
				x->names = names;
			} else if (!(x = other[t][p])) {
				x = other[t][p] = &s[(*nr)++];
				x->entity = "other";
			}
			x->type = t;
			x->paradigm = paradigm_name(p);
			model_totals__add(&x->sums, &m->totals);
			if (runq && (runq->count || runq->skipped || hist_count(runq->hist))) {
				trap_row__add(&x->runq, runq);
				x->has_runq_hist = true;
			}
		}
	}
	return s;
}

#define SERIES_KV_MAX (2 * 4 + RUNTIME_KV_MAX + 1)

/*
 * The labels of series @x, with one more pair (@k = @v) where @k is not
 * NULL, then what a container's runtime called it; in @kv, returned.
 */
static const char *const *series_kv(const struct model_series *x, const char *k, const char *v,
				    const char *kv[SERIES_KV_MAX])
{
	size_t n = 0;

	kv[n++] = "type";
	kv[n++] = metrics_type_name(x->type);
	kv[n++] = "entity";
	kv[n++] = x->entity;
	kv[n++] = "paradigm";
	kv[n++] = x->paradigm;
	if (k) {
		kv[n++] = k;
		kv[n++] = v;
	}
	n += metrics_runtime_labels(x->names, kv + n);
	kv[n] = NULL;
	return kv;
}

#define SERIES_KV(x, k, v) series_kv((x), (k), (v), kv)

static void render_entity_sums(struct out *o, const struct model_series *s, size_t nr)
{
	const char *kv[SERIES_KV_MAX];
	char name[64];

	for (int k = 0; k < NR_SUMS; k++) {
		out_family(o, family(name, sizeof(name), "entity", k), "counter", sum_families[k].help);
		for (size_t i = 0; i < nr; i++)
			out_sample(o, name, SERIES_KV(&s[i], NULL, NULL), sum_ns(&s[i].sums, k) / NS_PER_SEC);
	}
	out_family(o, "vflow_entity_overhead_seconds_total", "counter",
		   "The model's S = C_trap + C_schedule + C_isolation, by term.");
	for (size_t i = 0; i < nr; i++)
		for (int t = 0; t < NR_TERMS; t++)
			out_sample(o, "vflow_entity_overhead_seconds_total",
				   SERIES_KV(&s[i], "term", term_names[t]), term_ns(&s[i].sums, t) / NS_PER_SEC);
	out_family(o, "vflow_entity_overhead_traps_total", "counter",
		   "Traps the model counts as overhead (f_trap's count; idle exits excluded).");
	for (size_t i = 0; i < nr; i++)
		out_sample(o, "vflow_entity_overhead_traps_total", SERIES_KV(&s[i], NULL, NULL),
			   s[i].sums.traps);
}

static void render_entities(struct out *o, const struct report *r, const struct metrics_names *n)
{
	const char *kv[SERIES_KV_MAX];
	size_t nr;
	struct model_series *s = series_list(r, n, &nr);

	/* no ledger, no sums: no model families at all */
	if (!s || !nr) {
		free(s);
		return;
	}
	render_entity_sums(o, s, nr);
	out_family(o, "vflow_entity_eta_ratio", "gauge",
		   "The model's efficiency over the last interval, with its provenance; none where unknown.");
	for (size_t i = 0; i < nr; i++)
		if (s[i].m && s[i].m->res.eta.prov != PROV_UNKNOWN)
			out_sample(o, "vflow_entity_eta_ratio",
				   SERIES_KV(&s[i], "provenance", provenance_name(s[i].m->res.eta.prov)),
				   s[i].m->res.eta.value);
	out_family(o, "vflow_entity_runq_latency_seconds", "histogram",
		   "Run-queue latency (wakeup to on CPU) per entity, where it is traced.");
	for (size_t i = 0; i < nr; i++)
		if (s[i].has_runq_hist)
			out_histogram(o, "vflow_entity_runq_latency_seconds", SERIES_KV(&s[i], NULL, NULL),
				      &s[i].runq);
	free(s);
}

static void render_paradigms(struct out *o, const struct report *r)
{
	bool any = false;
	char name[64];

	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++)
		any |= r->paradigms[p].has_totals;
	if (!any)
		return;
	for (int k = 0; k < NR_SUMS; k++) {
		out_family(o, family(name, sizeof(name), "paradigm", k), "counter", sum_families[k].help);
		for (int p = 0; p < VFLOW_PARADIGM_MAX; p++)
			out_sample(o, name, (const char *const[]){ "paradigm", paradigm_name(p), NULL },
				   sum_ns(&r->paradigms[p].totals, k) / NS_PER_SEC);
	}
	out_family(o, "vflow_paradigm_overhead_seconds_total", "counter",
		   "The model's S per paradigm, by term.");
	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++)
		for (int t = 0; t < NR_TERMS; t++)
			out_sample(o, "vflow_paradigm_overhead_seconds_total", (const char *const[]){
				   "paradigm", paradigm_name(p), "term", term_names[t], NULL },
				   term_ns(&r->paradigms[p].totals, t) / NS_PER_SEC);
	out_family(o, "vflow_paradigm_overhead_traps_total", "counter",
		   "Traps the model counts as overhead, per paradigm.");
	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++)
		out_sample(o, "vflow_paradigm_overhead_traps_total", (const char *const[]){ "paradigm",
			   paradigm_name(p), NULL }, r->paradigms[p].totals.traps);
	out_family(o, "vflow_paradigm_eta_ratio", "gauge",
		   "The model's efficiency per paradigm over the last interval; none where unknown.");
	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++)
		if (r->paradigms[p].valid && r->paradigms[p].res.eta.prov != PROV_UNKNOWN)
			out_sample(o, "vflow_paradigm_eta_ratio", (const char *const[]){ "paradigm",
				   paradigm_name(p), "provenance",
				   provenance_name(r->paradigms[p].res.eta.prov), NULL },
				   r->paradigms[p].res.eta.value);
}

void metrics_render_model(struct out *o, const struct report *r, const struct metrics_names *n)
{
	render_paradigms(o, r);
	render_entities(o, r, n);
}
