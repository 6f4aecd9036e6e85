// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * trace.dat -> struct import_record, through libtracecmd (the file: its
 * versions, compression, per-CPU buffers merged in time order) and
 * libtraceevent (each record's fields by the format the file carries).
 * Plugins are not loaded: vflow reads fields, not the plugins' text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <trace-cmd.h>
#include <linux/kvm.h>
#include "source/tracedat_import.h"
#include "source/import_pair.h"
#include "core/kvm_reasons.h"
#include "core/kvm_reason_history.h"

#define KVM_SYSTEM	"kvm"
/* ftrace's name for a pid it saved no comm for */
#define COMM_UNKNOWN	"<...>"

struct tracedat_ctx {
	struct import_pair *pair;
	struct import_stats *st;
	int err;		/* the first error that stopped the iteration */
};

/* The top buffer and every instance (trace-cmd record -B): each a handle. */
#define TRACEDAT_HANDLES_MAX	64

static bool field(struct tep_event *event, struct tep_record *record, const char *name,
		  unsigned long long *v)
{
	return tep_get_field_val(NULL, event, name, record, v, 0) == 0;
}

/* kvm_exit: exit_reason with isa (2.6.35+; VMX before SVM had a field), vcpu_id (5.14+). */
static void exit_record(struct tep_event *event, struct tep_record *record,
			struct import_record *rec)
{
	unsigned long long reason, isa, vcpu;

	rec->what = IMPORT_EXIT;
	if (field(event, record, "vcpu_id", &vcpu) && vcpu <= UINT32_MAX) {
		rec->has_vcpu = true;
		rec->vcpu = (__u32)vcpu;
	}
	if (!field(event, record, "exit_reason", &reason) || reason > UINT32_MAX) {
		rec->kind = VFLOW_TRAP_VMEXIT_UNKNOWN;
		rec->code = KVM_EXIT_REASON_NONE;
		rec->unknown_reason = true;
		return;
	}
	/* without isa (2.6.3x) the capture's other exits cannot tell either: unknown */
	if (!field(event, record, "isa", &isa))
		isa = 0;
	rec->kind = isa == KVM_ISA_VMX ? VFLOW_TRAP_VMEXIT_VMX :
		    isa == KVM_ISA_SVM ? VFLOW_TRAP_VMEXIT_SVM : VFLOW_TRAP_VMEXIT_UNKNOWN;
	rec->code = reason;
}

/* kvm_userspace_exit: reason, and errno < 0 when KVM_RUN failed (-EINTR: a signal). */
static void userspace_exit_record(struct tep_event *event, struct tep_record *record,
				  struct import_record *rec)
{
	unsigned long long reason = 0, err = 0;
	int errnum;

	field(event, record, "errno", &err);
	errnum = (int)err;
	if (!field(event, record, "reason", &reason) || (errnum < 0 && errnum != -EINTR)) {
		rec->what = IMPORT_OTHER;
		return;
	}
	rec->what = IMPORT_USERSPACE_EXIT;
	rec->code = errnum == -EINTR ? KVM_EXIT_INTR : reason;
}

int tracedat_record(struct tep_handle *tep, struct tep_event *event, struct tep_record *record,
		    struct import_record *rec, enum import_skip *why)
{
	const struct import_event_type *t = NULL;
	unsigned long long v;
	const char *comm;
	int pid;

	memset(rec, 0, sizeof(*rec));
	*why = IMPORT_SKIP_OTHER_EVENT;
	if (event->system && !strcmp(event->system, KVM_SYSTEM) && event->name)
		t = import_event_type(event->name, strlen(event->name));
	if (!t)
		return 0;
	switch (t->what) {
	case IMPORT_EXIT:
		exit_record(event, record, rec);
		break;
	case IMPORT_ENTRY:
		rec->what = IMPORT_ENTRY;
		rec->has_vcpu = field(event, record, "vcpu_id", &v) && v <= UINT32_MAX;
		rec->vcpu = rec->has_vcpu ? (__u32)v : 0;
		break;
	case IMPORT_USERSPACE_EXIT:
		userspace_exit_record(event, record, rec);
		break;
	default:
		if (!field(event, record, t->field, &v)) {
			*why = IMPORT_SKIP_BAD_FIELDS;
			return 0;
		}
		rec->what = IMPORT_ANNOTATE;
		rec->kind = t->kind;
		rec->code = v;
	}
	rec->ts_ns = record->ts;
	rec->has_cpu = record->cpu >= 0;
	rec->cpu = (__u32)record->cpu;
	pid = tep_data_pid(tep, record);
	rec->has_tid = pid >= 0;
	rec->tid = (__u32)pid;
	comm = tep_data_comm_from_pid(tep, pid);
	rec->comm = comm && strcmp(comm, COMM_UNKNOWN) ? comm : NULL;
	return 1;
}

static int on_record(struct tracecmd_input *handle, struct tep_record *record, int cpu, void *data)
{
	struct tracedat_ctx *c = data;
	struct tep_handle *tep = tracecmd_get_tep(handle);
	struct tep_event *event = tep_find_event_by_record(tep, record);
	struct import_record rec;
	enum import_skip why;

	(void)cpu;
	c->st->lines++;
	/* the ring buffer dropped events before this one; negative: it did not count them */
	if (record->missed_events > 0)
		c->st->lost_events += (unsigned long)record->missed_events;
	if (!event) {
		/* a record whose format the file does not carry */
		if (!c->st->first_unparsed)
			c->st->first_unparsed = c->st->lines;
		import_stats__skip(c->st, IMPORT_SKIP_UNPARSED, NULL, 0);
		return 0;
	}
	if (!tracedat_record(tep, event, record, &rec, &why)) {
		import_stats__skip(c->st, why, event->name, strlen(event->name));
		return 0;
	}
	c->err = import_pair__add(c->pair, &rec);
	return c->err ? -1 : 0;
}

/* The file's buffers, the top one first; how many, at most TRACEDAT_HANDLES_MAX. */
static int buffers_open(struct tracecmd_input *top, struct tracecmd_input **h)
{
	int n = tracecmd_buffer_instances(top), nr = 1;

	h[0] = top;
	for (int i = 0; i < n && nr < TRACEDAT_HANDLES_MAX; i++) {
		h[nr] = tracecmd_buffer_instance_handle(top, i);
		if (h[nr])
			nr++;
	}
	return nr;
}

int tracedat_import(const char *path, struct snapshot **out, struct import_stats *st,
		    import_event_fn fn, void *ctx, char *err, size_t err_len)
{
	struct import_stats local = {};
	struct tracedat_ctx c = { .st = st ? st : &local };
	struct tracecmd_input *h[TRACEDAT_HANDLES_MAX];
	int ret, nr;

	*out = NULL;
	c.pair = import_pair__new(c.st, fn, ctx);
	if (!c.pair) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	c.st->format = "trace.dat";
	tracecmd_set_loglevel(TEP_LOG_NONE);
	h[0] = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	if (!h[0]) {
		ret = errno ? -errno : -EINVAL;
		snprintf(err, err_len, "libtracecmd cannot read '%s' as a trace.dat: check it with "
			 "`trace-cmd report -i %s`", path, path);
		goto out;
	}
	nr = buffers_open(h[0], h);
	/* all buffers merged in time order, as trace-cmd report shows them */
	ret = tracecmd_iterate_events_multi(h, nr, on_record, &c);
	if (c.err) {
		ret = c.err;
		snprintf(err, err_len, "%s", strerror(-ret));
	} else if (ret) {
		ret = -EIO;
		snprintf(err, err_len, "libtracecmd stopped reading '%s' after %lu records: the file "
			 "is damaged or cut short", path, c.st->lines);
	}
	for (int i = nr - 1; i >= 0; i--)
		tracecmd_close(h[i]);
	if (!ret)
		ret = import_pair__finish(c.pair, out);
out:
	import_pair__free(c.pair);
	if (!st)
		import_stats__free(&local);
	return ret;
}
