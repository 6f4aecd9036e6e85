// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A dump's events as a Chrome trace (vflowdump chrome): one track per
 * thread, named after its process or entity, a complete event per timed
 * trap and an instant per untimed one, for chrome://tracing and Perfetto.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "core/trap.h"
#include "record/dumptool.h"
#include "record/dumptool_internal.h"
#include "report/report.h"

struct pid_tid {
	__u32 pid, tid;
	size_t ev;		/* the first matching event of the thread */
};

static int pid_tid_cmp(const void *a, const void *b)
{
	const struct pid_tid *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->ev < y->ev ? -1 : x->ev > y->ev;
}

static void chrome_meta(FILE *out, const struct dump *d, const struct pid_tid *pt, size_t n,
			bool *first)
{
	char ebuf[NAME_LEN], comm[sizeof(d->ev->comm) + 1], name[NAME_LEN + 32];

	for (size_t i = 0; i < n; i++) {
		const struct vflow_event *ev = &d->ev[pt[i].ev];

		dump_event_comm(ev, comm);
		if (!i || pt[i].pid != pt[i - 1].pid) {
			const struct dump_entity *en = dump__entity(d, DUMP_ENT_PROC, pt[i].pid);

			/* a VM or sandbox has its own name; a process goes by its entity and comm */
			if (en && en->name[0])
				snprintf(name, sizeof(name), "%s", en->name);
			else
				snprintf(name, sizeof(name), "%s %s",
					 dump_event_entity(d, ev, ebuf, sizeof(ebuf)), comm);
			fprintf(out, "%s\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":%u,"
				"\"args\":{\"name\":", *first ? "" : ",", pt[i].pid, pt[i].pid);
			dumptool_json_str(out, name);
			fputs("}}", out);
			*first = false;
		}
		if (i && pt[i].pid == pt[i - 1].pid && pt[i].tid == pt[i - 1].tid)
			continue;
		fprintf(out, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":%u,"
			"\"args\":{\"name\":", pt[i].pid, pt[i].tid);
		dumptool_json_str(out, comm);
		fputs("}}", out);
	}
}

/* µs with ns precision, exactly (a double would round large monotonic times) */
static void chrome_us(FILE *out, const char *key, __u64 ns)
{
	fprintf(out, ",\"%s\":%llu.%03llu", key, (unsigned long long)(ns / NS_PER_US),
		(unsigned long long)(ns % NS_PER_US));
}

int dumptool_chrome(const struct dump *d, const struct dump_filter *f, FILE *out)
{
	char ebuf[NAME_LEN], tbuf[NAME_LEN], abuf[NAME_LEN];
	struct pid_tid *pt;
	size_t n = 0, k;
	bool first = true;

	pt = malloc((d->nr_ev ? d->nr_ev : 1) * sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	for (size_t i = 0; i < d->nr_ev; i++)
		if (dump_filter__match(d, f, &d->ev[i]))
			pt[n++] = (struct pid_tid){ .pid = d->ev[i].pid, .tid = d->ev[i].tid, .ev = i };
	qsort(pt, n, sizeof(*pt), pid_tid_cmp);
	/* one entry per thread, the first event of each */
	for (size_t i = k = 0; i < n; i++)
		if (!k || pt[i].pid != pt[k - 1].pid || pt[i].tid != pt[k - 1].tid)
			pt[k++] = pt[i];
	fputs("{\"traceEvents\":[", out);
	chrome_meta(out, d, pt, k, &first);
	free(pt);
	for (size_t i = 0; i < d->nr_ev; i++) {
		const struct vflow_event *ev = &d->ev[i];
		__u64 start;

		if (!dump_filter__match(d, f, ev))
			continue;
		fprintf(out, "%s\n{\"name\":", first ? "" : ",");
		first = false;
		dumptool_json_str(out, dump_event_trap_name(ev, tbuf, sizeof(tbuf)));
		fprintf(out, ",\"cat\":\"%s\"", paradigm_name(dump_event_paradigm(d, ev)));
		/* ts_ns is the end of the trap: a timed one started latency_ns before */
		start = ev->latency_ns <= ev->ts_ns ? ev->ts_ns - ev->latency_ns : 0;
		if (ev->latency_ns) {
			fputs(",\"ph\":\"X\"", out);
			chrome_us(out, "ts", start);
			chrome_us(out, "dur", ev->latency_ns);
		} else {
			fputs(",\"ph\":\"i\",\"s\":\"t\"", out);
			chrome_us(out, "ts", ev->ts_ns);
		}
		fprintf(out, ",\"pid\":%u,\"tid\":%u,\"args\":{\"entity\":", ev->pid, ev->tid);
		dumptool_json_str(out, dump_event_entity(d, ev, ebuf, sizeof(ebuf)));
		fprintf(out, ",\"code\":%llu,\"ret\":%lld,\"flags\":\"%s\"", (unsigned long long)ev->code,
			(long long)ev->ret, dump_event_flags_name(ev->flags));
		if (is_kvm_kind(ev->trap)) {
			fprintf(out, ",\"vcpu\":%u", ev->sub);
			if (dump_event_annotation(ev, abuf, sizeof(abuf))[0]) {
				fputs(",\"annotation\":", out);
				dumptool_json_str(out, abuf);
			}
		}
		fputs("}}", out);
	}
	fputs("\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"host\":", out);
	dumptool_json_str(out, d->info.host);
	fputs(",\"kernel\":", out);
	dumptool_json_str(out, d->info.kernel);
	fputs(",\"trigger\":", out);
	dumptool_json_str(out, d->info.trigger);
	fputs(",\"vflow_version\":", out);
	dumptool_json_str(out, d->info.vflow_version);
	fputs(",\"boot_id\":", out);
	dumptool_json_str(out, d->info.boot_id);
	fprintf(out, ",\"mono_to_realtime_ns\":%llu,\"clock\":\"CLOCK_MONOTONIC\"}}\n",
		(unsigned long long)d->info.mono_to_realtime_ns);
	return 0;
}
