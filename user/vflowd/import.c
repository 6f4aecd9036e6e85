// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowd --import: the KVM events of a capture (ftrace text, trace.dat,
 * perf.data), reported by
 * the same code as live tracing, and with --dump-dir written as a dump.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vflowd/vflowd.h"

/* The imported exits, for a dump of the capture. */
struct event_vec {
	struct vflow_event *ev;
	size_t nr, cap;
};

static int collect_event(void *ctx, const struct vflow_event *ev)
{
	struct event_vec *v = ctx;

	if (v->nr == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 4096;
		struct vflow_event *p = realloc(v->ev, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->ev = p;
		v->cap = cap;
	}
	v->ev[v->nr++] = *ev;
	return 0;
}

/* --import with --dump-dir: the capture's exits in a dump file. */
static int import_dump(const struct args *a, const struct event_vec *v, const struct model_config *model)
{
	struct flight fl = { .dir = a->dump_dir, .model = model, .imported = true };
	char trigger[sizeof(((struct dump_info *)0)->trigger)], path[PATH_MAX], err[ENGINE_ERR_LEN];

	snprintf(trigger, sizeof(trigger), "import %s", a->import);
	if (flight_dump_events(&fl, v->ev, v->nr, trigger, path, sizeof(path), err, sizeof(err))) {
		fprintf(stderr, "vflowd: %s\n", err);
		return 1;
	}
	fprintf(stderr, "vflowd: %zu exits written to %s\n", v->nr, path);
	return 0;
}

/* The report over the whole capture, as text or JSON; 0, or 1 after a line on stderr. */
static int import_report(const struct args *a, const struct model_in_use *m, struct source *src)
{
	struct report_text_opts o = { .top = a->top, .per_entity_syscalls = a->syscalls };
	char err[TICK_MSG_LEN];
	struct tick t;
	int ret;

	tick__init(&t, src);
	t.model = &m->mc;
	t.advice = model_in_use__advice(m);
	ret = tick__next(&t, 0, err, sizeof(err));
	if (ret)
		fprintf(stderr, "vflowd: %s\n", err);
	else if (a->json)
		report__print_json(&t.r, stdout);
	else
		report__print_text(&t.r, &o, stdout);
	tick__free(&t);
	return ret ? 1 : 0;
}

int run_import(const struct args *a, const struct model_in_use *m)
{
	struct source src = { .prog = "vflowd" };
	struct event_vec v = {};
	char err[PATH_MAX + 256];
	int ret;

	ret = source__open_import(&src, a->import, a->dump_dir_set ? collect_event : NULL, &v, err,
				  sizeof(err));
	if (ret)
		fprintf(stderr, "vflowd: %s\n", err);
	else if (a->dump_dir_set)
		ret = import_dump(a, &v, &m->mc);
	free(v.ev);
	if (!ret) {
		import_stats__print_text(&src.st, a->import, stderr);
		ret = import_report(a, m, &src);
	}
	source__close(&src);
	return ret ? 1 : 0;
}
