// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The Prometheus text and OpenMetrics exposition: families, samples, histograms. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include "core/fmtnum.h"
#include "serve/metrics_internal.h"

/* the last histogram slot is open-ended: buckets stop before it */
#define BUCKETS (VFLOW_HIST_SLOTS - 1)

/* OpenMetrics names a counter family without _total */
void out_family(struct out *o, const char *name, const char *type, const char *help)
{
	size_t n = strlen(name);

	if (o->om && !strcmp(type, "counter") && n > 6 && !strcmp(name + n - 6, "_total"))
		n -= 6;
	fprintf(o->f, "# HELP %.*s %s\n# TYPE %.*s %s\n", (int)n, name, help, (int)n, name, type);
}

static void label_value(FILE *f, const char *s)
{
	for (;;) {
		size_t n = strcspn(s, "\\\"\n");

		fwrite(s, 1, n, f);
		s += n;
		if (!*s)
			return;
		fputs(*s == '\n' ? "\\n" : *s == '"' ? "\\\"" : "\\\\", f);
		s++;
	}
}

static void put_u64(FILE *f, unsigned long long v)
{
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), f);
}

/*
 * " VALUE\n": integers (most samples are counts) without printf, other
 * values in the shortest form that reads back exactly, as Prometheus's
 * client libraries write them
 */
static void put_value(FILE *f, double v)
{
	char buf[FMT_DOUBLE_LEN];

	fputc(' ', f);
	if (v >= 0 && v < 9007199254740992.0 && v == (double)(unsigned long long)v)
		put_u64(f, (unsigned long long)v);
	else
		fputs(fmt_double(v, buf, sizeof(buf)), f);
	fputc('\n', f);
}

/* labels: NULL-terminated key, value, key, value, ...; extra: one more "k=v" or NULL */
static void labels(FILE *f, const char *const *kv, const char *extra)
{
	bool first = true;

	fputc('{', f);
	for (; kv && kv[0]; kv += 2, first = false) {
		if (!first)
			fputc(',', f);
		fputs(kv[0], f);
		fputs("=\"", f);
		label_value(f, kv[1]);
		fputc('"', f);
	}
	if (extra) {
		if (!first)
			fputc(',', f);
		fputs(extra, f);
	}
	fputc('}', f);
}

void out_sample(struct out *o, const char *name, const char *const *kv, double v)
{
	fputs(name, o->f);
	labels(o->f, kv, NULL);
	put_value(o->f, v);
}

void out_histogram(struct out *o, const char *name, const char *const *kv, const struct trap_row *row)
{
	static char le[BUCKETS][FMT_DOUBLE_LEN + sizeof("le=\"\"")];
	static bool le_done;
	char num[FMT_DOUBLE_LEN];
	__u64 cum = 0, n = hist_count(row->hist);

	/* the bucket bounds never change: format them once */
	if (!le_done) {
		for (int i = 0; i < BUCKETS; i++)
			snprintf(le[i], sizeof(le[i]), "le=\"%s\"",
				 fmt_double((double)hist_slot_high_ns(i) / NS_PER_SEC, num, sizeof(num)));
		le_done = true;
	}
	for (int i = 0; i < BUCKETS; i++) {
		cum += row->hist[i];
		fputs(name, o->f);
		fputs("_bucket", o->f);
		labels(o->f, kv, le[i]);
		put_value(o->f, (double)cum);
	}
	fputs(name, o->f);
	fputs("_bucket", o->f);
	labels(o->f, kv, "le=\"+Inf\"");
	put_value(o->f, (double)n);
	fputs(name, o->f);
	fputs("_sum", o->f);
	labels(o->f, kv, NULL);
	put_value(o->f, (double)row->total_ns / NS_PER_SEC);
	fputs(name, o->f);
	fputs("_count", o->f);
	labels(o->f, kv, NULL);
	put_value(o->f, (double)n);
}
