// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cgroup id table: removed cgroups are forgotten (backward-shift
 * deletion in the open-addressing table) and everything else stays found.
 * The readers against a fake tree: a mountinfo file of this test's own,
 * and a directory tree standing for a cgroup2 mount (ids are inode
 * numbers either way).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
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

/* A mountinfo with a cgroup v1 line first, then the cgroup2 one: its mount point is found. */
static void test_mount_from_mountinfo(void **state)
{
	char dir[] = "/tmp/vflow-cgroup-XXXXXX", file[PATH_MAX], root[PATH_MAX];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/mountinfo", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("25 30 0:22 / /sys rw,nosuid - sysfs sysfs rw\n"
	      "35 33 0:30 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
	      "41 31 0:38 / /srv/fake/unified rw,relatime shared:9 - cgroup2 cgroup2 rw\n", f);
	fclose(f);
	assert_int_equal(cgroup2_mount_at(file, root, sizeof(root)), 0);
	assert_string_equal(root, "/srv/fake/unified");
	/* no cgroup2 line: -ENOENT and an empty root */
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("25 30 0:22 / /sys rw,nosuid - sysfs sysfs rw\n", f);
	fclose(f);
	assert_int_equal(cgroup2_mount_at(file, root, sizeof(root)), -ENOENT);
	assert_string_equal(root, "");
	assert_int_equal(unlink(file), 0);
	assert_int_equal(cgroup2_mount_at(file, root, sizeof(root)), -ENOENT);
	assert_int_equal(rmdir(dir), 0);
}

/* Ids resolve to paths below the root; a removed directory reads as gone, not as another path. */
static void test_resolve_fake_tree(void **state)
{
	char dir[] = "/tmp/vflow-cgroup-XXXXXX", a[PATH_MAX], b[PATH_MAX];
	struct cgroup_resolver r;
	__u64 id_a, id_b;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/libpod_parent", dir);
	snprintf(b, sizeof(b), "%s/libpod_parent/libpod-0123abcd", dir);
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(mkdir(b, 0755), 0);
	id_a = cgroup_id_of_path(a);
	id_b = cgroup_id_of_path(b);
	assert_true(id_a && id_b && id_a != id_b);
	assert_int_equal(cgroup_resolver__init_at(&r, dir), 0);
	assert_string_equal(cgroup_resolver__path(&r, id_b), "/libpod_parent/libpod-0123abcd");
	assert_string_equal(cgroup_resolver__path(&r, id_a), "/libpod_parent");
	assert_string_equal(cgroup_resolver__path(&r, cgroup_id_of_path(dir)), "/");
	assert_int_equal(rmdir(b), 0);
	/* resolved paths are kept until invalidated; then the removal shows */
	assert_string_equal(cgroup_resolver__path(&r, id_b), "/libpod_parent/libpod-0123abcd");
	cgroup_resolver__invalidate(&r);
	assert_null(cgroup_resolver__path(&r, id_b));
	assert_true(cgroup_resolver__gone(&r, id_b));
	assert_false(cgroup_resolver__gone(&r, id_a));
	assert_string_equal(cgroup_resolver__path(&r, id_a), "/libpod_parent");
	cgroup_resolver__free(&r);
	assert_int_equal(rmdir(a), 0);
	assert_int_equal(rmdir(dir), 0);
	/* a root that is not there: -errno, and the resolver is safe to free */
	assert_int_equal(cgroup_resolver__init_at(&r, dir), -ENOENT);
	cgroup_resolver__free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forget),
		cmocka_unit_test(test_mount_from_mountinfo),
		cmocka_unit_test(test_resolve_fake_tree),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
