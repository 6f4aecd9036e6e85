// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The dump as text, one line per event (vflowdump print), as CSV, and its
 * own description (vflowdump info). Every renderer walks the events in
 * file order (the writer writes them by ts_ns) and takes those that pass
 * the filter.
 */
#include <stdio.h>
#include <string.h>
#include "core/trap.h"
#include "record/dumptool.h"
#include "record/dumptool_internal.h"
#include "record/recorder.h"
#include "core/kvm_reasons.h"
#include "report/report.h"

/* ---- text in JSON and CSV ---- */

void dumptool_json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		unsigned char c = *p;
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
			   (c & 0xf8) == 0xf0 ? 4 : 0;
		size_t k;

		if (n == 1) {
			if (c == '"' || c == '\\')
				fprintf(f, "\\%c", c);
			else if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
			p++;
			continue;
		}
		for (k = 1; n && k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				break;
		/* overlong 2-byte forms are not UTF-8 either */
		if (!n || k < n || (n == 2 && c < 0xc2)) {
			fputs("\\ufffd", f);
			p++;
			continue;
		}
		fwrite(p, 1, n, f);
		p += n;
	}
	fputc('"', f);
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* ---- print ---- */

int dumptool_print(const struct dump *d, const struct dump_filter *f, FILE *out)
{
	char when[48], ebuf[NAME_LEN], tbuf[NAME_LEN], abuf[NAME_LEN], lat[32];
	char comm[sizeof(d->ev->comm) + 1], extra[NAME_LEN + 48], tid[32];

	for (size_t i = 0; i < d->nr_ev; i++) {
		const struct vflow_event *ev = &d->ev[i];

		if (!dump_filter__match(d, f, ev))
			continue;
		dump_event_comm(ev, comm);
		snprintf(tid, sizeof(tid), "%u/%u", ev->pid, ev->tid);
		if (is_kvm_kind(ev->trap)) {
			dump_event_annotation(ev, abuf, sizeof(abuf));
			snprintf(extra, sizeof(extra), "vcpu=%u%s%s", ev->sub, abuf[0] ? " " : "", abuf);
		} else {
			snprintf(extra, sizeof(extra), "ret=%lld", (long long)ev->ret);
		}
		fprintf(out, "%s %-24s %-15s %-15s %-9s %-22s %8s  %s%s%s\n",
			dumptool_fmt_wall(d, ev->ts_ns, when, sizeof(when)), dump_event_entity(d, ev, ebuf, sizeof(ebuf)),
			tid, comm, paradigm_name(dump_event_paradigm(d, ev)),
			dump_event_trap_name(ev, tbuf, sizeof(tbuf)),
			ev->latency_ns ? fmt_ns(ev->latency_ns, lat, sizeof(lat)) : "-", extra,
			ev->flags ? " " : "", dump_event_flags_name(ev->flags));
	}
	return 0;
}

/* ---- csv ---- */

int dumptool_csv(const struct dump *d, const struct dump_filter *f, FILE *out)
{
	char when[48], ebuf[NAME_LEN], tbuf[NAME_LEN], abuf[NAME_LEN], num[32];
	char comm[sizeof(d->ev->comm) + 1];

	fputs("time,ts_ns,latency_ns,paradigm,entity,pid,tid,comm,kind,code,trap,sub,ret,"
	      "annotation,flags\n", out);
	for (size_t i = 0; i < d->nr_ev; i++) {
		const struct vflow_event *ev = &d->ev[i];

		if (!dump_filter__match(d, f, ev))
			continue;
		dump_event_comm(ev, comm);
		fprintf(out, "%s,%llu,%llu,%s,", dumptool_fmt_wall(d, ev->ts_ns, when, sizeof(when)),
			(unsigned long long)ev->ts_ns, (unsigned long long)ev->latency_ns,
			paradigm_name(dump_event_paradigm(d, ev)));
		csv_field(out, dump_event_entity(d, ev, ebuf, sizeof(ebuf)));
		fprintf(out, ",%u,%u,", ev->pid, ev->tid);
		csv_field(out, comm);
		fprintf(out, ",%s,%llu,", trap_kind_name(ev->trap), (unsigned long long)ev->code);
		csv_field(out, dump_event_trap_name(ev, tbuf, sizeof(tbuf)));
		snprintf(num, sizeof(num), "%lld", (long long)ev->ret);
		fprintf(out, ",%u,%s,", ev->sub, num);
		csv_field(out, dump_event_annotation(ev, abuf, sizeof(abuf)));
		fprintf(out, ",%s\n", dump_event_flags_name(ev->flags));
	}
	return 0;
}

/* ---- info ---- */

static const char *ent_kind_name(__u32 kind)
{
	return kind == DUMP_ENT_CGROUP ? "cgroup" : kind == DUMP_ENT_PROC ? "process" : "unknown";
}

/* Who wrote the dump, when, how it recorded (the HEADER block). */
static void info_writer(const struct dump *d, FILE *out)
{
	const struct dump_info *in = &d->info;
	char when[48], slow[32];

	fprintf(out, "format          %u%s\n", in->version,
		d->damage.newer_version ? " (newer than this reader)" : "");
	fprintf(out, "host            %s\n", in->host);
	fprintf(out, "kernel          %s\n", in->kernel);
	fprintf(out, "boot id         %s\n", in->boot_id);
	fprintf(out, "clock source    %s\n", in->clocksource);
	fprintf(out, "vflow           %s\n", in->vflow_version);
	fprintf(out, "trigger         %s\n", in->trigger);
	if (in->mono_to_realtime_ns && in->created_realtime_ns > in->mono_to_realtime_ns)
		fprintf(out, "created         %s\n",
			dumptool_fmt_wall(d, in->created_realtime_ns - in->mono_to_realtime_ns, when,
					  sizeof(when)));
	if (in->mono_to_realtime_ns)
		fprintf(out, "clock offset    %llu ns (CLOCK_MONOTONIC + offset = wall clock)\n",
			(unsigned long long)in->mono_to_realtime_ns);
	else
		fprintf(out, "clock offset    unknown: times are the capture's own clock, in seconds\n");
	for (int c = 0; c < VFLOW_REC_MAX; c++)
		fprintf(out, "recorder        %-8s sample %s%u, slow >= %s\n", trap_rec_class_name(c),
			in->sample_period[c] ? "1 in " : "off ", in->sample_period[c],
			in->slow_ns[c] ? fmt_ns(in->slow_ns[c], slow, sizeof(slow)) : "off");
	fprintf(out, "recorder events %llu received, %llu evicted, %llu dropped in the kernel\n",
		(unsigned long long)in->events_received, (unsigned long long)in->events_evicted,
		(unsigned long long)in->events_dropped);
	fprintf(out, "model           %s\n", in->model && in->model[0] ? "constants included" : "absent");
	fprintf(out, "probes          %zu\n", in->nr_probes);
	for (size_t i = 0; i < in->nr_probes && i < DUMP_MAX_PROBES; i++)
		fprintf(out, "  %s\n", in->probes[i]);
}

/* The events that pass @f and the range of their times; how many. */
static size_t matching_range(const struct dump *d, const struct dump_filter *f, __u64 *lo, __u64 *hi)
{
	size_t n = 0;

	*lo = *hi = 0;
	for (size_t i = 0; i < d->nr_ev; i++) {
		const struct vflow_event *ev = &d->ev[i];

		if (!dump_filter__match(d, f, ev))
			continue;
		*lo = !n || ev->ts_ns < *lo ? ev->ts_ns : *lo;
		*hi = ev->ts_ns > *hi ? ev->ts_ns : *hi;
		n++;
	}
	return n;
}

/* What it holds: entities, aggregates, events, and those that pass @f. */
static void info_contents(const struct dump *d, const struct dump_filter *f, FILE *out)
{
	const struct dump_info *in = &d->info;
	char b1[48], b2[48], b3[32];
	__u64 lo, hi;
	size_t n;

	fprintf(out, "entities        %zu\n", d->nr_ents);
	if (d->nr_ents)
		fprintf(out, "  %-8s %-20s %-12s %-28s %s\n", "KIND", "ID", "TYPE", "NAME", "PATH");
	for (size_t i = 0; i < d->nr_ents; i++) {
		const struct dump_entity *en = &d->ents[i];

		fprintf(out, "  %-8s %-20llu %-12s %-28s %s\n", ent_kind_name(en->kind),
			(unsigned long long)en->id, en->type, en->name, en->path);
	}
	if (d->nr_rows)
		fprintf(out, "aggregates      %zu rows, exact, over %s of tracing\n", d->nr_rows,
			fmt_ns((double)d->rows_elapsed_ns, b1, sizeof(b1)));
	else
		fprintf(out, "aggregates      none\n");
	fprintf(out, "events          %zu", d->nr_ev);
	if (d->nr_ev && in->last_ns >= in->first_ns && in->first_ns)
		fprintf(out, " from %s to %s (%s)", dumptool_fmt_wall(d, in->first_ns, b1, sizeof(b1)),
			dumptool_fmt_wall(d, in->last_ns, b2, sizeof(b2)),
			fmt_ns(in->last_ns - in->first_ns, b3, sizeof(b3)));
	fputc('\n', out);
	if (dump_filter__empty(f))
		return;
	n = matching_range(d, f, &lo, &hi);
	fprintf(out, "matching        %zu", n);
	if (n)
		fprintf(out, " from %s to %s", dumptool_fmt_wall(d, lo, b1, sizeof(b1)),
			dumptool_fmt_wall(d, hi, b2, sizeof(b2)));
	fputc('\n', out);
}

/* What reading it found wrong. */
static void info_damage(const struct dump *d, FILE *out)
{
	const struct dump_damage *dm = &d->damage;

	fprintf(out, "blocks          %u ok, %u bad, %llu bytes skipped, %s\n", dm->blocks_ok,
		dm->blocks_bad, (unsigned long long)dm->bytes_skipped,
		dm->truncated ? "no END block (truncated)" : "complete");
	if (dm->events_expected)
		fprintf(out, "events written  %llu, %llu lost\n", (unsigned long long)dm->events_expected,
			(unsigned long long)dm->events_lost);
	fprintf(out, "problems        %zu\n", dm->nr_problems);
	for (size_t i = 0; i < dm->nr_problems && i < DUMP_MAX_PROBLEMS; i++)
		fprintf(out, "  %s\n", dm->problems[i]);
}

int dumptool_info(const struct dump *d, const struct dump_filter *f, FILE *out)
{
	info_writer(d, out);
	info_contents(d, f, out);
	info_damage(d, out);
	return 0;
}
