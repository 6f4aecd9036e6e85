// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core/trap.h"
#include "serve/metrics.h"

#define TOP_PER_ENTITY 10
#define NS_PER_SEC 1e9
/* the last histogram slot is open-ended: buckets stop before it */
#define BUCKETS (VFLOW_HIST_SLOTS - 1)

/*
 * The body is written to a memory stream only the rendering thread uses:
 * the unlocked stdio calls save a lock per character, and numbers are
 * formatted by hand where printf's floating point would dominate (a
 * thousand entities make ~100 000 lines).
 */
#define fputc fputc_unlocked
#define fputs fputs_unlocked
#define fwrite fwrite_unlocked

/*
 * The paradigms whose L_trap band the exporter shows beside their measured
 * trap latency (vflow_trap_latency_seconds, classes vmexit and hypercall).
 * The sandbox's band is the filter's own cost (L_bpf), not a round trip,
 * and containers have none.
 */
static const enum vflow_paradigm banded[] = { VFLOW_PARADIGM_FULLVIRT, VFLOW_PARADIGM_PARAVIRT };

struct out {
	FILE *f;
	bool om;
};

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

/* "# HELP" and "# TYPE"; OpenMetrics names a counter family without _total */
static void family(struct out *o, const char *name, const char *type, const char *help)
{
	size_t n = strlen(name);

	if (o->om && !strcmp(type, "counter") && n > 6 && !strcmp(name + n - 6, "_total"))
		n -= 6;
	fprintf(o->f, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)n, name, help, (int)n, name, type);
}

static void label_value(FILE *f, const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "\\\"\n");

		fwrite(s, 1, n, f);
		s += n;
		if (!*s)
			return;
		fputs(*s == '\n' ? "\\n" : *s == '"' ? "\\\"" : "\\\\", f);
		s++;
	}
}

static void put_u64(FILE *f, unsigned long long v)
{
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), f);
}

/* " VALUE\n": integers (most samples are counts) without printf */
static void put_value(FILE *f, double v)
{
	fputc(' ', f);
	if (v >= 0 && v < 9007199254740992.0 && v == (double)(unsigned long long)v)
		put_u64(f, (unsigned long long)v);
	else
		fprintf(f, "%.17g", v);
	fputc('\n', f);
}

/* labels: NULL-terminated key, value, key, value, ...; extra: one more "k=v" or NULL */
static void labels(FILE *f, const char *const *kv, const char *extra)
{
	bool first = true;

	fputc('{', f);
	for (; kv && kv[0]; kv += 2, first = false) {
		if (!first)
			fputc(',', f);
		fputs(kv[0], f);
		fputs("=\"", f);
		label_value(f, kv[1]);
		fputc('"', f);
	}
	if (extra) {
		if (!first)
			fputc(',', f);
		fputs(extra, f);
	}
	fputc('}', f);
}

static void sample(struct out *o, const char *name, const char *const *kv, double v)
{
	fputs(name, o->f);
	labels(o->f, kv, NULL);
	put_value(o->f, v);
}

/* A log2 histogram in seconds: cumulative le buckets, _sum, _count. */
static void histogram(struct out *o, const char *name, const char *const *kv, const struct trap_row *row)
{
	static char le[BUCKETS][32];
	static bool le_done;
	__u64 cum = 0, n = hist_count(row->hist);

	/* the bucket bounds never change: format them once */
	if (!le_done) {
		for (int i = 0; i < BUCKETS; i++)
			snprintf(le[i], sizeof(le[i]), "le=\"%.9g\"", (double)hist_slot_high_ns(i) / NS_PER_SEC);
		le_done = true;
	}
	for (int i = 0; i < BUCKETS; i++) {
		cum += row->hist[i];
		fputs(name, o->f);
		fputs("_bucket", o->f);
		labels(o->f, kv, le[i]);
		put_value(o->f, (double)cum);
	}
	fputs(name, o->f);
	fputs("_bucket", o->f);
	labels(o->f, kv, "le=\"+Inf\"");
	put_value(o->f, (double)n);
	fputs(name, o->f);
	fputs("_sum", o->f);
	labels(o->f, kv, NULL);
	fprintf(o->f, " %.9f\n", (double)row->total_ns / NS_PER_SEC);
	fputs(name, o->f);
	fputs("_count", o->f);
	labels(o->f, kv, NULL);
	put_value(o->f, (double)n);
}

#define INDEX_MIN 256

/* FNV-1a: series names are short and many (one per entity, every render) */
static size_t name_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void index_put(size_t *index, size_t cap, const char *name, size_t i)
{
	size_t k;

	for (k = name_hash(name) & (cap - 1); index[k]; k = (k + 1) & (cap - 1))
		;
	index[k] = i + 1;
}

/* Rebuild the name index for room for @want names (after growth or pruning). */
static int index_rebuild(struct metrics *m, size_t want)
{
	size_t cap = INDEX_MIN, *n;

	while (cap < 2 * want)
		cap *= 2;
	n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < m->nr_ages; i++)
		index_put(n, cap, m->ages[i].name, i);
	free(m->index);
	m->index = n;
	m->index_cap = cap;
	return 0;
}

static struct series_age *age_find(struct metrics *m, const char *key)
{
	size_t k;

	if (!m->index_cap)
		return NULL;
	for (k = name_hash(key) & (m->index_cap - 1); m->index[k]; k = (k + 1) & (m->index_cap - 1))
		if (!strcmp(m->ages[m->index[k] - 1].name, key))
			return &m->ages[m->index[k] - 1];
	return NULL;
}

/* Note activity of a named series; false if it is gone and idle past the TTL. */
static bool series_live(struct metrics *m, const char *type, const char *name, __u64 total,
			bool gone, __u64 now)
{
	struct series_age *a = NULL;
	char key[sizeof(a->name)];

	snprintf(key, sizeof(key), "%s:%s", type, name);
	a = age_find(m, key);
	if (!a) {
		if ((m->nr_ages + 1) * 2 > m->index_cap && index_rebuild(m, m->nr_ages + 1))
			return true;	/* export it rather than lose it */
		if (m->nr_ages == m->cap_ages) {
			size_t n = m->cap_ages ? m->cap_ages * 2 : 64;
			void *p = realloc(m->ages, n * sizeof(*m->ages));

			if (!p)
				return true;	/* export it rather than lose it */
			m->ages = p;
			m->cap_ages = n;
		}
		a = &m->ages[m->nr_ages];
		memset(a, 0, sizeof(*a));
		snprintf(a->name, sizeof(a->name), "%s", key);
		index_put(m->index, m->index_cap, a->name, m->nr_ages++);
		a->last_change_ns = now;
	}
	if (total != a->last_total) {
		a->last_total = total;
		a->last_change_ns = now;
	}
	a->seen_ns = now;
	return !(gone && now - a->last_change_ns > m->ttl_ns);
}

/* Forget series no report has had for a TTL: their names are in "other". */
static void ages_prune(struct metrics *m, __u64 now)
{
	size_t out = 0;

	for (size_t i = 0; i < m->nr_ages; i++)
		if (now - m->ages[i].seen_ns <= m->ttl_ns)
			m->ages[out++] = m->ages[i];
	if (out != m->nr_ages) {
		m->nr_ages = out;
		/* positions moved; on ENOMEM the index is dropped and rebuilt on next use */
		if (index_rebuild(m, out)) {
			free(m->index);
			m->index = NULL;
			m->index_cap = 0;
		}
	}
}

static void render_self(struct out *o, const struct report *r, const struct prog_stat *progs,
			size_t nr_progs, const size_t exported[3], double render_s)
{
	static const char *const types[3] = { "container", "vm", "sandbox" };
	char buf[64];

	family(o, "vflow_build_info", "gauge", "vflow version, revision and syscall attach type.");
	sample(o, "vflow_build_info", (const char *const[]){ "version", VFLOW_VERSION, "revision",
		VFLOW_GIT_REV, "syscall_via", r->syscall_via ? r->syscall_via : "none", NULL }, 1);
	family(o, "vflow_probe_live", "gauge", "1 if the attach point is live, 0 if absent or failed.");
	for (size_t i = 0; i < r->nr_probes; i++)
		sample(o, "vflow_probe_live", (const char *const[]){ "probe", r->probes[i].name, NULL },
		       r->probes[i].live);
	family(o, "vflow_lost_events_total", "counter", "Events vflow could not record, by reason.");
	for (int k = 0; k < VFLOW_CNT_MAX; k++)
		if (counter_is_loss(k))
			sample(o, "vflow_lost_events_total", (const char *const[]){ "reason",
			       counter_name(k), NULL }, r->cum->counters[k]);
	family(o, "vflow_kernel_events_total", "counter", "Informational in-kernel counters.");
	for (int k = 0; k < VFLOW_CNT_MAX; k++)
		if (!counter_is_loss(k))
			sample(o, "vflow_kernel_events_total", (const char *const[]){ "kind",
			       counter_name(k), NULL }, r->cum->counters[k]);
	family(o, "vflow_ringbuf_samples_total", "counter", "Samples received through the ring buffer.");
	sample(o, "vflow_ringbuf_samples_total", NULL, r->cum->events);
	family(o, "vflow_exported_entities", "gauge", "Entities exported by name, by type.");
	for (int t = 0; t < 3; t++)
		sample(o, "vflow_exported_entities", (const char *const[]){ "type", types[t], NULL },
		       exported[t]);
	family(o, "vflow_render_duration_seconds", "gauge", "Time to render the previous /metrics body.");
	sample(o, "vflow_render_duration_seconds", NULL, render_s);
	if (!nr_progs)
		return;
	family(o, "vflow_bpf_prog_run_seconds_total", "counter", "BPF program run time (bpf_stats_enabled).");
	for (size_t i = 0; i < nr_progs; i++)
		sample(o, "vflow_bpf_prog_run_seconds_total", (const char *const[]){ "prog", progs[i].name,
		       NULL }, progs[i].run_time_ns / NS_PER_SEC);
	family(o, "vflow_bpf_prog_runs_total", "counter", "BPF program runs (bpf_stats_enabled).");
	for (size_t i = 0; i < nr_progs; i++) {
		snprintf(buf, sizeof(buf), "%s", progs[i].name);
		sample(o, "vflow_bpf_prog_runs_total", (const char *const[]){ "prog", buf, NULL },
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
	family(o, "vflow_traps_total", "counter", "Traps out of the fast path, by paradigm and class.");
	for (size_t i = 0; i < n; i++)
		sample(o, "vflow_traps_total", (const char *const[]){ "paradigm", pc[i].paradigm,
		       "class", pc[i].cls, NULL }, pc[i].row.count);
	family(o, "vflow_trap_latency_seconds", "histogram", "Latency of timed traps, by paradigm and class.");
	for (size_t i = 0; i < n; i++)
		if (pc[i].timed)
			histogram(o, "vflow_trap_latency_seconds", (const char *const[]){ "paradigm",
				  pc[i].paradigm, "class", pc[i].cls, NULL }, &pc[i].row);
}

/* The loaded model's L_trap bands (config/model.conf, reloaded on SIGHUP), in seconds. */
static void render_bands(struct out *o, const struct model_config *model)
{
	if (!model)
		return;
	family(o, "vflow_model_trap_latency_seconds", "gauge",
	       "The model's trap latency band (modelled, not measured).");
	for (size_t i = 0; i < sizeof(banded) / sizeof(banded[0]); i++) {
		const struct model_paradigm *p = &model->p[banded[i]];
		const char *name = paradigm_name(banded[i]);

		sample(o, "vflow_model_trap_latency_seconds", (const char *const[]){ "paradigm",
		       name, "bound", "low", NULL }, p->trap_ns_lo / NS_PER_SEC);
		sample(o, "vflow_model_trap_latency_seconds", (const char *const[]){ "paradigm",
		       name, "bound", "high", NULL }, p->trap_ns_hi / NS_PER_SEC);
	}
}

static int row_ptr_count_cmp(const void *a, const void *b)
{
	const struct trap_row *x = *(const struct trap_row *const *)a;
	const struct trap_row *y = *(const struct trap_row *const *)b;

	return x->count != y->count ? (x->count > y->count ? -1 : 1) : 0;
}

static void render_containers(struct metrics *m, struct out *o, const struct report *r, __u64 now,
			      size_t *exported)
{
	const char *rt, *par;
	struct trap_row other = {};
	bool any_other = false;
	char nbuf[32];

	/* a family's samples must follow its TYPE line: one pass per family */
	for (int pass = 0; pass < 3; pass++) {
		*exported = 0;
		any_other = false;
		if (pass == 0)
			family(o, "vflow_syscalls_total", "counter", "Syscalls that entered and exited, per entity.");
		else if (pass == 1)
			family(o, "vflow_syscalls_skipped_total", "counter", "Syscalls that exited without entering.");
		else
			family(o, "vflow_syscall_latency_seconds", "histogram", "Syscall latency per entity.");
		for (size_t i = 0; i < r->nr_entities; i++) {
			const struct entity *en = &r->entities[i];
			const char *name = en->wl.name;
			bool live = series_live(m, "c", name, en->total.count + en->total.skipped,
						en->gone, now);

			if (!live || *exported >= m->max_entities) {
				if (pass == 0)
					trap_row__add(&other, &en->total);
				any_other = true;
				continue;
			}
			(*exported)++;
			rt = workload_runtime_name(en->wl.runtime);
			par = paradigm_name(en->wl.paradigm);
			const char *const kv[] = { "entity", name, "paradigm", par, "runtime", rt, NULL };

			if (pass == 0)
				sample(o, "vflow_syscalls_total", kv, en->total.count);
			else if (pass == 1)
				sample(o, "vflow_syscalls_skipped_total", kv, en->total.skipped);
			else
				histogram(o, "vflow_syscall_latency_seconds", kv, &en->total);
		}
		if (any_other) {
			const char *const kv[] = { "entity", "other", "paradigm",
						   paradigm_name(VFLOW_PARADIGM_HOST), "runtime",
						   workload_runtime_name(WORKLOAD_RT_HOST), NULL };

			if (pass == 0)
				sample(o, "vflow_syscalls_total", kv, other.count);
			else if (pass == 1)
				sample(o, "vflow_syscalls_skipped_total", kv, other.skipped);
			else
				histogram(o, "vflow_syscall_latency_seconds", kv, &other);
		}
	}
	family(o, "vflow_syscall_calls_total", "counter", "Syscalls per entity and syscall (busiest 10).");
	for (size_t i = 0, shown = 0; i < r->nr_entities && shown < *exported; i++) {
		const struct entity *en = &r->entities[i];
		const struct trap_row *top[VFLOW_MAX_SYSCALL_NR];
		__u64 rest = 0;
		size_t n = 0;

		if (!series_live(m, "c", en->wl.name, en->total.count + en->total.skipped, en->gone, now))
			continue;
		shown++;
		for (size_t k = 0; k < en->nr_rows && n < VFLOW_MAX_SYSCALL_NR; k++)
			top[n++] = &en->rows[k];
		qsort(top, n, sizeof(const struct trap_row *), row_ptr_count_cmp);
		for (size_t k = 0; k < n; k++) {
			if (k >= TOP_PER_ENTITY) {
				rest += top[k]->count;
				continue;
			}
			sample(o, "vflow_syscall_calls_total", (const char *const[]){ "entity", en->wl.name,
			       "syscall", trap_name(top[k]->kind, top[k]->code, nbuf, sizeof(nbuf)), NULL },
			       top[k]->count);
		}
		if (n > TOP_PER_ENTITY)
			sample(o, "vflow_syscall_calls_total", (const char *const[]){ "entity", en->wl.name,
			       "syscall", "other", NULL }, rest);
	}
}

static const char *const vm_timed[] = { "exits", "idle", "hypercall", "notify", "emulated_io", "userspace" };

static void render_vms(struct metrics *m, struct out *o, const struct report *r, __u64 now,
		       size_t *exported)
{
	struct trap_row other[VM_BUCKET_MAX] = {};
	bool *use = calloc(r->nr_vms + 1, sizeof(*use)), any_other = false;
	char rbuf[64];

	*exported = 0;
	if (!use)
		return;
	for (size_t i = 0; i < r->nr_vms; i++) {
		const struct vm_entity *vm = &r->vms[i];

		use[i] = series_live(m, "vm", vm->id.name, vm->total[VM_EXITS].count +
				     vm->total[VM_IDLE].count, vm->gone, now) && *exported < m->max_entities;
		*exported += use[i];
		for (int b = 0; !use[i] && b < VM_BUCKET_MAX; b++) {
			trap_row__add(&other[b], &vm->total[b]);
			any_other = true;
		}
	}
	family(o, "vflow_vm_exits_total", "counter", "KVM traps per VM and bucket.");
	for (size_t i = 0; i <= r->nr_vms; i++) {
		bool is_other = i == r->nr_vms;

		if (is_other ? !any_other : !use[i])
			continue;
		for (int b = 0; b < VM_BUCKET_MAX; b++)
			sample(o, "vflow_vm_exits_total", (const char *const[]){
			       "vm", is_other ? "other" : r->vms[i].id.name,
			       "vmm", is_other ? "" : vmm_kind_name(r->vms[i].id.vmm),
			       "bucket", vm_bucket_name(b), NULL },
			       is_other ? other[b].count : r->vms[i].total[b].count);
	}
	family(o, "vflow_vm_exit_latency_seconds", "histogram", "KVM trap latency per VM and bucket.");
	for (size_t i = 0; i <= r->nr_vms; i++) {
		bool is_other = i == r->nr_vms;

		if (is_other ? !any_other : !use[i])
			continue;
		for (size_t b = 0; b < sizeof(vm_timed) / sizeof(vm_timed[0]); b++)
			histogram(o, "vflow_vm_exit_latency_seconds", (const char *const[]){
				  "vm", is_other ? "other" : r->vms[i].id.name,
				  "vmm", is_other ? "" : vmm_kind_name(r->vms[i].id.vmm),
				  "bucket", vm_timed[b], NULL },
				  is_other ? &other[b] : &r->vms[i].total[b]);
	}
	family(o, "vflow_vm_exit_reasons_total", "counter", "VM exits per VM and reason (busiest 10).");
	for (size_t i = 0; i < r->nr_vms; i++) {
		const struct vm_entity *vm = &r->vms[i];
		size_t shown = 0;

		if (!use[i])
			continue;
		/* rows are busiest first; several vCPUs share a reason: sum them */
		for (size_t k = 0; k < vm->nr_rows && shown < TOP_PER_ENTITY; k++) {
			const struct trap_row *row = vm->rows[k];
			__u64 sum = 0;
			bool dup = false;

			if (vm_bucket_of(row) != VM_EXITS && vm_bucket_of(row) != VM_IDLE)
				continue;
			for (size_t j = 0; j < k && !dup; j++)
				dup = vm->rows[j]->kind == row->kind && vm->rows[j]->code == row->code;
			if (dup)
				continue;
			for (size_t j = k; j < vm->nr_rows; j++)
				if (vm->rows[j]->kind == row->kind && vm->rows[j]->code == row->code)
					sum += vm->rows[j]->count;
			sample(o, "vflow_vm_exit_reasons_total", (const char *const[]){ "vm", vm->id.name,
			       "reason", trap_name(row->kind, row->code, rbuf, sizeof(rbuf)), NULL },
			       sum);
			shown++;
		}
	}
	free(use);
}

static void render_sandboxes(struct metrics *m, struct out *o, const struct report *r, __u64 now,
			     size_t *exported)
{
	static const __u32 timed[] = { VFLOW_ACT_USER_NOTIF, VFLOW_ACT_NOTIF_CONTINUE, VFLOW_ACT_PTRACE };
	struct trap_row per[VFLOW_ACT_MAX];
	char sup[32];

	/* two passes keep each family's samples together */
	for (int pass = 0; pass < 2; pass++) {
		struct trap_row other[VFLOW_ACT_MAX] = {};
		bool any_other = false;

		*exported = 0;
		if (pass == 0)
			family(o, "vflow_sandbox_traps_total", "counter", "Sandbox traps per sandbox and action.");
		else
			family(o, "vflow_sandbox_roundtrip_seconds", "histogram", "Timed sandbox round trips.");
		for (size_t i = 0; i <= r->nr_sandboxes; i++) {
			bool is_other = i == r->nr_sandboxes;
			const struct sandbox_entity *sb = is_other ? NULL : &r->sandboxes[i];
			const char *name = is_other ? "other" : sb->info.name;
			const char *kind = is_other ? "" : sandbox_kind_name(sb->info.kind);

			if (!is_other) {
				memset(per, 0, sizeof(per));
				for (size_t k = 0; k < sb->nr_rows; k++)
					if (sb->rows[k]->sub < VFLOW_ACT_MAX)
						trap_row__add(&per[sb->rows[k]->sub], sb->rows[k]);
				if (!series_live(m, "sb", name, sb->total.count, sb->gone, now) ||
				    *exported >= m->max_entities) {
					for (int a = 0; a < VFLOW_ACT_MAX; a++)
						trap_row__add(&other[a], &per[a]);
					any_other = true;
					continue;
				}
				(*exported)++;
			} else if (!any_other) {
				continue;
			}
			for (__u32 a = VFLOW_ACT_SKIPPED; pass == 0 && a < VFLOW_ACT_MAX; a++)
				if ((is_other ? other : per)[a].count)
					sample(o, "vflow_sandbox_traps_total", (const char *const[]){ "sandbox",
					       name, "kind", kind, "action", sys_action_name(a), NULL },
					       (is_other ? other : per)[a].count);
			for (size_t t = 0; pass == 1 && t < sizeof(timed) / sizeof(timed[0]); t++)
				if ((is_other ? other : per)[timed[t]].count)
					histogram(o, "vflow_sandbox_roundtrip_seconds", (const char *const[]){
						  "sandbox", name, "kind", kind, "action",
						  sys_action_name(timed[t]), NULL }, &(is_other ? other : per)[timed[t]]);
		}
	}
	family(o, "vflow_notify_supervisor_handling_seconds", "histogram",
	       "User-notify supervisors: NOTIF_RECV to NOTIF_SEND.");
	for (size_t i = 0, n = 0; i < r->cum->nr_rows && n < m->max_entities; i++) {
		const struct trap_row *row = &r->cum->rows[i];

		if (row->kind != VFLOW_TRAP_NOTIF_HANDLING)
			continue;
		/* one series per supervisor: its targets are summed */
		if (n && row->owner == r->cum->rows[i - 1].owner)
			continue;
		struct trap_row sum = *row;

		for (size_t j = i + 1; j < r->cum->nr_rows && r->cum->rows[j].kind == row->kind &&
		     r->cum->rows[j].owner == row->owner; j++)
			trap_row__add(&sum, &r->cum->rows[j]);
		snprintf(sup, sizeof(sup), "pid:%llu", (unsigned long long)row->owner);
		histogram(o, "vflow_notify_supervisor_handling_seconds",
			  (const char *const[]){ "supervisor", sup, NULL }, &sum);
		n++;
	}
}

static int render_one(struct metrics *m, const struct report *r, const struct prog_stat *progs,
		      size_t nr_progs, __u64 now, bool om, char **body, size_t *len)
{
	size_t exported[3] = {};
	struct out o = { .om = om };

	o.f = open_memstream(body, len);
	if (!o.f)
		return -ENOMEM;
	render_paradigms(&o, r);
	render_bands(&o, r->model);
	render_containers(m, &o, r, now, &exported[0]);
	render_vms(m, &o, r, now, &exported[1]);
	render_sandboxes(m, &o, r, now, &exported[2]);
	render_self(&o, r, progs, nr_progs, exported, m->render_s);
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
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	if (render_one(m, r, progs, nr_progs, now_ns, false, &text, &text_len) ||
	    render_one(m, r, progs, nr_progs, now_ns, true, &om, &om_len)) {
		free(text);
		return -ENOMEM;
	}
	ages_prune(m, now_ns);
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
