// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of sandbox: sandbox identity from argv, comm, status, exe and
 * the parent's comm, with the command lines gVisor (runsc 20221219),
 * bubblewrap, firejail, Chromium and wasm runtimes really show; and
 * sandbox_read on live processes. Command lines are built in buffers of
 * exactly their length, so ASan catches any read past it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "host/sandbox.h"

#define PID		4242
/* pids are below pid_max, which is at most PID_MAX_LIMIT (4M on 64-bit) */
#define PID_MAX_LIMIT	(4 * 1024 * 1024)
#define LONG_LEN	300	/* longer than any name or role */

#define ARGV(...)	((const char *const[]){ __VA_ARGS__, NULL })

#define STATUS(mode, filters)						\
	"Name:\texe\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\n"	\
	"PPid:\t4240\nNoNewPrivs:\t1\nSeccomp:\t" mode "\n"		\
	"Seccomp_filters:\t" filters "\nSpeculation_Store_Bypass:\tthread vulnerable\n"
#define STATUS_NONE	STATUS("0", "0")
#define STATUS_FILTER	STATUS("2", "1")

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

struct proc {
	const char *comm, *status, *exe, *parent;
};

static void parse_cut(const char *const *argv, size_t drop, struct proc p, struct sandbox_info *si)
{
	size_t len;
	char *buf = cmdline_new(argv, drop, &len);

	memset(si, 0xa5, sizeof(*si));	/* parse must set every field */
	sandbox_parse(buf, len, p.comm, p.status, p.exe, p.parent, PID, si);
	free(buf);
}

static void parse(const char *const *argv, struct proc p, struct sandbox_info *si)
{
	parse_cut(argv, 0, p, si);
}

static void check(const struct sandbox_info *si, enum sandbox_kind kind, const char *role,
		  const char *name)
{
	struct sandbox_info back;

	assert_string_equal(sandbox_kind_name(si->kind), sandbox_kind_name(kind));
	assert_string_equal(si->role, role);
	assert_string_equal(si->name, name);
	/* what a dump keeps (the name) gives the kind back, and the role where the name has it */
	sandbox_from_name(si->name, &back);
	assert_string_equal(sandbox_kind_name(back.kind), sandbox_kind_name(kind));
	assert_string_equal(back.role, kind == SANDBOX_GVISOR ? "" : role);
	assert_string_equal(back.name, name);
	assert_int_equal(back.seccomp_mode, -1);
}

/* as seen on this machine: runsc --rootless --network=none --platform=ptrace do sleep 4 */
static const char *const runsc_sandbox[] = {
	"runsc-sandbox", "--root=/tmp/runsc-do1802263023", "--overlay=true", "--network=none",
	"--rootless=true", "boot", "--bundle=/tmp/runsc-do1802263023", "--setup-root",
	"--cpu-num", "2", "--total-memory", "25276518400", "--attached", "--io-fds=3",
	"--overlay-filestore-fd=-1", "--mounts-fd=4", "--start-sync-fd=5", "--controller-fd=6",
	"--spec-fd=7", "--stdio-fds=8", "--stdio-fds=9", "--stdio-fds=10", "runsc-136842", NULL
};

static const char *const runsc_gofer[] = {
	"runsc-gofer", "--root=/tmp/runsc-do1802263023", "--overlay=true", "--network=none",
	"--rootless=true", "gofer", "--bundle", "/tmp/runsc-do1802263023", "--spec-fd=3",
	"--mounts-fd=4", "--io-fds=5", "--apply-caps=false", "--setup-root=false",
	"--sync-userns-fd=-1", NULL
};

#define RUNSC_PROC(parent)	((struct proc){ "exe", STATUS_FILTER, "runsc", parent })

static void test_gvisor_sandbox(void **state)
{
	struct sandbox_info si;

	(void)state;
	parse(runsc_sandbox, RUNSC_PROC("runsc"), &si);
	check(&si, SANDBOX_GVISOR, "sandbox", "gvisor:runsc-136842");
	assert_int_equal(si.seccomp_mode, 2);
	assert_int_equal(si.seccomp_filters, 1);
	/* docker: runsc-sandbox under containerd-shim, the full exe path, no status */
	parse(ARGV("runsc-sandbox", "--root=/var/run/docker/runtime-runc/moby",
		   "--log=/run/containerd/io.containerd.runtime.v2.task/moby/3f2a/log.json",
		   "--log-format=json", "boot",
		   "--bundle=/run/containerd/io.containerd.runtime.v2.task/moby/3f2a9c",
		   "--controller-fd=3", "--spec-fd=5", "3f2a9c"),
	      (struct proc){ "runsc-sandbox", NULL, "/usr/local/bin/runsc (deleted)",
			     "containerd-shim" }, &si);
	check(&si, SANDBOX_GVISOR, "sandbox", "gvisor:3f2a9c");
	assert_int_equal(si.seccomp_mode, -1);
	assert_int_equal(si.seccomp_filters, -1);
	/* "runsc boot" under its own name */
	parse(ARGV("/usr/bin/runsc", "--root", "/run/runsc", "boot", "--bundle", "/b/c1", "c1"),
	      (struct proc){ "runsc", STATUS_FILTER, NULL, NULL }, &si);
	check(&si, SANDBOX_GVISOR, "sandbox", "gvisor:c1");
}

static void test_gvisor_sandbox_truncated(void **state)
{
	struct sandbox_info si;

	(void)state;
	/* the last word may be cut: name it by the bundle */
	parse_cut(runsc_sandbox, 3, RUNSC_PROC("runsc"), &si);
	check(&si, SANDBOX_GVISOR, "sandbox", "gvisor:runsc-do1802263023");
	/* no boot, no bundle: the pid */
	parse(ARGV("runsc-sandbox"), RUNSC_PROC("runsc"), &si);
	check(&si, SANDBOX_GVISOR, "sandbox", "gvisor:4242");
	/* boot without its id: the last word is a flag */
	parse(ARGV("runsc-sandbox", "boot", "--attached"), RUNSC_PROC(NULL), &si);
	check(&si, SANDBOX_GVISOR, "sandbox", "gvisor:4242");
}

static void test_gvisor_gofer(void **state)
{
	struct sandbox_info si;

	(void)state;
	parse(runsc_gofer, RUNSC_PROC("runsc"), &si);
	check(&si, SANDBOX_GVISOR, "gofer", "gvisor:runsc-do1802263023");
	parse(ARGV("runsc", "--root=/r", "gofer", "--bundle=/run/x/moby/abc/", "--spec-fd=3"),
	      (struct proc){ "runsc-gofer", STATUS_FILTER, "runsc", NULL }, &si);
	check(&si, SANDBOX_GVISOR, "gofer", "gvisor:abc");
	parse(ARGV("runsc-gofer", "gofer", "--bundle=/"), RUNSC_PROC(NULL), &si);
	check(&si, SANDBOX_GVISOR, "gofer", "gvisor:4242");
	parse(ARGV("runsc-gofer", "gofer"), (struct proc){ "exe", NULL, NULL, NULL }, &si);
	check(&si, SANDBOX_GVISOR, "gofer", "gvisor:4242");
}

static void test_gvisor_stub(void **state)
{
	struct sandbox_info si;

	(void)state;
	/* the first stub's parent is runsc-sandbox (comm "exe"), then stubs */
	sandbox_parse("", 0, "exe", STATUS_FILTER, "runsc", "exe", PID, &si);
	check(&si, SANDBOX_GVISOR, "stub", "gvisor:4242");
	assert_int_equal(si.seccomp_mode, 2);
	sandbox_parse(NULL, 0, "exe", NULL, NULL, "runsc-sandbox", PID, &si);
	check(&si, SANDBOX_GVISOR, "stub", "gvisor:4242");
	sandbox_parse("\0\0", 2, "exe", NULL, "runsc", NULL, PID, &si);
	check(&si, SANDBOX_GVISOR, "stub", "gvisor:4242");
	/* other programs re-exec'd through /proc/self/exe */
	sandbox_parse("", 0, "exe", STATUS_NONE, "python3.11", "exe", PID, &si);
	check(&si, SANDBOX_NONE, "", "exe:4242");
	sandbox_parse("", 0, "exe", STATUS_FILTER, "runsc", "bash", PID, &si);
	check(&si, SANDBOX_SECCOMP, "", "seccomp:exe:4242");
	sandbox_parse("", 0, "exe", STATUS_NONE, NULL, NULL, PID, &si);
	check(&si, SANDBOX_NONE, "", "exe:4242");
	sandbox_parse("", 0, "exe", STATUS_NONE, "runscript", "exe", PID, &si);
	check(&si, SANDBOX_NONE, "", "exe:4242");
	/* a stub has no argv */
	parse(ARGV("exe", "--x"), RUNSC_PROC("exe"), &si);
	check(&si, SANDBOX_SECCOMP, "", "seccomp:exe:4242");
}

static void test_gvisor_cli(void **state)
{
	struct sandbox_info si;

	(void)state;
	/* the CLI waits for the sandbox; it is not sandboxed */
	parse(ARGV("runsc", "--rootless", "--network=none", "--platform=ptrace", "do", "sleep",
		   "4"), (struct proc){ "runsc", STATUS_NONE, "runsc", "timeout" }, &si);
	check(&si, SANDBOX_NONE, "", "runsc:4242");
	/* the first subcommand counts, not the command's own words */
	parse(ARGV("runsc", "do", "sh", "boot", "gofer"),
	      (struct proc){ "runsc", STATUS_NONE, "runsc", NULL }, &si);
	check(&si, SANDBOX_NONE, "", "runsc:4242");
	parse(ARGV("runscript", "boot", "x"), (struct proc){ "runscript", STATUS_NONE, NULL, NULL },
	      &si);
	check(&si, SANDBOX_NONE, "", "runscript:4242");
}

static void test_chromium(void **state)
{
	struct sandbox_info si;
	struct proc chrome = { "chrome", STATUS_FILTER, "chrome", "chrome" };

	(void)state;
	parse(ARGV("/opt/google/chrome/chrome", "--type=renderer", "--crashpad-handler-pid=2817",
		   "--enable-crash-reporter=,", "--change-stack-guard-on-fork=enable",
		   "--lang=en-US", "--num-raster-threads=4", "--renderer-client-id=7",
		   "--time-ticks-at-unix-epoch=-1712345678901234", "--launch-time-ticks=7766",
		   "--shared-files=v8_context_snapshot_data:100",
		   "--field-trial-handle=3,i,8361,1204,262144", "--variations-seed-version=1"),
	      chrome, &si);
	check(&si, SANDBOX_CHROMIUM, "renderer", "chromium:renderer:4242");
	parse(ARGV("/usr/lib/chromium/chromium", "--type=gpu-process",
		   "--crashpad-handler-pid=99", "--gpu-preferences=WAAAAAAAAAAgAAAIAAAAAA==",
		   "--shared-files", "--field-trial-handle=0,i,1,2,262144"),
	      (struct proc){ "chromium", STATUS_FILTER, "chromium", "chromium" }, &si);
	check(&si, SANDBOX_CHROMIUM, "gpu-process", "chromium:gpu-process:4242");
	parse(ARGV("/opt/google/chrome/chrome", "--type=utility",
		   "--utility-sub-type=network.mojom.NetworkService", "--lang=en-US",
		   "--service-sandbox-type=none"), chrome, &si);
	check(&si, SANDBOX_CHROMIUM, "utility", "chromium:utility:4242");
	/* comm is cut: "chromium-browser" */
	parse(ARGV("/usr/lib/chromium-browser/chromium-browser", "--type=zygote"),
	      (struct proc){ "chromium-browse", NULL, NULL, NULL }, &si);
	check(&si, SANDBOX_CHROMIUM, "zygote", "chromium:zygote:4242");
}

static void test_chromium_proctitle(void **state)
{
	/* zygote children: argv rewritten as one string, NUL-padded */
	static const char title[] = "/opt/google/chrome/chrome --type=renderer "
				    "--crashpad-handler-pid=2817 --renderer-client-id=12\0\0\0";
	struct sandbox_info si;

	(void)state;
	sandbox_parse(title, sizeof(title) - 1, "chrome", STATUS_FILTER, "chrome", "chrome", PID,
		      &si);
	check(&si, SANDBOX_CHROMIUM, "renderer", "chromium:renderer:4242");
}

static void test_chromium_electron_and_others(void **state)
{
	struct sandbox_info si;

	(void)state;
	/* Electron: another name, Chromium's flags */
	parse(ARGV("/usr/share/code/code", "--type=renderer", "--user-data-dir=/root/.vscode",
		   "--field-trial-handle=1718379636,i,1,2,262144"),
	      (struct proc){ "code", STATUS_FILTER, "code", "code" }, &si);
	check(&si, SANDBOX_CHROMIUM, "renderer", "chromium:renderer:4242");
	/* --type= alone is not Chromium's */
	parse(ARGV("mount", "--type=ext4", "/dev/sda1", "/mnt"),
	      (struct proc){ "mount", STATUS_NONE, "mount", "bash" }, &si);
	check(&si, SANDBOX_NONE, "", "mount:4242");
	/* the browser process has no --type: not sandboxed */
	parse(ARGV("/opt/google/chrome/chrome", "--field-trial-handle=1"),
	      (struct proc){ "chrome", STATUS_NONE, "chrome", "bash" }, &si);
	check(&si, SANDBOX_NONE, "", "chrome:4242");
	/* argv[0] is not a flag; an empty type is no type */
	parse(ARGV("--type=renderer", "--type=", "--shared-files"),
	      (struct proc){ "x", NULL, NULL, NULL }, &si);
	check(&si, SANDBOX_NONE, "", "x:4242");
}

static void test_bwrap(void **state)
{
	static const char *const argv[] = {
		"bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid",
		"--die-with-parent", "sh", "-c", "sleep 3", NULL
	};
	struct sandbox_info si;

	(void)state;
	/* launcher, then its child (pid 1 of the sandbox), as seen here */
	parse(argv, (struct proc){ "bwrap", STATUS_NONE, "bwrap", "bash" }, &si);
	check(&si, SANDBOX_BWRAP, "launcher", "bwrap:4242");
	parse(argv, (struct proc){ "bwrap", STATUS_NONE, "bwrap", "bwrap" }, &si);
	check(&si, SANDBOX_BWRAP, "launcher", "bwrap:4242");
	parse(ARGV("sh", "-c", "sleep 3"), (struct proc){ "sh", STATUS_NONE, "dash", "bwrap" },
	      &si);
	check(&si, SANDBOX_BWRAP, "app", "bwrap:sh:4242");
	assert_int_equal(si.seccomp_mode, 0);
	/* flatpak */
	parse(ARGV("bwrap", "--args", "41", "--", "gnome-calculator"),
	      (struct proc){ "bwrap", STATUS_NONE, "bwrap", "flatpak" }, &si);
	check(&si, SANDBOX_BWRAP, "launcher", "bwrap:4242");
	parse(ARGV("gnome-calculator"),
	      (struct proc){ "gnome-calculato", STATUS_FILTER, "gnome-calculator", "bwrap" }, &si);
	check(&si, SANDBOX_BWRAP, "app", "bwrap:gnome-calculato:4242");
	assert_int_equal(si.seccomp_mode, 2);
}

static void test_firejail(void **state)
{
	struct sandbox_info si;

	(void)state;
	parse(ARGV("firejail", "--noprofile", "--quiet", "--name=fj1", "sh", "-c", "sleep 3"),
	      (struct proc){ "firejail", STATUS_NONE, "firejail", "bash" }, &si);
	check(&si, SANDBOX_FIREJAIL, "launcher", "firejail:fj1");
	parse(ARGV("firejail", "--noprofile", "sh"),
	      (struct proc){ "firejail", STATUS_NONE, "firejail", "firejail" }, &si);
	check(&si, SANDBOX_FIREJAIL, "launcher", "firejail:4242");
	parse(ARGV("firefox"), (struct proc){ "firefox", STATUS("2", "3"), NULL, "firejail" },
	      &si);
	check(&si, SANDBOX_FIREJAIL, "app", "firejail:firefox:4242");
	assert_int_equal(si.seccomp_filters, 3);
}

static void test_wasm(void **state)
{
	struct sandbox_info si;

	(void)state;
	parse(ARGV("wasmtime", "run", "--dir=.", "hello.wasm"),
	      (struct proc){ "wasmtime", STATUS_NONE, "wasmtime", "bash" }, &si);
	check(&si, SANDBOX_WASM, "runtime", "wasmtime:4242");
	parse(ARGV("/root/.wasmedge/bin/wasmedge", "--dir", ".:.", "app.wasm"),
	      (struct proc){ "wasmedge", NULL, NULL, NULL }, &si);
	check(&si, SANDBOX_WASM, "runtime", "wasmedge:4242");
	parse(ARGV("wasmer", "run", "app.wasm"), (struct proc){ "wasmer", NULL, NULL, NULL }, &si);
	check(&si, SANDBOX_WASM, "runtime", "wasmer:4242");
	parse(ARGV("./iwasm", "--stack-size=65536", "app.aot"),
	      (struct proc){ "iwasm", NULL, "iwasm", NULL }, &si);
	check(&si, SANDBOX_WASM, "runtime", "iwasm:4242");
	/* zombie: no argv, comm only; a runtime run under bwrap is still the runtime */
	sandbox_parse("", 0, "wasmtime", STATUS_NONE, NULL, "bwrap", PID, &si);
	check(&si, SANDBOX_WASM, "runtime", "wasmtime:4242");
}

static void test_seccomp_and_none(void **state)
{
	struct sandbox_info si;

	(void)state;
	parse(ARGV("sshd: root [priv]"), (struct proc){ "sshd", STATUS("2", "3"), "sshd", "sshd" },
	      &si);
	check(&si, SANDBOX_SECCOMP, "", "seccomp:sshd:4242");
	assert_int_equal(si.seccomp_filters, 3);
	parse(ARGV("strict"), (struct proc){ "strict", STATUS("1", "0"), NULL, NULL }, &si);
	check(&si, SANDBOX_SECCOMP, "", "seccomp:strict:4242");
	assert_int_equal(si.seccomp_mode, 1);
	parse(ARGV("bash"), (struct proc){ "bash", STATUS_NONE, "bash", "sshd" }, &si);
	check(&si, SANDBOX_NONE, "", "bash:4242");
	assert_int_equal(si.seccomp_mode, 0);
	assert_int_equal(si.seccomp_filters, 0);
	/* a known sandbox beats plain seccomp (checked above); kernel threads */
	sandbox_parse("", 0, "kthreadd", "Name:\tkthreadd\nSeccomp:\t0\n", NULL, NULL, 2, &si);
	check(&si, SANDBOX_NONE, "", "kthreadd:2");
	assert_int_equal(si.seccomp_filters, -1);	/* before 5.9: no Seccomp_filters */
}

static void test_status_malformed(void **state)
{
	static const struct {
		const char *status;
		int mode, filters;
	} cases[] = {
		{ "", -1, -1 },
		{ "Seccomp:", -1, -1 },
		{ "Seccomp:\t", -1, -1 },
		{ "Seccomp:\tx\n", -1, -1 },
		{ "Seccomp:\t2x\n", -1, -1 },
		{ "Seccomp:\t-1\n", -1, -1 },
		{ "Seccomp:\t3\n", -1, -1 },
		{ "Seccomp:\t2", 2, -1 },			/* no final newline */
		{ "Seccomp_filters:\t4\n", -1, 4 },		/* not "Seccomp:" */
		{ "XSeccomp:\t2\nName:\tSeccomp:\t2\n", -1, -1 },	/* not at a line start */
		{ "Seccomp:\t2\nSeccomp_filters:\t99999999999999999999\n", 2, -1 },
		{ "Seccomp_filters:\t2147483647\nSeccomp:\t 0\n", 0, 2147483647 },
		{ "\n\n\nSeccomp:  2\n", 2, -1 },
	};
	struct sandbox_info si;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sandbox_parse("x", 2, "x", cases[i].status, NULL, NULL, PID, &si);
		assert_int_equal(si.seccomp_mode, cases[i].mode);
		assert_int_equal(si.seccomp_filters, cases[i].filters);
		assert_int_equal(si.kind, cases[i].mode > 0 ? SANDBOX_SECCOMP : SANDBOX_NONE);
	}
}

static void test_empty_inputs(void **state)
{
	struct sandbox_info si;

	(void)state;
	memset(&si, 0xa5, sizeof(si));
	sandbox_parse(NULL, 0, NULL, NULL, NULL, NULL, PID, &si);
	check(&si, SANDBOX_NONE, "", "pid:4242");
	assert_int_equal(si.seccomp_mode, -1);
	assert_int_equal(si.seccomp_filters, -1);
	/* NULL cmdline with a length: no argv */
	sandbox_parse(NULL, 100, "", "", "", "", PID, &si);
	check(&si, SANDBOX_NONE, "", "pid:4242");
	sandbox_parse("\0\0\0 ", 4, "a", NULL, "/", "", -1, &si);
	check(&si, SANDBOX_NONE, "", "a:-1");
	/* a truncated argv without any NUL */
	sandbox_parse("wasmtime", 4, "x", NULL, NULL, NULL, PID, &si);
	check(&si, SANDBOX_NONE, "", "x:4242");
	parse_cut(ARGV("runsc-gofer", "gofer", "--bundle"), 1,
		  (struct proc){ "exe", NULL, NULL, NULL }, &si);
	check(&si, SANDBOX_GVISOR, "gofer", "gvisor:4242");
}

static void test_long_and_unprintable(void **state)
{
	char id[LONG_LEN + 1], type[LONG_LEN + 1], flag[sizeof("--type=") + LONG_LEN];
	struct sandbox_info si;

	(void)state;
	memset(id, 'c', LONG_LEN);
	id[LONG_LEN] = '\0';
	parse(ARGV("runsc-sandbox", "boot", id), RUNSC_PROC(NULL), &si);
	assert_int_equal(strlen(si.name), SANDBOX_NAME_LEN - 1);
	assert_int_equal(strncmp(si.name, "gvisor:ccc", strlen("gvisor:ccc")), 0);
	memset(type, 't', LONG_LEN);
	type[LONG_LEN] = '\0';
	snprintf(flag, sizeof(flag), "--type=%s", type);
	parse(ARGV("chrome", flag), (struct proc){ "chrome", NULL, NULL, NULL }, &si);
	assert_int_equal(si.kind, SANDBOX_CHROMIUM);
	assert_int_equal(strlen(si.role), SANDBOX_ROLE_LEN - 1);
	/* a long mid part is cut, the pid kept */
	sandbox_parse("", 0, id, STATUS_FILTER, NULL, NULL, 2147483647, &si);
	assert_int_equal(strlen(si.name), SANDBOX_NAME_LEN - 1);
	assert_int_equal(strncmp(si.name, "seccomp:ccc", strlen("seccomp:ccc")), 0);
	assert_string_equal(si.name + strlen(si.name) - strlen(":2147483647"), ":2147483647");
	/* names reach terminals: printable ASCII only */
	parse(ARGV("chrome", "--type=rend\033[2Jerer\t\xc3\xa9"),
	      (struct proc){ "chrome", NULL, NULL, NULL }, &si);
	check(&si, SANDBOX_CHROMIUM, "rend?[2Jerer???", "chromium:rend?[2Jerer???:4242");
	sandbox_parse("", 0, "caf\xc3\xa9\n", STATUS_FILTER, NULL, NULL, PID, &si);
	check(&si, SANDBOX_SECCOMP, "", "seccomp:caf???:4242");
}

static void test_kind_names(void **state)
{
	static const char *const names[] = {
		"none", "seccomp", "gvisor", "bwrap", "firejail", "chromium", "wasm"
	};

	(void)state;
	assert_int_equal(sizeof(names) / sizeof(names[0]), SANDBOX_KIND_MAX);
	for (int k = 0; k < SANDBOX_KIND_MAX; k++)
		assert_string_equal(sandbox_kind_name((enum sandbox_kind)k), names[k]);
	assert_string_equal(sandbox_kind_name(SANDBOX_KIND_MAX), "unknown");
	assert_string_equal(sandbox_kind_name((enum sandbox_kind)-1), "unknown");
}

static void test_read_self(void **state)
{
	char suffix[32];
	struct sandbox_info si;

	(void)state;
	memset(&si, 0xa5, sizeof(si));
	assert_int_equal(sandbox_read(getpid(), &si), 0);
	assert_in_range(si.seccomp_mode, 0, 2);
	assert_true(si.seccomp_filters >= 0);
	assert_int_equal(si.kind, si.seccomp_mode ? SANDBOX_SECCOMP : SANDBOX_NONE);
	snprintf(suffix, sizeof(suffix), ":%d", (int)getpid());
	assert_true(strlen(si.name) > strlen(suffix));
	assert_string_equal(si.name + strlen(si.name) - strlen(suffix), suffix);
}

/* Fork a child that sets its comm to @comm, installs an allow-all filter if
 * @filter, and waits for its pipe to close; its pid. */
static pid_t child_new(const char *comm, bool filter, int *release)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };
	int go[2], done[2];
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[0]);
		close(done[1]);
		if (prctl(PR_SET_NAME, comm, 0, 0, 0) ||
		    (filter && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
				prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))))
			_exit(1);
		if (write(go[1], &c, 1) != 1 || read(done[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(go[1]);
	close(done[0]);
	assert_int_equal(read(go[0], &c, 1), 1);	/* ready */
	close(go[0]);
	*release = done[1];
	return pid;
}

static void child_end(pid_t pid, int release)
{
	int status;

	close(release);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_read_child(void **state)
{
	struct sandbox_info self, si;
	char want[SANDBOX_NAME_LEN];
	int release;
	pid_t pid;

	(void)state;
	assert_int_equal(sandbox_read(getpid(), &self), 0);
	pid = child_new("seccomped", true, &release);
	assert_int_equal(sandbox_read(pid, &si), 0);
	child_end(pid, release);
	snprintf(want, sizeof(want), "seccomp:seccomped:%d", (int)pid);
	check(&si, SANDBOX_SECCOMP, "", want);
	assert_int_equal(si.seccomp_mode, 2);
	assert_int_equal(si.seccomp_filters, self.seccomp_filters + 1);

	/* identified by comm, though argv is this test's */
	pid = child_new("wasmtime", false, &release);
	assert_int_equal(sandbox_read(pid, &si), 0);
	child_end(pid, release);
	snprintf(want, sizeof(want), "wasmtime:%d", (int)pid);
	check(&si, SANDBOX_WASM, "runtime", want);

	/* comm "exe", but argv, exe and parent say it is no gVisor stub */
	pid = child_new("exe", false, &release);
	assert_int_equal(sandbox_read(pid, &si), 0);
	child_end(pid, release);
	assert_int_not_equal(si.kind, SANDBOX_GVISOR);
}

static void test_read_gone(void **state)
{
	struct sandbox_info si;
	pid_t pid;

	(void)state;
	assert_int_equal(sandbox_read(PID_MAX_LIMIT, &si), -ENOENT);
	assert_int_equal(sandbox_read(0, &si), -EINVAL);
	assert_int_equal(sandbox_read(-1, &si), -EINVAL);
	/* a reaped child */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(sandbox_read(pid, &si), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gvisor_sandbox),
		cmocka_unit_test(test_gvisor_sandbox_truncated),
		cmocka_unit_test(test_gvisor_gofer),
		cmocka_unit_test(test_gvisor_stub),
		cmocka_unit_test(test_gvisor_cli),
		cmocka_unit_test(test_chromium),
		cmocka_unit_test(test_chromium_proctitle),
		cmocka_unit_test(test_chromium_electron_and_others),
		cmocka_unit_test(test_bwrap),
		cmocka_unit_test(test_firejail),
		cmocka_unit_test(test_wasm),
		cmocka_unit_test(test_seccomp_and_none),
		cmocka_unit_test(test_status_malformed),
		cmocka_unit_test(test_empty_inputs),
		cmocka_unit_test(test_long_and_unprintable),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_read_self),
		cmocka_unit_test(test_read_child),
		cmocka_unit_test(test_read_gone),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
