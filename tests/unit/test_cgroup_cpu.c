// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What the kernel counts, read from its files: cpu.stat and cpu.pressure
 * parsed; a cgroup's own on-CPU time as its usage less its children's
 * (a removed child keeps counting as last read); the baseline walk; and
 * /proc/PID/task/TID/schedstat and status summed per process. The readers
 * take a root directory: here a fixture tree made in a temporary folder.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "host/cgroup_cpu.h"
#include "host/proc_sched.h"
#include "host/procfs.h"

#define US 1000ULL	/* ns per us */
#define IDS 3000

#define ROOT_LEN 256
static char root[ROOT_LEN];

/* ROOT/REL := TEXT, making the folders on the way */
static void put(const char *rel, const char *text)
{
	char path[PATH_MAX], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int tree_setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/vflow-cgcpu.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(root) ? 0 : -1;
}

static int tree_teardown(void **state)
{
	(void)state;
	return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *stat_text(unsigned long long usage_us)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "usage_usec %llu\nuser_usec 1\nsystem_usec 2\nnice_usec 0\n", usage_us);
	return buf;
}

static void test_parse(void **state)
{
	__u64 v = 0;

	(void)state;
	assert_int_equal(cgroup_cpu_parse_stat("usage_usec 1500\nuser_usec 1000\n", &v), 0);
	assert_int_equal(v, 1500 * US);
	/* the key at a line start, not a longer key's tail */
	assert_int_equal(cgroup_cpu_parse_stat("xusage_usec 3\nusage_usec 7", &v), 0);
	assert_int_equal(v, 7 * US);
	assert_int_equal(cgroup_cpu_parse_stat("user_usec 1000\n", &v), -EINVAL);
	assert_int_equal(cgroup_cpu_parse_stat("usage_usec abc\n", &v), -EINVAL);
	assert_int_equal(cgroup_cpu_parse_stat("usage_usec 12x\n", &v), -EINVAL);
	assert_int_equal(cgroup_cpu_parse_stat("usage_usec 99999999999999999999\n", &v), -EINVAL);
	assert_int_equal(cgroup_cpu_parse_stat("", &v), -EINVAL);

	assert_int_equal(cgroup_cpu_parse_pressure("some avg10=1.00 avg60=0.50 avg300=0.10 total=4321\n"
						   "full avg10=0.00 avg60=0.00 avg300=0.00 total=9\n", &v), 0);
	assert_int_equal(v, 4321 * US);
	assert_int_equal(cgroup_cpu_parse_pressure("full avg10=0.00 total=9\n", &v), -EINVAL);
	/* a total on the next line is not this line's */
	assert_int_equal(cgroup_cpu_parse_pressure("some avg10=0.00\nfull total=9\n", &v), -EINVAL);
	assert_int_equal(cgroup_cpu_parse_pressure("some total=\n", &v), -EINVAL);
	assert_int_equal(cgroup_cpu_parse_pressure("some total=5 x\n", &v), -EINVAL);
}

/* a: 5000 us over its subtree, b 2000, c 1000 (c without cpu.pressure) */
static void make_tree(void)
{
	put("a/cpu.stat", stat_text(5000));
	put("a/cpu.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=700\n"
	    "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
	put("a/b/cpu.stat", stat_text(2000));
	put("a/b/cpu.pressure", "some avg10=0.00 avg60=0.00 avg300=0.00 total=300\n");
	put("a/c/cpu.stat", stat_text(1000));
}

static void test_read_self(void **state)
{
	struct cgroup_cpu c;

	(void)state;
	make_tree();
	assert_int_equal(cgroup_cpu_read(root, "/a", &c), 0);
	assert_int_equal(c.usage_ns, 5000 * US);
	assert_int_equal(c.self_ns, (5000 - 2000 - 1000) * US);
	assert_true(c.has_psi);
	assert_int_equal(c.psi_some_ns, 700 * US);
	assert_int_equal(cgroup_cpu_read(root, "/a/c", &c), 0);
	assert_int_equal(c.self_ns, 1000 * US);
	assert_false(c.has_psi);	/* no PSI: no pressure, not zero pressure */
	assert_int_equal(cgroup_cpu_read(root, "/a/none", &c), -ENOENT);
	/* a folder without cpu.stat is not a cgroup */
	put("x/other", "");
	assert_int_equal(cgroup_cpu_read(root, "/x", &c), -ENOENT);
}

static void test_removed_child(void **state)
{
	struct cgroup_cpu_kids kids = {};
	struct cgroup_cpu c;
	char path[PATH_MAX];
	int fd_stat;
	DIR *dir;

	(void)state;
	make_tree();
	snprintf(path, sizeof(path), "%s/a", root);
	dir = opendir(path);
	assert_non_null(dir);
	assert_true(cgroup_cpu_has_children(dir));
	fd_stat = openat(dirfd(dir), CGROUP_CPU_STAT, O_RDONLY);
	assert_true(fd_stat >= 0);
	assert_int_equal(cgroup_cpu_read_fds(dir, fd_stat, -1, &kids, &c), 0);
	assert_int_equal(c.self_ns, 2000 * US);
	assert_int_equal(kids.n, 2);
	/* c leaves (its 1000 us stay in a's usage); b grows by 500, a by 800 */
	snprintf(path, sizeof(path), "%s/a/c/cpu.stat", root);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/a/c", root);
	assert_int_equal(rmdir(path), 0);
	put("a/b/cpu.stat", stat_text(2500));
	put("a/cpu.stat", stat_text(5800));
	assert_int_equal(cgroup_cpu_read_fds(dir, fd_stat, -1, &kids, &c), 0);
	assert_int_equal(kids.n, 1);
	assert_int_equal(kids.gone_ns, 1000 * US);
	assert_int_equal(c.self_ns, (5800 - 2500 - 1000) * US);
	free(kids.v);
	close(fd_stat);
	closedir(dir);
}

static void test_baseline(void **state)
{
	struct cgroup_cpu_cache c;
	struct cgroup_cpu_entry *e;
	char path[PATH_MAX];
	struct stat st;

	(void)state;
	make_tree();
	assert_int_equal(cgroup_cpu_cache__init(&c, root), 0);
	/* the root folder has no cpu.stat here: a, b, c are read */
	assert_int_equal(cgroup_cpu_cache__baseline(&c, root, 100), 3);
	snprintf(path, sizeof(path), "%s/a", root);
	assert_int_equal(stat(path, &st), 0);
	e = cgroup_cpu_cache__find(&c, st.st_ino);
	assert_non_null(e);
	assert_true(e->based);
	assert_false(e->read);
	assert_int_equal(e->base.usage_ns, 5000 * US);
	assert_int_equal(e->base.self_ns, 2000 * US);
	assert_int_equal(e->base.psi_some_ns, 700 * US);
	snprintf(path, sizeof(path), "%s/a/b", root);
	assert_int_equal(stat(path, &st), 0);
	e = cgroup_cpu_cache__find(&c, st.st_ino);
	assert_non_null(e);
	assert_int_equal(e->base.self_ns, 2000 * US);
	cgroup_cpu_cache__free(&c);
	/* at most @max */
	assert_int_equal(cgroup_cpu_cache__init(&c, root), 0);
	assert_int_equal(cgroup_cpu_cache__baseline(&c, root, 1), 1);
	assert_int_equal(c.nr, 1);
	cgroup_cpu_cache__free(&c);
}

static void test_cache_table(void **state)
{
	struct cgroup_cpu_cache c;

	(void)state;
	assert_int_equal(cgroup_cpu_cache__init(&c, root), 0);
	assert_null(cgroup_cpu_cache__get(&c, 0));	/* 0 marks an empty slot */
	for (__u64 id = 1; id <= IDS; id++)
		assert_non_null(cgroup_cpu_cache__get(&c, id * 7919));
	for (__u64 id = IDS; id >= 1; id--)
		if (id % 3 == 0)
			cgroup_cpu_cache__forget(&c, id * 7919);
	cgroup_cpu_cache__forget(&c, 12345678);	/* unknown: nothing happens */
	assert_int_equal(c.nr, IDS - IDS / 3);
	for (__u64 id = 1; id <= IDS; id++) {
		struct cgroup_cpu_entry *e = cgroup_cpu_cache__find(&c, id * 7919);

		if (id % 3 == 0) {
			assert_null(e);
			continue;
		}
		assert_non_null(e);
		assert_int_equal(e->id, id * 7919);
		assert_int_equal(e->fd_stat, -1);
	}
	cgroup_cpu_cache__free(&c);
}

static void test_proc_sched(void **state)
{
	struct proc_sched s;

	(void)state;
	put("proc/4242/task/4242/schedstat", "1000 200 5\n");
	put("proc/4242/task/4242/status", "Name:\tqemu\nvoluntary_ctxt_switches:\t7\n"
	    "nonvoluntary_ctxt_switches:\t3\n");
	put("proc/4242/task/4250/schedstat", "500 50 2\n");
	put("proc/4242/task/4250/status", "voluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t1\n");
	/* a thread that exited between the listing and the reads counts nothing */
	put("proc/4242/task/4260/other", "");
	snprintf(root + strlen(root), sizeof(root) - strlen(root), "/proc");
	procfs_set_root(root);
	assert_int_equal(proc_sched_read(4242, &s), 0);
	assert_int_equal(s.oncpu_ns, 1500);
	assert_int_equal(s.runq_ns, 250);
	assert_int_equal(s.switches_vol, 8);
	assert_int_equal(s.switches_invol, 4);
	assert_int_equal(proc_sched_read(4243, &s), -ENOENT);
	procfs_set_root(NULL);
	root[strlen(root) - strlen("/proc")] = '\0';
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_setup_teardown(test_read_self, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_removed_child, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_baseline, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_cache_table, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_proc_sched, tree_setup, tree_teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
