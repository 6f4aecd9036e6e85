// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include "core/fmtnum.h"
#include "report/report_internal.h"

#define P50 0.50
#define P99 0.99

const char *fmt_ns(double ns, char *buf, size_t len)
{
	if (ns < 0)
		snprintf(buf, len, "-");	/* TRAP_UNTIMED_NS: nothing was timed */
	else if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.2fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
	return buf;
}

static int entity_cmp(const void *a, const void *b)
{
	const struct entity *x = a, *y = b;
	__u64 dx = x->delta.count + x->delta.skipped, dy = y->delta.count + y->delta.skipped;
	__u64 tx = x->total.count + x->total.skipped, ty = y->total.count + y->total.skipped;

	if (dx != dy)
		return dx > dy ? -1 : 1;
	if (tx != ty)
		return tx > ty ? -1 : 1;
	return x->cgroup_id < y->cgroup_id ? -1 : x->cgroup_id > y->cgroup_id;
}

static int entity_id_cmp(const void *a, const void *b)
{
	const struct entity *x = a, *y = b;

	return x->cgroup_id < y->cgroup_id ? -1 : x->cgroup_id > y->cgroup_id;
}

const char *entity_name(const struct entity *en)
{
	return en->display ? en->display : en->wl.name;
}

/* The runtime's names of the container, copied: the identity may be forgotten before the report. */
static void entity_names(struct entity *en, const struct identity *id)
{
	char buf[sizeof("k8s:") + RUNTIME_K8S_NAME_LEN + 2 * RUNTIME_NAME_LEN];

	if (!id->names || !runtime_names_display(en->wl.runtime, id->names, buf, sizeof(buf))[0])
		return;
	en->names = malloc(sizeof(*en->names));
	en->display = strdup(buf);
	if (en->names && en->display) {
		*en->names = *id->names;
		return;
	}
	free(en->names);	/* ENOMEM: named by its key, as before names */
	free(en->display);
	en->names = NULL;
	en->display = NULL;
}

/* The identity learnt of the cgroup, or (no table) what the resolver says now. */
static const char *entity_path(struct entity *en, const struct identity_table *ident,
			       struct cgroup_resolver *cg)
{
	const struct identity *id;

	en->origin = IDENTITY_ORIGIN_MAX;
	if (!ident) {
		const char *path = cg ? cgroup_resolver__path(cg, en->cgroup_id) : NULL;

		en->gone = !path;
		return path;
	}
	id = identity__find(ident, IDENTITY_CGROUP, en->cgroup_id);
	en->gone = !id || id->gone;
	if (id) {
		en->origin = id->origin;
		en->first_seen_ns = id->first_seen_ns;
		en->gone_since_ns = id->gone ? id->gone_since_ns : 0;
	}
	return id ? id->path : NULL;
}

static void entity_identify(struct entity *en, const struct identity_table *ident,
			    struct cgroup_resolver *cg)
{
	const char *path = entity_path(en, ident, cg);
	char id[sizeof("cgroup:18446744073709551615")];

	if (en->cgroup_id == VFLOW_OWNER_GONE)
		snprintf(id, sizeof(id), "(removed cgroups)");
	else if (!path)
		snprintf(id, sizeof(id), "cgroup:%llu", (unsigned long long)en->cgroup_id);
	en->path = strdup(path ? path : id);	/* NULL on ENOMEM: shown as "" */
	if (!en->path)
		en->path = (char *)"";
	if (!path || workload_parse(path, &en->wl)) {
		memset(&en->wl, 0, sizeof(en->wl));
		snprintf(en->wl.name, sizeof(en->wl.name), "%.*s",
			 (int)sizeof(en->wl.name) - 1, en->path);
	} else if (ident && en->wl.paradigm == VFLOW_PARADIGM_CONTAINER) {
		const struct identity *known = identity__find(ident, IDENTITY_CGROUP, en->cgroup_id);

		if (known)
			entity_names(en, known);
	}
}

/* Scheduling rows to their cgroup's entity (entities are in cgroup order). */
static void attach_sched(struct report *r, const struct snapshot *s, bool delta)
{
	for (size_t i = 0; i < s->nr_rows; i++) {
		const struct trap_row *row = &s->rows[i];
		struct entity key = { .cgroup_id = row->owner }, *en;

		if (row->kind != VFLOW_TRAP_SCHED_ONCPU && row->kind != VFLOW_TRAP_SCHED_RUNQ &&
		    row->kind != VFLOW_TRAP_SCHED_PSI)
			continue;
		en = bsearch(&key, r->entities, r->nr_entities, sizeof(*en), entity_id_cmp);
		if (!en)
			continue;	/* a cgroup that made no syscall */
		if (row->kind == VFLOW_TRAP_SCHED_ONCPU)
			trap_row__add(delta ? &en->d_oncpu : &en->oncpu, row);
		else if (row->kind == VFLOW_TRAP_SCHED_RUNQ)
			trap_row__add(delta ? &en->d_runq : &en->runq, row);
		else
			trap_row__add(delta ? &en->d_psi : &en->psi, row);
		en->has_psi |= row->kind == VFLOW_TRAP_SCHED_PSI;
	}
}

int report__build(struct report *r, const struct snapshot *cum, const struct snapshot *delta,
		  struct cgroup_resolver *cg, __u64 dt_ns, __u64 elapsed_ns)
{
	size_t i, n = 0;

	const struct model_config *model = r->model;
	const struct advice_rules *advice = r->advice;
	struct proc_cache *procs = r->procs;
	struct report_ledger *ledger = r->ledger;
	const struct identity_table *ident = r->ident;
	bool offline = r->offline;
	const char *(*vm_name)(const void *, __u64) = r->vm_name;
	const void *vm_name_ctx = r->vm_name_ctx;
	const char *import_json = r->import_json;

	memset(r, 0, sizeof(*r));
	r->offline = offline;
	r->vm_name = vm_name;
	r->vm_name_ctx = vm_name_ctx;
	r->import_json = import_json;
	r->procs = procs;
	r->ledger = ledger;
	r->ident = ident;
	r->model = model;
	r->advice = advice;
	r->cum = cum;
	r->delta = delta;
	r->dt_ns = dt_ns;
	r->elapsed_ns = elapsed_ns;
	/* rows are sorted by cgroup: one entity per run of equal ids */
	for (i = 0; i < cum->nr_rows && cum->rows[i].kind == VFLOW_TRAP_SYSCALL; i++)
		n += !i || cum->rows[i].owner != cum->rows[i - 1].owner;
	r->entities = calloc(n ? n : 1, sizeof(*r->entities));
	if (!r->entities)
		return -ENOMEM;

	/* syscall rows come first (kind 0), sorted by cgroup */
	for (i = 0; i < cum->nr_rows && cum->rows[i].kind == VFLOW_TRAP_SYSCALL; i++) {
		const struct trap_row *row = &cum->rows[i];
		struct entity *en;

		if (!i || row->owner != cum->rows[i - 1].owner) {
			en = &r->entities[r->nr_entities++];
			en->cgroup_id = row->owner;
			en->rows = row;
			entity_identify(en, ident, cg);
		}
		en = &r->entities[r->nr_entities - 1];
		en->nr_rows++;
		trap_row__add(&en->total, row);
	}
	attach_sched(r, cum, false);
	if (delta)
		attach_sched(r, delta, true);
	/* entities are still in cgroup order, like the delta rows: merge */
	for (i = 0, n = 0; delta && i < delta->nr_rows && delta->rows[i].kind == VFLOW_TRAP_SYSCALL; i++) {
		const struct trap_row *row = &delta->rows[i];

		while (n < r->nr_entities && r->entities[n].cgroup_id < row->owner)
			n++;
		if (n < r->nr_entities && r->entities[n].cgroup_id == row->owner)
			trap_row__add(&r->entities[n].delta, row);
	}
	if (r->nr_entities)
		qsort(r->entities, r->nr_entities, sizeof(*r->entities), entity_cmp);
	return report__build_vms(r) ?: report__build_sandboxes(r) ?: report__build_model(r);
}

void report__free(struct report *r)
{
	for (size_t i = 0; i < r->nr_entities; i++) {
		if (r->entities[i].path && r->entities[i].path[0])
			free(r->entities[i].path);
		free(r->entities[i].names);
		free(r->entities[i].display);
	}
	report__free_vms(r);
	report__free_sandboxes(r);
	free(r->entities);
	memset(r, 0, sizeof(*r));
}

__u64 report__lost(const struct report *r)
{
	__u64 n = 0;

	for (int k = 0; k < VFLOW_CNT_MAX; k++)
		if (counter_is_loss(k))
			n += r->cum->counters[k];
	return n;
}

/* The syscall with the most calls among an entity's rows. */
static const struct trap_row *top_row(const struct entity *en)
{
	const struct trap_row *best = NULL;

	for (size_t i = 0; i < en->nr_rows; i++)
		if (!best || en->rows[i].count + en->rows[i].skipped > best->count + best->skipped)
			best = &en->rows[i];
	return best;
}

/* The eta column: "-" where unknown */
static const char *eta_text(const struct model_result *x, char *buf, size_t len)
{
	if (x->eta.prov == PROV_UNKNOWN)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f%%", 100 * x->eta.value);
	return buf;
}

/* The band column: "-" where the paradigm has none (eta shown, not judged) */
static const char *band_text(const struct model_result *x, char *buf, size_t len)
{
	if (x->eta_banded)
		snprintf(buf, len, "%.0f-%.0f%%", 100 * x->eta_lo, 100 * x->eta_hi);
	else
		snprintf(buf, len, "-");
	return buf;
}

/* One line per active paradigm: the model's figures and the loaded model's band. */
static void print_paradigms_text(const struct report *r, FILE *f)
{
	char b1[32], b2[32], eta[16], band[32];
	bool header = false;

	for (int p = 0; r->model && p < VFLOW_PARADIGM_MAX; p++) {
		const struct entity_model *m = &r->paradigms[p];

		if (!m->valid || (m->in.oncpu_ns <= 0 && !m->in.traps))
			continue;
		if (!header) {
			fprintf(f, "%-10s %10s %9s %9s %9s %7s %11s  %s\n", "PARADIGM", "TRAPS/s", "C_TRAP",
				"C_SCHED", "C_ISOL", "ETA", "BAND", "");
			header = true;
		}
		fprintf(f, "%-10s %10.1f %9s %9s %9s %7s %11s  %s%s\n",
			paradigm_name(p), m->res.f_trap.value,
			fmt_ns(m->res.c_trap_ns.value, b1, sizeof(b1)),
			fmt_ns(m->res.c_schedule_ns.value, b2, sizeof(b2)),
			fmt_ns(m->res.c_isolation_ns.value, b1 + 16, sizeof(b1) - 16),
			eta_text(&m->res, eta, sizeof(eta)), band_text(&m->res, band, sizeof(band)),
			m->res.eta_out_of_band ? "outside the band " : "",
			provenance_name(m->res.eta.prov));
	}
}

void report__print_text(const struct report *r, const struct report_text_opts *o, FILE *f)
{
	char b1[32], b2[32], nbuf[32], timing[TRAP_TIMING_NAME_LEN], name[WORKLOAD_NAME_LEN];
	struct trap_row all = {};
	size_t shown = 0;

	for (size_t i = 0; i < r->nr_entities; i++)
		trap_row__add(&all, &r->entities[i].delta);
	/* timing: what MEAN and P99 are over (every syscall, or 1 in N) */
	fprintf(f, "vflow %s  via %s  interval %.2fs  elapsed %.1fs  syscalls %.0f/s  skipped %.0f/s"
		"  lost %llu  samples %llu  timing %s\n",
		VFLOW_VERSION, r->syscall_via, r->dt_ns / 1e9, r->elapsed_ns / 1e9,
		rate_per_sec(all.count, r->dt_ns), rate_per_sec(all.skipped, r->dt_ns),
		(unsigned long long)report__lost(r), (unsigned long long)r->cum->events,
		trap_timing_name(r->cum->time_period, timing, sizeof(timing)));
	print_paradigms_text(r, f);
	fprintf(f, "%-32s %-9s %-10s %12s %10s %9s %9s  %s\n", "ENTITY", "PARADIGM", "RUNTIME",
		"SYSCALLS/s", "SKIPPED/s", "MEAN", "P99", "TOP SYSCALL");
	for (size_t i = 0; i < r->nr_entities && (!o->top || shown < o->top); i++, shown++) {
		const struct entity *en = &r->entities[i];
		const struct trap_row *top = top_row(en);
		__u64 all_calls = en->total.count + en->total.skipped;

		/* a runtime's name with its id beside it: "docker:web-1 [978d6c95a48d]" */
		if (en->display)
			snprintf(name, sizeof(name), "%s [%.12s]", en->display, en->wl.id);
		fprintf(f, "%-32.32s %-9s %-10s %12.1f %10.1f %9s %9s  %s (%.0f%%)\n",
			en->display ? name : en->wl.name, paradigm_name(en->wl.paradigm),
			workload_runtime_name(en->wl.runtime),
			rate_per_sec(en->delta.count, r->dt_ns), rate_per_sec(en->delta.skipped, r->dt_ns),
			fmt_ns(trap_row_mean_ns(&en->total), b1, sizeof(b1)),
			fmt_ns(trap_row_quantile_ns(&en->total, P99), b2, sizeof(b2)),
			top ? trap_name(top->kind, top->code, nbuf, sizeof(nbuf)) : "-",
			top && all_calls ? 100.0 * (top->count + top->skipped) / all_calls : 0.0);
		for (size_t k = 0; k < en->nr_rows && k < o->per_entity_syscalls; k++) {
			const struct trap_row *row = &en->rows[k];

			fprintf(f, "  %-30.30s %-20s %12llu %10llu %9s %9s\n",
				trap_name(row->kind, row->code, nbuf, sizeof(nbuf)), "",
				(unsigned long long)row->count, (unsigned long long)row->skipped,
				fmt_ns(trap_row_mean_ns(row), b1, sizeof(b1)),
				fmt_ns(trap_row_quantile_ns(row, P99), b2, sizeof(b2)));
		}
	}
	report__print_vms_text(r, o, f);
	report__print_sandboxes_text(r, o, f);
	fflush(f);
}

void report_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void report_json_num(FILE *f, double v)
{
	char buf[FMT_DOUBLE_LEN];

	if (isfinite(v))
		fputs(fmt_double(v, buf, sizeof(buf)), f);
	else
		fputs("null", f);
}

/* ,"key":ns, or null for TRAP_UNTIMED_NS */
static void json_ns(FILE *f, const char *key, double ns)
{
	fprintf(f, ",\"%s\":", key);
	report_json_num(f, ns < 0 ? NAN : ns);
}

/* ,"rate":R,"skipped_rate":S of an interval's count and skips */
static void json_rates(FILE *f, const struct report *r, __u64 count, __u64 skipped)
{
	fputs(",\"rate\":", f);
	report_json_num(f, rate_per_sec(count, r->dt_ns));
	fputs(",\"skipped_rate\":", f);
	report_json_num(f, rate_per_sec(skipped, r->dt_ns));
}

void report_json_row_latency(FILE *f, const struct trap_row *row)
{
	json_ns(f, "mean_ns", trap_row_mean_ns(row));
	json_ns(f, "p50_ns", trap_row_quantile_ns(row, P50));
	json_ns(f, "p99_ns", trap_row_quantile_ns(row, P99));
}

void report_json_latency(FILE *f, const struct trap_row *row)
{
	fprintf(f, "\"count\":%llu,\"skipped\":%llu,\"total_ns\":%llu",
		(unsigned long long)row->count, (unsigned long long)row->skipped,
		(unsigned long long)row->total_ns);
	report_json_row_latency(f, row);
}

static void json_row(FILE *f, const struct report *r, const struct trap_row *row)
{
	const struct trap_row *d = r->delta ? snapshot__find(r->delta, row) : NULL;
	char nbuf[32];

	fprintf(f, "{\"nr\":%llu,\"name\":", (unsigned long long)row->code);
	report_json_str(f, trap_name(row->kind, row->code, nbuf, sizeof(nbuf)));
	fputc(',', f);
	report_json_latency(f, row);
	json_rates(f, r, d ? d->count : 0, d ? d->skipped : 0);
	fputs(",\"hist\":[", f);
	for (int i = 0; i < VFLOW_HIST_SLOTS; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)row->hist[i]);
	fputs("]}", f);
}

/* How the entity's identity was learnt and when, on the clock of ts_ns; null: not known. */
static void json_identity(FILE *f, const struct entity *en)
{
	if (en->origin == IDENTITY_ORIGIN_MAX) {
		fputs("\"learnt\":null,\"first_seen_ns\":null,\"gone_since_ns\":null", f);
		return;
	}
	fprintf(f, "\"learnt\":\"%s\",\"first_seen_ns\":%llu,\"gone_since_ns\":",
		identity_origin_name(en->origin), (unsigned long long)en->first_seen_ns);
	if (en->gone_since_ns)
		fprintf(f, "%llu", (unsigned long long)en->gone_since_ns);
	else
		fputs("null", f);
}

/* "entity" (the key, as the exporter's label) and "names", what the runtime calls it (or null). */
static void json_names(FILE *f, const struct entity *en)
{
	const struct runtime_names *n = en->names;

	fputs(",\"entity\":", f);
	report_json_str(f, en->wl.name);
	if (!n) {
		fputs(",\"names\":null", f);
		return;
	}
	fputs(",\"names\":{\"name\":", f);
	report_json_str(f, n->name);
	for (int l = 0; l < RUNTIME_LABEL_MAX; l++) {
		fprintf(f, ",\"%s\":", runtime_label_name(l));
		report_json_str(f, runtime_label_value(n, l));
	}
	fputs(",\"source\":", f);
	report_json_str(f, runtime_source_name(n->source));
	fputc('}', f);
}

/* An entity's "sched" object: on-CPU time, switches, run-queue waits and pressure. */
static void json_sched(FILE *f, const struct report *r, const struct entity *en)
{
	fprintf(f, "\"sched\":{\"oncpu_ns\":%llu,\"switches_vol\":%llu,\"switches_invol\":%llu,"
		"\"cpu_share\":", (unsigned long long)en->oncpu.total_ns,
		(unsigned long long)en->oncpu.count, (unsigned long long)en->oncpu.skipped);
	report_json_num(f, r->dt_ns ? (double)en->d_oncpu.total_ns / r->dt_ns : 0.0);
	fputs(",\"runq\":{", f);
	report_json_latency(f, &en->runq);
	fputc('}', f);
	/* PSI "some" of the cgroup (its subtree): time some task waited to run */
	if (en->has_psi) {
		fprintf(f, ",\"runq_pressure_ns\":%llu,\"runq_pressure_share\":",
			(unsigned long long)en->psi.total_ns);
		report_json_num(f, r->dt_ns ? (double)en->d_psi.total_ns / r->dt_ns : 0.0);
	} else {
		fputs(",\"runq_pressure_ns\":null,\"runq_pressure_share\":null", f);
	}
	fputc('}', f);
}

/* The report's counters, what was lost, and what the runtimes were asked. */
static void json_counters(FILE *f, const struct report *r)
{
	fputs(",\"counters\":{", f);
	for (int k = 0; k < VFLOW_CNT_MAX; k++)
		fprintf(f, "%s\"%s\":%llu", k ? "," : "", counter_name(k),
			(unsigned long long)r->cum->counters[k]);
	fprintf(f, "},\"lost\":%llu,\"identity_events_lost\":%llu,\"cgroup_renames\":%llu,"
		"\"samples\":%llu,\"runtime_lookups\":", (unsigned long long)report__lost(r),
		(unsigned long long)r->identity_events_lost,
		(unsigned long long)(r->ident ? r->ident->renames : 0), (unsigned long long)r->cum->events);
	if (r->has_names_stats)
		fprintf(f, "{\"lookups\":%llu,\"timeouts\":%llu,\"skipped\":%llu,\"cached\":%u,"
			"\"queued\":%u}", r->names_stats.lookups, r->names_stats.timeouts,
			r->names_stats.skipped, r->names_stats.cached, r->names_stats.queued);
	else
		fputs("null", f);
}

void report__print_json(const struct report *r, FILE *f)
{
	char timing[TRAP_TIMING_NAME_LEN];

	trap_timing_name(r->cum->time_period, timing, sizeof(timing));
	fprintf(f, "{\"version\":\"%s\",\"ts_ns\":%llu,\"interval_s\":", VFLOW_VERSION,
		(unsigned long long)r->cum->ts_ns);
	report_json_num(f, r->dt_ns / 1e9);
	fputs(",\"elapsed_s\":", f);
	report_json_num(f, r->elapsed_ns / 1e9);
	fprintf(f, ",\"syscall_via\":\"%s\",\"syscall_timing\":\"%s\",\"syscall_time_period\":%u,"
		"\"probes\":[", r->syscall_via, timing, r->cum->time_period > 1 ? r->cum->time_period : 1);
	for (size_t i = 0; i < r->nr_probes; i++) {
		fprintf(f, "%s{\"name\":", i ? "," : "");
		report_json_str(f, r->probes[i].name);
		fprintf(f, ",\"via\":\"%s\",\"live\":%s,\"why\":", r->probes[i].via,
			r->probes[i].live ? "true" : "false");
		report_json_str(f, r->probes[i].why);
		fputc('}', f);
	}
	fputc(']', f);
	json_counters(f, r);
	fputs(",\"entities\":[", f);
	for (size_t i = 0; i < r->nr_entities; i++) {
		const struct entity *en = &r->entities[i];

		fprintf(f, "%s{\"cgroup_id\":%llu,\"path\":", i ? "," : "",
			(unsigned long long)en->cgroup_id);
		report_json_str(f, en->path);
		fputs(",\"name\":", f);
		report_json_str(f, entity_name(en));
		json_names(f, en);
		fprintf(f, ",\"gone\":%s,", en->gone ? "true" : "false");
		json_identity(f, en);
		fprintf(f, ",\"paradigm\":\"%s\",\"runtime\":\"%s\",\"id\":",
			paradigm_name(en->wl.paradigm), workload_runtime_name(en->wl.runtime));
		report_json_str(f, en->wl.id);
		fputs(",\"pod_uid\":", f);
		report_json_str(f, en->wl.pod_uid);
		fprintf(f, ",\"qos\":\"%s\",", workload_qos_name(en->wl.qos));
		report_json_latency(f, &en->total);
		/* the latency figures' provenance: every syscall timed, or 1 in N */
		fprintf(f, ",\"timed\":%llu,\"latency_provenance\":\"%s\"",
			(unsigned long long)hist_count(en->total.hist),
			r->cum->time_period > 1 ? timing : "measured");
		json_rates(f, r, en->delta.count, en->delta.skipped);
		fputc(',', f);
		json_sched(f, r, en);
		fputs(",\"model\":", f);
		report_json_model(f, &en->model);
		fputs(",\"syscalls\":[", f);
		for (size_t k = 0; k < en->nr_rows; k++) {
			if (k)
				fputc(',', f);
			json_row(f, r, &en->rows[k]);
		}
		fputs("]}", f);
	}
	fputc(']', f);
	report__print_vms_json(r, f);
	report__print_sandboxes_json(r, f);
	fputs(",\"paradigms\":[", f);
	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++) {
		fprintf(f, "%s{\"paradigm\":\"%s\",\"model\":", p ? "," : "", paradigm_name(p));
		report_json_model(f, &r->paradigms[p]);
		fputc('}', f);
	}
	fputc(']', f);
	if (r->import_json)
		fprintf(f, ",\"import\":%s", r->import_json);
	fputs("}\n", f);
	fflush(f);
}
