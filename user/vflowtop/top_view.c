// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowtop's view of a report: one row per container or host cgroup, VM
 * and sandbox, with the same columns for all three; the sums per paradigm;
 * the filters and the sort orders.
 *
 * What a "trap" is differs by entity, as in the report: the syscalls a
 * cgroup made (those seccomp or ptrace intercepted count for their
 * sandbox instead), the non-idle exits of a VM, the seccomp and ptrace
 * traps of a sandbox.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include "core/trap.h"
#include "host/procfs.h"
#include "vflowtop/top_shared.h"

#define P99		0.99
#define PERCENT		100.0
#define ASCII_FIRST	0x20	/* printable ASCII: ' ' to '~' */
#define ASCII_LAST	0x7e

static const char *const col_names[TOP_COL_MAX] = {
	[TOP_COL_NAME] = "NAME", [TOP_COL_PARADIGM] = "PARADIGM", [TOP_COL_KIND] = "KIND",
	[TOP_COL_RATE] = "TRAPS/s", [TOP_COL_REASON] = "TOP REASON", [TOP_COL_MEAN] = "MEAN",
	[TOP_COL_P99] = "P99", [TOP_COL_CPU] = "TRAP CPU%", [TOP_COL_RUNQ] = "RUNQ",
	[TOP_COL_ETA] = "ETA",
};

/* The p key's cycle; after "all", the order of the paradigm table. */
static const int paradigm_cycle[] = {
	TOP_PARADIGM_ALL, VFLOW_PARADIGM_HOST, VFLOW_PARADIGM_CONTAINER,
	VFLOW_PARADIGM_FULLVIRT, VFLOW_PARADIGM_PARAVIRT, VFLOW_PARADIGM_SANDBOX,
};
#define NR_CYCLE (sizeof(paradigm_cycle) / sizeof(paradigm_cycle[0]))

const char *top_col_name(enum top_col c)
{
	return c < TOP_COL_MAX ? col_names[c] : "?";
}

const char *top_paradigm_filter_name(int p)
{
	return p == TOP_PARADIGM_ALL ? "all" : paradigm_name(p);
}

int top_paradigm_filter_next(int p)
{
	for (size_t i = 0; i < NR_CYCLE; i++)
		if (paradigm_cycle[i] == p)
			return paradigm_cycle[(i + 1) % NR_CYCLE];
	return TOP_PARADIGM_ALL;
}

int top_paradigm_filter_parse(const char *s)
{
	for (size_t i = 0; i < NR_CYCLE; i++)
		if (!strcmp(s, top_paradigm_filter_name(paradigm_cycle[i])))
			return paradigm_cycle[i];
	return -2;
}

void top_copy_name(char *dst, size_t len, const char *s)
{
	size_t i;

	for (i = 0; len && i < len - 1 && s[i]; i++)
		dst[i] = (unsigned char)s[i] >= ASCII_FIRST && (unsigned char)s[i] <= ASCII_LAST ?
			 s[i] : '?';
	if (len)
		dst[i] = '\0';
}

int top_pid_cgroup(pid_t pid, char *buf, size_t len)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int ret = -ENOENT;
	FILE *f;

	if (procfs_path(path, sizeof(path), pid, "cgroup"))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* the cgroup v2 line is "0::/path", whatever v1 hierarchies are mounted */
	while ((n = getline(&line, &cap, f)) > 0) {
		if (strncmp(line, "0::", 3))
			continue;
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		snprintf(buf, len, "%s", line + 3);
		ret = 0;
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

int top_filter__set_re(struct top_filter *f, const char *text, char *err, size_t err_len)
{
	regex_t re;
	int ret = regcomp(&re, text, REG_EXTENDED | REG_NOSUB);

	if (ret) {
		regerror(ret, &re, err, err_len);
		return -EINVAL;
	}
	top_filter__clear_re(f);
	f->re = re;
	f->has_re = true;
	snprintf(f->re_text, sizeof(f->re_text), "%s", text);
	return 0;
}

void top_filter__clear_re(struct top_filter *f)
{
	if (f->has_re)
		regfree(&f->re);
	f->has_re = false;
	f->re_text[0] = '\0';
}

/* Share of the machine's CPU time spent inside these traps over the interval. */
static double cpu_pct(__u64 trap_ns, __u64 dt_ns, int ncpus)
{
	return dt_ns && ncpus > 0 ? PERCENT * (double)trap_ns / ((double)dt_ns * ncpus) : 0;
}

static void fill_latency(struct top_item *it, const struct trap_row *cum)
{
	it->mean_ns = trap_row_mean_ns(cum);
	it->p99_ns = trap_row_quantile_ns(cum, P99);
}

/*
 * Where the model has a figure for the entity, its trap share replaces the
 * raw trap time (which counts threads blocked inside syscalls), and its eta
 * shows, flagged only outside a band (the host has none by default). An
 * unknown eta (no on-CPU time measured) shows as "-".
 */
static void fill_model(struct top_item *it, const struct entity_model *m)
{
	it->eta = -1;
	it->eta_out = false;
	if (!m->valid || m->res.eta.prov == PROV_UNKNOWN)
		return;
	it->cpu_pct = PERCENT * report_trap_share(m);
	it->eta = m->res.eta.value;
	it->eta_out = m->res.eta_out_of_band;
}

static void item_cgroup(struct top_item *it, const struct entity *en, const struct report *r,
			int ncpus)
{
	const struct trap_row *top = NULL;
	__u64 all = en->total.count + en->total.skipped;
	char nbuf[32];

	it->type = TOP_CGROUP;
	it->key = en->cgroup_id;
	top_copy_name(it->name, sizeof(it->name), entity_name(en));
	it->paradigm = en->wl.paradigm;
	it->gone = en->gone;
	it->kind = workload_runtime_name(en->wl.runtime);
	for (size_t i = 0; i < en->nr_rows; i++)
		if (!top || en->rows[i].count + en->rows[i].skipped > top->count + top->skipped)
			top = &en->rows[i];
	if (top && all)
		snprintf(it->reason, sizeof(it->reason), "%s %.0f%%",
			 trap_name(top->kind, top->code, nbuf, sizeof(nbuf)),
			 PERCENT * (top->count + top->skipped) / all);
	it->rate = rate_per_sec(en->delta.count, r->dt_ns);
	fill_latency(it, &en->total);
	it->cpu_pct = cpu_pct(en->delta.total_ns, r->dt_ns, ncpus);
	it->runq_ns = trap_row_mean_ns(&en->d_runq);
	fill_model(it, &en->model);
	it->src = en;
}

static void item_vm(struct top_item *it, const struct vm_entity *vm, const struct report *r,
		    int ncpus)
{
	const struct trap_row *ex = &vm->total[VM_EXITS];
	char nbuf[48];

	it->type = TOP_VM;
	it->key = vm->pid;
	top_copy_name(it->name, sizeof(it->name), vm->id.name);
	/* the report's paradigm for a VM; the paravirt filter also takes VMs with PV traps */
	it->paradigm = VFLOW_PARADIGM_FULLVIRT;
	it->paravirt = vm->total[VM_HCALL].count + vm->total[VM_NOTIFY].count > 0;
	it->gone = vm->gone;
	it->kind = vmm_kind_name(vm->id.vmm);
	for (size_t i = 0; i < vm->nr_rows; i++) {	/* sorted busiest first */
		if (vm_bucket_of(vm->rows[i]) != VM_EXITS || !ex->count)
			continue;
		snprintf(it->reason, sizeof(it->reason), "%s %.0f%%",
			 trap_name(vm->rows[i]->kind, vm->rows[i]->code, nbuf, sizeof(nbuf)),
			 PERCENT * vm->rows[i]->count / ex->count);
		break;
	}
	it->rate = rate_per_sec(vm->delta[VM_EXITS].count, r->dt_ns);
	fill_latency(it, ex);
	it->cpu_pct = cpu_pct(vm->delta[VM_EXITS].total_ns, r->dt_ns, ncpus);
	it->runq_ns = -1;
	fill_model(it, &vm->model);
	it->src = vm;
}

static void item_sandbox(struct top_item *it, const struct sandbox_entity *sb,
			 const struct report *r, int ncpus)
{
	const struct trap_row *top = sb->nr_rows ? sb->rows[0] : NULL;	/* busiest first */
	char nbuf[32];

	it->type = TOP_SANDBOX;
	it->key = sb->nr_pids ? sb->pids[0] : 0;
	top_copy_name(it->name, sizeof(it->name), sb->info.name);
	it->paradigm = VFLOW_PARADIGM_SANDBOX;
	it->gone = sb->gone;
	it->kind = sandbox_kind_name(sb->info.kind);
	if (top)
		snprintf(it->reason, sizeof(it->reason), "%s %s",
			 trap_name(top->kind, top->code, nbuf, sizeof(nbuf)), sys_action_name(top->sub));
	it->rate = rate_per_sec(sb->delta.count, r->dt_ns);
	fill_latency(it, &sb->total);
	it->cpu_pct = cpu_pct(sb->delta.total_ns, r->dt_ns, ncpus);
	it->runq_ns = -1;
	fill_model(it, &sb->model);
	it->src = sb;
}

static bool pid_in_cgroup(pid_t pid, const char *cgroup)
{
	char buf[PATH_MAX];

	return !top_pid_cgroup(pid, buf, sizeof(buf)) && !strcmp(buf, cgroup);
}

/* -p and --cgroup: does the entity hold that process, or live in that cgroup? */
static bool item_has_pid(const struct top_item *it, const struct top_filter *f)
{
	const struct sandbox_entity *sb = it->src;

	switch (it->type) {
	case TOP_CGROUP:
		return f->pid_cgroup[0] && !strcmp(((const struct entity *)it->src)->path, f->pid_cgroup);
	case TOP_VM:
		return ((const struct vm_entity *)it->src)->pid == (__u32)f->pid;
	default:
		for (size_t i = 0; i < sb->nr_pids; i++)
			if (sb->pids[i] == (__u32)f->pid)
				return true;
		return false;
	}
}

static bool item_in_cgroup(const struct top_item *it, const char *cgroup)
{
	const struct sandbox_entity *sb = it->src;

	switch (it->type) {
	case TOP_CGROUP:
		return !strcmp(((const struct entity *)it->src)->path, cgroup);
	case TOP_VM:
		return pid_in_cgroup(((const struct vm_entity *)it->src)->pid, cgroup);
	default:
		for (size_t i = 0; i < sb->nr_pids; i++)
			if (pid_in_cgroup(sb->pids[i], cgroup))
				return true;
		return false;
	}
}

static bool item_passes(const struct top_item *it, const struct top_filter *f)
{
	if (f->paradigm != TOP_PARADIGM_ALL && (int)it->paradigm != f->paradigm &&
	    !(f->paradigm == VFLOW_PARADIGM_PARAVIRT && it->paravirt))
		return false;
	if (f->has_re && regexec(&f->re, it->name, 0, NULL, 0))
		return false;
	if (f->pid && !item_has_pid(it, f))
		return false;
	return !f->cgroup || item_in_cgroup(it, f->cgroup);
}

static void sum_add(struct trap_row *cum, struct trap_row *delta, const struct trap_row *c,
		    const struct trap_row *d)
{
	trap_row__add(cum, c);
	trap_row__add(delta, d);
}

/* Paradigm totals over every entity: the host's picture, whatever is filtered. */
static void sum_paradigms(struct top_view *v, const struct report *r, int ncpus)
{
	struct trap_row delta[VFLOW_PARADIGM_MAX] = {};

	memset(v->par, 0, sizeof(v->par));
	for (size_t i = 0; i < r->nr_entities; i++) {
		const struct entity *en = &r->entities[i];
		enum vflow_paradigm p = en->wl.paradigm < VFLOW_PARADIGM_MAX ? en->wl.paradigm :
					VFLOW_PARADIGM_HOST;

		sum_add(&v->par[p].cum, &delta[p], &en->total, &en->delta);
	}
	/* hypercalls and kicks ride on exits: counted in both rows, as the report does */
	for (size_t i = 0; i < r->nr_vms; i++) {
		const struct vm_entity *vm = &r->vms[i];

		sum_add(&v->par[VFLOW_PARADIGM_FULLVIRT].cum, &delta[VFLOW_PARADIGM_FULLVIRT],
			&vm->total[VM_EXITS], &vm->delta[VM_EXITS]);
		sum_add(&v->par[VFLOW_PARADIGM_PARAVIRT].cum, &delta[VFLOW_PARADIGM_PARAVIRT],
			&vm->total[VM_HCALL], &vm->delta[VM_HCALL]);
		sum_add(&v->par[VFLOW_PARADIGM_PARAVIRT].cum, &delta[VFLOW_PARADIGM_PARAVIRT],
			&vm->total[VM_NOTIFY], &vm->delta[VM_NOTIFY]);
	}
	for (size_t i = 0; i < r->nr_sandboxes; i++)
		sum_add(&v->par[VFLOW_PARADIGM_SANDBOX].cum, &delta[VFLOW_PARADIGM_SANDBOX],
			&r->sandboxes[i].total, &r->sandboxes[i].delta);
	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++) {
		v->par[p].rate = rate_per_sec(delta[p].count, r->dt_ns);
		v->par[p].cpu_pct = cpu_pct(delta[p].total_ns, r->dt_ns, ncpus);
		if (r->paradigms[p].valid && r->paradigms[p].in.oncpu_ns > 0)
			v->par[p].cpu_pct = PERCENT * report_trap_share(&r->paradigms[p]);
	}
}

int top_view__build(struct top_view *v, const struct report *r, struct top_filter *f, int ncpus)
{
	size_t n = r->nr_entities + r->nr_vms + r->nr_sandboxes;
	char buf[PATH_MAX];

	memset(v, 0, sizeof(*v));
	v->items = calloc(n ? n : 1, sizeof(*v->items));
	if (!v->items)
		return -ENOMEM;
	/* the process may have moved, or exited: then its last cgroup stands */
	if (f->pid && !top_pid_cgroup(f->pid, buf, sizeof(buf)))
		snprintf(f->pid_cgroup, sizeof(f->pid_cgroup), "%s", buf);
	for (size_t i = 0; i < r->nr_entities; i++)
		item_cgroup(&v->items[v->nr_items++], &r->entities[i], r, ncpus);
	for (size_t i = 0; i < r->nr_vms; i++)
		item_vm(&v->items[v->nr_items++], &r->vms[i], r, ncpus);
	for (size_t i = 0; i < r->nr_sandboxes; i++)
		item_sandbox(&v->items[v->nr_items++], &r->sandboxes[i], r, ncpus);
	v->nr_all = v->nr_items;
	n = 0;
	for (size_t i = 0; i < v->nr_items; i++)
		if (item_passes(&v->items[i], f))
			v->items[n++] = v->items[i];
	v->nr_items = n;
	sum_paradigms(v, r, ncpus);
	return 0;
}

void top_view__free(struct top_view *v)
{
	free(v->items);
	memset(v, 0, sizeof(*v));
}

/* Descending: the busiest first. */
static int num_cmp(double a, double b)
{
	return a > b ? -1 : a < b;
}

static int item_cmp(const void *a, const void *b, void *arg)
{
	const struct top_item *x = a, *y = b;
	enum top_col col = *(const enum top_col *)arg;
	int c;

	switch (col) {
	case TOP_COL_NAME:
		c = strcmp(x->name, y->name);
		break;
	case TOP_COL_PARADIGM:
		c = strcmp(paradigm_name(x->paradigm), paradigm_name(y->paradigm));
		break;
	case TOP_COL_KIND:
		c = strcmp(x->kind, y->kind);
		break;
	case TOP_COL_REASON:
		c = strcmp(x->reason, y->reason);
		break;
	case TOP_COL_MEAN:
		c = num_cmp(x->mean_ns, y->mean_ns);
		break;
	case TOP_COL_P99:
		c = num_cmp(x->p99_ns, y->p99_ns);
		break;
	case TOP_COL_CPU:
		c = num_cmp(x->cpu_pct, y->cpu_pct);
		break;
	case TOP_COL_RUNQ:
		c = num_cmp(x->runq_ns, y->runq_ns);
		break;
	case TOP_COL_ETA:
		c = num_cmp(x->eta, y->eta);
		break;
	default:
		c = 0;
		break;
	}
	/* ties, and the default order: busiest, then by name, then a stable key */
	if (!c)
		c = num_cmp(x->rate, y->rate);
	if (!c)
		c = strcmp(x->name, y->name);
	if (!c && x->type != y->type)
		c = x->type < y->type ? -1 : 1;
	if (!c)
		c = x->key < y->key ? -1 : x->key > y->key;
	return c;
}

void top_view__sort(struct top_view *v, enum top_col col)
{
	if (v->nr_items)
		qsort_r(v->items, v->nr_items, sizeof(*v->items), item_cmp, &col);
}

int top_report__filter(const struct report *r, struct top_filter *f, struct report *out)
{
	struct top_view v;
	int ret = top_view__build(&v, r, f, 1);

	if (ret)
		return ret;
	*out = *r;
	/* shallow copies: the rows they point at stay the report's */
	out->entities = calloc(r->nr_entities + 1, sizeof(*out->entities));
	out->vms = calloc(r->nr_vms + 1, sizeof(*out->vms));
	out->sandboxes = calloc(r->nr_sandboxes + 1, sizeof(*out->sandboxes));
	out->nr_entities = out->nr_vms = out->nr_sandboxes = 0;
	if (!out->entities || !out->vms || !out->sandboxes) {
		top_report__unfilter(out);
		top_view__free(&v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < v.nr_items; i++) {
		const struct top_item *it = &v.items[i];

		if (it->type == TOP_CGROUP)
			out->entities[out->nr_entities++] = *(const struct entity *)it->src;
		else if (it->type == TOP_VM)
			out->vms[out->nr_vms++] = *(const struct vm_entity *)it->src;
		else
			out->sandboxes[out->nr_sandboxes++] = *(const struct sandbox_entity *)it->src;
	}
	top_view__free(&v);
	return 0;
}

void top_report__unfilter(struct report *out)
{
	free(out->entities);
	free(out->vms);
	free(out->sandboxes);
	memset(out, 0, sizeof(*out));
}
