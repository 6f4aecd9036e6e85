// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cgroup id table: removed cgroups are forgotten (backward-shift
 * deletion in the open-addressing table) and everything else stays found.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include "host/cgroup.h"

#define IDS 5000

static void test_forget(void **state)
{
	struct cgroup_resolver r;
	char path[32];

	(void)state;
	assert_int_equal(cgroup_resolver__init_offline(&r), 0);
	for (__u64 id = 1; id <= IDS; id++) {
		snprintf(path, sizeof(path), "/c%llu", (unsigned long long)id);
		assert_int_equal(cgroup_resolver__set(&r, id * 7919, path), 0);
	}
	/* forget every third, in an order unrelated to the slots */
	for (__u64 id = IDS; id >= 1; id--)
		if (id % 3 == 0)
			cgroup_resolver__forget(&r, id * 7919);
	cgroup_resolver__forget(&r, 12345678);	/* unknown: nothing happens */
	assert_int_equal(r.nr, IDS - IDS / 3);
	for (__u64 id = 1; id <= IDS; id++) {
		const char *p = cgroup_resolver__path(&r, id * 7919);

		if (id % 3 == 0) {
			assert_null(p);
			continue;
		}
		snprintf(path, sizeof(path), "/c%llu", (unsigned long long)id);
		assert_non_null(p);
		assert_string_equal(p, path);
	}
	/* slots freed are usable again */
	assert_int_equal(cgroup_resolver__set(&r, 3 * 7919, "/again"), 0);
	assert_string_equal(cgroup_resolver__path(&r, 3 * 7919), "/again");
	assert_false(cgroup_resolver__gone(&r, 3 * 7919));
	cgroup_resolver__free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forget),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
