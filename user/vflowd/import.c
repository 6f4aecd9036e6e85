// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowd --import: the KVM events of an ftrace text capture, reported by
 * the same code as live tracing, and with --dump-dir written as a dump.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vflowd/vflowd.h"
#include "source/ftrace_import.h"

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

/* --import: one report over the whole capture, from the same code as live. */
int run_import(const struct args *a, const struct model_in_use *m)
{
	FILE *f = strcmp(a->import, "-") ? fopen(a->import, "re") : stdin;
	struct import_stats st = {};
	struct snapshot *s = NULL;
	struct report r = { .offline = true, .model = &m->mc, .advice = model_in_use__advice(m) };
	struct event_vec v = {};
	int ret;

	if (!f) {
		fprintf(stderr, "vflowd: cannot open '%s': %s: give an ftrace text capture\n",
			a->import, strerror(errno));
		return 1;
	}
	ret = ftrace_import_events(f, &s, &st, a->dump_dir_set ? collect_event : NULL, &v);
	if (f != stdin)
		fclose(f);
	if (ret) {
		fprintf(stderr, "vflowd: failed to read '%s': %s\n", a->import, strerror(-ret));
		free(v.ev);
		return 1;
	}
	if (a->dump_dir_set && import_dump(a, &v, &m->mc)) {
		free(v.ev);
		snapshot__free(s);
		return 1;
	}
	free(v.ev);
	fprintf(stderr, "vflowd: %s: %lu lines, %lu KVM events, %lu lines skipped, "
		"%lu exits without entry, %lu entries without exit\n", a->import, st.lines,
		st.events, st.skipped, st.unpaired_exits, st.unpaired_entries);
	if (report__build(&r, s, s, NULL, st.last_ns - st.first_ns, st.last_ns - st.first_ns)) {
		fprintf(stderr, "vflowd: out of memory building the report\n");
		snapshot__free(s);
		return 1;
	}
	r.syscall_via = "import";
	if (a->json) {
		report__print_json(&r, stdout);
	} else {
		struct report_text_opts o = { .top = a->top, .per_entity_syscalls = a->syscalls };

		report__print_text(&r, &o, stdout);
	}
	report__free(&r);
	snapshot__free(s);
	return 0;
}
