// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Histogram bucketing and snapshot arithmetic (deltas, rates, quantiles). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include "core/snapshot.h"

static void test_hist_slot_edges(void **state)
{
	(void)state;
	assert_int_equal(vflow_hist_slot(0), 0);
	assert_int_equal(vflow_hist_slot(1), 1);
	assert_int_equal(vflow_hist_slot(2), 2);
	assert_int_equal(vflow_hist_slot(3), 2);
	assert_int_equal(vflow_hist_slot(4), 3);
	assert_int_equal(vflow_hist_slot(1023), 10);
	assert_int_equal(vflow_hist_slot(1024), 11);
	assert_int_equal(vflow_hist_slot(1ULL << 33), 34);
	/* open-ended last slot */
	assert_int_equal(vflow_hist_slot(1ULL << 34), VFLOW_HIST_SLOTS - 1);
	assert_int_equal(vflow_hist_slot(1ULL << 40), VFLOW_HIST_SLOTS - 1);
	assert_int_equal(vflow_hist_slot(UINT64_MAX), VFLOW_HIST_SLOTS - 1);
}

/* every value lands in the slot whose bounds hold it */
static void test_hist_slot_bounds(void **state)
{
	(void)state;
	for (uint64_t v = 1; v < (1ULL << 34); v = v * 3 + 1) {
		unsigned int s = vflow_hist_slot(v);

		assert_true(v >= hist_slot_low_ns(s));
		assert_true(v < hist_slot_high_ns(s));
	}
	assert_int_equal(hist_slot_low_ns(0), 0);
	assert_int_equal(hist_slot_high_ns(0), 1);
}

static void test_hist_quantile(void **state)
{
	__u64 h[VFLOW_HIST_SLOTS] = {};

	(void)state;
	assert_true(hist_quantile_ns(h, 0.99) == 0.0);
	/* 100 values in [1024, 2048): the median interpolates to the middle */
	h[11] = 100;
	assert_int_equal(hist_count(h), 100);
	assert_true(hist_quantile_ns(h, 0.5) == 1536.0);
	assert_true(hist_quantile_ns(h, 1.0) == 2048.0);
	/* 99 fast, 1 slow: p99 stays in the fast slot, p100 reaches the slow one */
	h[11] = 99;
	h[21] = 1;
	assert_true(hist_quantile_ns(h, 0.99) <= 2048.0);
	assert_true(hist_quantile_ns(h, 1.0) > 1048576.0);
}

static struct trap_row row(__u64 cg, __u32 nr, __u64 count, __u64 total, __u64 skipped)
{
	struct trap_row r = { .kind = VFLOW_TRAP_SYSCALL, .owner = cg, .code = nr, .count = count,
			      .total_ns = total, .skipped = skipped };

	r.hist[vflow_hist_slot(count ? total / count : 0)] = count;
	return r;
}

static struct snapshot *snap(__u64 ts, const struct trap_row *rows, size_t n)
{
	struct snapshot *s = snapshot__new(n);

	assert_non_null(s);
	s->ts_ns = ts;
	for (size_t i = 0; i < n; i++)
		s->rows[s->nr_rows++] = rows[i];
	snapshot__sort(s);
	return s;
}

static const struct trap_row *find(const struct snapshot *s, __u64 cg, __u32 nr)
{
	struct trap_row key = { .kind = VFLOW_TRAP_SYSCALL, .owner = cg, .code = nr };

	return snapshot__find(s, &key);
}

static void test_delta(void **state)
{
	struct trap_row a[] = { row(7, 1, 10, 1000, 0), row(5, 39, 4, 400, 1), row(7, 2, 3, 30, 0) };
	struct trap_row b[] = { row(5, 39, 10, 1000, 3), row(7, 1, 10, 1000, 0),
			       row(7, 2, 1, 10, 0) /* went down: reset */, row(9, 0, 5, 50, 0) };
	struct snapshot *p = snap(1000000000, a, 3), *c = snap(3000000000, b, 4), *d;
	const struct trap_row *r;

	(void)state;
	p->counters[VFLOW_CNT_RINGBUF_DROP] = 2;
	c->counters[VFLOW_CNT_RINGBUF_DROP] = 5;
	p->events = 10;
	c->events = 12;
	d = snapshot__delta(p, c);
	assert_non_null(d);
	assert_int_equal(d->ts_ns, 3000000000ULL);
	assert_int_equal(d->counters[VFLOW_CNT_RINGBUF_DROP], 3);
	assert_int_equal(d->events, 2);
	/* (7,1) did not change: left out */
	assert_null(find(d, 7, 1));
	assert_int_equal(d->nr_rows, 3);
	r = find(d, 5, 39);
	assert_non_null(r);
	assert_int_equal(r->count, 6);
	assert_int_equal(r->total_ns, 600);
	assert_int_equal(r->skipped, 2);
	r = find(d, 7, 2);
	assert_non_null(r);
	assert_int_equal(r->count, 1);	/* reset: taken whole */
	r = find(d, 9, 0);
	assert_non_null(r);
	assert_int_equal(r->count, 5);	/* new */
	assert_int_equal(hist_count(r->hist), 5);
	/* 6 calls in 2 s */
	assert_true(rate_per_sec(6, c->ts_ns - p->ts_ns) == 3.0);
	assert_true(rate_per_sec(6, 0) == 0.0);
	snapshot__free(d);
	snapshot__free(p);
	snapshot__free(c);
}

static void test_delta_from_nothing(void **state)
{
	struct trap_row a[] = { row(1, 2, 3, 4, 0), row(1, 3, 0, 0, 0) };
	struct snapshot *c = snap(5, a, 2), *d = snapshot__delta(NULL, c);

	(void)state;
	assert_non_null(d);
	assert_int_equal(d->nr_rows, 1);	/* the all-zero row is left out */
	assert_int_equal(d->rows[0].count, 3);
	snapshot__free(d);
	snapshot__free(c);
}

/* KVM rows sort after syscall rows and merge by their whole key */
static void test_sort_merge_kinds(void **state)
{
	struct trap_row rows[] = {
		{ .kind = VFLOW_TRAP_VMEXIT_VMX, .owner = 42, .sub = 1, .code = 12, .count = 1 },
		row(9, 0, 5, 50, 0),
		{ .kind = VFLOW_TRAP_VMEXIT_VMX, .owner = 42, .sub = 0, .code = 12, .count = 2 },
		{ .kind = VFLOW_TRAP_VMEXIT_VMX, .owner = 42, .sub = 1, .code = 12, .count = 3 },
	};
	struct snapshot *s = snap(1, rows, 4);

	(void)state;
	snapshot__merge(s);
	assert_int_equal(s->nr_rows, 3);
	assert_int_equal(s->rows[0].kind, VFLOW_TRAP_SYSCALL);
	assert_int_equal(s->rows[1].sub, 0);
	assert_int_equal(s->rows[1].count, 2);
	assert_int_equal(s->rows[2].sub, 1);
	assert_int_equal(s->rows[2].count, 4);
	snapshot__free(s);
}

static void test_row_add(void **state)
{
	struct trap_row t = {}, a = row(1, 1, 2, 20, 1), b = row(1, 2, 3, 3000, 0);

	(void)state;
	trap_row__add(&t, &a);
	trap_row__add(&t, &b);
	assert_int_equal(t.count, 5);
	assert_int_equal(t.total_ns, 3020);
	assert_int_equal(t.skipped, 1);
	assert_int_equal(hist_count(t.hist), 5);
}

/* removed cgroups summed into VFLOW_OWNER_GONE: only what is new counts */
static void test_delta_gone_fold(void **state)
{
	struct trap_row a[] = { row(5, 39, 10, 1000, 1), row(6, 39, 20, 2000, 0),
				row(VFLOW_OWNER_GONE, 39, 100, 10000, 2), row(8, 39, 7, 700, 0) };
	/* 5 and 6 folded into GONE (130 then), plus 5 new calls there; 8 unchanged */
	struct trap_row b[] = { row(VFLOW_OWNER_GONE, 39, 135, 13500, 3), row(8, 39, 7, 700, 0) };
	struct trap_row c[] = { row(VFLOW_OWNER_GONE, 39, 130, 13000, 3) };
	struct snapshot *p = snap(1, a, 4), *q = snap(2, b, 2), *r = snap(1, c, 1), *d;
	const struct trap_row *g;

	(void)state;
	d = snapshot__delta(p, q);
	assert_non_null(d);
	g = find(d, VFLOW_OWNER_GONE, 39);
	assert_non_null(g);
	assert_int_equal(g->count, 5);
	assert_int_equal(g->total_ns, 500);
	assert_int_equal(g->skipped, 0);
	assert_int_equal(d->nr_rows, 1);
	snapshot__free(d);
	/* the first fold, no GONE row before: nothing new */
	snapshot__free(p);
	p = snap(1, a, 2);
	snapshot__free(q);
	q = snap(2, (struct trap_row[]){ row(VFLOW_OWNER_GONE, 39, 30, 3000, 1) }, 1);
	d = snapshot__delta(p, q);
	assert_non_null(d);
	assert_int_equal(d->nr_rows, 0);
	snapshot__free(d);
	/* the kinds kept by cgroup */
	assert_true(trap_kind_by_cgroup(VFLOW_TRAP_SCHED_RUNQ));
	assert_true(trap_kind_by_cgroup(VFLOW_TRAP_SCHED_PSI));
	assert_false(trap_kind_by_cgroup(VFLOW_TRAP_SANDBOX));
	snapshot__free(p);
	snapshot__free(q);
	snapshot__free(r);
}

/* exited processes summed into GONE: a supervisor's rows lose their target pid, one sum each */
static void test_delta_gone_processes(void **state)
{
	struct trap_row n1 = row(5, 0, 3, 300, 0), n2 = row(6, 0, 4, 400, 0), sb = row(5, 39, 8, 80, 0);
	struct trap_row gone, g_sb;
	struct snapshot *p, *q, *d;

	(void)state;
	n1.kind = n2.kind = VFLOW_TRAP_NOTIF_HANDLING;
	n1.sub = 77;
	n2.sub = 78;
	sb.kind = VFLOW_TRAP_SANDBOX;
	sb.sub = VFLOW_ACT_ERRNO;
	gone = n1;
	trap_row__add(&gone, &n2);
	trap_row_to_gone(&gone);
	assert_int_equal(gone.owner, VFLOW_OWNER_GONE);
	assert_int_equal(gone.sub, 0);
	g_sb = sb;
	trap_row_to_gone(&g_sb);
	assert_int_equal(g_sb.sub, VFLOW_ACT_ERRNO);	/* an action stays a key */
	p = snap(1, (struct trap_row[]){ n1, n2, sb }, 3);
	/* both supervisors and the sandbox exited and were summed: nothing new */
	q = snap(2, (struct trap_row[]){ gone, g_sb }, 2);
	d = snapshot__delta(p, q);
	assert_non_null(d);
	assert_int_equal(d->nr_rows, 0);
	snapshot__free(d);
	snapshot__free(p);
	snapshot__free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hist_slot_edges),
		cmocka_unit_test(test_hist_slot_bounds),
		cmocka_unit_test(test_hist_quantile),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_delta_from_nothing),
		cmocka_unit_test(test_sort_merge_kinds),
		cmocka_unit_test(test_row_add),
		cmocka_unit_test(test_delta_gone_fold),
		cmocka_unit_test(test_delta_gone_processes),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
