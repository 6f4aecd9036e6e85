// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The model's running sums (report/report_ledger.c) through report__build,
 * as vflowd builds one report per interval: the sums are each interval's
 * terms added up, an interval with an unknown eta adds nothing, a retired
 * cgroup's sums move to "(removed cgroups)" with its rows, a paradigm's
 * sums are its entities', and the JSON carries them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/model_files.h"
#include "report/report.h"

#define MS 1000000ULL		/* ns */
#define SEC (1000 * MS)
#define GETPPID 110
/* sums of doubles against sums in another order */
#define REL_EPS 1e-12

struct cgroup_state {
	__u64 id, calls, oncpu_ns, switches, runq_ns, waits;
};

/* A cumulative snapshot of the cgroups' syscall and scheduling rows at @ts_ns. */
static struct snapshot *snap_of(const struct cgroup_state *cg, size_t n, __u64 ts_ns)
{
	struct snapshot *s = snapshot__new(3 * n);

	assert_non_null(s);
	s->ts_ns = ts_ns;
	for (size_t i = 0; i < n; i++) {
		struct trap_row *sys = &s->rows[s->nr_rows++], *on = &s->rows[s->nr_rows++],
				*rq = &s->rows[s->nr_rows++];

		*sys = (struct trap_row){ .kind = VFLOW_TRAP_SYSCALL, .owner = cg[i].id, .code = GETPPID,
					  .count = cg[i].calls, .total_ns = cg[i].calls * 1000 };
		sys->hist[vflow_hist_slot(1000)] = cg[i].calls;
		*on = (struct trap_row){ .kind = VFLOW_TRAP_SCHED_ONCPU, .owner = cg[i].id,
					 .count = cg[i].switches, .total_ns = cg[i].oncpu_ns };
		*rq = (struct trap_row){ .kind = VFLOW_TRAP_SCHED_RUNQ, .owner = cg[i].id,
					 .count = cg[i].waits, .total_ns = cg[i].runq_ns };
		rq->hist[vflow_hist_slot(4000)] = cg[i].waits;
	}
	snapshot__sort(s);
	return s;
}

struct run {
	struct model_config mc;
	struct report_ledger *ledger;
	struct snapshot *prev;
	struct report r;
	struct snapshot *cur, *delta;
};

/* One interval of vflowd's: a report of @cg since the previous one. */
static void interval(struct run *x, const struct cgroup_state *cg, size_t n, __u64 ts_ns)
{
	x->cur = snap_of(cg, n, ts_ns);
	x->delta = snapshot__delta(x->prev, x->cur);
	assert_non_null(x->delta);
	x->r = (struct report){ .model = &x->mc, .ledger = x->ledger, .offline = true };
	assert_int_equal(report__build(&x->r, x->cur, x->delta, NULL, 1 * SEC, ts_ns), 0);
}

static void next(struct run *x)
{
	report__free(&x->r);
	snapshot__free(x->delta);
	snapshot__free(x->prev);
	x->prev = x->cur;
	x->cur = x->delta = NULL;
}

static const struct entity *entity(const struct report *r, __u64 id)
{
	for (size_t i = 0; i < r->nr_entities; i++)
		if (r->entities[i].cgroup_id == id)
			return &r->entities[i];
	fail_msg("no entity for cgroup %llu", (unsigned long long)id);
	return NULL;
}

static bool near(double a, double b)
{
	if (fabs(a - b) <= REL_EPS * fmax(fabs(a), fabs(b)))
		return true;
	fprintf(stderr, "expected %.17g, got %.17g\n", b, a);
	return false;
}

/* The sums equal the interval figures of @m, added to @before. */
static void assert_sums(const struct entity_model *m, const struct model_totals *before)
{
	const struct model_result *x = &m->res;

	assert_true(m->has_totals);
	assert_true(near(m->totals.work_ns, before->work_ns + x->work_ns.value));
	assert_true(near(m->totals.oncpu_ns, before->oncpu_ns + m->in.oncpu_ns));
	assert_true(near(m->totals.trap_ns, before->trap_ns + x->c_trap_ns.value));
	assert_true(near(m->totals.schedule_ns, before->schedule_ns + x->c_schedule_ns.value));
	assert_true(near(m->totals.isolation_ns, before->isolation_ns + x->c_isolation_ns.value));
	assert_true(near(m->totals.runq_ns, before->runq_ns + m->runq_ns));
	assert_int_equal(m->totals.traps, before->traps + m->in.traps);
}

static double overhead(const struct model_totals *t)
{
	return t->trap_ns + t->schedule_ns + t->isolation_ns;
}

static void test_sums_over_intervals(void **state)
{
	struct cgroup_state cg[2] = {
		{ .id = 100, .calls = 1000, .oncpu_ns = 10 * MS, .switches = 10, .runq_ns = 1 * MS, .waits = 5 },
		{ .id = 200, .calls = 500, .oncpu_ns = 5 * MS, .switches = 4, .runq_ns = 0, .waits = 0 },
	};
	struct model_totals a1, b1, p1;
	struct run x = {};
	double work, s;
	char *json = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	model_config__defaults(&x.mc);
	x.mc.tsc_hz = 3e9;
	x.ledger = report_ledger__new();
	assert_non_null(x.ledger);

	/* the first interval: the sums are its figures */
	interval(&x, cg, 2, 1 * SEC);
	assert_sums(&entity(&x.r, 100)->model, &(struct model_totals){});
	assert_sums(&entity(&x.r, 200)->model, &(struct model_totals){});
	a1 = entity(&x.r, 100)->model.totals;
	b1 = entity(&x.r, 200)->model.totals;
	p1 = x.r.paradigms[VFLOW_PARADIGM_HOST].totals;
	assert_true(near(p1.work_ns, a1.work_ns + b1.work_ns));
	assert_true(near(overhead(&p1), overhead(&a1) + overhead(&b1)));
	next(&x);

	/* the second: 100 worked 20 ms more; 200 made calls but never ran: its eta is unknown */
	cg[0].calls += 3000;
	cg[0].oncpu_ns += 20 * MS;
	cg[0].switches += 30;
	cg[0].runq_ns += 2 * MS;
	cg[0].waits += 10;
	cg[1].calls += 100;
	interval(&x, cg, 2, 2 * SEC);
	assert_sums(&entity(&x.r, 100)->model, &a1);
	assert_int_equal(entity(&x.r, 200)->model.res.eta.prov, PROV_UNKNOWN);
	assert_memory_equal(&entity(&x.r, 200)->model.totals, &b1, sizeof(b1));
	/* between the two reports the sums give the second interval's eta, exactly */
	work = entity(&x.r, 100)->model.totals.work_ns - a1.work_ns;
	s = overhead(&entity(&x.r, 100)->model.totals) - overhead(&a1);
	assert_true(near(work / (work + s), entity(&x.r, 100)->model.res.eta.value));
	assert_true(near(x.r.paradigms[VFLOW_PARADIGM_HOST].totals.work_ns,
			 entity(&x.r, 100)->model.totals.work_ns + b1.work_ns));
	/* the JSON carries them; the host has no band */
	f = open_memstream(&json, &len);
	assert_non_null(f);
	report__print_json(&x.r, f);
	fclose(f);
	assert_non_null(strstr(json, "\"totals\":{\"work_ns\":"));
	assert_non_null(strstr(json, "\"eta\":{\"value\":null,\"provenance\":\"unknown\"}"));
	assert_non_null(strstr(json, "\"eta_band\":null"));
	free(json);
	next(&x);

	/* the third: 200 was removed, its rows retired to "(removed cgroups)"; its sums follow */
	{
		struct cgroup_state now[2] = { cg[0], cg[1] };
		const struct entity *gone;

		now[1].id = VFLOW_OWNER_GONE;
		now[0].oncpu_ns += 10 * MS;
		interval(&x, now, 2, 3 * SEC);
		gone = entity(&x.r, VFLOW_OWNER_GONE);
		assert_int_equal(x.r.nr_entities, 2);
		/* nothing new under GONE this interval (the moved rows are not new): b1 only */
		assert_true(near(gone->model.totals.work_ns, b1.work_ns));
		assert_true(near(gone->model.totals.isolation_ns, b1.isolation_ns));
		next(&x);
		/* and the next report still has them */
		now[0].oncpu_ns += 10 * MS;
		interval(&x, now, 2, 4 * SEC);
		assert_true(near(entity(&x.r, VFLOW_OWNER_GONE)->model.totals.work_ns, b1.work_ns));
		next(&x);
	}
	snapshot__free(x.prev);
	report_ledger__free(x.ledger);
}

/* Without a ledger (vflowtop, vflowdump) a report has no sums: "totals" is null. */
static void test_no_ledger(void **state)
{
	struct cgroup_state cg = { .id = 100, .calls = 10, .oncpu_ns = 1 * MS, .switches = 1 };
	struct run x = {};
	char *json = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	model_config__defaults(&x.mc);
	interval(&x, &cg, 1, 1 * SEC);
	assert_false(entity(&x.r, 100)->model.has_totals);
	f = open_memstream(&json, &len);
	assert_non_null(f);
	report__print_json(&x.r, f);
	fclose(f);
	assert_non_null(strstr(json, "\"totals\":null"));
	assert_null(strstr(json, "\"totals\":{"));
	free(json);
	next(&x);
	snapshot__free(x.prev);
}

/*
 * A ledger with nothing in it yet (vflowd --cgroup on a cgroup with no
 * tasks: reports without an entity), then one entity: no sums lost, and
 * the empty sweeps hand qsort no NULL (UBSan would stop vflowd).
 */
static void test_empty_ledger(void **state)
{
	struct cgroup_state cg = { .id = 100, .calls = 10, .oncpu_ns = 1 * MS, .switches = 1 };
	struct model_totals none = {};
	struct run x = {};

	(void)state;
	model_config__defaults(&x.mc);
	x.mc.tsc_hz = 3e9;
	x.ledger = report_ledger__new();
	assert_non_null(x.ledger);
	interval(&x, &cg, 0, 1 * SEC);
	assert_int_equal(x.r.nr_entities, 0);
	next(&x);
	interval(&x, &cg, 0, 2 * SEC);
	next(&x);
	interval(&x, &cg, 1, 3 * SEC);
	assert_sums(&entity(&x.r, 100)->model, &none);
	next(&x);
	snapshot__free(x.prev);
	report_ledger__free(x.ledger);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sums_over_intervals),
		cmocka_unit_test(test_no_ledger),
		cmocka_unit_test(test_empty_ledger),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
