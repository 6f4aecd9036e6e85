// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The per-reason summary of a dump's events (vflowdump summary), as a
 * table or JSON: samples, share and latency figures per (paradigm, trap,
 * code), and whether the counts are 1-in-N samples.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/trap.h"
#include "record/dumptool.h"
#include "record/dumptool_internal.h"
#include "record/recorder.h"
#include "core/kvm_reasons.h"
#include "report/report.h"

/* The summary's tail latency: nearest rank over the timed events. */
#define P99 0.99

struct sum_item {
	__u32 paradigm, trap, sub;
	__u64 code;
	__u64 lat;
};

struct sum_row {
	__u32 paradigm, trap, sub;
	__u64 code;
	__u64 samples, timed;
	__u64 min, max, p99;
	double mean;
};

struct summary {
	struct sum_row *rows;
	size_t nr_rows;
	struct sum_row total;
	__u64 flags_seen[VFLOW_REC_MAX];	/* VFLOW_EVF_* or'ed per class */
};

static int sum_item_cmp(const void *a, const void *b)
{
	const struct sum_item *x = a, *y = b;

	if (x->paradigm != y->paradigm)
		return x->paradigm < y->paradigm ? -1 : 1;
	if (x->trap != y->trap)
		return x->trap < y->trap ? -1 : 1;
	if (x->sub != y->sub)
		return x->sub < y->sub ? -1 : 1;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	return x->lat < y->lat ? -1 : x->lat > y->lat;
}

static int u64_cmp(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int sum_row_cmp(const void *a, const void *b)
{
	const struct sum_row *x = a, *y = b;

	if (x->paradigm != y->paradigm)
		return x->paradigm < y->paradigm ? -1 : 1;
	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	if (x->trap != y->trap)
		return x->trap < y->trap ? -1 : 1;
	if (x->sub != y->sub)
		return x->sub < y->sub ? -1 : 1;
	return x->code < y->code ? -1 : x->code > y->code;
}

/*
 * Latency figures of @n values sorted ascending, zeros (untimed) first;
 * p99 by nearest rank over the timed ones.
 */
static void row_stats(struct sum_row *r, const __u64 *lat, size_t n)
{
	size_t z = 0, timed, k;
	double sum = 0;

	while (z < n && !lat[z])
		z++;
	timed = n - z;
	r->samples = n;
	r->timed = timed;
	if (!timed)
		return;
	for (k = z; k < n; k++)
		sum += (double)lat[k];
	r->min = lat[z];
	r->max = lat[n - 1];
	r->mean = sum / timed;
	k = (size_t)ceil(P99 * timed);
	r->p99 = lat[z + (k ? k - 1 : 0)];
}

static void summary_free(struct summary *s)
{
	free(s->rows);
}

static int summary_build(const struct dump *d, const struct dump_filter *f, struct summary *s)
{
	struct sum_item *items;
	__u64 *all;
	size_t n = 0, i, j;

	memset(s, 0, sizeof(*s));
	items = malloc((d->nr_ev ? d->nr_ev : 1) * sizeof(*items));
	all = malloc((d->nr_ev ? d->nr_ev : 1) * sizeof(*all));
	if (!items || !all) {
		free(items);
		free(all);
		return -ENOMEM;
	}
	for (i = 0; i < d->nr_ev; i++) {
		const struct vflow_event *ev = &d->ev[i];

		if (!dump_filter__match(d, f, ev))
			continue;
		items[n] = (struct sum_item){
			.paradigm = dump_event_paradigm(d, ev), .trap = ev->trap,
			.sub = ev->trap == VFLOW_TRAP_SANDBOX ? ev->sub : 0,
			.code = ev->code, .lat = ev->latency_ns,
		};
		all[n++] = ev->latency_ns;
		s->flags_seen[dump_event_rec_class(ev)] |= ev->flags;
	}
	qsort(items, n, sizeof(*items), sum_item_cmp);
	qsort(all, n, sizeof(*all), u64_cmp);
	row_stats(&s->total, all, n);
	s->rows = calloc(n ? n : 1, sizeof(*s->rows));
	if (!s->rows) {
		free(items);
		free(all);
		return -ENOMEM;
	}
	for (i = 0; i < n; i = j) {
		struct sum_row *r = &s->rows[s->nr_rows++];

		for (j = i + 1; j < n; j++)
			if (items[j].paradigm != items[i].paradigm || items[j].trap != items[i].trap ||
			    items[j].sub != items[i].sub || items[j].code != items[i].code)
				break;
		r->paradigm = items[i].paradigm;
		r->trap = items[i].trap;
		r->sub = items[i].sub;
		r->code = items[i].code;
		/* the run is sorted by latency: @all is free again to hold it */
		for (size_t k = i; k < j; k++)
			all[k - i] = items[k].lat;
		row_stats(r, all, j - i);
	}
	free(items);
	free(all);
	qsort(s->rows, s->nr_rows, sizeof(*s->rows), sum_row_cmp);
	return 0;
}

static const char *sum_row_name(const struct sum_row *r, char *buf, size_t len)
{
	struct vflow_event ev = { .trap = r->trap, .sub = r->sub, .code = r->code };

	return dump_event_trap_name(&ev, buf, len);
}

/* "1 in 1000 (syscall), 1 in 100 (vm)" for the classes whose samples are there */
static bool sampling_note(const struct dump *d, const struct summary *s, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int c = 0; c < VFLOW_REC_MAX; c++) {
		if (!(s->flags_seen[c] & VFLOW_EVF_SAMPLED) || !d->info.sample_period[c])
			continue;
		n += snprintf(buf + n, n < len ? len - n : 0, "%s1 in %u (%s)", n ? ", " : "",
			      d->info.sample_period[c], trap_rec_class_name(c));
		if (n >= len)
			break;
	}
	return buf[0];
}

static void print_stat(FILE *out, const struct sum_row *r, __u64 total)
{
	char b[4][32];

	fprintf(out, " %10llu %6.2f%%", (unsigned long long)r->samples,
		total ? 100.0 * r->samples / total : 0.0);
	if (!r->timed) {
		fprintf(out, " %9s %9s %9s %9s\n", "-", "-", "-", "-");
		return;
	}
	fprintf(out, " %9s %9s %9s %9s\n", fmt_ns(r->min, b[0], sizeof(b[0])),
		fmt_ns(r->mean, b[1], sizeof(b[1])), fmt_ns(r->max, b[2], sizeof(b[2])),
		fmt_ns(r->p99, b[3], sizeof(b[3])));
}

int dumptool_summary(const struct dump *d, const struct dump_filter *f, FILE *out)
{
	char name[NAME_LEN], note[256];
	struct summary s;

	if (summary_build(d, f, &s))
		return -ENOMEM;
	fprintf(out, "%-10s %-28s %10s %7s %9s %9s %9s %9s\n", "PARADIGM", "REASON", "SAMPLES",
		"SHARE", "MIN", "MEAN", "MAX", "P99");
	for (size_t i = 0; i < s.nr_rows; i++) {
		const struct sum_row *r = &s.rows[i];

		fprintf(out, "%-10s %-28.28s", paradigm_name(r->paradigm),
			sum_row_name(r, name, sizeof(name)));
		print_stat(out, r, s.total.samples);
	}
	fprintf(out, "%-10s %-28s", "total", "");
	print_stat(out, &s.total, s.total.samples);
	if (s.total.samples > s.total.timed)
		fprintf(out, "%llu events untimed: counted, not in the latency columns\n",
			(unsigned long long)(s.total.samples - s.total.timed));
	if (sampling_note(d, &s, note, sizeof(note)))
		fprintf(out, "sampled %s: counts are samples, not totals\n", note);
	summary_free(&s);
	return 0;
}

static void json_stat(FILE *out, const struct sum_row *r, __u64 total)
{
	fprintf(out, "\"samples\":%llu,\"share\":%.6f,\"timed\":%llu",
		(unsigned long long)r->samples, total ? (double)r->samples / total : 0.0,
		(unsigned long long)r->timed);
	if (r->timed)
		fprintf(out, ",\"min_ns\":%llu,\"mean_ns\":%.1f,\"max_ns\":%llu,\"p99_ns\":%llu",
			(unsigned long long)r->min, r->mean, (unsigned long long)r->max,
			(unsigned long long)r->p99);
	else
		fputs(",\"min_ns\":null,\"mean_ns\":null,\"max_ns\":null,\"p99_ns\":null", out);
}

int dumptool_summary_json(const struct dump *d, const struct dump_filter *f, FILE *out)
{
	char name[NAME_LEN];
	struct summary s;
	bool sampled = false;

	if (summary_build(d, f, &s))
		return -ENOMEM;
	fputs("{\"rows\":[", out);
	for (size_t i = 0; i < s.nr_rows; i++) {
		const struct sum_row *r = &s.rows[i];

		fprintf(out, "%s{\"paradigm\":\"%s\",\"kind\":", i ? "," : "",
			paradigm_name(r->paradigm));
		dumptool_json_str(out, trap_kind_name(r->trap));
		fprintf(out, ",\"code\":%llu,\"reason\":", (unsigned long long)r->code);
		dumptool_json_str(out, sum_row_name(r, name, sizeof(name)));
		fputc(',', out);
		json_stat(out, r, s.total.samples);
		fputc('}', out);
	}
	fputs("],\"total\":{", out);
	json_stat(out, &s.total, s.total.samples);
	fputs("},\"sample_period\":{", out);
	for (int c = 0; c < VFLOW_REC_MAX; c++) {
		fprintf(out, "%s\"%s\":%u", c ? "," : "", trap_rec_class_name(c), d->info.sample_period[c]);
		sampled |= (s.flags_seen[c] & VFLOW_EVF_SAMPLED) && d->info.sample_period[c];
	}
	fprintf(out, "},\"counts_are_samples\":%s}\n", sampled ? "true" : "false");
	summary_free(&s);
	return 0;
}
