// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The flight recorder's bounds (count and age), the order of a copy, and
 * the classes it samples in (their options are parsed by core/cli.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "record/recorder.h"

#define NS_PER_SEC 1000000000ULL

static struct vflow_event ev_at(__u64 ts, __u32 tid)
{
	struct vflow_event ev = { .kind = VFLOW_EV_TRAP, .ts_ns = ts, .tid = tid, .code = ts };

	return ev;
}

static void test_count_bound(void **state)
{
	struct recorder r;
	struct vflow_event *out;
	long n;

	(void)state;
	assert_int_equal(recorder__init(&r, 100, 0), 0);
	for (__u64 i = 1; i <= 250; i++) {
		struct vflow_event ev = ev_at(i, 1);

		recorder__add(&r, &ev);
	}
	n = recorder__copy(&r, &out);
	assert_int_equal(n, 100);
	/* the newest 100, oldest first */
	for (long i = 0; i < n; i++)
		assert_int_equal(out[i].ts_ns, 151 + i);
	assert_int_equal(r.received, 250);
	assert_int_equal(r.evicted, 150);
	free(out);
	recorder__free(&r);
}

static void test_time_bound(void **state)
{
	struct recorder r;
	struct vflow_event *out;
	long n;

	(void)state;
	assert_int_equal(recorder__init(&r, 1000, 10 * NS_PER_SEC), 0);
	for (__u64 s = 1; s <= 30; s++) {
		struct vflow_event ev = ev_at(s * NS_PER_SEC, 1);

		recorder__add(&r, &ev);
	}
	n = recorder__copy(&r, &out);
	/* newest at 30 s: 20..30 s are within 10 s of it */
	assert_int_equal(n, 11);
	assert_int_equal(out[0].ts_ns, 20 * NS_PER_SEC);
	assert_int_equal(out[n - 1].ts_ns, 30 * NS_PER_SEC);
	assert_int_equal(r.evicted, 19);
	free(out);
	recorder__free(&r);
}

/* CPUs deliver out of order: the copy is sorted, nothing is lost */
static void test_copy_sorted_wrapped(void **state)
{
	static const __u64 ts[] = { 50, 10, 40, 20, 30, 60, 5 };
	struct recorder r;
	struct vflow_event *out;
	long n;

	(void)state;
	assert_int_equal(recorder__init(&r, 5, 0), 0);
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		struct vflow_event ev = ev_at(ts[i], (__u32)i);

		recorder__add(&r, &ev);
	}
	n = recorder__copy(&r, &out);
	assert_int_equal(n, 5);	/* 50 and 10 were pushed out */
	assert_int_equal(out[0].ts_ns, 5);
	assert_int_equal(out[1].ts_ns, 20);
	assert_int_equal(out[2].ts_ns, 30);
	assert_int_equal(out[3].ts_ns, 40);
	assert_int_equal(out[4].ts_ns, 60);
	free(out);
	recorder__free(&r);
}

static void test_empty_and_zero_cap(void **state)
{
	struct recorder r;
	struct vflow_event *out = (void *)1, ev = ev_at(1, 1);

	(void)state;
	assert_int_equal(recorder__init(&r, 0, 0), 0);
	assert_int_equal(recorder__copy(&r, &out), 0);
	assert_null(out);
	recorder__add(&r, &ev);
	assert_int_equal(recorder__copy(&r, &out), 0);
	assert_int_equal(r.received, 1);
	assert_int_equal(r.evicted, 1);
	recorder__free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count_bound),
		cmocka_unit_test(test_time_bound),
		cmocka_unit_test(test_copy_sorted_wrapped),
		cmocka_unit_test(test_empty_and_zero_cap),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
