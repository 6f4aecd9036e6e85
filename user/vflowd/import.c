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
#include "source/capture_import.h"

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

/* An imported VM that has no pid: the name its capture gives it. */
static const char *import_vm_name(const void *ctx, __u64 owner)
{
	return import_stats__owner_name(ctx, owner);
}

/* The report over the whole capture, as text or JSON; 0, or 1 on ENOMEM. */
static int import_report(const struct args *a, const struct model_in_use *m,
			 const struct import_stats *st, struct snapshot *s)
{
	struct report r = { .offline = true, .model = &m->mc, .advice = model_in_use__advice(m),
			    .vm_name = import_vm_name, .vm_name_ctx = st };
	char *summary = NULL;
	size_t summary_len = 0;
	FILE *mf;
	int ret;

	mf = open_memstream(&summary, &summary_len);
	if (mf) {
		import_stats__print_json(st, mf);
		fclose(mf);
	}
	r.import_json = summary;
	ret = report__build(&r, s, s, NULL, st->last_ns - st->first_ns, st->last_ns - st->first_ns);
	if (ret) {
		fprintf(stderr, "vflowd: out of memory building the report\n");
	} else {
		r.syscall_via = "import";
		if (a->json) {
			report__print_json(&r, stdout);
		} else {
			struct report_text_opts o = { .top = a->top, .per_entity_syscalls = a->syscalls };

			report__print_text(&r, &o, stdout);
		}
		report__free(&r);
	}
	free(summary);
	return ret ? 1 : 0;
}

int run_import(const struct args *a, const struct model_in_use *m)
{
	struct import_stats st = {};
	struct snapshot *s = NULL;
	struct event_vec v = {};
	char err[PATH_MAX + 256];
	int ret;

	ret = capture_import(a->import, &s, &st, a->dump_dir_set ? collect_event : NULL, &v, err,
			     sizeof(err));
	if (ret) {
		fprintf(stderr, "vflowd: %s\n", err);
		free(v.ev);
		import_stats__free(&st);
		return 1;
	}
	if (a->dump_dir_set && import_dump(a, &v, &m->mc)) {
		free(v.ev);
		snapshot__free(s);
		import_stats__free(&st);
		return 1;
	}
	free(v.ev);
	import_stats__print_text(&st, a->import, stderr);
	ret = import_report(a, m, &st, s);
	snapshot__free(s);
	import_stats__free(&st);
	return ret;
}
