// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The trace.dat reader's decoding, record by record: libtraceevent parses
 * the kernel's own format files (tests/fixtures/tracedat: this machine's
 * 6.18 kvm and sched formats, and kvm_exit as 4.19 and 2.6.32 defined it),
 * records are laid out by the offsets those formats give, and
 * tracedat_record() must read the same fields vflow's BPF side reads: the
 * reason and its isa, the vCPU where the kernel has it, the user-space
 * exit's errno, the port of a PIO. tests/integration/tracedat_import.sh
 * reads whole trace.dat files recorded with trace-cmd.
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
#include <event-parse.h>
#include <linux/kvm.h>
#include "source/tracedat_import.h"
#include "source/import_pair.h"
#include "core/kvm_reason_history.h"

#define FORMAT_MAX	65536
#define RECORD_MAX	256
#define LONG_SIZE	8	/* the formats are x86-64's */
#define TID		4242
#define REC_CPU		3
#define REC_TS		5142100000000ULL
#define EINTR_ERRNO	(-EINTR)

struct fields {
	const char *name;
	unsigned long long value;
};

static struct tep_event *format_load(struct tep_handle *tep, const char *file, const char *sys)
{
	const char *dir = getenv("VFLOW_FIXTURES");
	char path[PATH_MAX], *buf = malloc(FORMAT_MAX);
	struct tep_event *event = NULL;
	size_t n;
	FILE *f;

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/tracedat/%s", dir ? dir : "tests/fixtures", file);
	f = fopen(path, "r");
	if (!f) {
		free(buf);
		fail_msg("%s: %s (run from the source tree or set VFLOW_FIXTURES)", path, strerror(errno));
	}
	n = fread(buf, 1, FORMAT_MAX, f);
	fclose(f);
	if (tep_parse_format(tep, &event, buf, n, sys) != TEP_ERRNO__SUCCESS && !event) {
		free(buf);
		fail_msg("%s: libtraceevent cannot parse it", path);
	}
	free(buf);
	return event;
}

/* A record of @event: its type and pid, and each field at its format's offset. */
static void record_fill(struct tep_event *event, struct tep_record *rec, unsigned char *data,
			const struct fields *f, size_t n)
{
	struct tep_format_field *type = tep_find_common_field(event, "common_type");
	struct tep_format_field *pid = tep_find_common_field(event, "common_pid");
	unsigned short id = (unsigned short)event->id;
	int tid = TID;

	memset(data, 0, RECORD_MAX);
	assert_non_null(type);
	assert_non_null(pid);
	memcpy(data + type->offset, &id, sizeof(id));
	memcpy(data + pid->offset, &tid, sizeof(tid));
	for (size_t i = 0; i < n; i++) {
		struct tep_format_field *fl = tep_find_field(event, f[i].name);

		if (!fl)
			fail_msg("%s has no field %s", event->name, f[i].name);
		assert_true(fl->offset + fl->size <= RECORD_MAX);
		/* little-endian, as the formats' machine and this one */
		memcpy(data + fl->offset, &f[i].value, (size_t)fl->size);
	}
	memset(rec, 0, sizeof(*rec));
	rec->data = data;
	rec->size = RECORD_MAX;
	rec->cpu = REC_CPU;
	rec->ts = REC_TS;
}

struct decoded {
	int ret;
	struct import_record rec;
	enum import_skip why;
};

static struct decoded decode(const char *file, const char *sys, const struct fields *f, size_t n)
{
	struct tep_handle *tep = tep_alloc();
	unsigned char data[RECORD_MAX];
	struct tep_record record;
	struct tep_event *event;
	struct decoded d = {};

	assert_non_null(tep);
	tep_set_loglevel(TEP_LOG_NONE);
	tep_set_long_size(tep, LONG_SIZE);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_register_comm(tep, "CPU 0/KVM", TID);
	event = format_load(tep, file, sys);
	record_fill(event, &record, data, f, n);
	d.ret = tracedat_record(tep, event, &record, &d.rec, &d.why);
	/* what the record points into is the tep's: keep the comm only as a verdict */
	if (d.rec.comm)
		assert_string_equal(d.rec.comm, "CPU 0/KVM");
	d.rec.comm = NULL;
	tep_free(tep);
	return d;
}

#define DECODE(file, sys, ...) ({							\
	const struct fields f_[] = { __VA_ARGS__ };					\
	decode(file, sys, f_, sizeof(f_) / sizeof(f_[0]));				\
})

static void expect_exit(const struct decoded *d, __u32 kind, __u64 code, bool has_vcpu, __u32 vcpu)
{
	assert_int_equal(d->ret, 1);
	assert_int_equal(d->rec.what, IMPORT_EXIT);
	assert_int_equal(d->rec.kind, kind);
	assert_int_equal(d->rec.code, code);
	assert_int_equal(d->rec.has_vcpu, has_vcpu);
	if (has_vcpu)
		assert_int_equal(d->rec.vcpu, vcpu);
	assert_false(d->rec.unknown_reason);
	/* the record's own thread, CPU and time */
	assert_true(d->rec.has_tid);
	assert_int_equal(d->rec.tid, TID);
	assert_true(d->rec.has_cpu);
	assert_int_equal(d->rec.cpu, REC_CPU);
	assert_int_equal(d->rec.ts_ns, REC_TS);
	assert_false(d->rec.has_tgid);
}

static void test_exit_today(void **state)
{
	struct decoded d;

	(void)state;
	d = DECODE("kvm_exit-6.18.format", "kvm", { "exit_reason", 48 }, { "isa", 1 }, { "vcpu_id", 3 });
	expect_exit(&d, VFLOW_TRAP_VMEXIT_VMX, 48, true, 3);
	d = DECODE("kvm_exit-6.18.format", "kvm", { "exit_reason", 0x400 }, { "isa", 2 }, { "vcpu_id", 1 });
	expect_exit(&d, VFLOW_TRAP_VMEXIT_SVM, 0x400, true, 1);
	/* the whole exit_reason, as the BPF side keeps it: a failed entry's bit 31 too */
	d = DECODE("kvm_exit-6.18.format", "kvm", { "exit_reason", 0x80000021 }, { "isa", 1 });
	expect_exit(&d, VFLOW_TRAP_VMEXIT_VMX, 0x80000021, true, 0);
}

static void test_exit_older_kernels(void **state)
{
	struct decoded d;

	(void)state;
	/* 4.19: isa, no vcpu_id (5.14) */
	d = DECODE("kvm_exit-4.19.format", "kvm", { "exit_reason", 7 }, { "isa", 1 });
	expect_exit(&d, VFLOW_TRAP_VMEXIT_VMX, 7, false, 0);
	/* 2.6.32: neither isa nor vcpu: the capture's isa, or none */
	d = DECODE("kvm_exit-2.6.32.format", "kvm", { "exit_reason", 44 });
	expect_exit(&d, VFLOW_TRAP_VMEXIT_UNKNOWN, 44, false, 0);
}

static void test_entry_and_annotations(void **state)
{
	struct decoded d;

	(void)state;
	d = DECODE("kvm_entry-6.18.format", "kvm", { "vcpu_id", 2 });
	assert_int_equal(d.ret, 1);
	assert_int_equal(d.rec.what, IMPORT_ENTRY);
	assert_true(d.rec.has_vcpu);
	assert_int_equal(d.rec.vcpu, 2);
	d = DECODE("kvm_pio-6.18.format", "kvm", { "port", 0x3f8 }, { "rw", 1 }, { "size", 1 });
	assert_int_equal(d.ret, 1);
	assert_int_equal(d.rec.what, IMPORT_ANNOTATE);
	assert_int_equal(d.rec.kind, VFLOW_TRAP_PIO);
	assert_int_equal(d.rec.code, 0x3f8);
}

static void test_userspace_exit(void **state)
{
	struct decoded d;

	(void)state;
	d = DECODE("kvm_userspace_exit-6.18.format", "kvm", { "reason", KVM_EXIT_IO }, { "errno", 0 });
	assert_int_equal(d.ret, 1);
	assert_int_equal(d.rec.what, IMPORT_USERSPACE_EXIT);
	assert_int_equal(d.rec.code, KVM_EXIT_IO);
	/* -EINTR: the kernel prints "restart"; x86 has set KVM_EXIT_INTR */
	d = DECODE("kvm_userspace_exit-6.18.format", "kvm", { "reason", 0 },
		   { "errno", (unsigned int)EINTR_ERRNO });
	assert_int_equal(d.rec.what, IMPORT_USERSPACE_EXIT);
	assert_int_equal(d.rec.code, KVM_EXIT_INTR);
	/* another errno: KVM_RUN failed, nothing to time */
	d = DECODE("kvm_userspace_exit-6.18.format", "kvm", { "reason", 0 },
		   { "errno", (unsigned int)-EFAULT });
	assert_int_equal(d.ret, 1);
	assert_int_equal(d.rec.what, IMPORT_OTHER);
}

static void test_other_events(void **state)
{
	struct decoded d;

	(void)state;
	d = DECODE("sched_process_exec-6.18.format", "sched", { "pid", TID });
	assert_int_equal(d.ret, 0);
	assert_int_equal(d.why, IMPORT_SKIP_OTHER_EVENT);
	/* a kvm event of another system name is not KVM's */
	d = DECODE("kvm_exit-6.18.format", "kvm_other", { "exit_reason", 48 }, { "isa", 1 });
	assert_int_equal(d.ret, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_today),
		cmocka_unit_test(test_exit_older_kernels),
		cmocka_unit_test(test_entry_and_annotations),
		cmocka_unit_test(test_userspace_exit),
		cmocka_unit_test(test_other_events),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
