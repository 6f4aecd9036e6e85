// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The overhead model in the report: for every container, VM and sandbox,
 * and for each paradigm as a whole, what the interval's measurements give
 * when put through the document's model (user/model.h), and the advice
 * rules that fire. Inputs per kind of entity:
 *  - cgroups: on-CPU time and switches from the BPF scheduling programs;
 *    syscalls pay C_isolation; C_trap is 0 by the document's definition;
 *  - VMs: non-idle exits are the traps (idle exits excluded), their
 *    measured time is C_trap; on-CPU time and switches of all the VMM's
 *    threads from /proc (schedstat, read by the source before the report);
 *  - sandboxes: traps, the measured round trips, and the filter run on
 *    each trapped syscall (a lower bound: vflow does not count a sandboxed
 *    process's allowed syscalls separately); on-CPU from /proc.
 * Where the on-CPU time cannot be had (a capture, processes gone before
 * they were read) the entity's eta is unknown, and it is left out of its
 * paradigm's sums. With a ledger, every figure is also added to the
 * entity's running sums (report_ledger.c). docs/MODEL.md has each term.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "report/report_internal.h"

/*
 * The scheduling of processes over the interval, as the source read it
 * from /proc before the report (proc_cache__sched_sample); false when
 * none of them was read (a capture, or all gone): not measured.
 */
static bool sched_delta(struct report *r, const __u32 *pids, size_t n, struct proc_sched *sum)
{
	struct proc_sched d;
	bool read = false;

	memset(sum, 0, sizeof(*sum));
	for (size_t i = 0; i < n && !r->offline; i++) {
		if (proc_cache__sched_last(r->procs, pids[i], &d))
			continue;
		read = true;
		sum->oncpu_ns += d.oncpu_ns;
		sum->runq_ns += d.runq_ns;
		sum->switches_vol += d.switches_vol;
		sum->switches_invol += d.switches_invol;
	}
	return read;
}

static void advice_cb(void *ctx, const char *id, const char *section, const char *text)
{
	struct entity_model *m = ctx;
	struct model_advice *a;

	if (m->nr_advice >= MODEL_MAX_ADVICE)
		return;
	a = &m->advice[m->nr_advice++];
	snprintf(a->id, sizeof(a->id), "%s", id);
	snprintf(a->section, sizeof(a->section), "%s", section);
	snprintf(a->text, sizeof(a->text), "%s", text);
}

static void model_run(const struct report *r, struct entity_model *m, const struct model_inputs *in,
		      double runq_ns, struct advice_obs *obs)
{
	m->valid = true;
	m->in = *in;
	m->runq_ns = runq_ns;
	model_apply(r->model, in, &m->res);
	if (!r->advice)
		return;
	obs->paradigm = in->paradigm;
	obs->eta = m->res.eta.value;
	obs->eta_lo = m->res.eta_lo;
	obs->eta_hi = m->res.eta_hi;
	obs->trap_share = report_trap_share(m);
	obs->trap_rate = m->res.f_trap.value;
	obs->l_trap_ns = m->res.l_trap_mean_ns.value;
	advice_eval(r->advice, obs, advice_cb, m);
}

/* Share of an entity's syscalls (this interval) whose name starts with @prefix. */
static double syscall_share(const struct entity *en, const struct report *r, const char *prefix)
{
	__u64 n = 0, all = 0;
	char buf[32];

	for (size_t i = 0; i < en->nr_rows; i++) {
		const struct trap_row *d = r->delta ? snapshot__find(r->delta, &en->rows[i]) : NULL;

		if (!d)
			continue;
		all += d->count;
		if (!strncmp(trap_name(d->kind, d->code, buf, sizeof(buf)), prefix, strlen(prefix)))
			n += d->count;
	}
	return all ? (double)n / all : 0;
}

/*
 * An entity's inputs into its paradigm's. Live, one whose on-CPU time is
 * unknown (gone before it was read) is left out, so that the paradigm's
 * eta is over the entities measured. A capture measures none: its traps
 * are summed, and the paradigm's on-CPU time, so its eta, stays unknown.
 */
static void add_inputs(const struct report *r, struct model_inputs *sum,
		       const struct model_inputs *in)
{
	if (in->oncpu_ns < 0 && !r->offline)
		return;
	sum->interval_ns = in->interval_ns;
	sum->oncpu_ns = sum->oncpu_ns < 0 || in->oncpu_ns < 0 ? -1 : sum->oncpu_ns + in->oncpu_ns;
	sum->traps += in->traps;
	sum->trap_ns += in->trap_ns > 0 ? in->trap_ns : 0;
	sum->filtered_syscalls += in->filtered_syscalls;
	sum->sched_events += in->sched_events;
	sum->isolation_events += in->isolation_events;
}

/* The model's running sums of one entity, where the report has a ledger. */
static int ledger_add(struct report *r, enum ledger_type type, __u64 id, const char *name,
		      struct entity_model *m)
{
	return r->ledger ? report_ledger__add(r->ledger, type, id, name, m) : 0;
}

static int model_cgroups(struct report *r, struct model_inputs *per)
{
	for (size_t i = 0; i < r->nr_entities; i++) {
		struct entity *en = &r->entities[i];
		struct advice_obs obs = { .top_reason = "" };
		struct model_inputs in = {
			.paradigm = en->wl.paradigm, .interval_ns = r->dt_ns,
			.oncpu_ns = en->d_oncpu.total_ns, .trap_ns = -1,
			.sched_events = en->d_oncpu.count + en->d_oncpu.skipped,
			.isolation_events = en->delta.count + en->delta.skipped,
		};

		obs.epoll_share = syscall_share(en, r, "epoll");
		obs.io_uring_share = syscall_share(en, r, "io_uring");
		model_run(r, &en->model, &in, en->d_runq.total_ns, &obs);
		add_inputs(r, &per[en->wl.paradigm], &in);
		if (ledger_add(r, LEDGER_CGROUP, en->cgroup_id, NULL, &en->model))
			return -ENOMEM;
	}
	return 0;
}

static int model_vms(struct report *r, struct model_inputs *per)
{
	char reason[64];

	for (size_t i = 0; i < r->nr_vms; i++) {
		struct vm_entity *vm = &r->vms[i];
		struct proc_sched s;
		bool measured = sched_delta(r, &vm->pid, 1, &s);
		const struct trap_row *ex = &vm->delta[VM_EXITS];
		__u64 exits = ex->count + vm->delta[VM_IDLE].count;
		struct advice_obs obs = { .top_reason = "" };
		struct model_inputs in = {
			.paradigm = VFLOW_PARADIGM_FULLVIRT, .interval_ns = r->dt_ns,
			.oncpu_ns = measured ? (double)s.oncpu_ns : -1, .traps = ex->count,
			.trap_ns = ex->total_ns, .trap_hist = ex->hist,
			.sched_events = s.switches_vol + s.switches_invol, .isolation_events = ex->count,
		};

		/* the busiest non-idle reason this VM has */
		for (size_t k = 0; k < vm->nr_rows && !obs.top_reason[0]; k++)
			if (vm_bucket_of(vm->rows[k]) == VM_EXITS)
				obs.top_reason = trap_name(vm->rows[k]->kind, vm->rows[k]->code, reason,
							   sizeof(reason));
		if (exits) {
			obs.io_exit_share = (double)vm->delta[VM_EMUL_IO].count / exits;
			obs.hlt_share = (double)vm->delta[VM_IDLE].count / exits;
			obs.hypercall_share = (double)vm->delta[VM_HCALL].count / exits;
		}
		model_run(r, &vm->model, &in, measured ? (double)s.runq_ns : -1, &obs);
		add_inputs(r, &per[VFLOW_PARADIGM_FULLVIRT], &in);
		if (ledger_add(r, LEDGER_VM, vm->pid, NULL, &vm->model))
			return -ENOMEM;
		/* hypercalls and kicks are the paravirtual paradigm's traps */
		in.paradigm = VFLOW_PARADIGM_PARAVIRT;
		in.traps = vm->delta[VM_HCALL].count + vm->delta[VM_NOTIFY].count;
		in.trap_ns = vm->delta[VM_HCALL].total_ns + vm->delta[VM_NOTIFY].total_ns;
		/* the same threads: their on-CPU time is counted once, under fullvirt */
		in.oncpu_ns = measured ? 0 : -1;
		add_inputs(r, &per[VFLOW_PARADIGM_PARAVIRT], &in);
	}
	return 0;
}

static int model_sandboxes(struct report *r, struct model_inputs *per)
{
	for (size_t i = 0; i < r->nr_sandboxes; i++) {
		struct sandbox_entity *sb = &r->sandboxes[i];
		struct proc_sched s;
		bool measured = sched_delta(r, sb->pids, sb->nr_pids, &s);
		struct advice_obs obs = { .top_reason = "" };
		struct model_inputs in = {
			.paradigm = VFLOW_PARADIGM_SANDBOX, .interval_ns = r->dt_ns,
			.oncpu_ns = measured ? (double)s.oncpu_ns : -1, .traps = sb->delta.count,
			.trap_ns = sb->delta.total_ns, .trap_hist = sb->delta.hist,
			.filtered_syscalls = sb->delta.count,
			.sched_events = s.switches_vol + s.switches_invol,
			.isolation_events = sb->delta.count,
		};
		__u64 notif = sb->by_action[VFLOW_ACT_USER_NOTIF] + sb->by_action[VFLOW_ACT_NOTIF_CONTINUE];
		__u64 all = 0;

		for (int a = 0; a < VFLOW_ACT_MAX; a++)
			all += sb->by_action[a];
		if (all) {
			obs.notify_share = (double)notif / all;
			obs.ptrace_share = (double)sb->by_action[VFLOW_ACT_PTRACE] / all;
		}
		model_run(r, &sb->model, &in, measured ? (double)s.runq_ns : -1, &obs);
		add_inputs(r, &per[VFLOW_PARADIGM_SANDBOX], &in);
		if (ledger_add(r, LEDGER_SANDBOX, 0, sb->info.name, &sb->model))
			return -ENOMEM;
	}
	return 0;
}

int report__build_model(struct report *r)
{
	struct model_inputs per[VFLOW_PARADIGM_MAX] = {};
	double runq[VFLOW_PARADIGM_MAX] = {};

	if (!r->model || !r->dt_ns)
		return 0;
	if (r->ledger)
		report_ledger__begin(r->ledger);
	if (model_cgroups(r, per) || model_vms(r, per) || model_sandboxes(r, per))
		return -ENOMEM;
	for (size_t i = 0; i < r->nr_entities; i++)
		runq[r->entities[i].wl.paradigm] += r->entities[i].d_runq.total_ns;
	for (size_t i = 0; i < r->nr_vms; i++)
		runq[VFLOW_PARADIGM_FULLVIRT] += fmax(0, r->vms[i].model.runq_ns);
	for (size_t i = 0; i < r->nr_sandboxes; i++)
		runq[VFLOW_PARADIGM_SANDBOX] += fmax(0, r->sandboxes[i].model.runq_ns);
	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++) {
		struct advice_obs obs = { .top_reason = "" };

		per[p].paradigm = p;
		per[p].interval_ns = r->dt_ns;
		if (per[p].trap_ns <= 0 && p != VFLOW_PARADIGM_FULLVIRT && p != VFLOW_PARADIGM_PARAVIRT)
			per[p].trap_ns = p == VFLOW_PARADIGM_SANDBOX ? 0 : -1;
		model_run(r, &r->paradigms[p], &per[p], runq[p], &obs);
		if (r->ledger)
			report_ledger__paradigm(r->ledger, p, &r->paradigms[p]);
	}
	return r->ledger ? report_ledger__sweep(r->ledger, r) : 0;
}

/*
 * C_trap over on-CPU time, at most 1. A trap the thread sleeps through (a
 * user-notify or ptrace round trip) is time the workload waits, not CPU it
 * burns: with no CPU time at all, such a workload is all trap.
 */
double report_trap_share(const struct entity_model *m)
{
	double c = m->res.c_trap_ns.value;

	if (m->in.oncpu_ns <= 0)
		return c > 0 ? 1.0 : 0.0;
	return c / m->in.oncpu_ns < 1.0 ? c / m->in.oncpu_ns : 1.0;
}

static void json_figure(FILE *f, const char *name, const struct model_figure *fig)
{
	fprintf(f, "\"%s\":{\"value\":", name);
	/* unknown is no number: null, never a zero someone would average */
	report_json_num(f, fig->prov == PROV_UNKNOWN ? NAN : fig->value);
	fprintf(f, ",\"provenance\":\"%s\"}", provenance_name(fig->prov));
}

/* ,"NAME":ns, null where not measured (< 0) */
static void json_known_ns(FILE *f, const char *name, double ns)
{
	fprintf(f, ",\"%s\":", name);
	report_json_num(f, ns < 0 ? NAN : ns);
}

/* ,"totals":{...}: the running sums, null without a ledger */
static void json_totals(FILE *f, const struct entity_model *m)
{
	const struct model_totals *t = &m->totals;
	const struct { const char *name; double v; } sums[] = {
		{ "work_ns", t->work_ns }, { "oncpu_ns", t->oncpu_ns }, { "trap_ns", t->trap_ns },
		{ "schedule_ns", t->schedule_ns }, { "isolation_ns", t->isolation_ns },
		{ "runq_ns", t->runq_ns },
	};

	if (!m->has_totals) {
		fputs(",\"totals\":null", f);
		return;
	}
	fputs(",\"totals\":{", f);
	for (size_t i = 0; i < sizeof(sums) / sizeof(sums[0]); i++) {
		fprintf(f, "%s\"%s\":", i ? "," : "", sums[i].name);
		report_json_num(f, sums[i].v);
	}
	fprintf(f, ",\"traps\":%llu}", (unsigned long long)t->traps);
}

static void json_advice(FILE *f, const struct entity_model *m)
{
	fputs(",\"advice\":[", f);
	for (size_t i = 0; i < m->nr_advice; i++) {
		fprintf(f, "%s{\"id\":", i ? "," : "");
		report_json_str(f, m->advice[i].id);
		fputs(",\"section\":", f);
		report_json_str(f, m->advice[i].section);
		fputs(",\"text\":", f);
		report_json_str(f, m->advice[i].text);
		fputc('}', f);
	}
	fputc(']', f);
}

void report_json_model(FILE *f, const struct entity_model *m)
{
	const struct model_result *x = &m->res;

	const struct { const char *name; const struct model_figure *fig; } figs[] = {
		{ "f_trap", &x->f_trap }, { "l_trap_mean_ns", &x->l_trap_mean_ns },
		{ "l_trap_p50_ns", &x->l_trap_p50_ns }, { "l_trap_p99_ns", &x->l_trap_p99_ns },
		{ "c_trap_ns", &x->c_trap_ns }, { "c_schedule_ns", &x->c_schedule_ns },
		{ "c_isolation_ns", &x->c_isolation_ns }, { "work_ns", &x->work_ns },
		{ "eta", &x->eta },
	};

	if (!m->valid) {
		fputs("null", f);
		return;
	}

	fputc('{', f);
	for (size_t i = 0; i < sizeof(figs) / sizeof(figs[0]); i++) {
		if (i)
			fputc(',', f);
		json_figure(f, figs[i].name, figs[i].fig);
	}
	json_known_ns(f, "oncpu_ns", m->in.oncpu_ns);
	json_known_ns(f, "runq_ns", m->runq_ns);
	fputs(",\"trap_share\":", f);
	report_json_num(f, m->in.oncpu_ns < 0 ? NAN : report_trap_share(m));
	/* no band (the host's by default): nothing to judge eta against */
	fputs(",\"eta_band\":", f);
	if (x->eta_banded) {
		fputc('[', f);
		report_json_num(f, x->eta_lo);
		fputc(',', f);
		report_json_num(f, x->eta_hi);
		fputc(']', f);
	} else {
		fputs("null", f);
	}
	fprintf(f, ",\"eta_out_of_band\":%s,\"l_trap_out_of_band\":%s",
		x->eta_out_of_band ? "true" : "false", x->l_trap_out_of_band ? "true" : "false");
	json_totals(f, m);
	json_advice(f, m);
	fputc('}', f);
}
