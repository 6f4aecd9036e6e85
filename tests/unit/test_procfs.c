// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The /proc readers against a fake tree: processes this test made up from
 * files it wrote (argv, comm, status, cgroup, exe, threads), read through
 * procfs_set_root() exactly as the host's /proc would be.
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
#include "host/proc_cache.h"
#include "host/proc_sched.h"
#include "host/procfs.h"
#include "host/sandbox.h"
#include "host/vmident.h"

#define VM_PID		4242
#define SANDBOX_PID	4343
#define SANDBOX_PARENT	4344
#define GONE_PID	4545

static char root[] = "/tmp/vflow-proc-XXXXXX";

/* ROOT/@rel with @len bytes of @data (NULs kept). */
static void put(const char *rel, const char *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

#define PUT(rel, lit) put(rel, lit, sizeof(lit) - 1)

static void dir(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static int setup(void **state)
{
	char exe[PATH_MAX];

	(void)state;
	if (!mkdtemp(root))
		return -1;
	dir("4242");
	PUT("4242/cmdline", "/usr/bin/qemu-system-x86_64\0-name\0guest=web1,debug-threads=on\0"
	    "-m\0512\0");
	PUT("4242/comm", "qemu-system-x86\n");
	PUT("4242/cgroup", "12:cpu:/\n0::/machine.slice/machine-qemu\\x2d3\\x2dweb1.scope/"
	    "libvirt/emulator\n");
	dir("4242/task");
	dir("4242/task/4242");
	dir("4242/task/4250");
	PUT("4242/task/4242/schedstat", "1000 200 5\n");
	PUT("4242/task/4242/status", "Name:\tqemu\nvoluntary_ctxt_switches:\t3\n"
	    "nonvoluntary_ctxt_switches:\t4\n");
	PUT("4242/task/4250/schedstat", "10 20 1\n");
	PUT("4242/task/4250/status", "Name:\tCPU 0/KVM\nvoluntary_ctxt_switches:\t1\n"
	    "nonvoluntary_ctxt_switches:\t1\n");
	/* gVisor's sandbox as runsc --rootless --platform=ptrace do shows it */
	dir("4343");
	PUT("4343/cmdline", "runsc-sandbox\0--rootless=true\0boot\0--bundle=/tmp/runsc-do1\0"
	    "runsc-136842\0");
	PUT("4343/comm", "exe\n");
	PUT("4343/status", "Name:\texe\nPPid:\t4344\nNoNewPrivs:\t1\nSeccomp:\t2\n"
	    "Seccomp_filters:\t1\n");
	snprintf(exe, sizeof(exe), "%s/4343/exe", root);
	if (symlink("/usr/bin/runsc", exe))
		return -1;
	dir("4344");
	PUT("4344/comm", "runsc\n");
	procfs_set_root(root);
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	procfs_set_root(NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) ? -1 : 0;
}

static void test_root_and_path(void **state)
{
	char path[PATH_MAX], small[8];

	(void)state;
	assert_string_equal(procfs_root(), root);
	assert_int_equal(procfs_path(path, sizeof(path), VM_PID, "comm"), 0);
	assert_string_equal(path + strlen(root), "/4242/comm");
	assert_int_equal(procfs_path(small, sizeof(small), VM_PID, "comm"), -ENAMETOOLONG);
	assert_int_equal(procfs_read(GONE_PID, "comm", path, sizeof(path)), -ENOENT);
}

static void test_vmident_read(void **state)
{
	struct vmident id;

	(void)state;
	assert_int_equal(vmident_read(VM_PID, &id), 0);
	assert_int_equal(id.vmm, VMM_QEMU);
	assert_true(id.libvirt);
	assert_string_equal(id.name, "web1");
	assert_int_equal(vmident_read(GONE_PID, &id), -ENOENT);
}

static void test_sandbox_read(void **state)
{
	struct sandbox_info si;

	(void)state;
	assert_int_equal(sandbox_read(SANDBOX_PID, &si), 0);
	assert_int_equal(si.kind, SANDBOX_GVISOR);
	assert_string_equal(si.role, "sandbox");
	assert_string_equal(si.name, "gvisor:runsc-136842");
	assert_int_equal(si.seccomp_mode, 2);
	assert_int_equal(si.seccomp_filters, 1);
	assert_int_equal(sandbox_read(GONE_PID, &si), -ENOENT);
}

/* every thread's schedstat and switches, summed */
static void test_proc_sched_read(void **state)
{
	struct proc_sched ps;

	(void)state;
	assert_int_equal(proc_sched_read(VM_PID, &ps), 0);
	assert_int_equal(ps.oncpu_ns, 1010);
	assert_int_equal(ps.runq_ns, 220);
	assert_int_equal(ps.switches_vol, 4);
	assert_int_equal(ps.switches_invol, 5);
	assert_int_equal(proc_sched_read(GONE_PID, &ps), -ENOENT);
}

/*
 * The source samples each process once per interval; the report takes
 * what was kept and reads nothing: a change made after the sampling is
 * not seen until the next one.
 */
static void test_proc_cache_sched_sampling(void **state)
{
	struct proc_cache c = { 0 };
	struct proc_sched d;

	(void)state;
	assert_int_equal(proc_cache__init(&c), 0);
	assert_int_equal(proc_cache__sched_last(&c, VM_PID, &d), -ENOENT);	/* never sampled */
	proc_cache__sched_begin(&c);
	proc_cache__sched_sample(&c, VM_PID);
	assert_int_equal(proc_cache__sched_last(&c, VM_PID, &d), 0);
	assert_int_equal(d.oncpu_ns, 0);	/* the first sample: no interval yet */
	PUT("4242/task/4242/schedstat", "1500 300 5\n");
	proc_cache__sched_sample(&c, VM_PID);	/* twice in one sampling: the first kept */
	assert_int_equal(proc_cache__sched_last(&c, VM_PID, &d), 0);
	assert_int_equal(d.oncpu_ns, 0);
	proc_cache__sched_begin(&c);
	assert_int_equal(proc_cache__sched_last(&c, VM_PID, &d), -ENOENT);	/* not sampled yet */
	proc_cache__sched_sample(&c, VM_PID);
	assert_int_equal(proc_cache__sched_last(&c, VM_PID, &d), 0);
	assert_int_equal(d.oncpu_ns, 500);
	assert_int_equal(d.runq_ns, 100);
	proc_cache__sched_sample(&c, GONE_PID);
	assert_int_equal(proc_cache__sched_last(&c, GONE_PID, &d), -ENOENT);
	PUT("4242/task/4242/schedstat", "1000 200 5\n");
	proc_cache__free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_and_path),
		cmocka_unit_test(test_vmident_read),
		cmocka_unit_test(test_sandbox_read),
		cmocka_unit_test(test_proc_sched_read),
		cmocka_unit_test(test_proc_cache_sched_sampling),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
