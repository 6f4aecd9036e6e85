// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of vmident: VM names from VMM command lines, comms and libvirt
 * scopes, and vCPU indexes from thread names. Command lines are built in
 * buffers of exactly their length, so ASan catches any read past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "host/vmident.h"

#define PID		4242
/* pids are below pid_max, which is at most PID_MAX_LIMIT (4M on 64-bit) */
#define PID_MAX_LIMIT	(4 * 1024 * 1024)
/* how long to wait for a child's exec: 5 s, far more than it takes */
#define READ_CHILD_TRIES	500
#define READ_CHILD_WAIT_US	10000

#define ARGV(...)	((const char *const[]){ __VA_ARGS__, NULL })

#define LIBVIRT_SCOPE	"/machine.slice/machine-qemu\\x2d3\\x2dweb1.scope"

/* argv as /proc/PID/cmdline has it; @drop bytes cut off the end. */
static char *cmdline_new(const char *const *argv, size_t drop, size_t *len)
{
	size_t n = 0;
	char *buf;

	for (const char *const *a = argv; *a; a++)
		n += strlen(*a) + 1;
	assert_true(drop <= n);
	buf = malloc(n ? n : 1);
	assert_non_null(buf);
	*len = 0;
	for (const char *const *a = argv; *a; a++) {
		memcpy(buf + *len, *a, strlen(*a) + 1);
		*len += strlen(*a) + 1;
	}
	*len -= drop;
	return buf;
}

static void parse_cut(const char *const *argv, size_t drop, const char *comm, const char *cgroup,
		      struct vmident *id)
{
	size_t len;
	char *buf = cmdline_new(argv, drop, &len);

	memset(id, 0xa5, sizeof(*id));	/* parse must set every field */
	vmident_parse(buf, len, comm, cgroup, PID, id);
	free(buf);
}

static void parse(const char *const *argv, const char *comm, const char *cgroup,
		  struct vmident *id)
{
	parse_cut(argv, 0, comm, cgroup, id);
}

static void check(const struct vmident *id, enum vmm_kind vmm, bool libvirt, const char *name)
{
	assert_int_equal(id->vmm, vmm);
	assert_int_equal(id->libvirt, libvirt);
	assert_string_equal(id->name, name);
}

static void test_qemu_libvirt(void **state)
{
	static const char *const argv[] = {
		"/usr/bin/qemu-system-x86_64", "-name", "guest=web1,debug-threads=on", "-S",
		"-object", "{\"qom-type\":\"secret\",\"id\":\"masterKey0\",\"format\":\"raw\","
		"\"file\":\"/var/lib/libvirt/qemu/domain-3-web1/master-key.aes\"}",
		"-machine", "pc-q35-7.2,usb=off,vmport=off,dump-guest-core=off",
		"-accel", "kvm", "-cpu", "host,migratable=on", "-m", "size=2097152k",
		"-smp", "2,sockets=2,cores=1,threads=1", "-uuid",
		"6f5bd1b6-3b1a-4bd7-9d8b-0c6a7e0a3b41", "-no-user-config", "-nodefaults",
		"-chardev", "socket,id=charmonitor,fd=31,server=on,wait=off",
		"-mon", "chardev=charmonitor,id=monitor,mode=control",
		"-sandbox",
		"on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
		"-msg", "timestamp=on", NULL
	};
	struct vmident id;

	(void)state;
	parse(argv, "qemu-system-x86", LIBVIRT_SCOPE "/libvirt/emulator", &id);
	check(&id, VMM_QEMU, true, "web1");
	/* without a scope the argv alone names it */
	parse(argv, "qemu-system-x86", NULL, &id);
	check(&id, VMM_QEMU, false, "web1");
}

static void test_qemu_argv_beats_scope(void **state)
{
	struct vmident id;

	(void)state;
	/* libvirt cuts long names in the scope; argv has the whole name */
	parse(ARGV("/usr/bin/qemu-system-x86_64", "-name",
		   "guest=a-rather-long-domain-name,debug-threads=on"),
	      "qemu-system-x86",
	      "/machine.slice/machine-qemu\\x2d9\\x2da\\x2drather\\x2dlong\\x2ddoma.scope", &id);
	check(&id, VMM_QEMU, true, "a-rather-long-domain-name");
}

static void test_qemu_plain(void **state)
{
	struct vmident id;

	(void)state;
	parse(ARGV("qemu-system-x86_64", "-name", "myvm", "-m", "512"), "qemu-system-x86", NULL,
	      &id);
	check(&id, VMM_QEMU, false, "myvm");
	parse(ARGV("qemu-system-aarch64", "-m", "512", "-name", "myvm,process=qemu:myvm"), NULL,
	      NULL, &id);
	check(&id, VMM_QEMU, false, "myvm");
	parse(ARGV("qemu-system-x86_64", "-name", "debug-threads=on,guest=late"), NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "late");
}

static void test_qemu_name_forms(void **state)
{
	struct vmident id;

	(void)state;
	parse(ARGV("qemu-system-x86_64", "--name", "dashes"), NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "dashes");
	parse(ARGV("qemu-system-x86_64", "-name=eq"), NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "eq");
	parse(ARGV("qemu-system-x86_64", "--name=guest=both,debug-threads=on"), NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "both");
	/* the first -name wins; look-alike options are not -name */
	parse(ARGV("qemu-system-x86_64", "-names", "x", "-name", "one", "-name", "two"), NULL, NULL,
	      &id);
	check(&id, VMM_QEMU, false, "one");
}

static void test_qemu_escaped_comma(void **state)
{
	struct vmident id;

	(void)state;
	parse(ARGV("qemu-system-x86_64", "-name", "foo,,bar"), NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "foo,bar");
	parse(ARGV("qemu-system-x86_64", "-name", "guest=a,,b,,,,c,debug-threads=on"), NULL, NULL,
	      &id);
	check(&id, VMM_QEMU, false, "a,b,,c");
	parse(ARGV("qemu-system-x86_64", "-name", "x,,y,process=p"), NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "x,y");
}

static void test_qemu_kvm_and_comm(void **state)
{
	struct vmident id;

	(void)state;
	parse(ARGV("/usr/libexec/qemu-kvm", "-name", "guest=rhel9,debug-threads=on"), "qemu-kvm",
	      NULL, &id);
	check(&id, VMM_QEMU, false, "rhel9");
	parse(ARGV("qemu", "-name", "old"), NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "old");
	/* qemu-img is no VMM */
	parse(ARGV("qemu-img", "-name", "x"), "qemu-img", NULL, &id);
	check(&id, VMM_UNKNOWN, false, "pid:4242");
	/* argv[0] rewritten: the comm still tells */
	parse(ARGV("vm-launcher", "-name", "x"), "qemu-system-x86", NULL, &id);
	check(&id, VMM_QEMU, false, "x");
	/* no name at all */
	parse(ARGV("qemu-system-x86_64", "-m", "512"), "qemu-system-x86", NULL, &id);
	check(&id, VMM_QEMU, false, "qemu:4242");
	/* an empty name is no name */
	parse(ARGV("qemu-system-x86_64", "-name", ""), NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "qemu:4242");
	parse(ARGV("qemu-system-x86_64", "-name", "guest=,debug-threads=on"), NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "qemu:4242");
}

static void test_firecracker(void **state)
{
	struct vmident id;

	(void)state;
	parse(ARGV("/usr/bin/firecracker", "--api-sock", "/tmp/fc.sock", "--id", "vm7"),
	      "firecracker", NULL, &id);
	check(&id, VMM_FIRECRACKER, false, "vm7");
	parse(ARGV("firecracker", "--id=vm8", "--api-sock", "/tmp/fc.sock"), NULL, NULL, &id);
	check(&id, VMM_FIRECRACKER, false, "vm8");
	/* release binary name, and --identity is not --id */
	parse(ARGV("./firecracker-v1.7.0-x86_64", "--identity", "x", "--api-sock", "/tmp/fc.sock"),
	      NULL, NULL, &id);
	check(&id, VMM_FIRECRACKER, false, "firecracker:4242");
	vmident_parse(NULL, 0, "firecracker", NULL, 77, &id);
	check(&id, VMM_FIRECRACKER, false, "firecracker:77");
}

static void test_cloud_hypervisor(void **state)
{
	struct vmident id;

	(void)state;
	parse(ARGV("cloud-hypervisor", "--api-socket", "path=/run/ch/web2.sock", "--cpus",
		   "boot=2", "--memory", "size=1G", "--kernel", "/boot/vmlinux"),
	      "cloud-hyperviso", NULL, &id);
	check(&id, VMM_CLOUD_HYPERVISOR, false, "web2");
	parse(ARGV("/usr/local/bin/cloud-hypervisor-static", "--api-socket", "/run/ch/web3.sock"),
	      NULL, NULL, &id);
	check(&id, VMM_CLOUD_HYPERVISOR, false, "web3");
	parse(ARGV("cloud-hypervisor", "--api-socket=path=/run/ch/web4.api"), NULL, NULL, &id);
	check(&id, VMM_CLOUD_HYPERVISOR, false, "web4.api");
	/* a socket passed as an fd names nothing */
	parse(ARGV("cloud-hypervisor", "--api-socket", "fd=3"), NULL, NULL, &id);
	check(&id, VMM_CLOUD_HYPERVISOR, false, "cloud-hypervisor:4242");
	/* known by its comm alone, which the kernel cut at 15 bytes */
	vmident_parse(NULL, 0, "cloud-hyperviso", NULL, PID, &id);
	check(&id, VMM_CLOUD_HYPERVISOR, false, "cloud-hypervisor:4242");
}

static void test_crosvm_kvmtool(void **state)
{
	struct vmident id;

	(void)state;
	/* crosvm: the kernel path is shared by many VMs, so it names none */
	parse(ARGV("/usr/bin/crosvm", "run", "--cpus", "2", "--mem", "1024", "/boot/vmlinux"),
	      "crosvm", NULL, &id);
	check(&id, VMM_CROSVM, false, "crosvm:4242");
	parse(ARGV("lkvm", "run", "--name", "guest1", "-k", "bzImage"), "lkvm", NULL, &id);
	check(&id, VMM_KVMTOOL, false, "guest1");
	parse(ARGV("/opt/lkvm-static", "run", "-n", "guest2"), NULL, NULL, &id);
	check(&id, VMM_KVMTOOL, false, "guest2");
	parse(ARGV("kvmtool", "run"), NULL, NULL, &id);
	check(&id, VMM_KVMTOOL, false, "kvmtool:4242");
}

static void test_unknown(void **state)
{
	struct vmident id;

	(void)state;
	/* flags of an unknown process mean nothing */
	parse(ARGV("/usr/bin/bash", "-name", "x", "--id", "y"), "bash", NULL, &id);
	check(&id, VMM_UNKNOWN, false, "pid:4242");
	parse(ARGV("qemu-system"), "bash", "/system.slice/ssh.service", &id);
	check(&id, VMM_UNKNOWN, false, "pid:4242");
}

static void test_empty_cmdline(void **state)
{
	struct vmident id;

	(void)state;
	vmident_parse(NULL, 0, NULL, NULL, 1, &id);
	check(&id, VMM_UNKNOWN, false, "pid:1");
	vmident_parse("", 0, "", "", 2, &id);
	check(&id, VMM_UNKNOWN, false, "pid:2");
	/* a lone NUL, and only NULs */
	vmident_parse("\0\0\0", 3, "kthreadd", "/", 2, &id);
	check(&id, VMM_UNKNOWN, false, "pid:2");
}

static void test_no_final_nul(void **state)
{
	struct vmident id;

	(void)state;
	parse_cut(ARGV("qemu-system-x86_64", "-name", "myvm"), 1, NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "myvm");
	/* cut inside the value: what is there is the name */
	parse_cut(ARGV("firecracker", "--id", "vm77"), 3, NULL, NULL, &id);
	check(&id, VMM_FIRECRACKER, false, "vm");
	/* cut inside argv[0]: "qemu-system-x" */
	parse_cut(ARGV("qemu-system-x86_64", "-name", "myvm"), 17, NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "qemu:4242");
}

static void test_truncated_name_option(void **state)
{
	struct vmident id;

	(void)state;
	parse(ARGV("qemu-system-x86_64", "-m", "512", "-name"), NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "qemu:4242");
	parse_cut(ARGV("qemu-system-x86_64", "-name"), 1, NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "qemu:4242");
	parse(ARGV("firecracker", "--id"), NULL, NULL, &id);
	check(&id, VMM_FIRECRACKER, false, "firecracker:4242");
	parse(ARGV("cloud-hypervisor", "--api-socket"), NULL, NULL, &id);
	check(&id, VMM_CLOUD_HYPERVISOR, false, "cloud-hypervisor:4242");
}

static void test_libvirt_scope(void **state)
{
	struct vmident id;

	(void)state;
	parse(ARGV("/usr/bin/qemu-system-x86_64", "-S"), "qemu-system-x86", LIBVIRT_SCOPE, &id);
	check(&id, VMM_QEMU, true, "web1");
	parse(ARGV("/usr/bin/qemu-system-x86_64", "-S"), "qemu-system-x86",
	      LIBVIRT_SCOPE "/libvirt/vcpu0", &id);
	check(&id, VMM_QEMU, true, "web1");
	/* names keep their own dashes; custom partitions nest the slice */
	parse(ARGV("qemu-kvm"), NULL,
	      "/machine.slice/machine-prod.slice/"
	      "machine-qemu\\x2d12\\x2dweb\\x2dfront.scope/libvirt", &id);
	check(&id, VMM_QEMU, true, "web-front");
	/* old libvirt: no domain id */
	parse(ARGV("qemu-kvm"), NULL, "/machine.slice/machine-qemu\\x2dlegacy.scope", &id);
	check(&id, VMM_QEMU, true, "legacy");
	/* the scope alone says QEMU, as nothing else runs there */
	vmident_parse(NULL, 0, NULL, LIBVIRT_SCOPE "/libvirt/emulator", PID, &id);
	check(&id, VMM_QEMU, true, "web1");
}

static void test_not_libvirt_scope(void **state)
{
	struct vmident id;

	(void)state;
	/* systemd-nspawn and libvirt-lxc machines are containers */
	parse(ARGV("qemu-system-x86_64"), NULL, "/machine.slice/machine-debian.scope", &id);
	check(&id, VMM_QEMU, false, "qemu:4242");
	parse(ARGV("qemu-system-x86_64"), NULL, "/machine.slice/machine-lxc\\x2d1\\x2dct.scope",
	      &id);
	check(&id, VMM_QEMU, false, "qemu:4242");
	parse(ARGV("qemu-system-x86_64"), NULL, "/user.slice/machine-.scope/x.scope", &id);
	check(&id, VMM_QEMU, false, "qemu:4242");
	parse(ARGV("qemu-system-x86_64"), NULL, "/", &id);
	check(&id, VMM_QEMU, false, "qemu:4242");
	/* a bad escape stays as it is */
	parse(ARGV("qemu-system-x86_64"), NULL, "/machine.slice/machine-qemu\\xzz1.scope", &id);
	check(&id, VMM_QEMU, false, "qemu:4242");
}

static void test_non_printable(void **state)
{
	struct vmident id;

	(void)state;
	parse(ARGV("qemu-system-x86_64", "-name", "we\tb\x1b[31m\xc3\xa9"), NULL, NULL, &id);
	check(&id, VMM_QEMU, false, "we?b?[31m??");
	parse(ARGV("firecracker", "--id", "\x7f" "x"), NULL, NULL, &id);
	check(&id, VMM_FIRECRACKER, false, "?x");
	/* escapes in the scope decode to bytes that are sanitised too */
	vmident_parse(NULL, 0, NULL, "/machine.slice/machine-qemu\\x2d1\\x2dbad\\x0aname.scope",
		      PID, &id);
	check(&id, VMM_QEMU, true, "bad?name");
}

static void test_long_name(void **state)
{
	char name[VMIDENT_NAME_LEN * 4], cg[VMIDENT_NAME_LEN * 4];
	struct vmident id;

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	parse(ARGV("qemu-system-x86_64", "-name", name), NULL, NULL, &id);
	assert_int_equal(strlen(id.name), VMIDENT_NAME_LEN - 1);
	assert_memory_equal(id.name, name, VMIDENT_NAME_LEN - 1);
	/* one escaped comma right at the cut */
	memset(name, 'c', VMIDENT_NAME_LEN - 2);
	strcpy(name + VMIDENT_NAME_LEN - 2, ",,tail");
	parse(ARGV("qemu-system-x86_64", "-name", name), NULL, NULL, &id);
	assert_int_equal(strlen(id.name), VMIDENT_NAME_LEN - 1);
	assert_int_equal(id.name[VMIDENT_NAME_LEN - 2], ',');
	/* an over-long scope name */
	memset(name, 'x', sizeof(name) - 1);
	snprintf(cg, sizeof(cg), "/machine.slice/machine-qemu\\x2d1\\x2d%.*s.scope",
		 VMIDENT_NAME_LEN * 2, name);
	vmident_parse(NULL, 0, NULL, cg, PID, &id);
	assert_true(id.libvirt);
	assert_int_equal(strlen(id.name), VMIDENT_NAME_LEN - 1);
	assert_int_equal(strspn(id.name, "x"), VMIDENT_NAME_LEN - 1);
}

static void test_vcpu_index(void **state)
{
	static const struct {
		const char *name;
		int idx;
	} rows[] = {
		/* qemu */
		{ "CPU 0/KVM", 0 }, { "CPU 3/KVM", 3 }, { "CPU 12/KVM", 12 },
		{ "CPU 12/KV", 12 }, { "CPU 4095/K", 4095 }, { "CPU 7/", 7 },
		{ "CPU 3", -1 }, { "CPU x/KVM", -1 }, { "CPU /KVM", -1 }, { "CPU -1/KVM", -1 },
		{ "CPU 3/TCG", -1 }, { "CPU 3/KVMX", -1 }, { "cpu 3/KVM", -1 },
		/* firecracker */
		{ "fc_vcpu 0", 0 }, { "fc_vcpu 1", 1 }, { "fc_vcpu 15", 15 },
		{ "fc_vcpu", -1 }, { "fc_vcpu x", -1 }, { "fc_vcpu 1 ", -1 },
		/* cloud-hypervisor, and "vcpu N" */
		{ "vcpu0", 0 }, { "vcpu2", 2 }, { "vcpu 2", 2 }, { "vcpu255", 255 },
		{ "vcpu", -1 }, { "vcpu-1", -1 }, { "vcpu ", -1 }, { "vcpu0x", -1 },
		{ "vcpu+1", -1 },
		/* crosvm */
		{ "crosvm_vcpu2", 2 }, { "crosvm_vcpu0", 0 }, { "crosvm_vcpu", -1 },
		/* kvmtool */
		{ "kvm-vcpu-3", 3 }, { "kvm-vcpu-", -1 }, { "kvm-vcpu--1", -1 },
		/* overflow */
		{ "vcpu2147483647", 2147483647 }, { "vcpu2147483648", -1 },
		{ "CPU 99999999999", -1 }, { "vcpu99999999999999999999999", -1 },
		/* junk */
		{ "", -1 }, { "qemu-system-x86", -1 }, { "worker", -1 }, { "kvm-nx-lpage-re", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = vmident_vcpu_index(rows[i].name);

		if (got != rows[i].idx)
			fail_msg("\"%s\": got %d, want %d", rows[i].name, got, rows[i].idx);
	}
	assert_int_equal(vmident_vcpu_index(NULL), -1);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(vmm_kind_name(VMM_UNKNOWN), "unknown");
	assert_string_equal(vmm_kind_name(VMM_QEMU), "qemu");
	assert_string_equal(vmm_kind_name(VMM_FIRECRACKER), "firecracker");
	assert_string_equal(vmm_kind_name(VMM_CLOUD_HYPERVISOR), "cloud-hypervisor");
	assert_string_equal(vmm_kind_name(VMM_CROSVM), "crosvm");
	assert_string_equal(vmm_kind_name(VMM_KVMTOOL), "kvmtool");
	assert_string_equal(vmm_kind_name(VMM_KVMTOOL + 1), "unknown");
	assert_string_equal(vmm_kind_name((enum vmm_kind)-1), "unknown");
}

static void test_read_self(void **state)
{
	char want[VMIDENT_NAME_LEN];
	struct vmident id;

	(void)state;
	memset(&id, 0xa5, sizeof(id));
	assert_int_equal(vmident_read(getpid(), &id), 0);
	snprintf(want, sizeof(want), "pid:%d", (int)getpid());
	check(&id, VMM_UNKNOWN, false, want);
}

/* A live process whose argv says qemu: the real /proc path end to end. */
static void test_read_child(void **state)
{
	struct vmident id = { 0 };
	int status, err = 0;
	pid_t child;

	(void)state;
	child = fork();
	assert_true(child >= 0);
	if (!child) {
		/* ": ;" keeps sh from exec'ing sleep over the argv under test */
		execl("/bin/sh", "qemu-system-x86_64", "-c", "sleep 30; :", "-name",
		      "guest=child,debug-threads=on", (char *)NULL);
		_exit(127);
	}
	/* until the exec is done, the child's argv is still ours */
	for (int i = 0; i < READ_CHILD_TRIES && !err && id.vmm != VMM_QEMU; i++) {
		err = vmident_read(child, &id);
		if (!err && id.vmm != VMM_QEMU)
			usleep(READ_CHILD_WAIT_US);
	}
	/* reap before asserting, so a failure leaves no child behind */
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_int_equal(err, 0);
	check(&id, VMM_QEMU, false, "child");
}

static void test_read_gone(void **state)
{
	struct vmident id;

	(void)state;
	assert_int_equal(vmident_read(PID_MAX_LIMIT, &id), -ENOENT);
	assert_int_equal(vmident_read(0, &id), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_libvirt),
		cmocka_unit_test(test_qemu_argv_beats_scope),
		cmocka_unit_test(test_qemu_plain),
		cmocka_unit_test(test_qemu_name_forms),
		cmocka_unit_test(test_qemu_escaped_comma),
		cmocka_unit_test(test_qemu_kvm_and_comm),
		cmocka_unit_test(test_firecracker),
		cmocka_unit_test(test_cloud_hypervisor),
		cmocka_unit_test(test_crosvm_kvmtool),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_empty_cmdline),
		cmocka_unit_test(test_no_final_nul),
		cmocka_unit_test(test_truncated_name_option),
		cmocka_unit_test(test_libvirt_scope),
		cmocka_unit_test(test_not_libvirt_scope),
		cmocka_unit_test(test_non_printable),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_vcpu_index),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_read_self),
		cmocka_unit_test(test_read_child),
		cmocka_unit_test(test_read_gone),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
