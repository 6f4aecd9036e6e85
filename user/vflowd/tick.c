// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One interval of vflowd: the tick (source/tick.h: snapshot, delta, the
 * report, removed cgroups retired), then the eta rule, the metrics
 * rendered, the report printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "vflowd/vflowd.h"

#define MAX_PROG_STATS 64

__u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/*
 * One report to stdout in one write: whoever reads the output as it grows
 * (a pipe, `tail -f`, a test) never sees half a JSON line for long.
 */
static void print_report(const struct report *r, const struct args *a)
{
	struct report_text_opts o = { .top = a->top, .per_entity_syscalls = a->syscalls };
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		fprintf(stderr, "vflowd: out of memory printing the report\n");
		return;
	}
	if (a->json) {
		report__print_json(r, m);
	} else {
		report__print_text(r, &o, m);
		fputc('\n', m);
	}
	if (fclose(m) == 0 && fflush(stdout) == 0) {
		/* one write(2), not stdio's block-sized pieces */
		for (size_t off = 0; off < len;) {
			ssize_t n = write(STDOUT_FILENO, buf + off, len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fprintf(stderr, "vflowd: cannot write the report: %s\n", strerror(errno));
				break;
			}
			off += (size_t)n;
		}
	}
	free(buf);
}

void daemon_tick(struct daemon *d, bool print)
{
	const struct args *a = d->a;
	char err[TICK_MSG_LEN];

	d->t.model = &d->model.mc;
	d->t.advice = model_in_use__advice(&d->model);
	if (tick__next(&d->t, 0, err, sizeof(err))) {
		fprintf(stderr, "vflowd: %s\n", err);
		return;
	}
	if (d->t.warning[0])
		fprintf(stderr, "vflowd: %s\n", d->t.warning);
	rule_eta(d, &d->t.r, d->t.snap->ts_ns);
	if (a->listen) {
		struct prog_stat progs[MAX_PROG_STATS];
		size_t n = engine__prog_stats(d->src.e, progs, MAX_PROG_STATS);

		if (metrics__render(&d->mt, &d->t.r, progs, n, d->t.snap->ts_ns))
			fprintf(stderr, "vflowd: out of memory rendering metrics: serving the last ones\n");
	}
	if (!a->quiet && print)
		print_report(&d->t.r, a);
}

void print_absent_probes(const struct engine *e)
{
	const struct engine_probe *p;
	size_t n = engine__probes(e, &p);

	for (size_t i = 0; i < n; i++)
		if (!p[i].live)
			fprintf(stderr, "vflowd: probe %s absent: %s\n", p[i].name, p[i].why);
}
