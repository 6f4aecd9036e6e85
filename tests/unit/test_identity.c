// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The identity layer without BPF: what is learnt at first sight is kept
 * after the entity goes (name, path, runtime, paradigm), "gone" is a flag
 * and a time, a rename is the only change of path, churn keeps the table
 * bounded, and the walk at start learns a tree standing for cgroupfs.
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
#include "identity/identity.h"

#define PODMAN_ID "978d6c95a48d0123456789abcdef0123456789abcdef0123456789abcdef0123"
#define PODMAN_PATH "/libpod_parent/libpod-" PODMAN_ID
#define DOCKER_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define CHURN 5000

static void test_kept_after_gone(void **state)
{
	struct identity_table t;
	const struct identity *e;

	(void)state;
	identity_table__init(&t);
	assert_null(identity__find(&t, IDENTITY_CGROUP, 42));
	assert_int_equal(identity__cgroup_seen(&t, 42, PODMAN_PATH, IDENTITY_FROM_MKDIR, 100), 0);
	e = identity__find(&t, IDENTITY_CGROUP, 42);
	assert_non_null(e);
	assert_string_equal(e->wl.name, "podman:978d6c95a48d");
	assert_int_equal(e->wl.runtime, WORKLOAD_RT_PODMAN);
	assert_int_equal(e->wl.paradigm, VFLOW_PARADIGM_CONTAINER);
	assert_string_equal(e->wl.id, PODMAN_ID);
	assert_int_equal(e->origin, IDENTITY_FROM_MKDIR);
	assert_int_equal(e->first_seen_ns, 100);
	assert_false(e->gone);
	/* seen again later: last seen moves, nothing else */
	assert_int_equal(identity__cgroup_seen(&t, 42, "/other", IDENTITY_FROM_LOOKUP, 200), 0);
	e = identity__find(&t, IDENTITY_CGROUP, 42);
	assert_string_equal(e->path, PODMAN_PATH);
	assert_int_equal(e->last_seen_ns, 200);
	assert_int_equal(e->origin, IDENTITY_FROM_MKDIR);
	/* removed: the same name, runtime and paradigm, flagged gone since then */
	assert_int_equal(identity__cgroup_removed(&t, 42, 300), 0);
	e = identity__find(&t, IDENTITY_CGROUP, 42);
	assert_true(e->gone);
	assert_int_equal(e->gone_since_ns, 300);
	assert_string_equal(e->wl.name, "podman:978d6c95a48d");
	assert_int_equal(e->wl.paradigm, VFLOW_PARADIGM_CONTAINER);
	assert_string_equal(e->path, PODMAN_PATH);
	/* a second removal does not move the time; being seen after it does not revive it */
	assert_int_equal(identity__cgroup_removed(&t, 42, 400), 0);
	assert_int_equal(identity__cgroup_seen(&t, 42, PODMAN_PATH, IDENTITY_FROM_LOOKUP, 500), 0);
	e = identity__find(&t, IDENTITY_CGROUP, 42);
	assert_int_equal(e->gone_since_ns, 300);
	assert_int_equal(e->last_seen_ns, 200);
	assert_true(e->gone);
	identity_table__free(&t);
}

static void test_removed_unseen(void **state)
{
	struct identity_table t;
	const struct identity *e;

	(void)state;
	identity_table__init(&t);
	assert_int_equal(identity__cgroup_removed(&t, 7, 50), 0);
	e = identity__find(&t, IDENTITY_CGROUP, 7);
	assert_non_null(e);
	assert_true(e->gone);
	assert_null(e->path);
	assert_int_equal(e->origin, IDENTITY_FROM_NOTHING);
	assert_string_equal(identity_origin_name(e->origin), "nothing");
	/* a dump, say, knows its path after all: learnt, still gone */
	assert_int_equal(identity__cgroup_seen(&t, 7, "/docker/" DOCKER_ID, IDENTITY_FROM_DUMP, 60),
			 0);
	e = identity__find(&t, IDENTITY_CGROUP, 7);
	assert_string_equal(e->wl.name, "docker:0123456789ab");
	assert_true(e->gone);
	assert_int_equal(identity__cgroup_seen(&t, 0, "/x", IDENTITY_FROM_WALK, 1), -EINVAL);
	assert_int_equal(identity__cgroup_seen(&t, 8, "x", IDENTITY_FROM_WALK, 1), -EINVAL);
	assert_int_equal(identity__cgroup_removed(&t, 0, 1), -EINVAL);
	identity_table__free(&t);
}

static void test_rename(void **state)
{
	struct identity_table t;
	const struct identity *e;

	(void)state;
	identity_table__init(&t);
	assert_int_equal(identity__cgroup_seen(&t, 9, "/test/a", IDENTITY_FROM_WALK, 1), 0);
	assert_int_equal(identity__cgroup_renamed(&t, 9, "/docker/" DOCKER_ID, 2), 0);
	e = identity__find(&t, IDENTITY_CGROUP, 9);
	assert_string_equal(e->path, "/docker/" DOCKER_ID);
	assert_string_equal(e->wl.name, "docker:0123456789ab");
	assert_int_equal(e->first_seen_ns, 1);
	assert_int_equal(t.renames, 1);
	/* a rename of a cgroup never seen: learnt from it */
	assert_int_equal(identity__cgroup_renamed(&t, 10, "/b", 3), 0);
	assert_string_equal(identity__find(&t, IDENTITY_CGROUP, 10)->path, "/b");
	identity_table__free(&t);
}

static void test_names_kept(void **state)
{
	struct runtime_names n = { .source = RUNTIME_SRC_PODMAN_API }, none = {};
	struct identity_table t;
	const struct identity *e;

	(void)state;
	identity_table__init(&t);
	snprintf(n.name, sizeof(n.name), "web-1");
	assert_int_equal(identity__set_names(&t, 42, &n), -ENOENT);	/* unknown: nothing happens */
	assert_null(identity__find(&t, IDENTITY_CGROUP, 42));
	assert_int_equal(identity__cgroup_seen(&t, 42, PODMAN_PATH, IDENTITY_FROM_MKDIR, 1), 0);
	assert_null(identity__find(&t, IDENTITY_CGROUP, 42)->names);
	assert_int_equal(identity__set_names(&t, 42, &none), 0);	/* nothing said: nothing kept */
	assert_null(identity__find(&t, IDENTITY_CGROUP, 42)->names);
	assert_int_equal(identity__set_names(&t, 42, &n), 0);
	/* the runtime forgot it: the name stays */
	assert_int_equal(identity__set_names(&t, 42, &none), 0);
	assert_int_equal(identity__cgroup_removed(&t, 42, 2), 0);
	e = identity__find(&t, IDENTITY_CGROUP, 42);
	assert_non_null(e->names);
	assert_string_equal(e->names->name, "web-1");
	assert_int_equal(e->names->source, RUNTIME_SRC_PODMAN_API);
	identity_table__free(&t);
}

/* cgroups made and removed by the thousand: forgotten ones leave, the others stay found */
static void test_churn(void **state)
{
	struct identity_table t;
	char path[32];

	(void)state;
	identity_table__init(&t);
	for (__u64 id = 1; id <= CHURN; id++) {
		snprintf(path, sizeof(path), "/c%llu", (unsigned long long)id);
		assert_int_equal(identity__cgroup_seen(&t, id * 7919, path, IDENTITY_FROM_MKDIR, id),
				 0);
	}
	for (__u64 id = CHURN; id >= 1; id--)
		if (id % 3)
			identity__forget(&t, IDENTITY_CGROUP, id * 7919);
	assert_int_equal(t.nr, CHURN / 3);
	for (__u64 id = 1; id <= CHURN; id++) {
		const struct identity *e = identity__find(&t, IDENTITY_CGROUP, id * 7919);

		if (id % 3) {
			assert_null(e);
			continue;
		}
		snprintf(path, sizeof(path), "/c%llu", (unsigned long long)id);
		assert_non_null(e);
		assert_string_equal(e->path, path);
	}
	identity_table__free(&t);
}

/* keep the odd ids */
static bool keep_odd(void *ctx, const struct identity *e)
{
	(void)ctx;
	return e->id & 1;
}

/* removed cgroups no output names are swept; live ones, recent ones and kept ones stay */
static void test_sweep_gone(void **state)
{
	struct identity_table t;
	char path[32];
	size_t gone = 0;

	(void)state;
	identity_table__init(&t);
	for (__u64 id = 1; id <= CHURN; id++) {
		snprintf(path, sizeof(path), "/c%llu", (unsigned long long)id);
		assert_int_equal(identity__cgroup_seen(&t, id, path, IDENTITY_FROM_MKDIR, 1), 0);
		/* every third removed at 10, every fifth at 100 (too recent) */
		if (id % 3 == 0)
			assert_int_equal(identity__cgroup_removed(&t, id, 10), 0);
		else if (id % 5 == 0)
			assert_int_equal(identity__cgroup_removed(&t, id, 100), 0);
	}
	for (__u64 id = 1; id <= CHURN; id++)
		gone += id % 3 == 0 && !(id & 1);
	assert_int_equal(identity__sweep_gone(&t, 50, keep_odd, NULL), gone);
	for (__u64 id = 1; id <= CHURN; id++) {
		const struct identity *e = identity__find(&t, IDENTITY_CGROUP, id);

		if (id % 3 == 0 && !(id & 1))
			assert_null(e);
		else
			assert_non_null(e);
	}
	assert_int_equal(t.nr, CHURN - gone);
	/* without a keeper: every odd one removed at 10 goes too */
	gone = 0;
	for (__u64 id = 1; id <= CHURN; id++)
		gone += id % 3 == 0 && (id & 1);
	assert_int_equal(identity__sweep_gone(&t, 50, NULL, NULL), gone);
	identity_table__free(&t);
}

static void test_walk(void **state)
{
	char dir[] = "/tmp/vflow-identity-XXXXXX", a[64], b[PATH_MAX], slash[64];
	struct identity_table t;
	const struct identity *e;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/libpod_parent", dir);
	snprintf(b, sizeof(b), "%s/libpod-%s", a, PODMAN_ID);
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(mkdir(b, 0755), 0);
	identity_table__init(&t);
	snprintf(slash, sizeof(slash), "%s/", dir);
	assert_int_equal(identity__walk_cgroups(&t, slash, 5), 0);
	assert_int_equal(t.nr, 3);
	e = identity__find(&t, IDENTITY_CGROUP, cgroup_id_of_path(b));
	assert_non_null(e);
	assert_string_equal(e->path, PODMAN_PATH);
	assert_string_equal(e->wl.name, "podman:978d6c95a48d");
	assert_int_equal(e->origin, IDENTITY_FROM_WALK);
	assert_string_equal(identity__find(&t, IDENTITY_CGROUP, cgroup_id_of_path(dir))->path, "/");
	assert_int_equal(rmdir(b), 0);
	assert_int_equal(rmdir(a), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_true(identity__walk_cgroups(&t, dir, 6) < 0);
	identity_table__free(&t);
}

static struct sandbox_info sandbox_named(const char *name, enum sandbox_kind kind)
{
	struct sandbox_info sb = { .kind = kind, .seccomp_mode = 2 };

	snprintf(sb.name, sizeof(sb.name), "%s", name);
	return sb;
}

/* A process named at its first trap keeps its name and kind after it exits. */
static void test_process_kept_after_exit(void **state)
{
	struct sandbox_info sb = sandbox_named("gvisor:web", SANDBOX_GVISOR);
	struct identity_table t;
	const struct identity *e;

	(void)state;
	identity_table__init(&t);
	assert_int_equal(identity__process_seen(&t, 0, &sb, NULL, IDENTITY_FROM_LOOKUP, 1), -EINVAL);
	assert_int_equal(identity__process_seen(&t, 4242, &sb, NULL, IDENTITY_FROM_LOOKUP, 100), 0);
	/* a cgroup of the same number is another entity */
	assert_null(identity__find(&t, IDENTITY_CGROUP, 4242));
	e = identity__find(&t, IDENTITY_PROCESS, 4242);
	assert_non_null(e);
	assert_non_null(e->proc);
	assert_true(e->proc->has_sandbox);
	assert_false(e->proc->has_vm);
	assert_false(e->proc->exit_followed);
	assert_int_equal(identity__process_exit_followed(&t, 4242), 0);
	assert_int_equal(identity__process_exit_followed(&t, 4243), -ENOENT);
	assert_int_equal(identity__process_exited(&t, 4242, 300), 0);
	/* a later, poorer read (an exiting process has no argv) changes nothing */
	sb = sandbox_named("seccomp:exe:4242", SANDBOX_SECCOMP);
	assert_int_equal(identity__process_seen(&t, 4242, &sb, NULL, IDENTITY_FROM_LOOKUP, 200), 0);
	e = identity__find(&t, IDENTITY_PROCESS, 4242);
	assert_true(e->gone);
	assert_int_equal(e->gone_since_ns, 300);
	assert_string_equal(e->proc->sandbox.name, "gvisor:web");
	assert_int_equal(e->proc->sandbox.kind, SANDBOX_GVISOR);
	assert_int_equal(e->origin, IDENTITY_FROM_LOOKUP);
	assert_int_equal(e->first_seen_ns, 100);
	/* a second exit (the event after a look found it gone) keeps the first time */
	assert_int_equal(identity__process_exited(&t, 4242, 400), 0);
	assert_int_equal(identity__find(&t, IDENTITY_PROCESS, 4242)->gone_since_ns, 300);
	identity_table__free(&t);
}

/* VM and sandbox facts are each learnt once; a reused pid is learnt afresh. */
static void test_process_facts_and_reuse(void **state)
{
	struct sandbox_info sb = sandbox_named("seccomp:qemu:77", SANDBOX_SECCOMP);
	struct vmident vm = { .vmm = VMM_QEMU };
	struct identity_table t;
	const struct identity *e;

	(void)state;
	identity_table__init(&t);
	snprintf(vm.name, sizeof(vm.name), "web1");
	assert_int_equal(identity__process_seen(&t, 77, NULL, &vm, IDENTITY_FROM_LOOKUP, 10), 0);
	assert_int_equal(identity__process_seen(&t, 77, &sb, NULL, IDENTITY_FROM_LOOKUP, 20), 0);
	snprintf(vm.name, sizeof(vm.name), "other");
	assert_int_equal(identity__process_seen(&t, 77, NULL, &vm, IDENTITY_FROM_LOOKUP, 30), 0);
	e = identity__find(&t, IDENTITY_PROCESS, 77);
	assert_true(e->proc->has_vm && e->proc->has_sandbox);
	assert_string_equal(e->proc->vm.name, "web1");
	assert_int_equal(e->last_seen_ns, 30);
	assert_int_equal(identity__process_exit_followed(&t, 77), 0);
	assert_int_equal(identity__process_exited(&t, 77, 40), 0);
	/* seen again before its exit time: a late event of the same process */
	assert_int_equal(identity__process_seen(&t, 77, &sb, NULL, IDENTITY_FROM_LOOKUP, 35), 0);
	e = identity__find(&t, IDENTITY_PROCESS, 77);
	assert_true(e->gone);
	assert_string_equal(e->proc->vm.name, "web1");
	/* after it: another process got the pid */
	sb = sandbox_named("bwrap:77", SANDBOX_BWRAP);
	assert_int_equal(identity__process_seen(&t, 77, &sb, NULL, IDENTITY_FROM_LOOKUP, 50), 0);
	e = identity__find(&t, IDENTITY_PROCESS, 77);
	assert_false(e->gone);
	assert_int_equal(e->gone_since_ns, 0);
	assert_false(e->proc->has_vm);
	assert_false(e->proc->exit_followed);
	assert_string_equal(e->proc->sandbox.name, "bwrap:77");
	assert_int_equal(e->first_seen_ns, 50);
	identity_table__free(&t);
}

/* An exit heard of a process never named: recorded, named when read later. */
static void test_process_exit_unseen(void **state)
{
	struct sandbox_info sb = sandbox_named("seccomp:x:9", SANDBOX_SECCOMP);
	struct identity_table t;
	const struct identity *e;

	(void)state;
	identity_table__init(&t);
	assert_int_equal(identity__process_exited(&t, 9, 5), 0);
	e = identity__find(&t, IDENTITY_PROCESS, 9);
	assert_true(e->gone);
	assert_int_equal(e->origin, IDENTITY_FROM_NOTHING);
	assert_false(e->proc->has_sandbox || e->proc->has_vm);
	/* gone and swept like a cgroup: nothing keeps it */
	assert_int_equal(identity__sweep_gone(&t, 6, NULL, NULL), 1);
	assert_null(identity__find(&t, IDENTITY_PROCESS, 9));
	assert_int_equal(identity__process_seen(&t, 9, &sb, NULL, IDENTITY_FROM_LOOKUP, 7), 0);
	assert_int_equal(identity__find(&t, IDENTITY_PROCESS, 9)->origin, IDENTITY_FROM_LOOKUP);
	/* many processes and cgroups: each its own, forgotten without a trace */
	for (__u32 pid = 1; pid < CHURN; pid++) {
		assert_int_equal(identity__process_seen(&t, pid, &sb, NULL, IDENTITY_FROM_LOOKUP, 8), 0);
		assert_int_equal(identity__process_exited(&t, pid, 9), 0);
	}
	assert_int_equal(identity__sweep_gone(&t, 10, NULL, NULL), CHURN - 1);
	assert_int_equal(t.nr, 0);
	identity_table__free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kept_after_gone),
		cmocka_unit_test(test_removed_unseen),
		cmocka_unit_test(test_rename),
		cmocka_unit_test(test_names_kept),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_sweep_gone),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_process_kept_after_exit),
		cmocka_unit_test(test_process_facts_and_reuse),
		cmocka_unit_test(test_process_exit_unseen),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
