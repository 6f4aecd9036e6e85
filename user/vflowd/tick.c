// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One interval of vflowd: snapshot, delta, the report, the eta rule,
 * removed cgroups retired, the metrics rendered, the report printed.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "vflowd/vflowd.h"
#include "source/retire.h"

#define MAX_PROG_STATS 64
#define TRIM_ROWS 4096		/* rows that, halved, are worth a malloc_trim */

static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;

__u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

struct snapshot *locked_snapshot(void *engine)
{
	struct snapshot *s;

	pthread_mutex_lock(&snapshot_lock);
	s = engine__snapshot(engine);
	pthread_mutex_unlock(&snapshot_lock);
	return s;
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

/* Print the interval since @prev; returns the new cumulative snapshot. */
static struct snapshot *emit(struct engine *e, struct cgroup_resolver *cg, struct daemon *d,
			     struct metrics *m, const struct args *a, struct snapshot *prev,
			     __u64 start_ns, bool print)
{
	struct snapshot *cur = locked_snapshot(e), *delta;
	struct report r = { .procs = &d->pc, .model = &d->model.mc,
			    .advice = model_in_use__advice(&d->model) };

	if (!cur) {
		fprintf(stderr, "vflowd: failed to read the BPF maps: %s\n", strerror(errno));
		return prev;
	}
	delta = snapshot__delta(prev, cur);
	if (!delta || report__build(&r, cur, delta, cg, cur->ts_ns - (prev ? prev->ts_ns : start_ns),
				    cur->ts_ns - start_ns)) {
		fprintf(stderr, "vflowd: out of memory building the report\n");
		snapshot__free(delta);
		snapshot__free(cur);
		return prev;
	}
	r.nr_probes = engine__probes(e, &r.probes);
	r.syscall_via = engine__syscall_via(e);
	rule_eta(d, &r, cur->ts_ns);
	if (retire_gone_cgroups(e, &r, cg))
		fprintf(stderr, "vflowd: out of memory retiring removed cgroups: they stay in the maps\n");
	if (m) {
		struct prog_stat progs[MAX_PROG_STATS];
		size_t n = engine__prog_stats(e, progs, MAX_PROG_STATS);

		if (metrics__render(m, &r, progs, n, cur->ts_ns))
			fprintf(stderr, "vflowd: out of memory rendering metrics: serving the last ones\n");
	}
	if (!a->quiet && print)
		print_report(&r, a);
	report__free(&r);
	snapshot__free(delta);
	/* after a storm of short-lived cgroups, give the memory back */
	if (prev && cur->nr_rows < prev->nr_rows / 2 && prev->nr_rows > TRIM_ROWS)
		malloc_trim(0);
	snapshot__free(prev);
	/* cgroups come and go: resolve afresh next time */
	cgroup_resolver__invalidate(cg);
	return cur;
}

void tick__emit(struct daemon *d, bool print)
{
	d->prev = emit(d->e, &d->cg, d, d->a->listen ? &d->mt : NULL, d->a, d->prev, d->start_ns,
		       print);
}

void print_absent_probes(const struct engine *e)
{
	const struct engine_probe *p;
	size_t n = engine__probes(e, &p);

	for (size_t i = 0; i < n; i++)
		if (!p[i].live)
			fprintf(stderr, "vflowd: probe %s absent: %s\n", p[i].name, p[i].why);
}
