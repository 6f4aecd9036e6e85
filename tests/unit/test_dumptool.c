// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowdump's library: dumps made in memory with the dump writer, read
 * back, then filtered, summarised, and rendered as Chrome trace JSON, CSV
 * and trap rows; the offline cgroup resolver. The events are known, so
 * are the figures: the container's 100 getppid calls take 100 ns .. 10 us
 * in steps of 100 ns (mean 5.05 us, p99 by nearest rank 9.9 us).
 *
 * With VFLOW_DUMP_FIXTURES_OUT=DIR it only writes the dumps the CLI test
 * reads (tests/fixtures/dumps: mixed.vfd, damaged.vfd, empty.vfd).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "host/cgroup.h"
#include "record/dump.h"
#include "record/dumptool.h"
#include "core/model.h"
#include "host/model_files.h"

#define NS_PER_SEC 1000000000ULL
#define NS_PER_MS 1000000ULL
/* 2023-11-14T22:13:20Z; the first event is 1000 s later: 22:30:00Z */
#define MONO_TO_REAL (1700000000ULL * NS_PER_SEC)
#define T0 (1000ULL * NS_PER_SEC)

#define CG_DOCKER 100
#define CG_ROOT 1
#define CG_VM 300
#define PID_LOOP 1234
#define PID_VM 4000
#define TID_VCPU 4001
#define PID_SB 5000

#define NR_READ 0
#define NR_GETPID 39
#define NR_GETPPID 110
#define NR_GETPGID 121
#define VMX_HLT 12
#define VMX_VMCALL 18
#define VMX_IO 30

#define NR_EVENTS 116
#define NR_TIMED 112
#define FIRST_BLOCK 100		/* events in the first EVENTS block, the rest in a second */

static struct vflow_event events[NR_EVENTS];
static size_t nr_events;

static void add(__u32 trap, __u16 flags, __u32 pid, __u32 tid, __u64 cg, __u64 lat, __u64 code,
		__s64 ret, __u32 sub, __u32 aux, const char *comm)
{
	struct vflow_event *e = &events[nr_events];

	assert_true(nr_events < NR_EVENTS);
	memset(e, 0, sizeof(*e));
	e->kind = VFLOW_EV_TRAP;
	e->trap = trap;
	e->flags = flags;
	e->pid = pid;
	e->tid = tid;
	e->cgroup_id = cg;
	e->ts_ns = T0 + nr_events * NS_PER_MS;	/* one event a millisecond, in order */
	e->latency_ns = lat;
	e->code = code;
	e->ret = ret;
	e->sub = sub;
	e->aux_trap = aux;
	memcpy(e->comm, comm, strnlen(comm, sizeof(e->comm)));
	nr_events++;
}

static void make_events(void)
{
	const __u16 S = VFLOW_EVF_SAMPLED, SL = VFLOW_EVF_SLOW;

	nr_events = 0;
	/* 0..99: container getppid, 100 ns .. 10 us */
	for (int i = 1; i <= 100; i++)
		add(VFLOW_TRAP_SYSCALL, S, PID_LOOP, PID_LOOP, CG_DOCKER, 100ULL * i, NR_GETPPID, 0, 0, 0,
		    "sysloop");
	/* 100..104: host: read x4 (one slow), getpid untimed */
	add(VFLOW_TRAP_SYSCALL, S, 1, 1, CG_ROOT, 1000, NR_READ, 8, 0, 0, "systemd");
	add(VFLOW_TRAP_SYSCALL, S, 1, 1, CG_ROOT, 2000, NR_READ, 8, 0, 0, "systemd");
	add(VFLOW_TRAP_SYSCALL, S, 1, 1, CG_ROOT, 3000, NR_READ, 8, 0, 0, "systemd");
	add(VFLOW_TRAP_SYSCALL, SL, 1, 1, CG_ROOT, 40 * NS_PER_MS, NR_READ, 8, 0, 0, "systemd");
	add(VFLOW_TRAP_SYSCALL, S, 1, 1, CG_ROOT, 0, NR_GETPID, 1, 0, 0, "systemd");
	/* 105..111: the VM: 3 HLT, 2 port I/O, 2 hypercalls (paravirt) */
	for (int i = 0; i < 3; i++)
		add(VFLOW_TRAP_VMEXIT_VMX, SL, PID_VM, TID_VCPU, CG_VM, 500000, VMX_HLT, 0, 0, 0,
		    "CPU 0/KVM");
	for (int i = 0; i < 2; i++)
		add(VFLOW_TRAP_VMEXIT_VMX, S, PID_VM, TID_VCPU, CG_VM, 4000, VMX_IO, 0x3f8, 0,
		    VFLOW_TRAP_PIO, "CPU 0/KVM");
	for (int i = 0; i < 2; i++)
		add(VFLOW_TRAP_VMEXIT_VMX, S, PID_VM, TID_VCPU + 1, CG_VM, 3000, VMX_VMCALL, 5, 1,
		    VFLOW_TRAP_HCALL_KVM, "CPU 1/KVM");
	/* 112..115: the sandbox: 3 ERRNO (untimed), 1 user-notify round trip */
	for (int i = 0; i < 3; i++)
		add(VFLOW_TRAP_SANDBOX, S, PID_SB, PID_SB, CG_ROOT, 0, NR_GETPGID, -1, VFLOW_ACT_ERRNO, 0,
		    "a,b\"c");
	add(VFLOW_TRAP_SANDBOX, SL, PID_SB, PID_SB, CG_ROOT, 2 * NS_PER_MS, NR_GETPGID, 0,
	    VFLOW_ACT_USER_NOTIF, 0, "a,b\"c");
	assert_int_equal(nr_events, NR_EVENTS);
}

static const struct dump_entity entities[] = {
	{ .kind = DUMP_ENT_CGROUP, .id = CG_ROOT, .type = "host", .name = "/", .path = "/" },
	{ .kind = DUMP_ENT_CGROUP, .id = CG_DOCKER, .type = "docker", .name = "docker:4f3a9c2e1b7d",
	  .path = "/system.slice/docker-4f3a9c2e1b7d0123456789abcdef0123456789abcdef"
		  "0123456789abcdef0123.scope" },
	{ .kind = DUMP_ENT_PROC, .id = PID_VM, .type = "vm", .name = "web1",
	  .path = "qemu-system-x86_64 -name web1" },
	{ .kind = DUMP_ENT_PROC, .id = PID_SB, .type = "sandbox", .name = "seccomp:filt:5000",
	  .path = "./seccomp_errno" },
};

static void make_info(struct dump_info *info, char **model)
{
	struct model_config mc;
	size_t len;
	FILE *f;

	memset(info, 0, sizeof(*info));
	info->version = DUMP_FORMAT_VERSION;
	snprintf(info->host, sizeof(info->host), "testhost");
	snprintf(info->kernel, sizeof(info->kernel), "6.1.0-test #1 SMP");
	snprintf(info->boot_id, sizeof(info->boot_id), "00000000-1111-2222-3333-444444444444");
	snprintf(info->clocksource, sizeof(info->clocksource), "tsc");
	snprintf(info->vflow_version, sizeof(info->vflow_version), "0.1.0");
	snprintf(info->trigger, sizeof(info->trigger), "SIGUSR1");
	info->created_realtime_ns = MONO_TO_REAL + T0 + 200 * NS_PER_MS;
	info->mono_to_realtime_ns = MONO_TO_REAL;
	info->first_ns = T0;
	info->last_ns = T0 + (NR_EVENTS - 1) * NS_PER_MS;
	info->sample_period[VFLOW_REC_SYSCALL] = 1000;
	info->sample_period[VFLOW_REC_VM] = 100;
	info->sample_period[VFLOW_REC_SANDBOX] = 10;
	info->slow_ns[VFLOW_REC_SYSCALL] = 10 * NS_PER_MS;
	info->slow_ns[VFLOW_REC_VM] = 100000;
	info->slow_ns[VFLOW_REC_SANDBOX] = NS_PER_MS;
	info->events_received = 5000;
	info->nr_probes = 2;
	snprintf(info->probes[0], sizeof(info->probes[0]), "raw_syscalls:sys_enter tp_btf live");
	snprintf(info->probes[1], sizeof(info->probes[1]), "kvm:kvm_exit tracepoint live");
	model_config__defaults(&mc);
	*model = NULL;
	f = open_memstream(model, &len);
	assert_non_null(f);
	assert_int_equal(model_config__save(&mc, f), 0);
	assert_int_equal(fclose(f), 0);
	info->model = *model;
}

/* The whole dump in memory: two EVENTS blocks, so that one can be damaged. */
static void write_dump(char **buf, size_t *len, bool with_events)
{
	struct dump_writer *w;
	struct dump_info info;
	char *model;
	FILE *f;

	make_events();
	make_info(&info, &model);
	if (!with_events)
		info.first_ns = info.last_ns = 0;
	f = open_memstream(buf, len);
	assert_non_null(f);
	assert_int_equal(dump_writer__open(&w, f, &info), 0);
	assert_int_equal(dump_writer__entities(w, entities, sizeof(entities) / sizeof(entities[0])), 0);
	if (with_events) {
		assert_int_equal(dump_writer__events(w, events, FIRST_BLOCK), 0);
		assert_int_equal(dump_writer__events(w, events + FIRST_BLOCK, NR_EVENTS - FIRST_BLOCK), 0);
	}
	assert_int_equal(dump_writer__close(w), 0);
	assert_int_equal(fclose(f), 0);
	free(model);
}

/* Flip a byte inside the @nth gzip member (0: the header's). */
static void damage_member(char *buf, size_t len, int nth)
{
	int seen = -1;

	for (size_t i = 0; i + 3 < len; i++) {
		if ((unsigned char)buf[i] != 0x1f || (unsigned char)buf[i + 1] != 0x8b || buf[i + 2] != 8)
			continue;
		if (++seen == nth) {
			assert_true(i + 40 < len);
			buf[i + 30] ^= 0x5a;
			buf[i + 31] ^= 0xa5;
			return;
		}
	}
	fail_msg("no gzip member %d", nth);
}

static struct dump *read_back(const char *buf, size_t len)
{
	struct dump *d = NULL;
	char err[256];

	assert_int_equal(dump_read_mem(buf, len, &d, err, sizeof(err)), 0);
	assert_non_null(d);
	return d;
}

static int setup(void **state)
{
	char *buf;
	size_t len;

	write_dump(&buf, &len, true);
	*state = read_back(buf, len);
	free(buf);
	return 0;
}

static int teardown(void **state)
{
	dump__free(*state);
	return 0;
}

static size_t count(const struct dump *d, const struct dump_filter *f)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nr_ev; i++)
		n += dump_filter__match(d, f, &d->ev[i]);
	return n;
}

static size_t count_by(const struct dump *d, const char *key, const char *val)
{
	struct dump_filter f;
	char err[256];

	dump_filter__init(&f);
	assert_int_equal(dump_filter__set(&f, d, key, val, err, sizeof(err)), 0);
	return count(d, &f);
}

static void test_read_back(void **state)
{
	struct dump *d = *state;

	assert_int_equal(d->nr_ev, NR_EVENTS);
	assert_int_equal(d->nr_ents, 4);
	assert_int_equal(d->damage.nr_problems, 0);
	assert_string_equal(d->info.host, "testhost");
	assert_int_equal(count(d, NULL), NR_EVENTS);
}

static void test_filter_entity(void **state)
{
	struct dump *d = *state;

	assert_int_equal(count_by(d, "entity", "docker:4f3a9c2e1b7d"), 100);
	assert_int_equal(count_by(d, "entity", "docker"), 100);		/* type */
	assert_int_equal(count_by(d, "entity", "4f3a9c2e1b7d0123"), 100);	/* path part */
	assert_int_equal(count_by(d, "entity", "100"), 100);			/* cgroup id */
	assert_int_equal(count_by(d, "entity", "web1"), 7);
	assert_int_equal(count_by(d, "entity", "vm"), 7);
	assert_int_equal(count_by(d, "entity", "4000"), 7);			/* pid */
	assert_int_equal(count_by(d, "entity", "seccomp:filt:5000"), 4);
	/* the sandbox also lives in the root cgroup, of type host */
	assert_int_equal(count_by(d, "entity", "host"), 5 + 4);
	assert_int_equal(count_by(d, "entity", "nothing-like-it"), 0);
	/* no entity for cgroup 300: the VM's events still match by pid */
	assert_int_equal(count_by(d, "entity", "300"), 7);
}

static void test_filter_paradigm(void **state)
{
	struct dump *d = *state;
	struct dump_filter f;
	char err[256];

	assert_int_equal(count_by(d, "paradigm", "container"), 100);
	assert_int_equal(count_by(d, "paradigm", "host"), 5);
	assert_int_equal(count_by(d, "paradigm", "vm"), 7);
	assert_int_equal(count_by(d, "paradigm", "fullvirt"), 7);
	assert_int_equal(count_by(d, "paradigm", "paravirt"), 2);
	assert_int_equal(count_by(d, "paradigm", "sandbox"), 4);
	dump_filter__init(&f);
	assert_int_equal(dump_filter__set(&f, d, "paradigm", "cloud", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "container"));
	assert_int_equal(dump_event_paradigm(d, &d->ev[0]), VFLOW_PARADIGM_CONTAINER);
	assert_int_equal(dump_event_paradigm(d, &d->ev[100]), VFLOW_PARADIGM_HOST);
	assert_int_equal(dump_event_paradigm(d, &d->ev[105]), VFLOW_PARADIGM_FULLVIRT);
	assert_int_equal(dump_event_paradigm(d, &d->ev[110]), VFLOW_PARADIGM_PARAVIRT);
	assert_int_equal(dump_event_paradigm(d, &d->ev[112]), VFLOW_PARADIGM_SANDBOX);
}

static void test_filter_trap(void **state)
{
	struct dump *d = *state;
	struct dump_filter f;
	char err[256];

	assert_int_equal(count_by(d, "trap", "syscall"), 105);
	assert_int_equal(count_by(d, "trap", "vmexit"), 7);
	assert_int_equal(count_by(d, "trap", "hypercall"), 2);
	assert_int_equal(count_by(d, "trap", "io"), 2);
	assert_int_equal(count_by(d, "trap", "idle"), 3);
	assert_int_equal(count_by(d, "trap", "sandbox"), 4);
	assert_int_equal(count_by(d, "trap", "errno"), 3);
	assert_int_equal(count_by(d, "trap", "user_notif"), 1);
	assert_int_equal(count_by(d, "trap", "trap"), 0);
	assert_int_equal(count_by(d, "trap", "getppid"), 100);
	assert_int_equal(count_by(d, "trap", "GETPPID"), 100);
	assert_int_equal(count_by(d, "trap", "getpgid"), 4);
	assert_int_equal(count_by(d, "trap", "HLT"), 3);
	assert_int_equal(count_by(d, "trap", "hlt"), 3);
	assert_int_equal(count_by(d, "trap", "IO_INSTRUCTION"), 2);
	assert_int_equal(count_by(d, "trap", "pio"), 2);
	assert_int_equal(count_by(d, "trap", "hcall_kvm"), 2);
	assert_int_equal(count_by(d, "trap", "read"), 4);
	dump_filter__init(&f);
	assert_int_equal(dump_filter__set(&f, d, "trap", "frobnicate", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "frobnicate"));
	assert_true(dump_filter_trap_known("npf"));
	assert_true(dump_filter_trap_known("EPT_VIOLATION"));
	assert_true(dump_filter_trap_known("sys_999"));
	assert_false(dump_filter_trap_known(""));
}

static void test_filter_pid_time_combined(void **state)
{
	struct dump *d = *state;
	struct dump_filter f;
	char err[256];
	__u64 ts;

	assert_int_equal(count_by(d, "pid", "1234"), 100);
	assert_int_equal(count_by(d, "pid", "4001"), 5);	/* a thread */
	assert_int_equal(count_by(d, "pid", "4000"), 7);	/* its process */
	dump_filter__init(&f);
	assert_int_equal(dump_filter__set(&f, d, "pid", "x12", err, sizeof(err)), -EINVAL);
	assert_int_equal(dump_filter__set(&f, d, "pid", "0", err, sizeof(err)), -EINVAL);

	/* relative seconds, inclusive at both ends */
	assert_int_equal(count_by(d, "from", "0.1"), NR_EVENTS - 100);
	assert_int_equal(count_by(d, "to", "0.009"), 10);
	dump_filter__init(&f);
	assert_int_equal(dump_filter__set(&f, d, "from", "0.010", err, sizeof(err)), 0);
	assert_int_equal(dump_filter__set(&f, d, "to", "0.019", err, sizeof(err)), 0);
	assert_int_equal(count(d, &f), 10);
	/* combined with the other dimensions */
	assert_int_equal(dump_filter__set(&f, d, "to", "0.110", err, sizeof(err)), 0);
	assert_int_equal(dump_filter__set(&f, d, "paradigm", "container", err, sizeof(err)), 0);
	assert_int_equal(count(d, &f), 90);
	assert_int_equal(dump_filter__set(&f, d, "paradigm", "host", err, sizeof(err)), 0);
	assert_int_equal(count(d, &f), 5);
	assert_int_equal(dump_filter__set(&f, d, "trap", "read", err, sizeof(err)), 0);
	assert_int_equal(count(d, &f), 4);
	assert_int_equal(dump_filter__set(&f, d, "entity", "docker", err, sizeof(err)), 0);
	assert_int_equal(count(d, &f), 0);

	/* wall clock: UTC with Z, local (TZ=UTC here), a time of day */
	assert_int_equal(dump_parse_time(d, "2023-11-14T22:30:00.010Z", &ts), 0);
	assert_int_equal(ts, T0 + 10 * NS_PER_MS);
	assert_int_equal(dump_parse_time(d, "2023-11-14T22:30:00.5", &ts), 0);
	assert_int_equal(ts, T0 + 500 * NS_PER_MS);
	assert_int_equal(dump_parse_time(d, "22:30:00.020", &ts), 0);
	assert_int_equal(ts, T0 + 20 * NS_PER_MS);
	assert_int_equal(dump_parse_time(d, "22:30:01Z", &ts), 0);
	assert_int_equal(ts, T0 + NS_PER_SEC);
	assert_int_equal(dump_parse_time(d, "2.5", &ts), 0);
	assert_int_equal(ts, T0 + 2500 * NS_PER_MS);
	assert_int_equal(dump_parse_time(d, "yesterday", &ts), -EINVAL);
	assert_int_equal(dump_parse_time(d, "-1", &ts), -EINVAL);
	assert_int_equal(dump_parse_time(d, "22:30:00x", &ts), -EINVAL);
	assert_int_equal(dump_parse_time(d, "1970-01-01T00:00:00Z", &ts), -EINVAL);
}

/* Run @out through a python3 check; true when it exits 0. */
static bool python_ok(const char *text, const char *script)
{
	char path[] = "/tmp/vflow-test-dumptool-XXXXXX", cmd[4096];
	FILE *f;
	int fd, rc;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "python3 -c '%s' < %s", script, path);
	rc = system(cmd);
	unlink(path);
	return rc == 0;
}

static char *render(int (*fn)(const struct dump *, const struct dump_filter *, FILE *),
		    const struct dump *d, const struct dump_filter *f)
{
	char *buf = NULL;
	size_t len;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(fn(d, f, out), 0);
	assert_int_equal(fclose(out), 0);
	return buf;
}

/* The line of @text that starts with @prefix, spaces squeezed, into @line. */
static bool find_line(const char *text, const char *prefix, char *line, size_t len)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		size_t n = 0;
		bool sp = false;

		if (strncmp(p, prefix, strlen(prefix)))
			continue;
		for (const char *q = p; *q && *q != '\n' && n + 1 < len; q++) {
			if (*q == ' ') {
				sp = true;
				continue;
			}
			if (sp && n)
				line[n++] = ' ';
			sp = false;
			line[n++] = *q;
		}
		line[n] = '\0';
		return true;
	}
	return false;
}

static void test_summary(void **state)
{
	struct dump *d = *state;
	char *s = render(dumptool_summary, d, NULL), line[256];

	assert_true(find_line(s, "container", line, sizeof(line)));
	/* 100 of 116, 100 ns .. 10 us, mean 5.05 us, p99 the 99th value */
	assert_string_equal(line, "container getppid 100 86.21% 100ns 5.05us 10.00us 9.90us");
	assert_true(find_line(s, "host       read", line, sizeof(line)));
	assert_string_equal(line, "host read 4 3.45% 1.00us 10.00ms 40.00ms 40.00ms");
	assert_true(find_line(s, "host       getpid", line, sizeof(line)));
	assert_string_equal(line, "host getpid 1 0.86% - - - -");
	assert_true(find_line(s, "sandbox    getpgid errno", line, sizeof(line)));
	assert_string_equal(line, "sandbox getpgid errno 3 2.59% - - - -");
	assert_true(find_line(s, "fullvirt   HLT", line, sizeof(line)));
	assert_string_equal(line, "fullvirt HLT 3 2.59% 500.00us 500.00us 500.00us 500.00us");
	assert_true(find_line(s, "paravirt   VMCALL", line, sizeof(line)));
	assert_true(find_line(s, "total", line, sizeof(line)));
	assert_non_null(strstr(line, "total 116 100.00% 100ns"));
	assert_non_null(strstr(s, "4 events untimed"));
	assert_non_null(strstr(s, "sampled 1 in 1000 (syscall), 1 in 100 (vm), 1 in 10 (sandbox): "
				   "counts are samples, not totals"));
	free(s);

	/* JSON: the same figures, exact */
	s = render(dumptool_summary_json, d, NULL);
	assert_true(python_ok(s,
		"import json,sys\n"
		"d = json.load(sys.stdin)\n"
		"r = [x for x in d[\"rows\"] if x[\"reason\"] == \"getppid\"][0]\n"
		"assert r[\"samples\"] == 100 and r[\"min_ns\"] == 100 and r[\"max_ns\"] == 10000, r\n"
		"assert r[\"p99_ns\"] == 9900 and abs(r[\"mean_ns\"] - 5050) < 0.1, r\n"
		"assert d[\"total\"][\"samples\"] == 116 and d[\"total\"][\"timed\"] == 112\n"
		"assert d[\"counts_are_samples\"] is True\n"
		"e = [x for x in d[\"rows\"] if x[\"reason\"] == \"getpgid errno\"][0]\n"
		"assert e[\"timed\"] == 0 and e[\"p99_ns\"] is None\n"));
	free(s);
}

static void test_summary_p99_small(void **state)
{
	struct dump *d = *state;
	struct dump_filter f;
	char err[256], line[256], *s;

	/* 4 reads: nearest rank ceil(0.99 * 4) = 4th, the slow one */
	dump_filter__init(&f);
	assert_int_equal(dump_filter__set(&f, d, "trap", "read", err, sizeof(err)), 0);
	s = render(dumptool_summary, d, &f);
	assert_true(find_line(s, "total", line, sizeof(line)));
	assert_string_equal(line, "total 4 100.00% 1.00us 10.00ms 40.00ms 40.00ms");
	/* one slow event among samples: still "samples" */
	assert_non_null(strstr(s, "1 in 1000 (syscall)"));
	free(s);
}

static void test_chrome(void **state)
{
	struct dump *d = *state;
	struct dump_filter f;
	char err[256], *s = render(dumptool_chrome, d, NULL);

	assert_true(python_ok(s,
		"import json,sys\n"
		"d = json.load(sys.stdin)\n"
		"ev = d[\"traceEvents\"]\n"
		"x = [e for e in ev if e[\"ph\"] == \"X\"]\n"
		"i = [e for e in ev if e[\"ph\"] == \"i\"]\n"
		"m = [e for e in ev if e[\"ph\"] == \"M\"]\n"
		"assert len(x) == 112 and len(i) == 4, (len(x), len(i))\n"
		"assert d[\"displayTimeUnit\"] == \"ns\" and d[\"otherData\"][\"host\"] == \"testhost\"\n"
		"pn = {e[\"pid\"]: e[\"args\"][\"name\"] for e in m if e[\"name\"] == \"process_name\"}\n"
		"tn = {e[\"tid\"]: e[\"args\"][\"name\"] for e in m if e[\"name\"] == \"thread_name\"}\n"
		"assert pn[4000] == \"web1\" and pn[5000] == \"seccomp:filt:5000\", pn\n"
		"assert pn[1234] == \"docker:4f3a9c2e1b7d sysloop\", pn\n"
		"assert tn[4002] == \"CPU 1/KVM\" and tn[5000] == \"a,b\\\"c\", tn\n"
		"g = x[0]\n"
		"assert g[\"name\"] == \"getppid\" and g[\"cat\"] == \"container\", g\n"
		"assert abs(g[\"dur\"] - 0.1) < 1e-9 and abs(g[\"ts\"] + g[\"dur\"] - 1e9) < 1e-6, g\n"
		"h = [e for e in x if e[\"cat\"] == \"paravirt\"][0]\n"
		"assert h[\"args\"][\"annotation\"] == \"hcall_kvm 5\", h\n"));
	free(s);

	/* filtered: only the VM */
	dump_filter__init(&f);
	assert_int_equal(dump_filter__set(&f, d, "entity", "web1", err, sizeof(err)), 0);
	s = render(dumptool_chrome, d, &f);
	assert_true(python_ok(s,
		"import json,sys\n"
		"d = json.load(sys.stdin)\n"
		"assert len([e for e in d[\"traceEvents\"] if e[\"ph\"] == \"X\"]) == 7\n"));
	free(s);
}

static void test_chrome_escaping(void **state)
{
	struct dump *d = *state;
	struct vflow_event saved = d->ev[0];
	char *s;

	/* a comm with a control character, a backslash and a byte that is not UTF-8 */
	memcpy(d->ev[0].comm, "x\x01\\\xff\"q\x7f", 8);
	s = render(dumptool_chrome, d, NULL);
	d->ev[0] = saved;
	assert_true(python_ok(s,
		"import json,sys\n"
		"d = json.load(sys.stdin)\n"
		"t = [e for e in d[\"traceEvents\"] if e[\"name\"] == \"thread_name\" and e[\"tid\"] == 1234]\n"
		"assert t[0][\"args\"][\"name\"] == \"x\\x01\\\\\\ufffd\\\"q\\x7f\", t\n"));
	free(s);
}

static void test_csv(void **state)
{
	struct dump *d = *state;
	char *s = render(dumptool_csv, d, NULL);
	size_t lines = 0;

	for (const char *p = s; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + NR_EVENTS);
	assert_true(!strncmp(s, "time,ts_ns,latency_ns,paradigm,entity,", 38));
	/* RFC 4180: the comm a,b"c quoted, its quote doubled */
	assert_non_null(strstr(s, ",\"a,b\"\"c\","));
	assert_true(python_ok(s,
		"import csv,sys\n"
		"r = list(csv.DictReader(sys.stdin))\n"
		"assert len(r) == 116, len(r)\n"
		"assert r[-1][\"comm\"] == \"a,b\\\"c\" and r[-1][\"trap\"] == \"getpgid user_notif\", r[-1]\n"
		"assert r[0][\"time\"] == \"2023-11-14T22:30:00.000000\", r[0][\"time\"]\n"
		"assert r[108][\"annotation\"] == \"pio port 0x3f8\", r[108]\n"));
	free(s);
}

static void test_print_and_info(void **state)
{
	struct dump *d = *state;
	char *s = render(dumptool_print, d, NULL), line[256];
	size_t lines = 0;

	for (const char *p = s; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, NR_EVENTS);
	assert_true(find_line(s, "2023-11-14T22:30:00.000000", line, sizeof(line)));
	assert_string_equal(line, "2023-11-14T22:30:00.000000 docker:4f3a9c2e1b7d 1234/1234 sysloop "
			    "container getppid 100ns ret=0 sampled");
	assert_true(find_line(s, "2023-11-14T22:30:00.110000", line, sizeof(line)));
	assert_string_equal(line, "2023-11-14T22:30:00.110000 web1 4000/4002 CPU 1/KVM paravirt VMCALL "
			    "3.00us vcpu=1 hcall_kvm 5 sampled");
	free(s);

	s = render(dumptool_info, d, NULL);
	assert_non_null(strstr(s, "host            testhost\n"));
	assert_non_null(strstr(s, "trigger         SIGUSR1\n"));
	assert_non_null(strstr(s, "entities        4\n"));
	assert_non_null(strstr(s, "events          116 from 2023-11-14T22:30:00.000000"));
	assert_non_null(strstr(s, "  raw_syscalls:sys_enter tp_btf live\n"));
	assert_non_null(strstr(s, "problems        0\n"));
	assert_non_null(strstr(s, "model           constants included\n"));
	free(s);
}

static const struct trap_row *row(const struct snapshot *s, __u32 kind, __u64 owner, __u32 sub,
				  __u64 code)
{
	struct trap_row key = { .kind = kind, .owner = owner, .sub = sub, .code = code };

	return snapshot__find(s, &key);
}

static void test_snapshot(void **state)
{
	struct dump *d = *state;
	struct snapshot *s = dumptool_snapshot(d, NULL, false);
	const struct trap_row *r;

	assert_non_null(s);
	assert_int_equal(s->ts_ns, T0 + (NR_EVENTS - 1) * NS_PER_MS);
	assert_int_equal(s->events, NR_EVENTS);
	r = row(s, VFLOW_TRAP_SYSCALL, CG_DOCKER, 0, NR_GETPPID);
	assert_non_null(r);
	assert_int_equal(r->count, 100);
	assert_int_equal(r->total_ns, 505000);
	assert_int_equal(hist_count(r->hist), 100);
	r = row(s, VFLOW_TRAP_SYSCALL, CG_ROOT, 0, NR_GETPID);
	assert_non_null(r);
	assert_int_equal(r->count, 0);
	assert_int_equal(r->skipped, 1);
	r = row(s, VFLOW_TRAP_VMEXIT_VMX, PID_VM, 0, VMX_IO);
	assert_non_null(r);
	assert_int_equal(r->count, 2);
	/* what the exit carried: its own row, with the exit's latency */
	r = row(s, VFLOW_TRAP_PIO, PID_VM, 0, 0x3f8);
	assert_non_null(r);
	assert_int_equal(r->count, 2);
	assert_int_equal(r->total_ns, 8000);
	r = row(s, VFLOW_TRAP_HCALL_KVM, PID_VM, 1, 5);
	assert_non_null(r);
	assert_int_equal(r->count, 2);
	r = row(s, VFLOW_TRAP_SANDBOX, PID_SB, VFLOW_ACT_ERRNO, NR_GETPGID);
	assert_non_null(r);
	assert_int_equal(r->count, 3);
	assert_int_equal(r->total_ns, 0);
	r = row(s, VFLOW_TRAP_SANDBOX, PID_SB, VFLOW_ACT_USER_NOTIF, NR_GETPGID);
	assert_non_null(r);
	assert_int_equal(r->count, 1);
	assert_int_equal(r->total_ns, 2 * NS_PER_MS);
	snapshot__free(s);

	/* weighted: a plain sample stands for its period, a slow event for itself */
	s = dumptool_snapshot(d, NULL, true);
	assert_non_null(s);
	r = row(s, VFLOW_TRAP_SYSCALL, CG_DOCKER, 0, NR_GETPPID);
	assert_int_equal(r->count, 100 * 1000);
	assert_int_equal(r->total_ns, 505000ULL * 1000);
	assert_int_equal(hist_count(r->hist), 100 * 1000);
	r = row(s, VFLOW_TRAP_SYSCALL, CG_ROOT, 0, NR_READ);
	assert_int_equal(r->count, 3 * 1000 + 1);
	r = row(s, VFLOW_TRAP_VMEXIT_VMX, PID_VM, 0, VMX_HLT);
	assert_int_equal(r->count, 3);
	r = row(s, VFLOW_TRAP_VMEXIT_VMX, PID_VM, 0, VMX_IO);
	assert_int_equal(r->count, 2 * 100);
	r = row(s, VFLOW_TRAP_SANDBOX, PID_SB, VFLOW_ACT_ERRNO, NR_GETPGID);
	assert_int_equal(r->count, 3 * 10);
	snapshot__free(s);
}

static void test_snapshot_many(void **state)
{
	struct dump *d = *state;
	struct vflow_event *saved = d->ev;
	size_t saved_n = d->nr_ev, n = 5000;
	struct snapshot *s;
	const struct trap_row *r;

	/* more distinct keys than the first buffer holds: it grows and folds */
	d->ev = calloc(n, sizeof(*d->ev));
	assert_non_null(d->ev);
	for (size_t i = 0; i < n; i++) {
		d->ev[i] = saved[0];
		d->ev[i].code = i % 700;
		d->ev[i].cgroup_id = 1 + i % 3;
		d->ev[i].ts_ns = T0 + i;
	}
	d->nr_ev = n;
	s = dumptool_snapshot(d, NULL, false);
	assert_non_null(s);
	assert_int_equal(s->nr_rows, 2100);
	r = row(s, VFLOW_TRAP_SYSCALL, 1, 0, 0);
	assert_non_null(r);
	assert_int_equal(r->count, (n + 2099) / 2100);
	snapshot__free(s);
	free(d->ev);
	d->ev = saved;
	d->nr_ev = saved_n;
}

static void test_model(void **state)
{
	struct dump *d = *state;
	char *buf = NULL;
	size_t len;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(dumptool_model(d, NULL, false, out), 0);
	assert_int_equal(fclose(out), 0);
	assert_non_null(strstr(buf, "estimated from 116 recorded events"));
	assert_non_null(strstr(buf, "docker:4f3a9c2e1b7d"));
	assert_non_null(strstr(buf, "web1"));
	assert_non_null(strstr(buf, "seccomp:filt:5000"));
	free(buf);

	out = open_memstream(&buf, &len);
	assert_non_null(out);
	assert_int_equal(dumptool_model(d, NULL, true, out), 0);
	assert_int_equal(fclose(out), 0);
	assert_true(python_ok(buf,
		"import json,sys\n"
		"d = json.load(sys.stdin)\n"
		"assert d[\"estimated_from_samples\"] is True\n"
		"r = d[\"report\"]\n"
		"assert [v[\"name\"] for v in r[\"vms\"]] == [\"web1\"], r[\"vms\"]\n"
		"e = {x[\"name\"]: x for x in r[\"entities\"]}\n"
		"assert e[\"docker:4f3a9c2e1b7d\"][\"paradigm\"] == \"container\", e.keys()\n"
		"assert e[\"docker:4f3a9c2e1b7d\"][\"count\"] == 100000\n"));
	free(buf);
}

static void test_cgroup_offline(void **state)
{
	struct cgroup_resolver r;
	char path[32];

	(void)state;
	assert_int_equal(cgroup_resolver__init_offline(&r), 0);
	assert_null(cgroup_resolver__path(&r, 5));
	assert_int_equal(cgroup_resolver__set(&r, 5, "/a/b"), 0);
	assert_string_equal(cgroup_resolver__path(&r, 5), "/a/b");
	assert_int_equal(cgroup_resolver__set(&r, 5, "/a/c"), 0);	/* replaced */
	assert_string_equal(cgroup_resolver__path(&r, 5), "/a/c");
	assert_int_equal(cgroup_resolver__set(&r, 0, "/x"), -EINVAL);
	/* ids of this host's own cgroups are not looked up: 1 is the root here */
	assert_null(cgroup_resolver__path(&r, 1));
	/* invalidate forgets resolved paths; offline ones were given, they stay */
	cgroup_resolver__invalidate(&r);
	assert_string_equal(cgroup_resolver__path(&r, 5), "/a/c");
	/* past the first table size: it grows and keeps every entry */
	for (__u64 id = 100; id < 1100; id++) {
		snprintf(path, sizeof(path), "/c%llu", (unsigned long long)id);
		assert_int_equal(cgroup_resolver__set(&r, id, path), 0);
	}
	for (__u64 id = 100; id < 1100; id++) {
		snprintf(path, sizeof(path), "/c%llu", (unsigned long long)id);
		assert_string_equal(cgroup_resolver__path(&r, id), path);
	}
	assert_string_equal(cgroup_resolver__path(&r, 5), "/a/c");
	assert_null(cgroup_resolver__path(&r, 99));
	cgroup_resolver__free(&r);
}

static void test_damaged_and_empty(void **state)
{
	struct dump *d;
	char *buf;
	size_t len;

	(void)state;
	/* members: HEADER, ENTITIES, EVENTS (100), EVENTS (16), END */
	write_dump(&buf, &len, true);
	damage_member(buf, len, 3);
	d = read_back(buf, len);
	assert_true(d->damage.blocks_bad >= 1);
	assert_true(d->damage.nr_problems >= 1);
	assert_int_equal(d->nr_ev, FIRST_BLOCK);
	assert_int_equal(count_by(d, "trap", "getppid"), 100);
	dump__free(d);
	free(buf);

	write_dump(&buf, &len, false);
	d = read_back(buf, len);
	assert_int_equal(d->nr_ev, 0);
	assert_int_equal(d->damage.nr_problems, 0);
	dump__free(d);
	free(buf);
}

static void write_file(const char *dir, const char *name, const char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/*
 * The CLI test's fixtures (tests/fixtures/dumps), written only when asked
 * for with VFLOW_DUMP_FIXTURES_OUT=DIR: a generator, not a test.
 */
static void write_fixtures(void **state)
{
	const char *dir = getenv("VFLOW_DUMP_FIXTURES_OUT");
	char *buf;
	size_t len;

	(void)state;
	write_dump(&buf, &len, true);
	write_file(dir, "mixed.vfd", buf, len);
	damage_member(buf, len, 3);
	write_file(dir, "damaged.vfd", buf, len);
	free(buf);
	write_dump(&buf, &len, false);
	write_file(dir, "empty.vfd", buf, len);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_filter_entity),
		cmocka_unit_test(test_filter_paradigm),
		cmocka_unit_test(test_filter_trap),
		cmocka_unit_test(test_filter_pid_time_combined),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_summary_p99_small),
		cmocka_unit_test(test_chrome),
		cmocka_unit_test(test_chrome_escaping),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_print_and_info),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_snapshot_many),
		cmocka_unit_test(test_model),
		/* these two make their own dumps: the group's is unused */
		cmocka_unit_test(test_cgroup_offline),
		cmocka_unit_test(test_damaged_and_empty),
	};
	const struct CMUnitTest generator[] = {
		cmocka_unit_test(write_fixtures),
	};
	const char *out = getenv("VFLOW_DUMP_FIXTURES_OUT");

	/* wall-clock renderings and local times in the tests are UTC */
	setenv("TZ", "UTC", 1);
	tzset();
	cmocka_set_message_output(CM_OUTPUT_TAP);
	if (out && *out)
		return cmocka_run_group_tests(generator, NULL, NULL);
	/* one group: one TAP plan, which tests/run.sh holds the results to */
	return cmocka_run_group_tests(tests, setup, teardown);
}
